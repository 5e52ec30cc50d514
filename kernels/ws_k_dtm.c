/*
 * Document-term matrix (dtm): per story that passes the filters, the count
 * of every selected normalised term in it, for fitting one's own models in
 * R or Python. Two passes over the same blocks (next_pass):
 *   1. document frequencies of every normalised term (within --field);
 *   2. the terms with min-df <= df (at least 1) and df <= max-df (when
 *      given), the --top-terms N with the highest df, become the columns,
 *      numbered from 1 by df descending, then term bytewise; the stories
 *      (rows, numbered from 1 in store order) are counted.
 * The result streams in store order (an ordered kernel): one table row per
 * nonzero cell, row,id,date,source,col,term,count, cells of a story by
 * column; a story without any selected term gives one table row with col,
 * term and count empty, so that every story has its row. The command line
 * turns this into PREFIX.mtx (Matrix Market), PREFIX.rows.csv and
 * PREFIX.cols.csv (cli/ws_dtm_out.c). Stop words, --min-length and
 * --no-numbers drop terms as for tf.
 */
#include <stdlib.h>

#include "ws_kernel.h"

typedef struct dtm_plan {
    uint64_t min_df, max_df, top;
    unsigned pass;    /* 0: counting df, 1: counting cells */
    uint32_t nterms;
    uint32_t *col;    /* per normalised id: column (from 1), 0 = not a column */
    uint32_t *term;   /* per column (from 1): its normalised id */
    uint32_t ncols;
    uint64_t next_row; /* rows handed out so far (emit runs one block at a time) */
} dtm_plan;

typedef struct dtm_cell {
    uint32_t col, count;
} dtm_cell;

typedef struct dtm_story {
    uint32_t row;          /* in the block */
    size_t first, ncells;  /* into cells */
} dtm_story;

typedef struct dtm_state {
    dtm_plan *pl;
    /* pass 0 */
    uint64_t *df;
    uint32_t *stamp;
    uint32_t rowno;
    /* pass 1 */
    uint32_t *cnt;   /* per column (index col) */
    ws_buf touched;  /* columns touched by the story being counted */
    const ws_block *b;
    dtm_story *st;
    size_t nst, capst;
    dtm_cell *cells;
    size_t ncells, capcells;
} dtm_state;

static const ws_param_info dtm_params[] = {
    {"min-df", WS_PARAM_INT, "1", "N", "only terms in at least N of the stories (default 1)", NULL, 0, INT64_MAX, 0, NULL},
    {"max-df", WS_PARAM_INT, "0", "N", "only terms in at most N of the stories (default 0: no maximum)", NULL, 0,
     INT64_MAX, 0, NULL},
    {"top-terms", WS_PARAM_INT, "0", "N", "only the N terms in the most stories (default 0: all)", NULL, 0, UINT32_MAX, 0,
     NULL},
};

static void dtm_release(void *v)
{
    dtm_plan *pl = v;
    if (!pl) return;
    ws_free(pl->col);
    ws_free(pl->term);
    ws_free(pl);
}

static int dtm_prepare(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext)
{
    dtm_plan *pl = ws_calloc(1, sizeof *pl);
    *ext = pl;
    if (!pl) return ws_error(WS_ENOMEM, "out of memory");
    pl->min_df = (uint64_t)ws_params_int(p, "min-df");
    pl->max_df = (uint64_t)ws_params_int(p, "max-df");
    pl->top = (uint64_t)ws_params_int(p, "top-terms");
    if (pl->max_df && pl->max_df < pl->min_df)
        return ws_error(WS_EINVAL, "--max-df %llu is below --min-df %llu: no term can be a column",
                        (unsigned long long)pl->max_df, (unsigned long long)pl->min_df);
    pl->nterms = plan->norm->terms.nterms;
    q->ext = pl;
    return 0;
}

static void dtm_free(void *v)
{
    dtm_state *s = v;
    if (!s) return;
    ws_free(s->df);
    ws_free(s->stamp);
    ws_free(s->cnt);
    ws_buf_free(&s->touched);
    ws_free(s->st);
    ws_free(s->cells);
    ws_free(s);
}

static void *dtm_init(const ws_query *q)
{
    dtm_state *s = ws_calloc(1, sizeof *s);
    if (!s) return NULL;
    /* The plan is the kernel's own (made by prepare): next_pass writes it
     * between passes and emit (next_row) one block at a time. */
    s->pl = (dtm_plan *)(uintptr_t)q->ext;
    int bad;
    if (s->pl->pass == 0)
        bad = !(s->df = ws_calloc((size_t)s->pl->nterms + 1, sizeof *s->df)) ||
              !(s->stamp = ws_calloc((size_t)s->pl->nterms + 1, sizeof *s->stamp));
    else
        bad = !(s->cnt = ws_calloc((size_t)s->pl->ncols + 1, sizeof *s->cnt));
    if (bad) {
        dtm_free(s);
        return NULL;
    }
    return s;
}

