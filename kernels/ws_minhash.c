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

/* The join's per-story state, packed so that one cache line read serves
 * both the union-find and the window test of a story (at a million
 * stories these arrays no longer fit in cache, and these reads are random:
 * a story's run partners in a band are anywhere in time order).
 * lo: the earliest index within the window of this story (0 when every
 * earlier story is: no window, or the story is undated). */
typedef struct mh_node {
    uint32_t parent, lo;
} mh_node;

/* Union-find as ws_uf (the smallest index is every root, path halving). */
static uint32_t node_find(mh_node *u, uint32_t x)
{
    while (u[x].parent != x) {
        u[x].parent = u[u[x].parent].parent;
        x = u[x].parent;
    }
    return x;
}

static void node_union(mh_node *u, uint32_t x, uint32_t y)
{
    x = node_find(u, x);
    y = node_find(u, y);
    if (x < y) u[y].parent = x;
    else if (y < x) u[x].parent = y;
}

/* Sorting (key << 32 | index) entries so that equal keys form runs in
 * index (chronological) order. One stable pass scatters the entries by the
 * key's top `bits` bits into at most 256 buckets (bits grows with the
 * number of entries up to 8: a few hundred entries a bucket for small sets,
 * about 4,000 at a million, 32 KB, which L2 holds); each bucket is then
 * sorted by the rest of the key while it is in cache
 * (three stable counting passes, or insertion sort when small) and its
 * runs are scanned at once. Four 8-bit passes over the whole array, as
 * this was first written, streamed 16 bytes an entry through memory four
 * times per band: at a million stories (8 MB an array, no longer in
 * cache) that made the join grow faster than the number of stories. */
static unsigned part_bits(size_t n)
{
    unsigned b = 0;
    while (b < 8 && (n >> b) > 512) b++;
    return b;
}

/* The bucket of a key: its top `bits` bits (bits <= 8; two shifts so that
 * bits = 0, one bucket, needs no special case). */
static inline uint32_t bucket_of(uint32_t key, unsigned bits) { return key >> 24 >> (8 - bits); }

/* Scatter the entries (key[k] << 32 | idx[k], idx NULL: k) by the top
 * `bits` bits of the key into out; bucket d is out[start[d] ..
 * start[d + 1]). hist: the number of keys of bucket d at hist[d + 1]
 * (hist[0] = 0), counted by the caller, or NULL to count them here. */
static void partition(const uint32_t *key, const uint32_t *idx, size_t n, unsigned bits, const uint32_t *hist,
                      uint64_t *out, uint32_t *start)
{
    size_t nb = (size_t)1 << bits;
    if (hist) {
        memcpy(start, hist, (nb + 1) * sizeof *start);
    } else {
        memset(start, 0, (nb + 1) * sizeof *start);
        for (size_t k = 0; k < n; k++) start[bucket_of(key[k], bits) + 1]++;
    }
    for (size_t d = 0; d < nb; d++) start[d + 1] += start[d];
    /* start[d] is now where bucket d begins; scatter with a moving copy */
    uint32_t pos[256];
    memcpy(pos, start, nb * sizeof *pos);
    if (idx)
        for (size_t k = 0; k < n; k++) out[pos[bucket_of(key[k], bits)]++] = (uint64_t)key[k] << 32 | idx[k];
    else
        for (size_t k = 0; k < n; k++) out[pos[bucket_of(key[k], bits)]++] = (uint64_t)key[k] << 32 | k;
}

/* Sort one bucket a[0..m) by the low `rbits` bits of the key (the top ones
 * are equal), stably; returns where the result is (a or tmp). Entries are
 * unique (their indices are), so sorting them as 64-bit numbers is the
 * stable sort by key: insertion sort does that for small buckets. */
static uint64_t *sort_bucket(uint64_t *a, uint64_t *tmp, size_t m, unsigned rbits, uint32_t *count)
{
    if (m < 32) {
        for (size_t i = 1; i < m; i++) {
            uint64_t v = a[i];
            size_t j = i;
            for (; j && a[j - 1] > v; j--) a[j] = a[j - 1];
            a[j] = v;
        }
        return a;
    }
    unsigned d = (rbits + 2) / 3; /* three passes of d bits (d <= 11) */
    uint32_t nd = 1u << d, mask = nd - 1;
    for (unsigned pass = 0; pass < 3 && pass * d < rbits; pass++) {
        unsigned sh = 32 + pass * d;
        memset(count, 0, (nd + 1) * sizeof *count);
        for (size_t i = 0; i < m; i++) count[((a[i] >> sh) & mask) + 1]++;
        for (uint32_t k = 0; k < nd; k++) count[k + 1] += count[k];
        for (size_t i = 0; i < m; i++) tmp[count[(a[i] >> sh) & mask]++] = a[i];
        uint64_t *t = a;
        a = tmp, tmp = t;
    }
    return a;
}

