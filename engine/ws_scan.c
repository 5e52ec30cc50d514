/*
 * Scan engine (see ws_scan.h). Work is planned before the parallel region:
 * every filter is compiled once per query (containing words to a bit table
 * over dictionary ids) and once per segment (allowed source and tag value
 * indices, the columns to decode), and the blocks that may match become the
 * task list. Threads then take blocks dynamically; each loads the block
 * into its own workspace, evaluates the filters row by row into a selection
 * array and hands the block to its own kernel state. Determinism: states
 * merge in thread order; kernels sort their output with ties broken by
 * term; the error of the earliest block wins.
 */
#include "ws_scan.h"
#include "ws_scan_int.h"
#include "ws_scan_dist.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "ws_termidx.h"
#include "ws_termspec.h"
#include "ws_tokenize.h"

void ws_filter_init(ws_filter *f)
{
    memset(f, 0, sizeof *f);
    f->from = f->to = WS_DATE_UNKNOWN;
}

int ws_filter_is_empty(const ws_filter *f)
{
    return f->from == WS_DATE_UNKNOWN && f->to == WS_DATE_UNKNOWN && !f->nsources && !f->nwhere && !f->ncontaining;
}

/* ---- compiled filters ---- */

/* The compiled filter types are in ws_scan_int.h (shared with ws_scan_shared.c). */

void ws_sc_sfilter_free(sfilter *s, size_t ntags)
{
    ws_free(s->src_ok);
    for (size_t k = 0; s->tag_ok && k < ntags; k++) ws_free(s->tag_ok[k]);
    ws_free(s->tag_ok);
    ws_free(s->tag_col);
    memset(s, 0, sizeof *s);
}

void ws_sc_cfilter_free(cfilter *c)
{
    for (size_t i = 0; c->cs && i < c->nst; i++) {
        ws_free(c->cs[i].cont);
        for (size_t k = 0; k < WS_SCAN_MAX_CONTAINING; k++) ws_free(c->cs[i].slots[k]);
    }
    ws_free(c->cs);
    ws_free(c->tags);
    memset(c, 0, sizeof *c);
}

/* Resolve each containing condition through ws_termspec (a word, a
 * pattern over the normalised vocabulary, a phrase) and mark, in every
 * store's dictionary, the ids that carry it: a one-slot condition sets its
 * bit in the cont table, a phrase gets a table of its slots' bits. */
static int compile_containing(cfilter *c, const ws_store *const *st, size_t nst, const ws_norm *norm)
{
    const ws_filter *f = c->f;
    if (f->ncontaining > WS_SCAN_MAX_CONTAINING)
        return ws_error(WS_EINVAL, "at most %d words per containing condition", WS_SCAN_MAX_CONTAINING);
    if (!f->ncontaining) return 0;
    ws_termspec spec[WS_SCAN_MAX_CONTAINING];
    memset(spec, 0, sizeof spec);
    uint8_t *kbits = NULL; /* normalised id -> bit j of slot j, per condition */
    ws_tokenizer *tk = ws_tokenizer_create();
    if (!tk) return WS_ENOMEM;
    int rc = 0;
    for (size_t k = 0; k < f->ncontaining && !rc; k++) {
        rc = ws_termspec_parse(norm, tk, "--containing", f->containing[k], WS_TS_AUTO, &spec[k]);
        if (!rc && ws_termspec_empty(&spec[k])) c->never = 1; /* no story has it */
        if (!rc && spec[k].nslots > 1) c->plen[k] = (uint8_t)spec[k].nslots;
        else if (!rc) c->cont_words |= (uint8_t)(1u << k);
    }
    ws_tokenizer_free(tk);
    if (!rc && !c->never) {
        for (size_t k = 0; k < f->ncontaining; k++) c->cont_all |= (uint8_t)(1u << k);
        const uint32_t nv = norm->terms.nterms;
        kbits = ws_calloc((size_t)nv * f->ncontaining + 1, 1);
        c->cs = ws_calloc(nst, sizeof *c->cs);
        if (!kbits || !c->cs) rc = WS_ENOMEM;
        else c->nst = nst;
        for (size_t k = 0; k < f->ncontaining && !rc; k++)
            for (uint32_t j = 0; j < spec[k].nslots; j++)
                for (uint32_t i = 0; i < spec[k].slot[j].n; i++) kbits[(size_t)spec[k].slot[j].ids[i] * f->ncontaining + k] |= (uint8_t)(1u << j);
    }
    for (size_t i = 0; i < c->nst && !rc; i++) {
        cstore *cs = &c->cs[i];
        const ws_norm_dict *nd = &norm->dicts[i];
        const uint32_t nt = st[i]->dict.nterms;
        if (!(cs->cont = ws_calloc((size_t)nt + 1, 1))) rc = WS_ENOMEM;
        for (size_t k = 0; k < f->ncontaining && !rc; k++)
            if (c->plen[k] && !(cs->slots[k] = ws_calloc((size_t)nt + 1, 1))) rc = WS_ENOMEM;
        if (rc) break;
        uint32_t smin[WS_SCAN_MAX_CONTAINING][WS_TERMSPEC_MAX_TOKENS];
        memset(smin, 0xff, sizeof smin);
        for (uint32_t id = 0; id < nd->nsrc && id < nt; id++) {
            const uint8_t *kb = kbits + (size_t)nd->key[id] * f->ncontaining;
            for (size_t k = 0; k < f->ncontaining; k++) {
                if (!kb[k]) continue;
                if (c->plen[k]) cs->slots[k][id] = kb[k];
                else cs->cont[id] |= (uint8_t)(1u << k);
                for (uint32_t j = 0; j < spec[k].nslots; j++)
                    if ((kb[k] >> j & 1) && smin[k][j] == UINT32_MAX) smin[k][j] = id;
            }
        }
        /* A segment using a dictionary prefix of fewer terms than the
         * largest of the slots' first ids cannot hold the condition. */
        for (size_t k = 0; k < f->ncontaining; k++) {
            uint32_t m = 0;
            for (uint32_t j = 0; j < spec[k].nslots; j++)
                if (smin[k][j] == UINT32_MAX || smin[k][j] > m) m = smin[k][j];
            cs->cont_min[k] = m;
        }
    }
    ws_free(kbits);
    for (size_t k = 0; k < WS_SCAN_MAX_CONTAINING; k++) ws_termspec_free(&spec[k]);
    return rc;
}

static int tag_column(const ws_segment *s, const char *tag)
{
    int c = ws_segment_find_column(s, tag);
    return c >= (int)WS_C_FIRST_TAG && c < 64 && s->cols[c].type == WS_COL_MULTI ? c : -1;
}

