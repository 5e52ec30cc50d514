/*
 * Reuters-21578 SGML/XML reader for ws_source. A streaming scanner finds
 * <REUTERS ...> ... </REUTERS> spans in a read window that holds at most one
 * story (capped at --max-record), and a small element finder extracts the
 * fields of each story; see ws_reuters.h for the mapping and the policies.
 */
#include "ws_reuters.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_date.h"

#define RT_CHUNK ((size_t)64 << 10)

enum { T_TOPICS, T_PLACES, T_PEOPLE, T_ORGS, T_EXCHANGES, T_NCAT };
static const char *const cat_names[T_NCAT] = {"topics", "places", "people", "orgs", "exchanges"};
static const char *const cat_elems[T_NCAT] = {"TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES"};

/* ================= element scanning ================= */

static int up(int ch) { return ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch; }

static int name_at(const char *s, size_t n, size_t i, const char *name)
{
    size_t k = strlen(name);
    if (i + k > n) return 0;
    for (size_t j = 0; j < k; j++)
        if (up((unsigned char)s[i + j]) != name[j]) return 0;
    return 1;
}

static int name_end(char ch) { return ch == '>' || ch == '/' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/* The first <NAME ...> in s[from, to): sets the attribute span and the
 * content span (up to </NAME>). Returns 1 found, 0 absent, WS_EFORMAT when
 * the element is not closed. */
static int element(const char *s, size_t from, size_t to, const char *name, size_t *as, size_t *ae, size_t *cs, size_t *ce)
{
    size_t k = strlen(name);
    for (size_t i = from; i + 1 + k < to; i++) {
        const char *lt = memchr(s + i, '<', to - i);
        if (!lt) return 0;
        i = (size_t)(lt - s);
        if (i + 1 + k >= to || !name_at(s, to, i + 1, name) || !name_end(s[i + 1 + k])) continue;
        const char *gt = memchr(s + i + 1 + k, '>', to - (i + 1 + k));
        if (!gt) return ws_error(WS_EFORMAT, "<%s> tag not closed with '>'", name);
        size_t g = (size_t)(gt - s);
        *as = i + 1 + k;
        *ae = g;
        if (g > *as && s[g - 1] == '/') { /* <NAME/> */
            *ae = g - 1;
            *cs = *ce = g + 1;
            return 1;
        }
        *cs = g + 1;
        for (size_t j = g + 1; j + 2 + k < to; j++) {
            const char *lt2 = memchr(s + j, '<', to - j);
            if (!lt2) break;
            j = (size_t)(lt2 - s);
            if (j + 2 + k < to && s[j + 1] == '/' && name_at(s, to, j + 2, name)) {
                size_t e = j + 2 + k;
                while (e < to && (s[e] == ' ' || s[e] == '\t' || s[e] == '\n' || s[e] == '\r')) e++;
                if (e < to && s[e] == '>') { *ce = j; return 1; }
            }
        }
        return ws_error(WS_EFORMAT, "<%s> without </%s>", name, name);
    }
    return 0;
}

/* The value of attribute NAME in s[as, ae), or 0 when absent. */
static int attribute(const char *s, size_t as, size_t ae, const char *name, size_t *vs, size_t *ve)
{
    size_t k = strlen(name);
    for (size_t i = as; i + k <= ae; i++) {
        if (!name_at(s, ae, i, name)) continue;
        if (i > as && !(s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n' || s[i - 1] == '\r')) continue;
        size_t j = i + k;
        while (j < ae && (s[j] == ' ' || s[j] == '\t')) j++;
        if (j >= ae || s[j] != '=') continue;
        j++;
        while (j < ae && (s[j] == ' ' || s[j] == '\t')) j++;
        if (j < ae && (s[j] == '"' || s[j] == '\'')) {
            char q = s[j];
            const char *e = memchr(s + j + 1, q, ae - j - 1);
            if (!e) return 0;
            *vs = j + 1;
            *ve = (size_t)(e - s);
            return 1;
        }
        size_t e = j;
        while (e < ae && !(s[e] == ' ' || s[e] == '\t' || s[e] == '\n' || s[e] == '\r' || s[e] == '>')) e++;
        *vs = j;
        *ve = e;
        return 1;
    }
    return 0;
}

/* Element content -> UTF-8 text in c->scratch: bytes from enc, markup
 * dropped, references decoded. */
static int decode_text(ws_srcctx *c, const char *s, size_t n, ws_encoding enc)
{
    ws_buf *u = &c->scratch2, *out = &c->scratch;
    u->n = 0;
    out->n = 0;
    long bad = ws_encoding_to_utf8(enc, s, n, u);
    if (bad < 0) return (int)bad;
    c->rec.invalid_utf8 += (size_t)bad;
    const char *p = (const char *)u->p;
    size_t m = u->n, i = 0;
    while (i < m) {
        size_t run = i;
        while (run < m && p[run] != '<' && p[run] != '&') run++;
        if (ws_buf_append(out, p + i, run - i)) return WS_ENOMEM;
        i = run;
        if (i >= m) break;
        if (p[i] == '<') {
            char nx = i + 1 < m ? p[i + 1] : 0;
            const char *gt = memchr(p + i, '>', m - i);
            if (gt && ((nx >= 'A' && nx <= 'Z') || (nx >= 'a' && nx <= 'z') || nx == '/' || nx == '!' || nx == '?')) {
                i = (size_t)(gt - p) + 1;
                continue;
            }
            if (ws_buf_append(out, "<", 1)) return WS_ENOMEM;
            i++;
            continue;
        }
        /* '&' */
        const char *semi = memchr(p + i, ';', m - i < 12 ? m - i : 12);
        uint32_t cp = 0;
        int ok = 0;
        if (semi) {
            size_t a = i + 1, b = (size_t)(semi - p);
            if (a < b && p[a] == '#') {
                int hex = a + 1 < b && (p[a + 1] == 'x' || p[a + 1] == 'X');
                size_t d = a + 1 + (size_t)hex;
                ok = d < b;
                for (size_t q = d; ok && q < b; q++) {
                    int v = p[q] >= '0' && p[q] <= '9' ? p[q] - '0'
                            : hex && (p[q] | 0x20) >= 'a' && (p[q] | 0x20) <= 'f' ? (p[q] | 0x20) - 'a' + 10 : -1;
                    if (v < 0) ok = 0;
                    else if (cp <= 0x10FFFF) cp = cp * (hex ? 16u : 10u) + (uint32_t)v;
                }
                if (ok && cp == 0) cp = 0xFFFD;
            } else {
                static const struct { const char *name; uint32_t cp; } ents[] = {
                    {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
                for (size_t e = 0; e < sizeof ents / sizeof ents[0]; e++)
                    if (strlen(ents[e].name) == b - a && !memcmp(p + a, ents[e].name, b - a)) { cp = ents[e].cp; ok = 1; }
            }
            if (ok) {
                if (ws_encoding_put_cp(out, cp)) return WS_ENOMEM;
                i = b + 1;
                continue;
            }
        }
        if (ws_buf_append(out, "&", 1)) return WS_ENOMEM;
        i++;
    }
    return 0;
}

/* Parse "26-FEB-1987 15:01:01.79 RM": day and time, else the day alone. */
static void reuters_date(ws_srcctx *c, const char *s, size_t n)
{
    ws_src_trim(&s, &n);
    if (!n) return;
    int64_t t;
    int off;
    if (c->date_format && ws_date_parse_fmt_tz(s, n, c->date_format, &t, &off) == 0) {
        c->rec.date = t;
        c->rec.date_off = off;
        return;
    }
    size_t a = 0;
    while (a < n && s[a] != ' ' && s[a] != '\t') a++;
    size_t b = a;
    while (b < n && (s[b] == ' ' || s[b] == '\t')) b++;
    size_t e = b;
    while (e < n && s[e] != ' ' && s[e] != '\t') e++;
    if (ws_date_parse(s, e, &t) == 0 || ws_date_parse(s, a, &t) == 0 || ws_src_parse_date(c, s, n, &t) == 0) {
        c->rec.date = t;
        return;
    }
    c->rec.date_bad = 1;
}

int ws_reuters_story(ws_srcctx *c, const char *s, size_t n, ws_encoding *used_enc)
{
    ws_srcrec *rec = &c->rec;
    ws_srcrec_reset(rec);
    ws_encoding enc = ws_encoding_resolve(c->enc, s, n);
    *used_enc = enc;
    size_t as, ae, cs, ce, vs, ve;
    int rc = element(s, 0, n, "REUTERS", &as, &ae, &cs, &ce);
    if (rc <= 0) return rc < 0 ? rc : ws_error(WS_EFORMAT, "no <REUTERS> element");
    size_t body_from = cs, body_to = ce;
    if (attribute(s, as, ae, "NEWID", &vs, &ve)) {
        if ((rc = decode_text(c, s + vs, ve - vs, enc))) return rc;
        if ((rc = ws_srcrec_field(rec, WS_SR_ID, (const char *)c->scratch.p, c->scratch.n, WS_ENC_UTF8, 1))) return rc;
    }
    /* TEXT, then the metadata before it */
    size_t ts = 0, te = 0, tas = 0, tae = 0;
    int has_text = element(s, body_from, body_to, "TEXT", &tas, &tae, &ts, &te);
    if (has_text < 0) return has_text;
    size_t meta_to = has_text ? tas : body_to;
    if ((rc = element(s, body_from, meta_to, "DATE", &as, &ae, &cs, &ce)) < 0) return rc;
    if (rc) {
        if ((rc = decode_text(c, s + cs, ce - cs, enc))) return rc;
        ws_buf_reset(&c->scratch2);
        if (ws_buf_append(&c->scratch2, c->scratch.p, c->scratch.n)) return WS_ENOMEM;
        reuters_date(c, (const char *)c->scratch2.p, c->scratch2.n);
    }
    for (int k = 0; k < T_NCAT; k++) {
        if ((rc = element(s, body_from, meta_to, cat_elems[k], &as, &ae, &cs, &ce)) < 0) return rc;
        if (!rc) continue;
        size_t from = cs;
        size_t ds, de, dcs, dce;
        while ((rc = element(s, from, ce, "D", &ds, &de, &dcs, &dce)) == 1) {
            if ((rc = decode_text(c, s + dcs, dce - dcs, enc))) return rc;
            if ((rc = ws_srcrec_tag(rec, (uint32_t)k, (const char *)c->scratch.p, c->scratch.n, WS_ENC_UTF8))) return rc;
            from = dce;
        }
        if (rc < 0) return rc;
    }
    if (!has_text) return 0;
    int unproc = 0;
    if (attribute(s, tas, tae, "TYPE", &vs, &ve) && ve - vs == 6 && name_at(s, ve, vs, "UNPROC")) unproc = 1;
    if ((rc = element(s, ts, te, "TITLE", &as, &ae, &cs, &ce)) < 0) return rc;
    if (rc) {
        if ((rc = decode_text(c, s + cs, ce - cs, enc))) return rc;
        if ((rc = ws_srcrec_field(rec, WS_SR_TITLE, (const char *)c->scratch.p, c->scratch.n, WS_ENC_UTF8, 1))) return rc;
    }
    if ((rc = element(s, ts, te, "BODY", &as, &ae, &cs, &ce)) < 0) return rc;
    if (rc) {
        if ((rc = decode_text(c, s + cs, ce - cs, enc))) return rc;
        if ((rc = ws_srcrec_field(rec, WS_SR_BODY, (const char *)c->scratch.p, c->scratch.n, WS_ENC_UTF8, 0))) return rc;
    } else if (unproc) {
        if ((rc = decode_text(c, s + ts, te - ts, enc))) return rc;
        if ((rc = ws_srcrec_field(rec, WS_SR_BODY, (const char *)c->scratch.p, c->scratch.n, WS_ENC_UTF8, 0))) return rc;
    }
    if ((rc = element(s, ts, te, "DATELINE", &as, &ae, &cs, &ce)) < 0) return rc;
    if (rc) {
        if ((rc = decode_text(c, s + cs, ce - cs, enc))) return rc;
        ws_buf_reset(&c->scratch2);
        if (ws_buf_append(&c->scratch2, c->scratch.p, c->scratch.n)) return WS_ENOMEM;
        if ((rc = ws_src_dateline(c, (const char *)c->scratch2.p, c->scratch2.n))) return rc;
    } else if ((rc = ws_src_dateline(c, NULL, 0))) {
        return rc;
    }
    return 0;
}

/* ================= the stream ================= */

struct ws_reuters {
    char **files;
    size_t nfiles, fi;
    const char *cur;
    int fd;
    uint8_t *buf;
    size_t len, cap;
    uint64_t off, line; /* file offset and line number of buf[0] */
    int eof;
    int in_story;       /* buf[0] is the '<' of a <REUTERS> */
    int skipping;       /* inside a story over --max-record */
    size_t scan;        /* searches resume here */
    uint64_t story_line, story_off;
    int noted_enc;
    uint64_t file_found, found; /* <REUTERS> elements seen in this file, in all */
};

static const char OPEN[] = "<REUTERS";
static const char CLOSE[] = "</REUTERS";

/* memmem is a GNU extension: a first-byte memchr scan is enough here. */
static const uint8_t *find_bytes(const uint8_t *h, size_t hn, const char *needle, size_t k)
{
    const uint8_t *end = h + hn;
    while ((size_t)(end - h) >= k) {
        const uint8_t *p = memchr(h, needle[0], (size_t)(end - h) - k + 1);
        if (!p) return NULL;
        if (!memcmp(p, needle, k)) return p;
        h = p + 1;
    }
    return NULL;
}

/* A tag name (tag) followed by white space or '>' in buf[from, len). */
static size_t find_tag(const ws_reuters *r, size_t from, const char *tag, int *found)
{
    size_t k = strlen(tag);
    *found = 0;
    while (from + k < r->len) {
        const uint8_t *p = find_bytes(r->buf + from, r->len - from, tag, k);
        if (!p) break;
        size_t i = (size_t)(p - r->buf);
        if (i + k >= r->len) return i; /* cannot tell yet */
        if (name_end((char)r->buf[i + k])) { *found = 1; return i; }
        from = i + 1;
    }
    /* Resume where a tag could still start, but never before from: a story's
     * own "<REUTERS" sits before from, and resuming on it would take it for
     * the next story's (a read ending a few bytes into a story did). */
    size_t resume = r->len > k ? r->len - k : 0;
    return resume > from ? resume : from;
}

static void discard(ws_reuters *r, size_t k)
{
    if (!k) return;
    for (const uint8_t *p = r->buf, *e = r->buf + k; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) r->line++;
    memmove(r->buf, r->buf + k, r->len - k);
    r->len -= k;
    r->off += k;
    r->scan = r->scan > k ? r->scan - k : 0;
}

/* Read more input; the window grows geometrically but never past what
 * --max-record needs (a story of max_record bytes plus one chunk). */
static int read_more(ws_reuters *r, size_t max)
{
    if (r->cap - r->len < RT_CHUNK) {
        size_t need = r->len + RT_CHUNK, limit = max + 2 * RT_CHUNK;
        size_t cap = r->cap * 2 > need ? r->cap * 2 : need;
        if (cap > limit && limit >= need) cap = limit;
        uint8_t *b = ws_realloc(r->buf, cap);
        if (!b) return WS_ENOMEM;
        r->buf = b;
        r->cap = cap;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return ws_error(WS_EIO, "%s: read failed: %s", r->cur, strerror(errno));
        }
        if (n == 0) r->eof = 1;
        r->len += (size_t)n;
        return 0;
    }
}

static void close_file(ws_reuters *r)
{
    if (r->fd >= 0) close(r->fd);
    r->fd = -1;
    r->len = 0;
}

int ws_reuters_next(ws_reuters *r, ws_srcctx *c, ws_source_pos *pos)
{
    for (;;) {
        if (r->fd < 0) {
            if (r->fi >= r->nfiles && !r->found && r->nfiles) {
                /* Not a Reuters file at all (a binary, a wrong --format): say
                 * so instead of ingesting nothing in silence. Fatal. */
                r->found = 1;
                pos->file = r->files[r->nfiles - 1];
                return r->nfiles == 1 ? ws_error(WS_ENOENT, "%s: no <REUTERS> record found; is it a Reuters-21578 .sgm or .xml file?",
                                                 r->files[0])
                                      : ws_error(WS_ENOENT, "no <REUTERS> record found in any of the %zu files", r->nfiles);
            }
            if (r->fi >= r->nfiles) return 0;
            r->cur = r->files[r->fi++];
            r->fd = open(r->cur, O_RDONLY | O_CLOEXEC);
            if (r->fd < 0) return ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot open: %s", r->cur, strerror(errno));
            r->len = r->scan = 0;
            r->off = 0;
            r->line = 1;
            r->eof = r->in_story = r->skipping = r->noted_enc = 0;
            r->file_found = 0;
            ws_src_set_path(c, r->cur);
        }
        pos->file = r->cur;
        int found, rc;
        if (!r->in_story) {
            size_t i = find_tag(r, r->scan, OPEN, &found);
            if (!found) {
                if (r->eof) {
                    if (!r->file_found && r->nfiles > 1) ws_src_note(c, "%s: note: no <REUTERS> record found in this file", r->cur);
                    close_file(r);
                    continue;
                }
                discard(r, i);
                r->scan = 0;
                if ((rc = read_more(r, c->max_record))) return rc;
                continue;
            }
            discard(r, i);
            r->in_story = 1;
            r->file_found++;
            r->found++;
            r->scan = sizeof OPEN - 1;
            r->story_line = r->line;
            r->story_off = r->off;
        }
        /* inside a story that starts at buf[0] (unless skipping) */
        int fc, fo;
        size_t ci = find_tag(r, r->scan, CLOSE, &fc);
        size_t oi = find_tag(r, r->scan, OPEN, &fo);
        pos->line = r->story_line;
        pos->byte = r->story_off;
        if (fc && (!fo || ci < oi)) {
            const uint8_t *gt = memchr(r->buf + ci, '>', r->len - ci);
            if (!gt && !r->eof) { if ((rc = read_more(r, c->max_record))) return rc; continue; }
            size_t end = gt ? (size_t)(gt - r->buf) + 1 : r->len;
            int was_skipping = r->skipping;
            r->skipping = 0;
            r->in_story = 0;
            if (was_skipping) { discard(r, end); r->scan = 0; continue; }
            ws_encoding used;
            rc = ws_reuters_story(c, (const char *)r->buf, end, &used);
            if (!rc && c->enc == WS_ENC_AUTO && used != WS_ENC_UTF8 && !r->noted_enc) {
                r->noted_enc = 1;
                ws_src_note(c, "%s:%llu: note: not valid UTF-8; this story and later ones like it are read as Windows-1252",
                            r->cur, (unsigned long long)r->story_line);
            }
            if (!rc && !c->rec.has[WS_SR_ID])
                ws_src_note(c, "%s:%llu: note: <REUTERS> without NEWID; story kept without an id", r->cur,
                            (unsigned long long)r->story_line);
            discard(r, end);
            r->scan = 0;
            return rc ? rc : 1;
        }
        if (fo) {
            /* a new story opens before this one closed */
            int was_skipping = r->skipping;
            r->skipping = 0;
            discard(r, oi);
            uint64_t line = r->story_line, off = r->story_off;
            r->scan = sizeof OPEN - 1;
            r->story_line = r->line;
            r->story_off = r->off;
            r->file_found++;
            r->found++;
            if (was_skipping) continue;
            pos->line = line;
            pos->byte = off;
            return ws_error(WS_EFORMAT, "<REUTERS> not closed before the next <REUTERS>");
        }
        if (r->eof) {
            int was_skipping = r->skipping;
            close_file(r);
            if (was_skipping) continue;
            return ws_error(WS_EFORMAT, "<REUTERS> not closed at the end of the file");
        }
        r->scan = ci < oi ? ci : oi;
        if (!r->skipping && r->len > c->max_record) {
            r->skipping = 1;
            return ws_error(WS_ETOOBIG, "story longer than --max-record (%zu bytes); skipped", c->max_record);
        }
        if (r->skipping && r->scan > 0) discard(r, r->scan);
        if ((rc = read_more(r, c->max_record))) return rc;
    }
}

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), k = strlen(ext);
    if (n <= k || name[n - k - 1] != '.') return 0;
    for (size_t i = 0; i < k; i++)
        if (up((unsigned char)name[n - k + i]) != up((unsigned char)ext[i])) return 0;
    return 1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list_folder(ws_reuters *r, const char *path)
{
    for (int pass = 0; pass < 2 && !r->nfiles; pass++) {
        const char *ext = pass == 0 ? "xml" : "sgm";
        DIR *d = opendir(path);
        if (!d) return ws_error(WS_EIO, "%s: cannot open folder: %s", path, strerror(errno));
        struct dirent *e;
        size_t cap = r->nfiles;
        int rc = 0;
        while (!rc && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || !has_ext(e->d_name, ext)) continue;
            if (r->nfiles == cap) {
                size_t c2 = cap ? cap * 2 : 32;
                char **f = ws_realloc(r->files, c2 * sizeof *f);
                if (!f) { rc = WS_ENOMEM; break; }
                r->files = f;
                cap = c2;
            }
            size_t pn = strlen(path), nn = strlen(e->d_name);
            char *full = ws_malloc(pn + nn + 2);
            if (!full) { rc = WS_ENOMEM; break; }
            memcpy(full, path, pn);
            full[pn] = '/';
            memcpy(full + pn + 1, e->d_name, nn + 1);
            r->files[r->nfiles++] = full;
        }
        closedir(d);
        if (rc) return rc;
    }
    if (!r->nfiles) return ws_error(WS_ENOENT, "%s: no .xml or .sgm files in this folder", path);
    qsort(r->files, r->nfiles, sizeof *r->files, cmp_str);
    return 0;
}

int ws_reuters_open(const char *path, const ws_source_opts *o, ws_srcctx *c, ws_reuters **out)
{
    (void)o;
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0) return ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot open: %s", path, strerror(errno));
    ws_reuters *r = ws_calloc(1, sizeof *r);
    if (!r) return WS_ENOMEM;
    r->fd = -1;
    int rc = 0;
    for (int k = 0; !rc && k < T_NCAT; k++) {
        int i = ws_srcctx_tag(c, cat_names[k]);
        if (i < 0) rc = i;
        else if (i != k) rc = ws_error(WS_EINTERNAL, "Reuters tag columns must come first");
    }
    if (!rc) {
        int i;
        if ((i = ws_srcctx_tag(c, "place")) < 0) rc = i;
        else c->tag_place = i;
        if (!rc && (i = ws_srcctx_tag(c, "agency")) < 0) rc = i;
        else if (!rc) c->tag_agency = i;
    }
    if (!rc) {
        if (S_ISDIR(sb.st_mode)) {
            size_t n = strlen(path);
            while (n > 1 && path[n - 1] == '/') n--;
            char *p = ws_strndup(path, n);
            rc = p ? list_folder(r, p) : WS_ENOMEM;
            ws_free(p);
        } else {
            r->files = ws_malloc(sizeof *r->files);
            if (!r->files || !(r->files[0] = ws_strndup(path, strlen(path)))) rc = WS_ENOMEM;
            else r->nfiles = 1;
        }
    }
    if (rc) { ws_reuters_close(r); return rc; }
    *out = r;
    return 0;
}

void ws_reuters_close(ws_reuters *r)
{
    if (!r) return;
    close_file(r);
    for (size_t i = 0; i < r->nfiles; i++) ws_free(r->files[i]);
    ws_free(r->files);
    ws_free(r->buf);
    ws_free(r);
}
