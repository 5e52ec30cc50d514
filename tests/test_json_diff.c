/*
 * Differential tests of the hand-written JSON parser (formats/ws_json.c)
 * against jansson, the library it replaced and the one DESIGN says it must
 * be fuzzed against. Two layers are compared on the same inputs:
 *
 * - json layer: ws_json_parse() against json_loadb(JSON_REJECT_DUPLICATES |
 *   JSON_ALLOW_NUL | JSON_DECODE_ANY) on the raw bytes (no UTF-8 repair):
 *   same verdict, same top-level type, and for the requested members the
 *   same type and value (string bytes, integer value, real value bit for
 *   bit, the string elements of arrays and the first non-string element).
 * - jsonl layer: ws_jsonl_parse_line() against ref_parse_line() below, a
 *   copy of the jansson-based ws_jsonl.c it replaced (blank lines, NUL
 *   rule, UTF-8 repair, top-level object rule, field types, ids, dates,
 *   tags): same return code and, for accepted lines, the same id, title,
 *   body, source, date, date_bad, tags and invalid_utf8 count.
 *
 * Inputs: every file of the JSONTestSuite, raw and wrapped as {"v": FILE};
 * hand-picked edge cases (depth limits, int64 and double limits, objects
 * past the linear duplicate check, escaped keys); and 200,000 lines from a
 * seeded generator of valid objects with random nesting, escapes, Unicode
 * and numbers, half of them then mutated (byte flips, insertions,
 * deletions, truncations).
 *
 * Intentional differences, by construction not counted as disagreements:
 * - Raw NUL bytes. jansson's buffer reader treats a NUL as the end of its
 *   input, so "{...}\0junk" can load; a raw NUL is never valid JSON text and
 *   ws_jsonl has always rejected such lines (before this parser too). The
 *   json layer therefore takes "contains a raw NUL" as a reject on the
 *   jansson side.
 * - Error messages and positions: both sides reject, but the texts differ
 *   (and where a line has two defects, each may name a different one).
 *   Only verdicts are compared.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_date.h"
#include "ws_json.h"
#include "ws_jsonl.h"
#include "ws_utf8.h"

#define JFLAGS (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY)

/* ---- small helpers ---- */

static void buf_add(ws_buf *b, const void *p, size_t n) { cr_assert_eq(ws_buf_append(b, p, n), 0); }
static void buf_str(ws_buf *b, const char *s) { buf_add(b, s, strlen(s)); }
static void buf_fmt(ws_buf *b, const char *fmt, ...) WS_PRINTF(2, 3);
static void buf_fmt(ws_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    buf_add(b, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* Printable rendering of s[0..n) for failure messages (static buffer). */
static const char *show(const void *sv, size_t n)
{
    static char out[1400];
    const unsigned char *s = sv;
    size_t w = 0;
    for (size_t i = 0; i < n && w < sizeof out - 16; i++) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7F && c != '\\') out[w++] = (char)c;
        else w += (size_t)snprintf(out + w, sizeof out - w, "\\x%02X", c);
    }
    if (w >= sizeof out - 16) w += (size_t)snprintf(out + w, sizeof out - w, "...");
    out[w] = 0;
    return out;
}

static ws_json_type jtype(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return WS_JSON_OBJECT;
    case JSON_ARRAY: return WS_JSON_ARRAY;
    case JSON_STRING: return WS_JSON_STRING;
    case JSON_INTEGER: return WS_JSON_INTEGER;
    case JSON_REAL: return WS_JSON_REAL;
    case JSON_TRUE: return WS_JSON_TRUE;
    case JSON_FALSE: return WS_JSON_FALSE;
    case JSON_NULL: return WS_JSON_NULL;
    }
    return WS_JSON_ABSENT;
}

/* ---- json layer: ws_json_parse against json_loadb ---- */

static const char *const k_json_keys[] = {"id", "title", "body", "text", "content", "source", "date",
                                          "tags", "topics", "v", "a", "", "\xC3\xA9t\xC3\xA9"};
#define NJSON_KEYS (sizeof k_json_keys / sizeof k_json_keys[0])

typedef struct stats {
    size_t cases, accepted, rejected, mismatches;
} stats;

static void mismatch(stats *st, const char *layer, const char *what, const char *line, size_t n)
{
    if (st->mismatches++ < 12) cr_log_error("%s layer: %s\n  line (%zu bytes): %s", layer, what, n, show(line, n));
}

/* Compare one requested member; returns a reason or NULL. */
static const char *member_diff(ws_json_parser *jp, const ws_buf *out, const ws_json_result *res,
                               const ws_json_member *m, const json_t *jv, char *why, size_t whyn)
{
    if (!jv) return m->type == WS_JSON_ABSENT ? NULL : "present here, absent in jansson";
    ws_json_type t = jtype(jv);
    if (m->type != t) {
        snprintf(why, whyn, "type %s here, %s in jansson", ws_json_type_name(m->type), ws_json_type_name(t));
        return why;
    }
    const char *text = (const char *)out->p + m->text.off;
    switch (t) {
    case WS_JSON_STRING:
        if (m->text.n != json_string_length(jv) || memcmp(text, json_string_value(jv), m->text.n) != 0)
            return "string bytes differ";
        if (text[m->text.n] != 0) return "string not NUL-terminated";
        break;
    case WS_JSON_INTEGER:
        if (ws_json_int64(text) != json_integer_value(jv)) return "integer value differs";
        break;
    case WS_JSON_REAL: {
        double a = ws_json_double(jp, text), b = json_real_value(jv);
        if (memcmp(&a, &b, sizeof a) != 0) {
            snprintf(why, whyn, "real %.17g here, %.17g in jansson", a, b);
            return why;
        }
        break;
    }
    case WS_JSON_ARRAY: {
        size_t idx, nstr = 0, bad = SIZE_MAX;
        json_t *e;
        ws_json_type bt = WS_JSON_ABSENT;
        json_array_foreach(jv, idx, e) {
            if (!json_is_string(e)) {
                if (bad == SIZE_MAX) bad = idx, bt = jtype(e);
                continue;
            }
            if (nstr >= m->count) return "fewer string elements";
            ws_json_span sp = res->elems[m->first + nstr++];
            if (sp.n != json_string_length(e) || memcmp(out->p + sp.off, json_string_value(e), sp.n) != 0)
                return "array element bytes differ";
        }
        if (nstr != m->count) return "more string elements";
        if (bad != m->bad_index || (bad != SIZE_MAX && bt != m->bad_type)) return "first non-string element differs";
        break;
    }
    default:
        break;
    }
    return NULL;
}

