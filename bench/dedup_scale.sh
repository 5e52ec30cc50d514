#!/usr/bin/env bash
# How the dedup join scales (issue 16: from 100k to 1M generated stories its
# cost may grow at most 12x), an earlier build against this one in the same
# run. A benchmark, not a test: it never fails on a slow result.
#
#  1. `wirescan dedup` on stores of `wirescan generate --stories N` (signatures
#     stored at ingest, so no signing is timed), one thread: the join's own CPU
#     time (the new build reports it under WS_DEDUP_TIMES=1) and the whole
#     command's CPU time (user + sys) for both builds, whose outputs must be
#     byte-identical. Generated stories hold no copies: the join is all
#     sorting, no verification.
#  2. bench/micro_dedup (ws_mh_cluster alone, CPU time) on its own generated
#     signatures, a tenth of them near copies: the same sizes, both builds.
# Runs alternate old, new, old, new... so that load on a shared machine hits
# both alike; each figure is the median of --runs runs.
#
# Usage: bench/dedup_scale.sh [--rev REV] [--sizes 100k,300k,1M] [--runs N] [--seed S]
#                             [--work DIR] [--keep]
#   --rev REV     the earlier build's revision (default HEAD~1), built in WORK
#   --sizes L     generated stories per store, comma separated (default 100k,300k,1M)
#   --runs N      timed runs per build and size (default 3)
#   --seed S      seed of the generated corpora (default 7)
#   --work DIR    work folder (default: a new one in $TMPDIR); stores already
#                 there (store-N) are reused
#   --keep        keep the work folder
# Environment: WS_BIN (default build/wirescan), WS_MICRO (default
# build/micro_dedup): the new build; TMPDIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NEW=${WS_BIN:-$ROOT/build/wirescan}
NEW_MICRO=${WS_MICRO:-$ROOT/build/micro_dedup}
REV=HEAD~1
SIZES=100k,300k,1M
RUNS=3
SEED=7
W=
KEEP=0
while (($#)); do
  case $1 in
    --rev) REV=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --work) W=$2; KEEP=1; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "dedup_scale.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x $NEW && -x $NEW_MICRO ]] || { echo "dedup_scale.sh: build $NEW and $NEW_MICRO first" >&2; exit 2; }
if [[ -z $W ]]; then W=$(mktemp -d "${TMPDIR:-/tmp}/ws-dedup-scale.XXXXXX"); fi
mkdir -p "$W"
((KEEP)) || trap 'rm -rf "$W"' EXIT

# The earlier build: the revision's tree (git archive: no worktree to clean up).
short=$(git -C "$ROOT" rev-parse --short "$REV")
if [[ ! -x $W/build-$short/wirescan ]]; then
  echo "== building $REV ($short)" >&2
  rm -rf "$W/src-$short"; mkdir -p "$W/src-$short"
  git -C "$ROOT" archive "$REV" | tar -x -C "$W/src-$short"
  cmake -S "$W/src-$short" -B "$W/build-$short" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$W/build-$short" -j2 --target wirescan micro_dedup >/dev/null
fi
OLD=$W/build-$short/wirescan OLD_MICRO=$W/build-$short/micro_dedup

IFS=, read -r -a sizes <<<"$SIZES"
for n in "${sizes[@]}"; do
  if [[ ! -f $W/store-$n/MANIFEST ]]; then
    echo "== store of $n generated stories" >&2
    "$NEW" generate --stories "$n" --seed "$SEED" -o "$W/g-$n.jsonl"
    "$NEW" ingest -q --no-progress --signatures -o "$W/store-$n" "$W/g-$n.jsonl"
    rm -f "$W/g-$n.jsonl"
  fi
done

