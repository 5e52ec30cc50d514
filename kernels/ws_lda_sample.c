/*
 * The topic sampler (see ws_k_lda.h and docs/topics.md).
 *
 * --sampler warp: WarpLDA's scheme (Chen et al., VLDB 2016), written from the
 * paper. Every token keeps its topic z and M pending proposals. An
 * iteration is a document-major pass, then a word-major pass:
 *   doc phase, per document d: count c_dk from the z's of d; for each
 *     token accept or reject the word proposals made in the last word
 *     phase with the Metropolis-Hastings ratio
 *        (c_dt + a_t)(n_s + Vb) / ((c_ds' + a_s)(n_t + Vb))
 *     (c_ds' leaves the token out); then draw M document proposals from
 *     q(k) ~ c_dk + a_k: a random token's topic of d with probability
 *     L_d / (L_d + sum a), else a topic from a.
 *   word phase, per word w: count c_wk from the z's of w's tokens; accept
 *     or reject the document proposals with
 *        (c_wt + b)(n_s + Vb) / ((c_ws' + b)(n_t + Vb));
 *     then draw M word proposals from q(k) ~ c_wk + b: a random token's
 *     topic of w with probability n_w / (n_w + Kb), else uniform.
 * Each phase touches one document's (one word's) counts only, computed on
 * the fly, and the global n_k of the end of the previous phase: O(1) per
 * token and proposal, whatever K, and no shared writes. The word-topic
 * table is written by the word phase (row w by word w only), for the
 * log-likelihood and the output.
 *
 * Determinism: the random stream of a document (a word) in a phase is a
 * function of (seed, iteration, phase, document or word number), and
 * everything a document or word reads was fixed at the end of the
 * previous phase, so the state after every phase is the same whichever
 * thread ran which item and however many threads there were. Sums of
 * doubles (log-likelihood) are taken over fixed shards in shard order.
 * Shards (runs of documents or words of about SHARD_TOKENS tokens) are
 * only the units the engine's parallel loop hands to threads.
 *
 * --sampler sparse (the default, chosen by measurement: docs/topics.md):
 * SparseLDA, below. --sampler gibbs: plain sequential collapsed Gibbs
 * sampling, O(K) per token, one thread, the simplest reference.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "ws_k_lda.h"
#include "ws_lda_rows.h"

#define SHARD_TOKENS 32768u
/* SparseLDA's shards are larger: every shard boundary delays the other
 * shards' changes by an iteration (AD-LDA), which on BBC cost much more
 * convergence per iteration than the second thread gains (docs/topics.md);
 * corpora under this size are sampled exactly, in one sequential shard. */
#define SPARSE_SHARD_TOKENS (1u << 20)
_Static_assert(WS_LDA_ROW_PAD == 4, "sparse_shard's word bucket is unrolled by 4");

/* ---- random numbers: splitmix64 streams ---- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

typedef struct rng {
    uint64_t s;
} rng;

static inline rng rng_for(uint64_t seed, uint32_t iter, uint32_t phase, uint64_t item)
{
    rng r = {mix64(seed ^ mix64(((uint64_t)iter << 34) ^ ((uint64_t)phase << 32) ^ item ^ 0x5851f42d4c957f2dull))};
    return r;
}

static inline uint64_t rng_next(rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    return mix64(r->s);
}

static inline uint32_t rng_below(rng *r, uint64_t n) { return (uint32_t)(((rng_next(r) >> 32) * n) >> 32); }
static inline double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- special functions ---- */

static double lgam(double x)
{
    int sign;
    return lgamma_r(x, &sign);
}

