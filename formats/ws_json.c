/*
 * The JSON Lines parser behind ws_jsonl.c: one pass over one line that
 * validates the whole JSON text and copies out only the top-level members
 * the caller named (see ws_json.h for the exact rules it enforces).
 *
 * Why hand-written: ingest used jansson, which builds a tree of every value
 * (one allocation per string, number, array and object, a hash table per
 * object) only for wirescan to read five or six keys and free it all again.
 * Profiles of `wirescan ingest` on Reuters JSONL put jansson at a third of
 * the ingest time (about 40 MB/s), and DESIGN lets us replace a library
 * that is the bottleneck as long as the replacement is fuzzed against it:
 * tests/test_json_diff.c checks this parser's verdicts and extracted
 * fields against jansson on the JSONTestSuite and on 200,000 generated and
 * mutated lines.
 *
 * How it is fast:
 * - No tree. A small explicit stack (one frame per open array or object,
 *   at most WS_JSON_MAX_DEPTH) replaces recursion, and values nobody asked
 *   for are validated and forgotten.
 * - Strings, which are most of the bytes of a news story, are scanned 16
 *   bytes at a time with SSE2 (8 at a time with word arithmetic elsewhere)
 *   for the only bytes that need a look: '"', '\\', control bytes and bytes
 *   >= 0x80. Runs in between are copied to the output whole, and only for
 *   the values the caller wants.
 * - UTF-8 is validated inside that same scan, and only at non-ASCII bytes,
 *   so the line is read once instead of three times (NUL check, UTF-8
 *   check, parse).
 * - Numbers are checked by their digits: an integer of 18 digits or fewer
 *   always fits int64, and a real's decimal exponent tells whether it can
 *   overflow a double; strtod runs only for the values the caller reads
 *   and the rare reals within a factor of ten of DBL_MAX.
 * - Keys: each gets a 32-bit fingerprint (length and three bytes). The
 *   requested keys sit in a 64-bucket table by fingerprint, so matching a
 *   top-level key costs about one comparison.
 * - Duplicate keys: each object's keys are kept on a stack that pops with
 *   the object, and a 64-bit Bloom mask per object lets most new keys skip
 *   the comparison. The first LINEAR_KEYS keys of an object are compared as
 *   they arrive; an object with more is sorted once when it closes, so a
 *   crafted line with a huge object costs O(k log k), not O(k^2), and
 *   nothing depends on a hash seed.
 * No memory is allocated per value; the parser's scratch grows to the
 * largest line seen and is reused.
 */
#include "ws_json.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* WS_JSON_NO_SIMD forces the portable path (to test it on x86-64). */
#if defined(__SSE2__) && defined(__GNUC__) && !defined(WS_JSON_NO_SIMD)
#include <emmintrin.h>
#define WS_JSON_SSE2 1
#else
#define WS_JSON_SSE2 0
#endif

/* Keys an object may have before duplicate detection switches from
 * compare-on-arrival to sort-on-close. */
#define LINEAR_KEYS 16
/* copy_run may store up to this many bytes past the copied run. */
#define COPY_SLACK 16

typedef struct key_ent {
    const uint8_t *p; /* unescaped key bytes: in the input, or in keyarena */
    size_t n, pos;    /* length; offset of the key in the input */
    uint32_t fp;      /* fingerprint(), compared before the bytes */
} key_ent;

typedef struct frame {
    size_t key_mark; /* objects: index of their first key on the key stack */
    uint64_t bloom;  /* objects: one bit per key seen, by fingerprint */
    int is_obj;
} frame;

struct ws_json_parser {
    size_t nwant;
    ws_str *want;           /* requested keys [nwant], copies in keymem */
    uint32_t *want_fp;      /* their fingerprints */
    int32_t want_head[64];  /* by fp_bucket(): first requested key, -1 if none */
    int32_t *want_next;     /* next requested key in the same bucket */
    char *keymem;
    ws_json_member *member; /* [nwant] */
    ws_json_span *elems;
    size_t nelems, elems_cap;
    key_ent *keys; /* keys of every open object, innermost last */
    size_t nkeys, keys_cap;
    ws_buf keyarena; /* unescaped copies of keys that hold escapes */
    frame *frames;   /* [WS_JSON_MAX_DEPTH] */
    locale_t c_numeric;
    char reason[96];
};

