/*
 * Tests for the corpus generator (bench/ws_generate.c): byte-identical output
 * for a seed whatever the thread count, valid JSONL with keys in order, dates
 * in range and roughly chronological with weekly seasonality and growth,
 * news-like story lengths, a Zipf-like word ranking, and planted topics that
 * can be found again from the JSONL alone using only the truth CSV. Corpora
 * are written under a fresh temporary directory that each test removes.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ws_generate.h"
#include "ws_util.h"

/* ---- temporary directory ---- */

static char g_dir[64];
static char g_paths[8][128];
static int g_npaths;

static void setup_dir(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/ws-gen-test-XXXXXX");
    cr_assert_not_null(mkdtemp(g_dir), "mkdtemp failed");
    g_npaths = 0;
}

static void teardown_dir(void)
{
    for (int i = 0; i < g_npaths; i++) unlink(g_paths[i]);
    rmdir(g_dir);
}

static const char *tmp_path(const char *name)
{
    cr_assert_lt(g_npaths, 8);
    char *p = g_paths[g_npaths++];
    snprintf(p, sizeof g_paths[0], "%s/%s", g_dir, name);
    return p;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static const char *generate(const char *name, uint64_t stories, uint64_t seed, int threads, const char *truth)
{
    const char *out = tmp_path(name);
    ws_gen_opts o = {stories, seed, out, truth, threads};
    int rc = ws_generate(&o);
    cr_assert_eq(rc, 0, "ws_generate: %s", ws_last_error());
    return out;
}

/* ---- a decoded corpus ---- */

typedef struct story {
    int64_t t; /* seconds since the epoch */
    char *title, *body;
} story;

typedef struct corpus {
    story *s;
    size_t n;
} corpus;

static int64_t parse_date(const char *d)
{
    int y, mo, da, h, mi, se, used = 0;
    if (strlen(d) != 20 || sscanf(d, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &da, &h, &mi, &se, &used) != 6 ||
        used != 20)
        return WS_DATE_UNKNOWN;
    if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 59) return WS_DATE_UNKNOWN;
    return ws_days_from_civil(y, (unsigned)mo, (unsigned)da) * 86400 + h * 3600 + mi * 60 + se;
}

static int64_t day_of(int64_t t) { return t / 86400; } /* all dates are after 1970 */

static const char *const k_keys[] = {"id", "date", "source", "section", "title", "body"};

/* Parses every line with jansson, checking the shape of each record. */
static corpus load_corpus(const char *path, size_t expect)
{
    size_t len;
    char *buf = read_all(path, &len);
    corpus c = {calloc(expect ? expect : 1, sizeof(story)), 0};
    cr_assert_not_null(c.s);
    char *line = buf;
    while (line < buf + len) {
        char *nl = memchr(line, '\n', (size_t)(buf + len - line));
        cr_assert_not_null(nl, "last line is not terminated");
        cr_assert_lt(c.n, expect, "more lines than stories");
        for (char *q = line; q < nl; q++) cr_assert_geq((unsigned char)*q, 0x20, "raw control byte in line %zu", c.n + 1);
        json_error_t err;
        json_t *o = json_loadb(line, (size_t)(nl - line), 0, &err);
        cr_assert_not_null(o, "line %zu: %s", c.n + 1, err.text);
        cr_assert(json_is_object(o));
        cr_assert_eq(json_object_size(o), 6, "line %zu: %zu keys", c.n + 1, json_object_size(o));
        size_t k = 0;
        for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it), k++) {
            cr_assert_str_eq(json_object_iter_key(it), k_keys[k], "line %zu: key %zu", c.n + 1, k);
            cr_assert(json_is_string(json_object_iter_value(it)));
        }
        char id[32];
        snprintf(id, sizeof id, "gen-%07zu", c.n + 1);
        cr_assert_str_eq(json_string_value(json_object_get(o, "id")), id);
        story *s = &c.s[c.n++];
        s->t = parse_date(json_string_value(json_object_get(o, "date")));
        cr_assert_neq(s->t, WS_DATE_UNKNOWN, "line %zu: bad date %s", c.n,
                      json_string_value(json_object_get(o, "date")));
        s->title = strdup(json_string_value(json_object_get(o, "title")));
        s->body = strdup(json_string_value(json_object_get(o, "body")));
        json_decref(o);
        line = nl + 1;
    }
    cr_assert_eq(c.n, expect, "%zu lines for %zu stories", c.n, expect);
    free(buf);
    return c;
}

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->s[i].title);
        free(c->s[i].body);
    }
    free(c->s);
}

