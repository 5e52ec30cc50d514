#!/usr/bin/env bash
# kwic and the term index on Reuters-21578 x10 (built as bench/tf_bench.sh
# and bench/python_overhead.py build it: tests/tools/reuters2jsonl.py, copy
# k with ids suffixed -k and years shifted by k), one run of each:
#   kwic --term opec and kwic --phrase 'crude oil' (wirescan, whole process)
#     against DuckDB's regexp concordance over its own table
#     (bench/duckdb_kwic.mjs: the same matches with 5 words of context);
#   tf --containing opec against a full-scan tf of the same store, and the
#     same with the index removed (a store written before it);
#   the index's size against the rest of the store (wirescan info);
#   with WS_BASE=OLD_BINARY, the same queries by that build on a store it
#   wrote itself ("before", in the same run), and by this build on that
#   store (a 1.2 store: its index has blocks only).
# Usage: bench/kwic_bench.sh [OUT_DIR]   (WS_BIN: the binary; default build/wirescan)
# Not a test: prints a table of seconds (median of RUNS=3 runs) on stdout.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
WS=${WS_BIN:-$ROOT/build/wirescan}
OUT=${1:-$(mktemp -d /tmp/ws-kwic-bench.XXXXXX)}
RUNS=${RUNS:-3}
THREADS=$(nproc)
mkdir -p "$OUT"
[[ -d $ROOT/../shared/corpora/reuters21578 ]] || { echo "no Reuters-21578 in ../shared/corpora" >&2; exit 77; }
if [[ ! -s $OUT/input.jsonl ]]; then
  python3 "$ROOT/tests/tools/reuters2jsonl.py" "$ROOT/../shared/corpora/reuters21578" >"$OUT/r.jsonl"
  python3 - "$OUT/r.jsonl" "$OUT/input.jsonl" <<'PY'
import json, re, sys
raw = open(sys.argv[1], encoding="utf-8").read().splitlines()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for k in range(10):
        for line in raw:
            o = json.loads(line)
            o["id"] = "%s-%d" % (o["id"], k)
            m = re.match(r"^(\d{4})(-.*)$", o.get("date") or "")
            if m:  # no 29 February in Reuters: month and day stay valid
                o["date"] = "%04d%s" % (int(m.group(1)) + k, m.group(2))
            out.write(json.dumps(o, ensure_ascii=False) + "\n")
PY
fi
[[ -d $OUT/s ]] || "$WS" ingest -q -o "$OUT/s" --format jsonl "$OUT/input.jsonl"
BASE=${WS_BASE:-}
[[ -z $BASE || -d $OUT/base ]] || "$BASE" ingest -q -o "$OUT/base" --format jsonl "$OUT/input.jsonl" 2>/dev/null
if [[ ! -d $OUT/old ]]; then # the same store without the index
  cp -r "$OUT/s" "$OUT/old"
  rm "$OUT"/old/tidx-*.wsx
  python3 "$ROOT/tests/tools/ws_store_edit.py" manifest "$OUT/old" '^index .*\n=>'
fi
if [[ ! -d $BENCH/node_modules/@duckdb/node-api ]]; then (cd "$BENCH" && npm install --no-audit --no-fund --loglevel=error >&2); fi
[[ -s $OUT/duck.db ]] || node "$BENCH/duckdb_tf.mjs" load "$OUT/input.jsonl" "$OUT/duck.db" "$THREADS" >&2

med() { python3 -c 'import statistics,sys; print("%.3f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
wall() { # seconds of one run of CMD...
  local t0 t1
  t0=$(date +%s.%N); "$@" >"$OUT/last.out" 2>/dev/null; t1=$(date +%s.%N)
  python3 -c "print($t1 - $t0)"
}
time_ws() { local name=$1 ts=(); shift; for _ in $(seq "$RUNS"); do ts+=("$(wall "$@")"); done
  echo "$name $(med "${ts[@]}") rows=$(($(wc -l <"$OUT/last.out") - 1))"; }
time_duck() { local name=$1 ts=() line; shift; for _ in $(seq "$RUNS"); do
    line=$(node "$BENCH/duckdb_kwic.mjs" "$OUT/duck.db" "$THREADS" "$@"); ts+=("$(sed 's/.*elapsed_s=\([0-9.]*\).*/\1/' <<<"$line")"); done
  echo "$name $(med "${ts[@]}") $(grep -o 'rows=[0-9]*' <<<"$line") (inside DuckDB, process start-up excluded)"; }

echo "# $(date -u +%F) $(nproc) cores; store: $(du -sb "$OUT/s" | cut -f1) bytes; $("$WS" info "$OUT/s" | grep -E '^(stories|tokens|blocks|index):' | tr '\n' ' ')"
time_ws "ws_kwic_opec" "$WS" kwic "$OUT/s" --term opec
time_ws "ws_kwic_opec_noindex" "$WS" kwic "$OUT/old" --term opec
time_duck "duckdb_kwic_opec" opec
time_ws "ws_kwic_crude_oil" "$WS" kwic "$OUT/s" --phrase 'crude oil'
time_ws "ws_kwic_crude_oil_noindex" "$WS" kwic "$OUT/old" --phrase 'crude oil'
time_duck "duckdb_kwic_crude_oil" crude oil
time_ws "ws_tf_full" "$WS" tf "$OUT/s" --top 100
time_ws "ws_tf_containing_opec" "$WS" tf "$OUT/s" --containing opec --top 100
time_ws "ws_tf_containing_opec_noindex" "$WS" tf "$OUT/old" --containing opec --top 100
time_ws "ws_tf_containing_rare" "$WS" tf "$OUT/s" --containing unocal --top 100
time_ws "ws_tf_containing_rare_noindex" "$WS" tf "$OUT/old" --containing unocal --top 100
if [[ -n $BASE ]]; then
  echo "# before: $BASE on its own store ($(du -sb "$OUT/base" | cut -f1) bytes; $("$BASE" info "$OUT/base" | grep -E '^index:'))"
  time_ws "base_kwic_opec" "$BASE" kwic "$OUT/base" --term opec
  time_ws "base_kwic_crude_oil" "$BASE" kwic "$OUT/base" --phrase 'crude oil'
  time_ws "base_tf_full" "$BASE" tf "$OUT/base" --top 100
  time_ws "base_tf_containing_opec" "$BASE" tf "$OUT/base" --containing opec --top 100
  time_ws "base_tf_containing_rare" "$BASE" tf "$OUT/base" --containing unocal --top 100
  time_ws "ws_on_v1_kwic_opec" "$WS" kwic "$OUT/base" --term opec
  time_ws "ws_on_v1_tf_containing_opec" "$WS" tf "$OUT/base" --containing opec --top 100
fi
