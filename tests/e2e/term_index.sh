#!/usr/bin/env bash
# The term index (store format 1.2): ingest writes it and an append keeps it
# (verify rebuilds it from the segments and compares); a store without it
# (made here by removing the file and its MANIFEST line, as a store written
# before the index looks) opens, verifies and gives the same answers for
# tf --containing, kwic, export --containing, cooc --term and trends --terms,
# for 1, 2 and 3 threads; `wirescan index` adds it atomically (the same
# index a fresh ingest writes) and says so once; a flipped byte anywhere in
# the index file or a truncated one fails verify with exit 5 naming it.
. "$(dirname "$0")/lib.sh"

EDIT="$WS_SRC/tests/tools/ws_store_edit.py"
python3 -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("xxhash") else 1)' ||
    skip "libxxhash not found by ctypes (needed to rewrite MANIFEST)"

ws generate --stories 500 --seed 11 -o "$T/g.jsonl" || fail "generate"
ws generate --stories 150 --seed 12 -o "$T/h.jsonl" || fail "generate"
S="$T/s"
expect_status 0 "ingest" -- ws ingest -q -o "$S" --block-tokens 2000 "$T/g.jsonl"
[ -f "$S/tidx-000001.wsx" ] || fail "no index file: $(ls "$S")"
grep '^index tidx-000001.wsx [0-9]*$' "$S/MANIFEST" >/dev/null || fail "MANIFEST lists no index: $(cat "$S/MANIFEST")"
info_value "$S" index | grep '^[0-9]* bytes (' >/dev/null || fail "info: index $(info_value "$S" index)"
expect_status 0 "verify" -- ws verify "$S"
grep "term index ok" "$T/last.err" >/dev/null || fail "verify does not check the index"

# A store written before the index: no file, no MANIFEST line.
O="$T/old"
cp -r "$S" "$O"
rm "$O/tidx-000001.wsx"
python3 "$EDIT" manifest "$O" '^index .*\n=>' || fail "manifest edit"
[ "$(info_value "$O" index)" = "none (wirescan index STORE adds one)" ] || fail "info of an old store: $(info_value "$O" index)"
expect_status 0 "verify old" -- ws verify "$O"

cat >"$T/queries" <<'Q'
tf --containing kriond --top 0
tf --containing 'said the' --containing 'kr*' --top 20
kwic --term kriond --window 3
kwic --phrase 'of the' --limit 50
kwic --glob 'pl?m*'
export --containing 'kr*d' --fields id,date
cooc --term kriond --top 20
trends --terms 'kriond,kr*' --bucket quarter
Q
answers() { query_answers "$1" "$2" 1,2,3 "$T/queries"; } # STORE OUT
answers "$S" "$T/with.txt"
answers "$O" "$T/without.txt"
cmp -s "$T/with.txt" "$T/without.txt" || { diff "$T/with.txt" "$T/without.txt" | head >&2; fail "the index changes an answer"; }
[ "$(wc -l <"$T/with.txt")" -gt 100 ] || fail "the queries answer almost nothing (weak test)"
note "with and without the index: the same answers"

# wirescan index: adds it as a commit; the same index a fresh ingest wrote.
expect_status 0 "index" -- ws index "$O"
grep "term index added" "$T/last.out" >/dev/null || fail "index: $(cat "$T/last.out")"
cmp -s "$S/tidx-000001.wsx" "$O/tidx-000002.wsx" || fail "wirescan index wrote another index than ingest"
expect_status 0 "verify after index" -- ws verify "$O"
expect_status 0 "index again" -- ws index "$O"
grep "already has a term index" "$T/last.out" >/dev/null || fail "index twice: $(cat "$T/last.out")"
answers "$O" "$T/added.txt"
cmp -s "$T/with.txt" "$T/added.txt" || fail "answers differ after wirescan index"
note "wirescan index ok"

# An append keeps it (verify rebuilds it from the segments).
expect_status 0 "append" -- ws ingest -q -o "$S" --block-tokens 2000 "$T/h.jsonl"
grep '^index tidx-000002.wsx' "$S/MANIFEST" >/dev/null || fail "the append dropped the index: $(cat "$S/MANIFEST")"
expect_status 0 "verify after append" -- ws verify "$S"
note "append ok"

# Damage: flipped bytes (header, payload, trailer) and a truncation.
idx="$S/tidx-000002.wsx"
size=$(stat -c %s "$idx")
cp "$idx" "$T/idx.orig"
verify_flips "$S" "$idx" 0x10 0 7 8 12 16 20 24 32 40 47 48 $((size / 3)) $((size / 2)) $((size - 9)) $((size - 8)) $((size - 1))
n=$FLIPS
head -c $((size - 5)) "$T/idx.orig" >"$idx"
expect_status 5 "verify with a truncated index" -- ws verify "$S"
grep -F "tidx-000002.wsx" "$T/last.err" >/dev/null || fail "truncated: message names no index file"
cp "$T/idx.orig" "$idx"
expect_status 0 "verify restored" -- ws verify "$S"
note "$n flipped bytes and a truncation: exit 5 naming the file"
