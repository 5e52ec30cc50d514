/*
 * Tests for engine/ws_scan with the tf and keyness kernels, against a model.
 * A seeded generator writes stories made of the words w00..w39 (so case
 * folding changes nothing and the expected counts are plain arithmetic),
 * with dates (some missing), sources, and two tag columns; they are ingested
 * in small blocks into two segments (an append), whose source and tag value
 * lists differ. The test keeps its own copy of every story and computes the
 * expected tf/df tables itself. Checked: every filter alone and together
 * (dates, sources, where with OR within a tag and AND across tags,
 * containing, field), block and segment skipping, grouping by month and by
 * tag (top N per group, tag values unified across segments), keyness
 * counts with the default and an explicit reference, byte-identical output
 * for 1, 2, 3 and 7 threads, and a failing-allocator sweep.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "ws_ingest.h"
#include "ws_scan.h"
#include "ws_termidx.h"
#include "ws_test_scan.h"

#define NSTORY 700
#define NWORD 40
#define MAXTOK 40

typedef struct story {
    int ntitle, ntok;
    int tok[MAXTOK];
    int64_t date; /* WS_DATE_UNKNOWN or seconds */
    int month;    /* 1..12 when dated */
    int source;   /* 0..4; source 4 only in the second half */
    int ntopics, topics[3];
    int place; /* -1 none, else 0..1 */
} story;

static story S[NSTORY];
static char dir[256];
static ws_store *st;

static uint64_t rng = 42;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng >> 33) % n;
}

static void write_half(const char *path, int lo, int hi)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = lo; i < hi; i++) {
        story *s = &S[i];
        fprintf(f, "{\"id\": \"%d\", \"source\": \"S%d\"", i, s->source);
        if (s->date != WS_DATE_UNKNOWN) fprintf(f, ", \"date\": \"2019-%02d-%02dT12:00:00Z\"", s->month, 1 + i % 28);
        fprintf(f, ", \"topics\": [");
        for (int k = 0; k < s->ntopics; k++) fprintf(f, "%s\"t%d\"", k ? ", " : "", s->topics[k]);
        fprintf(f, "]");
        if (s->place >= 0) fprintf(f, ", \"places\": \"p%d\"", s->place);
        fprintf(f, ", \"title\": \"");
        for (int k = 0; k < s->ntitle; k++) fprintf(f, "%sw%02d", k ? " " : "", s->tok[k]);
        fprintf(f, "\", \"body\": \"");
        for (int k = s->ntitle; k < s->ntok; k++) fprintf(f, "%sw%02d%s", k > s->ntitle ? " " : "", s->tok[k], k % 7 ? "" : ".");
        fprintf(f, "\"}\n");
    }
    fclose(f);
}

