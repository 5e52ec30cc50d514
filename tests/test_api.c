/*
 * Tests for the public API (include/wirescan.h), driven only through it
 * once a store exists: open a corpus, create requests by kernel name, set
 * parameters by name and type, run and stream, read typed results, render
 * CSV and JSON Lines, introspect the kernels; every kind of bad use gives
 * an error code and a message naming the problem; a failing allocator
 * swept over a whole request fails cleanly (leaks are caught by the
 * ASan build of this test).
 *
 * The corpus is planted: stories made of words w0..w19 where story i has
 * word w(k) (i % (k+1) == 0) times k+1, so every tf and df is known in
 * closed form; the expectations below are computed from that rule, not
 * read from wirescan's output.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wirescan.h"
#include "ws_util.h"

#define NSTORY 120
#define NWORD 20

static char dir[256], store[300];
static ws_corpus *corpus;

/* The plan: tf(w_k) = (k+1) * #{i : i % (k+1) == 0}, df = that count. */
static uint64_t plan_df(int k) { return (NSTORY - 1) / (k + 1) + 1; }
static uint64_t plan_tf(int k) { return plan_df(k) * (uint64_t)(k + 1); }

static void count_note(void *ctx, const char *line)
{
    (void)line;
    ++*(int *)ctx;
}

/* The store, built through the public ingest API: the even stories from a
 * JSONL file, the odd ones as records (with a tag). */
static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/ws-test-api.%d", (int)getpid());
    char cmd[600], in[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(in, sizeof in, "%s/in.jsonl", dir);
    snprintf(store, sizeof store, "%s/store", dir);
    FILE *f = fopen(in, "w");
    cr_assert_not_null(f);
    ws_ingester *g;
    cr_assert_eq(ws_ingester_create(&g, store), 0);
    cr_assert_eq(ws_ingester_set(g, "block-tokens", "200"), 0); /* several blocks */
    char body[4096], id[16], date[16];
    for (int i = 0; i < NSTORY; i++) {
        size_t n = 0;
        for (int k = 0; k < NWORD; k++)
            if (i % (k + 1) == 0)
                for (int r = 0; r <= k; r++) n += (size_t)snprintf(body + n, sizeof body - n, "w%d ", k);
        body[n] = 0;
        snprintf(id, sizeof id, "s%d", i);
        snprintf(date, sizeof date, "2019-%02d-10", 1 + i % 12);
        if (i % 2 == 0) {
            fprintf(f, "{\"id\":\"%s\",\"date\":\"%s\",\"source\":\"even\",\"title\":\"\",\"body\":\"%s\"}\n", id, date, body);
            continue;
        }
        const char *tags[] = {"parity=odd", i % 3 == 0 ? "mod3=zero" : "mod3=other"};
        ws_story st = {id, date, "odd", "", body, tags, 2};
        cr_assert_eq(ws_ingester_add_record(g, &st), 0, "%s", ws_last_error());
    }
    fclose(f);
    cr_assert_eq(ws_ingester_add_file(g, in), 0);
    int notes = 0;
    ws_ingester_on_note(g, count_note, &notes);
    ws_ingest_summary sum;
    int rc = ws_ingester_run(g, &sum);
    cr_assert_eq(rc, 0, "ingest: %s", ws_last_error());
    cr_expect_eq(sum.stories, NSTORY);
    cr_expect_eq(sum.bad, 0);
    cr_expect_eq(notes, 0);
    cr_expect_eq(ws_ingester_run(g, &sum), WS_EINVAL, "an ingester runs once");
    ws_ingester_free(g);
    const char *paths[] = {store};
    cr_assert_eq(ws_corpus_open(&corpus, paths, 1), 0, "%s", ws_last_error());
}

static void teardown(void)
{
    ws_corpus_close(corpus);
    corpus = NULL;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)system(cmd);
}

TestSuite(api, .init = setup, .fini = teardown);

static int col_of(const ws_result *r, const char *name)
{
    for (size_t i = 0; i < ws_result_ncols(r); i++)
        if (!strcmp(ws_result_name(r, i), name)) return (int)i;
    return -1;
}

