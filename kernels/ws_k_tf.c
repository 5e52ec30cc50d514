/*
 * Term frequency kernel: tf (occurrences) and df (stories containing the
 * term) per normalised term; output ordered by tf descending, then term
 * bytewise ascending, so ties never depend on thread count. TF-IDF, when
 * asked for, is tf * ln(N / df), computed at the end from integer counts.
 *
 * The scan loop. Each thread counts into a dense array of 12-byte cells
 * over the normalised vocabulary (tf, df and a row stamp for df, all 32-bit
 * so the array stays cache-sized; they are settled into 64-bit totals
 * before they could overflow). Dropped terms count into a sink cell past
 * the vocabulary (ws_norm.sink), so the per-token loop has no branch.
 *
 * Grouping (--by). Memory must follow the (group, term) pairs that occur,
 * never groups x vocabulary, so each group's totals live in a hash map of
 * its own, keyed by term (small per-group tables stay in cache while a
 * group's stories are counted). Hashing every token would be slow, so a
 * block's selected (group, row) pairs are sorted by group and each run of
 * one group is counted in the dense cells as above, then the terms it
 * touched are moved into the group's map: one hash update per distinct
 * term per group per block. Each group is reported as a corpus of its own:
 * its top N terms, df within the group, N = the group's stories for TF-IDF.
 */
#include <math.h>
#include <stdlib.h>

#include "ws_kernel.h"
#include "ws_hmap.h"
#include "ws_topk.h"

typedef struct tf_cell {
    uint32_t tf, df, stamp;
} tf_cell;

/* A code's counts within one block (tf_consume_codes): 8 bytes, so that
 * the cell address is one scaled index; df and the row stamp fit 16 bits
 * because blocks of fewer than 65535 rows take this path. */
typedef struct tf_lcell {
    uint32_t tf;
    uint16_t df, stamp;
} tf_lcell;

typedef struct tf_total {
    uint64_t tf, df;
} tf_total;

/* Term id (or group id) -> totals (ws_hmap.h). */
WS_HMAP_DEFINE(tf_map, tf_total)
#define EMPTY WS_HMAP_EMPTY

typedef struct tf_group {
    uint32_t id;
    uint64_t stories;
    tf_map terms; /* term -> totals within the group */
} tf_group;

typedef struct tf_state {
    uint32_t n;
    tf_cell *cells;  /* n + 1 (the last one is the sink) */
    tf_total *tot;   /* n, 64-bit totals (no grouping); allocated when first settled */
    uint32_t row;    /* row stamp for df */
    uint64_t pending; /* tokens counted into cells since they were last settled */
    tf_map groups;   /* group id -> index into gs in .df (grouping) */
    struct tf_group *gs;
    size_t ngs, capgs;
    ws_buf scratch, runs;
    /* The codes path (tf_consume_codes): per code of the block, the code
     * counting for it (lslot), and counts per counting code (lcells); per
     * normalised term (n + 1 entries, allocated on first use), the last
     * block that saw it (seen, 1-based) and its counting code there (rep). */
    tf_lcell *lcells;
    uint16_t *lslot;
    uint32_t *seen;
    uint16_t *rep;
    uint32_t blockno;
    ws_buf ids; /* a block's ids looked up from its codes (grouped counting) */
} tf_state;

static void tf_free(void *p)
{
    tf_state *s = p;
    if (!s) return;
    ws_free(s->cells);
    ws_free(s->tot);
    for (size_t i = 0; i < s->ngs; i++) ws_free(s->gs[i].terms.slots);
    ws_free(s->gs);
    ws_free(s->groups.slots);
    ws_buf_free(&s->scratch);
    ws_buf_free(&s->runs);
    ws_free(s->lcells);
    ws_free(s->lslot);
    ws_free(s->seen);
    ws_free(s->rep);
    ws_buf_free(&s->ids);
    ws_free(s);
}

static void *tf_init(const ws_query *q)
{
    tf_state *s = ws_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n = q->norm->terms.nterms;
    int bad = !(s->cells = ws_calloc((size_t)s->n + 1, sizeof *s->cells));
    if (!bad && q->groups) bad = tf_map_init(&s->groups, 64, 0);
    if (bad) {
        tf_free(s);
        return NULL;
    }
    return s;
}

