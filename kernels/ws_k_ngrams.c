/*
 * N-gram kernel: counts of n consecutive normalised terms (n = 2 or 3),
 * with df (stories containing the n-gram), and phrase detection: bigrams
 * scored by NPMI.
 *
 * What an n-gram is. n tokens in a row, all kept by the normalisation, in
 * one sentence of one field. So an n-gram never spans
 *   - a sentence start (b->meta.sent: the tokenizer's sentence rule),
 *   - the title/body boundary (the body's first token also starts a
 *     sentence, but the kernel checks ntitle itself so it does not depend on
 *     that),
 *   - a dropped token: a stop word, a term under --min-length, a number
 *     under --no-numbers. "bank of japan" under --stopwords en gives no
 *     bigram at all, not "bank japan": joining over a gap would invent
 *     sequences that were never written.
 * In a store split per character (ingest --cjk chars, or made before format
 * 1.4) Han, Hiragana and Katakana characters are single-character tokens
 * (see ws_tokenize.h), so bigrams of Chinese or Japanese text are the usual
 * overlapping character bigrams, within a sentence. In a store split into
 * words they are word bigrams, shown without a space between words of
 * scripts written without spaces (经济发展); the order stays term by term.
 *
 * Ordering. Counts: count descending, then the n-gram's bytes (the terms
 * joined by one space) ascending. Terms never contain a space and every
 * byte of a term is above 0x20, so comparing the joined bytes is the same
 * as comparing the terms one after another (a term that is a prefix of
 * another sorts first either way); the kernel compares term by term and
 * never builds the strings to sort. Phrases: NPMI descending, then the
 * bytes. Keys are distinct, so the order is total and the output does not
 * depend on how the work was split.
 *
 * NPMI (--phrases). One probability space, the bigram positions the query
 * kept:
 *   N      = bigram positions counted (the sum of every bigram's count,
 *            before --min-count),
 *   p(xy)  = count(xy) / N,
 *   p(x)   = left(x) / N, left(x) = positions whose first word is x (the
 *            sum of count(xv) over v),
 *   p(y)   = right(y) / N, right(y) = positions whose second word is y,
 *   NPMI   = log2(p(xy) / (p(x) p(y))) / -log2(p(xy)).
 * count(xy) <= left(x), right(y) <= N, so p(xy)^2 <= p(x) p(y) <= 1 and
 * NPMI lies in [-1, 1] by construction: 1 for a pair whose words occur
 * only together. (Unigram counts over all tokens, as `wirescan tf` counts
 * them, do not bound the joint count: a word at the end of a sentence has
 * no bigram position, so "buenos aires" scored 1.01.) The marginals are
 * summed from the bigram table in finish: the scan loop counts nothing
 * more than the bigrams.
 *
 * The scan loop. Each thread counts into open-addressing tables keyed by
 * the packed normalised ids (3 x 32 bits) with 64-bit count and df and a
 * row stamp for df; the tables start small and double, so memory follows
 * the distinct n-grams that occur. The table is split into NPART
 * partitions by the top bits of the n-gram's hash (not by thread), so that
 * merging two states and ranking in finish run partition by partition on
 * the plan's threads; each partition keeps its best rows and the sorted
 * partitions are merged at the end (a serial merge and ranking capped two
 * threads well below 2x). Merging adds counts, so where an n-gram is
 * counted never changes a total; floating point is computed only in
 * finish. Bigrams (below 2^32 tokens) count in a dense table when both
 * terms are among the most frequent, else in 16-byte slots through
 * per-partition buffers (see ng2_slot, DENSE_MAX, flush2).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ws_hmap.h"
#include "ws_k_ngrams.h"
#include "ws_tokenize.h"
#include "ws_assoc.h"
#include "ws_topk.h"

typedef struct ng_key {
    uint32_t id[3]; /* unused ids are 0 */
} ng_key;

typedef struct ng_slot {
    ng_key key;
    uint32_t stamp; /* last row counted into df */
    uint64_t count; /* 0: empty slot */
    uint64_t df;
} ng_slot;

#define NPART 64

/* The n-gram's hash without a seed: its top bits pick the partition, and
 * each partition's table mixes it once more with its own seed. */
static inline uint64_t ng_base(ng_key k)
{
    return ws_hmap_mix(((uint64_t)k.id[0] << 32 | k.id[1]) ^ ((uint64_t)k.id[2] * 0x9E3779B97F4A7C15ULL));
}
static inline uint32_t ng_part(uint64_t base) { return (uint32_t)(base >> 58); }
static inline uint64_t ng_hash_b(uint64_t base, uint64_t seed) { return ws_hmap_mix1(base ^ seed); }
static inline uint64_t ng_hash(ng_key k, uint64_t seed) { return ng_hash_b(ng_base(k), seed); }
#define NG_MATCH(s, k) ((s)->key.id[0] == (k).id[0] && (s)->key.id[1] == (k).id[1] && (s)->key.id[2] == (k).id[2])
#define NG_ISEMPTY(s) ((s)->count == 0)
#define NG_SETKEY(s, k) ((s)->key = (k))
/* The n-gram table (ws_hmap.h). A claimed slot has count 0 until its
 * caller counts it, which every caller does at once. */
WS_HMAP_DEFINE_SLOTS(ng_map, ng_slot, ng_key, ng_hash, NG_MATCH, NG_ISEMPTY, NG_SETKEY, 0)

static inline ng_key ng_key3(uint32_t a, uint32_t b, uint32_t c)
{
    ng_key k = {{a, b, c}};
    return k;
}

/* An n-gram waiting to be counted (see flush). */
typedef struct ng_pend {
    ng_key key;
    uint32_t row;
    uint64_t hash; /* ng_base */
} ng_pend;

/* The bigram table (n = 2, counts below 2^32: see ng_prepare): the two
 * ids packed in one 64-bit key, 32-bit count and df, 16 bytes a slot
 * instead of 40, so twice as many slots per cache line and TLB page (the
 * scan loop is these tables' cache and TLB misses). df needs no stamp per
 * slot: consume marks the first occurrence of a bigram in its row with a
 * small row set (ng_rset) that stays in L1. A bigram's partition is the
 * one ng_base gives ng_key3(a, b, 0), as in the wide table. */
typedef struct ng2_slot {
    uint64_t key;   /* a << 32 | b */
    uint32_t count; /* 0: empty slot */
    uint32_t df;
} ng2_slot;

/* ng_base(ng_key3(a, b, 0)) without its lowest bit (kept from when the
 * pending buffer held a flag there: the slots' places stay as they were);
 * the partition, its top bits, is the same. */
static inline uint64_t ng2_base(uint64_t key) { return ws_hmap_mix(key) & ~(uint64_t)1; }
static inline uint64_t ng2_hash(uint64_t key, uint64_t seed) { return ng_hash_b(ng2_base(key), seed); }
#define NG2_MATCH(s, k) ((s)->key == (k))
#define NG2_ISEMPTY(s) ((s)->count == 0)
#define NG2_SETKEY(s, k) ((s)->key = (k))
WS_HMAP_DEFINE_SLOTS(ng2_map, ng2_slot, uint64_t, ng2_hash, NG2_MATCH, NG2_ISEMPTY, NG2_SETKEY, 0)

