/*
 * Keyness kernel: which terms are over-represented in a target subcorpus
 * against a reference subcorpus. The engine marks each selected story with
 * WS_SEL_TARGET and/or WS_SEL_REF; this kernel counts every kept token of
 * the story on each side it belongs to.
 *
 * For a term with a occurrences in the target (c tokens in all) and b in
 * the reference (d tokens), with E1 = c(a+b)/(c+d) and E2 = d(a+b)/(c+d):
 *   g2        = Dunning's log-likelihood of the 2x2 table (a, b / c-a, d-b):
 *               2 sum O ln(O/E) over the four cells (ws_assoc.h; the same
 *               G2 as trends --emerging and cooc's llr)
 *   log_ratio = log2(((a + 0.5) / c) / ((b + 0.5) / d))  Hardie's log ratio, with
 *                                                        0.5 added to both counts so
 *                                                        a term absent on one side
 *                                                        stays finite
 *   chi2      = Pearson's sum (O-E)^2/E over the same table, no Yates
 *               correction
 * A term is over-represented when a/c > b/d (compared exactly, in integers).
 * Only those are listed unless q->both; rows are ordered by g2 descending,
 * then term bytewise. Everything is computed at the end from integer
 * counts, so the output does not depend on the thread count.
 */
#include <math.h>
#include <stdlib.h>

#include "ws_assoc.h"
#include "ws_kernel.h"
#include "ws_topk.h"

typedef struct kn_cell {
    uint64_t t, r;
} kn_cell;

typedef struct kn_state {
    uint32_t n;
    kn_cell *cells;
    uint64_t tot_t, tot_r;
} kn_state;

static void kn_free(void *p)
{
    kn_state *s = p;
    if (!s) return;
    ws_free(s->cells);
    ws_free(s);
}

static void *kn_init(const ws_query *q)
{
    kn_state *s = ws_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n = q->norm->terms.nterms;
    if (!(s->cells = ws_calloc((size_t)s->n + 1, sizeof *s->cells))) {
        kn_free(s);
        return NULL;
    }
    return s;
}

static int kn_consume(void *p, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    kn_state *s = p;
    const uint32_t *map = q->norm->map, *ids = b->ids;
    for (uint32_t r = 0; r < b->nrows; r++) {
        uint64_t tin = sel[r] & WS_SEL_TARGET ? 1 : 0, rin = sel[r] & WS_SEL_REF ? 1 : 0, kept = 0;
        if (!(tin | rin)) continue;
        uint64_t lo, hi;
        ws_query_span(q, b, r, &lo, &hi);
        for (uint64_t t = lo; t < hi; t++) {
            uint32_t id = map[ids[t]];
            if (id == WS_NORM_DROP) continue;
            s->cells[id].t += tin;
            s->cells[id].r += rin;
            kept++;
        }
        s->tot_t += tin * kept;
        s->tot_r += rin * kept;
    }
    return 0;
}

static int kn_merge(void *into, const void *from, const ws_query *q)
{
    (void)q;
    kn_state *a = into;
    const kn_state *b = from;
    for (uint32_t i = 0; i < a->n; i++) {
        a->cells[i].t += b->cells[i].t;
        a->cells[i].r += b->cells[i].r;
    }
    a->tot_t += b->tot_t;
    a->tot_r += b->tot_r;
    return 0;
}

typedef struct kn_item {
    double g2, lr, chi2;
    uint64_t a, b;
    ws_str term;
} kn_item;

/* 1 when a ranks after b: lower G2, or equal and a later term (bytewise).
 * Terms are distinct: a total order. */
static inline int kn_after(const void *ctx, const kn_item *a, const kn_item *b)
{
    (void)ctx;
    if (a->g2 != b->g2) return a->g2 < b->g2;
    return ws_str_cmp(a->term, b->term) > 0;
}

WS_TOPK_DEFINE(kn_top, kn_item, void, kn_after)

