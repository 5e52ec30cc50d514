#!/usr/bin/env bash
# Jobs benchmark (issue 21): a job file of 8 typical lines run as one job
# (`wirescan run`: the lines share one scan of the store) against the same
# 8 commands run one after another, same machine, same run, same threads.
# A benchmark, not a test: it never fails on a slow result (target: the job
# takes at most 0.4 of the commands' summed time).
#
# Usage: bench/jobs_bench.sh [options]
#   --corpus C      reuters (default): Reuters-21578 replicated --copies
#                   times, built as bench/tf_bench.sh builds it; or gen:
#                   `wirescan generate --stories N --seed 1`
#   --copies N      Reuters copies (default 10)
#   --stories N     generated stories (default 1000000; k and M suffixes)
#   --runs N        timed runs of each side, after one untimed warm-up,
#                   alternating job and commands (default 3)
#   --threads N     threads (default 2)
#   --store DIR     time an existing store instead of building one (read
#                   only; with --corpus reuters it must be Reuters x N as
#                   built here, with gen it needs --truth FILE too)
#   --truth FILE    the generator's truth file for --store with --corpus gen
#   --bin2 PATH     also time a second build, alternating with the first in
#                   every run (same job, same store): a same-run comparison
#   --floor         also time, in every run, the job without its bigram line
#                   (7 lines): prints what the bigram line costs in the job
#                   (job - 7-line job), the 7 other lines in the job against
#                   their commands, and the floor of the ratio (the bigram
#                   line's cost over the 8 commands': the ratio if the
#                   other 7 lines cost nothing in the job)
#   --keep          keep the work folder
#
# The 8 lines (TERM1..3, YEAR and TOPICS depend on the corpus: Reuters: oil,
# trade, grain, 1990 and a topics file of five commodity/money lists;
# generated: the first terms of its first three planted topics, 2018 and
# its planted topics from --truth):
#   tf --by month --top 10
#   keyness --target-from YEAR --top 30
#   cooc --doc --term TERM1 --measure npmi --top 20     (and TERM2, TERM3)
#   ngrams --n 2 --top 50
#   trends --topics TOPICS --bucket month
#   trends --emerging --bucket month --top 10
# Timed, whole processes, wall clock (and CPU seconds, user + system, from
# GNU time): the job is `wirescan run STORE JOB -o
# DIR --threads N`; the commands are the 8 `wirescan CMD STORE ... -o FILE
# --threads N` one after another. Their outputs are compared (cmp) once.
#
# Environment: WS_BIN (default build/wirescan), WS_CORPORA (default
# ../shared/corpora beside the repository), TMPDIR (work folder).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WS_BIN=${WS_BIN:-$ROOT/build/wirescan}
CORPUS=reuters
COPIES=10
STORIES=1000000
RUNS=3
THREADS=2
KEEP=0
STORE=
TRUTH=
BIN2=
FLOOR=0

die() { echo "jobs_bench: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
is_posint() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
expand() { sed -E 's/^([0-9]+)[kK]$/\1000/; s/^([0-9]+)M$/\1000000/' <<<"$1"; }

while (($#)); do
  case $1 in
    --corpus) [[ ${2:-} == reuters || ${2:-} == gen ]] || die "--corpus is reuters or gen"; CORPUS=$2; shift 2 ;;
    --copies) is_posint "${2:-}" || die "--copies needs a positive integer"; COPIES=$2; shift 2 ;;
    --stories) STORIES=$(expand "${2:-}"); is_posint "$STORIES" || die "--stories needs a number"; shift 2 ;;
    --runs) is_posint "${2:-}" || die "--runs needs a positive integer"; RUNS=$2; shift 2 ;;
    --threads) is_posint "${2:-}" || die "--threads needs a positive integer"; THREADS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --floor) FLOOR=1; shift ;;
    --store) [[ -d ${2:-} ]] || die "--store needs a store folder"; STORE=$(cd "$2" && pwd); shift 2 ;;
    --truth) [[ -f ${2:-} ]] || die "--truth needs a file"; TRUTH=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    --bin2) [[ -x ${2:-} ]] || die "--bin2 needs an executable"; BIN2=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ -x $WS_BIN && ! -d $WS_BIN ]] || die "wirescan binary '$WS_BIN' not found: build it or set WS_BIN"
WS_BIN=$(cd "$(dirname "$WS_BIN")" && pwd)/$(basename "$WS_BIN")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/jobs_bench.XXXXXX")
if ((KEEP)); then echo "jobs_bench: work folder $WORK (kept)" >&2; else trap 'rm -rf "$WORK"' EXIT; fi
cd "$WORK"

# --- corpus ------------------------------------------------------------------
if [[ $CORPUS == reuters && -n $STORE ]]; then
  label="Reuters-21578 x$COPIES (--store)"
