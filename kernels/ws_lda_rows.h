/*
 * SparseLDA's word-topic rows, packed and sorted (the default sampler's
 * word side; ws_lda_sample.c, docs/topics.md).
 *
 * A word's row holds one 32-bit entry per topic the word has in use:
 * count << tb | topic (tb = the bits of the largest topic number), kept in
 * descending order of the entry, so by count, then by topic (larger
 * first). The order is a function of the counts alone (every entry is
 * distinct), so a row updated token by token and a row rebuilt from
 * dense counts are the same bytes: what makes the sampler's state
 * independent of the thread count when shards' changes are merged. Why:
 * the sampler's word bucket reads one small contiguous array per token
 * (instead of a topic list plus a scattered dense row), and the largest
 * terms come first, so the draw, which almost always falls in that
 * bucket, usually stops after an entry or two. A row's capacity is
 * min(K, the word's tokens): no word can have more topics in use.
 *
 * Padding: the sampler gives each row a multiple of WS_LDA_ROW_PAD slots
 * and keeps the slots past the entries in use at the pad value, count 0
 * and topic mask = 2^tb - 1 (it takes tb for K + 1 topics, so that no
 * topic is the mask). A pad adds an exact 0 to the word bucket, so the
 * bucket's loops can run over whole groups of WS_LDA_ROW_PAD slots: a
 * loop count that changes far less often from word to word than the
 * row's length (fewer mispredicted loop exits), same sums. The functions
 * below keep the pad: an entry whose count falls to 0 leaves the pad
 * value in its slot (harmless for an unpadded row: slots past the
 * entries in use are not read).
 *
 * Counts must stay below 2^(32 - tb): ws_lda_rows_fit says whether a
 * corpus fits (the sampler falls back to dense rows when it does not).
 */
#ifndef WS_LDA_ROWS_H
#define WS_LDA_ROWS_H

#include <stdint.h>

#define WS_LDA_ROW_PAD 4u

/* Bits for topic numbers 0..K-1 (at least 1). */
static inline uint32_t ws_lda_topic_bits(uint32_t K)
{
    uint32_t tb = 1;
    while (tb < 32 && (1u << tb) < K) tb++;
    return tb;
}

/* Whether a word of max_count tokens fits the packed count. */
static inline int ws_lda_rows_fit(uint32_t tb, uint64_t max_count)
{
    return tb < 32 && max_count < ((uint64_t)1 << (32 - tb));
}

/* Take one token out of entry i of row e (n entries in use): the entry
 * moves down past larger ones, and leaves the row (n shrinks) when its
 * count reaches 0. Returns where it ended (entries i+1 .. that position
 * moved up by one). */
static inline uint32_t ws_lda_row_dec_at(uint32_t *e, uint32_t *n, uint32_t tb, uint32_t i)
{
    uint32_t v = e[i] - (1u << tb), m = *n;
    while (i + 1 < m && e[i + 1] > v) e[i] = e[i + 1], i++;
    if (v < (1u << tb)) { /* count 0: it is the last entry, its slot a pad */
        *n = m - 1;
        v = (1u << tb) - 1;
    }
    e[i] = v;
    return i;
}

/* Add one token to entry i: it moves up past smaller ones. */
static inline void ws_lda_row_inc_at(uint32_t *e, uint32_t i, uint32_t tb)
{
    uint32_t v = e[i] + (1u << tb);
    while (i > 0 && e[i - 1] < v) e[i] = e[i - 1], i--;
    e[i] = v;
}

/* Move one token from entry i to entry j (j != i) of row e. */
static inline void ws_lda_row_move(uint32_t *e, uint32_t *n, uint32_t tb, uint32_t i, uint32_t j)
{
    uint32_t f = ws_lda_row_dec_at(e, n, tb, i); /* entries i+1 .. f moved up by one */
    ws_lda_row_inc_at(e, j > i && j <= f ? j - 1 : j, tb);
}

/* Add one token of topic k (in the row or not). */
static inline void ws_lda_row_inc(uint32_t *e, uint32_t *n, uint32_t tb, uint32_t k)
{
    const uint32_t mask = (1u << tb) - 1;
    uint32_t i = 0, m = *n;
    while (i < m && (e[i] & mask) != k) i++;
    if (i == m) e[m] = k, *n = m + 1; /* count 0, last: inc_at moves it up */
    ws_lda_row_inc_at(e, i, tb);
}

/* The row of a dense count vector cnt[0..K): returns the entries written. */
static inline uint32_t ws_lda_row_build(uint32_t *e, const uint32_t *cnt, uint32_t K, uint32_t tb)
{
    uint32_t n = 0;
    for (uint32_t k = K; k-- > 0;) /* larger topics first: equal counts need no move */
        if (cnt[k]) {
            uint32_t v = cnt[k] << tb | k, i = n++;
            while (i > 0 && e[i - 1] < v) e[i] = e[i - 1], i--;
            e[i] = v;
        }
    return n;
}

/* Pads slots n .. cap of a row (cap: its slots). */
static inline void ws_lda_row_pad(uint32_t *e, uint32_t n, uint32_t cap, uint32_t tb)
{
    for (uint32_t j = n; j < cap; j++) e[j] = (1u << tb) - 1;
}

#endif
