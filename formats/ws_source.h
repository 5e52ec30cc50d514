/*
 * Record sources: the input formats other than JSONL (CSV, text folders,
 * Reuters-21578 SGML/XML). A source reads one input path sequentially and
 * yields one ws_record per story with its position; ingest copies each
 * record, then tokenizes batches of them in parallel. (JSONL does not go
 * through here: its lines are parsed in parallel by ingest itself.)
 */
#ifndef WS_SOURCE_H
#define WS_SOURCE_H

#include <stdio.h>

#include "ws_jsonl.h"

typedef enum ws_format {
    WS_FMT_AUTO = 0, /* from the extension, else the content */
    WS_FMT_JSONL,
    WS_FMT_CSV,
    WS_FMT_TEXT,    /* a directory of text files, one story a file */
    WS_FMT_REUTERS  /* Reuters-21578 .sgm or .xml */
} ws_format;

typedef struct ws_source_opts {
    ws_format format;
    /* Field mapping (--field NAME=KEY): CSV column names; NULL = defaults
     * (id, date, title, body (else text, else content), source). */
    const char *id_key, *date_key, *title_key, *body_key, *source_key;
    const char *const *tag_keys; /* --tag KEY: CSV columns kept as tags */
    size_t ntags;
    char delimiter;              /* CSV; 0 = ',' */
    const char *tag_from_dir;    /* text folders: keep the parent folder's name as this tag */
    int year;                    /* dateline dates: the year (0 = from the path, else none) */
    const char *date_format;     /* strptime-like format tried before the built-in forms */
    const char *encoding;        /* NULL/"auto": UTF-8, else Windows-1252 with a note;
                                    "utf-8", "latin-1", "windows-1252" force one */
    size_t max_record;           /* longest record in bytes; longer ones are skipped */
    int datelines_off;           /* --datelines off: no place/agency tags or dates from
                                    datelines found in the text (Reuters <DATELINE>
                                    elements are fields and still read) */
    FILE *log;                   /* notes (skipped files, encoding fallbacks); may be NULL */
} ws_source_opts;

/* Where a record (or a bad one) came from, for FILE:LINE messages. */
typedef struct ws_source_pos {
    const char *file; /* borrowed, valid until the next call */
    uint64_t line;    /* 1-based line of the record's start, or 0 when unknown */
    uint64_t byte;    /* byte offset of the record's start in file */
} ws_source_pos;

typedef struct ws_source ws_source;

/* Decide the format of path when o->format is WS_FMT_AUTO: a directory is
 * TEXT; .csv/.tsv CSV; .sgm/.xml (or content starting with <!DOCTYPE lewis
 * or <REUTERS) REUTERS; .jsonl/.ndjson/.json (or content starting with '{')
 * JSONL. Returns WS_FMT_AUTO when it cannot tell. */
ws_format ws_source_detect(const char *path, ws_format forced);

/* Open a source of the given (non-JSONL) format. */
int ws_source_open(const char *path, ws_format fmt, const ws_source_opts *o, ws_source **out);

/* Tag columns this source's records carry, in the order of rec->tag_count:
 * for CSV the --tag keys, then "place" and "agency" (from a dateline opening
 * the body; a --tag column of the same name is shared); for text folders the
 * --tag-from-dir name, "author", "newsgroups", "keywords", "section",
 * "place", "agency"; for Reuters "topics", "places", "people", "orgs",
 * "exchanges", "place", "agency". With datelines_off, CSV and text folders
 * have no "place" and "agency". Borrowed: valid while s is open.
 * Other conventions: o->year > 0 is that year, 0 looks for one in the file's
 * path, < 0 never; o->max_record 0 means 64 MiB; a folder read with
 * --format reuters means its *.xml files (else its *.sgm files). */
uint32_t ws_source_ntags(const ws_source *s);
const char *ws_source_tag_name(const ws_source *s, uint32_t i);

/* Next record. Returns 1 with *rec and *pos filled (borrowed: valid until the
 * next call), 0 at the end, WS_EFORMAT or WS_ETOOBIG for a bad record (the
 * ws_error() detail is the reason, *pos says where; call again to go on), or
 * another negative WS_E* code for a fatal error (I/O, memory). */
int ws_source_next(ws_source *s, ws_record *rec, ws_source_pos *pos);

void ws_source_close(ws_source *s); /* NULL-safe */

#endif
