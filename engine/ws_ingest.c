/*
 * Ingest: input lines -> records -> tokens -> blocks -> one new segment.
 *
 * Work goes in batches of input (a few MiB of whole lines), in four phases:
 *   1. parallel:   parse each line, tokenize title and body, look every token
 *                  up in the store dictionary (read-only here); a term the
 *                  dictionary lacks gets a thread-local id, flagged.
 *   2. sequential: in input order, (a) report bad lines and give new terms
 *                  dictionary ids (appended in order of first appearance),
 *                  then (b) turn flagged ids into those ids, count cf/df,
 *                  and append each story to the open block's column
 *                  streams; full blocks close. 2b touches no part of the
 *                  dictionary that lookups read, so it runs on one thread
 *                  beside phase 1 of the next batch (see process_batch).
 *   3. parallel:   compress the closed blocks' column chunks.
 *   4. sequential: write them to the segment in order.
 * Term ids and block boundaries depend only on the input order, never on
 * which thread did what, so the store is byte-identical for any --threads.
 * The segment is published (renamed) and listed in a new MANIFEST only after
 * everything else is on disk; a crash or a --strict failure leaves the
 * store as it was.
 */
#include "ws_dedup.h"
#include "ws_ingest.h"
#include "ws_ingest_int.h"

#include <omp.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ws_block.h"
#include "ws_codec.h"
#include "ws_columns.h"
#include "ws_dateline.h"
#include "ws_store.h"
#include "ws_tokenize.h"

#include <unicode/uversion.h>

#define LOCAL_FLAG 0x80000000u
#define MAX_TOKEN_BYTES 255u /* longer tokens are cut at a code point boundary */


static void lterms_reset(lterms *t)
{
    t->text.n = 0;
    t->n = 0;
    if (t->slots) memset(t->slots, 0, (size_t)t->nslots * sizeof *t->slots);
    if (t->off) t->off[0] = 0;
}

static void lterms_free(lterms *t)
{
    ws_buf_free(&t->text);
    ws_free(t->off);
    ws_free(t->hash);
    ws_free(t->map);
    ws_free(t->slots);
    memset(t, 0, sizeof *t);
}

static int lterms_rehash(lterms *t, uint32_t nslots)
{
    uint32_t *s = ws_calloc(nslots, sizeof *s);
    if (!s) return WS_ENOMEM;
    for (uint32_t id = 0; id < t->n; id++) {
        uint32_t i = (uint32_t)t->hash[id] & (nslots - 1);
        while (s[i]) i = (i + 1) & (nslots - 1);
        s[i] = id + 1;
    }
    ws_free(t->slots);
    t->slots = s;
    t->nslots = nslots;
    return 0;
}

static int lterms_intern(lterms *t, ws_str term, uint64_t h, uint32_t *id)
{
    if (!t->slots && lterms_rehash(t, 4096)) return WS_ENOMEM;
    uint32_t mask = t->nslots - 1, i;
    for (i = (uint32_t)h & mask; t->slots[i]; i = (i + 1) & mask) {
        uint32_t k = t->slots[i] - 1;
        if (t->hash[k] == h && t->off[k + 1] - t->off[k] == term.n && !memcmp(t->text.p + t->off[k], term.p, term.n)) {
            *id = k;
            return 0;
        }
    }
    if (t->n + 1 >= t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 4096;
        uint64_t *off = ws_realloc(t->off, ((size_t)cap + 1) * 8);
        if (off) t->off = off;
        uint64_t *hh = off ? ws_realloc(t->hash, (size_t)cap * 8) : NULL;
        if (hh) t->hash = hh;
        uint32_t *m = hh ? ws_realloc(t->map, (size_t)cap * 4) : NULL;
        if (!m) return WS_ENOMEM;
        t->map = m;
        if (!t->cap) t->off[0] = 0;
        t->cap = cap;
    }
    if (ws_buf_append(&t->text, term.p, term.n)) return WS_ENOMEM;
    uint32_t k = t->n++;
    t->off[k + 1] = t->text.n;
    t->hash[k] = h;
    t->map[k] = UINT32_MAX;
    t->slots[i] = k + 1;
    *id = k;
    if ((uint64_t)t->n * 4 > (uint64_t)t->nslots * 3) return lterms_rehash(t, t->nslots * 2);
    return 0;
}



static void blockb_clear(blockb *b)
{
    b->len[0].n = b->dat[0].n = b->text[0].n = b->text[1].n = 0;
    b->dates.n = b->source.n = b->tokids.n = b->tokmeta.n = b->srcset.n = b->dateoff.n = 0;
    for (int t = 0; t < WS_MAX_TAG_COLUMNS; t++) b->tags[t].n = 0;
    b->nrows = b->undated = 0;
    b->min_date = b->max_date = WS_DATE_UNKNOWN;
    b->prev_date = 0;
    b->ntokens = 0;
    b->rc = 0;
}

static void blockb_free(blockb *b)
{
    if (!b) return;
    ws_buf_free(&b->len[0]);
    ws_buf_free(&b->dat[0]);
    ws_buf_free(&b->text[0]);
    ws_buf_free(&b->text[1]);
    ws_buf_free(&b->dates);
    ws_buf_free(&b->source);
    ws_buf_free(&b->tokids);
    ws_buf_free(&b->tokmeta);
    ws_buf_free(&b->dateoff);
    ws_buf_free(&b->srcset);
    for (size_t i = 0; i < sizeof b->raw / sizeof b->raw[0]; i++) { ws_buf_free(&b->raw[i]); ws_buf_free(&b->comp[i]); }
    for (int t = 0; t < WS_MAX_TAG_COLUMNS; t++) ws_buf_free(&b->tags[t]);
    ws_free(b);
}


static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void ws_ing_report_bad(run *r, const char *file, uint64_t line, const char *msg)
{
    r->stats->bad++;
    if (r->reported++ < r->o->max_reports) fprintf(r->log, "%s:%llu: %s\n", file, (unsigned long long)line, msg);
    else if (r->reported == r->o->max_reports + 1) fprintf(r->log, "wirescan: further bad records are counted, not shown\n");
}

/* a[0..n) == b[0..n) for n <= TCACHE_STR, inline: most tokens are cache
 * hits, and a call into the C library's memcmp for a few bytes costs more
 * than the compare. Overlapping word loads stay within both strings. */
