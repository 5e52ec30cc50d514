/*
 * The on-disk store (formats 1.x and 2.0, specified in docs/FORMAT.md).
 *
 * A store is a directory:
 *   MANIFEST          text, replaced atomically; lists the live files
 *   terms.wsd         append-only term dictionary (records of new terms)
 *   stats-G.wst       per-term collection/document frequency, generation G
 *   seg-G.wss         immutable segments of blocks of column chunks
 *
 * This module reads and writes those files; it knows nothing of how stories
 * are parsed or tokenised. Column codecs live in ws_columns.h.
 */
#ifndef WS_STORE_H
#define WS_STORE_H

#include <stdio.h>

#include "ws_util.h"

/* Version 1: the dictionary and statistics files (unchanged by 2.0), and
 * the segments and MANIFEST of a 1.x store. */
#define WS_FORMAT_VERSION 1u
/* Segments carry a minor version in the high 16 bits of their version field
 * (docs/FORMAT.md, "Versioning"): 1.0 segments store 1, 1.1 segments (which
 * may end with a DATEOFF column) store 1 | 1 << 16. Readers take any minor
 * up to theirs; older readers refuse newer minors as an unknown version. */
#define WS_FORMAT_MINOR 1u
#define WS_SEG_VERSION(minor) (WS_FORMAT_VERSION | (uint32_t)(minor) << 16)
/* Format 2.0 (issue 19): segments whose token column is TOKIDS2
 * (ws_codec.h) store version 2, and the MANIFEST of a store of them says
 * "wirescan-store 2". Every segment of a store has its MANIFEST's major
 * version; 1.x stores stay 1.x when appended to (wirescan upgrade rewrites
 * them). WS_STORE_FORMAT (wirescan.h) is what new stores get. */
#define WS_FORMAT2_VERSION 2u
#define WS_FORMAT2_MINOR 0u
#define WS_SEG_MAGIC "WSCANSEG"
#define WS_DIC_MAGIC "WSCANDIC"
#define WS_STA_MAGIC "WSCANSTA"
#define WS_SEG_HEADER_SIZE 16u
#define WS_SEG_TRAILER_SIZE 40u
#define WS_DIC_HEADER_SIZE 40u
#define WS_STA_HEADER_SIZE 48u
/* No chunk may claim more than this decompressed; bounds allocations made
 * on behalf of a corrupt or hostile footer. */
#define WS_MAX_CHUNK_RAW (1u << 30)
#define WS_MAX_TERM_LEN 65535u

/* Column types. */
enum ws_coltype {
    WS_COL_STRING = 1, /* per-row byte strings (id, title, body) */
    WS_COL_DATE = 2,   /* per-row UTC seconds or unknown */
    WS_COL_DICT = 3,   /* per-row index into the segment's value list */
    WS_COL_MULTI = 4,  /* per-row list of indices into the value list */
    WS_COL_TOKIDS = 5, /* all rows' term ids in order */
    WS_COL_TOKMETA = 6, /* per-row token count, title length, sentence starts */
    WS_COL_TEXT = 7,    /* per-row text, as gaps between the row's tokens or raw */
    WS_COL_DATEOFF = 8, /* format 1.1: per-row UTC offset of the date, minutes east */
    WS_COL_TOKIDS2 = 9  /* format 2.0: the token column as TOKIDS2 (ws_codec.h), in place of TOKIDS */
};

/* Fixed column order of format v1; tag columns follow WS_C_TOKMETA. A 1.1
 * segment may end with one DATEOFF column (named "dateoff") after the tags;
 * it is not counted in ws_segment.ncols (so every column below ncols is a
 * fixed or a tag column) but found through ws_segment.dateoff_col. */
enum { WS_C_ID, WS_C_DATE, WS_C_SOURCE, WS_C_TITLE, WS_C_BODY, WS_C_TOKIDS, WS_C_TOKMETA, WS_C_FIRST_TAG };

typedef struct ws_chunk_ref {
    uint64_t offset;
    uint32_t comp_size, raw_size;
    uint64_t xxh3; /* of the compressed bytes */
} ws_chunk_ref;

