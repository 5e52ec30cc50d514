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
