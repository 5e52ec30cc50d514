/*
 * TOKIDS2, the token column of format 2.0 (formats/ws_codec.h): round trips
 * on edge and random inputs (empty block, one id, the largest id, all ids
 * the same, ids above 2^24, more than 256 and more than 65535 distinct ids
 * in a block, lengths around the 8-token groups and the 16-byte loads),
 * and rejection of damaged chunks: every truncation, ids at or beyond the
 * dictionary, trailing bytes, and a sweep of single-byte changes, none of
 * which may read out of bounds (the ASan build runs this too) or return an
 * id at or beyond the dictionary. The codes path (ws_tok2_codes) on the
 * same chunks: its codes look up to the same ids, it gives none past
 * 65535 distinct ids, and it accepts exactly the damaged chunks the
 * decoder accepts, with the same ids.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "ws_codec.h"
#include "ws_util.h"

static uint64_t rng = 88172645463325252ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Encode ids, decode into an exactly sized buffer, compare. */
static void round_trip(const uint32_t *ids, uint64_t n, uint32_t dict_terms)
{
    ws_buf b = {0}, dict = {0};
    cr_assert_eq(ws_tok2_encode(ids, n, &b), 0, "%s", ws_last_error());
    uint32_t *out = malloc((n ? n : 1) * sizeof *out);
    cr_assert(out);
    int rc = ws_tok2_decode(b.p, b.n, n, dict_terms, &dict, out);
    cr_assert_eq(rc, 0, "decode of %llu ids: %s", (unsigned long long)n, ws_last_error());
    for (uint64_t i = 0; i < n; i++) cr_assert_eq(out[i], ids[i], "id %llu of %llu", (unsigned long long)i, (unsigned long long)n);
    /* the same as block codes: code -> id table, codes below its size */
    uint16_t *codes = malloc((n ? n : 1) * sizeof *codes);
    cr_assert(codes);
    uint32_t nc = 0;
    cr_assert_eq(ws_tok2_codes(b.p, b.n, n, dict_terms, &dict, codes, &nc), 0, "codes: %s", ws_last_error());
    if (nc) {
        const uint32_t *tab = (const uint32_t *)(const void *)dict.p;
        for (uint64_t i = 0; i < n; i++) {
            cr_assert_lt(codes[i], nc, "code %llu", (unsigned long long)i);
            cr_assert_eq(tab[codes[i]], ids[i], "code %llu of %llu", (unsigned long long)i, (unsigned long long)n);
        }
    } else {
        uint32_t *srt = malloc((n ? n : 1) * sizeof *srt);
        cr_assert(srt);
        if (n) memcpy(srt, ids, n * sizeof *srt);
        qsort(srt, n, sizeof *srt, u32_cmp);
        uint64_t distinct = n ? 1 : 0;
        for (uint64_t i = 1; i < n; i++) distinct += srt[i] != srt[i - 1];
        free(srt);
        cr_assert(distinct > 65535 || n == 0, "no codes for %llu distinct ids", (unsigned long long)distinct);
    }
    free(codes);
    /* a dictionary that does not hold the largest id is refused */
    uint32_t mx = 0;
    for (uint64_t i = 0; i < n; i++) mx = ids[i] > mx ? ids[i] : mx;
    if (n) cr_expect_eq(ws_tok2_decode(b.p, b.n, n, mx, &dict, out), WS_ECORRUPT, "id %u with a dictionary of %u", mx, mx);
    /* the token count is part of the format: one more or one less is refused */
    uint32_t *big = malloc((n + 1) * sizeof *big);
    cr_assert(big);
    cr_expect_eq(ws_tok2_decode(b.p, b.n, n + 1, dict_terms, &dict, big), WS_ECORRUPT, "n + 1 tokens accepted");
    if (n) cr_expect_eq(ws_tok2_decode(b.p, b.n, n - 1, dict_terms, &dict, big), WS_ECORRUPT, "n - 1 tokens accepted");
    free(big);
    free(out);
    ws_buf_free(&b);
    ws_buf_free(&dict);
}

Test(tok2, empty_block)
{
    round_trip(NULL, 0, 1);
    ws_buf b = {0}, dict = {0};
    cr_assert_eq(ws_tok2_encode(NULL, 0, &b), 0);
    cr_expect_eq(b.n, 1, "an empty block is one byte (L = 0)");
    uint32_t out[1];
    cr_expect_eq(ws_tok2_decode(b.p, b.n, 0, 0, &dict, out), 0, "an empty block of an empty dictionary");
    ws_buf_free(&b);
    ws_buf_free(&dict);
}

Test(tok2, one_id_and_the_largest_ids)
{
    uint32_t one = 7;
    round_trip(&one, 1, 8);
    uint32_t top = UINT32_MAX - 1; /* the largest id a dictionary of UINT32_MAX terms holds */
    round_trip(&top, 1, UINT32_MAX);
    uint32_t mix[] = {UINT32_MAX - 1, 0, 1u << 24, (1u << 24) + 1, UINT32_MAX - 1, 5};
    round_trip(mix, 6, UINT32_MAX);
}

Test(tok2, all_the_same)
{
    static uint32_t ids[1000];
    for (int i = 0; i < 1000; i++) ids[i] = 123456789;
    round_trip(ids, 1000, 123456790);
}

Test(tok2, lengths_around_groups_and_loads)
{
    /* 300 distinct ids (two-byte codes), every length from 1 to 80: the
     * fast groups, the byte-by-byte tail and the 16-byte bound meet here */
    static uint32_t ids[80];
    for (uint64_t n = 1; n <= 80; n++) {
        for (uint64_t i = 0; i < n; i++) ids[i] = (uint32_t)((i * 7919u) % 300u) + (1u << 24);
        round_trip(ids, n, (1u << 24) + 300);
    }
}

