/*
 * Jobs (include/wirescan.h: ws_job): several requests run together, those
 * that can share a scan served by one pass over their corpus.
 *
 * A job first prepares every request (ws_run_begin: filters,
 * normalisation, grouping, the kernel's prepare hook), so that anything a
 * request can refuse is refused before a block is read. It then groups
 * the shareable requests (ws_scan_shareable: one pass, rows not in store
 * order) by corpus; a group of two or more runs as one ws_scan_shared,
 * where each block is read and decoded once and every request filters,
 * normalises (its own remap of the decoded dictionary ids) and counts it
 * with its own state. Everything else (a lone request, topics, kwic, dtm)
 * then runs alone, in the order added, as ws_request_stream would. The
 * requests of a group share one thread count (the job's, or the largest
 * they ask for), which cannot change their results: output is the same
 * for any thread count.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ws_run.h"

#define JOB_MAGIC 0x77736a6f62212121ull /* "wsjob!!!" */

typedef struct job_item {
    ws_request *q;
    ws_batch_fn fn;
    void *ctx;
    ws_run *run; /* between prepare and the end of its run */
    int rc;
    char msg[512];
    int shared; /* in a group of two or more */
    int group;  /* group number (shareable items over one corpus), or -1 */
    uint64_t grouped; /* blocks its kernel work was shared on (ws_scan_item.grouped) */
} job_item;

struct ws_job {
    uint64_t magic;
    job_item *items;
    size_t n, cap;
    int threads;
    ws_progress_fn progress;
    void *progress_ctx;
    int cancel; /* read and written atomically */
    int prepared, ran;
    int prep_rc;
    size_t prep_failed;
    uint32_t step, steps;
};

static int check_job(const ws_job *j, const char *fn)
{
    if (!j) return ws_error(WS_EINVAL, "%s: NULL job", fn);
    if (j->magic != JOB_MAGIC) return ws_error(WS_EINVAL, "%s: not a live job (freed?)", fn);
    return 0;
}

int ws_job_create(ws_job **out)
{
    if (!out) return ws_error(WS_EINVAL, "ws_job_create: NULL out");
    *out = NULL;
    ws_job *j = ws_calloc(1, sizeof *j);
    if (!j) return ws_error(WS_ENOMEM, "out of memory");
    j->magic = JOB_MAGIC;
    *out = j;
    return 0;
}

void ws_job_free(ws_job *j)
{
    if (!j || j->magic != JOB_MAGIC) return;
    /* Prepared and never run: release what the requests hold. */
    for (size_t i = 0; i < j->n; i++) ws_run_end(j->items[i].run, WS_ECANCELED);
    ws_free(j->items);
    j->magic = 0;
    ws_free(j);
}

int ws_job_add(ws_job *j, ws_request *q, ws_batch_fn fn, void *ctx)
{
    int rc = check_job(j, "ws_job_add");
    if (rc) return rc;
    if (!q || !fn) return ws_error(WS_EINVAL, "ws_job_add: NULL request or callback");
    if (j->prepared || j->ran) return ws_error(WS_EINVAL, "ws_job_add: the job was prepared or has run");
    if (!ws_request_kernel(q)) return ws_error(WS_EINVAL, "ws_job_add: not a live request");
    for (size_t i = 0; i < j->n; i++)
        if (j->items[i].q == q) return ws_error(WS_EEXIST, "ws_job_add: request already in the job (number %zu)", i);
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 8;
        job_item *it = ws_realloc(j->items, cap * sizeof *it);
        if (!it) return ws_error(WS_ENOMEM, "out of memory");
        j->items = it;
        j->cap = cap;
    }
    job_item *it = &j->items[j->n++];
    memset(it, 0, sizeof *it);
    it->q = q;
    it->fn = fn;
    it->ctx = ctx;
    it->group = -1;
    return 0;
}

int ws_job_set_threads(ws_job *j, int threads)
{
    int rc = check_job(j, "ws_job_set_threads");
    if (rc) return rc;
    if (threads < 0 || threads > WS_MAX_THREADS)
        return ws_error(WS_EINVAL, "ws_job_set_threads: %d is not in [0, %d]", threads, WS_MAX_THREADS);
    j->threads = threads;
    return 0;
}

int ws_job_on_progress(ws_job *j, ws_progress_fn fn, void *ctx)
{
    int rc = check_job(j, "ws_job_on_progress");
    if (rc) return rc;
    j->progress = fn;
    j->progress_ctx = ctx;
    return 0;
}

