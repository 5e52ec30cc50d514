#!/usr/bin/env python3
"""Convergence of `wirescan topics` against iterations, over several seeds.

usage: topics_converge.py WIRESCAN STORE STORIES.jsonl LABEL_KEY K ITERS SEEDS [THREADS]
  ITERS: comma-separated iteration counts (e.g. 50,100,150,200,300)
  SEEDS: comma-separated seeds (e.g. 1,2,3,4,5)

For every (iterations, seed) one run of `wirescan topics STORE -k K --seed S
--iterations N` (default sampler and priors): its log-likelihood per token
at the end (its --report line), the mean NPMI of the topics' top 10 terms
(its --summary, document co-occurrence over the stories it modelled: the
same numbers bench/topics_peer.py computes for both tools), the NMI of each
story's dominant topic (--doc-topics) against the label LABEL_KEY of
STORIES.jsonl, and the run's CPU seconds (user + system). Prints one JSON
line per iteration count with the mean and the sample standard deviation
over the seeds, and the per-seed values.
"""
import collections
import csv
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys

ws, store, stories, label_key, K, iters, seeds = sys.argv[1:8]
threads = sys.argv[8] if len(sys.argv) > 8 else "1"
iters = [int(x) for x in iters.split(",")]
seeds = [int(x) for x in seeds.split(",")]

labels = {}
for line in open(stories, encoding="utf-8"):
    s = json.loads(line)
    lab = s[label_key]
    labels[s["id"]] = lab[0] if isinstance(lab, list) else lab


def nmi(a, b):
    n = len(a)
    ca, cb, cab = collections.Counter(a), collections.Counter(b), collections.Counter(zip(a, b))
    h = lambda c: -sum(v / n * math.log(v / n) for v in c.values())
    mi = sum(v / n * math.log(v * n / (ca[x] * cb[y])) for (x, y), v in cab.items())
    ha, hb = h(ca), h(cb)
    return mi / math.sqrt(ha * hb) if ha > 0 and hb > 0 else 0.0


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


out = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ws_topics_conv_%d" % os.getpid())
ll_re = re.compile(r"log-likelihood per token (-?[0-9.]+)")


def stat(xs):
    return {"mean": round(statistics.mean(xs), 4),
            "sd": round(statistics.stdev(xs), 4) if len(xs) > 1 else 0.0,
            "min": round(min(xs), 4), "max": round(max(xs), 4)}


for n in iters:
    rows = []
    for seed in seeds:
        c0 = cpu()
        res = subprocess.run([ws, "topics", store, "-k", K, "-j", threads, "--seed", str(seed), "--iterations", str(n),
                              "--report", str(n), "--doc-topics", out + ".doc", "-o", out + ".top",
                              "--summary", out + ".sum"], capture_output=True, text=True)
        t = cpu() - c0
        if res.returncode:
            sys.exit("wirescan failed: " + res.stderr)
        lls = ll_re.findall(res.stderr)
        summ = list(csv.DictReader(open(out + ".sum")))
        npmi = sum(float(r["npmi"]) for r in summ) / len(summ)
        dom = {r["id"]: int(r["topic"]) for r in csv.DictReader(open(out + ".doc"))}
        ids = [i for i in dom if i in labels]
        rows.append({"seed": seed, "ll": float(lls[-1]), "npmi": npmi,
                     "nmi": nmi([labels[i] for i in ids], [dom[i] for i in ids]), "cpu": t})
    for ext in (".doc", ".top", ".sum"):
        os.unlink(out + ext)
    print(json.dumps({"store": os.path.basename(store), "k": int(K), "iterations": n,
                      "ll": stat([r["ll"] for r in rows]), "npmi": stat([r["npmi"] for r in rows]),
                      "nmi": stat([r["nmi"] for r in rows]), "cpu": stat([r["cpu"] for r in rows]),
                      "runs": [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows]}),
          flush=True)
