#!/usr/bin/env bash
# Every bundled stop-word list (data/stopwords/CODE.txt): selectable by its
# code and by its English name, and it drops its own words. For each list a
# story is written here from two words of the list (read from the data
# file, case folded in Python) and one word that is in no list; tf with
# --stopwords CODE must keep only that word, and tf without it must show
# all three. Also: words with combining marks (Tamil vowel signs, Yiddish
# points) and Serbian Cyrillic are dropped whole; an unknown code is
# refused, naming every bundled list.
. "$(dirname "$0")/lib.sh"

D="$WS_SRC/data/stopwords"
# per list: CODE NAME WORD1 WORD2 (two single-token words: letters only, no
# marks, so that the tokenizer keeps each whole), one line each
python3 - "$D" >"$T/lists" <<'PY' || fail "reading the lists failed"
import os, re, sys, unicodedata
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    if not f.endswith(".txt"):
        continue
    code = f[:-4]
    name = None
    words = []
    for line in open(os.path.join(d, f), encoding="utf-8"):
        m = re.search(r"`--stopwords %s` or `(\w+)`" % code, line)
        if m:
            name = m.group(1)
        w = line.split("#")[0].strip()
        if w and w.isalpha() and (len(w) >= 2 or code in ("zh", "ja")) and all(unicodedata.category(c).startswith("L") for c in w):
            words.append(unicodedata.normalize("NFKC", w).casefold())
    if code in ("zh", "ja"):  # kept whole only by ICU's dictionaries; segmentation.sh checks these
        words = [w for w in words if len(w) == 1]
    words = sorted(set(words), key=lambda w: (-len(w), w))
    assert name and len(words) >= 2, f
    print(code, name, words[0], words[len(words) // 2])
PY
n=$(wc -l <"$T/lists")
[ "$n" -ge 25 ] || fail "only $n bundled lists"
KEEP=zqxkeepword
i=0
while read -r code name w1 w2; do
    printf '{"id":"%s","date":"2024-01-01","body":"%s %s %s"}\n' "$code" "$w1" "$w2" "$KEEP" >"$T/$code.jsonl"
    ws ingest -q -o "$T/st_$code" "$T/$code.jsonl" 2>"$T/err" || fail "ingest ($code): $(cat "$T/err")"
    ws tf "$T/st_$code" --top 0 >"$T/all.csv" || fail "tf ($code) failed"
    for w in "$w1" "$w2" "$KEEP"; do
        grep -q "^$w,1,1\$" "$T/all.csv" || fail "$code: '$w' is not one token ($(tr '\n' ' ' <"$T/all.csv"))"
    done
    for sel in "$code" "$name"; do
        ws tf "$T/st_$code" --top 0 --stopwords "$sel" >"$T/stop.csv" 2>"$T/err" ||
            fail "tf --stopwords $sel: $(cat "$T/err")"
        printf 'term,tf,df\n%s,1,1\n' "$KEEP" | cmp -s - "$T/stop.csv" ||
            fail "--stopwords $sel on '$w1 $w2 $KEEP': $(tr '\n' ' ' <"$T/stop.csv")"
    done
    i=$((i + 1))
done <"$T/lists"
note "$i bundled lists: each drops two of its words, by code and by name"

for bad in xx klingon porter; do
    expect_status 8 "--stopwords $bad" -- ws tf "$T/st_en" --stopwords "$bad"
    while read -r code name _; do
        grep -q "$code/$name" "$T/last.err" || fail "--stopwords $bad: the error does not name $code/$name: $(cat "$T/last.err")"
    done <"$T/lists"
done
note "--stopwords xx, klingon, porter: refused, naming all $i lists"
# every language of the stemmers has a list
for lang in serbian tamil yiddish; do grep -q " $lang " "$T/lists" || fail "no bundled list for $lang"; done

# words with marks and other scripts, which the check above leaves out: a
# story of stop words and one kept word per language (the kept word's
# absence from the list is checked in Python first)
while IFS='|' read -r code text keep; do
    python3 - "$D/$code.txt" "$keep" <<'PY' || fail "$code: '$keep' is in the list"
import sys, unicodedata
words = {unicodedata.normalize("NFKC", l.split("#")[0].strip()).casefold() for l in open(sys.argv[1], encoding="utf-8")}
sys.exit(1 if sys.argv[2] in words else 0)
PY
    printf '{"id":"m","date":"2024-01-01","body":"%s %s"}\n' "$text" "$keep" >"$T/m_$code.jsonl"
    ws ingest -q -o "$T/m_$code" "$T/m_$code.jsonl" 2>"$T/err" || fail "ingest m_$code: $(cat "$T/err")"
    ws tf "$T/m_$code" --top 0 >"$T/m_all.csv" || fail "tf m_$code failed"
    [ "$(wc -l <"$T/m_all.csv")" -gt 4 ] || fail "m_$code: too few tokens: $(tr '\n' ' ' <"$T/m_all.csv")"
    ws tf "$T/m_$code" --top 0 --stopwords "$code" >"$T/m.csv" || fail "tf m_$code --stopwords failed"
    printf 'term,tf,df\n%s,1,1\n' "$keep" | cmp -s - "$T/m.csv" ||
        fail "--stopwords $code on '$text $keep': $(tr '\n' ' ' <"$T/m.csv")"
done <<'EOF'
ta|அவர்கள் ஒரு வேண்டும் மற்றும் என்று உள்ளது|வீடு
yi|דאָס איז אַ און פֿון װאָס דאס װי ווי|הויז
sr|Ово је и његов Šta je to između|кућа
EOF
note "Tamil with vowel signs, pointed and unpointed Yiddish with ligatures, Serbian in both scripts: dropped whole"

# a file works as before
printf '# mine\n%s\n' "$KEEP" >"$T/mine.txt"
ws tf "$T/st_en" --top 0 --stopwords "$T/mine.txt" >"$T/f.csv" || fail "--stopwords FILE failed"
grep -q "^$KEEP," "$T/f.csv" && fail "--stopwords FILE kept $KEEP"
note "--stopwords FILE still reads a file"
