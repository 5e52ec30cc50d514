/*
 * Tests for jobs (ws_job, include/wirescan.h): several requests over one
 * scan give, request by request, the very bytes each gives alone
 * (ws_request_stream), for 1, 2 and 3 threads, whatever other requests
 * share the scan and with different filters, normalisations, groupings
 * and subsets among them; requests that cannot share (topics) or that
 * read another corpus run alone after the shared scan; a request that
 * fails at run time (its sink refuses a batch) fails alone and the others
 * deliver; preparation refuses a bad request before any scan (its index
 * reported, nothing delivered); bad use of the API gives clean errors.
 *
 * The corpus is generated here: stories of a small vocabulary (some
 * capitalised, some stop words, inflected forms for stemming) over 24
 * months from three sources with a tag, in many small blocks.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wirescan.h"

static char dir[256], store[300], store2[300];
static ws_corpus *corpus, *corpus2;

static const char *words[] = {"oil", "Oil", "price", "prices", "opec", "the", "of", "crude", "barrel", "barrels",
                              "wheat", "grain", "Grain", "market", "markets", "rose", "fell", "and", "2019", "42"};
#define NW (sizeof words / sizeof words[0])

static void build(const char *path, int n, unsigned seed)
{
    ws_ingester *g;
    cr_assert_eq(ws_ingester_create(&g, path), 0);
    cr_assert_eq(ws_ingester_set(g, "block-tokens", "300"), 0);
    char body[2048], title[128], id[16], date[16], tag[32];
    unsigned x = seed;
    for (int i = 0; i < n; i++) {
        size_t m = 0;
        int len = 8 + (int)(x % 30);
        for (int k = 0; k < len; k++) {
            x = x * 1103515245u + 12345u;
            m += (size_t)snprintf(body + m, sizeof body - m, "%s%s", words[(x >> 8) % NW], k % 9 == 8 ? ". " : " ");
        }
        x = x * 1103515245u + 12345u;
        snprintf(title, sizeof title, "%s %s", words[(x >> 8) % NW], words[(x >> 16) % NW]);
        snprintf(id, sizeof id, "s%d", i);
        snprintf(date, sizeof date, "%d-%02d-%02d", 2018 + (i % 24) / 12, 1 + i % 12, 1 + i % 28);
        snprintf(tag, sizeof tag, "topic=%s", i % 3 ? "energy" : "farm");
        const char *tags[] = {tag};
        const char *src = i % 3 == 0 ? "alpha" : i % 3 == 1 ? "beta" : "gamma";
        ws_story st = {id, i % 50 == 49 ? NULL : date, src, title, body, tags, 1};
        cr_assert_eq(ws_ingester_add_record(g, &st), 0, "%s", ws_last_error());
    }
    ws_ingest_summary sum;
    cr_assert_eq(ws_ingester_run(g, &sum), 0, "%s", ws_last_error());
    ws_ingester_free(g);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/ws-test-job.%d", (int)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(store, sizeof store, "%s/a", dir);
    snprintf(store2, sizeof store2, "%s/b", dir);
    build(store, 600, 7);
    build(store2, 200, 99);
    const char *p1[] = {store}, *p2[] = {store2};
    cr_assert_eq(ws_corpus_open(&corpus, p1, 1), 0, "%s", ws_last_error());
    cr_assert_eq(ws_corpus_open(&corpus2, p2, 1), 0, "%s", ws_last_error());
}

static void teardown(void)
{
    ws_corpus_close(corpus);
    ws_corpus_close(corpus2);
    corpus = corpus2 = NULL;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)system(cmd);
}

TestSuite(job, .init = setup, .fini = teardown);

/* A result rendered as CSV into memory. */
typedef struct sink {
    char *buf;
    size_t len;
    FILE *f;
    int header_done, batches;
    int fail_at; /* refuse batch number fail_at (from 1); 0: never */
} sink;

static int to_sink(void *ctx, const ws_result *b)
{
    sink *s = ctx;
    if (++s->batches == s->fail_at) return WS_EIO;
    if (!s->f) s->f = open_memstream(&s->buf, &s->len);
    int rc = ws_result_write(b, WS_FORMAT_CSV, !s->header_done, s->f);
    s->header_done = 1;
    return rc;
}

static char *sink_text(sink *s)
{
    if (s->f) fclose(s->f);
    s->f = NULL;
    char *t = s->buf ? s->buf : strdup("");
    s->buf = NULL;
    return t;
}

