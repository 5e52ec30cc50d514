/*
 * Tests for kernels/ws_cjdict: the words it finds for runs of Han and kana
 * must be exactly those of ICU's word break iterator, which the tokenizer
 * uses for them otherwise (ws__tokenizer_use_cjdict(t, 0)). The reference
 * is ICU itself, run on the same text: news-like Chinese and Japanese
 * sentences generated from word lists (written here), Katakana runs of
 * every length around the 20-character group limit, and seeded random
 * strings over the code points ws_cjdict handles, mixed with punctuation,
 * Latin, digits, Thai and characters it leaves to ICU (half-width kana,
 * compatibility ideographs, supplementary Han, voiced marks).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_cjdict.h"
#include "ws_tokenize.h"
#include "ws_util.h"

/* The tokens of s, by cjdict (on) or by ICU alone (off), as "tok|tok|...". */
static char *tokens(ws_tokenizer *t, const char *s, int on)
{
    cr_assert(ws__tokenizer_use_cjdict(t, on), "ws_cjdict did not load ICU's cjdict");
    ws_tokens r;
    int rc = ws_tokenize(t, s, strlen(s), &r);
    cr_assert_eq(rc, 0, "ws_tokenize: %s", ws_last_error());
    size_t n = 1;
    for (size_t i = 0; i < r.ntok; i++) n += r.tok[i].len + 1;
    char *out = malloc(n), *p = out;
    cr_assert_not_null(out);
    for (size_t i = 0; i < r.ntok; i++) {
        memcpy(p, r.text + r.tok[i].off, r.tok[i].len);
        p += r.tok[i].len;
        *p++ = '|';
    }
    *p = 0;
    return out;
}

static ws_tokenizer *icu_tokenizer(void)
{
    ws_tokenizer *t = ws_tokenizer_create();
    cr_assert_not_null(t);
    cr_assert_eq(ws_tokenizer_set_segmentation(t, WS_SEG_ICU), 0, "%s", ws_last_error());
    return t;
}

static long compared;

