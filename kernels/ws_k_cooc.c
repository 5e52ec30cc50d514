/*
 * Co-occurrence kernel (see ws_k_cooc.h; user-facing definitions in
 * docs/cooc.md).
 *
 * Contexts. Terms dropped by the normalisation (stop words, short terms,
 * numbers) are removed from a story first, as if they were not there; the
 * remaining tokens of the selected field span are the story's tokens.
 *   doc       a context is a story; N = stories that passed the filters,
 *             f(x) = stories containing x, a = stories containing both.
 *   sentence  a context is a sentence (the stored sentence starts; the
 *             title's sentences are separate from the body's); N =
 *             sentences, f(x) = sentences containing x, a = sentences
 *             containing both.
 *   window K  every pair of token positions i < j of one story with
 *             j - i <= K holding two different terms is one co-occurrence
 *             of the pair; a = such position pairs, f(x) = occurrences of
 *             x (tf), N = tokens. The collocates of x count the positions
 *             within K tokens either side of each occurrence of x, which
 *             is the same number. NPMI's probabilities are over the 2K N
 *             window slots (see ws_cooc_measures_span): a <= 2K f(x), so
 *             it stays within [-1, 1].
 * A term is never its own collocate.
 *
 * Counting. Marginals f(x) go to a dense per-thread array with a context
 * stamp (df the tf-kernel way). Collocates of given terms: one dense row
 * over the vocabulary per target; a context holding a target adds each of
 * its distinct terms (document, sentence) or each term within the window
 * (window) to the target's row. All pairs: a pair of normalised ids is the
 * key (min << 32 | max); pairs of two frequent terms (ws_cooc_dense_plan)
 * go to a dense triangle indexed by their ranks, the rest to an open
 * addressing hash table per thread. The table is capped by the thread's
 * share of the budget; when full it is sorted by key and written as a run
 * (spill ops), then emptied; a table that folded few repeats before it
 * filled becomes a log of records, sorted and folded when full (append_add). Thread states merge by adding the triangles
 * and re-inserting the hash entries; finish() merges the runs (summing
 * equal keys: integer sums do not depend on the order), so every pair
 * reaches the output stage once with its total.
 *
 * Output order: measure descending, then term bytewise (term1, then term2
 * for all pairs; the collocate, then the target for several targets).
 * Floating-point values depend only on the integer counts, so the bytes do
 * not depend on the thread count. All pairs are ordered by records of
 * fixed size (an order-preserving integer image of the measure, the
 * bytewise ranks of the two terms, the count) so that the output sort can
 * itself spill when the result is larger than the budget.
 */
#include "ws_assoc.h"
#include "ws_hmap.h"
#include "ws_k_cooc.h"
#include "ws_kdist.h"
#include "ws_topk.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>


#define EMPTY UINT64_MAX
#define NONE UINT32_MAX

static const char *const measure_names[WS_COOC_NMEASURES] = {"count",  "pmi",  "npmi",   "llr",
                                                             "chi2",   "tscore", "dice", "logdice"};

int ws_cooc_measure_parse(const char *s)
{
    for (int m = 0; m < WS_COOC_NMEASURES; m++)
        if (!strcmp(s, measure_names[m])) return m;
    return -1;
}

const char *ws_cooc_measure_name(ws_cooc_measure m) { return measure_names[m]; }

/* ---- measures ---- */

/* The 2x2 table: O11 = a, O12 = f1 - a, O21 = f2 - a, O22 = n - f1 - f2 + a,
 * expected values from the margins f1, f2, n. In window contexts a can
 * exceed f1 or f2 (one occurrence near several of the other term); cells
 * that would be negative count as 0 there (documented). */
void ws_cooc_measures(uint64_t a, uint64_t f1, uint64_t f2, uint64_t n, double out[WS_COOC_NMEASURES])
{
    ws_cooc_measures_span(a, f1, f2, n, 1, out);
}

void ws_cooc_measures_span(uint64_t a, uint64_t f1, uint64_t f2, uint64_t n, uint64_t span,
                           double out[WS_COOC_NMEASURES])
{
    double A = (double)a, F1 = (double)f1, F2 = (double)f2, N = (double)n;
    double e11 = F1 * F2 / N;
    out[WS_COOC_COUNT] = A;
    out[WS_COOC_PMI] = ws_assoc_pmi(A / N, F1 / N, F2 / N);
    /* Documents, sentences (span 1): a <= min(f1, f2) <= n bounds p(xy).
     * Windows: a counts position pairs, up to span = 2K per occurrence of
     * either term; over the span n slots p(xy) = a / (span n) <= min(p(x),
     * p(y)), so p(xy)^2 <= p(x) p(y) <= 1 and NPMI is within [-1, 1]. */
    out[WS_COOC_NPMI] = ws_assoc_npmi(A / ((double)span * N), F1 / N, F2 / N);
    double o12 = F1 - A, o21 = F2 - A, o22 = N - F1 - F2 + A;
    o12 = o12 > 0 ? o12 : 0;
    o21 = o21 > 0 ? o21 : 0;
    o22 = o22 > 0 ? o22 : 0;
    double e12 = F1 * (N - F2) / N, e21 = (N - F1) * F2 / N, e22 = (N - F1) * (N - F2) / N;
    const double o[4] = {A, o12, o21, o22}, e[4] = {e11, e12, e21, e22};
    out[WS_COOC_LLR] = ws_assoc_g2_oe(o, e);
    out[WS_COOC_CHI2] = ws_assoc_chi2_oe(o, e);
    out[WS_COOC_TSCORE] = (A - e11) / sqrt(A);
    out[WS_COOC_DICE] = 2.0 * A / (F1 + F2);
    out[WS_COOC_LOGDICE] = 14.0 + log2(out[WS_COOC_DICE]);
    for (int m = 0; m < WS_COOC_NMEASURES; m++)
        if (out[m] == 0) out[m] = 0.0; /* no "-0" in the output */
}

/* An unsigned image of x whose order is x's order (finite doubles). */
static uint64_t order_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u >> 63 ? ~u : u | (1ull << 63);
}

/* The measures of a pair in p's context (window slots: 2K a token). */
static void pair_measures(const ws_cooc_params *p, uint64_t a, uint64_t f1, uint64_t f2, uint64_t n,
                          double v[WS_COOC_NMEASURES])
{
    ws_cooc_measures_span(a, f1, f2, n, p->context == WS_COOC_WINDOW ? 2 * (uint64_t)p->window : 1, v);
}

/* The sort key of a row: ascending key = descending measure. */
static uint64_t rank_key(const ws_cooc_params *p, uint64_t a, uint64_t f1, uint64_t f2, uint64_t n)
{
    if (p->measure == WS_COOC_COUNT) return ~a;
    double v[WS_COOC_NMEASURES];
    pair_measures(p, a, f1, f2, n, v);
    return ~order_bits(v[p->measure]);
}

/* ---- planning ---- */

size_t ws_cooc_fixed_bytes(uint32_t nterms, uint32_t ntargets)
{
    size_t v = (size_t)nterms + 1;
    return v * (8 + 4) + (ntargets ? v * 4 + (size_t)ntargets * v * 8 : 0);
}

static size_t tri_size(uint64_t k) { return k < 2 ? 0 : (size_t)(k * (k - 1) / 2); }

uint32_t ws_cooc_dense_size(size_t budget, int threads, uint32_t nterms)
{
    if (threads < 1) threads = 1;
    size_t fixed = ws_cooc_fixed_bytes(nterms, 0);
    size_t share = budget / (size_t)threads;
    share = share > fixed ? share - fixed : 0;
    size_t cells = share / 4 / 8;
    uint64_t k = (uint64_t)sqrt(2.0 * (double)cells); /* k (k - 1) / 2 <= cells */
    while (k > 1 && tri_size(k) > cells) k--;
    return k > nterms ? nterms : (uint32_t)k;
}

