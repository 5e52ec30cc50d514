/*
 * Normalisation remap. Case folding uses utf8proc's full Unicode case folding
 * (UTF8PROC_CASEFOLD, then recomposed to NFC so folded forms of precomposed
 * letters stay precomposed); ASCII terms take a byte loop.
 */
#include "ws_norm.h"

#include <utf8proc.h>

static uint32_t count_cps(ws_str t)
{
    uint32_t n = 0;
    for (size_t i = 0; i < t.n; i++) n += ((unsigned char)t.p[i] & 0xC0) != 0x80;
    return n;
}

static int all_digits(ws_str t)
{
    /* Decimal digits of any script (category Nd). */
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)t.p;
    utf8proc_ssize_t i = 0, n = (utf8proc_ssize_t)t.n;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, n - i, &cp);
        if (k <= 0 || utf8proc_category(cp) != UTF8PROC_CATEGORY_ND) return 0;
        i += k;
    }
    return n > 0;
}

int ws_norm_build(ws_norm *n, const ws_dict *d, const ws_norm_opts *o)
{
    memset(n, 0, sizeof *n);
    n->nsrc = d->nterms;
    n->map = ws_malloc(((size_t)d->nterms + 1) * sizeof *n->map);
    if (!n->map) return WS_ENOMEM;
    int rc = ws_dict_index(&n->terms);
    ws_buf fold = {0};
    for (uint32_t id = 0; id < d->nterms && !rc; id++) {
        ws_str t = ws_dict_term(d, id);
        n->map[id] = WS_NORM_DROP;
        if ((o->min_len && count_cps(t) < o->min_len) || (o->no_numbers && all_digits(t))) continue;
        ws_str key = t;
        utf8proc_uint8_t *mapped = NULL;
        if (!o->keep_case) {
            int ascii = 1;
            for (size_t i = 0; i < t.n && ascii; i++) ascii = (unsigned char)t.p[i] < 0x80;
            if (ascii) {
                fold.n = 0;
                if ((rc = ws_buf_reserve(&fold, t.n + 1))) break;
                for (size_t i = 0; i < t.n; i++) {
                    char c = t.p[i];
                    fold.p[i] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
                }
                key = ws_str_make((const char *)fold.p, t.n);
            } else {
                utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)t.p, (utf8proc_ssize_t)t.n, &mapped,
                                                  UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE);
                if (r < 0) { rc = ws_error(WS_ENOMEM, "case folding failed: %s", utf8proc_errmsg(r)); break; }
                key = ws_str_make((const char *)mapped, (size_t)r);
            }
        }
        rc = ws_dict_intern(&n->terms, key, ws_hash64(key.p, key.n), &n->map[id]);
        free(mapped); /* utf8proc allocates with malloc */
    }
    ws_buf_free(&fold);
    if (rc) ws_norm_free(n);
    return rc;
}

void ws_norm_free(ws_norm *n)
{
    ws_free(n->map);
    ws_dict_free(&n->terms);
    memset(n, 0, sizeof *n);
}
