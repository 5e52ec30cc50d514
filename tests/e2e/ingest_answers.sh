#!/usr/bin/env bash
# What ingest answers (issue 14):
#   - a first story without tokens ({} and its CSV, text and Reuters
#     equivalents) ingests cleanly under ASan+UBSan ($WS_ASAN_BIN; UBSan
#     used to abort on memcpy(NULL, 0) and leave LOCK and a .tmp segment)
#   - an ingest that keeps nothing (every record bad, or no records) exits 6
#     and leaves the store byte for byte as it was; a first ingest that fails
#     (missing input, --strict, nothing kept) leaves no folder behind
#   - ingesting ids the store already holds warns with the count and the
#     first ids; --skip-existing skips them (exact, and idempotent)
#   - a second writer gets exit 10 at once; --wait waits for the lock
#   - a pipe given as INPUT (<(cmd)) loses no record to format sniffing
#   - option errors exit 2 with exactly one message; --threads 4096 is capped
#     (same store, bounded memory); writing to a full stdout exits 4
. "$(dirname "$0")/lib.sh"

sums() { (cd "$1" && for f in $(ls | grep -v '^LOCK$' | LC_ALL=C sort); do echo "$f $(sha256sum <"$f")"; done); }

# --- tokenless first stories, every format, under the sanitizer build
if [ -n "${WS_ASAN_BIN:-}" ] && [ -x "$WS_ASAN_BIN" ]; then
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"
    mkdir "$T/tl" "$T/tl/txt"
    printf '{}\n{"id":"x","body":"words here"}\n' >"$T/tl/a.jsonl"
    printf 'id,title,body\n1,,\n2,,words here\n' >"$T/tl/a.csv"
    printf 'Subject: \n\n' >"$T/tl/txt/a.txt"
    printf '<REUTERS NEWID="1"><TEXT></TEXT></REUTERS>\n<REUTERS NEWID="2"><TEXT><BODY>words here</BODY></TEXT></REUTERS>\n' >"$T/tl/a.sgm"
    for in in a.jsonl a.csv txt a.sgm; do
        rm -rf "$T/tl/s"
        expect_status 0 "sanitizer build: ingest of a tokenless first story ($in)" -- \
            "$WS_ASAN_BIN" ingest -q --threads 2 -o "$T/tl/s" "$T/tl/$in"
        grep -q -E 'runtime error|Sanitizer' "$T/last.err" && fail "sanitizer report for $in: $(head -c 600 "$T/last.err")"
        expect_status 0 "sanitizer build: verify ($in)" -- "$WS_ASAN_BIN" verify "$T/tl/s"
        ls "$T/tl/s" | grep -q '\.tmp$' && fail "temp files left after ingesting $in"
    done
    # stdin, as in the report
    rm -rf "$T/tl/s"
    printf '{}\n' | "$WS_ASAN_BIN" ingest -q -o "$T/tl/s" - 2>"$T/tl/err" || fail "ingest of {} from stdin: $(head -c 600 "$T/tl/err")"
    [ "$(info_value "$T/tl/s" stories)" = 1 ] || fail "the {} story was not kept"
else
    note "WS_ASAN_BIN not set: the tokenless-story check runs with the plain binary only"
    printf '{}\n' | ws ingest -q -o "$T/tl0" - || fail "ingest of {}"
fi

# --- an ingest that keeps nothing
printf '{"id":"g1","body":"good one"}\n{"id":"g2","body":"good two"}\n' >"$T/good.jsonl"
python3 -c 'import sys; sys.stdout.write("".join("not json %d\n" % i for i in range(102)))' >"$T/bad.jsonl"
: >"$T/empty.jsonl"
S="$T/s"
expect_status 0 "first ingest" -- ws ingest -q -o "$S" "$T/good.jsonl"
before=$(sums "$S")
expect_status 6 "append of 102 bad records" -- ws ingest -q -o "$S" "$T/bad.jsonl"
grep -q "all 102 records were bad" "$T/last.err" || fail "no summary of the bad records: $(tail -c 300 "$T/last.err")"
[ "$(sums "$S")" = "$before" ] || fail "the failed append changed the store"
expect_status 6 "append of an empty input" -- ws ingest -q -o "$S" "$T/empty.jsonl"
[ "$(sums "$S")" = "$before" ] || fail "the empty append changed the store"
expect_status 0 "append of bad records and one good one" -- ws ingest -q -o "$S" "$T/bad.jsonl" <(printf '{"id":"g3","body":"x"}\n')
[ "$(info_value "$S" stories)" = 3 ] || fail "one good record among bad ones must be kept"