static void setup(void)
{
    rng = 42;
    for (int i = 0; i < NSTORY; i++) {
        story *s = &S[i];
        s->ntok = (int)rnd(MAXTOK);
        s->ntitle = s->ntok ? (int)rnd(4) : 0;
        if (s->ntitle > s->ntok) s->ntitle = s->ntok;
        for (int k = 0; k < s->ntok; k++) s->tok[k] = (int)(rnd(NWORD) * rnd(NWORD) / NWORD); /* skewed */
        s->month = 1 + (int)(i * 12 / NSTORY);
        s->date = i % 37 == 5 ? WS_DATE_UNKNOWN : ws_days_from_civil(2019, (unsigned)s->month, (unsigned)(1 + i % 28)) * 86400 + 43200;
        s->source = i < NSTORY / 2 ? (int)rnd(4) : (int)rnd(5);
        s->ntopics = (int)rnd(3);
        for (int k = 0; k < s->ntopics; k++) s->topics[k] = (int)rnd(i < NSTORY / 2 ? 5 : 6);
        if (s->ntopics == 2 && s->topics[0] == s->topics[1] && i % 2) s->ntopics = 1; /* some duplicates stay */
        s->place = (int)rnd(3) - 1;
    }
    snprintf(dir, sizeof dir, "/tmp/ws-test-scan.%d", (int)getpid());
    char cmd[1024], in1[300], in2[300], store[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(in1, sizeof in1, "%s/a.jsonl", dir);
    snprintf(in2, sizeof in2, "%s/b.jsonl", dir);
    snprintf(store, sizeof store, "%s/store", dir);
    write_half(in1, 0, NSTORY / 2);
    write_half(in2, NSTORY / 2, NSTORY);
    static const char *const tags[] = {"topics", "places"};
    for (int h = 0; h < 2; h++) {
        const char *inputs[] = {h ? in2 : in1};
        ws_ingest_opts o;
        ws_ingest_opts_default(&o);
        o.store = store;
        o.inputs = inputs;
        o.ninputs = 1;
        o.threads = 2;
        o.block_tokens = 300;
        o.fields.tag_keys = tags;
        o.fields.ntags = 2;
        FILE *log = fopen("/dev/null", "w");
        o.log = log;
        ws_ingest_stats is;
        int rc = ws_ingest(&o, &is);
        fclose(log);
        cr_assert_eq(rc, 0, "ingest: %s", ws_last_error());
    }
    cr_assert_eq(ws_store_open(store, 0, &st), 0, "%s", ws_last_error());
    cr_assert_null(st->tidx, "the term index is loaded on first use, not at open");
    cr_assert_eq(ws_store_load_index(st), 0, "%s", ws_last_error());
    cr_assert_eq(st->nsegs, 2);
}

static void teardown(void)
{
    ws_store_close(st);
    st = NULL;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
}

TestSuite(scan, .init = setup, .fini = teardown, .timeout = 60);

/* ---- the model ---- */

typedef int (*pred)(const story *s, const void *arg);
static int all_stories(const story *s, const void *arg) { (void)s; (void)arg; return 1; }
static int no_story(const story *s, const void *arg) { (void)s; (void)arg; return 0; }

typedef struct wc {
    int word;
    uint64_t tf, df;
} wc;
static int wc_cmp(const void *x, const void *y)
{
    const wc *a = x, *b = y;
    if (a->tf != b->tf) return a->tf > b->tf ? -1 : 1;
    return a->word - b->word; /* w00 < w01 ...: bytewise */
}

/* Expected tf CSV rows (no header) for the stories p keeps; field 0/1/2. */
static void model_rows(pred p, const void *arg, int field, uint32_t top, const char *prefix, ws_buf *out)
{
    wc c[NWORD];
    for (int w = 0; w < NWORD; w++) c[w] = (wc){w, 0, 0};
    for (int i = 0; i < NSTORY; i++) {
        if (!p(&S[i], arg)) continue;
        int lo = field == 2 ? S[i].ntitle : 0, hi = field == 1 ? S[i].ntitle : S[i].ntok, seen[NWORD] = {0};
        for (int k = lo; k < hi; k++) {
            c[S[i].tok[k]].tf++;
            if (!seen[S[i].tok[k]]++) c[S[i].tok[k]].df++;
        }
    }
    qsort(c, NWORD, sizeof *c, wc_cmp);
    char line[128];
    for (uint32_t w = 0; w < NWORD && c[w].tf && (!top || w < top); w++) {
        int n = snprintf(line, sizeof line, "%sw%02d,%llu,%llu\n", prefix, c[w].word, (unsigned long long)c[w].tf,
                         (unsigned long long)c[w].df);
        ws_buf_append(out, line, (size_t)n);
    }
}

static char *model_tf(pred p, const void *arg, int field, uint32_t top)
{
    ws_buf b = {0};
    ws_buf_append(&b, "term,tf,df\n", 11);
    model_rows(p, arg, field, top, "", &b);
    ws_buf_append(&b, "", 1);
    return (char *)b.p;
}

/* ---- running scans ---- */

static char *run(const ws_kernel *k, ws_query *q, const ws_scan_opts *o, ws_scan_stats *stats)
{
    ws_buf out = {0};
    int rc = ws_test_scan_csv(st, k, q, o, &out, stats);
    cr_assert_eq(rc, 0, "scan: %s", ws_last_error());
    ws_buf_append(&out, "", 1);
    return (char *)out.p;
}

static ws_norm norm;
static void query_init(ws_query *q, ws_scan_opts *o)
{
    memset(q, 0, sizeof *q);
    memset(o, 0, sizeof *o);
    ws_norm_opts no = {0};
    cr_assert_eq(ws_norm_build(&norm, &st->dict, &no), 0);
    q->norm = &norm;
    q->top = 0;
    ws_filter_init(&o->filter);
    o->threads = 3;
}

static void expect_tf(const char *what, ws_query *q, ws_scan_opts *o, pred p, const void *arg)
{
    char *want = model_tf(p, arg, q->field, q->top);
    for (int t = 1; t <= 7; t += t < 3 ? 1 : 4) { /* 1, 2, 3, 7 */
        o->threads = t;
        char *got = run(&ws_kernel_tf, q, o, NULL);
        cr_expect_str_eq(got, want, "%s, %d threads", what, t);
        free(got);
    }
    free(want);
}

Test(scan, everything)
{
    ws_query q;
    ws_scan_opts o;
    query_init(&q, &o);
    ws_scan_stats stats;
    char *got = run(&ws_kernel_tf, &q, &o, &stats);
    cr_expect_gt(stats.blocks_total, 20, "small blocks: %llu", (unsigned long long)stats.blocks_total);
    cr_expect_eq(stats.blocks_scanned, stats.blocks_total);
    cr_expect_eq(stats.stories, NSTORY);
    free(got);
    expect_tf("all", &q, &o, all_stories, NULL);
    q.field = 1;
    expect_tf("titles", &q, &o, all_stories, NULL);
    q.field = 2;
    q.top = 7;
    expect_tf("bodies, top 7", &q, &o, all_stories, NULL);
    ws_norm_free(&norm);
}

static int in_months(const story *s, const void *arg)
{
    const int *m = arg;
    return s->date != WS_DATE_UNKNOWN && s->month >= m[0] && s->month <= m[1];
}

Test(scan, dates_skip_blocks)
{
    ws_query q;
    ws_scan_opts o;
    query_init(&q, &o);
    const int m[2] = {3, 4};
    o.filter.from = ws_days_from_civil(2019, 3, 1) * 86400;
    o.filter.to = ws_days_from_civil(2019, 5, 1) * 86400 - 1;
    expect_tf("March-April", &q, &o, in_months, m);
    ws_scan_stats stats;
    free(run(&ws_kernel_tf, &q, &o, &stats));
    cr_expect_lt(stats.blocks_scanned * 3, stats.blocks_total, "date skipping: %llu of %llu blocks",
                 (unsigned long long)stats.blocks_scanned, (unsigned long long)stats.blocks_total);
    ws_norm_free(&norm);
}

static int from_s4(const story *s, const void *arg) { (void)arg; return s->source == 4; }
static int from_s1_s4(const story *s, const void *arg) { (void)arg; return s->source == 4 || s->source == 1; }

Test(scan, sources_skip_segments)
{
    ws_query q;
    ws_scan_opts o;
    query_init(&q, &o);
    const char *only4[] = {"S4"};
    o.filter.sources = only4;
    o.filter.nsources = 1;
    expect_tf("S4", &q, &o, from_s4, NULL);
    ws_scan_stats stats;
    free(run(&ws_kernel_tf, &q, &o, &stats));
    cr_expect_leq(stats.blocks_scanned + st->segs[0]->nblocks, stats.blocks_total, "segment 1 has no S4: skipped");
    const char *two[] = {"S1", "S4", "nosuch"};
    o.filter.sources = two;
    o.filter.nsources = 3;
    expect_tf("S1 or S4", &q, &o, from_s1_s4, NULL);
    ws_norm_free(&norm);
}

static int has_topic(const story *s, int t)
{
    for (int k = 0; k < s->ntopics; k++)
        if (s->topics[k] == t) return 1;
    return 0;
}
static int has_word(const story *s, int w)
{
    for (int k = 0; k < s->ntok; k++)
        if (s->tok[k] == w) return 1;
    return 0;
}
static int where_model(const story *s, const void *arg)
{
    (void)arg;
    return (has_topic(s, 1) || has_topic(s, 5)) && s->place == 0;
}
static int contain_model(const story *s, const void *arg)
{
    (void)arg;
    return has_word(s, 3) && has_word(s, 12);
}
static int combined_model(const story *s, const void *arg)
{
    (void)arg;
    return in_months(s, (const int[]){2, 11}) && has_topic(s, 2) && has_word(s, 20) && s->source != 0;
}

Test(scan, where_containing)
{
    ws_query q;
    ws_scan_opts o;
    query_init(&q, &o);
    const ws_where w[] = {{"topics", "t1"}, {"places", "p0"}, {"topics", "t5"}, {"topics", "nosuch"}};
    o.filter.where = w;
    o.filter.nwhere = 4;
    expect_tf("(t1 or t5) and p0", &q, &o, where_model, NULL);

    ws_filter_init(&o.filter);
    const char *words[] = {"W03", "w12"}; /* folded like the dictionary */
    o.filter.containing = words;
    o.filter.ncontaining = 2;
    q.field = 1; /* containing looks at the whole story, whatever the field counted */
    expect_tf("containing w03 and w12 (titles counted)", &q, &o, contain_model, NULL);
    q.field = 0;

    ws_filter_init(&o.filter);
    o.filter.from = ws_days_from_civil(2019, 2, 1) * 86400;
    o.filter.to = ws_days_from_civil(2019, 12, 1) * 86400 - 1;
    const ws_where t2[] = {{"topics", "t2"}};
    const char *w20[] = {"w20"}, *src[] = {"S1", "S2", "S3", "S4"};
    o.filter.where = t2;
    o.filter.nwhere = 1;
    o.filter.containing = w20;
    o.filter.ncontaining = 1;
    o.filter.sources = src;
    o.filter.nsources = 4;
    expect_tf("all filters", &q, &o, combined_model, NULL);

    const char *none[] = {"zebra"};
    o.filter.containing = none;
    expect_tf("containing an absent word", &q, &o, no_story, NULL);
    ws_norm_free(&norm);
}

/* The term index (written by the ingest and the append of setup): per
 * term, exactly the blocks whose token ids hold it (checked block by block
 * here); --containing a rare word reads only those blocks and gives the
 * model's answer, the same as without the index (which reads more); the
 * file image round-trips and any flipped byte is refused. */
static int word_model(const story *s, const void *arg) { return has_word(s, *(const int *)arg); }

Test(scan, term_index)
{
    cr_assert_not_null(st->tidx, "a new store and its append carry a term index");
    ws_termidx *x = st->tidx;
    cr_assert_eq(x->nsegs, 2);
    cr_assert_eq(x->nterms, st->dict.nterms);
    ws_block b;
    memset(&b, 0, sizeof b);
    uint32_t bn = 0, nblocks = 0;
    uint8_t *has = calloc(st->dict.nterms, 1);
    cr_assert(has);
    for (uint32_t i = 0; i < st->nsegs; i++)
        for (uint32_t k = 0; k < st->segs[i]->nblocks; k++, bn++) {
            cr_assert_eq(ws_block_load(&b, &st->dict, st->segs[i], k, WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA)), 0);
            memset(has, 0, st->dict.nterms);
            for (uint64_t t = 0; t < b.ntokens; t++) has[b.ids[t]] = 1;
            for (uint32_t id = 0; id < st->dict.nterms; id++) {
                int listed = 0;
                for (uint32_t j = x->off[id]; j < x->off[id + 1]; j++) listed |= x->blk[j] == bn;
                cr_assert_eq(listed, has[id], "term %u block %u: index says %d", id, bn, listed);
            }
        }
    nblocks = bn;
    cr_assert_eq(x->nblocks, nblocks);
    ws_block_free(&b);
    free(has);

    ws_query q;
    ws_scan_opts o;
    query_init(&q, &o);
    for (int w = 38; w >= 30; w -= 4) {
        char word[16];
        snprintf(word, sizeof word, "w%02d", w);
        const char *cw[] = {word};
        o.filter.containing = cw;
        o.filter.ncontaining = 1;
        uint32_t id = 0;
        while (id < st->dict.nterms && !ws_str_eq(ws_dict_term(&st->dict, id), ws_str_make(word, 3))) id++;
        cr_assert_lt(id, st->dict.nterms, "%s occurs", word);
        ws_scan_stats with, without;
        char *a = run(&ws_kernel_tf, &q, &o, &with);
        expect_tf(word, &q, &o, word_model, &w);
        ws_termidx *saved = st->tidx;
        char *saved_name = st->index_name;
        st->tidx = NULL; /* a store without the index: scanned as before */
        st->index_name = NULL;
        char *c = run(&ws_kernel_tf, &q, &o, &without);
        st->tidx = saved;
        st->index_name = saved_name;
        cr_expect_str_eq(a, c, "%s: the index changes the answer", word);
        cr_expect_eq(with.blocks_scanned, x->off[id + 1] - x->off[id], "%s: %llu blocks read, %u hold it", word,
                     (unsigned long long)with.blocks_scanned, x->off[id + 1] - x->off[id]);
        cr_expect_lt(with.blocks_scanned, without.blocks_scanned, "%s: the index saves nothing", word);
        free(a);
        free(c);
    }
    ws_norm_free(&norm);

    ws_buf img = {0};
    cr_assert_eq(ws_termidx_encode(x, &img), 0);
    ws_termidx y;
    cr_assert_eq(ws_termidx_decode(img.p, img.n, "img", &y), 0, "%s", ws_last_error());
    cr_expect(ws_termidx_equal(x, &y));
    ws_termidx_free(&y);
    for (size_t i = 0; i < img.n; i += 1 + img.n / 97) {
        img.p[i] ^= 0x20;
        cr_expect_eq(ws_termidx_decode(img.p, img.n, "img", &y), WS_ECORRUPT, "byte %zu flipped: accepted", i);
        cr_expect(strstr(ws_last_error(), "img") != NULL, "message names the file: %s", ws_last_error());
        img.p[i] ^= 0x20;
    }
    ws_buf_free(&img);
}

