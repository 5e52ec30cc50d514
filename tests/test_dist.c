/*
 * Runs across processes (ws_request_set_dist, docs/scale-out.md) without
 * MPI: R "ranks" are R threads of this process, each with its own corpus
 * and request, joined by an in-memory gather and broadcast (and, for
 * ngrams, whose table is repartitioned, an all-to-all, an all-reduce and a
 * broadcast of bytes). For R = 2 and
 * 3 rank 0's table must be byte for byte the table of one process over the
 * same shard set (tf plain and by month, keyness, ngrams: bigrams, trigrams,
 * phrases; trends), the
 * other ranks' tables empty; a kernel needing collectives the ws_dist lacks
 * (kwic: the ordered gather's send and recv; ngrams: the all-to-all) is
 * refused on every rank; a bad ws_dist is refused. Also: a shard set made
 * with the ingester's "shard" setting holds every story once.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wirescan.h"

#define NSHARDS 4
#define MAXR 4

static char dir[256];

static void rm_rf(const char *p)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    if (system(cmd)) {}
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/ws-test-dist.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char in[400], set[400], store[500];
    snprintf(in, sizeof in, "%s/in.jsonl", dir);
    FILE *f = fopen(in, "w");
    cr_assert_not_null(f);
    static const char *const words[] = {"grain", "wheat", "oil", "crude", "price", "market", "bank", "rate",
                                        "the",   "of",    "and", "said",  "trade", "export", "corn", "ship"};
    uint64_t x = 12345;
    for (int i = 0; i < 300; i++) {
        fprintf(f, "{\"id\":\"s%04d\",\"date\":\"20%02d-%02d-%02d\",\"source\":\"%s\",\"title\":\"t\",\"body\":\"", i,
                10 + i % 5, 1 + i % 12, 1 + i % 28, i % 3 ? "A" : "B");
        for (int w = 0; w < 40; w++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            fprintf(f, "%s%s", w ? " " : "", words[(x >> 33) % (i % 7 ? 16 : 8)]);
        }
        fprintf(f, "\"}\n");
    }
    fclose(f);
    snprintf(set, sizeof set, "%s/set", dir);
    cr_assert_eq(mkdir(set, 0777), 0);
    for (int s = 0; s < NSHARDS; s++) {
        char spec[16];
        snprintf(store, sizeof store, "%s/shard-%03d", set, s);
        snprintf(spec, sizeof spec, "%d/%d", s, NSHARDS);
        ws_ingester *g;
        cr_assert_eq(ws_ingester_create(&g, store), 0);
        cr_assert_eq(ws_ingester_set(g, "shard", spec), 0);
        cr_assert_eq(ws_ingester_set(g, "block-tokens", "1024"), 0);
        cr_assert_eq(ws_ingester_add_file(g, in), 0);
        ws_ingest_summary sum;
        cr_assert_eq(ws_ingester_run(g, &sum), 0, "%s", ws_last_error());
        cr_assert(sum.stories > 30 && sum.stories < 120, "shard %d holds %llu of 300 stories", s,
                  (unsigned long long)sum.stories);
        ws_ingester_free(g);
    }
    snprintf(store, sizeof store, "%s/SHARDS", set);
    f = fopen(store, "w");
    cr_assert_not_null(f);
    fprintf(f, "wirescan-shards %d\n", NSHARDS);
    fclose(f);
}

static void teardown(void) { rm_rf(dir); }

TestSuite(dist, .init = setup, .fini = teardown);

/* ---- an in-memory "MPI": R threads, a barrier ---- */

typedef struct fake {
    int size;
    pthread_barrier_t bar;
    const void *data[MAXR];
    size_t len[MAXR];
    int bval;
    /* the all-to-all (hash-partitioned kernels: ngrams) */
    const void *const *adata[MAXR];
    const size_t *alen[MAXR];
    int ival[MAXR];
    int fail_rank, fail_at; /* that rank's fail_at-th all-to-all fails (0: none) */
    int calls[MAXR];
} fake;

