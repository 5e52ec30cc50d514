/*
 * Tests for kernels/ws_tokenize: hand-computed tokens and sentence starts for
 * ASCII, punctuation, accented Latin, Cyrillic, Chinese, Japanese, Korean,
 * invalid UTF-8, NUL, NFKC compatibility forms, CRLF, BOM and empty input;
 * the segment-wise NFKC checked against utf8proc_map over every code point,
 * every canonical composite and random mark/jamo soup; seeded random bytes
 * checked for structural invariants and idempotence; and a failing-allocator
 * sweep. Expected tokens are written out by hand, never produced by the code
 * under test.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "ws_tokenize.h"
#include "ws_utf8.h"
#include "ws_util.h"

#define LIST(T, ...) ((const T[]){__VA_ARGS__}), (sizeof((const T[]){__VA_ARGS__}) / sizeof(T))
#define TOKS(...) LIST(char *const, __VA_ARGS__)
#define SENTS(...) LIST(uint32_t, __VA_ARGS__)
#define NOSENTS NULL, 0
#define ALL ((size_t)-1)

/* Tokenize s (n bytes, or strlen when n == ALL) and compare with the wanted
 * tokens and, when sw is not NULL, the wanted sentence starts. */
static void expect_split(const char *s, size_t n, const char *const *want, size_t nwant,
                         const uint32_t *sw, size_t nsw)
{
    if (n == ALL) n = strlen(s);
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    ws_tokens r;
    int rc = ws_tokenize(t, s, n, &r);
    cr_assert_eq(rc, 0, "ws_tokenize(\"%s\") = %d", s, rc);
    cr_expect_eq(r.ntok, nwant, "\"%s\": %zu tokens, want %zu", s, r.ntok, nwant);
    for (size_t i = 0; i < r.ntok && i < nwant; i++) {
        size_t wl = strlen(want[i]);
        cr_expect(r.tok[i].len == wl && memcmp(r.text + r.tok[i].off, want[i], wl) == 0,
                  "\"%s\": token %zu is \"%.*s\", want \"%s\"", s, i, (int)r.tok[i].len,
                  r.text + r.tok[i].off, want[i]);
    }
    if (sw) {
        cr_expect_eq(r.nsent, nsw, "\"%s\": %zu sentences, want %zu", s, r.nsent, nsw);
        for (size_t i = 0; i < r.nsent && i < nsw; i++)
            cr_expect_eq(r.sent[i], sw[i], "\"%s\": sentence %zu starts at token %u, want %u", s, i,
                         r.sent[i], sw[i]);
    }
    ws_tokenizer_free(t);
}

/* Expect the normalised text of s to be want (both given with lengths). */
static void expect_text(const char *s, size_t n, const char *want, size_t wn, size_t invalid)
{
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    ws_tokens r;
    cr_assert_eq(ws_tokenize(t, s, n, &r), 0);
    cr_expect(r.text_len == wn && memcmp(r.text, want, wn) == 0, "text of \"%s\" is \"%.*s\", want \"%s\"",
              s, (int)r.text_len, r.text, want);
    cr_expect_eq(r.invalid, invalid, "\"%s\": %zu invalid, want %zu", s, r.invalid, invalid);
    ws_tokenizer_free(t);
}
#define EXPECT_TEXT(s, want, invalid) expect_text((s), sizeof(s) - 1, (want), sizeof(want) - 1, (invalid))

/* Token strings and sentence starts of two inputs must agree. */
static void expect_same(const char *a, const char *b)
{
    ws_tokenizer *ta = ws_tokenizer_create(), *tb = ws_tokenizer_create();
    cr_assert(ta && tb);
    ws_tokens ra, rb;
    cr_assert_eq(ws_tokenize(ta, a, strlen(a), &ra), 0);
    cr_assert_eq(ws_tokenize(tb, b, strlen(b), &rb), 0);
    cr_assert_eq(ra.ntok, rb.ntok, "%zu vs %zu tokens", ra.ntok, rb.ntok);
    for (size_t i = 0; i < ra.ntok; i++)
        cr_expect(ra.tok[i].len == rb.tok[i].len &&
                      memcmp(ra.text + ra.tok[i].off, rb.text + rb.tok[i].off, ra.tok[i].len) == 0,
                  "token %zu differs", i);
    cr_assert_eq(ra.nsent, rb.nsent);
    for (size_t i = 0; i < ra.nsent; i++) cr_expect_eq(ra.sent[i], rb.sent[i]);
    ws_tokenizer_free(ta);
    ws_tokenizer_free(tb);
}

