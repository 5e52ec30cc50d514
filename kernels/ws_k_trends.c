/*
 * Trends kernel: topic series per time bucket, emerging terms, bursts.
 *
 * Series. Each thread keeps, per (bucket, group) pair that occurs, a small
 * array of 64-bit counts: stories in the pair (total), then docs (stories
 * mentioning the topic) and mentions (positions where one of its patterns
 * matches; a position counts once per topic) of every topic. The per-token
 * loop is one lookup in a dense table over the store's dictionary
 * (ws_trends_set.first): almost every token finds 0 and moves on; a hit
 * lists the patterns starting with that term, and only a phrase looks at
 * the following tokens (and at the row's sentence starts: a phrase never
 * crosses a sentence boundary, and title and body are separate sentences).
 * Undated stories are counted apart and kept out of every bucket.
 * Finish lays the pairs out densely, every bucket from the first to the
 * last (zero-filled) times every group that occurs, and writes the CSV
 * long, wide, or as Kleinberg bursts.
 *
 * Emerging terms. Memory follows the (bucket, term) pairs that occur, as in
 * ws_k_tf.c's grouping: a block's selected rows are sorted by bucket, each
 * run of one bucket is counted in dense per-thread cells over the
 * normalised vocabulary (df with a row stamp), then the terms it touched
 * are moved into that bucket's hash map, one update per distinct term per
 * bucket per block. Finish compares each bucket with the K calendar
 * buckets before it (missing buckets count as empty).
 *
 * Everything accumulated is an integer; doubles (share, G2, burst weights)
 * are computed in finish in a fixed order, so output is byte-identical for
 * any thread count.
 */
#include "ws_k_trends.h"

#include <math.h>
#include <stdlib.h>

#include "ws_assoc.h"
#include "ws_hmap.h"
#include "ws_topk.h"

/* ---- topic sets ---- */

void ws_trends_set_init(ws_trends_set *s) { memset(s, 0, sizeof *s); }

void ws_trends_set_free(ws_trends_set *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->ntopics; i++) ws_free(s->names[i]);
    for (uint32_t i = 0; i < s->npat; i++) ws_free(s->pat_text[i]);
    for (uint32_t i = 0; s->first && i < s->ndicts; i++) ws_free(s->first[i]);
    ws_free(s->names);
    ws_free(s->pat_text);
    ws_free(s->pat_topic);
    ws_free(s->pat_off);
    ws_free(s->pat_ids);
    ws_free(s->start_off);
    ws_free(s->start_pat);
    ws_free(s->first);
    ws_free((void *)(uintptr_t)s->dict_key);
    memset(s, 0, sizeof *s);
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap) return 0;
    uint32_t nc = *cap ? *cap : 8;
    while (nc < need) nc *= 2;
    void *q = ws_realloc(*p, (size_t)nc * elem);
    if (!q) return ws_error(WS_ENOMEM, "out of memory for topics");
    *p = q;
    *cap = nc;
    return 0;
}

int ws_trends_set_add_topic(ws_trends_set *s, const char *name, size_t len)
{
    if (!len) return ws_error(WS_EINVAL, "empty topic name");
    for (uint32_t i = 0; i < s->ntopics; i++)
        if (strlen(s->names[i]) == len && !memcmp(s->names[i], name, len))
            return ws_error(WS_EINVAL, "topic '%.*s' is given twice", (int)len, name);
    uint32_t cap = s->cap_topics;
    if (grow((void **)&s->names, &cap, s->ntopics + 1, sizeof *s->names)) return WS_ENOMEM;
    s->cap_topics = cap;
    if (!(s->names[s->ntopics] = ws_strndup(name, len))) return ws_error(WS_ENOMEM, "out of memory for topics");
    s->ntopics++;
    return 0;
}

int ws_trends_set_add_pattern(ws_trends_set *s, ws_tokenizer *tk, const ws_norm *norm, const char *text, size_t len,
                              int *found)
{
    *found = 1;
    if (!s->ntopics) return ws_error(WS_EINVAL, "a pattern before any topic");
    ws_tokens t;
    int rc = ws_tokenizer_set_segmentation(tk, norm->seg); /* phrases split as the store's text was */
    if (!rc) rc = ws_tokenize(tk, text, len, &t);
    if (rc) return rc;
    if (!t.ntok) return ws_error(WS_EINVAL, "'%.*s' holds no word", (int)len, text);
    if (t.ntok > 64) return ws_error(WS_EINVAL, "'%.*s': a phrase of more than 64 words", (int)len, text);
    uint32_t ids[64];
    for (size_t i = 0; i < t.ntok; i++) {
        if ((rc = ws_norm_lookup(norm, ws_str_make(t.text + t.tok[i].off, t.tok[i].len), &ids[i]))) return rc;
        if (ids[i] == WS_NORM_DROP) *found = 0;
    }
    return ws_trends_set_add_ids(s, ids, (uint32_t)t.ntok, text, len);
}

int ws_trends_set_add_ids(ws_trends_set *s, const uint32_t *ids, uint32_t nids, const char *text, size_t len)
{
    if (!s->ntopics) return ws_error(WS_EINVAL, "a pattern before any topic");
    /* The three arrays share one capacity (npat + 2 covers pat_off's extra entry). */
    uint32_t cap = s->cap_pat;
    if (grow((void **)&s->pat_topic, &cap, s->npat + 2, sizeof *s->pat_topic)) return WS_ENOMEM;
    cap = s->cap_pat;
    if (grow((void **)&s->pat_text, &cap, s->npat + 2, sizeof *s->pat_text)) return WS_ENOMEM;
    cap = s->cap_pat;
    if (grow((void **)&s->pat_off, &cap, s->npat + 2, sizeof *s->pat_off)) return WS_ENOMEM;
    s->cap_pat = cap;
    if (!s->npat) s->pat_off[0] = 0;
    uint32_t base = s->pat_off[s->npat];
    if (base + nids > s->cap_ids) {
        size_t nc = s->cap_ids ? s->cap_ids * 2 : 64;
        while (nc < base + nids) nc *= 2;
        uint32_t *q = ws_realloc(s->pat_ids, nc * sizeof *q);
        if (!q) return ws_error(WS_ENOMEM, "out of memory for topics");
        s->pat_ids = q;
        s->cap_ids = nc;
    }
    memcpy(s->pat_ids + base, ids, (size_t)nids * sizeof *ids);
    if (!(s->pat_text[s->npat] = ws_strndup(text, len))) return ws_error(WS_ENOMEM, "out of memory for topics");
    s->pat_topic[s->npat] = s->ntopics - 1;
    s->pat_off[s->npat + 1] = base + nids;
    s->npat++;
    return 0;
}

