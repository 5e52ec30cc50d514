/*
 * Tests for kernels/ws_norm: the query-time remap over a hand-made
 * dictionary. Full case folding (The/THE/the, Straße/STRASSE, final sigma),
 * --case, minimum length in code points after folding, numbers of any
 * script, stop words (NFKC and folded, also under --case), Snowball stemming
 * (English, Russian), the order fold -> drop -> stem, ws_norm_lookup for
 * --containing, the stop-word file format, the bundled lists (and that the
 * embedded copies equal data/stopwords/CODE.txt byte for byte), unknown
 * stemmers, and a failing-allocator sweep. Expected values are written out
 * by hand.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_norm.h"

static const char *const TERMS[] = {
    "The", "the", "THE", "Straße", "STRASSE", "running", "runs", "Running", "1987", "١٢٣", "3d", "ab",
    "ΟΔΟΣ", "οδος", "кошками", "кошки", "ß", "connections", "connected", "an",
};
enum { T_The, T_the, T_THE, T_Strasse_sz, T_STRASSE, T_running, T_runs, T_Running, T_1987, T_arabic, T_3d, T_ab,
       T_ODOS_upper, T_odos, T_koshkami, T_koshki, T_sz, T_connections, T_connected, T_an, NTERMS };

static void make_dict(ws_dict *d)
{
    memset(d, 0, sizeof *d);
    cr_assert_eq(ws_dict_index(d), 0);
    for (size_t i = 0; i < NTERMS; i++) {
        uint32_t id;
        ws_str t = ws_str_make(TERMS[i], strlen(TERMS[i]));
        cr_assert_eq(ws_dict_intern(d, t, ws_hash64(t.p, t.n), &id), 0);
        cr_assert_eq(id, i);
    }
}

/* The normalised term of dictionary term i, or "<drop>". */
static const char *norm_of(const ws_norm *n, uint32_t i, char *buf)
{
    if (n->map[i] == WS_NORM_DROP) return "<drop>";
    ws_str t = ws_norm_term(n, n->map[i]);
    snprintf(buf, 256, "%.*s", (int)t.n, t.p);
    return buf;
}

static void expect_norm(const ws_norm *n, uint32_t i, const char *want)
{
    char buf[256];
    const char *got = norm_of(n, i, buf);
    cr_expect_str_eq(got, want, "'%s' -> '%s', want '%s'", TERMS[i], got, want);
}

Test(norm, default_folding)
{
    ws_dict d;
    make_dict(&d);
    ws_norm n;
    ws_norm_opts o = {0};
    cr_assert_eq(ws_norm_build(&n, &d, &o), 0);
    expect_norm(&n, T_The, "the");
    expect_norm(&n, T_THE, "the");
    cr_expect_eq(n.map[T_The], n.map[T_the]);
    cr_expect_eq(n.map[T_THE], n.map[T_the]);
    expect_norm(&n, T_Strasse_sz, "strasse"); /* full folding: ß -> ss */
    cr_expect_eq(n.map[T_Strasse_sz], n.map[T_STRASSE]);
    expect_norm(&n, T_ODOS_upper, "οδοσ"); /* final sigma folds to σ */
    cr_expect_eq(n.map[T_ODOS_upper], n.map[T_odos]);
    expect_norm(&n, T_Running, "running");
    expect_norm(&n, T_arabic, "١٢٣");
    expect_norm(&n, T_sz, "ss");
    /* ids in order of first mapping: The -> 0, Straße -> 1, running -> 2 */
    cr_expect_eq(n.map[T_The], 0);
    cr_expect_eq(n.map[T_Strasse_sz], 1);
    cr_expect_eq(n.map[T_running], 2);
    for (uint32_t i = 0; i < NTERMS; i++) {
        cr_expect_eq(n.key[i], n.map[i], "nothing dropped: key == map");
        cr_expect_eq(n.sink[i], n.map[i]);
    }
    ws_norm_free(&n);
    ws_norm_free(&n); /* idempotent */
    ws_dict_free(&d);
}