/* The requests of the tests: kernel, then name=value settings. */
typedef struct spec {
    const char *kernel;
    const char *set[8];
} spec;

static const spec specs[] = {
    {"tf", {"by=month", "top=5"}},
    {"tf", {"stopwords=en", "stem=en", "top=0"}},
    {"tf", {"case=1", "field=title", "source=beta", "top=0"}},
    {"keyness", {"target-from=2019-01-01", "top=10", "both=1"}},
    {"cooc", {"term=oil", "doc=1", "measure=npmi", "top=10"}},
    {"cooc", {"window=3", "top=20", "where=topic=farm"}},
    {"ngrams", {"n=2", "top=15", "stopwords=en"}},
    {"trends", {"terms=oil,grain", "bucket=quarter"}},
    {"trends", {"emerging=1", "bucket=month", "top=3"}},
    {"tf", {"containing=opec", "by=source", "top=3", "min-length=4"}},
    {"tf", {"from=2030-01-01"}}, /* matches nothing */
};
#define NSPEC (sizeof specs / sizeof specs[0])

static ws_request *make(ws_corpus *c, const spec *s, int threads)
{
    ws_request *q;
    cr_assert_eq(ws_request_create(&q, c, s->kernel), 0, "%s", ws_last_error());
    for (size_t i = 0; i < 8 && s->set[i]; i++) {
        char name[64];
        const char *eq = strchr(s->set[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - s->set[i]), s->set[i]);
        cr_assert_eq(ws_request_set(q, name, eq + 1), 0, "%s: %s", s->set[i], ws_last_error());
    }
    cr_assert_eq(ws_request_set_int(q, "threads", threads), 0);
    return q;
}

static char *alone(ws_corpus *c, const spec *s, int threads)
{
    ws_request *q = make(c, s, threads);
    sink k = {0};
    cr_assert_eq(ws_request_stream(q, to_sink, &k), 0, "%s: %s", s->kernel, ws_last_error());
    ws_request_free(q);
    return sink_text(&k);
}

Test(job, shared_scan_gives_what_each_request_gives_alone)
{
    char *want[NSPEC];
    for (size_t i = 0; i < NSPEC; i++) want[i] = alone(corpus, &specs[i], 2);
    for (int threads = 1; threads <= 3; threads++) {
        ws_job *j;
        cr_assert_eq(ws_job_create(&j), 0);
        ws_request *q[NSPEC];
        sink k[NSPEC];
        memset(k, 0, sizeof k);
        for (size_t i = 0; i < NSPEC; i++) {
            q[i] = make(corpus, &specs[i], threads);
            cr_assert_eq(ws_job_add(j, q[i], to_sink, &k[i]), 0, "%s", ws_last_error());
        }
        size_t failed = 7;
        cr_assert_eq(ws_job_run(j, &failed), 0, "%s", ws_last_error());
        cr_expect_eq(failed, SIZE_MAX);
        uint32_t step, steps;
        cr_assert_eq(ws_job_step(j, &step, &steps), 0);
        cr_expect_eq(steps, 1, "every request shares the one scan");
        cr_expect_eq(step, 1);
        for (size_t i = 0; i < NSPEC; i++) {
            int shared = 0;
            const char *detail;
            cr_expect_eq(ws_job_status(j, i, &detail, &shared), 0);
            cr_expect_eq(shared, 1);
            char *got = sink_text(&k[i]);
            cr_expect_str_eq(got, want[i], "request %zu (%s), %d threads", i, specs[i].kernel, threads);
            cr_expect_gt(strlen(got), 0);
            free(got);
            ws_request_free(q[i]);
        }
        cr_expect_eq(ws_job_status(j, NSPEC, NULL, NULL), WS_ENOENT);
        ws_job_free(j);
    }
    for (size_t i = 0; i < NSPEC; i++) free(want[i]);
}

/* topics (several passes) and a request over another corpus run alone,
 * after the shared scan, with the same bytes as alone. */
static int prog_calls;
static uint32_t prog_max_step;
static void on_prog(void *ctx, const ws_progress *p)
{
    (void)p;
    uint32_t step, steps;
    ws_job_step(ctx, &step, &steps);
    prog_calls++;
    if (step > prog_max_step) prog_max_step = step;
    cr_expect_leq(step, steps);
}

