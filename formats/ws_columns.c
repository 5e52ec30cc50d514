/*
 * Column codecs. Everything is LEB128 varints before zstd: term ids are
 * assigned in order of first appearance, so frequent terms get small ids and
 * most ids of running text take one or two bytes; zstd then removes what
 * redundancy is left. The token id decoder is hand-written because it is the
 * inner loop of every scan (see ws_col_decode_tokids).
 */
#include "ws_columns.h"

#include "ws_date.h"

static int bad(const char *what) { return ws_error(WS_ECORRUPT, "column data: %s", what); }

/* ---- encoders ---- */

int ws_col_encode_strings(const ws_str *v, uint32_t n, ws_buf *out)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) total += v[i].n;
    int rc = ws_buf_reserve(out, (size_t)n * WS_VARINT_MAX + (size_t)total);
    if (rc) return rc;
    for (uint32_t i = 0; i < n; i++) ws_buf_put_varint(out, v[i].n);
    for (uint32_t i = 0; i < n; i++) {
        if (v[i].n) memcpy(out->p + out->n, v[i].p, v[i].n);
        out->n += v[i].n;
    }
    return 0;
}

/* 0 = unknown; otherwise zigzag(date - previous known date) + 1. */
int ws_col_encode_dates(const int64_t *d, uint32_t n, ws_buf *out)
{
    int rc = ws_buf_reserve(out, (size_t)n * WS_VARINT_MAX);
    if (rc) return rc;
    int64_t prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (d[i] == WS_DATE_UNKNOWN) { ws_buf_put_varint(out, 0); continue; }
        ws_buf_put_varint(out, ws_zigzag((int64_t)((uint64_t)d[i] - (uint64_t)prev)) + 1);
        prev = d[i];
    }
    return 0;
}

int ws_col_encode_dateoff(const int32_t *off, uint32_t n, ws_buf *out)
{
    int rc = ws_buf_reserve(out, (size_t)n * WS_VARINT_MAX);
    if (rc) return rc;
    for (uint32_t i = 0; i < n; i++) ws_buf_put_varint(out, ws_zigzag(off[i]));
    return 0;
}

int ws_col_encode_dict(const uint32_t *idx, uint32_t n, ws_buf *out)
{
    int rc = ws_buf_reserve(out, (size_t)n * 5);
    if (rc) return rc;
    for (uint32_t i = 0; i < n; i++) ws_buf_put_varint(out, idx[i]);
    return 0;
}

int ws_col_encode_multi(const uint32_t *count, const uint32_t *idx, uint32_t n, ws_buf *out)
{
    uint64_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        int rc = ws_buf_reserve(out, ((size_t)count[i] + 1) * 5);
        if (rc) return rc;
        ws_buf_put_varint(out, count[i]);
        for (uint32_t j = 0; j < count[i]; j++) ws_buf_put_varint(out, idx[k++]);
    }
    return 0;
}

int ws_col_encode_tokids(const uint32_t *ids, uint64_t n, ws_buf *out)
{
    int rc = ws_buf_reserve(out, (size_t)n * 5);
    if (rc) return rc;
    uint8_t *p = out->p + out->n;
    for (uint64_t i = 0; i < n; i++) p += ws_varint_put(p, ids[i]);
    out->n = (size_t)(p - out->p);
    return 0;
}

int ws_col_encode_tokmeta(const uint32_t *ntok, const uint32_t *ntitle, const uint32_t *sent_off, const uint32_t *sent,
                          uint32_t n, ws_buf *out)
{
    for (uint32_t r = 0; r < n; r++) {
        uint32_t ns = sent_off[r + 1] - sent_off[r];
        int rc = ws_buf_reserve(out, ((size_t)ns + 3) * 5);
        if (rc) return rc;
        ws_buf_put_varint(out, ntok[r]);
        ws_buf_put_varint(out, ntitle[r]);
        ws_buf_put_varint(out, ns);
        /* The first start is always 0 and is not stored; the rest as gaps. */
        for (uint32_t j = 1; j < ns; j++) ws_buf_put_varint(out, sent[sent_off[r] + j] - sent[sent_off[r] + j - 1]);
    }
    return 0;
}

/* ---- decoders ---- */

int ws_col_decode_strings(const uint8_t *raw, size_t len, uint32_t nrows, ws_buf *offs, ws_strings_view *out)
{
    offs->n = 0;
    int rc = ws_buf_reserve(offs, ((size_t)nrows + 1) * sizeof(uint64_t));
    if (rc) return rc;
    uint64_t *off = (uint64_t *)(void *)offs->p;
    const uint8_t *p = raw, *end = raw + len;
    off[0] = 0;
    for (uint32_t i = 0; i < nrows; i++) {
        uint64_t l;
        if (ws_varint_get(&p, end, &l) || l > len) return bad("string length");
        off[i + 1] = off[i] + l;
    }
    if (off[nrows] != (uint64_t)(end - p)) return bad("string lengths do not match the chunk");
    out->n = nrows;
    out->off = off;
    out->data = (const char *)p;
    return 0;
}

