/*
 * The public API's corpora (include/wirescan.h): opening one or several
 * stores or shard sets (DIR/SHARDS with DIR/shard-NNN), and what a client
 * can ask of them: info, columns, verification, the term index, the
 * format, the segmentation; adding the index and upgrading a store.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_corpus.h"
#include "ws_termidx.h"
#include "ws_tokenize.h"
#include "ws_upgrade.h"

void ws_corpus_free_(ws_corpus *c)
{
    for (size_t i = 0; i < c->nst; i++) ws_store_close(c->st[i]);
    ws_free(c->st);
    c->magic = 0;
    ws_free(c);
}

static int corpus_open_paths(ws_corpus **out, const char *const *paths, size_t n);

/* ---- shard sets (ingest --shards: DIR/SHARDS and DIR/shard-000 ..) ---- */

static int is_dir(const char *p)
{
    struct stat sb;
    return !stat(p, &sb) && S_ISDIR(sb.st_mode);
}

/* When dir is a shard set (no MANIFEST of its own; a SHARDS file or
 * shard-NNN stores), its stores in shard order into *out (ws_malloc'ed,
 * each string too) and their count into *n; else *n = 0. A set with a
 * shard missing (of the count SHARDS gives, else of 0 .. the highest) or
 * given twice (shard-1 beside shard-001) is refused. */
static int shard_set(const char *dir, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char p[4096];
    snprintf(p, sizeof p, "%s/MANIFEST", dir);
    if (!is_dir(dir) || !access(p, F_OK)) return 0;
    long declared = -1;
    snprintf(p, sizeof p, "%s/SHARDS", dir);
    FILE *f = fopen(p, "r");
    if (f) {
        char extra;
        if (fscanf(f, "wirescan-shards %ld%c", &declared, &extra) != 2 || declared < 1 || declared > 100000) {
            fclose(f);
            return ws_error(WS_ECORRUPT, "%s: not a shard count (\"wirescan-shards N\")", p);
        }
        fclose(f);
    }
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t cap = 0, have = 0;
    long *nums = NULL, max = -1;
    char **names = NULL;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        const char *nm = e->d_name;
        if (strncmp(nm, "shard-", 6) || !nm[6] || strspn(nm + 6, "0123456789") != strlen(nm + 6) || strlen(nm + 6) > 6)
            continue;
        if (have == cap) {
            cap = cap ? 2 * cap : 16;
            long *n2 = ws_realloc(nums, cap * sizeof *n2);
            if (n2) nums = n2;
            char **s2 = n2 ? ws_realloc(names, cap * sizeof *s2) : NULL;
            if (!s2) { rc = ws_error(WS_ENOMEM, "out of memory"); break; }
            names = s2;
        }
        nums[have] = strtol(nm + 6, NULL, 10);
        size_t l = strlen(dir) + strlen(nm) + 2;
        if (!(names[have] = ws_malloc(l))) { rc = ws_error(WS_ENOMEM, "out of memory"); break; }
        snprintf(names[have], l, "%s/%s", dir, nm);
        if (nums[have] > max) max = nums[have];
        have++;
    }
    closedir(d);
    long count = declared > 0 ? declared : max + 1;
    char **ord = NULL;
    if (!rc && (have || declared > 0)) {
        if (!(ord = ws_calloc((size_t)count + 1, sizeof *ord))) rc = ws_error(WS_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < have; i++) {
            if (nums[i] >= count)
                rc = ws_error(WS_ECORRUPT, "%s: shard %ld of a set of %ld (%s/SHARDS)", names[i], nums[i], count, dir);
            else if (ord[nums[i]])
                rc = ws_error(WS_ECORRUPT, "%s: shard %ld is there twice (%s and %s)", dir, nums[i], ord[nums[i]], names[i]);
            else ord[nums[i]] = names[i], names[i] = NULL;
        }
        for (long i = 0; !rc && i < count; i++)
            if (!ord[i]) rc = ws_error(WS_ENOENT, "%s: shard %ld of %ld is missing (no %s/shard-%03ld)", dir, i, count, dir, i);
    }
    for (size_t i = 0; i < have; i++) ws_free(names[i]);
    ws_free(names);
    ws_free(nums);
    if (rc || !ord) {
        for (long i = 0; ord && i < count; i++) ws_free(ord[i]);
        ws_free(ord);
        return rc;
    }
    *out = ord;
    *n = (size_t)count;
    return 0;
}