# --- failed first ingests leave nothing behind
expect_status 8 "first ingest of a missing file" -- ws ingest -q -o "$T/x1" "$T/nosuch.jsonl"
[ -e "$T/x1" ] && fail "a failed first ingest (missing input) left $T/x1: $(ls -a "$T/x1" | tr '\n' ' ')"
expect_status 6 "first ingest, --strict, bad second line" -- ws ingest -q --strict -o "$T/x2" \
    <(printf '{"id":"1","body":"ok"}\nnot json\n')
[ -e "$T/x2" ] && fail "a failed --strict first ingest left $T/x2: $(ls -a "$T/x2" | tr '\n' ' ')"
expect_status 6 "first ingest of only bad records" -- ws ingest -q -o "$T/x3" "$T/bad.jsonl"
[ -e "$T/x3" ] && fail "a first ingest that kept nothing left $T/x3"
mkdir "$T/x4"
expect_status 6 "first ingest into an existing empty folder" -- ws ingest -q -o "$T/x4" "$T/bad.jsonl"
[ -d "$T/x4" ] || fail "a folder the user made was removed"
[ -z "$(ls -A "$T/x4")" ] || fail "a failed first ingest left files in an existing folder: $(ls -A "$T/x4" | tr '\n' ' ')"

# --- ids already in the store
python3 -c '
import sys
for i in range(50): print("{\"id\":\"d%d\",\"body\":\"story %d about cats\"}" % (i, i))' >"$T/d.jsonl"
python3 -c '
import sys
for i in range(40, 60): print("{\"id\":\"d%d\",\"body\":\"story %d about cats\"}" % (i, i))' >"$T/d2.jsonl"
D="$T/dup"
expect_status 0 "ingest" -- ws ingest -q -o "$D" "$T/d.jsonl"
expect_status 0 "the same file again" -- ws ingest -q -o "$D" "$T/d.jsonl"
grep -q "warning: 50 stories have an id already in" "$T/last.err" || fail "no warning for 50 re-ingested ids: $(cat "$T/last.err")"
grep -q "e.g. d0, d1, d2" "$T/last.err" || fail "the warning does not name the first ids: $(cat "$T/last.err")"
[ "$(info_value "$D" stories)" = 100 ] || fail "without --skip-existing the stories are stored again"
K="$T/skip"
expect_status 0 "ingest" -- ws ingest -q -o "$K" "$T/d.jsonl"
before=$(sums "$K")
expect_status 0 "the same file with --skip-existing" -- ws ingest -q --skip-existing -o "$K" "$T/d.jsonl"
grep -q "skipped 50 stories" "$T/last.err" || fail "no note of 50 skipped stories: $(cat "$T/last.err")"
[ "$(sums "$K")" = "$before" ] || fail "an ingest with nothing new changed the store"
expect_status 0 "an overlapping file with --skip-existing" -- ws ingest -q --skip-existing -o "$K" "$T/d2.jsonl"
grep -q "skipped 10 stories .*(e.g. d40, d41, d42)" "$T/last.err" || fail "overlap: $(cat "$T/last.err")"
[ "$(info_value "$K" stories)" = 60 ] || fail "--skip-existing: expected 60 stories"
ws export "$K" | python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in sys.stdin]
want = ["d%d" % i for i in range(60)]
sys.exit(0 if ids == want else "ids in the store: %r" % ids[:70])' || fail "--skip-existing kept the wrong stories"

