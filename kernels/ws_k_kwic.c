/*
 * Keyword in context (kwic): every occurrence of a word, a pattern over
 * the dictionary or a phrase (ws_termspec.h), with the original text of
 * --window tokens on each side. Columns: id, date, source, position (the
 * match's 0-based token offset in its story, title then body), left,
 * match, right.
 *
 * How it reads little. Matching looks only at the token ids (a table over
 * the normalised vocabulary says which ids can start a match), so most
 * blocks of a rare term's scan are decided without their text, and the
 * ids themselves are decoded only for the stories that can hold a match
 * (those with a story posting of a term that can start one: the codes of
 * the others are counted over, not expanded, and the token chunk is
 * decompressed only up to the last of them where that ends early); the id
 * column is the kernel's late column (ws_kernel.h), and the title and body
 * chunks are read, undecoded, only for blocks that hold a match. A matching
 * story's title and body are rebuilt from their token ids and stored gaps,
 * which gives each token's bytes (a field stored raw is tokenized again by
 * the ingest tokenizer, so the k-th token found is the k-th stored id);
 * context spans from the
 * first to the last byte of its tokens, across the title/body boundary
 * (joined by one space), with every run of white space (space, tab, LF,
 * CR, FF, VT) shown as one space. The text is the stored text in NFKC
 * (byte for byte what was ingested unless it held compatibility forms).
 *
 * Order and streaming. By default rows come in store order (story, then
 * position, then the order of the options) and stream: the kernel is
 * WS_KF_ORDERED, so the engine hands each block's rows to the table in
 * block order while other threads decode the next blocks; --limit N stops
 * the scan once N rows are out. --sort left|right (by the normalised
 * context words nearest the match, then store order) and --sample N (the N
 * matches with the smallest hash of seed and place, shown in store order)
 * need every candidate: each thread keeps only the best --limit (sorting)
 * or N (sampling) rows, so memory follows those numbers, not the corpus;
 * a sort without --limit holds all matches. Every order is total, so the
 * output is the same for any thread count.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ws_codec.h"
#include "ws_kernel.h"
#include "ws_termidx.h"
#include "ws_termspec.h"

#define KW_MAX_SPECS 64
#define KW_MAX_WINDOW 100

enum { SORT_STORE, SORT_LEFT, SORT_RIGHT };

typedef struct kw_seg {
    const ws_segment *seg;
    const ws_dict *dict;
    const uint64_t *rows; /* its store's rows that hold a term that can start a match (NULL: unknown) */
    uint64_t rowbase;     /* the store's row number of the segment's first row */
} kw_seg;

typedef struct kw_plan {
    ws_termspec specs[KW_MAX_SPECS];
    uint32_t nspecs;
    uint8_t *first; /* per normalised id: 1 when some spec's first slot holds it */
    uint32_t nterms;
    uint32_t window;
    uint64_t limit, sample, seed;
    int sort;
    kw_seg *segs;
    uint32_t nsegs;
    uint64_t **rowbits; /* per store (story postings), owned */
    size_t nstores;
    uint64_t matches; /* set by done from the merged state */
} kw_plan;

/* A match found in the ids, waiting for its text. */
typedef struct kw_match {
    uint32_t row, pos, len, spec;
    uint64_t hash;
} kw_match;

typedef struct kw_row {
    uint32_t seg, block, row, pos, spec;
    uint64_t hash;
    int64_t date;
    char *blob; /* id, source, left, match, right, sort key */
    uint32_t len[6];
} kw_row;

typedef struct kw_state {
    const kw_plan *pl;
    kw_match *pend;
    size_t npend, cappend;
    kw_row *rows;
    size_t nrows, caprows;
    uint64_t matches;
    uint64_t thr;    /* sampling: the K-th smallest hash after the last prune */
    uint32_t segord; /* of the block being consumed */
    ws_tokenizer *tk;
    ws_buf title, body, spans, blob, key;
    ws_buf comp, raw[2]; /* the block's title and body chunks, undecoded text */
    /* The block's token ids (ids): b->ids when the scan decoded them (a
     * --containing filter), else decoded here from the chunk (tokraw),
     * only for the rows that can hold a match (want) when they are few. */
    const uint32_t *ids;
    ws_buf tokraw, tokids, tokdict, want;
} kw_state;

static const ws_param_info kwic_params[] = {
    {"term", WS_PARAM_LIST, NULL, "T",
     "a word (repeatable), normalised like the corpus (case folding unless --case,\n"
     "--stem); 'opec*' is a pattern and 'crude oil' a phrase, as with --glob and --phrase",
     NULL, 0, 0, 0, NULL},
    {"phrase", WS_PARAM_LIST, NULL, "P", "a sequence of words, e.g. \"crude oil\" (at most 8 tokens; repeatable)", NULL, 0,
     0, 0, NULL},
    {"glob", WS_PARAM_LIST, NULL, "PAT",
     "a pattern over the dictionary: * any run of characters, ? one character,\n"
     "e.g. 'opec*' (repeatable)", NULL, 0, 0, 0, NULL},
    {"window", WS_PARAM_INT, "5", "N", "tokens of context on each side (default 5, at most 100)", NULL, 0, KW_MAX_WINDOW, 0,
     NULL},
    {"limit", WS_PARAM_INT, "0", "N", "at most N rows (default 0: all)", NULL, 0, INT64_MAX, 0, NULL},
    {"sample", WS_PARAM_INT, "0", "N", "N matches drawn at random (by --seed), shown in store order", NULL, 0, INT64_MAX, 0,
     NULL},
    {"seed", WS_PARAM_INT, "1", "S", "the seed of --sample (default 1): the same seed, the same sample", NULL, 0, INT64_MAX,
     0, NULL},
    {"sort", WS_PARAM_CHOICE, "store", "S",
     "store (default: story, then position), left or right: by the context words\n"
     "nearest the match (normalised), then store order",
     "store|left|right", 0, 0, 0, NULL},
};

