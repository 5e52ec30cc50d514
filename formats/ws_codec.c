/*
 * TOKIDS2, the token column of store format 2.0 (see ws_codec.h and
 * docs/FORMAT.md). Raw chunk layout, for a block of n tokens:
 *
 *   varint L        distinct ids in the block (0 iff n is 0)
 *   dictionary      the L ids by code: code 0, then the groups of codes
 *                   [2^k, 2^(k+1)) for k = 0, 1, ... (the last one cut at
 *                   L); group by group the ids of the next most frequent
 *                   terms, in increasing id order: the first as a varint,
 *                   then varint (gap - 1) to each next one
 *   control         only when L > 256: ceil(n / 8) bytes; bit j of byte g
 *                   set when the code of token 8g + j takes two bytes
 *   codes           n codes in token order: one byte (code < 256), or two,
 *                   little-endian, as the control bit says; without a
 *                   control stream every code is one byte. When L > 65535,
 *                   a two-byte 0xFFFF stands for a code of 65535 or more,
 *                   given by the exceptions
 *   exceptions      only when L > 65535: varint e, then per exception
 *                   varint (position - previous position - 1, the first
 *                   from -1) and varint (code - 65535), positions being
 *                   those of the e codes 0xFFFF in order
 *
 * Why this shape (BENCHMARKS.md, "Token column v2"): frequency-ranked
 * codes make more than half of the tokens one byte (54% on Reuters);
 * keeping the codes byte-aligned, with the lengths apart, lets zstd on top
 * find the same phrases and byte statistics it found in format 1's varints
 * (bit-packed codes came out larger after zstd), while decoding is a byte
 * shuffle per 8 codes (SSSE3; without it a branch-free two-byte load and
 * mask per code) and a table lookup per id (the table is L1/L2-resident),
 * 3-4x faster than format 1's varint loop. Sorting each frequency group by id
 * costs no code bytes (the codes of a group have the same length) and
 * makes the dictionary small gaps.
 */
#include "ws_codec.h"

#include <pthread.h>
#include <stdlib.h>

static int bad(const char *what) { return ws_error(WS_ECORRUPT, "column data: %s", what); }

static inline uint32_t bits_of(uint32_t v) { return v ? 32u - (uint32_t)__builtin_clz(v) : 0; }

/* Set bits of n bytes (without a popcount instruction in the baseline
 * x86-64 target, __builtin_popcount is a library call per byte). */
static size_t popcount_bytes(const uint8_t *p, size_t n)
{
    size_t t = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        x = x - ((x >> 1) & 0x5555555555555555ull);
        x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
        x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
        t += (size_t)((x * 0x0101010101010101ull) >> 56);
    }
    for (; i < n; i++)
        for (uint32_t c = p[i]; c; c &= c - 1) t++;
    return t;
}

/* ---- encoder ---- */

typedef struct idcount {
    uint32_t id, count;
} idcount;

/* Stable LSD radix sort of a[0..n) by key(a[i]) (11-bit digits, only as
 * many passes as the largest key needs), tmp of n entries as scratch.
 * Hand-written because it replaced qsort with a comparator call per
 * comparison, which was 7.8% of ingest's CPU on 100k generated stories
 * (perf): a block has tens of thousands of distinct ids to rank. */
#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
static uint32_t key_id(idcount e) { return e.id; }
static uint32_t key_count_desc(idcount e) { return ~e.count; }
static void radix_sort(idcount *a, idcount *tmp, uint32_t n, uint32_t (*key)(idcount))
{
    if (n < 64) { /* insertion sort, also stable */
        for (uint32_t i = 1; i < n; i++) {
            idcount e = a[i];
            uint32_t k = key(e), j = i;
            for (; j > 0 && key(a[j - 1]) > k; j--) a[j] = a[j - 1];
            a[j] = e;
        }
        return;
    }
    uint32_t mx = 0, mn = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = key(a[i]);
        mx = k > mx ? k : mx;
        mn = k < mn ? k : mn;
    }
    uint32_t hist[RADIX_SIZE];
    /* Digits above the highest bit in which keys differ are all equal. */
    for (unsigned shift = 0; shift < 32 && n > 1 && ((mx ^ mn) >> shift); shift += RADIX_BITS) {
        memset(hist, 0, sizeof hist);
        for (uint32_t i = 0; i < n; i++) hist[key(a[i]) >> shift & (RADIX_SIZE - 1)]++;
        uint32_t sum = 0;
        for (uint32_t d = 0; d < RADIX_SIZE; d++) {
            uint32_t c = hist[d];
            hist[d] = sum;
            sum += c;
        }
        for (uint32_t i = 0; i < n; i++) tmp[hist[key(a[i]) >> shift & (RADIX_SIZE - 1)]++] = a[i];
        memcpy(a, tmp, (size_t)n * sizeof *a);
    }
}

