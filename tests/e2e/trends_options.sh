#!/usr/bin/env bash
# trends options on small hand-made corpora whose answers are worked out by
# hand (the comments say how): phrases (in order, within one sentence, not
# across title and body, stop words inside them), mentions counted once per
# position per topic, undated stories, week labels across a year end,
# month/quarter/year zero-fill, --by source, --field, --wide, --wide-share,
# --smooth, --stem; --bursts and --emerging on a constructed day series
# (weights and G2 from the formulas, in Python); usage errors and topics
# file errors naming the line.
. "$(dirname "$0")/lib.sh"

cat >"$T/a.jsonl" <<'EOF'
{"id":"s1","date":"2019-05-06T10:00:00Z","source":"Wire A","title":"Peace treaty signed","body":"The peace treaty was signed. Oil prices fell."}
{"id":"s2","date":"2019-05-12T23:59:00Z","source":"Wire B","title":"Peace","body":"Treaty talks continue. The peace. Treaty is near."}
{"id":"s3","date":"2019-05-13T00:00:00Z","source":"Wire A","title":"Talks","body":"Bank of England raised rates. The bank of england said oil and OIL."}
{"id":"s4","date":"2019-06-30T12:00:00Z","source":"Wire B","title":"Markets","body":"Oil price rose; oil price fell."}
{"id":"s5","source":"Wire A","title":"No date","body":"peace treaty oil"}
{"id":"s6","date":"2019-12-31T08:00:00Z","source":"Wire A","title":"Year end","body":"Year end. Peace Treaty."}
{"id":"s7","date":"2020-01-02T08:00:00Z","source":"Wire B","title":"New year","body":"A peace treaty again."}
EOF
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" "$T/a.jsonl"
S="$T/s"
TERMS='"peace treaty",oil,bank of england'

# row FILE LINE: fail unless FILE has exactly the line LINE.
row() { grep -qxF -- "$2" "$1" || { cat "$1" >&2; fail "$1: no line '$2'"; }; }
rows() { [ "$(($(wc -l <"$1") - 1))" = "$2" ] || fail "$1: $(($(wc -l <"$1") - 1)) rows, expected $2"; }

# Weeks: s1 (Mon 05-06) and s2 (Sun 05-12) share the week of 2019-05-06; s3
# (Mon 05-13, midnight) starts the next; s6 (Tue 2019-12-31) and s7 (Thu
# 2020-01-02) share the week of Monday 2019-12-30. 2019-05-06 .. 2019-12-30
# is 238 days: 35 weeks, 3 topics each. s5 is undated.
ws trends "$S" --terms "$TERMS" --bucket week >"$T/week.csv" 2>"$T/week.err" || fail "trends --bucket week failed"
grep -q "1 undated story left out" "$T/week.err" || fail "undated story not reported: $(cat "$T/week.err")"
rows "$T/week.csv" 105
row "$T/week.csv" "bucket,topic,docs,mentions,total,share"
# s1: the phrase in the title and in the body (2 mentions); s2: "Peace" ends
# the title, and "peace. Treaty" crosses a sentence end: no match.
row "$T/week.csv" "2019-05-06,peace treaty,1,2,2,0.5"
row "$T/week.csv" "2019-05-06,oil,1,1,2,0.5"
# s3: "bank of england" twice (the stop word 'of' inside, case folded), oil twice.
row "$T/week.csv" "2019-05-13,bank of england,1,2,1,1"
row "$T/week.csv" "2019-05-13,oil,1,2,1,1"
# A week without stories: share unknown, an empty cell (not 0).
row "$T/week.csv" "2019-05-20,oil,0,0,0,"
row "$T/week.csv" "2019-06-24,oil,1,2,1,1"
row "$T/week.csv" "2019-12-30,peace treaty,2,2,2,1"
[ "$(sed -n 2p "$T/week.csv" | cut -d, -f1)" = 2019-05-06 ] || fail "first week is not 2019-05-06"
[ "$(tail -n 1 "$T/week.csv" | cut -d, -f1)" = 2019-12-30 ] || fail "last week is not 2019-12-30"
note "weeks: labels, zero-fill, phrases and sentence boundaries ok"

# The same phrase rules hold under stop-word removal (matching uses the
# terms as --containing does).
ws trends "$S" --terms "$TERMS" --bucket week --stopwords en >"$T/weeksw.csv" 2>/dev/null || fail "--stopwords en failed"
cmp -s "$T/week.csv" "$T/weeksw.csv" || fail "--stopwords en changed the phrase counts"

