#!/usr/bin/env python3
"""Checks and tables for bench/run.sh; a benchmark helper, not a test.

Agreement of answers (exit 0 when they agree, 1 when not; one line on stdout):
  report.py agree-tf WS_TF.csv PEER.csv NAME [TOP]
      wirescan `tf --top 0` (term,tf,df) against a peer's term,count: the
      first TOP rows (default 50) must be the same terms with the same counts
      in the same order; how much of the rest agrees is reported too.
  report.py agree-cooc WS_COOC.csv PEER.csv NAME
      wirescan `cooc --doc --term T --top 0` (term,cooc,df) against term,cooc:
      every term and count.
  report.py agree-trends WS_TRENDS.csv PEER.csv NAME
      wirescan `trends --topics F --bucket month` (bucket,topic,docs,...)
      against bucket,topic,docs: every (bucket, topic) with docs > 0.

Tables (markdown on stdout):
  report.py table RESULTS.csv
      RESULTS.csv is run.sh's measurement table. Prints the wirescan kernels
      per size, the peers with ratios (peer s / wirescan s: above 1 means
      wirescan is faster), the thread sweep, and the scale checks as
      PASS/FAIL lines (never an exit status: a benchmark reports, it does not
      judge).
"""
import csv
import sys

# Which wirescan kernel a peer row is compared with.
PEER_OF = {"load": "ingest", "tf": "tf", "counter": "tf", "countvectorizer": "tf",
           "cooc_term": "cooc_term", "trends": "trends"}


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        header = next(r, None)
        if header is None:
            raise SystemExit("%s: empty" % path)
        return header, [row for row in r if row]


def agree_tf(ws, peer, name, top=50):
    _, wr = read_rows(ws)
    _, pr = read_rows(peer)
    w = [(r[0], int(r[1])) for r in wr]
    p = [(r[0], int(r[1])) for r in pr]
    head_ok = w[:top] == p[:top] and len(w) >= min(top, len(p))
    wd, pd = dict(w), dict(p)
    same = sum(1 for t, n in wd.items() if pd.get(t) == n)
    rest = "all %d terms agree" % len(wd) if same == len(wd) == len(pd) else \
        "%d of %d wirescan terms have the same count (peer: %d terms)" % (same, len(wd), len(pd))
    if head_ok:
        print("AGREE tf %s: top-%d terms and counts identical; %s" % (name, top, rest))
        return 0
    first = next(i for i in range(min(top, max(len(w), len(p))))
                 if i >= len(w) or i >= len(p) or w[i] != p[i])
    print("DISAGREE tf %s: rank %d: wirescan %s, peer %s; %s" % (
        name, first + 1, w[first] if first < len(w) else "-", p[first] if first < len(p) else "-", rest))
    return 1


def agree_pairs(ws, peer, name, what, key_cols, val_col_ws, val_col_peer, skip_zero=False):
    _, wr = read_rows(ws)
    _, pr = read_rows(peer)
    w = {tuple(r[i] for i in key_cols): int(r[val_col_ws]) for r in wr}
    p = {tuple(r[i] for i in key_cols): int(r[val_col_peer]) for r in pr}
    if skip_zero:
        w = {k: v for k, v in w.items() if v}
        p = {k: v for k, v in p.items() if v}
    if w == p:
        print("AGREE %s %s: all %d rows identical (total %d)" % (what, name, len(w), sum(w.values())))
        return 0
    diff = sorted(set(w) ^ set(p)) + sorted(k for k in set(w) & set(p) if w[k] != p[k])
    k = diff[0]
    print("DISAGREE %s %s: %d of %d/%d rows differ, e.g. %s: wirescan %s, peer %s" % (
        what, name, len(diff), len(w), len(p), ",".join(k), w.get(k, "-"), p.get(k, "-")))
    return 1


def fnum(x, fmt="%.3f"):
    return "-" if x is None else fmt % x