/* Word tokens: runs of ASCII letters and non-ASCII UTF-8 (the em dash, the
 * only non-ASCII punctuation the generator writes, separates). Calls fn with
 * each token lower-cased (ASCII only). */
static size_t for_each_word(const char *s, void (*fn)(const char *w, size_t n, void *ctx), void *ctx)
{
    char w[128];
    size_t n = 0, count = 0;
    for (const unsigned char *p = (const unsigned char *)s;; p++) {
        int dash = p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0x94;
        int letter = !dash && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p >= 0x80);
        if (letter) {
            if (n < sizeof w) w[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            continue;
        }
        if (n) {
            if (fn) fn(w, n, ctx);
            count++;
            n = 0;
        }
        if (dash) p += 2;
        if (!*p) break;
    }
    return count;
}

/* Body length in words as the generator counts them: space-separated items
 * other than the em dash. */
static unsigned body_words(const char *b)
{
    unsigned n = 0;
    int in = 0;
    for (const char *p = b; *p; p++) {
        if (*p == ' ' || *p == '\n') { in = 0; continue; }
        if (!in && strncmp(p, "\xE2\x80\x94", 3) == 0 && (p[3] == ' ' || !p[3])) { p += 2; continue; }
        if (!in) n++;
        in = 1;
    }
    return n;
}

/* ---- determinism ---- */

TestSuite(generate, .init = setup_dir, .fini = teardown_dir, .timeout = 300);

static int same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = read_all(a, &na), *y = read_all(b, &nb);
    int same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

Test(generate, deterministic_for_any_thread_count)
{
    /* 5000 stories: more than one batch (4096) and a partial last chunk. */
    const char *t1 = generate("t1.jsonl", 5000, 11, 1, NULL);
    const char *t2 = generate("t2.jsonl", 5000, 11, 2, NULL);
    const char *t3 = generate("t3.jsonl", 5000, 11, 3, NULL);
    const char *again = generate("again.jsonl", 5000, 11, 2, NULL);
    const char *other = generate("other.jsonl", 5000, 12, 2, NULL);
    cr_assert(same_file(t1, t2), "1 thread and 2 threads differ");
    cr_assert(same_file(t1, t3), "1 thread and 3 threads differ");
    cr_assert(same_file(t2, again), "two runs with the same seed differ");
    cr_assert(!same_file(t1, other), "different seeds give the same corpus");
}

Test(generate, truth_depends_on_seed_only)
{
    const char *a = tmp_path("a.csv"), *b = tmp_path("b.csv"), *c = tmp_path("c.csv");
    generate("a.jsonl", 10, 5, 1, a);
    generate("b.jsonl", 100, 5, 2, b);
    generate("c.jsonl", 10, 6, 1, c);
    cr_assert(same_file(a, b));
    cr_assert(!same_file(a, c));
}

/* ---- shape of the records ---- */

