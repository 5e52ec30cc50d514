#!/usr/bin/env bash
# trends --terms ... --chart on a generated corpus with planted topics (one
# series per planted topic: its first term, from the generator's truth CSV),
# checked against the CSV that the same run writes:
#   SVG: parses as XML (python3 xml.etree), 960x540; one line per topic in
#   the Okabe-Ito palette, in topic order, with one vertex per bucket of the
#   CSV at equally spaced x; the vertices' y is one affine function of the
#   CSV's share for every topic (so the lines draw exactly the CSV's data).
#   PNG: the signature, IHDR 960x540, and (decoded with zlib) pixels of every
#   topic's colour inside the plot, left of the legend.
#   Both files byte-identical for --threads 1 and 2; a chart name with
#   another extension, or in a missing directory, fails naming the file.
. "$(dirname "$0")/lib.sh"

expect_status 0 "generate" -- ws generate --stories 4000 --seed 11 --truth "$T/truth.csv" -o "$T/c.jsonl"
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" "$T/c.jsonl"
# truth.csv: topic,kind,terms,start,end,base_rate,peak_rate; terms space-separated
awk -F, 'NR > 1 { split($3, t, " "); print t[1] }' "$T/truth.csv" >"$T/terms.txt"
[ "$(wc -l <"$T/terms.txt")" -ge 2 ] || fail "truth.csv gave fewer than 2 topics"
terms=$(paste -sd, "$T/terms.txt")

for j in 1 2; do
    for ext in svg png; do
        expect_status 0 "trends --chart .$ext --threads $j" -- \
            ws trends "$T/s" --terms "$terms" --bucket month --threads $j \
            -o "$T/t$j.csv" --chart "$T/chart$j.$ext"
    done
done
cmp -s "$T/chart1.svg" "$T/chart2.svg" || fail "SVG differs between --threads 1 and 2"
cmp -s "$T/chart1.png" "$T/chart2.png" || fail "PNG differs between --threads 1 and 2"
note "same bytes for --threads 1 and 2 (svg $(stat -c %s "$T/chart1.svg") B, png $(stat -c %s "$T/chart1.png") B)"
expect_status 0 "trends with two --chart files" -- \
    ws trends "$T/s" --terms "$terms" --bucket month -o "$T/both.csv" --chart "$T/both.svg" --chart "$T/both.png"
cmp -s "$T/both.svg" "$T/chart1.svg" && cmp -s "$T/both.png" "$T/chart1.png" ||
    fail "two --chart files in one run differ from the same charts drawn one per run"

python3 - "$T/chart1.svg" "$T/chart1.png" "$T/t1.csv" "$T/terms.txt" <<'EOF' || fail "chart check failed"
import csv, re, struct, sys, zlib
import xml.etree.ElementTree as ET

svg_path, png_path, csv_path, topics_path = sys.argv[1:5]
W, H = 960, 540
# Okabe-Ito, in the order the chart assigns them
PALETTE = [(0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167),
           (230, 159, 0), (86, 180, 233), (0, 0, 0), (240, 228, 66)]

def die(msg):
    sys.exit("trends_chart: " + msg)

topics = [l.split(':', 1)[0].strip() for l in open(topics_path) if l.strip()]
rows = list(csv.DictReader(open(csv_path)))
buckets = []
for r in rows:
    if not buckets or buckets[-1] != r['bucket']:
        buckets.append(r['bucket'])
share = {(r['bucket'], r['topic']): float(r['share']) for r in rows}
if len(buckets) < 12:
    die('expected several years of months, got %d buckets' % len(buckets))
if len(share) != len(buckets) * len(topics):
    die('CSV has %d cells, expected %d' % (len(share), len(buckets) * len(topics)))

# ---- SVG ----
SVG = '{http://www.w3.org/2000/svg}'
root = ET.parse(svg_path).getroot()
if root.tag != SVG + 'svg':
    die('root element is ' + root.tag)
if int(float(root.get('width').rstrip('px'))) != W or int(float(root.get('height').rstrip('px'))) != H:
    die('SVG size %s x %s' % (root.get('width'), root.get('height')))

def colour(style, key):
    m = re.search('(?:^|;)' + key + r':rgb\(([^)]*)\)', style or '')
    return m and tuple(round(float(v.rstrip('%')) * 2.55) for v in m.group(1).split(','))

