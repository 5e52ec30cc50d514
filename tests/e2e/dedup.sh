#!/usr/bin/env bash
# wirescan dedup and --dedup: a generated corpus with planted exact and near
# copies (tests/e2e/dedup_gen.py) must give exactly the planted clusters;
# --dedup over corpus + exact copies must print what the corpus alone
# prints (tf, cooc, ngrams, trends); output is the same for 1, 2 and 3
# threads; stored signatures (ingest, dedup --save, appends) give the same
# answer as signatures computed on the fly; bad options and damaged or
# unwritable stores are clear errors.
. "$(dirname "$0")/lib.sh"

G="$T/g"
python3 "$E2E_DIR/dedup_gen.py" 16 600 "$G" || fail "generator failed"
ws ingest -q --signatures -o "$T/all" "$G.base.jsonl" "$G.copies.jsonl" "$G.near.jsonl" || fail "ingest all"
ws ingest -q -o "$T/base" "$G.base.jsonl" || fail "ingest base"
ws ingest -q -o "$T/exact" "$G.base.jsonl" "$G.copies.jsonl" || fail "ingest exact"
grep '^minhash' "$T/exact/MANIFEST" >/dev/null && fail "ingest without --signatures stored signatures"
grep '^minhash seg-000001.wss mh-000001.wsm ' "$T/all/MANIFEST" >/dev/null || fail "ingest stored no signatures"

# 1. The planted clusters, exactly: every copy with its original, which is
# the earliest story and the cluster's first_id; nothing else.
ws dedup "$T/all" -o "$T/d.csv" --summary "$T/sum.csv" 2>"$T/d.err" || fail "dedup: $(cat "$T/d.err")"
grep 'signatures: stored' "$T/d.err" >/dev/null || fail "dedup did not use the stored signatures: $(cat "$T/d.err")"
python3 - "$G" "$T/d.csv" "$T/sum.csv" <<'PY' || fail "clusters differ from the planted ones"
import csv, json, sys
g, out, summ = sys.argv[1:4]
truth = dict(l.strip().split(",") for l in open(g + ".truth.csv"))
stories = {}
for f in ("base", "copies", "near"):
    for line in open("%s.%s.jsonl" % (g, f)):
        s = json.loads(line); stories[s["id"]] = s
rows = list(csv.DictReader(open(out)))
assert rows and list(rows[0].keys()) == ["id", "cluster", "first_id", "similarity", "source", "date"], rows[:1]
got = {r["id"]: r["first_id"] for r in rows}
want = dict(truth)
for o in set(truth.values()):
    want[o] = o
if got != want:
    extra = sorted(set(got.items()) - set(want.items()))[:5]
    missing = sorted(set(want.items()) - set(got.items()))[:5]
    sys.exit("extra %s missing %s" % (extra, missing))
# clusters numbered 1.. by their earliest story (date, then id)
firsts = sorted({r["first_id"] for r in rows}, key=lambda i: (stories[i]["date"], i))
num = {f: str(k + 1) for k, f in enumerate(firsts)}
for r in rows:
    assert r["cluster"] == num[r["first_id"]], r
    assert r["source"] == stories[r["id"]]["source"], r
    assert r["date"] == stories[r["id"]]["date"], r
    sim = float(r["similarity"])
    if r["id"] == r["first_id"] or r["id"].startswith("c"):
        assert sim == 1, r
    else:
        assert 0.4 <= sim <= 1, r
# rows grouped by cluster, in cluster order
assert [int(r["cluster"]) for r in rows] == sorted(int(r["cluster"]) for r in rows)
sm = list(csv.DictReader(open(summ)))
assert list(sm[0].keys()) == ["cluster", "first_id", "size", "first_date", "last_date", "sources"], sm[0]
assert len(sm) == len(firsts)
for r in sm:
    members = [i for i, f in want.items() if f == r["first_id"]]
    assert r["cluster"] == num[r["first_id"]] and int(r["size"]) == len(members), r
    assert r["first_date"] == stories[r["first_id"]]["date"], r
    assert r["last_date"] == max(stories[i]["date"] for i in members), r
    assert int(r["sources"]) == len({stories[i]["source"] for i in members}), r
PY