/* Story postings (index version 3): for every term and every block the
 * index lists, the entry names exactly the rows holding the term, or none
 * when more than 1 in D of the block's rows hold it (D: the segment's, at
 * least WS_IDX_ROWS_DENSE; 0: no rows listed). A version 1 image
 * (blocks only, as a 1.2 store has) made here by hand decodes, has no
 * postings, answers every query as the version 2 index and no index do,
 * and a build over it makes the full version 2 index. A group frame
 * damaged under a valid checksum is reported when its terms are read. */
Test(scan, story_postings)
{
    ws_termidx *x = st->tidx;
    cr_assert_eq(x->version, WS_IDX_VERSION);
    cr_assert_not_null(x->segd);
    ws_block b;
    memset(&b, 0, sizeof b);
    uint32_t bn = 0, *rows = NULL, *seen = calloc(st->dict.nterms, sizeof *seen);
    cr_assert(seen);
    uint64_t listed = 0, dense = 0;
    const uint8_t **at = calloc(st->dict.nterms, sizeof *at), **end = calloc(st->dict.nterms, sizeof *end);
    cr_assert(at && end);
    for (uint32_t id = 0; id < st->dict.nterms; id++) cr_assert_eq(ws_termidx_rows(x, id, &at[id], &end[id]), 1);
    for (uint32_t i = 0; i < st->nsegs; i++)
        for (uint32_t k = 0; k < st->segs[i]->nblocks; k++, bn++) {
            const uint64_t dd = x->segd[i];
            cr_assert(dd == 0 || dd >= WS_IDX_ROWS_DENSE, "segment %u: D %llu", i, (unsigned long long)dd);
            cr_assert_eq(x->brows[bn], st->segs[i]->blocks[k].nrows);
            cr_assert_eq(ws_block_load(&b, &st->dict, st->segs[i], k, WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA)), 0);
            rows = realloc(rows, (b.nrows + 1) * sizeof *rows);
            cr_assert(rows);
            for (uint32_t id = 0; id < st->dict.nterms; id++) {
                uint32_t j = x->off[id];
                while (j < x->off[id + 1] && x->blk[j] != bn) j++;
                if (j == x->off[id + 1]) continue;
                /* entries come in block order: this block's is next */
                uint32_t n;
                cr_assert_eq(ws_termidx_entry(&at[id], end[id], b.nrows, rows, &n), 0, "term %u block %u", id, bn);
                uint32_t truth = 0, next = 0;
                for (uint32_t r = 0; r < b.nrows; r++) {
                    int has = 0;
                    for (uint64_t t = b.meta.tok_off[r]; t < b.meta.tok_off[r + 1] && !has; t++) has = b.ids[t] == id;
                    truth += (uint32_t)has;
                    if (n && has) {
                        cr_assert_lt(next, n, "term %u block %u: row %u missing", id, bn, r);
                        cr_assert_eq(rows[next], r, "term %u block %u: row %u listed, %u holds it", id, bn, rows[next], r);
                        next++;
                    }
                }
                cr_assert_gt(truth, 0);
                if (n) {
                    cr_assert_eq(next, n, "term %u block %u: rows listed that do not hold it", id, bn);
                    cr_assert(dd && (uint64_t)n * dd <= b.nrows);
                    listed += n;
                } else {
                    cr_assert(!dd || (uint64_t)truth * dd > b.nrows, "term %u block %u: %u rows not listed", id, bn, truth);
                    dense++;
                }
                seen[id]++;
            }
        }
    for (uint32_t id = 0; id < st->dict.nterms; id++) {
        cr_assert_eq(at[id], end[id], "term %u: entries past its blocks", id);
        cr_assert_eq(seen[id], x->off[id + 1] - x->off[id]);
    }
    cr_assert_eq(listed, x->nrows_listed);
    cr_assert_gt(listed, 0, "no story listed (weak test)");
    cr_assert_gt(dense, 0, "no block too dense to list (weak test)");
    ws_block_free(&b);
    free(rows);
    free(seen);
    free(at);
    free(end);

    /* A version 1 image: header, the block lists' zstd frame, XXH3. */
    ws_buf raw = {0}, comp = {0}, img = {0};
    cr_assert_eq(ws_buf_reserve(&raw, ((size_t)x->nterms + x->off[x->nterms]) * WS_VARINT_MAX + 1), 0);
    for (uint32_t t = 0; t < x->nterms; t++) {
        ws_buf_put_varint(&raw, x->off[t + 1] - x->off[t]);
        for (uint32_t j = x->off[t], last = 0; j < x->off[t + 1]; last = x->blk[j], j++) ws_buf_put_varint(&raw, x->blk[j] - last);
    }
    cr_assert_eq(ws_zstd_compress(raw.p, raw.n, 3, &comp), 0);
    cr_assert_eq(ws_buf_reserve(&img, WS_IDX_HEADER_SIZE + comp.n + 8), 0);
    memset(img.p, 0, WS_IDX_HEADER_SIZE);
    memcpy(img.p, WS_IDX_MAGIC, 8);
    ws_le32_put(img.p + 8, 1);
    ws_le32_put(img.p + 12, x->nterms);
    ws_le32_put(img.p + 16, x->nsegs);
    ws_le32_put(img.p + 20, x->nblocks);
    ws_le64_put(img.p + 24, x->off[x->nterms]);
    ws_le64_put(img.p + 32, comp.n);
    ws_le64_put(img.p + 40, raw.n);
    memcpy(img.p + WS_IDX_HEADER_SIZE, comp.p, comp.n);
    img.n = WS_IDX_HEADER_SIZE + comp.n;
    ws_le64_put(img.p + img.n, XXH3_64bits(img.p, img.n));
    img.n += 8;
    ws_termidx v1;
    cr_assert_eq(ws_termidx_decode(img.p, img.n, "v1", &v1), 0, "%s", ws_last_error());
    cr_expect_eq(v1.version, 1);
    const uint8_t *p, *e;
    cr_expect_eq(ws_termidx_rows(&v1, 0, &p, &e), 0, "a version 1 index has no story postings");
    cr_expect_eq(ws_termidx_equal(&v1, x), 1, "the same blocks");

    ws_query q;
    ws_scan_opts o;
    query_init(&q, &o);
    static const char *const conds[][2] = {{"w37", NULL}, {"w33", NULL}, {"w05", NULL}, {"w35", "w02"}, {"w0*", "w3?"}, {"w31 w02", NULL}};
    for (size_t c = 0; c < sizeof conds / sizeof conds[0]; c++) {
        const char *cw[2] = {conds[c][0], conds[c][1]};
        o.filter.containing = cw;
        o.filter.ncontaining = cw[1] ? 2 : 1;
        char *a = run(&ws_kernel_tf, &q, &o, NULL);
        st->tidx = &v1;
        char *m = run(&ws_kernel_tf, &q, &o, NULL);
        char *saved_name = st->index_name;
        st->tidx = NULL;
        st->index_name = NULL; /* (else the scan loads it again) */
        char *n = run(&ws_kernel_tf, &q, &o, NULL);
        st->tidx = x;
        st->index_name = saved_name;
        cr_expect_str_eq(a, m, "%s: version 1 and 2 indexes answer differently", cw[0]);
        cr_expect_str_eq(a, n, "%s: the postings change the answer", cw[0]);
        cr_expect(strchr(a, '\n') && strchr(a, '\n')[1], "%s: an empty answer (weak test)", cw[0]);
        free(a);
        free(m);
        free(n);
    }
    ws_norm_free(&norm);

    ws_termidx full;
    cr_assert_eq(ws_termidx_build(&st->dict, st->segs, st->nsegs, &v1, &full), 0, "%s", ws_last_error());
    cr_expect_eq(full.version, WS_IDX_VERSION);
    cr_expect_eq(ws_termidx_equal(&full, x), 1, "a build over a version 1 index is the whole index");
    ws_termidx_free(&full);
    ws_termidx_free(&v1);

    /* Round trip; then a group frame damaged under a recomputed checksum. */
    ws_buf f2 = {0};
    cr_assert_eq(ws_termidx_encode(x, &f2), 0);
    ws_termidx y;
    cr_assert_eq(ws_termidx_decode(f2.p, f2.n, "img2", &y), 0, "%s", ws_last_error());
    cr_expect_eq(ws_termidx_equal(x, &y), 1, "encode/decode keeps every posting");
    ws_termidx_free(&y);
    size_t frames = WS_IDX_HEADER3_SIZE + 4 * ((size_t)x->nblocks + x->nsegs) + ws_le64_get(f2.p + 32) +
                    16 * (size_t)ws_le32_get(f2.p + 60);
    cr_assert_lt(frames + 12, f2.n - 8);
    f2.p[frames + 6] ^= 0x41; /* inside the first group's frame */
    ws_le64_put(f2.p + f2.n - 8, XXH3_64bits(f2.p, f2.n - 8));
    cr_assert_eq(ws_termidx_decode(f2.p, f2.n, "img2", &y), 0, "the frames are checked when read");
    int eq = ws_termidx_equal(x, &y);
    cr_expect(eq != 1, "a damaged frame compares equal");
    if (eq < 0) cr_expect(strstr(ws_last_error(), "img2") != NULL, "message names the file: %s", ws_last_error());
    ws_termidx_free(&y);
    ws_buf_free(&f2);
    ws_buf_free(&raw);
    ws_buf_free(&comp);
    ws_buf_free(&img);
}

