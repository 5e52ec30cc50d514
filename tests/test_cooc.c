/*
 * Tests for the co-occurrence kernel (kernels/ws_k_cooc) and the external
 * runs it spills through (engine/ws_spill), against a model.
 *
 * A seeded generator writes stories over the words w000..w299 (skewed, so
 * some pairs are frequent and many rare) with a title and body sentences
 * (a body sentence ends with '.' and the next starts with a capital, which
 * case folding removes). The test keeps every story and counts, in plain
 * loops, the pairs of each context (document, sentence, window of 1, 2 and
 * 5), the marginals and N, then compares the kernel's CSV byte for byte:
 * all pairs and the collocates of one term, in memory and under a budget
 * small enough to spill many runs (merged with a fan-in of 3, so with
 * intermediate levels), for 1, 2 and 3 threads. The measures are checked
 * against closed forms written independently of the kernel's (chi2 by the
 * n(ad-bc)^2 formula, G2 by the entropy form), and the run merger against
 * an in-memory aggregation; the spill folder must be gone after close.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_ingest.h"
#include "ws_k_cooc.h"
#include "ws_scan.h"
#include "ws_test_scan.h"
#include "ws_spill.h"

#define NSTORY 400
#define NWORD 300
#define MAXTOK 60
#define SENT 6 /* a body sentence every SENT tokens */

#include "ws_test_words.h"

static ws_norm norm;

static void setup(void)
{
    tw_build("cooc", 7, 4, 500);
    ws_norm_opts no = {0};
    cr_assert_eq(ws_norm_build(&norm, &st->dict, &no), 0);
}

static void teardown(void)
{
    ws_norm_free(&norm);
    tw_remove();
}

TestSuite(cooc, .init = setup, .fini = teardown, .timeout = 120);

/* ---- the model ---- */

static uint64_t cnt[NWORD][NWORD]; /* cnt[x][y], x < y */
static uint64_t freq[NWORD], nctx;

static void model_set(const int *t, int n)
{
    int seen[NWORD] = {0}, list[MAXTOK], k = 0;
    for (int i = 0; i < n; i++)
        if (!seen[t[i]]++) list[k++] = t[i];
    nctx++;
    for (int i = 0; i < k; i++) {
        freq[list[i]]++;
        for (int j = 0; j < k; j++)
            if (list[i] < list[j]) cnt[list[i]][list[j]]++;
    }
}

/* Count the whole corpus in context ctx (window w). */
static void model_count(ws_cooc_context ctx, int w)
{
    memset(cnt, 0, sizeof cnt);
    memset(freq, 0, sizeof freq);
    nctx = 0;
    for (int i = 0; i < NSTORY; i++) {
        const story *s = &S[i];
        if (ctx == WS_COOC_DOC) {
            model_set(s->tok, s->ntok);
        } else if (ctx == WS_COOC_SENTENCE) {
            if (s->ntitle) model_set(s->tok, s->ntitle);
            for (int k = s->ntitle; k < s->ntok; k += SENT)
                model_set(s->tok + k, s->ntok - k < SENT ? s->ntok - k : SENT);
        } else {
            nctx += (uint64_t)s->ntok;
            for (int a = 0; a < s->ntok; a++) {
                freq[s->tok[a]]++;
                for (int b = a + 1; b < s->ntok && b - a <= w; b++) {
                    int x = s->tok[a], y = s->tok[b];
                    if (x != y) cnt[x < y ? x : y][x < y ? y : x]++;
                }
            }
        }
    }
}

typedef struct row {
    int x, y;
    uint64_t a;
} row;
static int row_cmp(const void *p, const void *q)
{
    const row *a = p, *b = q;
    if (a->a != b->a) return a->a > b->a ? -1 : 1;
    if (a->x != b->x) return a->x - b->x; /* w000 < w001 < ...: bytewise */
    return a->y - b->y;
}

static const char *fname(ws_cooc_context ctx) { return ctx == WS_COOC_DOC ? "df" : ctx == WS_COOC_SENTENCE ? "sf" : "tf"; }

