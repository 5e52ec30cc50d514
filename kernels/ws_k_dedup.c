/*
 * dedup: clusters of copies (exact and near-duplicate stories) by MinHash
 * over word shingles and LSH banding (ws_minhash.h).
 *
 * The scan collects, per story passing the filters, its date, id, source
 * and MinHash record: read from the segment's signature file when the
 * store keeps one made with the same parameters (the default
 * normalisation), else signed here from the tokens, which are the
 * kernel's late columns, decoded only for blocks without stored records.
 * finish orders the stories chronologically (date, undated last; then id,
 * bytewise; then store order) and clusters them (ws_mh_cluster), so the
 * result does not depend on the thread count.
 *
 * Output (one row per story in a cluster of two or more, clusters in the
 * order of their earliest story, stories chronologically):
 *   id,cluster,first_id,similarity,source,date
 * similarity: the story's estimated similarity to its cluster's earliest
 * story, max(Jaccard, containment of the shorter in the longer), rounded
 * to 4 decimals (1 for the earliest story and for exact copies).
 * --by source instead: origin,copier,stories,median_delay_hours, one row
 * per ordered pair of sources (origin: the earliest story's source;
 * copier: a later copy's source, the same source included), most stories
 * first. Side table summary: cluster,first_id,size,first_date,last_date,
 * sources (distinct sources in the cluster).
 *
 * The engine runs the same kernel for --dedup (MASK: a bit per story that
 * counts: the earliest of its cluster, or alone) and for signing stores
 * (SIGN: every story's record, in store order).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ws_k_dedup.h"

static const ws_param_info dedup_params[] = {
    {"threshold", WS_PARAM_DOUBLE, WS_DD_DEFAULT_THRESHOLD_S, "J",
     "copies have an estimated similarity of at least J, in (0, 1] (default\n" WS_DD_DEFAULT_THRESHOLD_S
     "): the larger of the Jaccard similarity of their shingle sets and the\n"
     "containment of the shorter story in the longer (a reprint cut to half is\n"
     "a copy)", NULL, 0, 1, 0, NULL},
    {"shingle", WS_PARAM_INT, "5", "N", "words per shingle (default 5)", NULL, 0, 64, 0, NULL},
    {"perm", WS_PARAM_INT, "128", "P", "MinHash permutations, even, 16 to 1024 (default 128; stored signatures use 128)",
     NULL, 0, WS_MH_MAX_PERM, 0, NULL},
    {"window", WS_PARAM_INT, "7", "DAYS",
     "copies are searched within DAYS days of each other (default 7; 0: no limit;\nundated stories match any date)",
     NULL, 0, 1000000, 0, NULL},
    {"seed", WS_PARAM_INT, "1", "S", "the seed of the MinHash permutations (default 1, as stored signatures)", NULL, 0,
     INT64_MAX, 0, NULL},
    {"by", WS_PARAM_CHOICE, "story", "G",
     "story (default: one row per story in a cluster) or source: per ordered pair\n"
     "of sources, how many of the second's stories copy an earlier story of the\n"
     "first: origin,copier,stories,median_delay_hours",
     "story|source", 0, 0, 0, NULL},
    {"save", WS_PARAM_FLAG, NULL, NULL,
     "first add signatures to the store for its segments without them (the\n"
     "default parameters; later runs and --dedup read them)", NULL, 0, 1, 0, NULL},
};

static const char *const dedup_tables[] = {"summary", NULL};

typedef struct dd_rec {
    uint64_t ord;
    int64_t date;
    uint32_t id_off, id_len, src_off, src_len;
} dd_rec;

typedef struct dd_state {
    const ws_dd_plan *pl;
    dd_rec *recs;
    size_t n, cap;
    ws_buf rows, text;
    /* the block being consumed */
    const ws_dd_seg *seg;
    size_t blk_first;
    ws_buf th, scratch, mins;
} dd_state;

/* ---- the plan ---- */

void ws_dd_release(void *ext)
{
    ws_dd_plan *pl = ext;
    if (!pl) return;
    ws_mh_hasher_free(&pl->h);
    for (size_t i = 0; pl->th && i < pl->nstores; i++) ws_free(pl->th[i]);
    ws_free(pl->th);
    ws_free(pl->segs);
    ws_free(pl->keep);
    ws_free(pl->rows);
    ws_free(pl);
}