int ws_job_step(const ws_job *j, uint32_t *step, uint32_t *steps)
{
    int rc = check_job(j, "ws_job_step");
    if (rc) return rc;
    if (step) *step = __atomic_load_n(&j->step, __ATOMIC_RELAXED);
    if (steps) *steps = j->steps;
    return 0;
}

int ws_job_cancel(ws_job *j)
{
    /* No ws_error here: this may run in a signal handler. */
    if (!j || j->magic != JOB_MAGIC) return WS_EINVAL;
    __atomic_store_n(&j->cancel, 1, __ATOMIC_RELAXED);
    for (size_t i = 0; i < j->n; i++) __atomic_store_n(ws_request_cancel_flag(j->items[i].q), 1, __ATOMIC_RELAXED);
    return 0;
}

int ws_job_status(const ws_job *j, size_t i, const char **detail, int *shared)
{
    int rc = check_job(j, "ws_job_status");
    if (rc) return rc;
    if (i >= j->n) return WS_ENOENT;
    if (detail) *detail = j->items[i].msg;
    if (shared) *shared = j->items[i].shared;
    return j->items[i].rc;
}

int ws_job_grouped(const ws_job *j, size_t i, uint64_t *blocks)
{
    int rc = check_job(j, "ws_job_grouped");
    if (rc) return rc;
    if (i >= j->n) return WS_ENOENT;
    if (blocks) *blocks = j->items[i].grouped;
    return 0;
}

static void job_progress(void *ctx, const ws_progress *p)
{
    ws_job *j = ctx;
    if (j->progress) j->progress(j->progress_ctx, p);
}

static void item_set(job_item *it, int rc, const char *msg)
{
    it->rc = rc;
    snprintf(it->msg, sizeof it->msg, "%s", rc && msg && msg[0] ? msg : rc ? ws_strerror(rc) : "");
}

/* The thread count request q asks for (0: all cores), resolved. */
static int request_threads(const ws_request *q)
{
    char buf[32];
    int n = ws_request_get(q, "threads", 0, buf, sizeof buf, NULL) == 1 ? atoi(buf) : 0;
    return ws_threads_resolve(n);
}

int ws_job_prepare(ws_job *j, size_t *failed)
{
    if (failed) *failed = SIZE_MAX;
    int rc = check_job(j, "ws_job_prepare");
    if (rc) return rc;
    if (j->prepared) {
        if (failed && j->prep_rc) *failed = j->prep_failed;
        return j->prep_rc ? ws_error(j->prep_rc, "%s", j->items[j->prep_failed].msg) : 0;
    }
    if (!j->n) return ws_error(WS_EINVAL, "ws_job_prepare: the job has no request");
    j->prepared = 1;
    /* Groups: the shareable requests over one corpus, numbered in order of
     * their first request. */
    int ngroups = 0;
    for (size_t i = 0; i < j->n; i++) {
        job_item *it = &j->items[i];
        if (!ws_request_shareable(it->q) || it->group >= 0) continue;
        it->group = ngroups++;
        for (size_t k = i + 1; k < j->n; k++) {
            job_item *o = &j->items[k];
            if (o->group < 0 && ws_request_shareable(o->q) && ws_request_over_same(o->q, it->q))
                o->group = it->group;
        }
    }
    j->steps = 0;
    for (int g = 0; g < ngroups; g++) {
        size_t m = 0;
        for (size_t i = 0; i < j->n; i++) m += j->items[i].group == g;
        for (size_t i = 0; i < j->n; i++)
            if (j->items[i].group == g) j->items[i].shared = m > 1;
        j->steps += m > 1;
    }
    for (size_t i = 0; i < j->n; i++) j->steps += !j->items[i].shared;
    /* Prepare each request; a shared group's with the group's threads and
     * columns (its scan decodes the union). */
    for (size_t i = 0; i < j->n && !rc; i++) {
        job_item *it = &j->items[i];
        int threads = j->threads;
        uint64_t columns = 0;
        if (it->shared) {
            int most = 0;
            for (size_t k = 0; k < j->n; k++) {
                if (j->items[k].group != it->group) continue;
                int t = request_threads(j->items[k].q);
                most = t > most ? t : most;
                columns |= ws_request_kernel(j->items[k].q)->columns;
            }
            if (!threads) threads = most;
        }
        ws_error_clear();
        rc = ws_run_begin(it->q, it->fn, it->ctx, threads, columns, j->progress ? job_progress : NULL, j, &it->run);
        if (rc) {
            item_set(it, rc, ws_last_error());
            j->prep_rc = rc;
            j->prep_failed = i;
        }
    }
    if (!rc) return 0;
    /* Nothing runs: release the requests prepared so far. */
    for (size_t i = 0; i < j->n; i++) {
        job_item *it = &j->items[i];
        if (i == j->prep_failed) continue;
        ws_run_end(it->run, WS_ECANCELED);
        it->run = NULL;
        char msg[128];
        snprintf(msg, sizeof msg, "not run: request %zu failed before the job ran", j->prep_failed);
        item_set(it, WS_ECANCELED, msg);
    }
    if (failed) *failed = j->prep_failed;
    return ws_error(rc, "%s", j->items[j->prep_failed].msg);
}