/* Copy GROUP bands' keys (from `band` on, ng of them) out of the records
 * into kb (band j of the group at kb[j * nv ..]), counting each band's
 * bucket sizes into hist (257 a band) on the way; with ek, also the top 32
 * bits of each exact hash (the first bytes of the same records) and their
 * bucket sizes (ehist). The records (268 bytes each at the defaults) are
 * so read once per group of bands rather than once per band, which at a
 * million stories is the difference between streaming memory and missing
 * the cache on every record in every band. */
enum { GROUP = 16 };
static void extract(const ws_mh_item *items, const uint32_t *vi, size_t nv, uint32_t band, uint32_t ng, unsigned bits,
                    uint32_t *kb, uint32_t *hist, uint32_t *ek, uint32_t *ehist)
{
    memset(hist, 0, GROUP * 257 * sizeof *hist);
    if (ek) memset(ehist, 0, 257 * sizeof *ehist);
    for (size_t k = 0; k < nv; k++) {
        if (k + 8 < nv) __builtin_prefetch(ws_mh_row_sig(items[vi[k + 8]].row) + 4 * (size_t)band);
        const uint8_t *row = items[vi[k]].row, *sig = ws_mh_row_sig(row) + 4 * (size_t)band;
        if (ek) {
            uint32_t key = (uint32_t)(ws_mh_row_exact(row) >> 32);
            ek[k] = key;
            ehist[bucket_of(key, bits) + 1]++;
        }
        for (uint32_t j = 0; j < ng; j++) {
            uint32_t key = ws_le32_get(sig + 4 * j);
            kb[j * nv + k] = key;
            hist[j * 257 + bucket_of(key, bits) + 1]++;
        }
    }
}

