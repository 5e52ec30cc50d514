/*
 * Ingest's inputs: what each input is (its format, the tag columns it
 * brings) and reading it into batches for ws_ing_process_batch, JSONL as
 * whole lines, the other formats as records their source reader parsed.
 * The batches' parse, tokenize and store phases are in ws_ingest.c.
 */
#include "ws_ingest_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_dateline.h"

static int read_fill(int fd, uint8_t *buf, size_t cap, size_t *len, int *eof, const char *name)
{
    while (*len < cap && !*eof) {
        ssize_t n = read(fd, buf + *len, cap - *len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return ws_error(WS_EIO, "%s: read failed: %s", name, strerror(errno));
        }
        if (n == 0) *eof = 1;
        *len += (size_t)n;
    }
    return 0;
}

int ws_ing_file(run *r, const char *path)
{
    const ws_ingest_opts *o = r->o;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = BATCH_BYTES, len = 0, maxcap = o->max_record + 1 > cap ? o->max_record + 1 : cap;
    /* dateline dates: --year, else a year in the file's path (as for the other formats) */
    int year = o->src.year > 0 ? o->src.year : o->src.year == 0 && fd > 0 ? ws_year_from_path(path) : 0;
    for (int t = 0; t < r->nthreads; t++) ws_jsonl_parser_set_year(r->w[t].parser, year);
    uint8_t *buf = ws_malloc(cap);
    line_ref *lines = NULL;
    size_t lines_cap = 0;
    int rc = buf ? 0 : WS_ENOMEM, eof = 0, first = 1, skipping = 0;
    uint64_t lineno = 0;
    while (!rc) {
        if ((rc = read_fill(fd, buf, cap, &len, &eof, name))) break;
        size_t start = 0;
        if (first && len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) start = 3; /* BOM at file start only */
        if (first && len) first = 0;
        if (skipping) {
            /* Inside an over-long line: drop bytes through its newline. */
            uint8_t *nl = memchr(buf, '\n', len);
            if (!nl) { r->bytes_done += len; len = 0; if (eof) break; continue; }
            size_t k = (size_t)(nl - buf) + 1;
            r->bytes_done += k;
            memmove(buf, buf + k, len - k);
            len -= k;
            skipping = 0;
            continue;
        }
        if (len == start && eof) break;
        size_t end = len;
        if (!eof) {
            while (end > start && buf[end - 1] != '\n') end--;
            if (end == start) {
                /* No whole line in a full buffer: grow up to --max-record. */
                if (cap < maxcap) {
                    size_t ncap = cap * 2 < maxcap ? cap * 2 : maxcap;
                    uint8_t *nb = ws_realloc(buf, ncap);
                    if (!nb) { rc = WS_ENOMEM; break; }
                    buf = nb;
                    cap = ncap;
                    continue;
                }
                lineno++;
                ws_ing_report_bad(r, name, lineno, "record longer than --max-record; skipped");
                if (o->strict) { rc = ws_error(WS_ETOOBIG, "%s:%llu: record longer than --max-record (--strict)", name, (unsigned long long)lineno); break; }
                skipping = 1;
                r->bytes_done += len;
                len = 0;
                continue;
            }
        }
        /* Split [start, end) into lines. */
        size_t nl = 0;
        for (size_t p = start; p < end;) {
            const uint8_t *q = memchr(buf + p, '\n', end - p);
            size_t e = q ? (size_t)(q - buf) : end;
            if (nl == lines_cap) {
                size_t c2 = lines_cap ? lines_cap * 2 : 4096;
                line_ref *l2 = ws_realloc(lines, c2 * sizeof *l2);
                if (!l2) { rc = WS_ENOMEM; break; }
                lines = l2;
                lines_cap = c2;
            }
            lines[nl].p = (const char *)buf + p;
            lines[nl].n = e - p;
            lines[nl].line = ++lineno;
            lines[nl].file = name;
            lines[nl].rec = NULL;
            nl++;
            p = e + 1;
        }
        if (rc) break;
        if ((rc = ws_ing_process_batch(r, lines, nl))) break;
        r->bytes_done += end;
        r->stats->bytes_in += end;
        ws_ing_progress(r, 0);
        memmove(buf, buf + end, len - end);
        len -= end;
        if (eof && len == 0) break;
    }
    ws_free(buf);
    ws_free(lines);
    if (fd > 0) close(fd);
    return rc;
}

static int tag_column(const run *r, const char *name);

/* Copy a source's record into the batch arena, its tags moved to the
 * store's tag columns (map[t] = column of the source's tag t). */