Test(generate, valid_jsonl_with_keys_in_order)
{
    const char *p = generate("s.jsonl", 3000, 3, 0, NULL);
    corpus c = load_corpus(p, 3000);
    size_t len;
    char *raw = read_all(p, &len);
    /* Sources and sections: several distinct values; escapes present. */
    cr_assert_not_null(strstr(raw, "\\n\\n"), "no paragraph breaks");
    cr_assert_not_null(strstr(raw, "\\\""), "no escaped quotes");
    const char *sources[] = {"Corvell Wire", "The Daily Ambrel", "Norrick Times", "Halvorsen Post",
                             "Tavish Gazette", "Quillon Herald", "Brenmoor Ledger", "Sudret Courier"};
    for (size_t i = 0; i < 8; i++) {
        char key[64];
        snprintf(key, sizeof key, "\"source\":\"%s\"", sources[i]);
        cr_assert_not_null(strstr(raw, key), "source %s never used", sources[i]);
    }
    cr_assert_not_null(strstr(raw, "\"section\":\"politics\""));
    free(raw);
    size_t nonascii = 0;
    for (size_t i = 0; i < c.n; i++) {
        unsigned tw = (unsigned)for_each_word(c.s[i].title, NULL, NULL);
        cr_assert(tw >= 5 && tw <= 12, "title of %u words: %s", tw, c.s[i].title);
        char last = c.s[i].body[strlen(c.s[i].body) - 1];
        cr_assert(last == '.' || last == '"', "story %zu: body does not end a sentence", i + 1);
        for (const unsigned char *q = (const unsigned char *)c.s[i].body; *q; q++)
            if (*q >= 0x80 && !(q[0] == 0xE2 && q[1] == 0x80 && q[2] == 0x94)) { nonascii++; break; }
    }
    cr_assert_gt(nonascii, 0, "no non-ASCII words at all");
    cr_assert_lt(nonascii, c.n, "every story has non-ASCII words");
    corpus_free(&c);
}

Test(generate, empty_corpus)
{
    const char *p = generate("e.jsonl", 0, 1, 2, NULL);
    size_t len;
    free(read_all(p, &len));
    cr_assert_eq(len, 0);
}

/* ---- statistics over 20,000 stories ---- */

#define NSTAT 20000

Test(generate, dates_in_range_roughly_chronological_weekly_and_growing)
{
    corpus c = load_corpus(generate("d.jsonl", NSTAT, 9, 0, NULL), NSTAT);
    int64_t lo = ws_days_from_civil(WS_GEN_FIRST_YEAR, 1, 1) * 86400;
    int64_t hi = ws_days_from_civil(WS_GEN_LAST_YEAR + 1, 1, 1) * 86400;
    int64_t runmax = lo;
    size_t weekday[7] = {0}, first_year = 0, last_year = 0, inversions = 0;
    for (size_t i = 0; i < c.n; i++) {
        int64_t t = c.s[i].t;
        cr_assert(t >= lo && t < hi, "story %zu out of range", i + 1);
        if (t > runmax) runmax = t;
        cr_assert_leq(runmax - t, 8 * 86400, "story %zu is %lld s behind the archive", i + 1,
                      (long long)(runmax - t));
        if (i && t < c.s[i - 1].t) inversions++;
        weekday[(day_of(t) + 4) % 7]++;
        if (t < lo + 365 * 86400) first_year++;
        if (t >= hi - 365 * 86400) last_year++;
    }
    /* Not strictly sorted, but mostly. */
    cr_assert_gt(inversions, 0);
    cr_assert_lt(inversions, c.n / 3);
    /* Medians of blocks of 1000 stories never go back. */
    int64_t prev = 0;
    for (size_t b = 0; b + 1000 <= c.n; b += 1000) {
        int64_t med = c.s[b + 500].t;
        size_t below = 0;
        for (size_t i = b; i < b + 1000; i++) below += c.s[i].t < med;
        cr_assert(below > 400 && below < 600);
        cr_assert_geq(med, prev, "block %zu goes back in time", b / 1000);
        prev = med;
    }
    double weekend = (weekday[0] + weekday[6]) / 2.0, week = 0;
    for (int d = 1; d <= 5; d++) week += weekday[d] / 5.0;
    cr_assert_lt(weekend, 0.7 * week, "weekend %.0f vs weekday %.0f stories", weekend, week);
    cr_assert_gt(last_year, 1.5 * first_year, "no growth: %zu then %zu", first_year, last_year);
    corpus_free(&c);
}

