#!/usr/bin/env bash
# Word segmentation (store format 1.4) against an independent reference:
# Chinese, Japanese, Thai and mixed-script text written here is ingested,
# and tf's terms and counts must equal the words ICU's word break iterator
# finds when run from Python (tests/e2e/seg_ref.py, PyICU: Debian
# python3-icu, the same ICU), over whole texts rather than run by run as
# the engine does. Also: --cjk chars keeps one token per Han or kana
# character; info names the rule; ZWNJ stays inside a word; an append
# keeps the store's rule and refuses a contradicting --cjk.
. "$(dirname "$0")/lib.sh"

PY=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import icu' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || skip "PyICU (Debian python3-icu) is not installed"
[ "$("$PY" -c 'import icu; print(icu.ICU_VERSION.split(".")[0])')" = \
  "$(pkg-config --modversion icu-uc 2>/dev/null | cut -d. -f1)" ] ||
    note "PyICU's ICU differs from the engine's build (pkg-config); comparing anyway"

# Composed for this test (news-like sentences; no apostrophes or decimal
# points, whose rules differ from the engine's for Latin text).
cat >"$T/s.jsonl" <<'JSON'
{"id":"zh1","title":"中国经济保持稳定增长","body":"中国经济在去年保持了稳定增长，国内生产总值达到新的水平。专家认为，科技创新和绿色发展是未来的重点。北京和上海的企业正在加快数字化转型。"}
{"id":"zh2","title":"城市交通建设","body":"今天上午，市政府召开新闻发布会，介绍了城市交通建设的最新进展。地铁新线路预计明年年底开通，将方便数百万市民出行。2024年，Apple公司在中国发布了新产品。"}
{"id":"ja1","title":"東京都が防災計画を発表","body":"東京都は新しい防災計画を発表しました。地震や台風に備えて、住民への情報提供を強化する方針です。"}
{"id":"ja2","title":"日本の経済","body":"日本の経済は緩やかに回復しています。コンビニエンスストアやスーパーマーケットの売り上げが増えました。ﾃﾚﾋﾞのニュースで見ました。"}
{"id":"th1","title":"การท่องเที่ยว","body":"รัฐบาลประกาศนโยบายใหม่เพื่อส่งเสริมการท่องเที่ยว ประชาชนจำนวนมากเดินทางไปเชียงใหม่ในช่วงวันหยุด"}
{"id":"th2","title":"สภาพอากาศ","body":"นักวิทยาศาสตร์กำลังศึกษาการเปลี่ยนแปลงของสภาพอากาศ และผลกระทบต่อการเกษตรในประเทศไทย"}
{"id":"mix","title":"mixed scripts","body":"The report said 中国经济 grew while ภาษาไทย and 日本語 appear in one sentence."}
JSON

"$PY" "$E2E_DIR/seg_ref.py" "$T/s.jsonl" "$T/ref.csv" || fail "the PyICU reference failed"
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" "$T/s.jsonl"
ws tf "$T/s" --top 0 >"$T/tf.csv" || fail "tf failed"
# tf sorts by count; sort both by term (code point order) to compare
sorted() { { head -n 1 "$1"; tail -n +2 "$1" | LC_ALL=C sort; } }
sorted "$T/ref.csv" >"$T/ref.sorted"
sorted "$T/tf.csv" >"$T/tf.sorted"
[ "$(wc -l <"$T/ref.sorted")" -gt 100 ] || fail "the reference found few words: the test would be weak"
cmp -s "$T/ref.sorted" "$T/tf.sorted" || { diff "$T/ref.sorted" "$T/tf.sorted" >&2; fail "tf terms differ from PyICU's words"; }
note "tf: $(($(wc -l <"$T/tf.csv") - 1)) terms and counts identical to PyICU's word boundaries"
for w in 经济 发展 東京 コンビニエンスストア テレビ ประเทศไทย apple 2024; do
    grep -q "^$w," "$T/tf.csv" || fail "expected the word '$w' among tf's terms"
done
grep -q '^经,' "$T/tf.csv" && fail "a lone 经: Chinese was split per character"

# Joining (by hand: 中国经济 is written in zh1's title and body and in mix):
# n-grams of words of these scripts print without a space, and a query
# string is segmented as at ingest, so 中国经济 is the phrase 中国 经济
ws ngrams "$T/s" --top 0 >"$T/ng.csv" || fail "ngrams failed"
grep -qx '中国经济,3,2' "$T/ng.csv" || fail "ngrams: no '中国经济,3,2' ($(head -n 4 "$T/ng.csv" | tr '\n' ' '))"
grep -q '^中国 经济,' "$T/ng.csv" && fail "ngrams: '中国 经济' joined with a space"
grep -q '^the report,' "$T/ng.csv" || fail "ngrams: Latin words lost their space"
ws kwic "$T/s" --term 中国经济 --window 2 >"$T/kw.csv" || fail "kwic --term 中国经济 failed"
[ "$(tail -n +2 "$T/kw.csv" | wc -l)" = 3 ] || fail "kwic --term 中国经济: $(cat "$T/kw.csv")"
expect_status 0 "cooc --term 经济 (one word)" -- ws cooc "$T/s" --term 经济 --top 3
ws tf "$T/s" --top 0 --containing 中国经济 >"$T/tfc.csv" || fail "tf --containing 中国经济 failed"
grep -qx '中国,3,2' "$T/tfc.csv" || fail "--containing 中国经济: $(head -n 3 "$T/tfc.csv" | tr '\n' ' ')"
note "ngrams join 中国经济 without a space; --term and --containing take it as a phrase"