static const uint64_t *g_freq; /* qsort has no context argument; planning is single-threaded */
static int by_freq(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    if (g_freq[a] != g_freq[b]) return g_freq[a] > g_freq[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

void ws_cooc_dense_plan(const uint64_t *freq, uint32_t nterms, uint32_t k, uint32_t *rank)
{
    for (uint32_t i = 0; i < nterms; i++) rank[i] = NONE;
    if (k < 2) return;
    uint32_t *ids = ws_malloc(((size_t)nterms + 1) * sizeof *ids);
    if (!ids) return; /* no dense part: slower, still correct */
    for (uint32_t i = 0; i < nterms; i++) ids[i] = i;
    g_freq = freq;
    qsort(ids, nterms, sizeof *ids, by_freq);
    for (uint32_t i = 0; i < k && i < nterms; i++) rank[ids[i]] = i;
    ws_free(ids);
}

/* ---- state ---- */

/* The pair table (ws_hmap.h): pair key -> count. A slot is also the
 * record of a spilled count run. */
WS_HMAP_DEFINE(pmap, uint64_t)
typedef pmap_slot pslot;

/* The pair table is split into NPART partitions by a hash of the pair
 * (pair_part), each its own table with its own spilled runs: threads' states
 * merge partition by partition and finish() ranks partition by partition,
 * both on the plan's threads (a serial merge of whole tables capped two
 * threads near 1.5x). NPART does not depend on the thread count, so what
 * is counted where is the same for any number of threads; the output does
 * not depend on it either way (rows sort by a total order).
 *
 * Under a tight --mem budget fewer partitions are used (pair_part maps
 * into the first 2^pbits; the others stay empty): every partition's table
 * gets an even share of the thread's budget, and 64 tables of a few hundred
 * KiB each spill 64 times as many, smaller runs, which combine fewer counts
 * before they reach the disk. Measured on Reuters x10, `cooc --window 5
 * --mem 48M -j 2`: with 64 partitions 18,844 runs, 235 MiB spilled and 1.27x
 * the CPU seconds of one table per thread (293 runs, 139 MiB). A partition
 * gets at least PART_MIN_BYTES (ws_cooc_params.part_min in tests). */
#define NPART 64
#define PART_MIN_BYTES ((size_t)4 << 20)

static inline uint32_t pair_part(uint64_t key, unsigned pbits)
{
    return pbits ? (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - pbits)) : 0;
}

typedef struct cpart {
    pmap tab;       /* sparse pairs (seeded per table: see cooc_init) */
    uint32_t *runs; /* spilled runs of this partition */
    size_t nruns, caprun;
    int append;     /* tab.slots[0..tab.used) is a log of {key, count} records (see append_add) */
    uint64_t adds;  /* hash mode: adds since the table was last emptied */
} cpart;

/* What merge() releases on the `from` side: the engine hands merge a const
 * state, but its buffers are dead once folded, and freeing them before the
 * next merge keeps the peak at the scan's (the engine frees states only
 * after finish). They live behind this pointer for that reason. */
typedef struct cooc_big {
    uint64_t *freq;   /* n + 1: marginals (the last is the sink of dropped terms) */
    uint32_t *stamp;  /* n + 1: context stamps */
    uint8_t *first;   /* n + 1: 1 when the key id is in some target's first slot (targets only) */
    uint64_t *tcnt;   /* ntargets * (n + 1) */
    uint64_t *tfreq;  /* ntargets: contexts (window: matches) holding the target */
    uint8_t *thit;    /* ntargets: the target matched in the current context */
    uint64_t *dense;  /* triangle of ndense */
    size_t hash_bytes; /* one partition's table's share of the budget */
    unsigned pbits;    /* pairs go to the first 2^pbits partitions (see NPART) */
    cpart part[NPART];
} cooc_big;

/* Sparse pair keys are queued and inserted in batches: the table is far
 * larger than the caches, so a lone insert waits for its slot's cache line;
 * prefetching the whole batch's slots first lets those misses overlap.
 * Tried in session 7 and dropped (Reuters x10, -j 1, CPU seconds against
 * this form; details in BENCHMARKS.md): sorting a buffer of keys and adding
 * each distinct key once with its multiplicity (a buffer of 64K keys holds
 * 0.80 distinct keys per key on Reuters, 0.88 on the 1M generated stories:
 * too few repeats to pay for the sort); inserting a 64K-key buffer in the
 * order of the keys' home slots (1.2-1.4x); prefetching KAHEAD keys ahead
 * in a rolling window instead of whole batches, and also the next line of
 * a probe (no gain, 1.05x); queueing window pairs without a branch on
 * dense or sparse and prefetching the dense cells (0.98x, within noise). */
#define KBATCH 64

typedef struct cooc_state {
    const ws_cooc_params *p;
    uint32_t n, nd;
    uint64_t nctx, events;
    uint32_t ctx;
    uint32_t nk;
    uint64_t kbuf[KBATCH], hbuf[KBATCH];
    uint8_t pbuf[KBATCH];
    ws_buf cids, list, drk; /* per-row scratch: compacted ids, distinct terms, dense ranks */
    cooc_big *big;
    ws_buf idbuf; /* a block's ids looked up from its codes */
    struct cooc_codes *cc; /* consume_codes' tables, allocated on first use */
} cooc_state;

/* consume_codes' per-thread tables (see there). */
#define CC_MAXT 4
typedef struct cooc_codes {
    uint32_t *seen;    /* n + 1: the last block (1-based) that saw the term */
    uint16_t *rep;     /* n + 1: its counting code there */
    uint16_t *lslot;   /* 65536: code -> counting code */
    uint16_t *lstamp;  /* 65536: row stamp per counting code */
    uint8_t *tmask;    /* 65536: targets whose (one-token) spec the code's term matches */
    uint32_t *lfreq;   /* 65536: contexts per counting code */
    uint32_t *ltc;     /* CC_MAXT x 65536: target contexts per counting code */
    uint16_t *list;    /* a row's distinct counting codes */
    size_t caplist;
    uint32_t blockno;
} cooc_codes;

static void cc_free(cooc_codes *c)
{
    if (!c) return;
    ws_free(c->seen);
    ws_free(c->rep);
    ws_free(c->lslot);
    ws_free(c->lstamp);
    ws_free(c->tmask);
    ws_free(c->lfreq);
    ws_free(c->ltc);
    ws_free(c->list);
    ws_free(c);
}

static void big_free(cooc_big *b)
{
    if (!b) return;
    ws_free(b->freq);
    ws_free(b->stamp);
    ws_free(b->first);
    ws_free(b->tcnt);
    ws_free(b->tfreq);
    ws_free(b->thit);
    ws_free(b->dense);
    for (int j = 0; j < NPART; j++) {
        pmap_free(&b->part[j].tab);
        ws_free(b->part[j].runs);
    }
    ws_free(b);
}

static void cooc_free(void *p)
{
    cooc_state *s = p;
    if (!s) return;
    big_free(s->big);
    ws_buf_free(&s->cids);
    ws_buf_free(&s->list);
    ws_buf_free(&s->drk);
    ws_buf_free(&s->idbuf);
    cc_free(s->cc);
    ws_free(s);
}

/* Rehash a partition's table into cap slots. */
static int table_alloc(cpart *c, size_t cap)
{
    if (!c->tab.slots) return pmap_init(&c->tab, cap, c->tab.seed);
    if (pmap_t_resize(&c->tab, cap)) return ws_error(WS_ENOMEM, "out of memory for a co-occurrence table of %zu slots", cap);
    return 0;
}

static void *cooc_init(const ws_query *q)
{
    const ws_cooc_params *p = q->ext;
    cooc_state *s = ws_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->p = p;
    s->n = q->norm->terms.nterms;
    s->nd = p->dense_rank ? p->ndense : 0;
    size_t v = (size_t)s->n + 1;
    cooc_big *b = s->big = ws_calloc(1, sizeof *b);
    int bad = !b || !(b->freq = ws_calloc(v, 8)) || !(b->stamp = ws_calloc(v, 4));
    if (!bad && p->ntargets) {
        bad = !(b->first = ws_calloc(v, 1)) || !(b->tcnt = ws_calloc((size_t)p->ntargets * v, 8)) ||
              !(b->tfreq = ws_calloc(p->ntargets, 8)) || !(b->thit = ws_calloc(p->ntargets, 1));
        for (uint32_t t = 0; !bad && t < p->ntargets; t++)
            for (uint32_t k = 0; k < p->targets[t].slot[0].n; k++)
                if (p->targets[t].slot[0].ids[k] < s->n) b->first[p->targets[t].slot[0].ids[k]] = 1;
    }
    if (!bad && !p->ntargets) {
        /* Each table hashes with its own seed. merge() re-inserts one
         * table's entries, in slot order, into another: with one hash
         * function for all, they would arrive in the other's slot order
         * and pile up into long probe runs (quadratic). The seed only
         * changes where entries sit, never what is counted or printed. */
        for (int j = 0; j < NPART; j++)
            b->part[j].tab.seed = ws_hmap_mix((uint64_t)(uintptr_t)b + 0x9e3779b97f4a7c15ULL * (uint64_t)(j + 1));
        if (s->nd) bad = !(b->dense = ws_calloc(tri_size(s->nd) + 1, 8));
        /* The hash tables' share: what the thread's part of the budget
         * leaves after the fixed arrays and the triangle, split evenly
         * over the partitions (the hash spreads pairs evenly). A table may
         * grow to where old + new fit (growth doubles it). */
        size_t share = p->budget ? p->budget / (size_t)(p->threads > 0 ? p->threads : 1) : SIZE_MAX / 4;
        size_t used = ws_cooc_fixed_bytes(s->n, 0) + tri_size(s->nd) * 8;
        size_t avail = share > used ? share - used : 0;
        b->pbits = 6; /* log2(NPART) */
        size_t pmin = p->part_min ? p->part_min : PART_MIN_BYTES;
        while (b->pbits > 0 && avail >> b->pbits < pmin) b->pbits--;
        b->hash_bytes = avail >> b->pbits;
        if (b->hash_bytes < (4 << 10)) b->hash_bytes = 4 << 10;
        size_t c0 = b->hash_bytes / sizeof(pslot) < 64 ? b->hash_bytes / sizeof(pslot) : 64;
        for (int j = 0; !bad && j < NPART; j++) bad = table_alloc(&b->part[j], c0) != 0;
    }
    if (bad) {
        cooc_free(s);
        return NULL;
    }
    return s;
}

/* ---- sorting in place ----
 * Runs and rows are sorted with an in-place MSD radix sort (American flag
 * sort) rather than qsort: glibc's qsort is a merge sort that allocates a
 * copy of the array, which would double the memory of a table at the very
 * moment it is full, and its comparison calls are slow. Records sort by a
 * big-endian composite key: the uint64 at offset 0, then (orec) the uint32
 * ranks at 8 and 12. Byte d of the composite key is digit d; buckets of a
 * few records finish with an insertion sort using the full comparison. */

static inline unsigned digit(const uint8_t *r, int d)
{
    if (d < 8) {
        uint64_t k;
        memcpy(&k, r, 8);
        return (unsigned)(k >> (8 * (7 - d))) & 255u;
    }
    uint32_t v;
    memcpy(&v, r + (d < 12 ? 8 : 12), 4);
    return (unsigned)(v >> (8 * (3 - (d & 3)))) & 255u;
}

/* An American flag pass's buckets: [head[b], tail[b]) holds digit b. */
static void bucket_bounds(const size_t count[256], size_t head[256], size_t tail[256])
{
    size_t off = 0;
    for (int b = 0; b < 256; b++) {
        head[b] = off;
        off += count[b];
        tail[b] = off;
    }
}

static void swap_rec(uint8_t *a, uint8_t *b, size_t rsize)
{
    uint8_t t[32];
    memcpy(t, a, rsize);
    memcpy(a, b, rsize);
    memcpy(b, t, rsize);
}

static void radix_sort(uint8_t *base, size_t n, size_t rsize, int d, int dmax, int (*cmp)(const void *, const void *))
{
    while (n > 24 && d < dmax) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++) count[digit(base + i * rsize, d)]++;
        if (count[digit(base, d)] == n) { /* one bucket: the next digit */
            d++;
            continue;
        }
        size_t head[256], tail[256];
        bucket_bounds(count, head, tail);
        /* Cycle each misplaced record into its bucket's next free slot. */
        for (int b = 0; b < 256; b++)
            while (head[b] < tail[b]) {
                uint8_t *r = base + head[b] * rsize;
                unsigned k = digit(r, d);
                if ((int)k == b) head[b]++;
                else swap_rec(r, base + head[k]++ * rsize, rsize);
            }
        for (int b = 0; b < 256; b++) {
            size_t lo = tail[b] - count[b];
            if (count[b] > 1) radix_sort(base + lo * rsize, count[b], rsize, d + 1, dmax, cmp);
        }
        return;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort */
        for (size_t j = i; j > 0 && cmp(base + (j - 1) * rsize, base + j * rsize) > 0; j--)
            swap_rec(base + (j - 1) * rsize, base + j * rsize, rsize);
}

static void key_combine(void *into, const void *from) { ((pslot *)into)->val += ((const pslot *)from)->val; }

/* Append run to a list of spilled runs (a partition's, a ranker's). */
static int runs_push(uint32_t **runs, size_t *n, size_t *cap, uint32_t run)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        uint32_t *r = ws_realloc(*runs, nc * sizeof *r);
        if (!r) return ws_error(WS_ENOMEM, "out of memory listing spill runs");
        *runs = r;
        *cap = nc;
    }
    (*runs)[(*n)++] = run;
    return 0;
}

static int add_run(cpart *c, uint32_t run) { return runs_push(&c->runs, &c->nruns, &c->caprun, run); }

/* A spilled table's slots sorted by their uint64 key, written out for this
 * record rather than through radix_sort: sorting the tables as they spill
 * was about an eighth of an all-pairs cooc that spills (perf, Reuters x10,
 * --mem 48M), most of it in the general version's calls and in its many
 * in-place passes over a table far larger than the caches. Here one
 * in-place American flag pass on the top byte in which keys differ splits
 * the table into buckets (again while a bucket is large), and each bucket
 * of at most LSD_MAX slots, which fits in the L2 cache, is finished by an
 * LSD radix sort into a scratch buffer, one pass per byte in which its keys
 * differ. */
