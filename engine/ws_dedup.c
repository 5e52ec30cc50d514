/*
 * Signatures kept in the store, and --dedup (ws_dedup.h). Both run the
 * dedup kernel through the ordinary scan: SIGN mode over the segments that
 * lack a signature file (so an append signs only its new stories), MASK
 * mode over the query's filtered stories.
 */
#include "ws_dedup.h"

#include <stdio.h>
#include <unistd.h>

#include "ws_mhfile.h"

static const ws_mh_params default_key = {WS_MH_DEFAULT_PERM, WS_MH_DEFAULT_SHINGLE, WS_MH_DEFAULT_SEED, 0};

int ws_dedup_load(const ws_store *st, uint32_t i, const ws_mh_params *key, uint8_t **rows)
{
    *rows = NULL;
    const ws_manifest_seg *m = &st->mseg[i];
    if (!m->mh) return 0;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", st->dir, m->mh) >= (int)sizeof path)
        return ws_error(WS_EINVAL, "%s: path too long", st->dir);
    ws_mhfile_info info;
    uint8_t *r;
    int rc = ws_mhfile_read(path, st->segs[i]->nrows, st->segs[i]->size, &info, &r);
    if (rc) return rc;
    if (info.perm != key->perm || info.shingle != key->shingle || info.seed != key->seed || info.field != key->field ||
        info.norm != 0) {
        ws_free(r);
        return 0;
    }
    *rows = r;
    return 0;
}

/* The default normalisation (case folding) over one dictionary. */
static int default_norm(const ws_store *st, ws_norm *n)
{
    ws_norm_opts no;
    memset(&no, 0, sizeof no);
    return ws_norm_build(n, &st->dict, &no);
}

static int sign_segments(ws_store *w, int threads, const int *cancel, uint32_t *added)
{
    /* A view of the store holding only the segments to sign. */
    ws_store view = *w;
    ws_segment **segs = ws_calloc((size_t)w->nsegs + 1, sizeof *segs);
    uint32_t *which = ws_calloc((size_t)w->nsegs + 1, sizeof *which);
    if (!segs || !which) {
        ws_free(segs);
        ws_free(which);
        return WS_ENOMEM;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < w->nsegs; i++)
        if (!w->mseg[i].mh) which[n] = i, segs[n++] = w->segs[i];
    view.segs = segs;
    view.nsegs = n;
    /* the store's term index covers every segment, not the view's */
    view.index_name = NULL;
    view.tidx = NULL;
    view.tidx_fd = 0;
    int rc = 0;
    ws_norm norm;
    memset(&norm, 0, sizeof norm);
    ws_dd_plan *pl = NULL;
    ws_buf file = {0};
    uint32_t published = 0;
    if (!n) goto out;
    if ((rc = default_norm(w, &norm))) goto out;
    const ws_store *stores[1] = {&view};
    ws_plan plan;
    memset(&plan, 0, sizeof plan);
    plan.stores = stores;
    plan.nstores = 1;
    plan.norm = &norm;
    plan.threads = threads;
    if ((rc = ws_dd_setup(&plan, WS_DD_SIGN, &default_key, 1.0, 0, 0, &pl))) goto out;
    ws_query q;
    memset(&q, 0, sizeof q);
    q.norm = &norm;
    q.ext = pl;
    ws_scan_opts so;
    memset(&so, 0, sizeof so);
    so.threads = threads;
    ws_filter_init(&so.filter);
    so.cancel = cancel;
    ws_table t;
    ws_table_init(&t);
    ws_scan_stats stats;
    rc = ws_scan(&view, &ws_kernel_dedup, &q, &so, &t, &stats);
    ws_table_free(&t);
    if (rc) goto out;
    size_t rb = ws_mh_row_bytes(default_key.perm);
    for (uint32_t k = 0; k < n && !rc; k++) {
        uint32_t i = which[k];
        ws_mhfile_info info = {default_key.perm, default_key.shingle, default_key.field, 0, default_key.seed,
                               w->segs[i]->nrows, w->segs[i]->size};
        char name[300];
        ws_store_minhash_name(w->mseg[i].name, name, sizeof name);
        if (!(rc = ws_mhfile_encode(&info, pl->rows + pl->segs[k].base * rb, &file)) &&
            !(rc = ws_store_publish(w, name, file.p, file.n))) {
            if (!(w->mseg[i].mh = ws_strndup(name, strlen(name)))) rc = WS_ENOMEM;
            w->mseg[i].mh_bytes = file.n;
            published = k + 1;
        }
    }
    if (!rc) rc = ws_store_commit_minhash(w);
    if (rc) {
        /* Nothing was published: remove the new files. */
        for (uint32_t k = 0; k < published; k++) {
            uint32_t i = which[k];
            char path[4096];
            if (w->mseg[i].mh && snprintf(path, sizeof path, "%s/%s", w->dir, w->mseg[i].mh) < (int)sizeof path) unlink(path);
            ws_free(w->mseg[i].mh);
            w->mseg[i].mh = NULL;
        }
    } else if (added) {
        *added = n;
    }
out:
    ws_buf_free(&file);
    ws_dd_release(pl);
    ws_norm_free(&norm);
    ws_free(segs);
    ws_free(which);
    return rc;
}

