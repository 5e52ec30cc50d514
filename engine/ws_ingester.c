/*
 * The public ingest API (ws_ingester in wirescan.h) over the ingest
 * pipeline (ws_ingest.c). It owns copies of every option and input, checks
 * option values by the names `wirescan ingest` gives them (so the CLI is
 * one more client: it only maps its getopt table onto ws_ingester_set),
 * spools records given by the caller as JSON Lines in a temporary file that
 * the JSONL reader then reads like any input, and turns the pipeline's log
 * into note callbacks.
 */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wirescan.h"
#include "ws_ingest.h"
#include "ws_params.h"
#include "ws_table.h"
#include "ws_util.h"

#define MAX_TAGS 64

struct ws_ingester {
    ws_ingest_opts o;
    char **strs; /* every string the options point at (owned) */
    size_t nstrs, capstrs;
    const char **inputs;
    size_t ninputs, capinputs;
    const char *tags[MAX_TAGS];
    size_t ntags;
    /* records, spooled as JSONL */
    char *spool_path;
    FILE *spool;
    ws_buf line;
    uint64_t nrecords;
    /* notes */
    void (*note)(void *ctx, const char *line);
    void *note_ctx;
    ws_buf pending; /* a note line not yet ended */
    int ran;
    uint32_t *shards; /* "shards": the shards of one pass */
};

static char *keep(ws_ingester *g, const char *s)
{
    if (g->nstrs == g->capstrs) {
        size_t cap = g->capstrs ? g->capstrs * 2 : 16;
        char **v = ws_realloc(g->strs, cap * sizeof *v);
        if (!v) return NULL;
        g->strs = v;
        g->capstrs = cap;
    }
    char *c = ws_strndup(s, strlen(s));
    if (c) g->strs[g->nstrs++] = c;
    return c;
}

int ws_ingester_create(ws_ingester **out, const char *path)
{
    if (!out || !path) return ws_error(WS_EINVAL, "ws_ingester_create: NULL argument");
    *out = NULL;
    ws_ingester *g = ws_calloc(1, sizeof *g);
    if (!g) return ws_error(WS_ENOMEM, "out of memory");
    ws_ingest_opts_default(&g->o);
    if (!(g->o.store = keep(g, path))) {
        ws_ingester_free(g);
        return ws_error(WS_ENOMEM, "out of memory");
    }
    *out = g;
    return 0;
}

void ws_ingester_free(ws_ingester *g)
{
    if (!g) return;
    if (g->spool) fclose(g->spool);
    if (g->spool_path) {
        unlink(g->spool_path);
        ws_free(g->spool_path);
    }
    for (size_t i = 0; i < g->nstrs; i++) ws_free(g->strs[i]);
    ws_free(g->strs);
    ws_free(g->inputs);
    ws_free(g->shards);
    ws_buf_free(&g->line);
    ws_buf_free(&g->pending);
    ws_free(g);
}

/* ---- options ---- */

static int whole(const char *opt, const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = s ? strtoull(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || *s == '-' || *s == '+' || *s == ' ' || v < lo || v > hi)
        return ws_error(WS_EINVAL, "--%s expects a whole number from %llu to %llu, got '%s'", opt, lo, hi, s ? s : "");
    *out = v;
    return 0;
}

static int flag(const char *opt, const char *v, int *out)
{
    if (!v || !strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "true")) *out = 1;
    else if (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "false")) *out = 0;
    else return ws_error(WS_EINVAL, "--%s is a flag (1 or 0), got '%s'", opt, v);
    return 0;
}

static const char *const encodings[][2] = {{"auto", "auto"},         {"utf-8", "utf-8"},         {"utf8", "utf-8"},
                                            {"latin-1", "latin-1"},   {"latin1", "latin-1"},      {"iso-8859-1", "latin-1"},
                                            {"windows-1252", "windows-1252"}, {"cp1252", "windows-1252"}};

