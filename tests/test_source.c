/*
 * Tests for the record sources of ws_source.h other than CSV (see
 * test_csvin.c): format detection; text folders (walk order, skipped files
 * and their notes, the three layouts, header fields, datelines, years from
 * paths, encodings, CRLF, UTF-16, --tag-from-dir, a file over --max-record);
 * Reuters-21578 SGML/XML (entities, Latin-1, UNPROC/BRIEF stories, bad and
 * oversized stories, folders); the encoding converters; an allocation-failure
 * sweep over all three readers (every failure is a clean WS_ENOMEM; run under
 * ASan for leaks); and the real corpora
 * in ../shared/corpora when present: all 21,578 Reuters stories checked
 * against an independent scan of the XML, all 2,225 BBC stories, and the
 * TASS seed article.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_encoding.h"
#include "ws_source.h"
#include "ws_textdir.h"

#define CORPORA WS_SRC_DIR "/../shared/corpora"
#define DAY(y, m, d) (ws_days_from_civil((y), (m), (d)) * 86400)

/* ---------- helpers ---------- */

#define WS_TEST_TMP_NAME "source"
#include "ws_test_tmp.h"

TestSuite(source, .init = setup_tmp, .fini = teardown_tmp);
TestSuite(textdir, .init = setup_tmp, .fini = teardown_tmp);
TestSuite(reuters, .init = setup_tmp, .fini = teardown_tmp);
TestSuite(corpora, .timeout = 60);
TestSuite(encoding);

