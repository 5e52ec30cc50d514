/*
 * Several kernels over one scan (ws_scan.h: ws_scan_shared), for jobs
 * (ws_job.c): every block is read and decoded once for all items, each
 * item selects its rows with its own filters and feeds its own per-thread
 * states.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "ws_scan.h"
#include "ws_scan_int.h"

/* What the shared scan keeps per item: its compiled filters. */
typedef struct shared_item {
    uint32_t nf;
    int subsets;
    cfilter *cf;
    sfilter *sf; /* nseg * nf */
    int live;    /* compiled and not failed before the scan */
    int coll;    /* across ranks: compiled on every rank alike, so it takes part in the merge's collectives */
    int remote;  /* across ranks, on a rank other than 0: merged over the ranks; rank 0 finishes it */
    size_t from; /* ws_kernel.adopt: the item whose merged state it takes (consumes nothing); else SIZE_MAX */
    int merged;  /* its states merged without error (before finish) */
} shared_item;

static void item_fail(ws_scan_item *it, int rc, const char *msg)
{
    if (it->rc) return;
    it->rc = rc;
    snprintf(it->msg, sizeof it->msg, "%s", msg && msg[0] ? msg : ws_strerror(rc));
}

/* Rows of block b that item x selects (as ws_scan_multi's SCAN_TASK does):
 * sel bits into sl, returns how many rows have a bit. */
static uint64_t shared_select(const shared_item *x, size_t segi, const ws_scan_opts *io, const ws_block *b, uint8_t *sl)
{
    const cfilter *c = x->cf;
    const sfilter *f = &x->sf[segi * x->nf];
    uint64_t n = 0;
    for (uint32_t row = 0; row < b->nrows; row++) {
        unsigned bits = ws_sc_row_match(&c[0], &f[0], b, row);
        if (bits && x->subsets) {
            bits = 0;
            for (uint32_t j = 1; j < x->nf; j++)
                if (!f[j].never && ws_sc_row_match(&c[j], &f[j], b, row)) bits |= 1u << (j - 1);
            if (io->rest && !bits) bits = 1u << io->nsubsets;
        }
        sl[row] = (uint8_t)bits;
        n += bits != 0;
    }
    return n;
}

/* 1 when normalisations a and b (views of one store's dictionary) remap
 * every id alike into vocabularies of one size: a kernel's consume then
 * sees the same normalised ids under both. */
/* 1 when an item's scan options select every story, with no subsets. */
static int opts_plain(const ws_scan_opts *o)
{
    return ws_filter_is_empty(&o->filter) && !o->nsubsets && !o->rest && !o->keep;
}

/* An item with subsets that may adopt a time-grouped item's counts: no
 * plain filter, no --dedup, every story selected (the rest), and subsets
 * of dates alone. */
static int opts_date_subsets(const ws_scan_opts *o)
{
    if (!ws_filter_is_empty(&o->filter) || o->keep || !o->nsubsets || !o->rest) return 0;
    for (uint32_t i = 0; i < o->nsubsets; i++) {
        const ws_filter *f = &o->subsets[i];
        if (f->nsources || f->nwhere || f->ncontaining) return 0;
    }
    return 1;
}

/* 1 when every subset's date bounds fall on edges of time buckets by: a
 * bucket is then wholly in a subset or wholly out of it. */
static int subsets_on_edges(const ws_scan_opts *o, ws_by by)
{
    if (by < WS_BY_DAY || by > WS_BY_YEAR) return 0;
    for (uint32_t i = 0; i < o->nsubsets; i++) {
        const ws_filter *f = &o->subsets[i];
        if (f->from != WS_DATE_UNKNOWN && (f->from <= INT64_MIN + 1 || ws_time_group(by, f->from - 1) == ws_time_group(by, f->from)))
            return 0;
        if (f->to != WS_DATE_UNKNOWN && (f->to >= INT64_MAX - 1 || ws_time_group(by, f->to) == ws_time_group(by, f->to + 1)))
            return 0;
    }
    return 1;
}

/* ws_query.group_sel for an adopting item with date subsets: the bits
 * shared_select gives each story of time bucket (group) g. */
