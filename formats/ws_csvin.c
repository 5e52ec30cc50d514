/*
 * RFC 4180 CSV reader for ws_source: a byte-at-a-time state machine over a
 * 64 KiB read window, with the record's fields kept in one buffer capped at
 * --max-record. Resynchronisation after a bad record is described in
 * ws_csvin.h.
 */
#include "ws_csvin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "ws_utf8.h"

#define RD_CHUNK ((size_t)64 << 10)
#define RD_EOF (-1)
#define RD_ERR (-2)

struct ws_csvin {
    char *path;
    int fd;
    int seekable;
    uint8_t *buf;
    size_t pos, len;
    uint64_t off; /* file offset of buf[0] */
    int eof, err;
    uint64_t line; /* physical line of the next byte */
    uint8_t delim;
    /* the current record */
    ws_buf fb;          /* field bytes */
    size_t *fs, *fl;    /* field starts and lengths */
    uint8_t *fq;        /* field was quoted */
    size_t nf, capf;
    int too_big;
    /* the header */
    size_t ncols;
    int col[WS_SR_NFIELDS], col_date;
    int *tag_col;       /* [ntag_cols]: column of each --tag key */
    uint32_t *tag_idx;  /* its tag column in the context */
    size_t ntag_cols;
    int empty;          /* no header: yields nothing */
    int noted_cp1252;
};

/* ---- the byte stream ---- */
static int rd_slow(ws_csvin *r)
{
    if (r->err) return RD_ERR;
    if (r->eof) return RD_EOF;
    r->off += r->len;
    r->pos = r->len = 0;
    for (;;) {
        ssize_t n = read(r->fd, r->buf, RD_CHUNK);
        if (n < 0) {
            if (errno == EINTR) continue;
            r->err = ws_error(WS_EIO, "%s: read failed: %s", r->path, strerror(errno));
            return RD_ERR;
        }
        if (n == 0) { r->eof = 1; return RD_EOF; }
        r->len = (size_t)n;
        break;
    }
    return r->buf[r->pos++];
}

static inline int rd_get(ws_csvin *r) { return r->pos < r->len ? r->buf[r->pos++] : rd_slow(r); }
static inline uint64_t rd_tell(const ws_csvin *r) { return r->off + r->pos; }
/* Give back the byte just read (always possible: it is still in buf). */
static inline void rd_unget(ws_csvin *r) { r->pos--; }

static int rd_seek(ws_csvin *r, uint64_t off)
{
    if (off >= r->off && off <= r->off + r->len) { r->pos = (size_t)(off - r->off); r->eof = 0; return 0; }
    if (lseek(r->fd, (off_t)off, SEEK_SET) == (off_t)-1) return ws_error(WS_EIO, "%s: seek failed: %s", r->path, strerror(errno));
    r->off = off;
    r->pos = r->len = 0;
    r->eof = 0;
    return 0;
}

/* ---- records ---- */
/* A record's size, for --max-record: its field bytes plus 16 per field (so
 * that a line of a million commas is bounded too). */
static inline void put(ws_csvin *r, size_t max, int ch)
{
    if (r->too_big || r->fb.n + r->nf * 16 >= max) { r->too_big = 1; return; }
    if (r->fb.n == r->fb.cap && ws_buf_reserve(&r->fb, 1)) { r->err = WS_ENOMEM; return; }
    r->fb.p[r->fb.n++] = (uint8_t)ch;
}

static int push_field(ws_csvin *r, size_t max, size_t start, int quoted)
{
    if (r->too_big || r->fb.n + (r->nf + 1) * 16 > max) { r->too_big = 1; return 0; }
    if (r->nf == r->capf) {
        size_t cap = r->capf ? r->capf * 2 : 32;
        size_t *fs = ws_realloc(r->fs, cap * sizeof *fs);
        if (fs) r->fs = fs;
        size_t *fl = fs ? ws_realloc(r->fl, cap * sizeof *fl) : NULL;
        if (fl) r->fl = fl;
        uint8_t *fq = fl ? ws_realloc(r->fq, cap) : NULL;
        if (!fq) return WS_ENOMEM;
        r->fq = fq;
        r->capf = cap;
    }
    r->fs[r->nf] = start;
    r->fl[r->nf] = r->fb.n - start;
    r->fq[r->nf] = (uint8_t)quoted;
    r->nf++;
    return 0;
}