/* ---- hand-computed cases ---- */

Test(tokenize, ascii)
{
    expect_split("The quick brown fox, jumped over 2 lazy dogs!", ALL,
                 TOKS("The", "quick", "brown", "fox", "jumped", "over", "2", "lazy", "dogs"), SENTS(0));
    expect_split("  leading and trailing  \t", ALL, TOKS("leading", "and", "trailing"), SENTS(0));
    expect_split("a", ALL, TOKS("a"), SENTS(0));
    expect_split("CamelCase stays CamelCase", ALL, TOKS("CamelCase", "stays", "CamelCase"), NOSENTS);
}

Test(tokenize, punctuation_and_digits)
{
    expect_split("3.5%", ALL, TOKS("3", "5"), SENTS(0));
    expect_split("don't", ALL, TOKS("don", "t"), SENTS(0));
    expect_split("e-mail snake_case $1,000.50 #tag @user a/b", ALL,
                 TOKS("e", "mail", "snake", "case", "1", "000", "50", "tag", "user", "a", "b"), SENTS(0));
    expect_split("COVID-19 (2020)", ALL, TOKS("COVID", "19", "2020"), SENTS(0));
    expect_split("!!! ... ---", ALL, NULL, 0, NULL, 0);
}

Test(tokenize, accented_latin)
{
    /* precomposed and decomposed input give the same NFC bytes */
    expect_split("Café crème", ALL, TOKS("Caf\xC3\xA9", "cr\xC3\xA8me"), SENTS(0));
    expect_split("Cafe\xCC\x81 cre\xCC\x80me", ALL, TOKS("Caf\xC3\xA9", "cr\xC3\xA8me"), SENTS(0));
    EXPECT_TEXT("cafe\xCC\x81", "caf\xC3\xA9", 0);
    /* e + dot below + circumflex, in either order, is U+1EC7 */
    expect_split("Vie\xCC\xA3\xCC\x82t Nam", ALL, TOKS("Vi\xE1\xBB\x87t", "Nam"), SENTS(0));
    expect_split("Vie\xCC\x82\xCC\xA3t Nam", ALL, TOKS("Vi\xE1\xBB\x87t", "Nam"), SENTS(0));
    /* the Angstrom sign is a singleton decomposition to A-ring */
    EXPECT_TEXT("\xE2\x84\xAB", "\xC3\x85", 0);
    /* a mark that cannot compose stays, and stays in the token */
    expect_split("q\xCC\x81x y", ALL, TOKS("q\xCC\x81x", "y"), SENTS(0));
    /* a mark with nothing before it starts a token */
    expect_split(" \xCC\x81" "ab", ALL, TOKS("\xCC\x81" "ab"), SENTS(0));
}

Test(tokenize, cyrillic)
{
    expect_split("Москва, 10 мая.", ALL, TOKS("Москва", "10", "мая"), SENTS(0));
    /* и + combining breve is й */
    expect_split("и\xCC\x86", ALL, TOKS("й"), SENTS(0));
}

Test(tokenize, chinese)
{
    expect_split("中国经济", ALL, TOKS("中", "国", "经", "济"), SENTS(0));
    expect_split("中国经济增长。下一句", ALL, TOKS("中", "国", "经", "济", "增", "长", "下", "一", "句"),
                 SENTS(0, 6));
    /* full-width ！？ become ASCII under NFKC and still end sentences before CJK */
    expect_split("你好！我是学生。他呢？", ALL, TOKS("你", "好", "我", "是", "学", "生", "他", "呢"),
                 SENTS(0, 2, 6));
    /* extension B ideograph (4 bytes) */
    expect_split("\xF0\xA0\x80\x80" "中", ALL, TOKS("\xF0\xA0\x80\x80", "中"), SENTS(0));
}

