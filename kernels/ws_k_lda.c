/*
 * The topics kernel: latent Dirichlet allocation over the stored token ids
 * of the selected stories, after the query's normalisation (see
 * docs/topics.md). An iterative kernel, in passes over the store:
 *   pass 0: document frequencies of the normalised terms over the
 *           selection; next_pass builds the vocabulary (--min-df, --max-df)
 *           and checks K against it;
 *   pass 1: every selected story's id, date and vocabulary tokens, by
 *           block; next_pass puts the blocks in store order (threads take
 *           blocks in any order), so the corpus is the same for any
 *           thread count.
 * With --infer MODEL the vocabulary is the model's and pass 1 is the only
 * one. finish then trains the sampler (ws_lda_sample.c) on the in-memory
 * corpus, through the plan's parallel loop, or infers the stories' topics
 * with the model, and writes the main table (topic,rank,term,weight) and
 * the side tables asked for: summary, doc-topics, prevalence, model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_k_lda.h"

#define NONE UINT32_MAX

static const ws_param_info lda_params[] = {
    {"k", WS_PARAM_INT, "20", "K", "number of topics (default 20; at least 2, at most the vocabulary)", NULL, 2, 10000, 0,
     NULL},
    {"iterations", WS_PARAM_INT, "200", "N", "sampler iterations (default 200)", NULL, 1, 1000000, 0, NULL},
    {"alpha", WS_PARAM_DOUBLE, NULL, "A", "document-topic prior, symmetric (default 50/K)", NULL, 0, 0, 0, NULL},
    {"beta", WS_PARAM_DOUBLE, "0.01", "B", "topic-word prior, symmetric (default 0.01)", NULL, 0, 0, 0, NULL},
    {"optimize", WS_PARAM_FLAG, NULL, NULL,
     "re-estimate the priors every 10 iterations from the 50th (an asymmetric\n"
     "alpha, a symmetric beta; Minka's fixed point)", NULL, 0, 1, 0, NULL},
    {"seed", WS_PARAM_INT, "1", "S", "random seed (default 1); the output depends on it, never on --threads", NULL, 0,
     INT64_MAX, 0, NULL},
    {"top", WS_PARAM_INT, "10", "N", "terms per topic in the output and in coherence (default 10)", NULL, 1, 100000, 0,
     NULL},
    {"min-df", WS_PARAM_INT, "5", "N", "leave out terms in fewer than N selected stories (default 5)", NULL, 1,
     INT64_MAX, 0, NULL},
    {"max-df", WS_PARAM_DOUBLE, "0.5", "F",
     "leave out terms in more than this fraction of the selected stories\n(default 0.5)", NULL, 0, 0, 0, NULL},
    {"stopwords", WS_PARAM_LIST, "en", "L",
     "drop stop words: a bundled list (en/english, ru/russian) or a FILE, UTF-8, one\n"
     "word per line, '#' comments (repeatable: all lists together; ./en names a file).\n"
     "topics defaults to en; none: no list",
     NULL, 0, 0, 0, "normalisation"},
    {"bucket", WS_PARAM_CHOICE, "month", "B",
     "time bucket of the prevalence table and chart: day, week, month (default),\nquarter or year", "day|week|month|quarter|year",
     0, 0, 0, NULL},
    {"report", WS_PARAM_INT, "10", "N", "log-likelihood per token every N iterations (default 10; 0: never)", NULL, 0,
     1000000, 0, NULL},
    {"infer", WS_PARAM_TEXT, NULL, "MODEL",
     "no training: assign the topics of MODEL (a file written with --model) to the\nselected stories", NULL, 0, 0, 0,
     NULL},
    {"sampler", WS_PARAM_CHOICE, "sparse", "S",
     "sparse (default: SparseLDA, exact; in parallel over shards of 1M tokens),\n"
     "warp (WarpLDA's Metropolis-Hastings passes, O(1) per token, parallel) or\n"
     "gibbs (plain collapsed Gibbs, O(K) per token, one thread)",
     "sparse|warp|gibbs", 0, 0, 0, NULL},
    {"mh", WS_PARAM_INT, "2", "N", "Metropolis-Hastings steps per token and phase (warp)", NULL, 1, 3, WS_PARAM_HIDDEN,
     NULL},
};

static const char *const lda_tables[] = {"summary", "doc-topics", "prevalence", "model", NULL};

/* A block's selected stories (pass 1). */
typedef struct chunk {
    uint64_t key; /* segment ordinal << 32 | block index: store order */
    uint32_t nrows;
    uint64_t *off;    /* nrows + 1 into w */
    uint32_t *w;
    int64_t *dates;
    uint64_t *idoff;  /* nrows + 1 into ids */
    char *ids;
} chunk;

typedef struct lda_ext {
    struct lda_ext *self; /* the hooks get it as const void *; next_pass and finish fill it */
    const ws_plan *plan;
    ws_lda_opts o;
    uint32_t top, min_df;
    double max_df;
    int keep_case;
    ws_by bucket;
    const char *infer;
    uint32_t pass_df; /* 1 while pass 0 counts document frequencies */
    const ws_segment **segs;
    size_t nsegs;
    /* vocabulary */
    uint32_t nnorm;   /* normalised terms */
    uint32_t *vmap;   /* nnorm: vocabulary id or NONE */
    uint32_t V;
    ws_str *vstr;     /* V: the words */
    /* the model read with --infer */
    ws_lda_model model;
    char *model_text;
    /* the corpus */
    ws_lda_corpus c;
    int64_t *dates;   /* D */
    uint64_t *idoff;  /* D + 1 */
    char *ids;
} lda_ext;

typedef struct lda_state {
    const lda_ext *x;
    /* pass 0 */
    uint32_t *df, *stamp, row;
    /* pass 1: the blocks' stories, held apart so that merge can move them
     * out of the (const) state it folds in */
    struct chunks *ck;
} lda_state;

typedef struct chunks {
    chunk *ch;
    size_t nch, capch;
} chunks;

/* ---- model files ---- */

typedef struct mword {
    ws_str s;
    uint32_t id;
} mword;

static int cmp_str(const void *a, const void *b) { return ws_str_cmp(*(const ws_str *)a, *(const ws_str *)b); }
static int cmp_mword(const void *a, const void *b) { return ws_str_cmp(((const mword *)a)->s, ((const mword *)b)->s); }

/* Parse a model file (the "model" table as CSV: topic,term,value). Meta
 * rows have topic -1 and a term starting with '#' (no token has one). */