# Quarters: Q2 = s1..s4 (4 stories, peace in s1), Q3 empty, Q4 = s6, 2020-Q1 = s7.
ws trends "$S" --terms "$TERMS" --bucket quarter >"$T/q.csv" 2>/dev/null || fail "--bucket quarter failed"
rows "$T/q.csv" 12
row "$T/q.csv" "2019-Q2,peace treaty,1,2,4,0.25"
row "$T/q.csv" "2019-Q3,peace treaty,0,0,0,"
row "$T/q.csv" "2019-Q4,peace treaty,1,1,1,1"
row "$T/q.csv" "2020-Q1,peace treaty,1,1,1,1"
ws trends "$S" --terms "$TERMS" --bucket year >"$T/y.csv" 2>/dev/null || fail "--bucket year failed"
rows "$T/y.csv" 6
row "$T/y.csv" "2019,peace treaty,2,3,5,0.4"
row "$T/y.csv" "2019,oil,3,5,5,0.6"
row "$T/y.csv" "2020,oil,0,0,1,0"
ws trends "$S" --terms "$TERMS" --bucket day >"$T/d.csv" 2>/dev/null || fail "--bucket day failed"
row "$T/d.csv" "2019-05-12,peace treaty,0,0,1,0"
row "$T/d.csv" "2020-01-01,oil,0,0,0,"
note "quarters, years, days ok"

# --field title: only s1's title holds the phrase.
ws trends "$S" --terms "$TERMS" --field title >"$T/title.csv" 2>/dev/null || fail "--field title failed"
row "$T/title.csv" "2019-05,peace treaty,1,1,3,0.3333333333"
# Mentions once per position: "oil" and "oil price" both start at the same
# tokens of s4 (2 positions); with --stem en "Oil prices" in s1 is an "oil
# price" too, still 1 position.
printf 'o: oil "oil price"\n' >"$T/o.txt"
ws trends "$S" --topics "$T/o.txt" >"$T/o.csv" 2>/dev/null || fail "--topics o.txt failed"
row "$T/o.csv" "2019-06,o,1,2,1,1"
row "$T/o.csv" "2019-05,o,2,3,3,0.6666666667"
ws trends "$S" --topics "$T/o.txt" --stem en >"$T/os.csv" 2>/dev/null || fail "--topics o.txt --stem en failed"
cmp -s "$T/o.csv" "$T/os.csv" || fail "--stem en changed mention counts: $(diff "$T/o.csv" "$T/os.csv")"
note "field, mentions per position ok"

# --by source: groups in bytewise order, every group in every bucket.
ws trends "$S" --terms "$TERMS" --by source >"$T/by.csv" 2>/dev/null || fail "--by source failed"
rows "$T/by.csv" 54 # 9 months x 2 sources x 3 topics
row "$T/by.csv" "bucket,source,topic,docs,mentions,total,share"
row "$T/by.csv" "2019-05,Wire A,peace treaty,1,2,2,0.5"
row "$T/by.csv" "2019-05,Wire B,peace treaty,0,0,1,0"
row "$T/by.csv" "2019-06,Wire A,oil,0,0,0,"
row "$T/by.csv" "2019-06,Wire B,oil,1,2,1,1"
[ "$(sed -n 2p "$T/by.csv" | cut -d, -f2)" = "Wire A" ] || fail "groups not in bytewise order"
note "--by source ok"

# Wide: May = s1, s2, s3.
ws trends "$S" --terms "$TERMS" --wide >"$T/w.csv" 2>/dev/null || fail "--wide failed"
row "$T/w.csv" "bucket,total,peace treaty,oil,bank of england"
row "$T/w.csv" "2019-05,3,1,2,1"
row "$T/w.csv" "2019-08,0,0,0,0"
rows "$T/w.csv" 9
# Smooth 2: share of oil is 2/3 in May, 1 in June: mean 0.8333333333; July
# has no story (its shares are empty), so its mean is June's alone; August
# and July both empty: unknown.
ws trends "$S" --terms "$TERMS" --wide-share --smooth 2 >"$T/ws.csv" 2>/dev/null || fail "--wide-share failed"
row "$T/ws.csv" "bucket,total,peace treaty,oil,bank of england,peace treaty_ma,oil_ma,bank of england_ma"
row "$T/ws.csv" "2019-05,3,0.3333333333,0.6666666667,0.3333333333,0.3333333333,0.6666666667,0.3333333333"
row "$T/ws.csv" "2019-06,1,0,1,0,0.1666666667,0.8333333333,0.1666666667"
row "$T/ws.csv" "2019-07,0,,,,0,1,0"
row "$T/ws.csv" "2019-08,0,,,,,,"
ws trends "$S" --terms oil --smooth 2 >"$T/sm.csv" 2>/dev/null || fail "--smooth failed"
row "$T/sm.csv" "bucket,topic,docs,mentions,total,share,share_ma"
row "$T/sm.csv" "2019-06,oil,1,2,1,1,0.8333333333"
note "wide, wide-share, smooth ok"

