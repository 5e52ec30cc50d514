/* Charts of wirescan trends from the result table (see ws_trends_chart.h). */
#include "ws_trends_chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ws_chart.h"

typedef struct series {
    char *name;
    double *y; /* one per bucket seen so far (NaN: none) */
} series;

struct ws_trends_chart {
    int docs;         /* y = docs (else share) */
    int wide, smooth; /* the table's shape */
    int grouped;      /* --by: a group column after bucket */
    int topics;       /* a topics prevalence table: series by label, y = share of tokens */
    const char *bucket, *by, *smooth_k;
    /* topic names, in order of first appearance (for the default title) */
    char **topic;
    size_t ntopic, captopic;
    char *title;
    /* x */
    char **xl;
    size_t nx, capx;
    /* series, in order of first appearance */
    series *s;
    size_t ns, caps;
    /* columns of the table (found in the first batch) */
    int ready;
    size_t c_group, c_topic, c_docs, c_total, c_share, c_ma, ntopics, c_first;
};

static const char *setting(const ws_cli_setting *set, size_t n, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(set[i].name, name)) v = set[i].value ? set[i].value : "1";
    return v;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

int ws_trends_chart_create(ws_trends_chart **out, const ws_cli_setting *set, size_t n, const char *y, const char *title)
{
    *out = NULL;
    if (setting(set, n, "emerging") || setting(set, n, "bursts")) {
        fprintf(stderr, "wirescan trends: --chart draws topic series; it does not apply to --emerging or --bursts\n");
        return WS_EINVAL;
    }
    if (!strcmp(y, "docs") && setting(set, n, "smooth")) {
        fprintf(stderr, "wirescan trends: --smooth averages shares and the chart draws it; it does not apply to "
                        "--chart-y docs\n");
        return WS_EINVAL;
    }
    ws_trends_chart *c = calloc(1, sizeof *c);
    if (!c) return WS_ENOMEM;
    c->docs = !strcmp(y, "docs");
    c->wide = setting(set, n, "wide") || setting(set, n, "wide-share");
    c->smooth = setting(set, n, "smooth") != NULL;
    c->grouped = setting(set, n, "by") != NULL;
    c->by = setting(set, n, "by");
    c->smooth_k = setting(set, n, "smooth");
    c->bucket = setting(set, n, "bucket");
    if (!c->bucket) c->bucket = "month";
    if (title && !(c->title = dup(title))) {
        free(c);
        return WS_ENOMEM;
    }
    *out = c;
    return 0;
}

static int find_col(const ws_result *r, const char *name, size_t *at)
{
    for (size_t i = 0; i < ws_result_ncols(r); i++)
        if (!strcmp(ws_result_name(r, i), name)) return *at = i, 1;
    return 0;
}

static int columns(ws_trends_chart *c, const ws_result *r)
{
    size_t nc = ws_result_ncols(r), lead = c->grouped ? 2 : 1;
    c->c_group = 1;
    if (!c->wide && find_col(r, "label", &c->c_topic)) {
        /* topics --prevalence: bucket,topic,label,docs,tokens,share */
        c->topics = 1;
        if (!find_col(r, "docs", &c->c_docs) || !find_col(r, "tokens", &c->c_total) || !find_col(r, "share", &c->c_share))
            return WS_EINTERNAL;
    } else if (!c->wide) {
        if (!find_col(r, "topic", &c->c_topic) || !find_col(r, "docs", &c->c_docs) || !find_col(r, "total", &c->c_total) ||
            !find_col(r, "share", &c->c_share))
            return WS_EINTERNAL;
        if (c->smooth && !find_col(r, "share_ma", &c->c_ma)) return WS_EINTERNAL;
    } else {
        c->c_total = lead;
        c->c_first = lead + 1;
        if (nc <= c->c_first) return WS_EINTERNAL;
        c->ntopics = (nc - c->c_first) / (c->smooth ? 2 : 1);
    }
    c->ready = 1;
    return 0;
}

