/*
 * All-pairs cooc across MPI ranks (docs/scale-out.md). The pair table is
 * the one state that does not fit rank 0 at scale, so it never travels
 * there whole:
 *   1. marginals: every rank's contexts, pair events and marginal counts
 *      are summed on rank 0 and sent back to every rank (vocabulary-sized:
 *      small next to the pairs);
 *   2. exchange (ws_kdist.h: alltoall in rounds of bounded buffers): each
 *      rank streams its merged pairs (dense triangle, spilled runs) into
 *      one buffer per rank by a hash of the pair key; each rank adds what
 *      it receives into its own emptied table (spilling within --mem as
 *      in one process), so each pair's total ends up on exactly one rank;
 *   3. candidates (pack, ranks > 0): a rank ranks its partition with the
 *      global marginals and sends rank 0 only the pairs that can be in the
 *      report: with --top N, those whose rank key is at most the N-th
 *      smallest of the partition (ties kept); without, every pair of at
 *      least --min-count (the report lists them all).
 * Rank 0 keeps its own partition, adds the candidates, and finishes as one
 * process would: the same totals, the same marginals, the same order.
 */
#include "ws_k_cooc.h"
#include "ws_kdist.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mixh(uint64_t k)
{
    k ^= k >> 31;
    k *= 0x7fb5d329728ea185ULL;
    k ^= k >> 27;
    k *= 0x81dadef4bc2dd44dULL;
    k ^= k >> 33;
    return k;
}

/* ---- 1. marginals, 2. exchange (ws_kdist.h) ----
 * The exchange runs in rounds, so that its buffers stay within --mem
 * whatever the size of the table: the rank's pairs stream out in key order
 * (ws_cooc_pairs_stream) into one buffer per rank; when one of them holds
 * round_bytes / ranks, a round runs, in which every rank adds what it gets
 * into its emptied table (which spills as in one process). */

static int recv_pairs(void *arg, int from, const void *data, size_t len)
{
    const uint8_t *at = data, *end = at + len;
    while (at < end) {
        uint64_t key, count;
        if (ws_varint_get(&at, end, &key) || ws_varint_get(&at, end, &count))
            return ws_error(WS_ECORRUPT, "cooc: malformed pairs from rank %d", from);
        int rc = ws_cooc_pairs_put(arg, key, count);
        if (rc) return rc;
    }
    return 0;
}

static int part_pair(void *arg, uint64_t key, uint64_t count)
{
    ws_kdist_xchg *x = arg;
    int to = (int)(mixh(key) % (uint64_t)x->d->size);
    ws_buf *b = &x->out[to];
    /* (reserved at the start: cap plus one pair, so this never grows) */
    if (ws_buf_reserve(b, 2 * WS_VARINT_MAX)) return x->rc = ws_error(WS_ENOMEM, "out of memory partitioning pairs");
    ws_buf_put_varint(b, key);
    ws_buf_put_varint(b, count);
    return ws_kdist_xchg_check(x, to);
}

int ws_cooc_exchange(void *state, const ws_query *q, const ws_dist *d)
{
    ws_cooc_view v = ws_cooc_state_view(state);
    (void)q;
    if (v.p->ntargets) return 0; /* collocates of terms: pack and unpack suffice */
    /* 1. every rank gets the sums of the marginals */
    uint64_t *const sums[3] = {v.nctx, v.events, v.freq};
    const size_t lens[3] = {1, 1, (size_t)v.n + 1};
    int rc = ws_kdist_sum(d, sums, lens, 3, 0, "cooc");
    /* 2. the pairs to the rank their hash names, in rounds */
    size_t round = v.p->round_bytes ? v.p->round_bytes : (size_t)256 << 20;
    ws_kdist_xchg x;
    if (!ws_kdist_xchg_open(&x, d, round / (size_t)d->size, 2 * WS_VARINT_MAX, recv_pairs, state, "pairs", rc)) {
        int src = ws_cooc_pairs_stream(state, part_pair, &x);
        if (!x.rc) x.rc = src;
    }
    rc = ws_kdist_xchg_close(&x);
    if (v.p->stats) v.p->stats->rounds = x.rounds, v.p->stats->xsent = x.sent;
    return rc;
}

/* ---- 3. candidates ---- */

typedef struct cand {
    uint64_t rk, key, count;
} cand;

typedef struct cand_ctx {
    ws_cooc_view v;
    uint64_t top;
    cand *c;
    size_t n, cap;
} cand_ctx;

