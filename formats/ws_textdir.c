/*
 * Text-folder reader for ws_source: a depth-first walk over sorted folder
 * listings (one listing per open folder level, so memory grows with the
 * depth and the widest folder, not with the whole tree), whole-file reads
 * capped at --max-record, the text/binary and encoding decisions, and the
 * layout recogniser (headers, agency, title first) described in
 * ws_textdir.h.
 */
#include "ws_textdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_dateline.h"

/* ================= layout recognition ================= */

static int blank_char(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* The line starting at i: [*ls, *le), and the start of the next line. */
static size_t next_line(const char *s, size_t n, size_t i, size_t *ls, size_t *le)
{
    const char *nl = memchr(s + i, '\n', n - i);
    *ls = i;
    *le = nl ? (size_t)(nl - s) : n;
    return nl ? *le + 1 : n;
}

static int blank_line(const char *s, size_t ls, size_t le)
{
    for (size_t i = ls; i < le; i++)
        if (!blank_char(s[i])) return 0;
    return 1;
}

static ws_str trimmed(const char *s, size_t a, size_t b)
{
    const char *p = s + a;
    size_t n = b - a;
    ws_src_trim(&p, &n);
    return ws_str_make(p, n);
}

static int ieq_n(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (x != y) return 0;
    }
    return 1;
}

