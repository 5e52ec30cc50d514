/*
 * The kernel interface. A query is: stores -> filters -> normalisation ->
 * one kernel -> a table. The engine opens the parallel region, gives every
 * thread its own kernel state, feeds it decoded blocks with a per-row
 * selection, merges the states in a fixed order and asks the kernel to
 * finish. Kernels do no I/O, create no threads and keep no global state.
 * Adding a kernel touches its own file and one row of the table in
 * ws_kernels.c.
 *
 * Grouping (tf --by, and later trends) is described here too, so every
 * kernel buckets stories the same way: by time (day, week starting Monday,
 * month, quarter, year; UTC), by source, or by the values of a tag column.
 */
#ifndef WS_KERNEL_H
#define WS_KERNEL_H

#include "ws_block.h"
#include "ws_minhash.h"
#include "ws_norm.h"
#include "ws_params.h"
#include "ws_table.h"

/* ---- grouping ---- */
typedef enum ws_by {
    WS_BY_NONE,
    WS_BY_DAY,
    WS_BY_WEEK, /* weeks start on Monday; labelled by that Monday's date */
    WS_BY_MONTH,
    WS_BY_QUARTER,
    WS_BY_YEAR,
    WS_BY_SOURCE,
    WS_BY_TAG
} ws_by;

/* The group of undated stories (time grouping) and of stories without a
 * value (tag grouping). It sorts after every other group. */
#define WS_GROUP_NONE UINT32_MAX

/* How one segment's value indices map to group ids (source or tag). */
typedef struct ws_group_seg {
    const ws_segment *seg;
    int col;             /* column holding the values; -1: the segment lacks the tag */
    uint32_t *to_group;  /* seg->cols[col].nvalues entries */
} ws_group_seg;

typedef struct ws_groups {
    ws_by by;
    char *tag;            /* WS_BY_TAG: the tag column's name */
    /* WS_BY_SOURCE / WS_BY_TAG: group id -> label, ids in bytewise label order */
    uint32_t nlabels;
    ws_str *labels;
    char *label_text;
    uint32_t nsegs;
    ws_group_seg *segs;
} ws_groups;

/* Parse "day", "week", "month", "quarter", "year", "source"; anything else
 * is a tag name (WS_BY_TAG). "tag:NAME" names a tag that is called like one
 * of the reserved words. */
ws_by ws_by_parse(const char *s, const char **tag);
/* Group id of a time bucket for UTC seconds t (WS_DATE_UNKNOWN: WS_GROUP_NONE).
 * Ids order like the buckets. */
uint32_t ws_time_group(ws_by by, int64_t t);
/* Columns the grouping needs in segment s (tag columns differ per segment). */
uint64_t ws_groups_columns(const ws_groups *g, const ws_segment *s);
/* The mapping for segment s; NULL for time grouping or an unknown segment. */
const ws_group_seg *ws_groups_seg(const ws_groups *g, const ws_segment *s);
/* The groups of row r of block b (loaded with ws_groups_columns): writes
 * their ids, distinct, into *ids (scratch, grown as needed: a story can have
 * many tag values) and returns how many (at least 1: a story without values
 * is in WS_GROUP_NONE). gs is ws_groups_seg(g, b->seg). */
int ws_groups_row(const ws_groups *g, const ws_group_seg *gs, const ws_block *b, uint32_t r, ws_buf *scratch,
                  const uint32_t **ids, uint32_t *n);
/* The label of group id (e.g. 2019-05-10, 2019-05-06 for the week starting
 * that Monday, 2019-05, 2019-Q2, 2019, a source or tag value; "undated" for
 * WS_GROUP_NONE in time grouping, "" in source and tag grouping). buf holds
 * at least 32 bytes; the result may point into buf or into g. */
ws_str ws_group_label(const ws_groups *g, uint32_t id, char *buf);
void ws_groups_free(ws_groups *g); /* NULL-safe */

/* ---- queries and kernels ---- */

/* What every kernel sees of the query. */
typedef struct ws_query {
    const ws_norm *norm;   /* dictionary id -> normalised term id */
    uint32_t top;          /* rows to print (0 = all); per group when grouping */
    uint32_t min_df;
    int tfidf;
    uint64_t nstories;     /* stories that passed the filters (set before finish) */
    int field;             /* 0 all, 1 title only, 2 body only */
    const ws_groups *groups; /* NULL: no grouping */
    /* keyness */
    uint64_t min_count;    /* target + reference occurrences at least this */
    int both;              /* also under-represented terms */
    /* A kernel's own parameters (cooc, ngrams, trends: see the kernel's
     * header); NULL for kernels that take none. */
    const void *ext;
    /* WS_KF_ORDERED kernels that stop at a number of rows (kwic --limit):
     * that number, set by prepare (0: every row). Across ranks, rank 0
     * stops taking rows there. */
    uint64_t row_limit;
    /* Set by a shared scan only while adopt (ws_kernel) runs for a request
     * with subsets (keyness): the selection bits (WS_SEL_TARGET,
     * WS_SEL_REF) the scan would give every story of the providing
     * request's group id (the engine adopts only where that is the same
     * for all of a group's stories); NULL otherwise. */
    unsigned (*group_sel)(const void *ctx, uint32_t group);
    const void *group_sel_ctx;
} ws_query;