int ws_dd_setup(const ws_plan *plan, int mode, const ws_mh_params *mp, double threshold, int64_t window_days,
                int use_stored, ws_dd_plan **out)
{
    *out = NULL;
    if (!(threshold > 0 && threshold <= 1))
        return ws_error(WS_EINVAL, "--threshold %g: a similarity in (0, 1] (e.g. 0.5)", threshold);
    if (!mp->shingle) return ws_error(WS_EINVAL, "--shingle 0: a shingle holds at least one word");
    if (mp->perm < 16 || mp->perm > WS_MH_MAX_PERM || mp->perm % 2)
        return ws_error(WS_EINVAL, "--perm %u: an even number from 16 to %u", mp->perm, WS_MH_MAX_PERM);
    if (mp->field > 2) return ws_error(WS_EINVAL, "bad field");
    ws_dd_plan *pl = ws_calloc(1, sizeof *pl);
    if (!pl) return WS_ENOMEM;
    pl->self = pl;
    pl->plan = plan;
    pl->mode = mode;
    pl->mp = *mp;
    pl->threshold = threshold;
    pl->window_s = window_days * 86400;
    int rc = ws_mh_hasher_init(&pl->h, mp);
    /* Term hashes: of each normalised term's string, so signatures agree
     * across stores and appends; dropped terms are 0 (skipped). */
    const ws_norm *norm = plan->norm;
    uint64_t *nh = rc ? NULL : ws_malloc(((size_t)norm->terms.nterms + 1) * sizeof *nh);
    if (!rc && !nh) rc = WS_ENOMEM;
    for (uint32_t i = 0; !rc && i < norm->terms.nterms; i++) {
        ws_str t = ws_norm_term(norm, i);
        nh[i] = ws_mh_term_hash(t.p, t.n);
    }
    pl->nstores = plan->nstores;
    if (!rc && !(pl->th = ws_calloc(plan->nstores + 1, sizeof *pl->th))) rc = WS_ENOMEM;
    for (size_t j = 0; !rc && j < plan->nstores; j++) {
        const ws_norm_dict *nd = &norm->dicts[j];
        if (!(pl->th[j] = ws_malloc(((size_t)nd->nsrc + 1) * sizeof *pl->th[j]))) rc = WS_ENOMEM;
        for (uint32_t id = 0; !rc && id < nd->nsrc; id++) pl->th[j][id] = nd->map[id] == WS_NORM_DROP ? 0 : nh[nd->map[id]];
    }
    ws_free(nh);
    for (size_t j = 0; !rc && j < plan->nstores; j++) pl->nsegs += plan->stores[j]->nsegs;
    if (!rc && !(pl->segs = ws_calloc((size_t)pl->nsegs + 1, sizeof *pl->segs))) rc = WS_ENOMEM;
    uint32_t k = 0;
    for (size_t j = 0; !rc && j < plan->nstores; j++)
        for (uint32_t i = 0; !rc && i < plan->stores[j]->nsegs; i++, k++) {
            ws_dd_seg *s = &pl->segs[k];
            s->seg = plan->stores[j]->segs[i];
            s->store = (uint32_t)j;
            s->base = pl->nstories;
            pl->nstories += s->seg->nrows;
            if (use_stored && plan->signatures) rc = plan->signatures(plan->ctx, j, i, mp, &s->stored);
        }
    if (rc) {
        ws_dd_release(pl);
        return rc;
    }
    *out = pl;
    return 0;
}

static int dd_prepare(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext)
{
    ws_mh_params mp = {(uint32_t)ws_params_int(p, "perm"), (uint32_t)ws_params_int(p, "shingle"),
                       (uint64_t)ws_params_int(p, "seed"), (uint32_t)q->field};
    /* Stored signatures were made under the default normalisation. */
    static const char *const norm_params[] = {"case", "stem", "stopwords", "min-length", "no-numbers"};
    int use_stored = 1;
    for (size_t i = 0; i < sizeof norm_params / sizeof norm_params[0]; i++)
        if (ws_params_given(p, norm_params[i])) use_stored = 0;
    ws_dd_plan *pl;
    int rc = ws_dd_setup(plan, WS_DD_REPORT, &mp, ws_params_double(p, "threshold"), ws_params_int(p, "window"),
                         use_stored, &pl);
    if (rc) return rc;
    pl->by_source = !strcmp(ws_params_text(p, "by"), "source");
    q->ext = pl;
    *ext = pl;
    return 0;
}