int ws_text_known_header(const char *name, size_t n)
{
    static const char *const known[] = {"date", "subject", "title", "from", "author", "newsgroups", "keywords",
                                        "message-id", "path", "xref", "lines", "organization", "references",
                                        "mime-version", "section"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (ieq_n(name, n, known[i])) return 1;
    return 0;
}

/* "Name: value" at [ls, le): the name's end (the colon), or 0. */
static size_t header_name_end(const char *s, size_t ls, size_t le)
{
    size_t j = ls;
    while (j < le && (unsigned char)s[j] > 0x20 && (unsigned char)s[j] < 0x7F && s[j] != ':') j++;
    if (j == ls || j >= le || s[j] != ':' || j - ls > 64) return 0;
    return j;
}

static ws_str story_body(const char *s, size_t n, size_t from)
{
    while (from < n) { /* drop leading blank lines */
        size_t ls, le, nx = next_line(s, n, from, &ls, &le);
        if (!blank_line(s, ls, le)) break;
        from = nx;
    }
    return trimmed(s, from < n ? from : n, n);
}

static int parse_headers(const char *s, size_t n, ws_text_story *st)
{
    size_t i = 0, ls, le, nx;
    /* leading blank lines, then an optional mbox "From " line */
    while (i < n) {
        nx = next_line(s, n, i, &ls, &le);
        if (!blank_line(s, ls, le)) break;
        i = nx;
    }
    if (i < n && n - i > 5 && !memcmp(s + i, "From ", 5)) {
        nx = next_line(s, n, i, &ls, &le);
        size_t ls2, le2;
        next_line(s, n, nx, &ls2, &le2);
        if (nx < n && header_name_end(s, ls2, le2)) i = nx;
    }
    size_t nh = 0, lines = 0;
    int known = 0;
    while (i < n) {
        nx = next_line(s, n, i, &ls, &le);
        /* The header block ends at an empty line. A line of white space
         * starts with white space, so it folds into the header before it
         * (RFC 5322 folding, as Python's email and mail readers take it):
         * "Keywords: a\n  \n  b\nDate: ..." keeps Date: a header. Only
         * when the next line is neither a header nor a continuation is such
         * a line the separator (a sloppy blank line before the body). */
        if (ls == le) break;
        if (blank_line(s, ls, le)) {
            if (!lines) break;
            size_t ls2, le2;
            if (nx >= n) break;
            next_line(s, n, nx, &ls2, &le2);
            if (ls2 != le2 && !blank_char(s[ls2]) && !header_name_end(s, ls2, le2)) break;
        }
        if (s[ls] == ' ' || s[ls] == '\t' || blank_char(s[ls])) {
            if (!lines) return 0;
            if (nh && nh <= WS_TEXT_MAX_HEADERS) st->hvalue[nh - 1].n = (size_t)(s + le - st->hvalue[nh - 1].p);
        } else {
            size_t ne = header_name_end(s, ls, le);
            if (!ne) return 0;
            known |= ws_text_known_header(s + ls, ne - ls);
            if (nh < WS_TEXT_MAX_HEADERS) {
                size_t vs = ne + 1;
                while (vs < le && blank_char(s[vs])) vs++;
                st->hname[nh] = ws_str_make(s + ls, ne - ls);
                st->hvalue[nh] = ws_str_make(s + vs, le - vs);
            }
            nh++;
        }
        lines++;
        i = nx;
    }
    if (!known) return 0;
    st->layout = WS_LAYOUT_HEADERS;
    st->nheaders = nh < WS_TEXT_MAX_HEADERS ? nh : WS_TEXT_MAX_HEADERS;
    for (size_t h = 0; h < st->nheaders; h++) {
        if (ieq_n(st->hname[h].p, st->hname[h].n, "subject") || ieq_n(st->hname[h].p, st->hname[h].n, "title")) {
            st->title = st->hvalue[h];
            break;
        }
    }
    st->body = story_body(s, n, i);
    return 1;
}

typedef struct para {
    size_t start, end; /* first line start, last line end */
    size_t first_end;  /* end of the first line */
    int lines;
} para;

static size_t words_in(ws_str w)
{
    size_t k = 0;
    int in = 0;
    for (size_t i = 0; i < w.n; i++) {
        int b = blank_char(w.p[i]);
        if (!b && !in) k++;
        in = !b;
    }
    return k;
}

static int ends_sentence(ws_str w) { return w.n && (w.p[w.n - 1] == '.' || w.p[w.n - 1] == '!' || w.p[w.n - 1] == '?'); }

static int strong_dateline(const char *s, const para *p)
{
    ws_dateline dl;
    if (!ws_dateline_parse(s + p->start, p->first_end - p->start, WS_DL_STRICT, &dl)) return 0;
    return dl.month || dl.agency[0];
}

static int parse_agency(const char *s, size_t n, ws_text_story *st)
{
    para ps[4];
    int np = 0;
    size_t i = 0, ls, le;
    while (i < n && np < 4) {
        size_t nx = next_line(s, n, i, &ls, &le);
        if (blank_line(s, ls, le)) { i = nx; continue; }
        para *p = &ps[np++];
        p->start = ls;
        p->first_end = le;
        p->end = le;
        p->lines = 1;
        i = nx;
        while (i < n) {
            nx = next_line(s, n, i, &ls, &le);
            if (blank_line(s, ls, le)) break;
            p->end = le;
            p->lines++;
            i = nx;
        }
    }
    if (np < 3) return 0;
    ws_str p0 = trimmed(s, ps[0].start, ps[0].end), p1 = trimmed(s, ps[1].start, ps[1].end);
    int found = 0;
    if (np == 4 && ps[0].lines == 1 && ps[1].lines == 1 && ps[2].lines == 1 && p0.n <= 60 && words_in(p0) <= 6 &&
        !ends_sentence(p0) && strong_dateline(s, &ps[3]))
        found = 1;
    else if (ps[0].lines == 1 && ps[1].lines == 1 && p0.n <= 30 && words_in(p0) <= 2 && words_in(p0) < words_in(p1) &&
             !ends_sentence(p0) && strong_dateline(s, &ps[2]))
        found = 1;
    if (!found) return 0;
    st->layout = WS_LAYOUT_AGENCY;
    st->section = p0;
    st->title = p1;
    st->body = story_body(s, n, ps[2].start);
    return 1;
}

void ws_text_parse(const char *s, size_t n, ws_text_story *st)
{
    memset(st, 0, sizeof *st);
    if (parse_headers(s, n, st)) return;
    memset(st, 0, sizeof *st);
    if (parse_agency(s, n, st)) return;
    st->layout = WS_LAYOUT_TITLE_FIRST;
    size_t i = 0, ls, le;
    while (i < n) {
        size_t nx = next_line(s, n, i, &ls, &le);
        if (!blank_line(s, ls, le)) {
            st->title = trimmed(s, ls, le);
            st->body = story_body(s, n, nx);
            return;
        }
        i = nx;
    }
    st->body = ws_str_make(s + n, 0);
    st->title = ws_str_make(s + n, 0);
}

/* ================= the folder walk ================= */

typedef struct frame {
    char *rel;     /* folder path relative to the root, "" or ending in '/' */
    char **names;
    size_t n, i;
} frame;

struct ws_textdir {
    char *root;       /* the input path, without trailing slashes */
    char *root_name;  /* name of the root folder (for files directly in it) */
    int single;       /* the input is one file */
    int single_done;
    frame *st;
    size_t depth, cap;
    ws_buf path, rel; /* the current file's full and relative path (NUL-terminated) */
    ws_buf raw, text;
    int32_t tag_dir, tag_author, tag_groups, tag_keywords, tag_section;
};

#define MAX_DEPTH 256

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void free_frame(frame *f)
{
    for (size_t k = 0; k < f->n; k++) ws_free(f->names[k]);
    ws_free(f->names);
    ws_free(f->rel);
}

static int set_path(ws_textdir *t, const char *rel)
{
    t->path.n = t->rel.n = 0;
    size_t rn = strlen(t->root), ln = strlen(rel);
    if (ws_buf_append(&t->path, t->root, rn)) return WS_ENOMEM;
    if (ln && (rn == 0 || t->root[rn - 1] != '/') && ws_buf_append(&t->path, "/", 1)) return WS_ENOMEM;
    if (ws_buf_append(&t->path, rel, ln + 1) || ws_buf_append(&t->rel, rel, ln + 1)) return WS_ENOMEM;
    return 0;
}

static int push_dir(ws_textdir *t, const char *rel)
{
    int rc = set_path(t, rel);
    if (rc) return rc;
    const char *full = (const char *)t->path.p;
    DIR *d = opendir(full);
    if (!d) return ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot open folder: %s", full, strerror(errno));
    frame f = {0};
    size_t cap = 0;
    rc = (f.rel = ws_strndup(rel, strlen(rel))) ? 0 : WS_ENOMEM;
    struct dirent *e;
    while (!rc && (errno = 0, e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (f.n == cap) {
            size_t c2 = cap ? cap * 2 : 64;
            char **nn = ws_realloc(f.names, c2 * sizeof *nn);
            if (!nn) { rc = WS_ENOMEM; break; }
            f.names = nn;
            cap = c2;
        }
        if (!(f.names[f.n] = ws_strndup(e->d_name, strlen(e->d_name)))) { rc = WS_ENOMEM; break; }
        f.n++;
    }
    if (!rc && errno) rc = ws_error(WS_EIO, "%s: cannot read folder: %s", full, strerror(errno));
    closedir(d);
    if (!rc && t->depth == t->cap) {
        size_t c2 = t->cap ? t->cap * 2 : 8;
        frame *s2 = ws_realloc(t->st, c2 * sizeof *s2);
        if (!s2) rc = WS_ENOMEM;
        else { t->st = s2; t->cap = c2; }
    }
    if (rc) { free_frame(&f); return rc; }
    if (f.n) qsort(f.names, f.n, sizeof *f.names, cmp_names);
    t->st[t->depth++] = f;
    return 0;
}

static int doc_name(const char *name)
{
    static const char *const pre[] = {"readme", "license", "licence", "copying"};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        size_t k = strlen(pre[i]);
        if (strlen(name) >= k && ieq_n(name, k, pre[i]) && (name[k] == 0 || name[k] == '.' || name[k] == '-' || name[k] == '_'))
            return 1;
    }
    return 0;
}

/* The format a file's extension names when it is not a one-story text
 * file: "JSON Lines", "JSON", "CSV"; NULL otherwise. */
static const char *structured_ext(const char *name)
{
    static const struct { const char *ext, *what; } ex[] = {
        {".jsonl", "JSON Lines"}, {".ndjson", "JSON Lines"}, {".json", "JSON"}, {".csv", "CSV"}, {".tsv", "CSV"}};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        size_t k = strlen(ex[i].ext);
        if (n > k && ieq_n(name + n - k, k, ex[i].ext)) return ex[i].what;
    }
    return NULL;
}