#define LSD_MAX 4096

static void slots_lsd(pslot *a, size_t n, pslot *tmp, uint64_t diff)
{
    pslot *src = a, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        if (!((diff >> shift) & 255)) continue; /* every key has the same byte here */
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++) count[(src[i].key >> shift) & 255]++;
        size_t off = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = count[b];
            count[b] = off;
            off += c;
        }
        for (size_t i = 0; i < n; i++) dst[count[(src[i].key >> shift) & 255]++] = src[i];
        pslot *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

static void slots_sort(pslot *a, size_t n, pslot *tmp)
{
    if (n < 2) return;
    uint64_t diff = 0;
    for (size_t i = 1; i < n; i++) diff |= a[i].key ^ a[0].key;
    if (!diff) return;
    if (n <= 24) {
        for (size_t i = 1; i < n; i++) { /* insertion sort */
            pslot x = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1].key > x.key; j--) a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    if (n <= LSD_MAX) {
        slots_lsd(a, n, tmp, diff);
        return;
    }
    int top = 63 - __builtin_clzll(diff), shift = top >= 7 ? top - 7 : 0;
    size_t count[256] = {0};
    for (size_t i = 0; i < n; i++) count[(a[i].key >> shift) & 255]++;
    size_t head[256], tail[256];
    bucket_bounds(count, head, tail);
    for (int b = 0; b < 256; b++)
        while (head[b] < tail[b]) {
            pslot x = a[head[b]];
            unsigned k = (unsigned)(x.key >> shift) & 255u;
            if ((int)k == b) {
                head[b]++;
                continue;
            }
            do { /* carry x along its cycle until it lands in bucket b */
                pslot y = a[head[k]];
                a[head[k]++] = x;
                x = y;
                k = (unsigned)(x.key >> shift) & 255u;
            } while ((int)k != b);
            a[head[b]++] = x;
        }
    for (int b = 0; b < 256; b++) slots_sort(a + tail[b] - count[b], count[b], tmp);
}

/* Sort a partition's entries by key, write them as a run of the partition,
 * empty its table. (Keeping the most frequent entries in memory and
 * spilling only the cold half was tried: fewer bytes spilled but more
 * runs, no faster overall on Reuters; the plain version stays.) A
 * partition in append mode (append_add) has its log sorted and equal keys
 * folded into one record; it leaves as an empty hash table (of the log's
 * slots), so every reader after a spill sees a table. Returns the
 * records written in *nout (may be NULL). */
static int table_spill(const ws_cooc_params *p, cpart *c, size_t *nout)
{
    size_t k = c->append ? c->tab.used : pmap_t_compact(&c->tab);
    pslot *tmp = ws_malloc(LSD_MAX * sizeof *tmp), *a = c->tab.slots;
    if (!tmp) return ws_error(WS_ENOMEM, "out of memory sorting a spill run");
    slots_sort(a, k, tmp);
    ws_free(tmp);
    if (c->append && k) { /* fold equal keys */
        size_t o = 0;
        for (size_t i = 1; i < k; i++) {
            if (a[i].key == a[o].key)
                a[o].val += a[i].val;
            else
                a[++o] = a[i];
        }
        k = o + 1;
    }
    if (nout) *nout = k;
    uint32_t run;
    int rc = k ? p->spill->write(p->spill->ctx, a, k, sizeof(pslot), &run) : 0; /* an empty log writes nothing */
    if (!rc && k) rc = add_run(c, run);
    pmap_t_clear(&c->tab);
    c->append = 0;
    c->adds = 0;
    return rc;
}

/* Append mode. Under a budget the tables are far smaller than the number
 * of distinct pairs, and on news text they fold few repeats before they
 * fill: a spilled table of Reuters x10 (--mem 48M) held one entry per 1.25
 * adds, of the 1M generated stories (--mem 200M) about one per add. A
 * hash table is then an expensive buffer: a cache miss per add, a quarter
 * of its slots empty, and (since it grows by doubling, old and new
 * together within the share) half the share at most. So when a table
 * spills having folded fewer than 2 adds per entry (table_room), its
 * partition's share becomes a log of records {key, count} instead:
 * appended in order (no probe, no miss), the whole share used, sorted and
 * folded when full (table_spill), as before into a run. A log that folds
 * 3 adds or more per record goes back to a hash table (append_add). What
 * is counted where never changes a sum, so the output is the same. */
#define APPEND_IN 2  /* a spilled table folded fewer adds per entry than this: log */
#define APPEND_OUT 3 /* a spilled log folded this many adds per record or more: table */

static int append_start(cpart *c, size_t hash_bytes)
{
    /* 7/8 of the share: a log stays full for the whole scan (a table
     * reaches its share only while it grows), so leave the heap's own
     * overhead a margin under --mem */
    size_t cap = hash_bytes / sizeof(pslot) / 8 * 7;
    if (cap < 64) return 0; /* too small to matter: stays a table */
    uint64_t seed = c->tab.seed;
    pmap_free(&c->tab); /* before the log is allocated: the share holds one of them */
    if (pmap_init(&c->tab, cap, seed)) return ws_error(WS_ENOMEM, "out of memory for a co-occurrence log of %zu records", cap);
    c->append = 1;
    return 0;
}

#if defined(__GNUC__)
__attribute__((noinline)) /* off table_add's hot path when no log is in use */
#endif
static int append_add(const ws_cooc_params *p, size_t hash_bytes, cpart *c, uint64_t key, uint64_t inc)
{
    if (WS_UNLIKELY(c->tab.used == c->tab.cap)) {
        size_t n = c->tab.used, k = 0;
        int rc = table_spill(p, c, &k);
        if (!rc && k * APPEND_OUT > n) rc = append_start(c, hash_bytes); /* else: a table (of the log's slots) */
        if (rc) return rc;
        if (!c->append) return 0; /* the caller inserts into the table */
    }
    pslot *sl = &c->tab.slots[c->tab.used++];
    sl->key = key;
    sl->val = inc;
    return 1;
}

/* Make room for one more key: grow while old + new fit the partition's
 * share (or always, without spill ops), otherwise spill. */
static int table_room(const ws_cooc_params *p, size_t hash_bytes, cpart *c)
{
    size_t want = c->tab.cap * 2;
    if (!p->spill) return table_alloc(c, want);
    size_t maxcap = hash_bytes / sizeof(pslot) - c->tab.cap; /* old + new <= hash_bytes */
    if (want > maxcap) want = maxcap;
    if (want > c->tab.cap + c->tab.cap / 4) return table_alloc(c, want);
    size_t k = c->tab.used;
    uint64_t adds = c->adds;
    int rc = table_spill(p, c, NULL);
    if (!rc && k * APPEND_IN > adds) rc = append_start(c, hash_bytes);
    return rc;
}

/* Count inc for key (h: its hash in c's table); a table at its limit
 * grows within its share or spills (table_room) rather than growing
 * without bound as pmap_get would. */
static int table_add(const ws_cooc_params *p, size_t hash_bytes, cpart *c, uint64_t key, uint64_t inc, uint64_t h)
{
    if (WS_UNLIKELY(c->append)) {
        int rc = append_add(p, hash_bytes, c, key, inc);
        if (rc) return rc < 0 ? rc : 0; /* appended (1), or an error */
        /* 0: the log went back to a table; insert there */
    }
    c->adds++;
    pslot *sl = pmap_t_probe(&c->tab, key, h);
    if (sl->key == key) {
        sl->val += inc;
        return 0;
    }
    if (WS_UNLIKELY(c->tab.used + 1 > c->tab.limit)) {
        int rc = table_room(p, hash_bytes, c);
        if (rc) return rc;
        return table_add(p, hash_bytes, c, key, inc, h); /* the seed stays: h holds (or c is now a log) */
    }
    pmap_t_claim(&c->tab, sl, key)->val = inc;
    return 0;
}

/* Add inc to key in its partition. */
static int pair_add(const ws_cooc_params *p, cooc_big *b, uint64_t key, uint64_t inc)
{
    cpart *c = &b->part[pair_part(key, b->pbits)];
    return table_add(p, b->hash_bytes, c, key, inc, pmap_t_hash(&c->tab, key));
}

static int keys_flush(cooc_state *s)
{
    cooc_big *b = s->big;
    const uint32_t nk = s->nk;
    s->nk = 0;
    for (uint32_t i = 0; i < nk; i++) {
        uint32_t j = pair_part(s->kbuf[i], b->pbits);
        s->pbuf[i] = (uint8_t)j;
        s->hbuf[i] = pmap_t_hash(&b->part[j].tab, s->kbuf[i]);
#if defined(__GNUC__)
        if (!b->part[j].append) pmap_t_prefetch(&b->part[j].tab, s->hbuf[i]); /* a log's end is in cache */
#endif
    }
    for (uint32_t i = 0; i < nk; i++) {
        int rc = table_add(s->p, b->hash_bytes, &b->part[s->pbuf[i]], s->kbuf[i], 1, s->hbuf[i]);
        if (rc) return rc;
    }
    return 0;
}

static inline int key_push(cooc_state *s, uint64_t key)
{
    s->kbuf[s->nk++] = key;
    return WS_UNLIKELY(s->nk == KBATCH) ? keys_flush(s) : 0;
}

static inline uint64_t pair_key(uint32_t x, uint32_t y)
{
    return x < y ? (uint64_t)x << 32 | y : (uint64_t)y << 32 | x;
}

static inline size_t tri_index(uint32_t r1, uint32_t r2)
{
    uint32_t lo = r1 < r2 ? r1 : r2, hi = r1 < r2 ? r2 : r1;
    return (size_t)hi * (hi - 1) / 2 + lo;
}

/* ---- consume ---- */

static int grow_u32(ws_buf *b, size_t n)
{
    size_t need = n * 4 + 4;
    if (b->cap >= need) return 0;
    b->n = 0;
    return ws_buf_reserve(b, need);
}

/* A new context stamp; stamps are reset before the counter wraps. */
static inline uint32_t next_ctx(cooc_state *s)
{
    if (WS_UNLIKELY(s->ctx == UINT32_MAX - 1)) {
        memset(s->big->stamp, 0, ((size_t)s->n + 1) * 4);
        s->ctx = 0;
    }
    return ++s->ctx;
}

/* The distinct terms of a context c[0..m) into s->list (first occurrence
 * order); returns how many. */
static size_t distinct(cooc_state *s, const uint32_t *c, size_t m)
{
    uint32_t st = next_ctx(s), *stamp = s->big->stamp;
    uint32_t *list = (uint32_t *)(void *)s->list.p;
    size_t k = 0;
    /* Branch-free: the write always happens, the count only moves on for a
     * term not yet stamped in this context. */
    for (size_t i = 0; i < m; i++) {
        uint32_t x = c[i];
        list[k] = x;
        k += stamp[x] != st;
        stamp[x] = st;
    }
    return k;
}

/* One document or sentence context whose distinct terms are list[0..k)
 * (distinct() of its kept terms; all pairs: list is reordered in place). */
