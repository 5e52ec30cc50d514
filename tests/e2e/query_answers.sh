#!/usr/bin/env bash
# Nothing lost, nothing wrong (issue 14): queries that used to give a silent
# wrong or empty answer with exit 0, and usage errors buried under the help.
#   - --where compares tag values under the query's case folding
#     (place=Moscow finds MOSCOW, Moscow, moscow; ß folds to ss; --case is
#     exact), in every command and in keyness's --target-where; --by keeps
#     the labels as stored. Expected story sets from Python's casefold.
#   - --from after --to (and --target-/--ref-) is a usage error naming both.
#   - filters that select no story: the header alone, exit 0, and a note.
#   - tf --tfidf ranks by tfidf (Python reference over the corpus).
#   - every subcommand: an unknown option or a bad value gives the error and
#     "Try 'wirescan CMD --help'." on stderr, nothing else, exit 2.
#   - size options (cooc --mem): signs, spaces and garbage refused.
. "$(dirname "$0")/lib.sh"

# Each story's body is its own marker word, so `tf --top 0` lists exactly
# the stories a filter selects.
python3 - "$T/a.jsonl" <<'PY' || fail "corpus generation failed"
import json, sys
stories = [
    ('alpha', '2020-01-10', 'MOSCOW', 'Wire A'), ('bravo', '2020-02-11', 'Moscow', 'Wire A'),
    ('charlie', '2020-03-12', 'moscow', 'Wire B'), ('delta', '2020-04-13', 'PARIS', 'Wire B'),
    ('echo', '2020-05-14', 'STRASSE', 'Wire A'), ('foxtrot', '2020-06-15', 'straße', 'Wire A'),
    ('golf', '2020-07-16', 'ÖSTERREICH', 'Wire B'), ('hotel', '2020-08-17', 'österreich', 'Wire B'),
    ('india', '2020-09-18', 'Moskva', 'Wire A'),
]
with open(sys.argv[1], 'w', encoding='utf-8') as f:
    for w, d, place, src in stories:
        f.write(json.dumps({'id': w, 'date': d + 'T12:00:00Z', 'source': src, 'title': 'news',
                            'body': '%s %s oil' % (w, w), 'place': [place]}, ensure_ascii=False) + '\n')
PY
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" --tag place "$T/a.jsonl"
S="$T/s"

# markers FILE: the marker words (not "news", "oil") in a tf CSV, sorted.
markers() { awk -F, 'NR > 1 && $1 != "news" && $1 != "oil" { print $1 }' "$1" | LC_ALL=C sort | paste -sd' '; }
# want VALUE [case]: the stories whose place matches VALUE, from Python's
# full case folding with NFKC (or exactly, with "case").
want() {
    python3 - "$T/a.jsonl" "$1" "${2:-}" <<'PY'
import json, sys, unicodedata
f = lambda s: unicodedata.normalize('NFKC', s).casefold()
v, exact = sys.argv[2], sys.argv[3] == 'case'
out = []
for line in open(sys.argv[1], encoding='utf-8'):
    o = json.loads(line)
    if any((p == v) if exact else (f(p) == f(v)) for p in o['place']):
        out.append(o['id'])
print(' '.join(sorted(out)))
PY
}

for v in Moscow MOSCOW moscow mOsCoW Strasse STRASSE straße Österreich ÖSTERREICH Paris Moskva; do
    expect_status 0 "tf --where place=$v" -- ws tf "$S" --where "place=$v" --top 0
    got=$(markers "$T/last.out")
    w=$(want "$v")
    [ -n "$w" ] || fail "the reference finds no story for place=$v"
    [ "$got" = "$w" ] || fail "--where place=$v selects [$got], expected [$w]"
    expect_status 0 "tf --where place=$v --case" -- ws tf "$S" --where "place=$v" --case --top 0
    got=$(markers "$T/last.out")
    w=$(want "$v" case)
    [ "$got" = "$w" ] || fail "--where place=$v --case selects [$got], expected [$w]"
done
# by hand, to be sure the reference is right: three Moscows, two Strasses
[ "$(want Moscow)" = "alpha bravo charlie" ] && [ "$(want strasse)" = "echo foxtrot" ] ||
    fail "the case-folding reference is wrong"
note "--where folds case like the words (and --case keeps it exact)"

# The other commands filter the same way: stories counted by each.
expect_status 0 "trends --where" -- ws trends "$S" --terms oil --bucket year --where place=moscow
grep -qx '2020,oil,3,3,3,1' "$T/last.out" || fail "trends --where place=moscow: $(cat "$T/last.out")"
expect_status 0 "cooc --where" -- ws cooc "$S" -q --doc --term oil --where place=MOSCOW --top 0
[ "$(grep -c ',3$' "$T/last.out")" = 1 ] && grep -qx 'news,3,3' "$T/last.out" ||
    fail "cooc --where place=MOSCOW: $(cat "$T/last.out")"
expect_status 0 "ngrams --where" -- ws ngrams "$S" --where place=Moscow --top 0
grep -qx 'alpha alpha,1,1' "$T/last.out" && grep -qx 'charlie oil,1,1' "$T/last.out" ||
    fail "ngrams --where place=Moscow: $(cat "$T/last.out")"
