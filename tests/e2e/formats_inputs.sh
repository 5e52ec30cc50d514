#!/usr/bin/env bash
# Hand-made CSV, text-folder and Reuters inputs through `wirescan ingest`
# (issue 3), checked on `export` and on stderr:
#   - CSV: quoted fields with commas, doubled quotes and newlines, CRLF and a
#     BOM; --field/--tag mapping; --delimiter ';'; a malformed quote and a
#     ragged row reported as FILE:LINE and skipped, the good records around
#     them kept; --strict fails with exit 6 and leaves no store; --year with
#     a dateline in the body gives place/agency tags and the date
#   - text folder: a mail file, a header-only mail file, a Latin-1 file (read
#     as Windows-1252, noted), a file of NULs, an empty file and a hidden file
#     (skipped, noted), an agency-style file with its dateline
#   - Reuters SGML: entities, a Latin-1 byte, an UNPROC story, a story with
#     an unclosed <BODY> (reported with its line, the next story kept)
#   - a 50 MB CSV line and a 50 MB text file under --max-record 1M: skipped
#     with a message, the other records kept, and the peak memory of the run
#     within 24 MB of the same ingest without the huge records
. "$(dirname "$0")/lib.sh"

ws ingest --help 2>&1 | grep -- '--delimiter' >/dev/null || skip "ingest has no --delimiter yet (record sources not wired in)"
cd "$T" || fail "cd $T"

# ---------------- CSV ----------------
printf '\xef\xbb\xbfid,Headline,body,date,Desk\r\n' >a.csv
printf '1,"Comma, ""quoted""",plain body,2019-05-10,World\r\n' >>a.csv
printf '2,"Bad "quote" here",x,2019-05-11,World\r\n' >>a.csv
printf '3,Multi,"line one\nline two",2019-05-12,Sport\r\n' >>a.csv
printf '4,ragged,row\r\n' >>a.csv
printf '5,Dateline,"LONDON, March 3 (AP) \xe2\x80\x94 Text.",,World\r\n' >>a.csv
expect_status 0 "CSV ingest with bad records" -- ws ingest -o s1 --field title=Headline --tag Desk --year 2020 a.csv
grep -q 'a.csv:3: .*closing quote' last.err || fail "no a.csv:3 message: $(cat last.err)"
grep -q 'a.csv:6: .*fields' last.err || fail "no a.csv:6 ragged-row message: $(cat last.err)"
[ "$(info_value s1 stories)" = 3 ] || fail "CSV: stories $(info_value s1 stories), expected 3"
expect_status 0 "export" -- ws export s1
python3 - last.out <<'PY' || fail "CSV stories are not as expected"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert [g["id"] for g in got] == ["1", "3", "5"], [g["id"] for g in got]
assert got[0]["title"] == 'Comma, "quoted"' and got[0]["date"] == "2019-05-10T00:00:00Z", got[0]
assert got[0]["Desk"] == ["World"], got[0]
assert got[1]["body"] == "line one\nline two", got[1]["body"]
assert got[2]["place"] == ["LONDON"] and got[2]["agency"] == ["AP"], got[2]
assert got[2]["date"] == "2020-03-03T00:00:00Z", got[2]["date"]
PY
expect_status 6 "CSV ingest with --strict" -- ws ingest -o s2 --strict --field title=Headline a.csv
[ ! -e s2/MANIFEST ] || [ "$(ls s2 | grep -c seg)" = 0 ] || fail "--strict left a segment behind"
printf 'title;body\n"a;b";c\n' >semi.csv
expect_status 0 "CSV with --delimiter ';'" -- ws ingest -q -o s3 --delimiter ';' semi.csv
expect_status 0 "export" -- ws export s3
grep -q '"title":"a;b"' last.out || fail "--delimiter: $(cat last.out)"

# ---------------- a text folder ----------------
mkdir -p txt/mail txt/agency
printf 'From: John Smith <js@example.org>\nSubject: Hello there\nDate: Fri, 23 Apr 1993 16:24:16 GMT\nNewsgroups: a.b, c.d\n\nBody text.\n' >txt/mail/1.eml
printf 'Subject: Only headers\nFrom: x@y.z\n' >txt/mail/2.eml
printf 'Caf\xe9 au lait\n\nPrix \xa3 5.\n' >txt/latin1.txt
head -c 4096 /dev/zero >txt/nuls.txt
: >txt/empty.txt
printf 'Hidden\n\nx\n' >txt/.hidden.txt
printf 'All news\n\nMinisters to meet in Moscow on Friday\n\nThe lead paragraph\n\nMOSCOW, May 10. /TASS/. Body.\n' >txt/agency/2019-05-10.txt
expect_status 0 "text folder ingest" -- ws ingest -o t1 txt
for n in 'latin1.txt: note: not valid UTF-8; read as Windows-1252' 'nuls.txt: note: not text' \
         'empty.txt: note: empty file' '.hidden.txt: note: hidden'; do
    grep -qF "$n" last.err || fail "no note '$n': $(cat last.err)"
