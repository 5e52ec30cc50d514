/*
 * Block loading: chunk read + checksum + zstd (ws_store.c), then the column
 * decoders (ws_columns.c), with errors annotated with segment/block/column.
 */
#include "ws_block.h"

#include "ws_codec.h"
#include "ws_fileio.h"

#include <stdio.h>

static int annotate(int rc, const ws_segment *s, uint32_t block, uint32_t col)
{
    if (rc == WS_ECORRUPT && strstr(ws_last_error(), "column data:") == ws_last_error()) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", ws_last_error());
        return ws_error(rc, "%s: block %u column %s: %s", s->path, block, s->cols[col].name, msg + 13);
    }
    return rc;
}

static void *grow(ws_buf *b, size_t bytes, int *rc)
{
    b->n = 0;
    if ((*rc = ws_buf_reserve(b, bytes ? bytes : 1))) return NULL;
    return b->p;
}

/* Tokens first: the text columns are rebuilt from them. */
static uint32_t column_order(uint32_t i)
{
    static const uint32_t order[WS_C_FIRST_TAG] = {WS_C_TOKIDS, WS_C_TOKMETA, WS_C_ID, WS_C_DATE, WS_C_SOURCE, WS_C_TITLE, WS_C_BODY};
    return i < WS_C_FIRST_TAG ? order[i] : i;
}

typedef struct rows_need_ctx {
    uint64_t ntokens;
    const uint64_t *tok_off;
    uint32_t nrows;
    const uint8_t *rows;
} rows_need_ctx;

static size_t rows_need(void *ctx, const uint8_t *raw, size_t have)
{
    const rows_need_ctx *c = ctx;
    return ws_tok2_rows_need(raw, have, c->ntokens, c->tok_off, c->nrows, c->rows);
}

/* Decompressing a prefix (streaming) costs more per byte than the whole
 * frame at once: worth it when the last wanted row ends before the last
 * quarter of the block's tokens (measured: BENCHMARKS.md, issue 17). */
static int prefix_pays(const rows_need_ctx *c)
{
    uint32_t r = c->nrows;
    while (r > 0 && !c->rows[r - 1]) r--;
    return c->tok_off[r] * 4 < c->ntokens * 3;
}

int ws_block_load(ws_block *b, const ws_dict *d, const ws_segment *s, uint32_t index, uint64_t mask)
{
    return ws_block_load_rows(b, d, s, index, mask, NULL);
}

