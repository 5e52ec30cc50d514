#!/usr/bin/env bash
# wirescan topics against gensim LdaMulticore (Debian python3-gensim; see
# ./setup.sh bench), 2 threads each, on BBC (5 categories; K=5 and K=20)
# and the single-label stories of Reuters-21578 (K=20). Prints one JSON
# line per run (bench/topics_peer.py says what is measured and how).
#
#   bench/topics.sh [ITERATIONS [PASSES]]   (defaults 200 Gibbs iterations, 10 gensim passes)
# Environment: WS_BIN (default build/wirescan), CORPORA (default ../shared/corpora).
set -euo pipefail
cd "$(dirname "$0")/.."
WS=${WS_BIN:-$PWD/build/wirescan}
CORPORA=${CORPORA:-$PWD/../shared/corpora}
ITER=${1:-200}
PASSES=${2:-10}
W=$(mktemp -d "${TMPDIR:-/tmp}/ws-topics-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
/usr/bin/python3 -c 'import gensim' || { echo "bench/topics.sh: python3-gensim is not installed (./setup.sh bench)" >&2; exit 1; }

if [ -d "$CORPORA/bbc/business" ]; then
    "$WS" ingest -q -o "$W/bbc" --tag-from-dir category "$CORPORA/bbc" 2>/dev/null
    "$WS" export "$W/bbc" -o "$W/bbc.jsonl"
    for k in 5 20; do
        echo "bbc k=$k: $(/usr/bin/python3 bench/topics_peer.py "$WS" "$W/bbc" "$W/bbc.jsonl" category $k "$ITER" "$PASSES")"
    done
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
    echo "reuters k=20: $(/usr/bin/python3 bench/topics_peer.py "$WS" "$W/reu" "$W/reu.jsonl" topics 20 "$ITER" "$PASSES")"
fi
