#!/usr/bin/env python3
"""Generate a corpus with planted copies for tests/e2e/dedup.sh (stdlib only).

usage: dedup_gen.py SEED N OUT_BASE
Writes OUT_BASE.base.jsonl (N distinct random stories), OUT_BASE.copies.jsonl
(exact copies of some of them under other ids and sources, a few hours later)
and OUT_BASE.near.jsonl (near copies: words edited, a new first paragraph,
cut to half), and OUT_BASE.truth.csv: id,group (the id of the original).
Stories draw 40-120 words from a vocabulary of 5,000 random words, so two
distinct stories share essentially no 5-word shingle.
"""
import json
import random
import sys

seed, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(seed)
letters = "abcdefghijklmnopqrstuvwxyz"
vocab = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(6000)})[:5000]
sources = ["Wire", "Post", "Herald", "Times"]


def words(k):
    return [rng.choice(vocab) for _ in range(k)]


def story(i):
    day = 1 + i * 28 // max(n, 1)
    return {
        "id": "s%05d" % i,
        "date": "2020-03-%02dT%02d:00:00Z" % (day, rng.randint(0, 11)),
        "source": rng.choice(sources),
        "title": " ".join(words(rng.randint(3, 7))).capitalize(),
        "body": " ".join(words(rng.randint(40, 120))) + ".",
    }


base = [story(i) for i in range(n)]
truth = []
with open(out + ".base.jsonl", "w") as f:
    for s in base:
        f.write(json.dumps(s) + "\n")
with open(out + ".copies.jsonl", "w") as f:
    for k, s in enumerate(base[: n // 5]):
        c = dict(s)
        c["id"] = "c%05d" % k
        c["source"] = sources[(sources.index(s["source"]) + 1) % len(sources)]
        c["date"] = s["date"][:11] + "%02d" % (int(s["date"][11:13]) + 12) + s["date"][13:]
        f.write(json.dumps(c) + "\n")
        truth.append((c["id"], s["id"]))
with open(out + ".near.jsonl", "w") as f:
    for k, s in enumerate(base[n // 5: n // 5 + n // 10]):
        c = dict(s)
        c["id"] = "n%05d" % k
        body = c["body"].rstrip(".").split()
        kind = k % 3
        if kind == 0:  # 5% of the words replaced
            for j in rng.sample(range(len(body)), max(1, len(body) // 20)):
                body[j] = rng.choice(vocab)
        elif kind == 1:  # a new first paragraph of 15 words
            body = words(15) + body
        else:  # cut to half
            body = body[: len(body) // 2]
        c["body"] = " ".join(body) + "."
        c["date"] = s["date"][:11] + "%02d" % (int(s["date"][11:13]) + 12) + s["date"][13:]
        f.write(json.dumps(c) + "\n")
        truth.append((c["id"], s["id"]))
with open(out + ".truth.csv", "w") as f:
    for c, o in truth:
        f.write("%s,%s\n" % (c, o))