static void kw_release(void *v)
{
    kw_plan *pl = v;
    if (!pl) return;
    for (uint32_t i = 0; i < pl->nspecs; i++) ws_termspec_free(&pl->specs[i]);
    ws_free(pl->first);
    ws_free(pl->segs);
    for (size_t k = 0; pl->rowbits && k < pl->nstores; k++) ws_free(pl->rowbits[k]);
    ws_free(pl->rowbits);
    ws_free(pl);
}

static int add_specs(kw_plan *pl, const ws_plan *plan, ws_tokenizer *tk, const ws_params *p, const char *name,
                     ws_termspec_kind kind)
{
    size_t n;
    const char *const *v = ws_params_list(p, name, &n);
    char opt[32];
    snprintf(opt, sizeof opt, "--%s", name);
    for (size_t i = 0; i < n; i++) {
        if (pl->nspecs == KW_MAX_SPECS) return ws_error(WS_EINVAL, "at most %d --term, --phrase and --glob in all", KW_MAX_SPECS);
        ws_termspec *s = &pl->specs[pl->nspecs];
        int rc = ws_termspec_parse(plan->norm, tk, opt, v[i], kind, s);
        if (rc) return rc;
        pl->nspecs++;
        if (ws_termspec_empty(s))
            ws_plan_note(plan, "%s '%s' %s", opt, v[i],
                         s->pattern ? "matches no term of the dictionary" : "does not occur in the store");
    }
    return 0;
}

static int kept_back(const kw_plan *pl);

/* With story postings (a version 2 term index): the rows of store k that
 * hold a term that can start a match; the others are not looked at. */
static int story_rows(kw_plan *pl, const ws_plan *plan, size_t k)
{
    const ws_store *st = plan->stores[k];
    int lrc = ws_store_load_index(st);
    if (lrc) return lrc;
    ws_termidx *x = st->tidx;
    if (!x || x->version < 2 || k >= plan->norm->ndicts) return 0;
    const ws_norm_dict *nd = &plan->norm->dicts[k];
    uint64_t *bfirst = ws_termidx_block_firsts(x, st->segs, st->nsegs);
    if (!bfirst) return ws_error(WS_ENOMEM, "out of memory");
    size_t nw = (size_t)(bfirst[x->nblocks] / 64 + 1);
    uint64_t *bits = ws_calloc(nw, 8);
    ws_buf tmp = {0};
    int rc = bits ? 0 : ws_error(WS_ENOMEM, "out of memory");
    const uint32_t nt = x->nterms < nd->nsrc ? x->nterms : nd->nsrc;
    for (uint32_t id = 0; id < nt && !rc; id++)
        if (nd->key[id] < pl->nterms && pl->first[nd->key[id]]) rc = ws_termidx_mark_rows(x, id, bfirst, bits, &tmp);
    ws_free(bfirst);
    ws_buf_free(&tmp);
    if (rc) {
        ws_free(bits);
        return rc;
    }
    pl->rowbits[k] = bits;
    return 0;
}

static int kw_prepare(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext)
{
    *ext = NULL;
    kw_plan *pl = ws_calloc(1, sizeof *pl);
    if (!pl) return ws_error(WS_ENOMEM, "out of memory");
    *ext = pl;
    pl->window = (uint32_t)ws_params_int(p, "window");
    pl->limit = (uint64_t)ws_params_int(p, "limit");
    pl->sample = (uint64_t)ws_params_int(p, "sample");
    pl->seed = (uint64_t)ws_params_int(p, "seed");
    const char *sort = ws_params_text(p, "sort");
    pl->sort = !strcmp(sort, "left") ? SORT_LEFT : !strcmp(sort, "right") ? SORT_RIGHT : SORT_STORE;
    ws_tokenizer *tk = ws_tokenizer_create();
    if (!tk) return ws_error(WS_ENOMEM, "out of memory");
    int rc = add_specs(pl, plan, tk, p, "term", WS_TS_AUTO);
    if (!rc) rc = add_specs(pl, plan, tk, p, "phrase", WS_TS_PHRASE);
    if (!rc) rc = add_specs(pl, plan, tk, p, "glob", WS_TS_GLOB);
    ws_tokenizer_free(tk);
    if (rc) return rc;
    if (!pl->nspecs) return ws_error(WS_EINVAL, "nothing to look for: give --term, --phrase or --glob");
    pl->nterms = plan->norm->terms.nterms;
    if (!(pl->first = ws_calloc((size_t)pl->nterms + 1, 1))) return ws_error(WS_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < pl->nspecs; i++) {
        if (ws_termspec_empty(&pl->specs[i])) continue;
        for (uint32_t k = 0; k < pl->specs[i].slot[0].n; k++) pl->first[pl->specs[i].slot[0].ids[k]] = 1;
    }
    for (size_t k = 0; k < plan->nstores; k++) pl->nsegs += plan->stores[k]->nsegs;
    if (!(pl->segs = ws_calloc((size_t)pl->nsegs + 1, sizeof *pl->segs))) return ws_error(WS_ENOMEM, "out of memory");
    if (!(pl->rowbits = ws_calloc(plan->nstores + 1, sizeof *pl->rowbits))) return ws_error(WS_ENOMEM, "out of memory");
    pl->nstores = plan->nstores;
    for (size_t k = 0, j = 0; k < plan->nstores; k++) {
        if ((rc = story_rows(pl, plan, k))) return rc;
        uint64_t base = 0;
        for (uint32_t i = 0; i < plan->stores[k]->nsegs; i++, j++) {
            pl->segs[j] = (kw_seg){plan->stores[k]->segs[i], &plan->stores[k]->dict, pl->rowbits[k], base};
            base += plan->stores[k]->segs[i]->nrows;
        }
    }
    q->ext = pl;
    if (!kept_back(pl)) q->row_limit = pl->limit; /* across ranks, rank 0 stops there */
    return 0;
}