Test(api, tf_matches_the_plan)
{
    ws_request *q;
    cr_assert_eq(ws_request_create(&q, corpus, "tf"), 0, "%s", ws_last_error());
    cr_assert_eq(ws_request_set(q, "top", "0"), 0);
    cr_assert_eq(ws_request_set_flag(q, "tfidf", 1), 0);
    ws_result *r;
    cr_assert_eq(ws_request_run(q, &r), 0, "%s", ws_last_error());
    cr_assert_eq(ws_result_ncols(r), 4);
    int ct = col_of(r, "term"), ctf = col_of(r, "tf"), cdf = col_of(r, "df"), ci = col_of(r, "tfidf");
    cr_assert(ct >= 0 && ctf >= 0 && cdf >= 0 && ci >= 0);
    cr_expect_eq(ws_result_type(r, (size_t)ct), WS_TYPE_TEXT);
    cr_expect_eq(ws_result_type(r, (size_t)ctf), WS_TYPE_INT64);
    cr_expect_eq(ws_result_type(r, (size_t)ci), WS_TYPE_DOUBLE);
    cr_assert_eq(ws_result_nrows(r), NWORD);
    cr_expect_eq(ws_request_rows(q), NWORD);
    int seen[NWORD] = {0};
    for (size_t row = 0; row < ws_result_nrows(r); row++) {
        const char *t = ws_result_text(r, row, (size_t)ct, NULL);
        int k = atoi(t + 1);
        cr_assert(k >= 0 && k < NWORD && t[0] == 'w');
        seen[k]++;
        cr_expect_eq((uint64_t)ws_result_int64(r, row, (size_t)ctf), plan_tf(k), "tf of %s", t);
        cr_expect_eq((uint64_t)ws_result_int64(r, row, (size_t)cdf), plan_df(k), "df of %s", t);
        double want = (double)plan_tf(k) * log((double)NSTORY / (double)plan_df(k));
        cr_expect(fabs(ws_result_double(r, row, (size_t)ci) - want) < 1e-9 * (1 + want), "tfidf of %s", t);
        if (row) /* with tfidf: ordered by tfidf descending, then term */
            cr_expect(ws_result_double(r, row - 1, (size_t)ci) >= ws_result_double(r, row, (size_t)ci));
    }
    for (int k = 0; k < NWORD; k++) cr_expect_eq(seen[k], 1);
    /* Accessors out of range or of the wrong type: neutral values. */
    cr_expect_null(ws_result_text(r, 0, (size_t)ctf, NULL));
    cr_expect_eq(ws_result_int64(r, 999, 0), 0);
    cr_expect_eq(ws_result_is_null(r, 0, 99), -1);
    cr_expect_null(ws_result_name(r, 99));
    ws_result_free(r);
    ws_request_free(q);
}

Test(api, filters_and_grouping)
{
    ws_request *q;
    cr_assert_eq(ws_request_create(&q, corpus, "tf"), 0);
    cr_assert_eq(ws_request_set(q, "source", "odd"), 0);
    cr_assert_eq(ws_request_set(q, "by", "month"), 0);
    cr_assert_eq(ws_request_set_int(q, "top", 1), 0);
    ws_result *r;
    cr_assert_eq(ws_request_run(q, &r), 0, "%s", ws_last_error());
    /* Odd stories fall in even months (1 + i % 12 with i odd), 6 of them;
     * the top term of each month by the plan (tf descending, then term). */
    cr_assert_eq(ws_result_nrows(r), 6);
    cr_expect_str_eq(ws_result_name(r, 0), "month");
    for (size_t row = 0; row < 6; row++) {
        int month = 2 * (int)row + 2;
        uint64_t tf[NWORD] = {0};
        for (int i = 1; i < NSTORY; i += 2)
            for (int k = 0; i % 12 + 1 == month && k < NWORD; k++)
                if (i % (k + 1) == 0) tf[k] += (uint64_t)k + 1;
        int best = 0;
        char bn[16], kn[16];
        for (int k = 1; k < NWORD; k++) {
            snprintf(bn, sizeof bn, "w%d", best);
            snprintf(kn, sizeof kn, "w%d", k);
            if (tf[k] > tf[best] || (tf[k] == tf[best] && strcmp(kn, bn) < 0)) best = k;
        }
        snprintf(bn, sizeof bn, "w%d", best);
        char want[16];
        snprintf(want, sizeof want, "2019-%02d", month);
        cr_expect_str_eq(ws_result_text(r, row, 0, NULL), want);
        cr_expect_str_eq(ws_result_text(r, row, 1, NULL), bn);
        cr_expect_eq((uint64_t)ws_result_int64(r, row, 2), tf[best]);
    }
    ws_result_free(r);
    ws_request_free(q);
}

