/*
 * The LSH join (ws_mh_cluster, kernels/ws_minhash.c) against a naive
 * reference written from its documented semantics: exact copies (each
 * story joins the latest earlier one with the same exact hash and length,
 * when within the window); per band, each story is verified against at
 * most WS_MH_LOOKBACK earlier stories with the same band key, latest
 * first, the first dated one out of the window ending the look-back; a
 * verified pair is joined when its similarity reaches the threshold;
 * clusters are the connected components, rooted at their earliest story.
 * The reference groups keys with qsort, not the join's bucketed radix sort,
 * and tests the window on the dates themselves. Records are
 * made by hand (no signing): signature values from a small alphabet give
 * long runs of equal band keys (longer than the look-back), random ones
 * spread the keys over every bucket; sizes from a few stories to several
 * thousand take every path of the sort (one bucket, insertion sort, radix
 * passes). Also: input out of chronological order is refused.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ws_minhash.h"
#include "ws_util.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

enum { PERM = 16, RB = 12 + 2 * PERM };

static void put_row(uint8_t *row, uint64_t exact, uint32_t nsh, const uint16_t *sig)
{
    for (int i = 0; i < 8; i++) row[i] = (uint8_t)(exact >> (8 * i));
    for (int i = 0; i < 4; i++) row[8 + i] = (uint8_t)(nsh >> (8 * i));
    for (int i = 0; i < PERM; i++) row[12 + 2 * i] = (uint8_t)sig[i], row[13 + 2 * i] = (uint8_t)(sig[i] >> 8);
}

static uint32_t band_key(const uint8_t *row, uint32_t band)
{
    const uint8_t *s = ws_mh_row_sig(row) + 4 * band;
    return (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
}

static int within(const ws_mh_item *it, size_t i, size_t j, int64_t window)
{
    if (!window || it[i].date == WS_DATE_UNKNOWN || it[j].date == WS_DATE_UNKNOWN) return 1;
    int64_t d = it[i].date - it[j].date;
    return d <= window && -d <= window;
}

static uint32_t find(uint32_t *p, uint32_t x)
{
    while (p[x] != x) x = p[x];
    return x;
}

static void join(uint32_t *p, uint32_t x, uint32_t y)
{
    x = find(p, x), y = find(p, y);
    if (x < y) p[y] = x;
    else if (y < x) p[x] = y;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* Runs of equal keys, each in index order: qsort of (key << 32 | index). */
static size_t runs(const ws_mh_item *it, size_t n, int band, uint64_t *e)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ws_mh_row_nsh(it[i].row)) continue;
        uint32_t key = band < 0 ? (uint32_t)(ws_mh_row_exact(it[i].row) >> 32) : band_key(it[i].row, (uint32_t)band);
        e[m++] = (uint64_t)key << 32 | i;
    }
    qsort(e, m, sizeof *e, cmp_u64);
    return m;
}

static void reference(const ws_mh_item *it, size_t n, double thr, int64_t window, uint32_t *root, uint64_t *exact_pairs)
{
    uint32_t *p = malloc((n + 1) * sizeof *p);
    uint64_t *e = malloc((n + 1) * sizeof *e);
    for (size_t i = 0; i < n; i++) p[i] = (uint32_t)i;
    *exact_pairs = 0;
    size_t m = runs(it, n, -1, e);
    for (size_t x = 0; x < m; x++) {
        uint32_t i = (uint32_t)e[x];
        for (size_t y = x; y-- > 0 && e[y] >> 32 == e[x] >> 32;) {
            uint32_t j = (uint32_t)e[y];
            if (ws_mh_row_exact(it[j].row) != ws_mh_row_exact(it[i].row) ||
                ws_mh_row_nsh(it[j].row) != ws_mh_row_nsh(it[i].row))
                continue;
            if (within(it, i, j, window)) ++*exact_pairs, join(p, i, j);
            break;
        }
    }
    for (int band = 0; band < PERM / (int)WS_MH_ROWS; band++) {
        m = runs(it, n, band, e);
        for (size_t x = 0; x < m; x++) {
            uint32_t i = (uint32_t)e[x], seen = 0;
            for (size_t y = x; y-- > 0 && e[y] >> 32 == e[x] >> 32 && seen < WS_MH_LOOKBACK;) {
                uint32_t j = (uint32_t)e[y];
                seen++;
                if (!within(it, i, j, window)) {
                    if (it[i].date != WS_DATE_UNKNOWN && it[j].date != WS_DATE_UNKNOWN) break;
                    continue;
                }
                if (ws_mh_similarity(it[i].row, it[j].row, PERM) >= thr) join(p, i, j);
            }
        }
    }
    for (size_t i = 0; i < n; i++) root[i] = find(p, (uint32_t)i);
    free(p);
    free(e);
}

