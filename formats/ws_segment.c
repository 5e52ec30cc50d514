/*
 * Segment files (seg-G.wss): the reader (footer parsed and validated,
 * chunks read and checked by their XXH3-64) and the writer (blocks of
 * column chunks, value tables, footer and trailer). The format is in
 * docs/FORMAT.md; every count is bounded by the bytes that remain before
 * anything is allocated.
 */
#include "ws_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>
#include <zstd.h>

#include "ws_columns.h"
#include "ws_fileio.h"

/* ------------------------------------------------------------------ */
/* bounded little-endian reader for footers and headers                */

typedef struct rd {
    const uint8_t *p, *end;
    int bad;
} rd;

static int rd_need(rd *r, uint64_t n)
{
    if (r->bad || (uint64_t)(r->end - r->p) < n) { r->bad = 1; return 0; }
    return 1;
}
static uint8_t rd_u8(rd *r) { if (!rd_need(r, 1)) return 0; return *r->p++; }
static uint16_t rd_u16(rd *r) { if (!rd_need(r, 2)) return 0; uint16_t v = (uint16_t)(r->p[0] | r->p[1] << 8); r->p += 2; return v; }
static uint32_t rd_u32(rd *r) { if (!rd_need(r, 4)) return 0; uint32_t v = ws_le32_get(r->p); r->p += 4; return v; }
static uint64_t rd_u64(rd *r) { if (!rd_need(r, 8)) return 0; uint64_t v = ws_le64_get(r->p); r->p += 8; return v; }
static const uint8_t *rd_bytes(rd *r, uint64_t n) { if (!rd_need(r, n)) return NULL; const uint8_t *p = r->p; r->p += n; return p; }
static uint64_t rd_left(const rd *r) { return r->bad ? 0 : (uint64_t)(r->end - r->p); }

/* ------------------------------------------------------------------ */
/* segments: reading                                                   */

static void segment_free_parts(ws_segment *s)
{
    if (s->cols) {
        for (uint32_t c = 0; c < s->ncols + (s->dateoff_col >= 0); c++) {
            ws_free(s->cols[c].name);
            ws_free(s->cols[c].values);
            ws_free(s->cols[c].values_buf);
        }
    }
    if (s->blocks) {
        for (uint32_t b = 0; b < s->nblocks; b++) {
            ws_free(s->blocks[b].sources);
            ws_free(s->blocks[b].chunks);
        }
    }
    ws_free(s->cols);
    ws_free(s->blocks);
}

void ws_segment_close(ws_segment *s)
{
    if (!s) return;
    segment_free_parts(s);
    if (s->fd >= 0) close(s->fd);
    ws_free(s->path);
    ws_free(s);
}

static int corrupt(const ws_segment *s, const char *what)
{
    return ws_error(WS_ECORRUPT, "%s: corrupt footer: %s", s->path, what);
}

