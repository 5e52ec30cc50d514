/*
 * ws_tok2_decode_rows (the row-range decode of TOKIDS2 that the story
 * postings' fast path uses) against the full ws_tok2_decode: random blocks
 * of every code width (at most 256 distinct ids: one byte a code; more:
 * two-byte codes and a control stream; more than 65535: escapes with
 * exceptions), cut into rows of random lengths (empty rows, rows that
 * start and end inside a group of 8 codes, one row of the whole block),
 * and random sets of wanted rows (none, a few, half, all). Checked: every
 * wanted token gets exactly the full decode's id and every other place
 * keeps what was there; row offsets that do not cover the block and
 * damaged chunks are refused (WS_ECORRUPT) or decode in range, never read
 * out of bounds (the ASan build runs this too).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ws_codec.h"

#define SENTINEL 0xDEADBEEFu

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Zipf-like ids over vocab terms: a few frequent (one-byte codes), many rare. */
static void zipf(uint32_t *ids, uint64_t n, uint32_t vocab)
{
    for (uint64_t i = 0; i < n; i++) {
        uint32_t r = rnd() % vocab;
        r = (uint32_t)((uint64_t)r * (rnd() % vocab) / vocab);
        ids[i] = (uint32_t)((uint64_t)r * 2654435761u % vocab);
    }
}

/* Rows of random lengths (0 to maxlen tokens) covering n tokens. */
static uint32_t cut_rows(uint64_t n, uint32_t maxlen, uint64_t *off, uint32_t cap)
{
    uint32_t r = 0;
    off[0] = 0;
    while (off[r] < n && r + 1 < cap) {
        uint64_t l = rnd() % (maxlen + 1);
        if (off[r] + l > n) l = n - off[r];
        off[r + 1] = off[r] + l;
        r++;
    }
    if (off[r] < n) off[r] = n; /* the last row takes the rest */
    return r;
}

static void check_block(const uint32_t *ids, uint64_t n, uint32_t dict_terms, uint32_t maxlen)
{
    ws_buf enc = {0}, dict = {0};
    cr_assert_eq(ws_tok2_encode(ids, n, &enc), 0);
    uint32_t *full = malloc((n + 1) * 4), *part = malloc((n + 1) * 4);
    uint64_t *off = malloc((n + 2) * 8);
    uint8_t *want = malloc(n + 2);
    cr_assert(full && part && off && want);
    cr_assert_eq(ws_tok2_decode(enc.p, enc.n, n, dict_terms, &dict, full), 0);
    uint32_t nrows = cut_rows(n, maxlen, off, (uint32_t)n + 2);
    const int odds[] = {0, 5, 50, 100}; /* percent of rows wanted */
    for (int k = 0; k < 4; k++) {
        for (uint32_t r = 0; r < nrows; r++) want[r] = (uint8_t)(rnd() % 100 < (uint32_t)odds[k]);
        for (uint64_t t = 0; t < n; t++) part[t] = SENTINEL;
        int rc = ws_tok2_decode_rows(enc.p, enc.n, enc.n, n, dict_terms, &dict, off, nrows, want, part);
        cr_assert_eq(rc, 0, "n=%llu rows=%u odds=%d: %s", (unsigned long long)n, nrows, odds[k], ws_last_error());
        for (uint32_t r = 0; r < nrows; r++)
            for (uint64_t t = off[r]; t < off[r + 1]; t++) {
                if (want[r]) cr_assert_eq(part[t], full[t], "row %u token %llu", r, (unsigned long long)t);
                else cr_assert_eq(part[t], SENTINEL, "row %u token %llu not wanted but written", r, (unsigned long long)t);
            }
        /* From a prefix: what ws_tok2_rows_need asks for, judged from
         * growing prefixes as the reader does, copied to a buffer of
         * exactly that size (ASan checks no byte past it is read). */
        size_t need = 0;
        for (size_t have = 1; have <= enc.n && !need; have = have * 2 > enc.n && have < enc.n ? enc.n : have * 2)
            need = ws_tok2_rows_need(enc.p, have, n, off, nrows, want);
        cr_assert(need, "no need known from the whole chunk");
        if (need > enc.n) need = enc.n; /* SIZE_MAX: all of it */
        uint8_t *pre = malloc(need + 1);
        memcpy(pre, enc.p, need);
        for (uint64_t t = 0; t < n; t++) part[t] = SENTINEL;
        rc = ws_tok2_decode_rows(pre, enc.n, need, n, dict_terms, &dict, off, nrows, want, part);
        cr_assert_eq(rc, 0, "prefix of %zu of %zu bytes: %s", need, enc.n, ws_last_error());
        for (uint32_t r = 0; r < nrows; r++)
            for (uint64_t t = off[r]; t < off[r + 1]; t++)
                cr_assert_eq(part[t], want[r] ? full[t] : SENTINEL, "prefix: row %u token %llu", r, (unsigned long long)t);
        if (need > 1 && need < enc.n) /* one byte less is refused */
            cr_expect_eq(ws_tok2_decode_rows(pre, enc.n, need - 1, n, dict_terms, &dict, off, nrows, want, part), WS_ECORRUPT,
                         "a prefix one byte short of the need");
        free(pre);
    }
    /* offsets that do not end at the block's end are refused */
    if (n && nrows) {
        for (uint32_t r = 0; r < nrows; r++) want[r] = 1;
        uint64_t last = off[nrows];
        off[nrows] = n - 1;
        cr_expect_eq(ws_tok2_decode_rows(enc.p, enc.n, enc.n, n, dict_terms, &dict, off, nrows, want, part), WS_ECORRUPT);
        off[nrows] = last;
    }
    free(full);
    free(part);
    free(off);
    free(want);
    ws_buf_free(&enc);
    ws_buf_free(&dict);
}