elif [[ $CORPUS == reuters ]]; then
  corpora=${WS_CORPORA:-$ROOT/../shared/corpora}
  [[ -d $corpora/reuters21578 ]] || corpora=/work/shared/corpora
  [[ -d $corpora/reuters21578 ]] || die "no Reuters-21578 in $corpora (set WS_CORPORA)"
  echo "jobs_bench: converting Reuters-21578 and replicating it $COPIES times" >&2
  python3 "$ROOT/tests/tools/reuters2jsonl.py" "$corpora/reuters21578" >reuters.jsonl 2>/dev/null || die "reuters2jsonl.py failed"
  python3 "$ROOT/bench/replicate_reuters.py" reuters.jsonl "$COPIES" >input.jsonl || die "replicate_reuters.py failed"
  label="Reuters-21578 x$COPIES"
elif [[ -n $STORE ]]; then
  [[ -n $TRUTH ]] || die "--store with --corpus gen needs --truth (the generator's truth file)"
  cp "$TRUTH" truth.csv
  label="generated (--store)"
else
  echo "jobs_bench: generating $STORIES stories" >&2
  "$WS_BIN" generate --stories "$STORIES" --seed 1 --truth truth.csv --threads "$THREADS" -o input.jsonl 2>/dev/null ||
    die "generate failed"
  label="generated, $STORIES stories"
fi
if [[ $CORPUS == reuters ]]; then
  T1=oil T2=trade T3=grain YEAR=1990
  printf '%s\n' "oil: oil, crude, opec, barrels" "grain: grain, wheat, corn" "money: dollar, yen, currency" \
    "trade: trade, tariffs, deficit" "metals: gold, copper, silver" >topics.txt
else
  awk -F, 'NR > 1 { print $1 ": " $3 }' truth.csv >topics.txt
  read -r T1 T2 T3 < <(awk -F, 'NR >= 2 && NR <= 4 { split($3, w, " "); printf "%s ", w[1] } END { print "" }' truth.csv)
  YEAR=2018
fi
if [[ -n $STORE ]]; then
  ln -s "$STORE" store
else
  echo "jobs_bench: ingesting $label" >&2
  "$WS_BIN" ingest -q --no-progress -o store --threads "$THREADS" input.jsonl >&2 || die "ingest failed"
  rm -f input.jsonl reuters.jsonl
fi
stories=$("$WS_BIN" info store | sed -n 's/^stories: //p')
tokens=$("$WS_BIN" info store | sed -n 's/^tokens: //p')

cat >job.txt <<EOF
tf --by month --top 10 -o tf_month.csv
keyness --target-from $YEAR --top 30 -o keyness.csv
cooc --doc --term $T1 --measure npmi --top 20 -o cooc1.csv
cooc --doc --term $T2 --measure npmi --top 20 -o cooc2.csv
cooc --doc --term $T3 --measure npmi --top 20 -o cooc3.csv
ngrams --n 2 --top 50 -o bigrams.csv
trends --topics topics.txt --bucket month -o trends.csv
trends --emerging --bucket month --top 10 -o emerging.csv
EOF
grep -v '^ngrams ' job.txt >job7.txt

# --- runs --------------------------------------------------------------------
now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
  if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# CPU seconds (user + system) of each process too: on a shared machine they
