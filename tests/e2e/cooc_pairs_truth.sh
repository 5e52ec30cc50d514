#!/usr/bin/env bash
# All-pairs window counts against an independent count: every (term1,
# term2, cooc, tf1, tf2) row of `cooc --window 3 --top 0` equals what
# Python counts from the corpus itself (pairs of token positions at most 3
# apart holding two different words), without a budget and under --mem 24M
# with 1 and 2 threads (spilling), and the three outputs are the same
# bytes.
#
# The corpus is planted in three phases, in scan order, so that a
# partition's pair table changes mode both ways under the budget (see
# append_add in kernels/ws_k_cooc.c): text drawn evenly from 20,000 words,
# whose table fills with pairs seen about once and becomes a log of
# records; text over 40 words only (780 pairs, each repeated thousands of
# times), which the log folds so well that it goes back to a hash table;
# 20,000 words again, on which that table fills and becomes a log again. --dense 0 (a
# test hook) keeps the frequent words' pairs out of the dense triangle, so
# every pair goes through the tables.
. "$(dirname "$0")/lib.sh"

python3 - "$T/c.jsonl" "$T/truth.csv" <<'PY' || fail "corpus generation failed"
import json, random, sys
from collections import Counter
rnd = random.Random(719)
V = 20000
many = ['%s%d' % ('bcdfghjklm'[i % 10], i) for i in range(V)]
few = ['rep%d' % i for i in range(40)]
K = 3
stories = []
for phase in range(3):
    for _ in range(1500):
        toks = rnd.choices(few if phase == 1 else many, k=250)
        stories.append(toks)
pairs, tf = Counter(), Counter()
with open(sys.argv[1], 'w') as f:
    for i, toks in enumerate(stories):
        f.write(json.dumps({'id': str(i), 'title': '', 'body': ' '.join(toks)}) + '\n')
        tf.update(toks)
        for a in range(len(toks)):
            for b in range(a + 1, min(a + K + 1, len(toks))):
                x, y = toks[a], toks[b]
                if x != y:
                    pairs[(min(x, y), max(x, y))] += 1
with open(sys.argv[2], 'w') as f:
    for (x, y), c in pairs.items():
        f.write('%s,%s,%d,%d,%d\n' % (x, y, c, tf[x], tf[y]))
PY
S="$T/store"
expect_status 0 "ingest" -- ws ingest -q -o "$S" --block-tokens 20000 "$T/c.jsonl"
mkdir -p "$T/tmp"
want=$(wc -l <"$T/truth.csv")
[ "$want" -gt 500000 ] || fail "only $want distinct pairs: too few to fill the tables under --mem 24M"

check() { # OUT LABEL: OUT's rows are the independent count's
    head -1 "$1" | grep -x 'term1,term2,cooc,tf1,tf2' >/dev/null || fail "$2: unexpected header $(head -1 "$1")"
    tail -n +2 "$1" | LC_ALL=C sort >"$T/got.sorted"
    LC_ALL=C sort "$T/truth.csv" >"$T/truth.sorted"
    cmp -s "$T/got.sorted" "$T/truth.sorted" ||
        fail "$2: rows differ from the independent count: $(diff "$T/got.sorted" "$T/truth.sorted" | head -4 | tr '\n' ' ')"
}

ws cooc "$S" --window 3 --top 0 --dense 0 --mem 0 -q -o "$T/free.csv" || fail "cooc --mem 0 failed"
check "$T/free.csv" "--mem 0"
note "--mem 0: $want pairs equal the independent count"
# A sanitizer build's own buffers and shadow memory take more of the budget
# (it refuses 24M as too small), so it gets 40M: still far below the pairs.
mem=24M
ldd "$WS_BIN" 2>/dev/null | grep libasan >/dev/null && mem=40M
for n in 1 2; do
    ws cooc "$S" --window 3 --top 0 --dense 0 --mem $mem --tmp "$T/tmp" --threads $n -o "$T/b$n.csv" 2>"$T/b$n.err" ||
        { cat "$T/b$n.err" >&2; fail "cooc --mem $mem --threads $n failed"; }
    runs=$(sed -n 's/.* \([0-9]*\) runs spilled.*/\1/p' "$T/b$n.err")
    [ "${runs:-0}" -gt 2 ] || fail "--mem $mem --threads $n spilled ${runs:-no} runs; expected several"
    check "$T/b$n.csv" "--mem $mem --threads $n"
    cmp -s "$T/free.csv" "$T/b$n.csv" || fail "--mem $mem --threads $n: not the same bytes as --mem 0"
    note "--mem $mem --threads $n: $runs runs spilled, rows equal the independent count, same bytes as --mem 0"
done