Test(norm, keep_case)
{
    ws_dict d;
    make_dict(&d);
    ws_norm n;
    ws_norm_opts o = {.keep_case = 1};
    cr_assert_eq(ws_norm_build(&n, &d, &o), 0);
    expect_norm(&n, T_The, "The");
    expect_norm(&n, T_Strasse_sz, "Straße");
    cr_expect_neq(n.map[T_The], n.map[T_the]);
    cr_expect_eq(n.terms.nterms, NTERMS);
    ws_norm_free(&n);
    ws_dict_free(&d);
}

Test(norm, min_length_numbers)
{
    ws_dict d;
    make_dict(&d);
    ws_norm n;
    ws_norm_opts o = {.min_len = 3, .no_numbers = 1};
    cr_assert_eq(ws_norm_build(&n, &d, &o), 0);
    expect_norm(&n, T_ab, "<drop>");
    expect_norm(&n, T_an, "<drop>");
    expect_norm(&n, T_3d, "<drop>");      /* 2 characters */
    expect_norm(&n, T_1987, "<drop>");    /* a number */
    expect_norm(&n, T_arabic, "<drop>");  /* Arabic-Indic digits are numbers too */
    expect_norm(&n, T_the, "the");
    expect_norm(&n, T_odos, "οδοσ");      /* 4 characters, 8 bytes */
    expect_norm(&n, T_sz, "<drop>");      /* "ß" folds to "ss": 2 characters */
    /* dropped terms still have a key, and the sink map sends them past the vocabulary */
    ws_str k = ws_norm_term(&n, n.key[T_1987]);
    cr_expect(k.n == 4 && !memcmp(k.p, "1987", 4));
    cr_expect_eq(n.sink[T_1987], n.terms.nterms);
    ws_norm_free(&n);

    ws_norm_opts o2 = {.min_len = 2};
    cr_assert_eq(ws_norm_build(&n, &d, &o2), 0);
    expect_norm(&n, T_sz, "ss"); /* length counts after folding */
    expect_norm(&n, T_arabic, "١٢٣");
    ws_norm_free(&n);
    ws_norm_opts o3 = {.no_numbers = 1};
    cr_assert_eq(ws_norm_build(&n, &d, &o3), 0);
    expect_norm(&n, T_3d, "3d"); /* letters too: not a number */
    ws_norm_free(&n);
    ws_dict_free(&d);
}

Test(norm, stopwords)
{
    ws_dict d;
    make_dict(&d);
    ws_norm n;
    /* fullwidth THE: NFKC makes it THE, folding the */
    const ws_str stop[] = {WS_STR_LIT("\xEF\xBC\xB4\xEF\xBC\xA8\xEF\xBC\xA5"), WS_STR_LIT("STRASSE")};
    ws_norm_opts o = {.stopwords = stop, .nstopwords = 2};
    cr_assert_eq(ws_norm_build(&n, &d, &o), 0);
    expect_norm(&n, T_The, "<drop>");
    expect_norm(&n, T_the, "<drop>");
    expect_norm(&n, T_THE, "<drop>");
    expect_norm(&n, T_Strasse_sz, "<drop>"); /* compared after folding: straße = strasse */
    expect_norm(&n, T_running, "running");
    ws_norm_free(&n);
    /* under --case stop words still match case-insensitively */
    ws_norm_opts o2 = {.keep_case = 1, .stopwords = stop, .nstopwords = 2};
    cr_assert_eq(ws_norm_build(&n, &d, &o2), 0);
    expect_norm(&n, T_The, "<drop>");
    expect_norm(&n, T_running, "running");
    ws_norm_free(&n);
    ws_dict_free(&d);
}