int ws_ingester_set(ws_ingester *g, const char *name, const char *value)
{
    if (!g || !name) return ws_error(WS_EINVAL, "ws_ingester_set: NULL argument");
    if (g->ran) return ws_error(WS_EINVAL, "ws_ingester_set: the ingester has run");
    ws_ingest_opts *o = &g->o;
    unsigned long long v;
    int rc;
    const char *val = value;
    int is_flag = !strcmp(name, "strict") || !strcmp(name, "wait") || !strcmp(name, "skip-existing") ||
                  !strcmp(name, "no-signatures") || !strcmp(name, "signatures");
    if (!is_flag && !val) return ws_error(WS_EINVAL, "--%s needs a value", name);
    if (is_flag) {
        int on = 0;
        if ((rc = flag(name, val, &on))) return rc;
        if (!strcmp(name, "strict")) o->strict = on;
        else if (!strcmp(name, "wait")) o->wait = on;
        else if (!strcmp(name, "no-signatures")) o->no_signatures = on;
        else if (!strcmp(name, "signatures")) o->signatures = on;
        else o->skip_existing = on;
        return 0;
    }
    if (!strcmp(name, "shard")) {
        /* "I/N": this store is shard I of N (ingest --shards) */
        unsigned i, n;
        char extra;
        if (sscanf(val, "%u/%u%c", &i, &n, &extra) != 2 || n == 0 || n > 100000 || i >= n)
            return ws_error(WS_EINVAL, "--shard expects I/N with I < N <= 100000, got '%s'", val);
        o->shard_index = i;
        o->shard_count = n;
    } else if (!strcmp(name, "shards")) {
        /* "I,J,.../N": one pass writes shards I, J, ... of N, the ingester's
         * path being the set's folder (ingest --shards) */
        const char *slash = strrchr(val, '/');
        unsigned n;
        char extra;
        if (!slash || sscanf(slash + 1, "%u%c", &n, &extra) != 1 || n == 0 || n > 100000)
            return ws_error(WS_EINVAL, "shards expects I,J,.../N with each I < N <= 100000, got '%s'", val);
        size_t cnt = 1;
        for (const char *c = val; c < slash; c++) cnt += *c == ',';
        uint32_t *list = ws_calloc(cnt, sizeof *list);
        if (!list) return ws_error(WS_ENOMEM, "out of memory");
        size_t k = 0;
        for (const char *c = val; c < slash && k < cnt; k++) {
            char *end;
            unsigned long i = strtoul(c, &end, 10);
            if (end == c || i >= n || (*end != ',' && end != slash)) {
                ws_free(list);
                return ws_error(WS_EINVAL, "shards expects I,J,.../N with each I < N <= 100000, got '%s'", val);
            }
            list[k] = (uint32_t)i;
            c = end + (end < slash);
        }
        ws_free(g->shards);
        g->shards = list;
        o->shards = list;
        o->nshards = (uint32_t)k;
        o->shard_count = n;
    } else if (!strcmp(name, "threads")) {
        if ((rc = whole(name, val, 0, 4096, &v))) return rc;
        o->threads = (int)v;
    } else if (!strcmp(name, "level")) {
        if ((rc = whole(name, val, 1, 19, &v))) return rc;
        o->level = (int)v;
    } else if (!strcmp(name, "block-tokens")) {
        if ((rc = whole(name, val, 1, 1u << 26, &v))) return rc;
        o->block_tokens = (uint32_t)v;
    } else if (!strcmp(name, "year")) {
        if ((rc = whole(name, val, 1, 9999, &v))) return rc;
        o->src.year = (int)v;
    } else if (!strcmp(name, "max-record")) {
        size_t sz;
        if (ws_parse_size(val, &sz) || sz == 0)
            return ws_error(WS_EINVAL, "--max-record expects a positive size (e.g. 512K, 64M, 1G), got '%s'", val);
        o->max_record = sz;
    } else if (!strcmp(name, "delimiter")) {
        if (!strcmp(val, "tab") || !strcmp(val, "\\t")) o->src.delimiter = '\t';
        else if (strlen(val) == 1 && val[0] != '"' && val[0] != '\n' && val[0] != '\r') o->src.delimiter = val[0];
        else return ws_error(WS_EINVAL, "--delimiter expects one character (or 'tab'), got '%s'", val);
    } else if (!strcmp(name, "cjk")) {
        if (!strcmp(val, "words")) o->cjk = WS_INGEST_CJK_WORDS;
        else if (!strcmp(val, "chars")) o->cjk = WS_INGEST_CJK_CHARS;
        else return ws_error(WS_EINVAL, "--cjk must be words or chars, got '%s'", val);
    } else if (!strcmp(name, "datelines")) {
        if (!strcmp(val, "on")) o->src.datelines_off = 0;
        else if (!strcmp(val, "off")) o->src.datelines_off = 1;
        else return ws_error(WS_EINVAL, "--datelines must be on or off, got '%s'", val);
    } else if (!strcmp(name, "encoding")) {
        size_t i = 0, n = sizeof encodings / sizeof encodings[0];
        while (i < n && strcmp(val, encodings[i][0])) i++;
        if (i == n) return ws_error(WS_EINVAL, "--encoding must be auto, utf-8, latin-1 or windows-1252, got '%s'", val);
        o->src.encoding = encodings[i][1];
    } else if (!strcmp(name, "format")) {
        if (strcmp(val, "jsonl") && strcmp(val, "ndjson") && strcmp(val, "csv") && strcmp(val, "text") && strcmp(val, "reuters"))
            return ws_error(WS_EINVAL, "unknown --format '%s' (jsonl, csv, text or reuters)", val);
        if (!(o->format = keep(g, val))) return ws_error(WS_ENOMEM, "out of memory");
    } else if (!strcmp(name, "tag")) {
        if (g->ntags == MAX_TAGS) return ws_error(WS_EINVAL, "too many --tag options (at most %d)", MAX_TAGS);
        if (!*val) return ws_error(WS_EINVAL, "--tag needs a key or column name");
        if (!(g->tags[g->ntags] = keep(g, val))) return ws_error(WS_ENOMEM, "out of memory");
        g->ntags++;
    } else if (!strcmp(name, "field")) {
        const char *eq = strchr(val, '=');
        if (!eq || eq == val || !eq[1]) return ws_error(WS_EINVAL, "--field expects NAME=KEY, got '%s'", val);
        const char *key = keep(g, eq + 1);
        if (!key) return ws_error(WS_ENOMEM, "out of memory");
        size_t n = (size_t)(eq - val);
#define IS(s) (n == strlen(s) && !strncmp(val, s, n))
        if (IS("id")) o->fields.id_key = key;
        else if (IS("date")) o->fields.date_key = key;
        else if (IS("title")) o->fields.title_key = key;
        else if (IS("body")) o->fields.body_key = key;
        else if (IS("source")) o->fields.source_key = key;
        else return ws_error(WS_EINVAL, "--field %.*s: NAME must be id, date, title, body or source", (int)n, val);
#undef IS
    } else if (!strcmp(name, "tag-from-dir")) {
        if (!(o->src.tag_from_dir = keep(g, val))) return ws_error(WS_ENOMEM, "out of memory");
    } else if (!strcmp(name, "date-format")) {
        if (!(o->src.date_format = keep(g, val))) return ws_error(WS_ENOMEM, "out of memory");
    } else
        return ws_error(WS_EINVAL, "ingest has no option '%s'", name);
    return 0;
}

