/*
 * MinHash and the LSH join (kernels/ws_minhash.c): estimates of Jaccard
 * similarity against the exact value on random sets; union-find against a
 * naive labelling; the banding probability formula against the fraction of
 * pairs that share a band; clusters of a small hand-made set (exact copies,
 * a truncated copy found by containment, the window, roots = earliest).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ws_minhash.h"

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Sign the sequence of term hashes t[0..n) with shingle 1 (a shingle is a
 * term, so the shingle sets are the term sets). */
static void sign(const ws_mh_hasher *h, const uint64_t *t, size_t n, uint8_t *row)
{
    uint64_t *scratch = malloc((n + 1) * 8);
    uint32_t *mins = malloc(h->p.perm * 4);
    ws_mh_sign(h, t, n, scratch, mins, row);
    free(scratch);
    free(mins);
}

static double est_jaccard(const uint8_t *a, const uint8_t *b, uint32_t perm)
{
    uint32_t eq = 0;
    for (uint32_t i = 0; i < perm; i++) eq += !memcmp(ws_mh_row_sig(a) + 2 * i, ws_mh_row_sig(b) + 2 * i, 2);
    return (double)eq / perm;
}

/* Two sets with `common` shared elements and `only` elements each of their own. */
static void make_pair(uint64_t *a, uint64_t *b, size_t common, size_t only)
{
    for (size_t i = 0; i < common; i++) a[i] = b[i] = rnd() | 1;
    for (size_t i = 0; i < only; i++) a[common + i] = rnd() | 1, b[common + i] = rnd() | 1;
}

Test(minhash, estimate_matches_exact_jaccard)
{
    ws_mh_params p = {256, 1, 7, 0};
    ws_mh_hasher h;
    cr_assert_eq(ws_mh_hasher_init(&h, &p), 0);
    size_t rb = ws_mh_row_bytes(p.perm);
    uint8_t *ra = malloc(rb), *rbuf = malloc(rb);
    uint64_t a[400], b[400];
    const size_t commons[] = {0, 50, 100, 200, 300, 400};
    for (size_t c = 0; c < sizeof commons / sizeof commons[0]; c++) {
        size_t common = commons[c], only = 400 - common;
        double exact = (double)common / (common + 2 * only), sum = 0, worst = 0;
        for (int trial = 0; trial < 20; trial++) {
            make_pair(a, b, common, only);
            sign(&h, a, 400, ra);
            sign(&h, b, 400, rbuf);
            double e = est_jaccard(ra, rbuf, p.perm);
            sum += e;
            worst = fmax(worst, fabs(e - exact));
        }
        /* One estimate has a standard deviation of at most 0.5/sqrt(256) =
         * 0.031; 20 of them average to within 0.007 (3 sigma: 0.021). */
        cr_assert(fabs(sum / 20 - exact) < 0.025, "J=%.3f: mean estimate %.3f", exact, sum / 20);
        cr_assert(worst < 0.13, "J=%.3f: an estimate off by %.3f (more than 4 sigma)", exact, worst);
    }
    /* equal sets: identical records, similarity exactly 1 */
    make_pair(a, b, 400, 0);
    sign(&h, a, 400, ra);
    sign(&h, b, 400, rbuf);
    cr_assert(!memcmp(ra, rbuf, rb));
    cr_assert_eq(ws_mh_similarity(ra, rbuf, p.perm), 1.0);
    free(ra);
    free(rbuf);
    ws_mh_hasher_free(&h);
}

Test(minhash, containment_of_a_truncated_copy)
{
    ws_mh_params p = {128, 5, 1, 0};
    ws_mh_hasher h;
    cr_assert_eq(ws_mh_hasher_init(&h, &p), 0);
    size_t rb = ws_mh_row_bytes(p.perm);
    uint8_t *full = malloc(rb), *half = malloc(rb), *other = malloc(rb);
    uint64_t t[300], u[300];
    for (int i = 0; i < 300; i++) t[i] = rnd() | 1, u[i] = rnd() | 1;
    sign(&h, t, 300, full);
    sign(&h, t, 150, half);
    sign(&h, u, 300, other);
    cr_assert_eq(ws_mh_row_nsh(full), 296);
    cr_assert_eq(ws_mh_row_nsh(half), 146);
    double j = est_jaccard(full, half, p.perm), s = ws_mh_similarity(full, half, p.perm);
    cr_assert(j > 0.3 && j < 0.7, "J of a half copy: %.3f", j);
    cr_assert(s > 0.85, "containment of a half copy: %.3f", s);
    cr_assert(ws_mh_similarity(full, other, p.perm) < 0.1);
    /* dropped terms (hash 0) are skipped; a story without terms has no shingle */
    uint64_t z[3] = {0, 0, 0};
    sign(&h, z, 3, other);
    cr_assert_eq(ws_mh_row_nsh(other), 0);
    cr_assert_eq(ws_mh_similarity(full, other, p.perm), 0.0);
    free(full);
    free(half);
    free(other);
    ws_mh_hasher_free(&h);
}

