/*
 * Tests for the n-gram kernel (kernels/ws_k_ngrams) against a model.
 *
 * A seeded generator writes stories over the words w000..w099 (skewed, so
 * some n-grams are frequent and many rare) with a title and body sentences
 * (a body sentence ends with '.' and the next starts with a capital, which
 * case folding removes). w000..w004 are stop words in some runs, and then
 * break n-grams. The model counts, in plain loops over the stories it
 * generated, every bigram and trigram inside the title and inside each
 * sentence, with df; the kernel's CSV must match byte for byte, for 1, 2
 * and 3 threads over a store of many small blocks, with --top and
 * --min-count, in both bigram tables (32-bit counts, and the wide table of
 * stores past 2^32 tokens). NPMI is checked against closed forms.
 */
#include <criterion/criterion.h>
#include <omp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ws_ingest.h"
#include "ws_k_ngrams.h"
#include "ws_scan.h"
#include "ws_test_scan.h"

#define NSTORY 500
#define NWORD 100
#define MAXTOK 300 /* rows past 128 tokens grow the kernel's row set */
#define SENT 7   /* a body sentence every SENT tokens */
#define NSTOP 5  /* w000..w004 are the stop words */

#include "ws_test_words.h"

static void setup(void)
{
    tw_build("ngrams", 11, 5, 400);
}

static void teardown(void)
{
    tw_remove();
}

TestSuite(ngrams, .init = setup, .fini = teardown, .timeout = 120);

/* ---- the model ---- */

#define NG (NWORD * NWORD * NWORD)
static uint32_t cnt[NG], df[NG], last[NG];

/* Count the n-grams of one sentence (or title) t[0..len) of story sid. */
static void model_span(const int *t, int len, int n, int stop, int sid)
{
    int run = 0;
    for (int i = 0; i < len; i++) {
        if (stop && t[i] < NSTOP) {
            run = 0;
            continue;
        }
        if (++run < n) continue;
        int g = n == 2 ? t[i - 1] * NWORD + t[i] : (t[i - 2] * NWORD + t[i - 1]) * NWORD + t[i];
        cnt[g]++;
        if (last[g] != (uint32_t)sid + 1) df[g]++;
        last[g] = (uint32_t)sid + 1;
    }
}

static void model_count(int n, int stop)
{
    memset(cnt, 0, sizeof cnt);
    memset(df, 0, sizeof df);
    memset(last, 0, sizeof last);
    for (int i = 0; i < NSTORY; i++) {
        const story *s = &S[i];
        model_span(s->tok, s->ntitle, n, stop, i);
        for (int k = s->ntitle; k < s->ntok; k += SENT)
            model_span(s->tok + k, s->ntok - k < SENT ? s->ntok - k : SENT, n, stop, i);
    }
}

typedef struct row {
    int g;
    uint32_t c;
} row;
static int row_cmp(const void *p, const void *q)
{
    const row *a = p, *b = q;
    if (a->c != b->c) return a->c > b->c ? -1 : 1;
    return a->g - b->g; /* fixed-width w000 names: numeric order is bytewise */
}

static char *model_csv(int n, uint32_t top, uint32_t min_count)
{
    static row rows[NG];
    size_t nr = 0;
    for (int g = 0; g < (n == 2 ? NWORD * NWORD : NG); g++)
        if (cnt[g] && cnt[g] >= min_count) rows[nr++] = (row){g, cnt[g]};
    qsort(rows, nr, sizeof *rows, row_cmp);
    if (top && top < nr) nr = top;
    ws_buf b = {0};
    ws_buf_append(&b, "ngram,count,df\n", 15);
    for (size_t i = 0; i < nr; i++) {
        char line[128];
        int g = rows[i].g, len;
        if (n == 2)
            len = snprintf(line, sizeof line, "w%03d w%03d,%u,%u\n", g / NWORD, g % NWORD, rows[i].c, df[g]);
        else
            len = snprintf(line, sizeof line, "w%03d w%03d w%03d,%u,%u\n", g / (NWORD * NWORD), g / NWORD % NWORD,
                           g % NWORD, rows[i].c, df[g]);
        ws_buf_append(&b, line, (size_t)len);
    }
    ws_buf_append(&b, "", 1);
    return (char *)b.p;
}

