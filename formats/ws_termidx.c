/*
 * The term index (see ws_termidx.h). Built with two passes over the
 * (term, block) pairs: count per term, then fill, so each term's block list
 * comes out increasing without sorting (blocks are visited in order).
 * Encoded as, per term, a varint count and varint gaps between block
 * numbers, compressed with zstd.
 */
#include "ws_termidx.h"

#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "ws_block.h"

void ws_termidx_free(ws_termidx *x)
{
    if (!x) return;
    ws_free(x->off);
    ws_free(x->blk);
    memset(x, 0, sizeof *x);
}

int ws_termidx_build(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, const ws_termidx *prev,
                     ws_termidx *out)
{
    memset(out, 0, sizeof *out);
    const uint32_t nt = d->nterms;
    uint32_t s0 = prev ? prev->nsegs : 0, nblocks = 0, base = 0;
    if (prev && (prev->nsegs > nsegs || prev->nterms > nt))
        return ws_error(WS_EINTERNAL, "term index: the previous index covers more than the store");
    for (uint32_t i = 0; i < nsegs; i++) nblocks += segs[i]->nblocks;
    for (uint32_t i = 0; i < s0; i++) base += segs[i]->nblocks;
    if (prev && prev->nblocks != base) return ws_error(WS_EINTERNAL, "term index: block counts differ");
    uint32_t *stamp = ws_calloc((size_t)nt + 1, sizeof *stamp);
    uint32_t *cnt = ws_calloc((size_t)nt + 2, sizeof *cnt);
    ws_buf pairs = {0}; /* (term, block) for the new blocks, in block order */
    ws_block b;
    memset(&b, 0, sizeof b);
    int rc = stamp && cnt ? 0 : ws_error(WS_ENOMEM, "out of memory building the term index");
    uint32_t bn = base;
    for (uint32_t i = s0; i < nsegs && !rc; i++)
        for (uint32_t k = 0; k < segs[i]->nblocks && !rc; k++, bn++) {
            if ((rc = ws_block_load(&b, d, segs[i], k, WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA)))) break;
            for (uint64_t t = 0; t < b.ntokens && !rc; t++) {
                uint32_t id = b.ids[t];
                if (id >= nt) {
                    rc = ws_error(WS_ECORRUPT, "%s: block %u: term id %u past the dictionary", segs[i]->path, k, id);
                    break;
                }
                if (stamp[id] == bn + 1) continue;
                stamp[id] = bn + 1;
                uint32_t pr[2] = {id, bn};
                if (ws_buf_append(&pairs, pr, sizeof pr)) rc = ws_error(WS_ENOMEM, "out of memory building the term index");
            }
        }
    ws_block_free(&b);
    size_t np = pairs.n / 8, total = np + (prev ? prev->off[prev->nterms] : 0);
    if (!rc && total >= UINT32_MAX) rc = ws_error(WS_ETOOBIG, "term index: too many postings");
    if (!rc) {
        const uint32_t *pp = (const uint32_t *)(const void *)pairs.p;
        for (uint32_t t = 0; prev && t < prev->nterms; t++) cnt[t + 1] += prev->off[t + 1] - prev->off[t];
        for (size_t i = 0; i < np; i++) cnt[pp[2 * i] + 1]++;
        out->off = ws_malloc(((size_t)nt + 1) * sizeof *out->off);
        out->blk = ws_malloc((total + 1) * sizeof *out->blk);
        if (!out->off || !out->blk) rc = ws_error(WS_ENOMEM, "out of memory building the term index");
        for (uint32_t t = 0; !rc && t <= nt; t++) out->off[t] = (t ? out->off[t - 1] : 0) + cnt[t];
        if (!rc) {
            uint32_t *fill = cnt; /* reused: next free slot per term */
            for (uint32_t t = 0; t < nt; t++) fill[t] = out->off[t];
            for (uint32_t t = 0; prev && t < prev->nterms; t++)
                for (uint32_t j = prev->off[t]; j < prev->off[t + 1]; j++) out->blk[fill[t]++] = prev->blk[j];
            for (size_t i = 0; i < np; i++) out->blk[fill[pp[2 * i]]++] = pp[2 * i + 1];
            out->nterms = nt;
            out->nsegs = nsegs;
            out->nblocks = nblocks;
        }
    }
    ws_free(stamp);
    ws_free(cnt);
    ws_buf_free(&pairs);
    if (rc) ws_termidx_free(out);
    return rc;
}

