/*
 * Date parsing without libc's locale or time zone machinery: a cursor walks
 * the string, fills broken-down fields, and ws_days_from_civil() turns them
 * into epoch seconds. Character classes are tested by hand (not <ctype.h>)
 * so that a process locale can never change what parses. The auto-detecting
 * parser dispatches on the first token: a 4- or 8-digit run is ISO 8601, a
 * 1-2 digit day or a word (weekday or month name) is one of the textual
 * RFC 2822 / Usenet / Reuters / month-first forms.
 */
#include "ws_date.h"

#include "ws_util.h"

typedef struct cur {
    const char *p, *e;
} cur;

/* Broken-down time; off is the zone offset in seconds east of UTC. */
typedef struct dt {
    int64_t y;
    int mon, day, hour, min, sec;
    int frac_nonzero;
    long off;
} dt;

static int is_digit(int ch) { return ch >= '0' && ch <= '9'; }
static int is_alpha(int ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }
static int is_space(int ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v'; }
static int lower(int ch) { return (ch >= 'A' && ch <= 'Z') ? ch + 32 : ch; }

static int peek(const cur *c) { return c->p < c->e ? (unsigned char)*c->p : -1; }
static int at_end(const cur *c) { return c->p >= c->e; }

static size_t skip_ws(cur *c)
{
    const char *s = c->p;
    while (c->p < c->e && is_space((unsigned char)*c->p)) c->p++;
    return (size_t)(c->p - s);
}

static int eat(cur *c, int ch)
{
    if (peek(c) != ch) return 0;
    c->p++;
    return 1;
}

static size_t run_digits(const cur *c)
{
    const char *q = c->p;
    while (q < c->e && is_digit((unsigned char)*q)) q++;
    return (size_t)(q - c->p);
}

/* Read exactly k digits (the caller checked they are there). */
static int64_t take_digits(cur *c, size_t k)
{
    int64_t v = 0;
    for (size_t i = 0; i < k; i++) v = v * 10 + (*c->p++ - '0');
    return v;
}

/* Read 1..maxd digits (stopping after maxd); -1 when none. */
static int64_t read_upto(cur *c, size_t maxd)
{
    size_t k = run_digits(c);
    if (k == 0) return -1;
    return take_digits(c, k < maxd ? k : maxd);
}

/* Read a run of 1..maxd digits that is not followed by another digit. */
static int64_t read_exact_run(cur *c, size_t mind, size_t maxd)
{
    size_t k = run_digits(c);
    if (k < mind || k > maxd) return -1;
    return take_digits(c, k);
}

static size_t read_word(cur *c, const char **w)
{
    *w = c->p;
    while (c->p < c->e && is_alpha((unsigned char)*c->p)) c->p++;
    return (size_t)(c->p - *w);
}

/* Case-insensitive: does w[0..n) equal the NUL-terminated lower-case s? */
static int word_is(const char *w, size_t n, const char *s)
{
    size_t i = 0;
    for (; i < n; i++)
        if (!s[i] || lower((unsigned char)w[i]) != s[i]) return 0;
    return s[i] == 0;
}

static const char *const k_months[12] = {"january", "february", "march", "april", "may", "june",
                                         "july", "august", "september", "october", "november", "december"};
static const char *const k_wdays[7] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

/* Full name, or its first three letters (and "sept"). Returns 1..12 or 0. */
static int month_from_word(const char *w, size_t n)
{
    for (int i = 0; i < 12; i++) {
        const char *m = k_months[i];
        if (word_is(w, n, m)) return i + 1;
        if (n == 3 && lower((unsigned char)w[0]) == m[0] && lower((unsigned char)w[1]) == m[1] &&
            lower((unsigned char)w[2]) == m[2])
            return i + 1;
    }
    if (word_is(w, n, "sept")) return 9;
    return 0;
}

static int is_weekday(const char *w, size_t n)
{
    for (int i = 0; i < 7; i++) {
        const char *d = k_wdays[i];
        if (word_is(w, n, d)) return 1;
        if (n == 3 && lower((unsigned char)w[0]) == d[0] && lower((unsigned char)w[1]) == d[1] &&
            lower((unsigned char)w[2]) == d[2])
            return 1;
    }
    return word_is(w, n, "tues") || word_is(w, n, "thur") || word_is(w, n, "thurs");
}

/* Zone names with one meaning in news and mail archives, in minutes east of
 * UTC. Names used for several zones (IST, AST, CST in China...) keep the
 * RFC 822 meaning or are left out. */
static const struct {
    const char *name;
    int minutes;
} k_zones[] = {
    {"ut", 0},       {"utc", 0},      {"gmt", 0},     {"z", 0},        {"est", -300},  {"edt", -240},
    {"cst", -360},   {"cdt", -300},   {"mst", -420},  {"mdt", -360},   {"pst", -480},  {"pdt", -420},
    {"akst", -540},  {"akdt", -480},  {"hst", -600},  {"wet", 0},      {"west", 60},   {"bst", 60},
    {"cet", 60},     {"cest", 120},   {"met", 60},    {"mest", 120},   {"eet", 120},   {"eest", 180},
    {"msk", 180},    {"hkt", 480},    {"sgt", 480},   {"jst", 540},    {"aest", 600},  {"aedt", 660},
};

static int zone_lookup(const char *w, size_t n, long *off)
{
    for (size_t i = 0; i < sizeof k_zones / sizeof k_zones[0]; i++)
        if (word_is(w, n, k_zones[i].name)) {
            *off = (long)k_zones[i].minutes * 60;
            return 1;
        }
    return 0;
}

/* +HHMM, +HH:MM, +HH or +H at c (which points at the sign). */
static int parse_offset(cur *c, long *off)
{
    int sign = peek(c) == '-' ? -1 : 1;
    c->p++;
    size_t k = run_digits(c);
    int64_t hh, mm = 0;
    if (k == 4) {
        hh = take_digits(c, 2);
        mm = take_digits(c, 2);
    } else if (k == 1 || k == 2) {
        hh = take_digits(c, k);
        if (peek(c) == ':') {
            c->p++;
            if (run_digits(c) != 2) return -1;
            mm = take_digits(c, 2);
        }
    } else {
        return -1;
    }
    if (hh > 23 || mm > 59) return -1;
    *off = sign * (long)(hh * 3600 + mm * 60);
    return 0;
}

/* A zone designator at c. textual: RFC 2822 rules (military letters and
 * unknown 3-5 letter names mean +0000); otherwise only known names. */
static int parse_zone(cur *c, int textual, long *off)
{
    int ch = peek(c);
    if (ch == '+' || ch == '-') return parse_offset(c, off);
    if (!is_alpha(ch)) return -1;
    const char *w;
    size_t n = read_word(c, &w);
    if (n > 5) return -1;
    if (zone_lookup(w, n, off)) {
        /* "GMT+1", "UTC-05:00": an offset glued to a UTC name. */
        int nx = peek(c);
        if ((nx == '+' || nx == '-') && *off == 0 && n >= 2) return parse_offset(c, off);
        return 0;
    }
    if (!textual) return -1;
    if (n == 1 && lower((unsigned char)w[0]) != 'j') { *off = 0; return 0; }
    if (n >= 3) { *off = 0; return 0; }
    return -1;
}

static int parse_fraction(cur *c, dt *t)
{
    size_t k = run_digits(c);
    if (k == 0) return -1;
    for (size_t i = 0; i < k; i++)
        if (c->p[i] != '0') t->frac_nonzero = 1;
    c->p += k;
    return 0;
}

/* AM/PM after a 12-hour time; the hour must be 1..12. */
static int apply_ampm(dt *t, int pm)
{
    if (t->hour < 1 || t->hour > 12) return -1;
    if (t->hour == 12) t->hour = 0;
    if (pm) t->hour += 12;
    return 0;
}

/* H[H]:MM[:SS[.f]] [AM|PM]. comma_frac: ISO also allows ',' before the
 * fraction. */
static int parse_time(cur *c, dt *t, int allow_ampm, int comma_frac)
{
    int64_t v = read_exact_run(c, 1, 2);
    if (v < 0) return -1;
    t->hour = (int)v;
    if (!eat(c, ':') || (v = read_exact_run(c, 2, 2)) < 0) return -1;
    t->min = (int)v;
    if (eat(c, ':')) {
        if ((v = read_exact_run(c, 2, 2)) < 0) return -1;
        t->sec = (int)v;
        int ch = peek(c);
        if (ch == '.' || (comma_frac && ch == ',')) {
            c->p++;
            if (parse_fraction(c, t)) return -1;
        }
    }
    if (allow_ampm) {
        cur save = *c;
        skip_ws(c);
        const char *w;
        size_t n = read_word(c, &w);
        if (word_is(w, n, "am") || word_is(w, n, "pm")) {
            if (apply_ampm(t, lower((unsigned char)w[0]) == 'p')) return -1;
        } else {
            *c = save;
        }
    }
    return 0;
}

static int days_in_month(int64_t y, int m)
{
    static const unsigned char k_dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) return 29;
    return k_dim[m - 1];
}

