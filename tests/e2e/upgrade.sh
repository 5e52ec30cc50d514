#!/usr/bin/env bash
# Store format 2.0 and `wirescan upgrade` (docs/FORMAT.md, "Upgrading a 1.x
# store"). Three stores of the same two ingests (3000 generated stories, then
# an append of 1500, with a tag and MinHash signatures):
#   v1: written as format 1.x (WS_WRITE_FORMAT=1 for the first ingest; the
#       append, without it, must keep the store 1.x: MANIFEST and segment
#       headers say 1);
#   up: a copy of v1 after `wirescan upgrade`;
#   v2: written as 2.0 from the start (the default).
# tf, cooc (one term and all pairs), trends, ngrams, keyness and export must
# print byte for byte the same on all three; up's segments must be byte for
# byte v2's (the upgrade re-encodes the token column exactly as ingest does
# and copies the other chunks), and its signature files v2's; both verify.
# Atomicity: WS_UPGRADE_KILL_AT=K kills the upgrade (SIGKILL) at its Kth step
# (after each new segment, after each signature file, before the commit), for
# every K: each time the store must be v1 exactly (MANIFEST byte for byte,
# verify, export), and a rerun must finish it, leaving no debris. An append to
# the upgraded store writes 2.0 and answers as v2 given the same append.
. "$(dirname "$0")/lib.sh"

ws generate --stories 3000 --seed 21 -o "$T/a.jsonl" || fail "generate a"
ws generate --stories 1500 --seed 22 -o "$T/b.jsonl" || fail "generate b"
ws generate --stories 500 --seed 23 -o "$T/c.jsonl" || fail "generate c"

ING=(ingest -q --threads 2 --tag section --signatures)
WS_WRITE_FORMAT=1 expect_status 0 "ingest v1" -- ws "${ING[@]}" -o "$T/v1" "$T/a.jsonl"
expect_status 0 "append to v1" -- ws "${ING[@]}" -o "$T/v1" "$T/b.jsonl"
expect_status 0 "ingest v2" -- ws "${ING[@]}" -o "$T/v2" "$T/a.jsonl"
expect_status 0 "append to v2" -- ws "${ING[@]}" -o "$T/v2" "$T/b.jsonl"

# segment version field (bytes 8..11, little-endian) of every segment
seg_versions() { for f in "$1"/seg-*.wss; do od -An -tu4 -j8 -N4 "$f" | tr -d ' '; done | sort -u | tr '\n' ' '; }
[ "$(head -n1 "$T/v1/MANIFEST")" = "wirescan-store 1" ] || fail "v1 store's MANIFEST: $(head -n1 "$T/v1/MANIFEST")"
[ "$(seg_versions "$T/v1")" = "65537 " ] || fail "v1 segments have versions $(seg_versions "$T/v1"), want 1.1 (65537)"
[ "$(head -n1 "$T/v2/MANIFEST")" = "wirescan-store 2" ] || fail "v2 store's MANIFEST: $(head -n1 "$T/v2/MANIFEST")"
[ "$(seg_versions "$T/v2")" = "2 " ] || fail "v2 segments have versions $(seg_versions "$T/v2"), want 2.0 (2)"
[ "$(info_value "$T/v1" format)" = 1 ] || fail "info of v1 does not say format 1"
[ "$(info_value "$T/v2" format)" = 2 ] || fail "info of v2 does not say format 2"

cp -r "$T/v1" "$T/up"
expect_status 0 "upgrade" -- ws upgrade "$T/up"
grep -qx "$T/up: upgraded to format 2.0" "$T/last.out" || fail "upgrade said: $(cat "$T/last.out")"
expect_status 0 "second upgrade" -- ws upgrade "$T/up"
grep -qx "$T/up: already format 2.0" "$T/last.out" || fail "second upgrade said: $(cat "$T/last.out")"
expect_status 0 "upgrade --help" -- ws upgrade --help
grep -q "usage: wirescan upgrade STORE" "$T/last.out" || fail "upgrade --help"
expect_status 2 "upgrade without a store" -- ws upgrade
[ "$(head -n1 "$T/up/MANIFEST")" = "wirescan-store 2" ] || fail "upgraded MANIFEST: $(head -n1 "$T/up/MANIFEST")"
# generation 2 + one per segment; the new files only
[ "$(sed -n 2p "$T/up/MANIFEST")" = "generation 4" ] || fail "upgraded MANIFEST: $(sed -n 2p "$T/up/MANIFEST")"
got=$(cd "$T/up" && ls | tr '\n' ' ')
want="LOCK MANIFEST mh-000003.wsm mh-000004.wsm seg-000003.wss seg-000004.wss stats-000004.wst terms.wsd tidx-000004.wsx "
[ "$got" = "$want" ] || fail "files after upgrade: $got, want $want"
for s in up v2 v1; do expect_status 0 "verify $s" -- ws verify "$T/$s"; done
cmp -s "$T/up/seg-000003.wss" "$T/v2/seg-000001.wss" || fail "upgraded segment 1 differs from the one ingest writes"
cmp -s "$T/up/seg-000004.wss" "$T/v2/seg-000002.wss" || fail "upgraded segment 2 differs from the one ingest writes"
cmp -s "$T/up/mh-000003.wsm" "$T/v2/mh-000001.wsm" || fail "upgraded signature file 1 differs from ingest's"
cmp -s "$T/up/terms.wsd" "$T/v1/terms.wsd" || fail "upgrade changed the dictionary"

