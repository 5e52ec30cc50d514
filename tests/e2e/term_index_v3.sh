#!/usr/bin/env bash
# The term index's file version 3 (store format 2.1): ingest and an append
# write version 3; every block list and story-postings entry, decoded by an
# independent reader (tests/tools/ws_tidx_read.py, from docs/FORMAT.md),
# equals what Python computes from the JSONL input itself (the rows of each
# block holding the word; an entry lists them exactly when at most 1 in D
# of the block's rows hold it, D the segment's from the header); a version
# 2 index (WS_WRITE_INDEX=2, as 1.5 to 2.0 wrote) is still used, with the
# same answers as version 3 and no index for tf, kwic, cooc, trends and
# export --containing (1 and 2 threads), and `wirescan index` rewrites it
# as version 3, byte for byte the index ingest and append wrote; a flipped
# byte of the version 3 file fails verify with exit 5 naming the file.
. "$(dirname "$0")/lib.sh"

EDIT="$WS_SRC/tests/tools/ws_store_edit.py"
READ="$WS_SRC/tests/tools/ws_tidx_read.py"
python3 -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("xxhash") else 1)' ||
    skip "libxxhash not found by ctypes (needed to rewrite MANIFEST)"
command -v zstd >/dev/null || skip "the zstd tool is not installed (the independent reader needs it)"

ws generate --stories 1500 --seed 31 -o "$T/g.jsonl" || fail "generate"
ws generate --stories 500 --seed 32 -o "$T/h.jsonl" || fail "generate"
# Plant a rare word in every 173rd story of the first file and a few of the second.
python3 - "$T/g.jsonl" "$T/h.jsonl" <<'EOF'
import json, sys
for path, step in ((sys.argv[1], 173), (sys.argv[2], 97)):
    lines = open(path, encoding="utf-8").read().splitlines()
    with open(path, "w", encoding="utf-8") as out:
        for i, line in enumerate(lines):
            o = json.loads(line)
            if i % step == 3:
                o["body"] = o["body"] + " Quillimark spoke."
            out.write(json.dumps(o, ensure_ascii=False) + "\n")
EOF