/* Selection bits the engine sets in sel[] when a query has subsets
 * (keyness: target and reference). Without subsets sel[r] is 0 or 1. */
#define WS_SEL_TARGET 1u
#define WS_SEL_REF 2u

/* Spilling, provided by the engine (kernels do no I/O). Records are
 * fixed-size; runs are numbered by the provider. */
typedef struct ws_spill_ops {
    void *ctx;
    /* Write n sorted records as a run; thread-safe. */
    int (*write)(void *ctx, const void *recs, size_t n, size_t rsize, uint32_t *run);
    /* Merge runs in cmp order, folding equal records with combine (may be
     * NULL), using about mem bytes of buffers; emit gets every record.
     * cmp NULL: the records begin with a uint64 key, in unsigned order
     * (compared inline: faster than any cmp). */
    int (*merge)(void *ctx, const uint32_t *runs, size_t nruns, size_t rsize, int (*cmp)(const void *, const void *),
                 void (*combine)(void *, const void *), size_t mem, int (*emit)(void *, const void *), void *arg);
    /* What was spilled so far: runs (intermediate merge runs included),
     * bytes, intermediate merge levels. */
    void (*stats)(void *ctx, uint64_t *runs, uint64_t *bytes, uint32_t *levels);
} ws_spill_ops;

/* What the engine knows when a request is prepared, and the services it
 * offers a kernel's prepare hook: the plan decides threads and memory,
 * kernels only read them. */
typedef struct ws_plan {
    const ws_store *const *stores;
    size_t nstores;
    const ws_norm *norm;
    int threads;          /* the scan's threads (resolved) */
    size_t mem;           /* the request's memory budget for the whole process; 0: none */
    size_t resident;      /* bytes the process holds now (stores, dictionaries, normalisation) */
    size_t block_bytes;   /* one thread's block workspace (the largest block's chunks and ids) */
    int ranks;            /* processes the run is spread over (ws_dist); 0 or 1: this one alone */
    void *ctx;
    /* Read a whole file (a topics file): *data is ws_malloc'ed. Errors name the file. */
    int (*read_file)(void *ctx, const char *path, char **data, size_t *len);
    /* A spill folder in dir (NULL: $TMPDIR or /tmp), merging at most fanin
     * runs at once (0: the default); removed when the request ends. */
    int (*spill_open)(void *ctx, const char *dir, size_t fanin, const ws_spill_ops **ops);
    /* A note for the user (one line). */
    void (*note)(void *ctx, const char *line);
    /* Run fn(arg, i, thread) for every i in [0, n) on the plan's threads
     * (thread in [0, threads)), for kernels that iterate over data they
     * hold in memory (the topic sampler's document- and word-major
     * passes): only the engine opens parallel regions. Which thread runs
     * which i varies from run to run, so fn's result must not depend on
     * it. Returns the error of the lowest failing i (then not every i may
     * have run), or WS_ECANCELED when the request is cancelled. */
    int (*parallel_for)(void *ctx, size_t n, int (*fn)(void *arg, size_t i, int thread), void *arg);
    /* Progress of work done outside the scan (see ws_progress). */
    void (*progress)(void *ctx, const ws_progress *p);
    /* 1 when the caller asked for side table `name` (see ws_kernel.tables). */
    int (*want_table)(void *ctx, const char *name);
    /* Hand over a filled side table: the engine takes what *t holds (and
     * leaves *t empty) and delivers it after the main table. */
    int (*side_table)(void *ctx, const char *name, ws_table *t);
    /* The MinHash records stored for segment seg of store `store` (one per
     * story, ws_minhash.h) when they were made with parameters *key and the
     * default normalisation: *rows points to them (valid until the request
     * ends); NULL when the segment keeps none or others. Errors: a damaged
     * signature file (WS_ECORRUPT, naming it). */
    int (*signatures)(void *ctx, size_t store, uint32_t seg, const ws_mh_params *key, const uint8_t **rows);
} ws_plan;

/* Report a note through plan->note, printf-style. */
void ws_plan_note(const ws_plan *plan, const char *fmt, ...) WS_PRINTF(2, 3);

