/*
 * File helpers shared by the store's files (see ws_fileio.h).
 */
#include "ws_fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "ws_store.h"

/* ------------------------------------------------------------------ */
/* small I/O helpers                                                   */

int ws_file_write_all(int fd, const void *buf, size_t n, const char *path)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return ws_error(WS_EIO, "%s: write failed: %s", path, strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int ws_file_pread_all(int fd, void *buf, size_t n, uint64_t off, const char *path)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return ws_error(WS_EIO, "%s: read failed at byte %" PRIu64 ": %s", path, off, strerror(errno));
        }
        if (r == 0) return ws_error(WS_ECORRUPT, "%s: unexpected end of file at byte %" PRIu64, path, off);
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

char *ws_path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = ws_malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

int ws_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return ws_error(WS_EIO, "%s: cannot open directory: %s", dir, strerror(errno));
    int rc = 0;
    if (fsync(fd) != 0 && errno != EINVAL) rc = ws_error(WS_EIO, "%s: fsync failed: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

/* Give the finished temp file tmp its final name, never replacing a file
 * that already has that name: a commit must not overwrite a live file,
 * whatever a damaged or hand-made MANIFEST claims. link() fails with EEXIST
 * atomically; where the file system has no hard links, an exclusive create
 * reserves the name first and the rename then replaces only that
 * reservation. */
int ws_publish_noreplace(const char *tmp, const char *final)
{
    if (link(tmp, final) == 0) {
        unlink(tmp);
        return 0;
    }
    if (errno == EEXIST) return ws_error(WS_EEXIST, "%s: already exists; refusing to overwrite it", final);
    if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP && errno != ENOSYS && errno != EMLINK)
        return ws_error(WS_EIO, "%s: cannot publish %s: %s", final, tmp, strerror(errno));
    int fd = open(final, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return ws_error(errno == EEXIST ? WS_EEXIST : WS_EIO, "%s: %s", final,
                        errno == EEXIST ? "already exists; refusing to overwrite it" : strerror(errno));
    close(fd);
    if (rename(tmp, final) != 0) {
        int rc = ws_error(WS_EIO, "%s: rename failed: %s", final, strerror(errno));
        unlink(final);
        return rc;
    }
    return 0;
}

int ws_zstd_compress(const void *src, size_t n, int level, ws_buf *out)
{
    size_t bound = ZSTD_compressBound(n);
    out->n = 0;
    int rc = ws_buf_reserve(out, bound);
    if (rc) return rc;
    size_t r = ZSTD_compress(out->p, bound, src, n, level);
    if (ZSTD_isError(r)) return ws_error(WS_EINTERNAL, "zstd compression failed: %s", ZSTD_getErrorName(r));
    out->n = r;
    return 0;
}

/* Verify and decompress one zstd frame whose exact sizes are known. */
int ws_zstd_unpack(const uint8_t *src, size_t n, uint64_t raw_size, ws_buf *out, const char *what)
{
    return ws_zstd_unpack_with(NULL, src, n, raw_size, out, what);
}

void ws_zstd_dctx_free(void *dctx) { ZSTD_freeDCtx(dctx); }

int ws_zstd_unpack_with(void **dctx, const uint8_t *src, size_t n, uint64_t raw_size, ws_buf *out, const char *what)
{
    if (raw_size > WS_MAX_CHUNK_RAW) return ws_error(WS_ECORRUPT, "%s: declared size %" PRIu64 " too large", what, raw_size);
    unsigned long long fcs = ZSTD_getFrameContentSize(src, n);
    if (fcs != raw_size) return ws_error(WS_ECORRUPT, "%s: frame size does not match footer", what);
    if (ZSTD_findFrameCompressedSize(src, n) != n) return ws_error(WS_ECORRUPT, "%s: not exactly one zstd frame", what);
    out->n = 0;
    int rc = ws_buf_reserve(out, (size_t)raw_size + 1);
    if (rc) return rc;
    if (dctx && !*dctx && !(*dctx = ZSTD_createDCtx())) return ws_error(WS_ENOMEM, "%s: out of memory for zstd", what);
    size_t r = dctx ? ZSTD_decompressDCtx(*dctx, out->p, (size_t)raw_size, src, n)
                    : ZSTD_decompress(out->p, (size_t)raw_size, src, n);
    if (ZSTD_isError(r) || r != raw_size) return ws_error(WS_ECORRUPT, "%s: zstd frame does not decode", what);
    out->n = (size_t)raw_size;
    return 0;
}