typedef struct rank_job {
    fake *f;
    int rank;
    const char *kernel;
    const char *const *params; /* name, value pairs; NULL-terminated */
    int rc;
    char err[512];
    char *csv;
    size_t csvlen, rows;
    int exchange; /* give the ranks the exchange's collectives too */
} rank_job;

static int f_gather(void *ctx, const void *data, size_t len, int (*each)(void *, int, const void *, size_t), void *arg)
{
    rank_job *j = ctx;
    fake *f = j->f;
    f->data[j->rank] = data;
    f->len[j->rank] = len;
    pthread_barrier_wait(&f->bar);
    int rc = 0;
    for (int r = 0; j->rank == 0 && r < f->size && !rc; r++) rc = each(arg, r, f->data[r], f->len[r]);
    pthread_barrier_wait(&f->bar); /* the senders' buffers live until rank 0 is done */
    return rc;
}

static int f_bcast(void *ctx, int *v)
{
    rank_job *j = ctx;
    if (j->rank == 0) j->f->bval = *v;
    pthread_barrier_wait(&j->f->bar);
    if (j->rank != 0) *v = j->f->bval;
    pthread_barrier_wait(&j->f->bar);
    return 0;
}

/* The collectives of the exchange hook (ngrams repartitions its table):
 * bcast of bytes, an all-reduce max, an all-to-all. */
static int f_bcast_bytes(void *ctx, const void *data, size_t len, int (*each)(void *, const void *, size_t), void *arg)
{
    rank_job *j = ctx;
    fake *f = j->f;
    if (j->rank == 0) f->data[0] = data, f->len[0] = len;
    pthread_barrier_wait(&f->bar);
    int rc = j->rank == 0 ? 0 : each(arg, f->data[0], f->len[0]);
    pthread_barrier_wait(&f->bar);
    return rc;
}

static int f_max_int(void *ctx, int *v)
{
    rank_job *j = ctx;
    fake *f = j->f;
    f->ival[j->rank] = *v;
    pthread_barrier_wait(&f->bar);
    for (int r = 0; r < f->size; r++)
        if (f->ival[r] > *v) *v = f->ival[r];
    pthread_barrier_wait(&f->bar);
    return 0;
}

static int f_alltoall(void *ctx, const void *const *data, const size_t *len,
                      int (*each)(void *, int, const void *, size_t), void *arg)
{
    rank_job *j = ctx;
    fake *f = j->f;
    f->adata[j->rank] = data, f->alen[j->rank] = len;
    int inject = f->fail_at && j->rank == f->fail_rank && ++f->calls[j->rank] == f->fail_at;
    pthread_barrier_wait(&f->bar);
    int rc = inject ? ws_set_error(WS_EIO, "injected: rank %d's transport failed", j->rank) : 0;
    for (int r = 0; r < f->size && !rc; r++) rc = each(arg, r, f->adata[r][j->rank], f->alen[r][j->rank]);
    pthread_barrier_wait(&f->bar);
    return rc;
}

/* One rank (or, with f NULL, one process): open the set, run, keep the CSV. */
static void *run_rank(void *arg)
{
    rank_job *j = arg;
    char set[400];
    snprintf(set, sizeof set, "%s/set", dir);
    const char *paths[] = {set};
    ws_corpus *c = NULL;
    ws_request *q = NULL;
    ws_result *res = NULL;
    j->rc = ws_corpus_open(&c, paths, 1);
    if (!j->rc) j->rc = ws_request_create(&q, c, j->kernel);
    for (size_t i = 0; !j->rc && j->params[i]; i += 2) j->rc = ws_request_set(q, j->params[i], j->params[i + 1]);
    if (!j->rc && j->f) {
        ws_dist d = {j->rank, j->f->size, f_gather, f_bcast, j, NULL, NULL, NULL, NULL, NULL, 0};
        if (j->exchange) d.bcast = f_bcast_bytes, d.max_int = f_max_int, d.alltoall = f_alltoall, d.round_bytes = 512;
        j->rc = ws_request_set_dist(q, &d);
    }
    if (!j->rc) j->rc = ws_request_run(q, &res);
    if (j->rc) snprintf(j->err, sizeof j->err, "%s", ws_last_error());
    if (res) {
        j->rows = ws_result_nrows(res);
        FILE *m = open_memstream(&j->csv, &j->csvlen);
        if (m) {
            ws_result_write(res, WS_FORMAT_CSV, 1, m);
            fclose(m);
        }
    }
    ws_result_free(res);
    ws_request_free(q);
    ws_corpus_close(c);
    return NULL;
}