static double digamma(double x)
{
    double r = 0;
    while (x < 6) r -= 1 / x, x += 1;
    double f = 1 / (x * x);
    return r + log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

/* ---- corpus ---- */

int ws_lda_index(ws_lda_corpus *c)
{
    ws_free(c->word_off);
    ws_free(c->word_pos);
    c->word_off = ws_calloc((size_t)c->nwords + 1, sizeof *c->word_off);
    c->word_pos = ws_malloc((size_t)c->ntokens * sizeof *c->word_pos + 1);
    if (!c->word_off || !c->word_pos) return ws_error(WS_ENOMEM, "out of memory for the word-major index");
    for (uint64_t i = 0; i < c->ntokens; i++) c->word_off[c->w[i] + 1]++;
    for (uint32_t v = 0; v < c->nwords; v++) c->word_off[v + 1] += c->word_off[v];
    uint64_t *fill = ws_malloc((size_t)c->nwords * sizeof *fill + 1);
    if (!fill) return ws_error(WS_ENOMEM, "out of memory for the word-major index");
    memcpy(fill, c->word_off, (size_t)c->nwords * sizeof *fill);
    for (uint64_t i = 0; i < c->ntokens; i++) c->word_pos[fill[c->w[i]]++] = (uint32_t)i;
    ws_free(fill);
    return 0;
}

void ws_lda_corpus_free(ws_lda_corpus *c)
{
    if (!c) return;
    ws_free(c->doc_off);
    ws_free(c->w);
    ws_free(c->word_off);
    ws_free(c->word_pos);
    memset(c, 0, sizeof *c);
}

void ws_lda_model_free(ws_lda_model *m)
{
    if (!m) return;
    ws_free(m->alpha);
    ws_free(m->nkw);
    ws_free(m->nk);
    memset(m, 0, sizeof *m);
}

/* Runs of items (documents or words) of about SHARD_TOKENS tokens: off[]
 * gives each item's token range; *cut gets nshards + 1 boundaries. */
static int make_shards_of(const uint64_t *off, uint32_t n, uint32_t **cut, uint32_t *nshards, uint64_t shard_tokens)
{
    uint32_t cap = 16, ns = 0;
    uint32_t *c = ws_malloc(cap * sizeof *c);
    if (!c) return ws_error(WS_ENOMEM, "out of memory");
    c[ns++] = 0;
    uint64_t start = off[0];
    for (uint32_t i = 0; i < n; i++)
        if (off[i + 1] - start >= shard_tokens || i + 1 == n) {
            if (ns + 1 >= cap) {
                uint32_t *nc = ws_realloc(c, (size_t)cap * 2 * sizeof *c);
                if (!nc) {
                    ws_free(c);
                    return ws_error(WS_ENOMEM, "out of memory");
                }
                c = nc, cap *= 2;
            }
            c[ns++] = i + 1;
            start = off[i + 1];
        }
    *cut = c;
    *nshards = ns - 1;
    return 0;
}

static int make_shards(const uint64_t *off, uint32_t n, uint32_t **cut, uint32_t *nshards)
{
    return make_shards_of(off, n, cut, nshards, SHARD_TOKENS);
}

/* ---- the sampler state ---- */

/* WarpLDA's per-token state, packed in one 64-bit word: the topic in bits
 * 0-15, pending proposal m in bits 16(m+1) to 16(m+1)+15 (M <= 3). The word
 * pass reaches a word's tokens through the word-major index, scattered over
 * the doc-major array: one load and one store per token instead of one per
 * field and use. */
#define ST_Z(v) ((uint32_t)((v) & 0xffffu))
#define ST_P(v, m) ((uint32_t)((v) >> (16 * ((m) + 1))) & 0xffffu)

typedef struct sampler {
    const ws_lda_corpus *c;
    const ws_lda_opts *o;
    uint32_t K, V, M;
    uint16_t *z;           /* N: gibbs and sparse; warp keeps st and copies to z (sync_z) */
    uint64_t *st;          /* N: warp's packed topic and proposals */
    uint32_t *nkw;         /* V * K */
    uint64_t *nk;          /* K: the end of the last phase */
    double *alpha, asum, beta, vbeta;
    double *acum;          /* K cumulative alpha, for drawing from alpha */
    float *af, *nkv;       /* K: alpha and n_k + V beta as floats, for the MH ratios */
    int symmetric;
    uint32_t *dcut, ndshards, *wcut, nwshards;
    uint64_t *part;        /* per shard (the larger count) * K: partial n_k */
    double *llpart;        /* per shard */
    uint32_t *scratch;     /* threads * K */
    uint64_t *loc, maxn;   /* threads * maxn: a word's token states, gathered */
    uint32_t iter;
} sampler;

static inline uint32_t draw_alpha_u(const sampler *s, uint32_t u32)
{
    if (s->symmetric) return (uint32_t)(((uint64_t)u32 * s->K) >> 32);
    double u = (double)u32 * 0x1.0p-32 * s->asum;
    uint32_t lo = 0, hi = s->K - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (s->acum[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static void alpha_changed(sampler *s)
{
    double a = 0;
    s->symmetric = 1;
    for (uint32_t k = 0; k < s->K; k++) {
        a += s->alpha[k];
        s->acum[k] = a;
        s->af[k] = (float)s->alpha[k];
        if (s->alpha[k] != s->alpha[0]) s->symmetric = 0;
    }
    s->asum = a;
}

/* A probability as a 32-bit threshold for the upper half of a draw. */
static inline uint64_t thresh32(double p) { return p >= 1 ? (uint64_t)1 << 32 : (uint64_t)(p * 4294967296.0); }

/* One phase's Metropolis-Hastings steps over n tokens t[0..n) whose
 * counts (c_dk or c_wk) are in cnt, prior pri (alpha_k, or beta for all k
 * when pri_one): accept proposal m of each token with
 * (cnt_t + pri_t) nkv_s / ((cnt_s - 1 + pri_s) nkv_t). Branchless: a
 * proposal equal to the current topic is always accepted (the ratio is
 * above 1), which changes nothing, and every step uses one draw, so no
 * branch depends on a coin. */
static inline void mh_steps(uint64_t *t, uint64_t n, uint32_t M, uint32_t *cnt, const float *pri, float pri_one,
                            const float *nkv, rng *r)
{
    for (uint64_t j = 0; j < n; j++) {
        uint64_t v = t[j];
        uint32_t zs = ST_Z(v);
        for (uint32_t m = 0; m < M; m++) {
            uint32_t tp = ST_P(v, m);
            float pt = pri ? pri[tp] : pri_one, ps = pri ? pri[zs] : pri_one;
            float num = ((float)cnt[tp] + pt) * nkv[zs];
            float den = ((float)cnt[zs] - 1.0f + ps) * nkv[tp];
            float u = (float)(uint32_t)(rng_next(r) >> 40) * 0x1.0p-24f;
            uint32_t acc = u * den < num;
            cnt[zs] -= acc;
            cnt[tp] += acc;
            zs = acc ? tp : zs;
        }
        t[j] = (v & ~(uint64_t)0xffff) | zs;
    }
}

/* Document phase over shard i. */
static int doc_shard(void *arg, size_t i, int thread)
{
    sampler *s = arg;
    const ws_lda_corpus *c = s->c;
    const uint32_t K = s->K, M = s->M;
    uint32_t *cd = s->scratch + (size_t)thread * K;
    uint64_t *part = s->part + i * K;
    memset(part, 0, K * sizeof *part);
    memset(cd, 0, K * sizeof *cd); /* the scratch is shared with the other phases */
    for (uint32_t d = s->dcut[i]; d < s->dcut[i + 1]; d++) {
        uint64_t lo = c->doc_off[d], L = c->doc_off[d + 1] - lo;
        if (!L) continue;
        uint64_t *t = s->st + lo;
        rng r = rng_for(s->o->seed, s->iter, 0, d);
        for (uint64_t j = 0; j < L; j++) cd[ST_Z(t[j])]++;
        mh_steps(t, L, M, cd, s->af, 0, s->nkv, &r);
        /* new proposals from c_dk + a_k: a random token's topic with
         * probability L / (L + sum a), else a topic drawn from alpha; one
         * 64-bit draw gives the coin (upper half) and the pick (lower) */
        uint64_t thr = thresh32((double)L / ((double)L + s->asum));
        for (uint64_t j = 0; j < L; j++) {
            uint64_t v = ST_Z(t[j]);
            for (uint32_t m = 0; m < M; m++) {
                uint64_t x = rng_next(&r);
                uint32_t lo32 = (uint32_t)x;
                uint32_t k = (x >> 32) < thr ? ST_Z(t[((uint64_t)lo32 * L) >> 32]) : draw_alpha_u(s, lo32);
                v |= (uint64_t)k << (16 * (m + 1));
            }
            t[j] = v; /* the topic bits are unchanged: later picks read the same topics */
        }
        for (uint64_t j = 0; j < L; j++) {
            uint32_t k = ST_Z(t[j]);
            part[k]++;
            cd[k] = 0;
        }
    }
    return 0;
}

/* Word phase over shard i. */
static int word_shard(void *arg, size_t i, int thread)
{
    sampler *s = arg;
    const ws_lda_corpus *c = s->c;
    const uint32_t K = s->K, M = s->M;
    uint32_t *cw = s->scratch + (size_t)thread * K;
    uint64_t *t = s->loc + (size_t)thread * s->maxn;
    uint64_t *part = s->part + i * K;
    const float beta = (float)s->beta;
    memset(part, 0, K * sizeof *part);
    for (uint32_t w = s->wcut[i]; w < s->wcut[i + 1]; w++) {
        uint64_t lo = c->word_off[w], n = c->word_off[w + 1] - lo;
        uint32_t *row = s->nkw + (size_t)w * K;
        if (!n) {
            memset(row, 0, K * sizeof *row);
            continue;
        }
        rng r = rng_for(s->o->seed, s->iter, 1, w);
        const uint32_t *pos = c->word_pos + lo;
        memset(cw, 0, K * sizeof *cw);
        /* the gather is the word pass's cost (cache misses): prefetch ahead */
        for (uint64_t j = 0; j < n; j++) {
            if (j + 16 < n) __builtin_prefetch(s->st + pos[j + 16]);
            t[j] = s->st[pos[j]];
            cw[ST_Z(t[j])]++;
        }
        mh_steps(t, n, M, cw, NULL, beta, s->nkv, &r);
        uint64_t thr = thresh32((double)n / ((double)n + (double)K * s->beta));
        for (uint64_t j = 0; j < n; j++) {
            uint64_t v = ST_Z(t[j]);
            for (uint32_t m = 0; m < M; m++) {
                uint64_t x = rng_next(&r);
                uint32_t lo32 = (uint32_t)x;
                uint32_t k = (x >> 32) < thr ? ST_Z(t[((uint64_t)lo32 * n) >> 32]) : (uint32_t)(((uint64_t)lo32 * K) >> 32);
                v |= (uint64_t)k << (16 * (m + 1));
            }
            t[j] = v;
        }
        for (uint64_t j = 0; j < n; j++) s->st[pos[j]] = t[j];
        memcpy(row, cw, K * sizeof *row);
        for (uint32_t k = 0; k < K; k++) part[k] += cw[k];
    }
    return 0;
}

/* warp: the topics of st into z (for the log-likelihood, optimisation and the output). */
static void sync_z(sampler *s)
{
    for (uint64_t p = 0; p < s->c->ntokens; p++) s->z[p] = (uint16_t)ST_Z(s->st[p]);
}

static void nk_changed(sampler *s)
{
    for (uint32_t k = 0; k < s->K; k++) s->nkv[k] = (float)((double)s->nk[k] + s->vbeta);
}

static void sum_parts(sampler *s, uint32_t nshards)
{
    memset(s->nk, 0, s->K * sizeof *s->nk);
    for (uint32_t i = 0; i < nshards; i++)
        for (uint32_t k = 0; k < s->K; k++) s->nk[k] += s->part[(size_t)i * s->K + k];
}

/* The document half of the joint log-likelihood over shard i. */
static int ll_docs(void *arg, size_t i, int thread)
{
    sampler *s = arg;
    const ws_lda_corpus *c = s->c;
    uint32_t *cd = s->scratch + (size_t)thread * s->K;
    double ll = 0;
    for (uint32_t d = s->dcut[i]; d < s->dcut[i + 1]; d++) {
        uint64_t lo = c->doc_off[d], hi = c->doc_off[d + 1];
        memset(cd, 0, s->K * sizeof *cd);
        for (uint64_t p = lo; p < hi; p++) cd[s->z[p]]++;
        for (uint64_t p = lo; p < hi; p++) {
            uint32_t k = s->z[p];
            if (cd[k]) ll += lgam(cd[k] + s->alpha[k]) - lgam(s->alpha[k]), cd[k] = 0;
        }
        ll += lgam(s->asum) - lgam((double)(hi - lo) + s->asum);
    }
    s->llpart[i] = ll;
    return 0;
}

/* The word half over shard i (nonzero counts only). */
static int ll_words(void *arg, size_t i, int thread)
{
    (void)thread;
    sampler *s = arg;
    double ll = 0, lb = lgam(s->beta);
    for (uint32_t w = s->wcut[i]; w < s->wcut[i + 1]; w++) {
        const uint32_t *row = s->nkw + (size_t)w * s->K;
        for (uint32_t k = 0; k < s->K; k++)
            if (row[k]) ll += lgam(row[k] + s->beta) - lb;
    }
    s->llpart[i] = ll;
    return 0;
}

/* Joint log p(w, z) per token. */
static int loglik(sampler *s, const ws_plan *plan, double *out)
{
    int rc = plan->parallel_for(plan->ctx, s->ndshards, ll_docs, s);
    double ll = 0;
    for (uint32_t i = 0; !rc && i < s->ndshards; i++) ll += s->llpart[i];
    if (!rc) rc = plan->parallel_for(plan->ctx, s->nwshards, ll_words, s);
    for (uint32_t i = 0; !rc && i < s->nwshards; i++) ll += s->llpart[i];
    for (uint32_t k = 0; k < s->K; k++) ll += lgam(s->vbeta) - lgam((double)s->nk[k] + s->vbeta);
    *out = s->c->ntokens ? ll / (double)s->c->ntokens : 0;
    return rc;
}

/* Minka's fixed-point updates (as Mallet does them, from histograms):
 * an asymmetric alpha from the documents' topic counts, a symmetric beta
 * from the word-topic counts. Sequential, in a fixed order. */
static int optimize(sampler *s)
{
    const ws_lda_corpus *c = s->c;
    const uint32_t K = s->K;
    uint64_t maxlen = 0;
    for (uint32_t d = 0; d < c->ndocs; d++)
        if (c->doc_off[d + 1] - c->doc_off[d] > maxlen) maxlen = c->doc_off[d + 1] - c->doc_off[d];
    if (!maxlen) return 0;
    uint32_t *hist = ws_calloc((size_t)K * (maxlen + 1), sizeof *hist);
    uint32_t *lhist = ws_calloc(maxlen + 1, sizeof *lhist), *cd = s->scratch;
    memset(cd, 0, K * sizeof *cd);
    if (!hist || !lhist) {
        ws_free(hist), ws_free(lhist);
        return ws_error(WS_ENOMEM, "out of memory for hyperparameter optimisation");
    }
    for (uint32_t d = 0; d < c->ndocs; d++) {
        uint64_t lo = c->doc_off[d], hi = c->doc_off[d + 1];
        lhist[hi - lo]++;
        for (uint64_t p = lo; p < hi; p++) cd[s->z[p]]++;
        for (uint64_t p = lo; p < hi; p++)
            if (cd[s->z[p]]) hist[(size_t)s->z[p] * (maxlen + 1) + cd[s->z[p]]]++, cd[s->z[p]] = 0;
    }
    for (int round = 0; round < 5; round++) {
        double den = 0, asum = s->asum;
        for (uint64_t n = 1; n <= maxlen; n++)
            if (lhist[n]) den += lhist[n] * (digamma((double)n + asum) - digamma(asum));
        for (uint32_t k = 0; k < K && den > 0; k++) {
            double num = 0;
            for (uint64_t n = 1; n <= maxlen; n++)
                if (hist[(size_t)k * (maxlen + 1) + n])
                    num += hist[(size_t)k * (maxlen + 1) + n] * (digamma((double)n + s->alpha[k]) - digamma(s->alpha[k]));
            double a = s->alpha[k] * num / den;
            s->alpha[k] = a > 1e-6 ? a : 1e-6;
        }
        alpha_changed(s);
    }
    ws_free(hist);
    ws_free(lhist);
    for (int round = 0; round < 5; round++) {
        double num = 0, den = 0, b = s->beta;
        for (size_t i = 0; i < (size_t)s->V * K; i++)
            if (s->nkw[i]) num += digamma(s->nkw[i] + b) - digamma(b);
        for (uint32_t k = 0; k < K; k++) den += digamma((double)s->nk[k] + s->V * b) - digamma(s->V * b);
        if (den <= 0 || num <= 0) break;
        b = b * num / (s->V * den);
        s->beta = b > 1e-6 ? b : 1e-6;
        s->vbeta = s->beta * s->V;
    }
    return 0;
}

/* The plain collapsed Gibbs baseline: one sequential sweep. */
static void gibbs_sweep(sampler *s, double *p)
{
    const ws_lda_corpus *c = s->c;
    const uint32_t K = s->K;
    uint32_t *cd = s->scratch;
    for (uint32_t d = 0; d < c->ndocs; d++) {
        uint64_t lo = c->doc_off[d], hi = c->doc_off[d + 1];
        rng r = rng_for(s->o->seed, s->iter, 2, d);
        memset(cd, 0, K * sizeof *cd);
        for (uint64_t i = lo; i < hi; i++) cd[s->z[i]]++;
        for (uint64_t i = lo; i < hi; i++) {
            uint32_t w = c->w[i], zs = s->z[i];
            uint32_t *row = s->nkw + (size_t)w * K;
            cd[zs]--, row[zs]--, s->nk[zs]--;
            double tot = 0;
            for (uint32_t k = 0; k < K; k++) {
                tot += (cd[k] + s->alpha[k]) * (row[k] + s->beta) / ((double)s->nk[k] + s->vbeta);
                p[k] = tot;
            }
            double u = rng_unit(&r) * tot;
            uint32_t k = 0;
            while (k + 1 < K && p[k] <= u) k++;
            cd[k]++, row[k]++, s->nk[k]++;
            s->z[i] = (uint16_t)k;
        }
        for (uint64_t i = lo; i < hi; i++) cd[s->z[i]] = 0;
    }
}

/* SparseLDA (Yao, Mimno and McCallum, KDD 2009), written from the paper.
 * The target of a token splits into three buckets:
 *   s = sum_k a_k b / (n_k + Vb)              (smoothing: every topic)
 *   r = sum_k c_dk b / (n_k + Vb)             (the document's topics)
 *   q = sum_k (a_k + c_dk) c_wk / (n_k + Vb)  (the word's topics)
 * s and r change by one or two terms per token (kept up to date, both
 * recomputed at the start of each document so that rounding does not
 * build up); q is summed over the word's nonzero topics only (by default
 * a packed row per word sorted by count, ws_lda_rows.h; else, for counts
 * too large to pack, a dense row and a topic list, wnz/wnn); the
 * document's nonzero topics are a list too (dnz). The draw almost always
 * falls in q, so a token costs about the number of topics its word has in
 * use, not K.
 *
 * In parallel as AD-LDA (Newman et al., JMLR 2009): the documents are cut
 * into fixed shards (runs of about SPARSE_SHARD_TOKENS tokens, by the data
 * alone); within an
 * iteration every shard samples its documents sequentially against the
 * word-topic counts of the end of the previous iteration plus its own
 * changes, in a private copy of the rows it touches, restored from the
 * shared counts at the start of the shard (so a shard's work never
 * depends on which thread ran it or what that thread ran before); then
 * the changes of all shards (old topic -> new topic per token) are
 * applied to the shared counts. Integer counts: the sum is the same in any
 * order, and the word rows are rebuilt from them (packed rows: in the one
 * order the counts define; lists: in topic order), so the state after
 * every iteration is the same for any thread count. One shard (a corpus
 * under SPARSE_SHARD_TOKENS tokens) is exact sequential SparseLDA. */
typedef struct sparse_tw {
    uint32_t *nkw;  /* V * K: the rows this shard touched (dense rows) */
    uint16_t *wnz;  /* V * K: each word's nonzero topics (dense rows) */
    uint32_t *wnn;  /* V */
    uint32_t *re, *rn; /* packed rows (ws_lda_rows.h): entries (roff), entries in use (V) */
    double *invm;   /* K: 1 / (n_k - 1 + Vb) (packed rows) */
    double *ab;     /* K: a_k b (packed rows) */
    uint32_t *stamp, epoch; /* V: the shard that restored the row */
    uint64_t *nk;   /* K */
    double *coef;   /* K: (a_k + c_dk) / (n_k + Vb) */
    double *qv;     /* K: q's terms, in wnz order */
    double *inv;    /* K: 1 / (n_k + Vb) */
    uint16_t *dnz;  /* K */
    uint32_t *cd;   /* K */
} sparse_tw;

typedef struct sparse_ws {
    sampler *s;
    int packed;     /* packed sorted rows (ws_lda_rows.h), else dense rows and topic lists */
    uint32_t tb;    /* packed: topic bits */
    uint64_t *roff; /* packed: V + 1, row w's slots (min(K, tokens of w)) */
    uint32_t *re, *rn; /* packed: the shared rows (entries, entries in use) */
    uint16_t *wnz;  /* V * K: the shared lists, in topic order (dense rows) */
    uint32_t *wnn;  /* V */
    uint16_t *zold; /* N: the topics at the start of the iteration */
    sparse_tw *tw;  /* per thread */
    int nt;
    uint32_t *cut, ncut; /* the shards: runs of documents of about o->shard_tokens tokens */
    int direct;          /* one shard: the threads' views are the shared counts */
} sparse_ws;

static void sparse_lists(sparse_ws *x)
{
    const sampler *s = x->s;
    if (x->packed) {
        for (uint32_t w = 0; w < s->V; w++) {
            x->rn[w] = ws_lda_row_build(x->re + x->roff[w], s->nkw + (size_t)w * s->K, s->K, x->tb);
            ws_lda_row_pad(x->re + x->roff[w], x->rn[w], (uint32_t)(x->roff[w + 1] - x->roff[w]), x->tb);
        }
        return;
    }
    for (uint32_t w = 0; w < s->V; w++) {
        const uint32_t *row = s->nkw + (size_t)w * s->K;
        uint16_t *l = x->wnz + (size_t)w * s->K;
        uint32_t n = 0;
        for (uint32_t k = 0; k < s->K; k++)
            if (row[k]) l[n++] = (uint16_t)k;
        x->wnn[w] = n;
    }
}

/* Packed rows sampled in place (one shard): their counts into the dense
 * word-topic table (for the log-likelihood, optimisation, the model). */
static void sparse_dense(sparse_ws *x)
{
    const sampler *s = x->s;
    if (!x->packed || !x->direct) return;
    const uint32_t mask = (1u << x->tb) - 1;
    memset(s->nkw, 0, (size_t)s->V * s->K * sizeof *s->nkw);
    for (uint32_t w = 0; w < s->V; w++) {
        const uint32_t *e = x->re + x->roff[w];
        uint32_t *row = s->nkw + (size_t)w * s->K;
        for (uint32_t j = 0; j < x->rn[w]; j++) row[e[j] & mask] = e[j] >> x->tb;
    }
}

static int sparse_init(sampler *s, sparse_ws *x, int nt)
{
    const ws_lda_corpus *c = s->c;
    const uint32_t K = s->K;
    const size_t VK = (size_t)s->V * K;
    x->s = s;
    x->nt = nt;
    int rc = make_shards_of(c->doc_off, c->ndocs, &x->cut, &x->ncut,
                            s->o->shard_tokens ? s->o->shard_tokens : SPARSE_SHARD_TOKENS);
    if (rc) return rc;
    x->tb = ws_lda_topic_bits(K + 1); /* topic 2^tb - 1 is the pad, never a topic (ws_lda_rows.h) */
    uint64_t maxn = 0;
    for (uint32_t w = 0; w < s->V; w++)
        if (c->word_off[w + 1] - c->word_off[w] > maxn) maxn = c->word_off[w + 1] - c->word_off[w];
    /* packed rows unless a word's count could overflow an entry (huge
     * corpora with many topics) or the caller asks for dense rows */
    x->packed = !s->o->dense_rows && ws_lda_rows_fit(x->tb, maxn);
    size_t slots = 0;
    if (x->packed) {
        x->roff = ws_malloc(((size_t)s->V + 1) * sizeof *x->roff);
        if (!x->roff) return ws_error(WS_ENOMEM, "out of memory for the SparseLDA sampler");
        for (uint32_t w = 0; w < s->V; w++) {
            uint64_t n = c->word_off[w + 1] - c->word_off[w];
            x->roff[w] = slots;
            slots += ((n < K ? n : K) + WS_LDA_ROW_PAD - 1) / WS_LDA_ROW_PAD * WS_LDA_ROW_PAD;
        }
        x->roff[s->V] = slots;
        x->re = ws_malloc(slots * sizeof *x->re + 1);
        x->rn = ws_calloc((size_t)s->V + 1, sizeof *x->rn);
        if (!x->re || !x->rn) return ws_error(WS_ENOMEM, "out of memory for the SparseLDA sampler");
    } else {
        x->wnz = ws_malloc(VK * sizeof *x->wnz + 1);
        x->wnn = ws_calloc((size_t)s->V + 1, sizeof *x->wnn);
        if (!x->wnz || !x->wnn) return ws_error(WS_ENOMEM, "out of memory for the SparseLDA sampler");
    }
    x->zold = ws_malloc((size_t)c->ntokens * sizeof *x->zold + 1);
    x->tw = ws_calloc((size_t)nt, sizeof *x->tw);
    if (!x->zold || !x->tw) return ws_error(WS_ENOMEM, "out of memory for the SparseLDA sampler");
    /* One shard: exact sequential SparseLDA on the shared counts, no copies
     * and no merge (whichever thread runs it, it is the only one). */
    x->direct = x->ncut == 1;
    for (int t = 0; t < nt; t++) {
        sparse_tw *w = &x->tw[t];
        int ok;
        if (x->packed && x->direct) {
            w->re = x->re, w->rn = x->rn, ok = 1;
        } else if (x->packed) {
            w->re = ws_malloc(slots * sizeof *w->re + 1);
            w->rn = ws_calloc((size_t)s->V + 1, sizeof *w->rn);
            ok = w->re && w->rn;
        } else if (x->direct) {
            w->nkw = s->nkw, w->wnz = x->wnz, w->wnn = x->wnn, ok = 1;
        } else {
            w->nkw = ws_malloc(VK * sizeof *w->nkw + 1);
            w->wnz = ws_malloc(VK * sizeof *w->wnz + 1);
            w->wnn = ws_calloc((size_t)s->V + 1, sizeof *w->wnn);
            ok = w->nkw && w->wnz && w->wnn;
        }
        w->stamp = ws_calloc((size_t)s->V + 1, sizeof *w->stamp);
        w->nk = ws_malloc(K * sizeof *w->nk);
        /* coef: a 0 for the pad topic 2^tb - 1 too; qv: a row's padded slots */
        w->coef = ws_calloc(K > (1u << x->tb) ? K : (1u << x->tb), sizeof *w->coef);
        w->qv = ws_malloc((K + WS_LDA_ROW_PAD) * sizeof *w->qv);
        w->inv = ws_malloc(K * sizeof *w->inv);
        w->invm = ws_malloc(K * sizeof *w->invm);
        w->ab = ws_malloc(K * sizeof *w->ab);
        w->dnz = ws_malloc((K + 1) * sizeof *w->dnz); /* + 1: the branchless listing writes one past */
        w->cd = ws_calloc(K, sizeof *w->cd);
        if (!ok || !w->stamp || !w->nk || !w->coef || !w->qv || !w->inv || !w->invm || !w->ab || !w->dnz || !w->cd)
            return ws_error(WS_ENOMEM, "out of memory for the SparseLDA sampler (%d threads x %u words x %u topics)", nt,
                            s->V, K);
    }
    sparse_lists(x);
    return 0;
}

static void sparse_free(sparse_ws *x)
{
    for (int t = 0; x->tw && t < x->nt; t++) {
        sparse_tw *w = &x->tw[t];
        if (!x->direct) ws_free(w->nkw), ws_free(w->wnz), ws_free(w->wnn), ws_free(w->re), ws_free(w->rn);
        ws_free(w->stamp);
        ws_free(w->nk), ws_free(w->coef), ws_free(w->qv), ws_free(w->inv), ws_free(w->dnz), ws_free(w->cd);
        ws_free(w->invm), ws_free(w->ab);
    }
    ws_free(x->tw);
    ws_free(x->cut);
    ws_free(x->roff);
    ws_free(x->re);
    ws_free(x->rn);
    ws_free(x->wnz);
    ws_free(x->wnn);
    ws_free(x->zold);
}

static inline void list_drop(uint16_t *l, uint32_t *n, uint32_t k)
{
    uint32_t i = 0;
    while (l[i] != k) i++;
    l[i] = l[--*n];
}

/* One iteration's sampling of shard i's documents: dense rows (the
 * fallback, see sparse_init). */
static int sparse_shard_dense(void *arg, size_t i, int thread)
{
    sparse_ws *x = arg;
    sampler *s = x->s;
    sparse_tw *tw = &x->tw[thread];
    const ws_lda_corpus *c = s->c;
    const uint32_t K = s->K;
    const double b = s->beta, vb = s->vbeta;
    uint32_t *cd = tw->cd;
    uint64_t *nk = tw->nk;
    double *coef = tw->coef, *qv = tw->qv, *inv = tw->inv;
    /* the shard's view: the shared counts of the end of the last iteration */
    if (++tw->epoch == 0) {
        memset(tw->stamp, 0, s->V * sizeof *tw->stamp);
        tw->epoch = 1;
    }
    memcpy(nk, s->nk, K * sizeof *nk);
    /* 1 / (n_k + Vb), updated with n_k: one division per change instead of
     * one per bucket term */
    for (uint32_t k = 0; k < K; k++) inv[k] = 1.0 / ((double)nk[k] + vb);
    for (uint64_t p = c->doc_off[x->cut[i]]; !x->direct && p < c->doc_off[x->cut[i + 1]]; p++) {
        uint32_t w = c->w[p];
        if (tw->stamp[w] == tw->epoch) continue;
        tw->stamp[w] = tw->epoch;
        memcpy(tw->nkw + (size_t)w * K, s->nkw + (size_t)w * K, K * sizeof *tw->nkw);
        memcpy(tw->wnz + (size_t)w * K, x->wnz + (size_t)w * K, x->wnn[w] * sizeof *tw->wnz);
        tw->wnn[w] = x->wnn[w];
    }
    for (uint32_t d = x->cut[i]; d < x->cut[i + 1]; d++) {
        uint64_t lo = c->doc_off[d], hi = c->doc_off[d + 1];
        if (lo == hi) continue;
        rng r = rng_for(s->o->seed, s->iter, 4, d);
        uint32_t dn = 0;
        for (uint64_t p = lo; p < hi; p++)
            if (!cd[s->z[p]]++) tw->dnz[dn++] = s->z[p];
        double sb = 0, rb = 0;
        for (uint32_t k = 0; k < K; k++) {
            sb += s->alpha[k] * b * inv[k];
            rb += cd[k] * b * inv[k];
            coef[k] = (s->alpha[k] + cd[k]) * inv[k];
        }
        for (uint64_t p = lo; p < hi; p++) {
            uint32_t w = c->w[p], t = s->z[p];
            uint32_t *row = tw->nkw + (size_t)w * K;
            uint16_t *wl = tw->wnz + (size_t)w * K;
            if (p + 1 < hi) { /* the next word's row and list: a cache miss each, else */
                __builtin_prefetch(tw->nkw + (size_t)c->w[p + 1] * K);
                __builtin_prefetch(tw->wnz + (size_t)c->w[p + 1] * K);
            }
            /* take the token out */
            sb -= s->alpha[t] * b * inv[t];
            rb -= cd[t] * b * inv[t];
            cd[t]--, row[t]--, nk[t]--;
            inv[t] = 1.0 / ((double)nk[t] + vb);
            sb += s->alpha[t] * b * inv[t];
            rb += cd[t] * b * inv[t];
            coef[t] = (s->alpha[t] + cd[t]) * inv[t];
            if (!row[t]) list_drop(wl, &tw->wnn[w], t);
            if (!cd[t]) list_drop(tw->dnz, &dn, t);
            /* q over the word's topics */
            double qb = 0;
            uint32_t wn = tw->wnn[w];
            for (uint32_t j = 0; j < wn; j++) {
                qb += coef[wl[j]] * row[wl[j]];
                qv[j] = qb;
            }
            double u = rng_unit(&r) * (sb + rb + qb);
            uint32_t k;
            if (u < qb && wn) {
                uint32_t j = 0;
                while (j + 1 < wn && qv[j] <= u) j++;
                k = wl[j];
            } else if ((u -= qb) < rb && dn) {
                uint32_t j = 0;
                for (;;) {
                    k = tw->dnz[j];
                    u -= cd[k] * b * inv[k];
                    if (u < 0 || ++j == dn) break;
                }
            } else {
                u -= rb;
                for (k = 0; k + 1 < K; k++) {
                    u -= s->alpha[k] * b * inv[k];
                    if (u < 0) break;
                }
            }
            /* and put it back with topic k */
            sb -= s->alpha[k] * b * inv[k];
            rb -= cd[k] * b * inv[k];
            if (!row[k]) wl[tw->wnn[w]++] = (uint16_t)k;
            if (!cd[k]) tw->dnz[dn++] = (uint16_t)k;
            cd[k]++, row[k]++, nk[k]++;
            inv[k] = 1.0 / ((double)nk[k] + vb);
            sb += s->alpha[k] * b * inv[k];
            rb += cd[k] * b * inv[k];
            coef[k] = (s->alpha[k] + cd[k]) * inv[k];
            s->z[p] = (uint16_t)k;
        }
        for (uint32_t j = 0; j < dn; j++) cd[tw->dnz[j]] = 0;
    }
    return 0;
}

/* One iteration's sampling of shard i's documents, packed rows (the
 * default): the same target as sparse_shard_dense, with three savings.
 * The word bucket walks the word's packed row, largest terms first.
 * 1 / (n_k - 1 + Vb) is cached beside 1 / (n_k + Vb), so taking a token
 * out costs no division. And a token that keeps its topic (most of them,
 * once the chain has settled) puts back the buckets it saved instead of
 * updating them again: no division and no rounding drift; a token that
 * moves costs two divisions. */
static int sparse_shard(void *arg, size_t i, int thread)
{
    sparse_ws *x = arg;
    sampler *s = x->s;
    sparse_tw *tw = &x->tw[thread];
    const ws_lda_corpus *c = s->c;
    const uint32_t K = s->K, tb = x->tb, mask = (1u << tb) - 1;
    const uint64_t *roff = x->roff;
    const double b = s->beta, vb = s->vbeta, *alpha = s->alpha;
    uint32_t *cd = tw->cd, *re = tw->re, *rn = tw->rn;
    uint16_t *dnz = tw->dnz, *z = s->z;
    uint64_t *nk = tw->nk;
    double *coef = tw->coef, *qv = tw->qv, *inv = tw->inv, *invm = tw->invm, *ab = tw->ab;
    if (++tw->epoch == 0) {
        memset(tw->stamp, 0, s->V * sizeof *tw->stamp);
        tw->epoch = 1;
    }
    memcpy(nk, s->nk, K * sizeof *nk);
    for (uint32_t k = 0; k < K; k++) {
        inv[k] = 1.0 / ((double)nk[k] + vb);
        invm[k] = nk[k] ? 1.0 / ((double)nk[k] - 1 + vb) : 0; /* read only while n_k >= 1 */
        ab[k] = alpha[k] * b;
    }
    for (uint64_t p = c->doc_off[x->cut[i]]; !x->direct && p < c->doc_off[x->cut[i + 1]]; p++) {
        uint32_t w = c->w[p];
        if (tw->stamp[w] == tw->epoch) continue;
        tw->stamp[w] = tw->epoch;
        memcpy(re + roff[w], x->re + roff[w], (roff[w + 1] - roff[w]) * sizeof *re); /* the pads too */
        rn[w] = x->rn[w];
    }
    for (uint32_t d = x->cut[i]; d < x->cut[i + 1]; d++) {
        uint64_t lo = c->doc_off[d], hi = c->doc_off[d + 1];
        if (lo == hi) continue;
        rng r = rng_for(s->o->seed, s->iter, 4, d);
        uint32_t dn = 0;
        for (uint64_t p = lo; p < hi; p++) { /* branchless: a topic's first token lists it */
            dnz[dn] = z[p];
            dn += !cd[z[p]]++;
        }
        double sb = 0, rb = 0;
        for (uint32_t k = 0; k < K; k++) {
            sb += ab[k] * inv[k];
            rb += cd[k] * b * inv[k];
            coef[k] = (alpha[k] + cd[k]) * inv[k];
        }
        for (uint64_t p = lo; p < hi; p++) {
            const uint32_t w = c->w[p], t = z[p];
            uint32_t *e = re + roff[w];
            if (p + 4 < hi) __builtin_prefetch(re + roff[c->w[p + 4]]); /* a row 4 tokens ahead: a cache miss, else */
            /* take the token out, saving what it changes (its row entry
             * is counted one less in the word bucket below, and changed
             * only if the token moves) */
            const double sb0 = sb, rb0 = rb, cf0 = coef[t], it0 = inv[t], it1 = invm[t];
            sb += ab[t] * (it1 - it0);
            rb += b * ((double)(cd[t] - 1) * it1 - (double)cd[t] * it0);
            cd[t]--, nk[t]--;
            inv[t] = it1;
            coef[t] = (alpha[t] + cd[t]) * it1;
            /* the word bucket over the row, largest terms first; t's entry is
             * at pt (branchless: no exit depends on the data but the length),
             * in groups of WS_LDA_ROW_PAD slots (pads add exact zeros), four
             * slots per SSE2 step (ws_lda_rows.h) */
            const uint32_t wn = rn[w], wp = (wn + WS_LDA_ROW_PAD - 1) & ~(WS_LDA_ROW_PAD - 1);
            uint32_t pt = 0;
            const double qb = ws_lda_row_qsum(e, wp, t, tb, coef, qv, &pt);
            double u = rng_unit(&r) * (sb + rb + qb);
            uint32_t k, jk = UINT32_MAX;
            if (u < qb) {
                /* the first term whose running sum passes u: never a term of
                 * weight 0 (t's, when its count was 1), as qv[wn - 1] > u;
                 * the pads' sums are qb too, never counted */
                jk = ws_lda_row_qpick(qv, wp, u);
                k = e[jk] & mask;
            } else if ((u -= qb) < rb && dn) {
                /* t stays listed with c_dt = 0 until it is known to move: a
                 * term of 0, never passed (but at the end, by rounding: then
                 * the token stays, a valid state) */
                uint32_t j = 0;
                for (;;) {
                    k = dnz[j];
                    u -= cd[k] * b * inv[k];
                    if (u < 0 || ++j == dn) break;
                }
            } else {
                u -= rb;
                for (k = 0; k + 1 < K; k++) {
                    u -= ab[k] * inv[k];
                    if (u < 0) break;
                }
            }
            if (k == t) { /* it stays: put back what was saved */
                sb = sb0, rb = rb0, coef[t] = cf0, inv[t] = it0; /* invm[t] is it1 still */
                cd[t]++, nk[t]++;
                continue;
            }
            /* it moves: t's row entry down, k's up */
            if (jk == UINT32_MAX) {
                ws_lda_row_dec_at(e, &rn[w], tb, pt);
                ws_lda_row_inc(e, &rn[w], tb, k);
            } else {
                ws_lda_row_move(e, &rn[w], tb, pt, jk);
            }
            if (!cd[t]) list_drop(dnz, &dn, t);
            invm[t] = nk[t] ? 1.0 / ((double)nk[t] - 1 + vb) : 0;
            sb -= ab[k] * inv[k];
            rb -= cd[k] * b * inv[k];
            dnz[dn] = (uint16_t)k; /* listed if it is new to the story */
            dn += !cd[k];
            cd[k]++, nk[k]++;
            invm[k] = inv[k];
            inv[k] = 1.0 / ((double)nk[k] + vb);
            sb += ab[k] * inv[k];
            rb += cd[k] * b * inv[k];
            coef[k] = (alpha[k] + cd[k]) * inv[k];
            z[p] = (uint16_t)k;
        }
        for (uint32_t j = 0; j < dn; j++) cd[dnz[j]] = 0;
    }
    return 0;
}

static int sparse_iteration(sparse_ws *x, const ws_plan *plan)
{
    sampler *s = x->s;
    const ws_lda_corpus *c = s->c;
    int (*shard)(void *, size_t, int) = x->packed ? sparse_shard : sparse_shard_dense;
    if (x->direct) {
        int rc = plan->parallel_for(plan->ctx, 1, shard, x);
        for (int t = 0; !rc && t < x->nt; t++)
            if (x->tw[t].epoch) memcpy(s->nk, x->tw[t].nk, s->K * sizeof *s->nk), x->tw[t].epoch = 0;
        return rc;
    }
    memcpy(x->zold, s->z, c->ntokens * sizeof *s->z);
    int rc = plan->parallel_for(plan->ctx, x->ncut, shard, x);
    if (rc) return rc;
    for (uint64_t p = 0; p < c->ntokens; p++)
        if (s->z[p] != x->zold[p]) {
            uint32_t *row = s->nkw + (size_t)c->w[p] * s->K;
            row[x->zold[p]]--, row[s->z[p]]++;
            s->nk[x->zold[p]]--, s->nk[s->z[p]]++;
        }
    sparse_lists(x);
    return 0;
}

static void sampler_free(sampler *s)
{
    ws_free(s->st);
    ws_free(s->nk);
    ws_free(s->acum);
    ws_free(s->af);
    ws_free(s->nkv);
    ws_free(s->dcut);
    ws_free(s->wcut);
    ws_free(s->part);
    ws_free(s->llpart);
    ws_free(s->scratch);
    ws_free(s->loc);
}

int ws_lda_train(const ws_lda_env *env, const ws_lda_corpus *c, const ws_lda_opts *o, ws_lda_model *m, uint16_t **zout)
{
    const ws_plan *plan = env->plan;
    sampler s;
    sparse_ws sp;
    memset(&s, 0, sizeof s);
    memset(&sp, 0, sizeof sp);
    memset(m, 0, sizeof *m);
    *zout = NULL;
    s.c = c;
    s.o = o;
    s.K = o->k;
    s.V = c->nwords;
    s.M = o->mh ? (o->mh > 3 ? 3 : o->mh) : 2;
    const int warp = o->sampler == WS_LDA_WARP;
    int rc = make_shards(c->doc_off, c->ndocs, &s.dcut, &s.ndshards);
    if (!rc) rc = make_shards(c->word_off, c->nwords, &s.wcut, &s.nwshards);
    if (rc) {
        sampler_free(&s);
        return rc;
    }
    for (uint32_t v = 0; v < c->nwords; v++)
        if (c->word_off[v + 1] - c->word_off[v] > s.maxn) s.maxn = c->word_off[v + 1] - c->word_off[v];
    uint32_t nsh = s.ndshards > s.nwshards ? s.ndshards : s.nwshards;
    int nt = env->threads > 0 ? env->threads : 1;
    s.z = ws_malloc((size_t)c->ntokens * sizeof *s.z + 1);
    s.nkw = ws_calloc((size_t)s.V * s.K + 1, sizeof *s.nkw);
    s.nk = ws_calloc(s.K, sizeof *s.nk);
    s.alpha = ws_malloc(s.K * sizeof *s.alpha);
    s.acum = ws_malloc(s.K * sizeof *s.acum);
    s.af = ws_malloc(s.K * sizeof *s.af);
    s.nkv = ws_malloc(s.K * sizeof *s.nkv);
    s.part = ws_calloc((size_t)(nsh + 1) * s.K, sizeof *s.part);
    s.llpart = ws_calloc(nsh + 1, sizeof *s.llpart);
    s.scratch = ws_calloc((size_t)nt * s.K, sizeof *s.scratch);
    if (warp) {
        s.st = ws_malloc((size_t)c->ntokens * sizeof *s.st + 1);
        s.loc = ws_malloc((size_t)nt * s.maxn * sizeof *s.loc + 1);
    }
    double *gp = ws_malloc(s.K * sizeof *gp);
    if (!s.z || !s.nkw || !s.nk || !s.alpha || !s.acum || !s.af || !s.nkv || !s.part || !s.llpart || !s.scratch ||
        !gp || (warp && (!s.st || !s.loc))) {
        ws_free(gp);
        ws_free(s.z), ws_free(s.nkw), ws_free(s.alpha);
        sampler_free(&s);
        return ws_error(WS_ENOMEM, "out of memory for the topic sampler (%llu tokens, %u topics, %u words)",
                        (unsigned long long)c->ntokens, s.K, s.V);
    }
    for (uint32_t k = 0; k < s.K; k++) s.alpha[k] = o->alpha;
    alpha_changed(&s);
    s.beta = o->beta;
    s.vbeta = s.beta * s.V;
    /* Initial state: uniform topics, drawn per document. */
    for (uint32_t d = 0; d < c->ndocs; d++) {
        rng r = rng_for(o->seed, UINT32_MAX >> 2, 3, d);
        for (uint64_t p = c->doc_off[d]; p < c->doc_off[d + 1]; p++) {
            uint32_t k = rng_below(&r, s.K);
            s.z[p] = (uint16_t)k;
            s.nk[k]++;
            s.nkw[(size_t)c->w[p] * s.K + k]++;
        }
    }
    nk_changed(&s);
    if (warp)
        for (uint64_t p = 0; p < c->ntokens; p++) {
            uint64_t v = s.z[p];
            for (uint32_t j = 0; j < s.M; j++) v |= (uint64_t)s.z[p] << (16 * (j + 1)); /* nothing pending yet */
            s.st[p] = v;
        }
    if (o->sampler == WS_LDA_SPARSE) rc = sparse_init(&s, &sp, nt);
    double t0 = now_s(), ll = 0;
    for (uint32_t it = 0; it < o->iterations && !rc; it++) {
        s.iter = it;
        if (o->sampler == WS_LDA_GIBBS) {
            gibbs_sweep(&s, gp);
        } else if (o->sampler == WS_LDA_SPARSE) {
            rc = sparse_iteration(&sp, plan);
        } else {
            rc = plan->parallel_for(plan->ctx, s.ndshards, doc_shard, &s);
            if (!rc) sum_parts(&s, s.ndshards), nk_changed(&s);
            if (!rc) rc = plan->parallel_for(plan->ctx, s.nwshards, word_shard, &s);
            if (!rc) sum_parts(&s, s.nwshards), nk_changed(&s);
        }
        int opt = o->optimize && it + 1 >= 50 && (it + 1) % 10 == 0;
        int rep = o->report && ((it + 1) % o->report == 0 || it + 1 == o->iterations);
        if (!rc && warp && (opt || rep)) sync_z(&s);
        if (!rc && o->sampler == WS_LDA_SPARSE && (opt || rep)) sparse_dense(&sp);
        if (!rc && opt) rc = optimize(&s);
        if (!rc && opt) nk_changed(&s);
        if (!rc && rep) rc = loglik(&s, plan, &ll);
        if (!rc && plan->progress) {
            ws_progress pr = {"topics", it + 1, o->iterations, c->ntokens * (it + 1), now_s() - t0,
                              it + 1 == o->iterations, rep ? "loglik" : NULL, ll};
            plan->progress(plan->ctx, &pr);
        }
    }
    ws_free(gp);
    if (!rc && o->sampler == WS_LDA_SPARSE) sparse_dense(&sp);
    sparse_free(&sp);
    if (!rc && warp) sync_z(&s);
    if (!rc) {
        m->k = s.K;
        m->v = s.V;
        m->alpha = s.alpha;
        m->beta = s.beta;
        m->nkw = s.nkw;
        m->nk = s.nk;
        s.alpha = NULL, s.nkw = NULL, s.nk = NULL;
        *zout = s.z;
        s.z = NULL;
    }
    ws_free(s.z), ws_free(s.nkw), ws_free(s.alpha);
    sampler_free(&s);
    return rc;
}

/* ---- inference with a fixed model ---- */

typedef struct infer_job {
    const ws_lda_corpus *c;
    const ws_lda_opts *o;
    const ws_lda_model *m;
    const double *phi; /* V * K */
    double *cdk;       /* D * K */
    uint32_t *dcut;
    uint32_t *scratch; /* threads * K counts */
    double *p;         /* threads * K */
    uint16_t *z;
} infer_job;

static int infer_shard(void *arg, size_t i, int thread)
{
    infer_job *j = arg;
    const uint32_t K = j->m->k;
    uint32_t *cd = j->scratch + (size_t)thread * K;
    double *p = j->p + (size_t)thread * K;
    uint32_t sweeps = j->o->iterations ? j->o->iterations : 1, keep_from = sweeps / 2;
    for (uint32_t d = j->dcut[i]; d < j->dcut[i + 1]; d++) {
        uint64_t lo = j->c->doc_off[d], hi = j->c->doc_off[d + 1];
        double *out = j->cdk + (size_t)d * K;
        if (lo == hi) continue;
        rng r = rng_for(j->o->seed, 0, 3, d);
        memset(cd, 0, K * sizeof *cd);
        for (uint64_t q = lo; q < hi; q++) {
            j->z[q] = (uint16_t)rng_below(&r, K);
            cd[j->z[q]]++;
        }
        for (uint32_t sw = 0; sw < sweeps; sw++) {
            for (uint64_t q = lo; q < hi; q++) {
                const double *ph = j->phi + (size_t)j->c->w[q] * K;
                cd[j->z[q]]--;
                double tot = 0;
                for (uint32_t k = 0; k < K; k++) {
                    tot += (cd[k] + j->m->alpha[k]) * ph[k];
                    p[k] = tot;
                }
                double u = rng_unit(&r) * tot;
                uint32_t k = 0;
                while (k + 1 < K && p[k] <= u) k++;
                cd[k]++;
                j->z[q] = (uint16_t)k;
            }
            if (sw >= keep_from)
                for (uint32_t k = 0; k < K; k++) out[k] += cd[k];
        }
        for (uint32_t k = 0; k < K; k++) out[k] /= (double)(sweeps - keep_from);
    }
    return 0;
}

int ws_lda_infer(const ws_lda_env *env, const ws_lda_corpus *c, const ws_lda_opts *o, const ws_lda_model *m, double **cdk)
{
    const uint32_t K = m->k;
    int nt = env->threads > 0 ? env->threads : 1;
    infer_job j;
    memset(&j, 0, sizeof j);
    j.c = c, j.o = o, j.m = m;
    uint32_t nsh = 0;
    int rc = make_shards(c->doc_off, c->ndocs, &j.dcut, &nsh);
    if (rc) return rc;
    double *phi = ws_malloc((size_t)m->v * K * sizeof *phi + 1);
    j.cdk = ws_calloc((size_t)c->ndocs * K + 1, sizeof *j.cdk);
    j.scratch = ws_calloc((size_t)nt * K, sizeof *j.scratch);
    j.p = ws_calloc((size_t)nt * K, sizeof *j.p);
    j.z = ws_malloc((size_t)c->ntokens * sizeof *j.z + 1);
    if (!phi || !j.cdk || !j.scratch || !j.p || !j.z) rc = ws_error(WS_ENOMEM, "out of memory for topic inference");
    for (uint32_t w = 0; !rc && w < m->v; w++)
        for (uint32_t k = 0; k < K; k++)
            phi[(size_t)w * K + k] = ((double)m->nkw[(size_t)w * K + k] + m->beta) / ((double)m->nk[k] + m->beta * m->v);
    j.phi = phi;
    if (!rc) rc = env->plan->parallel_for(env->plan->ctx, nsh, infer_shard, &j);
    ws_free(phi);
    ws_free(j.dcut);
    ws_free(j.scratch);
    ws_free(j.p);
    ws_free(j.z);
    if (rc) {
        ws_free(j.cdk);
        return rc;
    }
    *cdk = j.cdk;
    return 0;
}
