#!/usr/bin/env bash
# cooc on Reuters-21578 against an independent Python computation.
#
# The reference tokenises the JSONL the way tests/e2e/tf_reuters.sh does
# (DESIGN.md's token rule written from the rule, not from the C code: NFKC,
# runs of L*/M*/Nd, each Han/kana letter a token of its own, tokens cut at
# 255 bytes, terms NFC(casefold(token))) and counts, from the definitions
# in docs/cooc.md:
#   doc:    N = stories, f = df, a = stories containing both terms;
#   window: N = tokens, f = tf, a = position pairs at distance <= K.
# Checked: the collocates of "oil" in document contexts (term, cooc, df
# exactly, --top 0), with every measure recomputed from the counts
# (relative tolerance 1e-6) and the order (measure descending, then term
# bytewise) for --measure pmi and npmi; the collocates of "oil" in a window
# of 5 (counts exactly, PMI); two targets with --per-term; all pairs in
# document contexts on the cocoa stories (--where topics=cocoa, exact
# bytes of the count columns); --min-count; an unknown term; window
# all-pairs with a memory budget equal to the run without, for 1 and 3
# threads; and two shards queried together equal to the one store.
. "$(dirname "$0")/lib.sh"

R="$T/r.jsonl"
S="$T/store"
reuters_jsonl "$R"
expect_status 0 "ingest of Reuters" -- ws ingest -q -o "$S" --block-tokens 50000 --tag topics --tag places "$R"

mkdir -p "$T/ws"
run() { # NAME ARGS...: wirescan cooc into $T/ws/NAME.csv
    local name=$1
    shift
    ws cooc "$S" -q --threads 2 "$@" >"$T/ws/$name.csv" 2>"$T/ws/$name.err" ||
        { cat "$T/ws/$name.err" >&2; fail "cooc $* failed"; }
}
run doc_count --doc --term oil --top 0
run doc_pmi --doc --term oil --top 0 --measure pmi --measures all
run doc_npmi --doc --term oil --top 50 --measure npmi --min-count 3
run win_count --window 5 --term oil --top 0 --measure pmi
run win_npmi --window 5 --term oil --top 0 --measure npmi
run win_pairs_npmi --window 5 --top 500 --measure npmi --min-count 5
run per_term --doc --term oil --term Gas --per-term --top 7 --measure logdice
run cocoa_pairs --doc --where topics=cocoa --top 0
run unknown --doc --term zzqxj

PYTHONPATH="$WS_SRC/tests/tools" python3 - "$R" "$T/ws" <<'PY' || fail "the Python reference disagrees (see above)"
import collections, csv, math, re, sys, unicodedata
from ws_ref_tokens import TOKEN, fold, terms  # tests/tools: the tokenizer rules in Python
import json
docs, topics = [], []
with open(sys.argv[1], encoding='utf-8') as f:
    for line in f:
        o = json.loads(line)
        docs.append(terms(o.get('title') or '') + terms(o.get('body') or ''))
        topics.append(o.get('topics') or [])
out = sys.argv[2]
errors = []
def check(cond, msg):
    if not cond:
        errors.append(msg)
        print('MISMATCH:', msg, file=sys.stderr)

def read(name):
    with open('%s/%s.csv' % (out, name), encoding='utf-8', newline='') as f:
        return list(csv.reader(f))

def measures(a, f1, f2, n):
    # The definitions, written out again (docs/cooc.md).
    e11 = f1 * f2 / n
    pmi = math.log2(a * n / (f1 * f2))
    npmi = 1.0 if a >= n else pmi / -math.log2(a / n)
    cells = [(a, e11), (max(f1 - a, 0), f1 * (n - f2) / n), (max(f2 - a, 0), (n - f1) * f2 / n),
             (max(n - f1 - f2 + a, 0), (n - f1) * (n - f2) / n)]
    llr = 2 * sum(o * math.log(o / e) for o, e in cells if o > 0 and e > 0)
    chi2 = sum((o - e) ** 2 / e for o, e in cells if e > 0)
    dice = 2 * a / (f1 + f2)
    return {'pmi': pmi, 'npmi': npmi, 'llr': llr, 'chi2': chi2, 'tscore': (a - e11) / math.sqrt(a),
            'dice': dice, 'logdice': 14 + math.log2(dice)}

def close(x, y):
    return abs(x - y) <= 1e-6 * max(abs(x), abs(y), 1e-300) or abs(x - y) < 1e-9

BYTES = lambda t: t.encode('utf-8')

# ---- document contexts ----
N = len(docs)
df = collections.Counter()
sets = [set(d) for d in docs]
for s in sets:
    df.update(s)
def doc_collocates(x):
    c = collections.Counter()
    for s in sets:
        if x in s:
            c.update(s)
    del c[x]
    return c
