/*
 * The stories themselves (the kernel behind `wirescan export`): every story
 * that passes the filters, in store order, streamed (WS_KF_ORDERED: each
 * block's rows reach the table in block order, so the output is the same
 * for any thread count and never held whole in memory).
 *
 * Columns (all text): id, date (ISO 8601 with the UTC offset the story was
 * ingested with, Z for UTC; null when unknown), source, title, body, then
 * one column per tag column of the stores (in order of first appearance):
 * the story's values joined with '|', a '|' or '\' inside a value written
 * '\|' or '\\' (the CSV ingest convention, so ingest splits them back);
 * null when the story's segment has no such tag column. `fields` chooses
 * and orders the columns ("id,title,places").
 */
#include <stdio.h>
#include <stdlib.h>

#include "ws_date.h"
#include "ws_kernel.h"

#define EX_MAX_FIELDS (5 + WS_MAX_TAG_COLUMNS * 8)

enum { F_ID, F_DATE, F_SOURCE, F_TITLE, F_BODY, F_TAG };
static const char *const base_names[5] = {"id", "date", "source", "title", "body"};

static const ws_param_info export_params[] = {
    {"fields", WS_PARAM_TEXT, NULL, "LIST",
     "the columns to write, in this order, separated by commas: id, date, source,\n"
     "title, body and tag names (default: all of them)", NULL, 0, 0, 0, NULL},
};

typedef struct ex_plan {
    uint32_t nf;
    int kind[EX_MAX_FIELDS];
    char *name[EX_MAX_FIELDS]; /* every field's name (owned) */
} ex_plan;

typedef struct ex_state {
    const ex_plan *pl;
    ws_buf rows;   /* per row, per field: uint32 length (UINT32_MAX: null) and the bytes */
    size_t nrows;
    ws_buf tmp;
    const ws_segment *seg; /* the segment `col` was found for */
    int col[EX_MAX_FIELDS]; /* tag fields: the segment's column, -1 when it lacks it */
} ex_state;

static void ex_release(void *v)
{
    ex_plan *pl = v;
    if (!pl) return;
    for (uint32_t i = 0; i < pl->nf; i++) ws_free(pl->name[i]);
    ws_free(pl);
}

/* Add a field; a name already there is an error when strict, else skipped. */
static int add_field(ex_plan *pl, const char *name, size_t n, int kind, int strict)
{
    for (uint32_t i = 0; i < pl->nf; i++)
        if (strlen(pl->name[i]) == n && !memcmp(pl->name[i], name, n))
            return strict ? ws_error(WS_EINVAL, "--fields: '%.*s' is given twice", (int)n, name) : 0;
    if (pl->nf == EX_MAX_FIELDS) return ws_error(WS_EINVAL, "--fields: more than %d fields", EX_MAX_FIELDS);
    if (!(pl->name[pl->nf] = ws_strndup(name, n))) return ws_error(WS_ENOMEM, "out of memory");
    pl->kind[pl->nf++] = kind;
    return 0;
}

