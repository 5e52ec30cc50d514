/*
 * The token column of store format 2.0 (docs/FORMAT.md, "Format 2.0: the
 * token column TOKIDS2"): per block, a dictionary of the block's distinct
 * term ids, most frequent first, and the tokens as one- or two-byte codes
 * into it, with the lengths in a control stream apart. Chosen by
 * measurement (BENCHMARKS.md, "Token column v2"): decoding is a byte
 * shuffle per 8 codes and a table lookup per id, without a branch per id,
 * and the bytes stay aligned so that zstd on top (as for every chunk)
 * keeps the column no larger than format 1's varints.
 */
#ifndef WS_CODEC_H
#define WS_CODEC_H

#include "ws_util.h"

/* Append the TOKIDS2 raw bytes of a block's n ids to out. */
int ws_tok2_encode(const uint32_t *ids, uint64_t n, ws_buf *out);

/* Decode exactly ntokens ids, each < dict_terms, into out. dict is the
 * caller's scratch for the block dictionary (grown as needed). Everything
 * is checked: a damaged chunk is WS_ECORRUPT ("column data: ..."), never
 * an out-of-bounds read or an id at or beyond dict_terms. */
int ws_tok2_decode(const uint8_t *raw, size_t len, uint64_t ntokens, uint32_t dict_terms, ws_buf *dict, uint32_t *out);

/* The block's codes instead of its ids, for kernels that count per block
 * (a fast path: counting block-local, frequency-ranked codes touches a
 * small, mostly L1-resident table, where ids index the whole vocabulary).
 * dict gets the code -> id table (its first *ncodes entries), codes the
 * ntokens codes, each < *ncodes. Checked as ws_tok2_decode checks. When
 * the block has more than 65535 distinct ids (codes past 16 bits),
 * *ncodes is 0 and nothing is decoded: call ws_tok2_decode. */
int ws_tok2_codes(const uint8_t *raw, size_t len, uint64_t ntokens, uint32_t dict_terms, ws_buf *dict,
                  uint16_t *codes, uint32_t *ncodes);

/* Decode the ids of the rows r < nrows with want[r] != 0 only: row r's
 * tokens are [tok_off[r], tok_off[r+1]) (tok_off[nrows] = ntokens, as the
 * block's TOKMETA gives them), written at their places in out (ntokens
 * entries); every other place of out is left as it was. A token's code
 * starts at byte t + (the set control bits before t), so the codes of the
 * rows before are counted, not expanded. raw holds the first `have` of the
 * chunk's len bytes (have = len: all of it; less: at least what
 * ws_tok2_rows_need asks for). The dictionary, the layout and the codes
 * read are checked as ws_tok2_decode checks them (every id written is <
 * dict_terms; a prefix too short is refused); the codes of rows not asked
 * for are not read, which the chunk's checksum covers. */
int ws_tok2_decode_rows(const uint8_t *raw, size_t len, size_t have, uint64_t ntokens, uint32_t dict_terms, ws_buf *dict,
                        const uint64_t *tok_off, uint32_t nrows, const uint8_t *want, uint32_t *out);
/* How many of a TOKIDS2 chunk's first bytes ws_tok2_decode_rows reads for
 * the wanted rows, judged from its first `have` bytes: 0 when they are too
 * few to tell, SIZE_MAX when it needs the whole chunk (more than 65535
 * distinct ids: the exceptions come last). */
size_t ws_tok2_rows_need(const uint8_t *raw, size_t have, uint64_t ntokens, const uint64_t *tok_off, uint32_t nrows,
                         const uint8_t *want);

#endif