median() { sort -g | awk '{a[NR]=$1} END {if (NR) print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# cpu BIN ARGS...: run, print user+sys seconds; the join note goes to $W/err
cpu() {
  /usr/bin/time -f '%U %S' -o "$W/time" "$@" >"$W/out" 2>"$W/err"
  awk '{print $1 + $2}' "$W/time"
}

echo "== wirescan dedup STORE -j 1 (stored signatures), median of $RUNS"
printf '| stories | join, old s | join, new s | dedup, old s | dedup, new s | answers |\n|---|---|---|---|---|---|\n'
declare -A jo jn co cn
for n in "${sizes[@]}"; do
  S=$W/store-$n
  : >"$W/t.jo"; : >"$W/t.jn"; : >"$W/t.co"; : >"$W/t.cn"
  same=same
  for ((r = 0; r < RUNS; r++)); do
    WS_DEDUP_TIMES=1 cpu "$OLD" dedup "$S" -j 1 >>"$W/t.co"
    cp "$W/out" "$W/out.old"
    sed -n 's/.*join \([0-9.]*\) s CPU.*/\1/p' "$W/err" >>"$W/t.jo" # (only builds that report it)
    WS_DEDUP_TIMES=1 cpu "$NEW" dedup "$S" -j 1 >>"$W/t.cn"
    sed -n 's/.*join \([0-9.]*\) s CPU.*/\1/p' "$W/err" >>"$W/t.jn"
    cmp -s "$W/out" "$W/out.old" || same=DIFFER
  done
  jo[$n]=$(median <"$W/t.jo"); jn[$n]=$(median <"$W/t.jn")
  co[$n]=$(median <"$W/t.co"); cn[$n]=$(median <"$W/t.cn")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$n" "${jo[$n]:--}" "${jn[$n]:--}" "${co[$n]}" "${cn[$n]}" "$same"
done
first=${sizes[0]} last=${sizes[${#sizes[@]} - 1]}
ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", b / a}' || echo -; }
printf '| growth %s -> %s | %s | %s | %s | %s | |\n' "$first" "$last" "$(ratio "${jo[$first]}" "${jo[$last]}")" \
  "$(ratio "${jn[$first]}" "${jn[$last]}")" "$(ratio "${co[$first]}" "${co[$last]}")" "$(ratio "${cn[$first]}" "${cn[$last]}")"

echo
echo "== micro_dedup: ws_mh_cluster alone (a tenth near copies), median of $RUNS"
num() { # 100k -> 100000
  awk -v s="$1" 'BEGIN {m = 1; u = substr(s, length(s)); if (u == "k") m = 1e3; if (u == "M") m = 1e6;
    if (m > 1) s = substr(s, 1, length(s) - 1); printf "%d", s * m}'
}
list=; for n in "${sizes[@]}"; do list+=${list:+,}$(num "$n"); done
: >"$W/m.old"; : >"$W/m.new"
for ((r = 0; r < RUNS; r++)); do
  "$OLD_MICRO" --sign 1000 --threshold 0.4 --sizes "$list" | awk -F'|' '/\| join/ {print r, $3, $4}' r="$r" >>"$W/m.old"
  "$NEW_MICRO" --sign 1000 --threshold 0.4 --sizes "$list" | awk -F'|' '/\| join/ {print r, $3, $4}' r="$r" >>"$W/m.new"
done
printf '| stories | join, old s | join, new s | growth, old (runs) | growth, new (runs) |\n|---|---|---|---|---|\n'
for n in "${sizes[@]}"; do
  k=$(num "$n")
  o=$(awk -v k="$k" '$2 == k {print $4}' "$W/m.old" | median)
  nw=$(awk -v k="$k" '$2 == k {print $4}' "$W/m.new" | median)
  # growth from the first size, run by run
  gro=$(awk -v k="$k" -v f="$(num "$first")" '$2 == f {a[$1] = $4} $2 == k {b[$1] = $4} END {for (r in b) printf "%s%.2f", (s++ ? ", " : ""), b[r] / a[r]}' "$W/m.old")
  grn=$(awk -v k="$k" -v f="$(num "$first")" '$2 == f {a[$1] = $4} $2 == k {b[$1] = $4} END {for (r in b) printf "%s%.2f", (s++ ? ", " : ""), b[r] / a[r]}' "$W/m.new")
  printf '| %s | %s | %s | %s | %s |\n' "$n" "$o" "$nw" "$gro" "$grn"
done
echo
echo "(machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