S="$T/s"
expect_status 0 "ingest" -- ws ingest -q -o "$S" --block-tokens 30000 "$T/g.jsonl"
hdr() { python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(); print(*struct.unpack_from("<IIII", b, 8))' "$1"; }
read -r ver _ _ B1 <<<"$(hdr "$S/tidx-000001.wsx")"
[ "$ver" = 3 ] || fail "ingest wrote index version $ver"
expect_status 0 "append" -- ws ingest -q -o "$S" --block-tokens 30000 "$T/h.jsonl"
read -r ver _ nsegs nblocks <<<"$(hdr "$S/tidx-000002.wsx")"
[ "$ver" = 3 ] && [ "$nsegs" = 2 ] || fail "append wrote index version $ver over $nsegs segments"
[ "$nblocks" -ge 20 ] || fail "only $nblocks blocks: too few for the test"
expect_status 0 "verify" -- ws verify "$S"
grep "term index ok" "$T/last.err" >/dev/null || fail "verify does not check the index"

# Every entry against the input: Python tokenizes the stories itself.
python3 "$READ" "$S" "$S/tidx-000002.wsx" >"$T/idx.json" || fail "the independent reader refused the index"
python3 - "$T/idx.json" "$B1" "$T/g.jsonl" "$T/h.jsonl" <<'EOF' || fail "the index disagrees with the input"
import json, sys, unicodedata
idx = json.load(open(sys.argv[1]))
b1 = int(sys.argv[2])
brows, segd = idx["brows"], idx["segd"]
def tokens(text):
    text = unicodedata.normalize("NFKC", text)
    out, cur = [], []
    for ch in text:
        if unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd":
            cur.append(ch)
        elif cur:
            out.append("".join(cur)); cur = []
    if cur:
        out.append("".join(cur))
    return out
first, acc = [], 0
for n in brows:
    first.append(acc); acc += n
truth = {}  # word -> {block: [rows]}
row = 0
for path in sys.argv[3:]:
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        blk = next(b for b in range(len(brows)) if first[b] <= row < first[b] + brows[b])
        for w in set(tokens(o.get("title", "")) + tokens(o.get("body", ""))):
            truth.setdefault(w, {}).setdefault(blk, []).append(row - first[blk])
        row += 1
assert row == acc, (row, acc)
terms = idx["terms"]
assert set(terms) == set(truth), "vocabularies differ: %s" % sorted(set(terms) ^ set(truth))[:5]
listed = unlisted = 0
for w, ents in terms.items():
    want = truth[w]
    assert [b for b, _ in ents] == sorted(want), w
    for b, rows in ents:
        d, k, nr = segd[0 if b < b1 else 1], len(want[b]), brows[b]
        if d and k * d <= nr:
            assert rows == sorted(want[b]), (w, b, rows, want[b]); listed += 1
        else:
            assert rows is None, (w, b, d, k, nr); unlisted += 1
assert listed > 100 and unlisted > 100, (listed, unlisted)
assert "Quillimark" in terms
print("entries listed %d, not listed %d, D %s" % (listed, unlisted, segd))
EOF
note "every entry equals the input's rows (independent reader and tokenizer)"

# A version 2 index: still read, same answers; `wirescan index` rewrites it.
V="$T/v2"
WS_WRITE_INDEX=2 expect_status 0 "ingest v2" -- ws ingest -q -o "$V" --block-tokens 30000 "$T/g.jsonl"
WS_WRITE_INDEX=2 expect_status 0 "append v2" -- ws ingest -q -o "$V" --block-tokens 30000 "$T/h.jsonl"
[ "$(hdr "$V/tidx-000002.wsx" | cut -d' ' -f1)" = 2 ] || fail "WS_WRITE_INDEX=2 wrote no version 2 index"
python3 "$READ" "$V" "$V/tidx-000002.wsx" >/dev/null || fail "the independent reader refused the version 2 index"
expect_status 0 "verify v2" -- ws verify "$V"
O="$T/none"
cp -r "$S" "$O"
rm "$O"/tidx-*.wsx
python3 "$EDIT" manifest "$O" '^index .*\n=>' || fail "manifest edit"

cat >"$T/queries" <<'Q'
tf --containing quillimark --top 30
tf --containing 'quillimark spoke' --containing 'the' --top 0
kwic --term quillimark --window 4
kwic --term the --containing quillimark --limit 30
export --containing quillimark --fields id,date,title
export --containing 'quillimark spoke' --format jsonl
cooc --term spoke --containing quillimark --top 10
cooc --term quillimark --top 10
trends --terms 'quillimark,the' --bucket year
trends --terms the --containing quillimark --bucket year
Q
answers() { query_answers "$1" "$2" 1,2 "$T/queries"; } # STORE OUT
answers "$S" "$T/v3.txt"
answers "$V" "$T/v2.txt"
answers "$O" "$T/none.txt"
cmp -s "$T/v3.txt" "$T/v2.txt" || { diff "$T/v3.txt" "$T/v2.txt" | head >&2; fail "versions 2 and 3 answer differently"; }
cmp -s "$T/v3.txt" "$T/none.txt" || { diff "$T/v3.txt" "$T/none.txt" | head >&2; fail "the index changes an answer"; }
[ "$(wc -l <"$T/v3.txt")" -gt 60 ] || fail "the queries answer almost nothing (weak test)"
expect_status 0 "index over v2" -- ws index "$V"
grep "term index rebuilt (version 3)" "$T/last.out" >/dev/null || fail "index over v2: $(cat "$T/last.out")"
[ "$(hdr "$V/tidx-000003.wsx" | cut -d' ' -f1)" = 3 ] || fail "wirescan index did not write version 3"
cmp -s "$V/tidx-000003.wsx" "$S/tidx-000002.wsx" || fail "wirescan index wrote another index than ingest and append"
expect_status 0 "verify after index" -- ws verify "$V"
expect_status 0 "index again" -- ws index "$V"
grep "already has a term index" "$T/last.out" >/dev/null || fail "index twice: $(cat "$T/last.out")"
answers "$V" "$T/v2b.txt"
cmp -s "$T/v3.txt" "$T/v2b.txt" || fail "answers differ after wirescan index"
note "version 2 read, same answers; wirescan index rewrites it as version 3"

# Flipped bytes across the whole version 3 file.
idx="$S/tidx-000002.wsx"
size=$(stat -c %s "$idx")
verify_flips "$S" "$idx" 0x04 8 12 16 20 48 56 64 68 72 $((72 + 4 * nblocks)) $((size / 5)) $((size / 3)) $((size / 2)) $((size * 4 / 5)) $((size - 9)) $((size - 1))
n=$FLIPS
expect_status 0 "verify restored" -- ws verify "$S"
note "$n flipped bytes: exit 5 naming the file"