static int tag_exists(const ws_store *const *st, size_t nst, const char *tag)
{
    for (size_t k = 0; k < nst; k++)
        for (uint32_t i = 0; i < st[k]->nsegs; i++)
            if (tag_column(st[k]->segs[i], tag) >= 0) return 1;
    return 0;
}

void ws_store_tag_names(const ws_store *const *st, size_t nst, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t k = 0; k < nst; k++)
        for (uint32_t i = 0; i < st[k]->nsegs; i++) {
            const ws_segment *s = st[k]->segs[i];
            for (uint32_t c = WS_C_FIRST_TAG; c < s->ncols; c++) {
                const char *name = s->cols[c].name;
                size_t len = strlen(name);
                const char *hit = strstr(buf, name);
                int seen = 0;
                while (hit && !seen) { /* a whole item of the list so far */
                    seen = (hit == buf || hit[-1] == ' ') && (hit[len] == ',' || hit[len] == 0);
                    hit = strstr(hit + 1, name);
                }
                if (seen || n + len + 3 >= cap) continue;
                n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", name);
            }
        }
    if (!n) snprintf(buf, cap, "none");
}

int ws_sc_compile_filter(cfilter *c, const ws_filter *f, const ws_store *const *st, size_t nst, const ws_norm *norm)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->dates = f->from != WS_DATE_UNKNOWN || f->to != WS_DATE_UNKNOWN;
    c->fold = norm && ws_norm_folds(norm);
    if (c->dates && f->from != WS_DATE_UNKNOWN && f->to != WS_DATE_UNKNOWN && f->from > f->to) c->never = 1;
    if (f->nwhere && !(c->tags = ws_calloc(f->nwhere, sizeof *c->tags))) return WS_ENOMEM;
    for (size_t i = 0; i < f->nwhere; i++) {
        size_t k = 0;
        while (k < c->ntags && strcmp(c->tags[k], f->where[i].tag)) k++;
        if (k < c->ntags) continue;
        if (!tag_exists(st, nst, f->where[i].tag)) {
            char names[512];
            ws_store_tag_names(st, nst, names, sizeof names);
            return ws_error(WS_EINVAL, "--where %s=%s: the store has no tag '%s' (its tags: %s)", f->where[i].tag,
                            f->where[i].value, f->where[i].tag, names);
        }
        c->tags[c->ntags++] = f->where[i].tag;
    }
    return compile_containing(c, st, nst, norm);
}

/* s as a folded filter compares it: case-folded (and NFKC) into buf; s
 * itself when it is not valid UTF-8 (then only the same bytes match). */
static int folded(ws_str s, ws_buf *buf, ws_str *out)
{
    int rc = ws_norm_casefold(s, buf, out);
    if (rc == WS_EINVAL) *out = s;
    return rc == WS_EINVAL ? 0 : rc;
}

/* Which values of column cd are among want (NULL entries ignored); *any:
 * some are. With fold, values and wants compare after case folding (tag
 * values under the query's folding: --where place=Moscow finds MOSCOW). */
static uint8_t *value_set(const ws_column_desc *cd, const char *const *want, size_t nwant, int fold, int *any)
{
    uint8_t *ok = ws_calloc((size_t)cd->nvalues + 1, 1);
    if (!ok) return NULL;
    *any = 0;
    ws_buf wb = {0}, vb = {0};
    ws_str *w = fold ? ws_calloc(nwant + 1, sizeof *w) : NULL;
    char **wcopy = fold ? ws_calloc(nwant + 1, sizeof *wcopy) : NULL;
    int rc = fold && (!w || !wcopy) ? WS_ENOMEM : 0;
    for (size_t a = 0; fold && a < nwant && !rc; a++) {
        if (!want[a]) continue;
        ws_str f;
        if (!(rc = folded(ws_str_make(want[a], strlen(want[a])), &wb, &f))) {
            if (!(wcopy[a] = ws_strndup(f.p, f.n))) rc = WS_ENOMEM;
            else w[a] = ws_str_make(wcopy[a], f.n);
        }
    }
    for (uint32_t v = 0; v < cd->nvalues && !rc; v++) {
        ws_str val = cd->values[v];
        if (fold && (rc = folded(val, &vb, &val))) break;
        for (size_t a = 0; a < nwant && !ok[v]; a++)
            if (want[a] && ws_str_eq(val, fold ? w[a] : ws_str_make(want[a], strlen(want[a])))) ok[v] = 1, *any = 1;
    }
    for (size_t a = 0; wcopy && a < nwant; a++) ws_free(wcopy[a]);
    ws_free(wcopy);
    ws_free(w);
    ws_buf_free(&wb);
    ws_buf_free(&vb);
    if (rc) {
        ws_free(ok);
        return NULL;
    }
    return ok;
}

int ws_sc_compile_segment(sfilter *sf, const cfilter *c, const ws_segment *s, size_t sti)
{
    const ws_filter *f = c->f;
    memset(sf, 0, sizeof *sf);
    sf->never = c->never;
    if (c->dates) sf->mask |= WS_COLBIT(WS_C_DATE);
    if (f->nsources) {
        int any;
        if (!(sf->src_ok = value_set(&s->cols[WS_C_SOURCE], f->sources, f->nsources, 0, &any))) return WS_ENOMEM;
        sf->never |= !any;
        sf->mask |= WS_COLBIT(WS_C_SOURCE);
    }
    if (c->ntags) {
        sf->tag_col = ws_calloc(c->ntags, sizeof *sf->tag_col);
        sf->tag_ok = ws_calloc(c->ntags, sizeof *sf->tag_ok);
        if (!sf->tag_col || !sf->tag_ok) return WS_ENOMEM;
        const char **want = ws_calloc(f->nwhere, sizeof *want);
        if (!want) return WS_ENOMEM;
        for (size_t k = 0; k < c->ntags; k++) {
            int col = tag_column(s, c->tags[k]);
            sf->tag_col[k] = col;
            if (col < 0) {
                sf->never = 1;
                continue;
            }
            for (size_t i = 0; i < f->nwhere; i++) want[i] = strcmp(f->where[i].tag, c->tags[k]) ? NULL : f->where[i].value;
            int any;
            if (!(sf->tag_ok[k] = value_set(&s->cols[col], want, f->nwhere, c->fold, &any))) {
                ws_free(want);
                return WS_ENOMEM;
            }
            sf->never |= !any;
            sf->mask |= WS_COLBIT(col);
        }
        ws_free(want);
    }
    if (c->cont_all) {
        sf->cont = c->cs[sti].cont;
        sf->slots = (const uint8_t *const *)c->cs[sti].slots;
        for (size_t k = 0; k < f->ncontaining; k++) sf->never |= c->cs[sti].cont_min[k] >= s->dict_terms;
        sf->mask |= WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA);
    }
    return 0;
}

