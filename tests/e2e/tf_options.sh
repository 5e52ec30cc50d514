#!/usr/bin/env bash
# tf and keyness options on hand-made stories, every expected value written
# out by hand (see the comments for the counting):
#   normalisation: default folding (full case folding: Straße = STRASSE),
#   --case, --min-length (code points, after folding), --no-numbers (any
#   script's digits), --stopwords en/ru/FILE, --stem en/ru;
#   filters: --from/--to, --source, --where (same tag OR, different tags AND),
#   --containing (after stemming; stop words still findable; several = all),
#   --field; --by week/quarter/day/source/TAG labels and the undated/untagged
#   groups; --tfidf; keyness G2, log ratio and chi2 against values computed
#   by hand, the default reference (everything else), --both, --min-count;
#   usage errors.
. "$(dirname "$0")/lib.sh"

S="$T/store"
# s1: Sunday 2019-05-12, source A, topics [pets]
# s2: Monday 2019-05-13, source B, topics [pets, news]
# s3: undated, source A, no topics
# s4: Monday 2019-07-01, source C, no topics, Russian
cat >"$T/stories.jsonl" <<'EOF'
{"id": "s1", "date": "2019-05-12T10:00:00Z", "source": "A", "topics": ["pets"], "title": "Cats Running", "body": "The cats ran and the dog runs."}
{"id": "s2", "date": "2019-05-13T23:59:59Z", "source": "B", "topics": ["pets", "news"], "title": "Connections", "body": "Connected dogs, 42 cats and ١٢٣ ponies in Straße 3d."}
{"id": "s3", "source": "A", "title": "STRASSE of the OIL", "body": "Oil and oil."}
{"id": "s4", "date": "2019-07-01T00:00:00Z", "source": "C", "title": "", "body": "Кошками и кошки в доме."}
EOF
expect_status 0 "ingest" -- ws ingest -q -o "$S" --tag topics "$T/stories.jsonl"

# check NAME EXPECTED ARGS...: `wirescan tf STORE ARGS` must print EXPECTED exactly.
check() {
    local name=$1 want=$2
    shift 2
    printf '%s\n' "$want" >"$T/want"
    ws tf "$S" "$@" >"$T/got" 2>"$T/err" || { cat "$T/err" >&2; fail "$name: tf $* failed"; }
    if ! cmp -s "$T/want" "$T/got"; then
        diff "$T/want" "$T/got" >&2
        fail "$name: tf $* differs from the expected output"
    fi
    note "$name ok"
}
# has NAME LINE...: the last output holds each LINE.
has() {
    local name=$1 l
    shift
    for l in "$@"; do grep -qxF -- "$l" "$T/got" || { cat "$T/got" >&2; fail "$name: no line '$l'"; }; done
}
# lacks NAME PATTERN: no line of the last output starts with PATTERN.
lacks() { ! grep -q "^$2" "$T/got" || { cat "$T/got" >&2; fail "$1: unexpected line '$2...'"; }; }

# Folded terms: s1 cats cats running the the ran and dog runs; s2 connections
# connected dogs 42 cats and ١٢٣ ponies in strasse 3d; s3 strasse of the oil
# oil oil and; s4 кошками и кошки в доме. Ties by bytes: digits < Latin <
# Cyrillic < Arabic-Indic.
check "default" "term,tf,df
and,3,3
cats,3,2
oil,3,1
the,3,2
strasse,2,2
3d,1,1
42,1,1
connected,1,1
connections,1,1
dog,1,1
dogs,1,1
in,1,1
of,1,1
ponies,1,1
ran,1,1
running,1,1
runs,1,1
в,1,1
доме,1,1
и,1,1
кошками,1,1
кошки,1,1
١٢٣,1,1" --top 0

check "top" "term,tf,df
and,3,3
cats,3,2" --top 2