/* End item it's run with status rc (message msg when failed). */
static void item_end(job_item *it, int rc, const char *msg)
{
    char saved[512];
    snprintf(saved, sizeof saved, "%s", msg ? msg : "");
    if (rc) ws_error(rc, "%s", saved);
    else ws_error_clear();
    int r = ws_run_end(it->run, rc);
    it->run = NULL;
    item_set(it, r, r == rc && rc ? saved : ws_last_error());
}

int ws_job_run(ws_job *j, size_t *failed)
{
    if (failed) *failed = SIZE_MAX;
    int rc = check_job(j, "ws_job_run");
    if (rc) return rc;
    if (j->ran) return ws_error(WS_EINVAL, "ws_job_run: the job has run (a job runs once)");
    if ((rc = ws_job_prepare(j, failed))) return rc;
    j->ran = 1;
    int ngroups = 0;
    for (size_t i = 0; i < j->n; i++) ngroups = j->items[i].group >= ngroups ? j->items[i].group + 1 : ngroups;
    ws_scan_item *si = ws_calloc(j->n, sizeof *si);
    size_t *idx = ws_calloc(j->n, sizeof *idx);
    if (!si || !idx) {
        ws_free(si);
        ws_free(idx);
        for (size_t i = 0; i < j->n; i++) item_end(&j->items[i], WS_ENOMEM, "out of memory");
        if (failed) *failed = 0;
        return ws_error(WS_ENOMEM, "out of memory");
    }
    /* The shared scans first. */
    for (int g = 0; g < ngroups; g++) {
        size_t m = 0;
        for (size_t i = 0; i < j->n; i++)
            if (j->items[i].group == g && j->items[i].shared) idx[m++] = i;
        if (!m) continue;
        __atomic_add_fetch(&j->step, 1, __ATOMIC_RELAXED);
        int threads = 1;
        for (size_t k = 0; k < m; k++) {
            ws_run_item(j->items[idx[k]].run, &si[k]);
            int t = ws_run_opts(j->items[idx[k]].run)->threads;
            threads = t > threads ? t : threads;
        }
        ws_scan_opts o;
        memset(&o, 0, sizeof o);
        o.threads = threads;
        o.progress = j->progress ? job_progress : NULL;
        o.progress_ctx = j;
        o.cancel = &j->cancel;
        /* across the ranks the group's requests share (ws_request_over_same) */
        o.dist = ws_run_opts(j->items[idx[0]].run)->dist;
        size_t nst;
        const ws_store *const *st = ws_run_stores(j->items[idx[0]].run, &nst);
        ws_error_clear();
        int r = ws_scan_shared(st, nst, si, m, &o);
        for (size_t k = 0; k < m; k++) {
            job_item *it = &j->items[idx[k]];
            *ws_run_stats(it->run) = si[k].stats;
            it->grouped = si[k].grouped;
            item_end(it, r && !si[k].rc ? r : si[k].rc, si[k].rc ? si[k].msg : ws_last_error());
        }
    }
    /* Then the requests that run alone, in the order added. */
    for (size_t i = 0; i < j->n; i++) {
        job_item *it = &j->items[i];
        if (!it->run) continue;
        __atomic_add_fetch(&j->step, 1, __ATOMIC_RELAXED);
        if (__atomic_load_n(&j->cancel, __ATOMIC_RELAXED)) {
            item_end(it, WS_ECANCELED, "cancelled");
            continue;
        }
        ws_error_clear();
        int r = ws_run_scan(it->run);
        item_end(it, r, ws_last_error());
    }
    ws_free(si);
    ws_free(idx);
    for (size_t i = 0; i < j->n; i++)
        if (j->items[i].rc) {
            if (failed) *failed = i;
            return ws_error(j->items[i].rc, "%s", j->items[i].msg);
        }
    ws_error_clear();
    return 0;
}
