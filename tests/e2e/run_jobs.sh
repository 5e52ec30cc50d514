#!/usr/bin/env bash
# wirescan run: a job file's reports are byte for byte what each line
# writes when run alone (tf by month, keyness, cooc of terms, bigrams,
# trends of a topics file, emerging terms, topics, a line over another
# store), for 1, 2 and 3 threads; FILE.meta.json holds the provenance
# (checked with python3's json against values computed here: the version,
# the store's real path, generation and MANIFEST checksum, the line as
# written, resolved filter and normalisation values, the row count) and
# is the same across runs; run.log has the clock and the host;
# run --check lists the reports an append made stale; a bad line is
# reported as JOBFILE:LINE before anything runs (exit 2, nothing written);
# a line that fails at run time fails the job naming its line, leaves no
# partial report and keeps the others.
source "$(dirname "$0")/lib.sh"

cd "$T" || fail "cd $T"
ws generate --stories 3000 --seed 11 --truth truth.csv -o news.jsonl 2>/dev/null || fail "generate"
ws ingest -o news.store --tag section --block-tokens 20000 news.jsonl 2>/dev/null || fail "ingest"
ws generate --stories 500 --seed 12 -o other.jsonl 2>/dev/null || fail "generate other"
ws ingest -o other.store other.jsonl 2>/dev/null || fail "ingest other"
awk -F, 'NR > 1 { print $1 ": " $3 }' truth.csv >topics.txt
read -r A B C < <(awk -F, 'NR == 2 { split($3, w, " "); print w[1], w[2], w[3] }' truth.csv)
[ -n "$A" ] && [ -n "$B" ] && [ -n "$C" ] || fail "no planted terms in truth.csv"

# The job: each line, and the same command alone (the store first).
cat >job.txt <<EOF
# monthly terms
tf --by month --top 10 -o tf_month.csv

keyness --target-from 2019-01-01 --to 2019 --top 30 -o keyness_2019.csv
cooc --doc --term $A --term '$B' --term "$C" --measure npmi --top 20 \\
     -o cooc/terms.csv        # three terms, in a subfolder
ngrams --n 2 --top 50 --stopwords en -o bigrams.csv
trends --topics topics.txt --bucket month -o trends.csv --chart trends.svg
trends --emerging --bucket month --top 10 --stem en -o emerging.csv
topics -k 3 --iterations 10 --seed 2 -o topics.csv --summary topics_summary.csv
tf --top 20 --store other.store -o other_tf.csv
EOF
single() { # OUTDIR: every line run alone
    local d=$1
    mkdir -p "$d/cooc"
    ws tf news.store --by month --top 10 -o "$d/tf_month.csv" &&
    ws keyness news.store --target-from 2019-01-01 --to 2019 --top 30 -o "$d/keyness_2019.csv" &&
    ws cooc news.store --doc --term "$A" --term "$B" --term "$C" --measure npmi --top 20 -o "$d/cooc/terms.csv" &&
    ws ngrams news.store --n 2 --top 50 --stopwords en -o "$d/bigrams.csv" &&
    ws trends news.store --topics topics.txt --bucket month -o "$d/trends.csv" --chart "$d/trends.svg" &&
    ws trends news.store --emerging --bucket month --top 10 --stem en -o "$d/emerging.csv" &&
    ws topics news.store -k 3 --iterations 10 --seed 2 -o "$d/topics.csv" --summary "$d/topics_summary.csv" &&
    ws tf other.store --top 20 -o "$d/other_tf.csv"
}
single alone 2>/dev/null || fail "the single commands failed"
REPORTS="tf_month.csv keyness_2019.csv cooc/terms.csv bigrams.csv trends.csv trends.svg emerging.csv topics.csv topics_summary.csv other_tf.csv"

for n in 1 2 3; do
    expect_status 0 "job with $n threads" -- ws run news.store job.txt -o "out$n" --threads $n
    for f in $REPORTS; do
        [ -s "alone/$f" ] || fail "alone/$f is empty"
        cmp -s "alone/$f" "out$n/$f" || fail "$f from the job ($n threads) differs from the command alone"
    done
    [ -z "$(find "out$n" -name '*.tmp.*')" ] || fail "temporary files left: $(find "out$n" -name '*.tmp.*')"
done
for f in $REPORTS; do
    case $f in trends.svg | topics_summary.csv) continue ;; esac
    cmp -s "out1/$f.meta.json" "out3/$f.meta.json" || fail "$f.meta.json differs between 1 and 3 threads"
done
# Six lines shared one scan; topics and the other store ran alone.
[ "$(grep -c 'shared scan ->' out2/run.log)" = 6 ] || fail "run.log: not 6 shared lines: $(cat out2/run.log)"
grep -q "^job.txt:10: ok, [0-9]* rows -> topics.csv" out2/run.log || fail "run.log: topics line: $(cat out2/run.log)"
grep -q "on $(hostname)" out2/run.log || fail "run.log names no host"
grep -q "^finished 20[0-9-]*T" out2/run.log || fail "run.log has no end time"
note "reports identical to the single commands for 1, 2 and 3 threads"

