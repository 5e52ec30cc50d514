/*
 * Term specifications (kernels/ws_termspec.c): the glob matcher ('*' any
 * run, '?' one code point, backtracking, multibyte text), and words,
 * patterns and phrases resolved over a hand-made dictionary's normalised
 * vocabulary, checked against sets written out by hand; the refusals.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ws_termspec.h"

static int gm(const char *p, const char *s) { return ws_glob_match(ws_str_make(p, strlen(p)), ws_str_make(s, strlen(s))); }

Test(glob, matcher)
{
    cr_expect(gm("opec*", "opec"));
    cr_expect(gm("opec*", "opecs"));
    cr_expect(!gm("opec*", "ope"));
    cr_expect(gm("*oil", "crudeoil"));
    cr_expect(!gm("*oil", "oils"));
    cr_expect(gm("o?l", "oil"));
    cr_expect(!gm("o?l", "ol"));
    cr_expect(gm("*a*b*", "xxaxxbxx"));
    cr_expect(!gm("*a*b", "xxaxxbxxc"));
    cr_expect(gm("a*a*a", "aaaa"));
    cr_expect(gm("*", ""));
    cr_expect(!gm("?", ""));
    cr_expect(gm("stra?e", "straße"));   /* ? is one code point, ß two bytes */
    cr_expect(!gm("stra??e", "straße"));
    cr_expect(gm("к*и", "кошки"));
    cr_expect(gm("?ошки", "кошки"));
}

static const char *const TERMS[] = {"Oil", "oil", "OILS", "opec", "OPEC's", "crude", "Crude", "soil", "the", "Straße", "strasse"};
#define NT (sizeof TERMS / sizeof TERMS[0])

typedef struct fixture {
    ws_dict d;
    ws_norm n;
    ws_tokenizer *tk;
} fixture;

static void setup(fixture *f, int keep_case)
{
    memset(f, 0, sizeof *f);
    cr_assert_eq(ws_dict_index(&f->d), 0);
    for (size_t i = 0; i < NT; i++) {
        uint32_t id;
        ws_str t = ws_str_make(TERMS[i], strlen(TERMS[i]));
        cr_assert_eq(ws_dict_intern(&f->d, t, ws_hash64(t.p, t.n), &id), 0);
    }
    ws_norm_opts o = {0};
    o.keep_case = keep_case;
    cr_assert_eq(ws_norm_build(&f->n, &f->d, &o), 0);
    cr_assert(f->tk = ws_tokenizer_create());
}

static void teardown(fixture *f)
{
    ws_tokenizer_free(f->tk);
    ws_norm_free(&f->n);
    ws_dict_free(&f->d);
}

/* The normalised terms of slot j, joined by ',' in id order. */
static void slot_terms(const fixture *f, const ws_termspec *s, uint32_t j, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (uint32_t k = 0; k < s->slot[j].n; k++) {
        ws_str t = ws_norm_term(&f->n, s->slot[j].ids[k]);
        n += (size_t)snprintf(buf + n, cap - n, "%s%.*s", k ? "," : "", (int)t.n, t.p);
    }
}

static void expect_spec(fixture *f, const char *text, ws_termspec_kind kind, uint32_t nslots, const char *const *want)
{
    ws_termspec s;
    cr_assert_eq(ws_termspec_parse(&f->n, f->tk, "--term", text, kind, &s), 0, "%s: %s", text, ws_last_error());
    cr_assert_eq(s.nslots, nslots, "%s: %u slots", text, s.nslots);
    for (uint32_t j = 0; j < nslots; j++) {
        char got[256];
        slot_terms(f, &s, j, got, sizeof got);
        cr_expect_str_eq(got, want[j], "%s slot %u", text, j);
    }
    ws_termspec_free(&s);
}

