/*
 * One JSONL line -> one ws_record. The line is first checked for valid
 * UTF-8 (an 8-bytes-at-a-time scan that costs little next to parsing) and
 * repaired into a scratch buffer only when needed, because jansson rejects
 * invalid UTF-8 outright and wirescan's policy is to keep such stories with
 * U+FFFD. Jansson then builds a tree for the whole line: that validates the
 * full grammar (including keys we ignore), rejects duplicate keys and bounds
 * nesting depth. Two passes over the fields we use follow: the first checks
 * types and sums the bytes to copy, the second copies every value into one
 * scratch buffer reserved up front, so pointers handed out never move and
 * no allocation happens per field. The jansson tree is freed before
 * returning.
 *
 * Hash seed: jansson seeds its object hash on first use from /dev/urandom
 * (thread-safely). Nothing here depends on iteration order (fields are looked
 * up by name), so results are deterministic anyway, and a fixed seed would
 * invite hash-flooding with crafted keys; we leave the seed alone.
 * Allocation: jansson's own allocations use jansson's allocator (changing it
 * is process-global, which a library must not do behind its host's back);
 * an out-of-memory inside jansson is still reported as WS_ENOMEM.
 */
#include "ws_jsonl.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "ws_date.h"
#include "ws_utf8.h"

enum { K_ID, K_DATE, K_TITLE, K_BODY, K_SOURCE, K_COUNT };

struct ws_jsonl_parser {
    const char *key[K_COUNT]; /* key[K_BODY] NULL: body, text, content */
    const char **tag_keys;
    size_t ntags;
    char *keymem;        /* copies of every key string */
    ws_buf fixed;        /* the line after UTF-8 repair */
    ws_buf strs;         /* copied values, reserved once per line */
    uint32_t *tag_count; /* [ntags] */
    json_t **tag_json;   /* [ntags] */
    ws_str *vals;        /* tag values, vals_cap entries */
    size_t vals_cap;
};

static const char *const k_body_fallback[] = {"body", "text", "content"};

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
    p->tag_count = ws_calloc(ntags, sizeof *p->tag_count);
    p->tag_json = ws_calloc(ntags, sizeof *p->tag_json);
    if (!p->keymem || !p->tag_keys || !p->tag_count || !p->tag_json) {
        ws_jsonl_parser_free(p);
        return NULL;
    }
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
    return p;
}

void ws_jsonl_parser_free(ws_jsonl_parser *p)
{
    if (!p) return;
    ws_buf_free(&p->fixed);
    ws_buf_free(&p->strs);
    ws_free(p->keymem);
    ws_free(p->tag_keys);
    ws_free(p->tag_count);
    ws_free(p->tag_json);
    ws_free(p->vals);
    ws_free(p);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* Copy s[0..n) plus a NUL into b, which has room (reserved by the caller). */
static ws_str put(ws_buf *b, const char *s, size_t n)
{
    char *d = (char *)b->p + b->n;
    if (n) memcpy(d, s, n);
    d[n] = 0;
    b->n += n + 1;
    return ws_str_make(d, n);
}

static ws_str put_json_string(ws_buf *b, const json_t *v)
{
    if (!v || !json_is_string(v)) return ws_str_make(NULL, 0);
    return put(b, json_string_value(v), json_string_length(v));
}

/* Earliest and latest second of years 0001..9999, as for string dates. */
#define WS_DATE_MIN (-62135596800LL)
#define WS_DATE_MAX (253402300799LL)

static void read_date(const json_t *v, ws_record *rec)
{
    rec->date = WS_DATE_UNKNOWN;
    rec->date_bad = 0;
    if (!v || json_is_null(v)) return;
    int64_t t;
    if (json_is_string(v)) {
        if (ws_date_parse(json_string_value(v), json_string_length(v), &t) == 0) {
            rec->date = t;
            return;
        }
    } else if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i >= WS_DATE_MIN && i <= WS_DATE_MAX) {
            rec->date = (int64_t)i;
            return;
        }
        ws_error(WS_EFORMAT, "date %" JSON_INTEGER_FORMAT " is outside years 0001-9999", i);
    } else if (json_is_real(v)) {
        double d = floor(json_real_value(v));
        if (d >= (double)WS_DATE_MIN && d <= (double)WS_DATE_MAX) {
            rec->date = (int64_t)d;
            return;
        }
        ws_error(WS_EFORMAT, "date %.17g is outside years 0001-9999", json_real_value(v));
    } else {
        ws_error(WS_EFORMAT, "date is %s, expected a string or number", type_name(v));
    }
    rec->date_bad = 1;
}

static int wrong_type(const char *key, const json_t *v, const char *want)
{
    return ws_error(WS_EFORMAT, "key \"%s\": expected %s, found %s", key, want, type_name(v));
}

static int load_fail(const json_error_t *err, size_t repaired)
{
    if (json_error_code(err) == json_error_out_of_memory)
        return ws_error(WS_ENOMEM, "out of memory parsing JSON");
    return ws_error(WS_EFORMAT, "invalid JSON at column %d (byte %d%s): %s", err->column, err->position,
                    repaired ? " of the UTF-8-repaired line" : "", err->text);
}