int ws_sc_block_may_match(const cfilter *c, const sfilter *sf, const ws_block_meta *m)
{
    const ws_filter *f = c->f;
    if (sf->never) return 0;
    if (c->dates) {
        if (m->undated == m->nrows) return 0;
        if (f->from != WS_DATE_UNKNOWN && m->max_date < f->from) return 0;
        if (f->to != WS_DATE_UNKNOWN && m->min_date > f->to) return 0;
    }
    if (sf->src_ok) {
        for (uint32_t j = 0; j < m->nsources; j++)
            if (sf->src_ok[m->sources[j]]) return 1;
        return 0;
    }
    return 1;
}

int ws_sc_row_match(const cfilter *c, const sfilter *sf, const ws_block *b, uint32_t r)
{
    const ws_filter *f = c->f;
    if (c->dates) {
        int64_t d = b->dates[r];
        if (d == WS_DATE_UNKNOWN || (f->from != WS_DATE_UNKNOWN && d < f->from) || (f->to != WS_DATE_UNKNOWN && d > f->to))
            return 0;
    }
    if (sf->src_ok && !sf->src_ok[b->source[r]]) return 0;
    for (size_t k = 0; k < c->ntags; k++) {
        const uint32_t *vals;
        uint32_t n = ws_block_tags(b, (uint32_t)sf->tag_col[k] - WS_C_FIRST_TAG, r, &vals), i = 0;
        while (i < n && !sf->tag_ok[k][vals[i]]) i++;
        if (i == n) return 0;
    }
    if (c->cont_all) {
        uint8_t acc = 0;
        const uint32_t *ids = b->ids;
        const uint64_t a = b->meta.tok_off[r], e = b->meta.tok_off[r + 1];
        if (c->cont_words) {
            for (uint64_t t = a; t < e && acc != c->cont_words; t++) acc |= sf->cont[ids[t]];
            if (acc != c->cont_words) return 0;
        }
        /* Phrases: consecutive tokens of the story (title then body, as
         * kwic matches them). */
        for (size_t k = 0; k < f->ncontaining; k++) {
            const uint32_t len = c->plen[k];
            if (!len) continue;
            const uint8_t *sl = sf->slots[k];
            uint64_t t = a;
            for (; t + len <= e; t++) {
                uint32_t j = 0;
                while (j < len && (sl[ids[t + j]] >> j & 1)) j++;
                if (j == len) break;
            }
            if (t + len > e) return 0;
        }
    }
    return 1;
}

/* ---- grouping ---- */

static int cmp_str(const void *a, const void *b) { return ws_str_cmp(*(const ws_str *)a, *(const ws_str *)b); }

int ws_groups_build_multi(const ws_store *const *st, size_t nst, ws_by by, const char *tag, ws_groups *g)
{
    memset(g, 0, sizeof *g);
    g->by = by;
    if (by != WS_BY_SOURCE && by != WS_BY_TAG) return 0;
    if (by == WS_BY_TAG) {
        if (!tag_exists(st, nst, tag)) {
            char names[512];
            ws_store_tag_names(st, nst, names, sizeof names);
            return ws_error(WS_ENOENT, "--by %s: the store has no tag '%s' (its tags: %s)", tag, tag, names);
        }
        if (!(g->tag = ws_strndup(tag, strlen(tag)))) return WS_ENOMEM;
    }
    size_t nseg = 0;
    for (size_t k = 0; k < nst; k++) nseg += st[k]->nsegs;
    g->segs = ws_calloc(nseg + 1, sizeof *g->segs);
    if (!g->segs) return WS_ENOMEM;
    g->nsegs = (uint32_t)nseg;
    size_t total = 0, bytes = 0, si = 0;
    for (size_t k = 0; k < nst; k++)
        for (uint32_t i = 0; i < st[k]->nsegs; i++, si++) {
            const ws_segment *s = st[k]->segs[i];
            int col = by == WS_BY_SOURCE ? (int)WS_C_SOURCE : tag_column(s, tag);
            g->segs[si].seg = s;
            g->segs[si].col = col;
            if (col < 0) continue;
            for (uint32_t v = 0; v < s->cols[col].nvalues; v++) bytes += s->cols[col].values[v].n;
            total += s->cols[col].nvalues;
        }
    ws_str *all = ws_malloc((total + 1) * sizeof *all);
    g->label_text = ws_malloc(bytes + 1);
    g->labels = ws_malloc((total + 1) * sizeof *g->labels);
    int rc = all && g->label_text && g->labels ? 0 : WS_ENOMEM;
    size_t n = 0;
    for (uint32_t i = 0; i < g->nsegs && !rc; i++) {
        const ws_group_seg *gs = &g->segs[i];
        if (gs->col < 0) continue;
        for (uint32_t v = 0; v < gs->seg->cols[gs->col].nvalues; v++) all[n++] = gs->seg->cols[gs->col].values[v];
    }
    if (!rc) qsort(all, n, sizeof *all, cmp_str);
    size_t off = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i && ws_str_eq(all[i], all[i - 1])) continue;
        if (all[i].n) memcpy(g->label_text + off, all[i].p, all[i].n);
        g->labels[g->nlabels++] = ws_str_make(g->label_text + off, all[i].n);
        off += all[i].n;
    }
    for (uint32_t i = 0; i < g->nsegs && !rc; i++) {
        ws_group_seg *gs = &g->segs[i];
        if (gs->col < 0) continue;
        const ws_column_desc *cd = &gs->seg->cols[gs->col];
        if (!(gs->to_group = ws_malloc(((size_t)cd->nvalues + 1) * sizeof *gs->to_group))) {
            rc = WS_ENOMEM;
            break;
        }
        for (uint32_t v = 0; v < cd->nvalues; v++) {
            const ws_str *hit = bsearch(&cd->values[v], g->labels, g->nlabels, sizeof *g->labels, cmp_str);
            gs->to_group[v] = (uint32_t)(hit - g->labels);
        }
    }
    ws_free(all);
    if (rc) ws_groups_free(g);
    return rc;
}

int ws_groups_build(const ws_store *st, ws_by by, const char *tag, ws_groups *g)
{
    return ws_groups_build_multi(&st, 1, by, tag, g);
}

/* ---- the term index ---- */