static ws_record *copy_record(run *r, const ws_record *in, const int *map)
{
    arena *a = &r->src_mem[r->src_cur];
    int fail = 0;
    ws_record *rec = arena_alloc(a, sizeof *rec);
    uint32_t *count = arena_alloc(a, (r->ntags + 1) * sizeof *count);
    uint32_t total = 0;
    for (uint32_t t = 0; t < in->ntags; t++) total += in->tag_count[t];
    ws_str *vals = arena_alloc(a, (total + 1) * sizeof *vals);
    if (!rec || !count || !vals) return NULL;
    *rec = *in;
    rec->id = arena_str(a, in->id, &fail);
    rec->title = arena_str(a, in->title, &fail);
    rec->body = arena_str(a, in->body, &fail);
    rec->source = arena_str(a, in->source, &fail);
    memset(count, 0, (r->ntags + 1) * sizeof *count);
    for (uint32_t t = 0; t < in->ntags; t++) count[map[t]] += in->tag_count[t];
    /* Values in column order: walk the columns, pick each source tag's run. */
    uint32_t k = 0;
    for (uint32_t c = 0; c < r->ntags; c++) {
        uint32_t off = 0;
        for (uint32_t t = 0; t < in->ntags; t++) {
            if (map[t] == (int)c)
                for (uint32_t j = 0; j < in->tag_count[t]; j++) vals[k++] = arena_str(a, in->tag_vals[off + j], &fail);
            off += in->tag_count[t];
        }
    }
    rec->ntags = r->ntags;
    rec->tag_count = count;
    rec->tag_vals = vals;
    return fail ? NULL : rec;
}

/* Ingest one non-JSONL input: records are read in order by the source,
 * copied, and tokenized in parallel batches like JSONL lines. */
int ws_ing_source(run *r, const char *path, ws_format fmt)
{
    const ws_ingest_opts *o = r->o;
    ws_source *src;
    int rc = ws_source_open(path, fmt, &r->src, &src);
    if (rc) return rc;
    int map[WS_MAX_TAG_COLUMNS];
    for (uint32_t t = 0; t < ws_source_ntags(src) && t < WS_MAX_TAG_COLUMNS; t++) map[t] = tag_column(r, ws_source_tag_name(src, t));
    size_t cap = 4096, n = 0, bytes = 0;
    line_ref *items = ws_malloc(cap * sizeof *items);
    if (!items) rc = WS_ENOMEM;
    /* Batches' records live in src_mem until their phase 2b is done: the
     * pending batch of an earlier input is finished first, and the two
     * arenas alternate batch by batch. */
    if (!rc) rc = ws_ing_drain_pending(r);
    arena_reset(&r->src_mem[r->src_cur]);
    for (int more = 1; !rc && more;) {
        ws_record rec;
        ws_source_pos pos = {0};
        int k = ws_source_next(src, &rec, &pos);
        if (k == 1) {
            const ws_record *copy = copy_record(r, &rec, map);
            ws_str file = arena_str(&r->src_mem[r->src_cur], ws_str_make(pos.file ? pos.file : path, strlen(pos.file ? pos.file : path) + 1), &(int){0});
            if (!copy || !file.p) { rc = WS_ENOMEM; break; }
            items[n] = (line_ref){NULL, 0, pos.line, file.p, copy};
            bytes += rec.title.n + rec.body.n + rec.id.n + 64;
            n++;
        } else if (k == 0) {
            more = 0;
        } else if (k == WS_EFORMAT || k == WS_ETOOBIG) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", ws_last_error());
            const char *f = pos.file ? pos.file : path;
            if (pos.line) ws_ing_report_bad(r, f, pos.line, msg);
            else {
                r->stats->bad++;
                if (r->reported++ < o->max_reports) fprintf(r->log, "%s:byte %llu: %s\n", f, (unsigned long long)pos.byte, msg);
            }
            if (o->strict) rc = ws_error(k, "%s:%llu: %s (--strict)", f, (unsigned long long)pos.line, msg);
            continue;
        } else {
            rc = k;
            break;
        }
        if (n && (n == cap || bytes >= BATCH_BYTES || !more)) {
            if ((rc = ws_ing_process_batch(r, items, n))) break;
            r->bytes_done += bytes;
            r->stats->bytes_in += bytes;
            ws_ing_progress(r, 0);
            n = bytes = 0;
            r->src_cur ^= 1;
            arena_reset(&r->src_mem[r->src_cur]);
        }
    }
    if (!rc && n) {
        rc = ws_ing_process_batch(r, items, n);
        r->stats->bytes_in += bytes;
    }
    if (!rc) rc = ws_ing_drain_pending(r);
    ws_free(items);
    ws_source_close(src);
    return rc;
}

static int parse_format(const char *name, ws_format *out)
{
    static const struct { const char *name; ws_format f; } fm[] = {
        {"jsonl", WS_FMT_JSONL}, {"ndjson", WS_FMT_JSONL}, {"csv", WS_FMT_CSV}, {"text", WS_FMT_TEXT}, {"reuters", WS_FMT_REUTERS}};
    for (size_t i = 0; i < sizeof fm / sizeof fm[0]; i++)
        if (!strcmp(name, fm[i].name)) { *out = fm[i].f; return 0; }
    return ws_error(WS_EINVAL, "unknown --format '%s' (jsonl, csv, text or reuters)", name);
}