static int count_context(cooc_state *s, uint32_t *list, size_t k)
{
    const ws_cooc_params *p = s->p;
    cooc_big *b = s->big;
    s->nctx++;
    uint64_t *freq = b->freq;
    for (size_t i = 0; i < k; i++) freq[list[i]]++;
    if (p->ntargets) {
        /* The targets the context holds (found by target_matches). */
        for (uint32_t t = 0; t < p->ntargets; t++) {
            if (!b->thit[t]) continue;
            b->thit[t] = 0;
            b->tfreq[t]++;
            uint64_t *row = b->tcnt + (size_t)t * ((size_t)s->n + 1);
            for (size_t i = 0; i < k; i++) row[list[i]]++; /* its own terms are ignored at finish */
        }
        return 0;
    }
    if (k < 2) return 0;
    s->events += (uint64_t)k * (k - 1) / 2;
    /* Dense terms first (with their ranks), sparse after: D x D pairs go to
     * the triangle without a test, every pair with a sparse term to the
     * hash table. */
    uint32_t *drk = (uint32_t *)(void *)s->drk.p;
    size_t nd = 0;
    if (s->nd) {
        const uint32_t *dr = p->dense_rank;
        size_t lo = 0, hi = k;
        while (lo < hi) { /* partition list: dense ranks to the front */
            uint32_t x = list[lo];
            if (dr[x] != NONE) {
                drk[lo] = dr[x];
                lo++;
            } else {
                list[lo] = list[--hi];
                list[hi] = x;
            }
        }
        nd = lo;
        uint64_t *dense = b->dense;
        for (size_t i = 1; i < nd; i++)
            for (size_t j = 0; j < i; j++) dense[tri_index(drk[i], drk[j])]++;
    }
    for (size_t i = nd; i < k; i++) {
        uint32_t x = list[i];
        for (size_t j = 0; j < i; j++) {
            int rc = key_push(s, pair_key(x, list[j]));
            if (rc) return rc;
        }
    }
    return 0;
}

/* One story's tokens in window contexts. */
static int window_row(cooc_state *s, const uint32_t *c, size_t m)
{
    const ws_cooc_params *p = s->p;
    cooc_big *b = s->big;
    const size_t w = p->window;
    uint64_t *freq = b->freq;
    for (size_t i = 0; i < m; i++) freq[c[i]]++;
    s->nctx += m;
    if (p->ntargets) return 0; /* target_matches counted the windows */
    uint32_t *drk = (uint32_t *)(void *)s->drk.p;
    const uint32_t *dr = p->dense_rank;
    const uint32_t nd = s->nd;
    /* Without a dense part every rank is NONE, so the test below fails. */
    for (size_t i = 0; i < m; i++) drk[i] = nd ? dr[c[i]] : NONE;
    uint64_t *dense = b->dense;
    for (size_t i = 0; i < m; i++) {
        uint32_t x = c[i];
        size_t hi = i + w < m ? i + w + 1 : m;
        s->events += hi - i - 1;
        for (size_t j = i + 1; j < hi; j++) {
            uint32_t y = c[j];
            if (x == y) continue;
            if (drk[i] < nd && drk[j] < nd) {
                dense[tri_index(drk[i], drk[j])]++;
            } else {
                int rc = key_push(s, pair_key(x, y));
                if (rc) return rc;
            }
        }
    }
    return 0;
}

/* State s's target matches that start at raw token t of [a, e) of a
 * story whose kept terms are c[0..m) (in order), kept of them before t.
 * Window contexts: each match adds the kept terms within K kept tokens
 * before its first token and after its last to the target's row (the
 * match's own tokens are not its context); document and sentence
 * contexts: the target is marked for count_context. */
static void match_at(cooc_state *s, const ws_query *q, const uint32_t *ids, uint64_t t, uint64_t e, size_t kept,
                     const uint32_t *c, size_t m)
{
    const ws_cooc_params *p = s->p;
    cooc_big *b = s->big;
    const uint32_t *key = q->norm->key, *sink = q->norm->sink, n = s->n;
    const size_t w = p->window, v = (size_t)n + 1;
    for (uint32_t g = 0; g < p->ntargets; g++) {
        const ws_termspec *sp = &p->targets[g];
        if (t + sp->nslots > e) continue;
        uint32_t j = 0;
        while (j < sp->nslots && ws_termslot_has(&sp->slot[j], key[ids[t + j]])) j++;
        if (j < sp->nslots) continue;
        if (p->context != WS_COOC_WINDOW) {
            b->thit[g] = 1;
            continue;
        }
        size_t kb = kept; /* kept tokens up to the match's end */
        for (j = 0; j < sp->nslots; j++) kb += sink[ids[t + j]] != n;
        uint64_t *row = b->tcnt + (size_t)g * v;
        for (size_t i = kept > w ? kept - w : 0; i < kept; i++) row[c[i]]++;
        for (size_t i = kb, hi = kb + w < m ? kb + w : m; i < hi; i++) row[c[i]]++;
        b->tfreq[g]++;
    }
}

/* The targets' matches in raw tokens [a, e) for the n states of a group
 * (all with targets): one pass over the tokens for all of them. */
static void target_matches(void *const *states, const ws_query *const *qs, size_t n, const uint32_t *ids, uint64_t a,
                           uint64_t e, const uint32_t *c, size_t m)
{
    const cooc_state *s0 = states[0];
    const uint32_t *key = qs[0]->norm->key, *sink = qs[0]->norm->sink, nt = s0->n;
    size_t kept = 0; /* kept tokens before raw token t */
    if (n == 1) {
        const uint8_t *first = s0->big->first;
        for (uint64_t t = a; t < e; kept += sink[ids[t]] != nt, t++)
            if (WS_UNLIKELY(first[key[ids[t]]])) match_at(states[0], qs[0], ids, t, e, kept, c, m);
        return;
    }
    for (uint64_t t = a; t < e; kept += sink[ids[t]] != nt, t++) {
        const uint32_t x = key[ids[t]];
        for (size_t i = 0; i < n; i++)
            if (WS_UNLIKELY(((const cooc_state *)states[i])->big->first[x])) match_at(states[i], qs[i], ids, t, e, kept, c, m);
    }
}

/* Rows of block b for the n states of a group (ws_kernel.consume_group;
 * n = 1: consume): the kept terms of a story (or sentence) are compacted,
 * and a document or sentence context's distinct terms found, once, in
 * states[0]'s scratch; each state then matches its targets and counts,
 * exactly as its own consume would. Grouped states share the context,
 * the field and the remap (cooc_group_ok and the engine check that). */
static int consume_n(void *const *states, const ws_query *const *qs, size_t n, const ws_block *b, const uint8_t *sel)
{
    cooc_state *s0 = states[0];
    const ws_cooc_params *p = s0->p;
    const ws_query *q = qs[0];
    const uint32_t *map = q->norm->sink, *ids = ws_block_ids(b, &s0->idbuf);
    if (!ids) return ws_error(WS_ENOMEM, "out of memory for a block's token ids");
    const uint32_t nt = s0->n;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        uint64_t lo, hi;
        ws_query_span(q, b, r, &lo, &hi);
        size_t len = (size_t)(hi - lo);
        for (size_t i = 0; i < n; i++) {
            cooc_state *s = states[i];
            if (grow_u32(&s->cids, len) || grow_u32(&s->list, len) || grow_u32(&s->drk, len))
                return ws_error(WS_ENOMEM, "out of memory for a story of %zu tokens", len);
        }
        uint32_t *c = (uint32_t *)(void *)s0->cids.p;
        int rc = 0;
        const int sentences = p->context == WS_COOC_SENTENCE;
        const uint64_t base = b->meta.tok_off[r], rend = b->meta.tok_off[r + 1];
        /* Sentence contexts: one per sentence in the field span; others:
         * the span is one context (a document, or a story's windows). */
        const uint32_t *sent = sentences ? b->meta.sent + b->meta.sent_off[r] : NULL;
        const uint64_t ns = sentences ? b->meta.sent_off[r + 1] - b->meta.sent_off[r] : 1;
        for (uint64_t k = 0; k < ns && !rc; k++) {
            uint64_t a = lo, e = hi;
            if (sentences) {
                a = base + sent[k], e = k + 1 < ns ? base + sent[k + 1] : rend;
                if (a < lo || a >= hi) continue; /* outside the field span */
                if (e > hi) e = hi;
            }
            /* Compact the kept terms, branch-free: dropped terms map to
             * the sink id nt and are overwritten by the next one. */
            size_t m = 0;
            for (uint64_t t = a; t < e; t++) {
                uint32_t x = map[ids[t]];
                c[m] = x;
                m += x != nt;
            }
            if (p->ntargets) target_matches(states, qs, n, ids, a, e, c, m); /* a group: all have targets */
            if (p->context == WS_COOC_WINDOW) {
                for (size_t i = 0; i < n && !rc; i++) rc = window_row(states[i], c, m);
                continue;
            }
            size_t d = distinct(s0, c, m);
            uint32_t *list = (uint32_t *)(void *)s0->list.p;
            for (size_t i = 0; i < n && !rc; i++) rc = count_context(states[i], list, d);
        }
        if (rc) return rc;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = keys_flush(states[i]); /* nothing stays queued between blocks */
        if (rc) return rc;
    }
    return 0;
}

/* 1 when consume_codes can take block b: document contexts, up to
 * CC_MAXT targets of one token each, a block that came as codes. */
static int codes_ok(const cooc_state *s, const ws_block *b)
{
    const ws_cooc_params *p = s->p;
    if (!b->codes || b->nrows >= 65535 || p->context != WS_COOC_DOC || !p->ntargets || p->ntargets > CC_MAXT) return 0;
    for (uint32_t g = 0; g < p->ntargets; g++)
        if (p->targets[g].nslots != 1) return 0;
    return 1;
}

/* Collocates of one-token targets in document contexts over a block that
 * came as codes (WS_COLBIT_TOKCODES): what consume_n counts, with the
 * per-token work on tables indexed by the block's codes (a few thousand,
 * frequency-ranked: the common ones in L1) instead of by term (a miss per
 * token in the vocabulary-sized stamp, marginal and target rows), and the
 * counts added to those rows once per block. Codes whose ids normalise to
 * one term count as one (the first, most frequent, of them), so a story
 * counts once per term. For the n states of a group (consume_group: the
 * same remap, context, field and rows; at most CC_MAXT targets in all),
 * a story's distinct codes and its marginal counts are found once, in
 * states[0]'s tables, and each state gets the marginals and its own
 * targets' rows at the block's end. Hand-written loops: they are the
 * kernel. */