/* acc[b] = 1 for every block of x holding dictionary term id. */
static void mark_term(const ws_termidx *x, uint32_t id, uint8_t *acc)
{
    for (uint32_t j = x->off[id]; j < x->off[id + 1]; j++) acc[x->blk[j]] = 1;
}

/* With story postings: *rows = the store's rows (bit r of the bitmap; rows
 * numbered across its segments) that may hold every containing condition
 * of the main filter (a phrase: a term of its least frequent slot, which
 * every match has). Only prunes: a row it keeps is still checked. */
static int index_rows(const ws_store *st, size_t sti, const cfilter *c, const ws_query *q, uint64_t **rows)
{
    *rows = NULL;
    if (!c->cont_all || c->never) return 0;
    int lrc = ws_store_load_index(st);
    if (lrc) return lrc;
    ws_termidx *x = st->tidx;
    if (!x || x->version < 2) return 0;
    const ws_norm_dict *nd = &q->norm->dicts[sti];
    const uint32_t nb = x->nblocks, nt = x->nterms < nd->nsrc ? x->nterms : nd->nsrc;
    uint64_t *bfirst = ws_termidx_block_firsts(x, st->segs, st->nsegs), nrows = bfirst ? bfirst[nb] : 0;
    if (!bfirst) return WS_ENOMEM;
    const size_t nw = (size_t)(nrows / 64 + 1);
    uint64_t *res = ws_malloc(nw * 8), *acc = ws_malloc(nw * 8);
    ws_buf tmp = {0};
    int rc = res && acc ? 0 : WS_ENOMEM;
    if (!rc) memset(res, 0xff, nw * 8);
    const cstore *cs = &c->cs[sti];
    for (size_t kk = 0; kk < c->f->ncontaining && !rc; kk++) {
        memset(acc, 0, nw * 8);
        if (!c->plen[kk]) {
            for (uint32_t id = 0; id < nt && !rc; id++)
                if (cs->cont[id] >> kk & 1) rc = ws_termidx_mark_rows(x, id, bfirst, acc, &tmp);
        } else {
            uint64_t best = UINT64_MAX, bj = 0, sum[WS_TERMSPEC_MAX_TOKENS] = {0};
            for (uint32_t id = 0; id < nt; id++)
                for (uint32_t j = 0; j < c->plen[kk]; j++)
                    if (cs->slots[kk][id] >> j & 1) sum[j] += x->off[id + 1] - x->off[id];
            for (uint32_t j = 0; j < c->plen[kk]; j++)
                if (sum[j] < best) best = sum[j], bj = j;
            for (uint32_t id = 0; id < nt && !rc; id++)
                if (cs->slots[kk][id] >> bj & 1) rc = ws_termidx_mark_rows(x, id, bfirst, acc, &tmp);
        }
        for (size_t w = 0; w < nw; w++) res[w] &= acc[w];
    }
    ws_free(bfirst);
    ws_free(acc);
    ws_buf_free(&tmp);
    if (rc) {
        ws_free(res);
        return rc;
    }
    *rows = res;
    return 0;
}

/* The blocks of store sti (numbered as its term index numbers them) that
 * may hold a story for the query: those holding every containing condition
 * of the main filter (a phrase: the term of its least frequent slot) and,
 * when the kernel says which terms its rows need, one of those. *ok stays
 * NULL when the store has no index or nothing limits the blocks. */
static int index_blocks(const ws_store *st, size_t sti, const cfilter *c, const ws_kernel *k, const ws_query *q,
                        uint8_t **ok)
{
    *ok = NULL;
    const uint8_t *kmark = k->index_terms ? k->index_terms(q) : NULL;
    if ((!c->cont_all || c->never) && !kmark) return 0;
    int lrc = ws_store_load_index(st);
    if (lrc) return lrc;
    const ws_termidx *x = st->tidx;
    if (!x) return 0;
    const ws_norm_dict *nd = &q->norm->dicts[sti];
    const uint32_t nb = x->nblocks, nt = x->nterms < nd->nsrc ? x->nterms : nd->nsrc;
    uint8_t *res = ws_malloc((size_t)nb + 1), *acc = ws_malloc((size_t)nb + 1);
    if (!res || !acc) {
        ws_free(res);
        ws_free(acc);
        return WS_ENOMEM;
    }
    memset(res, 1, (size_t)nb + 1);
    const cstore *cs = c->cont_all && !c->never ? &c->cs[sti] : NULL;
    for (size_t kk = 0; cs && kk < c->f->ncontaining; kk++) {
        memset(acc, 0, (size_t)nb + 1);
        if (!c->plen[kk]) {
            for (uint32_t id = 0; id < nt; id++)
                if (cs->cont[id] >> kk & 1) mark_term(x, id, acc);
        } else {
            /* The slot with the fewest postings: every match has one of its terms. */
            uint64_t best = UINT64_MAX, bj = 0, sum[WS_TERMSPEC_MAX_TOKENS] = {0};
            for (uint32_t id = 0; id < nt; id++)
                for (uint32_t j = 0; j < c->plen[kk]; j++)
                    if (cs->slots[kk][id] >> j & 1) sum[j] += x->off[id + 1] - x->off[id];
            for (uint32_t j = 0; j < c->plen[kk]; j++)
                if (sum[j] < best) best = sum[j], bj = j;
            for (uint32_t id = 0; id < nt; id++)
                if (cs->slots[kk][id] >> bj & 1) mark_term(x, id, acc);
        }
        for (uint32_t b = 0; b < nb; b++) res[b] &= acc[b];
    }
    if (kmark) {
        memset(acc, 0, (size_t)nb + 1);
        for (uint32_t id = 0; id < nt; id++)
            if (kmark[nd->key[id]]) mark_term(x, id, acc);
        for (uint32_t b = 0; b < nb; b++) res[b] &= acc[b];
    }
    ws_free(acc);
    *ok = res;
    return 0;
}

/* ---- the scan ---- */

/* want[r] = 1 for the rows of a block (store rows ir0..) with story
 * postings; returns want when they are few enough that decoding only their
 * ids pays (a row's codes are found by counting, one token at a time; the
 * whole block's decoding expands 8 codes at once), else NULL. */
static const uint8_t *sparse_rows(const uint64_t *irw, uint64_t ir0, uint32_t nrows, uint8_t *want)
{
    uint32_t n = 0;
    for (uint32_t row = 0; row < nrows; row++)
        n += want[row] = (uint8_t)(irw[(ir0 + row) / 64] >> ((ir0 + row) % 64) & 1);
    return (uint64_t)n * 4 < nrows ? want : NULL;
}


double ws_sc_now(void) { return omp_get_wtime(); }