typedef struct ws_block_meta {
    uint32_t nrows, undated;
    int64_t min_date, max_date; /* WS_DATE_UNKNOWN when all rows undated */
    uint64_t ntokens;
    uint64_t first_row; /* row number of the block's first story in its segment */
    uint32_t nsources;  /* distinct sources in the block */
    uint32_t *sources;  /* their indices into the source value list, ascending */
    ws_chunk_ref *chunks; /* one per column */
} ws_block_meta;

typedef struct ws_column_desc {
    uint8_t type;
    char *name;
    /* value list for WS_COL_DICT / WS_COL_MULTI, in first-occurrence order */
    uint32_t nvalues;
    ws_str *values; /* point into values_buf */
    char *values_buf;
} ws_column_desc;

typedef struct ws_segment {
    char *path;
    int fd;
    uint64_t size;
    uint32_t ncols;      /* fixed and tag columns (a DATEOFF column is not counted) */
    int32_t dateoff_col; /* index of the DATEOFF column (== ncols), -1 when none: all dates UTC */
    uint32_t major;      /* format major version of the file: 1, or 2 (token column TOKIDS2) */
    uint32_t minor;      /* format minor version of the file (1.0 or 1.1; 2.0) */
    ws_column_desc *cols;
    uint32_t nblocks;
    ws_block_meta *blocks;
    uint64_t nrows, ntokens;
    uint32_t dict_terms; /* every term id in the segment is below this */
} ws_segment;

/* Open and validate a segment's header, trailer and footer (checksum and
 * every structural bound). Column chunks are checked when read. */
int ws_segment_open(const char *path, ws_segment **out);
void ws_segment_close(ws_segment *s);

/* Read, verify (XXH3) and decompress one chunk into out (resized).
 * comp is scratch for the compressed bytes. Thread-safe (pread). */
int ws_segment_read_chunk(const ws_segment *s, uint32_t block, uint32_t col, ws_buf *comp, ws_buf *out);
/* The same, decompressing only a prefix of the chunk: after each piece,
 * need(ctx, raw, have) says how many raw bytes the caller needs in all (0:
 * not known yet; SIZE_MAX: the whole chunk); decompression stops once
 * that many are in out (out->n: the bytes there). The compressed bytes are
 * read and checked whole, as ws_segment_read_chunk checks them. */
int ws_segment_read_chunk_prefix(const ws_segment *s, uint32_t block, uint32_t col, ws_buf *comp, ws_buf *out,
                                 size_t (*need)(void *ctx, const uint8_t *raw, size_t have), void *ctx);
/* The same, decompressing with the zstd context in *dctx (see
 * ws_zstd_unpack_with in ws_fileio.h; ws_block keeps one per workspace). */
int ws_segment_read_chunk_with(const ws_segment *s, uint32_t block, uint32_t col, ws_buf *comp, ws_buf *out,
                               void **dctx);

/* Find a column by name; -1 when absent. */
int ws_segment_find_column(const ws_segment *s, const char *name);

/* ---- the term dictionary ---- */
struct ws_dict_slot {
    uint64_t key;    /* hash tag (24 bits) | term length (8 bits) | id + 1 (32 bits); 0 = empty */
    uint64_t prefix; /* the term's first 8 bytes, zero-padded */
};

typedef struct ws_dict {
    uint32_t nterms;
    uint64_t *off; /* nterms + 1 offsets into text */
    char *text;
    uint64_t text_cap;
    uint64_t *cf, *df; /* collection and document frequency, nterms each */
    /* hash index (built on demand for ingest) */
    struct ws_dict_slot *slots; /* hash index, see ws_store.c */
    uint32_t nslots;            /* power of two */
    uint32_t cap;    /* allocated entries of off/cf/df */
} ws_dict;