static int add_input(ws_ingester *g, const char *path)
{
    if (g->ninputs + 1 >= g->capinputs) {
        size_t cap = g->capinputs ? g->capinputs * 2 : 8;
        const char **v = ws_realloc(g->inputs, cap * sizeof *v);
        if (!v) return ws_error(WS_ENOMEM, "out of memory");
        g->inputs = v;
        g->capinputs = cap;
    }
    if (!(g->inputs[g->ninputs] = keep(g, path))) return ws_error(WS_ENOMEM, "out of memory");
    g->ninputs++;
    return 0;
}

int ws_ingester_add_file(ws_ingester *g, const char *path)
{
    if (!g || !path) return ws_error(WS_EINVAL, "ws_ingester_add_file: NULL argument");
    if (g->ran) return ws_error(WS_EINVAL, "ws_ingester_add_file: the ingester has run");
    return add_input(g, path);
}

/* ---- records ---- */

static int key_value(ws_buf *b, const char *key, const char *val)
{
    int rc = ws_buf_append(b, b->n > 1 ? "," : "", b->n > 1 ? 1 : 0);
    rc = rc ? rc : ws_json_quote(b, key, strlen(key));
    rc = rc ? rc : ws_buf_append(b, ":", 1);
    return rc ? rc : ws_json_quote(b, val, strlen(val));
}