/* Consume the rest of the physical line, c being the byte in hand. */
static void skip_line(ws_csvin *r, int c)
{
    while (c != '\n' && c != '\r' && c >= 0) c = rd_get(r);
    if (c < 0) return;
    if (c == '\r') {
        int d = rd_get(r);
        if (d != '\n' && d >= 0) rd_unget(r);
    }
    r->line++;
}

/*
 * Read one record. Returns 1 (fields in fb/fs/fl), 0 at the end of the
 * input, WS_EFORMAT or WS_ETOOBIG for a bad record (already resynchronised;
 * ws_error detail set), or a fatal code. *line and *off: where it started.
 */
static int read_record(ws_csvin *r, size_t max, uint64_t *line, uint64_t *off)
{
    r->fb.n = 0;
    r->nf = 0;
    r->too_big = 0;
    *line = r->line;
    *off = rd_tell(r);
    uint64_t first_nl = 0; /* offset after the record's first newline inside quotes */
    int c = rd_get(r);
    if (c == RD_EOF) return 0;
    for (;;) {
        if (c == RD_ERR) return r->err;
        size_t start = r->fb.n;
        int quoted = 0;
        if (c == '"') {
            quoted = 1;
            for (;;) {
                c = rd_get(r);
                if (c < 0) {
                    if (c == RD_ERR) return r->err;
                    /* end of input inside quotes */
                    if (first_nl && r->seekable) {
                        int rc = rd_seek(r, first_nl);
                        if (rc) return rc;
                        r->line = *line + 1;
                    }
                    return ws_error(WS_EFORMAT, "quoted field opened on this line is never closed");
                }
                if (c == '"') {
                    c = rd_get(r);
                    if (c == '"') { put(r, max, '"'); continue; }
                    break;
                }
                if (c == '\n') {
                    r->line++;
                    if (!first_nl) first_nl = rd_tell(r);
                }
                put(r, max, c);
            }
            while ((c == ' ' || c == '\t') && c != r->delim) c = rd_get(r);
            if (c != r->delim && c != '\n' && c != '\r' && c != RD_EOF) {
                if (c == RD_ERR) return r->err;
                size_t fieldno = r->nf + 1;
                skip_line(r, c);
                return ws_error(WS_EFORMAT, "field %zu: '%c' after a closing quote (a quote inside a quoted field must be doubled)",
                                fieldno, c >= 0x20 && c < 0x7f ? c : '?');
            }
        } else {
            while (c != r->delim && c != '\n' && c != '\r' && c >= 0) {
                put(r, max, c);
                c = rd_get(r);
            }
            if (c == RD_ERR) return r->err;
        }
        if (r->err) return r->err;
        if (push_field(r, max, start, quoted)) return WS_ENOMEM;
        if (c == r->delim) { c = rd_get(r); continue; }
        /* end of the record */
        if (c == '\r') {
            c = rd_get(r);
            if (c == RD_ERR) return r->err;
            if (c != '\n' && c >= 0) rd_unget(r);
            r->line++;
        } else if (c == '\n') {
            r->line++;
        }
        break;
    }
    if (r->too_big) return ws_error(WS_ETOOBIG, "record longer than --max-record (%zu bytes); skipped", max);
    return 1;
}

static int blank_record(const ws_csvin *r) { return r->nf == 1 && r->fl[0] == 0 && !r->fq[0]; }

/* ---- the header ---- */
static int ieq_n(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn) return 0;
    for (size_t i = 0; i < an; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return 0;
    }
    return 1;
}