typedef struct group_sel_ctx {
    const ws_scan_opts *o;
    ws_by by;
} group_sel_ctx;

static unsigned group_sel(const void *ctx, uint32_t g)
{
    const group_sel_ctx *c = ctx;
    const ws_scan_opts *o = c->o;
    unsigned bits = 0;
    for (uint32_t i = 0; i < o->nsubsets; i++) {
        const ws_filter *f = &o->subsets[i];
        int in = 1; /* no bound: every story, undated ones too */
        if (f->from != WS_DATE_UNKNOWN || f->to != WS_DATE_UNKNOWN)
            in = g != WS_GROUP_NONE && (f->from == WS_DATE_UNKNOWN || g >= ws_time_group(c->by, f->from)) &&
                 (f->to == WS_DATE_UNKNOWN || g <= ws_time_group(c->by, f->to));
        bits |= (unsigned)in << i;
    }
    if (o->rest && !bits) bits = 1u << o->nsubsets;
    return bits;
}

static int norm_same(const ws_norm *a, const ws_norm *b)
{
    if (a == b) return 1;
    if (a->nsrc != b->nsrc || a->terms.nterms != b->terms.nterms) return 0;
    size_t bytes = (size_t)a->nsrc * sizeof *a->map;
    return !memcmp(a->map, b->map, bytes) && !memcmp(a->key, b->key, bytes) && !memcmp(a->sink, b->sink, bytes);
}