/* Keys are short and few per object, so they are compared one by one; a
 * fingerprint of length and three bytes settles nearly every unequal pair
 * without calling memcmp. */
static inline uint32_t fingerprint(const uint8_t *k, size_t n)
{
    if (!n) return 0;
    return (uint32_t)n << 24 ^ (uint32_t)k[0] << 16 ^ (uint32_t)k[n / 2] << 8 ^ k[n - 1];
}

/* 0..63, for the requested-key table and the per-object Bloom bits. */
static inline unsigned fp_bucket(uint32_t fp) { return (fp * 0x9E3779B1u) >> 26; }

static inline int key_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    if (n > 16) return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

ws_json_parser *ws_json_parser_create(const char *const *keys, size_t nkeys)
{
    ws_json_parser *jp = ws_calloc(1, sizeof *jp);
    if (!jp) return NULL;
    size_t bytes = 0;
    for (size_t i = 0; i < nkeys; i++) bytes += strlen(keys[i]) + 1;
    jp->nwant = nkeys;
    jp->want = ws_calloc(nkeys, sizeof *jp->want);
    jp->want_fp = ws_calloc(nkeys, sizeof *jp->want_fp);
    jp->want_next = ws_calloc(nkeys, sizeof *jp->want_next);
    jp->member = ws_calloc(nkeys, sizeof *jp->member);
    jp->frames = ws_calloc(WS_JSON_MAX_DEPTH, sizeof *jp->frames);
    char *mem = jp->keymem = ws_malloc(bytes);
    jp->c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (nkeys > INT32_MAX || !jp->want || !jp->want_fp || !jp->want_next || !jp->member || !jp->frames || !mem ||
        !jp->c_numeric) {
        ws_json_parser_free(jp);
        return NULL;
    }
    for (size_t i = 0; i < 64; i++) jp->want_head[i] = -1;
    for (size_t i = nkeys; i-- > 0;) {
        size_t len = strlen(keys[i]);
        memcpy(mem, keys[i], len + 1);
        jp->want[i] = ws_str_make(mem, len);
        jp->want_fp[i] = fingerprint((const uint8_t *)mem, len);
        jp->want_next[i] = jp->want_head[fp_bucket(jp->want_fp[i])];
        jp->want_head[fp_bucket(jp->want_fp[i])] = (int32_t)i;
        mem += len + 1;
    }
    return jp;
}

void ws_json_parser_free(ws_json_parser *jp)
{
    if (!jp) return;
    ws_free(jp->keymem);
    ws_free(jp->want);
    ws_free(jp->want_fp);
    ws_free(jp->want_next);
    ws_free(jp->member);
    ws_free(jp->elems);
    ws_free(jp->keys);
    ws_buf_free(&jp->keyarena);
    ws_free(jp->frames);
    if (jp->c_numeric) freelocale(jp->c_numeric);
    ws_free(jp);
}

const char *ws_json_type_name(ws_json_type t)
{
    switch (t) {
    case WS_JSON_ABSENT: return "absent";
    case WS_JSON_NULL: return "null";
    case WS_JSON_FALSE: return "false";
    case WS_JSON_TRUE: return "true";
    case WS_JSON_INTEGER: return "an integer";
    case WS_JSON_REAL: return "a real number";
    case WS_JSON_STRING: return "a string";
    case WS_JSON_ARRAY: return "an array";
    case WS_JSON_OBJECT: return "an object";
    }
    return "?";
}

int64_t ws_json_int64(const char *text) { return (int64_t)strtoll(text, NULL, 10); }

