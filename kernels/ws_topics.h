/*
 * The topic lists of wirescan trends: --terms a,b,"peace treaty" and the
 * --topics FILE format, read into a ws_trends_set.
 *
 * --terms: items separated by commas; each item is one series named as
 * written (quotes removed, spaces around it trimmed). An item of several
 * words is a phrase; double quotes around an item are optional and let it
 * hold commas.
 *
 * --topics FILE: UTF-8, one topic a line: `name: term term "a phrase"`.
 * '#' starts a comment to the end of the line (outside quotes); blank lines
 * are skipped; a UTF-8 BOM at the start is ignored; CR before LF is
 * ignored. The name is everything before the first ':' (trimmed; it may
 * hold spaces but not ':' or '"'); after it come terms separated by spaces
 * or tabs (commas are accepted as separators too) and phrases in double
 * quotes. A topic needs at least one term; names must be unique. Errors
 * name the file and line.
 */
#ifndef WS_TOPICS_H
#define WS_TOPICS_H

#include "ws_k_trends.h"

/* Each pattern whose words do not all occur in the stores is reported
 * through warn (may be NULL) with ctx, the topic's name and the pattern. */
typedef void (*ws_topics_warn)(void *ctx, const char *topic, const char *pattern);

int ws_topics_from_terms(const char *arg, ws_trends_set *s, const ws_norm *norm, ws_topics_warn warn, void *ctx);
/* A topics file's text (the engine reads the file); name is used in
 * messages as the file name. */
int ws_topics_parse(const char *name, const char *text, size_t len, ws_trends_set *s, const ws_norm *norm,
                    ws_topics_warn warn, void *ctx);

#endif