static int parse_footer(ws_segment *s, const uint8_t *f, uint64_t flen, uint64_t footer_off)
{
    rd r = {f, f + flen, 0};
    s->ncols = rd_u32(&r);
    if (s->ncols < WS_C_FIRST_TAG || s->ncols > 1024 || rd_left(&r) < (uint64_t)s->ncols * 4) return corrupt(s, "column count");
    if (!(s->cols = ws_calloc(s->ncols, sizeof *s->cols))) return WS_ENOMEM;
    static const uint8_t fixed_types[WS_C_FIRST_TAG] = {WS_COL_STRING, WS_COL_DATE, WS_COL_DICT, WS_COL_TEXT,
                                                        WS_COL_TEXT, WS_COL_TOKIDS, WS_COL_TOKMETA};
    for (uint32_t c = 0; c < s->ncols; c++) {
        uint8_t type = rd_u8(&r);
        uint8_t zero = rd_u8(&r);
        uint16_t nlen = rd_u16(&r);
        const uint8_t *name = rd_bytes(&r, nlen);
        if (!name || zero) return corrupt(s, "column descriptor");
        /* 1.1 (and 2.0): the last column may hold the dates' UTC offsets */
        int dateoff = type == WS_COL_DATEOFF && (s->minor >= 1 || s->major >= 2) && c == s->ncols - 1 && c >= WS_C_FIRST_TAG;
        /* 2.0: the token column is TOKIDS2 */
        uint8_t want = c == WS_C_TOKIDS && s->major >= 2 ? WS_COL_TOKIDS2 : c < WS_C_FIRST_TAG ? fixed_types[c] : 0;
        if (c < WS_C_FIRST_TAG ? type != want : type != WS_COL_MULTI && !dateoff) return corrupt(s, "column type");
        if (!(s->cols[c].name = ws_strndup((const char *)name, nlen))) return WS_ENOMEM;
        s->cols[c].type = type;
    }
    s->nblocks = rd_u32(&r);
    uint64_t min_block = 44 + (uint64_t)s->ncols * 24;
    if (r.bad || rd_left(&r) / min_block < s->nblocks) return corrupt(s, "block count");
    if (s->nblocks && !(s->blocks = ws_calloc(s->nblocks, sizeof *s->blocks))) return WS_ENOMEM;
    uint64_t expect_off = WS_SEG_HEADER_SIZE, rows = 0, toks = 0;
    for (uint32_t b = 0; b < s->nblocks; b++) {
        ws_block_meta *m = &s->blocks[b];
        m->nrows = rd_u32(&r);
        m->undated = rd_u32(&r);
        m->min_date = (int64_t)rd_u64(&r);
        m->max_date = (int64_t)rd_u64(&r);
        m->ntokens = rd_u64(&r);
        m->first_row = rd_u64(&r);
        m->nsources = rd_u32(&r);
        if (r.bad || m->nrows == 0 || m->undated > m->nrows || m->first_row != rows) return corrupt(s, "block statistics");
        if (m->undated < m->nrows ? (m->min_date > m->max_date || m->min_date == WS_DATE_UNKNOWN)
                                  : (m->min_date != WS_DATE_UNKNOWN || m->max_date != WS_DATE_UNKNOWN))
            return corrupt(s, "block date range");
        if (m->nsources > m->nrows || rd_left(&r) / 4 < m->nsources) return corrupt(s, "block source list");
        if (m->nsources && !(m->sources = ws_malloc((size_t)m->nsources * 4))) return WS_ENOMEM;
        for (uint32_t i = 0; i < m->nsources; i++) {
            m->sources[i] = rd_u32(&r);
            if (i && m->sources[i] <= m->sources[i - 1]) return corrupt(s, "block source list order");
        }
        if (rd_left(&r) / 24 < s->ncols) return corrupt(s, "chunk table");
        if (!(m->chunks = ws_calloc(s->ncols, sizeof *m->chunks))) return WS_ENOMEM;
        for (uint32_t c = 0; c < s->ncols; c++) {
            ws_chunk_ref *ch = &m->chunks[c];
            ch->offset = rd_u64(&r);
            ch->comp_size = rd_u32(&r);
            ch->raw_size = rd_u32(&r);
            ch->xxh3 = rd_u64(&r);
            if (ch->offset != expect_off || ch->comp_size == 0 || ch->raw_size > WS_MAX_CHUNK_RAW ||
                ch->comp_size > footer_off - expect_off)
                return corrupt(s, "chunk offset or size");
            expect_off += ch->comp_size;
        }
        rows += m->nrows;
        toks += m->ntokens;
    }
    if (expect_off != footer_off) return corrupt(s, "chunks do not fill the file");
    for (uint32_t c = 0; c < s->ncols; c++) {
        ws_column_desc *cd = &s->cols[c];
        if (cd->type != WS_COL_DICT && cd->type != WS_COL_MULTI) continue;
        cd->nvalues = rd_u32(&r);
        if (r.bad || rd_left(&r) / 4 < cd->nvalues) return corrupt(s, "value list");
        /* First pass: sizes, bounded by the footer itself. */
        const uint8_t *save = r.p;
        uint64_t total = 0;
        for (uint32_t i = 0; i < cd->nvalues; i++) {
            uint32_t len = rd_u32(&r);
            if (!rd_bytes(&r, len)) return corrupt(s, "value list entry");
            total += len;
        }
        r.p = save;
        if (!(cd->values = ws_calloc(cd->nvalues ? cd->nvalues : 1, sizeof *cd->values))) return WS_ENOMEM;
        if (!(cd->values_buf = ws_malloc((size_t)total + 1))) return WS_ENOMEM;
        char *dst = cd->values_buf;
        for (uint32_t i = 0; i < cd->nvalues; i++) {
            uint32_t len = rd_u32(&r);
            const uint8_t *v = rd_bytes(&r, len);
            if (len) memcpy(dst, v, len);
            cd->values[i] = ws_str_make(dst, len);
            dst += len;
        }
    }
    for (uint32_t b = 0; b < s->nblocks; b++) {
        const ws_block_meta *m = &s->blocks[b];
        if (m->nsources && m->sources[m->nsources - 1] >= s->cols[WS_C_SOURCE].nvalues) return corrupt(s, "source index");
    }
    s->dict_terms = rd_u32(&r);
    s->nrows = rd_u64(&r);
    s->ntokens = rd_u64(&r);
    if (r.bad || rd_left(&r) != 0) return corrupt(s, "trailing bytes or truncated footer");
    if (s->nrows != rows || s->ntokens != toks) return corrupt(s, "totals do not match blocks");
    if (s->cols[s->ncols - 1].type == WS_COL_DATEOFF) {
        /* hidden from ncols: every column below ncols stays a fixed or tag one */
        s->ncols--;
        s->dateoff_col = (int32_t)s->ncols;
    }
    return 0;
}