double ws_json_double(ws_json_parser *jp, const char *text)
{
    /* JSON always writes '.', whatever LC_NUMERIC the host program set. */
    locale_t old = uselocale(jp->c_numeric);
    double d = strtod(text, NULL);
    uselocale(old);
    return d;
}

/* ---- parse context and errors ---- */

typedef struct ctx {
    ws_json_parser *jp;
    const uint8_t *s, *end;
    ws_json_result *res;
} ctx;

static int fail(const ctx *c, const uint8_t *at, const char *fmt, ...) WS_PRINTF(3, 4);
static int fail(const ctx *c, const uint8_t *at, const char *fmt, ...)
{
    ws_json_parser *jp = c->jp;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(jp->reason, sizeof jp->reason, fmt, ap);
    va_end(ap);
    size_t col = 1;
    for (const uint8_t *q = c->s; q < at; q++) col += (*q & 0xC0) != 0x80;
    c->res->err_byte = (size_t)(at - c->s);
    c->res->err_column = col;
    c->res->err_reason = jp->reason;
    return ws_error(WS_EFORMAT, "invalid JSON at column %zu (byte %zu): %s", col, c->res->err_byte, jp->reason);
}

/* A syntax error at the byte `at`, where `want` was expected. */
static int fail_token(const ctx *c, const uint8_t *at, const char *want)
{
    if (at >= c->end) return fail(c, at, "premature end of input, %s expected", want);
    if (*at == 0) return fail(c, at, "raw NUL byte");
    if (*at >= 0x20 && *at < 0x7F) return fail(c, at, "unexpected '%c', %s expected", *at, want);
    return fail(c, at, "unexpected byte 0x%02X, %s expected", *at, want);
}

/* ---- scanning ---- */

static inline const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p;
}

static inline int is_digit(uint8_t b) { return (unsigned)(b - '0') < 10; }

/* A byte that can be copied through a string as is. */
static inline int is_plain(uint8_t b) { return b >= 0x20 && b < 0x80 && b != '"' && b != '\\'; }

/* Nonzero when the 8 bytes of w hold '"', '\\', a byte < 0x20 or >= 0x80.
 * The zero-byte tests can flag false positives only above a true one, so
 * the word-level answer is exact. */
static inline uint64_t swar_special(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | w) & high;
}

/* First byte in [p, end) that is not plain, or end. */
static inline const uint8_t *plain_run(const uint8_t *p, const uint8_t *end)
{
#if WS_JSON_SSE2
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* Signed compare: catches 0x00-0x1F and 0x80-0xFF at once. */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) return p + __builtin_ctz(bits);
        p += 16;
    }
#endif
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (swar_special(w)) break;
        p += 8;
    }
    while (p < end && is_plain(*p)) p++;
    return p;
}

/* Like plain_run, copying the run to *dp (which may be written up to
 * COPY_SLACK bytes past the run) and advancing it. */
static inline const uint8_t *copy_run(const uint8_t *p, const uint8_t *end, uint8_t **dp)
{
    uint8_t *d = *dp;
#if WS_JSON_SSE2
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        _mm_storeu_si128((__m128i *)(void *)d, v);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) {
            unsigned k = (unsigned)__builtin_ctz(bits);
            *dp = d + k;
            return p + k;
        }
        p += 16;
        d += 16;
    }
#endif
    const uint8_t *q = plain_run(p, end);
    memcpy(d, p, (size_t)(q - p));
    *dp = d + (q - p);
    return q;
}

/* Length of the well-formed UTF-8 sequence at p (p[0] >= 0x80), 0 if none.
 * Same rules as ws_utf8.c (Unicode table 3-7). */
