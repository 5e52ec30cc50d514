/*
 * MinHash signing, similarity estimates, union-find and the LSH join (see
 * ws_minhash.h for what is computed and why).
 */
#include "ws_minhash.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "ws_util.h"

int ws_mh_hasher_init(ws_mh_hasher *h, const ws_mh_params *p)
{
    memset(h, 0, sizeof *h);
    if (p->perm < 2 || p->perm > WS_MH_MAX_PERM || p->perm % 2 || !p->shingle) return WS_EINVAL;
    h->p = *p;
    h->a = ws_malloc(p->perm * sizeof *h->a);
    h->b = ws_malloc(p->perm * sizeof *h->b);
    if (!h->a || !h->b) {
        ws_mh_hasher_free(h);
        return WS_ENOMEM;
    }
    /* The permutations are seeded from XXH3 of (seed, i), so a signature
     * depends only on the parameters (and is the same on every machine). */
    for (uint32_t i = 0; i < p->perm; i++) {
        uint64_t k[2] = {2 * (uint64_t)i, 2 * (uint64_t)i + 1};
        h->a[i] = (uint32_t)XXH3_64bits_withSeed(&k[0], 8, p->seed) | 1u;
        h->b[i] = (uint32_t)XXH3_64bits_withSeed(&k[1], 8, p->seed);
    }
    return 0;
}

void ws_mh_hasher_free(ws_mh_hasher *h)
{
    ws_free(h->a);
    ws_free(h->b);
    h->a = h->b = NULL;
}

uint64_t ws_mh_term_hash(const void *s, size_t n)
{
    uint64_t v = XXH3_64bits(s, n);
    return v ? v : 1;
}

static void put_row(uint8_t *row, uint64_t exact, uint32_t nsh)
{
    ws_le64_put(row, exact);
    ws_le32_put(row + 8, nsh);
}

uint64_t ws_mh_row_exact(const uint8_t *row) { return ws_le64_get(row); }
uint32_t ws_mh_row_nsh(const uint8_t *row) { return ws_le32_get(row + 8); }

/* The hot loop: every permutation of one shingle hash, folded into the
 * running minima. Written out rather than as one seeded XXH3 call per
 * permutation: P multiply-adds on one 32-bit value cost well under a cycle
 * each in vector registers (GCC vector extensions: 8 lanes of vpmulld in
 * the AVX2 clone that target_clones picks at run time, two SSE halves
 * otherwise), where P hash calls would cost P times the shingle's own
 * hashing. */
#if defined(__GNUC__)
typedef uint32_t v8u __attribute__((vector_size(32)));
#if !defined(__clang__) && defined(__x86_64__) && !defined(WS_NO_TARGET_CLONES)
__attribute__((target_clones("avx2", "default")))
#endif
static void perm_min(uint32_t *restrict mins, const uint32_t *restrict a, const uint32_t *restrict b, uint32_t x,
                     uint32_t P)
{
    uint32_t i = 0;
    v8u vx = {x, x, x, x, x, x, x, x};
    for (; i + 8 <= P; i += 8) {
        v8u va, vb, vm;
        memcpy(&va, a + i, sizeof va);
        memcpy(&vb, b + i, sizeof vb);
        memcpy(&vm, mins + i, sizeof vm);
        v8u v = va * vx + vb;
        v ^= v >> 16;
        v8u lt = (v8u)(v < vm);
        vm = (v & lt) | (vm & ~lt);
        memcpy(mins + i, &vm, sizeof vm);
    }
    for (; i < P; i++) {
        uint32_t v = a[i] * x + b[i];
        v ^= v >> 16;
        mins[i] = v < mins[i] ? v : mins[i];
    }
}
#else
static void perm_min(uint32_t *mins, const uint32_t *a, const uint32_t *b, uint32_t x, uint32_t P)
{
    for (uint32_t i = 0; i < P; i++) {
        uint32_t v = a[i] * x + b[i];
        v ^= v >> 16;
        mins[i] = v < mins[i] ? v : mins[i];
    }
}
#endif

