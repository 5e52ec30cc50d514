/*
 * SparseLDA's packed sorted word rows (kernels/ws_lda_rows.h) against a
 * dense model: random token moves, adds and removals on a row and on a
 * dense count vector side by side, for several topic counts (1 to 14
 * topic bits); after every step the row must be exactly the rebuilt row
 * of the dense counts (its entries strictly descending, each count the
 * dense count, no zero entry in use) and every slot past the entries
 * in use must hold the pad (count 0, topic 2^tb - 1; the sampler's
 * padded rows), and the packing limit must say what fits.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ws_lda_rows.h"

static uint64_t rnd(uint64_t *x)
{
    *x = *x * 6364136223846793005ull + 1442695040888963407ull;
    return *x >> 33;
}

/* The row against the dense counts, checked without the header's code,
 * then byte for byte against ws_lda_row_build. */
static void row_is(const uint32_t *e, uint32_t n, const uint32_t *cnt, uint32_t K, uint32_t tb, int step)
{
    const uint32_t mask = (1u << tb) - 1;
    uint32_t nz = 0;
    for (uint32_t k = 0; k < K; k++) nz += cnt[k] != 0;
    cr_assert_eq(n, nz, "K %u step %d: %u entries for %u topics in use", K, step, n, nz);
    for (uint32_t j = 0; j < n; j++) {
        uint32_t k = e[j] & mask, c = e[j] >> tb;
        cr_assert_lt(k, K);
        cr_assert_eq(c, cnt[k], "K %u step %d: topic %u counted %u, not %u", K, step, k, c, cnt[k]);
        cr_assert_gt(c, 0);
        if (j) cr_assert_gt(e[j - 1], e[j], "K %u step %d: entries %u and %u out of order", K, step, j - 1, j);
    }
    uint32_t *b = malloc(K * sizeof *b);
    cr_assert_eq(ws_lda_row_build(b, cnt, K, tb), n);
    cr_assert(!memcmp(b, e, n * sizeof *b), "K %u step %d: the row differs from the rebuilt one", K, step);
    free(b);
}

static uint32_t find(const uint32_t *e, uint32_t n, uint32_t tb, uint32_t k)
{
    for (uint32_t j = 0; j < n; j++)
        if ((e[j] & ((1u << tb) - 1)) == k) return j;
    return UINT32_MAX;
}

Test(lda_rows, updates_match_a_dense_model)
{
    static const uint32_t Ks[] = {2, 3, 5, 20, 64, 300, 10000};
    uint64_t x = 7;
    for (size_t ki = 0; ki < sizeof Ks / sizeof Ks[0]; ki++) {
        const uint32_t K = Ks[ki], tb = ws_lda_topic_bits(K);
        cr_assert_leq(K, 1u << tb);
        cr_assert(tb == 1 || (1u << (tb - 1)) < K, "K %u: %u topic bits, more than needed", K, tb);
        /* a word of N tokens: a row of min(K, N) slots, rounded up to
         * whole pad groups and padded, as the sampler sizes it */
        const uint32_t N = 40, cap = N < K ? N : K;
        const uint32_t slots = (cap + WS_LDA_ROW_PAD - 1) / WS_LDA_ROW_PAD * WS_LDA_ROW_PAD;
        uint32_t *cnt = calloc(K, sizeof *cnt), *e = calloc(slots, sizeof *e), n = 0;
        ws_lda_row_pad(e, 0, slots, tb);
        /* few topics in play, so counts grow, tie and fall back to 0 */
        const uint32_t span = K < 6 ? K : 6;
        uint32_t base = K > span ? (uint32_t)(rnd(&x) % (K - span)) : 0, total = 0;
        for (int step = 0; step < 4000; step++) {
            uint32_t k = base + (uint32_t)(rnd(&x) % span), op = (uint32_t)(rnd(&x) % 3);
            if (total < N && (op == 0 || total == 0)) { /* a new token of topic k */
                ws_lda_row_inc(e, &n, tb, k);
                cnt[k]++, total++;
            } else if (op == 1 || total == N) { /* a token moves from an entry to another (the sampler's move) */
                uint32_t i = (uint32_t)(rnd(&x) % n), j = find(e, n, tb, k);
                if (j == UINT32_MAX || j == i) continue;
                uint32_t from = e[i] & ((1u << tb) - 1);
                ws_lda_row_move(e, &n, tb, i, j);
                cnt[from]--, cnt[k]++;
            } else { /* a token leaves entry i (and goes to a topic found by search) */
                uint32_t i = (uint32_t)(rnd(&x) % n), from = e[i] & ((1u << tb) - 1);
                ws_lda_row_dec_at(e, &n, tb, i);
                cnt[from]--, total--;
                if (op == 2 && rnd(&x) % 2) {
                    ws_lda_row_inc(e, &n, tb, k);
                    cnt[k]++, total++;
                }
            }
            cr_assert_leq(n, cap);
            row_is(e, n, cnt, K, tb, step);
            for (uint32_t j = n; j < slots; j++)
                cr_assert_eq(e[j], (1u << tb) - 1, "K %u step %d: slot %u of %u entries is not the pad", K, step, j, n);
        }
        free(cnt), free(e);
    }
}