static void kw_done(void *ext, const ws_plan *plan, const ws_query *q)
{
    const kw_plan *pl = ext;
    (void)q;
    if (pl && !pl->matches) ws_plan_note(plan, "no match: the result has only its header");
}

static void kw_free(void *v)
{
    kw_state *s = v;
    if (!s) return;
    for (size_t i = 0; i < s->nrows; i++) ws_free(s->rows[i].blob);
    ws_free(s->rows);
    ws_free(s->pend);
    ws_tokenizer_free(s->tk);
    ws_buf_free(&s->title);
    ws_buf_free(&s->body);
    ws_buf_free(&s->comp);
    ws_buf_free(&s->raw[0]);
    ws_buf_free(&s->raw[1]);
    ws_buf_free(&s->tokraw);
    ws_buf_free(&s->tokids);
    ws_buf_free(&s->tokdict);
    ws_buf_free(&s->want);
    ws_buf_free(&s->spans);
    ws_buf_free(&s->blob);
    ws_buf_free(&s->key);
    ws_free(s);
}

static void *kw_init(const ws_query *q)
{
    kw_state *s = ws_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->pl = q->ext;
    s->thr = UINT64_MAX;
    /* the stored text is split again here: by the store's rule, so that
     * token positions match its ids */
    if (!(s->tk = ws_tokenizer_create()) || ws_tokenizer_set_segmentation(s->tk, q->norm->seg)) {
        kw_free(s);
        return NULL;
    }
    return s;
}

/* ---- orders ---- */

static int loc_cmp(const kw_row *a, const kw_row *b)
{
#define C(f)                                                                                                           \
    if (a->f != b->f) return a->f < b->f ? -1 : 1
    C(seg);
    C(block);
    C(row);
    C(pos);
    C(spec);
#undef C
    return 0;
}

static int cmp_loc(const void *x, const void *y) { return loc_cmp(x, y); }

static int cmp_key(const void *x, const void *y)
{
    const kw_row *a = x, *b = y;
    const char *ka = a->blob + a->len[0] + a->len[1] + a->len[2] + a->len[3] + a->len[4];
    const char *kb = b->blob + b->len[0] + b->len[1] + b->len[2] + b->len[3] + b->len[4];
    size_t n = a->len[5] < b->len[5] ? a->len[5] : b->len[5];
    int c = memcmp(ka, kb, n);
    if (c) return c;
    if (a->len[5] != b->len[5]) return a->len[5] < b->len[5] ? -1 : 1;
    return loc_cmp(a, b);
}

static int cmp_hash(const void *x, const void *y)
{
    const kw_row *a = x, *b = y;
    if (a->hash != b->hash) return a->hash < b->hash ? -1 : 1;
    return loc_cmp(a, b);
}

/* Rows are kept back (not streamed) when sorting or sampling. */
static int kept_back(const kw_plan *pl) { return pl->sort != SORT_STORE || pl->sample; }

/* Keep the best K rows (sampling: smallest hash; sorting with a limit:
 * first in sort order) once twice as many are held. */
static void prune(kw_state *s, int force)
{
    const kw_plan *pl = s->pl;
    uint64_t k = pl->sample ? pl->sample : pl->sort != SORT_STORE ? pl->limit : 0;
    if (!k || s->nrows <= k || (!force && s->nrows < 2 * k)) return;
    qsort(s->rows, s->nrows, sizeof *s->rows, pl->sample ? cmp_hash : cmp_key);
    for (size_t i = (size_t)k; i < s->nrows; i++) ws_free(s->rows[i].blob);
    s->nrows = (size_t)k;
    if (pl->sample) s->thr = s->rows[k - 1].hash;
}

/* ---- matching ---- */

static uint64_t place_hash(uint64_t seed, uint32_t seg, uint32_t block, uint32_t row, uint32_t pos, uint32_t spec)
{
    uint32_t v[7] = {(uint32_t)seed, (uint32_t)(seed >> 32), seg, block, row, pos, spec};
    return ws_hash64(v, sizeof v);
}

typedef struct kw_need {
    const ws_block *b;
    const uint8_t *want;
} kw_need;

static size_t kw_rows_need(void *ctx, const uint8_t *raw, size_t have)
{
    const kw_need *k = ctx;
    return ws_tok2_rows_need(raw, have, k->b->ntokens, k->b->meta.tok_off, k->b->nrows, k->want);
}

/* Token ids of the rows with want[r] (nwant of them) into s->ids: only
 * theirs (ws_tok2_decode_rows), from the chunk decompressed up to the
 * last of them, when they are under a quarter of the block's rows, else
 * all of them. */