static int ex_prepare(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext)
{
    ex_plan *pl = ws_calloc(1, sizeof *pl), *all = ws_calloc(1, sizeof *all);
    *ext = pl;
    if (!pl || !all) {
        ws_free(all);
        return ws_error(WS_ENOMEM, "out of memory");
    }
    q->ext = pl;
    /* Every field: the story's own, then the tag columns in order of first appearance. */
    int rc = 0;
    for (int k = 0; k < 5 && !rc; k++) rc = add_field(all, base_names[k], strlen(base_names[k]), k, 0);
    for (size_t k = 0; k < plan->nstores && !rc; k++)
        for (uint32_t i = 0; i < plan->stores[k]->nsegs && !rc; i++) {
            const ws_segment *s = plan->stores[k]->segs[i];
            for (uint32_t c = WS_C_FIRST_TAG; c < s->ncols && !rc; c++)
                rc = add_field(all, s->cols[c].name, strlen(s->cols[c].name), F_TAG, 0);
        }
    const char *fields = ws_params_text(p, "fields");
    for (const char *a = fields ? fields : ""; fields && !rc;) {
        const char *e = strchr(a, ',');
        size_t n = e ? (size_t)(e - a) : strlen(a);
        while (n && (*a == ' ' || *a == '\t')) a++, n--;
        while (n && (a[n - 1] == ' ' || a[n - 1] == '\t')) n--;
        uint32_t i = 0;
        while (i < all->nf && (strlen(all->name[i]) != n || memcmp(all->name[i], a, n))) i++;
        if (!n) rc = ws_error(WS_EINVAL, "--fields '%s': an empty field name", fields);
        else if (i == all->nf) {
            ws_buf names = {0};
            for (uint32_t j = 0; j < all->nf; j++) {
                if (j) ws_buf_append(&names, ", ", 2);
                ws_buf_append(&names, all->name[j], strlen(all->name[j]));
            }
            ws_buf_append(&names, "", 1);
            rc = ws_error(WS_EINVAL, "--fields: no field '%.*s' (the store's fields: %s)", (int)n, a,
                          names.p ? (const char *)names.p : "");
            ws_buf_free(&names);
        } else rc = add_field(pl, a, n, all->kind[i], 1);
        if (!e) break;
        a = e + 1;
    }
    if (!fields) { /* all of them: take the list over */
        *pl = *all;
        memset(all, 0, sizeof *all);
    }
    ex_release(all);
    return rc;
}

static void *ex_init(const ws_query *q)
{
    ex_state *s = ws_calloc(1, sizeof *s);
    if (s) s->pl = q->ext;
    return s;
}

static void ex_free(void *v)
{
    ex_state *s = v;
    if (!s) return;
    ws_buf_free(&s->rows);
    ws_buf_free(&s->tmp);
    ws_free(s);
}

static int put(ex_state *s, const void *p, uint32_t n)
{
    int rc = ws_buf_append(&s->rows, &n, sizeof n);
    if (!rc && n && n != UINT32_MAX) rc = ws_buf_append(&s->rows, p, n);
    return rc ? ws_error(WS_ENOMEM, "out of memory for exported stories") : 0;
}

static int put_str(ex_state *s, ws_str v)
{
    if (v.n >= UINT32_MAX) return ws_error(WS_ETOOBIG, "a field of %zu bytes", v.n);
    return put(s, v.p, (uint32_t)v.n);
}

static int ex_consume(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    ex_state *s = state;
    const ex_plan *pl = s->pl;
    (void)q;
    if (s->seg != b->seg) {
        s->seg = b->seg;
        for (uint32_t i = 0; i < pl->nf; i++) {
            s->col[i] = -1;
            if (pl->kind[i] != F_TAG) continue;
            for (uint32_t c = WS_C_FIRST_TAG; c < b->seg->ncols && c - WS_C_FIRST_TAG < WS_MAX_TAG_COLUMNS; c++)
                if (!strcmp(b->seg->cols[c].name, pl->name[i])) s->col[i] = (int)c;
        }
    }
    const ws_column_desc *src = &b->seg->cols[WS_C_SOURCE];
    int rc = 0;
    char date[48];
    for (uint32_t r = 0; r < b->nrows && !rc; r++) {
        if (!sel[r]) continue;
        for (uint32_t i = 0; i < pl->nf && !rc; i++) {
            switch (pl->kind[i]) {
            case F_ID: rc = put_str(s, ws_strings_get(&b->id, r)); break;
            case F_DATE:
                if (b->dates[r] == WS_DATE_UNKNOWN) rc = put(s, NULL, UINT32_MAX);
                else rc = put(s, date, (uint32_t)ws_format_iso8601_off(b->dates[r], b->dateoff ? b->dateoff[r] : 0, date));
                break;
            case F_SOURCE: rc = put_str(s, src->values[b->source[r]]); break;
            case F_TITLE: rc = put_str(s, ws_strings_get(&b->title, r)); break;
            case F_BODY: rc = put_str(s, ws_strings_get(&b->body, r)); break;
            default: {
                if (s->col[i] < 0) {
                    rc = put(s, NULL, UINT32_MAX);
                    break;
                }
                const uint32_t *vals;
                uint32_t n = ws_block_tags(b, (uint32_t)s->col[i] - WS_C_FIRST_TAG, r, &vals);
                const ws_column_desc *cd = &b->seg->cols[s->col[i]];
                s->tmp.n = 0;
                for (uint32_t k = 0; k < n && !rc; k++) {
                    if (k) rc = ws_buf_append(&s->tmp, "|", 1);
                    ws_str v = cd->values[vals[k]];
                    for (size_t j = 0; j < v.n && !rc; j++) { /* '|' and '\\' escaped: CSV ingest splits on '|' */
                        if (v.p[j] == '|' || v.p[j] == '\\') rc = ws_buf_append(&s->tmp, "\\", 1);
                        if (!rc) rc = ws_buf_append(&s->tmp, v.p + j, 1);
                    }
                }
                if (rc) rc = ws_error(WS_ENOMEM, "out of memory for exported stories");
                else rc = put_str(s, ws_str_make((const char *)s->tmp.p, s->tmp.n));
            }
            }
        }
        s->nrows++;
    }
    return rc;
}

