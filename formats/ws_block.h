/*
 * A decoded block: reads the chunks a caller asks for (a column mask), checks
 * and decodes them, and exposes typed views. One ws_block is a per-thread
 * workspace: its buffers are kept and reused from block to block, so a scan
 * allocates only while buffers still grow.
 */
#ifndef WS_BLOCK_H
#define WS_BLOCK_H

#include "ws_columns.h"
#include "ws_store.h"

#define WS_MAX_TAG_COLUMNS 32
#define WS_COLBIT(c) (1ull << (c))
#define WS_COLS_ALL (~0ull)
/* Not a column index: asks ws_block_load for the dates' UTC offsets (the
 * DATEOFF column of a 1.1 segment; WS_COLS_ALL includes it). */
#define WS_COLBIT_DATEOFF (1ull << 63)
/* Not a column index either: the token column's block-local codes will do
 * (ws_block.codes), for kernels that count per block. A format 2.0 block of
 * at most 65535 distinct ids then comes as codes and a code -> id table,
 * without ids (unless WS_C_TOKIDS is asked for too, or text columns, which
 * need them); any other block comes as ids, as with WS_C_TOKIDS. A kernel
 * asking for it reads b->codes when set, else b->ids (or ws_block_ids). */
#define WS_COLBIT_TOKCODES (1ull << 62)
/* Not a column index: the token metadata's row spans will do (b->meta's
 * tok_off and ntitle; its sent and sent_off NULL), unless WS_C_TOKMETA
 * is asked for too: for kernels that count per row, not per sentence. */
#define WS_COLBIT_TOKSPANS (1ull << 61)

typedef struct ws_block {
    const ws_segment *seg;
    uint32_t index, nrows;
    uint64_t ntokens;
    uint64_t loaded; /* mask of decoded columns */
    ws_strings_view id, title, body;
    int64_t *dates;   /* nrows */
    int32_t *dateoff; /* nrows: minutes east of UTC each date was written in; NULL
                         when not asked for or the segment keeps none (all UTC) */
    uint32_t *source; /* nrows, indices into seg->cols[WS_C_SOURCE].values */
    uint32_t *ids;    /* ntokens; NULL when only codes were decoded */
    /* WS_COLBIT_TOKCODES: the tokens as block-local codes (NULL when the
     * block came as ids): token t is id code_ids[codes[t]], every code <
     * ncodes; codes are frequency-ranked (code 0 the block's most frequent
     * id), so per-code tables are hot at their start. */
    uint16_t *codes;
    const uint32_t *code_ids;
    uint32_t ncodes;
    ws_tokmeta_view meta;
    uint32_t ntags;              /* seg->ncols - WS_C_FIRST_TAG */
    uint32_t *tag_off[WS_MAX_TAG_COLUMNS]; /* nrows + 1 each */
    ws_buf tag_vals[WS_MAX_TAG_COLUMNS];
    /* workspace */
    ws_buf comp, raw[WS_C_FIRST_TAG + WS_MAX_TAG_COLUMNS];
    ws_buf text_title, text_body;
    ws_buf offs_id, offs_title, offs_body, dates_buf, source_buf, ids_buf, tag_off_buf[WS_MAX_TAG_COLUMNS];
    ws_buf dateoff_raw, dateoff_buf;
    ws_buf tok_dict; /* TOKIDS2 (format 2.0): the block's dictionary table */
    ws_buf codes_buf;
    ws_tokmeta_buf meta_buf;
    void *zdctx; /* the workspace's zstd decompression context (ws_fileio.h) */
} ws_block;

/* Load and decode the columns of `mask` (bits WS_COLBIT(column)) of block
 * `index` of s. Title and body are rebuilt from the tokens column and the
 * dictionary d (the store's), so asking for them loads tokens too. Errors
 * name the segment, block and column. */
int ws_block_load(ws_block *b, const ws_dict *d, const ws_segment *s, uint32_t index, uint64_t mask);
/* The same, decoding the token ids of the rows r with rows[r] != 0 only
 * (ws_tok2_decode_rows): the other rows' ids in b->ids are left undefined,
 * for a caller that reads no other row's tokens. Applies to a format 2.0
 * block loaded with WS_C_TOKIDS and WS_C_TOKMETA and without the text
 * columns (which rebuild every row from the ids); otherwise, and with rows
 * NULL, it is ws_block_load. */
int ws_block_load_rows(ws_block *b, const ws_dict *d, const ws_segment *s, uint32_t index, uint64_t mask,
                       const uint8_t *rows);
void ws_block_free(ws_block *b); /* frees the workspace; b may be reused after */

/* The ids of the tokens of a block loaded with WS_C_TOKIDS or
 * WS_COLBIT_TOKCODES: b->ids, or, when the block came as codes only, the
 * ids looked up into scratch (grown as needed). NULL when out of memory.
 * (A shared scan may set b->ids beside b->codes: one lookup for all its
 * kernels; ws_scan_shared.c.) */
const uint32_t *ws_block_ids(const ws_block *b, ws_buf *scratch);

/* Values of row r of tag column t (0-based among tag columns). */
static inline uint32_t ws_block_tags(const ws_block *b, uint32_t t, uint32_t r, const uint32_t **vals)
{
    *vals = (const uint32_t *)(const void *)b->tag_vals[t].p + b->tag_off[t][r];
    return b->tag_off[t][r + 1] - b->tag_off[t][r];
}

#endif