static int kn_finish(void *p, const ws_query *q, ws_table *out)
{
    kn_state *s = p;
    if (!s->tot_t) return ws_error(WS_EINVAL, "keyness: the target subcorpus has no tokens (check the target filters)");
    if (!s->tot_r) return ws_error(WS_EINVAL, "keyness: the reference subcorpus has no tokens (check the reference filters)");
    kn_item *items = ws_malloc(((size_t)s->n + 1) * sizeof *items);
    if (!items) return ws_error(WS_ENOMEM, "out of memory sorting %u terms", s->n);
    const double c = (double)s->tot_t, d = (double)s->tot_r;
    uint64_t minc = q->min_count ? q->min_count : 1;
    size_t n = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        uint64_t a = s->cells[i].t, b = s->cells[i].r;
        if (a + b < minc) continue;
        /* a/c > b/d, exactly */
        __extension__ unsigned __int128 ad = (unsigned __int128)a * s->tot_r, bc = (unsigned __int128)b * s->tot_t;
        if (!q->both && !(ad > bc)) continue;
        double da = (double)a, db = (double)b;
        /* The 2x2 table: the term and the other tokens, target and reference. */
        const double o[4] = {da, db, c - da, d - db};
        double g2 = ad == bc ? 0.0 : ws_assoc_g2(o);
        double lr = log2(((da + 0.5) / c) / ((db + 0.5) / d));
        double chi2 = ws_assoc_chi2(o);
        items[n++] = (kn_item){g2, lr, chi2, a, b, ws_norm_term(q->norm, i)};
    }
    n = kn_top_select(NULL, items, n, q->top);
    static const char *const names[] = {"term", "target", "reference", "g2", "log_ratio", "chi2"};
    static const ws_type types[] = {WS_TYPE_TEXT, WS_TYPE_INT64, WS_TYPE_INT64, WS_TYPE_DOUBLE, WS_TYPE_DOUBLE, WS_TYPE_DOUBLE};
    int rc = 0;
    for (size_t k = 0; k < 6 && !rc; k++) rc = ws_table_add_col(out, names[k], types[k]);
    for (size_t i = 0; i < n && !rc; i++) {
        const kn_item *it = &items[i];
        rc = ws_table_text(out, it->term);
        rc = rc ? rc : ws_table_int(out, (int64_t)it->a);
        rc = rc ? rc : ws_table_int(out, (int64_t)it->b);
        rc = rc ? rc : ws_table_double(out, it->g2);
        rc = rc ? rc : ws_table_double(out, it->lr);
        rc = rc ? rc : ws_table_double(out, it->chi2);
    }
    ws_free(items);
    return rc;
}

static const ws_param_info kn_params[] = {
    {"top", WS_PARAM_INT, "100", "N", "rows to print (default 100; 0 = all)", NULL, 0, UINT32_MAX, 0, NULL},
    {"both", WS_PARAM_FLAG, NULL, NULL,
     "also list under-represented terms (a/c < b/d; their log_ratio is negative\n"
     "unless the 0.5 smoothing dominates)", NULL, 0, 1, 0, NULL},
    {"min-count", WS_PARAM_INT, "1", "N", "only terms with target + reference >= N (default 1)", NULL, 0, INT64_MAX, 0, NULL},
};

static int kn_prepare(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext)
{
    (void)plan;
    *ext = NULL;
    q->top = (uint32_t)ws_params_int(p, "top");
    q->both = (int)ws_params_int(p, "both");
    q->min_count = (uint64_t)ws_params_int(p, "min-count");
    return 0;
}

/* ---- taking tf's counts (ws_kernel.adopt) ----
 * Keyness counts each kept term's occurrences in the target and in the
 * reference: per time bucket, what tf --by that bucket counts (its tf),
 * under the same normalisation and field, when every bucket lies wholly
 * in or out of each subset (the engine checks the subsets' bounds and
 * gives each bucket's selection bits through q->group_sel). */
static int kn_adopt_ok(const ws_kernel *k, const ws_query *kq, const ws_query *q)
{
    return k == &ws_kernel_tf && kq->groups && kq->groups->by >= WS_BY_DAY && kq->groups->by <= WS_BY_YEAR &&
           kq->field == q->field;
}

typedef struct kn_adopt_ctx {
    kn_state *s;
    const ws_query *q;
    uint32_t group; /* the group whose terms come next, and its bits */
    unsigned bits;
} kn_adopt_ctx;

static int adopt_group(void *arg, uint32_t id, uint64_t stories)
{
    (void)stories;
    kn_adopt_ctx *c = arg;
    c->group = id;
    c->bits = c->q->group_sel(c->q->group_sel_ctx, id);
    return 0;
}