static inline uint32_t hash32(uint32_t v) { return (v * 2654435761u) ^ (v >> 15); }

int ws_tok2_encode(const uint32_t *ids, uint64_t n, ws_buf *out)
{
    if (n > UINT32_MAX) return ws_error(WS_EINVAL, "token column: %llu tokens in one block", (unsigned long long)n);
    int rc = 0;
    /* Distinct ids and their counts: open addressing, slot = index + 1. */
    size_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    uint32_t *slot = ws_calloc(cap, sizeof *slot);
    idcount *d = ws_malloc((n ? n : 1) * sizeof *d);
    uint32_t *code = ws_malloc((n ? n : 1) * sizeof *code);
    uint32_t *map = NULL;
    if (!slot || !d || !code) { rc = WS_ENOMEM; goto out; }
    uint32_t L = 0;
    for (uint64_t i = 0; i < n; i++) {
        size_t h = hash32(ids[i]) & (cap - 1);
        while (slot[h] && d[slot[h] - 1].id != ids[i]) h = (h + 1) & (cap - 1);
        if (!slot[h]) {
            d[L] = (idcount){ids[i], 0};
            slot[h] = ++L;
        }
        d[slot[h] - 1].count++;
        code[i] = slot[h] - 1; /* first-appearance index for now */
    }
    /* Frequency ranks, then each power-of-two group by id; map old index -> code. */
    idcount *s = ws_malloc((L ? L : 1) * sizeof *s), *tmp = ws_malloc((L ? L : 1) * sizeof *tmp);
    map = ws_malloc((L ? L : 1) * sizeof *map);
    if (!s || !tmp || !map) {
        ws_free(s);
        ws_free(tmp);
        rc = WS_ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < L; i++) s[i] = (idcount){d[i].id, d[i].count};
    /* Count descending, ties by id (stable passes: id first, then count). */
    radix_sort(s, tmp, L, key_id);
    radix_sort(s, tmp, L, key_count_desc);
    for (uint32_t g = 1; g < L; g <<= 1) radix_sort(s + g, tmp, L - g < g ? L - g : g, key_id);
    ws_free(tmp);
    /* The hash table finds each id's first-appearance index again. */
    for (uint32_t c = 0; c < L; c++) {
        size_t h = hash32(s[c].id) & (cap - 1);
        while (d[slot[h] - 1].id != s[c].id) h = (h + 1) & (cap - 1);
        map[slot[h] - 1] = c;
    }
    for (uint64_t i = 0; i < n; i++) code[i] = map[code[i]];

    /* Worst case: dictionary 5 bytes an id; control; codes 2 bytes each;
     * exceptions 10 bytes each. */
    uint64_t ne = 0;
    for (uint64_t i = 0; L > 65535 && i < n; i++) ne += code[i] >= 65535;
    if ((rc = ws_buf_reserve(out, 2 * WS_VARINT_MAX + (size_t)L * 5 + (size_t)n / 8 + 1 + (size_t)n * 2 + (size_t)ne * 10))) {
        ws_free(s);
        goto out;
    }
    ws_buf_put_varint(out, L);
    for (uint32_t c = 0; c < L; c++) {
        int first = c == 0 || (c & (c - 1)) == 0; /* 0, 1, 2, 4, ...: a group starts */
        ws_buf_put_varint(out, first ? s[c].id : s[c].id - s[c - 1].id - 1);
    }
    ws_free(s);
    uint8_t *p = out->p + out->n;
    if (L > 256) {
        memset(p, 0, (size_t)((n + 7) / 8));
        for (uint64_t i = 0; i < n; i++)
            if (code[i] > 255) p[i / 8] |= (uint8_t)(1u << (i % 8));
        p += (n + 7) / 8;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint32_t c = code[i] < 65535 ? code[i] : 65535;
        *p++ = (uint8_t)c;
        if (c > 255) *p++ = (uint8_t)(c >> 8);
    }
    if (L > 65535) {
        p += ws_varint_put(p, ne);
        uint64_t prev = UINT64_MAX;
        for (uint64_t i = 0; i < n; i++)
            if (code[i] >= 65535) {
                p += ws_varint_put(p, i - prev - 1);
                p += ws_varint_put(p, code[i] - 65535);
                prev = i;
            }
    }
    out->n = (size_t)(p - out->p);
out:
    ws_free(slot);
    ws_free(d);
    ws_free(code);
    ws_free(map);
    return rc;
}