/* Expected CSV: all pairs (target < 0) or the collocates of target. */
static char *model_csv(ws_cooc_context ctx, int target, uint64_t min_count)
{
    static row rows[NWORD * NWORD];
    size_t n = 0;
    for (int x = 0; x < NWORD; x++)
        for (int y = 0; y < NWORD; y++) {
            if (target >= 0) {
                if (x != target || y == target) continue;
                uint64_t a = x < y ? cnt[x][y] : cnt[y][x];
                if (a >= min_count && a) rows[n++] = (row){y, -1, a};
            } else if (x < y && cnt[x][y] >= min_count && cnt[x][y]) {
                rows[n++] = (row){x, y, cnt[x][y]};
            }
        }
    qsort(rows, n, sizeof *rows, row_cmp);
    ws_buf b = {0};
    char line[128];
    int len = target >= 0 ? snprintf(line, sizeof line, "term,cooc,%s\n", fname(ctx))
                          : snprintf(line, sizeof line, "term1,term2,cooc,%s1,%s2\n", fname(ctx), fname(ctx));
    ws_buf_append(&b, line, (size_t)len);
    for (size_t i = 0; i < n; i++) {
        if (target >= 0)
            len = snprintf(line, sizeof line, "w%03d,%llu,%llu\n", rows[i].x, (unsigned long long)rows[i].a,
                           (unsigned long long)freq[rows[i].x]);
        else
            len = snprintf(line, sizeof line, "w%03d,w%03d,%llu,%llu,%llu\n", rows[i].x, rows[i].y,
                           (unsigned long long)rows[i].a, (unsigned long long)freq[rows[i].x],
                           (unsigned long long)freq[rows[i].y]);
        ws_buf_append(&b, line, (size_t)len);
    }
    ws_buf_append(&b, "", 1);
    return (char *)b.p;
}

/* ---- running the kernel ---- */

static int op_write(void *ctx, const void *recs, size_t n, size_t rsize, uint32_t *run)
{
    return ws_spill_write(ctx, recs, n, rsize, run);
}
static int op_merge(void *ctx, const uint32_t *runs, size_t nruns, size_t rsize, int (*cmp)(const void *, const void *),
                    void (*combine)(void *, const void *), size_t mem, int (*emit)(void *, const void *), void *arg)
{
    return ws_spill_merge(ctx, runs, nruns, rsize, cmp, combine, 3, mem, emit, arg);
}

static uint32_t term_id(const char *w)
{
    uint32_t id;
    cr_assert_eq(ws_norm_lookup(&norm, ws_str_make(w, strlen(w)), &id), 0);
    cr_assert_neq(id, WS_NORM_DROP, "%s is not in the store", w);
    return id;
}

/* The plan a run hands the kernel (NULL: none, partitions one at a time)
 * and its --top (0: every row); set by the tests that need them. */
static const ws_plan *g_plan;
static size_t g_part_min = 1;
static uint32_t g_top;

/* Run cooc; budget 0: in memory; else spill through a folder under dir. */
static char *run_cooc(ws_cooc_context ctx, uint32_t window, const char *target, size_t budget, uint32_t ndense,
                      int threads, ws_cooc_stats *stats)
{
    ws_cooc_params p;
    memset(&p, 0, sizeof p);
    p.context = ctx;
    p.window = window;
    p.min_count = 1;
    p.threads = threads;
    p.budget = budget;
    p.plan = g_plan;
    p.part_min = g_plan ? g_part_min : 0; /* the partition tests: 64 partitions whatever the budget */
    ws_termspec spec;
    memset(&spec, 0, sizeof spec);
    if (target) {
        (void)term_id(target); /* it occurs */
        ws_tokenizer *tk = ws_tokenizer_create();
        cr_assert(tk);
        cr_assert_eq(ws_termspec_parse(&norm, tk, "--term", target, WS_TS_AUTO, &spec), 0, "%s", ws_last_error());
        ws_tokenizer_free(tk);
        p.targets = &spec;
        p.ntargets = 1;
    }
    uint32_t nv = norm.terms.nterms;
    uint32_t *rank = malloc((nv + 1) * sizeof *rank);
    uint64_t *f = calloc(nv + 1, sizeof *f);
    cr_assert(rank && f);
    for (uint32_t i = 0; i < norm.nsrc; i++) f[norm.map[i]] += st->dict.cf[i];
    ws_cooc_dense_plan(f, nv, ndense, rank);
    p.dense_rank = rank;
    p.ndense = ndense;
    ws_spill *sp = NULL;
    ws_cooc_spill_ops ops = {NULL, op_write, op_merge, NULL};
    if (budget) {
        cr_assert_eq(ws_spill_open(dir, NULL, &sp), 0, "%s", ws_last_error());
        ops.ctx = sp;
        p.spill = &ops;
    }
    ws_cooc_stats local;
    p.stats = stats ? stats : &local;
    ws_query q;
    memset(&q, 0, sizeof q);
    q.norm = &norm;
    q.ext = &p;
    q.top = g_top;
    ws_scan_opts o;
    memset(&o, 0, sizeof o);
    ws_filter_init(&o.filter);
    o.threads = threads;
    ws_buf out = {0};
    int rc = ws_test_scan_csv(st, &ws_kernel_cooc, &q, &o, &out, NULL);
    cr_assert_eq(rc, 0, "cooc: %s", ws_last_error());
    if (sp) {
        char d[4200];
        snprintf(d, sizeof d, "%s", ws_spill_dir(sp));
        ws_spill_close(sp);
        struct stat sb;
        cr_assert_neq(stat(d, &sb), 0, "spill folder %s left behind", d);
    }
    free(rank);
    free(f);
    ws_termspec_free(&spec);
    ws_buf_append(&out, "", 1);
    return (char *)out.p;
}

