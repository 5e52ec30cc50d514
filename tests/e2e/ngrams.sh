#!/usr/bin/env bash
# ngrams on small hand-written corpora: expected tables written by hand
# (where an n-gram must and must not appear: sentence starts, the title/body
# boundary, paragraph breaks, dropped stop words, "U.S." not ending a
# sentence), Chinese and Japanese character bigrams, every output also
# compared with the independent Python reference (tests/tools/ngrams_ref.py),
# NPMI checked against its definition, thread counts, option errors.
. "$(dirname "$0")/lib.sh"

REF="$WS_SRC/tests/tools/ngrams_ref.py"

# ---- English ----
printf '%s\n' \
    '{"id":"1","title":"Peace treaty signed","body":"The peace treaty was signed in Tokyo. Peace treaty talks ended. U.S. officials said the Bank of Japan agreed."}' \
    '{"id":"2","title":"Kuril Islands","body":"Talks on the Kuril Islands continue\n\nhopes fade for a peace treaty"}' \
    '{"id":"3","title":"","body":"Peace treaty? Peace treaty! The peace treaty."}' >"$T/en.jsonl"
expect_status 0 "ingest en" -- ws ingest -q --cjk chars -o "$T/en" "$T/en.jsonl"

check() { # NAME EXPECTED-FILE ARGS...: ngrams ARGS on the en store must print EXPECTED
    local name=$1 want=$2
    shift 2
    ws ngrams "$T/en" "$@" >"$T/$name.csv" 2>"$T/err" || { cat "$T/err" >&2; fail "ngrams $* failed"; }
    if ! cmp -s "$want" "$T/$name.csv"; then
        diff "$want" "$T/$name.csv" >&2
        fail "ngrams $*: not the expected table"
    fi
    note "ngrams $*: $(($(wc -l <"$T/$name.csv") - 1)) rows as expected"
}

# By hand. Sentences: "... in Tokyo. | Peace treaty talks ended. | U.S.
# officials said ..." ("U.S." is followed by a lowercase word: no break);
# story 2's paragraph break stops "continue hopes"; story 3 has three
# sentences. Not there: "signed the" and "islands talks" (title/body),
# "tokyo peace", "ended u", "treaty peace", "treaty the".
cat >"$T/all.want" <<'EOF'
ngram,count,df
peace treaty,7,3
kuril islands,2,1
the peace,2,2
a peace,1,1
bank of,1,1
fade for,1,1
for a,1,1
hopes fade,1,1
in tokyo,1,1
islands continue,1,1
japan agreed,1,1
of japan,1,1
officials said,1,1
on the,1,1
s officials,1,1
said the,1,1
signed in,1,1
talks ended,1,1
talks on,1,1
the bank,1,1
the kuril,1,1
treaty signed,1,1
treaty talks,1,1
treaty was,1,1
u s,1,1
was signed,1,1
EOF
check all "$T/all.want" --top 0

# Stop words break n-grams: "bank of japan" gives nothing, not "bank japan".
cat >"$T/stop.want" <<'EOF'
ngram,count,df
peace treaty,7,3
kuril islands,2,1
hopes fade,1,1
islands continue,1,1
japan agreed,1,1
officials said,1,1
talks ended,1,1
treaty signed,1,1
treaty talks,1,1
EOF
check stop "$T/stop.want" --top 0 --stopwords en

cat >"$T/tri.want" <<'EOF'
ngram,count,df
the peace treaty,2,2
a peace treaty,1,1
bank of japan,1,1
fade for a,1,1
for a peace,1,1
EOF
check tri "$T/tri.want" --n 3 --top 5

printf 'ngram,count,df\nkuril islands,1,1\npeace treaty,1,1\ntreaty signed,1,1\n' >"$T/title.want"
check title "$T/title.want" --field title --top 0
printf 'ngram,count,df\npeace treaty,7,3\nkuril islands,2,1\nthe peace,2,2\n' >"$T/min.want"
check min "$T/min.want" --min-count 2
printf 'ngram,count,df\npeace treaty,7,3\nkuril islands,2,1\n' >"$T/top.want"
check top "$T/top.want" --top 2

