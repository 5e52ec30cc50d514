/*
 * Scans across processes: the passes of iterative kernels, the ordered
 * gather of row-streaming kernels and the binary-tree reduction of count
 * tables (see ws_scan_dist.h).
 *
 * Rows travel as frames, several to a message:
 *   'R' varint len, then rows: per cell a byte (0: NULL, 1: a value) and
 *       the value by the column's type (integers and dates zigzag
 *       varints, doubles 8 bytes as stored, text a varint length and the
 *       bytes);
 *   'E' varint len, then varint status (0, or -WS_E*): the rank's shard
 *       of this round ends here.
 */
#include "ws_scan_dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_ROWS 1024

static uint64_t zig(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static int64_t unzig(uint64_t u) { return (int64_t)(u >> 1) ^ -(int64_t)(u & 1); }

/* Append rows [0, t->nrows) of t to b as one 'R' frame. */
static int pack_rows(const ws_table *t, ws_buf *b)
{
    ws_buf body = {0};
    int rc = ws_buf_reserve(&body, WS_VARINT_MAX);
    if (!rc) ws_buf_put_varint(&body, t->nrows);
    for (size_t r = 0; r < t->nrows && !rc; r++)
        for (uint32_t c = 0; c < t->ncols && !rc; c++) {
            size_t i = r * t->ncols + c;
            if ((rc = ws_buf_reserve(&body, 1 + WS_VARINT_MAX + 8))) break;
            if (t->nulls[i]) {
                body.p[body.n++] = 0;
                continue;
            }
            body.p[body.n++] = 1;
            const ws_cell *cell = &t->cells[i];
            switch (t->cols[c].type) {
            case WS_TYPE_TEXT:
                ws_buf_put_varint(&body, cell->s.len);
                rc = ws_buf_append(&body, t->text.p + cell->s.off, cell->s.len);
                break;
            case WS_TYPE_DOUBLE:
                memcpy(body.p + body.n, &cell->d, 8);
                body.n += 8;
                break;
            default:
                ws_buf_put_varint(&body, zig(cell->i));
            }
        }
    if (!rc) rc = ws_buf_reserve(b, 1 + WS_VARINT_MAX);
    if (!rc) {
        b->p[b->n++] = 'R';
        ws_buf_put_varint(b, body.n);
        rc = ws_buf_append(b, body.p, body.n);
    }
    ws_buf_free(&body);
    return rc ? ws_error(rc, "out of memory packing rows for rank 0") : 0;
}

/* Rank 0: append a frame's rows from rank `from` to the result. */
static int take_rows(ws_ostream *s, int from, const uint8_t *at, const uint8_t *end)
{
    ws_table *out = s->out;
    uint64_t n;
    if (ws_varint_get(&at, end, &n)) return ws_error(WS_ECORRUPT, "rank %d: malformed rows", from);
    for (uint64_t r = 0; r < n; r++) {
        int take = !s->failed && !s->full;
        for (uint32_t c = 0; c < out->ncols; c++) {
            if (at >= end) return ws_error(WS_ECORRUPT, "rank %d: malformed rows", from);
            int rc = 0, has = *at++;
            const ws_type type = out->cols[c].type;
            uint64_t u = 0, len = 0;
            double d = 0;
            const uint8_t *text = NULL;
            if (has) {
                if (type == WS_TYPE_TEXT) {
                    if (ws_varint_get(&at, end, &len) || len > (uint64_t)(end - at))
                        return ws_error(WS_ECORRUPT, "rank %d: malformed rows", from);
                    text = at;
                    at += len;
                } else if (type == WS_TYPE_DOUBLE) {
                    if (end - at < 8) return ws_error(WS_ECORRUPT, "rank %d: malformed rows", from);
                    memcpy(&d, at, 8);
                    at += 8;
                } else if (ws_varint_get(&at, end, &u)) {
                    return ws_error(WS_ECORRUPT, "rank %d: malformed rows", from);
                }
            }
            if (!take) continue;
            if (!has) rc = ws_table_null(out);
            else if (type == WS_TYPE_TEXT) rc = ws_table_text(out, ws_str_make((const char *)text, (size_t)len));
            else if (type == WS_TYPE_DOUBLE) rc = ws_table_double(out, d);
            else {
                int64_t v = unzig(u);
                if (c == 0 && s->renum) {
                    /* Each rank numbers its own stories 1, 2, ...; a row
                     * whose number differs from that rank's previous row
                     * starts the next story of the whole output. */
                    if (!s->seen[from] || s->cur[from] != (uint64_t)v) s->next_row++;
                    s->seen[from] = 1;
                    s->cur[from] = (uint64_t)v;
                    v = (int64_t)s->next_row;
                }
                rc = ws_table_int(out, v);
            }
            if (rc) return rc;
        }
        if (take && s->limit && ws_table_rows(out) >= s->limit) s->full = 1;
    }
    return 0;
}

/* Rank 0: the frames of one message of rank `from`; *ended when its
 * shard's end frame came. */
typedef struct take_ctx {
    ws_ostream *s;
    int from, ended;
} take_ctx;

static int take_msg(void *arg, const void *data, size_t len)
{
    take_ctx *t = arg;
    const uint8_t *at = data, *end = at + len;
    while (at < end && !t->ended) {
        uint8_t type = *at++;
        uint64_t n;
        if (ws_varint_get(&at, end, &n) || n > (uint64_t)(end - at))
            return ws_error(WS_ECORRUPT, "rank %d: malformed message", t->from);
        const uint8_t *body = at;
        at += n;
        if (type == 'R') {
            int rc = take_rows(t->s, t->from, body, body + n);
            if (rc) return rc;
        } else if (type == 'E') {
            uint64_t status = 0;
            if (ws_varint_get(&body, body + n, &status)) return ws_error(WS_ECORRUPT, "rank %d: malformed end", t->from);
            if (status) t->s->failed = 1;
            t->ended = 1;
        } else {
            return ws_error(WS_ECORRUPT, "rank %d: malformed message", t->from);
        }
    }
    return 0;
}

/* The capture table's sink: rank 0 takes the rows at once, the other
 * ranks queue them (and send when enough is queued). */
static int sink(void *ctx, const ws_table *batch)
{
    ws_ostream *s = ctx;
    if (s->rc || !batch->nrows) return s->rc;
    size_t at = s->pend.n;
    int rc = pack_rows(batch, &s->pend);
    if (!rc && s->d->rank == 0) {
        take_ctx t = {s, 0, 0};
        rc = take_msg(&t, s->pend.p + at, s->pend.n - at);
        s->pend.n = at;
    } else if (!rc && s->pend.n >= WS_OSTREAM_PENDING && s->d->send) {
        rc = s->d->send(s->d->ctx, s->pend.p, s->pend.n);
        s->pend.n = 0;
    }
    if (rc) s->rc = rc;
    return rc;
}

/* Hand what the capture table holds to the sink (as ws_table_close
 * would, leaving the table open). */
static int flush_cap(ws_ostream *s)
{
    ws_table *t = &s->cap;
    if (!t->nrows) return s->rc;
    int rc = sink(s, t);
    t->delivered += t->nrows;
    t->nrows = 0;
    t->text.n = 0;
    return rc;
}

int ws_ostream_open(ws_ostream *s, const ws_dist *d, const ws_kernel *k, const ws_query *q, ws_table *out, size_t nst)
{
    memset(s, 0, sizeof *s);
    s->d = d;
    s->out = out;
    s->nst = nst;
    s->renum = (k->flags & WS_KF_ROWNUM) != 0;
    s->limit = q->row_limit;
    ws_table_init(&s->cap);
    ws_table_set_sink(&s->cap, BATCH_ROWS, sink, s);
    if (!(s->cur = ws_calloc((size_t)d->size, sizeof *s->cur)) || !(s->seen = ws_calloc((size_t)d->size, 1)))
        return ws_error(WS_ENOMEM, "out of memory");
    return k->header ? k->header(q, &s->cap) : 0;
}

void ws_ostream_close(ws_ostream *s)
{
    ws_table_free(&s->cap);
    ws_buf_free(&s->pend);
    ws_free(s->cur);
    ws_free(s->seen);
    s->cur = NULL;
    s->seen = NULL;
}

int ws_ostream_round(ws_ostream *s, size_t g, int has, int status)
{
    const ws_dist *d = s->d;
    const size_t size = (size_t)d->size;
    int rc = flush_cap(s);
    if (d->rank == 0) {
        if (has && status) s->failed = 1;
        /* Every message of the round is taken, even after a failure or
         * the limit (the senders wait for it). */
        for (int r = 1; r < d->size; r++) {
            if (g * size + (size_t)r >= s->nst) break;
            take_ctx t = {s, r, 0};
            while (!t.ended) {
                int trc = d->recv(d->ctx, r, take_msg, &t);
                if (trc) {
                    if (!rc) rc = trc;
                    break; /* the transport failed: nothing more from r */
                }
            }
        }
        if (!rc && s->rc) rc = s->rc;
    } else if (has) {
        int prc = ws_buf_reserve(&s->pend, 1 + 2 * WS_VARINT_MAX);
        if (!prc) {
            uint8_t tmp[WS_VARINT_MAX];
            size_t n = ws_varint_put(tmp, (uint64_t)(status || rc ? 1 : 0));
            s->pend.p[s->pend.n++] = 'E';
            ws_buf_put_varint(&s->pend, n);
            memcpy(s->pend.p + s->pend.n, tmp, n);
            s->pend.n += n;
            prc = d->send(d->ctx, s->pend.p, s->pend.n);
        }
        s->pend.n = 0;
        if (prc && !rc) rc = prc;
    }
    /* Rank 0 says whether to go on; a rank whose transport failed says so
     * too (the largest code wins: 2 transport, 1 stop, 0 go on). */
    int stop = d->rank == 0 ? (rc ? 2 : (s->failed || s->full)) : (rc ? 2 : 0);
    int brc = d->max_int(d->ctx, &stop);
    if (brc) return brc;
    if (stop == 2) return rc ? rc : ws_error(WS_EIO, "rank %d: rows could not be exchanged with rank 0", d->rank);
    return stop;
}

/* ---- passes ---- */

typedef struct bc_ctx {
    const ws_kernel *k;
    ws_query *q;
    void **merged;
} bc_ctx;

static int bc_each(void *arg, const void *data, size_t len)
{
    bc_ctx *c = arg;
    const uint8_t *at = data, *end = at + len;
    uint64_t ok, nst;
    if (ws_varint_get(&at, end, &ok) || ws_varint_get(&at, end, &nst))
        return ws_error(WS_ECORRUPT, "a malformed state from rank 0");
    if (ok) return ws_error(WS_EIO, "rank 0 could not pack its state for the next pass");
    c->q->nstories = nst;
    void *fresh = c->k->init(c->q);
    if (!fresh) return ws_error(WS_ENOMEM, "out of memory for the %s state", c->k->name);
    int rc = c->k->unpack(fresh, c->q, at, (size_t)(end - at));
    if (rc) {
        c->k->free(fresh);
        return rc;
    }
    if (*c->merged) c->k->free(*c->merged);
    *c->merged = fresh;
    return 0;
}

int ws_dist_next_pass(const ws_dist *d, const ws_kernel *k, ws_query *q, void **merged, unsigned pass, int *more)
{
    int m = 0;
    *more = 0;
    if (d->rank == 0) m = k->next_pass(*merged, q, pass);
    int st = m;
    int rc = d->bcast_int(d->ctx, &st);
    if (rc) return rc;
    if (st < 0) return d->rank == 0 ? m : ws_error(st, "rank %d: the run failed on rank 0 (rank 0 reports it)", d->rank);
    if (st == 0) return 0;
    /* Another pass: every rank continues from rank 0's merged state. */
    ws_buf b = {0};
    if (d->rank == 0) {
        rc = ws_buf_reserve(&b, 2 * WS_VARINT_MAX);
        if (!rc) {
            ws_buf_put_varint(&b, 0);
            ws_buf_put_varint(&b, q->nstories);
            rc = k->pack(*merged, q, &b);
        }
        if (rc) { /* say so instead of the state */
            b.n = 0;
            if (!ws_buf_reserve(&b, 2)) b.p[b.n++] = 1, b.p[b.n++] = 0;
        }
    }
    bc_ctx c = {k, q, merged};
    int brc = d->bcast(d->ctx, b.p, b.n, bc_each, &c);
    ws_buf_free(&b);
    if (!rc) rc = brc;
    if (!rc && d->rank != 0) {
        int mm = k->next_pass(*merged, q, pass);
        if (mm < 0) rc = mm;
        else if (mm != 1) rc = ws_error(WS_EINTERNAL, "rank %d: %s decided otherwise than rank 0 on pass %u", d->rank, k->name, pass + 1);
    }
    int bad = rc ? 1 : 0;
    int arc = d->max_int(d->ctx, &bad);
    if (arc) return arc;
    if (rc) {
        char text[512];
        snprintf(text, sizeof text, "%s", ws_last_error()[0] ? ws_last_error() : ws_strerror(rc));
        return ws_error(rc, "rank %d: %s", d->rank, text);
    }
    if (bad) return ws_error(WS_EIO, "rank %d: the run failed on another rank before pass %u", d->rank, pass + 2);
    *more = 1;
    return 0;
}

/* ---- a binary-tree reduction of kernel states ----
 * A state travels as [status][stories][tokens][failing rank], then the
 * packed state (status 0) or the failure's message (status: -WS_E*). */

typedef struct tree_rx {
    ws_buf *in;
    int from; /* the child this rank receives from, or -1 */
    int rc;
} tree_rx;

static int tree_take(void *arg, int from, const void *data, size_t len)
{
    tree_rx *x = arg;
    if (from != x->from || !len || x->rc) return 0;
    if (ws_buf_append(x->in, data, len)) x->rc = WS_ENOMEM;
    return 0;
}

static void tree_fail(ws_dist_outcome *o, int rc, int rank, const char *msg)
{
    if (o->rc) return;
    o->rc = rc;
    o->rank = rank;
    snprintf(o->msg, sizeof o->msg, "%s", msg);
}

/* A child's message into this rank's outcome and state. */
static void tree_fold(const ws_dist *d, const ws_kernel *k, ws_query *q, void *state, int from, const tree_rx *x,
                      ws_dist_outcome *o)
{
    char text[600];
    if (x->rc) {
        snprintf(text, sizeof text, "out of memory receiving rank %d's %s state", from, k->name);
        tree_fail(o, WS_ENOMEM, d->rank, text);
        return;
    }
    const uint8_t *at = x->in->p, *end = at + x->in->n;
    uint64_t status, stories, tokens, frank;
    if (!at || ws_varint_get(&at, end, &status) || ws_varint_get(&at, end, &stories) || ws_varint_get(&at, end, &tokens) ||
        ws_varint_get(&at, end, &frank) || frank >= (uint64_t)d->size || status > 1000) {
        snprintf(text, sizeof text, "rank %d's %s state is malformed", from, k->name);
        tree_fail(o, WS_ECORRUPT, d->rank, text);
        return;
    }
    o->stories += stories;
    o->tokens += tokens;
    if (o->rc) return; /* a lower rank failed: its failure stands */
    if (status) {
        o->rc = -(int)status;
        o->rank = (int)frank;
        snprintf(o->msg, sizeof o->msg, "%.*s", (int)(end - at), (const char *)at);
        return;
    }
    /* WS_KF_TREE: unpack adds into the merged state itself (no second
     * table: what a merge of an unpacked copy would add). */
    int rc = k->unpack(state, q, at, (size_t)(end - at));
    if (rc) {
        snprintf(text, sizeof text, "merging rank %d's %s state: %.400s", from, k->name,
                 ws_last_error()[0] ? ws_last_error() : ws_strerror(rc));
        tree_fail(o, rc, d->rank, text);
    }
}

/* This rank's message for its parent. */
static void tree_pack(const ws_dist *d, const ws_kernel *k, ws_query *q, void *state, ws_dist_outcome *o, ws_buf *b)
{
    b->n = 0;
    int prc = o->rc ? 0 : ws_buf_reserve(b, 4 * WS_VARINT_MAX);
    if (!o->rc && !prc) {
        ws_buf_put_varint(b, 0);
        ws_buf_put_varint(b, o->stories);
        ws_buf_put_varint(b, o->tokens);
        ws_buf_put_varint(b, 0);
        prc = k->pack(state, q, b);
        if (prc) {
            char text[600];
            snprintf(text, sizeof text, "packing the %s state: %.400s", k->name,
                     ws_last_error()[0] ? ws_last_error() : ws_strerror(prc));
            tree_fail(o, prc, d->rank, text);
        }
    } else if (prc) {
        tree_fail(o, prc, d->rank, "out of memory packing the state");
    }
    if (o->rc) {
        b->n = 0;
        size_t len = strlen(o->msg);
        if (!ws_buf_reserve(b, 4 * WS_VARINT_MAX + len)) {
            ws_buf_put_varint(b, (uint64_t)-o->rc);
            ws_buf_put_varint(b, o->stories);
            ws_buf_put_varint(b, o->tokens);
            ws_buf_put_varint(b, (uint64_t)o->rank);
            memcpy(b->p + b->n, o->msg, len);
            b->n += len;
        } /* (else an empty message: the parent reports it malformed) */
    }
}

int ws_dist_tree(const ws_dist *d, const ws_kernel *k, ws_query *q, void *state, int rc, const char *text,
                 ws_dist_outcome *o)
{
    o->rc = 0;
    o->rank = d->rank;
    o->msg[0] = 0;
    if (rc) tree_fail(o, rc, d->rank, text && text[0] ? text : ws_strerror(rc));
    const size_t size = (size_t)d->size, me = (size_t)d->rank;
    const size_t cap = d->round_bytes ? d->round_bytes : WS_TREE_ROUND;
    const void **data = ws_calloc(size, sizeof *data);
    size_t *lens = ws_calloc(size, sizeof *lens);
    ws_buf msg = {0}, in = {0};
    static const uint8_t none = 0;
    int trc = 0;
    if (!data || !lens) tree_fail(o, WS_ENOMEM, d->rank, "out of memory");
    for (size_t step = 1; step < size && !trc; step <<= 1) {
        const int send = me % (2 * step) == step, recv = me % (2 * step) == 0 && me + step < size;
        if (send) tree_pack(d, k, q, state, o, &msg);
        /* every rank learns how many rounds this step's largest state needs */
        int n = send ? (int)(msg.n / cap + 1) : 0;
        if ((trc = d->max_int(d->ctx, &n))) break;
        tree_rx x = {&in, recv ? (int)(me + step) : -1, 0};
        in.n = 0;
        for (int i = 0; i < n && !trc; i++) {
            for (size_t r = 0; r < size; r++) {
                if (data) data[r] = &none;
                if (lens) lens[r] = 0;
            }
            size_t off = (size_t)i * cap;
            if (send && data && lens && off < msg.n) {
                data[me - step] = msg.p + off;
                lens[me - step] = msg.n - off < cap ? msg.n - off : cap;
            }
            /* (without the arrays this rank cannot take part: mpirun then ends the job) */
            if (data && lens) trc = d->alltoall(d->ctx, data, lens, tree_take, &x);
        }
        if (recv && !trc) tree_fold(d, k, q, state, (int)(me + step), &x, o);
        if (send) ws_buf_free(&msg); /* sent: this rank only takes part from now on */
    }
    ws_buf_free(&msg);
    ws_buf_free(&in);
    ws_free(data);
    ws_free(lens);
    return trc;
}