static inline size_t utf8_seq(const uint8_t *p, const uint8_t *end)
{
    uint8_t c = p[0];
    size_t have = (size_t)(end - p);
    if (c < 0xC2) return 0;
    if (c < 0xE0) return have >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        uint8_t lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return have >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c < 0xF5) {
        uint8_t lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return have >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

static inline int hex4(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t b = p[i], l = (uint8_t)(b | 0x20);
        uint32_t d;
        if (is_digit(b)) d = (uint32_t)(b - '0');
        else if (l >= 'a' && l <= 'f') d = (uint32_t)(l - 'a' + 10);
        else return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/* What a two-byte escape \X stands for, indexed by X; 0 for 'u' and for
 * bytes that may not follow a backslash. */
static const uint8_t k_esc[256] = {['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
                                   ['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t'};

/* The escape at p (p[0] == '\\'): stores its code point and returns its
 * length (2, 6 or 12), or 0 after recording an error. */
static size_t escape(const ctx *c, const uint8_t *p, uint32_t *cp)
{
    size_t have = (size_t)(c->end - p);
    if (have < 2) {
        fail(c, p, "premature end of input in a string");
        return 0;
    }
    switch (p[1]) {
    case '"': *cp = '"'; return 2;
    case '\\': *cp = '\\'; return 2;
    case '/': *cp = '/'; return 2;
    case 'b': *cp = '\b'; return 2;
    case 'f': *cp = '\f'; return 2;
    case 'n': *cp = '\n'; return 2;
    case 'r': *cp = '\r'; return 2;
    case 't': *cp = '\t'; return 2;
    case 'u': break;
    default: fail(c, p, "invalid escape"); return 0;
    }
    uint32_t u, lo;
    if (have < 6 || hex4(p + 2, &u)) {
        fail(c, p, "invalid \\u escape");
        return 0;
    }
    if (u >= 0xDC00 && u <= 0xDFFF) {
        fail(c, p, "invalid Unicode '\\u%04X' (lone low surrogate)", (unsigned)u);
        return 0;
    }
    if (u < 0xD800 || u > 0xDBFF) {
        *cp = u;
        return 6;
    }
    if (have < 8 || p[6] != '\\' || p[7] != 'u') {
        fail(c, p, "invalid Unicode '\\u%04X' (lone high surrogate)", (unsigned)u);
        return 0;
    }
    if (have < 12 || hex4(p + 8, &lo)) {
        fail(c, p + 6, "invalid \\u escape");
        return 0;
    }
    if (lo < 0xDC00 || lo > 0xDFFF) {
        fail(c, p, "invalid Unicode '\\u%04X\\u%04X'", (unsigned)u, (unsigned)lo);
        return 0;
    }
    *cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
    return 12;
}

static inline uint8_t *put_utf8(uint8_t *d, uint32_t cp)
{
    if (cp < 0x80) {
        *d++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *d++ = (uint8_t)(0xC0 | cp >> 6);
        *d++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *d++ = (uint8_t)(0xE0 | cp >> 12);
        *d++ = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        *d++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (uint8_t)(0xF0 | cp >> 18);
        *d++ = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        *d++ = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        *d++ = (uint8_t)(0x80 | (cp & 0x3F));
    }
    return d;
}

/* The byte at p stops a string scan and is not '"' or '\\'. */
static int bad_string_byte(const ctx *c, const uint8_t *p)
{
    if (p >= c->end) return fail(c, p, "premature end of input in a string");
    if (*p >= 0x80) return fail(c, p, "invalid UTF-8");
    if (*p == 0) return fail(c, p, "raw NUL byte");
    if (*p == '\n') return fail(c, p, "unexpected newline in a string");
    return fail(c, p, "control character 0x%02X in a string", *p);
}

/* Validate the string whose body starts at p (after the opening quote).
 * @return the byte after the closing quote, or NULL after an error; *esc
 *         is set when the string holds an escape. */
static const uint8_t *skip_string(const ctx *c, const uint8_t *p, int *esc)
{
    const uint8_t *end = c->end;
    for (;;) {
        p = plain_run(p, end);
        if (WS_LIKELY(p < end && *p == '"')) return p + 1;
        if (p < end && *p == '\\') {
            *esc = 1;
            if (WS_LIKELY(end - p >= 2 && k_esc[p[1]])) {
                p += 2;
                continue;
            }
            uint32_t cp;
            size_t k = escape(c, p, &cp);
            if (!k) return NULL;
            p += k;
        } else if (p < end && *p >= 0x80) {
            size_t k = utf8_seq(p, end);
            if (!k) break;
            p += k;
        } else {
            break;
        }
    }
    bad_string_byte(c, p);
    return NULL;
}

/* Validate and unescape the string body at p into d, which has room for
 * the rest of the input plus COPY_SLACK. @return the byte after the closing
 * quote (with *len the unescaped length), or NULL after an error. */
static const uint8_t *copy_string(const ctx *c, const uint8_t *p, uint8_t *d, size_t *len)
{
    const uint8_t *end = c->end;
    uint8_t *d0 = d;
    for (;;) {
        p = copy_run(p, end, &d);
        if (WS_LIKELY(p < end && *p == '"')) {
            *len = (size_t)(d - d0);
            return p + 1;
        }
        if (p < end && *p == '\\') {
            if (WS_LIKELY(end - p >= 2 && k_esc[p[1]])) {
                *d++ = k_esc[p[1]];
                p += 2;
                continue;
            }
            uint32_t cp;
            size_t k = escape(c, p, &cp);
            if (!k) return NULL;
            d = put_utf8(d, cp);
            p += k;
        } else if (p < end && *p >= 0x80) {
            size_t k = utf8_seq(p, end);
            if (!k) break;
            memcpy(d, p, k);
            d += k;
            p += k;
        } else {
            break;
        }
    }
    bad_string_byte(c, p);
    return NULL;
}

/* Overflow check for a real within a factor of ten of DBL_MAX. */
static int real_overflows(const ctx *c, const uint8_t *p, size_t n, int *err)
{
    char small[128];
    char *t = n < sizeof small ? small : ws_malloc(n + 1);
    if (!t) {
        *err = ws_error(WS_ENOMEM, "out of memory checking a %zu-byte number", n);
        return 0;
    }
    memcpy(t, p, n);
    t[n] = 0;
    double d = ws_json_double(c->jp, t);
    if (t != small) ws_free(t);
    return d == HUGE_VAL || d == -HUGE_VAL; /* finite input: only overflow gives inf */
}

/* Scan the number at p. @return the byte after it, or NULL after an error
 * (*err set); *type is INTEGER or REAL. */
static const uint8_t *number(const ctx *c, const uint8_t *p, ws_json_type *type, int *err)
{
    const uint8_t *start = p, *end = c->end;
    int neg = *p == '-';
    p += neg;
    const uint8_t *ip = p;
    if (p == end || !is_digit(*p)) goto bad;
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p)) goto bad; /* leading zero */
    } else {
        while (p < end && is_digit(*p)) p++;
    }
    size_t nint = (size_t)(p - ip);
    if (p == end || (*p != '.' && (*p | 0x20) != 'e')) {
        /* int64 holds every 18-digit number; compare 19-digit ones. */
        if (nint >= 19 && (nint > 19 || memcmp(ip, neg ? "9223372036854775808" : "9223372036854775807", 19) > 0)) {
            *err = fail(c, start, neg ? "too big negative integer" : "too big integer");
            return NULL;
        }
        *type = WS_JSON_INTEGER;
        return p;
    }
    const uint8_t *fp = p;
    size_t nfrac = 0;
    if (*p == '.') {
        fp = ++p;
        if (p == end || !is_digit(*p)) goto bad;
        while (p < end && is_digit(*p)) p++;
        nfrac = (size_t)(p - fp);
    }
    int64_t e = 0;
    if (p < end && (*p | 0x20) == 'e') {
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p == end || !is_digit(*p)) goto bad;
        for (; p < end && is_digit(*p); p++)
            if (e < 1000000000) e = e * 10 + (*p - '0'); /* saturate: the verdict is the same */
        if (eneg) e = -e;
    }
    *type = WS_JSON_REAL;
    /* The value is in [10^m, 10^(m+1)) with m the position of the first
     * nonzero digit relative to the decimal point, shifted by e. DBL_MAX is
     * about 1.8e308: m <= 307 never overflows, m >= 309 always does. */
    size_t k = 0;
    while (k < nint && ip[k] == '0') k++;
    if (k == nint) {
        size_t j = 0;
        while (j < nfrac && fp[j] == '0') j++;
        if (j == nfrac) return p; /* zero */
        k += j;
    }
    int64_t m = (int64_t)nint - 1 - (int64_t)k + e;
    if (m <= 307) return p;
    if (m == 308) {
        *err = 0;
        int over = real_overflows(c, start, (size_t)(p - start), err);
        if (*err) return NULL;
        if (!over) return p;
    }
    *err = fail(c, start, "real number overflow");
    return NULL;
bad:
    *err = fail(c, start, "invalid number");
    return NULL;
}

