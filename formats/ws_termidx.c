/*
 * The term index (see ws_termidx.h). Block lists are built with two passes
 * over the (term, block) pairs: count per term, then fill, so each term's
 * block list comes out increasing without sorting (blocks are visited in
 * order). Story postings are built block by block: the rows of each term
 * found in the block, counted then filled the same way, appended as one
 * entry to the term's buffer. Encoded as, per term, a varint count and
 * varint gaps between block numbers (one zstd frame), then the story
 * postings in zstd frames of WS_IDX_GROUP terms each behind a directory,
 * so that a reader decompresses only the groups of the terms it is asked
 * about.
 */
#include "ws_termidx.h"

#include <stdio.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>
#include <omp.h>

#include "ws_block.h"

void ws_termidx_free(ws_termidx *x)
{
    if (!x) return;
    ws_free(x->off);
    ws_free(x->blk);
    ws_free(x->roff);
    ws_free(x->rows);
    ws_free(x->brows);
    ws_free(x->segd);
    for (uint32_t g = 0; g < x->ngroups; g++) {
        if (x->gdec) ws_free(x->gdec[g]);
        if (x->gtoff) ws_free(x->gtoff[g]);
        for (uint32_t i = 0; x->gterm && x->gterm[g] && i < WS_IDX_GROUP; i++) ws_buf_free(&x->gterm[g][i]);
        if (x->gterm) ws_free(x->gterm[g]);
    }
    ws_free(x->gdec);
    ws_free(x->gtoff);
    ws_free(x->gterm);
    ws_free(x->img);
    ws_free(x->path);
    memset(x, 0, sizeof *x);
}

static int oom(void) { return ws_error(WS_ENOMEM, "out of memory building the term index"); }

/* ---- version 3's bit codes ----
 * Bits are packed LSB first. A unary number q is q zero bits and a one.
 * An entry's row count k is an Exp-Golomb code of its rank v (k = 1: 0,
 * k = 0: 1, else k; rare terms are in one row of a block): n = v + 1 as
 * floor(log2 n) in unary, then n's bits below its top bit. Each row is
 * its gap from the previous one (the first: row + 1) minus 1, Rice coded
 * with parameter rice_b(rows of the block, k): the quotient in unary, then
 * b low bits. Rows of a block holding a term are spread about evenly, so
 * gaps are near geometric and Rice codes are within a few percent of
 * their entropy, where varints and zstd were 25 % above it. */
static unsigned ilog2_64(uint64_t v) { return v ? 63u - (unsigned)__builtin_clzll(v) : 0; }
static unsigned rice_b(uint32_t nr, uint32_t k)
{
    return ilog2_64((uint64_t)nr * 11 / (16 * (uint64_t)k)); /* log2(ln 2 * mean gap) */
}
static unsigned kcode_bits(uint32_t k)
{
    uint64_t v = k == 1 ? 0 : k == 0 ? 1 : k;
    return 2 * ilog2_64(v + 1) + 1;
}

typedef struct bitw {
    ws_buf *b;
    uint64_t acc;
    unsigned nacc;
} bitw;

static int bw_put(bitw *w, uint64_t v, unsigned n) /* n <= 32 */
{
    w->acc |= (v & ((1ull << n) - 1)) << w->nacc;
    w->nacc += n;
    if (w->nacc >= 32) {
        if (ws_buf_reserve(w->b, 4)) return WS_ENOMEM;
        ws_le32_put(w->b->p + w->b->n, (uint32_t)w->acc);
        w->b->n += 4;
        w->acc >>= 32;
        w->nacc -= 32;
    }
    return 0;
}
static int bw_unary(bitw *w, uint64_t q)
{
    int rc = 0;
    for (; q >= 32 && !rc; q -= 32) rc = bw_put(w, 0, 32);
    return rc ? rc : bw_put(w, 1ull << q, (unsigned)q + 1);
}
static int bw_flush(bitw *w, uint64_t *bits) /* the stream's length in bits */
{
    *bits = (uint64_t)w->b->n * 8 + w->nacc;
    if (ws_buf_reserve(w->b, 8)) return WS_ENOMEM;
    while (w->nacc > 0) {
        w->b->p[w->b->n++] = (uint8_t)w->acc;
        w->acc >>= 8;
        w->nacc = w->nacc > 8 ? w->nacc - 8 : 0;
    }
    return 0;
}

/* Reads from a copy padded with 8 zero bytes; every read checks that it
 * stays within nbits. */
typedef struct bitr {
    const uint8_t *p;
    uint64_t pos, nbits;
} bitr;

static inline uint64_t br_peek(const bitr *r) /* 57 valid bits at least */
{
    return ws_le64_get(r->p + (r->pos >> 3)) >> (r->pos & 7);
}
static inline int br_get(bitr *r, unsigned n, uint64_t *v) /* n <= 56 */
{
    if (r->pos + n > r->nbits) return -1;
    *v = n ? br_peek(r) & ((1ull << n) - 1) : 0;
    r->pos += n;
    return 0;
}
static inline int br_unary(bitr *r, uint64_t max, uint64_t *q)
{
    uint64_t n = 0;
    for (;;) {
        uint64_t v = br_peek(r) | 1ull << 56;
        unsigned z = (unsigned)__builtin_ctzll(v);
        n += z;
        r->pos += z;
        if (r->pos >= r->nbits || n > max) return -1;
        if (z < 56) break;
    }
    r->pos++;
    *q = n;
    return 0;
}

/* The bits of one entry of k rows (ascending) of a block of nr rows. */
static uint64_t entry_bits(const uint32_t *rows, uint32_t k, uint32_t nr)
{
    uint64_t bits = kcode_bits(k);
    if (!k) return bits;
    unsigned b = rice_b(nr, k);
    for (uint32_t i = 0, last = 0; i < k; i++) {
        uint32_t g = rows[i] + 1 - last;
        bits += 1 + b + ((uint64_t)(g - 1) >> b);
        last = rows[i] + 1;
    }
    return bits;
}

/* One block's story postings: every term of the block gets one entry. */
typedef struct rowpass {
    uint64_t *rstamp; /* per term: the last row (key) it was seen in */
    uint32_t *rcnt;   /* per term: rows of the block holding it, then fill cursor */
    ws_buf touched;   /* term ids of the block, in first-seen order */
    ws_buf rows;      /* the rows, grouped by term */
    uint64_t key;     /* increases for every row of every pass */
} rowpass;

/* One block's share of the index, made apart from the others (on any
 * thread) and added to the terms' postings in block order: its distinct
 * terms in first-seen order, each one's story-postings entry. */
typedef struct blockout {
    char msg[512]; /* the error's detail, made on another thread */
    ws_buf ids;  /* uint32 term ids, first-seen order */
    ws_buf ends; /* uint32 per id: end of its entry in ent */
    ws_buf ent;  /* the entries, one after another */
    uint64_t listed;
    int rc;
} blockout;

static void blockout_free(blockout *o)
{
    ws_buf_free(&o->ids);
    ws_buf_free(&o->ends);
    ws_buf_free(&o->ent);
}

