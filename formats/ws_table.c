/* Typed result tables and their CSV / JSON Lines rendering (see ws_table.h). */
#include "ws_table.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ws_csv.h"

void ws_table_init(ws_table *t) { memset(t, 0, sizeof *t); }

void ws_table_free(ws_table *t)
{
    if (!t) return;
    for (uint32_t c = 0; c < t->ncols; c++) ws_free(t->cols[c].name);
    ws_free(t->cols);
    ws_free(t->cells);
    ws_free(t->nulls);
    ws_buf_free(&t->text);
    memset(t, 0, sizeof *t);
}

void ws_table_set_sink(ws_table *t, size_t batch_rows, int (*sink)(void *ctx, const ws_table *batch), void *ctx)
{
    t->batch_rows = batch_rows ? batch_rows : 1;
    t->sink = sink;
    t->sink_ctx = ctx;
}

int ws_table_add_col(ws_table *t, const char *name, ws_type type)
{
    if (t->nrows || t->cur || t->delivered)
        return ws_error(WS_EINTERNAL, "result column '%s' declared after the first row", name);
    ws_table_col *c = ws_realloc(t->cols, ((size_t)t->ncols + 1) * sizeof *c);
    if (!c) return ws_error(WS_ENOMEM, "out of memory");
    t->cols = c;
    char *n = ws_strndup(name, strlen(name));
    if (!n) return ws_error(WS_ENOMEM, "out of memory");
    c[t->ncols++] = (ws_table_col){n, type};
    return 0;
}

static int deliver(ws_table *t)
{
    t->sink_called = 1;
    int rc = t->sink(t->sink_ctx, t);
    t->delivered += t->nrows;
    t->nrows = 0;
    t->text.n = 0;
    return rc;
}

/* The cell to fill next, growing the batch when a row starts. */
static ws_cell *next_cell(ws_table *t, ws_type type, int *rc)
{
    if (WS_UNLIKELY(!t->ncols || t->closed)) {
        *rc = ws_error(WS_EINTERNAL, "result cell set on a table with no columns or after close");
        return NULL;
    }
    if (t->cur == 0 && t->nrows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 64;
        ws_cell *c = ws_realloc(t->cells, cap * t->ncols * sizeof *c);
        if (c) t->cells = c;
        uint8_t *z = c ? ws_realloc(t->nulls, cap * t->ncols) : NULL;
        if (!c || !z) {
            *rc = ws_error(WS_ENOMEM, "out of memory holding %zu result rows", cap);
            return NULL;
        }
        t->nulls = z;
        t->cap_rows = cap;
    }
    ws_type want = t->cols[t->cur].type;
    if (WS_UNLIKELY(want != type && !(type == WS_TYPE_INT64 && want == WS_TYPE_DATE))) {
        *rc = ws_error(WS_EINTERNAL, "result column '%s': a value of the wrong type", t->cols[t->cur].name);
        return NULL;
    }
    size_t k = t->nrows * t->ncols + t->cur;
    t->nulls[k] = 0;
    *rc = 0;
    return &t->cells[k];
}

/* The cell is set: end the row after its last column, and hand a full
 * batch to the sink. */
static int advance(ws_table *t)
{
    if (++t->cur < t->ncols) return 0;
    t->cur = 0;
    t->nrows++;
    return t->sink && t->nrows >= t->batch_rows ? deliver(t) : 0;
}

int ws_table_text(ws_table *t, ws_str s)
{
    int rc;
    ws_cell *c = next_cell(t, WS_TYPE_TEXT, &rc);
    if (!c) return rc;
    if (WS_UNLIKELY(s.n >= UINT32_MAX || t->text.n + s.n + 1 >= UINT32_MAX))
        return ws_error(WS_ETOOBIG, "result text over 4 GB in one batch");
    if ((rc = ws_buf_reserve(&t->text, s.n + 1))) return rc;
    c->s.off = (uint32_t)t->text.n;
    c->s.len = (uint32_t)s.n;
    if (s.n) memcpy(t->text.p + t->text.n, s.p, s.n);
    t->text.p[t->text.n + s.n] = 0;
    t->text.n += s.n + 1;
    return advance(t);
}

int ws_table_cstr(ws_table *t, const char *s) { return ws_table_text(t, ws_str_make(s, strlen(s))); }

