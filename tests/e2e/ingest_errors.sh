#!/usr/bin/env bash
# Bad input handling of `ingest`:
#   - a JSONL file with good lines around bad ones (BOM at the start of the
#     file, truncated JSON, a non-object line, a wrong-typed title, invalid
#     UTF-8 bytes, a blank and a whitespace-only line, an unparsable date, a
#     CRLF line end): exit 0, exactly the 6 good stories kept in order, the
#     invalid UTF-8 repaired to U+FFFD (as Python's errors="replace" does),
#     the unparsable date kept as null, no stray CR, no BOM in the first id;
#     stderr names FILE:LINE for each skipped line (2, 3, 5) and, as
#     warnings, for the repaired line (6) and the undated one (8)
#   - --strict on an existing store: exit 6, store files unchanged
#   - --max-record 1K: a 5 KB line is skipped (named), its neighbours kept
#   - a missing input file: error naming it, exit 8, existing store unchanged
#     (also when it comes after a good file)
#   - -o naming a regular file: non-zero exit, message naming it
#   - an append: stories add up, the old segment and the old dictionary
#     bytes are unchanged, and tf (folded and --case) of the appended store
#     equals tf of a store made from the concatenated input in one go.
. "$(dirname "$0")/lib.sh"

cd "$T" || fail "cd $T"
python3 - <<'PY' || fail "writing the test input"
lines = [
    b'\xef\xbb\xbf{"id":"g1","date":"2021-01-01T00:00:00Z","title":"First good","body":"Alpha beta gamma."}',
    b'{"id":"bad-trunc","title":"Trunc","body":"never clo',
    b'[1,2,3]',
    b'{"id":"g2","date":"2021-01-02","title":"Second good","body":"Beta gamma delta."}',
    b'{"id":"bad-title","title":42,"body":"wrong typed title"}',
    b'{"id":"g3-utf8","date":"2021-01-03","title":"Bad \xff bytes","body":"caf\xc3 au lait \xed\xa0\x80 x"}',
    b'',
    b'{"id":"g4-nodate","date":"not a date at all","title":"Undated","body":"Epsilon zeta."}',
    b'{"id":"g5-crlf","date":"2021-01-05","title":"Windows","body":"Eta theta."}\r',
    b'   \t ',
    b'{"id":"g6","date":"2021-01-06","title":"Last good","body":"Iota kappa alpha."}',
]
with open("in.jsonl", "wb") as f:
    f.write(b"\n".join(lines) + b"\n")
PY

# --- without --strict: the good stories are all there --------------------
expect_status 0 "ingest of a file with bad lines" -- ws ingest -o s in.jsonl
cp "$T/last.err" ingest.err
[ "$(info_value s stories)" = 6 ] || fail "info says stories: $(info_value s stories), expected 6"
[ "$(info_value s undated)" = 1 ] || fail "info says undated: $(info_value s undated), expected 1"
expect_status 0 "export" -- ws export s
mv "$T/last.out" export.jsonl
python3 - <<'PY' || fail "exported stories are not the expected good ones"
import json
got = [json.loads(l) for l in open("export.jsonl", encoding="utf-8")]
ids = [g["id"] for g in got]
want_ids = ["g1", "g2", "g3-utf8", "g4-nodate", "g5-crlf", "g6"]
assert ids == want_ids, "ids %r, expected %r" % (ids, want_ids)
by = {g["id"]: g for g in got}
# invalid UTF-8: replaced the way Unicode's "maximal subpart" practice says
want_title = b"Bad \xff bytes".decode("utf-8", "replace")
want_body = b"caf\xc3 au lait \xed\xa0\x80 x".decode("utf-8", "replace")
assert by["g3-utf8"]["title"] == want_title, "title %r, expected %r" % (by["g3-utf8"]["title"], want_title)
assert by["g3-utf8"]["body"] == want_body, "body %r, expected %r" % (by["g3-utf8"]["body"], want_body)
assert by["g4-nodate"]["date"] is None, "unparsable date exported as %r" % by["g4-nodate"]["date"]
assert by["g5-crlf"]["body"] == "Eta theta.", "CRLF line body %r" % by["g5-crlf"]["body"]
assert by["g1"]["date"] == "2021-01-01T00:00:00Z", by["g1"]["date"]
assert by["g2"]["date"] == "2021-01-02T00:00:00Z", by["g2"]["date"]
assert by["g6"]["body"] == "Iota kappa alpha.", by["g6"]["body"]
print("export: %d good stories, repairs as expected" % len(got))
PY
for line in 2 3 5; do
    grep -q "in.jsonl:$line\b" ingest.err || { cat ingest.err >&2; fail "stderr does not name in.jsonl:$line (a skipped bad line)"; }
