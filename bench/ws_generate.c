/*
 * Synthetic news corpus generator behind `wirescan generate`.
 *
 * A model is built once from the seed: an invented vocabulary (syllable-built
 * words, a few real function words at the top ranks, ~3% with an accented
 * vowel and ~1% Cyrillic) with a Zipf alias table, the planted topics with
 * keywords that never occur in the vocabulary, and a cumulative table of
 * daily story volume (growth over the years, fewer stories at weekends and
 * over the year-end holidays). Each story is then a pure function of
 * (model, story index): its random stream is seeded from a hash of
 * (seed, index), and its date comes from mapping the index onto the volume
 * table, plus a little jitter, so the archive is roughly but not strictly
 * chronological. Stories are generated in batches by OpenMP threads, each
 * thread taking a contiguous run of the batch into its own buffer, and the
 * buffers are written in thread order, so the bytes never depend on the
 * thread count.
 */
#include "ws_generate.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_util.h"

/* ------------------------------------------------------------------------ */
/* Counter-based randomness: SplitMix64 seeded from XXH3(seed, stream, index). */

typedef struct gen_rng {
    uint64_t s;
} gen_rng;

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t rng_next(gen_rng *r)
{
    r->s += 0x9E3779B97F4A7C15ULL;
    return mix64(r->s);
}

