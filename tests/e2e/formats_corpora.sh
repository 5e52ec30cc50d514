#!/usr/bin/env bash
# The real corpora through `wirescan ingest` (issue 3), checked on `export`:
#   - Reuters-21578 (the folder, --format reuters): 21578 stories, verify
#     passes, every date in 1987; every story's id, title, body, date and
#     topics/places/people/orgs/exchanges equal what the independent Python
#     converter tests/tools/reuters2jsonl.py reads from the same files (UNPROC
#     stories, which it leaves without a body, must have one here; a DATE it
#     cannot read, "31-MAR-1987 605:12:19.12", keeps its day here); NEWID 1
#     by hand: BAHIA COCOA REVIEW, 1987-02-26T15:01:01Z, cocoa, place SALVADOR
#   - BBC (the folder, detected as text, --tag-from-dir category): 2225
#     stories, each with a title, a body and one category equal to its
#     folder (510/386/417/511/401); sport/199.txt (not UTF-8) read as
#     Windows-1252 (a pound sign) with a note; README.TXT skipped with a note
#   - the TASS seed with --year 2019: title, lead first in the body, date
#     2019-05-10, section "All news", place MOSCOW, agency TASS; without
#     --year it is undated
. "$(dirname "$0")/lib.sh"

ws ingest --help 2>&1 | grep -- '--delimiter' >/dev/null || skip "ingest has no --delimiter yet (record sources not wired in)"
[ -d "$CORPORA" ] || skip "corpus folder $CORPORA is absent (../shared/corpora is not distributed with the repo)"

# ---------------- Reuters ----------------
R="$CORPORA/reuters21578"
if compgen -G "$R/reut2-*.xml" >/dev/null; then
    expect_status 0 "ingest of Reuters" -- ws ingest -q -o "$T/r" --format reuters "$R"
    [ "$(info_value "$T/r" stories)" = 21578 ] || fail "Reuters: info says stories: $(info_value "$T/r" stories)"
    [ "$(info_value "$T/r" undated)" = 0 ] || fail "Reuters: undated: $(info_value "$T/r" undated)"
    expect_status 0 "verify of the Reuters store" -- ws verify "$T/r"
    expect_status 0 "export of the Reuters store" -- ws export "$T/r"
    mv "$T/last.out" "$T/r.jsonl"
    python3 "$WS_SRC/tests/tools/reuters2jsonl.py" "$R" >"$T/want.jsonl" 2>"$T/conv.err" ||
        { cat "$T/conv.err" >&2; fail "reuters2jsonl.py failed"; }
    python3 - "$T/want.jsonl" "$T/r.jsonl" <<'PY' || fail "Reuters stories differ from the independent converter"
import json, sys
want = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(want) == len(got) == 21578, (len(want), len(got))
bad = 0
def differ(i, what, a, b):
    global bad
    bad += 1
    if bad <= 10:
        print("story %d (NEWID %s): %s: converter %r, wirescan %r" % (i, want[i]["id"], what, a, b))
unproc = 0
for i, (w, g) in enumerate(zip(want, got)):
    if w["id"] != g["id"]: differ(i, "id", w["id"], g["id"])
    if w["title"].strip() != g["title"]: differ(i, "title", w["title"], g["title"])
    if w["body"]:
        if w["body"] != g["body"]: differ(i, "body", w["body"][:60], g["body"][:60])
    elif w["title"] == "" and not g["body"]:
        unproc += 1  # an UNPROC story must keep its text as the body
        differ(i, "body of an UNPROC story", w["body"], g["body"])
    if not w["date"].endswith("Z"):
        # the converter keeps a date it cannot read ("31-MAR-1987 605:12:19.12");
        # wirescan keeps its day
        import datetime
        day = datetime.datetime.strptime(w["date"].split()[0].title(), "%d-%b-%Y").strftime("%Y-%m-%dT00:00:00Z")
        if g["date"] != day: differ(i, "date (garbled time)", day, g["date"])
    elif w["date"] != g["date"]: differ(i, "date", w["date"], g["date"])
    if not (g["date"] or "").startswith("1987-"): differ(i, "year", "1987", g["date"])
    for t in ("topics", "places", "people", "orgs", "exchanges"):
        if w[t] != g.get(t, []): differ(i, t, w[t], g.get(t))