int ws_table_int(ws_table *t, int64_t v)
{
    int rc;
    ws_cell *c = next_cell(t, WS_TYPE_INT64, &rc);
    if (!c) return rc;
    c->i = v;
    return advance(t);
}

int ws_table_double(ws_table *t, double v)
{
    int rc;
    ws_cell *c = next_cell(t, WS_TYPE_DOUBLE, &rc);
    if (!c) return rc;
    c->d = v;
    return advance(t);
}

int ws_table_null(ws_table *t)
{
    if (WS_UNLIKELY(!t->ncols || t->closed))
        return ws_error(WS_EINTERNAL, "result cell set on a table with no columns or after close");
    int rc;
    ws_cell *c = next_cell(t, t->cols[t->cur].type, &rc);
    if (!c) return rc;
    c->i = 0;
    t->nulls[t->nrows * t->ncols + t->cur] = 1;
    return advance(t);
}

int ws_table_close(ws_table *t)
{
    if (t->closed) return 0;
    if (t->cur) return ws_error(WS_EINTERNAL, "result row left unfinished (%u of %u cells)", t->cur, t->ncols);
    t->closed = 1;
    if (t->sink && (t->nrows || !t->sink_called)) return deliver(t);
    return 0;
}

/* ---- rendering ---- */

size_t ws_date_format(int64_t t, char *buf) { return ws_format_iso8601(t, buf); }

int ws_json_quote(ws_buf *b, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    int rc = ws_buf_reserve(b, n + 2);
    if (rc) return rc;
    b->p[b->n++] = '"';
    size_t run = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
        rc = ws_buf_append(b, p + run, i - run);
        run = i + 1;
        char esc[7] = {'\\', 0};
        size_t k = 2;
        switch (ch) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 15];
            k = 6;
        }
        if (!rc) rc = ws_buf_append(b, esc, k);
    }
    if (!rc && n > run) rc = ws_buf_append(b, p + run, n - run);
    return rc ? rc : ws_buf_append(b, "\"", 1);
}

/* v in decimal into num (at least 21 bytes), as printf's PRId64 writes it;
 * returns the length. snprintf was 3% of `tf --top 0`'s CPU (perf): a
 * table has a few integers a row, and a row costs little else. */
static int fmt_i64(int64_t v, char *num)
{
    char tmp[24];
    int k = 0, n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) num[n++] = '-';
    while (k) num[n++] = tmp[--k];
    return n;
}

/* One cell; CSV and JSON differ only in text (quoting) and NULL. */
static int render_cell(const ws_table *t, size_t r, uint32_t c, ws_result_format fmt, ws_buf *out)
{
    size_t k = r * t->ncols + c;
    const ws_cell *v = &t->cells[k];
    char num[64];
    int n;
    if (t->nulls[k]) return fmt == WS_FORMAT_JSONL ? ws_buf_append(out, "null", 4) : 0;
    switch (t->cols[c].type) {
    case WS_TYPE_TEXT:
        if (fmt == WS_FORMAT_JSONL) return ws_json_quote(out, (const char *)t->text.p + v->s.off, v->s.len);
        return ws_csv_field(out, ws_str_make((const char *)t->text.p + v->s.off, v->s.len));
    case WS_TYPE_INT64: n = fmt_i64(v->i, num); break;
    case WS_TYPE_DOUBLE:
        if (fmt == WS_FORMAT_JSONL && !isfinite(v->d)) return ws_buf_append(out, "null", 4);
        n = snprintf(num, sizeof num, "%.10g", v->d);
        break;
    case WS_TYPE_DATE:
        n = (int)ws_format_iso8601(v->i, num);
        if (fmt == WS_FORMAT_JSONL) return ws_json_quote(out, num, (size_t)n);
        break;
    default: return ws_error(WS_EINTERNAL, "result column of unknown type");
    }
    return ws_buf_append(out, num, (size_t)n);
}

/* One CSV row, as render_cell and the ws_csv_* writers would write it
 * (a text field quoted when it holds a comma, a quote or a line break;
 * NULL empty), into room reserved once for the row: a call and a check
 * per field and separator were most of the rendering of a table of short
 * rows (tf --top 0: 45,000 rows of a term and two integers). */
