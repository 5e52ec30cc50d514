/*
 * The topic model (latent Dirichlet allocation) shared by the topics
 * kernel (ws_k_lda.c: passes over the store, outputs, model files) and its
 * sampler (ws_lda_sample.c: WarpLDA-style Metropolis-Hastings collapsed
 * Gibbs sampling, the SparseLDA and plain collapsed Gibbs baselines, inference with a
 * fixed model, log-likelihood and hyperparameter optimisation).
 *
 * The corpus the sampler sees is in memory: D documents (the selected
 * stories, in store order), their tokens as vocabulary ids (doc-major),
 * and a word-major index (for every word, the positions of its tokens).
 */
#ifndef WS_K_LDA_H
#define WS_K_LDA_H

#include <stdint.h>

#include "ws_kernel.h"

typedef struct ws_lda_corpus {
    uint32_t ndocs, nwords; /* D, V */
    uint64_t ntokens;       /* N (< 2^32: positions are uint32) */
    uint64_t *doc_off;      /* D + 1: doc d's tokens are [doc_off[d], doc_off[d+1]) */
    uint32_t *w;            /* N: vocabulary ids, doc-major */
    /* word-major index, built by ws_lda_index */
    uint64_t *word_off;     /* V + 1 */
    uint32_t *word_pos;     /* N: positions into w, grouped by word */
} ws_lda_corpus;

/* Samplers: warp (WarpLDA's MH passes, O(1) per token, parallel), gibbs
 * (plain collapsed Gibbs, O(K) per token, one thread), sparse (SparseLDA,
 * one thread: the baseline). */
enum { WS_LDA_WARP = 0, WS_LDA_GIBBS = 1, WS_LDA_SPARSE = 2 };

typedef struct ws_lda_opts {
    uint32_t k;          /* topics */
    uint32_t iterations;
    double alpha, beta;  /* symmetric priors (alpha per topic) */
    int optimize;        /* re-estimate alpha (asymmetric) and beta */
    uint64_t seed;
    uint32_t report;     /* log-likelihood every N iterations (0: never) */
    int sampler;         /* WS_LDA_WARP, WS_LDA_GIBBS or WS_LDA_SPARSE */
    uint32_t mh;         /* MH steps per token and phase (warp; at most 3) */
    uint64_t shard_tokens; /* sparse: tokens per shard (0: the default, 1M) */
    int dense_rows;        /* sparse: dense word-topic rows instead of packed sorted ones (ws_lda_rows.h; the
                            * fallback when a count could overflow a packed entry; tests) */
} ws_lda_opts;

/* The model: counts of the final state. */
typedef struct ws_lda_model {
    uint32_t k, v;
    double *alpha;    /* k */
    double beta;
    uint32_t *nkw;    /* v * k, word-major: nkw[w * k + t] */
    uint64_t *nk;     /* k */
} ws_lda_model;

/* What the sampler needs of the engine: the plan's parallel loop and
 * progress, and the thread count. */
typedef struct ws_lda_env {
    const ws_plan *plan;
    int threads;
} ws_lda_env;

/* Build the word-major index of c. */
int ws_lda_index(ws_lda_corpus *c);
/* Train: fills m (allocated here) and z (N topic assignments, allocated
 * here). Deterministic for a seed whatever env->threads. */
int ws_lda_train(const ws_lda_env *env, const ws_lda_corpus *c, const ws_lda_opts *o, ws_lda_model *m, uint16_t **z);
/* Infer document-topic counts for c with the fixed model m (whose word
 * ids c uses): cdk (D * K, allocated here) gets each document's counts
 * averaged over the second half of o->iterations sweeps, times 1 (kept as
 * doubles). */
int ws_lda_infer(const ws_lda_env *env, const ws_lda_corpus *c, const ws_lda_opts *o, const ws_lda_model *m,
                 double **cdk);
void ws_lda_model_free(ws_lda_model *m);
void ws_lda_corpus_free(ws_lda_corpus *c);

#endif
