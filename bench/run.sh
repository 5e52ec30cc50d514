#!/usr/bin/env bash
# The wirescan benchmark: one command that generates corpora, ingests them,
# times every kernel, runs the peers (DuckDB, Python) on the same corpora,
# checks that the answers agree, sweeps the thread count and runs the kernel
# microbenchmarks. A benchmark, never a test: slow results and failed scale
# checks are reported as FAIL lines but the exit status is 0; it is 1 when
# answers disagree with a peer and 3 when a command crashed. docs/benchmarks.md
# explains the measurements.
#
# Usage: bench/run.sh [options]
#   --sizes LIST      corpus sizes in stories, comma-separated (default
#                     100000,1000000; suffixes k and M allowed: 100k,1M)
#   --seed S          generator seed (default 1)
#   --runs N          timed runs per measurement, after one untimed warm-up
#                     (default 5)
#   --runs-big N      the same for sizes above --peers-max (default 3)
#   --py-runs N       timed runs of each Python peer, no warm-up (default 1:
#                     CountVectorizer over 100k stories takes a minute)
#   --threads N       threads for every tool (default: all cores, nproc)
#   --sweep LIST      thread counts for the scaling sweep on the first size
#                     (default: 1, 2, 4, ... below --threads; 'none' to skip)
#   --peers-max N     run the peers only on sizes up to N stories (default
#                     100000); 0 = no peers
#   --no-python       skip the Python peers (Counter, CountVectorizer)
#   --no-micro        skip the kernel microbenchmarks (BUILD/micro_kernels)
#   --skip LIST       kernels to leave out (ingest must stay: it builds the
#                     store): tf, cooc_term, cooc_all, trends, emerging
#   --pairs-top N     rows printed by the all-pairs co-occurrence run (default
#                     1000; every pair is counted whatever N is, 0 prints all of
#                     them: 9M rows, 240 MB, for 20k stories)
#   --out DIR         where results.csv, results.md and the logs go (default
#                     $TMPDIR/wirescan-bench-DATE)
#   --keep            keep the work folder (corpora, stores, databases)
#
# Environment: WS_BIN (default build/wirescan), MICRO_BIN (default
# micro_kernels beside WS_BIN), PYTHON (default: the first of /usr/bin/python3
# and python3 that imports sklearn), TMPDIR (work folder).
#
# Kernels, whole process each, wall clock:
#   ingest     wirescan ingest -q --no-progress -o STORE --threads T CORPUS
#   tf         wirescan tf STORE --top 0
#   cooc_term  wirescan cooc STORE --doc --term TERM --top 0  (TERM: the first
#              term of the generator's first planted topic)
#   cooc_all   wirescan cooc STORE --window 5 --top PAIRS_TOP -q
#   trends     wirescan trends STORE --topics TOPICS --bucket month  (TOPICS:
#              the generator's planted topics, from --truth)
#   emerging   wirescan trends STORE --emerging --bucket month --top 50
# A kernel whose command prints "not built yet" is skipped with a note.
# Peers (sizes <= --peers-max): DuckDB (bench/duckdb_peers.mjs: load, tf,
# cooc_term, trends over its own table), Python (bench/peers.py: Counter,
# CountVectorizer term counts).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
WS_BIN=${WS_BIN:-$ROOT/build/wirescan}
SIZES=100000,1000000
SEED=1
RUNS=5
RUNS_BIG=3
PY_RUNS=1
THREADS=$(nproc 2>/dev/null || echo 2)
SWEEP=auto
PEERS_MAX=100000
PYTHON_PEERS=1
MICRO=1
SKIP=,
PAIRS_TOP=1000
OUT=
KEEP=0
ARGS=("$@")

