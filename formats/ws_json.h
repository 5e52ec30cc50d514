/*
 * A validating JSON parser (RFC 8259) specialised for JSON Lines: it reads
 * one whole JSON text, checks every byte of it, and hands back only the
 * members of the top-level object that the caller asked for by name. No
 * tree is built: values of other keys (and everything nested below the
 * first level) are validated and dropped as they are read.
 *
 * What "validating" means here is jansson's decoder with
 * JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, which wirescan
 * used before and which tests/test_json_diff.c compares this parser with:
 * - the RFC 8259 grammar, with no extensions (no comments, NaN, trailing
 *   commas, single quotes, leading '+' or zeros), and only space, tab, LF
 *   and CR as whitespace;
 * - UTF-8 is required and checked strictly (no overlongs, no encoded
 *   surrogates, nothing above U+10FFFF); callers that want to keep lines
 *   with bad bytes repair them first (see ws_jsonl.c);
 * - \u escapes must form valid code points: a lone surrogate is an error;
 *   \u0000 is allowed in values (it becomes a NUL byte), not in keys;
 * - duplicate keys are an error in every object at every depth (keys are
 *   compared after unescaping);
 * - values nest at most WS_JSON_MAX_DEPTH deep, counted as jansson does:
 *   the top-level value is at depth 1 and every value, scalars included,
 *   is one deeper than its container;
 * - integers must fit in int64 and reals must not overflow a double,
 *   wherever they occur; reals that underflow are accepted.
 */
#ifndef WS_JSON_H
#define WS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "ws_util.h"

#define WS_JSON_MAX_DEPTH 2048

typedef enum ws_json_type {
    WS_JSON_ABSENT = 0, /* a requested key that did not occur */
    WS_JSON_NULL,
    WS_JSON_FALSE,
    WS_JSON_TRUE,
    WS_JSON_INTEGER,
    WS_JSON_REAL,
    WS_JSON_STRING,
    WS_JSON_ARRAY,
    WS_JSON_OBJECT
} ws_json_type;

/* Bytes [off, off + n) of the caller's output buffer, followed there by a
 * NUL byte that n does not count. Offsets, not pointers, because the buffer
 * may move while it grows. */
typedef struct ws_json_span {
    size_t off, n;
} ws_json_span;

/* One requested member of the top-level object. */
typedef struct ws_json_member {
    ws_json_type type;   /* WS_JSON_ABSENT when the key did not occur */
    size_t pos;          /* byte offset of the value in the input */
    ws_json_span text;   /* STRING: the unescaped bytes (may hold NULs);
                            INTEGER, REAL: the number as written */
    size_t first, count; /* ARRAY: its string elements are elems[first..first+count) */
    size_t bad_index;    /* ARRAY: index of the first element that is not a
                            string, SIZE_MAX when all are strings */
    ws_json_type bad_type; /* ... and that element's type */
} ws_json_member;

/* What ws_json_parse() found. Pointers are borrowed from the parser: valid
 * until its next parse or its free. */
typedef struct ws_json_result {
    ws_json_type top;              /* type of the whole value */
    const ws_json_member *member;  /* [nkeys] in the order given at create;
                                      all ABSENT unless top is an object */
    const ws_json_span *elems;     /* string elements of requested arrays */
    /* When the parse failed with WS_EFORMAT: */
    size_t err_byte;               /* 0-based offset of the offending byte */
    size_t err_column;             /* 1-based, in code points */
    const char *err_reason;        /* short text, e.g. "duplicate object key" */
} ws_json_result;

typedef struct ws_json_parser ws_json_parser;

/* Create a parser that extracts the top-level members named keys[0..nkeys)
 * (NUL-terminated, distinct; copied). @return NULL when out of memory. */
ws_json_parser *ws_json_parser_create(const char *const *keys, size_t nkeys);

/* NULL-safe. */
void ws_json_parser_free(ws_json_parser *jp);

/*
 * Validate the JSON text s[0..n) (one value with optional whitespace
 * around it; bytes past n are never read) and extract the requested
 * members of the top-level object. Requested strings (member values, and
 * the string elements of member arrays) and numbers are appended to out,
 * each followed by a NUL; out is not reset first.
 * @return 0 with *res filled (the top-level value may be of any type: the
 *         caller decides whether non-objects are acceptable); WS_EFORMAT
 *         with res->err_* set and a ws_error() detail "invalid JSON at
 *         column C (byte B): REASON"; WS_ENOMEM.
 */
int ws_json_parse(ws_json_parser *jp, const char *s, size_t n, ws_buf *out, ws_json_result *res);

/* Value of an INTEGER's text as returned by ws_json_parse (NUL-terminated,
 * known to fit). */
int64_t ws_json_int64(const char *text);

/* Value of a REAL's (or INTEGER's) text as returned by ws_json_parse
 * (NUL-terminated), read with strtod in the "C" numeric locale whatever
 * LC_NUMERIC the host program set (the parser keeps that locale). */
double ws_json_double(ws_json_parser *jp, const char *text);

/* "an object", "a string", ... for messages. */
const char *ws_json_type_name(ws_json_type t);

#endif /* WS_JSON_H */
