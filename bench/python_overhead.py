#!/usr/bin/env python3
"""What the Python package adds to a kernel's run (issue 22, part 5).

Usage: bench/python_overhead.py [--runs N] [--threads N] [--copies N] [--keep]

Input: Reuters-21578 replicated --copies times (default 10), built as
bench/tf_bench.sh builds it (tests/tools/reuters2jsonl.py, then copy k with
its dates shifted k years and its ids suffixed -k), ingested with
`wirescan ingest`. Not timed.

Timed, wall clock, median of --runs (default 7) after one warm-up, the
variants alternating run by run, all with --threads N (default 2):
  cli        `wirescan tf STORE --top 100 -o OUT.csv`, the whole process
  tf         store.tf(top=100) on a store opened once (what a notebook does)
  open+tf    wirescan.open(STORE), .tf(top=100), .close()
  library    the same request through ctypes alone (ws_request_run, no
             DataFrame): the engine's share of `tf`
The DataFrame is checked against the CLI's CSV first. Ratios: tf / cli
(the issue's target: at most 1.2) and open+tf / cli; overhead = tf - library.

10,000 rows converted: the time the package spends copying batches and
building the DataFrame, measured inside each call, against the rest of the
call (the query): tf(top=10000), and kwic(term="oil", limit=10000) (the
issue's target: under 5%) when the library has a kwic kernel.

Environment: WS_BIN (default build/wirescan), WIRESCAN_LIB (default
build/libwirescan.so), WS_CORPORA (default ../shared/corpora), TMPDIR.
A benchmark, not a test: it never fails on a slow result.
"""
import argparse
import csv
import ctypes
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
WS_BIN = os.environ.get("WS_BIN", os.path.join(ROOT, "build", "wirescan"))
os.environ.setdefault("WIRESCAN_LIB", os.path.join(ROOT, "build", "libwirescan.so"))
sys.path.insert(0, os.path.join(ROOT, "python"))

import wirescan  # noqa: E402
from wirescan import _lib  # noqa: E402


def log(*a):
    print("python_overhead:", *a, file=sys.stderr, flush=True)


def build_input(work, copies):
    corpora = os.environ.get("WS_CORPORA", os.path.join(ROOT, "..", "shared", "corpora"))
    src = os.path.join(corpora, "reuters21578")
    if not os.path.isdir(src):
        sys.exit("python_overhead: no Reuters-21578 in %s (set WS_CORPORA)" % corpora)
    log("converting Reuters-21578 and replicating it %d times" % copies)
    raw = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "tools", "reuters2jsonl.py"), src],
                         capture_output=True, check=True, text=True, encoding="utf-8").stdout.splitlines()
    path = os.path.join(work, "input.jsonl")
    with open(path, "w", encoding="utf-8") as out:
        for k in range(copies):
            for line in raw:
                o = json.loads(line)
                o["id"] = "%s-%d" % (o["id"], k)
                m = re.match(r"^(\d{4})(-.*)$", o.get("date") or "")
                if m:  # Reuters has no 29 February, so month and day stay valid in every year
                    o["date"] = "%04d%s" % (int(m.group(1)) + k, m.group(2))
                out.write(json.dumps(o, ensure_ascii=False) + "\n")
    return path


def library_only(store, kernel, params, stream=False):
    """The request through ctypes alone: create, set, run (or stream to a
    no-op callback), free. No DataFrame."""
    paths = (ctypes.c_char_p * 1)(store.encode())
    c, q = ctypes.c_void_p(), ctypes.c_void_p()
    _lib.check(_lib.corpus_open(ctypes.byref(c), paths, 1))
    _lib.check(_lib.request_create(ctypes.byref(q), c, kernel.encode()))
    for k, v in params.items():
        _lib.check(_lib.request_set(q, k.encode(), str(v).encode()))
    if stream:
        rc = _lib.request_stream(q, _lib.BATCH_FN(lambda ctx, b: 0), None)
    else:
        run = _lib.lib.ws_request_run
        run.argtypes, run.restype = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)], ctypes.c_int
        r = ctypes.c_void_p()
        rc = run(q, ctypes.byref(r))
        _lib.lib.ws_result_free.argtypes = [ctypes.c_void_p]
        _lib.lib.ws_result_free(r)
    _lib.check(rc)
    _lib.request_free(q)
    _lib.corpus_close(c)


def open_tf(store, threads):
    with wirescan.open(store, progress=False) as s:
        return s.tf(top=100, threads=threads)


# The package's own work inside a run (copying batches into arrays, building
# the DataFrame), timed within the same run as the query, so that the share
# it takes does not depend on how loaded the machine is from run to run.
CONVERT = [0.0]