/* Uniform in [0, n) by multiply-shift (bias below 2^-32, irrelevant here). */
static inline uint32_t rng_below(gen_rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

static inline double rng_unit(gen_rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

enum { STREAM_VOCAB = 1, STREAM_TOPICS = 2, STREAM_STORY = 3 };

static gen_rng rng_for(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint8_t key[24];
    ws_le64_put(key, seed);
    ws_le64_put(key + 8, stream);
    ws_le64_put(key + 16, index);
    gen_rng r = {ws_hash64(key, sizeof key)};
    return r;
}

/* ------------------------------------------------------------------------ */
/* Fixed corpus shape. */

#define GEN_VOCAB 50000u
#define GEN_ZIPF_S 1.07
#define GEN_MAX_WORD_CHARS 12
#define GEN_MAX_WORD_BYTES 24 /* 12 code points of at most 2 bytes */
#define GEN_BATCH 4096u /* stories per batch */
#define GEN_CHUNK 64u    /* stories per buffer; divides GEN_BATCH */
#define GEN_MAX_LEN 3000u
#define GEN_MEDIAN_LEN 350.0
#define GEN_LEN_SIGMA 0.6
#define GEN_MAX_TERMS 6
#define GEN_MAX_MENTIONS 5
#define GEN_NTOPICS 8
#define GEN_TIERS 3 /* Zipf rank tiers, see build_zipf */

/* Top ranks: real English function words, in roughly their real order. */
static const char *const k_function_words[] = {
    "the", "of", "to", "and", "a", "in", "that", "said", "for", "on", "is", "with",
    "was", "it", "by", "as", "at", "from", "he", "be", "his", "has", "have", "an",
    "are", "not", "will", "but", "which", "its", "they", "who", "had", "after", "this",
    "been", "were", "would", "their", "more", "about", "also", "or", "than", "new",
    "one", "two", "last",
};
#define GEN_NFUNC (sizeof k_function_words / sizeof k_function_words[0])

typedef struct gen_source {
    const char *name;
    unsigned weight; /* share of stories, percent */
} gen_source;

static const gen_source k_sources[] = {
    {"Corvell Wire", 30},     {"The Daily Ambrel", 20}, {"Norrick Times", 15},
    {"Halvorsen Post", 12},   {"Tavish Gazette", 9},    {"Quillon Herald", 7},
    {"Brenmoor Ledger", 4},   {"Sudret Courier", 3},
};
static const gen_source k_sections[] = {
    {"politics", 18}, {"business", 16}, {"world", 15},  {"sports", 14}, {"technology", 9},
    {"health", 7},    {"culture", 7},   {"local", 6},   {"science", 5}, {"opinion", 3},
};
#define GEN_NSOURCES (sizeof k_sources / sizeof k_sources[0])
#define GEN_NSECTIONS (sizeof k_sections / sizeof k_sections[0])

/* Relative volume by hour of day (UTC): quiet nights, busy working day. */
static const unsigned k_hour_weight[24] = {2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9,
                                           8, 8, 8, 8, 7, 6, 5, 4, 4, 3, 3, 2};
/* Relative volume by weekday, 0 = Sunday. */
static const double k_weekday_weight[7] = {0.40, 1.05, 1.00, 1.00, 1.00, 0.95, 0.45};

typedef enum gen_kind { KIND_RISE, KIND_BURST, KIND_DECLINE, KIND_SEASONAL, KIND_STEADY } gen_kind;
static const char *const k_kind_names[] = {"rise", "burst", "decline", "seasonal", "steady"};

typedef struct gen_topic_spec {
    const char *name;
    gen_kind kind;
    double base, peak; /* probability that a story mentions the topic */
} gen_topic_spec;

static const gen_topic_spec k_topic_specs[GEN_NTOPICS] = {
    {"rise1", KIND_RISE, 0.003, 0.030},        {"rise2", KIND_RISE, 0.002, 0.015},
    {"burst1", KIND_BURST, 0.002, 0.040},      {"burst2", KIND_BURST, 0.001, 0.020},
    {"decline1", KIND_DECLINE, 0.003, 0.030},  {"seasonal1", KIND_SEASONAL, 0.002, 0.030},
    {"steady1", KIND_STEADY, 0.005, 0.005},    {"steady2", KIND_STEADY, 0.010, 0.010},
};

/* ------------------------------------------------------------------------ */
/* The model: everything shared by all stories, read-only once built. */

typedef struct gen_topic {
    const gen_topic_spec *spec;
    uint32_t term[GEN_MAX_TERMS]; /* packed word handles (see pool_word) */
    unsigned nterms;
    int64_t start, end; /* inclusive day numbers (days since 1970-01-01) */
    unsigned month;     /* seasonal: peak month 1..12 */
} gen_topic;

typedef struct gen_alias {
    uint32_t thresh; /* keep h[0] when the low 32 random bits are below this */
    uint32_t h[2];   /* packed word handles: own, alias */
} gen_alias;

typedef struct gen_model {
    uint64_t seed, stories;
    /* word pool: a handle packs (offset << 5 | byte length) */
    char *pool;
    size_t pool_n, pool_cap;
    uint32_t *words; /* by Zipf rank */
    gen_alias *alias;            /* by rank; one alias table per tier */
    uint32_t tier_p[GEN_TIERS]; /* P(rank in tiers 0..t) * 2^32 */
    uint32_t nwords;
    size_t func_lo, func_hi; /* pool offsets of the function words */
    gen_topic topics[GEN_NTOPICS];
    /* dates */
    int64_t first_day, ndays;
    double *cum;    /* cum[d] = volume of days before d; cum[ndays] = total */
    unsigned hour_cum[25];
} gen_model;

static inline const char *pool_word(const gen_model *m, uint32_t h, size_t *len)
{
    *len = h & 31u;
    return m->pool + (h >> 5);
}

static int pool_add(gen_model *m, const char *w, size_t n, uint32_t *handle)
{
    if (m->pool_n + n + 1 > m->pool_cap) {
        size_t cap = m->pool_cap ? m->pool_cap * 2 : 1u << 16;
        char *p = ws_realloc(m->pool, cap);
        if (!p) return ws_error(WS_ENOMEM, "generate: out of memory for the vocabulary");
        m->pool = p;
        m->pool_cap = cap;
    }
    memcpy(m->pool + m->pool_n, w, n);
    *handle = (uint32_t)(m->pool_n << 5 | n);
    m->pool_n += n;
    return 0;
}

/* Set of 64-bit word hashes, to keep vocabulary and topic terms distinct. */
typedef struct gen_wordset {
    uint64_t *slot;
    size_t mask;
} gen_wordset;

/* Returns 1 when inserted, 0 when already present. */
static int wordset_insert(gen_wordset *s, const char *w, size_t n)
{
    uint64_t h = ws_hash64(w, n);
    if (h == 0) h = 1;
    for (size_t i = (size_t)h & s->mask;; i = (i + 1) & s->mask) {
        if (s->slot[i] == h) return 0;
        if (s->slot[i] == 0) { s->slot[i] = h; return 1; }
    }
}

/* ---- word shapes ---- */

static const char *const k_onsets[] = {
    "b", "br", "bl", "c", "ch", "cr", "d", "dr", "f", "fr", "fl", "g", "gr", "gl", "h", "j",
    "k", "kr", "l", "m", "n", "p", "pr", "pl", "r", "s", "sh", "sk", "sl", "sp", "st", "t",
    "tr", "th", "v", "w", "z", "", "", "m", "n", "l", "r", "t", "d", "s", "k", "v",
};
static const char *const k_vowels[] = {"a", "e", "i", "o", "u", "a", "e", "i", "o", "ai",
                                       "ea", "ou", "io", "e", "a", "y"};
static const char *const k_codas[] = {"n", "r", "s", "l", "m", "t", "nd", "st", "rk", "ng", "x", "th"};

static const char *const k_cyr_onsets[] = {"б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п",
                                           "р", "с", "т", "ф", "х", "ч", "ш", "ст", "пр", "кр"};
static const char *const k_cyr_vowels[] = {"а", "е", "и", "о", "у", "ы", "я", "ю", "а", "о"};
static const char *const k_cyr_codas[] = {"н", "р", "в", "к", "й", "л", "м", "ст"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[rng_below((r), (uint32_t)NELEM(a))])

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static size_t append_str(char *dst, size_t n, const char *s)
{
    size_t k = strlen(s);
    memcpy(dst + n, s, k);
    return n + k;
}

/* Builds one candidate word into out (>= 64 bytes); returns its byte length. */
static size_t make_word(gen_rng *r, unsigned nsyl, int cyrillic, int ascii_only, char *out)
{
    size_t n = 0;
    for (unsigned i = 0; i < nsyl; i++) {
        if (cyrillic) {
            n = append_str(out, n, PICK(r, k_cyr_onsets));
            n = append_str(out, n, PICK(r, k_cyr_vowels));
            if (rng_below(r, 100) < 25) n = append_str(out, n, PICK(r, k_cyr_codas));
        } else {
            n = append_str(out, n, PICK(r, k_onsets));
            n = append_str(out, n, PICK(r, k_vowels));
            if (rng_below(r, 100) < (i + 1 == nsyl ? 40u : 20u)) n = append_str(out, n, PICK(r, k_codas));
        }
    }
    if (!cyrillic && !ascii_only && rng_below(r, 100) < 3) {
        /* Accent one vowel (or n): precomposed, so NFKC leaves it alone. */
        static const char *const acc_a[] = {"á", "à", "â", "ä"}, *const acc_e[] = {"é", "è", "ê", "ë"},
                                 *const acc_i[] = {"í", "ï"}, *const acc_o[] = {"ó", "ô", "ö"},
                                 *const acc_u[] = {"ú", "ü"}, *const acc_n[] = {"ñ"};
        size_t start = rng_below(r, (uint32_t)n);
        for (size_t k = 0; k < n; k++) {
            size_t i = (start + k) % n;
            const char *rep = NULL;
            switch (out[i]) {
            case 'a': rep = PICK(r, acc_a); break;
            case 'e': rep = PICK(r, acc_e); break;
            case 'i': rep = PICK(r, acc_i); break;
            case 'o': rep = PICK(r, acc_o); break;
            case 'u': rep = PICK(r, acc_u); break;
            case 'n': rep = PICK(r, acc_n); break;
            default: break;
            }
            if (rep) {
                memmove(out + i + 2, out + i + 1, n - i - 1);
                memcpy(out + i, rep, 2);
                n++;
                break;
            }
        }
    }
    return n;
}

static int build_vocab(gen_model *m, gen_wordset *seen)
{
    gen_rng r = rng_for(m->seed, STREAM_VOCAB, 0);
    m->words = ws_malloc(GEN_VOCAB * sizeof *m->words);
    if (!m->words) return ws_error(WS_ENOMEM, "generate: out of memory for the vocabulary");
    uint32_t n = 0;
    m->func_lo = m->pool_n;
    for (; n < GEN_NFUNC; n++) {
        const char *w = k_function_words[n];
        wordset_insert(seen, w, strlen(w));
        int rc = pool_add(m, w, strlen(w), &m->words[n]);
        if (rc) return rc;
    }
    m->func_hi = m->pool_n;
    char buf[64];
    while (n < GEN_VOCAB) {
        /* Zipf's law of abbreviation: frequent words are short. */
        unsigned nsyl = n < 300 ? 1 + rng_below(&r, 2) : n < 5000 ? 2 + rng_below(&r, 2) : 2 + rng_below(&r, 3);
        unsigned script = rng_below(&r, 100);
        size_t len = make_word(&r, nsyl, script == 0, 0, buf);
        size_t chars = utf8_chars(buf, len);
        if (chars < 2 || chars > GEN_MAX_WORD_CHARS) continue;
        if (!wordset_insert(seen, buf, len)) continue;
        int rc = pool_add(m, buf, len, &m->words[n]);
        if (rc) return rc;
        n++;
    }
    m->nwords = n;
    return 0;
}

/* Vose's alias method over w[0..n): slot i keeps handle h[0] (its own word)
 * when the low 32 random bits fall below thresh, else takes h[1]. Integer
 * thresholds make the per-word draw exact and cheap. */
static int build_alias(const double *w, const uint32_t *handles, uint32_t n, gen_alias *out)
{
    double *p = ws_malloc(n * sizeof *p);
    uint32_t *small = ws_malloc(n * sizeof *small), *large = ws_malloc(n * sizeof *large);
    int rc = 0;
    if (!p || !small || !large) {
        rc = ws_error(WS_ENOMEM, "generate: out of memory for the Zipf table");
        goto done;
    }
    double total = 0;
    for (uint32_t i = 0; i < n; i++) total += w[i];
    uint32_t ns = 0, nl = 0;
    for (uint32_t i = 0; i < n; i++) {
        p[i] = w[i] * n / total;
        out[i].h[0] = out[i].h[1] = handles[i];
        out[i].thresh = UINT32_MAX; /* leftovers: probability 1 up to rounding */
        if (p[i] < 1.0) small[ns++] = i;
        else large[nl++] = i;
    }
    while (ns && nl) {
        uint32_t s = small[--ns], l = large[nl - 1];
        out[s].thresh = (uint32_t)(p[s] * 4294967296.0);
        out[s].h[1] = handles[l];
        p[l] -= 1.0 - p[s];
        if (p[l] < 1.0) { nl--; small[ns++] = l; }
    }
done:
    ws_free(p);
    ws_free(small);
    ws_free(large);
    return rc;
}

/* Zipf weights 1/(rank+1)^s, split by rank into tiers with one alias table
 * each: a single table indexes uniformly over all 50k slots, so most draws
 * would miss the cache even though most tokens are frequent words. The
 * first tier stays in L1, the second in L2; only ~16% of draws reach the
 * large last one. */
static const uint32_t k_tier_start[GEN_TIERS + 1] = {0, 256, 4096, GEN_VOCAB};

static int build_zipf(gen_model *m)
{
    uint32_t n = m->nwords;
    double *w = ws_malloc(n * sizeof *w);
    m->alias = ws_malloc(n * sizeof *m->alias);
    if (!w || !m->alias) {
        ws_free(w);
        return ws_error(WS_ENOMEM, "generate: out of memory for the Zipf table");
    }
    double total = 0, tier[GEN_TIERS] = {0};
    for (uint32_t i = 0, t = 0; i < n; i++) {
        total += w[i] = pow((double)i + 1.0, -GEN_ZIPF_S);
        while (i >= k_tier_start[t + 1]) t++;
        tier[t] += w[i];
    }
    double acc = 0;
    int rc = 0;
    for (unsigned t = 0; t < GEN_TIERS && !rc; t++) {
        acc += tier[t];
        m->tier_p[t] = t + 1 == GEN_TIERS ? UINT32_MAX : (uint32_t)(acc / total * 4294967296.0);
        uint32_t lo = k_tier_start[t];
        rc = build_alias(w + lo, m->words + lo, k_tier_start[t + 1] - lo, m->alias + lo);
    }
    ws_free(w);
    return rc;
}

/* Draws a word by Zipf rank; returns its packed handle. */
static inline uint32_t zipf_draw(const gen_model *m, gen_rng *r)
{
    uint32_t c = (uint32_t)rng_next(r);
    unsigned t = (c >= m->tier_p[0]) + (c >= m->tier_p[1]);
    uint32_t lo = k_tier_start[t], n = k_tier_start[t + 1] - lo;
    uint64_t x = rng_next(r);
    const gen_alias *e = &m->alias[lo + (((x >> 32) * n) >> 32)];
    return e->h[(uint32_t)x >= e->thresh];
}

static int64_t day_of(int y, unsigned mo, unsigned d) { return ws_days_from_civil(y, mo, d); }

static unsigned days_in_month(int y, unsigned mo)
{
    int ny = mo == 12 ? y + 1 : y;
    unsigned nm = mo == 12 ? 1 : mo + 1;
    return (unsigned)(day_of(ny, nm, 1) - day_of(y, mo, 1));
}

static int build_topics(gen_model *m, gen_wordset *seen)
{
    gen_rng r = rng_for(m->seed, STREAM_TOPICS, 0);
    char buf[64];
    for (unsigned t = 0; t < GEN_NTOPICS; t++) {
        gen_topic *tp = &m->topics[t];
        tp->spec = &k_topic_specs[t];
        tp->nterms = 3 + rng_below(&r, 4);
        for (unsigned k = 0; k < tp->nterms;) {
            size_t len = make_word(&r, 3 + rng_below(&r, 2), 0, 1, buf);
            if (len < 6 || len > GEN_MAX_WORD_CHARS) continue;
            if (!wordset_insert(seen, buf, len)) continue;
            int rc = pool_add(m, buf, len, &tp->term[k]);
            if (rc) return rc;
            k++;
        }
        switch (tp->spec->kind) {
        case KIND_RISE:
        case KIND_DECLINE: {
            /* Change over 1.5-3 years starting in 2015-09..2017-12, so that
             * both plateaus have data. */
            int64_t lo = day_of(2015, 9, 1), hi = day_of(2017, 12, 31);
            tp->start = lo + rng_below(&r, (uint32_t)(hi - lo + 1));
            tp->end = tp->start + 540 + rng_below(&r, 541);
            break;
        }
        case KIND_BURST: {
            int64_t lo = day_of(2016, 1, 1), hi = day_of(2020, 6, 30);
            tp->start = lo + rng_below(&r, (uint32_t)(hi - lo + 1));
            tp->end = tp->start + 14 + rng_below(&r, 22) - 1; /* 2-5 weeks */
            break;
        }
        case KIND_SEASONAL:
            tp->month = 1 + rng_below(&r, 12);
            tp->start = day_of(WS_GEN_FIRST_YEAR, tp->month, 1);
            tp->end = tp->start + days_in_month(WS_GEN_FIRST_YEAR, tp->month) - 1;
            break;
        case KIND_STEADY:
            tp->start = m->first_day;
            tp->end = m->first_day + m->ndays - 1;
            break;
        }
    }
    return 0;
}

static int build_calendar(gen_model *m)
{
    m->first_day = day_of(WS_GEN_FIRST_YEAR, 1, 1);
    m->ndays = day_of(WS_GEN_LAST_YEAR + 1, 1, 1) - m->first_day;
    m->cum = ws_malloc((size_t)(m->ndays + 1) * sizeof *m->cum);
    if (!m->cum) return ws_error(WS_ENOMEM, "generate: out of memory for the calendar");
    m->cum[0] = 0;
    for (int64_t d = 0; d < m->ndays; d++) {
        int64_t z = m->first_day + d;
        int64_t y;
        unsigned mo, dd;
        ws_civil_from_days(z, &y, &mo, &dd);
        double w = (1.0 + 1.5 * (double)d / (double)(m->ndays - 1)) * k_weekday_weight[(z + 4) % 7];
        if ((mo == 12 && dd >= 24) || (mo == 1 && dd == 1)) w *= 0.6;
        m->cum[d + 1] = m->cum[d] + w;
    }
    m->hour_cum[0] = 0;
    for (int h = 0; h < 24; h++) m->hour_cum[h + 1] = m->hour_cum[h] + k_hour_weight[h];
    return 0;
}

static void model_free(gen_model *m)
{
    ws_free(m->pool);
    ws_free(m->words);
    ws_free(m->alias);
    ws_free(m->cum);
    memset(m, 0, sizeof *m);
}

static int model_init(gen_model *m, uint64_t seed, uint64_t stories)
{
    memset(m, 0, sizeof *m);
    m->seed = seed;
    m->stories = stories;
    gen_wordset seen = {ws_calloc((size_t)1 << 18, sizeof(uint64_t)), ((size_t)1 << 18) - 1};
    int rc = seen.slot ? 0 : ws_error(WS_ENOMEM, "generate: out of memory");
    if (!rc) rc = build_calendar(m);
    /* Topic terms first, so the vocabulary skips them. */
    if (!rc) rc = build_topics(m, &seen);
    if (!rc) rc = build_vocab(m, &seen);
    if (!rc) rc = build_zipf(m);
    ws_free(seen.slot);
    if (rc) model_free(m);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* One story. */

/* Timestamp (seconds, whole minutes) of story i. */
static int64_t story_time(const gen_model *m, uint64_t i, gen_rng *r)
{
    double total = m->cum[m->ndays];
    double x = ((double)i + 0.5) * (total / (double)m->stories);
    int64_t lo = 0, hi = m->ndays - 1; /* last d with cum[d] <= x */
    while (lo < hi) {
        int64_t mid = (lo + hi + 1) / 2;
        if (m->cum[mid] <= x) lo = mid;
        else hi = mid - 1;
    }
    double frac = (x - m->cum[lo]) / (m->cum[lo + 1] - m->cum[lo]);
    if (frac < 0) frac = 0;
    double target = frac * m->hour_cum[24];
    unsigned h = 0;
    while (h < 23 && m->hour_cum[h + 1] <= target) h++;
    int64_t minute = (int64_t)h * 60 + (int64_t)((target - m->hour_cum[h]) / k_hour_weight[h] * 60.0);
    if (minute > 1439) minute = 1439;
    /* Jitter: wires file late, archives re-date; mostly minutes to hours. */
    unsigned j = rng_below(r, 100);
    uint32_t span = j < 85 ? 90 : j < 98 ? 12 * 60 : 4 * 1440;
    minute += (int64_t)rng_below(r, 2 * span + 1) - span;
    int64_t t = (m->first_day + lo) * 86400 + minute * 60;
    int64_t tmin = m->first_day * 86400, tmax = (m->first_day + m->ndays) * 86400 - 60;
    return t < tmin ? tmin : t > tmax ? tmax : t;
}

static double topic_rate(const gen_topic *tp, int64_t day, unsigned month)
{
    double b = tp->spec->base, p = tp->spec->peak;
    double f = tp->end > tp->start ? (double)(day - tp->start) / (double)(tp->end - tp->start) : 1.0;
    if (f < 0) f = 0;
    if (f > 1) f = 1;
    switch (tp->spec->kind) {
    case KIND_RISE: return b + (p - b) * f;
    case KIND_DECLINE: return p - (p - b) * f;
    case KIND_BURST: return day >= tp->start && day <= tp->end ? p : b;
    case KIND_SEASONAL: return month == tp->month ? p : b;
    case KIND_STEADY: break;
    }
    return b;
}

static unsigned pick_weighted(const gen_source *t, size_t n, gen_rng *r)
{
    unsigned x = rng_below(r, 100);
    for (size_t i = 0; i + 1 < n; i++) {
        if (x < t[i].weight) return (unsigned)i;
        x -= t[i].weight;
    }
    return (unsigned)(n - 1);
}

static unsigned story_length(gen_rng *r)
{
    if (rng_below(r, 100) < 2) return 15 + rng_below(r, 50); /* briefs, corrections */
    double u1 = rng_unit(r), u2 = rng_unit(r);
    double z = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
    double len = GEN_MEDIAN_LEN * exp(GEN_LEN_SIGMA * z);
    if (len < 20) len = 20;
    if (len > GEN_MAX_LEN) len = GEN_MAX_LEN;
    return (unsigned)len;
}

/* Upper bound on the bytes of a story of `len` body words. Per word: 24
 * bytes of word, plus " — " or ", "; per sentence (>= 1 word): quotes
 * (4 escaped bytes), ". " and a paragraph break (4 escaped bytes). */
static size_t story_bound(unsigned len) { return 1024 + (size_t)len * 48; }

static inline char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define PUT_LIT(p, s) put((p), (s), sizeof(s) - 1)

/* Copies a word, upper-casing its first letter (ASCII, Latin-1 accented,
 * Cyrillic) when cap is set. */
static inline char *put_word(char *p, const char *w, size_t n, int cap)
{
    memcpy(p, w, n);
    if (cap) {
        unsigned char c0 = (unsigned char)p[0], c1 = n > 1 ? (unsigned char)p[1] : 0;
        if (c0 >= 'a' && c0 <= 'z') p[0] = (char)(c0 - 32);
        else if (c0 == 0xC3 && c1 >= 0xA0 && c1 <= 0xBE && c1 != 0xB7) p[1] = (char)(c1 - 0x20);
        else if (c0 == 0xD0 && c1 >= 0xB0 && c1 <= 0xBF) p[1] = (char)(c1 - 0x20);
        else if (c0 == 0xD1 && c1 >= 0x80 && c1 <= 0x8F) { p[0] = (char)0xD0; p[1] = (char)(c1 + 0x20); }
    }
    return p + n;
}

static char *put_uint(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

static char *put_number(char *p, gen_rng *r)
{
    unsigned kind = rng_below(r, 100);
    if (kind < 40) return put_uint(p, 1 + rng_below(r, 99));
    if (kind < 60) return put_uint(p, 1990 + rng_below(r, 31));
    if (kind < 75) { /* 1,250 */
        p = put_uint(p, 1 + rng_below(r, 99));
        *p++ = ',';
        unsigned v = rng_below(r, 1000);
        *p++ = (char)('0' + v / 100); *p++ = (char)('0' + v / 10 % 10); *p++ = (char)('0' + v % 10);
        return p;
    }
    if (kind < 90) { /* 3.7 */
        p = put_uint(p, rng_below(r, 20));
        *p++ = '.';
        return put_uint(p, rng_below(r, 10));
    }
    p = put_uint(p, 1 + rng_below(r, 99));
    *p++ = '%';
    return p;
}

typedef struct gen_mention {
    uint32_t pos;  /* body word index */
    uint32_t word; /* packed handle */
} gen_mention;

/* Appends story i as one JSON line to b. */
static int gen_story(const gen_model *m, uint64_t i, ws_buf *b)
{
    gen_rng r = rng_for(m->seed, STREAM_STORY, i);
    int64_t t = story_time(m, i, &r);
    const char *source = k_sources[pick_weighted(k_sources, GEN_NSOURCES, &r)].name;
    const char *section = k_sections[pick_weighted(k_sections, GEN_NSECTIONS, &r)].name;
    unsigned len = story_length(&r);
    int rc = ws_buf_reserve(b, story_bound(len));
    if (rc) return rc;

    /* Planted topics: decide mentions, then where they fall in the body. */
    int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t yy;
    unsigned month, dd;
    ws_civil_from_days(day, &yy, &month, &dd);
    gen_mention men[GEN_NTOPICS * GEN_MAX_MENTIONS];
    unsigned nmen = 0;
    for (unsigned k = 0; k < GEN_NTOPICS; k++) {
        const gen_topic *tp = &m->topics[k];
        if (rng_unit(&r) >= topic_rate(tp, day, month)) continue;
        unsigned c = 1 + rng_below(&r, GEN_MAX_MENTIONS);
        for (unsigned j = 0; j < c; j++) {
            men[nmen].pos = rng_below(&r, len);
            men[nmen].word = tp->term[rng_below(&r, tp->nterms)];
            nmen++;
        }
    }
    for (unsigned a = 1; a < nmen; a++) { /* insertion sort by position */
        gen_mention x = men[a];
        unsigned k = a;
        while (k && men[k - 1].pos > x.pos) { men[k] = men[k - 1]; k--; }
        men[k] = x;
    }
    for (unsigned a = 1; a < nmen; a++)
        if (men[a].pos <= men[a - 1].pos) men[a].pos = men[a - 1].pos + 1;
    while (nmen && men[nmen - 1].pos >= len) nmen--; /* only in tiny stories */

    char *p = (char *)b->p + b->n;
    char date[32];
    size_t dn = ws_format_iso8601(t, date);
    p = PUT_LIT(p, "{\"id\":\"gen-");
    {
        char digits[24];
        char *e = put_uint(digits, i + 1);
        for (ptrdiff_t k = e - digits; k < 7; k++) *p++ = '0';
        p = put(p, digits, (size_t)(e - digits));
    }
    p = PUT_LIT(p, "\",\"date\":\"");
    p = put(p, date, dn);
    p = PUT_LIT(p, "\",\"source\":\"");
    p = put(p, source, strlen(source));
    p = PUT_LIT(p, "\",\"section\":\"");
    p = put(p, section, strlen(section));
    p = PUT_LIT(p, "\",\"title\":\"");
    unsigned tlen = 5 + rng_below(&r, 8);
    for (unsigned k = 0; k < tlen; k++) {
        uint32_t w = zipf_draw(m, &r);
        if ((w >> 5) >= m->func_lo && (w >> 5) < m->func_hi && rng_below(&r, 2))
            w = zipf_draw(m, &r); /* headlinese: fewer function words */
        size_t n;
        const char *s = pool_word(m, w, &n);
        if (k) *p++ = ' ';
        p = put_word(p, s, n, k == 0);
    }
    p = PUT_LIT(p, "\",\"body\":\"");

    unsigned w = 0, mi = 0, para_left = 1 + rng_below(&r, 3);
    while (w < len) {
        unsigned slen = 8 + rng_below(&r, 12) + rng_below(&r, 12); /* 8..30, mode 19 */
        unsigned rem = len - w;
        if (slen > rem) slen = rem;
        else if (rem - slen < 8) slen = rem <= 30 ? rem : rem - 8;
        int quote = rng_below(&r, 100) < 6;
        if (quote) p = PUT_LIT(p, "\\\"");
        for (unsigned k = 0; k < slen; k++, w++) {
            size_t n;
            const char *s;
            if (mi < nmen && men[mi].pos == w) {
                s = pool_word(m, men[mi++].word, &n);
                p = put_word(p, s, n, k == 0);
            } else if (rng_below(&r, 1000) < 25) {
                p = put_number(p, &r);
            } else {
                s = pool_word(m, zipf_draw(m, &r), &n);
                p = put_word(p, s, n, k == 0);
            }
            if (k + 1 < slen) {
                unsigned c = rng_below(&r, 1000);
                if (c < 70) *p++ = ',';
                else if (c < 75) p = PUT_LIT(p, " \xE2\x80\x94"); /* em dash */
                *p++ = ' ';
            }
        }
        *p++ = '.';
        if (quote) p = PUT_LIT(p, "\\\"");
        if (w < len) {
            if (--para_left == 0) {
                p = PUT_LIT(p, "\\n\\n");
                para_left = 1 + rng_below(&r, 3);
            } else {
                *p++ = ' ';
            }
        }
    }
    p = PUT_LIT(p, "\"}\n");
    b->n = (size_t)(p - (char *)b->p);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Output. */

static void fmt_day(int64_t day, char *buf)
{
    char tmp[32];
    ws_format_iso8601(day * 86400, tmp);
    memcpy(buf, tmp, 10);
    buf[10] = 0;
}

static int write_truth(const gen_model *m, FILE *f, const char *path)
{
    fputs("topic,kind,terms,start,end,base_rate,peak_rate\n", f);
    for (unsigned t = 0; t < GEN_NTOPICS; t++) {
        const gen_topic *tp = &m->topics[t];
        char s[16], e[16];
        fmt_day(tp->start, s);
        fmt_day(tp->end, e);
        fprintf(f, "%s,%s,", tp->spec->name, k_kind_names[tp->spec->kind]);
        for (unsigned k = 0; k < tp->nterms; k++) {
            size_t n;
            const char *w = pool_word(m, tp->term[k], &n);
            fprintf(f, "%s%.*s", k ? " " : "", (int)n, w);
        }
        fprintf(f, ",%s,%s,%g,%g\n", s, e, tp->spec->base, tp->spec->peak);
    }
    if (ferror(f)) return ws_error(WS_EIO, "%s: write failed: %s", path, strerror(errno));
    return 0;
}

/* Batches of GEN_BATCH stories are cut into chunks of GEN_CHUNK, each with
 * its own buffer, so the order of the bytes never depends on which thread
 * made them. Two sets of chunk buffers alternate: while the team fills the
 * chunks of batch k, one thread writes batch k-1 and then joins in (dynamic
 * schedule), so the write overlaps generation. Threads record failures in
 * shared slots; messages are formatted after the join, on this thread. */
static int write_corpus(const gen_model *m, FILE *f, const char *path, int threads)
{
    enum { NCHUNK = GEN_BATCH / GEN_CHUNK };
    ws_buf *cb = ws_calloc(2 * NCHUNK, sizeof *cb);
    int *cerr = ws_calloc(2 * NCHUNK, sizeof *cerr);
    if (!cb || !cerr) {
        ws_free(cb);
        ws_free(cerr);
        return ws_error(WS_ENOMEM, "generate: out of memory");
    }
    uint64_t nbatches = (m->stories + GEN_BATCH - 1) / GEN_BATCH;
    int stop = 0, gen_rc = 0, write_errno = 0;
    #pragma omp parallel num_threads(threads)
    for (uint64_t bi = 0; bi <= nbatches; bi++) {
        ws_buf *cur = cb + (bi & 1) * NCHUNK, *prev = cb + ((bi + 1) & 1) * NCHUNK;
        int *cur_err = cerr + (bi & 1) * NCHUNK, *prev_err = cerr + ((bi + 1) & 1) * NCHUNK;
        #pragma omp single nowait
        if (bi > 0) {
            int halt;
            #pragma omp atomic read
            halt = stop;
            uint64_t first = (bi - 1) * GEN_BATCH, nb = m->stories - first < GEN_BATCH ? m->stories - first : GEN_BATCH;
            for (uint64_t c = 0; c * GEN_CHUNK < nb && !halt; c++) {
                if (prev_err[c]) {
                    gen_rc = prev_err[c];
                    halt = 1;
                } else if (prev[c].n && fwrite(prev[c].p, 1, prev[c].n, f) != prev[c].n) {
                    write_errno = errno ? errno : EIO;
                    halt = 1;
                }
            }
            if (halt) {
                #pragma omp atomic write
                stop = 1;
            }
        }
        if (bi < nbatches) {
            uint64_t first = bi * GEN_BATCH, nb = m->stories - first < GEN_BATCH ? m->stories - first : GEN_BATCH;
            long nc = (long)((nb + GEN_CHUNK - 1) / GEN_CHUNK);
            #pragma omp for schedule(dynamic, 1)
            for (long c = 0; c < nc; c++) {
                int halt;
                #pragma omp atomic read
                halt = stop;
                ws_buf_reset(&cur[c]);
                cur_err[c] = 0;
                uint64_t lo = first + (uint64_t)c * GEN_CHUNK, hi = lo + GEN_CHUNK;
                if (hi > first + nb) hi = first + nb;
                for (uint64_t i = lo; i < hi && !halt && !cur_err[c]; i++) cur_err[c] = gen_story(m, i, &cur[c]);
            }
        }
        #pragma omp barrier
    }
    for (int c = 0; c < 2 * NCHUNK; c++) ws_buf_free(&cb[c]);
    ws_free(cb);
    ws_free(cerr);
    if (gen_rc) return ws_error(gen_rc, "generate: out of memory for a batch of stories");
    if (write_errno) return ws_error(WS_EIO, "%s: write failed: %s", path, strerror(write_errno));
    return 0;
}

static int close_out(FILE *f, const char *path, int is_stdout, int rc)
{
    if (is_stdout) {
        if (fflush(f) != 0 && !rc) rc = ws_error(WS_EIO, "stdout: write failed: %s", strerror(errno));
    } else {
        if (fclose(f) != 0 && !rc) rc = ws_error(WS_EIO, "%s: write failed: %s", path, strerror(errno));
        if (rc) remove(path); /* no half-written corpus left behind */
    }
    return rc;
}

int ws_generate(const ws_gen_opts *o)
{
    if (!o || !o->out_path || !*o->out_path)
        return ws_error(WS_EINVAL, "generate: an output path is required");
    if (o->truth_path && strcmp(o->truth_path, "-") == 0 && strcmp(o->out_path, "-") == 0)
        return ws_error(WS_EINVAL, "generate: corpus and truth cannot both go to stdout");
    int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    if (threads < 1) threads = 1;

    gen_model m;
    int rc = model_init(&m, o->seed, o->stories);
    if (rc) return rc;

    int out_std = strcmp(o->out_path, "-") == 0;
    FILE *out = out_std ? stdout : fopen(o->out_path, "wb");
    if (!out) {
        rc = ws_error(WS_EIO, "%s: cannot create: %s", o->out_path, strerror(errno));
        model_free(&m);
        return rc;
    }
    if (!out_std) setvbuf(out, NULL, _IOFBF, 1 << 20);
    if (o->truth_path) {
        int truth_std = strcmp(o->truth_path, "-") == 0;
        FILE *tf = truth_std ? stdout : fopen(o->truth_path, "w");
        if (!tf) rc = ws_error(WS_EIO, "%s: cannot create: %s", o->truth_path, strerror(errno));
        else rc = close_out(tf, o->truth_path, truth_std, write_truth(&m, tf, o->truth_path));
    }
    if (!rc) rc = write_corpus(&m, out, out_std ? "stdout" : o->out_path, threads);
    rc = close_out(out, o->out_path, out_std, rc);
    model_free(&m);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Command line. */

static const char k_help[] =
    "Usage: wirescan generate --stories N [--seed S] [--truth FILE] [--threads N] -o FILE\n"
    "\n"
    "Write a synthetic news archive as JSONL, one story per line, with planted\n"
    "topics whose ground truth can be saved for checking trend detection.\n"
    "\n"
    "Options:\n"
    "  --stories N     number of stories (required); suffixes k, M, G multiply by\n"
    "                  10^3, 10^6, 10^9 (e.g. 1M)\n"
    "  --seed S        random seed (default 42); the vocabulary, the topics and\n"
    "                  every story derive from it\n"
    "  -o, --output FILE\n"
    "                  JSONL output file (required); '-' writes to stdout. A file\n"
    "                  left incomplete by an error is removed.\n"
    "  --truth FILE    write the planted topics as CSV (format below); '-' is\n"
    "                  stdout when the corpus goes to a file\n"
    "  --threads N     worker threads (default: all cores); the output is\n"
    "                  byte-identical for any N\n"
    "  -h, --help      show this help\n"
    "\n"
    "Output: each line is an object with keys in this order:\n"
    "  id       \"gen-0000001\" ... (1-based story index, at least 7 digits)\n"
    "  date     UTC, ISO 8601, whole minutes, e.g. \"2019-05-10T14:03:00Z\"; from\n"
    "           2015-01-01 to 2020-12-31, growing volume, fewer stories at\n"
    "           weekends; roughly chronological in id order (jitter of minutes to\n"
    "           a few days)\n"
    "  source   one of 8 invented outlets with different volumes\n"
    "  section  politics, business, world, sports, technology, health, culture,\n"
    "           local, science or opinion\n"
    "  title    5-12 words\n"
    "  body     sentences of 8-30 words, paragraphs separated by a blank line\n"
    "           (\\n\\n); log-normal length, median ~350 words, 15 to 3000\n"
    "Words come from an invented 50,000-word vocabulary (English function words\n"
    "at the top ranks, some accented Latin and Cyrillic words) drawn with a Zipf\n"
    "law, s = 1.07. For a given N and S the output is always the same; stories\n"
    "are dated by their index relative to N, so a different N gives a different\n"
    "archive.\n"
    "\n"
    "Truth CSV (--truth): a header, then one row per planted topic:\n"
    "  topic,kind,terms,start,end,base_rate,peak_rate\n"
    "  topic      name (rise1, rise2, burst1, burst2, decline1, seasonal1,\n"
    "             steady1, steady2)\n"
    "  kind       rise | burst | decline | seasonal | steady\n"
    "  terms      3-6 space-separated keywords, lower case, used by no other\n"
    "             topic and absent from the vocabulary\n"
    "  start,end  ISO dates (YYYY-MM-DD), both days included:\n"
    "             rise     rate grows linearly from base_rate at start to\n"
    "                      peak_rate at end (base before, peak after)\n"
    "             decline  rate falls linearly from peak_rate at start to\n"
    "                      base_rate at end\n"
    "             burst    rate is peak_rate inside the window, base_rate outside\n"
    "             seasonal rate is peak_rate during the calendar month of\n"
    "                      start..end (the first year's occurrence), every year\n"
    "             steady   the whole date range; rate is constant\n"
    "  base_rate, peak_rate\n"
    "             probability that a story dated that day mentions the topic;\n"
    "             a story that mentions it contains 1-5 occurrences of its terms\n"
    "             (chosen at random among them) in its body\n";

static int usage_error(const char *fmt, ...) WS_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wirescan generate: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'wirescan generate --help'.\n", stderr);
    return ws_exit_status(WS_EINVAL);
}

/* Parses a non-negative decimal integer with an optional k/M/G suffix. */
static int parse_count(const char *s, int suffixes, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9') return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return -1;
    uint64_t mul = 1;
    if (suffixes && *end) {
        switch (*end) {
        case 'k': case 'K': mul = 1000; break;
        case 'm': case 'M': mul = 1000000; break;
        case 'g': case 'G': mul = 1000000000; break;
        default: return -1;
        }
        end++;
    }
    if (*end) return -1;
    if (v > UINT64_MAX / mul) return -1;
    *out = (uint64_t)v * mul;
    return 0;
}

int ws_generate_main(int argc, char **argv)
{
    ws_gen_opts o = {0, WS_GEN_DEFAULT_SEED, NULL, NULL, 0};
    int have_stories = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        char name[32];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(k_help, stdout);
            return fflush(stdout) == 0 ? 0 : ws_exit_status(WS_EIO);
        }
        /* --name=value or --name value */
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        if (eq && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = 0;
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
        int known = strcmp(name, "--stories") == 0 || strcmp(name, "--seed") == 0 ||
                    strcmp(name, "--truth") == 0 || strcmp(name, "--threads") == 0 ||
                    strcmp(name, "-o") == 0 || strcmp(name, "--output") == 0;
        if (!known) return usage_error("unknown option '%s'", a);
        if (!val) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            val = argv[++i];
        }
        if (strcmp(name, "--stories") == 0) {
            if (parse_count(val, 1, &o.stories)) return usage_error("bad --stories value '%s'", val);
            have_stories = 1;
        } else if (strcmp(name, "--seed") == 0) {
            if (parse_count(val, 0, &o.seed)) return usage_error("bad --seed value '%s'", val);
        } else if (strcmp(name, "--threads") == 0) {
            uint64_t t;
            if (parse_count(val, 0, &t) || t < 1 || t > 4096) return usage_error("bad --threads value '%s'", val);
            o.threads = (int)t;
        } else if (strcmp(name, "--truth") == 0) {
            o.truth_path = val;
        } else {
            o.out_path = val;
        }
    }
    if (!have_stories) return usage_error("%s", "--stories N is required");
    if (!o.out_path || !*o.out_path) return usage_error("%s", "-o FILE is required ('-o -' for stdout)");
    ws_error_clear();
    int rc = ws_generate(&o);
    if (rc) {
        fprintf(stderr, "wirescan generate: %s\n", *ws_last_error() ? ws_last_error() : ws_strerror(rc));
        return ws_exit_status(rc);
    }
    return 0;
}