# bundled stop words for Chinese and Japanese: the function words go, the
# rest of the counts stay as they were
grep -q '^的,' "$T/tf.csv" && grep -q '^の,' "$T/tf.csv" || fail "the sample lost 的 or の: the stop-word check would be weak"
ws tf "$T/s" --top 0 --stopwords zh --stopwords ja >"$T/tfs.csv" || fail "tf --stopwords zh --stopwords ja failed"
for w in 的 了 和 の は を です ます; do grep -q "^$w," "$T/tfs.csv" && fail "--stopwords zh/ja kept '$w'"; done
grep -qx "$(grep '^经济,' "$T/tf.csv")" "$T/tfs.csv" || fail "--stopwords zh changed 经济's counts"
expect_status 8 "--stopwords xx" -- ws tf "$T/s" --stopwords xx
grep -q 'zh/chinese' "$T/last.err" && grep -q 'ja/japanese' "$T/last.err" || fail "--stopwords xx: $(cat "$T/last.err")"
note "--stopwords zh, ja drop function words; an unknown code names the bundled lists"

ws info "$T/s" >"$T/info" || fail "info failed"
grep -qx 'segmentation: icu (ICU [0-9]*)' "$T/info" || fail "info: no icu segmentation line ($(grep seg "$T/info"))"
grep -qx 'segmentation icu-[0-9]*' "$T/s/MANIFEST" || fail "MANIFEST: no segmentation line"

# --cjk chars: today's one-character rule, recorded as such
expect_status 0 "ingest --cjk chars" -- ws ingest -q --cjk chars -o "$T/c" "$T/s.jsonl"
ws tf "$T/c" --top 0 >"$T/c.csv" || fail "tf (chars) failed"
grep -q '^经,' "$T/c.csv" || fail "--cjk chars: 经 is not a token"
grep -q '^经济,' "$T/c.csv" && fail "--cjk chars: 经济 is a token"
grep -q '^ประเทศไทย,' "$T/c.csv" && fail "--cjk chars: a Thai run was segmented"
ws ngrams "$T/c" --top 0 | grep '^中 国,' >/dev/null || fail "--cjk chars: character bigrams lost their space"
ws info "$T/c" | grep -x 'segmentation: chars' >/dev/null || fail "info (chars): no 'segmentation: chars'"
# a store without the line (made before 1.4) says so
if python3 -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("xxhash") else 1)'; then
    python3 "$WS_SRC/tests/tools/ws_store_edit.py" manifest "$T/c" '^segmentation .*\n=>' || fail "ws_store_edit.py failed"
    grep -q '^segmentation' "$T/c/MANIFEST" && fail "the edit left the segmentation line"
    ws info "$T/c" | grep -x 'segmentation: chars (made before word segmentation)' >/dev/null ||
        fail "info: an old store does not say it was made before word segmentation"
    ws tf "$T/c" --top 0 | cmp -s - "$T/c.csv" || fail "the old-style store counts differently"
    note "a MANIFEST without the segmentation line opens as chars (made before word segmentation)"
else
    note "libxxhash not found by ctypes: the old-store check is left out"
fi

# appends keep the store's rule; a contradicting --cjk is refused
expect_status 2 "append --cjk chars to an icu store" -- ws ingest -q --cjk chars -o "$T/s" "$T/s.jsonl"
grep -q "cjk" "$T/last.err" || fail "the refusal does not name --cjk: $(cat "$T/last.err")"
expect_status 0 "append" -- ws ingest -q -o "$T/s" "$T/s.jsonl"
grep -qx 'segmentation icu-[0-9]*' "$T/s/MANIFEST" || fail "MANIFEST lost its segmentation line on append"
expect_status 2 "a bad --cjk" -- ws ingest -q --cjk bytes -o "$T/x" "$T/s.jsonl"
grep -q "words or chars" "$T/last.err" || fail "bad --cjk: $(cat "$T/last.err")"

# ZWNJ inside a Persian word keeps it one token (was two)
printf '{"id":"fa","body":"\xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85"}\n' >"$T/fa.jsonl"
expect_status 0 "ingest fa" -- ws ingest -q -o "$T/fa" "$T/fa.jsonl"
[ "$(ws tf "$T/fa" --top 0 | tail -n +2 | wc -l)" = 1 ] || fail "ZWNJ split a word: $(ws tf "$T/fa" --top 0 | tr '\n' ' ')"
note "ok"