/* Report progress through the caller's callback (the library prints nothing). */
void ws_sc_report(const ws_scan_opts *o, double t0, uint64_t done, uint64_t total, uint64_t tokens, int final)
{
    ws_progress p = {"scan", done, total, tokens, ws_sc_now() - t0, final, NULL, 0};
    o->progress(o->progress_ctx, &p);
}

int ws_sc_cancelled(const ws_scan_opts *o)
{
    return o->cancel && __atomic_load_n(o->cancel, __ATOMIC_RELAXED);
}

int ws_scan(const ws_store *st, const ws_kernel *k, ws_query *q, const ws_scan_opts *o, ws_table *out,
            ws_scan_stats *stats)
{
    return ws_scan_multi(&st, 1, k, q, o, out, stats);
}

/* ---- across processes (ws_dist) ---- */

/* What a rank sends rank 0: [status][stories][tokens], then the packed
 * merged state (status 0) or the error's text (status: the WS_E* code). */
typedef struct dist_in {
    const ws_kernel *k;
    const ws_query *q;
    void *into;        /* rank 0's merged state */
    int rc;            /* the first failure in rank order */
    char msg[768];
    uint64_t stories, tokens;
} dist_in;

static int dist_each(void *arg, int rank, const void *data, size_t len)
{
    dist_in *d = arg;
    const uint8_t *at = data, *end = at + len;
    uint64_t status, stories, tokens;
    if (ws_varint_get(&at, end, &status) || ws_varint_get(&at, end, &stories) || ws_varint_get(&at, end, &tokens)) {
        if (!d->rc) {
            d->rc = len ? WS_ECORRUPT : WS_ETOOBIG;
            snprintf(d->msg, sizeof d->msg, "rank %d: %s", rank,
                     len ? "malformed message" : "sent no state (larger than one MPI message?)");
        }
        return 0;
    }
    d->stories += stories;
    d->tokens += tokens;
    if (d->rc) return 0; /* an earlier rank failed: the run fails with its error */
    if (status) {
        d->rc = -(int)status;
        snprintf(d->msg, sizeof d->msg, "rank %d: %.*s", rank, (int)(end - at), (const char *)at);
        return 0;
    }
    if (rank == 0) return 0; /* rank 0's own state is the one merged into */
    void *tmp = d->k->init(d->q);
    int rc = tmp ? d->k->unpack(tmp, d->q, at, (size_t)(end - at)) : WS_ENOMEM;
    if (!rc) rc = d->k->merge(d->into, tmp, d->q);
    if (tmp) d->k->free(tmp);
    if (rc) {
        d->rc = rc;
        snprintf(d->msg, sizeof d->msg, "rank 0: merging rank %d's %s state: %s", rank, d->k->name,
                 ws_last_error()[0] ? ws_last_error() : ws_strerror(rc));
    }
    return 0;
}

/* Every rank: send the local result (state or error) to rank 0, which
 * merges the states in rank order; then every rank learns the outcome.
 * Returns the run's status; on rank 0, stats and q->nstories become the
 * totals over all ranks. */
int ws_sc_dist_merge(const ws_dist *dist, const ws_kernel *k, ws_query *q, void *state, int rc, ws_scan_stats *stats)
{
    ws_buf msg = {0};
    char text[640];
    if (rc) snprintf(text, sizeof text, "%s", ws_last_error()[0] ? ws_last_error() : ws_strerror(rc));
    if ((k->flags & WS_KF_TREE) && dist->alltoall && dist->max_int) {
        /* count tables: a tree, so that rank 0 receives log2(ranks) states */
        ws_dist_outcome to;
        to.stories = stats->stories;
        to.tokens = stats->tokens;
        int trc = ws_dist_tree(dist, k, q, state, rc, text, &to);
        int status = trc ? trc : to.rc;
        if (dist->rank == 0 && !trc) {
            stats->stories = to.stories;
            stats->tokens = to.tokens;
            q->nstories = to.stories;
        }
        int brc = dist->bcast_int(dist->ctx, &status);
        if (brc && !status) status = brc;
        if (!status) return 0;
        if (dist->rank == 0 && to.rc && !trc) return ws_error(status, "rank %d: %s", to.rank, to.msg);
        if (trc) return ws_error(status, "exchanging kernel states across ranks failed: %s", ws_last_error());
        if (rc) return ws_error(rc, "rank %d: %s", dist->rank, text);
        return ws_error(status, "rank %d: the run failed on another rank (rank 0 reports it)", dist->rank);
    }
    int prc = ws_buf_reserve(&msg, 3 * WS_VARINT_MAX);
    if (!prc && !rc) {
        ws_buf_put_varint(&msg, 0);
        ws_buf_put_varint(&msg, stats->stories);
        ws_buf_put_varint(&msg, stats->tokens);
        /* Rank 0's own state is the one merged into: it does not travel. */
        if (dist->rank != 0) prc = k->pack(state, q, &msg);
        if (prc) {
            rc = prc;
            snprintf(text, sizeof text, "packing the %s state: %s", k->name,
                     ws_last_error()[0] ? ws_last_error() : ws_strerror(prc));
        }
    }
    if (rc) { /* the error instead of the state */
        msg.n = 0;
        if (!prc || prc == rc) {
            ws_buf_put_varint(&msg, (uint64_t)-rc);
            ws_buf_put_varint(&msg, stats->stories);
            ws_buf_put_varint(&msg, stats->tokens);
            ws_buf_append(&msg, text, strlen(text));
        }
    }
    dist_in d = {k, q, state, 0, "", 0, 0};
    int grc = dist->gather(dist->ctx, msg.p, msg.n, dist_each, &d);
    ws_buf_free(&msg);
    int status = grc ? grc : d.rc;
    if (dist->rank == 0 && !grc) {
        stats->stories = d.stories;
        stats->tokens = d.tokens;
        q->nstories = d.stories;
    }
    int brc = dist->bcast_int(dist->ctx, &status);
    if (brc && !status) status = brc;
    if (!status) return 0;
    if (dist->rank == 0 && d.rc && !grc) return ws_error(status, "%s", d.msg);
    if (grc) return ws_error(status, "exchanging kernel states across ranks failed: %s", ws_last_error());
    if (rc) return ws_error(rc, "rank %d: %s", dist->rank, text);
    return ws_error(status, "rank %d: the run failed on another rank (rank 0 reports it)", dist->rank);
}