static int is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int ws_jsonl_parse_line(ws_jsonl_parser *p, const char *line, size_t n, ws_record *rec)
{
    if (n && line[n - 1] == '\r') n--;
    size_t i = 0;
    while (i < n && is_json_space(line[i])) i++;
    if (i == n) return 1;

    /* jansson's buffer reader stops at a NUL byte as if the input ended
     * there, so "{...}\0garbage" would parse; a raw NUL is never valid JSON
     * text (inside strings it must be escaped as \u0000). */
    const char *nul = memchr(line, 0, n);
    if (nul) return ws_error(WS_EFORMAT, "invalid JSON: raw NUL byte at offset %zu", (size_t)(nul - line));

    size_t repaired = 0;
    if (ws_utf8_valid_prefix(line, n) < n) {
        ws_buf_reset(&p->fixed);
        long r = ws_utf8_sanitize(line, n, &p->fixed);
        if (r < 0) return (int)r;
        repaired = (size_t)r;
        line = (const char *)p->fixed.p;
        n = p->fixed.n;
    }

    json_error_t err;
    json_t *root = json_loadb(line, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
    if (!root) return load_fail(&err, repaired);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = ws_error(WS_EFORMAT, "not a JSON object (the line holds %s)", type_name(root));
        goto out;
    }

    /* Pass 1: types and sizes. */
    json_t *v[K_COUNT];
    const char *body_key = p->key[K_BODY];
    for (int k = 0; k < K_COUNT; k++)
        v[k] = p->key[k] ? json_object_get(root, p->key[k]) : NULL;
    if (!body_key) {
        body_key = k_body_fallback[0];
        for (size_t f = 0; f < sizeof k_body_fallback / sizeof k_body_fallback[0]; f++) {
            json_t *b = json_object_get(root, k_body_fallback[f]);
            if (b && !json_is_null(b)) {
                v[K_BODY] = b;
                body_key = k_body_fallback[f];
                break;
            }
        }
    }

    char idnum[40];
    size_t idnum_len = 0, need = 0;
    json_t *id = v[K_ID];
    if (id && json_is_integer(id)) {
        idnum_len = (size_t)snprintf(idnum, sizeof idnum, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        need += idnum_len + 1;
    } else if (id && json_is_real(id)) {
        idnum_len = (size_t)snprintf(idnum, sizeof idnum, "%.17g", json_real_value(id));
        need += idnum_len + 1;
    } else if (id && json_is_string(id)) {
        need += json_string_length(id) + 1;
    } else if (id && !json_is_null(id)) {
        rc = wrong_type(p->key[K_ID], id, "a string or number");
        goto out;
    }
    static const int text_fields[] = {K_TITLE, K_BODY, K_SOURCE};
    for (size_t f = 0; f < 3; f++) {
        int k = text_fields[f];
        json_t *x = v[k];
        if (!x || json_is_null(x)) continue;
        if (!json_is_string(x)) {
            rc = wrong_type(k == K_BODY ? body_key : p->key[k], x, "a string or null");
            goto out;
        }
        need += json_string_length(x) + 1;
    }
    size_t nvals = 0;
    for (size_t t = 0; t < p->ntags; t++) {
        json_t *x = json_object_get(root, p->tag_keys[t]);
        size_t cnt = 0;
        p->tag_json[t] = x;
        if (!x || json_is_null(x)) {
            /* no values */
        } else if (json_is_string(x)) {
            size_t len = json_string_length(x);
            if (len) cnt = 1, need += len + 1;
        } else if (json_is_array(x)) {
            size_t idx;
            json_t *e;
            json_array_foreach(x, idx, e) {
                if (!json_is_string(e)) {
                    rc = ws_error(WS_EFORMAT, "key \"%s\": element %zu is %s, expected a string", p->tag_keys[t],
                                  idx, type_name(e));
                    goto out;
                }
                size_t len = json_string_length(e);
                if (len) cnt++, need += len + 1;
            }
        } else {
            rc = wrong_type(p->tag_keys[t], x, "a string, an array of strings or null");
            goto out;
        }
        if (cnt > UINT32_MAX) {
            rc = ws_error(WS_ETOOBIG, "key \"%s\": more than 2^32-1 values", p->tag_keys[t]);
            goto out;
        }
        p->tag_count[t] = (uint32_t)cnt;
        nvals += cnt;
    }

    /* Pass 2: reserve once, then copy (pointers into strs stay put). */
    ws_buf_reset(&p->strs);
    if (need && (rc = ws_buf_reserve(&p->strs, need))) goto out;
    if (nvals > p->vals_cap) {
        size_t cap = p->vals_cap * 2 > nvals ? p->vals_cap * 2 : nvals;
        ws_str *nv = ws_realloc(p->vals, cap * sizeof *nv);
        if (!nv) {
            rc = ws_error(WS_ENOMEM, "out of memory for %zu tag values", cap);
            goto out;
        }
        p->vals = nv;
        p->vals_cap = cap;
    }

    memset(rec, 0, sizeof *rec);
    if (idnum_len) rec->id = put(&p->strs, idnum, idnum_len);
    else rec->id = put_json_string(&p->strs, id);
    rec->title = put_json_string(&p->strs, v[K_TITLE]);
    rec->body = put_json_string(&p->strs, v[K_BODY]);
    rec->source = put_json_string(&p->strs, v[K_SOURCE]);
    size_t w = 0;
    for (size_t t = 0; t < p->ntags; t++) {
        json_t *x = p->tag_json[t];
        if (!x || !p->tag_count[t]) continue;
        if (json_is_string(x)) {
            p->vals[w++] = put_json_string(&p->strs, x);
            continue;
        }
        size_t idx;
        json_t *e;
        json_array_foreach(x, idx, e) {
            if (json_string_length(e)) p->vals[w++] = put_json_string(&p->strs, e);
        }
    }
    rec->ntags = (uint32_t)p->ntags;
    rec->tag_count = p->tag_count;
    rec->tag_vals = p->vals;
    rec->invalid_utf8 = repaired;
    read_date(v[K_DATE], rec);
out:
    json_decref(root);
    return rc;
}
