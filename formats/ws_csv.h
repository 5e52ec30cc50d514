/*
 * RFC 4180 CSV output helpers: fields are quoted only when they hold a comma,
 * quote, CR or LF, and quotes are doubled. Records end with LF (RFC 4180
 * says CRLF; every CSV reader accepts LF and it keeps reports diff-friendly).
 * Numbers are formatted without locale dependence.
 */
#ifndef WS_CSV_H
#define WS_CSV_H

#include "ws_util.h"

int ws_csv_field(ws_buf *b, ws_str s);
int ws_csv_u64(ws_buf *b, uint64_t v);
/* %.*g with at least `digits` significant digits; "nan"/"inf" never occur in
 * wirescan output (callers avoid them). */
int ws_csv_double(ws_buf *b, double v, int digits);
int ws_csv_sep(ws_buf *b);  /* ',' */
int ws_csv_eol(ws_buf *b);  /* '\n' */
int ws_csv_raw(ws_buf *b, const char *s);

#endif
