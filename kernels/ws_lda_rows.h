/*
 * SparseLDA's word-topic rows, packed and sorted (the default sampler's
 * word side; ws_lda_sample.c, docs/topics.md).
 *
 * A word's row holds one 32-bit entry per topic the word has in use:
 * count << tb | topic (tb = the bits of the largest topic number), kept in
 * descending order of the entry, so by count, then by topic (larger
 * first). The order is a function of the counts alone (every entry is
 * distinct), so a row updated token by token and a row rebuilt from
 * dense counts are the same bytes: what makes the sampler's state
 * independent of the thread count when shards' changes are merged. Why:
 * the sampler's word bucket reads one small contiguous array per token
 * (instead of a topic list plus a scattered dense row), and the largest
 * terms come first. A row's capacity is
 * min(K, the word's tokens): no word can have more topics in use.
 *
 * Padding: the sampler gives each row a multiple of WS_LDA_ROW_PAD slots
 * and keeps the slots past the entries in use at the pad value, count 0
 * and topic mask = 2^tb - 1 (it takes tb for K + 1 topics, so that no
 * topic is the mask). A pad adds an exact 0 to the word bucket, so the
 * bucket's loops can run over whole groups of WS_LDA_ROW_PAD slots: a
 * loop count that changes far less often from word to word than the
 * row's length (fewer mispredicted loop exits), same sums. The functions
 * below keep the pad: an entry whose count falls to 0 leaves the pad
 * value in its slot (harmless for an unpadded row: slots past the
 * entries in use are not read).
 *
 * Counts must stay below 2^(32 - tb): ws_lda_rows_fit says whether a
 * corpus fits (the sampler falls back to dense rows when it does not).
 */
#ifndef WS_LDA_ROWS_H
#define WS_LDA_ROWS_H

#include <stdint.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#define WS_LDA_ROW_PAD 4u

/* Bits for topic numbers 0..K-1 (at least 1). */
static inline uint32_t ws_lda_topic_bits(uint32_t K)
{
    uint32_t tb = 1;
    while (tb < 32 && (1u << tb) < K) tb++;
    return tb;
}

/* Whether a word of max_count tokens fits the packed count. */
static inline int ws_lda_rows_fit(uint32_t tb, uint64_t max_count)
{
    return tb < 32 && max_count < ((uint64_t)1 << (32 - tb));
}

/* Take one token out of entry i of row e (n entries in use): the entry
 * moves down past larger ones, and leaves the row (n shrinks) when its
 * count reaches 0. Returns where it ended (entries i+1 .. that position
 * moved up by one). */
static inline uint32_t ws_lda_row_dec_at(uint32_t *e, uint32_t *n, uint32_t tb, uint32_t i)
{
    uint32_t v = e[i] - (1u << tb), m = *n;
    while (i + 1 < m && e[i + 1] > v) e[i] = e[i + 1], i++;
    if (v < (1u << tb)) { /* count 0: it is the last entry, its slot a pad */
        *n = m - 1;
        v = (1u << tb) - 1;
    }
    e[i] = v;
    return i;
}

/* Add one token to entry i: it moves up past smaller ones. */
static inline void ws_lda_row_inc_at(uint32_t *e, uint32_t i, uint32_t tb)
{
    uint32_t v = e[i] + (1u << tb);
    while (i > 0 && e[i - 1] < v) e[i] = e[i - 1], i--;
    e[i] = v;
}

/* Move one token from entry i to entry j (j != i) of row e. */
static inline void ws_lda_row_move(uint32_t *e, uint32_t *n, uint32_t tb, uint32_t i, uint32_t j)
{
    uint32_t f = ws_lda_row_dec_at(e, n, tb, i); /* entries i+1 .. f moved up by one */
    ws_lda_row_inc_at(e, j > i && j <= f ? j - 1 : j, tb);
}

/* Add one token of topic k (in the row or not). */
static inline void ws_lda_row_inc(uint32_t *e, uint32_t *n, uint32_t tb, uint32_t k)
{
    const uint32_t mask = (1u << tb) - 1;
    uint32_t i = 0, m = *n;
    while (i < m && (e[i] & mask) != k) i++;
    if (i == m) e[m] = k, *n = m + 1; /* count 0, last: inc_at moves it up */
    ws_lda_row_inc_at(e, i, tb);
}

/* The row of a dense count vector cnt[0..K): returns the entries written. */
static inline uint32_t ws_lda_row_build(uint32_t *e, const uint32_t *cnt, uint32_t K, uint32_t tb)
{
    uint32_t n = 0;
    for (uint32_t k = K; k-- > 0;) /* larger topics first: equal counts need no move */
        if (cnt[k]) {
            uint32_t v = cnt[k] << tb | k, i = n++;
            while (i > 0 && e[i - 1] < v) e[i] = e[i - 1], i--;
            e[i] = v;
        }
    return n;
}

/* Pads slots n .. cap of a row (cap: its slots). */
static inline void ws_lda_row_pad(uint32_t *e, uint32_t n, uint32_t cap, uint32_t tb)
{
    for (uint32_t j = n; j < cap; j++) e[j] = (1u << tb) - 1;
}