def table(path):
    header, rows = read_rows(path)
    recs = [dict(zip(header, r)) for r in rows]
    for r in recs:
        for k in ("size", "threads", "runs", "stories", "tokens"):
            r[k] = int(r[k])
        for k in ("median_s", "min_s", "max_s", "rss_mb", "input_mb"):
            r[k] = float(r[k]) if r[k] not in ("", "-") else None
    sizes = sorted({r["size"] for r in recs})
    main_threads = max((r["threads"] for r in recs if r["tool"] == "wirescan"), default=1)
    out = []
    ws = {(r["size"], r["kernel"], r["threads"]): r for r in recs if r["tool"] == "wirescan"}

    out.append("### wirescan kernels (%d threads)\n" % main_threads)
    out.append("| stories | MB | kernel | median s | min s | max s | runs | MB/s | stories/s | Mtokens/s | peak RSS MB |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for s in sizes:
        for r in recs:
            if r["tool"] != "wirescan" or r["size"] != s or r["threads"] != main_threads:
                continue
            t = r["median_s"]
            out.append("| %d | %.1f | %s | %.3f | %.3f | %.3f | %d | %.1f | %.0f | %.1f | %.0f |" % (
                s, r["input_mb"], r["kernel"], t, r["min_s"], r["max_s"], r["runs"], r["input_mb"] / t,
                r["stories"] / t, r["tokens"] / t / 1e6, r["rss_mb"]))

    peers = [r for r in recs if r["tool"] != "wirescan"]
    if peers:
        out.append("\n### peers (same corpus, same threads; ratio = peer s / wirescan s, above 1: wirescan faster)\n")
        out.append("wirescan runs with %d threads; DuckDB with the same; the Python peers are single-threaded "
                   "(their ratio against 1-thread wirescan is in the sweep table's first column).\n" % main_threads)
        out.append("| stories | tool | question | threads | peer s | peer inside s | runs | peer RSS MB | wirescan kernel | wirescan s | ratio | ratio (inside) |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in peers:
            wk = PEER_OF.get(r["kernel"])
            w = ws.get((r["size"], wk, main_threads))
            inside = float(r["inside_s"]) if r.get("inside_s") not in (None, "", "-") else None
            wt = w["median_s"] if w else None
            out.append("| %d | %s | %s | %d | %.3f | %s | %d | %.0f | %s | %s | %s | %s |" % (
                r["size"], r["tool"], r["kernel"], r["threads"], r["median_s"], fnum(inside), r["runs"], r["rss_mb"],
                wk or "-", fnum(wt), fnum(r["median_s"] / wt if wt else None, "%.1f"),
                fnum(inside / wt if (wt and inside) else None, "%.1f")))

    sweep = sorted({r["threads"] for r in recs if r["tool"] == "wirescan"})
    if len(sweep) > 1:
        out.append("\n### thread sweep (speed-up over 1 thread)\n")
        out.append("| stories | kernel | " + " | ".join("%d thr s" % t for t in sweep) + " | speed-up at %d |" % sweep[-1])
        out.append("|---|---|" + "---|" * len(sweep) + "---|")
        for s in sizes:
            for k in dict.fromkeys(r["kernel"] for r in recs if r["tool"] == "wirescan" and r["size"] == s):
                cells = [ws.get((s, k, t)) for t in sweep]
                if sum(c is not None for c in cells) < 2:
                    continue
                base, last = cells[0], cells[-1]
                up = base["median_s"] / last["median_s"] if base and last else None
                out.append("| %d | %s | %s | %s |" % (
                    s, k, " | ".join(fnum(c["median_s"] if c else None) for c in cells), fnum(up, "%.2fx")))

    out.append("\n### scale checks\n")
    checks = []
    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]
        f = hi / lo
        for k in dict.fromkeys(r["kernel"] for r in recs if r["tool"] == "wirescan"):
            a, b = ws.get((lo, k, main_threads)), ws.get((hi, k, main_threads))
            if not (a and b):
                continue
            ratio = b["median_s"] / a["median_s"]
            limit = 1.2 * f
            checks.append("%s time %s: %d vs %d stories (x%g): %.2fx the time (limit %.1fx)" % (
                "PASS" if ratio <= limit else "FAIL", k, hi, lo, f, ratio, limit))
        a, b = ws.get((lo, "tf", main_threads)), ws.get((hi, "tf", main_threads))
        if a and b:
            m = b["rss_mb"] / a["rss_mb"]
            checks.append("%s memory tf: peak RSS %.0f MB at %d vs %.0f MB at %d stories: %.2fx (limit 3x)" % (
                "PASS" if m <= 3 else "FAIL", b["rss_mb"], hi, a["rss_mb"], lo, m))
    else:
        checks.append("SKIP scale: one size only (give --sizes with two or more)")
    for r in peers:
        if r["kernel"] != "load":
            continue
        w = ws.get((r["size"], "ingest", main_threads))
        if not w:
            continue
        inside = float(r["inside_s"]) if r.get("inside_s") not in (None, "", "-") else None
        checks.append("%s ingest vs DuckDB load at %d stories: wirescan %.3f s, DuckDB %.3f s whole process "
                      "(%.2fx; inside the node script %s s, %sx)" % (
                          "PASS" if w["median_s"] <= r["median_s"] else "FAIL", r["size"], w["median_s"],
                          r["median_s"], r["median_s"] / w["median_s"], fnum(inside),
                          fnum(inside / w["median_s"] if inside else None, "%.2f")))
    out.extend("- " + c for c in checks)
    print("\n".join(out))
    return 0


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd, a = argv[1], argv[2:]
    if cmd == "agree-tf" and len(a) in (3, 4):
        return agree_tf(a[0], a[1], a[2], int(a[3]) if len(a) == 4 else 50)
    if cmd == "agree-cooc" and len(a) == 3:
        return agree_pairs(a[0], a[1], a[2], "cooc", (0,), 1, 1)
    if cmd == "agree-trends" and len(a) == 3:
        return agree_pairs(a[0], a[1], a[2], "trends", (0, 1), 2, 2, skip_zero=True)
    if cmd == "table" and len(a) == 1:
        return table(a[0])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