static int render_csv_row(const ws_table *t, size_t r, ws_buf *out)
{
    const ws_cell *row = &t->cells[r * t->ncols];
    const uint8_t *nul = &t->nulls[r * t->ncols];
    size_t need = (size_t)t->ncols + 1;
    for (uint32_t c = 0; c < t->ncols; c++)
        need += t->cols[c].type == WS_TYPE_TEXT && !nul[c] ? (size_t)row[c].s.len * 2 + 2 : 64;
    int rc = ws_buf_reserve(out, need);
    if (rc) return rc;
    uint8_t *o = out->p + out->n;
    for (uint32_t c = 0; c < t->ncols; c++) {
        if (c) *o++ = ',';
        if (nul[c]) continue;
        const ws_cell *v = &row[c];
        switch (t->cols[c].type) {
        case WS_TYPE_TEXT: {
            const uint8_t *p = t->text.p + v->s.off;
            size_t n = v->s.len, i = 0;
            while (i < n && p[i] != ',' && p[i] != '"' && p[i] != '\n' && p[i] != '\r') i++;
            if (i == n) {
                memcpy(o, p, n);
                o += n;
                break;
            }
            *o++ = '"';
            for (i = 0; i < n; i++) {
                if (p[i] == '"') *o++ = '"';
                *o++ = p[i];
            }
            *o++ = '"';
            break;
        }
        case WS_TYPE_INT64: o += fmt_i64(v->i, (char *)o); break;
        case WS_TYPE_DOUBLE: {
            char num[64];
            int n = snprintf(num, sizeof num, "%.10g", v->d);
            memcpy(o, num, (size_t)n);
            o += n;
            break;
        }
        case WS_TYPE_DATE: {
            char num[64];
            size_t n = ws_format_iso8601(v->i, num);
            memcpy(o, num, n);
            o += n;
            break;
        }
        default: return ws_error(WS_EINTERNAL, "result column of unknown type");
        }
    }
    *o++ = '\n';
    out->n = (size_t)(o - out->p);
    return 0;
}

int ws_table_render(const ws_table *t, ws_result_format fmt, int header, ws_buf *out)
{
    int rc = 0;
    if (fmt != WS_FORMAT_CSV && fmt != WS_FORMAT_JSONL) return ws_error(WS_EINVAL, "unknown output format %d", (int)fmt);
    if (header && fmt == WS_FORMAT_CSV) {
        for (uint32_t c = 0; c < t->ncols && !rc; c++) {
            if (c) rc = ws_csv_sep(out);
            if (!rc) rc = ws_csv_field(out, ws_str_make(t->cols[c].name, strlen(t->cols[c].name)));
        }
        if (!rc) rc = ws_csv_eol(out);
    }
    if (fmt == WS_FORMAT_CSV) {
        for (size_t r = 0; r < t->nrows && !rc; r++) rc = render_csv_row(t, r, out);
        return rc;
    }
    for (size_t r = 0; r < t->nrows && !rc; r++) {
        if (fmt == WS_FORMAT_JSONL) rc = ws_buf_append(out, "{", 1);
        for (uint32_t c = 0; c < t->ncols && !rc; c++) {
            if (c) rc = ws_csv_sep(out);
            if (!rc && fmt == WS_FORMAT_JSONL) {
                rc = ws_json_quote(out, t->cols[c].name, strlen(t->cols[c].name));
                if (!rc) rc = ws_buf_append(out, ":", 1);
            }
            if (!rc) rc = render_cell(t, r, c, fmt, out);
        }
        if (!rc && fmt == WS_FORMAT_JSONL) rc = ws_buf_append(out, "}", 1);
        if (!rc) rc = ws_csv_eol(out);
    }
    return rc;
}

/* ---- the public accessors (include/wirescan.h) ---- */

static int cell_ok(const ws_result *r, size_t row, size_t col)
{
    return r && col < r->ncols && row < r->nrows;
}

size_t ws_result_ncols(const ws_result *r) { return r ? r->ncols : 0; }
const char *ws_result_name(const ws_result *r, size_t col) { return r && col < r->ncols ? r->cols[col].name : NULL; }
ws_type ws_result_type(const ws_result *r, size_t col) { return r && col < r->ncols ? r->cols[col].type : (ws_type)0; }
size_t ws_result_nrows(const ws_result *r) { return r ? r->nrows : 0; }

