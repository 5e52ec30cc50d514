#!/usr/bin/env python3
"""Compare an original JSONL corpus with what `wirescan export` wrote.

Usage: jsonl_compare.py [--max-diffs N] ORIGINAL.jsonl EXPORTED.jsonl

Stories are compared one by one, in order, on the keys id, date, title, body:

  id     equal strings (a missing key or a non-string on either side differs)
  date   where the original's date parses (ISO 8601, or Reuters
         "26-FEB-1987 15:01:01.79"), both sides are reduced to whole seconds
         since the epoch (fractions dropped; no zone means UTC) and must be
         equal. Where the original has no date, null, or one that does not
         parse, the export must have no "date" key or null.
  title, body
         identical strings, byte for byte after JSON decoding ("" and a missing
         key are not the same)

Other keys (source, tags, ...) are ignored. The story counts must match.
Prints the first N differences (default 20) and a total; exit status 1 on any
difference, 2 on unreadable input (bad JSON, not UTF-8, missing file), and 0
with "N stories identical" otherwise. Standard library only.
"""

import calendar
import datetime
import itertools
import json
import re
import sys

REUTERS_DATE_RE = re.compile(
    r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.\d*)?(?:\s.*)?", re.S)
MONTHS = {m: i + 1 for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}
ISO_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?")

MISSING = object()


class InputError(Exception):
    pass


def epoch_seconds(value):
    """Whole seconds since 1970-01-01T00:00:00Z, or None if value is no date."""
    if not isinstance(value, str):
        return None
    s = value.strip()
    m = ISO_RE.fullmatch(s)
    if m:
        y, mo, d, hh, mi, ss, tz = m.groups()
        try:
            dt = datetime.datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0),
                                   int(ss or 0))
        except ValueError:
            return None
        t = calendar.timegm(dt.timetuple())
        if tz and tz not in ("Z", "z"):
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            off = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) > 2 else 0)
            t -= sign * off
        return t
    m = REUTERS_DATE_RE.fullmatch(s)
    if m:
        d, mon, y, hh, mi, ss = m.groups()
        month = MONTHS.get(mon.upper())
        if month is None:
            return None
        try:
            dt = datetime.datetime(int(y), month, int(d), int(hh), int(mi), int(ss))
        except ValueError:
            return None
        return calendar.timegm(dt.timetuple())
    return None


def read_jsonl(path):
    """Yield (line number, object) for each non-empty line; lines split on \\n only."""
    try:
        f = open(path, "rb")
    except OSError as e:
        raise InputError("%s: %s" % (path, e.strerror))
    with f:
        for lineno, raw in enumerate(f, 1):
            if raw.strip(b" \t\r\n") == b"":
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as e:
                raise InputError("%s:%d: not UTF-8 (byte %d of the line)" % (path, lineno, e.start))
            except json.JSONDecodeError as e:
                raise InputError("%s:%d: bad JSON: %s (column %d)" % (path, lineno, e.msg, e.colno))
            if not isinstance(obj, dict):
                raise InputError("%s:%d: not a JSON object" % (path, lineno))
            yield lineno, obj


def show(v, limit=120):
    if v is MISSING:
        return "<missing>"
    r = json.dumps(v, ensure_ascii=True)
    return r if len(r) <= limit else r[:limit] + "...(%d chars)" % len(v if isinstance(v, str) else r)


def text_diff(a, b):
    """Describe where two strings first differ."""
    if not isinstance(a, str) or not isinstance(b, str):
        return "original %s, exported %s" % (show(a), show(b))
    i = 0
    n = min(len(a), len(b))
    while i < n and a[i] == b[i]:
        i += 1
    lo = max(0, i - 30)
    return ("first difference at character %d (lengths %d vs %d): original ...%s, exported ...%s"
            % (i, len(a), len(b), show(a[lo:i + 40], 200), show(b[lo:i + 40], 200)))


def compare_story(o, e):
    diffs = []
    oid, eid = o.get("id", MISSING), e.get("id", MISSING)
    if not isinstance(oid, str) or not isinstance(eid, str) or oid != eid:
        diffs.append(("id", "original %s, exported %s" % (show(oid), show(eid))))
    od, ed = o.get("date", MISSING), e.get("date", MISSING)
    ot = epoch_seconds(od) if od is not MISSING else None
    if ot is None:
        if ed is not MISSING and ed is not None:
            diffs.append(("date", "original has no parsable date (%s), exported %s"
                          % (show(od), show(ed))))
    else:
        et = epoch_seconds(ed) if ed is not MISSING else None
        if et != ot:
            diffs.append(("date", "original %s (%d), exported %s (%s)"
                          % (show(od), ot, show(ed),
                             "no date" if ed is MISSING or ed is None
                             else "unparsable" if et is None else et)))
    for k in ("title", "body"):
        ov, ev = o.get(k, MISSING), e.get(k, MISSING)
        if ov is MISSING or ev is MISSING or ov != ev:
            diffs.append((k, text_diff(ov, ev)))
    return diffs


def main(argv):
    args = argv[1:]
    max_diffs = 20
    if args and args[0] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0
    if len(args) >= 2 and args[0] == "--max-diffs":
        try:
            max_diffs = int(args[1])
        except ValueError:
            sys.stderr.write("jsonl_compare: --max-diffs needs a number\n")
            return 2
        args = args[2:]
    if len(args) != 2:
        sys.stderr.write("usage: jsonl_compare.py [--max-diffs N] ORIGINAL.jsonl EXPORTED.jsonl\n")
        return 2
    opath, epath = args
    n = 0
    ndiff = 0
    shown = 0
    stories_differing = 0
    extra_o = extra_e = 0  # stories past the end of the shorter file
    try:
        for pair in itertools.zip_longest(read_jsonl(opath), read_jsonl(epath)):
            (oline, o), (eline, e) = [p if p is not None else (None, None) for p in pair]
            if o is None or e is None:
                if o is not None:
                    extra_o += 1
                else:
                    extra_e += 1
                continue
            n += 1
            diffs = compare_story(o, e)
            if diffs:
                stories_differing += 1
                for key, msg in diffs:
                    ndiff += 1
                    if shown < max_diffs:
                        shown += 1
                        print("story %d (id %s; original line %d, exported line %d): %s: %s"
                              % (n, show(o.get("id", MISSING)), oline, eline, key, msg))
        if extra_o or extra_e:
            print("story count differs: original has %d stories, exported has %d "
                  "(the %s file ends after story %d)"
                  % (n + extra_o, n + extra_e, "exported" if extra_o else "original", n))
            ndiff += 1
            shown += 1
            stories_differing += extra_o + extra_e
    except InputError as err:
        sys.stderr.write("jsonl_compare: %s\n" % err)
        return 2
    if ndiff:
        if ndiff > shown:
            print("... %d more differences not shown" % (ndiff - shown))
        print("%d differences in %d stories (%d stories compared)" % (ndiff, stories_differing, n))
        return 1
    print("%d stories identical" % n)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BrokenPipeError:
        sys.exit(1)
