/*
 * The token column of store format 2.0 (docs/FORMAT.md, "TOKIDS2"): a
 * block-local dictionary of the block's distinct term ids, most frequent
 * first, and the tokens as codes into it, bit-packed in frames of 128 with
 * a width per frame and patched exceptions (PFor). Chosen by measurement
 * (BENCHMARKS.md, "Token column v2"): decoding is a shift, a mask and a
 * lookup in an L1-resident table per id, without a branch per id, and the
 * chunk is stored without zstd when zstd does not make it smaller enough
 * to pay for its own decoding (ws_tok2_prefer_raw).
 */
#ifndef WS_CODEC_H
#define WS_CODEC_H

#include "ws_util.h"

#define WS_TOK2_FRAME 128u

/* Append the TOKIDS2 raw bytes of n ids to out. */
int ws_tok2_encode(const uint32_t *ids, uint64_t n, ws_buf *out);

/* Decode exactly ntokens ids, each < dict_terms, into out. dict is the
 * caller's scratch for the block dictionary (grown as needed). Everything
 * is checked: a damaged chunk is WS_ECORRUPT ("column data: ..."), never
 * an out-of-bounds read or an id at or beyond dict_terms. */
int ws_tok2_decode(const uint8_t *raw, size_t len, uint64_t ntokens, uint32_t dict_terms, ws_buf *dict, uint32_t *out);

/* Whether a TOKIDS2 chunk of raw_size bytes that zstd compresses to
 * comp_size is better stored raw: zstd is kept only where it saves at
 * least an eighth (its decoding costs more than the codec's). */
static inline int ws_tok2_prefer_raw(size_t raw_size, size_t comp_size) { return comp_size + raw_size / 8 > raw_size; }

#endif
