/*
 * Term specifications: how every option that names terms (kwic --term,
 * --phrase and --glob; cooc --term; trends --terms and topics files; the
 * --containing filter) turns text into normalised term ids, in one place so
 * they all accept the same things and refuse the same things.
 *
 * A specification is a sequence of 1 to WS_TERMSPEC_MAX_TOKENS slots; each
 * slot is a set of normalised term ids (ws_norm.terms, the keys: dropped
 * terms included, so a stop word can still be looked for). A story matches
 * at token i when token i + j's key is in slot j for every j.
 *   - a word ("Oil"): one slot, the word normalised as the dictionary was
 *     (folded unless --case, stemmed with --stem);
 *   - a pattern ("opec*", "?il"): one slot, every term of the normalised
 *     vocabulary the pattern matches: '*' any run of characters (none
 *     included), '?' exactly one character (code point); the literal parts
 *     are folded like words (not stemmed: the pattern is matched against
 *     the normalised terms, which are stems under --stem). Literal parts
 *     may hold only word characters (letters, marks, digits): "u.s*" is
 *     refused rather than read in some surprising way;
 *   - a phrase ("crude oil", "crude oil*"): words separated by white space,
 *     each a word or a pattern; a word the tokenizer splits ("U.S.") gives
 *     one slot per token.
 * With WS_TS_AUTO the text decides: white space or several tokens make a
 * phrase, '*' or '?' a pattern, otherwise a word. A slot that matches no
 * term is kept (empty): the specification then matches nothing, and the
 * caller says so.
 */
#ifndef WS_TERMSPEC_H
#define WS_TERMSPEC_H

#include "ws_norm.h"
#include "ws_tokenize.h"

#define WS_TERMSPEC_MAX_TOKENS 8

typedef enum ws_termspec_kind {
    WS_TS_AUTO,   /* word, pattern or phrase, as the text says */
    WS_TS_WORD,   /* exactly one token; '*' and '?' refused */
    WS_TS_PHRASE, /* a token sequence (one token is fine) */
    WS_TS_GLOB    /* one pattern (a word without wildcards is itself) */
} ws_termspec_kind;

typedef struct ws_termslot {
    uint32_t *ids; /* normalised ids, increasing */
    uint32_t n;
} ws_termslot;

typedef struct ws_termspec {
    uint32_t nslots;
    ws_termslot slot[WS_TERMSPEC_MAX_TOKENS];
    int pattern; /* some slot came from a pattern */
} ws_termspec;

/* Parse and resolve text over norm's vocabulary. opt names the option in
 * messages ("--term"). tk is scratch. WS_EINVAL (the message quotes the
 * option and the text) for an empty text, text without a word, a pattern
 * with other characters than word characters, '*' and '?', a phrase of
 * more than WS_TERMSPEC_MAX_TOKENS tokens, or (WS_TS_WORD) more than one
 * token or a wildcard. */
int ws_termspec_parse(const ws_norm *norm, ws_tokenizer *tk, const char *opt, const char *text, ws_termspec_kind kind,
                      ws_termspec *out);
void ws_termspec_free(ws_termspec *s); /* NULL-safe; leaves s empty */

/* 1 when some slot is empty (the specification matches no story). */
int ws_termspec_empty(const ws_termspec *s);
/* 1 when normalised id is in slot j (binary search). */
int ws_termslot_has(const ws_termslot *sl, uint32_t id);

/* Glob match of UTF-8 s against pattern p: '*' any run, '?' one code point,
 * every other byte itself. */
int ws_glob_match(ws_str p, ws_str s);
/* 1 when text holds '*' or '?'. */
int ws_glob_has_wildcard(const char *text);

#endif
