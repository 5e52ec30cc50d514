/*
 * ngrams across MPI ranks (docs/scale-out.md): a hash-partitioned
 * reduction, so that the n-gram table, which grows with the corpus, is
 * never merged whole on one rank. The kernel's exchange hook:
 *   1. sums: the n-gram positions (npos) and, for --phrases, the marginals
 *      left(x) and right(y) are additive over the positions, so every rank
 *      sums its own table's and ws_kdist_sum adds them up over the ranks
 *      (vocabulary-sized) and sends the totals back to every rank;
 *   2. exchange (ws_kdist.h, in rounds of bounded buffers): each rank
 *      streams its table out (ws_ngrams_stream: the old tables set apart
 *      and freed as they go) to the rank a hash of the n-gram names; what a
 *      rank receives, and its own share, is added into its emptied tables,
 *      so each n-gram's global count and df end up on exactly one rank;
 *   3. candidates (ranks > 0 to rank 0, in the same bounded rounds): a rank
 *      ranks its partition as finish ranks the report (count, or NPMI from
 *      the global marginals and npos, descending; then the terms' bytes;
 *      only rows of at least --min-count) and sends rank 0 its best --top
 *      rows (all of them without --top, or --top 0). The order is total
 *      (the terms break every tie of the measure), so the report's top N
 *      rows are among the union of every partition's top N: no tie at the
 *      N-th row can hide a row of the report. Rank 0 adds them to its own
 *      partition (the keys are disjoint).
 * Rank 0 then finishes as one process would: the same global counts for
 * every row it may print, the same npos and marginals, the same order.
 * The state is marked exchanged: pack sends nothing more (the gather that
 * follows carries only each rank's status), finish takes the global
 * marginals instead of summing its own table. Only the table's own
 * functions are used (ws_ngrams_each, _put, _stream), not its slots.
 */
#include <string.h>

#include "ws_hmap.h"
#include "ws_k_ngrams.h"
#include "ws_kdist.h"
#include "ws_topk.h"

/* Bytes one rank packs for all the others in one round when
 * WIRESCAN_MPI_ROUND does not say (ws_dist.round_bytes: per destination). */
#define NG_ROUND ((size_t)64 << 20)

/* The rank that owns an n-gram: a hash independent of the table's own
 * partitions (ws_k_ngrams.c picks those by the top bits of another mix). */
static int owner(const uint32_t *id, int size)
{
    uint64_t k = ((uint64_t)id[0] << 32 | id[1]) ^ ((uint64_t)id[2] * 0xD6E8FEB86659FD93ULL);
    return (int)(ws_hmap_mix(k ^ 0x5851F42D4C957F2DULL) % (uint64_t)size);
}

typedef struct ng_x {
    ws_kdist_xchg x;
    void *state;
    uint32_t n;
} ng_x;

/* Append one n-gram (n ids, count, df) to rank to's buffer. */
static int put_rec(ng_x *c, int to, const uint32_t *id, uint64_t count, uint64_t df)
{
    ws_buf *b = &c->x.out[to];
    /* (reserved at the start: cap plus one record, so this never grows) */
    if (ws_buf_reserve(b, (c->n + 2) * WS_VARINT_MAX)) return c->x.rc = ws_error(WS_ENOMEM, "out of memory partitioning n-grams");
    for (uint32_t k = 0; k < c->n; k++) ws_buf_put_varint(b, id[k]);
    ws_buf_put_varint(b, count);
    ws_buf_put_varint(b, df);
    return ws_kdist_xchg_check(&c->x, to);
}

static int recv_grams(void *arg, int from, const void *data, size_t len)
{
    const ng_x *c = arg;
    const uint8_t *at = data, *end = at + len;
    while (at < end) {
        uint64_t v[WS_NGRAMS_MAX_N + 2] = {0};
        uint32_t id[3] = {0, 0, 0};
        for (uint32_t k = 0; k < c->n + 2; k++)
            if (ws_varint_get(&at, end, &v[k]) || (k < c->n && v[k] > UINT32_MAX))
                return ws_error(WS_ECORRUPT, "ngrams: malformed n-grams from rank %d", from);
        for (uint32_t k = 0; k < c->n; k++) id[k] = (uint32_t)v[k];
        if (!v[c->n]) return ws_error(WS_ECORRUPT, "ngrams: malformed n-grams from rank %d", from);
        int rc = ws_ngrams_put(c->state, id, v[c->n], v[c->n + 1]);
        if (rc) return rc;
    }
    return 0;
}

/* ---- 1. sums ---- */

typedef struct marg_ctx {
    uint64_t *left, *right;
} marg_ctx;

static int marg_add(void *arg, const uint32_t *id, uint64_t count, uint64_t df)
{
    (void)df;
    marg_ctx *m = arg;
    m->left[id[0]] += count;
    m->right[id[1]] += count;
    return 0;
}

/* ---- 2. exchange ---- */

static int part_gram(void *arg, const uint32_t *id, uint64_t count, uint64_t df)
{
    ng_x *c = arg;
    int to = owner(id, c->x.d->size);
    if (to != c->x.d->rank) return put_rec(c, to, id, count, df);
    int rc = ws_ngrams_put(c->state, id, count, df); /* its own share stays */
    if (rc && !c->x.rc) c->x.rc = rc;
    return rc;
}

