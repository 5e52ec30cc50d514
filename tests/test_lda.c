/*
 * The topic sampler (kernels/ws_lda_sample.c) on planted corpora, through
 * a stand-in for the engine's parallel loop that hands items to "threads"
 * in a scrambled order: two disjoint vocabularies separate into two
 * topics (with each sampler: warp, gibbs, sparse in one shard and sparse
 * over several shards); the state is the same for 1, 2 and 3 threads
 * (warp, and sparse over several shards, whose changes are merged after
 * each iteration) and its word-topic counts are those of its topics
 * (recounted here), also with 7 topics and with SparseLDA's dense-row
 * fallback; inference with the trained model gives the stories
 * their trained topics.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ws_k_lda.h"

typedef struct fake {
    int threads;
} fake;

/* Items in a thread-count-dependent order, each on a "thread" i % n. */
static int fake_pfor(void *ctx, size_t n, int (*fn)(void *arg, size_t i, int thread), void *arg)
{
    const fake *f = ctx;
    for (size_t j = 0; j < n; j++) {
        size_t i = f->threads == 1 ? j : (j * 7919 + (size_t)f->threads) % n;
        if (f->threads > 1 && n % 7919 == 0) i = n - 1 - j;
        int rc = fn(arg, i, (int)(j % (size_t)f->threads));
        if (rc) return rc;
    }
    return 0;
}

/* D stories; story d uses words of vocabulary d % 2 only (V words each). */
static void planted(ws_lda_corpus *c, uint32_t D, uint32_t len, uint32_t V)
{
    memset(c, 0, sizeof *c);
    c->ndocs = D;
    c->nwords = 2 * V;
    c->ntokens = (uint64_t)D * len;
    c->doc_off = ws_malloc((D + 1) * sizeof *c->doc_off);
    c->w = ws_malloc(c->ntokens * sizeof *c->w);
    uint64_t x = 12345;
    for (uint32_t d = 0; d < D; d++) {
        c->doc_off[d] = (uint64_t)d * len;
        for (uint32_t i = 0; i < len; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            c->w[(uint64_t)d * len + i] = (d % 2) * V + (uint32_t)((x >> 33) % V);
        }
    }
    c->doc_off[D] = c->ntokens;
    cr_assert_eq(ws_lda_index(c), 0);
}

static int train_k(ws_lda_corpus *c, int threads, int sampler, uint64_t shard_tokens, int dense_rows, uint32_t k,
                   ws_lda_model *m, uint16_t **z)
{
    fake f = {threads};
    ws_plan plan;
    memset(&plan, 0, sizeof plan);
    plan.ctx = &f;
    plan.parallel_for = fake_pfor;
    plan.threads = threads;
    ws_lda_env env = {&plan, threads};
    ws_lda_opts o = {.k = k, .iterations = 40, .alpha = 0.5, .beta = 0.01, .seed = 3, .sampler = sampler, .mh = 2,
                     .shard_tokens = shard_tokens, .dense_rows = dense_rows};
    return ws_lda_train(&env, c, &o, m, z);
}

static int train_sh(ws_lda_corpus *c, int threads, int sampler, uint64_t shard_tokens, ws_lda_model *m, uint16_t **z)
{
    return train_k(c, threads, sampler, shard_tokens, 0, 2, m, z);
}

static int train(ws_lda_corpus *c, int threads, int sampler, ws_lda_model *m, uint16_t **z)
{
    return train_sh(c, threads, sampler, 0, m, z);
}

/* The model's counts recounted from the topics. */
static void counts_match(const ws_lda_corpus *c, const ws_lda_model *m, const uint16_t *z, const char *what)
{
    uint32_t *nkw = calloc((size_t)c->nwords * m->k, sizeof *nkw);
    uint64_t *nk = calloc(m->k, sizeof *nk);
    for (uint64_t p = 0; p < c->ntokens; p++) {
        cr_assert_lt(z[p], m->k, "%s: token %llu has topic %u of %u", what, (unsigned long long)p, z[p], m->k);
        nkw[(size_t)c->w[p] * m->k + z[p]]++;
        nk[z[p]]++;
    }
    cr_assert(!memcmp(nkw, m->nkw, (size_t)c->nwords * m->k * sizeof *nkw), "%s: word-topic counts are not the topics'",
              what);
    cr_assert(!memcmp(nk, m->nk, m->k * sizeof *nk), "%s: topic totals are not the topics'", what);
    free(nkw);
    free(nk);
}

Test(lda, planted_vocabularies_separate)
{
    /* warp, gibbs, sparse (one shard), sparse over 10 shards of 1,000
     * tokens; sparse with dense rows (the fallback), one shard and 10 */
    for (int run = 0; run < 6; run++) {
        int sampler = run < 3 ? run : WS_LDA_SPARSE;
        ws_lda_corpus c;
        planted(&c, 200, 50, 40);
        ws_lda_model m;
        uint16_t *z;
        cr_assert_eq(train_k(&c, 2, sampler, run == 3 || run == 5 ? 1000 : 0, run >= 4, 2, &m, &z), 0);
        counts_match(&c, &m, z, "planted");
        /* every word belongs (almost all its tokens) to one topic, and the
         * two vocabularies to different ones */
        uint32_t topic_of[2] = {9, 9};
        for (uint32_t w = 0; w < c.nwords; w++) {
            uint32_t a = m.nkw[w * 2], b = m.nkw[w * 2 + 1], k = a > b ? 0 : 1;
            cr_assert(a + b > 0);
            cr_assert_geq((a > b ? a : b) * 100, (a + b) * 95, "run %d word %u: %u/%u", run, w, a, b);
            uint32_t v = w / 40;
            if (topic_of[v] == 9) topic_of[v] = k;
            cr_assert_eq(topic_of[v], k, "run %d: vocabulary %u split", run, v);
        }
        cr_assert_neq(topic_of[0], topic_of[1]);
        cr_assert_eq(m.nk[0] + m.nk[1], c.ntokens);
        ws_free(z);
        ws_lda_model_free(&m);
        ws_lda_corpus_free(&c);
    }
}