static int block_rows(rowpass *rp, const ws_block *b, blockout *o)
{
    const uint32_t nr = b->nrows;
    rp->touched.n = 0;
    o->ids.n = o->ends.n = o->ent.n = 0;
    o->listed = 0;
    uint32_t ntouch = 0, total = 0;
    for (uint32_t r = 0; r < nr; r++) {
        uint64_t key = ++rp->key;
        for (uint64_t t = b->meta.tok_off[r]; t < b->meta.tok_off[r + 1]; t++) {
            uint32_t id = b->ids[t];
            if (rp->rstamp[id] >= key - r) { /* seen in this block */
                if (rp->rstamp[id] == key) continue;
            } else {
                if (ws_buf_reserve(&rp->touched, 4)) return oom();
                memcpy(rp->touched.p + rp->touched.n, &id, 4);
                rp->touched.n += 4;
                ntouch++;
                rp->rcnt[id] = 0;
            }
            rp->rstamp[id] = key;
            rp->rcnt[id]++;
            total++;
        }
    }
    /* counts -> start offsets, then fill in row order */
    const uint32_t *tids = (const uint32_t *)(const void *)rp->touched.p;
    uint32_t at = 0;
    for (uint32_t i = 0; i < ntouch; i++) {
        uint32_t c = rp->rcnt[tids[i]];
        rp->rcnt[tids[i]] = at;
        at += c;
    }
    rp->rows.n = 0;
    if (ws_buf_reserve(&rp->rows, ((size_t)total + 1) * 4)) return oom();
    uint32_t *rows = (uint32_t *)(void *)rp->rows.p;
    for (uint32_t r = 0; r < nr; r++) {
        uint64_t key = ++rp->key;
        for (uint64_t t = b->meta.tok_off[r]; t < b->meta.tok_off[r + 1]; t++) {
            uint32_t id = b->ids[t];
            if (rp->rstamp[id] == key) continue;
            rp->rstamp[id] = key;
            rows[rp->rcnt[id]++] = r;
        }
    }
    if (ws_buf_append(&o->ids, tids, (size_t)ntouch * 4) || ws_buf_reserve(&o->ends, (size_t)ntouch * 4 + 4) ||
        ws_buf_reserve(&o->ent, ((size_t)ntouch + total) * WS_VARINT_MAX + 1))
        return oom();
    /* rcnt[id] is now the end of id's rows; the start is the previous term's end */
    uint32_t start = 0, kmax = nr / WS_IDX_ROWS_DENSE;
    ws_buf *e = &o->ent;
    for (uint32_t i = 0; i < ntouch; i++) {
        uint32_t id = tids[i], end = rp->rcnt[id], k = end - start;
        if (k > kmax) {
            ws_buf_put_varint(e, 0); /* too many to be worth listing */
        } else {
            ws_buf_put_varint(e, k);
            uint32_t last = 0;
            for (uint32_t j = start; j < end; j++) {
                ws_buf_put_varint(e, rows[j] - last);
                last = rows[j];
            }
            o->listed += k;
        }
        if (e->n >= UINT32_MAX) return ws_error(WS_ETOOBIG, "term index: a block's postings are too large");
        uint32_t en = (uint32_t)e->n;
        memcpy(o->ends.p + 4 * (size_t)i, &en, 4);
        start = end;
    }
    o->ends.n = (size_t)ntouch * 4;
    return 0;
}

/* Load block k of seg and make its share of the index (o->rc: the error). */
static void block_index(const ws_dict *d, ws_segment *seg, uint32_t k, ws_block *b, rowpass *rp, blockout *o)
{
    const uint32_t nt = d->nterms;
    int rc = ws_block_load(b, d, seg, k, WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA));
    for (uint64_t t = 0; !rc && t < b->ntokens; t++)
        if (b->ids[t] >= nt) rc = ws_error(WS_ECORRUPT, "%s: block %u: term id %u past the dictionary", seg->path, k, b->ids[t]);
    if (!rc) rc = block_rows(rp, b, o);
    o->rc = rc;
    if (rc) snprintf(o->msg, sizeof o->msg, "%s", ws_last_error());
}

static int build_impl(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, ws_termidx *prev, int threads,
                      uint32_t version, const uint32_t *fixd, ws_termidx *out);

int ws_termidx_build(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, ws_termidx *prev, ws_termidx *out)
{
    return ws_termidx_build_mt(d, segs, nsegs, prev, 1, out);
}

int ws_termidx_build_as(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, const ws_termidx *like,
                        ws_termidx *out)
{
    if (like->version >= 3 && (like->nsegs != nsegs || !like->segd))
        return ws_error(WS_ECORRUPT, "%s: covers other segments", like->path ? like->path : "term index");
    int rc = build_impl(d, segs, nsegs, NULL, 1, like->version < 3 ? 2 : 3, like->version >= 3 ? like->segd : NULL, out);
    if (!rc && like->version >= 3) out->target = like->target;
    return rc;
}

/* ---- version 3: each segment's D, by measurement ---- */

#define NDS 18
static const uint32_t seg_ds[NDS] = {16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 256, 512, 0}; /* 0: none */
#define SAMPLE 8 /* zstd trials compress the groups of terms g with g % SAMPLE == 0 */

static int listed_under(uint32_t k, uint32_t nr, uint32_t dd) { return k && dd && (uint64_t)k * dd <= nr; }

/* One pass over a new segment's entries, term by term (tbs[t]: term t's,
 * one per block sblk[soff[t] .. soff[t+1]), in order; term order keeps
 * the reads sequential). mode 0: per candidate D, the bits of version 3
 * (bits[]) and the bytes of varints (raw[]) of all its entries, and of the
 * sampled groups' (sraw[]); mode 1: the sampled groups' varints under D dd
 * into out; mode 2: every entry under D dd appended to tb (*listed: the
 * rows listed). */
static int seg_pass(int mode, ws_buf *tbs, const uint64_t *soff, const uint32_t *sblk, const uint32_t *brows, uint32_t nt,
                    uint32_t dd, uint64_t *bits, uint64_t *raw, uint64_t *sraw, ws_buf *out, ws_buf *tb, uint64_t *listed,
                    ws_buf *tmp)
{
    int rc = 0;
    for (uint32_t t = 0; t < nt && !rc; t++) {
        int sampled = (t / WS_IDX_GROUP) % SAMPLE == 0;
        if (mode == 1 && !sampled) {
            t = (t / WS_IDX_GROUP + 1) * WS_IDX_GROUP - 1; /* the next group */
            continue;
        }
        const uint8_t *p = tbs[t].p, *e = tbs[t].p + tbs[t].n;
        ws_buf *o = mode == 1 ? out : mode == 2 ? &tb[t] : NULL;
        if (o && ws_buf_reserve(o, tbs[t].n)) {
            rc = oom();
            break;
        }
        for (uint64_t j = soff[t]; j < soff[t + 1] && !rc; j++) {
            uint32_t nr = brows[sblk[j]], k;
            if (ws_buf_reserve(tmp, ((size_t)nr + 1) * 4)) {
                rc = oom();
                break;
            }
            uint32_t *rows = (uint32_t *)(void *)tmp->p;
            const uint8_t *pe = p;
            if ((rc = ws_termidx_entry(&p, e, nr, rows, &k))) break;
            size_t len = (size_t)(p - pe);
            if (mode == 0) {
                uint64_t eb = entry_bits(rows, k, nr), zb = kcode_bits(0);
                for (int di = 0; di < NDS; di++) {
                    int on = listed_under(k, nr, seg_ds[di]);
                    bits[di] += on ? eb : zb;
                    raw[di] += on ? len : 1;
                    if (sampled) sraw[di] += on ? len : 1;
                }
            } else {
                int on = listed_under(k, nr, dd);
                rc = on ? ws_buf_append(o, pe, len) : ws_buf_append(o, "", 1); /* varint 0 */
                if (rc) rc = oom();
                if (on && listed) *listed += k;
            }
        }
    }
    return rc;
}

