/*
 * Tests for the chart writer (engine/ws_chart.c). Charts are checked by
 * structure, not by comparing with a stored picture:
 *
 * - SVG: parses as XML (python3 xml.etree, run from the test); each series
 *   has exactly two stroked paths in its palette colour (its line, and its
 *   legend swatch) and one filled marker per finite point plus one in the
 *   legend. cairo draws text as glyph outlines (<symbol id="glyphF-N">)
 *   placed by <use> elements, one <g> per string, so the legend text is
 *   found by shape: for each series name a <g> whose glyph ids repeat
 *   exactly where the name's letters repeat ("gamma": 2nd = 5th, 3rd =
 *   4th), with one consistent letter -> glyph mapping across all names.
 * - PNG: the signature and the IHDR size, decoded with cairo, pixels of
 *   each series' exact colour in the plot (left half; the legend is right).
 * - Same input gives the same bytes (SVG and PNG); edge cases (one x
 *   position, all zero, all NaN, many series, long and invalid UTF-8
 *   labels) draw; bad extensions, missing directories, empty charts and
 *   allocation failures are errors that name the file and leave none.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <criterion/criterion.h>
#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ws_chart.h"
#include "ws_util.h"

#define WS_TEST_TMP_NAME "chart"
#include "ws_test_tmp.h"

TestSuite(chart, .init = setup_tmp, .fini = teardown_tmp);

/* The chart's documented canvas (docs/charts.md). */
#define W 960
#define H 540

/* The first three Okabe-Ito colours, in the order the chart uses them. */
static const int COLOURS[3][3] = {{0, 114, 178}, {213, 94, 0}, {0, 158, 115}};

/* Names whose letter-repetition patterns differ from each other and from
 * every tick label, sharing letters ('a', 'p') for the consistency check. */
static const char *const NAMES[3] = {"alpha", "gamma", "mississippi"};
static const char *const XL[6] = {"2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06"};
static double Y[3][6] = {
    {0.10, 0.20, 0.15, 0.30, 0.25, 0.20},
    {0.05, 0.07, 0.09, NAN, 0.12, 0.11},
    {0.40, 0.35, 0.38, 0.33, 0.36, 0.31},
};

static ws_chart small_chart(ws_chart_series *se)
{
    for (int s = 0; s < 3; s++) {
        se[s].name = NAMES[s];
        se[s].y = Y[s];
    }
    ws_chart c = {.title = "Share of stories", .xlabel = "month", .ylabel = "share",
                  .nx = 6, .xlabels = XL, .nseries = 3, .series = se};
    return c;
}

