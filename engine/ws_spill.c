/*
 * External sorted runs (see ws_spill.h): a private temporary folder, run
 * files written whole, a k-way merge over a binary heap of read cursors
 * with a bounded fan-in (groups of runs are merged into new runs first when
 * there are more). The library installs no signal handler: a client that
 * wants the folder gone on SIGINT cancels the request (the cancel flag is
 * checked while runs are written and merged) and the folder is removed on
 * the way out, as on any error.
 *
 * Run files are frames of at most FRAME records, each frame a header (two
 * little-endian u32: records, payload bytes) and a payload. Records whose
 * size is a multiple of 8 are coded as 64-bit words, each word as the
 * zigzag varint of its difference from the same word of the record
 * before (zero at a frame's start): runs are sorted, so keys differ by
 * little and counts are small, and a co-occurrence run of 16-byte
 * {pair, count} records shrinks to a fifth or less (BENCHMARKS.md, issue
 * 19). Hand-written rather than zstd: the gain comes from the sorted
 * order (small differences), which a general compressor only finds in
 * part, and a varint pass is cheap; zstd over the frames was not tried.
 * Other record sizes are stored as they are.
 */
#define _POSIX_C_SOURCE 200809L
#include "ws_spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_util.h"

struct ws_spill {
    char dir[4096];
    atomic_uint nruns;   /* run files created so far: numbers 0 .. nruns-1 */
    atomic_ullong bytes; /* bytes written */
    uint32_t levels;
    const int *cancel; /* the request's cancel flag; NULL: none */
};

static int cancelled(const ws_spill *sp)
{
    return sp->cancel && __atomic_load_n(sp->cancel, __ATOMIC_RELAXED);
}

/* Path of run k into buf (cap >= strlen(dir) + 14), async-signal-safe:
 * no snprintf, only byte copies. */
static void run_path(const char *dir, uint32_t k, char *buf)
{
    size_t n = strlen(dir);
    memcpy(buf, dir, n);
    memcpy(buf + n, "/run-", 5);
    n += 5;
    for (int i = 7; i >= 0; i--) buf[n++] = "0123456789abcdef"[(k >> (4 * i)) & 15];
    buf[n] = 0;
}

/* Remove every run file that may exist and the folder; unlink of an absent
 * file is harmless. */
static void remove_all(const char *dir, unsigned nruns)
{
    char path[4096 + 16];
    for (unsigned k = 0; k < nruns; k++) {
        run_path(dir, k, path);
        unlink(path);
    }
    rmdir(dir);
}

int ws_spill_open(const char *parent, const int *cancel, ws_spill **out)
{
    *out = NULL;
    if (!parent || !*parent) parent = getenv("TMPDIR");
    if (!parent || !*parent) parent = "/tmp";
    ws_spill *sp = ws_calloc(1, sizeof *sp);
    if (!sp) return ws_error(WS_ENOMEM, "out of memory");
    int n = snprintf(sp->dir, sizeof sp->dir, "%s/wirescan-cooc-XXXXXX", parent);
    if (n < 0 || (size_t)n >= sizeof sp->dir - 16) {
        ws_free(sp);
        return ws_error(WS_EINVAL, "temporary folder name too long: %s", parent);
    }
    if (!mkdtemp(sp->dir)) {
        int e = errno;
        ws_free(sp);
        return ws_error(WS_EIO, "cannot create a temporary folder in %s: %s", parent, strerror(e));
    }
    atomic_init(&sp->nruns, 0);
    atomic_init(&sp->bytes, 0);
    sp->cancel = cancel;
    *out = sp;
    return 0;
}

void ws_spill_close(ws_spill *sp)
{
    if (!sp) return;
    remove_all(sp->dir, atomic_load(&sp->nruns));
    ws_free(sp);
}

const char *ws_spill_dir(const ws_spill *sp) { return sp->dir; }

ws_spill_stats ws_spill_get_stats(const ws_spill *sp)
{
    ws_spill_stats s = {0, 0, 0};
    if (!sp) return s;
    s.runs = atomic_load(&((ws_spill *)(uintptr_t)sp)->nruns);
    s.bytes = atomic_load(&((ws_spill *)(uintptr_t)sp)->bytes);
    s.levels = sp->levels;
    return s;
}