static int block_ids(kw_state *s, const ws_block *b, const uint8_t *want, uint32_t nwant)
{
    const ws_segment *seg = b->seg;
    s->ids = NULL;
    if (!nwant) return 0;
    const int two = seg->cols[WS_C_TOKIDS].type == WS_COL_TOKIDS2, few = two && (uint64_t)nwant * 4 < b->nrows;
    kw_need nd = {b, want};
    /* a prefix (streamed) when the last wanted row ends before the last
     * quarter of the block (as ws_block_load_rows judges) */
    uint32_t last = b->nrows;
    while (last > 0 && !want[last - 1]) last--;
    int rc = few && b->meta.tok_off[last] * 4 < b->ntokens * 3
                 ? ws_segment_read_chunk_prefix(seg, b->index, WS_C_TOKIDS, &s->comp, &s->tokraw, kw_rows_need, &nd)
                 : ws_segment_read_chunk(seg, b->index, WS_C_TOKIDS, &s->comp, &s->tokraw);
    if (!rc) rc = ws_buf_reserve(&s->tokids, (size_t)b->ntokens * 4 + 4);
    if (rc) return rc;
    uint32_t *ids = (uint32_t *)(void *)s->tokids.p;
    const uint8_t *p = s->tokraw.p;
    size_t n = s->tokraw.n;
    if (!two) rc = ws_col_decode_tokids(p, n, b->ntokens, seg->dict_terms, ids);
    else if (few)
        rc = ws_tok2_decode_rows(p, seg->blocks[b->index].chunks[WS_C_TOKIDS].raw_size, n, b->ntokens, seg->dict_terms,
                                 &s->tokdict, b->meta.tok_off, b->nrows, want, ids);
    else rc = ws_tok2_decode(p, n, b->ntokens, seg->dict_terms, &s->tokdict, ids);
    if (rc == WS_ECORRUPT && strstr(ws_last_error(), "column data:") == ws_last_error()) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", ws_last_error() + 13);
        return ws_error(rc, "%s: block %u column %s: %s", seg->path, b->index, seg->cols[WS_C_TOKIDS].name, msg);
    }
    if (!rc) s->ids = ids;
    return rc;
}

static int kw_consume(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    kw_state *s = state;
    const kw_plan *pl = s->pl;
    s->npend = 0;
    uint32_t so = 0;
    while (so < pl->nsegs && pl->segs[so].seg != b->seg) so++;
    s->segord = so;
    /* The sample's threshold: once K rows are held (after a prune), only
     * smaller hashes can enter. */
    uint64_t thr = s->thr;
    const uint64_t *rb = pl->segs[so].rows, r0 = rb ? pl->segs[so].rowbase + b->seg->blocks[b->index].first_row : 0;
    if (b->loaded & WS_COLBIT(WS_C_TOKIDS)) {
        s->ids = b->ids;
    } else { /* the rows that can hold a match: selected, with a posting of a first term */
        int rc = ws_buf_reserve(&s->want, (size_t)b->nrows + 1);
        if (rc) return rc;
        uint8_t *want = s->want.p;
        uint32_t nwant = 0;
        for (uint32_t r = 0; r < b->nrows; r++)
            nwant += want[r] = (uint8_t)(sel[r] && (!rb || ((rb[(r0 + r) / 64] >> ((r0 + r) % 64)) & 1)));
        if ((rc = block_ids(s, b, want, nwant))) return rc;
        if (!nwant) return 0;
    }
    const uint32_t *key = q->norm->key, *ids = s->ids;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        if (rb && !((rb[(r0 + r) / 64] >> ((r0 + r) % 64)) & 1)) continue; /* no term that starts a match */
        uint64_t lo, hi, base = b->meta.tok_off[r];
        ws_query_span(q, b, r, &lo, &hi);
        for (uint64_t t = lo; t < hi; t++) {
            if (!pl->first[key[ids[t]]]) continue;
            for (uint32_t i = 0; i < pl->nspecs; i++) {
                const ws_termspec *sp = &pl->specs[i];
                if (t + sp->nslots > hi) continue;
                uint32_t j = 0;
                while (j < sp->nslots && ws_termslot_has(&sp->slot[j], key[ids[t + j]])) j++;
                if (j < sp->nslots) continue;
                s->matches++;
                kw_match m = {r, (uint32_t)(t - base), sp->nslots, i, 0};
                if (pl->sample) {
                    m.hash = place_hash(pl->seed, so, b->index, r, m.pos, i);
                    if (m.hash > thr) continue;
                }
                if (s->npend == s->cappend) {
                    size_t nc = s->cappend ? s->cappend * 2 : 64;
                    kw_match *g = ws_realloc(s->pend, nc * sizeof *g);
                    if (!g) return ws_error(WS_ENOMEM, "out of memory for kwic matches");
                    s->pend = g;
                    s->cappend = nc;
                }
                s->pend[s->npend++] = m;
            }
        }
    }
    return 0;
}

static int kw_wants_late(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    (void)q, (void)b, (void)sel;
    return ((kw_state *)state)->npend > 0;
}

/* ---- rendering ---- */

typedef struct span {
    uint32_t off, len;
} span;

/* One story's text and the byte span of each of its tokens. */
typedef struct row_text {
    const char *text[2]; /* title, body */
    const span *tok;     /* ntok spans: the first ntitle in the title */
    uint32_t ntok, ntitle;
} row_text;

