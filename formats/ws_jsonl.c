/*
 * One JSONL line -> one ws_record, on top of the one-pass parser in
 * ws_json.c: it validates the whole line (grammar, UTF-8, escapes,
 * duplicate keys at every depth, nesting depth, number ranges) and copies
 * out only the top-level members this layer maps to columns, straight into
 * the scratch buffer `strs`. This file owns the policy of ws_jsonl.h: UTF-8
 * repair, which types each field accepts, how ids and dates are read.
 *
 * UTF-8 repair ("repair first, then parse"): the parser checks UTF-8 as it
 * goes, so a line that parses was valid and needs no separate pass. Only
 * when a parse fails do we look for invalid UTF-8; if there is some, the
 * line is repaired into `fixed` and parsed again, so the verdict and the
 * fields are exactly those of parsing the repaired line (the message then
 * says positions refer to the repaired line). A parse that fails on valid
 * UTF-8 is reported as is.
 *
 * Values handed out point into `strs`, which the parser fills and which
 * does not move once the parse is over (the only later append, a numeric
 * id rendered as text, happens before any pointer is taken).
 */
#include "ws_jsonl.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "ws_date.h"
#include "ws_dateline.h"
#include "ws_json.h"
#include "ws_utf8.h"

enum { K_ID, K_DATE, K_TITLE, K_BODY, K_SOURCE, K_COUNT };
enum { NFALLBACK = 3 };

struct ws_jsonl_parser {
    const char *key[K_COUNT]; /* key[K_BODY] NULL: body, text, content */
    size_t slot[K_COUNT];     /* member index of each key (K_BODY: when explicit) */
    size_t fb_slot[NFALLBACK];
    const char **tag_keys;
    size_t *tag_slot;
    size_t ntags;
    char *keymem;        /* copies of every key string */
    ws_json_parser *jp;  /* extracts the distinct keys above */
    ws_buf fixed;        /* the line after UTF-8 repair */
    ws_buf strs;         /* extracted values */
    uint32_t *tag_count; /* [ntags] */
    ws_str *vals;        /* tag values, vals_cap entries */
    size_t vals_cap;
    int datelines, year;
    size_t dl_tag[2];    /* tag lists of "place" and "agency" */
    size_t nextra;       /* of them, lists after tag_keys' */
    char dl_text[2][64]; /* the values found in this line */
};

static const char *const k_body_fallback[NFALLBACK] = {"body", "text", "content"};

/* Index of name in names[0..*n), appending it when new. */
static size_t intern(const char **names, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0) return i;
    names[*n] = name;
    return (*n)++;
}