Test(job, lone_requests_run_after)
{
    const spec topics = {"topics", {"k=3", "iterations=20", "seed=5", "max-df=1"}};
    const spec other = {"tf", {"top=10"}};
    char *w0 = alone(corpus, &specs[0], 2), *w1 = alone(corpus, &topics, 2), *w2 = alone(corpus2, &other, 2),
         *w3 = alone(corpus, &specs[4], 2);
    ws_job *j;
    cr_assert_eq(ws_job_create(&j), 0);
    ws_request *q[4] = {make(corpus, &specs[0], 2), make(corpus, &topics, 2), make(corpus2, &other, 2),
                        make(corpus, &specs[4], 2)};
    sink k[4];
    memset(k, 0, sizeof k);
    for (int i = 0; i < 4; i++) cr_assert_eq(ws_job_add(j, q[i], to_sink, &k[i]), 0);
    prog_calls = 0;
    prog_max_step = 0;
    cr_assert_eq(ws_job_on_progress(j, on_prog, j), 0);
    cr_assert_eq(ws_job_run(j, NULL), 0, "%s", ws_last_error());
    uint32_t steps;
    ws_job_step(j, NULL, &steps);
    cr_expect_eq(steps, 3, "one shared scan, topics alone, the other corpus alone");
    cr_expect_gt(prog_calls, 0, "topics reports its iterations");
    cr_expect_leq(prog_max_step, 3);
    int shared[4];
    for (int i = 0; i < 4; i++) cr_expect_eq(ws_job_status(j, (size_t)i, NULL, &shared[i]), 0);
    cr_expect(shared[0] && !shared[1] && !shared[2] && shared[3]);
    char *g[4];
    for (int i = 0; i < 4; i++) g[i] = sink_text(&k[i]);
    cr_expect_str_eq(g[0], w0);
    cr_expect_str_eq(g[1], w1);
    cr_expect_str_eq(g[2], w2);
    cr_expect_str_eq(g[3], w3);
    for (int i = 0; i < 4; i++) free(g[i]), ws_request_free(q[i]);
    ws_job_free(j);
    free(w0), free(w1), free(w2), free(w3);
}

Test(job, a_request_that_fails_at_run_time_fails_alone)
{
    char *want0 = alone(corpus, &specs[0], 2), *want2 = alone(corpus, &specs[6], 2);
    ws_job *j;
    cr_assert_eq(ws_job_create(&j), 0);
    ws_request *q[3] = {make(corpus, &specs[0], 2), make(corpus, &specs[1], 2), make(corpus, &specs[6], 2)};
    sink k[3];
    memset(k, 0, sizeof k);
    k[1].fail_at = 1; /* its sink refuses the first batch */
    for (int i = 0; i < 3; i++) cr_assert_eq(ws_job_add(j, q[i], to_sink, &k[i]), 0);
    size_t failed = 0;
    cr_expect_eq(ws_job_run(j, &failed), WS_EIO);
    cr_expect_eq(failed, 1);
    const char *detail;
    cr_expect_eq(ws_job_status(j, 0, NULL, NULL), 0);
    cr_expect_eq(ws_job_status(j, 1, &detail, NULL), WS_EIO);
    cr_expect_neq(detail[0], 0, "the failure has a message");
    cr_expect_eq(ws_job_status(j, 2, NULL, NULL), 0);
    char *g0 = sink_text(&k[0]), *g1 = sink_text(&k[1]), *g2 = sink_text(&k[2]);
    cr_expect_str_eq(g0, want0);
    cr_expect_str_eq(g1, "");
    cr_expect_str_eq(g2, want2);
    free(g0), free(g1), free(g2), free(want0), free(want2);
    for (int i = 0; i < 3; i++) ws_request_free(q[i]);
    ws_job_free(j);
}