/* The word bucket of a token of topic t over the padded slots [0, wp) of
 * row e (wp a multiple of WS_LDA_ROW_PAD): qv[j] = the running sum of
 * coef[topic] * (count - (topic == t)), in slot order; returns the sum
 * (0 when wp is 0) and sets *pt to t's slot (left alone if t is not in
 * the row). The scalar reference; ws_lda_row_qsum is the same sums in the
 * same order (so the same bits), with SSE2 where there is SSE2. */
static inline double ws_lda_row_qsum_scalar(const uint32_t *e, uint32_t wp, uint32_t t, uint32_t tb,
                                            const double *coef, double *qv, uint32_t *pt)
{
    const uint32_t mask = (1u << tb) - 1;
    double qb = 0;
    uint32_t p = *pt;
    for (uint32_t j = 0; j < wp; j += 4) {
        const uint32_t v0 = e[j], v1 = e[j + 1], v2 = e[j + 2], v3 = e[j + 3];
        const uint32_t o0 = (v0 & mask) == t, o1 = (v1 & mask) == t, o2 = (v2 & mask) == t, o3 = (v3 & mask) == t;
        const double q0 = coef[v0 & mask] * (double)(int32_t)((v0 >> tb) - o0);
        const double q1 = coef[v1 & mask] * (double)(int32_t)((v1 >> tb) - o1);
        const double q2 = coef[v2 & mask] * (double)(int32_t)((v2 >> tb) - o2);
        const double q3 = coef[v3 & mask] * (double)(int32_t)((v3 >> tb) - o3);
        p = o0 ? j : p, p = o1 ? j + 1 : p, p = o2 ? j + 2 : p, p = o3 ? j + 3 : p;
        qb += q0, qv[j] = qb;
        qb += q1, qv[j + 1] = qb;
        qb += q2, qv[j + 2] = qb;
        qb += q3, qv[j + 3] = qb;
    }
    *pt = p;
    return qb;
}

/* How many of qv[0 .. wp) are at most u (wp a multiple of 4): with
 * running sums, the slot the draw u falls in. Scalar reference. */
static inline uint32_t ws_lda_row_qpick_scalar(const double *qv, uint32_t wp, double u)
{
    uint32_t n = 0;
    for (uint32_t j = 0; j < wp; j += 4) n += (qv[j] <= u) + (qv[j + 1] <= u) + (qv[j + 2] <= u) + (qv[j + 3] <= u);
    return n;
}

#if defined(__SSE2__) && defined(__x86_64__)
/* Why SSE2: the scalar loop spends most of its instructions per slot on
 * the own-topic test, the shift and the int-to-double conversion; four
 * slots take one of each here. The products and the running sum are the
 * scalar code's operations in its order. */
static inline double ws_lda_row_qsum(const uint32_t *e, uint32_t wp, uint32_t t, uint32_t tb, const double *coef,
                                     double *qv, uint32_t *pt)
{
    const uint32_t mask = (1u << tb) - 1;
    const __m128i vmask = _mm_set1_epi32((int)mask), vt = _mm_set1_epi32((int)t), sh = _mm_cvtsi32_si128((int)tb);
    double qb = 0;
    uint32_t p = *pt;
    for (uint32_t j = 0; j < wp; j += 4) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(e + j));
        const __m128i own = _mm_cmpeq_epi32(_mm_and_si128(v, vmask), vt); /* -1 at t's slot */
        const __m128i cnt = _mm_add_epi32(_mm_srl_epi32(v, sh), own);
        const __m128d c01 = _mm_cvtepi32_pd(cnt), c23 = _mm_cvtepi32_pd(_mm_shuffle_epi32(cnt, 0xee));
        const __m128d f01 = _mm_loadh_pd(_mm_load_sd(coef + (e[j] & mask)), coef + (e[j + 1] & mask));
        const __m128d f23 = _mm_loadh_pd(_mm_load_sd(coef + (e[j + 2] & mask)), coef + (e[j + 3] & mask));
        const __m128d q01 = _mm_mul_pd(f01, c01), q23 = _mm_mul_pd(f23, c23);
        const int m = _mm_movemask_ps(_mm_castsi128_ps(own));
        p = m ? j + (uint32_t)__builtin_ctz((unsigned)m) : p;
        qb += _mm_cvtsd_f64(q01), qv[j] = qb;
        qb += _mm_cvtsd_f64(_mm_unpackhi_pd(q01, q01)), qv[j + 1] = qb;
        qb += _mm_cvtsd_f64(q23), qv[j + 2] = qb;
        qb += _mm_cvtsd_f64(_mm_unpackhi_pd(q23, q23)), qv[j + 3] = qb;
    }
    *pt = p;
    return qb;
}

static inline uint32_t ws_lda_row_qpick(const double *qv, uint32_t wp, double u)
{
    const __m128d vu = _mm_set1_pd(u);
    __m128i n = _mm_setzero_si128();
    for (uint32_t j = 0; j < wp; j += 4) { /* a true compare is -1 */
        n = _mm_sub_epi64(n, _mm_castpd_si128(_mm_cmple_pd(_mm_loadu_pd(qv + j), vu)));
        n = _mm_sub_epi64(n, _mm_castpd_si128(_mm_cmple_pd(_mm_loadu_pd(qv + j + 2), vu)));
    }
    return (uint32_t)(_mm_cvtsi128_si64(n) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(n, n)));
}
#else
#define ws_lda_row_qsum ws_lda_row_qsum_scalar
#define ws_lda_row_qpick ws_lda_row_qpick_scalar
#endif

#endif
