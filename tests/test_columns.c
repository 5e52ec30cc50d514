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