/* Read the whole file into t->raw. 1 ok, WS_ETOOBIG, or a fatal code. */
static int read_file(ws_textdir *t, const char *full, size_t max)
{
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot open: %s", full, strerror(errno));
    struct stat sb;
    int rc = 0;
    if (fstat(fd, &sb) == 0 && (uint64_t)sb.st_size > max) {
        close(fd);
        return ws_error(WS_ETOOBIG, "file of %llu bytes is longer than --max-record (%zu bytes); skipped",
                        (unsigned long long)sb.st_size, max);
    }
    t->raw.n = 0;
    for (;;) {
        if ((rc = ws_buf_reserve(&t->raw, 65536))) break;
        size_t room = t->raw.cap - t->raw.n;
        ssize_t k = read(fd, t->raw.p + t->raw.n, room);
        if (k < 0) {
            if (errno == EINTR) continue;
            rc = ws_error(WS_EIO, "%s: read failed: %s", full, strerror(errno));
            break;
        }
        if (k == 0) break;
        t->raw.n += (size_t)k;
        if (t->raw.n > max) {
            rc = ws_error(WS_ETOOBIG, "file is longer than --max-record (%zu bytes); skipped", max);
            break;
        }
    }
    close(fd);
    return rc ? rc : 1;
}

/* Not text: a NUL byte anywhere, or over 10% control characters in the
 * first 8 KiB. */