static const char *tpath(const char *name)
{
    char *p = track(malloc(512));
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = track(malloc((size_t)n + 1));
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* ---- the SVG checker (python3) ---- */

static const char CHECK_PY[] =
    "import sys, re, itertools\n"
    "import xml.etree.ElementTree as ET\n"
    "SVG = '{http://www.w3.org/2000/svg}'\n"
    "HREF = '{http://www.w3.org/1999/xlink}href'\n"
    "path, names = sys.argv[1], [n for n in sys.argv[2].split(',') if n]\n"
    "colours = [tuple(int(v) for v in c.split(':')) for c in sys.argv[3].split(',') if c]\n"
    "root = ET.parse(path).getroot()\n"
    "print('root', root.tag[len(SVG):], root.get('width'), root.get('height'))\n"
    "def col(style, key):\n"
    "    m = re.search('(?:^|;)' + key + r':rgb\\(([^)]*)\\)', style or '')\n"
    "    return m and tuple(round(float(v.rstrip('%')) * 2.55) for v in m.group(1).split(','))\n"
    "paths = list(root.iter(SVG + 'path'))\n"
    "for c in colours:\n"
    "    s = sum(1 for p in paths if col(p.get('style'), 'stroke') == c)\n"
    "    f = sum(1 for p in paths if col(p.get('style'), 'fill') == c)\n"
    "    print('colour', *c, s, f)\n"
    "print('dashed', sum(1 for p in paths if 'stroke-dasharray' in (p.get('style') or '')))\n"
    "symbols = {s.get('id') for s in root.iter(SVG + 'symbol')}\n"
    "groups = [[u.get(HREF)[1:] for u in g if u.tag == SVG + 'use'] for g in root.iter(SVG + 'g')]\n"
    "groups = [g for g in groups if g]\n"
    "print('glyphs', len(symbols), len(groups), sum(1 for g in groups for i in g if i not in symbols))\n"
    "def pattern(seq):\n"
    "    first = {}\n"
    "    return tuple(first.setdefault(v, len(first)) for v in seq)\n"
    "cands = [[g for g in groups if pattern(g) == pattern(n)] for n in names]\n"
    "ok = 0\n"
    "for combo in itertools.product(*cands):\n"
    "    m = {}\n"
    "    if all(m.setdefault(ch, gid) == gid for n, g in zip(names, combo) for ch, gid in zip(n, g)) \\\n"
    "            and len(set(m.values())) == len(m):\n"
    "        ok = 1\n"
    "        break\n"
    "print('legend', ok)\n";

/* Runs the checker on svg; returns its output (tracked). */
static char *check_svg(const char *svg, const char *names, const char *colours)
{
    const char *py = tpath("check.py");
    if (!exists(py)) {
        FILE *f = fopen(py, "w");
        cr_assert_not_null(f);
        fputs(CHECK_PY, f);
        cr_assert_eq(fclose(f), 0);
    }
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s' '%s' '%s' 2>&1", py, svg, names, colours);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char *out = track(calloc(1, 8192));
    size_t n = fread(out, 1, 8191, p);
    out[n] = 0;
    int st = pclose(p);
    cr_assert_eq(st, 0, "svg checker failed on %s:\n%s", svg, out);
    return out;
}

static const char *line_of(const char *out, const char *prefix)
{
    const char *l = strstr(out, prefix);
    cr_assert_not_null(l, "no '%s' in checker output:\n%s", prefix, out);
    return l + strlen(prefix);
}

static int finite_count(const double *y, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++) k += isfinite(y[i]) != 0;
    return k;
}

Test(chart, svg_structure)
{
    ws_chart_series se[3];
    ws_chart c = small_chart(se);
    const char *svg = tpath("c.svg");
    cr_assert_eq(ws_chart_write(svg, &c), 0, "%s", ws_last_error());
    char *out = check_svg(svg, "alpha,gamma,mississippi", "0:114:178,213:94:0,0:158:115");

    char w[32], h[32];
    cr_assert_eq(sscanf(line_of(out, "root "), "svg %31s %31s", w, h), 2, "%s", out);
    cr_assert_eq(atoi(w), W);
    cr_assert_eq(atoi(h), H);
    for (int s = 0; s < 3; s++) {
        char pre[64];
        snprintf(pre, sizeof pre, "colour %d %d %d ", COLOURS[s][0], COLOURS[s][1], COLOURS[s][2]);
        int strokes, fills;
        cr_assert_eq(sscanf(line_of(out, pre), "%d %d", &strokes, &fills), 2);
        /* one line (a NaN is a gap within it) + the legend swatch */
        cr_assert_eq(strokes, 2, "series %d: %d stroked paths\n%s", s, strokes, out);
        /* 6 points are few enough for markers: one per finite value + legend */
        cr_assert_eq(fills, finite_count(Y[s], 6) + 1, "series %d: %d markers\n%s", s, fills, out);
    }
    int nsym, ngroups, missing;
    cr_assert_eq(sscanf(line_of(out, "glyphs "), "%d %d %d", &nsym, &ngroups, &missing), 3);
    cr_assert_gt(nsym, 10);
    cr_assert_eq(missing, 0, "uses of undefined glyphs\n%s", out);
    /* title, 2 axis titles, 6 x labels, >= 2 y ticks, 3 legend entries */
    cr_assert_geq(ngroups, 1 + 2 + 6 + 2 + 3, "%s", out);
    cr_assert_eq(atoi(line_of(out, "legend ")), 1, "legend text not found\n%s", out);
    cr_assert_eq(atoi(line_of(out, "dashed ")), 0, "3 series need no dashes\n%s", out);
}