Test(tokenize, japanese)
{
    expect_split("東京タワーは３３３メートル", ALL,
                 TOKS("東", "京", "タ", "ワ", "ー", "は", "333", "メ", "ー", "ト", "ル"), SENTS(0));
    expect_split("ＮＨＫのニュース", ALL, TOKS("NHK", "の", "ニ", "ュ", "ー", "ス"), SENTS(0));
    expect_split("Tokyo東京2020年", ALL, TOKS("Tokyo", "東", "京", "2020", "年"), SENTS(0));
    /* half-width katakana with half-width voiced marks: NFKC gives ガイド */
    expect_split("\uFF76\uFF9E\uFF72\uFF84\uFF9E", ALL, TOKS("ガ", "イ", "ド"), SENTS(0));
    /* か + combining dakuten composes to が */
    expect_split("か\u3099", ALL, TOKS("が"), SENTS(0));
    /* marks that do not compose attach to the CJK character before them */
    expect_split("漢\u3099字", ALL, TOKS("漢\u3099", "字"), SENTS(0));
    expect_split("葛\U000E0100城", ALL, TOKS("葛\U000E0100", "城"), SENTS(0));
    /* iteration mark (Lm) and ideographic zero (Nl) are singles; the middle dot separates */
    expect_split("人々〇", ALL, TOKS("人", "々", "〇"), SENTS(0));
    expect_split("カタ・カナ", ALL, TOKS("カ", "タ", "カ", "ナ"), SENTS(0));
    expect_split("「はい。」と言った。", ALL, TOKS("は", "い", "と", "言", "っ", "た"), SENTS(0, 2));
    /* square era name and parenthesised ideograph decompose under NFKC */
    expect_split("㍻㈱", ALL, TOKS("平", "成", "株"), SENTS(0));
}

Test(tokenize, korean)
{
    expect_split("한국어 텍스트", ALL, TOKS("한국어", "텍스트"), SENTS(0));
    /* conjoining jamo compose: L+V -> U+AC00, then +T -> U+AC01 */
    EXPECT_TEXT("\xE1\x84\x80\xE1\x85\xA1", "\xEA\xB0\x80", 0);
    EXPECT_TEXT("\xEA\xB0\x80\xE1\x86\xA8", "\xEA\xB0\x81", 0);
}

Test(tokenize, invalid_utf8)
{
    /* lone continuation, overlong C0 AF (2 bad bytes), surrogate ED A0 80 (3),
     * 0xFF, truncated E2 82 at the end (1) */
    static const char in[] = "x\x80y\xC0\xAFz\xED\xA0\x80w\xFFv\xE2\x82";
    static const char want[] = "x\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                               "w\xEF\xBF\xBDv\xEF\xBF\xBD";
    EXPECT_TEXT(in, want, 8);
    expect_split(in, sizeof in - 1, TOKS("x", "y", "z", "w", "v"), SENTS(0));
    EXPECT_TEXT("\x80", "\xEF\xBF\xBD", 1);
    EXPECT_TEXT("caf\xC3", "caf\xEF\xBF\xBD", 1);
    expect_split("caf\xC3", 4, TOKS("caf"), SENTS(0));
    /* invalid bytes in otherwise non-ASCII text, and before a mark */
    EXPECT_TEXT("é\xFF" "ü", "é\xEF\xBF\xBD" "ü", 1);
    expect_split("\x80\xCC\x81", 3, TOKS("\xCC\x81"), SENTS(0));
    /* a long truncated sequence at every position must not crash */
    static const char bad[] = "\xF0\x9F\x98\x80\xF0\x9F\x98\xF0\x9F\xF0\xF4\x90\x80\x80\xF8\x88\x80\x80\x80";
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    for (size_t i = 0; i < sizeof bad - 1; i++) {
        ws_tokens r;
        cr_assert_eq(ws_tokenize(t, bad + i, sizeof bad - 1 - i, &r), 0);
        cr_expect_eq(ws_utf8_valid_prefix(r.text, r.text_len), r.text_len);
        cr_expect_gt(r.invalid, 0);
    }
    ws_tokenizer_free(t);
}

