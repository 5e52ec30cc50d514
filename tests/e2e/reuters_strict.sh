#!/usr/bin/env bash
# Issue 14, bug 2: every Reuters-21578 file ingests under --strict, with no
# message other than notes, and stores as many stories as it has <REUTERS> elements (counted
# here with grep, independently of the reader). reut2-003.xml used to report
# a false "<REUTERS> not closed before the next <REUTERS>" at line 4781 (a
# read ending 9 bytes into a story). A generated file with a story starting
# at every offset around the first 64 KiB read boundary checks the same
# thing without the corpus.
. "$(dirname "$0")/lib.sh"

story() { printf '<REUTERS NEWID="%s"><DATE>1-MAR-1987 00:00:00.00</DATE><TEXT><TITLE>T%s</TITLE><BODY>Body %s.</BODY></TEXT></REUTERS>\n' "$1" "$1" "$1"; }

# ---- generated: the boundary, without the corpus ----
for d in 0 1 8 9 10 17 18; do
    f="$T/gen$d.xml"
    { printf '<?xml version="1.0"?>\n<LEWIS>\n'; story 1; } >"$f"
    pad=$((65536 - d - $(stat -c %s "$f")))
    head -c "$pad" /dev/zero | tr '\0' '\n' >>"$f"
    { story 2; story 3; printf '</LEWIS>\n'; } >>"$f"
    expect_status 0 "generated file, story at byte 65536-$d, --strict" -- ws ingest -q --strict -o "$T/g$d" "$f"
    [ ! -s "$T/last.err" ] || fail "story at byte 65536-$d: messages: $(cat "$T/last.err")"
    [ "$(info_value "$T/g$d" stories)" = 3 ] || fail "story at byte 65536-$d: stories: $(info_value "$T/g$d" stories)"
done

# ---- the real corpus ----
R="$CORPORA/reuters21578"
compgen -G "$R/reut2-*.xml" >/dev/null || skip "Reuters corpus $R is absent (../shared/corpora is not distributed with the repo)"
n=0 total=0
for f in "$R"/reut2-*.xml; do
    b=$(basename "$f" .xml)
    expect_status 0 "ingest --strict $b.xml" -- ws ingest -q --strict -o "$T/$b" "$f"
    if grep -v ': note: ' "$T/last.err" | grep . >/dev/null; then fail "$b.xml: messages under --strict: $(head -c 500 "$T/last.err")"; fi
    want=$(grep -c '<REUTERS ' "$f")
    got=$(info_value "$T/$b" stories)
    [ "$got" = "$want" ] || fail "$b.xml: $got stories stored, the file has $want <REUTERS> elements"
    total=$((total + got))
    n=$((n + 1))
    rm -rf "$T/$b"
done
[ "$n" = 22 ] || fail "expected 22 Reuters files, found $n"
[ "$total" = 21578 ] || fail "expected 21578 stories in all, got $total"
note "all $n Reuters files ingest under --strict ($total stories)"
