/*
 * The record builder and shared helpers of the record sources: one growable
 * byte buffer holds every string of the current story (so a record costs no
 * allocation once the buffers have grown), tag values are collected in any
 * order and grouped by column when the record is handed out; dates follow
 * one policy for every format, and datelines become place/agency tags.
 */
#include "ws_srcrec.h"

#include <stdarg.h>
#include <stdio.h>

#include "ws_date.h"
#include "ws_dateline.h"

/* ---- trimming ---- */
static int ascii_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

void ws_src_trim(const char **sp, size_t *np)
{
    const uint8_t *s = (const uint8_t *)*sp;
    size_t n = *np;
    for (;;) {
        if (n && ascii_space(s[0])) { s++; n--; continue; }
        if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0) { s += 2; n -= 2; continue; }          /* U+00A0 */
        if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) { s += 3; n -= 3; continue; } /* U+3000 */
        if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) { s += 3; n -= 3; continue; } /* U+FEFF */
        break;
    }
    for (;;) {
        if (n && ascii_space(s[n - 1])) { n--; continue; }
        if (n >= 2 && s[n - 2] == 0xC2 && s[n - 1] == 0xA0) { n -= 2; continue; }
        if (n >= 3 && s[n - 3] == 0xE3 && s[n - 2] == 0x80 && s[n - 1] == 0x80) { n -= 3; continue; }
        if (n >= 3 && s[n - 3] == 0xEF && s[n - 2] == 0xBB && s[n - 1] == 0xBF) { n -= 3; continue; }
        break;
    }
    *sp = (const char *)s;
    *np = n;
}

/* ---- the record builder ---- */
int ws_srcrec_init(ws_srcrec *r, uint32_t ntags)
{
    memset(r, 0, sizeof *r);
    r->ntags = ntags;
    if (!(r->counts = ws_calloc(ntags ? ntags : 1, sizeof *r->counts))) return WS_ENOMEM;
    ws_srcrec_reset(r);
    return 0;
}

void ws_srcrec_free(ws_srcrec *r)
{
    ws_buf_free(&r->text);
    ws_free(r->counts);
    ws_free(r->vals);
    ws_free(r->tv);
    memset(r, 0, sizeof *r);
}

void ws_srcrec_reset(ws_srcrec *r)
{
    r->text.n = 0;
    memset(r->has, 0, sizeof r->has);
    r->nvals = 0;
    if (r->counts) memset(r->counts, 0, (r->ntags ? r->ntags : 1) * sizeof *r->counts);
    r->date = WS_DATE_UNKNOWN;
    r->date_bad = 0;
    r->date_off = 0;
    r->dateline_no_year = 0;
    r->invalid_utf8 = 0;
}

/* Append s converted to UTF-8 plus a NUL; *off and *len describe the (trimmed)
 * string. */
static int put_text(ws_srcrec *r, const char *s, size_t n, ws_encoding enc, int trim, size_t *off, size_t *len)
{
    if (trim) ws_src_trim(&s, &n);
    size_t start = r->text.n;
    long bad = ws_encoding_to_utf8(enc == WS_ENC_AUTO ? WS_ENC_UTF8 : enc, s, n, &r->text);
    if (bad < 0) return (int)bad;
    r->invalid_utf8 += (size_t)bad;
    const char *p = (const char *)r->text.p + start;
    size_t m = r->text.n - start;
    if (trim) {
        const char *q = p;
        ws_src_trim(&q, &m);
        start += (size_t)(q - p);
    }
    if (ws_buf_append(&r->text, "", 1)) return WS_ENOMEM;
    *off = start;
    *len = m;
    return 0;
}

int ws_srcrec_field(ws_srcrec *r, int field, const char *s, size_t n, ws_encoding enc, int trim)
{
    int rc = put_text(r, s, n, enc, trim, &r->off[field], &r->len[field]);
    if (rc) return rc;
    r->has[field] = 1;
    return 0;
}

ws_str ws_srcrec_get(const ws_srcrec *r, int field)
{
    if (!r->has[field]) return ws_str_make(NULL, 0);
    return ws_str_make((const char *)r->text.p + r->off[field], r->len[field]);
}