Test(lda, same_state_for_any_thread_count)
{
    ws_lda_corpus c;
    planted(&c, 300, 40, 30);
    /* warp; sparse over shards of 1,000 tokens (12 shards, merged after every iteration) */
    for (int sampler = WS_LDA_WARP; sampler <= WS_LDA_SPARSE; sampler += WS_LDA_SPARSE - WS_LDA_WARP) {
        ws_lda_model m1;
        uint16_t *z1;
        uint64_t sh = sampler == WS_LDA_SPARSE ? 1000 : 0;
        cr_assert_eq(train_sh(&c, 1, sampler, sh, &m1, &z1), 0);
        counts_match(&c, &m1, z1, sampler == WS_LDA_SPARSE ? "sparse" : "warp");
        for (int t = 2; t <= 3; t++) {
            ws_lda_model m;
            uint16_t *z;
            cr_assert_eq(train_sh(&c, t, sampler, sh, &m, &z), 0);
            cr_assert(!memcmp(z, z1, c.ntokens * sizeof *z), "sampler %d: z differs with %d threads", sampler, t);
            cr_assert(!memcmp(m.nkw, m1.nkw, (size_t)c.nwords * 2 * sizeof *m.nkw),
                      "sampler %d: counts differ with %d threads", sampler, t);
            ws_free(z);
            ws_lda_model_free(&m);
        }
        ws_free(z1);
        ws_lda_model_free(&m1);
    }
    ws_lda_corpus_free(&c);
}

/* SparseLDA with more topics than the planted two (K = 7: rows of several
 * entries that tie, sort and empty; K = 8: the pad topic of the packed
 * rows needs a fourth topic bit; K = 3: rows of fewer entries than a pad
 * group), packed rows and dense rows, one shard and 12: the counts are the
 * topics' and the state is the same for 1, 2 and 3 threads. */
Test(lda, sparse_rows_many_topics)
{
    ws_lda_corpus c;
    planted(&c, 300, 40, 30);
    for (int run = 0; run < 12; run++) {
        int dense = run & 1;
        uint64_t sh = run & 2 ? 1000 : 0;
        const uint32_t K = run < 4 ? 7 : run < 8 ? 8 : 3;
        ws_lda_model m1;
        uint16_t *z1;
        cr_assert_eq(train_k(&c, 1, WS_LDA_SPARSE, sh, dense, K, &m1, &z1), 0);
        counts_match(&c, &m1, z1, dense ? "dense rows" : "packed rows");
        uint32_t used = 0;
        for (uint32_t k = 0; k < K; k++) used += m1.nk[k] > 0;
        cr_assert_geq(used, 2, "run %d: %u topics in use", run, used);
        for (int t = 2; t <= 3; t++) {
            ws_lda_model m;
            uint16_t *z;
            cr_assert_eq(train_k(&c, t, WS_LDA_SPARSE, sh, dense, K, &m, &z), 0);
            cr_assert(!memcmp(z, z1, c.ntokens * sizeof *z), "run %d: z differs with %d threads", run, t);
            cr_assert(!memcmp(m.nkw, m1.nkw, (size_t)c.nwords * K * sizeof *m.nkw), "run %d: counts differ", run);
            ws_free(z);
            ws_lda_model_free(&m);
        }
        ws_free(z1);
        ws_lda_model_free(&m1);
    }
    ws_lda_corpus_free(&c);
}

Test(lda, infer_gives_the_trained_topics)
{
    ws_lda_corpus c;
    planted(&c, 100, 40, 30);
    ws_lda_model m;
    uint16_t *z;
    cr_assert_eq(train(&c, 2, 0, &m, &z), 0);
    fake f = {2};
    ws_plan plan;
    memset(&plan, 0, sizeof plan);
    plan.ctx = &f;
    plan.parallel_for = fake_pfor;
    ws_lda_env env = {&plan, 2};
    ws_lda_opts o = {.k = 2, .iterations = 20, .seed = 9};
    double *cdk;
    cr_assert_eq(ws_lda_infer(&env, &c, &o, &m, &cdk), 0);
    for (uint32_t d = 0; d < c.ndocs; d++) {
        uint32_t trained[2] = {0, 0};
        for (uint64_t p = c.doc_off[d]; p < c.doc_off[d + 1]; p++) trained[z[p]]++;
        int tk = trained[1] > trained[0], ik = cdk[d * 2 + 1] > cdk[d * 2];
        cr_assert_eq(tk, ik, "story %u: trained %d, inferred %d", d, tk, ik);
        cr_assert_float_eq(cdk[d * 2] + cdk[d * 2 + 1], 40.0, 1e-9);
    }
    ws_free(cdk);
    ws_free(z);
    ws_lda_model_free(&m);
    ws_lda_corpus_free(&c);
}