static int find_col(const ws_buf *names, const size_t *ns, const size_t *nl, size_t ncols, const char *key)
{
    size_t kn = strlen(key);
    for (size_t i = 0; i < ncols; i++)
        if (nl[i] == kn && !memcmp(names->p + ns[i], key, kn)) return (int)i;
    for (size_t i = 0; i < ncols; i++)
        if (ieq_n((const char *)names->p + ns[i], nl[i], key)) return (int)i;
    return -1;
}

static int col_list_error(ws_csvin *r, const ws_buf *names, const size_t *ns, const size_t *nl, const char *what)
{
    char list[400];
    size_t k = 0;
    list[0] = 0;
    for (size_t i = 0; i < r->ncols && k + 4 < sizeof list; i++) {
        int w = snprintf(list + k, sizeof list - k, "%s%.*s", i ? ", " : "", (int)nl[i], (const char *)names->p + ns[i]);
        if (w < 0) break;
        k += (size_t)w;
        if (k >= sizeof list) { k = sizeof list - 1; break; }
    }
    return ws_error(WS_EINVAL, "%s: %s (the header has: %s)", r->path, what, list);
}

static int read_header(ws_csvin *r, const ws_source_opts *o, ws_srcctx *c)
{
    uint64_t line, off;
    int rc;
    do {
        rc = read_record(r, c->max_record, &line, &off);
    } while (rc == 1 && blank_record(r));
    if (rc == 0) {
        r->empty = 1;
        ws_src_note(c, "%s: note: empty CSV file (no header row); no stories", r->path);
        return 0;
    }
    if (rc < 0) {
        if (rc == WS_EFORMAT || rc == WS_ETOOBIG) {
            char why[512];
            snprintf(why, sizeof why, "%s", ws_last_error());
            return ws_error(WS_EFORMAT, "%s:%llu: bad header row: %s", r->path, (unsigned long long)line, why);
        }
        return rc;
    }
    /* Column names: UTF-8 (repaired) or Windows-1252, trimmed. */
    ws_buf names = {0};
    size_t *ns = ws_calloc(r->nf, sizeof *ns), *nl = ws_calloc(r->nf, sizeof *nl);
    rc = ns && nl ? 0 : WS_ENOMEM;
    ws_encoding enc = ws_encoding_resolve(c->enc, (const char *)r->fb.p, r->fb.n);
    r->ncols = r->nf;
    for (size_t i = 0; !rc && i < r->nf; i++) {
        const char *s = (const char *)r->fb.p + r->fs[i];
        size_t n = r->fl[i];
        ws_src_trim(&s, &n);
        ns[i] = names.n;
        long bad = ws_encoding_to_utf8(enc, s, n, &names);
        if (bad < 0) rc = (int)bad;
        nl[i] = names.n - ns[i];
    }
    const char *keys[WS_SR_NFIELDS] = {o->id_key, o->title_key, o->body_key, o->source_key};
    static const char *const defaults[WS_SR_NFIELDS] = {"id", "title", "body", "source"};
    static const char *const what[WS_SR_NFIELDS] = {"id", "title", "body", "source"};
    for (int f = 0; !rc && f < WS_SR_NFIELDS; f++) {
        r->col[f] = find_col(&names, ns, nl, r->ncols, keys[f] ? keys[f] : defaults[f]);
        if (f == WS_SR_BODY && !keys[f] && r->col[f] < 0) r->col[f] = find_col(&names, ns, nl, r->ncols, "text");
        if (f == WS_SR_BODY && !keys[f] && r->col[f] < 0) r->col[f] = find_col(&names, ns, nl, r->ncols, "content");
        if (keys[f] && r->col[f] < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "no column named '%s' for --field %s", keys[f], what[f]);
            rc = col_list_error(r, &names, ns, nl, msg);
        }
    }
    if (!rc) {
        r->col_date = find_col(&names, ns, nl, r->ncols, o->date_key ? o->date_key : "date");
        if (o->date_key && r->col_date < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "no column named '%s' for --field date", o->date_key);
            rc = col_list_error(r, &names, ns, nl, msg);
        }
    }
    if (!rc && r->col[WS_SR_TITLE] < 0 && r->col[WS_SR_BODY] < 0)
        rc = col_list_error(r, &names, ns, nl,
                            "no title or body column (looked for title, body, text, content); name one with --field title=NAME or --field body=NAME");
    if (!rc && o->ntags) {
        r->tag_col = ws_calloc(o->ntags, sizeof *r->tag_col);
        r->tag_idx = ws_calloc(o->ntags, sizeof *r->tag_idx);
        if (!r->tag_col || !r->tag_idx) rc = WS_ENOMEM;
    }
    for (size_t t = 0; !rc && t < o->ntags; t++) {
        r->tag_col[t] = find_col(&names, ns, nl, r->ncols, o->tag_keys[t]);
        if (r->tag_col[t] < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "no column named '%s' for --tag", o->tag_keys[t]);
            rc = col_list_error(r, &names, ns, nl, msg);
            break;
        }
        int idx = ws_srcctx_tag(c, o->tag_keys[t]);
        if (idx < 0) rc = idx;
        else r->tag_idx[t] = (uint32_t)idx;
        r->ntag_cols = t + 1;
    }
    ws_buf_free(&names);
    ws_free(ns);
    ws_free(nl);
    return rc;
}