int ws_termidx_encode(const ws_termidx *x, ws_buf *file)
{
    ws_buf raw = {0}, comp = {0};
    size_t total = x->off[x->nterms];
    int rc = ws_buf_reserve(&raw, ((size_t)x->nterms + total) * WS_VARINT_MAX + 1);
    for (uint32_t t = 0; t < x->nterms && !rc; t++) {
        ws_buf_put_varint(&raw, x->off[t + 1] - x->off[t]);
        uint32_t last = 0;
        for (uint32_t j = x->off[t]; j < x->off[t + 1]; j++) {
            ws_buf_put_varint(&raw, x->blk[j] - last); /* the first is the block number itself */
            last = x->blk[j];
        }
    }
    if (!rc) rc = ws_zstd_compress(raw.p, raw.n, 3, &comp);
    file->n = 0;
    if (!rc) rc = ws_buf_reserve(file, WS_IDX_HEADER_SIZE + comp.n + 8);
    if (!rc) {
        uint8_t *h = file->p;
        memset(h, 0, WS_IDX_HEADER_SIZE);
        memcpy(h, WS_IDX_MAGIC, 8);
        ws_le32_put(h + 8, 1); /* version */
        ws_le32_put(h + 12, x->nterms);
        ws_le32_put(h + 16, x->nsegs);
        ws_le32_put(h + 20, x->nblocks);
        ws_le64_put(h + 24, total);
        ws_le64_put(h + 32, comp.n);
        ws_le64_put(h + 40, raw.n);
        memcpy(h + WS_IDX_HEADER_SIZE, comp.p, comp.n);
        file->n = WS_IDX_HEADER_SIZE + comp.n;
        ws_le64_put(file->p + file->n, XXH3_64bits(file->p, file->n));
        file->n += 8;
    }
    ws_buf_free(&raw);
    ws_buf_free(&comp);
    return rc;
}

int ws_termidx_decode(const uint8_t *all, size_t size, const char *path, ws_termidx *out)
{
    memset(out, 0, sizeof *out);
    if (size < WS_IDX_HEADER_SIZE + 8) return ws_error(WS_ECORRUPT, "%s: term index has a bad size", path);
    if (XXH3_64bits(all, size - 8) != ws_le64_get(all + size - 8))
        return ws_error(WS_ECORRUPT, "%s: checksum mismatch", path);
    if (memcmp(all, WS_IDX_MAGIC, 8)) return ws_error(WS_ECORRUPT, "%s: not a term index (bad magic)", path);
    uint32_t ver = ws_le32_get(all + 8);
    if (ver != 1) return ws_error(WS_EVERSION, "%s: term index version %u, this build reads 1", path, ver);
    uint32_t nt = ws_le32_get(all + 12), nb = ws_le32_get(all + 20);
    uint64_t total = ws_le64_get(all + 24), c = ws_le64_get(all + 32), r = ws_le64_get(all + 40);
    if (c != size - WS_IDX_HEADER_SIZE - 8 || total > (uint64_t)nt * nb || r > (total + nt) * 5 + 16)
        return ws_error(WS_ECORRUPT, "%s: bad term index header", path);
    ws_buf raw = {0};
    int rc = 0;
    unsigned long long fcs = ZSTD_getFrameContentSize(all + WS_IDX_HEADER_SIZE, (size_t)c);
    if (fcs != r || ZSTD_findFrameCompressedSize(all + WS_IDX_HEADER_SIZE, (size_t)c) != c)
        rc = ws_error(WS_ECORRUPT, "%s: bad zstd frame", path);
    if (!rc) rc = ws_buf_reserve(&raw, (size_t)r + 1);
    if (!rc) {
        size_t got = ZSTD_decompress(raw.p, (size_t)r, all + WS_IDX_HEADER_SIZE, (size_t)c);
        if (ZSTD_isError(got) || got != r) rc = ws_error(WS_ECORRUPT, "%s: zstd frame does not decode", path);
        raw.n = (size_t)r;
    }
    if (!rc) {
        out->off = ws_malloc(((size_t)nt + 1) * sizeof *out->off);
        out->blk = ws_malloc(((size_t)total + 1) * sizeof *out->blk);
        if (!out->off || !out->blk) rc = WS_ENOMEM;
    }
    const uint8_t *p = raw.p, *end = raw.p + raw.n;
    uint64_t k = 0;
    for (uint32_t t = 0; t < nt && !rc; t++) {
        uint64_t n, g = 0;
        out->off[t] = (uint32_t)k;
        if (ws_varint_get(&p, end, &n) || n > nb || k + n > total) {
            rc = ws_error(WS_ECORRUPT, "%s: bad block count for term %u", path, t);
            break;
        }
        uint64_t last = 0;
        for (uint64_t j = 0; j < n && !rc; j++) {
            if (ws_varint_get(&p, end, &g) || (j && !g) || last + g >= nb) {
                rc = ws_error(WS_ECORRUPT, "%s: bad block list for term %u", path, t);
                break;
            }
            last += g;
            out->blk[k++] = (uint32_t)last;
        }
    }
    if (!rc && (p != end || k != total)) rc = ws_error(WS_ECORRUPT, "%s: trailing bytes or wrong total", path);
    if (!rc) {
        out->off[nt] = (uint32_t)k;
        out->nterms = nt;
        out->nsegs = ws_le32_get(all + 16);
        out->nblocks = nb;
    }
    ws_buf_free(&raw);
    if (rc) ws_termidx_free(out);
    return rc;
}

int ws_termidx_equal(const ws_termidx *a, const ws_termidx *b)
{
    if (a->nterms != b->nterms || a->nblocks != b->nblocks || a->nsegs != b->nsegs) return 0;
    if (memcmp(a->off, b->off, ((size_t)a->nterms + 1) * sizeof *a->off)) return 0;
    return !memcmp(a->blk, b->blk, (size_t)a->off[a->nterms] * sizeof *a->blk);
}
