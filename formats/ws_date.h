/*
 * Date/time parsing for input records. News archives carry dates in many
 * shapes: ISO 8601 / RFC 3339 from modern feeds, RFC 2822 and its Usenet
 * ancestors from mail and news spools, "26-FEB-1987 15:01:01.79" from the
 * Reuters-21578 collection, and compact "20190510" stamps from Gigaword-style
 * document ids. Both entry points turn a string into seconds since the Unix
 * epoch, UTC, without touching the libc locale or time zone database (no
 * mktime, strptime or TZ), so the result depends on the string alone.
 */
#ifndef WS_DATE_H
#define WS_DATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse s[0..n) (need not be NUL-terminated; leading and trailing ASCII
 * whitespace ignored) into seconds since 1970-01-01T00:00:00Z.
 *
 * Accepted forms (letters case-insensitive):
 *   ISO 8601 / RFC 3339, extended:  2019-05 (first of month), 2019-05-10,
 *       2019-05-10T12:30, 2019-05-10T12:30:45, ...:45.123 or ...:45,123
 *       (fraction truncated); 'T', 't' or spaces between date and time;
 *       '/' instead of '-' (2019/05/10); 1-digit month, day or hour tolerated.
 *   ISO 8601 basic: 20190510, 20190510T1230, 20190510T123045[.f].
 *   Zones after an ISO time: Z, +03:00, +0300, +03, -5, optionally after
 *       spaces, or a known zone name (UTC, GMT, EST, ...), or UTC/GMT/UT
 *       followed by an offset (GMT+1). No zone means UTC.
 *   RFC 2822 and Usenet: [Weekday[,]] D Mon YY[YY] [H:MM[:SS[.f]]] [zone]
 *       [(comment)], e.g. "Fri, 23 Apr 1993 16:24:16 GMT",
 *       "5 Apr 93 20:41:08 GMT", "23 Apr 1993 16:24 -0400 (EDT)".
 *   Reuters: 26-FEB-1987 15:01:01.79 (day, month and year joined by '-').
 *   Month first: "May 10, 2019", "Friday, May 10, 2019 4:24 PM",
 *       asctime "Fri Apr 23 16:24:16 [zone] 1993".
 *   Month names: three-letter abbreviation, full name or "Sept", optionally
 *   followed by '.'; weekday names are skipped and not checked against the
 *   date. A 12-hour time may be followed by AM or PM.
 *
 * Zones in the textual forms: +HHMM, -HH:MM, UT GMT UTC Z, the RFC 822 US
 * zones (EST EDT CST CDT MST MDT PST PDT), BST, WET WEST, CET CEST, MET MEST,
 * EET EEST, MSK, JST, HKT, SGT, AKST AKDT, HST, AEST AEDT (ambiguous names
 * such as IST or AST are deliberately absent). As RFC 2822 section 4.3
 * prescribes, military single letters and other unknown 3-5 letter names
 * count as +0000 in the textual forms; ISO forms and %Z accept only known
 * names.
 *
 * Years: four digits 0001-9999; in the textual forms two digits 00-49 mean
 * 20xx and 50-99 mean 19xx, three digits add 1900 (RFC 2822 obs-year). A bare
 * year ("2019") is rejected: the JSON layer reads bare numbers as Unix
 * seconds. Fields are range-checked (month 1-12, day within the month with
 * leap years, hour 0-23, minute 0-59, second 0-60); "24:00[:00]" is accepted
 * as midnight at the end of the day, and second 60 (a leap second) as the
 * first second of the next minute.
 *
 * @return 0 and *out set, or WS_EFORMAT (with ws_error() detail) when the
 *         string is not a date in one of these forms. *out untouched on error.
 */
int ws_date_parse(const char *s, size_t n, int64_t *out);

/*
 * Parse s[0..n) with an explicit strptime-like format (NUL-terminated fmt).
 * Directives:
 *   %Y  year, 1-4 digits (0001-9999)       %y  two-digit year (00-49 -> 20xx)
 *   %m  month 1-12                         %d, %e  day of month (1-2 digits)
 *   %b, %B, %h  month name (abbreviated or full, case-insensitive)
 *   %a, %A  weekday name (skipped)         %j  day of the year 1-366
 *   %H  hour 0-24, %I  hour 1-12 with %p (AM/PM)
 *   %M  minute, %S  second 0-60, %f  fraction digits (ignored)
 *   %z  Z, +HHMM, +HH:MM or +HH            %Z  a known zone name (see above)
 *   %F  = %Y-%m-%d, %T  = %H:%M:%S         %%  a literal '%'
 * Whitespace in fmt matches any run of whitespace (including none); any other
 * character must match itself exactly. Numeric fields take 1 to their full
 * width in digits, so "%Y%m%d" reads "20190510". The whole input (apart from
 * leading/trailing whitespace) must be consumed. A year is required; month
 * and day default to 1, time fields to 0, the zone to UTC. With %j and %m/%d
 * both present they must agree.
 *
 * @return 0 and *out set; WS_EFORMAT when s does not match; WS_EINVAL when
 *         fmt holds an unknown directive.
 */
int ws_date_parse_fmt(const char *s, size_t n, const char *fmt, int64_t *out);

/* As ws_date_parse() and ws_date_parse_fmt(), and *off_min (when not NULL)
 * receives the zone offset the string was written in, in minutes east of
 * UTC: +180 for "2019-05-10T09:30:00+03:00", -240 for "... -0400 (EDT)",
 * 0 for Z, UTC, GMT, a date without a time or a time without a zone. The
 * offset is what the store keeps beside the UTC instant so that export can
 * write the date as it was given. Set only on success. */
int ws_date_parse_tz(const char *s, size_t n, int64_t *out, int *off_min);
int ws_date_parse_fmt_tz(const char *s, size_t n, const char *fmt, int64_t *out, int *off_min);

/* Offsets a store keeps: whole minutes strictly within a day either way. */
#define WS_DATE_OFF_MAX 1439

#endif /* WS_DATE_H */
