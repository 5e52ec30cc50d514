/* CSV output helpers (see ws_csv.h). */
#include "ws_csv.h"

#include <inttypes.h>
#include <stdio.h>

int ws_csv_field(ws_buf *b, ws_str s)
{
    int quote = 0;
    for (size_t i = 0; i < s.n && !quote; i++) quote = s.p[i] == ',' || s.p[i] == '"' || s.p[i] == '\n' || s.p[i] == '\r';
    if (!quote) return ws_buf_append(b, s.p, s.n);
    int rc = ws_buf_reserve(b, s.n * 2 + 2);
    if (rc) return rc;
    b->p[b->n++] = '"';
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '"') b->p[b->n++] = '"';
        b->p[b->n++] = (uint8_t)s.p[i];
    }
    b->p[b->n++] = '"';
    return 0;
}

int ws_csv_u64(ws_buf *b, uint64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%" PRIu64, v);
    return ws_buf_append(b, t, (size_t)n);
}

int ws_csv_double(ws_buf *b, double v, int digits)
{
    char t[64];
    int n = snprintf(t, sizeof t, "%.*g", digits, v);
    return ws_buf_append(b, t, (size_t)n);
}

int ws_csv_sep(ws_buf *b) { return ws_buf_append(b, ",", 1); }
int ws_csv_eol(ws_buf *b) { return ws_buf_append(b, "\n", 1); }
int ws_csv_raw(ws_buf *b, const char *s) { return ws_buf_append(b, s, strlen(s)); }