Test(norm, stemming)
{
    ws_dict d;
    make_dict(&d);
    ws_norm n;
    ws_norm_opts o = {.stem = "english"};
    cr_assert_eq(ws_norm_build(&n, &d, &o), 0);
    expect_norm(&n, T_running, "run");
    expect_norm(&n, T_runs, "run");
    expect_norm(&n, T_Running, "run"); /* folded first, then stemmed */
    expect_norm(&n, T_connections, "connect");
    expect_norm(&n, T_connected, "connect");
    expect_norm(&n, T_the, "the");
    uint32_t id;
    cr_assert_eq(ws_norm_lookup(&n, WS_STR_LIT("CONNECTING"), &id), 0);
    cr_expect_eq(id, n.map[T_connected]);
    cr_assert_eq(ws_norm_lookup(&n, WS_STR_LIT("zebra"), &id), 0);
    cr_expect_eq(id, WS_NORM_DROP);
    ws_norm_free(&n);

    ws_norm_opts r = {.stem = "RU"}; /* ISO code, any case */
    cr_assert_eq(ws_norm_build(&n, &d, &r), 0);
    expect_norm(&n, T_koshkami, "кошк");
    expect_norm(&n, T_koshki, "кошк");
    ws_norm_free(&n);

    /* stop words are checked before stemming: "runs" listed drops only runs */
    const ws_str stop[] = {WS_STR_LIT("runs")};
    ws_norm_opts o2 = {.stem = "en", .stopwords = stop, .nstopwords = 1};
    cr_assert_eq(ws_norm_build(&n, &d, &o2), 0);
    expect_norm(&n, T_runs, "<drop>");
    expect_norm(&n, T_running, "run");
    cr_expect_eq(n.key[T_runs], n.map[T_running]); /* the key of a dropped term is still its stem */
    ws_norm_free(&n);

    ws_norm_opts bad = {.stem = "klingon"};
    cr_expect_eq(ws_norm_build(&n, &d, &bad), WS_EINVAL);
    cr_expect(strstr(ws_last_error(), "klingon") && strstr(ws_last_error(), "english"), "message: %s",
              ws_last_error());
    ws_norm_free(&n);
    ws_dict_free(&d);
}

Test(norm, lookup_without_stemming)
{
    ws_dict d;
    make_dict(&d);
    ws_norm n;
    ws_norm_opts o = {0};
    cr_assert_eq(ws_norm_build(&n, &d, &o), 0);
    uint32_t id;
    cr_assert_eq(ws_norm_lookup(&n, WS_STR_LIT("STRAßE"), &id), 0);
    cr_expect_eq(id, n.map[T_STRASSE]);
    ws_norm_free(&n);
    ws_norm_opts k = {.keep_case = 1};
    cr_assert_eq(ws_norm_build(&n, &d, &k), 0);
    cr_assert_eq(ws_norm_lookup(&n, WS_STR_LIT("THE"), &id), 0);
    cr_expect_eq(id, n.map[T_THE]);
    cr_assert_eq(ws_norm_lookup(&n, WS_STR_LIT("tHe"), &id), 0);
    cr_expect_eq(id, WS_NORM_DROP);
    ws_norm_free(&n);
    ws_dict_free(&d);
}

Test(norm, empty_dictionary)
{
    ws_dict d = {0};
    cr_assert_eq(ws_dict_index(&d), 0);
    ws_norm n;
    ws_norm_opts o = {.stem = "en"};
    cr_assert_eq(ws_norm_build(&n, &d, &o), 0);
    cr_expect_eq(n.terms.nterms, 0);
    uint32_t id;
    cr_expect_eq(ws_norm_lookup(&n, WS_STR_LIT("x"), &id), 0);
    cr_expect_eq(id, WS_NORM_DROP);
    ws_norm_free(&n);
    ws_dict_free(&d);
}

