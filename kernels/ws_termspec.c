/*
 * Term specifications (see ws_termspec.h): words, patterns over the
 * normalised vocabulary and phrases, resolved once per query into sets of
 * normalised ids. A pattern costs one pass over the normalised vocabulary
 * (proportional to the vocabulary, never to the corpus).
 */
#include "ws_termspec.h"

#include <stdio.h>
#include <stdlib.h>

static size_t cp_len(const char *s, size_t i, size_t n)
{
    size_t k = 1;
    while (i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80) k++;
    return k;
}

int ws_glob_match(ws_str p, ws_str s)
{
    size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
    while (si < s.n) {
        if (pi < p.n && p.p[pi] == '*') {
            star_p = ++pi;
            star_s = si;
            continue;
        }
        if (pi < p.n && p.p[pi] == '?') {
            pi++;
            si += cp_len(s.p, si, s.n);
            continue;
        }
        if (pi < p.n && p.p[pi] == s.p[si]) {
            pi++;
            si++;
            continue;
        }
        if (star_p == SIZE_MAX) return 0;
        /* Backtrack: the last star swallows one more code point. */
        pi = star_p;
        star_s += cp_len(s.p, star_s, s.n);
        si = star_s;
    }
    while (pi < p.n && p.p[pi] == '*') pi++;
    return pi == p.n;
}

int ws_glob_has_wildcard(const char *text) { return strchr(text, '*') || strchr(text, '?'); }

void ws_termspec_free(ws_termspec *s)
{
    if (!s) return;
    for (uint32_t j = 0; j < WS_TERMSPEC_MAX_TOKENS; j++) ws_free(s->slot[j].ids);
    memset(s, 0, sizeof *s);
}

int ws_termspec_empty(const ws_termspec *s)
{
    if (!s->nslots) return 1;
    for (uint32_t j = 0; j < s->nslots; j++)
        if (!s->slot[j].n) return 1;
    return 0;
}

