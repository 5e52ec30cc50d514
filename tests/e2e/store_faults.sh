#!/usr/bin/env bash
# Disk full and I/O errors while writing (docs/reliability.md, "Store and
# ingest"):
#   - disk full: a small tmpfs (mounted here as root, or in a user
#     namespace with unshare -rm) holds a store; appends that need more room
#     than is left fail at every step of the commit in turn (the tmpfs is
#     filled so that from a few KiB to all the room the append needs is
#     free); a first ingest into the full tmpfs; cooc --mem 24M spilling
#     into a tmpfs too small for its runs
#   - injected I/O errors (fiu-run from fiu-utils): write, fsync, rename,
#     ftruncate and open failures during an append, random write failures,
#     and write failures while cooc --mem 24M spills
# Each time: a non-zero exit (4 for I/O errors), a message naming the file,
# no temp file left (*.tmp, spill folders), and the published store byte
# for byte as it was (verify passes, same files). Parts skip with a message
# when tmpfs cannot be mounted or fiu-run is missing.
. "$(dirname "$0")/lib.sh"

sums() { (cd "$1" && for f in $(ls | grep -v '^LOCK$' | LC_ALL=C sort); do echo "$f $(sha256sum <"$f")"; done); }
ncase=0

ws generate --stories 300 --seed 21 -o "$T/base.jsonl" || fail "generate"
ws generate --stories 400 --seed 22 -o "$T/more.jsonl" || fail "generate"

# after_failure STORE BEFORE LABEL: the store is exactly as it was, and no
# temp file is left
after_failure() {
    local s=$1 before=$2 label=$3
    [ "$(sums "$s")" = "$before" ] || fail "$label: the published store changed: $(ls "$s" | tr '\n' ' ')"
    ls "$s" | grep -q '\.tmp$' && fail "$label: temp files left: $(ls "$s" | tr '\n' ' ')"
    expect_status 0 "$label: verify after the failure" -- ws verify "$s"
    ncase=$((ncase + 1))
}

# ---------------------------------------------------------------- disk full
TFS="$T/tfs"
mkdir "$TFS"
# The tmpfs lives in a private mount namespace (unshare -m as root, -rm
# otherwise), so it vanishes with the processes that use it.
mounted=""
if command -v unshare >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && unshare -m sh -c "mount -t tmpfs -o size=8m tmpfs '$TFS'" 2>/dev/null; then
        mounted="unshare -m"
    elif unshare -rm sh -c "mount -t tmpfs -o size=8m tmpfs '$TFS'" 2>/dev/null; then
        mounted="unshare -rm"
    fi
fi
if [ -n "$mounted" ]; then
    # a clean reference: the space the append takes
    ws ingest -q --threads 2 -o "$T/ref" "$T/base.jsonl" || fail "reference ingest"
    b0=$(du -sb "$T/ref" | cut -f1)
    ws ingest -q --threads 2 -o "$T/ref" "$T/more.jsonl" 2>/dev/null || fail "reference append"
    need=$(( $(du -sb "$T/ref" | cut -f1) - b0 ))
    # run_full SCRIPT: run SCRIPT (bash) with the 8 MiB tmpfs at $TFS
    run_full() {
        $mounted bash -c "mount -t tmpfs -o size=8m tmpfs '$TFS' && $1"
    }
    cat >"$T/full.sh" <<EOF