static inline int short_eq(const char *a, const char *b, size_t n)
{
    uint64_t x, y, u, v;
    if (n >= 8) {
        memcpy(&x, a, 8); memcpy(&y, b, 8);
        memcpy(&u, a + n - 8, 8); memcpy(&v, b + n - 8, 8);
        if ((x ^ y) | (u ^ v)) return 0;
        if (n <= 16) return 1;
        memcpy(&x, a + 8, 8); memcpy(&y, b + 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t p, q, r, t;
        memcpy(&p, a, 4); memcpy(&q, b, 4);
        memcpy(&r, a + n - 4, 4); memcpy(&t, b + n - 4, 4);
        return !((p ^ q) | (r ^ t));
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}
_Static_assert(TCACHE_STR <= 24, "short_eq compares at most 24 bytes");

/* First pass over a token: the cache, else start fetching its index slot.
 * Returns 1 on a cache hit (*out set). */
static int probe_token(worker *w, const ws_dict *dict, ws_str t, uint64_t h, uint32_t *out)
{
    const tcache_ent *e = &w->cache[h >> (64 - TCACHE_BITS)];
    if (e->hash == h && e->len == t.n && t.n <= TCACHE_STR && short_eq(e->s, t.p, t.n)) {
        *out = e->id;
        return 1;
    }
    ws_dict_prefetch(dict, h);
    return 0;
}

/* Second pass: the dictionary, else a thread-local id (flagged; returns 1). */
static int map_token(worker *w, const ws_dict *dict, ws_str t, uint64_t h, uint32_t *out)
{
    tcache_ent *e = &w->cache[h >> (64 - TCACHE_BITS)];
    uint32_t id = dict->nterms ? ws_dict_lookup(dict, t, h) : UINT32_MAX;
    if (id != UINT32_MAX) {
        if (t.n <= TCACHE_STR) {
            e->hash = h;
            e->id = id;
            e->len = (uint8_t)t.n;
            memcpy(e->s, t.p, t.n);
        }
        *out = id;
        return 0;
    }
    int rc = lterms_intern(w->lt, t, h, &id);
    if (rc) return rc;
    *out = id | LOCAL_FLAG;
    return 1;
}

/* Cut an over-long token at a code point boundary. */
static size_t clip_token(const char *p, size_t n)
{
    if (n <= MAX_TOKEN_BYTES) return n;
    size_t k = MAX_TOKEN_BYTES;
    while (k > 0 && ((unsigned char)p[k] & 0xC0) == 0x80) k--;
    return k;
}

/* Tokenize one field, appending ids and sentence starts (offset by base),
 * and encode the field for its text column in w->text[field]. */
static int tokenize_field(worker *w, const ws_dict *dict, ws_str text, uint32_t base, story *s, int field)
{
    ws_buf *enc = &w->text[field];
    enc->n = 0;
    if (!text.n) return ws_text_encode_gaps(text, NULL, 0, enc);
    ws_tokens tk;
    int rc = ws_tokenize(w->tok, text.p, text.n, &tk);
    if (rc) return rc;
    uint32_t clipped = s->long_tokens;
    if ((rc = ws_buf_reserve(&w->ids, tk.ntok * 4)) || (rc = ws_buf_reserve(&w->sent, tk.nsent * 4))) return rc;
    if ((rc = ws_buf_reserve(&w->hashes, tk.ntok * 8))) return rc;
    uint32_t *ids = (uint32_t *)(void *)(w->ids.p + w->ids.n);
    uint64_t *hs = (uint64_t *)(void *)w->hashes.p;
    /* Two passes so that the index slots of all cache misses are fetched
     * from memory at once instead of one dependent miss after another. */
    for (size_t i = 0; i < tk.ntok; i++) {
        size_t n = clip_token(tk.text + tk.tok[i].off, tk.tok[i].len);
        s->long_tokens += n != tk.tok[i].len;
        ws_str t = ws_str_make(tk.text + tk.tok[i].off, n);
        hs[i] = ws_hash64(t.p, t.n);
        if (!probe_token(w, dict, t, hs[i], &ids[i])) ids[i] = UINT32_MAX; /* no id is UINT32_MAX */
    }
    for (size_t i = 0; i < tk.ntok; i++) {
        if (ids[i] != UINT32_MAX) continue;
        size_t n = clip_token(tk.text + tk.tok[i].off, tk.tok[i].len);
        rc = map_token(w, dict, ws_str_make(tk.text + tk.tok[i].off, n), hs[i], &ids[i]);
        if (rc < 0) return rc;
        s->has_new |= rc;
    }
    w->ids.n += tk.ntok * 4;
    uint32_t *sent = (uint32_t *)(void *)(w->sent.p + w->sent.n);
    for (size_t i = 0; i < tk.nsent; i++) sent[i] = tk.sent[i] + base;
    w->sent.n += tk.nsent * 4;
    s->invalid_utf8 += tk.invalid;
    /* Store the words once, as ids, when the tokens rebuild the text exactly. */
    int exact = clipped == s->long_tokens && !tk.invalid && tk.text_len == text.n &&
                (tk.text == text.p || !memcmp(tk.text, text.p, text.n));
    _Static_assert(sizeof(ws_token) == 2 * sizeof(uint32_t), "ws_token is an (off, len) pair");
    return exact ? ws_text_encode_gaps(text, (const uint32_t *)(const void *)tk.tok, tk.ntok, enc)
                 : ws_text_encode_raw(text, enc);
}

/* Phase 1 for one record: copy what the block needs (unless the record
 * already lives as long as the batch), then tokenize title and body. The
 * record's first rec->ntags tag lists fill the first tag columns. */
static void story_from_record(run *r, worker *w, const ws_record *rec, int batch_owned, story *s)
{
    int fail = 0, rc;
    if (batch_owned) {
        s->id = rec->id;
        s->title = rec->title;
        s->body = rec->body;
        s->source = rec->source;
    } else {
        s->id = arena_str(w->mem, rec->id, &fail);
        s->title = arena_str(w->mem, rec->title, &fail);
        s->body = arena_str(w->mem, rec->body, &fail);
        s->source = arena_str(w->mem, rec->source, &fail);
    }
    s->date = rec->date;
    s->date_bad = rec->date_bad;
    s->date_off = rec->date == WS_DATE_UNKNOWN ? 0 : rec->date_off;
    s->dateline_no_year = rec->dateline_no_year;
    s->invalid_utf8 = rec->invalid_utf8;
    if (r->ntags) {
        uint32_t total = 0, have = rec->ntags < r->ntags ? rec->ntags : r->ntags;
        s->tag_count = arena_alloc(w->mem, r->ntags * sizeof *s->tag_count);
        if (!s->tag_count) fail = 1;
        for (uint32_t t = 0; t < r->ntags && !fail; t++) total += (s->tag_count[t] = t < have ? rec->tag_count[t] : 0);
        s->tag_vals = fail ? NULL : arena_alloc(w->mem, (total ? total : 1) * sizeof *s->tag_vals);
        if (!s->tag_vals) fail = 1;
        for (uint32_t k = 0; k < total && !fail; k++)
            s->tag_vals[k] = batch_owned ? rec->tag_vals[k] : arena_str(w->mem, rec->tag_vals[k], &fail);
    }
    w->ids.n = w->sent.n = 0;
    /* The raw field may hold invalid UTF-8 only if the reader let it
     * through; the tokenizer repairs and counts in either case. */
    rc = fail ? WS_ENOMEM : tokenize_field(w, r->dict, s->title, 0, s, 0);
    s->ntitle = (uint32_t)(w->ids.n / 4);
    if (!rc) rc = tokenize_field(w, r->dict, s->body, s->ntitle, s, 1);
    if (!rc && w->ids.n / 4 > UINT32_MAX / 2) rc = ws_error(WS_ETOOBIG, "story has too many tokens");
    if (rc) {
        s->status = rc;
        const char *m = ws_last_error();
        s->err = arena_str(w->mem, ws_str_make(m, strlen(m) + 1), &fail).p;
        if (fail || !s->err) s->err = "out of memory";
        return;
    }
    s->ntok = (uint32_t)(w->ids.n / 4);
    s->nsent = (uint32_t)(w->sent.n / 4);
    s->ids = arena_alloc(w->mem, w->ids.n + 4);
    s->sent = arena_alloc(w->mem, w->sent.n + 4);
    if (!s->ids || !s->sent) { s->status = WS_ENOMEM; s->err = "out of memory"; return; }
    /* A story without tokens leaves both buffers unallocated (NULL). */
    if (w->ids.n) memcpy(s->ids, w->ids.p, w->ids.n);
    if (w->sent.n) memcpy(s->sent, w->sent.p, w->sent.n);
    for (int f = 0; f < 2; f++)
        s->text[f] = arena_str(w->mem, ws_str_make((const char *)w->text[f].p, w->text[f].n), &fail);
    if (fail) { s->status = WS_ENOMEM; s->err = "out of memory"; return; }
    s->status = ST_OK;
}

/* Phase 1 for one JSONL line. */
static void parse_story(run *r, worker *w, const char *line, size_t n, story *s)
{
    ws_record rec;
    int rc = ws_jsonl_parse_line(w->parser, line, n, &rec);
    if (rc == 1) { s->status = ST_BLANK; return; }
    if (rc < 0) {
        int fail = 0;
        s->status = rc;
        const char *m = ws_last_error();
        ws_str e = arena_str(w->mem, ws_str_make(m, strlen(m) + 1), &fail);
        s->err = fail ? "out of memory" : e.p;
        return;
    }
    story_from_record(r, w, &rec, 0, s);
}

static int value_index(ws_dict *vd, ws_str v, uint32_t *idx)
{
    return ws_dict_intern(vd, v, ws_hash64(v.p, v.n), idx);
}

static blockb *take_block(run *r)
{
    blockb *b = r->npool ? r->pool[--r->npool] : ws_calloc(1, sizeof *b);
    if (b) blockb_clear(b);
    return b;
}

static int put_string(ws_buf *len, ws_buf *dat, ws_str s)
{
    int rc = ws_buf_reserve(len, WS_VARINT_MAX);
    if (rc) return rc;
    ws_buf_put_varint(len, s.n);
    return ws_buf_append(dat, s.p, s.n);
}

/* Phase 2a, right after the parallel phase, for one good story: give the
 * terms it is first to use their dictionary ids, in order of appearance.
 * This is the only part of phase 2 that changes the dictionary index, so
 * the rest (add_story) can run while the next batch looks terms up. */
static int resolve_new(run *r, story *s, int par)
{
    int rc;
    ws_dict *d = r->dict;
    if (!s->has_new) return 0;
    lterms *lt = &r->w[s->tid].lt_[par];
    for (uint32_t i = 0; i < s->ntok; i++) {
        uint32_t id = s->ids[i];
        if (!(id & LOCAL_FLAG)) continue;
        uint32_t k = id & ~LOCAL_FLAG;
        if (lt->map[k] == UINT32_MAX) {
            ws_str t = ws_str_make((const char *)lt->text.p + lt->off[k], (size_t)(lt->off[k + 1] - lt->off[k]));
            if ((rc = ws_dict_intern(d, t, lt->hash[k], &lt->map[k]))) return rc;
            if (d->nterms >= LOCAL_FLAG) return ws_error(WS_ETOOBIG, "more than 2^31 distinct terms");
        }
    }
    return 0;
}

/* Phase 2b for one good story: final ids, frequencies, append to the block.
 * Runs beside the next batch's parallel phase: it writes cf, df and the
 * open block, never the dictionary index or term text those lookups read. */
static int add_story(run *r, story *s, int par)
{
    int rc;
    ws_dict *d = r->dict;
    if (s->has_new) {
        const lterms *lt = &r->lead->w[s->tid].lt_[par];
        for (uint32_t i = 0; i < s->ntok; i++) {
            uint32_t id = s->ids[i];
            if (id & LOCAL_FLAG) s->ids[i] = lt->map[id & ~LOCAL_FLAG];
        }
    }
    if (r->stamp.n < (size_t)d->nterms * 4) {
        size_t old = r->stamp.n;
        if ((rc = ws_buf_reserve(&r->stamp, (size_t)d->nterms * 4 - old + (1u << 16)))) return rc;
        r->stamp.n = r->stamp.cap & ~(size_t)3;
        memset(r->stamp.p + old, 0, r->stamp.n - old);
    }
    uint32_t seq = ++r->story_seq ? r->story_seq : (r->story_seq = 1);
    uint32_t *stamp = (uint32_t *)(void *)r->stamp.p;
    for (uint32_t i = 0; i < s->ntok; i++) {
        uint32_t id = s->ids[i];
        d->cf[id]++;
        if (stamp[id] != seq) { stamp[id] = seq; d->df[id]++; }
    }

    blockb *b = r->open;
    if ((rc = put_string(&b->len[0], &b->dat[0], s->id)) || (rc = ws_buf_append(&b->text[0], s->text[0].p, s->text[0].n)) ||
        (rc = ws_buf_append(&b->text[1], s->text[1].p, s->text[1].n)))
        return rc;
    if ((rc = ws_buf_reserve(&b->dates, WS_VARINT_MAX)) || (rc = ws_buf_reserve(&b->source, WS_VARINT_MAX))) return rc;
    if ((rc = ws_col_encode_dateoff(&(int32_t){s->date_off}, 1, &b->dateoff))) return rc;
    if (s->date == WS_DATE_UNKNOWN) {
        ws_buf_put_varint(&b->dates, 0);
        b->undated++;
    } else {
        ws_buf_put_varint(&b->dates, ws_zigzag((int64_t)((uint64_t)s->date - (uint64_t)b->prev_date)) + 1);
        b->prev_date = s->date;
        if (b->min_date == WS_DATE_UNKNOWN || s->date < b->min_date) b->min_date = s->date;
        if (b->max_date == WS_DATE_UNKNOWN || s->date > b->max_date) b->max_date = s->date;
    }
    uint32_t vi;
    if ((rc = value_index(&r->values[0], s->source, &vi))) return rc;
    ws_buf_put_varint(&b->source, vi);
    if ((rc = ws_buf_append(&b->srcset, &vi, 4))) return rc;
    uint32_t k = 0;
    for (uint32_t t = 0; t < r->ntags; t++) {
        uint32_t c = s->tag_count[t];
        if ((rc = ws_buf_reserve(&b->tags[t], ((size_t)c + 1) * WS_VARINT_MAX))) return rc;
        ws_buf_put_varint(&b->tags[t], c);
        for (uint32_t j = 0; j < c; j++, k++) {
            if ((rc = value_index(&r->values[1 + t], s->tag_vals[k], &vi))) return rc;
            ws_buf_put_varint(&b->tags[t], vi);
        }
    }
    /* Format 2.0 codes the token column per block (ws_codec.h): keep the ids
     * as they are until the block closes. 1.x: varints, story by story. */
    if ((rc = r->st->format >= 2 ? ws_buf_append(&b->tokids, s->ids, (size_t)s->ntok * 4)
                                 : ws_col_encode_tokids(s->ids, s->ntok, &b->tokids)))
        return rc;
    uint32_t sent_off[2] = {0, s->nsent};
    if ((rc = ws_col_encode_tokmeta(&s->ntok, &s->ntitle, sent_off, s->sent, 1, &b->tokmeta))) return rc;
    b->nrows++;
    b->ntokens += s->ntok;
    r->stats->stories++;
    r->stats->tokens += s->ntok;
    r->stats->undated += s->date == WS_DATE_UNKNOWN;
    r->stats->date_bad += (uint64_t)s->date_bad;
    r->stats->dateline_no_year += (uint64_t)(s->dateline_no_year && s->date == WS_DATE_UNKNOWN);
    r->stats->invalid_utf8 += s->invalid_utf8;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int close_block(run *r)
{
    blockb *b = r->open;
    if (!b->nrows) return 0;
    if (r->nclosed == r->closed_cap) {
        uint32_t cap = r->closed_cap ? r->closed_cap * 2 : 16;
        blockb **c = ws_realloc(r->closed, cap * sizeof *c);
        if (!c) return WS_ENOMEM;
        r->closed = c;
        r->closed_cap = cap;
    }
    r->closed[r->nclosed++] = b;
    r->open = take_block(r);
    return r->open ? 0 : WS_ENOMEM;
}

/* Raw bytes of column c of a closed block (strings: lengths then bytes). */
static int block_raw(blockb *b, uint32_t c, uint32_t ncols, unsigned format, ws_buf *out)
{
    out->n = 0;
    const ws_buf *src = NULL;
    if (c == WS_C_TOKIDS && format >= 2)
        return ws_tok2_encode((const uint32_t *)(const void *)b->tokids.p, b->tokids.n / 4, out);
    if (c == WS_C_ID) {
        int rc = ws_buf_append(out, b->len[0].p, b->len[0].n);
        return rc ? rc : ws_buf_append(out, b->dat[0].p, b->dat[0].n);
    }
    switch (c) {
    case WS_C_TITLE: src = &b->text[0]; break;
    case WS_C_BODY: src = &b->text[1]; break;
    case WS_C_DATE: src = &b->dates; break;
    case WS_C_SOURCE: src = &b->source; break;
    case WS_C_TOKIDS: src = &b->tokids; break;
    case WS_C_TOKMETA: src = &b->tokmeta; break;
    default: src = c == ncols - 1 ? &b->dateoff : &b->tags[c - WS_C_FIRST_TAG];
    }
    return ws_buf_append(out, src->p, src->n);
}

/* Phases 3 and 4: compress every column of every closed block in parallel,
 * then write the blocks in order. */
static int flush_closed(run *r)
{
    if (!r->nclosed) return 0;
    uint32_t ncols = r->ncols;
    long total = (long)r->nclosed * ncols;
    int level = r->o->level;
#pragma omp parallel for schedule(dynamic, 1) num_threads(r->nthreads)
    for (long j = 0; j < total; j++) {
        blockb *b = r->closed[j / ncols];
        uint32_t c = (uint32_t)(j % ncols);
        int lv = (c == WS_C_TITLE || c == WS_C_BODY) ? level : 3;
        int rc = block_raw(b, c, ncols, r->st->format, &b->raw[c]);
        if (!rc && b->raw[c].n > WS_MAX_CHUNK_RAW) rc = ws_error(WS_ETOOBIG, "a block column exceeds 1 GiB; lower --block-tokens");
        if (!rc) rc = ws_zstd_compress(b->raw[c].p, b->raw[c].n, lv, &b->comp[c]);
        b->raw_size[c] = (uint32_t)b->raw[c].n;
        if (rc) {
#pragma omp critical(ws_ingest_err)
            if (!b->rc) b->rc = rc;
        }
    }
    int rc = 0;
    for (uint32_t i = 0; i < r->nclosed; i++) {
        blockb *b = r->closed[i];
        if (!rc && b->rc) rc = ws_error(b->rc, "compressing block: %s", ws_strerror(b->rc));
        if (!rc) {
            uint32_t *src = (uint32_t *)(void *)b->srcset.p;
            size_t n = b->srcset.n / 4, u = 0;
            qsort(src, n, 4, cmp_u32);
            for (size_t k = 0; k < n; k++)
                if (!u || src[u - 1] != src[k]) src[u++] = src[k];
            ws_block_meta m = {0};
            m.nrows = b->nrows;
            m.undated = b->undated;
            m.min_date = b->min_date;
            m.max_date = b->max_date;
            m.ntokens = b->ntokens;
            m.nsources = (uint32_t)u;
            m.sources = src;
            rc = ws_segwriter_add_block(r->seg, &m, b->comp, b->raw_size);
            r->stats->blocks++;
        }
        /* Keep a few built blocks' buffers for reuse; free the rest. */
        if (r->npool < 4) r->pool[r->npool++] = b;
        else blockb_free(b);
    }
    r->nclosed = 0;
    return rc;
}

/* Progress goes to the caller's callback (the CLI draws the line). */
void ws_ing_progress(run *r, int final)
{
    if (!r->o->progress) return;
    double t = now_s();
    if (!final && t - r->last_progress < 0.5) return;
    r->last_progress = t;
    uint64_t stories = 0; /* every shard's of the pass (r is the lead) */
    for (uint32_t i = 0; i < r->nouts; i++) stories += r->outs[i]->stats->stories;
    if (!r->nouts) stories = r->stats->stories;
    ws_progress p = {"ingest", r->bytes_done, r->bytes_total, stories, t - r->t0, final, NULL, 0};
    if (p.total && p.done > p.total) p.total = p.done; /* a file that grew while read */
    r->o->progress(r->o->progress_ctx, &p);
}


/* A story whose id the store already holds: count it, keep the first few
 * ids for the summary. */
static void note_existing(run *r, ws_str id)
{
    ws_ingest_stats *st = r->stats;
    if (st->existing++ < 3) {
        size_t have = strlen(st->existing_ids), room = sizeof st->existing_ids - have;
        int n = snprintf(st->existing_ids + have, room, "%s%.*s", have ? ", " : "", id.n > 60 ? 60 : (int)id.n, id.p);
        if (n < 0 || (size_t)n >= room) st->existing_ids[have] = 0;
    }
}

/* The ids of every story already in the store, for note_existing. */
static int load_existing_ids(run *r)
{
    int rc = ws_ingest_load_ids(r->st, &r->existing);
    r->have_existing = !rc && r->st->nstories;
    return rc;
}

/* Phase 2b for the pending batch, in input order: add its good stories to
 * the open block, closing full blocks. */
static int add_pending(run *r)
{
    const ws_ingest_opts *o = r->o;
    story *stories = r->stories[r->pend_par];
    for (size_t i = 0; i < r->pend_n; i++) {
        story *s = &stories[i];
        if (s->status != ST_OK) continue;
        run *t = r; /* the store the story goes to */
        if (r->route) {
            if (!(t = r->route[ws_hash64(s->id.p, s->id.n) % o->shard_count])) continue;
        } else if (o->shard_count > 1 && ws_hash64(s->id.p, s->id.n) % o->shard_count != o->shard_index) {
            continue;
        }
        if (t->have_existing && ws_dict_lookup(&t->existing, s->id, ws_hash64(s->id.p, s->id.n)) != UINT32_MAX) {
            note_existing(t, s->id);
            if (o->skip_existing) continue;
        }
        int rc = add_story(t, s, r->pend_par);
        if (rc) return rc;
        if (t->open->ntokens >= o->block_tokens || t->open->nrows >= o->block_rows)
            if ((rc = close_block(t))) return rc;
    }
    return 0;
}

/* Phases 3 and 4 for every store of the pass. */
static int flush_all(run *r)
{
    int rc = 0;
    for (uint32_t i = 0; i < r->nouts && !rc; i++) rc = flush_closed(r->outs[i]);
    return rc;
}

/* One pass into several shards: the terms phase 2a gave the lead's
 * dictionary, given in the same order to every other shard's (they hold
 * the same terms: each shard's dictionary has every term of the input, as
 * when each shard's ingest read every input). */
static int sync_terms(run *r)
{
    const ws_dict *ld = r->dict;
    for (uint32_t i = 1; i < r->nouts; i++) {
        ws_dict *d = r->outs[i]->dict;
        while (d->nterms < ld->nterms) {
            uint32_t want = d->nterms, got;
            ws_str t = ws_dict_term(ld, want);
            int rc = ws_dict_intern(d, t, ws_hash64(t.p, t.n), &got);
            if (rc) return rc;
            if (got != want) return ws_error(WS_EINTERNAL, "%s: the shards' dictionaries went apart", r->outs[i]->path);
        }
    }
    return 0;
}

/* Finish the pending batch, if any: phase 2b, then phases 3 and 4. */
int ws_ing_drain_pending(run *r)
{
    if (!r->pend_have) return 0;
    r->pend_have = 0;
    int rc = add_pending(r);
    return rc ? rc : flush_all(r);
}

/* One batch. Its parallel phase (1) runs beside the in-order phase 2b of
 * the batch before, which one thread takes before it joins the parse loop;
 * then come that batch's phases 3 and 4, and this batch's phase 2a
 * (reports and new term ids, in input order). This batch's phase 2b waits
 * for the next batch, or for drain_pending. What each phase does depends
 * only on the input order, so the store is still the same for any
 * --threads. */
int ws_ing_process_batch(run *r, line_ref *lines, size_t nlines)
{
    const ws_ingest_opts *o = r->o;
    int par = r->pend_have ? !r->pend_par : 0;
    if (r->stories_cap[par] < nlines) {
        size_t cap = nlines > 4096 ? nlines : 4096;
        story *s2 = ws_realloc(r->stories[par], cap * sizeof *s2);
        if (!s2) return WS_ENOMEM;
        r->stories[par] = s2;
        r->stories_cap[par] = cap;
    }
    story *stories = r->stories[par];
    for (int t = 0; t < r->nthreads; t++) {
        worker *w = &r->w[t];
        w->mem = &w->mem_[par];
        w->lt = &w->lt_[par];
        arena_reset(w->mem);
        lterms_reset(w->lt);
    }
    memset(stories, 0, nlines * sizeof *stories);
    int brc = 0;
#pragma omp parallel num_threads(r->nthreads)
    {
#pragma omp single nowait
        if (r->pend_have) {
            /* Errors are thread-local: carry the message over. */
            if ((brc = add_pending(r))) snprintf(r->pend_err, sizeof r->pend_err, "%s", ws_last_error());
        }
#pragma omp for schedule(dynamic, 16) nowait
        for (size_t i = 0; i < nlines; i++) {
            int tid = omp_get_thread_num();
            story *s = &stories[i];
            s->tid = tid;
            s->line = lines[i].line;
            if (lines[i].rec) {
                story_from_record(r, &r->w[tid], lines[i].rec, 1, s);
                continue;
            }
            if (lines[i].n > o->max_record) {
                s->status = WS_ETOOBIG;
                s->err = "record longer than --max-record; skipped";
                continue;
            }
            parse_story(r, &r->w[tid], lines[i].p, lines[i].n, s);
        }
    }
    if (brc) return brc == WS_ENOMEM ? WS_ENOMEM : ws_error(brc, "%s", r->pend_err);
    int rc = r->pend_have ? flush_all(r) : 0;
    r->pend_have = 0;
    if (rc) return rc;
    for (size_t i = 0; i < nlines; i++) {
        story *s = &stories[i];
        const char *file = lines[i].file;
        if (s->status == ST_BLANK) continue;
        if (s->status == WS_ENOMEM) return ws_error(WS_ENOMEM, "%s:%llu: out of memory", file, (unsigned long long)s->line);
        if (s->status < 0) {
            ws_ing_report_bad(r, file, s->line, s->err);
            if (o->strict)
                return ws_error(s->status == WS_ETOOBIG ? WS_ETOOBIG : WS_EFORMAT, "%s:%llu: %s (--strict)", file,
                                (unsigned long long)s->line, s->err);
            continue;
        }
        /* Kept, but changed: say where, within the report budget. */
        if (s->long_tokens && r->reported < o->max_reports)
            fprintf(r->log, "%s:%llu: note: %u token(s) longer than %u bytes were cut\n", file,
                    (unsigned long long)s->line, s->long_tokens, MAX_TOKEN_BYTES);
        if (s->invalid_utf8 && r->reported < o->max_reports)
            fprintf(r->log, "%s:%llu: note: %llu invalid UTF-8 sequence(s) replaced by U+FFFD\n", file,
                    (unsigned long long)s->line, (unsigned long long)s->invalid_utf8);
        if (s->date_bad && r->reported < o->max_reports)
            fprintf(r->log, "%s:%llu: note: date could not be read; story kept undated\n", file, (unsigned long long)s->line);
        if ((rc = resolve_new(r, s, par))) return rc;
    }
    if (r->nouts > 1 && (rc = sync_terms(r))) return rc;
    r->pend_have = 1;
    r->pend_par = par;
    r->pend_n = nlines;
    return 0;
}

void ws_ingest_opts_default(ws_ingest_opts *o)
{
    memset(o, 0, sizeof *o);
    o->level = 3; /* level 9 costs ~25% more ingest time for ~1.6% smaller stores */
    o->block_tokens = 1u << 18;
    o->block_rows = 1u << 16;
    o->max_record = 64u << 20;
    o->max_reports = 100;
}

static const uint8_t fixed_types[WS_C_FIRST_TAG] = {WS_COL_STRING, WS_COL_DATE, WS_COL_DICT, WS_COL_TEXT,
                                                    WS_COL_TEXT, WS_COL_TOKIDS, WS_COL_TOKMETA};

/* The tokenizing rule for scripts written without spaces (format 1.4): a
 * new store takes --cjk (words by default); a store that has stories keeps
 * its own, since ids, phrases and kwic's re-tokenizing must agree across
 * segments, and a --cjk that contradicts it is refused. */
static int choose_segmentation(ws_store *st, int cjk)
{
    if (!st->generation) {
        st->segmentation = cjk == WS_INGEST_CJK_CHARS ? WS_STORE_SEG_CHARS : WS_STORE_SEG_ICU;
        st->seg_icu = U_ICU_VERSION_MAJOR_NUM;
        return 0;
    }
    int icu = st->segmentation == WS_STORE_SEG_ICU;
    if ((cjk == WS_INGEST_CJK_CHARS && icu) || (cjk == WS_INGEST_CJK_WORDS && !icu))
        return ws_error(WS_EINVAL, "%s: the store was made with --cjk %s; an append keeps its rule (drop --cjk)", st->dir,
                        icu ? "words" : "chars");
    return 0;
}

static int setup(run *r)
{
    const ws_ingest_opts *o = r->o;
    r->ncols = WS_C_FIRST_TAG + r->ntags + 1; /* the last: DATEOFF */
    /* Ingest is CPU-bound and every thread costs its own lookup cache and
     * buffers (about 0.6 MB), so threads beyond the cores only cost memory
     * (--threads 4096 took 2.7 GB). Up to 16 stay allowed on small
     * machines so that thread-count independence can still be exercised. */
    int cores = ws_threads_resolve(0), cap = cores > 16 ? cores : 16;
    r->nthreads = ws_threads_resolve(o->threads);
    if (r->nthreads > cap) r->nthreads = cap;
    if (!(r->w = ws_calloc((size_t)r->nthreads, sizeof *r->w))) return WS_ENOMEM;
    for (int t = 0; t < r->nthreads; t++) {
        r->w[t].cache = ws_calloc((size_t)1 << TCACHE_BITS, sizeof(tcache_ent));
        r->w[t].tok = ws_tokenizer_create();
        ws_jsonl_opts jf = o->fields;
        jf.datelines = r->jsonl_datelines;
        r->w[t].parser = ws_jsonl_parser_create(&jf);
        if (!r->w[t].tok || !r->w[t].parser || !r->w[t].cache) return WS_ENOMEM;
        if (r->st->segmentation == WS_STORE_SEG_ICU) {
            int rc = ws_tokenizer_set_segmentation(r->w[t].tok, WS_SEG_ICU);
            if (rc) return rc;
        }
    }
    for (uint32_t v = 0; v <= r->ntags; v++)
        if (ws_dict_index(&r->values[v])) return WS_ENOMEM;
    if (!(r->pool = ws_calloc(4, sizeof *r->pool)) || !(r->open = take_block(r))) return WS_ENOMEM;
    return 0;
}

static void teardown(run *r)
{
    if (r->w)
        for (int t = 0; t < r->nthreads; t++) {
            ws_free(r->w[t].cache);
            ws_tokenizer_free(r->w[t].tok);
            ws_jsonl_parser_free(r->w[t].parser);
            for (int p = 0; p < 2; p++) {
                arena_free_all(&r->w[t].mem_[p]);
                lterms_free(&r->w[t].lt_[p]);
            }
            ws_buf_free(&r->w[t].ids);
            ws_buf_free(&r->w[t].sent);
            ws_buf_free(&r->w[t].text[0]);
            ws_buf_free(&r->w[t].text[1]);
            ws_buf_free(&r->w[t].hashes);
        }
    ws_free(r->w);
    for (uint32_t v = 0; v <= WS_MAX_TAG_COLUMNS; v++) ws_dict_free(&r->values[v]);
    for (uint32_t i = 0; i < r->nclosed; i++) blockb_free(r->closed[i]);
    ws_free(r->closed);
    for (uint32_t i = 0; i < r->npool; i++) blockb_free(r->pool[i]);
    ws_free(r->pool);
    blockb_free(r->open);
    ws_buf_free(&r->stamp);
    ws_dict_free(&r->existing);
    ws_free(r->fmts);
    for (uint32_t t = 0; t < r->ntags; t++) ws_free((void *)(uintptr_t)r->tag_names[t]);
    arena_free_all(&r->src_mem[0]);
    arena_free_all(&r->src_mem[1]);
    ws_free(r->stories[0]);
    ws_free(r->stories[1]);
    ws_segwriter_abort(r->seg);
    ws_store_close(r->st);
}

/* Open an out's store (locked), its dictionary and value lists; the lead
 * also gets its workers (setup). */
static int open_out(run *t)
{
    const ws_ingest_opts *o = t->o;
    run *lead = t->lead;
    int rc = 0;
    if ((t->lock = ws_store_lock(t->path, o->wait, &t->created)) < 0) {
        rc = t->lock;
        t->lock = -1;
        return rc;
    }
    if ((rc = ws_store_open(t->path, 1, &t->st))) return rc;
    /* the index this append extends, as it is before new terms and blocks */
    if ((rc = ws_store_load_index(t->st))) return rc;
    ws_store_cleanup(t->st);
    if ((rc = load_existing_ids(t))) return rc;
    t->dict = &t->st->dict;
    if ((rc = ws_dict_index(t->dict))) return rc;
    t->old_nterms = t->dict->nterms;
    if ((rc = choose_segmentation(t->st, o->cjk))) return rc;
    if (t == lead) return setup(t);
    /* Another shard of the pass: the lead's terms, tags and threads. */
    if (t->st->segmentation != lead->st->segmentation)
        return ws_error(WS_ECORRUPT,
                        "%s splits scripts without spaces otherwise than %s (not a shard set written by ingest --shards)",
                        t->path, lead->path);
    const ws_dict *ld = lead->dict;
    int same = t->dict->nterms == ld->nterms;
    for (uint32_t k = 0; same && k < ld->nterms; k++) {
        ws_str a = ws_dict_term(ld, k), b = ws_dict_term(t->dict, k);
        same = a.n == b.n && !memcmp(a.p, b.p, a.n);
    }
    if (!same)
        return ws_error(WS_ECORRUPT, "%s: its dictionary differs from %s's (not a shard set written by ingest --shards)",
                        t->path, lead->path);
    t->ntags = lead->ntags;
    t->ncols = lead->ncols;
    t->nthreads = lead->nthreads;
    for (uint32_t v = 0; v <= t->ntags; v++)
        if (ws_dict_index(&t->values[v])) return WS_ENOMEM;
    if (!(t->pool = ws_calloc(4, sizeof *t->pool)) || !(t->open = take_block(t))) return WS_ENOMEM;
    return 0;
}

static int open_segment(run *t)
{
    const run *lead = t->lead;
    ws_store_next_segment_name(t->st, t->seg_name, sizeof t->seg_name);
    const char *names[WS_C_FIRST_TAG + WS_MAX_TAG_COLUMNS + 1];
    uint8_t types[WS_C_FIRST_TAG + WS_MAX_TAG_COLUMNS + 1];
    for (uint32_t c = 0; c < t->ncols; c++) {
        names[c] = c < WS_C_FIRST_TAG ? fixed_names[c] : c == t->ncols - 1 ? "dateoff" : lead->tag_names[c - WS_C_FIRST_TAG];
        types[c] = c < WS_C_FIRST_TAG ? fixed_types[c] : c == t->ncols - 1 ? WS_COL_DATEOFF : WS_COL_MULTI;
        if (c == WS_C_TOKIDS && t->st->format >= 2) types[c] = WS_COL_TOKIDS2; /* format 2.0 */
    }
    size_t dl = strlen(t->path);
    char *seg_path = ws_malloc(dl + sizeof t->seg_name + 2);
    if (!seg_path) return WS_ENOMEM;
    sprintf(seg_path, "%s/%s", t->path, t->seg_name);
    int rc = ws_segwriter_create(seg_path, t->ncols, types, names, &t->seg);
    ws_free(seg_path);
    return rc;
}

/* An ingest that keeps nothing changes nothing. It fails, unless every
 * story was skipped as already present (--skip-existing: nothing new is
 * not an error). Returns 1 for "nothing to commit", 0 or an error. */
static int check_kept(const run *t, uint64_t bad)
{
    const ws_ingest_stats *stats = t->stats;
    if (stats->stories) return 0;
    if (stats->existing && !bad) return 1; /* rc 0, no commit */
    if (bad && stats->existing)
        return ws_error(WS_EFORMAT, "no story ingested: %llu records were bad and %llu already in the store; nothing was "
                        "written to %s", (unsigned long long)bad, (unsigned long long)stats->existing, t->path);
    if (bad)
        return ws_error(WS_EFORMAT, "no story ingested: all %llu records were bad; nothing was written to %s",
                        (unsigned long long)bad, t->path);
    return ws_error(WS_EFORMAT, "no story ingested: the input holds no records; nothing was written to %s", t->path);
}

/* Finish an out's segment, commit it, sign its stories when asked. */
static int commit_out(run *t)
{
    const ws_ingest_opts *o = t->o;
    ws_ingest_stats *stats = t->stats;
    int rc = 0;
    uint64_t seg_bytes = 0;
    ws_str *vals[1 + WS_MAX_TAG_COLUMNS] = {0};
    for (uint32_t v = 0; v <= t->ntags && !rc; v++) {
        ws_dict *vd = &t->values[v];
        if (!(vals[v] = ws_calloc(vd->nterms + 1, sizeof *vals[v]))) { rc = WS_ENOMEM; break; }
        for (uint32_t k = 0; k < vd->nterms; k++) vals[v][k] = ws_dict_term(vd, k);
        rc = ws_segwriter_set_values(t->seg, v == 0 ? WS_C_SOURCE : WS_C_FIRST_TAG + v - 1, vals[v], vd->nterms);
    }
    if (!rc) rc = ws_segwriter_finish(t->seg, t->dict->nterms, &seg_bytes);
    else ws_segwriter_abort(t->seg); /* a value list failed: finish never ran */
    t->seg = NULL; /* finish frees it, on success or failure */
    for (uint32_t v = 0; v <= t->ntags; v++) ws_free(vals[v]);
    if (rc) return rc;
    const char *new_seg = t->seg_name;
    stats->new_terms = t->dict->nterms - t->old_nterms;
    stats->seg_bytes = seg_bytes;
    t->st->threads = t->nthreads; /* the term index is built on the ingest's threads */
    rc = ws_store_commit(t->st, t->dict, t->old_nterms, new_seg, seg_bytes, stats->stories, stats->stories, stats->tokens);
    if (rc) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", t->path, new_seg);
        unlink(p);
        return rc;
    }
    t->committed = 1;
    /* MinHash signatures of the new stories (format 1.3, for dedup and
     * --dedup) when asked for or when the store keeps them already (so an
     * append signs only its own stories), still under the lock: a second
     * small commit. The stories are in; a failure here only means they
     * are signed later, so it is a warning. */
    int had_sigs = 0;
    for (uint32_t i = 0; i < t->st->nsegs; i++) had_sigs |= t->st->mseg[i].mh != NULL;
    if (!o->no_signatures && (o->signatures || had_sigs)) {
        ws_store *w = NULL;
        if (ws_dedup_sign_locked(t->path, o->threads, NULL, NULL, &w))
            fprintf(t->log, "wirescan: warning: %s\n", ws_last_error());
        ws_store_close(w);
    }
    return 0;
}

/* Release an out; a failed first ingest leaves nothing behind, not even
 * LOCK (a shard committed before another failed stays). */
static void close_out(run *t, int rc)
{
    const char *path = t->path;
    int lock = t->lock, created = t->created, committed = t->committed;
    teardown(t);
    if (lock < 0) return;
    if (rc && !committed) ws_store_unlock_discard(path, lock, created);
    else close(lock);
}

int ws_ingest(const ws_ingest_opts *o, ws_ingest_stats *stats)
{
    run R, *r = &R;
    memset(r, 0, sizeof *r);
    memset(stats, 0, sizeof *stats);
    r->o = o;
    r->lead = r;
    r->lock = -1;
    r->log = o->log ? o->log : stderr;
    r->t0 = r->last_progress = now_s();
    const uint32_t n = o->nshards ? o->nshards : 1;
    ws_ingest_stats *ss = o->nshards ? ws_calloc(n, sizeof *ss) : stats;
    run **outs = ws_calloc(n, sizeof *outs);
    int rc = ss && outs ? 0 : WS_ENOMEM;
    if (!rc && o->nshards && !(r->route = ws_calloc(o->shard_count, sizeof *r->route))) rc = WS_ENOMEM;
    r->stats = ss;
    r->outs = outs;
    for (uint32_t i = 0; i < n && !rc; i++) {
        run *t = i ? ws_calloc(1, sizeof *t) : r;
        if (!t) { rc = WS_ENOMEM; break; }
        outs[r->nouts++] = t;
        t->o = o, t->lead = r, t->log = r->log, t->lock = -1, t->stats = &ss[i];
        if (o->nshards) {
            if (o->shards[i] >= o->shard_count || r->route[o->shards[i]]) {
                rc = ws_error(WS_EINVAL, "shard %u of %u: not a shard, or given twice", o->shards[i], o->shard_count);
                break;
            }
            r->route[o->shards[i]] = t;
            size_t cap = strlen(o->store) + 32;
            if (!(t->path = ws_malloc(cap))) { rc = WS_ENOMEM; break; }
            snprintf(t->path, cap, "%s/shard-%03u", o->store, o->shards[i]);
        } else if (!(t->path = ws_strndup(o->store, strlen(o->store)))) {
            rc = WS_ENOMEM;
        }
    }
    if (!rc) rc = ws_ing_plan_inputs(r);
    for (uint32_t i = 0; i < r->nouts && !rc; i++) rc = open_out(outs[i]);
    for (uint32_t i = 0; i < r->nouts && !rc; i++) rc = open_segment(outs[i]);
    for (size_t i = 0; i < o->ninputs && !rc; i++)
        rc = r->fmts[i] == WS_FMT_JSONL ? ws_ing_file(r, o->inputs[i]) : ws_ing_source(r, o->inputs[i], r->fmts[i]);
    if (!rc) rc = ws_ing_drain_pending(r);
    for (uint32_t i = 0; i < r->nouts && !rc; i++) rc = close_block(outs[i]);
    if (!rc) rc = flush_all(r);
    if (r->nouts) ws_ing_progress(r, 1);
    /* every store keeps a story, or nothing is committed */
    for (uint32_t i = 0; i < r->nouts && !rc; i++) {
        int k = check_kept(outs[i], ss[0].bad);
        if (k < 0) rc = k;
    }
    for (uint32_t i = 0; i < r->nouts && !rc; i++)
        if (outs[i]->stats->stories) rc = commit_out(outs[i]);
    if (o->nshards) { /* the totals (bad records and input bytes: counted once, by the lead) */
        for (uint32_t i = 0; i < r->nouts; i++) {
            const ws_ingest_stats *x = &ss[i];
            stats->stories += x->stories, stats->undated += x->undated, stats->date_bad += x->date_bad;
            stats->invalid_utf8 += x->invalid_utf8, stats->tokens += x->tokens, stats->blocks += x->blocks;
            stats->seg_bytes += x->seg_bytes, stats->existing += x->existing;
            stats->dateline_no_year += x->dateline_no_year;
            if (!stats->existing_ids[0]) memcpy(stats->existing_ids, x->existing_ids, sizeof stats->existing_ids);
        }
        stats->bad = ss[0].bad, stats->bytes_in = ss[0].bytes_in, stats->new_terms = ss[0].new_terms;
    }
    for (uint32_t i = r->nouts; i-- > 0;) {
        char *path = outs[i]->path;
        close_out(outs[i], rc);
        ws_free(path);
        if (i) ws_free(outs[i]);
    }
    if (!r->nouts) teardown(r);
    ws_free(outs);
    ws_free(r->route);
    if (ss != stats) ws_free(ss);
    return rc;
}