static int consume_codes(void *const *states, const ws_query *const *qs, size_t n, const ws_block *b, const uint8_t *sel)
{
    cooc_state *s0 = states[0];
    const uint32_t nv = s0->n, L = b->ncodes;
    const uint32_t *map = qs[0]->norm->sink, *key = qs[0]->norm->key;
    /* Target bits: bit g belongs to state own[g], its target tg[g]. */
    uint8_t own[CC_MAXT], tg[CC_MAXT];
    uint32_t ntg = 0;
    for (size_t i = 0; i < n; i++) {
        const ws_cooc_params *pi = ((const cooc_state *)states[i])->p;
        for (uint32_t g = 0; g < pi->ntargets; g++, ntg++) {
            own[ntg] = (uint8_t)i;
            tg[ntg] = (uint8_t)g;
        }
    }
    cooc_codes *cc = s0->cc;
    if (!cc) {
        cc = s0->cc = ws_calloc(1, sizeof *cc);
        if (!cc || !(cc->seen = ws_calloc((size_t)nv + 1, 4)) || !(cc->rep = ws_malloc(((size_t)nv + 1) * 2)) ||
            !(cc->lslot = ws_malloc(65536 * 2)) || !(cc->lstamp = ws_calloc(65536, 2)) ||
            !(cc->tmask = ws_malloc(65536)) || !(cc->lfreq = ws_calloc(65536, 4)) ||
            !(cc->ltc = ws_calloc((size_t)CC_MAXT * 65536, 4)))
            return ws_error(WS_ENOMEM, "out of memory for cooc");
    }
    if (++cc->blockno == 0) { /* stamps wrapped: forget them */
        memset(cc->seen, 0, ((size_t)nv + 1) * 4);
        cc->blockno = 1;
    }
    const uint32_t blk = cc->blockno;
    uint16_t *lslot = cc->lslot, *lstamp = cc->lstamp;
    uint8_t *tmask = cc->tmask;
    uint32_t *lfreq = cc->lfreq;
    for (uint32_t c = 0; c < L; c++) {
        uint32_t id = b->code_ids[c], t = map[id];
        if (cc->seen[t] != blk) {
            cc->seen[t] = blk;
            cc->rep[t] = (uint16_t)c;
        }
        lslot[c] = cc->rep[t];
        uint8_t m = 0;
        uint32_t k = key[id];
        for (uint32_t g = 0; g < ntg; g++) {
            const cooc_state *si = states[own[g]];
            if (si->big->first[k]) m |= (uint8_t)(ws_termslot_has(&si->p->targets[tg[g]].slot[0], k) << g);
        }
        tmask[c] = m;
    }
    /* The sink's counting code (dropped terms): counted like the others, never added. */
    uint32_t sinkslot = cc->seen[nv] == blk ? cc->rep[nv] : UINT32_MAX;
    const uint16_t *codes = b->codes;
    uint16_t row = 0;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        uint64_t lo, hi;
        ws_query_span(qs[0], b, r, &lo, &hi);
        size_t len = (size_t)(hi - lo);
        if (len > cc->caplist) {
            uint16_t *nl = ws_realloc(cc->list, len * 2);
            if (!nl) return ws_error(WS_ENOMEM, "out of memory for a story of %zu tokens", len);
            cc->list = nl;
            cc->caplist = len;
        }
        uint16_t *list = cc->list;
        row++;
        size_t k = 0;
        uint32_t hits = 0;
        /* Branch-free, as distinct(): the write always happens, the count
         * moves on for a code not yet stamped in this row. */
        for (uint64_t t = lo; t < hi; t++) {
            uint32_t c = codes[t], sl = lslot[c];
            list[k] = (uint16_t)sl;
            k += lstamp[sl] != row;
            lstamp[sl] = row;
            hits |= tmask[c];
        }
        for (size_t i = 0; i < k; i++) lfreq[list[i]]++;
        for (uint32_t g = 0; hits && g < ntg; g++) {
            if (!(hits >> g & 1)) continue;
            ((cooc_state *)states[own[g]])->big->tfreq[tg[g]]++;
            uint32_t *ltc = cc->ltc + (size_t)g * 65536;
            for (size_t i = 0; i < k; i++) ltc[list[i]]++;
        }
    }
    for (size_t i = 0; i < n; i++) ((cooc_state *)states[i])->nctx += row; /* the same rows for all */
    const size_t v = (size_t)nv + 1;
    for (uint32_t c = 0; c < L; c++) {
        if (!lfreq[c]) continue;
        uint32_t x = map[b->code_ids[c]];
        if (c != sinkslot)
            for (size_t i = 0; i < n; i++) ((cooc_state *)states[i])->big->freq[x] += lfreq[c];
        for (uint32_t g = 0; g < ntg; g++) {
            uint32_t *ltc = cc->ltc + (size_t)g * 65536;
            if (c != sinkslot) ((cooc_state *)states[own[g]])->big->tcnt[(size_t)tg[g] * v + x] += ltc[c];
            ltc[c] = 0;
        }
        lfreq[c] = 0;
        lstamp[c] = 0;
    }
    return 0;
}

/* A group's block (ws_kernel.consume_group): as codes when every state
 * can take it so, in runs of states of at most CC_MAXT targets in all;
 * else consume_n. */
static int consume_group(void *const *states, const ws_query *const *qs, size_t n, const ws_block *b, const uint8_t *sel)
{
    for (size_t i = 0; i < n; i++)
        if (!codes_ok(states[i], b)) return consume_n(states, qs, n, b, sel);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        uint32_t t = 0;
        while (j < n && t + ((const cooc_state *)states[j])->p->ntargets <= CC_MAXT) t += ((const cooc_state *)states[j++])->p->ntargets;
        int rc = consume_codes(states + i, qs + i, j - i, b, sel);
        if (rc) return rc;
        i = j;
    }
    return 0;
}

static int cooc_consume(void *state, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    cooc_state *s = state;
    if (s->p->none) return 0;
    if (codes_ok(s, b)) return consume_codes(&state, &q, 1, b, sel);
    return consume_n(&state, &q, 1, b, sel);
}

/* Lines of a job that consume_n may serve together: collocates (the
 * targets' rows only read the shared distinct list; all pairs reorder it)
 * in the same kind of context over the same field. */
static int cooc_group_ok(const ws_query *a, const ws_query *b)
{
    const ws_cooc_params *pa = a->ext, *pb = b->ext;
    return pa && pb && pa->ntargets && pb->ntargets && !pa->none && !pb->none && pa->context == pb->context &&
           a->field == b->field;
}

/* ---- merge ---- */

/* Run fn over [0, n) on the plan's threads (items must be independent), or
 * in order on this one without a plan (unit tests) or with one thread. */
static int par_for(const ws_cooc_params *p, size_t n, int (*fn)(void *arg, size_t i, int thread), void *arg)
{
    if (p->plan && p->plan->parallel_for && p->threads > 1 && n > 1)
        return p->plan->parallel_for(p->plan->ctx, n, fn, arg);
    for (size_t i = 0; i < n; i++) {
        int rc = fn(arg, i, 0);
        if (rc) return rc;
    }
    return 0;
}

typedef struct merge_job {
    const ws_cooc_params *p;
    cooc_big *x, *y;
    size_t ncells, chunk; /* the triangles: cells, cells per item */
} merge_job;

#define DCHUNK ((size_t)1 << 20) /* triangle cells added per item */

static int merge_dense(void *arg, size_t i, int thread)
{
    (void)thread;
    merge_job *m = arg;
    size_t lo = i * m->chunk, hi = lo + m->chunk < m->ncells ? lo + m->chunk : m->ncells;
    uint64_t *x = m->x->dense;
    const uint64_t *y = m->y->dense;
    for (size_t c = lo; c < hi; c++) x[c] += y[c];
    return 0;
}

/* Partition i of `from` into partition i of `into`. */
static int merge_part(void *arg, size_t i, int thread)
{
    (void)thread;
    merge_job *m = arg;
    cpart *xp = &m->x->part[i], *yp = &m->y->part[i];
    int rc = 0;
    /* Logs are spilled (they have runs already): tables from here on. */
    if (xp->append) rc = table_spill(m->p, xp, NULL);
    if (yp->append && !rc) rc = table_spill(m->p, yp, NULL);
    if (rc) return rc;
    /* Re-insert the smaller table into the larger one. */
    if (yp->tab.slots && yp->tab.used > xp->tab.used) {
        pmap t = xp->tab;
        xp->tab = yp->tab;
        yp->tab = t;
    }
    for (size_t k = 0; yp->tab.slots && k < yp->tab.cap && !rc; k++) {
        const pslot *sl = &yp->tab.slots[k];
        if (sl->key != EMPTY)
            rc = table_add(m->p, m->x->hash_bytes, xp, sl->key, sl->val, pmap_t_hash(&xp->tab, sl->key));
    }
    for (size_t k = 0; k < yp->nruns && !rc; k++) rc = add_run(xp, yp->runs[k]);
    pmap_free(&yp->tab);
    ws_free(yp->runs);
    yp->runs = NULL;
    yp->nruns = yp->caprun = 0;
    return rc;
}

static int cooc_merge(void *into, const void *from_, const ws_query *q)
{
    (void)q;
    cooc_state *a = into;
    const cooc_state *from = from_;
    const ws_cooc_params *p = a->p;
    cooc_big *x = a->big, *y = from->big;
    a->nctx += from->nctx;
    a->events += from->events;
    size_t v = (size_t)a->n + 1;
    for (size_t i = 0; i < v; i++) x->freq[i] += y->freq[i];
    if (p->ntargets) {
        for (size_t i = 0; i < (size_t)p->ntargets * v; i++) x->tcnt[i] += y->tcnt[i];
        for (uint32_t t = 0; t < p->ntargets; t++) x->tfreq[t] += y->tfreq[t];
    }
    merge_job m = {p, x, y, tri_size(a->nd), DCHUNK};
    int rc = 0;
    if (x->dense && y->dense) rc = par_for(p, (m.ncells + m.chunk - 1) / m.chunk, merge_dense, &m);
    /* Release the dense arrays of `from` before its hash entries move in,
     * so into's tables may grow into the room they leave. */
    ws_free(y->dense);
    y->dense = NULL;
    ws_free(y->tcnt);
    y->tcnt = NULL;
    if (!rc && !p->ntargets) rc = par_for(p, NPART, merge_part, &m);
    return rc;
}

/* ---- finish ---- */

typedef struct orec { /* one output row being ordered */
    uint64_t key;     /* rank_key: ascending = measure descending */
    uint32_t r1, r2;  /* bytewise ranks of term1 < term2 (targets: collocate, target) */
    uint64_t count;
} orec;

static int orec_cmp(const void *x, const void *y)
{
    const orec *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    if (a->r1 != b->r1) return a->r1 < b->r1 ? -1 : 1;
    return a->r2 < b->r2 ? -1 : a->r2 > b->r2;
}

typedef struct term_ref { /* a term and its id, for the bytewise sort of the vocabulary */
    ws_str term;
    uint32_t id;
} term_ref;

static int term_ref_cmp(const void *x, const void *y)
{
    const term_ref *a = x, *b = y;
    return ws_str_cmp(a->term, b->term);
}

