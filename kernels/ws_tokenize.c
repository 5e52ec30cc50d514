/*
 * Tokenizer implementation (rules in ws_tokenize.h). Two passes over a story:
 *
 * 1. Normalise. Pure ASCII is copied as is. Otherwise the text is scanned
 *    once, checking UTF-8 as it goes (on the first bad sequence the input is
 *    repaired by ws_utf8_sanitize and scanned again), for code points NFKC
 *    could change or that could combine with their neighbour; only the
 *    stretch from the last "inert" code point before such a character up to
 *    the next inert one is handed to utf8proc (decompose into a reused
 *    UTF-32 buffer, compose in place, re-encode). Inert code points are
 *    starters that have no decomposition other than a canonical one NFKC
 *    rebuilds, carry no combining class and can never be the second half of
 *    a composition (marks and conjoining jamo can). NFKC never moves
 *    anything across such a code point, so normalising the stretches one by
 *    one gives the same text as normalising the whole story, while most
 *    news text (already NFC, NBSPs and the odd full-width digit aside)
 *    costs one memo lookup per character. tests/test_tokenize.c checks this
 *    against utf8proc_map for every code point.
 *
 * 2. Split. One left-to-right scan: a 256-entry class table for ASCII bytes
 *    (words of ASCII letters and digits are skipped eight bytes at a time),
 *    utf8proc's general category for the rest (memoised per tokenizer for
 *    the BMP), a small state machine for the gap between tokens (sentence
 *    terminators, whitespace, line feeds), and token and sentence arrays
 *    that grow geometrically and are kept in the tokenizer, so steady-state
 *    calls do not allocate.
 *
 * No I/O, no mutable globals: everything lives in the ws_tokenizer.
 */
#include "ws_tokenize.h"

#include <unicode/ubrk.h>
#include <unicode/utext.h>
#include <utf8proc.h>

#include "ws_cjdict.h"
#include "ws_utf8.h"
#include "ws_util.h"

#define WS_NFKC_OPTS ((utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT))

struct ws_tokenizer {
    ws_buf clean;     /* input with bad bytes replaced (only when it had some) */
    ws_buf norm;      /* the normalised text handed out as ws_tokens.text */
    utf8proc_int32_t *u32; /* one stretch being normalised, as code points */
    size_t u32_cap;
    ws_token *tok;
    size_t tok_cap;
    uint32_t *sent;
    size_t sent_cap;
    /* Memo of utf8proc answers for the BMP, filled lazily: one byte per code
     * point (M_* bits). Saves a property lookup per character, and the
     * decompose-and-recompose test for precomposed letters such as й. */
    uint8_t *memo;
    /* WS_SEG_ICU: runs of dictionary scripts go through ICU's word break
     * iterator (opened lazily, reused), on a UTF-8 UText whose native
     * indexes are byte offsets. */
    int seg;
    UBreakIterator *brk;
    UText ut;
    /* Runs of BMP Han and kana go to ws_cjdict instead, which computes
     * ICU's words several times faster (NULL: ICU does all runs). */
    ws_cjdict *cj;
    int no_cj;     /* ws__tokenizer_use_cjdict(t, 0): tests compare with ICU */
    uint32_t *cps; /* the run's code points for ws_cjdict */
    size_t cps_cap;
};

#define BMP_SIZE 0x10000u
enum {
    M_CLASS_KNOWN = 0x80, /* low 5 bits hold the class */
    M_INERT_KNOWN = 0x40,
    M_INERT = 0x20,
    M_CLASS_BITS = 0x1F
};

#if defined(__GNUC__)
#define WS_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define WS_ALWAYS_INLINE inline
#endif

/* ---- character classes ---- */

/* Separator classes drive the sentence state machine; word classes carry
 * C_WORD. C_WS: a word character that can start a sentence (Lu Lt Lm Lo Nd);
 * C_WL: one that cannot (Ll). */
