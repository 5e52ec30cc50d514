/*
 * Scans across processes (ws_dist in wirescan.h, docs/scale-out.md),
 * beyond the gather of kernel states that ws_scan.c does after every
 * scan:
 *   - iterative kernels (next_pass): rank 0 decides on its merged state
 *     whether another pass runs; if so every rank gets that merged state
 *     and makes the same decision on it, so that every rank's q->ext (a
 *     vocabulary, the dtm's columns) is the same for the next pass;
 *   - ordered kernels (rows in store order: export, kwic, dtm): an
 *     ordered gather. Shards are scanned in rounds (round g: shard
 *     g * size + rank on each rank); every rank captures the rows its
 *     kernel emits, rank 0 appends its own shard's rows to the result,
 *     then those of ranks 1, 2, ... in rank order, which is store order.
 *     A rank keeps at most WS_OSTREAM_PENDING bytes of rows unsent before
 *     it waits for rank 0 to take them.
 */
#ifndef WS_SCAN_DIST_H
#define WS_SCAN_DIST_H

#include "ws_kernel.h"
#include "ws_table.h"

/* Rows a rank holds back before sending them (bytes). */
#define WS_OSTREAM_PENDING ((size_t)32 << 20)

typedef struct ws_ostream {
    const ws_dist *d;
    ws_table cap;       /* what this rank's kernel emits into */
    ws_table *out;      /* rank 0: the result */
    size_t nst;         /* stores (shards) */
    int renum;          /* WS_KF_ROWNUM: rank 0 renumbers column 0 */
    uint64_t limit;     /* rank 0: at most this many rows (q->row_limit; 0: all) */
    int full;           /* rank 0: the limit was reached */
    int failed;         /* rank 0: some rank's shard failed in this round */
    uint64_t next_row;  /* rank 0: the last story number given */
    uint64_t *cur;      /* rank 0: per rank, the local story number of the last row taken */
    uint8_t *seen;      /* rank 0: per rank, cur holds a number */
    ws_buf pend;        /* rank > 0: frames not sent yet; rank 0: scratch */
    int rc;             /* the first failure of the transport or of appending */
} ws_ostream;

/* Set up for kernel k (its header already called on out). Returns 0 or a
 * negative error. */
int ws_ostream_open(ws_ostream *s, const ws_dist *d, const ws_kernel *k, const ws_query *q, ws_table *out, size_t nst);
void ws_ostream_close(ws_ostream *s);
/* After this rank scanned its shard of round g (has: it had one; status:
 * 0 or the scan's error, text its message): rank > 0 sends its last rows
 * and the end of its shard; rank 0 takes the other ranks' shards of the
 * round in rank order. Then every rank learns whether to stop (the limit
 * was reached, or a shard failed somewhere: the failing rank reports it
 * in the gather that follows). Returns 1 to stop, 0 to go on, or a
 * negative error of the transport. Collective. */
int ws_ostream_round(ws_ostream *s, size_t g, int has, int status);

/* After pass `pass` of an iterative kernel, its states gathered and merged
 * on rank 0 (*merged there): sets *more as next_pass would in one
 * process; when it is 1, every rank's *merged is rank 0's merged state
 * and next_pass has run on it everywhere. Collective. */
int ws_dist_next_pass(const ws_dist *d, const ws_kernel *k, ws_query *q, void **merged, unsigned pass, int *more);

/* The outcome of merging every rank's kernel state, as rank 0 knows it. */
typedef struct ws_dist_outcome {
    int rc;                  /* the first failure in rank order, or 0 */
    int rank;                /* the rank it names */
    char msg[640];           /* its message (without "rank N: ") */
    uint64_t stories, tokens; /* the sums over all ranks */
} ws_dist_outcome;

/* Default bytes a rank sends another in one round of the tree (see
 * ws_dist.round_bytes). */
#define WS_TREE_ROUND ((size_t)256 << 20)

/* WS_KF_TREE kernels: a binary-tree reduction of the ranks' states into
 * rank 0's (needs d->alltoall and d->max_int). At step s = 1, 2, 4, ...
 * rank r with r mod 2s == s sends its state (its own, into which its
 * children's were merged) to rank r - s, which unpacks and merges it:
 * rank 0 receives ceil(log2 size) states instead of size - 1, and no
 * message exceeds d->round_bytes (a state travels in as many alltoall
 * rounds as it needs, every rank taking part). rc and text: this rank's
 * scan status and message; o->stories and o->tokens: its counts. On rank
 * 0, *o ends with the totals and the first failure in rank order (the
 * failing rank's own message travels up the tree). Returns 0 or the
 * transport's error. Collective. */
int ws_dist_tree(const ws_dist *d, const ws_kernel *k, ws_query *q, void *state, int rc, const char *text,
                 ws_dist_outcome *o);

#endif