static char *run_kernel(const ws_ngrams_params *pr, int stop, uint32_t top, int threads)
{
    static const ws_str stopwords[NSTOP] = {WS_STR_LIT("w000"), WS_STR_LIT("w001"), WS_STR_LIT("w002"),
                                            WS_STR_LIT("w003"), WS_STR_LIT("w004")};
    ws_norm norm;
    ws_norm_opts no = {0};
    if (stop) {
        no.stopwords = stopwords;
        no.nstopwords = NSTOP;
    }
    cr_assert_eq(ws_norm_build(&norm, &st->dict, &no), 0, "%s", ws_last_error());
    ws_query q = {0};
    q.norm = &norm;
    q.top = top;
    q.ext = pr;
    ws_scan_opts so = {0};
    so.threads = threads;
    ws_filter_init(&so.filter);
    ws_buf out = {0};
    int rc = ws_test_scan_csv(st, &ws_kernel_ngrams, &q, &so, &out, NULL);
    cr_assert_eq(rc, 0, "scan: %s", ws_last_error());
    ws_buf_append(&out, "", 1);
    ws_norm_free(&norm);
    return (char *)out.p;
}

static void check(int n, int stop, uint32_t top, uint32_t min_count)
{
    model_count(n, stop);
    char *want = model_csv(n, top, min_count);
    cr_assert_gt(strlen(want), top && top < 50 ? 100 : 1000, "the model found too few n-grams to be a test");
    for (int wide = 0; wide <= 1; wide++) {
        ws_ngrams_params pr = {(uint32_t)n, 0, min_count, NULL, wide, NULL};
        for (int t = 1; t <= 3; t++) {
            char *got = run_kernel(&pr, stop, top, t);
            cr_assert_str_eq(got, want, "n=%d stop=%d top=%u min_count=%u threads=%d wide=%d", n, stop, top, min_count,
                             t, wide);
            free(got);
        }
    }
    free(want);
}

Test(ngrams, bigrams_all) { check(2, 0, 0, 1); }

/* ---- the partitioned table on the plan's threads ----
 * Without a plan the kernel merges and ranks its partitions one after the
 * other; with one they run on the plan's threads (OpenMP, as the engine's)
 * or in reverse order. The rows must be the model's (the unpartitioned
 * count) either way, whole, cut at --top, and as phrases. */

#include "ws_test_plan.h"

Test(ngrams, partitions_on_threads)
{
    for (int rev = 0; rev <= 1; rev++) {
        tplan tp = {rev, 3};
        ws_plan plan;
        memset(&plan, 0, sizeof plan);
        plan.threads = 3;
        plan.ctx = &tp;
        plan.parallel_for = test_pfor;
        static const struct { int n, stop; uint32_t top, min_count; } cases[] = {{2, 0, 0, 1}, {3, 1, 20, 2}, {2, 0, 7, 3}};
        for (int c = 0; c < 3; c++) {
            model_count(cases[c].n, cases[c].stop);
            char *want = model_csv(cases[c].n, cases[c].top, cases[c].min_count);
            ws_ngrams_params pr = {(uint32_t)cases[c].n, 0, cases[c].min_count, &plan, 0, NULL};
            char *got = run_kernel(&pr, cases[c].stop, cases[c].top, 3);
            cr_assert_str_eq(got, want, "n=%d top=%u threads=3 reverse=%d", cases[c].n, cases[c].top, rev);
            free(got);
            free(want);
        }
        /* phrases: the same rows as without a plan, and as the wide table */
        ws_ngrams_params serial = {2, 1, 3, NULL, 1, NULL}, par = {2, 1, 3, &plan, 0, NULL};
        char *a = run_kernel(&serial, 0, 0, 1), *b = run_kernel(&par, 0, 0, 3);
        cr_assert_gt(strlen(a), 1000);
        cr_assert_str_eq(b, a, "phrases on the plan's threads, reverse=%d", rev);
        free(a);
        free(b);
    }
}
Test(ngrams, bigrams_stopwords_break) { check(2, 1, 0, 1); }
Test(ngrams, trigrams_all) { check(3, 0, 0, 1); }
Test(ngrams, trigrams_stopwords_top_min_count) { check(3, 1, 20, 2); }
Test(ngrams, bigrams_top) { check(2, 0, 7, 3); }

