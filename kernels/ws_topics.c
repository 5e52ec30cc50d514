/*
 * Topic lists for wirescan trends (formats in ws_topics.h).
 */
#include "ws_topics.h"
#include "ws_termspec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Re-raise the last error with a prefix (the message is copied first:
 * ws_error writes into the buffer ws_last_error points at). */
static int prefixed(int rc, const char *fmt_prefix, const char *a, size_t line)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", ws_last_error());
    if (line) return ws_error(rc, "%s:%zu: %s", a, line, msg);
    return ws_error(rc, "%s%s", fmt_prefix, msg);
}

/* Term sequences one pattern item may expand to (a pattern over the
 * vocabulary, or a phrase holding patterns: every combination of the terms
 * its slots match is one series pattern). */
#define WS_TOPICS_MAX_EXPANSION 4096

/* An item with '*' or '?': resolved by ws_termspec over the normalised
 * vocabulary and expanded into one pattern per term sequence it matches
 * (exact: each occurrence matches exactly one of them). */
static int add_glob(ws_trends_set *s, ws_tokenizer *tk, const ws_norm *norm, const char *p, size_t n, int *found)
{
    char *text = ws_strndup(p, n);
    if (!text) return ws_error(WS_ENOMEM, "out of memory for topics");
    ws_termspec sp;
    int rc = ws_termspec_parse(norm, tk, "pattern", text, WS_TS_PHRASE, &sp);
    if (rc) {
        ws_free(text);
        return rc;
    }
    uint64_t total = 1;
    for (uint32_t j = 0; j < sp.nslots; j++) {
        total *= sp.slot[j].n;
        if (total > UINT32_MAX) total = UINT32_MAX;
    }
    *found = total > 0;
    if (total > WS_TOPICS_MAX_EXPANSION) {
        rc = ws_error(WS_EINVAL,
                      "'%s' matches more than %d term sequences (%llu); narrow the pattern", text,
                      WS_TOPICS_MAX_EXPANSION, (unsigned long long)total);
    } else if (!total) {
        /* Matches nothing: a pattern that never matches keeps the topic (and its note). */
        uint32_t none = WS_NORM_DROP;
        rc = ws_trends_set_add_ids(s, &none, 1, text, n);
    } else {
        uint32_t idx[WS_TERMSPEC_MAX_TOKENS] = {0}, ids[WS_TERMSPEC_MAX_TOKENS];
        for (uint64_t c = 0; c < total && !rc; c++) {
            for (uint32_t j = 0; j < sp.nslots; j++) ids[j] = sp.slot[j].ids[idx[j]];
            rc = ws_trends_set_add_ids(s, ids, sp.nslots, text, n);
            for (uint32_t j = sp.nslots; j-- > 0;) { /* odometer, last slot fastest */
                if (++idx[j] < sp.slot[j].n) break;
                idx[j] = 0;
            }
        }
    }
    ws_termspec_free(&sp);
    ws_free(text);
    return rc;
}

static int add_pattern(ws_trends_set *s, ws_tokenizer *tk, const ws_norm *norm, const char *p, size_t n,
                       ws_topics_warn warn, void *ctx)
{
    int found, rc;
    int wild = memchr(p, '*', n) || memchr(p, '?', n);
    if (wild) rc = add_glob(s, tk, norm, p, n, &found);
    else rc = ws_trends_set_add_pattern(s, tk, norm, p, n, &found);
    if (!rc && !found && warn) warn(ctx, s->names[s->ntopics - 1], s->pat_text[s->npat - 1]);
    return rc;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int ws_topics_from_terms(const char *arg, ws_trends_set *s, const ws_norm *norm, ws_topics_warn warn, void *ctx)
{
    ws_tokenizer *tk = ws_tokenizer_create();
    if (!tk) return ws_error(WS_ENOMEM, "out of memory");
    int rc = 0;
    const char *p = arg, *end = arg + strlen(arg);
    while (!rc) {
        while (p < end && is_space(*p)) p++;
        const char *a, *b;
        if (p < end && *p == '"') {
            a = ++p;
            while (p < end && *p != '"') p++;
            if (p == end) {
                rc = ws_error(WS_EINVAL, "--terms: unterminated quote in '%s'", arg);
                break;
            }
            b = p++;
            while (p < end && is_space(*p)) p++;
            if (p < end && *p != ',') {
                rc = ws_error(WS_EINVAL, "--terms: expected ',' after the quoted item \"%.*s\"", (int)(b - a), a);
                break;
            }
        } else {
            a = p;
            while (p < end && *p != ',') p++;
            b = p;
            while (b > a && is_space(b[-1])) b--;
        }
        if (a == b) {
            rc = ws_error(WS_EINVAL, "--terms: empty item in '%s'", arg);
            break;
        }
        if ((rc = ws_trends_set_add_topic(s, a, (size_t)(b - a))) ||
            (rc = add_pattern(s, tk, norm, a, (size_t)(b - a), warn, ctx))) {
            rc = prefixed(rc, "--terms: ", NULL, 0);
            break;
        }
        if (p == end) break;
        p++; /* the comma */
    }
    ws_tokenizer_free(tk);
    return rc;
}

int ws_topics_parse(const char *name, const char *text, size_t len, ws_trends_set *s, const ws_norm *norm,
                    ws_topics_warn warn, void *ctx)
{
    ws_tokenizer *tk = ws_tokenizer_create();
    if (!tk) return ws_error(WS_ENOMEM, "out of memory");
    const char *p = text, *end = text + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3;
    int rc = 0;
    size_t line = 0;
    while (p < end && !rc) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        line++;
        const char *q = p;
        p = eol < end ? eol + 1 : end;
        while (q < eol && is_space(*q)) q++;
        if (q == eol || *q == '#') continue;
        const char *n0 = q;
        while (q < eol && *q != ':' && *q != '"' && *q != '#') q++;
        if (q == eol || *q != ':') {
            rc = ws_error(WS_EINVAL, "%s:%zu: expected 'name: term term \"a phrase\"'", name, line);
            break;
        }
        const char *n1 = q++;
        while (n1 > n0 && is_space(n1[-1])) n1--;
        if (n1 == n0) {
            rc = ws_error(WS_EINVAL, "%s:%zu: the topic has no name before ':'", name, line);
            break;
        }
        if ((rc = ws_trends_set_add_topic(s, n0, (size_t)(n1 - n0)))) {
            rc = prefixed(rc, NULL, name, line);
            break;
        }
        uint32_t before = s->npat;
        for (;;) {
            while (q < eol && (is_space(*q) || *q == ',')) q++;
            if (q == eol || *q == '#') break;
            const char *a, *b;
            if (*q == '"') {
                a = ++q;
                while (q < eol && *q != '"') q++;
                if (q == eol) {
                    rc = ws_error(WS_EINVAL, "%s:%zu: unterminated quote", name, line);
                    break;
                }
                b = q++;
            } else {
                a = q;
                while (q < eol && !is_space(*q) && *q != ',' && *q != '"' && *q != '#') q++;
                b = q;
            }
            if ((rc = add_pattern(s, tk, norm, a, (size_t)(b - a), warn, ctx))) {
                rc = prefixed(rc, NULL, name, line);
                break;
            }
        }
        if (!rc && s->npat == before)
            rc = ws_error(WS_EINVAL, "%s:%zu: topic '%s' has no terms", name, line, s->names[s->ntopics - 1]);
    }
    if (!rc && !s->ntopics) rc = ws_error(WS_EINVAL, "%s: no topics in it", name);
    ws_tokenizer_free(tk);
    return rc;
}