typedef struct first_pat {
    uint32_t id, pat;
} first_pat;

static int first_cmp(const void *x, const void *y)
{
    const first_pat *a = x, *b = y;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return a->pat < b->pat ? -1 : a->pat > b->pat;
}

int ws_trends_set_finish(ws_trends_set *s, const ws_norm *norm)
{
    /* Patterns that can match (every word occurs), by first id. */
    first_pat *fp = ws_calloc((size_t)s->npat + 1, sizeof *fp);
    if (!fp) return ws_error(WS_ENOMEM, "out of memory for topics");
    uint32_t n = 0;
    for (uint32_t p = 0; p < s->npat; p++) {
        int ok = 1;
        for (uint32_t i = s->pat_off[p]; i < s->pat_off[p + 1]; i++) ok &= s->pat_ids[i] != WS_NORM_DROP;
        if (ok) fp[n++] = (first_pat){s->pat_ids[s->pat_off[p]], p};
    }
    qsort(fp, n, sizeof *fp, first_cmp);
    s->start_off = ws_calloc((size_t)n + 2, sizeof *s->start_off);
    s->start_pat = ws_calloc((size_t)n + 1, sizeof *s->start_pat);
    s->first = ws_calloc(norm->ndicts + 1, sizeof *s->first);
    s->ndicts = s->first ? norm->ndicts : 0;
    s->dict_key = ws_calloc(norm->ndicts + 1, sizeof *s->dict_key);
    /* key id -> 1 + h over the normalised vocabulary, then per dictionary. */
    uint32_t *byid = ws_calloc((size_t)norm->terms.nterms + 1, sizeof *byid);
    int rc = s->start_off && s->start_pat && s->first && s->dict_key && byid ? 0 : WS_ENOMEM;
    s->nstart = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (i == 0 || fp[i].id != fp[i - 1].id) {
            s->start_off[s->nstart++] = i;
            if (fp[i].id < norm->terms.nterms) byid[fp[i].id] = s->nstart;
        }
        s->start_pat[i] = fp[i].pat;
    }
    if (!rc) s->start_off[s->nstart] = n;
    for (uint32_t d = 0; d < norm->ndicts && !rc; d++) {
        const ws_norm_dict *nd = &norm->dicts[d];
        s->dict_key[d] = nd->key;
        if (!(s->first[d] = ws_calloc((size_t)nd->nsrc + 1, sizeof *s->first[d]))) {
            rc = WS_ENOMEM;
            break;
        }
        for (uint32_t id = 0; id < nd->nsrc; id++) {
            uint32_t k = nd->key[id];
            s->first[d][id] = k < norm->terms.nterms ? byid[k] : 0;
        }
    }
    ws_free(byid);
    ws_free(fp);
    return rc ? ws_error(rc, "out of memory for topic tables") : 0;
}

void ws_trends_out_free(ws_trends_out *o)
{
    if (!o) return;
    ws_free(o->blabel);
    ws_free(o->gid);
    ws_free(o->cell);
    uint64_t undated = o->undated;
    memset(o, 0, sizeof *o);
    o->undated = undated;
}

/* ---- statistics ---- */


double ws_trends_g2(uint64_t a, uint64_t c, uint64_t b, uint64_t d)
{
    if (a > c || b > d) return 0;
    const double o[4] = {(double)a, (double)b, (double)(c - a), (double)(d - b)};
    return ws_assoc_g2(o);
}

int ws_trends_bursts(const uint64_t *r, const uint64_t *d, size_t n, double s, double gamma, ws_burst **out,
                     size_t *nout)
{
    *out = NULL;
    *nout = 0;
    double R = 0, D = 0;
    for (size_t t = 0; t < n; t++) {
        R += (double)r[t];
        D += (double)d[t];
    }
    if (n == 0 || R <= 0 || D <= 0 || R >= D) return 0; /* no rate to rise above */
    double p0 = R / D, p1 = s * p0 < 0.9999 ? s * p0 : 0.9999;
    if (p1 <= p0) return 0;
    double up = gamma * log((double)n);
    double l0 = log(p0), m0 = log1p(-p0), l1 = log(p1), m1 = log1p(-p1);
    /* Viterbi over two states: c0, c1 the cheapest cost of a sequence ending
     * in q0 / q1; from[t] bit q: the state before t on that path was q1. */
    uint8_t *from = ws_malloc(n + 1);
    ws_burst *v = ws_malloc((n / 2 + 1) * sizeof *v);
    if (!from || !v) {
        ws_free(from);
        ws_free(v);
        return ws_error(WS_ENOMEM, "out of memory for bursts over %zu buckets", n);
    }
    double c0 = 0, c1 = INFINITY; /* before the first bucket the automaton is in q0 */
    for (size_t t = 0; t < n; t++) {
        double rr = (double)r[t], nn = (double)(d[t] - r[t]);
        double s0 = -(rr * l0 + nn * m0), s1 = -(rr * l1 + nn * m1);
        uint8_t f = 0;
        double n0 = c0, n1 = c0 + up;
        if (c1 < n0) n0 = c1, f |= 1; /* moving down is free */
        if (c1 <= n1) n1 = c1, f |= 2;
        c0 = n0 + s0;
        c1 = n1 + s1;
        from[t] = f;
    }
    /* Backtrack; state[t] into from[t]'s spare bit 4. */
    int q = c1 < c0 ? 1 : 0;
    for (size_t t = n; t-- > 0;) {
        uint8_t f = from[t];
        from[t] = (uint8_t)(f | (q ? 4 : 0));
        q = q ? (f & 2) != 0 : (f & 1) != 0;
    }
    size_t k = 0;
    for (size_t t = 0; t < n;) {
        if (!(from[t] & 4)) {
            t++;
            continue;
        }
        size_t e = t;
        double w = 0;
        for (; e < n && (from[e] & 4); e++) {
            double rr = (double)r[e], nn = (double)(d[e] - r[e]);
            w += -(rr * l0 + nn * m0) + (rr * l1 + nn * m1);
        }
        v[k++] = (ws_burst){t, e - 1, w};
        t = e;
    }
    ws_free(from);
    *out = v;
    *nout = k;
    return 0;
}