int ws_result_is_null(const ws_result *r, size_t row, size_t col)
{
    return cell_ok(r, row, col) ? r->nulls[row * r->ncols + col] : -1;
}

int64_t ws_result_int64(const ws_result *r, size_t row, size_t col)
{
    if (!cell_ok(r, row, col) || (r->cols[col].type != WS_TYPE_INT64 && r->cols[col].type != WS_TYPE_DATE)) return 0;
    return r->cells[row * r->ncols + col].i;
}

double ws_result_double(const ws_result *r, size_t row, size_t col)
{
    if (!cell_ok(r, row, col) || r->cols[col].type != WS_TYPE_DOUBLE) return 0.0;
    return r->cells[row * r->ncols + col].d;
}

const char *ws_result_text(const ws_result *r, size_t row, size_t col, size_t *len)
{
    if (len) *len = 0;
    if (!cell_ok(r, row, col) || r->cols[col].type != WS_TYPE_TEXT) return NULL;
    const ws_cell *c = &r->cells[row * r->ncols + col];
    if (len) *len = c->s.len;
    return (const char *)r->text.p + c->s.off;
}

/* Columns in one call: the cells are stored row by row, so a columnar
 * client would otherwise cross its foreign-function boundary once per cell. */
static int column_ok(const ws_result *r, size_t col, size_t row0, size_t n, const char *fn)
{
    if (!r) return ws_error(WS_EINVAL, "%s: NULL result", fn);
    if (col >= r->ncols) return ws_error(WS_EINVAL, "%s: column %zu of %u", fn, col, (unsigned)r->ncols);
    if (row0 > r->nrows || n > r->nrows - row0)
        return ws_error(WS_EINVAL, "%s: rows %zu..%zu of %zu", fn, row0, row0 + n, r->nrows);
    return 0;
}

int ws_result_column(const ws_result *r, size_t col, size_t row0, size_t n, void *values, uint8_t *nulls)
{
    int rc = column_ok(r, col, row0, n, "ws_result_column");
    if (rc) return rc;
    if (!values && n) return ws_error(WS_EINVAL, "ws_result_column: NULL values");
    ws_type t = r->cols[col].type;
    uint64_t end = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = (row0 + i) * r->ncols + col;
        int null = r->nulls[k] != 0;
        if (nulls) nulls[i] = (uint8_t)null;
        switch (t) {
        case WS_TYPE_DOUBLE: ((double *)values)[i] = null ? 0.0 : r->cells[k].d; break;
        case WS_TYPE_TEXT:
            if (!null) end += r->cells[k].s.len;
            ((uint64_t *)values)[i] = end;
            break;
        default: ((int64_t *)values)[i] = null ? 0 : r->cells[k].i; break;
        }
    }
    return 0;
}

int ws_result_text_bytes(const ws_result *r, size_t col, size_t row0, size_t n, char *buf, size_t cap)
{
    int rc = column_ok(r, col, row0, n, "ws_result_text_bytes");
    if (rc) return rc;
    if (r->cols[col].type != WS_TYPE_TEXT)
        return ws_error(WS_EINVAL, "ws_result_text_bytes: column %zu (%s) is not text", col, r->cols[col].name);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = (row0 + i) * r->ncols + col;
        if (r->nulls[k]) continue;
        const ws_cell *c = &r->cells[k];
        if (!buf || c->s.len > cap - at)
            return ws_error(WS_EINVAL, "ws_result_text_bytes: %zu bytes of room is too little", cap);
        memcpy(buf + at, (const char *)r->text.p + c->s.off, c->s.len);
        at += c->s.len;
    }
    return 0;
}

int ws_result_write(const ws_result *r, ws_result_format fmt, int header, FILE *f)
{
    if (!r || !f) return ws_error(WS_EINVAL, "ws_result_write: NULL %s", r ? "file" : "result");
    ws_buf b = {0};
    int rc = ws_table_render(r, fmt, header, &b);
    if (!rc && b.n && fwrite(b.p, 1, b.n, f) != b.n) rc = ws_error(WS_EIO, "cannot write the result");
    ws_buf_free(&b);
    return rc;
}

void ws_result_free(ws_result *r)
{
    if (!r) return;
    ws_table_free(r);
    ws_free(r);
}
