/*
 * MinHash signature files (format 1.3, docs/FORMAT.md "mh-G.wsm"): one
 * optional file per segment, listed in MANIFEST, holding one fixed-size
 * record per story of the segment in story order (exact hash, shingle
 * count, signature; see kernels/ws_minhash.h). The header names the
 * parameters the signatures were made with, and the segment's row count
 * and size, so a file can only be used for its own segment; an XXH3 of
 * every byte before it ends the file.
 */
#ifndef WS_MHFILE_H
#define WS_MHFILE_H

#include "ws_util.h"

#define WS_MHF_MAGIC "WSCANMHS"
#define WS_MHF_VERSION 1u
#define WS_MHF_HEADER_SIZE 56u

typedef struct ws_mhfile_info {
    uint32_t perm, shingle, field, norm; /* norm: 0 = case folding only (the default normalisation) */
    uint64_t seed;
    uint64_t rows;      /* stories of the segment */
    uint64_t seg_bytes; /* size of the segment file */
} ws_mhfile_info;

/* Bytes of one record for perm values. */
static inline size_t ws_mhfile_row_bytes(uint32_t perm) { return 12 + 2 * (size_t)perm; }

/* The whole file for rows (info->rows records) into out (replaced). */
int ws_mhfile_encode(const ws_mhfile_info *info, const uint8_t *rows, ws_buf *out);
/* Read and check path: magic, version, checksum, size; and that it belongs
 * to a segment of seg_rows stories and seg_bytes bytes. *rows receives the
 * records (ws_malloc'ed; NULL with rows = 0). Errors name the file:
 * WS_ECORRUPT (5) for any mismatch, WS_EVERSION for a newer version. */
int ws_mhfile_read(const char *path, uint64_t seg_rows, uint64_t seg_bytes, ws_mhfile_info *info, uint8_t **rows);

#endif