static int cmp_uint(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

Test(generate, story_lengths_look_like_news)
{
    corpus c = load_corpus(generate("l.jsonl", NSTAT, 10, 0, NULL), NSTAT);
    unsigned *len = malloc(c.n * sizeof *len);
    size_t shortn = 0, longn = 0;
    for (size_t i = 0; i < c.n; i++) {
        len[i] = body_words(c.s[i].body);
        cr_assert(len[i] >= 10 && len[i] <= 3000, "story %zu has %u words", i + 1, len[i]);
        shortn += len[i] < 100;
        longn += len[i] > 1000;
    }
    qsort(len, c.n, sizeof *len, cmp_uint);
    unsigned median = len[c.n / 2];
    cr_log_info("median %u words, %zu under 100, %zu over 1000, max %u", median, shortn, longn, len[c.n - 1]);
    cr_assert(median >= 280 && median <= 420, "median %u words", median);
    cr_assert_gt(longn, c.n / 100, "only %zu stories over 1000 words", longn);
    cr_assert_gt(shortn, 0);
    cr_assert_lt(shortn, c.n / 10);
    free(len);
    corpus_free(&c);
}

/* ---- word counting ---- */

typedef struct word_count {
    char *w;
    size_t n;
    uint64_t count;
} word_count;

typedef struct counter {
    word_count *slot;
    size_t mask, used;
} counter;

static void count_word(const char *w, size_t n, void *ctx)
{
    counter *c = ctx;
    uint64_t h = ws_hash64(w, n);
    for (size_t i = (size_t)h & c->mask;; i = (i + 1) & c->mask) {
        word_count *s = &c->slot[i];
        if (!s->w) {
            cr_assert_lt(c->used, c->mask / 2, "counter full");
            s->w = strndup(w, n);
            s->n = n;
            s->count = 1;
            c->used++;
            return;
        }
        if (s->n == n && memcmp(s->w, w, n) == 0) { s->count++; return; }
    }
}

static int cmp_count_desc(const void *a, const void *b)
{
    const word_count *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->w, y->w);
}

Test(generate, word_ranking_is_zipf_like)
{
    corpus c = load_corpus(generate("z.jsonl", NSTAT, 4, 0, NULL), NSTAT);
    counter ct = {calloc((size_t)1 << 20, sizeof(word_count)), ((size_t)1 << 20) - 1, 0};
    for (size_t i = 0; i < c.n; i++) for_each_word(c.s[i].body, count_word, &ct);
    word_count *ranked = malloc(ct.used * sizeof *ranked);
    size_t k = 0;
    for (size_t i = 0; i <= ct.mask; i++)
        if (ct.slot[i].w) ranked[k++] = ct.slot[i];
    qsort(ranked, k, sizeof *ranked, cmp_count_desc);
    cr_assert_gt(k, 20000, "only %zu distinct words", k);
    double r1_10 = (double)ranked[0].count / (double)ranked[9].count;
    double slope = log((double)ranked[9].count / (double)ranked[999].count) / log(100.0);
    cr_log_info("top '%s' %llu, 10th '%s' %llu, ratio %.2f, slope(10..1000) %.3f, %zu types", ranked[0].w,
                (unsigned long long)ranked[0].count, ranked[9].w, (unsigned long long)ranked[9].count, r1_10,
                slope, k);
    /* Zipf with s in [0.95, 1.2]: 10^s in [8.9, 15.8]. */
    cr_assert(r1_10 > 8.0 && r1_10 < 17.0, "rank 1 / rank 10 = %.2f", r1_10);
    cr_assert(slope > 0.9 && slope < 1.25, "log-log slope %.3f", slope);
    /* Word lengths of the invented vocabulary stay within 2..12 letters
     * (counted in code points); one-letter words are only "a". */
    for (size_t i = 0; i < k; i++) {
        size_t cps = 0;
        for (size_t j = 0; j < ranked[i].n; j++) cps += ((unsigned char)ranked[i].w[j] & 0xC0) != 0x80;
        cr_assert(cps <= 12 && (cps >= 2 || strcmp(ranked[i].w, "a") == 0), "word '%s'", ranked[i].w);
    }
    for (size_t i = 0; i <= ct.mask; i++) free(ct.slot[i].w);
    free(ct.slot);
    free(ranked);
    corpus_free(&c);
}