static int model_parse(lda_ext *x, const char *path, char *text, size_t len)
{
    ws_lda_model *m = &x->model;
    size_t cap = 1024, nw = 0, nrows = 0;
    mword *words = ws_malloc(cap * sizeof *words);
    struct row {
        uint32_t t, w;
        double v;
    } *rows = NULL;
    size_t caprows = 0;
    if (!words) return ws_error(WS_ENOMEM, "out of memory");
    int rc = 0, version = 0;
    int64_t K = 0;
    double beta = -1;
    size_t line = 0;
    char *p = text, *end = text + len;
    while (!rc && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        line++;
        if (e > p && e[-1] == '\r') e[-1] = 0;
        *e = 0;
        char *l = p;
        p = nl ? nl + 1 : end;
        if (line == 1) {
            if (strcmp(l, "topic,term,value"))
                rc = ws_error(WS_EFORMAT, "%s:1: not a wirescan topic model (header '%.40s', expected 'topic,term,value')",
                              path, l);
            continue;
        }
        if (!*l) continue;
        char *c1 = strchr(l, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c1 || !c2 || strchr(c2 + 1, ',') || strchr(l, '"')) {
            rc = ws_error(WS_EFORMAT, "%s:%zu: expected topic,term,value", path, line);
            break;
        }
        *c1 = *c2 = 0;
        char *te, *ve;
        long long t = strtoll(l, &te, 10);
        double v = strtod(c2 + 1, &ve);
        if (*te || te == l || *ve || ve == c2 + 1 || !isfinite(v) || v < 0) {
            rc = ws_error(WS_EFORMAT, "%s:%zu: bad topic or value", path, line);
            break;
        }
        const char *term = c1 + 1;
        if (t == -1) {
            if (!strcmp(term, "#format")) version = (int)v;
            else if (!strcmp(term, "#topics")) K = (int64_t)v;
            else if (!strcmp(term, "#beta")) beta = v;
            else if (!strcmp(term, "#case")) {
                if ((int)v != x->keep_case)
                    rc = ws_error(WS_EFORMAT, "%s: model trained %s --case; this request is %s it (the words would not match)",
                                  path, v ? "with" : "without", x->keep_case ? "with" : "without");
            }
            continue;
        }
        if (!version || K < 2 || beta <= 0) {
            rc = ws_error(WS_EFORMAT, "%s:%zu: topic rows before the #format, #topics and #beta rows", path, line);
            break;
        }
        if (t < 0 || t >= K || !*term) {
            rc = ws_error(WS_EFORMAT, "%s:%zu: topic %lld out of range 0..%lld, or an empty term", path, line, t,
                          (long long)K - 1);
            break;
        }
        if (nrows == caprows) {
            caprows = caprows ? caprows * 2 : 4096;
            void *nr = ws_realloc(rows, caprows * sizeof *rows);
            if (!nr) {
                rc = ws_error(WS_ENOMEM, "out of memory");
                break;
            }
            rows = nr;
        }
        if (nw == cap) {
            void *nwp = ws_realloc(words, cap * 2 * sizeof *words);
            if (!nwp) {
                rc = ws_error(WS_ENOMEM, "out of memory");
                break;
            }
            words = nwp, cap *= 2;
        }
        if (!strcmp(term, "#alpha")) {
            rows[nrows++] = (struct row){(uint32_t)t, NONE, v};
            continue;
        }
        if (v != floor(v)) {
            rc = ws_error(WS_EFORMAT, "%s:%zu: a count that is not a whole number", path, line);
            break;
        }
        words[nw] = (mword){ws_str_make(term, strlen(term)), (uint32_t)nw};
        rows[nrows++] = (struct row){(uint32_t)t, (uint32_t)nw, v};
        nw++;
    }
    if (!rc && version != 1)
        rc = ws_error(WS_EFORMAT, "%s: not a wirescan topic model of format 1 (no #format row, or another version)", path);
    /* Distinct words, bytewise: the model's vocabulary. */
    uint32_t *remap = NULL;
    if (!rc) {
        qsort(words, nw, sizeof *words, cmp_mword);
        remap = ws_malloc((nw + 1) * sizeof *remap);
        x->vstr = ws_malloc((nw + 1) * sizeof *x->vstr);
        if (!remap || !x->vstr) rc = ws_error(WS_ENOMEM, "out of memory");
    }
    uint32_t V = 0;
    for (size_t i = 0; !rc && i < nw; i++) {
        if (!i || ws_str_cmp(words[i].s, words[i - 1].s)) x->vstr[V++] = words[i].s;
        remap[words[i].id] = V - 1;
    }
    if (!rc && !V) rc = ws_error(WS_EFORMAT, "%s: the model has no words", path);
    if (!rc) {
        m->k = (uint32_t)K, m->v = V, m->beta = beta;
        m->alpha = ws_calloc((size_t)K, sizeof *m->alpha);
        m->nkw = ws_calloc((size_t)V * (size_t)K, sizeof *m->nkw);
        m->nk = ws_calloc((size_t)K, sizeof *m->nk);
        if (!m->alpha || !m->nkw || !m->nk) rc = ws_error(WS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; !rc && i < nrows; i++) {
        if (rows[i].w == NONE) {
            m->alpha[rows[i].t] = rows[i].v;
            continue;
        }
        m->nkw[(size_t)remap[rows[i].w] * K + rows[i].t] += (uint32_t)rows[i].v;
        m->nk[rows[i].t] += (uint64_t)rows[i].v;
    }
    for (uint32_t k = 0; !rc && k < m->k; k++)
        if (!(m->alpha[k] > 0)) rc = ws_error(WS_EFORMAT, "%s: no positive #alpha row for topic %u", path, k);
    x->V = V;
    ws_free(remap);
    ws_free(words);
    ws_free(rows);
    return rc;
}

/* Map the normalised vocabulary onto the model's words. */
static int model_vocab(lda_ext *x, const ws_norm *norm, const char *path)
{
    x->nnorm = norm->terms.nterms;
    if (!(x->vmap = ws_malloc(((size_t)x->nnorm + 1) * sizeof *x->vmap))) return ws_error(WS_ENOMEM, "out of memory");
    uint32_t hits = 0;
    for (uint32_t i = 0; i < x->nnorm; i++) {
        ws_str t = ws_norm_term(norm, i);
        const ws_str *h = bsearch(&t, x->vstr, x->V, sizeof *x->vstr, cmp_str);
        x->vmap[i] = h ? (uint32_t)(h - x->vstr) : NONE;
        hits += h != NULL;
    }
    if (!hits)
        return ws_error(WS_EFORMAT,
                        "%s: none of the model's %u words occurs in the store under this normalisation (was the model "
                        "trained with other --stem or --case options, or on another language?)",
                        path, x->V);
    return 0;
}

/* ---- the descriptor's hooks ---- */

static void lda_release(void *ext)
{
    lda_ext *x = ext;
    if (!x) return;
    ws_free(x->segs);
    ws_free(x->vmap);
    ws_free(x->vstr);
    ws_lda_model_free(&x->model);
    ws_free(x->model_text);
    ws_lda_corpus_free(&x->c);
    ws_free(x->dates);
    ws_free(x->idoff);
    ws_free(x->ids);
    ws_free(x);
}

static int lda_prepare(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext)
{
    lda_ext *x = ws_calloc(1, sizeof *x);
    if (!x) return ws_error(WS_ENOMEM, "out of memory");
    *ext = x;
    q->ext = x;
    x->self = x;
    x->plan = plan;
    x->o.k = (uint32_t)ws_params_int(p, "k");
    x->o.iterations = (uint32_t)ws_params_int(p, "iterations");
    x->o.alpha = ws_params_given(p, "alpha") ? ws_params_double(p, "alpha") : 50.0 / x->o.k;
    x->o.beta = ws_params_double(p, "beta");
    x->o.optimize = (int)ws_params_int(p, "optimize");
    x->o.seed = (uint64_t)ws_params_int(p, "seed");
    x->o.report = (uint32_t)ws_params_int(p, "report");
    const char *smp = ws_params_text(p, "sampler");
    x->o.sampler = !strcmp(smp, "gibbs") ? WS_LDA_GIBBS : !strcmp(smp, "sparse") ? WS_LDA_SPARSE : WS_LDA_WARP;
    x->o.mh = (uint32_t)ws_params_int(p, "mh");
    x->top = (uint32_t)ws_params_int(p, "top");
    x->min_df = (uint32_t)ws_params_int(p, "min-df");
    x->max_df = ws_params_double(p, "max-df");
    x->keep_case = (int)ws_params_int(p, "case");
    const char *tag;
    x->bucket = ws_by_parse(ws_params_text(p, "bucket"), &tag);
    x->infer = ws_params_text(p, "infer");
    if (!(x->o.alpha > 0) || !(x->o.beta > 0))
        return ws_error(WS_EINVAL, "--alpha and --beta must be positive (got %g and %g)", x->o.alpha, x->o.beta);
    if (!(x->max_df > 0) || x->max_df > 1)
        return ws_error(WS_EINVAL, "--max-df is a fraction of the selected stories in (0, 1], got %g", x->max_df);
    for (size_t i = 0; i < plan->nstores; i++) x->nsegs += plan->stores[i]->nsegs;
    if (!(x->segs = ws_calloc(x->nsegs + 1, sizeof *x->segs))) return ws_error(WS_ENOMEM, "out of memory");
    for (size_t i = 0, n = 0; i < plan->nstores; i++)
        for (uint32_t s = 0; s < plan->stores[i]->nsegs; s++) x->segs[n++] = plan->stores[i]->segs[s];
    if (x->infer) {
        char *text = NULL;
        size_t len = 0;
        int rc = plan->read_file(plan->ctx, x->infer, &text, &len);
        if (rc) return rc;
        char *t = ws_realloc(text, len + 1); /* room for a terminating NUL */
        if (!t) {
            ws_free(text);
            return ws_error(WS_ENOMEM, "out of memory");
        }
        x->model_text = t;
        t[len] = 0;
        if ((rc = model_parse(x, x->infer, t, len))) return rc;
        if (ws_params_given(p, "k") && x->o.k != x->model.k)
            return ws_error(WS_EINVAL, "-k %u: the model %s has %u topics", x->o.k, x->infer, x->model.k);
        x->o.k = x->model.k;
        if (!ws_params_given(p, "iterations")) x->o.iterations = 50;
        if ((rc = model_vocab(x, plan->norm, x->infer))) return rc;
    } else {
        x->pass_df = 1;
        x->nnorm = plan->norm->terms.nterms;
    }
    return 0;
}

static void *lda_init(const ws_query *q)
{
    const lda_ext *x = q->ext;
    lda_state *s = ws_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->x = x;
    if (!(s->ck = ws_calloc(1, sizeof *s->ck))) {
        ws_free(s);
        return NULL;
    }
    if (x->pass_df) {
        s->df = ws_calloc((size_t)x->nnorm + 1, sizeof *s->df);
        s->stamp = ws_calloc((size_t)x->nnorm + 1, sizeof *s->stamp);
        if (!s->df || !s->stamp) {
            ws_free(s->df), ws_free(s->stamp), ws_free(s->ck), ws_free(s);
            return NULL;
        }
    }
    return s;
}

static void chunk_free(chunk *c)
{
    ws_free(c->off);
    ws_free(c->w);
    ws_free(c->dates);
    ws_free(c->idoff);
    ws_free(c->ids);
}

static void lda_free(void *state)
{
    lda_state *s = state;
    if (!s) return;
    ws_free(s->df);
    ws_free(s->stamp);
    for (size_t i = 0; i < s->ck->nch; i++) chunk_free(&s->ck->ch[i]);
    ws_free(s->ck->ch);
    ws_free(s->ck);
    ws_free(s);
}

static int lda_consume(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    lda_state *s = state;
    const lda_ext *x = s->x;
    const uint32_t *map = q->norm->map;
    if (x->pass_df) {
        for (uint32_t r = 0; r < b->nrows; r++) {
            if (!sel[r]) continue;
            uint64_t lo, hi;
            ws_query_span(q, b, r, &lo, &hi);
            uint32_t stamp = ++s->row;
            for (uint64_t i = lo; i < hi; i++) {
                uint32_t t = map[b->ids[i]];
                if (t != WS_NORM_DROP && s->stamp[t] != stamp) s->stamp[t] = stamp, s->df[t]++;
            }
        }
        return 0;
    }
    uint32_t nsel = 0;
    uint64_t ntok = 0, nid = 0;
    for (uint32_t r = 0; r < b->nrows; r++)
        if (sel[r]) {
            uint64_t lo, hi;
            ws_query_span(q, b, r, &lo, &hi);
            nsel++, ntok += hi - lo, nid += ws_strings_get(&b->id, r).n;
        }
    if (!nsel) return 0;
    chunks *ck = s->ck;
    if (ck->nch == ck->capch) {
        size_t cap = ck->capch ? ck->capch * 2 : 16;
        chunk *nc = ws_realloc(ck->ch, cap * sizeof *nc);
        if (!nc) return ws_error(WS_ENOMEM, "out of memory");
        ck->ch = nc, ck->capch = cap;
    }
    chunk *c = &ck->ch[ck->nch];
    memset(c, 0, sizeof *c);
    size_t seg = 0;
    while (seg < x->nsegs && x->segs[seg] != b->seg) seg++;
    c->key = (uint64_t)seg << 32 | b->index;
    c->off = ws_malloc(((size_t)nsel + 1) * sizeof *c->off);
    c->w = ws_malloc((size_t)ntok * sizeof *c->w + 1);
    c->dates = ws_malloc((size_t)nsel * sizeof *c->dates);
    c->idoff = ws_malloc(((size_t)nsel + 1) * sizeof *c->idoff);
    c->ids = ws_malloc((size_t)nid + 1);
    if (!c->off || !c->w || !c->dates || !c->idoff || !c->ids) {
        chunk_free(c);
        return ws_error(WS_ENOMEM, "out of memory for the stories' tokens");
    }
    ck->nch++;
    uint32_t n = 0;
    uint64_t nw = 0, ni = 0;
    c->off[0] = c->idoff[0] = 0;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        uint64_t lo, hi;
        ws_query_span(q, b, r, &lo, &hi);
        for (uint64_t i = lo; i < hi; i++) {
            uint32_t t = map[b->ids[i]];
            uint32_t v = t == WS_NORM_DROP ? NONE : x->vmap[t];
            if (v != NONE) c->w[nw++] = v;
        }
        ws_str id = ws_strings_get(&b->id, r);
        if (id.n) memcpy(c->ids + ni, id.p, id.n);
        ni += id.n;
        c->dates[n] = b->dates[r];
        c->off[++n] = nw;
        c->idoff[n] = ni;
    }
    c->nrows = n;
    return 0;
}

