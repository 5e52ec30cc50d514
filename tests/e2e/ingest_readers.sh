#!/usr/bin/env bash
# Issue 14 ("Nothing lost, nothing wrong"), input readers, through the binary:
#   - datelines: one policy for JSONL, CSV and text; --datelines off gives no
#     place/agency columns; a body opening "Record March 31." or
#     "AT THE CLOSE -" is no dateline; an unknown --datelines value exits 2
#   - a dateline with a day and no year: one note at the end, with the
#     count, suggesting --year (none once --year is given); the TASS seed
#     story when ../shared/corpora is present
#   - a folder holding .jsonl files is refused with a message naming the
#     file (exit 2) unless --format text; the .jsonl files as inputs work
#   - --format reuters on a binary file: "no <REUTERS> record found", exit 8
#   - an empty CSV file: its note printed once
#   - a mail post whose Keywords: header folds over a line of blanks keeps
#     its Date: and Message-ID out of the body
. "$(dirname "$0")/lib.sh"
cd "$T" || fail "cd $T"

keys() { python3 -c 'import json,sys; print(" ".join(sorted(json.loads(open(sys.argv[1]).readline()).keys())))' "$1"; }

# ---- datelines: the same for every format ----
mkdir txt
printf 'Moscow talks\n\nMOSCOW, May 10. /TASS/. Russian Foreign Minister.\n' >txt/a.txt
printf 'Dividends\n\nQtly div 15 cts\n    Record March 31.\n' >txt/b.txt
printf '{"id":"a","title":"Moscow talks","body":"MOSCOW, May 10. /TASS/. Russian Foreign Minister."}\n{"id":"b","title":"Grain","body":"AT THE CLOSE -\\n    CHICAGO CORN"}\n' >in.jsonl
printf 'id,title,body\na,Moscow talks,"MOSCOW, May 10. /TASS/. Russian Foreign Minister."\nb,Grain,"AT THE CLOSE -\n    CHICAGO CORN"\n' >in.csv
for in in txt in.jsonl in.csv; do
    expect_status 0 "ingest $in" -- ws ingest -q -o "dl_$in" "$in"
    grep -q "note: 1 story has a dateline with a month and day but no year.*--year YYYY" last.err ||
        fail "$in: no --year suggestion: $(cat last.err)"
    expect_status 0 "export" -- ws export "dl_$in" -o "dl_$in.jsonl"
    python3 - "dl_$in.jsonl" <<'PY' || fail "datelines of $in"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
assert got[0]["place"] == ["MOSCOW"] and got[0]["agency"] == ["TASS"], got[0]
assert got[0]["date"] is None, got[0]
assert got[1]["place"] == [] and got[1]["agency"] == [], got[1]
PY
    expect_status 0 "ingest $in --datelines off" -- ws ingest -q --datelines off -o "off_$in" "$in"
    expect_status 0 "export" -- ws export "off_$in" -o "off_$in.jsonl"
    case "$(keys "off_$in.jsonl")" in *place*|*agency*) fail "$in --datelines off: $(keys "off_$in.jsonl")" ;; esac
    expect_status 0 "ingest $in --year 2019" -- ws ingest -o "y_$in" --year 2019 "$in"
    grep -q 'no year' last.err && fail "$in --year 2019: still a note: $(cat last.err)"
    expect_status 0 "export" -- ws export "y_$in"
    grep -q '"id":"[^"]*a[^"]*","date":"2019-05-10T00:00:00Z"' last.out || fail "$in --year 2019: $(head -c 300 last.out)"
done
expect_status 2 "--datelines maybe" -- ws ingest -o bad --datelines maybe in.jsonl
ws ingest --help | grep -- '--datelines on|off' >/dev/null || fail "ingest --help does not document --datelines"
# the count: three undated stories with a day in their datelines
printf '{"body":"MOSCOW, May 10. /TASS/. a"}\n{"body":"SALVADOR, Feb 26 - b"}\n{"date":"2019-01-01","body":"PARIS, Jan 1 (AFP) - c"}\n{"body":"LONDON, March 3 (AP) - d"}\n' >three.jsonl
expect_status 0 "ingest three.jsonl" -- ws ingest -q -o three three.jsonl
[ "$(grep -c 'no year' last.err)" = 1 ] || fail "the note is not printed once: $(cat last.err)"
grep -q 'note: 3 stories have a dateline' last.err || fail "count: $(cat last.err)"

if [ -d "$CORPORA/seed" ]; then
    expect_status 0 "ingest the seed" -- ws ingest -o seed "$CORPORA/seed"
    grep -q 'note: 1 story has a dateline with a month and day but no year.*--year YYYY' last.err || fail "seed: $(cat last.err)"
else
    note "skipping the seed check: $CORPORA/seed is absent"
fi

# ---- a folder of .jsonl files ----
mkdir jdir
cp in.jsonl jdir/part1.jsonl
printf '{"id":"c","title":"Third","body":"x"}\n' >jdir/part2.jsonl
expect_status 2 "a folder of .jsonl files" -- ws ingest -o jd jdir
grep -q 'part1.jsonl: a JSON Lines file inside a text folder' last.err || fail "message: $(cat last.err)"
[ ! -e jd/MANIFEST ] || fail "a refused ingest left a store"
expect_status 0 "the .jsonl files as inputs" -- ws ingest -q -o jd2 jdir/*.jsonl
[ "$(info_value jd2 stories)" = 3 ] || fail "jdir/*.jsonl: $(info_value jd2 stories) stories"
expect_status 0 "--format text on the folder" -- ws ingest -q -o jd3 --format text jdir
[ "$(info_value jd3 stories)" = 2 ] || fail "--format text: $(info_value jd3 stories) stories"

# ---- --format reuters on a binary ----
head -c 3000 /dev/urandom | tr -d '<' >bin.dat
expect_status 8 "--format reuters on a binary" -- ws ingest -o rb --format reuters bin.dat
grep -q 'bin.dat: no <REUTERS> record found' last.err || fail "message: $(cat last.err)"

# ---- an empty CSV: one note, and ingest fails (6): it kept nothing ----
: >empty.csv
expect_status 6 "empty CSV" -- ws ingest -o ec empty.csv
[ "$(grep -c 'empty CSV file' last.err)" = 1 ] || fail "the empty-CSV note: $(cat last.err)"

# ---- folded mail headers ----
mkdir mail
printf 'From: ab@host.example ("Andi Beyer")\nSubject: Folded\nKeywords: alpha,\n  \n  beta\nDate: Mon, 10 May 1993 09:30:00 +0300\nMessage-ID: <2@x>\n\nBody text.\n' >mail/1
expect_status 0 "ingest mail" -- ws ingest -q -o mail_s --format text mail
expect_status 0 "export" -- ws export mail_s
python3 - last.out <<'PY' || fail "folded headers: $(cat last.out)"
import json, sys
g = json.loads(open(sys.argv[1]).readline())
assert g["body"] == "Body text." and g["date"] == "1993-05-10T09:30:00+03:00", g
assert g["author"] == ["Andi Beyer"] and g["keywords"] == ["alpha", "beta"], g
PY
note "datelines, --year note, .jsonl folders, binary Reuters input, empty CSV, folded headers"