int ws_csvin_open(const char *path, const ws_source_opts *o, ws_srcctx *c, ws_csvin **out)
{
    *out = NULL;
    ws_csvin *r = ws_calloc(1, sizeof *r);
    if (!r) return WS_ENOMEM;
    r->fd = -1;
    int rc = 0;
    if (!(r->path = ws_strndup(path, strlen(path))) || !(r->buf = ws_malloc(RD_CHUNK))) rc = WS_ENOMEM;
    /* The field bytes exist even when every field is empty (",,"): the
     * readers take fb.p + offset. */
    if (!rc) rc = ws_buf_reserve(&r->fb, 256);
    if (!rc) {
        if (!strcmp(path, "-")) {
            r->fd = 0;
        } else {
            r->fd = open(path, O_RDONLY | O_CLOEXEC);
            if (r->fd < 0) rc = ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot open: %s", path, strerror(errno));
            else r->seekable = lseek(r->fd, 0, SEEK_CUR) != (off_t)-1;
        }
    }
    if (!rc) {
        r->line = 1;
        r->delim = (uint8_t)o->delimiter;
        if (!r->delim) {
            size_t n = strlen(path);
            r->delim = n >= 4 && (!strcmp(path + n - 4, ".tsv") || !strcmp(path + n - 4, ".TSV")) ? '\t' : ',';
        }
        if (r->delim == '"' || r->delim == '\n' || r->delim == '\r')
            rc = ws_error(WS_EINVAL, "--delimiter cannot be a quote or a line end");
    }
    if (!rc) {
        /* A BOM at the start of the file: read at least 3 bytes first. */
        while (!rc && r->len < 3 && !r->eof) {
            ssize_t n = read(r->fd, r->buf + r->len, RD_CHUNK - r->len);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) rc = ws_error(WS_EIO, "%s: read failed: %s", path, strerror(errno));
            else if (n == 0) r->eof = 1;
            else r->len += (size_t)n;
        }
        const uint8_t *b = r->buf;
        if (rc) { /* reported */ }
        else if (r->len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) r->pos = 3;
        else if (r->len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
            rc = ws_error(WS_EFORMAT, "%s: UTF-16 CSV files are not supported; convert to UTF-8 (iconv -f UTF-16 -t UTF-8)", path);
        if (!rc && r->len) r->eof = 0; /* more may follow: rd_slow reads on */
    }
    if (!rc) rc = read_header(r, o, c);
    if (!rc && !o->datelines_off) {
        int i;
        if ((i = ws_srcctx_tag(c, "place")) < 0) rc = i;
        else c->tag_place = i;
        if (!rc && (i = ws_srcctx_tag(c, "agency")) < 0) rc = i;
        else if (!rc) c->tag_agency = i;
    }
    ws_src_set_path(c, path);
    if (rc) { ws_csvin_close(r); return rc; }
    *out = r;
    return 0;
}