int ws_srcrec_tag(ws_srcrec *r, uint32_t tag, const char *s, size_t n, ws_encoding enc)
{
    size_t mark = r->text.n, off = 0, len = 0;
    int rc = put_text(r, s, n, enc, 1, &off, &len);
    if (rc) return rc;
    if (!len) { r->text.n = mark; return 0; }
    if (r->counts[tag] == UINT32_MAX) return ws_error(WS_ETOOBIG, "more than 2^32-1 values for one tag");
    if (r->nvals == r->capvals) {
        size_t cap = r->capvals ? r->capvals * 2 : 16;
        ws_srcrec_val *v = ws_realloc(r->vals, cap * sizeof *v);
        if (!v) return WS_ENOMEM;
        r->vals = v;
        r->capvals = cap;
    }
    r->vals[r->nvals++] = (ws_srcrec_val){off, len, tag};
    r->counts[tag]++;
    return 0;
}

uint32_t ws_srcrec_tag_count(const ws_srcrec *r, uint32_t tag) { return r->counts[tag]; }

int ws_srcrec_finish(ws_srcrec *r, ws_record *out)
{
    memset(out, 0, sizeof *out);
    ws_str *f[WS_SR_NFIELDS] = {&out->id, &out->title, &out->body, &out->source};
    for (int i = 0; i < WS_SR_NFIELDS; i++) *f[i] = ws_srcrec_get(r, i);
    if (r->nvals > r->captv) {
        ws_str *tv = ws_realloc(r->tv, r->nvals * sizeof *tv);
        if (!tv) return WS_ENOMEM;
        r->tv = tv;
        r->captv = r->nvals;
    }
    /* Stable grouping by tag column: a counting sort. */
    size_t pos = 0;
    for (uint32_t t = 0; t < r->ntags; t++) {
        if (!r->counts[t]) continue;
        for (size_t i = 0; i < r->nvals; i++)
            if (r->vals[i].tag == t) r->tv[pos++] = ws_str_make((const char *)r->text.p + r->vals[i].off, r->vals[i].n);
    }
    out->date = r->date;
    out->date_bad = r->date_bad;
    out->date_off = r->date == WS_DATE_UNKNOWN ? 0 : r->date_off;
    out->dateline_no_year = r->dateline_no_year;
    out->ntags = r->ntags;
    out->tag_count = r->counts;
    out->tag_vals = r->tv;
    out->invalid_utf8 = r->invalid_utf8;
    return 0;
}

/* ---- the shared context ---- */
int ws_srcctx_init(ws_srcctx *c, const ws_source_opts *o)
{
    memset(c, 0, sizeof *c);
    c->tag_place = c->tag_agency = -1;
    if (o) c->o = *o;
    c->o.tag_keys = NULL; /* copied into tag_names by the readers that use them */
    int rc = ws_encoding_from_name(c->o.encoding, &c->enc);
    if (rc) return rc;
    c->max_record = c->o.max_record ? c->o.max_record : WS_SRC_DEFAULT_MAX_RECORD;
    if (c->o.date_format && *c->o.date_format) {
        if (!(c->date_format = ws_strndup(c->o.date_format, strlen(c->o.date_format)))) return WS_ENOMEM;
    }
    c->o.date_format = c->date_format;
    c->o.id_key = c->o.date_key = c->o.title_key = c->o.body_key = c->o.source_key = NULL;
    c->o.tag_from_dir = NULL;
    c->o.encoding = NULL;
    return 0;
}

void ws_srcctx_free(ws_srcctx *c)
{
    for (uint32_t i = 0; i < c->ntags; i++) ws_free(c->tag_names[i]);
    ws_free(c->tag_names);
    ws_free(c->date_format);
    ws_srcrec_free(&c->rec);
    ws_buf_free(&c->scratch);
    ws_buf_free(&c->scratch2);
    memset(c, 0, sizeof *c);
}

int ws_srcctx_tag(ws_srcctx *c, const char *name)
{
    for (uint32_t i = 0; i < c->ntags; i++)
        if (!strcmp(c->tag_names[i], name)) return (int)i;
    if (c->ntags >= 1024) return ws_error(WS_EINVAL, "too many tag columns");
    char **t = ws_realloc(c->tag_names, (c->ntags + 1) * sizeof *t);
    if (!t) return WS_ENOMEM;
    c->tag_names = t;
    if (!(t[c->ntags] = ws_strndup(name, strlen(name)))) return WS_ENOMEM;
    return (int)c->ntags++;
}