int ws_corpus_open(ws_corpus **out, const char *const *paths, size_t n)
{
    if (!out) return ws_error(WS_EINVAL, "ws_corpus_open: NULL out");
    *out = NULL;
    if (!paths || !n) return ws_error(WS_EINVAL, "ws_corpus_open: no store given");
    for (size_t i = 0; i < n; i++)
        if (!paths[i]) return ws_error(WS_EINVAL, "ws_corpus_open: store path %zu is NULL", i);
    /* A shard set stands for its stores, in shard order. */
    size_t total = 0;
    char ***sets = ws_calloc(n, sizeof *sets);
    size_t *nset = ws_calloc(n, sizeof *nset);
    int rc = sets && nset ? 0 : ws_error(WS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        rc = shard_set(paths[i], &sets[i], &nset[i]);
        total += nset[i] ? nset[i] : 1;
    }
    const char **all = rc ? NULL : ws_calloc(total + 1, sizeof *all);
    if (!rc && !all) rc = ws_error(WS_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; !rc && i < n; i++) {
        if (!nset[i]) all[k++] = paths[i];
        for (size_t j = 0; j < nset[i]; j++) all[k++] = sets[i][j];
    }
    if (!rc) rc = corpus_open_paths(out, all, total);
    for (size_t i = 0; sets && nset && i < n; i++) {
        for (size_t j = 0; j < nset[i]; j++) ws_free(sets[i][j]);
        ws_free(sets[i]);
    }
    ws_free(sets);
    ws_free(nset);
    ws_free(all);
    return rc;
}

