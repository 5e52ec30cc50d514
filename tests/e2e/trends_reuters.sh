#!/usr/bin/env bash
# trends on Reuters-21578 against an independent Python computation, byte for byte.
#
# The reference tokenises the original JSONL itself (the token rule of
# DESIGN.md, as tests/e2e/tf_reuters.sh writes it: NFKC, runs of L*/M*/Nd,
# CJK singles, NFC(casefold)), buckets by UTC day/Monday week/month/quarter/
# year, zero-fills every bucket from the first to the last dated story and
# prints the same CSV: docs (stories with any term of the topic), mentions
# (positions holding one of its terms), total (dated stories in the bucket),
# share = docs/total with %.10g.
#
# Checked: a topics file (oil: oil crude opec; grain: wheat corn grain) by
# month, and by week, quarter, year and day; --terms order; --by topics (a
# multi-valued tag: a story counts in each of its values, '' last);
# --wide, --wide-share and --smooth 3 (long and wide); --from/--to;
# --emerging by month (count = stories with the term, baseline = stories
# with it in the trailing 2 months, G2, ranking); the undated story on
# stderr; 1, 2 and 3 threads on a small-block store giving the same bytes;
# three shards queried together giving the same bytes as the one store.
. "$(dirname "$0")/lib.sh"

R="$T/r.jsonl"
S="$T/store"
reuters_jsonl "$R"
expect_status 0 "ingest of Reuters" -- ws ingest -q -o "$S" --tag topics --tag places "$R"
expect_status 0 "ingest of Reuters in small blocks" -- \
    ws ingest -q -o "$T/small" --block-tokens 20000 --tag topics --tag places "$R"

printf '# energy and farm topics\noil: oil crude opec\ngrain: wheat corn "grain"  # quoted single word\n' >"$T/topics.txt"

QUERIES=(
    "month|--topics $T/topics.txt"
    "week|--topics $T/topics.txt --bucket week"
    "quarter|--topics $T/topics.txt --bucket quarter"
    "year|--topics $T/topics.txt --bucket year"
    "day|--terms gold,OIL --bucket day"
    "by|--topics $T/topics.txt --by topics"
    "wide|--topics $T/topics.txt --wide"
    "wideshare|--topics $T/topics.txt --wide-share --smooth 3"
    "smooth|--terms opec,oil --smooth 3 --bucket week"
    "range|--topics $T/topics.txt --from 1987-03-15 --to 1987-04"
    "emerging|--emerging --top 15 --baseline 2 --min-count 5"
)

