/*
 * ICU's dictionary segmentation of Chinese and Japanese, in C (interface
 * and scope in ws_cjdict.h). Why: ICU's break iterator spends most of
 * wirescan's Chinese ingest inside CjkBreakEngine (UText and UnicodeString
 * copies of each run, UVector32 arrays, a UCharsTrie walk per position
 * through C++ objects); the same dynamic programme over the same
 * dictionary in flat arrays is several times faster, and the words are the
 * same.
 *
 * What ICU 72 does for such a run (common/dictbe.cpp, CjkBreakEngine::
 * divideUpDictionaryRange, and common/ucharstrie.cpp): for each code point
 * i reachable by the best segmentation so far, look up every dictionary
 * word starting at i (at most 20 UTF-16 units long; each has a cost, the
 * trie's value); with none of length 1, the single code point is a word of
 * cost 255. bestSnlp[i + len] improves (strictly) to bestSnlp[i] + cost.
 * At the start of each run of Katakana (up to 19 long), the whole run is
 * also a candidate, with a cost from a table by its length. The boundaries
 * are the chain of best predecessors from the end. The input is NFKC
 * already (the tokenizer's text), so ICU's normalisation step does
 * nothing; code points of the BMP make UTF-16 units and code points the
 * same.
 *
 * The dictionary is ICU's own data (udata_open of brkitr/cjdict.dict), a
 * UCharsTrie; the reader below follows the trie's documented layout
 * (unicode/ucharstrie.h).
 */
#include "ws_cjdict.h"

#include <string.h>
#include <unicode/udata.h>
#include <unicode/uversion.h>

#include "ws_util.h"
#include "wirescan.h"

struct ws_cjdict {
    UDataMemory *mem;
    const uint16_t *trie; /* the UCharsTrie's units */
    uint32_t *snlp;       /* best cost of the first i code points */
    uint32_t *prev;       /* where the best segmentation's last word starts */
    uint32_t *ends;       /* result */
    size_t cap;           /* of the three arrays, in code points + 1 */
    /* The walk after the first code point, memoised per BMP code point
     * (FIRST_* bits; 0: not yet computed): the root is a branch over
     * tens of thousands of first characters, and its binary search was
     * most of the time. */
    uint32_t *first;
    /* The same for the first two code points, in a direct-mapped cache
     * keyed by the pair (the second level is a branch of hundreds). */
    struct pair_memo {
        uint32_t key, m;
    } *pair;
};
#define PAIR_BITS 16

enum { FIRST_KNOWN = 1u << 31, FIRST_RESULT_SHIFT = 29, FIRST_REM_SHIFT = 24, FIRST_POS_MASK = (1u << 24) - 1 };

/* ---- UCharsTrie (ICU unicode/ucharstrie.h) ---- */

enum {
    MAX_BRANCH_LINEAR = 5,
    MIN_LINEAR_MATCH = 0x30,
    MAX_LINEAR_MATCH_LENGTH = 0x10,
    MIN_VALUE_LEAD = MIN_LINEAR_MATCH + MAX_LINEAR_MATCH_LENGTH, /* 0x40 */
    NODE_TYPE_MASK = MIN_VALUE_LEAD - 1,
    VALUE_IS_FINAL = 0x8000,
    MIN_TWO_UNIT_VALUE_LEAD = 0x4000,
    THREE_UNIT_VALUE_LEAD = 0x7fff,
    MIN_TWO_UNIT_NODE_VALUE_LEAD = MIN_VALUE_LEAD + ((0xff + 1) << 6), /* 0x4040 */
    THREE_UNIT_NODE_VALUE_LEAD = 0x7fc0,
    MIN_TWO_UNIT_DELTA_LEAD = 0xfc00,
    THREE_UNIT_DELTA_LEAD = 0xffff
};

/* Match results: none; matched, no value here; matched, a value here and
 * more may follow; matched, a final value. */
enum { R_NO_MATCH, R_NO_VALUE, R_VALUE, R_FINAL };

typedef struct trie_walk {
    const uint16_t *pos; /* NULL: stopped */
    int remaining;       /* units left of a linear-match node, minus 1; -1 none */
} trie_walk;

static int value_result(unsigned node) { return (node & VALUE_IS_FINAL) ? R_FINAL : R_VALUE; }

static const uint16_t *skip_value(const uint16_t *pos, unsigned lead)
{
    if (lead >= MIN_TWO_UNIT_VALUE_LEAD) pos += lead < THREE_UNIT_VALUE_LEAD ? 1 : 2;
    return pos;
}