int ws_scan_shared(const ws_store *const *st, size_t nst, ws_scan_item *items, size_t n, const ws_scan_opts *o)
{
    for (size_t j = 0; j < n; j++) {
        memset(&items[j].stats, 0, sizeof items[j].stats);
        items[j].rc = 0;
        items[j].grouped = 0;
        items[j].msg[0] = 0;
        if (!ws_scan_shareable(items[j].k))
            return ws_error(WS_EINVAL, "kernel %s cannot share a scan (it runs alone)", items[j].k->name);
    }
    if (!n) return 0;
    const ws_dist *dist = o->dist && o->dist->size > 1 ? o->dist : NULL;
    int nt = ws_threads_resolve(o->threads);
    uint64_t total = 0;
    size_t nseg = 0;
    for (size_t s = 0; s < nst; s++) {
        nseg += st[s]->nsegs;
        for (uint32_t i = 0; i < st[s]->nsegs; i++) total += st[s]->segs[i]->nblocks;
    }
    shared_item *xs = ws_calloc(n, sizeof *xs);
    uint64_t *segmask = ws_calloc(nseg + 1, sizeof *segmask);
    task *tasks = ws_malloc((size_t)(total + 1) * sizeof *tasks);
    uint8_t *want = ws_calloc((size_t)(total + 1) * n, 1); /* task i, item j: want[i * n + j] */
    ws_norm *views = ws_calloc(nst * n + 1, sizeof *views);
    ws_query *qs = ws_calloc(nst * n + 1, sizeof *qs);     /* store s, item j: qs[s * n + j] */
    int rc = xs && segmask && tasks && want && views && qs ? 0 : ws_error(WS_ENOMEM, "out of memory");
    /* Each item's filters, compiled as ws_scan_multi compiles them; an item
     * whose filters cannot be applied fails alone. */
    for (size_t j = 0; j < n && !rc; j++) {
        ws_scan_item *it = &items[j];
        shared_item *x = &xs[j];
        const ws_scan_opts *io = it->o;
        if (io->nsubsets > WS_SCAN_MAX_SUBSETS) {
            item_fail(it, ws_error(WS_EINVAL, "at most %d subsets in one scan", WS_SCAN_MAX_SUBSETS), ws_last_error());
            continue;
        }
        if (it->q->norm->ndicts != nst) {
            item_fail(it, WS_EINVAL, "the normalisation covers another number of dictionaries than the scan has stores");
            continue;
        }
        if (dist && (!it->k->pack || !it->k->unpack || (it->k->exchange && (!dist->alltoall || !dist->max_int)))) {
            char m[160];
            snprintf(m, sizeof m, "%s does not run across MPI ranks yet: run it in one process over the same stores", it->k->name);
            item_fail(it, WS_EINVAL, m);
            continue;
        }
        x->nf = 1 + io->nsubsets;
        x->subsets = io->nsubsets > 0 || io->rest;
        x->cf = ws_calloc(x->nf, sizeof *x->cf);
        x->sf = ws_calloc((size_t)x->nf * nseg + 1, sizeof *x->sf);
        if (!x->cf || !x->sf) {
            rc = ws_error(WS_ENOMEM, "out of memory");
            break;
        }
        int r = 0;
        for (size_t s = 0; s < nst && !r; s++)
            if (it->q->norm->dicts[s].nsrc != st[s]->dict.nterms)
                r = ws_error(WS_EINVAL, "the normalisation was built for another dictionary than %s's", st[s]->dir);
        for (uint32_t i = 0; i < x->nf && !r; i++)
            r = ws_sc_compile_filter(&x->cf[i], i ? &io->subsets[i - 1] : &io->filter, st, nst, it->q->norm);
        for (size_t s = 0, g = 0; s < nst && !r; s++)
            for (uint32_t si = 0; si < st[s]->nsegs && !r; si++, g++)
                for (uint32_t i = 0; i < x->nf && !r; i++) r = ws_sc_compile_segment(&x->sf[g * x->nf + i], &x->cf[i], st[s]->segs[si], s);
        if (r == WS_ENOMEM) rc = r;
        else if (r) item_fail(it, r, ws_last_error());
        else x->live = x->coll = 1;
        for (size_t s = 0; s < nst; s++) {
            views[s * n + j] = ws_norm_view(it->q->norm, (uint32_t)s);
            qs[s * n + j] = *it->q;
            qs[s * n + j].norm = &views[s * n + j];
        }
    }
    /* Groups (ws_kernel.consume_group): item j joins the first earlier
     * item of its kernel whose normalisation is the same in every store and
     * whose options the kernel accepts; gid[j] = that item (j: none). */
    size_t *gid = rc ? NULL : ws_calloc(n, sizeof *gid);
    if (!rc && !gid) rc = ws_error(WS_ENOMEM, "out of memory");
    for (size_t j = 0; j < n && !rc; j++) {
        gid[j] = j;
        const ws_kernel *k = items[j].k;
        if (!xs[j].live || !k->consume_group || !k->group_ok) continue;
        for (size_t i = 0; i < j; i++) {
            if (gid[i] != i || !xs[i].live || items[i].k != k || !k->group_ok(items[i].q, items[j].q)) continue;
            int same = 1;
            for (size_t s = 0; s < nst && same; s++) same = norm_same(&views[s * n + i], &views[s * n + j]);
            if (same) {
                gid[j] = i;
                break;
            }
        }
    }
    /* Adoption (ws_kernel.adopt): item j takes the merged state of the
     * first item whose kernel makes what it counts, when neither filters
     * (or j's only options are date subsets whose bounds fall on the
     * edges of i's time groups) and their normalisations are the same; j
     * then reads no block. */
    for (size_t j = 0; j < n; j++) xs[j].from = SIZE_MAX;
    for (size_t j = 0; j < n && !rc; j++) {
        const ws_kernel *k = items[j].k;
        const int plain = opts_plain(items[j].o);
        if (!xs[j].live || !k->adopt || !k->adopt_ok || (!plain && !opts_date_subsets(items[j].o))) continue;
        for (size_t i = 0; i < n; i++) {
            if (i == j || !xs[i].live || items[i].k->adopt || !opts_plain(items[i].o) ||
                (!plain && !(items[i].q->groups && subsets_on_edges(items[j].o, items[i].q->groups->by))) ||
                !k->adopt_ok(items[i].k, items[i].q, items[j].q))
                continue;
            int same = 1;
            for (size_t s = 0; s < nst && same; s++) same = norm_same(&views[s * n + i], &views[s * n + j]);
            if (same) {
                xs[j].from = i;
                break;
            }
        }
    }
    /* The task list: every block some live item may need, with the union
     * of the columns of the items that need blocks of that segment. */
    size_t ntasks = 0;
    for (size_t s = 0, g = 0; s < nst && !rc; s++)
        for (uint32_t si = 0; si < st[s]->nsegs; si++, g++) {
            const ws_segment *seg = st[s]->segs[si];
            /* Across ranks: store s is scanned by rank s mod size. */
            if (dist && (int)(s % (size_t)dist->size) != dist->rank) continue;
            for (uint32_t b = 0; b < seg->nblocks; b++) {
                const ws_block_meta *m = &seg->blocks[b];
                int any = 0;
                for (size_t j = 0; j < n; j++) {
                    shared_item *x = &xs[j];
                    if (!x->live || x->from != SIZE_MAX) continue;
                    const sfilter *f = &x->sf[g * x->nf];
                    int may = ws_sc_block_may_match(&x->cf[0], &f[0], m);
                    if (may && items[j].o->nsubsets && !items[j].o->rest) {
                        may = 0;
                        for (uint32_t i = 1; i < x->nf && !may; i++) may = ws_sc_block_may_match(&x->cf[i], &f[i], m);
                    }
                    if (!may) continue;
                    want[ntasks * n + j] = 1;
                    items[j].stats.blocks_scanned++;
                    uint64_t mask = items[j].k->columns | ws_groups_columns(items[j].q->groups, seg);
                    for (uint32_t i = 0; i < x->nf; i++) mask |= f[i].mask;
                    segmask[g] |= mask;
                    any = 1;
                }
                if (any) tasks[ntasks++] = (task){seg, b, (uint32_t)g, (uint32_t)s};
            }
        }
    for (size_t j = 0; j < n; j++) items[j].stats.blocks_total = total;
    if (!rc && (uint64_t)nt > ntasks) nt = ntasks ? (int)ntasks : 1;

    /* Per thread: a block workspace and a selection; per thread and item: a
     * kernel state, counters and the first error. */
    const size_t ns = (size_t)nt * n;
    void **states = NULL;
    ws_block *blocks = NULL;
    ws_buf *sel = NULL, *idx = NULL; /* per thread: a selection; ids looked up from codes */
    int *err = NULL;
    uint64_t *err_task = NULL, *rows = NULL, *toks = NULL, *grouped = NULL;
    size_t *gmem = NULL; /* per thread: n slots, a group's members */
    void **gst = NULL;   /* per thread: n slots, their states */
    const ws_query **gq = NULL;
    uint8_t *fed = NULL; /* per thread: n slots */
    char(*err_msg)[512] = NULL;
    if (!rc) {
        states = ws_calloc(ns, sizeof *states);
        blocks = ws_calloc((size_t)nt, sizeof *blocks);
        sel = ws_calloc((size_t)nt, sizeof *sel);
        idx = ws_calloc((size_t)nt, sizeof *idx);
        err = ws_calloc(ns, sizeof *err);
        err_task = ws_calloc(ns, sizeof *err_task);
        err_msg = ws_calloc(ns, sizeof *err_msg);
        rows = ws_calloc(ns, sizeof *rows);
        toks = ws_calloc(ns, sizeof *toks);
        grouped = ws_calloc(ns, sizeof *grouped);
        gmem = ws_calloc(ns, sizeof *gmem);
        gst = ws_calloc(ns, sizeof *gst);
        gq = ws_calloc(ns, sizeof *gq);
        fed = ws_calloc(ns, 1);
        if (!(states && blocks && sel && idx && err && err_task && err_msg && rows && toks && grouped && gmem && gst && gq && fed))
            rc = ws_error(WS_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < n && !rc; j++)
        for (int t = 0; t < (xs[j].from != SIZE_MAX ? 1 : nt) && xs[j].live; t++) /* an adopter: one state, filled by adopt */
            if (!(states[(size_t)t * n + j] = items[j].k->init(items[j].q))) {
                item_fail(&items[j], WS_ENOMEM, "out of memory for per-thread state");
                xs[j].live = 0;
            }
    int cancel_seen = 0;
    if (!rc) {
        uint64_t done = 0, done_tokens = 0;
        double t0 = ws_sc_now(), last = t0;
        int shown = 0;
#pragma omp parallel num_threads(nt)
        {
            int t = omp_get_thread_num();
            ws_block *b = &blocks[t];
#pragma omp for schedule(dynamic, 1)
            for (size_t i = 0; i < ntasks; i++) {
                if (__atomic_load_n(&cancel_seen, __ATOMIC_RELAXED)) continue;
                if (WS_UNLIKELY(ws_sc_cancelled(o))) {
                    __atomic_store_n(&cancel_seen, 1, __ATOMIC_RELAXED);
                    continue;
                }
                const task *tk = &tasks[i];
                const uint8_t *w = &want[i * n];
                int needed = 0;
                for (size_t j = 0; j < n; j++) needed |= w[j] && !err[(size_t)t * n + j];
                if (!needed) continue; /* every item that wants it failed on this thread */
                /* The tokens as block codes whenever some item counts codes
                 * (WS_COLBIT_TOKCODES): those do so as when run alone, and
                 * when an item or a filter needs ids (WS_C_TOKIDS) they are
                 * looked up from the codes once, for all items (b->ids
                 * beside b->codes). Title and body need ids while decoding:
                 * ws_block_load then decodes ids only. */
                uint64_t lmask = segmask[tk->segi];
                const int need_ids = (lmask & WS_COLBIT(WS_C_TOKIDS)) != 0;
                if (lmask & WS_COLBIT_TOKCODES) lmask &= ~WS_COLBIT(WS_C_TOKIDS);
                int r = ws_block_load(b, &st[tk->sti]->dict, tk->seg, tk->block, lmask);
                if (!r && need_ids && b->codes) {
                    if (ws_buf_reserve(&idx[t], (size_t)b->ntokens * 4 + 4)) {
                        r = ws_error(WS_ENOMEM, "out of memory for a block's token ids");
                    } else {
                        uint32_t *ids = (uint32_t *)(void *)idx[t].p;
                        const uint16_t *codes = b->codes;
                        const uint32_t *cid = b->code_ids;
                        for (uint64_t k = 0; k < b->ntokens; k++) ids[k] = cid[codes[k]];
                        b->ids = ids;
                    }
                }
                /* A selection per item: grouping compares them. */
                if (!r) r = ws_buf_reserve(&sel[t], (size_t)b->nrows * n + 1);
                char lmsg[512];
                if (r) snprintf(lmsg, sizeof lmsg, "%s", ws_last_error());
                uint8_t *fd = &fed[(size_t)t * n];
                for (size_t j = 0; j < n; j++) {
                    size_t e = (size_t)t * n + j;
                    fd[j] = !w[j] || err[e];
                    if (fd[j] || r) continue;
                    rows[e] += shared_select(&xs[j], tk->segi, items[j].o, b, (uint8_t *)sel[t].p + j * b->nrows);
                    toks[e] += b->ntokens;
                }
                for (size_t j = 0; j < n; j++) {
                    if (fd[j]) continue;
                    size_t e = (size_t)t * n + j, *mem = &gmem[(size_t)t * n], m = 0;
                    const uint8_t *sl = r ? NULL : (const uint8_t *)sel[t].p + j * b->nrows;
                    mem[m++] = j;
                    fd[j] = 1;
                    for (size_t jj = j + 1; jj < n && !r; jj++)
                        if (!fd[jj] && gid[jj] == gid[j] && !memcmp(sl, (const uint8_t *)sel[t].p + jj * b->nrows, b->nrows)) {
                            mem[m++] = jj;
                            fd[jj] = 1;
                        }
                    int kr = r;
                    if (!kr && m == 1) {
                        kr = items[j].k->consume(states[e], &qs[(size_t)tk->sti * n + j], b, sl);
                    } else if (!kr) {
                        void **gs = &gst[(size_t)t * n];
                        const ws_query **gqs = &gq[(size_t)t * n];
                        for (size_t g = 0; g < m; g++) {
                            gs[g] = states[(size_t)t * n + mem[g]];
                            gqs[g] = &qs[(size_t)tk->sti * n + mem[g]];
                            grouped[(size_t)t * n + mem[g]]++;
                        }
                        kr = items[j].k->consume_group(gs, gqs, m, b, sl);
                    }
                    for (size_t g = 0; g < m && kr; g++) {
                        size_t eg = (size_t)t * n + mem[g];
                        snprintf(err_msg[eg], sizeof err_msg[eg], "%s", r ? lmsg : ws_last_error());
                        err[eg] = kr;
                        err_task[eg] = i;
                    }
                }
                if (o->progress) {
                    uint64_t d;
#pragma omp atomic capture
                    d = ++done;
#pragma omp atomic
                    done_tokens += b->ntokens;
                    if (t == 0) {
                        double now = ws_sc_now();
                        if (now - last >= 0.5) {
                            uint64_t dt;
#pragma omp atomic read
                            dt = done_tokens;
                            last = now;
                            shown = 1;
                            ws_sc_report(o, t0, d, ntasks, dt, 0);
                        }
                    }
                }
            }
        }
        if (shown) ws_sc_report(o, t0, ntasks, ntasks, done_tokens, 1);
    }
    if (!rc && cancel_seen) rc = ws_error(WS_ECANCELED, "cancelled");
    /* Each item that read blocks: its earliest error in block order, or
     * its states merged; then the items that adopt take their source's
     * merged state (before its finish); then every item finishes. Across
     * ranks every item that read blocks and compiled alike on every rank
     * takes part in the merge's collectives, failed or not, in item order
     * (a rank that failed sends its error instead of its state), and only
     * rank 0 adopts and finishes. */
    for (size_t j = 0; j < n; j++) {
        ws_scan_item *it = &items[j];
        if (xs && xs[j].from != SIZE_MAX) continue;
        const int coll = dist && xs && xs[j].coll;
        if (!coll && (rc || !xs[j].live)) continue;
        int r = rc ? rc : it->rc;
        if (!r && !xs[j].live) r = WS_ENOMEM;
        char msg[512];
        snprintf(msg, sizeof msg, "%s", rc ? ws_last_error() : it->rc ? it->msg : "out of memory for per-thread state");
        int first = -1;
        for (int t = 0; !r && t < nt; t++) {
            size_t e = (size_t)t * n + j;
            if (err[e] && (first < 0 || err_task[e] < err_task[(size_t)first * n + j])) first = t;
        }
        if (first >= 0) {
            size_t e = (size_t)first * n + j;
            r = err[e];
            if (dist)
                snprintf(msg, sizeof msg, "shard %s: %.400s", st[tasks[err_task[e]].sti]->dir,
                         err_msg[e][0] ? err_msg[e] : ws_strerror(err[e]));
            else
                snprintf(msg, sizeof msg, "%s", err_msg[e][0] ? err_msg[e] : ws_strerror(err[e]));
        }
        for (int t = 0; !r && t < nt; t++) {
            it->stats.stories += rows[(size_t)t * n + j];
            it->stats.tokens += toks[(size_t)t * n + j];
            it->grouped += grouped[(size_t)t * n + j];
        }
        if (!r) it->q->nstories = it->stats.stories;
        ws_error_clear();
        for (int t = 1; t < nt && !r; t++) {
            r = it->k->merge(states[j], states[(size_t)t * n + j], it->q);
            if (r) snprintf(msg, sizeof msg, "%s", ws_last_error()[0] ? ws_last_error() : ws_strerror(r));
        }
        if (coll) {
            if (r) ws_error(r, "%s", msg); /* what the merge across ranks sends */
            else ws_error_clear();
            void *state = !r && states ? states[j] : NULL;
            if (it->k->exchange) { /* collective, when every rank's scan succeeded */
                int bad = r != 0, arc = dist->max_int(dist->ctx, &bad);
                if (!r && arc) r = arc;
                if (!r && !bad) r = it->k->exchange(state, it->q, dist);
                if (r) snprintf(msg, sizeof msg, "%s", ws_last_error()[0] ? ws_last_error() : ws_strerror(r));
                if (r) ws_error(r, "%s", msg);
            }
            r = ws_sc_dist_merge(dist, it->k, it->q, r ? NULL : state, r, &it->stats);
            it->rc = 0; /* the outcome across ranks replaces this rank's own */
            if (r) snprintf(msg, sizeof msg, "%s", ws_last_error());
            if (!r && dist->rank != 0) {
                xs[j].remote = 1;
                continue;
            }
        }
        if (r == WS_ENOMEM && !msg[0]) snprintf(msg, sizeof msg, "out of memory");
        if (r) item_fail(it, ws_error(r, "%s", msg), msg);
        else xs[j].merged = 1;
    }
    for (size_t j = 0; j < n && !rc; j++) {
        ws_scan_item *it = &items[j];
        size_t i = xs[j].from;
        if (!xs[j].live || i == SIZE_MAX) continue;
        if (xs[i].remote) { /* rank 0 adopts and finishes */
            xs[j].remote = 1;
            continue;
        }
        if (!xs[i].merged) {
            item_fail(it, items[i].rc ? items[i].rc : WS_ECANCELED, items[i].msg);
            continue;
        }
        /* The same stories and blocks as its source (both select all). */
        it->stats = items[i].stats;
        it->grouped = items[i].stats.blocks_scanned;
        if (items[i].grouped < items[i].stats.blocks_scanned) items[i].grouped = items[i].stats.blocks_scanned;
        it->q->nstories = it->stats.stories;
        ws_error_clear();
        group_sel_ctx gc = {it->o, items[i].q->groups ? items[i].q->groups->by : WS_BY_DAY};
        if (!opts_plain(it->o)) {
            it->q->group_sel = group_sel;
            it->q->group_sel_ctx = &gc;
        }
        int r = it->k->adopt(states[j], it->q, items[i].k, states[i], items[i].q);
        it->q->group_sel = NULL;
        it->q->group_sel_ctx = NULL;
        if (r == WS_ENOMEM && !ws_last_error()[0]) ws_error(r, "out of memory");
        if (r) item_fail(it, r, ws_last_error());
        else xs[j].merged = 1;
    }
    for (size_t j = 0; j < n && !rc; j++) {
        ws_scan_item *it = &items[j];
        if (xs[j].remote) { /* another rank than 0: nothing to write */
            int r = ws_table_close(it->out);
            if (r) item_fail(it, r, ws_last_error());
            continue;
        }
        if (!xs[j].merged) continue;
        ws_error_clear(); /* the sink's messages are this item's */
        int r = it->k->finish(states[j], it->q, it->out);
        if (!r) r = ws_table_close(it->out);
        if (r == WS_ENOMEM && !ws_last_error()[0]) ws_error(r, "out of memory");
        if (r) item_fail(it, r, ws_last_error());
    }
    if (rc)
        for (size_t j = 0; j < n; j++) item_fail(&items[j], rc, ws_last_error());
    for (size_t e = 0; states && e < ns; e++)
        if (states[e]) items[e % n].k->free(states[e]);
    for (int t = 0; t < nt; t++) {
        if (blocks) ws_block_free(&blocks[t]);
        if (sel) ws_buf_free(&sel[t]);
        if (idx) ws_buf_free(&idx[t]);
    }
    for (size_t j = 0; xs && j < n; j++) {
        shared_item *x = &xs[j];
        for (size_t g = 0; x->sf && x->cf && g < nseg; g++)
            for (uint32_t i = 0; i < x->nf; i++) ws_sc_sfilter_free(&x->sf[g * x->nf + i], x->cf[i].ntags);
        for (uint32_t i = 0; x->cf && i < x->nf; i++) ws_sc_cfilter_free(&x->cf[i]);
        ws_free(x->cf);
        ws_free(x->sf);
    }
    ws_free(xs);
    ws_free(segmask);
    ws_free(tasks);
    ws_free(want);
    ws_free(views);
    ws_free(qs);
    ws_free(states);
    ws_free(blocks);
    ws_free(sel);
    ws_free(idx);
    ws_free(err);
    ws_free(err_task);
    ws_free(err_msg);
    ws_free(rows);
    ws_free(toks);
    ws_free(grouped);
    ws_free(gmem);
    ws_free(gst);
    ws_free(gq);
    ws_free(fed);
    ws_free(gid);
    return rc;
}
