#!/usr/bin/env python3
"""Damage a wirescan store one way at a time and check the binary copes.

Usage: store_damage.py BINARY STORE WORKDIR KINDS DEEP [FILE_REGEX]

For every file of STORE that the store uses (MANIFEST, terms.wsd and the
files MANIFEST lists; with FILE_REGEX, only those whose name it matches,
Python re.match) and every byte offset in it, and for each
damage kind in KINDS (comma list):
  xorff  the byte xor 0xff
  xor01  the byte xor 0x01 (a single-bit flip)
  trunc  the file truncated to that length (0 .. size-1)
a fresh copy of the store is made under WORKDIR with just that damage, and
`BINARY verify COPY` must exit with a status in 1..127 (5, corrupt, is what
the format promises; other clean error statuses are accepted) and print a
message (naming the damaged file when the status is 5): never 0 (damage not noticed), never a signal or status >= 128, never
a sanitizer report. On DEEP cases spread evenly over the sweep, every
command that reads a store (info, tf, keyness, cooc, ngrams, trends, export
as JSONL and CSV) must either refuse cleanly, with status 5 and a message
naming the damaged file, or succeed with exactly the output it gives on the
intact store (damage in a chunk the command does not read changes nothing
it prints); never another status, a signal or a sanitizer report. Damage
outside the segments (MANIFEST, dictionary, statistics) is seen when the
store opens, so there every command must refuse.

Plain verify runs get ASAN_OPTIONS=$ASAN_BASE:detect_leaks=0 (leak checking
costs ~10 ms a process); the deep runs keep the caller's ASAN_OPTIONS.
Runs as many processes at once as there are CPUs. Exit 1 on any problem,
with one line per distinct problem. Standard library only.
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

KIND_NAMES = {"xorff": "byte flips (xor 0xff)", "xor01": "bit flips (xor 0x01)",
              "trunc": "truncations"}
SAN = re.compile(rb"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:")


def damage(data, kind, off):
    if kind == "xorff":
        return data[:off] + bytes([data[off] ^ 0xFF]) + data[off + 1:]
    if kind == "xor01":
        return data[:off] + bytes([data[off] ^ 0x01]) + data[off + 1:]
    if kind == "trunc":
        return data[:off]
    raise ValueError(kind)


def first_report_line(err):
    text = err.decode("utf-8", "replace")
    for line in text.splitlines():
        if SAN.search(line.encode()):
            return line.strip()[:240]
    return text.strip()[-240:]


def main():
    if len(sys.argv) not in (6, 7):
        sys.stderr.write(__doc__)
        return 2
    binary, store, work, kinds, ndeep = sys.argv[1:6]
    only = re.compile(sys.argv[6] if len(sys.argv) == 7 else "")
    kinds = kinds.split(",")
    ndeep = int(ndeep)
    for k in kinds:
        if k not in KIND_NAMES:
            sys.stderr.write("store_damage.py: unknown kind %s\n" % k)
            return 2
    files = sorted(f for f in os.listdir(store) if f != "LOCK")
    orig = {}
    for f in files:
        with open(os.path.join(store, f), "rb") as fh:
            orig[f] = fh.read()
    fast_env = dict(os.environ)
    fast_env["ASAN_OPTIONS"] = os.environ.get("ASAN_BASE", "") + ":detect_leaks=0"

    # Only files the store uses: MANIFEST, terms.wsd and what MANIFEST lists.
    # A superseded statistics file is kept a while for readers of the
    # previous MANIFEST; damaging it changes nothing the store promises.
    listed = {"MANIFEST", "terms.wsd"} | set(re.findall(r"\b(?:seg|stats)-\d+\.ws[st]\b",
                                                        orig.get("MANIFEST", b"").decode("ascii", "replace")))
    targets = [f for f in files if only.match(f) and f in listed]
    if not targets:
        sys.stderr.write("store_damage.py: no file of %s matches %s\n" % (store, only.pattern))
        return 2
    cases = [(k, f, off) for k in kinds for f in targets for off in range(len(orig[f]))]
    deep = set(range(0, len(cases), max(1, len(cases) // ndeep))) if ndeep else set()

    readers = [["info"], ["tf", "--top", "0", "--threads", "2"],
               ["keyness", "--target-from", "2021-01-01", "--top", "0", "--threads", "2"],
               ["cooc", "--top", "0", "--threads", "2", "-q"], ["ngrams", "--top", "0", "--threads", "2"],
               ["trends", "--terms", "cats,snow", "--threads", "2"], ["export"], ["export", "--format", "csv"]]

    def reader_args(args, store):
        return [binary, args[0], store] + args[1:]

    def run(args, env):
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120, env=env)
        return p.returncode, p.stdout, p.stderr

    def check(i):
        kind, f, off = cases[i]
        d = tempfile.mkdtemp(dir=work)
        try:
            s = os.path.join(d, "s")
            os.mkdir(s)
            for g in files:
                with open(os.path.join(s, g), "wb") as fh:
                    fh.write(damage(orig[g], kind, off) if g == f else orig[g])
            open(os.path.join(s, "LOCK"), "wb").close()
            what = "%s %s @%d" % (kind, f, off)
            problems = []  # (signature, case)
            isdeep = i in deep
            rc, out, err = run([binary, "verify", s], None if isdeep else fast_env)
            if rc == 0:
                problems.append(("verify exited 0: damage not detected", what))
            elif rc < 0 or rc >= 128 or SAN.search(err):
                problems.append(("verify: status %d: %s" % (rc, first_report_line(err)), what))
            elif not err.strip() and not out.strip():
                problems.append(("verify failed (status %d) without a message" % rc, what))
            elif rc == 5 and f.encode() not in out + err:
                problems.append(("verify reported corruption (status 5) without naming the "
                                 "damaged file", what))
            if isdeep:
                for args in readers:
                    rc2, out2, err2 = run(reader_args(args, s), None)
                    name = " ".join(args[:1] + [a for a in args[1:] if a in ("csv",)])
                    if rc2 < 0 or rc2 >= 128 or SAN.search(err2):
                        problems.append(("%s: status %d: %s" % (name, rc2, first_report_line(err2)), what))
                    elif rc2 == 5:
                        if f.encode() not in err2:
                            problems.append(("%s: refused (5) without naming the damaged file" % name, what))
                    elif rc2 != 0:
                        problems.append(("%s: status %d (not 0 or 5): %s" % (name, rc2, first_report_line(err2)), what))
                    elif not f.startswith("seg-"):
                        problems.append(("%s: accepted a damaged %s" % (name, f.split("-")[0]), what))
                    elif args[0] != "info" and out2 != ref[name]:
                        problems.append(("%s: exit 0 with output that differs from the intact store's" % name, what))
            return kind, rc, isdeep, problems
        finally:
            shutil.rmtree(d, ignore_errors=True)

    ref = {}
    for args in readers:
        name = " ".join(args[:1] + [a for a in args[1:] if a in ("csv",)])
        rc0, out0, err0 = run(reader_args(args, store), fast_env)
        if rc0:
            sys.stderr.write("store_damage.py: %s on the intact store failed: %s\n" % (name, err0[-300:]))
            return 1
        ref[name] = out0
    counts, statuses, sigs = {}, {}, {}
    ndeep_done = 0
    workers = max(2, os.cpu_count() or 2)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        for kind, rc, isdeep, probs in ex.map(check, range(len(cases)), chunksize=16):
            counts[kind] = counts.get(kind, 0) + 1
            statuses[rc] = statuses.get(rc, 0) + 1
            ndeep_done += isdeep
            for sig, what in probs:
                sigs.setdefault(sig, []).append(what)
    print("%s on %s" % (binary, ", ".join("%s (%d bytes)" % (f, len(orig[f])) for f in targets)))
    print("  checked %s; on %d damaged copies also info, tf, keyness, cooc, ngrams, trends, export (jsonl, csv)"
          % (", ".join("%d %s" % (counts.get(k, 0), KIND_NAMES[k]) for k in kinds), ndeep_done))
    print("  verify exit statuses: %s" % ", ".join("%d: %d" % kv for kv in sorted(statuses.items())))
    for sig, whats in sorted(sigs.items()):
        print("PROBLEM %s\n    in %d case(s), e.g. %s" % (sig, len(whats), "; ".join(whats[:4])))
    return 1 if sigs else 0


if __name__ == "__main__":
    sys.exit(main())
