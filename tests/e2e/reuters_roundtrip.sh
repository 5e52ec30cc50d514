#!/usr/bin/env bash
# Reuters-21578 round trip: convert the real corpus to JSONL, ingest it with
# all five tag columns, and check that the store holds exactly what went in.
#   - info reports 21578 stories
#   - verify passes
#   - export is identical to the input (id, date, title, body: jsonl_compare.py)
#   - every story's tag arrays (topics, places, people, orgs, exchanges) come
#     back equal, in order, checked by an independent Python reader
#   - the store (sum of its file sizes) is at most half the JSONL size
. "$(dirname "$0")/lib.sh"

reuters_need

TOOLS="$WS_SRC/tests/tools"
R="$T/r.jsonl"
S="$T/store"

python3 "$TOOLS/reuters2jsonl.py" "$REUTERS" >"$R" 2>"$T/conv.err" ||
    { cat "$T/conv.err" >&2; fail "reuters2jsonl.py failed"; }
nin=$(wc -l <"$R")
[ "$nin" -eq 21578 ] || fail "converter wrote $nin lines, expected 21578"

expect_status 0 "ingest of Reuters" -- \
    ws ingest -q -o "$S" --tag topics --tag places --tag people --tag orgs --tag exchanges "$R"

stories=$(info_value "$S" stories)
[ "$stories" = 21578 ] || fail "info says stories: '$stories', expected 21578"

expect_status 0 "verify of the Reuters store" -- ws verify "$S"

expect_status 0 "export" -- ws export "$S"
mv "$T/last.out" "$T/exported.jsonl"
python3 "$TOOLS/jsonl_compare.py" "$R" "$T/exported.jsonl" >"$T/cmp.out" 2>&1 ||
    { head -n 30 "$T/cmp.out" >&2; fail "exported stories differ from the input"; }
note "$(tail -n 1 "$T/cmp.out")"

# Tags: compare every story's arrays, independently of jsonl_compare.py
# (which ignores tags). Missing keys in the input count as [].
python3 - "$R" "$T/exported.jsonl" <<'PY' || fail "exported tag arrays differ from the input"
import json, sys
TAGS = ("topics", "places", "people", "orgs", "exchanges")
bad = 0
n = 0
nonempty = {t: 0 for t in TAGS}
with open(sys.argv[1], encoding="utf-8") as fi, open(sys.argv[2], encoding="utf-8") as fe:
    lines_in = [l for l in fi if l.strip()]
    lines_ex = [l for l in fe if l.strip()]
    if len(lines_in) != len(lines_ex):
        print("story counts differ: %d vs %d" % (len(lines_in), len(lines_ex)))
        sys.exit(1)
    for li, le in zip(lines_in, lines_ex):
        o, e = json.loads(li), json.loads(le)
        n += 1
        if o["id"] != e.get("id"):
            print("story %d: id %r vs %r" % (n, o["id"], e.get("id")))
            bad += 1
            continue
        for t in TAGS:
            want = o.get(t, [])
            got = e.get(t, "<missing>")
            if want:
                nonempty[t] += 1
            if got != want:
                bad += 1
                if bad <= 10:
                    print("story id %s: %s: input %r, exported %r" % (o["id"], t, want, got))
print("tags: %d stories checked, non-empty: %s" % (n, nonempty))
# the corpus has plenty of each; an all-empty column would mean the check proved nothing
if nonempty["topics"] < 10000 or nonempty["places"] < 15000:
    print("suspiciously few non-empty tags in the input")
    bad += 1
sys.exit(1 if bad else 0)
PY

jbytes=$(stat -c %s "$R")
sbytes=$(store_bytes "$S")
ratio=$(python3 -c "print('%.3f' % ($sbytes / $jbytes))")
note "store $sbytes bytes / JSONL $jbytes bytes = $ratio"
python3 -c "import sys; sys.exit(0 if $sbytes * 2 <= $jbytes else 1)" ||
    fail "store is $sbytes bytes, more than half of the JSONL ($jbytes bytes): ratio $ratio"
note "ok"
