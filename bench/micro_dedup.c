/*
 * Dedup microbenchmarks (issue 16), single-threaded:
 *
 *   sign   ws_mh_sign on generated Reuters-sized stories (--words, default
 *          130 terms: Reuters-21578's mean body is about 135 tokens), the
 *          default parameters (128 permutations, 5-word shingles): stories
 *          per second on one core. The term hashes are precomputed (as a
 *          scan has them from the dictionary), so this is the cost of
 *          signing itself.
 *   join   ws_mh_cluster over N generated stories (--sizes, default 100000
 *          and 1000000), a tenth of them re-issues of an earlier story with
 *          5% of the words replaced, dated within a week over a year: the
 *          CPU time of the LSH join (exact pass, bands, verification,
 *          union-find), and its growth from the first size to the last.
 *
 * Usage: micro_dedup [--words N] [--sign N] [--sizes A,B,...] [--threshold J]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ws_minhash.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A story of n terms from a vocabulary of 50,000 (term hashes). */
static void story(uint64_t *t, size_t n, const uint64_t *vocab)
{
    for (size_t i = 0; i < n; i++) t[i] = vocab[rnd() % 50000];
}

int main(int argc, char **argv)
{
    size_t words = 130, nsign = 200000, sizes[8] = {100000, 1000000}, nsizes = 2;
    double threshold = 0.5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--words")) words = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--sign")) nsign = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--threshold")) threshold = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--sizes")) {
            nsizes = 0;
            for (char *p = argv[i + 1]; *p && nsizes < 8; p += *p == ',') sizes[nsizes++] = strtoul(p, &p, 10);
        } else {
            fprintf(stderr, "usage: micro_dedup [--words N] [--sign N] [--sizes A,B] [--threshold J]\n");
            return 2;
        }
    }
    ws_mh_params p = {WS_MH_DEFAULT_PERM, WS_MH_DEFAULT_SHINGLE, WS_MH_DEFAULT_SEED, 0};
    ws_mh_hasher h;
    if (ws_mh_hasher_init(&h, &p)) return 1;
    uint64_t *vocab = malloc(50000 * 8), *t = malloc((words + 1) * 8), *scratch = malloc((words + 1) * 8);
    uint32_t *mins = malloc(p.perm * 4);
    size_t rb = ws_mh_row_bytes(p.perm);
    for (int i = 0; i < 50000; i++) vocab[i] = rnd() | 1;

    /* sign */
    uint8_t row[4096];
    story(t, words, vocab);
    double t0 = now_s();
    uint64_t sink = 0;
    for (size_t k = 0; k < nsign; k++) {
        t[k % words] = vocab[k % 50000]; /* a different story each time, at no cost */
        ws_mh_sign(&h, t, words, scratch, mins, row);
        sink += row[20];
    }
    double dt = now_s() - t0;
    printf("| sign | %zu stories of %zu terms | %.3f s | %.0f stories/s/core | (%llu)\n", nsign, words, dt, nsign / dt,
           (unsigned long long)(sink & 1));

    /* join */
    double first = 0;
    for (size_t si = 0; si < nsizes; si++) {
        size_t n = sizes[si];
        uint8_t *rows = malloc(n * rb);
        ws_mh_item *items = malloc(n * sizeof *items);
        uint32_t *root = malloc(n * sizeof *root);
        uint64_t *keep = malloc(16 * words * 8); /* the last 16 stories */
        if (!rows || !items || !root || !keep) return 1;
        for (size_t i = 0; i < n; i++) {
            uint64_t *s = keep + (i % 16) * words;
            if (i >= 10 && rnd() % 10 == 0) { /* a re-issue of a recent story */
                size_t o = i - 1 - rnd() % 10;
                memcpy(s, keep + (o % 16) * words, words * 8);
                for (size_t w = 0; w < words / 20; w++) s[rnd() % words] = vocab[rnd() % 50000];
            } else {
                story(s, words, vocab);
            }
            ws_mh_sign(&h, s, words, scratch, mins, rows + i * rb);
            /* chronological: a year of stories, evenly */
            items[i] = (ws_mh_item){(int64_t)(i * (365.0 * 86400 / n)), rows + i * rb};
        }
        ws_mh_stats st;
        t0 = now_s();
        if (ws_mh_cluster(items, n, p.perm, threshold, 7 * 86400, root, &st)) return 1;
        dt = now_s() - t0;
        if (!si) first = dt;
        size_t copies = 0;
        for (size_t i = 0; i < n; i++) copies += root[i] != i;
        printf("| join | %zu stories | %.3f s | %.2fx the first size | %zu copies found, %llu candidates verified |\n", n,
               dt, dt / first, copies, (unsigned long long)st.candidates);
        free(rows);
        free(items);
        free(root);
        free(keep);
    }
    ws_mh_hasher_free(&h);
    free(vocab);
    free(t);
    free(scratch);
    free(mins);
    return 0;
}
