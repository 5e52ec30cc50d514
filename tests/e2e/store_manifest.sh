#!/usr/bin/env bash
# Sound-looking but wrong stores: hand-made MANIFESTs with valid checksums
# that disagree with the files they list, listed files that are missing,
# and files of a newer format version (checksums recomputed, so each file
# is sound, just newer). One rule (docs/FORMAT.md, "Errors"):
#   - a MANIFEST that disagrees with its files, or a listed file that is
#     missing: corrupt store, exit 5, naming the file;
#   - a newer format version of any file: exit 9, naming the file.
# Every command that opens a store (info, verify, tf, keyness, cooc, ngrams,
# trends, export) must answer so, and an append (ingest) must refuse too and
# leave every file byte for byte as it was: before the generation check, an
# append to a store whose MANIFEST said "generation 1" while listing
# seg-000002.wss overwrote that live segment and lost its stories.
# Also: a folder holding only LOCK is described as such (exit 8).
. "$(dirname "$0")/lib.sh"

EDIT="$WS_SRC/tests/tools/ws_store_edit.py"
python3 -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("xxhash") else 1)' ||
    skip "libxxhash not found by ctypes (needed to write valid checksums)"

cat >"$T/a.jsonl" <<'J'
{"id":"a1","date":"2020-01-02T03:04:05Z","source":"Wire","title":"Cats win","body":"The cats won the match."}
{"id":"a2","date":"2020-01-03","source":"Post","title":"Rain","body":"Rain fell all day on cats."}
{"id":"a3","title":"No date","body":"Nothing dated here."}
J
cat >"$T/b.jsonl" <<'J'
{"id":"b1","date":"2021-05-06T07:08:09Z","source":"Wire","title":"Snow","body":"Snow and cats."}
{"id":"b2","date":"2021-05-07T00:00:00Z","source":"Herald","title":"Markets up","body":"Stocks rose."}
J
cat >"$T/c.jsonl" <<'J'
{"id":"c1","date":"2022-01-01","title":"New","body":"A new story about dogs."}
J
S="$T/store"
expect_status 0 "first ingest" -- ws ingest -q -o "$S" "$T/a.jsonl"
expect_status 0 "append" -- ws ingest -q -o "$S" "$T/b.jsonl"
expect_status 0 "verify" -- ws verify "$S"
grep -q '^generation 2$' "$S/MANIFEST" || fail "expected generation 2: $(cat "$S/MANIFEST")"
# the editing tool itself: a no-op edit must leave a store that verifies
cp -r "$S" "$T/noop"
python3 "$EDIT" manifest "$T/noop" 'x^=>x' || fail "ws_store_edit.py failed"
cmp -s "$S/MANIFEST" "$T/noop/MANIFEST" || fail "a no-op manifest edit changed MANIFEST (checksum recomputed differently)"

sums() { (cd "$1" && for f in $(ls | grep -v '^LOCK$' | LC_ALL=C sort); do echo "$f $(sha256sum <"$f")"; done); }

ncases=0
# check NAME WANT FILE: every reader and an append answer WANT naming FILE
# on the prepared copy $T/c
check() {
    local name=$1 want=$2 file=$3 c=$T/c
    local before
    before=$(sums "$c")
    local -a cmds=("info $c" "verify $c" "tf $c --top 5" "keyness $c --target-from 2021-01-01"
        "cooc $c --top 5" "ngrams $c --top 5" "trends $c --terms cats" "export $c")
    for cmd in "${cmds[@]}"; do
        # shellcheck disable=SC2086
        expect_status "$want" "$name: $cmd" -- ws $cmd
        grep -q -- "$file" "$T/last.err" || fail "$name: '$cmd' does not name $file: $(head -c 400 "$T/last.err")"
        [ -s "$T/last.out" ] && [ "${cmd%% *}" != verify ] && [ "${cmd%% *}" != cooc ] &&
            fail "$name: '$cmd' printed output for a store it refused: $(head -c 200 "$T/last.out")"
    done
    expect_status "$want" "$name: append" -- ws ingest -q -o "$c" "$T/c.jsonl"
    grep -q -- "$file" "$T/last.err" || fail "$name: ingest does not name $file: $(head -c 400 "$T/last.err")"
    [ "$(sums "$c")" = "$before" ] || fail "$name: the refused append changed the store's files"
    ncases=$((ncases + 1))
    rm -rf "$c"
}
fresh() { rm -rf "$T/c"; cp -r "$S" "$T/c"; }
man() { python3 "$EDIT" manifest "$T/c" "$@" || fail "editing MANIFEST"; }

