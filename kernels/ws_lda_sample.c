/*
 * The topic sampler (see ws_k_lda.h and docs/topics.md).
 *
 * Default: WarpLDA's scheme (Chen et al., VLDB 2016), written from the
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
 * Baseline (--sampler gibbs): plain sequential collapsed Gibbs sampling,
 * O(K) per token, one thread; used to measure the MH sampler against.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "ws_k_lda.h"

#define SHARD_TOKENS 32768u

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
static int make_shards(const uint64_t *off, uint32_t n, uint32_t **cut, uint32_t *nshards)
{
    uint32_t cap = 16, ns = 0;
    uint32_t *c = ws_malloc(cap * sizeof *c);
    if (!c) return ws_error(WS_ENOMEM, "out of memory");
    c[ns++] = 0;
    uint64_t start = off[0];
    for (uint32_t i = 0; i < n; i++)
        if (off[i + 1] - start >= SHARD_TOKENS || i + 1 == n) {
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

/* ---- the sampler state ---- */

typedef struct sampler {
    const ws_lda_corpus *c;
    const ws_lda_opts *o;
    uint32_t K, V, M;
    uint16_t *z, *prop;
    uint32_t *nkw;         /* V * K */
    uint64_t *nk;          /* K: the end of the last phase */
    double *alpha, asum, beta, vbeta;
    double *acum;          /* K cumulative alpha, for drawing from alpha */
    int symmetric;
    uint32_t *dcut, ndshards, *wcut, nwshards;
    uint64_t *part;        /* per shard (the larger count) * K: partial n_k */
    double *llpart;        /* per shard */
    uint32_t *scratch;     /* threads * K */
    uint32_t iter;
} sampler;

