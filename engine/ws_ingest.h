/*
 * The ingest pipeline: input files -> records -> tokens -> blocks -> one new
 * segment, committed atomically to the store.
 */
#ifndef WS_INGEST_H
#define WS_INGEST_H

#include <stdio.h>

#include "wirescan.h"
#include "ws_jsonl.h"
#include "ws_source.h"

typedef struct ws_ingest_opts {
    const char *store;
    const char *const *inputs; /* paths; "-" is standard input */
    size_t ninputs;
    const char *format; /* jsonl, csv, text, reuters; NULL: from each input */
    int threads;        /* 0: all cores */
    int strict;         /* first bad record fails the run; store untouched */
    int wait;           /* wait for another writer's lock instead of failing with WS_EBUSY */
    int signatures;     /* store MinHash signatures of the new stories (also when the store keeps some already) */
    int no_signatures;  /* never add them (dedup signs them later) */
    int skip_existing;  /* skip stories whose id the store already holds (else: kept, counted) */
    int level;          /* zstd level for text columns */
    uint32_t block_tokens; /* close a block at this many tokens */
    uint32_t block_rows;   /* ... or at this many stories */
    size_t max_record;     /* longest accepted input line, bytes */
    ws_jsonl_opts fields; /* JSONL key mapping and --tag keys */
    ws_source_opts src;   /* the other formats (field mapping copied from fields) */
    ws_progress_fn progress; /* progress (phase "ingest", input bytes), about twice a second; NULL: none */
    void *progress_ctx;
    FILE *log;          /* messages (bad records, reader notes); stderr if NULL */
    long max_reports;   /* bad-record messages printed before going quiet */
    /* --cjk: how a new store splits scripts written without spaces.
     * 0: not given (a new store: words; an existing one: its own rule),
     * WS_INGEST_CJK_WORDS (ICU's word break iterator), WS_INGEST_CJK_CHARS
     * (one token per Han or kana character, the rule before format 1.4). */
    int cjk;
    /* Sharding (ingest --shards): keep only the stories whose id hashes
     * (XXH3-64 of the id bytes, mod shard_count) to shard_index; the
     * others are skipped uncounted. shard_count 0: keep every story. */
    uint32_t shard_index, shard_count;
    /* One pass into several shards of a set (nshards > 0): store is the
     * set's folder, and shard shards[i] (< shard_count) is written to
     * store/shard-NNN; every input is read and parsed once and each story
     * goes to the shard its id hashes to (the stories of shards not listed
     * are skipped). Each shard's store is the bytes its own ingest (with
     * shard_index) would write. The stats are the totals. */
    const uint32_t *shards;
    uint32_t nshards;
} ws_ingest_opts;

enum { WS_INGEST_CJK_WORDS = 1, WS_INGEST_CJK_CHARS = 2 };

typedef struct ws_ingest_stats {
    uint64_t stories, bad, undated, date_bad, invalid_utf8, tokens, bytes_in, new_terms, blocks, seg_bytes;
    uint64_t existing;        /* stories whose id the store already held (skipped under skip_existing) */
    char existing_ids[200];   /* the first few of those ids, ", "-separated */
    uint64_t dateline_no_year; /* undated stories whose dateline had a month and day but no year */
} ws_ingest_stats;

void ws_ingest_opts_default(ws_ingest_opts *o);
/* Run an ingest. Bad records are reported on o->log as FILE:LINE: reason and
 * skipped (or fail the run with WS_EFORMAT under o->strict). An ingest that
 * keeps no story fails with WS_EFORMAT and leaves the store as it was,
 * except when every story was skipped as already present (returns 0, no
 * commit). A failed first ingest removes the store folder it created. */
int ws_ingest(const ws_ingest_opts *o, ws_ingest_stats *stats);

struct ws_store;
struct ws_dict;
/* Fill set (an empty ws_dict used as a string set) with the id of every
 * story in st (engine/ws_ingest_ids.c). */
int ws_ingest_load_ids(const struct ws_store *st, struct ws_dict *set);

#endif