check "case" "term,tf,df
and,3,3
cats,2,2
the,2,2
3d,1,1
42,1,1
Cats,1,1
Connected,1,1
Connections,1,1
OIL,1,1
Oil,1,1
Running,1,1
STRASSE,1,1
Straße,1,1
The,1,1
dog,1,1
dogs,1,1
in,1,1
of,1,1
oil,1,1
ponies,1,1
ran,1,1
runs,1,1
Кошками,1,1
в,1,1
доме,1,1
и,1,1
кошки,1,1
١٢٣,1,1" --top 0 --case

# --min-length 3 drops 2-character terms (42 3d in of и в); ١٢٣ has 3 code points.
check "min-length" "term,tf,df
and,3,3
cats,3,2
oil,3,1
the,3,2
strasse,2,2
connected,1,1
connections,1,1
dog,1,1
dogs,1,1
ponies,1,1
ran,1,1
running,1,1
runs,1,1
доме,1,1
кошками,1,1
кошки,1,1
١٢٣,1,1" --top 0 --min-length 3

# s1 only: source A or B, topic nosuch or pets, dated up to 2019-05-12 (s3 is undated), containing dog.
check "no-numbers (s1)" "term,tf,df
cats,2,1
the,2,1
and,1,1
dog,1,1
ran,1,1
running,1,1
runs,1,1" --top 0 --no-numbers --source A --source B --where topics=nosuch --where topics=pets --to 2019-05-12 --containing DOG
check "no-numbers (s2)" "term,tf,df
3d,1,1
and,1,1
cats,1,1
connected,1,1
connections,1,1
dogs,1,1
in,1,1
ponies,1,1
strasse,1,1" --top 0 --no-numbers --source B

check "stopwords en" "term,tf,df
cats,3,2
oil,3,1
strasse,2,2
3d,1,1
42,1,1
connected,1,1
connections,1,1
dog,1,1
dogs,1,1
ponies,1,1
ran,1,1
running,1,1
runs,1,1
١٢٣,1,1" --top 0 --stopwords en --source A --source B

check "stopwords ru + stem ru" "term,tf,df
кошк,2,1
дом,1,1" --stopwords ru --stem ru --source C

printf '# my list\n  Oil  \n\nCATS # and a comment\n' >"$T/stop.txt"
check "stopwords FILE + en" "term,tf,df
strasse,2,2
3d,1,1" --top 2 --stopwords "$T/stop.txt" --stopwords english

# Snowball English: cats -> cat, running/runs -> run, connected/connections ->
# connect, dogs -> dog, ponies -> poni; ran stays.
ws tf "$S" --top 0 --stem en >"$T/got" || fail "tf --stem en failed"
has "stem en" "cat,3,2" "run,2,1" "connect,2,1" "dog,2,2" "poni,1,1" "ran,1,1" "and,3,3" "oil,3,1"
lacks "stem en" "cats,"
lacks "stem en" "running,"
note "stem en ok"

# --containing: normalised like the dictionary (folded, stemmed); several = all.
check "containing + stem" "term,tf,df
cat,3,2
and,2,2" --top 2 --stem en --containing Cat
check "containing a stop word" "term,tf,df
oil,3,1
cats,2,1" --top 2 --stopwords en --containing THE
check "containing two words" "term,tf,df
oil,3,1" --top 1 --containing oil --containing and
check "containing an unknown word" "term,tf,df" --containing zebra
# A phrase: consecutive tokens (s1 only: "The cats"); title then body, so
# s3's "... the OIL" + "Oil and" holds "oil oil". A pattern: s2 alone has conn*.
check "containing a phrase" "term,tf,df
cats,2,1
the,2,1" --top 2 --containing "the cats"
check "containing a phrase across title and body" "term,tf,df
oil,3,1" --top 1 --containing "OIL  oil"
check "containing a pattern" "term,tf,df
3d,1,1
42,1,1" --top 2 --containing "conn*"
check "containing a pattern and a word" "term,tf,df" --containing "conn*" --containing oil
check "field title" "term,tf,df
cats,1,1
connections,1,1
of,1,1
oil,1,1
running,1,1
strasse,1,1
the,1,1" --field title --top 0

# Dates: --to a day means through its end; undated stories fail any range.
check "from/to" "term,tf,df
3d,1,1" --from 2019-05-13 --to 2019-05-13 --top 1
check "from (s2 s4)" "term,tf,df
3d,1,1
42,1,1
and,1,1
cats,1,1" --from 2019-05-13 --top 4