Test(termspec, folded)
{
    fixture f;
    setup(&f, 0);
    expect_spec(&f, "OIL", WS_TS_AUTO, 1, (const char *[]){"oil"});
    expect_spec(&f, "Oil*", WS_TS_AUTO, 1, (const char *[]){"oil,oils"});
    expect_spec(&f, "*oil", WS_TS_GLOB, 1, (const char *[]){"oil,soil"});
    expect_spec(&f, "?oil", WS_TS_GLOB, 1, (const char *[]){"soil"});
    expect_spec(&f, "opec", WS_TS_GLOB, 1, (const char *[]){"opec"});
    expect_spec(&f, "crude OIL*", WS_TS_AUTO, 2, (const char *[]){"crude", "oil,oils"});
    expect_spec(&f, "  crude   oil ", WS_TS_PHRASE, 2, (const char *[]){"crude", "oil"});
    expect_spec(&f, "OPEC's", WS_TS_PHRASE, 2, (const char *[]){"opec", ""}); /* "s" is not a term */
    expect_spec(&f, "STRA?E", WS_TS_AUTO, 1, (const char *[]){""}); /* Straße folds to strasse: ? is one letter */
    expect_spec(&f, "STRA??E", WS_TS_AUTO, 1, (const char *[]){"strasse"});
    expect_spec(&f, "STRA*E", WS_TS_AUTO, 1, (const char *[]){"strasse"});
    expect_spec(&f, "zz*", WS_TS_AUTO, 1, (const char *[]){""});
    ws_termspec s;
    cr_assert_eq(ws_termspec_parse(&f.n, f.tk, "--term", "zz*", WS_TS_AUTO, &s), 0);
    cr_expect(ws_termspec_empty(&s));
    ws_termspec_free(&s);
    cr_assert_eq(ws_termspec_parse(&f.n, f.tk, "--term", "oil", WS_TS_AUTO, &s), 0);
    cr_expect(!ws_termspec_empty(&s));
    cr_expect(ws_termslot_has(&s.slot[0], s.slot[0].ids[0]));
    ws_termspec_free(&s);
    teardown(&f);
}

Test(termspec, keep_case)
{
    fixture f;
    setup(&f, 1);
    expect_spec(&f, "Oil*", WS_TS_AUTO, 1, (const char *[]){"Oil"});
    expect_spec(&f, "*il", WS_TS_AUTO, 1, (const char *[]){"Oil,oil,soil"});
    expect_spec(&f, "?rude", WS_TS_AUTO, 1, (const char *[]){"crude,Crude"});
    teardown(&f);
}

static void expect_refused(fixture *f, const char *text, ws_termspec_kind kind, const char *msg)
{
    ws_termspec s;
    cr_expect_eq(ws_termspec_parse(&f->n, f->tk, "--term", text, kind, &s), WS_EINVAL, "'%s' accepted", text);
    cr_expect(strstr(ws_last_error(), msg), "'%s': message '%s' lacks '%s'", text, ws_last_error(), msg);
    cr_expect_eq(s.nslots, 0);
}

Test(termspec, refusals)
{
    fixture f;
    setup(&f, 0);
    expect_refused(&f, "", WS_TS_AUTO, "empty");
    expect_refused(&f, " \t", WS_TS_GLOB, "empty");
    expect_refused(&f, "!!", WS_TS_AUTO, "no word");
    expect_refused(&f, "u.s*", WS_TS_AUTO, "not one word");
    expect_refused(&f, "oil*-x", WS_TS_GLOB, "not one word");
    expect_refused(&f, "crude oil", WS_TS_GLOB, "without spaces");
    expect_refused(&f, "crude oil", WS_TS_WORD, "one word");
    expect_refused(&f, "oil*", WS_TS_WORD, "not accepted");
    expect_refused(&f, "a b c d e f g h i", WS_TS_PHRASE, "more than 8");
    expect_refused(&f, "a.b.c.d.e.f.g.h.i", WS_TS_AUTO, "more than 8");
    teardown(&f);
}