int ws_dedup_sign_locked(const char *dir, int threads, const int *cancel, uint32_t *added, ws_store **out)
{
    if (added) *added = 0;
    *out = NULL;
    ws_store *w = NULL;
    int rc = ws_store_open(dir, 0, &w);
    if (!rc) {
        ws_store_cleanup(w);
        rc = sign_segments(w, threads, cancel, added);
    }
    if (rc && rc != WS_ENOMEM && rc != WS_ECANCELED && rc != WS_ECORRUPT)
        rc = ws_error(rc, "%s: cannot add MinHash signatures: %s", dir, ws_last_error());
    if (rc) ws_store_close(w);
    else *out = w;
    return rc;
}

int ws_dedup_sign_store(ws_store *st, int threads, const int *cancel, uint32_t *added)
{
    if (added) *added = 0;
    uint32_t missing = 0;
    for (uint32_t i = 0; i < st->nsegs; i++) missing += !st->mseg[i].mh;
    if (!missing) return 0;
    int lock = ws_store_lock(st->dir, 1, NULL);
    if (lock < 0)
        return ws_error(WS_EIO, "%s: %u segment(s) have no MinHash signatures and the store cannot be written (%s); "
                                "run 'wirescan dedup --save %s' where it can be", st->dir, missing, ws_last_error(), st->dir);
    ws_store *w = NULL;
    int rc = ws_dedup_sign_locked(st->dir, threads, cancel, added, &w);
    /* The open corpus learns of the files (segments are matched by name:
     * a commit in between may have added segments, never changed one). */
    for (uint32_t i = 0; !rc && i < st->nsegs; i++)
        for (uint32_t j = 0; j < w->nsegs; j++)
            if (!st->mseg[i].mh && w->mseg[j].mh && !strcmp(st->mseg[i].name, w->mseg[j].name)) {
                if (!(st->mseg[i].mh = ws_strndup(w->mseg[j].mh, strlen(w->mseg[j].mh)))) rc = WS_ENOMEM;
                st->mseg[i].mh_bytes = w->mseg[j].mh_bytes;
            }
    ws_store_close(w);
    close(lock);
    return rc;
}

int ws_dedup_mask(const ws_plan *plan, const ws_filter *filter, double threshold, const int *cancel, uint64_t **keep)
{
    *keep = NULL;
    ws_dd_plan *pl = NULL;
    int rc = ws_dd_setup(plan, WS_DD_MASK, &default_key, threshold, 7, 1, &pl);
    if (rc) return rc;
    for (uint32_t i = 0; i < pl->nsegs && !rc; i++)
        if (!pl->segs[i].stored) rc = ws_error(WS_EINTERNAL, "--dedup: a segment without stored signatures");
    ws_query q;
    memset(&q, 0, sizeof q);
    q.norm = plan->norm;
    q.ext = pl;
    ws_scan_opts so;
    memset(&so, 0, sizeof so);
    so.threads = plan->threads;
    so.filter = *filter;
    so.cancel = cancel;
    ws_table t;
    ws_table_init(&t);
    ws_scan_stats stats;
    if (!rc) rc = ws_scan_multi(plan->stores, plan->nstores, &ws_kernel_dedup, &q, &so, &t, &stats);
    ws_table_free(&t);
    if (!rc) {
        *keep = pl->keep;
        pl->keep = NULL;
        ws_plan_note(plan, "--dedup: %llu of %llu stories are copies of an earlier one and count once",
                     (unsigned long long)pl->copies, (unsigned long long)pl->nseen);
    }
    ws_dd_release(pl);
    return rc;
}