int ws_segment_open(const char *path, ws_segment **out)
{
    *out = NULL;
    ws_segment *s = ws_calloc(1, sizeof *s);
    if (!s) return WS_ENOMEM;
    s->fd = -1;
    s->dateoff_col = -1;
    int rc = WS_ENOMEM;
    uint8_t *footer = NULL;
    if (!(s->path = ws_strndup(path, strlen(path)))) goto fail;
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        rc = ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot open segment: %s", path, strerror(errno));
        goto fail;
    }
    struct stat sb;
    if (fstat(s->fd, &sb) != 0) { rc = ws_error(WS_EIO, "%s: stat failed: %s", path, strerror(errno)); goto fail; }
    s->size = (uint64_t)sb.st_size;
    if (s->size < WS_SEG_HEADER_SIZE + WS_SEG_TRAILER_SIZE) {
        rc = ws_error(WS_ECORRUPT, "%s: truncated segment (%" PRIu64 " bytes)", path, s->size);
        goto fail;
    }
    uint8_t head[WS_SEG_HEADER_SIZE], tail[WS_SEG_TRAILER_SIZE];
    if ((rc = ws_file_pread_all(s->fd, head, sizeof head, 0, path))) goto fail;
    if ((rc = ws_file_pread_all(s->fd, tail, sizeof tail, s->size - sizeof tail, path))) goto fail;
    if (memcmp(head, WS_SEG_MAGIC, 8) != 0 || memcmp(tail + 32, WS_SEG_MAGIC, 8) != 0) {
        rc = ws_error(WS_ECORRUPT, "%s: bad magic: not a wirescan segment", path);
        goto fail;
    }
    /* A newer version says so at both ends; ends that disagree, or an
     * impossible version, are damage. The low 16 bits are the major
     * version, the high 16 the minor (1.1 added DATEOFF). */
    uint32_t hv = ws_le32_get(head + 8), tv = ws_le32_get(tail + 24);
    if (hv != tv || (hv & 0xFFFF) == 0) {
        rc = ws_error(WS_ECORRUPT, "%s: bad segment format version (%u.%u at the start, %u.%u at the end)", path,
                      hv & 0xFFFF, hv >> 16, tv & 0xFFFF, tv >> 16);
        goto fail;
    }
    if ((hv & 0xFFFF) == WS_FORMAT_VERSION ? hv >> 16 > WS_FORMAT_MINOR
                                           : (hv & 0xFFFF) != WS_FORMAT2_VERSION || hv >> 16 > WS_FORMAT2_MINOR) {
        rc = ws_error(WS_EVERSION, "%s: segment format version %u.%u, this build reads %u.0 to %u.%u and %u.%u", path,
                      hv & 0xFFFF, hv >> 16, WS_FORMAT_VERSION, WS_FORMAT_VERSION, WS_FORMAT_MINOR, WS_FORMAT2_VERSION,
                      WS_FORMAT2_MINOR);
        goto fail;
    }
    s->major = hv & 0xFFFF;
    s->minor = hv >> 16;
    if (ws_le32_get(head + 12) != 0 || ws_le32_get(tail + 28) != 0) {
        rc = ws_error(WS_ECORRUPT, "%s: unknown flags", path);
        goto fail;
    }
    uint64_t foff = ws_le64_get(tail), flen = ws_le64_get(tail + 8), fsum = ws_le64_get(tail + 16);
    if (foff < WS_SEG_HEADER_SIZE || flen > s->size || foff > s->size - WS_SEG_TRAILER_SIZE - flen ||
        foff + flen + WS_SEG_TRAILER_SIZE != s->size) {
        rc = ws_error(WS_ECORRUPT, "%s: footer position out of bounds", path);
        goto fail;
    }
    if (!(footer = ws_malloc((size_t)flen))) { rc = WS_ENOMEM; goto fail; }
    if ((rc = ws_file_pread_all(s->fd, footer, (size_t)flen, foff, path))) goto fail;
    if (XXH3_64bits(footer, (size_t)flen) != fsum) {
        rc = ws_error(WS_ECORRUPT, "%s: footer checksum mismatch", path);
        goto fail;
    }
    if ((rc = parse_footer(s, footer, flen, foff))) goto fail;
    ws_free(footer);
    *out = s;
    return 0;