static const char *binary_reason(const uint8_t *p, size_t n)
{
    if (memchr(p, 0, n)) return "not text (NUL bytes)";
    size_t m = n < 8192 ? n : 8192, ctl = 0;
    for (size_t i = 0; i < m; i++)
        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f' && p[i] != '\v' && p[i] != 0x1B) ctl++;
    return ctl * 10 > m ? "not text (control characters)" : NULL;
}

/* Copy s with runs of white space made one space, trimmed, into b. */
static int collapse(ws_buf *b, const char *s, size_t n)
{
    b->n = 0;
    /* b->p is never NULL afterwards, even for an empty value: callers
     * memchr() and compare the result as a view. */
    if (ws_buf_reserve(b, n + 1)) return WS_ENOMEM;
    ws_src_trim(&s, &n);
    int sp = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') { sp = 1; continue; }
        if (sp && ws_buf_append(b, " ", 1)) return WS_ENOMEM;
        sp = 0;
        if (ws_buf_append(b, &ch, 1)) return WS_ENOMEM;
    }
    return 0;
}

/* The author in a From: value: "Name <addr>" -> Name, "addr (Name)" -> Name. */
static ws_str author_of(ws_str v)
{
    const char *lt = memchr(v.p, '<', v.n);
    if (lt) {
        ws_str name = trimmed(v.p, 0, (size_t)(lt - v.p));
        if (name.n >= 2 && name.p[0] == '"' && name.p[name.n - 1] == '"') name = trimmed(name.p, 1, name.n - 1);
        if (name.n) return name;
        const char *gt = memchr(lt, '>', v.n - (size_t)(lt - v.p));
        if (gt) return trimmed(lt, 1, (size_t)(gt - lt));
        return v;
    }
    const char *lp = memchr(v.p, '(', v.n);
    if (lp && v.n && v.p[v.n - 1] == ')') {
        ws_str name = trimmed(lp, 1, (size_t)(v.p + v.n - 1 - lp));
        /* user@host ("Andi Beyer"): the comment may quote the name too */
        if (name.n >= 2 && name.p[0] == '"' && name.p[name.n - 1] == '"') name = trimmed(name.p, 1, name.n - 1);
        if (name.n) return name;
        return trimmed(v.p, 0, (size_t)(lp - v.p));
    }
    return v;
}

static int add_list(ws_srcctx *c, int32_t tag, ws_str v, const char *seps)
{
    if (tag < 0) return 0;
    size_t a = 0;
    for (size_t i = 0; i <= v.n; i++) {
        if (i < v.n && !strchr(seps, v.p[i])) continue;
        if (collapse(&c->scratch2, v.p + a, i - a)) return WS_ENOMEM;
        int rc = ws_srcrec_tag(&c->rec, (uint32_t)tag, (const char *)c->scratch2.p, c->scratch2.n, WS_ENC_UTF8);
        if (rc) return rc;
        a = i + 1;
    }
    return 0;
}

