/*
 * Query-time normalisation: a remap of dictionary ids to normalised term ids,
 * computed once per query over the dictionary (cost proportional to the
 * vocabulary, never to the corpus). Case folding, minimum length and number
 * dropping are applied here, so one store serves every variant.
 */
#ifndef WS_NORM_H
#define WS_NORM_H

#include "ws_store.h"

#define WS_NORM_DROP UINT32_MAX

typedef struct ws_norm_opts {
    int keep_case;     /* default: Unicode full case folding */
    uint32_t min_len;  /* in code points; 0 = no minimum */
    int no_numbers;    /* drop tokens made only of decimal digits */
} ws_norm_opts;

typedef struct ws_norm {
    uint32_t nsrc;  /* dictionary terms covered */
    uint32_t *map;  /* nsrc entries: normalised id or WS_NORM_DROP */
    ws_dict terms;  /* normalised vocabulary, ids in order of first mapping */
} ws_norm;

/* Build the remap for d. Deterministic: normalised ids follow dictionary
 * order. Returns 0 or a negative WS_E* code. */
int ws_norm_build(ws_norm *n, const ws_dict *d, const ws_norm_opts *o);
void ws_norm_free(ws_norm *n);
static inline ws_str ws_norm_term(const ws_norm *n, uint32_t id) { return ws_dict_term(&n->terms, id); }

#endif