static int fields_valid(const dt *t)
{
    if (t->y < 1 || t->y > 9999 || t->mon < 1 || t->mon > 12) return 0;
    if (t->day < 1 || t->day > days_in_month(t->y, t->mon)) return 0;
    if (t->hour < 0 || t->hour > 24 || t->min < 0 || t->min > 59 || t->sec < 0 || t->sec > 60) return 0;
    if (t->hour == 24 && (t->min || t->sec || t->frac_nonzero)) return 0;
    return 1;
}

static int64_t to_epoch(const dt *t)
{
    int64_t days = ws_days_from_civil(t->y, (unsigned)t->mon, (unsigned)t->day);
    return days * 86400 + t->hour * 3600 + t->min * 60 + t->sec - t->off;
}

static int64_t two_digit_year(int64_t v) { return v < 50 ? 2000 + v : 1900 + v; }

/* ---- ISO 8601 ---- */

static int parse_iso(cur *c, dt *t)
{
    size_t k = run_digits(c);
    if (k == 8) {
        t->y = take_digits(c, 4);
        t->mon = (int)take_digits(c, 2);
        t->day = (int)take_digits(c, 2);
        if (at_end(c)) return 0;
        if (!eat(c, 'T') && !eat(c, 't')) return -1;
        size_t tk = run_digits(c);
        if (tk != 4 && tk != 6) return -1;
        t->hour = (int)take_digits(c, 2);
        t->min = (int)take_digits(c, 2);
        if (tk == 6) {
            t->sec = (int)take_digits(c, 2);
            if ((peek(c) == '.' || peek(c) == ',') && (c->p++, parse_fraction(c, t))) return -1;
        }
    } else if (k == 4) {
        t->y = take_digits(c, 4);
        int sep = peek(c);
        if (sep != '-' && sep != '/') return -1;
        c->p++;
        int64_t v = read_exact_run(c, 1, 2);
        if (v < 0) return -1;
        t->mon = (int)v;
        if (at_end(c)) { t->day = 1; return 0; }
        if (!eat(c, sep) || (v = read_exact_run(c, 1, 2)) < 0) return -1;
        t->day = (int)v;
        if (at_end(c)) return 0;
        if (!eat(c, 'T') && !eat(c, 't') && !skip_ws(c)) return -1;
        if (parse_time(c, t, 0, 1)) return -1;
    } else {
        return -1;
    }
    skip_ws(c);
    if (at_end(c)) return 0;
    if (parse_zone(c, 0, &t->off)) return -1;
    return at_end(c) ? 0 : -1;
}

