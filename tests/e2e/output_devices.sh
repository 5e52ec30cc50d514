#!/usr/bin/env bash
# Outputs that are not regular files. A run that fails after opening its
# output removes a half-written report, but only a regular file: before,
# a failed export removed whatever -o named, and under mpirun every rank but
# rank 0 writes to /dev/null, so a damaged shard made a root run delete
# /dev/null. And a report to a device is written in place, never under a
# temporary name renamed over it. A named pipe (FIFO) stands in for a
# device here: after a failed export to it the FIFO is still there (the
# old code removed it); a successful export and tf to /dev/null leave
# /dev/null a character device; a failed export to a regular file still
# leaves no half-written file.
. "$(dirname "$0")/lib.sh"

ws generate --stories 400 --seed 5 -o "$T/g.jsonl" || fail "generate"
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" --block-tokens 2000 "$T/g.jsonl"
cp -r "$T/s" "$T/bad"
seg=$(ls "$T"/bad/seg-*.wss | head -n 1)
size=$(stat -c %s "$seg")
# flip one byte in each tenth of the segment: some column chunk's checksum fails
python3 - "$seg" "$size" <<'PY' || fail "damaging the segment"
import sys
path, size = sys.argv[1], int(sys.argv[2])
with open(path, 'r+b') as f:
    for k in range(1, 10):
        f.seek(size * k // 10)
        b = f.read(1)
        f.seek(size * k // 10)
        f.write(bytes([b[0] ^ 0x40]))
PY

mkfifo "$T/fifo" || skip "mkfifo failed"
cat "$T/fifo" >"$T/fifo.got" &
reader=$!
rc=0
ws export "$T/bad" -o "$T/fifo" >"$T/e.out" 2>"$T/e.err" || rc=$?
# if export never opened the FIFO, open it once so that the reader ends
if kill -0 "$reader" 2>/dev/null; then : >"$T/fifo"; fi
wait "$reader"
[ "$rc" -ne 0 ] || fail "export of a damaged store succeeded: $(head -c 500 "$T/e.err")"
grep -E "checksum|corrupt|damaged" "$T/e.err" >/dev/null || fail "export of a damaged store: no reason given: $(head -c 500 "$T/e.err")"
[ -p "$T/fifo" ] || fail "a failed export removed its output, a FIFO (a device would be gone too)"

expect_status 0 "export to /dev/null" -- ws export "$T/s" -o /dev/null
expect_status 0 "tf to /dev/null" -- ws tf "$T/s" --top 5 -o /dev/null
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
rc=0
ws export "$T/bad" -o "$T/part.jsonl" >"$T/p.out" 2>"$T/p.err" || rc=$?
[ "$rc" -ne 0 ] || fail "export of a damaged store to a file succeeded"
[ ! -e "$T/part.jsonl" ] || fail "a failed export left a half-written $T/part.jsonl"
note "failed outputs: a FIFO kept, a regular file removed; /dev/null stays a device"