/* byrank[i] = the id of the i-th term bytewise; rank[id] its position. */
static int term_ranks(const ws_norm *nm, uint32_t n, uint32_t **rank, uint32_t **byrank)
{
    *rank = ws_malloc(((size_t)n + 1) * 4);
    *byrank = ws_malloc(((size_t)n + 1) * 4);
    term_ref *v = ws_malloc(((size_t)n + 1) * sizeof *v);
    if (!*rank || !*byrank || !v) {
        ws_free(v);
        return ws_error(WS_ENOMEM, "out of memory sorting %u terms", n);
    }
    for (uint32_t i = 0; i < n; i++) v[i] = (term_ref){ws_norm_term(nm, i), i};
    qsort(v, n, sizeof *v, term_ref_cmp);
    for (uint32_t i = 0; i < n; i++) {
        (*byrank)[i] = v[i].id;
        (*rank)[v[i].id] = i;
    }
    ws_free(v);
    return 0;
}

typedef struct writer {
    const ws_query *q;
    const ws_cooc_params *p;
    const cooc_state *s;
    const uint32_t *byrank;
    ws_table *out;
    uint64_t left; /* rows still to print; UINT64_MAX: all */
    int target_col;
} writer;

/* One row: target names the target (collocates) and ft is its frequency;
 * id2 is NONE for collocates. */
static int write_row(writer *w, ws_str target, uint64_t ft, uint32_t id1, uint32_t id2, uint64_t a)
{
    const ws_cooc_params *p = w->p;
    const uint64_t *freq = w->s->big->freq;
    ws_table *out = w->out;
    const ws_norm *nm = w->q->norm;
    int rc = 0;
    if (w->target_col) rc = ws_table_text(out, target);
    rc = rc ? rc : ws_table_text(out, ws_norm_term(nm, id1));
    if (id2 != NONE) rc = rc ? rc : ws_table_text(out, ws_norm_term(nm, id2));
    rc = rc ? rc : ws_table_int(out, (int64_t)a);
    uint64_t f1 = freq[id1], f2 = id2 != NONE ? freq[id2] : ft;
    rc = rc ? rc : ws_table_int(out, (int64_t)f1);
    if (id2 != NONE) rc = rc ? rc : ws_table_int(out, (int64_t)f2);
    double v[WS_COOC_NMEASURES];
    if (p->all_measures || p->measure != WS_COOC_COUNT) pair_measures(p, a, f1, f2, w->s->nctx, v);
    for (int m = 1; m < WS_COOC_NMEASURES && !rc; m++) {
        if (!p->all_measures && m != (int)p->measure) continue;
        rc = ws_table_double(out, v[m]);
    }
    /* Large results stream out through the table's sink, so the output
     * does not have to fit the memory budget. */
    return rc;
}

static int write_header(const ws_cooc_params *p, ws_table *out, int targets, int target_col)
{
    static const char *const fname[] = {"df", "sf", "tf"};
    const char *f = fname[p->context];
    char n1[8], n2[8];
    snprintf(n1, sizeof n1, "%s1", f);
    snprintf(n2, sizeof n2, "%s2", f);
    int rc = 0;
    if (targets) {
        if (target_col) rc = ws_table_add_col(out, "target", WS_TYPE_TEXT);
        rc = rc ? rc : ws_table_add_col(out, "term", WS_TYPE_TEXT);
        rc = rc ? rc : ws_table_add_col(out, "cooc", WS_TYPE_INT64);
        rc = rc ? rc : ws_table_add_col(out, f, WS_TYPE_INT64);
    } else {
        rc = ws_table_add_col(out, "term1", WS_TYPE_TEXT);
        rc = rc ? rc : ws_table_add_col(out, "term2", WS_TYPE_TEXT);
        rc = rc ? rc : ws_table_add_col(out, "cooc", WS_TYPE_INT64);
        rc = rc ? rc : ws_table_add_col(out, n1, WS_TYPE_INT64);
        rc = rc ? rc : ws_table_add_col(out, n2, WS_TYPE_INT64);
    }
    for (int m = 1; m < WS_COOC_NMEASURES && !rc; m++)
        if (p->all_measures || m == (int)p->measure) rc = ws_table_add_col(out, measure_names[m], WS_TYPE_DOUBLE);
    return rc;
}

/* Target t's name in the output. */
static ws_str target_label(const ws_cooc_params *p, const ws_norm *nm, uint32_t t)
{
    if (p->labels && p->labels[t].n) return p->labels[t];
    const ws_termslot *sl = &p->targets[t].slot[0];
    return sl->n ? ws_norm_term(nm, sl->ids[0]) : ws_str_make("", 0);
}

/* 1 when normalised id y is a term of target sp (in any of its slots). */
static int own_term(const ws_termspec *sp, uint32_t y)
{
    for (uint32_t j = 0; j < sp->nslots; j++)
        if (ws_termslot_has(&sp->slot[j], y)) return 1;
    return 0;
}

/* Collocates of the targets: every row is in memory (targets x vocabulary). */
static int finish_targets(cooc_state *s, const ws_query *q, ws_table *out, const uint32_t *rank,
                          const uint32_t *byrank)
{
    const ws_cooc_params *p = s->p;
    cooc_big *b = s->big;
    size_t v = (size_t)s->n + 1, nrec = 0, cap = 0;
    orec *recs = NULL;
    uint32_t *tord = ws_malloc(((size_t)p->ntargets + 1) * 4); /* targets in bytewise order of labels */
    if (!tord) return ws_error(WS_ENOMEM, "out of memory");
    for (uint32_t t = 0; t < p->ntargets; t++) tord[t] = t;
    for (uint32_t i = 1; i < p->ntargets; i++) /* insertion sort: a handful of targets */
        for (uint32_t j = i; j > 0 && ws_str_cmp(target_label(p, q->norm, tord[j]), target_label(p, q->norm, tord[j - 1])) < 0;
             j--) {
            uint32_t t = tord[j];
            tord[j] = tord[j - 1];
            tord[j - 1] = t;
        }
    int target_col = p->ntargets > 1, rc = write_header(p, out, 1, target_col);
    writer w = {q, p, s, NULL, out, 0, target_col};
    uint64_t top = q->top ? q->top : UINT64_MAX;
    for (uint32_t gi = 0; gi < p->ntargets && !rc; gi++) {
        /* per term: one target at a time; otherwise all targets together */
        uint32_t g0 = p->per_term ? gi : 0, g1 = p->per_term ? gi + 1 : p->ntargets;
        nrec = 0;
        for (uint32_t g = g0; g < g1; g++) {
            uint32_t t = tord[g];
            const uint64_t *row = b->tcnt + (size_t)t * v;
            for (uint32_t y = 0; y < s->n; y++) {
                if (!row[y] || row[y] < p->min_count || own_term(&p->targets[t], y)) continue;
                if (nrec == cap) {
                    size_t nc = cap ? cap * 2 : 1024;
                    orec *r = ws_realloc(recs, nc * sizeof *r);
                    if (!r) {
                        rc = ws_error(WS_ENOMEM, "out of memory for collocates");
                        break;
                    }
                    recs = r;
                    cap = nc;
                }
                /* r1: the collocate's rank; r2: the target's order. */
                recs[nrec++] = (orec){rank_key(p, row[y], b->freq[y], b->tfreq[t], s->nctx), rank[y], g, row[y]};
            }
        }
        if (rc) break;
        radix_sort((uint8_t *)recs, nrec, sizeof *recs, 0, 16, orec_cmp);
        for (size_t i = 0; i < nrec && i < top && !rc; i++) {
            uint32_t t = tord[recs[i].r2];
            rc = write_row(&w, target_label(p, q->norm, t), b->tfreq[t], byrank[recs[i].r1], NONE, recs[i].count);
        }
        if (!p->per_term) break;
    }
    ws_free(recs);
    ws_free(tord);
    return rc;
}

/* ---- all pairs: count stream -> ordered rows ---- */

typedef struct ranker {
    const ws_cooc_params *p;
    const cooc_state *s;
    const uint32_t *rank;
    /* in memory: a buffer of records, sorted (and spilled as runs when the
     * rankers' buffers together reach *pool's limit); or a bounded heap
     * for a small --top */
    orec *buf;
    size_t n, cap;
    int heap;        /* buf is a max-heap of the best `cap` so far */
    size_t *pool;    /* records held by the buffers of all rankers (atomic) */
    size_t limit;    /* what *pool may reach before a full buffer spills */
    uint32_t *runs;
    size_t nruns, caprun;
    uint64_t pairs;
} ranker;

static inline int orec_after(const void *ctx, const orec *a, const orec *b)
{
    (void)ctx;
    return orec_cmp(a, b) > 0;
}

/* cooc_top_offer: the bounded heap of the best `cap` rows (ws_topk.h). */
WS_TOPK_DEFINE(cooc_top, orec, void, orec_after)

static int ranker_run(ranker *rk, const orec *recs, size_t n)
{
    const ws_cooc_params *p = rk->p;
    uint32_t run;
    int rc = p->spill->write(p->spill->ctx, recs, n, sizeof(orec), &run);
    if (rc) return rc;
    return runs_push(&rk->runs, &rk->nruns, &rk->caprun, run);
}

/* A full buffer: grow it while the pool allows (always without spill
 * ops), else sort it and spill it as a run. Which ranker spills when
 * depends on the threads' timing, never the rows: they sort by a total
 * order. */
static int ranker_full(ranker *rk)
{
    const ws_cooc_params *p = rk->p;
    size_t nc = rk->cap ? rk->cap * 2 : 256, add = nc - rk->cap;
    int grow = !p->spill || !rk->cap;
    if (!grow) {
        size_t was = __atomic_fetch_add(rk->pool, add, __ATOMIC_RELAXED);
        grow = was + add <= rk->limit;
        if (!grow) __atomic_fetch_sub(rk->pool, add, __ATOMIC_RELAXED);
    } else if (p->spill) {
        __atomic_fetch_add(rk->pool, add, __ATOMIC_RELAXED);
    }
    if (grow) {
        orec *nb = ws_realloc(rk->buf, nc * sizeof *nb);
        if (!nb) return ws_error(WS_ENOMEM, "out of memory ordering co-occurrence pairs");
        rk->buf = nb;
        rk->cap = nc;
        return 0;
    }
    radix_sort((uint8_t *)rk->buf, rk->n, sizeof *rk->buf, 0, 16, orec_cmp);
    int rc = ranker_run(rk, rk->buf, rk->n);
    rk->n = 0;
    return rc;
}

static int ranker_add(ranker *rk, uint64_t key, uint64_t a)
{
    const ws_cooc_params *p = rk->p;
    if (a < p->min_count) return 0;
    rk->pairs++;
    uint32_t x = (uint32_t)(key >> 32), y = (uint32_t)key;
    const uint64_t *freq = rk->s->big->freq;
    uint32_t rx = rk->rank[x], ry = rk->rank[y];
    orec r = {rank_key(p, a, freq[x], freq[y], rk->s->nctx), rx < ry ? rx : ry, rx < ry ? ry : rx, a};
    if (rk->heap) {
        cooc_top_offer(NULL, rk->buf, &rk->n, rk->cap, &r);
        return 0;
    }
    if (rk->n == rk->cap) {
        int rc = ranker_full(rk);
        if (rc) return rc;
    }
    rk->buf[rk->n++] = r;
    return 0;
}

static int emit_count(void *arg, const void *rec)
{
    const pslot *ps = rec;
    return ranker_add(arg, ps->key, ps->val);
}