/* The bucket of label b: the last one, or a new one. */
static int bucket_index(ws_trends_chart *c, const char *b, size_t *at)
{
    if (c->nx && !strcmp(c->xl[c->nx - 1], b)) return *at = c->nx - 1, 0;
    if (c->nx == c->capx) {
        size_t cap = c->capx ? c->capx * 2 : 64;
        char **x = realloc(c->xl, cap * sizeof *x);
        if (!x) return WS_ENOMEM;
        c->xl = x;
        c->capx = cap;
        for (size_t i = 0; i < c->ns; i++) {
            double *y = realloc(c->s[i].y, cap * sizeof *y);
            if (!y) return WS_ENOMEM;
            c->s[i].y = y;
        }
    }
    if (!(c->xl[c->nx] = dup(b))) return WS_ENOMEM;
    for (size_t i = 0; i < c->ns; i++) c->s[i].y[c->nx] = NAN;
    *at = c->nx++;
    return 0;
}

/* Remember topic t's name for the title. */
static int topic_seen(ws_trends_chart *c, const char *t)
{
    for (size_t i = 0; i < c->ntopic; i++)
        if (!strcmp(c->topic[i], t)) return 0;
    if (c->ntopic == c->captopic) {
        size_t cap = c->captopic ? c->captopic * 2 : 8;
        char **v = realloc(c->topic, cap * sizeof *v);
        if (!v) return WS_ENOMEM;
        c->topic = v;
        c->captopic = cap;
    }
    if (!(c->topic[c->ntopic] = dup(t))) return WS_ENOMEM;
    c->ntopic++;
    return 0;
}

static int series_index(ws_trends_chart *c, const char *topic, const char *group, size_t *at)
{
    char name[512];
    int rc = topic_seen(c, topic);
    if (rc) return rc;
    if (group) snprintf(name, sizeof name, "%s (%s)", topic, group);
    else snprintf(name, sizeof name, "%s", topic);
    for (size_t i = c->ns; i-- > 0;)
        if (!strcmp(c->s[i].name, name)) return *at = i, 0;
    if (c->ns == c->caps) {
        size_t cap = c->caps ? c->caps * 2 : 16;
        series *s = realloc(c->s, cap * sizeof *s);
        if (!s) return WS_ENOMEM;
        c->s = s;
        c->caps = cap;
    }
    series *s = &c->s[c->ns];
    s->name = dup(name);
    s->y = malloc((c->capx ? c->capx : 1) * sizeof *s->y);
    if (!s->name || !s->y) {
        free(s->name);
        free(s->y);
        return WS_ENOMEM;
    }
    for (size_t i = 0; i < c->capx; i++) s->y[i] = NAN;
    *at = c->ns++;
    return 0;
}

static double value(const ws_result *r, size_t row, size_t col)
{
    if (ws_result_is_null(r, row, col)) return NAN;
    return ws_result_type(r, col) == WS_TYPE_DOUBLE ? ws_result_double(r, row, col) : (double)ws_result_int64(r, row, col);
}

int ws_trends_chart_add(ws_trends_chart *c, const ws_result *r)
{
    int rc = c->ready ? 0 : columns(c, r);
    for (size_t row = 0; !rc && row < ws_result_nrows(r); row++) {
        size_t b, k;
        if ((rc = bucket_index(c, ws_result_text(r, row, 0, NULL), &b))) break;
        const char *group = c->grouped ? ws_result_text(r, row, c->c_group, NULL) : NULL;
        double total = value(r, row, c->c_total);
        if (!c->wide) {
            if ((rc = series_index(c, ws_result_text(r, row, c->c_topic, NULL), group, &k))) break;
            c->s[k].y[b] = c->docs ? value(r, row, c->c_docs) : value(r, row, c->smooth ? c->c_ma : c->c_share);
            continue;
        }
        for (size_t t = 0; t < c->ntopics && !rc; t++) {
            size_t col = c->c_first + t;
            if ((rc = series_index(c, ws_result_name(r, col), group, &k))) break;
            double v = value(r, row, col);
            int is_share = ws_result_type(r, col) == WS_TYPE_DOUBLE;
            if (c->smooth && !c->docs) v = value(r, row, col + c->ntopics);
            else if (c->docs && is_share) v = round(v * total);
            else if (!c->docs && !is_share) v = total > 0 ? v / total : NAN;
            c->s[k].y[b] = v;
        }
    }
    if (rc == WS_EINTERNAL) fprintf(stderr, "wirescan trends: the result has no series to chart\n");
    return rc;
}

