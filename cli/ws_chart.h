/*
 * Line charts of series over time (trends --chart), drawn with cairo into
 * an SVG or PNG file chosen by the file name's extension.
 */
#ifndef WS_CHART_H
#define WS_CHART_H

#include <stddef.h>

typedef struct ws_chart_series {
    const char *name;  /* legend text (UTF-8) */
    const double *y;   /* nx values, one per x position */
} ws_chart_series;

typedef struct ws_chart {
    const char *title;            /* may be NULL */
    const char *xlabel, *ylabel;  /* axis titles */
    size_t nx;                    /* x positions (buckets), in order */
    const char *const *xlabels;   /* nx labels (e.g. 2019-05); the chart thins them to fit */
    size_t nseries;
    const ws_chart_series *series;
} ws_chart;

/* Up to WS_CHART_MAX_LINES series are lines on one plot (each its own
 * colour, legend on the right); more are small multiples: a grid of panels,
 * one series each, under the same axes, up to WS_CHART_MAX_SERIES. */
#define WS_CHART_MAX_LINES 8
#define WS_CHART_MAX_SERIES 48

/* Draw c into path: ".svg" or ".png" (case-insensitive). Returns 0 or a
 * negative WS_E* code with ws_error set (WS_EINVAL for another extension or
 * an empty chart, WS_ETOOBIG for more than WS_CHART_MAX_SERIES series,
 * WS_EIO when the file cannot be written). */
int ws_chart_write(const char *path, const ws_chart *c);

#endif