static void compare_x(const char *kernel, const char *const *params, int exchange)
{
    rank_job one = {NULL, 0, kernel, params, 0, "", NULL, 0, 0, 0};
    run_rank(&one);
    cr_assert_eq(one.rc, 0, "%s in one process: %s", kernel, one.err);
    cr_assert(one.rows >= 3, "%s printed %zu rows", kernel, one.rows);
    for (int size = 2; size <= 3; size++) {
        fake f = {.size = size};
        pthread_barrier_init(&f.bar, NULL, (unsigned)size);
        rank_job jobs[MAXR];
        pthread_t th[MAXR];
        for (int r = 0; r < size; r++) {
            jobs[r] = (rank_job){&f, r, kernel, params, 0, "", NULL, 0, 0, exchange};
            cr_assert_eq(pthread_create(&th[r], NULL, run_rank, &jobs[r]), 0);
        }
        for (int r = 0; r < size; r++) pthread_join(th[r], NULL);
        pthread_barrier_destroy(&f.bar);
        for (int r = 0; r < size; r++) cr_assert_eq(jobs[r].rc, 0, "%s rank %d of %d: %s", kernel, r, size, jobs[r].err);
        cr_expect_eq(jobs[0].csvlen, one.csvlen, "%s, %d ranks: %zu bytes vs %zu", kernel, size, jobs[0].csvlen, one.csvlen);
        cr_expect(jobs[0].csvlen == one.csvlen && !memcmp(jobs[0].csv, one.csv, one.csvlen),
                  "%s, %d ranks: rank 0's table differs from one process's", kernel, size);
        for (int r = 1; r < size; r++) cr_expect_eq(jobs[r].rows, 0, "%s: rank %d made rows", kernel, r);
        for (int r = 0; r < size; r++) free(jobs[r].csv);
    }
    free(one.csv);
}

static void compare(const char *kernel, const char *const *params) { compare_x(kernel, params, 0); }

Test(dist, tf) { compare("tf", (const char *const[]){"top", "30", "threads", "2", NULL}); }
Test(dist, tf_by_month) { compare("tf", (const char *const[]){"by", "month", "top", "3", "tfidf", "1", NULL}); }
Test(dist, keyness) { compare("keyness", (const char *const[]){"target-source", "B", "top", "10", NULL}); }
/* ngrams repartitions its table (an all-to-all in rounds of 512 bytes
 * here: many) and needs the exchange's collectives */
Test(dist, ngrams) { compare_x("ngrams", (const char *const[]){"n", "2", "top", "20", NULL}, 1); }
Test(dist, ngrams_phrases) { compare_x("ngrams", (const char *const[]){"phrases", "1", "min-count", "2", "top", "0", NULL}, 1); }
Test(dist, ngrams_trigrams) { compare_x("ngrams", (const char *const[]){"n", "3", "top", "7", "threads", "2", NULL}, 1); }
/* A transport failure on rank 1 in the exchange of the n-grams: every rank
 * fails (none waits for another), rank 1 with its own message, the others
 * naming rank 1; no rank makes rows. */
