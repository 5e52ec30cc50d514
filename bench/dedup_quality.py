#!/usr/bin/env python3
"""Near-duplicate quality of `wirescan dedup` on a test set built from a real
corpus with planted truth (issue 16). Standard library only.

From Reuters-21578 (../shared/corpora/reuters21578/reut2-*.xml) it takes
stories with bodies of 60 words or more, dropping every story whose body or
title occurs more than once (the corpus's own copies would be unplanted
truth), and keeps --originals of them. Half the originals get one to three
re-issues, each dated 0-72 hours after the original under another source,
made by one of:
  edit      2-15% of the words replaced by words of other stories
  lead      the first paragraph replaced by, or preceded by, the first
            paragraph of a story outside the set
  truncate  the first half of the body
  dateline  a different dateline and source line ("NEW YORK, March 3
            (Reuters) - ...") and a sign-off line
and a third of the re-issues get a second change (a dateline on top).
The rest stay alone. Truth: each original with its re-issues is a cluster.
Pairwise precision and recall: over all pairs of stories in one cluster,
predicted against planted, for each --thresholds value.

usage: dedup_quality.py WIRESCAN [--corpus DIR] [--originals N] [--seed S]
       [--thresholds 0.3,0.4,...] [--work DIR]
"""
import argparse
import csv
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