static void check_json_layer(ws_json_parser *jp, ws_buf *out, const char *line, size_t n, stats *st)
{
    json_error_t err;
    json_t *root = memchr(line, 0, n) ? NULL : json_loadb(line, n, JFLAGS, &err);
    ws_json_result res;
    ws_buf_reset(out);
    ws_error_clear();
    int rc = ws_json_parse(jp, line, n, out, &res);
    st->cases++;
    if (rc != 0 && rc != WS_EFORMAT) {
        mismatch(st, "json", "unexpected return code", line, n);
    } else if ((rc == 0) != (root != NULL)) {
        char what[512];
        snprintf(what, sizeof what, "verdict differs: here %s (%s), jansson %s (%s)", rc ? "reject" : "accept",
                 rc ? ws_last_error() : "-", root ? "accept" : "reject", root ? "-" : err.text);
        mismatch(st, "json", what, line, n);
    } else if (rc == 0) {
        st->accepted++;
        if (res.top != jtype(root)) mismatch(st, "json", "top-level type differs", line, n);
        for (size_t k = 0; k < NJSON_KEYS; k++) {
            const json_t *jv = json_is_object(root) ? json_object_get(root, k_json_keys[k]) : NULL;
            char why[160], what[300];
            const char *d = member_diff(jp, out, &res, &res.member[k], jv, why, sizeof why);
            if (d) {
                snprintf(what, sizeof what, "key \"%s\": %s", show(k_json_keys[k], strlen(k_json_keys[k])), d);
                mismatch(st, "json", what, line, n);
            }
        }
    } else {
        st->rejected++;
        cr_expect(res.err_reason && *res.err_reason, "no reason for a reject");
    }
    json_decref(root);
}

/* ---- jsonl layer: the jansson-based reference (the old ws_jsonl.c) ---- */

typedef struct ref_opts {
    const char *id_key, *date_key, *title_key, *body_key, *source_key;
    const char *const *tag_keys;
    size_t ntags;
} ref_opts;

static void ser_str(ws_buf *b, const char *name, const char *p, size_t n)
{
    if (!p) {
        buf_fmt(b, "%s=NULL;", name);
        return;
    }
    buf_fmt(b, "%s=%zu:", name, n);
    buf_add(b, p, n);
    buf_str(b, ";");
}

static void ser_json_str(ws_buf *b, const char *name, const json_t *v)
{
    if (v && json_is_string(v)) ser_str(b, name, json_string_value(v), json_string_length(v));
    else ser_str(b, name, NULL, 0);
}

#define WS_DATE_MIN (-62135596800LL)
#define WS_DATE_MAX (253402300799LL)