done
for line in 1 4 7 9 10 11; do
    ! grep -q "in.jsonl:$line:" ingest.err || { cat ingest.err >&2; fail "stderr reports in.jsonl:$line, a line that is fine"; }
done
# tokens: the good stories' words only (folded): 'good' in 3 titles, alpha twice ...
expect_status 0 "tf" -- ws tf s --top 0
grep -qx 'good,3,3' "$T/last.out" || { cat "$T/last.out" >&2; fail "tf: expected good,3,3"; }
grep -qx 'alpha,2,2' "$T/last.out" || fail "tf: expected alpha,2,2"
grep -qx 'gamma,2,2' "$T/last.out" || fail "tf: expected gamma,2,2"
! grep -q -e '^never' -e '^wrong' -e '^trunc' "$T/last.out" || fail "tf counts words of skipped lines"

# --- --strict on an existing store: fails, store unchanged ----------------
cp -r s s.before
expect_status 6 "ingest --strict of a file with bad lines into an existing store" -- ws ingest --strict -o s in.jsonl
grep -q "in.jsonl:2" "$T/last.err" || fail "--strict error does not name in.jsonl:2"
same_store s.before s "store after a failed --strict ingest"
ws verify s >/dev/null 2>&1 || fail "verify after the failed --strict ingest"

# --- --max-record ---------------------------------------------------------
python3 - <<'PY'
import json
with open("mr.jsonl", "w") as f:
    f.write(json.dumps({"id": "small1", "title": "ok", "body": "short one"}) + "\n")
    f.write(json.dumps({"id": "big", "title": "big", "body": "word " * 1000}) + "\n")
    f.write(json.dumps({"id": "small2", "title": "ok2", "body": "short two"}) + "\n")
PY
[ "$(sed -n 2p mr.jsonl | wc -c)" -gt 5000 ] || fail "test line 2 of mr.jsonl should be over 5 KB"
expect_status 0 "ingest --max-record 1K" -- ws ingest -o mr --max-record 1K mr.jsonl
grep -q "mr.jsonl:2\b" "$T/last.err" || fail "--max-record: stderr does not name mr.jsonl:2"
got=$(ws export mr | python3 -c 'import json,sys; print(" ".join(json.loads(l)["id"] for l in sys.stdin))')
[ "$got" = "small1 small2" ] || fail "--max-record 1K kept [$got], expected [small1 small2]"
# without the limit the big line is fine
expect_status 0 "ingest without --max-record" -- ws ingest -o mr2 mr.jsonl
[ "$(info_value mr2 stories)" = 3 ] || fail "without --max-record the 5 KB line should be kept"