enum {
    C_OTHER = 0,  /* punctuation, symbols, controls, NUL, unassigned */
    C_SPACE,      /* space, tab, CR, Zs */
    C_NL,         /* LF, VT, NEL, U+2028 */
    C_PARA,       /* FF, U+2029 */
    C_TERM,       /* . ! ? and friends: end a sentence when whitespace follows */
    C_TERM_HARD,  /* CJK full stops: end a sentence without whitespace */
    C_CLOSE,      /* closing quotes and brackets */
    C_OPEN,       /* opening quotes and brackets */
    C_TRANSP,     /* format characters (Cf): invisible to sentence rules */
    C_WORD = 0x10,
    C_WL = C_WORD | 0,
    C_WS = C_WORD | 1,
    C_MARK = C_WORD | 2,
    C_CJK = C_WORD | 3, /* a token by itself (WS_SEG_CHARS); dictionary script (WS_SEG_ICU) */
    C_SEA = C_WORD | 4  /* Thai, Lao, Khmer, Myanmar letters: like C_WS, but a
                         * dictionary script under WS_SEG_ICU */
};

#define O C_OTHER
#define S C_SPACE
#define N C_NL
#define P C_PARA
#define T C_TERM
#define C C_CLOSE
#define B C_OPEN
#define L C_WL
#define U C_WS
/* Classes of ASCII bytes; bytes >= 0x80 are never looked up here. */
static const uint8_t k_ascii_class[256] = {
    O, O, O, O, O, O, O, O, O, S, N, N, P, S, O, O,  /* 00 */
    O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* 10 */
    S, T, C, O, O, O, O, C, B, C, O, O, O, O, T, O,  /* 20 */
    U, U, U, U, U, U, U, U, U, U, O, O, O, O, O, T,  /* 30 */
    O, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,  /* 40 */
    U, U, U, U, U, U, U, U, U, U, U, B, O, C, O, O,  /* 50 */
    O, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,  /* 60 */
    L, L, L, L, L, L, L, L, L, L, L, B, O, C, O, O,  /* 70 */
    O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* 80 */
    O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* 90 */
    O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* A0 */
    O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* B0 */
    O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* C0 */
    O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* D0 */
    O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* E0 */
    O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* F0 */
};
#undef O
#undef S
#undef N
#undef P
#undef T
#undef C
#undef B
#undef L
#undef U

/* Han, Hiragana and Katakana blocks whose letters are tokens by themselves.
 * Called only for categories Lm, Lo and Nl, which removes the punctuation,
 * sound marks and unassigned holes inside these blocks. */
static int is_cjk_single(uint32_t cp)
{
    if (cp < 0x3400)
        return (cp >= 0x3005 && cp <= 0x3007) || (cp >= 0x3021 && cp <= 0x3029) ||
               (cp >= 0x3038 && cp <= 0x303B) || (cp >= 0x3041 && cp <= 0x30FF) ||
               (cp >= 0x31F0 && cp <= 0x31FF) || (cp >= 0x32D0 && cp <= 0x32FE) ||
               (cp >= 0x3300 && cp <= 0x3357);
    if (cp <= 0x4DBF) return 1;                      /* extension A */
    if (cp < 0x4E00) return 0;
    if (cp <= 0x9FFF) return 1;                      /* unified ideographs */
    if (cp >= 0xF900 && cp <= 0xFAFF) return 1;      /* compatibility ideographs */
    if (cp >= 0xFF66 && cp <= 0xFF9F) return 1;      /* half-width katakana (NFKC widens) */
    if (cp >= 0x1AFF0 && cp <= 0x1B16F) return 1;    /* kana supplement and extensions */
    return cp >= 0x20000 && cp <= 0x323AF;           /* extensions B-I, compat supplement, G, H */
}

/* Letters of the South-East Asian scripts written without spaces (Thai,
 * Lao, Myanmar and its extensions, Khmer and Khmer symbols). */
static int is_sea_block(uint32_t cp)
{
    return (cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) || (cp >= 0x1780 && cp <= 0x17FF) ||
           (cp >= 0x19E0 && cp <= 0x19FF) || (cp >= 0xA9E0 && cp <= 0xA9FF) || (cp >= 0xAA60 && cp <= 0xAA7F);
}