expect_status 0 "keyness --target-where" -- ws keyness "$S" --target-where place=moscow --top 0
for m in alpha bravo charlie; do
    grep -q "^$m,2,0," "$T/last.out" || fail "keyness target lacks $m: $(cat "$T/last.out")"
done
# --by keeps the stored labels: MOSCOW, Moscow and moscow are three groups.
expect_status 0 "tf --by place" -- ws tf "$S" --by place --where place=moscow --top 1
[ "$(cut -d, -f1 "$T/last.out" | tail -n +2 | paste -sd' ')" = "MOSCOW Moscow moscow" ] ||
    fail "--by place labels are not as stored: $(cat "$T/last.out")"
note "trends, cooc, ngrams, keyness filter alike; --by labels as stored"

# ---- impossible date ranges: usage errors naming both dates ----
for set in "" target- ref-; do
    extra=()
    [ -n "$set" ] && extra=(--target-from 2020-01) # keyness needs a target
    cmd=tf
    [ -n "$set" ] && cmd=keyness
    expect_status 2 "--${set}from after --${set}to" -- \
        ws "$cmd" "$S" "${extra[@]}" "--${set}from" 2020-05 "--${set}to" 2020-03
    grep -q -- "--${set}from 2020-05" "$T/last.err" && grep -q -- "--${set}to 2020-03" "$T/last.err" ||
        fail "the message does not name both dates: $(cat "$T/last.err")"
    [ ! -s "$T/last.out" ] || fail "--${set}from after --${set}to wrote output"
done
for c in trends cooc ngrams; do
    a=()
    [ "$c" = trends ] && a=(--terms oil)
    expect_status 2 "$c --from after --to" -- ws "$c" "$S" "${a[@]}" --from 2020-06-02 --to 2020-06-01
done
# one month, and a day range ending on the day it starts, are fine
expect_status 0 "--from = --to, a month" -- ws tf "$S" --from 2020-03 --to 2020-03 --top 0
[ "$(markers "$T/last.out")" = charlie ] || fail "--from 2020-03 --to 2020-03: $(cat "$T/last.out")"
note "a --from after its --to is refused (plain, --target-, --ref-)"

# ---- filters that select nothing: header only, exit 0, a note ----
for c in tf cooc ngrams trends; do
    a=()
    case $c in
    trends) a=(--terms oil) ;;
    cooc) a=(-q --term oil) ;;
    esac
    expect_status 0 "$c with filters matching nothing" -- ws "$c" "$S" "${a[@]}" --where place=Atlantis
    grep -q "wirescan $c: note: no story matches the filters" "$T/last.err" ||
        fail "$c: no note for an empty selection: $(cat "$T/last.err")"
    [ "$(wc -l <"$T/last.out")" = 1 ] || fail "$c: more than the header for an empty selection: $(cat "$T/last.out")"
    expect_status 0 "$c with filters matching" -- ws "$c" "$S" "${a[@]}" --where place=Paris
    ! grep -q "no story matches" "$T/last.err" || fail "$c: the note for a selection that is not empty"
done
# keyness keeps its own rule: an empty target cannot be compared (exit 2)
expect_status 2 "keyness with filters matching nothing" -- ws keyness "$S" --target-from 2020-03 --where place=Atlantis
grep -q "target subcorpus has no tokens" "$T/last.err" || fail "keyness: $(cat "$T/last.err")"
expect_status 0 "a range outside the corpus" -- ws tf "$S" --from 1990 --to 1990
grep -q "no story matches the filters" "$T/last.err" || fail "no note for a range outside the corpus"
[ "$(cat "$T/last.out")" = "term,tf,df" ] || fail "not the header alone: $(cat "$T/last.out")"
expect_status 0 "no filter" -- ws tf "$S"
[ ! -s "$T/last.err" ] || fail "a note without filters: $(cat "$T/last.err")"
note "empty selections: header, exit 0, a note on stderr"

# ---- tf --tfidf ranks by tfidf ----
# A corpus where tf and tfidf disagree: "common" is in every story (idf 0),
# "rare" in one story many times.
python3 - "$T/t.jsonl" <<'PY' || fail "corpus generation failed"
import json, sys
docs = ['common common common x', 'common common rare rare rare rare', 'common y y', 'common z mid',
        'common mid mid', 'common x y z']
with open(sys.argv[1], 'w') as f:
    for i, d in enumerate(docs):
        f.write(json.dumps({'id': str(i), 'date': '2021-0%d-01' % (1 + i % 2), 'title': '', 'body': d}) + '\n')
PY
expect_status 0 "ingest t" -- ws ingest -q -o "$T/ts" "$T/t.jsonl"
for args in "--top 0" "--top 3" "--top 0 --by month"; do
    # shellcheck disable=SC2086
    expect_status 0 "tf --tfidf $args" -- ws tf "$T/ts" --tfidf $args
    cp "$T/last.out" "$T/tfidf.csv"
    python3 - "$T/t.jsonl" "$T/tfidf.csv" $args <<'PY' || fail "tf --tfidf $args: not ranked by tfidf"