g = got[0]
assert g["title"] == "BAHIA COCOA REVIEW" and g["date"] == "1987-02-26T15:01:01Z", g
assert g["topics"] == ["cocoa"] and g["places"] == ["el-salvador", "usa", "uruguay"], g
assert g["place"] == ["SALVADOR"], g.get("place")
print("Reuters: %d stories compared, %d differences" % (len(got), bad))
sys.exit(1 if bad else 0)
PY
    note "Reuters: 21578 stories equal to the independent converter"
else
    note "no reut2-*.xml in $R; Reuters part skipped"
fi

# ---------------- BBC ----------------
B="$CORPORA/bbc"
if [ -d "$B/business" ]; then
    expect_status 0 "ingest of BBC" -- ws ingest -o "$T/b" --tag-from-dir category "$B"
    grep -q 'sport/199.txt: note: not valid UTF-8; read as Windows-1252' "$T/last.err" ||
        fail "no Windows-1252 note for sport/199.txt: $(head -c 600 "$T/last.err")"
    grep -q 'README.TXT: note: documentation file' "$T/last.err" || fail "README.TXT not noted as skipped"
    [ "$(info_value "$T/b" stories)" = 2225 ] || fail "BBC: info says stories: $(info_value "$T/b" stories)"
    expect_status 0 "export of the BBC store" -- ws export "$T/b"
    python3 - "$T/last.out" <<'PY' || fail "BBC stories are not as expected"
import json, sys, collections
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(got) == 2225, len(got)
n = collections.Counter()
for g in got:
    assert g["title"] and g["body"], g["id"]
    cat = g["id"].split("/")[0]
    assert g["category"] == [cat], (g["id"], g["category"])
    n[cat] += 1
assert n == {"business": 510, "entertainment": 386, "politics": 417, "sport": 511, "tech": 401}, n
s199 = [g for g in got if g["id"] == "sport/199.txt"][0]
assert "\u00a315.8m" in s199["body"], s199["body"][:300]
b1 = [g for g in got if g["id"] == "business/001.txt"][0]
assert b1["title"] == "Ad sales boost Time Warner profit", b1["title"]
PY
    note "BBC: 2225 stories with titles and categories"
fi

# ---------------- the seed ----------------
S="$CORPORA/seed"
if [ -d "$S" ]; then
    expect_status 0 "ingest of the seed" -- ws ingest -q -o "$T/s" --year 2019 "$S"
    expect_status 0 "export of the seed store" -- ws export "$T/s"
    python3 - "$T/last.out" <<'PY' || fail "the seed article is not as expected"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(got) == 1, len(got)
g = got[0]
assert g["title"] == "Russian, Japanese Foreign Ministers to hold new round of talks on peace treaty in Moscow", g["title"]
assert g["body"].startswith("The ministers will also touch upon other issues on the global and regional agenda\n\nMOSCOW, May 10. /TASS/."), g["body"][:200]
assert g["date"] == "2019-05-10T00:00:00Z", g["date"]
assert g["place"] == ["MOSCOW"] and g["agency"] == ["TASS"] and g["section"] == ["All news"], g
PY
    expect_status 0 "ingest of the seed without --year" -- ws ingest -q -o "$T/s2" "$S"
    [ "$(info_value "$T/s2" undated)" = 1 ] || fail "seed without --year: undated: $(info_value "$T/s2" undated)"
    note "seed: title, lead, 2019-05-10, MOSCOW, TASS"
fi
note "ok"