/* ---- hash map: uint64 key -> uint64 value (ws_hmap.h) ---- */

WS_HMAP_DEFINE(tr_map, uint64_t)
typedef tr_map_slot tr_slot;
#define EMPTY WS_HMAP_EMPTY

/* The value of key, 0 when absent. */
static uint64_t map_find(const tr_map *m, uint64_t key)
{
    const uint64_t *v = tr_map_find(m, key);
    return v ? *v : 0;
}

/* ---- state ---- */

typedef struct tr_bucket {
    uint32_t id;
    uint64_t stories;
    tr_map terms; /* term -> df within the bucket */
} tr_bucket;

typedef struct tr_cell {
    uint32_t stamp, df;
} tr_cell;

typedef struct tr_run {
    uint32_t bucket, row;
} tr_run;

typedef struct tr_state {
    const ws_trends_params *p;
    uint64_t undated;
    /* series */
    uint32_t nt, width; /* topics; counts per pair = 2 nt + 1 */
    tr_map pairs;       /* bucket << 32 | group -> index of the pair's counts */
    uint64_t *counts;
    size_t npairs, cappairs;
    uint32_t *ment, *touched;
    uint64_t *mpos;
    ws_buf scratch;
    /* emerging */
    uint32_t n; /* normalised vocabulary */
    tr_cell *cells;
    uint32_t row;
    tr_map bmap; /* bucket id -> index into bs */
    tr_bucket *bs;
    size_t nbs, capbs;
    ws_buf runs;
    ws_buf ids;   /* a block's ids looked up from its codes (emerging) */
    ws_buf cfirst; /* series over a block of codes: first[] per code */
} tr_state;

static void tr_free(void *v)
{
    tr_state *s = v;
    if (!s) return;
    ws_free(s->pairs.slots);
    ws_free(s->counts);
    ws_free(s->ment);
    ws_free(s->touched);
    ws_free(s->mpos);
    ws_buf_free(&s->scratch);
    ws_buf_free(&s->ids);
    ws_buf_free(&s->cfirst);
    ws_free(s->cells);
    ws_free(s->bmap.slots);
    for (size_t i = 0; i < s->nbs; i++) ws_free(s->bs[i].terms.slots);
    ws_free(s->bs);
    ws_buf_free(&s->runs);
    ws_free(s);
}

static void *tr_init(const ws_query *q)
{
    const ws_trends_params *p = q->ext;
    tr_state *s = ws_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->p = p;
    int bad = 0;
    if (p->mode == WS_TRENDS_EMERGING) {
        s->n = q->norm->terms.nterms;
        bad = !(s->cells = ws_calloc((size_t)s->n + 1, sizeof *s->cells)) || tr_map_init(&s->bmap, 64, 0);
    } else {
        s->nt = p->set->ntopics;
        s->width = 2 * s->nt + 1;
        bad = tr_map_init(&s->pairs, 64, 0) || !(s->ment = ws_calloc(s->nt + 1, sizeof *s->ment)) ||
              !(s->touched = ws_calloc(s->nt + 1, sizeof *s->touched)) ||
              !(s->mpos = ws_calloc(s->nt + 1, sizeof *s->mpos));
    }
    if (bad) {
        tr_free(s);
        return NULL;
    }
    return s;
}

/* The counts of pair key, created zeroed when new; NULL when out of memory. */
static uint64_t *pair_get(tr_state *s, uint64_t key)
{
    int fresh;
    uint64_t *sl = tr_map_get(&s->pairs, key, &fresh);
    if (!sl) return NULL;
    if (fresh) {
        if (s->npairs == s->cappairs) {
            size_t nc = s->cappairs ? s->cappairs * 2 : 64;
            uint64_t *c = ws_realloc(s->counts, nc * s->width * sizeof *c);
            if (!c) return NULL;
            s->counts = c;
            s->cappairs = nc;
        }
        memset(s->counts + s->npairs * s->width, 0, s->width * sizeof *s->counts);
        *sl = s->npairs++;
    }
    return s->counts + *sl * s->width;
}

/* The dictionary id of token t of b (loaded as ids or as codes). */
static inline uint32_t tok_id(const ws_block *b, uint64_t t) { return b->codes ? b->code_ids[b->codes[t]] : b->ids[t]; }

/* 1 when the phrase ids[t..t+len) of row r (tokens from row0) matches pat
 * within [.., hi) and within one sentence. */
static int phrase_at(const ws_block *b, const uint32_t *key, uint32_t r, uint64_t t, uint64_t hi, const uint32_t *pat,
                     uint32_t len)
{
    if (t + len > hi) return 0;
    for (uint32_t j = 1; j < len; j++)
        if (key[tok_id(b, t + j)] != pat[j]) return 0;
    /* No sentence may start inside (t, t + len). */
    uint64_t rel = t - b->meta.tok_off[r];
    const uint32_t *st = b->meta.sent + b->meta.sent_off[r];
    size_t lo = 0, hi2 = (size_t)(b->meta.sent_off[r + 1] - b->meta.sent_off[r]);
    while (lo < hi2) { /* first start > rel */
        size_t mid = (lo + hi2) / 2;
        if (st[mid] <= rel) lo = mid + 1;
        else hi2 = mid;
    }
    return !(lo < (size_t)(b->meta.sent_off[r + 1] - b->meta.sent_off[r]) && st[lo] < rel + len);
}

