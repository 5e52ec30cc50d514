/*
 * The dedup kernel's plan (ws_k_dedup.c), shared with the engine, which
 * runs the same kernel in two more modes: MASK (--dedup on any command:
 * which stories are the earliest of their cluster) and SIGN (signatures
 * for `dedup --save`, ingest and --dedup on a store without them).
 */
#ifndef WS_K_DEDUP_H
#define WS_K_DEDUP_H

#include "ws_kernel.h"

enum { WS_DD_REPORT, WS_DD_MASK, WS_DD_SIGN };

/* The default --threshold (chosen by bench/dedup_quality.py, see BENCHMARKS.md). */
#define WS_DD_DEFAULT_THRESHOLD 0.4
#define WS_DD_DEFAULT_THRESHOLD_S "0.4"

typedef struct ws_dd_seg {
    const ws_segment *seg;
    uint32_t store;
    uint64_t base;          /* ordinal of the segment's first story */
    const uint8_t *stored;  /* stored records (plan->signatures), NULL: signed here */
} ws_dd_seg;

typedef struct ws_dd_plan {
    struct ws_dd_plan *self; /* finish writes its results here (q->ext is const) */
    const ws_plan *plan;
    int mode;
    ws_mh_params mp;
    ws_mh_hasher h;
    double threshold;
    int64_t window_s;
    int by_source;
    size_t nstores;
    uint64_t **th;          /* per store: dictionary id -> term hash (0: dropped) */
    ws_dd_seg *segs;
    uint32_t nsegs;
    uint64_t nstories;      /* ordinals: [0, nstories) over the stores, segments, rows */
    /* results */
    uint64_t *keep;         /* MASK: bit per ordinal, set for stories that count */
    uint8_t *rows;          /* SIGN: nstories records in ordinal order */
    uint64_t nseen, clusters, copies, signed_here;
    double join_cpu_s;      /* CPU time of ws_mh_cluster (reported under WS_DEDUP_TIMES=1) */
    ws_mh_stats stats;
} ws_dd_plan;

/* Make the plan: mode, parameters (validated: WS_EINVAL names the bad
 * one), stored signatures looked up when use_stored (the default
 * normalisation). */
int ws_dd_setup(const ws_plan *plan, int mode, const ws_mh_params *mp, double threshold, int64_t window_days,
                int use_stored, ws_dd_plan **out);
void ws_dd_release(void *ext);

#endif