/* Move the 32-bit cells into the 64-bit totals and clear them (stamps too). */
static int tf_settle(tf_state *s)
{
    if (!s->tot && !(s->tot = ws_calloc((size_t)s->n + 1, sizeof *s->tot)))
        return ws_error(WS_ENOMEM, "out of memory for tf totals (%u terms)", s->n);
    for (uint32_t i = 0; i < s->n; i++) {
        s->tot[i].tf += s->cells[i].tf;
        s->tot[i].df += s->cells[i].df;
    }
    memset(s->cells, 0, ((size_t)s->n + 1) * sizeof *s->cells);
    s->row = 0;
    s->pending = 0;
    return 0;
}

/* Count row r's selected tokens into the dense cells. */
static inline void count_row(tf_cell *cells, const uint32_t *map, const uint32_t *ids, uint64_t lo, uint64_t hi,
                             uint32_t row)
{
    for (uint64_t t = lo; t < hi; t++) {
        tf_cell *c = &cells[map[ids[t]]];
        c->tf++;
        c->df += c->stamp != row;
        c->stamp = row;
    }
}

typedef struct tf_run {
    uint32_t group, row;
} tf_run;

static int run_cmp(const void *x, const void *y)
{
    const tf_run *a = x, *b = y;
    if (a->group != b->group) return a->group < b->group ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* The state of group id, created when new; NULL when out of memory. */
static tf_group *group_get(tf_state *s, uint32_t id)
{
    tf_total *t = tf_map_get(&s->groups, id, NULL);
    if (!t) return NULL;
    if (t->tf) return &s->gs[t->df];
    if (s->ngs == s->capgs) {
        size_t nc = s->capgs ? s->capgs * 2 : 16;
        tf_group *g = ws_realloc(s->gs, nc * sizeof *g);
        if (!g) return NULL;
        s->gs = g;
        s->capgs = nc;
    }
    tf_group *g = &s->gs[s->ngs];
    memset(g, 0, sizeof *g);
    g->id = id;
    /* seeded per table: merge() moves one thread's table into another in
     * slot order, which with one hash for all piles into long probe runs
     * (see ws_hmap.h); the seed never changes what is counted or printed */
    if (tf_map_init(&g->terms, 256, ws_hmap_mix((uint64_t)(uintptr_t)g + 0x9e3779b97f4a7c15ULL))) return NULL;
    t->tf = 1; /* present */
    t->df = s->ngs++;
    return g;
}

/* The codes path's tables (tf_consume_codes, tf_consume_grouped_codes):
 * allocated on first use, and a new block number for the seen stamps. */
static int codes_begin(tf_state *s)
{
    if (!s->seen) {
        s->seen = ws_calloc((size_t)s->n + 1, sizeof *s->seen);
        s->rep = ws_malloc(((size_t)s->n + 1) * sizeof *s->rep);
        s->lcells = ws_calloc(65536, sizeof *s->lcells);
        s->lslot = ws_malloc(65536 * sizeof *s->lslot);
        if (!s->seen || !s->rep || !s->lcells || !s->lslot) return ws_error(WS_ENOMEM, "out of memory for tf");
    }
    if (++s->blockno == 0) { /* stamps wrapped: forget them */
        memset(s->seen, 0, ((size_t)s->n + 1) * sizeof *s->seen);
        s->blockno = 1;
    }
    return 0;
}

/* lslot[c]: the code counting for block code c, the first (most frequent)
 * code of c's normalised term. */
static inline void codes_slots(tf_state *s, const uint32_t *map, const ws_block *b)
{
    const uint32_t L = b->ncodes, blk = s->blockno;
    uint16_t *lslot = s->lslot, *rep = s->rep;
    uint32_t *seen = s->seen;
    for (uint32_t c = 0; c < L; c++) {
        uint32_t t = map[b->code_ids[c]];
        if (seen[t] != blk) {
            seen[t] = blk;
            rep[t] = (uint16_t)c;
        }
        lslot[c] = rep[t];
    }
}

/* A block's selected (group, row) pairs into s->runs, sorted by group:
 * each group one run. */
static int group_runs(tf_state *s, const ws_query *q, const ws_block *b, const uint8_t *sel, size_t *nrun)
{
    const ws_group_seg *gs = ws_groups_seg(q->groups, b->seg);
    int rc = 0, sorted = 1;
    uint32_t last = 0;
    s->runs.n = 0;
    for (uint32_t r = 0; r < b->nrows && !rc; r++) {
        if (!sel[r]) continue;
        const uint32_t *gid;
        uint32_t ng;
        if ((rc = ws_groups_row(q->groups, gs, b, r, &s->scratch, &gid, &ng))) break;
        if ((rc = ws_buf_reserve(&s->runs, (size_t)ng * sizeof(tf_run)))) break;
        tf_run *out = (tf_run *)(void *)(s->runs.p + s->runs.n);
        for (uint32_t g = 0; g < ng; g++) out[g] = (tf_run){gid[g], r};
        /* rows come in order: one group a row, never lower than the last,
         * is sorted already (time buckets of a date-ordered block) */
        sorted &= ng == 1 && gid[0] >= last;
        last = gid[ng - 1];
        s->runs.n += (size_t)ng * sizeof(tf_run);
    }
    *nrun = s->runs.n / sizeof(tf_run);
    if (!rc && *nrun > 1 && !sorted) qsort(s->runs.p, *nrun, sizeof(tf_run), run_cmp);
    return rc;
}

/* Grouped counting on a block that came as codes (fewer than 65535 runs
 * entries, so that the 16-bit row stamps do not wrap): each run is
 * counted per code in lcells (as tf_consume_codes does), the codes it
 * touched listed as they go from 0 to 1 (branch-free: the slot is written
 * at every token, the list grows only on a first one), then each listed
 * code's counts go into the group's map once and its cell is cleared. */
static int tf_consume_grouped_codes(tf_state *s, const ws_query *q, const ws_block *b, const tf_run *runs,
                                    size_t nrun)
{
    const uint32_t *map = q->norm->sink;
    int rc = codes_begin(s);
    if (rc) return rc;
    codes_slots(s, map, b);
    if ((rc = ws_buf_reserve(&s->ids, ((size_t)b->ncodes + 1) * sizeof(uint16_t)))) return rc;
    uint16_t *touched = (uint16_t *)(void *)s->ids.p;
    const uint16_t *lslot = s->lslot, *codes = b->codes;
    tf_lcell *lc = s->lcells;
    uint16_t row = 0;
    for (size_t i = 0; i < nrun;) {
        uint32_t g = runs[i].group;
        size_t j = i, nt = 0;
        for (; j < nrun && runs[j].group == g; j++) {
            uint64_t lo, hi;
            ws_query_span(q, b, runs[j].row, &lo, &hi);
            row++;
            for (uint64_t t = lo; t < hi; t++) {
                uint16_t k = lslot[codes[t]];
                tf_lcell *c = &lc[k];
                touched[nt] = k;
                nt += c->tf == 0;
                c->tf++;
                c->df += c->stamp != row;
                c->stamp = row;
            }
        }
        tf_group *gr = group_get(s, g);
        if (!gr) return ws_error(WS_ENOMEM, "out of memory for tf groups");
        gr->stories += j - i;
        /* in batches: a batch's slots prefetched, then updated (a group's
         * map outgrows L2, and each update waited on a miss) */
        enum { BATCH = 16 };
        for (size_t x0 = 0; x0 < nt; x0 += BATCH) {
            size_t xn = nt - x0 < BATCH ? nt - x0 : BATCH;
            uint32_t id[BATCH];
            uint64_t h[BATCH];
            for (size_t x = 0; x < xn; x++) {
                id[x] = map[b->code_ids[touched[x0 + x]]];
                h[x] = tf_map_t_hash(&gr->terms, id[x]);
                tf_map_t_prefetch(&gr->terms, h[x]);
            }
            for (size_t x = 0; x < xn; x++) {
                uint16_t k = touched[x0 + x];
                if (id[x] < s->n) {
                    tf_map_slot *sl = tf_map_t_get_h(&gr->terms, id[x], h[x], NULL);
                    if (!sl) return WS_ENOMEM;
                    sl->val.tf += lc[k].tf;
                    sl->val.df += lc[k].df;
                }
                lc[k] = (tf_lcell){0, 0, 0};
            }
        }
        i = j;
    }
    return 0;
}

static int tf_consume_grouped(tf_state *s, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    size_t nrun;
    int rc = group_runs(s, q, b, sel, &nrun);
    if (rc) return rc;
    const tf_run *runs = (const tf_run *)(const void *)s->runs.p;
    if (b->codes && nrun < 65535) return tf_consume_grouped_codes(s, q, b, runs, nrun);
    const uint32_t *map = q->norm->sink;
    const uint32_t *ids = ws_block_ids(b, &s->ids);
    if (!ids) return ws_error(WS_ENOMEM, "out of memory for a block's token ids");
    if (s->row > UINT32_MAX - (uint32_t)(nrun + 1)) { /* stamps would wrap: cells are all zero between runs */
        memset(s->cells, 0, ((size_t)s->n + 1) * sizeof *s->cells);
        s->row = 0;
    }
    for (size_t i = 0; i < nrun && !rc;) {
        uint32_t g = runs[i].group;
        size_t j = i;
        for (; j < nrun && runs[j].group == g; j++) {
            uint64_t lo, hi;
            ws_query_span(q, b, runs[j].row, &lo, &hi);
            count_row(s->cells, map, ids, lo, hi, ++s->row);
        }
        tf_group *gr = group_get(s, g);
        if (!gr) return ws_error(WS_ENOMEM, "out of memory for tf groups");
        gr->stories += j - i;
        /* Move the run's counts into the map: walk its tokens again; the
         * first visit of a term moves and clears its cell. */
        for (size_t k = i; k < j; k++) {
            uint64_t lo, hi;
            ws_query_span(q, b, runs[k].row, &lo, &hi);
            for (uint64_t t = lo; t < hi; t++) {
                uint32_t id = map[ids[t]];
                tf_cell *c = &s->cells[id];
                if (!c->tf) continue;
                if (id < s->n) {
                    tf_total *pc = tf_map_get(&gr->terms, id, NULL);
                    if (!pc) return WS_ENOMEM;
                    pc->tf += c->tf;
                    pc->df += c->df;
                }
                c->tf = c->df = 0;
            }
        }
        i = j;
    }
    return rc;
}

/* A block that came as codes (WS_COLBIT_TOKCODES): count per code, then
 * add each counted term to the cells once. Codes are frequency-ranked, so
 * the counts of the block's common terms sit together at the start of
 * lcells and stay in L1, where the cells of the vocabulary (12 bytes a
 * term) miss L1 on most tokens (perf: the cell load was half of tf's
 * consume). Codes whose ids normalise to one term (case variants) count
 * in one cell, that of the first (most frequent) of them, so that df
 * counts a story once per term. Hand-written (not a call per token): the
 * per-token loop is the whole kernel. */
static int tf_consume_codes(tf_state *s, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    const uint32_t *map = q->norm->sink;
    int rc = codes_begin(s);
    if (rc) return rc;
    codes_slots(s, map, b);
    const uint32_t L = b->ncodes;
    const uint16_t *lslot = s->lslot;
    tf_lcell *lc = s->lcells;
    const uint16_t *codes = b->codes;
    uint16_t row = 0;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        uint64_t lo, hi;
        ws_query_span(q, b, r, &lo, &hi);
        row++;
        for (uint64_t t = lo; t < hi; t++) {
            tf_lcell *c = &lc[lslot[codes[t]]];
            c->tf++;
            c->df += c->stamp != row;
            c->stamp = row;
        }
    }
    tf_cell *cells = s->cells;
    for (uint32_t c = 0; c < L; c++) {
        if (!lc[c].tf) continue;
        tf_cell *g = &cells[map[b->code_ids[c]]];
        g->tf += lc[c].tf;
        g->df += lc[c].df;
        lc[c] = (tf_lcell){0, 0, 0};
    }
    return 0;
}

