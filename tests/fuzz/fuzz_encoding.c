/*
 * Fuzz target: encodings. The bytes go through UTF-8 validation and repair,
 * every single-byte decoder, both UTF-16 decoders and BOM detection; every
 * output must be valid UTF-8, UTF-8 repair must be the identity on valid
 * input, and the replacement counts must agree with what was replaced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws_encoding.h"
#include "ws_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_be_utf8(const ws_buf *b)
{
    if (ws_utf8_valid_prefix((const char *)b->p, b->n) != b->n) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    ws_buf out = {0};
    size_t valid = ws_utf8_valid_prefix(s, size);
    if (valid > size) abort();
    long rep = ws_utf8_sanitize(s, size, &out);
    if (rep >= 0) {
        must_be_utf8(&out);
        if ((rep == 0) != (valid == size)) abort();
        if (rep == 0 && (out.n != size || (size && memcmp(out.p, data, size)))) abort();
    }
    for (int e = WS_ENC_UTF8; e <= WS_ENC_CP1252; e++) {
        ws_buf_reset(&out);
        long r = ws_encoding_to_utf8((ws_encoding)e, s, size, &out);
        if (r >= 0) must_be_utf8(&out);
        if (r > 0 && e != WS_ENC_UTF8) abort();
    }
    ws_encoding res = ws_encoding_resolve(WS_ENC_AUTO, s, size);
    if (res != (valid == size ? WS_ENC_UTF8 : WS_ENC_CP1252)) abort();
    int utf16 = 0;
    size_t bom = ws_encoding_bom(s, size, &utf16);
    if (bom > size) abort();
    for (int be = 0; be < 2; be++) {
        ws_buf_reset(&out);
        if (ws_encoding_utf16_to_utf8(s, size, be, &out) >= 0) must_be_utf8(&out);
    }
    ws_buf_reset(&out);
    uint32_t cp = 0;
    for (size_t i = 0; i < 4 && i < size; i++) cp = cp << 8 | data[i];
    if (ws_encoding_put_cp(&out, cp) == 0) must_be_utf8(&out);
    ws_buf_free(&out);
    return 0;
}