/* ---- keys ---- */

static int key_cmp(const void *a, const void *b)
{
    const key_ent *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? -1 : 1;
    return memcmp(x->p, y->p, x->n);
}

/* Push a key of the innermost object f, checking it against the keys
 * before it while the object is small (and its Bloom bits say it may be
 * one of them). */
static int push_key(const ctx *c, frame *f, const uint8_t *k, size_t n, size_t pos, uint32_t fp)
{
    ws_json_parser *jp = c->jp;
    uint64_t bit = 1ull << fp_bucket(fp);
    if ((f->bloom & bit) && jp->nkeys - f->key_mark < LINEAR_KEYS)
        for (size_t i = f->key_mark; i < jp->nkeys; i++)
            if (jp->keys[i].fp == fp && jp->keys[i].n == n && key_eq(jp->keys[i].p, k, n))
                return fail(c, c->s + pos, "duplicate object key");
    if (jp->nkeys == jp->keys_cap) {
        size_t cap = jp->keys_cap ? jp->keys_cap * 2 : 64;
        key_ent *nk = ws_realloc(jp->keys, cap * sizeof *nk);
        if (!nk) return ws_error(WS_ENOMEM, "out of memory for %zu object keys", cap);
        jp->keys = nk;
        jp->keys_cap = cap;
    }
    jp->keys[jp->nkeys++] = (key_ent){k, n, pos, fp};
    f->bloom |= bit;
    return 0;
}