/* Kernel flags. */
#define WS_KF_GROUPS 1u  /* takes the grouping parameter `by` (source, tag or a time bucket) */
#define WS_KF_SUBSETS 2u /* takes target-* and ref-* filter sets (keyness) */
#define WS_KF_HIDDEN 4u  /* not listed (test and benchmark kernels) */
/* Rows in store order, streamed: the engine calls header before the scan
 * and emit after each block's consume, one block at a time in store order
 * (see emit below), so the output is the same for any thread count and
 * never held whole in memory. */
#define WS_KF_ORDERED 8u
/* WS_KF_ORDERED: column 0 numbers the stories 1, 2, ... in output order
 * (dtm); across ranks each rank numbers its own and rank 0 renumbers. */
#define WS_KF_ROWNUM 16u
/* Across ranks the states merge by a binary tree (docs/scale-out.md):
 * a rank packs a state into which other ranks' states were added, so
 * pack must carry everything merge adds up (count tables), and unpack
 * must add what it reads into any state, not only a fresh one (the tree
 * unpacks straight into the merged state: no second table in memory). */
#define WS_KF_TREE 32u
/* consume (and consume_late) read the tokens of the selected rows only
 * (sel[r] != 0): where story postings rule out most of a block's rows,
 * the engine may then decode only the others' ids (ws_block_load_rows;
 * the rest of b->ids is undefined). */
#define WS_KF_SELROWS 64u

typedef struct ws_kernel {
    const char *name;
    const char *summary;  /* one line */
    const char *help;     /* what it computes, its columns and orderings */
    const ws_param_info *params; /* the kernel's own parameters */
    size_t nparams;
    unsigned flags;       /* WS_KF_* */
    uint64_t columns; /* column mask the kernel reads */
    /* Columns read only for blocks that need them (the text columns of a
     * concordance: most blocks of a rare term's scan hold no match): after
     * consume, when late_columns is set and wants_late(state, q, b, sel)
     * returns 1, the engine loads these columns too (the block's other
     * views stay valid) and calls consume_late. */
    uint64_t late_columns;
    int (*wants_late)(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel);
    int (*consume_late)(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel);
    /* WS_KF_ORDERED: declare the table's columns (before any block). */
    int (*header)(const ws_query *q, ws_table *out);
    /* WS_KF_ORDERED: after a block's consume (and consume_late), called
     * with the same thread state in block order, never two at once: append
     * the rows that block produced to out and forget them. Return 0 to go
     * on, 1 when no more rows are wanted (the remaining blocks are skipped),
     * or a negative error. finish still runs at the end (on the merged
     * state) for rows a kernel holds back (a sorted concordance). */
    int (*emit)(void *state, const ws_query *q, ws_table *out);
    /* Turn the parameters into the query (q->top, q->ext, ...) once the
     * stores are open and the normalisation and grouping are built; *ext
     * is handed to release at the end. NULL: nothing to prepare. */
    int (*prepare)(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext);
    /* After a successful run: notes about what was done (may be NULL). */
    void (*done)(void *ext, const ws_plan *plan, const ws_query *q);
    void (*release)(void *ext); /* NULL-safe; may be NULL */
    /* Per-thread state; NULL on allocation failure. */
    void *(*init)(const ws_query *q);
    /* Consume rows r of block b with sel[r] != 0. */
    int (*consume)(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel);
    /* Fold `from` into `into`; the engine merges thread states in thread order. */
    int (*merge)(void *into, const void *from, const ws_query *q);
    /* Iterative kernels (a topic model): called with the merged state after
     * each pass; return 1 to scan the same blocks again (every thread gets
     * a fresh state from init, which can read what this pass left in
     * q->ext), 0 when done, or a negative error. NULL: one pass. */
    int (*next_pass)(void *merged, const ws_query *q, unsigned pass);
    /* Fill the result table: declare its columns, then its rows in order
     * (the engine closes it). */
    int (*finish)(void *state, const ws_query *q, ws_table *out);
    void (*free)(void *state);
    /* Names of the side tables the kernel can make (NULL-terminated;
     * NULL: none); it makes those plan->want_table asks for. */
    const char *const *tables;
    /* Optional: after prepare, a table over the normalised vocabulary
     * (q->norm->terms.nterms entries; keys, dropped terms included) marking
     * the terms one of which a story must hold for the kernel to make
     * anything of it (kwic: the first tokens of its matches); NULL: any
     * story counts. With a term index the engine then reads only the
     * blocks holding one of them. Kernels whose results count every story
     * (totals, marginals) must not set it. */
    const uint8_t *(*index_terms)(const ws_query *q);
    /* Optional, for runs across processes (MPI ranks, docs/scale-out.md):
     * append a merged state to out in a form unpack reads back into a
     * fresh state from init, so that merge(into, unpacked) gives what
     * merging the original would. Every process builds the same
     * normalisation (it opens every shard's dictionary), so term and
     * group ids mean the same in every process. NULL: the kernel runs in
     * one process only (the engine refuses it across ranks). Iterative
     * kernels: after each pass but the last, rank 0's merged state is
     * packed and unpacked on every rank, where next_pass then runs on it
     * (so next_pass must leave the merged state as it found it when it
     * returns 1, and pack and unpack must go by the state, not by what
     * next_pass changed in q->ext: rank 0 packs after its next_pass, the
     * others unpack before theirs). Ordered kernels: their rows travel apart (an ordered
     * gather); pack carries what finish needs beyond them. */
    int (*pack)(const void *state, const ws_query *q, ws_buf *out);
    int (*unpack)(void *state, const ws_query *q, const uint8_t *data, size_t len);
    /* Optional, across ranks: called on every rank with its merged state
     * before pack, when every rank's scan succeeded (collective: every
     * rank calls it). A kernel whose state is too large to gather on rank
     * 0 (all-pairs cooc) repartitions it here (ws_dist's alltoall) and
     * packs only what rank 0 needs. NULL: none. */
    int (*exchange)(void *state, const ws_query *q, const ws_dist *d);
    /* Optional, for shared scans (several requests over one scan, a job):
     * work that several requests of this kernel would each repeat on a
     * block (a story's kept terms, its distinct terms) done once for all.
     * The engine groups items whose normalisations remap every dictionary
     * id alike and for which group_ok(a, b) says the options that shape
     * that work are equal; on a block where a group's selections are
     * equal too, it calls consume_group once instead of consume for each.
     * consume_group must leave every states[i] as consume(states[i], qs[i],
     * b, sel) would (so each output is the same bytes as the request run
     * alone). NULL: never grouped. */
    int (*group_ok)(const ws_query *a, const ws_query *b);
    int (*consume_group)(void *const *states, const ws_query *const *qs, size_t n, const ws_block *b,
                         const uint8_t *sel);
    /* Optional, for shared scans: a request whose counts another request
     * of the scan (kernel k, query kq) already makes (trends --emerging:
     * the df per bucket and term of tf --by the same bucket) consumes
     * nothing and takes them from that request's merged state. The engine
     * asks only when both have the same normalisation (equal remaps), no
     * filter, subset or --dedup, and the same field; adopt_ok(k, kq, q)
     * says whether the options agree. A request with subsets (keyness)
     * may adopt from a request grouped by time buckets when its only
     * other options are date subsets whose bounds fall on the buckets'
     * edges and the rest of the stories (every story is selected): adopt
     * then finds each group's selection bits with q->group_sel.
     * adopt(state, q, k, kstate, kq) fills
     * a fresh state (from init) from kstate as a scan would have; finish
     * then runs on it. NULL: never. */
    int (*adopt_ok)(const struct ws_kernel *k, const ws_query *kq, const ws_query *q);
    int (*adopt)(void *state, const ws_query *q, const struct ws_kernel *k, const void *kstate, const ws_query *kq);
} ws_kernel;

