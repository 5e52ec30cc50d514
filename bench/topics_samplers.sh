#!/usr/bin/env bash
# The topic samplers against each other (docs/topics.md, "The sampler"):
# warp (1 and 2 threads), sparse and gibbs (one thread each) on the BBC
# stories, K=5 and K=20: the log-likelihood per token every 10 iterations
# and the seconds it was reached at (from the progress lines), then the
# whole process's wall and user seconds and tokens per second per core
# (tokens x iterations / user seconds).
#
#   bench/topics_samplers.sh [ITERATIONS]     (default 200)
# Environment: WS_BIN (default build/wirescan), CORPORA (default ../shared/corpora).
set -euo pipefail
cd "$(dirname "$0")/.."
WS=${WS_BIN:-$PWD/build/wirescan}
CORPORA=${CORPORA:-$PWD/../shared/corpora}
ITER=${1:-200}
[ -d "$CORPORA/bbc/business" ] || { echo "bench/topics_samplers.sh: no $CORPORA/bbc" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/ws-topics-samplers.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$WS" ingest -q -o "$W/bbc" --tag-from-dir category "$CORPORA/bbc" 2>/dev/null
for k in 5 20; do
    for run in "warp 1" "warp 2" "sparse 1" "gibbs 1"; do
        set -- $run
        /usr/bin/time -f "%e %U" -o "$W/time" "$WS" topics "$W/bbc" -k "$k" --sampler "$1" -j "$2" \
            --iterations "$ITER" --report 10 -o /dev/null 2>"$W/err"
        read -r wall user <"$W/time"
        tokens=$(sed -n 's/.* topics over .* stories, \([0-9]*\) tokens.*/\1/p' "$W/err")
        ll=$(sed -n 's/.*iteration \([0-9]*\)\/[0-9]*: log-likelihood per token \(-[0-9.]*\) (\([0-9.]*\) s).*/\1:\2@\3s/p' "$W/err" | tr '\n' ' ')
        echo "k=$k sampler=$1 threads=$2 wall=${wall}s user=${user}s tok/s/core=$(awk -v t="$tokens" -v i="$ITER" -v u="$user" 'BEGIN{printf "%.1fM", t*i/u/1e6}') ll: $ll"
    done
done