static int series_consume(tr_state *s, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    const ws_trends_params *p = s->p;
    const ws_trends_set *set = p->set;
    const uint32_t *first = NULL, *key = q->norm->key;
    for (uint32_t i = 0; i < set->ndicts && !first; i++)
        if (set->dict_key[i] == key) first = set->first[i];
    if (!first) return ws_error(WS_EINTERNAL, "trends: the topic tables were built for another normalisation");
    const ws_group_seg *gs = q->groups ? ws_groups_seg(q->groups, b->seg) : NULL;
    memset(s->mpos, 0, s->nt * sizeof *s->mpos);
    /* A block of codes: first[] per code (a table of the block's few
     * thousand codes, in cache, instead of one over the dictionary), and
     * rows are not scanned at all when no code starts a pattern. */
    const uint32_t *fc = NULL;
    uint32_t any = 1;
    if (b->codes) {
        if (ws_buf_reserve(&s->cfirst, (size_t)b->ncodes * 4 + 4)) return ws_error(WS_ENOMEM, "out of memory");
        uint32_t *f = (uint32_t *)(void *)s->cfirst.p;
        any = 0;
        for (uint32_t c = 0; c < b->ncodes; c++) any |= f[c] = first[b->code_ids[c]];
        fc = f;
    }
    /* The bucket depends on the day alone (UTC), and a block's stories
     * come in runs of one day: the calendar arithmetic (3% of the CPU,
     * perf) only when the day changes. */
    int64_t cday = 0;
    uint32_t cbucket = WS_GROUP_NONE;
    int cached = 0;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        int64_t dt = b->dates[r];
        uint32_t bucket = WS_GROUP_NONE;
        if (dt != WS_DATE_UNKNOWN) {
            int64_t z = dt >= 0 ? dt / 86400 : -((-(dt + 1)) / 86400) - 1; /* floor */
            if (!cached || z != cday) {
                cday = z;
                cbucket = ws_time_group(p->bucket, dt);
                cached = 1;
            }
            bucket = cbucket;
        }
        if (bucket == WS_GROUP_NONE) {
            s->undated++;
            continue;
        }
        uint64_t lo, hi;
        ws_query_span(q, b, r, &lo, &hi);
        uint32_t nt = 0;
        for (uint64_t t = any ? lo : hi; t < hi; t++) {
            uint32_t h = fc ? fc[b->codes[t]] : first[b->ids[t]];
            if (WS_LIKELY(!h)) continue;
            for (uint32_t k = set->start_off[h - 1]; k < set->start_off[h]; k++) {
                uint32_t pt = set->start_pat[k], len = set->pat_off[pt + 1] - set->pat_off[pt];
                if (len > 1 && !phrase_at(b, key, r, t, hi, set->pat_ids + set->pat_off[pt], len)) continue;
                uint32_t tp = set->pat_topic[pt];
                if (s->mpos[tp] == t + 1) continue; /* this position already counted for the topic */
                s->mpos[tp] = t + 1;
                if (!s->ment[tp]++) s->touched[nt++] = tp;
            }
        }
        const uint32_t *gid = NULL;
        uint32_t ng = 1, zero = 0;
        if (q->groups) {
            int rc = ws_groups_row(q->groups, gs, b, r, &s->scratch, &gid, &ng);
            if (rc) return rc;
        } else {
            gid = &zero;
        }
        for (uint32_t g = 0; g < ng; g++) {
            uint64_t *c = pair_get(s, (uint64_t)bucket << 32 | gid[g]);
            if (!c) return ws_error(WS_ENOMEM, "out of memory for trends counts");
            c[0]++;
            for (uint32_t i = 0; i < nt; i++) {
                c[1 + 2 * s->touched[i]]++;
                c[2 + 2 * s->touched[i]] += s->ment[s->touched[i]];
            }
        }
        for (uint32_t i = 0; i < nt; i++) s->ment[s->touched[i]] = 0;
    }
    return 0;
}

static int run_cmp(const void *x, const void *y)
{
    const tr_run *a = x, *b = y;
    if (a->bucket != b->bucket) return a->bucket < b->bucket ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* The state of bucket id, created when new; NULL when out of memory. */
static tr_bucket *bucket_get(tr_state *s, uint32_t id)
{
    int fresh;
    uint64_t *sl = tr_map_get(&s->bmap, id, &fresh);
    if (!sl) return NULL;
    if (!fresh) return &s->bs[*sl];
    if (s->nbs == s->capbs) {
        size_t nc = s->capbs ? s->capbs * 2 : 16;
        tr_bucket *g = ws_realloc(s->bs, nc * sizeof *g);
        if (!g) return NULL;
        s->bs = g;
        s->capbs = nc;
    }
    tr_bucket *g = &s->bs[s->nbs];
    memset(g, 0, sizeof *g);
    g->id = id;
    /* seeded per table: merge() moves one thread's table into another in
     * slot order, which with one hash for all piles into long probe runs
     * (see ws_hmap.h); the seed never changes what is counted or printed */
    if (tr_map_init(&g->terms, 256, ws_hmap_mix((uint64_t)(uintptr_t)g + 0x9e3779b97f4a7c15ULL))) return NULL;
    *sl = s->nbs++;
    return g;
}

static int emerging_consume(tr_state *s, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    const uint32_t *map = q->norm->sink, *ids = ws_block_ids(b, &s->ids);
    if (!ids) return ws_error(WS_ENOMEM, "out of memory for a block's token ids");
    s->runs.n = 0;
    int rc = ws_buf_reserve(&s->runs, (size_t)b->nrows * sizeof(tr_run));
    if (rc) return rc;
    tr_run *runs = (tr_run *)(void *)s->runs.p;
    size_t nrun = 0;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        uint32_t bucket = ws_time_group(s->p->bucket, b->dates[r]);
        if (bucket == WS_GROUP_NONE) s->undated++;
        else runs[nrun++] = (tr_run){bucket, r};
    }
    if (nrun > 1) qsort(runs, nrun, sizeof *runs, run_cmp);
    if (s->row > UINT32_MAX - (uint32_t)(nrun + 1)) { /* stamps would wrap: df cells are all zero between runs */
        memset(s->cells, 0, ((size_t)s->n + 1) * sizeof *s->cells);
        s->row = 0;
    }
    for (size_t i = 0; i < nrun;) {
        uint32_t g = runs[i].bucket;
        size_t j = i;
        for (; j < nrun && runs[j].bucket == g; j++) {
            uint64_t lo, hi;
            ws_query_span(q, b, runs[j].row, &lo, &hi);
            uint32_t row = ++s->row;
            for (uint64_t t = lo; t < hi; t++) {
                tr_cell *c = &s->cells[map[ids[t]]];
                c->df += c->stamp != row;
                c->stamp = row;
            }
        }
        tr_bucket *bk = bucket_get(s, g);
        if (!bk) return ws_error(WS_ENOMEM, "out of memory for trends buckets");
        bk->stories += j - i;
        /* Move the run's df into the bucket's map: the first visit of a term moves and clears it. */
        for (size_t k = i; k < j; k++) {
            uint64_t lo, hi;
            ws_query_span(q, b, runs[k].row, &lo, &hi);
            for (uint64_t t = lo; t < hi; t++) {
                uint32_t id = map[ids[t]];
                tr_cell *c = &s->cells[id];
                if (!c->df) continue;
                if (id < s->n) {
                    int fresh;
                    uint64_t *sl = tr_map_get(&bk->terms, id, &fresh);
                    if (!sl) return ws_error(WS_ENOMEM, "out of memory for trends terms");
                    *sl += c->df;
                }
                c->df = 0;
            }
        }
        i = j;
    }
    return 0;
}