static uint64_t order_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u >> 63 ? ~u : u | (1ull << 63);
}

/* The report's sort key of a pair (ascending: the measure descending), as
 * ws_k_cooc.c's rank_key computes it. */
static uint64_t pair_rank(const ws_cooc_params *p, uint64_t a, uint64_t f1, uint64_t f2, uint64_t n)
{
    if (p->measure == WS_COOC_COUNT) return ~a;
    double m[WS_COOC_NMEASURES];
    ws_cooc_measures_span(a, f1, f2, n, p->context == WS_COOC_WINDOW ? 2 * (uint64_t)p->window : 1, m);
    return ~order_bits(m[p->measure]);
}

static int cand_cmp(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    return a->rk < b->rk ? -1 : a->rk > b->rk;
}

/* Keep the pairs whose key is at most the top-th smallest (ties kept). */
static void cand_prune(cand_ctx *c)
{
    if (!c->top || c->n <= c->top) return;
    qsort(c->c, c->n, sizeof *c->c, cand_cmp);
    size_t k = (size_t)c->top;
    while (k < c->n && c->c[k].rk == c->c[c->top - 1].rk) k++;
    c->n = k;
}

static int cand_add(void *arg, uint64_t key, uint64_t count)
{
    cand_ctx *c = arg;
    const ws_cooc_params *p = c->v.p;
    if (count < p->min_count) return 0;
    uint32_t x = (uint32_t)(key >> 32), y = (uint32_t)key;
    if (c->n == c->cap) {
        if (c->top && c->n >= 2 * c->top + 1024) cand_prune(c);
        if (c->n == c->cap) {
            size_t nc = c->cap ? 2 * c->cap : 4096;
            cand *g = ws_realloc(c->c, nc * sizeof *g);
            if (!g) return ws_error(WS_ENOMEM, "out of memory choosing cooc candidates");
            c->c = g, c->cap = nc;
        }
    }
    c->c[c->n++] = (cand){pair_rank(p, count, c->v.freq[x], c->v.freq[y], *c->v.nctx), key, count};
    return 0;
}

int ws_cooc_pack_pairs(void *state, const ws_query *q, ws_buf *out)
{
    cand_ctx c = {ws_cooc_state_view(state), q->top, NULL, 0, 0};
    int rc = ws_cooc_pairs_take(state, cand_add, &c);
    if (!rc) cand_prune(&c);
    if (!rc && ws_buf_reserve(out, (2 * c.n + 1) * WS_VARINT_MAX)) rc = ws_error(WS_ENOMEM, "out of memory packing cooc");
    if (!rc) {
        ws_buf_put_varint(out, c.n);
        for (size_t i = 0; i < c.n; i++) {
            ws_buf_put_varint(out, c.c[i].key);
            ws_buf_put_varint(out, c.c[i].count);
        }
    }
    ws_free(c.c);
    return rc;
}

int ws_cooc_unpack_pairs(void *state, const ws_query *q, const uint8_t *data, size_t len)
{
    (void)q;
    const uint8_t *at = data, *end = data + len;
    uint64_t n;
    if (ws_varint_get(&at, end, &n)) return ws_error(WS_ECORRUPT, "cooc: a malformed state");
    for (uint64_t i = 0; i < n; i++) {
        uint64_t key, count;
        if (ws_varint_get(&at, end, &key) || ws_varint_get(&at, end, &count))
            return ws_error(WS_ECORRUPT, "cooc: a malformed state");
        int rc = ws_cooc_pairs_put(state, key, count);
        if (rc) return rc;
    }
    return at == end ? 0 : ws_error(WS_ECORRUPT, "cooc: a malformed state");
}

/* ---- sparse arrays for pack/unpack (ws_k_cooc.c): the nonzero
 * entries as (gap, value) varints after their count, written by
 * ws_kdist_put_sparse ---- */
int ws_cooc_get_sparse(const uint8_t **at, const uint8_t *end, uint64_t *a, size_t n)
{
    uint64_t nz, gap, val, i = 0;
    if (ws_varint_get(at, end, &nz)) return ws_error(WS_ECORRUPT, "cooc: a malformed state");
    for (uint64_t k = 0; k < nz; k++) {
        if (ws_varint_get(at, end, &gap) || ws_varint_get(at, end, &val) || (i += gap) >= n)
            return ws_error(WS_ECORRUPT, "cooc: a malformed state");
        a[i] = val;
    }
    return 0;
}