import collections, json, math, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
args = sys.argv[3:]
top = int(args[args.index('--top') + 1])
by = '--by' in args
groups = collections.defaultdict(list)
for d in docs:
    groups[d['date'][:7] if by else ''].append(d['body'].split())
out = ['month,term,tf,df,tfidf' if by else 'term,tf,df,tfidf']
for g in sorted(groups):
    ds = groups[g]
    tf, df = collections.Counter(), collections.Counter()
    for d in ds:
        tf.update(d)
        df.update(set(d))
    rows = sorted(((tf[t] * math.log(len(ds) / df[t]), t) for t in tf), key=lambda r: (-r[0], r[1].encode()))
    rows = rows[:top] if top else rows
    out += [('%s,' % g if by else '') + '%s,%d,%d,%s' % (t, tf[t], df[t], '%.10g' % v) for v, t in rows]
got = open(sys.argv[2]).read().splitlines()
assert got == out, '\n'.join(got) + '\n--- expected\n' + '\n'.join(out)
# and the order differs from tf's: "common" (tf 12) is last, not first
if not by and top == 0:
    assert got[1].startswith('rare,') and got[-1].startswith('common,'), got
PY
done
ws tf --help | grep "rank by it: tfidf descending" >/dev/null || fail "tf --help does not say --tfidf ranks by tfidf"
note "tf --tfidf: rows by tfidf descending, then term (also per group)"

# ---- usage errors: the error, then one line pointing at --help ----
# check_usage CMD ARGS...: exit 2, stderr is at most 2 lines (getopt's or
# our message, then the hint), the last one "Try 'wirescan CMD --help'.",
# and no help text.
check_usage() {
    local cmd=$1
    shift
    expect_status 2 "wirescan $cmd $*" -- ws "$cmd" "$@"
    local n
    n=$(wc -l <"$T/last.err")
    [ "$n" -ge 2 ] && [ "$n" -le 3 ] || fail "wirescan $cmd $*: $n lines on stderr: $(cat "$T/last.err")"
    [ "$(tail -n 1 "$T/last.err")" = "Try 'wirescan $cmd --help'." ] ||
        fail "wirescan $cmd $*: no --help hint: $(cat "$T/last.err")"
    ! grep -qi "usage:" "$T/last.err" || fail "wirescan $cmd $*: the help is printed"
    [ ! -s "$T/last.out" ] || fail "wirescan $cmd $*: wrote to stdout"
}
for c in ingest info verify export tf keyness cooc ngrams trends generate; do
    a=("$S")
    case $c in
    ingest) a=(-o "$T/new" "$T/a.jsonl") ;;
    generate) a=(--stories 5 -o "$T/g.jsonl") ;;
    trends) a=("$S" --terms oil) ;;
    keyness) a=("$S" --target-from 2020-03) ;;
    esac
    check_usage "$c" "${a[@]}" --top3
    grep -q -- "--top3" "$T/last.err" || fail "$c: the error does not name --top3: $(cat "$T/last.err")"
    head -n 1 "$T/last.err" | grep -q "wirescan $c" || fail "$c: the error does not name the command: $(cat "$T/last.err")"
done
check_usage tf "$S" --top x
check_usage tf "$S" --top
check_usage tf "$S" --tfidf=yes
check_usage tf "$S" -Z
check_usage tf
check_usage keyness "$S" --target-from 2020-03 --min-count x
check_usage keyness "$S"
check_usage cooc "$S" --window 0
check_usage cooc "$S" --measure nope
check_usage ngrams "$S" --n 5
check_usage ngrams "$S" --phrases --n 3
check_usage trends "$S" --terms oil --bucket hour
check_usage trends "$S"
check_usage trends "$S" --terms oil --chart-y both
check_usage ingest -o "$T/new" --level 30 "$T/a.jsonl"
check_usage ingest -o "$T/new" --max-record -1 "$T/a.jsonl"
check_usage ingest "$T/a.jsonl"
check_usage info
check_usage info "$S" "$S"
check_usage verify --bogus "$S"
check_usage export "$S" --format xml
check_usage generate --stories x -o "$T/g.jsonl"
[ ! -e "$T/new" ] || fail "a failed ingest left a store"
note "usage errors: message + \"Try 'wirescan CMD --help'.\" for every subcommand"

# ---- sizes ----
for m in -5 -1G " 5" +5 5X 1.5G 0x10 "" 99999999999999G; do
    check_usage cooc "$S" --mem "$m"
    grep -q -- "--mem expects a size" "$T/last.err" || fail "--mem '$m': $(cat "$T/last.err")"
done
expect_status 0 "--mem 0 (no budget)" -- ws cooc "$S" -q --mem 0 --top 3
expect_status 0 "--mem 1G" -- ws cooc "$S" -q --mem 1G --top 3
expect_status 0 "--mem 4096MB" -- ws cooc "$S" -q --mem 4096MB --top 3
note "--mem refuses signs, spaces and garbage"
note "ok"