static int emit_row(void *arg, const void *rec)
{
    writer *w = arg;
    const orec *r = rec;
    if (!w->left) return 1; /* enough rows: stop the merge */
    w->left--;
    return write_row(w, ws_str_make("", 0), 0, w->byrank[r->r1], w->byrank[r->r2], r->count);
}

/* finish() over all pairs, item by item on the plan's threads: items
 * [0, NPART) are the partitions (runs merged, then the table), the rest
 * slices of the triangle's rows; each item has its own ranker, and the
 * rankers' sorted rows are merged at the end. */
typedef struct fin_job {
    const ws_cooc_params *p;
    cooc_state *s;
    ranker *rk;
    const uint32_t *ids;   /* dense rank -> id */
    uint32_t *drow;        /* triangle rows [drow[k], drow[k + 1]) are item NPART + k */
    size_t mergemem;       /* read buffers of one partition's merge */
    uint64_t *pruns;       /* runs each partition merged */
    unsigned merging;      /* partitions merging their runs now (atomic) */
} fin_job;

/* At most this many partitions merge their runs at once: each merge holds
 * up to the spill's fan-in (64) run files open, and one per thread on a
 * many-core machine would pass the usual limit of 1024 open files. A
 * thread past it waits (sleeping, 1 ms at a time) for a merge to end. */
#define MERGES_AT_ONCE 8