/* Bigrams waiting to be counted, a buffer of PB2 keys a partition (see
 * flush2); bit 31 of a key (the second id's top bit: ids are below 2^31,
 * ng_init) marks the bigram's first occurrence in its row (df). */
#define PB2 8192
#define PB2_FIRST ((uint64_t)1 << 31)

/* The current row's distinct bigrams: open addressing, a slot is taken
 * when its gen is the row's (no clearing between rows). */
typedef struct ng_rslot {
    uint64_t key;
    uint32_t gen;
} ng_rslot;

/* The dense table (!wide). Bigrams of two frequent terms are most of
 * the bigram positions (Reuters x10: a pair of two of the 256 most
 * frequent terms is 0.32 of them, of the 512 most frequent 0.45, of the
 * 1024 most frequent 0.59), and a few thousand such pairs are nearly all
 * of the repeats. They count in a plain K x K array of cells indexed by
 * the two terms' codes (their ranks by collection frequency, set by
 * prepare: ws_ngrams_dense), with a row stamp for df: no hashing, no row
 * set, no table growth. A row's dense cells are listed in its loop and
 * counted after it, prefetched ahead (counted in the loop, each update
 * waited on its cell's load). The cells are folded into the bigram table
 * (settle2) before anything reads the table: merge adds two states' cells,
 * finish, each and stream fold. Where a bigram is counted never changes a
 * total, so the output is the same whichever terms are dense.
 * Measured (Reuters x10, -j 1, CPU s against main, median of 7
 * alternating): K = 256 0.92, 512 0.89, 1024 0.86 (12 MiB a state: peak
 * memory of `ngrams -n 2` at -j 2 93 MB against main's 85 MB). A loop
 * without the dense/hash branch (other bigrams counted in sink cells) was
 * slower than main (1.03-1.06): the sink cells' updates made one chain. */
#define DENSE_MAX 1024     /* codes a side: 1024 x 1024 cells, 12 MiB a state */
#define DENSE_NONE 0xFFFFu /* the code of a term that is not dense (>= any K) */

struct ws_ngrams_dense {
    uint32_t bits;  /* K = 1 << bits codes a side */
    uint32_t nterms;
    uint16_t *code; /* nterms entries: normalised id -> code, or DENSE_NONE */
    uint32_t *term; /* K entries: code -> normalised id (unused codes: 0, never counted) */
};

typedef struct ng_dcell {
    uint32_t count, df;
    uint32_t stamp; /* the last row counted into df */
} ng_dcell;

#define PEND 4096     /* n-grams buffered before they are counted */
#define PREFETCH 32   /* how far ahead flush prefetches slots */

typedef struct ng_state {
    uint32_t n;
    int phrases;
    const ws_ngrams_params *pr;
    ng_map map[NPART]; /* seeded per table (see ng_init) */
    uint32_t row;      /* row stamp for df */
    uint32_t nterms;   /* normalised vocabulary */
    uint64_t npos;     /* n-gram positions counted */
    ng_pend *pend;     /* PEND entries */
    size_t npend;
    /* Across ranks (ws_k_ngrams_dist.c): set by the exchange, which leaves
     * the rank its partition's global counts, npos the global total and,
     * for phrases, the global marginals (finish uses them instead of its
     * own table's). */
    int exchanged;
    uint64_t *gleft, *gright;
    /* Bigrams with 32-bit counts (!wide): map2 and pb2 instead of map
     * and pend; the row set marks each row's first occurrences. */
    int wide;
    ng2_map map2[NPART];
    uint64_t *pb2;          /* NPART x PB2 keys: partition j's at j * PB2 */
    uint32_t pn2[NPART];    /* keys waiting in each partition's buffer */
    ng_rslot *rset;
    uint32_t rcap, rbits, gen; /* rset has rcap slots, the row uses 1 << rbits; gen: the row's */
    /* The dense table (see DENSE_MAX): K x K cells, NULL without one;
     * dused: cells may hold counts not yet folded into map2. */
    const struct ws_ngrams_dense *dn;
    ng_dcell *dense;
    int dused;
    uint32_t *dl; /* a row's dense cells, dlcap entries */
    uint64_t dlcap;
} ng_state;

static void ng_free(void *p)
{
    ng_state *s = p;
    if (!s) return;
    for (int j = 0; j < NPART; j++) {
        ng_map_free(&s->map[j]);
        ng2_map_free(&s->map2[j]);
    }
    ws_free(s->pend);
    ws_free(s->gleft);
    ws_free(s->gright);
    ws_free(s->pb2);
    ws_free(s->rset);
    ws_free(s->dense);
    ws_free(s->dl);
    ws_free(s);
}

static void *ng_init(const ws_query *q)
{
    const ws_ngrams_params *pr = q->ext;
    if (!pr || pr->n < 1 || pr->n > WS_NGRAMS_MAX_N || (pr->phrases && pr->n != 2)) {
        ws_error(WS_EINVAL, "ngrams: n must be 1 to %d (2 with phrases)", WS_NGRAMS_MAX_N);
        return NULL;
    }
    ng_state *s = ws_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n = pr->n;
    s->phrases = pr->phrases;
    s->nterms = q->norm->terms.nterms;
    s->pr = pr;
    /* Each state's table has its own seed (as cooc's pair table): ng_merge
     * re-inserts one table's entries in slot order into another, and with
     * one hash for all they pile up into long probe runs (measured: 200k
     * stories, -j 2 spent over 15 minutes in the merge). The seed changes
     * where entries sit, never what is counted or printed. */
    s->wide = s->n != 2 || pr->wide || s->nterms > (uint32_t)INT32_MAX; /* (ids below 2^31: PB2_FIRST) */
    int bad = s->wide ? !(s->pend = ws_malloc(PEND * sizeof *s->pend))
                      : !(s->pb2 = ws_malloc((size_t)NPART * PB2 * sizeof *s->pb2));
    if (!bad && !s->wide) {
        s->dn = pr->dense;
        bad = s->dn && !(s->dense = ws_calloc((size_t)1 << (2 * s->dn->bits), sizeof *s->dense));
    }
    for (int j = 0; !bad && j < NPART; j++) {
        uint64_t seed = ws_hmap_mix((uint64_t)(uintptr_t)s + 0x9e3779b97f4a7c15ULL * (uint64_t)(j + 1));
        bad = s->wide ? ng_map_init(&s->map[j], 64, seed) != 0 : ng2_map_init(&s->map2[j], 64, seed) != 0;
    }
    if (bad) {
        ng_free(s);
        return NULL;
    }
    return s;
}

/* Count the buffered n-grams. The table is far larger than the caches,
 * so nearly every update misses; the buffer holds each n-gram's hash, and
 * the slot PREFETCH entries ahead is fetched while the current one is
 * counted, which keeps several misses in flight instead of one. */
static int flush(ng_state *s)
{
    const ng_pend *pd = s->pend;
    const size_t np = s->npend;
    s->npend = 0;
    for (size_t i = 0; i < np; i++) {
        if (i + PREFETCH < np) {
            const ng_map *f = &s->map[ng_part(pd[i + PREFETCH].hash)];
            ng_map_prefetch(f, ng_hash_b(pd[i + PREFETCH].hash, f->seed));
        }
        ng_map *m = &s->map[ng_part(pd[i].hash)];
        ng_slot *sl = ng_map_get_h(m, pd[i].key, ng_hash_b(pd[i].hash, m->seed), NULL);
        if (!sl) return ws_error(WS_ENOMEM, "out of memory counting n-grams (%zu distinct in one part)", m->used);
        sl->count++;
        sl->df += sl->stamp != pd[i].row;
        sl->stamp = pd[i].row;
    }
    return 0;
}