Test(tok2rows, every_code_width_against_the_full_decode)
{
    static uint32_t ids[300000];
    /* distinct ids: <= 256 (one byte), 257.. (two bytes, control stream),
     * > 65535 (escapes and exceptions) */
    const uint32_t vocab[] = {1, 200, 256, 257, 5000, 65536, 120000, 250000};
    const uint64_t len[] = {40, 1000, 4096, 5000, 70000, 150000, 300000, 300000};
    const uint32_t maxlen[] = {3, 17, 300, 9, 200, 1000, 600, 70000};
    for (int k = 0; k < 8; k++) {
        zipf(ids, len[k], vocab[k]);
        check_block(ids, len[k], vocab[k] + 1, maxlen[k]);
    }
}

Test(tok2rows, more_than_65535_distinct_ids_with_escapes_in_wanted_rows)
{
    /* 70000 distinct ids, each twice: codes 65535.. are escapes, spread
     * over every row */
    static uint32_t ids[140000];
    for (uint32_t i = 0; i < 140000; i++) ids[i] = (uint32_t)((uint64_t)(i % 70000) * 7 % 70000);
    check_block(ids, 140000, 70000, 50);
    check_block(ids, 140000, 70000, 7);
}

Test(tok2rows, empty_block_and_empty_rows)
{
    ws_buf enc = {0}, dict = {0};
    cr_assert_eq(ws_tok2_encode(NULL, 0, &enc), 0);
    uint64_t off[3] = {0, 0, 0};
    uint8_t want[2] = {1, 1};
    uint32_t out[1] = {SENTINEL};
    cr_expect_eq(ws_tok2_decode_rows(enc.p, enc.n, enc.n, 0, 0, &dict, off, 2, want, out), 0);
    cr_expect_eq(out[0], SENTINEL);
    ws_buf_free(&enc);
    ws_buf_free(&dict);
}

/* Flip bytes and cut the chunk: a result is either WS_ECORRUPT or ids in
 * range; ASan watches the reads. */
static void damage(const uint32_t *ids, uint64_t n, uint32_t dict_terms, uint32_t maxlen)
{
    ws_buf enc = {0}, dict = {0};
    cr_assert_eq(ws_tok2_encode(ids, n, &enc), 0);
    uint32_t *out = malloc((n + 1) * 4);
    uint64_t *off = malloc((n + 2) * 8);
    uint8_t *want = malloc(n + 2), *bad = malloc(enc.n + 1);
    cr_assert(out && off && want && bad);
    uint32_t nrows = cut_rows(n, maxlen, off, (uint32_t)n + 2);
    for (uint32_t r = 0; r < nrows; r++) want[r] = (uint8_t)(rnd() % 2);
    for (int trial = 0; trial < 300; trial++) {
        memcpy(bad, enc.p, enc.n);
        size_t len = enc.n;
        if (trial % 3 == 0) len = rnd() % enc.n; /* truncated */
        else bad[rnd() % enc.n] ^= (uint8_t)(1u + rnd() % 255);
        uint8_t *cut = malloc(len + 1); /* exactly len bytes readable (ASan) */
        memcpy(cut, bad, len);
        for (uint64_t t = 0; t < n; t++) out[t] = 0;
        int rc = ws_tok2_decode_rows(cut, trial % 3 == 0 ? enc.n : len, len, n, dict_terms, &dict, off, nrows, want, out);
        cr_assert(rc == 0 || rc == WS_ECORRUPT, "trial %d: rc %d", trial, rc);
        for (uint64_t t = 0; rc == 0 && t < n; t++) cr_assert_lt(out[t], dict_terms, "trial %d: id out of range", trial);
        free(cut);
    }
    free(out);
    free(off);
    free(want);
    free(bad);
    ws_buf_free(&enc);
    ws_buf_free(&dict);
}

Test(tok2rows, damaged_chunks_are_refused_or_stay_in_range)
{
    static uint32_t ids[70000];
    zipf(ids, 300, 40);
    damage(ids, 300, 41, 20); /* one byte a code */
    zipf(ids, 3000, 900);
    damage(ids, 3000, 900, 40); /* control stream, two-byte codes */
    for (uint32_t i = 0; i < 70000; i++) ids[i] = i * 3 % 70000; /* 70000 distinct: exceptions */
    damage(ids, 70000, 70000, 500);
}
