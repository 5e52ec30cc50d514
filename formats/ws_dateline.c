/*
 * Dateline recognition by a small hand-written recursive-descent scanner over
 * UTF-8 bytes, following the grammar in ws_dateline.h. Letters and their case
 * come from utf8proc, so "SÃO PAULO" and "ZÜRICH" are places too.
 */
#include "ws_dateline.h"

#include <utf8proc.h>

#include "ws_utf8.h"

typedef struct scan {
    const uint8_t *s;
    size_t n;
} scan;

/* A letter at i: its byte length (0 if none), and whether it is upper or
 * lower case (title case counts as upper). */
static size_t letter_at(const scan *c, size_t i, int *upper, int *lower)
{
    *upper = *lower = 0;
    if (i >= c->n) return 0;
    uint8_t b = c->s[i];
    if (b < 0x80) {
        if (b >= 'A' && b <= 'Z') { *upper = 1; return 1; }
        if (b >= 'a' && b <= 'z') { *lower = 1; return 1; }
        return 0;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate(c->s + i, (utf8proc_ssize_t)(c->n - i), &cp);
    if (k <= 0) return 0;
    utf8proc_category_t cat = utf8proc_category(cp);
    switch (cat) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LT: *upper = 1; return (size_t)k;
    case UTF8PROC_CATEGORY_LL: *lower = 1; return (size_t)k;
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: return (size_t)k;
    default: return 0;
    }
}

static int is_blank(uint8_t b) { return b == ' ' || b == '\t'; }

static size_t skip_blanks(const scan *c, size_t i)
{
    while (i < c->n && is_blank(c->s[i])) i++;
    return i;
}

/* A word at i: returns its end (i when there is none); *first_upper says
 * whether it starts with a capital, *has_lower whether any letter is lower
 * case. */
static size_t word_at(const scan *c, size_t i, int *first_upper, int *has_lower)
{
    int up, lo;
    size_t k = letter_at(c, i, &up, &lo);
    if (!k) return i;
    *first_upper = up;
    *has_lower = lo;
    size_t j = i + k;
    for (;;) {
        k = letter_at(c, j, &up, &lo);
        if (k) { *has_lower |= lo; j += k; continue; }
        /* inner punctuation followed by a letter, or a final '.' (abbreviations: "ST.", "Calif.") */
        if (j < c->n && (c->s[j] == '\'' || c->s[j] == '-' || c->s[j] == '&' || c->s[j] == '.' || c->s[j] == '/')) {
            if (letter_at(c, j + 1, &up, &lo)) { j++; continue; }
            if (c->s[j] == '.') { j++; break; }
            break;
        }
        if (j + 3 <= c->n && c->s[j] == 0xE2 && c->s[j + 1] == 0x80 && c->s[j + 2] == 0x99 &&
            letter_at(c, j + 3, &up, &lo)) { j += 3; continue; } /* ’ */
        break;
    }
    return j;
}