int ws_col_decode_dateoff(const uint8_t *raw, size_t len, uint32_t nrows, int32_t *out)
{
    const uint8_t *p = raw, *end = raw + len;
    for (uint32_t i = 0; i < nrows; i++) {
        uint64_t v;
        if (ws_varint_get(&p, end, &v) || v > 2 * WS_DATE_OFF_MAX) return bad("date offset");
        out[i] = (int32_t)(v >> 1) ^ -(int32_t)(v & 1);
    }
    return p == end ? 0 : bad("trailing bytes after date offsets");
}

int ws_col_decode_dates(const uint8_t *raw, size_t len, uint32_t nrows, int64_t *out)
{
    const uint8_t *p = raw, *end = raw + len;
    int64_t prev = 0;
    for (uint32_t i = 0; i < nrows; i++) {
        uint64_t v;
        if (ws_varint_get(&p, end, &v)) return bad("date");
        if (v == 0) { out[i] = WS_DATE_UNKNOWN; continue; }
        prev = (int64_t)((uint64_t)prev + (uint64_t)ws_unzigzag(v - 1));
        if (prev == WS_DATE_UNKNOWN) return bad("date value");
        out[i] = prev;
    }
    return p == end ? 0 : bad("trailing bytes after dates");
}

int ws_col_decode_dict(const uint8_t *raw, size_t len, uint32_t nrows, uint32_t nvalues, uint32_t *out)
{
    const uint8_t *p = raw, *end = raw + len;
    for (uint32_t i = 0; i < nrows; i++) {
        uint64_t v;
        if (ws_varint_get(&p, end, &v) || v >= nvalues) return bad("value index");
        out[i] = (uint32_t)v;
    }
    return p == end ? 0 : bad("trailing bytes after value indices");
}

int ws_col_decode_multi(const uint8_t *raw, size_t len, uint32_t nrows, uint32_t nvalues, uint32_t *off, ws_buf *vals)
{
    const uint8_t *p = raw, *end = raw + len;
    vals->n = 0;
    off[0] = 0;
    for (uint32_t i = 0; i < nrows; i++) {
        uint64_t c;
        if (ws_varint_get(&p, end, &c) || c > (uint64_t)(end - p)) return bad("tag count");
        int rc = ws_buf_reserve(vals, (size_t)c * 4);
        if (rc) return rc;
        uint32_t *dst = (uint32_t *)(void *)(vals->p + vals->n);
        for (uint64_t j = 0; j < c; j++) {
            uint64_t v;
            if (ws_varint_get(&p, end, &v) || v >= nvalues) return bad("tag value index");
            dst[j] = (uint32_t)v;
        }
        vals->n += (size_t)c * 4;
        off[i + 1] = off[i] + (uint32_t)c;
    }
    return p == end ? 0 : bad("trailing bytes after tags");
}

/* Why hand-written: this runs over every token of every scan. Ids below 128
 * (the most frequent terms) take one byte, so the loop tests the high bit
 * first and falls back to a bounded multi-byte path. The slow path checks
 * every bound; the fast path runs only while 5 bytes remain, so it cannot
 * read past the chunk. */
int ws_col_decode_tokids(const uint8_t *raw, size_t len, uint64_t ntokens, uint32_t dict_terms, uint32_t *out)
{
    const uint8_t *p = raw, *end = raw + len;
    const uint8_t *safe = len >= 5 ? end - 5 : raw;
    uint64_t i = 0;
    uint32_t maxid = 0;
    while (i < ntokens && p < safe) {
        uint32_t c = p[0];
        if (WS_LIKELY(c < 0x80)) { out[i++] = c; p++; continue; }
        uint32_t v = c & 0x7f;
        c = p[1]; v |= (c & 0x7f) << 7;
        if (c < 0x80) { p += 2; goto put; }
        c = p[2]; v |= (c & 0x7f) << 14;
        if (c < 0x80) { p += 3; goto put; }
        c = p[3]; v |= (c & 0x7f) << 21;
        if (c < 0x80) { p += 4; goto put; }
        c = p[4];
        if (c > 0x0f) return bad("token id overflows 32 bits");
        v |= c << 28;
        p += 5;
    put:
        maxid = v > maxid ? v : maxid;
        out[i++] = v;
    }
    for (; i < ntokens; i++) {
        uint64_t v;
        if (ws_varint_get(&p, end, &v) || v > UINT32_MAX) return bad("token id");
        maxid = (uint32_t)v > maxid ? (uint32_t)v : maxid;
        out[i] = (uint32_t)v;
    }
    if (p != end) return bad("token ids do not fill the chunk");
    if (ntokens && maxid >= dict_terms) return bad("token id beyond the dictionary");
    /* The one-byte fast path does not track maxid (it would slow the hot
     * loop); one-byte ids are below 128, so only a dictionary of fewer
     * terms needs them checked (fuzzing found a corrupt footer claiming 3). */
    if (dict_terms < 128)
        for (uint64_t k = 0; k < ntokens; k++)
            if (out[k] >= dict_terms) return bad("token id beyond the dictionary");
    return 0;
}