/* ---- 3. candidates ---- */

/* a candidate row and the report's order (ws_k_ngrams.h) */
typedef ws_ngrams_item cand;
typedef ws_ngrams_rank cand_rank;

WS_TOPK_DEFINE(cand_top, cand, cand_rank, ws_ngrams_after)

typedef struct cand_ctx {
    ng_x *c;
    ws_ngrams_view v;
    cand_rank k;
    uint64_t min_count;
    size_t top;     /* 0: every row */
    cand *h;        /* the best `top` so far */
    size_t nh;
    uint64_t rows;  /* rows of at least min_count */
} cand_ctx;

static int cand_count(void *arg, const uint32_t *id, uint64_t count, uint64_t df)
{
    (void)id, (void)df;
    cand_ctx *cc = arg;
    cc->rows += count >= cc->min_count;
    return 0;
}

static int cand_offer(void *arg, const uint32_t *id, uint64_t count, uint64_t df)
{
    cand_ctx *cc = arg;
    if (count < cc->min_count) return 0;
    if (!cc->top) return put_rec(cc->c, 0, id, count, df);
    cand x = {{id[0], id[1], id[2]}, count, df, 0};
    if (cc->v.phrases)
        x.score = ws_ngrams_npmi(count, (*cc->v.gleft)[id[0]], (*cc->v.gright)[id[1]], *cc->v.npos);
    cand_top_offer(&cc->k, cc->h, &cc->nh, cc->top, &x);
    return 0;
}

/* Rank r > 0: its candidates into the exchange to rank 0. */
static int candidates(ng_x *c, const ws_query *q, ws_ngrams_view v)
{
    const ws_ngrams_params *pr = q->ext;
    cand_ctx cc = {c, v, {NULL, v.n, v.phrases}, pr->min_count ? pr->min_count : 1, q->top, NULL, 0, 0};
    int rc = ws_ngrams_each(c->state, cand_count, &cc);
    if (rc) return rc;
    if (cc.top >= cc.rows) cc.top = 0; /* every row qualifies */
    if (!cc.top) return ws_ngrams_each(c->state, cand_offer, &cc);
    cc.k.pos = ws_ngrams_term_positions(q->norm);
    cc.h = ws_malloc(cc.top * sizeof *cc.h);
    if (!cc.k.pos || !cc.h) rc = ws_error(WS_ENOMEM, "out of memory choosing n-gram candidates");
    if (!rc) rc = ws_ngrams_each(c->state, cand_offer, &cc);
    for (size_t i = 0; !rc && i < cc.nh; i++) rc = put_rec(c, 0, cc.h[i].id, cc.h[i].count, cc.h[i].df);
    ws_free(cc.h);
    ws_free((void *)(uintptr_t)cc.k.pos);
    return rc;
}

int ws_ngrams_exchange(void *state, const ws_query *q, const ws_dist *d)
{
    ws_ngrams_view v = ws_ngrams_state_view(state);
    const size_t nv = (size_t)v.nterms + 1;
    /* 1. every rank gets npos and (phrases) the marginals summed over all ranks */
    uint64_t npos = *v.npos, *left = NULL, *right = NULL;
    int rc = 0;
    if (v.phrases) {
        left = ws_calloc(nv, sizeof *left);
        right = ws_calloc(nv, sizeof *right);
        marg_ctx m = {left, right};
        rc = left && right ? ws_ngrams_each(state, marg_add, &m)
                           : ws_error(WS_ENOMEM, "out of memory for the phrase marginals of %u terms", v.nterms);
    }
    uint64_t *const sums[3] = {&npos, left, right};
    const size_t lens[3] = {1, nv, nv};
    rc = ws_kdist_sum(d, sums, lens, v.phrases ? 3 : 1, rc, "ngrams");
    if (!rc) {
        *v.npos = npos;
        ws_free(*v.gleft);
        ws_free(*v.gright);
        *v.gleft = left, *v.gright = right; /* the state's now */
        left = right = NULL;
    }
    ws_free(left);
    ws_free(right);
    /* 2. each n-gram to the rank its hash names, in rounds */
    size_t cap = d->round_bytes ? d->round_bytes : NG_ROUND / (size_t)d->size;
    size_t room = (v.n + 2) * WS_VARINT_MAX;
    ng_x c = {{0}, state, v.n};
    if (!ws_kdist_xchg_open(&c.x, d, cap, room, recv_grams, &c, "n-grams", rc)) {
        int src = ws_ngrams_stream(state, part_gram, &c);
        if (!c.x.rc) c.x.rc = src;
    }
    rc = ws_kdist_xchg_close(&c.x); /* (an error on every rank when one failed) */
    if (rc) return rc;
    /* 3. every other rank's candidates to rank 0 */
    if (!ws_kdist_xchg_open(&c.x, d, cap, room, recv_grams, &c, "n-gram candidates", 0) && d->rank != 0) {
        int crc = candidates(&c, q, v);
        if (!c.x.rc) c.x.rc = crc;
    }
    rc = ws_kdist_xchg_close(&c.x);
    if (!rc) *v.exchanged = 1;
    return rc;
}