/* A tag cell holds values separated by '|' ("algeria|iran"), as export
 * writes multi-valued tags; "\|" is a '|' inside a value and "\\" a
 * backslash (a backslash before anything else is itself). Each value is
 * trimmed; empty ones are dropped. The bytes are split before conversion:
 * '|' and '\' are single bytes in UTF-8 and Windows-1252 alike. */
static int split_tags(ws_srcctx *c, uint32_t tag, const char *s, size_t n, ws_encoding enc)
{
    ws_buf *v = &c->scratch;
    v->n = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '|') {
            int rc = v->n ? ws_srcrec_tag(&c->rec, tag, (const char *)v->p, v->n, enc) : 0;
            if (rc) return rc;
            v->n = 0;
            continue;
        }
        if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '|' || s[i + 1] == '\\')) i++;
        if (ws_buf_append(v, s + i, 1)) return WS_ENOMEM;
    }
    return 0;
}

int ws_csvin_next(ws_csvin *r, ws_srcctx *c, ws_source_pos *pos)
{
    if (r->empty) return 0;
    for (;;) {
        uint64_t line, off;
        int rc = read_record(r, c->max_record, &line, &off);
        pos->file = r->path;
        pos->line = line;
        pos->byte = off;
        if (rc <= 0) return rc;
        if (blank_record(r)) continue;
        if (r->nf != r->ncols)
            return ws_error(WS_EFORMAT, "%zu field%s, the header has %zu", r->nf, r->nf == 1 ? "" : "s", r->ncols);
        ws_srcrec *rec = &c->rec;
        ws_srcrec_reset(rec);
        ws_encoding enc = ws_encoding_resolve(c->enc, (const char *)r->fb.p, r->fb.n);
        if (c->enc == WS_ENC_AUTO && enc != WS_ENC_UTF8 && !r->noted_cp1252) {
            r->noted_cp1252 = 1;
            ws_src_note(c, "%s:%llu: note: not valid UTF-8; this record and later ones like it are read as Windows-1252",
                        r->path, (unsigned long long)line);
        }
        for (int f = 0; f < WS_SR_NFIELDS; f++) {
            int k = r->col[f];
            if (k < 0) continue;
            /* Fields are kept exactly as written, as JSONL strings are (a CSV
             * export read back gives the same text); only the id is trimmed. */
            if ((rc = ws_srcrec_field(rec, f, (const char *)r->fb.p + r->fs[k], r->fl[k], enc, f == WS_SR_ID))) return rc;
        }
        if (r->col[WS_SR_ID] < 0) {
            /* No id column: the record's line number, so a story can be found again. */
            char idbuf[24];
            int n = snprintf(idbuf, sizeof idbuf, "%llu", (unsigned long long)line);
            if ((rc = ws_srcrec_field(rec, WS_SR_ID, idbuf, (size_t)n, WS_ENC_UTF8, 0))) return rc;
        }
        if (r->col_date >= 0) ws_src_date_field(c, (const char *)r->fb.p + r->fs[r->col_date], r->fl[r->col_date]);
        for (size_t t = 0; t < r->ntag_cols; t++) {
            int k = r->tag_col[t];
            if ((rc = split_tags(c, r->tag_idx[t], (const char *)r->fb.p + r->fs[k], r->fl[k], enc))) return rc;
        }
        if ((rc = ws_src_dateline(c, NULL, 0))) return rc;
        return 1;
    }
}

void ws_csvin_close(ws_csvin *r)
{
    if (!r) return;
    if (r->fd > 0) close(r->fd);
    ws_free(r->path);
    ws_free(r->buf);
    ws_buf_free(&r->fb);
    ws_free(r->fs);
    ws_free(r->fl);
    ws_free(r->fq);
    ws_free(r->tag_col);
    ws_free(r->tag_idx);
    ws_free(r);
}