ap = argparse.ArgumentParser()
ap.add_argument("wirescan")
ap.add_argument("--corpus", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpora", "reuters21578"))
ap.add_argument("--originals", type=int, default=6000)
ap.add_argument("--seed", type=int, default=16)
ap.add_argument("--thresholds", default="0.3,0.35,0.4,0.45,0.5,0.55,0.6,0.7,0.8")
ap.add_argument("--work", default=None)
a = ap.parse_args()
rng = random.Random(a.seed)

stories = []
for name in sorted(os.listdir(a.corpus)):
    if not re.match(r"reut2-\d+\.xml$", name):
        continue
    text = open(os.path.join(a.corpus, name), encoding="latin-1").read()
    for m in re.finditer(r"<REUTERS[^>]*NEWID=\"(\d+)\">(.*?)</REUTERS>", text, re.S):
        body = re.search(r"<BODY>(.*?)</BODY>", m.group(2), re.S)
        title = re.search(r"<TITLE>(.*?)</TITLE>", m.group(2), re.S)
        if not body or not title:
            continue
        b = re.sub(r"\s*Reuter\s*$", "", body.group(1).replace("&lt;", "<").replace("&amp;", "&")).strip()
        paras = [" ".join(p.split()) for p in re.split(r"\n\s{3,}", b) if p.strip()]
        if sum(len(p.split()) for p in paras) >= 60:
            stories.append({"rid": m.group(1), "title": " ".join(title.group(1).split()), "paras": paras})
bodies = Counter(" ".join(s["paras"]) for s in stories)
titles = Counter(s["title"] for s in stories)
pool = [s for s in stories if bodies[" ".join(s["paras"])] == 1 and titles[s["title"]] == 1]
rng.shuffle(pool)
orig, leads = pool[: a.originals], pool[a.originals:]
vocab = [w for s in leads for p in s["paras"] for w in p.split()]
places = ["NEW YORK", "LONDON", "TOKYO", "WASHINGTON", "CHICAGO", "PARIS", "FRANKFURT", "SYDNEY"]
sources = ["Reuters", "AP", "AFP", "Dow Jones", "Kyodo"]


def iso(t):
    d, r = divmod(t, 86400)
    y, mo, da = 1987, 1 + d // 28 % 12, 1 + d % 28
    return "%04d-%02d-%02dT%02d:%02d:00Z" % (y, mo, da, r // 3600, r % 3600 // 60)


def edit(paras):
    words = " ".join(paras).split()
    k = max(1, round(len(words) * rng.uniform(0.02, 0.15)))
    for j in rng.sample(range(len(words)), k):
        words[j] = rng.choice(vocab)
    return [" ".join(words)]


def lead(paras):
    new = rng.choice(leads)["paras"][0]
    return [new] + (paras[1:] if rng.random() < 0.5 and len(paras) > 1 else paras)


def truncate(paras):
    words = " ".join(paras).split()
    return [" ".join(words[: len(words) // 2])]


def dateline(paras):
    p = list(paras)
    p[0] = "%s, March %d (%s) - %s" % (rng.choice(places), rng.randint(1, 28), rng.choice(sources), p[0])
    return p + ["(Reporting by %s; editing by %s)" % (rng.choice(vocab), rng.choice(vocab))]


kinds = [("edit", edit), ("lead", lead), ("truncate", truncate), ("dateline", dateline)]
records, truth, kind_of = [], {}, {}
for i, s in enumerate(orig):
    t0 = rng.randint(0, 330 * 86400)
    sid = "o%05d" % i
    src = rng.choice(sources)
    records.append({"id": sid, "date": iso(t0), "source": src, "title": s["title"], "body": "\n\n".join(s["paras"])})
    truth[sid] = sid
    if i % 2:
        continue
    for k in range(rng.randint(1, 3)):
        name, fn = kinds[(i // 2 + k) % 4]
        p = fn(s["paras"])
        if rng.random() < 1 / 3 and name != "dateline":
            p, name = dateline(p), name + "+dateline"
        cid = "%s-%d" % (sid, k)
        records.append({"id": cid, "date": iso(t0 + rng.randint(0, 72 * 3600)),
                        "source": rng.choice([x for x in sources if x != src]),
                        "title": s["title"] if rng.random() < 0.7 else s["title"].lower(), "body": "\n\n".join(p)})
        truth[cid] = sid
        kind_of[cid] = name
rng.shuffle(records)

work = a.work or tempfile.mkdtemp(prefix="ws-dedup-quality.")
os.makedirs(work, exist_ok=True)
inp = os.path.join(work, "set.jsonl")
with open(inp, "w") as f:
    for r in records:
        f.write(json.dumps(r) + "\n")
store = os.path.join(work, "store")
subprocess.run(["rm", "-rf", store], check=True)
subprocess.run([a.wirescan, "ingest", "-q", "-o", store, inp], check=True)


def pairs(groups):
    out = set()
    for members in groups.values():
        out.update(itertools.combinations(sorted(members), 2))
    return out


tg = defaultdict(list)
for i, o in truth.items():
    tg[o].append(i)
want = pairs(tg)
print("test set: %d stories, %d originals (%d with re-issues), %d re-issues, %d true pairs" %
      (len(records), len(orig), (len(orig) + 1) // 2, len(kind_of), len(want)))
print("| threshold | precision | recall | F1 | recall by kind |")
print("|---|---|---|---|---|")
for th in a.thresholds.split(","):
    out = subprocess.run([a.wirescan, "dedup", store, "--threshold", th, "-q"], check=True, capture_output=True,
                         text=True).stdout
    pg = defaultdict(list)
    for r in csv.DictReader(out.splitlines()):
        pg[r["cluster"]].append(r["id"])
    got = pairs(pg)
    tp = len(want & got)
    prec = tp / len(got) if got else 1.0
    rec = tp / len(want) if want else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0
    pred = {}
    for c, ms in pg.items():
        for m in ms:
            pred[m] = c
    by = defaultdict(lambda: [0, 0])
    for cid, k in kind_of.items():
        by[k][1] += 1
        by[k][0] += cid in pred and pred.get(truth[cid]) == pred[cid]
    kinds_s = ", ".join("%s %.3f" % (k, v[0] / v[1]) for k, v in sorted(by.items()))
    print("| %s | %.4f | %.4f | %.4f | %s |" % (th, prec, rec, f1, kinds_s))
    sys.stdout.flush()