done
[ "$(info_value t1 stories)" = 4 ] || fail "text: stories $(info_value t1 stories), expected 4"
expect_status 0 "export" -- ws export t1
python3 - last.out <<'PY' || fail "text stories are not as expected"
import json, sys
got = {g["id"]: g for g in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
assert sorted(got) == ["agency/2019-05-10.txt", "latin1.txt", "mail/1.eml", "mail/2.eml"], sorted(got)
m = got["mail/1.eml"]
assert m["title"] == "Hello there" and m["date"] == "1993-04-23T16:24:16Z", m
assert m["author"] == ["John Smith"] and m["newsgroups"] == ["a.b", "c.d"], m
h = got["mail/2.eml"]
assert h["title"] == "Only headers" and h["body"] == "", h
l = got["latin1.txt"]
assert l["title"] == "Caf\u00e9 au lait" and l["body"] == "Prix \u00a3 5.", l
a = got["agency/2019-05-10.txt"]
assert a["title"] == "Ministers to meet in Moscow on Friday" and a["body"].startswith("The lead paragraph"), a
assert a["section"] == ["All news"] and a["place"] == ["MOSCOW"] and a["agency"] == ["TASS"], a
assert a["date"] == "2019-05-10T00:00:00Z", a["date"]  # the year from the file name
PY

# ---------------- Reuters SGML ----------------
{
    printf '<!DOCTYPE lewis SYSTEM "lewis.dtd">\n'
    printf '<REUTERS NEWID="1"><DATE>26-FEB-1987 15:01:01.79</DATE><TOPICS><D>cocoa</D></TOPICS>\n'
    printf '<TEXT><TITLE>COCOA &lt;X&gt; &amp; CAF\xc9</TITLE><DATELINE>  SALVADOR, Feb 26 - </DATELINE><BODY>Text.\n Reuter\n&#3;</BODY></TEXT></REUTERS>\n'
    printf '<REUTERS NEWID="2"><DATE>26-FEB-1987 16:00:00.00</DATE><TEXT TYPE="UNPROC">&#2;\nTABLE 1 - FEB 26\n</TEXT></REUTERS>\n'
    printf '<REUTERS NEWID="3"><DATE>26-FEB-1987 17:00:00.00</DATE><TEXT><BODY>never closed</TEXT></REUTERS>\n'
    printf '<REUTERS NEWID="4"><DATE>26-FEB-1987 18:00:00.00</DATE><TEXT><TITLE>LAST</TITLE></TEXT></REUTERS>\n'
} >reut2-000.sgm
expect_status 0 "Reuters SGML ingest" -- ws ingest -o r1 reut2-000.sgm
grep -q 'reut2-000.sgm:9: .*<BODY> without </BODY>' last.err || fail "no reut2-000.sgm:9 message: $(cat last.err)"
expect_status 0 "export" -- ws export r1
python3 - last.out <<'PY' || fail "Reuters SGML stories are not as expected"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert [g["id"] for g in got] == ["1", "2", "4"], [g["id"] for g in got]
assert got[0]["title"] == "COCOA <X> & CAF\u00c9" and got[0]["body"] == "Text.\n Reuter\n\x03", got[0]
assert got[0]["topics"] == ["cocoa"] and got[0]["place"] == ["SALVADOR"], got[0]
assert got[1]["body"] == "\x02\nTABLE 1 - FEB 26\n" and got[1]["title"] == "", got[1]
PY

# ---------------- huge records under --max-record ----------------
if /usr/bin/time -f %M true >/dev/null 2>&1; then
    python3 - <<'PY'
line = b"x" * (50 << 20)
with open("big.csv", "wb") as f:
    f.write(b"id,title,body\n1,first,ok\n2,huge," + line + b"\n3,after,ok\n")
with open("small.csv", "wb") as f:
    f.write(b"id,title,body\n1,first,ok\n3,after,ok\n")
import os
os.makedirs("bigtxt", exist_ok=True)
os.makedirs("smalltxt", exist_ok=True)
for d in ("bigtxt", "smalltxt"):
    open(d + "/a.txt", "wb").write(b"Before\n\nbody\n")
    open(d + "/c.txt", "wb").write(b"After\n\nbody\n")
open("bigtxt/b.txt", "wb").write(line)
PY
    for kind in csv txt; do
        if [ $kind = csv ]; then big=big.csv small=small.csv; else big=bigtxt small=smalltxt; fi
        /usr/bin/time -f %M -o mem.small "$WS_BIN" ingest -q -j 1 -o m-small-$kind --max-record 1M $small 2>/dev/null ||
            fail "ingest of $small failed"
        rc=0
        /usr/bin/time -f %M -o mem.big "$WS_BIN" ingest -q -j 1 -o m-big-$kind --max-record 1M $big 2>big.err || rc=$?
        [ $rc = 0 ] || fail "ingest of $big: exit $rc: $(head -c 500 big.err)"
        grep -q -- '--max-record' big.err || fail "$big: no --max-record message: $(head -c 500 big.err)"
        [ "$(info_value m-big-$kind stories)" = 2 ] || fail "$big: stories $(info_value m-big-$kind stories), expected 2"
        small_kb=$(tail -n 1 mem.small) big_kb=$(tail -n 1 mem.big)
        note "$kind: peak memory $big_kb KiB with a 50 MB record, $small_kb KiB without"
        [ $((big_kb - small_kb)) -lt $((24 * 1024)) ] || fail "$kind: a 50 MB record under --max-record 1M cost $((big_kb - small_kb)) KiB"
    done
else
    note "/usr/bin/time -f is not available; memory check skipped"
fi
note "ok"
