/*
 * The term index (store format 1.2, optional; story postings since 1.5):
 * for every dictionary term, the blocks of the store that hold it and, in
 * each such block, the rows (stories) that hold it, so that a query about
 * a term reads only those blocks and looks only at those stories. Blocks
 * are numbered across the store: segment by segment in MANIFEST order, then
 * block order. File layout in docs/FORMAT.md (tidx-G.wsx); this module
 * builds, encodes and decodes it, the store (ws_store.c) lists, writes and
 * loads it.
 *
 * Story postings (file version 2) are kept per term as one entry per block
 * of its block list: varint k, then k rows (the first, then gaps >= 1), or
 * k = 0 when the term is in so many of the block's rows (more than one in
 * WS_IDX_ROWS_DENSE) that listing them would not pay: a reader then treats
 * every row of that block as a candidate. They are read lazily: opening a
 * store decodes only the block lists; a term's rows are decompressed (one
 * zstd frame per WS_IDX_GROUP terms) when a query first asks for them.
 *
 * File version 3 (store format 2.1) codes a group either so or as bits
 * (Rice codes near the rows' entropy, each term's length up front so that
 * one term decodes alone), whichever is smaller, and lists a segment's
 * entries only up to a density 1 in D chosen, when the segment is first
 * indexed, to keep the index within WS_IDX_TARGET per mille of the
 * segment's bytes. In memory every version has the version 2 entries.
 */
#ifndef WS_TERMIDX_H
#define WS_TERMIDX_H

#include "ws_store.h"

#define WS_IDX_MAGIC "WSCANIDX"
#define WS_IDX_HEADER_SIZE 48    /* version 1 */
#define WS_IDX_HEADER2_SIZE 64   /* version 2 */
#define WS_IDX_GROUP 256         /* terms per zstd frame of story postings */
#define WS_IDX_ROWS_DENSE 16      /* rows listed when at most 1 in 16 of the block's rows hold the term */
#define WS_IDX_HEADER3_SIZE 72   /* version 3 */
/* Version 3: each segment's story postings list the entries of at most 1
 * in D of a block's rows, D the smallest of 16, 32, ... 1024 with which
 * the index's share of the segment (its block lists' and postings' bytes,
 * as measured when built) stays within WS_IDX_TARGET per mille of the
 * segment's bytes; else none. */
#define WS_IDX_TARGET 148
#define WS_IDX_VERSION 3         /* what a build writes */

typedef struct ws_termidx {
    uint32_t version; /* 1: blocks only; 2: with story postings; 3: bit-coded, within a budget */
    uint32_t nterms;  /* dictionary terms covered */
    uint32_t nsegs;   /* segments covered (the first nsegs of the store) */
    uint32_t nblocks; /* blocks of those segments */
    uint32_t *off;    /* nterms + 1: term t's blocks are blk[off[t] .. off[t+1]) */
    uint32_t *blk;    /* block numbers, increasing per term */
    /* version 2: story postings */
    uint64_t nrows_listed; /* rows listed in all entries */
    uint32_t target;       /* version 3: WS_IDX_TARGET it was built with */
    uint32_t *brows;       /* version 3: rows of each block (nblocks) */
    uint32_t *segd;        /* version 3: per segment, D (0: no rows listed) */
    /* built or fully decoded: term t's entries are rows[roff[t] .. roff[t+1]) */
    uint64_t *roff;
    uint8_t *rows;
    /* loaded lazily from a file: the group frames and their decoded form */
    uint8_t *img;       /* the file's bytes (kept or copied) */
    size_t img_at, nimg; /* where the directory starts; bytes of directory and frames */
    uint32_t ngroups;
    uint8_t **gdec;     /* per group: decoded frame (NULL until asked for) */
    uint64_t **gtoff;   /* per group: WS_IDX_GROUP + 1 offsets of its terms' entries (version 3 bits: bit ranges) */
    ws_buf **gterm;     /* version 3, per group of bits: each term's entries, decoded when first asked for */
    char *path;         /* for errors */
} ws_termidx;

