#!/usr/bin/env bash
# Trends benchmark: `wirescan trends` (stories per month that mention a
# topic of a few terms) against DuckDB computing the same counts over its
# own table, same machine, same run, same thread count.
# A benchmark, not a test: it never fails on a slow result.
#
# Usage: bench/trends_bench.sh [options]
#   --runs N        timed runs per tool, after one untimed warm-up (default 5)
#   --threads N     threads for both tools (default 2)
#   --copies N      Reuters-21578 replicated N times (default 10); each copy's
#                   dates are shifted by whole years (copy k: +k years) and its
#                   ids suffixed with -k
#   --terms LIST    the topic's terms, comma-separated, lower-case ASCII
#                   (default oil,crude,opec)
#   --jsonl FILE    use FILE instead of replicated Reuters
#   --csv FILE      also write the table as CSV to FILE
#   --keep          keep the work folder (JSONL, store, database)
#
# Set-up, not timed: the JSONL is ingested into a wirescan store
# (`wirescan ingest`) and loaded into a DuckDB database file with a table
# t(id, date, title, body) (bench/duckdb_trends.mjs load). Timed, whole
# process against whole process, wall clock, median of --runs after a
# warm-up, the tools alternating run by run:
#   wirescan  $WS_BIN trends STORE --topics FILE --threads N -o OUT.csv
#             (FILE: "topic: TERMS"; bucket month)
#   DuckDB    node bench/duckdb_trends.mjs query DB N TERMS (open the database
#             read-only, SET threads, run the query below, read all rows,
#             close), with
#               SELECT substr(date, 1, 7) AS m, count(*) FILTER (WHERE
#                 list_has_any(regexp_split_to_array(lower(title||' '||body),
#                 '[^a-z0-9]+'), [TERMS])) AS docs, count(*) AS total
#               FROM t WHERE date IS NOT NULL GROUP BY m ORDER BY m
# DuckDB's figure inside its process (connect to close) is reported too.
# ratio = DuckDB process s / wirescan s (above 1: wirescan is faster); ratio
# (CPU) the same for CPU seconds (user + system, GNU time), steadier on a
# shared machine. The
# stories counted by both are printed: they differ only where tokenisation
# does (Unicode tokens and full case folding in wirescan, ASCII runs in the
# query). wirescan also counts mentions, zero-fills months and writes share.
#
# Environment: WS_BIN (default build/wirescan in the repository), WS_CORPORA
# (default ../shared/corpora beside the repository), TMPDIR (work folder).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
WS_BIN=${WS_BIN:-$ROOT/build/wirescan}
RUNS=5
THREADS=2
COPIES=10
TERMS=oil,crude,opec
JSONL=
CSV_OUT=
KEEP=0

BENCH_NAME=trends_bench
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"

while (($#)); do
  case $1 in
    --runs) is_posint "${2:-}" || die "--runs needs a positive integer"; RUNS=$2; shift 2 ;;
    --threads) is_posint "${2:-}" || die "--threads needs a positive integer"; THREADS=$2; shift 2 ;;
    --copies) is_posint "${2:-}" || die "--copies needs a positive integer"; COPIES=$2; shift 2 ;;
    --terms) [[ ${2:-} =~ ^[a-z0-9]+(,[a-z0-9]+)*$ ]] || die "--terms needs lower-case ASCII terms, comma-separated"; TERMS=$2; shift 2 ;;
    --jsonl) [[ -f ${2:-} ]] || die "--jsonl needs a readable file"; JSONL=$2; shift 2 ;;
    --csv) [[ -n ${2:-} ]] || die "--csv needs a file name"; CSV_OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

# --- tools, input, store and database (untimed) -------------------------------
bench_peer_input duckdb_trends.mjs