Test(tokenize, nul_inside_text)
{
    expect_split("ab\0cd", 5, TOKS("ab", "cd"), SENTS(0));
    expect_split("é\0ü\0", 6, TOKS("é", "ü"), SENTS(0));
    ws_tokenizer *t = ws_tokenizer_create();
    ws_tokens r;
    cr_assert_eq(ws_tokenize(t, "x\0\xC3\xA9\0", 5, &r), 0);
    cr_expect_eq(r.text_len, 5);
    cr_expect_eq(memcmp(r.text, "x\0\xC3\xA9\0", 5), 0);
    ws_tokenizer_free(t);
}

Test(tokenize, nfkc)
{
    expect_split("１２３", ALL, TOKS("123"), SENTS(0));
    expect_split("ﬁnance", ALL, TOKS("finance"), SENTS(0));
    /* superscript two (No) becomes the digit 2 (Nd) and joins the word */
    expect_split("x²", ALL, TOKS("x2"), SENTS(0));
    expect_split("H₂O 10³ km", ALL, TOKS("H2O", "103", "km"), SENTS(0));
    /* roman numeral twelve (Nl, a separator itself) becomes the letters XII */
    expect_split("Ⅻ", ALL, TOKS("XII"), SENTS(0));
    /* one half: 1 FRACTION SLASH 2 */
    expect_split("½", ALL, TOKS("1", "2"), SENTS(0));
    EXPECT_TEXT("10\xC2\xA0km", "10 km", 0);
    EXPECT_TEXT("wait\xE2\x80\xA6", "wait...", 0);
    EXPECT_TEXT("ＡＢＣ　ｄ", "ABC d", 0);
}

Test(tokenize, crlf_same_as_lf)
{
    const char *lf = "One two.\nThree four.\n\nfive six\nseven\n";
    const char *crlf = "One two.\r\nThree four.\r\n\r\nfive six\r\nseven\r\n";
    expect_split(lf, ALL, TOKS("One", "two", "Three", "four", "five", "six", "seven"), SENTS(0, 2, 4));
    expect_split(crlf, ALL, TOKS("One", "two", "Three", "four", "five", "six", "seven"), SENTS(0, 2, 4));
    expect_same(lf, crlf);
    expect_same("Стол.\n\nбыл\nтам", "Стол.\r\n\r\nбыл\r\nтам");
}

Test(tokenize, bom)
{
    expect_split("\xEF\xBB\xBFHello world", ALL, TOKS("Hello", "world"), SENTS(0));
    expect_split("ab\xEF\xBB\xBF" "cd", ALL, TOKS("ab", "cd"), SENTS(0));
    EXPECT_TEXT("\xEF\xBB\xBFhi", "\xEF\xBB\xBFhi", 0); /* kept in the text, only separates */
}

Test(tokenize, empty)
{
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    ws_tokens r;
    cr_assert_eq(ws_tokenize(t, NULL, 0, &r), 0);
    cr_expect(r.ntok == 0 && r.nsent == 0 && r.text_len == 0 && r.invalid == 0 && r.text != NULL);
    cr_assert_eq(ws_tokenize(t, "", 0, &r), 0);
    cr_expect(r.ntok == 0 && r.nsent == 0 && r.text_len == 0);
    cr_assert_eq(ws_tokenize(t, " .,\n\n ", 6, &r), 0);
    cr_expect(r.ntok == 0 && r.nsent == 0 && r.text_len == 6);
    ws_tokenizer_free(t);
}