static const uint16_t *skip_node_value(const uint16_t *pos, unsigned lead)
{
    if (lead >= MIN_TWO_UNIT_NODE_VALUE_LEAD) pos += lead < THREE_UNIT_NODE_VALUE_LEAD ? 1 : 2;
    return pos;
}

static const uint16_t *jump_by_delta(const uint16_t *pos)
{
    uint32_t delta = *pos++;
    if (delta >= MIN_TWO_UNIT_DELTA_LEAD) {
        if (delta == THREE_UNIT_DELTA_LEAD) {
            delta = ((uint32_t)pos[0] << 16) | pos[1];
            pos += 2;
        } else {
            delta = ((delta - MIN_TWO_UNIT_DELTA_LEAD) << 16) | *pos++;
        }
    }
    return pos + delta;
}

static const uint16_t *skip_delta(const uint16_t *pos)
{
    uint32_t delta = *pos++;
    if (delta >= MIN_TWO_UNIT_DELTA_LEAD) pos += delta == THREE_UNIT_DELTA_LEAD ? 2 : 1;
    return pos;
}

static int branch_next(trie_walk *w, const uint16_t *pos, unsigned length, unsigned u)
{
    if (length == 0) length = *pos++;
    ++length;
    while (length > MAX_BRANCH_LINEAR) { /* binary search */
        if (u < *pos++) {
            length >>= 1;
            pos = jump_by_delta(pos);
        } else {
            length = length - (length >> 1);
            pos = skip_delta(pos);
        }
    }
    do { /* linear search of the last few */
        if (u == *pos++) {
            int result;
            unsigned node = *pos;
            if (node & VALUE_IS_FINAL) {
                result = R_FINAL; /* the value is read at pos */
            } else {
                ++pos; /* a non-final value is the jump delta */
                uint32_t delta;
                if (node < MIN_TWO_UNIT_VALUE_LEAD) {
                    delta = node;
                } else if (node < THREE_UNIT_VALUE_LEAD) {
                    delta = ((node - MIN_TWO_UNIT_VALUE_LEAD) << 16) | *pos++;
                } else {
                    delta = ((uint32_t)pos[0] << 16) | pos[1];
                    pos += 2;
                }
                pos += delta;
                node = *pos;
                result = node >= MIN_VALUE_LEAD ? value_result(node) : R_NO_VALUE;
            }
            w->pos = pos;
            return result;
        }
        --length;
        pos = skip_value(pos, *pos & 0x7fff) + 1;
    } while (length > 1);
    if (u == *pos++) {
        w->pos = pos;
        unsigned node = *pos;
        return node >= MIN_VALUE_LEAD ? value_result(node) : R_NO_VALUE;
    }
    w->pos = NULL;
    return R_NO_MATCH;
}

static int next_impl(trie_walk *w, const uint16_t *pos, unsigned u)
{
    unsigned node = *pos++;
    for (;;) {
        if (node < MIN_LINEAR_MATCH) return branch_next(w, pos, node, u);
        if (node < MIN_VALUE_LEAD) {
            int length = (int)node - MIN_LINEAR_MATCH; /* match length minus 1 */
            if (u != *pos++) break;
            w->remaining = --length;
            w->pos = pos;
            return (length < 0 && (node = *pos) >= MIN_VALUE_LEAD) ? value_result(node) : R_NO_VALUE;
        }
        if (node & VALUE_IS_FINAL) break; /* nothing follows */
        pos = skip_node_value(pos, node); /* an intermediate value */
        node &= NODE_TYPE_MASK;
    }
    w->pos = NULL;
    return R_NO_MATCH;
}

static int trie_first(trie_walk *w, const uint16_t *root, unsigned u)
{
    w->remaining = -1;
    return next_impl(w, root, u);
}

static int trie_next(trie_walk *w, unsigned u)
{
    const uint16_t *pos = w->pos;
    if (!pos) return R_NO_MATCH;
    int length = w->remaining;
    if (length >= 0) { /* inside a linear-match node */
        if (u != *pos++) {
            w->pos = NULL;
            return R_NO_MATCH;
        }
        w->remaining = --length;
        w->pos = pos;
        unsigned node;
        return (length < 0 && (node = *pos) >= MIN_VALUE_LEAD) ? value_result(node) : R_NO_VALUE;
    }
    return next_impl(w, pos, u);
}

static uint32_t walk_memo(const ws_cjdict *d, const trie_walk *w, int r)
{
    size_t off = w->pos ? (size_t)(w->pos - d->trie) : 0;
    if (off > FIRST_POS_MASK) return 0;
    return FIRST_KNOWN | (uint32_t)r << FIRST_RESULT_SHIFT | (uint32_t)(w->remaining + 1) << FIRST_REM_SHIFT |
           (uint32_t)off;
}

