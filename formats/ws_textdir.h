/*
 * Text folders: one story a file, as news-system exports, mail and Usenet
 * spools and scraped collections (BBC) come. The reader walks the input
 * folder depth first, each folder's entries in bytewise name order (so the
 * order does not depend on the file system or the locale), and skips with a
 * note on the log: hidden entries (names starting with '.'), documentation
 * files (README*, LICENSE*, LICENCE*, COPYING*: archives ship them beside
 * the stories), files that are not text (a NUL byte, or more than 10% control
 * characters in the first 8 KiB; UTF-16 with a BOM is text), empty files,
 * symbolic links to folders, and anything that is not a regular file. A file
 * longer than --max-record is a bad record (WS_ETOOBIG). The id of a story is
 * its path relative to the input folder ('/'-separated); --tag-from-dir NAME
 * keeps the name of the folder holding the file as tag NAME.
 *
 * Text: a UTF-8 BOM is dropped; UTF-16 with a BOM is decoded; otherwise UTF-8
 * when the whole file is valid UTF-8, else Windows-1252 with a note (or as
 * --encoding says). CRLF and lone CR become LF.
 *
 * Layouts, recognised per file in this order:
 *  1. Headers (RFC 5322 style: mail, Usenet, news-system exports). The lines
 *     before the first empty line (after an optional mbox "From " line) are
 *     all "Name: value" lines or their continuations (lines starting with a
 *     blank, white-space-only lines included: they fold into the header
 *     before them, unless the line after them is neither a header nor a
 *     continuation, when they end the headers), Name being printable ASCII without spaces or colons, and one of
 *     the names is a known one (Date, Subject, Title, From, Author,
 *     Newsgroups, Keywords, Message-ID, Path, Xref, Lines, Organization,
 *     References, MIME-Version, Section). Date: gives the date; Subject: or
 *     Title: the title (the first one); From: or Author: the author tag (the
 *     display name of "Name <addr>" or "addr (Name)", quotes around the
 *     name dropped, else the address);
 *     Newsgroups: and Keywords: tags (comma-separated values); Section: or
 *     Category: the section tag. The rest of the file is the body. A file of
 *     headers alone is a story with a title and no body.
 *  2. Agency (like a TASS page: a section line, the title, a lead paragraph,
 *     then the body opening with a dateline). Paragraphs are separated by
 *     blank lines. The file is agency style when its fourth paragraph starts
 *     with a dateline that has a date or an agency ("MOSCOW, May 10. /TASS/.")
 *     and the three before it are single lines, the first of them short
 *     (at most 6 words and 60 bytes, not ending in . ! or ?): section, title
 *     and lead; or when the third paragraph starts with such a dateline and
 *     the two before it are single lines, the first at most 2 words and 30
 *     bytes, with fewer words than the second, and not ending in . ! or ?
 *     (section and title; a short title followed by a lead stays title
 *     first). The lead paragraph belongs to the body. The section line
 *     becomes the "section" tag. So a BBC-style file whose body opens with
 *     a dateline stays title first: its dateline is in the second paragraph,
 *     or its first line is a headline, longer than a section name.
 *  3. Title first (BBC): the first non-empty line is the title, the rest of
 *     the file the body.
 * In every layout a dateline of the strict shape (ws_dateline.h) at the
 * start of a paragraph among the body's first three non-empty lines gives
 * "place" and "agency" tags and, when there is no Date: header, the date
 * (month and day, with --year or a year in the path); not with
 * --datelines off. A folder holding .jsonl, .ndjson, .json, .csv or .tsv
 * files is refused (WS_EINVAL, naming the file) unless --format text was
 * given: they hold many stories each and are inputs of their own.
 *
 * Tag columns, in order: the --tag-from-dir name (unless it is one of the
 * following), "author", "newsgroups", "keywords", "section", "place",
 * "agency".
 */
#ifndef WS_TEXTDIR_H
#define WS_TEXTDIR_H

#include "ws_srcrec.h"

typedef enum ws_text_layout {
    WS_LAYOUT_HEADERS = 1,
    WS_LAYOUT_AGENCY,
    WS_LAYOUT_TITLE_FIRST
} ws_text_layout;

#define WS_TEXT_MAX_HEADERS 64

/* One file's story, as views into its text. */
typedef struct ws_text_story {
    ws_text_layout layout;
    ws_str title, body, section; /* section: the agency layout's section line */
    size_t nheaders;             /* headers layout: name/value pairs, values unfolded later */
    ws_str hname[WS_TEXT_MAX_HEADERS], hvalue[WS_TEXT_MAX_HEADERS];
} ws_text_story;

/* Recognise the layout of a decoded file s[0..n) (UTF-8, LF line ends) and
 * split it. Never fails: anything is at least title-first. */
void ws_text_parse(const char *s, size_t n, ws_text_story *out);

/* Is this a known header name (ASCII case-insensitive)? */
int ws_text_known_header(const char *name, size_t n);

typedef struct ws_textdir ws_textdir;

/* Open a folder (or one file) and register the tag columns in c. */
int ws_textdir_open(const char *path, const ws_source_opts *o, ws_srcctx *c, ws_textdir **out);
/* Next story into c->rec: 1, 0 at the end, WS_ETOOBIG for a file over
 * --max-record (call again to go on), or a fatal WS_E* code (a file or
 * folder that cannot be read). */
int ws_textdir_next(ws_textdir *t, ws_srcctx *c, ws_source_pos *pos);
void ws_textdir_close(ws_textdir *t);

#endif