static int build_story(ws_textdir *t, ws_srcctx *c, const char *dir_name, long replaced)
{
    ws_srcrec *rec = &c->rec;
    const char *s = (const char *)t->text.p;
    ws_text_story st;
    ws_text_parse(s, t->text.n, &st);
    int rc;
    const char *rel = (const char *)t->rel.p;
    ws_encoding idenc = ws_encoding_resolve(WS_ENC_AUTO, rel, strlen(rel));
    if ((rc = ws_srcrec_field(rec, WS_SR_ID, rel, strlen(rel), idenc, 0))) return rc;
    if ((rc = collapse(&c->scratch2, st.title.p, st.title.n))) return rc;
    if ((rc = ws_srcrec_field(rec, WS_SR_TITLE, (const char *)c->scratch2.p, c->scratch2.n, WS_ENC_UTF8, 1))) return rc;
    if ((rc = ws_srcrec_field(rec, WS_SR_BODY, st.body.p, st.body.n, WS_ENC_UTF8, 1))) return rc;
    rec->invalid_utf8 = replaced > 0 ? (size_t)replaced : 0;
    if (t->tag_dir >= 0 && dir_name) {
        ws_encoding e = ws_encoding_resolve(WS_ENC_AUTO, dir_name, strlen(dir_name));
        if ((rc = ws_srcrec_tag(rec, (uint32_t)t->tag_dir, dir_name, strlen(dir_name), e))) return rc;
    }
    if (st.layout == WS_LAYOUT_AGENCY && t->tag_section >= 0) {
        if ((rc = ws_srcrec_tag(rec, (uint32_t)t->tag_section, st.section.p, st.section.n, WS_ENC_UTF8))) return rc;
    }
    for (size_t h = 0; h < st.nheaders; h++) {
        ws_str nm = st.hname[h], v = st.hvalue[h];
        if (ieq_n(nm.p, nm.n, "date")) {
            if (rec->date == WS_DATE_UNKNOWN && !rec->date_bad) {
                if ((rc = collapse(&c->scratch2, v.p, v.n))) return rc;
                ws_src_date_field(c, (const char *)c->scratch2.p, c->scratch2.n);
            }
        } else if (ieq_n(nm.p, nm.n, "from") || ieq_n(nm.p, nm.n, "author")) {
            if (t->tag_author >= 0 && !rec->counts[t->tag_author]) {
                if ((rc = collapse(&c->scratch2, v.p, v.n))) return rc;
                ws_str a = author_of(ws_str_make((const char *)c->scratch2.p, c->scratch2.n));
                if ((rc = ws_srcrec_tag(rec, (uint32_t)t->tag_author, a.p, a.n, WS_ENC_UTF8))) return rc;
            }
        } else if (ieq_n(nm.p, nm.n, "newsgroups")) {
            if ((rc = add_list(c, t->tag_groups, v, ","))) return rc;
        } else if (ieq_n(nm.p, nm.n, "keywords")) {
            if ((rc = add_list(c, t->tag_keywords, v, ",;"))) return rc;
        } else if (ieq_n(nm.p, nm.n, "section") || ieq_n(nm.p, nm.n, "category")) {
            if ((rc = add_list(c, t->tag_section, v, ""))) return rc;
        }
    }
    return ws_src_dateline(c, NULL, 0);
}

/* Process the current file (t->path, t->rel). 1: a story; 2: skipped (noted);
 * WS_ETOOBIG; or a fatal code. */
