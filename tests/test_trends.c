/*
 * Tests for the trends kernel's pieces that stand alone: Kleinberg bursts
 * on constructed sequences whose answer is clear, Dunning's G2 against the
 * formula written out, and the topic lists (--terms and the --topics file
 * format: phrases, comments, errors naming file and line) over a hand-made
 * dictionary. The scan itself is tested end to end (tests/e2e/trends_*.sh).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ws_k_trends.h"
#include "ws_topics.h"

/* -ln of the binomial likelihood without the coefficient, as Kleinberg's cost. */
static double cost(double r, double d, double p) { return -(r * log(p) + (d - r) * log(1 - p)); }

Test(bursts, one_clear_burst)
{
    uint64_t r[20], d[20];
    for (int t = 0; t < 20; t++) {
        d[t] = 100;
        r[t] = t >= 8 && t <= 11 ? 30 : 2;
    }
    ws_burst *v;
    size_t n;
    cr_assert_eq(ws_trends_bursts(r, d, 20, 2, 1, &v, &n), 0);
    cr_assert_eq(n, 1, "one burst, got %zu", n);
    cr_expect_eq(v[0].start, 8);
    cr_expect_eq(v[0].end, 11);
    double p0 = (16 * 2 + 4 * 30) / 2000.0, p1 = 2 * p0, w = 0;
    for (int t = 8; t <= 11; t++) w += cost(30, 100, p0) - cost(30, 100, p1);
    cr_expect(fabs(v[0].weight - w) < 1e-9 * w, "weight %.12g, want %.12g", v[0].weight, w);
    ws_free(v);

    /* A prohibitive cost of entering the burst state: no burst. */
    cr_assert_eq(ws_trends_bursts(r, d, 20, 2, 1000, &v, &n), 0);
    cr_expect_eq(n, 0);
    ws_free(v);
}

Test(bursts, two_bursts_and_edges)
{
    /* Bursts at the very start and at the end, with unequal volumes. */
    uint64_t r[12] = {40, 45, 3, 2, 3, 2, 0, 3, 2, 3, 50, 60}, d[12] = {100, 110, 100, 90, 100, 100,
                                                                     0, 100, 100, 100, 120, 130};
    ws_burst *v;
    size_t n;
    cr_assert_eq(ws_trends_bursts(r, d, 12, 2, 1, &v, &n), 0);
    cr_assert_eq(n, 2, "two bursts, got %zu", n);
    cr_expect(v[0].start == 0 && v[0].end == 1, "first burst %zu-%zu", v[0].start, v[0].end);
    cr_expect(v[1].start == 10 && v[1].end == 11, "second burst %zu-%zu", v[1].start, v[1].end);
    ws_free(v);
}

Test(bursts, flat_and_empty)
{
    uint64_t r[10], d[10];
    for (int t = 0; t < 10; t++) r[t] = 5, d[t] = 100;
    ws_burst *v;
    size_t n;
    cr_assert_eq(ws_trends_bursts(r, d, 10, 2, 1, &v, &n), 0);
    cr_expect_eq(n, 0, "a constant rate has no burst");
    ws_free(v);
    for (int t = 0; t < 10; t++) r[t] = 0;
    cr_assert_eq(ws_trends_bursts(r, d, 10, 2, 1, &v, &n), 0);
    cr_expect_eq(n, 0);
    cr_expect_null(v);
    cr_assert_eq(ws_trends_bursts(r, d, 0, 2, 1, &v, &n), 0);
    cr_expect_eq(n, 0);
}

Test(g2, formula)
{
    /* 2 sum O ln(O/E) over the four cells, written out. */
    double a = 30, c = 200, b = 40, d = 1000, N = c + d, k = a + b;
    double want = 2 * (a * log(a / (c * k / N)) + (c - a) * log((c - a) / (c * (N - k) / N)) +
                       b * log(b / (d * k / N)) + (d - b) * log((d - b) / (d * (N - k) / N)));
    double got = ws_trends_g2(30, 200, 40, 1000);
    cr_expect(fabs(got - want) < 1e-9 * want, "g2 %.12g, want %.12g", got, want);
    cr_expect(fabs(ws_trends_g2(10, 100, 20, 200)) < 1e-12, "equal rates: 0");
    /* A term absent from the baseline: the b ln b cell is 0. */
    double want0 = 2 * (5 * log(5 / (100 * 5 / 300.0)) + 95 * log(95 / (100 * 295 / 300.0)) +
                        200 * log(200 / (200 * 295 / 300.0)));
    cr_expect(fabs(ws_trends_g2(5, 100, 0, 200) - want0) < 1e-9 * want0);
}

/* ---- topic lists ---- */