static int tf_consume(void *p, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    tf_state *s = p;
    if (q->groups) return tf_consume_grouped(s, q, b, sel);
    /* Settle before a 32-bit count or the row stamp could wrap. */
    if (s->pending + b->ntokens >= UINT32_MAX || (uint64_t)s->row + b->nrows >= UINT32_MAX) {
        int rc = tf_settle(s);
        if (rc) return rc;
    }
    s->pending += b->ntokens;
    if (b->codes && b->nrows < 65535) return tf_consume_codes(s, q, b, sel);
    const uint32_t *map = q->norm->sink, *ids = ws_block_ids(b, &s->ids);
    if (!ids) return ws_error(WS_ENOMEM, "out of memory for a block's token ids");
    tf_cell *cells = s->cells;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        uint64_t lo, hi;
        ws_query_span(q, b, r, &lo, &hi);
        count_row(cells, map, ids, lo, hi, ++s->row);
    }
    return 0;
}

int ws_tf_grouped_each(const void *state, int (*group)(void *arg, uint32_t id, uint64_t stories),
                       int (*term)(void *arg, uint32_t id, uint32_t term, uint64_t tf, uint64_t df), void *arg)
{
    const tf_state *s = state;
    int rc = 0;
    for (size_t i = 0; i < s->ngs && !rc; i++) {
        const tf_group *g = &s->gs[i];
        rc = group(arg, g->id, g->stories);
        for (size_t k = 0; k < g->terms.cap && !rc; k++) {
            const tf_map_slot *sl = &g->terms.slots[k];
            if (sl->key != EMPTY) rc = term(arg, g->id, (uint32_t)sl->key, sl->val.tf, sl->val.df);
        }
    }
    return rc;
}