static int do_file(ws_textdir *t, ws_srcctx *c, const char *dir_name)
{
    const char *full = (const char *)t->path.p;
    ws_src_set_path(c, full);
    int rc = read_file(t, full, c->max_record);
    if (rc != 1) return rc;
    const uint8_t *p = t->raw.p;
    size_t n = t->raw.n;
    if (n == 0) { ws_src_note(c, "%s: note: empty file; skipped", full); return 2; }
    int utf16 = 0;
    size_t bom = ws_encoding_bom((const char *)p, n, &utf16);
    const char *why = utf16 ? NULL : binary_reason(p, n);
    if (why) { ws_src_note(c, "%s: note: %s; skipped", full, why); return 2; }
    t->text.n = 0;
    long replaced;
    if (utf16) {
        replaced = ws_encoding_utf16_to_utf8((const char *)p + bom, n - bom, utf16 == 2, &t->text);
    } else {
        ws_encoding e = ws_encoding_resolve(c->enc, (const char *)p + bom, n - bom);
        if (c->enc == WS_ENC_AUTO && e != WS_ENC_UTF8) ws_src_note(c, "%s: note: not valid UTF-8; read as Windows-1252", full);
        replaced = ws_encoding_to_utf8(e, (const char *)p + bom, n - bom, &t->text);
    }
    if (replaced < 0) return (int)replaced;
    /* CRLF and lone CR -> LF */
    uint8_t *q = t->text.p;
    size_t m = 0;
    for (size_t i = 0; i < t->text.n; i++) {
        if (q[i] == '\r') {
            q[m++] = '\n';
            if (i + 1 < t->text.n && q[i + 1] == '\n') i++;
        } else {
            q[m++] = q[i];
        }
    }
    t->text.n = m;
    const char *ts = (const char *)t->text.p;
    size_t tn = m;
    ws_src_trim(&ts, &tn);
    if (!tn) { ws_src_note(c, "%s: note: no text (white space only); skipped", full); return 2; }
    ws_srcrec_reset(&c->rec);
    rc = build_story(t, c, dir_name, replaced);
    return rc ? rc : 1;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int ws_textdir_next(ws_textdir *t, ws_srcctx *c, ws_source_pos *pos)
{
    pos->line = 1;
    pos->byte = 0;
    for (;;) {
        int rc;
        const char *dir_name = NULL;
        if (t->single) {
            if (t->single_done) return 0;
            t->single_done = 1;
            t->path.n = t->rel.n = 0;
            const char *b = base_name(t->root);
            if (ws_buf_append(&t->path, t->root, strlen(t->root) + 1) || ws_buf_append(&t->rel, b, strlen(b) + 1)) return WS_ENOMEM;
            dir_name = t->root_name;
        } else {
            if (!t->depth) return 0;
            frame *f = &t->st[t->depth - 1];
            if (f->i == f->n) {
                free_frame(f);
                t->depth--;
                continue;
            }
            const char *name = f->names[f->i++];
            /* relative path of the entry */
            ws_buf tmp = {0};
            if (ws_buf_append(&tmp, f->rel, strlen(f->rel)) || ws_buf_append(&tmp, name, strlen(name) + 1)) {
                ws_buf_free(&tmp);
                return WS_ENOMEM;
            }
            rc = set_path(t, (const char *)tmp.p);
            ws_buf_free(&tmp);
            if (rc) return rc;
            const char *full = (const char *)t->path.p;
            if (name[0] == '.') { ws_src_note(c, "%s: note: hidden; skipped", full); continue; }
            struct stat sb;
            if (lstat(full, &sb) != 0) {
                if (errno == ENOENT) { ws_src_note(c, "%s: note: vanished; skipped", full); continue; }
                return ws_error(WS_EIO, "%s: cannot stat: %s", full, strerror(errno));
            }
            if (S_ISLNK(sb.st_mode)) {
                if (stat(full, &sb) != 0) { ws_src_note(c, "%s: note: broken symbolic link; skipped", full); continue; }
                if (S_ISDIR(sb.st_mode)) { ws_src_note(c, "%s: note: symbolic link to a folder; not followed", full); continue; }
            }
            if (S_ISDIR(sb.st_mode)) {
                if (t->depth >= MAX_DEPTH) { ws_src_note(c, "%s: note: folders nested too deep; skipped", full); continue; }
                /* the folder's relative path with a trailing '/' */
                size_t rl = strlen((const char *)t->rel.p);
                char *relcopy = ws_malloc(rl + 2);
                if (!relcopy) return WS_ENOMEM;
                memcpy(relcopy, t->rel.p, rl);
                relcopy[rl] = '/';
                relcopy[rl + 1] = 0;
                rc = push_dir(t, relcopy);
                ws_free(relcopy);
                if (rc) return rc;
                continue;
            }
            if (!S_ISREG(sb.st_mode)) { ws_src_note(c, "%s: note: not a regular file; skipped", full); continue; }
            if (doc_name(name)) { ws_src_note(c, "%s: note: documentation file (%s); skipped", full, name); continue; }
            /* A JSON Lines or CSV file holds many stories: read as one text
             * story it would be stored as raw markup. Unless --format text
             * says so, refuse rather than guess (ingest reads such files when
             * they are given as inputs themselves). */
            const char *other = structured_ext(name);
            if (other && c->o.format != WS_FMT_TEXT)
                return ws_error(WS_EINVAL,
                                "%s: a %s file inside a text folder (one story a file); give it as an input itself "
                                "(e.g. %s/*%s) to read its stories, or --format text to take each file as one story",
                                full, other, t->root, strrchr(name, '.'));
            /* the folder holding the file */
            if (!*f->rel) {
                dir_name = t->root_name;
            } else {
                size_t k = strlen(f->rel) - 1; /* the trailing '/' */
                size_t b = k;
                while (b > 0 && f->rel[b - 1] != '/') b--;
                ws_buf_reset(&c->scratch);
                if (ws_buf_append(&c->scratch, f->rel + b, k - b) || ws_buf_append(&c->scratch, "", 1)) return WS_ENOMEM;
                dir_name = (const char *)c->scratch.p;
            }
        }
        pos->file = (const char *)t->path.p;
        rc = do_file(t, c, dir_name);
        if (rc == 2) continue;
        return rc;
    }
}

int ws_textdir_open(const char *path, const ws_source_opts *o, ws_srcctx *c, ws_textdir **out)
{
    *out = NULL;
    static const char *const fixed[] = {"id", "date", "source", "title", "body", "tokens", "tokmeta"};
    if (o->tag_from_dir) {
        if (!*o->tag_from_dir) return ws_error(WS_EINVAL, "--tag-from-dir needs a tag name");
        for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
            if (!strcmp(o->tag_from_dir, fixed[i]))
                return ws_error(WS_EINVAL, "--tag-from-dir %s: that name is a built-in column", o->tag_from_dir);
    }
    struct stat sb;
    if (stat(path, &sb) != 0)
        return ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot open: %s", path, strerror(errno));
    ws_textdir *t = ws_calloc(1, sizeof *t);
    if (!t) return WS_ENOMEM;
    int rc = 0;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    if (!(t->root = ws_strndup(path, n))) rc = WS_ENOMEM;
    /* the name of the folder holding top-level files */
    if (!rc) {
        char *real = realpath(t->root, NULL);
        const char *src = real ? real : t->root;
        if (S_ISDIR(sb.st_mode)) {
            const char *b = base_name(src);
            if (!(t->root_name = ws_strndup(b, strlen(b)))) rc = WS_ENOMEM;
        } else {
            const char *slash = strrchr(src, '/');
            if (!slash) {
                if (!(t->root_name = ws_strndup(".", 1))) rc = WS_ENOMEM;
            } else {
                size_t e = (size_t)(slash - src), b = e;
                while (b > 0 && src[b - 1] != '/') b--;
                if (!(t->root_name = ws_strndup(src + b, e - b))) rc = WS_ENOMEM;
            }
        }
        free(real); /* realpath's memory comes from libc */
    }
    int32_t idx[6];
    const char *names[6] = {o->tag_from_dir, "author", "newsgroups", "keywords", "section", NULL};
    for (int k = 0; !rc && k < 5; k++) {
        idx[k] = -1;
        if (!names[k]) continue;
        int i = ws_srcctx_tag(c, names[k]);
        if (i < 0) rc = i;
        else idx[k] = i;
    }
    if (!rc) {
        int i;
        t->tag_dir = o->tag_from_dir ? idx[0] : -1;
        t->tag_author = idx[1];
        t->tag_groups = idx[2];
        t->tag_keywords = idx[3];
        t->tag_section = idx[4];
        /* the dir tag shares a column with a built-in one of the same name;
         * --datelines off: no dateline columns */
        if (!o->datelines_off) {
            if ((i = ws_srcctx_tag(c, "place")) < 0) rc = i;
            else c->tag_place = i;
            if (!rc && (i = ws_srcctx_tag(c, "agency")) < 0) rc = i;
            else if (!rc) c->tag_agency = i;
        }
    }
    if (!rc) {
        if (S_ISDIR(sb.st_mode)) rc = push_dir(t, "");
        else if (S_ISREG(sb.st_mode)) t->single = 1;
        else rc = ws_error(WS_EINVAL, "%s: not a folder or a regular file", path);
    }
    if (rc) { ws_textdir_close(t); return rc; }
    *out = t;
    return 0;
}

void ws_textdir_close(ws_textdir *t)
{
    if (!t) return;
    while (t->depth) free_frame(&t->st[--t->depth]);
    ws_free(t->st);
    ws_free(t->root);
    ws_free(t->root_name);
    ws_buf_free(&t->path);
    ws_buf_free(&t->rel);
    ws_buf_free(&t->raw);
    ws_buf_free(&t->text);
    ws_free(t);
}
