/*
 * Hand-written UTF-8 validator: ingest runs it over every byte of every
 * story, so it has an 8-bytes-at-a-time ASCII fast path; utf8proc's own
 * iterator validates one code point per call and is several times slower on
 * mostly-ASCII news text.
 */
#include "ws_utf8.h"

/* Length of a valid sequence starting at s (at most n bytes), or 0. */
static size_t seq_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0; /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0; /* overlong */
        if (c == 0xF4 && s[1] >= 0x90) return 0; /* > U+10FFFF */
        return 4;
    }
    return 0;
}

/* Bytes of the maximal subpart of an ill-formed sequence at s: the longest
 * prefix that could start a valid sequence, at least 1. */
static size_t bad_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t want;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c < 0xE0) want = 2;
    else if (c >= 0xE0 && c < 0xF0) { want = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c < 0xF5) { want = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
    else return 1;
    size_t i = 1;
    if (i < n && s[i] >= lo && s[i] <= hi) {
        i++;
        while (i < want && i < n && (s[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

static size_t ascii_run(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull) break;
        i += 8;
    }
    while (i < n && s[i] < 0x80) i++;
    return i;
}

size_t ws_utf8_valid_prefix(const char *str, size_t n)
{
    const uint8_t *s = (const uint8_t *)str;
    size_t i = 0;
    while (i < n) {
        i += ascii_run(s + i, n - i);
        if (i >= n) break;
        size_t k = seq_len(s + i, n - i);
        if (!k) return i;
        i += k;
    }
    return n;
}

long ws_utf8_sanitize(const char *str, size_t n, ws_buf *out)
{
    const uint8_t *s = (const uint8_t *)str;
    long bad = 0;
    size_t i = 0;
    /* Also for n == 0: callers take out->p + out->n afterwards. */
    int rc0 = ws_buf_reserve(out, n);
    if (rc0) return rc0;
    while (i < n) {
        size_t ok = ws_utf8_valid_prefix((const char *)s + i, n - i);
        int rc = ws_buf_append(out, s + i, ok);
        if (rc) return rc;
        i += ok;
        if (i >= n) break;
        i += bad_len(s + i, n - i);
        if ((rc = ws_buf_append(out, "\xEF\xBF\xBD", 3))) return rc;
        bad++;
    }
    return bad;
}