/* The old ws_jsonl_parse_line, writing the record as text into ser. */
static int ref_parse_line(const ref_opts *o, const char *line, size_t n, ws_buf *ser)
{
    if (n && line[n - 1] == '\r') n--;
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n' || line[i] == '\r')) i++;
    if (i == n) return 1;
    if (memchr(line, 0, n)) return WS_EFORMAT;
    ws_buf fixed = {0};
    size_t repaired = 0;
    if (ws_utf8_valid_prefix(line, n) < n) {
        long r = ws_utf8_sanitize(line, n, &fixed);
        cr_assert(r >= 0);
        repaired = (size_t)r;
        line = (const char *)fixed.p;
        n = fixed.n;
    }
    json_error_t err;
    json_t *root = json_loadb(line, n, JFLAGS, &err);
    ws_buf_free(&fixed);
    int rc = WS_EFORMAT;
    if (!root || !json_is_object(root)) goto out;
    json_t *id = json_object_get(root, o->id_key), *date = json_object_get(root, o->date_key);
    json_t *title = json_object_get(root, o->title_key), *source = json_object_get(root, o->source_key);
    json_t *body = o->body_key ? json_object_get(root, o->body_key) : NULL;
    if (!o->body_key) {
        static const char *const fb[] = {"body", "text", "content"};
        for (size_t f = 0; f < 3; f++) {
            json_t *b = json_object_get(root, fb[f]);
            if (b && !json_is_null(b)) {
                body = b;
                break;
            }
        }
    }
    if (id && !json_is_integer(id) && !json_is_real(id) && !json_is_string(id) && !json_is_null(id)) goto out;
    json_t *text_fields[] = {title, body, source};
    for (size_t f = 0; f < 3; f++)
        if (text_fields[f] && !json_is_null(text_fields[f]) && !json_is_string(text_fields[f])) goto out;
    for (size_t t = 0; t < o->ntags; t++) {
        json_t *x = json_object_get(root, o->tag_keys[t]);
        if (!x || json_is_null(x) || json_is_string(x)) continue;
        if (!json_is_array(x)) goto out;
        size_t idx;
        json_t *e;
        json_array_foreach(x, idx, e) if (!json_is_string(e)) goto out;
    }
    rc = 0;
    char idnum[40];
    if (id && json_is_integer(id)) {
        int k = snprintf(idnum, sizeof idnum, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        ser_str(ser, "id", idnum, (size_t)k);
    } else if (id && json_is_real(id)) {
        int k = snprintf(idnum, sizeof idnum, "%.17g", json_real_value(id));
        ser_str(ser, "id", idnum, (size_t)k);
    } else {
        ser_json_str(ser, "id", id);
    }
    ser_json_str(ser, "title", title);
    ser_json_str(ser, "body", body);
    ser_json_str(ser, "source", source);
    for (size_t t = 0; t < o->ntags; t++) {
        json_t *x = json_object_get(root, o->tag_keys[t]);
        buf_fmt(ser, "tag%zu[", t);
        if (x && json_is_string(x) && json_string_length(x)) ser_json_str(ser, "", x);
        if (x && json_is_array(x)) {
            size_t idx;
            json_t *e;
            json_array_foreach(x, idx, e) if (json_string_length(e)) ser_json_str(ser, "", e);
        }
        buf_str(ser, "]");
    }
    int64_t d = WS_DATE_UNKNOWN, t64;
    int bad = 0;
    if (!date || json_is_null(date)) {
        /* unknown */
    } else if (json_is_string(date)) {
        if (ws_date_parse(json_string_value(date), json_string_length(date), &t64) == 0) d = t64;
        else bad = 1;
    } else if (json_is_integer(date)) {
        json_int_t v = json_integer_value(date);
        if (v >= WS_DATE_MIN && v <= WS_DATE_MAX) d = v;
        else bad = 1;
    } else if (json_is_real(date)) {
        double f = floor(json_real_value(date));
        if (f >= (double)WS_DATE_MIN && f <= (double)WS_DATE_MAX) d = (int64_t)f;
        else bad = 1;
    } else {
        bad = 1;
    }
    buf_fmt(ser, "date=%" PRId64 ";bad=%d;utf8=%zu", d, bad, repaired);
out:
    json_decref(root);
    return rc;
}

static void ser_record(const ws_record *r, ws_buf *ser)
{
    ser_str(ser, "id", r->id.p, r->id.n);
    ser_str(ser, "title", r->title.p, r->title.n);
    ser_str(ser, "body", r->body.p, r->body.n);
    ser_str(ser, "source", r->source.p, r->source.n);
    size_t k = 0;
    for (uint32_t t = 0; t < r->ntags; t++) {
        buf_fmt(ser, "tag%u[", t);
        for (uint32_t j = 0; j < r->tag_count[t]; j++, k++) ser_str(ser, "", r->tag_vals[k].p, r->tag_vals[k].n);
        buf_str(ser, "]");
    }
    buf_fmt(ser, "date=%" PRId64 ";bad=%d;utf8=%zu", r->date, r->date_bad, r->invalid_utf8);
}

/* One mapping of keys to fields, as both sides see it. */
typedef struct config {
    ws_jsonl_opts opts;
    ref_opts ref;
    ws_jsonl_parser *p;
} config;

static const char *const k_tags_default[] = {"tags", "topics"};
static const char *const k_tags_v[] = {"v", "a"};

static void configs_init(config c[3])
{
    /* 0: defaults with two tag keys; 1: everything mapped onto "v"-ish keys,
     * with one key feeding several fields; 2: an explicit body key. */
    c[0].opts = (ws_jsonl_opts){NULL, NULL, NULL, NULL, NULL, k_tags_default, 2, 0};
    c[0].ref = (ref_opts){"id", "date", "title", NULL, "source", k_tags_default, 2};
    c[1].opts = (ws_jsonl_opts){"v", "v", "title", "body", "a", k_tags_v, 2, 0};
    c[1].ref = (ref_opts){"v", "v", "title", "body", "a", k_tags_v, 2};
    c[2].opts = (ws_jsonl_opts){"a", "date", "v", "text", "", NULL, 0, 0};
    c[2].ref = (ref_opts){"a", "date", "v", "text", "", NULL, 0};
    for (int i = 0; i < 3; i++) {
        c[i].p = ws_jsonl_parser_create(&c[i].opts);
        cr_assert_not_null(c[i].p);
    }
}

static void configs_free(config c[3])
{
    for (int i = 0; i < 3; i++) ws_jsonl_parser_free(c[i].p);
}

static void check_jsonl_layer(config *c, const char *line, size_t n, stats *st)
{
    ws_buf a = {0}, b = {0};
    ws_record rec;
    ws_error_clear();
    int rc = ws_jsonl_parse_line(c->p, line, n, &rec);
    int want = ref_parse_line(&c->ref, line, n, &b);
    st->cases++;
    if (rc != want) {
        char what[512];
        snprintf(what, sizeof what, "return code %d here (%s), %d in the jansson reference", rc,
                 rc ? ws_last_error() : "-", want);
        mismatch(st, "jsonl", what, line, n);
    } else if (rc == 0) {
        st->accepted++;
        ser_record(&rec, &a);
        if (a.n != b.n || memcmp(a.p, b.p, a.n) != 0) {
            char what[1200];
            snprintf(what, sizeof what, "records differ:\n  here: %s", show(a.p, a.n));
            snprintf(what + strlen(what), sizeof what - strlen(what), "\n  ref:  %s", show(b.p, b.n));
            mismatch(st, "jsonl", what, line, n);
        }
    } else {
        st->rejected++;
    }
    ws_buf_free(&a);
    ws_buf_free(&b);
}

/* Both layers, every config. */
typedef struct harness {
    ws_json_parser *jp;
    ws_buf out;
    config cfg[3];
    stats json, jsonl;
} harness;

static void harness_init(harness *h)
{
    memset(h, 0, sizeof *h);
    h->jp = ws_json_parser_create(k_json_keys, NJSON_KEYS);
    cr_assert_not_null(h->jp);
    configs_init(h->cfg);
}

static void harness_free(harness *h)
{
    ws_json_parser_free(h->jp);
    ws_buf_free(&h->out);
    configs_free(h->cfg);
}

static void check_line(harness *h, const char *line, size_t n, int all_configs)
{
    check_json_layer(h->jp, &h->out, line, n, &h->json);
    for (int i = 0; i < (all_configs ? 3 : 1); i++) check_jsonl_layer(&h->cfg[i], line, n, &h->jsonl);
}

static void harness_report(harness *h, const char *name)
{
    cr_log_info("%s: json layer %zu cases (%zu accepted, %zu rejected), jsonl layer %zu cases (%zu accepted, "
                "%zu rejected)",
                name, h->json.cases, h->json.accepted, h->json.rejected, h->jsonl.cases, h->jsonl.accepted,
                h->jsonl.rejected);
    cr_expect_eq(h->json.mismatches, 0, "%s: %zu json-layer disagreements with jansson", name, h->json.mismatches);
    cr_expect_eq(h->jsonl.mismatches, 0, "%s: %zu jsonl-layer disagreements with the reference", name,
                 h->jsonl.mismatches);
}

/* ---- (a) JSONTestSuite ---- */

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap);
    for (size_t got; b && (got = fread(b + len, 1, cap - len, f)) > 0;) {
        len += got;
        if (len == cap) b = realloc(b, cap *= 2);
    }
    fclose(f);
    *n = len;
    return b;
}