static int push_story(dtm_state *s, uint32_t r)
{
    if (s->nst == s->capst) {
        size_t nc = s->capst ? s->capst * 2 : 256;
        dtm_story *g = ws_realloc(s->st, nc * sizeof *g);
        if (!g) return ws_error(WS_ENOMEM, "out of memory for the dtm");
        s->st = g;
        s->capst = nc;
    }
    s->st[s->nst++] = (dtm_story){r, s->ncells, 0};
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int dtm_consume(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    dtm_state *s = state;
    const uint32_t *map = q->norm->map, *ids = b->ids;
    if (s->pl->pass == 0) {
        for (uint32_t r = 0; r < b->nrows; r++) {
            if (!sel[r]) continue;
            if (++s->rowno == 0) { /* the stamps wrap: start them afresh */
                memset(s->stamp, 0, ((size_t)s->pl->nterms + 1) * sizeof *s->stamp);
                s->rowno = 1;
            }
            uint64_t lo, hi;
            ws_query_span(q, b, r, &lo, &hi);
            for (uint64_t t = lo; t < hi; t++) {
                uint32_t id = map[ids[t]];
                if (id == WS_NORM_DROP || s->stamp[id] == s->rowno) continue;
                s->stamp[id] = s->rowno;
                s->df[id]++;
            }
        }
        return 0;
    }
    const uint32_t *col = s->pl->col;
    s->b = b;
    s->nst = s->ncells = 0;
    int rc = 0;
    for (uint32_t r = 0; r < b->nrows && !rc; r++) {
        if (!sel[r]) continue;
        if ((rc = push_story(s, r))) break;
        uint64_t lo, hi;
        ws_query_span(q, b, r, &lo, &hi);
        s->touched.n = 0;
        for (uint64_t t = lo; t < hi && !rc; t++) {
            uint32_t id = map[ids[t]];
            uint32_t c = id == WS_NORM_DROP ? 0 : col[id];
            if (!c) continue;
            if (!s->cnt[c]++) rc = ws_buf_append(&s->touched, &c, sizeof c);
        }
        if (rc) break;
        size_t n = s->touched.n / sizeof(uint32_t);
        uint32_t *tc = (uint32_t *)(void *)s->touched.p;
        if (n > 1) qsort(tc, n, sizeof *tc, cmp_u32);
        if (s->ncells + n > s->capcells) {
            size_t nc = (s->ncells + n) * 2;
            dtm_cell *g = ws_realloc(s->cells, nc * sizeof *g);
            if (!g) return ws_error(WS_ENOMEM, "out of memory for the dtm");
            s->cells = g;
            s->capcells = nc;
        }
        for (size_t i = 0; i < n; i++) {
            s->cells[s->ncells++] = (dtm_cell){tc[i], s->cnt[tc[i]]};
            s->cnt[tc[i]] = 0;
        }
        s->st[s->nst - 1].ncells = n;
    }
    return rc;
}

static int dtm_header(const ws_query *q, ws_table *out)
{
    (void)q;
    static const char *const names[] = {"row", "id", "date", "source", "col", "term", "count"};
    static const ws_type types[] = {WS_TYPE_INT64, WS_TYPE_TEXT, WS_TYPE_DATE, WS_TYPE_TEXT,
                                    WS_TYPE_INT64, WS_TYPE_TEXT, WS_TYPE_INT64};
    int rc = 0;
    for (int i = 0; i < 7 && !rc; i++) rc = ws_table_add_col(out, names[i], types[i]);
    return rc;
}

static int dtm_emit(void *state, const ws_query *q, ws_table *out)
{
    dtm_state *s = state;
    dtm_plan *pl = s->pl;
    if (pl->pass == 0) return 0;
    const ws_block *b = s->b;
    int rc = 0;
    for (size_t i = 0; i < s->nst && !rc; i++) {
        const dtm_story *st = &s->st[i];
        uint64_t row = ++pl->next_row;
        ws_str id = ws_strings_get(&b->id, st->row);
        ws_str src = b->seg->cols[WS_C_SOURCE].values[b->source[st->row]];
        int64_t date = b->dates[st->row];
        size_t n = st->ncells ? st->ncells : 1;
        for (size_t k = 0; k < n && !rc; k++) {
            rc = ws_table_int(out, (int64_t)row);
            if (!rc) rc = ws_table_text(out, id);
            if (!rc) rc = date == WS_DATE_UNKNOWN ? ws_table_null(out) : ws_table_int(out, date);
            if (!rc) rc = ws_table_text(out, src);
            if (rc) break;
            if (!st->ncells) {
                for (int c = 0; c < 3 && !rc; c++) rc = ws_table_null(out);
                break;
            }
            const dtm_cell *cell = &s->cells[st->first + k];
            rc = ws_table_int(out, cell->col);
            if (!rc) rc = ws_table_text(out, ws_norm_term(q->norm, pl->term[cell->col]));
            if (!rc) rc = ws_table_int(out, cell->count);
        }
    }
    s->nst = s->ncells = 0;
    return rc;
}

static int dtm_merge(void *into, const void *from, const ws_query *q)
{
    dtm_state *a = into;
    const dtm_state *b = from;
    (void)q;
    if (a->pl->pass == 0)
        for (uint32_t i = 0; i < a->pl->nterms; i++) a->df[i] += b->df[i];
    return 0;
}

typedef struct dtm_cand {
    uint32_t id;
    uint64_t df;
    ws_str term;
} dtm_cand;

static int cmp_cand(const void *x, const void *y)
{
    const dtm_cand *a = x, *b = y;
    if (a->df != b->df) return a->df > b->df ? -1 : 1;
    return ws_str_cmp(a->term, b->term);
}

static int dtm_next_pass(void *merged, const ws_query *q, unsigned pass)
{
    dtm_state *s = merged;
    dtm_plan *pl = s->pl;
    if (pass > 0) return 0;
    dtm_cand *c = ws_malloc(((size_t)pl->nterms + 1) * sizeof *c);
    if (!(pl->col = ws_calloc((size_t)pl->nterms + 1, sizeof *pl->col)) || !c) {
        ws_free(c);
        return ws_error(WS_ENOMEM, "out of memory choosing the dtm's columns");
    }
    uint64_t min = pl->min_df ? pl->min_df : 1;
    size_t n = 0;
    for (uint32_t i = 0; i < pl->nterms; i++)
        if (s->df[i] >= min && (!pl->max_df || s->df[i] <= pl->max_df)) c[n++] = (dtm_cand){i, s->df[i], ws_norm_term(q->norm, i)};
    qsort(c, n, sizeof *c, cmp_cand);
    if (pl->top && n > pl->top) n = (size_t)pl->top;
    if (!(pl->term = ws_malloc((n + 1) * sizeof *pl->term))) {
        ws_free(c);
        return ws_error(WS_ENOMEM, "out of memory choosing the dtm's columns");
    }
    for (size_t k = 0; k < n; k++) {
        pl->col[c[k].id] = (uint32_t)(k + 1);
        pl->term[k + 1] = c[k].id;
    }
    pl->ncols = (uint32_t)n;
    ws_free(c);
    pl->pass = 1;
    return 1;
}

static int dtm_finish(void *state, const ws_query *q, ws_table *out)
{
    (void)state, (void)q, (void)out;
    return 0;
}

/* Across ranks: the document frequencies of pass 0 (pass 1's rows
 * travel in the ordered gather, numbered again by rank 0). */
static int dtm_pack(const void *state, const ws_query *q, ws_buf *out)
{
    const dtm_state *s = state;
    (void)q;
    if (!s->df) return 0; /* a state of pass 1 (rank 0 packs after next_pass) */
    int rc = ws_buf_reserve(out, ((size_t)s->pl->nterms + 1) * WS_VARINT_MAX);
    if (rc) return ws_error(rc, "out of memory packing the dtm state");
    for (uint32_t i = 0; i < s->pl->nterms; i++) ws_buf_put_varint(out, s->df[i]);
    return 0;
}

static int dtm_unpack(void *state, const ws_query *q, const uint8_t *data, size_t len)
{
    dtm_state *s = state;
    (void)q;
    const uint8_t *at = data, *end = data + len;
    if (!s->df) return len ? ws_error(WS_ECORRUPT, "dtm: an unexpected state") : 0;
    for (uint32_t i = 0; i < s->pl->nterms; i++) {
        uint64_t v;
        if (ws_varint_get(&at, end, &v)) return ws_error(WS_ECORRUPT, "dtm: a malformed state");
        s->df[i] = v;
    }
    return at == end ? 0 : ws_error(WS_ECORRUPT, "dtm: a malformed state");
}

const ws_kernel ws_kernel_dtm = {
    .name = "dtm",
    .summary = "document-term matrix for R and Python (Matrix Market, with row and column files)",
    .help = "The document-term matrix after filters and normalisation: stories x terms,\n"
            "the count of each term in each story. Written with -o PREFIX as PREFIX.mtx\n"
            "(Matrix Market coordinate integer general), PREFIX.rows.csv (row,id,date,source:\n"
            "rows from 1 in store order) and PREFIX.cols.csv (col,term,df: columns from 1 by\n"
            "df descending, then term). Columns are the terms with --min-df <= df <= --max-df,\n"
            "the --top-terms N with the highest df; stop words and the other drop rules apply.\n"
            "Through the library the result is one row per nonzero cell:\n"
            "row,id,date,source,col,term,count (a story without a column: col, term and count\n"
            "empty), streamed in store order.",
    .params = dtm_params,
    .nparams = sizeof dtm_params / sizeof dtm_params[0],
    .flags = WS_KF_ORDERED | WS_KF_ROWNUM,
    .columns = WS_COLBIT(WS_C_ID) | WS_COLBIT(WS_C_DATE) | WS_COLBIT(WS_C_SOURCE) | WS_COLBIT(WS_C_TOKIDS) |
               WS_COLBIT(WS_C_TOKMETA),
    .header = dtm_header,
    .emit = dtm_emit,
    .prepare = dtm_prepare,
    .release = dtm_release,
    .init = dtm_init,
    .consume = dtm_consume,
    .merge = dtm_merge,
    .next_pass = dtm_next_pass,
    .finish = dtm_finish,
    .free = dtm_free,
    .pack = dtm_pack,
    .unpack = dtm_unpack,
};
