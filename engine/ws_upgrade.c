/*
 * wirescan upgrade: rewrite a format 1.x store as 2.0 (docs/FORMAT.md,
 * "Upgrading a 1.x store"). Each segment is copied chunk by chunk into a
 * new segment whose token column is TOKIDS2 (formats/ws_codec.h): the
 * other chunks keep their compressed bytes (their format is unchanged),
 * the token chunk is decoded, re-encoded and compressed as ingest does.
 * Signature files are copied for their new segments. The new files are
 * then committed in one MANIFEST rename (ws_store_commit_upgrade), so a
 * reader or a crash sees the old store or the new one.
 *
 * WS_UPGRADE_KILL_AT=N (tests only) sends the process SIGKILL at the Nth
 * step: after each new segment, after each signature file, and before the
 * commit, so a test can stop it at every point a crash could.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wirescan.h"
#include "ws_codec.h"
#include "ws_columns.h"
#include "ws_mhfile.h"
#include "ws_store.h"
#include "ws_upgrade.h"

static void kill_point(int *step)
{
    const char *at = getenv("WS_UPGRADE_KILL_AT");
    if (at && atoi(at) == ++*step) raise(SIGKILL);
}

/* Segment s rewritten as 2.0 at path; *bytes receives its size. */
static int rewrite_segment(const ws_segment *s, const char *path, uint64_t *bytes)
{
    uint32_t ncols = s->ncols + (s->dateoff_col >= 0);
    uint8_t types[1025];
    const char *names[1025];
    for (uint32_t c = 0; c < ncols; c++) {
        types[c] = c == WS_C_TOKIDS ? (uint8_t)WS_COL_TOKIDS2 : s->cols[c].type;
        names[c] = s->cols[c].name;
    }
    ws_segwriter *w;
    int rc = ws_segwriter_create(path, ncols, types, names, &w);
    if (rc) return rc;
    ws_buf *comp = ws_calloc(ncols, sizeof *comp);
    uint32_t *raw_sizes = ws_calloc(ncols, sizeof *raw_sizes);
    ws_buf raw = {0}, ids = {0}, tok = {0};
    if (!comp || !raw_sizes) rc = WS_ENOMEM;
    for (uint32_t b = 0; !rc && b < s->nblocks; b++) {
        const ws_block_meta *m = &s->blocks[b];
        for (uint32_t c = 0; !rc && c < ncols; c++) {
            /* Read (and check) every chunk; only the token chunk changes. */
            if ((rc = ws_segment_read_chunk(s, b, c, &comp[c], &raw))) break;
            raw_sizes[c] = m->chunks[c].raw_size;
            if (c != WS_C_TOKIDS) continue;
            ids.n = 0;
            if ((rc = ws_buf_reserve(&ids, (size_t)m->ntokens * 4 + 4))) break;
            if ((rc = ws_col_decode_tokids(raw.p, raw.n, m->ntokens, s->dict_terms, (uint32_t *)(void *)ids.p))) {
                rc = ws_error(rc, "%s: block %u column tokens: %s", s->path, b, ws_last_error());
                break;
            }
            tok.n = 0;
            if ((rc = ws_tok2_encode((const uint32_t *)(const void *)ids.p, m->ntokens, &tok))) break;
            if (tok.n > WS_MAX_CHUNK_RAW) { rc = ws_error(WS_ETOOBIG, "%s: block %u: token column over 1 GiB", s->path, b); break; }
            /* level 3, as ingest compresses token chunks */
            comp[c].n = 0;
            if ((rc = ws_zstd_compress(tok.p, tok.n, 3, &comp[c]))) break;
            raw_sizes[c] = (uint32_t)tok.n;
        }
        if (!rc) rc = ws_segwriter_add_block(w, m, comp, raw_sizes);
    }
    for (uint32_t c = 0; !rc && c < ncols; c++)
        if (s->cols[c].type == WS_COL_DICT || s->cols[c].type == WS_COL_MULTI)
            rc = ws_segwriter_set_values(w, c, s->cols[c].values, s->cols[c].nvalues);
    if (!rc) rc = ws_segwriter_finish(w, s->dict_terms, bytes); /* frees w */
    else ws_segwriter_abort(w);
    for (uint32_t c = 0; comp && c < ncols; c++) ws_buf_free(&comp[c]);
    ws_free(comp);
    ws_free(raw_sizes);
    ws_buf_free(&raw);
    ws_buf_free(&ids);
    ws_buf_free(&tok);
    return rc;
}

