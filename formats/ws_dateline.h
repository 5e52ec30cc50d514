/*
 * Datelines: the "MOSCOW, May 10. /TASS/." or "WASHINGTON (Reuters) -" that
 * opens a wire story. A dateline names the place the story was filed from,
 * often the agency, and usually the day (without the year). The readers of
 * ws_source turn them into "place" and "agency" tags and, when a story has no
 * other date, into a date with the year from --year or from the file's path.
 *
 * Grammar (letters are Unicode letters; a word starts with a letter and may
 * hold . ' ’ - & / inside):
 *
 *   dateline   = place *2( ", " qualifier ) [ ", " date ] ["."]
 *                [ sp agency ] [sp] terminator
 *   place      = 1*6 words separated by single spaces; every word starts with
 *                an upper-case letter, except lower-case particles inside it
 *                (de, la, el, of, upon, am, ...): "RIO DE JANEIRO",
 *                "Rio de Janeiro", "ST. LOUIS"; at most 48 bytes
 *   qualifier  = like place, at most 4 words: a state or country after the
 *                city ("SAN FRANCISCO, Calif., March 3 (AP) -"); dropped
 *   date       = month ["."] sp day [ordinal] [ "," sp year ]
 *              / day sp month ["."] [ sp year ]
 *                month: English name, 3-letter abbreviation or "Sept", any case
 *   agency     = "(" name ")" / "/" name "/"     e.g. (Reuters) (AP) /TASS/
 *   terminator = "-" / "--" / "---" / U+2012..U+2015 (dashes)
 *              / "." / ":"   (these two only after a date or an agency)
 *                followed by white space or the end of the text.
 *
 * A dateline with neither a date nor an agency ("LONDON - ...") is accepted
 * only when its place is written in capitals and it ends with a dash, so
 * that ordinary sentences ("Prime Minister Tony Blair - who ...") are not
 * taken for datelines. Reuters-21578 <DATELINE> elements are whole datelines
 * and need no terminator (WS_DL_WHOLE).
 */
#ifndef WS_DATELINE_H
#define WS_DATELINE_H

#include "ws_util.h"

typedef struct ws_dateline {
    char place[64];       /* UTF-8, NUL-terminated, "" when none */
    char agency[48];      /* "" when none */
    unsigned month, day;  /* 0 when the dateline has no date */
    int year;             /* a year written in the dateline, else 0 */
    size_t start, end;    /* byte range in the text given (end after the terminator) */
} ws_dateline;

#define WS_DL_WHOLE 1u /* the text is a whole dateline: terminator optional */
/* The shape a dateline has in running text, as ws_dateline_find() and the
 * readers use it: at most 4 place words, and a date after a comma
 * ("MOSCOW, May 10. /TASS/.", "SALVADOR, Feb 26 -"), or an agency, ended by
 * a dash unless a date comes first ("WASHINGTON (Reuters) -", "LONDON
 * March 3 (AP) -"). A place alone ("LONDON -") or a date without its comma
 * ("Record March 31.") is not enough. Ignored with WS_DL_WHOLE. */
#define WS_DL_STRICT 2u

/* Parse a dateline at the start of s[0..n) (leading blanks skipped).
 * Returns 1 and fills *out when there is one, else 0. */
int ws_dateline_parse(const char *s, size_t n, unsigned flags, ws_dateline *out);

/* Look for a dateline of the strict shape (WS_DL_STRICT) at the start of
 * one of the first three non-empty lines of a story body (within its first
 * 4 KiB), so that a lead paragraph before the dateline paragraph (agency
 * layout) is allowed. Returns 1 and
 * fills *out (start/end relative to s) when found, else 0. */
int ws_dateline_find(const char *s, size_t n, ws_dateline *out);

/* The dateline's day as UTC seconds at midnight, in dl->year when the
 * dateline names one, else in year; WS_DATE_UNKNOWN when the dateline has no
 * date, no year is known (year 0) or the day does not exist in that year. */
int64_t ws_dateline_date(const ws_dateline *dl, int year);

/* The year a file path names: the last run of exactly four digits 1900-2099,
 * or of eight digits YYYYMMDD with such a year and a valid month and day,
 * bounded by non-digits ("news/2019/05/x.txt", "tass-20190510.txt");
 * 0 when there is none. */
int ws_year_from_path(const char *path);

#endif