static inline uint32_t draw_alpha(const sampler *s, rng *r)
{
    if (s->symmetric) return rng_below(r, s->K);
    double u = rng_unit(r) * s->asum;
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
        if (s->alpha[k] != s->alpha[0]) s->symmetric = 0;
    }
    s->asum = a;
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
    for (uint32_t d = s->dcut[i]; d < s->dcut[i + 1]; d++) {
        uint64_t lo = c->doc_off[d], hi = c->doc_off[d + 1], L = hi - lo;
        if (!L) continue;
        rng r = rng_for(s->o->seed, s->iter, 0, d);
        memset(cd, 0, K * sizeof *cd); /* the scratch is shared with the other phases */
        for (uint64_t p = lo; p < hi; p++) cd[s->z[p]]++;
        for (uint64_t p = lo; p < hi; p++) {
            uint32_t zs = s->z[p];
            for (uint32_t m = 0; m < M; m++) {
                uint32_t t = s->prop[p * M + m];
                if (t == zs) continue;
                double num = ((double)cd[t] + s->alpha[t]) * ((double)s->nk[zs] + s->vbeta);
                double den = ((double)cd[zs] - 1 + s->alpha[zs]) * ((double)s->nk[t] + s->vbeta);
                if (rng_unit(&r) * den < num) {
                    cd[zs]--, cd[t]++;
                    zs = t;
                }
            }
            s->z[p] = (uint16_t)zs;
        }
        double pd = (double)L / ((double)L + s->asum);
        for (uint64_t p = lo; p < hi; p++)
            for (uint32_t m = 0; m < M; m++)
                s->prop[p * M + m] = (uint16_t)(rng_unit(&r) < pd ? s->z[lo + rng_below(&r, L)] : draw_alpha(s, &r));
        for (uint64_t p = lo; p < hi; p++) {
            part[s->z[p]]++;
            cd[s->z[p]] = 0;
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
    uint64_t *part = s->part + i * K;
    memset(part, 0, K * sizeof *part);
    for (uint32_t w = s->wcut[i]; w < s->wcut[i + 1]; w++) {
        uint64_t lo = c->word_off[w], hi = c->word_off[w + 1], n = hi - lo;
        uint32_t *row = s->nkw + (size_t)w * K;
        if (!n) {
            memset(row, 0, K * sizeof *row);
            continue;
        }
        rng r = rng_for(s->o->seed, s->iter, 1, w);
        const uint32_t *pos = c->word_pos + lo;
        memset(cw, 0, K * sizeof *cw);
        for (uint64_t j = 0; j < n; j++) cw[s->z[pos[j]]]++;
        for (uint64_t j = 0; j < n; j++) {
            uint32_t p = pos[j], zs = s->z[p];
            for (uint32_t m = 0; m < M; m++) {
                uint32_t t = s->prop[(uint64_t)p * M + m];
                if (t == zs) continue;
                double num = ((double)cw[t] + s->beta) * ((double)s->nk[zs] + s->vbeta);
                double den = ((double)cw[zs] - 1 + s->beta) * ((double)s->nk[t] + s->vbeta);
                if (rng_unit(&r) * den < num) {
                    cw[zs]--, cw[t]++;
                    zs = t;
                }
            }
            s->z[p] = (uint16_t)zs;
        }
        double pw = (double)n / ((double)n + (double)K * s->beta);
        for (uint64_t j = 0; j < n; j++)
            for (uint32_t m = 0; m < M; m++)
                s->prop[(uint64_t)pos[j] * M + m] =
                    (uint16_t)(rng_unit(&r) < pw ? s->z[pos[rng_below(&r, n)]] : rng_below(&r, K));
        memcpy(row, cw, K * sizeof *row);
        for (uint32_t k = 0; k < K; k++) part[k] += cw[k];
    }
    return 0;
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

static void sampler_free(sampler *s)
{
    ws_free(s->prop);
    ws_free(s->nk);
    ws_free(s->acum);
    ws_free(s->dcut);
    ws_free(s->wcut);
    ws_free(s->part);
    ws_free(s->llpart);
    ws_free(s->scratch);
}

int ws_lda_train(const ws_lda_env *env, const ws_lda_corpus *c, const ws_lda_opts *o, ws_lda_model *m, uint16_t **zout)
{
    const ws_plan *plan = env->plan;
    sampler s;
    memset(&s, 0, sizeof s);
    memset(m, 0, sizeof *m);
    *zout = NULL;
    s.c = c;
    s.o = o;
    s.K = o->k;
    s.V = c->nwords;
    s.M = o->mh ? o->mh : 2;
    int rc = make_shards(c->doc_off, c->ndocs, &s.dcut, &s.ndshards);
    if (!rc) rc = make_shards(c->word_off, c->nwords, &s.wcut, &s.nwshards);
    if (rc) {
        sampler_free(&s);
        return rc;
    }
    uint32_t nsh = s.ndshards > s.nwshards ? s.ndshards : s.nwshards;
    int nt = env->threads > 0 ? env->threads : 1;
    s.z = ws_malloc((size_t)c->ntokens * sizeof *s.z + 1);
    s.prop = ws_malloc((size_t)c->ntokens * s.M * sizeof *s.prop + 1);
    s.nkw = ws_calloc((size_t)s.V * s.K + 1, sizeof *s.nkw);
    s.nk = ws_calloc(s.K, sizeof *s.nk);
    s.alpha = ws_malloc(s.K * sizeof *s.alpha);
    s.acum = ws_malloc(s.K * sizeof *s.acum);
    s.part = ws_calloc((size_t)(nsh + 1) * s.K, sizeof *s.part);
    s.llpart = ws_calloc(nsh + 1, sizeof *s.llpart);
    s.scratch = ws_calloc((size_t)nt * s.K, sizeof *s.scratch);
    double *gp = ws_malloc(s.K * sizeof *gp);
    if (!s.z || !s.prop || !s.nkw || !s.nk || !s.alpha || !s.acum || !s.part || !s.llpart || !s.scratch || !gp) {
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
    for (uint64_t p = 0; p < c->ntokens; p++)
        for (uint32_t j = 0; j < s.M; j++) s.prop[p * s.M + j] = s.z[p]; /* nothing pending yet */
    double t0 = now_s(), ll = 0;
    for (uint32_t it = 0; it < o->iterations && !rc; it++) {
        s.iter = it;
        if (o->sampler == 1) {
            gibbs_sweep(&s, gp);
        } else {
            rc = plan->parallel_for(plan->ctx, s.ndshards, doc_shard, &s);
            if (!rc) sum_parts(&s, s.ndshards);
            if (!rc) rc = plan->parallel_for(plan->ctx, s.nwshards, word_shard, &s);
            if (!rc) sum_parts(&s, s.nwshards);
        }
        if (!rc && o->optimize && it + 1 >= 50 && (it + 1) % 10 == 0) rc = optimize(&s);
        int rep = o->report && ((it + 1) % o->report == 0 || it + 1 == o->iterations);
        if (!rc && rep) rc = loglik(&s, plan, &ll);
        if (!rc && plan->progress) {
            ws_progress pr = {"topics", it + 1, o->iterations, c->ntokens * (it + 1), now_s() - t0,
                              it + 1 == o->iterations, rep ? "loglik" : NULL, ll};
            plan->progress(plan->ctx, &pr);
        }
    }
    ws_free(gp);
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