/* ---- per thread ---- */

static void *dd_init(const ws_query *q)
{
    dd_state *s = ws_calloc(1, sizeof *s);
    if (s) s->pl = q->ext;
    return s;
}

static void dd_free(void *v)
{
    dd_state *s = v;
    if (!s) return;
    ws_free(s->recs);
    ws_buf_free(&s->rows);
    ws_buf_free(&s->text);
    ws_buf_free(&s->th);
    ws_buf_free(&s->scratch);
    ws_buf_free(&s->mins);
    ws_free(s);
}

static const ws_dd_seg *find_seg(const ws_dd_plan *pl, const ws_segment *seg)
{
    for (uint32_t i = 0; i < pl->nsegs; i++)
        if (pl->segs[i].seg == seg) return &pl->segs[i];
    return NULL;
}

static int put_text(ws_buf *b, ws_str t, uint32_t *off, uint32_t *len)
{
    if (b->n + t.n > UINT32_MAX) return ws_error(WS_ETOOBIG, "dedup: ids and sources exceed 4 GiB");
    *off = (uint32_t)b->n;
    *len = (uint32_t)t.n;
    return ws_buf_append(b, t.p, t.n);
}

static int dd_consume(void *v, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    (void)q;
    dd_state *s = v;
    const ws_dd_plan *pl = s->pl;
    const ws_dd_seg *sg = find_seg(pl, b->seg);
    if (!sg) return ws_error(WS_EINTERNAL, "dedup: a block of an unknown segment");
    s->seg = sg;
    s->blk_first = s->n;
    size_t rb = ws_mh_row_bytes(pl->mp.perm);
    uint64_t first = b->seg->blocks[b->index].first_row;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 1024;
            dd_rec *nr = ws_realloc(s->recs, cap * sizeof *nr);
            if (!nr) return WS_ENOMEM;
            s->recs = nr, s->cap = cap;
        }
        dd_rec *rec = &s->recs[s->n];
        memset(rec, 0, sizeof *rec);
        rec->ord = sg->base + first + r;
        rec->date = b->dates[r];
        int rc = ws_buf_reserve(&s->rows, rb);
        if (rc) return rc;
        if (sg->stored) memcpy(s->rows.p + s->rows.n, sg->stored + (first + r) * rb, rb);
        s->rows.n += rb;
        if (pl->mode != WS_DD_SIGN) {
            const ws_str *vals = b->seg->cols[WS_C_SOURCE].values;
            if ((rc = put_text(&s->text, ws_strings_get(&b->id, r), &rec->id_off, &rec->id_len)) ||
                (rc = put_text(&s->text, vals[b->source[r]], &rec->src_off, &rec->src_len)))
                return rc;
        }
        s->n++;
    }
    return 0;
}

static int dd_wants_late(void *v, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    (void)q, (void)b, (void)sel;
    const dd_state *s = v;
    return !s->seg->stored && s->n > s->blk_first;
}

static int dd_consume_late(void *v, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    dd_state *s = v;
    const ws_dd_plan *pl = s->pl;
    const uint64_t *th = pl->th[s->seg->store];
    size_t rb = ws_mh_row_bytes(pl->mp.perm);
    int rc = ws_buf_reserve(&s->mins, pl->mp.perm * sizeof(uint32_t));
    size_t k = s->blk_first;
    ws_query fq = *q;
    fq.field = (int)pl->mp.field;
    for (uint32_t r = 0; !rc && r < b->nrows; r++) {
        if (!sel[r]) continue;
        uint64_t lo, hi;
        ws_query_span(&fq, b, r, &lo, &hi);
        size_t n = (size_t)(hi - lo);
        s->th.n = s->scratch.n = 0;
        if ((rc = ws_buf_reserve(&s->th, (n + 1) * 8)) || (rc = ws_buf_reserve(&s->scratch, (n + 1) * 8))) break;
        uint64_t *t = (uint64_t *)(void *)s->th.p;
        for (size_t i = 0; i < n; i++) t[i] = th[b->ids[lo + i]];
        ws_mh_sign(&pl->h, t, n, (uint64_t *)(void *)s->scratch.p, (uint32_t *)(void *)s->mins.p, s->rows.p + k * rb);
        k++;
    }
    return rc;
}