static int lda_merge(void *into, const void *from, const ws_query *q)
{
    (void)q;
    lda_state *a = into;
    const lda_state *b = from;
    if (a->df)
        for (uint32_t i = 0; i < a->x->nnorm; i++) a->df[i] += b->df[i];
    chunks *ca = a->ck, *cb = b->ck; /* b's chunks move to a */
    if (!cb->nch) return 0;
    chunk *nc = ws_realloc(ca->ch, (ca->nch + cb->nch) * sizeof *nc);
    if (!nc) return ws_error(WS_ENOMEM, "out of memory");
    memcpy(nc + ca->nch, cb->ch, cb->nch * sizeof *nc);
    ca->ch = nc;
    ca->nch += cb->nch;
    ca->capch = ca->nch;
    cb->nch = 0;
    return 0;
}

static int cmp_chunk(const void *a, const void *b)
{
    uint64_t x = ((const chunk *)a)->key, y = ((const chunk *)b)->key;
    return x < y ? -1 : x > y;
}

/* The vocabulary from pass 0. */
static int build_vocab(lda_ext *x, const lda_state *s, const ws_query *q)
{
    uint64_t D = q->nstories;
    if (!D) return ws_error(WS_ENOENT, "no story matches the filters: nothing to model");
    if (!(x->vmap = ws_malloc(((size_t)x->nnorm + 1) * sizeof *x->vmap))) return ws_error(WS_ENOMEM, "out of memory");
    double most = floor(x->max_df * (double)D);
    uint32_t V = 0, few = 0, many = 0;
    for (uint32_t t = 0; t < x->nnorm; t++) {
        uint32_t df = s->df[t];
        x->vmap[t] = NONE;
        if (!df) continue;
        if (df < x->min_df) few++;
        else if ((double)df > most) many++;
        else x->vmap[t] = V++;
    }
    if (!V)
        return ws_error(WS_EINVAL,
                        "no word is left to model: of the %llu selected stories' terms, %u are in fewer than --min-df %u "
                        "stories and %u in more than --max-df %g of them (lower --min-df or raise --max-df)",
                        (unsigned long long)D, few, x->min_df, many, x->max_df);
    if (x->o.k > V)
        return ws_error(WS_EINVAL, "-k %u is more topics than the vocabulary has words (%u after --min-df %u, --max-df %g)",
                        x->o.k, V, x->min_df, x->max_df);
    x->V = V;
    if (!(x->vstr = ws_malloc((size_t)V * sizeof *x->vstr))) return ws_error(WS_ENOMEM, "out of memory");
    for (uint32_t t = 0; t < x->nnorm; t++)
        if (x->vmap[t] != NONE) x->vstr[x->vmap[t]] = ws_norm_term(q->norm, t);
    ws_plan_note(x->plan, "%llu stories, vocabulary of %u words (%u below --min-df %u, %u above --max-df %g)",
                 (unsigned long long)D, V, few, x->min_df, many, x->max_df);
    return 0;
}