def vertices(d):
    t = d.split()
    pts, i = [], 0
    while i < len(t):
        if t[i] in ('M', 'L'):
            pts.append((float(t[i + 1]), float(t[i + 2])))
            i += 3
        else:
            die('unexpected path command %r in a series line' % t[i])
    return pts

lines = []
for k, name in enumerate(topics):
    c = PALETTE[k % len(PALETTE)]
    strokes = [p for p in root.iter(SVG + 'path') if colour(p.get('style'), 'stroke') == c]
    if len(strokes) != 2:  # the line and its legend swatch
        die('topic %s: %d stroked paths in %s, expected 2' % (name, len(strokes), c))
    lines.append(max((vertices(p.get('d')) for p in strokes), key=len))

# cairo merges consecutive collinear segments, so a line has a vertex at
# its first and last bucket and at every bend, not necessarily at every
# bucket. Buckets are equally spaced from the first to the last vertex.
x0, x1 = lines[0][0][0], lines[0][-1][0]
step = (x1 - x0) / (len(buckets) - 1)
pts = []  # (share, y) at the vertices
for name, line in zip(topics, lines):
    if abs(line[0][0] - x0) > 0.01 or abs(line[-1][0] - x1) > 0.01:
        die('topic %s does not span the first to the last bucket' % name)
    prev = -1
    for x, y in line:
        i = round((x - x0) / step)
        if abs(x - (x0 + i * step)) > 0.01 or i <= prev:
            die('topic %s: vertex at x=%.3f is not at a bucket, in order' % (name, x))
        prev = i
        pts.append((share[(buckets[i], name)], y))

# y = a + b * share, one map for every topic; b < 0 (up is smaller y)
n = len(pts)
mx = sum(s for s, _ in pts) / n
my = sum(y for _, y in pts) / n
sxx = sum((s - mx) ** 2 for s, _ in pts)
if sxx == 0:
    die('all shares are equal: nothing to check')
b = sum((s - mx) * (y - my) for s, y in pts) / sxx
a = my - b * mx
worst = max(abs(y - (a + b * s)) for s, y in pts)
if b >= 0 or worst > 0.05:
    die('vertex y is not an affine function of share (slope %g, worst residual %.3f px)' % (b, worst))
# and every bucket, vertex or not, lies on its line (coordinates are
# rounded to 1/256 px, which a steep segment turns into more in y)
for name, line in zip(topics, lines):
    for i, bk in enumerate(buckets):
        x = x0 + i * step
        k = next(k for k in range(1, len(line)) if line[k][0] >= x - 0.01)
        (xa, ya), (xb, yb) = line[k - 1], line[k]
        slope = (yb - ya) / (xb - xa)
        y = yb if abs(xb - x) < 0.01 else ya + slope * (x - xa)
        if abs(y - (a + b * share[(bk, name)])) > 0.05 + abs(slope) * 0.01:
            die('topic %s, bucket %s: the line passes y=%.3f, share %s maps to %.3f'
                % (name, bk, y, share[(bk, name)], a + b * share[(bk, name)]))
y0 = a  # share 0
if not (0 < y0 < H and 0 < a + b * max(share.values()) < y0):
    die('the lines leave the canvas (share 0 at y=%.1f)' % y0)

# ---- PNG ----
data = open(png_path, 'rb').read()
if data[:8] != b'\x89PNG\r\n\x1a\n':
    die('no PNG signature')
if data[12:16] != b'IHDR':
    die('first chunk is not IHDR')
pw, ph, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', data[16:29])
if (pw, ph) != (W, H):
    die('PNG is %dx%d' % (pw, ph))
if depth != 8 or ctype not in (2, 6) or interlace:
    die('unexpected PNG format: depth %d colour type %d interlace %d' % (depth, ctype, interlace))
idat, pos = b'', 8
while pos < len(data):
    ln, typ = struct.unpack('>I4s', data[pos:pos + 8])
    if typ == b'IDAT':
        idat += data[pos + 8:pos + 8 + ln]
    pos += 12 + ln