/* ---- RFC 2822, Usenet, Reuters, month-first, asctime ---- */

static int parse_year_digits(cur *c, int64_t *y)
{
    size_t k = run_digits(c);
    if (k < 2 || k > 4) return -1;
    int64_t v = take_digits(c, k);
    *y = k == 2 ? two_digit_year(v) : k == 3 ? 1900 + v : v;
    return 0;
}

static int read_month(cur *c, dt *t)
{
    const char *w;
    size_t n = read_word(c, &w);
    if (!(t->mon = month_from_word(w, n))) return -1;
    eat(c, '.');
    return 0;
}

/* Time, zone and comment after the date part of a textual form. */
static int parse_textual_tail(cur *c, dt *t)
{
    int comma = eat(c, ',');
    skip_ws(c);
    if (at_end(c)) return comma ? -1 : 0;
    if (is_digit(peek(c)) && parse_time(c, t, 1, 0)) return -1;
    skip_ws(c);
    if (!at_end(c) && peek(c) != '(') {
        if (parse_zone(c, 1, &t->off)) return -1;
        skip_ws(c);
    }
    if (eat(c, '(')) {
        /* RFC 2822 comment, e.g. "-0400 (EDT)": ignored. */
        int depth = 1;
        while (!at_end(c) && depth) {
            int ch = *c->p++;
            depth += (ch == '(') - (ch == ')');
        }
        if (depth) return -1;
        skip_ws(c);
    }
    return at_end(c) ? 0 : -1;
}