Test(json_diff, json_test_suite)
{
    const char *dir = WS_SRC_DIR "/../shared/testdata/JSONTestSuite/test_parsing";
    DIR *d = opendir(dir);
    if (!d) cr_skip_test("JSONTestSuite not found at %s", dir);
    harness h;
    harness_init(&h);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 6 || strcmp(e->d_name + nl - 5, ".json") != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n;
        char *buf = slurp(path, &n);
        cr_assert_not_null(buf, "cannot read %s", path);
        files++;
        size_t before = h.json.mismatches + h.jsonl.mismatches;
        /* As is, without its final newline (a JSONL reader strips it), and wrapped. */
        check_line(&h, buf, n, 1);
        size_t m = n && buf[n - 1] == '\n' ? n - 1 : n;
        if (m != n) check_line(&h, buf, m, 1);
        char *w = malloc(m + 8);
        cr_assert_not_null(w);
        memcpy(w, "{\"v\":", 5);
        memcpy(w + 5, buf, m);
        w[m + 5] = '}';
        check_line(&h, w, m + 6, 1);
        if (h.json.mismatches + h.jsonl.mismatches != before) cr_log_error("... in %s", e->d_name);
        free(w);
        free(buf);
    }
    closedir(d);
    cr_expect(files > 300, "suite looks incomplete: %zu files", files);
    harness_report(&h, "JSONTestSuite");
    harness_free(&h);
}

/* ---- hand-picked edge cases ---- */

static void check_str(harness *h, const char *s) { check_line(h, s, strlen(s), 1); }

static void nested(harness *h, size_t depth, const char *inner, int obj, int wrap)
{
    ws_buf b = {0};
    if (wrap) buf_str(&b, "{\"v\":");
    for (size_t i = 0; i < depth; i++) buf_str(&b, obj ? "{\"a\":" : "[");
    buf_str(&b, inner);
    for (size_t i = 0; i < depth; i++) buf_str(&b, obj ? "}" : "]");
    if (wrap) buf_str(&b, "}");
    check_line(h, (const char *)b.p, b.n, 0);
    ws_buf_free(&b);
}