/* Pop the keys of an object that closes, first checking a large one's keys
 * for duplicates by sorting them. */
static int pop_keys(const ctx *c, size_t mark)
{
    ws_json_parser *jp = c->jp;
    size_t n = jp->nkeys - mark;
    jp->nkeys = mark;
    if (n <= LINEAR_KEYS) return 0;
    key_ent *k = jp->keys + mark;
    qsort(k, n, sizeof *k, key_cmp);
    for (size_t i = 1; i < n; i++)
        if (key_cmp(&k[i - 1], &k[i]) == 0)
            return fail(c, c->s + (k[i].pos > k[i - 1].pos ? k[i].pos : k[i - 1].pos), "duplicate object key");
    return 0;
}

static ws_json_member *wanted(ws_json_parser *jp, const uint8_t *k, size_t n, uint32_t fp)
{
    for (int32_t i = jp->want_head[fp_bucket(fp)]; i >= 0; i = jp->want_next[i])
        if (jp->want_fp[i] == fp && jp->want[i].n == n && key_eq((const uint8_t *)jp->want[i].p, k, n))
            return &jp->member[i];
    return NULL;
}

static int push_elem(ws_json_parser *jp, ws_json_span sp)
{
    if (jp->nelems == jp->elems_cap) {
        size_t cap = jp->elems_cap ? jp->elems_cap * 2 : 64;
        ws_json_span *ne = ws_realloc(jp->elems, cap * sizeof *ne);
        if (!ne) return ws_error(WS_ENOMEM, "out of memory for %zu array elements", cap);
        jp->elems = ne;
        jp->elems_cap = cap;
    }
    jp->elems[jp->nelems++] = sp;
    return 0;
}

