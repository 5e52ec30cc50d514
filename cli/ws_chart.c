/*
 * Line charts of series over time (trends --chart): a title, a y axis with
 * "nice" ticks (1-2-5 steps) and gridlines, an x axis whose bucket labels
 * are thinned (and turned 45 degrees when that fits more of them), one line
 * per series and a legend to the right of the plot, so it never covers a
 * line. The same drawing code renders to an SVG or a PNG file.
 *
 * Why cairo: it is one C library with both an SVG and a PNG (image)
 * surface, packaged in Debian (libcairo2-dev), and it draws in-process.
 * gnuplot would need a subprocess and a temporary data file, and a
 * hand-written SVG would still leave PNG needing a rasteriser; with cairo
 * both formats come from the same calls. Text is laid out by Pango
 * (pangocairo) in the fontconfig family "sans-serif": cairo's "toy" text
 * API takes one font and has no fallback, so Chinese, Japanese or Thai
 * terms came out as empty boxes; Pango shapes each run of a script with a
 * font that has it (fonts-noto-cjk for Han and kana, installed by
 * setup.sh). cairo's SVG output depends only on the drawing (glyphs
 * are emitted as <symbol> outlines with ids numbered per document) except
 * for one id taken from a process-wide counter, which is renumbered (see
 * stable_surface_id), so the same chart gives the same bytes on the same
 * machine; the installed fonts decide the glyph outlines, so bytes can
 * differ between machines.
 *
 * Layout is computed from measured text before anything is drawn: the left
 * margin from the widest y tick label, the right margin from the widest
 * legend entry, the bottom margin from the x labels (fitted to a maximum
 * width, with an ellipsis when longer). Series get the Okabe-Ito palette
 * (colour-blind safe; yellow last, it is faint on white). More than 8
 * series are not drawn as lines on one plot (dozens of lines in repeating
 * colours cannot be told apart) but as small multiples: a grid of panels,
 * one series each, titled with its name, with the same y range and x
 * positions in every panel; the canvas grows downwards with the rows. NaN and infinite values (and any
 * beyond +-1e300) are gaps in a line; a point with no finite neighbour gets a marker so it stays visible.
 */
#include <cairo-svg.h>
#include <cairo.h>
#include <dlfcn.h>
#include <pango/pangocairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ws_chart.h"
#include "ws_cli_text.h"
#include "wirescan.h"

/* Sanitizer builds: fontconfig (which Pango loads) loses a few allocations
 * while parsing its configuration, and Pango, HarfBuzz and GLib keep
 * process-lifetime caches (the default font map, type registrations) that
 * are never freed; LeakSanitizer would fail every process that draws a
 * chart at exit. Not ours to fix. */
#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define WS_CHART_ASAN 1
#elif defined(__has_feature) /* clang */
#if __has_feature(address_sanitizer)
#define WS_CHART_ASAN 1
#endif
#endif
#ifdef WS_CHART_ASAN
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:libpango\nleak:libharfbuzz.so\nleak:libglib-2.0.so\n"
           "leak:libgobject-2.0.so\nleak:libcairo.so\n";
}
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
#endif

/* ---- cairo, loaded when the first chart is drawn ----
 *
 * Why not linked, like Pango below: libcairo brings pixman, fontconfig,
 * FreeType, libpng and the X11/xcb libraries, and loading them added about
 * 1.2 ms of CPU to the start of every wirescan process, charts or not (an
 * empty program linked with -lcairo against one without, perf stat); that
 * was about 1% of a `tf` of Reuters-21578 x10. The functions are looked
 * up by dlsym with the types of their declarations in cairo.h, and the
 * calls below keep their names through the macros. */
#define CAIRO_FUNCS(X) \
    X(cairo_arc) \
    X(cairo_clip) \
    X(cairo_create) \
    X(cairo_destroy) \
    X(cairo_fill) \
    X(cairo_fill_preserve) \
    X(cairo_font_options_create) \
    X(cairo_font_options_destroy) \
    X(cairo_font_options_set_hint_metrics) \
    X(cairo_font_options_set_hint_style) \
    X(cairo_image_surface_create) \
    X(cairo_line_to) \
    X(cairo_move_to) \
    X(cairo_new_sub_path) \
    X(cairo_paint) \
    X(cairo_rectangle) \
    X(cairo_restore) \
    X(cairo_rotate) \
    X(cairo_save) \
    X(cairo_set_dash) \
    X(cairo_set_line_cap) \
    X(cairo_set_line_join) \
    X(cairo_set_line_width) \
    X(cairo_set_source_rgb) \
    X(cairo_status) \
    X(cairo_status_to_string) \
    X(cairo_stroke) \
    X(cairo_surface_destroy) \
    X(cairo_surface_finish) \
    X(cairo_surface_flush) \
    X(cairo_surface_status) \
    X(cairo_surface_write_to_png) \
    X(cairo_svg_surface_create_for_stream) \
    X(cairo_svg_surface_restrict_to_version) \
    X(cairo_svg_surface_set_document_unit) \
    X(cairo_translate)
#define CR_DECL(name) static __typeof__(name) *cr_##name;
CAIRO_FUNCS(CR_DECL)
#undef CR_DECL
static int cr_loaded; /* 0: not tried, 1: loaded, negative: the error */

