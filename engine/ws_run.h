/*
 * A request's run in steps (ws_api.c), for jobs (ws_job.c): prepare a
 * request (filters, normalisation, grouping, plan, the kernel's prepare
 * hook) without scanning, hand its kernel, query, filters and table to a
 * scan (its own, or one shared with other requests), then finish it
 * (rows, notes, the done hook, side tables) and release what it held.
 * Engine-internal: not part of the public API.
 */
#ifndef WS_RUN_H
#define WS_RUN_H

#include "wirescan.h"
#include "ws_scan.h"

typedef struct ws_run ws_run;

/* Prepare q's run, its result streamed to fn(ctx) as ws_request_stream
 * does. threads > 0 overrides the request's thread count; columns are
 * more columns the scan will decode (for the plan's workspace measure);
 * progress (NULL: the request's own) gets the run's progress reports.
 * On error nothing is left to free. */
int ws_run_begin(ws_request *q, ws_batch_fn fn, void *ctx, int threads, uint64_t columns, ws_progress_fn progress,
                 void *progress_ctx, ws_run **out);
/* The corpus's stores. */
const ws_store *const *ws_run_stores(const ws_run *r, size_t *nst);
/* The prepared kernel, query, scan options and table, as a scan item. */
void ws_run_item(ws_run *r, ws_scan_item *it);
/* The scan's options (threads resolved); the scan statistics to fill. */
const ws_scan_opts *ws_run_opts(const ws_run *r);
ws_scan_stats *ws_run_stats(ws_run *r);
/* Scan alone (ws_scan_multi). */
int ws_run_scan(ws_run *r);
/* After the scan, with its status rc: rows, notes, the done hook, side
 * tables; frees r (NULL-safe, rc returned). Returns the run's status. */
int ws_run_end(ws_run *r, int rc);

/* The request's kernel (for grouping a job's requests before they run). */
const ws_kernel *ws_request_kernel(const ws_request *q);
/* 1 when a and b read the same corpus (the same open stores). */
int ws_request_over_same(const ws_request *a, const ws_request *b);
/* 1 when the request can be served by a shared scan. */
int ws_request_shareable(const ws_request *q);
/* The request's cancel flag (a job cancels its requests). */
int *ws_request_cancel_flag(ws_request *q);

#endif