Test(tokenize, sentences)
{
    expect_split("He left. She stayed.", ALL, TOKS("He", "left", "She", "stayed"), SENTS(0, 2));
    expect_split("U.S. officials met.", ALL, TOKS("U", "S", "officials", "met"), SENTS(0));
    expect_split("It rose 3.5% today. 2024 was good.", ALL,
                 TOKS("It", "rose", "3", "5", "today", "2024", "was", "good"), SENTS(0, 5));
    expect_split("Really?! Yes.", ALL, TOKS("Really", "Yes"), SENTS(0, 1));
    expect_split("He said \"stop.\" Then he left.", ALL, TOKS("He", "said", "stop", "Then", "he", "left"),
                 SENTS(0, 3));
    expect_split("He left. \"She stayed.\"", ALL, TOKS("He", "left", "She", "stayed"), SENTS(0, 2));
    expect_split("Wait... what? No.", ALL, TOKS("Wait", "what", "No"), SENTS(0, 2));
    expect_split("(see above.) Next", ALL, TOKS("see", "above", "Next"), SENTS(0, 2));
    expect_split("see fig. three", ALL, TOKS("see", "fig", "three"), SENTS(0));
    expect_split("Mr. Smith arrived.", ALL, TOKS("Mr", "Smith", "arrived"), SENTS(0, 1)); /* accepted error */
    expect_split("end.Next", ALL, TOKS("end", "Next"), SENTS(0));      /* no space: no break */
    expect_split("end.-- Next", ALL, TOKS("end", "Next"), SENTS(0));   /* punctuation cancels */
    expect_split("end. -- Next", ALL, TOKS("end", "Next"), SENTS(0, 1));
    expect_split("line one\n\nline two", ALL, TOKS("line", "one", "line", "two"), SENTS(0, 2));
    expect_split("line one\n \t\r\n line two", ALL, TOKS("line", "one", "line", "two"), SENTS(0, 2));
    expect_split("line one\n-\nline two", ALL, TOKS("line", "one", "line", "two"), SENTS(0));
    expect_split("line one\fline two", ALL, TOKS("line", "one", "line", "two"), SENTS(0, 2));
    expect_split("Москва, 10 мая. Сегодня тепло.", ALL, TOKS("Москва", "10", "мая", "Сегодня", "тепло"),
                 SENTS(0, 3));
    expect_split("Это так. а это нет", ALL, TOKS("Это", "так", "а", "это", "нет"), SENTS(0));
    /* danda ends a sentence; Devanagari is caseless */
    expect_split("यह है। वह", ALL, TOKS("यह", "है", "वह"), SENTS(0, 2));
    /* a CJK full stop needs no space; a lowercase Latin word after it still does not start one */
    expect_split("终。end", ALL, TOKS("终", "end"), SENTS(0));
}

Test(tokenize, reuse_and_errors)
{
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    ws_tokens r;
    /* a big story, then a small one: nothing stale may leak through */
    size_t n = 200000;
    char *big = malloc(n);
    cr_assert_not_null(big);
    for (size_t i = 0; i < n; i++) big[i] = (i % 4 == 3) ? '.' : (i % 4 == 0 ? 'A' : 'b');
    cr_assert_eq(ws_tokenize(t, big, n, &r), 0);
    cr_expect_eq(r.ntok, n / 4);
    cr_expect_eq(r.nsent, 1); /* "Abb.Abb." has no space after the dots */
    free(big);
    cr_assert_eq(ws_tokenize(t, "über alles", 11, &r), 0);
    cr_expect_eq(r.ntok, 2);
    cr_expect(r.tok[0].off == 0 && r.tok[0].len == 5 && r.tok[1].off == 6 && r.tok[1].len == 5);
    cr_expect_eq(r.nsent, 1);

    char c = 'a';
    cr_expect_eq(ws_tokenize(t, &c, (size_t)UINT32_MAX / 4 + 1, &r), WS_ETOOBIG);
    cr_expect_eq(r.ntok, 0);
    cr_expect_eq(ws_tokenize(NULL, "a", 1, &r), WS_EINVAL);
    cr_expect_eq(ws_tokenize(t, NULL, 1, &r), WS_EINVAL);
    cr_expect_eq(ws_tokenize(t, "a", 1, NULL), WS_EINVAL);
    ws_tokenizer_free(t);
    ws_tokenizer_free(NULL);
}

/* ---- NFKC against utf8proc_map ---- */

static size_t put_cp(char *dst, uint32_t cp) { return (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)dst); }