/* The corpus from pass 1, in store order. */
static int build_corpus(lda_ext *x, lda_state *st)
{
    chunks *s = st->ck;
    qsort(s->ch, s->nch, sizeof *s->ch, cmp_chunk);
    uint64_t D = 0, N = 0, I = 0;
    for (size_t i = 0; i < s->nch; i++) D += s->ch[i].nrows, N += s->ch[i].off[s->ch[i].nrows], I += s->ch[i].idoff[s->ch[i].nrows];
    if (!D) return ws_error(WS_ENOENT, "no story matches the filters: nothing to model");
    if (N >= UINT32_MAX || D >= UINT32_MAX)
        return ws_error(WS_ETOOBIG, "%llu stories with %llu tokens: the topic model takes fewer than 2^32 of each",
                        (unsigned long long)D, (unsigned long long)N);
    ws_lda_corpus *c = &x->c;
    c->ndocs = (uint32_t)D, c->ntokens = N, c->nwords = x->V;
    c->doc_off = ws_malloc((D + 1) * sizeof *c->doc_off);
    c->w = ws_malloc(N * sizeof *c->w + 1);
    x->dates = ws_malloc(D * sizeof *x->dates);
    x->idoff = ws_malloc((D + 1) * sizeof *x->idoff);
    x->ids = ws_malloc(I + 1);
    if (!c->doc_off || !c->w || !x->dates || !x->idoff || !x->ids) return ws_error(WS_ENOMEM, "out of memory");
    uint64_t d = 0, n = 0, id = 0;
    c->doc_off[0] = x->idoff[0] = 0;
    for (size_t i = 0; i < s->nch; i++) {
        chunk *ch = &s->ch[i];
        memcpy(c->w + n, ch->w, ch->off[ch->nrows] * sizeof *c->w);
        memcpy(x->ids + id, ch->ids, ch->idoff[ch->nrows]);
        for (uint32_t r = 0; r < ch->nrows; r++, d++) {
            c->doc_off[d + 1] = n + ch->off[r + 1];
            x->idoff[d + 1] = id + ch->idoff[r + 1];
            x->dates[d] = ch->dates[r];
        }
        n += ch->off[ch->nrows];
        id += ch->idoff[ch->nrows];
        chunk_free(ch);
    }
    s->nch = 0;
    return 0;
}

