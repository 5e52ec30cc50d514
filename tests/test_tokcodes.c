/*
 * The block-code fast path (WS_COLBIT_TOKCODES, ws_tok2_codes): kernels
 * that count over a block's frequency-ranked codes and a code -> id table
 * must count exactly what they count over decoded ids.
 *
 * A hand-made dictionary holds words in two cases (w7 and W7 fold to one
 * term, so a story can hold one term under two codes) and stop words
 * (dropped: the sink). Random blocks (Zipf-like ids, empty stories, one
 * distinct id, at most 256 distinct ids (one-byte codes), more (two-byte
 * codes), unselected rows, title-only and body-only spans, a block of
 * 65535 rows, which tf takes by ids) are encoded with ws_tok2_encode and
 * given to tf and cooc twice: once as ids, once as ws_tok2_codes gives
 * them. Checked: the codes decode to the ids; tf's totals equal a model
 * computed here from the ids and the remap (tf and df per folded term,
 * so a table that counted case variants apart, or dropped terms, fails);
 * tf's and cooc's (collocates of one term, document contexts) CSV by
 * codes equal theirs by ids; a block of more than 65535 distinct ids
 * gives no codes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_codec.h"
#include "ws_k_cooc.h"
#include "ws_kernel.h"
#include "ws_tokenize.h"

#define NW 600 /* words w0..w599, each also as W0..W599 */
#define NSTOP 3

static ws_dict dict;
static uint32_t nterms;
static ws_norm norm;

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 16) % n);
}

static void add_term(const char *t)
{
    uint32_t id;
    ws_str s = ws_str_make(t, strlen(t));
    cr_assert_eq(ws_dict_intern(&dict, s, ws_hash64(s.p, s.n), &id), 0);
}

static void setup(void)
{
    memset(&dict, 0, sizeof dict);
    cr_assert_eq(ws_dict_index(&dict), 0);
    char w[32];
    for (int i = 0; i < NW; i++) {
        snprintf(w, sizeof w, "w%d", i);
        add_term(w);
        snprintf(w, sizeof w, "W%d", i);
        add_term(w);
    }
    add_term("the");
    add_term("The");
    add_term("of");
    nterms = dict.nterms;
    ws_str stop[NSTOP] = {ws_str_make("the", 3), ws_str_make("of", 2), ws_str_make("and", 3)};
    ws_norm_opts o = {0};
    o.stopwords = stop;
    o.nstopwords = NSTOP;
    cr_assert_eq(ws_norm_build(&norm, &dict, &o), 0, "%s", ws_last_error());
    cr_assert_eq(norm.terms.nterms, NW + 2, "w/W fold to one term; the, of kept as keys");
}

static void teardown(void)
{
    ws_norm_free(&norm);
    ws_dict_free(&dict);
}

TestSuite(tokcodes, .init = setup, .fini = teardown, .timeout = 120);

/* A block of stories, as ids and (when the codec gives them) as codes. */
typedef struct tblock {
    uint32_t nrows;
    uint64_t ntok;
    uint32_t *ids;
    uint64_t *tok_off;
    uint32_t *ntitle;
    uint8_t *sel;
    ws_buf raw, dict;
    uint16_t *codes;
    uint32_t ncodes;
    ws_block bi, bc; /* by ids, by codes */
} tblock;

/* Ids: Zipf-like over `vocab` words (either case), a stop word now and then. */
static uint32_t some_id(uint32_t vocab)
{
    if (rnd(20) == 0) return 2 * NW + rnd(3); /* the, The, of */
    uint32_t r = rnd(vocab);
    r = (uint32_t)((uint64_t)r * rnd(vocab) / vocab);
    return 2 * r + (rnd(4) == 0); /* W (upper case) a quarter of the time */
}

static void make_block(tblock *t, uint32_t nrows, uint32_t maxlen, uint32_t vocab, int all_sel)
{
    memset(t, 0, sizeof *t);
    t->nrows = nrows;
    t->tok_off = malloc(((size_t)nrows + 1) * sizeof *t->tok_off);
    t->ntitle = malloc(((size_t)nrows + 1) * sizeof *t->ntitle);
    t->sel = malloc((size_t)nrows + 1);
    cr_assert(t->tok_off && t->ntitle && t->sel);
    uint64_t n = 0;
    for (uint32_t r = 0; r < nrows; r++) {
        t->tok_off[r] = n;
        uint32_t len = rnd(8) == 0 ? 0 : rnd(maxlen + 1);
        t->ntitle[r] = len ? rnd(len < 6 ? len + 1 : 6) : 0;
        t->sel[r] = all_sel || rnd(5) != 0;
        n += len;
    }
    t->tok_off[nrows] = n;
    t->ntok = n;
    t->ids = malloc((n ? n : 1) * sizeof *t->ids);
    cr_assert(t->ids);
    for (uint64_t i = 0; i < n; i++) t->ids[i] = some_id(vocab);
    cr_assert_eq(ws_tok2_encode(t->ids, n, &t->raw), 0);
    t->codes = malloc((n ? n : 1) * 2);
    cr_assert(t->codes);
    cr_assert_eq(ws_tok2_codes(t->raw.p, t->raw.n, n, nterms, &t->dict, t->codes, &t->ncodes), 0, "%s", ws_last_error());
    const uint32_t *tab = (const uint32_t *)(const void *)t->dict.p;
    if (n) cr_assert_gt(t->ncodes, 0);
    for (uint64_t i = 0; i < n; i++) {
        cr_assert_lt(t->codes[i], t->ncodes);
        cr_assert_eq(tab[t->codes[i]], t->ids[i], "token %llu", (unsigned long long)i);
    }
    ws_block *bs[2] = {&t->bi, &t->bc};
    for (int k = 0; k < 2; k++) {
        ws_block *b = bs[k];
        b->nrows = nrows;
        b->ntokens = n;
        b->meta.nrows = nrows;
        b->meta.tok_off = t->tok_off;
        b->meta.ntitle = t->ntitle;
    }
    t->bi.ids = t->ids;
    if (t->ncodes) {
        t->bc.codes = t->codes;
        t->bc.code_ids = tab;
        t->bc.ncodes = t->ncodes;
    } else {
        t->bc.ids = t->ids;
    }
}