static const char *const TERMS[] = {"Peace", "treaty", "oil", "crude", "OPEC", "the", "Bank", "of", "England"};

static void setup_norm(ws_dict *d, ws_norm *n)
{
    memset(d, 0, sizeof *d);
    cr_assert_eq(ws_dict_index(d), 0);
    for (size_t i = 0; i < sizeof TERMS / sizeof TERMS[0]; i++) {
        uint32_t id;
        ws_str t = ws_str_make(TERMS[i], strlen(TERMS[i]));
        cr_assert_eq(ws_dict_intern(d, t, ws_hash64(t.p, t.n), &id), 0);
    }
    ws_norm_opts o = {0};
    cr_assert_eq(ws_norm_build(n, d, &o), 0);
}

static char missing[512];
static void note_missing(void *ctx, const char *topic, const char *pattern)
{
    (void)ctx;
    size_t k = strlen(missing);
    snprintf(missing + k, sizeof missing - k, "%s/%s;", topic, pattern);
}

static uint32_t id_of(const ws_norm *n, const char *w)
{
    uint32_t id;
    cr_assert_eq(ws_norm_lookup(n, ws_str_make(w, strlen(w)), &id), 0);
    return id;
}

Test(topics, file_format)
{
    ws_dict d;
    ws_norm n;
    setup_norm(&d, &n);
    const char *text = "\xEF\xBB\xBF# energy topics\r\n"
                       "oil: oil crude OPEC  # cartel\r\n"
                       "\n"
                       "  peace talks : \"peace treaty\", \"Bank of England\" gold\n";
    ws_trends_set s;
    ws_trends_set_init(&s);
    missing[0] = 0;
    cr_assert_eq(ws_topics_parse("t.txt", text, strlen(text), &s, &n, note_missing, NULL), 0, "%s", ws_last_error());
    cr_assert_eq(s.ntopics, 2);
    cr_expect_str_eq(s.names[0], "oil");
    cr_expect_str_eq(s.names[1], "peace talks");
    cr_assert_eq(s.npat, 6);
    cr_expect_eq(s.pat_topic[2], 0);
    cr_expect_eq(s.pat_topic[3], 1);
    cr_expect_eq(s.pat_off[4] - s.pat_off[3], 2, "\"peace treaty\" is a phrase of two words");
    cr_expect_eq(s.pat_ids[s.pat_off[3]], id_of(&n, "peace"));
    cr_expect_eq(s.pat_ids[s.pat_off[3] + 1], id_of(&n, "treaty"));
    cr_expect_eq(s.pat_off[5] - s.pat_off[4], 3);
    cr_expect_eq(s.pat_ids[s.pat_off[2]], id_of(&n, "opec"), "terms are case-folded");
    cr_expect_str_eq(missing, "peace talks/gold;", "gold is not in the dictionary");
    /* Lookup tables: dictionary id of "crude" starts the pattern 1 only. */
    cr_assert_eq(ws_trends_set_finish(&s, &n), 0);
    uint32_t h = s.first[0][3];
    cr_assert_neq(h, 0);
    cr_expect_eq(s.start_off[h] - s.start_off[h - 1], 1);
    cr_expect_eq(s.start_pat[s.start_off[h - 1]], 1);
    cr_expect_eq(s.first[0][5], 0, "'the' starts no pattern");
    ws_trends_set_free(&s);
    ws_norm_free(&n);
    ws_dict_free(&d);
}

static void expect_error(const char *text, const char *want)
{
    ws_dict d;
    ws_norm n;
    setup_norm(&d, &n);
    ws_trends_set s;
    ws_trends_set_init(&s);
    int rc = ws_topics_parse("topics.txt", text, strlen(text), &s, &n, NULL, NULL);
    cr_expect_eq(rc, WS_EINVAL, "'%s' should fail", text);
    cr_expect(strstr(ws_last_error(), want) != NULL, "message '%s' lacks '%s'", ws_last_error(), want);
    ws_trends_set_free(&s);
    ws_norm_free(&n);
    ws_dict_free(&d);
}

Test(topics, errors_name_file_and_line)
{
    expect_error("oil: oil\n\njust words\n", "topics.txt:3:");
    expect_error("oil: oil \"crude\n", "topics.txt:1: unterminated quote");
    expect_error("oil: oil\noil: crude\n", "topics.txt:2: topic 'oil' is given twice");
    expect_error("# c\noil:   # nothing\n", "topics.txt:2: topic 'oil' has no terms");
    expect_error(" : oil\n", "topics.txt:1: the topic has no name");
    expect_error("oil: \"...\"\n", "topics.txt:1: '...' holds no word");
    expect_error("# only comments\n\n", "topics.txt: no topics");
}