static int corpus_open_paths(ws_corpus **out, const char *const *paths, size_t n)
{
    ws_corpus *c = ws_calloc(1, sizeof *c);
    if (!c || !(c->st = ws_calloc(n, sizeof *c->st))) {
        ws_free(c);
        return ws_error(WS_ENOMEM, "out of memory");
    }
    c->magic = CORPUS_MAGIC;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        if (!(rc = ws_store_open(paths[i], 0, &c->st[i]))) c->nst = i + 1;
    if (rc) {
        ws_corpus_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

void ws_corpus_close(ws_corpus *c)
{
    if (!c || c->magic != CORPUS_MAGIC || c->closed) return;
    c->closed = 1;
    if (!c->nrequests) ws_corpus_free_(c);
}

/* 1 when column col of segment si of store sti is where its name first
 * appears, going from the newest segment (the last store's last) back. */
static int first_here(const ws_corpus *c, size_t sti, uint32_t si, uint32_t col)
{
    const ws_segment *s = c->st[sti]->segs[si];
    const char *name = s->cols[col].name;
    for (uint32_t e = 0; e < col; e++)
        if (!strcmp(s->cols[e].name, name)) return 0;
    for (size_t t = sti + 1; t < c->nst; t++)
        for (uint32_t g = 0; g < c->st[t]->nsegs; g++)
            if (ws_segment_find_column(c->st[t]->segs[g], name) >= 0) return 0;
    for (uint32_t g = si + 1; g < c->st[sti]->nsegs; g++)
        if (ws_segment_find_column(c->st[sti]->segs[g], name) >= 0) return 0;
    return 1;
}

/* The name of column i in the order ws_corpus_column lists them; NULL
 * past the end. */
static const char *column_name(const ws_corpus *c, size_t i)
{
    size_t k = 0;
    for (size_t sti = c->nst; sti-- > 0;)
        for (uint32_t si = c->st[sti]->nsegs; si-- > 0;)
            for (uint32_t col = 0; col < c->st[sti]->segs[si]->ncols; col++)
                if (first_here(c, sti, si, col) && k++ == i) return c->st[sti]->segs[si]->cols[col].name;
    return NULL;
}

int ws_corpus_column(const ws_corpus *c, size_t i, ws_column_stats *out)
{
    if (!c || c->magic != CORPUS_MAGIC || c->closed || !out)
        return ws_error(WS_EINVAL, "ws_corpus_column: NULL or closed corpus, or NULL out");
    memset(out, 0, sizeof *out);
    const char *name = column_name(c, i);
    if (!name) return ws_error(WS_ENOENT, "ws_corpus_column: no column %zu", i);
    out->name = name;
    for (size_t k = 0; k < c->nst; k++)
        for (uint32_t si = 0; si < c->st[k]->nsegs; si++) {
            const ws_segment *s = c->st[k]->segs[si];
            int col = ws_segment_find_column(s, name);
            for (uint32_t b = 0; col >= 0 && b < s->nblocks; b++) {
                out->raw_bytes += s->blocks[b].chunks[col].raw_size;
                out->stored_bytes += s->blocks[b].chunks[col].comp_size;
            }
        }
    return 0;
}

/* When path is a shard set, fn on every shard (stopping at the first
 * error; *flags gets the shards' flags or'ed) and *done = 1. */
static int each_shard(const char *path, int (*fn)(const char *, int *), int *flags, int *done)
{
    char **shards;
    size_t nshards;
    *done = 0;
    int rc = shard_set(path, &shards, &nshards);
    if (rc || !nshards) return rc;
    for (size_t i = 0; i < nshards; i++) {
        int one = 0;
        if (!rc) rc = fn(shards[i], &one);
        if (flags) *flags |= one;
        ws_free(shards[i]);
    }
    ws_free(shards);
    *done = 1;
    return rc;
}

int ws_store_add_index(const char *path, int *added)
{
    if (added) *added = 0;
    if (!path) return ws_error(WS_EINVAL, "ws_store_add_index: NULL path");
    int set, rc = each_shard(path, ws_store_add_index, added, &set);
    if (rc || set) return rc;
    int lock = ws_store_lock(path, 0, NULL);
    if (lock < 0) return lock;
    ws_store *st;
    rc = ws_store_open(path, 0, &st);
    if (rc) {
        close(lock);
        return rc;
    }
    /* No index, or an index of an older file version (1: blocks only,
     * store format 1.2-1.4; 2: story postings of 1.5 and 2.0): (re)built
     * as version 3 (2.1). */
    rc = ws_store_load_index(st);
    if (rc) {
        ws_store_close(st);
        close(lock);
        return rc;
    }
    int old = st->index_name && st->tidx && st->tidx->version < WS_IDX_VERSION;
    if (!st->index_name || old) {
        ws_store_cleanup(st);
        st->build_index = 1;
        rc = ws_store_commit(st, &st->dict, st->dict.nterms, NULL, 0, 0, 0, 0);
        if (!rc && added) *added = old ? 2 : 1;
    }
    ws_store_close(st);
    close(lock);
    return rc;
}

int ws_store_upgrade(const char *path, int *upgraded)
{
    if (upgraded) *upgraded = 0;
    if (!path) return ws_error(WS_EINVAL, "ws_store_upgrade: NULL path");
    int set, rc = each_shard(path, ws_upgrade_store, upgraded, &set);
    if (rc || set) return rc;
    return ws_upgrade_store(path, upgraded);
}

/* The tokenizing rule of the corpus's stores (ws_tokenize.h WS_SEG_*).
 * Stores split by different rules cannot be queried together: phrases and
 * kwic's re-tokenizing follow one rule. */
int ws_corpus_segmentation_(const ws_corpus *c, int *seg)
{
    *seg = WS_SEG_CHARS;
    for (size_t k = 0; k < c->nst; k++) {
        int s = c->st[k]->segmentation == WS_STORE_SEG_ICU ? WS_SEG_ICU : WS_SEG_CHARS;
        if (k && s != *seg)
            return ws_error(WS_EINVAL, "%s and %s split words by different rules (%s, %s): query them separately",
                            c->st[0]->dir, c->st[k]->dir, *seg == WS_SEG_ICU ? "icu" : "chars",
                            s == WS_SEG_ICU ? "icu" : "chars");
        *seg = s;
    }
    return 0;
}

int ws_corpus_segmentation_get(const ws_corpus *c, char *buf, size_t cap)
{
    if (!c || c->magic != CORPUS_MAGIC || c->closed || !buf || !cap)
        return ws_error(WS_EINVAL, "ws_corpus_segmentation_get: NULL or closed corpus, or no buffer");
    buf[0] = 0;
    for (size_t k = 0; k < c->nst; k++) {
        const ws_store *st = c->st[k];
        char one[64];
        if (st->segmentation == WS_STORE_SEG_ICU) snprintf(one, sizeof one, "icu (ICU %u)", st->seg_icu);
        else if (st->segmentation == WS_STORE_SEG_CHARS) snprintf(one, sizeof one, "chars");
        else snprintf(one, sizeof one, "chars (made before word segmentation)");
        size_t n = strlen(buf);
        if (k && !strstr(buf, one)) snprintf(buf + n, cap - n, "; %s", one);
        else if (!k) snprintf(buf, cap, "%s", one);
    }
    return 0;
}

int ws_corpus_index_get(const ws_corpus *c, uint32_t *stores, uint64_t *bytes)
{
    if (!c || c->magic != CORPUS_MAGIC || c->closed) return ws_error(WS_EINVAL, "ws_corpus_index_get: NULL or closed corpus");
    uint32_t n = 0;
    uint64_t b = 0;
    for (size_t k = 0; k < c->nst; k++)
        if (c->st[k]->index_name) n++, b += c->st[k]->index_bytes;
    if (stores) *stores = n;
    if (bytes) *bytes = b;
    return 0;
}

int ws_corpus_format_get(const ws_corpus *c, unsigned *format)
{
    if (!c || c->magic != CORPUS_MAGIC || c->closed || !format)
        return ws_error(WS_EINVAL, "ws_corpus_format_get: NULL or closed corpus, or NULL format");
    *format = 0;
    for (size_t k = 0; k < c->nst; k++)
        if (c->st[k]->format > *format) *format = c->st[k]->format;
    return 0;
}

int ws_corpus_info_get(const ws_corpus *c, ws_corpus_info *out)
{
    if (!c || c->magic != CORPUS_MAGIC || c->closed || !out)
        return ws_error(WS_EINVAL, "ws_corpus_info_get: NULL or closed corpus, or NULL out");
    memset(out, 0, sizeof *out);
    out->first_date = out->last_date = WS_DATE_UNKNOWN;
    out->nstores = (uint32_t)c->nst;
    for (size_t k = 0; k < c->nst; k++) {
        const ws_store *st = c->st[k];
        out->stories += st->nstories;
        out->tokens += st->ntokens;
        out->terms += st->dict.nterms;
        out->segments += st->nsegs;
        out->bytes += st->dict_bytes;
        /* The manifest, the statistics file and the term index are files of the store too
         * (as `wirescan info` counts them). */
        const char *extra[3] = {"MANIFEST", st->stats_name, st->index_name};
        for (int i = 0; i < 3; i++) {
            char path[4096];
            struct stat sb;
            if (extra[i] && snprintf(path, sizeof path, "%s/%s", st->dir, extra[i]) < (int)sizeof path &&
                stat(path, &sb) == 0)
                out->bytes += (uint64_t)sb.st_size;
        }
        for (uint32_t i = 0; i < st->nsegs; i++) {
            const ws_segment *s = st->segs[i];
            out->bytes += s->size + st->mseg[i].mh_bytes;
            out->blocks += s->nblocks;
            for (uint32_t b = 0; b < s->nblocks; b++) {
                const ws_block_meta *m = &s->blocks[b];
                out->undated += m->undated;
                if (m->min_date != WS_DATE_UNKNOWN && (out->first_date == WS_DATE_UNKNOWN || m->min_date < out->first_date))
                    out->first_date = m->min_date;
                if (m->max_date != WS_DATE_UNKNOWN && (out->last_date == WS_DATE_UNKNOWN || m->max_date > out->last_date))
                    out->last_date = m->max_date;
            }
        }
    }
    return 0;
}

int ws_corpus_verify(const ws_corpus *c, FILE *report)
{
    if (!c || c->magic != CORPUS_MAGIC || c->closed) return ws_error(WS_EINVAL, "ws_corpus_verify: NULL or closed corpus");
    int rc = 0;
    for (size_t i = 0; i < c->nst && !rc; i++) rc = ws_store_verify(c->st[i], report);
    return rc;
}