mkdir -p "$T/ws" "$T/ref"
for q in "${QUERIES[@]}"; do
    name=${q%%|*}
    # shellcheck disable=SC2086
    ws trends "$S" --threads 2 ${q#*|} >"$T/ws/$name.csv" 2>"$T/ws/$name.err" ||
        { cat "$T/ws/$name.err" >&2; fail "trends $name (${q#*|}) failed"; }
done
grep -q "^wirescan trends: 1 undated story left out" "$T/ws/month.err" ||
    fail "the undated story is not reported on stderr: $(cat "$T/ws/month.err")"

PYTHONPATH="$WS_SRC/tests/tools" python3 - "$R" "$T/ref" <<'PY' || fail "the Python reference failed"
import collections, datetime, json, math, re, sys, unicodedata
from ws_ref_tokens import TOKEN, fold, terms  # tests/tools: the tokenizer rules in Python
def day_of(s):
    try:
        return datetime.datetime.strptime(s, '%Y-%m-%dT%H:%M:%SZ').date()
    except (TypeError, ValueError):
        return None

stories = []
with open(sys.argv[1], encoding='utf-8') as f:
    for line in f:
        o = json.loads(line)
        d = day_of(o.get('date'))
        if d is None:
            continue  # undated: in no bucket
        toks = terms(o.get('title') or '') + terms(o.get('body') or '')
        stories.append({'toks': toks, 'set': set(toks), 'day': d,
                        'topics': list(dict.fromkeys(o.get('topics') or [])) or ['']})

# Buckets: a key that orders like time, a label, and the next bucket.
def month_key(d): return d.year * 12 + d.month - 1
BUCKETS = {
    'day': (lambda d: d.toordinal(), lambda k: datetime.date.fromordinal(k).isoformat(), 1),
    'week': (lambda d: d.toordinal() - d.weekday(), lambda k: datetime.date.fromordinal(k).isoformat(), 7),
    'month': (month_key, lambda k: '%04d-%02d' % (k // 12, k % 12 + 1), 1),
    'quarter': (lambda d: d.year * 4 + (d.month - 1) // 3, lambda k: '%04d-Q%d' % (k // 4, k % 4 + 1), 1),
    'year': (lambda d: d.year, lambda k: '%04d' % k, 1),
}
TOPICS = [('oil', {'oil', 'crude', 'opec'}), ('grain', {'wheat', 'corn', 'grain'})]
G = lambda v: '' if v is None else '%.10g' % v

def table(bucket, topics, sel=None, by=False):
    key, label, step = BUCKETS[bucket]
    sel = stories if sel is None else sel
    cnt = collections.defaultdict(lambda: [0] * (1 + 2 * len(topics)))
    groups = set()
    for s in sel:
        k = key(s['day'])
        for g in (s['topics'] if by else ['']):
            groups.add(g)
            c = cnt[(k, g)]
            c[0] += 1
            for i, (_, ts) in enumerate(topics):
                m = sum(1 for t in s['toks'] if t in ts)
                if m:
                    c[1 + 2 * i] += 1
                    c[2 + 2 * i] += m
    ks = [k for k, _ in cnt]
    buckets = list(range(min(ks), max(ks) + 1, step))
    groups = sorted(groups, key=lambda g: (g == '', g.encode('utf-8')))
    zero = [0] * (1 + 2 * len(topics))
    return buckets, groups, (lambda b, g: cnt.get((b, g), zero)), label

# The share of a bucket without stories is unknown: None, an empty cell.
def share(c, i): return c[1 + 2 * i] / c[0] if c[0] else None

def smooth(buckets, at, g, i, k, bi):
    vals = [share(at(buckets[j], g), i) for j in range(max(0, bi - k + 1), bi + 1)]
    vals = [v for v in vals if v is not None]  # the mean of the known shares
    s = 0.0
    for v in vals:
        s += v
    return s / len(vals) if vals else None

def long_csv(bucket, topics, sel=None, by=False, k=0):
    buckets, groups, at, label = table(bucket, topics, sel, by)
    out = ['bucket,' + ('topics,' if by else '') + 'topic,docs,mentions,total,share' + (',share_ma' if k else '')]
    for bi, b in enumerate(buckets):
        for g in groups:
            c = at(b, g)
            for i, (name, _) in enumerate(topics):
                row = [label(b)] + ([g] if by else []) + [name, str(c[1 + 2 * i]), str(c[2 + 2 * i]), str(c[0]),
                                                          G(share(c, i))]
                if k:
                    row.append(G(smooth(buckets, at, g, i, k, bi)))
                out.append(','.join(row))
    return '\n'.join(out) + '\n'

def wide_csv(bucket, topics, shares=False, k=0):
    buckets, groups, at, label = table(bucket, topics)
    out = ['bucket,total,' + ','.join(n for n, _ in topics) + ''.join(',%s_ma' % n for n, _ in topics if k)]
    for bi, b in enumerate(buckets):
        c = at(b, '')
        row = [label(b), str(c[0])] + [G(share(c, i)) if shares else str(c[1 + 2 * i]) for i in range(len(topics))]
        if k:
            row += [G(smooth(buckets, at, '', i, k, bi)) for i in range(len(topics))]
        out.append(','.join(row))
    return '\n'.join(out) + '\n'

def g2(a, c, b, d):
    n, k = float(c) + float(d), float(a) + float(b)
    if n <= 0 or k <= 0 or k >= n:
        return 0.0
    e11 = c * k / n; e12 = c - e11; e21 = d * k / n; e22 = d - e21
    xlx = lambda o, e: o * math.log(o / e) if o > 0 else 0.0
    g = xlx(float(a), e11) + xlx(float(c - a), e12) + xlx(float(b), e21) + xlx(float(d - b), e22)
    return 2 * g if g > 0 else 0.0

def emerging(top, K, minc):
    key, label, step = BUCKETS['month']
    df = collections.defaultdict(collections.Counter)
    n = collections.Counter()
    for s in stories:
        k = key(s['day'])
        n[k] += 1
        df[k].update(s['set'])
    out = ['bucket,term,count,baseline,score']
    for b in range(min(n), max(n) + 1):
        if not n[b]:
            continue
        win = range(max(min(n), b - K), b)
        d = sum(n[j] for j in win)
        if not d:
            continue
        rows = []
        for t, a in df[b].items():
            if a < minc:
                continue
            base = sum(df[j][t] for j in win)
            if a * d <= base * n[b]:
                continue
            rows.append((-g2(a, n[b], base, d), t.encode('utf-8'), t, a, base))
        rows.sort()
        for sc, _, t, a, base in rows[:top]:
            out.append('%s,%s,%d,%d,%s' % (label(b), t, a, base, G(-sc)))
    return '\n'.join(out) + '\n'

lo, hi = datetime.date(1987, 3, 15), datetime.date(1987, 4, 30)
ref = {
    'month': long_csv('month', TOPICS),
    'week': long_csv('week', TOPICS),
    'quarter': long_csv('quarter', TOPICS),
    'year': long_csv('year', TOPICS),
    'day': long_csv('day', [('gold', {'gold'}), ('OIL', {'oil'})]),
    'by': long_csv('month', TOPICS, by=True),
    'wide': wide_csv('month', TOPICS),
    'wideshare': wide_csv('month', TOPICS, shares=True, k=3),
    'smooth': long_csv('week', [('opec', {'opec'}), ('oil', {'oil'})], k=3),
    'range': long_csv('month', TOPICS, sel=[s for s in stories if lo <= s['day'] <= hi]),
    'emerging': emerging(15, 2, 5),
}
for name, text in ref.items():
    with open('%s/%s.csv' % (sys.argv[2], name), 'w', encoding='utf-8', newline='') as f:
        f.write(text)
PY

for q in "${QUERIES[@]}"; do
    name=${q%%|*}
    if ! cmp -s "$T/ref/$name.csv" "$T/ws/$name.csv"; then
        diff "$T/ref/$name.csv" "$T/ws/$name.csv" | head -n 20 >&2
        fail "trends ${q#*|}: output differs from the Python reference ($(wc -l <"$T/ref/$name.csv") reference lines)"
    fi
    note "trends ${q#*|}: $(($(wc -l <"$T/ws/$name.csv") - 1)) rows identical"
done
# Sanity of the references themselves: zero-filled months exist, and oil is frequent.
# (Reuters has no story dated May 1987: its share is unknown, an empty cell.)
grep -q '^1987-05,oil,0,0,0,$' "$T/ws/month.csv" || fail "no zero-filled May 1987 row (with an empty share) in the monthly series"
[ "$(awk -F, '$2 == "oil" { s += $3 } END { print s + 0 }' "$T/ws/month.csv")" -gt 1000 ] ||
    fail "suspiciously few oil stories"
[ "$(wc -l <"$T/ws/emerging.csv")" -gt 30 ] || fail "suspiciously few emerging rows"
[ "$(wc -l <"$T/ws/day.csv")" -gt 400 ] || fail "suspiciously few days"

# Thread counts: identical bytes on the small-block store (and the same as on the big-block one).
for args in "--topics $T/topics.txt --by topics --bucket week" "--emerging --bucket week --top 0" \
    "--terms oil,grain --bursts --bucket day"; do
    # shellcheck disable=SC2086
    ws trends "$S" $args --threads 1 >"$T/t1.csv" 2>/dev/null || fail "trends $args --threads 1 failed"
    for n in 1 2 3; do
        # shellcheck disable=SC2086
        ws trends "$T/small" $args --threads $n >"$T/tn.csv" 2>/dev/null || fail "trends $args --threads $n failed"
        cmp -s "$T/t1.csv" "$T/tn.csv" || fail "trends $args: --threads $n differs from --threads 1"
    done
    note "trends $args: 1, 2, 3 threads identical ($(wc -l <"$T/t1.csv") lines)"
done
# Shards: the corpus split over three stores (with their tag columns in
# different orders) queried together gives the same bytes as the one store.
head -n 7000 "$R" >"$T/p1.jsonl"
sed -n '7001,15000p' "$R" >"$T/p2.jsonl"
tail -n +15001 "$R" >"$T/p3.jsonl"
expect_status 0 "ingest shard 1" -- ws ingest -q -o "$T/sh1" --tag topics --tag places "$T/p1.jsonl"
expect_status 0 "ingest shard 2" -- ws ingest -q -o "$T/sh2" --tag places --tag topics "$T/p2.jsonl"
expect_status 0 "ingest shard 3" -- ws ingest -q -o "$T/sh3" --tag places --tag topics "$T/p3.jsonl"
for args in "--topics $T/topics.txt --by places --bucket week" "--emerging --top 5 --stopwords en" \
    "--terms opec,crude --bursts --bucket day"; do
    # shellcheck disable=SC2086
    ws trends "$S" $args >"$T/one.csv" 2>/dev/null || fail "trends $args on the store failed"
    # shellcheck disable=SC2086
    ws trends "$T/sh3" "$T/sh1" "$T/sh2" $args --threads 3 >"$T/many.csv" 2>/dev/null ||
        fail "trends $args on three shards failed"
    cmp -s "$T/one.csv" "$T/many.csv" || fail "trends $args: three shards differ from one store"
    note "trends $args: three shards = one store ($(wc -l <"$T/many.csv") lines)"
done
note "ok"