static int ex_header(const ws_query *q, ws_table *out)
{
    const ex_plan *pl = q->ext;
    int rc = 0;
    for (uint32_t i = 0; i < pl->nf && !rc; i++) rc = ws_table_add_col(out, pl->name[i], WS_TYPE_TEXT);
    return rc;
}

static int ex_emit(void *state, const ws_query *q, ws_table *out)
{
    ex_state *s = state;
    const ex_plan *pl = q->ext;
    const uint8_t *p = s->rows.p;
    int rc = 0;
    for (size_t r = 0; r < s->nrows && !rc; r++)
        for (uint32_t i = 0; i < pl->nf && !rc; i++) {
            uint32_t n;
            memcpy(&n, p, sizeof n);
            p += sizeof n;
            if (n == UINT32_MAX) rc = ws_table_null(out);
            else {
                rc = ws_table_text(out, ws_str_make((const char *)p, n));
                p += n;
            }
        }
    s->rows.n = 0;
    s->nrows = 0;
    return rc;
}

static int ex_merge(void *into, const void *from, const ws_query *q)
{
    (void)into, (void)from, (void)q;
    return 0; /* every row went out through emit */
}

static int ex_finish(void *state, const ws_query *q, ws_table *out)
{
    (void)state, (void)q, (void)out;
    return 0;
}

/* Across ranks the rows travel in the ordered gather; the states hold
 * nothing more. */
static int ex_pack(const void *state, const ws_query *q, ws_buf *out)
{
    (void)state, (void)q, (void)out;
    return 0;
}

static int ex_unpack(void *state, const ws_query *q, const uint8_t *data, size_t len)
{
    (void)state, (void)q, (void)data;
    return len ? ws_error(WS_ECORRUPT, "export: an unexpected state") : 0;
}

const ws_kernel ws_kernel_export = {
    .name = "export",
    .summary = "the stories that pass the filters, in store order",
    .help = "Every story that passes the filters, in store order: id, date (ISO 8601 with\n"
            "the offset it was ingested with; empty when unknown), source, title, body, then\n"
            "one column per tag (values joined with '|', '|' and '\\' escaped with '\\').\n"
            "--fields chooses and orders the columns.",
    .params = export_params,
    .nparams = sizeof export_params / sizeof export_params[0],
    .flags = WS_KF_ORDERED | WS_KF_HIDDEN,
    /* Every tag column a segment has (bits past its columns are ignored). */
    .columns = WS_COLBIT(WS_C_ID) | WS_COLBIT(WS_C_DATE) | WS_COLBIT(WS_C_SOURCE) | WS_COLBIT(WS_C_TITLE) |
               WS_COLBIT(WS_C_BODY) | WS_COLBIT_DATEOFF | (((WS_COLBIT(62) - 1) | WS_COLBIT(62)) & ~(WS_COLBIT(WS_C_FIRST_TAG) - 1)),
    .header = ex_header,
    .emit = ex_emit,
    .prepare = ex_prepare,
    .release = ex_release,
    .init = ex_init,
    .consume = ex_consume,
    .merge = ex_merge,
    .finish = ex_finish,
    .free = ex_free,
    .pack = ex_pack,
    .unpack = ex_unpack,
};
