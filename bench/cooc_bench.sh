#!/usr/bin/env bash
# cooc benchmark: wirescan against DuckDB on Reuters-21578 replicated
# --copies times (default 10; ids made unique, dates moved by a year per
# copy, as bench/tf_bench.sh does), then wirescan's all-pairs throughput.
#
#   bench/cooc_bench.sh [--runs N] [--threads N] [--copies N] [--term T]
#                       [--mem SIZE] [--jsonl FILE] [--csv FILE] [--keep]
#
# 1. Collocates of one term in document contexts, whole process vs whole
#    process, median of --runs (default 5) after a warm-up:
#      wirescan cooc STORE --doc --term T --top 0
#      DuckDB: distinct (story, term) pairs from regexp_split_to_array(
#      lower(title||' '||body), '[^a-z0-9]+') joined on the stories that
#      contain T, counted per collocate (bench/duckdb_cooc.mjs).
#    ratio = DuckDB s / wirescan s (above 1: wirescan is faster); ratio (CPU)
#    the same for CPU seconds (user + system, GNU time), steadier on a shared
#    machine. wirescan does more: Unicode tokens and case folding, df of every
#    term, sorting.
# 2. All pairs in windows of 5 (--top 100), without a budget (--mem 0) and
#    with --mem SIZE (default 64M, small enough to spill on this corpus):
#    seconds (median of 3), pair occurrences counted per second, peak
#    resident memory (/usr/bin/time), runs spilled; the two outputs must be
#    the same bytes.
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
TERM_=oil
MEM=64M
JSONL=
CSV_OUT=
KEEP=0

BENCH_NAME=cooc_bench
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"

while (($#)); do
  case $1 in
    --runs) is_posint "${2:-}" || die "--runs needs a positive integer"; RUNS=$2; shift 2 ;;
    --threads) is_posint "${2:-}" || die "--threads needs a positive integer"; THREADS=$2; shift 2 ;;
    --copies) is_posint "${2:-}" || die "--copies needs a positive integer"; COPIES=$2; shift 2 ;;
    --term) [[ ${2:-} =~ ^[a-z0-9]+$ ]] || die "--term needs a lower-case ASCII word"; TERM_=$2; shift 2 ;;
    --mem) [[ -n ${2:-} ]] || die "--mem needs a size"; MEM=$2; shift 2 ;;
    --jsonl) [[ -f ${2:-} ]] || die "--jsonl needs a readable file"; JSONL=$2; shift 2 ;;
    --csv) [[ -n ${2:-} ]] || die "--csv needs a file name"; CSV_OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

# --- tools, input, store and database (untimed) -------------------------------
bench_peer_input duckdb_cooc.mjs

# --- 1. collocates of one term, document contexts ------------------------------
ws_t=(); dk_t=(); dk_in=(); ws_c=(); dk_c=()
echo "cooc_bench: collocates of '$TERM_': warm-up + $RUNS runs, $THREADS threads" >&2
for ((i = 0; i <= RUNS; i++)); do
  a=$(timed "$WS_BIN" cooc "$WORK/store" --doc --term "$TERM_" --top 0 -q --threads "$THREADS" --no-progress \
      -o "$WORK/ws.csv")
  ac=$(last_cpu)
  k=$(timed node "$BENCH/duckdb_cooc.mjs" query "$WORK/duck.db" "$THREADS" "$TERM_")
  kc=$(last_cpu)
  kin=$(sed -nE 's/.*elapsed_s=([^ ]+).*/\1/p' "$WORK/last.log")
  dk_line=$(grep '^elapsed_s=' "$WORK/last.log")
  if ((i > 0)); then ws_t+=("$a"); dk_t+=("$k"); dk_in+=("$kin"); ws_c+=("$ac"); dk_c+=("$kc"); fi
  echo "cooc_bench:   $( ((i)) && echo "run $i" || echo warm-up): wirescan $a s (CPU $ac s), DuckDB $k s (inside: $kin s, CPU $kc s)" >&2