ws_jsonl_parser *ws_jsonl_parser_create(const ws_jsonl_opts *o)
{
    static const char *const defaults[K_COUNT] = {"id", "date", "title", NULL, "source"};
    ws_jsonl_opts none = {0};
    if (!o) o = &none;
    const char *given[K_COUNT] = {o->id_key, o->date_key, o->title_key, o->body_key, o->source_key};

    ws_jsonl_parser *p = ws_calloc(1, sizeof *p);
    if (!p) return NULL;
    size_t bytes = 0, ntags = o->tag_keys ? o->ntags : 0;
    for (int i = 0; i < K_COUNT; i++)
        if (given[i]) bytes += strlen(given[i]) + 1;
    for (size_t i = 0; i < ntags; i++) bytes += strlen(o->tag_keys[i]) + 1;
    p->ntags = ntags;
    p->keymem = ws_malloc(bytes);
    p->tag_keys = ws_calloc(ntags, sizeof *p->tag_keys);
    p->tag_slot = ws_calloc(ntags, sizeof *p->tag_slot);
    p->tag_count = ws_calloc(ntags + 2, sizeof *p->tag_count);
    const char **names = ws_calloc(K_COUNT + NFALLBACK + ntags, sizeof *names);
    if (!p->keymem || !p->tag_keys || !p->tag_slot || !p->tag_count || !names) goto fail;
    char *w = p->keymem;
    for (int i = 0; i < K_COUNT; i++) {
        if (!given[i]) { p->key[i] = defaults[i]; continue; }
        size_t len = strlen(given[i]) + 1;
        memcpy(w, given[i], len);
        p->key[i] = w;
        w += len;
    }
    for (size_t i = 0; i < ntags; i++) {
        size_t len = strlen(o->tag_keys[i]) + 1;
        memcpy(w, o->tag_keys[i], len);
        p->tag_keys[i] = w;
        w += len;
    }
    /* The parser wants each distinct name once; several roles may share one. */
    size_t nnames = 0;
    for (int i = 0; i < K_COUNT; i++)
        if (p->key[i]) p->slot[i] = intern(names, &nnames, p->key[i]);
    if (!p->key[K_BODY])
        for (int f = 0; f < NFALLBACK; f++) p->fb_slot[f] = intern(names, &nnames, k_body_fallback[f]);
    for (size_t i = 0; i < ntags; i++) p->tag_slot[i] = intern(names, &nnames, p->tag_keys[i]);
    p->datelines = o->datelines != 0;
    for (int d = 0; d < 2 && p->datelines; d++) {
        const char *nm = d ? "agency" : "place";
        size_t i = 0;
        while (i < ntags && strcmp(p->tag_keys[i], nm)) i++;
        p->dl_tag[d] = i < ntags ? i : ntags + p->nextra++;
    }
    p->jp = ws_json_parser_create(names, nnames);
    if (!p->jp) goto fail;
    ws_free(names);
    return p;
fail:
    ws_free(names);
    ws_jsonl_parser_free(p);
    return NULL;
}

void ws_jsonl_parser_set_year(ws_jsonl_parser *p, int year) { p->year = year; }

size_t ws_jsonl_parser_ntags(const ws_jsonl_parser *p) { return p->ntags + p->nextra; }

/* A dateline opening the body: tags for empty place/agency lists, and the
 * date of an undated story. */
static void apply_dateline(ws_jsonl_parser *p, ws_record *rec)
{
    for (size_t e = 0; e < p->nextra; e++) p->tag_count[p->ntags + e] = 0;
    rec->ntags = (uint32_t)(p->ntags + p->nextra);
    ws_dateline dl;
    if (!rec->body.n || !ws_dateline_find(rec->body.p, rec->body.n, &dl)) return;
    const char *found[2] = {dl.place, dl.agency};
    for (int d = 0; d < 2; d++) {
        size_t t = p->dl_tag[d], at = 0, total = 0;
        if (!found[d][0] || p->tag_count[t]) continue;
        for (size_t k = 0; k < p->ntags + p->nextra; k++) {
            if (k < t) at += p->tag_count[k];
            total += p->tag_count[k];
        }
        /* the lists are stored one after the other: open a slot in t's */
        memmove(p->vals + at + 1, p->vals + at, (total - at) * sizeof *p->vals);
        size_t n = strlen(found[d]);
        memcpy(p->dl_text[d], found[d], n + 1);
        p->vals[at] = ws_str_make(p->dl_text[d], n);
        p->tag_count[t] = 1;
    }
    if (rec->date == WS_DATE_UNKNOWN) {
        int64_t t = ws_dateline_date(&dl, p->year);
        if (t != WS_DATE_UNKNOWN) {
            rec->date = t;
            rec->date_off = 0;
        } else if (dl.month && dl.day && !dl.year && p->year <= 0) {
            rec->dateline_no_year = 1;
        }
    }
}

void ws_jsonl_parser_free(ws_jsonl_parser *p)
{
    if (!p) return;
    ws_json_parser_free(p->jp);
    ws_buf_free(&p->fixed);
    ws_buf_free(&p->strs);
    ws_free(p->keymem);
    ws_free(p->tag_keys);
    ws_free(p->tag_slot);
    ws_free(p->tag_count);
    ws_free(p->vals);
    ws_free(p);
}

static int is_str(const ws_json_member *m) { return m->type == WS_JSON_STRING; }
static int is_none(const ws_json_member *m) { return m->type == WS_JSON_ABSENT || m->type == WS_JSON_NULL; }