/* Buffer one n-gram occurrence in row stamp `row`. */
static inline int add_gram(ng_state *s, uint32_t a, uint32_t b, uint32_t c, uint32_t row)
{
    ng_pend *p = &s->pend[s->npend++];
    p->key = ng_key3(a, b, c);
    p->row = row;
    p->hash = ng_base(p->key);
    return s->npend == PEND ? flush(s) : 0;
}

/* flush() for the bigram tables, one partition's buffer. add2 buffers
 * each bigram in its partition's buffer, and a buffer is counted when it
 * is full (or before the table is read: settle2): a partition's table is
 * a 64th of the thread's, and PB2 updates in a row into it find many of
 * its lines already in cache (Reuters x10: about 10k bigrams a partition,
 * 300 KiB, L2-sized), where the 32k-entry buffer of all partitions that
 * this replaces gave each partition about 500 updates, nearly all misses.
 * Its pages also stay in the TLB, and the slots are prefetched PREFETCH
 * ahead. */
static int flush2(ng_state *s, uint32_t j)
{
    ng2_map *m = &s->map2[j];
    const uint64_t *e = s->pb2 + (size_t)j * PB2;
    const size_t n = s->pn2[j];
    s->pn2[j] = 0;
    uint64_t h[512];
    for (size_t c0 = 0; c0 < n; c0 += 512) {
        const size_t cn = n - c0 < 512 ? n - c0 : 512;
        /* grown first, so that no slot prefetched below moves; by a chunk
         * at a time, not by the whole buffer (most of which is repeats):
         * that left the tables twice the size they need */
        while (m->used + cn > m->limit)
            if (ng2_map_resize(m, m->cap * 2))
                return ws_error(WS_ENOMEM, "out of memory counting n-grams (%zu distinct in one part)", m->used);
        for (size_t k = 0; k < cn; k++) h[k] = ng2_hash(e[c0 + k] & ~PB2_FIRST, m->seed);
        for (size_t k = 0; k < cn && k < PREFETCH; k++) ng2_map_prefetch(m, h[k]);
        for (size_t k = 0; k < cn; k++) {
            if (k + PREFETCH < cn) ng2_map_prefetch(m, h[k + PREFETCH]);
            const uint64_t key = e[c0 + k] & ~PB2_FIRST;
            ng2_slot *sl = ng2_map_probe(m, key, h[k]);
            if (!sl->count) ng2_map_claim(m, sl, key);
            /* no overflow: a count is at most the stores' tokens, below
             * 2^32 (ng_prepare) */
            sl->count++;
            sl->df += (uint32_t)(e[c0 + k] >> 31) & 1;
        }
    }
    return 0;
}

/* The row set for a row of `len` tokens (at most half full): the first
 * 1 << rbits slots, sized for this row, so that one long story does not
 * spread every later row's probes over its large set. */
static int rset_fit(ng_state *s, uint64_t len)
{
    uint32_t bits = 6;
    while (((uint64_t)1 << bits) < 2 * len) bits++;
    s->rbits = bits;
    if (len > s->dlcap) {
        ws_free(s->dl);
        s->dlcap = 0;
        if (!(s->dl = ws_malloc((size_t)len * sizeof *s->dl)))
            return ws_error(WS_ENOMEM, "out of memory for a row of %llu tokens", (unsigned long long)len);
        s->dlcap = len;
    }
    if (((uint64_t)1 << bits) <= s->rcap) return 0;
    ws_free(s->rset);
    s->rcap = 0;
    if (!(s->rset = ws_calloc((size_t)1 << bits, sizeof *s->rset)))
        return ws_error(WS_ENOMEM, "out of memory for a row of %llu tokens", (unsigned long long)len);
    s->rcap = (uint32_t)1 << bits;
    s->gen = 0;
    return 0;
}

/* Buffer one occurrence of bigram key in the current row (gen). */
static inline int add2(ng_state *s, uint64_t key)
{
    const uint32_t sh = 64 - s->rbits;
    size_t mask = ((size_t)1 << s->rbits) - 1, j = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> sh);
    ng_rslot *r = s->rset;
    while (r[j].gen == s->gen && r[j].key != key) j = (j + 1) & mask;
    const uint32_t part = ng_part(ng2_base(key));
    s->pb2[(size_t)part * PB2 + s->pn2[part]] = key | (r[j].gen != s->gen ? PB2_FIRST : 0);
    r[j].key = key;
    r[j].gen = s->gen;
    return ++s->pn2[part] == PB2 ? flush2(s, part) : 0;
}

/* The next token index after i (relative to the row) that starts a run
 * afresh: a sentence start past i (*ss steps over those at or before it)
 * or the body's first token. */
static inline uint32_t next_break(const uint32_t **ss, const uint32_t *se, uint32_t i, uint32_t ntitle)
{
    while (*ss < se && **ss <= i) (*ss)++;
    uint32_t brk = *ss < se ? **ss : UINT32_MAX;
    return ntitle > i && ntitle < brk ? ntitle : brk;
}

