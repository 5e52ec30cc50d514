#!/usr/bin/env bash
# Issue 14, bugs 4 and 8: `export` then `ingest` gives the same stories, tags
# and dates, for JSONL and CSV. Hand-written inputs (JSONL, and the same
# stories as CSV) with multi-valued tags, tag values holding '|' and '\',
# a title and body with surrounding blanks, and dates with +03:00, -05:00,
# Z, a date alone and none. Each input is ingested, exported to JSONL and
# CSV, both exports are ingested again and exported again: every export is
# byte-identical, and the stories are what the input says (checked by
# Python against the input, not against wirescan): dates written with the
# offset they came with, tags split, text exact.
. "$(dirname "$0")/lib.sh"
cd "$T" || fail "cd $T"

cat >in.jsonl <<'J'
{"id":"m1","date":"2019-05-10T09:30:00+03:00","source":"TASS","title":" Moscow talks ","body":"MOSCOW, May 10. /TASS/. Russian Foreign Minister Sergei Lavrov is to hold talks. ","places":["algeria","iran"],"k":["a|b","c\\d","plain"]}
{"id":"n1","date":"2019-05-10T23:30:00-05:00","source":"Reuters","title":"NY","body":"NEW YORK, May 10 (Reuters) - Stocks rose.","places":"usa","k":[]}
{"id":"z1","date":"2019-05-10T12:00:00Z","title":"Z","body":"Nothing special.","k":"|"}
{"id":"d1","date":"2019-05-10","title":"Date only","body":"Record March 31.\nNot a dateline."}
{"id":"u1","title":"Undated","body":"x"}
J
# The same stories as CSV: tags joined with '|', '\|' and '\\' escaped.
cat >in.csv <<'C'
id,date,source,title,body,places,k
m1,2019-05-10T09:30:00+03:00,TASS," Moscow talks ","MOSCOW, May 10. /TASS/. Russian Foreign Minister Sergei Lavrov is to hold talks. ",algeria|iran,a\|b|c\\d|plain
n1,2019-05-10T23:30:00-05:00,Reuters,NY,"NEW YORK, May 10 (Reuters) - Stocks rose.",usa,
z1,2019-05-10T12:00:00Z,,Z,Nothing special.,,\|
d1,2019-05-10,,Date only,"Record March 31.
Not a dateline.",,
u1,,,Undated,x,,
C

tags=(--tag places --tag k)
again=(--tag places --tag k --tag place --tag agency)
for fmt in jsonl csv; do
    expect_status 0 "ingest in.$fmt" -- ws ingest -q -o "s_$fmt" "${tags[@]}" "in.$fmt"
    expect_status 0 "export (jsonl) of in.$fmt" -- ws export "s_$fmt" -o "e1_$fmt.jsonl"
    expect_status 0 "export (csv) of in.$fmt" -- ws export "s_$fmt" --format csv -o "e1_$fmt.csv"
    for out in jsonl csv; do
        expect_status 0 "ingest of the $out export of in.$fmt" -- ws ingest -q -o "r_${fmt}_$out" "${again[@]}" "e1_$fmt.$out"
        expect_status 0 "export" -- ws export "r_${fmt}_$out" -o "e2_${fmt}_$out.jsonl"
        expect_status 0 "export" -- ws export "r_${fmt}_$out" --format csv -o "e2_${fmt}_$out.csv"
        cmp -s "e1_$fmt.jsonl" "e2_${fmt}_$out.jsonl" || fail "in.$fmt -> $out -> ingest: JSONL export differs: $(diff "e1_$fmt.jsonl" "e2_${fmt}_$out.jsonl" | head -5)"
        cmp -s "e1_$fmt.csv" "e2_${fmt}_$out.csv" || fail "in.$fmt -> $out -> ingest: CSV export differs: $(diff "e1_$fmt.csv" "e2_${fmt}_$out.csv" | head -5)"
    done
done
cmp -s e1_jsonl.jsonl e1_csv.jsonl || fail "the JSONL and the CSV input give different stories: $(diff e1_jsonl.jsonl e1_csv.jsonl | head -5)"

python3 - in.jsonl e1_jsonl.jsonl e1_jsonl.csv <<'PY' || fail "exported stories are not the input's"
import csv, json, sys
src = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(src) == len(got) == 5, (len(src), len(got))
def as_list(v):
    return [] if v is None else [v] if isinstance(v, str) else v
# the date as written, a date alone at midnight UTC
want_date = {"m1": "2019-05-10T09:30:00+03:00", "n1": "2019-05-10T23:30:00-05:00", "z1": "2019-05-10T12:00:00Z",
             "d1": "2019-05-10T00:00:00Z", "u1": None}
want_dl = {"m1": (["MOSCOW"], ["TASS"]), "n1": (["NEW YORK"], ["Reuters"])}
for s, g in zip(src, got):
    assert g["id"] == s["id"], (g["id"], s["id"])
    assert g["title"] == s["title"] and g["body"] == s["body"], ("text not exact", s["id"], g["title"], g["body"])
    assert g["source"] == s.get("source", ""), g
    assert g["date"] == want_date[s["id"]], (s["id"], g["date"])
    assert g["places"] == [v for v in as_list(s.get("places")) if v], (s["id"], g["places"])
    assert g["k"] == [v for v in as_list(s.get("k")) if v], (s["id"], g["k"])
    place, agency = want_dl.get(s["id"], ([], []))
    assert g["place"] == place and g["agency"] == agency, (s["id"], g["place"], g["agency"])
# the CSV export: one header, tags joined with '|', '|' and '\' escaped
rows = list(csv.reader(open(sys.argv[3], encoding="utf-8", newline="")))
assert rows[0] == ["id", "date", "source", "title", "body", "places", "k", "place", "agency"], rows[0]
m1 = rows[1]
assert m1[1] == "2019-05-10T09:30:00+03:00" and m1[5] == "algeria|iran" and m1[6] == "a\\|b|c\\\\d|plain", m1
assert rows[3][6] == "\\|", rows[3]
assert rows[5][1] == "", rows[5]
PY

# Segments with different tag columns: one CSV header names all of them.
printf '{"id":"x","title":"X","body":"y","extra":"e1"}\n' >extra.jsonl
expect_status 0 "append with another tag column" -- ws ingest -q -o s_jsonl --tag extra extra.jsonl
expect_status 0 "export csv of two segments" -- ws export s_jsonl --format csv
head -n 1 last.out | grep -q '^id,date,source,title,body,places,k,place,agency,extra' || fail "CSV header: $(head -n 1 last.out)"
[ "$(tail -n 1 last.out | tr -d '\r')" = "x,,,X,y,,,,,e1" ] || fail "row of the second segment: $(tail -n 1 last.out)"
note "JSONL and CSV exports ingest back to the same stories, dates and tags"