# --- missing input file ---------------------------------------------------
rm -rf s.before; cp -r s s.before
rc=0; ws ingest -o s does-not-exist.jsonl 2>err.txt || rc=$?
[ "$rc" != 0 ] || fail "ingest of a missing file exited 0"
[ "$rc" -lt 128 ] || fail "ingest of a missing file died (status $rc)"
grep -q "does-not-exist.jsonl" err.txt || { cat err.txt >&2; fail "error does not name the missing file"; }
same_store s.before s "store after ingest of a missing file"
rc=0; ws ingest -o s in.jsonl does-not-exist.jsonl 2>err.txt || rc=$?
[ "$rc" != 0 ] || fail "ingest of a good file then a missing one exited 0"
grep -q "does-not-exist.jsonl" err.txt || fail "error does not name the missing file (second argument)"
same_store s.before s "store after ingest of a good file and a missing one"
rc=0; ws ingest -o fresh does-not-exist.jsonl 2>err.txt || rc=$?
[ "$rc" != 0 ] || fail "ingest of a missing file into a new store exited 0"
[ ! -e fresh/MANIFEST ] || fail "ingest of a missing file created a store (fresh/MANIFEST)"

# --- the store path is a regular file -------------------------------------
echo "not a directory" >afile
rc=0; ws ingest -o afile in.jsonl 2>err.txt || rc=$?
[ "$rc" != 0 ] && [ "$rc" -lt 128 ] || fail "ingest -o REGULAR_FILE exited $rc, expected a clean error"
grep -q "afile" err.txt || { cat err.txt >&2; fail "error for -o REGULAR_FILE does not name it"; }
[ "$(cat afile)" = "not a directory" ] || fail "ingest -o REGULAR_FILE changed the file"

# --- append -----------------------------------------------------------------
ws generate --stories 400 --seed 21 -o p1.jsonl || fail "generate p1"
ws generate --stories 300 --seed 22 -o p2.jsonl || fail "generate p2"
cat p1.jsonl p2.jsonl >both.jsonl
expect_status 0 "ingest p1" -- ws ingest -q -o app p1.jsonl
cp -r app app.1
expect_status 0 "append p2" -- ws ingest -q -o app p2.jsonl
expect_status 0 "ingest p1+p2 in one go" -- ws ingest -q -o one both.jsonl
[ "$(info_value app stories)" = 700 ] || fail "appended store has $(info_value app stories) stories, expected 700"
[ "$(info_value app segments)" = 2 ] || fail "appended store should have 2 segments"
for k in tokens terms; do
    [ "$(info_value app $k)" = "$(info_value one $k)" ] ||
        fail "info $k: appended store $(info_value app $k), one-go store $(info_value one $k)"
done
expect_status 0 "verify of the appended store" -- ws verify app
# old files stay valid: the first segment is untouched, the dictionary only grew
cmp -s app.1/seg-000001.wss app/seg-000001.wss || fail "append changed seg-000001.wss"
n1=$(stat -c %s app.1/terms.wsd)
cmp -s -n "$n1" app.1/terms.wsd app/terms.wsd || fail "append changed the first $n1 bytes of terms.wsd"
[ "$(stat -c %s app/terms.wsd)" -gt "$n1" ] || fail "append added no dictionary record (p2 has new words)"
for opt in "" "--case"; do
    ws tf app --top 0 $opt >tf.app || fail "tf app $opt"
    ws tf one --top 0 $opt >tf.one || fail "tf one $opt"
    [ "$(wc -l <tf.app)" -gt 1000 ] || fail "tf $opt printed too few rows"
    cmp -s tf.app tf.one || fail "tf --top 0 $opt differs between the appended store and the one-go store"
done
cmp -s <(ws export app) <(ws export one) || fail "export differs between the appended store and the one-go store"

# --- warnings for kept-but-repaired lines ----------------------------------
# The design asks for messages naming the file and line of bad input; the
# repaired line (6) and the line with an unparsable date (8) are kept, but
# the user should learn where they are.
for line in 6 8; do
    grep -q "in.jsonl:$line\b" ingest.err ||
        { cat ingest.err >&2; fail "stderr does not name in.jsonl:$line (kept but repaired: $( [ $line = 6 ] && echo 'invalid UTF-8' || echo 'unparsable date'))"; }
done
note "ok"