static int ng_consume(void *p, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    ng_state *s = p;
    const uint32_t *map = q->norm->map, *ids = b->ids;
    const ws_tokmeta_view *mt = &b->meta;
    const uint32_t n = s->n;
    const uint16_t *dcode = s->dn ? s->dn->code : NULL;
    const uint32_t dbits = s->dn ? s->dn->bits : 0, dk = s->dn ? (uint32_t)1 << dbits : 0;
    ng_dcell *dense = s->dense;
    s->dused |= s->dn != NULL;
    /* Stamps would wrap: forget them (df counts are kept, only "seen in
     * this row" is reset, and no row is open between blocks). */
    if ((uint64_t)s->row + b->nrows >= UINT32_MAX) {
        for (int j = 0; s->wide && j < NPART; j++)
            for (size_t i = 0; i < s->map[j].cap; i++) s->map[j].slots[i].stamp = 0;
        for (size_t i = 0; dense && i < (size_t)dk * dk; i++) dense[i].stamp = 0;
        s->row = 0;
    }
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        uint64_t lo, hi, base = mt->tok_off[r];
        ws_query_span(q, b, r, &lo, &hi);
        const uint32_t row = ++s->row;
        if (!s->wide) {
            int rc = rset_fit(s, hi - lo);
            if (rc) return rc;
            if (++s->gen == 0) { /* wrapped: forget every row's marks */
                memset(s->rset, 0, (size_t)s->rcap * sizeof *s->rset);
                s->gen = 1;
            }
        }
        const uint32_t rlo = (uint32_t)(lo - base), rhi = (uint32_t)(hi - base), ntitle = mt->ntitle[r];
        const uint32_t *ss = mt->sent + mt->sent_off[r], *se = mt->sent + mt->sent_off[r + 1];
        uint32_t brk = next_break(&ss, se, rlo, ntitle);
        if (!s->wide) {
            /* Bigrams of two dense terms are listed (dl) and counted in
             * their cells after the loop, the others go through the row
             * set and the partition buffers. (A loop without this branch,
             * counting what is not dense in sink cells, was slower: see
             * DENSE_MAX.) */
            const uint32_t *tok = ids + base;
            uint32_t *dl = s->dl;
            size_t nd = 0;
            uint64_t npos = 0;
            uint32_t prev = 0, w = 0, c1 = DENSE_NONE; /* prev: 1 when w (code c1) may start a bigram */
            for (uint32_t i = rlo; i < rhi; i++) {
                if (i == brk) {
                    prev = 0;
                    brk = next_break(&ss, se, i, ntitle);
                }
                const uint32_t id = map[tok[i]];
                if (id == WS_NORM_DROP) {
                    prev = 0;
                    continue;
                }
                const uint32_t c = dcode ? dcode[id] : DENSE_NONE;
                if (prev) {
                    if ((c1 | c) < dk) { /* both terms dense: counted after the loop */
                        dl[nd++] = c1 << dbits | c;
                    } else {
                        int rc = add2(s, (uint64_t)w << 32 | id);
                        if (rc) return rc;
                    }
                    npos++;
                }
                prev = 1;
                w = id;
                c1 = c;
            }
            s->npos += npos;
            /* the row's dense cells, prefetched ahead: in the loop above
             * each cell's update waited on its load (about 11 ns each) */
            for (size_t k = 0; k < nd && k < 8; k++) __builtin_prefetch(&dense[dl[k]], 1);
            for (size_t k = 0; k < nd; k++) {
                if (k + 8 < nd) __builtin_prefetch(&dense[dl[k + 8]], 1);
                ng_dcell *d = &dense[dl[k]];
                d->count++;
                d->df += d->stamp != row;
                d->stamp = row;
            }
            continue;
        }
        uint32_t run = 0, w0 = 0, w1 = 0;
        for (uint32_t i = rlo; i < rhi; i++) {
            if (i == brk) {
                run = 0;
                brk = next_break(&ss, se, i, ntitle);
            }
            uint32_t id = map[ids[base + i]];
            if (id == WS_NORM_DROP) {
                run = 0;
                continue;
            }
            run++;
            int rc = 0;
            if (n == 2) {
                if (run >= 2) rc = add_gram(s, w1, id, 0, row);
            } else if (n == 3) {
                if (run >= 3) rc = add_gram(s, w0, w1, id, row);
            } else {
                rc = add_gram(s, id, 0, 0, row);
            }
            if (rc) return rc;
            s->npos += run >= n;
            w0 = w1;
            w1 = id;
        }
    }
    return s->wide ? flush(s) : 0; /* (bigrams stay buffered: settle2) */
}

/* Fold the dense cells into the bigram table and clear them (stamps too:
 * no row is open between blocks, and rows are numbered upwards). */
static int dense_settle(ng_state *s)
{
    if (!s->dused) return 0;
    s->dused = 0;
    const uint32_t bits = s->dn->bits, mask = ((uint32_t)1 << bits) - 1;
    const size_t ncell = (size_t)1 << (2 * bits);
    for (size_t i = 0; i < ncell; i++) {
        ng_dcell *d = &s->dense[i];
        if (!d->count) continue;
        uint64_t key = (uint64_t)s->dn->term[i >> bits] << 32 | s->dn->term[i & mask], h0 = ng2_base(key);
        ng2_map *m = &s->map2[ng_part(h0)];
        ng2_slot *sl = ng2_map_get_h(m, key, ng_hash_b(h0, m->seed), NULL);
        if (!sl) return ws_error(WS_ENOMEM, "out of memory counting n-grams (%zu distinct in one part)", m->used);
        /* sums below 2^32, as in flush2 */
        sl->count += d->count;
        sl->df += d->df;
        *d = (ng_dcell){0, 0, 0};
    }
    return 0;
}

/* Every partition's buffered bigrams into the tables. */
static int flush2_all(ng_state *s)
{
    for (uint32_t j = 0; !s->wide && j < NPART; j++) {
        int rc = s->pn2[j] ? flush2(s, j) : 0;
        if (rc) return rc;
    }
    return 0;
}

/* Everything a state holds apart from its tables (buffered bigrams, the
 * dense cells) into them; its totals stay the same. */
static int settle2(ng_state *s)
{
    int rc = flush2_all(s);
    return rc ? rc : dense_settle(s);
}

/* Run fn over [0, n) on the plan's threads, or in order on this one
 * (no plan: unit tests). */
static int par_for(const ws_ngrams_params *pr, size_t n, int (*fn)(void *arg, size_t i, int thread), void *arg)
{
    if (pr->plan && pr->plan->parallel_for && pr->plan->threads > 1)
        return pr->plan->parallel_for(pr->plan->ctx, n, fn, arg);
    for (size_t i = 0; i < n; i++) {
        int rc = fn(arg, i, 0);
        if (rc) return rc;
    }
    return 0;
}

typedef struct merge_job {
    ng_state *a;
    const ng_state *b;
} merge_job;

/* Partition j of `from` into partition j of `into`. */
static int merge_part(void *arg, size_t j, int thread)
{
    (void)thread;
    const merge_job *mj = arg;
    ng_map *m = &mj->a->map[j];
    const ng_map *f = &mj->b->map[j];
    /* Slots of `from` in batches, hashed first so that the target slots can
     * be prefetched as in flush(). */
    size_t idx[PEND];
    uint64_t h[PEND];
    for (size_t i = 0; i < f->cap;) {
        size_t k = 0;
        for (; i < f->cap && k < PEND; i++) {
            const ng_slot *sl = &f->slots[i];
            if (!sl->count) continue;
            idx[k] = i;
            h[k++] = ng_map_hash(m, sl->key);
        }
        for (size_t j2 = 0; j2 < k; j2++) {
            if (j2 + PREFETCH < k) ng_map_prefetch(m, h[j2 + PREFETCH]);
            const ng_slot *sl = &f->slots[idx[j2]];
            ng_slot *d = ng_map_get_h(m, sl->key, h[j2], NULL);
            if (!d) return ws_error(WS_ENOMEM, "out of memory merging n-gram tables");
            d->count += sl->count;
            d->df += sl->df;
        }
    }
    return 0;
}

/* merge_part for the bigram tables. */
static int merge_part2(void *arg, size_t j, int thread)
{
    (void)thread;
    const merge_job *mj = arg;
    ng2_map *m = &mj->a->map2[j];
    const ng2_map *f = &mj->b->map2[j];
    size_t idx[PEND];
    uint64_t h[PEND];
    for (size_t i = 0; i < f->cap;) {
        size_t k = 0;
        for (; i < f->cap && k < PEND; i++) {
            const ng2_slot *sl = &f->slots[i];
            if (!sl->count) continue;
            idx[k] = i;
            h[k++] = ng2_map_hash(m, sl->key);
        }
        for (size_t j2 = 0; j2 < k; j2++) {
            if (j2 + PREFETCH < k) ng2_map_prefetch(m, h[j2 + PREFETCH]);
            const ng2_slot *sl = &f->slots[idx[j2]];
            ng2_slot *d = ng2_map_get_h(m, sl->key, h[j2], NULL);
            if (!d) return ws_error(WS_ENOMEM, "out of memory merging n-gram tables");
            /* sums of counts stay below 2^32 (ng_prepare) */
            d->count += sl->count;
            d->df += sl->df;
        }
    }
    return 0;
}