Test(json_diff, edge_cases)
{
    harness h;
    harness_init(&h);
    /* Depth: jansson counts every value, the top one as 1. */
    for (size_t dep = 2040; dep <= 2052; dep++)
        for (int obj = 0; obj < 2; obj++)
            for (int wrap = 0; wrap < 2; wrap++) {
                nested(&h, dep, "", obj, wrap);
                nested(&h, dep, "1", obj, wrap);
                nested(&h, dep, "[]", obj, wrap);
                nested(&h, dep, "{}", obj, wrap);
                nested(&h, dep, "\"s\"", obj, wrap);
            }
    static const char *const numbers[] = {
        "0", "-0", "1", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "-9223372036854775809", "10000000000000000000", "99999999999999999999", "1000000000000000000",
        "999999999999999999", "-999999999999999999", "0.0", "-0.0", "0e0", "0E+0", "0e-0", "1e308", "1e309",
        "-1e309", "9.99e307", "1.7976931348623157e308", "1.7976931348623158e308", "1.79769313486231580793e308",
        "1.7976931348623159e308", "-1.7976931348623159e308", "17976931348623157e292", "17976931348623159e292",
        "0.17976931348623157e309", "0.17976931348623159e309", "100e306", "1000e306", "0.000001e314",
        "0.0000001e314", "0.0000000000e99999", "1e-400", "-1e-400", "4.9e-324", "2.4e-324", "1e-99999999999999",
        "1e99999999999999999999", "1E+2", "1e-2", "123456789012345678901234567890.5",
        "0.00000000000000000000000000000000000001", "1.5", "0.1", "1e3", "-123.456e-7", "01", "-01", "1.", ".5",
        "+1", "1e", "1e+", "-", "--1", "0x10", "1.0e", "Infinity", "NaN", "-Infinity", "1_000", "1.5.5", "1e5e5",
        "2.", "-.5", "00", "0.e1", "1ee1"};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        char line[256];
        snprintf(line, sizeof line, "{\"id\":%s,\"date\":%s,\"v\":[%s],\"a\":%s}", numbers[i], numbers[i],
                 numbers[i], numbers[i]);
        check_str(&h, line);
        check_str(&h, numbers[i]);
        snprintf(line, sizeof line, "[%s]", numbers[i]);
        check_str(&h, line);
    }
    /* A long mantissa near DBL_MAX: only strtod can tell. */
    {
        ws_buf b = {0};
        buf_str(&b, "{\"x\":179769313486231580793728971405303415079934132710037826936173778980444968292764750946"
                    "649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383"
                    "676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365"
                    "510704342711559699508093042880177904174497791.999999999999999999}");
        check_line(&h, (const char *)b.p, b.n, 1);
        ws_buf_reset(&b);
        buf_str(&b, "{\"x\":179769313486231580793728971405303415079934132710037826936173778980444968292764750946"
                    "649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383"
                    "676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365"
                    "510704342711559699508093042880177904174497792.0}");
        check_line(&h, (const char *)b.p, b.n, 1);
        ws_buf_free(&b);
    }
    /* Duplicate keys: escaped forms, nesting, objects past the linear check. */
    static const char *const dups[] = {
        "{\"a\":1,\"\\u0061\":2}", "{\"v\":{\"a\":1,\"\\u0061\":2}}", "{\"v\":[{\"a\":1},{\"a\":2}]}",
        "{\"v\":{\"a\":{\"a\":{\"a\":1}}}}", "{\"v\":{\"a\":{\"b\":1},\"b\":2}}", "{\"v\":{\"a\":{\"b\":1,\"b\":1}}}",
        "{\"title\":\"x\",\"ti\\u0074le\":\"y\"}", "{\"\":1,\"\":2}", "{\"\\u00e9t\\u00e9\":1,\"\xC3\xA9t\xC3\xA9\":2}",
        "{\"a\\u0000\":1}", "{\"v\":{\"\\u0000\":1}}", "{\"\\ud83d\\ude00\":1,\"\xF0\x9F\x98\x80\":2}",
        "{\"a\":1,\"b\":2,\"a\":3}", "{\"v\":{}, \"v\":{}}"};
    for (size_t i = 0; i < sizeof dups / sizeof dups[0]; i++) check_str(&h, dups[i]);
    for (int nkeys = 14; nkeys <= 40; nkeys += 1)
        for (int dup = -1; dup < nkeys; dup += (nkeys > 20 ? 7 : 1))
            for (int depth = 0; depth < 2; depth++) {
                ws_buf b = {0};
                buf_str(&b, depth ? "{\"v\":{" : "{");
                for (int k = 0; k < nkeys; k++) buf_fmt(&b, "%s\"k%d\":%d", k ? "," : "", k, k);
                if (dup >= 0) buf_fmt(&b, ",\"k%d\":0", dup);
                buf_str(&b, ",\"title\":\"t\"");
                buf_str(&b, depth ? "},\"z\":1}" : "}");
                check_line(&h, (const char *)b.p, b.n, 0);
                ws_buf_free(&b);
            }
    /* Strings: escapes, surrogates, UTF-8 (valid, overlong, surrogate, too big, truncated), controls. */
    static const char *const strs[] = {
        "\\ud83d\\ude00", "\\ud800", "\\udc00", "\\ud800\\u0041", "\\ud800\\udbff", "\\ud800x", "\\ud800\\",
        "\\ud800\\u", "\\ud800\\uDC0", "\\uDBFF\\uDFFF", "\\u0000", "a\\u0000b", "\\u00", "\\uzzzz", "\\x41",
        "\\'", "\\", "\\U0041", "\\/\\b\\f\\n\\r\\t\\\"\\\\", "\x7F", "\x01", "\x1F", "\t", "\n",
        "\xC3\xA9", "\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF0\x9F\x98",
        "\xF5\x80\x80\x80", "\xFF", "\x80", "\xEF\xBB\xBF", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
        "0123456789abcdef0123456789abcdef\xC3\xA9", "0123456789abcde\xC3\xA9", "0123456789abcdef\\n",
        "0123456789abcde\"", "0123456789abcdefghijklmnopqrstu\x01"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        char line[512];
        snprintf(line, sizeof line, "{\"title\":\"%s\",\"v\":[\"%s\"],\"a\":\"%s\",\"%s\":1}", strs[i], strs[i],
                 strs[i], strs[i]);
        check_str(&h, line);
        snprintf(line, sizeof line, "\"%s\"", strs[i]);
        check_str(&h, line);
        /* The string at the very end of the input (no room for 16-byte loads). */
        snprintf(line, sizeof line, "{\"title\":\"%s", strs[i]);
        check_str(&h, line);
    }
    /* Whitespace and framing. */
    static const char *const frames[] = {
        "", " ", "\t\r\n", "{}", " {} ", "{}\r", "{}\n", "{} x", "{}{}", "\f{}", "{}\f", "\v{}", "\xEF\xBB\xBF{}",
        "{ \"a\" : [ 1 , 2 ] , \"b\" : { } }", "{\"a\"\n:\n1}", "{,}", "{\"a\":1,}", "[1,]", "[,1]", "{\"a\"}",
        "{\"a\":}", "{:1}", "{1:1}", "{'a':1}", "{\"a\":1 \"b\":2}", "[1 2]", "{\"a\":tru}", "{\"a\":truex}",
        "{\"a\":nul}", "{\"a\":True}", "{\"a\":[}", "{\"a\":{]}", "]", "}", "{", "[", "\"", "{\"a\":\"\\",
        "{\"tags\":[\"a\",1]}", "{\"tags\":[[\"a\"]]}", "{\"tags\":[\"\",\"x\",\"\"]}", "{\"tags\":\"\"}",
        "{\"topics\":{\"a\":\"b\"}}", "{\"body\":null,\"text\":null,\"content\":\"c\"}", "{\"v\":-0}",
        "{\"v\":\"2019-05-10\"}", "{\"v\":1557446400.5}", "{\"v\":1e300}", "{\"v\":-1e300}"};
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) check_str(&h, frames[i]);
    harness_report(&h, "edge cases");
    harness_free(&h);
}