# -- MANIFESTs that disagree with their files (checksums valid)
fresh; man '^generation 2$=>generation 1'
check "generation behind the statistics file" 5 MANIFEST
fresh; man '^generation 2$=>generation 1' 'stats-000002=>stats-000001'
check "generation 1 listing seg-000002" 5 MANIFEST
fresh; man '^(segment seg-000001.*)\n(segment seg-000002.*)\n=>\2\n\1\n'
check "segments out of order" 5 MANIFEST
fresh; man '^segment seg-000002\.wss (\d+) (\d+)$=>segment seg-000001.wss \1 \2'
check "a segment listed twice" 5 MANIFEST
fresh; man '^tokens \d+\n=>'
check "no tokens line" 5 MANIFEST
fresh; man '^(generation 2)$=>\1\n\1'
check "two generation lines" 5 MANIFEST
fresh; man '^generation 2$=>generation 7' 'stats-000002=>stats-000007'
mv "$T/c/stats-000002.wst" "$T/c/stats-000007.wst"
expect_status 0 "a store whose generation is ahead of its segments is sound" -- ws verify "$T/c"
rm -rf "$T/c"

# -- listed files that are missing: 5, naming the file
for f in seg-000002.wss seg-000001.wss stats-000002.wst terms.wsd; do
    fresh; rm "$T/c/$f"
    check "missing $f" 5 "$f"
done

# -- files of a newer format version: 9, naming the file
# (segments and MANIFEST are at 2 since format 2.0: 3 is the newer one; the
# dictionary and statistics files are still version 1)
for f in seg-000001.wss:3 stats-000002.wst:2 terms.wsd:2; do
    v=${f#*:} f=${f%:*}
    fresh; python3 "$EDIT" version "$T/c/$f" "$v" || fail "setting the version of $f"
    check "version $v $f" 9 "$f"
done
fresh; man '^wirescan-store 2$=>wirescan-store 3'
check "version 3 MANIFEST" 9 MANIFEST
# a segment whose two ends disagree about the version is damaged, not newer
# (a 2.0 segment whose header says 1)
fresh; python3 - "$T/c/seg-000001.wss" <<'PY'
import struct, sys
p = sys.argv[1]; d = bytearray(open(p, "rb").read()); struct.pack_into("<I", d, 8, 1); open(p, "wb").write(d)
PY
check "segment versions disagree" 5 seg-000001.wss

# -- a folder with only LOCK (what a failed first ingest used to leave)
mkdir "$T/lockonly" && : >"$T/lockonly/LOCK"
expect_status 8 "info on a folder holding only LOCK" -- ws info "$T/lockonly"
grep -q "only LOCK" "$T/last.err" || fail "info does not say the folder holds only LOCK: $(cat "$T/last.err")"
mkdir "$T/empty"
expect_status 8 "info on an empty folder" -- ws info "$T/empty"
grep -q "empty" "$T/last.err" || fail "info does not say the folder is empty: $(cat "$T/last.err")"

# the original store is untouched and still appends fine
expect_status 0 "append to the intact store" -- ws ingest -q -o "$S" "$T/c.jsonl"
[ "$(info_value "$S" stories)" = 6 ] || fail "intact store should hold 6 stories after the append"
note "$ncases hand-made cases refused by 8 readers and by ingest, store files unchanged"
note "ok"