fail:
    ws_free(footer);
    ws_segment_close(s);
    return rc;
}

int ws_segment_read_chunk(const ws_segment *s, uint32_t block, uint32_t col, ws_buf *comp, ws_buf *out)
{
    return ws_segment_read_chunk_with(s, block, col, comp, out, NULL);
}

/* Read block's chunk col into comp and check its XXH3; *chp: its entry. */
static int read_checked(const ws_segment *s, uint32_t block, uint32_t col, ws_buf *comp, const ws_chunk_ref **chp)
{
    if (block >= s->nblocks || (col >= s->ncols && (int64_t)col != s->dateoff_col))
        return ws_error(WS_EINVAL, "%s: no block %u column %u", s->path, block, col);
    const ws_chunk_ref *ch = *chp = &s->blocks[block].chunks[col];
    comp->n = 0;
    int rc = ws_buf_reserve(comp, ch->comp_size);
    if (rc) return rc;
    if ((rc = ws_file_pread_all(s->fd, comp->p, ch->comp_size, ch->offset, s->path))) return rc;
    comp->n = ch->comp_size;
    if (XXH3_64bits(comp->p, ch->comp_size) != ch->xxh3)
        return ws_error(WS_ECORRUPT, "%s: block %u column %s: checksum mismatch", s->path, block, s->cols[col].name);
    return 0;
}

int ws_segment_read_chunk_with(const ws_segment *s, uint32_t block, uint32_t col, ws_buf *comp, ws_buf *out,
                               void **dctx)
{
    const ws_chunk_ref *ch = NULL; /* set by read_checked when it returns 0 (Release -O3 cannot see it) */
    int rc = read_checked(s, block, col, comp, &ch);
    if (rc) return rc;
    char what[256];
    snprintf(what, sizeof what, "%s: block %u column %s", s->path, block, s->cols[col].name);
    return ws_zstd_unpack_with(dctx, comp->p, comp->n, ch->raw_size, out, what);
}

