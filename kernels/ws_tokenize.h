/*
 * Tokenizer: turns one story's bytes into normalised text, word tokens and
 * sentence starts (DESIGN.md, "Tokens and normalisation"). Every later stage
 * (dictionary, n-grams, co-occurrence) sees text only through this, so the
 * rules below are the definition of a token for the whole store.
 *
 * Normalisation. Invalid UTF-8 is repaired first: every maximal invalid
 * subsequence becomes one U+FFFD and is counted (ws_utf8_sanitize). The text
 * is then put in NFKC with utf8proc (STABLE|COMPOSE|COMPAT; no stripping, no
 * case folding; NUL is an ordinary character). Pure-ASCII input is already
 * NFKC and skips this step. Other input is copied unchanged where it is
 * already NFKC, and only the short stretches around characters that NFKC
 * may change (compatibility forms, combining marks, Hangul jamo) go through
 * utf8proc, in the tokenizer's reusable buffers; the result is byte for
 * byte what utf8proc_map() with those options gives for the whole text.
 *
 * Tokens. A token is a maximal run of code points whose general category is
 * L* (Lu Ll Lt Lm Lo), M* (Mn Mc Me) or Nd; everything else separates
 * (punctuation, symbols, No and most Nl, spaces, controls including NUL, and
 * format characters such as U+FEFF BOM, U+200B ZWSP, U+200C/D ZWNJ/ZWJ and
 * U+00AD soft hyphen). Exception: each Han ideograph, Hiragana and Katakana
 * letter is a token of its own: CJK Unified Ideographs and extensions A-H
 * (and the U+2EBF0 block), compatibility ideographs, U+3005-3007,
 * U+3021-3029, U+3038-303B, Hiragana U+3041-309F, Katakana U+30A0-30FF and
 * U+31F0-31FF, U+32D0-32FE, U+3300-3357, U+FF66-FF9F and the kana blocks
 * U+1AFF0-1B16F, restricted to code points of category L* or Nl (so the
 * middle dot U+30FB, U+30A0 and the sound marks U+3099-309C are not singles;
 * 〇 U+3007 and the Hangzhou numerals, which are Nl, are). The prolonged
 * sound mark U+30FC is Lm inside the Katakana block, so it is a token of its
 * own. Combining marks (M*) that follow a single-character CJK token attach
 * to it: the token is the character plus its marks (a variation selector
 * after a kanji, or U+3099 where NFKC found nothing to compose with); a
 * letter or digit after it starts a new token. A mark with no token before
 * it starts a token. Tokens keep their case.
 *
 * Sentences. sent[] lists the token indices that start a sentence; the first
 * token always does. A later token starts one when, in the gap since the
 * previous token:
 *   - there is a paragraph break: two line feeds with only spaces, tabs and
 *     CR between them (so CRLF behaves as LF), or a form feed or U+2029; or
 *   - a terminator ('.' '!' '?' U+2026 U+061F U+06D4 U+0964 U+0965), then
 *     optionally closing quotes/brackets (Pe, Pf, '"', '\''), then
 *     whitespace, and the token starts with an uppercase, titlecase or
 *     caseless letter (Lu Lt Lm Lo) or a digit; or
 *   - a CJK full stop (U+3002, U+FF61, U+FF01, U+FF1F, which need no space
 *     after them), and the token starts as in the previous rule; or
 *   - a terminator directly followed (no whitespace) by a CJK single token:
 *     NFKC turns the full-width '！' '？' into ASCII, and Chinese and
 *     Japanese put no space after them.
 * Once a terminator has been followed by whitespace, other punctuation
 * before the next token (an opening quote, a dash) keeps the break; any
 * punctuation other than closers right after the terminator cancels it.
 * Format characters (Cf) are ignored. So "U.S. officials" is one sentence,
 * "He left. She stayed." two, and "Mr. Smith" two (an accepted error).
 */
#ifndef WS_TOKENIZE_H
#define WS_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

/* Byte span [off, off+len) in ws_tokens.text; len >= 1. */
typedef struct ws_token {
    uint32_t off, len;
} ws_token;