/* Class of a non-ASCII code point, from utf8proc. */
static unsigned classify_cp(uint32_t cp)
{
    switch (utf8proc_get_property((utf8proc_int32_t)cp)->category) {
    case UTF8PROC_CATEGORY_LL:
        return C_WL;
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_ND:
        return C_WS;
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        if (cp >= 0x3005 && is_cjk_single(cp)) return C_CJK;
        return is_sea_block(cp) ? C_SEA : C_WS;
    case UTF8PROC_CATEGORY_NL:
        return (cp >= 0x3005 && is_cjk_single(cp)) ? C_CJK : C_OTHER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return C_MARK;
    case UTF8PROC_CATEGORY_ZS:
        return C_SPACE;
    case UTF8PROC_CATEGORY_ZL:
        return C_NL;
    case UTF8PROC_CATEGORY_ZP:
        return C_PARA;
    case UTF8PROC_CATEGORY_CC:
        return cp == 0x85 ? C_NL : C_OTHER;
    case UTF8PROC_CATEGORY_CF:
        return C_TRANSP;
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PI:
        return C_OPEN;
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PF:
        return C_CLOSE;
    case UTF8PROC_CATEGORY_PO:
        switch (cp) {
        case 0x2026: case 0x061F: case 0x06D4: case 0x0964: case 0x0965:
            return C_TERM;
        case 0x3002: case 0xFF61: case 0xFF01: case 0xFF1F:
            return C_TERM_HARD;
        default:
            return C_OTHER;
        }
    default:
        return C_OTHER;
    }
}

/* ---- normalisation ---- */

/* Length of the ASCII prefix of s[0..n). */
static size_t ascii_prefix(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull) break;
        i += 8;
    }
    while (i < n && s[i] < 0x80) i++;
    return i;
}

/* True when NFKC leaves cp unchanged in any context and never lets anything
 * interact across it (see the file comment). */
static int nfkc_inert_cp(uint32_t cp)
{
    const utf8proc_property_t *pr = utf8proc_get_property((utf8proc_int32_t)cp);
    if (pr->combining_class != 0) return 0;
    if (pr->category >= UTF8PROC_CATEGORY_MN && pr->category <= UTF8PROC_CATEGORY_ME) return 0;
    /* conjoining vowel and trailing jamo compose with what precedes them */
    if (cp - 0x1161u <= 0x1175u - 0x1161u || cp - 0x11A8u <= 0x11C2u - 0x11A8u) return 0;
    if (pr->decomp_seqindex == UINT16_MAX) return 1; /* no decomposition (Hangul LV/LVT included) */
    if (pr->decomp_type != 0 || pr->comp_exclusion) return 0;
    /* A canonical composite: inert when NFKC gives it back (é), not when it
     * is a singleton (U+212B) or holds a compatibility character (U+1E9B
     * holds U+017F long s). */
    utf8proc_int32_t d[8];
    int bc = 0;
    utf8proc_ssize_t nd = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 8,
                                                  (utf8proc_option_t)(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT), &bc);
    if (nd < 2 || nd > 8) return 0;
    nd = utf8proc_normalize_utf32(d, nd, (utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    return nd == 1 && d[0] == (utf8proc_int32_t)cp;
}

/* Class of the code point at p (valid UTF-8, p[0] >= 0x80); *k gets its
 * byte length. */
static WS_ALWAYS_INLINE unsigned classify_mb(ws_tokenizer *t, const uint8_t *p, size_t *k)
{
    uint32_t cp;
    *k = ws_utf8_decode_valid(p, &cp);
    if (cp >= BMP_SIZE) return classify_cp(cp);
    uint8_t m = t->memo[cp];
    if (WS_LIKELY(m & M_CLASS_KNOWN)) return m & M_CLASS_BITS;
    unsigned c = classify_cp(cp);
    t->memo[cp] = (uint8_t)(m | M_CLASS_KNOWN | c);
    return c;
}

static WS_ALWAYS_INLINE int nfkc_inert(ws_tokenizer *t, uint32_t cp)
{
    if (cp >= BMP_SIZE) return nfkc_inert_cp(cp);
    uint8_t m = t->memo[cp];
    if (WS_LIKELY(m & M_INERT_KNOWN)) return (m & M_INERT) != 0;
    int inert = nfkc_inert_cp(cp);
    t->memo[cp] = (uint8_t)(m | M_INERT_KNOWN | (inert ? M_INERT : 0));
    return inert;
}

static int u32_reserve(ws_tokenizer *t, size_t need)
{
    if (need <= t->u32_cap) return 0;
    size_t cap = t->u32_cap * 2 > need ? t->u32_cap * 2 : need;
    if (cap > SIZE_MAX / sizeof *t->u32) return ws_error(WS_ENOMEM, "tokenize: %zu code points", need);
    utf8proc_int32_t *p = ws_realloc(t->u32, cap * sizeof *p);
    if (!p) return ws_error(WS_ENOMEM, "tokenize: out of memory for %zu code points", cap);
    t->u32 = p;
    t->u32_cap = cap;
    return 0;
}

/* Append the NFKC form of the valid UTF-8 stretch s[0..n) to t->norm. */
static int nfkc_stretch(ws_tokenizer *t, const uint8_t *s, size_t n)
{
    utf8proc_ssize_t r;
    for (;;) {
        r = utf8proc_decompose_custom(s, (utf8proc_ssize_t)n, t->u32, (utf8proc_ssize_t)t->u32_cap,
                                      WS_NFKC_OPTS, NULL, NULL);
        if (r < 0) return ws_error(WS_EINTERNAL, "tokenize: utf8proc: %s", utf8proc_errmsg(r));
        if ((size_t)r <= t->u32_cap) break;
        int rc = u32_reserve(t, (size_t)r);
        if (rc) return rc;
    }
    r = utf8proc_normalize_utf32(t->u32, r, WS_NFKC_OPTS);
    if (r < 0) return ws_error(WS_EINTERNAL, "tokenize: utf8proc: %s", utf8proc_errmsg(r));
    int rc = ws_buf_reserve(&t->norm, (size_t)r * 4);
    if (rc) return rc;
    uint8_t *dst = t->norm.p + t->norm.n;
    for (utf8proc_ssize_t i = 0; i < r; i++)
        dst += utf8proc_encode_char(t->u32[i], dst);
    t->norm.n = (size_t)(dst - t->norm.p);
    return 0;
}

/* Decode the sequence at s[0..n) (s[0] >= 0x80): its length, or 0 when it
 * is not well-formed UTF-8 (Unicode table 3-7, as in ws_utf8.c). What to do
 * with bad bytes stays ws_utf8_sanitize's business; checking here saves a
 * separate validation pass over clean text. */
static WS_ALWAYS_INLINE size_t decode_checked(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t c = s[0];
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80) return 0;
        *cp = (uint32_t)(c & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        uint32_t v = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)) return 0;
        *cp = v;
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        uint32_t v = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 | (uint32_t)(s[2] & 0x3F) << 6 |
                     (s[3] & 0x3F);
        if (v < 0x10000 || v > 0x10FFFF) return 0;
        *cp = v;
        return 4;
    }
    return 0;
}