# --- a second writer: exit 10 at once, or --wait
if command -v flock >/dev/null 2>&1; then
    W="$T/w"
    expect_status 0 "ingest" -- ws ingest -q -o "$W" "$T/good.jsonl"
    # hold the lock until told to let go
    flock "$W/LOCK" sh -c ": >'$T/held'; while [ ! -e '$T/go' ]; do sleep 0.05; done; : >'$T/released'" &
    holder=$!
    while [ ! -e "$T/held" ]; do sleep 0.05; done
    expect_status 10 "a second writer" -- ws ingest -q -o "$W" "$T/d.jsonl"
    grep -q -- "--wait" "$T/last.err" || fail "the busy message does not mention --wait: $(cat "$T/last.err")"
    ws ingest -q --wait -o "$W" "$T/d.jsonl" >"$T/wait.out" 2>"$T/wait.err" &
    waiter=$!
    sleep 0.5
    kill -0 "$waiter" 2>/dev/null || fail "ingest --wait did not wait for the lock: $(cat "$T/wait.err")"
    [ "$(info_value "$W" stories)" = 2 ] || fail "the waiting writer wrote while the lock was held"
    : >"$T/go"
    wait "$waiter" || fail "ingest --wait failed: $(cat "$T/wait.err")"
    wait "$holder"
    [ -e "$T/released" ] || fail "the waiting ingest finished before the lock was released"
    [ "$(info_value "$W" stories)" = 52 ] || fail "after --wait the store should hold 52 stories"
    # two waiting writers at once both get their turn
    ws ingest -q --wait -o "$W" "$T/d2.jsonl" 2>"$T/w1.err" &
    p1=$!
    ws ingest -q --wait --skip-existing -o "$W" <(printf '{"id":"z1","body":"z"}\n') 2>"$T/w2.err" &
    p2=$!
    wait $p1 || fail "first concurrent --wait writer: $(cat "$T/w1.err")"
    wait $p2 || fail "second concurrent --wait writer: $(cat "$T/w2.err")"
    [ "$(info_value "$W" stories)" = 73 ] || fail "two --wait writers: expected 73 stories, got $(info_value "$W" stories)"
    expect_status 0 "verify after the waiting writers" -- ws verify "$W"
else
    note "flock(1) not installed: --wait not tested"
fi

# --- option errors: exit 2, one message and the hint to --help
for args in "--max-record -5" "--max-record 0" "--block-tokens 0" "--year 0" "--level 20" "--level 0" "--threads -1"; do
    # shellcheck disable=SC2086
    expect_status 2 "ingest $args" -- ws ingest $args -o "$T/opt" "$T/good.jsonl"
    n=$(wc -l <"$T/last.err")
    [ "$n" = 2 ] && [ "$(tail -n 1 "$T/last.err")" = "Try 'wirescan ingest --help'." ] ||
        fail "ingest $args: $n lines on stderr, expected one message and the hint: $(cat "$T/last.err")"
    [ -e "$T/opt" ] && fail "ingest $args created the store"
done

# --- --threads 4096: capped; the same store as --threads 1
ws generate --stories 300 --seed 3 -o "$T/g.jsonl" || fail "generate"
expect_status 0 "ingest --threads 1" -- ws ingest -q --threads 1 -o "$T/t1" "$T/g.jsonl"
if [ -x /usr/bin/time ]; then
    expect_status 0 "ingest --threads 4096" -- /usr/bin/time -f 'maxrss_kb %M' "$WS_BIN" ingest -q --threads 4096 -o "$T/t4096" "$T/g.jsonl"
    rss=$(sed -n 's/^maxrss_kb //p' "$T/last.err")
    note "--threads 4096: peak RSS ${rss} kB"
    [ "${rss:-0}" -lt 1000000 ] || fail "--threads 4096 used ${rss} kB (threads not capped)"
else
    expect_status 0 "ingest --threads 4096" -- ws ingest -q --threads 4096 -o "$T/t4096" "$T/g.jsonl"
fi
same_store "$T/t1" "$T/t4096" "--threads 4096 vs --threads 1"

# --- a full stdout is an I/O error (exit 4)
if [ -w /dev/full ]; then
    for cmd in "verify $S" "info $S" "export $S" "tf $S" "ingest --help"; do
        # shellcheck disable=SC2086
        rc=0; ws $cmd >/dev/full 2>"$T/full.err" || rc=$?
        [ "$rc" = 4 ] || fail "'$cmd > /dev/full' exited $rc, expected 4: $(cat "$T/full.err")"
    done
else
    note "/dev/full not available: full-stdout check skipped"
fi
note "ok"