int ws_segment_read_chunk_prefix(const ws_segment *s, uint32_t block, uint32_t col, ws_buf *comp, ws_buf *out,
                                 size_t (*need)(void *ctx, const uint8_t *raw, size_t have), void *ctx)
{
    const ws_chunk_ref *ch = NULL; /* set by read_checked when it returns 0 (Release -O3 cannot see it) */
    out->n = 0;
    int rc = read_checked(s, block, col, comp, &ch);
    if (rc) return rc;
    const uint64_t raw_size = ch->raw_size;
    if (raw_size > WS_MAX_CHUNK_RAW || ZSTD_getFrameContentSize(comp->p, comp->n) != raw_size ||
        ZSTD_findFrameCompressedSize(comp->p, comp->n) != comp->n)
        return ws_error(WS_ECORRUPT, "%s: block %u column %s: bad zstd frame", s->path, block, s->cols[col].name);
    if ((rc = ws_buf_reserve(out, (size_t)raw_size + 1))) return rc;
    ZSTD_DCtx *z = ZSTD_createDCtx();
    if (!z) return WS_ENOMEM;
    /* The output is written in place (a stable buffer: no copy through a
     * window buffer), so the pieces are of input: 32 KiB at a time, the
     * caller's need asked after each. */
    /* ZSTD_d_stableOutBuffer (zstd >= 1.4.4; named only under
     * ZSTD_STATIC_LINKING_ONLY). Without it the result is the same, through
     * zstd's window buffer. */
    (void)ZSTD_DCtx_setParameter(z, ZSTD_d_experimentalParam2, 1);
    ZSTD_inBuffer in = {comp->p, 0, 0};
    ZSTD_outBuffer o = {out->p, (size_t)raw_size, 0};
    size_t want = 0, ret = 1;
    int bad = 0;
    while (ret != 0) {
        if (want && want != SIZE_MAX && o.pos >= want) break; /* enough */
        size_t in0 = in.pos, out0 = o.pos;
        in.size = comp->n - in.size > ((size_t)1 << 15) ? in.size + ((size_t)1 << 15) : comp->n;
        ret = ZSTD_decompressStream(z, &o, &in);
        if (ZSTD_isError(ret) || (o.pos == out0 && in.pos == in0 && in.size == comp->n)) {
            bad = 1;
            break;
        }
        if (!want && o.pos > out0) want = need(ctx, out->p, o.pos);
    }
    out->n = o.pos;
    if (!bad && ret == 0 && (out->n != raw_size || in.pos != comp->n)) bad = 1; /* the whole frame: exactly its size */
    if (!bad && ret != 0 && !(want && want != SIZE_MAX && out->n >= want)) bad = 1;
    ZSTD_freeDCtx(z);
    if (bad)
        return ws_error(WS_ECORRUPT, "%s: block %u column %s: zstd frame does not decode", s->path, block, s->cols[col].name);
    return 0;
}

int ws_segment_find_column(const ws_segment *s, const char *name)
{
    for (uint32_t c = 0; c < s->ncols; c++)
        if (strcmp(s->cols[c].name, name) == 0) return (int)c;
    return -1;
}

/* ------------------------------------------------------------------ */
/* segments: writing                                                   */

struct ws_segwriter {
    char *path, *tmp;
    int fd;
    uint64_t off;
    uint32_t ncols;
    ws_buf footer_blocks; /* serialized block entries */
    uint8_t *types;
    char **names;
    ws_str **vals;
    uint32_t *nvals;
    uint32_t nblocks;
    uint64_t rows, toks;
    uint32_t version; /* 2.0 with a TOKIDS2 column; else 1.1 when a DATEOFF column is written, else 1.0 */
};