# Periods: a year or a quarter means all of it, like a month or a day.
check "from quarter" "term,tf,df
в,1,1" --from 2019-Q3 --top 1
check "to quarter" "term,tf,df
cats,3,2" --to 2019-Q2 --top 1
check "year" "term,tf,df
cats,3,2
and,2,2" --from 2019 --to 2019 --top 2 --min-df 2
check "no story in 2020" "term,tf,df" --from 2020
expect_status 2 "a bad date" -- ws tf "$S" --from 2019-Q5

# Grouping. Weeks start on Monday: s1 (Sunday 05-12) is in the week of 05-06.
check "by week" "week,term,tf,df
2019-05-06,cats,2,1
2019-05-13,3d,1,1
2019-07-01,в,1,1
undated,oil,3,1" --by week --top 1
check "by quarter" "quarter,term,tf,df
2019-Q2,cats,3,2
2019-Q3,в,1,1
undated,oil,3,1" --by quarter --top 1
check "by day" "day,term,tf,df
2019-05-12,cats,2,1
2019-05-13,3d,1,1
2019-07-01,в,1,1
undated,oil,3,1" --by day --top 1
check "by source" "source,term,tf,df
A,oil,3,1
A,the,3,2
B,3d,1,1
B,42,1,1
C,в,1,1
C,доме,1,1" --by source --top 2
check "by tag" "topics,term,tf,df
news,3d,1,1
pets,cats,3,2
,oil,3,1" --by topics --top 1
# --tfidf ranks by tfidf, then term. news (s2 alone): every tfidf is 0, so
# the first terms bytewise; pets (s1, s2): the = 2 ln 2, then the terms in
# one story once (ln 2) bytewise (3d, 42, ...); cats and and (in both) 0.
check "by tag, tfidf" "topics,term,tf,df,tfidf
news,3d,1,1,0
news,42,1,1,0
news,and,1,1,0
pets,the,2,1,1.386294361
pets,3d,1,1,0.6931471806
pets,42,1,1,0.6931471806" --by topics --tfidf --top 3 --where topics=pets --where topics=news
# tfidf = tf ln(N/df) over 4 stories: oil (s3 only) 3 ln 4 = 4.158883083;
# cats and the 3 ln(4/2) = 2.079441542 (cats first, bytewise); and (tf 3,
# the most with cats, oil and the) only 3 ln(4/3) = 0.8630462174.
check "tfidf" "term,tf,df,tfidf
oil,3,1,4.158883083
cats,3,2,2.079441542
the,3,2,2.079441542" --tfidf --top 3

# Usage errors: exit status 2 and a message.
expect_status 2 "--containing with nine words" -- ws tf "$S" --containing "a b c d e f g h i"
grep "more than 8 tokens" "$T/last.err" >/dev/null || fail "no clear message for a phrase of nine words"
expect_status 2 "--containing a bad pattern" -- ws tf "$S" --containing "u.s*"
grep "is not one word" "$T/last.err" >/dev/null || fail "no clear message for --containing 'u.s*'"
expect_status 2 "--where on a tag the store lacks" -- ws tf "$S" --where places=usa
grep -q "no tag 'places'" "$T/last.err" || fail "no clear message for an unknown tag"
expect_status 2 "--where without =" -- ws tf "$S" --where topics
expect_status 2 "unknown stemmer" -- ws tf "$S" --stem klingon
grep -q "no Snowball stemmer for 'klingon'" "$T/last.err" || fail "no clear message for an unknown stemmer"
expect_status 8 "unknown stop-word list" -- ws tf "$S" --stopwords klingon
expect_status 8 "--by an unknown tag" -- ws tf "$S" --by places
expect_status 2 "keyness without a target" -- ws keyness "$S"