static inline ws_str ws_dict_term(const ws_dict *d, uint32_t id)
{
    return ws_str_make(d->text + d->off[id], (size_t)(d->off[id + 1] - d->off[id]));
}
/* Look a term up; returns its id or UINT32_MAX. Needs ws_dict_index(). */
uint32_t ws_dict_lookup(const ws_dict *d, ws_str term, uint64_t hash);
/* Start loading the index slot a lookup of this hash will read first. */
static inline void ws_dict_prefetch(const ws_dict *d, uint64_t hash)
{
#if defined(__GNUC__)
    if (d->nslots) __builtin_prefetch(&d->slots[(uint32_t)hash & (d->nslots - 1)]);
#else
    (void)d; (void)hash;
#endif
}
/* Build the hash index over the current terms. */
int ws_dict_index(ws_dict *d);
/* The same, sized for about `expect` terms (no rehash while it grows to them). */
int ws_dict_index_for(ws_dict *d, uint32_t expect);
/* Look up or append a term (index must exist). *id receives its id. */
int ws_dict_intern(ws_dict *d, ws_str term, uint64_t hash, uint32_t *id);
void ws_dict_free(ws_dict *d);

/* ---- the manifest and the whole store ---- */
typedef struct ws_manifest_seg {
    char *name;
    uint64_t bytes, rows;
    char *mh;          /* format 1.3: the segment's MinHash signature file (mh-G.wsm), NULL: none */
    uint64_t mh_bytes;
} ws_manifest_seg;

typedef struct ws_store {
    char *dir;
    uint64_t generation;
    uint64_t manifest_sum; /* the XXH3-64 on MANIFEST's checksum line (0: no MANIFEST) */
    uint64_t dict_bytes; /* valid prefix of terms.wsd */
    char *stats_name;    /* NULL for an empty store */
    uint64_t nstories, ntokens;
    ws_dict dict;
    uint32_t nsegs;
    ws_manifest_seg *mseg;
    ws_segment **segs; /* opened segments, nsegs */
    /* The term index (optional, format 1.2): its file, or NULL when the
     * store has none; loaded and checked by ws_store_load_index, when a
     * query first needs it. */
    char *index_name;
    uint64_t index_bytes;
    struct ws_termidx *tidx; /* NULL until ws_store_load_index */
    int tidx_fd;             /* its file, opened with the store: descriptor + 1 (0: none) */
    int tidx_rc;             /* its load failed: the error, kept for every later call */
    char tidx_err[256];
    int build_index; /* set before a commit: write an index even if the store had none */
    int threads;     /* set before a commit: threads the term index may use (0: one) */
    /* How the store's text was split into tokens (format 1.4, MANIFEST's
     * optional "segmentation" line): WS_STORE_SEG_NONE (no line: a store made
     * before word segmentation, one token per Han or kana character),
     * WS_STORE_SEG_CHARS ("segmentation chars": the same rule, chosen), or
     * WS_STORE_SEG_ICU ("segmentation icu-N": ICU N's word break iterator).
     * Set before the first commit of a new store. */
    int segmentation;
    unsigned seg_icu; /* N for WS_STORE_SEG_ICU */
    /* The store's format major version (MANIFEST's first line; every
     * segment has it): 1 or 2. A new store gets WS_STORE_FORMAT, or 1 when
     * the environment has WS_WRITE_FORMAT=1 (tests build 1.x stores so). */
    unsigned format;
} ws_store;

enum { WS_STORE_SEG_NONE = 0, WS_STORE_SEG_CHARS = 1, WS_STORE_SEG_ICU = 2 };

/* Open a store: manifest, dictionary (terms and frequencies) and every
 * segment footer. A directory without a MANIFEST opens as an empty store
 * only when allow_missing is set (ingest into a new store). */
int ws_store_open(const char *dir, int allow_missing, ws_store **out);
/* Load and check the store's term index (st->tidx) if it has one and it is
 * not loaded yet: 0 (st->tidx may still be NULL: no index) or the error of
 * reading it (WS_ECORRUPT naming the file, WS_EIO, WS_ENOMEM), the same on
 * every later call. Thread-safe. Commits, verify and every reader of
 * st->tidx call it first. */
int ws_store_load_index(const ws_store *st);
void ws_store_close(ws_store *st);

/* ---- writing ---- */
/* Segment writer: chunks are appended in block order, then the footer. */
typedef struct ws_segwriter ws_segwriter;
int ws_segwriter_create(const char *path, uint32_t ncols, const uint8_t *types, const char *const *names,
                        ws_segwriter **out);