#define NFKC_BAD_UTF8 1 /* nfkc() met invalid UTF-8: repair, then call it again */

/* NFKC of src[0..len), whose first `skip` bytes are ASCII, into t->norm
 * (appending). Returns 0, NFKC_BAD_UTF8, or a negative WS_E* code. */
static int nfkc(ws_tokenizer *t, const uint8_t *src, size_t len, size_t skip)
{
    size_t i = skip, boundary = skip ? skip - 1 : 0, emitted = 0;
    int rc;
    while (i < len) {
        if (src[i] < 0x80) {
            i += ascii_prefix(src + i, len - i);
            boundary = i - 1;
            continue;
        }
        uint32_t cp = 0;
        size_t k = decode_checked(src + i, len - i, &cp);
        if (WS_UNLIKELY(!k)) return NFKC_BAD_UTF8;
        if (WS_LIKELY(nfkc_inert(t, cp))) {
            boundary = i;
            i += k;
            continue;
        }
        size_t j = i + k;
        while (j < len && src[j] >= 0x80) {
            k = decode_checked(src + j, len - j, &cp);
            if (WS_UNLIKELY(!k)) return NFKC_BAD_UTF8;
            if (nfkc_inert(t, cp)) break;
            j += k;
        }
        if ((rc = ws_buf_append(&t->norm, src + emitted, boundary - emitted))) return rc;
        if ((rc = nfkc_stretch(t, src + boundary, j - boundary))) return rc;
        emitted = boundary = i = j;
    }
    return ws_buf_append(&t->norm, src + emitted, len - emitted);
}

/* ---- splitting ---- */

enum { G_NONE, G_TERM, G_CLOSED }; /* sentence state of the gap between tokens */

