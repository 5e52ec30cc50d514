/*
 * Column codecs against corrupt input found by fuzzing (tests/fuzz): a
 * token id at or above the segment's dictionary size is rejected whatever
 * its encoded length (the one-byte fast path once skipped the check, so a
 * corrupt footer claiming a dictionary of fewer than 128 terms let ids
 * 0-127 through, and tf indexed past its term map).
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "ws_columns.h"
#include "ws_util.h"

static int decode(const uint32_t *ids, uint64_t n, uint32_t dict_terms)
{
    ws_buf b = {0};
    cr_assert_eq(ws_col_encode_tokids(ids, n, &b), 0);
    uint32_t out[8];
    int rc = ws_col_decode_tokids(b.p, b.n, n, dict_terms, out);
    if (rc == 0)
        for (uint64_t i = 0; i < n; i++) cr_assert_eq(out[i], ids[i], "id %llu", (unsigned long long)i);
    ws_buf_free(&b);
    return rc;
}

Test(tokids, one_byte_ids_checked_against_a_small_dictionary)
{
    const uint32_t ids[] = {1, 100, 2, 3, 4, 5, 6, 7};
    cr_assert_eq(decode(ids, 8, 101), 0, "every id below 101");
    cr_assert_eq(decode(ids, 8, 100), WS_ECORRUPT, "id 100 with a 100-term dictionary");
    cr_assert_eq(decode(ids, 8, 3), WS_ECORRUPT, "ids up to 100 with a 3-term dictionary");
    cr_assert_eq(decode(ids, 1, 2), 0, "one token, id 1 of 2");
}

Test(tokids, multi_byte_ids_checked)
{
    const uint32_t ids[] = {5, 300, 70000, 9, 1u << 30, 0, 1, 2};
    cr_assert_eq(decode(ids, 8, (1u << 30) + 1), 0);
    cr_assert_eq(decode(ids, 8, 1u << 30), WS_ECORRUPT);
    cr_assert_eq(decode(ids, 3, 70000), WS_ECORRUPT);
    cr_assert_eq(decode(ids, 2, 301), 0);
    cr_assert_eq(decode(ids, 2, 300), WS_ECORRUPT);
}

/* ws_col_decode_tokspans (the row spans without the sentence starts, tf's
 * decode) against ws_col_decode_tokmeta on the same chunk: rows of 0 to
 * many sentences whose gaps take 1, 2 and 3 bytes (8-byte steps over runs
 * of one-byte gaps, and a step that would end inside a longer gap), so
 * every row's token offset and title length must agree; a truncated chunk
 * is refused by both. */
Test(tokmeta, spans_agree_with_the_full_decode)
{
    enum { ROWS = 400 };
    uint32_t ntok[ROWS], ntitle[ROWS], sent_off[ROWS + 1];
    static uint32_t sent[ROWS * 64];
    uint64_t total = 0, seed = 12345;
    sent_off[0] = 0;
    for (uint32_t r = 0; r < ROWS; r++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t ns = r % 7 == 0 ? 0 : (uint32_t)(seed >> 33) % 40 + 1;
        uint32_t big = (uint32_t)(seed >> 20) % 5; /* some rows with long gaps */
        uint32_t pos = 0;
        for (uint32_t j = 0; j < ns; j++) {
            if (j) pos += big == 0 ? 200 + j : big == 1 ? 20000 + j : 1 + (j % 3);
            sent[sent_off[r] + j] = pos;
        }
        sent_off[r + 1] = sent_off[r] + ns;
        ntok[r] = ns ? pos + 1 + (uint32_t)(seed >> 50) % 5 : 0;
        ntitle[r] = ntok[r] ? ntok[r] / 3 : 0;
        total += ntok[r];
    }
    ws_buf enc = {0};
    cr_assert_eq(ws_col_encode_tokmeta(ntok, ntitle, sent_off, sent, ROWS, &enc), 0);
    ws_tokmeta_buf fb = {0}, sb = {0};
    ws_tokmeta_view full, spans;
    cr_assert_eq(ws_col_decode_tokmeta(enc.p, enc.n, ROWS, total, &fb, &full), 0);
    cr_assert_eq(ws_col_decode_tokspans(enc.p, enc.n, ROWS, total, &sb, &spans), 0);
    cr_assert_null(spans.sent);
    for (uint32_t r = 0; r < ROWS; r++) {
        cr_assert_eq(spans.tok_off[r + 1], full.tok_off[r + 1], "row %u", r);
        cr_assert_eq(spans.ntitle[r], full.ntitle[r], "row %u", r);
        cr_assert_eq(spans.ntitle[r], ntitle[r], "row %u", r);
    }
    cr_assert_eq(spans.tok_off[ROWS], total);
    cr_assert_eq(ws_col_decode_tokspans(enc.p, enc.n - 1, ROWS, total, &sb, &spans), WS_ECORRUPT);
    cr_assert_eq(ws_col_decode_tokmeta(enc.p, enc.n - 1, ROWS, total, &fb, &full), WS_ECORRUPT);
    ws_tokmeta_buf_free(&fb);
    ws_tokmeta_buf_free(&sb);
    ws_buf_free(&enc);
}
