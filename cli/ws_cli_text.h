/*
 * Small helpers of the command line: a growable byte buffer, UTF-8
 * cleaning for labels drawn in charts, RFC 4180 fields written to a
 * stream, and the rules for output files (what may be renamed over or
 * removed). The CLI is a client of the public API (include/wirescan.h) and
 * keeps its own helpers rather than reaching into the library's.
 */
#ifndef WS_CLI_TEXT_H
#define WS_CLI_TEXT_H

#include <stddef.h>
#include <stdio.h>

typedef struct cli_buf {
    unsigned char *p;
    size_t n, cap;
} cli_buf;

/* Room for n more bytes; 0 or WS_ENOMEM. */
int cli_buf_reserve(cli_buf *b, size_t n);
/* Append p[0..n); 0 or WS_ENOMEM. */
int cli_buf_append(cli_buf *b, const void *p, size_t n);
static inline void cli_buf_reset(cli_buf *b) { b->n = 0; }
void cli_buf_free(cli_buf *b);

/* Append s[0..n) to out with every invalid UTF-8 sequence (overlong,
 * surrogate, beyond U+10FFFF, cut short) replaced by U+FFFD; 0 or
 * WS_ENOMEM. */
int cli_utf8_clean(const char *s, size_t n, cli_buf *out);

/* Write p[0..n) as one CSV field: quoted (quotes doubled) when it holds a
 * comma, a quote or a line break, as the library's CSV writer does. */
void cli_csv_field(FILE *f, const char *p, size_t n);

/* 1 when an output may be written under a temporary name and renamed to
 * path: path does not exist or is a regular file (never a device, pipe or
 * socket such as /dev/null, which a rename would replace). */
int cli_renamable(const char *path);
/* Remove an output left half-written at path, only if it is a regular
 * file: a failed run that wrote to /dev/null must not remove /dev/null. */
void cli_remove_partial(const char *path);

#endif
