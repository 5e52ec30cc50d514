/*
 * Internal utilities shared by every layer: allocation wrappers, error
 * detail, byte strings, growable buffers, varints and little-endian access.
 * Nothing here does I/O beyond formatting messages.
 */
#ifndef WS_UTIL_H
#define WS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wirescan.h"

#if defined(__GNUC__)
#define WS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define WS_LIKELY(x) __builtin_expect(!!(x), 1)
#define WS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define WS_PRINTF(a, b)
#define WS_LIKELY(x) (x)
#define WS_UNLIKELY(x) (x)
#endif

/* ---- allocation (all through the hook in wirescan.h) ---- */
void *ws_malloc(size_t n);
/* Hint that [p, p + n) is a large table read at random (a kernel's hash
 * table): on Linux, transparent huge pages for its 2 MiB-aligned part
 * (fewer TLB misses). Advice only: nothing changes if it is not taken. */
void ws_advise_random_table(void *p, size_t n);
void *ws_calloc(size_t count, size_t size); /* overflow-checked */
void *ws_realloc(void *p, size_t n);
void ws_free(void *p); /* NULL-safe */
char *ws_strndup(const char *s, size_t n);

/* Test hook: the Nth allocation from now (1-based) and all after it fail;
 * 0 disables. Counts across threads. */
void ws__alloc_fail_after(long n);

/* ---- errors ---- */
/* Record a detail message for this thread and return err (so callers can
 * write `return ws_error(WS_EIO, "%s: %s", path, strerror(errno));`). */
int ws_error(int err, const char *fmt, ...) WS_PRINTF(2, 3);
void ws_error_clear(void);

/* ---- byte strings: borrowed views ---- */
typedef struct ws_str {
    const char *p;
    size_t n;
} ws_str;
#define WS_STR_LIT(s) ((ws_str){(s), sizeof(s) - 1})
static inline ws_str ws_str_make(const char *p, size_t n) { ws_str s = {p, n}; return s; }
static inline int ws_str_eq(ws_str a, ws_str b) { return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0); }
/* Bytewise comparison, shorter prefix first. */
int ws_str_cmp(ws_str a, ws_str b);

/* ---- growable byte buffer ---- */
typedef struct ws_buf {
    uint8_t *p;
    size_t n, cap;
} ws_buf;
int ws_buf_reserve(ws_buf *b, size_t extra); /* ensure n+extra <= cap (and p != NULL) */
int ws_buf_append(ws_buf *b, const void *src, size_t n);
void ws_buf_free(ws_buf *b);
static inline void ws_buf_reset(ws_buf *b) { b->n = 0; }

/* ---- varints (LEB128, unsigned) ---- */
#define WS_VARINT_MAX 10
static inline size_t ws_varint_put(uint8_t *dst, uint64_t v)
{
    size_t i = 0;
    while (v >= 0x80) { dst[i++] = (uint8_t)(v | 0x80); v >>= 7; }
    dst[i++] = (uint8_t)v;
    return i;
}
/* Append a varint to b; b must have WS_VARINT_MAX bytes reserved. */
static inline void ws_buf_put_varint(ws_buf *b, uint64_t v) { b->n += ws_varint_put(b->p + b->n, v); }
/* Decode a varint from [*pp, end). Returns 0 and advances *pp, or -1 when
 * the input ends early or the value is longer than 64 bits. */
static inline int ws_varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p >= end) return -1;
        uint8_t c = *p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            if (shift == 63 && c > 1) return -1;
            *pp = p; *out = v; return 0;
        }
    }
    return -1;
}
static inline uint64_t ws_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t ws_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* ---- little-endian fixed width ---- */
static inline void ws_le32_put(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static inline void ws_le64_put(uint8_t *p, uint64_t v) { ws_le32_put(p, (uint32_t)v); ws_le32_put(p + 4, (uint32_t)(v >> 32)); }
static inline uint32_t ws_le32_get(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static inline uint64_t ws_le64_get(const uint8_t *p) { return (uint64_t)ws_le32_get(p) | (uint64_t)ws_le32_get(p + 4) << 32; }

/* ---- hashing ---- */
uint64_t ws_hash64(const void *p, size_t n); /* XXH3-64, seed 0 */

/* ---- dates ---- */
/* The number of threads to run: n when n > 0, else every core; at most
 * WS_MAX_THREADS. The one place the default is decided. */
#define WS_MAX_THREADS 1024
int ws_threads_resolve(int n);

#define WS_DATE_UNKNOWN INT64_MIN /* seconds since the Unix epoch, UTC */
/* Days since 1970-01-01 for a proleptic Gregorian date (any year). */
int64_t ws_days_from_civil(int64_t y, unsigned m, unsigned d);
void ws_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 32 bytes); returns length. */
size_t ws_format_iso8601(int64_t t, char *buf);
/* The same instant as local time at off_min minutes east of UTC, with its
 * offset: "2019-05-10T09:30:00+03:00"; off_min 0 gives ws_format_iso8601's
 * "...Z". buf >= 40 bytes; returns length. */
size_t ws_format_iso8601_off(int64_t t, int off_min, char *buf);

#endif /* WS_UTIL_H */