int ws_block_load_rows(ws_block *b, const ws_dict *d, const ws_segment *s, uint32_t index, uint64_t mask,
                       const uint8_t *rows)
{
    if (index >= s->nblocks) return ws_error(WS_EINVAL, "%s: no block %u", s->path, index);
    const ws_block_meta *m = &s->blocks[index];
    b->seg = s;
    b->index = index;
    b->nrows = m->nrows;
    b->ntokens = m->ntokens;
    b->loaded = 0;
    b->dateoff = NULL;
    b->ntags = s->ncols - WS_C_FIRST_TAG;
    if (b->ntags > WS_MAX_TAG_COLUMNS) return ws_error(WS_ECORRUPT, "%s: too many tag columns", s->path);
    int rc = 0;
    if (mask & (WS_COLBIT(WS_C_TITLE) | WS_COLBIT(WS_C_BODY))) mask |= WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA);
    /* the row spans only, when nothing needs the sentence starts */
    int spans_only = (mask & WS_COLBIT_TOKSPANS) && !(mask & WS_COLBIT(WS_C_TOKMETA));
    if (mask & WS_COLBIT_TOKSPANS) mask |= WS_COLBIT(WS_C_TOKMETA);
    /* codes only when nothing needs the ids; else the ids serve both */
    int codes_only = (mask & WS_COLBIT_TOKCODES) && !(mask & WS_COLBIT(WS_C_TOKIDS));
    if (mask & WS_COLBIT_TOKCODES) mask |= WS_COLBIT(WS_C_TOKIDS);
    /* Only some rows' ids: a 2.0 token column, and nothing that rebuilds
     * every row's text; the row offsets (TOKMETA) are decoded first. */
    if (rows && (codes_only || !(mask & WS_COLBIT(WS_C_TOKMETA)) || !(mask & WS_COLBIT(WS_C_TOKIDS)) ||
                 (mask & (WS_COLBIT(WS_C_TITLE) | WS_COLBIT(WS_C_BODY))) || s->cols[WS_C_TOKIDS].type != WS_COL_TOKIDS2))
        rows = NULL;
    ws_text_ctx tctx = {&b->meta, NULL, d->off, d->text, d->nterms, 0};
    for (uint32_t i = 0; i < s->ncols && i < 64; i++) {
        uint32_t c = column_order(i);
        if (rows && i < 2) c = i ? WS_C_TOKIDS : WS_C_TOKMETA;
        if (!(mask & WS_COLBIT(c))) continue;
        ws_buf *raw = &b->raw[c];
        rows_need_ctx rn = {m->ntokens, b->meta.tok_off, m->nrows, rows};
        if (rows && c == WS_C_TOKIDS && prefix_pays(&rn)) /* the codes up to the last wanted row's end */
            rc = ws_segment_read_chunk_prefix(s, index, c, &b->comp, raw, rows_need, &rn);
        else rc = ws_segment_read_chunk_with(s, index, c, &b->comp, raw, &b->zdctx);
        if (rc) return rc;
        const uint8_t *p = raw->p;
        size_t n = raw->n;
        switch (c) {
        case WS_C_ID: rc = ws_col_decode_strings(p, n, m->nrows, &b->offs_id, &b->id); break;
        case WS_C_TITLE:
        case WS_C_BODY:
            tctx.ids = b->ids;
            tctx.body = c == WS_C_BODY;
            rc = c == WS_C_BODY ? ws_col_decode_text(p, n, m->nrows, &tctx, &b->text_body, &b->offs_body, &b->body)
                                : ws_col_decode_text(p, n, m->nrows, &tctx, &b->text_title, &b->offs_title, &b->title);
            break;
        case WS_C_DATE:
            if ((b->dates = grow(&b->dates_buf, (size_t)m->nrows * 8, &rc))) rc = ws_col_decode_dates(p, n, m->nrows, b->dates);
            break;
        case WS_C_SOURCE:
            if ((b->source = grow(&b->source_buf, (size_t)m->nrows * 4, &rc)))
                rc = ws_col_decode_dict(p, n, m->nrows, s->cols[WS_C_SOURCE].nvalues, b->source);
            break;
        case WS_C_TOKIDS:
            b->codes = NULL;
            b->code_ids = NULL;
            b->ncodes = 0;
            if (codes_only && s->cols[c].type == WS_COL_TOKIDS2) {
                b->ids = NULL;
                if (!(b->codes = grow(&b->codes_buf, (size_t)m->ntokens * 2, &rc))) break;
                rc = ws_tok2_codes(p, n, m->ntokens, s->dict_terms, &b->tok_dict, b->codes, &b->ncodes);
                if (rc || b->ncodes) {
                    b->code_ids = (const uint32_t *)(const void *)b->tok_dict.p;
                    break;
                }
                b->codes = NULL; /* more than 65535 distinct ids: as ids */
            }
            /* format 2.0 segments: TOKIDS2 (ws_codec.h); 1.x: varints */
            if (rows && (b->ids = grow(&b->ids_buf, (size_t)m->ntokens * 4, &rc)))
                rc = ws_tok2_decode_rows(p, (size_t)m->chunks[c].raw_size, n, m->ntokens, s->dict_terms, &b->tok_dict,
                                         b->meta.tok_off, m->nrows, rows, b->ids);
            else if ((b->ids = grow(&b->ids_buf, (size_t)m->ntokens * 4, &rc)))
                rc = s->cols[c].type == WS_COL_TOKIDS2 ? ws_tok2_decode(p, n, m->ntokens, s->dict_terms, &b->tok_dict, b->ids)
                                                       : ws_col_decode_tokids(p, n, m->ntokens, s->dict_terms, b->ids);
            break;
        case WS_C_TOKMETA:
            rc = spans_only ? ws_col_decode_tokspans(p, n, m->nrows, m->ntokens, &b->meta_buf, &b->meta)
                            : ws_col_decode_tokmeta(p, n, m->nrows, m->ntokens, &b->meta_buf, &b->meta);
            break;
        default: {
            uint32_t t = c - WS_C_FIRST_TAG;
            if ((b->tag_off[t] = grow(&b->tag_off_buf[t], ((size_t)m->nrows + 1) * 4, &rc)))
                rc = ws_col_decode_multi(p, n, m->nrows, s->cols[c].nvalues, b->tag_off[t], &b->tag_vals[t]);
        }
        }
        if (rc) return annotate(rc, s, index, c);
        b->loaded |= WS_COLBIT(c);
    }
    if ((mask & WS_COLBIT_DATEOFF) && s->dateoff_col >= 0) {
        uint32_t c = (uint32_t)s->dateoff_col;
        if ((rc = ws_segment_read_chunk_with(s, index, c, &b->comp, &b->dateoff_raw, &b->zdctx))) return rc;
        int32_t *off = grow(&b->dateoff_buf, (size_t)m->nrows * 4, &rc);
        if (off) rc = ws_col_decode_dateoff(b->dateoff_raw.p, b->dateoff_raw.n, m->nrows, off);
        if (rc) return annotate(rc, s, index, c);
        b->dateoff = off;
        b->loaded |= WS_COLBIT_DATEOFF;
    }
    return 0;
}

const uint32_t *ws_block_ids(const ws_block *b, ws_buf *scratch)
{
    if (!b->codes || b->ids) return b->ids; /* ids beside the codes: a shared scan looked them up */
    if (ws_buf_reserve(scratch, (size_t)b->ntokens * 4 + 4)) return NULL;
    uint32_t *ids = (uint32_t *)(void *)scratch->p;
    for (uint64_t t = 0; t < b->ntokens; t++) ids[t] = b->code_ids[b->codes[t]];
    return ids;
}

void ws_block_free(ws_block *b)
{
    ws_buf_free(&b->comp);
    for (size_t i = 0; i < sizeof b->raw / sizeof b->raw[0]; i++) ws_buf_free(&b->raw[i]);
    ws_buf_free(&b->text_title);
    ws_buf_free(&b->text_body);
    ws_buf_free(&b->offs_id);
    ws_buf_free(&b->offs_title);
    ws_buf_free(&b->offs_body);
    ws_buf_free(&b->dates_buf);
    ws_buf_free(&b->source_buf);
    ws_buf_free(&b->ids_buf);
    ws_buf_free(&b->tok_dict);
    ws_buf_free(&b->codes_buf);
    ws_buf_free(&b->dateoff_raw);
    ws_buf_free(&b->dateoff_buf);
    for (int t = 0; t < WS_MAX_TAG_COLUMNS; t++) {
        ws_buf_free(&b->tag_vals[t]);
        ws_buf_free(&b->tag_off_buf[t]);
    }
    ws_tokmeta_buf_free(&b->meta_buf);
    ws_zstd_dctx_free(b->zdctx);
    memset(b, 0, sizeof *b);
}