static int grow_tok(ws_tokenizer *t)
{
    size_t cap = t->tok_cap * 2;
    ws_token *p = ws_realloc(t->tok, cap * sizeof *p);
    if (!p) return ws_error(WS_ENOMEM, "tokenize: out of memory for %zu tokens", cap);
    t->tok = p;
    t->tok_cap = cap;
    return 0;
}

static int grow_sent(ws_tokenizer *t)
{
    size_t cap = t->sent_cap * 2;
    uint32_t *p = ws_realloc(t->sent, cap * sizeof *p);
    if (!p) return ws_error(WS_ENOMEM, "tokenize: out of memory for %zu sentences", cap);
    t->sent = p;
    t->sent_cap = cap;
    return 0;
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WS_SWAR 1
#else
#define WS_SWAR 0
#endif

/* Length of the run of ASCII letters and digits at the start of p[0..n).
 * Eight bytes at a time: the end of a word is where most mispredicted
 * branches of a byte loop come from. */
static WS_ALWAYS_INLINE size_t ascii_word_run(const uint8_t *p, size_t n)
{
    size_t i = 0;
#if WS_SWAR
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    while (i + 8 <= n) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        /* per-byte range tests on 7-bit values, so no carry crosses bytes;
         * bytes >= 0x80 count as the end of the run */
        uint64_t a = x & ~high, l = a | 0x20 * ones;
        uint64_t letter = (l + (0x80 - 'a') * ones) & ~(l + (0x7F - 'z') * ones);
        uint64_t digit = (a + (0x80 - '0') * ones) & ~(a + (0x7F - '9') * ones);
        uint64_t stop = ~((letter | digit) & ~x) & high;
        if (stop) return i + ((size_t)__builtin_ctzll(stop) >> 3);
        i += 8;
    }
#endif
    while (i < n && (k_ascii_class[p[i]] & C_WORD)) i++; /* bytes >= 0x80 are C_OTHER there */
    return i;
}

/* Under WS_SEG_ICU: the words of the run p[a..b) from ws_cjdict when every
 * code point of it is one ws_cjdict handles (all three UTF-8 bytes long),
 * appended as in icu_words. Returns 0 when done, 1 when the run is not for
 * ws_cjdict (nothing appended), or a negative WS_E* code. */