# --- runs --------------------------------------------------------------------
echo "topic: ${TERMS//,/ }" >"$WORK/topics.txt"
ws_t=(); dk_t=(); dk_in=(); ws_c=(); dk_c=()
echo "trends_bench: warm-up + $RUNS runs, $THREADS threads, topic: ${TERMS//,/ }" >&2
for ((i = 0; i <= RUNS; i++)); do
  a=$(timed "$WS_BIN" trends "$WORK/store" --topics "$WORK/topics.txt" --threads "$THREADS" --no-progress -o "$WORK/ws.csv")
  ac=$(last_cpu)
  k=$(timed node "$BENCH/duckdb_trends.mjs" query "$WORK/duck.db" "$THREADS" "$TERMS")
  kc=$(last_cpu)
  kin=$(sed -nE 's/.*elapsed_s=([^ ]+).*/\1/p' "$WORK/last.log")
  dk_line=$(grep '^elapsed_s=' "$WORK/last.log")
  if ((i > 0)); then ws_t+=("$a"); dk_t+=("$k"); dk_in+=("$kin"); ws_c+=("$ac"); dk_c+=("$kc"); fi
  echo "trends_bench:   $( ((i)) && echo "run $i" || echo warm-up): wirescan trends $a s (CPU $ac s), DuckDB $k s (inside: $kin s, CPU $kc s)" >&2
done
node "$BENCH/duckdb_trends.mjs" query "$WORK/duck.db" "$THREADS" "$TERMS" "$WORK/duck.csv" >/dev/null

ws_med=$(median "${ws_t[@]}"); dk_med=$(median "${dk_t[@]}"); dk_in_med=$(median "${dk_in[@]}")
ws_cmed=$(median "${ws_c[@]}"); dk_cmed=$(median "${dk_c[@]}")
ws_docs=$(awk -F, 'NR > 1 { s += $3 } END { print s + 0 }' "$WORK/ws.csv")
ws_total=$(awk -F, 'NR > 1 { s += $5 } END { print s + 0 }' "$WORK/ws.csv")
ws_months=$(awk -F, 'NR > 1 && $5 > 0 { n++ } END { print n + 0 }' "$WORK/ws.csv")
dk_docs=$(awk -F, 'NR > 1 { s += $2 } END { print s + 0 }' "$WORK/duck.csv")
dk_total=$(awk -F, 'NR > 1 { s += $3 } END { print s + 0 }' "$WORK/duck.csv")
dk_months=$(($(wc -l <"$WORK/duck.csv") - 1))
dk_version=$(sed -nE 's/.*duckdb=([^ ]+).*/\1/p' <<<"$dk_line")

HEADER=("input" "MB" "stories" "wirescan trends s" "stories/s" "DuckDB process s" "DuckDB inside s"
        "ratio (process)" "ratio (inside)" "wirescan CPU s" "DuckDB CPU s" "ratio (CPU)")
ROW="$label|$mb|$stories|$ws_med|$(div "$stories" "$ws_med" %.0f)|$dk_med|$dk_in_med|$(div "$dk_med" "$ws_med" %.1f)|$(div "$dk_in_med" "$ws_med" %.1f)|$ws_cmed|$dk_cmed|$(div "$dk_cmed" "$ws_cmed" %.1f)"
{
  echo
  echo "trends: wirescan ($WS_BIN) vs DuckDB $dk_version (@duckdb/node-api), whole process vs whole process"
  echo "threads $THREADS, median of $RUNS runs after 1 warm-up, $(nproc) cores, $(uname -srm), node $(node --version)"
  echo "topic: ${TERMS//,/ }; stories mentioning it: wirescan $ws_docs of $ws_total dated in $ws_months non-empty months,"
  echo "DuckDB $dk_docs of $dk_total in $dk_months months"
  echo
  { (IFS='|'; echo "${HEADER[*]}"); echo "$ROW"; } | align
}
if [[ -n $CSV_OUT ]]; then
  { (IFS=','; echo "${HEADER[*]}"); echo "$ROW" | awk -F'|' -v OFS=',' '{ gsub(/"/, "\"\"", $1); $1 = "\"" $1 "\""; print }'; } >"$CSV_OUT"
  echo "trends_bench: table written to $CSV_OUT" >&2
fi
