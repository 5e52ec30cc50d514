/*
 * Typed result tables: what every kernel's finish produces and every writer
 * renders. A table has named, typed columns (text, int64, double, date) and
 * rows that are filled a cell at a time, left to right; a row ends by
 * itself when its last cell is set. Rows are kept in a batch; with a sink,
 * a full batch is handed to the sink and emptied, so a large result (all
 * pairs of cooc, a concordance) streams out in bounded memory; without one
 * the table holds every row. The public face of a table is ws_result
 * (include/wirescan.h): the same struct, read through accessors.
 *
 * Rendering (CSV as RFC 4180 through formats/ws_csv.c, JSON Lines) is here
 * too, so every client prints a table the same way: integers in decimal,
 * doubles with %.10g, dates in ISO 8601 UTC, NULL as an empty CSV cell or
 * a JSON null.
 */
#ifndef WS_TABLE_H
#define WS_TABLE_H

#include "wirescan.h"
#include "ws_util.h"

typedef union ws_cell {
    int64_t i;      /* WS_TYPE_INT64, WS_TYPE_DATE (Unix seconds) */
    double d;       /* WS_TYPE_DOUBLE */
    struct {        /* WS_TYPE_TEXT: bytes at text.p + off, NUL-terminated */
        uint32_t off, len;
    } s;
} ws_cell;

typedef struct ws_table_col {
    char *name;
    ws_type type;
} ws_table_col;

/* ws_result is this struct; kernels and the engine use the ws_table name. */
typedef struct ws_result ws_table;

struct ws_result {
    uint32_t ncols;
    ws_table_col *cols;
    size_t nrows, cap_rows; /* rows in the batch */
    ws_cell *cells;         /* nrows * ncols */
    uint8_t *nulls;         /* nrows * ncols: 1 where the cell is NULL */
    ws_buf text;            /* text cells of the batch */
    uint32_t cur;           /* cells set in the row being filled */
    size_t batch_rows;      /* hand a batch to the sink at this many rows (0: never) */
    int (*sink)(void *ctx, const ws_table *batch);
    void *sink_ctx;
    uint64_t delivered;     /* rows handed to the sink so far */
    int sink_called;
    int closed;
};

void ws_table_init(ws_table *t);
void ws_table_free(ws_table *t); /* frees what t holds (not t); NULL-safe */
/* Stream batches of batch_rows rows to sink (called in row order; the
 * batch is valid during the call only). */
void ws_table_set_sink(ws_table *t, size_t batch_rows, int (*sink)(void *ctx, const ws_table *batch), void *ctx);

/* Declare the next column. Columns come before the first row. */
int ws_table_add_col(ws_table *t, const char *name, ws_type type);

/* Set the next cell of the current row. The type must be the column's
 * (ws_table_int also fills date columns); WS_EINTERNAL otherwise. */
int ws_table_text(ws_table *t, ws_str s);
int ws_table_cstr(ws_table *t, const char *s);
int ws_table_int(ws_table *t, int64_t v);
int ws_table_double(ws_table *t, double v);
int ws_table_null(ws_table *t);

/* The kernel is done: the rows left go to the sink (which is called at
 * least once, with an empty batch when the table has no rows, so writers
 * can print a header). */
int ws_table_close(ws_table *t);
/* Rows in the table so far, streamed ones included. */
static inline uint64_t ws_table_rows(const ws_table *t) { return t->delivered + t->nrows; }

/* Render rows [0, t->nrows) of a batch, after a header line when header
 * is set (CSV only: JSON Lines has none), appending to out. */
int ws_table_render(const ws_table *t, ws_result_format fmt, int header, ws_buf *out);
/* Append p[0..n) to b as a JSON string literal (quotes, escapes; bytes
 * >= 0x80 copied as they are). */
int ws_json_quote(ws_buf *b, const char *p, size_t n);

#endif
