/* Named, typed parameters (see ws_params.h). */
#include "ws_params.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ws_date.h"

static const char *type_word(ws_param_type t)
{
    switch (t) {
    case WS_PARAM_FLAG: return "a flag";
    case WS_PARAM_INT: return "a whole number";
    case WS_PARAM_DOUBLE: return "a number";
    case WS_PARAM_TEXT: return "text";
    case WS_PARAM_LIST: return "text (repeatable)";
    case WS_PARAM_CHOICE: return "one of a list of words";
    case WS_PARAM_DATE: return "a date";
    case WS_PARAM_SIZE: return "a size";
    }
    return "a value";
}

int ws_parse_size(const char *s, size_t *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') return WS_EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return WS_EINVAL;
    unsigned long long mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    case 't': case 'T': mul = 1ull << 40; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v > SIZE_MAX / mul) return WS_EINVAL;
    *out = (size_t)(v * mul);
    return 0;
}

int ws_parse_date_param(const char *s, int end_of_period, int64_t *out)
{
    size_t n = strlen(s);
    int digits4 = n >= 4;
    for (size_t i = 0; i < 4 && digits4; i++) digits4 = s[i] >= '0' && s[i] <= '9';
    if (digits4 && (n == 4 || (n == 7 && s[4] == '-' && (s[5] == 'Q' || s[5] == 'q') && s[6] >= '1' && s[6] <= '4'))) {
        int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        unsigned m0 = n == 4 ? 1 : 1 + 3u * (unsigned)(s[6] - '1'), months = n == 4 ? 12 : 3;
        if (!end_of_period) *out = ws_days_from_civil(y, m0, 1) * 86400;
        else {
            unsigned m1 = m0 + months; /* first month after the period */
            *out = (m1 > 12 ? ws_days_from_civil(y + 1, m1 - 12, 1) : ws_days_from_civil(y, m1, 1)) * 86400 - 1;
        }
        return 0;
    }
    if (ws_date_parse(s, n, out)) return WS_EINVAL;
    if (end_of_period && (n == 10 || n == 8)) *out += 86399; /* YYYY-MM-DD or YYYYMMDD */
    else if (end_of_period && n == 7) { /* YYYY-MM: through the end of the month */
        int64_t y;
        unsigned m, d;
        ws_civil_from_days(*out / 86400, &y, &m, &d);
        unsigned nm = m == 12 ? 1 : m + 1;
        int64_t ny = m == 12 ? y + 1 : y;
        *out = ws_days_from_civil(ny, nm, 1) * 86400 - 1;
    }
    return 0;
}

static void pval_clear(ws_pval *v)
{
    ws_free(v->s);
    for (size_t i = 0; i < v->nlist; i++) ws_free(v->list[i]);
    ws_free(v->list);
    v->s = NULL;
    v->list = NULL;
    v->nlist = 0;
    v->has = v->given = 0;
    v->i = 0;
    v->d = 0;
}

static ws_pval *find(const ws_params *p, const char *name)
{
    if (!p || !name) return NULL;
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].info->name, name)) return &p->v[i];
    return NULL;
}

/* Is word one of the '|'-separated choices? */
static int is_choice(const char *choices, const char *word)
{
    size_t n = strlen(word);
    for (const char *c = choices; c && *c;) {
        const char *e = strchr(c, '|');
        size_t k = e ? (size_t)(e - c) : strlen(c);
        if (k == n && !memcmp(c, word, n)) return 1;
        c = e ? e + 1 : NULL;
    }
    return 0;
}