raw = zlib.decompress(idat)
bpp = 3 if ctype == 2 else 4
stride = pw * bpp
img, prev, off = [], bytearray(stride), 0
for _ in range(ph):
    f = raw[off]
    cur = bytearray(raw[off + 1:off + 1 + stride])
    off += 1 + stride
    for i in range(stride):
        left = cur[i - bpp] if i >= bpp else 0
        up = prev[i]
        ul = prev[i - bpp] if i >= bpp else 0
        if f == 1:
            cur[i] = (cur[i] + left) & 255
        elif f == 2:
            cur[i] = (cur[i] + up) & 255
        elif f == 3:
            cur[i] = (cur[i] + (left + up) // 2) & 255
        elif f == 4:
            p = left + up - ul
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
            cur[i] = (cur[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else ul)) & 255
    img.append(cur)
    prev = cur
right = int(max(x for x, _ in lines[0])) + 2  # the legend is right of the plot
want = {bytes(PALETTE[k % len(PALETTE)]): 0 for k in range(len(topics))}
for row in img:
    for x in range(0, right * bpp, bpp):
        px = bytes(row[x:x + 3])
        if px in want:
            want[px] += 1
for k, name in enumerate(topics):
    hits = want[bytes(PALETTE[k % len(PALETTE)])]
    if hits < 20:
        die('topic %s: %d pixels of its colour in the PNG plot area' % (name, hits))
print('[trends_chart] %d topics x %d buckets: SVG lines match the CSV (worst %.4f px), PNG colours found'
      % (len(topics), len(buckets), worst))
EOF

# ---- charts as a reader reads them (issue 14) ----
# A hand-written corpus over five months with no story in March 2020:
# oil is in 1 of 2 stories in January, 2 of 2 in February, 1 of 4 in
# April and 3 of 4 in May; opec in 1 story of January and 1 of May. The
# share of March is unknown: an empty CSV cell, a gap in both charts.
python3 - "$T/g.jsonl" <<'PY' || fail "corpus generation failed"
import json, sys
rows = []
def add(day, body):
    rows.append({'id': 'g%d' % len(rows), 'date': day + 'T12:00:00Z', 'title': 'Story', 'body': body})
add('2020-01-05', 'oil and opec'); add('2020-01-06', 'grain')
add('2020-02-03', 'oil'); add('2020-02-04', 'oil fell')
add('2020-04-01', 'oil'); add('2020-04-02', 'grain'); add('2020-04-03', 'grain'); add('2020-04-04', 'grain')
add('2020-05-01', 'oil'); add('2020-05-02', 'oil'); add('2020-05-03', 'oil opec'); add('2020-05-04', 'grain')
open(sys.argv[1], 'w').write(''.join(json.dumps(r) + '\n' for r in rows))
PY
expect_status 0 "ingest the gap corpus" -- ws ingest -q -o "$T/g" "$T/g.jsonl"
expect_status 0 "trends with an empty month, --chart svg and png" -- \
    ws trends "$T/g" --terms oil,opec --bucket month -o "$T/g.csv" --chart "$T/g.svg" --chart "$T/g.png"
grep -qx '2020-03,oil,0,0,0,' "$T/g.csv" || fail "March's share is not an empty cell: $(cat "$T/g.csv")"
grep -qx '2020-02,oil,2,2,2,1' "$T/g.csv" || fail "February's oil row: $(cat "$T/g.csv")"
expect_status 0 "--smooth 2 --title" -- \
    ws trends "$T/g" --terms oil,opec --bucket month --smooth 2 -o "$T/gs.csv" --chart "$T/gs.svg" \
    --chart "$T/gs.png"
expect_status 0 "--title" -- \
    ws trends "$T/g" --terms oil,opec --bucket month -o /dev/null --chart "$T/gt.svg" --title "Oil: a test title"
expect_status 0 "--chart-y docs" -- \
    ws trends "$T/g" --terms oil,opec --bucket month -o /dev/null --chart "$T/gd.svg" --chart-y docs
PYCHK="$T/chk.py"
cat >"$PYCHK" <<'PY'
# Shared by the checks below: SVG lines (vertices per sub-path) of a colour,
# glyph-pattern text search, PNG decoding.
import re, struct, zlib
import xml.etree.ElementTree as ET
SVG = '{http://www.w3.org/2000/svg}'
HREF = '{http://www.w3.org/1999/xlink}href'
PALETTE = [(0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167),
           (230, 159, 0), (86, 180, 233), (0, 0, 0), (240, 228, 66)]

def colour(style, key):
    m = re.search('(?:^|;)' + key + r':rgb\(([^)]*)\)', style or '')
    return m and tuple(round(float(v.rstrip('%')) * 2.55) for v in m.group(1).split(','))

def subpaths(d):
    t, out, i = d.split(), [], 0
    while i < len(t):
        if t[i] == 'M':
            out.append([])
        elif t[i] != 'L':
            raise SystemExit('unexpected path command %r' % t[i])
        out[-1].append((float(t[i + 1]), float(t[i + 2])))
        i += 3
    return out

def strokes(root, c):
    return [subpaths(p.get('d')) for p in root.iter(SVG + 'path') if colour(p.get('style'), 'stroke') == c]

def markers(root, c):
    """Centres of the filled circles (markers) of colour c."""
    out = []
    for p in root.iter(SVG + 'path'):
        if colour(p.get('style'), 'fill') != c or 'stroke' in (p.get('style') or '').replace('stroke:none', ''):
            continue
        xs = [float(v) for v in p.get('d').replace('M', ' ').replace('C', ' ').replace('Z', ' ').split()[0::2]]
        ys = [float(v) for v in p.get('d').replace('M', ' ').replace('C', ' ').replace('Z', ' ').split()[1::2]]
        out.append(((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2))
    return out

def pattern(seq):
    first = {}
    return tuple(first.setdefault(v, len(first)) for v in seq)

def drawn_text(root):
    """Every drawn string as its glyph-id sequence (one <g> of <use> per string)."""
    gs = [[u.get(HREF)[1:] for u in g if u.tag == SVG + 'use'] for g in root.iter(SVG + 'g')]
    return [g for g in gs if g]

def has_text(root, s):
    """A drawn string with the letter-repetition pattern of s (cairo draws
    text as glyph outlines; equal letters are equal glyph ids)."""
    return any(len(g) == len(s) and pattern(g) == pattern(s) for g in drawn_text(root))

def png(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n' and data[12:16] == b'IHDR'
    w, h, depth, ctype, _, _, il = struct.unpack('>IIBBBBB', data[16:29])
    assert depth == 8 and ctype in (2, 6) and not il
    idat, pos = b'', 8
    while pos < len(data):
        ln, typ = struct.unpack('>I4s', data[pos:pos + 8])
        if typ == b'IDAT':
            idat += data[pos + 8:pos + 8 + ln]
        pos += 12 + ln
    raw, bpp = zlib.decompress(idat), (3 if ctype == 2 else 4)
    stride, img, prev, off = w * bpp, [], bytearray(w * (3 if ctype == 2 else 4)), 0
    for _ in range(h):
        f, cur = raw[off], bytearray(raw[off + 1:off + 1 + stride])
        off += 1 + stride
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1: cur[i] = (cur[i] + a) & 255
            elif f == 2: cur[i] = (cur[i] + b) & 255
            elif f == 3: cur[i] = (cur[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        img.append(cur)
        prev = cur
    return w, h, [[tuple(r[x * bpp:x * bpp + 3]) for x in range(w)] for r in img]
PY

PYTHONPATH="$T" python3 - "$T" <<'PY' || fail "gap / title / smooth chart check failed"
import csv, sys
import xml.etree.ElementTree as ET
from chk import *
T = sys.argv[1]
def die(m): sys.exit('trends_chart: ' + m)
rows = list(csv.DictReader(open(T + '/g.csv')))
months = sorted({r['bucket'] for r in rows})
if months != ['2020-01', '2020-02', '2020-03', '2020-04', '2020-05']:
    die('months %s' % months)

# The oil line: January-February, then April-May; nothing at March.
root = ET.parse(T + '/g.svg').getroot()
oil = strokes(root, PALETTE[0])
line = max(oil, key=lambda sp: sum(len(p) for p in sp))
if len(line) != 2 or [len(p) for p in line] != [2, 2]:
    die('the oil line should be two pieces of two points around the gap, got %s' % line)
(xa, ya), (xb, yb) = line[0]
(xc, yc), (xd, yd) = line[1]
step = xb - xa
if not (abs(xc - (xa + 3 * step)) < 0.01 and abs(xd - (xa + 4 * step)) < 0.01):
    die('the second piece is not at April and May: %s' % line)
x_march = xa + 2 * step
# y is share: the share 0.25 of April is below (larger y than) 0.5 of
# January; February (1) is highest; y(share) affine: check with 3 points.
share = {r['bucket']: float(r['share']) for r in rows if r['topic'] == 'oil' and r['share']}
k = (yb - ya) / (share['2020-02'] - share['2020-01'])
for (x, y), m in zip(line[0] + line[1], ['2020-01', '2020-02', '2020-04', '2020-05']):
    if abs(y - (ya + k * (share[m] - share['2020-01']))) > 0.05:
        die('oil vertex at %s does not draw its share' % m)
if any(abs(x - x_march) < 1 for x, _ in markers(root, PALETTE[0])):
    die('a marker is drawn at March, whose share is unknown')
# The default title says what is drawn.
if not has_text(root, 'Share of stories mentioning oil, opec per month'):
    die('default title not found in g.svg')
if has_text(root, 'Share of stories mentioning oil, opec per week'):
    die('the title check found a title that is not there')

# PNG: no oil-blue pixel in the plot at March's column (+-2 px), some at
# the middle of January-February and of April-May.
w, h, img = png(T + '/g.png')
def blue_near(x):
    return sum(1 for y in range(40, h - 60) for dx in (-2, -1, 0, 1, 2) if img[y][int(round(x)) + dx] == PALETTE[0])
if blue_near(x_march):
    die('the PNG draws oil at March (%d pixels)' % blue_near(x_march))
if not blue_near((xa + xb) / 2) or not blue_near((xc + xd) / 2):
    die('the PNG lacks the oil line around the gap')

# --smooth 2: the chart draws share_ma, known in every month here (March's
# is February's share alone), as one unbroken line, titled so.
rows = list(csv.DictReader(open(T + '/gs.csv')))
ma = {r['bucket']: float(r['share_ma']) for r in rows if r['topic'] == 'oil' and r['share_ma']}
if sorted(ma) != months:
    die('share_ma should be known in every month: %s' % ma)
root = ET.parse(T + '/gs.svg').getroot()
line = max(strokes(root, PALETTE[0]), key=lambda sp: sum(len(p) for p in sp))
pts = [p for sp in line for p in sp]
if len(line) != 1:
    die('the smoothed line has a gap: %s' % line)
# cairo drops collinear vertices; every vertex must lie on the map of share_ma
x0, x1 = pts[0][0], pts[-1][0]
st = (x1 - x0) / 4
idx = [round((x - x0) / st) for x, _ in pts]
vals = [ma[m] for m in months]
vx = list(zip(idx, [y for _, y in pts]))
(i0, y0), (i1, y1) = min(vx, key=lambda v: vals[v[0]]), max(vx, key=lambda v: vals[v[0]])
if vals[i0] == vals[i1]:
    die('test corpus: the smoothed line is flat')
kk = (y1 - y0) / (vals[i1] - vals[i0])
for i, (x, y) in zip(idx, pts):
    if abs(y - (y0 + kk * (vals[i] - vals[i0]))) > 0.05:
        die('smoothed vertex %d is not share_ma' % i)
# (the raw share would not fit: February's is 1, its mean 0.75, March's none)
if not has_text(root, 'Share of stories mentioning oil, opec per month, mean of the last 2 months'):
    die('the --smooth title is missing')
w, h, img = png(T + '/gs.png')
if not any(img[y][int(round(x0 + 2 * st))] == PALETTE[0] for y in range(40, h - 60)):
    die('the smoothed PNG line does not cross March')

root = ET.parse(T + '/gt.svg').getroot()
if not has_text(root, 'Oil: a test title') or has_text(root, 'Share of stories mentioning oil, opec per month'):
    die('--title is not the drawn title')
root = ET.parse(T + '/gd.svg').getroot()
if not has_text(root, 'Stories mentioning oil, opec per month'):
    die('the --chart-y docs title is missing')
print('[trends_chart] gap, default title, --title, --smooth drawn: ok')
PY

# More than 8 series: small multiples, one panel (one line, one colour) per
# series, the canvas taller than 540; more than 48: refused, no file.
expect_status 0 "12 series" -- ws trends "$T/g" --terms oil,opec,grain,fell,story,and,"oil fell","oil and",w1,w2,w3,w4 \
    --bucket month -o "$T/m.csv" --chart "$T/m.svg" --chart "$T/m.png"
PYTHONPATH="$T" python3 - "$T" <<'PY' || fail "small multiples check failed"
import csv, sys
import xml.etree.ElementTree as ET
from chk import *
T = sys.argv[1]
def die(m): sys.exit('trends_chart: ' + m)
rows = list(csv.DictReader(open(T + '/m.csv')))
topics = list(dict.fromkeys(r['topic'] for r in rows))
if len(topics) != 12: die('12 topics expected: %s' % topics)
drawn = [t for t in topics if any(r['share'] and float(r['docs']) > 0 for r in rows if r['topic'] == t)]
root = ET.parse(T + '/m.svg').getroot()
hgt = int(float(root.get('height').rstrip('px')))
if hgt < 540: die('small multiples: the canvas is %d px high' % hgt)
blue = strokes(root, PALETTE[0])
# each series: its own panel's line in the one colour, broken at March
lines = [sp for sp in blue if sum(len(p) for p in sp) >= 2]
if len(lines) != 12:
    die('%d blue lines, expected one per series (12)' % len(lines))
others = [c for c in PALETTE[1:] if strokes(root, c)]
if others: die('small multiples should use one colour, found %s' % others)
# panels: 4 columns x 3 rows of distinct plot areas; each line's x range is
# in its own column, the lines of one column share x
lefts = sorted({round(min(x for p in sp for x, _ in p)) for sp in lines})
tops = sorted({round(min(y for p in sp for _, y in p) / 150) for sp in lines})
if len(lefts) != 4: die('lines start at %d x positions, expected 4 columns: %s' % (len(lefts), lefts))
for t in topics:
    if not has_text(root, t): die('panel title %r not drawn' % t)
w, h, img = png(T + '/m.png')
if (w, h) != (960, hgt): die('PNG is %dx%d, SVG 960x%d' % (w, h, hgt))
cols = {x * 4 // w for y in range(h) for x in range(w) if img[y][x] == PALETTE[0]}
rws = {y * 3 // h for y in range(h) for x in range(w) if img[y][x] == PALETTE[0]}
if cols != {0, 1, 2, 3} or rws != {0, 1, 2}:
    die('blue pixels in columns %s rows %s of the PNG, expected a 4 x 3 grid' % (cols, rws))
print('[trends_chart] 12 series as small multiples: ok')
PY
many=$(python3 -c 'print(",".join("t%d" % i for i in range(49)))')
expect_status 7 "49 series" -- ws trends "$T/g" --terms "$many" -o "$T/many.csv" --chart "$T/many.svg"
grep -q "49 series" "$T/last.err" || fail "no message naming the 49 series: $(cat "$T/last.err")"
[ ! -e "$T/many.svg" ] || fail "a chart of 49 series was written"
expect_status 0 "48 series" -- ws trends "$T/g" --terms "${many%,t48}" -o /dev/null --chart "$T/m48.svg"
# 48 panels: 12 rows of 4, so the canvas grows far past 540 px
h48=$(python3 -c 'import sys, xml.etree.ElementTree as E; print(int(float(E.parse(sys.argv[1]).getroot().get("height").rstrip("px"))))' "$T/m48.svg")
[ "$h48" -gt 1500 ] || fail "48 panels on a canvas $h48 px high"
expect_status 2 "--title without --chart" -- ws trends "$T/g" --terms oil --title x
expect_status 2 "--smooth with --chart-y docs" -- \
    ws trends "$T/g" --terms oil --smooth 2 --chart "$T/x.svg" --chart-y docs
note "small multiples, refusal past 48, option checks ok"

# errors name the file; nothing is left behind
expect_status 2 "--chart with a .jpg name" -- \
    ws trends "$T/s" --terms "$terms" -o "$T/x.csv" --chart "$T/out.jpg"
grep -q "out.jpg" "$T/last.err" || fail "the .jpg error does not name the file: $(cat "$T/last.err")"
[ ! -e "$T/out.jpg" ] || fail "out.jpg was created"
rc=0
ws trends "$T/s" --terms "$terms" -o "$T/x.csv" --chart "$T/no/dir/c.svg" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "--chart into a missing directory succeeded"
grep -q "no/dir/c.svg" "$T/err" || fail "the write error does not name the file: $(cat "$T/err")"
note "ok"