/* Finish new segment si: choose its D (fixd NULL) as the smallest whose
 * postings, with the segment's block lists, measure within WS_IDX_TARGET
 * per mille of the segment's bytes, and move its entries from tbs to tb.
 * Postings measure the smaller of their version 3 bits and their varints'
 * zstd size, estimated from a level 9 frame of a sample (one group of
 * terms in SAMPLE) scaled to all varints; zstd is tried while it beats
 * the bits (a sparser list repeats less). */
static int seg_finish(ws_buf *tb, ws_buf *tbs, const uint32_t *pairs, size_t p0, size_t p1, const uint32_t *brows,
                      uint32_t nt, uint64_t seg_bytes, const uint32_t *fixd, uint32_t *dd, uint64_t *listed)
{
    uint64_t bits[NDS] = {0}, raw[NDS] = {0}, sraw[NDS] = {0};
    /* the segment's blocks of each term, in order (pairs come in block order) */
    uint64_t *soff = ws_calloc((size_t)nt + 2, sizeof *soff);
    uint32_t *sblk = ws_malloc((p1 - p0 + 1) * sizeof *sblk);
    ws_buf sample = {0}, comp = {0}, tmp = {0};
    int rc = soff && sblk ? 0 : oom();
    for (size_t i = p0; !rc && i < p1; i++) soff[pairs[2 * i] + 2]++;
    for (uint32_t t = 0; !rc && t < nt; t++) soff[t + 2] += soff[t + 1];
    for (size_t i = p0; !rc && i < p1; i++) sblk[soff[pairs[2 * i] + 1]++] = pairs[2 * i + 1];
    /* soff[t] .. soff[t + 1] now: term t's blocks */
    uint64_t bl = 0, budget = seg_bytes * WS_IDX_TARGET / 1000;
    uint32_t chosen = fixd ? *fixd : 0;
    if (!rc && !fixd) {
        /* the segment's block lists, measured the same way */
        if (ws_buf_reserve(&sample, (p1 - p0 + nt) * (size_t)WS_VARINT_MAX + 1)) rc = oom();
        for (uint32_t t = 0; !rc && t < nt; t++)
            for (uint64_t j = soff[t], last = 0; j < soff[t + 1]; last = sblk[j], j++) ws_buf_put_varint(&sample, sblk[j] - last);
        if (!rc) rc = ws_zstd_compress(sample.p, sample.n, 3, &comp);
        bl = comp.n;
        if (!rc) rc = seg_pass(0, tbs, soff, sblk, brows, nt, 0, bits, raw, sraw, NULL, NULL, NULL, &tmp);
        int trial = 1;
        for (int di = 0; !rc && di < NDS; di++) {
            chosen = seg_ds[di];
            if (!chosen) break;
            uint64_t size = bits[di] / 8;
            if (bl + size > budget && sraw[di] && trial) { /* over in bits: does zstd find what they cannot (copies)? */
                sample.n = 0;
                rc = seg_pass(1, tbs, soff, sblk, brows, nt, chosen, NULL, NULL, NULL, &sample, NULL, NULL, &tmp);
                if (!rc) rc = ws_zstd_compress(sample.p, sample.n, 9, &comp);
                uint64_t z = (uint64_t)((double)comp.n * (double)raw[di] / (double)sraw[di]);
                if (z < size) size = z;
                else trial = 0;
            }
            if (bl + size <= budget) break;
        }
    }
    if (!rc) rc = seg_pass(2, tbs, soff, sblk, brows, nt, chosen, NULL, NULL, NULL, NULL, tb, listed, &tmp);
    for (uint32_t t = 0; t < nt; t++) ws_buf_free(&tbs[t]); /* (the next segment's are fewer) */
    *dd = chosen;
    ws_free(soff);
    ws_free(sblk);
    ws_buf_free(&sample);
    ws_buf_free(&comp);
    ws_buf_free(&tmp);
    return rc;
}

/* The new blocks are indexed in batches of BATCH per thread, each block on
 * its own (loaded, its ids decoded, its postings made: the bulk of the
 * work) by the threads, then added to the terms' lists in block order by
 * this thread, so the index is the same bytes for any thread count. */
#define BATCH 4

int ws_termidx_build_mt(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, ws_termidx *prev, int threads,
                        ws_termidx *out)
{
    return build_impl(d, segs, nsegs, prev, threads, WS_IDX_VERSION, NULL, out);
}

int ws_termidx_build_ver(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, ws_termidx *prev, int threads,
                         uint32_t version, ws_termidx *out)
{
    return build_impl(d, segs, nsegs, prev, threads, version == 2 ? 2 : 3, NULL, out);
}