static int cairo_load(void)
{
    if (cr_loaded) return cr_loaded > 0 ? 0 : cr_loaded;
    static const char LIB[] = "libcairo.so.2";
    void *h = dlopen(LIB, RTLD_NOW | RTLD_LOCAL); /* kept open for the process */
    if (!h) {
        cr_loaded = ws_set_error(WS_ENOENT, "chart: cannot load cairo (%s): %s; install libcairo2 (Debian)", LIB,
                                 dlerror());
        return cr_loaded;
    }
    void *f;
#define CR_LOAD(name)                                                                                    \
    if (!(f = dlsym(h, #name))) {                                                                      \
        cr_loaded = ws_set_error(WS_ENOENT, "chart: %s has no %s", LIB, #name);                         \
        return cr_loaded;                                                                               \
    }                                                                                                   \
    memcpy(&cr_##name, &f, sizeof f); /* POSIX: a function's address as void * */
    CAIRO_FUNCS(CR_LOAD)
#undef CR_LOAD
    cr_loaded = 1;
    return 0;
}
#define cairo_arc cr_cairo_arc
#define cairo_clip cr_cairo_clip
#define cairo_create cr_cairo_create
#define cairo_destroy cr_cairo_destroy
#define cairo_fill cr_cairo_fill
#define cairo_fill_preserve cr_cairo_fill_preserve
#define cairo_font_options_create cr_cairo_font_options_create
#define cairo_font_options_destroy cr_cairo_font_options_destroy
#define cairo_font_options_set_hint_metrics cr_cairo_font_options_set_hint_metrics
#define cairo_font_options_set_hint_style cr_cairo_font_options_set_hint_style
#define cairo_image_surface_create cr_cairo_image_surface_create
#define cairo_line_to cr_cairo_line_to
#define cairo_move_to cr_cairo_move_to
#define cairo_new_sub_path cr_cairo_new_sub_path
#define cairo_paint cr_cairo_paint
#define cairo_rectangle cr_cairo_rectangle
#define cairo_restore cr_cairo_restore
#define cairo_rotate cr_cairo_rotate
#define cairo_save cr_cairo_save
#define cairo_set_dash cr_cairo_set_dash
#define cairo_set_line_cap cr_cairo_set_line_cap
#define cairo_set_line_join cr_cairo_set_line_join
#define cairo_set_line_width cr_cairo_set_line_width
#define cairo_set_source_rgb cr_cairo_set_source_rgb
#define cairo_status cr_cairo_status
#define cairo_status_to_string cr_cairo_status_to_string
#define cairo_stroke cr_cairo_stroke
#define cairo_surface_destroy cr_cairo_surface_destroy
#define cairo_surface_finish cr_cairo_surface_finish
#define cairo_surface_flush cr_cairo_surface_flush
#define cairo_surface_status cr_cairo_surface_status
#define cairo_surface_write_to_png cr_cairo_surface_write_to_png
#define cairo_svg_surface_create_for_stream cr_cairo_svg_surface_create_for_stream
#define cairo_svg_surface_restrict_to_version cr_cairo_svg_surface_restrict_to_version
#define cairo_svg_surface_set_document_unit cr_cairo_svg_surface_set_document_unit
#define cairo_translate cr_cairo_translate

/* ---- Pango, loaded when the first chart is drawn ----
 *
 * Why not linked: Pango brings HarfBuzz, GLib, GObject, FriBidi and more,
 * and loading them (relocations, GLib's constructors) added about 2.5 ms
 * of CPU to the start of every wirescan process, charts or not; tests run
 * thousands of processes. The functions used are looked up by dlsym in
 * libpangocairo (and the libraries it depends on); the calls below keep
 * their names through the macros. Charts are drawn by one thread. */
#define PANGO_FUNCS(X)                                                                                   \
    X(PangoLayout *, pango_cairo_create_layout, (cairo_t *))                                            \
    X(void, pango_cairo_update_layout, (cairo_t *, PangoLayout *))                                      \
    X(void, pango_cairo_show_layout, (cairo_t *, PangoLayout *))                                        \
    X(void, pango_cairo_context_set_font_options, (PangoContext *, const cairo_font_options_t *))       \
    X(PangoFontDescription *, pango_font_description_from_string, (const char *))                       \
    X(void, pango_font_description_free, (PangoFontDescription *))                                      \
    X(void, pango_font_description_set_absolute_size, (PangoFontDescription *, double))                 \
    X(void, pango_font_description_set_weight, (PangoFontDescription *, PangoWeight))                   \
    X(void, pango_layout_set_font_description, (PangoLayout *, const PangoFontDescription *))           \
    X(PangoContext *, pango_layout_get_context, (PangoLayout *))                                        \
    X(void, pango_layout_context_changed, (PangoLayout *))                                              \
    X(void, pango_layout_set_text, (PangoLayout *, const char *, int))                                  \
    X(void, pango_layout_get_extents, (PangoLayout *, PangoRectangle *, PangoRectangle *))              \
    X(int, pango_layout_get_baseline, (PangoLayout *))                                                  \
    X(PangoFontMetrics *, pango_context_get_metrics,                                                    \
      (PangoContext *, const PangoFontDescription *, PangoLanguage *))                                  \
    X(int, pango_font_metrics_get_ascent, (PangoFontMetrics *))                                         \
    X(int, pango_font_metrics_get_descent, (PangoFontMetrics *))                                        \
    X(void, pango_font_metrics_unref, (PangoFontMetrics *))                                             \
    X(void, g_object_unref, (gpointer))
#define PG_DECL(ret, name, args) static ret(*pg_##name) args;
PANGO_FUNCS(PG_DECL)
#undef PG_DECL
static int pg_loaded; /* 0: not tried, 1: loaded, negative: the error */

static int pango_load(void)
{
    if (pg_loaded) return pg_loaded > 0 ? 0 : pg_loaded;
    static const char LIB[] = "libpangocairo-1.0.so.0";
    void *h = dlopen(LIB, RTLD_NOW | RTLD_LOCAL); /* kept open for the process */
    if (!h) {
        pg_loaded = ws_set_error(WS_ENOENT, "chart: cannot load Pango (%s): %s; install libpango-1.0-0 (Debian)", LIB,
                                 dlerror());
        return pg_loaded;
    }
    void *f;
#define PG_LOAD(ret, name, args)                                                                        \
    if (!(f = dlsym(h, #name))) {                                                                      \
        pg_loaded = ws_set_error(WS_ENOENT, "chart: %s has no %s", LIB, #name);                         \
        return pg_loaded;                                                                               \
    }                                                                                                   \
    memcpy(&pg_##name, &f, sizeof f); /* POSIX: a function's address as void * */
    PANGO_FUNCS(PG_LOAD)
#undef PG_LOAD
    pg_loaded = 1;
    return 0;
}
/* the drawing code below calls the loaded functions by their own names */
#define pango_cairo_create_layout pg_pango_cairo_create_layout
#define pango_cairo_update_layout pg_pango_cairo_update_layout
#define pango_cairo_show_layout pg_pango_cairo_show_layout
#define pango_cairo_context_set_font_options pg_pango_cairo_context_set_font_options
#define pango_font_description_from_string pg_pango_font_description_from_string
#define pango_font_description_free pg_pango_font_description_free
#define pango_font_description_set_absolute_size pg_pango_font_description_set_absolute_size
#define pango_font_description_set_weight pg_pango_font_description_set_weight
#define pango_layout_set_font_description pg_pango_layout_set_font_description
#define pango_layout_get_context pg_pango_layout_get_context
#define pango_layout_context_changed pg_pango_layout_context_changed
#define pango_layout_set_text pg_pango_layout_set_text
#define pango_layout_get_extents pg_pango_layout_get_extents
#define pango_layout_get_baseline pg_pango_layout_get_baseline
#define pango_context_get_metrics pg_pango_context_get_metrics
#define pango_font_metrics_get_ascent pg_pango_font_metrics_get_ascent
#define pango_font_metrics_get_descent pg_pango_font_metrics_get_descent
#define pango_font_metrics_unref pg_pango_font_metrics_unref
#define g_object_unref pg_g_object_unref

/* Canvas size: pixels in the PNG, CSS pixels (user units) in the SVG. */
#define CH_W 960
#define CH_H 540

#define FS_TITLE 16.0
#define FS_AXIS 12.0  /* axis titles */
#define FS_TICK 11.0  /* tick and bucket labels */
#define FS_LEGEND 12.0

#define XLABEL_MAXW 120.0  /* x bucket labels are cut to this width */
#define LEGEND_MAXW 220.0  /* legend text is cut to this width */
#define LEGEND_ROW 18.0
#define LEGEND_SWATCH 26.0
#define LINE_W 2.0
#define MARKER_R 3.2
#define MARKER_MIN_SLOT 10.0 /* markers only when points are at least this far apart */
#define MARKER_MAX_N 60

/* Small multiples (more than WS_CHART_MAX_LINES series): panels in a grid
 * of 3 columns (up to 9 series) or 4, each a title line, the plot and room
 * for the x labels below it. */
#define PANEL_TITLE_H 20.0
#define PANEL_PLOT_H 110.0
#define PANEL_XL_H 22.0
#define PANEL_GAP 16.0
#define FS_PANEL 11.0

/* Okabe & Ito (2008), "Color Universal Design". */
static const unsigned char PALETTE[][3] = {
    {0x00, 0x72, 0xB2}, /* blue */
    {0xD5, 0x5E, 0x00}, /* vermillion */
    {0x00, 0x9E, 0x73}, /* bluish green */
    {0xCC, 0x79, 0xA7}, /* reddish purple */
    {0xE6, 0x9F, 0x00}, /* orange */
    {0x56, 0xB4, 0xE9}, /* sky blue */
    {0x00, 0x00, 0x00}, /* black */
    {0xF0, 0xE4, 0x42}, /* yellow */
};
#define NPALETTE (sizeof PALETTE / sizeof PALETTE[0])

/* Dash patterns for the 2nd, 3rd, ... round through the palette. With round
 * caps a 0.5 dash draws a dot. */
static const double DASH_A[] = {6, 5};
static const double DASH_B[] = {0.5, 4.5};
static const double DASH_C[] = {10, 4, 0.5, 4};
static const struct {
    const double *d;
    int n;
} DASHES[] = {{NULL, 0}, {DASH_A, 2}, {DASH_B, 2}, {DASH_C, 4}};
#define NDASHES (sizeof DASHES / sizeof DASHES[0])

typedef struct ch_ctx {
    cairo_t *cr;
    PangoLayout *lay;          /* the text being measured or drawn */
    PangoFontDescription *font; /* the current font (ch_font) */
    double ascent, descent;    /* of the current font, in user units */
    const ws_chart *c;
    cli_buf clean; /* sanitised text */
    cli_buf fit;   /* text cut to a width; what ch_fit returns */
    int err;      /* first allocation failure */

    /* layout */
    double px0, py0, px1, py1; /* plot area: left, top, right, bottom */
    double xin;                /* inset of the first and last x position */
    double ylo, yhi, ystep;    /* y axis range and tick step */
    int ydec;                  /* decimals in y tick labels (-1: %g) */
    size_t nyt;                /* y ticks */
    size_t xstride;            /* every xstride-th x label is drawn */
    int xrot;                  /* x labels at 45 degrees */
    int markers;
    size_t legend_rows;        /* entries shown (the rest summarised) */
    double legend_textw;
} ch_ctx;

/* ---- text ---- */

/* Select "sans-serif" at size user units (absolute, so that neither the
 * surface's resolution nor Pango's 96 dpi default scale it) for what
 * follows; Pango falls back to other installed fonts per script. */
static void ch_font(ch_ctx *x, double size, int bold)
{
    pango_font_description_set_absolute_size(x->font, size * PANGO_SCALE);
    pango_font_description_set_weight(x->font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(x->lay, x->font);
    PangoFontMetrics *m = pango_context_get_metrics(pango_layout_get_context(x->lay), x->font, NULL);
    x->ascent = (double)pango_font_metrics_get_ascent(m) / PANGO_SCALE;
    x->descent = (double)pango_font_metrics_get_descent(m) / PANGO_SCALE;
    pango_font_metrics_unref(m);
}

/* Lay s out in x->lay (on one line) and return its advance width. */
static double ch_width(ch_ctx *x, const char *s)
{
    PangoRectangle logical;
    pango_cairo_update_layout(x->cr, x->lay); /* the current transformation decides the metrics */
    pango_layout_set_text(x->lay, s, -1);
    pango_layout_get_extents(x->lay, NULL, &logical);
    return (double)logical.width / PANGO_SCALE;
}

/* s as valid UTF-8 (bad bytes become U+FFFD, which cairo would otherwise
 * reject by putting the whole context into an error state) with control
 * characters as spaces, cut to the widest prefix of whole code points that
 * fits maxw with a trailing ellipsis. The result is valid until the next
 * call; "" after an allocation failure (recorded in x->err). */
static const char *ch_fit(ch_ctx *x, const char *s, double maxw)
{
    static const char ELLIPSIS[] = "\xE2\x80\xA6";
    if (!s) s = "";
    cli_buf_reset(&x->clean);
    cli_buf_reset(&x->fit);
    if (x->err || cli_utf8_clean(s, strlen(s), &x->clean) || cli_buf_append(&x->clean, "", 1)) {
        x->err = WS_ENOMEM;
        return "";
    }
    char *t = (char *)x->clean.p;
    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F) *p = ' ';
    if (ch_width(x, t) <= maxw) return t;

    /* Binary search over code point boundaries for the longest prefix
     * that fits with the ellipsis. */
    size_t n = x->clean.n - 1;
    size_t lo = 0, hi = n; /* prefix byte lengths; lo always fits */
    if (cli_buf_reserve(&x->fit, n + sizeof ELLIPSIS)) {
        x->err = WS_ENOMEM;
        return "";
    }
    char *f = (char *)x->fit.p;
#define CONT(i) (((unsigned char)t[i] & 0xC0) == 0x80)
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2, m = mid; /* mid in (lo, hi] */
        while (m > lo && CONT(m)) m--;                /* a code point start at or below */
        if (m == lo) {                                /* else the next one above */
            m = mid;
            while (m < hi && CONT(m)) m++;
            if (CONT(m)) break; /* no boundary in (lo, hi] */
        }
        memcpy(f, t, m);
        memcpy(f + m, ELLIPSIS, sizeof ELLIPSIS);
        if (ch_width(x, f) <= maxw)
            lo = m;
        else
            hi = m - 1;
    }
#undef CONT
    memcpy(f, t, lo);
    memcpy(f + lo, ELLIPSIS, sizeof ELLIPSIS);
    return f;
}

/* Draw s with its reference point at (px, py): ax 0/0.5/1 = left, centre
 * or right; the baseline sits vmid ? through the middle of capital
 * letters : at py. */
static void ch_text_at(ch_ctx *x, const char *s, double px, double py, double ax, int vmid)
{
    double w = ch_width(x, s);
    double dy = vmid ? x->ascent * 0.36 : 0; /* about half a cap height */
    double base = (double)pango_layout_get_baseline(x->lay) / PANGO_SCALE;
    cairo_move_to(x->cr, px - ax * w, py + dy - base); /* Pango draws from the layout's top left */
    pango_cairo_show_layout(x->cr, x->lay);
}

/* ---- axes ---- */

/* A value that is drawn: finite, and small enough that differences of two
 * stay finite. Others are gaps. */
static int usable(double v)
{
    return isfinite(v) && fabs(v) <= 1e300;
}

static double nice_step(double range, double target)
{
    double raw = range / target;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    double m = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0;
    return m * mag;
}

/* The y axis over every series: about `target` ticks. */
static void y_range(ch_ctx *x, double target)
{
    const ws_chart *c = x->c;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t s = 0; s < c->nseries; s++)
        for (size_t i = 0; i < c->nx; i++) {
            double v = c->series[s].y ? c->series[s].y[i] : NAN;
            if (!usable(v)) continue;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
    if (lo > hi) lo = hi = 0; /* nothing finite */
    /* Shares and counts read best from a zero baseline. */
    if (lo > 0) lo = 0;
    if (hi < 0) hi = 0;
    if (hi - lo <= fabs(hi) * 1e-12 || hi == lo) {
        /* flat (all zero, or one value): give the line room above */
        double a = fabs(hi) > 0 ? fabs(hi) : 1.0;
        if (hi > 0 || lo == hi) hi += a;
        else lo -= a;
    }
    double step = nice_step(hi - lo, target);
    double l = floor(lo / step + 1e-9) * step, h = ceil(hi / step - 1e-9) * step;
    x->ystep = step;
    x->ylo = l;
    x->yhi = h;
    x->nyt = (size_t)llround((h - l) / step) + 1;
    double lg = log10(step);
    if (step >= 1e7 || step < 1e-7)
        x->ydec = -1;
    else
        x->ydec = lg >= 0 ? 0 : (int)ceil(-lg - 1e-9);
}

static void y_tick_label(const ch_ctx *x, size_t i, char *out, size_t cap)
{
    double v = x->ylo + (double)i * x->ystep;
    if (fabs(v) < x->ystep * 1e-9) v = 0; /* no "-0.00" */
    if (x->ydec < 0)
        snprintf(out, cap, "%.3g", v);
    else
        snprintf(out, cap, "%.*f", x->ydec, v);
}

static double xpos(const ch_ctx *x, size_t i)
{
    if (x->c->nx <= 1) return (x->px0 + x->px1) / 2;
    return x->px0 + x->xin + (double)i * (x->px1 - x->px0 - 2 * x->xin) / (double)(x->c->nx - 1);
}

static double ypos(const ch_ctx *x, double v)
{
    return x->py1 - (v - x->ylo) / (x->yhi - x->ylo) * (x->py1 - x->py0);
}

/* Distance between neighbouring x positions. */
static double x_slot(const ch_ctx *x)
{
    if (x->c->nx <= 1) return x->px1 - x->px0;
    return (x->px1 - x->px0 - 2 * x->xin) / (double)(x->c->nx - 1);
}

static const char *xlabel_raw(const ws_chart *c, size_t i)
{
    return c->xlabels && c->xlabels[i] ? c->xlabels[i] : "";
}

/* ---- layout ---- */

static void layout(ch_ctx *x)
{
    const ws_chart *c = x->c;
    char buf[64];

    y_range(x, 5.0);
    ch_font(x, FS_TICK, 0);
    double tick_h = x->ascent + x->descent;
    double ytw = 0;
    for (size_t i = 0; i < x->nyt; i++) {
        y_tick_label(x, i, buf, sizeof buf);
        double w = ch_width(x, buf);
        if (w > ytw) ytw = w;
    }
    double left = 12 + (c->ylabel && *c->ylabel ? FS_AXIS + 10 : 0) + ytw + 10;

    ch_font(x, FS_LEGEND, 0);
    x->legend_textw = 0;
    for (size_t s = 0; s < c->nseries; s++) {
        double w = ch_width(x, ch_fit(x, c->series[s].name, LEGEND_MAXW));
        if (w > x->legend_textw) x->legend_textw = w;
    }
    double right = 16 + 10 + LEGEND_SWATCH + 8 + x->legend_textw + 10 + 12;
    double top = c->title && *c->title ? 16 + FS_TITLE + 14 : 18;

    /* x labels: widest fitted label, then the stride that keeps them apart
     * level, or at 45 degrees when that shows more of them. */
    ch_font(x, FS_TICK, 0);
    double xlw = 0;
    for (size_t i = 0; i < c->nx; i++) {
        double w = ch_width(x, ch_fit(x, xlabel_raw(c, i), XLABEL_MAXW));
        if (w > xlw) xlw = w;
    }
    for (int pass = 0; pass < 2; pass++) {
        x->px0 = left;
        x->px1 = CH_W - right;
        x->xin = fmin(14.0, (x->px1 - x->px0) / 4);
        double slot = x_slot(x);
        double kh = ceil((xlw + 12) / slot), kr = ceil(tick_h * 1.5 / slot);
        if (kh < 1) kh = 1;
        if (kr < 1) kr = 1;
        x->xrot = kh > 1 && kr < kh;
        double k = x->xrot ? kr : kh;
        x->xstride = k >= (double)c->nx ? (c->nx ? c->nx : 1) : (size_t)k;
        /* Turned labels hang down to the left of their tick: keep the
         * first one inside the canvas, then measure again. */
        double need = x->xrot ? xlw * M_SQRT1_2 - x->xin + 8 : 0;
        if (need <= left) break;
        left = need;
    }
    double xl_h = x->xrot ? (xlw + tick_h) * M_SQRT1_2 : tick_h;
    double bottom = 6 + 6 + xl_h + (c->xlabel && *c->xlabel ? FS_AXIS + 12 : 0) + 12;
    x->py0 = top;
    x->py1 = CH_H - bottom;
    if (x->py1 - x->py0 < 40) x->py1 = x->py0 + 40; /* absurd labels: overlap rather than invert */

    x->markers = c->nx <= MARKER_MAX_N && x_slot(x) >= MARKER_MIN_SLOT;
    size_t fit_rows = (size_t)fmax(1.0, floor((x->py1 - x->py0 - 16) / LEGEND_ROW));
    x->legend_rows = c->nseries <= fit_rows ? c->nseries : fit_rows - 1;
}

/* ---- drawing ---- */

static void set_series_style(ch_ctx *x, size_t s)
{
    const unsigned char *rgb = PALETTE[s % NPALETTE];
    cairo_set_source_rgb(x->cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    size_t d = (s / NPALETTE) % NDASHES;
    cairo_set_dash(x->cr, DASHES[d].d, DASHES[d].n, 0);
    cairo_set_line_width(x->cr, LINE_W);
}

static void marker(ch_ctx *x, double px, double py)
{
    cairo_new_sub_path(x->cr);
    cairo_arc(x->cr, px, py, MARKER_R, 0, 2 * M_PI);
    cairo_fill(x->cr);
}

/* Pixel-aligned coordinate for a 1-unit line. */
static double crisp(double v)
{
    return floor(v) + 0.5;
}

/* The horizontal gridlines at the y ticks, across the plot area. */
static void y_gridlines(ch_ctx *x)
{
    cairo_t *cr = x->cr;
    cairo_set_line_width(cr, 1);
    cairo_set_source_rgb(cr, 0.87, 0.87, 0.87);
    for (size_t i = 0; i < x->nyt; i++) {
        double py = crisp(ypos(x, x->ylo + (double)i * x->ystep));
        cairo_move_to(cr, x->px0, py);
        cairo_line_to(cr, x->px1, py);
    }
    cairo_stroke(cr);
}

static void draw_axes(ch_ctx *x)
{
    cairo_t *cr = x->cr;
    const ws_chart *c = x->c;
    char buf[64];

    /* gridlines */
    y_gridlines(x);
    cairo_set_source_rgb(cr, 0.93, 0.93, 0.93);
    for (size_t i = 0; i < c->nx; i += x->xstride) {
        double px = crisp(xpos(x, i));
        cairo_move_to(cr, px, x->py0);
        cairo_line_to(cr, px, x->py1);
    }
    cairo_stroke(cr);

    /* axis lines and ticks */
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    double ax = crisp(x->px0), ay = crisp(x->py1);
    cairo_move_to(cr, ax, x->py0);
    cairo_line_to(cr, ax, ay);
    cairo_line_to(cr, x->px1, ay);
    for (size_t i = 0; i < x->nyt; i++) {
        double py = crisp(ypos(x, x->ylo + (double)i * x->ystep));
        cairo_move_to(cr, ax - 5, py);
        cairo_line_to(cr, ax, py);
    }
    for (size_t i = 0; i < c->nx; i += x->xstride) {
        double px = crisp(xpos(x, i));
        cairo_move_to(cr, px, ay);
        cairo_line_to(cr, px, ay + 5);
    }
    cairo_stroke(cr);

    /* tick labels */
    ch_font(x, FS_TICK, 0);
    for (size_t i = 0; i < x->nyt; i++) {
        y_tick_label(x, i, buf, sizeof buf);
        ch_text_at(x, buf, ax - 8, ypos(x, x->ylo + (double)i * x->ystep), 1.0, 1);
    }
    for (size_t i = 0; i < c->nx; i += x->xstride) {
        const char *s = ch_fit(x, xlabel_raw(c, i), XLABEL_MAXW);
        double px = xpos(x, i);
        if (x->xrot) {
            cairo_save(cr);
            cairo_translate(cr, px + x->ascent * 0.35, ay + 10);
            cairo_rotate(cr, -M_PI / 4);
            ch_text_at(x, s, 0, 0, 1.0, 0);
            cairo_restore(cr);
        } else {
            ch_text_at(x, s, px, ay + 8 + x->ascent, 0.5, 0);
        }
    }

    /* axis titles */
    ch_font(x, FS_AXIS, 0);
    if (c->xlabel && *c->xlabel)
        ch_text_at(x, ch_fit(x, c->xlabel, x->px1 - x->px0), (x->px0 + x->px1) / 2, CH_H - 12, 0.5, 0);
    if (c->ylabel && *c->ylabel) {
        cairo_save(cr);
        cairo_translate(cr, 12 + FS_AXIS, (x->py0 + x->py1) / 2);
        cairo_rotate(cr, -M_PI / 2);
        ch_text_at(x, ch_fit(x, c->ylabel, x->py1 - x->py0), 0, 0, 0.5, 0);
        cairo_restore(cr);
    }
    if (c->title && *c->title) {
        ch_font(x, FS_TITLE, 1);
        ch_text_at(x, ch_fit(x, c->title, CH_W - 24), CH_W / 2.0, 16 + FS_TITLE, 0.5, 0);
    }
}

static int finite_at(const ws_chart_series *se, size_t nx, size_t i)
{
    return i < nx && se->y && usable(se->y[i]);
}

/* Series s in style `style`, clipped to the plot area (with room for the
 * markers). A value that is not drawn (NaN: unknown) breaks the line. */
static void draw_line(ch_ctx *x, size_t s, size_t style)
{
    cairo_t *cr = x->cr;
    const ws_chart *c = x->c;
    const ws_chart_series *se = &c->series[s];
    cairo_save(cr);
    cairo_rectangle(cr, x->px0 - MARKER_R - 1, x->py0 - MARKER_R - 1, x->px1 - x->px0 + 2 * MARKER_R + 2,
                    x->py1 - x->py0 + 2 * MARKER_R + 2);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    set_series_style(x, style);
    int pen = 0;
    for (size_t i = 0; i < c->nx; i++) {
        if (!finite_at(se, c->nx, i)) {
            pen = 0;
            continue;
        }
        double px = xpos(x, i), py = ypos(x, se->y[i]);
        if (pen)
            cairo_line_to(cr, px, py);
        else
            cairo_move_to(cr, px, py);
        pen = 1;
    }
    cairo_stroke(cr);
    for (size_t i = 0; i < c->nx; i++) {
        if (!finite_at(se, c->nx, i)) continue;
        int isolated = !(i > 0 && finite_at(se, c->nx, i - 1)) && !finite_at(se, c->nx, i + 1);
        if (x->markers || isolated) marker(x, xpos(x, i), ypos(x, se->y[i]));
    }
    cairo_restore(cr);
}

static void draw_series(ch_ctx *x)
{
    for (size_t s = 0; s < x->c->nseries; s++) draw_line(x, s, s);
}

static void draw_legend(ch_ctx *x)
{
    cairo_t *cr = x->cr;
    const ws_chart *c = x->c;
    size_t rows = x->legend_rows + (x->legend_rows < c->nseries);
    double bx = crisp(x->px1 + 16), by = crisp(x->py0);
    double bw = 10 + LEGEND_SWATCH + 8 + x->legend_textw + 10;
    double bh = 8 + (double)rows * LEGEND_ROW + 4;

    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, bx, by, bw, bh);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_stroke(cr);

    ch_font(x, FS_LEGEND, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (size_t s = 0; s < x->legend_rows; s++) {
        double cy = by + 8 + ((double)s + 0.5) * LEGEND_ROW;
        set_series_style(x, s);
        cairo_move_to(cr, bx + 10, cy);
        cairo_line_to(cr, bx + 10 + LEGEND_SWATCH, cy);
        cairo_stroke(cr);
        if (x->markers) marker(x, bx + 10 + LEGEND_SWATCH / 2, cy);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        ch_text_at(x, ch_fit(x, c->series[s].name, LEGEND_MAXW), bx + 10 + LEGEND_SWATCH + 8, cy, 0, 1);
    }
    cairo_set_dash(cr, NULL, 0, 0);
    if (x->legend_rows < c->nseries) {
        char buf[64];
        snprintf(buf, sizeof buf, "+%zu more", c->nseries - x->legend_rows);
        double cy = by + 8 + ((double)x->legend_rows + 0.5) * LEGEND_ROW;
        cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
        ch_text_at(x, ch_fit(x, buf, LEGEND_MAXW), bx + 10, cy, 0, 1);
    }
}

/* ---- small multiples ---- */

static int multiples(const ws_chart *c) { return c->nseries > WS_CHART_MAX_LINES; }
static size_t multi_cols(const ws_chart *c) { return c->nseries <= 9 ? 3 : 4; }
static size_t multi_rows(const ws_chart *c) { return (c->nseries + multi_cols(c) - 1) / multi_cols(c); }
static double multi_top(const ws_chart *c) { return c->title && *c->title ? 16 + FS_TITLE + 14 : 18; }
static double multi_bottom(const ws_chart *c) { return (c->xlabel && *c->xlabel ? FS_AXIS + 12 : 0) + 12; }

/* The canvas height: CH_H, or more when the rows of panels need it. */
static int canvas_h(const ws_chart *c)
{
    if (!multiples(c)) return CH_H;
    double h = multi_top(c) + (double)multi_rows(c) * (PANEL_TITLE_H + PANEL_PLOT_H + PANEL_XL_H) + multi_bottom(c);
    return h > CH_H ? (int)ceil(h) : CH_H;
}

/* Gridlines, axis lines, tick marks and labels of the panel in x's plot
 * area: y labels when `ylabels` (the left column), x labels when `xlabels`
 * (the lowest panel of its column). */
static void panel_axes(ch_ctx *x, int ylabels, int xlabels, double xlmax)
{
    cairo_t *cr = x->cr;
    const ws_chart *c = x->c;
    char buf[64];
    y_gridlines(x);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    double ax = crisp(x->px0), ay = crisp(x->py1);
    cairo_move_to(cr, ax, x->py0);
    cairo_line_to(cr, ax, ay);
    cairo_line_to(cr, x->px1, ay);
    for (size_t i = 0; i < c->nx; i += x->xstride) {
        double px = crisp(xpos(x, i));
        cairo_move_to(cr, px, ay);
        cairo_line_to(cr, px, ay + 4);
    }
    cairo_stroke(cr);
    ch_font(x, FS_TICK, 0);
    for (size_t i = 0; ylabels && i < x->nyt; i++) {
        y_tick_label(x, i, buf, sizeof buf);
        ch_text_at(x, buf, ax - 6, ypos(x, x->ylo + (double)i * x->ystep), 1.0, 1);
    }
    for (size_t i = 0; xlabels && i < c->nx; i += x->xstride) {
        /* centred under the tick, but kept within the panel and half the
         * gap to the next, so neighbouring panels' labels never touch */
        const char *t = ch_fit(x, xlabel_raw(c, i), xlmax);
        double w = ch_width(x, t), l = xpos(x, i) - w / 2;
        l = fmin(l, x->px1 + PANEL_GAP / 2 - 2 - w);
        l = fmax(l, x->px0 - PANEL_GAP / 2);
        ch_text_at(x, t, l, ay + 6 + x->ascent, 0, 0);
    }
}

static void draw_multiples(ch_ctx *x, double height)
{
    cairo_t *cr = x->cr;
    const ws_chart *c = x->c;
    char buf[64];
    y_range(x, 3.0); /* one y range for every panel: the panels compare */
    ch_font(x, FS_TICK, 0);
    double ytw = 0;
    for (size_t i = 0; i < x->nyt; i++) {
        y_tick_label(x, i, buf, sizeof buf);
        ytw = fmax(ytw, ch_width(x, buf));
    }
    const size_t ncol = multi_cols(c);
    const double left = 12 + (c->ylabel && *c->ylabel ? FS_AXIS + 10 : 0) + ytw + 8;
    const double cw = (CH_W - left - 4) / (double)ncol, rowh = PANEL_TITLE_H + PANEL_PLOT_H + PANEL_XL_H;
    const double top = multi_top(c);
    /* x labels: cut to the panel width less a gap, thinned to fit level */
    const double xlmax = fmin(XLABEL_MAXW, cw - PANEL_GAP - 8);
    double xlw = 0;
    for (size_t i = 0; i < c->nx; i++) xlw = fmax(xlw, ch_width(x, ch_fit(x, xlabel_raw(c, i), xlmax)));
    for (size_t s = 0; s < c->nseries; s++) {
        size_t col = s % ncol, row = s / ncol;
        x->px0 = left + (double)col * cw;
        x->px1 = x->px0 + cw - PANEL_GAP;
        x->py0 = top + (double)row * rowh + PANEL_TITLE_H;
        x->py1 = x->py0 + PANEL_PLOT_H;
        /* inset the first and last bucket by half a label (less half the
         * gap), so centred labels stay clear of the next panel's */
        x->xin = fmin(fmax(8.0, xlw / 2 - PANEL_GAP / 2 + 2), (x->px1 - x->px0) / 4);
        double slot = x_slot(x), k = ceil((xlw + 10) / slot);
        if (k < 1) k = 1;
        x->xstride = k >= (double)c->nx ? (c->nx ? c->nx : 1) : (size_t)k;
        x->xrot = 0;
        x->markers = c->nx <= MARKER_MAX_N && slot >= MARKER_MIN_SLOT;
        panel_axes(x, col == 0, s + ncol >= c->nseries, xlmax);
        ch_font(x, FS_PANEL, 1);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        ch_text_at(x, ch_fit(x, c->series[s].name, x->px1 - x->px0), x->px0, x->py0 - 7, 0, 0);
        draw_line(x, s, 0); /* one colour: the panel's title names the series */
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    ch_font(x, FS_AXIS, 0);
    double gy0 = top + PANEL_TITLE_H, gy1 = top + (double)multi_rows(c) * rowh - PANEL_XL_H;
    if (c->xlabel && *c->xlabel) ch_text_at(x, ch_fit(x, c->xlabel, CH_W - 24), CH_W / 2.0, height - 12, 0.5, 0);
    if (c->ylabel && *c->ylabel) {
        cairo_save(cr);
        cairo_translate(cr, 12 + FS_AXIS, (gy0 + gy1) / 2);
        cairo_rotate(cr, -M_PI / 2);
        ch_text_at(x, ch_fit(x, c->ylabel, gy1 - gy0), 0, 0, 0.5, 0);
        cairo_restore(cr);
    }
    if (c->title && *c->title) {
        ch_font(x, FS_TITLE, 1);
        ch_text_at(x, ch_fit(x, c->title, CH_W - 24), CH_W / 2.0, 16 + FS_TITLE, 0.5, 0);
    }
}

static int draw(cairo_t *cr, const ws_chart *c)
{
    ch_ctx x = {0};
    x.cr = cr;
    x.c = c;
    int rc = pango_load();
    if (rc) return rc;
    x.lay = pango_cairo_create_layout(cr);
    x.font = pango_font_description_from_string("sans-serif");
    if (!x.lay || !x.font) {
        if (x.lay) g_object_unref(x.lay);
        pango_font_description_free(x.font);
        return WS_ENOMEM;
    }
    /* The same glyph positions on every surface: no hinting of metrics
     * (cairo's image surface would otherwise round advances to pixels, so
     * the PNG and the SVG would lay text out differently). */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pango_layout_get_context(x.lay), fo);
    cairo_font_options_destroy(fo);
    pango_layout_context_changed(x.lay);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    if (multiples(c)) {
        draw_multiples(&x, canvas_h(c));
    } else {
        layout(&x);
        draw_axes(&x);
        draw_series(&x);
        draw_legend(&x);
    }
    cli_buf_free(&x.clean);
    cli_buf_free(&x.fit);
    g_object_unref(x.lay);
    pango_font_description_free(x.font);
    return x.err;
}

/* ---- files ---- */

static int cairo_err(cairo_status_t st, const char *path)
{
    int code = st == CAIRO_STATUS_NO_MEMORY ? WS_ENOMEM : WS_EIO;
    return ws_set_error(code, "chart %s: %s", path, cairo_status_to_string(st));
}

/* cairo's SVG stream goes to memory first: the document is fixed up
 * (stable_surface_id) before it is written out. */
typedef struct svg_sink {
    cli_buf buf;
    int nomem;
} svg_sink;

static cairo_status_t svg_write(void *closure, const unsigned char *data, unsigned int len)
{
    svg_sink *k = closure;
    if (cli_buf_append(&k->buf, data, len)) {
        k->nomem = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *s)
{
    size_t n = strlen(s);
    for (; (size_t)(end - p) >= n; p++)
        if (*p == (uint8_t)s[0] && memcmp(p, s, n) == 0) return p;
    return NULL;
}

/* cairo names the page group after the surface's process-wide serial
 * number (<g id="surfaceN">), so a chart drawn after other cairo surfaces
 * in the same process (a PNG, a second chart) would differ in that one
 * attribute. Renumber it to 1 when nothing else refers to it. */
static void stable_surface_id(cli_buf *b)
{
    static const char TAG[] = "<g id=\"surface";
    const uint8_t *end = b->p + b->n, *g = find(b->p, end, TAG);
    if (!g) return;
    uint8_t *d = b->p + (g - b->p) + sizeof TAG - 1, *e = d;
    while (e < end && *e >= '0' && *e <= '9') e++;
    if (e == d || e == end || *e != '"' || (e - d == 1 && *d == '1')) return;
    /* any other "surfaceN" with the same N (e.g. an xlink:href) keeps it */
    char ref[40];
    int rn = snprintf(ref, sizeof ref, "surface%.*s", (int)(e - d), (const char *)d);
    if (rn <= 0 || (size_t)rn >= sizeof ref) return;
    for (const uint8_t *p = b->p; (p = find(p, end, ref)) != NULL; p++) {
        const uint8_t *q = p + rn;
        if (p != g + 7 && (q == end || *q < '0' || *q > '9')) return;
    }
    *d = '1';
    memmove(d + 1, e, (size_t)(end - e));
    b->n -= (size_t)(e - d) - 1;
}

/* 1 when path ends in ext (".svg"), ASCII case-insensitively. */
static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), m = strlen(ext);
    if (n <= m) return 0;
    for (size_t i = 0; i < m; i++) {
        char a = path[n - m + i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (a != ext[i]) return 0;
    }
    return 1;
}

static int write_svg(const char *path, const ws_chart *c)
{
    FILE *f = fopen(path, "wb");
    if (!f) return ws_set_error(WS_EIO, "chart %s: cannot create: %s", path, strerror(errno));
    svg_sink k = {{0}, 0};
    cairo_surface_t *sf = cairo_svg_surface_create_for_stream(svg_write, &k, CH_W, canvas_h(c));
    int rc = 0;
    cairo_status_t st = cairo_surface_status(sf);
    if (st == CAIRO_STATUS_SUCCESS) {
        /* 1.1 for the widest viewer support; px so the SVG and the PNG
         * have the same nominal size. */
        cairo_svg_surface_restrict_to_version(sf, CAIRO_SVG_VERSION_1_1);
        cairo_svg_surface_set_document_unit(sf, CAIRO_SVG_UNIT_PX);
        cairo_t *cr = cairo_create(sf);
        rc = draw(cr, c);
        st = cairo_status(cr);
        cairo_destroy(cr);
        cairo_surface_finish(sf); /* emits the document */
        if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(sf);
    }
    cairo_surface_destroy(sf);
    if (!rc && k.nomem) rc = WS_ENOMEM;
    if (!rc && st != CAIRO_STATUS_SUCCESS) rc = cairo_err(st, path);
    if (rc == WS_ENOMEM) rc = ws_set_error(WS_ENOMEM, "chart %s: out of memory", path);
    if (!rc) {
        stable_surface_id(&k.buf);
        if (fwrite(k.buf.p, 1, k.buf.n, f) != k.buf.n)
            rc = ws_set_error(WS_EIO, "chart %s: write failed: %s", path, strerror(errno));
    }
    if (fclose(f) != 0 && !rc) rc = ws_set_error(WS_EIO, "chart %s: write failed: %s", path, strerror(errno));
    cli_buf_free(&k.buf);
    if (rc) cli_remove_partial(path); /* leave no half-written chart */
    return rc;
}

static int write_png(const char *path, const ws_chart *c)
{
    /* Open it ourselves first, for an error that says why; cairo's own
     * open would only report "error while writing to output stream". */
    FILE *f = fopen(path, "wb");
    if (!f) return ws_set_error(WS_EIO, "chart %s: cannot create: %s", path, strerror(errno));
    fclose(f);
    /* RGB24: the background is opaque, so no alpha channel in the file. */
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, CH_W, canvas_h(c));
    int rc = 0;
    cairo_status_t st = cairo_surface_status(sf);
    if (st == CAIRO_STATUS_SUCCESS) {
        cairo_t *cr = cairo_create(sf);
        rc = draw(cr, c);
        st = cairo_status(cr);
        cairo_destroy(cr);
        if (st == CAIRO_STATUS_SUCCESS && !rc) {
            cairo_surface_flush(sf);
            st = cairo_surface_write_to_png(sf, path);
        }
    }
    cairo_surface_destroy(sf);
    if (!rc && st != CAIRO_STATUS_SUCCESS) rc = cairo_err(st, path);
    if (rc == WS_ENOMEM) rc = ws_set_error(WS_ENOMEM, "chart %s: out of memory", path);
    if (rc) cli_remove_partial(path);
    return rc;
}

int ws_chart_write(const char *path, const ws_chart *c)
{
    if (!path || !*path) return ws_set_error(WS_EINVAL, "chart: no file name");
    if (!c || c->nx == 0 || c->nseries == 0 || !c->series)
        return ws_set_error(WS_EINVAL, "chart %s: nothing to draw (no x positions or no series)", path);
    if (c->nseries > WS_CHART_MAX_SERIES)
        return ws_set_error(WS_ETOOBIG, "chart %s: %zu series are too many to draw (at most %d, as small multiples)",
                        path, c->nseries, WS_CHART_MAX_SERIES);
    int svg = has_ext(path, ".svg");
    if (!svg && !has_ext(path, ".png"))
        return ws_set_error(WS_EINVAL, "chart %s: unknown format (the file name must end in .svg or .png)", path);
    int rc = cairo_load();
    if (rc) return rc;
    return svg ? write_svg(path, c) : write_png(path, c);
}
