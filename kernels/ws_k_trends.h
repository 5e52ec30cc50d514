/*
 * Trends kernel (wirescan trends): stories per time bucket that mention
 * topics (terms, phrases or named keyword lists), emerging terms per bucket
 * against a trailing baseline, and Kleinberg bursts of topics.
 *
 * A topic is a list of patterns; a pattern is a term (one normalised id) or
 * a phrase (several, matched on consecutive tokens of one sentence). Terms
 * are keys of the query's normalisation (ws_norm.key, as --containing
 * uses): case folding and stemming apply, stop-word and length rules do
 * not, so "the" and "of" may appear inside a phrase ("bank of england").
 * A topic set is compiled once per query (ws_trends_set_*) and read by
 * every thread.
 */
#ifndef WS_K_TRENDS_H
#define WS_K_TRENDS_H

#include "ws_kernel.h"
#include "ws_tokenize.h"

typedef enum ws_trends_mode {
    WS_TRENDS_SERIES,   /* bucket,topic,docs,mentions,total,share (or --wide) */
    WS_TRENDS_EMERGING, /* bucket,term,count,baseline,score */
    WS_TRENDS_BURSTS    /* topic,start,end,weight */
} ws_trends_mode;

/* Compiled topics. Build with ws_trends_set_add_topic / _add_pattern, then
 * ws_trends_set_finish; read-only afterwards. */
typedef struct ws_trends_set {
    uint32_t ntopics;
    char **names;        /* ntopics, NUL-terminated UTF-8 */
    uint32_t npat;
    uint32_t *pat_topic; /* npat */
    uint32_t *pat_off;   /* npat + 1: pattern p is pat_ids[pat_off[p] .. pat_off[p+1]) */
    uint32_t *pat_ids;   /* normalised key ids; WS_NORM_DROP when a word never occurs */
    char **pat_text;     /* npat: the pattern as written (for messages) */
    /* Patterns by first term: start_pat[start_off[h] .. start_off[h+1]) are
     * the patterns whose first id is the h-th distinct first id. */
    uint32_t nstart;
    uint32_t *start_off, *start_pat;
    /* Per dictionary (store) i of the normalisation: dictionary id -> 1 + h,
     * or 0 when no pattern starts with the term: one lookup per token. The
     * kernel finds a block's table by its norm view's key array (dict_key). */
    uint32_t ndicts;
    uint32_t **first;
    const uint32_t **dict_key;
    uint32_t cap_topics, cap_pat;
    size_t cap_ids;
} ws_trends_set;

/* The dense result of a series scan, for charts and messages: counts of
 * bucket b (the b-th of nb consecutive buckets from the first to the last
 * one with a dated story), group g (ng groups; 1 without --by) and topic t
 * are cell[((b * ng + g) * (2 * nt + 1))]: total, then docs and mentions
 * of each topic. */
typedef struct ws_trends_out {
    uint64_t undated;     /* stories that passed the filters but have no date */
    uint32_t nb, ng, nt;
    char (*blabel)[32];   /* nb bucket labels */
    uint32_t *gid;        /* ng group ids (in q->groups) */
    uint64_t *cell;
} ws_trends_out;

/* A series (and bursts) lists every bucket from the first to the last
 * dated story; beyond this many buckets the query is refused (WS_ETOOBIG). */
#define WS_TRENDS_MAX_BUCKETS 100000u

/* The kernel's parameters (ws_query.ext). */
typedef struct ws_trends_params {
    ws_trends_mode mode;
    ws_by bucket;              /* WS_BY_DAY .. WS_BY_YEAR */
    const ws_trends_set *set;  /* series and bursts */
    int wide;                  /* 0 long; 1 wide with docs; 2 wide with share */
    uint32_t smooth;           /* 0 none; K: trailing K-bucket mean of share */
    uint32_t baseline;         /* emerging: trailing buckets */
    uint64_t min_count;        /* emerging: stories with the term in the bucket */
    double burst_s, burst_gamma;
    ws_trends_out *out;        /* filled by finish when not NULL (series, bursts) */
} ws_trends_params;

extern const ws_kernel ws_kernel_trends;

/* The descriptor's parameters and plan (ws_k_trends_plan.c). */
extern const ws_param_info ws_trends_param_table[14];
int ws_trends_prepare(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext);
void ws_trends_done(void *ext, const ws_plan *plan, const ws_query *q);
void ws_trends_release(void *ext);

void ws_trends_set_init(ws_trends_set *s);
void ws_trends_set_free(ws_trends_set *s); /* NULL-safe */
/* Add a topic; WS_EINVAL when the name is empty or already there. */
int ws_trends_set_add_topic(ws_trends_set *s, const char *name, size_t len);
/* Add a pattern (a term, or several words: a phrase) to the last topic.
 * text is tokenised with tk and each token normalised with ws_norm_lookup.
 * WS_EINVAL when it holds no word. *found is 0 when some word does not
 * occur in any dictionary (the pattern can never match). */
int ws_trends_set_add_pattern(ws_trends_set *s, ws_tokenizer *tk, const ws_norm *norm, const char *text, size_t len,
                              int *found);
/* Add a pattern of nids normalised key ids (WS_NORM_DROP: a word that
 * never occurs) to the last topic; text names it in messages. */
int ws_trends_set_add_ids(ws_trends_set *s, const uint32_t *ids, uint32_t nids, const char *text, size_t len);
/* Build the lookup tables over norm's dictionaries. */
int ws_trends_set_finish(ws_trends_set *s, const ws_norm *norm);

void ws_trends_out_free(ws_trends_out *o); /* NULL-safe */

/* ---- Kleinberg bursts (two-state, batched) ---- */
typedef struct ws_burst {
    size_t start, end; /* bucket indices, both included */
    double weight;     /* sum over the interval of cost(q0) - cost(q1) */
} ws_burst;

/* Burst intervals of r[t] matching out of d[t] stories (t < n): states q0
 * (rate p0 = sum r / sum d) and q1 (p1 = min(s p0, 0.9999)), state cost
 * -ln(p^r (1-p)^(d-r)) (the binomial coefficient is the same in both
 * states and cancels), gamma ln n to move up, nothing to move down, start
 * in q0; the cheapest state sequence (Viterbi; ties go to q0) and its runs
 * of q1. *out is allocated (ws_malloc; free with ws_free) and holds *nout
 * intervals in order. */
int ws_trends_bursts(const uint64_t *r, const uint64_t *d, size_t n, double s, double gamma, ws_burst **out,
                     size_t *nout);

/* Dunning's G2 of the 2x2 table of stories: a of c in the bucket contain the
 * term, b of d in the baseline. */
double ws_trends_g2(uint64_t a, uint64_t c, uint64_t b, uint64_t d);

#endif