static int tr_consume(void *v, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    tr_state *s = v;
    return s->p->mode == WS_TRENDS_EMERGING ? emerging_consume(s, q, b, sel) : series_consume(s, q, b, sel);
}

static int tr_merge(void *into, const void *from, const ws_query *q)
{
    (void)q;
    tr_state *a = into;
    const tr_state *b = from;
    a->undated += b->undated;
    if (a->p->mode == WS_TRENDS_EMERGING) {
        for (size_t i = 0; i < b->nbs; i++) {
            tr_bucket *g = bucket_get(a, b->bs[i].id);
            if (!g) return ws_error(WS_ENOMEM, "out of memory merging trends buckets");
            g->stories += b->bs[i].stories;
            const tr_map *m = &b->bs[i].terms;
            for (size_t k = 0; k < m->cap; k++) {
                if (m->slots[k].key == EMPTY) continue;
                int fresh;
                uint64_t *sl = tr_map_get(&g->terms, m->slots[k].key, &fresh);
                if (!sl) return ws_error(WS_ENOMEM, "out of memory merging trends terms");
                *sl += m->slots[k].val;
            }
        }
        return 0;
    }
    for (size_t k = 0; k < b->pairs.cap; k++) {
        const tr_slot *sl = &b->pairs.slots[k];
        if (sl->key == EMPTY) continue;
        uint64_t *c = pair_get(a, sl->key);
        if (!c) return ws_error(WS_ENOMEM, "out of memory merging trends counts");
        const uint64_t *f = b->counts + sl->val * b->width;
        for (uint32_t i = 0; i < a->width; i++) c[i] += f[i];
    }
    return 0;
}

/* ---- taking tf's counts (ws_kernel.adopt) ----
 * trends --emerging counts, per bucket, its stories and each kept term's
 * df: what tf --by the same time bucket counts per group (with tf too),
 * under the same normalisation, filters and field. tf's undated group is
 * trends' undated count. */
static int tr_adopt_ok(const ws_kernel *k, const ws_query *kq, const ws_query *q)
{
    const ws_trends_params *p = q->ext;
    return k == &ws_kernel_tf && p && p->mode == WS_TRENDS_EMERGING && kq->groups && kq->groups->by == p->bucket &&
           p->bucket >= WS_BY_DAY && p->bucket <= WS_BY_YEAR && kq->field == q->field;
}

static int adopt_group(void *arg, uint32_t id, uint64_t stories)
{
    tr_state *s = arg;
    if (id == WS_GROUP_NONE) {
        s->undated += stories;
        return 0;
    }
    tr_bucket *bk = bucket_get(s, id);
    if (!bk) return ws_error(WS_ENOMEM, "out of memory for trends buckets");
    bk->stories += stories;
    return 0;
}

static int adopt_term(void *arg, uint32_t id, uint32_t term, uint64_t tf, uint64_t df)
{
    (void)tf;
    tr_state *s = arg;
    if (id == WS_GROUP_NONE || !df) return 0;
    tr_bucket *bk = bucket_get(s, id);
    int fresh;
    uint64_t *sl = bk ? tr_map_get(&bk->terms, term, &fresh) : NULL;
    if (!sl) return ws_error(WS_ENOMEM, "out of memory for trends terms");
    *sl += df;
    return 0;
}

static int tr_adopt(void *state, const ws_query *q, const ws_kernel *k, const void *kstate, const ws_query *kq)
{
    if (!tr_adopt_ok(k, kq, q)) return ws_error(WS_EINVAL, "trends: cannot take counts from kernel %s", k->name);
    return ws_tf_grouped_each(kstate, adopt_group, adopt_term, state);
}

/* ---- across processes: undated, then the mode's counts as varints ---- */
static int tr_pack(const void *v, const ws_query *q, ws_buf *out)
{
    (void)q;
    const tr_state *s = v;
    if (ws_buf_reserve(out, 2 * WS_VARINT_MAX)) return WS_ENOMEM;
    ws_buf_put_varint(out, s->undated);
    if (s->p->mode == WS_TRENDS_EMERGING) {
        ws_buf_put_varint(out, s->nbs);
        for (size_t i = 0; i < s->nbs; i++) {
            const tr_bucket *g = &s->bs[i];
            if (ws_buf_reserve(out, 3 * WS_VARINT_MAX)) return WS_ENOMEM;
            ws_buf_put_varint(out, g->id);
            ws_buf_put_varint(out, g->stories);
            ws_buf_put_varint(out, g->terms.used);
            for (size_t k = 0; k < g->terms.cap; k++) {
                if (g->terms.slots[k].key == EMPTY) continue;
                if (ws_buf_reserve(out, 2 * WS_VARINT_MAX)) return WS_ENOMEM;
                ws_buf_put_varint(out, g->terms.slots[k].key);
                ws_buf_put_varint(out, g->terms.slots[k].val);
            }
        }
        return 0;
    }
    for (size_t k = 0; k < s->pairs.cap; k++) {
        const tr_slot *sl = &s->pairs.slots[k];
        if (sl->key == EMPTY) continue;
        if (ws_buf_reserve(out, (1 + (size_t)s->width) * WS_VARINT_MAX)) return WS_ENOMEM;
        ws_buf_put_varint(out, sl->key);
        const uint64_t *f = s->counts + sl->val * s->width;
        for (uint32_t i = 0; i < s->width; i++) ws_buf_put_varint(out, f[i]);
    }
    return 0;
}