/* ---- (b) generated and mutated lines ---- */

typedef struct rng {
    uint64_t s;
    int valid; /* generate only valid JSON, unique keys, and field types the policy accepts */
} rng;

static uint64_t next(rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static unsigned below(rng *r, unsigned n) { return (unsigned)(next(r) % n); }
static int chance(rng *r, unsigned percent) { return below(r, 100) < percent; }
#define PICK(r, a) ((a)[below((r), sizeof(a) / sizeof((a)[0]))])

static void gen_ws(rng *r, ws_buf *b)
{
    if (!chance(r, 15)) return;
    static const char ws[] = " \t\n\r";
    for (unsigned i = below(r, 3) + 1; i; i--) buf_add(b, &ws[below(r, 4)], 1);
}

static void gen_utf8(rng *r, ws_buf *b)
{
    uint32_t cp;
    switch (below(r, 4)) {
    case 0: cp = 0x80 + below(r, 0x780); break;
    case 1: cp = 0x800 + below(r, 0xD800 - 0x800); break;
    case 2: cp = 0xE000 + below(r, 0x2000); break;
    default: cp = 0x10000 + below(r, 0x100000); break;
    }
    unsigned char u[4];
    size_t k;
    if (cp < 0x800) u[0] = (unsigned char)(0xC0 | cp >> 6), u[1] = (unsigned char)(0x80 | (cp & 0x3F)), k = 2;
    else if (cp < 0x10000)
        u[0] = (unsigned char)(0xE0 | cp >> 12), u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)),
        u[2] = (unsigned char)(0x80 | (cp & 0x3F)), k = 3;
    else
        u[0] = (unsigned char)(0xF0 | cp >> 18), u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F)),
        u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)), u[3] = (unsigned char)(0x80 | (cp & 0x3F)), k = 4;
    buf_add(b, u, k);
}