/* from's entries added into into, in batches whose slots are prefetched
 * first (into's table is larger than L2; each add waited on a miss). */
static int map_merge(tf_map *into, const tf_map *from)
{
    enum { BATCH = 16 };
    const tf_map_slot *b[BATCH];
    uint64_t h[BATCH];
    size_t nb = 0;
    for (size_t i = 0; i <= from->cap; i++) {
        if (i < from->cap) {
            const tf_map_slot *sl = &from->slots[i];
            if (sl->key == EMPTY) continue;
            b[nb] = sl;
            h[nb] = tf_map_t_hash(into, sl->key);
            tf_map_t_prefetch(into, h[nb]);
            if (++nb < BATCH) continue;
        }
        for (size_t x = 0; x < nb; x++) {
            tf_map_slot *c = tf_map_t_get_h(into, b[x]->key, h[x], NULL);
            if (!c) return WS_ENOMEM;
            c->val.tf += b[x]->val.tf;
            c->val.df += b[x]->val.df;
        }
        nb = 0;
    }
    return 0;
}

static int tf_merge(void *into, const void *from, const ws_query *q)
{
    tf_state *a = into;
    const tf_state *b = from;
    if (q->groups) {
        for (size_t i = 0; i < b->ngs; i++) {
            tf_group *g = group_get(a, b->gs[i].id);
            if (!g) return ws_error(WS_ENOMEM, "out of memory merging tf groups");
            g->stories += b->gs[i].stories;
            int rc = map_merge(&g->terms, &b->gs[i].terms);
            if (rc) return rc;
        }
        return 0;
    }
    int rc = tf_settle(a);
    for (uint32_t i = 0; i < a->n && !rc; i++) {
        a->tot[i].tf += b->cells[i].tf + (b->tot ? b->tot[i].tf : 0);
        a->tot[i].df += b->cells[i].df + (b->tot ? b->tot[i].df : 0);
    }
    return rc;
}