void ws_tokmeta_buf_free(ws_tokmeta_buf *b)
{
    ws_buf_free(&b->tok_off);
    ws_buf_free(&b->ntitle);
    ws_buf_free(&b->sent_off);
    ws_buf_free(&b->sent);
}

int ws_col_decode_tokmeta(const uint8_t *raw, size_t len, uint32_t nrows, uint64_t ntokens, ws_tokmeta_buf *b,
                          ws_tokmeta_view *out)
{
    b->tok_off.n = b->ntitle.n = b->sent_off.n = b->sent.n = 0;
    int rc;
    if ((rc = ws_buf_reserve(&b->tok_off, ((size_t)nrows + 1) * 8)) || (rc = ws_buf_reserve(&b->ntitle, (size_t)nrows * 4)) ||
        (rc = ws_buf_reserve(&b->sent_off, ((size_t)nrows + 1) * 8)))
        return rc;
    uint64_t *tok_off = (uint64_t *)(void *)b->tok_off.p, *sent_off = (uint64_t *)(void *)b->sent_off.p;
    uint32_t *ntitle = (uint32_t *)(void *)b->ntitle.p;
    const uint8_t *p = raw, *end = raw + len;
    tok_off[0] = sent_off[0] = 0;
    for (uint32_t r = 0; r < nrows; r++) {
        uint64_t nt, nti, ns;
        if (ws_varint_get(&p, end, &nt) || ws_varint_get(&p, end, &nti) || ws_varint_get(&p, end, &ns))
            return bad("token metadata");
        if (nt > ntokens - tok_off[r] || nti > nt || ns > nt || (nt > 0) != (ns > 0)) return bad("token counts");
        if ((rc = ws_buf_reserve(&b->sent, (size_t)ns * 4))) return rc;
        uint32_t *s = (uint32_t *)(void *)(b->sent.p + b->sent.n);
        uint64_t pos = 0;
        for (uint64_t j = 0; j < ns; j++) {
            if (j) {
                uint64_t gap;
                if (ws_varint_get(&p, end, &gap) || gap == 0 || gap >= nt - pos) return bad("sentence start");
                pos += gap;
            }
            s[j] = (uint32_t)pos;
        }
        b->sent.n += (size_t)ns * 4;
        tok_off[r + 1] = tok_off[r] + nt;
        ntitle[r] = (uint32_t)nti;
        sent_off[r + 1] = sent_off[r] + ns;
    }
    if (p != end || tok_off[nrows] != ntokens) return bad("token metadata does not match the block");
    out->nrows = nrows;
    out->tok_off = tok_off;
    out->ntitle = ntitle;
    out->sent_off = sent_off;
    out->sent = (const uint32_t *)(void *)b->sent.p;
    return 0;
}

int ws_col_decode_tokspans(const uint8_t *raw, size_t len, uint32_t nrows, uint64_t ntokens, ws_tokmeta_buf *b,
                           ws_tokmeta_view *out)
{
    b->tok_off.n = b->ntitle.n = b->sent_off.n = b->sent.n = 0;
    int rc;
    if ((rc = ws_buf_reserve(&b->tok_off, ((size_t)nrows + 1) * 8)) || (rc = ws_buf_reserve(&b->ntitle, (size_t)nrows * 4)))
        return rc;
    uint64_t *tok_off = (uint64_t *)(void *)b->tok_off.p;
    uint32_t *ntitle = (uint32_t *)(void *)b->ntitle.p;
    const uint8_t *p = raw, *end = raw + len;
    tok_off[0] = 0;
    for (uint32_t r = 0; r < nrows; r++) {
        uint64_t nt, nti, ns;
        if (ws_varint_get(&p, end, &nt) || ws_varint_get(&p, end, &nti) || ws_varint_get(&p, end, &ns))
            return bad("token metadata");
        if (nt > ntokens - tok_off[r] || nti > nt || ns > nt || (nt > 0) != (ns > 0)) return bad("token counts");
        /* past the ns - 1 sentence gaps: each varint ends at a byte below
         * 0x80; 8 bytes at a time while they hold no more ends than left */
        uint64_t k = ns ? ns - 1 : 0;
        while (k && end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            /* the number of bytes below 0x80: their high bits, summed by a multiply */
            unsigned ends = (unsigned)((((~w & 0x8080808080808080ULL) >> 7) * 0x0101010101010101ULL) >> 56);
            if (ends > k || (ends == k && (p[7] & 0x80))) break;
            p += 8;
            k -= ends;
        }
        for (; k; k--) {
            while (p < end && (*p & 0x80)) p++;
            if (p++ >= end) return bad("sentence start");
        }
        tok_off[r + 1] = tok_off[r] + nt;
        ntitle[r] = (uint32_t)nti;
    }
    if (p != end || tok_off[nrows] != ntokens) return bad("token metadata does not match the block");
    out->nrows = nrows;
    out->tok_off = tok_off;
    out->ntitle = ntitle;
    out->sent_off = NULL;
    out->sent = NULL;
    return 0;
}