static const char *tpath(const char *rel)
{
    static char path[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", tmpdir, rel);
    return path[k];
}

/* Write tmpdir/rel (creating folders). */
static const char *write_file(const char *rel, const char *data, size_t n)
{
    const char *p = tpath(rel);
    char dir[512];
    snprintf(dir, sizeof dir, "%s", p);
    for (char *s = dir + strlen(tmpdir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = 0;
        mkdir(dir, 0755);
        *s = '/';
    }
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "cannot write %s", p);
    if (n) cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
    return p;
}
#define WRITE(rel, lit) write_file(rel, lit, sizeof(lit) - 1)

typedef struct rec_copy {
    char *id, *title, *body;
    int64_t date;
    int date_bad;
    size_t invalid;
    char *tags; /* "name=value|..." */
    char *file;
} rec_copy;

typedef struct results {
    int open_rc;
    char open_err[512];
    rec_copy r[64];
    size_t n;
    int err_rc[8];
    char err_file[8][512];
    uint64_t err_line[8];
    char err_msg[8][256];
    size_t ne;
    char *log;
    size_t logn;
} results;

static char *dup_str(ws_str s) { char *p = track(malloc(s.n + 1)); memcpy(p, s.p ? s.p : "", s.n); p[s.n] = 0; return p; }

static char *tag_string(const ws_source *s, const ws_record *rec)
{
    size_t k = 0, len = 0;
    static char buf[8192];
    buf[0] = 0;
    for (uint32_t t = 0; t < rec->ntags; t++)
        for (uint32_t j = 0; j < rec->tag_count[t]; j++, k++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s=%.*s|", ws_source_tag_name(s, t),
                                    (int)rec->tag_vals[k].n, rec->tag_vals[k].p);
    return strdup(buf);
}

static results *run(const char *path, ws_format fmt, ws_source_opts *o)
{
    results *res = track(calloc(1, sizeof *res));
    FILE *log = open_memstream(&res->log, &res->logn);
    o->log = log;
    ws_source *s;
    res->open_rc = ws_source_open(path, fmt, o, &s);
    if (res->open_rc) {
        snprintf(res->open_err, sizeof res->open_err, "%s", ws_last_error());
        fclose(log);
        track(res->log);
        return res;
    }
    ws_record rec;
    ws_source_pos pos;
    int rc;
    while ((rc = ws_source_next(s, &rec, &pos)) != 0) {
        if (rc < 0) {
            cr_assert(rc == WS_EFORMAT || rc == WS_ETOOBIG, "fatal %d: %s", rc, ws_last_error());
            cr_assert(res->ne < 8);
            res->err_rc[res->ne] = rc;
            res->err_line[res->ne] = pos.line;
            snprintf(res->err_file[res->ne], sizeof res->err_file[0], "%s", pos.file);
            snprintf(res->err_msg[res->ne], sizeof res->err_msg[0], "%s", ws_last_error());
            res->ne++;
            continue;
        }
        cr_assert(res->n < 64);
        rec_copy *c = &res->r[res->n++];
        c->id = dup_str(rec.id);
        c->title = dup_str(rec.title);
        c->body = dup_str(rec.body);
        c->date = rec.date;
        c->date_bad = rec.date_bad;
        c->invalid = rec.invalid_utf8;
        c->tags = track(tag_string(s, &rec));
        c->file = track(strdup(pos.file));
    }
    ws_source_close(s);
    fclose(log);
    track(res->log);
    return res;
}

static ws_source_opts opts(void)
{
    ws_source_opts o;
    memset(&o, 0, sizeof o);
    return o;
}

static int has_log(const results *r, const char *needle) { return r->log && strstr(r->log, needle) != NULL; }

/* ---------- detection ---------- */

Test(source, detect)
{
    cr_expect_eq(ws_source_detect(tmpdir, WS_FMT_AUTO), WS_FMT_TEXT);
    cr_expect_eq(ws_source_detect(WRITE("a.csv", "x"), WS_FMT_AUTO), WS_FMT_CSV);
    cr_expect_eq(ws_source_detect(WRITE("a.TSV", "x"), WS_FMT_AUTO), WS_FMT_CSV);
    cr_expect_eq(ws_source_detect(WRITE("a.sgm", "x"), WS_FMT_AUTO), WS_FMT_REUTERS);
    cr_expect_eq(ws_source_detect(WRITE("a.xml", "x"), WS_FMT_AUTO), WS_FMT_REUTERS);
    cr_expect_eq(ws_source_detect(WRITE("a.jsonl", "x"), WS_FMT_AUTO), WS_FMT_JSONL);
    cr_expect_eq(ws_source_detect(WRITE("a.txt", "x"), WS_FMT_AUTO), WS_FMT_TEXT);
    cr_expect_eq(ws_source_detect(WRITE("noext1", "<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n<REUTERS"), WS_FMT_AUTO), WS_FMT_REUTERS);
    cr_expect_eq(ws_source_detect(WRITE("noext2", "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<LEWIS>\n<REUTERS"), WS_FMT_AUTO), WS_FMT_REUTERS);
    cr_expect_eq(ws_source_detect(WRITE("noext3", "  {\"id\":1}"), WS_FMT_AUTO), WS_FMT_JSONL);
    cr_expect_eq(ws_source_detect(WRITE("noext4", "a,b,c\n"), WS_FMT_AUTO), WS_FMT_AUTO);
    cr_expect_eq(ws_source_detect(WRITE("noext5", "a,b,c\n"), WS_FMT_CSV), WS_FMT_CSV);
    cr_expect_eq(ws_source_detect("-", WS_FMT_AUTO), WS_FMT_AUTO);
    ws_source *s;
    ws_source_opts o = opts();
    cr_expect_eq(ws_source_open(tpath("noext4"), WS_FMT_AUTO, &o, &s), WS_EINVAL);
    cr_expect_eq(ws_source_open(tpath("a.jsonl"), WS_FMT_JSONL, &o, &s), WS_EINVAL);
    cr_expect_eq(ws_source_open(tpath("missing"), WS_FMT_TEXT, &o, &s), WS_ENOENT);
    cr_expect_eq(ws_source_open(tpath("missing.xml"), WS_FMT_REUTERS, &o, &s), WS_ENOENT);
    ws_source_close(NULL);
}

/* ---------- encodings ---------- */

Test(encoding, converters)
{
    ws_buf b = {0};
    cr_assert_eq(ws_encoding_to_utf8(WS_ENC_CP1252, "\x80\x81\x93\x9F\xA3\xFF", 6, &b), 0);
    cr_expect_eq(b.n, 3 + 2 + 3 + 2 + 2 + 2);
    cr_expect(!memcmp(b.p, "\xE2\x82\xAC\xC2\x81\xE2\x80\x9C\xC5\xB8\xC2\xA3\xC3\xBF", b.n));
    b.n = 0;
    cr_assert_eq(ws_encoding_to_utf8(WS_ENC_LATIN1, "\x80\xE9", 2, &b), 0);
    cr_expect(b.n == 4 && !memcmp(b.p, "\xC2\x80\xC3\xA9", 4));
    b.n = 0;
    cr_expect_eq(ws_encoding_to_utf8(WS_ENC_UTF8, "a\xFF" "b\xC3", 4, &b), 2);
    cr_expect(b.n == 8 && !memcmp(b.p, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD", 8));
    b.n = 0;
    /* UTF-16LE "A€😀" and an unpaired surrogate */
    const char le[] = "A\x00\xAC\x20\x3D\xD8\x00\xDE\x00\xD8";
    cr_expect_eq(ws_encoding_utf16_to_utf8(le, sizeof le - 1, 0, &b), 1);
    cr_expect(b.n == 1 + 3 + 4 + 3 && !memcmp(b.p, "A\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD", b.n));
    b.n = 0;
    cr_expect_eq(ws_encoding_utf16_to_utf8("\x00" "A\x00", 3, 1, &b), 1, "odd trailing byte");
    int u16;
    cr_expect_eq(ws_encoding_bom("\xEF\xBB\xBFx", 4, &u16), 3);
    cr_expect_eq(ws_encoding_bom("\xFF\xFE", 2, &u16), 2);
    cr_expect_eq(u16, 1);
    cr_expect_eq(ws_encoding_bom("\xFE\xFF", 2, &u16), 2);
    cr_expect_eq(u16, 2);
    cr_expect_eq(ws_encoding_bom("ab", 2, &u16), 0);
    ws_encoding e;
    cr_expect_eq(ws_encoding_from_name("Windows-1252", &e), 0);
    cr_expect_eq(e, WS_ENC_CP1252);
    cr_expect_eq(ws_encoding_from_name("ISO-8859-1", &e), 0);
    cr_expect_eq(e, WS_ENC_LATIN1);
    cr_expect_eq(ws_encoding_from_name(NULL, &e), 0);
    cr_expect_eq(e, WS_ENC_AUTO);
    cr_expect_eq(ws_encoding_from_name("ebcdic", &e), WS_EINVAL);
    cr_expect_eq(ws_encoding_resolve(WS_ENC_AUTO, "caf\xC3\xA9", 5), WS_ENC_UTF8);
    cr_expect_eq(ws_encoding_resolve(WS_ENC_AUTO, "caf\xE9", 4), WS_ENC_CP1252);
    cr_expect_eq(ws_encoding_resolve(WS_ENC_LATIN1, "x", 1), WS_ENC_LATIN1);
    ws_buf_free(&b);
}

/* ---------- text: layouts (pure parser) ---------- */

static ws_text_story parse_text(const char *s)
{
    ws_text_story st;
    ws_text_parse(s, strlen(s), &st);
    return st;
}

static void expect_ws(ws_str got, const char *want, const char *what)
{
    cr_expect(got.n == strlen(want) && !memcmp(got.p, want, got.n), "%s: \"%.*s\", want \"%s\"", what, (int)got.n,
              got.p ? got.p : "", want);
}

Test(textdir, layout_detection)
{
    ws_text_story st = parse_text("Ad sales boost Time Warner profit\n\nQuarterly profits at US media giant.\n\nMore.\n");
    cr_expect_eq(st.layout, WS_LAYOUT_TITLE_FIRST);
    expect_ws(st.title, "Ad sales boost Time Warner profit", "bbc title");
    expect_ws(st.body, "Quarterly profits at US media giant.\n\nMore.", "bbc body");

    st = parse_text("All news\n\nRussian, Japanese ministers to talk\n\nThe lead paragraph\n\nMOSCOW, May 10. /TASS/. Body.\n\nMore.");
    cr_expect_eq(st.layout, WS_LAYOUT_AGENCY);
    expect_ws(st.section, "All news", "section");
    expect_ws(st.title, "Russian, Japanese ministers to talk", "agency title");
    expect_ws(st.body, "The lead paragraph\n\nMOSCOW, May 10. /TASS/. Body.\n\nMore.", "agency body (lead included)");

    /* section + title, no lead */
    st = parse_text("World\n\nMinisters meet in Moscow on Friday\n\nMOSCOW, May 10 (Reuters) - Body.");
    cr_expect_eq(st.layout, WS_LAYOUT_AGENCY);
    expect_ws(st.section, "World", "section");
    expect_ws(st.title, "Ministers meet in Moscow on Friday", "title");

    /* a short title, a lead, then the dateline: title first */
    st = parse_text("Putin meets Abe\n\nThe two leaders talked for three hours on Friday\n\nMOSCOW, May 10 (Reuters) - Body.");
    cr_expect_eq(st.layout, WS_LAYOUT_TITLE_FIRST);
    expect_ws(st.title, "Putin meets Abe", "title");

    /* the fourth paragraph opens with a dateline, but the first line is a sentence */
    st = parse_text("The ministers met on Friday to talk about the treaty.\n\nTitle\n\nLead\n\nMOSCOW, May 10 (Reuters) - Body.");
    cr_expect_eq(st.layout, WS_LAYOUT_TITLE_FIRST);

    /* a multi-line paragraph before the dateline: not agency */
    st = parse_text("Section\n\nTitle line one\ncontinued\n\nLead\n\nMOSCOW, May 10 (Reuters) - Body.");
    cr_expect_eq(st.layout, WS_LAYOUT_TITLE_FIRST);

    /* a place-only dateline is not enough for the agency layout */
    st = parse_text("All news\n\nTitle here\n\nLead\n\nLONDON - Body.");
    cr_expect_eq(st.layout, WS_LAYOUT_TITLE_FIRST);

    /* headers */
    st = parse_text("From: John Smith <js@example.org>\nSubject: Re: a long\n  folded subject\nDate: Fri, 23 Apr 1993 16:24:16 GMT\n\nBody here.\n");
    cr_expect_eq(st.layout, WS_LAYOUT_HEADERS);
    cr_expect_eq(st.nheaders, 3);
    expect_ws(st.title, "Re: a long\n  folded subject", "raw folded title");
    expect_ws(st.body, "Body here.", "mail body");

    /* "Name: value" lines that are not headers */
    st = parse_text("Wales: Six Nations preview\n\nBody.");
    cr_expect_eq(st.layout, WS_LAYOUT_TITLE_FIRST, "unknown name: a title with a colon");
    st = parse_text("Subject: x\nnot a header line\n\nBody.");
    cr_expect_eq(st.layout, WS_LAYOUT_TITLE_FIRST);

    /* empty */
    st = parse_text("");
    cr_expect_eq(st.layout, WS_LAYOUT_TITLE_FIRST);
    cr_expect_eq(st.title.n + st.body.n, 0);
    cr_expect(ws_text_known_header("MESSAGE-ID", 10));
    cr_expect(!ws_text_known_header("Wales", 5));
}

/* ---------- text: a folder ---------- */

static const char *find_rec(const results *r, const char *id, const rec_copy **out)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->r[i].id, id)) { *out = &r->r[i]; return id; }
    *out = NULL;
    return NULL;
}

