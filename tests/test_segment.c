/*
 * Tests for word segmentation in kernels/ws_tokenize (WS_SEG_ICU, store
 * format 1.4): runs of Han, kana and Thai split into words (the expected
 * words are those ICU 72's word break iterator gives for these runs, as
 * checked with PyICU), other scripts split by the usual rule, each run by
 * its own rule in mixed text, ZWNJ/ZWJ inside a word, sentence starts, and
 * WS_SEG_CHARS giving the one-character rule back on the same tokenizer.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ws_tokenize.h"
#include "ws_util.h"

/* Tokenize s under seg; compare with want, the tokens "|"-separated. */
static void expect_words(int seg, const char *s, const char *want)
{
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    cr_assert_eq(ws_tokenizer_set_segmentation(t, seg), 0, "%s", ws_last_error());
    cr_assert_eq(ws_tokenizer_segmentation(t), seg);
    ws_tokens r;
    cr_assert_eq(ws_tokenize(t, s, strlen(s), &r), 0, "%s", ws_last_error());
    char got[1024] = "";
    size_t n = 0;
    for (size_t i = 0; i < r.ntok && n + r.tok[i].len + 2 < sizeof got; i++) {
        if (i) got[n++] = '|';
        memcpy(got + n, r.text + r.tok[i].off, r.tok[i].len);
        n += r.tok[i].len;
        got[n] = 0;
    }
    cr_expect_str_eq(got, want, "\"%s\": got %s, want %s", s, got, want);
    ws_tokenizer_free(t);
}

Test(segment, chinese_words)
{
    expect_words(WS_SEG_ICU, "经济发展", "经济|发展");
    expect_words(WS_SEG_ICU, "经济发展。中国很大。", "经济|发展|中国|很大");
    expect_words(WS_SEG_CHARS, "经济发展", "经|济|发|展");
}

Test(segment, japanese_words)
{
    expect_words(WS_SEG_ICU, "東京は日本の首都です", "東京|は|日本|の|首都|です");
    expect_words(WS_SEG_ICU, "ｶﾀｶﾅ", "カタカナ"); /* NFKC widens half-width kana first */
    expect_words(WS_SEG_CHARS, "カタカナ", "カ|タ|カ|ナ");
}

Test(segment, thai_words)
{
    expect_words(WS_SEG_ICU, "ภาษาไทย", "ภาษา|ไทย");
    expect_words(WS_SEG_CHARS, "ภาษาไทย", "ภาษาไทย"); /* the old rule: one run, one token */
}

Test(segment, each_run_by_its_own_rule)
{
    /* ICU over the whole text would attach ABC to the Thai word next to it;
     * wirescan splits each script's run by its own rule */
    expect_words(WS_SEG_ICU, "ABCภาษาไทย", "ABC|ภาษา|ไทย");
    expect_words(WS_SEG_ICU, "ปี2024", "ปี|2024");
    expect_words(WS_SEG_ICU, "ABC中文def", "ABC|中文|def");
    expect_words(WS_SEG_ICU, "2024年", "2024|年");
    expect_words(WS_SEG_ICU, "naïve café", "naïve|café");
}

Test(segment, joiners_inside_words)
{
    /* Persian mi-khaham with ZWNJ: one word under ICU, two before */
    expect_words(WS_SEG_ICU, "\xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85",
                 "\xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85");
    expect_words(WS_SEG_CHARS, "\xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85",
                 "\xd9\x85\xdb\x8c|\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85");
    expect_words(WS_SEG_ICU, "ab\xe2\x80\x8d" "cd", "ab\xe2\x80\x8d" "cd");
    /* at a word's end, or before a space or CJK, a joiner still separates */
    expect_words(WS_SEG_ICU, "ab\xe2\x80\x8c cd", "ab|cd");
    expect_words(WS_SEG_ICU, "ab\xe2\x80\x8c中文", "ab|中文");
}

Test(segment, sentence_starts)
{
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    cr_assert_eq(ws_tokenizer_set_segmentation(t, WS_SEG_ICU), 0);
    ws_tokens r;
    const char *s = "经济发展。中国很大。Next one.";
    cr_assert_eq(ws_tokenize(t, s, strlen(s), &r), 0);
    cr_assert_eq(r.ntok, 6);
    cr_assert_eq(r.nsent, 3);
    cr_expect_eq(r.sent[0], 0);
    cr_expect_eq(r.sent[1], 2);
    cr_expect_eq(r.sent[2], 4);
    /* back to the old rule on the same tokenizer */
    cr_assert_eq(ws_tokenizer_set_segmentation(t, WS_SEG_CHARS), 0);
    cr_assert_eq(ws_tokenize(t, s, strlen(s), &r), 0);
    cr_expect_eq(r.ntok, 10);
    cr_expect_eq(ws_tokenizer_set_segmentation(t, 7), WS_EINVAL);
    ws_tokenizer_free(t);
}

Test(segment, join_tight)
{
    cr_expect(ws_tokens_join_tight("经济", 6, "发展", 6));
    cr_expect(ws_tokens_join_tight("の", 3, "ニュース", 12));
    cr_expect(ws_tokens_join_tight("ภาษา", 12, "ไทย", 9));
    cr_expect(!ws_tokens_join_tight("nhk", 3, "の", 3));
    cr_expect(!ws_tokens_join_tight("経済", 6, "2024", 4));
    cr_expect(!ws_tokens_join_tight("naïve", 6, "café", 5));
    cr_expect(!ws_tokens_join_tight("", 0, "经济", 6));
}