static void put32(ws_buf *b, uint32_t v) { uint8_t t[4]; ws_le32_put(t, v); ws_buf_append(b, t, 4); }
static void put64(ws_buf *b, uint64_t v) { uint8_t t[8]; ws_le64_put(t, v); ws_buf_append(b, t, 8); }

int ws_segwriter_create(const char *path, uint32_t ncols, const uint8_t *types, const char *const *names,
                        ws_segwriter **out)
{
    *out = NULL;
    ws_segwriter *w = ws_calloc(1, sizeof *w);
    if (!w) return WS_ENOMEM;
    w->fd = -1;
    w->ncols = ncols;
    size_t pl = strlen(path);
    w->path = ws_strndup(path, pl);
    w->tmp = ws_malloc(pl + 5);
    w->types = ws_malloc(ncols);
    w->names = ws_calloc(ncols, sizeof *w->names);
    w->vals = ws_calloc(ncols, sizeof *w->vals);
    w->nvals = ws_calloc(ncols, sizeof *w->nvals);
    if (!w->path || !w->tmp || !w->types || !w->names || !w->vals || !w->nvals) { ws_segwriter_abort(w); return WS_ENOMEM; }
    memcpy(w->tmp, path, pl);
    memcpy(w->tmp + pl, ".tmp", 5);
    memcpy(w->types, types, ncols);
    w->version = WS_SEG_VERSION(0);
    for (uint32_t c = 0; c < ncols; c++)
        if (types[c] == WS_COL_DATEOFF) w->version = WS_SEG_VERSION(1);
    for (uint32_t c = 0; c < ncols; c++)
        if (types[c] == WS_COL_TOKIDS2) w->version = WS_FORMAT2_VERSION | WS_FORMAT2_MINOR << 16;
    for (uint32_t c = 0; c < ncols; c++)
        if (!(w->names[c] = ws_strndup(names[c], strlen(names[c])))) { ws_segwriter_abort(w); return WS_ENOMEM; }
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        int rc = ws_error(WS_EIO, "%s: cannot create: %s", w->tmp, strerror(errno));
        ws_segwriter_abort(w);
        return rc;
    }
    uint8_t head[WS_SEG_HEADER_SIZE];
    memcpy(head, WS_SEG_MAGIC, 8);
    ws_le32_put(head + 8, w->version);
    ws_le32_put(head + 12, 0);
    int rc = ws_file_write_all(w->fd, head, sizeof head, w->tmp);
    if (rc) { ws_segwriter_abort(w); return rc; }
    w->off = WS_SEG_HEADER_SIZE;
    *out = w;
    return 0;
}

int ws_segwriter_add_block(ws_segwriter *w, const ws_block_meta *m, const ws_buf *chunks, const uint32_t *raw_sizes)
{
    ws_buf *f = &w->footer_blocks;
    int rc = ws_buf_reserve(f, 48 + (size_t)m->nsources * 4 + (size_t)w->ncols * 24);
    if (rc) return rc;
    put32(f, m->nrows);
    put32(f, m->undated);
    put64(f, (uint64_t)m->min_date);
    put64(f, (uint64_t)m->max_date);
    put64(f, m->ntokens);
    put64(f, w->rows);
    put32(f, m->nsources);
    for (uint32_t i = 0; i < m->nsources; i++) put32(f, m->sources[i]);
    for (uint32_t c = 0; c < w->ncols; c++) {
        put64(f, w->off);
        put32(f, (uint32_t)chunks[c].n);
        put32(f, raw_sizes[c]);
        put64(f, XXH3_64bits(chunks[c].p, chunks[c].n));
        if ((rc = ws_file_write_all(w->fd, chunks[c].p, chunks[c].n, w->tmp))) return rc;
        w->off += chunks[c].n;
    }
    w->nblocks++;
    w->rows += m->nrows;
    w->toks += m->ntokens;
    return 0;
}