Test(chart, svg_legend_check_can_fail)
{
    /* The glyph-pattern search must not find names that are not drawn. */
    ws_chart_series se[3];
    ws_chart c = small_chart(se);
    const char *svg = tpath("c.svg");
    cr_assert_eq(ws_chart_write(svg, &c), 0, "%s", ws_last_error());
    char *out = check_svg(svg, "alpha,gamma,hippopotamus", "");
    cr_assert_eq(atoi(line_of(out, "legend ")), 0, "%s", out);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

Test(chart, png_structure)
{
    ws_chart_series se[3];
    ws_chart c = small_chart(se);
    const char *png = tpath("c.PNG"); /* the extension is case-insensitive */
    cr_assert_eq(ws_chart_write(png, &c), 0, "%s", ws_last_error());

    size_t n;
    const unsigned char *b = slurp(png, &n);
    cr_assert_gt(n, 33);
    cr_assert_eq(memcmp(b, "\x89PNG\r\n\x1a\n", 8), 0, "no PNG signature");
    cr_assert_eq(memcmp(b + 12, "IHDR", 4), 0);
    cr_assert_eq(be32(b + 16), W);
    cr_assert_eq(be32(b + 20), H);

    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    cr_assert_eq(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    cr_assert_eq(cairo_image_surface_get_width(img), W);
    cr_assert_eq(cairo_image_surface_get_height(img), H);
    cairo_format_t fmt = cairo_image_surface_get_format(img);
    cr_assert(fmt == CAIRO_FORMAT_RGB24 || fmt == CAIRO_FORMAT_ARGB32);
    const unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    long found[3] = {0}, white = 0;
    for (int yy = 0; yy < H; yy++)
        for (int xx = 0; xx < W / 2; xx++) {
            uint32_t px = *(const uint32_t *)(const void *)(data + (size_t)yy * (size_t)stride + (size_t)xx * 4);
            int r = (int)(px >> 16 & 0xFF), g = (int)(px >> 8 & 0xFF), bl = (int)(px & 0xFF);
            if (r == 255 && g == 255 && bl == 255) white++;
            for (int s = 0; s < 3; s++)
                if (r == COLOURS[s][0] && g == COLOURS[s][1] && bl == COLOURS[s][2]) found[s]++;
        }
    cairo_surface_destroy(img);
    for (int s = 0; s < 3; s++)
        cr_assert_gt(found[s], 50, "series %d: %ld pixels of its colour in the plot", s, found[s]);
    cr_assert_gt(white, (long)W * H / 4, "the background should be white");
}

static void same_bytes(const char *a, const char *b)
{
    size_t na, nb;
    const unsigned char *pa = slurp(a, &na), *pb = slurp(b, &nb);
    cr_assert_eq(na, nb, "%s and %s differ in size", a, b);
    cr_assert_eq(memcmp(pa, pb, na), 0, "%s and %s differ", a, b);
}

Test(chart, deterministic)
{
    ws_chart_series se[3];
    ws_chart c = small_chart(se);
    const char *f[4] = {tpath("a.svg"), tpath("b.svg"), tpath("a.png"), tpath("b.png")};
    for (int i = 0; i < 4; i++) cr_assert_eq(ws_chart_write(f[i], &c), 0, "%s", ws_last_error());
    same_bytes(f[0], f[1]);
    same_bytes(f[2], f[3]);
}

static void write_both(const ws_chart *c, const char *stem)
{
    char name[64];
    snprintf(name, sizeof name, "%s.svg", stem);
    const char *svg = tpath(name);
    cr_assert_eq(ws_chart_write(svg, c), 0, "%s: %s", stem, ws_last_error());
    snprintf(name, sizeof name, "%s.png", stem);
    const char *png = tpath(name);
    cr_assert_eq(ws_chart_write(png, c), 0, "%s: %s", stem, ws_last_error());
    char *out = check_svg(svg, "", "");
    cr_assert_not_null(strstr(out, "root svg"), "%s", out);
    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    cr_assert_eq(cairo_surface_status(img), CAIRO_STATUS_SUCCESS, "%s.png does not decode", stem);
    cairo_surface_destroy(img);
}

Test(chart, one_x_position)
{
    double y[2] = {0.5, 0.25};
    const char *xl[1] = {"2020"};
    ws_chart_series se[2] = {{"alpha", y}, {"gamma", y + 1}};
    ws_chart c = {.title = "t", .xlabel = "x", .ylabel = "y", .nx = 1, .xlabels = xl, .nseries = 2, .series = se};
    write_both(&c, "one");
    /* a single point has no line: its marker must be there */
    char *out = check_svg(tpath("one.svg"), "", "0:114:178,213:94:0");
    int s, f;
    cr_assert_eq(sscanf(line_of(out, "colour 0 114 178 "), "%d %d", &s, &f), 2);
    cr_assert_geq(f, 2, "marker + legend marker\n%s", out);
}

Test(chart, flat_and_missing)
{
    double zero[4] = {0, 0, 0, 0}, nan[4] = {NAN, NAN, NAN, NAN}, inf[4] = {1, INFINITY, NAN, 2};
    const char *xl[4] = {"a", "b", "c", "d"};
    ws_chart_series se[3] = {{"zero", zero}, {"nan", nan}, {"inf", inf}};
    ws_chart c = {.nx = 4, .xlabels = xl, .nseries = 1, .series = se}; /* no titles */
    write_both(&c, "zero");
    c.series = se + 1;
    write_both(&c, "nan");
    c.nseries = 3;
    c.series = se;
    write_both(&c, "mixed");
    c.xlabels = NULL; /* labels are optional */
    write_both(&c, "nolabels");
}

Test(chart, many_series_long_labels)
{
    enum { NS = 40, NX = 200 };
    static double y[NS][NX];
    static char names[NS][200], labels[NX][64];
    static const char *xl[NX];
    ws_chart_series se[NS];
    for (int i = 0; i < NX; i++) {
        snprintf(labels[i], sizeof labels[i], "bucket %d with a label far too long to fit under the axis", i);
        xl[i] = labels[i];
    }
    for (int s = 0; s < NS; s++) {
        for (int i = 0; i < NX; i++) y[s][i] = (i % 17 == s % 17) ? NAN : 1000.0 * s + sin(i * 0.1 + s) * 300;
        /* invalid UTF-8, a control character, then a long tail */
        snprintf(names[s], sizeof names[s], "topic %d \xff\xfe tab\there %s", s,
                 "and a very long description that must be cut with an ellipsis before the edge");
        se[s].name = names[s];
        se[s].y = y[s];
    }
    ws_chart c = {.title = "Many series", .xlabel = "x", .ylabel = "y", .nx = NX, .xlabels = xl,
                  .nseries = NS, .series = se};
    write_both(&c, "many");
    /* past 8 series: small multiples, a panel each, one colour, no dashes:
     * one blue line per series (its gaps inside it), no other colour */
    char *out = check_svg(tpath("many.svg"), "", "0:114:178,213:94:0");
    cr_assert_eq(atoi(line_of(out, "dashed ")), 0, "%s", out);
    int strokes, fills;
    cr_assert_eq(sscanf(line_of(out, "colour 0 114 178 "), "%d %d", &strokes, &fills), 2);
    cr_assert_eq(strokes, NS, "%d blue lines for %d panels\n%s", strokes, NS, out);
    cr_assert_eq(sscanf(line_of(out, "colour 213 94 0 "), "%d %d", &strokes, &fills), 2);
    cr_assert_eq(strokes + fills, 0, "a second colour in small multiples\n%s", out);
    /* 40 panels in 4 columns: 10 rows, a canvas taller than 540 */
    char w[32], h[32];
    cr_assert_eq(sscanf(line_of(out, "root "), "svg %31s %31s", w, h), 2, "%s", out);
    cr_assert_eq(atoi(w), W);
    cr_assert_gt(atoi(h), 10 * 100, "%s", out);
}

/* The vertices of every stroked path of colour rgb in svg, one line per
 * path: "M x y L x y M x y ..." as cairo writes them. */
static char *stroked_paths(const char *svg, const char *rgb)
{
    const char *py = tpath("paths.py");
    FILE *f = fopen(py, "w");
    cr_assert_not_null(f);
    fputs("import re, sys\n"
          "import xml.etree.ElementTree as ET\n"
          "SVG = '{http://www.w3.org/2000/svg}'\n"
          "want = tuple(int(v) for v in sys.argv[2].split(':'))\n"
          "for p in ET.parse(sys.argv[1]).getroot().iter(SVG + 'path'):\n"
          "    m = re.search(r'(?:^|;)stroke:rgb\\(([^)]*)\\)', p.get('style') or '')\n"
          "    if m and tuple(round(float(v.rstrip('%')) * 2.55) for v in m.group(1).split(',')) == want:\n"
          "        print(p.get('d').count('M'), p.get('d').count('L'))\n",
          f);
    cr_assert_eq(fclose(f), 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s' '%s' 2>&1", py, svg, rgb);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char *out = track(calloc(1, 8192));
    size_t n = fread(out, 1, 8191, p);
    out[n] = 0;
    cr_assert_eq(pclose(p), 0, "%s", out);
    return out;
}

Test(chart, nan_breaks_the_line)
{
    /* gamma (the second series) is unknown at its 4th point: its line is
     * two pieces (two M; cairo merges the collinear first three points, so
     * "2 2" and not "2 3"); the legend swatch is one M L. */
    ws_chart_series se[3];
    ws_chart c = small_chart(se);
    const char *svg = tpath("gap.svg");
    cr_assert_eq(ws_chart_write(svg, &c), 0, "%s", ws_last_error());
    char *out = stroked_paths(svg, "213:94:0");
    cr_assert(!strncmp(out, "2 ", 2) || strstr(out, "\n2 "), "the gamma line is not two pieces:\n%s", out);
    cr_assert_not_null(strstr(out, "1 1\n"), "no legend swatch:\n%s", out);
    /* alpha has no gap: its line and its swatch are one piece each */
    out = stroked_paths(svg, "0:114:178");
    int m1, l1, m2, l2;
    cr_assert_eq(sscanf(out, "%d %d %d %d", &m1, &l1, &m2, &l2), 4, "%s", out);
    cr_assert(m1 == 1 && m2 == 1 && l1 + l2 >= 3, "the alpha line is not one piece:\n%s", out);
}

Test(chart, too_many_series)
{
    enum { NS = WS_CHART_MAX_SERIES + 1 };
    static double y[4] = {1, 2, 3, 4};
    ws_chart_series se[NS];
    for (int s = 0; s < NS; s++) se[s] = (ws_chart_series){"s", y};
    ws_chart c = {.nx = 4, .nseries = NS, .series = se};
    const char *f[2] = {tpath("too.svg"), tpath("too.png")};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(ws_chart_write(f[i], &c), WS_ETOOBIG);
        cr_assert_not_null(strstr(ws_last_error(), "49 series"), "%s", ws_last_error());
        cr_assert(!exists(f[i]));
    }
    c.nseries = WS_CHART_MAX_SERIES;
    write_both(&c, "max");
}

Test(chart, nine_series_grid)
{
    /* 9 series: 3 x 3 panels, each its series in blue; series s is 1 only
     * at x position s % 4, so every panel differs. The PNG's blue pixels
     * fall in all 9 cells of a 3 x 3 grid of the area below the title. */
    enum { NS = 9, NX = 4 };
    static double y[NS][NX];
    ws_chart_series se[NS];
    static char names[NS][8];
    for (int s = 0; s < NS; s++) {
        for (int i = 0; i < NX; i++) y[s][i] = i == s % NX ? 1.0 : 0.2;
        snprintf(names[s], sizeof names[s], "s%d", s);
        se[s] = (ws_chart_series){names[s], y[s]};
    }
    ws_chart c = {.title = "Nine", .xlabel = "x", .ylabel = "y", .nx = NX, .nseries = NS, .series = se};
    const char *png = tpath("nine.png");
    cr_assert_eq(ws_chart_write(png, &c), 0, "%s", ws_last_error());
    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    cr_assert_eq(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    cr_assert_eq(w, W);
    cr_assert_geq(h, H);
    const unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    long cell[3][3] = {{0}}, other = 0;
    for (int yy = 50; yy < h; yy++)
        for (int xx = 0; xx < w; xx++) {
            uint32_t px = *(const uint32_t *)(const void *)(data + (size_t)yy * (size_t)stride + (size_t)xx * 4);
            int r = (int)(px >> 16 & 0xFF), g = (int)(px >> 8 & 0xFF), bl = (int)(px & 0xFF);
            if (r == COLOURS[0][0] && g == COLOURS[0][1] && bl == COLOURS[0][2])
                cell[(yy - 50) * 3 / (h - 50)][xx * 3 / w]++;
            for (int k = 1; k < 3; k++) other += r == COLOURS[k][0] && g == COLOURS[k][1] && bl == COLOURS[k][2];
        }
    cairo_surface_destroy(img);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) cr_assert_gt(cell[i][j], 50, "panel row %d col %d: %ld blue pixels", i, j, cell[i][j]);
    cr_assert_eq(other, 0, "small multiples draw every series in one colour");
}

Test(chart, errors_name_the_file)
{
    ws_chart_series se[3];
    ws_chart c = small_chart(se);

    const char *jpg = tpath("chart.jpg");
    cr_assert_eq(ws_chart_write(jpg, &c), WS_EINVAL);
    cr_assert_not_null(strstr(ws_last_error(), "chart.jpg"), "%s", ws_last_error());
    cr_assert(!exists(jpg));
    cr_assert_eq(ws_chart_write(tpath("svg"), &c), WS_EINVAL); /* no extension at all */

    const char *bad[2] = {tpath("no/such/dir/c.svg"), tpath("no/such/dir/c.png")};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(ws_chart_write(bad[i], &c), WS_EIO, "%s", bad[i]);
        cr_assert_not_null(strstr(ws_last_error(), bad[i]), "%s", ws_last_error());
    }
    /* a directory where the file should be */
    const char *dir = tpath("d.svg");
    cr_assert_eq(mkdir(dir, 0700), 0);
    cr_assert_eq(ws_chart_write(dir, &c), WS_EIO);

    ws_chart empty = c;
    empty.nx = 0;
    cr_assert_eq(ws_chart_write(tpath("e.svg"), &empty), WS_EINVAL);
    empty = c;
    empty.nseries = 0;
    cr_assert_eq(ws_chart_write(tpath("e.svg"), &empty), WS_EINVAL);
    cr_assert(!exists(tpath("e.svg")));
    cr_assert_eq(ws_chart_write(NULL, &c), WS_EINVAL);
    cr_assert_eq(ws_chart_write(tpath("e.svg"), NULL), WS_EINVAL);
}

Test(chart, allocation_failures)
{
    /* Every failing allocation is a clean WS_ENOMEM with no file left;
     * cairo's own allocations are outside the hook. */
    ws_chart_series se[3];
    ws_chart c = small_chart(se);
    const char *f[2] = {tpath("m.svg"), tpath("m.png")};
    for (int k = 0; k < 2; k++) {
        int ok = 0;
        for (long n = 1; n < 200 && !ok; n++) {
            ws__alloc_fail_after(n);
            int rc = ws_chart_write(f[k], &c);
            ws__alloc_fail_after(0);
            if (rc == 0) {
                ok = 1;
            } else {
                cr_assert_eq(rc, WS_ENOMEM, "n=%ld: %s", n, ws_last_error());
                cr_assert(!exists(f[k]), "n=%ld left %s behind", n, f[k]);
            }
        }
        cr_assert(ok, "never succeeded");
    }
}