# ---- bursts and emerging on a constructed day series ----
# 30 days from 2020-01-01, 20 stories a day; every story holds the filler
# words; "flood" is in 1 story a day, and in 12 on days 10-14
# (2020-01-11 .. 2020-01-15).
python3 - "$T/b.jsonl" <<'PY' || fail "corpus generation failed"
import sys
with open(sys.argv[1], 'w') as f:
    for day in range(30):
        for k in range(20):
            hot = 12 if 10 <= day <= 14 else 1
            body = 'alpha beta gamma. ' + ('flood waters rise. ' if k < hot else 'calm day. ')
            f.write('{"id":"b%d-%d","date":"2020-01-%02dT09:00:00Z","title":"news %d","body":"%s"}\n'
                    % (day, k, day + 1, k, body))
PY
expect_status 0 "ingest of the burst corpus" -- ws ingest -q -o "$T/b" "$T/b.jsonl"
ws trends "$T/b" --terms flood,alpha --bursts --bucket day >"$T/bursts.csv" 2>"$T/bursts.err" ||
    { cat "$T/bursts.err" >&2; fail "--bursts failed"; }
python3 - "$T/bursts.csv" <<'PY' || fail "bursts differ from the expected interval and weight"
import math, sys
rows = open(sys.argv[1]).read().splitlines()
assert rows[0] == 'topic,start,end,weight', rows[0]
assert len(rows) == 2, rows  # alpha is in every story: no burst
t, s, e, w = rows[1].split(',')
assert (t, s, e) == ('flood', '2020-01-11', '2020-01-15'), rows[1]
r = [12 if 10 <= d <= 14 else 1 for d in range(30)]
p0 = sum(r) / 600.0
p1 = 2 * p0
cost = lambda x, p: -(x * math.log(p) + (20 - x) * math.log(1 - p))
want = sum(cost(r[d], p0) - cost(r[d], p1) for d in range(10, 15))
assert abs(float(w) - want) < 1e-6 * want, (w, want)
PY
note "bursts: flood 2020-01-11..2020-01-15, weight as computed"

ws trends "$T/b" --emerging --bucket day --baseline 4 --min-count 5 >"$T/em.csv" 2>/dev/null || fail "--emerging failed"
python3 - "$T/b.jsonl" "$T/em.csv" <<'PY' || fail "emerging rows differ from the expectation"
import collections, json, math, re, sys
# The reference: per day, stories holding each term (ASCII corpus: lower-cased
# [a-z0-9] runs), the 4 days before as baseline, over-represented terms with
# at least 5 stories, G2 of the 2x2 table of stories, top 10 by score then term.
df, n = collections.defaultdict(collections.Counter), collections.Counter()
for line in open(sys.argv[1]):
    o = json.loads(line)
    day = int(o['date'][8:10]) - 1
    n[day] += 1
    df[day].update(set(re.findall('[a-z0-9]+', (o['title'] + ' ' + o['body']).lower())))
def g2(a, c, b, d):
    N, k = c + d, a + b
    xlx = lambda o, e: o * math.log(o / e) if o > 0 else 0.0
    e11 = c * k / N
    e21 = d * k / N
    return 2 * (xlx(a, e11) + xlx(c - a, c - e11) + xlx(b, e21) + xlx(d - b, d - e21))
want = ['bucket,term,count,baseline,score']
for day in range(1, 30):
    win = range(max(0, day - 4), day)
    d = sum(n[j] for j in win)
    rows = []
    for t, a in df[day].items():
        base = sum(df[j][t] for j in win)
        if a >= 5 and a * d > base * n[day]:
            rows.append((-g2(a, n[day], base, d), t, a, base))
    for sc, t, a, base in sorted(rows)[:10]:
        want.append('2020-01-%02d,%s,%d,%d,%s' % (day + 1, t, a, base, '%.10g' % -sc))
