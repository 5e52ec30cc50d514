/*
 * Writing `wirescan dtm` results as Matrix Market plus row and column CSV
 * files (see ws_dtm_out.h).
 */
#include "ws_dtm_out.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ws_cli_text.h"
#include "wirescan.h"

struct ws_dtm_out {
    char *path[4]; /* .mtx, .rows.csv, .cols.csv, .mtx.tmp */
    FILE *cells, *rows;
    uint64_t nrows, nnz;
    uint32_t ncols;
    char **term;   /* per column (from 1) */
    uint64_t *df;
    size_t cap;
};

static const char *const SUFFIX[4] = {".mtx", ".rows.csv", ".cols.csv", ".mtx.tmp"};

static void put_field(FILE *f, const char *p, size_t n) { cli_csv_field(f, p, n); }

static void dtm_free(ws_dtm_out *o)
{
    for (int i = 0; i < 4; i++) free(o->path[i]);
    for (size_t c = 0; c < o->cap; c++) free(o->term[c]);
    free(o->term);
    free(o->df);
    free(o);
}

int ws_dtm_out_open(ws_dtm_out **out, const char *prefix)
{
    *out = NULL;
    ws_dtm_out *o = calloc(1, sizeof *o);
    if (!o) return ws_set_error(WS_ENOMEM, "out of memory");
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(prefix) + strlen(SUFFIX[i]) + 1;
        if (!(o->path[i] = malloc(n))) {
            dtm_free(o);
            return ws_set_error(WS_ENOMEM, "out of memory");
        }
        snprintf(o->path[i], n, "%s%s", prefix, SUFFIX[i]);
    }
    if (!(o->cells = fopen(o->path[3], "wb")) || !(o->rows = fopen(o->path[1], "wb"))) {
        int rc = ws_set_error(WS_EIO, "%s: %s", o->cells ? o->path[1] : o->path[3], strerror(errno));
        if (o->cells) fclose(o->cells), unlink(o->path[3]);
        dtm_free(o);
        return rc;
    }
    fputs("row,id,date,source\r\n", o->rows);
    *out = o;
    return 0;
}

static int grow(ws_dtm_out *o, uint32_t col)
{
    if (col < o->cap) return 0;
    size_t nc = o->cap ? o->cap : 1024;
    while (nc <= col) nc *= 2;
    char **t = realloc(o->term, nc * sizeof *t);
    if (!t) return ws_set_error(WS_ENOMEM, "out of memory");
    o->term = t;
    uint64_t *d = realloc(o->df, nc * sizeof *d);
    if (!d) return ws_set_error(WS_ENOMEM, "out of memory");
    o->df = d;
    memset(o->term + o->cap, 0, (nc - o->cap) * sizeof *t);
    memset(o->df + o->cap, 0, (nc - o->cap) * sizeof *d);
    o->cap = nc;
    return 0;
}

int ws_dtm_out_add(ws_dtm_out *o, const ws_result *b)
{
    for (size_t r = 0; r < ws_result_nrows(b); r++) {
        uint64_t row = (uint64_t)ws_result_int64(b, r, 0);
        if (row != o->nrows) { /* a new story */
            o->nrows = row;
            size_t n;
            const char *id = ws_result_text(b, r, 1, &n);
            fprintf(o->rows, "%" PRIu64 ",", row);
            put_field(o->rows, id, n);
            putc(',', o->rows);
            if (!ws_result_is_null(b, r, 2)) {
                char date[40];
                fwrite(date, 1, ws_date_format(ws_result_int64(b, r, 2), date), o->rows);
            }
            putc(',', o->rows);
            const char *src = ws_result_text(b, r, 3, &n);
            put_field(o->rows, src, n);
            fputs("\r\n", o->rows);
        }
        if (ws_result_is_null(b, r, 4)) continue; /* a story without any column */
        int64_t col = ws_result_int64(b, r, 4);
        if (col <= 0 || col > UINT32_MAX) return ws_set_error(WS_EINTERNAL, "dtm: column %" PRId64 " out of range", col);
        uint32_t c = (uint32_t)col;
        int rc = grow(o, c);
        if (rc) return rc;
        if (!o->term[c]) {
            size_t n;
            const char *t = ws_result_text(b, r, 5, &n);
            if (!(o->term[c] = malloc(n + 1))) return ws_set_error(WS_ENOMEM, "out of memory");
            memcpy(o->term[c], t, n);
            o->term[c][n] = 0;
        }
        o->df[c]++;
        if (c > o->ncols) o->ncols = c;
        o->nnz++;
        fprintf(o->cells, "%" PRIu64 " %u %" PRId64 "\n", row, c, ws_result_int64(b, r, 6));
    }
    return ferror(o->cells) || ferror(o->rows) ? ws_set_error(WS_EIO, "%s: write error", o->path[ferror(o->cells) ? 3 : 1]) : 0;
}

static int close_file(FILE *f, const char *path, int rc)
{
    if (fclose(f) && !rc) rc = ws_set_error(WS_EIO, "%s: %s", path, strerror(errno));
    return rc;
}

int ws_dtm_out_close(ws_dtm_out *o, int ok)
{
    int rc = 0;
    rc = close_file(o->rows, o->path[1], rc);
    if (fflush(o->cells) && !rc) rc = ws_set_error(WS_EIO, "%s: %s", o->path[3], strerror(errno));
    if (ok && !rc) {
        FILE *m = fopen(o->path[0], "wb"), *c = fopen(o->path[2], "wb");
        if (!m || !c) rc = ws_set_error(WS_EIO, "%s: %s", m ? o->path[2] : o->path[0], strerror(errno));
        if (!rc) {
            fprintf(m, "%%%%MatrixMarket matrix coordinate integer general\n"
                       "%% wirescan dtm: rows are stories (.rows.csv), columns terms (.cols.csv)\n"
                       "%" PRIu64 " %u %" PRIu64 "\n", o->nrows, o->ncols, o->nnz);
            rewind(o->cells);
            FILE *in = freopen(o->path[3], "rb", o->cells);
            o->cells = in;
            char buf[65536];
            size_t n;
            while (in && (n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, m);
            if (!in) rc = ws_set_error(WS_EIO, "%s: %s", o->path[3], strerror(errno));
            fputs("col,term,df\r\n", c);
            for (uint32_t k = 1; k <= o->ncols; k++) {
                fprintf(c, "%u,", k);
                const char *t = k < o->cap && o->term[k] ? o->term[k] : "";
                put_field(c, t, strlen(t));
                fprintf(c, ",%" PRIu64 "\r\n", k < o->cap ? o->df[k] : 0);
            }
        }
        if (m) rc = close_file(m, o->path[0], rc);
        if (c) rc = close_file(c, o->path[2], rc);
    }
    if (o->cells) fclose(o->cells);
    unlink(o->path[3]);
    if (!ok || rc)
        for (int i = 0; i < 3; i++) cli_remove_partial(o->path[i]);
    dtm_free(o);
    return rc;
}