static void unlink_in(const char *dir, const char *name)
{
    char p[4096];
    if (name && snprintf(p, sizeof p, "%s/%s", dir, name) < (int)sizeof p) unlink(p);
}

int ws_upgrade_store(const char *path, int *upgraded)
{
    if (upgraded) *upgraded = 0;
    int lock = ws_store_lock(path, 0, NULL);
    if (lock < 0) return lock;
    ws_store *st;
    int rc = ws_store_open(path, 0, &st);
    if (!rc && (rc = ws_store_load_index(st))) ws_store_close(st); /* (before segments are replaced) */
    if (rc) {
        close(lock);
        return rc;
    }
    if (st->format >= WS_FORMAT2_VERSION) {
        ws_store_close(st);
        close(lock);
        return 0;
    }
    ws_store_cleanup(st); /* debris of an interrupted writer, an earlier upgrade's included */
    uint32_t n = st->nsegs;
    char **names = ws_calloc(n + 1, sizeof *names), **mh = ws_calloc(n + 1, sizeof *mh);
    uint64_t *bytes = ws_calloc(n + 1, sizeof *bytes), *mh_bytes = ws_calloc(n + 1, sizeof *mh_bytes);
    if (!names || !mh || !bytes || !mh_bytes) rc = WS_ENOMEM;
    int step = 0;
    char p[4096];
    for (uint32_t i = 0; !rc && i < n; i++) {
        /* Every new segment its own generation's name, past the store's. */
        char name[64];
        snprintf(name, sizeof name, "seg-%06llu.wss", (unsigned long long)(st->generation + 1 + i));
        if (!(names[i] = ws_strndup(name, strlen(name)))) { rc = WS_ENOMEM; break; }
        if (snprintf(p, sizeof p, "%s/%s", path, name) >= (int)sizeof p) { rc = ws_error(WS_EINVAL, "%s: path too long", path); break; }
        if ((rc = rewrite_segment(st->segs[i], p, &bytes[i]))) {
            ws_free(names[i]);
            names[i] = NULL;
            break;
        }
        kill_point(&step);
    }
    /* Signature files: the same records, for the new segment's size. */
    for (uint32_t i = 0; !rc && i < n; i++) {
        if (!st->mseg[i].mh) continue;
        char mhname[64];
        ws_store_minhash_name(names[i], mhname, sizeof mhname);
        ws_mhfile_info info;
        uint8_t *rows = NULL;
        ws_buf file = {0};
        if (snprintf(p, sizeof p, "%s/%s", path, st->mseg[i].mh) >= (int)sizeof p) rc = ws_error(WS_EINVAL, "%s: path too long", path);
        if (!rc) rc = ws_mhfile_read(p, st->mseg[i].rows, st->mseg[i].bytes, &info, &rows);
        if (!rc) {
            info.seg_bytes = bytes[i];
            rc = ws_mhfile_encode(&info, rows, &file);
        }
        if (!rc) rc = ws_store_publish(st, mhname, file.p, file.n);
        if (!rc) {
            mh_bytes[i] = file.n;
            if (!(mh[i] = ws_strndup(mhname, strlen(mhname)))) rc = WS_ENOMEM;
        }
        ws_free(rows);
        ws_buf_free(&file);
        if (!rc) kill_point(&step);
    }
    if (!rc) {
        kill_point(&step);
        rc = ws_store_commit_upgrade(st, names, bytes, mh, mh_bytes);
        if (!rc && upgraded) *upgraded = 1;
    }
    if (rc) /* nothing listed them: the store is as it was */
        for (uint32_t i = 0; i < n && names; i++) {
            unlink_in(path, names[i]);
            if (mh) unlink_in(path, mh[i]);
        }
    for (uint32_t i = 0; i < n; i++) {
        if (names) ws_free(names[i]);
        if (mh) ws_free(mh[i]);
    }
    ws_free(names);
    ws_free(mh);
    ws_free(bytes);
    ws_free(mh_bytes);
    ws_store_close(st);
    close(lock);
    return rc;
}