Test(job, preparation_refuses_a_bad_request_before_any_scan)
{
    ws_job *j;
    cr_assert_eq(ws_job_create(&j), 0);
    ws_request *q[3] = {make(corpus, &specs[0], 2), make(corpus, &specs[3], 2), make(corpus, &specs[4], 2)};
    char bad[400];
    snprintf(bad, sizeof bad, "%s/no-such-stopwords.txt", dir);
    cr_assert_eq(ws_request_set(q[1], "stopwords", bad), 0);
    sink k[3];
    memset(k, 0, sizeof k);
    for (int i = 0; i < 3; i++) cr_assert_eq(ws_job_add(j, q[i], to_sink, &k[i]), 0);
    size_t failed = 0;
    cr_expect_eq(ws_job_prepare(j, &failed), WS_ENOENT);
    cr_expect_eq(failed, 1);
    cr_expect(strstr(ws_last_error(), "no-such-stopwords") != NULL, "%s", ws_last_error());
    cr_expect_eq(ws_job_run(j, &failed), WS_ENOENT, "a job that failed to prepare does not run");
    cr_expect_eq(failed, 1);
    cr_expect_eq(ws_job_status(j, 0, NULL, NULL), WS_ECANCELED);
    cr_expect_eq(ws_job_status(j, 2, NULL, NULL), WS_ECANCELED);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(k[i].batches, 0, "nothing delivered");
        free(sink_text(&k[i]));
    }
    for (int i = 0; i < 3; i++) ws_request_free(q[i]);
    ws_job_free(j);
    /* A tag the store lacks is refused at preparation too. */
    cr_assert_eq(ws_job_create(&j), 0);
    ws_request *r = make(corpus, &specs[0], 1);
    cr_assert_eq(ws_request_set(r, "where", "nosuchtag=x"), 0);
    sink s = {0};
    cr_assert_eq(ws_job_add(j, r, to_sink, &s), 0);
    cr_expect_eq(ws_job_prepare(j, &failed), WS_EINVAL);
    cr_expect_eq(failed, 0);
    free(sink_text(&s));
    ws_job_free(j);
    ws_request_free(r);
}

Test(job, cancelled_before_the_run)
{
    ws_job *j;
    cr_assert_eq(ws_job_create(&j), 0);
    ws_request *q[2] = {make(corpus, &specs[0], 2), make(corpus, &specs[1], 2)};
    sink k[2];
    memset(k, 0, sizeof k);
    for (int i = 0; i < 2; i++) cr_assert_eq(ws_job_add(j, q[i], to_sink, &k[i]), 0);
    cr_assert_eq(ws_job_prepare(j, NULL), 0);
    cr_assert_eq(ws_job_cancel(j), 0);
    cr_expect_eq(ws_job_run(j, NULL), WS_ECANCELED);
    for (int i = 0; i < 2; i++) {
        cr_expect_eq(ws_job_status(j, (size_t)i, NULL, NULL), WS_ECANCELED);
        free(sink_text(&k[i]));
    }
    ws_job_free(j);
    /* The requests run normally afterwards: a cancel stops one run. */
    sink s = {0};
    cr_expect_eq(ws_request_stream(q[0], to_sink, &s), 0, "%s", ws_last_error());
    free(sink_text(&s));
    for (int i = 0; i < 2; i++) ws_request_free(q[i]);
}

Test(job, bad_use)
{
    ws_job *j = NULL;
    cr_expect_eq(ws_job_create(NULL), WS_EINVAL);
    cr_assert_eq(ws_job_create(&j), 0);
    sink s = {0};
    ws_request *q = make(corpus, &specs[0], 1);
    cr_expect_eq(ws_job_add(NULL, q, to_sink, &s), WS_EINVAL);
    cr_expect_eq(ws_job_add(j, NULL, to_sink, &s), WS_EINVAL);
    cr_expect_eq(ws_job_add(j, q, NULL, &s), WS_EINVAL);
    cr_expect_eq(ws_job_run(j, NULL), WS_EINVAL, "an empty job");
    cr_expect_eq(ws_job_set_threads(j, -1), WS_EINVAL);
    cr_expect_eq(ws_job_set_threads(j, 2), 0);
    cr_assert_eq(ws_job_add(j, q, to_sink, &s), 0);
    cr_expect_eq(ws_job_add(j, q, to_sink, &s), WS_EEXIST);
    cr_expect_eq(ws_job_run(j, NULL), 0, "%s", ws_last_error());
    cr_expect_eq(ws_job_run(j, NULL), WS_EINVAL, "a job runs once");
    cr_expect_eq(ws_job_add(j, q, to_sink, &s), WS_EINVAL, "no adding after the run");
    cr_expect_eq(ws_job_status(NULL, 0, NULL, NULL), WS_EINVAL);
    cr_expect_eq(ws_job_cancel(NULL), WS_EINVAL);
    cr_expect_eq(ws_job_step(NULL, NULL, NULL), WS_EINVAL);
    free(sink_text(&s));
    ws_job_free(j);
    ws_job_free(NULL);
    /* Parameter values as resolved. */
    char buf[64];
    int given = -1;
    cr_expect_eq(ws_request_get(q, "top", 0, buf, sizeof buf, &given), 1);
    cr_expect_str_eq(buf, "5");
    cr_expect_eq(given, 1);
    cr_expect_eq(ws_request_get(q, "case", 0, buf, sizeof buf, &given), 1);
    cr_expect_str_eq(buf, "false");
    cr_expect_eq(given, 0);
    cr_expect_eq(ws_request_get(q, "stopwords", 0, buf, sizeof buf, NULL), 0, "an empty list");
    cr_expect_eq(ws_request_get(q, "nope", 0, buf, sizeof buf, NULL), WS_EINVAL);
    cr_assert_eq(ws_request_set(q, "to", "2019"), 0);
    cr_expect_eq(ws_request_get(q, "to", 0, buf, sizeof buf, NULL), 1);
    cr_expect_str_eq(buf, "2019-12-31T23:59:59Z");
    ws_store_state ss;
    cr_expect_eq(ws_corpus_store_state(corpus, 0, &ss), 0);
    cr_expect_str_eq(ss.path, store);
    cr_expect_eq(ss.generation, 1);
    cr_expect_neq(ss.manifest_checksum, 0);
    cr_expect_eq(ws_corpus_store_state(corpus, 1, &ss), WS_ENOENT);
    ws_request_free(q);
}