int ws_segwriter_set_values(ws_segwriter *w, uint32_t col, const ws_str *values, uint32_t n)
{
    if (col >= w->ncols) return ws_error(WS_EINVAL, "no column %u", col);
    w->vals[col] = (ws_str *)(uintptr_t)values; /* borrowed until finish */
    w->nvals[col] = n;
    return 0;
}

int ws_segwriter_finish(ws_segwriter *w, uint32_t dict_terms, uint64_t *bytes_out)
{
    ws_buf f = {0};
    int rc = ws_buf_reserve(&f, 64);
    /* finish frees w on every path, as the callers rely on */
    if (rc) { ws_segwriter_abort(w); return rc; }
    put32(&f, w->ncols);
    for (uint32_t c = 0; c < w->ncols; c++) {
        size_t nl = strlen(w->names[c]);
        uint8_t t[4] = {w->types[c], 0, (uint8_t)nl, (uint8_t)(nl >> 8)};
        ws_buf_append(&f, t, 4);
        ws_buf_append(&f, w->names[c], nl);
    }
    put32(&f, w->nblocks);
    ws_buf_append(&f, w->footer_blocks.p, w->footer_blocks.n);
    for (uint32_t c = 0; c < w->ncols; c++) {
        if (w->types[c] != WS_COL_DICT && w->types[c] != WS_COL_MULTI) continue;
        put32(&f, w->nvals[c]);
        for (uint32_t i = 0; i < w->nvals[c]; i++) {
            put32(&f, (uint32_t)w->vals[c][i].n);
            ws_buf_append(&f, w->vals[c][i].p, w->vals[c][i].n);
        }
    }
    put32(&f, dict_terms);
    put64(&f, w->rows);
    put64(&f, w->toks);
    /* ws_buf_append reports ENOMEM through its return, checked here once. */
    if (f.n < 64 || (rc = ws_buf_reserve(&f, WS_SEG_TRAILER_SIZE))) {
        ws_buf_free(&f);
        ws_segwriter_abort(w);
        return rc ? rc : WS_ENOMEM;
    }
    uint8_t tail[WS_SEG_TRAILER_SIZE];
    ws_le64_put(tail, w->off);
    ws_le64_put(tail + 8, f.n);
    ws_le64_put(tail + 16, XXH3_64bits(f.p, f.n));
    ws_le32_put(tail + 24, w->version);
    ws_le32_put(tail + 28, 0);
    memcpy(tail + 32, WS_SEG_MAGIC, 8);
    rc = ws_file_write_all(w->fd, f.p, f.n, w->tmp);
    if (!rc) rc = ws_file_write_all(w->fd, tail, sizeof tail, w->tmp);
    uint64_t total = w->off + f.n + sizeof tail;
    ws_buf_free(&f);
    if (!rc && fsync(w->fd) != 0) rc = ws_error(WS_EIO, "%s: fsync failed: %s", w->tmp, strerror(errno));
    if (!rc && close(w->fd) != 0) rc = ws_error(WS_EIO, "%s: close failed: %s", w->tmp, strerror(errno));
    w->fd = -1;
    if (!rc) rc = ws_publish_noreplace(w->tmp, w->path);
    if (rc) { ws_segwriter_abort(w); return rc; }
    if (bytes_out) *bytes_out = total;
    ws_free(w->tmp);
    w->tmp = NULL;
    ws_segwriter_abort(w); /* frees; the file is published under its name */
    return 0;
}

void ws_segwriter_abort(ws_segwriter *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    if (w->tmp) unlink(w->tmp);
    for (uint32_t c = 0; w->names && c < w->ncols; c++) ws_free(w->names[c]);
    ws_free(w->names);
    ws_free(w->types);
    ws_free(w->vals);
    ws_free(w->nvals);
    ws_buf_free(&w->footer_blocks);
    ws_free(w->path);
    ws_free(w->tmp);
    ws_free(w);
}
