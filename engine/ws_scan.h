/*
 * The scan engine: plan which blocks a query needs (skipping blocks whose
 * statistics rule them out), decode only the kernel's columns, run the
 * kernel over blocks in parallel with per-thread state (OpenMP), merge the
 * states in thread order and finish into a CSV table.
 */
#ifndef WS_SCAN_H
#define WS_SCAN_H

#include "ws_kernel.h"

typedef struct ws_filter {
    int64_t from, to; /* inclusive UTC seconds; WS_DATE_UNKNOWN = open */
    const char *const *sources; /* keep stories from these sources (none = all) */
    size_t nsources;
} ws_filter;

typedef struct ws_scan_opts {
    int threads; /* 0: all cores */
    int progress;
    ws_filter filter;
} ws_scan_opts;

typedef struct ws_scan_stats {
    uint64_t blocks_total, blocks_scanned, stories, tokens;
} ws_scan_stats;

/* Run kernel k over store st. The result CSV is appended to out. */
int ws_scan(const ws_store *st, const ws_kernel *k, ws_query *q, const ws_scan_opts *o, ws_buf *out,
            ws_scan_stats *stats);

#endif