static int dd_merge(void *into, const void *from, const ws_query *q)
{
    (void)q;
    dd_state *a = into;
    const dd_state *b = from;
    if (!b->n) return 0;
    size_t rb = ws_mh_row_bytes(a->pl->mp.perm);
    if (a->n + b->n > a->cap) {
        dd_rec *nr = ws_realloc(a->recs, (a->n + b->n) * sizeof *nr);
        if (!nr) return WS_ENOMEM;
        a->recs = nr, a->cap = a->n + b->n;
    }
    if (a->text.n + b->text.n > UINT32_MAX) return ws_error(WS_ETOOBIG, "dedup: ids and sources exceed 4 GiB");
    uint32_t shift = (uint32_t)a->text.n;
    for (size_t i = 0; i < b->n; i++) {
        dd_rec r = b->recs[i];
        r.id_off += shift, r.src_off += shift;
        a->recs[a->n + i] = r;
    }
    a->n += b->n;
    int rc = ws_buf_append(&a->text, b->text.p, b->text.n);
    if (!rc) rc = ws_buf_append(&a->rows, b->rows.p, b->n * rb);
    return rc;
}

/* ---- across ranks ----
 * Every rank's stories (ordinal, date, id, source, MinHash record) go to
 * rank 0, which clusters them as one process would: finish orders them
 * by date, id and store ordinal, so the rank order of arrival does not
 * matter. The records are small (perm / 2 * 8 bytes a story) next to the
 * stories' text a rank reads. */
static int dd_pack(const void *v, const ws_query *q, ws_buf *out)
{
    const dd_state *s = v;
    (void)q;
    size_t rb = ws_mh_row_bytes(s->pl->mp.perm);
    int rc = ws_buf_reserve(out, WS_VARINT_MAX);
    if (!rc) ws_buf_put_varint(out, s->n);
    for (size_t i = 0; i < s->n && !rc; i++) {
        const dd_rec *r = &s->recs[i];
        if ((rc = ws_buf_reserve(out, 4 * WS_VARINT_MAX + r->id_len + r->src_len))) break;
        ws_buf_put_varint(out, r->ord);
        ws_buf_put_varint(out, ((uint64_t)r->date << 1) ^ (uint64_t)(r->date >> 63));
        ws_buf_put_varint(out, r->id_len);
        ws_buf_put_varint(out, r->src_len);
        memcpy(out->p + out->n, s->text.p + r->id_off, r->id_len);
        out->n += r->id_len;
        memcpy(out->p + out->n, s->text.p + r->src_off, r->src_len);
        out->n += r->src_len;
    }
    if (!rc) rc = ws_buf_append(out, s->rows.p, s->n * rb);
    return rc ? ws_error(WS_ENOMEM, "out of memory packing the dedup state") : 0;
}

static int dd_unpack(void *v, const ws_query *q, const uint8_t *data, size_t len)
{
    dd_state *s = v;
    (void)q;
    size_t rb = ws_mh_row_bytes(s->pl->mp.perm);
    const uint8_t *at = data, *end = data + len;
    uint64_t n;
    if (ws_varint_get(&at, end, &n) || n > len) return ws_error(WS_ECORRUPT, "dedup: a malformed state");
    if (n && !(s->recs = ws_calloc((size_t)n, sizeof *s->recs))) return ws_error(WS_ENOMEM, "out of memory");
    s->cap = (size_t)n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t ord, date, il, sl;
        if (ws_varint_get(&at, end, &ord) || ws_varint_get(&at, end, &date) || ws_varint_get(&at, end, &il) ||
            ws_varint_get(&at, end, &sl) || il + sl > (uint64_t)(end - at))
            return ws_error(WS_ECORRUPT, "dedup: a malformed state");
        dd_rec *r = &s->recs[s->n++];
        r->ord = ord;
        r->date = (int64_t)(date >> 1) ^ -(int64_t)(date & 1);
        int rc = put_text(&s->text, ws_str_make((const char *)at, (size_t)il), &r->id_off, &r->id_len);
        if (!rc) rc = put_text(&s->text, ws_str_make((const char *)at + il, (size_t)sl), &r->src_off, &r->src_len);
        if (rc) return rc;
        at += il + sl;
    }
    if ((uint64_t)(end - at) != n * rb) return ws_error(WS_ECORRUPT, "dedup: a malformed state");
    return ws_buf_append(&s->rows, at, (size_t)(n * rb));
}

