/*
 * The term index (store format 1.2, optional): for every dictionary term,
 * the blocks of the store that hold it, so that a query about a rare term
 * reads only those blocks. Blocks are numbered across the store: segment by
 * segment in MANIFEST order, then block order. File layout in
 * docs/FORMAT.md (tidx-G.wsx); this module builds, encodes and decodes it,
 * the store (ws_store.c) lists, writes and loads it.
 */
#ifndef WS_TERMIDX_H
#define WS_TERMIDX_H

#include "ws_store.h"

#define WS_IDX_MAGIC "WSCANIDX"
#define WS_IDX_HEADER_SIZE 48

typedef struct ws_termidx {
    uint32_t nterms;  /* dictionary terms covered */
    uint32_t nsegs;   /* segments covered (the first nsegs of the store) */
    uint32_t nblocks; /* blocks of those segments */
    uint32_t *off;    /* nterms + 1: term t's blocks are blk[off[t] .. off[t+1]) */
    uint32_t *blk;    /* block numbers, increasing per term */
} ws_termidx;

/* Build the index of segs[0..nsegs) over dictionary d (d->nterms terms).
 * prev (may be NULL) covers the first prev->nsegs of them and is reused:
 * only the later segments' token columns are read. */
int ws_termidx_build(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, const ws_termidx *prev,
                     ws_termidx *out);
/* The file image (header, zstd payload, XXH3). */
int ws_termidx_encode(const ws_termidx *x, ws_buf *file);
/* Check and decode a file image; errors (WS_ECORRUPT, WS_EVERSION) name path. */
int ws_termidx_decode(const uint8_t *data, size_t n, const char *path, ws_termidx *out);
/* 1 when a and b list the same blocks for every term. */
int ws_termidx_equal(const ws_termidx *a, const ws_termidx *b);
void ws_termidx_free(ws_termidx *x); /* NULL-safe; leaves x empty */

#endif