/* A string body (without quotes); in invalid mode sometimes broken. */
static void gen_string_body(rng *r, ws_buf *b, unsigned maxparts)
{
    static const char *const esc[] = {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"};
    static const char *const bad_utf8[] = {"\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                           "\xF0\x9F\x98", "\xF5", "\xFF", "\x80", "\xBF\xBF", "\xE2\x82"};
    static const char *const bad_esc[] = {"\\ud800", "\\udfff", "\\ud800\\u0041", "\\x41", "\\u12", "\\U0041",
                                          "\\'", "\\ud83d\\ud83d"};
    unsigned parts = below(r, maxparts + 1);
    for (unsigned i = 0; i < parts; i++) {
        unsigned k = below(r, r->valid ? 950 : 1000);
        if (k < 450) {
            /* A run of plain ASCII, sometimes long enough for the vector loop. */
            unsigned len = chance(r, 20) ? below(r, 200) : below(r, 12);
            for (unsigned j = 0; j < len; j++) {
                char c = (char)(0x20 + below(r, 0x5F));
                if (c == '"' || c == '\\') c = 'q';
                buf_add(b, &c, 1);
            }
        } else if (k < 650) {
            buf_str(b, PICK(r, esc));
        } else if (k < 750) {
            uint32_t u = below(r, 4) ? below(r, 0x800) : below(r, 0x10000);
            if (u >= 0xD800 && u <= 0xDFFF) u = 0xFFFD;
            buf_fmt(b, chance(r, 50) ? "\\u%04x" : "\\u%04X", (unsigned)u);
        } else if (k < 790) {
            uint32_t cp = 0x10000 + below(r, 0x100000);
            buf_fmt(b, "\\u%04X\\u%04x", (unsigned)(0xD800 + ((cp - 0x10000) >> 10)),
                    (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)));
        } else if (k < 800) {
            buf_str(b, "\\u0000");
        } else if (k < 950) {
            gen_utf8(r, b);
        } else if (k < 970) {
            buf_str(b, PICK(r, bad_utf8));
        } else if (k < 985) {
            buf_str(b, PICK(r, bad_esc));
        } else if (k < 995) {
            char c = (char)below(r, 0x20);
            if (c == 0) c = 0x1F;
            buf_add(b, &c, 1);
        } else {
            buf_str(b, "\x7F");
        }
    }
}

static void gen_string(rng *r, ws_buf *b)
{
    buf_str(b, "\"");
    gen_string_body(r, b, chance(r, 10) ? 40 : 6);
    buf_str(b, "\"");
}

static void gen_number(rng *r, ws_buf *b)
{
    static const char *const fine[] = {
        "9223372036854775807", "-9223372036854775808", "-0", "0", "1e308", "1.7976931348623157e308", "100e306",
        "4.9e-324", "1e-400", "0.0e99999", "1E+2", "2e-0", "0.00000000000000000000000001", "1557446400",
        "1557446400.75", "-62135596800", "253402300799", "253402300800", "-0.0", "0.1", "123456789012345678"};
    static const char *const broken[] = {
        "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e309", "1.7976931348623159e308",
        "-1.7976931348623159e308", "0.001e312", "123456789012345678901234567890", "01", "1.", ".5", "+1", "1e", "-",
        "NaN", "-Infinity", "0x1F"};
    if (chance(r, 10)) {
        buf_str(b, r->valid || chance(r, 50) ? PICK(r, fine) : PICK(r, broken));
        return;
    }
    if (chance(r, 30)) buf_str(b, "-");
    if (chance(r, 15)) {
        buf_str(b, "0");
    } else {
        unsigned nd = chance(r, 10) ? 1 + below(r, r->valid ? 18 : 22) : 1 + below(r, 10);
        buf_fmt(b, "%u", 1 + below(r, 9));
        for (unsigned i = 1; i < nd; i++) buf_fmt(b, "%u", below(r, 10));
    }
    if (chance(r, 40)) {
        buf_str(b, ".");
        for (unsigned i = 0, nd = 1 + below(r, chance(r, 10) ? 30 : 6); i < nd; i++) buf_fmt(b, "%u", below(r, 10));
    }
    if (chance(r, 30)) {
        buf_str(b, chance(r, 50) ? "e" : "E");
        unsigned s = below(r, 3);
        if (s) buf_str(b, s == 1 ? "+" : "-");
        if (r->valid && s != 2) buf_fmt(b, "%u", below(r, 250));
        else buf_fmt(b, "%u", chance(r, 20) ? 300 + below(r, 20) : below(r, 400));
    }
}

/* Keys: the spelling and what it means after unescaping (for uniqueness). */
typedef struct pkey {
    const char *text;
    int group;
} pkey;
static const pkey k_pool[] = {
    {"id", 0}, {"\\u0069d", 0}, {"title", 1}, {"\\u0074itle", 1}, {"ti\\u0074le", 1}, {"body", 2},
    {"text", 3}, {"content", 4}, {"source", 5}, {"date", 6}, {"tags", 7}, {"topics", 8}, {"v", 9},
    {"a", 10}, {"b", 11}, {"", 12}, {"x", 13}, {"\xC3\xA9t\xC3\xA9", 14}, {"\\u00e9t\\u00e9", 14},
    {"nested", 15}, {"meta", 16}, {"\\u0061", 10}};
#define NGROUPS 17

static void gen_value(rng *r, ws_buf *b, unsigned depth, int top);

/* A value of the type the jsonl policy wants for this key group. */
static void gen_field(rng *r, ws_buf *b, int group, unsigned depth)
{
    static const char *const dates[] = {"\"2019-05-10\"", "\"26-FEB-1987 15:01:01.79\"",
                                        "\"Fri, 23 Apr 1993 16:24:16 GMT\"", "\"2019-05-10T12:30:45+03:00\"",
                                        "\"garbage\"", "\"2019-02-29\"", "\"\"", "1557446400", "1557446400.5",
                                        "-0.5", "1e300", "null", "true", "[]"};
    switch (group) {
    case 0: /* id */
    case 9: /* v: an id and a date in config 1 */
        if (chance(r, 40)) gen_number(r, b);
        else if (group == 9 && chance(r, 30)) buf_str(b, PICK(r, dates));
        else gen_string(r, b);
        return;
    case 6: buf_str(b, PICK(r, dates)); return;
    case 7:
    case 8:
    case 10: /* tags and config 1's "a" tag */
        if (chance(r, 70)) {
            buf_str(b, "[");
            for (unsigned i = 0, n = below(r, 6); i < n; i++) {
                if (i) buf_str(b, ",");
                gen_ws(r, b);
                if (chance(r, 20)) buf_str(b, "\"\"");
                else gen_string(r, b);
            }
            buf_str(b, "]");
        } else if (chance(r, 70)) {
            gen_string(r, b);
        } else {
            buf_str(b, "null");
        }
        return;
    case 1: case 2: case 3: case 4: case 5: case 12:
        if (chance(r, 90)) gen_string(r, b);
        else buf_str(b, "null");
        return;
    default: gen_value(r, b, depth, 0); return;
    }
}

static void gen_object(rng *r, ws_buf *b, unsigned depth, int top)
{
    buf_str(b, "{");
    gen_ws(r, b);
    unsigned n = top ? 2 + below(r, 8) : below(r, 5);
    int big = chance(r, 3);
    if (big) n = 14 + below(r, 30);
    int used[NGROUPS] = {0};
    for (unsigned i = 0; i < n; i++) {
        if (i) buf_str(b, ","), gen_ws(r, b);
        int group = -1;
        if (big && !chance(r, 3)) {
            buf_fmt(b, "\"k%u\"", i);
        } else if (chance(r, 85)) {
            pkey k = PICK(r, k_pool);
            if (r->valid && used[k.group]) {
                buf_fmt(b, "\"u%u\"", i); /* would be a duplicate */
            } else {
                used[k.group] = 1;
                group = k.group;
                buf_fmt(b, "\"%s\"", k.text);
            }
        } else {
            buf_str(b, "\"");
            if (r->valid) buf_fmt(b, "r%u", i); /* unique, still with random bytes around */
            gen_string_body(r, b, 3);
            buf_str(b, "\"");
        }
        gen_ws(r, b);
        buf_str(b, ":");
        gen_ws(r, b);
        if (top && r->valid && group >= 0 && chance(r, 95)) gen_field(r, b, group, depth + 1);
        else gen_value(r, b, depth + 1, 0);
        gen_ws(r, b);
    }
    buf_str(b, "}");
}

static void gen_value(rng *r, ws_buf *b, unsigned depth, int top)
{
    if (top && chance(r, 95)) {
        gen_object(r, b, depth, 1);
        return;
    }
    unsigned k = below(r, 100);
    if (depth > 5 && k >= 75) k = below(r, 75);
    if (k < 40) {
        gen_string(r, b);
    } else if (k < 62) {
        gen_number(r, b);
    } else if (k < 75) {
        static const char *const lit[] = {"true", "false", "null", "null"};
        buf_str(b, PICK(r, lit));
    } else if (k < 88) {
        buf_str(b, "[");
        gen_ws(r, b);
        unsigned n = below(r, 5);
        for (unsigned i = 0; i < n; i++) {
            if (i) buf_str(b, ","), gen_ws(r, b);
            gen_value(r, b, depth + 1, 0);
            gen_ws(r, b);
        }
        buf_str(b, "]");
    } else {
        gen_object(r, b, depth, 0);
    }
}

static void mutate(rng *r, ws_buf *b)
{
    static const char special[] = "\"\\{}[],:0-e.E+ \t\nu\x80\xFF\xC3\xED\x01";
    for (unsigned m = 1 + below(r, 3); m; m--) {
        size_t n = b->n;
        size_t at = n ? below(r, (unsigned)n) : 0;
        unsigned k = below(r, 6);
        char c = chance(r, 50) ? special[below(r, sizeof special - 1)] : (char)below(r, 256);
        if (chance(r, 2)) c = 0;
        if (k == 0 && n) {
            b->p[at] = (uint8_t)c; /* replace */
        } else if (k == 1 && n) {
            b->p[at] ^= (uint8_t)(1u << below(r, 8)); /* flip a bit */
        } else if (k == 2) {
            cr_assert_eq(ws_buf_reserve(b, 1), 0); /* insert */
            memmove(b->p + at + 1, b->p + at, n - at);
            b->p[at] = (uint8_t)c;
            b->n++;
        } else if (k == 3 && n) {
            memmove(b->p + at, b->p + at + 1, n - at - 1); /* delete */
            b->n--;
        } else if (k == 4) {
            b->n = at; /* truncate */
        } else if (n >= 2) {
            size_t j = below(r, (unsigned)n); /* swap */
            uint8_t t = b->p[at];
            b->p[at] = b->p[j];
            b->p[j] = t;
        }
    }
}

Test(json_diff, generated_200k)
{
    harness h;
    harness_init(&h);
    rng r = {20240501, 0};
    ws_buf b = {0};
    size_t ncases = 200000, mutated = 0, clean_accepted = 0, clean = 0, valid = 0, valid_accepted = 0,
           valid_json = 0;
    for (size_t i = 0; i < ncases && h.json.mismatches + h.jsonl.mismatches < 12; i++) {
        ws_buf_reset(&b);
        r.valid = chance(&r, 50);
        gen_ws(&r, &b);
        gen_value(&r, &b, 0, 1);
        gen_ws(&r, &b);
        int mut = chance(&r, 50);
        if (mut) {
            mutate(&r, &b);
            mutated++;
        }
        size_t acc = h.jsonl.accepted, jacc = h.json.accepted;
        check_json_layer(h.jp, &h.out, (const char *)b.p, b.n, &h.json);
        check_jsonl_layer(&h.cfg[i % 3], (const char *)b.p, b.n, &h.jsonl);
        if (!mut) clean++, clean_accepted += h.jsonl.accepted != acc;
        if (!mut && r.valid) valid++, valid_accepted += h.jsonl.accepted != acc, valid_json += h.json.accepted != jacc;
    }
    ws_buf_free(&b);
    cr_log_info("generated: %zu mutated, %zu of %zu unmutated lines accepted; valid mode: %zu of %zu lines accepted "
                "by the json layer, %zu by the jsonl layer",
                mutated, clean_accepted, clean, valid_json, valid, valid_accepted);
    /* The generator must exercise both verdicts substantially. */
    cr_expect(clean_accepted > clean / 3, "too few valid lines: %zu of %zu", clean_accepted, clean);
    /* Valid mode: only top-level non-objects are rejected as JSON; the jsonl
     * layer also rejects field types that configs 1 and 2 map differently. */
    cr_expect(valid_json > valid * 9 / 10, "valid mode: %zu of %zu accepted", valid_json, valid);
    cr_expect(valid_accepted > valid / 2, "valid mode: %zu of %zu accepted", valid_accepted, valid);
    cr_expect(h.jsonl.rejected > ncases / 5, "too few rejected lines: %zu", h.jsonl.rejected);
    harness_report(&h, "generated");
    harness_free(&h);
}