/* ---- finishing ---- */

static ws_str rec_id(const dd_state *s, const dd_rec *r) { return ws_str_make((const char *)s->text.p + r->id_off, r->id_len); }
static ws_str rec_src(const dd_state *s, const dd_rec *r) { return ws_str_make((const char *)s->text.p + r->src_off, r->src_len); }

static int str_cmp(ws_str a, ws_str b)
{
    int c = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);
    return c ? c : (a.n < b.n ? -1 : a.n > b.n);
}

/* Chronological order keys, sorted without a context pointer: each key
 * carries what the comparison needs. */
typedef struct chrono_key {
    int64_t date;
    const char *id;
    uint32_t id_len;
    uint32_t rec;
    uint64_t ord;
} chrono_key;

static int cmp_chrono(const void *x, const void *y)
{
    const chrono_key *a = x, *b = y;
    int ua = a->date == WS_DATE_UNKNOWN, ub = b->date == WS_DATE_UNKNOWN;
    if (ua != ub) return ua - ub;
    if (a->date != b->date) return a->date < b->date ? -1 : 1;
    int c = str_cmp(ws_str_make(a->id, a->id_len), ws_str_make(b->id, b->id_len));
    if (c) return c;
    return a->ord < b->ord ? -1 : a->ord > b->ord;
}

typedef struct pair_key {
    ws_str origin, copier;
    int64_t delay; /* seconds; INT64_MIN: unknown */
} pair_key;

static int cmp_pair(const void *x, const void *y)
{
    const pair_key *a = x, *b = y;
    int c = str_cmp(a->origin, b->origin);
    if (!c) c = str_cmp(a->copier, b->copier);
    if (!c && a->delay != b->delay) c = a->delay < b->delay ? -1 : 1;
    return c;
}

typedef struct pair_row {
    ws_str origin, copier;
    uint64_t stories;
    double median; /* hours; NAN: no dated copy */
} pair_row;

static int cmp_pair_row(const void *x, const void *y)
{
    const pair_row *a = x, *b = y;
    if (a->stories != b->stories) return a->stories > b->stories ? -1 : 1;
    int c = str_cmp(a->origin, b->origin);
    return c ? c : str_cmp(a->copier, b->copier);
}

typedef struct src_key {
    uint32_t cluster;
    ws_str src;
} src_key;

static int cmp_src(const void *x, const void *y)
{
    const src_key *a = x, *b = y;
    if (a->cluster != b->cluster) return a->cluster < b->cluster ? -1 : 1;
    return str_cmp(a->src, b->src);
}

#define TRY(e)                                                                                                         \
    do {                                                                                                               \
        if ((rc = (e))) goto out;                                                                                      \
    } while (0)

static double round4(double x) { return floor(x * 10000 + 0.5) / 10000; }