static int tr_unpack(void *v, const ws_query *q, const uint8_t *data, size_t len)
{
    (void)q;
    tr_state *s = v;
    const uint8_t *at = data, *end = data + len;
    uint64_t a, b, n;
    if (ws_varint_get(&at, end, &a)) goto bad;
    s->undated += a; /* (added: a merged state takes it too, WS_KF_TREE) */
    if (s->p->mode == WS_TRENDS_EMERGING) {
        uint64_t nbs;
        if (ws_varint_get(&at, end, &nbs)) goto bad;
        for (uint64_t i = 0; i < nbs; i++) {
            if (ws_varint_get(&at, end, &a) || ws_varint_get(&at, end, &b) || ws_varint_get(&at, end, &n) || a > UINT32_MAX)
                goto bad;
            tr_bucket *g = bucket_get(s, (uint32_t)a);
            if (!g) return ws_error(WS_ENOMEM, "out of memory unpacking trends buckets");
            g->stories += b;
            for (uint64_t k = 0; k < n; k++) {
                if (ws_varint_get(&at, end, &a) || ws_varint_get(&at, end, &b)) goto bad;
                int fresh;
                uint64_t *sl = tr_map_get(&g->terms, a, &fresh);
                if (!sl) return ws_error(WS_ENOMEM, "out of memory unpacking trends terms");
                *sl += b;
            }
        }
        return at == end ? 0 : ws_error(WS_ECORRUPT, "trends state: trailing bytes");
    }
    while (at < end) {
        if (ws_varint_get(&at, end, &a)) goto bad;
        uint64_t *c = pair_get(s, a);
        if (!c) return ws_error(WS_ENOMEM, "out of memory unpacking trends counts");
        for (uint32_t i = 0; i < s->width; i++) {
            if (ws_varint_get(&at, end, &b)) goto bad;
            c[i] += b;
        }
    }
    return 0;
bad:
    return ws_error(WS_ECORRUPT, "trends state from another process is malformed");
}

/* ---- finish ---- */

static uint32_t bucket_step(ws_by by) { return by == WS_BY_WEEK ? 7 : 1; }

static const char *group_column(const ws_groups *g)
{
    return g->by == WS_BY_SOURCE ? "source" : g->tag ? g->tag : "group";
}

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* Lay the pairs out densely into o (see ws_trends_out). */
static int series_table(tr_state *s, ws_trends_out *o)
{
    const ws_trends_params *p = s->p;
    memset(o, 0, sizeof *o);
    o->undated = s->undated;
    o->nt = s->nt;
    uint32_t bmin = UINT32_MAX, bmax = 0;
    uint32_t *gids = ws_calloc(s->pairs.used + 1, sizeof *gids);
    if (!gids) return ws_error(WS_ENOMEM, "out of memory for the trends table");
    size_t ng = 0;
    for (size_t k = 0; k < s->pairs.cap; k++) {
        const tr_slot *sl = &s->pairs.slots[k];
        if (sl->key == EMPTY) continue;
        uint32_t bk = (uint32_t)(sl->key >> 32);
        bmin = bk < bmin ? bk : bmin;
        bmax = bk > bmax ? bk : bmax;
        gids[ng++] = (uint32_t)sl->key;
    }
    qsort(gids, ng, sizeof *gids, u32_cmp);
    size_t u = 0;
    for (size_t i = 0; i < ng; i++)
        if (!u || gids[u - 1] != gids[i]) gids[u++] = gids[i];
    o->gid = gids;
    o->ng = (uint32_t)u;
    if (!s->pairs.used) return 0;
    uint32_t step = bucket_step(p->bucket);
    uint64_t nb = (bmax - bmin) / step + 1;
    if (nb > WS_TRENDS_MAX_BUCKETS) {
        /* Every bucket between the first and the last story is a row (or a
         * chart position): a few stories dated years apart would make
         * millions of zero rows. */
        ws_groups tg = {0};
        tg.by = p->bucket;
        char b0[32], b1[32];
        ws_str l0 = ws_group_label(&tg, bmin, b0), l1 = ws_group_label(&tg, bmax, b1);
        static const char *const kind[] = {"", "day", "week", "month", "quarter", "year"};
        return ws_error(WS_ETOOBIG,
                        "the stories fill %llu %s buckets, from %.*s to %.*s: more than the %u a series may "
                        "have; narrow the dates with --from/--to or use a coarser --bucket",
                        (unsigned long long)nb, p->bucket <= WS_BY_YEAR ? kind[p->bucket] : "", (int)l0.n, l0.p,
                        (int)l1.n, l1.p, (unsigned)WS_TRENDS_MAX_BUCKETS);
    }
    o->nb = (uint32_t)nb;
    size_t w = s->width, rows = (size_t)o->nb * o->ng;
    o->blabel = ws_calloc(o->nb, sizeof *o->blabel);
    o->cell = ws_calloc(rows * w + 1, sizeof *o->cell);
    if (!o->blabel || !o->cell) return ws_error(WS_ENOMEM, "out of memory for %zu trends rows", rows);
    ws_groups tg = {0};
    tg.by = p->bucket;
    for (uint32_t b = 0; b < o->nb; b++) {
        char buf[32];
        ws_str l = ws_group_label(&tg, bmin + b * step, buf);
        memcpy(o->blabel[b], l.p, l.n < 31 ? l.n : 31);
    }
    for (size_t k = 0; k < s->pairs.cap; k++) {
        const tr_slot *sl = &s->pairs.slots[k];
        if (sl->key == EMPTY) continue;
        uint32_t b = ((uint32_t)(sl->key >> 32) - bmin) / step, g = (uint32_t)sl->key;
        const uint32_t *gp = bsearch(&g, gids, o->ng, sizeof *gids, u32_cmp);
        memcpy(o->cell + ((size_t)b * o->ng + (size_t)(gp - gids)) * w, s->counts + sl->val * w,
               w * sizeof *o->cell);
    }
    return 0;
}

static inline const uint64_t *cell_at(const ws_trends_out *o, uint32_t b, uint32_t g)
{
    return o->cell + ((size_t)b * o->ng + g) * (2 * (size_t)o->nt + 1);
}

/* docs / total; NaN when the bucket has no story: the share of nothing is
 * unknown, not 0 (a false drop in a chart, a false zero in a mean). */
static double share_at(const ws_trends_out *o, uint32_t b, uint32_t g, uint32_t t)
{
    const uint64_t *c = cell_at(o, b, g);
    return c[0] ? (double)c[1 + 2 * t] / (double)c[0] : NAN;
}

/* Mean of the known shares over the trailing k buckets (b and the k - 1
 * before; fewer at the start); NaN when none of them has a story. */