static void free_block(tblock *t)
{
    free(t->ids);
    free(t->tok_off);
    free(t->ntitle);
    free(t->sel);
    free(t->codes);
    ws_buf_free(&t->raw);
    ws_buf_free(&t->dict);
}

/* Feed the blocks to kernel k (one state by ids, one by codes), finish both
 * into CSV. */
static void run_both(const ws_kernel *k, ws_query *q, tblock *bl, int nb, char **by_ids, char **by_codes)
{
    for (int v = 0; v < 2; v++) {
        void *s = k->init(q);
        cr_assert(s);
        for (int i = 0; i < nb; i++)
            cr_assert_eq(k->consume(s, q, v ? &bl[i].bc : &bl[i].bi, bl[i].sel), 0, "%s", ws_last_error());
        ws_table t;
        ws_table_init(&t);
        cr_assert_eq(k->finish(s, q, &t), 0, "%s", ws_last_error());
        cr_assert_eq(ws_table_close(&t), 0);
        ws_buf out = {0};
        cr_assert_eq(ws_table_render(&t, WS_FORMAT_CSV, 1, &out), 0);
        ws_buf_append(&out, "", 1);
        *(v ? by_codes : by_ids) = (char *)out.p;
        ws_table_free(&t);
        k->free(s);
    }
}

/* tf and df per normalised term, from the ids (the model). */
static void model_tf(const tblock *bl, int nb, int field, uint64_t *tf, uint64_t *df)
{
    uint32_t n = norm.terms.nterms;
    uint32_t *last = calloc((size_t)n + 1, sizeof *last);
    cr_assert(last);
    uint32_t row = 0;
    for (int i = 0; i < nb; i++)
        for (uint32_t r = 0; r < bl[i].nrows; r++) {
            if (!bl[i].sel[r]) continue;
            row++;
            uint64_t lo = bl[i].tok_off[r], hi = bl[i].tok_off[r + 1];
            if (field == 1) hi = lo + bl[i].ntitle[r];
            else if (field == 2) lo += bl[i].ntitle[r];
            for (uint64_t t = lo; t < hi; t++) {
                uint32_t x = norm.map[bl[i].ids[t]];
                if (x == WS_NORM_DROP) continue;
                tf[x]++;
                if (last[x] != row) df[x]++;
                last[x] = row;
            }
        }
    free(last);
}

/* Parse tf's CSV (term,tf,df) and compare every row with the model; every
 * term with tf > 0 must be listed. */
static void check_tf_csv(const char *csv, const uint64_t *tf, const uint64_t *df)
{
    uint32_t n = norm.terms.nterms, rows = 0, want = 0;
    for (uint32_t x = 0; x < n; x++) want += tf[x] > 0;
    const char *p = strchr(csv, '\n');
    cr_assert(p);
    for (p++; *p; rows++) {
        const char *c1 = strchr(p, ','), *nl = strchr(p, '\n');
        cr_assert(c1 && nl);
        uint32_t id;
        ws_str term = ws_str_make(p, (size_t)(c1 - p));
        cr_assert_eq(ws_norm_lookup(&norm, term, &id), 0);
        cr_assert_neq(id, WS_NORM_DROP, "row %u: unknown term", rows);
        unsigned long long a, b;
        cr_assert_eq(sscanf(c1 + 1, "%llu,%llu", &a, &b), 2);
        cr_assert_eq(a, tf[id], "term %.*s: tf %llu, model %llu", (int)term.n, term.p, a, (unsigned long long)tf[id]);
        cr_assert_eq(b, df[id], "term %.*s: df %llu, model %llu", (int)term.n, term.p, b, (unsigned long long)df[id]);
        p = nl + 1;
    }
    cr_assert_eq(rows, want, "rows listed");
}

