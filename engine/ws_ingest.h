/*
 * The ingest pipeline: input files -> records -> tokens -> blocks -> one new
 * segment, committed atomically to the store.
 */
#ifndef WS_INGEST_H
#define WS_INGEST_H

#include <stdio.h>

#include "ws_jsonl.h"
#include "ws_source.h"

typedef struct ws_ingest_opts {
    const char *store;
    const char *const *inputs; /* paths; "-" is standard input */
    size_t ninputs;
    const char *format; /* jsonl, csv, text, reuters; NULL: from each input */
    int threads;        /* 0: all cores */
    int strict;         /* first bad record fails the run; store untouched */
    int level;          /* zstd level for text columns */
    uint32_t block_tokens; /* close a block at this many tokens */
    uint32_t block_rows;   /* ... or at this many stories */
    size_t max_record;     /* longest accepted input line, bytes */
    ws_jsonl_opts fields; /* JSONL key mapping and --tag keys */
    ws_source_opts src;   /* the other formats (field mapping copied from fields) */
    int progress;       /* print a progress line on stderr */
    int quiet;          /* no summary */
    FILE *log;          /* messages (bad records, summary); stderr if NULL */
    long max_reports;   /* bad-record messages printed before going quiet */
} ws_ingest_opts;

typedef struct ws_ingest_stats {
    uint64_t stories, bad, undated, date_bad, invalid_utf8, tokens, bytes_in, new_terms, blocks, seg_bytes;
    uint64_t dateline_no_year; /* undated stories whose dateline had a month and day but no year */
} ws_ingest_stats;

void ws_ingest_opts_default(ws_ingest_opts *o);
/* Run an ingest. Bad records are reported on o->log as FILE:LINE: reason and
 * skipped (or fail the run with WS_EFORMAT under o->strict). */
int ws_ingest(const ws_ingest_opts *o, ws_ingest_stats *stats);

#endif
