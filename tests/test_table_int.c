/*
 * Integer cells of a result table (formats/ws_table.c) render as printf's
 * PRId64 writes them: the renderer formats them by hand (it was a hot
 * snprintf), so every edge is compared with snprintf here: zero, one
 * digit, powers of ten and their neighbours, both signs, INT64_MIN and
 * INT64_MAX, and random values, in CSV and JSON Lines.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ws_table.h"

static void check(const int64_t *v, size_t n, ws_result_format fmt)
{
    ws_table t;
    ws_table_init(&t);
    cr_assert_eq(ws_table_add_col(&t, "v", WS_TYPE_INT64), 0);
    for (size_t i = 0; i < n; i++) cr_assert_eq(ws_table_int(&t, v[i]), 0);
    ws_buf out = {0}, want = {0};
    cr_assert_eq(ws_table_render(&t, fmt, 0, &out), 0);
    for (size_t i = 0; i < n; i++) {
        char num[64];
        int k = fmt == WS_FORMAT_JSONL ? snprintf(num, sizeof num, "{\"v\":%" PRId64 "}\n", v[i])
                                       : snprintf(num, sizeof num, "%" PRId64 "\n", v[i]);
        ws_buf_append(&want, num, (size_t)k);
    }
    cr_assert_eq(out.n, want.n, "%.*s", (int)out.n, (const char *)out.p);
    cr_assert_eq(memcmp(out.p, want.p, out.n), 0, "%.*s", (int)out.n, (const char *)out.p);
    ws_buf_free(&out);
    ws_buf_free(&want);
    ws_table_free(&t);
}

Test(table, integers_render_as_printf_does)
{
    int64_t v[200];
    size_t n = 0;
    v[n++] = 0;
    v[n++] = INT64_MIN;
    v[n++] = INT64_MAX;
    v[n++] = INT64_MIN + 1;
    int64_t p = 1;
    for (int k = 0; k < 19; k++, p = k < 19 ? p * 10 : p) { /* 1 .. 10^18 */
        v[n++] = p;
        v[n++] = p - 1;
        v[n++] = p + 1;
        v[n++] = -p;
        v[n++] = -p + 1;
    }
    uint64_t r = 12345;
    while (n < 200) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        v[n++] = (int64_t)(r >> (r % 60));
    }
    check(v, n, WS_FORMAT_CSV);
    check(v, n, WS_FORMAT_JSONL);
}
