#!/usr/bin/env bash
# topics (LDA): on a generated corpus with three planted topics (disjoint
# vocabularies, one topic per story, known labels), check the shapes of
# every output, byte-identical output for 1, 2 and 3 threads (the default
# sampler and --sampler warp), recovery of
# the planted topics, the prevalence table (every month, an empty one with
# an empty share), the model round trip (--model, then --infer on the same
# and on another store), the chart, the errors with their exit statuses,
# and that an interrupted run leaves no output file behind.
. "$(dirname "$0")/lib.sh"

python3 - "$T" <<'PY'
import json, random, sys
t = sys.argv[1]
rnd = random.Random(7)
vocab = {c: [f"{c}word{i:02d}" for i in range(30)] for c in "abc"}
def story(i, c, month):
    words = [rnd.choice(vocab[c]) for _ in range(40)]
    if rnd.random() < 0.4:
        words.append("the")
    # topic a fades out, c grows; 2019-04 has no story at all
    return {"id": f"{c}{i:04d}", "date": f"2019-{month:02d}-{1 + i % 27:02d}T12:00:00Z",
            "source": "S", "title": "", "body": " ".join(words)}
with open(f"{t}/train.jsonl", "w") as f, open(f"{t}/labels.csv", "w") as lab:
    for i in range(600):
        month = [1, 2, 3, 5, 6][i % 5]
        c = "abc"[(i * 7 + month) % 3] if month < 5 else ("c" if i % 4 else "b")
        f.write(json.dumps(story(i, c, month)) + "\n")
        lab.write(f"{c}{i:04d},{c}\n")
with open(f"{t}/later.jsonl", "w") as f:
    for i in range(600, 690):
        f.write(json.dumps(story(i, "abc"[i % 3], 7)) + "\n")
PY
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" --block-tokens 3000 "$T/train.jsonl"
expect_status 0 "ingest later" -- ws ingest -q -o "$T/later" "$T/later.jsonl"

run() { # run NAME THREADS [options...]: outputs under $T/NAME.*
    local n=$1 j=$2
    shift 2
    expect_status 0 "topics $n" -- ws topics "$T/s" -k 3 --iterations 60 --seed 5 -j "$j" --min-df 2 \
        --summary "$T/$n.sum" --doc-topics "$T/$n.doc" --prevalence "$T/$n.prev" --model "$T/$n.model" "$@"
    cp "$T/last.out" "$T/$n.out"
    cp "$T/last.err" "$T/$n.err"
}
run j1 1
run j2 2
run j3 3
for f in out sum doc prev model; do
    cmp -s "$T/j1.$f" "$T/j2.$f" || fail "$f differs between 1 and 2 threads"
    cmp -s "$T/j1.$f" "$T/j3.$f" || fail "$f differs between 1 and 3 threads"
done
note "identical output for 1, 2, 3 threads"
grep -q 'iteration 60/60: log-likelihood per token -' "$T/j1.err" || fail "no log-likelihood report: $(cat "$T/j1.err")"

# The default sampler is SparseLDA; the WarpLDA sampler (parallel over
# shards of 32K tokens: this corpus has one) also gives the same output
# for 1, 2 and 3 threads and recovers the three planted vocabularies.
run sp 1 --sampler sparse
cmp -s "$T/j1.out" "$T/sp.out" || fail "the default is not --sampler sparse"
run w1 1 --sampler warp --iterations 100
run w2 2 --sampler warp --iterations 100
run w3 3 --sampler warp --iterations 100
for f in out sum doc prev model; do
    cmp -s "$T/w1.$f" "$T/w2.$f" && cmp -s "$T/w1.$f" "$T/w3.$f" || fail "warp: $f differs between thread counts"
done
python3 - "$T/w1.out" <<'PY' || fail "warp did not separate the planted topics"
import csv, sys, collections
by = collections.defaultdict(set)
for r in csv.DictReader(open(sys.argv[1])):
    by[r["topic"]].add(r["term"][0])
assert sorted(len(v) for v in by.values()) == [1, 1, 1] and set.union(*by.values()) == set("abc"), by
PY
note "sparse is the default; warp: same output for 1, 2, 3 threads, planted topics separated"

python3 - "$T" <<'PY' || fail "outputs are not as expected"
import csv, math, sys, collections
t = sys.argv[1]
rows = list(csv.DictReader(open(f"{t}/j1.out")))
assert list(rows[0].keys()) == ["topic", "rank", "term", "weight"], rows[0].keys()
assert len(rows) == 30, len(rows)
by = collections.defaultdict(list)
for r in rows:
    by[int(r["topic"])].append(r)
assert sorted(by) == [0, 1, 2], sorted(by)
topic_of = {}
for k, rs in by.items():
    assert [int(r["rank"]) for r in rs] == list(range(1, 11))
    w = [float(r["weight"]) for r in rs]
    assert all(0 < x <= 1 for x in w) and w == sorted(w, reverse=True) and sum(w) <= 1, w
    letters = {r["term"][0] for r in rs}
    assert len(letters) == 1 and all(r["term"].endswith(tuple("0123456789")) for r in rs), (k, [r["term"] for r in rs])
    topic_of[letters.pop()] = k