set -u
WS="$WS_BIN"; TFS="$TFS"; T="$T"; need=$need
sums() { (cd "\$1" && for f in \$(ls | grep -v '^LOCK\$' | LC_ALL=C sort); do echo "\$f \$(sha256sum <"\$f")"; done); }
rm -rf "\$TFS"/*
"\$WS" ingest -q --threads 2 -o "\$TFS/s" "\$T/base.jsonl" || { echo "base ingest failed"; exit 1; }
before=\$(sums "\$TFS/s")
n=0
# free space from 4 KiB to the whole append: 8 coarse steps, then 4 KiB
# steps over the last 15% (the dictionary, statistics and MANIFEST writes)
rooms="\$(for i in \$(seq 0 7); do echo \$(( 4096 + need * i / 10 )); done)
\$(for k in \$(seq 0 \$(( need * 15 / 100 / 4096 + 3 ))); do echo \$(( need * 85 / 100 + k * 4096 )); done)"
for free in \$rooms; do
    rm -f "\$TFS/fill"
    avail=\$(( \$(df -B1 --output=avail "\$TFS" | tail -1) ))
    [ \$((avail - free)) -gt 0 ] && head -c \$((avail - free)) /dev/zero >"\$TFS/fill" 2>/dev/null
    rc=0
    "\$WS" ingest -q --threads 2 -o "\$TFS/s" "\$T/more.jsonl" 2>"\$T/full.err" || rc=\$?
    if [ \$rc = 0 ]; then echo "room \$free: the append fitted"; rm -f "\$TFS/fill"; break; fi
    sed -i '/already in/d' "\$T/full.err"
    [ \$rc = 4 ] || { echo "room \$free: exit \$rc, expected 4: \$(cat "\$T/full.err")"; exit 1; }
    grep -q "No space left on device" "\$T/full.err" || { echo "room \$free: no ENOSPC message: \$(cat "\$T/full.err")"; exit 1; }
    grep -q "\$TFS/s/[A-Za-z]" "\$T/full.err" || { echo "room \$free: message names no store file: \$(cat "\$T/full.err")"; exit 1; }
    [ "\$(sums "\$TFS/s")" = "\$before" ] || { echo "room \$free: store changed: \$(ls "\$TFS/s" | tr '\n' ' ')"; exit 1; }
    ls "\$TFS/s" | grep -q '\.tmp\$' && { echo "room \$free: temp files left: \$(ls "\$TFS/s")"; exit 1; }
    "\$WS" verify "\$TFS/s" >/dev/null 2>&1 || { echo "room \$free: verify failed"; exit 1; }
    echo "room \$free: \$(sed 's/^wirescan: //' "\$T/full.err" | head -1)"
    n=\$((n + 1))
done
echo "FULLCASES \$n"
# a first ingest into a full file system leaves no folder
rm -f "\$TFS/fill"
avail=\$(( \$(df -B1 --output=avail "\$TFS" | tail -1) ))
head -c \$((avail - 2048)) /dev/zero >"\$TFS/fill" 2>/dev/null
rc=0; "\$WS" ingest -q -o "\$TFS/new" "\$T/base.jsonl" 2>"\$T/full.err" || rc=\$?
[ \$rc = 4 ] || { echo "first ingest on a full disk: exit \$rc: \$(cat "\$T/full.err")"; exit 1; }
[ -e "\$TFS/new" ] && { echo "first ingest on a full disk left \$(ls -a "\$TFS/new")"; exit 1; }
rm -f "\$TFS/fill"
# cooc spilling into a tmpfs with too little room
mkdir "\$TFS/spill"
avail=\$(( \$(df -B1 --output=avail "\$TFS" | tail -1) ))
head -c \$((avail - 256 * 1024)) /dev/zero >"\$TFS/fill" 2>/dev/null
rc=0; "\$WS" cooc "\$T/cs" --window 5 --top 0 --mem 24M --tmp "\$TFS/spill" -q -o "\$T/c.csv" 2>"\$T/full.err" || rc=\$?
[ \$rc = 4 ] || { echo "cooc spill on a full disk: exit \$rc: \$(tail -c 300 "\$T/full.err")"; exit 1; }
grep -q "\$TFS/spill/.*No space left" "\$T/full.err" || { echo "cooc: message: \$(tail -c 300 "\$T/full.err")"; exit 1; }
[ -z "\$(ls -A "\$TFS/spill")" ] || { echo "cooc left spill files: \$(ls -R "\$TFS/spill" | head)"; exit 1; }
echo "cooc spill on a full disk: \$(grep -o 'run-[0-9a-f]*: write failed: .*' "\$T/full.err" | head -1)"
EOF
else
    note "SKIP part: cannot mount a tmpfs (not root, no user namespaces): disk-full cases not run"
fi

# the spilling cooc corpus (as in cooc_mem.sh, smaller): many distinct pairs
python3 - "$T/c.jsonl" <<'PY' || fail "corpus generation failed"
import json, random, sys
rnd = random.Random(7)
V = 20000
words = ['%s%d' % ('abcdefghij'[i % 10], i) for i in range(V)]
weights = [1.0 / (r + 1) ** 1.05 for r in range(V)]
with open(sys.argv[1], 'w') as f:
    for i in range(1500):
        toks = rnd.choices(words, weights, k=250)
        f.write(json.dumps({'id': str(i), 'title': ' '.join(toks[:8]), 'body': ' '.join(toks[8:])}) + '\n')
PY
ws ingest -q -o "$T/cs" --block-tokens 20000 "$T/c.jsonl" || fail "ingest of the cooc corpus"

if [ -n "$mounted" ]; then
    run_full "bash '$T/full.sh'" >"$T/full.out" 2>&1 || { cat "$T/full.out" >&2; fail "disk-full cases (see above)"; }
    sed 's/^/  /' "$T/full.out"
    nfull=$(sed -n 's/^FULLCASES //p' "$T/full.out")
    [ "${nfull:-0}" -ge 10 ] || fail "only ${nfull:-0} disk-full appends failed; the sweep did not reach the commit steps"
    ncase=$((ncase + nfull + 2))
    note "disk full (tmpfs via $mounted): $nfull appends failed at growing room, a first ingest, a cooc spill: all clean"
fi

# ---------------------------------------------------------------- fiu
if ! command -v fiu-run >/dev/null 2>&1; then
    note "SKIP part: fiu-run not installed (Debian fiu-utils): injected I/O errors not tested"
    note "ok ($ncase cases)"
    exit 0
fi
S="$T/s"
expect_status 0 "base ingest" -- ws ingest -q --threads 2 -o "$S" "$T/base.jsonl"
before=$(sums "$S")
# inject NAME PATTERN LABEL FIU_SPEC: an append under FIU_SPEC must fail
# (exit 4) with a message matching PATTERN
inject() {
    local label=$1 pattern=$2 spec=$3
    expect_status 4 "$label" -- fiu-run -x -c "$spec" "$WS_BIN" ingest -q --threads 2 -o "$S" "$T/more.jsonl"
    grep -q -E "$pattern" "$T/last.err" || fail "$label: message does not match '$pattern': $(cat "$T/last.err")"
    note "$label: $(head -1 "$T/last.err")"
    after_failure "$S" "$before" "$label"
}
inject "EIO on write" 'seg-000002\.wss\.tmp: write failed: Input/output error' "enable name=posix/io/rw/write,failinfo=5"
inject "ENOSPC on write" 'seg-000002\.wss\.tmp: write failed: No space left' "enable name=posix/io/rw/write,failinfo=28"
inject "EIO on fsync" 'seg-000002\.wss\.tmp: fsync failed' "enable name=posix/io/sync/fsync,failinfo=5"
inject "EIO on rename" 'MANIFEST: rename failed: Input/output error' "enable name=posix/io/dir/rename,failinfo=5"
inject "EIO on ftruncate" 'terms\.wsd: truncate failed' "enable name=posix/io/rw/ftruncate,failinfo=5"
# random write failures: which write fails varies from run to run
nrand=0
for p in 0.01 0.05 0.2; do
    for k in 1 2; do
        rc=0
        fiu-run -x -c "enable_random name=posix/io/rw/write,probability=$p,failinfo=5" "$WS_BIN" ingest -q --threads 2 \
            -o "$S" "$T/more.jsonl" >"$T/r.out" 2>"$T/r.err" || rc=$?
        if [ "$rc" = 0 ]; then
            # the append went through: the store is the new one; start over
            expect_status 0 "random write failures p=$p: verify of a completed append" -- ws verify "$S"
            [ "$(info_value "$S" stories)" = 700 ] || fail "completed append under fiu holds the wrong stories"
            rm -rf "$S"
            ws ingest -q --threads 2 -o "$S" "$T/base.jsonl" || fail "base ingest"
            [ "$(sums "$S")" = "$before" ] || fail "re-made base store differs"
            continue
        fi
        [ "$rc" = 4 ] || fail "random write failures p=$p: exit $rc: $(cat "$T/r.err")"
        grep -q -E "$S/[A-Za-z].*(write|fsync) failed" "$T/r.err" || fail "random write failures p=$p: message: $(cat "$T/r.err")"
        after_failure "$S" "$before" "random write failures p=$p"
        nrand=$((nrand + 1))
    done
done
note "random write failures: $nrand appends failed cleanly"
# cooc spill with write failures: the spill folder goes, the error names the run file
mkdir "$T/spill"
expect_status 4 "cooc --mem 24M with failing writes" -- fiu-run -x -c "enable_random name=posix/io/rw/write,probability=0.3,failinfo=5" \
    "$WS_BIN" cooc "$T/cs" --window 5 --top 0 --mem 24M --tmp "$T/spill" -q -o "$T/c.csv"
grep -q "$T/spill/.*run-[0-9a-f]*: write failed: Input/output error" "$T/last.err" ||
    fail "cooc spill: message does not name the run file: $(tail -c 400 "$T/last.err")"
[ -z "$(ls -A "$T/spill")" ] || fail "cooc left its spill folder after a write failure: $(ls -R "$T/spill" | head)"
ncase=$((ncase + 1))
note "ok ($ncase fault cases)"
