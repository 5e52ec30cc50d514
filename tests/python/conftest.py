"""Fixtures for the Python package's tests: a generated corpus ingested by
the wirescan binary (the reference the package is compared with), and the
binary itself.

Environment (set by ctest; by hand: WS_BIN=build/wirescan
WIRESCAN_LIB=build/libwirescan.so PYTHONPATH=python python3 -m pytest tests/python):
  WS_BIN         the wirescan executable
  WIRESCAN_LIB   the libwirescan.so the package loads (optional in a checkout)
"""
import csv
import io
import os
import subprocess
import sys

import pytest

SRC = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "python"))

WS_BIN = os.environ.get("WS_BIN") or os.path.join(SRC, "build", "wirescan")


def ws(*args, check=True):
    """Run the binary; returns the CompletedProcess (text)."""
    p = subprocess.run([WS_BIN, *map(str, args)], capture_output=True, text=True, encoding="utf-8")
    if check and p.returncode != 0:
        raise AssertionError("wirescan %s: exit %d: %s" % (" ".join(map(str, args)), p.returncode, p.stderr))
    return p


def ws_csv(*args):
    """The CSV the binary prints, as (header, rows)."""
    out = ws(*args, "--no-progress").stdout
    rows = list(csv.reader(io.StringIO(out, newline="")))
    return rows[0], rows[1:]


class Corpus:
    pass


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """A 3000-story generated corpus (seed 7, tag section) as store `a`, a
    second shard (seed 8, 1000 stories) as `b`, the generator's planted
    topics as a topics file, and a copy of `a` in small blocks for runs
    long enough to be interrupted."""
    d = tmp_path_factory.mktemp("corpus")
    c = Corpus()
    c.dir = d
    c.jsonl = d / "a.jsonl"
    c.truth = d / "truth.csv"
    ws("generate", "--stories", 3000, "--seed", 7, "--truth", c.truth, "-o", c.jsonl)
    ws("generate", "--stories", 1000, "--seed", 8, "-o", d / "b.jsonl")
    c.a, c.b, c.small = d / "a.store", d / "b.store", d / "small.store"
    import wirescan

    # Built through the package (test_ingest.py checks that this gives the
    # store `wirescan ingest` gives), the second shard by the binary.
    wirescan.ingest(c.a, c.jsonl, tag="section", progress=False)
    wirescan.ingest(c.small, c.jsonl, block_tokens=5000, progress=False)
    ws("ingest", "-q", "--no-progress", "-o", c.b, "--tag", "section", d / "b.jsonl")
    with open(c.truth, encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    c.topics = d / "topics.txt"
    with open(c.topics, "w", encoding="utf-8") as f:
        for t in truth:
            f.write("%s: %s\n" % (t["topic"], t["terms"]))
    c.terms = {t["topic"]: t["terms"].split() for t in truth}
    return c