Test(textdir, walk_order_and_skips)
{
    WRITE("in/b.txt", "B\n\nbody b");
    WRITE("in/a/z.txt", "Z\n\nbody z");
    WRITE("in/a-c.txt", "AC\n\nbody");
    WRITE("in/A.txt", "A\n\nbody");
    WRITE("in/.hidden.txt", "H\n\nx");
    WRITE("in/.git/config", "x");
    WRITE("in/README.md", "docs");
    WRITE("in/LICENSE", "legal");
    write_file("in/empty.txt", "", 0);
    WRITE("in/blank.txt", " \n\t\n");
    write_file("in/nuls.bin", "\0\0\0\0\0\0\0\0", 8);
    WRITE("in/ctl.dat", "\x01\x02\x03\x04\x05\x06\x07\x08 text");
    symlink(tmpdir, tpath("in/loop"));
    symlink("does-not-exist", tpath("in/dangling"));
    ws_source_opts o = opts();
    results *r = run(tpath("in"), WS_FMT_TEXT, &o);
    cr_assert_eq(r->open_rc, 0, "%s", r->open_err);
    cr_expect_eq(r->ne, 0);
    cr_assert_eq(r->n, 4, "stories: %zu; log:\n%s", r->n, r->log);
    cr_expect_str_eq(r->r[0].id, "A.txt");
    cr_expect_str_eq(r->r[1].id, "a/z.txt");
    cr_expect_str_eq(r->r[2].id, "a-c.txt");
    cr_expect_str_eq(r->r[3].id, "b.txt");
    cr_expect_str_eq(r->r[1].title, "Z");
    cr_expect_str_eq(r->r[1].body, "body z");
    cr_expect(strstr(r->r[1].file, "/in/a/z.txt"), "%s", r->r[1].file);
    cr_expect(has_log(r, ".hidden.txt: note: hidden; skipped"), "%s", r->log);
    cr_expect(has_log(r, ".git: note: hidden; skipped"), "%s", r->log);
    cr_expect(has_log(r, "README.md: note: documentation file"), "%s", r->log);
    cr_expect(has_log(r, "LICENSE: note: documentation file"), "%s", r->log);
    cr_expect(has_log(r, "empty.txt: note: empty file; skipped"), "%s", r->log);
    cr_expect(has_log(r, "blank.txt: note: no text"), "%s", r->log);
    cr_expect(has_log(r, "nuls.bin: note: not text (NUL bytes); skipped"), "%s", r->log);
    cr_expect(has_log(r, "ctl.dat: note: not text (control characters); skipped"), "%s", r->log);
    cr_expect(has_log(r, "loop: note: symbolic link to a folder; not followed"), "%s", r->log);
    cr_expect(has_log(r, "dangling: note: broken symbolic link"), "%s", r->log);
    /* same order again (stable) */
    results *r2 = run(tpath("in"), WS_FMT_TEXT, &o);
    cr_assert_eq(r2->n, 4);
    for (int i = 0; i < 4; i++) cr_expect_str_eq(r->r[i].id, r2->r[i].id);
}

Test(textdir, tag_from_dir_and_single_file)
{
    WRITE("bbc/business/001.txt", "Title one\n\nBody.");
    WRITE("bbc/tech/x/002.txt", "Title two\n\nBody.");
    WRITE("bbc/top.txt", "Top\n\nBody.");
    ws_source_opts o = opts();
    o.tag_from_dir = "category";
    results *r = run(tpath("bbc/"), WS_FMT_TEXT, &o);
    cr_assert_eq(r->n, 3, "%s", r->open_err);
    cr_expect_str_eq(r->r[0].id, "business/001.txt");
    cr_expect_str_eq(r->r[0].tags, "category=business|");
    cr_expect_str_eq(r->r[1].tags, "category=x|", "the folder holding the file");
    cr_expect_str_eq(r->r[2].id, "top.txt");
    cr_expect_str_eq(r->r[2].tags, "category=bbc|", "files at the top: the input folder's name");

    ws_source *s;
    cr_assert_eq(ws_source_open(tpath("bbc"), WS_FMT_TEXT, &o, &s), 0);
    const char *want[] = {"category", "author", "newsgroups", "keywords", "section", "place", "agency"};
    cr_assert_eq(ws_source_ntags(s), 7);
    for (uint32_t i = 0; i < 7; i++) cr_expect_str_eq(ws_source_tag_name(s, i), want[i]);
    cr_expect_null(ws_source_tag_name(s, 7));
    ws_source_close(s);
    o.tag_from_dir = "section"; /* shares the section column */
    cr_assert_eq(ws_source_open(tpath("bbc"), WS_FMT_TEXT, &o, &s), 0);
    cr_expect_eq(ws_source_ntags(s), 6);
    ws_source_close(s);
    o.tag_from_dir = "title";
    cr_expect_eq(ws_source_open(tpath("bbc"), WS_FMT_TEXT, &o, &s), WS_EINVAL);

    /* one file as the input */
    o = opts();
    o.tag_from_dir = "category";
    r = run(tpath("bbc/tech/x/002.txt"), WS_FMT_TEXT, &o);
    cr_assert_eq(r->n, 1);
    cr_expect_str_eq(r->r[0].id, "002.txt");
    cr_expect_str_eq(r->r[0].tags, "category=x|");
}

Test(textdir, mail_and_usenet)
{
    WRITE("m/1.eml", "From: \"Smith, John\" <js@example.org>\n"
                     "Subject: Re: a long\n  folded subject\n"
                     "Date: Fri, 23 Apr 1993 16:24:16 -0400 (EDT)\n"
                     "Newsgroups: comp.os.linux, sci.med\n"
                     "Keywords: peace treaty; islands, Japan\n"
                     "Message-ID: <1@x>\n"
                     "\n"
                     "WASHINGTON (Reuters) - Body text.\n");
    WRITE("m/2.txt", "From news@host Fri Apr 23 16:24:16 1993\n"
                     "From: js@example.org (John Smith)\n"
                     "Title: Usenet post\n"
                     "Date: 5 Apr 93 20:41:08 GMT\n"
                     "\n\n"
                     "Body two.");
    WRITE("m/3.txt", "Subject: Headers only\nFrom: a@b.c\nDate: not a date at all"); /* header-only, bad date */
    WRITE("m/4.txt", "Subject: Undated\nAuthor: Jane Doe\n\nLONDON, March 3 (AP) \xE2\x80\x94 Text.");
    ws_source_opts o = opts();
    o.year = 2004;
    results *r = run(tpath("m"), WS_FMT_TEXT, &o);
    cr_assert_eq(r->n, 4, "%s", r->log);
    const rec_copy *a = &r->r[0], *b = &r->r[1], *c = &r->r[2], *d = &r->r[3];
    cr_expect_str_eq(a->title, "Re: a long folded subject");
    cr_expect_eq(a->date, DAY(1993, 4, 23) + 20 * 3600 + 24 * 60 + 16);
    cr_expect_str_eq(a->body, "WASHINGTON (Reuters) - Body text.");
    cr_expect_str_eq(a->tags, "author=Smith, John|newsgroups=comp.os.linux|newsgroups=sci.med|keywords=peace treaty|"
                              "keywords=islands|keywords=Japan|place=WASHINGTON|agency=Reuters|");
    cr_expect_str_eq(b->title, "Usenet post");
    cr_expect_eq(b->date, DAY(1993, 4, 5) + 20 * 3600 + 41 * 60 + 8);
    cr_expect_str_eq(b->tags, "author=John Smith|");
    cr_expect_str_eq(b->body, "Body two.");
    cr_expect_str_eq(c->title, "Headers only", "a header-only mail file is a story");
    cr_expect_str_eq(c->body, "");
    cr_expect_eq(c->date, WS_DATE_UNKNOWN);
    cr_expect_eq(c->date_bad, 1);
    cr_expect_str_eq(c->tags, "author=a@b.c|");
    cr_expect_eq(d->date, DAY(2004, 3, 3), "no Date: header: the dateline's day in --year");
    cr_expect_str_eq(d->tags, "author=Jane Doe|place=LONDON|agency=AP|");
}