/* Check that ws_tokenize's text for s[0..n) (valid UTF-8) is utf8proc's NFKC. */
static void check_nfkc(ws_tokenizer *t, const char *s, size_t n)
{
    utf8proc_uint8_t *want = NULL;
    utf8proc_ssize_t wn = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &want,
                                       (utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT));
    cr_assert_geq(wn, 0);
    ws_tokens r;
    cr_assert_eq(ws_tokenize(t, s, n, &r), 0);
    if (r.text_len != (size_t)wn || memcmp(r.text, want, (size_t)wn) != 0) {
        char hex[256] = "";
        for (size_t i = 0, o = 0; i < n && o + 4 < sizeof hex; i++)
            o += (size_t)snprintf(hex + o, sizeof hex - o, "%02X ", (unsigned char)s[i]);
        cr_assert_fail("NFKC differs from utf8proc_map for bytes %s", hex);
    }
    free(want);
}

Test(tokenize, nfkc_every_code_point, .timeout = 300)
{
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    char buf[64];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        size_t n = put_cp(buf, cp);
        check_nfkc(t, buf, n);
        /* in context: as a starter with marks of different classes after it */
        n = 0;
        buf[n++] = 'a';
        n += put_cp(buf + n, cp);
        n += put_cp(buf + n, 0x0323);
        n += put_cp(buf + n, 0x0301);
        buf[n++] = 'b';
        check_nfkc(t, buf, n);
    }
    ws_tokenizer_free(t);
}

/* Every composite's canonical and compatibility decomposition, between
 * inert letters: catches a code point wrongly treated as unable to combine
 * with what precedes it. */
Test(tokenize, nfkc_recomposes_decompositions, .timeout = 300)
{
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        for (int compat = 0; compat < 2; compat++) {
            utf8proc_int32_t d[32];
            int bc = 0;
            utf8proc_option_t o = (utf8proc_option_t)(UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0));
            utf8proc_ssize_t nd = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 32, o, &bc);
            if (nd < 2 || nd > 32) continue;
            char buf[32 * 4 + 4];
            size_t n = 0;
            buf[n++] = 'x';
            for (utf8proc_ssize_t i = 0; i < nd; i++) n += put_cp(buf + n, (uint32_t)d[i]);
            buf[n++] = 'y';
            check_nfkc(t, buf, n);
        }
    }
    ws_tokenizer_free(t);
}

Test(tokenize, nfkc_random_mark_soup)
{
    static const uint32_t pool[] = {
        'a', 'e', 'A', 'o', ' ', '.', 0x0301, 0x0302, 0x0323, 0x0308, 0x0338, 0x0345, 0x0313, 0x0306,
        0x1100, 0x1161, 0x11A8, 0x11C2, 0xAC00, 0xAC01, 0x00E9, 0x1E9B, 0x017F, 0x0CBF, 0x0CC6, 0x0CD5,
        0x0CC2, 0x0B47, 0x0B3E, 0x0B57, 0x09C7, 0x09BE, 0x09D7, 0x0DD9, 0x0DCA, 0x0DCF, 0x1025, 0x102E,
        0x3099, 0x309A, 0x304B, 0x30CF, 0xFF76, 0xFF9E, 0xFB01, 0x00A0, 0x2460, 0xFDFA, 0x212B, 0x2126,
        0x0344, 0x0F71, 0x0F72, 0x0F73, 0x0FB2, 0x0F80, 0x1D15E, 0x1D165, 0xFFFD, 0x4E00, 0x3000, 0x00BD,
        0x01C4, 0x03B1, 0x1F00, 0x0399, 0x05D0, 0x05B7, 0xFB2E, 0x0627, 0x0653, 0x0654, 0x0915, 0x093C,
        0x0929, 0x1B05, 0x1B35, 0x110A5, 0x110BA, 0xFEFF, 0x0000, 0x0041, 0x00C5, 0x1EC7, 0x0439, 0x0418,
    };
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    char buf[40 * 4];
    for (int iter = 0; iter < 50000; iter++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        size_t len = (size_t)(x % 40), n = 0;
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            n += put_cp(buf + n, pool[x % (sizeof pool / sizeof pool[0])]);
        }
        check_nfkc(t, buf, n);
    }
    ws_tokenizer_free(t);
}

/* The tokenizer checks UTF-8 itself while normalising; its verdicts and the
 * repaired text must be ws_utf8_sanitize's for every 1- and 2-byte
 * sequence and for 3- and 4-byte ones over a grid of interesting bytes. */