Test(minhash, union_find_roots_are_the_smallest)
{
    enum { N = 2000 };
    ws_uf u;
    cr_assert_eq(ws_uf_init(&u, N), 0);
    static uint32_t label[N];
    for (uint32_t i = 0; i < N; i++) label[i] = i;
    for (int k = 0; k < 1500; k++) {
        uint32_t x = (uint32_t)(rnd() % N), y = (uint32_t)(rnd() % N);
        int apart = label[x] != label[y];
        cr_assert_eq(ws_uf_union(&u, x, y), apart);
        /* naive: relabel y's set with the smaller label */
        uint32_t from = label[x] < label[y] ? label[y] : label[x], to = label[x] < label[y] ? label[x] : label[y];
        for (uint32_t i = 0; i < N; i++)
            if (label[i] == from) label[i] = to;
    }
    for (uint32_t i = 0; i < N; i++) cr_assert_eq(ws_uf_find(&u, i), label[i], "element %u", i);
    ws_uf_free(&u);
}

Test(minhash, banding_probabilities)
{
    /* the formula */
    cr_assert_float_eq(ws_mh_candidate_prob(1.0, 2, 64), 1.0, 1e-12);
    cr_assert_float_eq(ws_mh_candidate_prob(0.0, 2, 64), 0.0, 1e-12);
    cr_assert_float_eq(ws_mh_candidate_prob(0.5, 2, 1), 0.25, 1e-12);
    cr_assert_float_eq(ws_mh_candidate_prob(0.2, 2, 64), 1 - pow(0.96, 64), 1e-12);
    /* against signatures: pairs of J = 1/9 (100 shared of 900), 32 bands of
     * 2 values: 1 - (1 - 1/81)^32 = 0.328 */
    ws_mh_params p = {64, 1, 3, 0};
    ws_mh_hasher h;
    cr_assert_eq(ws_mh_hasher_init(&h, &p), 0);
    size_t rb = ws_mh_row_bytes(p.perm);
    uint8_t *ra = malloc(rb), *rbuf = malloc(rb);
    uint64_t a[500], b[500];
    int hits = 0, pairs = 600;
    for (int k = 0; k < pairs; k++) {
        make_pair(a, b, 100, 400);
        sign(&h, a, 500, ra);
        sign(&h, b, 500, rbuf);
        int any = 0;
        for (uint32_t band = 0; band < 32 && !any; band++)
            any = !memcmp(ws_mh_row_sig(ra) + 4 * band, ws_mh_row_sig(rbuf) + 4 * band, 4);
        hits += any;
    }
    double want = ws_mh_candidate_prob(1.0 / 9, 2, 32), got = (double)hits / pairs;
    /* binomial sd over 600 pairs: 0.019 */
    cr_assert(fabs(got - want) < 0.08, "share of pairs with a common band %.3f, formula %.3f", got, want);
    free(ra);
    free(rbuf);
    ws_mh_hasher_free(&h);
}

Test(minhash, clusters)
{
    ws_mh_params p = {128, 3, 1, 0};
    ws_mh_hasher h;
    cr_assert_eq(ws_mh_hasher_init(&h, &p), 0);
    size_t rb = ws_mh_row_bytes(p.perm);
    enum { N = 7 };
    uint8_t *rows = malloc(N * rb);
    uint64_t s0[100], s1[100], s2[100];
    for (int i = 0; i < 100; i++) s0[i] = rnd() | 1, s1[i] = rnd() | 1, s2[i] = rnd() | 1;
    /* 0: story A; 1: story B; 2: exact copy of A; 3: A cut to 40 words;
     * 4: story C; 5: exact copy of B 30 days later; 6: A with 3 words changed */
    sign(&h, s0, 100, rows + 0 * rb);
    sign(&h, s1, 100, rows + 1 * rb);
    sign(&h, s0, 100, rows + 2 * rb);
    sign(&h, s0, 40, rows + 3 * rb);
    sign(&h, s2, 100, rows + 4 * rb);
    sign(&h, s1, 100, rows + 5 * rb);
    uint64_t e[100];
    memcpy(e, s0, sizeof e);
    e[10] = e[50] = e[90] = 12345;
    sign(&h, e, 100, rows + 6 * rb);
    ws_mh_item items[N];
    const int64_t day = 86400, dates[N] = {0, day, day, 2 * day, 3 * day, 31 * day, 32 * day};
    for (int i = 0; i < N; i++) items[i] = (ws_mh_item){dates[i], rows + (size_t)i * rb};
    uint32_t root[N];
    ws_mh_stats st;
    cr_assert_eq(ws_mh_cluster(items, N, p.perm, 0.5, 7 * day, root, &st), 0);
    const uint32_t want[N] = {0, 1, 0, 0, 4, 5, 6}; /* 5 and 6 are out of the 7-day window */
    for (int i = 0; i < N; i++) cr_assert_eq(root[i], want[i], "story %d: root %u, want %u", i, root[i], want[i]);
    cr_assert_eq(st.exact_pairs, 1);
    /* without a window the late copies join too */
    cr_assert_eq(ws_mh_cluster(items, N, p.perm, 0.5, 0, root, &st), 0);
    const uint32_t want0[N] = {0, 1, 0, 0, 4, 1, 0};
    for (int i = 0; i < N; i++) cr_assert_eq(root[i], want0[i], "story %d: root %u, want %u", i, root[i], want0[i]);
    free(rows);
    ws_mh_hasher_free(&h);
}