Test(topics, terms_option)
{
    ws_dict d;
    ws_norm n;
    setup_norm(&d, &n);
    ws_trends_set s;
    ws_trends_set_init(&s);
    cr_assert_eq(ws_topics_from_terms("oil, crude,\"peace treaty\",Bank of England", &s, &n, NULL, NULL), 0, "%s",
                 ws_last_error());
    cr_assert_eq(s.ntopics, 4);
    cr_expect_str_eq(s.names[1], "crude");
    cr_expect_str_eq(s.names[2], "peace treaty");
    cr_expect_str_eq(s.names[3], "Bank of England");
    cr_expect_eq(s.pat_off[4] - s.pat_off[3], 3, "an unquoted item of several words is a phrase");
    ws_trends_set_free(&s);
    ws_trends_set_init(&s);
    cr_expect_eq(ws_topics_from_terms("oil,,crude", &s, &n, NULL, NULL), WS_EINVAL);
    cr_expect(strstr(ws_last_error(), "empty item") != NULL, "%s", ws_last_error());
    ws_trends_set_free(&s);
    ws_trends_set_init(&s);
    cr_expect_eq(ws_topics_from_terms("oil,\"peace", &s, &n, NULL, NULL), WS_EINVAL);
    ws_trends_set_free(&s);
    ws_trends_set_init(&s);
    cr_expect_eq(ws_topics_from_terms("oil,OIL", &s, &n, NULL, NULL), 0, "different names, same term: allowed");
    ws_trends_set_free(&s);
    ws_norm_free(&n);
    ws_dict_free(&d);
}

/* Patterns expand over the normalised vocabulary into one pattern per term
 * sequence; a pattern matching nothing keeps its topic and is noted; a bad
 * pattern is refused with the file and line. */
Test(topics, patterns_expand)
{
    ws_dict d;
    ws_norm n;
    setup_norm(&d, &n);
    ws_trends_set s;
    ws_trends_set_init(&s);
    missing[0] = 0;
    const char *text = "t: ?il \"Bank ?f *\" zz*\n";
    cr_assert_eq(ws_topics_parse("t.txt", text, strlen(text), &s, &n, note_missing, NULL), 0, "%s", ws_last_error());
    /* ?il: oil; "Bank ?f *": bank of x for the 9 normalised terms; zz*: none. */
    cr_assert_eq(s.npat, 1 + 9 + 1);
    cr_expect_eq(s.pat_ids[s.pat_off[0]], id_of(&n, "oil"));
    cr_expect_str_eq(s.pat_text[0], "?il");
    for (uint32_t p = 1; p <= 9; p++) {
        cr_expect_eq(s.pat_off[p + 1] - s.pat_off[p], 3);
        cr_expect_eq(s.pat_ids[s.pat_off[p]], id_of(&n, "bank"));
        cr_expect_eq(s.pat_ids[s.pat_off[p] + 1], id_of(&n, "of"));
        cr_expect_str_eq(s.pat_text[p], "Bank ?f *");
    }
    cr_expect_eq(s.pat_ids[s.pat_off[10]], WS_NORM_DROP, "a pattern matching nothing never matches");
    cr_expect_str_eq(missing, "t/zz*;");
    cr_assert_eq(ws_trends_set_finish(&s, &n), 0);
    ws_trends_set_free(&s);
    ws_norm_free(&n);
    ws_dict_free(&d);
    expect_error("t: u.s*\n", "topics.txt:1: pattern 'u.s*'");
    expect_error("t: \"* * * * *\"\n", "narrow the pattern");
}

/* Every allocation failing in turn: a clean WS_ENOMEM (or success once the
 * sweep passes the last allocation), never a crash. */
Test(topics, failing_allocator)
{
    ws_dict d;
    ws_norm n;
    setup_norm(&d, &n);
    const char *text = "oil: oil crude OPEC\npeace: \"peace treaty\" \"Bank of England\"\n";
    int ok = 0;
    for (long k = 1; k < 400 && !ok; k++) {
        ws_trends_set s;
        ws_trends_set_init(&s);
        ws__alloc_fail_after(k);
        int rc = ws_topics_parse("t.txt", text, strlen(text), &s, &n, NULL, NULL);
        if (!rc) rc = ws_trends_set_finish(&s, &n);
        ws__alloc_fail_after(0);
        cr_assert(rc == 0 || rc == WS_ENOMEM, "allocation %ld: rc %d (%s)", k, rc, ws_last_error());
        ok = rc == 0;
        ws_trends_set_free(&s);
    }
    cr_expect(ok, "the sweep never reached success");
    ws_norm_free(&n);
    ws_dict_free(&d);
}