/* A grouped tf state's counts (ws_k_tf.c, for adopt): group(arg, id,
 * stories) for each group, then term(arg, id, term, tf, df) for each of
 * its kept terms, in no particular order. */
int ws_tf_grouped_each(const void *state, int (*group)(void *arg, uint32_t id, uint64_t stories),
                       int (*term)(void *arg, uint32_t id, uint32_t term, uint64_t tf, uint64_t df), void *arg);

/* The kernels (one file each). */
extern const ws_kernel ws_kernel_tf;
extern const ws_kernel ws_kernel_keyness;
extern const ws_kernel ws_kernel_kwic;
extern const ws_kernel ws_kernel_dtm;
extern const ws_kernel ws_kernel_export; /* the stories that pass the filters (wirescan export) */
extern const ws_kernel ws_kernel_decode; /* reads the token columns, counts tokens: for timing the decoder */
extern const ws_kernel ws_kernel_topics;  /* LDA topic model (ws_k_lda.c) */
extern const ws_kernel ws_kernel_dedup;   /* copies: MinHash + LSH (ws_k_dedup.c) */

/* Look a kernel up by name; NULL when unknown. */
const ws_kernel *ws_kernel_find(const char *name);
/* The i-th kernel of the table (hidden ones included); NULL past the end. */
const ws_kernel *ws_kernel_at(size_t i);

/* The span of row r's tokens that q->field selects: [*lo, *hi). */
static inline void ws_query_span(const ws_query *q, const ws_block *b, uint32_t r, uint64_t *lo, uint64_t *hi)
{
    *lo = b->meta.tok_off[r];
    *hi = b->meta.tok_off[r + 1];
    if (q->field == 1) *hi = *lo + b->meta.ntitle[r];
    else if (q->field == 2) *lo += b->meta.ntitle[r];
}

#endif
