#!/usr/bin/env bash
# wirescan topics against gensim LdaMulticore (Debian python3-gensim; see
# ./setup.sh bench), 2 threads each, on BBC (5 categories; K=5 and K=20)
# and the single-label stories of Reuters-21578 (K=20). Prints one JSON
# line per run (bench/topics_peer.py says what is measured and how).
#
#   bench/topics.sh [ITERATIONS [PASSES]]   (defaults 200 Gibbs iterations, 10 gensim passes)
# Environment: WS_BIN (default build/wirescan), CORPORA (default ../shared/corpora),
# SEEDS (default 1; e.g. "1 2 3": one run of both tools per seed, the seed
# of both, for medians of the CPU ratio and the spread of the quality),
# TOPICS_PRIORS (default matched: both tools with the same priors, a
# symmetric alpha = 1/K, gensim's default, and beta = 0.01, wirescan's
# default, i.e. wirescan --alpha 1/K and gensim eta=0.01; "defaults": each
# tool with its own defaults, wirescan alpha = 50/K, beta = 0.01, gensim
# alpha = eta = 1/K). Why matched: docs/topics.md, "The priors, and what
# the benchmark runs" (at K=5 the default alpha = 50/K = 10 costs
# coherence, and two tools compared should fit the same model; measured
# there, seeds 1-6, wirescan NPMI on BBC K=5: 0.155 at 50/K, 0.169 at
# 1/K). Results: BENCHMARKS.md, topics, session 6.
set -euo pipefail
cd "$(dirname "$0")/.."
WS=${WS_BIN:-$PWD/build/wirescan}
CORPORA=${CORPORA:-$PWD/../shared/corpora}
ITER=${1:-200}
PASSES=${2:-10}
SEEDS=${SEEDS:-1}
W=$(mktemp -d "${TMPDIR:-/tmp}/ws-topics-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
/usr/bin/python3 -c 'import gensim' || { echo "bench/topics.sh: python3-gensim is not installed (./setup.sh bench)" >&2; exit 1; }

# the stores first, then one round of runs per seed (a round is complete
# even when the bench is cut short)
RUNS=()
if [ -d "$CORPORA/bbc/business" ]; then
    "$WS" ingest -q -o "$W/bbc" --tag-from-dir category "$CORPORA/bbc" 2>/dev/null
    "$WS" export "$W/bbc" -o "$W/bbc.jsonl"
    RUNS+=("bbc category 5" "bbc category 20")
fi
if ls "$CORPORA"/reuters21578/reut2-*.xml >/dev/null 2>&1; then
    "$WS" ingest -q -o "$W/reu-all" "$CORPORA"/reuters21578/reut2-*.xml 2>/dev/null
    "$WS" export "$W/reu-all" -o "$W/reu-all.jsonl"
    # single-label stories with a body
    python3 - "$W/reu-all.jsonl" "$W/reu.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1], encoding="utf-8"):
        s = json.loads(line)
        if len(s.get("topics") or []) == 1 and (s.get("body") or "").strip():
            out.write(line)
PY
    "$WS" ingest -q -o "$W/reu" --tag topics "$W/reu.jsonl"
    RUNS+=("reu topics 20")
fi
for seed in $SEEDS; do
    for run in "${RUNS[@]}"; do
        set -- $run
        name=$1; [ "$name" = reu ] && name=reuters
        echo "$name k=$3: $(TOPICS_SEED=$seed /usr/bin/python3 bench/topics_peer.py "$WS" "$W/$1" "$W/$1.jsonl" "$2" "$3" "$ITER" "$PASSES")"
    done
done