/* ---- ranking: top N per group without sorting what is not printed ---- */

typedef struct tf_item {
    uint32_t id;
    uint64_t tf, df;
    double tfidf; /* with --tfidf: tf ln(N / df), the rank */
} tf_item;

/* tf * ln(stories / df), as printed. */
static double tfidf_of(uint64_t tf, uint64_t df, uint64_t stories)
{
    double idf = log((double)stories / (double)df);
    return (double)tf * idf;
}

/* How tf ranks: by tf, or by tfidf (--tfidf: set it first, set_tfidf). */
typedef struct tf_rank {
    const ws_norm *nm;
    int by_tfidf;
} tf_rank;

/* 1 when a ranks after b: lower tf (lower tfidf with --tfidf), or equal
 * and a later term (bytewise). */
static inline int after(const tf_rank *k, const tf_item *a, const tf_item *b)
{
    if (k->by_tfidf) {
        if (a->tfidf != b->tfidf) return a->tfidf < b->tfidf;
    } else if (a->tf != b->tf) {
        return a->tf < b->tf;
    }
    return ws_str_cmp(ws_norm_term(k->nm, a->id), ws_norm_term(k->nm, b->id)) > 0;
}

/* tf_top_select(k, v, n, top): the best min(top, n) items first, in rank
 * order (ws_topk.h). Integer comparisons reject most items. */
WS_TOPK_DEFINE(tf_top, tf_item, tf_rank, after)

static void set_tfidf(const ws_query *q, tf_item *v, size_t n, uint64_t stories)
{
    for (size_t i = 0; q->tfidf && i < n; i++) v[i].tfidf = tfidf_of(v[i].tf, v[i].df, stories);
}

static const char *group_column(const ws_groups *g)
{
    switch (g->by) {
    case WS_BY_DAY: return "day";
    case WS_BY_WEEK: return "week";
    case WS_BY_MONTH: return "month";
    case WS_BY_QUARTER: return "quarter";
    case WS_BY_YEAR: return "year";
    case WS_BY_SOURCE: return "source";
    default: return g->tag ? g->tag : "group";
    }
}

