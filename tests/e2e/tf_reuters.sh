#!/usr/bin/env bash
# tf on Reuters-21578 against an independent Python computation, byte for byte.
#
# The reference (below) follows DESIGN.md's token rule, written from the
# rule and not from the C code: NFKC (unicodedata) of title and of body,
# tokens are maximal runs of code points of category L*, M* or Nd, each
# Han/Hiragana/Katakana letter (L* or Nl) a token of its own with the marks
# after it, tokens over 255 bytes cut at a code point boundary; terms are
# NFC(casefold(token)). tf counts occurrences, df stories; rows are ordered
# by tf descending, then term bytewise.
#
# Checked: tf --top 0 on the whole corpus and on a date range; --by month
# (all rows), --by day/week/quarter/year/topics (top N per group, labels,
# undated and untagged groups); --field title; --where/--containing;
# --tfidf with --min-df; --source; 1, 2, 3 and 7 threads giving the same
# bytes for tf --by month and for keyness; and the corpus split into three
# stores queried together giving the same bytes as the one store.
. "$(dirname "$0")/lib.sh"

R="$T/r.jsonl"
S="$T/store"
reuters_jsonl "$R"
expect_status 0 "ingest of Reuters" -- ws ingest -q -o "$S" --tag topics --tag places "$R"
# The same corpus in small blocks (about 140), for the thread-count checks.
expect_status 0 "ingest of Reuters in small blocks" -- \
    ws ingest -q -o "$T/small" --block-tokens 20000 --tag topics --tag places "$R"

# Each query: a name and wirescan tf arguments; the reference knows the same names.
QUERIES=(
    "all|--top 0"
    "range|--top 0 --from 1987-03-01 --to 1987-03-31"
    "month|--top 0 --by month"
    "day|--top 3 --by day"
    "week|--top 5 --by week"
    "quarter|--top 7 --by quarter"
    "year|--by year"
    "topics|--top 4 --by topics"
    "title|--top 0 --field title"
    "where|--top 0 --where topics=grain --where topics=wheat --where places=usa --containing EXPORT"
    "tfidf|--top 300 --tfidf --min-df 3 --from 1987-04-01"
    "source|--top 10 --source nosuchsource"
)