static int by_source(const dd_state *s, const chrono_key *ck, const uint32_t *root, const uint32_t *size, size_t n,
                     ws_table *out)
{
    pair_key *pk = ws_calloc(n + 1, sizeof *pk);
    pair_row *pr = ws_calloc(n + 1, sizeof *pr);
    int64_t *d = ws_calloc(n + 1, sizeof *d);
    int rc = pk && pr && d ? 0 : WS_ENOMEM;
    size_t np = 0, nr = 0;
    for (size_t k = 0; !rc && k < n; k++) {
        if (root[k] == k || size[root[k]] < 2) continue;
        const dd_rec *r = &s->recs[ck[k].rec], *o = &s->recs[ck[root[k]].rec];
        int64_t delay = r->date == WS_DATE_UNKNOWN || o->date == WS_DATE_UNKNOWN ? INT64_MIN : r->date - o->date;
        pk[np++] = (pair_key){rec_src(s, o), rec_src(s, r), delay};
    }
    if (!rc) qsort(pk, np, sizeof *pk, cmp_pair);
    for (size_t lo = 0, hi; !rc && lo < np; lo = hi) {
        size_t nd = 0;
        for (hi = lo; hi < np && !str_cmp(pk[hi].origin, pk[lo].origin) && !str_cmp(pk[hi].copier, pk[lo].copier); hi++)
            if (pk[hi].delay != INT64_MIN) d[nd++] = pk[hi].delay; /* ascending: the sort put them in order */
        double med = NAN;
        if (nd) med = nd % 2 ? (double)d[nd / 2] : ((double)d[nd / 2 - 1] + (double)d[nd / 2]) / 2;
        pr[nr++] = (pair_row){pk[lo].origin, pk[lo].copier, hi - lo, isnan(med) ? med : round4(med / 3600)};
    }
    if (!rc) qsort(pr, nr, sizeof *pr, cmp_pair_row);
    if (!rc) rc = ws_table_add_col(out, "origin", WS_TYPE_TEXT);
    if (!rc) rc = ws_table_add_col(out, "copier", WS_TYPE_TEXT);
    if (!rc) rc = ws_table_add_col(out, "stories", WS_TYPE_INT64);
    if (!rc) rc = ws_table_add_col(out, "median_delay_hours", WS_TYPE_DOUBLE);
    for (size_t i = 0; !rc && i < nr; i++) {
        if (!(rc = ws_table_text(out, pr[i].origin)) && !(rc = ws_table_text(out, pr[i].copier)) &&
            !(rc = ws_table_int(out, (int64_t)pr[i].stories)))
            rc = isnan(pr[i].median) ? ws_table_null(out) : ws_table_double(out, pr[i].median);
    }
    ws_free(pk);
    ws_free(pr);
    ws_free(d);
    return rc;
}

static int summary(const dd_state *s, ws_dd_plan *pl, const chrono_key *ck, const uint32_t *root, const uint32_t *size,
                   const uint32_t *cno, size_t n)
{
    ws_table t;
    ws_table_init(&t);
    src_key *sk = ws_calloc(n + 1, sizeof *sk);
    uint32_t *nsrc = ws_calloc((size_t)pl->clusters + 2, sizeof *nsrc);
    int64_t *last = ws_calloc((size_t)pl->clusters + 2, sizeof *last);
    int rc = sk && nsrc && last ? 0 : WS_ENOMEM;
    size_t m = 0;
    for (size_t c = 0; !rc && c <= pl->clusters; c++) last[c] = WS_DATE_UNKNOWN;
    for (size_t k = 0; !rc && k < n; k++) {
        uint32_t c = cno[root[k]];
        if (!c) continue;
        const dd_rec *r = &s->recs[ck[k].rec];
        sk[m++] = (src_key){c, rec_src(s, r)};
        if (r->date != WS_DATE_UNKNOWN && (last[c] == WS_DATE_UNKNOWN || r->date > last[c])) last[c] = r->date;
    }
    if (!rc) qsort(sk, m, sizeof *sk, cmp_src);
    for (size_t i = 0; !rc && i < m; i++)
        if (!i || sk[i].cluster != sk[i - 1].cluster || str_cmp(sk[i].src, sk[i - 1].src)) nsrc[sk[i].cluster]++;
    static const char *const names[] = {"cluster", "first_id", "size", "first_date", "last_date", "sources"};
    static const ws_type types[] = {WS_TYPE_INT64, WS_TYPE_TEXT, WS_TYPE_INT64, WS_TYPE_DATE, WS_TYPE_DATE, WS_TYPE_INT64};
    for (size_t c = 0; !rc && c < 6; c++) rc = ws_table_add_col(&t, names[c], types[c]);
    for (size_t k = 0; !rc && k < n; k++) {
        if (root[k] != k || size[k] < 2) continue;
        const dd_rec *r = &s->recs[ck[k].rec];
        uint32_t c = cno[k];
        TRY(ws_table_int(&t, c));
        TRY(ws_table_text(&t, rec_id(s, r)));
        TRY(ws_table_int(&t, size[k]));
        TRY(r->date == WS_DATE_UNKNOWN ? ws_table_null(&t) : ws_table_int(&t, r->date));
        TRY(last[c] == WS_DATE_UNKNOWN ? ws_table_null(&t) : ws_table_int(&t, last[c]));
        TRY(ws_table_int(&t, nsrc[c]));
    }
    if (!rc) rc = ws_table_close(&t);
    if (!rc) rc = pl->plan->side_table(pl->plan->ctx, "summary", &t);
out:
    ws_table_free(&t);
    ws_free(sk);
    ws_free(nsrc);
    ws_free(last);
    return rc;
}