int ws_mh_cluster(const ws_mh_item *items, size_t n, uint32_t perm, double threshold, int64_t window_s, uint32_t *root,
                  ws_mh_stats *stats)
{
    ws_mh_stats st = {0};
    if (n > UINT32_MAX - 1) return WS_ETOOBIG;
    /* The window test below relies on the chronological order the callers
     * give: dated stories by date, then the undated ones. */
    size_t nd = 0;
    while (nd < n && items[nd].date != WS_DATE_UNKNOWN) nd++;
    for (size_t i = 1; i < nd; i++)
        if (items[i].date < items[i - 1].date) return ws_error(WS_EINVAL, "ws_mh_cluster: stories out of date order");
    for (size_t i = nd; i < n; i++)
        if (items[i].date != WS_DATE_UNKNOWN)
            return ws_error(WS_EINVAL, "ws_mh_cluster: an undated story before a dated one");
    uint32_t bands = perm / WS_MH_ROWS;
    unsigned bits = 0;
    size_t nv = 0;
    mh_node *u = ws_malloc((n + 1) * sizeof *u);
    uint32_t *vi = ws_malloc((n + 1) * sizeof *vi), *kb = NULL, *ek = NULL, *start = NULL, *count = NULL, *hist = NULL;
    uint64_t *pk = NULL, *tmp = NULL;
    int rc = u && vi ? 0 : WS_ENOMEM;
    /* lo: with the stories in date order, the ones within the window of a
     * dated story i are a range ending at i; it starts at lo. */
    for (size_t i = 0, lo = 0; !rc && i < n; i++) {
        u[i].parent = (uint32_t)i;
        if (window_s && i < nd)
            while (items[i].date - items[lo].date > window_s) lo++;
        u[i].lo = window_s && i < nd ? (uint32_t)lo : 0;
    }
    for (size_t i = 0; !rc && i < n; i++)
        if (ws_mh_row_nsh(items[i].row)) vi[nv++] = (uint32_t)i;
    const uint32_t *pidx = nv == n ? NULL : vi; /* partition's entries: vi[k], or k when every story counts */
    if (!rc) {
        bits = part_bits(nv);
        kb = ws_malloc(((size_t)GROUP * nv + 1) * sizeof *kb);
        ek = ws_malloc((nv + 1) * sizeof *ek);
        start = ws_malloc(2 * 257 * sizeof *start); /* [0, 257): bucket starts; then the exact pass's counts */
        hist = ws_malloc(GROUP * 257 * sizeof *hist);
        count = ws_malloc(2049 * sizeof *count);
        pk = ws_malloc((nv + 1) * sizeof *pk);
        tmp = ws_malloc((nv + 1) * sizeof *tmp); /* only a bucket's worth is ever touched */
        if (!kb || !ek || !start || !hist || !count || !pk || !tmp) rc = WS_ENOMEM;
    }
    for (uint32_t band = 0; !rc && band < (bands ? bands : 1); band++) {
        uint32_t g = band % GROUP;
        if (!g) {
            uint32_t ng = bands - band < GROUP ? bands - band : GROUP;
            extract(items, vi, nv, band, ng, bits, kb, hist, band ? NULL : ek, start + 257);
        }
        if (!band) {
            /* Exact copies first: equal hash and length. Runs of equal top
             * 32 bits of the hash, in chronological order; each story joins
             * the latest earlier member with the same full hash and length,
             * when within the window. */
            partition(ek, pidx, nv, bits, start + 257, pk, start);
            ws_free(ek);
            ek = NULL;
            for (size_t d = 0; d < (size_t)1 << bits; d++) {
                size_t m = start[d + 1] - start[d];
                if (m < 2) continue;
                const uint64_t *b = sort_bucket(pk + start[d], tmp, m, 32 - bits, count);
                for (size_t lo = 0, hi; lo < m; lo = hi) {
                    for (hi = lo + 1; hi < m && b[hi] >> 32 == b[lo] >> 32;) hi++;
                    for (size_t p = lo + 1; p < hi; p++) {
                        uint32_t i = (uint32_t)b[p];
                        for (size_t q = p; q-- > lo;) {
                            uint32_t j = (uint32_t)b[q];
                            if (ws_mh_row_exact(items[i].row) != ws_mh_row_exact(items[j].row) ||
                                ws_mh_row_nsh(items[i].row) != ws_mh_row_nsh(items[j].row))
                                continue;
                            if (j >= u[i].lo) st.exact_pairs++, node_union(u, i, j);
                            break;
                        }
                    }
                }
            }
        }
        if (band >= bands) break;
        partition(kb + (size_t)g * nv, pidx, nv, bits, hist + (size_t)g * 257, pk, start);
        /* Buckets in key order, runs in key order within: the candidates
         * are met in the order of one sort of the whole band (which the
         * statistics depend on). */
        for (size_t d = 0; d < (size_t)1 << bits; d++) {
            size_t m = start[d + 1] - start[d];
            if (m < 2) continue;
            const uint64_t *b = sort_bucket(pk + start[d], tmp, m, 32 - bits, count);
            /* The members of runs are read in random order: ask for them
             * all first, so that their cache misses overlap. */
            for (size_t p = 1; p < m; p++)
                if (b[p] >> 32 == b[p - 1] >> 32) {
                    __builtin_prefetch(&u[(uint32_t)b[p]]);
                    __builtin_prefetch(&u[(uint32_t)b[p - 1]]);
                }
            for (size_t lo = 0, hi; lo < m; lo = hi) {
                for (hi = lo + 1; hi < m && b[hi] >> 32 == b[lo] >> 32;) hi++;
                for (size_t p = lo + 1; p < hi; p++) {
                    uint32_t i = (uint32_t)b[p], wlo = u[i].lo;
                    for (size_t q = p, seen = 0; q-- > lo && seen < WS_MH_LOOKBACK; seen++) {
                        uint32_t j = (uint32_t)b[q];
                        /* Dated stories come first, in date order, so the
                         * first earlier one out of the window ends the
                         * look-back (j < lo only when both are dated). */
                        if (j < wlo) break;
                        if (node_find(u, i) == node_find(u, j)) continue;
                        st.candidates++;
                        if (ws_mh_similarity(items[i].row, items[j].row, perm) >= threshold) {
                            st.verified++;
                            node_union(u, i, j);
                        }
                    }
                }
            }
        }
    }
    for (size_t i = 0; !rc && i < n; i++) {
        root[i] = node_find(u, (uint32_t)i);
        st.joined += root[i] != i;
    }
    ws_free(u);
    ws_free(vi);
    ws_free(kb);
    ws_free(ek);
    ws_free(start);
    ws_free(hist);
    ws_free(count);
    ws_free(pk);
    ws_free(tmp);
    if (stats) *stats = st;
    return rc;
}

double ws_mh_candidate_prob(double s, uint32_t rows, uint32_t bands)
{
    return 1 - pow(1 - pow(s, rows), bands);
}