static int adopt_term(void *arg, uint32_t id, uint32_t term, uint64_t tf, uint64_t df)
{
    (void)df;
    kn_adopt_ctx *c = arg;
    kn_state *s = c->s;
    if (term >= s->n) return ws_error(WS_EINVAL, "keyness: term %u out of range", term);
    const unsigned bits = id == c->group ? c->bits : c->q->group_sel(c->q->group_sel_ctx, id);
    const uint64_t tin = bits & WS_SEL_TARGET ? tf : 0, rin = bits & WS_SEL_REF ? tf : 0;
    s->cells[term].t += tin;
    s->cells[term].r += rin;
    s->tot_t += tin;
    s->tot_r += rin;
    return 0;
}

static int kn_adopt(void *state, const ws_query *q, const ws_kernel *k, const void *kstate, const ws_query *kq)
{
    if (!kn_adopt_ok(k, kq, q) || !q->group_sel) return ws_error(WS_EINVAL, "keyness: cannot take counts from kernel %s", k->name);
    kn_adopt_ctx c = {state, q, WS_GROUP_NONE, q->group_sel(q->group_sel_ctx, WS_GROUP_NONE)};
    return ws_tf_grouped_each(kstate, adopt_group, adopt_term, &c);
}

/* ---- across processes: nonzero cells as (id gap, t, r), totals first ---- */
static int kn_pack(const void *p, const ws_query *q, ws_buf *out)
{
    (void)q;
    const kn_state *s = p;
    if (ws_buf_reserve(out, 2 * WS_VARINT_MAX)) return WS_ENOMEM;
    ws_buf_put_varint(out, s->tot_t);
    ws_buf_put_varint(out, s->tot_r);
    uint32_t last = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        if (!s->cells[i].t && !s->cells[i].r) continue;
        if (ws_buf_reserve(out, 3 * WS_VARINT_MAX)) return WS_ENOMEM;
        ws_buf_put_varint(out, i - last);
        ws_buf_put_varint(out, s->cells[i].t);
        ws_buf_put_varint(out, s->cells[i].r);
        last = i;
    }
    return 0;
}

static int kn_unpack(void *p, const ws_query *q, const uint8_t *data, size_t len)
{
    (void)q;
    kn_state *s = p;
    const uint8_t *at = data, *end = data + len;
    uint64_t a, b, c, id = 0;
    if (ws_varint_get(&at, end, &a) || ws_varint_get(&at, end, &b)) goto bad;
    s->tot_t += a; /* (added: a merged state takes it too, WS_KF_TREE) */
    s->tot_r += b;
    while (at < end) {
        if (ws_varint_get(&at, end, &a) || ws_varint_get(&at, end, &b) || ws_varint_get(&at, end, &c)) goto bad;
        id += a;
        if (id >= s->n) goto bad;
        s->cells[id].t += b;
        s->cells[id].r += c;
    }
    return 0;
bad:
    return ws_error(WS_ECORRUPT, "keyness state from another process is malformed");
}

const ws_kernel ws_kernel_keyness = {
    .name = "keyness",
    .summary = "terms over-represented in a target subcorpus against a reference (G2, log ratio, chi2)",
    .help = "Terms over-represented in a target subcorpus against a reference subcorpus,\n"
            "as CSV: term,target,reference,g2,log_ratio,chi2, ordered by g2 descending,\n"
            "then term (bytewise).\n"
            "\n"
            "subcorpora (the plain filters apply to both):\n"
            "  the target: stories that pass the --target- filters (at least one is\n"
            "  needed; each works like the plain filter of that name); the reference:\n"
            "  those that pass the --ref- filters, or without any, every story that is\n"
            "  not in the target. A story that passes both counts on both sides.\n"
            "columns:\n"
            "  target, reference      occurrences in each (a, b; c and d tokens in all)\n"
            "  g2                     log-likelihood of the 2x2 table (a, b, c-a, d-b):\n"
            "                         2 sum O ln(O/E) (docs/stats.md)\n"
            "  log_ratio              log2 of the ratio of relative frequencies,\n"
            "                         ((a+0.5)/c) / ((b+0.5)/d): 0.5 is added to both counts so\n"
            "                         that a term absent from one side stays finite\n"
            "  chi2                   Pearson's chi-squared of the 2x2 table, no Yates correction",
    .params = kn_params,
    .nparams = sizeof kn_params / sizeof kn_params[0],
    .flags = WS_KF_SUBSETS | WS_KF_TREE,
    .columns = WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA),
    .prepare = kn_prepare,
    .init = kn_init,
    .consume = kn_consume,
    .merge = kn_merge,
    .finish = kn_finish,
    .free = kn_free,
    .pack = kn_pack,
    .unpack = kn_unpack,
    .adopt_ok = kn_adopt_ok,
    .adopt = kn_adopt,
};