static int dd_finish(void *v, const ws_query *q, ws_table *out)
{
    dd_state *s = v;
    ws_dd_plan *pl = ((const ws_dd_plan *)q->ext)->self;
    size_t n = s->n, rb = ws_mh_row_bytes(pl->mp.perm);
    pl->nseen = n;
    int rc = 0;
    if (pl->mode == WS_DD_SIGN) {
        /* Every story's record in store order (the scan had no filter). */
        if (!(pl->rows = ws_calloc(pl->nstories * rb + 1, 1))) return WS_ENOMEM;
        for (size_t i = 0; i < n; i++)
            if (s->recs[i].ord < pl->nstories) memcpy(pl->rows + s->recs[i].ord * rb, s->rows.p + i * rb, rb);
        return ws_table_add_col(out, "stories", WS_TYPE_INT64);
    }
    chrono_key *ck = ws_calloc(n + 1, sizeof *ck);
    ws_mh_item *items = ws_calloc(n + 1, sizeof *items);
    uint32_t *root = ws_calloc(n + 1, sizeof *root), *size = ws_calloc(n + 1, sizeof *size);
    uint32_t *cno = ws_calloc(n + 1, sizeof *cno), *order = ws_calloc(n + 1, sizeof *order);
    uint32_t *start = NULL;
    if (!ck || !items || !root || !size || !cno || !order) {
        rc = WS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const dd_rec *r = &s->recs[i];
        ck[i] = (chrono_key){r->date, (const char *)s->text.p + r->id_off, r->id_len, (uint32_t)i, r->ord};
    }
    qsort(ck, n, sizeof *ck, cmp_chrono);
    for (size_t k = 0; k < n; k++) items[k] = (ws_mh_item){ck[k].date, s->rows.p + (size_t)ck[k].rec * rb};
    struct timespec t0, t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    TRY(ws_mh_cluster(items, n, pl->mp.perm, pl->threshold, pl->window_s, root, &pl->stats));
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    pl->join_cpu_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    for (size_t k = 0; k < n; k++) size[root[k]]++;
    for (size_t k = 0; k < n; k++)
        if (root[k] == k && size[k] >= 2) cno[k] = (uint32_t)++pl->clusters, pl->copies += size[k] - 1;
    if (pl->mode == WS_DD_MASK) {
        if (!(pl->keep = ws_calloc(pl->nstories / 64 + 1, sizeof *pl->keep))) {
            rc = WS_ENOMEM;
            goto out;
        }
        for (size_t k = 0; k < n; k++)
            if (root[k] == k) pl->keep[ck[k].ord / 64] |= 1ull << (ck[k].ord % 64);
        TRY(ws_table_add_col(out, "stories", WS_TYPE_INT64));
        goto out;
    }
    if (pl->plan->want_table && pl->plan->want_table(pl->plan->ctx, "summary"))
        TRY(summary(s, pl, ck, root, size, cno, n));
    if (pl->by_source) {
        TRY(by_source(s, ck, root, size, n, out));
        goto out;
    }
    /* Stories grouped by cluster (counting sort), chronological within. */
    if (!(start = ws_calloc((size_t)pl->clusters + 2, sizeof *start))) {
        rc = WS_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < n; k++)
        if (cno[root[k]]) start[cno[root[k]]]++;
    for (size_t c = 1, sum = 0; c <= pl->clusters + 1; c++) {
        size_t t = start[c];
        start[c] = (uint32_t)sum;
        sum += t;
    }
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (cno[root[k]]) order[start[cno[root[k]]]++] = (uint32_t)k, m++;
    static const char *const names[] = {"id", "cluster", "first_id", "similarity", "source", "date"};
    static const ws_type types[] = {WS_TYPE_TEXT, WS_TYPE_INT64, WS_TYPE_TEXT, WS_TYPE_DOUBLE, WS_TYPE_TEXT, WS_TYPE_DATE};
    for (size_t c = 0; c < 6; c++) TRY(ws_table_add_col(out, names[c], types[c]));
    for (size_t i = 0; i < m; i++) {
        uint32_t k = order[i], f = root[k];
        const dd_rec *r = &s->recs[ck[k].rec], *fr = &s->recs[ck[f].rec];
        double sim = k == f ? 1 : round4(ws_mh_similarity(items[k].row, items[f].row, pl->mp.perm));
        TRY(ws_table_text(out, rec_id(s, r)));
        TRY(ws_table_int(out, cno[f]));
        TRY(ws_table_text(out, rec_id(s, fr)));
        TRY(ws_table_double(out, sim));
        TRY(ws_table_text(out, rec_src(s, r)));
        TRY(r->date == WS_DATE_UNKNOWN ? ws_table_null(out) : ws_table_int(out, r->date));
    }
out:
    ws_free(ck);
    ws_free(items);
    ws_free(root);
    ws_free(size);
    ws_free(cno);
    ws_free(order);
    ws_free(start);
    return rc;
}