static int write_rows(const ws_query *q, const tf_item *v, size_t n, const ws_str *label, uint64_t stories,
                      ws_table *out)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (label) rc = ws_table_text(out, *label);
        rc = rc ? rc : ws_table_text(out, ws_norm_term(q->norm, v[i].id));
        rc = rc ? rc : ws_table_int(out, (int64_t)v[i].tf);
        rc = rc ? rc : ws_table_int(out, (int64_t)v[i].df);
        if (q->tfidf && !rc) {
            rc = ws_table_double(out, tfidf_of(v[i].tf, v[i].df, stories));
        }
    }
    return rc;
}

/* The columns: [group,]term,tf,df[,tfidf]. */
static int tf_columns(const ws_query *q, const char *group, ws_table *out)
{
    int rc = group ? ws_table_add_col(out, group, WS_TYPE_TEXT) : 0;
    if (!rc) rc = ws_table_add_col(out, "term", WS_TYPE_TEXT);
    if (!rc) rc = ws_table_add_col(out, "tf", WS_TYPE_INT64);
    if (!rc) rc = ws_table_add_col(out, "df", WS_TYPE_INT64);
    if (!rc && q->tfidf) rc = ws_table_add_col(out, "tfidf", WS_TYPE_DOUBLE);
    return rc;
}

static int group_cmp(const void *x, const void *y)
{
    const tf_group *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int tf_finish_grouped(tf_state *s, const ws_query *q, ws_table *out)
{
    /* Groups in id order: time order, or label order; WS_GROUP_NONE last. */
    /* No groups (an empty selection): gs is NULL, and qsort's array must not be. */
    if (s->ngs > 1) qsort(s->gs, s->ngs, sizeof *s->gs, group_cmp);
    size_t most = 0;
    for (size_t g = 0; g < s->ngs; g++) most = s->gs[g].terms.used > most ? s->gs[g].terms.used : most;
    tf_item *items = ws_malloc((most + 1) * sizeof *items);
    if (!items) return ws_error(WS_ENOMEM, "out of memory ranking %zu terms", most);
    int rc = tf_columns(q, group_column(q->groups), out);
    for (size_t g = 0; !rc && g < s->ngs; g++) {
        const tf_map *m = &s->gs[g].terms;
        size_t n = 0;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key != EMPTY && m->slots[i].val.df >= q->min_df)
                items[n++] = (tf_item){(uint32_t)m->slots[i].key, m->slots[i].val.tf, m->slots[i].val.df, 0};
        set_tfidf(q, items, n, s->gs[g].stories);
        tf_rank rk = {q->norm, q->tfidf};
        size_t k = tf_top_select(&rk, items, n, q->top);
        char buf[32];
        ws_str label = ws_group_label(q->groups, s->gs[g].id, buf);
        rc = write_rows(q, items, k, &label, s->gs[g].stories, out);
    }
    ws_free(items);
    return rc;
}

/* Every item in rank order, by tf (not tfidf): what tf_top_select(.., 0)
 * gives, faster. A radix sort of (tf descending, the term's first 8 bytes)
 * keys, then runs of equal keys by the whole term. Hand-written because
 * with --top 0 (every term) the heap's comparisons, a string compare on
 * every tf tie, were 6% of tf's CPU on Reuters x10 (perf), where ties are
 * most of the vocabulary (many terms share a small tf). */
typedef struct tf_skey {
    uint64_t k1, k2; /* ~tf, big-endian prefix of the term */
    uint32_t i;
} tf_skey;

