#!/usr/bin/env bash
# trends --emerging and --bursts find what `wirescan generate` plants.
#
# A synthetic archive (60k stories, 2015-2020) with its truth CSV
# (topic,kind,terms,start,end,base_rate,peak_rate). Checked, for every
# planted topic of kind burst and rise: one of its terms is among the top
# 10 emerging terms (--emerging) of a bucket that overlaps its planted
# interval: months for bursts (2-5 weeks long), years for rises (1.5-3
# years of slow growth, which no single month shows against the one before);
# no term of a declining topic ever emerges (only over-represented terms
# are listed); --bursts over a topics file made from the truth gives, for
# each burst topic, a burst interval (weeks) overlapping the planted one;
# 1 and 2 threads give the same bytes.
. "$(dirname "$0")/lib.sh"

expect_status 0 "generate" -- ws generate --stories 60k --seed 11 --truth "$T/truth.csv" -o "$T/g.jsonl"
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" "$T/g.jsonl"
S="$T/s"

ws trends "$S" --emerging --bucket month --top 10 >"$T/em_month.csv" 2>"$T/err" ||
    { cat "$T/err" >&2; fail "--emerging --bucket month failed"; }
ws trends "$S" --emerging --bucket year --top 10 >"$T/em_year.csv" 2>"$T/err" ||
    { cat "$T/err" >&2; fail "--emerging --bucket year failed"; }
# A topics file from the truth: one topic per planted topic, its terms.
awk -F, 'NR > 1 { print $1 ": " $3 }' "$T/truth.csv" >"$T/topics.txt"
ws trends "$S" --topics "$T/topics.txt" --bursts --bucket week >"$T/bursts.csv" 2>"$T/err" ||
    { cat "$T/err" >&2; fail "--bursts failed"; }

python3 - "$T/truth.csv" "$T/em_month.csv" "$T/em_year.csv" "$T/bursts.csv" <<'PY' || fail "planted topics not found"
import csv, datetime, sys

def day(s):
    return datetime.date.fromisoformat(s)

def month_span(label):
    y, m = map(int, label.split('-'))
    start = datetime.date(y, m, 1)
    end = (datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1))
    return start, end

def year_span(label):
    return datetime.date(int(label), 1, 1), datetime.date(int(label), 12, 31)

def rows(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))

truth = rows(sys.argv[1])
em = {'month': rows(sys.argv[2]), 'year': rows(sys.argv[3])}
bursts = rows(sys.argv[4])
assert len(em['month']) > 50 and len(em['year']) > 10, 'too few emerging rows'
for r in em['month'] + em['year']:
    assert int(r['count']) >= 5, r
problems = []
for t in truth:
    terms = set(t['terms'].split())
    lo, hi = day(t['start']), day(t['end'])
    if t['kind'] in ('burst', 'rise'):
        unit, span = ('month', month_span) if t['kind'] == 'burst' else ('year', year_span)
        hits = [r for r in em[unit] if r['term'] in terms and span(r['bucket'])[0] <= hi and span(r['bucket'])[1] >= lo]
        if not hits:
            problems.append('%s (%s %s..%s): none of %s among the top emerging terms of a %s inside it'
                            % (t['topic'], t['kind'], lo, hi, sorted(terms), unit))
        else:
            print('%s: %s in %s (score %s)' % (t['topic'], hits[0]['term'], hits[0]['bucket'], hits[0]['score']))
    if t['kind'] == 'decline':
        bad = [r for r in em['month'] + em['year'] if r['term'] in terms and r['bucket'] >= t['start'][:4]]
        if bad:
            problems.append('%s declines but emerges: %s' % (t['topic'], bad[0]))
    if t['kind'] == 'burst':
        week = lambda s: day(s)
        hits = [b for b in bursts if b['topic'] == t['topic'] and day(b['start']) <= hi
                and day(b['end']) + datetime.timedelta(days=6) >= lo]
        if not hits:
            problems.append('%s: no Kleinberg burst overlaps %s..%s: %s'
                            % (t['topic'], lo, hi, [b for b in bursts if b['topic'] == t['topic']]))
        else:
            print('%s: burst %s..%s weight %s' % (t['topic'], hits[0]['start'], hits[0]['end'], hits[0]['weight']))
if problems:
    print('\n'.join(problems), file=sys.stderr)
    sys.exit(1)
PY

for args in "--emerging --bucket week --top 0" "--topics $T/topics.txt --bursts --bucket day"; do
    # shellcheck disable=SC2086
    ws trends "$S" $args --threads 1 >"$T/t1.csv" 2>/dev/null || fail "trends $args --threads 1 failed"
    # shellcheck disable=SC2086
    ws trends "$S" $args --threads 2 >"$T/t2.csv" 2>/dev/null || fail "trends $args --threads 2 failed"
    cmp -s "$T/t1.csv" "$T/t2.csv" || fail "trends $args: --threads 2 differs from --threads 1"
    note "trends $args: 1 and 2 threads identical ($(wc -l <"$T/t1.csv") lines)"
done
note "ok"
