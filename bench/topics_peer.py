#!/usr/bin/env python3
"""wirescan topics against gensim's LdaMulticore on one labelled corpus.

usage: topics_peer.py WIRESCAN STORE STORIES.jsonl LABEL_KEY K ITERATIONS PASSES

Both get the same stories (STORIES.jsonl, what STORE holds) and, as far as
two tokenizers allow, the same vocabulary: case folded, the bundled English
stop words, terms in at least 5 stories and at most half of them (wirescan's
defaults; gensim's Dictionary.filter_extremes(5, 0.5)). Both run with 2
threads: wirescan -j 2; gensim with workers=1 (one worker process beside the
master) and BLAS held to one thread. Quality is measured the same way for
both, here: NMI of each story's dominant topic against its label, and the
mean NPMI of each topic's top 10 words over document co-occurrence in the
Python-tokenized stories (one function, one reference corpus, for both;
wirescan's own --summary NPMI is printed beside it as npmi_own, and any top
term the reference lacks, which would score -1, is listed). Prints one JSON
object. Environment: TOPICS_SEED (default 1), the seed of both tools;
TOPICS_PRIORS: "matched" (default) runs both with the same priors, a
symmetric alpha = 1/K (gensim's default alpha) and beta = 0.01
(wirescan's default beta; gensim's eta), "defaults" runs each with its own
defaults (wirescan alpha = 50/K, beta = 0.01; gensim alpha = eta = 1/K).
Time: wall seconds and CPU seconds (user + system; for gensim its
master and worker processes): on a shared machine the CPU seconds move
far less with the load than the wall clock.
"""
import collections
import csv
import json
import math
import os
import re
import resource
import subprocess
import sys
import time

seed = int(os.environ.get("TOPICS_SEED", "1"))  # both tools' seed (wirescan --seed, gensim random_state)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from gensim.corpora import Dictionary  # noqa: E402
from gensim.models import LdaMulticore  # noqa: E402

ws, store, stories, label_key, K, iters, passes = sys.argv[1:8]
K, iters, passes = int(K), int(iters), int(passes)
priors = os.environ.get("TOPICS_PRIORS", "matched")
if priors == "matched":
    ws_priors = ["--alpha", repr(1.0 / K), "--beta", "0.01"]
    g_priors = {"alpha": [1.0 / K] * K, "eta": 0.01}
elif priors == "defaults":
    ws_priors, g_priors = [], {}
else:
    sys.exit("topics_peer.py: TOPICS_PRIORS is matched or defaults")
here = os.path.dirname(os.path.abspath(__file__))
stop = set()
for line in open(os.path.join(here, "..", "data", "stopwords", "en.txt"), encoding="utf-8"):
    w = line.split("#")[0].strip()
    if w:
        stop.add(w.casefold())
tok = re.compile(r"[^\W_]+")

ids, labels, texts = [], [], []
for line in open(stories, encoding="utf-8"):
    s = json.loads(line)
    lab = s[label_key]
    ids.append(s["id"])
    labels.append(lab[0] if isinstance(lab, list) else lab)
    text = (s.get("title") or "") + "\n" + (s.get("body") or "")
    texts.append([t for t in (x.casefold() for x in tok.findall(text)) if t not in stop])
D = len(texts)

# ---- wirescan ----
out = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ws_topics_peer_%d" % os.getpid())
def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime

c0 = cpu(resource.RUSAGE_CHILDREN)
t0 = time.perf_counter()
res = subprocess.run([ws, "topics", store, "-k", str(K), "-j", "2", "--iterations", str(iters), "--seed", str(seed), "--report", "0", "-q",
                      "--doc-topics", out + ".doc", "-o", out + ".top", "--summary", out + ".sum"] + ws_priors,
                     capture_output=True, text=True)
ws_time = time.perf_counter() - t0
ws_cpu = cpu(resource.RUSAGE_CHILDREN) - c0
if res.returncode:
    sys.exit("wirescan failed: " + res.stderr)