static size_t parse(const char *text, ws_str **w)
{
    size_t nw = 0, cap = 0;
    *w = NULL;
    cr_assert_eq(ws_stopwords_parse(ws_str_make(text, strlen(text)), w, &nw, &cap), 0);
    return nw;
}

Test(stopwords, file_format)
{
    ws_str *w;
    size_t n = parse("\xEF\xBB\xBF" "alpha\r\n  beta  # comment\n\n# only a comment\n\tgamma\t\r\n#\ndelta", &w);
    cr_assert_eq(n, 4);
    cr_expect(ws_str_eq(w[0], WS_STR_LIT("alpha")));
    cr_expect(ws_str_eq(w[1], WS_STR_LIT("beta")));
    cr_expect(ws_str_eq(w[2], WS_STR_LIT("gamma")));
    cr_expect(ws_str_eq(w[3], WS_STR_LIT("delta")));
    ws_free(w);
    cr_expect_eq(parse("", &w), 0);
    ws_free(w);
    cr_expect_eq(parse("\n\n # x\n", &w), 0);
    ws_free(w);
}

static int has_word(const ws_stoplist *l, const char *word)
{
    ws_str *w = NULL;
    size_t n = 0, cap = 0;
    cr_assert_eq(ws_stopwords_parse(ws_str_make(l->text, l->len), &w, &n, &cap), 0);
    int found = 0;
    for (size_t i = 0; i < n; i++) found |= ws_str_eq(w[i], ws_str_make(word, strlen(word)));
    ws_free(w);
    return found;
}

Test(stopwords, bundled)
{
    const ws_stoplist *en = ws_stoplist_find("en"), *ru = ws_stoplist_find("Russian");
    cr_assert_not_null(en);
    cr_assert_not_null(ru);
    cr_expect_eq(ws_stoplist_find("ENGLISH"), en);
    cr_expect_null(ws_stoplist_find("xx"));
    cr_expect(has_word(en, "the") && has_word(en, "and") && has_word(en, "of") && !has_word(en, "oil"));
    cr_expect(has_word(ru, "и") && has_word(ru, "в") && has_word(ru, "её") && has_word(ru, "ее") &&
              !has_word(ru, "нефть"));
}

/* The embedded lists are the data files, byte for byte (rerun
 * data/stopwords/embed.py after editing a list). */
Test(stopwords, embedded_equals_data_files)
{
    size_t nlists = 0;
    for (const ws_stoplist *l = ws_stoplists; l->name; l++, nlists++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/data/stopwords/%s.txt", WS_SRC_DIR, l->code);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "cannot open %s", path);
        char *buf = malloc(l->len + 2);
        size_t n = fread(buf, 1, l->len + 1, f);
        fclose(f);
        cr_expect_eq(n, l->len, "%s: %zu bytes, embedded copy has %zu: rerun data/stopwords/embed.py", path, n, l->len);
        cr_expect(n == l->len && !memcmp(buf, l->text, n), "%s differs from the embedded copy: rerun embed.py", path);
        free(buf);
    }
    cr_expect_geq(nlists, 2);
}

/* Every allocation failing in turn: a clean WS_ENOMEM, never a crash. */
Test(norm, failing_allocator)
{
    ws_dict d;
    make_dict(&d);
    const ws_str stop[] = {WS_STR_LIT("the")};
    ws_norm_opts o = {.stem = "en", .stopwords = stop, .nstopwords = 1};
    int ok = 0;
    for (long k = 1; k < 200 && !ok; k++) {
        ws_norm n;
        ws__alloc_fail_after(k);
        int rc = ws_norm_build(&n, &d, &o);
        ws__alloc_fail_after(0);
        cr_assert(rc == 0 || rc == WS_ENOMEM, "allocation %ld failing: rc %d", k, rc);
        if (!rc) {
            ok = 1;
            expect_norm(&n, T_running, "run");
        }
        ws_norm_free(&n);
    }
    cr_expect(ok, "never succeeded");
    ws_dict_free(&d);
}
