/*
 * N-gram kernel: counts of word bigrams or trigrams (occurrences and
 * stories containing them), and multi-word phrase detection by NPMI over
 * bigrams. The definitions (what breaks an n-gram, the probabilities
 * behind NPMI, the orderings) are in ws_k_ngrams.c and docs/ngrams.md;
 * the kernel's parameters (ws_query.ext) are below.
 */
#ifndef WS_K_NGRAMS_H
#define WS_K_NGRAMS_H

#include "ws_kernel.h"

#define WS_NGRAMS_MAX_N 3

typedef struct ws_ngrams_params {
    uint32_t n;          /* 2 or 3 (1 is accepted too: plain unigrams) */
    int phrases;         /* score bigrams by NPMI (n must be 2) */
    uint64_t min_count;  /* only n-grams occurring at least this often (>= 1) */
    /* The plan whose parallel_for merges and ranks the table's partitions
     * (set by prepare); NULL: one partition at a time. */
    const ws_plan *plan;
    /* 1: count bigrams in the table of 64-bit counts (stores of 2^32
     * tokens or more, set by prepare); 0: 32-bit counts, 16-byte slots. */
    int wide;
    /* Set by prepare (NULL: none, as in parameters made by hand): the most
     * frequent normalised terms, whose bigrams count in a dense table
     * (ws_k_ngrams.c); freed by the kernel's release. */
    const struct ws_ngrams_dense *dense;
} ws_ngrams_params;

/* The NPMI of a bigram xy from its counts, as the kernel computes it, over
 * the npos bigram positions: p(xy) = cxy / npos, p(x) = cx / npos with cx
 * the positions whose first word is x, p(y) = cy / npos with cy those whose
 * second word is y; NPMI = log2(p(xy) / (p(x) p(y))) / -log2(p(xy)), 1
 * when p(xy) = 1 (a single bigram type fills every position: the limit of
 * the formula as p(xy) -> 1 for a perfect pair). Since cxy <= cx, cy <=
 * npos, NPMI lies in [-1, 1]; the result is clamped to it against rounding. */
double ws_ngrams_npmi(uint64_t cxy, uint64_t cx, uint64_t cy, uint64_t npos);

/* ---- across ranks (ws_k_ngrams_dist.c, docs/scale-out.md) ----
 * The exchange hook: the n-grams repartitioned by hash so that each rank
 * holds the global counts of its partition, npos and the phrase marginals
 * summed over every rank, and each rank's candidates for the report sent
 * to rank 0 (its best --top rows, or all); the state is then marked
 * exchanged (pack sends nothing more, finish takes the global marginals). */
int ws_ngrams_exchange(void *state, const ws_query *q, const ws_dist *d);

/* What ws_k_ngrams.c lends the exchange of a state (ws_ngrams_state_view). */
typedef struct ws_ngrams_view {
    uint32_t n;        /* terms per n-gram */
    int phrases;
    uint32_t nterms;   /* normalised vocabulary (ids 0 .. nterms) */
    uint64_t *npos;    /* n-gram positions counted */
    int *exchanged;
    uint64_t **gleft, **gright; /* global phrase marginals (nterms + 1 each, ws_malloc'ed; the state frees them) */
} ws_ngrams_view;
ws_ngrams_view ws_ngrams_state_view(void *state);
/* fn for every counted n-gram (ids beyond n are 0), in no particular order. */
int ws_ngrams_each(const void *state, int (*fn)(void *arg, const uint32_t *id, uint64_t count, uint64_t df), void *arg);
/* Add count and df to n-gram id (3 ids, unused ones 0). */
int ws_ngrams_put(void *state, const uint32_t *id, uint64_t count, uint64_t df);
/* As each, but the tables are first set apart (fresh empty ones take their
 * place, and each old one is freed once streamed), so fn may ws_ngrams_put
 * into the same state. */
int ws_ngrams_stream(void *state, int (*fn)(void *arg, const uint32_t *id, uint64_t count, uint64_t df), void *arg);
/* Each normalised term's position in bytewise term order (the report's
 * tie-break); ws_malloc'ed, NULL when out of memory. */
uint32_t *ws_ngrams_term_positions(const ws_norm *nm);

/* A report row and the report's order, shared by the ranking (finish) and
 * the exchange's candidates (ws_k_ngrams_dist.c). */
typedef struct ws_ngrams_item {
    uint32_t id[3];
    uint64_t count, df;
    double score; /* phrases: NPMI */
} ws_ngrams_item;

typedef struct ws_ngrams_rank {
    const uint32_t *pos; /* normalised id -> position in bytewise term order */
    uint32_t n;
    int by_score;
} ws_ngrams_rank;

/* 1 when a ranks after b: by count (phrases: NPMI) descending, then the
 * terms' bytes, compared through their positions (no string is compared
 * while ranking; see the ordering note atop ws_k_ngrams.c). */
static inline int ws_ngrams_after(const ws_ngrams_rank *k, const ws_ngrams_item *a, const ws_ngrams_item *b)
{
    if (k->by_score) {
        if (a->score != b->score) return a->score < b->score;
    } else if (a->count != b->count) {
        return a->count < b->count;
    }
    for (uint32_t i = 0; i < k->n; i++)
        if (a->id[i] != b->id[i]) return k->pos[a->id[i]] > k->pos[b->id[i]];
    return 0;
}

/* Reads ws_query.ext (a ws_ngrams_params), .norm, .field and .top. */
extern const ws_kernel ws_kernel_ngrams;

#endif