static int build_impl(const ws_dict *d, ws_segment *const *segs, uint32_t nsegs, ws_termidx *prev, int threads,
                      uint32_t version, const uint32_t *fixd, ws_termidx *out)
{
    memset(out, 0, sizeof *out);
    /* Story postings are reused only when of the version built: an older
     * index (blocks only, or every sparse entry listed) is rebuilt whole. */
    if (prev && prev->version != version) prev = NULL;
    const uint32_t nt = d->nterms;
    uint32_t s0 = prev ? prev->nsegs : 0, nblocks = 0, base = 0;
    if (prev && (prev->nsegs > nsegs || prev->nterms > nt))
        return ws_error(WS_EINTERNAL, "term index: the previous index covers more than the store");
    for (uint32_t i = 0; i < nsegs; i++) nblocks += segs[i]->nblocks;
    for (uint32_t i = 0; i < s0; i++) base += segs[i]->nblocks;
    if (prev && prev->nblocks != base) return ws_error(WS_EINTERNAL, "term index: block counts differ");
    uint32_t *cnt = ws_calloc((size_t)nt + 2, sizeof *cnt);
    ws_buf *tb = ws_calloc((size_t)nt + 1, sizeof *tb); /* per term: its story postings */
    if (threads < 1) threads = 1;
    const size_t nbatch = (size_t)threads * BATCH;
    rowpass *rp = ws_calloc((size_t)threads, sizeof *rp);
    ws_block *bl = ws_calloc((size_t)threads, sizeof *bl);
    blockout *bo = ws_calloc(nbatch, sizeof *bo);
    /* the new blocks in order: segment, block */
    uint32_t nnew = nblocks - base, *bseg = ws_malloc(((size_t)nnew + 1) * sizeof *bseg);
    uint32_t *bk = ws_malloc(((size_t)nnew + 1) * sizeof *bk);
    ws_buf pairs = {0}; /* (term, block) for the new blocks, in block order */
    /* version 3: a new segment's entries wait in tbs until its D is known */
    const int v3 = version >= 3;
    ws_buf *tbs = v3 ? ws_calloc((size_t)nt + 1, sizeof *tbs) : NULL;
    out->brows = v3 ? ws_malloc(((size_t)nblocks + 1) * sizeof *out->brows) : NULL;
    out->segd = v3 ? ws_calloc((size_t)nsegs + 1, sizeof *out->segd) : NULL;
    int rc = cnt && tb && rp && bl && bo && bseg && bk && (!v3 || (tbs && out->brows && out->segd)) ? 0 : oom();
    for (uint32_t i = 0, bn = 0; !rc && v3 && i < nsegs; i++) {
        for (uint32_t k = 0; k < segs[i]->nblocks; k++) out->brows[bn++] = segs[i]->blocks[k].nrows;
        out->segd[i] = fixd ? fixd[i] : i < s0 ? prev->segd[i] : 0;
    }
    size_t seg_p0 = 0; /* the pair where the segment being added starts */
    for (int t = 0; !rc && t < threads; t++)
        if (!(rp[t].rstamp = ws_calloc((size_t)nt + 1, sizeof *rp[t].rstamp)) ||
            !(rp[t].rcnt = ws_calloc((size_t)nt + 1, sizeof *rp[t].rcnt)))
            rc = oom();
    for (uint32_t i = s0, j = 0; !rc && i < nsegs; i++)
        for (uint32_t k = 0; k < segs[i]->nblocks; k++, j++) bseg[j] = i, bk[j] = k;
    uint64_t listed = prev ? prev->nrows_listed : 0;
    for (uint32_t t = 0; prev && t < prev->nterms && !rc; t++) {
        const uint8_t *p, *e;
        int got = ws_termidx_rows(prev, t, &p, &e);
        if (got < 0) rc = got;
        else if (e > p) rc = ws_buf_append(&tb[t], p, (size_t)(e - p)) ? oom() : 0;
    }
    for (uint32_t j0 = 0; !rc && j0 < nnew; j0 += (uint32_t)nbatch) {
        uint32_t nb = nnew - j0 < nbatch ? nnew - j0 : (uint32_t)nbatch;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1 && nb > 1)
        for (uint32_t j = 0; j < nb; j++) {
            int t = omp_get_thread_num();
            block_index(d, segs[bseg[j0 + j]], bk[j0 + j], &bl[t], &rp[t], &bo[j]);
        }
        for (uint32_t j = 0; !rc && j < nb; j++) {
            const blockout *o = &bo[j];
            if (o->rc) {
                rc = ws_error(o->rc, "%s", o->msg);
                break;
            }
            const uint32_t bn = base + j0 + j, *ids = (const uint32_t *)(const void *)o->ids.p;
            const uint32_t *ends = (const uint32_t *)(const void *)o->ends.p;
            size_t n = o->ids.n / 4;
            if (ws_buf_reserve(&pairs, n * 8)) {
                rc = oom();
                break;
            }
            for (size_t i = 0, st = 0; i < n && !rc; st = ends[i], i++) {
                uint32_t pr[2] = {ids[i], bn};
                memcpy(pairs.p + pairs.n, pr, 8);
                pairs.n += 8;
                if (ws_buf_append(v3 ? &tbs[ids[i]] : &tb[ids[i]], o->ent.p + st, ends[i] - st)) rc = oom();
            }
            if (!v3) listed += o->listed;
            uint32_t si = bseg[j0 + j];
            if (!rc && v3 && bk[j0 + j] + 1 == segs[si]->nblocks) { /* the segment's last block */
                rc = seg_finish(tb, tbs, (const uint32_t *)(const void *)pairs.p, seg_p0, pairs.n / 8, out->brows, nt,
                                segs[si]->size, fixd ? &fixd[si] : NULL, &out->segd[si], &listed);
                seg_p0 = pairs.n / 8;
            }
        }
    }
    for (int t = 0; bl && t < threads; t++) ws_block_free(&bl[t]);
    size_t np = pairs.n / 8, total = np + (prev ? prev->off[prev->nterms] : 0);
    if (!rc && total >= UINT32_MAX) rc = ws_error(WS_ETOOBIG, "term index: too many postings");
    if (!rc) {
        const uint32_t *pp = (const uint32_t *)(const void *)pairs.p;
        for (uint32_t t = 0; prev && t < prev->nterms; t++) cnt[t + 1] += prev->off[t + 1] - prev->off[t];
        for (size_t i = 0; i < np; i++) cnt[pp[2 * i] + 1]++;
        out->off = ws_malloc(((size_t)nt + 1) * sizeof *out->off);
        out->blk = ws_malloc((total + 1) * sizeof *out->blk);
        out->roff = ws_malloc(((size_t)nt + 1) * sizeof *out->roff);
        if (!out->off || !out->blk || !out->roff) rc = oom();
        for (uint32_t t = 0; !rc && t <= nt; t++) out->off[t] = (t ? out->off[t - 1] : 0) + cnt[t];
        if (!rc) {
            uint32_t *fill = cnt; /* reused: next free slot per term */
            for (uint32_t t = 0; t < nt; t++) fill[t] = out->off[t];
            for (uint32_t t = 0; prev && t < prev->nterms; t++)
                for (uint32_t j = prev->off[t]; j < prev->off[t + 1]; j++) out->blk[fill[t]++] = prev->blk[j];
            for (size_t i = 0; i < np; i++) out->blk[fill[pp[2 * i]]++] = pp[2 * i + 1];
            uint64_t rn = 0;
            for (uint32_t t = 0; t < nt; t++) out->roff[t] = rn, rn += tb[t].n;
            out->roff[nt] = rn;
            if (!(out->rows = ws_malloc(rn + 1))) rc = oom();
            for (uint32_t t = 0; !rc && t < nt; t++)
                if (tb[t].n) memcpy(out->rows + out->roff[t], tb[t].p, tb[t].n);
            out->version = version;
            out->target = v3 ? WS_IDX_TARGET : 0;
            out->nterms = nt;
            out->nsegs = nsegs;
            out->nblocks = nblocks;
            out->nrows_listed = listed;
        }
    }
    for (uint32_t t = 0; tb && t < nt; t++) ws_buf_free(&tb[t]);
    for (uint32_t t = 0; tbs && t < nt; t++) ws_buf_free(&tbs[t]);
    ws_free(tb);
    ws_free(tbs);
    for (int t = 0; rp && t < threads; t++) {
        ws_free(rp[t].rstamp);
        ws_free(rp[t].rcnt);
        ws_buf_free(&rp[t].touched);
        ws_buf_free(&rp[t].rows);
    }
    for (size_t j = 0; bo && j < nbatch; j++) blockout_free(&bo[j]);
    ws_free(rp);
    ws_free(bl);
    ws_free(bo);
    ws_free(bseg);
    ws_free(bk);
    ws_free(cnt);
    ws_buf_free(&pairs);
    if (rc) ws_termidx_free(out);
    return rc;
}

int ws_termidx_encode(ws_termidx *x, ws_buf *file) { return ws_termidx_encode_mt(x, 1, file); }