static int lda_next_pass(void *merged, const ws_query *q, unsigned pass)
{
    (void)pass;
    lda_state *s = merged;
    lda_ext *x = ((const lda_ext *)q->ext)->self;
    if (x->pass_df) {
        int rc = build_vocab(x, s, q);
        x->pass_df = 0;
        return rc ? rc : 1;
    }
    return build_corpus(x, s);
}

/* ---- across ranks ----
 * Pass 0: the document frequencies (rank 0's merged ones come back to
 * every rank, which then builds the same vocabulary). Pass 1: every
 * rank's stories (ids, dates, vocabulary ids) go to rank 0, which puts
 * the blocks in store order and trains the one sampler there: the corpus,
 * and so the model, are those of one process over the same shards. */
static int lda_pack(const void *state, const ws_query *q, ws_buf *out)
{
    const lda_state *s = state;
    const lda_ext *x = s->x;
    (void)q;
    int rc = 0;
    if (s->df) { /* pass 0 (next_pass may have ended it already on rank 0) */
        if ((rc = ws_buf_reserve(out, ((size_t)x->nnorm + 1) * WS_VARINT_MAX))) return ws_error(rc, "out of memory");
        for (uint32_t i = 0; i < x->nnorm; i++) ws_buf_put_varint(out, s->df[i]);
        return 0;
    }
    const chunks *ck = s->ck;
    if ((rc = ws_buf_reserve(out, WS_VARINT_MAX))) return ws_error(rc, "out of memory");
    ws_buf_put_varint(out, ck->nch);
    for (size_t i = 0; i < ck->nch && !rc; i++) {
        const chunk *c = &ck->ch[i];
        uint64_t ntok = c->off[c->nrows], nid = c->idoff[c->nrows];
        if ((rc = ws_buf_reserve(out, (4 + 3 * (size_t)c->nrows + ntok) * WS_VARINT_MAX + nid))) break;
        ws_buf_put_varint(out, c->key);
        ws_buf_put_varint(out, c->nrows);
        for (uint32_t r = 0; r < c->nrows; r++) {
            ws_buf_put_varint(out, c->off[r + 1] - c->off[r]);
            ws_buf_put_varint(out, c->idoff[r + 1] - c->idoff[r]);
            ws_buf_put_varint(out, ((uint64_t)c->dates[r] << 1) ^ (uint64_t)(c->dates[r] >> 63));
        }
        for (uint64_t k = 0; k < ntok; k++) ws_buf_put_varint(out, c->w[k]);
        memcpy(out->p + out->n, c->ids, nid);
        out->n += nid;
    }
    return rc ? ws_error(rc, "out of memory packing the topics state") : 0;
}

static int lda_unpack(void *state, const ws_query *q, const uint8_t *data, size_t len)
{
    lda_state *s = state;
    const lda_ext *x = s->x;
    (void)q;
    const uint8_t *at = data, *end = data + len;
    uint64_t v;
    if (s->df) {
        for (uint32_t i = 0; i < x->nnorm; i++) {
            if (ws_varint_get(&at, end, &v)) return ws_error(WS_ECORRUPT, "topics: a malformed state");
            s->df[i] = (uint32_t)v;
        }
        return at == end ? 0 : ws_error(WS_ECORRUPT, "topics: a malformed state");
    }
    uint64_t nch;
    if (ws_varint_get(&at, end, &nch) || nch > len) return ws_error(WS_ECORRUPT, "topics: a malformed state");
    chunks *ck = s->ck;
    if (nch && !(ck->ch = ws_calloc((size_t)nch, sizeof *ck->ch))) return ws_error(WS_ENOMEM, "out of memory");
    ck->capch = (size_t)nch;
    for (uint64_t i = 0; i < nch; i++) {
        chunk *c = &ck->ch[ck->nch];
        uint64_t key, n;
        if (ws_varint_get(&at, end, &key) || ws_varint_get(&at, end, &n) || n > len)
            return ws_error(WS_ECORRUPT, "topics: a malformed state");
        c->key = key;
        c->off = ws_malloc(((size_t)n + 1) * sizeof *c->off);
        c->idoff = ws_malloc(((size_t)n + 1) * sizeof *c->idoff);
        c->dates = ws_malloc(((size_t)n + 1) * sizeof *c->dates);
        ck->nch++; /* freed with the state from here on */
        if (!c->off || !c->idoff || !c->dates) return ws_error(WS_ENOMEM, "out of memory");
        c->nrows = (uint32_t)n;
        c->off[0] = c->idoff[0] = 0;
        for (uint64_t r = 0; r < n; r++) {
            uint64_t nt, ni, d;
            if (ws_varint_get(&at, end, &nt) || ws_varint_get(&at, end, &ni) || ws_varint_get(&at, end, &d))
                return ws_error(WS_ECORRUPT, "topics: a malformed state");
            c->off[r + 1] = c->off[r] + nt;
            c->idoff[r + 1] = c->idoff[r] + ni;
            c->dates[r] = (int64_t)(d >> 1) ^ -(int64_t)(d & 1);
        }
        uint64_t ntok = c->off[n], nid = c->idoff[n];
        if (ntok > len || nid > len) return ws_error(WS_ECORRUPT, "topics: a malformed state");
        if (!(c->w = ws_malloc((size_t)ntok * sizeof *c->w + 1)) || !(c->ids = ws_malloc((size_t)nid + 1)))
            return ws_error(WS_ENOMEM, "out of memory");
        for (uint64_t k = 0; k < ntok; k++) {
            if (ws_varint_get(&at, end, &v)) return ws_error(WS_ECORRUPT, "topics: a malformed state");
            c->w[k] = (uint32_t)v;
        }
        if (nid > (uint64_t)(end - at)) return ws_error(WS_ECORRUPT, "topics: a malformed state");
        memcpy(c->ids, at, (size_t)nid);
        at += nid;
    }
    return at == end ? 0 : ws_error(WS_ECORRUPT, "topics: a malformed state");
}