mkdir -p "$T/ws" "$T/ref"
for q in "${QUERIES[@]}"; do
    name=${q%%|*}
    # shellcheck disable=SC2086
    ws tf "$S" --threads 2 ${q#*|} >"$T/ws/$name.csv" 2>"$T/ws/$name.err" ||
        { cat "$T/ws/$name.err" >&2; fail "tf $name (${q#*|}) failed"; }
done

PYTHONPATH="$WS_SRC/tests/tools" python3 - "$R" "$T/ref" <<'PY' || fail "the Python reference failed"
import collections, datetime, heapq, json, math, re, sys, unicodedata
from ws_ref_tokens import TOKEN, fold, terms  # tests/tools: the tokenizer rules in Python
def day_of(s):
    try:
        d = datetime.datetime.strptime(s, '%Y-%m-%dT%H:%M:%SZ')
    except (TypeError, ValueError):
        return None
    return d.date()

stories = []
with open(sys.argv[1], encoding='utf-8') as f:
    for line in f:
        o = json.loads(line)
        ti, bo = terms(o.get('title') or ''), terms(o.get('body') or '')
        stories.append({'title': ti, 'all': ti + bo, 'settitle': list(set(ti)), 'setall': list(set(ti + bo)),
                        'day': day_of(o.get('date')),
                        'topics': o.get('topics') or [], 'places': o.get('places') or []})

def rank(counts, top=0, n=None):
    # by tf, or with n (--tfidf, n stories) by tf * ln(n / df); then term
    key = lambda kv: (-(kv[1][0] * math.log(n / kv[1][1]) if n else kv[1][0]), kv[0].encode('utf-8'))
    return heapq.nsmallest(top, counts.items(), key=key) if top else sorted(counts.items(), key=key)

def count(sel, field='all'):
    tf, df = collections.Counter(), collections.Counter()
    for s in sel:
        tf.update(s[field])
        df.update(s['set' + field])
    return {t: (n, df[t]) for t, n in tf.items()}

def table(sel, top=100, field='all', tfidf=False, min_df=0):
    sel = list(sel)
    rows = rank({t: v for t, v in count(sel, field).items() if v[1] >= min_df}, top, len(sel) if tfidf else None)
    out = ['term,tf,df,tfidf' if tfidf else 'term,tf,df']
    for t, (tf, df) in rows:
        out.append('%s,%d,%d' % (t, tf, df) + (',%s' % ('%.10g' % (tf * math.log(len(sel) / df))) if tfidf else ''))
    return '\n'.join(out) + '\n'

def grouped(col, keyf, top, order):
    groups = collections.defaultdict(list)
    for s in stories:
        for g in keyf(s):
            groups[g].append(s)
    out = [col + ',term,tf,df']
    for g in sorted(groups, key=order):
        for t, (tf, df) in rank(count(groups[g]), top):
            out.append('%s,%s,%d,%d' % (g, t, tf, df))
    return '\n'.join(out) + '\n'

def time_key(fmt):
    return lambda s: [fmt(s['day']) if s['day'] else 'undated']
UNDATED_LAST = lambda g: (g == 'undated', g)
def monday(d):
    return (d - datetime.timedelta(days=d.weekday())).isoformat()
def topics_of(s):
    vals = list(dict.fromkeys(s['topics']))
    return vals or ['']

lo, hi = datetime.date(1987, 3, 1), datetime.date(1987, 3, 31)
ref = {
    'all': table(stories, 0),
    'range': table((s for s in stories if s['day'] and lo <= s['day'] <= hi), 0),
    'month': grouped('month', time_key(lambda d: d.strftime('%Y-%m')), 0, UNDATED_LAST),
    'day': grouped('day', time_key(lambda d: d.isoformat()), 3, UNDATED_LAST),
    'week': grouped('week', time_key(monday), 5, UNDATED_LAST),
    'quarter': grouped('quarter', time_key(lambda d: '%04d-Q%d' % (d.year, (d.month - 1) // 3 + 1)), 7, UNDATED_LAST),
    'year': grouped('year', time_key(lambda d: '%04d' % d.year), 100, UNDATED_LAST),
    'topics': grouped('topics', topics_of, 4, lambda g: (g == '', g.encode('utf-8'))),
    'title': table(stories, 0, field='title'),
    'where': table((s for s in stories if set(s['topics']) & {'grain', 'wheat'} and 'usa' in s['places']
                    and 'export' in s['all']), 0),
    'tfidf': table((s for s in stories if s['day'] and s['day'] >= datetime.date(1987, 4, 1)), 300, tfidf=True,
                   min_df=3),
    'source': 'term,tf,df\n',
}
for name, text in ref.items():
    with open('%s/%s.csv' % (sys.argv[2], name), 'w', encoding='utf-8', newline='') as f:
        f.write(text)
PY

for q in "${QUERIES[@]}"; do
    name=${q%%|*}
    if ! cmp -s "$T/ref/$name.csv" "$T/ws/$name.csv"; then
        diff "$T/ref/$name.csv" "$T/ws/$name.csv" | head -n 20 >&2
        fail "tf ${q#*|}: output differs from the Python reference ($(wc -l <"$T/ref/$name.csv") reference lines)"
    fi
    note "tf ${q#*|}: $(($(wc -l <"$T/ws/$name.csv") - 1)) rows identical"
done
[ "$(wc -l <"$T/ws/all.csv")" -gt 30000 ] || fail "suspiciously few terms in tf --top 0"
[ "$(wc -l <"$T/ws/where.csv")" -gt 100 ] || fail "suspiciously few terms for the --where/--containing query"

# Thread counts: identical bytes, on the small-block store (and the same as on the big-block one).
for args in "tf --top 0 --by month --stem en --stopwords en" "tf --top 0 --tfidf --containing oil" \
    "keyness --target-from 1987-04-01 --top 0 --both"; do
    # shellcheck disable=SC2086
    ws $args "$S" --threads 1 >"$T/t1.csv" || fail "$args --threads 1 failed"
    for n in 1 2 3 7; do
        # shellcheck disable=SC2086
        ws $args "$T/small" --threads $n >"$T/tn.csv" || fail "$args --threads $n failed"
        cmp -s "$T/t1.csv" "$T/tn.csv" || fail "$args: --threads $n differs from --threads 1"
    done
    note "$args: 1, 2, 3, 7 threads identical ($(wc -l <"$T/t1.csv") lines)"
done
# Shards: the corpus split over three stores (with their tag columns in
# different orders) queried together gives the same bytes as the one store.
head -n 7000 "$R" >"$T/p1.jsonl"
sed -n '7001,15000p' "$R" >"$T/p2.jsonl"
tail -n +15001 "$R" >"$T/p3.jsonl"
expect_status 0 "ingest shard 1" -- ws ingest -q -o "$T/sh1" --tag topics --tag places "$T/p1.jsonl"
expect_status 0 "ingest shard 2" -- ws ingest -q -o "$T/sh2" --tag places --tag topics "$T/p2.jsonl"
expect_status 0 "ingest shard 3" -- ws ingest -q -o "$T/sh3" --tag people --tag topics --tag places "$T/p3.jsonl"
for args in "tf --top 0 --stem en" "tf --top 5 --by topics --where topics=grain --where topics=crude" \
    "tf --by places --top 3 --containing oil" "keyness --target-where topics=crude --top 0 --both"; do
    # shellcheck disable=SC2086
    ws $args "$S" >"$T/one.csv" || fail "$args on the store failed"
    # shellcheck disable=SC2086
    ws $args "$T/sh3" "$T/sh1" "$T/sh2" --threads 3 >"$T/many.csv" || fail "$args on three shards failed"
    cmp -s "$T/one.csv" "$T/many.csv" || fail "$args: three shards differ from one store"
    note "$args: three shards = one store ($(wc -l <"$T/many.csv") lines)"
done

# Tag values follow the query's case folding: places are stored lowercase
# ("usa"), and --where places=USA selects the same stories; under --case it
# selects none, and says so.
ws tf "$S" --top 0 --where places=usa >"$T/usa.csv" || fail "--where places=usa failed"
ws tf "$S" --top 0 --where places=USA >"$T/USA.csv" 2>"$T/USA.err" || fail "--where places=USA failed"
[ "$(wc -l <"$T/usa.csv")" -gt 1000 ] || fail "suspiciously few terms for --where places=usa"
cmp -s "$T/usa.csv" "$T/USA.csv" || fail "--where places=USA differs from places=usa"
ws tf "$S" --top 0 --where places=USA --case >"$T/USAc.csv" 2>"$T/USAc.err" || fail "--where places=USA --case failed"
[ "$(cat "$T/USAc.csv")" = "term,tf,df" ] || fail "--case: places=USA should match nothing"
grep -q "no story matches the filters" "$T/USAc.err" || fail "--case: no note for an empty selection"
note "--where places=USA = places=usa; --case: nothing, with a note"
note "ok"
