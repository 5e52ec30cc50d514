/*
 * The repartitioning kernels' collectives (see ws_kdist.h): counters
 * summed across ranks, and the all-to-all exchange in bounded rounds that
 * all-pairs cooc and ngrams use to move each key to the rank that owns it.
 */
#include "ws_kdist.h"

#include <string.h>

/* ---- sums ----
 * A rank's message: per array its nonzero entries as (gap, value) varints
 * after their count. Rank 0 adds every rank's (its own included, in rank
 * order), packs the totals the same way and broadcasts them; an empty
 * message says a rank failed. */

int ws_kdist_put_sparse(ws_buf *b, const uint64_t *a, size_t n)
{
    size_t nz = 0;
    for (size_t i = 0; i < n; i++) nz += a[i] != 0;
    if (ws_buf_reserve(b, (2 * nz + 1) * WS_VARINT_MAX)) return ws_error(WS_ENOMEM, "out of memory");
    ws_buf_put_varint(b, nz);
    for (size_t i = 0, last = 0; i < n; i++)
        if (a[i]) {
            ws_buf_put_varint(b, i - last);
            ws_buf_put_varint(b, a[i]);
            last = i;
        }
    return 0;
}

typedef struct sum_ctx {
    uint64_t *const *a; /* rank 0: the totals; others: where they go */
    const size_t *n;
    size_t na;
    int add;            /* 1: add what is read (rank 0), 0: set it */
    int rc;
    const char *what;
} sum_ctx;

static int get_sparse(sum_ctx *c, const uint8_t *at, const uint8_t *end, int from)
{
    if (at == end) return ws_error(WS_EIO, "%s: rank %d failed before the sums across ranks", c->what, from);
    for (size_t k = 0; k < c->na; k++) {
        uint64_t nz, gap, val, i = 0;
        if (!c->add) memset(c->a[k], 0, c->n[k] * sizeof *c->a[k]);
        if (ws_varint_get(&at, end, &nz)) goto bad;
        for (uint64_t j = 0; j < nz; j++) {
            if (ws_varint_get(&at, end, &gap) || ws_varint_get(&at, end, &val) || (i += gap) >= c->n[k]) goto bad;
            c->a[k][i] += val;
        }
    }
    if (at == end) return 0;
bad:
    return ws_error(WS_ECORRUPT, "%s: malformed sums from rank %d", c->what, from);
}

static int sum_each(void *arg, int rank, const void *data, size_t len)
{
    sum_ctx *c = arg;
    if (!c->rc) c->rc = get_sparse(c, data, (const uint8_t *)data + len, rank);
    return 0;
}

static int set_each(void *arg, const void *data, size_t len)
{
    return get_sparse(arg, data, (const uint8_t *)data + len, 0);
}

int ws_kdist_sum(const ws_dist *d, uint64_t *const *a, const size_t *n, size_t na, int rc, const char *what)
{
    /* (the same ws_dist on every rank: every rank refuses alike) */
    if (!d->bcast) return ws_error(WS_EINVAL, "%s across ranks needs a ws_dist with bcast", what);
    ws_buf mine = {0}, tot = {0};
    for (size_t k = 0; k < na && !rc; k++) rc = ws_kdist_put_sparse(&mine, a[k], n[k]);
    /* rank 0 adds into fresh arrays (its own counts arrive with the rest) */
    uint64_t **sum = d->rank == 0 ? ws_calloc(na + 1, sizeof *sum) : NULL;
    if (d->rank == 0 && !rc && !sum) rc = ws_error(WS_ENOMEM, "out of memory");
    for (size_t k = 0; sum && k < na && !rc; k++)
        if (!(sum[k] = ws_calloc(n[k] + 1, sizeof **sum))) rc = ws_error(WS_ENOMEM, "out of memory summing %s across ranks", what);
    sum_ctx sc = {sum, n, na, 1, 0, what};
    int grc = d->gather(d->ctx, rc ? NULL : mine.p, rc ? 0 : mine.n, sum_each, &sc);
    if (!rc) rc = grc ? grc : sc.rc;
    if (d->rank == 0) {
        for (size_t k = 0; k < na && !rc; k++) memcpy(a[k], sum[k], n[k] * sizeof *a[k]);
        for (size_t k = 0; k < na && !rc; k++) rc = ws_kdist_put_sparse(&tot, a[k], n[k]);
        if (rc) tot.n = 0; /* the others then fail alike */
    }
    sum_ctx set = {a, n, na, 0, 0, what};
    int brc = d->bcast(d->ctx, tot.p, tot.n, set_each, &set);
    if (!rc) rc = brc;
    for (size_t k = 0; sum && k < na; k++) ws_free(sum[k]);
    ws_free(sum);
    ws_buf_free(&mine);
    ws_buf_free(&tot);
    return rc;
}