/* ---- frames ---- */

#define FRAME 1024u   /* records per frame */
#define FHEAD 8u      /* frame header bytes */

/* The largest payload of a frame of n records. */
static size_t frame_max(size_t n, size_t rsize)
{
    return rsize % 8 ? n * rsize : n * (rsize / 8) * WS_VARINT_MAX;
}

static inline uint64_t zigzag(uint64_t d) { return (d << 1) ^ (uint64_t)-(int64_t)(d >> 63); }
static inline uint64_t unzigzag(uint64_t z) { return (z >> 1) ^ (uint64_t)-(int64_t)(z & 1); }

/* Code n (<= FRAME) records as one frame at dst (frame_max + FHEAD bytes);
 * returns the frame's bytes. */
static size_t frame_encode(uint8_t *dst, const uint8_t *recs, size_t n, size_t rsize)
{
    uint8_t *o = dst + FHEAD;
    if (rsize % 8) {
        memcpy(o, recs, n * rsize);
        o += n * rsize;
    } else {
        const size_t nw = rsize / 8;
        uint64_t prev[64] = {0}; /* rsize / 8 <= 64: checked by the callers */
        for (size_t i = 0; i < n; i++)
            for (size_t w = 0; w < nw; w++) {
                uint64_t v;
                memcpy(&v, recs + i * rsize + w * 8, 8);
                o += ws_varint_put(o, zigzag(v - prev[w]));
                prev[w] = v;
            }
    }
    ws_le32_put(dst, (uint32_t)n);
    ws_le32_put(dst + 4, (uint32_t)(o - dst - FHEAD));
    return (size_t)(o - dst);
}

/* Decode a payload of len bytes holding n records into out. */
static int frame_decode(const uint8_t *in, size_t len, size_t n, size_t rsize, uint8_t *out, const char *path)
{
    if (rsize % 8) {
        if (len != n * rsize) return ws_error(WS_EIO, "%s: spill run frame of the wrong size", path);
        memcpy(out, in, len);
        return 0;
    }
    const size_t nw = rsize / 8;
    const uint8_t *at = in, *end = in + len;
    uint64_t prev[64] = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t w = 0; w < nw; w++) {
            uint64_t z;
            if (ws_varint_get(&at, end, &z)) return ws_error(WS_EIO, "%s: spill run frame is damaged", path);
            prev[w] += unzigzag(z);
            memcpy(out + i * rsize + w * 8, &prev[w], 8);
        }
    if (at != end) return ws_error(WS_EIO, "%s: spill run frame is damaged", path);
    return 0;
}

/* ---- writing ---- */

static int write_all(int fd, const void *p, size_t n, const char *path)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return ws_error(WS_EIO, "%s: write failed: %s", path, strerror(errno));
        }
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Create the next run file; *fd open for writing. */
static int run_create(ws_spill *sp, uint32_t *run, int *fd, char *path)
{
    *run = atomic_fetch_add(&sp->nruns, 1u);
    run_path(sp->dir, *run, path);
    *fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (*fd < 0) return ws_error(WS_EIO, "%s: cannot create a spill run: %s", path, strerror(errno));
    return 0;
}

/* Records coded into frames and written to fd, through a buffer of cap
 * bytes (at least one frame). */
typedef struct frame_writer {
    int fd;
    const char *path;
    uint8_t *buf;
    size_t len, cap;
    uint64_t bytes;
} frame_writer;

static int fw_init(frame_writer *fw, int fd, const char *path, size_t cap, size_t rsize)
{
    size_t need = FHEAD + frame_max(FRAME, rsize);
    fw->fd = fd;
    fw->path = path;
    fw->len = 0;
    fw->bytes = 0;
    fw->cap = cap > need ? cap : need;
    if (!(fw->buf = ws_malloc(fw->cap))) return ws_error(WS_ENOMEM, "out of memory for a spill write buffer");
    return 0;
}

static int fw_flush(frame_writer *fw)
{
    int rc = write_all(fw->fd, fw->buf, fw->len, fw->path);
    fw->bytes += fw->len;
    fw->len = 0;
    return rc;
}