static void check_context(ws_cooc_context ctx, uint32_t window)
{
    model_count(ctx, (int)window);
    char *want = model_csv(ctx, -1, 1);
    char *want_t = model_csv(ctx, 1, 1); /* w001: frequent */
    for (int th = 1; th <= 3; th++) {
        char *got = run_cooc(ctx, window, NULL, 0, 0, th, NULL);
        cr_assert_str_eq(got, want, "all pairs, context %d window %u, %d threads, in memory", ctx, window, th);
        free(got);
        got = run_cooc(ctx, window, NULL, 0, 20, th, NULL);
        cr_assert_str_eq(got, want, "all pairs with a dense part, context %d, %d threads", ctx, th);
        free(got);
        ws_cooc_stats stats;
        /* 48 KiB: tables of a few thousand pairs per thread, so many runs */
        got = run_cooc(ctx, window, NULL, 48 << 10, 10, th, &stats);
        cr_assert_str_eq(got, want, "all pairs spilled, context %d window %u, %d threads", ctx, window, th);
        cr_assert_gt(stats.runs, 3, "expected several runs, got %llu", (unsigned long long)stats.runs);
        free(got);
        got = run_cooc(ctx, window, "w001", 0, 0, th, NULL);
        cr_assert_str_eq(got, want_t, "collocates of w001, context %d, %d threads", ctx, th);
        free(got);
    }
    free(want);
    free(want_t);
}

Test(cooc, doc_context) { check_context(WS_COOC_DOC, 0); }

/* ---- the partitioned table on the plan's threads ----
 * Without a plan the kernel merges and ranks its partitions one after the
 * other; with one they run on the plan's threads (OpenMP here, as the
 * engine's), or in reverse order (so nothing can depend on which partition
 * comes first). Either way the output must be the model's: the pairs of
 * the unpartitioned count, in memory, with a dense part, spilled (runs per
 * partition, and the output sort spilled too), whole or cut at --top. */

#include "ws_test_plan.h"

/* The first rows + 1 lines of csv (header and rows). */
static char *head_lines(const char *csv, uint32_t rows)
{
    const char *e = csv;
    for (uint32_t i = 0; i <= rows && *e; i++) e = strchr(e, '\n') + 1;
    char *h = strndup(csv, (size_t)(e - csv));
    cr_assert(h);
    return h;
}