# vary less than the wall clock.
cpu_of() { awk '{ s += $1 + $2 } END { printf "%.3f", s }' "$1"; }
# run_job BIN OUT, run_cmds BIN OUT: CPU seconds into OUT.cpu
run_job() {
  /usr/bin/time -f '%U %S' -o "$2.cpu" "$1" run store "${3:-job.txt}" -o "$2" --threads "$THREADS" -q --no-progress \
    >job.log 2>&1 || { cat job.log >&2; exit 1; }
}
run_cmds() {
  mkdir -p "$2"
  : >"$2.cpu"
  while read -r cmd rest; do
    # shellcheck disable=SC2086
    /usr/bin/time -f '%U %S' -a -o "$2.cpu" "$1" "$cmd" store ${rest/-o /-o $2\/} --threads "$THREADS" -q \
      --no-progress >>cmds.log 2>&1 || { cat cmds.log >&2; exit 1; }
  done <job.txt
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
job_s=() cmd_s=() job_c=() cmd_c=() job2_s=() cmd2_s=() job2_c=() cmd2_c=()
job7_c=() ng_c=() job27_c=() ng2_c=()
# the bigram command's CPU seconds (line 6 of job.txt) from a run_cmds .cpu file
ng_cpu() { awk 'NR == 6 { printf "%.3f", $1 + $2 }' "$1"; }
for ((i = 0; i <= RUNS; i++)); do
  t0=$(now); run_job "$WS_BIN" job_out; t1=$(now); run_cmds "$WS_BIN" cmd_out; t2=$(now)
  j=$(elapsed "$t0" "$t1") c=$(elapsed "$t1" "$t2") jc=$(cpu_of job_out.cpu) cc=$(cpu_of cmd_out.cpu)
  if ((i)); then job_s+=("$j"); cmd_s+=("$c"); job_c+=("$jc"); cmd_c+=("$cc"); fi
  echo "jobs_bench: $( ((i)) && echo "run $i" || echo warm-up): job $j s ($jc CPU s), 8 commands $c s ($cc CPU s)" >&2
  if ((FLOOR)); then
    run_job "$WS_BIN" job7_out job7.txt
    if ((i)); then job7_c+=("$(cpu_of job7_out.cpu)"); ng_c+=("$(ng_cpu cmd_out.cpu)"); fi
  fi
  [[ -n $BIN2 ]] || continue
  t0=$(now); run_job "$BIN2" job2_out; t1=$(now); run_cmds "$BIN2" cmd2_out; t2=$(now)
  j=$(elapsed "$t0" "$t1") c=$(elapsed "$t1" "$t2") jc=$(cpu_of job2_out.cpu) cc=$(cpu_of cmd2_out.cpu)
  if ((i)); then job2_s+=("$j"); cmd2_s+=("$c"); job2_c+=("$jc"); cmd2_c+=("$cc"); fi
  echo "jobs_bench: $( ((i)) && echo "run $i" || echo warm-up) (--bin2): job $j s ($jc CPU s), 8 commands $c s ($cc CPU s)" >&2
  if ((FLOOR)); then
    run_job "$BIN2" job27_out job7.txt
    if ((i)); then job27_c+=("$(cpu_of job27_out.cpu)"); ng2_c+=("$(ng_cpu cmd2_out.cpu)"); fi
  fi
done
for f in tf_month keyness cooc1 cooc2 cooc3 bigrams trends emerging; do
  cmp -s "job_out/$f.csv" "cmd_out/$f.csv" || die "$f.csv: the job's report differs from the command's"
  [[ -z $BIN2 ]] || cmp -s "job_out/$f.csv" "job2_out/$f.csv" || die "$f.csv: the two builds' reports differ"
  [[ -z $BIN2 ]] || cmp -s "job2_out/$f.csv" "cmd2_out/$f.csv" || die "$f.csv: --bin2's job report differs from its command's"
done
jm=$(median "${job_s[@]}") cm=$(median "${cmd_s[@]}") jcm=$(median "${job_c[@]}") ccm=$(median "${cmd_c[@]}")
ratio=$(awk -v a="$jm" -v b="$cm" 'BEGIN { printf "%.2f", a / b }')
cratio=$(awk -v a="$jcm" -v b="$ccm" 'BEGIN { printf "%.2f", a / b }')
echo "corpus: $label ($stories stories, $tokens tokens), $THREADS threads, median of $RUNS runs"
echo "| corpus | stories | tokens | job s | 8 commands s | job / commands | job CPU s | commands CPU s | CPU ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| $label | $stories | $tokens | $jm | $cm | $ratio | $jcm | $ccm | $cratio |"
echo "reports identical: yes; target job / commands <= 0.40: $(awk -v r="$ratio" 'BEGIN { print (r <= 0.40) ? "met" : "NOT met" }')"
if [[ -n $BIN2 ]]; then
  jm=$(median "${job2_s[@]}") cm=$(median "${cmd2_s[@]}") jcm=$(median "${job2_c[@]}") ccm=$(median "${cmd2_c[@]}")
  ratio=$(awk -v a="$jm" -v b="$cm" 'BEGIN { printf "%.2f", a / b }')
  cratio=$(awk -v a="$jcm" -v b="$ccm" 'BEGIN { printf "%.2f", a / b }')
  echo "| $label, --bin2 $BIN2 | $stories | $tokens | $jm | $cm | $ratio | $jcm | $ccm | $cratio |"
fi
# floor LABEL JOB_CPU CMD_CPU JOB7_CPU NGRAMS_CPU (medians)
floor() {
  awk -v l="$1" -v j="$2" -v c="$3" -v j7="$4" -v b="$5" 'BEGIN {
    o = c - b; bj = j - j7
    printf "floor (%s): bigram line %.3f CPU s alone, %.3f in the job (job - 7-line job); the 7 other lines %.3f in the job vs %.3f as commands (%.2f); ratio %.2f = (%.3f + %.3f) / (%.3f + %.3f); floor (the 7 lines free) %.2f\n",
      l, b, bj, j7, o, j7 / o, j / c, bj, j7, b, o, bj / c }'
}
if ((FLOOR)); then
  floor "$WS_BIN" "$(median "${job_c[@]}")" "$(median "${cmd_c[@]}")" "$(median "${job7_c[@]}")" "$(median "${ng_c[@]}")"
  [[ -z $BIN2 ]] || floor "$BIN2" "$(median "${job2_c[@]}")" "$(median "${cmd2_c[@]}")" "$(median "${job27_c[@]}")" "$(median "${ng2_c[@]}")"
fi
