/*
 * The scan engine: plan which blocks a query needs (skipping blocks whose
 * statistics rule them out), decode only the columns the kernel and the
 * filters need, run the kernel over blocks in parallel with per-thread
 * state (OpenMP), merge the states in thread order and finish into a CSV
 * table.
 *
 * Filters. A story passes a ws_filter when it passes every part given:
 *   - dates: from <= date <= to (inclusive UTC seconds); undated stories
 *     fail any date range;
 *   - sources: its source is one of them;
 *   - where: for each tag named, one of that tag's listed values is among
 *     the story's values (the same tag repeated: any of its values; different
 *     tags: all of them), so topics=grain,topics=wheat,places=usa means
 *     (grain or wheat) and usa; values compare after Unicode case folding
 *     (with NFKC) when the query's normalisation folds case, exactly under
 *     keep_case;
 *   - containing: every condition occurs in the story (title and body,
 *     whatever the kernel's field), after the query's normalisation: case
 *     folding and stemming apply, stop-word and length rules do not (so
 *     "--containing the" works under --stopwords en). A condition is a
 *     ws_termspec (ws_termspec.h): a word, a pattern ("oil*": any term it
 *     matches) or a phrase ("crude oil": consecutive tokens, title then
 *     body).
 * Skipping: a block is skipped when its date range or its source list
 * cannot match; a whole segment when a where value, a source or a
 * containing word does not occur in it (segment value lists, and the
 * dictionary prefix the segment uses).
 *
 * Subsets (keyness): besides the main filter, up to WS_SCAN_MAX_SUBSETS
 * filters mark stories with selection bits: sel[r] has bit i when the story
 * passes the main filter and subset i; with `rest`, bit nsubsets is set for
 * stories that pass the main filter and no subset ("everything else").
 * Stories with no bit are not given to the kernel. Without subsets, sel[r]
 * is 1 for every story that passes the main filter.
 *
 * Determinism: kernels accumulate integers per thread, the engine merges
 * thread states in thread order, and the first error in block order is
 * the one reported, so output and errors are the same for any thread count.
 */
#ifndef WS_SCAN_H
#define WS_SCAN_H

#include "ws_kernel.h"
#include "ws_table.h"

typedef struct ws_where {
    const char *tag, *value;
} ws_where;

typedef struct ws_filter {
    int64_t from, to;             /* inclusive UTC seconds; WS_DATE_UNKNOWN = open */
    const char *const *sources;   /* keep stories from these sources (none = all) */
    size_t nsources;
    const ws_where *where;        /* tag = value conditions (see above) */
    size_t nwhere;
    const char *const *containing; /* words every story must contain (at most WS_SCAN_MAX_CONTAINING) */
    size_t ncontaining;
} ws_filter;

#define WS_SCAN_MAX_SUBSETS 7
#define WS_SCAN_MAX_CONTAINING 8

/* A filter that passes every story. */
void ws_filter_init(ws_filter *f);
/* 1 when f has no condition at all. */
int ws_filter_is_empty(const ws_filter *f);

typedef struct ws_scan_opts {
    int threads;       /* 0: all cores (ws_threads_resolve) */
    /* Called about twice a second from one thread while blocks are scanned,
     * and once at the end when it was called before; NULL: none. */
    ws_progress_fn progress;
    void *progress_ctx;
    /* When *cancel becomes nonzero (from any thread) the scan stops at the
     * next block and returns WS_ECANCELED; NULL: never. */
    const int *cancel;
    ws_filter filter;  /* every story must pass this */
    const ws_filter *subsets; /* optional, see above */
    uint32_t nsubsets;
    int rest;
    /* --dedup: a bit per story ordinal (stores in order, then segments,
     * then rows); stories whose bit is clear are not given to the kernel.
     * NULL: every story. */
    const uint64_t *keep;
    /* Across processes (ws_dist in wirescan.h); NULL: this process alone. */
    const ws_dist *dist;
} ws_scan_opts;

typedef struct ws_scan_stats {
    uint64_t blocks_total, blocks_scanned, stories, tokens;
} ws_scan_stats;