/* ---- the exchange in rounds ---- */

int ws_kdist_xchg_open(ws_kdist_xchg *x, const ws_dist *d, size_t cap, size_t room,
                       int (*recv)(void *arg, int from, const void *data, size_t len), void *arg, const char *what,
                       int rc)
{
    memset(x, 0, sizeof *x);
    x->d = d, x->cap = cap < 256 ? 256 : cap, x->recv = recv, x->arg = arg, x->what = what, x->rc = rc;
    x->failed = -1;
    x->out = ws_calloc((size_t)d->size, sizeof *x->out);
    if (!x->out && !x->rc) x->rc = ws_error(WS_ENOMEM, "out of memory");
    for (int r = 0; x->out && !x->rc && r < d->size; r++)
        if (ws_buf_reserve(&x->out[r], x->cap + room))
            x->rc = ws_error(WS_ENOMEM, "out of memory for the exchange buffers of %s", what);
    return x->rc;
}

/* A failure's flag for the all-reduce max: above 2, and larger for a
 * lower rank, so that every rank learns the first failing rank. */
static int fail_flag(const ws_dist *d) { return 2 + (d->size - 1 - d->rank); }
static void note_failed(ws_kdist_xchg *x, int flag)
{
    if (flag >= 2 && x->failed < 0) x->failed = x->d->size - 1 - (flag - 2);
}

static int other_failed(const ws_kdist_xchg *x)
{
    return ws_error(WS_EIO, "rank %d: the exchange of %s failed on rank %d (its message says why)", x->d->rank, x->what,
                    x->failed >= 0 ? x->failed : x->d->rank);
}

/* One round, collective. more: 1 when this rank has records left after
 * this round. Returns 1 when some rank has (another round follows). */
static int round_run(ws_kdist_xchg *x, int more)
{
    const ws_dist *d = x->d;
    const void *data[64], **dp = data;
    size_t lens[64], *lp = lens;
    static const uint8_t none = 0;
    if (d->size > 64) {
        dp = ws_calloc((size_t)d->size, sizeof *dp);
        lp = ws_calloc((size_t)d->size, sizeof *lp);
        if ((!dp || !lp) && !x->rc) x->rc = ws_error(WS_ENOMEM, "out of memory");
    }
    if (dp && lp) {
        for (int r = 0; r < d->size; r++) {
            int has = !x->rc && x->out && x->out[r].p;
            dp[r] = has ? x->out[r].p : &none;
            lp[r] = has ? x->out[r].n : 0;
            x->sent += lp[r];
        }
        int arc = d->alltoall(d->ctx, dp, lp, x->recv, x->arg);
        if (!x->rc) x->rc = arc;
    } /* (without them this rank cannot take part: the job then fails through mpirun) */
    if (dp != data) ws_free(dp);
    if (lp != lens) ws_free(lp);
    for (int r = 0; x->out && r < d->size; r++) x->out[r].n = 0;
    x->rounds++;
    int flag = x->rc ? fail_flag(d) : more, mrc = d->max_int(d->ctx, &flag);
    if (mrc) {
        if (!x->rc) x->rc = mrc;
        flag = fail_flag(d);
    }
    if (flag >= 2) x->stopped = 1;
    note_failed(x, flag);
    return flag == 1;
}

int ws_kdist_xchg_check(ws_kdist_xchg *x, int to)
{
    if (x->rc || x->out[to].n < x->cap) return x->rc;
    round_run(x, 1);
    if (x->rc) return x->rc;
    if (x->stopped) return other_failed(x);
    return 0;
}

int ws_kdist_xchg_close(ws_kdist_xchg *x)
{
    const ws_dist *d = x->d;
    /* this rank's last round, then the others' until every rank is done */
    if (!x->stopped)
        while (round_run(x, 0) && !x->stopped) {}
    for (int r = 0; x->out && r < d->size; r++) ws_buf_free(&x->out[r]);
    ws_free(x->out);
    x->out = NULL;
    /* every rank learns whether all went well */
    int bad = x->rc ? fail_flag(d) : 0, mrc = d->max_int(d->ctx, &bad);
    note_failed(x, bad);
    if (x->rc) return x->rc;
    if (mrc) return x->rc = mrc;
    return bad ? (x->rc = other_failed(x)) : 0;
}