static int parse_textual(cur *c, dt *t)
{
    const char *w;
    cur save = *c;
    size_t n = read_word(c, &w);
    if (n && is_weekday(w, n)) {
        eat(c, '.');
        skip_ws(c);
        eat(c, ',');
        skip_ws(c);
    } else {
        *c = save;
    }

    int64_t v;
    if (is_digit(peek(c))) {
        /* D Mon YYYY (RFC 2822) or D-MON-YYYY (Reuters). */
        if ((v = read_exact_run(c, 1, 2)) < 0) return -1;
        t->day = (int)v;
        int dash = eat(c, '-');
        if (!dash && !skip_ws(c)) return -1;
        if (read_month(c, t)) return -1;
        if (dash) {
            if (!eat(c, '-')) return -1;
        } else {
            int sep = (int)skip_ws(c) + eat(c, ',');
            if (!(sep + (int)skip_ws(c))) return -1;
        }
        if (parse_year_digits(c, &t->y)) return -1;
        return parse_textual_tail(c, t);
    }

    /* Mon D[th][,] YYYY [time], or asctime: Mon D HH:MM:SS [zone] YYYY. */
    if (read_month(c, t) || !skip_ws(c)) return -1;
    if ((v = read_exact_run(c, 1, 2)) < 0) return -1;
    t->day = (int)v;
    {
        cur s2 = *c;
        size_t wn = read_word(c, &w);
        if (!(wn == 2 && (word_is(w, wn, "st") || word_is(w, wn, "nd") || word_is(w, wn, "rd") ||
                          word_is(w, wn, "th"))))
            *c = s2;
    }
    eat(c, ',');
    if (!skip_ws(c)) return -1;
    size_t k = run_digits(c);
    if (k == 4 && (c->p + 4 >= c->e || c->p[4] != ':')) {
        t->y = take_digits(c, 4);
        return parse_textual_tail(c, t);
    }
    if (parse_time(c, t, 0, 0)) return -1;
    skip_ws(c);
    if (is_alpha(peek(c)) || peek(c) == '+' || peek(c) == '-') {
        if (parse_zone(c, 1, &t->off)) return -1;
        skip_ws(c);
    }
    if (run_digits(c) != 4) return -1;
    t->y = take_digits(c, 4);
    return at_end(c) ? 0 : -1;
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_space((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && is_space((unsigned char)(*s)[*n - 1])) (*n)--;
}

static int fail(const char *s, size_t n, const char *why)
{
    int show = n > 64 ? 64 : (int)n;
    return ws_error(WS_EFORMAT, "%s: \"%.*s\"%s", why, show, s, n > 64 ? "..." : "");
}

int ws_date_parse(const char *s, size_t n, int64_t *out) { return ws_date_parse_tz(s, n, out, NULL); }

/* The zone offset of a parsed time in whole minutes (zones are whole
 * minutes; anything finer is dropped toward zero). */
static void put_off(const dt *t, int *off_min)
{
    if (off_min) *off_min = (int)(t->off / 60);
}

int ws_date_parse_tz(const char *s, size_t n, int64_t *out, int *off_min)
{
    trim(&s, &n);
    cur c = {s, s + n};
    dt t = {0, 1, 1, 0, 0, 0, 0, 0};
    int rc;
    size_t k = run_digits(&c);
    if (k == 4 || k == 8) rc = parse_iso(&c, &t);
    else if ((k >= 1 && k <= 2) || is_alpha(peek(&c))) rc = parse_textual(&c, &t);
    else rc = -1;
    if (rc) return fail(s, n, "unrecognised date");
    if (!fields_valid(&t)) return fail(s, n, "date field out of range");
    *out = to_epoch(&t);
    put_off(&t, off_min);
    return 0;
}

/* ---- explicit formats ---- */

typedef struct fmt_state {
    dt t;
    int has_year, has_md, yday, ampm; /* ampm: 0 none, 1 am, 2 pm */
} fmt_state;

static int fmt_run(cur *c, const char *f, fmt_state *st)
{
    int64_t v;
    const char *w;
    size_t n;
    while (*f) {
        unsigned char fc = (unsigned char)*f;
        if (is_space(fc)) {
            while (is_space((unsigned char)*f)) f++;
            skip_ws(c);
            continue;
        }
        if (fc != '%') {
            if (!eat(c, fc)) return WS_EFORMAT;
            f++;
            continue;
        }
        f++;
        switch (*f) {
        case 'Y':
            if ((v = read_upto(c, 4)) < 0) return WS_EFORMAT;
            st->t.y = v, st->has_year = 1;
            break;
        case 'y':
            if ((v = read_upto(c, 2)) < 0) return WS_EFORMAT;
            st->t.y = two_digit_year(v), st->has_year = 1;
            break;
        case 'm':
            if ((v = read_upto(c, 2)) < 0) return WS_EFORMAT;
            st->t.mon = (int)v, st->has_md = 1;
            break;
        case 'e':
            skip_ws(c);
            /* fall through */
        case 'd':
            if ((v = read_upto(c, 2)) < 0) return WS_EFORMAT;
            st->t.day = (int)v, st->has_md = 1;
            break;
        case 'b': case 'B': case 'h':
            n = read_word(c, &w);
            if (!(st->t.mon = month_from_word(w, n))) return WS_EFORMAT;
            st->has_md = 1;
            break;
        case 'a': case 'A':
            n = read_word(c, &w);
            if (!is_weekday(w, n)) return WS_EFORMAT;
            break;
        case 'j':
            if ((v = read_upto(c, 3)) < 1) return WS_EFORMAT;
            st->yday = (int)v;
            break;
        case 'H': case 'I':
            if ((v = read_upto(c, 2)) < 0) return WS_EFORMAT;
            st->t.hour = (int)v;
            break;
        case 'M':
            if ((v = read_upto(c, 2)) < 0) return WS_EFORMAT;
            st->t.min = (int)v;
            break;
        case 'S':
            if ((v = read_upto(c, 2)) < 0) return WS_EFORMAT;
            st->t.sec = (int)v;
            break;
        case 'f':
            if (parse_fraction(c, &st->t)) return WS_EFORMAT;
            break;
        case 'p':
            n = read_word(c, &w);
            if (word_is(w, n, "am")) st->ampm = 1;
            else if (word_is(w, n, "pm")) st->ampm = 2;
            else return WS_EFORMAT;
            break;
        case 'z':
            if (eat(c, 'Z') || eat(c, 'z')) st->t.off = 0;
            else if ((peek(c) != '+' && peek(c) != '-') || parse_offset(c, &st->t.off)) return WS_EFORMAT;
            break;
        case 'Z':
            n = read_word(c, &w);
            if (!n || !zone_lookup(w, n, &st->t.off)) return WS_EFORMAT;
            break;
        case 'F': {
            int rc = fmt_run(c, "%Y-%m-%d", st);
            if (rc) return rc;
            break;
        }
        case 'T': {
            int rc = fmt_run(c, "%H:%M:%S", st);
            if (rc) return rc;
            break;
        }
        case '%':
            if (!eat(c, '%')) return WS_EFORMAT;
            break;
        default:
            return ws_error(WS_EINVAL, "date format: unknown directive %%%c", *f ? *f : ' ');
        }
        f++;
    }
    return 0;
}

int ws_date_parse_fmt(const char *s, size_t n, const char *fmt, int64_t *out)
{
    return ws_date_parse_fmt_tz(s, n, fmt, out, NULL);
}

int ws_date_parse_fmt_tz(const char *s, size_t n, const char *fmt, int64_t *out, int *off_min)
{
    trim(&s, &n);
    cur c = {s, s + n};
    fmt_state st = {{0, 1, 1, 0, 0, 0, 0, 0}, 0, 0, 0, 0};
    int rc = fmt_run(&c, fmt, &st);
    if (rc == WS_EINVAL) return rc;
    if (rc || !at_end(&c)) return fail(s, n, "date does not match the format");
    if (!st.has_year) return fail(s, n, "date format has no year");
    if (st.ampm && apply_ampm(&st.t, st.ampm == 2)) return fail(s, n, "date field out of range");
    if (st.yday) {
        int64_t y = st.t.y;
        if (y < 1 || y > 9999 || st.yday > (days_in_month(y, 2) == 29 ? 366 : 365))
            return fail(s, n, "date field out of range");
        int64_t yy;
        unsigned m, d;
        ws_civil_from_days(ws_days_from_civil(y, 1, 1) + st.yday - 1, &yy, &m, &d);
        if (st.has_md && ((unsigned)st.t.mon != m || (unsigned)st.t.day != d))
            return fail(s, n, "day of the year disagrees with the date");
        st.t.mon = (int)m, st.t.day = (int)d;
    }
    if (!fields_valid(&st.t)) return fail(s, n, "date field out of range");
    *out = to_epoch(&st.t);
    put_off(&st.t, off_min);
    return 0;
}