/* ---- planted topics ---- */

typedef struct truth_row {
    char topic[32], kind[16];
    char *term[8];
    size_t nterms;
    int64_t start, end; /* inclusive days since 1970-01-01 */
    double base, peak;
} truth_row;

static int64_t parse_day(const char *s)
{
    int y, m, d, used = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10) return INT64_MIN;
    return ws_days_from_civil(y, (unsigned)m, (unsigned)d);
}

/* Reads the truth CSV, checking the header and every field. */
static size_t load_truth(const char *path, truth_row *rows, size_t max)
{
    size_t len, n = 0;
    char *buf = read_all(path, &len), *save = NULL;
    char *line = strtok_r(buf, "\n", &save);
    cr_assert_not_null(line);
    cr_assert_str_eq(line, "topic,kind,terms,start,end,base_rate,peak_rate");
    int64_t lo = ws_days_from_civil(WS_GEN_FIRST_YEAR, 1, 1), hi = ws_days_from_civil(WS_GEN_LAST_YEAR, 12, 31);
    while ((line = strtok_r(NULL, "\n", &save))) {
        cr_assert_lt(n, max);
        truth_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        char *field[7];
        size_t nf = 0;
        for (char *f = line; nf < 7; nf++) {
            field[nf] = f;
            char *comma = strchr(f, ',');
            if (!comma) { nf++; break; }
            *comma = 0;
            f = comma + 1;
        }
        cr_assert_eq(nf, 7, "truth row %zu has %zu fields", n, nf);
        snprintf(r->topic, sizeof r->topic, "%s", field[0]);
        snprintf(r->kind, sizeof r->kind, "%s", field[1]);
        cr_assert(strcmp(r->kind, "rise") == 0 || strcmp(r->kind, "burst") == 0 || strcmp(r->kind, "decline") == 0 ||
                      strcmp(r->kind, "seasonal") == 0 || strcmp(r->kind, "steady") == 0,
                  "kind '%s'", r->kind);
        char *tsave = NULL;
        for (char *t = strtok_r(field[2], " ", &tsave); t; t = strtok_r(NULL, " ", &tsave)) {
            cr_assert_lt(r->nterms, 8);
            for (const char *q = t; *q; q++) cr_assert(*q >= 'a' && *q <= 'z', "term '%s'", t);
            r->term[r->nterms++] = strdup(t);
        }
        cr_assert(r->nterms >= 3 && r->nterms <= 6, "%s has %zu terms", r->topic, r->nterms);
        r->start = parse_day(field[3]);
        r->end = parse_day(field[4]);
        cr_assert(r->start >= lo && r->start <= r->end && r->end <= hi, "%s: window %s..%s", r->topic, field[3],
                  field[4]);
        r->base = strtod(field[5], NULL);
        r->peak = strtod(field[6], NULL);
        cr_assert(r->base > 0 && r->base <= r->peak && r->peak < 1, "%s: rates %s %s", r->topic, field[5], field[6]);
    }
    free(buf);
    return n;
}

typedef struct mention_ctx {
    const truth_row *rows;
    size_t nrows;
    unsigned hits[16]; /* term occurrences per topic in the current story */
} mention_ctx;