int ws_trends_chart_draw(ws_trends_chart *c, const char *const *paths, size_t n)
{
    ws_chart_series *ser = calloc(c->ns + 1, sizeof *ser);
    if (!ser) return WS_ENOMEM;
    for (size_t i = 0; i < c->ns; i++) ser[i] = (ws_chart_series){c->s[i].name, c->s[i].y};
    char title[256];
    if (c->title) snprintf(title, sizeof title, "%s", c->title);
    else if (c->topics)
        snprintf(title, sizeof title, "Topic prevalence: %s per %s", c->docs ? "stories" : "share of tokens", c->bucket);
    else {
        /* What is drawn: "Share of stories mentioning oil, opec per month,
         * by source, mean of the last 3 months" (more than 5 topics: "N
         * topics"). */
        size_t k = (size_t)snprintf(title, sizeof title, "%s ", c->docs ? "Stories mentioning" : "Share of stories mentioning");
        if (c->ntopic > 5) k += (size_t)snprintf(title + k, sizeof title - k, "%zu topics", c->ntopic);
        for (size_t i = 0; c->ntopic <= 5 && i < c->ntopic && k < sizeof title; i++)
            k += (size_t)snprintf(title + k, sizeof title - k, "%s%s", i ? ", " : "", c->topic[i]);
        if (k < sizeof title) k += (size_t)snprintf(title + k, sizeof title - k, " per %s", c->bucket);
        if (c->by && k < sizeof title)
            k += (size_t)snprintf(title + k, sizeof title - k, ", by %s", !strncmp(c->by, "tag:", 4) ? c->by + 4 : c->by);
        if (c->smooth_k && atoi(c->smooth_k) > 1 && !c->docs && k < sizeof title)
            snprintf(title + k, sizeof title - k, ", mean of the last %s %ss", c->smooth_k, c->bucket);
    }
    char ylabel[96];
    if (c->docs) snprintf(ylabel, sizeof ylabel, "stories");
    else if (c->topics) snprintf(ylabel, sizeof ylabel, "share of tokens");
    else if (c->smooth_k && atoi(c->smooth_k) > 1) snprintf(ylabel, sizeof ylabel, "share of stories (mean of %s)", c->smooth_k);
    else snprintf(ylabel, sizeof ylabel, "share of stories");
    ws_chart ch;
    memset(&ch, 0, sizeof ch);
    ch.title = title;
    ch.xlabel = c->bucket;
    ch.ylabel = ylabel;
    ch.nx = c->nx;
    ch.xlabels = (const char *const *)c->xl;
    ch.nseries = c->ns;
    ch.series = ser;
    int rc = 0;
    /* PNGs first: a PNG drawn after an SVG in the same process comes out
     * with other bytes (cairo's font state), SVGs never do; so each file
     * has the bytes a run drawing it alone would give. */
    for (int svg = 0; svg < 2; svg++)
        for (size_t i = 0; i < n && !rc; i++) {
            size_t len = strlen(paths[i]);
            if ((len >= 4 && !strcasecmp(paths[i] + len - 4, ".svg")) == svg) rc = ws_chart_write(paths[i], &ch);
        }
    free(ser);
    return rc;
}

void ws_trends_chart_free(ws_trends_chart *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nx; i++) free(c->xl[i]);
    free(c->xl);
    for (size_t i = 0; i < c->ns; i++) {
        free(c->s[i].name);
        free(c->s[i].y);
    }
    free(c->s);
    for (size_t i = 0; i < c->ntopic; i++) free(c->topic[i]);
    free(c->topic);
    free(c->title);
    free(c);
}
