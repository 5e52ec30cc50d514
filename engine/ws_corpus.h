/*
 * The corpus handle of the public API (engine/ws_corpus.c), as the rest of
 * the engine sees it: the open stores and the requests made over them.
 * Internal to engine/.
 */
#ifndef WS_CORPUS_H
#define WS_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "wirescan.h"
#include "ws_store.h"

#define CORPUS_MAGIC 0x7773636f72707573ull /* "wscorpus" */

struct ws_corpus {
    uint64_t magic;
    ws_store **st;
    size_t nst;
    /* Requests made over the corpus and not freed yet: closing the corpus
     * before them only marks it closed (their runs then fail cleanly); the
     * last request to go frees it. */
    size_t nrequests;
    int closed;
};

/* Close the stores and free the handle (the last request over a closed
 * corpus calls it). */
void ws_corpus_free_(ws_corpus *c);
/* The segmentation rule the corpus's stores share (WS_SEG_*), or an error
 * when they differ. */
int ws_corpus_segmentation_(const ws_corpus *c, int *seg);

#endif
