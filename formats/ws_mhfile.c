/*
 * MinHash signature files: encoding and checked reading (ws_mhfile.h).
 */
#include "ws_mhfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

int ws_mhfile_encode(const ws_mhfile_info *info, const uint8_t *rows, ws_buf *out)
{
    size_t body = (size_t)info->rows * ws_mhfile_row_bytes(info->perm);
    out->n = 0;
    int rc = ws_buf_reserve(out, WS_MHF_HEADER_SIZE + body + 8);
    if (rc) return rc;
    uint8_t *h = out->p;
    memcpy(h, WS_MHF_MAGIC, 8);
    ws_le32_put(h + 8, WS_MHF_VERSION);
    ws_le32_put(h + 12, info->perm);
    ws_le32_put(h + 16, info->shingle);
    ws_le32_put(h + 20, info->field);
    ws_le32_put(h + 24, info->norm);
    ws_le32_put(h + 28, 0);
    ws_le64_put(h + 32, info->seed);
    ws_le64_put(h + 40, info->rows);
    ws_le64_put(h + 48, info->seg_bytes);
    if (body) memcpy(h + WS_MHF_HEADER_SIZE, rows, body);
    ws_le64_put(h + WS_MHF_HEADER_SIZE + body, XXH3_64bits(h, WS_MHF_HEADER_SIZE + body));
    out->n = WS_MHF_HEADER_SIZE + body + 8;
    return 0;
}

int ws_mhfile_read(const char *path, uint64_t seg_rows, uint64_t seg_bytes, ws_mhfile_info *info, uint8_t **rows)
{
    *rows = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? ws_error(WS_ECORRUPT, "%s: listed in MANIFEST but missing", path)
                               : ws_error(WS_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    int rc = 0;
    uint8_t *buf = NULL;
    if (fstat(fd, &sb) != 0) rc = ws_error(WS_EIO, "%s: cannot stat: %s", path, strerror(errno));
    uint64_t size = rc ? 0 : (uint64_t)sb.st_size;
    /* The size follows from the segment's rows: nothing larger is read. */
    if (!rc && size < WS_MHF_HEADER_SIZE + 8) rc = ws_error(WS_ECORRUPT, "%s: truncated signature file", path);
    uint8_t h[WS_MHF_HEADER_SIZE];
    if (!rc && pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h) rc = ws_error(WS_ECORRUPT, "%s: cannot read the header", path);
    if (!rc && memcmp(h, WS_MHF_MAGIC, 8)) rc = ws_error(WS_ECORRUPT, "%s: bad magic (not a signature file)", path);
    if (!rc) {
        memset(info, 0, sizeof *info);
        info->perm = ws_le32_get(h + 12);
        info->shingle = ws_le32_get(h + 16);
        info->field = ws_le32_get(h + 20);
        info->norm = ws_le32_get(h + 24);
        info->seed = ws_le64_get(h + 32);
        info->rows = ws_le64_get(h + 40);
        info->seg_bytes = ws_le64_get(h + 48);
        uint64_t want = info->perm <= 4096 && info->rows == seg_rows
                            ? WS_MHF_HEADER_SIZE + info->rows * ws_mhfile_row_bytes(info->perm) + 8
                            : 0;
        if (want != size || info->seg_bytes != seg_bytes)
            rc = ws_error(WS_ECORRUPT, "%s: size, rows or segment size disagree with its segment", path);
    }
    if (!rc && !(buf = ws_malloc((size_t)size))) rc = WS_ENOMEM;
    for (uint64_t off = 0; !rc && off < size;) {
        ssize_t k = pread(fd, buf + off, (size_t)(size - off), (off_t)off);
        if (k <= 0) rc = ws_error(WS_EIO, "%s: read failed: %s", path, k ? strerror(errno) : "unexpected end");
        else off += (uint64_t)k;
    }
    close(fd);
    if (!rc && XXH3_64bits(buf, (size_t)size - 8) != ws_le64_get(buf + size - 8))
        rc = ws_error(WS_ECORRUPT, "%s: checksum mismatch", path);
    /* A version is believed only under a sound checksum. */
    if (!rc && ws_le32_get(buf + 8) != WS_MHF_VERSION)
        rc = ws_error(WS_EVERSION, "%s: signature file version %u, this build reads %u", path, ws_le32_get(buf + 8),
                      WS_MHF_VERSION);
    if (!rc && (info->perm < 2 || info->perm % 2 || !info->shingle || info->field > 2))
        rc = ws_error(WS_ECORRUPT, "%s: bad parameters in the header", path);
    if (rc) {
        ws_free(buf);
        return rc;
    }
    size_t body = (size_t)(size - 8 - WS_MHF_HEADER_SIZE);
    memmove(buf, buf + WS_MHF_HEADER_SIZE, body);
    *rows = buf;
    return 0;
}