/* Grouping: by month (undated last) and by topics (values unified across
 * segments; stories without topics in the group ""). */
typedef struct grp {
    int kind; /* 0 month, 1 topic */
    int g;
} grp;
static int in_group(const story *s, const void *arg)
{
    const grp *g = arg;
    if (g->kind == 0) return g->g == 0 ? s->date == WS_DATE_UNKNOWN : s->date != WS_DATE_UNKNOWN && s->month == g->g;
    return g->g < 0 ? s->ntopics == 0 : has_topic(s, g->g);
}

Test(scan, grouping)
{
    ws_query q;
    ws_scan_opts o;
    query_init(&q, &o);
    q.top = 5;
    ws_groups g;
    cr_assert_eq(ws_groups_build(st, WS_BY_MONTH, NULL, &g), 0);
    q.groups = &g;
    ws_buf want = {0};
    ws_buf_append(&want, "month,term,tf,df\n", 17);
    for (int m = 1; m <= 13; m++) {
        char prefix[32];
        grp gr = {0, m == 13 ? 0 : m};
        snprintf(prefix, sizeof prefix, m == 13 ? "undated," : "2019-%02d,", m);
        model_rows(in_group, &gr, 0, q.top, prefix, &want);
    }
    ws_buf_append(&want, "", 1);
    for (int t = 1; t <= 7; t += t < 3 ? 1 : 4) {
        o.threads = t;
        char *got = run(&ws_kernel_tf, &q, &o, NULL);
        cr_expect_str_eq(got, (char *)want.p, "by month, %d threads", t);
        free(got);
    }
    ws_buf_free(&want);
    ws_groups_free(&g);

    cr_assert_eq(ws_groups_build(st, WS_BY_TAG, "topics", &g), 0);
    cr_expect_eq(g.nlabels, 6, "t0..t5 across both segments");
    q.groups = &g;
    ws_buf_append(&want, "topics,term,tf,df\n", 18);
    for (int k = 0; k <= 6; k++) {
        char prefix[32];
        grp gr = {1, k == 6 ? -1 : k};
        snprintf(prefix, sizeof prefix, k == 6 ? "," : "t%d,", k);
        model_rows(in_group, &gr, 0, q.top, prefix, &want);
    }
    ws_buf_append(&want, "", 1);
    for (int t = 1; t <= 7; t += t < 3 ? 1 : 4) {
        o.threads = t;
        char *got = run(&ws_kernel_tf, &q, &o, NULL);
        cr_expect_str_eq(got, (char *)want.p, "by topics, %d threads", t);
        free(got);
    }
    ws_buf_free(&want);
    ws_groups_free(&g);
    cr_expect_eq(ws_groups_build(st, WS_BY_TAG, "nosuch", &g), WS_ENOENT);
    ws_groups_free(&g);
    ws_norm_free(&norm);
}