# --case keeps "Peace treaty" apart from "peace treaty".
ws ngrams "$T/en" --case --top 0 >"$T/case.csv" || fail "ngrams --case failed"
grep -q '^Peace treaty,4,2$' "$T/case.csv" || fail "--case: expected 'Peace treaty,4,2' (got: $(head -n 3 "$T/case.csv" | tr '\n' ' '))"
grep -q '^peace treaty,3,3$' "$T/case.csv" || fail "--case: expected 'peace treaty,3,3'"

# ---- Chinese and Japanese under --cjk chars: one token per character, bigrams within sentences ----
printf '%s\n' \
    '{"id":"c1","title":"北京新闻","body":"北京是中国的首都。东京是日本的首都。"}' \
    '{"id":"j1","title":"東京のニュース","body":"東京は日本の首都です。NHKのニュースをコンピューターで見る。"}' >"$T/cjk.jsonl"
expect_status 0 "ingest cjk" -- ws ingest -q --cjk chars -o "$T/cjk" "$T/cjk.jsonl"
ws ngrams "$T/cjk" --top 0 >"$T/cjk.csv" || fail "ngrams on the CJK store failed"
# By hand: 首都 twice in c1 and once in j1; ュー in ニュース (title and body)
# and in コンピューター; 日本 in both stories; 北京 in c1's title and body.
for row in "首 都,3,2" "ュ ー,3,1" "日 本,2,2" "北 京,2,1" "京 是,2,1" "的 首,2,1" "東 京,2,1" "の ニ,2,1" \
    "ニ ュ,2,1" "ー ス,2,1" "ス を,1,1" "nhk の,1,1" "タ ー,1,1" "で 見,1,1" "見 る,1,1" "中 国,1,1"; do
    grep -qx "$row" "$T/cjk.csv" || fail "CJK bigrams: '$row' missing (got $(tr '\n' ' ' <"$T/cjk.csv"))"
done
# Not across 。 (sentence), nor from the title into the body.
for gram in "都 东" "闻 北" "す nhk" "ス 東" "る"; do
    grep -q "^$gram," "$T/cjk.csv" && fail "CJK bigrams: '$gram' must not occur"
done
[ "$(($(wc -l <"$T/cjk.csv") - 1))" = 36 ] || fail "CJK bigrams: $(($(wc -l <"$T/cjk.csv") - 1)) rows, 36 by hand"
ws ngrams "$T/cjk" --n 3 --top 3 >"$T/cjk3.csv" || fail "ngrams --n 3 on the CJK store failed"
printf 'ngram,count,df\nの ニ ュ,2,1\nニ ュ ー,2,1\nュ ー ス,2,1\n' | cmp -s - "$T/cjk3.csv" ||
    fail "CJK trigrams: got $(tr '\n' ' ' <"$T/cjk3.csv")"
note "CJK: character bigrams and trigrams as counted by hand (36 bigrams)"

# ---- every output above against the Python reference ----
QUERIES=("all|--top 0" "stop|--top 0 --stopwords en" "tri|--n 3 --top 5" "title|--field title --top 0"
    "min|--min-count 2" "body|--field body --n 3 --top 0 --stopwords en" "ph|--phrases --min-count 1 --top 0"
    "ph2|--phrases --top 0 --min-count 2" "phb|--phrases --field body --min-count 1 --top 0")
mkdir -p "$T/ref" "$T/refc" "$T/ws"
python3 "$REF" "$T/en.jsonl" "$WS_SRC/data/stopwords" "$T/ref" "${QUERIES[@]}" || fail "the Python reference failed"
python3 "$REF" "$T/cjk.jsonl" "$WS_SRC/data/stopwords" "$T/refc" "all|--top 0" "tri|--n 3 --top 0" \
    "ph|--phrases --top 0 --min-count 1" || fail "the Python reference failed (CJK)"