/* One group's story postings: its terms' entries, each behind its length. */
static int group_raw(ws_termidx *x, uint32_t g, ws_buf *graw)
{
    int rc = 0;
    graw->n = 0;
    for (uint32_t t = g * WS_IDX_GROUP; t < x->nterms && t < (g + 1) * WS_IDX_GROUP && !rc; t++) {
        const uint8_t *p = NULL, *e = NULL;
        int got = ws_termidx_rows(x, t, &p, &e);
        if (got < 0) rc = got;
        else if (!got) rc = ws_error(WS_EINTERNAL, "term index: no story postings to write");
        else if (!(rc = ws_buf_reserve(graw, WS_VARINT_MAX + (size_t)(e - p)))) {
            ws_buf_put_varint(graw, (uint64_t)(e - p));
            if (e > p) memcpy(graw->p + graw->n, p, (size_t)(e - p));
            graw->n += (size_t)(e - p);
        }
    }
    return rc;
}

/* Version 3: one group's story postings as bits (see "version 3's bit
 * codes"): per term, per entry of its block list, k and the rows. */
static int group_bits(ws_termidx *x, uint32_t g, ws_buf *graw, uint64_t *nbits)
{
    int rc = 0;
    ws_buf bits = {0}, lens = {0};
    bitw w = {&bits, 0, 0};
    uint32_t *rows = NULL;
    size_t cap = 0;
    uint64_t at = 0; /* where the term's bits start */
    for (uint32_t t = g * WS_IDX_GROUP; t < x->nterms && t < (g + 1) * WS_IDX_GROUP && !rc; t++) {
        const uint8_t *p = NULL, *e = NULL;
        int got = ws_termidx_rows(x, t, &p, &e);
        if (got < 0) rc = got;
        else if (!got) rc = ws_error(WS_EINTERNAL, "term index: no story postings to write");
        for (uint32_t j = x->off[t]; !rc && j < x->off[t + 1]; j++) {
            uint32_t nr = x->brows[x->blk[j]], k;
            if (cap < (size_t)nr + 1) {
                ws_free(rows);
                cap = (size_t)nr + 1;
                if (!(rows = ws_malloc(cap * sizeof *rows))) rc = WS_ENOMEM;
            }
            if (!rc) rc = ws_termidx_entry(&p, e, nr, rows, &k);
            uint64_t v = (k == 1 ? 0 : k == 0 ? 1 : k) + 1;
            unsigned l = ilog2_64(v), b = k ? rice_b(nr, k) : 0;
            if (!rc) rc = bw_unary(&w, l);
            if (!rc && l) rc = bw_put(&w, v, l); /* the bits below the top one */
            for (uint32_t i = 0, last = 0; i < k && !rc; i++) {
                uint32_t gap = rows[i] - last; /* the first: the row itself; later: gap - 1 */
                last = rows[i] + 1;
                rc = bw_unary(&w, (uint64_t)gap >> b);
                if (!rc && b) rc = bw_put(&w, gap, b);
            }
        }
        if (!rc && p != e) rc = ws_error(WS_EINTERNAL, "term index: postings longer than the block list");
        uint64_t now = (uint64_t)bits.n * 8 + w.nacc;
        if (!rc && ws_buf_reserve(&lens, WS_VARINT_MAX)) rc = WS_ENOMEM;
        if (!rc) ws_buf_put_varint(&lens, now - at); /* the term's length in bits */
        at = now;
    }
    ws_free(rows);
    if (!rc) rc = bw_flush(&w, nbits);
    /* the lengths, then the bits: a reader decodes only the terms asked for */
    graw->n = 0;
    if (!rc && (ws_buf_append(graw, lens.p, lens.n) || ws_buf_append(graw, bits.p, bits.n))) rc = WS_ENOMEM;
    *nbits += (uint64_t)lens.n * 8;
    ws_buf_free(&bits);
    ws_buf_free(&lens);
    return rc;
}

int ws_termidx_encode_mt(ws_termidx *x, int threads, ws_buf *file)
{
    ws_buf raw = {0}, comp = {0}, dir = {0}, frames = {0};
    size_t total = x->off[x->nterms];
    const uint32_t ng = (x->nterms + WS_IDX_GROUP - 1) / WS_IDX_GROUP;
    int rc = ws_buf_reserve(&raw, ((size_t)x->nterms + total) * WS_VARINT_MAX + 1);
    for (uint32_t t = 0; t < x->nterms && !rc; t++) {
        ws_buf_put_varint(&raw, x->off[t + 1] - x->off[t]);
        uint32_t last = 0;
        for (uint32_t j = x->off[t]; j < x->off[t + 1]; j++) {
            ws_buf_put_varint(&raw, x->blk[j] - last); /* the first is the block number itself */
            last = x->blk[j];
        }
    }
    const int v3 = x->version >= 3;
    if (v3 && !x->brows) return ws_error(WS_EINTERNAL, "term index: version 3 without block rows");
    if (v3 && !x->segd) return ws_error(WS_EINTERNAL, "term index: version 3 without D per segment");
    const size_t hsize = v3 ? WS_IDX_HEADER3_SIZE + 4 * ((size_t)x->nblocks + x->nsegs) : WS_IDX_HEADER2_SIZE;
    if (!rc) rc = ws_zstd_compress(raw.p, raw.n, 3, &comp);
    if (!rc) rc = ws_buf_reserve(&dir, (size_t)ng * 16 + 1);
    /* The groups compress apart (zstd level 9 each: most of the index's
     * time), in parallel when x was built (a decoded index caches its
     * groups as it reads them, which is not thread-safe); the frames are
     * laid out in group order either way. */
    if (threads < 1 || !x->roff) threads = 1;
    ws_buf *gc = ws_calloc((size_t)ng + 1, sizeof *gc), *gr = ws_calloc((size_t)threads, sizeof *gr);
    int *grc = ws_calloc((size_t)ng + 1, sizeof *grc);
    size_t *rawn = ws_calloc((size_t)ng + 1, sizeof *rawn);
    char(*gmsg)[256] = ws_calloc((size_t)ng + 1, sizeof *gmsg);
    if (!rc && (!gc || !gr || !grc || !rawn || !gmsg)) rc = ws_error(WS_ENOMEM, "out of memory encoding the term index");
    if (!rc) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1 && ng > 1)
        for (uint32_t g = 0; g < ng; g++) {
            ws_buf *graw = &gr[omp_get_thread_num()];
            int r = group_raw(x, g, graw);
            if (!r) r = ws_zstd_compress(graw->p, graw->n, 9, &gc[g]); /* 9: 5 % smaller than 3 for 20 % more time */
            if (!r && (gc[g].n >= UINT32_MAX || graw->n >= 1u << 31)) r = ws_error(WS_ETOOBIG, "term index: group too large");
            rawn[g] = graw->n; /* the raw size goes in the directory */
            if (!r && v3) { /* the bits, where they are smaller (zstd wins where stories repeat) */
                uint64_t nbits = 0;
                r = group_bits(x, g, graw, &nbits);
                if (!r && graw->n < gc[g].n) {
                    r = ws_buf_reserve(&gc[g], graw->n) ? WS_ENOMEM : 0;
                    if (!r) memcpy(gc[g].p, graw->p, graw->n), gc[g].n = graw->n;
                    rawn[g] = (size_t)(1u << 31 | (uint32_t)(graw->n * 8 - nbits)); /* flag, padding bits */
                }
            }
            grc[g] = r;
            if (r) snprintf(gmsg[g], sizeof gmsg[g], "%s", ws_last_error());
        }
    }
    const uint64_t fstart = hsize + comp.n + (uint64_t)ng * 16;
    for (uint32_t g = 0; g < ng && !rc; g++) {
        if (grc[g]) {
            rc = ws_error(grc[g], "%s", gmsg[g]);
            break;
        }
        ws_le64_put(dir.p + dir.n, fstart + frames.n);
        ws_le32_put(dir.p + dir.n + 8, (uint32_t)gc[g].n);
        ws_le32_put(dir.p + dir.n + 12, (uint32_t)rawn[g]);
        dir.n += 16;
        rc = ws_buf_append(&frames, gc[g].p, gc[g].n);
    }
    for (uint32_t g = 0; gc && g < ng; g++) ws_buf_free(&gc[g]);
    for (int t = 0; gr && t < threads; t++) ws_buf_free(&gr[t]);
    ws_free(gc);
    ws_free(gr);
    ws_free(grc);
    ws_free(rawn);
    ws_free(gmsg);
    file->n = 0;
    if (!rc) rc = ws_buf_reserve(file, hsize + comp.n + dir.n + frames.n + 8);
    if (!rc) {
        uint8_t *h = file->p;
        memset(h, 0, hsize);
        memcpy(h, WS_IDX_MAGIC, 8);
        ws_le32_put(h + 8, v3 ? 3 : 2); /* version */
        ws_le32_put(h + 12, x->nterms);
        ws_le32_put(h + 16, x->nsegs);
        ws_le32_put(h + 20, x->nblocks);
        ws_le64_put(h + 24, total);
        ws_le64_put(h + 32, comp.n);
        ws_le64_put(h + 40, raw.n);
        ws_le64_put(h + 48, x->nrows_listed);
        ws_le32_put(h + 56, WS_IDX_GROUP);
        ws_le32_put(h + 60, ng);
        if (v3) {
            ws_le32_put(h + 64, x->target);
            for (uint32_t b = 0; b < x->nblocks; b++) ws_le32_put(h + WS_IDX_HEADER3_SIZE + 4 * (size_t)b, x->brows[b]);
            for (uint32_t i = 0; i < x->nsegs; i++)
                ws_le32_put(h + WS_IDX_HEADER3_SIZE + 4 * ((size_t)x->nblocks + i), x->segd[i]);
        }
        file->n = hsize;
        memcpy(file->p + file->n, comp.p, comp.n), file->n += comp.n;
        if (dir.n) memcpy(file->p + file->n, dir.p, dir.n), file->n += dir.n;
        if (frames.n) memcpy(file->p + file->n, frames.p, frames.n), file->n += frames.n;
        ws_le64_put(file->p + file->n, XXH3_64bits(file->p, file->n));
        file->n += 8;
    }
    ws_buf_free(&raw);
    ws_buf_free(&comp);
    ws_buf_free(&dir);
    ws_buf_free(&frames);
    return rc;
}

