/*
 * Scan engine (see ws_scan.h). Determinism: every thread accumulates
 * integer counts; states merge in thread order; kernels sort their output
 * with ties broken by term. The first error, in block order, wins, so even
 * a failing run reports the same thing for any thread count.
 */
#include "ws_scan.h"

#include <omp.h>
#include <stdio.h>

typedef struct task {
    const ws_segment *seg;
    uint32_t block;
} task;

static int block_may_match(const ws_segment *s, const ws_block_meta *m, const ws_filter *f, const uint32_t *src_idx,
                           size_t nsrc)
{
    if (f->from != WS_DATE_UNKNOWN || f->to != WS_DATE_UNKNOWN) {
        if (m->undated == m->nrows) return 0;
        if (f->from != WS_DATE_UNKNOWN && m->max_date < f->from) return 0;
        if (f->to != WS_DATE_UNKNOWN && m->min_date > f->to) return 0;
    }
    if (f->nsources) {
        (void)s;
        for (size_t i = 0; i < nsrc; i++)
            for (uint32_t j = 0; j < m->nsources; j++)
                if (m->sources[j] == src_idx[i]) return 1;
        return 0;
    }
    return 1;
}

int ws_scan(const ws_store *st, const ws_kernel *k, ws_query *q, const ws_scan_opts *o, ws_buf *out,
            ws_scan_stats *stats)
{
    const ws_filter *f = &o->filter;
    ws_scan_stats local = {0};
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    int nt = o->threads > 0 ? o->threads : omp_get_num_procs();
    uint64_t total = 0;
    for (uint32_t i = 0; i < st->nsegs; i++) total += st->segs[i]->nblocks;
    stats->blocks_total = total;
    task *tasks = ws_malloc((size_t)(total + 1) * sizeof *tasks);
    uint32_t *src_idx = ws_malloc((f->nsources + 1) * sizeof *src_idx);
    void **states = ws_calloc((size_t)nt, sizeof *states);
    ws_block *blocks = ws_calloc((size_t)nt, sizeof *blocks);
    ws_buf *sel = ws_calloc((size_t)nt, sizeof *sel);
    int *err = ws_calloc((size_t)nt, sizeof *err);
    uint64_t *err_task = ws_calloc((size_t)nt, sizeof *err_task);
    char (*err_msg)[512] = ws_calloc((size_t)nt, sizeof *err_msg);
    uint64_t *rows = ws_calloc((size_t)nt, sizeof *rows);
    int rc = (tasks && src_idx && states && blocks && sel && err && err_task && err_msg && rows) ? 0 : WS_ENOMEM;
    size_t ntasks = 0;
    for (uint32_t i = 0; i < st->nsegs && !rc; i++) {
        const ws_segment *s = st->segs[i];
        const ws_column_desc *sc = &s->cols[WS_C_SOURCE];
        size_t nsrc = 0;
        for (size_t a = 0; a < f->nsources; a++)
            for (uint32_t v = 0; v < sc->nvalues; v++)
                if (ws_str_eq(sc->values[v], ws_str_make(f->sources[a], strlen(f->sources[a])))) src_idx[nsrc++] = v;
        for (uint32_t b = 0; b < s->nblocks; b++)
            if (block_may_match(s, &s->blocks[b], f, src_idx, nsrc)) tasks[ntasks++] = (task){s, b};
    }
    stats->blocks_scanned = ntasks;
    for (int t = 0; t < nt && !rc; t++)
        if (!(states[t] = k->init(q))) rc = ws_error(WS_ENOMEM, "out of memory for per-thread %s state", k->name);
    uint64_t mask = k->columns;
    if (f->from != WS_DATE_UNKNOWN || f->to != WS_DATE_UNKNOWN) mask |= WS_COLBIT(WS_C_DATE);
    if (f->nsources) mask |= WS_COLBIT(WS_C_SOURCE);
    if (!rc) {
#pragma omp parallel num_threads(nt)
        {
            int t = omp_get_thread_num();
            ws_block *b = &blocks[t];
#pragma omp for schedule(dynamic, 1)
            for (size_t i = 0; i < ntasks; i++) {
                if (err[t]) continue;
                int r = ws_block_load(b, &st->dict, tasks[i].seg, tasks[i].block, mask);
                if (!r) r = ws_buf_reserve(&sel[t], b->nrows);
                if (!r) {
                    uint8_t *sl = sel[t].p;
                    const ws_column_desc *sc = &tasks[i].seg->cols[WS_C_SOURCE];
                    for (uint32_t row = 0; row < b->nrows; row++) {
                        int keep = 1;
                        if (mask & WS_COLBIT(WS_C_DATE) && (f->from != WS_DATE_UNKNOWN || f->to != WS_DATE_UNKNOWN)) {
                            int64_t d = b->dates[row];
                            keep = d != WS_DATE_UNKNOWN && (f->from == WS_DATE_UNKNOWN || d >= f->from) &&
                                   (f->to == WS_DATE_UNKNOWN || d <= f->to);
                        }
                        if (keep && f->nsources) {
                            ws_str v = sc->values[b->source[row]];
                            keep = 0;
                            for (size_t a = 0; a < f->nsources && !keep; a++)
                                keep = ws_str_eq(v, ws_str_make(f->sources[a], strlen(f->sources[a])));
                        }
                        sl[row] = (uint8_t)keep;
                        rows[t] += (uint64_t)keep;
                    }
                    r = k->consume(states[t], q, b, sl);
                }
                if (r) {
                    err[t] = r;
                    err_task[t] = i;
                    snprintf(err_msg[t], sizeof err_msg[t], "%s", ws_last_error());
                }
            }
        }
        /* The error of the earliest block wins. */
        int first = -1;
        for (int t = 0; t < nt; t++)
            if (err[t] && (first < 0 || err_task[t] < err_task[first])) first = t;
        if (first >= 0) rc = ws_error(err[first], "%s", err_msg[first]);
    }
    for (int t = 0; t < nt; t++) stats->stories += rows ? rows[t] : 0;
    q->nstories = stats->stories;
    for (int t = 1; t < nt && !rc; t++) rc = k->merge(states[0], states[t], q);
    if (!rc) rc = k->finish(states[0], q, out);
    for (int t = 0; t < nt; t++) {
        if (states && states[t]) k->free(states[t]);
        if (blocks) ws_block_free(&blocks[t]);
        if (sel) ws_buf_free(&sel[t]);
    }
    ws_free(tasks);
    ws_free(src_idx);
    ws_free(states);
    ws_free(blocks);
    ws_free(sel);
    ws_free(err);
    ws_free(err_task);
    ws_free(err_msg);
    ws_free(rows);
    return rc;
}