oil = doc_collocates('oil')
want = sorted(oil.items(), key=lambda kv: (-kv[1], BYTES(kv[0])))
got = read('doc_count')
check(got[0] == ['term', 'cooc', 'df'], 'doc_count header %r' % got[0])
check([r[:3] for r in got[1:]] == [[t, str(a), str(df[t])] for t, a in want],
      'doc collocates of oil: %d rows, %d expected; first difference at %s' % (
          len(got) - 1, len(want), next((i for i, (r, w) in enumerate(zip(got[1:], want)) if r[0] != w[0] or r[1] != str(w[1])), None)))
print('doc: %d collocates of oil, N=%d, df(oil)=%d' % (len(want), N, df['oil']))

def check_measures(name, rows, order, f_of, fx, n, cols):
    vals = []
    for r in rows[1:]:
        t, a, f = r[0], int(r[1]), int(r[2])
        check(f == f_of[t], '%s: %s has frequency %d, expected %d' % (name, t, f, f_of[t]))
        m = measures(a, f, fx, n)
        for k, col in cols.items():
            check(close(float(r[col]), m[k]), '%s: %s %s = %s, expected %.12g' % (name, t, k, r[col], m[k]))
        vals.append((m[order], t))
    for (m1, t1), (m2, t2) in zip(vals, vals[1:]):
        check(m1 > m2 or (m1 == m2 and BYTES(t1) < BYTES(t2)) or close(m1, m2),
              '%s: %s before %s breaks the order' % (name, t1, t2))

got = read('doc_pmi')
hdr = got[0]
check(hdr == ['term', 'cooc', 'df', 'pmi', 'npmi', 'llr', 'chi2', 'tscore', 'dice', 'logdice'], 'doc_pmi header %r' % hdr)
check(sorted((r[0], int(r[1])) for r in got[1:]) == sorted(oil.items()), 'doc_pmi rows are not the collocates of oil')
check_measures('doc_pmi', got, 'pmi', df, df['oil'], N, {k: hdr.index(k) for k in hdr[3:]})
got = read('doc_npmi')
want_n = sorted(((measures(a, df[t], df['oil'], N)['npmi'], t) for t, a in oil.items() if a >= 3),
                key=lambda mt: (-mt[0], BYTES(mt[1])))[:50]
check([r[0] for r in got[1:]] == [t for _, t in want_n], 'doc npmi top 50 with --min-count 3: terms differ')
check_measures('doc_npmi', got, 'npmi', df, df['oil'], N, {'npmi': 3})
print('doc: every measure of the oil collocates matches; pmi/npmi order ok')

# ---- window contexts, K = 5 ----
K = 5
tf = collections.Counter()
win = collections.Counter()
ntok = 0
for d in docs:
    tf.update(d)
    ntok += len(d)
    for i, t in enumerate(d):
        if t != 'oil':
            continue
        for j in range(max(0, i - K), min(len(d), i + K + 1)):
            if d[j] != 'oil':
                win[d[j]] += 1
got = read('win_count')
check(got[0] == ['term', 'cooc', 'tf', 'pmi'], 'win header %r' % got[0])
check(sorted((r[0], int(r[1])) for r in got[1:]) == sorted(win.items()),
      'window collocates of oil: %d rows, %d expected' % (len(got) - 1, len(win)))
check_measures('win_pmi', got, 'pmi', tf, tf['oil'], ntok, {'pmi': 3})
print('window 5: %d collocates of oil over %d tokens match' % (len(win), ntok))
# Window NPMI is over the 2K N window slots (docs/cooc.md): p(xy) = a/(2K N),
# p(x) = f(x)/N; a <= 2K min(f(x), f(y)) keeps it within [-1, 1].
def win_npmi(a, f1, f2, n, k):
    s = 2 * k * n
    return 1.0 if a >= s else min(1.0, math.log2(a * n / (2 * k * f1 * f2)) / -math.log2(a / s))
got = read('win_npmi')
check(got[0] == ['term', 'cooc', 'tf', 'npmi'], 'win_npmi header %r' % got[0])
check(len(got) - 1 == len(win), 'win_npmi: %d rows, %d expected' % (len(got) - 1, len(win)))
prev = None
for r in got[1:]:
    v, want = float(r[3]), win_npmi(win[r[0]], tf[r[0]], tf['oil'], ntok, K)
    check(close(v, want), 'win_npmi: %s = %s, expected %.12g' % (r[0], r[3], want))
    check(-1 <= v <= 1, 'win_npmi: %s = %s is outside [-1, 1]' % (r[0], r[3]))
    check(prev is None or prev >= v, 'win_npmi: not descending at %s' % r[0])
    prev = v