typedef struct collect {
    uint64_t rows, calls;
    int stop_at; /* return 42 from this call (0: never) */
} collect;

static int on_batch(void *ctx, const ws_result *b)
{
    collect *c = ctx;
    c->calls++;
    c->rows += ws_result_nrows(b);
    return c->stop_at && (int)c->calls == c->stop_at ? 42 : 0;
}

Test(api, stream_and_stop)
{
    ws_request *q;
    cr_assert_eq(ws_request_create(&q, corpus, "cooc"), 0);
    cr_assert_eq(ws_request_set(q, "doc", "1"), 0);
    cr_assert_eq(ws_request_set(q, "top", "0"), 0);
    cr_assert_eq(ws_request_set(q, "mem", "0"), 0);
    collect c = {0, 0, 0};
    cr_assert_eq(ws_request_stream(q, on_batch, &c), 0, "%s", ws_last_error());
    /* All pairs of the 20 words co-occur (story 0 has every word). */
    cr_expect_eq(c.rows, NWORD * (NWORD - 1) / 2);
    cr_expect_geq(c.calls, 1);
    /* An empty result still gives one call (so a header can be written). */
    cr_assert_eq(ws_request_set(q, "containing", "nosuchword"), 0);
    collect e = {0, 0, 0};
    cr_assert_eq(ws_request_stream(q, on_batch, &e), 0, "%s", ws_last_error());
    cr_expect_eq(e.calls, 1);
    cr_expect_eq(e.rows, 0);
    ws_request_free(q);
    /* The callback's nonzero return stops the run and is returned. */
    cr_assert_eq(ws_request_create(&q, corpus, "tf"), 0);
    collect s = {0, 0, 1};
    cr_expect_eq(ws_request_stream(q, on_batch, &s), 42);
    ws_request_free(q);
}