typedef struct ws_tokens {
    const char *text;  /* the normalised text (NFKC, bad bytes -> U+FFFD); borrowed */
    size_t text_len;   /* <= UINT32_MAX; text is not NUL-terminated */
    const ws_token *tok; /* ntok tokens, in text order, not overlapping */
    size_t ntok;
    const uint32_t *sent; /* token indices where sentences start, increasing; */
    size_t nsent;         /* sent[0] == 0 when ntok > 0; nsent == 0 when ntok == 0 */
    size_t invalid;       /* invalid UTF-8 sequences replaced by U+FFFD */
} ws_tokens;

/* Per-thread workspace, reused across calls (not thread-safe: one per
 * thread). About 80 KiB to start (including a 64 KiB memo of Unicode
 * properties); its buffers grow to the largest story seen and are kept, so
 * steady-state tokenizing does not allocate. */
typedef struct ws_tokenizer ws_tokenizer;

/* @return a new tokenizer, or NULL on allocation failure. */
ws_tokenizer *ws_tokenizer_create(void);

/* Frees t and its buffers. NULL-safe. */
void ws_tokenizer_free(ws_tokenizer *t);

/* Segmentation of scripts written without spaces (store format 1.4).
 * WS_SEG_CHARS (the default, and the rule of stores made before 1.4): the
 * rules above. WS_SEG_ICU: a maximal run of Han, Hiragana and Katakana
 * letters (the one-character blocks above) and of Thai, Lao, Myanmar and
 * Khmer letters, with the marks that follow them, is split into words by
 * ICU's word break iterator (UBRK_WORD, root locale: ICU's dictionaries, as
 * Lucene's ICUTokenizer does), each word one token; a letter of those
 * scripts ends a token of other letters (so "ABC中文" is ABC, 中文); and a
 * ZWNJ or ZWJ (U+200C, U+200D) between a word character and a following
 * letter, digit or mark no longer ends the token. Sentence starts follow
 * the rules above, the first word of a run standing for its first letter.
 * Query-side tokenizing must use the store's rule so that phrases and
 * token positions agree with the store. */
enum { WS_SEG_CHARS = 0, WS_SEG_ICU = 1 };

/* Set t's segmentation. @return 0, WS_EINVAL, or WS_EINTERNAL when ICU's
 * break iterator cannot be opened (its data missing). */
int ws_tokenizer_set_segmentation(ws_tokenizer *t, int seg);
int ws_tokenizer_segmentation(const ws_tokenizer *t);
/* Testing: on = 0 makes WS_SEG_ICU hand every run to ICU's break iterator,
 * not the faster ws_cjdict (ws_cjdict.h), which gives the same words.
 * Returns whether ws_cjdict is loaded (after WS_SEG_ICU was set). */
int ws__tokenizer_use_cjdict(ws_tokenizer *t, int on);

/* 1 when the words a (a[0..na)) and b (b[0..nb)), shown one after the
 * other, need no space between them: a ends and b starts with a letter of
 * a script written without spaces (Han, Hiragana, Katakana, Thai, Lao,
 * Myanmar, Khmer), as in 经济发展 rather than 经济 发展. For labels of
 * n-grams and phrases of stores split by WS_SEG_ICU. */
int ws_tokens_join_tight(const char *a, size_t na, const char *b, size_t nb);

/* Normalise s[0..n) and split it into tokens and sentences (rules above).
 * s may contain any bytes, NUL included; s may be NULL when n == 0.
 * Results in *out are borrowed views into t, valid until the next call on t
 * (or ws_tokenizer_free); out->text never points into s.
 * @return 0, or a negative WS_E* code: WS_EINVAL (t or out NULL, s NULL with
 *         n > 0), WS_ETOOBIG (n > UINT32_MAX/4, or the normalised text longer
 *         than UINT32_MAX), WS_ENOMEM, WS_EINTERNAL (utf8proc failed).
 *         On error *out is set to an empty result. */
int ws_tokenize(ws_tokenizer *t, const char *s, size_t n, ws_tokens *out);

#endif /* WS_TOKENIZE_H */