static int cjdict_words(ws_tokenizer *t, const uint8_t *p, size_t a, size_t b, size_t *ntok)
{
    size_t n = 0;
    if ((b - a) % 3) return 1;
    if ((b - a) / 3 > t->cps_cap) {
        size_t cap = t->cps_cap ? t->cps_cap : 256;
        while (cap < (b - a) / 3) cap *= 2;
        uint32_t *c = ws_realloc(t->cps, cap * sizeof *c);
        if (!c) return ws_error(WS_ENOMEM, "tokenize: out of memory for a run of %zu bytes", b - a);
        t->cps = c;
        t->cps_cap = cap;
    }
    for (size_t i = a; i < b; i += 3) {
        if ((p[i] & 0xF0) != 0xE0) return 1;
        uint32_t cp = ((uint32_t)(p[i] & 0x0F) << 12) | ((uint32_t)(p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3Fu);
        if (!ws_cjdict_handles(cp)) return 1;
        t->cps[n++] = cp;
    }
    const uint32_t *ends;
    size_t nw;
    int rc = ws_cjdict_split(t->cj, t->cps, n, &ends, &nw);
    if (rc) return rc;
    uint32_t prev = 0;
    for (size_t w = 0; w < nw; w++) {
        if (*ntok == t->tok_cap && (rc = grow_tok(t))) return rc;
        t->tok[*ntok].off = (uint32_t)(a + 3 * (size_t)prev);
        t->tok[*ntok].len = 3 * (ends[w] - prev);
        (*ntok)++;
        prev = ends[w];
    }
    return 0;
}

/* Under WS_SEG_ICU: split the run p[a..b) of dictionary-script letters and
 * marks into words with ICU's word break iterator, appending each word as a
 * token (t->tok, *ntok). The run holds word characters only, so every
 * segment ICU returns is a word. */
static int icu_words(ws_tokenizer *t, const uint8_t *p, size_t a, size_t b, size_t *ntok)
{
    if (b - a > (size_t)INT32_MAX) return ws_error(WS_ETOOBIG, "tokenize: a run of %zu bytes without spaces", b - a);
    if (t->cj && !t->no_cj) {
        int rc = cjdict_words(t, p, a, b, ntok);
        if (rc <= 0) return rc; /* done, or an error */
    }
    UErrorCode e = U_ZERO_ERROR;
    utext_openUTF8(&t->ut, (const char *)p + a, (int64_t)(b - a), &e);
    if (U_SUCCESS(e)) ubrk_setUText(t->brk, &t->ut, &e);
    if (U_FAILURE(e)) return ws_error(WS_EINTERNAL, "tokenize: ICU word break: %s", u_errorName(e));
    int32_t prev = ubrk_first(t->brk), next;
    while ((next = ubrk_next(t->brk)) != UBRK_DONE) {
        if (next <= prev) break; /* cannot happen: boundaries increase */
        if (*ntok == t->tok_cap) {
            int rc = grow_tok(t);
            if (rc) return rc;
        }
        t->tok[*ntok].off = (uint32_t)(a + (size_t)prev);
        t->tok[*ntok].len = (uint32_t)(next - prev);
        (*ntok)++;
        prev = next;
    }
    return 0;
}

/* Under WS_SEG_ICU: is the format character of k bytes at p[i] a ZWNJ or
 * ZWJ followed by a letter, digit or mark that continues the word (not a
 * dictionary-script letter, which starts a run of its own)? */
static int joiner_inside(ws_tokenizer *t, const uint8_t *p, size_t i, size_t k, size_t len)
{
    /* U+200C, U+200D: E2 80 8C, E2 80 8D */
    if (k != 3 || p[i] != 0xE2 || p[i + 1] != 0x80 || (p[i + 2] != 0x8C && p[i + 2] != 0x8D)) return 0;
    if (i + k >= len) return 0;
    if (p[i + k] < 0x80) return (k_ascii_class[p[i + k]] & C_WORD) != 0;
    size_t k2;
    unsigned c = classify_mb(t, p + i + k, &k2);
    return (c & C_WORD) && c != C_CJK && c != C_SEA;
}

/* Split the valid UTF-8 p[0..len) (len <= UINT32_MAX) into t->tok and
 * t->sent. With ascii set p holds ASCII only; the function is inlined into
 * two callers so that the multi-byte branches compile away there. */
static WS_ALWAYS_INLINE int split(ws_tokenizer *t, const uint8_t *p, size_t len, const int ascii,
                                  size_t *ntok_out, size_t *nsent_out)
{
    ws_token *tok = t->tok;
    size_t tok_cap = t->tok_cap, ntok = 0, nsent = 0, i = 0;
    const int icu = !ascii && t->seg == WS_SEG_ICU;
    int gap = G_NONE, para = 0;
    unsigned nl = 0;
    while (i < len) {
        unsigned cls;
        size_t k = 1;
        if (ascii || p[i] < 0x80) cls = k_ascii_class[p[i]];
        else cls = classify_mb(t, p + i, &k);

        if (!(cls & C_WORD)) {
            if (cls == C_SPACE) {
                if (gap == G_TERM) gap = G_CLOSED;
            } else {
                switch (cls) {
                case C_NL: if (gap == G_TERM) gap = G_CLOSED; if (++nl >= 2) para = 1; break;
                case C_PARA: if (gap == G_TERM) gap = G_CLOSED; para = 1; break;
                case C_TERM: if (gap != G_CLOSED) gap = G_TERM; nl = 0; break;
                case C_TERM_HARD: gap = G_CLOSED; nl = 0; break;
                case C_CLOSE: nl = 0; break;
                case C_TRANSP: break;
                default: if (gap == G_TERM) gap = G_NONE; nl = 0; break; /* C_OTHER, C_OPEN */
                }
            }
            i += k;
            continue;
        }

        if (WS_UNLIKELY(ntok == 0 || para || (gap == G_CLOSED && (cls == C_WS || cls == C_CJK || cls == C_SEA)) ||
                        (gap == G_TERM && cls == C_CJK))) {
            if (nsent == t->sent_cap) {
                int rc = grow_sent(t);
                if (rc) return rc;
            }
            t->sent[nsent++] = (uint32_t)ntok;
        }
        size_t start = i;
        i += k;
        if (ascii) {
            i += ascii_word_run(p + i, len - i);
        } else if (icu && (cls == C_CJK || cls == C_SEA)) {
            /* a run of dictionary-script letters (and their marks): ICU's words */
            while (i < len && p[i] >= 0x80) {
                size_t k2;
                unsigned c2 = classify_mb(t, p + i, &k2);
                if (c2 != C_CJK && c2 != C_SEA && c2 != C_MARK) break;
                i += k2;
            }
            int rc = icu_words(t, p, start, i, &ntok);
            if (rc) return rc;
            tok = t->tok;
            tok_cap = t->tok_cap;
            gap = G_NONE;
            para = 0;
            nl = 0;
            continue;
        } else if (cls == C_CJK) {
            /* combining marks stay with the character they follow */
            while (i < len && p[i] >= 0x80) {
                size_t k2;
                if (classify_mb(t, p + i, &k2) != C_MARK) break;
                i += k2;
            }
        } else {
            while (i < len) {
                if (p[i] < 0x80) {
                    i += ascii_word_run(p + i, len - i);
                    if (i >= len || p[i] < 0x80) break;
                }
                size_t k2;
                unsigned c2 = classify_mb(t, p + i, &k2);
                if (icu && c2 == C_TRANSP && joiner_inside(t, p, i, k2, len)) {
                    i += k2; /* ZWNJ/ZWJ inside a word */
                    continue;
                }
                if (!(c2 & C_WORD) || c2 == C_CJK || (icu && c2 == C_SEA)) break;
                i += k2;
            }
        }
        if (WS_UNLIKELY(ntok == tok_cap)) {
            int rc = grow_tok(t);
            if (rc) return rc;
            tok = t->tok;
            tok_cap = t->tok_cap;
        }
        tok[ntok].off = (uint32_t)start;
        tok[ntok].len = (uint32_t)(i - start);
        ntok++;
        gap = G_NONE;
        para = 0;
        nl = 0;
    }
    *ntok_out = ntok;
    *nsent_out = nsent;
    return 0;
}

static int split_ascii(ws_tokenizer *t, const uint8_t *p, size_t len, size_t *ntok, size_t *nsent)
{
    return split(t, p, len, 1, ntok, nsent);
}

static int split_utf8(ws_tokenizer *t, const uint8_t *p, size_t len, size_t *ntok, size_t *nsent)
{
    return split(t, p, len, 0, ntok, nsent);
}

/* ---- public API ---- */

ws_tokenizer *ws_tokenizer_create(void)
{
    ws_tokenizer *t = ws_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->u32_cap = 256;
    t->tok_cap = 1024;
    t->sent_cap = 64;
    t->u32 = ws_malloc(t->u32_cap * sizeof *t->u32);
    t->tok = ws_malloc(t->tok_cap * sizeof *t->tok);
    t->sent = ws_malloc(t->sent_cap * sizeof *t->sent);
    t->memo = ws_calloc(BMP_SIZE, 1);
    UText ut = UTEXT_INITIALIZER;
    t->ut = ut;
    if (!t->u32 || !t->tok || !t->sent || !t->memo || ws_buf_reserve(&t->norm, 4096)) {
        ws_tokenizer_free(t);
        return NULL;
    }
    return t;
}

void ws_tokenizer_free(ws_tokenizer *t)
{
    if (!t) return;
    ws_buf_free(&t->clean);
    ws_buf_free(&t->norm);
    ws_free(t->u32);
    ws_free(t->tok);
    ws_free(t->sent);
    ws_free(t->memo);
    if (t->brk) ubrk_close(t->brk);
    utext_close(&t->ut);
    ws_cjdict_close(t->cj);
    ws_free(t->cps);
    ws_free(t);
}

int ws_tokenizer_set_segmentation(ws_tokenizer *t, int seg)
{
    if (!t || (seg != WS_SEG_CHARS && seg != WS_SEG_ICU))
        return ws_error(WS_EINVAL, "ws_tokenizer_set_segmentation: bad argument");
    if (seg == WS_SEG_ICU && !t->brk) {
        UErrorCode e = U_ZERO_ERROR;
        /* the root locale: ICU's dictionaries pick the words by script */
        t->brk = ubrk_open(UBRK_WORD, "", NULL, 0, &e);
        if (U_FAILURE(e)) {
            t->brk = NULL;
            return ws_error(WS_EINTERNAL, "tokenize: ICU word break iterator: %s", u_errorName(e));
        }
        t->cj = ws_cjdict_open(); /* NULL: ICU does every run (same words, slower) */
    }
    t->seg = seg;
    return 0;
}

int ws_tokenizer_segmentation(const ws_tokenizer *t) { return t ? t->seg : WS_SEG_CHARS; }

int ws__tokenizer_use_cjdict(ws_tokenizer *t, int on)
{
    if (!t) return 0;
    t->no_cj = !on;
    return t->cj != NULL;
}

/* Is cp a letter of a script written without spaces? */
static int nospace_letter(uint32_t cp)
{
    if (cp < 0x0E00) return 0;
    switch (utf8proc_get_property((utf8proc_int32_t)cp)->category) {
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
        return (cp >= 0x3005 && is_cjk_single(cp)) || is_sea_block(cp);
    default:
        return 0;
    }
}

int ws_tokens_join_tight(const char *a, size_t na, const char *b, size_t nb)
{
    if (!na || !nb || (unsigned char)a[na - 1] < 0x80 || (unsigned char)b[0] < 0x80) return 0;
    size_t i = na - 1;
    while (i > 0 && ((unsigned char)a[i] & 0xC0) == 0x80) i--;
    utf8proc_int32_t ca = -1, cb = -1;
    if (utf8proc_iterate((const uint8_t *)a + i, (utf8proc_ssize_t)(na - i), &ca) <= 0) return 0;
    if (utf8proc_iterate((const uint8_t *)b, (utf8proc_ssize_t)nb, &cb) <= 0) return 0;
    return nospace_letter((uint32_t)ca) && nospace_letter((uint32_t)cb);
}

int ws_tokenize(ws_tokenizer *t, const char *s, size_t n, ws_tokens *out)
{
    if (out) memset(out, 0, sizeof *out);
    if (!t || !out || (!s && n)) return ws_error(WS_EINVAL, "ws_tokenize: NULL argument");
    out->text = "";
    if (n > UINT32_MAX / 4)
        return ws_error(WS_ETOOBIG, "tokenize: text of %zu bytes exceeds the limit of %u", n,
                        (unsigned)(UINT32_MAX / 4));

    const uint8_t *src = (const uint8_t *)s;
    const uint8_t *text;
    size_t text_len, ntok, nsent, invalid = 0;
    int rc;
    ws_buf_reset(&t->norm);
    ws_buf_reset(&t->clean);

    size_t na = n ? ascii_prefix(src, n) : 0;
    if (na == n) {
        /* ASCII is NFKC already; copied so the result never borrows s */
        if (n && (rc = ws_buf_append(&t->norm, src, n))) return rc;
        text = t->norm.p;
        text_len = n;
        rc = split_ascii(t, text, text_len, &ntok, &nsent);
    } else {
        rc = nfkc(t, src, n, na);
        if (rc == NFKC_BAD_UTF8) {
            /* rare: repair into t->clean and normalise that instead */
            ws_buf_reset(&t->norm);
            size_t nv = na + ws_utf8_valid_prefix(s + na, n - na);
            if ((rc = ws_buf_append(&t->clean, src, nv))) return rc;
            long bad = ws_utf8_sanitize(s + nv, n - nv, &t->clean);
            if (bad < 0) return (int)bad;
            invalid = (size_t)bad;
            rc = nfkc(t, t->clean.p, t->clean.n, na);
            if (rc == NFKC_BAD_UTF8) return ws_error(WS_EINTERNAL, "tokenize: repaired text is not UTF-8");
        }
        if (rc) return rc;
        text = t->norm.p;
        text_len = t->norm.n;
        if (text_len > UINT32_MAX)
            return ws_error(WS_ETOOBIG, "tokenize: normalised text of %zu bytes exceeds 4 GiB", text_len);
        rc = split_utf8(t, text, text_len, &ntok, &nsent);
    }
    if (rc) return rc;

    out->text = text ? (const char *)text : "";
    out->text_len = text_len;
    out->tok = t->tok;
    out->ntok = ntok;
    out->sent = t->sent;
    out->nsent = nsent;
    out->invalid = invalid;
    return 0;
}