static void find_terms(const char *w, size_t n, void *vctx)
{
    mention_ctx *m = vctx;
    for (size_t r = 0; r < m->nrows; r++)
        for (size_t k = 0; k < m->rows[r].nterms; k++) {
            const char *t = m->rows[r].term[k];
            if (t[0] == w[0] && strlen(t) == n && memcmp(t, w, n) == 0) m->hits[r]++;
        }
}

typedef struct tally {
    size_t stories, mentioning;
} tally;

static double rate(tally t) { return t.stories ? (double)t.mentioning / (double)t.stories : 0; }

Test(generate, planted_topics_match_the_truth_file)
{
    const char *truth = tmp_path("truth.csv");
    corpus c = load_corpus(generate("p.jsonl", NSTAT, 21, 0, truth), NSTAT);
    truth_row rows[16];
    size_t nrows = load_truth(truth, rows, 16);
    cr_assert_eq(nrows, 8);
    /* Per topic: mentions before, inside and after its window. */
    tally pre[16] = {{0}}, in[16] = {{0}}, post[16] = {{0}}, month_in[16] = {{0}}, month_out[16] = {{0}};
    mention_ctx m = {rows, nrows, {0}};
    for (size_t i = 0; i < c.n; i++) {
        memset(m.hits, 0, sizeof m.hits);
        for_each_word(c.s[i].body, find_terms, &m);
        int64_t d = day_of(c.s[i].t);
        for (size_t r = 0; r < nrows; r++) {
            cr_assert_leq(m.hits[r], 5, "story %zu mentions %s %u times", i + 1, rows[r].topic, m.hits[r]);
            tally *t = d < rows[r].start ? &pre[r] : d > rows[r].end ? &post[r] : &in[r];
            t->stories++;
            t->mentioning += m.hits[r] > 0;
            /* Same calendar month as the window's start, any year. */
            int64_t y, ys;
            unsigned mo, mos, dd;
            ws_civil_from_days(d, &y, &mo, &dd);
            ws_civil_from_days(rows[r].start, &ys, &mos, &dd);
            t = mo == mos ? &month_in[r] : &month_out[r];
            t->stories++;
            t->mentioning += m.hits[r] > 0;
        }
        /* Topic terms never appear in titles: they are not vocabulary. */
        memset(m.hits, 0, sizeof m.hits);
        for_each_word(c.s[i].title, find_terms, &m);
        for (size_t r = 0; r < nrows; r++) cr_assert_eq(m.hits[r], 0);
    }
    int bursts = 0, rises = 0;
    for (size_t r = 0; r < nrows; r++) {
        tally out = {pre[r].stories + post[r].stories, pre[r].mentioning + post[r].mentioning};
        tally all = {out.stories + in[r].stories, out.mentioning + in[r].mentioning};
        cr_log_info("%-10s %-8s pre %.4f in %.4f (%zu/%zu) post %.4f", rows[r].topic, rows[r].kind, rate(pre[r]),
                    rate(in[r]), in[r].mentioning, in[r].stories, rate(post[r]));
        if (strcmp(rows[r].kind, "burst") == 0) {
            bursts++;
            int64_t days = rows[r].end - rows[r].start + 1;
            cr_assert(days >= 7 && days <= 60, "%s: burst of %lld days", rows[r].topic, (long long)days);
            cr_assert_geq(in[r].mentioning, 2, "%s: %zu mentions in the window", rows[r].topic, in[r].mentioning);
            cr_assert_gt(rate(in[r]), 5 * rate(out), "%s: %.4f inside vs %.4f outside", rows[r].topic, rate(in[r]),
                         rate(out));
        } else if (strcmp(rows[r].kind, "rise") == 0) {
            rises++;
            cr_assert_gt(rate(post[r]), 3 * rate(pre[r]), "%s: %.4f before, %.4f after", rows[r].topic,
                         rate(pre[r]), rate(post[r]));
        } else if (strcmp(rows[r].kind, "decline") == 0) {
            cr_assert_gt(rate(pre[r]), 3 * rate(post[r]), "%s: %.4f before, %.4f after", rows[r].topic,
                         rate(pre[r]), rate(post[r]));
        } else if (strcmp(rows[r].kind, "seasonal") == 0) {
            cr_assert_eq(rows[r].end - rows[r].start + 1 >= 28, 1);
            cr_assert_gt(rate(month_in[r]), 4 * rate(month_out[r]), "%s: %.4f in its month, %.4f outside",
                         rows[r].topic, rate(month_in[r]), rate(month_out[r]));
        } else if (strcmp(rows[r].kind, "steady") == 0) {
            cr_assert(rate(all) > 0.6 * rows[r].base && rate(all) < 1.6 * rows[r].base, "%s: rate %.4f vs %g",
                      rows[r].topic, rate(all), rows[r].base);
        }
    }
    cr_assert_geq(bursts, 1);
    cr_assert_geq(rises, 1);
    for (size_t r = 0; r < nrows; r++)
        for (size_t k = 0; k < rows[r].nterms; k++) free(rows[r].term[k]);
    corpus_free(&c);
}