/* ---- NPMI ---- */

Test(ngrams, npmi_closed_forms)
{
    /* independence: p(xy) = p(x) p(y) gives 0 */
    cr_assert_float_eq(ws_ngrams_npmi(1, 10, 10, 100), 0.0, 1e-12);
    /* x always followed by y and y always after x: 1, not a hair above */
    cr_assert_float_eq(ws_ngrams_npmi(10, 10, 10, 1000), 1.0, 1e-12);
    for (uint64_t c = 1; c < 2000; c += 7) cr_assert_leq(ws_ngrams_npmi(c, c, c, 2000 + c % 13), 1.0, "c=%lu", (unsigned long)c);
    /* one bigram type fills every position: 1 by definition */
    cr_assert_float_eq(ws_ngrams_npmi(5, 5, 5, 5), 1.0, 0.0);
    /* rarer together than apart: negative; the formula by hand */
    double pxy = 2.0 / 1000, px = 100.0 / 1000, py = 50.0 / 1000;
    double want = log2(pxy / (px * py)) / -log2(pxy);
    cr_assert_lt(want, 0);
    cr_assert_float_eq(ws_ngrams_npmi(2, 100, 50, 1000), want, 1e-15);
    /* the least: x and y each in half the positions, together once in a
     * million: close to -1, never below */
    double lo = ws_ngrams_npmi(1, 500000, 500000, 1000000);
    cr_assert(lo >= -1.0 && lo < -0.8, "%g", lo);
}

Test(ngrams, npmi_bounded)
{
    /* Every count table a corpus can give (cxy <= cx, cy <= n) scores in
     * [-1, 1]: a sweep over small tables, exhaustively. */
    for (uint64_t n = 1; n <= 40; n++)
        for (uint64_t cx = 1; cx <= n; cx++)
            for (uint64_t cy = 1; cy <= n; cy++)
                for (uint64_t c = 1; c <= (cx < cy ? cx : cy); c++) {
                    double v = ws_ngrams_npmi(c, cx, cy, n);
                    cr_assert(v >= -1.0 && v <= 1.0, "npmi(%lu, %lu, %lu, %lu) = %.17g", (unsigned long)c,
                              (unsigned long)cx, (unsigned long)cy, (unsigned long)n, v);
                }
}

Test(ngrams, phrases_match_counts)
{
    /* The phrases table has the bigram table's rows (count >= min_count)
     * and each npmi is the closed form of its counts. */
    ws_ngrams_params pr = {2, 1, 3, NULL, 0, NULL};
    char *got = run_kernel(&pr, 0, 0, 2);
    model_count(2, 0);
    /* marginals over the model's bigram positions */
    uint64_t left[NWORD] = {0}, right[NWORD] = {0}, npos = 0;
    size_t want_rows = 0;
    for (int g = 0; g < NWORD * NWORD; g++) {
        npos += cnt[g];
        left[g / NWORD] += cnt[g];
        right[g % NWORD] += cnt[g];
        want_rows += cnt[g] >= 3;
    }
    char *line = strchr(got, '\n') + 1;
    size_t rows = 0;
    double prev = INFINITY;
    while (*line) {
        int x, y;
        unsigned c, d;
        double v;
        cr_assert_eq(sscanf(line, "w%d w%d,%u,%u,%lf", &x, &y, &c, &d, &v), 5, "%.40s", line);
        int g = x * NWORD + y;
        cr_assert_eq(c, cnt[g]);
        cr_assert_eq(d, df[g]);
        double pxy = (double)c / (double)npos,
               want = log2(pxy / ((double)left[x] / (double)npos * ((double)right[y] / (double)npos))) / -log2(pxy);
        cr_assert_float_eq(v, want, 1e-9 * fabs(want) + 1e-12, "%.40s", line);
        cr_assert(v >= -1.0 && v <= 1.0, "%.40s", line);
        cr_assert_leq(v, prev);
        prev = v;
        rows++;
        line = strchr(line, '\n') + 1;
    }
    cr_assert_eq(rows, want_rows);
    free(got);
}
