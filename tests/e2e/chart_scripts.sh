#!/usr/bin/env bash
# Charts draw every script (text laid out by Pango, which falls back to a
# font that has the script): trends --chart of Chinese and Thai terms, and
# the legend in the SVG must be made of real glyphs. cairo writes each drawn
# string as a <g> of <use> elements pointing at <symbol> glyph outlines; a
# missing glyph would be one .notdef outline (or Pango's hex box, drawn as
# plain paths) for every character. So: the legend entries 经济 and 发展
# are strings of 2 glyphs, all four different, with non-empty outlines;
# the entry 经济发展 is exactly those four glyphs in order (one glyph per
# character, consistently); ภาษาไทย is 7 glyphs whose repetition pattern is
# that of its letters (า twice). Same bytes on a second run (SVG and PNG).
# Needs fonts-noto-cjk and a Thai font (setup.sh installs them).
. "$(dirname "$0")/lib.sh"

command -v fc-list >/dev/null || skip "fc-list (fontconfig) is not installed"
[ -n "$(fc-list :lang=zh)" ] || skip "no font with Chinese installed (setup.sh installs fonts-noto-cjk)"
[ -n "$(fc-list :lang=th)" ] || skip "no font with Thai installed (setup.sh installs fonts-tlwg-garuda-ttf)"

python3 - "$T/s.jsonl" <<'PY' || fail "writing the sample failed"
import json, sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(24):
        body = "经济发展很重要。" * (1 + i % 3) + "中国经济在增长。" * (1 + i % 4) + "เรียนภาษาไทย " * (i % 2)
        f.write(json.dumps({"id": "z%d" % i, "date": "2024-%02d-%02d" % (1 + i % 12, 1 + i % 27),
                            "title": "新闻", "body": body}, ensure_ascii=False) + "\n")
PY
ws ingest -q -o "$T/s" "$T/s.jsonl" || fail "ingest failed"
for n in 1 2; do
    expect_status 0 "trends --chart (run $n)" -- ws trends "$T/s" --terms 经济,发展,经济发展,ภาษาไทย --bucket month \
        -o "$T/t.csv" --chart "$T/c$n.svg" --chart "$T/c$n.png"
done
cmp -s "$T/c1.svg" "$T/c2.svg" && cmp -s "$T/c1.png" "$T/c2.png" || fail "the chart's bytes differ between two runs"

python3 - "$T/c1.svg" <<'PY' || fail "the legend is not drawn in real glyphs"
import sys
import xml.etree.ElementTree as ET
SVG = '{http://www.w3.org/2000/svg}'
HREF = '{http://www.w3.org/1999/xlink}href'
root = ET.parse(sys.argv[1]).getroot()
outline = {}
for s in root.iter(SVG + 'symbol'):
    outline[s.get('id')] = ' '.join(p.get('d') or '' for p in s.iter(SVG + 'path')).strip()
drawn = [[u.get(HREF)[1:] for u in g if u.tag == SVG + 'use'] for g in root.iter(SVG + 'g')]
drawn = [tuple(g) for g in drawn if g]

def pattern(seq):
    first = {}
    return tuple(first.setdefault(v, len(first)) for v in seq)

two = [g for g in drawn if len(g) == 2 and g[0] != g[1]]
found = [(a, b) for a in two for b in two
         if len(set(a + b)) == 4 and a + b in drawn]  # 经济, 发展 and 经济发展 drawn with the same glyphs
if not found:
    sys.exit('no two 2-glyph strings whose concatenation is also drawn: %s' % drawn)
a, b = found[0]
for gid in a + b:
    if gid not in outline or len(outline[gid].split()) < 12:
        sys.exit('glyph %s has no real outline: %r' % (gid, outline.get(gid)))
thai = pattern('ภาษาไทย')
if not any(len(g) == 7 and pattern(g) == thai for g in drawn):
    sys.exit('no string drawn with the letter pattern of ภาษาไทย: %s' % drawn)
print('legend: 经济 %s, 发展 %s, 经济发展 drawn with the same four glyphs; ภาษาไทย in 7 glyphs' % (a, b))
PY
note "Chinese and Thai legend entries are drawn in real glyphs; same bytes on a second run"