/* ---- outputs ---- */

typedef struct tw {
    uint32_t n, rank, w; /* count, the word's bytewise rank, the word */
} tw;

static int cmp_tw(const void *a, const void *b)
{
    const tw *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Each topic's top words, by count then word: top[k * T + r] (NONE past
 * the topic's words), T = x->top. */
static int top_words(const lda_ext *x, const ws_lda_model *m, uint32_t **out)
{
    uint32_t K = m->k, V = m->v, T = x->top;
    uint32_t *top = ws_malloc((size_t)K * T * sizeof *top + 1);
    tw *buf = ws_malloc((size_t)V * sizeof *buf + 1);
    mword *byname = ws_malloc((size_t)V * sizeof *byname + 1);
    uint32_t *rank = ws_malloc((size_t)V * sizeof *rank + 1);
    if (!top || !buf || !byname || !rank) {
        ws_free(top), ws_free(buf), ws_free(byname), ws_free(rank);
        return ws_error(WS_ENOMEM, "out of memory");
    }
    /* ties go to the bytewise smaller word */
    for (uint32_t w = 0; w < V; w++) byname[w] = (mword){x->vstr[w], w};
    qsort(byname, V, sizeof *byname, cmp_mword);
    for (uint32_t i = 0; i < V; i++) rank[byname[i].id] = i;
    ws_free(byname);
    for (uint32_t k = 0; k < K; k++) {
        uint32_t n = 0;
        for (uint32_t w = 0; w < V; w++)
            if (m->nkw[(size_t)w * K + k]) buf[n++] = (tw){m->nkw[(size_t)w * K + k], rank[w], w};
        qsort(buf, n, sizeof *buf, cmp_tw);
        for (uint32_t r = 0; r < T; r++) top[(size_t)k * T + r] = r < n ? buf[r].w : NONE;
    }
    ws_free(buf);
    ws_free(rank);
    *out = top;
    return 0;
}

/* Mean NPMI of each topic's top words over the stories (document
 * co-occurrence); NAN for a topic with fewer than two words. */
static int coherence(const lda_ext *x, const ws_lda_model *m, const uint32_t *top, double *npmi)
{
    const ws_lda_corpus *c = &x->c;
    uint32_t K = m->k, T = x->top, V = m->v;
    uint32_t *slot = ws_malloc((size_t)V * sizeof *slot + 1), *last = ws_calloc((size_t)V + 1, sizeof *last);
    int rc = slot && last ? 0 : ws_error(WS_ENOMEM, "out of memory");
    if (!rc) {
        memset(slot, 0xff, (size_t)V * sizeof *slot);
        /* a word may be among several topics' top words: one list per word */
        for (size_t i = 0; i < (size_t)K * T; i++)
            if (top[i] != NONE) slot[top[i]] = 0;
        uint32_t nl = 0;
        for (uint32_t w = 0; w < V; w++)
            if (slot[w] == 0) slot[w] = nl++;
            else slot[w] = NONE;
        (void)nl;
    }
    /* document lists of the top words */
    uint64_t *loff = NULL;
    uint32_t *docs = NULL;
    uint32_t nlist = 0;
    for (uint32_t w = 0; !rc && w < V; w++) nlist += slot[w] != NONE;
    if (!rc) {
        loff = ws_calloc((size_t)nlist + 2, sizeof *loff);
        if (!loff) rc = ws_error(WS_ENOMEM, "out of memory");
    }
    for (uint32_t d = 0; !rc && d < c->ndocs; d++)
        for (uint64_t p = c->doc_off[d]; p < c->doc_off[d + 1]; p++) {
            uint32_t w = c->w[p];
            if (slot[w] != NONE && last[w] != d + 1) last[w] = d + 1, loff[slot[w] + 1]++;
        }
    for (uint32_t i = 0; !rc && i < nlist; i++) loff[i + 1] += loff[i];
    if (!rc && !(docs = ws_malloc(loff[nlist] * sizeof *docs + 1))) rc = ws_error(WS_ENOMEM, "out of memory");
    if (!rc) {
        memset(last, 0, (size_t)V * sizeof *last);
        uint64_t *f = ws_malloc(((size_t)nlist + 1) * sizeof *f);
        if (!f) rc = ws_error(WS_ENOMEM, "out of memory");
        for (uint32_t i = 0; !rc && i < nlist; i++) f[i] = loff[i];
        for (uint32_t d = 0; !rc && d < c->ndocs; d++)
            for (uint64_t p = c->doc_off[d]; p < c->doc_off[d + 1]; p++) {
                uint32_t w = c->w[p];
                if (slot[w] != NONE && last[w] != d + 1) last[w] = d + 1, docs[f[slot[w]]++] = d;
            }
        ws_free(f);
    }
    double D = (double)c->ndocs;
    for (uint32_t k = 0; !rc && k < K; k++) {
        double sum = 0;
        uint32_t pairs = 0;
        for (uint32_t i = 0; i < T; i++)
            for (uint32_t j = i + 1; j < T; j++) {
                uint32_t a = top[(size_t)k * T + i], b = top[(size_t)k * T + j];
                if (a == NONE || b == NONE) continue;
                uint64_t ai = loff[slot[a]], ae = loff[slot[a] + 1], bi = loff[slot[b]], be = loff[slot[b] + 1], co = 0;
                uint64_t dfa = ae - ai, dfb = be - bi;
                while (ai < ae && bi < be) {
                    if (docs[ai] < docs[bi]) ai++;
                    else if (docs[ai] > docs[bi]) bi++;
                    else co++, ai++, bi++;
                }
                double v;
                if (!co) v = -1;
                else if ((double)co == D) v = 1;
                else {
                    double pij = (double)co / D;
                    v = log(pij / (((double)dfa / D) * ((double)dfb / D))) / -log(pij);
                }
                sum += v, pairs++;
            }
        npmi[k] = pairs ? sum / pairs : NAN;
    }
    ws_free(slot), ws_free(last), ws_free(loff), ws_free(docs);
    return rc;
}

/* Document d's topic weights (counts; averaged ones under --infer). */
static void doc_counts(const lda_ext *x, const uint16_t *z, const double *cdk, uint32_t d, double *out)
{
    uint32_t K = x->model.k;
    if (cdk) {
        memcpy(out, cdk + (size_t)d * K, K * sizeof *out);
        return;
    }
    memset(out, 0, K * sizeof *out);
    for (uint64_t p = x->c.doc_off[d]; p < x->c.doc_off[d + 1]; p++) out[z[p]] += 1;
}

static uint32_t dominant(const ws_lda_model *m, const double *cd)
{
    uint32_t best = 0;
    for (uint32_t k = 1; k < m->k; k++)
        if (cd[k] + m->alpha[k] > cd[best] + m->alpha[best]) best = k;
    return best;
}

static int label_of(const lda_ext *x, const uint32_t *top, uint32_t k, ws_buf *b)
{
    b->n = 0;
    for (uint32_t r = 0; r < x->top && r < 3; r++) {
        uint32_t w = top[(size_t)k * x->top + r];
        if (w == NONE) break;
        int rc = ws_buf_reserve(b, b->n + x->vstr[w].n + 2);
        if (rc) return rc;
        if (r) ((char *)b->p)[b->n++] = ' ';
        memcpy((char *)b->p + b->n, x->vstr[w].p, x->vstr[w].n);
        b->n += x->vstr[w].n;
    }
    return 0;
}

#define TRY(e)                                                                                                         \
    do {                                                                                                               \
        if ((rc = (e))) goto out;                                                                                      \
    } while (0)

static int lda_finish(void *state, const ws_query *q, ws_table *out)
{
    (void)state;
    lda_ext *x = ((const lda_ext *)q->ext)->self;
    const ws_plan *plan = x->plan;
    ws_lda_env env = {plan, plan->threads};
    ws_lda_model *m = &x->model;
    uint16_t *z = NULL;
    double *cdk = NULL, *npmi = NULL, *cd = NULL;
    uint32_t *top = NULL;
    ws_buf lab = {0};
    ws_table t;
    ws_table_init(&t);
    int rc = 0;
    if (x->infer) {
        TRY(ws_lda_infer(&env, &x->c, &x->o, m, &cdk));
    } else {
        TRY(ws_lda_index(&x->c));
        TRY(ws_lda_train(&env, &x->c, &x->o, m, &z));
    }
    const uint32_t K = m->k, T = x->top, V = m->v;
    TRY(top_words(x, m, &top));
    /* main table */
    TRY(ws_table_add_col(out, "topic", WS_TYPE_INT64));
    TRY(ws_table_add_col(out, "rank", WS_TYPE_INT64));
    TRY(ws_table_add_col(out, "term", WS_TYPE_TEXT));
    TRY(ws_table_add_col(out, "weight", WS_TYPE_DOUBLE));
    for (uint32_t k = 0; k < K; k++)
        for (uint32_t r = 0; r < T; r++) {
            uint32_t w = top[(size_t)k * T + r];
            if (w == NONE) break;
            TRY(ws_table_int(out, k));
            TRY(ws_table_int(out, r + 1));
            TRY(ws_table_text(out, x->vstr[w]));
            TRY(ws_table_double(out, ((double)m->nkw[(size_t)w * K + k] + m->beta) / ((double)m->nk[k] + m->beta * V)));
        }
    if (!(cd = ws_malloc(K * sizeof *cd))) TRY(ws_error(WS_ENOMEM, "out of memory"));
    if (plan->want_table(plan->ctx, "summary")) {
        double *tok = ws_calloc(K, sizeof *tok), all = 0;
        if (!(npmi = ws_malloc(K * sizeof *npmi)) || !tok) {
            ws_free(tok);
            TRY(ws_error(WS_ENOMEM, "out of memory"));
        }
        for (uint32_t d = 0; d < x->c.ndocs; d++) {
            doc_counts(x, z, cdk, d, cd);
            for (uint32_t k = 0; k < K; k++) tok[k] += cd[k], all += cd[k];
        }
        rc = coherence(x, m, top, npmi);
        if (!rc) rc = ws_table_add_col(&t, "topic", WS_TYPE_INT64);
        if (!rc) rc = ws_table_add_col(&t, "tokens", WS_TYPE_INT64);
        if (!rc) rc = ws_table_add_col(&t, "share", WS_TYPE_DOUBLE);
        if (!rc) rc = ws_table_add_col(&t, "npmi", WS_TYPE_DOUBLE);
        if (!rc) rc = ws_table_add_col(&t, "label", WS_TYPE_TEXT);
        for (uint32_t k = 0; k < K && !rc; k++) {
            rc = ws_table_int(&t, k);
            if (!rc) rc = ws_table_int(&t, (int64_t)llround(tok[k]));
            if (!rc) rc = ws_table_double(&t, all > 0 ? tok[k] / all : 0);
            if (!rc) rc = isnan(npmi[k]) ? ws_table_null(&t) : ws_table_double(&t, npmi[k]);
            if (!rc) rc = label_of(x, top, k, &lab);
            if (!rc) rc = ws_table_text(&t, ws_str_make((const char *)lab.p, lab.n));
            if (rc) break;
        }
        ws_free(tok);
        if (rc) goto out;
        TRY(plan->side_table(plan->ctx, "summary", &t));
    }
    if (plan->want_table(plan->ctx, "doc-topics")) {
        TRY(ws_table_add_col(&t, "id", WS_TYPE_TEXT));
        TRY(ws_table_add_col(&t, "topic", WS_TYPE_INT64));
        TRY(ws_table_add_col(&t, "p", WS_TYPE_DOUBLE));
        double asum = 0;
        for (uint32_t k = 0; k < K; k++) asum += m->alpha[k];
        for (uint32_t d = 0; d < x->c.ndocs; d++) {
            doc_counts(x, z, cdk, d, cd);
            uint32_t k = dominant(m, cd);
            double L = 0;
            for (uint32_t j = 0; j < K; j++) L += cd[j];
            TRY(ws_table_text(&t, ws_str_make(x->ids + x->idoff[d], (size_t)(x->idoff[d + 1] - x->idoff[d]))));
            TRY(ws_table_int(&t, k));
            TRY(ws_table_double(&t, (cd[k] + m->alpha[k]) / (L + asum)));
        }
        TRY(plan->side_table(plan->ctx, "doc-topics", &t));
    }
    if (plan->want_table(plan->ctx, "prevalence")) {
        uint32_t first = NONE, lastb = 0, step = x->bucket == WS_BY_WEEK ? 7 : 1;
        for (uint32_t d = 0; d < x->c.ndocs; d++) {
            uint32_t g = ws_time_group(x->bucket, x->dates[d]);
            if (g == WS_GROUP_NONE) continue;
            if (first == NONE || g < first) first = g;
            if (g > lastb) lastb = g;
        }
        size_t nb = first == NONE ? 0 : (size_t)(lastb - first) / step + 1;
        double *tok = ws_calloc(nb * K + 1, sizeof *tok);
        uint64_t *docs = ws_calloc(nb * K + 1, sizeof *docs);
        if (!tok || !docs) {
            ws_free(tok), ws_free(docs);
            TRY(ws_error(WS_ENOMEM, "out of memory"));
        }
        uint64_t undated = 0;
        for (uint32_t d = 0; d < x->c.ndocs; d++) {
            uint32_t g = ws_time_group(x->bucket, x->dates[d]);
            if (g == WS_GROUP_NONE) {
                undated++;
                continue;
            }
            size_t b = (g - first) / step;
            doc_counts(x, z, cdk, d, cd);
            double L = 0;
            for (uint32_t k = 0; k < K; k++) tok[b * K + k] += cd[k], L += cd[k];
            if (L > 0) docs[b * K + dominant(m, cd)]++;
        }
        ws_groups g;
        memset(&g, 0, sizeof g);
        g.by = x->bucket;
        rc = ws_table_add_col(&t, "bucket", WS_TYPE_TEXT);
        if (!rc) rc = ws_table_add_col(&t, "topic", WS_TYPE_INT64);
        if (!rc) rc = ws_table_add_col(&t, "label", WS_TYPE_TEXT);
        if (!rc) rc = ws_table_add_col(&t, "docs", WS_TYPE_INT64);
        if (!rc) rc = ws_table_add_col(&t, "tokens", WS_TYPE_INT64);
        if (!rc) rc = ws_table_add_col(&t, "share", WS_TYPE_DOUBLE);
        for (size_t b = 0; b < nb && !rc; b++) {
            char buf[32];
            ws_str bl = ws_group_label(&g, first + (uint32_t)(b * step), buf);
            double all = 0;
            for (uint32_t k = 0; k < K; k++) all += tok[b * K + k];
            for (uint32_t k = 0; k < K && !rc; k++) {
                rc = ws_table_text(&t, bl);
                if (!rc) rc = ws_table_int(&t, k);
                if (!rc) rc = label_of(x, top, k, &lab);
                if (!rc) rc = ws_table_text(&t, ws_str_make((const char *)lab.p, lab.n));
                if (!rc) rc = ws_table_int(&t, (int64_t)docs[b * K + k]);
                if (!rc) rc = ws_table_int(&t, (int64_t)llround(tok[b * K + k]));
                if (!rc) rc = all > 0 ? ws_table_double(&t, tok[b * K + k] / all) : ws_table_null(&t);
            }
        }
        ws_free(tok), ws_free(docs);
        if (rc) goto out;
        if (undated) ws_plan_note(plan, "prevalence: %llu undated stories left out", (unsigned long long)undated);
        TRY(plan->side_table(plan->ctx, "prevalence", &t));
    }
    if (plan->want_table(plan->ctx, "model")) {
        TRY(ws_table_add_col(&t, "topic", WS_TYPE_INT64));
        TRY(ws_table_add_col(&t, "term", WS_TYPE_TEXT));
        TRY(ws_table_add_col(&t, "value", WS_TYPE_DOUBLE));
        static const char *const meta[] = {"#format", "#topics", "#words", "#beta", "#case"};
        double mv[] = {1, K, V, m->beta, x->keep_case};
        for (size_t i = 0; i < 5; i++) {
            TRY(ws_table_int(&t, -1));
            TRY(ws_table_cstr(&t, meta[i]));
            TRY(ws_table_double(&t, mv[i]));
        }
        for (uint32_t k = 0; k < K; k++) {
            TRY(ws_table_int(&t, k));
            TRY(ws_table_cstr(&t, "#alpha"));
            TRY(ws_table_double(&t, m->alpha[k]));
            for (uint32_t w = 0; w < V; w++) {
                uint32_t n = m->nkw[(size_t)w * K + k];
                if (!n) continue;
                TRY(ws_table_int(&t, k));
                TRY(ws_table_text(&t, x->vstr[w]));
                TRY(ws_table_double(&t, n));
            }
        }
        TRY(plan->side_table(plan->ctx, "model", &t));
    }
    ws_plan_note(plan, "%u topics over %u stories, %llu tokens, %u words%s", K, x->c.ndocs,
                 (unsigned long long)x->c.ntokens, V, x->infer ? " (inferred with the model)" : "");
out:
    ws_table_free(&t);
    ws_buf_free(&lab);
    ws_free(z), ws_free(cdk), ws_free(npmi), ws_free(cd), ws_free(top);
    return rc;
}

const ws_kernel ws_kernel_topics = {
    .name = "topics",
    .summary = "learned topics (LDA): top terms per topic, coherence, prevalence over time",
    .help = "Latent Dirichlet allocation over the selected stories' words, by collapsed\n"
            "Gibbs sampling (SparseLDA; --sampler warp: WarpLDA's O(1)-per-token\n"
            "Metropolis-Hastings passes), OpenMP-parallel over fixed shards of stories;\n"
            "for a given --seed the output is byte-identical for any\n"
            "--threads. Words: case folded, English stop words left out (--stopwords none\n"
            "keeps them), and terms in fewer than --min-df or more than --max-df of the\n"
            "stories. Output: topic,rank,term,weight (the --top terms of each topic, weight\n"
            "= p(term | topic)), topics numbered from 0, terms by weight then bytewise.\n"
            "Side files: --summary (topic,tokens,share,npmi,label), --doc-topics\n"
            "(id,topic,p: each story's dominant topic), --prevalence with --bucket\n"
            "(bucket,topic,label,docs,tokens,share), --chart, --model (for --infer).\n"
            "See docs/topics.md.",
    .params = lda_params,
    .nparams = sizeof lda_params / sizeof lda_params[0],
    .columns = WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA) | WS_COLBIT(WS_C_ID) | WS_COLBIT(WS_C_DATE),
    .prepare = lda_prepare,
    .release = lda_release,
    .init = lda_init,
    .consume = lda_consume,
    .merge = lda_merge,
    .next_pass = lda_next_pass,
    .finish = lda_finish,
    .free = lda_free,
    .pack = lda_pack,
    .unpack = lda_unpack,
    .tables = lda_tables,
};
