#!/usr/bin/env bash
# Term-frequency benchmark: `wirescan tf` against DuckDB computing the same
# counts over its own table, same machine, same run, same thread count; and
# `wirescan tf --decode-only` (read, check and decode the token columns,
# count nothing) to show what the tf kernel adds on top of decoding.
# A benchmark, not a test: it never fails on a slow result.
#
# Usage: bench/tf_bench.sh [options]
#   --runs N        timed runs per tool, after one untimed warm-up (default 5)
#   --threads N     threads for both tools (default 2)
#   --copies N      Reuters-21578 replicated N times (default 10); each copy's
#                   dates are shifted by whole years (copy k: +k years) and its
#                   ids suffixed with -k
#   --jsonl FILE    use FILE instead of replicated Reuters
#   --csv FILE      also write the table as CSV to FILE
#   --keep          keep the work folder (JSONL, store, database)
#
# Set-up, not timed: the JSONL is ingested into a wirescan store
# (`wirescan ingest`) and loaded into a DuckDB database file with a table
# t(id, date, title, body) (bench/duckdb_tf.mjs load). Timed, whole process
# against whole process, wall clock, median of --runs after a warm-up, the
# tools alternating run by run:
#   wirescan  $WS_BIN tf STORE --top 0 --threads N -o OUT.csv
#   decode    $WS_BIN tf STORE --decode-only --threads N -o OUT.csv
#   DuckDB    node bench/duckdb_tf.mjs query DB N  (open the database read-only,
#             SET threads, run the query below, read all rows, close), with
#               SELECT w, count(*) FROM (SELECT unnest(regexp_split_to_array(
#                 lower(title||' '||body), '[^a-z0-9]+')) w FROM t)
#               WHERE w <> '' GROUP BY w
# DuckDB's figure inside its process (connect to close) is reported too.
# ratio = DuckDB process s / wirescan s (above 1: wirescan is faster); ratio
# (CPU) = the same for CPU seconds (user + system of the whole process, GNU
# time), the steadier figure on a shared machine. wirescan
# does more work than the query: Unicode tokens (not ASCII runs), case folding
# by the full Unicode rules, df as well as tf, and a sorted CSV.
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
JSONL=
CSV_OUT=
KEEP=0

BENCH_NAME=tf_bench
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"

while (($#)); do
  case $1 in
    --runs) is_posint "${2:-}" || die "--runs needs a positive integer"; RUNS=$2; shift 2 ;;
    --threads) is_posint "${2:-}" || die "--threads needs a positive integer"; THREADS=$2; shift 2 ;;
    --copies) is_posint "${2:-}" || die "--copies needs a positive integer"; COPIES=$2; shift 2 ;;
    --jsonl) [[ -f ${2:-} ]] || die "--jsonl needs a readable file"; JSONL=$2; shift 2 ;;
    --csv) [[ -n ${2:-} ]] || die "--csv needs a file name"; CSV_OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

# --- tools, input, store and database (untimed) -------------------------------
bench_peer_input duckdb_tf.mjs

# --- runs --------------------------------------------------------------------
ws_t=(); dec_t=(); dk_t=(); dk_in=(); ws_c=(); dk_c=()
echo "tf_bench: warm-up + $RUNS runs, $THREADS threads" >&2
for ((i = 0; i <= RUNS; i++)); do
  a=$(timed "$WS_BIN" tf "$WORK/store" --top 0 --threads "$THREADS" --no-progress -o "$WORK/ws.csv")
  ac=$(last_cpu)
  d=$(timed "$WS_BIN" tf "$WORK/store" --decode-only --threads "$THREADS" --no-progress -o "$WORK/dec.csv")
  k=$(timed node "$BENCH/duckdb_tf.mjs" query "$WORK/duck.db" "$THREADS")
  kc=$(last_cpu)
  kin=$(sed -nE 's/.*elapsed_s=([^ ]+).*/\1/p' "$WORK/last.log")
  dk_line=$(grep '^elapsed_s=' "$WORK/last.log")
  if ((i > 0)); then ws_t+=("$a"); dec_t+=("$d"); dk_t+=("$k"); dk_in+=("$kin"); ws_c+=("$ac"); dk_c+=("$kc"); fi
  echo "tf_bench:   $( ((i)) && echo "run $i" || echo warm-up): wirescan tf $a s (CPU $ac s), decode-only $d s, DuckDB $k s (inside: $kin s, CPU $kc s)" >&2
done

ws_med=$(median "${ws_t[@]}"); dec_med=$(median "${dec_t[@]}"); dk_med=$(median "${dk_t[@]}"); dk_in_med=$(median "${dk_in[@]}")
ws_cmed=$(median "${ws_c[@]}"); dk_cmed=$(median "${dk_c[@]}")
tokens=$(tail -n 1 "$WORK/dec.csv" | cut -d, -f2)
ws_terms=$(($(wc -l <"$WORK/ws.csv") - 1))
dk_terms=$(sed -nE 's/.*terms=([^ ]+).*/\1/p' <<<"$dk_line")
dk_tokens=$(sed -nE 's/.*tokens=([^ ]+).*/\1/p' <<<"$dk_line")
dk_version=$(sed -nE 's/.*duckdb=([^ ]+).*/\1/p' <<<"$dk_line")
ws_tok=$(awk -F, 'NR > 1 { s += $2 } END { print s + 0 }' "$WORK/ws.csv")

HEADER=("input" "MB" "stories" "tokens" "wirescan tf s" "decode-only s" "kernel share" "Mtokens/s"
        "DuckDB process s" "DuckDB inside s" "ratio (process)" "ratio (inside)" "wirescan CPU s" "DuckDB CPU s" "ratio (CPU)")
ROW="$label|$mb|$stories|$tokens|$ws_med|$dec_med|$(awk -v a="$ws_med" -v d="$dec_med" 'BEGIN { printf "%.0f%%", 100 * (a - d) / a }')|$(div "$tokens" "$(awk -v s="$ws_med" 'BEGIN { print s * 1e6 }')" %.1f)|$dk_med|$dk_in_med|$(div "$dk_med" "$ws_med" %.1f)|$(div "$dk_in_med" "$ws_med" %.1f)|$ws_cmed|$dk_cmed|$(div "$dk_cmed" "$ws_cmed" %.1f)"
{
  echo
  echo "tf: wirescan ($WS_BIN) vs DuckDB $dk_version (@duckdb/node-api), whole process vs whole process"
  echo "threads $THREADS, median of $RUNS runs after 1 warm-up, $(nproc) cores, $(uname -srm), node $(node --version)"
  echo "terms: wirescan $ws_terms (tokens counted $ws_tok), DuckDB $dk_terms (tokens counted $dk_tokens)"
  echo "kernel share = (tf - decode-only) / tf: the part of the run the tf kernel itself adds"
  echo
  { (IFS='|'; echo "${HEADER[*]}"); echo "$ROW"; } | align
}
if [[ -n $CSV_OUT ]]; then
  { (IFS=','; echo "${HEADER[*]}"); echo "$ROW" | awk -F'|' -v OFS=',' '{ gsub(/"/, "\"\"", $1); $1 = "\"" $1 "\""; print }'; } >"$CSV_OUT"
  echo "tf_bench: table written to $CSV_OUT" >&2
fi