/* Zipf-like ids over `vocab` terms above `base`. */
static void zipf(uint32_t *ids, uint64_t n, uint32_t vocab, uint32_t base)
{
    for (uint64_t i = 0; i < n; i++) {
        uint32_t r = next_rand() % vocab;
        r = (uint32_t)((uint64_t)r * (next_rand() % vocab) / vocab); /* skew toward small */
        ids[i] = base + r * 2654435761u % vocab;
    }
}

Test(tok2, random_blocks_of_every_code_width)
{
    static uint32_t ids[300000];
    /* up to 256 distinct: one byte, no control stream; then two bytes; then
     * more than 65535 distinct: escapes and exceptions */
    const uint32_t vocab[] = {1, 2, 200, 256, 257, 5000, 65535, 65536, 65537, 120000};
    const uint64_t len[] = {5, 64, 1000, 4096, 10001, 70000, 70000, 100000, 150000, 300000};
    for (int k = 0; k < 10; k++) {
        uint32_t base = k & 1 ? (1u << 24) + 3 : 0;
        zipf(ids, len[k], vocab[k], base);
        if (vocab[k] > 256) /* every term once: vocab[k] distinct ids */
            for (uint32_t v = 0; v < vocab[k] && v < len[k]; v++) ids[v] = base + v;
        round_trip(ids, len[k], (1u << 24) + 3 + vocab[k]);
    }
    /* uniform ids over all of 32 bits */
    for (int i = 0; i < 5000; i++) ids[i] = next_rand() * 65536u + next_rand() % 65536u;
    for (int i = 0; i < 5000; i++) ids[i] = ids[i] == UINT32_MAX ? 0 : ids[i];
    round_trip(ids, 5000, UINT32_MAX);
}

/* Damaged chunks: every truncation, trailing bytes, and single-byte
 * changes; never a crash or an id at or beyond the dictionary. */
static void damage(const uint32_t *ids, uint64_t n, uint32_t dict_terms, size_t step)
{
    ws_buf b = {0}, dict = {0};
    cr_assert_eq(ws_tok2_encode(ids, n, &b), 0);
    uint32_t *out = malloc(n * sizeof *out);
    uint16_t *codes = malloc(n * sizeof *codes);
    cr_assert(out && codes);
    for (size_t cut = 0; cut < b.n; cut = cut + step < b.n || cut == b.n - 1 ? cut + step : b.n - 1) {
        uint8_t *t = malloc(cut ? cut : 1); /* exactly sized: ASan sees any read past it */
        memcpy(t, b.p, cut);
        cr_expect_eq(ws_tok2_decode(t, cut, n, dict_terms, &dict, out), WS_ECORRUPT, "truncated to %zu of %zu", cut, b.n);
        uint32_t nc = 0;
        int rc2 = ws_tok2_codes(t, cut, n, dict_terms, &dict, codes, &nc);
        cr_expect(rc2 == WS_ECORRUPT || (rc2 == 0 && nc == 0), "codes: truncated to %zu of %zu", cut, b.n);
        free(t);
    }
    uint8_t *t = malloc(b.n + 1);
    memcpy(t, b.p, b.n);
    t[b.n] = 0;
    cr_expect_eq(ws_tok2_decode(t, b.n + 1, n, dict_terms, &dict, out), WS_ECORRUPT, "a trailing byte accepted");
    free(t);
    t = malloc(b.n);
    for (size_t i = 0; i < b.n; i += step) {
        for (int x = 1; x < 256; x <<= 1) {
            memcpy(t, b.p, b.n);
            t[i] ^= (uint8_t)x;
            int rc = ws_tok2_decode(t, b.n, n, dict_terms, &dict, out);
            cr_expect(rc == 0 || rc == WS_ECORRUPT, "byte %zu ^ %d: %d", i, x, rc);
            uint32_t nc = 0;
            int rc2 = ws_tok2_codes(t, b.n, n, dict_terms, &dict, codes, &nc);
            if (rc2 || nc) { /* codes given (at most 65535 distinct): the decoder's verdict and ids */
                cr_expect_eq(rc2, rc, "byte %zu ^ %d: codes %d, ids %d", i, x, rc2, rc);
                const uint32_t *tab = (const uint32_t *)(const void *)dict.p;
                for (uint64_t k = 0; rc2 == 0 && k < n; k++) {
                    cr_assert_lt(codes[k], nc, "byte %zu ^ %d: code out of range", i, x);
                    cr_assert_eq(tab[codes[k]], out[k], "byte %zu ^ %d: token %llu", i, x, (unsigned long long)k);
                }
            }
            /* a change the format cannot tell from data (the segment's
             * checksum catches it) still gives ids inside the dictionary */
            for (uint64_t k = 0; rc == 0 && k < n; k++) cr_assert_lt(out[k], dict_terms, "byte %zu ^ %d: id out of range", i, x);
        }
    }
    free(t);
    free(out);
    free(codes);
    ws_buf_free(&b);
    ws_buf_free(&dict);
}

Test(tok2, damaged_chunks_are_refused_or_stay_in_range)
{
    static uint32_t ids[70000];
    zipf(ids, 300, 40, 10);
    damage(ids, 300, 60, 1); /* one byte a code */
    zipf(ids, 2000, 900, 1000);
    damage(ids, 2000, 2000, 1); /* control stream, two-byte codes */
    for (uint32_t i = 0; i < 70000; i++) ids[i] = i * 3 % 70000; /* 70000 distinct: exceptions */
    damage(ids, 70000, 70000, 997);
}