/* Append n (<= FRAME) records as one frame. */
static int fw_frame(frame_writer *fw, const uint8_t *recs, size_t n, size_t rsize)
{
    if (fw->len + FHEAD + frame_max(n, rsize) > fw->cap) {
        int rc = fw_flush(fw);
        if (rc) return rc;
    }
    fw->len += frame_encode(fw->buf + fw->len, recs, n, rsize);
    return 0;
}

int ws_spill_write(ws_spill *sp, const void *recs, size_t n, size_t rsize, uint32_t *run)
{
    char path[4096 + 16];
    if (rsize == 0 || rsize > 512) return ws_error(WS_EINVAL, "spill records of %zu bytes", rsize);
    if (cancelled(sp)) return ws_error(WS_ECANCELED, "cancelled");
    int fd, rc = run_create(sp, run, &fd, path);
    if (rc) return rc;
    frame_writer fw;
    rc = fw_init(&fw, fd, path, (size_t)1 << 20, rsize);
    for (size_t i = 0; i < n && !rc; i += FRAME)
        rc = fw_frame(&fw, (const uint8_t *)recs + i * rsize, n - i < FRAME ? n - i : FRAME, rsize);
    if (!rc) rc = fw_flush(&fw);
    ws_free(fw.buf);
    if (close(fd) && !rc) rc = ws_error(WS_EIO, "%s: close failed: %s", path, strerror(errno));
    if (!rc) atomic_fetch_add(&sp->bytes, (unsigned long long)fw.bytes);
    return rc;
}

/* ---- merging ---- */

typedef struct cursor {
    int fd;
    uint8_t *raw;    /* frames as read: rcap bytes */
    size_t rlen, rpos, rcap;
    uint8_t *buf;    /* the current frame's records */
    size_t len, pos; /* bytes in buf, read position */
    uint32_t run;
    char path[4096 + 16];
} cursor;

/* Have at least want bytes from rpos in raw (fewer at the end of the file);
 * returns the bytes there. */