# All pairs by window NPMI (the top rows were above 1, up to 1.21 for "gg
# ggy"): within [-1, 1], and each the definition of its printed counts.
got = read('win_pairs_npmi')
check(got[0] == ['term1', 'term2', 'cooc', 'tf1', 'tf2', 'npmi'], 'win_pairs_npmi header %r' % got[0])
check(len(got) == 501, 'win_pairs_npmi: %d rows' % (len(got) - 1))
for r in got[1:]:
    v = float(r[5])
    check(-1 <= v <= 1, 'win_pairs_npmi: %s %s = %s is outside [-1, 1]' % (r[0], r[1], r[5]))
    check(int(r[3]) == tf[r[0]] and int(r[4]) == tf[r[1]], 'win_pairs_npmi: %s %s tf' % (r[0], r[1]))
    check(close(v, win_npmi(int(r[2]), int(r[3]), int(r[4]), ntok, K)), 'win_pairs_npmi: %s %s = %s' % (r[0], r[1], r[5]))
print('window 5: npmi of the oil collocates and of the top 500 pairs = the slot definition, within [-1, 1]')

# ---- two targets, top 7 each by logDice ----
gas = doc_collocates('gas')
rows = []
for x, c in (('gas', gas), ('oil', oil)):  # targets in bytewise order
    r = sorted(((measures(a, df[t], df[x], N)['logdice'], t, a) for t, a in c.items()), key=lambda v: (-v[0], BYTES(v[1])))
    rows += [[x, t, str(a)] for _, t, a in r[:7]]
got = read('per_term')
check(got[0] == ['target', 'term', 'cooc', 'df', 'logdice'], 'per_term header %r' % got[0])
check([r[:3] for r in got[1:]] == rows, 'per-term top 7 of oil and gas differ:\n%r\n%r' % (got[1:], rows))

# ---- all pairs on the cocoa stories ----
sel = [s for s, tp in zip(sets, topics) if 'cocoa' in tp]
pc, dfc = collections.Counter(), collections.Counter()
for s in sel:
    dfc.update(s)
    l = sorted(s, key=BYTES)
    for i in range(len(l)):
        for j in range(i + 1, len(l)):
            pc[(l[i], l[j])] += 1
want = sorted(pc.items(), key=lambda kv: (-kv[1], BYTES(kv[0][0]), BYTES(kv[0][1])))
got = read('cocoa_pairs')
check(got[0] == ['term1', 'term2', 'cooc', 'df1', 'df2'], 'cocoa header %r' % got[0])
check(got[1:] == [[x, y, str(a), str(dfc[x]), str(dfc[y])] for (x, y), a in want],
      'all pairs on cocoa stories differ (%d rows, %d expected)' % (len(got) - 1, len(want)))
print('doc all pairs on %d cocoa stories: %d pairs match' % (len(sel), len(want)))

check(read('unknown') == [['term', 'cooc', 'df']], 'an unknown term should give the header only')
sys.exit(1 if errors else 0)
PY
note "collocates of oil (doc, window), measures, per-term, cocoa all pairs: match the Python reference"

# Window all pairs under a budget: the same bytes as without one, any thread count.
ws cooc "$S" -q --window 5 --top 20000 --mem 0 --threads 1 >"$T/w0.csv" || fail "cooc window --mem 0 failed"
[ "$(wc -l <"$T/w0.csv")" -eq 20001 ] || fail "expected 20000 window pairs"
for n in 1 3; do
    ws cooc "$S" --window 5 --top 20000 --mem 40M --tmp "$T" --threads $n >"$T/wn.csv" 2>"$T/wn.err" ||
        { cat "$T/wn.err" >&2; fail "cooc --mem 40M --threads $n failed"; }
    cmp -s "$T/w0.csv" "$T/wn.csv" || fail "window pairs with --mem 40M --threads $n differ from --mem 0"
    grep -q "runs spilled" "$T/wn.err" || fail "no statistics line on stderr"
done
[ -z "$(ls -A "$T" | grep wirescan-cooc)" ] || fail "a spill folder was left in $T"
note "window all pairs: --mem 40M with 1 and 3 threads = --mem 0 ($(grep -o '[0-9]* runs spilled' "$T/wn.err"))"

# Shards: the corpus split over two stores (tag columns in another order)
# queried together gives the same bytes as the one store.
head -n 9000 "$R" >"$T/p1.jsonl"
tail -n +9001 "$R" >"$T/p2.jsonl"
expect_status 0 "ingest shard 1" -- ws ingest -q -o "$T/sh1" --tag topics "$T/p1.jsonl"
expect_status 0 "ingest shard 2" -- ws ingest -q -o "$T/sh2" --tag places --tag topics "$T/p2.jsonl"
for args in "--sentence --top 500 --measure llr --stopwords en" "--window 4 --top 2000 --mem 40M --measures all"; do
    # shellcheck disable=SC2086
    ws cooc "$S" -q $args >"$T/one.csv" || fail "cooc $args on the store failed"
    # shellcheck disable=SC2086
    ws cooc "$T/sh2" "$T/sh1" -q --threads 3 $args >"$T/many.csv" || fail "cooc $args on two shards failed"
    cmp -s "$T/one.csv" "$T/many.csv" || fail "cooc $args: two shards differ from one store"
    note "cooc $args: two shards = one store ($(wc -l <"$T/many.csv") lines)"
done
note "ok"
