/*
 * Co-occurrence kernel: how often terms occur together in a context (the
 * story, the sentence, or a window of K tokens either side), for the
 * collocates of given terms or for all pairs, ranked by an association
 * measure. The definitions of contexts and measures are in docs/cooc.md
 * and in ws_k_cooc.c; the kernel's parameters (ws_query.ext) are below.
 *
 * Memory. All-pairs counting lives in a budget: pairs of the K most
 * frequent terms go to a dense triangle, the others to a hash table; when
 * a thread's table is full it is sorted and written out as a run through
 * the spill operations the caller provides (the kernel does no I/O
 * itself), and finish() merges the runs. The output sort goes through the
 * same operations when the result does not fit. The output is the same
 * bytes whatever the budget and the thread count.
 */
#ifndef WS_K_COOC_H
#define WS_K_COOC_H

#include "ws_kernel.h"
#include "ws_termspec.h"

typedef enum ws_cooc_context { WS_COOC_DOC, WS_COOC_SENTENCE, WS_COOC_WINDOW } ws_cooc_context;

typedef enum ws_cooc_measure {
    WS_COOC_COUNT,
    WS_COOC_PMI,
    WS_COOC_NPMI,
    WS_COOC_LLR,
    WS_COOC_CHI2,
    WS_COOC_TSCORE,
    WS_COOC_DICE,
    WS_COOC_LOGDICE,
    WS_COOC_NMEASURES
} ws_cooc_measure;

/* "count", "pmi", ...; -1 when unknown. */
int ws_cooc_measure_parse(const char *s);
const char *ws_cooc_measure_name(ws_cooc_measure m);

/* The association measures of a pair from its counts: a = contexts (or
 * window pairs) with both, f1 and f2 = the terms' marginal frequencies,
 * n = contexts (tokens for windows). out[m] for every m but COUNT (= a).
 * See ws_k_cooc.c for the formulas. */
void ws_cooc_measures(uint64_t a, uint64_t f1, uint64_t f2, uint64_t n, double out[WS_COOC_NMEASURES]);
/* The same, for window contexts of K tokens either side: span = 2K, the
 * slots around each token. Only npmi differs: its probabilities are over
 * the span n window slots, p(xy) = a / (span n), p(x) = f1 / n, p(y) =
 * f2 / n, so that a <= span min(f1, f2) keeps it within [-1, 1] (with a
 * over token counts alone, one occurrence near several of the other term
 * scored above 1). span 1 is ws_cooc_measures. */
void ws_cooc_measures_span(uint64_t a, uint64_t f1, uint64_t f2, uint64_t n, uint64_t span,
                           double out[WS_COOC_NMEASURES]);

/* Spilling goes through the engine's ws_spill_ops (ws_kernel.h). */
typedef ws_spill_ops ws_cooc_spill_ops;

/* What a run did (filled by the kernel; the caller reports it). */
typedef struct ws_cooc_stats {
    uint64_t pair_events;  /* pair increments counted (all pairs) */
    uint64_t pairs;        /* distinct pairs after merging */
    uint64_t runs;         /* runs spilled (count tables and output sort) */
    uint64_t rounds;       /* across ranks: rounds of the all-pairs exchange */
    uint64_t xsent;        /* across ranks: pair bytes this rank packed for the exchange */
} ws_cooc_stats;

