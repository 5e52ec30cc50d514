/*
 * JSON Lines input: one news story per line, as an object whose keys are
 * mapped to the store's columns (id, date, title, body, source and any
 * number of tag columns). This module parses one line at a time and leaves
 * framing (reading lines, BOM at file start, --max-record, FILE:LINE in
 * messages, skip-or-fail) to the reader above it. The validating parser is
 * ws_json.c (strict RFC 8259, checked against jansson in
 * tests/test_json_diff.c); this layer owns the policy: UTF-8 repair,
 * duplicate keys, which types each field accepts, and how dates are read.
 */
#ifndef WS_JSONL_H
#define WS_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "ws_util.h"

/* Which JSON keys feed which column. Every key NULL means its default:
 * "id", "date", "title", "body" (falling back to "text", then "content",
 * when "body" is absent or null), "source". An explicit body_key has no
 * fallback. tag_keys[0..ntags) (each non-NULL) name the tag columns; each
 * value may be a string or an array of strings. */
typedef struct ws_jsonl_opts {
    const char *id_key, *date_key, *title_key, *body_key, *source_key;
    const char *const *tag_keys;
    size_t ntags;
    /* Datelines (ws_dateline.h), the policy of every reader: when set, a
     * dateline of the strict shape opening the body gives a "place" and an
     * "agency" tag, unless the story has values for them already, and an
     * undated story the dateline's day in the year set with
     * ws_jsonl_parser_set_year (none: the story stays undated and
     * rec->dateline_no_year says so). "place" and "agency" are tag_keys'
     * columns when tag_keys names them, else two more tag lists after
     * tag_keys' (rec->ntags then counts them). */
    int datelines;
} ws_jsonl_opts;

/* One parsed story. Every pointer is borrowed from the parser: valid until
 * the next ws_jsonl_parse_line() or ws_jsonl_parser_free() on it. Strings
 * are UTF-8 (after repair), may contain NUL bytes (from \u0000), and are
 * each followed by a NUL byte not counted in n; an absent value is
 * {NULL, 0}. */
typedef struct ws_record {
    ws_str id, title, body, source;
    int64_t date;          /* UTC seconds; WS_DATE_UNKNOWN when absent or unparsable */
    int date_bad;          /* a date value was present but unusable (record kept) */
    int date_off;          /* minutes east of UTC the date was written in (ws_date_parse_tz);
                              0 for UTC, numbers and unknown dates */
    int dateline_no_year;  /* a dateline gave a month and day, but no year was known:
                              the story stayed undated (ingest suggests --year) */
    uint32_t ntags;        /* == opts.ntags */
    const uint32_t *tag_count; /* values per tag key (empty strings are dropped) */
    const ws_str *tag_vals;    /* all values: tag 0's, then tag 1's, ... */
    size_t invalid_utf8;   /* invalid UTF-8 sequences replaced by U+FFFD in this line */
} ws_record;

/* Per-thread parser owning reusable scratch memory. Not thread-safe: use one
 * per thread. */
typedef struct ws_jsonl_parser ws_jsonl_parser;

/* Create a parser; o may be NULL for all defaults. The options and the key
 * strings are copied. @return the parser, or NULL when out of memory. */
ws_jsonl_parser *ws_jsonl_parser_create(const ws_jsonl_opts *o);

/* The year for dateline dates (0: none), e.g. --year or the file's path. */
void ws_jsonl_parser_set_year(ws_jsonl_parser *p, int year);

/* Tag lists a record from this parser has: ntags, plus the dateline
 * columns that are not among tag_keys when opts.datelines is set. */
size_t ws_jsonl_parser_ntags(const ws_jsonl_parser *p);

/* Free a parser and everything it lent out. NULL-safe. */
void ws_jsonl_parser_free(ws_jsonl_parser *p);

/*
 * Parse one line line[0..n) (no newline; one trailing '\r' is ignored).
 *
 * Policy:
 * - Invalid UTF-8 anywhere in the line is replaced by U+FFFD (counted in
 *   rec->invalid_utf8) before the JSON is parsed, so such lines are kept.
 * - The line must be one JSON value (RFC 8259) that is an object. Duplicate
 *   keys reject the line (which one is meant is ambiguous), as do raw NUL
 *   bytes (never valid JSON text) and object keys containing \u0000
 *   (jansson cannot hold them). Nesting deeper than jansson's limit (2048),
 *   integers outside int64 and reals that overflow a double reject the
 *   line, wherever they occur; reals that underflow become 0.
 * - id: string, integer (rendered in decimal), real (%.17g) or null.
 * - date: a string read by ws_date_parse(); an integer or real is Unix
 *   seconds (reals rounded toward -infinity); null or absent is unknown. An
 *   unparsable string, another type, or a time outside years 0001-9999 gives
 *   WS_DATE_UNKNOWN with date_bad = 1 and the record is still returned
 *   (ws_last_error() then says why, for a warning).
 * - title, body, source: string or null/absent (empty); anything else
 *   rejects the line.
 * - tags: string (one value), array of strings, or null/absent (none); empty
 *   strings are dropped; any other type or a non-string element rejects the
 *   line.
 * - Other keys are ignored (but still parsed and validated).
 *
 * @return 0 with *rec filled; 1 for an empty or whitespace-only line (skip it
 *         silently, *rec untouched); WS_EFORMAT with the ws_error() detail a
 *         short reason with the column/byte position, without file name (the
 *         caller prefixes FILE:LINE); WS_ENOMEM; WS_ETOOBIG when a tag key
 *         holds more than 2^32-1 values.
 */
int ws_jsonl_parse_line(ws_jsonl_parser *p, const char *line, size_t n, ws_record *rec);

#endif /* WS_JSONL_H */