/* Parse text into v (not marking it given). */
static int parse_into(ws_pval *v, const char *text)
{
    const ws_param_info *in = v->info;
    char *end;
    switch (in->type) {
    case WS_PARAM_FLAG:
        if (!*text || !strcmp(text, "1") || !strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "on")) v->i = 1;
        else if (!strcmp(text, "0") || !strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "off")) v->i = 0;
        else return ws_error(WS_EINVAL, "--%s is a flag: give 1 or 0 (true/false), not '%s'", in->name, text);
        break;
    case WS_PARAM_INT: {
        errno = 0;
        long long x = strtoll(text, &end, 10);
        if (errno || end == text || *end || x < in->min || x > in->max)
            return ws_error(WS_EINVAL, "--%s expects a whole number from %lld to %lld, got '%s'", in->name,
                            (long long)in->min, (long long)in->max, text);
        v->i = x;
        break;
    }
    case WS_PARAM_DOUBLE: {
        errno = 0;
        double x = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(x) || (in->max > in->min && (x < (double)in->min || x > (double)in->max)))
            return in->max > in->min
                       ? ws_error(WS_EINVAL, "--%s expects a number from %lld to %lld, got '%s'", in->name,
                                  (long long)in->min, (long long)in->max, text)
                       : ws_error(WS_EINVAL, "--%s expects a number, got '%s'", in->name, text);
        v->d = x;
        break;
    }
    case WS_PARAM_SIZE: {
        size_t x;
        if (ws_parse_size(text, &x) || (int64_t)x < in->min || (in->max > in->min && (int64_t)x > in->max))
            return ws_error(WS_EINVAL, "--%s expects a size such as 4096, 512M or 4G%s, got '%s'", in->name,
                            in->min > 0 ? " (not 0)" : "", text);
        v->i = (int64_t)x;
        break;
    }
    case WS_PARAM_DATE:
        if (ws_parse_date_param(text, (in->flags & WS_PARAM_END_OF_PERIOD) != 0, &v->i))
            return ws_error(WS_EINVAL, "--%s: cannot read date '%s' (use YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD or an ISO 8601 time)",
                            in->name, text);
        goto keep_text; /* the date as written is kept too, for messages */
    case WS_PARAM_CHOICE:
        if (!is_choice(in->choices, text))
            return ws_error(WS_EINVAL, "--%s must be one of %s, not '%s'", in->name, in->choices, text);
        /* fall through */
    case WS_PARAM_TEXT:
    keep_text: {
        char *c = ws_strndup(text, strlen(text));
        if (!c) return ws_error(WS_ENOMEM, "out of memory");
        ws_free(v->s);
        v->s = c;
        break;
    }
    case WS_PARAM_LIST: {
        char **l = ws_realloc(v->list, (v->nlist + 1) * sizeof *l);
        if (!l) return ws_error(WS_ENOMEM, "out of memory");
        v->list = l;
        if (!(l[v->nlist] = ws_strndup(text, strlen(text)))) return ws_error(WS_ENOMEM, "out of memory");
        v->nlist++;
        break;
    }
    default: return ws_error(WS_EINTERNAL, "--%s: parameter of unknown type", in->name);
    }
    v->has = 1;
    return 0;
}

int ws_params_check(const ws_param_info *info, const char *value)
{
    if (!value) return ws_error(WS_EINVAL, "--%s: no value (NULL)", info->name);
    ws_pval v;
    memset(&v, 0, sizeof v);
    v.info = info;
    int rc = parse_into(&v, value);
    pval_clear(&v);
    return rc;
}

int ws_params_init(ws_params *p, const ws_param_info *const *tabs, const size_t *ntabs, size_t k)
{
    memset(p, 0, sizeof *p);
    size_t total = 0;
    for (size_t t = 0; t < k; t++) total += ntabs[t];
    if (!(p->v = ws_calloc(total + 1, sizeof *p->v))) return ws_error(WS_ENOMEM, "out of memory");
    for (size_t t = k; t-- > 0;) /* later tables first, so their names hide earlier ones */
        for (size_t i = 0; i < ntabs[t]; i++) {
            if (find(p, tabs[t][i].name)) continue;
            ws_pval *v = &p->v[p->n++];
            v->info = &tabs[t][i];
            if (v->info->def && v->info->type != WS_PARAM_LIST) {
                int rc = parse_into(v, v->info->def);
                if (rc) {
                    ws_params_free(p);
                    return rc == WS_ENOMEM ? rc : ws_error(WS_EINTERNAL, "the default of --%s does not parse", tabs[t][i].name);
                }
            }
        }
    return 0;
}

void ws_params_free(ws_params *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) pval_clear(&p->v[i]);
    ws_free(p->v);
    memset(p, 0, sizeof *p);
}