# 2. --by source: per (origin, copier) the number of copies and the median
# delay (every planted copy comes 12 hours after its original).
ws dedup "$T/all" --by source -q -o "$T/by.csv" || fail "dedup --by source"
python3 - "$G" "$T/by.csv" <<'PY' || fail "--by source differs"
import csv, json, sys, collections
g, out = sys.argv[1:3]
truth = dict(l.strip().split(",") for l in open(g + ".truth.csv"))
src = {}
for f in ("base", "copies", "near"):
    for line in open("%s.%s.jsonl" % (g, f)):
        s = json.loads(line); src[s["id"]] = s["source"]
want = collections.Counter((src[o], src[c]) for c, o in truth.items())
rows = list(csv.DictReader(open(out)))
assert list(rows[0].keys()) == ["origin", "copier", "stories", "median_delay_hours"], rows[0]
got = {(r["origin"], r["copier"]): int(r["stories"]) for r in rows}
assert got == dict(want), (got, want)
assert all(float(r["median_delay_hours"]) == 12 for r in rows), rows
order = [(-int(r["stories"]), r["origin"], r["copier"]) for r in rows]
assert order == sorted(order)
PY

# 3. --dedup: corpus + exact copies counts like the corpus alone.
W=$(python3 -c "import json,sys; print(','.join(json.loads(open(sys.argv[1]).readline())['body'].split()[:3]))" "$G.base.jsonl")
W1=${W%%,*}
for cmd in "tf" "cooc --term $W1" "ngrams" "trends --terms $W --bucket day"; do
    ws $cmd "$T/base" -q >"$T/want.csv" 2>/dev/null || fail "$cmd on the corpus"
    ws $cmd "$T/exact" --dedup -q >"$T/got.csv" || fail "$cmd --dedup"
    cmp -s "$T/want.csv" "$T/got.csv" || fail "$cmd --dedup differs from the corpus alone"
    ws $cmd "$T/exact" -q >"$T/dup.csv" || fail "$cmd"
    cmp -s "$T/want.csv" "$T/dup.csv" && fail "$cmd: the copies change nothing (the test proves nothing)"
done
ws tf "$T/exact" --dedup --source Wire -q >"$T/got.csv" || fail "tf --dedup --source"
ws tf "$T/base" --source Wire -q >"$T/want.csv" || fail "tf --source"
cmp -s "$T/want.csv" "$T/got.csv" && fail "--dedup with a filter: copies under other sources should not count within Wire only"

# 4. Determinism for 1, 2 and 3 threads; stored signatures = computed ones.
ws dedup "$T/all" -j 1 -q -o "$T/j1.csv" || fail "dedup -j 1"
for j in 2 3; do
    ws dedup "$T/all" -j $j -q -o "$T/j$j.csv" || fail "dedup -j $j"
    cmp -s "$T/j1.csv" "$T/j$j.csv" || fail "dedup -j $j differs from -j 1"
    ws tf "$T/exact" --dedup -j $j -q >"$T/tf$j.csv" && ws tf "$T/exact" --dedup -j 1 -q >"$T/tf1.csv" || fail "tf --dedup -j"
    cmp -s "$T/tf1.csv" "$T/tf$j.csv" || fail "tf --dedup -j $j differs"
done
cmp -s "$T/j1.csv" "$T/d.csv" || fail "-o output differs"
ws ingest -q --no-signatures -o "$T/plain" "$G.base.jsonl" "$G.copies.jsonl" "$G.near.jsonl" || fail "ingest --no-signatures"
grep '^minhash' "$T/plain/MANIFEST" >/dev/null && fail "--no-signatures stored signatures"
ws dedup "$T/plain" -q -o "$T/fly.csv" 2>"$T/fly.err" || fail "dedup without stored signatures"
cmp -s "$T/fly.csv" "$T/d.csv" || fail "signatures computed on the fly give another answer"
# appends to a store that keeps signatures sign their own stories: each segment signed once, the same answer as one ingest
ws ingest -q --signatures -o "$T/app" "$G.base.jsonl" || fail "ingest app 1"
before=$(stat -c '%i %Y %s' "$T/app/mh-000001.wsm") sum1=$(cksum <"$T/app/mh-000001.wsm")
sleep 1 # (a rewrite within the same second would keep the mtime)
ws ingest -q -o "$T/app" "$G.copies.jsonl" "$G.near.jsonl" || fail "ingest app 2"
[ "$(grep -c '^minhash' "$T/app/MANIFEST")" = 2 ] || fail "an append did not sign its segment"
# ... and only its own stories: the first file is untouched, the second holds
# one 268-byte record per appended story (56-byte header, 8-byte checksum)
[ "$(stat -c '%i %Y %s' "$T/app/mh-000001.wsm")" = "$before" ] && [ "$(cksum <"$T/app/mh-000001.wsm")" = "$sum1" ] ||
    fail "the append rewrote the first segment's signatures"