/* Earliest and latest second of years 0001..9999, as for string dates. */
#define WS_DATE_MIN (-62135596800LL)
#define WS_DATE_MAX (253402300799LL)

static void read_date(ws_jsonl_parser *p, const ws_json_member *v, ws_record *rec)
{
    rec->date = WS_DATE_UNKNOWN;
    rec->date_bad = 0;
    rec->date_off = 0;
    if (is_none(v)) return;
    const char *text = (const char *)p->strs.p + v->text.off;
    int64_t t;
    if (v->type == WS_JSON_STRING) {
        int off;
        if (ws_date_parse_tz(text, v->text.n, &t, &off) == 0) {
            rec->date = t;
            rec->date_off = off;
            return;
        }
    } else if (v->type == WS_JSON_INTEGER) {
        int64_t i = ws_json_int64(text);
        if (i >= WS_DATE_MIN && i <= WS_DATE_MAX) {
            rec->date = i;
            return;
        }
        ws_error(WS_EFORMAT, "date %" PRId64 " is outside years 0001-9999", i);
    } else if (v->type == WS_JSON_REAL) {
        double x = ws_json_double(p->jp, text), d = floor(x);
        if (d >= (double)WS_DATE_MIN && d <= (double)WS_DATE_MAX) {
            rec->date = (int64_t)d;
            return;
        }
        ws_error(WS_EFORMAT, "date %.17g is outside years 0001-9999", x);
    } else {
        ws_error(WS_EFORMAT, "date is %s, expected a string or number", ws_json_type_name(v->type));
    }
    rec->date_bad = 1;
}

static int wrong_type(const char *key, const ws_json_member *v, const char *want)
{
    return ws_error(WS_EFORMAT, "key \"%s\": expected %s, found %s", key, want, ws_json_type_name(v->type));
}

static ws_str str_at(const ws_buf *b, ws_json_span s) { return ws_str_make((const char *)b->p + s.off, s.n); }

static ws_str member_str(const ws_buf *b, const ws_json_member *m)
{
    return is_str(m) ? str_at(b, m->text) : ws_str_make(NULL, 0);
}