static int tag_column(const run *r, const char *name)
{
    for (uint32_t t = 0; t < r->ntags; t++)
        if (!strcmp(r->tag_names[t], name)) return (int)t;
    return -1;
}

static int add_tag_column(run *r, const char *name, int from_option)
{
    for (int c = 0; c < WS_C_FIRST_TAG; c++)
        if (!strcmp(name, fixed_names[c])) return ws_error(WS_EINVAL, "tag %s: that name is a built-in column", name);
    if (tag_column(r, name) >= 0) return from_option ? ws_error(WS_EINVAL, "--tag %s given twice", name) : 0;
    if (r->ntags == WS_MAX_TAG_COLUMNS) return ws_error(WS_EINVAL, "more than %d tag columns", WS_MAX_TAG_COLUMNS);
    /* Own a copy: a source's names live only while it is open. */
    char *copy = ws_strndup(name, strlen(name));
    if (!copy) return WS_ENOMEM;
    r->tag_names[r->ntags++] = copy;
    return 0;
}

/* Decide every input's format and the store's tag columns: the --tag keys
 * first (JSONL records fill them in that order), then the tags the other
 * formats produce, in order of first appearance. */
int ws_ing_plan_inputs(run *r)
{
    const ws_ingest_opts *o = r->o;
    ws_format forced = WS_FMT_AUTO;
    int rc = o->format ? parse_format(o->format, &forced) : 0;
    if (rc) return rc;
    for (size_t t = 0; t < o->fields.ntags; t++)
        if ((rc = add_tag_column(r, o->fields.tag_keys[t], 1))) return rc;
    r->src = o->src;
    r->src.format = forced; /* readers tell a forced format from a detected one */
    r->src.id_key = o->fields.id_key;
    r->src.date_key = o->fields.date_key;
    r->src.title_key = o->fields.title_key;
    r->src.body_key = o->fields.body_key;
    r->src.source_key = o->fields.source_key;
    r->src.tag_keys = o->fields.tag_keys;
    r->src.ntags = o->fields.ntags;
    if (!r->src.max_record) r->src.max_record = o->max_record;
    if (!r->src.log) r->src.log = r->log;
    if (!(r->fmts = ws_calloc(o->ninputs + 1, sizeof *r->fmts))) return WS_ENOMEM;
    for (size_t i = 0; i < o->ninputs; i++) {
        const char *in = o->inputs[i];
        /* A pipe (<(cmd), a FIFO, /dev/stdin) is read once: sniffing its
         * content would swallow its first records, so it is JSONL like "-"
         * unless --format says otherwise. */
        struct stat sb;
        int known = strcmp(in, "-") && stat(in, &sb) == 0;
        int stream = !strcmp(in, "-") || (known && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode));
        if (i == 0) r->bytes_total = 0;
        if (known && S_ISREG(sb.st_mode) && r->bytes_total != UINT64_MAX) r->bytes_total += (uint64_t)sb.st_size;
        else r->bytes_total = UINT64_MAX; /* unknown: said as 0 below */
        ws_format f = stream ? (forced ? forced : WS_FMT_JSONL) : ws_source_detect(in, forced);
        if (f == WS_FMT_AUTO)
            return ws_error(WS_EINVAL, "%s: cannot tell the input format; use --format jsonl|csv|text|reuters", in);
        if (f != WS_FMT_JSONL && !strcmp(in, "-")) return ws_error(WS_EINVAL, "standard input can only be JSONL");
        r->fmts[i] = f;
        /* JSONL records' dateline tags are the two lists after the --tag
         * keys': their columns come right after those keys. */
        if (f == WS_FMT_JSONL && !r->src.datelines_off && !r->jsonl_datelines) {
            r->jsonl_datelines = 1;
            if ((rc = add_tag_column(r, "place", 0)) || (rc = add_tag_column(r, "agency", 0))) return rc;
        }
    }
    if (r->bytes_total == UINT64_MAX) r->bytes_total = 0;
    for (size_t i = 0; i < o->ninputs; i++) {
        const char *in = o->inputs[i];
        ws_format f = r->fmts[i];
        if (f == WS_FMT_JSONL) continue;
        ws_source *src;
        ws_source_opts quiet = r->src;
        quiet.log = NULL; /* notes come once, when the input is read */
        if ((rc = ws_source_open(in, f, &quiet, &src))) return rc;
        for (uint32_t t = 0; t < ws_source_ntags(src) && !rc; t++) rc = add_tag_column(r, ws_source_tag_name(src, t), 0);
        ws_source_close(src);
        if (rc) return rc;
    }
    return 0;
}