static void check_tf(tblock *bl, int nb)
{
    for (int field = 0; field < 3; field++) {
        ws_query q;
        memset(&q, 0, sizeof q);
        q.norm = &norm;
        q.field = field;
        char *a = NULL, *b = NULL;
        run_both(&ws_kernel_tf, &q, bl, nb, &a, &b);
        cr_assert_str_eq(b, a, "tf by codes differs from tf by ids (field %d)", field);
        uint64_t *tf = calloc((size_t)norm.terms.nterms + 1, 8), *df = calloc((size_t)norm.terms.nterms + 1, 8);
        cr_assert(tf && df);
        model_tf(bl, nb, field, tf, df);
        check_tf_csv(b, tf, df);
        free(tf);
        free(df);
        free(a);
        free(b);
    }
}

static void check_cooc(tblock *bl, int nb, const char *target)
{
    ws_cooc_params p;
    memset(&p, 0, sizeof p);
    p.context = WS_COOC_DOC;
    p.min_count = 1;
    p.threads = 1;
    ws_termspec spec;
    memset(&spec, 0, sizeof spec);
    ws_tokenizer *tk = ws_tokenizer_create();
    cr_assert(tk);
    cr_assert_eq(ws_termspec_parse(&norm, tk, "--term", target, WS_TS_AUTO, &spec), 0, "%s", ws_last_error());
    ws_tokenizer_free(tk);
    p.targets = &spec;
    p.ntargets = 1;
    ws_cooc_stats stats;
    p.stats = &stats;
    ws_query q;
    memset(&q, 0, sizeof q);
    q.norm = &norm;
    q.ext = &p;
    char *a = NULL, *b = NULL;
    run_both(&ws_kernel_cooc, &q, bl, nb, &a, &b);
    cr_assert_str_eq(b, a, "cooc --term %s by codes differs from cooc by ids", target);
    cr_assert_gt(strlen(a), 40, "cooc found collocates of %s", target);
    free(a);
    free(b);
    ws_termspec_free(&spec);
}

Test(tokcodes, random_blocks_count_as_their_ids)
{
    enum { NB = 7 };
    tblock bl[NB];
    make_block(&bl[0], 300, 60, 100, 0);  /* at most 202 distinct ids: one-byte codes */
    make_block(&bl[1], 500, 120, NW, 0);  /* two-byte codes */
    make_block(&bl[2], 1, 50, 1, 1);      /* one story, few distinct ids */
    make_block(&bl[3], 40, 0, 10, 1);     /* no tokens at all */
    make_block(&bl[4], 2000, 200, NW, 1); /* every row selected, many codes */
    make_block(&bl[5], 20, 3, 5, 0);
    make_block(&bl[6], 700, 90, 300, 0);
    cr_assert_gt(bl[1].ncodes, 256, "two-byte codes");
    cr_assert_leq(bl[0].ncodes, 256, "one-byte codes");
    cr_assert_eq(bl[3].ntok, 0);
    check_tf(bl, NB);
    check_cooc(bl, NB, "w1");
    check_cooc(bl, NB, "w40");
    for (int i = 0; i < NB; i++) free_block(&bl[i]);
}

Test(tokcodes, a_block_of_65535_rows_counts_as_its_ids)
{
    /* too many rows for the 16-bit row stamps: tf and cooc take the ids */
    tblock bl[2];
    make_block(&bl[0], 65535, 2, 50, 0);
    make_block(&bl[1], 100, 30, 50, 0);
    check_tf(bl, 2);
    check_cooc(bl, 2, "w0");
    for (int i = 0; i < 2; i++) free_block(&bl[i]);
}

Test(tokcodes, more_than_65535_distinct_ids_give_no_codes)
{
    uint32_t n = 70000;
    uint32_t *ids = malloc(n * sizeof *ids);
    cr_assert(ids);
    for (uint32_t i = 0; i < n; i++) ids[i] = i * 3 % n; /* 70000 distinct */
    ws_buf raw = {0}, d = {0};
    cr_assert_eq(ws_tok2_encode(ids, n, &raw), 0);
    uint16_t *codes = malloc(n * 2);
    uint32_t nc = 1;
    cr_assert_eq(ws_tok2_codes(raw.p, raw.n, n, n, &d, codes, &nc), 0);
    cr_assert_eq(nc, 0, "codes past 16 bits: none given");
    /* 65535 distinct: still codes */
    for (uint32_t i = 0; i < n; i++) ids[i] = i % 65535;
    ws_buf_free(&raw);
    cr_assert_eq(ws_tok2_encode(ids, n, &raw), 0);
    cr_assert_eq(ws_tok2_codes(raw.p, raw.n, n, n, &d, codes, &nc), 0);
    cr_assert_eq(nc, 65535);
    const uint32_t *tab = (const uint32_t *)(const void *)d.p;
    for (uint32_t i = 0; i < n; i++) cr_assert_eq(tab[codes[i]], ids[i]);
    free(codes);
    free(ids);
    ws_buf_free(&raw);
    ws_buf_free(&d);
}