/* Keyness: the target/reference count columns against the model. */
static void keyness_counts(const char *csv, uint64_t *a, uint64_t *b)
{
    memset(a, 0, NWORD * sizeof *a);
    memset(b, 0, NWORD * sizeof *b);
    const char *p = strchr(csv, '\n');
    cr_assert_not_null(p);
    for (p++; *p; p = strchr(p, '\n') + 1) {
        int w;
        unsigned long long x, y;
        cr_assert_eq(sscanf(p, "w%d,%llu,%llu,", &w, &x, &y), 3, "row: %.40s", p);
        a[w] = x;
        b[w] = y;
    }
}

Test(scan, keyness_subsets)
{
    ws_query q;
    ws_scan_opts o;
    query_init(&q, &o);
    q.both = 1;
    ws_filter sub[2];
    ws_filter_init(&sub[0]);
    const ws_where t0[] = {{"topics", "t0"}};
    sub[0].where = t0;
    sub[0].nwhere = 1;
    o.subsets = sub;
    o.nsubsets = 1;
    o.rest = 1;
    uint64_t a[NWORD], b[NWORD], wa[NWORD] = {0}, wb[NWORD] = {0};
    for (int i = 0; i < NSTORY; i++)
        for (int k = 0; k < S[i].ntok; k++) (has_topic(&S[i], 0) ? wa : wb)[S[i].tok[k]]++;
    char *first = NULL;
    for (int t = 1; t <= 7; t += t < 3 ? 1 : 4) {
        o.threads = t;
        char *got = run(&ws_kernel_keyness, &q, &o, NULL);
        keyness_counts(got, a, b);
        for (int w = 0; w < NWORD; w++) {
            cr_expect_eq(a[w], wa[w], "w%02d target", w);
            cr_expect_eq(b[w], wb[w], "w%02d reference (the rest)", w);
        }
        if (!first) first = got;
        else {
            cr_expect_str_eq(got, first, "keyness, %d threads", t);
            free(got);
        }
    }
    free(first);
    /* explicit reference: S1 stories (a story in both counts on both sides) */
    ws_filter_init(&sub[1]);
    const char *s1[] = {"S1"};
    sub[1].sources = s1;
    sub[1].nsources = 1;
    o.nsubsets = 2;
    o.rest = 0;
    memset(wb, 0, sizeof wb);
    for (int i = 0; i < NSTORY; i++)
        for (int k = 0; k < S[i].ntok; k++)
            if (S[i].source == 1) wb[S[i].tok[k]]++;
    char *got = run(&ws_kernel_keyness, &q, &o, NULL);
    keyness_counts(got, a, b);
    for (int w = 0; w < NWORD; w++) {
        cr_expect_eq(a[w], wa[w], "w%02d target", w);
        cr_expect_eq(b[w], wb[w], "w%02d reference S1", w);
    }
    free(got);
    ws_norm_free(&norm);
}