/* ---- the parser ---- */

int ws_json_parse(ws_json_parser *jp, const char *str, size_t n, ws_buf *out, ws_json_result *res)
{
    ctx c = {jp, (const uint8_t *)str, (const uint8_t *)str + n, res};
    const uint8_t *p = c.s, *end = c.end;
    for (size_t i = 0; i < jp->nwant; i++) {
        memset(&jp->member[i], 0, sizeof jp->member[i]);
        jp->member[i].bad_index = SIZE_MAX;
    }
    jp->nelems = jp->nkeys = 0;
    ws_buf_reset(&jp->keyarena);
    int arena_ready = 0;
    memset(res, 0, sizeof *res);
    res->member = jp->member;

    frame *fr = jp->frames;
    size_t depth = 0;          /* open arrays and objects */
    ws_json_member *cur = NULL; /* requested member whose value comes next (depth 1) */
    ws_json_member *arr = NULL; /* requested member whose array is open (depth 2) */
    size_t aidx = 0;            /* index of the next element of arr */
    int rc = 0;

    p = skip_ws(p, end);
value:
    /* jansson counts every value, the top one as 1: a value is one deeper
     * than the containers open around it. */
    if (WS_UNLIKELY(depth >= WS_JSON_MAX_DEPTH)) {
        rc = fail(&c, p, "maximum parsing depth (%d) reached", WS_JSON_MAX_DEPTH);
        goto done;
    }
    {
        /* 1: the value of requested member cur; 2: an element of arr. */
        int tgt = depth == 1 ? cur != NULL : depth == 2 && arr ? 2 : 0;
        const uint8_t *v = p;
        ws_json_type t;
        if (WS_UNLIKELY(p == end)) {
            rc = fail_token(&c, p, "a value");
            goto done;
        }
        switch (*p) {
        case '"':
            t = WS_JSON_STRING;
            if (!tgt) {
                int esc = 0;
                if (!(p = skip_string(&c, p + 1, &esc))) goto failed;
            } else {
                if ((rc = ws_buf_reserve(out, (size_t)(end - p) + COPY_SLACK + 1))) goto done;
                size_t off = out->n, len;
                if (!(p = copy_string(&c, p + 1, out->p + off, &len))) goto failed;
                out->p[off + len] = 0;
                out->n = off + len + 1;
                ws_json_span sp = {off, len};
                if (tgt == 1) {
                    cur->text = sp;
                } else {
                    if ((rc = push_elem(jp, sp))) goto done;
                    arr->count++;
                }
            }
            break;
        case '{':
        case '[': {
            int obj = *p == '{';
            t = obj ? WS_JSON_OBJECT : WS_JSON_ARRAY;
            if (depth == 0) res->top = t;
            if (tgt == 1) {
                cur->type = t;
                cur->pos = (size_t)(v - c.s);
                if (!obj) {
                    cur->first = jp->nelems;
                    arr = cur;
                    aidx = 0;
                }
            } else if (tgt == 2) {
                if (arr->bad_index == SIZE_MAX) arr->bad_index = aidx, arr->bad_type = t;
                aidx++;
            }
            fr[depth].is_obj = obj;
            fr[depth].key_mark = jp->nkeys;
            fr[depth].bloom = 0;
            depth++;
            p = skip_ws(p + 1, end);
            if (p < end && *p == (obj ? '}' : ']')) {
                p++;
                if (--depth == 1) arr = NULL;
                goto after_value;
            }
            if (obj) goto key;
            goto value;
        }
        case 't':
        case 'f':
        case 'n': {
            static const char *const lit[] = {"true", "false", "null"};
            static const ws_json_type lt[] = {WS_JSON_TRUE, WS_JSON_FALSE, WS_JSON_NULL};
            int i = *p == 't' ? 0 : *p == 'f' ? 1 : 2;
            size_t ln = strlen(lit[i]);
            if ((size_t)(end - p) < ln || memcmp(p, lit[i], ln) != 0) {
                rc = fail(&c, p, "invalid literal");
                goto done;
            }
            p += ln;
            t = lt[i];
            break;
        }
        default:
            if (*p != '-' && !is_digit(*p)) {
                rc = fail_token(&c, p, "a value");
                goto done;
            }
            if (!(p = number(&c, p, &t, &rc))) goto done;
            if (tgt == 1) {
                size_t off = out->n, len = (size_t)(p - v);
                if ((rc = ws_buf_reserve(out, len + 1))) goto done;
                memcpy(out->p + off, v, len);
                out->p[off + len] = 0;
                out->n = off + len + 1;
                cur->text = (ws_json_span){off, len};
            }
            break;
        }
        if (depth == 0) res->top = t;
        if (tgt == 1) {
            cur->type = t;
            cur->pos = (size_t)(v - c.s);
        } else if (tgt == 2) {
            if (t != WS_JSON_STRING && arr->bad_index == SIZE_MAX) arr->bad_index = aidx, arr->bad_type = t;
            aidx++;
        }
    }
after_value:
    p = skip_ws(p, end);
    if (depth == 0) {
        if (p != end) {
            rc = fail_token(&c, p, "end of input");
            goto done;
        }
        res->elems = jp->elems;
        return 0;
    }
    if (fr[depth - 1].is_obj) {
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            goto key;
        }
        if (p < end && *p == '}') {
            p++;
            if ((rc = pop_keys(&c, fr[depth - 1].key_mark))) goto done;
            if (--depth == 1) arr = NULL;
            goto after_value;
        }
        rc = fail_token(&c, p, "',' or '}'");
        goto done;
    }
    if (p < end && *p == ',') {
        p = skip_ws(p + 1, end);
        goto value;
    }
    if (p < end && *p == ']') {
        p++;
        if (--depth == 1) arr = NULL;
        goto after_value;
    }
    rc = fail_token(&c, p, "',' or ']'");
    goto done;