static int raw_fill(cursor *c, size_t want, size_t *have)
{
    if (c->rlen - c->rpos < want) {
        memmove(c->raw, c->raw + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
        while (c->rlen < c->rcap) {
            ssize_t r = read(c->fd, c->raw + c->rlen, c->rcap - c->rlen);
            if (r < 0) {
                if (errno == EINTR) continue;
                return ws_error(WS_EIO, "%s: read failed: %s", c->path, strerror(errno));
            }
            if (r == 0) break;
            c->rlen += (size_t)r;
        }
    }
    *have = c->rlen - c->rpos;
    return 0;
}

/* Make the cursor's next record available; returns 1 when there is one,
 * 0 at the end, negative on error. */
static int cursor_fill(cursor *c, size_t rsize)
{
    if (c->pos < c->len) return 1;
    size_t have = 0;
    int rc = raw_fill(c, FHEAD, &have);
    if (rc) return rc;
    if (have == 0) return 0;
    if (have < FHEAD) return ws_error(WS_EIO, "%s: spill run ends inside a frame", c->path);
    uint32_t n = ws_le32_get(c->raw + c->rpos), len = ws_le32_get(c->raw + c->rpos + 4);
    if (n == 0 || n > FRAME || len > frame_max(n, rsize))
        return ws_error(WS_EIO, "%s: spill run frame header is damaged", c->path);
    if ((rc = raw_fill(c, FHEAD + len, &have))) return rc;
    if (have < FHEAD + len) return ws_error(WS_EIO, "%s: spill run ends inside a frame", c->path);
    if ((rc = frame_decode(c->raw + c->rpos + FHEAD, len, n, rsize, c->buf, c->path))) return rc;
    c->rpos += FHEAD + len;
    c->len = (size_t)n * rsize;
    c->pos = 0;
    return 1;
}

typedef struct merger {
    cursor *cur;
    size_t *heap, nheap; /* indices into cur, ordered by their current record */
    size_t rsize;
    ws_spill_cmp cmp;
} merger;

/* With cmp NULL (records led by a uint64 key in unsigned order), the
 * cursors' current keys sit in a loser tree (a tournament: each inner node
 * keeps the loser of the match below it, so replacing the winner replays
 * one path of log2 k matches, where a heap's sift compares two children per
 * level), compared inline. The general heap's comparisons, calls through a
 * function pointer into records behind two pointers, were about a quarter
 * of an all-pairs cooc that spills (perf, Reuters x10, --mem 48M). */
typedef struct ltree {
    uint64_t *key; /* leaf -> its cursor's current key */
    uint8_t *done; /* leaf -> 1 when its cursor is exhausted (or a padding leaf) */
    size_t *node;  /* node[0]: the winner; node[1..k): the loser of that match */
    size_t k;      /* leaves: a power of two >= the cursors */
} ltree;

/* 1 when leaf a's key comes before leaf b's: exhausted leaves last, equal
 * keys by leaf (run) order, so a merge without combine is stable. */
static inline int lt_before(const ltree *t, size_t a, size_t b)
{
    if (t->done[a] | t->done[b]) return !t->done[a];
    return t->key[a] < t->key[b] || (t->key[a] == t->key[b] && a < b);
}

static void lt_build(ltree *t)
{
    size_t *win = t->node + t->k; /* scratch: winners of the level above the leaves */
    for (size_t i = t->k / 2; i-- > 0;) {
        size_t l = 2 * i, r = 2 * i + 1;
        win[i] = lt_before(t, l, r) ? l : r;
        t->node[(t->k + 2 * i) / 2] = win[i] == l ? r : l;
    }
    for (size_t w = t->k / 2; w > 1; w /= 2) { /* w winners at this level -> w / 2 */
        size_t base = w / 2;                   /* nodes base .. w-1 hold this level's matches */
        for (size_t i = 0; i < w / 2; i++) {
            size_t l = win[2 * i], r = win[2 * i + 1];
            size_t wi = lt_before(t, l, r) ? l : r;
            t->node[base + i] = wi == l ? r : l;
            win[i] = wi;
        }
    }
    t->node[0] = t->k > 1 ? win[0] : 0;
}

/* The winner's key changed (or it is done): replay its path to the root. */
static inline void lt_replay(ltree *t)
{
    size_t cur = t->node[0];
    for (size_t n = (t->k + cur) / 2; n >= 1; n /= 2)
        if (lt_before(t, t->node[n], cur)) {
            size_t x = t->node[n];
            t->node[n] = cur;
            cur = x;
        }
    t->node[0] = cur;
}

static inline uint64_t rec_key(const cursor *c)
{
    uint64_t k;
    memcpy(&k, c->buf + c->pos, 8);
    return k;
}

/* 1 when cursor a's record comes before b's (ties: the earlier run first,
 * so a merge without combine is stable). */
static int before(const merger *m, size_t a, size_t b)
{
    const cursor *x = &m->cur[a], *y = &m->cur[b];
    int c = m->cmp(x->buf + x->pos, y->buf + y->pos);
    return c < 0 || (c == 0 && a < b);
}

static void sift(merger *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, best = i;
        if (l < m->nheap && before(m, m->heap[l], m->heap[best])) best = l;
        if (l + 1 < m->nheap && before(m, m->heap[l + 1], m->heap[best])) best = l + 1;
        if (best == i) return;
        size_t t = m->heap[i];
        m->heap[i] = m->heap[best];
        m->heap[best] = t;
        i = best;
    }
}

/* Where one merge level's output goes: the caller's emit, or a new run. */
typedef struct sink {
    ws_spill_emit emit;
    void *arg;
    frame_writer fw;
    uint8_t *frame; /* FRAME records waiting to be coded */
    size_t n;
} sink;

static int sink_put(sink *s, const void *rec, size_t rsize)
{
    if (s->emit) return s->emit(s->arg, rec);
    memcpy(s->frame + s->n * rsize, rec, rsize);
    if (++s->n < FRAME) return 0;
    s->n = 0;
    return fw_frame(&s->fw, s->frame, FRAME, rsize);
}

/* The merge's next record rec: folded into the pending one when `same`
 * (equal to it) and there is a combine, else the pending one goes to s and
 * rec becomes pending. */