static double smooth_at(const ws_trends_out *o, uint32_t b, uint32_t g, uint32_t t, uint32_t k)
{
    uint32_t from = b + 1 >= k ? b + 1 - k : 0, n = 0;
    double sum = 0;
    for (uint32_t i = from; i <= b; i++) {
        double v = share_at(o, i, g, t);
        if (isnan(v)) continue;
        sum += v;
        n++;
    }
    return n ? sum / (double)n : NAN;
}

/* A share cell: NULL (an empty CSV cell, JSON null) when unknown (NaN). */
static int share_cell(ws_table *out, double v) { return isnan(v) ? ws_table_null(out) : ws_table_double(out, v); }

static int write_group(ws_table *out, const ws_query *q, const ws_trends_out *o, uint32_t g)
{
    char buf[32];
    return ws_table_text(out, ws_group_label(q->groups, o->gid[g], buf));
}

/* The first columns: bucket[,group] (or topic[,group] for bursts). */
static int lead_columns(ws_table *out, const char *first, const ws_query *q)
{
    int rc = ws_table_add_col(out, first, WS_TYPE_TEXT);
    if (!rc && q->groups) rc = ws_table_add_col(out, group_column(q->groups), WS_TYPE_TEXT);
    return rc;
}

static int series_long(const ws_trends_params *p, const ws_query *q, const ws_trends_out *o, ws_table *out)
{
    static const char *const names[] = {"topic", "docs", "mentions", "total", "share", "share_ma"};
    static const ws_type types[] = {WS_TYPE_TEXT, WS_TYPE_INT64, WS_TYPE_INT64, WS_TYPE_INT64, WS_TYPE_DOUBLE, WS_TYPE_DOUBLE};
    int rc = lead_columns(out, "bucket", q);
    for (size_t c = 0; c < (p->smooth ? 6u : 5u) && !rc; c++) rc = ws_table_add_col(out, names[c], types[c]);
    for (uint32_t b = 0; b < o->nb && !rc; b++)
        for (uint32_t g = 0; g < o->ng && !rc; g++) {
            const uint64_t *c = cell_at(o, b, g);
            for (uint32_t t = 0; t < o->nt && !rc; t++) {
                rc = ws_table_cstr(out, o->blabel[b]);
                if (!rc && q->groups) rc = write_group(out, q, o, g);
                rc = rc ? rc : ws_table_cstr(out, p->set->names[t]);
                rc = rc ? rc : ws_table_int(out, (int64_t)c[1 + 2 * t]);
                rc = rc ? rc : ws_table_int(out, (int64_t)c[2 + 2 * t]);
                rc = rc ? rc : ws_table_int(out, (int64_t)c[0]);
                rc = rc ? rc : share_cell(out, share_at(o, b, g, t));
                if (!rc && p->smooth) rc = share_cell(out, smooth_at(o, b, g, t, p->smooth));
            }
        }
    return rc;
}

static int series_wide(const ws_trends_params *p, const ws_query *q, const ws_trends_out *o, ws_table *out)
{
    int rc = lead_columns(out, "bucket", q);
    if (!rc) rc = ws_table_add_col(out, "total", WS_TYPE_INT64);
    for (uint32_t t = 0; t < o->nt && !rc; t++)
        rc = ws_table_add_col(out, p->set->names[t], p->wide == 2 ? WS_TYPE_DOUBLE : WS_TYPE_INT64);
    for (uint32_t t = 0; p->smooth && t < o->nt && !rc; t++) {
        char *name = ws_malloc(strlen(p->set->names[t]) + 4);
        if (!name) return ws_error(WS_ENOMEM, "out of memory");
        memcpy(name, p->set->names[t], strlen(p->set->names[t]));
        memcpy(name + strlen(p->set->names[t]), "_ma", 4);
        rc = ws_table_add_col(out, name, WS_TYPE_DOUBLE);
        ws_free(name);
    }
    for (uint32_t b = 0; b < o->nb && !rc; b++)
        for (uint32_t g = 0; g < o->ng && !rc; g++) {
            const uint64_t *c = cell_at(o, b, g);
            rc = ws_table_cstr(out, o->blabel[b]);
            if (!rc && q->groups) rc = write_group(out, q, o, g);
            rc = rc ? rc : ws_table_int(out, (int64_t)c[0]);
            for (uint32_t t = 0; t < o->nt && !rc; t++)
                rc = p->wide == 2 ? share_cell(out, share_at(o, b, g, t)) : ws_table_int(out, (int64_t)c[1 + 2 * t]);
            for (uint32_t t = 0; p->smooth && t < o->nt && !rc; t++)
                rc = share_cell(out, smooth_at(o, b, g, t, p->smooth));
        }
    return rc;
}

static int series_bursts(const ws_trends_params *p, const ws_query *q, const ws_trends_out *o, ws_table *out)
{
    int rc = lead_columns(out, "topic", q);
    rc = rc ? rc : ws_table_add_col(out, "start", WS_TYPE_TEXT);
    rc = rc ? rc : ws_table_add_col(out, "end", WS_TYPE_TEXT);
    rc = rc ? rc : ws_table_add_col(out, "weight", WS_TYPE_DOUBLE);
    uint64_t *r = ws_calloc((size_t)o->nb + 1, sizeof *r), *d = ws_calloc((size_t)o->nb + 1, sizeof *d);
    if (!r || !d) rc = ws_error(WS_ENOMEM, "out of memory for bursts");
    for (uint32_t t = 0; t < o->nt && !rc; t++)
        for (uint32_t g = 0; g < o->ng && !rc; g++) {
            for (uint32_t b = 0; b < o->nb; b++) {
                const uint64_t *c = cell_at(o, b, g);
                d[b] = c[0];
                r[b] = c[1 + 2 * t];
            }
            ws_burst *v;
            size_t nv;
            if ((rc = ws_trends_bursts(r, d, o->nb, p->burst_s, p->burst_gamma, &v, &nv))) break;
            for (size_t i = 0; i < nv && !rc; i++) {
                rc = ws_table_cstr(out, p->set->names[t]);
                if (!rc && q->groups) rc = write_group(out, q, o, g);
                rc = rc ? rc : ws_table_cstr(out, o->blabel[v[i].start]);
                rc = rc ? rc : ws_table_cstr(out, o->blabel[v[i].end]);
                rc = rc ? rc : ws_table_double(out, v[i].weight);
            }
            ws_free(v);
        }
    ws_free(r);
    ws_free(d);
    return rc;
}

typedef struct em_item {
    ws_str term;
    uint64_t count, base;
    double score;
} em_item;