static int is_particle(const uint8_t *w, size_t n)
{
    static const char *const parts[] = {"de", "da", "do", "dos", "das", "del", "della", "di", "du", "des", "la", "le",
                                        "les", "el", "al", "of", "on", "upon", "am", "im", "an", "der", "den", "sur",
                                        "en", "y", "e", "von", "van", "aan", "bin", "ibn", "the", "and", "sous"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (strlen(parts[i]) == n && !memcmp(parts[i], w, n)) return 1;
    return 0;
}

static size_t date_at(const scan *c, size_t i, unsigned *month, unsigned *day, int *year);

/* A run of place words at i (max_words at most). Returns the end (i when
 * none); *caps says whether no letter is lower case. A word that starts a
 * date ("JOHANNESBURG March 13") ends the place. lenient (whole datelines):
 * lower-case words are allowed anywhere ("omaha", "Mexico city"). */
static size_t place_at(const scan *c, size_t i, int max_words, int lenient, int *caps)
{
    size_t p = i;
    int words = 0, lower_seen = 0;
    size_t last_end = i;
    int lower_at_last = 0;
    for (;;) {
        int up = 0, lo = 0;
        size_t e = word_at(c, p, &up, &lo);
        if (e == p) break;
        if (words) {
            unsigned m, d;
            int y;
            if (date_at(c, p, &m, &d, &y) > p) break;
        }
        int particle = 0;
        if (!up && !lenient) {
            if (words == 0 || !is_particle(c->s + p, e - p)) break;
            particle = 1;
        }
        if (lo || !up) lower_seen = 1;
        if (++words > max_words) return i;
        if (!particle) {
            last_end = e;
            lower_at_last = lower_seen;
        }
        if (e < c->n && c->s[e] == ' ' && e + 1 < c->n) { p = e + 1; continue; }
        break;
    }
    if (last_end == i) return i;
    *caps = !lower_at_last;
    return last_end; /* trailing particles are not part of a place */
}

/* A one-word agency after a comma: ", Reuter -". Returns its end or i. */
static size_t comma_agency_at(const scan *c, size_t i, size_t *ns, size_t *ne)
{
    int up, lo;
    size_t e = word_at(c, i, &up, &lo);
    if (e == i || !up || e - i > 24) return i;
    *ns = i;
    *ne = e;
    return e;
}

/* A weekday name, any case ("Saturday", "MONDAY"): never a place. */
static int weekday_word(const uint8_t *w, size_t n)
{
    static const char *const days[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
    for (size_t d = 0; d < 7; d++) {
        size_t k = strlen(days[d]), j = 0;
        if (k != n) continue;
        while (j < k && (w[j] | 0x20) == days[d][j]) j++;
        if (j == k) return 1;
    }
    return 0;
}

static const char *const month_names[12] = {"january", "february", "march",     "april",   "may",      "june",
                                            "july",    "august",   "september", "october", "november", "december"};

/* A month name at i: returns the end (after an optional '.'), i when none. */
static size_t month_at(const scan *c, size_t i, unsigned *month)
{
    size_t j = i;
    char w[16];
    size_t k = 0;
    while (j < c->n && k < sizeof w - 1 && ((c->s[j] | 0x20) >= 'a' && (c->s[j] | 0x20) <= 'z')) w[k++] = (char)(c->s[j++] | 0x20);
    if (k < 3 || (j < c->n && ((c->s[j] | 0x20) >= 'a' && (c->s[j] | 0x20) <= 'z'))) return i;
    w[k] = 0;
    for (unsigned m = 0; m < 12; m++) {
        const char *full = month_names[m];
        if (!strcmp(w, full) || (k == 3 && !strncmp(w, full, 3)) || (m == 8 && !strcmp(w, "sept"))) {
            *month = m + 1;
            if (j < c->n && c->s[j] == '.') j++;
            return j;
        }
    }
    return i;
}

static size_t digits_at(const scan *c, size_t i, size_t maxd, unsigned *v)
{
    size_t j = i;
    unsigned x = 0;
    while (j < c->n && j - i < maxd && c->s[j] >= '0' && c->s[j] <= '9') x = x * 10 + (unsigned)(c->s[j++] - '0');
    if (j == i || (j < c->n && c->s[j] >= '0' && c->s[j] <= '9')) return i;
    *v = x;
    return j;
}

static size_t day_at(const scan *c, size_t i, unsigned *day)
{
    unsigned d;
    size_t j = digits_at(c, i, 2, &d);
    if (j == i || d < 1 || d > 31) return i;
    if (j + 2 <= c->n) {
        char a = (char)(c->s[j] | 0x20), b = (char)(c->s[j + 1] | 0x20);
        if ((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') || (a == 't' && b == 'h')) {
            int up, lo;
            if (!letter_at(c, j + 2, &up, &lo)) j += 2;
        }
    }
    *day = d;
    return j;
}

static size_t year_at(const scan *c, size_t i, int *year)
{
    unsigned y;
    size_t j = digits_at(c, i, 4, &y);
    if (j - i != 4 || y < 1000) return i;
    *year = (int)y;
    return j;
}

/* A date at i: returns its end, i when none. */
static size_t date_at(const scan *c, size_t i, unsigned *month, unsigned *day, int *year)
{
    unsigned m = 0, d = 0;
    int y = 0;
    size_t j = month_at(c, i, &m);
    if (j > i) {
        size_t k = skip_blanks(c, j);
        if (k == j) return i;
        size_t e = day_at(c, k, &d);
        if (e == k) return i;
        j = e;
        if (j + 1 < c->n && c->s[j] == ',') {
            size_t yy = year_at(c, skip_blanks(c, j + 1), &y);
            if (yy > skip_blanks(c, j + 1)) j = yy;
            else y = 0;
        }
    } else {
        j = day_at(c, i, &d);
        if (j == i) return i;
        size_t k = skip_blanks(c, j);
        if (k == j) return i;
        size_t e = month_at(c, k, &m);
        if (e == k) return i;
        j = e;
        k = skip_blanks(c, j);
        if (k > j) {
            size_t yy = year_at(c, k, &y);
            if (yy > k) j = yy;
            else y = 0;
        }
    }
    *month = m;
    *day = d;
    *year = y;
    return j;
}

/* An agency at i: "(name)" or "/name/". Returns the end, i when none. */
static size_t agency_at(const scan *c, size_t i, size_t *ns, size_t *ne)
{
    if (i >= c->n || (c->s[i] != '(' && c->s[i] != '/')) return i;
    uint8_t close = c->s[i] == '(' ? ')' : '/';
    size_t j = i + 1;
    int up, lo;
    if (!letter_at(c, j, &up, &lo)) return i;
    int letters = 0;
    while (j < c->n && c->s[j] != close) {
        size_t k = letter_at(c, j, &up, &lo);
        if (k) { letters++; j += k; continue; }
        uint8_t b = c->s[j];
        if ((b >= '0' && b <= '9') || b == ' ' || b == '-' || b == '&' || b == '.' || b == '\'') { j++; continue; }
        return i;
    }
    if (j >= c->n || !letters || j - (i + 1) > 40) return i;
    *ns = i + 1;
    *ne = j;
    while (*ne > *ns && c->s[*ne - 1] == ' ') (*ne)--;
    return j + 1;
}

/* A terminator at i: returns its end (i when none); *dash says whether it is
 * a dash. The terminator must be followed by white space or the end. */
static size_t terminator_at(const scan *c, size_t i, int *dash)
{
    size_t j = i;
    *dash = 0;
    if (j >= c->n) return i;
    if (c->s[j] == '-') {
        while (j < c->n && c->s[j] == '-' && j - i < 3) j++;
        *dash = 1;
    } else if (j + 3 <= c->n && c->s[j] == 0xE2 && c->s[j + 1] == 0x80 && c->s[j + 2] >= 0x92 && c->s[j + 2] <= 0x95) {
        j += 3;
        *dash = 1;
    } else if (c->s[j] == '.' || c->s[j] == ':') {
        j++;
    } else {
        return i;
    }
    if (j < c->n && !(c->s[j] == ' ' || c->s[j] == '\t' || c->s[j] == '\n' || c->s[j] == '\r')) return i;
    return j;
}

static void copy_out(char *dst, size_t cap, const uint8_t *s, size_t n)
{
    if (n >= cap) n = cap - 1;
    n = ws_utf8_valid_prefix((const char *)s, n); /* never cut a character in two */
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* Is s[i..) (up to the line end) a date or a number, as after the dash of
 * a table heading ("TOKYO RUBBER (YEN PER KILO) - APRIL 07")? */
static int rest_is_date(const scan *c, size_t i)
{
    i = skip_blanks(c, i);
    if (i >= c->n || c->s[i] == '\n' || c->s[i] == '\r') return 0;
    if (c->s[i] >= '0' && c->s[i] <= '9') return 1;
    unsigned m, d;
    int y;
    return date_at(c, i, &m, &d, &y) > i;
}

static int parse(const scan *c, unsigned flags, int lenient, ws_dateline *out)
{
    int whole = (flags & WS_DL_WHOLE) != 0;
    int strict = (flags & WS_DL_STRICT) && !whole;
    size_t i = skip_blanks(c, 0);
    int caps = 0;
    size_t pe = place_at(c, i, strict ? 4 : 6, lenient, &caps);
    if (pe == i || pe - i > 48) return 0;
    size_t j = pe;
    unsigned month = 0, day = 0;
    int year = 0, quals = 0, date_comma = 0;
    /* qualifiers, then a date */
    for (;;) {
        size_t k = j;
        int comma = 0;
        size_t b = skip_blanks(c, k); /* "NEW YORK , March 5" */
        if (b < c->n && c->s[b] == ',') { comma = 1; k = skip_blanks(c, b + 1); }
        else if (k < c->n && c->s[k] == ' ') k = skip_blanks(c, k);
        else break;
        size_t e = date_at(c, k, &month, &day, &year);
        if (e > k) { j = e; date_comma = comma; break; }
        if (!comma) break;
        int qcaps;
        e = place_at(c, k, 4, lenient, &qcaps);
        if (e == k || ++quals > 2) break;
        j = e;
    }
    size_t ans = 0, ane = 0;
    int have_agency = 0;
    size_t k = j;
    if (month && k < c->n && c->s[k] == '.') {
        /* "May 10. /TASS/." : a '.' after the date, then the agency */
        size_t a = skip_blanks(c, k + 1);
        size_t e = agency_at(c, a, &ans, &ane);
        if (e > a) { have_agency = 1; j = e; }
    }
    if (!have_agency) {
        size_t a = skip_blanks(c, j);
        size_t e = agency_at(c, a, &ans, &ane);
        if (e > a && (a > j || c->s[a] == '/')) { have_agency = 1; j = e; }
    }
    if (!have_agency && month && j < c->n && c->s[j] == ',') {
        /* "WASHINGTON, March 25, Reuter -" */
        size_t a = skip_blanks(c, j + 1);
        size_t e = comma_agency_at(c, a, &ans, &ane);
        int dsh;
        if (e > a && terminator_at(c, skip_blanks(c, e), &dsh) > skip_blanks(c, e)) { have_agency = 1; j = e; }
    }
    if (j < c->n && c->s[j] == ',') { /* "WASHINGTON, June 19, -" */
        int dsh;
        size_t t2 = skip_blanks(c, j + 1);
        if (terminator_at(c, t2, &dsh) > t2 && dsh) j = j + 1;
    }
    int dash = 0;
    size_t t = skip_blanks(c, j);
    size_t te = terminator_at(c, t, &dash);
    int strong = month || have_agency;
    if (te == t) {
        if (!whole) return 0;
        /* a whole dateline: only blanks (or line ends) may follow */
        size_t r = t;
        while (r < c->n && (is_blank(c->s[r]) || c->s[r] == '\n' || c->s[r] == '\r')) r++;
        if (r != c->n) return 0;
    } else if (!dash && !strong) {
        return 0;
    }
    /* The strict shape (datelines found in running text): the place, then a
     * date after a comma ("MOSCOW, May 10.", "SALVADOR, Feb 26 -"), or an
     * agency ("WASHINGTON (Reuters) -", "LONDON March 3 (AP) -") ended by a
     * dash when no date precedes it. A table heading ("AT THE CLOSE -"), a
     * line of figures ("Record March 31.") or a name and its acronym
     * ("Immune Deficiency Syndrome (AIDS).") does not have that shape. */
    if (strict && !((month && date_comma) || (have_agency && (month || (te > t && dash))))) return 0;
    if (strict && weekday_word(c->s + i, pe - i)) return 0; /* "Saturday, March 21." */
    if (!strong && !whole) {
        /* place only: capitals and a dash, at least two letters */
        if (!caps || !dash) return 0;
        size_t letters = 0;
        for (size_t q = i; q < pe; q++) letters += (c->s[q] >= 'A' && c->s[q] <= 'Z') || c->s[q] >= 0xC0;
        if (letters < 2) return 0;
    }
    if (!whole && te > t && rest_is_date(c, te)) return 0;
    memset(out, 0, sizeof *out);
    copy_out(out->place, sizeof out->place, c->s + i, pe - i);
    if (have_agency) copy_out(out->agency, sizeof out->agency, c->s + ans, ane - ans);
    out->month = month;
    out->day = day;
    out->year = year;
    out->start = i;
    out->end = te > t ? te : t;
    return 1;
}

int ws_dateline_parse(const char *str, size_t n, unsigned flags, ws_dateline *out)
{
    scan c = {(const uint8_t *)str, n};
    if (parse(&c, flags, 0, out)) return 1;
    if (!(flags & WS_DL_WHOLE)) return 0;
    if (parse(&c, flags, 1, out)) return 1;
    /* A whole dateline the grammar does not cover ("TORONTO, Apri 13 -"):
     * keep its place, the words before the first comma. */
    size_t i = skip_blanks(&c, 0);
    int caps;
    size_t pe = place_at(&c, i, 6, 1, &caps);
    if (pe == i || pe - i > 48 || pe >= n || c.s[pe] != ',') return 0;
    memset(out, 0, sizeof *out);
    copy_out(out->place, sizeof out->place, c.s + i, pe - i);
    out->start = i;
    out->end = pe;
    return 1;
}

int ws_dateline_find(const char *s, size_t n, ws_dateline *out)
{
    if (n > 4096) n = 4096;
    size_t i = 0;
    int lines = 0, after_blank = 1;
    while (i < n && lines < 3) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t le = nl ? (size_t)(nl - s) : n;
        size_t b = i;
        while (b < le && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) b++;
        if (b == le) after_blank = 1;
        if (b < le) {
            lines++;
            /* Only where a paragraph starts: the first line, a line after a
             * blank one, or an indented one. A wrapped line inside a
             * paragraph ("...overtime on\nSaturday, March 21.") is not. */
            int starts = after_blank || b > i;
            after_blank = 0;
            if (starts && ws_dateline_parse(s + b, le - b, WS_DL_STRICT, out)) {
                out->start += b;
                out->end += b;
                return 1;
            }
        }
        i = le + 1;
    }
    return 0;
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned mdays(int y, unsigned m)
{
    static const unsigned d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

int64_t ws_dateline_date(const ws_dateline *dl, int year)
{
    int y = dl->year ? dl->year : year;
    if (!dl->month || !dl->day || y <= 0 || y > 9999) return WS_DATE_UNKNOWN;
    if (dl->month > 12 || dl->day > mdays(y, dl->month)) return WS_DATE_UNKNOWN;
    return ws_days_from_civil(y, dl->month, dl->day) * 86400;
}

int ws_year_from_path(const char *path)
{
    int found = 0;
    for (const char *p = path; *p;) {
        if (*p < '0' || *p > '9') { p++; continue; }
        const char *q = p;
        while (*q >= '0' && *q <= '9') q++;
        size_t len = (size_t)(q - p);
        if (len == 4 || len == 8) {
            int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
            int ok = y >= 1900 && y <= 2099;
            if (ok && len == 8) {
                unsigned m = (unsigned)((p[4] - '0') * 10 + (p[5] - '0')), d = (unsigned)((p[6] - '0') * 10 + (p[7] - '0'));
                ok = m >= 1 && m <= 12 && d >= 1 && d <= mdays(y, m);
            }
            if (ok) found = y;
        }
        p = q;
    }
    return found;
}