static void check_repair(ws_tokenizer *t, const uint8_t *seq, size_t len)
{
    char in[8];
    size_t n = 0;
    in[n++] = 'a';
    memcpy(in + n, seq, len);
    n += len;
    in[n++] = 'b';
    ws_buf clean = {0};
    long bad = ws_utf8_sanitize(in, n, &clean);
    cr_assert_geq(bad, 0);
    utf8proc_uint8_t *want = NULL;
    utf8proc_ssize_t wn = utf8proc_map(clean.p, (utf8proc_ssize_t)clean.n, &want,
                                       (utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT));
    cr_assert_geq(wn, 0);
    ws_tokens r;
    cr_assert_eq(ws_tokenize(t, in, n, &r), 0);
    cr_assert_eq(r.invalid, (size_t)bad, "bytes %02X %02X %02X %02X (%zu): %zu invalid, want %ld", seq[0],
                 len > 1 ? seq[1] : 0, len > 2 ? seq[2] : 0, len > 3 ? seq[3] : 0, len, r.invalid, bad);
    cr_assert(r.text_len == (size_t)wn && memcmp(r.text, want, (size_t)wn) == 0);
    free(want);
    ws_buf_free(&clean);
}

Test(tokenize, utf8_checks_agree_with_sanitize, .timeout = 300)
{
    static const uint8_t grid[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0, 0xFF};
    const size_t ng = sizeof grid;
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    uint8_t q[4];
    for (unsigned a = 0x80; a <= 0xFF; a++) {
        q[0] = (uint8_t)a;
        check_repair(t, q, 1);
        for (unsigned b = 0; b <= 0xFF; b++) {
            q[1] = (uint8_t)b;
            check_repair(t, q, 2);
            for (size_t c = 0; c < ng; c++) {
                q[2] = grid[c];
                check_repair(t, q, 3);
                if (a < 0xF0) continue;
                for (size_t d = 0; d < ng; d++) {
                    q[3] = grid[d];
                    check_repair(t, q, 4);
                }
            }
        }
    }
    ws_tokenizer_free(t);
}

/* ---- random bytes: invariants ---- */

static int is_word_cat(utf8proc_category_t c)
{
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ND) || c == UTF8PROC_CATEGORY_NL;
}

static void check_invariants(const ws_tokens *r, size_t n_in)
{
    cr_assert_leq(r->invalid, n_in);
    cr_assert_eq(ws_utf8_valid_prefix(r->text, r->text_len), r->text_len, "text is not valid UTF-8");
    const uint8_t *p = (const uint8_t *)r->text;
    size_t prev_end = 0;
    for (size_t i = 0; i < r->ntok; i++) {
        ws_token k = r->tok[i];
        cr_assert_geq(k.len, 1);
        cr_assert_geq(k.off, prev_end, "token %zu overlaps the one before", i);
        cr_assert_leq((size_t)k.off + k.len, r->text_len);
        cr_assert_neq(p[k.off] & 0xC0, 0x80, "token %zu starts inside a code point", i);
        cr_assert(k.off + k.len == r->text_len || (p[k.off + k.len] & 0xC0) != 0x80);
        /* between tokens: no letter, mark or decimal digit */
        for (size_t j = prev_end; j < k.off;) {
            uint32_t cp;
            j += ws_utf8_decode_valid(p + j, &cp);
            utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
            cr_assert(!(c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ND), "U+%04X outside a token", cp);
        }
        for (size_t j = k.off; j < (size_t)k.off + k.len;) {
            uint32_t cp;
            j += ws_utf8_decode_valid(p + j, &cp);
            cr_assert(is_word_cat(utf8proc_category((utf8proc_int32_t)cp)), "U+%04X inside a token", cp);
        }
        prev_end = (size_t)k.off + k.len;
    }
    if (r->ntok == 0) {
        cr_assert_eq(r->nsent, 0);
    } else {
        cr_assert_geq(r->nsent, 1);
        cr_assert_eq(r->sent[0], 0);
        for (size_t i = 1; i < r->nsent; i++) {
            cr_assert_gt(r->sent[i], r->sent[i - 1]);
            cr_assert_lt(r->sent[i], r->ntok);
        }
    }
}

