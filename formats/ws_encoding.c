/*
 * Conversions from the encodings news archives come in to UTF-8: Windows-1252
 * and ISO 8859-1 by table, UTF-8 through the repairing validator of
 * ws_utf8.c, UTF-16 (with a BOM) by surrogate pairing. See ws_encoding.h for
 * the policy.
 */
#include "ws_encoding.h"

#include "ws_utf8.h"

/* Windows-1252 0x80..0x9F (WHATWG index; the five holes map to C1 controls). */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return 0;
    }
    return *a == *b;
}

int ws_encoding_from_name(const char *name, ws_encoding *out)
{
    static const struct { const char *name; ws_encoding e; } names[] = {
        {"auto", WS_ENC_AUTO},        {"utf-8", WS_ENC_UTF8},       {"utf8", WS_ENC_UTF8},
        {"latin-1", WS_ENC_LATIN1},   {"latin1", WS_ENC_LATIN1},    {"iso-8859-1", WS_ENC_LATIN1},
        {"iso8859-1", WS_ENC_LATIN1}, {"iso_8859-1", WS_ENC_LATIN1}, {"l1", WS_ENC_LATIN1},
        {"windows-1252", WS_ENC_CP1252}, {"cp1252", WS_ENC_CP1252}, {"win-1252", WS_ENC_CP1252},
        {"windows1252", WS_ENC_CP1252},
    };
    if (!name || !*name) { *out = WS_ENC_AUTO; return 0; }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ieq(name, names[i].name)) { *out = names[i].e; return 0; }
    return ws_error(WS_EINVAL, "unknown --encoding '%s' (use utf-8, windows-1252, latin-1 or auto)", name);
}

const char *ws_encoding_name(ws_encoding e)
{
    switch (e) {
    case WS_ENC_AUTO: return "auto";
    case WS_ENC_UTF8: return "UTF-8";
    case WS_ENC_LATIN1: return "ISO-8859-1";
    case WS_ENC_CP1252: return "Windows-1252";
    }
    return "?";
}

ws_encoding ws_encoding_resolve(ws_encoding e, const char *s, size_t n)
{
    if (e != WS_ENC_AUTO) return e;
    return ws_utf8_valid_prefix(s, n) == n ? WS_ENC_UTF8 : WS_ENC_CP1252;
}

int ws_encoding_put_cp(ws_buf *out, uint32_t cp)
{
    if (ws_buf_reserve(out, 4)) return WS_ENOMEM;
    uint8_t *d = out->p + out->n;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
    if (cp < 0x80) { d[0] = (uint8_t)cp; out->n += 1; }
    else if (cp < 0x800) { d[0] = (uint8_t)(0xC0 | cp >> 6); d[1] = (uint8_t)(0x80 | (cp & 0x3F)); out->n += 2; }
    else if (cp < 0x10000) {
        d[0] = (uint8_t)(0xE0 | cp >> 12); d[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (uint8_t)(0x80 | (cp & 0x3F)); out->n += 3;
    } else {
        d[0] = (uint8_t)(0xF0 | cp >> 18); d[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        d[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); d[3] = (uint8_t)(0x80 | (cp & 0x3F)); out->n += 4;
    }
    return 0;
}

long ws_encoding_to_utf8(ws_encoding e, const char *s, size_t n, ws_buf *out)
{
    if (e == WS_ENC_UTF8 || e == WS_ENC_AUTO) return ws_utf8_sanitize(s, n, out);
    /* Single-byte encodings: at most 3 output bytes per input byte. */
    if (n > (SIZE_MAX / 4)) return WS_ENOMEM;
    if (ws_buf_reserve(out, n * 3)) return WS_ENOMEM;
    const uint8_t *p = (const uint8_t *)s;
    uint8_t *d = out->p + out->n;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = p[i];
        if (cp < 0x80) { *d++ = (uint8_t)cp; continue; }
        if (e == WS_ENC_CP1252 && cp < 0xA0) cp = cp1252_high[cp - 0x80];
        if (cp < 0x800) { *d++ = (uint8_t)(0xC0 | cp >> 6); *d++ = (uint8_t)(0x80 | (cp & 0x3F)); }
        else { *d++ = (uint8_t)(0xE0 | cp >> 12); *d++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); *d++ = (uint8_t)(0x80 | (cp & 0x3F)); }
    }
    out->n = (size_t)(d - out->p);
    return 0;
}

size_t ws_encoding_bom(const char *s, size_t n, int *utf16)
{
    const uint8_t *p = (const uint8_t *)s;
    *utf16 = 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) return 3;
    if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) { *utf16 = 1; return 2; }
    if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) { *utf16 = 2; return 2; }
    return 0;
}

long ws_encoding_utf16_to_utf8(const char *s, size_t n, int big_endian, ws_buf *out)
{
    const uint8_t *p = (const uint8_t *)s;
    long bad = 0;
    size_t i = 0;
    while (i + 1 < n) {
        uint32_t u = big_endian ? (uint32_t)p[i] << 8 | p[i + 1] : (uint32_t)p[i + 1] << 8 | p[i];
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
            uint32_t v = big_endian ? (uint32_t)p[i] << 8 | p[i + 1] : (uint32_t)p[i + 1] << 8 | p[i];
            if (v >= 0xDC00 && v <= 0xDFFF) {
                i += 2;
                u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) { u = 0xFFFD; bad++; }
        if (ws_encoding_put_cp(out, u)) return WS_ENOMEM;
    }
    if (i < n) {
        if (ws_encoding_put_cp(out, 0xFFFD)) return WS_ENOMEM;
        bad++;
    }
    return bad;
}
