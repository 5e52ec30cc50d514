/*
 * Scan engine internals shared by ws_scan.c (single-kernel scans, filter
 * compilation) and ws_scan_shared.c (several kernels over one scan):
 * compiled filters, the task type, progress and cancel helpers.
 * Engine-internal: not part of the public API.
 */
#ifndef WS_SCAN_INT_H
#define WS_SCAN_INT_H

#include "ws_scan.h"

/* The containing conditions in one store's dictionary. */
typedef struct cstore {
    uint8_t *cont;     /* term id -> bit k when condition k is one slot (a word, a pattern) it matches */
    uint8_t *slots[WS_SCAN_MAX_CONTAINING]; /* phrase k: term id -> bit j when slot j holds it */
    uint32_t cont_min[WS_SCAN_MAX_CONTAINING]; /* the smallest dictionary prefix that can hold condition k */
} cstore;

/* One filter, query-wide. */
typedef struct cfilter {
    const ws_filter *f;
    int dates;
    int never;         /* matches no story anywhere */
    uint8_t cont_all;  /* every containing condition's bit (0: no containing condition) */
    uint8_t cont_words; /* the conditions of one slot (the cont table decides them) */
    uint8_t plen[WS_SCAN_MAX_CONTAINING]; /* phrase k's length (0: not a phrase) */
    size_t nst;
    cstore *cs;        /* per store, when cont_all */
    size_t ntags;      /* distinct tags in f->where */
    const char **tags;
    int fold;          /* tag values compare case-folded (the query folds case) */
} cfilter;

/* One filter in one segment. */
typedef struct sfilter {
    int never;
    uint8_t *src_ok;  /* per source value; NULL: no source condition */
    int *tag_col;     /* per distinct tag: column, or -1 when the segment lacks it */
    uint8_t **tag_ok; /* per distinct tag: per value of that column */
    const uint8_t *cont; /* the store's containing table (borrowed from the cfilter) */
    const uint8_t *const *slots; /* the store's phrase tables (borrowed) */
    uint64_t mask;    /* columns the filter reads */
} sfilter;


typedef struct task {
    const ws_segment *seg;
    uint32_t block, segi, sti;
} task;

void ws_sc_sfilter_free(sfilter *s, size_t ntags);
void ws_sc_cfilter_free(cfilter *c);
int ws_sc_compile_filter(cfilter *c, const ws_filter *f, const ws_store *const *st, size_t nst, const ws_norm *norm);
int ws_sc_compile_segment(sfilter *sf, const cfilter *c, const ws_segment *s, size_t sti);
int ws_sc_block_may_match(const cfilter *c, const sfilter *sf, const ws_block_meta *m);
int ws_sc_row_match(const cfilter *c, const sfilter *sf, const ws_block *b, uint32_t r);
double ws_sc_now(void);
/* Report progress through the caller's callback (the library prints nothing). */
void ws_sc_report(const ws_scan_opts *o, double t0, uint64_t done, uint64_t total, uint64_t tokens, int final);
int ws_sc_cancelled(const ws_scan_opts *o);
/* Merge kernel k's state across the ranks of dist (rank 0 ends with the
 * merged state; rc: this rank's error, sent instead of its state). */
int ws_sc_dist_merge(const ws_dist *dist, const ws_kernel *k, ws_query *q, void *state, int rc, ws_scan_stats *stats);

#endif
