/*
 * Ingest's internal types, shared by ws_ingest.c (batches: parse,
 * tokenize, blocks, commit) and ws_ingest_input.c (reading the inputs).
 * Not part of the library's interface.
 */
#ifndef WS_INGEST_INT_H
#define WS_INGEST_INT_H

#include "ws_ingest.h"

#include <stddef.h>
#include <string.h>

#include "ws_block.h"
#include "ws_columns.h"
#include "ws_store.h"
#include "ws_tokenize.h"

#define BATCH_BYTES (8u << 20)

static const char *const fixed_names[WS_C_FIRST_TAG] = {"id", "date", "source", "title", "body", "tokens", "tokmeta"};

/* ------------------------------------------------------------------ */
/* arena: bump allocation for one batch's stories                      */

typedef struct arena_blk {
    struct arena_blk *next;
    size_t cap, used;
    max_align_t data[];
} arena_blk;

typedef struct arena {
    arena_blk *head;
} arena;

static inline void *arena_alloc(arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    arena_blk *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        arena_blk *nb = ws_malloc(sizeof *nb + cap);
        if (!nb) return NULL;
        nb->cap = cap;
        nb->used = 0;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

static inline void arena_free_all(arena *a)
{
    for (arena_blk *b = a->head, *n; b; b = n) {
        n = b->next;
        ws_free(b);
    }
    a->head = NULL;
}

/* Keep the newest block for reuse, free the rest. */
static inline void arena_reset(arena *a)
{
    if (!a->head) return;
    arena_blk *keep = a->head, *rest = keep->next;
    keep->next = NULL;
    keep->used = 0;
    a->head = rest;
    arena_free_all(a);
    a->head = keep;
}

static inline ws_str arena_str(arena *a, ws_str s, int *fail)
{
    if (!s.n) return ws_str_make("", 0);
    char *p = arena_alloc(a, s.n);
    if (!p) { *fail = 1; return ws_str_make("", 0); }
    memcpy(p, s.p, s.n);
    return ws_str_make(p, s.n);
}

/* ------------------------------------------------------------------ */
/* per-thread table of terms the store dictionary does not have yet     */

typedef struct lterms {
    ws_buf text;
    uint64_t *off;  /* n + 1 */
    uint64_t *hash; /* n */
    uint32_t *map;  /* n: dictionary id, or UINT32_MAX until phase 2 assigns one */
    uint32_t n, cap;
    uint32_t *slots;
    uint32_t nslots;
} lterms;

/* ------------------------------------------------------------------ */
/* one input line's outcome                                            */

enum { ST_OK = 0, ST_BLANK = 1 };

typedef struct story {
    int status; /* ST_OK, ST_BLANK or a negative WS_E* */
    int tid;    /* thread whose lterms the flagged ids refer to */
    int has_new;
    uint64_t line;
    const char *err;
    ws_str id, title, body, source;
    ws_str text[2];      /* title and body in text-column form (ws_columns.h) */
    int64_t date;
    int date_bad;
    int date_off;        /* minutes east of UTC (the DATEOFF column) */
    int dateline_no_year;
    uint32_t *tag_count; /* ntags */
    ws_str *tag_vals;
    uint32_t ntok, ntitle, nsent, long_tokens;
    uint32_t *ids;
    uint32_t *sent;
    uint64_t invalid_utf8;
} story;

/* A per-thread direct-mapped cache of dictionary lookups. News text is
 * Zipfian: a few thousand terms make most tokens, and a hit here costs one
 * cache-resident compare instead of three dependent misses into a
 * dictionary of millions of terms. Term ids never change once assigned, so
 * entries stay valid across batches. */
#define TCACHE_BITS 14
#define TCACHE_STR 19
typedef struct tcache_ent {
    uint64_t hash;
    uint32_t id;
    uint8_t len;
    char s[TCACHE_STR];
} tcache_ent;

typedef struct worker {
    tcache_ent *cache; /* 1 << TCACHE_BITS entries */
    ws_tokenizer *tok;
    ws_jsonl_parser *parser;
    /* Two of each, used by alternate batches: batch k's stories and new
     * terms must stay while the in-order phase of batch k runs beside the
     * parallel phase of batch k + 1. mem and lt point at the current pair. */
    arena mem_[2];
    lterms lt_[2];
    arena *mem;
    lterms *lt;
    ws_buf ids, sent; /* one story's tokens while it is being built */
    ws_buf text[2];   /* its title and body in text-column form */
    ws_buf hashes;    /* one field's token hashes */
} worker;

/* ------------------------------------------------------------------ */
/* blocks being built and closed                                       */

typedef struct blockb {
    ws_buf len[1], dat[1]; /* id: lengths stream and bytes */
    ws_buf text[2];        /* title, body (text columns) */
    ws_buf dates, source, tokids, tokmeta, dateoff;
    ws_buf tags[WS_MAX_TAG_COLUMNS];
    ws_buf srcset; /* uint32 source indices seen, sorted at close */
    uint32_t nrows, undated;
    int64_t min_date, max_date, prev_date;
    uint64_t ntokens;
    /* after close */
    /* + 1: the DATEOFF column after the tags */
    ws_buf raw[WS_C_FIRST_TAG + WS_MAX_TAG_COLUMNS + 1], comp[WS_C_FIRST_TAG + WS_MAX_TAG_COLUMNS + 1];
    uint32_t raw_size[WS_C_FIRST_TAG + WS_MAX_TAG_COLUMNS + 1];
    int rc;
} blockb;

/* ------------------------------------------------------------------ */
/* the run                                                             */

typedef struct run {
    const ws_ingest_opts *o;
    /* One pass into several shards (o->nshards): the lead parses and holds
     * the dictionary the lookups read; every shard's store, dictionary
     * (the lead's terms, its own cf/df), value lists, blocks and segment
     * are in a run of its own, outs[i] (outs[0] is the lead). route[h]:
     * the run of shard h, NULL for the shards this pass does not write. */
    struct run *lead, **outs, **route;
    uint32_t nouts;
    char *path; /* an out's store path (owned) */
    int lock, created;
    uint32_t old_nterms;
    int committed;
    ws_ingest_stats *stats;
    FILE *log;
    ws_store *st;
    ws_dict *dict;
    ws_dict values[1 + WS_MAX_TAG_COLUMNS]; /* source, then tags: first-occurrence value lists */
    uint32_t ntags, ncols;
    const char *tag_names[WS_MAX_TAG_COLUMNS];
    ws_format *fmts;       /* per input */
    ws_source_opts src;    /* o->src with the field mapping filled in */
    int jsonl_datelines;   /* JSONL parsers look for datelines (place/agency columns planned) */
    arena src_mem[2];      /* records read by a source, for alternate batches */
    int src_cur;           /* the src_mem the batch being read uses */
    ws_segwriter *seg;
    char seg_name[64];
    int nthreads;
    worker *w;
    blockb **closed;
    uint32_t nclosed, closed_cap;
    blockb *open;
    blockb **pool;
    uint32_t npool;
    /* Stories of each parity (see worker) and the batch whose in-order
     * phase is still to run: pend_n stories in stories[pend_par]. */
    story *stories[2];
    size_t stories_cap[2];
    int pend_have, pend_par;
    size_t pend_n;
    char pend_err[1024];
    ws_buf stamp; /* uint32 per term: last story (1-based, mod 2^32) that counted its df */
    ws_dict existing; /* ids of the stories already in the store (a string set) */
    int have_existing;
    uint32_t story_seq;
    long reported;
    double t0, last_progress;
    uint64_t bytes_done;
    uint64_t bytes_total;  /* the inputs' sizes; 0 when unknown (a pipe, a folder) */
} run;

/* A batch of whole lines from one file. */
/* A batch item: a JSONL line to parse, or a record a source already read
 * (its strings live until the batch is done). */
typedef struct line_ref {
    const char *p;
    size_t n;
    uint64_t line;
    const char *file;
    const ws_record *rec;
} line_ref;

/* ws_ingest.c */
int ws_ing_process_batch(run *r, line_ref *lines, size_t nlines);
int ws_ing_drain_pending(run *r);
void ws_ing_report_bad(run *r, const char *file, uint64_t line, const char *msg);
void ws_ing_progress(run *r, int final);

/* ws_ingest_input.c */
int ws_ing_plan_inputs(run *r);
int ws_ing_file(run *r, const char *path);
int ws_ing_source(run *r, const char *path, ws_format fmt);

#endif