static int walk_restore(const ws_cjdict *d, trie_walk *w, uint32_t m)
{
    int r = (int)(m >> FIRST_RESULT_SHIFT & 3);
    w->pos = r == R_NO_MATCH ? NULL : d->trie + (m & FIRST_POS_MASK);
    w->remaining = (int)(m >> FIRST_REM_SHIFT & 31) - 1;
    return r;
}

/* trie_first for the code point u of the BMP, through d->first. */
static int first_memo(const ws_cjdict *d, trie_walk *w, unsigned u)
{
    uint32_t m = d->first[u];
    if (m) return walk_restore(d, w, m);
    int r = trie_first(w, d->trie, u);
    d->first[u] = walk_memo(d, w, r); /* 0 (never found) for a trie too large to memoise */
    return r;
}

/* trie_next of the code point v after first_memo of u, through d->pair. */
static int pair_memo(const ws_cjdict *d, trie_walk *w, unsigned u, unsigned v)
{
    uint32_t key = (uint32_t)u << 16 | v;
    struct pair_memo *e = &d->pair[(key * 0x9E3779B1u) >> (32 - PAIR_BITS)];
    if (e->key == key && e->m) return walk_restore(d, w, e->m);
    int r = trie_next(w, v);
    e->key = key;
    e->m = walk_memo(d, w, r);
    return r;
}

static int32_t trie_value(const trie_walk *w)
{
    const uint16_t *pos = w->pos;
    unsigned lead = *pos++;
    if (lead & VALUE_IS_FINAL) {
        lead &= 0x7fff;
        if (lead < MIN_TWO_UNIT_VALUE_LEAD) return (int32_t)lead;
        if (lead < THREE_UNIT_VALUE_LEAD) return (int32_t)(((lead - MIN_TWO_UNIT_VALUE_LEAD) << 16) | *pos);
        return (int32_t)(((uint32_t)pos[0] << 16) | pos[1]);
    }
    if (lead < MIN_TWO_UNIT_NODE_VALUE_LEAD) return (int32_t)(lead >> 6) - 1;
    if (lead < THREE_UNIT_NODE_VALUE_LEAD) return (int32_t)((((lead & 0x7fc0) - MIN_TWO_UNIT_NODE_VALUE_LEAD) << 10) | *pos);
    return (int32_t)(((uint32_t)pos[0] << 16) | pos[1]);
}

/* ---- the segmenter ---- */

#define MAX_WORD 20      /* ICU: maxWordSize, in UTF-16 units */
#define MAX_SNLP 255     /* cost of a code point that starts no dictionary word */
#define MAX_KATAKANA_GROUP 20
static const uint32_t KATAKANA_COST[] = {8192, 984, 408, 240, 204, 252, 300, 372, 480}; /* by length; longer: 8192 */

static int is_katakana(uint32_t c) { return (c >= 0x30A1 && c <= 0x30FE && c != 0x30FB) || (c >= 0xFF66 && c <= 0xFF9F); }

int ws_cjdict_handles(uint32_t cp)
{
    /* Han of the BMP (unified, extension A, and the Han-script marks 々 〇),
     * Hiragana letters and iteration marks, Katakana letters, ー and the
     * iteration marks: all Han, Hiragana or Katakana in ICU's word rules
     * (one rule segment, one dictionary range) and unchanged by NFKC.
     * Not here (ICU does them): compatibility ideographs and half-width
     * forms (NFKC changes them), the supplementary planes, combining and
     * spacing voiced marks, and the rest of is_cjk_single's blocks. */
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || cp == 0x3005 || cp == 0x3007 ||
           (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x309D && cp <= 0x309F) || (cp >= 0x30A1 && cp <= 0x30FA) ||
           (cp >= 0x30FC && cp <= 0x30FF);
}

ws_cjdict *ws_cjdict_open(void)
{
    UErrorCode e = U_ZERO_ERROR;
    UDataMemory *mem = udata_open(U_ICUDATA_NAME U_TREE_SEPARATOR_STRING "brkitr", "dict", "cjdict", &e);
    if (U_FAILURE(e) || !mem) return NULL;
    const int32_t *ix = udata_getMemory(mem);
    /* DictionaryData's indexes: [0] the trie's offset, [3] total size,
     * [4] trie type (low 3 bits: 1 = UCharsTrie), [5] transform (0: none) */
    if (!ix || ix[0] < 32 || ix[3] <= ix[0] || (ix[4] & 7) != 1 || ix[5] != 0) {
        udata_close(mem);
        return NULL;
    }
    ws_cjdict *d = ws_calloc(1, sizeof *d);
    if (!d) {
        udata_close(mem);
        return NULL;
    }
    d->mem = mem;
    d->trie = (const uint16_t *)((const uint8_t *)ix + ix[0]);
    if (!(d->first = ws_calloc(0x10000, sizeof *d->first)) || !(d->pair = ws_calloc((size_t)1 << PAIR_BITS, sizeof *d->pair))) {
        ws_cjdict_close(d);
        return NULL;
    }
    return d;
}