/* ---- decoder ---- */

/* Decoding runs in tiles of WS_TOK2_TILE tokens: the codes are expanded
 * to 16 bits (expand_*), then looked up (lookup), both passes over an
 * L1-resident buffer. Split so, each loop is simple: the expansion is one
 * shuffle per 8 codes where the CPU has SSSE3 (the idea of Stream VByte,
 * Lemire et al. 2018, for one- and two-byte codes), and the lookup has no
 * branch. */
#define WS_TOK2_TILE 512u

typedef uint32_t (*expand_fn)(const uint8_t *, const uint8_t **, size_t, uint16_t *, uint32_t);

/* Expand ngroups groups of 8 codes from *pp, control bytes ctl, to 16 bits.
 * Reads at most 16 bytes from the start of each group (the caller passes
 * only groups with that much left before the end of the chunk). */
static uint32_t expand_scalar(const uint8_t *ctl, const uint8_t **pp, size_t ngroups, uint16_t *codes, uint32_t maxcode)
{
    const uint8_t *p = *pp;
    uint32_t mx = 0;
    for (size_t g = 0; g < ngroups; g++) {
        uint32_t c = ctl[g];
        for (int j = 0; j < 8; j++) {
            uint32_t two = c >> j & 1;
            uint32_t w = p[0] | (uint32_t)p[1] << 8;
            uint32_t code = w & (0xFFu | ((0u - two) << 8 & 0xFF00u));
            codes[8 * g + (size_t)j] = (uint16_t)code;
            mx = code > mx ? code : mx;
            p += 1 + two;
        }
    }
    *pp = p;
    return mx > maxcode;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define WS_TOK2_SSSE3 1
/* pshufb masks: for control byte c, output word j takes the next byte, and
 * the one after it as its high byte when bit j of c is set (else zero). */
static uint8_t g_shuf[256][16];
static uint8_t g_glen[256];

__attribute__((target("ssse3"))) static uint32_t expand_ssse3(const uint8_t *ctl, const uint8_t **pp, size_t ngroups,
                                                              uint16_t *codes, uint32_t maxcode)
{
    const uint8_t *p = *pp;
    /* code - maxcode, saturated at 0, is not 0 exactly for a code above maxcode */
    const __m128i lim = _mm_set1_epi16((short)(uint16_t)maxcode);
    __m128i over = _mm_setzero_si128();
    for (size_t g = 0; g < ngroups; g++) {
        uint32_t c = ctl[g];
        __m128i in = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i sh = _mm_loadu_si128((const __m128i *)(const void *)g_shuf[c]);
        __m128i v = _mm_shuffle_epi8(in, sh);
        over = _mm_or_si128(over, _mm_subs_epu16(v, lim));
        _mm_storeu_si128((__m128i *)(void *)(codes + 8 * g), v);
        p += g_glen[c];
    }
    *pp = p;
    return _mm_movemask_epi8(_mm_cmpeq_epi8(over, _mm_setzero_si128())) != 0xFFFF;
}

static int g_have_ssse3;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static void tok2_init(void)
{
    for (int c = 0; c < 256; c++) {
        int o = 0;
        for (int j = 0; j < 8; j++) {
            g_shuf[c][2 * j] = (uint8_t)o++;
            g_shuf[c][2 * j + 1] = c >> j & 1 ? (uint8_t)o++ : 0x80;
        }
        g_glen[c] = (uint8_t)o;
    }
    __builtin_cpu_init();
    g_have_ssse3 = __builtin_cpu_supports("ssse3") ? 1 : 0;
}
#endif

static expand_fn pick_expand(void)
{
#ifdef WS_TOK2_SSSE3
    pthread_once(&g_once, tok2_init);
    return g_have_ssse3 ? expand_ssse3 : expand_scalar;
#else
    return expand_scalar;
#endif
}

/* out[i] = tab[codes[i]], every code checked before (at most the table's
 * last index), every table entry below the dictionary's size. */
static inline void lookup(const uint16_t *codes, size_t n, const uint32_t *tab, uint32_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = tab[codes[i]];
}

/* Read the block dictionary at *pp into dict: the L ids, padded to a power
 * of two (*tabn, at most 2^16) with UINT32_MAX (>= any dict_terms): any code
 * of the stream, masked to 16 bits, indexes it, and one at or above L gives
 * an id that fails the final range check; no branch per id. */
/* Tokens [lo, hi) of a one-byte-code block: each code looked up in the
 * block dictionary tab (index masked by m, so a bad code reads in bounds);
 * *any gathers the codes' bits and *mx the largest id, for the caller's
 * check once the loop is done (no branch per token). */
static inline void lookup_bytes(const uint8_t *p, uint64_t lo, uint64_t hi, const uint32_t *tab, uint32_t m,
                                uint32_t *out, uint32_t *any, uint32_t *mx)
{
    uint32_t a = *any, x = *mx;
    for (uint64_t t = lo; t < hi; t++) {
        uint32_t code = p[t];
        a |= code;
        uint32_t v = tab[code & m];
        out[t] = v;
        x = v > x ? v : x;
    }
    *any = a;
    *mx = x;
}

static int read_dict(const uint8_t **pp, const uint8_t *end, uint64_t ntokens, uint32_t dict_terms, ws_buf *dict,
                     uint64_t *Lp, size_t *tabnp)
{
    const uint8_t *p = *pp;
    uint64_t L;
    if (ws_varint_get(&p, end, &L)) return bad("token dictionary size");
    if ((L == 0) != (ntokens == 0) || L > ntokens || L > dict_terms) return bad("token dictionary size");
    uint32_t wmax = L > 1 ? bits_of((uint32_t)(L - 1)) : 0;
    if (wmax > 16) wmax = 16;
    size_t tabn = (size_t)1 << wmax, tabsz = tabn > L ? tabn : (size_t)L;
    dict->n = 0;
    int rc = ws_buf_reserve(dict, tabsz * 4);
    if (rc) return rc;
    uint32_t *tab = (uint32_t *)(void *)dict->p;
    for (uint64_t c = 0; c < L; c++) {
        uint64_t v;
        /* most gaps take one byte: read those without the general loop */
        if (WS_LIKELY(p < end && *p < 0x80)) v = *p++;
        else if (ws_varint_get(&p, end, &v)) return bad("token dictionary");
        int first = c == 0 || (c & (c - 1)) == 0;
        if (!first) v += (uint64_t)tab[c - 1] + 1;
        if (v >= dict_terms) return bad("token id beyond the dictionary");
        tab[c] = (uint32_t)v;
    }
    for (size_t c = (size_t)L; c < tabn; c++) tab[c] = UINT32_MAX;
    *pp = p;
    *Lp = L;
    *tabnp = tabn;
    return 0;
}

/* The control stream and where the fast expansion stops (see below):
 * *ctlp, *fastp (whole groups of 8 expanded 16 bytes at a time), *cendp
 * (the end of the codes). p is advanced past the control stream. */
static int read_control(const uint8_t **pp, const uint8_t *end, size_t n, const uint8_t **ctlp, size_t *fastp,
                        const uint8_t **cendp)
{
    const uint8_t *p = *pp;
    size_t nctl = (n + 7) / 8;
    if ((size_t)(end - p) < nctl) return bad("token control truncated");
    const uint8_t *ctl = p;
    p += nctl;
    size_t two = popcount_bytes(ctl, nctl);
    if (n % 8 && ctl[nctl - 1] >> (n % 8)) return bad("token control bits past the last token");
    if ((size_t)(end - p) < n + two) return bad("token codes truncated");
    /* Whole groups go through the fast expansion while the 16 bytes it
     * loads lie within the chunk; the rest byte by byte. */
    size_t avail = (size_t)(end - p), fast = n / 8, start = n + two; /* start: where group `fast` begins, from p */
    if (n % 8) start -= n % 8 + popcount_bytes(ctl + n / 8, 1);
    while (fast) {
        size_t gl = 8 + popcount_bytes(ctl + fast - 1, 1);
        if (start - gl + 16 <= avail) break;
        start -= gl;
        fast--;
    }
    *cendp = p + n + two;
    *pp = p;
    *ctlp = ctl;
    *fastp = fast;
    return 0;
}

int ws_tok2_codes(const uint8_t *raw, size_t len, uint64_t ntokens, uint32_t dict_terms, ws_buf *dict,
                  uint16_t *codes, uint32_t *ncodes)
{
    const uint8_t *p = raw, *end = raw + len;
    uint64_t L;
    size_t tabn;
    *ncodes = 0;
    int rc = read_dict(&p, end, ntokens, dict_terms, dict, &L, &tabn);
    if (rc) return rc;
    if (L > 65535) return 0; /* escapes: the caller decodes ids */
    size_t n = (size_t)ntokens;
    uint32_t mx = 0;
    if (L <= 256) {
        if ((size_t)(end - p) != n) return bad("token codes do not fill the chunk");
        for (size_t i = 0; i < n; i++) {
            uint32_t c = p[i];
            codes[i] = (uint16_t)c;
            mx = c > mx ? c : mx;
        }
        if (n && mx >= L) return bad("token code beyond the block dictionary");
        *ncodes = (uint32_t)L;
        return 0;
    }
    const uint8_t *ctl, *cend;
    size_t fast;
    if ((rc = read_control(&p, end, n, &ctl, &fast, &cend))) return rc;
    /* Straight into the caller's codes: no tiles, no lookup. */
    if (fast && pick_expand()(ctl, &p, fast, codes, (uint32_t)L - 1)) return bad("token code beyond the block dictionary");
    for (size_t i = fast * 8; i < n; i++) {
        uint32_t code = *p++;
        if (ctl[i / 8] >> (i % 8) & 1) code |= (uint32_t)*p++ << 8;
        codes[i] = (uint16_t)code;
        mx = code > mx ? code : mx;
    }
    if (p != cend) return bad("token codes do not fill the chunk");
    if (mx >= L) return bad("token code beyond the block dictionary");
    if (p != end) return bad("token ids do not fill the chunk");
    *ncodes = (uint32_t)L;
    return 0;
}

int ws_tok2_decode(const uint8_t *raw, size_t len, uint64_t ntokens, uint32_t dict_terms, ws_buf *dict, uint32_t *out)
{
    const uint8_t *p = raw, *end = raw + len;
    uint64_t L;
    size_t tabn;
    int rc = read_dict(&p, end, ntokens, dict_terms, dict, &L, &tabn);
    if (rc) return rc;
    const uint32_t *tab = (const uint32_t *)(const void *)dict->p;
    const uint32_t m = (uint32_t)(tabn - 1);
    uint32_t mx = 0, any = 0;
    size_t n = (size_t)ntokens;
    if (L <= 256) { /* one byte a code, no control stream */
        if ((size_t)(end - p) != n) return bad("token codes do not fill the chunk");
        lookup_bytes(p, 0, n, tab, m, out, &any, &mx);
        if (any > m || (n && mx >= dict_terms)) return bad("token code beyond the block dictionary");
        return 0;
    }
    const uint8_t *ctl, *cend;
    size_t fast;
    if ((rc = read_control(&p, end, n, &ctl, &fast, &cend))) return rc;
    expand_fn expand = pick_expand();
    /* Codes in the stream are at most 0xFFFF (the escape, when L > 65535)
     * or L - 1: checked per tile before the lookup. */
    uint32_t maxcode = L > 65535 ? 65535 : (uint32_t)L - 1;
    uint16_t codes[WS_TOK2_TILE];
    for (size_t g = 0; g < fast; g += WS_TOK2_TILE / 8) {
        size_t ng = fast - g < WS_TOK2_TILE / 8 ? fast - g : WS_TOK2_TILE / 8;
        if (expand(ctl + g, &p, ng, codes, maxcode)) return bad("token code beyond the block dictionary");
        lookup(codes, ng * 8, tab, out + 8 * g);
    }
    for (size_t i = fast * 8; i < n; i++) {
        uint32_t code = *p++;
        if (ctl[i / 8] >> (i % 8) & 1) code |= (uint32_t)*p++ << 8;
        any |= code;
        uint32_t v = tab[code & m];
        out[i] = v;
        mx = v > mx ? v : mx;
    }
    if (p != cend) return bad("token codes do not fill the chunk");
    if (any > m || mx >= dict_terms) return bad("token code beyond the block dictionary");
    if (L <= 65535) return p == end ? 0 : bad("token ids do not fill the chunk");
    /* L > 65535: every 0xFFFF is an escape (decoded so far as code 65535's
     * id) with one exception giving its code. */
    uint64_t e;
    if (ws_varint_get(&p, end, &e) || e > n) return bad("token exception count");
    const uint32_t esc = tab[65535];
    uint64_t nesc = 0;
    for (size_t i = 0; i < n; i++) nesc += out[i] == esc;
    if (nesc != e) return bad("token exceptions do not match the escapes");
    uint64_t pos = UINT64_MAX;
    for (uint64_t k = 0; k < e; k++) {
        uint64_t gap, hi;
        if (ws_varint_get(&p, end, &gap) || ws_varint_get(&p, end, &hi)) return bad("token exception");
        if (gap >= n || (pos += gap + 1) >= n || out[pos] != esc) return bad("token exception position");
        if (hi >= L - 65535) return bad("token code beyond the block dictionary");
        out[pos] = tab[65535 + hi];
    }
    return p == end ? 0 : bad("token ids do not fill the chunk");
}

/* ---- row-range decoding (the story postings' fast path) ---- */

static size_t popcount_byte(uint32_t v)
{
    uint8_t b = (uint8_t)v;
    return popcount_bytes(&b, 1);
}

/* Set bits [from, to) of the control stream ctl (bit t: token t). */
static size_t popcount_range(const uint8_t *ctl, uint64_t from, uint64_t to)
{
    if (from >= to) return 0;
    size_t b0 = (size_t)(from / 8), b1 = (size_t)(to / 8);
    unsigned lo = (unsigned)(from % 8), hi = (unsigned)(to % 8);
    if (b0 == b1) return popcount_byte(ctl[b0] >> lo & ((1u << (hi - lo)) - 1));
    size_t t = popcount_byte(ctl[b0] >> lo) + popcount_bytes(ctl + b0 + 1, b1 - b0 - 1);
    return hi ? t + popcount_byte(ctl[b1] & ((1u << hi) - 1)) : t;
}

/* The last wanted row's end token (0: none). */
static uint64_t last_wanted_end(const uint64_t *tok_off, uint32_t nrows, const uint8_t *want)
{
    for (uint32_t r = nrows; r > 0; r--)
        if (want[r - 1]) return tok_off[r];
    return 0;
}

size_t ws_tok2_rows_need(const uint8_t *raw, size_t have, uint64_t ntokens, const uint64_t *tok_off, uint32_t nrows,
                         const uint8_t *want)
{
    const uint8_t *p = raw, *end = raw + have;
    uint64_t L, v;
    if (ws_varint_get(&p, end, &L)) return have >= 2 * WS_VARINT_MAX ? SIZE_MAX : 0;
    if (L > 65535 || L > ntokens) return SIZE_MAX; /* the exceptions are at the end */
    for (uint64_t c = 0; c < L; c++)
        if (ws_varint_get(&p, end, &v)) return (size_t)(end - p) >= WS_VARINT_MAX ? SIZE_MAX : 0;
    uint64_t e = last_wanted_end(tok_off, nrows, want), hdr = (uint64_t)(p - raw);
    if (e > ntokens) return SIZE_MAX;
    if (L <= 256) return (size_t)(hdr + e);
    uint64_t nctl = (ntokens + 7) / 8;
    if (hdr + nctl > have) return 0;
    return (size_t)(hdr + nctl + e + popcount_range(p, 0, e));
}

int ws_tok2_decode_rows(const uint8_t *raw, size_t len, size_t have, uint64_t ntokens, uint32_t dict_terms, ws_buf *dict,
                        const uint64_t *tok_off, uint32_t nrows, const uint8_t *want, uint32_t *out)
{
    if (have > len) return bad("token chunk prefix longer than the chunk");
    const uint8_t *p = raw, *end = raw + have;
    uint64_t L;
    size_t tabn;
    int rc = read_dict(&p, end, ntokens, dict_terms, dict, &L, &tabn);
    if (rc) return rc;
    if (tok_off[0] != 0 || tok_off[nrows] != ntokens) return bad("row token offsets do not cover the block");
    const uint32_t *tab = (const uint32_t *)(const void *)dict->p;
    const uint32_t m = (uint32_t)(tabn - 1);
    uint32_t mx = 0, any = 0;
    const size_t n = (size_t)ntokens, hdr = (size_t)(p - raw);
    const size_t avail = have - hdr; /* bytes after the dictionary present */
    if (L <= 256) { /* one byte a code: token t is byte t */
        if (len - hdr != n) return bad("token codes do not fill the chunk");
        if (last_wanted_end(tok_off, nrows, want) > avail) return bad("token chunk prefix too short");
        for (uint32_t r = 0; r < nrows; r++) {
            if (!want[r]) continue;
            const uint64_t a = tok_off[r], e = tok_off[r + 1];
            if (a > e || e > n) return bad("row token offsets out of order");
            lookup_bytes(p, a, e, tab, m, out, &any, &mx);
        }
        if (any > m || (n && mx >= dict_terms)) return bad("token code beyond the block dictionary");
        return 0;
    }
    if (L > 65535 && have != len) return bad("token chunk prefix too short");
    const size_t nctl = (n + 7) / 8;
    if (avail < nctl) return bad("token control truncated");
    const uint8_t *ctl = p;
    p += nctl;
    const size_t two = popcount_bytes(ctl, nctl);
    if (n % 8 && ctl[nctl - 1] >> (n % 8)) return bad("token control bits past the last token");
    const size_t cend = nctl + n + two; /* the codes' end, from the dictionary's end */
    if (len - hdr < cend) return bad("token codes truncated");
    if (L <= 65535 && len - hdr != cend) return bad("token ids do not fill the chunk");
    const size_t navail = avail - nctl; /* code bytes present */
    /* Token t starts at byte t + (set control bits before t): walk the
     * wanted rows in order, counting the bits skipped between them. */
    uint64_t tpos = 0, nesc = 0;
    size_t bpos = 0;
    for (uint32_t r = 0; r < nrows; r++) {
        if (!want[r]) continue;
        const uint64_t a = tok_off[r], e = tok_off[r + 1];
        if (a > e || e > n || a < tpos) return bad("row token offsets out of order");
        bpos += (size_t)(a - tpos) + popcount_range(ctl, tpos, a);
        if (bpos + (e - a) + popcount_range(ctl, a, e) > navail) return bad("token chunk prefix too short");
        const uint8_t *q = p + bpos;
        for (uint64_t t = a; t < e; t++) {
            uint32_t two1 = ctl[t / 8] >> (t % 8) & 1;
            uint32_t code = q[0] | (two1 ? (uint32_t)q[1] << 8 : 0);
            q += 1 + two1;
            any |= code;
            nesc += code == 0xFFFF;
            uint32_t v = tab[code & m];
            out[t] = v;
            mx = v > mx ? v : mx;
        }
        bpos = (size_t)(q - p);
        tpos = e;
    }
    if (any > m || (n && mx >= dict_terms)) return bad("token code beyond the block dictionary");
    if (L <= 65535) return 0;
    /* L > 65535: each escape (code 0xFFFF) in a wanted row takes its code
     * from its exception; the list is read whole (positions are gaps), the
     * exceptions in rows not asked for are checked for range only. */
    p = raw + hdr + cend;
    end = raw + len;
    uint64_t ne, pos = UINT64_MAX, used = 0;
    if (ws_varint_get(&p, end, &ne) || ne > n) return bad("token exception count");
    const uint32_t esc = tab[65535];
    uint32_t r = 0;
    for (uint64_t k = 0; k < ne; k++) {
        uint64_t gap, hi;
        if (ws_varint_get(&p, end, &gap) || ws_varint_get(&p, end, &hi)) return bad("token exception");
        if (gap >= n || (pos += gap + 1) >= n) return bad("token exception position");
        if (hi >= L - 65535) return bad("token code beyond the block dictionary");
        while (r < nrows && tok_off[r + 1] <= pos) r++;
        if (r >= nrows || !want[r]) continue;
        if (out[pos] != esc) return bad("token exception position");
        out[pos] = tab[65535 + hi];
        used++;
    }
    if (used != nesc) return bad("token exceptions do not match the escapes");
    return p == end ? 0 : bad("token ids do not fill the chunk");
}