/* Issue 14, bugs 1 and 5: a white-space-only line inside the headers folds
 * (it used to end them and push Date:, Message-ID and the rest into the
 * body); an author in "addr (\"Name\")" or "\"Name\" <addr>" loses its
 * quotes. A white-space-only line followed by body text still ends them. */
Test(textdir, folded_headers_with_blank_lines)
{
    WRITE("f/1.txt", "From: ab@host.example (\"Andi Beyer\")\n"
                     "Subject: Folded\n"
                     "Keywords: alpha,\n"
                     "  \n"
                     "  beta,\n"
                     "\t gamma\n"
                     "Date: Mon, 10 May 1993 09:30:00 +0300\n"
                     "Message-ID: <2@x>\n"
                     "Organization: Somewhere\n"
                     "\n"
                     "Body text.\n");
    WRITE("f/2.txt", "From: \"Andi Beyer\" <a@b.example>\n"
                     "Subject: Sloppy separator\n"
                     "Date: 11 May 1993 00:00:00 GMT\n"
                     " \t \n"
                     "Body two.\n");
    WRITE("f/3.txt", "Subject: Tab line\n"
                     "Newsgroups: a.b,\n"
                     "\t\n"
                     " c.d\n"
                     "Date: 12 May 1993 00:00:00 GMT\n"
                     "\n"
                     "Body three.\n");
    ws_source_opts o = opts();
    results *r = run(tpath("f"), WS_FMT_TEXT, &o);
    cr_assert_eq(r->n, 3, "%s", r->log);
    const rec_copy *a = &r->r[0], *b = &r->r[1], *c = &r->r[2];
    cr_expect_str_eq(a->title, "Folded");
    cr_expect_eq(a->date, DAY(1993, 5, 10) + 6 * 3600 + 30 * 60, "Date: after the folded Keywords: is a header");
    cr_expect_str_eq(a->body, "Body text.", "no header in the body");
    cr_expect_str_eq(a->tags, "author=Andi Beyer|keywords=alpha|keywords=beta|keywords=gamma|");
    cr_expect_str_eq(b->title, "Sloppy separator");
    cr_expect_eq(b->date, DAY(1993, 5, 11));
    cr_expect_str_eq(b->body, "Body two.");
    cr_expect_str_eq(b->tags, "author=Andi Beyer|");
    cr_expect_str_eq(c->title, "Tab line");
    cr_expect_eq(c->date, DAY(1993, 5, 12));
    cr_expect_str_eq(c->body, "Body three.");
    cr_expect_str_eq(c->tags, "newsgroups=a.b|newsgroups=c.d|");
}

Test(textdir, agency_and_years)
{
    const char *tass = "All news\n\nRussian, Japanese Foreign Ministers to hold new round of talks\n\n"
                       "The ministers will also touch upon other issues\n\n"
                       "MOSCOW, May 10. /TASS/. Russian Foreign Minister Sergei Lavrov is to hold talks.\n\nMore.";
    write_file("t/2019/05/tass.txt", tass, strlen(tass));
    write_file("t/misc/tass.txt", tass, strlen(tass));
    ws_source_opts o = opts();
    results *r = run(tpath("t"), WS_FMT_TEXT, &o);
    cr_assert_eq(r->n, 2);
    cr_expect_str_eq(r->r[0].id, "2019/05/tass.txt");
    cr_expect_eq(r->r[0].date, DAY(2019, 5, 10), "year from the path");
    cr_expect_eq(r->r[1].date, WS_DATE_UNKNOWN, "no year anywhere");
    cr_expect_str_eq(r->r[0].title, "Russian, Japanese Foreign Ministers to hold new round of talks");
    const char *lead = "The ministers will also touch upon other issues\n\nMOSCOW, May 10.";
    cr_expect(!strncmp(r->r[0].body, lead, strlen(lead)), "%s", r->r[0].body);
    cr_expect_str_eq(r->r[0].tags, "section=All news|place=MOSCOW|agency=TASS|");
    o = opts();
    o.year = 2018;
    r = run(tpath("t"), WS_FMT_TEXT, &o);
    cr_expect_eq(r->r[0].date, DAY(2018, 5, 10), "--year wins");
    cr_expect_eq(r->r[1].date, DAY(2018, 5, 10));
}

