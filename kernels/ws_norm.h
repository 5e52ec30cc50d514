/*
 * Query-time normalisation: a remap of dictionary ids to normalised term ids,
 * computed once per query over the dictionary (cost proportional to the
 * vocabulary, never to the corpus), so one store serves every variant and
 * the scan loops see nothing but an array lookup.
 *
 * For every dictionary term, in dictionary order:
 *   1. fold: Unicode full case folding (utf8proc, recomposed to NFC), unless
 *      keep_case; ASCII takes a byte loop;
 *   2. drop checks on the folded form: shorter than min_len code points,
 *      only decimal digits (no_numbers), or a stop word (stop words are
 *      compared after NFKC and case folding, also under keep_case);
 *   3. stem the folded form with Snowball (libstemmer) when a language is
 *      given; under keep_case the term is stemmed as written (Snowball's
 *      rules are written for lower case, so capitalised words may keep
 *      their endings).
 * The result of 1 and 3 is the term's key; terms with equal keys share one
 * normalised id. A dropped term still has a key (ws_norm.key), so that
 * "stories containing the word" works for any word; ws_norm.map sends it to
 * WS_NORM_DROP. Everything here is deterministic: normalised ids follow
 * dictionary order.
 */
#ifndef WS_NORM_H
#define WS_NORM_H

#include "ws_store.h"

#define WS_NORM_DROP UINT32_MAX

typedef struct ws_norm_opts {
    int keep_case;     /* default: Unicode full case folding */
    uint32_t min_len;  /* in code points of the folded term; 0 = no minimum */
    int no_numbers;    /* drop terms made only of decimal digits (Nd, any script) */
    const char *stem;  /* Snowball algorithm: "english", "en", "russian", ...; NULL = none */
    const ws_str *stopwords; /* words to drop; borrowed for the duration of ws_norm_build */
    size_t nstopwords;
} ws_norm_opts;

/* The remap of one dictionary (one store). */
typedef struct ws_norm_dict {
    uint32_t nsrc;  /* dictionary terms covered */
    uint32_t *map;  /* nsrc entries: normalised id or WS_NORM_DROP */
    uint32_t *key;  /* nsrc entries: normalised id, dropped terms included */
    uint32_t *sink; /* nsrc entries: like map, but dropped terms go to terms.nterms, a
                     * slot kernels can count into and ignore: no branch in scan loops */
} ws_norm_dict;

typedef struct ws_norm {
    /* The first (often only) dictionary's remap: see ws_norm_dict. */
    uint32_t nsrc;
    uint32_t *map, *key, *sink;
    ws_dict terms;  /* normalised vocabulary (keys), ids in order of first mapping */
    /* Several stores queried together: one remap per dictionary into the one
     * vocabulary above (dicts[0] is the remap above). */
    uint32_t ndicts;
    ws_norm_dict *dicts;
    /* private: what ws_norm_lookup needs to normalise a word as the build did */
    void *stemmer;
    int keep_case;
    /* The stores' tokenizing rule (ws_tokenize.h WS_SEG_*): words of a
     * query are split as the store's text was. Set by whoever opens the
     * stores (0, WS_SEG_CHARS, after ws_norm_build). */
    int seg;
} ws_norm;

/* Build the remap for d. Returns 0 or a negative WS_E* code: WS_EINVAL for
 * an unknown stemming language (the message lists the known ones),
 * WS_ENOMEM. On error n is left empty (ws_norm_free is still safe). */
int ws_norm_build(ws_norm *n, const ws_dict *d, const ws_norm_opts *o);
/* The same over nd dictionaries (stores queried together): their terms are
 * unified into one normalised vocabulary, in dictionary order, then term
 * order, so the ids do not depend on anything but the dictionaries. */
int ws_norm_build_multi(ws_norm *n, const ws_dict *const *d, size_t nd, const ws_norm_opts *o);
/* A view of n whose map/key/sink/nsrc are dictionary i's (the vocabulary is
 * shared). Borrowed: valid while n lives; never pass it to ws_norm_free. */
ws_norm ws_norm_view(const ws_norm *n, uint32_t i);
void ws_norm_free(ws_norm *n); /* NULL-safe, idempotent */
static inline ws_str ws_norm_term(const ws_norm *n, uint32_t id) { return ws_dict_term(&n->terms, id); }

/* Normalise one word (a single token, already NFKC) the way the build
 * normalised dictionary terms (fold, stem; no drop checks) and look its key
 * up. *id receives the normalised id, or WS_NORM_DROP when no dictionary
 * term has that key. Uses n's stemmer: not thread-safe. */
int ws_norm_lookup(const ws_norm *n, ws_str word, uint32_t *id);

/* 1 when n folds case (no keep_case): filters on tag values fold too. */
static inline int ws_norm_folds(const ws_norm *n) { return !n->keep_case; }
/* Unicode full case folding of t with NFKC (as ws_norm_lookup folds a
 * word) into out (replaced); *res views out. WS_EINVAL when t is not
 * valid UTF-8. */
int ws_norm_casefold(ws_str t, ws_buf *out, ws_str *res);
/* Fold word as the build folded dictionary terms (case folding unless
 * keep_case; no stemming): *res views out (replaced). For matching patterns
 * against the normalised vocabulary. */
int ws_norm_fold(const ws_norm *n, ws_str word, ws_buf *out, ws_str *res);

/* Snowball algorithms libstemmer knows, NULL-terminated (canonical names;
 * ISO 639 codes such as "en" and "ru" are accepted too). */
const char **ws_norm_stemmers(void);

/* ---- stop-word lists ---- */
typedef struct ws_stoplist {
    const char *name, *code; /* "english", "en" */
    const char *text;        /* the list in the file format below */
    size_t len;
} ws_stoplist;
/* Bundled lists (data/stopwords/CODE.txt, embedded by data/stopwords/embed.py
 * into ws_stopwords.c), terminated by an entry with name NULL. */
extern const ws_stoplist ws_stoplists[];
/* A bundled list by name or code (ASCII case-insensitive); NULL if none. */
const ws_stoplist *ws_stoplist_find(const char *lang);

/* Parse the stop-word file format: UTF-8, one word per line; a '#' starts a
 * comment to the end of the line; spaces, tabs and CR around a word are
 * trimmed; blank lines are skipped; a UTF-8 BOM at the start is ignored.
 * The words are appended to *words (grown with ws_realloc; *nwords and *cap
 * track it) as views into text, which must outlive them. */
int ws_stopwords_parse(ws_str text, ws_str **words, size_t *nwords, size_t *cap);

#endif