void ws_cjdict_close(ws_cjdict *d)
{
    if (!d) return;
    udata_close(d->mem);
    ws_free(d->snlp);
    ws_free(d->prev);
    ws_free(d->ends);
    ws_free(d->first);
    ws_free(d->pair);
    ws_free(d);
}

static int reserve(ws_cjdict *d, size_t n)
{
    if (n + 1 <= d->cap) return 0;
    size_t cap = d->cap ? d->cap : 256;
    while (cap < n + 1) cap *= 2;
    uint32_t *a = ws_realloc(d->snlp, cap * sizeof *a);
    if (a) d->snlp = a;
    uint32_t *b = a ? ws_realloc(d->prev, cap * sizeof *b) : NULL;
    if (b) d->prev = b;
    uint32_t *c = b ? ws_realloc(d->ends, cap * sizeof *c) : NULL;
    if (!c) return ws_error(WS_ENOMEM, "tokenize: out of memory for a run of %zu characters", n);
    d->ends = c;
    d->cap = cap;
    return 0;
}

int ws_cjdict_split(ws_cjdict *d, const uint32_t *cp, size_t n, const uint32_t **ends, size_t *nwords)
{
    int rc = reserve(d, n);
    if (rc) return rc;
    uint32_t *snlp = d->snlp, *prev = d->prev;
    snlp[0] = 0;
    for (size_t i = 1; i <= n; i++) snlp[i] = UINT32_MAX;
    for (size_t i = 0; i <= n; i++) prev[i] = UINT32_MAX;
    int prev_kata = 0;
    for (size_t i = 0; i < n; i++) {
        if (snlp[i] == UINT32_MAX) continue;
        /* dictionary words starting at i, shortest first */
        uint32_t lens[MAX_WORD + 1];
        int32_t vals[MAX_WORD + 1];
        int count = 0;
        trie_walk w;
        for (size_t k = i; k < n; k++) {
            int r = k == i ? first_memo(d, &w, cp[k]) : k == i + 1 ? pair_memo(d, &w, cp[i], cp[k]) : trie_next(&w, cp[k]);
            uint32_t len = (uint32_t)(k - i + 1);
            if (r >= R_VALUE) {
                vals[count] = trie_value(&w);
                lens[count++] = len;
                if (r == R_FINAL) break;
            } else if (r == R_NO_MATCH) {
                break;
            }
            if (len >= MAX_WORD) break;
        }
        if (count == 0 || lens[0] != 1) { /* (no Hangul here, which ICU exempts) */
            vals[count] = MAX_SNLP;
            lens[count++] = 1;
        }
        for (int j = 0; j < count; j++) {
            uint32_t s = snlp[i] + (uint32_t)vals[j];
            size_t to = i + lens[j];
            if (s < snlp[to]) {
                snlp[to] = s;
                prev[to] = (uint32_t)i;
            }
        }
        /* a run of Katakana is a candidate word as a whole */
        int kata = is_katakana(cp[i]);
        if (!prev_kata && kata) {
            size_t len = 1;
            while (i + len < n && len < MAX_KATAKANA_GROUP && is_katakana(cp[i + len])) len++;
            if (len < MAX_KATAKANA_GROUP) {
                uint32_t s = snlp[i] + (len < sizeof KATAKANA_COST / sizeof *KATAKANA_COST ? KATAKANA_COST[len] : 8192);
                if (s < snlp[i + len]) {
                    snlp[i + len] = s;
                    prev[i + len] = (uint32_t)i;
                }
            }
        }
        prev_kata = kata;
    }
    /* the chain of best predecessors, reversed into ascending ends */
    size_t m = 0;
    for (size_t i = n; i > 0; i = prev[i]) {
        if (prev[i] == UINT32_MAX || prev[i] >= i) return ws_error(WS_EINTERNAL, "tokenize: broken segmentation chain");
        d->ends[m++] = (uint32_t)i;
    }
    for (size_t a = 0, b = m - 1; a < b; a++, b--) {
        uint32_t t = d->ends[a];
        d->ends[a] = d->ends[b];
        d->ends[b] = t;
    }
    *ends = d->ends;
    *nwords = m;
    return 0;
}