napp=$(cat "$G.copies.jsonl" "$G.near.jsonl" | wc -l)
[ "$(stat -c %s "$T/app/mh-000002.wsm")" = $((56 + 268 * napp + 8)) ] ||
    fail "mh-000002.wsm: $(stat -c %s "$T/app/mh-000002.wsm") bytes, want the $napp appended stories'"
ws dedup "$T/app" -q -o "$T/app.csv" || fail "dedup app"
cmp -s "$T/app.csv" "$T/d.csv" || fail "appended store clusters differently"

# dedup --save adds signatures to a store without them; verify checks them.
cp -r "$T/plain" "$T/saved"
ws dedup "$T/saved" --save -q -o "$T/saved.csv" || fail "dedup --save"
grep '^minhash seg-000001.wss mh-000001.wsm ' "$T/saved/MANIFEST" >/dev/null || fail "--save wrote no signatures"
cmp -s "$T/saved.csv" "$T/d.csv" || fail "--save changed the answer"
ws verify "$T/saved" >/dev/null || fail "verify after --save"
# --dedup on a store without signatures adds them
cp -r "$T/plain" "$T/auto"
ws tf "$T/auto" --dedup -q -o "$T/auto.csv" || fail "--dedup on a store without signatures"
grep '^minhash' "$T/auto/MANIFEST" >/dev/null || fail "--dedup did not store signatures"

# 5. Errors.
expect_status 2 "threshold 0" -- ws dedup "$T/all" --threshold 0
expect_status 2 "threshold 1.5" -- ws dedup "$T/all" --threshold 1.5
expect_status 2 "shingle 0" -- ws dedup "$T/all" --shingle 0
grep -i shingle "$T/last.err" >/dev/null || fail "the shingle error does not say what is wrong"
expect_status 2 "odd perm" -- ws dedup "$T/all" --perm 15
expect_status 2 "dedup-threshold 0" -- ws tf "$T/all" --dedup --dedup-threshold 0
expect_status 2 "by" -- ws dedup "$T/all" --by month
cp -r "$T/all" "$T/flip"
python3 -c "
import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[100]^=0x10; open(p,'wb').write(b)" "$T/flip/mh-000001.wsm"
expect_status 5 "verify a flipped signature byte" -- ws verify "$T/flip"
grep 'mh-000001.wsm' "$T/last.err" >/dev/null || fail "verify does not name the signature file"
expect_status 5 "dedup on a flipped signature byte" -- ws dedup "$T/flip"
expect_status 5 "--dedup on a flipped signature byte" -- ws tf "$T/flip" --dedup
# an unwritable store without signatures: --dedup fails and says why
# (root ignores permissions: a read-only bind mount in a private namespace)
if [ "$(id -u)" != 0 ]; then
    chmod -R a-w "$T/plain"
    expect_status 4 "--dedup on a read-only store without signatures" -- ws tf "$T/plain" --dedup
    chmod -R u+w "$T/plain"
elif unshare -m true 2>/dev/null; then
    rc=0
    unshare -m sh -c "mount --bind '$T/plain' '$T/plain' && mount -o remount,ro,bind '$T/plain' && \
        exec '$WS_BIN' tf '$T/plain' --dedup" >"$T/ro.out" 2>"$T/ro.err" || rc=$?
    [ "$rc" = 4 ] || fail "--dedup on a read-only store: exit $rc, expected 4: $(cat "$T/ro.err")"
    grep 'cannot be written' "$T/ro.err" >/dev/null || fail "no clear message: $(cat "$T/ro.err")"
    [ -s "$T/ro.out" ] && fail "--dedup on a read-only store printed a result"
else
    note "no mount namespace: read-only case not run"
fi
note "ok"