die() { echo "run.sh: $*" >&2; exit 2; }
note() { echo "run.sh: $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_posint() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
# 100k -> 100000, 1M -> 1000000
expand() { sed -E 's/^([0-9]+)[kK]$/\1000/; s/^([0-9]+)M$/\1000000/; s/^([0-9]+)G$/\1000000000/' <<<"$1"; }

while (($#)); do
  case $1 in
    --sizes) [[ -n ${2:-} ]] || die "--sizes needs a list"; SIZES=$2; shift 2 ;;
    --seed) is_uint "${2:-}" || die "--seed needs a number"; SEED=$2; shift 2 ;;
    --runs) is_posint "${2:-}" || die "--runs needs a positive integer"; RUNS=$2; shift 2 ;;
    --runs-big) is_posint "${2:-}" || die "--runs-big needs a positive integer"; RUNS_BIG=$2; shift 2 ;;
    --py-runs) is_posint "${2:-}" || die "--py-runs needs a positive integer"; PY_RUNS=$2; shift 2 ;;
    --threads) is_posint "${2:-}" || die "--threads needs a positive integer"; THREADS=$2; shift 2 ;;
    --sweep) [[ -n ${2:-} ]] || die "--sweep needs a list or 'none'"; SWEEP=$2; shift 2 ;;
    --peers-max) v=$(expand "${2:-}"); is_uint "$v" || die "--peers-max needs a number"; PEERS_MAX=$v; shift 2 ;;
    --no-python) PYTHON_PEERS=0; shift ;;
    --no-micro) MICRO=0; shift ;;
    --skip) SKIP=",${2:-},"; shift 2 ;;
    --pairs-top) is_uint "${2:-}" || die "--pairs-top needs a number"; PAIRS_TOP=$2; shift 2 ;;
    --out) [[ -n ${2:-} ]] || die "--out needs a folder"; OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

SIZE_LIST=()
IFS=',' read -r -a raw_sizes <<<"$SIZES"
for s in "${raw_sizes[@]}"; do
  v=$(expand "$s"); is_posint "$v" || die "--sizes: '$s' is not a number of stories"
  SIZE_LIST+=("$v")