# Provenance, checked against what is computed here.
version=$(ws --version | awk '{print $2}')
sum=$(sed -n 's/^checksum //p' news.store/MANIFEST)
sum_other=$(sed -n 's/^checksum //p' other.store/MANIFEST)
python3 - "$version" "$(realpath news.store)" "$sum" "$(realpath other.store)" "$sum_other" "$A" "$B" "$C" <<'EOF' || fail "meta.json contents"
import csv, json, socket, sys, time
version, store, msum, other, osum, a, b, c = sys.argv[1:]
def meta(name):
    with open("out2/" + name + ".meta.json") as f:
        return json.load(f)
def rows(name):
    with open("out2/" + name, newline="") as f:
        return len(list(csv.reader(f))) - 1
expect_line = {"tf_month.csv": 2, "keyness_2019.csv": 4, "cooc/terms.csv": 5, "bigrams.csv": 7, "trends.csv": 8,
               "emerging.csv": 9, "topics.csv": 10, "other_tf.csv": 11}
for name, line in expect_line.items():
    m = meta(name)
    assert m["wirescan"] == version, m["wirescan"]
    assert m["job"] == "job.txt" and m["line"] == line, (name, m["line"])
    st = other if name == "other_tf.csv" else store
    sm = osum if name == "other_tf.csv" else msum
    assert m["stores"] == [{"path": st, "generation": 1, "manifest_checksum": sm}], (name, m["stores"])
    assert m["rows"] == rows(name), (name, m["rows"], rows(name))
    assert m["rows"] > 0, name
    assert m["format"] == "csv"
    for key in ("parameters", "filters", "normalisation"):
        assert isinstance(m[key], dict), key
    assert "threads" not in m["parameters"] and "threads" not in m["filters"]
    # No clock and no host: today's date and the host name appear nowhere.
    text = json.dumps(m)
    assert time.strftime("%Y-%m-%d", time.gmtime()) not in text, text
    def strings(v):
        if isinstance(v, dict):
            for k, x in v.items():
                yield k
                yield from strings(x)
        elif isinstance(v, list):
            for x in v:
                yield from strings(x)
        elif isinstance(v, str):
            yield v
    assert socket.gethostname() not in set(strings(m)), name
    assert not {"host", "time", "started", "elapsed"} & set(m), m.keys()
m = meta("tf_month.csv")
assert m["command"] == "tf --by month --top 10 -o tf_month.csv", m["command"]
assert m["kernel"] == "tf" and m["parameters"]["by"] == "month" and m["parameters"]["top"] == 10
assert m["normalisation"] == {"case": False, "stem": None, "stopwords": [], "min-length": 0, "no-numbers": False}, m["normalisation"]
assert m["filters"]["from"] is None and m["filters"]["field"] == "all" and m["filters"]["where"] == []
assert m["files"] == ["tf_month.csv"]
m = meta("keyness_2019.csv")
assert m["filters"]["target-from"] == "2019-01-01T00:00:00Z", m["filters"]
assert m["filters"]["to"] == "2019-12-31T23:59:59Z", m["filters"]["to"]
m = meta("cooc/terms.csv")
assert m["command"].startswith("cooc --doc --term %s --term '%s' --term \"%s\"" % (a, b, c)), m["command"]
assert m["parameters"]["term"] == [a, b, c] and m["parameters"]["measure"] == "npmi"
m = meta("bigrams.csv")
assert m["normalisation"]["stopwords"] == ["en"] and m["parameters"]["n"] == 2
m = meta("emerging.csv")
assert m["normalisation"]["stem"] == "en" and m["parameters"]["emerging"] is True
m = meta("topics.csv")
assert m["normalisation"]["stopwords"] == ["en"], m["normalisation"]   # topics' default, resolved
assert m["files"] == ["topics.csv", "topics_summary.csv"], m["files"]
m = meta("trends.csv")
assert m["files"] == ["trends.csv", "trends.svg"] and m["parameters"]["topics"] == "topics.txt"
EOF
# Reproducible: a second run gives the same meta files (run.log grows).
expect_status 0 "second run" -- ws run news.store job.txt -o out2b --threads 2
for f in $REPORTS; do
    case $f in trends.svg | topics_summary.csv) continue ;; esac
    cmp -s "out2/$f.meta.json" "out2b/$f.meta.json" || fail "$f.meta.json is not reproducible"
done
expect_status 0 "a run into the same folder" -- ws run news.store job.txt -o out2 --threads 2
[ "$(grep -c '^finished' out2/run.log)" = 2 ] || fail "run.log is not appended to"
note "meta.json contents and reproducibility ok"

