/*
 * What the kernels that repartition their state across MPI ranks share
 * (the exchange hook, ws_kernel.h; all-pairs cooc in ws_k_cooc_dist.c,
 * ngrams in ws_k_ngrams_dist.c; docs/scale-out.md):
 *   - ws_kdist_sum: counters summed over every rank (marginals, totals:
 *     vocabulary-sized), gathered on rank 0 and sent back to every rank;
 *   - ws_kdist_xchg: an all-to-all in rounds of bounded buffers. A kernel
 *     appends records to the buffer of the rank each belongs to; when one
 *     buffer holds `cap` bytes a round runs (every rank sends what it
 *     packed, receives what the others packed for it), then an all-reduce
 *     max of "more to come" (1), "done" (0) or "failed" (2 and more: the
 *     lower the failing rank, the larger) decides whether another round
 *     follows. A rank that is done takes part in the others' rounds with
 *     nothing to send; a failure anywhere ends the rounds on every rank,
 *     and every rank returns an error naming the first failing rank.
 * Only the collectives of ws_dist are used (the kernels never call MPI).
 */
#ifndef WS_KDIST_H
#define WS_KDIST_H

#include "ws_kernel.h"

/* Every rank's arrays a[i][0 .. n[i]) (i < na) become the sums over all
 * ranks. rc: this rank's status so far (not 0: it takes part with nothing,
 * and every rank fails). what names the kernel in messages. Collective;
 * returns 0 or an error, on every rank alike. */
int ws_kdist_sum(const ws_dist *d, uint64_t *const *a, const size_t *n, size_t na, int rc, const char *what);

typedef struct ws_kdist_xchg {
    const ws_dist *d;
    ws_buf *out;        /* one buffer per destination rank */
    size_t cap;         /* bytes for one destination before a round runs */
    /* What another rank sent this one in a round (records as the kernel
     * packed them; from: the sending rank). */
    int (*recv)(void *arg, int from, const void *data, size_t len);
    void *arg;
    const char *what;   /* "pairs", "n-grams": for messages */
    int rc;             /* this rank's first error */
    int stopped;        /* a failure somewhere ended the rounds */
    int failed;         /* the first failing rank, when known; -1 */
    uint64_t rounds;    /* rounds this rank took part in */
    uint64_t sent;      /* bytes it packed (its own buffer included) */
} ws_kdist_xchg;

/* Set up: buffers of cap + room bytes for each rank (room: the largest
 * record), so that appending one record to a buffer below cap never grows
 * it. rc: this rank's status so far (kept in x->rc: the rank then only
 * takes part). Returns x->rc. */
int ws_kdist_xchg_open(ws_kdist_xchg *x, const ws_dist *d, size_t cap, size_t room,
                       int (*recv)(void *arg, int from, const void *data, size_t len), void *arg, const char *what,
                       int rc);
/* After records were appended to x->out[to]: a round runs when the buffer
 * holds cap bytes. Returns 0, x->rc, or an error when another rank failed
 * (the caller then stops producing records). Collective when a round runs. */
int ws_kdist_xchg_check(ws_kdist_xchg *x, int to);
/* This rank has nothing more to send: its last round, then the others'
 * until every rank is done; the buffers are freed and every rank learns
 * whether every rank succeeded. Returns 0 or an error (on every rank
 * when any failed). x->rounds and x->sent stay readable. Collective. */
int ws_kdist_xchg_close(ws_kdist_xchg *x);

/* Append a[0..n)'s nonzero entries as (gap, value) varints after their
 * count (the coding of the sums above and of cooc's packed marginals). */
int ws_kdist_put_sparse(ws_buf *b, const uint64_t *a, size_t n);

#endif
