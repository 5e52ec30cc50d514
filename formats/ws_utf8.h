/*
 * UTF-8 validation and repair. wirescan's policy for bad bytes: every
 * maximal invalid subsequence (overlong forms, surrogates, code points above
 * U+10FFFF, truncated sequences, stray continuation bytes) becomes one U+FFFD
 * and is counted, following the "maximal subpart" practice of Unicode 6+.
 */
#ifndef WS_UTF8_H
#define WS_UTF8_H

#include "ws_util.h"

/* Length of the valid UTF-8 prefix of s[0..n) (n when all valid). */
size_t ws_utf8_valid_prefix(const char *s, size_t n);

/* Append s[0..n) to out with invalid sequences replaced by U+FFFD.
 * Returns the number of replacements (>= 0) or a negative WS_E* code. */
long ws_utf8_sanitize(const char *s, size_t n, ws_buf *out);

/* Decode one code point at s[0..n) (n >= 1) of known-valid UTF-8; returns its
 * byte length and stores the code point. */
static inline size_t ws_utf8_decode_valid(const uint8_t *s, uint32_t *cp)
{
    uint8_t c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xE0) { *cp = (uint32_t)(c & 0x1F) << 6 | (s[1] & 0x3F); return 2; }
    if (c < 0xF0) { *cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F); return 3; }
    *cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 | (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
    return 4;
}

#endif
