/*
 * Column codecs of store format v1 (docs/FORMAT.md, "Column encodings").
 * Encoders append the raw (pre-zstd) bytes of one block's column to a
 * buffer; decoders validate every count and index against the block's row
 * and token counts, so a chunk that passed its checksum but was written
 * wrong (or crafted) is reported as corrupt instead of being trusted.
 *
 * Decoded views point into the raw chunk buffer or into the caller's
 * ws_buf-backed arrays: borrowed, valid until those buffers change.
 */
#ifndef WS_COLUMNS_H
#define WS_COLUMNS_H

#include "ws_util.h"

/* ---- encoders ---- */
int ws_col_encode_strings(const ws_str *v, uint32_t n, ws_buf *out);
int ws_col_encode_dates(const int64_t *d, uint32_t n, ws_buf *out);
int ws_col_encode_dict(const uint32_t *idx, uint32_t n, ws_buf *out);
/* Row r has count[r] indices, taken in order from idx. */
int ws_col_encode_multi(const uint32_t *count, const uint32_t *idx, uint32_t n, ws_buf *out);
int ws_col_encode_tokids(const uint32_t *ids, uint64_t n, ws_buf *out);
/* DATEOFF (format 1.1): per row zigzag(minutes east of UTC), each within
 * +-WS_DATE_OFF_MAX (ws_date.h). */
int ws_col_encode_dateoff(const int32_t *off, uint32_t n, ws_buf *out);
/* Row r: ntok[r] tokens, the first ntitle[r] from the title; its sentence
 * starts are sent[sent_off[r] .. sent_off[r+1]) (token indices within the
 * row, strictly increasing, the first 0). */
int ws_col_encode_tokmeta(const uint32_t *ntok, const uint32_t *ntitle, const uint32_t *sent_off, const uint32_t *sent,
                          uint32_t n, ws_buf *out);

/* ---- decoders ---- */
typedef struct ws_strings_view {
    uint32_t n;
    const uint64_t *off; /* n + 1 offsets into data */
    const char *data;
} ws_strings_view;
static inline ws_str ws_strings_get(const ws_strings_view *v, uint32_t i)
{
    return ws_str_make(v->data + v->off[i], (size_t)(v->off[i + 1] - v->off[i]));
}
/* offs is scratch owned by the caller (grown as needed). */
int ws_col_decode_strings(const uint8_t *raw, size_t len, uint32_t nrows, ws_buf *offs, ws_strings_view *out);
int ws_col_decode_dates(const uint8_t *raw, size_t len, uint32_t nrows, int64_t *out);
int ws_col_decode_dateoff(const uint8_t *raw, size_t len, uint32_t nrows, int32_t *out);
int ws_col_decode_dict(const uint8_t *raw, size_t len, uint32_t nrows, uint32_t nvalues, uint32_t *out);
/* off: nrows + 1 entries; vals grown to hold every index. */
int ws_col_decode_multi(const uint8_t *raw, size_t len, uint32_t nrows, uint32_t nvalues, uint32_t *off, ws_buf *vals);
/* Decodes exactly ntokens ids, each < dict_terms, into out. This is the
 * loop every scan runs: see the comment in ws_columns.c. */
int ws_col_decode_tokids(const uint8_t *raw, size_t len, uint64_t ntokens, uint32_t dict_terms, uint32_t *out);

/* Text columns (title, body). A row is either
 *   0, length, bytes                       raw text, or
 *   1, gap_0, ..., gap_k                   the text rebuilt as
 *                                          gap_0 term_0 gap_1 ... term_{k-1} gap_k
 * where term_i are the field's tokens (ids from the tokens column, strings
 * from the dictionary) and each gap is coded 0 = " ", 1 = "", or n+1
 * followed by its n bytes (n >= 1). Ingest uses the second form whenever it reproduces
 * the text exactly (the text is its own NFKC form and no token was cut),
 * so the words are stored once, as term ids, instead of twice. */
enum { WS_TEXT_RAW = 0, WS_TEXT_GAPS = 1 };
/* Append one field's row to out: gap form when tokens cover text exactly. */
int ws_text_encode_raw(ws_str text, ws_buf *out);
/* spans: ntok (off, len) pairs into text, increasing and non-overlapping. */
int ws_text_encode_gaps(ws_str text, const uint32_t *spans, size_t ntok, ws_buf *out);

typedef struct ws_tokmeta_view ws_tokmeta_view;
typedef struct ws_text_ctx {
    const ws_tokmeta_view *meta;
    const uint32_t *ids;
    const uint64_t *term_off; /* dictionary: term id -> offsets into term_text */
    const char *term_text;
    uint32_t nterms;
    int body; /* 0: the title's tokens, 1: the body's */
} ws_text_ctx;
/* Decode a text chunk into text (the concatenated rows) and offs. */
int ws_col_decode_text(const uint8_t *raw, size_t len, uint32_t nrows, const ws_text_ctx *ctx, ws_buf *text, ws_buf *offs,
                       ws_strings_view *out);

typedef struct ws_tokmeta_view {
    uint32_t nrows;
    const uint64_t *tok_off;  /* nrows + 1: row r's ids are ids[tok_off[r] .. tok_off[r+1]) */
    const uint32_t *ntitle;   /* nrows */
    const uint64_t *sent_off; /* nrows + 1 into sent */
    const uint32_t *sent;     /* sentence starts, relative to the row */
} ws_tokmeta_view;
typedef struct ws_tokmeta_buf {
    ws_buf tok_off, ntitle, sent_off, sent;
} ws_tokmeta_buf;
void ws_tokmeta_buf_free(ws_tokmeta_buf *b);
int ws_col_decode_tokmeta(const uint8_t *raw, size_t len, uint32_t nrows, uint64_t ntokens, ws_tokmeta_buf *buf,
                          ws_tokmeta_view *out);
/* The same without the sentence starts (out->sent and sent_off NULL; the
 * gaps are stepped over, not checked): what counting per row needs. */
int ws_col_decode_tokspans(const uint8_t *raw, size_t len, uint32_t nrows, uint64_t ntokens, ws_tokmeta_buf *buf,
                           ws_tokmeta_view *out);

#endif