static void dd_done(void *ext, const ws_plan *plan, const ws_query *q)
{
    (void)q;
    const ws_dd_plan *pl = ext;
    uint64_t stored = 0;
    for (uint32_t i = 0; i < pl->nsegs; i++)
        if (pl->segs[i].stored) stored += pl->segs[i].seg->nrows;
    ws_plan_note(plan, "%llu stories, %llu clusters of copies, %llu copies (%llu exact pairs, %llu candidate pairs "
                       "verified, %llu accepted); signatures: %s",
                 (unsigned long long)pl->nseen, (unsigned long long)pl->clusters, (unsigned long long)pl->copies,
                 (unsigned long long)pl->stats.exact_pairs, (unsigned long long)pl->stats.candidates,
                 (unsigned long long)pl->stats.verified,
                 !stored ? "computed" : stored == pl->nstories ? "stored" : "stored for some segments");
    /* For bench/dedup_scale.sh: the join alone, apart from the scan and the
     * chronological sort (an environment variable, not an option: a
     * benchmark's probe, not part of the command). */
    const char *t = getenv("WS_DEDUP_TIMES");
    if (t && *t && strcmp(t, "0")) ws_plan_note(plan, "join %.4f s CPU", pl->join_cpu_s);
}

const ws_kernel ws_kernel_dedup = {
    .name = "dedup",
    .summary = "clusters of copies: exact and near-duplicate stories (MinHash + LSH)",
    .help = "Find copies: exact copies (the same words after the normalisation) and near\n"
            "copies (re-issues with edits, a new first paragraph, a different dateline,\n"
            "a reprint cut short) by MinHash over word shingles with LSH banding,\n"
            "verified by estimated similarity. Clusters are numbered by their earliest\n"
            "story (by date, then id). Output: id,cluster,first_id,similarity,source,date,\n"
            "one row per story in a cluster of two or more. Every analytic command takes\n"
            "--dedup to count each cluster once, as its earliest story.",
    .params = dedup_params,
    .nparams = sizeof dedup_params / sizeof dedup_params[0],
    .flags = 0,
    .columns = WS_COLBIT(WS_C_ID) | WS_COLBIT(WS_C_DATE) | WS_COLBIT(WS_C_SOURCE),
    .late_columns = WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA),
    .wants_late = dd_wants_late,
    .consume_late = dd_consume_late,
    .prepare = dd_prepare,
    .done = dd_done,
    .release = ws_dd_release,
    .init = dd_init,
    .consume = dd_consume,
    .merge = dd_merge,
    .finish = dd_finish,
    .free = dd_free,
    .pack = dd_pack,
    .unpack = dd_unpack,
    .tables = dedup_tables,
};