/* Append one block. chunks[c] holds column c's compressed chunk; meta's
 * chunk offsets are filled in here. sources: distinct source indices. */
int ws_segwriter_add_block(ws_segwriter *w, const ws_block_meta *meta, const ws_buf *chunks, const uint32_t *raw_sizes);
/* Set the value list of a DICT/MULTI column (before finish). */
int ws_segwriter_set_values(ws_segwriter *w, uint32_t col, const ws_str *values, uint32_t n);
/* Write the footer and trailer, fsync and close. dict_terms: see ws_segment. */
int ws_segwriter_finish(ws_segwriter *w, uint32_t dict_terms, uint64_t *bytes_out);
/* Close and delete an unfinished segment. NULL-safe. */
void ws_segwriter_abort(ws_segwriter *w);

/* Commit a new generation: append terms [old nterms, new nterms) of dict to
 * terms.wsd, write stats-G.wst, the term index tidx-G.wsx (when the store
 * has one, is new, or build_index is set), then atomically replace MANIFEST
 * listing the old segments plus new_seg (may be NULL). Temp files are removed on error;
 * the published store is untouched until the final rename. */
int ws_store_commit(ws_store *st, const ws_dict *dict, uint32_t old_nterms, const char *new_seg, uint64_t seg_bytes,
                    uint64_t seg_rows, uint64_t add_stories, uint64_t add_tokens);

/* Rewrite MANIFEST for the same generation, listing the signature files
 * now set in st->mseg[].mh (published before with ws_store_publish): adding
 * optional files changes no story, so the generation stays. */
int ws_store_commit_minhash(ws_store *st);
/* Write name in the store directory via name.tmp and an fsync, never
 * replacing an existing file (WS_EEXIST). */
int ws_store_publish(const ws_store *st, const char *name, const void *data, size_t n);
/* The signature file name of segment name seg-G.wss: mh-G.wsm. */
void ws_store_minhash_name(const char *seg, char *buf, size_t cap);

/* Name (not path) the next segment of this store gets: seg-<generation+1>. */
void ws_store_next_segment_name(const ws_store *st, char *buf, size_t cap);

/* Format 2.0 (wirescan upgrade): replace every segment of st (a 1.x
 * store) by new_names[i] (published, nsegs of them, named seg-K.wss with
 * K = generation + 1 + i) of new_bytes[i] bytes, and each signature file by
 * its copy for the new segment, as one commit of generation
 * generation + nsegs: statistics and term index rewritten under that
 * generation's names, MANIFEST saying "wirescan-store 2". new_mh[i] (NULL
 * when segment i has none) is the published signature file of new segment
 * i, new_mh_bytes[i] its size. Files of the
 * old store are removed after the MANIFEST rename; on an error before it,
 * the new files are removed and the store is as it was. */
int ws_store_commit_upgrade(ws_store *st, char *const *new_names, const uint64_t *new_bytes, char *const *new_mh,
                            const uint64_t *new_mh_bytes);

/* Remove files in the store directory that the manifest does not list
 * (left by an interrupted writer). */
int ws_store_cleanup(const ws_store *st);

/* Take the writer lock (STORE/LOCK, flock), creating the directory if
 * needed (*created, may be NULL, says whether this call made it). With
 * wait, block until another writer is done; else fail with WS_EBUSY.
 * Returns the fd or a negative error. */
int ws_store_lock(const char *dir, int wait, int *created);
/* Release the lock after a failed write. When the store still has no
 * MANIFEST (a first ingest failed), remove LOCK and any temp files, and
 * the directory too when created is set, so nothing is left behind. */
int ws_store_unlock_discard(const char *dir, int fd, int created);

/* Verify every checksum and bound of every chunk; reports progress and the
 * first problems on `report` (may be NULL). Returns 0 when sound. */
int ws_store_verify(const ws_store *st, FILE *report);

/* zstd helpers shared by writer and readers. */
int ws_zstd_compress(const void *src, size_t n, int level, ws_buf *out);

#endif /* WS_STORE_H */