static void check_partitions(ws_cooc_context ctx, uint32_t window)
{
    model_count(ctx, (int)window);
    char *want = model_csv(ctx, -1, 1);
    static const tplan cfg[] = {{0, 2}, {0, 3}, {1, 2}}; /* OpenMP on 2 and 3 threads; reverse order */
    for (int c = 0; c < 3; c++) {
            const int rev = cfg[c].reverse, th = cfg[c].threads;
            tplan tp = cfg[c];
            ws_plan plan;
            memset(&plan, 0, sizeof plan);
            plan.threads = th;
            plan.ctx = &tp;
            plan.parallel_for = test_pfor;
            g_plan = &plan;
            char *got = run_cooc(ctx, window, NULL, 0, 0, th, NULL);
            cr_assert_str_eq(got, want, "partitions in memory, context %d, %d threads, reverse %d", ctx, th, rev);
            free(got);
            got = run_cooc(ctx, window, NULL, 0, 20, th, NULL);
            cr_assert_str_eq(got, want, "partitions with a dense part, context %d, %d threads, reverse %d", ctx, th, rev);
            free(got);
            ws_cooc_stats stats;
            got = run_cooc(ctx, window, NULL, 48 << 10, 10, th, &stats);
            cr_assert_str_eq(got, want, "partitions spilled, context %d, %d threads, reverse %d", ctx, th, rev);
            cr_assert_gt(stats.runs, (uint64_t)64, "expected runs of many partitions, got %llu",
                         (unsigned long long)stats.runs);
            free(got);
            /* The default least partition size: under this budget one
             * table per thread, so fewer and larger runs, the same rows. */
            g_part_min = 0;
            ws_cooc_stats one;
            got = run_cooc(ctx, window, NULL, 48 << 10, 10, th, &one);
            g_part_min = 1;
            cr_assert_str_eq(got, want, "one partition spilled, context %d, %d threads, reverse %d", ctx, th, rev);
            cr_assert_lt(one.runs, stats.runs, "one partition: %llu runs, 64 partitions: %llu",
                         (unsigned long long)one.runs, (unsigned long long)stats.runs);
            free(got);
            /* --top: a heap per partition (10 rows), or the sort buffers cut
             * after 2000 rows (more than the heaps' room under 48 KiB) */
            static const uint32_t tops[] = {10, 2000};
            for (int k = 0; k < 2; k++) {
                g_top = tops[k];
                char *w = head_lines(want, g_top);
                got = run_cooc(ctx, window, NULL, 0, 0, th, NULL);
                cr_assert_str_eq(got, w, "--top %u in memory, context %d, %d threads", g_top, ctx, th);
                free(got);
                got = run_cooc(ctx, window, NULL, 48 << 10, 10, th, NULL);
                cr_assert_str_eq(got, w, "--top %u spilled, context %d, %d threads", g_top, ctx, th);
                free(got);
                free(w);
            }
            g_top = 0;
            g_plan = NULL;
        }
    free(want);
}

Test(cooc, partitions_window_2) { check_partitions(WS_COOC_WINDOW, 2); }
Test(cooc, partitions_doc) { check_partitions(WS_COOC_DOC, 0); }
Test(cooc, sentence_context) { check_context(WS_COOC_SENTENCE, 0); }
Test(cooc, window_1) { check_context(WS_COOC_WINDOW, 1); }
Test(cooc, window_2) { check_context(WS_COOC_WINDOW, 2); }
Test(cooc, window_5) { check_context(WS_COOC_WINDOW, 5); }