/* ---- text columns ---- */

int ws_text_encode_raw(ws_str text, ws_buf *out)
{
    int rc = ws_buf_reserve(out, 2 * WS_VARINT_MAX + text.n);
    if (rc) return rc;
    ws_buf_put_varint(out, WS_TEXT_RAW);
    ws_buf_put_varint(out, text.n);
    if (text.n) memcpy(out->p + out->n, text.p, text.n);
    out->n += text.n;
    return 0;
}

static void put_gap(ws_buf *out, const char *p, size_t n)
{
    if (n == 1 && p[0] == ' ') { out->p[out->n++] = 0; return; }
    ws_buf_put_varint(out, (uint64_t)n + 1);
    if (n) memcpy(out->p + out->n, p, n);
    out->n += n;
}

int ws_text_encode_gaps(ws_str text, const uint32_t *spans, size_t ntok, ws_buf *out)
{
    size_t gapbytes = text.n; /* upper bound on the bytes of all gaps */
    int rc = ws_buf_reserve(out, WS_VARINT_MAX * (ntok + 2) + gapbytes);
    if (rc) return rc;
    ws_buf_put_varint(out, WS_TEXT_GAPS);
    size_t prev = 0;
    for (size_t i = 0; i < ntok; i++) {
        put_gap(out, text.p + prev, spans[2 * i] - prev);
        prev = (size_t)spans[2 * i] + spans[2 * i + 1];
    }
    put_gap(out, text.p + prev, text.n - prev);
    return 0;
}

int ws_col_decode_text(const uint8_t *raw, size_t len, uint32_t nrows, const ws_text_ctx *ctx, ws_buf *text, ws_buf *offs,
                       ws_strings_view *out)
{
    offs->n = 0;
    text->n = 0;
    int rc = ws_buf_reserve(offs, ((size_t)nrows + 1) * sizeof(uint64_t));
    if (rc) return rc;
    const uint8_t *p = raw, *end = raw + len;
    ((uint64_t *)(void *)offs->p)[0] = 0;
    for (uint32_t r = 0; r < nrows; r++) {
        uint64_t mode, n;
        if (ws_varint_get(&p, end, &mode) || mode > WS_TEXT_GAPS) return bad("text mode");
        if (mode == WS_TEXT_RAW) {
            if (ws_varint_get(&p, end, &n) || n > (uint64_t)(end - p)) return bad("text length");
            if ((rc = ws_buf_append(text, p, (size_t)n))) return rc;
            p += n;
        } else {
            const ws_tokmeta_view *m = ctx->meta;
            uint64_t lo = m->tok_off[r], hi = m->tok_off[r + 1];
            if (ctx->body) lo += m->ntitle[r];
            else hi = lo + m->ntitle[r];
            for (uint64_t t = lo;; t++) {
                uint64_t code;
                if (ws_varint_get(&p, end, &code)) return bad("text gap");
                if (code == 0) rc = ws_buf_append(text, " ", 1);
                else if (code > 1) {
                    if (code - 1 > (uint64_t)(end - p)) return bad("text gap length");
                    rc = ws_buf_append(text, p, (size_t)(code - 1));
                    p += code - 1;
                }
                if (rc) return rc;
                if (t == hi) break;
                uint32_t id = ctx->ids[t];
                if (id >= ctx->nterms) return bad("text term id");
                if ((rc = ws_buf_append(text, ctx->term_text + ctx->term_off[id], (size_t)(ctx->term_off[id + 1] - ctx->term_off[id]))))
                    return rc;
            }
        }
        ((uint64_t *)(void *)offs->p)[r + 1] = text->n;
    }
    if (p != end) return bad("trailing bytes after text");
    out->n = nrows;
    out->off = (const uint64_t *)(void *)offs->p;
    out->data = (const char *)text->p;
    return 0;
}
