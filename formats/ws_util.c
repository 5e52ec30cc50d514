/*
 * Allocation hook, per-thread error detail, buffers and date arithmetic.
 * Dates use Howard Hinnant's days-from-civil algorithm (public domain
 * description, written here from the arithmetic), valid for any year.
 */
#include "ws_util.h"

#include <omp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <xxhash.h>

static void *libc_malloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void *libc_realloc(void *ctx, void *p, size_t n) { (void)ctx; return realloc(p, n); }
static void libc_free(void *ctx, void *p) { (void)ctx; free(p); }

static ws_allocator g_alloc = {libc_malloc, libc_realloc, libc_free, NULL};
static atomic_long g_fail_after; /* 0: never fail */

void ws_set_allocator(const ws_allocator *a)
{
    if (a) g_alloc = *a;
    else g_alloc = (ws_allocator){libc_malloc, libc_realloc, libc_free, NULL};
}

void ws__alloc_fail_after(long n) { atomic_store(&g_fail_after, n); }

static int alloc_should_fail(void)
{
    long v = atomic_load(&g_fail_after);
    if (v == 0) return 0;
    if (v == 1) return 1; /* stays at 1: every later allocation fails too */
    return atomic_fetch_sub(&g_fail_after, 1) <= 1;
}

void *ws_malloc(size_t n)
{
    if (alloc_should_fail()) return NULL;
    return g_alloc.malloc_fn(g_alloc.ctx, n ? n : 1);
}

void ws_advise_random_table(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1), hi = ((uintptr_t)p + n) & ~(huge - 1);
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

void *ws_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = ws_malloc(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void *ws_realloc(void *p, size_t n)
{
    if (alloc_should_fail()) return NULL;
    return g_alloc.realloc_fn(g_alloc.ctx, p, n ? n : 1);
}

void ws_free(void *p)
{
    if (p) g_alloc.free_fn(g_alloc.ctx, p);
}

char *ws_strndup(const char *s, size_t n)
{
    char *d = ws_malloc(n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* ---- errors ---- */
static _Thread_local char t_errbuf[1024];

int ws_error(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t_errbuf, sizeof t_errbuf, fmt, ap);
    va_end(ap);
    return err;
}

int ws_set_error(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t_errbuf, sizeof t_errbuf, fmt, ap);
    va_end(ap);
    return err;
}

void ws_error_clear(void) { t_errbuf[0] = 0; }
const char *ws_last_error(void) { return t_errbuf; }

const char *ws_strerror(int err)
{
    switch (err) {
#define WS__MSG(name, val, exitc, msg) case val: return msg;
        WS_ERROR_TABLE(WS__MSG)
#undef WS__MSG
    }
    return "unknown error";
}

const char *ws_errname(int err)
{
    switch (err) {
#define WS__NAME(name, val, exitc, msg) case val: return #name;
        WS_ERROR_TABLE(WS__NAME)
#undef WS__NAME
    }
    return "WS_E?";
}

int ws_exit_status(int err)
{
    switch (err) {
#define WS__EXIT(name, val, exitc, msg) case val: return exitc;
        WS_ERROR_TABLE(WS__EXIT)
#undef WS__EXIT
    }
    return 1;
}

const char *ws_version(void) { return WS_VERSION_STRING; }

int ws_str_cmp(ws_str a, ws_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c) return c;
    return (a.n > b.n) - (a.n < b.n);
}

/* ---- buffers ---- */
int ws_buf_reserve(ws_buf *b, size_t extra)
{
    /* A successful reserve always leaves p non-NULL, even for 0 bytes, so
     * callers may form b->p + b->n (arithmetic on NULL is undefined). */
    if (b->cap - b->n >= extra && b->p) return 0;
    if (extra > SIZE_MAX / 2 - b->n) return WS_ENOMEM;
    size_t need = b->n + extra, cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    uint8_t *p = ws_realloc(b->p, cap);
    if (!p) return ws_error(WS_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
    b->p = p;
    b->cap = cap;
    return 0;
}

int ws_buf_append(ws_buf *b, const void *src, size_t n)
{
    int rc = ws_buf_reserve(b, n);
    if (rc) return rc;
    if (n) memcpy(b->p + b->n, src, n);
    b->n += n;
    return 0;
}

void ws_buf_free(ws_buf *b)
{
    ws_free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

uint64_t ws_hash64(const void *p, size_t n) { return XXH3_64bits(p, n); }

/* ---- dates ---- */
int64_t ws_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void ws_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

size_t ws_format_iso8601_off(int64_t t, int off_min, char *buf)
{
    if (!off_min) return ws_format_iso8601(t, buf);
    size_t n = ws_format_iso8601(t + (int64_t)off_min * 60, buf) - 1; /* drop the 'Z' */
    unsigned a = (unsigned)(off_min < 0 ? -off_min : off_min);
    int k = snprintf(buf + n, 8, "%c%02u:%02u", off_min < 0 ? '-' : '+', a / 60, a % 60);
    return n + (k > 0 ? (size_t)k : 0);
}

size_t ws_format_iso8601(int64_t t, char *buf)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t y;
    unsigned m, d;
    ws_civil_from_days(days, &y, &m, &d);
    int n = snprintf(buf, 32, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
                     (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
    return n > 0 ? (size_t)n : 0;
}

int ws_threads_resolve(int n)
{
    if (n <= 0) {
        n = omp_get_num_procs(); /* the cores this process may run on */
        if (n < 1) n = 1;
    }
    return n > WS_MAX_THREADS ? WS_MAX_THREADS : n;
}