/* Counting shared between requests (ws_kernel consume_group and adopt):
 * cooc --term requests with the same normalisation, context and field are
 * grouped, trends --emerging takes tf --by month's counts; requests whose
 * normalisation or filters differ are not. ws_job_grouped says which, and
 * every result is still the bytes of the request alone. */
static const spec share_specs[] = {
    {"cooc", {"term=oil", "doc=1", "measure=npmi", "top=10"}},            /* 0: grouped with 1 */
    {"cooc", {"term=opec", "doc=1", "measure=llr", "top=5"}},             /* 1 */
    {"cooc", {"term=oil", "doc=1", "stem=en", "top=10"}},                 /* 2: another normalisation */
    {"tf", {"by=month", "top=5"}},                                         /* 3: gives its counts to 4 */
    {"trends", {"emerging=1", "bucket=month", "top=3"}},                   /* 4 */
    {"trends", {"emerging=1", "bucket=month", "top=3", "from=2019-01-01"}}, /* 5: filtered */
    {"cooc", {"term=crude", "sentence=1", "top=10"}},                      /* 6: another context */
};
#define NSHARE (sizeof share_specs / sizeof share_specs[0])

Test(job, counting_is_shared_where_normalisation_and_options_agree)
{
    static const int want_grouped[NSHARE] = {1, 1, 0, 1, 1, 0, 0};
    char *want[NSHARE];
    for (size_t i = 0; i < NSHARE; i++) want[i] = alone(corpus, &share_specs[i], 2);
    for (int threads = 1; threads <= 2; threads++) {
        ws_job *j;
        cr_assert_eq(ws_job_create(&j), 0);
        ws_request *q[NSHARE];
        sink k[NSHARE];
        memset(k, 0, sizeof k);
        for (size_t i = 0; i < NSHARE; i++) {
            q[i] = make(corpus, &share_specs[i], threads);
            cr_assert_eq(ws_job_add(j, q[i], to_sink, &k[i]), 0, "%s", ws_last_error());
        }
        cr_assert_eq(ws_job_run(j, NULL), 0, "%s", ws_last_error());
        for (size_t i = 0; i < NSHARE; i++) {
            uint64_t blocks = 99;
            cr_assert_eq(ws_job_grouped(j, i, &blocks), 0);
            if (want_grouped[i]) cr_expect_gt(blocks, 0, "request %zu should share its counting", i);
            else cr_expect_eq(blocks, 0, "request %zu must not share its counting", i);
            char *got = sink_text(&k[i]);
            cr_expect_str_eq(got, want[i], "request %zu (%s), %d threads", i, share_specs[i].kernel, threads);
            cr_expect_gt(strlen(got), 0);
            free(got);
            ws_request_free(q[i]);
        }
        cr_expect_eq(ws_job_grouped(j, NSHARE, NULL), WS_ENOENT);
        ws_job_free(j);
    }
    for (size_t i = 0; i < NSHARE; i++) free(want[i]);
}