Test(lda_rows, ties_and_the_last_token)
{
    /* K = 4 (2 bits): counts 2, 2, 1 for topics 1, 3, 0 */
    const uint32_t tb = ws_lda_topic_bits(4);
    cr_assert_eq(tb, 2);
    uint32_t cnt[4] = {1, 2, 0, 2}, e[4], n = ws_lda_row_build(e, cnt, 4, tb);
    cr_assert_eq(n, 3);
    cr_assert_eq(e[0], 2u << 2 | 3); /* equal counts: the larger topic first */
    cr_assert_eq(e[1], 2u << 2 | 1);
    cr_assert_eq(e[2], 1u << 2 | 0);
    /* topic 0's last token to topic 1: 0 leaves the row, 1 moves to the front */
    ws_lda_row_move(e, &n, tb, 2, 1);
    cr_assert_eq(n, 2);
    cr_assert_eq(e[0], 3u << 2 | 1);
    cr_assert_eq(e[1], 2u << 2 | 3);
    /* one of topic 1's to topic 3: 3 leads; then one back: a tie, 3 first */
    ws_lda_row_move(e, &n, tb, 0, 1);
    cr_assert_eq(e[0], 3u << 2 | 3);
    cr_assert_eq(e[1], 2u << 2 | 1);
    ws_lda_row_move(e, &n, tb, 0, 1);
    cr_assert_eq(e[0], 3u << 2 | 1);
    cr_assert_eq(e[1], 2u << 2 | 3);
    ws_lda_row_dec_at(e, &n, tb, 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(e[0], 2u << 2 | 3);
    cr_assert_eq(e[1], 2u << 2 | 1);
    /* a new topic enters at the end */
    ws_lda_row_inc(e, &n, tb, 2);
    cr_assert_eq(n, 3);
    cr_assert_eq(e[2], 1u << 2 | 2);
}

Test(lda_rows, packing_limit)
{
    /* 20 topics: 5 bits, counts up to 2^27 - 1 */
    cr_assert_eq(ws_lda_topic_bits(20), 5);
    cr_assert(ws_lda_rows_fit(5, (1u << 27) - 1));
    cr_assert(!ws_lda_rows_fit(5, 1u << 27));
    /* 10,000 topics (the largest -k): 14 bits, counts up to 2^18 - 1 */
    cr_assert_eq(ws_lda_topic_bits(10000), 14);
    cr_assert(ws_lda_rows_fit(14, (1u << 18) - 1));
    cr_assert(!ws_lda_rows_fit(14, 1u << 18));
    cr_assert_eq(ws_lda_topic_bits(2), 1);
    cr_assert_eq(ws_lda_topic_bits(3), 2);
}

/* The word bucket's sums (ws_lda_row_qsum, SSE2 where the build has it)
 * against a naive sum and against the scalar reference, bit for bit, on
 * random padded rows (counts up to the packing limit, the token's topic in
 * the row or not, rows of 0 to 5 groups), and the draw's slot
 * (ws_lda_row_qpick) against a naive search, for u at, between and past
 * the running sums. */
Test(lda_rows, word_bucket_sums)
{
    uint64_t x = 11;
    static const uint32_t Ks[] = {3, 7, 8, 20, 100, 1000};
    for (size_t ki = 0; ki < sizeof Ks / sizeof Ks[0]; ki++) {
        const uint32_t K = Ks[ki], tb = ws_lda_topic_bits(K + 1), mask = (1u << tb) - 1;
        double *coef = calloc(mask + 1, sizeof *coef);
        for (uint32_t k = 0; k < K; k++) coef[k] = (double)(rnd(&x) % 1000000 + 1) / 3e5;
        for (int trial = 0; trial < 2000; trial++) {
            const uint32_t groups = (uint32_t)(rnd(&x) % 6), wp = groups * 4;
            uint32_t n = wp ? wp - (uint32_t)(rnd(&x) % 4) : 0, cnt[24] = {0}, e[24], used[24];
            if (n > K) n = K;
            /* n distinct topics */
            for (uint32_t j = 0; j < n; j++) {
                uint32_t k;
                int dup;
                do {
                    k = (uint32_t)(rnd(&x) % K), dup = 0;
                    for (uint32_t i = 0; i < j; i++) dup |= used[i] == k;
                } while (dup);
                used[j] = k;
                cnt[j] = trial % 7 == 0 ? (1u << (32 - tb)) - 1 - (uint32_t)(rnd(&x) % 3) : (uint32_t)(rnd(&x) % 50 + 1);
                e[j] = cnt[j] << tb | k;
            }
            ws_lda_row_pad(e, n, wp, tb);
            const uint32_t t = n && rnd(&x) % 4 ? used[rnd(&x) % n] : (uint32_t)(rnd(&x) % K);
            double naive[24], qs[24], qv[24];
            double sum = 0;
            uint32_t pn = 777, ps = 777, pv = 777;
            for (uint32_t j = 0; j < wp; j++) {
                if (j < n && used[j] == t) pn = j;
                sum += j < n ? coef[used[j]] * (double)(cnt[j] - (used[j] == t)) : 0.0;
                naive[j] = sum;
            }
            double s1 = ws_lda_row_qsum_scalar(e, wp, t, tb, coef, qs, &ps);
            double s2 = ws_lda_row_qsum(e, wp, t, tb, coef, qv, &pv);
            cr_assert(s1 == sum && s2 == sum, "K %u trial %d: sums %.17g %.17g, not %.17g", K, trial, s1, s2, sum);
            cr_assert(!memcmp(qs, naive, wp * sizeof *qs) && !memcmp(qv, naive, wp * sizeof *qv),
                      "K %u trial %d: running sums differ", K, trial);
            cr_assert_eq(ps, pn, "K %u trial %d: t at %u, not %u", K, trial, ps, pn);
            cr_assert_eq(pv, pn, "K %u trial %d: t at %u, not %u", K, trial, pv, pn);
            for (uint32_t j = 0; j <= wp; j++) {
                double us[3] = {j < wp ? naive[j] : sum + 1, j < wp ? naive[j] * 0.999 : -1, j ? naive[j - 1] * 1.0001 : 0};
                for (int i = 0; i < 3; i++) {
                    uint32_t want = 0;
                    while (want < wp && naive[want] <= us[i]) want++;
                    cr_assert_eq(ws_lda_row_qpick_scalar(naive, wp, us[i]), want);
                    cr_assert_eq(ws_lda_row_qpick(naive, wp, us[i]), want, "K %u trial %d: u %.17g", K, trial, us[i]);
                }
            }
        }
        free(coef);
    }
}