assert sorted(topic_of) == ["a", "b", "c"], topic_of  # each planted topic found once
# doc-topics: every story, its planted topic
labels = dict(l.strip().split(",") for l in open(f"{t}/labels.csv"))
docs = list(csv.DictReader(open(f"{t}/j1.doc")))
assert list(docs[0].keys()) == ["id", "topic", "p"] and len(docs) == 600, len(docs)
right = sum(int(d["topic"]) == topic_of[labels[d["id"]]] for d in docs)
assert right == 600, right
assert all(0.5 < float(d["p"]) <= 1 for d in docs)
# summary
s = list(csv.DictReader(open(f"{t}/j1.sum")))
assert list(s[0].keys()) == ["topic", "tokens", "share", "npmi", "label"] and len(s) == 3
tokens = 600 * 40  # "the" is a stop word
assert sum(int(r["tokens"]) for r in s) == tokens, [r["tokens"] for r in s]
assert abs(sum(float(r["share"]) for r in s) - 1) < 1e-6
for r in s:
    k = int(r["topic"])
    assert r["label"] == " ".join(x["term"] for x in by[k][:3]), r
    assert -1 <= float(r["npmi"]) <= 1
    assert abs(float(r["share"]) - int(r["tokens"]) / tokens) < 1e-6
# npmi = the mean over pairs of the topic's top terms of NPMI over document
# co-occurrence in the stories (the definition bench/topics_peer.py uses
# for both tools), computed here from the generated stories themselves
import json
stories = [set(json.loads(l)["body"].casefold().split()) for l in open(f"{t}/train.jsonl")]
D = len(stories)
def npmi(words):
    vals = []
    for i in range(len(words)):
        for j in range(i + 1, len(words)):
            a = sum(words[i] in s for s in stories)
            b = sum(words[j] in s for s in stories)
            co = sum(words[i] in s and words[j] in s for s in stories)
            vals.append(-1.0 if not co else 1.0 if co == D else
                        math.log(co / D / (a / D * b / D)) / -math.log(co / D))
    return sum(vals) / len(vals)
for r in s:
    want = npmi([x["term"] for x in by[int(r["topic"])]])
    assert abs(float(r["npmi"]) - want) < 1e-6 and 0 < want < 1, (r, want)
# prevalence: every month 2019-01..06, April empty
p = list(csv.DictReader(open(f"{t}/j1.prev")))
assert list(p[0].keys()) == ["bucket", "topic", "label", "docs", "tokens", "share"], p[0].keys()
months = [f"2019-{m:02d}" for m in range(1, 7)]
assert [r["bucket"] for r in p] == [m for m in months for _ in range(3)], [r["bucket"] for r in p]
for r in p:
    if r["bucket"] == "2019-04":
        assert r["docs"] == "0" and r["tokens"] == "0" and r["share"] == "", r
assert sum(int(r["docs"]) for r in p) == 600
for m in months:
    if m == "2019-04":
        continue
    rs = [r for r in p if r["bucket"] == m]
    assert abs(sum(float(r["share"]) for r in rs) - 1) < 1e-6
    # share = the topic's tokens over the month's tokens; docs from the labels
    tot = sum(int(r["tokens"]) for r in rs)
    for r in rs:
        assert abs(float(r["share"]) - int(r["tokens"]) / tot) < 1e-6
a = topic_of["a"]
share_a = {r["bucket"]: r["share"] for r in p if int(r["topic"]) == a}
assert float(share_a["2019-01"]) > 0.2 and float(share_a["2019-06"]) == 0, share_a
# the model: meta rows, then counts
m = list(csv.DictReader(open(f"{t}/j1.model")))
meta = {r["term"]: float(r["value"]) for r in m if r["topic"] == "-1"}
assert meta["#format"] == 1 and meta["#topics"] == 3 and meta["#words"] == 90, meta
assert sum(float(r["value"]) for r in m if r["topic"] != "-1" and r["term"] != "#alpha") == tokens
assert not any(r["term"] == "the" for r in m)
PY
note "planted topics recovered; summary, doc-topics, prevalence and model consistent"

# The stop-word default: --stopwords none keeps "the" (in 40% of the stories).
expect_status 0 "stopwords none" -- ws topics "$T/s" -k 3 --iterations 5 --min-df 2 --stopwords none --model "$T/sw.model"
grep -q '^[0-9],the,' "$T/sw.model" || fail "--stopwords none: 'the' is not in the model"