void ws_mh_sign(const ws_mh_hasher *h, const uint64_t *th, size_t n, uint64_t *scratch, uint32_t *mins, uint8_t *row)
{
    const uint32_t P = h->p.perm, N = h->p.shingle;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (th[i]) scratch[m++] = th[i];
    uint8_t *sig = row + 12;
    if (!m) {
        put_row(row, 0, 0);
        memset(sig, 0xff, 2 * (size_t)P);
        return;
    }
    for (uint32_t i = 0; i < P; i++) mins[i] = UINT32_MAX;
    size_t nsh = m >= N ? m - N + 1 : 1, w = m >= N ? N : m;
    for (size_t s = 0; s < nsh; s++) {
        uint64_t x = XXH3_64bits_withSeed(scratch + s, w * 8, h->p.seed);
        perm_min(mins, h->a, h->b, (uint32_t)(x ^ (x >> 32)), P);
    }
    put_row(row, XXH3_64bits(scratch, m * 8), nsh > UINT32_MAX ? UINT32_MAX : (uint32_t)nsh);
    for (uint32_t i = 0; i < P; i++) {
        sig[2 * i] = (uint8_t)mins[i];
        sig[2 * i + 1] = (uint8_t)(mins[i] >> 8);
    }
}

double ws_mh_similarity(const uint8_t *a, const uint8_t *b, uint32_t perm)
{
    uint32_t na = ws_mh_row_nsh(a), nb = ws_mh_row_nsh(b);
    if (!na || !nb) return 0;
    if (na == nb && ws_mh_row_exact(a) == ws_mh_row_exact(b)) return 1;
    const uint8_t *sa = a + 12, *sb = b + 12;
    uint32_t eq = 0;
    for (uint32_t i = 0; i < perm; i++) eq += sa[2 * i] == sb[2 * i] && sa[2 * i + 1] == sb[2 * i + 1];
    double j = (double)eq / perm;
    double lo = na < nb ? na : nb;
    double c = j * ((double)na + nb) / ((1 + j) * lo);
    if (c > 1) c = 1;
    return c > j ? c : j;
}

/* ---- union-find ---- */

int ws_uf_init(ws_uf *u, size_t n)
{
    u->n = n;
    u->parent = ws_malloc((n + 1) * sizeof *u->parent);
    if (!u->parent) return WS_ENOMEM;
    for (size_t i = 0; i < n; i++) u->parent[i] = (uint32_t)i;
    return 0;
}

void ws_uf_free(ws_uf *u)
{
    ws_free(u->parent);
    u->parent = NULL;
}

uint32_t ws_uf_find(ws_uf *u, uint32_t x)
{
    while (u->parent[x] != x) {
        u->parent[x] = u->parent[u->parent[x]]; /* path halving */
        x = u->parent[x];
    }
    return x;
}

int ws_uf_union(ws_uf *u, uint32_t x, uint32_t y)
{
    x = ws_uf_find(u, x);
    y = ws_uf_find(u, y);
    if (x == y) return 0;
    /* The smaller index (the earlier story) is the root. Without union by
     * rank trees can grow deeper, but path halving keeps finds short. */
    if (x < y) u->parent[y] = x;
    else u->parent[x] = y;
    return 1;
}

/* ---- the LSH join ---- */

/* Stable LSD radix sort of (key << 32 | index) pairs by their key, four
 * passes of 8 bits: 256 write streams stay in cache, where one pass of 16
 * bits would scatter over 65,536 of them (a cache miss per entry at a
 * million stories). The pairs carry their keys, so the passes and the run
 * scan read memory in order. */
static void radix_sort(uint64_t *a, uint64_t *tmp, size_t n, uint32_t *count)
{
    for (int pass = 0; pass < 4; pass++) {
        int sh = 32 + 8 * pass;
        memset(count, 0, 257 * sizeof *count);
        for (size_t i = 0; i < n; i++) count[((a[i] >> sh) & 0xff) + 1]++;
        for (size_t d = 0; d < 256; d++) count[d + 1] += count[d];
        for (size_t i = 0; i < n; i++) tmp[count[(a[i] >> sh) & 0xff]++] = a[i];
        uint64_t *t = a;
        a = tmp, tmp = t;
    }
    /* four passes: the result is back in the caller's array */
}

/* The dates are read from a compact copy (8 bytes a story, not the
 * items' 16): the look-back reads them in random order. */
static int within(const int64_t *dates, uint32_t later, uint32_t earlier, int64_t window_s)
{
    if (!window_s) return 1;
    int64_t a = dates[later], b = dates[earlier];
    if (a == WS_DATE_UNKNOWN || b == WS_DATE_UNKNOWN) return 1;
    return a - b <= window_s && b - a <= window_s;
}