static inline int take(sink *s, ws_spill_combine combine, uint8_t *pending, int *have, int same, const uint8_t *rec,
                       size_t rsize)
{
    if (same && combine) {
        combine(pending, rec);
        return 0;
    }
    if (*have) {
        int rc = sink_put(s, pending, rsize);
        if (rc) return rc;
    }
    memcpy(pending, rec, rsize);
    *have = 1;
    return 0;
}

/* Merge runs[0..n) (n <= fan-in) into s; deletes them. */
static int merge_level(ws_spill *sp, const uint32_t *runs, size_t n, size_t rsize, ws_spill_cmp cmp,
                       ws_spill_combine combine, size_t bufcap, sink *s)
{
    merger m = {0};
    m.rsize = rsize;
    m.cmp = cmp;
    m.cur = ws_calloc(n, sizeof *m.cur);
    m.heap = ws_calloc(n, sizeof *m.heap);
    uint8_t *pending = ws_malloc(rsize);
    int rc = m.cur && m.heap && pending ? 0 : ws_error(WS_ENOMEM, "out of memory merging spill runs");
    for (size_t i = 0; i < n; i++) m.cur[i].fd = -1;
    for (size_t i = 0; i < n && !rc; i++) {
        cursor *c = &m.cur[i];
        c->run = runs[i];
        run_path(sp->dir, runs[i], c->path);
        c->rcap = bufcap > FHEAD + frame_max(FRAME, rsize) ? bufcap : FHEAD + frame_max(FRAME, rsize);
        if (!(c->buf = ws_malloc((size_t)FRAME * rsize)) || !(c->raw = ws_malloc(c->rcap))) {
            rc = ws_error(WS_ENOMEM, "out of memory for spill read buffers");
            break;
        }
        if ((c->fd = open(c->path, O_RDONLY | O_CLOEXEC)) < 0) {
            rc = ws_error(WS_EIO, "%s: cannot open spill run: %s", c->path, strerror(errno));
            break;
        }
        /* The file stays readable through its descriptor: unlink now so a
         * crash from here on leaves less behind. */
        unlink(c->path);
        int r = cursor_fill(c, rsize);
        if (r < 0) rc = r;
        else if (r > 0) m.heap[m.nheap++] = i;
    }
    int have = 0;
    size_t steps = 0;
    if (!cmp) {
        ltree t = {0};
        t.k = 1;
        while (t.k < n) t.k *= 2;
        t.key = ws_calloc(t.k, sizeof *t.key);
        t.done = ws_malloc(t.k);
        t.node = ws_calloc(2 * t.k + 1, sizeof *t.node);
        if (!rc && !(t.key && t.done && t.node)) rc = ws_error(WS_ENOMEM, "out of memory merging spill runs");
        if (!rc) {
            memset(t.done, 1, t.k);
            for (size_t i = 0; i < m.nheap; i++) {
                t.key[m.heap[i]] = rec_key(&m.cur[m.heap[i]]);
                t.done[m.heap[i]] = 0;
            }
            lt_build(&t);
        }
        uint64_t pkey = 0;
        while (!rc && !t.done[t.node[0]]) {
            if (WS_UNLIKELY((++steps & 0xffff) == 0 && cancelled(sp))) {
                rc = ws_error(WS_ECANCELED, "cancelled");
                break;
            }
            size_t w = t.node[0];
            cursor *c = &m.cur[w];
            const int same = have && pkey == t.key[w];
            pkey = t.key[w];
            if ((rc = take(s, combine, pending, &have, same, c->buf + c->pos, rsize))) break;
            c->pos += rsize;
            int r = cursor_fill(c, rsize);
            if (r < 0) {
                rc = r;
                break;
            }
            if (r == 0) t.done[w] = 1;
            else t.key[w] = rec_key(c);
            lt_replay(&t);
        }
        ws_free(t.key);
        ws_free(t.done);
        ws_free(t.node);
        m.nheap = 0;
    }
    for (size_t i = m.nheap / 2; !rc && i-- > 0;) sift(&m, i);
    while (!rc && m.nheap) {
        if (WS_UNLIKELY((++steps & 0xffff) == 0 && cancelled(sp))) {
            rc = ws_error(WS_ECANCELED, "cancelled");
            break;
        }
        cursor *c = &m.cur[m.heap[0]];
        const uint8_t *rec = c->buf + c->pos;
        if ((rc = take(s, combine, pending, &have, have && combine && cmp(pending, rec) == 0, rec, rsize))) break;
        c->pos += rsize;
        int r = cursor_fill(c, rsize);
        if (r < 0) {
            rc = r;
            break;
        }
        if (r == 0) m.heap[0] = m.heap[--m.nheap];
        sift(&m, 0);
    }
    if (!rc && have) rc = sink_put(s, pending, rsize);
    for (size_t i = 0; m.cur && i < n; i++) {
        if (m.cur[i].fd >= 0) close(m.cur[i].fd);
        ws_free(m.cur[i].buf);
        ws_free(m.cur[i].raw);
    }
    ws_free(m.cur);
    ws_free(m.heap);
    ws_free(pending);
    return rc;
}

