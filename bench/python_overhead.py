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

10,000 rows converted: tf(top=10000) against the same request streamed
by the library to a no-op callback. kwic (10,000 rows converted to a
DataFrame in under 5% of the query's time) runs when the library has a
kwic kernel: store.kwic(term=..., limit=
10000) against the same request streamed with a no-op batch callback.

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
        info = s.info()
        print()
        print("Python package overhead: store.tf(top=100) vs wirescan tf --top 100, Reuters-21578 x%d "
              "(%d stories, %d tokens), threads %d, median of %d runs after 1 warm-up, %d cores, Python %s, "
              "pandas %s" % (a.copies, info["stories"], info["tokens"], a.threads, a.runs, os.cpu_count(),
                             sys.version.split()[0], __import__("pandas").__version__))
        print()
        print("%-10s %10s %10s" % ("variant", "median s", "/ cli"))
        for k in variants:
            print("%-10s %10.4f %10.2f" % (k, med[k], med[k] / med["cli"]))
        print()
        print("package overhead (tf - library): %.1f ms (%.1f%% of tf)" %
              (1000 * (med["tf"] - med["library"]), 100 * (med["tf"] - med["library"]) / med["tf"]))

        # Until kwic exists: the same measure on 10,000 rows of tf (a text
        # column and two int64 columns), streamed to a no-op callback by the
        # library alone against the package's DataFrame.
        kw = {"top": 10000, "threads": a.threads}
        ct, cr = [], []
        for i in range(a.runs + 1):
            t1 = timed(lambda: s.tf(**kw))
            t2 = timed(lambda: library_only(store, "tf", kw, stream=True))
            if i:
                ct.append(t1)
                cr.append(t2)
        mt, mr = statistics.median(ct), statistics.median(cr)
        print("tf --top 10000 (10,000 rows: term, tf, df): package %.4f s, library alone (streamed) %.4f s; "
              "conversion %.1f ms = %.1f%% of the query" % (mt, mr, 1000 * (mt - mr), 100 * (mt - mr) / mr))
        if "kwic" in wirescan.kernels():
            term = "oil"
            kw = {"term": term, "limit": 10000, "threads": a.threads}
            n = len(s.kwic(**kw))
            kt, kr = [], []
            for i in range(a.runs + 1):
                t1 = timed(lambda: s.kwic(**kw))
                t2 = timed(lambda: library_only(store, "kwic", kw, stream=True))
                if i:
                    kt.append(t1)
                    kr.append(t2)
                log("kwic %s: package %.4f s, library streamed %.4f s" % ("run %d" % i if i else "warm-up", t1, t2))
            mt, mr = statistics.median(kt), statistics.median(kr)
            print("kwic --term %s --limit 10000: %d rows; package %.4f s, library alone %.4f s; conversion "
                  "%.1f ms = %.1f%% of the query" % (term, n, mt, mr, 1000 * (mt - mr), 100 * (mt - mr) / mr))
        else:
            print("kwic: this libwirescan has no kwic kernel (not part of this build): not measured")
        s.close()
    finally:
        if a.keep:
            log("work folder kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
