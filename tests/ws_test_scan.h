/*
 * Test helper: run a scan into an in-memory result table and render it as
 * CSV, so tests can compare a kernel's whole output with an independently
 * computed one.
 */
#ifndef WS_TEST_SCAN_H
#define WS_TEST_SCAN_H

#include "ws_scan.h"
#include "ws_table.h"

static inline int ws_test_scan_csv(const ws_store *st, const ws_kernel *k, ws_query *q, const ws_scan_opts *o,
                                   ws_buf *out, ws_scan_stats *stats)
{
    ws_table t;
    ws_table_init(&t);
    int rc = ws_scan(st, k, q, o, &t, stats);
    if (!rc) rc = ws_table_render(&t, WS_FORMAT_CSV, 1, out);
    ws_table_free(&t);
    return rc;
}

#endif