rows = open(sys.argv[2]).read().splitlines()
assert rows == want, '\n'.join(rows) + '\n---\n' + '\n'.join(want)
# The planted rise leads its first day: flood, rise, waters tie (same stories), by term.
first = [r.split(',')[1] for r in rows if r.startswith('2020-01-11,')]
assert first[:3] == ['flood', 'rise', 'waters'], first
assert not any(r.startswith('2020-01-10,') for r in rows), 'nothing emerges on a quiet day'
PY
note "emerging: flood/rise/waters on the burst days with the expected baseline and G2"

# ---- errors ----
printf 'oil: oil\n\nnot a topic line\n' >"$T/bad.txt"
expect_status 2 "bad topics file" -- ws trends "$S" --topics "$T/bad.txt"
grep -q "bad.txt:3:" "$T/last.err" || fail "topics error does not name line 3: $(cat "$T/last.err")"
expect_status 2 "--bucket source" -- ws trends "$S" --terms oil --bucket source
expect_status 2 "--by month" -- ws trends "$S" --terms oil --by month
expect_status 2 "--terms with --emerging" -- ws trends "$S" --terms oil --emerging
expect_status 2 "no topics" -- ws trends "$S"
expect_status 2 "--terms and --topics" -- ws trends "$S" --terms oil --topics "$T/o.txt"
expect_status 2 "--terms with an empty item" -- ws trends "$S" --terms "oil,,gold"
expect_status 8 "missing topics file" -- ws trends "$S" --topics "$T/nosuch.txt"
grep -q "nosuch.txt" "$T/last.err" || fail "missing topics file not named: $(cat "$T/last.err")"
expect_status 0 "a term absent from the store" -- ws trends "$S" --terms zyzzyva
grep -q "zyzzyva" "$T/last.err" || fail "no note about the absent term"
[ "$(awk -F, 'NR > 1 { s += $3 } END { print s + 0 }' "$T/last.out")" = 0 ] || fail "absent term has docs"
note "errors ok"

# ---- the zero-filled series is capped ----
# Two stories dated 0001-01-01 and 9999-12-31: 3,652,059 days, 521,723
# weeks, 39,996 quarters (Python's calendar counts them below). Day and
# week series are refused (over 100,000 buckets, exit 7) with a message
# that says why and what to do; quarter and year series are written in
# full; --from/--to bring the day series within the cap.
printf '%s\n' '{"id":"a","date":"0001-01-01","title":"oil","body":"oil"}' \
    '{"id":"b","date":"9999-12-31","title":"gas","body":"oil gas"}' >"$T/far.jsonl"
expect_status 0 "ingest far dates" -- ws ingest -q -o "$T/far" "$T/far.jsonl"
read -r days weeks quarters < <(python3 -c '
import datetime as d
a, b = d.date(1, 1, 1), d.date(9999, 12, 31)
wa, wb = a - d.timedelta(a.weekday()), b - d.timedelta(b.weekday())
print((b - a).days + 1, (wb - wa).days // 7 + 1, (9999 - 1) * 4 + 4)')
for kind in day week; do
    want=$([ "$kind" = day ] && echo "$days" || echo "$weeks")
    expect_status 7 "--bucket $kind over 1 to 9999" -- ws trends "$T/far" --terms oil --bucket "$kind"
    grep -q "$want $kind buckets" "$T/last.err" || fail "the message does not count $want buckets: $(cat "$T/last.err")"
    grep -q -- "--from/--to" "$T/last.err" && grep -q -- "coarser --bucket" "$T/last.err" ||
        fail "the message does not say what to do: $(cat "$T/last.err")"
    [ ! -s "$T/last.out" ] || fail "--bucket $kind wrote rows"
done
expect_status 7 "--bursts over 1 to 9999 days" -- ws trends "$T/far" --terms oil --bucket day --bursts
expect_status 0 "--bucket quarter over 1 to 9999" -- ws trends "$T/far" --terms oil --bucket quarter
rows "$T/last.out" "$quarters"
row "$T/last.out" "0001-Q1,oil,1,2,1,1"
row "$T/last.out" "9999-Q4,oil,1,1,1,1"
expect_status 0 "--bucket day within --from/--to" -- \
    ws trends "$T/far" --terms oil --bucket day --from 9999-12-01 --to 9999-12-31
rows "$T/last.out" 1
row "$T/last.out" "9999-12-31,oil,1,1,1,1"
note "bucket cap ok"
note "ok"