static int ng_merge(void *into, const void *from, const ws_query *q)
{
    (void)q;
    ng_state *a = into;
    const ng_state *b = from;
    /* b's buffered bigrams into its tables (into's may wait); the dense
     * cells add cell by cell (both states have the same terms' codes: one
     * prepare), folded into the table in finish. */
    int rc0 = flush2_all((ng_state *)(uintptr_t)b); /* changes no total of b */
    if (rc0) return rc0;
    if (a->dense && b->dn == a->dn && b->dused) {
        const size_t ncell = (size_t)1 << (2 * a->dn->bits);
        for (size_t i = 0; i < ncell; i++) {
            a->dense[i].count += b->dense[i].count;
            a->dense[i].df += b->dense[i].df;
        }
        a->dused = 1;
    } else if (b->dused) { /* not from one prepare: fold b's cells into a's table below */
        int rc = dense_settle((ng_state *)(uintptr_t)b); /* changes no total of b */
        if (rc) return rc;
    }
    merge_job mj = {a, b};
    int rc = par_for(a->pr, NPART, a->wide ? merge_part : merge_part2, &mj);
    a->npos += b->npos;
    return rc;
}

/* ---- a state's n-grams, whichever table holds them ---- */

/* fn(arg, id, count, df) for every counted n-gram (ids beyond n are 0), in
 * slot order; stops at the first non-zero return. */
static int ng_each(const ng_state *s, int (*fn)(void *arg, const uint32_t *id, uint64_t count, uint64_t df), void *arg)
{
    /* the dense cells first into the table: a state's totals stay the same */
    int rc0 = settle2((ng_state *)(uintptr_t)s);
    if (rc0) return rc0;
    for (int j = 0; j < NPART; j++) {
        if (s->wide) {
            for (size_t i = 0; i < s->map[j].cap; i++) {
                const ng_slot *sl = &s->map[j].slots[i];
                int rc = sl->count ? fn(arg, sl->key.id, sl->count, sl->df) : 0;
                if (rc) return rc;
            }
            continue;
        }
        for (size_t i = 0; i < s->map2[j].cap; i++) {
            const ng2_slot *sl = &s->map2[j].slots[i];
            const uint32_t id[3] = {(uint32_t)(sl->key >> 32), (uint32_t)sl->key, 0};
            int rc = sl->count ? fn(arg, id, sl->count, sl->df) : 0;
            if (rc) return rc;
        }
    }
    return 0;
}

/* Add count and df to n-gram id (3 ids, unused ones 0). */
static int ng_add(ng_state *s, const uint32_t *id, uint64_t count, uint64_t df)
{
    if (s->wide) {
        ng_key k = ng_key3(id[0], id[1], id[2]);
        uint64_t h0 = ng_base(k);
        ng_map *m = &s->map[ng_part(h0)];
        ng_slot *d = ng_map_get_h(m, k, ng_hash_b(h0, m->seed), NULL);
        if (!d) return ws_error(WS_ENOMEM, "out of memory adding to an n-gram table (%zu distinct in one part)", m->used);
        d->count += count;
        d->df += df;
        return 0;
    }
    if (id[2]) return ws_error(WS_EINVAL, "a trigram for a bigram table");
    uint64_t key = (uint64_t)id[0] << 32 | id[1], h0 = ng2_base(key);
    ng2_map *m = &s->map2[ng_part(h0)];
    ng2_slot *d = ng2_map_get_h(m, key, ng_hash_b(h0, m->seed), NULL);
    if (!d) return ws_error(WS_ENOMEM, "out of memory adding to an n-gram table (%zu distinct in one part)", m->used);
    /* Counts are bounded by the stores' tokens (ng_prepare); a sum that is
     * not came from a damaged state. */
    if (count > UINT32_MAX - d->count || df > UINT32_MAX - d->df || df > count)
        return ws_error(WS_ECORRUPT, "an n-gram count beyond the stores' tokens");
    d->count += (uint32_t)count;
    d->df += (uint32_t)df;
    return 0;
}

/* ---- across processes: npos, then every counted n-gram as varints ---- */
static int pack_one(void *arg, const uint32_t *id, uint64_t count, uint64_t df)
{
    ws_buf *out = arg;
    if (ws_buf_reserve(out, 5 * WS_VARINT_MAX)) return WS_ENOMEM;
    for (int k = 0; k < 3; k++) ws_buf_put_varint(out, id[k]);
    ws_buf_put_varint(out, count);
    ws_buf_put_varint(out, df);
    return 0;
}

static int ng_pack(const void *p, const ws_query *q, ws_buf *out)
{
    (void)q;
    const ng_state *s = p;
    if (ws_buf_reserve(out, WS_VARINT_MAX)) return WS_ENOMEM;
    if (s->exchanged) { /* rank 0 already holds the totals and the candidates */
        ws_buf_put_varint(out, 0);
        return 0;
    }
    ws_buf_put_varint(out, s->npos);
    return ng_each(s, pack_one, out);
}

static int ng_unpack(void *p, const ws_query *q, const uint8_t *data, size_t len)
{
    (void)q;
    ng_state *s = p;
    const uint8_t *at = data, *end = data + len;
    uint64_t npos;
    if (ws_varint_get(&at, end, &npos)) goto bad;
    s->npos += npos; /* (added: a merged state takes it too, WS_KF_TREE) */
    while (at < end) {
        uint64_t id[3], count, df;
        if (ws_varint_get(&at, end, &id[0]) || ws_varint_get(&at, end, &id[1]) || ws_varint_get(&at, end, &id[2]) ||
            ws_varint_get(&at, end, &count) || ws_varint_get(&at, end, &df) || !count)
            goto bad;
        if (id[0] > UINT32_MAX || id[1] > UINT32_MAX || id[2] > UINT32_MAX) goto bad;
        const uint32_t k[3] = {(uint32_t)id[0], (uint32_t)id[1], (uint32_t)id[2]};
        int rc = ng_add(s, k, count, df);
        if (rc == WS_ENOMEM) return rc;
        if (rc) goto bad;
    }
    return 0;
bad:
    return ws_error(WS_ECORRUPT, "ngrams state from another process is malformed");
}

double ws_ngrams_npmi(uint64_t cxy, uint64_t cx, uint64_t cy, uint64_t npos)
{
    /* Exactly within [-1, 1] (see the top of the file); ws_assoc_npmi clamps
     * the ulp that rounding can step outside, as for a pair whose words
     * occur only together. */
    double N = (double)npos;
    return ws_assoc_npmi((double)cxy / N, (double)cx / N, (double)cy / N);
}

/* ---- ranking: top N without sorting what is not printed ---- */

typedef ws_ngrams_item ng_item;
typedef ws_ngrams_rank ng_rank;

typedef struct ng_term {
    ws_str s;
    uint32_t id;
} ng_term;

static int term_cmp(const void *x, const void *y)
{
    return ws_str_cmp(((const ng_term *)x)->s, ((const ng_term *)y)->s);
}

