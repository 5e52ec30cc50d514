#!/usr/bin/env bash
# Compare two revisions in one run on one machine: build REV and NEW (the
# working tree's HEAD by default) alike (Release) in temporary worktrees,
# generate one corpus, ingest it with
# each binary, then time every kernel command of bench/run.sh with the two
# binaries alternately (old, new, old, new, ...) so that load on a shared
# machine hits both alike, and report the median of each and new/old.
# Outputs are compared too: a kernel whose answers differ is reported.
#
# Usage: bench/compare_builds.sh [--rev REV] [--new NEW] [--stories N] [--runs N] [--threads N]
#   --rev REV       the earlier revision (default HEAD~1)
#   --new NEW       the later revision (default HEAD)
#   --stories N     generated stories (default 100000)
#   --runs N        timed runs per binary and command (default 5)
#   --threads N     threads for both (default: nproc)
# Environment: TMPDIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REV=HEAD~1
NEWREV=HEAD
STORIES=100000
RUNS=5
THREADS=$(nproc 2>/dev/null || echo 2)
while (($#)); do
  case $1 in
    --rev) REV=$2; shift 2 ;;
    --new) NEWREV=$2; shift 2 ;;
    --stories) STORIES=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare_builds.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

W=$(mktemp -d "${TMPDIR:-/tmp}/ws-compare.XXXXXX")
trap 'for d in old new; do git -C "$ROOT" worktree remove --force "$W/$d" >/dev/null 2>&1 || true; done; rm -rf "$W"' EXIT
for side in old new; do
  rev=$REV; [[ $side == new ]] && rev=$NEWREV
  echo "== building $side: $rev ($(git -C "$ROOT" rev-parse --short "$rev"))" >&2
  git -C "$ROOT" worktree add --detach -q "$W/$side" "$rev"
  cmake -S "$W/$side" -B "$W/build-$side" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$W/build-$side" -j"$THREADS" --target wirescan >/dev/null
done
OLD=$W/build-old/wirescan NEW=$W/build-new/wirescan

echo "== corpus: $STORIES generated stories" >&2
"$NEW" generate --stories "$STORIES" --seed 1 -o "$W/c.jsonl" --truth "$W/truth.csv" >/dev/null
# The planted topics (CSV topic,kind,terms,...) as a topics file: "name: t1 t2 ..."
awk -F, 'NR > 1 {print $1 ": " $3}' "$W/truth.csv" >"$W/topics.txt"
TERM1=$(awk 'NR == 1 {print $2}' "$W/topics.txt")
"$OLD" ingest -q --no-progress --threads "$THREADS" -o "$W/old.store" "$W/c.jsonl"
"$NEW" ingest -q --no-progress --threads "$THREADS" -o "$W/new.store" "$W/c.jsonl"

cmds=(
  "tf|tf STORE --top 0 --threads $THREADS"
  "tf_by_month|tf STORE --by month --top 20 --threads $THREADS"
  "keyness|keyness STORE --target-from 2018-01 --top 100 --threads $THREADS"
  "cooc_term|cooc STORE --doc --term $TERM1 --top 0 --threads $THREADS"
  "cooc_all|cooc STORE --window 5 --top 1000 -q --threads $THREADS"
  "ngrams|ngrams STORE -n 2 --top 1000 --threads $THREADS"
  "trends|trends STORE --topics $W/topics.txt --bucket month --threads $THREADS"
  "emerging|trends STORE --emerging --bucket month --top 50 --threads $THREADS"
)

secs() { local s e; s=$(date +%s.%N); "$@" >"$W/out" 2>/dev/null || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '%-12s %10s %10s %8s  %s\n' kernel old_s new_s new/old answers
for c in "${cmds[@]}"; do
  name=${c%%|*} args=${c#*|}
  read -r -a ao <<<"${args//STORE/$W/old.store}"
  read -r -a an <<<"${args//STORE/$W/new.store}"
  "$OLD" "${ao[@]}" >"$W/o.out" 2>/dev/null || true
  "$NEW" "${an[@]}" >"$W/n.out" 2>/dev/null || true
  same=same; cmp -s "$W/o.out" "$W/n.out" || same=DIFFER
  : >"$W/t.old"; : >"$W/t.new"
  for ((r = 0; r < RUNS; r++)); do
    secs "$OLD" "${ao[@]}" >>"$W/t.old"
    secs "$NEW" "${an[@]}" >>"$W/t.new"
  done
  mo=$(median <"$W/t.old"); mn=$(median <"$W/t.new")
  printf '%-12s %10.3f %10.3f %8.3f  %s\n' "$name" "$mo" "$mn" "$(echo "$mn / $mo" | bc -l)" "$same"
done
