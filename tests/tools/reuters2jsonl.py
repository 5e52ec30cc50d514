#!/usr/bin/env python3
"""Convert Reuters-21578 (XML edition, or the original SGML) to JSONL.

Usage: reuters2jsonl.py DIR_OR_FILE... > out.jsonl

A directory argument means its reut2-*.xml files (or reut2-*.sgm when it has
no .xml), in name order. One JSON object a line, in corpus order:

  id         NEWID attribute, as a string
  date       DATE converted to ISO 8601 UTC ("1987-02-26T15:01:01Z", fraction
             dropped); the raw DATE text when it does not parse
  title      text of TITLE, exactly ("" when absent)
  body       text of BODY, exactly ("" when absent)
  dateline   text of DATELINE, exactly ("" when absent)
  topics, places, people, orgs, exchanges
             arrays of the <D> values, in order

Bytes are Latin-1. Character references (&#3; &#x1F;), which need not be
valid XML 1.0, become the code point they name; named entities lt gt amp
quot apos become their characters. No XML parser is used: the files are not
well-formed XML 1.0 (control character references, Latin-1 under an XML
declaration that implies UTF-8), so a small tag scanner reads them.
Standard library only.
"""

import datetime
import glob
import json
import os
import re
import sys

ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}

# A reference: &#123; &#x7B; &name;
REF_RE = re.compile(r"&(?:#([0-9]+)|#[xX]([0-9A-Fa-f]+)|([A-Za-z][A-Za-z0-9]*));")
# Any tag-like markup inside element content (none occur in the corpus, but
# BODY and TITLE are declared ANY): removed, keeping the text around it.
INNER_TAG_RE = re.compile(r"<[^<>]*>")
STORY_OPEN_RE = re.compile(r"<REUTERS\b([^>]*)>")
STORY_CLOSE = "</REUTERS>"
ATTR_RE = re.compile(r"""([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
D_RE = re.compile(r"<D(?:\s[^>]*)?>(.*?)</D\s*>", re.S)
DATE_RE = re.compile(
    r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.\d*)?(?:\s.*)?",
    re.S,
)
MONTHS = {m: i + 1 for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}

unknown_entities = {}


def _ref(m):
    dec, hexa, name = m.groups()
    if name is not None:
        if name in ENTITIES:
            return ENTITIES[name]
        unknown_entities[name] = unknown_entities.get(name, 0) + 1
        return m.group(0)  # keep what we cannot decode, visibly
    cp = int(dec) if dec is not None else int(hexa, 16)
    if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
        return m.group(0)  # not a Unicode scalar value: keep literally
    return chr(cp)


def decode_text(s):
    """Element content -> text: drop inner tags, then decode references."""
    if "<" in s:
        s = INNER_TAG_RE.sub("", s)
    if "&" in s:
        s = REF_RE.sub(_ref, s)
    return s


def element(chunk, name):
    """Raw content of the first NAME element in chunk, or None if absent."""
    m = re.search(r"<%s(?:\s[^>]*?)?(/)?>" % name, chunk)
    if m is None:
        return None
    if m.group(1):  # <NAME/>
        return ""
    end = re.compile(r"</%s\s*>" % name).search(chunk, m.end())
    if end is None:
        raise ValueError("<%s> without </%s>" % (name, name))
    return chunk[m.end():end.start()]


def d_values(chunk, name):
    raw = element(chunk, name)
    if raw is None:
        return []
    return [decode_text(v) for v in D_RE.findall(raw)]


def iso_date(raw):
    m = DATE_RE.fullmatch(raw)
    if m is None:
        return raw
    day, mon, year, hh, mm, ss = m.groups()
    month = MONTHS.get(mon.upper())
    if month is None:
        return raw
    try:
        dt = datetime.datetime(int(year), month, int(day), int(hh), int(mm), int(ss))
    except ValueError:  # e.g. 31-MAR-1987 605:12:19.12
        return raw
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def convert_story(attrs, chunk, where):
    a = {}
    for m in ATTR_RE.finditer(attrs):
        a[m.group(1)] = next(g for g in m.groups()[1:] if g is not None)
    if "NEWID" not in a:
        raise ValueError("%s: <REUTERS> without NEWID" % where)
    newid = decode_text(a["NEWID"])
    date_raw = element(chunk, "DATE")
    text = element(chunk, "TEXT")
    if text is None:
        text = ""
    rec = {
        "id": newid,
        "date": iso_date(decode_text(date_raw)) if date_raw is not None else "",
        "title": decode_text(element(text, "TITLE") or ""),
        "body": decode_text(element(text, "BODY") or ""),
        "dateline": decode_text(element(text, "DATELINE") or ""),
        "topics": d_values(chunk, "TOPICS"),
        "places": d_values(chunk, "PLACES"),
        "people": d_values(chunk, "PEOPLE"),
        "orgs": d_values(chunk, "ORGS"),
        "exchanges": d_values(chunk, "EXCHANGES"),
    }
    return rec


def stories(path):
    with open(path, "rb") as f:
        data = f.read().decode("latin-1")
    pos = 0
    line, line_pos = 1, 0  # line number of offset line_pos, counted incrementally
    while True:
        m = STORY_OPEN_RE.search(data, pos)
        if m is None:
            break
        line += data.count("\n", line_pos, m.start())
        line_pos = m.start()
        where = "%s:%d" % (path, line)
        end = data.find(STORY_CLOSE, m.end())
        if end < 0:
            raise ValueError("%s: <REUTERS> without </REUTERS>" % where)
        nxt = STORY_OPEN_RE.search(data, m.end(), end)
        if nxt is not None:
            raise ValueError("%s: <REUTERS> opened again before </REUTERS>" % where)
        try:
            yield convert_story(m.group(1), data[m.end():end], where)
        except ValueError as e:
            raise ValueError("%s: %s" % (where, e)) from None
        pos = end + len(STORY_CLOSE)


def input_files(args):
    files = []
    for arg in args:
        if os.path.isdir(arg):
            found = sorted(glob.glob(os.path.join(arg, "reut2-*.xml")))
            if not found:
                found = sorted(glob.glob(os.path.join(arg, "reut2-*.sgm")))
            if not found:
                raise SystemExit("reuters2jsonl: %s: no reut2-*.xml or reut2-*.sgm files" % arg)
            files.extend(found)
        elif os.path.isfile(arg):
            files.append(arg)
        else:
            raise SystemExit("reuters2jsonl: %s: no such file or directory" % arg)
    return files


def main(argv):
    if len(argv) >= 2 and argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0
    if len(argv) < 2:
        sys.stderr.write("usage: reuters2jsonl.py DIR_OR_FILE... > out.jsonl\n")
        return 2
    out = sys.stdout.buffer
    n = 0
    seen = set()
    for path in input_files(argv[1:]):
        try:
            for rec in stories(path):
                if rec["id"] in seen:
                    sys.stderr.write("reuters2jsonl: warning: duplicate NEWID %s in %s\n"
                                     % (rec["id"], path))
                seen.add(rec["id"])
                out.write(json.dumps(rec, ensure_ascii=False).encode("utf-8"))
                out.write(b"\n")
                n += 1
        except ValueError as e:
            sys.stderr.write("reuters2jsonl: %s\n" % e)
            return 1
    out.flush()
    for name, count in sorted(unknown_entities.items()):
        sys.stderr.write("reuters2jsonl: warning: unknown entity &%s; kept literally (%d times)\n"
                         % (name, count))
    sys.stderr.write("reuters2jsonl: %d stories\n" % n)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BrokenPipeError:
        sys.exit(1)
