#!/usr/bin/env bash
# Store corruption sweep: a small two-segment store (two ingests, so two
# dictionary records) is damaged one way at a time, each time in a fresh copy:
#   - every byte of every file but LOCK (MANIFEST, terms.wsd, stats-*.wst,
#     seg-*.wss) xor 0xff, and again xor 0x01 (a single-bit flip)
#   - every truncation length 0..size-1 of every such file
# and `verify` must exit non-zero with a status below 128 (5 = corrupt is
# expected; another clean error status such as 9 = unsupported version is
# accepted), never 0 and never a signal, and must say something. On a few
# hundred of the damaged copies every reading command (info, tf, keyness,
# cooc, ngrams, trends, export) must refuse with 5 naming the file, or print
# exactly what it prints for the intact store.
# With $WS_ASAN_BIN set (an ASan+UBSan build) that binary runs the byte-flip
# sweep and the segment truncations, and any sanitizer report fails the
# test; the single-bit sweep and the other truncations use the faster WS_BIN. The work is done by
# store_damage.py next to this script.
. "$(dirname "$0")/lib.sh"

BIN=${WS_ASAN_BIN:-$WS_BIN}
[ -x "$BIN" ] || fail "binary $BIN is not executable"
# Sanitizer reports must not look like a clean error exit (their default
# exit status is 1): make them abort (status 134), and grep for them too.
# Leak checking costs ~10 ms a process under ASan, so the plain verify sweep
# runs without it and the few hundred "deep" runs (verify, export, tf) with it.
ASAN_BASE="${ASAN_OPTIONS:+$ASAN_OPTIONS:}abort_on_error=1"
export ASAN_OPTIONS="$ASAN_BASE:detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:abort_on_error=1:print_stacktrace=1"
note "binary under test: $BIN"

cat >"$T/a.jsonl" <<'J'
{"id":"a1","date":"2020-01-02T03:04:05Z","source":"Wire","title":"Cats win","body":"The cats won the match. Dogs lost.","topics":["sport","pets"]}
{"id":"a2","date":"2020-01-03","source":"Post","title":"Rain","body":"Rain fell all day.","topics":["weather"]}
{"id":"a3","title":"No date","body":"Nothing dated here, café. Ünïcode näive.","topics":[]}
{"id":"a4","date":"2020-02-01T12:00:00Z","source":"Wire","title":"Cats again","body":"Cats, cats and more cats.\n\nA second paragraph.","topics":["pets"]}
J
cat >"$T/b.jsonl" <<'J'
{"id":"b1","date":"2021-05-06T07:08:09Z","source":"Wire","title":"Snow","body":"Snow and cats. Élan vital.","topics":["weather","pets"]}
{"id":"b2","date":"2021-05-07T00:00:00Z","source":"Herald","title":"Markets up","body":"Stocks rose; bonds fell. 東京 markets calm.","topics":["markets"]}
{"id":"b3","date":"2021-06-01T00:00:00Z","source":"Post","title":"Zebra","body":"Zebras graze quietly.","topics":["nature"]}
J
S="$T/store"
expect_status 0 "first ingest" -- "$WS_BIN" ingest -q -o "$S" --tag topics "$T/a.jsonl"
expect_status 0 "append" -- "$WS_BIN" ingest -q -o "$S" --tag topics "$T/b.jsonl"
expect_status 0 "verify of the intact store" -- "$BIN" verify "$S"
[ "$(info_value "$S" stories)" = 7 ] || fail "store should hold 7 stories"
[ "$(info_value "$S" segments)" = 2 ] || fail "store should have 2 segments"
# format 2.0 unless WS_WRITE_FORMAT=1 (bitflip_sweep_v1.sh)
[ "$(head -n1 "$S/MANIFEST")" = "wirescan-store ${WS_WRITE_FORMAT:-2}" ] || fail "store format: $(head -n1 "$S/MANIFEST")"
nseg=$(ls "$S"/seg-*.wss | wc -l)
[ "$nseg" = 2 ] || fail "expected 2 segment files, found $nseg"
ls "$S"/stats-*.wst >/dev/null 2>&1 || fail "no stats-*.wst file in the store"
# two dictionary records: the magic appears twice in terms.wsd
ndic=$(grep -a -o WSCANDIC "$S/terms.wsd" | wc -l)
[ "$ndic" = 2 ] || fail "terms.wsd should hold 2 dictionary records, has $ndic"
# The intact store exports and counts fine with the binary under test (and
# without sanitizer reports). Problems are collected so that the sweep below
# still runs and reports everything it finds.
errors=0
intact_check() {  # intact_check ARGS...: run "$BIN" ARGS on the intact store
    local rc=0
    "$BIN" "$@" >"$T/intact.out" 2>"$T/intact.err" || rc=$?
    if [ "$rc" != 0 ] || grep -q -E 'Sanitizer|runtime error:' "$T/intact.err"; then
        echo "PROBLEM intact store: '$*' exited $rc: $(head -c 1500 "$T/intact.err")" >&2
        errors=$((errors + 1))
    fi
}
intact_check export "$S"
intact_check export "$S" --format csv
intact_check tf "$S" --top 0 --threads 2

mkdir "$T/work"
DAMAGE="$E2E_DIR/store_damage.py"
if [ "$BIN" != "$WS_BIN" ]; then
    # Sanitizer build (~15 ms a process just to start): every byte of every
    # file flipped and every truncation of the segment files, with 200 deep
    # checks; the single-bit flips and the truncations of the other files
    # then run with the faster plain binary.
    ASAN_BASE="$ASAN_BASE" python3 "$DAMAGE" "$BIN" "$S" "$T/work" xorff 100 || errors=$((errors + 1))
    ASAN_BASE="$ASAN_BASE" python3 "$DAMAGE" "$BIN" "$S" "$T/work" trunc 40 'seg-' || errors=$((errors + 1))
    python3 "$DAMAGE" "$WS_BIN" "$S" "$T/work" xor01 60 || errors=$((errors + 1))
    python3 "$DAMAGE" "$WS_BIN" "$S" "$T/work" trunc 20 '(?!seg-)' || errors=$((errors + 1))
else
    python3 "$DAMAGE" "$WS_BIN" "$S" "$T/work" xorff,xor01,trunc 150 || errors=$((errors + 1))
fi
# the original store must be untouched by all of this
expect_status 0 "verify of the original store after the sweep" -- "$BIN" verify "$S"
[ "$errors" = 0 ] || fail "corruption sweep found problems (see above)"
note "ok"