done
((${#SIZE_LIST[@]})) || die "--sizes is empty"
[[ $SKIP == *,ingest,* ]] && die "--skip ingest: every other kernel needs the store ingest builds"

if [[ $SWEEP == auto ]]; then
  SWEEP_LIST=(); for ((t = 1; t < THREADS; t *= 2)); do SWEEP_LIST+=("$t"); done
elif [[ $SWEEP == none ]]; then SWEEP_LIST=()
else
  IFS=',' read -r -a SWEEP_LIST <<<"$SWEEP"
  for t in "${SWEEP_LIST[@]}"; do is_posint "$t" || die "--sweep: '$t' is not a thread count"; done
fi

# --- tools -------------------------------------------------------------------
[[ -x $WS_BIN && ! -d $WS_BIN ]] ||
  die "wirescan binary '$WS_BIN' not found: build it (cmake -B build && cmake --build build) or set WS_BIN"
WS_BIN=$(cd "$(dirname "$WS_BIN")" && pwd)/$(basename "$WS_BIN")
MICRO_BIN=${MICRO_BIN:-$(dirname "$WS_BIN")/micro_kernels}
[[ -x /usr/bin/time ]] && /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null ||
  die "GNU time (/usr/bin/time) is needed for peak memory (apt-get install time)"
command -v python3 >/dev/null || die "python3 not found"

HAVE_DUCK=0
if ((PEERS_MAX > 0)); then
  if ! command -v node >/dev/null; then
    note "node not found: DuckDB peer skipped (apt-get install nodejs npm)"
  elif (($(node -p 'process.versions.node.split(".")[0]') < 20)); then
    note "node $(node --version) is older than 20: DuckDB peer skipped"
  else
    if [[ ! -d $BENCH/node_modules/@duckdb/node-api ]]; then
      command -v npm >/dev/null || die "npm not found; cannot install @duckdb/node-api into bench/"
      note "installing @duckdb/node-api into bench/node_modules"
      (cd "$BENCH" && npm install --no-audit --no-fund --loglevel=error >&2) || die "npm install in $BENCH failed"
    fi
    HAVE_DUCK=1
  fi
fi
PY=
if ((PEERS_MAX > 0 && PYTHON_PEERS)); then
  for p in ${PYTHON:-} /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import sklearn' 2>/dev/null; then PY=$(command -v "$p"); break; fi
  done
  [[ -n $PY ]] || note "no python3 with scikit-learn (apt-get install python3-sklearn): Python peers skipped"
fi

OUT=${OUT:-${TMPDIR:-/tmp}/wirescan-bench-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wirescan-bench-work.XXXXXX")
if ((KEEP)); then note "work folder $WORK (kept)"; else trap 'rm -rf "$WORK"' EXIT; fi
RESULTS="$OUT/results.csv"
CHECKS="$OUT/checks.txt"
echo "size,tool,kernel,threads,runs,median_s,min_s,max_s,rss_mb,input_mb,stories,tokens,inside_s" >"$RESULTS"
: >"$CHECKS"
DISAGREE=0

# --- helpers -----------------------------------------------------------------
now() { date +%s.%N; }
# median/min/max of the arguments
stats() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "%.4f %.4f %.4f\n", m, v[1], v[NR] }'; }

# timed LOG CMD... -> "seconds peak_rss_kb"; the command's output goes to LOG.
# A failing command is a crash of the benchmark: exit 3 with its output.
timed() {
  local log=$1 t0 t1; shift
  t0=$(now)
  if ! /usr/bin/time -f '%M' -o "$log.rss" "$@" >"$log" 2>&1; then
    echo "run.sh: FAILED: $*" >&2; tail -n 20 "$log" >&2; exit 3
  fi
  t1=$(now)
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') $(tail -n 1 "$log.rss")"
}

# measure SIZE TOOL KERNEL THREADS RUNS WARMUP PREP CMD...
# Runs PREP (untimed, may be :) then CMD, WARMUP + RUNS times, and appends the
# medians to results.csv. "inside" times (elapsed_s=S on the command's
# stdout, printed by the peers) are kept too.
measure() {
  local size=$1 tool=$2 kernel=$3 thr=$4 runs=$5 warm=$6 prep=$7; shift 7
  local log="$OUT/logs/$size-$tool-$kernel-$thr" ts=() rs=() ins=() i out t rss in
  for ((i = 1 - warm; i <= runs; i++)); do
    $prep
    out=$(timed "$log.log" "$@")
    read -r t rss <<<"$out"
    in=$(sed -nE 's/^elapsed_s=([0-9.]+).*/\1/p' "$log.log" | tail -n 1)
    if ((i >= 1)); then ts+=("$t"); rs+=("$rss"); [[ -n $in ]] && ins+=("$in"); fi
    note "  $size $tool $kernel ${thr}t $( ((i >= 1)) && echo "run $i" || echo warm-up): $t s, $((rss / 1024)) MB${in:+ (inside $in s)}"
  done
  read -r med mn mx <<<"$(stats "${ts[@]}")"
  local rssmed insmed=-
  rssmed=$(stats "${rs[@]}" | awk '{ printf "%.1f", $1 / 1024 }')
  ((${#ins[@]})) && insmed=$(stats "${ins[@]}" | cut -d' ' -f1)
  echo "$size,$tool,$kernel,$thr,$runs,$med,$mn,$mx,$rssmed,$MB,$size,$TOKENS,$insmed" >>"$RESULTS"
}

# available SUBCOMMAND: 0 when `wirescan SUBCOMMAND --help` does not say "not built yet"
available() { local h; h=$("$WS_BIN" "$1" --help 2>&1 || true); [[ $h != *"not built yet"* ]]; }
want() { [[ $SKIP != *,$1,* ]]; }

# ws_kernel KERNEL THREADS OUTFILE -> sets CMD to the wirescan command
ws_kernel() {
  local k=$1 thr=$2 o=$3
  case $k in
    tf) CMD=("$WS_BIN" tf "$STORE" --top 0 --threads "$thr" --no-progress -o "$o") ;;
    cooc_term) CMD=("$WS_BIN" cooc "$STORE" --doc --term "$TERM" --top 0 --threads "$thr" --no-progress -o "$o") ;;
    cooc_all) CMD=("$WS_BIN" cooc "$STORE" --window 5 --top "$PAIRS_TOP" -q --threads "$thr" --no-progress -o "$o") ;;
    trends) CMD=("$WS_BIN" trends "$STORE" --topics "$TOPICS" --bucket month --threads "$thr" --no-progress -o "$o") ;;
    emerging) CMD=("$WS_BIN" trends "$STORE" --emerging --bucket month --top 50 --threads "$thr" --no-progress -o "$o") ;;
  esac
}
SCAN_KERNELS=(tf cooc_term cooc_all trends emerging)
declare -A SUBCMD=([tf]=tf [cooc_term]=cooc [cooc_all]=cooc [trends]=trends [emerging]=trends)
KERNELS=()
for k in "${SCAN_KERNELS[@]}"; do
  want "$k" || continue
  if available "${SUBCMD[$k]}"; then KERNELS+=("$k")
  else note "kernel $k skipped: 'wirescan ${SUBCMD[$k]}' is not built yet"; echo "SKIP $k: wirescan ${SUBCMD[$k]} not built yet" >>"$CHECKS"; fi
done

check() { # check CMD...: run an agreement check, record its line
  local line rc=0
  line=$("$@") || rc=$?
  ((rc <= 1)) || { echo "run.sh: check crashed: $*" >&2; exit 3; }
  ((rc == 0)) || DISAGREE=1
  echo "$line" | tee -a "$CHECKS" >&2
}

# --- the runs ----------------------------------------------------------------
note "wirescan $WS_BIN; sizes ${SIZE_LIST[*]}; $THREADS threads; runs $RUNS (big: $RUNS_BIG); peers up to $PEERS_MAX stories; results in $OUT"
first=1
for N in "${SIZE_LIST[@]}"; do
  CORPUS="$WORK/gen-$N.jsonl"; TRUTH="$WORK/truth-$N.csv"; TOPICS="$WORK/topics-$N.txt"
  STORE="$WORK/store-$N"; DB="$WORK/duck-$N.db"; R="$OUT/answers-$N"; mkdir -p "$R"
  note "generating $N stories (seed $SEED)"
  "$WS_BIN" generate --stories "$N" --seed "$SEED" --threads "$THREADS" --truth "$TRUTH" -o "$CORPUS" >&2 ||
    { echo "run.sh: generate failed" >&2; exit 3; }
  # The planted topics as a topics file (name: term term ...), and the
  # collocation target: the first term of the first topic.
  awk -F, 'NR > 1 { print $1 ": " $3 }' "$TRUTH" >"$TOPICS"
  TERM=$(awk -F, 'NR == 2 { split($3, w, " "); print w[1] }' "$TRUTH")
  BYTES=$(stat -c %s "$CORPUS"); MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.2f", b / 1e6 }'); TOKENS=0
  if ((N <= PEERS_MAX)); then nr=$RUNS; else nr=$RUNS_BIG; fi

  rmstore() { rm -rf "$STORE"; }
  measure "$N" wirescan ingest "$THREADS" "$nr" 1 rmstore \
    "$WS_BIN" ingest -q --no-progress -o "$STORE" --threads "$THREADS" "$CORPUS"
  TOKENS=$("$WS_BIN" info "$STORE" | awk '$1 == "tokens:" { print $2 }')
  sed -i "\$s/,0,\([^,]*\)\$/,$TOKENS,\1/" "$RESULTS" # the ingest row learns the token count now
  for k in "${KERNELS[@]}"; do
    ws_kernel "$k" "$THREADS" "$R/ws-$k.csv"
    measure "$N" wirescan "$k" "$THREADS" "$nr" 1 : "${CMD[@]}"
  done

  # Thread sweep on the first size: every kernel at each sweep thread count.
  if ((first)); then
    for t in "${SWEEP_LIST[@]}"; do
      ((t == THREADS)) && continue
      measure "$N" wirescan ingest "$t" "$nr" 1 rmstore \
        "$WS_BIN" ingest -q --no-progress -o "$STORE" --threads "$t" "$CORPUS"
      for k in "${KERNELS[@]}"; do
        ws_kernel "$k" "$t" "$WORK/sweep.csv"
        measure "$N" wirescan "$k" "$t" "$nr" 1 : "${CMD[@]}"
      done
    done
  fi

  if ((N > PEERS_MAX)); then
    ((PEERS_MAX > 0)) && note "peers skipped at $N stories (above --peers-max $PEERS_MAX)"
    echo "NOTE peers not run at $N stories (--peers-max $PEERS_MAX)" >>"$CHECKS"
  else
    if ((HAVE_DUCK)); then
      rmdb() { rm -f "$DB" "$DB.wal"; }
      measure "$N" duckdb load "$THREADS" "$nr" 1 rmdb node "$BENCH/duckdb_peers.mjs" load "$CORPUS" "$DB" "$THREADS"
      measure "$N" duckdb tf "$THREADS" "$nr" 1 : node "$BENCH/duckdb_peers.mjs" tf "$DB" "$THREADS" "$R/duckdb-tf.csv"
      check python3 "$BENCH/report.py" agree-tf "$R/ws-tf.csv" "$R/duckdb-tf.csv" "duckdb@$N"
      if [[ " ${KERNELS[*]} " == *" cooc_term "* ]]; then
        measure "$N" duckdb cooc_term "$THREADS" "$nr" 1 : \
          node "$BENCH/duckdb_peers.mjs" cooc "$DB" "$THREADS" "$TERM" "$R/duckdb-cooc.csv"
        check python3 "$BENCH/report.py" agree-cooc "$R/ws-cooc_term.csv" "$R/duckdb-cooc.csv" "'$TERM' duckdb@$N"
      fi
      if [[ " ${KERNELS[*]} " == *" trends "* ]]; then
        measure "$N" duckdb trends "$THREADS" "$nr" 1 : \
          node "$BENCH/duckdb_peers.mjs" trends "$DB" "$THREADS" "$TOPICS" "$R/duckdb-trends.csv"
        check python3 "$BENCH/report.py" agree-trends "$R/ws-trends.csv" "$R/duckdb-trends.csv" "duckdb@$N"
      fi
      rm -f "$DB" "$DB.wal"
    fi
    if [[ -n $PY ]]; then
      measure "$N" python counter 1 "$PY_RUNS" 0 : "$PY" "$BENCH/peers.py" counter "$CORPUS" "$R/python-counter.csv"
      check python3 "$BENCH/report.py" agree-tf "$R/ws-tf.csv" "$R/python-counter.csv" "counter@$N"
      measure "$N" python countvectorizer 1 "$PY_RUNS" 0 : "$PY" "$BENCH/peers.py" sklearn "$CORPUS" "$R/python-sklearn.csv"
      check python3 "$BENCH/report.py" agree-tf "$R/ws-tf.csv" "$R/python-sklearn.csv" "countvectorizer@$N"
    fi
  fi

  if ((first && MICRO)); then
    if [[ -x $MICRO_BIN ]]; then
      note "kernel microbenchmarks on the $N-story store"
      "$MICRO_BIN" "$STORE" >"$OUT/micro.md" 2>"$OUT/logs/micro.err" ||
        { cat "$OUT/logs/micro.err" >&2; echo "run.sh: micro_kernels failed" >&2; exit 3; }
    else
      note "no $MICRO_BIN: microbenchmarks skipped (build the micro_kernels target)"
    fi
  fi
  first=0
  rm -rf "$STORE" "$CORPUS"
done

# --- report ------------------------------------------------------------------
{
  echo "## wirescan benchmark"
  echo
  echo "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (+ working tree changes)'),"
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
  echo "$(uname -sr), $("$WS_BIN" --version 2>/dev/null | head -n 1), threads $THREADS,"
  echo "median of $RUNS runs after a warm-up (sizes above $PEERS_MAX: $RUNS_BIG), Python peers $PY_RUNS run(s)."
  ((HAVE_DUCK)) && echo "DuckDB $(grep -ho 'duckdb=v[^ ]*' "$OUT"/logs/*duckdb* 2>/dev/null | head -n 1 | cut -d= -f2) (@duckdb/node-api, node $(node --version))."
  [[ -n $PY ]] && echo "Python $("$PY" -c 'import platform, sklearn; print(platform.python_version(), "scikit-learn", sklearn.__version__)')."
  echo "Peers ran on sizes up to $PEERS_MAX stories (--peers-max)."
  echo "Command: bench/run.sh ${ARGS[*]}"
  echo
  python3 "$BENCH/report.py" table "$RESULTS"
  echo
  echo "### answers"
  echo
  sed 's/^/- /' "$CHECKS"
  if [[ -s $OUT/micro.md ]]; then echo; echo "### kernel microbenchmarks"; echo; cat "$OUT/micro.md"; fi
} >"$OUT/results.md"
cat "$OUT/results.md"
note "results: $OUT/results.csv, $OUT/results.md"
if ((DISAGREE)); then note "answers DISAGREE with a peer (see above)"; exit 1; fi
exit 0
