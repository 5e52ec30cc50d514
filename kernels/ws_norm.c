/*
 * Normalisation remap (see ws_norm.h for the pipeline). Case folding uses
 * utf8proc's full Unicode case folding (UTF8PROC_CASEFOLD, recomposed to NFC
 * so folded forms of precomposed letters stay precomposed); ASCII terms take
 * a byte loop. Stop words go through NFKC as well, since a list typed by
 * hand need not be in the store's NFKC form. Stemming is libstemmer's
 * Snowball, one stemmer per query, used only while the remap is built (and
 * by ws_norm_lookup), never inside a scan: the per-thread scan loops see a
 * plain array.
 */
#include "ws_norm.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
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
        if (p[i] < 0x80) {
            if (p[i] < '0' || p[i] > '9') return 0;
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, n - i, &cp);
        if (k <= 0 || utf8proc_category(cp) != UTF8PROC_CATEGORY_ND) return 0;
        i += k;
    }
    return n > 0;
}

/* Case-fold t into out (replaced); *res views out. compat adds NFKC. */
static int fold(ws_str t, int compat, ws_buf *out, ws_str *res)
{
    int ascii = 1;
    for (size_t i = 0; i < t.n && ascii; i++) ascii = (unsigned char)t.p[i] < 0x80;
    out->n = 0;
    if (ascii) {
        int rc = ws_buf_reserve(out, t.n + 1);
        if (rc) return rc;
        for (size_t i = 0; i < t.n; i++) {
            char c = t.p[i];
            out->p[i] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        out->n = t.n;
    } else {
        utf8proc_uint8_t *mapped = NULL;
        utf8proc_option_t opt = UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE;
        if (compat) opt |= UTF8PROC_COMPAT;
        utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)t.p, (utf8proc_ssize_t)t.n, &mapped, opt);
        if (r < 0) {
            /* Dictionary terms are valid UTF-8, so this is memory (or a stop-word file's bad bytes). */
            return r == UTF8PROC_ERROR_NOMEM ? ws_error(WS_ENOMEM, "out of memory case-folding a term")
                                             : ws_error(WS_EINVAL, "cannot case-fold '%.*s': %s", (int)t.n, t.p,
                                                        utf8proc_errmsg(r));
        }
        int rc = ws_buf_append(out, mapped, (size_t)r);
        free(mapped); /* utf8proc allocates with malloc */
        if (rc) return rc;
    }
    *res = ws_str_make((const char *)out->p, out->n);
    return 0;
}

int ws_norm_casefold(ws_str t, ws_buf *out, ws_str *res) { return fold(t, 1, out, res); }

/* Stem k with st (NULL: k itself). The result is valid until the next call. */
static int stem(struct sb_stemmer *st, ws_str k, ws_str *res)
{
    *res = k;
    if (!st || k.n == 0) return 0;
    if (k.n > INT32_MAX) return 0;
    const sb_symbol *s = sb_stemmer_stem(st, (const sb_symbol *)k.p, (int)k.n);
    if (!s) return ws_error(WS_ENOMEM, "out of memory stemming '%.*s'", (int)k.n, k.p);
    int len = sb_stemmer_length(st);
    if (len > 0) *res = ws_str_make((const char *)s, (size_t)len);
    return 0;
}

const char **ws_norm_stemmers(void) { return sb_stemmer_list(); }

static int open_stemmer(const char *lang, struct sb_stemmer **out)
{
    *out = NULL;
    char low[64];
    size_t i = 0;
    for (; lang[i] && i < sizeof low - 1; i++) low[i] = (char)(lang[i] >= 'A' && lang[i] <= 'Z' ? lang[i] + 32 : lang[i]);
    low[i] = 0;
    if (!lang[i] && (*out = sb_stemmer_new(low, "UTF_8"))) return 0;
    char known[1024];
    size_t n = 0;
    known[0] = 0;
    for (const char **l = sb_stemmer_list(); *l && n + 32 < sizeof known; l++)
        n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", n ? ", " : "", *l);
    return ws_error(WS_EINVAL, "no Snowball stemmer for '%s' (known: %s; ISO 639 codes such as en, ru also work)", lang,
                    known);
}