# ---- keyness, on its own tiny corpus ----
K="$T/kstore"
cat >"$T/k.jsonl" <<'EOF'
{"id": "k1", "source": "T", "title": "", "body": "apple apple banana"}
{"id": "k2", "source": "R", "title": "", "body": "banana cherry cherry cherry"}
{"id": "k3", "source": "X", "title": "", "body": "zebra"}
EOF
expect_status 0 "ingest keyness corpus" -- ws ingest -q -o "$K" "$T/k.jsonl"
# Target T: c = 3 tokens; reference R: d = 4. N = 7. G2 is Dunning's
# log-likelihood of the whole 2x2 table (a, b / c-a, d-b), 2 sum O ln(O/E)
# with E from the margins (docs/stats.md; the same G2 as trends --emerging):
#   apple  a=2 b=0: O = 2 0 / 1 4, E = 6/7 8/7 / 15/7 20/7;
#                   g2 = 2 (2 ln(7/3) + 1 ln(7/15) + 4 ln(7/5)) = 4.55668923
#                   log ratio = log2((2.5/3)/(0.5/4)) = log2(20/3) = 2.736965594
#                   chi2 = 7 (2*4 - 0)^2 / (2*5*3*4) = 448/120 = 3.733333333
#   banana a=1 b=1: O = 1 1 / 2 3, E = 6/7 8/7 / 15/7 20/7;
#                   g2 = 2 (ln(7/6) + ln(7/8) + 2 ln(14/15) + 3 ln(21/20)) = 0.05800807347
#                   log ratio = log2((1.5/3)/(1.5/4)) = log2(4/3) = 0.4150374993
#                   chi2 = 7 (1*3 - 1*2)^2 / (2*5*3*4) = 7/120 = 0.05833333333
#   cherry a=0 b=3: O = 0 3 / 3 1, E = 9/7 12/7 / 12/7 16/7 (under-represented);
#                   g2 = 2 (3 ln(7/4) + 3 ln(7/4) + ln(7/16)) = 5.062032309
#                   log ratio = log2((0.5/3)/(3.5/4)) = log2(4/21) = -2.392317423
#                   chi2 = 7 (0 - 3*3)^2 / (3*4*3*4) = 567/144 = 3.9375
kcheck() {
    local name=$1 want=$2
    shift 2
    printf '%s\n' "$want" >"$T/want"
    ws keyness "$K" "$@" >"$T/got" 2>"$T/err" || { cat "$T/err" >&2; fail "$name: keyness $* failed"; }
    if ! cmp -s "$T/want" "$T/got"; then
        diff "$T/want" "$T/got" >&2
        fail "$name: keyness $* differs from the expected output"
    fi
    note "$name ok"
}
kcheck "keyness" "term,target,reference,g2,log_ratio,chi2
apple,2,0,4.55668923,2.736965594,3.733333333
banana,1,1,0.05800807347,0.4150374993,0.05833333333" --target-source T --ref-source R
kcheck "keyness --both" "term,target,reference,g2,log_ratio,chi2
cherry,0,3,5.062032309,-2.392317423,3.9375
apple,2,0,4.55668923,2.736965594,3.733333333
banana,1,1,0.05800807347,0.4150374993,0.05833333333" --target-source T --ref-source R --both --threads 3
kcheck "keyness --min-count" "term,target,reference,g2,log_ratio,chi2
cherry,0,3,5.062032309,-2.392317423,3.9375" --target-source T --ref-source R --both --min-count 3
# Default reference: everything else (R and X: d = 5, zebra appears there).
ws keyness "$K" --target-source T --both --top 0 >"$T/got" || fail "keyness with the default reference failed"
has "keyness rest" "term,target,reference,g2,log_ratio,chi2"
grep -q "^zebra,0,1," "$T/got" || { cat "$T/got" >&2; fail "keyness rest: zebra is not in the reference"; }
grep -q "^apple,2,0," "$T/got" || fail "keyness rest: no apple row"
[ "$(wc -l <"$T/got")" = 5 ] || fail "keyness rest: expected 4 terms"
expect_status 2 "keyness with an empty reference" -- ws keyness "$K" --target-source T --ref-source nosuch
grep -q "reference subcorpus has no tokens" "$T/last.err" || fail "no clear message for an empty reference"
note "ok"
