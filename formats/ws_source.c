/*
 * Record sources: format detection and the dispatch from the ws_source API
 * (ws_source.h) to the readers of each format: ws_csvin.c (CSV), ws_textdir.c
 * (text folders), ws_reuters.c (Reuters-21578 SGML/XML). The shared record
 * builder, date policy and dateline tags live in ws_srcrec.c.
 */
#include <stdio.h> /* before ws_source.h, which uses FILE without including it */

#include "ws_source.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_csvin.h"
#include "ws_reuters.h"
#include "ws_srcrec.h"
#include "ws_textdir.h"

struct ws_source {
    ws_format fmt;
    ws_srcctx c;
    ws_csvin *csv;
    ws_textdir *td;
    ws_reuters *rt;
};

static int ext_is(const char *path, const char *ext)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot) return 0;
    dot++;
    size_t k = strlen(ext);
    if (strlen(dot) != k) return 0;
    for (size_t i = 0; i < k; i++) {
        char a = dot[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (a != ext[i]) return 0;
    }
    return 1;
}

static int starts_ci(const char *s, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    if (n < k) return 0;
    for (size_t i = 0; i < k; i++) {
        char a = s[i], b = pre[i];
        if (a >= 'a' && a <= 'z') a = (char)(a - 'a' + 'A');
        if (b >= 'a' && b <= 'z') b = (char)(b - 'a' + 'A');
        if (a != b) return 0;
    }
    return 1;
}

ws_format ws_source_detect(const char *path, ws_format forced)
{
    if (forced != WS_FMT_AUTO) return forced;
    if (!path || !strcmp(path, "-")) return WS_FMT_AUTO;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return WS_FMT_TEXT;
    if (ext_is(path, "csv") || ext_is(path, "tsv")) return WS_FMT_CSV;
    if (ext_is(path, "sgm") || ext_is(path, "sgml") || ext_is(path, "xml")) return WS_FMT_REUTERS;
    if (ext_is(path, "jsonl") || ext_is(path, "ndjson") || ext_is(path, "json")) return WS_FMT_JSONL;
    if (ext_is(path, "txt") || ext_is(path, "text") || ext_is(path, "eml")) return WS_FMT_TEXT;
    /* the content */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return WS_FMT_AUTO;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n <= 0) return WS_FMT_AUTO;
    size_t i = 0, m = (size_t)n;
    if (m >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) i = 3;
    while (i < m && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r')) i++;
    if (starts_ci(buf + i, m - i, "<!DOCTYPE lewis") || starts_ci(buf + i, m - i, "<REUTERS")) return WS_FMT_REUTERS;
    if (starts_ci(buf + i, m - i, "<?xml") || starts_ci(buf + i, m - i, "<LEWIS")) {
        for (size_t j = i; j + 8 <= m; j++)
            if (starts_ci(buf + j, m - j, "<REUTERS") || starts_ci(buf + j, m - j, "<LEWIS")) return WS_FMT_REUTERS;
        return WS_FMT_AUTO;
    }
    if (i < m && buf[i] == '{') return WS_FMT_JSONL;
    return WS_FMT_AUTO;
}

int ws_source_open(const char *path, ws_format fmt, const ws_source_opts *o, ws_source **out)
{
    *out = NULL;
    static const ws_source_opts defaults = {0};
    if (!o) o = &defaults;
    if (fmt == WS_FMT_AUTO) fmt = ws_source_detect(path, o->format);
    if (fmt == WS_FMT_AUTO)
        return ws_error(WS_EINVAL, "%s: cannot tell the input format; use --format csv|text|reuters|jsonl", path);
    if (fmt == WS_FMT_JSONL) return ws_error(WS_EINVAL, "%s: JSONL is read by ingest itself, not by a record source", path);
    if (fmt != WS_FMT_CSV && fmt != WS_FMT_TEXT && fmt != WS_FMT_REUTERS) return ws_error(WS_EINVAL, "unknown input format %d", (int)fmt);
    ws_source *s = ws_calloc(1, sizeof *s);
    if (!s) return WS_ENOMEM;
    s->fmt = fmt;
    int rc = ws_srcctx_init(&s->c, o);
    if (!rc) {
        switch (fmt) {
        case WS_FMT_CSV: rc = ws_csvin_open(path, o, &s->c, &s->csv); break;
        case WS_FMT_TEXT: rc = ws_textdir_open(path, o, &s->c, &s->td); break;
        default: rc = ws_reuters_open(path, o, &s->c, &s->rt); break;
        }
    }
    if (!rc) rc = ws_srcctx_tags_done(&s->c);
    if (rc) { ws_source_close(s); return rc; }
    *out = s;
    return 0;
}

uint32_t ws_source_ntags(const ws_source *s) { return s->c.ntags; }

const char *ws_source_tag_name(const ws_source *s, uint32_t i) { return i < s->c.ntags ? s->c.tag_names[i] : NULL; }

int ws_source_next(ws_source *s, ws_record *rec, ws_source_pos *pos)
{
    ws_source_pos dummy;
    if (!pos) pos = &dummy;
    memset(pos, 0, sizeof *pos);
    pos->file = "";
    ws_error_clear();
    int rc;
    switch (s->fmt) {
    case WS_FMT_CSV: rc = ws_csvin_next(s->csv, &s->c, pos); break;
    case WS_FMT_TEXT: rc = ws_textdir_next(s->td, &s->c, pos); break;
    default: rc = ws_reuters_next(s->rt, &s->c, pos); break;
    }
    if (rc != 1) return rc;
    if ((rc = ws_srcrec_finish(&s->c.rec, rec))) return rc;
    return 1;
}

void ws_source_close(ws_source *s)
{
    if (!s) return;
    ws_csvin_close(s->csv);
    ws_textdir_close(s->td);
    ws_reuters_close(s->rt);
    ws_srcctx_free(&s->c);
    ws_free(s);
}
