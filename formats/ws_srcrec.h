/*
 * Internal to the record sources (ws_source.c, ws_csvin.c, ws_textdir.c,
 * ws_reuters.c): the record builder that owns the memory of the ws_record a
 * source lends out, and the context the readers share (options, tag columns,
 * notes on the log, the date policy, datelines). Not part of the public API.
 */
#ifndef WS_SRCREC_H
#define WS_SRCREC_H

#include <stdio.h>

#include "ws_encoding.h"
#include "ws_source.h"

enum { WS_SR_ID, WS_SR_TITLE, WS_SR_BODY, WS_SR_SOURCE, WS_SR_NFIELDS };

typedef struct ws_srcrec_val {
    size_t off, n;
    uint32_t tag;
} ws_srcrec_val;

/* One story under construction. Strings live in text, each NUL-terminated;
 * ws_srcrec_finish() turns offsets into the ws_str views of a ws_record. */
typedef struct ws_srcrec {
    ws_buf text;
    size_t off[WS_SR_NFIELDS], len[WS_SR_NFIELDS];
    uint8_t has[WS_SR_NFIELDS];
    uint32_t ntags;
    uint32_t *counts;        /* [ntags] */
    ws_srcrec_val *vals;     /* in the order added */
    size_t nvals, capvals;
    ws_str *tv;              /* grouped by tag for the record */
    size_t captv;
    int64_t date;
    int date_bad;
    int date_off;            /* minutes east of UTC, see ws_record */
    int dateline_no_year;
    size_t invalid_utf8;
} ws_srcrec;

/* Default --max-record when the options leave it 0 (as ingest's default). */
#define WS_SRC_DEFAULT_MAX_RECORD ((size_t)64 << 20)

/* What the readers share. */
typedef struct ws_srcctx {
    ws_source_opts o;        /* copy; the strings it points to are copied below */
    char *date_format;       /* owned copy of o.date_format */
    ws_encoding enc;         /* from o.encoding */
    size_t max_record;
    ws_srcrec rec;
    uint32_t ntags;
    char **tag_names;        /* owned */
    int32_t tag_place, tag_agency; /* dateline tag columns, -1 when none */
    ws_buf scratch, scratch2;
    int year_from_path;      /* of the current file, 0 when none */
} ws_srcctx;

int ws_srcctx_init(ws_srcctx *c, const ws_source_opts *o);
void ws_srcctx_free(ws_srcctx *c);
/* Add a tag column (or find one of that name). Returns its index, or a
 * negative WS_E* code. Call ws_srcctx_tags_done() after the last. */
int ws_srcctx_tag(ws_srcctx *c, const char *name);
int ws_srcctx_tags_done(ws_srcctx *c);
/* A note on o.log (when set): "note: " is prefixed by the caller's text. */
void ws_src_note(const ws_srcctx *c, const char *fmt, ...) WS_PRINTF(2, 3);
/* Set the year found in the current file's path (o.year wins). */
void ws_src_set_path(ws_srcctx *c, const char *path);

/* Dates: --date-format first (when given), then ws_date_parse(), then Unix
 * seconds (9 to 11 digits, optional fraction) or milliseconds (12 to 14
 * digits). 0 and *out, or WS_EFORMAT. */
int ws_src_parse_date(const ws_srcctx *c, const char *s, size_t n, int64_t *out);
/* The same, with the zone offset the date was written in (minutes east of
 * UTC; 0 for epoch numbers and dates without a zone). */
int ws_src_parse_date_tz(const ws_srcctx *c, const char *s, size_t n, int64_t *out, int *off_min);
/* Read a date value into the record (empty: unknown, not bad). */
void ws_src_date_field(ws_srcctx *c, const char *s, size_t n);

/* Look for a dateline at the start of the record's body (or use the one
 * given, a whole dateline, when dl_text is not NULL); add place and agency
 * tags to empty columns, and a date when the record has none. 0 or WS_ENOMEM. */
int ws_src_dateline(ws_srcctx *c, const char *dl_text, size_t dl_n);

/* ---- the record builder ---- */
int ws_srcrec_init(ws_srcrec *r, uint32_t ntags);
void ws_srcrec_free(ws_srcrec *r);
void ws_srcrec_reset(ws_srcrec *r);
/* Set a field to s[0..n) converted from enc (AUTO must be resolved; UTF-8 is
 * repaired and the replacements counted). trim: drop surrounding white
 * space. Setting a field again replaces it. 0 or WS_ENOMEM. */
int ws_srcrec_field(ws_srcrec *r, int field, const char *s, size_t n, ws_encoding enc, int trim);
/* A field's current value (valid until the next change to the record). */
ws_str ws_srcrec_get(const ws_srcrec *r, int field);
/* Add a tag value (converted like a field, trimmed; empty values dropped). */
int ws_srcrec_tag(ws_srcrec *r, uint32_t tag, const char *s, size_t n, ws_encoding enc);
uint32_t ws_srcrec_tag_count(const ws_srcrec *r, uint32_t tag);
/* Fill *out with views of the record. 0 or WS_ENOMEM. */
int ws_srcrec_finish(ws_srcrec *r, ws_record *out);

/* White-space trimming of byte ranges (ASCII white space and U+00A0). */
void ws_src_trim(const char **s, size_t *n);

#endif