/* Run kernel k over store st. The kernel's result fills out (streamed to
 * its sink, when it has one), which is closed on success.
 * q->norm must be built over st's dictionary; q->groups, when set, by
 * ws_groups_build over st. Returns 0 or a negative WS_E* code (WS_EINVAL
 * for a filter that cannot be applied, e.g. a --containing with no word or
 * a tag the store does not have; the message says which). */
int ws_scan(const ws_store *st, const ws_kernel *k, ws_query *q, const ws_scan_opts *o, ws_table *out,
            ws_scan_stats *stats);

/* The same over several stores (shards) queried together, as if they were
 * one: q->norm must be built with ws_norm_build_multi over their
 * dictionaries in this order, q->groups with ws_groups_build_multi. Blocks
 * are numbered stores first, so the first error is the same for any thread
 * count; the result does not depend on the order of the stores either. */
int ws_scan_multi(const ws_store *const *st, size_t nst, const ws_kernel *k, ws_query *q, const ws_scan_opts *o,
                  ws_table *out, ws_scan_stats *stats);

/* Build the grouping `by` (tag: the tag's name for WS_BY_TAG) over st's
 * segments: source and tag values are unified across segments and numbered
 * in bytewise order. WS_ENOENT when no segment has the tag. */
int ws_groups_build(const ws_store *st, ws_by by, const char *tag, ws_groups *g);
int ws_groups_build_multi(const ws_store *const *st, size_t nst, ws_by by, const char *tag, ws_groups *g);

/* Names of the tag columns of the stores (all segments, first appearance),
 * joined by ", " into buf; for messages. */
void ws_store_tag_names(const ws_store *const *st, size_t nst, char *buf, size_t cap);

/* ---- several kernels over one scan (a job: ws_job.c) ---- */

/* One kernel of a shared scan: its query (normalisation, grouping, ext
 * built as for ws_scan_multi), its filters and subsets (o->filter,
 * o->subsets, o->nsubsets, o->rest; its threads, progress and cancel are
 * not used), its table; stats, rc and msg are set by the scan. */
typedef struct ws_scan_item {
    const ws_kernel *k;
    ws_query *q;
    const ws_scan_opts *o;
    ws_table *out;
    ws_scan_stats stats;
    /* Blocks this item's kernel consumed in a group with other items
     * (ws_kernel.consume_group: work shared beyond the decode). */
    uint64_t grouped;
    int rc;        /* 0, or the item's error (msg says what) */
    char msg[512];
} ws_scan_item;

/* Check that filter f can be applied over the stores (as a scan would
 * compile it: its tags exist, its containing words are single words),
 * without scanning: 0 or the error the scan would give. */
int ws_filter_check(const ws_store *const *st, size_t nst, const ws_filter *f, const ws_norm *norm);

/* 1 when kernel k can share a scan: one pass, rows not in store order, no
 * late columns (the others run alone: ws_scan_multi). */
int ws_scan_shareable(const ws_kernel *k);

/* Run items[0..n) over one scan of the stores: every block some item may
 * need (after its own block skipping) is read and decoded once, with the
 * union of the columns the items need, and each item selects its rows
 * with its own filters and feeds its own per-thread states, which merge
 * in thread order and finish into its table exactly as ws_scan_multi
 * would: each item's table is the same bytes as its own scan's, for any
 * thread count. Items of one kernel with equal normalisations, options
 * its group_ok accepts and, on a block, equal selections are fed by one
 * consume_group call (grouped counts those blocks). An item that fails (its kernel, its table's sink, a
 * filter that cannot be applied) stops alone, with its first error in
 * block order; a block that cannot be read fails every item that needed
 * it. o gives threads, progress (one report for the whole scan) and
 * cancel. Returns 0 when every item's outcome is in its rc, WS_ECANCELED
 * when cancelled (every unfinished item then has rc WS_ECANCELED too),
 * WS_EINVAL for a kernel that cannot share, WS_ENOMEM. */
int ws_scan_shared(const ws_store *const *st, size_t nst, ws_scan_item *items, size_t n, const ws_scan_opts *o);

#endif
