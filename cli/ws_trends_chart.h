/*
 * Charts of wirescan trends, drawn from the result table as it streams
 * out (the same rows the CSV holds), not from the kernel's internals: one
 * series per topic (and group with --by), one point per bucket; a NULL
 * share (a bucket without stories) is a gap.
 */
#ifndef WS_TRENDS_CHART_H
#define WS_TRENDS_CHART_H

#include "wirescan.h"
#include "ws_cli.h"

typedef struct ws_trends_chart ws_trends_chart;

/* A collector for the request's options (set[0..n): bucket, by, wide,
 * wide-share, smooth, emerging, bursts), drawing y = "share" or "docs",
 * titled title (NULL: a title saying what is drawn). WS_EINVAL for a
 * report that is not a series (--emerging, --bursts). */
int ws_trends_chart_create(ws_trends_chart **out, const ws_cli_setting *set, size_t n, const char *y, const char *title);
/* Take the rows of a batch. */
int ws_trends_chart_add(ws_trends_chart *c, const ws_result *batch);
/* Draw into each path (.svg or .png). */
int ws_trends_chart_draw(ws_trends_chart *c, const char *const *paths, size_t n);
void ws_trends_chart_free(ws_trends_chart *c); /* NULL-safe */

#endif