static int is_ws(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Append p[0..n) with every run of white space as one space. */
static int put_collapsed(ws_buf *out, const char *p, size_t n)
{
    int rc = ws_buf_reserve(out, n + 1);
    if (rc) return rc;
    for (size_t i = 0; i < n;) {
        if (is_ws((unsigned char)p[i])) {
            out->p[out->n++] = ' ';
            while (i < n && is_ws((unsigned char)p[i])) i++;
        } else {
            out->p[out->n++] = (uint8_t)p[i++];
        }
    }
    return 0;
}

/* The text of tokens [a, e) of the story. */
static int put_range(ws_buf *out, const row_text *rt, uint32_t a, uint32_t e)
{
    int rc = 0;
    if (a >= e) return 0;
    if (a < rt->ntitle) {
        uint32_t last = (e < rt->ntitle ? e : rt->ntitle) - 1;
        rc = put_collapsed(out, rt->text[0] + rt->tok[a].off, rt->tok[last].off + rt->tok[last].len - rt->tok[a].off);
        if (rc || e <= rt->ntitle) return rc;
        if ((rc = ws_buf_append(out, " ", 1))) return rc;
        a = rt->ntitle;
    }
    return put_collapsed(out, rt->text[1] + rt->tok[a].off, rt->tok[e - 1].off + rt->tok[e - 1].len - rt->tok[a].off);
}

/* Tokenize field f of the story (text t) and append its token spans. */
static int field_spans(kw_state *s, ws_str t, uint32_t *ntok, const char **text, int copy)
{
    ws_tokens tk;
    int rc = ws_tokenize(s->tk, t.p, t.n, &tk);
    if (rc) return rc;
    if ((rc = ws_buf_reserve(&s->spans, tk.ntok * sizeof(span)))) return rc;
    span *sp = (span *)(void *)(s->spans.p + s->spans.n);
    for (size_t i = 0; i < tk.ntok; i++) sp[i] = (span){tk.tok[i].off, tk.tok[i].len};
    s->spans.n += tk.ntok * sizeof(span);
    *ntok = (uint32_t)tk.ntok;
    *text = tk.text;
    if (copy) { /* the title's text: the body's tokenizing reuses the tokenizer */
        s->title.n = 0;
        if ((rc = ws_buf_append(&s->title, tk.text, tk.text_len))) return rc;
        *text = (const char *)s->title.p;
    }
    return 0;
}

/* The story's text from the dictionary, words joined by spaces, when the
 * stored text does not tokenize into its stored ids (it always should). */
static int dict_text(kw_state *s, const ws_dict *d, const ws_block *b, uint32_t r, row_text *rt)
{
    uint64_t base = b->meta.tok_off[r];
    rt->ntok = (uint32_t)(b->meta.tok_off[r + 1] - base);
    rt->ntitle = b->meta.ntitle[r];
    s->title.n = s->spans.n = 0;
    int rc = ws_buf_reserve(&s->spans, (size_t)rt->ntok * sizeof(span));
    if (rc) return rc;
    span *sp = (span *)(void *)s->spans.p;
    for (uint32_t k = 0; k < rt->ntok && !rc; k++) {
        ws_str w = ws_dict_term(d, s->ids[base + k]);
        if (s->title.n && (rc = ws_buf_append(&s->title, " ", 1))) break;
        sp[k] = (span){(uint32_t)s->title.n, (uint32_t)w.n};
        rc = ws_buf_append(&s->title, w.p, w.n);
    }
    /* Both fields in one buffer: their offsets are into the same text. */
    rt->text[0] = rt->text[1] = (const char *)s->title.p;
    rt->tok = sp;
    return rc;
}

static int render(kw_state *s, const ws_query *q, const ws_block *b, const kw_match *m, const row_text *rt)
{
    const kw_plan *pl = s->pl;
    ws_buf *o = &s->blob;
    o->n = 0;
    uint32_t len[6];
    ws_str id = ws_strings_get(&b->id, m->row);
    ws_str src = b->seg->cols[WS_C_SOURCE].values[b->source[m->row]];
    int rc = ws_buf_append(o, id.p, id.n);
    len[0] = (uint32_t)id.n;
    if (!rc) rc = ws_buf_append(o, src.p, src.n);
    len[1] = (uint32_t)src.n;
    uint32_t a = m->pos > pl->window ? m->pos - pl->window : 0, e = m->pos + m->len;
    uint32_t z = rt->ntok - e > pl->window ? e + pl->window : rt->ntok;
    size_t mark = o->n;
    if (!rc) rc = put_range(o, rt, a, m->pos);
    len[2] = (uint32_t)(o->n - mark), mark = o->n;
    if (!rc) rc = put_range(o, rt, m->pos, e);
    len[3] = (uint32_t)(o->n - mark), mark = o->n;
    if (!rc) rc = put_range(o, rt, e, z);
    len[4] = (uint32_t)(o->n - mark), mark = o->n;
    if (!rc && pl->sort != SORT_STORE) {
        /* The sort key: the context words nearest the match, normalised,
         * each followed by 0x01 (below every byte of a term). */
        uint64_t base = b->meta.tok_off[m->row];
        for (uint32_t k = 0; k < pl->window && !rc; k++) {
            uint32_t t;
            if (pl->sort == SORT_LEFT) {
                if (k >= m->pos) break;
                t = m->pos - 1 - k;
            } else {
                if (e + k >= rt->ntok) break;
                t = e + k;
            }
            ws_str w = ws_norm_term(q->norm, q->norm->key[s->ids[base + t]]);
            rc = ws_buf_append(o, w.p, w.n);
            if (!rc) rc = ws_buf_append(o, "\x01", 1);
        }
    }
    len[5] = (uint32_t)(o->n - mark);
    if (rc) return rc;
    if (s->nrows == s->caprows) {
        size_t nc = s->caprows ? s->caprows * 2 : 64;
        kw_row *g = ws_realloc(s->rows, nc * sizeof *g);
        if (!g) return ws_error(WS_ENOMEM, "out of memory for kwic rows");
        s->rows = g;
        s->caprows = nc;
    }
    kw_row *row = &s->rows[s->nrows];
    if (!(row->blob = ws_malloc(o->n + 1))) return ws_error(WS_ENOMEM, "out of memory for kwic rows");
    memcpy(row->blob, o->p, o->n);
    memcpy(row->len, len, sizeof len);
    row->seg = s->segord;
    row->block = b->index;
    row->row = m->row;
    row->pos = m->pos;
    row->spec = m->spec;
    row->hash = m->hash;
    row->date = b->dates[m->row];
    s->nrows++;
    return 0;
}

/* ---- the text of matching stories only ----
 *
 * The title and body chunks are read undecoded (zstd-decompressed only):
 * rebuilding a whole block's text (ws_col_decode_text) to show a few
 * stories cost most of a kwic run. Rows without a match are skipped by
 * walking their codes; a matching row in gap form (TEXT mode 1, the usual
 * one) is rebuilt from its ids and gaps, which gives every token's bytes
 * without tokenizing again; a row stored raw (mode 0) is tokenized as
 * before. */

static int text_bad(const ws_block *b, int f, const char *what)
{
    return ws_error(WS_ECORRUPT, "%s: block %u column %s: %s", b->seg->path, b->index, f ? "body" : "title", what);
}

/* Tokens of field f of row r (title: the first ntitle of the row). */
static uint64_t field_ntok(const ws_block *b, int f, uint32_t r)
{
    uint64_t all = b->meta.tok_off[r + 1] - b->meta.tok_off[r];
    return f ? all - b->meta.ntitle[r] : b->meta.ntitle[r];
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WS_KW_LE 1
#else
#define WS_KW_LE 0
#endif

/* Step *pp over one row of field f. */
static int text_skip(const ws_block *b, int f, uint32_t r, const uint8_t **pp, const uint8_t *end)
{
    uint64_t mode, n;
    if (ws_varint_get(pp, end, &mode) || mode > WS_TEXT_GAPS) return text_bad(b, f, "text mode");
    if (mode == WS_TEXT_RAW) {
        if (ws_varint_get(pp, end, &n) || n > (uint64_t)(end - *pp)) return text_bad(b, f, "text length");
        *pp += n;
        return 0;
    }
    const uint8_t *p = *pp;
    const uint64_t ones = 0x0101010101010101ull, low7 = 0x7F7F7F7F7F7F7F7Full;
    for (uint64_t t = 0, nt = field_ntok(b, f, r); t <= nt; t++) {
        uint64_t code;
        /* Runs of codes 0 and 1 (one space, nothing: no bytes follow) are
         * stepped over 8 at a time: y has a non-zero byte exactly where a
         * code is above 1, and hi marks those bytes' top bits. perf: the
         * step over unmatched stories was over a quarter of kwic's CPU. */
        while (WS_KW_LE && nt - t >= 8 && end - p >= 8) {
            uint64_t x, y, hi;
            memcpy(&x, p, 8);
            y = x & ~ones;
            hi = (((y & low7) + low7) | y) & ~low7;
            if (!hi) {
                p += 8;
                t += 8;
                continue;
            }
            unsigned run = (unsigned)__builtin_ctzll(hi) / 8; /* little-endian: the first byte is the lowest */
            p += run;
            t += run;
            break;
        }
        if (WS_LIKELY(p < end && *p < 0x80)) { /* one-byte codes: nearly all */
            code = *p++;
        } else {
            *pp = p;
            if (ws_varint_get(pp, end, &code)) return text_bad(b, f, "text gap");
            p = *pp;
        }
        if (code > 1) {
            if (code - 1 > (uint64_t)(end - p)) return text_bad(b, f, "text gap length");
            p += code - 1;
        }
    }
    *pp = p;
    return 0;
}

/* Row r of field f at *pp: its text and token spans (appended to s->spans);
 * *ntok is the tokens found. */
static int text_row(kw_state *s, const ws_dict *d, const ws_block *b, int f, uint32_t r, const uint8_t **pp,
                    const uint8_t *end, uint32_t *ntok, const char **text)
{
    uint64_t mode, n;
    if (ws_varint_get(pp, end, &mode) || mode > WS_TEXT_GAPS) return text_bad(b, f, "text mode");
    if (mode == WS_TEXT_RAW) {
        if (ws_varint_get(pp, end, &n) || n > (uint64_t)(end - *pp)) return text_bad(b, f, "text length");
        ws_str t = ws_str_make((const char *)*pp, (size_t)n);
        *pp += n;
        return field_spans(s, t, ntok, text, !f);
    }
    ws_buf *o = f ? &s->body : &s->title;
    o->n = 0;
    uint64_t nt = field_ntok(b, f, r), first = b->meta.tok_off[r] + (f ? b->meta.ntitle[r] : 0);
    int rc = ws_buf_reserve(&s->spans, (size_t)nt * sizeof(span));
    if (rc) return rc;
    span *sp = (span *)(void *)(s->spans.p + s->spans.n);
    for (uint64_t t = 0;; t++) {
        uint64_t code;
        if (ws_varint_get(pp, end, &code)) return text_bad(b, f, "text gap");
        if (code == 0) rc = ws_buf_append(o, " ", 1);
        else if (code > 1) {
            if (code - 1 > (uint64_t)(end - *pp)) return text_bad(b, f, "text gap length");
            rc = ws_buf_append(o, *pp, (size_t)(code - 1));
            *pp += code - 1;
        }
        if (rc) return rc;
        if (t == nt) break;
        uint32_t id = s->ids[first + t];
        if (id >= d->nterms) return text_bad(b, f, "text term id");
        ws_str w = ws_dict_term(d, id);
        sp[t] = (span){(uint32_t)o->n, (uint32_t)w.n};
        if ((rc = ws_buf_append(o, w.p, w.n))) return rc;
    }
    s->spans.n += (size_t)nt * sizeof(span);
    *ntok = (uint32_t)nt;
    *text = (const char *)o->p;
    return 0;
}

static int kw_consume_late(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    kw_state *s = state;
    const kw_plan *pl = s->pl;
    const ws_dict *d = pl->segs[s->segord].dict;
    (void)sel;
    int rc = 0;
    const uint8_t *p[2], *end[2];
    uint32_t at[2] = {0, 0}; /* the row each field's cursor is at */
    for (int f = 0; f < 2 && !rc; f++) {
        rc = ws_segment_read_chunk(b->seg, b->index, f ? WS_C_BODY : WS_C_TITLE, &s->comp, &s->raw[f]);
        p[f] = s->raw[f].p;
        end[f] = p[f] + s->raw[f].n;
    }
    for (size_t i = 0; i < s->npend && !rc;) {
        uint32_t r = s->pend[i].row;
        row_text rt;
        s->spans.n = 0;
        uint32_t nt = 0, nb = 0;
        for (int f = 0; f < 2 && !rc; f++) {
            for (; at[f] < r && !rc; at[f]++) rc = text_skip(b, f, at[f], &p[f], end[f]);
            if (!rc) rc = text_row(s, d, b, f, r, &p[f], end[f], f ? &nb : &nt, &rt.text[f]);
            at[f]++;
        }
        if (rc) break;
        rt.tok = (const span *)(const void *)s->spans.p;
        rt.ntok = nt + nb;
        rt.ntitle = nt;
        if (nt != b->meta.ntitle[r] || rt.ntok != b->meta.tok_off[r + 1] - b->meta.tok_off[r])
            if ((rc = dict_text(s, d, b, r, &rt))) break;
        for (; i < s->npend && s->pend[i].row == r && !rc; i++) rc = render(s, q, b, &s->pend[i], &rt);
    }
    s->npend = 0;
    if (!rc && kept_back(pl)) prune(s, 0);
    return rc;
}

/* ---- output ---- */

static int kw_header(const ws_query *q, ws_table *out)
{
    (void)q;
    static const char *const names[] = {"id", "date", "source", "position", "left", "match", "right"};
    static const ws_type types[] = {WS_TYPE_TEXT, WS_TYPE_DATE, WS_TYPE_TEXT, WS_TYPE_INT64,
                                    WS_TYPE_TEXT, WS_TYPE_TEXT, WS_TYPE_TEXT};
    int rc = 0;
    for (int i = 0; i < 7 && !rc; i++) rc = ws_table_add_col(out, names[i], types[i]);
    return rc;
}

static int put_row(ws_table *out, const kw_row *r)
{
    const char *p = r->blob;
    ws_str f[5];
    for (int k = 0; k < 5; k++) {
        f[k] = ws_str_make(p, r->len[k]);
        p += r->len[k];
    }
    int rc = ws_table_text(out, f[0]);
    if (!rc) rc = r->date == WS_DATE_UNKNOWN ? ws_table_null(out) : ws_table_int(out, r->date);
    if (!rc) rc = ws_table_text(out, f[1]);
    if (!rc) rc = ws_table_int(out, r->pos);
    for (int k = 2; k < 5 && !rc; k++) rc = ws_table_text(out, f[k]);
    return rc;
}

static int kw_emit(void *state, const ws_query *q, ws_table *out)
{
    kw_state *s = state;
    const kw_plan *pl = s->pl;
    (void)q;
    if (kept_back(pl)) return 0;
    int rc = 0;
    size_t i = 0;
    for (; i < s->nrows && !rc; i++) {
        if (pl->limit && ws_table_rows(out) >= pl->limit) break;
        rc = put_row(out, &s->rows[i]);
    }
    for (size_t j = 0; j < s->nrows; j++) ws_free(s->rows[j].blob);
    s->nrows = 0;
    if (rc) return rc;
    return pl->limit && ws_table_rows(out) >= pl->limit ? 1 : 0;
}

static int kw_merge(void *into, const void *from, const ws_query *q)
{
    kw_state *a = into;
    kw_state *b = (kw_state *)(uintptr_t)from; /* its rows move */
    (void)q;
    a->matches += b->matches;
    if (b->nrows) {
        if (a->nrows + b->nrows > a->caprows) {
            size_t nc = a->nrows + b->nrows;
            kw_row *g = ws_realloc(a->rows, nc * sizeof *g);
            if (!g) return ws_error(WS_ENOMEM, "out of memory merging kwic rows");
            a->rows = g;
            a->caprows = nc;
        }
        memcpy(a->rows + a->nrows, b->rows, b->nrows * sizeof *b->rows);
        a->nrows += b->nrows;
        b->nrows = 0;
    }
    prune(a, 0);
    return 0;
}

static int kw_finish(void *state, const ws_query *q, ws_table *out)
{
    kw_state *s = state;
    kw_plan *pl = (kw_plan *)(uintptr_t)s->pl;
    (void)q;
    pl->matches = s->matches; /* for the note in done */
    if (!kept_back(pl)) return 0;
    prune(s, 1);
    qsort(s->rows, s->nrows, sizeof *s->rows, pl->sort != SORT_STORE ? cmp_key : cmp_loc);
    int rc = 0;
    for (size_t i = 0; i < s->nrows && !rc && (!pl->limit || i < pl->limit); i++) rc = put_row(out, &s->rows[i]);
    return rc;
}

/* Across ranks: the match count and the rows held back (sorting,
 * sampling); streamed rows travel in the ordered gather. */
static int kw_pack(const void *state, const ws_query *q, ws_buf *out)
{
    const kw_state *s = state;
    (void)q;
    int rc = ws_buf_reserve(out, 2 * WS_VARINT_MAX);
    if (!rc) {
        ws_buf_put_varint(out, s->matches);
        ws_buf_put_varint(out, s->nrows);
    }
    for (size_t i = 0; i < s->nrows && !rc; i++) {
        const kw_row *r = &s->rows[i];
        size_t n = 0;
        for (int k = 0; k < 6; k++) n += r->len[k];
        if ((rc = ws_buf_reserve(out, 14 * WS_VARINT_MAX + n))) break;
        const uint64_t v[] = {r->seg, r->block, r->row, r->pos, r->spec, r->hash, (uint64_t)r->date,
                              r->len[0], r->len[1], r->len[2], r->len[3], r->len[4], r->len[5]};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) ws_buf_put_varint(out, v[k]);
        memcpy(out->p + out->n, r->blob, n);
        out->n += n;
    }
    return rc ? ws_error(rc, "out of memory packing kwic rows") : 0;
}

static int kw_unpack(void *state, const ws_query *q, const uint8_t *data, size_t len)
{
    kw_state *s = state;
    (void)q;
    const uint8_t *at = data, *end = data + len;
    uint64_t matches, n;
    if (ws_varint_get(&at, end, &matches) || ws_varint_get(&at, end, &n) || n > len)
        return ws_error(WS_ECORRUPT, "kwic: a malformed state");
    s->matches = matches;
    if (n && !(s->rows = ws_calloc((size_t)n, sizeof *s->rows))) return ws_error(WS_ENOMEM, "out of memory unpacking kwic rows");
    s->caprows = (size_t)n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v[13];
        for (int k = 0; k < 13; k++)
            if (ws_varint_get(&at, end, &v[k])) return ws_error(WS_ECORRUPT, "kwic: a malformed state");
        kw_row *r = &s->rows[s->nrows];
        uint64_t bytes = 0;
        for (int k = 0; k < 6; k++) bytes += r->len[k] = (uint32_t)v[7 + k];
        if (bytes > (uint64_t)(end - at)) return ws_error(WS_ECORRUPT, "kwic: a malformed state");
        r->seg = (uint32_t)v[0], r->block = (uint32_t)v[1], r->row = (uint32_t)v[2], r->pos = (uint32_t)v[3];
        r->spec = (uint32_t)v[4], r->hash = v[5], r->date = (int64_t)v[6];
        if (!(r->blob = ws_malloc((size_t)bytes + 1))) return ws_error(WS_ENOMEM, "out of memory unpacking kwic rows");
        memcpy(r->blob, at, (size_t)bytes);
        at += bytes;
        s->nrows++;
    }
    return at == end ? 0 : ws_error(WS_ECORRUPT, "kwic: a malformed state");
}