# Inference with the saved model: the same store gives the trained topics;
# another store gets the topics of its planted labels.
expect_status 0 "infer same" -- ws topics "$T/s" --infer "$T/j1.model" --doc-topics "$T/inf.doc" -j 2
expect_status 0 "infer same, 1 thread" -- ws topics "$T/s" --infer "$T/j1.model" --doc-topics "$T/inf1.doc" -j 1
cmp -s "$T/inf.doc" "$T/inf1.doc" || fail "--infer output differs between 1 and 2 threads"
cmp -s "$T/inf.doc" "$T/j1.doc" && true
expect_status 0 "infer later" -- ws topics "$T/later" --infer "$T/j1.model" --doc-topics "$T/later.doc" --summary "$T/later.sum"
python3 - "$T" <<'PY' || fail "--infer assignments are wrong"
import csv, sys
t = sys.argv[1]
train = {r["id"]: r["topic"] for r in csv.DictReader(open(f"{t}/j1.doc"))}
inf = {r["id"]: r["topic"] for r in csv.DictReader(open(f"{t}/inf.doc"))}
assert inf == train, sum(inf[k] != train[k] for k in train)
topic_of = {}
for r in csv.DictReader(open(f"{t}/j1.doc")):
    topic_of[r["id"][0]] = r["topic"]
later = list(csv.DictReader(open(f"{t}/later.doc")))
assert len(later) == 90 and all(r["topic"] == topic_of[r["id"][0]] for r in later), later[:3]
PY
note "--infer reproduces the trained assignments and labels a later store"

# Chart: prevalence lines labelled by the top three terms.
expect_status 0 "chart" -- ws topics "$T/s" -k 3 --iterations 60 --seed 5 --min-df 2 --chart "$T/p.svg" --chart "$T/p.png"
grep -q "<svg" "$T/p.svg" && [ -s "$T/p.png" ] || fail "no SVG or PNG written"
python3 - "$T" <<'PY' || fail "chart is not an SVG with three series and a PNG"
import re, sys, xml.etree.ElementTree as ET
t = sys.argv[1]
root = ET.parse(f"{t}/p.svg").getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
# cairo draws text as glyphs: count the series by their stroke colours
# (each line and its legend swatch), beyond the axes' black and grey
cols = {}
for p in root.iter("{http://www.w3.org/2000/svg}path"):
    m = re.search(r"stroke:rgb\(([^)]*)\)", p.get("style") or "")
    if m:
        cols[m.group(1)] = cols.get(m.group(1), 0) + 1
series = [c for c, n in cols.items() if n == 2]
assert len(series) >= 3, cols
assert open(f"{t}/p.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n"
PY
note "chart drawn (svg, png)"

# Errors and exit statuses.
expect_status 2 "k < 2" -- ws topics "$T/s" -k 1
expect_status 2 "k > vocabulary" -- ws topics "$T/s" -k 91 --min-df 2
grep -q 'more topics than the vocabulary has words (90' "$T/last.err" || fail "k > V message: $(cat "$T/last.err")"
expect_status 8 "empty selection" -- ws topics "$T/s" --from 2030
grep -q 'no story matches' "$T/last.err" || fail "empty selection message: $(cat "$T/last.err")"
expect_status 2 "vocabulary emptied" -- ws topics "$T/s" --min-df 100000
grep -q 'no word is left to model' "$T/last.err" || fail "empty vocabulary message: $(cat "$T/last.err")"
expect_status 8 "missing model" -- ws topics "$T/s" --infer "$T/nope.model"
printf 'id,topic,p\nx,1,0.5\n' >"$T/bad.model"
expect_status 6 "not a model" -- ws topics "$T/s" --infer "$T/bad.model"
grep -q 'bad.model:1: not a wirescan topic model' "$T/last.err" || fail "bad model message: $(cat "$T/last.err")"
sed 's/^-1,#case,0$/-1,#case,1/' "$T/j1.model" >"$T/case.model"
expect_status 6 "model trained with --case" -- ws topics "$T/s" --infer "$T/case.model"
head -n 8 "$T/j1.model" >"$T/cut.model"
echo '2,aword01,zz' >>"$T/cut.model"
expect_status 6 "malformed count" -- ws topics "$T/s" --infer "$T/cut.model"
grep -q 'cut.model:9: bad topic or value' "$T/last.err" || fail "malformed model message: $(cat "$T/last.err")"
expect_status 2 "k differs from the model" -- ws topics "$T/s" --infer "$T/j1.model" -k 4
note "errors: 2 usage, 6 malformed model, 8 not found"

# Interrupted: no file under the asked-for names, no temporary left.
"$WS_BIN" topics "$T/s" -k 3 --iterations 1000000 --report 1 --summary "$T/int.sum" --model "$T/int.model" \
    -o "$T/int.out" 2>"$T/sig.err" &
pid=$!
for _ in $(seq 100); do # the sampler runs (the signal handler is in place)
    grep -q 'iteration 2/' "$T/sig.err" 2>/dev/null && break
    sleep 0.1
done
grep -q 'iteration 2/' "$T/sig.err" || fail "the long run did not start sampling: $(head -c 500 "$T/sig.err")"
kill -INT $pid
rc=0
wait $pid || rc=$?
[ "$rc" -ne 0 ] || fail "interrupted run exited 0"
ls "$T" | grep -q '^int\.' && fail "an interrupted run left files: $(ls "$T" | grep '^int\.')"
note "interrupt leaves no output file"
exit 0
