/*
 * ICU's Chinese/Japanese dictionary segmentation (CjkBreakEngine over the
 * cjdict dictionary of the ICU data), reimplemented for the runs where that
 * is exact: a run of Han, Hiragana and Katakana code points of the BMP that
 * ICU's word rules keep whole and hand to the dictionary engine unchanged.
 * The tokenizer (ws_tokenize.c) calls it instead of the break iterator for
 * such runs and ICU for all others; the words are identical (tests/
 * test_cjdict.c compares the two on generated and random text).
 */
#ifndef WS_CJDICT_H
#define WS_CJDICT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ws_cjdict ws_cjdict;

/* Open ICU's cjdict (from the ICU data the library links); NULL when it
 * cannot be found or is not the expected kind of trie (then ICU's break
 * iterator does all the work) or on allocation failure. */
ws_cjdict *ws_cjdict_open(void);
void ws_cjdict_close(ws_cjdict *d);

/* Is cp one of the code points this segmenter handles (see the .c)? */
int ws_cjdict_handles(uint32_t cp);

/* Split cp[0..n) (n >= 1, every code point one ws_cjdict_handles accepts)
 * as ICU's CjkBreakEngine does. On success *ends points to the word ends,
 * in code points, ascending, the last being n, and *nwords is their count;
 * the array lives in d until the next call. Returns 0 or WS_ENOMEM. */
int ws_cjdict_split(ws_cjdict *d, const uint32_t *cp, size_t n, const uint32_t **ends, size_t *nwords);

#endif