TERM=$(ws tf "$T/v1" --top 40 --min-length 5 | sed -n '30p' | cut -d, -f1)
[ -n "$TERM" ] || fail "no term for cooc"
QUERIES=("tf --top 200" "tf --top 50 --by section" "cooc --term $TERM --top 40" "cooc --top 40 --window 5"
    "trends --terms $TERM --bucket month --by section" "ngrams --n 2 --top 50" "keyness --target-from 2016-01-01 --top 30"
    "kwic --term $TERM --window 3" "tf --containing $TERM --top 30" "export") # export last (V1_EXPORT below)
outputs() { # STORE TAG
    local i=0
    for q in "${QUERIES[@]}"; do
        local args=""
        [ "$q" = export ] || args=${q#* }
        # shellcheck disable=SC2086
        ws ${q%% *} "$1" $args >"$T/$2.$i" 2>"$T/$2.$i.err" || fail "$q on $2: $(head -c 300 "$T/$2.$i.err")"
        i=$((i + 1))
    done
}
outputs "$T/v1" v1
outputs "$T/up" up
outputs "$T/v2" v2
for i in "${!QUERIES[@]}"; do
    [ -s "$T/v1.$i" ] || fail "${QUERIES[$i]}: empty output"
    cmp -s "$T/v1.$i" "$T/up.$i" || fail "${QUERIES[$i]}: upgraded store answers differently"
    cmp -s "$T/v1.$i" "$T/v2.$i" || fail "${QUERIES[$i]}: a 2.0 store answers differently"
done
note "${#QUERIES[@]} queries answer the same on 1.x, upgraded and 2.0 stores"

# -- an interrupted upgrade leaves the 1.x store; a rerun finishes it
V1_EXPORT=$(sha256sum <"$T/v1.$((${#QUERIES[@]} - 1))")
k=1
while :; do
    rm -rf "$T/w"
    cp -r "$T/v1" "$T/w"
    rc=0
    { WS_UPGRADE_KILL_AT=$k "$WS_BIN" upgrade "$T/w" >/dev/null 2>&1; } 2>/dev/null || rc=$?
    [ $rc = 0 ] && break
    [ $rc = 137 ] || fail "upgrade killed at step $k: status $rc, want 137 (SIGKILL)"
    cmp -s "$T/w/MANIFEST" "$T/v1/MANIFEST" || fail "kill at step $k: MANIFEST changed"
    expect_status 0 "verify after a kill at step $k" -- ws verify "$T/w"
    [ "$(ws export "$T/w" | sha256sum)" = "$V1_EXPORT" ] || fail "kill at step $k: export differs"
    [ "$(ws tf "$T/w" --top 200 | sha256sum)" = "$(sha256sum <"$T/v1.0")" ] || fail "kill at step $k: tf differs"
    expect_status 0 "upgrade after a kill at step $k" -- ws upgrade "$T/w"
    got=$(cd "$T/w" && ls | tr '\n' ' ')
    # the rerun cleared the debris first, so it names its files as the first run did
    [ "$got" = "$want" ] || fail "files after a kill at step $k and a rerun: $got"
    for f in seg-000003.wss seg-000004.wss MANIFEST; do
        cmp -s "$T/w/$f" "$T/up/$f" || fail "kill at step $k and rerun: $f differs from a clean upgrade's"
    done
    k=$((k + 1))
    [ $k -le 20 ] || fail "WS_UPGRADE_KILL_AT never let the upgrade finish"
done
[ $k = 6 ] || fail "upgrade of 2 segments with signatures has $((k - 1)) kill points, want 5"
note "killed at each of $((k - 1)) steps: the 1.x store stayed whole, and a rerun finished"

# -- appending to the upgraded store writes 2.0, as to a 2.0 store
expect_status 0 "append to up" -- ws "${ING[@]}" -o "$T/up" "$T/c.jsonl"
expect_status 0 "append to v2" -- ws "${ING[@]}" -o "$T/v2" "$T/c.jsonl"
[ "$(seg_versions "$T/up")" = "2 " ] || fail "append to an upgraded store wrote versions $(seg_versions "$T/up")"
cmp -s "$T/up/seg-000005.wss" "$T/v2/seg-000003.wss" || fail "append to the upgraded store differs from one to a 2.0 store"
expect_status 0 "verify up after append" -- ws verify "$T/up"
for q in "tf --top 100" "trends --terms $TERM --bucket month"; do
    # shellcheck disable=SC2086
    a=$(ws ${q%% *} "$T/up" ${q#* } 2>&1 | sha256sum); b=$(ws ${q%% *} "$T/v2" ${q#* } 2>&1 | sha256sum)
    [ "$a" = "$b" ] || fail "$q differs after the same append"
done
note "ok"