int ws_mh_cluster(const ws_mh_item *items, size_t n, uint32_t perm, double threshold, int64_t window_s, uint32_t *root,
                  ws_mh_stats *stats)
{
    ws_mh_stats st = {0};
    if (n > UINT32_MAX - 1) return WS_ETOOBIG;
    ws_uf u;
    if (ws_uf_init(&u, n)) return WS_ENOMEM;
    uint64_t *pk = ws_malloc((n + 1) * sizeof *pk), *tmp = ws_malloc((n + 1) * sizeof *tmp);
    uint32_t *count = ws_malloc(257 * sizeof *count);
    int64_t *dates = ws_malloc((n + 1) * sizeof *dates);
    int rc = pk && tmp && count && dates ? 0 : WS_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) dates[i] = items[i].date;
    /* Exact copies: equal hash and length. A radix sort by the hash's top
     * 32 bits puts them in runs in chronological order; each joins the
     * latest earlier member with the same full hash and length, when within
     * the window. */
    size_t m = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (ws_mh_row_nsh(items[i].row)) pk[m++] = (ws_mh_row_exact(items[i].row) >> 32) << 32 | i;
    if (!rc) radix_sort(pk, tmp, m, count);
    for (size_t lo = 0, hi; !rc && lo < m; lo = hi) {
        for (hi = lo + 1; hi < m && pk[hi] >> 32 == pk[lo] >> 32;) hi++;
        for (size_t p = lo + 1; p < hi; p++) {
            uint32_t i = (uint32_t)pk[p];
            for (size_t q = p; q-- > lo;) {
                uint32_t j = (uint32_t)pk[q];
                if (ws_mh_row_exact(items[i].row) != ws_mh_row_exact(items[j].row) ||
                    ws_mh_row_nsh(items[i].row) != ws_mh_row_nsh(items[j].row))
                    continue;
                if (within(dates, i, j, window_s)) st.exact_pairs++, ws_uf_union(&u, i, j);
                break;
            }
        }
    }
    /* Band keys are copied out of the records GROUP bands at a time, band
     * by band in separate arrays: the records (268 bytes each at the
     * defaults) are then read once per group rather than once per band,
     * which at a million stories is the difference between streaming
     * memory and missing the cache on every record in every band. */
    enum { GROUP = 16 };
    uint32_t bands = perm / WS_MH_ROWS;
    uint32_t *vi = rc ? NULL : ws_malloc((n + 1) * sizeof *vi), *kb = NULL;
    size_t nv = 0;
    if (!rc && !vi) rc = WS_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        if (ws_mh_row_nsh(items[i].row)) vi[nv++] = (uint32_t)i;
    if (!rc && !(kb = ws_malloc(((size_t)GROUP * nv + 1) * sizeof *kb))) rc = WS_ENOMEM;
    for (uint32_t band = 0; !rc && band < bands; band++) {
        uint32_t g = band % GROUP;
        if (!g) {
            uint32_t ng = bands - band < GROUP ? bands - band : GROUP;
            for (size_t k = 0; k < nv; k++) {
                const uint8_t *sig = ws_mh_row_sig(items[vi[k]].row) + 4 * (size_t)band;
                for (uint32_t j = 0; j < ng; j++) kb[j * nv + k] = ws_le32_get(sig + 4 * j);
            }
        }
        size_t mm = nv;
        for (size_t k = 0; k < nv; k++) pk[k] = (uint64_t)kb[g * nv + k] << 32 | vi[k];
        radix_sort(pk, tmp, mm, count);
        for (size_t lo = 0, hi; lo < mm; lo = hi) {
            for (hi = lo + 1; hi < mm && pk[hi] >> 32 == pk[lo] >> 32;) hi++;
            for (size_t p = lo + 1; p < hi; p++) {
                uint32_t i = (uint32_t)pk[p];
                for (size_t q = p, seen = 0; q-- > lo && seen < WS_MH_LOOKBACK; seen++) {
                    uint32_t j = (uint32_t)pk[q];
                    /* Dated stories sort first, in date order, so the first
                     * earlier one out of the window ends the look-back. */
                    if (!within(dates, i, j, window_s)) {
                        if (dates[j] != WS_DATE_UNKNOWN && dates[i] != WS_DATE_UNKNOWN) break;
                        continue;
                    }
                    if (ws_uf_find(&u, i) == ws_uf_find(&u, j)) continue;
                    st.candidates++;
                    if (ws_mh_similarity(items[i].row, items[j].row, perm) >= threshold) {
                        st.verified++;
                        ws_uf_union(&u, i, j);
                    }
                }
            }
        }
    }
    for (size_t i = 0; !rc && i < n; i++) {
        root[i] = ws_uf_find(&u, (uint32_t)i);
        st.joined += root[i] != i;
    }
    ws_free(pk);
    ws_free(tmp);
    ws_free(count);
    ws_free(vi);
    ws_free(kb);
    ws_free(dates);
    ws_uf_free(&u);
    if (stats) *stats = st;
    return rc;
}

double ws_mh_candidate_prob(double s, uint32_t rows, uint32_t bands)
{
    return 1 - pow(1 - pow(s, rows), bands);
}