int ws_spill_merge(ws_spill *sp, const uint32_t *runs, size_t nruns, size_t rsize, ws_spill_cmp cmp,
                   ws_spill_combine combine, size_t fanin, size_t mem, ws_spill_emit emit, void *arg)
{
    if (rsize == 0 || rsize > 512 || (!cmp && rsize < 8)) return ws_error(WS_EINVAL, "spill records of %zu bytes", rsize);
    if (fanin < 2) fanin = 2;
    /* A queue of runs with their merge generation; new runs join the end,
     * so every input is merged once per level. */
    size_t cap = nruns + nruns / (fanin - 1) + 2, head = 0, tail = nruns;
    uint32_t *q = ws_malloc(cap * sizeof *q), *gen = ws_calloc(cap, sizeof *gen);
    if (!q || !gen) {
        ws_free(q);
        ws_free(gen);
        return ws_error(WS_ENOMEM, "out of memory merging %zu spill runs", nruns);
    }
    memcpy(q, runs, nruns * sizeof *q);
    int rc = 0;
    size_t per = fanin < nruns ? fanin : nruns ? nruns : 1;
    size_t bufcap = mem / (per + 1) / rsize * rsize;
    if (bufcap < 4096 / rsize * rsize + rsize) bufcap = (4096 / rsize + 1) * rsize;
    while (!rc && tail - head > fanin) {
        char path[4096 + 16];
        sink s = {0};
        uint32_t run;
        int fd;
        if ((rc = run_create(sp, &run, &fd, path))) break;
        rc = fw_init(&s.fw, fd, path, bufcap, rsize);
        if (!rc && !(s.frame = ws_malloc((size_t)FRAME * rsize)))
            rc = ws_error(WS_ENOMEM, "out of memory for a spill write buffer");
        uint32_t g = 0;
        for (size_t i = head; i < head + fanin; i++) g = gen[i] > g ? gen[i] : g;
        if (!rc) rc = merge_level(sp, q + head, fanin, rsize, cmp, combine, bufcap, &s);
        if (!rc && s.n) rc = fw_frame(&s.fw, s.frame, s.n, rsize);
        if (!rc) rc = fw_flush(&s.fw);
        if (close(fd) && !rc) rc = ws_error(WS_EIO, "%s: close failed: %s", path, strerror(errno));
        ws_free(s.fw.buf);
        ws_free(s.frame);
        if (!rc) atomic_fetch_add(&sp->bytes, (unsigned long long)s.fw.bytes);
        head += fanin;
        q[tail] = run;
        gen[tail++] = g + 1;
        /* partitions of a table merge at once (cooc): the deepest level wins */
        uint32_t lv = __atomic_load_n(&sp->levels, __ATOMIC_RELAXED);
        while (g + 1 > lv && !__atomic_compare_exchange_n(&sp->levels, &lv, g + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        }
    }
    if (!rc) {
        sink s = {0};
        s.emit = emit;
        s.arg = arg;
        rc = merge_level(sp, q + head, tail - head, rsize, cmp, combine, bufcap, &s);
    }
    ws_free(q);
    ws_free(gen);
    return rc;
}
