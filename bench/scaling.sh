#!/usr/bin/env bash
# Thread scaling benchmark (issue 19, item 2): ingest and the analytic
# kernels at 1, 2, 4, 8 and 16 threads (up to the machine's cores unless
# --max-threads says otherwise) on generated stories, whole process wall
# clock and CPU seconds (GNU /usr/bin/time), median of --runs, thread counts
# alternating run by run. Every output is compared byte for byte (cmp)
# across thread counts; a difference is reported and makes the script exit 1.
# A benchmark, not a test: it never fails on a slow result.
#
# Usage: bench/scaling.sh [options]
#   --stories N       generated stories (default 1000000; k/M suffixes as in
#                     `wirescan generate`)
#   --seed S          generator seed (default 42)
#   --runs N          timed runs per command and thread count (default 3)
#   --threads LIST    comma-separated thread counts (default 1,2,4,8,16 up to
#                     --max-threads)
#   --max-threads N   largest thread count (default: nproc)
#   --only LIST       commands to time, comma-separated, of ingest, tf,
#                     cooc-term, cooc-pairs, ngrams, trends (default all)
#   --csv FILE        also write the table as CSV to FILE
#   --keep            keep the work folder (JSONL, stores, outputs)
#
# Set-up, not timed: `wirescan generate --stories N --seed S`, one ingest
# (1 thread) into the store the kernels read, and `tf --top 200` to pick
# terms of the generated vocabulary: the 100th most frequent term for
# `cooc --term`, and three topics of two terms each (ranks 60/80, 120/140,
# 160/180) for `trends --topics FILE --bucket month`.
# Timed, per thread count T (-j T):
#   ingest      wirescan ingest -o STORE_T JSONL          (store compared
#               file by file)
#   tf          wirescan tf STORE --top 1000
#   cooc-term   wirescan cooc STORE --term TERM --top 1000
#   cooc-pairs  wirescan cooc STORE --window 5 --top 1000
#   ngrams      wirescan ngrams STORE -n 2 --top 1000
#   trends      wirescan trends STORE --topics FILE --bucket month
# Table: wall seconds per thread count (median), speed-up (1-thread median /
# T-thread median), parallel efficiency (speed-up / T) and CPU/wall of the
# largest T (cores kept busy). The machine may be shared: say so with the
# figures, and compare only figures of the same run.
#
# Environment: WS_BIN (default build/wirescan in the repository), TMPDIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
WS_BIN=${WS_BIN:-$ROOT/build/wirescan}
STORIES=1000000
SEED=42
RUNS=3
THREAD_LIST=
MAX_THREADS=$(nproc)
ONLY=ingest,tf,cooc-term,cooc-pairs,ngrams,trends
CSV_OUT=
KEEP=0

BENCH_NAME=scaling
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"

while (($#)); do
  case $1 in
    --stories) [[ ${2:-} =~ ^[1-9][0-9]*[kMG]?$ ]] || die "--stories needs a positive count (k/M/G suffix allowed)"; STORIES=$2; shift 2 ;;
    --seed) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--seed needs a non-negative integer"; SEED=$2; shift 2 ;;
    --runs) is_posint "${2:-}" || die "--runs needs a positive integer"; RUNS=$2; shift 2 ;;
    --threads) [[ ${2:-} =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--threads needs a comma-separated list of positive integers"; THREAD_LIST=$2; shift 2 ;;
    --max-threads) is_posint "${2:-}" || die "--max-threads needs a positive integer"; MAX_THREADS=$2; shift 2 ;;
    --only) [[ ${2:-} =~ ^(ingest|tf|cooc-term|cooc-pairs|ngrams|trends)(,(ingest|tf|cooc-term|cooc-pairs|ngrams|trends))*$ ]] ||
              die "--only needs commands of ingest,tf,cooc-term,cooc-pairs,ngrams,trends"; ONLY=$2; shift 2 ;;
    --csv) [[ -n ${2:-} ]] || die "--csv needs a file name"; CSV_OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) not found (apt-get install time)"
bench_need_wirescan
bench_workdir "$KEEP"

if [[ -z $THREAD_LIST ]]; then
  THREADS=()
  for t in 1 2 4 8 16; do if ((t <= MAX_THREADS)); then THREADS+=("$t"); fi; done
else
  IFS=, read -r -a THREADS <<<"$THREAD_LIST"