static ws_pval *need(ws_params *p, const char *name, int *rc)
{
    ws_pval *v = find(p, name);
    *rc = v ? 0 : ws_error(WS_EINVAL, "unknown parameter '%s'", name ? name : "(null)");
    return v;
}

int ws_params_set_text(ws_params *p, const char *name, const char *value)
{
    int rc;
    ws_pval *v = need(p, name, &rc);
    if (!v) return rc;
    if (!value) return ws_error(WS_EINVAL, "--%s: no value (NULL)", name);
    if (v->info->type == WS_PARAM_LIST && !v->given) pval_clear(v); /* the first given value replaces the default */
    if ((rc = parse_into(v, value))) return rc;
    v->given = 1;
    return 0;
}

int ws_params_set_int(ws_params *p, const char *name, int64_t x)
{
    int rc;
    ws_pval *v = need(p, name, &rc);
    if (!v) return rc;
    if (v->info->type == WS_PARAM_DOUBLE) return ws_params_set_double(p, name, (double)x);
    if (v->info->type != WS_PARAM_INT && v->info->type != WS_PARAM_SIZE && v->info->type != WS_PARAM_FLAG)
        return ws_error(WS_EINVAL, "--%s takes %s, not an integer", name, type_word(v->info->type));
    if (v->info->type == WS_PARAM_FLAG && x != 0 && x != 1)
        return ws_error(WS_EINVAL, "--%s is a flag: 1 or 0, not %lld", name, (long long)x);
    if (v->info->type == WS_PARAM_INT && (x < v->info->min || x > v->info->max))
        return ws_error(WS_EINVAL, "--%s expects a whole number from %lld to %lld, got %lld", name,
                        (long long)v->info->min, (long long)v->info->max, (long long)x);
    if (v->info->type == WS_PARAM_SIZE && (x < 0 || x < v->info->min))
        return ws_error(WS_EINVAL, "--%s expects a size of at least %lld bytes, got %lld", name, (long long)v->info->min,
                        (long long)x);
    v->i = x;
    v->has = v->given = 1;
    return 0;
}

int ws_params_set_double(ws_params *p, const char *name, double x)
{
    int rc;
    ws_pval *v = need(p, name, &rc);
    if (!v) return rc;
    if (v->info->type != WS_PARAM_DOUBLE) return ws_error(WS_EINVAL, "--%s takes %s, not a number with a fraction", name, type_word(v->info->type));
    if (!isfinite(x) || (v->info->max > v->info->min && (x < (double)v->info->min || x > (double)v->info->max)))
        return ws_error(WS_EINVAL, "--%s: %g is out of range", name, x);
    v->d = x;
    v->has = v->given = 1;
    return 0;
}

int ws_params_set_flag(ws_params *p, const char *name, int on)
{
    int rc;
    ws_pval *v = need(p, name, &rc);
    if (!v) return rc;
    if (v->info->type != WS_PARAM_FLAG) return ws_error(WS_EINVAL, "--%s takes %s, not a flag", name, type_word(v->info->type));
    v->i = on != 0;
    v->has = v->given = 1;
    return 0;
}

const ws_pval *ws_params_get(const ws_params *p, const char *name) { return find(p, name); }
int ws_params_given(const ws_params *p, const char *name)
{
    const ws_pval *v = find(p, name);
    return v && v->given;
}
int64_t ws_params_int(const ws_params *p, const char *name)
{
    const ws_pval *v = find(p, name);
    return v && v->has ? v->i : 0;
}
double ws_params_double(const ws_params *p, const char *name)
{
    const ws_pval *v = find(p, name);
    return v && v->has ? v->d : 0.0;
}
const char *ws_params_text(const ws_params *p, const char *name)
{
    const ws_pval *v = find(p, name);
    return v && v->has ? v->s : NULL;
}
const char *const *ws_params_list(const ws_params *p, const char *name, size_t *n)
{
    const ws_pval *v = find(p, name);
    *n = v ? v->nlist : 0;
    return v ? (const char *const *)v->list : NULL;
}