/* Is tag name t (n bytes) one of the ingest's --tag keys? */
static int has_tag(const ws_ingester *g, const char *t, size_t n)
{
    for (size_t i = 0; i < g->ntags; i++)
        if (strlen(g->tags[i]) == n && !memcmp(g->tags[i], t, n)) return 1;
    return 0;
}

int ws_ingester_add_record(ws_ingester *g, const ws_story *r)
{
    if (!g || !r) return ws_error(WS_EINVAL, "ws_ingester_add_record: NULL argument");
    if (g->ran) return ws_error(WS_EINVAL, "ws_ingester_add_record: the ingester has run");
    static const char *const reserved[] = {"id", "date", "source", "title", "body"};
    for (size_t i = 0; i < r->ntags; i++) {
        const char *t = r->tags ? r->tags[i] : NULL;
        const char *eq = t ? strchr(t, '=') : NULL;
        if (!eq || eq == t) return ws_error(WS_EINVAL, "record tag %zu: expected name=value, got '%s'", i, t ? t : "(null)");
        for (size_t k = 0; k < sizeof reserved / sizeof reserved[0]; k++)
            if ((size_t)(eq - t) == strlen(reserved[k]) && !strncmp(t, reserved[k], (size_t)(eq - t)))
                return ws_error(WS_EINVAL, "record tag '%s': %s is a field, not a tag", t, reserved[k]);
    }
    /* New tag names become --tag keys, in order of first appearance. */
    for (size_t i = 0; i < r->ntags; i++) {
        const char *t = r->tags[i];
        size_t n = (size_t)(strchr(t, '=') - t);
        if (has_tag(g, t, n)) continue;
        if (g->ntags == MAX_TAGS) return ws_error(WS_EINVAL, "records have more than %d tag names", MAX_TAGS);
        char *name = ws_strndup(t, n);
        if (!name) return ws_error(WS_ENOMEM, "out of memory");
        g->tags[g->ntags] = keep(g, name);
        ws_free(name);
        if (!g->tags[g->ntags]) return ws_error(WS_ENOMEM, "out of memory");
        g->ntags++;
    }
    if (!g->spool) {
        const char *dir = getenv("TMPDIR");
        if (!dir || !*dir) dir = "/tmp";
        size_t n = strlen(dir) + 40;
        if (!(g->spool_path = ws_malloc(n))) return ws_error(WS_ENOMEM, "out of memory");
        snprintf(g->spool_path, n, "%s/wirescan-records-XXXXXX.jsonl", dir);
        int fd = mkstemps(g->spool_path, 6);
        if (fd < 0 || !(g->spool = fdopen(fd, "w"))) {
            int e = errno;
            if (fd >= 0) close(fd);
            ws_free(g->spool_path);
            g->spool_path = NULL;
            return ws_error(WS_EIO, "cannot create a spool file for records in %s: %s", dir, strerror(e));
        }
    }
    /* One JSON object a line; a tag named several times becomes an array. */
    ws_buf *b = &g->line;
    b->n = 0;
    int rc = ws_buf_append(b, "{", 1);
    if (!rc && r->id) rc = key_value(b, "id", r->id);
    if (!rc && r->date) rc = key_value(b, "date", r->date);
    if (!rc && r->source) rc = key_value(b, "source", r->source);
    if (!rc && r->title) rc = key_value(b, "title", r->title);
    if (!rc && r->body) rc = key_value(b, "body", r->body);
    for (size_t i = 0; i < r->ntags && !rc; i++) {
        const char *t = r->tags[i];
        size_t n = (size_t)(strchr(t, '=') - t);
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            if (!strncmp(r->tags[j], t, n + 1)) first = 0;
        if (!first) continue; /* written with its first occurrence */
        rc = ws_buf_append(b, b->n > 1 ? "," : "", b->n > 1 ? 1 : 0);
        rc = rc ? rc : ws_json_quote(b, t, n);
        rc = rc ? rc : ws_buf_append(b, ":[", 2);
        int k = 0;
        for (size_t j = i; j < r->ntags && !rc; j++) {
            if (strncmp(r->tags[j], t, n + 1)) continue;
            const char *v = r->tags[j] + n + 1;
            rc = k ? ws_buf_append(b, ",", 1) : 0;
            k++;
            rc = rc ? rc : ws_json_quote(b, v, strlen(v));
        }
        rc = rc ? rc : ws_buf_append(b, "]", 1);
    }
    rc = rc ? rc : ws_buf_append(b, "}\n", 2);
    if (rc) return ws_error(WS_ENOMEM, "out of memory");
    if (fwrite(b->p, 1, b->n, g->spool) != b->n)
        return ws_error(WS_EIO, "%s: cannot write a record: %s", g->spool_path, strerror(errno));
    g->nrecords++;
    return 0;
}

