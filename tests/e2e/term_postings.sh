#!/usr/bin/env bash
# Story postings of the term index (store format 1.5, index file version 2):
# rare words planted at known places in a generated corpus (several small
# blocks) are found exactly where they were planted by export --containing,
# tf --containing and kwic (expectations computed here from the planted
# input, not by wirescan), and every answer is byte-identical with the
# index and without it (the same store with the index removed, scanned
# block by block), for 1 and 2 threads. The index file is version 3 and
# lists stories (its header's count of listed rows is not 0).
. "$(dirname "$0")/lib.sh"

EDIT="$WS_SRC/tests/tools/ws_store_edit.py"
python3 -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("xxhash") else 1)' ||
    skip "libxxhash not found by ctypes (needed to rewrite MANIFEST)"

ws generate --stories 1200 --seed 21 -o "$T/g.jsonl" || fail "generate"
# Plant: every 97th story gets "Zorblatt" in its title and "zorblatt
# quenzel" in its body; every 301st gets "vexmorra" in its body twice.
python3 - "$T/g.jsonl" "$T/in.jsonl" "$T/expect" <<'EOF'
import json, sys
src, dst, exp = sys.argv[1:4]
zor, vex = [], []
with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
    for i, line in enumerate(f):
        o = json.loads(line)
        if i % 97 == 5:
            o["title"] = "Zorblatt " + o["title"]
            o["body"] = o["body"] + " The zorblatt quenzel came."
            zor.append(o["id"])
        if i % 301 == 7:
            o["body"] = "vexmorra said " + o["body"] + " and vexmorra left."
            vex.append(o["id"])
        out.write(json.dumps(o, ensure_ascii=False) + "\n")
with open(exp, "w") as e:
    e.write("zor %s\nvex %s\n" % (" ".join(zor), " ".join(vex)))
EOF
read -r _ ZOR <<<"$(grep '^zor ' "$T/expect")"
read -r _ VEX <<<"$(grep '^vex ' "$T/expect")"
nzor=$(wc -w <<<"$ZOR")
nvex=$(wc -w <<<"$VEX")
[ "$nzor" -ge 10 ] && [ "$nvex" -ge 3 ] || fail "too few planted stories ($nzor, $nvex)"

S="$T/s"
expect_status 0 "ingest" -- ws ingest -q -o "$S" --block-tokens 40000 "$T/in.jsonl"
idx=$(ls "$S"/tidx-*.wsx)
python3 - "$idx" <<'EOF' || fail "index header: not version 3 with listed stories"
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"WSCANIDX", b[:8]
ver, = struct.unpack_from("<I", b, 8)
listed, = struct.unpack_from("<Q", b, 48)
assert ver == 3 and listed > 0, (ver, listed)
EOF
[ "$(info_value "$S" blocks)" -ge 10 ] || fail "only $(info_value "$S" blocks) blocks: too few for the test"

O="$T/old"
cp -r "$S" "$O"
rm "$O"/tidx-*.wsx
python3 "$EDIT" manifest "$O" '^index .*\n=>' || fail "manifest edit"

# export --containing: exactly the planted stories, in input order.
for s in "$S" "$O"; do
    ws export "$s" --containing zorblatt --fields id --format csv | tr -d '\r' >"$T/ids" || fail "export zorblatt on $s"
    [ "$(tail -n +2 "$T/ids" | tr '\n' ' ' | sed 's/ $//')" = "$ZOR" ] || fail "export --containing zorblatt on $s: $(head -5 "$T/ids")"
    ws export "$s" --containing vexmorra --fields id --format csv | tr -d '\r' >"$T/ids" || fail "export vexmorra"
    [ "$(tail -n +2 "$T/ids" | tr '\n' ' ' | sed 's/ $//')" = "$VEX" ] || fail "export --containing vexmorra on $s"
done
# tf --containing: the planted word's tf and df.
ws tf "$S" --containing vexmorra --top 0 | tr -d '\r' >"$T/tf" || fail "tf"
grep -x "vexmorra,$((2 * nvex)),$nvex" "$T/tf" >/dev/null || fail "tf --containing vexmorra: $(grep vexmorra "$T/tf")"
ws tf "$S" --containing 'zorblatt quenzel' --top 0 | tr -d '\r' >"$T/tf" || fail "tf phrase"
grep -x "quenzel,$nzor,$nzor" "$T/tf" >/dev/null || fail "tf --containing 'zorblatt quenzel': $(grep quenzel "$T/tf")"
# (CSV rows end in CRLF.) kwic: one row per planted occurrence, the title's at position 0.
ws kwic "$S" --term zorblatt --window 2 | tr -d '\r' >"$T/k" || fail "kwic"
[ "$(tail -n +2 "$T/k" | wc -l)" -eq $((2 * nzor)) ] || fail "kwic zorblatt: $(wc -l <"$T/k") lines"
[ "$(grep -c ',0,,Zorblatt,' "$T/k")" -eq "$nzor" ] || fail "kwic: title matches at position 0: $(head -3 "$T/k")"
[ "$(grep -c 'The"*,zorblatt,quenzel came$' "$T/k")" -eq "$nzor" ] || fail "kwic: body matches: $(sed -n 3p "$T/k")"

cat >"$T/queries" <<'Q'
kwic --term zorblatt
kwic --phrase 'zorblatt quenzel' --window 8
kwic --glob 'vexm*' --sort right
kwic --term the --containing vexmorra --limit 40
tf --containing vexmorra --top 30
tf --containing zorblatt --containing the --top 30
tf --containing 'zorblatt quenzel' --containing 'vex*' --top 0
export --containing 'vexmorra' --format jsonl
export --containing 'zorblatt quenzel' --fields id,date,title
cooc --term zorblatt --top 10
cooc --containing zorblatt --top 10
cooc --term quenzel --containing zorblatt --sentence --top 10
trends --terms 'vexmorra,zorblatt' --bucket year
trends --terms 'quenzel,the' --containing zorblatt --bucket year
trends --containing vexmorra --emerging --bucket year --top 5
Q
answers() { query_answers "$1" "$2" 1,2 "$T/queries"; } # STORE OUT
answers "$S" "$T/with.txt"
answers "$O" "$T/without.txt"
cmp -s "$T/with.txt" "$T/without.txt" || { diff "$T/with.txt" "$T/without.txt" | head >&2; fail "the story postings change an answer"; }
[ "$(wc -l <"$T/with.txt")" -gt 150 ] || fail "the queries answer almost nothing (weak test)"
note "planted words found where planted; with and without the index: the same answers"