def _instrument():
    from wirescan import _store

    add, frame = _store._Columns.add, _store._Columns.frame

    def timed_add(self, batch):
        t0 = time.perf_counter()
        try:
            return add(self, batch)
        finally:
            CONVERT[0] += time.perf_counter() - t0

    def timed_frame(self):
        t0 = time.perf_counter()
        try:
            return frame(self)
        finally:
            CONVERT[0] += time.perf_counter() - t0

    _store._Columns.add, _store._Columns.frame = timed_add, timed_frame


def converted(fn):
    """(seconds of the whole call, seconds of it spent converting)"""
    CONVERT[0] = 0.0
    t = timed(fn)
    return t, CONVERT[0]


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="python_overhead.")
    try:
        jsonl = build_input(work, a.copies)
        store = os.path.join(work, "store")
        log("ingesting (%.1f MB)" % (os.path.getsize(jsonl) / 1e6))
        subprocess.run([WS_BIN, "ingest", "-q", "--no-progress", "-o", store, "--threads", str(a.threads), jsonl],
                       check=True)
        out_csv = os.path.join(work, "cli.csv")
        cli_cmd = [WS_BIN, "tf", store, "--top", "100", "--threads", str(a.threads), "--no-progress", "-o", out_csv]

        s = wirescan.open(store, progress=False)
        # the same result first
        subprocess.run(cli_cmd, check=True)
        with open(out_csv, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        df = s.tf(top=100, threads=a.threads)
        buf = io.StringIO()
        df.to_csv(buf, index=False, lineterminator="\n")
        with open(out_csv, encoding="utf-8") as f:
            same = buf.getvalue() == f.read()
        log("DataFrame %s the CLI's CSV (%d rows)" % ("equals" if same else "DIFFERS FROM", len(rows) - 1))
        if not same:
            sys.exit(1)

        variants = {
            "cli": lambda: subprocess.run(cli_cmd, check=True),
            "tf": lambda: s.tf(top=100, threads=a.threads),
            "open+tf": lambda: open_tf(store, a.threads),
            "library": lambda: library_only(store, "tf", {"top": 100, "threads": a.threads}),
        }
        times = {k: [] for k in variants}
        for i in range(a.runs + 1):
            line = []
            for k, fn in variants.items():
                t = timed(fn)
                if i:
                    times[k].append(t)
                line.append("%s %.4f s" % (k, t))
            log("%s: %s" % ("run %d" % i if i else "warm-up", ", ".join(line)))
        med = {k: statistics.median(v) for k, v in times.items()}
        mins = {k: min(v) for k, v in times.items()}
        info = s.info()
        print()
        print("Python package overhead: store.tf(top=100) vs wirescan tf --top 100, Reuters-21578 x%d "
              "(%d stories, %d tokens), threads %d, median of %d runs after 1 warm-up, %d cores, Python %s, "
              "pandas %s" % (a.copies, info["stories"], info["tokens"], a.threads, a.runs, os.cpu_count(),
                             sys.version.split()[0], __import__("pandas").__version__))
        print()
        print("%-10s %10s %8s %10s %8s" % ("variant", "median s", "/ cli", "min s", "/ cli"))
        for k in variants:
            print("%-10s %10.4f %8.2f %10.4f %8.2f" % (k, med[k], med[k] / med["cli"], mins[k], mins[k] / mins["cli"]))
        print()
        print("package overhead (tf - library), medians: %.1f ms; minimums: %.1f ms" %
              (1000 * (med["tf"] - med["library"]), 1000 * (mins["tf"] - mins["library"])))

        # Rows converted, as a share of the query (the call less the
        # conversion), measured inside each run; tf(top=10000) stands in
        # for kwic where the library has none.
        _instrument()
        conv = [("tf --top 10000 (term, tf, df)", lambda: s.tf(top=10000, threads=a.threads))]
        if "kwic" in wirescan.kernels():
            conv.append(("kwic --term oil --limit 10000 (id, date, source, position, left, match, right)",
                         lambda: s.kwic(term="oil", limit=10000, threads=a.threads)))
        else:
            print("kwic: this libwirescan has no kwic kernel (not part of this build): not measured")
        for what, fn in conv:
            n = len(fn())
            shares, convs, calls = [], [], []
            for i in range(a.runs + 1):
                t, c = converted(fn)
                if i:
                    shares.append(c / (t - c))
                    convs.append(c)
                    calls.append(t)
            print("%s: %d rows; call %.4f s (median), conversion %.1f ms (median), conversion / query %.1f%% "
                  "(median; min %.1f%%, max %.1f%%)" % (what, n, statistics.median(calls),
                                                      1000 * statistics.median(convs), 100 * statistics.median(shares),
                                                      100 * min(shares), 100 * max(shares)))
        s.close()
    finally:
        if a.keep:
            log("work folder kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