/* ---- command line ---- */

static int run_cli(const char *const *args)
{
    char *argv[16];
    int argc = 0;
    for (; args[argc]; argc++) argv[argc] = strdup(args[argc]);
    argv[argc] = NULL;
    int rc = ws_generate_main(argc, argv);
    for (int i = 0; i < argc; i++) free(argv[i]);
    return rc;
}

Test(generate, command_line)
{
    cr_redirect_stdout();
    cr_redirect_stderr();
    const char *out = tmp_path("cli.jsonl"), *truth = tmp_path("cli.csv");
    cr_assert_eq(run_cli((const char *const[]){"generate", "--help", NULL}), 0);
    cr_assert_eq(run_cli((const char *const[]){"generate", NULL}), 2);
    cr_assert_eq(run_cli((const char *const[]){"generate", "--stories", "10", NULL}), 2);
    cr_assert_eq(run_cli((const char *const[]){"generate", "--stories", "ten", "-o", out, NULL}), 2);
    cr_assert_eq(run_cli((const char *const[]){"generate", "--stories", "10", "--threads", "0", "-o", out, NULL}), 2);
    cr_assert_eq(run_cli((const char *const[]){"generate", "--bogus", NULL}), 2);
    cr_assert_eq(run_cli((const char *const[]){"generate", "--stories", NULL}), 2);
    cr_assert_eq(run_cli((const char *const[]){"generate", "--stories", "10", "-o", "/nonexistent-dir/x.jsonl", NULL}),
                 4);
    cr_assert_eq(run_cli((const char *const[]){"generate", "--stories=2k", "--seed", "5", "--threads", "2", "-o", out,
                                               "--truth", truth, NULL}),
                 0);
    const char *lib = generate("lib.jsonl", 2000, 5, 1, NULL);
    cr_assert(same_file(out, lib), "CLI and library outputs differ");
    size_t len;
    free(read_all(truth, &len));
    cr_assert_gt(len, 0);
}

Test(generate, allocation_failures_are_reported_and_leave_no_file)
{
    const char *out = tmp_path("oom.jsonl");
    int failed = 0;
    for (long n = 1; n <= 40; n++) {
        ws_gen_opts o = {300, 2, out, NULL, 2};
        ws__alloc_fail_after(n);
        int rc = ws_generate(&o);
        ws__alloc_fail_after(0);
        cr_assert(rc == 0 || rc == WS_ENOMEM, "fail after %ld: rc %d (%s)", n, rc, ws_last_error());
        if (rc) {
            failed++;
            cr_assert_neq(access(out, F_OK), 0, "fail after %ld: partial output left behind", n);
        }
    }
    cr_assert_gt(failed, 5);
    ws_gen_opts o = {300, 2, out, NULL, 2};
    cr_assert_eq(ws_generate(&o), 0);
}
