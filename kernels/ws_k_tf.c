/*
 * Term frequency kernel: tf (occurrences) and df (stories containing the
 * term) per normalised term; output ordered by tf descending, then term
 * bytewise ascending, so ties never depend on thread count. TF-IDF, when
 * asked for, is tf * ln(N / df), computed at the end from integer counts.
 */
#include <math.h>
#include <stdlib.h>

#include "ws_csv.h"
#include "ws_kernel.h"

typedef struct tf_state {
    uint32_t n;
    uint64_t *tf, *df, *stamp;
    uint64_t row; /* rows consumed by this state, for df stamping */
} tf_state;

static void tf_free(void *p)
{
    tf_state *s = p;
    if (!s) return;
    ws_free(s->tf);
    ws_free(s->df);
    ws_free(s->stamp);
    ws_free(s);
}

static void *tf_init(const ws_query *q)
{
    tf_state *s = ws_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n = q->norm->terms.nterms;
    s->tf = ws_calloc((size_t)s->n + 1, 8);
    s->df = ws_calloc((size_t)s->n + 1, 8);
    s->stamp = ws_calloc((size_t)s->n + 1, 8);
    if (!s->tf || !s->df || !s->stamp) { tf_free(s); return NULL; }
    return s;
}

static int tf_consume(void *p, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    tf_state *s = p;
    const uint32_t *map = q->norm->map;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        uint64_t lo = b->meta.tok_off[r], hi = b->meta.tok_off[r + 1];
        if (q->field == 1) hi = lo + b->meta.ntitle[r];
        else if (q->field == 2) lo += b->meta.ntitle[r];
        uint64_t row = ++s->row;
        for (uint64_t t = lo; t < hi; t++) {
            uint32_t id = map[b->ids[t]];
            if (id == WS_NORM_DROP) continue;
            s->tf[id]++;
            if (s->stamp[id] != row) { s->stamp[id] = row; s->df[id]++; }
        }
    }
    return 0;
}

static int tf_merge(void *into, const void *from, const ws_query *q)
{
    (void)q;
    tf_state *a = into;
    const tf_state *b = from;
    for (uint32_t i = 0; i < a->n; i++) {
        a->tf[i] += b->tf[i];
        a->df[i] += b->df[i];
    }
    return 0;
}

typedef struct tf_sort_item {
    uint64_t tf;
    ws_str term;
    uint32_t id;
} tf_sort_item;

static int tf_cmp(const void *x, const void *y)
{
    const tf_sort_item *a = x, *b = y;
    if (a->tf != b->tf) return a->tf > b->tf ? -1 : 1;
    return ws_str_cmp(a->term, b->term);
}

static int tf_finish(void *p, const ws_query *q, ws_buf *out)
{
    tf_state *s = p;
    size_t n = 0;
    for (uint32_t i = 0; i < s->n; i++) n += s->tf[i] > 0 && s->df[i] >= q->min_df;
    tf_sort_item *items = ws_malloc((n + 1) * sizeof *items);
    if (!items) return WS_ENOMEM;
    n = 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->tf[i] > 0 && s->df[i] >= q->min_df) items[n++] = (tf_sort_item){s->tf[i], ws_norm_term(q->norm, i), i};
    qsort(items, n, sizeof *items, tf_cmp);
    if (q->top && n > q->top) n = q->top;
    int rc = ws_csv_raw(out, q->tfidf ? "term,tf,df,tfidf\n" : "term,tf,df\n");
    for (size_t i = 0; i < n && !rc; i++) {
        uint32_t id = items[i].id;
        rc = ws_csv_field(out, items[i].term);
        rc = rc ? rc : ws_csv_sep(out);
        rc = rc ? rc : ws_csv_u64(out, s->tf[id]);
        rc = rc ? rc : ws_csv_sep(out);
        rc = rc ? rc : ws_csv_u64(out, s->df[id]);
        if (q->tfidf && !rc) {
            rc = ws_csv_sep(out);
            double idf = log((double)q->nstories / (double)s->df[id]);
            rc = rc ? rc : ws_csv_double(out, (double)s->tf[id] * idf, 10);
        }
        rc = rc ? rc : ws_csv_eol(out);
    }
    ws_free(items);
    return rc;
}

const ws_kernel ws_kernel_tf = {
    "tf", WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA), tf_init, tf_consume, tf_merge, tf_finish, tf_free,
};