# --check: nothing stale; then an append to news.store makes its reports
# stale and not the other store's.
expect_status 0 "check after the run" -- ws run --check out2
[ ! -s "$T/last.out" ] || fail "check lists reports: $(cat "$T/last.out")"
ws generate --stories 50 --seed 13 -o more.jsonl 2>/dev/null || fail "generate more"
ws ingest -o news.store --tag section more.jsonl 2>/dev/null || fail "append"
expect_status 1 "check after an append" -- ws run --check out2
for f in tf_month.csv keyness_2019.csv cooc/terms.csv bigrams.csv trends.csv emerging.csv topics.csv; do
    grep -q "^stale $f: store $(realpath news.store) is at generation 2, the report was made at 1" "$T/last.out" ||
        fail "check does not list $f as stale: $(cat "$T/last.out")"
done
grep -q other_tf "$T/last.out" && fail "the other store's report is listed as stale"
[ "$(wc -l <"$T/last.out")" = 7 ] || fail "check lists more than the 7 stale reports: $(cat "$T/last.out")"
rm out2b/bigrams.csv
expect_status 1 "check with a report gone" -- ws run --check out2b
grep -q "^missing bigrams.csv" "$T/last.out" || fail "a removed report is not listed: $(cat "$T/last.out")"
note "--check ok"

# A bad line is reported with JOBFILE:LINE before anything runs.
bad() { # WANT_STATUS PATTERN: job bad.txt must fail so, writing nothing
    rm -rf badout
    expect_status "$1" "bad job ($2)" -- ws run news.store bad.txt -o badout
    grep -q "$2" "$T/last.err" || fail "bad job: message lacks '$2': $(cat "$T/last.err")"
    [ ! -e badout ] || fail "a bad job wrote something: $(ls -R badout)"
}
printf 'tf --top 5 -o a.csv\n\nngrams --n 2 --topp 5 -o b.csv\n' >bad.txt
bad 2 "bad.txt:3: ngrams: unrecognized option '--topp'"
printf 'tf --top 5 -o a.csv\ntf --top x -o b.csv\n' >bad.txt
bad 2 "bad.txt:2: tf: --top"
printf 'tf --top 5 -o a.csv\n# two lines\ncooc --term oil \\\n  --top 5\n' >bad.txt
bad 2 "bad.txt:3: cooc: no -o FILE"
printf 'tf -o a.csv\nfrobnicate -o b.csv\n' >bad.txt
bad 2 "bad.txt:2: unknown command 'frobnicate'"
printf "tf -o a.csv --where 'section=world\n" >bad.txt
bad 2 "bad.txt:1: unterminated ' quote"
printf 'tf -o a.csv\ntf --top 3 -o a.csv\n' >bad.txt
bad 2 "bad.txt:2: tf: a.csv is written by line 1 too"
printf 'tf -o a.csv\ntf --top 3 news.store -o b.csv\n' >bad.txt
bad 2 "bad.txt:2: tf: unexpected argument 'news.store'"
# Refused when the request is prepared (files, tags): still before any scan.
printf 'tf -o a.csv\ntrends --topics no-such-topics.txt -o t.csv\n' >bad.txt
bad 8 "bad.txt:2: trends: no-such-topics.txt"
printf 'tf -o a.csv\ntf --where nosuchtag=x -o b.csv\n' >bad.txt
bad 2 "bad.txt:2: tf: --where nosuchtag=x: the store has no tag 'nosuchtag'"
printf 'tf -o a.csv\ntf --store no-such.store -o b.csv\n' >bad.txt
bad 8 "bad.txt:2: tf: no-such.store"
note "bad lines refused before anything runs"

# A line that fails at run time: its output exceeds the file size limit
# (write fails with EFBIG); the job fails naming it, and the other reports
# are kept, with their provenance.
printf 'tf --top 10 -o small.csv\ntf --top 0 -o big.csv\nngrams --top 5 -o ng.csv\n' >fail.txt
rc=0
(trap '' XFSZ; ulimit -f 64; exec "$WS_BIN" run news.store fail.txt -o failout --threads 2) >"$T/last.out" 2>"$T/last.err" || rc=$?
[ "$rc" = 4 ] || fail "run-time failure: exit $rc, expected 4: $(cat "$T/last.err")"
grep -q "^fail.txt:2: tf: " "$T/last.err" || fail "the failing line is not named: $(cat "$T/last.err")"
[ ! -e failout/big.csv ] && [ ! -e failout/big.csv.meta.json ] || fail "the failed report was left"
[ -z "$(find failout -name '*.tmp.*')" ] || fail "temporary files left: $(find failout -name '*.tmp.*')"
ws tf news.store --top 10 -o want_small.csv && ws ngrams news.store --top 5 -o want_ng.csv || fail "single commands"
cmp -s want_small.csv failout/small.csv && cmp -s want_ng.csv failout/ng.csv || fail "the finished reports were not kept"
[ -s failout/small.csv.meta.json ] && [ -s failout/ng.csv.meta.json ] || fail "the finished reports lost their meta.json"
grep -q "^fail.txt:2: failed (exit 4)" failout/run.log || fail "run.log: $(cat failout/run.log)"
note "run-time failure ok"