int ws_srcctx_tags_done(ws_srcctx *c) { return ws_srcrec_init(&c->rec, c->ntags); }

void ws_src_note(const ws_srcctx *c, const char *fmt, ...)
{
    if (!c->o.log) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->o.log, fmt, ap);
    va_end(ap);
    fputc('\n', c->o.log);
}

void ws_src_set_path(ws_srcctx *c, const char *path) { c->year_from_path = path ? ws_year_from_path(path) : 0; }

/* Unix seconds or milliseconds written as digits. */
static int parse_epoch(const char *s, size_t n, int64_t *out)
{
    size_t i = 0, digits = 0;
    int64_t v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (digits < 18) v = v * 10 + (s[i] - '0');
        digits++;
        i++;
    }
    if (i < n && s[i] == '.') {
        i++;
        size_t f = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == f) return WS_EFORMAT;
    }
    if (i != n) return WS_EFORMAT;
    if (digits >= 9 && digits <= 11) { *out = v; return 0; }
    if (digits >= 12 && digits <= 14) { *out = v / 1000; return 0; }
    return WS_EFORMAT;
}

int ws_src_parse_date_tz(const ws_srcctx *c, const char *s, size_t n, int64_t *out, int *off_min)
{
    int off = 0;
    ws_src_trim(&s, &n);
    if ((c->date_format && ws_date_parse_fmt_tz(s, n, c->date_format, out, &off) == 0) || ws_date_parse_tz(s, n, out, &off) == 0 ||
        parse_epoch(s, n, out) == 0) {
        if (off_min) *off_min = off;
        return 0;
    }
    return ws_error(WS_EFORMAT, "unrecognised date: \"%.*s\"", (int)(n > 60 ? 60 : n), s);
}

int ws_src_parse_date(const ws_srcctx *c, const char *s, size_t n, int64_t *out) { return ws_src_parse_date_tz(c, s, n, out, NULL); }

void ws_src_date_field(ws_srcctx *c, const char *s, size_t n)
{
    ws_src_trim(&s, &n);
    if (!n) return;
    int64_t t;
    int off;
    if (ws_src_parse_date_tz(c, s, n, &t, &off) == 0) {
        c->rec.date = t;
        c->rec.date_off = off;
        c->rec.date_bad = 0;
    } else {
        c->rec.date_bad = 1;
    }
}

int ws_src_dateline(ws_srcctx *c, const char *dl_text, size_t dl_n)
{
    ws_dateline dl;
    int found;
    if (dl_text) {
        found = ws_dateline_parse(dl_text, dl_n, WS_DL_WHOLE, &dl);
    } else if (c->o.datelines_off) {
        return 0;
    } else {
        ws_str body = ws_srcrec_get(&c->rec, WS_SR_BODY);
        found = body.n ? ws_dateline_find(body.p, body.n, &dl) : 0;
    }
    if (!found) return 0;
    int rc;
    if (c->tag_place >= 0 && dl.place[0] && !c->rec.counts[c->tag_place])
        if ((rc = ws_srcrec_tag(&c->rec, (uint32_t)c->tag_place, dl.place, strlen(dl.place), WS_ENC_UTF8))) return rc;
    if (c->tag_agency >= 0 && dl.agency[0] && !c->rec.counts[c->tag_agency])
        if ((rc = ws_srcrec_tag(&c->rec, (uint32_t)c->tag_agency, dl.agency, strlen(dl.agency), WS_ENC_UTF8))) return rc;
    if (c->rec.date == WS_DATE_UNKNOWN) {
        int year = c->o.year > 0 ? c->o.year : c->o.year == 0 ? c->year_from_path : 0;
        int64_t t = ws_dateline_date(&dl, year);
        if (t != WS_DATE_UNKNOWN) {
            c->rec.date = t;
            c->rec.date_off = 0;
        } else if (dl.month && dl.day && !dl.year && year <= 0) {
            c->rec.dateline_no_year = 1; /* counted by ingest, which suggests --year */
        }
    }
    return 0;
}
