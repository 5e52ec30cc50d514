/*
 * File helpers shared by the store's files (formats/ws_store.c,
 * formats/ws_segment.c): whole writes and positioned reads that retry and
 * name the file in their errors, directory fsync, publishing a finished
 * temporary file under a name that must not exist yet, and the check and
 * decompression of one zstd frame of known size. Internal to formats/.
 */
#ifndef WS_FILEIO_H
#define WS_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "ws_util.h"

int ws_file_write_all(int fd, const void *buf, size_t n, const char *path);
/* WS_EIO on a read error, WS_ECORRUPT at a premature end of file. */
int ws_file_pread_all(int fd, void *buf, size_t n, uint64_t off, const char *path);
/* dir/name, ws_malloc'ed; NULL when out of memory. */
char *ws_path_join(const char *dir, const char *name);
int ws_fsync_dir(const char *dir);
/* Give the finished temporary file tmp the name final, never replacing a
 * file of that name (WS_EEXIST). */
int ws_publish_noreplace(const char *tmp, const char *final);
/* Verify and decompress one zstd frame of exactly raw_size bytes (what
 * names it in errors); WS_ECORRUPT when it is not that. */
int ws_zstd_unpack(const uint8_t *src, size_t n, uint64_t raw_size, ws_buf *out, const char *what);
/* The same with a decompression context kept by the caller in *dctx
 * (created on first use, NULL before; ws_zstd_dctx_free frees it) or, with
 * dctx NULL, one of the call's own. Why: a context per call is a fresh
 * allocation of about 160 KB and its set-up, and a scan decompresses
 * several chunks per block (tf on Reuters-21578 x10: about 2% less CPU
 * with one context per thread, perf stat in alternating runs). */
int ws_zstd_unpack_with(void **dctx, const uint8_t *src, size_t n, uint64_t raw_size, ws_buf *out, const char *what);
void ws_zstd_dctx_free(void *dctx);

#endif