int ws_termslot_has(const ws_termslot *sl, uint32_t id)
{
    uint32_t lo = 0, hi = sl->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sl->ids[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < sl->n && sl->ids[lo] == id;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static int add_slot(ws_termspec *s, const char *opt, const char *text, uint32_t **ids, uint32_t n)
{
    if (s->nslots == WS_TERMSPEC_MAX_TOKENS) {
        ws_free(*ids);
        *ids = NULL;
        return ws_error(WS_EINVAL, "%s '%s': a phrase of more than %d tokens", opt, text, WS_TERMSPEC_MAX_TOKENS);
    }
    s->slot[s->nslots].ids = *ids;
    s->slot[s->nslots].n = n;
    s->nslots++;
    *ids = NULL;
    return 0;
}

/* One pattern word w[0..n): literal parts must be single whole tokens. */
static int add_pattern(ws_termspec *s, const ws_norm *norm, ws_tokenizer *tk, const char *opt, const char *text,
                       const char *w, size_t n)
{
    ws_buf pat = {0}, folded = {0};
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        if (w[i] == '*' || w[i] == '?') {
            /* "**" is "*": keep the pattern short for the matcher. */
            if (!(w[i] == '*' && pat.n && pat.p[pat.n - 1] == '*')) rc = ws_buf_append(&pat, &w[i], 1);
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && w[j] != '*' && w[j] != '?') j++;
        ws_tokens t;
        if ((rc = ws_tokenize(tk, w + i, j - i, &t))) break;
        if (t.ntok != 1 || t.tok[0].off != 0 || t.tok[0].len != t.text_len) {
            rc = ws_error(WS_EINVAL,
                          "%s '%s': a pattern holds only letters, digits, '*' (any run) and '?' (one character); "
                          "'%.*s' is not one word",
                          opt, text, (int)(j - i), w + i);
            break;
        }
        ws_str f;
        if ((rc = ws_norm_fold(norm, ws_str_make(t.text, t.text_len), &folded, &f))) break;
        rc = ws_buf_append(&pat, f.p, f.n);
        i = j;
    }
    uint32_t *ids = NULL, nids = 0, cap = 0;
    ws_str p = ws_str_make((const char *)pat.p, pat.n);
    for (uint32_t id = 0; id < norm->terms.nterms && !rc; id++) {
        if (!ws_glob_match(p, ws_norm_term(norm, id))) continue;
        if (nids == cap) {
            uint32_t nc = cap ? cap * 2 : 16;
            uint32_t *g = ws_realloc(ids, (size_t)nc * sizeof *g);
            if (!g) {
                rc = ws_error(WS_ENOMEM, "out of memory resolving %s '%s'", opt, text);
                break;
            }
            ids = g;
            cap = nc;
        }
        ids[nids++] = id;
    }
    ws_buf_free(&pat);
    ws_buf_free(&folded);
    if (!rc) rc = add_slot(s, opt, text, &ids, nids);
    ws_free(ids);
    if (!rc) s->pattern = 1;
    return rc;
}

/* One plain word: one slot per token it holds. */
static int add_words(ws_termspec *s, const ws_norm *norm, ws_tokenizer *tk, const char *opt, const char *text,
                     const char *w, size_t n, ws_termspec_kind kind)
{
    ws_tokens t;
    int rc = ws_tokenize(tk, w, n, &t);
    if (rc) return rc;
    if (kind == WS_TS_WORD && t.ntok > 1)
        return ws_error(WS_EINVAL, "%s '%s': one word per option (it holds %zu)", opt, text, t.ntok);
    if (s->nslots + t.ntok > WS_TERMSPEC_MAX_TOKENS)
        return ws_error(WS_EINVAL, "%s '%s': a phrase of more than %d tokens", opt, text, WS_TERMSPEC_MAX_TOKENS);
    /* The tokenizer's views are overwritten by nothing below: lookups do
     * not tokenize. */
    for (size_t i = 0; i < t.ntok && !rc; i++) {
        uint32_t id;
        if ((rc = ws_norm_lookup(norm, ws_str_make(t.text + t.tok[i].off, t.tok[i].len), &id))) break;
        uint32_t *ids = NULL, nids = 0;
        if (id != WS_NORM_DROP) {
            if (!(ids = ws_malloc(sizeof *ids))) return ws_error(WS_ENOMEM, "out of memory");
            ids[0] = id;
            nids = 1;
        }
        rc = add_slot(s, opt, text, &ids, nids);
    }
    return rc;
}

int ws_termspec_parse(const ws_norm *norm, ws_tokenizer *tk, const char *opt, const char *text, ws_termspec_kind kind,
                      ws_termspec *out)
{
    memset(out, 0, sizeof *out);
    if (!text) text = "";
    size_t n = strlen(text), a = 0;
    while (a < n && is_space(text[a])) a++;
    if (a == n) return ws_error(WS_EINVAL, "%s '%s': empty (give a word%s)", opt, text, kind == WS_TS_GLOB ? " pattern" : "");
    int wild = ws_glob_has_wildcard(text);
    int rc = ws_tokenizer_set_segmentation(tk, norm->seg); /* words split as the store's were */
    if (rc) return rc;
    if (kind == WS_TS_WORD && wild)
        return ws_error(WS_EINVAL, "%s '%s': patterns ('*', '?') are not accepted here", opt, text);
    while (a < n && !rc) {
        size_t e = a;
        while (e < n && !is_space(text[e])) e++;
        if (e < n && kind == WS_TS_GLOB) {
            rc = ws_error(WS_EINVAL, "%s '%s': one pattern, without spaces (for a sequence use --phrase)", opt, text);
            break;
        }
        int wpat = 0;
        for (size_t i = a; i < e; i++) wpat |= text[i] == '*' || text[i] == '?';
        rc = wpat ? add_pattern(out, norm, tk, opt, text, text + a, e - a)
                  : add_words(out, norm, tk, opt, text, text + a, e - a, kind);
        a = e;
        while (a < n && is_space(text[a])) a++;
    }
    if (!rc && !out->nslots) rc = ws_error(WS_EINVAL, "%s '%s': no word in it", opt, text);
    if (!rc && kind == WS_TS_WORD && out->nslots != 1)
        rc = ws_error(WS_EINVAL, "%s '%s': one word per option (it holds %u)", opt, text, out->nslots);
    if (rc) ws_termspec_free(out);
    return rc;
}