/* Each normalised term's position in bytewise order (terms are distinct). */
static uint32_t *term_positions(const ws_norm *nm)
{
    uint32_t n = nm->terms.nterms;
    ng_term *t = ws_malloc(((size_t)n + 1) * sizeof *t);
    uint32_t *pos = ws_malloc(((size_t)n + 1) * sizeof *pos);
    if (!t || !pos) {
        ws_free(t);
        ws_free(pos);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) t[i] = (ng_term){ws_norm_term(nm, i), i};
    qsort(t, n, sizeof *t, term_cmp);
    for (uint32_t i = 0; i < n; i++) pos[t[i].id] = i;
    ws_free(t);
    return pos;
}

/* ng_top_select(k, v, n, top): the best min(top, n) items first, in rank
 * order (ws_topk.h). */
WS_TOPK_DEFINE(ng_top, ng_item, ng_rank, ws_ngrams_after)

typedef struct fin_job {
    ng_state *s;
    uint64_t min_count;
    uint32_t top;
    uint64_t **left, **right; /* phrases: per thread, then summed into [0] */
    ng_item *items;           /* partition j's rows at off[j], cnt[j] of them */
    size_t *off, *cnt;
    ng_rank k;
} fin_job;

static int marg_part(void *arg, size_t j, int thread)
{
    fin_job *f = arg;
    const ng_map *m = &f->s->map[j];
    uint64_t *left = f->left[thread], *right = f->right[thread];
    if (!f->s->wide) {
        const ng2_map *m2 = &f->s->map2[j];
        for (size_t i = 0; i < m2->cap; i++) {
            const ng2_slot *sl = &m2->slots[i];
            left[sl->key >> 32] += sl->count; /* empty slots add 0 */
            right[(uint32_t)sl->key] += sl->count;
        }
        return 0;
    }
    for (size_t i = 0; i < m->cap; i++) {
        const ng_slot *sl = &m->slots[i];
        left[sl->key.id[0]] += sl->count; /* empty slots add 0 */
        right[sl->key.id[1]] += sl->count;
    }
    return 0;
}

/* Room for partition j's rows in finish's items: all of them, or with
 * --top at most top: rank_part then keeps the best `top` in a heap
 * (ng_top_offer: a row that ranks after the heap's last is dropped after
 * one comparison), so a report of the top rows of millions of n-grams
 * does not write (and fault in) an item for every one of them. (Keeping
 * room for more and selecting whenever it filled cost more than it saved:
 * each selection sorts its `top` rows.) */
static size_t rank_room(size_t used, uint32_t top) { return top && used > top ? top : used; }

/* Partition j's rows, its best `top` first in rank order. */
static int rank_part(void *arg, size_t j, int thread)
{
    (void)thread;
    fin_job *f = arg;
    const ng_state *s = f->s;
    const ng_map *m = &s->map[j];
    ng_item *items = f->items + f->off[j];
    const size_t room = f->off[j + 1] - f->off[j];
    const size_t used = s->wide ? m->used : s->map2[j].used;
    const int heap = room < used; /* --top below the partition's rows */
    size_t n = 0;
    ng_item x, *it;
    const ng2_map *m2 = &s->map2[j];
    for (size_t i = 0; !s->wide && i < m2->cap; i++) {
        const ng2_slot *sl = &m2->slots[i];
        if (sl->count < f->min_count) continue; /* empty slots too */
        it = heap ? &x : &items[n++];
        it->id[0] = (uint32_t)(sl->key >> 32);
        it->id[1] = (uint32_t)sl->key;
        it->id[2] = 0;
        it->count = sl->count;
        it->df = sl->df;
        it->score = s->phrases ? ws_ngrams_npmi(sl->count, f->left[0][it->id[0]], f->right[0][it->id[1]], s->npos) : 0;
        if (heap) ng_top_offer(&f->k, items, &n, room, &x);
    }
    for (size_t i = 0; s->wide && i < m->cap; i++) {
        const ng_slot *sl = &m->slots[i];
        if (sl->count < f->min_count) continue; /* empty slots too */
        it = heap ? &x : &items[n++];
        memcpy(it->id, sl->key.id, sizeof it->id);
        it->count = sl->count;
        it->df = sl->df;
        it->score = s->phrases ? ws_ngrams_npmi(sl->count, f->left[0][sl->key.id[0]], f->right[0][sl->key.id[1]], s->npos)
                               : 0;
        if (heap) ng_top_offer(&f->k, items, &n, room, &x);
    }
    if (heap) {
        ng_top_sort(&f->k, items, n);
        f->cnt[j] = n;
    } else {
        f->cnt[j] = ng_top_select(&f->k, items, n, f->top);
    }
    return 0;
}