/* Build the index of segs[0..nsegs) over dictionary d (d->nterms terms).
 * prev (may be NULL) covers the first prev->nsegs of them and is reused
 * when it is of the version and budget being built: only the later
 * segments' token columns are read. The result is version WS_IDX_VERSION. */
int ws_termidx_build(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, ws_termidx *prev, ws_termidx *out);
/* The same as the index like holds it (version 2: every entry of at most 1
 * in WS_IDX_ROWS_DENSE rows listed; 3: each segment's with like's D; 1 is
 * built as 2, whose block lists are the same), on one thread: for verify. */
int ws_termidx_build_as(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, const ws_termidx *like,
                        ws_termidx *out);
/* The file image (version 2: header, block lists, story postings, XXH3). */
int ws_termidx_encode(ws_termidx *x, ws_buf *file);
/* The same on `threads` threads (OpenMP; 1: this one): the new blocks are
 * indexed and the groups of story postings compressed in parallel; the
 * result is the same bytes for any thread count. For a store's commit
 * (ingest), which runs below the engine and gets its thread count from
 * ws_store.threads. */
int ws_termidx_build_mt(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, ws_termidx *prev, int threads,
                        ws_termidx *out);
int ws_termidx_encode_mt(ws_termidx *x, int threads, ws_buf *file);
/* The same, building file version `version` (2 or 3): tests write version
 * 2 indexes (WS_WRITE_INDEX=2) to check that they stay readable. */
int ws_termidx_build_ver(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, ws_termidx *prev, int threads,
                         uint32_t version, ws_termidx *out);
/* Check and decode a file image (version 1 or 2); errors (WS_ECORRUPT,
 * WS_EVERSION) name path. The story postings stay compressed until asked for. */
int ws_termidx_decode(const uint8_t *data, size_t n, const char *path, ws_termidx *out);
/* The same, keeping the caller's buffer all (ws_malloc'd) instead of a copy
 * of it: *kept = 1 when x now owns it (ws_termidx_free frees it). */
int ws_termidx_decode_owned(uint8_t *all, size_t size, const char *path, ws_termidx *out, int *kept);
/* Term t's story postings: *p .. *end hold one entry per block of its
 * block list (see above). Returns 1 with them, 0 when x has none (version
 * 1), or a negative error (a damaged frame). Not thread-safe: decodes and
 * caches the term's group on first use. */
int ws_termidx_rows(ws_termidx *x, uint32_t t, const uint8_t **p, const uint8_t **end);
/* Read one entry: *k rows into rows[] (room for nrows: the block's rows),
 * each below nrows; *k = 0 for a block whose rows are not listed. */
int ws_termidx_entry(const uint8_t **p, const uint8_t *end, uint32_t nrows, uint32_t *rows, uint32_t *k);
/* Row numbers across the store (segments in order, then blocks) of each
 * block's first row, for the x->nblocks blocks, then the rows in all
 * (x->nblocks + 1 entries); NULL when out of memory. */
uint64_t *ws_termidx_block_firsts(const ws_termidx *x, ws_segment *const *segs, uint32_t nsegs);
/* Version 2: set in acc (a bitmap over the store's rows, bfirst from
 * ws_termidx_block_firsts) the rows of every block of term id that may hold
 * it: its listed rows, or all the block's rows where they are not listed.
 * tmp is scratch. Version 1: sets nothing, returns 0. */
int ws_termidx_mark_rows(ws_termidx *x, uint32_t id, const uint64_t *bfirst, uint64_t *acc, ws_buf *tmp);
/* 1 when a and b list the same blocks (and, when both have them, the same
 * stories) for every term; a negative error when one cannot be read. */
int ws_termidx_equal(ws_termidx *a, ws_termidx *b);
void ws_termidx_free(ws_termidx *x); /* NULL-safe; leaves x empty */

#endif