Test(scan, bad_filters)
{
    ws_query q;
    ws_scan_opts o;
    query_init(&q, &o);
    ws_buf out = {0};
    const ws_where w[] = {{"nosuch", "x"}};
    o.filter.where = w;
    o.filter.nwhere = 1;
    cr_expect_eq(ws_test_scan_csv(st, &ws_kernel_tf, &q, &o, &out, NULL), WS_EINVAL);
    cr_expect(strstr(ws_last_error(), "topics, places"), "message lists the tags: %s", ws_last_error());
    ws_filter_init(&o.filter);
    const char *two[] = {"w01 w02 w03 w04 w05 w06 w07 w08 w09"}; /* a phrase of more than 8 tokens */
    o.filter.containing = two;
    o.filter.ncontaining = 1;
    cr_expect_eq(ws_test_scan_csv(st, &ws_kernel_tf, &q, &o, &out, NULL), WS_EINVAL);
    const char *empty[] = {"..."};
    o.filter.containing = empty;
    cr_expect_eq(ws_test_scan_csv(st, &ws_kernel_tf, &q, &o, &out, NULL), WS_EINVAL);
    ws_buf_free(&out);
    ws_norm_free(&norm);
}

Test(scan, failing_allocator)
{
    ws_query q;
    ws_scan_opts o;
    query_init(&q, &o);
    ws_groups g;
    cr_assert_eq(ws_groups_build(st, WS_BY_MONTH, NULL, &g), 0);
    q.groups = &g;
    q.top = 3;
    o.threads = 2;
    const char *w[] = {"w05"};
    o.filter.containing = w;
    o.filter.ncontaining = 1;
    char *want = run(&ws_kernel_tf, &q, &o, NULL);
    int ok = 0;
    for (long k = 1; k < 5000 && !ok; k++) {
        ws_buf out = {0};
        ws__alloc_fail_after(k);
        int rc = ws_test_scan_csv(st, &ws_kernel_tf, &q, &o, &out, NULL);
        ws__alloc_fail_after(0);
        cr_assert(rc == 0 || rc == WS_ENOMEM, "allocation %ld failing: rc %d (%s)", k, rc, ws_last_error());
        if (!rc) {
            ok = 1;
            ws_buf_append(&out, "", 1);
            cr_expect_str_eq((char *)out.p, want);
        }
        ws_buf_free(&out);
    }
    cr_expect(ok);
    free(want);
    ws_groups_free(&g);
    ws_norm_free(&norm);
}

Test(kernels, table_finds_every_kernel_by_name)
{
    static const char *const names[] = {"tf", "keyness", "decode", "cooc", "ngrams", "trends"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const ws_kernel *k = ws_kernel_find(names[i]);
        cr_assert_not_null(k, "kernel %s", names[i]);
        cr_assert_str_eq(k->name, names[i]);
        cr_assert(k->init && k->consume && k->merge && k->finish && k->free);
    }
    cr_assert_null(ws_kernel_find("nosuch"));
}