static void expect_same(ws_tokenizer *t, const char *s)
{
    char *a = tokens(t, s, 1), *b = tokens(t, s, 0);
    cr_expect_str_eq(a, b, "text %s:\n  cjdict %s\n  ICU    %s", s, a, b);
    compared++;
    free(a);
    free(b);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static size_t put_cp(char *p, uint32_t c)
{
    if (c < 0x80) return (size_t)(*p = (char)c, 1);
    if (c < 0x800) {
        p[0] = (char)(0xC0 | c >> 6), p[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        p[0] = (char)(0xE0 | c >> 12), p[1] = (char)(0x80 | (c >> 6 & 0x3F)), p[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    p[0] = (char)(0xF0 | c >> 18), p[1] = (char)(0x80 | (c >> 12 & 0x3F)), p[2] = (char)(0x80 | (c >> 6 & 0x3F));
    p[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

static const char *const ZH[] = {
    "中国", "经济", "发展", "政府", "国家", "人民", "工作", "企业", "市场", "社会", "北京", "上海", "今天", "去年",
    "记者", "报道", "表示", "认为", "进一步", "加强", "推动", "建设", "改革", "开放", "合作", "国际", "地区", "城市",
    "农村", "教育", "科技", "创新", "环境", "保护", "能源", "交通", "医疗", "卫生", "文化", "旅游", "投资", "贸易",
    "增长", "问题", "部门", "会议", "召开", "发布", "新闻", "重要", "全面", "积极", "稳定", "安全", "服务", "管理",
    "的", "了", "在", "是", "和", "也", "都", "对", "从", "把", "被", "很", "更", "最", "国内生产总值", "中华人民共和国",
    "習近平", "臺灣", "經濟", "發展", "研究生命起源", "南京市长江大桥", "结婚的和尚未结婚的"};
static const char *const JA[] = {
    "東京", "日本", "経済", "政府", "発表", "地震", "台風", "情報", "住民", "提供", "強化", "方針", "新しい", "防災",
    "計画", "は", "が", "を", "に", "の", "で", "と", "も", "です", "ます", "ました", "しています", "について",
    "として", "コンビニエンスストア", "スーパーマーケット", "テレビ", "ニュース", "インターネット", "コンピューター",
    "ー", "々", "人々", "時々", "いすゞ", "ゝ", "ヽ", "ヾ", "ゟ", "ヿ", "ぁ", "ゖ", "ヺ", "〇", "㐀", "䶿", "鿿"};
static const char *const SEP[] = {"，", "。", "、", " ", "！", "？", "「", "」", "・", "(", "2024", "AI", "x",
                                  "ภาษาไทย", "ﾃﾚﾋﾞ", "豈", "𠀋", "か\xE3\x82\x99", "゛", "ヷ", "\xE2\x80\x8C"};
#define N(a) (sizeof a / sizeof *a)

Test(cjdict, news_like_sentences)
{
    ws_tokenizer *t = icu_tokenizer();
    char buf[4096];
    for (int k = 0; k < 3000; k++) {
        size_t n = 0;
        int words = 1 + (int)rnd(24);
        for (int w = 0; w < words && n < sizeof buf - 64; w++) {
            uint32_t r = rnd(100);
            const char *s = r < 55 ? ZH[rnd(N(ZH))] : r < 92 ? JA[rnd(N(JA))] : SEP[rnd(N(SEP))];
            size_t l = strlen(s);
            memcpy(buf + n, s, l);
            n += l;
        }
        buf[n] = 0;
        expect_same(t, buf);
    }
    ws_tokenizer_free(t);
}

Test(cjdict, katakana_runs)
{
    /* the whole-run candidate stops at 20 Katakana; its cost table ends at 8 */
    ws_tokenizer *t = icu_tokenizer();
    char buf[1024];
    for (int len = 1; len <= 26; len++)
        for (int v = 0; v < 4; v++) {
            size_t n = 0;
            if (v & 1) n += put_cp(buf + n, 0x65E5); /* 日 before */
            for (int i = 0; i < len; i++) n += put_cp(buf + n, v & 2 ? 0x30A2 + (uint32_t)(i * 7 % 80) : 0x30C6 + (uint32_t)(i % 2) * 0x36);
            if (v & 1) n += put_cp(buf + n, 0x306E); /* の after */
            buf[n] = 0;
            expect_same(t, buf);
        }
    ws_tokenizer_free(t);
}

Test(cjdict, random_code_points)
{
    ws_tokenizer *t = icu_tokenizer();
    char buf[1024];
    for (int k = 0; k < 20000; k++) {
        size_t n = 0;
        int len = 1 + (int)rnd(40);
        for (int i = 0; i < len; i++) {
            uint32_t r = rnd(100), c;
            if (r < 40) c = 0x4E00 + rnd(0x5200);         /* unified ideographs */
            else if (r < 45) c = 0x3400 + rnd(0x19C0);    /* extension A */
            else if (r < 65) c = 0x3041 + rnd(0x60);      /* Hiragana */
            else if (r < 85) c = 0x30A1 + rnd(0x5F);      /* Katakana, ・ and ー */
            else if (r < 88) c = rnd(2) ? 0x3005 : 0x3007;
            else if (r < 92) c = 0xFF66 + rnd(0x3A);      /* half-width Katakana */
            else if (r < 94) c = 0x20000 + rnd(0x100);    /* extension B */
            else if (r < 96) c = 0x3099 + rnd(4);         /* voiced marks */
            else c = (const uint32_t[]){0x3001, 0x3002, ' ', 'a', 'Z', '9'}[rnd(6)];
            n += put_cp(buf + n, c);
        }
        buf[n] = 0;
        expect_same(t, buf);
    }
    cr_expect_geq(compared, 20000);
    ws_tokenizer_free(t);
}