int ws_norm_build_multi(ws_norm *n, const ws_dict *const *dicts, size_t nd, const ws_norm_opts *o)
{
    memset(n, 0, sizeof *n);
    n->keep_case = o->keep_case;
    if (nd == 0 || nd > UINT32_MAX) return ws_error(WS_EINVAL, "normalisation needs at least one dictionary");
    ws_dict stop = {0};
    ws_buf fbuf = {0}, kbuf = {0};
    int rc = 0;
    if (o->stem && (rc = open_stemmer(o->stem, (struct sb_stemmer **)&n->stemmer))) return rc;
    if (!(n->dicts = ws_calloc(nd, sizeof *n->dicts))) rc = ws_error(WS_ENOMEM, "out of memory");
    n->ndicts = rc ? 0 : (uint32_t)nd;
    for (size_t i = 0; i < n->ndicts && !rc; i++) {
        ws_norm_dict *nd_ = &n->dicts[i];
        uint32_t nt = dicts[i]->nterms;
        nd_->nsrc = nt;
        nd_->map = ws_malloc(((size_t)nt + 1) * sizeof *nd_->map);
        nd_->key = ws_malloc(((size_t)nt + 1) * sizeof *nd_->key);
        nd_->sink = ws_malloc(((size_t)nt + 1) * sizeof *nd_->sink);
        if (!nd_->map || !nd_->key || !nd_->sink)
            rc = ws_error(WS_ENOMEM, "out of memory for the normalisation map (%u terms)", nt);
    }
    /* sized for every source term (an upper bound): growing it by rehashes
     * was 2% of `tf`'s CPU on Reuters x10 (perf), page faults included */
    uint64_t total = 0;
    for (size_t i = 0; i < nd; i++) total += dicts[i]->nterms;
    if (!rc) rc = ws_dict_index_for(&n->terms, total < (1u << 30) ? (uint32_t)total : 1u << 30);
    if (!rc && o->nstopwords) rc = ws_dict_index(&stop);
    for (size_t i = 0; i < o->nstopwords && !rc; i++) {
        ws_str f;
        uint32_t sid;
        if (!(rc = fold(o->stopwords[i], 1, &fbuf, &f))) rc = ws_dict_intern(&stop, f, ws_hash64(f.p, f.n), &sid);
    }
    struct sb_stemmer *st = n->stemmer;
    for (size_t di = 0; di < n->ndicts && !rc; di++) {
        const ws_dict *d = dicts[di];
        ws_norm_dict *m = &n->dicts[di];
        /* In batches: each batch's keys are made and hashed, their slots
         * prefetched, then interned in id order (the same ids as one at a
         * time). Why: the vocabulary's table (16 bytes a slot, twice the
         * terms) outgrows L2, and an intern waiting on its slot was 2.5% of
         * tf's CPU on Reuters x10 (perf); prefetched, the misses overlap. */
        enum { BATCH = 16 };
        for (uint32_t id0 = 0; id0 < d->nterms && !rc; id0 += BATCH) {
            uint32_t nb = d->nterms - id0 < BATCH ? d->nterms - id0 : BATCH;
            size_t off[BATCH + 1];
            uint64_t h[BATCH];
            uint8_t drop[BATCH];
            kbuf.n = 0;
            off[0] = 0;
            for (uint32_t j = 0; j < nb && !rc; j++) {
                ws_str t = ws_dict_term(d, id0 + j), f, k;
                if ((rc = fold(t, 0, &fbuf, &f))) break;
                drop[j] = (o->min_len && count_cps(f) < o->min_len) || (o->no_numbers && all_digits(f)) ||
                          (o->nstopwords && ws_dict_lookup(&stop, f, ws_hash64(f.p, f.n)) != UINT32_MAX);
                if ((rc = stem(st, o->keep_case ? t : f, &k))) break;
                if ((rc = ws_buf_append(&kbuf, k.p, k.n))) break;
                off[j + 1] = kbuf.n;
                h[j] = ws_hash64(k.p, k.n);
                ws_dict_prefetch(&n->terms, h[j]);
            }
            for (uint32_t j = 0; j < nb && !rc; j++) {
                ws_str k = ws_str_make((const char *)kbuf.p + off[j], off[j + 1] - off[j]);
                uint32_t nid;
                if ((rc = ws_dict_intern(&n->terms, k, h[j], &nid))) break;
                m->key[id0 + j] = nid;
                m->map[id0 + j] = drop[j] ? WS_NORM_DROP : nid;
            }
        }
    }
    for (size_t di = 0; di < n->ndicts && !rc; di++) {
        ws_norm_dict *m = &n->dicts[di];
        for (uint32_t id = 0; id < m->nsrc; id++) m->sink[id] = m->map[id] == WS_NORM_DROP ? n->terms.nterms : m->map[id];
    }
    ws_buf_free(&fbuf);
    ws_buf_free(&kbuf);
    ws_dict_free(&stop);
    if (rc) {
        ws_norm_free(n);
        return rc;
    }
    n->nsrc = n->dicts[0].nsrc;
    n->map = n->dicts[0].map;
    n->key = n->dicts[0].key;
    n->sink = n->dicts[0].sink;
    return 0;
}

