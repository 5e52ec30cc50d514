#!/usr/bin/env bash
# export takes every filter and --fields: on a generated corpus, the ids
# exported under --from/--to, --source, --where, --containing (a pattern and
# a phrase) and their combination are the ones Python selects from the
# input itself; every filtered JSONL line is byte-identical to the story's
# line in the full export; --fields chooses and orders the columns (CSV
# and JSONL) with the input's values; 1, 2 and 3 threads give the same
# bytes; a filter matching nothing gives the CSV header alone; an unknown
# field is a usage error naming the store's fields.
. "$(dirname "$0")/lib.sh"

ws generate --stories 400 --seed 3 -o "$T/g.jsonl" || fail "generate"
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" --tag section "$T/g.jsonl"
expect_status 0 "full export" -- ws export "$T/s" -o "$T/all.jsonl"

# pick ARGS -- PYEXPR: the ids export gives under ARGS equal the input's
# stories for which PYEXPR (over st, a story, and has(spec)) holds.
pick() {
    local args=()
    while [ "$1" != -- ]; do args+=("$1"); shift; done
    shift
    for j in 1 2 3; do
        ws export "$T/s" "${args[@]}" -j $j >"$T/f$j.jsonl" 2>"$T/err" || { cat "$T/err" >&2; fail "export ${args[*]} -j $j"; }
    done
    cmp -s "$T/f1.jsonl" "$T/f2.jsonl" && cmp -s "$T/f1.jsonl" "$T/f3.jsonl" || fail "export ${args[*]}: differs across threads"
    python3 - "$T/g.jsonl" "$T/f1.jsonl" "$T/all.jsonl" "$1" <<'EOF' || fail "export ${args[*]}: wrong stories"
import json, os, sys
sys.path.insert(0, os.environ["E2E_DIR"])
from patterns_ref import stories, compile_spec, matches
data = list(stories(sys.argv[1]))
vocab = {w for _, ws in data for w in ws}
want = []
for st, words in data:
    has = lambda spec: bool(matches(words, compile_spec(spec, vocab)))
    if eval(sys.argv[4]):
        want.append(st["id"])
got_lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
got = [json.loads(l)["id"] for l in got_lines]
if got != want:
    sys.exit("got %d stories, want %d; first differences: %s" % (len(got), len(want), [(a, b) for a, b in zip(got, want) if a != b][:3]))
if len(want) < 3:
    sys.exit("the filter selects almost nothing: a weak test")
full = set(open(sys.argv[3], encoding="utf-8").read().splitlines())
bad = [l for l in got_lines if l not in full]
if bad:
    sys.exit("a filtered line differs from the full export: " + bad[0][:200])
print(len(want))
EOF
    note "export ${args[*]}: ok"
}
export E2E_DIR
pick --from 2015-03 --to 2015-06-15 -- '"2015-03" <= st["date"][:10] <= "2015-06-15"'
pick --source "Corvell Wire" -- 'st["source"] == "Corvell Wire"'
pick --where section=sports -- 'st.get("section") == "sports"'
pick --containing 'th?y' -- 'has("th?y")'
pick --containing 'said the' --containing 'kr*' -- 'has("said the") and has("kr*")'
pick --from 2015-06 --source "Norrick Times" --containing the -- \
    'st["date"][:7] >= "2015-06" and st["source"] == "Norrick Times" and has("the")'

# --fields: chosen columns in the given order, the input's values.
ws export "$T/s" --fields body,id,section --format csv -o "$T/f.csv" || fail "export --fields csv"
ws export "$T/s" --fields 'date, id' -o "$T/f.jsonl" || fail "export --fields jsonl"
python3 - "$T/g.jsonl" "$T/f.csv" "$T/f.jsonl" <<'EOF' || fail "--fields output is not the input's"
import csv, json, sys
src = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
rows = list(csv.reader(open(sys.argv[2], encoding="utf-8", newline="")))
assert rows[0] == ["body", "id", "section"], rows[0]
assert len(rows) == len(src) + 1
for r, st in zip(rows[1:], src):
    assert r == [st["body"], st["id"], st.get("section", "")], (r[1], st["id"])
lines = open(sys.argv[3], encoding="utf-8").read().splitlines()
for l, st in zip(lines, src):
    o = json.loads(l)
    assert list(o) == ["date", "id"], list(o)
    assert o["id"] == st["id"] and o["date"] == st["date"], (o, st["id"])
EOF
note "--fields ok"

# Nothing selected: the header alone (CSV), nothing (JSONL); exit 0.
expect_status 0 "nothing" -- ws export "$T/s" --containing 'zzq*' --format csv
[ "$(cat "$T/last.out")" = "$(printf 'id,date,source,title,body,section,place,agency\r')" ] ||
    fail "empty selection: $(od -c "$T/last.out" | head -3)"
expect_status 0 "nothing (jsonl)" -- ws export "$T/s" --where section=nosuch
[ ! -s "$T/last.out" ] || fail "empty selection (jsonl) wrote something"
# Errors.
expect_status 2 "unknown field" -- ws export "$T/s" --fields id,nope
grep -F "no field 'nope' (the store's fields: id, date, source, title, body, section" "$T/last.err" >/dev/null ||
    fail "unknown field message: $(cat "$T/last.err")"
expect_status 2 "field twice" -- ws export "$T/s" --fields id,id
expect_status 2 "unknown option" -- ws export "$T/s" --top 3
expect_status 2 "bad date" -- ws export "$T/s" --from 2015-13
note "errors ok"