Test(api, jsonl_and_csv_rendering)
{
    ws_request *q;
    cr_assert_eq(ws_request_create(&q, corpus, "tf"), 0);
    cr_assert_eq(ws_request_set(q, "top", "2"), 0);
    ws_result *r;
    cr_assert_eq(ws_request_run(q, &r), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(ws_result_write(r, WS_FORMAT_JSONL, 1, f), 0);
    fclose(f);
    /* The top two by the plan: tf descending, then term bytewise. */
    struct { uint64_t tf; char term[8]; int k; } v[NWORD];
    for (int k = 0; k < NWORD; k++) {
        v[k].tf = plan_tf(k);
        v[k].k = k;
        snprintf(v[k].term, sizeof v[k].term, "w%d", k);
    }
    for (int i = 1; i < NWORD; i++) /* insertion sort */
        for (int j = i; j > 0 && (v[j].tf > v[j - 1].tf || (v[j].tf == v[j - 1].tf && strcmp(v[j].term, v[j - 1].term) < 0)); j--) {
            __typeof__(v[0]) t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    char want[512];
    snprintf(want, sizeof want, "{\"term\":\"%s\",\"tf\":%llu,\"df\":%llu}\n{\"term\":\"%s\",\"tf\":%llu,\"df\":%llu}\n",
             v[0].term, (unsigned long long)v[0].tf, (unsigned long long)plan_df(v[0].k), v[1].term,
             (unsigned long long)v[1].tf, (unsigned long long)plan_df(v[1].k));
    cr_expect_str_eq(buf, want);
    free(buf);
    f = open_memstream(&buf, &len);
    cr_assert_eq(ws_result_write(r, WS_FORMAT_CSV, 1, f), 0);
    fclose(f);
    cr_expect(!strncmp(buf, "term,tf,df\n", 11), "CSV header: %s", buf);
    free(buf);
    cr_expect_eq(ws_result_write(r, (ws_result_format)7, 1, stdout), WS_EINVAL);
    cr_expect_eq(ws_result_write(NULL, WS_FORMAT_CSV, 1, stdout), WS_EINVAL);
    ws_result_free(r);
    ws_request_free(q);
}

Test(api, introspection)
{
    size_t n = 0;
    int has_tf = 0, has_decode = 0;
    for (; ws_kernel_name(n); n++) {
        has_tf |= !strcmp(ws_kernel_name(n), "tf");
        has_decode |= !strcmp(ws_kernel_name(n), "decode");
    }
    cr_expect(n >= 5 && has_tf && !has_decode, "tf listed, the hidden decode kernel not");
    const char *summary, *help;
    const ws_param_info *p;
    size_t np;
    cr_assert_eq(ws_kernel_describe("cooc", &summary, &help, &p, &np), 0);
    cr_expect(np > 0 && strstr(help, "collocates"));
    cr_expect_eq(ws_kernel_describe("nosuch", NULL, NULL, NULL, NULL), WS_ENOENT);
    /* Every parameter of keyness: its own, the subcorpus filters, the common ones. */
    int target_from = 0, from = 0, both = 0;
    for (size_t i = 0; !ws_kernel_param("keyness", i, &p); i++) {
        target_from |= !strcmp(p->name, "target-from");
        from |= !strcmp(p->name, "from");
        both |= !strcmp(p->name, "both");
    }
    cr_expect(target_from && from && both);
    size_t nc;
    const ws_param_info *c = ws_common_params(&nc);
    cr_expect(nc > 5 && !strcmp(c[0].name, "from"));
}

Test(api, bad_use)
{
    ws_request *q = NULL;
    ws_result *r = NULL;
    const char *paths[] = {"/nonexistent/store"};
    ws_corpus *c2 = NULL;
    cr_expect_eq(ws_corpus_open(NULL, paths, 1), WS_EINVAL);
    cr_expect_eq(ws_corpus_open(&c2, NULL, 1), WS_EINVAL);
    cr_expect_eq(ws_corpus_open(&c2, paths, 0), WS_EINVAL);
    cr_expect_neq(ws_corpus_open(&c2, paths, 1), 0);
    cr_expect_null(c2);
    cr_expect_eq(ws_request_create(&q, NULL, "tf"), WS_EINVAL);
    cr_expect_eq(ws_request_create(&q, corpus, NULL), WS_EINVAL);
    cr_expect_eq(ws_request_create(&q, corpus, "nosuch"), WS_ENOENT);
    cr_expect(strstr(ws_last_error(), "nosuch") && strstr(ws_last_error(), "tf"), "names it and the known ones: %s",
              ws_last_error());
    cr_expect_eq(ws_request_set(NULL, "top", "1"), WS_EINVAL);
    cr_expect_eq(ws_request_run(NULL, &r), WS_EINVAL);
    cr_expect_eq(ws_request_stream(NULL, on_batch, NULL), WS_EINVAL);
    cr_expect_eq(ws_request_cancel(NULL), WS_EINVAL);
    cr_assert_eq(ws_request_create(&q, corpus, "tf"), 0);
    cr_expect_eq(ws_request_set(q, "nosuch", "1"), WS_EINVAL);
    cr_expect(strstr(ws_last_error(), "nosuch"), "%s", ws_last_error());
    cr_expect_eq(ws_request_set(q, "top", "many"), WS_EINVAL);
    cr_expect(strstr(ws_last_error(), "top"), "%s", ws_last_error());
    cr_expect_eq(ws_request_set(q, "top", "-5"), WS_EINVAL);
    cr_expect_eq(ws_request_set(q, "mem", "-5"), WS_EINVAL);
    cr_expect_eq(ws_request_set(q, "top", NULL), WS_EINVAL);
    cr_expect_eq(ws_request_set_double(q, "top", 1.5), WS_EINVAL, "a double for an integer parameter");
    cr_expect_eq(ws_request_set_int(q, "stem", 3), WS_EINVAL, "an integer for a text parameter");
    cr_expect_eq(ws_request_set_flag(q, "top", 1), WS_EINVAL, "a flag for an integer parameter");
    cr_expect_eq(ws_request_set(q, "field", "abstract"), WS_EINVAL);
    cr_expect_eq(ws_request_set(q, "from", "yesterday"), WS_EINVAL);
    cr_expect_eq(ws_request_run(q, NULL), WS_EINVAL);
    cr_expect_eq(ws_request_stream(q, NULL, NULL), WS_EINVAL);
    /* An impossible range and an unknown tag are refused when run. */
    cr_assert_eq(ws_request_set(q, "from", "2019-05"), 0);
    cr_assert_eq(ws_request_set(q, "to", "2019-03"), 0);
    cr_expect_eq(ws_request_run(q, &r), WS_EINVAL);
    cr_expect(strstr(ws_last_error(), "after"), "%s", ws_last_error());
    cr_expect_null(r);
    ws_request_free(q);
    cr_assert_eq(ws_request_create(&q, corpus, "tf"), 0);
    cr_assert_eq(ws_request_set(q, "where", "nosuchtag=x"), 0);
    cr_expect_eq(ws_request_run(q, &r), WS_EINVAL);
    ws_request_free(q);
    /* keyness without a target. */
    cr_assert_eq(ws_request_create(&q, corpus, "keyness"), 0);
    cr_expect_eq(ws_request_run(q, &r), WS_EINVAL);
    cr_expect(strstr(ws_last_error(), "target"), "%s", ws_last_error());
    ws_request_free(q);
    /* NULL-safe frees. */
    ws_request_free(NULL);
    ws_result_free(NULL);
    ws_corpus_close(NULL);
}

Test(api, cancel)
{
    ws_request *q;
    ws_result *r = NULL;
    cr_assert_eq(ws_request_create(&q, corpus, "tf"), 0);
    cr_expect_eq(ws_request_cancel(q), 0);
    cr_expect_eq(ws_request_cancel(q), 0, "cancelling twice is harmless");
    cr_expect_eq(ws_request_run(q, &r), WS_ECANCELED);
    cr_expect_null(r);
    /* A cancel stops one run: the next one runs. */
    cr_expect_eq(ws_request_run(q, &r), 0, "%s", ws_last_error());
    ws_result_free(r);
    ws_request_free(q);
}

Test(api, corpus_closed_before_its_requests)
{
    const char *paths[] = {store};
    ws_corpus *c;
    cr_assert_eq(ws_corpus_open(&c, paths, 1), 0);
    ws_request *q;
    cr_assert_eq(ws_request_create(&q, c, "tf"), 0);
    ws_corpus_close(c);
    ws_result *r = NULL;
    cr_expect_eq(ws_request_run(q, &r), WS_EINVAL, "the corpus is closed");
    ws_request *q2 = NULL;
    cr_expect_eq(ws_request_create(&q2, c, "tf"), WS_EINVAL, "no new request over a closed corpus");
    cr_expect_null(q2);
    ws_request_free(q); /* frees the corpus too */
}

Test(api, allocation_failures)
{
    /* Every allocation of a whole request, one after the other, fails
     * once: the call returns WS_ENOMEM (or succeeds when the failure hit
     * a path that can do without), never crashes, never leaks. */
    int completed = 0;
    for (long n = 1; n < 20000 && !completed; n++) {
        ws__alloc_fail_after(n);
        ws_request *q = NULL;
        ws_result *r = NULL;
        int rc = ws_request_create(&q, corpus, "cooc");
        if (!rc) rc = ws_request_set(q, "term", "w3");
        if (!rc) rc = ws_request_set(q, "mem", "0");
        if (!rc) rc = ws_request_set(q, "doc", "1");
        if (!rc) rc = ws_request_run(q, &r);
        ws__alloc_fail_after(0);
        cr_assert(rc == 0 || rc == WS_ENOMEM, "allocation %ld: %d %s", n, rc, ws_last_error());
        if (!rc) {
            cr_expect_eq(ws_result_nrows(r), NWORD - 1);
            completed = 1;
        }
        ws_result_free(r);
        ws_request_free(q);
    }
    cr_expect(completed, "the request completes once no allocation fails");
}

Test(api, info_and_verify)
{
    ws_corpus_info in;
    cr_assert_eq(ws_corpus_info_get(corpus, &in), 0);
    cr_expect_eq(in.stories, NSTORY);
    uint64_t tokens = 0;
    for (int k = 0; k < NWORD; k++) tokens += plan_tf(k);
    cr_expect_eq(in.tokens, tokens);
    cr_expect_eq(in.terms, NWORD);
    cr_expect_eq(in.undated, 0);
    cr_expect_eq(in.nstores, 1);
    char first[32], last[32];
    ws_format_iso8601(in.first_date, first);
    ws_format_iso8601(in.last_date, last);
    cr_expect_str_eq(first, "2019-01-10T00:00:00Z");
    cr_expect_str_eq(last, "2019-12-10T00:00:00Z");
    cr_expect_gt(in.blocks, 1);
    /* bytes: every file of the store (the LOCK file is empty) */
    uint64_t on_disk = 0;
    DIR *d = opendir(store);
    cr_assert_not_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        char p[600];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", store, e->d_name);
        if (e->d_name[0] != '.' && stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) on_disk += (uint64_t)sb.st_size;
    }
    closedir(d);
    cr_expect_eq(in.bytes, on_disk, "bytes %llu, files %llu", (unsigned long long)in.bytes, (unsigned long long)on_disk);
    cr_expect_eq(ws_corpus_info_get(corpus, NULL), WS_EINVAL);
    FILE *devnull = fopen("/dev/null", "w");
    cr_expect_eq(ws_corpus_verify(corpus, devnull), 0, "%s", ws_last_error());
    cr_expect_eq(ws_corpus_verify(NULL, devnull), WS_EINVAL);
    fclose(devnull);
}

/* ws_result_column and ws_result_text_bytes give, a column at a time, what
 * the per-cell accessors give; a trends answer over odd stories only has
 * empty months (a NULL share) between the months it covers. */
static void expect_columns_match_cells(const ws_result *r)
{
    size_t nr = ws_result_nrows(r);
    int64_t *vals = calloc(nr + 1, 8);
    uint8_t *nulls = calloc(nr + 1, 1);
    cr_assert(vals && nulls);
    for (size_t c = 0; c < ws_result_ncols(r); c++) {
        /* the rows in two calls: [0, 1) and [1, nr) */
        size_t cut = nr ? 1 : 0;
        cr_assert_eq(ws_result_column(r, c, 0, cut, vals, nulls), 0, "%s", ws_last_error());
        cr_assert_eq(ws_result_column(r, c, cut, nr - cut, vals + cut, nulls + cut), 0, "%s", ws_last_error());
        if (ws_result_type(r, c) == WS_TYPE_TEXT) {
            /* ends count from the first row asked for */
            for (size_t i = cut; i < nr; i++) vals[i] += vals[cut - 1];
            uint64_t total = 0;
            for (size_t i = 0; i < nr; i++) {
                size_t len = 0;
                const char *t = ws_result_text(r, i, c, &len);
                cr_expect_eq(nulls[i], ws_result_is_null(r, i, c));
                total += nulls[i] ? 0 : len;
                cr_expect_eq((uint64_t)vals[i], total, "end of text cell %zu", i);
                (void)t;
            }
            char *buf = malloc(total + 1);
            cr_assert_not_null(buf);
            cr_assert_eq(ws_result_text_bytes(r, c, 0, nr, buf, total), 0, "%s", ws_last_error());
            uint64_t at = 0;
            for (size_t i = 0; i < nr; i++) {
                if (nulls[i]) continue;
                size_t len = 0;
                const char *t = ws_result_text(r, i, c, &len);
                cr_expect(!memcmp(buf + at, t, len), "bytes of text cell %zu", i);
                at += len;
            }
            if (total) cr_expect_eq(ws_result_text_bytes(r, c, 0, nr, buf, total - 1), WS_EINVAL);
            free(buf);
        } else {
            for (size_t i = 0; i < nr; i++) {
                cr_expect_eq(nulls[i], ws_result_is_null(r, i, c), "null of cell %zu,%zu", i, c);
                if (ws_result_type(r, c) == WS_TYPE_DOUBLE) {
                    double d;
                    memcpy(&d, &vals[i], sizeof d);
                    cr_expect(d == (nulls[i] ? 0.0 : ws_result_double(r, i, c)), "double cell %zu,%zu", i, c);
                } else {
                    cr_expect_eq(vals[i], nulls[i] ? 0 : ws_result_int64(r, i, c), "int cell %zu,%zu", i, c);
                }
            }
            cr_expect_eq(ws_result_text_bytes(r, c, 0, nr, (char *)vals, 8 * nr), WS_EINVAL, "text bytes of a number column");
        }
    }
    /* Out of range: an error, nothing written past the buffer. */
    cr_expect_eq(ws_result_column(r, ws_result_ncols(r), 0, 0, vals, NULL), WS_EINVAL);
    cr_expect_eq(ws_result_column(r, 0, 0, nr + 1, vals, NULL), WS_EINVAL);
    cr_expect_eq(ws_result_column(r, 0, nr + 1, 0, vals, NULL), WS_EINVAL);
    cr_expect_eq(ws_result_column(NULL, 0, 0, 0, vals, NULL), WS_EINVAL);
    cr_expect_eq(ws_result_column(r, 0, 0, nr, NULL, NULL), nr ? WS_EINVAL : 0);
    cr_expect_eq(ws_result_column(r, 0, 0, nr, vals, NULL), 0, "nulls may be NULL");
    free(vals);
    free(nulls);
}

Test(api, columns_in_one_call)
{
    ws_request *q;
    ws_result *r;
    cr_assert_eq(ws_request_create(&q, corpus, "tf"), 0);
    cr_assert_eq(ws_request_set(q, "top", "0"), 0);
    cr_assert_eq(ws_request_set_flag(q, "tfidf", 1), 0);
    cr_assert_eq(ws_request_run(q, &r), 0, "%s", ws_last_error());
    cr_assert_eq(ws_result_nrows(r), NWORD);
    expect_columns_match_cells(r);
    ws_result_free(r);
    ws_request_free(q);

    cr_assert_eq(ws_request_create(&q, corpus, "trends"), 0);
    cr_assert_eq(ws_request_set(q, "terms", "w1,w2"), 0);
    cr_assert_eq(ws_request_set(q, "source", "odd"), 0);
    cr_assert_eq(ws_request_run(q, &r), 0, "%s", ws_last_error());
    int nulls = 0;
    for (size_t i = 0; i < ws_result_nrows(r); i++)
        for (size_t c = 0; c < ws_result_ncols(r); c++) nulls += ws_result_is_null(r, i, c) == 1;
    cr_expect(nulls > 0, "odd stories only: the odd months' share is NULL");
    expect_columns_match_cells(r);
    ws_result_free(r);
    ws_request_free(q);
}

/* ---- the ingest API ---- */

typedef struct seen_progress {
    int calls, final;
    uint64_t items;
} seen_progress;

static void on_ingest_progress(void *ctx, const ws_progress *p)
{
    seen_progress *s = ctx;
    s->calls++;
    s->final |= p->final;
    s->items = p->items;
    cr_expect_str_eq(p->phase, "ingest");
    cr_expect(!p->total || p->done <= p->total);
}

typedef struct lines {
    char text[4096];
    int n;
} lines;

static void keep_note(void *ctx, const char *line)
{
    lines *l = ctx;
    size_t k = strlen(l->text);
    snprintf(l->text + k, sizeof l->text - k, "%s\n", line);
    l->n++;
}

Test(api, record_tags_filter)
{
    /* Records' tags are tag columns: parity=odd holds the odd stories,
     * mod3=zero those of them divisible by 3. */
    ws_request *q;
    cr_assert_eq(ws_request_create(&q, corpus, "tf"), 0);
    cr_assert_eq(ws_request_set(q, "where", "mod3=zero"), 0);
    cr_assert_eq(ws_request_set(q, "top", "0"), 0);
    ws_result *r;
    cr_assert_eq(ws_request_run(q, &r), 0, "%s", ws_last_error());
    uint64_t want[NWORD] = {0};
    for (int i = 1; i < NSTORY; i += 2)
        for (int k = 0; i % 3 == 0 && k < NWORD; k++)
            if (i % (k + 1) == 0) want[k] += (uint64_t)k + 1;
    size_t nz = 0;
    for (int k = 0; k < NWORD; k++) nz += want[k] > 0;
    cr_assert_eq(ws_result_nrows(r), nz);
    for (size_t row = 0; row < nz; row++) {
        int k = atoi(ws_result_text(r, row, 0, NULL) + 1);
        cr_expect_eq((uint64_t)ws_result_int64(r, row, 1), want[k], "tf of w%d", k);
    }
    ws_result_free(r);
    ws_request_free(q);
}

Test(api, ingester_options_notes_progress)
{
    char path[400], in[400];
    snprintf(path, sizeof path, "%s/s2", dir);
    snprintf(in, sizeof in, "%s/bad.jsonl", dir);
    FILE *f = fopen(in, "w");
    cr_assert_not_null(f);
    fputs("{\"id\":\"a\",\"body\":\"one two\"}\nnot json\n{\"id\":\"b\",\"body\":\"three\"}\n", f);
    fclose(f);
    ws_ingester *g;
    cr_assert_eq(ws_ingester_create(&g, path), 0);
    /* Option values are checked by name, with the CLI's messages. */
    cr_expect_eq(ws_ingester_set(g, "level", "20"), WS_EINVAL);
    cr_expect(strstr(ws_last_error(), "--level") != NULL, "%s", ws_last_error());
    cr_expect_eq(ws_ingester_set(g, "threads", "-1"), WS_EINVAL);
    cr_expect_eq(ws_ingester_set(g, "max-record", "0"), WS_EINVAL);
    cr_expect_eq(ws_ingester_set(g, "datelines", "maybe"), WS_EINVAL);
    cr_expect_eq(ws_ingester_set(g, "field", "author=x"), WS_EINVAL);
    cr_expect_eq(ws_ingester_set(g, "no-such-option", "1"), WS_EINVAL);
    cr_expect_eq(ws_ingester_set(g, "level", NULL), WS_EINVAL);
    cr_expect_eq(ws_ingester_set(g, "strict", "maybe"), WS_EINVAL);
    cr_expect_eq(ws_ingester_set(g, "threads", "2"), 0);
    cr_expect_eq(ws_ingester_set(g, "strict", NULL), 0); /* a flag */
    cr_expect_eq(ws_ingester_set(g, "strict", "0"), 0);
    const char *badtag[] = {"novalue"};
    ws_story bad = {"x", NULL, NULL, NULL, "text", badtag, 1};
    cr_expect_eq(ws_ingester_add_record(g, &bad), WS_EINVAL);
    const char *fieldtag[] = {"date=2019"};
    ws_story bad2 = {"x", NULL, NULL, NULL, "text", fieldtag, 1};
    cr_expect_eq(ws_ingester_add_record(g, &bad2), WS_EINVAL);
    cr_assert_eq(ws_ingester_add_file(g, in), 0);
    ws_story ok = {"c", "2020-01-02", "src", "Title \"quoted\"", "four\nfive\\six", NULL, 0};
    cr_assert_eq(ws_ingester_add_record(g, &ok), 0);
    lines notes = {{0}, 0};
    seen_progress sp = {0, 0, 0};
    ws_ingester_on_note(g, keep_note, &notes);
    ws_ingester_on_progress(g, on_ingest_progress, &sp);
    ws_ingest_summary s;
    cr_assert_eq(ws_ingester_run(g, &s), 0, "%s", ws_last_error());
    ws_ingester_free(g);
    /* The bad line is a note naming the file and line; three stories kept. */
    cr_expect_eq(s.stories, 3);
    cr_expect_eq(s.bad, 1);
    cr_expect_eq(s.undated, 2);
    char want[450];
    snprintf(want, sizeof want, "%s:2: ", in);
    cr_expect(strstr(notes.text, want) != NULL, "notes: %s", notes.text);
    cr_expect(sp.final && sp.items == 3, "progress: %d calls, final %d, %llu stories", sp.calls, sp.final,
              (unsigned long long)sp.items);
    /* The record's text went through JSON exactly. */
    ws_corpus *c2;
    const char *p2[] = {path};
    cr_assert_eq(ws_corpus_open(&c2, p2, 1), 0);
    ws_request *q;
    cr_assert_eq(ws_request_create(&q, c2, "tf"), 0);
    cr_assert_eq(ws_request_set(q, "source", "src"), 0);
    ws_result *r;
    cr_assert_eq(ws_request_run(q, &r), 0, "%s", ws_last_error());
    cr_expect_eq(ws_result_nrows(r), 5); /* title, quoted, four, five, six */
    ws_result_free(r);
    ws_request_free(q);
    ws_corpus_close(c2);
    /* Records with a format other than JSONL; no input at all. */
    cr_assert_eq(ws_ingester_create(&g, path), 0);
    cr_assert_eq(ws_ingester_set(g, "format", "csv"), 0);
    cr_assert_eq(ws_ingester_add_record(g, &ok), 0);
    cr_expect_eq(ws_ingester_run(g, &s), WS_EINVAL);
    ws_ingester_free(g);
    cr_assert_eq(ws_ingester_create(&g, path), 0);
    cr_expect_eq(ws_ingester_run(g, &s), WS_EINVAL);
    ws_ingester_free(g);
    cr_expect_eq(ws_ingester_create(&g, NULL), WS_EINVAL);
    ws_ingester_free(NULL);
}