static int is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int ws_jsonl_parse_line(ws_jsonl_parser *p, const char *line, size_t n, ws_record *rec)
{
    if (n && line[n - 1] == '\r') n--;
    size_t i = 0;
    while (i < n && is_json_space(line[i])) i++;
    if (i == n) return 1;

    ws_json_result res;
    size_t repaired = 0;
    ws_buf_reset(&p->strs);
    int rc = ws_json_parse(p->jp, line, n, &p->strs, &res);
    if (rc == WS_EFORMAT && ws_utf8_valid_prefix(line, n) < n) {
        ws_buf_reset(&p->fixed);
        long r = ws_utf8_sanitize(line, n, &p->fixed);
        if (r < 0) return (int)r;
        repaired = (size_t)r;
        ws_buf_reset(&p->strs);
        rc = ws_json_parse(p->jp, (const char *)p->fixed.p, p->fixed.n, &p->strs, &res);
        if (rc == WS_EFORMAT)
            rc = ws_error(WS_EFORMAT, "invalid JSON at column %zu (byte %zu of the UTF-8-repaired line): %s",
                          res.err_column, res.err_byte, res.err_reason);
    }
    if (rc) return rc;
    if (res.top != WS_JSON_OBJECT)
        return ws_error(WS_EFORMAT, "not a JSON object (the line holds %s)", ws_json_type_name(res.top));

    const ws_json_member *m = res.member;
    const ws_json_member *v[K_COUNT];
    static const ws_json_member absent = {.type = WS_JSON_ABSENT};
    const char *body_key = p->key[K_BODY];
    for (int k = 0; k < K_COUNT; k++) v[k] = p->key[k] ? &m[p->slot[k]] : &absent;
    if (!body_key) {
        body_key = k_body_fallback[0];
        for (int f = 0; f < NFALLBACK; f++) {
            const ws_json_member *b = &m[p->fb_slot[f]];
            if (!is_none(b)) {
                v[K_BODY] = b;
                body_key = k_body_fallback[f];
                break;
            }
        }
    }

    char idnum[40];
    size_t idnum_len = 0;
    const ws_json_member *id = v[K_ID];
    if (id->type == WS_JSON_INTEGER) {
        idnum_len = (size_t)snprintf(idnum, sizeof idnum, "%" PRId64,
                                     ws_json_int64((const char *)p->strs.p + id->text.off));
    } else if (id->type == WS_JSON_REAL) {
        idnum_len = (size_t)snprintf(idnum, sizeof idnum, "%.17g",
                                     ws_json_double(p->jp, (const char *)p->strs.p + id->text.off));
    } else if (!is_str(id) && !is_none(id)) {
        return wrong_type(p->key[K_ID], id, "a string or number");
    }
    static const int text_fields[] = {K_TITLE, K_BODY, K_SOURCE};
    for (size_t f = 0; f < 3; f++) {
        int k = text_fields[f];
        const ws_json_member *x = v[k];
        if (!is_none(x) && !is_str(x)) return wrong_type(k == K_BODY ? body_key : p->key[k], x, "a string or null");
    }
    size_t nvals = 0;
    for (size_t t = 0; t < p->ntags; t++) {
        const ws_json_member *x = &m[p->tag_slot[t]];
        size_t cnt = 0;
        if (is_none(x)) {
            /* no values */
        } else if (is_str(x)) {
            cnt = x->text.n != 0;
        } else if (x->type == WS_JSON_ARRAY) {
            if (x->bad_index != SIZE_MAX)
                return ws_error(WS_EFORMAT, "key \"%s\": element %zu is %s, expected a string", p->tag_keys[t],
                                x->bad_index, ws_json_type_name(x->bad_type));
            for (size_t e = 0; e < x->count; e++) cnt += res.elems[x->first + e].n != 0;
        } else {
            return wrong_type(p->tag_keys[t], x, "a string, an array of strings or null");
        }
        if (cnt > UINT32_MAX) return ws_error(WS_ETOOBIG, "key \"%s\": more than 2^32-1 values", p->tag_keys[t]);
        p->tag_count[t] = (uint32_t)cnt;
        nvals += cnt;
    }

    nvals += 2; /* room for dateline tags */
    if (nvals > p->vals_cap) {
        size_t cap = p->vals_cap * 2 > nvals ? p->vals_cap * 2 : nvals;
        ws_str *nv = ws_realloc(p->vals, cap * sizeof *nv);
        if (!nv) return ws_error(WS_ENOMEM, "out of memory for %zu tag values", cap);
        p->vals = nv;
        p->vals_cap = cap;
    }
    /* The last append to strs: every pointer below is taken after it. */
    ws_json_span idspan = {0, 0};
    if (idnum_len) {
        idspan.off = p->strs.n;
        idspan.n = idnum_len;
        if ((rc = ws_buf_append(&p->strs, idnum, idnum_len + 1))) return rc;
    }

    memset(rec, 0, sizeof *rec);
    rec->id = idnum_len ? str_at(&p->strs, idspan) : member_str(&p->strs, id);
    rec->title = member_str(&p->strs, v[K_TITLE]);
    rec->body = member_str(&p->strs, v[K_BODY]);
    rec->source = member_str(&p->strs, v[K_SOURCE]);
    size_t w = 0;
    for (size_t t = 0; t < p->ntags; t++) {
        const ws_json_member *x = &m[p->tag_slot[t]];
        if (!p->tag_count[t]) continue;
        if (is_str(x)) {
            p->vals[w++] = str_at(&p->strs, x->text);
            continue;
        }
        for (size_t e = 0; e < x->count; e++)
            if (res.elems[x->first + e].n) p->vals[w++] = str_at(&p->strs, res.elems[x->first + e]);
    }
    rec->ntags = (uint32_t)p->ntags;
    rec->tag_count = p->tag_count;
    rec->tag_vals = p->vals;
    rec->invalid_utf8 = repaired;
    read_date(p, v[K_DATE], rec);
    if (p->datelines) apply_dateline(p, rec);
    return 0;
}
