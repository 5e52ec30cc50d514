/*
 * The kernel interface. A query is: stores -> filters -> normalisation ->
 * one kernel -> a table. The engine opens the parallel region, gives every
 * thread its own kernel state, feeds it decoded blocks with a per-row
 * selection, merges the states in a fixed order and asks the kernel to
 * finish. Kernels do no I/O, create no threads and keep no global state.
 * Adding a kernel touches its own file and one row of the table in
 * ws_kernels.c.
 */
#ifndef WS_KERNEL_H
#define WS_KERNEL_H

#include "ws_block.h"
#include "ws_norm.h"

/* What every kernel sees of the query. */
typedef struct ws_query {
    const ws_norm *norm;   /* dictionary id -> normalised term id */
    uint32_t top;          /* rows to print (0 = all) */
    uint32_t min_df;
    int tfidf;
    uint64_t nstories;     /* stories that passed the filters (set before finish) */
    int field;             /* 0 all, 1 title only, 2 body only */
} ws_query;

typedef struct ws_kernel {
    const char *name;
    uint64_t columns; /* column mask the kernel reads */
    /* Per-thread state; NULL on allocation failure. */
    void *(*init)(const ws_query *q);
    /* Consume rows r of block b with sel[r] != 0. */
    int (*consume)(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel);
    /* Fold `from` into `into`; the engine merges thread states in thread order. */
    int (*merge)(void *into, const void *from, const ws_query *q);
    /* Append the result table (RFC 4180 CSV with a header row) to out. */
    int (*finish)(void *state, const ws_query *q, ws_buf *out);
    void (*free)(void *state);
} ws_kernel;

/* The kernels (one file each). */
extern const ws_kernel ws_kernel_tf;

/* Look a kernel up by name; NULL when unknown. */
const ws_kernel *ws_kernel_find(const char *name);

#endif