typedef struct ws_cooc_params {
    ws_cooc_context context;
    uint32_t window;          /* WS_COOC_WINDOW: tokens either side (>= 1) */
    /* Collocates of these targets; 0 targets: all pairs. A target is a term
     * specification (ws_termspec.h): a word, a pattern over the vocabulary
     * (one target: any of its terms) or a phrase, matched on the stored
     * tokens' keys (dropped terms included, as kwic matches). Its
     * collocates are the kept terms of the contexts holding a match
     * (window: within K kept tokens before the match's first token or
     * after its last); its frequency is the number of such contexts
     * (window: of matches); the terms of its own slots are never its
     * collocates. labels[t] names target t in the output (NULL, or an
     * empty label: the normalised term of a one-word target). Rows of
     * several targets follow the labels' bytewise order. */
    const ws_termspec *targets;
    const ws_str *labels;
    uint32_t ntargets;
    ws_cooc_measure measure;  /* ranks the output */
    int all_measures;         /* print every measure's column */
    uint64_t min_count;       /* only pairs with cooc >= this (>= 1) */
    int per_term;             /* with targets: top N per target */
    /* Memory for the kernel's own structures, all threads together; 0 =
     * unbounded. threads: how many states the engine will create. */
    size_t budget;
    int threads;
    /* All pairs: dense_rank[id] < ndense for the terms whose pairs are
     * counted in the dense triangle (see ws_cooc_dense_plan), else
     * UINT32_MAX; NULL: no dense part. */
    const uint32_t *dense_rank;
    uint32_t ndense;
    const ws_cooc_spill_ops *spill; /* NULL: never spill (budget ignored for tables) */
    /* All pairs: the plan whose parallel_for merges and ranks the pair
     * table's partitions on `threads` threads; NULL: one at a time. */
    const ws_plan *plan;
    /* All pairs: the least bytes of budget that make a partition of the
     * pair table (0: 4 MiB; ws_k_cooc.c, NPART); tests lower it to split
     * small tables. */
    size_t part_min;
    int none;                       /* --term given but none occurs: nothing to count, header only */
    uint32_t ntargets_given;        /* --term options given (for the header when none occurs) */
    ws_cooc_stats *stats;           /* may be NULL */
    /* Across ranks (all pairs): the bytes of pairs one rank packs per
     * exchange round, at most round_bytes / ranks to any one rank (the
     * plan counts three times this in --mem: the packed buffers, the
     * transport's send copy and what one round receives). */
    size_t round_bytes;
} ws_cooc_params;

extern const ws_kernel ws_kernel_cooc;

/* The descriptor's parameters and plan (ws_k_cooc_plan.c): the memory plan
 * (budget after what the process holds, dense terms, spilling) and the
 * resolution of --term. */
extern const ws_param_info ws_cooc_param_table[11];
int ws_cooc_prepare(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext);
void ws_cooc_done(void *ext, const ws_plan *plan, const ws_query *q);
void ws_cooc_release(void *ext);

/* Bytes of per-thread state that do not depend on the data: the marginal
 * counts and stamps over a vocabulary of nterms terms. */
size_t ws_cooc_fixed_bytes(uint32_t nterms, uint32_t ntargets);
/* The size of the dense part for a budget: the largest K whose triangle
 * (K (K - 1) / 2 counters of 8 bytes) takes at most a quarter of what each
 * of `threads` states gets after its fixed part, and at most nterms. */
uint32_t ws_cooc_dense_size(size_t budget, int threads, uint32_t nterms);
/* Choose the dense terms: the k terms with the highest freq[] (ties: lower
 * id), rank[id] = 0..k-1 in that order, UINT32_MAX for the others. */
void ws_cooc_dense_plan(const uint64_t *freq, uint32_t nterms, uint32_t k, uint32_t *rank);

/* Across ranks, all pairs (ws_k_cooc_dist.c; docs/scale-out.md): the
 * pairs are exchanged by a hash of the pair, each rank merges its
 * partition, and each sends rank 0 only its candidates for the report.
 * The hooks into a cooc state (ws_k_cooc.c) that it needs: */
typedef struct ws_cooc_view {
    const ws_cooc_params *p;
    uint32_t n;           /* vocabulary */
    uint64_t *nctx, *events;
    uint64_t *freq;       /* n + 1 marginals */
} ws_cooc_view;
ws_cooc_view ws_cooc_state_view(void *state);
/* Every (pair key, total) the state holds (triangle, table, spilled runs;
 * keys min << 32 | max of normalised ids), once each; the state is left
 * with an empty hash table and no triangle. */
int ws_cooc_pairs_take(void *state, int (*fn)(void *arg, uint64_t key, uint64_t count), void *arg);
/* As take, but fn may call ws_cooc_pairs_put on the same state (those
 * pairs are not streamed): the pairs held at the call are set apart first. */
int ws_cooc_pairs_stream(void *state, int (*fn)(void *arg, uint64_t key, uint64_t count), void *arg);
/* Add count to pair key (the hash table, spilling within the budget). */
int ws_cooc_pairs_put(void *state, uint64_t key, uint64_t count);
/* The kernel's exchange, pack and unpack for all pairs. */
int ws_cooc_exchange(void *state, const ws_query *q, const ws_dist *d);
int ws_cooc_pack_pairs(void *state, const ws_query *q, ws_buf *out);
int ws_cooc_unpack_pairs(void *state, const ws_query *q, const uint8_t *data, size_t len);
/* An array of n counts as its nonzero entries, (gap, value) varints after
 * their count (pack of collocates), and back into a zeroed array. */
int ws_cooc_get_sparse(const uint8_t **at, const uint8_t *end, uint64_t *a, size_t n);

#endif