static void merge_enter(fin_job *f)
{
    while (__atomic_fetch_add(&f->merging, 1, __ATOMIC_ACQUIRE) >= MERGES_AT_ONCE) {
        __atomic_fetch_sub(&f->merging, 1, __ATOMIC_RELEASE);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static int fin_item(void *arg, size_t i, int thread)
{
    (void)thread;
    fin_job *f = arg;
    const ws_cooc_params *p = f->p;
    ranker *rk = &f->rk[i];
    int rc = 0;
    if (i < NPART) {
        cpart *c = &f->s->big->part[i];
        if (p->spill && c->nruns) {
            if (c->tab.used) rc = table_spill(p, c, NULL);
            pmap_free(&c->tab); /* the table's memory goes back before merging */
            f->pruns[i] = c->nruns;
            if (!rc) {
                merge_enter(f);
                rc = p->spill->merge(p->spill->ctx, c->runs, c->nruns, sizeof(pslot), NULL, key_combine,
                                     f->mergemem, emit_count, rk);
                __atomic_fetch_sub(&f->merging, 1, __ATOMIC_RELEASE);
            }
        }
        for (size_t k = 0; !rc && c->tab.slots && k < c->tab.cap; k++)
            if (c->tab.slots[k].key != EMPTY) rc = ranker_add(rk, c->tab.slots[k].key, c->tab.slots[k].val);
        pmap_free(&c->tab);
    } else {
        const uint64_t *dense = f->s->big->dense;
        for (uint32_t hi = f->drow[i - NPART]; !rc && hi < f->drow[i - NPART + 1]; hi++)
            for (uint32_t lo = 0; lo < hi && !rc; lo++) {
                uint64_t a = dense[(size_t)hi * (hi - 1) / 2 + lo];
                if (a) rc = ranker_add(rk, pair_key(f->ids[lo], f->ids[hi]), a);
            }
    }
    if (!rc) radix_sort((uint8_t *)rk->buf, rk->n, sizeof *rk->buf, 0, 16, orec_cmp);
    return rc;
}

/* Sift the cursor at heap[k] down a min-heap of nh cursors: heap[] holds
 * ranker indices, pos[r] ranker r's next row. */
static void cursor_sift(const ranker *rk, const size_t *pos, size_t *heap, size_t nh, size_t k)
{
#define CUR(k) (&rk[heap[k]].buf[pos[heap[k]]])
    for (;;) {
        size_t l = 2 * k + 1, m = k;
        if (l < nh && orec_cmp(CUR(l), CUR(m)) < 0) m = l;
        if (l + 1 < nh && orec_cmp(CUR(l + 1), CUR(m)) < 0) m = l + 1;
        if (m == k) return;
        size_t t = heap[k];
        heap[k] = heap[m];
        heap[m] = t;
        k = m;
    }
#undef CUR
}

/* The rankers' sorted buffers merged in memory (a heap of cursors), each
 * row to emit_row until it says stop. */
static int merge_buffers(ranker *rk, size_t nr, writer *w)
{
    size_t *heap = ws_malloc((nr + 1) * sizeof *heap), *pos = ws_calloc(nr + 1, sizeof *pos), nh = 0;
    int rc = heap && pos ? 0 : ws_error(WS_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < nr; i++)
        if (rk[i].n) heap[nh++] = i;
#define CUR(k) (&rk[heap[k]].buf[pos[heap[k]]])
    for (size_t i = nh / 2; !rc && i-- > 0;) /* heapify */
        cursor_sift(rk, pos, heap, nh, i);
    while (!rc && nh) {
        rc = emit_row(w, CUR(0));
        if (rc) break;
        if (++pos[heap[0]] == rk[heap[0]].n) heap[0] = heap[--nh];
        cursor_sift(rk, pos, heap, nh, 0);
    }
#undef CUR
    ws_free(heap);
    ws_free(pos);
    return rc == 1 ? 0 : rc; /* 1: stopped after --top rows */
}

static int finish_pairs(cooc_state *s, const ws_query *q, ws_table *out, const uint32_t *rank, const uint32_t *byrank)
{
    const ws_cooc_params *p = s->p;
    cooc_big *b = s->big;
    /* Memory after the scan: the budget minus what stays (fixed arrays,
     * the triangle, the ranks); a quarter of it orders the rows, an eighth
     * buffers merge reads. */
    size_t kept = ws_cooc_fixed_bytes(s->n, 0) + tri_size(s->nd) * 8 + ((size_t)s->n + 1) * 8;
    size_t room = p->budget > kept ? p->budget - kept : 1 << 20;
    int rc = 0, threads = p->threads > 1 ? p->threads : 1;
    /* While a partition's table is still in memory (nothing spilled), it
     * shares the room with the sort buffers. */
    size_t tbl = 0;
    for (int j = 0; j < NPART; j++)
        if (!(p->spill && b->part[j].nruns)) tbl += b->part[j].tab.cap * sizeof(pslot);
    size_t sortcap = (p->budget ? (room > tbl ? room - tbl : 0) / 3 : (size_t)1 << 30) / sizeof(orec);
    if (sortcap < 1024) sortcap = 1024;
    /* Items: the partitions, then slices of the triangle of about equal
     * cells (at most 16). */
    const uint32_t nd = s->nd;
    size_t nslice = nd > 1 ? (tri_size(nd) + DCHUNK - 1) / DCHUNK : 0;
    if (nslice > 16) nslice = 16;
    size_t nitems = NPART + nslice;
    int conc = threads < MERGES_AT_ONCE ? threads : MERGES_AT_ONCE;
    fin_job f = {p, s, NULL, NULL, NULL, room / 8 / (size_t)conc, NULL, 0};
    size_t pool = 0;
    ranker *rk = ws_calloc(nitems, sizeof *rk);
    uint32_t *ids = ws_malloc(((size_t)nd + 1) * 4);
    f.drow = ws_malloc((nslice + 2) * sizeof *f.drow);
    f.pruns = ws_calloc(NPART, sizeof *f.pruns);
    if (!rk || !ids || !f.drow || !f.pruns) rc = ws_error(WS_ENOMEM, "out of memory");
    for (uint32_t i = 0; !rc && i < s->n; i++)
        if (nd && p->dense_rank[i] != NONE) ids[p->dense_rank[i]] = i;
    if (!rc && nslice) {
        /* slice k ends at the first row where k + 1 slices' share of cells is reached */
        size_t total = tri_size(nd);
        uint32_t hi = 1;
        f.drow[0] = 1;
        for (size_t k = 1; k < nslice; k++) {
            size_t want = total / nslice * k;
            while (hi < nd && tri_size(hi + 1) <= want) hi++;
            f.drow[k] = hi;
        }
        f.drow[nslice] = nd;
    }
    /* --top N: a bounded heap per item when their rows fit the room. */
    int heap = q->top && (uint64_t)q->top * nitems <= sortcap;
    for (size_t i = 0; !rc && i < nitems; i++) {
        rk[i] = (ranker){.p = p, .s = s, .rank = rank, .heap = heap, .pool = &pool, .limit = sortcap};
        if (heap) {
            rk[i].cap = q->top;
            if (!(rk[i].buf = ws_malloc(rk[i].cap * sizeof *rk[i].buf)))
                rc = ws_error(WS_ENOMEM, "out of memory ordering co-occurrence pairs");
        }
    }
    f.rk = rk;
    f.ids = ids;
    if (!rc) rc = par_for(p, nitems, fin_item, &f);
    ws_free(b->dense);
    b->dense = NULL;
    uint64_t pairs = 0, runs = 0;
    size_t nout = 0;
    for (size_t i = 0; rk && i < nitems; i++) {
        pairs += rk[i].pairs;
        runs += rk[i].nruns;
        nout += rk[i].n;
    }
    for (size_t j = 0; f.pruns && j < NPART; j++) runs += f.pruns[j];
    writer w = {q, p, s, byrank, out, q->top ? q->top : UINT64_MAX, 0};
    if (!rc) rc = write_header(p, out, 0, 0);
    if (!rc && heap) {
        /* the best N of every item hold the best N overall */
        orec *all = ws_malloc((nout + 1) * sizeof *all);
        if (!all) rc = ws_error(WS_ENOMEM, "out of memory ordering co-occurrence pairs");
        for (size_t i = 0, k = 0; !rc && i < nitems; i++) {
            memcpy(all + k, rk[i].buf, rk[i].n * sizeof *all);
            k += rk[i].n;
        }
        if (!rc) radix_sort((uint8_t *)all, nout, sizeof *all, 0, 16, orec_cmp);
        for (size_t i = 0; i < nout && !rc; i++) rc = emit_row(&w, &all[i]);
        if (rc == 1) rc = 0;
        ws_free(all);
    } else if (!rc && runs > 0 && !p->spill) {
        rc = ws_error(WS_EINTERNAL, "cooc: runs without spill ops");
    } else if (!rc) {
        size_t nruns = 0;
        for (size_t i = 0; i < nitems; i++) nruns += rk[i].nruns;
        if (nruns) {
            /* some rows are on disk: every buffer becomes a run too, one
             * merge orders everything */
            uint32_t *all = ws_malloc((nruns + nitems + 1) * sizeof *all);
            size_t k = 0;
            if (!all) rc = ws_error(WS_ENOMEM, "out of memory");
            for (size_t i = 0; !rc && i < nitems; i++) {
                if (rk[i].n) rc = ranker_run(&rk[i], rk[i].buf, rk[i].n);
                if (!rc) runs += rk[i].n ? 1 : 0;
                ws_free(rk[i].buf);
                rk[i].buf = NULL;
                for (size_t r = 0; !rc && r < rk[i].nruns; r++) all[k++] = rk[i].runs[r];
            }
            if (!rc)
                rc = p->spill->merge(p->spill->ctx, all, k, sizeof(orec), orec_cmp, NULL, room / 4, emit_row, &w);
            if (rc == 1) rc = 0; /* stopped after --top rows */
            ws_free(all);
        } else {
            rc = merge_buffers(rk, nitems, &w);
        }
    }
    if (p->stats) {
        p->stats->pairs = pairs;
        p->stats->runs = runs;
    }
    for (size_t i = 0; rk && i < nitems; i++) {
        ws_free(rk[i].buf);
        ws_free(rk[i].runs);
    }
    ws_free(rk);
    ws_free(ids);
    ws_free(f.drow);
    ws_free(f.pruns);
    return rc;
}

static int cooc_finish(void *state, const ws_query *q, ws_table *out)
{
    cooc_state *s = state;
    const ws_cooc_params *p = s->p;
    if (p->none) return write_header(p, out, 1, p->ntargets_given > 1); /* no --term occurs: the header only */
    if (p->stats) p->stats->pair_events = s->events;
    uint32_t *rank = NULL, *byrank = NULL;
    int rc = term_ranks(q->norm, s->n, &rank, &byrank);
    if (!rc) rc = p->ntargets ? finish_targets(s, q, out, rank, byrank) : finish_pairs(s, q, out, rank, byrank);
    ws_free(rank);
    ws_free(byrank);
    return rc;
}

/* ---- across ranks ----
 * Collocates of given terms: pack/unpack carry the contexts, the
 * marginals and the targets' rows (nonzero entries: gap, value varints).
 * All pairs: ws_k_cooc_dist.c exchanges the pairs by hash partition
 * (exchange) through the three hooks below; pack then carries a rank's
 * candidates for the report (pairs only) and unpack reads them back.
 * The sparse arrays' coding: ws_kdist_put_sparse, ws_cooc_get_sparse. */
ws_cooc_view ws_cooc_state_view(void *state)
{
    cooc_state *s = state;
    return (ws_cooc_view){s->p, s->n, &s->nctx, &s->events, s->big->freq};
}

typedef struct take_ctx {
    int (*fn)(void *arg, uint64_t key, uint64_t count);
    void *arg;
} take_ctx;

static int take_rec(void *arg, const void *rec)
{
    const take_ctx *t = arg;
    const pslot *ps = rec;
    return t->fn(t->arg, ps->key, ps->val);
}

int ws_cooc_pairs_take(void *state, int (*fn)(void *arg, uint64_t key, uint64_t count), void *arg)
{
    cooc_state *s = state;
    const ws_cooc_params *p = s->p;
    cooc_big *b = s->big;
    int rc = 0;
    if (s->nd && b->dense) {
        uint32_t *ids = ws_malloc(((size_t)s->nd + 1) * 4);
        if (!ids) return ws_error(WS_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < s->n; i++)
            if (p->dense_rank[i] != NONE) ids[p->dense_rank[i]] = i;
        for (uint32_t hi = 1; !rc && hi < s->nd; hi++)
            for (uint32_t lo = 0; lo < hi && !rc; lo++) {
                uint64_t a = b->dense[(size_t)hi * (hi - 1) / 2 + lo];
                if (a) rc = fn(arg, pair_key(ids[lo], ids[hi]), a);
            }
        ws_free(ids);
    }
    /* From here on the pairs live in the hash tables alone. */
    ws_free(b->dense);
    b->dense = NULL;
    s->nd = 0;
    take_ctx t = {fn, arg};
    for (int j = 0; !rc && j < NPART; j++) {
        cpart *c = &b->part[j];
        if (c->nruns) {
            if (c->tab.used) rc = table_spill(p, c, NULL);
            if (!rc) rc = p->spill->merge(p->spill->ctx, c->runs, c->nruns, sizeof(pslot), NULL, key_combine,
                                          p->budget ? p->budget / 8 : (size_t)64 << 20, take_rec, &t);
            c->nruns = 0;
        }
        for (size_t i = 0; !rc && c->tab.slots && i < c->tab.cap; i++)
            if (c->tab.slots[i].key != EMPTY) rc = fn(arg, c->tab.slots[i].key, c->tab.slots[i].val);
        if (c->tab.slots) pmap_t_clear(&c->tab);
    }
    return rc;
}

/* As take, but the state's pairs are first set apart (each partition's
 * table spilled as a run, or moved aside without spill ops; the runs
 * lists and the triangle detached), so fn may add pairs to the same state
 * with ws_cooc_pairs_put while the old ones stream out (the bounded
 * exchange: received pairs go into the emptied tables, which spill within
 * their share as in one process). Dense pairs come first, then partition by
 * partition the merged runs in key order, then (without spill ops) the
 * set-apart tables. */
int ws_cooc_pairs_stream(void *state, int (*fn)(void *arg, uint64_t key, uint64_t count), void *arg)
{
    cooc_state *s = state;
    const ws_cooc_params *p = s->p;
    cooc_big *b = s->big;
    int rc = 0;
    pmap *old = ws_calloc(NPART, sizeof *old);
    cpart *runs = ws_calloc(NPART, sizeof *runs);
    if (!old || !runs) rc = ws_error(WS_ENOMEM, "out of memory");
    for (int j = 0; !rc && j < NPART; j++) {
        cpart *c = &b->part[j];
        if (c->tab.used) {
            if (p->spill) {
                rc = table_spill(p, c, NULL);
            } else { /* no budget: the table moves aside, a small one takes its place */
                old[j] = c->tab;
                memset(&c->tab, 0, sizeof c->tab);
                c->tab.seed = ws_hmap_mix(old[j].seed + 0x9e3779b97f4a7c15ULL);
                rc = table_alloc(c, 64);
            }
        }
        runs[j].runs = c->runs, runs[j].nruns = c->nruns;
        c->runs = NULL, c->nruns = c->caprun = 0;
    }
    uint64_t *dense = b->dense;
    uint32_t nd = s->nd;
    b->dense = NULL, s->nd = 0; /* puts go to the hash tables from here on */
    if (!rc && nd && dense) {
        uint32_t *ids = ws_malloc(((size_t)nd + 1) * 4);
        if (!ids) rc = ws_error(WS_ENOMEM, "out of memory");
        for (uint32_t i = 0; ids && i < s->n; i++)
            if (p->dense_rank[i] != NONE) ids[p->dense_rank[i]] = i;
        for (uint32_t hi = 1; !rc && hi < nd; hi++)
            for (uint32_t lo = 0; lo < hi && !rc; lo++) {
                uint64_t a = dense[(size_t)hi * (hi - 1) / 2 + lo];
                if (a) rc = fn(arg, pair_key(ids[lo], ids[hi]), a);
            }
        ws_free(ids);
    }
    ws_free(dense);
    take_ctx t = {fn, arg};
    for (int j = 0; !rc && j < NPART; j++)
        if (runs[j].nruns)
            rc = p->spill->merge(p->spill->ctx, runs[j].runs, runs[j].nruns, sizeof(pslot), NULL, key_combine,
                                 p->budget ? p->budget / 8 : (size_t)64 << 20, take_rec, &t);
    for (int j = 0; !rc && old && j < NPART; j++)
        for (size_t i = 0; !rc && old[j].slots && i < old[j].cap; i++)
            if (old[j].slots[i].key != EMPTY) rc = fn(arg, old[j].slots[i].key, old[j].slots[i].val);
    for (int j = 0; j < NPART; j++) {
        if (old) pmap_free(&old[j]);
        if (runs) ws_free(runs[j].runs);
    }
    ws_free(old);
    ws_free(runs);
    return rc;
}

int ws_cooc_pairs_put(void *state, uint64_t key, uint64_t count)
{
    cooc_state *s = state;
    return pair_add(s->p, s->big, key, count);
}

static int cooc_pack(const void *state, const ws_query *q, ws_buf *out)
{
    const cooc_state *s = state;
    const ws_cooc_params *p = s->p;
    if (!p->ntargets) return ws_cooc_pack_pairs((void *)(uintptr_t)state, q, out); /* the state goes after */
    size_t v = (size_t)s->n + 1;
    if (ws_buf_reserve(out, 2 * WS_VARINT_MAX)) return ws_error(WS_ENOMEM, "out of memory packing cooc");
    ws_buf_put_varint(out, s->nctx);
    ws_buf_put_varint(out, s->events);
    int rc = ws_kdist_put_sparse(out, s->big->freq, v);
    if (!rc) rc = ws_kdist_put_sparse(out, s->big->tfreq, p->ntargets);
    if (!rc) rc = ws_kdist_put_sparse(out, s->big->tcnt, (size_t)p->ntargets * v);
    return rc;
}

static int cooc_unpack(void *state, const ws_query *q, const uint8_t *data, size_t len)
{
    cooc_state *s = state;
    const ws_cooc_params *p = s->p;
    const uint8_t *at = data, *end = data + len;
    size_t v = (size_t)s->n + 1;
    if (!p->ntargets) return ws_cooc_unpack_pairs(state, q, data, len);
    if (ws_varint_get(&at, end, &s->nctx) || ws_varint_get(&at, end, &s->events))
        return ws_error(WS_ECORRUPT, "cooc: a malformed state");
    int rc = ws_cooc_get_sparse(&at, end, s->big->freq, v);
    if (!rc) rc = ws_cooc_get_sparse(&at, end, s->big->tfreq, p->ntargets);
    if (!rc) rc = ws_cooc_get_sparse(&at, end, s->big->tcnt, (size_t)p->ntargets * v);
    if (!rc && at != end) rc = ws_error(WS_ECORRUPT, "cooc: a malformed state");
    return rc;
}

const ws_kernel ws_kernel_cooc = {
    .name = "cooc",
    .summary = "co-occurrence and collocations in story, sentence or window contexts",
    .help = "Co-occurrence of terms as CSV. With --term: the collocates of the term(s),\n"
            "term,cooc,F[,measure...] (a first column 'target' when several terms are\n"
            "given); without: all pairs, term1,term2,cooc,F1,F2[,measure...] with term1 <\n"
            "term2 bytewise. F is the collocate's frequency in the context: df (stories),\n"
            "sf (sentences) or tf (tokens, window contexts). Rows are ordered by the\n"
            "measure descending, then term bytewise. A term is not its own collocate.\n"
            "Definitions of every measure: docs/cooc.md.\n"
            "\n"
            "All-pairs counting stays within --mem (the budget of the whole process),\n"
            "spilling sorted runs to a folder in --tmp; the output is the same bytes.",
    .params = ws_cooc_param_table,
    .nparams = sizeof ws_cooc_param_table / sizeof ws_cooc_param_table[0],
    .flags = WS_KF_SELROWS,
    .columns = WS_COLBIT_TOKCODES | WS_COLBIT(WS_C_TOKMETA),
    .prepare = ws_cooc_prepare,
    .done = ws_cooc_done,
    .release = ws_cooc_release,
    .init = cooc_init,
    .consume = cooc_consume,
    .merge = cooc_merge,
    .finish = cooc_finish,
    .free = cooc_free,
    .pack = cooc_pack,
    .unpack = cooc_unpack,
    .exchange = ws_cooc_exchange,
    .group_ok = cooc_group_ok,
    .consume_group = consume_group,
};