done
ws_med=$(median "${ws_t[@]}"); dk_med=$(median "${dk_t[@]}"); dk_in_med=$(median "${dk_in[@]}")
ws_cmed=$(median "${ws_c[@]}"); dk_cmed=$(median "${dk_c[@]}")
ws_rows=$(($(wc -l <"$WORK/ws.csv") - 1))
dk_rows=$(sed -nE 's/.*collocates=([^ ]+).*/\1/p' <<<"$dk_line")
dk_version=$(sed -nE 's/.*duckdb=([^ ]+).*/\1/p' <<<"$dk_line")

# --- 2. all pairs, windows of 5 ------------------------------------------------
# pairs RUNS MEM -> "median_s|pair_occurrences|peak_kib|runs"
pairs() {
  local mem=$1 t=() s rss=0 r
  for ((i = 0; i < 3; i++)); do
    s=$(timed /usr/bin/time -f 'maxrss_kib=%M' "$WS_BIN" cooc "$WORK/store" --window 5 --top 100 --mem "$mem" \
        --threads "$THREADS" --no-progress -o "$WORK/pairs_$mem.csv")
    t+=("$s")
    r=$(sed -n 's/^maxrss_kib=//p' "$WORK/last.log")
    ((r > rss)) && rss=$r
  done
  local occ runs
  occ=$(sed -nE 's/.*: ([0-9]+) pair occurrences.*/\1/p' "$WORK/last.log")
  runs=$(sed -nE 's/.* ([0-9]+) runs spilled.*/\1/p' "$WORK/last.log")
  echo "$(median "${t[@]}")|$occ|$rss|$runs"
}
echo "cooc_bench: all pairs, window 5, --mem 0 and --mem $MEM (3 runs each)" >&2
IFS='|' read -r p0_s p0_occ p0_rss p0_runs <<<"$(pairs 0)"
IFS='|' read -r pb_s pb_occ pb_rss pb_runs <<<"$(pairs "$MEM")"
cmp -s "$WORK/pairs_0.csv" "$WORK/pairs_$MEM.csv" || die "all pairs with --mem $MEM differ from --mem 0"

HEADER=("input" "MB" "stories" "term" "wirescan s" "DuckDB process s" "DuckDB inside s" "ratio (process)"
        "ratio (inside)" "collocates ws/duckdb" "wirescan CPU s" "DuckDB CPU s" "ratio (CPU)")
ROW="$label|$mb|$stories|$TERM_|$ws_med|$dk_med|$dk_in_med|$(div "$dk_med" "$ws_med" %.1f)|$(div "$dk_in_med" "$ws_med" %.1f)|$ws_rows/$dk_rows|$ws_cmed|$dk_cmed|$(div "$dk_cmed" "$ws_cmed" %.1f)"
PHEADER=("all pairs, window 5" "s" "pair occurrences" "Mpairs/s" "peak RSS MiB" "runs spilled")
PROW0="--mem 0|$p0_s|$p0_occ|$(div "$p0_occ" "$(awk -v s="$p0_s" 'BEGIN { print s * 1e6 }')" %.1f)|$(div "$p0_rss" 1024 %.1f)|$p0_runs"
PROWB="--mem $MEM|$pb_s|$pb_occ|$(div "$pb_occ" "$(awk -v s="$pb_s" 'BEGIN { print s * 1e6 }')" %.1f)|$(div "$pb_rss" 1024 %.1f)|$pb_runs"
{
  echo
  echo "cooc: wirescan ($WS_BIN) vs DuckDB $dk_version (@duckdb/node-api), whole process vs whole process"
  echo "threads $THREADS, median of $RUNS runs after 1 warm-up, $(nproc) cores, $(uname -srm), node $(node --version)"
  echo "collocates: wirescan counts Unicode tokens after case folding, DuckDB [a-z0-9] runs of lower(text)"
  echo
  { (IFS='|'; echo "${HEADER[*]}"); echo "$ROW"; } | align
  echo
  { (IFS='|'; echo "${PHEADER[*]}"); echo "$PROW0"; echo "$PROWB"; } | align
  echo "(the --mem $MEM output is byte-identical to the --mem 0 output)"
}
if [[ -n $CSV_OUT ]]; then
  { (IFS=','; echo "${HEADER[*]}"); echo "$ROW" | awk -F'|' -v OFS=',' '{ gsub(/"/, "\"\"", $1); $1 = "\"" $1 "\""; print }'; } >"$CSV_OUT"
  echo "cooc_bench: table written to $CSV_OUT" >&2
fi