Test(dist, ngrams_exchange_fails)
{
    const char *const params[] = {"n", "2", "top", "20", NULL};
    fake f = {.size = 3, .fail_rank = 1, .fail_at = 1};
    pthread_barrier_init(&f.bar, NULL, 3);
    rank_job jobs[3];
    pthread_t th[3];
    for (int r = 0; r < 3; r++) {
        jobs[r] = (rank_job){&f, r, "ngrams", params, 0, "", NULL, 0, 0, 1};
        cr_assert_eq(pthread_create(&th[r], NULL, run_rank, &jobs[r]), 0);
    }
    for (int r = 0; r < 3; r++) pthread_join(th[r], NULL);
    pthread_barrier_destroy(&f.bar);
    cr_assert(f.calls[1] >= 1, "rank 1 made no all-to-all call (the failure was not injected)");
    for (int r = 0; r < 3; r++) {
        cr_expect_neq(jobs[r].rc, 0, "rank %d succeeded", r);
        cr_expect_eq(jobs[r].rows, 0, "rank %d made %zu rows", r, jobs[r].rows);
        free(jobs[r].csv);
    }
    cr_expect(strstr(jobs[1].err, "injected: rank 1's transport failed") != NULL, "rank 1: %s", jobs[1].err);
    cr_expect(strstr(jobs[0].err, "failed on rank 1") != NULL, "rank 0: %s", jobs[0].err);
    cr_expect(strstr(jobs[2].err, "failed on rank 1") != NULL, "rank 2: %s", jobs[2].err);
}

Test(dist, trends) { compare("trends", (const char *const[]){"terms", "grain,oil", "bucket", "month", NULL}); }

Test(dist, refused_and_bad)
{
    fake f = {.size = 2};
    pthread_barrier_init(&f.bar, NULL, 2);
    rank_job jobs[2];
    pthread_t th[2];
    const char *const params[] = {"term", "oil", NULL};
    for (int r = 0; r < 2; r++) {
        jobs[r] = (rank_job){&f, r, "kwic", params, 0, "", NULL, 0, 0, 0};
        cr_assert_eq(pthread_create(&th[r], NULL, run_rank, &jobs[r]), 0);
    }
    for (int r = 0; r < 2; r++) pthread_join(th[r], NULL);
    pthread_barrier_destroy(&f.bar);
    for (int r = 0; r < 2; r++) {
        cr_expect_eq(jobs[r].rc, WS_EINVAL, "kwic across 2 ranks, rank %d: %d", r, jobs[r].rc);
        cr_expect(strstr(jobs[r].err, "does not run across MPI ranks") != NULL, "%s", jobs[r].err);
        free(jobs[r].csv);
    }
    /* ngrams without the all-to-all */
    const char *const nparams[] = {"top", "5", NULL};
    pthread_barrier_init(&f.bar, NULL, 2);
    for (int r = 0; r < 2; r++) {
        jobs[r] = (rank_job){&f, r, "ngrams", nparams, 0, "", NULL, 0, 0, 0};
        cr_assert_eq(pthread_create(&th[r], NULL, run_rank, &jobs[r]), 0);
    }
    for (int r = 0; r < 2; r++) pthread_join(th[r], NULL);
    pthread_barrier_destroy(&f.bar);
    for (int r = 0; r < 2; r++) {
        cr_expect_eq(jobs[r].rc, WS_EINVAL, "ngrams without alltoall, rank %d: %d", r, jobs[r].rc);
        cr_expect(strstr(jobs[r].err, "does not run across MPI ranks") != NULL, "%s", jobs[r].err);
        free(jobs[r].csv);
    }
    /* a bad ws_dist */
    char set[400];
    snprintf(set, sizeof set, "%s/set", dir);
    const char *paths[] = {set};
    ws_corpus *c;
    ws_request *q;
    cr_assert_eq(ws_corpus_open(&c, paths, 1), 0);
    cr_assert_eq(ws_request_create(&q, c, "tf"), 0);
    ws_dist bad = {2, 2, f_gather, f_bcast, NULL, NULL, NULL, NULL, NULL, NULL, 0};
    cr_expect_eq(ws_request_set_dist(q, &bad), WS_EINVAL);
    ws_dist nocoll = {0, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0};
    cr_expect_eq(ws_request_set_dist(q, &nocoll), WS_EINVAL);
    cr_expect_eq(ws_request_set_dist(q, NULL), 0);
    ws_request_free(q);
    ws_corpus_close(c);
}