int ws_norm_build(ws_norm *n, const ws_dict *d, const ws_norm_opts *o) { return ws_norm_build_multi(n, &d, 1, o); }

ws_norm ws_norm_view(const ws_norm *n, uint32_t i)
{
    ws_norm v = *n;
    if (i < n->ndicts) {
        v.nsrc = n->dicts[i].nsrc;
        v.map = n->dicts[i].map;
        v.key = n->dicts[i].key;
        v.sink = n->dicts[i].sink;
    }
    return v;
}

int ws_norm_lookup(const ws_norm *n, ws_str word, uint32_t *id)
{
    ws_str k = word;
    ws_buf fb = {0};
    int rc = 0;
    *id = WS_NORM_DROP;
    if (!n->keep_case) rc = fold(word, 1, &fb, &k);
    if (!rc) rc = stem(n->stemmer, k, &k);
    if (!rc && n->terms.nslots) *id = ws_dict_lookup(&n->terms, k, ws_hash64(k.p, k.n));
    if (*id == UINT32_MAX) *id = WS_NORM_DROP;
    ws_buf_free(&fb);
    return rc;
}

int ws_norm_fold(const ws_norm *n, ws_str word, ws_buf *out, ws_str *res)
{
    if (!n->keep_case) return fold(word, 1, out, res);
    out->n = 0;
    int rc = ws_buf_append(out, word.p, word.n);
    if (!rc) *res = ws_str_make((const char *)out->p, out->n);
    return rc;
}

void ws_norm_free(ws_norm *n)
{
    if (!n) return;
    for (uint32_t i = 0; n->dicts && i < n->ndicts; i++) {
        ws_free(n->dicts[i].map);
        ws_free(n->dicts[i].key);
        ws_free(n->dicts[i].sink);
    }
    ws_free(n->dicts);
    ws_dict_free(&n->terms);
    sb_stemmer_delete(n->stemmer);
    memset(n, 0, sizeof *n);
}

/* ---- stop-word lists ---- */

const ws_stoplist *ws_stoplist_find(const char *lang)
{
    for (const ws_stoplist *l = ws_stoplists; l->name; l++)
        if (!strcasecmp(lang, l->name) || !strcasecmp(lang, l->code)) return l;
    return NULL;
}

int ws_stopwords_parse(ws_str text, ws_str **words, size_t *nwords, size_t *cap)
{
    const char *p = text.p, *end = text.p + text.n;
    if (text.n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        const char *q = memchr(p, '#', (size_t)(eol - p));
        const char *we = q ? q : eol;
        while (p < we && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
        while (we > p && (we[-1] == ' ' || we[-1] == '\t' || we[-1] == '\r')) we--;
        if (we > p) {
            if (*nwords == *cap) {
                size_t nc = *cap ? *cap * 2 : 256;
                ws_str *w = ws_realloc(*words, nc * sizeof *w);
                if (!w) return ws_error(WS_ENOMEM, "out of memory reading stop words");
                *words = w;
                *cap = nc;
            }
            (*words)[(*nwords)++] = ws_str_make(p, (size_t)(we - p));
        }
        p = eol < end ? eol + 1 : end;
    }
    return 0;
}