/* n stories: a share of copies of a recent earlier story (exact, or with
 * some signature values changed; up to `reach` stories back), signature values either from an
 * alphabet of `alpha` values or random; some stories without shingles;
 * dates ascending (steps of 0-1 hour), the last `undated` undated. */
static void make(ws_mh_item *it, uint8_t *rows, size_t n, uint32_t alpha, size_t undated, size_t reach)
{
    int64_t date = 1500000000;
    for (size_t i = 0; i < n; i++) {
        uint8_t *row = rows + i * RB;
        uint16_t sig[PERM];
        uint64_t exact = rnd();
        uint32_t nsh = 20 + (uint32_t)(rnd() % 200);
        unsigned r = (unsigned)(rnd() % 10);
        if (i && r < 4) { /* a copy of one of the last `reach` stories, often a recent one */
            size_t o = i - 1 - rnd() % (i < reach ? i : reach) / (rnd() % 2 ? 1 : 8);
            const uint8_t *src = rows + o * RB;
            exact = ws_mh_row_exact(src);
            nsh = ws_mh_row_nsh(src);
            for (int k = 0; k < PERM; k++) sig[k] = (uint16_t)(src[12 + 2 * k] | src[13 + 2 * k] << 8);
            if (r >= 1) { /* near copy: a few values changed, another length */
                exact = rnd();
                nsh += (uint32_t)(rnd() % 5);
                for (unsigned c = 1 + (unsigned)(rnd() % 6); c--;) sig[rnd() % PERM] = (uint16_t)rnd();
            }
        } else {
            for (int k = 0; k < PERM; k++) sig[k] = (uint16_t)(alpha ? rnd() % alpha : rnd());
            if (r == 9 && rnd() % 4 == 0) nsh = 0; /* no terms: never a copy */
            if (r == 8 && rnd() % 4 == 0) exact = (exact & 0xffffffff00000000ull) | 7; /* top bits shared... */
        }
        put_row(row, exact, nsh, sig);
        date += (int64_t)(rnd() % 3600);
        it[i] = (ws_mh_item){i >= n - undated ? WS_DATE_UNKNOWN : date, row};
    }
}

static void check(size_t n, uint32_t alpha, size_t undated, double thr, int64_t window, size_t reach)
{
    uint8_t *rows = malloc(n * RB + 1);
    ws_mh_item *it = malloc((n + 1) * sizeof *it);
    uint32_t *root = malloc((n + 1) * sizeof *root), *want = malloc((n + 1) * sizeof *want);
    make(it, rows, n, alpha, undated, reach);
    ws_mh_stats st;
    uint64_t exact_pairs;
    cr_assert_eq(ws_mh_cluster(it, n, PERM, thr, window, root, &st), 0);
    reference(it, n, thr, window, want, &exact_pairs);
    size_t joined = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(root[i], want[i], "n %zu alpha %u window %lld thr %.2f: story %zu root %u, want %u", n, alpha,
                     (long long)window, thr, i, root[i], want[i]);
        joined += want[i] != i;
    }
    cr_assert_eq(st.exact_pairs, exact_pairs, "exact pairs %llu, want %llu", (unsigned long long)st.exact_pairs,
                 (unsigned long long)exact_pairs);
    cr_assert_eq(st.joined, joined);
    cr_assert(n < 100 || joined > n / 20, "n %zu: only %zu stories joined: the set tests little", n, joined);
    free(rows);
    free(it);
    free(root);
    free(want);
}

Test(dedup_join, matches_reference_small)
{
    for (size_t n = 1; n <= 64; n++) check(n, n % 2 ? 4 : 0, n % 3, 0.5, n % 4 ? 6 * 3600 : 0, 40);
}

