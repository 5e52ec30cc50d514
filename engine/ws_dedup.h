/*
 * Signatures kept in the store and --dedup (engine side of the dedup
 * kernel, kernels/ws_k_dedup.h): signing the segments of a store that have
 * no signature file, and the selection mask of --dedup.
 */
#ifndef WS_DEDUP_H
#define WS_DEDUP_H

#include "ws_k_dedup.h"
#include "ws_scan.h"

/* Sign every segment of st that has no signature file (default parameters
 * and normalisation), under the store's writer lock: publish mh-G.wsm
 * files and rewrite MANIFEST (same generation), then record them in st
 * (st stays usable; its other fields do not change). *added (may be NULL)
 * receives the number of segments signed. Errors name the store; a store
 * that cannot be written says so (WS_EIO). */
int ws_dedup_sign_store(ws_store *st, int threads, const int *cancel, uint32_t *added);

/* The same for the store in dir when the caller holds its lock (ingest,
 * after its commit); *out receives the store as now published. */
int ws_dedup_sign_locked(const char *dir, int threads, const int *cancel, uint32_t *added, ws_store **out);

/* Read segment i's signature file of st when it was made with *key: *rows
 * (ws_malloc'ed) or NULL when st keeps none for it or another key. */
int ws_dedup_load(const ws_store *st, uint32_t i, const ws_mh_params *key, uint8_t **rows);

/* The --dedup mask over stores: a bit per story ordinal (stores, then
 * segments, then rows), set for the stories that count: those passing
 * filter that are the earliest of their cluster or in none. Signatures
 * are those stored (plan->signatures must serve them). *keep is
 * ws_malloc'ed. */
int ws_dedup_mask(const ws_plan *plan, const ws_filter *filter, double threshold, const int *cancel, uint64_t **keep);

#endif
