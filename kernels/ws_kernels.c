/*
 * The kernel table (one row per kernel) and the grouping helpers every
 * kernel shares: time buckets (UTC days, Monday weeks, months, quarters,
 * years) and source/tag groups, with their labels.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ws_k_cooc.h"
#include "ws_k_ngrams.h"
#include "ws_k_trends.h"
#include "ws_kernel.h"

static const ws_kernel *const kernels[] = {
    &ws_kernel_tf,
    &ws_kernel_keyness,
    &ws_kernel_decode,
    &ws_kernel_cooc,
    &ws_kernel_ngrams,
    &ws_kernel_trends,
    &ws_kernel_kwic,
    &ws_kernel_dtm,
    &ws_kernel_export,
    &ws_kernel_topics,
    &ws_kernel_dedup,
};

const ws_kernel *ws_kernel_at(size_t i)
{
    return i < sizeof kernels / sizeof kernels[0] ? kernels[i] : NULL;
}

void ws_plan_note(const ws_plan *plan, const char *fmt, ...)
{
    if (!plan || !plan->note) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    plan->note(plan->ctx, line);
}

const ws_kernel *ws_kernel_find(const char *name)
{
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (!strcmp(kernels[i]->name, name)) return kernels[i];
    return NULL;
}

/* ---- grouping ---- */

#define BIAS (INT64_C(1) << 31) /* time bucket numbers are stored as uint32 = bucket + BIAS */

ws_by ws_by_parse(const char *s, const char **tag)
{
    static const struct {
        const char *name;
        ws_by by;
    } names[] = {{"day", WS_BY_DAY},         {"week", WS_BY_WEEK}, {"month", WS_BY_MONTH},
                 {"quarter", WS_BY_QUARTER}, {"year", WS_BY_YEAR}, {"source", WS_BY_SOURCE}};
    *tag = NULL;
    if (!strncmp(s, "tag:", 4)) {
        *tag = s + 4;
        return WS_BY_TAG;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(s, names[i].name)) return names[i].by;
    *tag = s;
    return WS_BY_TAG;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

uint32_t ws_time_group(ws_by by, int64_t t)
{
    if (t == WS_DATE_UNKNOWN) return WS_GROUP_NONE;
    int64_t z = floor_div(t, 86400), v = z, y;
    unsigned m, d;
    switch (by) {
    case WS_BY_DAY: break;
    case WS_BY_WEEK: v = z - (z + 3 - 7 * floor_div(z + 3, 7)); break; /* 1970-01-01 was a Thursday */
    case WS_BY_MONTH: ws_civil_from_days(z, &y, &m, &d); v = y * 12 + (m - 1); break;
    case WS_BY_QUARTER: ws_civil_from_days(z, &y, &m, &d); v = y * 4 + (m - 1) / 3; break;
    case WS_BY_YEAR: ws_civil_from_days(z, &y, &m, &d); v = y; break;
    default: return WS_GROUP_NONE;
    }
    v += BIAS;
    return v < 0 || v >= (int64_t)WS_GROUP_NONE ? WS_GROUP_NONE : (uint32_t)v;
}

uint64_t ws_groups_columns(const ws_groups *g, const ws_segment *s)
{
    if (!g) return 0;
    switch (g->by) {
    case WS_BY_NONE: return 0;
    case WS_BY_SOURCE: return WS_COLBIT(WS_C_SOURCE);
    case WS_BY_TAG: {
        const ws_group_seg *gs = ws_groups_seg(g, s);
        return gs && gs->col >= 0 ? WS_COLBIT(gs->col) : 0;
    }
    default: return WS_COLBIT(WS_C_DATE);
    }
}

const ws_group_seg *ws_groups_seg(const ws_groups *g, const ws_segment *s)
{
    for (uint32_t i = 0; g && i < g->nsegs; i++)
        if (g->segs[i].seg == s) return &g->segs[i];
    return NULL;
}

int ws_groups_row(const ws_groups *g, const ws_group_seg *gs, const ws_block *b, uint32_t r, ws_buf *scratch,
                  const uint32_t **ids, uint32_t *n)
{
    const uint32_t *vals = NULL;
    uint32_t nv = 0, one;
    switch (g->by) {
    case WS_BY_SOURCE: one = gs ? gs->to_group[b->source[r]] : WS_GROUP_NONE; break;
    case WS_BY_TAG:
        one = WS_GROUP_NONE;
        if (gs && gs->col >= 0) nv = ws_block_tags(b, (uint32_t)gs->col - WS_C_FIRST_TAG, r, &vals);
        break;
    default: one = ws_time_group(g->by, b->dates[r]); break;
    }
    int rc = ws_buf_reserve(scratch, ((size_t)nv + 1) * sizeof(uint32_t));
    if (rc) return rc;
    uint32_t *out = (uint32_t *)(void *)scratch->p, k = 0;
    for (uint32_t i = 0; i < nv; i++) {
        uint32_t id = gs->to_group[vals[i]], j = 0;
        while (j < k && out[j] != id) j++;
        if (j == k) out[k++] = id;
    }
    if (k == 0) out[k++] = one;
    *ids = out;
    *n = k;
    return 0;
}

ws_str ws_group_label(const ws_groups *g, uint32_t id, char *buf)
{
    if (g->by == WS_BY_SOURCE || g->by == WS_BY_TAG)
        return id < g->nlabels ? g->labels[id] : ws_str_make("", 0);
    if (id == WS_GROUP_NONE) return WS_STR_LIT("undated");
    int64_t v = (int64_t)id - BIAS, y;
    unsigned m, d;
    int n;
    switch (g->by) {
    case WS_BY_DAY:
    case WS_BY_WEEK:
        ws_civil_from_days(v, &y, &m, &d);
        n = snprintf(buf, 32, "%04" PRId64 "-%02u-%02u", y, m, d);
        break;
    case WS_BY_MONTH:
        y = floor_div(v, 12);
        n = snprintf(buf, 32, "%04" PRId64 "-%02u", y, (unsigned)(v - 12 * y + 1));
        break;
    case WS_BY_QUARTER:
        y = floor_div(v, 4);
        n = snprintf(buf, 32, "%04" PRId64 "-Q%u", y, (unsigned)(v - 4 * y + 1));
        break;
    default: n = snprintf(buf, 32, "%04" PRId64, v); break;
    }
    return ws_str_make(buf, n > 0 ? (size_t)n : 0);
}

void ws_groups_free(ws_groups *g)
{
    if (!g) return;
    for (uint32_t i = 0; i < g->nsegs; i++) ws_free(g->segs[i].to_group);
    ws_free(g->segs);
    ws_free(g->labels);
    ws_free(g->label_text);
    ws_free(g->tag);
    memset(g, 0, sizeof *g);
}