/* Score descending, then term bytewise. */
/* 1 when a ranks after b: a lower score, or equal and a later term
 * (terms are distinct in a bucket: a total order). */
static inline int em_after(const void *ctx, const em_item *a, const em_item *b)
{
    (void)ctx;
    if (a->score != b->score) return a->score < b->score;
    return ws_str_cmp(a->term, b->term) > 0;
}

WS_TOPK_DEFINE(em_top, em_item, void, em_after)

static int bucket_cmp(const void *x, const void *y)
{
    const tr_bucket *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int emerging_finish(tr_state *s, const ws_query *q, ws_table *out)
{
    const ws_trends_params *p = s->p;
    if (p->out) {
        memset(p->out, 0, sizeof *p->out);
        p->out->undated = s->undated;
    }
    static const char *const names[] = {"bucket", "term", "count", "baseline", "score"};
    static const ws_type types[] = {WS_TYPE_TEXT, WS_TYPE_TEXT, WS_TYPE_INT64, WS_TYPE_INT64, WS_TYPE_DOUBLE};
    int rc = 0;
    for (size_t c = 0; c < 5 && !rc; c++) rc = ws_table_add_col(out, names[c], types[c]);
    if (rc || !s->nbs) return rc;
    qsort(s->bs, s->nbs, sizeof *s->bs, bucket_cmp);
    uint32_t step = bucket_step(p->bucket), bmin = s->bs[0].id;
    size_t nb = (s->bs[s->nbs - 1].id - bmin) / step + 1;
    /* Calendar index -> bucket (NULL when no story fell in it). */
    tr_bucket **cal = ws_calloc(nb + 1, sizeof *cal);
    size_t most = 0;
    for (size_t i = 0; i < s->nbs; i++) most = s->bs[i].terms.used > most ? s->bs[i].terms.used : most;
    em_item *items = ws_malloc((most + 1) * sizeof *items);
    if (!cal || !items) {
        ws_free(cal);
        ws_free(items);
        return ws_error(WS_ENOMEM, "out of memory ranking emerging terms");
    }
    for (size_t i = 0; i < s->nbs; i++) cal[(s->bs[i].id - bmin) / step] = &s->bs[i];
    ws_groups tg = {0};
    tg.by = p->bucket;
    for (size_t bi = 0; bi < nb && !rc; bi++) {
        const tr_bucket *bk = cal[bi];
        if (!bk) continue;
        size_t from = bi >= p->baseline ? bi - p->baseline : 0;
        uint64_t d = 0, c = bk->stories;
        for (size_t j = from; j < bi; j++) d += cal[j] ? cal[j]->stories : 0;
        if (!d || !c) continue; /* no baseline to compare with */
        size_t n = 0;
        const tr_map *m = &bk->terms;
        for (size_t k = 0; k < m->cap; k++) {
            const tr_slot *sl = &m->slots[k];
            if (sl->key == EMPTY || sl->val < p->min_count) continue;
            uint64_t a = sl->val, base = 0;
            for (size_t j = from; j < bi; j++)
                if (cal[j]) base += map_find(&cal[j]->terms, sl->key);
            /* Over-represented only: a / c > base / d, compared exactly. */
            if ((unsigned __int128)a * d <= (unsigned __int128)base * c) continue;
            items[n++] = (em_item){ws_norm_term(q->norm, (uint32_t)sl->key), a, base, ws_trends_g2(a, c, base, d)};
        }
        size_t k = em_top_select(NULL, items, n, q->top);
        char buf[32];
        ws_str label = ws_group_label(&tg, bk->id, buf);
        for (size_t i = 0; i < k && !rc; i++) {
            rc = ws_table_text(out, label);
            rc = rc ? rc : ws_table_text(out, items[i].term);
            rc = rc ? rc : ws_table_int(out, (int64_t)items[i].count);
            rc = rc ? rc : ws_table_int(out, (int64_t)items[i].base);
            rc = rc ? rc : ws_table_double(out, items[i].score);
        }
    }
    ws_free(cal);
    ws_free(items);
    return rc;
}

static int tr_finish(void *v, const ws_query *q, ws_table *out)
{
    tr_state *s = v;
    const ws_trends_params *p = s->p;
    if (p->mode == WS_TRENDS_EMERGING) return emerging_finish(s, q, out);
    ws_trends_out local, *o = p->out ? p->out : &local;
    int rc = series_table(s, o);
    if (!rc) {
        if (p->mode == WS_TRENDS_BURSTS) rc = series_bursts(p, q, o, out);
        else if (p->wide) rc = series_wide(p, q, o, out);
        else rc = series_long(p, q, o, out);
    }
    if (o == &local) ws_trends_out_free(&local);
    return rc;
}

const ws_kernel ws_kernel_trends = {
    .name = "trends",
    .summary = "topic series per day/week/month/quarter/year; emerging terms; bursts",
    .help = "Stories per time bucket that mention topics, as CSV (long format):\n"
            "  bucket,topic,docs,mentions,total,share\n"
            "docs = stories in the bucket that mention the topic, mentions = positions\n"
            "where one of its terms or phrases starts (a position counts once per topic),\n"
            "total = stories in the bucket that pass the filters, share = docs / total\n"
            "(empty when the bucket has no story: unknown, not 0). Every bucket from the\n"
            "first to the last dated story is listed (zero-filled; at most 100000);\n"
            "rows by bucket, then topic in the order given. Undated stories are left out\n"
            "(their count is reported). With --emerging: emerging terms per bucket; with\n"
            "--bursts: burst intervals of each topic. See docs/trends.md.",
    .params = ws_trends_param_table,
    .nparams = sizeof ws_trends_param_table / sizeof ws_trends_param_table[0],
    .flags = WS_KF_GROUPS | WS_KF_TREE | WS_KF_SELROWS,
    .columns = WS_COLBIT_TOKCODES | WS_COLBIT(WS_C_TOKMETA) | WS_COLBIT(WS_C_DATE),
    .prepare = ws_trends_prepare,
    .done = ws_trends_done,
    .release = ws_trends_release,
    .init = tr_init,
    .consume = tr_consume,
    .merge = tr_merge,
    .finish = tr_finish,
    .free = tr_free,
    .pack = tr_pack,
    .unpack = tr_unpack,
    .adopt_ok = tr_adopt_ok,
    .adopt = tr_adopt,
};