/* The measures against closed forms written without the kernel's code. */
Test(cooc, measures)
{
    const uint64_t a = 10, f1 = 20, f2 = 30, n = 1000;
    double v[WS_COOC_NMEASURES];
    ws_cooc_measures(a, f1, f2, n, v);
    double A = 10, B = 10, C = 20, D = 960, N = 1000; /* the 2x2 table */
    double pmi = log2(A * N / (20.0 * 30.0));
    double chi2 = N * pow(A * D - B * C, 2) / ((A + B) * (C + D) * (A + C) * (B + D));
    double g2 = 2 * (A * log(A) + B * log(B) + C * log(C) + D * log(D) - (A + B) * log(A + B) - (C + D) * log(C + D) -
                     (A + C) * log(A + C) - (B + D) * log(B + D) + N * log(N));
    struct {
        ws_cooc_measure m;
        double want;
    } cases[] = {{WS_COOC_COUNT, 10},
                 {WS_COOC_PMI, pmi},
                 {WS_COOC_NPMI, pmi / -log2(A / N)},
                 {WS_COOC_LLR, g2},
                 {WS_COOC_CHI2, chi2},
                 {WS_COOC_TSCORE, (A - 0.6) / sqrt(A)},
                 {WS_COOC_DICE, 20.0 / 50.0},
                 {WS_COOC_LOGDICE, 14 + log2(0.4)}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_float_eq(v[cases[i].m], cases[i].want, 1e-9 * fabs(cases[i].want) + 1e-12, "%s: %.12g vs %.12g",
                           ws_cooc_measure_name(cases[i].m), v[cases[i].m], cases[i].want);
    /* A pair present in every context: NPMI is 1, not 0/0. */
    ws_cooc_measures(5, 5, 5, 5, v);
    cr_assert_float_eq(v[WS_COOC_NPMI], 1.0, 1e-12);
    /* Windows may count a pair more often than a term occurs: no NaN. */
    ws_cooc_measures(8, 3, 9, 100, v);
    for (int m = 0; m < WS_COOC_NMEASURES; m++) cr_assert(isfinite(v[m]), "%s is not finite", ws_cooc_measure_name(m));
    /* Window NPMI, over the span n slots (span = 2K): "a b a b a b" with
     * K = 5 pairs every a with every b: a = 9, f = 3 and 3, n = 6 tokens,
     * 60 slots. (Over tokens, a > n there; on Reuters such pairs scored up
     * to 1.21.) */
    ws_cooc_measures_span(9, 3, 3, 6, 10, v);
    double want = log2(9.0 * 6 / (10 * 3 * 3)) / -log2(9 / 60.0);
    cr_assert_float_eq(v[WS_COOC_NPMI], want, 1e-12);
    ws_cooc_measures(10, 20, 30, 1000, v);
    double pmi1 = v[WS_COOC_PMI], w[WS_COOC_NMEASURES];
    ws_cooc_measures_span(10, 20, 30, 1000, 10, w);
    cr_assert_eq(w[WS_COOC_PMI], pmi1, "only npmi depends on the span");
    /* every count a window can give: c <= span min(h1, h2), g <= m */
    for (uint64_t m = 1; m <= 24; m++)
        for (uint64_t h1 = 1; h1 <= m; h1++)
            for (uint64_t h2 = 1; h2 <= m; h2++)
                for (uint64_t span = 2; span <= 6; span += 2)
                    for (uint64_t c = 1; c <= span * (h1 < h2 ? h1 : h2); c++) {
                        ws_cooc_measures_span(c, h1, h2, m, span, v);
                        cr_assert(v[WS_COOC_NPMI] >= -1.0 && v[WS_COOC_NPMI] <= 1.0, "npmi(%lu,%lu,%lu,%lu,%lu) = %.17g",
                                  (unsigned long)c, (unsigned long)h1, (unsigned long)h2, (unsigned long)m,
                                  (unsigned long)span, v[WS_COOC_NPMI]);
                    }
    cr_assert_eq(ws_cooc_measure_parse("logdice"), WS_COOC_LOGDICE);
    cr_assert_eq(ws_cooc_measure_parse("nope"), -1);
}

/* ---- the run merger alone ---- */

typedef struct kv {
    uint64_t key, count;
} kv;
static int kv_cmp(const void *x, const void *y)
{
    uint64_t a = ((const kv *)x)->key, b = ((const kv *)y)->key;
    return a < b ? -1 : a > b;
}
static void kv_sum(void *into, const void *from) { ((kv *)into)->count += ((const kv *)from)->count; }

typedef struct sink {
    kv *got;
    size_t n, stop_after;
} sink;
static int kv_emit(void *arg, const void *rec)
{
    sink *s = arg;
    if (s->stop_after && s->n == s->stop_after) return 1;
    s->got[s->n++] = *(const kv *)rec;
    return 0;
}

Test(cooc, spill_merge_levels)
{
    enum { NREC = 60000, NKEY = 5000, PERRUN = 700 };
    static kv all[NREC], run[PERRUN], got[NKEY];
    static uint64_t want[NKEY];
    memset(want, 0, sizeof want);
    /* fast: cmp NULL, the merger's inline uint64 keys; the keys here sit
     * above 2^63 too, so a signed comparison would put them first. */
    for (int fast = 0; fast < 2; fast++)
    for (size_t fanin = 2; fanin <= 64; fanin = fanin * 4 - 1) {
        ws_spill *sp;
        cr_assert_eq(ws_spill_open(dir, NULL, &sp), 0, "%s", ws_last_error());
        char d[4200];
        snprintf(d, sizeof d, "%s", ws_spill_dir(sp));
        uint32_t runs[NREC / PERRUN + 1];
        size_t nruns = 0;
        memset(want, 0, sizeof want);
        for (size_t i = 0; i < NREC; i++) {
            uint64_t key = rnd(NKEY);
            all[i] = (kv){key * 977u + (key >= NKEY / 2 ? (uint64_t)1 << 63 : 0), 1 + rnd(9)};
            want[key] += all[i].count;
        }
        for (size_t i = 0; i < NREC; i += PERRUN) {
            size_t n = NREC - i < PERRUN ? NREC - i : PERRUN;
            memcpy(run, all + i, n * sizeof *run);
            qsort(run, n, sizeof *run, kv_cmp);
            cr_assert_eq(ws_spill_write(sp, run, n, sizeof *run, &runs[nruns++]), 0);
        }
        sink s = {got, 0, 0};
        cr_assert_eq(ws_spill_merge(sp, runs, nruns, sizeof(kv), fast ? NULL : kv_cmp, kv_sum, fanin, 1 << 16, kv_emit, &s),
                     0, "%s", ws_last_error());
        ws_spill_stats ss = ws_spill_get_stats(sp);
        if (fanin < nruns) cr_assert_gt(ss.levels, 0, "fan-in %zu over %zu runs needs intermediate levels", fanin, nruns);
        size_t k = 0;
        for (size_t key = 0; key < NKEY; key++) {
            if (!want[key]) continue;
            cr_assert_lt(k, s.n);
            cr_assert_eq(got[k].key, key * 977u + (key >= NKEY / 2 ? (uint64_t)1 << 63 : 0));
            cr_assert_eq(got[k].count, want[key], "key %zu: %llu vs %llu", key, (unsigned long long)got[k].count,
                         (unsigned long long)want[key]);
            k++;
        }
        cr_assert_eq(k, s.n);
        ws_spill_close(sp);
        struct stat sb;
        cr_assert_neq(stat(d, &sb), 0, "%s left behind", d);
    }
    /* Without combine, equal keys come out in run order, on both paths. */
    for (int fast = 0; fast < 2; fast++) {
        ws_spill *sp;
        cr_assert_eq(ws_spill_open(dir, NULL, &sp), 0);
        uint32_t r[3];
        kv a[2] = {{5, 1}, {9, 4}}, b[2] = {{5, 2}, {7, 5}}, c[1] = {{5, 3}};
        cr_assert_eq(ws_spill_write(sp, a, 2, sizeof(kv), &r[0]), 0);
        cr_assert_eq(ws_spill_write(sp, b, 2, sizeof(kv), &r[1]), 0);
        cr_assert_eq(ws_spill_write(sp, c, 1, sizeof(kv), &r[2]), 0);
        sink s = {got, 0, 0};
        cr_assert_eq(ws_spill_merge(sp, r, 3, sizeof(kv), fast ? NULL : kv_cmp, NULL, 3, 4096, kv_emit, &s), 0);
        cr_assert_eq(s.n, 5);
        const uint64_t key[5] = {5, 5, 5, 7, 9}, count[5] = {1, 2, 3, 5, 4};
        for (size_t i = 0; i < 5; i++)
            cr_assert(got[i].key == key[i] && got[i].count == count[i], "fast %d: record %zu", fast, i);
        ws_spill_close(sp);
    }
    /* A merge stopped early by emit (cooc's --top) still cleans up. */
    ws_spill *sp;
    cr_assert_eq(ws_spill_open(dir, NULL, &sp), 0);
    uint32_t r[2];
    kv two[2] = {{1, 1}, {2, 1}};
    cr_assert_eq(ws_spill_write(sp, two, 2, sizeof(kv), &r[0]), 0);
    cr_assert_eq(ws_spill_write(sp, two, 2, sizeof(kv), &r[1]), 0);
    sink s = {got, 0, 1};
    cr_assert_eq(ws_spill_merge(sp, r, 2, sizeof(kv), kv_cmp, NULL, 2, 4096, kv_emit, &s), 1);
    cr_assert_eq(s.n, 1);
    ws_spill_close(sp);
}

/* ---- run files: frames, word deltas, damage ---- */

typedef struct rec24 {
    uint64_t w[3];
} rec24;
static int rec24_cmp(const void *x, const void *y)
{
    const rec24 *a = x, *b = y;
    return a->w[0] < b->w[0] ? -1 : a->w[0] > b->w[0];
}
typedef struct rec12 {
    uint32_t k, a, b;
} rec12;
static int rec12_cmp(const void *x, const void *y)
{
    const rec12 *a = x, *b = y;
    return a->k < b->k ? -1 : a->k > b->k;
}
typedef struct collect {
    uint8_t *p;
    size_t n, rsize;
} collect;
static int collect_emit(void *arg, const void *rec)
{
    collect *c = arg;
    memcpy(c->p + c->n++ * c->rsize, rec, c->rsize);
    return 0;
}

static int rec24_cmp_all(const void *x, const void *y)
{
    const rec24 *a = x, *b = y;
    for (int i = 0; i < 3; i++)
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

/* Runs of sizes around the frame size (1024 records), words that wrap
 * (UINT64_MAX, decreasing values), and record sizes that are and are not
 * multiples of 8 come back exactly: in one merge level in the stable
 * order (ties: the earlier run first), which a model merge computes
 * independently; through intermediate levels (fan-in 2) as the same
 * records. */
Test(cooc, spill_frames_exact)
{
    static const size_t sizes[] = {1, 1023, 1024, 1025, 5000, 2};
    enum { NR = sizeof sizes / sizeof sizes[0], TOTAL = 1 + 1023 + 1024 + 1025 + 5000 + 2 };
    static rec24 in24[TOTAL], want24[TOTAL], got24[TOTAL];
    static rec12 in12[TOTAL], want12[TOTAL], got12[TOTAL];
    ws_spill *sp;
    cr_assert_eq(ws_spill_open(dir, NULL, &sp), 0, "%s", ws_last_error());
    uint32_t r24[NR], r24b[NR], r12[NR];
    size_t off = 0;
    for (size_t r = 0; r < NR; r++) {
        rec24 *a = in24 + off;
        rec12 *b = in12 + off;
        for (size_t i = 0; i < sizes[r]; i++) {
            a[i].w[0] = rnd(3000);
            a[i].w[1] = i % 7 == 0 ? UINT64_MAX - rnd(5) : (uint64_t)rnd(1000000) << 40;
            a[i].w[2] = (uint64_t)r * 1000000u + i; /* identifies the record */
            b[i] = (rec12){(uint32_t)rnd(3000), (uint32_t)rnd(UINT32_MAX), (uint32_t)(r * 1000000u + i)};
        }
        /* sorted within the run, stably by insertion order */
        for (size_t i = 1; i < sizes[r]; i++)
            for (size_t j = i; j > 0 && rec24_cmp(&a[j - 1], &a[j]) > 0; j--) {
                rec24 t = a[j];
                a[j] = a[j - 1];
                a[j - 1] = t;
            }
        for (size_t i = 1; i < sizes[r]; i++)
            for (size_t j = i; j > 0 && rec12_cmp(&b[j - 1], &b[j]) > 0; j--) {
                rec12 t = b[j];
                b[j] = b[j - 1];
                b[j - 1] = t;
            }
        cr_assert_eq(ws_spill_write(sp, a, sizes[r], sizeof *a, &r24[r]), 0, "%s", ws_last_error());
        cr_assert_eq(ws_spill_write(sp, a, sizes[r], sizeof *a, &r24b[r]), 0, "%s", ws_last_error());
        cr_assert_eq(ws_spill_write(sp, b, sizes[r], sizeof *b, &r12[r]), 0, "%s", ws_last_error());
        off += sizes[r];
    }
    /* the model: repeatedly take the smallest head, the earliest run on ties */
    size_t head[NR] = {0}, start[NR];
    for (size_t r = 0, o = 0; r < NR; o += sizes[r], r++) start[r] = o;
    for (size_t k = 0; k < TOTAL; k++) {
        size_t best = NR;
        for (size_t r = 0; r < NR; r++)
            if (head[r] < sizes[r] &&
                (best == NR || rec24_cmp(&in24[start[r] + head[r]], &in24[start[best] + head[best]]) < 0))
                best = r;
        want24[k] = in24[start[best] + head[best]++];
    }
    memset(head, 0, sizeof head);
    for (size_t k = 0; k < TOTAL; k++) {
        size_t best = NR;
        for (size_t r = 0; r < NR; r++)
            if (head[r] < sizes[r] &&
                (best == NR || rec12_cmp(&in12[start[r] + head[r]], &in12[start[best] + head[best]]) < 0))
                best = r;
        want12[k] = in12[start[best] + head[best]++];
    }
    collect c24 = {(uint8_t *)got24, 0, sizeof(rec24)}, c12 = {(uint8_t *)got12, 0, sizeof(rec12)};
    cr_assert_eq(ws_spill_merge(sp, r24, NR, sizeof(rec24), rec24_cmp, NULL, 8, 1 << 14, collect_emit, &c24), 0, "%s",
                 ws_last_error());
    cr_assert_eq(ws_spill_merge(sp, r12, NR, sizeof(rec12), rec12_cmp, NULL, 8, 1 << 14, collect_emit, &c12), 0, "%s",
                 ws_last_error());
    cr_assert_eq(c24.n, TOTAL);
    cr_assert_eq(c12.n, TOTAL);
    cr_assert_eq(memcmp(got24, want24, sizeof want24), 0, "24-byte records differ from the model merge");
    cr_assert_eq(memcmp(got12, want12, sizeof want12), 0, "12-byte records differ from the model merge");
    /* fan-in 2 over 6 runs: intermediate runs are written as frames too */
    c24.n = 0;
    cr_assert_eq(ws_spill_merge(sp, r24b, NR, sizeof(rec24), rec24_cmp, NULL, 2, 1 << 14, collect_emit, &c24), 0,
                 "%s", ws_last_error());
    cr_assert_eq(c24.n, TOTAL);
    cr_assert_gt(ws_spill_get_stats(sp).levels, 0);
    for (size_t k = 1; k < TOTAL; k++) cr_assert_leq(rec24_cmp(&got24[k - 1], &got24[k]), 0, "out of order at %zu", k);
    qsort(got24, TOTAL, sizeof *got24, rec24_cmp_all);
    qsort(want24, TOTAL, sizeof *want24, rec24_cmp_all);
    cr_assert_eq(memcmp(got24, want24, sizeof want24), 0, "24-byte records through two levels differ");
    ws_spill_close(sp);
}

/* Sorted {key, count} runs with dense keys are coded in far fewer bytes
 * than they hold; a damaged frame header is an error, never wrong data. */
Test(cooc, spill_frames_size_and_damage)
{
    enum { N = 20000 };
    static kv recs[N];
    for (size_t i = 0; i < N; i++) recs[i] = (kv){i * 3 + rnd(3), 1 + rnd(4)};
    ws_spill *sp;
    cr_assert_eq(ws_spill_open(dir, NULL, &sp), 0, "%s", ws_last_error());
    uint32_t run;
    cr_assert_eq(ws_spill_write(sp, recs, N, sizeof(kv), &run), 0, "%s", ws_last_error());
    ws_spill_stats ss = ws_spill_get_stats(sp);
    /* a key delta of 1..5 and a count of 1..4 take one varint byte each
     * (a frame's first key, coded whole, a few more): 2 of the 16 bytes */
    cr_assert_leq(ss.bytes, (uint64_t)N * 2 + (N / 1024 + 1) * 16, "%llu bytes for %d records",
                  (unsigned long long)ss.bytes, N);
    /* damage the first frame's record count (run file run-00000000) */
    char path[4300];
    snprintf(path, sizeof path, "%s/run-%08x", ws_spill_dir(sp), run);
    FILE *f = fopen(path, "r+b");
    cr_assert(f, "%s", path);
    uint8_t z[4] = {0, 0, 0, 0};
    cr_assert_eq(fwrite(z, 1, 4, f), 4);
    fclose(f);
    static kv got[N];
    sink s = {got, 0, 0};
    int rc = ws_spill_merge(sp, &run, 1, sizeof(kv), kv_cmp, kv_sum, 2, 1 << 16, kv_emit, &s);
    cr_assert_eq(rc, WS_EIO, "a damaged frame header gave %d", rc);
    cr_assert(strstr(ws_last_error(), "damaged"), "%s", ws_last_error());
    ws_spill_close(sp);
}