ws_dom = {r["id"]: int(r["topic"]) for r in csv.DictReader(open(out + ".doc"))}
ws_top = collections.defaultdict(list)
for r in csv.DictReader(open(out + ".top")):
    ws_top[int(r["topic"])].append(r["term"])
ws_summary = list(csv.DictReader(open(out + ".sum")))
ws_tokens = sum(int(r["tokens"]) for r in ws_summary)
# wirescan's own NPMI (its --summary, over its tokens), to check below that
# the script computes the same numbers from its own tokenization
ws_own_npmi = sum(float(r["npmi"]) for r in ws_summary) / len(ws_summary)
for ext in (".doc", ".top", ".sum"):
    os.unlink(out + ext)

# ---- gensim ----
# CPU seconds: this process (the master) and its worker processes (reaped
# when LdaMulticore closes its pool)
c0 = cpu(resource.RUSAGE_SELF) + cpu(resource.RUSAGE_CHILDREN)
t0 = time.perf_counter()
dic = Dictionary(texts)
dic.filter_extremes(no_below=5, no_above=0.5, keep_n=None)
bows = [dic.doc2bow(t) for t in texts]
lda = LdaMulticore(bows, id2word=dic, num_topics=K, workers=1, passes=passes, iterations=50, chunksize=2000,
                   random_state=seed, **g_priors)
g_dom = []
for b in bows:
    dist = lda.get_document_topics(b, minimum_probability=0)
    g_dom.append(max(dist, key=lambda x: (x[1], -x[0]))[0] if dist else 0)
g_time = time.perf_counter() - t0
g_cpu = cpu(resource.RUSAGE_SELF) + cpu(resource.RUSAGE_CHILDREN) - c0
g_top = {k: [dic[i] for i, _ in lda.get_topic_terms(k, topn=10)] for k in range(K)}
g_tokens = sum(sum(c for _, c in b) for b in bows)

# ---- quality, measured the same way for both ----
def nmi(a, b):
    n = len(a)
    ca, cb, cab = collections.Counter(a), collections.Counter(b), collections.Counter(zip(a, b))
    h = lambda c: -sum(v / n * math.log(v / n) for v in c.values())
    mi = sum(v / n * math.log(v * n / (ca[x] * cb[y])) for (x, y), v in cab.items())
    ha, hb = h(ca), h(cb)
    return mi / math.sqrt(ha * hb) if ha > 0 and hb > 0 else 0.0

docsets = collections.defaultdict(set)
for d, t in enumerate(texts):
    for w in set(t):
        docsets[w].add(d)

missing = set()

def npmi(top):
    vals = []
    for words in top.values():
        s = []
        for i in range(len(words)):
            for j in range(i + 1, len(words)):
                a, b = docsets.get(words[i], set()), docsets.get(words[j], set())
                missing.update(w for w in (words[i], words[j]) if w not in docsets)
                co = len(a & b)
                if not co:
                    s.append(-1.0)
                elif co == D:
                    s.append(1.0)
                else:
                    p = co / D
                    s.append(math.log(p / (len(a) / D * len(b) / D)) / -math.log(p))
        if s:
            vals.append(sum(s) / len(s))
    return sum(vals) / len(vals)

print(json.dumps({
    "stories": D, "k": K, "seed": seed, "priors": priors,
    "wirescan": {"seconds": round(ws_time, 2), "cpu_seconds": round(ws_cpu, 2), "iterations": iters, "tokens": ws_tokens,
                 "tokens_per_s_per_core": round(ws_tokens * iters / ws_time / 2),
                 "nmi": round(nmi(labels, [ws_dom[i] for i in ids]), 3), "npmi": round(npmi(ws_top), 3),
                 "npmi_own": round(ws_own_npmi, 3)},
    "gensim": {"seconds": round(g_time, 2), "cpu_seconds": round(g_cpu, 2), "passes": passes, "vocabulary": len(dic), "tokens": g_tokens,
               "tokens_per_s_per_core": round(g_tokens * passes / g_time / 2),
               "nmi": round(nmi(labels, g_dom), 3), "npmi": round(npmi(g_top), 3)},
    "top_terms_not_in_reference": sorted(missing),
}))