static int ng_finish(void *p, const ws_query *q, ws_table *out)
{
    ng_state *s = p;
    const ws_ngrams_params *pr = q->ext;
    int nt = pr->plan && pr->plan->parallel_for && pr->plan->threads > 1 ? pr->plan->threads : 1;
    int rc0 = settle2(s);
    if (rc0) return rc0;
    fin_job f = {s, pr->min_count ? pr->min_count : 1, q->top, NULL, NULL, NULL, NULL, NULL, {NULL, s->n, s->phrases}};
    size_t total = 0;
    for (int j = 0; j < NPART; j++) total += rank_room(s->wide ? s->map[j].used : s->map2[j].used, q->top);
    f.left = ws_calloc((size_t)nt, sizeof *f.left);
    f.right = ws_calloc((size_t)nt, sizeof *f.right);
    f.items = ws_malloc((total + 1) * sizeof *f.items);
    f.off = ws_calloc(NPART + 1, sizeof *f.off);
    f.cnt = ws_calloc(NPART + 1, sizeof *f.cnt);
    int rc = f.left && f.right && f.items && f.off && f.cnt ? 0 : ws_error(WS_ENOMEM, "out of memory ranking %zu n-grams", total);
    for (int j = 1; !rc && j <= NPART; j++)
        f.off[j] = f.off[j - 1] + rank_room(s->wide ? s->map[j - 1].used : s->map2[j - 1].used, q->top);
    /* Phrases: the marginals over bigram positions, left[x] = positions
     * starting with x, right[y] = positions ending with y (before
     * --min-count, like N); one pair of arrays per thread, summed. */
    if (!rc && s->phrases) {
        for (int t = 0; t < nt && !rc; t++)
            if (!(f.left[t] = ws_calloc((size_t)s->nterms + 1, sizeof **f.left)) ||
                !(f.right[t] = ws_calloc((size_t)s->nterms + 1, sizeof **f.right)))
                rc = ws_error(WS_ENOMEM, "out of memory for the phrase marginals of %u terms", s->nterms);
        if (!rc && !s->gleft) rc = par_for(pr, NPART, marg_part, &f);
        if (!rc && s->gleft) { /* across ranks: the sums over every rank's positions */
            memcpy(f.left[0], s->gleft, ((size_t)s->nterms + 1) * sizeof **f.left);
            memcpy(f.right[0], s->gright, ((size_t)s->nterms + 1) * sizeof **f.right);
        }
        for (int t = 1; !rc && t < nt; t++)
            for (size_t i = 0; i <= s->nterms; i++) {
                f.left[0][i] += f.left[t][i];
                f.right[0][i] += f.right[t][i];
            }
    }
    uint32_t *pos = rc ? NULL : term_positions(q->norm);
    if (!rc && !pos) rc = ws_error(WS_ENOMEM, "out of memory ordering %u terms", q->norm->terms.nterms);
    f.k.pos = pos;
    if (!rc) rc = par_for(pr, NPART, rank_part, &f);
    for (int t = 0; t < nt && f.left; t++) ws_free(f.left[t]);
    for (int t = 0; t < nt && f.right; t++) ws_free(f.right[t]);
    ws_free(f.left);
    ws_free(f.right);
    if (!rc) rc = ws_table_add_col(out, s->phrases ? "phrase" : "ngram", WS_TYPE_TEXT);
    rc = rc ? rc : ws_table_add_col(out, "count", WS_TYPE_INT64);
    rc = rc ? rc : ws_table_add_col(out, "df", WS_TYPE_INT64);
    if (!rc && s->phrases) rc = ws_table_add_col(out, "npmi", WS_TYPE_DOUBLE);
    /* The partitions' sorted rows merged: a heap of partitions by their
     * next row (ranks are a total order: ties cannot occur). */
    size_t heap[NPART], nh = 0, at[NPART];
    for (int j = 0; j < NPART; j++) {
        at[j] = f.off ? f.off[j] : 0;
        if (!rc && f.cnt[j]) heap[nh++] = (size_t)j;
    }
#define NG_HEAD(x) (&f.items[at[heap[x]]])
#define NG_SIFT(i0)                                                                                                    \
    for (size_t k_ = (i0);;) {                                                                                         \
        size_t l_ = 2 * k_ + 1, m_ = k_;                                                                               \
        if (l_ < nh && ws_ngrams_after(&f.k, NG_HEAD(m_), NG_HEAD(l_))) m_ = l_;                                       \
        if (l_ + 1 < nh && ws_ngrams_after(&f.k, NG_HEAD(m_), NG_HEAD(l_ + 1))) m_ = l_ + 1;                           \
        if (m_ == k_) break;                                                                                           \
        size_t t_ = heap[k_];                                                                                          \
        heap[k_] = heap[m_];                                                                                           \
        heap[m_] = t_;                                                                                                 \
        k_ = m_;                                                                                                       \
    }
    for (size_t i = nh / 2; i-- > 0;) NG_SIFT(i)
    ws_buf gram = {0};
    for (uint64_t row = 0; !rc && nh && (!q->top || row < q->top); row++) {
        const ng_item *it = NG_HEAD(0);
        gram.n = 0;
        ws_str prev = ws_str_make("", 0);
        for (uint32_t j = 0; j < s->n && !rc; j++) {
            ws_str t = ws_norm_term(q->norm, it->id[j]);
            /* words of Chinese, Japanese, Thai... join without a space in a
             * store split into words (经济发展); a store split per character
             * keeps the space its n-grams always had (首 都) */
            if (j && !(q->norm->seg == WS_SEG_ICU && prev.n &&
                       ws_tokens_join_tight(prev.p, prev.n, t.p, t.n)))
                rc = ws_buf_append(&gram, " ", 1);
            prev = t;
            if (!rc) rc = ws_buf_append(&gram, t.p, t.n);
        }
        rc = rc ? rc : ws_table_text(out, ws_str_make((const char *)gram.p, gram.n));
        rc = rc ? rc : ws_table_int(out, (int64_t)it->count);
        rc = rc ? rc : ws_table_int(out, (int64_t)it->df);
        if (s->phrases && !rc) rc = ws_table_double(out, it->score);
        size_t j = heap[0];
        if (++at[j] == f.off[j] + f.cnt[j]) heap[0] = heap[--nh];
        NG_SIFT(0)
    }
#undef NG_SIFT
#undef NG_HEAD
    ws_buf_free(&gram);
    ws_free(pos);
    ws_free(f.items);
    ws_free(f.off);
    ws_free(f.cnt);
    return rc;
}

/* ---- for ws_k_ngrams_dist.c (ws_k_ngrams.h) ---- */

ws_ngrams_view ws_ngrams_state_view(void *state)
{
    ng_state *s = state;
    return (ws_ngrams_view){s->n, s->phrases, s->nterms, &s->npos, &s->exchanged, &s->gleft, &s->gright};
}

int ws_ngrams_each(const void *state, int (*fn)(void *arg, const uint32_t *id, uint64_t count, uint64_t df), void *arg)
{
    return ng_each(state, fn, arg);
}

int ws_ngrams_put(void *state, const uint32_t *id, uint64_t count, uint64_t df)
{
    return ng_add(state, id, count, df);
}

/* Every counted n-gram to fn, each table freed once streamed. All tables
 * are set aside first, small empty ones in their place: fn may add n-grams
 * (the exchange's own share and what other ranks send) to any partition
 * while the others are still being streamed. */
int ws_ngrams_stream(void *state, int (*fn)(void *arg, const uint32_t *id, uint64_t count, uint64_t df), void *arg)
{
    ng_state *s = state;
    int rc0 = settle2(s);
    if (rc0) return rc0;
    ng_map *old = s->wide ? ws_calloc(NPART, sizeof *old) : NULL;
    ng2_map *old2 = s->wide ? NULL : ws_calloc(NPART, sizeof *old2);
    int rc = old || old2 ? 0 : ws_error(WS_ENOMEM, "out of memory");
    for (int j = 0; j < NPART && !rc; j++) {
        int bad;
        if (old) {
            old[j] = s->map[j];
            bad = ng_map_init(&s->map[j], 64, ws_hmap_mix(old[j].seed + 0x9e3779b97f4a7c15ULL)) != 0;
            if (bad) s->map[j] = old[j], old[j] = (ng_map){0};
        } else {
            old2[j] = s->map2[j];
            bad = ng2_map_init(&s->map2[j], 64, ws_hmap_mix(old2[j].seed + 0x9e3779b97f4a7c15ULL)) != 0;
            if (bad) s->map2[j] = old2[j], old2[j] = (ng2_map){0};
        }
        if (bad) rc = ws_error(WS_ENOMEM, "out of memory");
    }
    for (int j = 0; j < NPART; j++) {
        if (old) {
            for (size_t i = 0; !rc && i < old[j].cap; i++) {
                const ng_slot *sl = &old[j].slots[i];
                if (sl->count) rc = fn(arg, sl->key.id, sl->count, sl->df);
            }
            if (old[j].slots) ng_map_free(&old[j]);
        } else if (old2) {
            for (size_t i = 0; !rc && i < old2[j].cap; i++) {
                const ng2_slot *sl = &old2[j].slots[i];
                const uint32_t id[3] = {(uint32_t)(sl->key >> 32), (uint32_t)sl->key, 0};
                if (sl->count) rc = fn(arg, id, sl->count, sl->df);
            }
            if (old2[j].slots) ng2_map_free(&old2[j]);
        }
    }
    ws_free(old);
    ws_free(old2);
    return rc;
}

uint32_t *ws_ngrams_term_positions(const ws_norm *nm) { return term_positions(nm); }

#define PHRASES_MIN_COUNT 5

static const ws_param_info ng_params[] = {
    {"n", WS_PARAM_INT, "2", "N", "2 (bigrams, default) or 3 (trigrams)", NULL, 2, WS_NGRAMS_MAX_N, 0, NULL},
    {"top", WS_PARAM_INT, "100", "N", "rows to print (default 100; 0 = all)", NULL, 0, UINT32_MAX, 0, NULL},
    {"min-count", WS_PARAM_INT, NULL, "N", "only n-grams occurring at least N times (default 1; 5 with --phrases)", NULL, 0,
     INT64_MAX, 0, NULL},
    {"phrases", WS_PARAM_FLAG, NULL, NULL,
     "multi-word expressions: bigrams ranked by NPMI, as CSV phrase,count,df,npmi,\n"
     "ordered by npmi descending, then phrase (see docs/ngrams.md)", NULL, 0, 1, 0, NULL},
};