/* The block lists (one zstd frame at all + hsize, c bytes, r raw). */
static int decode_blocks(const uint8_t *frame, uint64_t c, uint64_t r, uint32_t nt, uint32_t nb, uint64_t total,
                         const char *path, ws_termidx *out)
{
    ws_buf raw = {0};
    int rc = 0;
    unsigned long long fcs = ZSTD_getFrameContentSize(frame, (size_t)c);
    if (fcs != r || ZSTD_findFrameCompressedSize(frame, (size_t)c) != c)
        rc = ws_error(WS_ECORRUPT, "%s: bad zstd frame", path);
    if (!rc) rc = ws_buf_reserve(&raw, (size_t)r + 1);
    if (!rc) {
        size_t got = ZSTD_decompress(raw.p, (size_t)r, frame, (size_t)c);
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
    if (!rc) out->off[nt] = (uint32_t)k;
    ws_buf_free(&raw);
    return rc;
}

/* own: the caller's allocation of all, kept (not copied) for the story
 * postings when the decode succeeds; NULL: copy them. */
static int decode_impl(const uint8_t *all, size_t size, const char *path, ws_termidx *out, uint8_t *own)
{
    memset(out, 0, sizeof *out);
    if (size < WS_IDX_HEADER_SIZE + 8) return ws_error(WS_ECORRUPT, "%s: term index has a bad size", path);
    if (XXH3_64bits(all, size - 8) != ws_le64_get(all + size - 8))
        return ws_error(WS_ECORRUPT, "%s: checksum mismatch", path);
    if (memcmp(all, WS_IDX_MAGIC, 8)) return ws_error(WS_ECORRUPT, "%s: not a term index (bad magic)", path);
    uint32_t ver = ws_le32_get(all + 8);
    if (ver < 1 || ver > 3) return ws_error(WS_EVERSION, "%s: term index version %u, this build reads 1 to 3", path, ver);
    uint32_t nt = ws_le32_get(all + 12), nb = ws_le32_get(all + 20);
    uint64_t total = ws_le64_get(all + 24), c = ws_le64_get(all + 32), r = ws_le64_get(all + 40);
    uint32_t ns = ws_le32_get(all + 16);
    if (ver == 3 && (size < WS_IDX_HEADER3_SIZE + 8 || (uint64_t)nb + ns > (size - WS_IDX_HEADER3_SIZE - 8) / 4))
        return ws_error(WS_ECORRUPT, "%s: bad term index header", path);
    const size_t hs = ver == 1 ? WS_IDX_HEADER_SIZE : ver == 2 ? WS_IDX_HEADER2_SIZE : WS_IDX_HEADER3_SIZE + 4 * ((size_t)nb + ns);
    if (size < hs + 8 || c > size - hs - 8 || (ver == 1 && c != size - hs - 8) || total > (uint64_t)nt * nb ||
        r > (total + nt) * 5 + 16)
        return ws_error(WS_ECORRUPT, "%s: bad term index header", path);
    uint32_t ng = 0;
    if (ver >= 2) {
        ng = ws_le32_get(all + 60);
        uint64_t dir = hs + c, fr = dir + (uint64_t)ng * 16;
        if (ws_le32_get(all + 56) != WS_IDX_GROUP || ng != (nt + WS_IDX_GROUP - 1) / WS_IDX_GROUP || fr > size - 8)
            return ws_error(WS_ECORRUPT, "%s: bad term index header", path);
        for (uint32_t g = 0; g < ng; g++) { /* frames contiguous, from the directory's end to the checksum */
            uint64_t o = ws_le64_get(all + dir + 16 * (uint64_t)g), fc = ws_le32_get(all + dir + 16 * (uint64_t)g + 8);
            uint32_t rn = ws_le32_get(all + dir + 16 * (uint64_t)g + 12);
            if (ver < 3 ? 0 : rn >> 31 ? (rn & 0x7FFFFFFF) > 7 || (fc == 0 && (rn & 0x7FFFFFFF)) : 0)
                return ws_error(WS_ECORRUPT, "%s: bad story postings directory", path);
            if (o != fr || fc > size - 8 - fr) return ws_error(WS_ECORRUPT, "%s: bad story postings directory", path);
            fr += fc;
        }
        if (fr != size - 8) return ws_error(WS_ECORRUPT, "%s: bad story postings directory", path);
    }
    if (ver == 3 && ws_le32_get(all + 68) != 0) return ws_error(WS_ECORRUPT, "%s: bad term index header", path);
    int rc = decode_blocks(all + hs, c, r, nt, nb, total, path, out);
    if (!rc && ver == 3) {
        if (!(out->brows = ws_malloc(((size_t)nb + 1) * sizeof *out->brows))) rc = WS_ENOMEM;
        if (!rc && !(out->segd = ws_malloc(((size_t)ns + 1) * sizeof *out->segd))) rc = WS_ENOMEM;
        for (uint32_t b = 0; !rc && b < nb; b++) out->brows[b] = ws_le32_get(all + WS_IDX_HEADER3_SIZE + 4 * (size_t)b);
        for (uint32_t i = 0; !rc && i < ns; i++) {
            out->segd[i] = ws_le32_get(all + WS_IDX_HEADER3_SIZE + 4 * ((size_t)nb + i));
            if (out->segd[i] && out->segd[i] < WS_IDX_ROWS_DENSE)
                rc = ws_error(WS_ECORRUPT, "%s: bad density of segment %u", path, i);
        }
        out->target = ws_le32_get(all + 64);
    }
    if (!rc && ver >= 2) {
        /* the directory and frames stay compressed until asked for */
        out->nimg = size - 8 - (size_t)(hs + c);
        out->img_at = (size_t)(hs + c);
        out->img = own ? own : ws_malloc(size + 1);
        out->gdec = ws_calloc((size_t)ng + 1, sizeof *out->gdec);
        out->gtoff = ws_calloc((size_t)ng + 1, sizeof *out->gtoff);
        out->gterm = ws_calloc((size_t)ng + 1, sizeof *out->gterm);
        out->path = ws_strndup(path, strlen(path));
        if (!out->img || !out->gdec || !out->gtoff || !out->gterm || !out->path) rc = WS_ENOMEM;
        else if (!own) memcpy(out->img, all, size);
        if (rc && own) out->img = NULL; /* still the caller's */
        out->ngroups = ng;
        out->nrows_listed = ws_le64_get(all + 48);
    }
    if (!rc) {
        out->version = ver;
        out->nterms = nt;
        out->nsegs = ws_le32_get(all + 16);
        out->nblocks = nb;
    }
    if (rc) ws_termidx_free(out);
    return rc;
}

int ws_termidx_decode(const uint8_t *all, size_t size, const char *path, ws_termidx *out)
{
    return decode_impl(all, size, path, out, NULL);
}

int ws_termidx_decode_owned(uint8_t *all, size_t size, const char *path, ws_termidx *out, int *kept)
{
    int rc = decode_impl(all, size, path, out, all);
    *kept = !rc && out->img == all;
    return rc;
}

/* Version 3, a group of bits: read its terms' lengths (gtoff[g]: the bit
 * range of each term, from the group's start); gterm[g] gets room for the
 * terms, decoded one by one when first asked for (decode_term3). */
static int open_group3(ws_termidx *x, uint32_t g)
{
    const uint8_t *d = x->img + x->img_at + 16 * (size_t)g;
    uint64_t o = ws_le64_get(d), c = ws_le32_get(d + 8), bits = c * 8 - (ws_le32_get(d + 12) & 7);
    if (o < x->img_at || o + c > x->img_at + x->nimg) return ws_error(WS_ECORRUPT, "%s: bad story postings directory", x->path);
    uint64_t *toff = ws_malloc(2 * (WS_IDX_GROUP + 1) * sizeof *toff);
    ws_buf *terms = ws_calloc(WS_IDX_GROUP + 1, sizeof *terms);
    int rc = toff && terms ? 0 : WS_ENOMEM;
    const uint8_t *p = x->img + o, *end = x->img + o + c;
    uint32_t n = x->nterms - g * WS_IDX_GROUP < WS_IDX_GROUP ? x->nterms - g * WS_IDX_GROUP : WS_IDX_GROUP;
    uint64_t at = 0;
    for (uint32_t i = 0; !rc && i < n; i++) {
        uint64_t len;
        if (ws_varint_get(&p, end, &len) || len > bits) rc = 1;
        else toff[2 * i] = at, toff[2 * i + 1] = at += len;
    }
    /* the bits start after the lengths, and the terms fill them exactly */
    if (!rc && (at > bits || at != bits - (uint64_t)(p - (x->img + o)) * 8)) rc = 1;
    for (uint32_t i = 0; !rc && i < n; i++) toff[2 * i] += (uint64_t)(p - (x->img + o)) * 8, toff[2 * i + 1] += (uint64_t)(p - (x->img + o)) * 8;
    if (rc) {
        ws_free(toff);
        ws_free(terms);
        return rc == 1 ? ws_error(WS_ECORRUPT, "%s: story postings of terms %u..: bad lengths", x->path, g * WS_IDX_GROUP) : rc;
    }
    x->gtoff[g] = toff;
    x->gterm[g] = terms;
    return 0;
}

/* Decode term t (index i of group g) from its bits into the entries'
 * in-memory form (the varints of version 2), so that readers see one form.
 * The bits are read in place: a group is followed by another or by the
 * file's checksum, so the 8-byte reads stay in the file's image. */
static int decode_term3(ws_termidx *x, uint32_t g, uint32_t i, uint32_t t)
{
    const uint8_t *d = x->img + x->img_at + 16 * (size_t)g;
    bitr r = {x->img + ws_le64_get(d), x->gtoff[g][2 * i], x->gtoff[g][2 * i + 1]};
    ws_buf raw = {0};
    int rc = ws_buf_reserve(&raw, 16) ? WS_ENOMEM : 0, bad = 0;
    for (uint32_t j = x->off[t]; !rc && !bad && j < x->off[t + 1]; j++) {
        uint32_t nr = x->brows[x->blk[j]];
        uint64_t l, v, k, q, low;
        if (br_unary(&r, 32, &l) || br_get(&r, (unsigned)l, &v)) {
            bad = 1;
            break;
        }
        v = (v | 1ull << l) - 1;
        k = v == 0 ? 1 : v == 1 ? 0 : v;
        if (k > nr) {
            bad = 1;
            break;
        }
        if (ws_buf_reserve(&raw, (k + 1) * WS_VARINT_MAX)) {
            rc = WS_ENOMEM;
            break;
        }
        ws_buf_put_varint(&raw, k);
        unsigned b = k ? rice_b(nr, (uint32_t)k) : 0;
        for (uint64_t m = 0, last = 0; m < k; m++) {
            if (br_unary(&r, (uint64_t)nr >> b, &q) || br_get(&r, b, &low) || last + (q << b | low) >= nr) {
                bad = 1;
                break;
            }
            uint64_t row = last + (q << b | low);
            ws_buf_put_varint(&raw, m ? row - last + 1 : row); /* varint gaps: the first row, then >= 1 */
            last = row + 1;
        }
    }
    if (!rc && !bad && r.pos != r.nbits) bad = 1;
    if (!rc && bad) rc = ws_error(WS_ECORRUPT, "%s: story postings of term %u: bad bits", x->path, t);
    if (rc) {
        ws_buf_free(&raw);
        return rc;
    }
    x->gterm[g][i] = raw;
    return 0;
}

/* Decompress group g and find its terms' entries. */
static int load_group(ws_termidx *x, uint32_t g)
{
    /* img is the whole file; the directory starts at img_at and its
     * offsets count from the start of the file */
    const uint8_t *d = x->img + x->img_at + 16 * (size_t)g;
    uint64_t o = ws_le64_get(d), c = ws_le32_get(d + 8), r = ws_le32_get(d + 12);
    if (o < x->img_at || o + c > x->img_at + x->nimg) return ws_error(WS_ECORRUPT, "%s: bad story postings directory", x->path);
    uint8_t *raw = ws_malloc((size_t)r + 1);
    uint64_t *toff = ws_malloc(2 * (WS_IDX_GROUP + 1) * sizeof *toff);
    if (!raw || !toff) {
        ws_free(raw);
        ws_free(toff);
        return WS_ENOMEM;
    }
    int rc = 0;
    unsigned long long fcs = ZSTD_getFrameContentSize(x->img + o, (size_t)c);
    if (fcs != r || ZSTD_findFrameCompressedSize(x->img + o, (size_t)c) != c) rc = 1;
    if (!rc) {
        size_t got = ZSTD_decompress(raw, (size_t)r, x->img + o, (size_t)c);
        if (ZSTD_isError(got) || got != r) rc = 1;
    }
    const uint8_t *p = raw, *end = raw + r;
    for (uint32_t i = 0, t = g * WS_IDX_GROUP; !rc && i < WS_IDX_GROUP && t < x->nterms; i++, t++) {
        uint64_t len;
        if (ws_varint_get(&p, end, &len) || len > (uint64_t)(end - p)) rc = 1;
        else {
            toff[2 * i] = (uint64_t)(p - raw);
            toff[2 * i + 1] = (uint64_t)(p - raw) + len;
            p += len;
        }
    }
    if (!rc && p != end) rc = 1;
    if (rc) {
        ws_free(raw);
        ws_free(toff);
        return ws_error(WS_ECORRUPT, "%s: story postings of terms %u..: bad frame", x->path, g * WS_IDX_GROUP);
    }
    x->gdec[g] = raw;
    x->gtoff[g] = toff;
    return 0;
}

int ws_termidx_rows(ws_termidx *x, uint32_t t, const uint8_t **p, const uint8_t **end)
{
    if (t >= x->nterms) return ws_error(WS_EINVAL, "term index: no term %u", t);
    if (x->roff) {
        *p = x->rows + x->roff[t];
        *end = x->rows + x->roff[t + 1];
        return 1;
    }
    if (!x->img) return 0;
    uint32_t g = t / WS_IDX_GROUP, i = t % WS_IDX_GROUP;
    if (x->version >= 3 && ws_le32_get(x->img + x->img_at + 16 * (size_t)g + 12) >> 31) { /* bits */
        int rc = x->gtoff[g] ? 0 : open_group3(x, g);
        if (!rc && !x->gterm[g][i].p) rc = decode_term3(x, g, i, t);
        if (rc) return rc;
        *p = x->gterm[g][i].p;
        *end = x->gterm[g][i].p + x->gterm[g][i].n;
        return 1;
    }
    if (!x->gdec[g]) {
        int rc = load_group(x, g);
        if (rc) return rc;
    }
    *p = x->gdec[g] + x->gtoff[g][2 * i];
    *end = x->gdec[g] + x->gtoff[g][2 * i + 1];
    return 1;
}

int ws_termidx_entry(const uint8_t **p, const uint8_t *end, uint32_t nrows, uint32_t *rows, uint32_t *k)
{
    uint64_t n, g, last = 0;
    *k = 0;
    if (ws_varint_get(p, end, &n) || n > nrows) return ws_error(WS_ECORRUPT, "term index: bad story count");
    for (uint64_t j = 0; j < n; j++) {
        if (ws_varint_get(p, end, &g) || (j && !g) || last + g >= nrows)
            return ws_error(WS_ECORRUPT, "term index: bad story list");
        last += g;
        rows[j] = (uint32_t)last;
    }
    *k = (uint32_t)n;
    return 0;
}

int ws_termidx_equal(ws_termidx *a, ws_termidx *b)
{
    if (a->nterms != b->nterms || a->nblocks != b->nblocks || a->nsegs != b->nsegs) return 0;
    if (memcmp(a->off, b->off, ((size_t)a->nterms + 1) * sizeof *a->off)) return 0;
    if (memcmp(a->blk, b->blk, (size_t)a->off[a->nterms] * sizeof *a->blk)) return 0;
    if (a->version < 2 || b->version < 2) return 1;
    if (a->nrows_listed != b->nrows_listed) return 0;
    for (uint32_t t = 0; t < a->nterms; t++) {
        const uint8_t *pa, *ea, *pb, *eb;
        int ra = ws_termidx_rows(a, t, &pa, &ea), rb = ra < 0 ? 0 : ws_termidx_rows(b, t, &pb, &eb);
        if (ra < 0) return ra;
        if (rb < 0) return rb;
        if (ea - pa != eb - pb || memcmp(pa, pb, (size_t)(ea - pa))) return 0;
    }
    return 1;
}

uint64_t *ws_termidx_block_firsts(const ws_termidx *x, ws_segment *const *segs, uint32_t nsegs)
{
    uint64_t *bfirst = ws_malloc(((size_t)x->nblocks + 1) * sizeof *bfirst), nrows = 0;
    if (!bfirst) return NULL;
    uint32_t b = 0;
    for (uint32_t i = 0; i < nsegs && i < x->nsegs; i++)
        for (uint32_t k = 0; k < segs[i]->nblocks && b < x->nblocks; k++, b++) {
            bfirst[b] = nrows;
            nrows += segs[i]->blocks[k].nrows;
        }
    for (; b <= x->nblocks; b++) bfirst[b] = nrows;
    return bfirst;
}

int ws_termidx_mark_rows(ws_termidx *x, uint32_t id, const uint64_t *bfirst, uint64_t *acc, ws_buf *tmp)
{
    const uint8_t *p, *e;
    int rc = ws_termidx_rows(x, id, &p, &e);
    if (rc <= 0) return rc;
    for (uint32_t j = x->off[id]; j < x->off[id + 1]; j++) {
        uint32_t b = x->blk[j], nr = (uint32_t)(bfirst[b + 1] - bfirst[b]), k;
        if ((rc = ws_buf_reserve(tmp, ((size_t)nr + 1) * 4))) return rc;
        uint32_t *rows = (uint32_t *)(void *)tmp->p;
        if ((rc = ws_termidx_entry(&p, e, nr, rows, &k))) {
            char why[128];
            snprintf(why, sizeof why, "%s", ws_last_error());
            return ws_error(rc, "%s: term %u, block %u: %s", x->path ? x->path : "term index", id, b, why);
        }
        if (!k)
            for (uint64_t r = bfirst[b]; r < bfirst[b + 1]; r++) acc[r / 64] |= 1ull << (r % 64);
        for (uint32_t i = 0; i < k; i++) {
            uint64_t r = bfirst[b] + rows[i];
            acc[r / 64] |= 1ull << (r % 64);
        }
    }
    if (p != e)
        return ws_error(WS_ECORRUPT, "%s: term %u: story postings longer than its blocks", x->path ? x->path : "term index", id);
    return 0;
}