static int tf_sort_all(const ws_query *q, tf_item *v, size_t n)
{
    tf_skey *a = ws_malloc((n + 1) * sizeof *a), *t = ws_malloc((n + 1) * sizeof *t);
    tf_item *o = ws_malloc((n + 1) * sizeof *o);
    if (!a || !t || !o) {
        ws_free(a);
        ws_free(t);
        ws_free(o);
        return ws_error(WS_ENOMEM, "out of memory ranking %zu terms", n);
    }
    uint64_t d1 = 0, d2 = 0;
    for (size_t i = 0; i < n; i++) {
        ws_str w = ws_norm_term(q->norm, v[i].id);
        uint64_t pre = 0;
        for (size_t j = 0; j < 8; j++) pre = pre << 8 | (j < w.n ? (uint8_t)w.p[j] : 0);
        a[i] = (tf_skey){~v[i].tf, pre, (uint32_t)i};
        d1 |= a[i].k1 ^ a[0].k1;
        d2 |= a[i].k2 ^ a[0].k2;
    }
    /* LSD: the prefix's digits, then tf's; digits in which no key differs are skipped */
    enum { BITS = 11, SIZE = 1 << BITS };
    uint32_t *hist = ws_malloc(SIZE * sizeof *hist);
    if (!hist) {
        ws_free(a);
        ws_free(t);
        ws_free(o);
        return ws_error(WS_ENOMEM, "out of memory ranking %zu terms", n);
    }
    for (int key = 2; key >= 1; key--) {
        uint64_t diff = key == 2 ? d2 : d1;
        for (unsigned sh = 0; sh < 64 && (diff >> sh); sh += BITS) {
            if (!((diff >> sh) & (SIZE - 1))) continue;
            memset(hist, 0, SIZE * sizeof *hist);
            for (size_t i = 0; i < n; i++) hist[((key == 2 ? a[i].k2 : a[i].k1) >> sh) & (SIZE - 1)]++;
            uint32_t sum = 0;
            for (size_t d = 0; d < SIZE; d++) {
                uint32_t c = hist[d];
                hist[d] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++) t[hist[((key == 2 ? a[i].k2 : a[i].k1) >> sh) & (SIZE - 1)]++] = a[i];
            tf_skey *x = a;
            a = t;
            t = x;
        }
    }
    ws_free(hist);
    for (size_t i = 0; i < n; i++) o[i] = v[a[i].i];
    /* equal keys: the whole term decides (insertion sort; such runs are short) */
    tf_rank rk = {q->norm, 0};
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && a[j].k1 == a[i].k1 && a[j].k2 == a[i].k2) j++;
        for (size_t x = i + 1; x < j; x++) {
            tf_item e = o[x];
            size_t y = x;
            for (; y > i && after(&rk, &o[y - 1], &e); y--) o[y] = o[y - 1];
            o[y] = e;
        }
        i = j;
    }
    memcpy(v, o, n * sizeof *v);
    ws_free(a);
    ws_free(t);
    ws_free(o);
    return 0;
}

static int tf_finish(void *p, const ws_query *q, ws_table *out)
{
    tf_state *s = p;
    if (q->groups) return tf_finish_grouped(s, q, out);
    int rc = tf_settle(s);
    if (rc) return rc;
    tf_item *items = ws_malloc(((size_t)s->n + 1) * sizeof *items);
    if (!items) return ws_error(WS_ENOMEM, "out of memory ranking %u terms", s->n);
    size_t n = 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->tot[i].tf > 0 && s->tot[i].df >= q->min_df) items[n++] = (tf_item){i, s->tot[i].tf, s->tot[i].df, 0};
    set_tfidf(q, items, n, q->nstories);
    tf_rank rk = {q->norm, q->tfidf};
    size_t k = n;
    if (!q->tfidf && (!q->top || q->top >= n)) rc = tf_sort_all(q, items, n);
    else k = tf_top_select(&rk, items, n, q->top);
    if (!rc) rc = tf_columns(q, NULL, out);
    if (!rc) rc = write_rows(q, items, k, NULL, q->nstories, out);
    ws_free(items);
    return rc;
}

static const ws_param_info tf_params[] = {
    {"top", WS_PARAM_INT, "100", "N", "rows to print (default 100; 0 = all); per group with --by", NULL, 0, UINT32_MAX, 0, NULL},
    {"tfidf", WS_PARAM_FLAG, NULL, NULL,
     "add a tfidf column: tf * ln(N / df), N = stories scanned\n"
     "(with --by: the group's stories, df within the group), and rank by it:\n"
     "tfidf descending, then term", NULL, 0, 1, 0, NULL},
    {"min-df", WS_PARAM_INT, "0", "N", "only terms in at least N stories (of the group, with --by)", NULL, 0, UINT32_MAX, 0, NULL},
};

static int tf_prepare(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext)
{
    (void)plan;
    *ext = NULL;
    q->top = (uint32_t)ws_params_int(p, "top");
    q->tfidf = (int)ws_params_int(p, "tfidf");
    q->min_df = (uint32_t)ws_params_int(p, "min-df");
    return 0;
}


/* ---- across processes: the merged totals as varints ---- */

/* Ungrouped: nonzero terms as (id gap, tf, df); grouped: per group its id,
 * stories and (term, tf, df) entries. Counts only: merge adds them. */