fi
((${#THREADS[@]})) || die "no thread count to run"
IFS=, read -r -a CMDS <<<"$ONLY"
T1=${THREADS[0]}

# --- input (not timed) ---------------------------------------------------------
JSONL="$WORK/stories.jsonl"
STORE="$WORK/base.store"
echo "$BENCH_NAME: generating $STORIES stories (seed $SEED)" >&2
"$WS_BIN" generate --stories "$STORIES" --seed "$SEED" -o "$JSONL" >/dev/null 2>&1 || die "generate failed"
echo "$BENCH_NAME: ingesting once (set-up)" >&2
"$WS_BIN" ingest -o "$STORE" -j 1 "$JSONL" >/dev/null 2>&1 || die "set-up ingest failed"
"$WS_BIN" tf "$STORE" --top 200 -j 1 -o "$WORK/top.csv" 2>/dev/null || die "tf --top 200 failed"
term_at() { sed -n "$(($1 + 1))p" "$WORK/top.csv" | cut -d, -f1; }
TERM=$(term_at 100)
[[ -n $TERM ]] || die "the store has fewer than 100 terms (use more --stories)"
printf 'a: %s %s\nb: %s %s\nc: %s %s\n' "$(term_at 60)" "$(term_at 80)" "$(term_at 120)" \
  "$(term_at 140)" "$(term_at 160)" "$(term_at 180)" >"$WORK/topics.txt"
echo "$BENCH_NAME: cooc term '$TERM'; topics: $(tr '\n' ';' <"$WORK/topics.txt")" >&2

# cmd_args NAME THREADS OUT: the command line of NAME
cmd_args() {
  local j=$2 out=$3
  case $1 in
    ingest) ARGS=("$WS_BIN" ingest -o "$out" -j "$j" "$JSONL") ;;
    tf) ARGS=("$WS_BIN" tf "$STORE" --top 1000 -j "$j" -o "$out") ;;
    cooc-term) ARGS=("$WS_BIN" cooc "$STORE" --term "$TERM" --top 1000 -j "$j" -o "$out") ;;
    cooc-pairs) ARGS=("$WS_BIN" cooc "$STORE" --window 5 --top 1000 -j "$j" -o "$out") ;;
    ngrams) ARGS=("$WS_BIN" ngrams "$STORE" -n 2 --top 1000 -j "$j" -o "$out") ;;
    trends) ARGS=("$WS_BIN" trends "$STORE" --topics "$WORK/topics.txt" --bucket month -j "$j" -o "$out") ;;
  esac
}

# timed_cpu CMD...: "WALL CPU" seconds of CMD (GNU time), output in $WORK/last.log
timed_cpu() {
  /usr/bin/time -f '%e %U %S' -o "$WORK/time.txt" "$@" >"$WORK/last.log" 2>&1 ||
    { echo "$BENCH_NAME: '$*' failed:" >&2; tail -n 20 "$WORK/last.log" >&2; exit 1; }
  awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$WORK/time.txt"
}

# same_output NAME A B: 0 when the outputs (file or store folder) are identical
same_output() {
  if [[ -d $2 ]]; then
    local f
    for f in "$2"/*; do cmp -s "$f" "$3/$(basename "$f")" || return 1; done
    [[ $(ls "$2" | wc -l) == $(ls "$3" | wc -l) ]]
  else
    cmp -s "$2" "$3"
  fi
}

declare -A WALL CPU
declare -a MW
MISMATCH=0
echo "command|$(printf '%s thr s|' "${THREADS[@]}")$(printf 'x%s|' "${THREADS[@]:1}")$(printf 'eff %s|' "${THREADS[@]:1}")cpu/wall ${THREADS[-1]}|identical" >"$WORK/table"
for c in "${CMDS[@]}"; do
  echo "$BENCH_NAME: timing $c" >&2
  for ((r = 0; r < RUNS; r++)); do
    # alternate the order of thread counts run by run
    order=("${THREADS[@]}")
    if ((r % 2)); then mapfile -t order < <(printf '%s\n' "${THREADS[@]}" | tac); fi
    for t in "${order[@]}"; do
      out="$WORK/out.$c.$t"
      rm -rf "$out"
      cmd_args "$c" "$t" "$out"
      read -r w u < <(timed_cpu "${ARGS[@]}")
      WALL[$c,$t]+=" $w"
      CPU[$c,$t]+=" $u"
    done
  done
  row="$c|" ident=yes
  for t in "${THREADS[@]}"; do
    MW[$t]=$(median ${WALL[$c,$t]})
    row+="$(printf '%.2f' "${MW[$t]}")|"
    if [[ $t != "$T1" ]] && ! same_output "$c" "$WORK/out.$c.$T1" "$WORK/out.$c.$t"; then
      ident="NO ($t)"; MISMATCH=1
    fi
  done
  for t in "${THREADS[@]:1}"; do row+="$(div "${MW[$T1]}" "${MW[$t]}")|"; done
  for t in "${THREADS[@]:1}"; do row+="$(awk -v a="${MW[$T1]}" -v b="${MW[$t]}" -v t="$t" -v t1="$T1" \
    'BEGIN { if (b == 0) print "-"; else printf "%.0f%%\n", 100 * a / b * t1 / t }')|"; done
  tl=${THREADS[-1]}
  row+="$(div "$(median ${CPU[$c,$tl]})" "${MW[$tl]}")|$ident"
  echo "$row" >>"$WORK/table"
done

echo "$WS_BIN: $STORIES generated stories (seed $SEED), median of $RUNS, $(nproc) cores"
align <"$WORK/table"
[[ -z $CSV_OUT ]] || tr '|' ',' <"$WORK/table" >"$CSV_OUT"
if ((MISMATCH)); then
  echo "$BENCH_NAME: outputs differ across thread counts (see 'identical')" >&2
  exit 1
fi