for q in "${QUERIES[@]}"; do
    # shellcheck disable=SC2086
    ws ngrams "$T/en" ${q#*|} >"$T/ws/${q%%|*}.csv" || fail "ngrams ${q#*|} failed"
    cmp -s "$T/ref/${q%%|*}.csv" "$T/ws/${q%%|*}.csv" ||
        { diff "$T/ref/${q%%|*}.csv" "$T/ws/${q%%|*}.csv" >&2; fail "ngrams ${q#*|}: differs from the reference"; }
done
for q in "all|--top 0" "tri|--n 3 --top 0" "ph|--phrases --top 0 --min-count 1"; do
    # shellcheck disable=SC2086
    ws ngrams "$T/cjk" ${q#*|} >"$T/ws/c${q%%|*}.csv" || fail "ngrams ${q#*|} (CJK) failed"
    cmp -s "$T/refc/${q%%|*}.csv" "$T/ws/c${q%%|*}.csv" ||
        { diff "$T/refc/${q%%|*}.csv" "$T/ws/c${q%%|*}.csv" >&2; fail "ngrams ${q#*|} (CJK): differs from the reference"; }
done
note "English and CJK outputs identical to the Python reference"

# ---- NPMI from the printed bigram counts ----
# p(xy) = count/N, p(x) = (positions starting with x)/N, p(y) = (positions
# ending with y)/N, all from the table of every bigram.
python3 - "$T/ws/ph.csv" "$T/ws/all.csv" <<'PY' || fail "NPMI does not match its definition"
import collections, csv, math, sys
ph = list(csv.DictReader(open(sys.argv[1], encoding='utf-8')))
bi = list(csv.DictReader(open(sys.argv[2], encoding='utf-8')))
N = sum(int(r['count']) for r in bi)
assert N == 34, N  # 26 bigram types, 34 positions (by hand)
left, right = collections.Counter(), collections.Counter()
for r in bi:
    x, y = r['ngram'].split(' ')
    left[x] += int(r['count'])
    right[y] += int(r['count'])
assert len(ph) == len(bi)
for r in ph:
    x, y = r['phrase'].split(' ')
    p = int(r['count']) / N
    v = min(1.0, math.log2(p / (left[x] / N * right[y] / N)) / -math.log2(p))
    assert abs(float(r['npmi']) - v) <= 1e-9 * abs(v), (r, v)
    assert -1 <= float(r['npmi']) <= 1, r
    digits = r['npmi'].lstrip('-').replace('.', '').lstrip('0')
    assert len(digits) >= 6 or float(r['npmi']) == v, r  # at least 6 significant digits unless exact
# by hand: "peace" (7 times) is always followed by "treaty", and "treaty"
# (7 times) always follows "peace": log2((7/34) / (7/34)^2) / log2(34/7) = 1.
# (With p(x) = tf(x)/Ntok over the 44 tokens it was 1.326, above the bound.)
npmi = {r['phrase']: float(r['npmi']) for r in ph}
assert npmi['peace treaty'] == 1.0, npmi['peace treaty']
# "the peace" (2): "the" starts 4 positions ("the peace" twice, "the kuril",
# "the bank"), "peace" ends 3 ("the peace" twice, "a peace"):
# log2((2/34) / (4/34 * 3/34)) / log2(34/2) = log2(68/12) / log2(17)
assert abs(npmi['the peace'] - math.log2(68 / 12) / math.log2(17)) < 1e-9, npmi['the peace']
PY
note "npmi = log2(p(xy)/(p(x)p(y))) / -log2(p(xy)) over bigram positions, in [-1, 1]"

# ---- threads ----
for args in "--top 0" "--n 3 --top 0" "--phrases --min-count 1 --top 0"; do
    # shellcheck disable=SC2086
    ws ngrams "$T/en" "$T/cjk" --threads 1 $args >"$T/t1.csv" || fail "ngrams $args failed"
    for n in 2 3; do
        # shellcheck disable=SC2086
        ws ngrams "$T/en" "$T/cjk" --threads $n $args | cmp -s - "$T/t1.csv" || fail "ngrams $args: --threads $n differs"
    done
done
note "1, 2, 3 threads identical"

# ---- errors ----
expect_status 2 "--n 4" -- ws ngrams "$T/en" --n 4
expect_status 2 "--n 1" -- ws ngrams "$T/en" --n 1
expect_status 2 "--phrases --n 3" -- ws ngrams "$T/en" --phrases --n 3
expect_status 2 "no store" -- ws ngrams
expect_status 0 "--help" -- ws ngrams --help
grep -q -- "--phrases" "$T/last.out" || fail "--help does not mention --phrases"
note "ok"