static int tf_pack(const void *p, const ws_query *q, ws_buf *out)
{
    const tf_state *s = p;
    if (q->groups) {
        if (ws_buf_reserve(out, WS_VARINT_MAX)) return WS_ENOMEM;
        ws_buf_put_varint(out, s->ngs);
        for (size_t i = 0; i < s->ngs; i++) {
            const tf_group *g = &s->gs[i];
            if (ws_buf_reserve(out, 3 * WS_VARINT_MAX)) return WS_ENOMEM;
            ws_buf_put_varint(out, g->id);
            ws_buf_put_varint(out, g->stories);
            ws_buf_put_varint(out, g->terms.used);
            for (size_t j = 0; j < g->terms.cap; j++) {
                const tf_map_slot *sl = &g->terms.slots[j];
                if (sl->key == EMPTY) continue;
                if (ws_buf_reserve(out, 3 * WS_VARINT_MAX)) return WS_ENOMEM;
                ws_buf_put_varint(out, sl->key);
                ws_buf_put_varint(out, sl->val.tf);
                ws_buf_put_varint(out, sl->val.df);
            }
        }
        return 0;
    }
    uint32_t last = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        uint64_t tf = s->cells[i].tf + (s->tot ? s->tot[i].tf : 0), df = s->cells[i].df + (s->tot ? s->tot[i].df : 0);
        if (!tf && !df) continue;
        if (ws_buf_reserve(out, 3 * WS_VARINT_MAX)) return WS_ENOMEM;
        ws_buf_put_varint(out, i - last);
        ws_buf_put_varint(out, tf);
        ws_buf_put_varint(out, df);
        last = i;
    }
    return 0;
}

static int tf_unpack(void *p, const ws_query *q, const uint8_t *data, size_t len)
{
    tf_state *s = p;
    const uint8_t *at = data, *end = data + len;
    uint64_t a, b, c;
    if (q->groups) {
        uint64_t ngs;
        if (ws_varint_get(&at, end, &ngs)) goto bad;
        for (uint64_t i = 0; i < ngs; i++) {
            uint64_t nt;
            if (ws_varint_get(&at, end, &a) || ws_varint_get(&at, end, &b) || ws_varint_get(&at, end, &nt)) goto bad;
            tf_group *g = group_get(s, (uint32_t)a);
            if (!g) return ws_error(WS_ENOMEM, "out of memory unpacking tf groups");
            g->stories += b;
            for (uint64_t j = 0; j < nt; j++) {
                uint64_t key;
                if (ws_varint_get(&at, end, &key) || ws_varint_get(&at, end, &a) || ws_varint_get(&at, end, &b)) goto bad;
                tf_total *t = tf_map_get(&g->terms, (uint32_t)key, NULL);
                if (!t) return ws_error(WS_ENOMEM, "out of memory unpacking tf groups");
                t->tf += a;
                t->df += b;
            }
        }
        return at == end ? 0 : ws_error(WS_ECORRUPT, "tf state: trailing bytes");
    }
    if (!s->tot && !(s->tot = ws_calloc((size_t)s->n + 1, sizeof *s->tot))) return WS_ENOMEM;
    uint64_t id = 0;
    while (at < end) {
        if (ws_varint_get(&at, end, &a) || ws_varint_get(&at, end, &b) || ws_varint_get(&at, end, &c)) goto bad;
        id += a;
        if (id >= s->n) goto bad;
        s->tot[id].tf += b;
        s->tot[id].df += c;
    }
    return 0;
bad:
    return ws_error(WS_ECORRUPT, "tf state from another process is malformed");
}

const ws_kernel ws_kernel_tf = {
    .name = "tf",
    .summary = "term frequencies: tf, df (and TF-IDF), top N, by time, source or tag",
    .help = "Term frequencies as CSV: term,tf,df (tf = occurrences, df = stories that\n"
            "contain the term), ordered by tf descending (tfidf with --tfidf), then term\n"
            "ascending (bytewise).\n"
            "With --by G the first column is named after G: groups in time or bytewise\n"
            "order; undated stories form the group 'undated' and stories without a value\n"
            "for the tag the group '' (empty), listed last; a story with several tag\n"
            "values counts in each.",
    .params = tf_params,
    .nparams = sizeof tf_params / sizeof tf_params[0],
    .flags = WS_KF_GROUPS | WS_KF_TREE | WS_KF_SELROWS,
    .columns = WS_COLBIT_TOKCODES | WS_COLBIT_TOKSPANS, /* per row, not per sentence */
    .prepare = tf_prepare,
    .init = tf_init,
    .consume = tf_consume,
    .merge = tf_merge,
    .finish = tf_finish,
    .free = tf_free,
    .pack = tf_pack,
    .unpack = tf_unpack,
};