Test(dedup_join, matches_reference_long_runs)
{
    /* an alphabet of 3 values: band keys take 9 values, runs of hundreds */
    check(1500, 3, 40, 0.6, 12 * 3600, 40);
    check(1500, 3, 0, 0.3, 0, 40);
    /* copies from far back: whether the partner is within the look-back
     * of 32 run members decides */
    check(3000, 3, 0, 0.7, 0, 800);
    check(3000, 4, 200, 0.7, 100 * 3600, 800);
}

Test(dedup_join, matches_reference_many_buckets)
{
    /* random values: keys over every bucket, runs only among copies */
    check(6000, 0, 100, 0.5, 24 * 3600, 40);
    check(6000, 0, 0, 0.8, 2 * 3600, 40);
    check(20000, 0, 0, 0.4, 0, 40);
    /* a mixed alphabet: long runs and spread keys together; enough stories
     * for all 256 buckets */
    check(20000, 50, 500, 0.5, 3 * 3600, 40);
    check(140000, 0, 1000, 0.5, 6 * 3600, 40);
}

Test(dedup_join, refuses_unordered_input)
{
    uint8_t rows[3 * RB];
    uint16_t sig[PERM] = {0};
    ws_mh_item it[3];
    for (int i = 0; i < 3; i++) put_row(rows + i * RB, 1, 10, sig);
    uint32_t root[3];
    it[0] = (ws_mh_item){100, rows}, it[1] = (ws_mh_item){50, rows + RB}, it[2] = (ws_mh_item){200, rows + 2 * RB};
    cr_assert_eq(ws_mh_cluster(it, 3, PERM, 0.5, 0, root, NULL), WS_EINVAL);
    it[1].date = WS_DATE_UNKNOWN; /* undated before a dated story */
    cr_assert_eq(ws_mh_cluster(it, 3, PERM, 0.5, 0, root, NULL), WS_EINVAL);
    it[1].date = 150;
    cr_assert_eq(ws_mh_cluster(it, 3, PERM, 0.5, 0, root, NULL), 0);
    cr_assert(root[0] == 0 && root[1] == 0 && root[2] == 0); /* exact copies */
}

/* The look-back bound, exactly: story A, then k fillers that share A's
 * first band key but nothing else, then B, which shares only that band key
 * with A but has 9 of 16 values equal (similarity 0.56). B reaches A in
 * that band only, k + 1 run members back: joined while that is at most
 * WS_MH_LOOKBACK. */
Test(dedup_join, lookback_boundary)
{
    for (uint32_t k = WS_MH_LOOKBACK - 2; k <= WS_MH_LOOKBACK + 1; k++) {
        size_t n = k + 2;
        uint8_t *rows = malloc(n * RB);
        ws_mh_item *it = malloc(n * sizeof *it);
        uint32_t *root = malloc(n * sizeof *root);
        uint16_t a[PERM], s[PERM];
        for (int v = 0; v < PERM; v++) a[v] = (uint16_t)(1000 + v);
        put_row(rows, rnd(), 100, a);
        for (uint32_t f = 1; f <= k; f++) {
            for (int v = 0; v < PERM; v++) s[v] = v < 2 ? a[v] : (uint16_t)(20000 + 100 * f + v);
            put_row(rows + f * RB, rnd(), 100, s);
        }
        for (int v = 0; v < PERM; v++) s[v] = v < 2 || v % 2 == 0 ? a[v] : (uint16_t)(5000 + v);
        put_row(rows + (k + 1) * RB, rnd(), 100, s);
        double sim = ws_mh_similarity(rows, rows + (k + 1) * RB, PERM); /* J = 9/16, containment 0.72 */
        cr_assert(sim > 0.7 && sim < 0.73, "similarity of A and B %g", sim);
        for (size_t i = 0; i < n; i++) it[i] = (ws_mh_item){(int64_t)i * 60, rows + i * RB};
        cr_assert_eq(ws_mh_cluster(it, n, PERM, 0.5, 0, root, NULL), 0);
        for (uint32_t f = 1; f <= k; f++) cr_assert_eq(root[f], f, "filler %u joined", f);
        cr_assert_eq(root[k + 1], k + 1 <= WS_MH_LOOKBACK ? 0u : k + 1, "%u fillers: B's root %u", k, root[k + 1]);
        free(rows);
        free(it);
        free(root);
    }
}