/* ---- progress and notes ---- */

int ws_ingester_on_progress(ws_ingester *g, ws_progress_fn fn, void *ctx)
{
    if (!g) return ws_error(WS_EINVAL, "ws_ingester_on_progress: NULL ingester");
    g->o.progress = fn;
    g->o.progress_ctx = ctx;
    return 0;
}

int ws_ingester_on_note(ws_ingester *g, void (*fn)(void *ctx, const char *line), void *ctx)
{
    if (!g) return ws_error(WS_EINVAL, "ws_ingester_on_note: NULL ingester");
    g->note = fn;
    g->note_ctx = ctx;
    return 0;
}

/* The pipeline and its readers write their messages to a FILE; a cookie
 * stream hands each finished line to the note callback, so the many
 * places that report bad records need no second code path. */
static ssize_t note_write(void *cookie, const char *buf, size_t n)
{
    ws_ingester *g = cookie;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] != '\n') {
            if (ws_buf_append(&g->pending, buf + i, 1)) return -1;
            continue;
        }
        if (ws_buf_append(&g->pending, "", 1)) return -1;
        if (g->note) g->note(g->note_ctx, (const char *)g->pending.p);
        g->pending.n = 0;
    }
    return (ssize_t)n;
}

static int note_close(void *cookie)
{
    ws_ingester *g = cookie;
    if (g->pending.n) note_write(cookie, "\n", 1); /* a last line without its newline */
    return 0;
}

int ws_ingester_run(ws_ingester *g, ws_ingest_summary *out)
{
    if (out) memset(out, 0, sizeof *out);
    if (!g) return ws_error(WS_EINVAL, "ws_ingester_run: NULL ingester");
    if (g->ran) return ws_error(WS_EINVAL, "ws_ingester_run: an ingester runs once");
    g->ran = 1;
    if (g->nrecords) {
        if (g->o.format && strcmp(g->o.format, "jsonl") && strcmp(g->o.format, "ndjson"))
            return ws_error(WS_EINVAL, "records are read as JSON Lines: format %s cannot apply to them", g->o.format);
        int bad = ferror(g->spool), e = errno;
        bad |= fclose(g->spool) != 0;
        g->spool = NULL;
        if (bad) return ws_error(WS_EIO, "%s: cannot write the records: %s", g->spool_path, strerror(e ? e : errno));
        int rc = add_input(g, g->spool_path); /* read after the files, as JSONL */
        if (rc) return rc;
    }
    if (!g->ninputs) return ws_error(WS_EINVAL, "ws_ingester_run: no input file and no record");
    g->o.inputs = g->inputs;
    g->o.ninputs = g->ninputs;
    g->o.fields.tag_keys = g->tags;
    g->o.fields.ntags = g->ntags;
    static const cookie_io_functions_t io = {NULL, note_write, NULL, note_close};
    FILE *log = fopencookie(g, "w", io);
    if (!log) return ws_error(WS_ENOMEM, "out of memory");
    setvbuf(log, NULL, _IOLBF, 0);
    g->o.log = log;
    ws_ingest_stats s;
    memset(&s, 0, sizeof s);
    int rc = ws_ingest(&g->o, &s);
    fclose(log);
    g->o.log = NULL;
    if (out) {
        out->stories = s.stories;
        out->bad = s.bad;
        out->undated = s.undated;
        out->date_bad = s.date_bad;
        out->invalid_utf8 = s.invalid_utf8;
        out->tokens = s.tokens;
        out->new_terms = s.new_terms;
        out->blocks = s.blocks;
        out->bytes_in = s.bytes_in;
        out->seg_bytes = s.seg_bytes;
        out->existing = s.existing;
        out->dateline_no_year = s.dateline_no_year;
        memcpy(out->existing_ids, s.existing_ids, sizeof out->existing_ids);
    }
    return rc;
}