/* Blocks without a token that can start a match yield no row: the engine
 * reads only those the term index lists for these terms. */
static const uint8_t *kw_index_terms(const ws_query *q)
{
    const kw_plan *pl = q->ext;
    return pl->first;
}

const ws_kernel ws_kernel_kwic = {
    .name = "kwic",
    .summary = "keyword in context: every occurrence of a word, pattern or phrase, with its context",
    .help = "Keyword in context as CSV: id,date,source,position,left,match,right, one row per\n"
            "occurrence of a --term, --phrase or --glob. position is the match's token offset\n"
            "(from 0) in its story, title then body; match is the matched text and left and\n"
            "right the text of --window tokens on each side, as stored (NFKC), every run of\n"
            "white space shown as one space. Matching follows the normalisation (case folded\n"
            "unless --case; --stem). Rows come in store order (story, then position) and\n"
            "stream; --sort left|right orders them by the context words nearest the match.\n"
            "A term or pattern that matches nothing gives the header alone and a note.",
    .params = kwic_params,
    .nparams = sizeof kwic_params / sizeof kwic_params[0],
    .flags = WS_KF_ORDERED | WS_KF_SELROWS,
    /* the token ids: kw_consume decodes those of the rows that can match */
    .columns = WS_COLBIT(WS_C_DATE) | WS_COLBIT(WS_C_SOURCE) | WS_COLBIT(WS_C_TOKMETA),
    /* ids only for blocks with a match; title and body are read by
     * kw_consume_late itself, for the matching rows only */
    .late_columns = WS_COLBIT(WS_C_ID),
    .wants_late = kw_wants_late,
    .consume_late = kw_consume_late,
    .header = kw_header,
    .emit = kw_emit,
    .prepare = kw_prepare,
    .done = kw_done,
    .release = kw_release,
    .init = kw_init,
    .consume = kw_consume,
    .merge = kw_merge,
    .finish = kw_finish,
    .free = kw_free,
    .pack = kw_pack,
    .unpack = kw_unpack,
    .index_terms = kw_index_terms,
};