Test(textdir, encodings_and_line_ends)
{
    WRITE("e/latin1.txt", "Caf\xE9 au lait\n\nPrix: \xA3" "5, \x93quoted\x94.\n");
    WRITE("e/utf8bom.txt", "\xEF\xBB\xBF" "Caf\xC3\xA9 au lait\n\nBody.\n");
    WRITE("e/crlf.txt", "Title\r\n\r\nLine one\r\nLine two\r\n");
    WRITE("e/lf.txt", "Title\n\nLine one\nLine two\n");
    WRITE("e/utf16.txt", "\xFF\xFE" "T\0i\0\r\0\n\0\n\0\xAC\x20\x3D\xD8");
    ws_source_opts o = opts();
    results *r = run(tpath("e"), WS_FMT_TEXT, &o);
    cr_assert_eq(r->n, 5, "%s", r->log);
    const rec_copy *x;
    find_rec(r, "latin1.txt", &x);
    cr_assert_not_null(x);
    cr_expect_str_eq(x->title, "Caf\xC3\xA9 au lait");
    cr_expect_str_eq(x->body, "Prix: \xC2\xA3" "5, \xE2\x80\x9Cquoted\xE2\x80\x9D.");
    cr_expect_eq(x->invalid, 0);
    cr_expect(has_log(r, "latin1.txt: note: not valid UTF-8; read as Windows-1252"), "%s", r->log);
    find_rec(r, "utf8bom.txt", &x);
    cr_expect_str_eq(x->title, "Caf\xC3\xA9 au lait", "BOM dropped");
    const rec_copy *y;
    find_rec(r, "crlf.txt", &x);
    find_rec(r, "lf.txt", &y);
    cr_expect_str_eq(x->body, y->body, "CRLF reads as LF");
    cr_expect_str_eq(x->body, "Line one\nLine two");
    find_rec(r, "utf16.txt", &x);
    cr_assert_not_null(x);
    cr_expect_str_eq(x->title, "Ti");
    cr_expect_str_eq(x->body, "\xE2\x82\xAC\xEF\xBF\xBD", "UTF-16: euro, then an unpaired surrogate");
    cr_expect_eq(x->invalid, 1);

    o = opts();
    o.encoding = "utf-8";
    r = run(tpath("e/latin1.txt"), WS_FMT_TEXT, &o);
    cr_assert_eq(r->n, 1);
    cr_expect_eq(r->r[0].invalid, 4, "forced UTF-8: %zu replacements", r->r[0].invalid);
    cr_expect(!has_log(r, "Windows-1252"));
    o.encoding = "latin-1";
    r = run(tpath("e/latin1.txt"), WS_FMT_TEXT, &o);
    cr_expect(strstr(r->r[0].body, "\xC2\x93quoted\xC2\x94"), "Latin-1: C1 controls");
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

Test(textdir, fifty_mb_line, .timeout = 60)
{
    WRITE("big/a.txt", "Before\n\nbody");
    FILE *f = fopen(tpath("big/b.txt"), "wb");
    cr_assert_not_null(f);
    static char chunk[1 << 16];
    memset(chunk, 'y', sizeof chunk);
    for (int i = 0; i < 800; i++) fwrite(chunk, 1, sizeof chunk, f); /* one 52 MB line */
    fclose(f);
    WRITE("big/c.txt", "After\n\nbody");
    long before = max_rss_kb();
    ws_source_opts o = opts();
    o.max_record = 1 << 20;
    results *r = run(tpath("big"), WS_FMT_TEXT, &o);
    long grown = max_rss_kb() - before;
    cr_assert_eq(r->ne, 1);
    cr_expect_eq(r->err_rc[0], WS_ETOOBIG);
    cr_expect(strstr(r->err_file[0], "big/b.txt"), "%s", r->err_file[0]);
    cr_expect(strstr(r->err_msg[0], "--max-record"), "%s", r->err_msg[0]);
    cr_assert_eq(r->n, 2);
    cr_expect_str_eq(r->r[0].title, "Before");
    cr_expect_str_eq(r->r[1].title, "After");
    cr_expect_lt(grown, 8 * 1024, "peak memory grew by %ld KiB", grown);
}

/* ---------- Reuters: hand-made ---------- */

static const char sgml[] =
    "<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n"
    "<REUTERS TOPICS=\"YES\" LEWISSPLIT=\"TRAIN\" CGISPLIT=\"TRAINING-SET\" OLDID=\"5544\" NEWID=\"1\">\n"
    "<DATE>26-FEB-1987 15:01:01.79</DATE>\n"
    "<TOPICS><D>cocoa</D></TOPICS>\n"
    "<PLACES><D>el-salvador</D><D>usa</D></PLACES>\n"
    "<PEOPLE></PEOPLE>\n<ORGS><D>ec</D></ORGS>\n<EXCHANGES><D>nyse</D></EXCHANGES>\n<COMPANIES></COMPANIES>\n"
    "<UNKNOWN> \n&#5;&#5;&#5;C T\n</UNKNOWN>\n"
    "<TEXT>&#2;\n<TITLE>BAHIA COCOA &lt;REVIEW&gt; &amp; CAF\xC9</TITLE>\n"
    "<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers continued &#38; more &unknown; stuff.\n Reuter\n&#3;</BODY></TEXT>\n"
    "</REUTERS>\n"
    "<REUTERS NEWID=\"2\">\n<DATE>27-MAR-1987 00:02:59.13   RM</DATE>\n<TOPICS></TOPICS>\n"
    "<TEXT TYPE=\"UNPROC\">&#2;\nFEDERAL RESERVE WEEKLY REPORT\n Net free reserves....644\n</TEXT>\n</REUTERS>\n"
    "<REUTERS NEWID=\"3\"><DATE>31-MAR-1987 605:12:19.12</DATE>\n"
    "<TEXT TYPE=\"BRIEF\">&#2;\n******<TITLE>ASSETS OF MONEY FUNDS ROSE\n</TITLE>Blah blah blah.\n</TEXT></REUTERS>\n"
    "<REUTERS NEWID=\"4\"><DATE>1-APR-1987 10:00:00.00</DATE><TEXT><TITLE>NO BODY CLOSE</TITLE><BODY>text</TEXT></REUTERS>\n"
    "<REUTERS NEWID=\"5\"><DATE>garbage</DATE><TEXT><TITLE>UNCLOSED STORY</TITLE>\n"
    "<REUTERS NEWID=\"6\"><DATE>2-APR-1987 10:00:00.00</DATE><TEXT><BODY>WASHINGTON, April 2 - Body only.</BODY></TEXT></REUTERS>\n"
    "<REUTERS OLDID=\"9\"><DATE>garbage</DATE><TEXT><DATELINE>PARIS, April 3 - </DATELINE><BODY>x</BODY></TEXT></REUTERS>\n"
    "<REUTERS NEWID=\"8\"><DATE>3-APR-1987 10:00:00.00</DATE><TEXT><TITLE>CUT OFF";

Test(reuters, sgml_story_forms)
{
    const char *p = write_file("reut2-000.sgm", sgml, sizeof sgml - 1);
    ws_source_opts o = opts();
    o.year = 1987;
    results *r = run(p, WS_FMT_AUTO, &o);
    cr_assert_eq(r->open_rc, 0, "%s", r->open_err);
    cr_assert_eq(r->n, 5, "stories: %zu", r->n);
    cr_assert_eq(r->ne, 3, "bad stories: %zu", r->ne);
    const rec_copy *a = &r->r[0];
    cr_expect_str_eq(a->id, "1");
    cr_expect_eq(a->date, DAY(1987, 2, 26) + 15 * 3600 + 60 + 1);
    cr_expect_str_eq(a->title, "BAHIA COCOA <REVIEW> & CAF\xC3\x89", "entities and a Latin-1 byte");
    cr_expect_str_eq(a->body, "Showers continued & more &unknown; stuff.\n Reuter\n\x03");
    cr_expect_str_eq(a->tags, "topics=cocoa|places=el-salvador|places=usa|orgs=ec|exchanges=nyse|place=SALVADOR|");
    cr_expect(has_log(r, "reut2-000.sgm:2: note: not valid UTF-8"), "%s", r->log);
    const rec_copy *b = &r->r[1];
    cr_expect_str_eq(b->id, "2");
    cr_expect_eq(b->date, DAY(1987, 3, 27) + 2 * 60 + 59, "desk code after the time ignored");
    cr_expect_str_eq(b->title, "");
    cr_expect_str_eq(b->body, "\x02\nFEDERAL RESERVE WEEKLY REPORT\n Net free reserves....644\n", "UNPROC: TEXT is the body");
    const rec_copy *c = &r->r[2];
    cr_expect_str_eq(c->title, "ASSETS OF MONEY FUNDS ROSE");
    cr_expect_str_eq(c->body, "", "BRIEF: no body");
    cr_expect_eq(c->date, DAY(1987, 3, 31), "garbled time: the day is kept");
    cr_expect_eq(r->err_rc[0], WS_EFORMAT);
    cr_expect_eq(r->err_line[0], 32);
    cr_expect(strstr(r->err_msg[0], "<BODY> without </BODY>"), "%s", r->err_msg[0]);
    cr_expect_eq(r->err_line[1], 33);
    cr_expect(strstr(r->err_msg[1], "not closed before the next"), "%s", r->err_msg[1]);
    const rec_copy *d = &r->r[3];
    cr_expect_str_eq(d->id, "6");
    cr_expect_str_eq(d->tags, "place=WASHINGTON|", "a dateline opening the body");
    const rec_copy *e = &r->r[4];
    cr_expect_str_eq(e->id, "");
    cr_expect_eq(e->date_bad, 1);
    cr_expect_eq(e->date, DAY(1987, 4, 3), "bad DATE: the dateline's day with --year");
    cr_expect(has_log(r, "without NEWID"), "%s", r->log);
    cr_expect(strstr(r->err_msg[2], "not closed at the end of the file"), "%s", r->err_msg[2]);
    cr_expect_eq(r->err_line[2], 36);

    ws_source *s;
    cr_assert_eq(ws_source_open(p, WS_FMT_REUTERS, &o, &s), 0);
    const char *want[] = {"topics", "places", "people", "orgs", "exchanges", "place", "agency"};
    cr_assert_eq(ws_source_ntags(s), 7);
    for (uint32_t i = 0; i < 7; i++) cr_expect_str_eq(ws_source_tag_name(s, i), want[i]);
    ws_source_close(s);
}

static int read_all(const char *path, ws_format fmt, ws_source_opts *o, size_t *stories);

Test(reuters, folder_and_xml)
{
    WRITE("rf/reut2-001.xml", "<?xml version=\"1.0\"?>\n<LEWIS>\n<REUTERS NEWID=\"10\"><DATE>1-MAR-1987 01:00:00.00</DATE>"
                              "<TEXT><TITLE>B</TITLE></TEXT></REUTERS>\n</LEWIS>\n");
    WRITE("rf/reut2-000.xml", "<?xml version=\"1.0\"?>\n<LEWIS>\n<REUTERS NEWID=\"9\"><DATE>1-MAR-1987 00:00:00.00</DATE>"
                              "<TEXT><TITLE>A</TITLE></TEXT></REUTERS>\n</LEWIS>\n");
    WRITE("rf/reut2-000.sgm", "<REUTERS NEWID=\"99\"></REUTERS>");
    WRITE("rf/lewis.dtd", "<!ELEMENT LEWIS O O (REUTERS+)>");
    ws_source_opts o = opts();
    results *r = run(tpath("rf"), WS_FMT_REUTERS, &o);
    cr_assert_eq(r->n, 2, "the .xml files only");
    cr_expect_str_eq(r->r[0].id, "9");
    cr_expect_str_eq(r->r[1].id, "10");
    WRITE("rs/reut2-000.sgm", "<REUTERS NEWID=\"99\"></REUTERS>");
    r = run(tpath("rs"), WS_FMT_REUTERS, &o);
    cr_assert_eq(r->n, 1, "no .xml: the .sgm files");
    /* Issue 14, bug 9: a file without any <REUTERS> (a DTD, a binary) is
     * said to be one, a fatal error, instead of yielding nothing in silence */
    size_t nst = 99;
    cr_expect_eq(read_all(tpath("rf/lewis.dtd"), WS_FMT_REUTERS, &o, &nst), WS_ENOENT);
    cr_expect_eq(nst, 0);
    cr_expect(strstr(ws_last_error(), "lewis.dtd: no <REUTERS> record found"), "%s", ws_last_error());
    static const unsigned char bin[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0xff, 0xfe, '<', 'R', 0, 0, 3};
    write_file("rf2/a.bin", (const char *)bin, sizeof bin);
    WRITE("rf2/b.xml", "<REUTERS NEWID=\"1\"><TEXT><BODY>x</BODY></TEXT></REUTERS>\n");
    cr_expect_eq(read_all(tpath("rf2/a.bin"), WS_FMT_REUTERS, &o, &nst), WS_ENOENT, "a binary file");
    r = run(tpath("rf2/b.xml"), WS_FMT_REUTERS, &o);
    cr_expect_eq(r->n, 1);
    mkdir(tpath("empty"), 0755);
    r = run(tpath("empty"), WS_FMT_REUTERS, &o);
    cr_expect_eq(r->open_rc, WS_ENOENT);
}

Test(reuters, oversized_story, .timeout = 60)
{
    FILE *f = fopen(tpath("big.sgm"), "wb");
    cr_assert_not_null(f);
    fputs("<REUTERS NEWID=\"1\"><TEXT><BODY>small</BODY></TEXT></REUTERS>\n<REUTERS NEWID=\"2\"><TEXT><BODY>", f);
    static char chunk[1 << 16];
    memset(chunk, 'z', sizeof chunk);
    for (int i = 0; i < 800; i++) fwrite(chunk, 1, sizeof chunk, f);
    fputs("</BODY></TEXT></REUTERS>\n<REUTERS NEWID=\"3\"><TEXT><BODY>after</BODY></TEXT></REUTERS>\n", f);
    fclose(f);
    long before = max_rss_kb();
    ws_source_opts o = opts();
    o.max_record = 1 << 20;
    results *r = run(tpath("big.sgm"), WS_FMT_REUTERS, &o);
    long grown = max_rss_kb() - before;
    cr_assert_eq(r->ne, 1);
    cr_expect_eq(r->err_rc[0], WS_ETOOBIG);
    cr_expect_eq(r->err_line[0], 2);
    cr_assert_eq(r->n, 2);
    cr_expect_str_eq(r->r[0].id, "1");
    cr_expect_str_eq(r->r[1].id, "3");
    cr_expect_str_eq(r->r[1].body, "after");
    cr_expect_lt(grown, 8 * 1024, "peak memory grew by %ld KiB", grown);
}

/* Regression: a read that ended a few bytes into a story (the buffer then
 * held "<REUTERS " and nothing more) made the scanner take the story's own
 * opening tag for the next story's and report "not closed before the next
 * <REUTERS>" (reut2-003.xml, line 4781). Put a story's start at every offset
 * around the first 64 KiB read boundary. */
Test(reuters, story_across_read_boundary)
{
    static const char story[] = "<REUTERS NEWID=\"%d\"><DATE>1-MAR-1987 00:00:00.00</DATE><TEXT><TITLE>T%d</TITLE>"
                                "<BODY>Body %d.</BODY></TEXT></REUTERS>\n";
    for (int d = 0; d <= 40; d++) {
        char name[64];
        snprintf(name, sizeof name, "b%02d.xml", d);
        FILE *f = fopen(tpath(name), "wb");
        cr_assert_not_null(f);
        long at = fprintf(f, "<?xml version=\"1.0\"?>\n<LEWIS>\n");
        at += fprintf(f, story, 1, 1, 1);
        while (at < 65536 - d) { fputc('\n', f); at++; }
        fprintf(f, story, 2, 2, 2);
        fprintf(f, story, 3, 3, 3);
        fputs("</LEWIS>\n", f);
        fclose(f);
        ws_source_opts o = opts();
        results *r = run(tpath(name), WS_FMT_REUTERS, &o);
        cr_assert_eq(r->ne, 0, "story at 65536-%d: %s (line %llu)", d, r->err_msg[0], (unsigned long long)r->err_line[0]);
        cr_assert_eq(r->n, 3, "story at 65536-%d: %zu stories", d, r->n);
        for (int k = 0; k < 3; k++) {
            char want[16];
            snprintf(want, sizeof want, "%d", k + 1);
            cr_expect_str_eq(r->r[k].id, want);
            snprintf(want, sizeof want, "T%d", k + 1);
            cr_expect_str_eq(r->r[k].title, want);
        }
    }
}

/* ---------- allocation failure ---------- */

/* Read everything; returns 0 when the whole input was read, else the fatal
 * code (WS_ENOMEM is the only one allowed here). */
static int read_all(const char *path, ws_format fmt, ws_source_opts *o, size_t *stories)
{
    ws_source *s;
    int rc = ws_source_open(path, fmt, o, &s);
    if (rc) return rc;
    ws_record rec;
    ws_source_pos pos;
    *stories = 0;
    while ((rc = ws_source_next(s, &rec, &pos)) != 0) {
        if (rc == 1) (*stories)++;
        else if (rc != WS_EFORMAT && rc != WS_ETOOBIG) break;
    }
    ws_source_close(s);
    return rc;
}

Test(source, allocation_failure_sweep, .timeout = 60)
{
    WRITE("af/t/1.eml", "From: A <a@b>\nSubject: S\nKeywords: x, y\nDate: 5 Apr 93 20:41:08 GMT\n\nLONDON, March 3 (AP) - body\n");
    WRITE("af/t/sub/2.txt", "All news\n\nTitle here now\n\nLead\n\nMOSCOW, May 10. /TASS/. Body\n");
    WRITE("af/t/3.txt", "Caf\xe9\n\nbody\n");
    WRITE("af/c.csv", "id,title,body,k\n1,\"a\nb\",\"WASHINGTON (Reuters) - x\",v\n2,\"bad\"x,y,z\n3,c,d,e\n");
    write_file("af/r.sgm", sgml, sizeof sgml - 1);
    struct { const char *path; ws_format fmt; size_t stories; } in[] = {
        {tpath("af/t"), WS_FMT_TEXT, 3}, {tpath("af/c.csv"), WS_FMT_CSV, 2}, {tpath("af/r.sgm"), WS_FMT_REUTERS, 5}};
    for (size_t k = 0; k < 3; k++) {
        int done = 0;
        for (long n = 1; n < 5000 && !done; n++) {
            ws_source_opts o = opts();
            o.tag_keys = (const char *const[]){"k"};
            o.ntags = in[k].fmt == WS_FMT_CSV ? 1 : 0;
            o.tag_from_dir = in[k].fmt == WS_FMT_TEXT ? "dir" : NULL;
            size_t stories = 0;
            ws__alloc_fail_after(n);
            int rc = read_all(in[k].path, in[k].fmt, &o, &stories);
            ws__alloc_fail_after(0);
            if (rc == 0) {
                cr_expect_eq(stories, in[k].stories, "%s: %zu stories after failing allocation %ld", in[k].path, stories, n);
                done = 1;
            } else {
                cr_assert_eq(rc, WS_ENOMEM, "%s: allocation %ld failed: rc %d (%s)", in[k].path, n, rc, ws_last_error());
            }
        }
        cr_expect(done, "%s: never completed", in[k].path);
    }
}

/* ---------- the real corpora ---------- */

/* An independent reading of the XML edition: plain strstr scanning. */
typedef struct indep {
    char id[16];
    char title[512];
    char tags[1024]; /* "topics=..|places=..|..." like tag_string, without place/agency */
} indep;

static void unescape(char *s)
{
    char *w = s;
    for (char *p = s; *p;) {
        if (!strncmp(p, "&lt;", 4)) { *w++ = '<'; p += 4; }
        else if (!strncmp(p, "&gt;", 4)) { *w++ = '>'; p += 4; }
        else if (!strncmp(p, "&amp;", 5)) { *w++ = '&'; p += 5; }
        else *w++ = *p++;
    }
    *w = 0;
}

/* strstr bounded by end (sanitizers make strstr on a big buffer slow). */
static const char *find(const char *s, const char *end, const char *needle)
{
    size_t k = strlen(needle);
    while (s && end - s >= (long)k) {
        s = memchr(s, needle[0], (size_t)(end - s) - k + 1);
        if (!s) return NULL;
        if (!memcmp(s, needle, k)) return s;
        s++;
    }
    return NULL;
}

static const char *between(const char *s, const char *end, const char *open, const char *close, char *out, size_t cap)
{
    const char *a = find(s, end, open);
    if (!a) return NULL;
    a += strlen(open);
    const char *b = find(a, end, close);
    if (!b) return NULL;
    size_t n = (size_t)(b - a) < cap - 1 ? (size_t)(b - a) : cap - 1;
    memcpy(out, a, n);
    out[n] = 0;
    return b + strlen(close);
}

static size_t scan_xml(const char *data, size_t len, indep *out, size_t cap)
{
    const char *stop = data + len;
    static const char *const cats[] = {"TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES"};
    static const char *const names[] = {"topics", "places", "people", "orgs", "exchanges"};
    size_t n = 0;
    for (const char *p = data; (p = find(p, stop, "<REUTERS ")) != NULL && n < cap; n++) {
        const char *end = find(p, stop, "</REUTERS>");
        cr_assert_not_null(end);
        indep *x = &out[n];
        cr_assert(between(p, end, "NEWID=\"", "\"", x->id, sizeof x->id));
        x->title[0] = 0;
        if (between(p, end, "<TITLE>", "</TITLE>", x->title, sizeof x->title)) {
            unescape(x->title);
            char *t = x->title;
            while (*t == ' ' || *t == '\n') t++;
            memmove(x->title, t, strlen(t) + 1);
            size_t k = strlen(x->title);
            while (k && (x->title[k - 1] == ' ' || x->title[k - 1] == '\n')) x->title[--k] = 0;
        }
        x->tags[0] = 0;
        for (int c = 0; c < 5; c++) {
            char open[32], close[32], inner[1024];
            snprintf(open, sizeof open, "<%s>", cats[c]);
            snprintf(close, sizeof close, "</%s>", cats[c]);
            if (!between(p, end, open, close, inner, sizeof inner)) continue;
            const char *q = inner;
            char v[256];
            while ((q = between(q, inner + strlen(inner), "<D>", "</D>", v, sizeof v)) != NULL) {
                unescape(v);
                strcat(x->tags, names[c]);
                strcat(x->tags, "=");
                strcat(x->tags, v);
                strcat(x->tags, "|");
            }
        }
        p = end;
    }
    return n;
}

Test(corpora, reuters_all_stories)
{
    const char *dir = CORPORA "/reuters21578";
    DIR *d = opendir(dir);
    if (!d) cr_skip_test("corpus folder %s is absent (../shared/corpora is not distributed with the repo)", dir);
    closedir(d);
    /* the independent reading, file by file in name order */
    static indep want[22000];
    size_t nwant = 0;
    for (int k = 0; k < 22; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/reut2-%03d.xml", dir, k);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        static char data[2 << 20];
        size_t n = fread(data, 1, sizeof data - 1, f);
        data[n] = 0;
        fclose(f);
        nwant += scan_xml(data, n, want + nwant, 22000 - nwant);
    }
    cr_assert_eq(nwant, 21578, "independent count: %zu", nwant);

    ws_source_opts o = opts();
    ws_source *s;
    cr_assert_eq(ws_source_open(dir, WS_FMT_REUTERS, &o, &s), 0, "%s", ws_last_error());
    ws_record rec;
    ws_source_pos pos;
    int rc;
    size_t n = 0, bad = 0, with_topics = 0, with_places = 0, with_place = 0, with_body = 0, with_title = 0;
    int64_t lo = DAY(1987, 1, 1), hi = DAY(1988, 1, 1);
    while ((rc = ws_source_next(s, &rec, &pos)) != 0) {
        cr_assert_eq(rc, 1, "%s:%llu: %s", pos.file, (unsigned long long)pos.line, ws_last_error());
        cr_assert_lt(n, nwant);
        const indep *x = &want[n];
        int ok = rec.id.n == strlen(x->id) && !memcmp(rec.id.p, x->id, rec.id.n);
        char *tags = tag_string(s, &rec);
        /* compare the five category columns (place/agency come after them) */
        char *cut = strstr(tags, "place=");
        if (cut) *cut = 0;
        ok = ok && !strcmp(tags, x->tags);
        ok = ok && rec.title.n == strlen(x->title) && (!rec.title.n || !memcmp(rec.title.p, x->title, rec.title.n));
        if (!ok && bad++ < 5)
            cr_log_error("story %zu (NEWID %s): id \"%.*s\" title \"%.*s\" vs \"%s\"; tags \"%s\" vs \"%s\"", n, x->id,
                         (int)rec.id.n, rec.id.p, (int)rec.title.n, rec.title.p, x->title, tags, x->tags);
        free(tags);
        cr_expect(rec.date >= lo && rec.date < hi, "NEWID %s: date %lld not in 1987", x->id, (long long)rec.date);
        with_topics += rec.tag_count[0] > 0;
        with_places += rec.tag_count[1] > 0;
        with_place += rec.tag_count[5] > 0;
        if (rec.tag_count[5]) {
            size_t k = 0;
            for (int t = 0; t < 5; t++) k += rec.tag_count[t];
            cr_expect(!(rec.tag_vals[k].n == 10 && !memcmp(rec.tag_vals[k].p, "CORRECTION", 10)),
                      "NEWID %s: a CORRECTION heading taken for a dateline", x->id);
        }
        with_body += rec.body.n > 0;
        with_title += rec.title.n > 0;
        if (n == 0) {
            cr_expect(rec.title.n == 18 && !memcmp(rec.title.p, "BAHIA COCOA REVIEW", 18));
            cr_expect_eq(rec.date, DAY(1987, 2, 26) + 15 * 3600 + 60 + 1);
            cr_expect(rec.body.n > 100 && !memcmp(rec.body.p, "Showers continued throughout the week in", 40));
            cr_expect_eq(pos.line, 3);
        }
        n++;
    }
    ws_source_close(s);
    cr_expect_eq(bad, 0, "%zu stories differ from the independent reading", bad);
    cr_expect_eq(n, 21578);
    cr_expect_gt(with_topics, 10000, "%zu", with_topics);
    cr_expect_gt(with_places, 18000, "%zu", with_places);
    /* 18,982: the <DATELINE> elements, and datelines of the strict shape
     * opening the bodies of stories without one (issue 14: no longer the
     * 55 "CORRECTION -" / "CORRECTED -" headings and the like) */
    cr_expect_gt(with_place, 18900, "stories with a dateline place: %zu", with_place);
    cr_expect_gt(with_body, 19000 + 700, "with a body (incl. UNPROC): %zu", with_body);
    cr_expect_eq(with_title, 20841, "with a title: %zu", with_title);
}

Test(corpora, bbc_all_stories)
{
    const char *dir = CORPORA "/bbc";
    DIR *d = opendir(dir);
    if (!d) cr_skip_test("corpus folder %s is absent (../shared/corpora is not distributed with the repo)", dir);
    closedir(d);
    ws_source_opts o = opts();
    o.tag_from_dir = "category";
    char *log = NULL;
    size_t logn = 0;
    o.log = open_memstream(&log, &logn);
    ws_source *s;
    cr_assert_eq(ws_source_open(dir, WS_FMT_AUTO, &o, &s), 0, "%s", ws_last_error());
    ws_record rec;
    ws_source_pos pos;
    int rc;
    size_t n = 0, counts[5] = {0};
    const char *cats[5] = {"business", "entertainment", "politics", "sport", "tech"};
    while ((rc = ws_source_next(s, &rec, &pos)) != 0) {
        cr_assert_eq(rc, 1, "%s: %s", pos.file, ws_last_error());
        cr_assert_gt(rec.title.n, 0, "%s: no title", pos.file);
        cr_assert_gt(rec.body.n, 0, "%s: no body", pos.file);
        cr_assert_eq(rec.tag_count[0], 1, "%s: category tags %u", pos.file, rec.tag_count[0]);
        cr_assert_eq(rec.invalid_utf8, 0);
        int found = 0;
        for (int c = 0; c < 5; c++)
            if (rec.tag_vals[0].n == strlen(cats[c]) && !memcmp(rec.tag_vals[0].p, cats[c], rec.tag_vals[0].n)) {
                counts[c]++;
                found = 1;
                cr_assert(rec.id.n > strlen(cats[c]) && !memcmp(rec.id.p, cats[c], strlen(cats[c])));
            }
        cr_assert(found, "%s: category %.*s", pos.file, (int)rec.tag_vals[0].n, rec.tag_vals[0].p);
        if (rec.id.n == 15 && !memcmp(rec.id.p, "sport/199.txt", 13)) { /* never */ }
        if (!strcmp(rec.id.p, "sport/199.txt"))
            cr_expect(strstr(rec.body.p, "\xC2\xA3" "15.8m"), "the Windows-1252 pound sign of sport/199.txt");
        if (!strcmp(rec.id.p, "business/001.txt"))
            cr_expect(!strcmp(rec.title.p, "Ad sales boost Time Warner profit"), "%s", rec.title.p);
        n++;
    }
    ws_source_close(s);
    fclose(o.log);
    cr_expect_eq(n, 2225);
    size_t want[5] = {510, 386, 417, 511, 401};
    for (int c = 0; c < 5; c++) cr_expect_eq(counts[c], want[c], "%s: %zu", cats[c], counts[c]);
    cr_expect(strstr(log, "sport/199.txt: note: not valid UTF-8; read as Windows-1252"), "log:\n%s", log);
    cr_expect(strstr(log, "README.TXT: note: documentation file"), "log:\n%s", log);
    free(log);
}

Test(corpora, seed_article)
{
    const char *dir = CORPORA "/seed";
    DIR *d = opendir(dir);
    if (!d) cr_skip_test("corpus folder %s is absent (../shared/corpora is not distributed with the repo)", dir);
    closedir(d);
    ws_source_opts o = opts();
    o.year = 2019;
    ws_source *s;
    cr_assert_eq(ws_source_open(dir, WS_FMT_AUTO, &o, &s), 0, "%s", ws_last_error());
    ws_record rec;
    ws_source_pos pos;
    cr_assert_eq(ws_source_next(s, &rec, &pos), 1, "%s", ws_last_error());
    cr_expect_str_eq(rec.title.p, "Russian, Japanese Foreign Ministers to hold new round of talks on peace treaty in Moscow");
    const char *lead = "The ministers will also touch upon other issues on the global and regional agenda\n\n"
                       "MOSCOW, May 10. /TASS/. Russian Foreign Minister Sergei Lavrov";
    cr_expect(!strncmp(rec.body.p, lead, strlen(lead)), "body starts with the lead: %.200s", rec.body.p);
    cr_expect_eq(rec.date, DAY(2019, 5, 10));
    char *tags = tag_string(s, &rec);
    cr_expect_str_eq(tags, "section=All news|place=MOSCOW|agency=TASS|");
    free(tags);
    cr_expect_eq(ws_source_next(s, &rec, &pos), 0);
    ws_source_close(s);
    /* without --year the story is undated (the year is not in the text) */
    o.year = 0;
    cr_assert_eq(ws_source_open(dir, WS_FMT_TEXT, &o, &s), 0);
    cr_assert_eq(ws_source_next(s, &rec, &pos), 1);
    cr_expect_eq(rec.date, WS_DATE_UNKNOWN);
    ws_source_close(s);
}