key: {
    if (p == end || *p != '"') {
        rc = fail_token(&c, p, "a string (object key)");
        goto done;
    }
    const uint8_t *k = p + 1;
    int esc = 0;
    if (!(p = skip_string(&c, k, &esc))) goto failed;
    size_t kn = (size_t)(p - 1 - k), kpos = (size_t)(k - 1 - c.s);
    if (WS_UNLIKELY(esc)) {
        /* Reserve once per line so earlier keys in the arena never move:
         * unescaped keys are never longer than the line. */
        if (!arena_ready) {
            if ((rc = ws_buf_reserve(&jp->keyarena, n + COPY_SLACK + 1))) goto done;
            arena_ready = 1;
        }
        uint8_t *d = jp->keyarena.p + jp->keyarena.n;
        size_t len;
        copy_string(&c, k, d, &len); /* already validated */
        if (memchr(d, 0, len)) {
            rc = fail(&c, k - 1, "NUL byte in object key not supported");
            goto done;
        }
        jp->keyarena.n += len;
        k = d;
        kn = len;
    }
    uint32_t fp = fingerprint(k, kn);
    if ((rc = push_key(&c, &fr[depth - 1], k, kn, kpos, fp))) goto done;
    if (depth == 1) {
        cur = wanted(jp, k, kn, fp);
        if (cur && cur->type != WS_JSON_ABSENT) {
            rc = fail(&c, c.s + kpos, "duplicate object key");
            goto done;
        }
    }
    p = skip_ws(p, end);
    if (p == end || *p != ':') {
        rc = fail_token(&c, p, "':'");
        goto done;
    }
    p = skip_ws(p + 1, end);
    goto value;
}

failed:
    rc = WS_EFORMAT; /* the detail is already recorded */
done:
    jp->nkeys = 0;
    return rc;
}