static void dense_free(struct ws_ngrams_dense *d)
{
    if (!d) return;
    ws_free(d->code);
    ws_free(d->term);
    ws_free(d);
}

static void ng_release(void *ext)
{
    ws_ngrams_params *pr = ext;
    if (pr) dense_free((struct ws_ngrams_dense *)(uintptr_t)pr->dense);
    ws_free(pr);
}

/* 1 when term x (collection frequency cx) ranks after y: less frequent,
 * ties by id (any order would do: it only picks the dense terms). */
static inline int dense_after(const uint64_t *cf, uint32_t x, uint32_t y)
{
    return cf[x] != cf[y] ? cf[x] < cf[y] : x > y;
}

/* The dense terms: the (up to) DENSE_MAX normalised terms with the largest
 * collection frequency over the plan's stores (each store's dictionary cf
 * through its remap). *out stays NULL when the vocabulary is empty. */
static int dense_build(const ws_plan *plan, struct ws_ngrams_dense **out)
{
    *out = NULL;
    const ws_norm *nm = plan ? plan->norm : NULL;
    const uint32_t nt = nm ? nm->terms.nterms : 0;
    if (nt == 0) return 0;
    uint64_t *cf = ws_calloc(nt, sizeof *cf);
    uint32_t *heap = ws_malloc(DENSE_MAX * sizeof *heap);
    struct ws_ngrams_dense *d = ws_calloc(1, sizeof *d);
    if (!cf || !heap || !d) goto nomem;
    for (size_t i = 0; i < plan->nstores; i++) {
        const ws_norm v = ws_norm_view(nm, (uint32_t)i);
        const ws_dict *dict = &plan->stores[i]->dict;
        const uint32_t ns = v.nsrc < dict->nterms ? v.nsrc : dict->nterms;
        for (uint32_t t = 0; dict->cf && v.map && t < ns; t++)
            if (v.map[t] < nt) cf[v.map[t]] += dict->cf[t];
    }
    /* the most frequent: a heap of the best so far, its least at the root */
    uint32_t nh = 0;
    for (uint32_t id = 0; id < nt; id++) {
        if (!cf[id]) continue;
        size_t k;
        if (nh < DENSE_MAX) { /* sift up */
            for (k = nh++; k && dense_after(cf, id, heap[(k - 1) / 2]); k = (k - 1) / 2) heap[k] = heap[(k - 1) / 2];
            heap[k] = id;
            continue;
        }
        if (!dense_after(cf, heap[0], id)) continue;
        for (k = 0;;) { /* replace the root, sift down */
            size_t l = 2 * k + 1, m = k;
            uint32_t at = id;
            if (l < nh && dense_after(cf, heap[l], at)) m = l, at = heap[l];
            if (l + 1 < nh && dense_after(cf, heap[l + 1], at)) m = l + 1;
            if (m == k) break;
            heap[k] = heap[m];
            k = m;
        }
        heap[k] = id;
    }
    if (nh == 0) {
        ws_free(cf);
        ws_free(heap);
        ws_free(d);
        return 0;
    }
    while (((uint32_t)1 << d->bits) < nh) d->bits++;
    d->nterms = nt;
    d->code = ws_malloc((size_t)nt * sizeof *d->code);
    d->term = ws_calloc((size_t)1 << d->bits, sizeof *d->term);
    if (!d->code || !d->term) goto nomem;
    for (uint32_t id = 0; id < nt; id++) d->code[id] = DENSE_NONE;
    for (uint32_t c = 0; c < nh; c++) {
        d->code[heap[c]] = (uint16_t)c;
        d->term[c] = heap[c];
    }
    ws_free(cf);
    ws_free(heap);
    *out = d;
    return 0;
nomem:
    ws_free(cf);
    ws_free(heap);
    dense_free(d);
    return ws_error(WS_ENOMEM, "out of memory ranking %u terms", nt);
}

static int ng_prepare(const ws_plan *plan, const ws_params *p, ws_query *q, void **ext)
{
    ws_ngrams_params *pr = ws_calloc(1, sizeof *pr);
    if (!(*ext = pr)) return ws_error(WS_ENOMEM, "out of memory");
    pr->plan = plan;
    pr->n = (uint32_t)ws_params_int(p, "n");
    pr->phrases = (int)ws_params_int(p, "phrases");
    if (pr->phrases && pr->n != 2)
        return ws_error(WS_EINVAL, "--phrases scores bigrams; it cannot be used with --n %u", pr->n);
    pr->min_count = ws_params_given(p, "min-count") ? (uint64_t)ws_params_int(p, "min-count")
                                                    : pr->phrases ? PHRASES_MIN_COUNT : 1;
    if (pr->min_count == 0) pr->min_count = 1;
    /* 32-bit bigram counts hold any count when the stores hold fewer than
     * 2^32 tokens: a count (and a df) is at most the positions counted,
     * summed over threads and ranks, below the tokens of every store. */
    uint64_t tokens = 0;
    for (size_t i = 0; plan && i < plan->nstores; i++) tokens += plan->stores[i]->ntokens;
    pr->wide = tokens >= UINT32_MAX;
    if (pr->n == 2 && !pr->wide) {
        struct ws_ngrams_dense *d;
        int rc = dense_build(plan, &d);
        if (rc) return rc;
        pr->dense = d;
    }
    q->top = (uint32_t)ws_params_int(p, "top");
    q->ext = pr;
    return 0;
}

const ws_kernel ws_kernel_ngrams = {
    .name = "ngrams",
    .summary = "bigram and trigram counts; multi-word phrases by NPMI",
    .help = "N-gram counts as CSV: ngram,count,df (ngram = the normalised terms joined by\n"
            "one space; count = occurrences; df = stories that contain it), ordered by\n"
            "count descending, then ngram ascending (bytewise).\n"
            "\n"
            "An n-gram is n tokens in a row within one sentence of one field: it never\n"
            "spans a sentence start, the title/body boundary, or a token the\n"
            "normalisation drops (a stop word, a term under --min-length, a number under\n"
            "--no-numbers): with --stopwords en, 'bank of japan' yields no bigram at all.\n"
            "Chinese and Japanese characters are tokens of their own, so their n-grams\n"
            "are character bigrams and trigrams.\n"
            "\n"
            "With --phrases, over the N bigram positions: p(xy) = count(xy) / N, p(x) =\n"
            "positions starting with x / N, p(y) = positions ending with y / N, npmi =\n"
            "log2(p(xy) / (p(x) p(y))) / -log2(p(xy)), within [-1, 1].",
    .params = ng_params,
    .nparams = sizeof ng_params / sizeof ng_params[0],
    .flags = 0,
    .columns = WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA),
    .prepare = ng_prepare,
    .release = ng_release,
    .init = ng_init,
    .consume = ng_consume,
    .merge = ng_merge,
    .finish = ng_finish,
    .free = ng_free,
    .pack = ng_pack,
    .unpack = ng_unpack,
    .exchange = ws_ngrams_exchange,
};