Test(tokenize, random_bytes_invariants)
{
    static const char *frag[] = {"a", "Z", " ", ".", ". ", "\n", "\r\n", "\0", "é", "e\xCC\x81", "中",
                                 "タ", "\xE3\x82\x99", "\xEF\xBD\xB6", "\xEF\xBE\x9E", "\xEF\xBC\x91",
                                 "\xEF\xBB\xBF", "\xC2\xA0", "\xE1\x84\x80", "\xE1\x85\xA1", "\xF0\xA0\x80\x80",
                                 "\xE2\x80\xA6", "\xE3\x80\x82", "!", "\"", "7", "я", "\xCC\xA3"};
    ws_tokenizer *t = ws_tokenizer_create(), *t2 = ws_tokenizer_create();
    cr_assert(t && t2);
    uint64_t x = 20240607;
    char buf[512];
    char *copy = malloc(4096);
    cr_assert_not_null(copy);
    for (int iter = 0; iter < 2000; iter++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        size_t want = (size_t)(x % 300), n = 0;
        int mode = (int)(x >> 40) % 3; /* 0: raw bytes, 1: fragments, 2: both */
        while (n < want) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            if (mode == 0 || (mode == 2 && (x & 1))) {
                buf[n++] = (char)(x >> 24);
            } else {
                const char *f = frag[(x >> 8) % (sizeof frag / sizeof frag[0])];
                size_t fl = f[0] ? strlen(f) : 1;
                if (n + fl > sizeof buf) break;
                memcpy(buf + n, f, fl);
                n += fl;
            }
        }
        ws_tokens r, r2;
        cr_assert_eq(ws_tokenize(t, buf, n, &r), 0);
        check_invariants(&r, n);
        /* idempotent: the normalised text normalises to itself, same split */
        cr_assert_leq(r.text_len, 4096);
        memcpy(copy, r.text, r.text_len);
        cr_assert_eq(ws_tokenize(t2, copy, r.text_len, &r2), 0);
        cr_assert_eq(r2.invalid, 0);
        cr_assert(r2.text_len == r.text_len && memcmp(r2.text, r.text, r.text_len) == 0, "not idempotent");
        cr_assert_eq(r2.ntok, r.ntok);
        cr_assert_eq(memcmp(r2.tok, r.tok, r.ntok * sizeof r.tok[0]), 0);
        cr_assert_eq(r2.nsent, r.nsent);
        cr_assert_eq(memcmp(r2.sent, r.sent, r.nsent * sizeof r.sent[0]), 0);
    }
    free(copy);
    ws_tokenizer_free(t);
    ws_tokenizer_free(t2);
}

/* ---- allocation failure ---- */

Test(tokenize, allocation_failure_sweep)
{
    /* big enough to grow every buffer: >4096 bytes of text, >1024 tokens,
     * >64 sentences, a >256 code point stretch for utf8proc, invalid bytes */
    size_t cap = 64 * 1024, n = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    for (int i = 0; i < 1500; i++) n += (size_t)snprintf(s + n, cap - n, "W%d é. ", i);
    for (int i = 0; i < 300; i++) { memcpy(s + n, "\xEF\xBC\x91", 3); n += 3; } /* full-width 1 */
    memcpy(s + n, "\xFF\x80", 2);
    n += 2;
    int ok = 0;
    for (long k = 1; k < 200 && !ok; k++) {
        ws__alloc_fail_after(k);
        ws_tokenizer *t = ws_tokenizer_create();
        if (!t) continue;
        ws_tokens r;
        int rc = ws_tokenize(t, s, n, &r);
        if (rc == 0) {
            ok = 1;
            ws__alloc_fail_after(0);
            check_invariants(&r, n);
            cr_expect_eq(r.ntok, 1500 * 2 + 1);
            cr_expect_eq(r.nsent, 1501); /* the full-width digits start one too */
            cr_expect_eq(r.invalid, 2);
        } else {
            cr_expect_eq(rc, WS_ENOMEM);
        }
        ws__alloc_fail_after(0);
        ws_tokenizer_free(t);
    }
    cr_expect(ok, "never succeeded");
    free(s);
}