int ws_scan_multi(const ws_store *const *st, size_t nst, const ws_kernel *k, ws_query *q, const ws_scan_opts *o,
                  ws_table *out, ws_scan_stats *stats)
{
    ws_scan_stats local = {0};
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    if (o->nsubsets > WS_SCAN_MAX_SUBSETS)
        return ws_error(WS_EINVAL, "at most %d subsets in one scan", WS_SCAN_MAX_SUBSETS);
    if (o->dist && o->dist->size > 1 &&
        (!k->pack || !k->unpack || (k->next_pass && (!o->dist->bcast || !o->dist->max_int)) ||
         (k->exchange && (!o->dist->alltoall || !o->dist->max_int)) ||
         ((k->flags & WS_KF_ORDERED) && k->emit && (!o->dist->send || !o->dist->recv || !o->dist->max_int))))
        return ws_error(WS_EINVAL, "%s does not run across MPI ranks yet: run it in one process (without mpirun, or "
                                   "mpirun -n 1) over the same stores", k->name);
    if (nst == 0 || q->norm->ndicts != nst)
        return ws_error(WS_EINVAL, "the normalisation covers %u dictionaries, the scan %zu stores", q->norm->ndicts, nst);
    for (size_t i = 0; i < nst; i++)
        if (q->norm->dicts[i].nsrc != st[i]->dict.nterms)
            return ws_error(WS_EINVAL, "the normalisation was built for another dictionary than %s's", st[i]->dir);
    const uint32_t nf = 1 + o->nsubsets;
    const int subsets = o->nsubsets > 0 || o->rest;
    int nt = ws_threads_resolve(o->threads);
    uint64_t total = 0;
    size_t nseg = 0;
    for (size_t j = 0; j < nst; j++) {
        nseg += st[j]->nsegs;
        for (uint32_t i = 0; i < st[j]->nsegs; i++) total += st[j]->segs[i]->nblocks;
    }
    stats->blocks_total = total;

    cfilter *cf = ws_calloc(nf, sizeof *cf);
    sfilter *sf = ws_calloc((size_t)nf * nseg + 1, sizeof *sf);
    uint64_t *segmask = ws_calloc(nseg + 1, sizeof *segmask);
    uint64_t *segbase = ws_calloc(nseg + 1, sizeof *segbase); /* story ordinal of each segment's first row */
    task *tasks = ws_malloc((size_t)(total + 1) * sizeof *tasks);
    ws_norm *views = ws_calloc(nst, sizeof *views);
    ws_query *qs = ws_calloc(nst, sizeof *qs);
    int rc = cf && sf && segmask && segbase && tasks && views && qs ? 0 : WS_ENOMEM;
    for (size_t j = 0, s = 0, base = 0; j < nst && !rc; j++)
        for (uint32_t si = 0; si < st[j]->nsegs; si++, s++) segbase[s] = base, base += st[j]->segs[si]->nrows;
    for (uint32_t i = 0; i < nf && !rc; i++)
        rc = ws_sc_compile_filter(&cf[i], i ? &o->subsets[i - 1] : &o->filter, st, nst, q->norm);
    /* Each store's blocks see the query through their own dictionary's remap. */
    for (size_t j = 0; j < nst && !rc; j++) {
        views[j] = ws_norm_view(q->norm, (uint32_t)j);
        qs[j] = *q;
        qs[j].norm = &views[j];
    }
    size_t ntasks = 0;
    uint8_t *iok = NULL; /* the current store's blocks the term index allows; NULL: all */
    uint32_t ib = 0;     /* the store's block number (as its index numbers them) */
    /* per store: the rows its story postings allow (NULL: all); per
     * segment: the store's row number of its first row */
    uint64_t **irows = rc ? NULL : ws_calloc(nst, sizeof *irows), *segloc = rc ? NULL : ws_calloc(nseg + 1, sizeof *segloc);
    if (!rc && (!irows || !segloc)) rc = WS_ENOMEM;
    for (size_t j = 0, s = 0; j < nst && !rc; j++)
        for (uint32_t si = 0; si < st[j]->nsegs && !rc; si++, s++) {
            segloc[s] = si ? segloc[s - 1] + st[j]->segs[si - 1]->nrows : 0;
            if (si == 0) {
                ws_free(iok);
                ib = 0;
                rc = index_blocks(st[j], j, &cf[0], k, &qs[j], &iok);
                if (!rc) rc = index_rows(st[j], j, &cf[0], &qs[j], &irows[j]);
                if (rc) break;
            }
            const ws_segment *seg = st[j]->segs[si];
            uint64_t mask = k->columns | ws_groups_columns(q->groups, seg);
            for (uint32_t i = 0; i < nf && !rc; i++) {
                rc = ws_sc_compile_segment(&sf[s * nf + i], &cf[i], seg, j);
                mask |= sf[s * nf + i].mask;
            }
            segmask[s] = mask;
            for (uint32_t b = 0; b < seg->nblocks && !rc; b++) {
                const ws_block_meta *m = &seg->blocks[b];
                int may = ws_sc_block_may_match(&cf[0], &sf[s * nf], m);
                if (may && o->nsubsets && !o->rest) {
                    may = 0;
                    for (uint32_t i = 1; i < nf && !may; i++) may = ws_sc_block_may_match(&cf[i], &sf[s * nf + i], m);
                }
                if (may && iok && !iok[ib]) may = 0;
                ib++;
                /* Across ranks: store j is scanned by rank j mod size. */
                if (may && o->dist && (int)(j % (size_t)o->dist->size) != o->dist->rank) may = 0;
                if (may) tasks[ntasks++] = (task){seg, b, (uint32_t)s, (uint32_t)j};
            }
        }
    ws_free(iok);
    stats->blocks_scanned = ntasks;
    if (!rc && (uint64_t)nt > ntasks) nt = ntasks ? (int)ntasks : 1;

    void **states = NULL;
    ws_block *blocks = NULL;
    ws_buf *sel = NULL;
    int *err = NULL;
    uint64_t *err_task = NULL, *rows = NULL, *toks = NULL;
    char(*err_msg)[512] = NULL;
    if (!rc) {
        states = ws_calloc((size_t)nt, sizeof *states);
        blocks = ws_calloc((size_t)nt, sizeof *blocks);
        sel = ws_calloc((size_t)nt, sizeof *sel);
        err = ws_calloc((size_t)nt, sizeof *err);
        err_task = ws_calloc((size_t)nt, sizeof *err_task);
        err_msg = ws_calloc((size_t)nt, sizeof *err_msg);
        rows = ws_calloc((size_t)nt, sizeof *rows);
        toks = ws_calloc((size_t)nt, sizeof *toks);
        if (!(states && blocks && sel && err && err_task && err_msg && rows && toks)) rc = WS_ENOMEM;
    }
    const int ordered = (k->flags & WS_KF_ORDERED) && k->emit;
    const int selrows = (k->flags & WS_KF_SELROWS) != 0;
    if (!rc && ordered && k->header) rc = k->header(q, out);
    /* Across ranks, an ordered kernel's rows go through an ordered gather
     * (ws_scan_dist.h): shards in rounds, rows captured on each rank. */
    const int dord = ordered && o->dist;
    ws_ostream os;
    memset(&os, 0, sizeof os);
    int dist_done = 0;
    if (dord) {
        if (!rc) rc = ws_ostream_open(&os, o->dist, k, q, out, nst);
        int bad = rc != 0, arc = o->dist->max_int(o->dist->ctx, &bad);
        if (!rc && arc) rc = arc;
        if (!rc && bad) rc = ws_error(WS_EIO, "rank %d: another rank failed before the scan", o->dist->rank);
    }
    /* Iterative kernels (next_pass) scan the same blocks again with fresh
     * states; the statistics are those of the last pass. */
    for (unsigned pass = 0; !rc; pass++) {
        for (int t = 0; t < nt && !rc; t++) {
            if (states[t]) k->free(states[t]);
            states[t] = NULL;
            rows[t] = toks[t] = 0;
            err[t] = 0;
            if (!(states[t] = k->init(q))) rc = ws_error(WS_ENOMEM, "out of memory for per-thread %s state", k->name);
        }
        if (!rc) {
            uint64_t done = 0, done_tokens = 0;
            double t0 = ws_sc_now(), last = t0;
            int shown = 0, stop = 0;
            size_t stop_at = SIZE_MAX;
            const size_t dsize = dord ? (size_t)o->dist->size : 1;
            const size_t nrounds = dord ? (nst + dsize - 1) / dsize : 1;
            for (size_t round = 0, lo = 0, hi = ntasks; round < nrounds; round++) {
            int has = 1;
            if (dord) { /* this rank's shard of the round: its tasks are consecutive */
                size_t j = round * dsize + (size_t)o->dist->rank;
                has = j < nst;
                while (lo < ntasks && tasks[lo].sti < j) lo++;
                for (hi = lo; hi < ntasks && tasks[hi].sti == j; hi++) {}
            }
            ws_table *eout = dord ? &os.cap : out;
            /* One block: load, select, consume (and the late columns when the
             * kernel wants them). A macro rather than a function: it reads
             * most of this function's locals. */
#define SCAN_TASK(i)                                                                                                   \
    do {                                                                                                               \
        if (err[t] || __atomic_load_n(&stop, __ATOMIC_RELAXED)) break;                                                 \
        if (WS_UNLIKELY(ws_sc_cancelled(o))) {                                                                               \
            err[t] = WS_ECANCELED;                                                                                     \
            err_task[t] = (i);                                                                                         \
            snprintf(err_msg[t], sizeof err_msg[t], "%s", "cancelled");                                                \
            break;                                                                                                     \
        }                                                                                                              \
        const task *tk = &tasks[(i)];                                                                                  \
        const cfilter *c = cf;                                                                                         \
        const sfilter *f = &sf[(size_t)tk->segi * nf];                                                                 \
        const uint64_t *irw = irows[tk->sti];                                                                          \
        const uint64_t ir0 = segloc[tk->segi] + tk->seg->blocks[tk->block].first_row;                                  \
        int r = ws_buf_reserve(&sel[t], tk->seg->blocks[tk->block].nrows);                                             \
        /* few rows with postings: decode only their ids (sel as the list) */                                         \
        const uint8_t *want =                                                                                          \
            !r && irw && selrows ? sparse_rows(irw, ir0, tk->seg->blocks[tk->block].nrows, sel[t].p) : NULL;           \
        if (!r) r = ws_block_load_rows(b, &st[tk->sti]->dict, tk->seg, tk->block, segmask[tk->segi], want);           \
        if (!r) {                                                                                                      \
            uint8_t *sl = sel[t].p;                                                                                    \
            for (uint32_t row = 0; row < b->nrows; row++) {                                                            \
                if (irw && !((irw[(ir0 + row) / 64] >> ((ir0 + row) % 64)) & 1)) { /* no posting: no match */          \
                    sl[row] = 0;                                                                                       \
                    continue;                                                                                          \
                }                                                                                                      \
                unsigned bits = ws_sc_row_match(&c[0], &f[0], b, row);                                                       \
                if (bits && subsets) {                                                                                 \
                    bits = 0;                                                                                          \
                    for (uint32_t j = 1; j < nf; j++)                                                                  \
                        if (!f[j].never && ws_sc_row_match(&c[j], &f[j], b, row)) bits |= 1u << (j - 1);                     \
                    if (o->rest && !bits) bits = 1u << o->nsubsets;                                                    \
                }                                                                                                      \
                if (bits && o->keep) {                                                                                 \
                    uint64_t ord = segbase[tk->segi] + tk->seg->blocks[tk->block].first_row + row;                     \
                    if (!((o->keep[ord / 64] >> (ord % 64)) & 1)) bits = 0;                                            \
                }                                                                                                      \
                sl[row] = (uint8_t)bits;                                                                               \
                rows[t] += bits != 0;                                                                                  \
            }                                                                                                          \
            toks[t] += b->ntokens;                                                                                     \
            r = k->consume(states[t], &qs[tk->sti], b, sl);                                                            \
            if (!r && k->late_columns && k->wants_late(states[t], &qs[tk->sti], b, sl)) {                              \
                uint64_t had = b->loaded;                                                                              \
                r = ws_block_load(b, &st[tk->sti]->dict, tk->seg, tk->block, k->late_columns);                         \
                b->loaded |= had;                                                                                      \
                if (!r) r = k->consume_late(states[t], &qs[tk->sti], b, sl);                                           \
            }                                                                                                          \
        }                                                                                                              \
        if (r) {                                                                                                       \
            err[t] = r;                                                                                                \
            err_task[t] = (i);                                                                                         \
            snprintf(err_msg[t], sizeof err_msg[t], "%s", ws_last_error());                                            \
        }                                                                                                              \
        if (o->progress) {                                                                                             \
            uint64_t d;                                                                                                \
            _Pragma("omp atomic capture") d = ++done;                                                                  \
            _Pragma("omp atomic") done_tokens += b->ntokens;                                                           \
            if (t == 0) {                                                                                              \
                double now = ws_sc_now();                                                                                  \
                if (now - last >= 0.5) {                                                                               \
                    uint64_t dt;                                                                                       \
                    _Pragma("omp atomic read") dt = done_tokens;                                                       \
                    last = now;                                                                                        \
                    shown = 1;                                                                                         \
                    ws_sc_report(o, t0, d, ntasks, dt, 0);                                                                   \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)
#pragma omp parallel num_threads(nt)
            {
                int t = omp_get_thread_num();
                ws_block *b = &blocks[t];
                if (ordered) {
                    /* Rows in store order, streamed: blocks are decoded and
                     * consumed in parallel, and each thread hands its block's
                     * rows to the table in an ordered region, block after block
                     * (threads run at most a block or so ahead of the writer).
                     * Every iteration enters the ordered region exactly once. */
#pragma omp for ordered schedule(dynamic, 1)
                    for (size_t i = lo; i < hi; i++) {
                        SCAN_TASK(i);
#pragma omp ordered
                        {
                            if (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
                                /* The first failed block in block order ends the
                                 * output there (its error is the one reported). */
                                if (err[t]) {
                                    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
                                } else {
                                    int r = k->emit(states[t], &qs[tasks[i].sti], eout);
                                    if (r < 0) {
                                        err[t] = r;
                                        err_task[t] = i;
                                        snprintf(err_msg[t], sizeof err_msg[t], "%s", ws_last_error());
                                        __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
                                    } else if (r > 0) {
                                        stop_at = i; /* enough rows: later blocks' errors do not matter */
                                        __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
                                    }
                                }
                            }
                        }
                    }
                } else {
#pragma omp for schedule(dynamic, 1)
                    for (size_t i = 0; i < ntasks; i++) SCAN_TASK(i);
                }
            }
            if (dord) {
                int failed = 0;
                for (int t = 0; t < nt; t++) failed |= err[t] != 0 && err_task[t] <= stop_at;
                int more = ws_ostream_round(&os, round, has, failed);
                if (more < 0) {
                    rc = more;
                    break;
                }
                if (more || failed) break;
                lo = hi;
            }
            } /* rounds */
#undef SCAN_TASK
            /* The scan's threads are done for this request (one pass): end
             * them, as libgomp's idle threads would otherwise spin (burn a
             * core) for a while waiting for another region, while this
             * thread merges and writes the result. perf: 9% of tf's CPU on
             * Reuters x10 with 2 threads. A later region starts new ones. */
            if (!k->next_pass && nt > 1) omp_pause_resource_all(omp_pause_soft);
            if (shown) ws_sc_report(o, t0, ntasks, ntasks, done_tokens, 1);
            /* The error of the earliest block wins. */
            int first = -1;
            for (int t = 0; t < nt; t++)
                if (err[t] && err_task[t] <= stop_at && (first < 0 || err_task[t] < err_task[first])) first = t;
            if (rc) {
                /* the ordered gather failed (its error stands) */
            } else if (first >= 0 && o->dist)
                rc = ws_error(err[first], "shard %s: %s", st[tasks[err_task[first]].sti]->dir,
                              err_msg[first][0] ? err_msg[first] : ws_strerror(err[first]));
            else if (first >= 0)
                rc = ws_error(err[first], "%s", err_msg[first][0] ? err_msg[first] : ws_strerror(err[first]));
        }
        stats->stories = stats->tokens = 0;
        for (int t = 0; rows && toks && t < nt; t++) {
            stats->stories += rows[t];
            stats->tokens += toks[t];
        }
        q->nstories = stats->stories;
        for (int t = 1; t < nt && !rc; t++) rc = k->merge(states[0], states[t], q);
        /* Across ranks: every rank gets here, failed or not, so that no
         * rank waits for one that gave up. */
        if (o->dist) {
            if (k->exchange) { /* collective, when every rank's scan succeeded */
                int bad = rc != 0, arc = o->dist->max_int(o->dist->ctx, &bad);
                if (!rc && arc) rc = arc;
                if (!rc && !bad) rc = k->exchange(states[0], q, o->dist);
            }
            rc = ws_sc_dist_merge(o->dist, k, q, states ? states[0] : NULL, rc, stats);
            dist_done = 1;
        }
        if (rc || !k->next_pass) break;
        int more = 0;
        if (o->dist) {
            rc = ws_dist_next_pass(o->dist, k, q, &states[0], pass, &more);
            dist_done = rc != 0 || more == 0;
        } else {
            more = k->next_pass(states[0], q, pass);
            if (more < 0) rc = more;
        }
        if (rc || more <= 0) break;
    }
    if (dord) ws_ostream_close(&os);
    /* Only rank 0 makes the table. */
    int remote = 0;
    if (o->dist) {
        if (!dist_done && k->exchange) { /* the others are at the exchange's first step */
            int bad = rc != 0, arc = o->dist->max_int(o->dist->ctx, &bad);
            if (!rc && arc) rc = arc;
            if (!rc && !bad) rc = k->exchange(states[0], q, o->dist);
        }
        if (!dist_done) rc = ws_sc_dist_merge(o->dist, k, q, states ? states[0] : NULL, rc, stats);
        remote = o->dist->rank != 0;
    }
    if (!rc && !remote) rc = k->finish(states[0], q, out);
    if (!rc) rc = ws_table_close(out);
    for (int t = 0; t < nt; t++) {
        if (states && states[t]) k->free(states[t]);
        if (blocks) ws_block_free(&blocks[t]);
        if (sel) ws_buf_free(&sel[t]);
    }
    for (size_t s = 0; sf && cf && s < nseg; s++)
        for (uint32_t i = 0; i < nf; i++) ws_sc_sfilter_free(&sf[s * nf + i], cf[i].ntags);
    for (uint32_t i = 0; cf && i < nf; i++) ws_sc_cfilter_free(&cf[i]);
    ws_free(cf);
    ws_free(sf);
    ws_free(segmask);
    ws_free(segbase);
    for (size_t j = 0; irows && j < nst; j++) ws_free(irows[j]);
    ws_free(irows);
    ws_free(segloc);
    ws_free(views);
    ws_free(qs);
    ws_free(tasks);
    ws_free(states);
    ws_free(blocks);
    ws_free(sel);
    ws_free(err);
    ws_free(err_task);
    ws_free(err_msg);
    ws_free(rows);
    ws_free(toks);
    return rc;
}

/* ---- several kernels over one scan ---- */

int ws_filter_check(const ws_store *const *st, size_t nst, const ws_filter *f, const ws_norm *norm)
{
    cfilter c;
    int rc = ws_sc_compile_filter(&c, f, st, nst, norm);
    ws_sc_cfilter_free(&c);
    return rc;
}

int ws_scan_shareable(const ws_kernel *k)
{
    return !(k->flags & WS_KF_ORDERED) && !k->next_pass && !k->late_columns;
}
