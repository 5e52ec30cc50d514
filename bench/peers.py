#!/usr/bin/env python3
"""Python peers for bench/run.sh: term counts of a JSONL corpus the way a
researcher would compute them in Python; a benchmark, not a test.

Usage:
  peers.py counter JSONL OUT.csv   collections.Counter over re.findall
  peers.py sklearn JSONL OUT.csv   scikit-learn CountVectorizer, column sums

Both read every line, take title + ' ' + body, and count tokens matched by
[^\\W_]+ (runs of Unicode word characters other than '_': letters, marks and
digits, which is wirescan's token definition on the generator's Latin and
Cyrillic text) after case folding (str.casefold for Counter; CountVectorizer
lower-cases with str.lower, the same on that text). The timed span (printed
as elapsed_s) is reading and parsing the file plus counting; writing OUT.csv
(term,count, count descending then term) comes after and is not timed.

Prints one line on stdout: elapsed_s=S rows=TERMS tokens=N python=VERSION
"""
import collections
import json
import platform
import re
import sys
import time

TOKEN = r"[^\W_]+"


def texts(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            yield (o.get("title") or "") + " " + (o.get("body") or "")


def count_counter(path):
    c = collections.Counter()
    findall = re.compile(TOKEN).findall
    for t in texts(path):
        c.update(findall(t.casefold()))
    return c


def count_sklearn(path):
    from sklearn.feature_extraction.text import CountVectorizer  # noqa: PLC0415 (only this mode needs it)

    v = CountVectorizer(token_pattern="(?u)" + TOKEN, lowercase=True)
    m = v.fit_transform(texts(path))
    sums = m.sum(axis=0).A1
    names = v.get_feature_names_out()
    return {names[i]: int(sums[i]) for i in range(len(names))}


def main(argv):
    if len(argv) != 4 or argv[1] not in ("counter", "sklearn"):
        sys.stderr.write(__doc__)
        return 2
    mode, path, out = argv[1], argv[2], argv[3]
    t0 = time.perf_counter()
    counts = count_counter(path) if mode == "counter" else count_sklearn(path)
    t1 = time.perf_counter()
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].encode("utf-8")))
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("term,count\n")
        for term, n in rows:
            f.write("%s,%d\n" % (term, n))
    tokens = sum(counts.values())
    extra = ""
    if mode == "sklearn":
        import sklearn  # noqa: PLC0415

        extra = " sklearn=" + sklearn.__version__
    print("elapsed_s=%.4f rows=%d tokens=%d python=%s%s" % (t1 - t0, len(rows), tokens, platform.python_version(), extra))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
