/*
 * The public API (include/wirescan.h): requests and the plan that turns a
 * request's named parameters into a scan (corpora: ws_corpus.c).
 *
 * A request runs in these steps, all here so that every client (the CLI,
 * an embedding program, the Python package) gets the same rules: the
 * common parameters become filters (dates, sources, tag values, containing
 * words; an impossible range is refused) and a normalisation (stop-word
 * lists, bundled or read from files; case folding, stemming, lengths,
 * numbers), built once over the corpus's dictionaries; `by` becomes a
 * grouping; the plan fixes the thread count and the memory budget and
 * measures what the process already holds; the kernel's prepare hook reads
 * its own parameters; the scan runs with the request's progress callback
 * and cancel flag and streams the kernel's table to the caller; the
 * kernel's done hook reports notes; everything the run made is released.
 *
 * The library prints nothing and installs no signal handler: notes and
 * progress go through the request's callbacks, and a client that wants
 * SIGINT to stop a run calls ws_request_cancel from its handler.
 */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ws_corpus.h"
#include "ws_termidx.h"
#include "ws_dedup.h"
#include "ws_run.h"
#include "ws_scan.h"
#include "ws_tokenize.h"
#include "ws_spill.h"
#include "ws_table.h"
#include "ws_upgrade.h"

/* ---- corpora: engine/ws_corpus.c ---- */

#define REQUEST_MAGIC 0x7773726571756573ull /* "wsreques" */

/* ---- the common parameters ---- */

#define FILTERS(prefix, what)                                                                                          \
    {prefix "from", WS_PARAM_DATE, NULL, "DATE", what "stories on or after DATE", NULL, 0, 0, 0, "filters"},            \
        {prefix "to", WS_PARAM_DATE, NULL, "DATE",                                                                     \
         what "stories on or before DATE. DATE is a day (YYYY-MM-DD), a month (YYYY-MM), a\n"                          \
              "quarter (YYYY-Qn) or a year (YYYY), all of it (UTC), or an ISO 8601 time;\n"                          \
              "undated stories fail any date range; --from after --to is an error",                                                                   \
         NULL, 0, 0, WS_PARAM_END_OF_PERIOD, "filters"},                                                               \
        {prefix "source", WS_PARAM_LIST, NULL, "S", what "stories from source S (repeatable: any of them)", NULL, 0, 0,  \
         0, "filters"},                                                                                                \
        {prefix "where", WS_PARAM_LIST, NULL, "TAG=VALUE",                                                             \
         what "stories whose tag TAG has VALUE, compared after case folding unless --case\n"                          \
              "(place=Moscow finds MOSCOW); repeatable: the same tag repeated means any of\n"                         \
              "its values, different tags must all match: --where topics=grain --where\n"                            \
              "topics=wheat --where places=usa is (grain or wheat) and usa",                                           \
         NULL, 0, 0, 0, "filters"},                                                                                    \
    {                                                                                                                  \
        prefix "containing", WS_PARAM_LIST, NULL, "WORD",                                                              \
            what "stories that contain WORD anywhere (title or body) after case folding and\n"                         \
                 "stemming; WORD may be a pattern ('oil*', '?il': any term it matches) or a\n"                          \
                 "phrase ('crude oil': consecutive tokens); repeatable: all of them",                                   \
            NULL, 0, 0, 0, "filters"                                                                                   \
    }

static const ws_param_info common_params[] = {
    FILTERS("", ""),
    {"field", WS_PARAM_CHOICE, "all", "F", "count words of the title, the body or all (default all)", "all|title|body", 0, 0,
     0, "filters"},
    {"dedup", WS_PARAM_FLAG, NULL, NULL,
     "count each cluster of copies once, as its earliest story (wirescan dedup;\n"
     "signatures are added to a store without them: it must be writable once)", NULL, 0, 1, 0, "filters"},
    {"dedup-threshold", WS_PARAM_DOUBLE, WS_DD_DEFAULT_THRESHOLD_S, "J",
     "the similarity that makes a copy for --dedup, in (0, 1] (default " WS_DD_DEFAULT_THRESHOLD_S ")", NULL, 0, 1, 0,
     "filters"},
    {"case", WS_PARAM_FLAG, NULL, NULL, "keep case (default: Unicode full case folding)", NULL, 0, 1, 0, "normalisation"},
    {"stem", WS_PARAM_TEXT, NULL, "LANG",
     "Snowball stemming: english, russian, german, french, ... or an ISO 639 code\n"
     "(en, ru, de, fr, ...)", NULL, 0, 0, 0, "normalisation"},
    {"stopwords", WS_PARAM_LIST, NULL, "L",
     "drop stop words: a bundled list, by ISO 639-1 code or English name (en/english,\n"
     "de/german, zh/chinese, ja/japanese, ...: one for every --stem language;\n"
     "an unknown name lists them all)\n"
     "or a FILE, UTF-8, one word per line, '#' comments (repeatable: all lists\n"
     "together; ./en names a file)",
     NULL, 0, 0, 0, "normalisation"},
    {"min-length", WS_PARAM_INT, "0", "N", "drop terms shorter than N characters (after folding)", NULL, 0, 1 << 20, 0,
     "normalisation"},
    {"no-numbers", WS_PARAM_FLAG, NULL, NULL, "drop terms made only of digits", NULL, 0, 1, 0, "normalisation"},
    {"threads", WS_PARAM_INT, "0", "N", "threads (default 0: all cores); output is byte-identical for any N", NULL, 0,
     WS_MAX_THREADS, 0, "run"},
    {"mem", WS_PARAM_SIZE, NULL, "SIZE",
     "memory budget of the process, e.g. 512M, 4G (default: a quarter of physical\n"
     "memory; 0 = no budget); kernels that can spill to disk stay under it", NULL, 0, 0, 0, "run"},
    {"tmp", WS_PARAM_TEXT, NULL, "DIR",
     "where spill folders are made (default: $TMPDIR or /tmp); removed at the end,\n"
     "on errors and on cancellation", NULL, 0, 0, 0, "run"},
};

static const ws_param_info group_params[] = {
    {"by", WS_PARAM_TEXT, NULL, "G",
     "group stories: day, week (starting Monday, labelled by that Monday: 2019-05-06),\n"
     "month (2019-05), quarter (2019-Q2), year (2019), source, or a tag name (tag:NAME\n"
     "for a tag called like one of those words). Adds a first column named after G",
     NULL, 0, 0, 0, NULL},
};

static const ws_param_info subset_params[] = {
    FILTERS("target-", "target: "),
    FILTERS("ref-", "reference: "),
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const ws_param_info *ws_common_params(size_t *n)
{
    if (n) *n = COUNT(common_params);
    return common_params;
}

const char *ws_kernel_name(size_t i)
{
    for (size_t k = 0, seen = 0; ws_kernel_at(k); k++) {
        const ws_kernel *kr = ws_kernel_at(k);
        if (kr->flags & WS_KF_HIDDEN) continue;
        if (seen++ == i) return kr->name;
    }
    return NULL;
}

int ws_kernel_describe(const char *name, const char **summary, const char **help, const ws_param_info **params,
                       size_t *nparams)
{
    const ws_kernel *k = name ? ws_kernel_find(name) : NULL;
    if (!k) return ws_error(WS_ENOENT, "unknown kernel '%s'", name ? name : "(null)");
    if (summary) *summary = k->summary;
    if (help) *help = k->help;
    if (params) *params = k->params;
    if (nparams) *nparams = k->nparams;
    return 0;
}

/* The parameter tables of kernel k, highest priority first (a name in an
 * earlier table hides the same name in a later one). */
static size_t kernel_tables(const ws_kernel *k, const ws_param_info **tabs, size_t *ntabs)
{
    size_t nt = 0;
    tabs[nt] = k->params, ntabs[nt++] = k->nparams;
    if (k->flags & WS_KF_SUBSETS) tabs[nt] = subset_params, ntabs[nt++] = COUNT(subset_params);
    if (k->flags & WS_KF_GROUPS) tabs[nt] = group_params, ntabs[nt++] = COUNT(group_params);
    tabs[nt] = common_params, ntabs[nt++] = COUNT(common_params);
    return nt;
}

int ws_kernel_param(const char *name, size_t i, const ws_param_info **out)
{
    const ws_kernel *k = name ? ws_kernel_find(name) : NULL;
    if (out) *out = NULL;
    if (!k) return ws_error(WS_ENOENT, "unknown kernel '%s'", name ? name : "(null)");
    const ws_param_info *tabs[4];
    size_t ntabs[4], nt = kernel_tables(k, tabs, ntabs), seen = 0;
    for (size_t t = 0; t < nt; t++)
        for (size_t j = 0; j < ntabs[t]; j++) {
            int hidden = 0;
            for (size_t u = 0; u < t && !hidden; u++)
                for (size_t v = 0; v < ntabs[u] && !hidden; v++) hidden = !strcmp(tabs[u][v].name, tabs[t][j].name);
            if (hidden) continue;
            if (seen++ == i) {
                if (out) *out = &tabs[t][j];
                return 0;
            }
        }
    return WS_ENOENT;
}

int ws_param_check(const char *kernel, const char *name, const char *value)
{
    const ws_param_info *pi;
    for (size_t i = 0; !ws_kernel_param(kernel, i, &pi); i++)
        if (name && !strcmp(pi->name, name)) return ws_params_check(pi, value);
    if (!kernel || !ws_kernel_find(kernel)) return ws_error(WS_ENOENT, "unknown kernel '%s'", kernel ? kernel : "(null)");
    return ws_error(WS_EINVAL, "unknown parameter '%s'", name ? name : "(null)");
}

/* ---- requests ---- */

struct ws_request {
    uint64_t magic;
    ws_corpus *corpus;
    const ws_kernel *k;
    ws_params params;
    ws_progress_fn progress;
    void *progress_ctx;
    ws_note_fn note;
    void *note_ctx;
    int cancel; /* read and written atomically */
    uint64_t rows;
    /* side tables: the names asked for (of k->tables), the callback, and
     * during a run the tables the kernel handed over, in order */
    uint32_t want;
    ws_table_fn table_fn;
    void *table_ctx;
    ws_table side[32];
    const char *side_name[32];
    size_t nside;
    /* during a run */
    ws_spill *spill;
    ws_spill_ops spill_ops;
    size_t fanin;
    int threads;
    /* stored MinHash records loaded during a run, per segment of the corpus */
    uint8_t **mh_rows;
    size_t nmh;
    ws_progress_fn run_progress; /* where this run's progress goes (a job's, or progress) */
    void *run_progress_ctx;
    ws_dist dist; /* size 0 or 1: this process alone */
};

static int check_request(const ws_request *q, const char *fn)
{
    if (!q) return ws_error(WS_EINVAL, "%s: NULL request", fn);
    if (q->magic != REQUEST_MAGIC) return ws_error(WS_EINVAL, "%s: not a live request (freed?)", fn);
    return 0;
}

int ws_request_create(ws_request **out, ws_corpus *c, const char *kernel)
{
    if (!out) return ws_error(WS_EINVAL, "ws_request_create: NULL out");
    *out = NULL;
    if (!c || c->magic != CORPUS_MAGIC || c->closed) return ws_error(WS_EINVAL, "ws_request_create: NULL or closed corpus");
    if (!kernel) return ws_error(WS_EINVAL, "ws_request_create: NULL kernel name");
    const ws_kernel *k = ws_kernel_find(kernel);
    if (!k) {
        char known[256] = "";
        size_t n = 0;
        for (size_t i = 0; ws_kernel_name(i) && n + 32 < sizeof known; i++)
            n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", i ? ", " : "", ws_kernel_name(i));
        return ws_error(WS_ENOENT, "unknown kernel '%s' (known: %s)", kernel, known);
    }
    ws_request *q = ws_calloc(1, sizeof *q);
    if (!q) return ws_error(WS_ENOMEM, "out of memory");
    const ws_param_info *tabs[4], *rev[4];
    size_t ntabs[4], nrev[4], nt = kernel_tables(k, tabs, ntabs);
    for (size_t t = 0; t < nt; t++) rev[t] = tabs[nt - 1 - t], nrev[t] = ntabs[nt - 1 - t];
    int rc = ws_params_init(&q->params, rev, nrev, nt); /* there, later tables win */
    if (rc) {
        ws_free(q);
        return rc;
    }
    q->magic = REQUEST_MAGIC;
    q->corpus = c;
    q->k = k;
    c->nrequests++;
    *out = q;
    return 0;
}

void ws_request_free(ws_request *q)
{
    if (!q || q->magic != REQUEST_MAGIC) return;
    ws_params_free(&q->params);
    ws_corpus *c = q->corpus;
    if (--c->nrequests == 0 && c->closed) ws_corpus_free_(c);
    q->magic = 0;
    ws_free(q);
}

int ws_request_set(ws_request *q, const char *name, const char *value)
{
    int rc = check_request(q, "ws_request_set");
    return rc ? rc : ws_params_set_text(&q->params, name, value);
}

int ws_request_set_int(ws_request *q, const char *name, int64_t value)
{
    int rc = check_request(q, "ws_request_set_int");
    return rc ? rc : ws_params_set_int(&q->params, name, value);
}

int ws_request_set_double(ws_request *q, const char *name, double value)
{
    int rc = check_request(q, "ws_request_set_double");
    return rc ? rc : ws_params_set_double(&q->params, name, value);
}

int ws_request_set_flag(ws_request *q, const char *name, int on)
{
    int rc = check_request(q, "ws_request_set_flag");
    return rc ? rc : ws_params_set_flag(&q->params, name, on);
}

int ws_request_on_progress(ws_request *q, ws_progress_fn fn, void *ctx)
{
    int rc = check_request(q, "ws_request_on_progress");
    if (rc) return rc;
    q->progress = fn;
    q->progress_ctx = ctx;
    return 0;
}

int ws_request_on_note(ws_request *q, ws_note_fn fn, void *ctx)
{
    int rc = check_request(q, "ws_request_on_note");
    if (rc) return rc;
    q->note = fn;
    q->note_ctx = ctx;
    return 0;
}

int ws_request_cancel(ws_request *q)
{
    /* No ws_error here: this may run in a signal handler. */
    if (!q || q->magic != REQUEST_MAGIC) return WS_EINVAL;
    __atomic_store_n(&q->cancel, 1, __ATOMIC_RELAXED);
    return 0;
}

uint64_t ws_request_rows(const ws_request *q) { return q && q->magic == REQUEST_MAGIC ? q->rows : 0; }

int ws_request_get(const ws_request *q, const char *name, size_t i, char *buf, size_t cap, int *given)
{
    int rc = check_request(q, "ws_request_get");
    if (rc) return rc;
    if (!name || !buf || !cap) return ws_error(WS_EINVAL, "ws_request_get: NULL name or buffer");
    const ws_pval *v = ws_params_get(&q->params, name);
    if (!v) return ws_error(WS_EINVAL, "unknown parameter '%s' of kernel %s", name, q->k->name);
    if (given) *given = v->given;
    buf[0] = 0;
    const ws_param_info *pi = v->info;
    if (pi->type == WS_PARAM_LIST) {
        /* A list left at its default (topics: --stopwords en) reads as it. */
        if (!v->nlist && pi->def) {
            if (i) return 0;
            snprintf(buf, cap, "%s", pi->def);
            return 1;
        }
        if (i >= v->nlist) return 0;
        snprintf(buf, cap, "%s", v->list[i]);
        return 1;
    }
    if (i) return 0;
    if (pi->type == WS_PARAM_FLAG) {
        snprintf(buf, cap, "%s", v->has && v->i ? "true" : "false");
        return 1;
    }
    if (!v->has) return 0;
    switch (pi->type) {
    case WS_PARAM_INT:
    case WS_PARAM_SIZE: snprintf(buf, cap, "%lld", (long long)v->i); break;
    case WS_PARAM_DOUBLE: snprintf(buf, cap, "%.17g", v->d); break;
    case WS_PARAM_DATE: {
        time_t t = (time_t)v->i;
        struct tm tm;
        if (!gmtime_r(&t, &tm)) return ws_error(WS_EINVAL, "--%s: date out of range", name);
        strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
        break;
    }
    default: snprintf(buf, cap, "%s", v->s ? v->s : ""); break;
    }
    return 1;
}

int ws_corpus_store_state(const ws_corpus *c, size_t i, ws_store_state *out)
{
    if (!c || c->magic != CORPUS_MAGIC || c->closed || !out)
        return ws_error(WS_EINVAL, "ws_corpus_store_state: NULL or closed corpus, or NULL out");
    if (i >= c->nst) return ws_error(WS_ENOENT, "ws_corpus_store_state: the corpus has %zu stores", c->nst);
    out->path = c->st[i]->dir;
    out->generation = c->st[i]->generation;
    out->manifest_checksum = c->st[i]->manifest_sum;
    return 0;
}

const char *ws_kernel_table(const char *kernel, size_t i)
{
    const ws_kernel *k = kernel ? ws_kernel_find(kernel) : NULL;
    for (size_t j = 0; k && k->tables && k->tables[j]; j++)
        if (j == i) return k->tables[j];
    return NULL;
}

int ws_request_want_table(ws_request *q, const char *name)
{
    int rc = check_request(q, "ws_request_want_table");
    if (rc) return rc;
    for (size_t j = 0; name && q->k->tables && q->k->tables[j] && j < 32; j++)
        if (!strcmp(q->k->tables[j], name)) {
            q->want |= 1u << j;
            return 0;
        }
    char known[256] = "";
    size_t n = 0;
    for (size_t j = 0; q->k->tables && q->k->tables[j] && n + 40 < sizeof known; j++)
        n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", j ? ", " : "", q->k->tables[j]);
    return ws_error(WS_ENOENT, "kernel %s makes no table '%s' (its side tables: %s)", q->k->name, name ? name : "(null)",
                    n ? known : "none");
}

int ws_request_on_table(ws_request *q, ws_table_fn fn, void *ctx)
{
    int rc = check_request(q, "ws_request_on_table");
    if (rc) return rc;
    q->table_fn = fn;
    q->table_ctx = ctx;
    return 0;
}

/* ---- the plan's services ---- */

static void plan_note(void *ctx, const char *line)
{
    ws_request *q = ctx;
    if (q->note) q->note(q->note_ctx, line);
}

/* Read a whole file; errors name it. */
static int read_whole(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    struct stat sb;
    if (stat(path, &sb)) return ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) return ws_error(WS_EINVAL, "%s: is a directory", path);
    FILE *f = fopen(path, "rb");
    if (!f) return ws_error(WS_EIO, "%s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = ws_malloc(cap);
    int rc = buf ? 0 : ws_error(WS_ENOMEM, "%s: out of memory", path);
    while (!rc) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *nb = cap > SIZE_MAX / 4 ? NULL : ws_realloc(buf, cap * 2);
        if (!nb) rc = ws_error(WS_ENOMEM, "%s: out of memory", path);
        else buf = nb, cap *= 2;
    }
    if (!rc && ferror(f)) rc = ws_error(WS_EIO, "%s: read error", path);
    fclose(f);
    if (rc) {
        ws_free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return 0;
}

static int plan_read_file(void *ctx, const char *path, char **data, size_t *len)
{
    (void)ctx;
    return read_whole(path, data, len);
}

static int op_write(void *ctx, const void *recs, size_t n, size_t rsize, uint32_t *run)
{
    return ws_spill_write(((ws_request *)ctx)->spill, recs, n, rsize, run);
}

static int op_merge(void *ctx, const uint32_t *runs, size_t nruns, size_t rsize, int (*cmp)(const void *, const void *),
                    void (*combine)(void *, const void *), size_t mem, int (*emit)(void *, const void *), void *arg)
{
    ws_request *q = ctx;
    return ws_spill_merge(q->spill, runs, nruns, rsize, cmp, combine, q->fanin, mem, emit, arg);
}

static void op_stats(void *ctx, uint64_t *runs, uint64_t *bytes, uint32_t *levels)
{
    ws_spill_stats s = ws_spill_get_stats(((ws_request *)ctx)->spill);
    *runs = s.runs;
    *bytes = s.bytes;
    *levels = s.levels;
}

static int plan_spill_open(void *ctx, const char *dir, size_t fanin, const ws_spill_ops **ops)
{
    ws_request *q = ctx;
    if (!q->spill) {
        int rc = ws_spill_open(dir ? dir : ws_params_text(&q->params, "tmp"), &q->cancel, &q->spill);
        if (rc) return rc;
    }
    q->fanin = fanin ? fanin : 64;
    q->spill_ops = (ws_spill_ops){q, op_write, op_merge, op_stats};
    *ops = &q->spill_ops;
    return 0;
}

/* The parallel loop kernels ask for (ws_plan.parallel_for). */
static int plan_parallel_for(void *ctx, size_t n, int (*fn)(void *arg, size_t i, int thread), void *arg)
{
    ws_request *q = ctx;
    int nt = q->threads > 0 ? q->threads : 1, rc = 0;
    /* no more threads than items: an idle thread of the region would only
     * spin at its end (a one-shard topic model calls this once per
     * iteration with n = 1) */
    if ((size_t)nt > n) nt = n ? (int)n : 1;
    size_t first = SIZE_MAX;
    char msg[512] = "";
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (size_t i = 0; i < n; i++) {
        size_t f;
#pragma omp atomic read
        f = first;
        if (f < i) continue; /* an earlier item failed: the result is its error */
        int r = __atomic_load_n(&q->cancel, __ATOMIC_RELAXED) ? WS_ECANCELED : fn(arg, i, omp_get_thread_num());
        if (r) {
#pragma omp critical(ws_plan_pfor)
            if (i < first) {
#pragma omp atomic write
                first = i;
                rc = r;
                snprintf(msg, sizeof msg, "%s", r == WS_ECANCELED ? "cancelled" : ws_last_error());
            }
        }
    }
    return rc ? ws_error(rc, "%s", msg[0] ? msg : ws_strerror(rc)) : 0;
}

static void plan_progress(void *ctx, const ws_progress *p)
{
    ws_request *q = ctx;
    if (q->run_progress) q->run_progress(q->run_progress_ctx, p);
}

static int plan_want_table(void *ctx, const char *name)
{
    ws_request *q = ctx;
    if (!q->table_fn) return 0;
    for (size_t j = 0; q->k->tables && q->k->tables[j] && j < 32; j++)
        if (!strcmp(q->k->tables[j], name)) return (q->want >> j) & 1u;
    return 0;
}

static int plan_side_table(void *ctx, const char *name, ws_table *t)
{
    ws_request *q = ctx;
    if (q->nside == sizeof q->side / sizeof q->side[0]) return ws_error(WS_EINTERNAL, "too many side tables");
    q->side[q->nside] = *t;
    q->side_name[q->nside++] = name;
    ws_table_init(t);
    return 0;
}

static void mh_free(ws_request *q)
{
    for (size_t i = 0; i < q->nmh; i++) ws_free(q->mh_rows[i]);
    ws_free(q->mh_rows);
    q->mh_rows = NULL;
    q->nmh = 0;
}

/* Stored signatures (ws_plan.signatures), read once per run. */
static int plan_signatures(void *ctx, size_t store, uint32_t seg, const ws_mh_params *key, const uint8_t **rows)
{
    ws_request *q = ctx;
    const ws_corpus *c = q->corpus;
    *rows = NULL;
    if (!q->mh_rows) {
        size_t n = 0;
        for (size_t j = 0; j < c->nst; j++) n += c->st[j]->nsegs;
        if (!(q->mh_rows = ws_calloc(n + 1, sizeof *q->mh_rows))) return WS_ENOMEM;
        q->nmh = n;
    }
    size_t k = seg;
    for (size_t j = 0; j < store && j < c->nst; j++) k += c->st[j]->nsegs;
    if (store >= c->nst || seg >= c->st[store]->nsegs) return ws_error(WS_EINTERNAL, "no segment %zu/%u", store, seg);
    ws_free(q->mh_rows[k]);
    q->mh_rows[k] = NULL;
    int rc = ws_dedup_load(c->st[store], seg, key, &q->mh_rows[k]);
    *rows = q->mh_rows[k];
    return rc;
}

static void side_free(ws_request *q)
{
    for (size_t i = 0; i < q->nside; i++) ws_table_free(&q->side[i]);
    q->nside = 0;
}

/* Hand the side tables to the caller, in order. */
static int side_deliver(ws_request *q)
{
    int rc = 0;
    for (size_t i = 0; i < q->nside && !rc; i++) {
        rc = q->table_fn ? q->table_fn(q->table_ctx, q->side_name[i], &q->side[i]) : 0;
        if (rc && rc != WS_ECANCELED && !ws_last_error()[0]) ws_error(rc, "the table callback stopped the run (%d)", rc);
    }
    side_free(q);
    return rc;
}

/* Bytes resident now (Linux /proc/self/statm); 0 when unknown. */
static size_t resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long long size = 0, res = 0;
    int ok = fscanf(f, "%llu %llu", &size, &res) == 2;
    fclose(f);
    return ok ? (size_t)res * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

static size_t default_mem(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || psz <= 0) return (size_t)1 << 30;
    return (size_t)pages / 4 * (size_t)psz;
}

/* One thread's block workspace: the largest block's chunks (compressed and
 * decoded) and its decoded ids and offsets. */
static size_t block_bytes(const ws_corpus *c, uint64_t columns)
{
    size_t most = 0;
    if (columns & WS_COLBIT_TOKCODES) columns |= WS_COLBIT(WS_C_TOKIDS); /* budget as for ids */
    if (columns & WS_COLBIT_TOKSPANS) columns |= WS_COLBIT(WS_C_TOKMETA);
    for (size_t k = 0; k < c->nst; k++)
        for (uint32_t i = 0; i < c->st[k]->nsegs; i++) {
            const ws_segment *s = c->st[k]->segs[i];
            for (uint32_t b = 0; b < s->nblocks; b++) {
                const ws_block_meta *m = &s->blocks[b];
                size_t n = (size_t)m->ntokens * 4 + (size_t)m->nrows * 32;
                for (uint32_t col = 0; col < s->ncols && col < 64; col++)
                    if (columns & WS_COLBIT(col)) n += (size_t)m->chunks[col].raw_size + m->chunks[col].comp_size;
                most = n > most ? n : most;
            }
        }
    return most;
}

/* ---- building the query ---- */

/* A filter from the parameters prefix+from, +to, ... (prefix "", "target-"
 * or "ref-"); *given when one of them is set. Lists point into params. */
typedef struct filter_build {
    ws_filter f;
    const char **sources, **containing;
    ws_where *where;
    char **tags; /* the TAG parts of where, owned */
} filter_build;

static void filter_build_free(filter_build *b)
{
    for (size_t i = 0; b->tags && i < b->f.nwhere; i++) ws_free(b->tags[i]);
    ws_free(b->tags);
    ws_free(b->sources);
    ws_free(b->containing);
    ws_free(b->where);
    memset(b, 0, sizeof *b);
}

static int filter_from_params(const ws_params *p, const char *prefix, filter_build *b, int *given)
{
    memset(b, 0, sizeof *b);
    ws_filter_init(&b->f);
    char name[64];
    *given = 0;
#define P(suffix) (snprintf(name, sizeof name, "%s%s", prefix, suffix), name)
    const ws_pval *from = ws_params_get(p, P("from")), *to;
    if (from && from->given) b->f.from = from->i, *given = 1;
    to = ws_params_get(p, P("to"));
    if (to && to->given) b->f.to = to->i, *given = 1;
    if (from && to && from->given && to->given && from->i > to->i)
        return ws_error(WS_EINVAL, "--%sfrom %s is after --%sto %s: no story can be in that range", prefix,
                        from->s ? from->s : "?", prefix, to->s ? to->s : "?");
    size_t ns, nw, nc;
    const char *const *src = ws_params_list(p, P("source"), &ns);
    const char *const *whr = ws_params_list(p, P("where"), &nw);
    const char *const *con = ws_params_list(p, P("containing"), &nc);
#undef P
    if (nc > WS_SCAN_MAX_CONTAINING) return ws_error(WS_EINVAL, "at most %d --%scontaining options", WS_SCAN_MAX_CONTAINING, prefix);
    b->sources = ws_calloc(ns + 1, sizeof *b->sources);
    b->containing = ws_calloc(nc + 1, sizeof *b->containing);
    b->where = ws_calloc(nw + 1, sizeof *b->where);
    b->tags = ws_calloc(nw + 1, sizeof *b->tags);
    if (!b->sources || !b->containing || !b->where || !b->tags) return ws_error(WS_ENOMEM, "out of memory");
    for (size_t i = 0; i < ns; i++) b->sources[i] = src[i];
    for (size_t i = 0; i < nc; i++) b->containing[i] = con[i];
    for (size_t i = 0; i < nw; i++) {
        const char *eq = strchr(whr[i], '=');
        if (!eq || eq == whr[i]) return ws_error(WS_EINVAL, "--%swhere expects TAG=VALUE, got '%s'", prefix, whr[i]);
        if (!(b->tags[i] = ws_strndup(whr[i], (size_t)(eq - whr[i])))) return ws_error(WS_ENOMEM, "out of memory");
        b->where[i] = (ws_where){b->tags[i], eq + 1};
        b->f.nwhere = i + 1;
    }
    b->f.sources = b->sources;
    b->f.nsources = ns;
    b->f.containing = b->containing;
    b->f.ncontaining = nc;
    b->f.where = b->where;
    *given |= ns || nw || nc;
    return 0;
}

/* Stop words from the `stopwords` lists: bundled names or files. */
typedef struct stop_words {
    ws_str *words;
    size_t n, cap;
    char **files;
    size_t nfiles;
} stop_words;

static void stop_words_free(stop_words *sw)
{
    ws_free(sw->words);
    for (size_t i = 0; i < sw->nfiles; i++) ws_free(sw->files[i]);
    ws_free(sw->files);
    memset(sw, 0, sizeof *sw);
}

static int load_stop_words(const ws_params *p, stop_words *sw)
{
    memset(sw, 0, sizeof *sw);
    size_t nargs;
    const char *const *args = ws_params_list(p, "stopwords", &nargs);
    /* A kernel may default to a list (topics: en); "none" drops the lists
     * named before it (and the default). */
    const ws_pval *pv = ws_params_get(p, "stopwords");
    const char *def[1];
    if (!nargs && pv && !pv->given && pv->info->def) def[0] = pv->info->def, args = def, nargs = 1;
    size_t skip = 0;
    for (size_t i = 0; i < nargs; i++)
        if (!strcmp(args[i], "none")) skip = i + 1;
    args += skip;
    nargs -= skip;
    if (!nargs) return 0;
    if (!(sw->files = ws_calloc(nargs, sizeof *sw->files))) return ws_error(WS_ENOMEM, "out of memory");
    for (size_t i = 0; i < nargs; i++) {
        const char *a = args[i];
        const ws_stoplist *l = strchr(a, '/') ? NULL : ws_stoplist_find(a);
        ws_str text;
        if (l) {
            text = ws_str_make(l->text, l->len);
        } else {
            char *data = NULL;
            size_t len = 0;
            if (read_whole(a, &data, &len)) {
                char why[256], known[1024]; /* about 30 lists of up to 20 bytes each */
                snprintf(why, sizeof why, "%s", ws_last_error());
                size_t n = 0;
                known[0] = 0;
                for (const ws_stoplist *s = ws_stoplists; s->name && n + 40 < sizeof known; s++)
                    n += (size_t)snprintf(known + n, sizeof known - n, "%s%s/%s", n ? ", " : "", s->code, s->name);
                return ws_error(WS_ENOENT, "--stopwords %s: not a bundled list (%s) nor a readable file (%s)", a, known,
                                why);
            }
            sw->files[sw->nfiles++] = data;
            text = ws_str_make(data, len);
        }
        int rc = ws_stopwords_parse(text, &sw->words, &sw->n, &sw->cap);
        if (rc) return rc;
    }
    return 0;
}

/* A normalisation map shared by the runs of jobs (ws_run_begin) over one
 * corpus with equal normalisation options: a job's lines mostly normalise
 * alike, and each building its own map over the dictionaries was 2% of the
 * jobs benchmark's CPU (8 lines, 8 equal maps). Kept while a run uses it
 * (refs); listed per thread (a job begins and ends its runs on one thread,
 * and the map's stemmer is not for two threads at once), so a run of
 * another thread never sees it. */
typedef struct norm_share {
    struct norm_share *next, **list;
    const ws_corpus *corpus;
    int keep_case, no_numbers;
    uint32_t min_len;
    char *stem;  /* NULL: none */
    ws_buf stops; /* the stop words, each as its length and bytes */
    size_t refs;
    ws_norm norm;
} norm_share;
static _Thread_local norm_share *tl_norms;

/* The stop words as one key: each word's length, then its bytes. */
static int stops_key(const ws_str *w, size_t n, ws_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t len = w[i].n;
        if (ws_buf_append(out, &len, sizeof len) || ws_buf_append(out, w[i].p, w[i].n))
            return ws_error(WS_ENOMEM, "out of memory");
    }
    return 0;
}

static void norm_share_release(norm_share *sh)
{
    if (!sh || --sh->refs) return;
    for (norm_share **p = sh->list; *p; p = &(*p)->next)
        if (*p == sh) {
            *p = sh->next;
            break;
        }
    ws_norm_free(&sh->norm);
    ws_free(sh->stem);
    ws_buf_free(&sh->stops);
    ws_free(sh);
}

/* What one run holds; freed by run_end. */
typedef struct run_state {
    filter_build base, target, ref;
    stop_words sw;
    ws_norm norm;
    ws_norm *nm;        /* the run's normalisation: &norm, or a shared one */
    norm_share *shared; /* (share_norm) */
    int share_norm;     /* set before run_prepare: look for an equal map of this thread's runs */
    ws_groups groups;
    int have_norm, have_groups;
    void *ext;
    ws_table table;
    uint64_t *keep; /* --dedup */
    /* the prepared query and scan, kept for the scan and the done hook */
    ws_query kq;
    ws_plan plan;
    ws_filter subsets[2];
    ws_scan_opts so;
    ws_scan_stats stats;
} run_state;

static void run_end(ws_request *q, run_state *r)
{
    if (q->k->release) q->k->release(r->ext);
    ws_table_free(&r->table);
    if (r->have_groups) ws_groups_free(&r->groups);
    if (r->have_norm) ws_norm_free(&r->norm);
    norm_share_release(r->shared);
    stop_words_free(&r->sw);
    filter_build_free(&r->base);
    filter_build_free(&r->target);
    filter_build_free(&r->ref);
    ws_spill_close(q->spill);
    q->spill = NULL;
    side_free(q);
    mh_free(q);
    ws_free(r->keep);
}

/* Prepare the request's run into r (r->table's sink already set, or
 * none): filters, normalisation, grouping, plan, the kernel's prepare
 * hook and the scan options. threads > 0 overrides the request's thread
 * count (a shared scan's), columns adds columns the scan will decode
 * (the block workspace the plan measures). */
static int run_prepare(ws_request *q, run_state *r, int threads, uint64_t columns)
{
    const ws_corpus *c = q->corpus;
    const ws_params *p = &q->params;
    if (c->closed) return ws_error(WS_EINVAL, "the request's corpus was closed");
    int given, tgiven = 0, rgiven = 0;
    int rc = filter_from_params(p, "", &r->base, &given);
    if (!rc && (q->k->flags & WS_KF_SUBSETS)) {
        rc = filter_from_params(p, "target-", &r->target, &tgiven);
        if (!rc) rc = filter_from_params(p, "ref-", &r->ref, &rgiven);
        if (!rc && !tgiven)
            rc = ws_error(WS_EINVAL, "no target: give at least one --target- option (e.g. --target-from 1987-04-01 or "
                                     "--target-where topics=grain)");
    }
    if (rc) return rc;
    /* The normalisation, once over the corpus's dictionaries. */
    if ((rc = load_stop_words(p, &r->sw))) return rc;
    ws_norm_opts no = {0};
    no.keep_case = (int)ws_params_int(p, "case");
    no.min_len = (uint32_t)ws_params_int(p, "min-length");
    no.no_numbers = (int)ws_params_int(p, "no-numbers");
    no.stem = ws_params_text(p, "stem");
    no.stopwords = r->sw.words;
    no.nstopwords = r->sw.n;
    ws_buf stops = {0};
    if (r->share_norm) {
        if ((rc = stops_key(no.stopwords, no.nstopwords, &stops))) return rc;
        for (norm_share *sh = tl_norms; sh; sh = sh->next)
            if (sh->corpus == c && sh->keep_case == no.keep_case && sh->min_len == no.min_len &&
                sh->no_numbers == no.no_numbers && !sh->stem == !no.stem && (!no.stem || !strcmp(sh->stem, no.stem)) &&
                sh->stops.n == stops.n && (!stops.n || !memcmp(sh->stops.p, stops.p, stops.n))) {
                sh->refs++;
                r->shared = sh;
                r->nm = &sh->norm;
                break;
            }
    }
    if (!r->nm) {
        const ws_dict **dicts = ws_calloc(c->nst + 1, sizeof *dicts);
        if (!dicts) {
            ws_buf_free(&stops);
            return ws_error(WS_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < c->nst; i++) dicts[i] = &c->st[i]->dict;
        rc = ws_norm_build_multi(&r->norm, dicts, c->nst, &no);
        ws_free(dicts);
        if (!rc) {
            r->have_norm = 1;
            r->nm = &r->norm;
            rc = ws_corpus_segmentation_(c, &r->norm.seg);
        }
        norm_share *sh = NULL;
        if (!rc && r->share_norm && (sh = ws_calloc(1, sizeof *sh)) && (!no.stem || (sh->stem = ws_strndup(no.stem, strlen(no.stem))))) {
            /* the map moves into the share, kept for the runs after */
            *sh = (norm_share){tl_norms, &tl_norms, c, no.keep_case, no.no_numbers, no.min_len, sh->stem, stops, 1, r->norm};
            stops = (ws_buf){0};
            tl_norms = sh;
            memset(&r->norm, 0, sizeof r->norm);
            r->have_norm = 0;
            r->shared = sh;
            r->nm = &sh->norm;
        } else if (sh) {
            ws_free(sh); /* no memory to share it: the run keeps its own */
        }
    }
    ws_buf_free(&stops);
    if (rc) return rc;
    r->kq.norm = r->nm;
    const char *field = ws_params_text(p, "field");
    r->kq.field = !strcmp(field, "title") ? 1 : !strcmp(field, "body") ? 2 : 0;
    const char *by = (q->k->flags & WS_KF_GROUPS) ? ws_params_text(p, "by") : NULL;
    if (by) {
        const char *tag;
        ws_by b = ws_by_parse(by, &tag);
        if ((rc = ws_groups_build_multi((const ws_store *const *)c->st, c->nst, b, tag, &r->groups))) return rc;
        r->have_groups = 1;
        r->kq.groups = &r->groups;
    }
    /* The plan: threads, memory, services. */
    ws_plan *plan = &r->plan;
    plan->stores = (const ws_store *const *)c->st;
    plan->nstores = c->nst;
    plan->norm = r->nm;
    plan->threads = ws_threads_resolve(threads > 0 ? threads : (int)ws_params_int(p, "threads"));
    plan->mem = ws_params_given(p, "mem") ? (size_t)ws_params_int(p, "mem") : default_mem();
    plan->resident = plan->mem ? resident_bytes() : 0;
    plan->block_bytes = block_bytes(c, q->k->columns | columns);
    plan->ctx = q;
    plan->read_file = plan_read_file;
    plan->spill_open = plan_spill_open;
    plan->note = plan_note;
    plan->parallel_for = plan_parallel_for;
    plan->progress = plan_progress;
    plan->want_table = plan_want_table;
    plan->side_table = plan_side_table;
    plan->signatures = plan_signatures;
    plan->ranks = q->dist.size > 1 ? q->dist.size : 1;
    q->threads = plan->threads;
    /* dedup --save, and --dedup on any other command, first add signatures
     * to the stores that lack them. */
    int dedup = q->k != &ws_kernel_dedup && ws_params_int(p, "dedup");
    /* Across ranks every rank would write the same files at once: signing
     * is left to one process (without stored signatures the stories are
     * signed from their tokens, in memory). */
    if (q->dist.size > 1 && q->k == &ws_kernel_dedup && ws_params_int(p, "save"))
        return ws_error(WS_EINVAL, "dedup --save writes to the stores: run it in one process (without mpirun), then "
                                   "run across ranks without --save");
    if (((q->k == &ws_kernel_dedup && ws_params_int(p, "save")) || dedup) && q->dist.size <= 1) {
        for (size_t i = 0; i < c->nst && !rc; i++) {
            uint32_t added = 0;
            rc = ws_dedup_sign_store(c->st[i], plan->threads, &q->cancel, &added);
            if (!rc && added)
                ws_plan_note(plan, "%s: MinHash signatures added for %u segment(s)", c->st[i]->dir, added);
        }
        if (rc) return rc;
    }
    if (dedup) {
        double th = ws_params_double(p, "dedup-threshold");
        if (!(th > 0 && th <= 1)) return ws_error(WS_EINVAL, "--dedup-threshold %g: a similarity in (0, 1]", th);
        if ((rc = ws_dedup_mask(plan, &r->base.f, th, &q->cancel, &r->keep))) return rc;
    }
    if (q->k->prepare && (rc = q->k->prepare(plan, p, &r->kq, &r->ext))) return rc;
    ws_filter *subsets = r->subsets;
    subsets[0] = r->target.f;
    subsets[1] = r->ref.f;
    ws_scan_opts *so = &r->so;
    so->threads = plan->threads;
    so->filter = r->base.f;
    so->progress = q->run_progress;
    so->progress_ctx = q->run_progress_ctx;
    so->cancel = &q->cancel;
    so->keep = r->keep;
    so->dist = q->dist.size > 1 ? &q->dist : NULL;
    if (q->k->flags & WS_KF_SUBSETS) {
        so->subsets = subsets;
        so->nsubsets = rgiven ? 2 : 1;
        so->rest = !rgiven;
    }
    return 0;
}

/* After the scan (its status rc): the rows, notes, the done hook. */
static int run_after(ws_request *q, run_state *r, int rc)
{
    const ws_scan_stats stats = r->stats;
    const ws_scan_opts so = r->so;
    q->rows = ws_table_rows(&r->table);
    /* An empty answer to filters that match nothing (a typo in a value, a
     * range outside the corpus) looks like an answer: say so. */
    if (!rc && !stats.stories && (!ws_filter_is_empty(&so.filter) || so.nsubsets))
        ws_plan_note(&r->plan, "note: no story matches the filters");
    if (!rc && q->k->done) q->k->done(r->ext, &r->plan, &r->kq);
    return rc;
}

/* Run the request into r->table (its sink already set, or none). */
static int run(ws_request *q, run_state *r)
{
    q->run_progress = q->progress;
    q->run_progress_ctx = q->progress_ctx;
    int rc = run_prepare(q, r, 0, 0);
    if (rc) return rc;
    const ws_corpus *c = q->corpus;
    rc = ws_scan_multi((const ws_store *const *)c->st, c->nst, q->k, &r->kq, &r->so, &r->table, &r->stats);
    return run_after(q, r, rc);
}

int ws_request_set_dist(ws_request *q, const ws_dist *d)
{
    int rc = check_request(q, "ws_request_set_dist");
    if (rc) return rc;
    if (d && (d->size < 1 || d->rank < 0 || d->rank >= d->size || (d->size > 1 && (!d->gather || !d->bcast_int))))
        return ws_error(WS_EINVAL, "ws_request_set_dist: rank %d of %d, or a missing collective", d->rank, d->size);
    memset(&q->dist, 0, sizeof q->dist);
    if (d) q->dist = *d;
    return 0;
}

int ws_request_run(ws_request *q, ws_result **out)
{
    if (out) *out = NULL;
    int rc = check_request(q, "ws_request_run");
    if (rc) return rc;
    if (!out) return ws_error(WS_EINVAL, "ws_request_run: NULL out");
    run_state r;
    memset(&r, 0, sizeof r);
    ws_table_init(&r.table);
    q->rows = 0;
    rc = run(q, &r);
    __atomic_store_n(&q->cancel, 0, __ATOMIC_RELAXED); /* a cancel stops one run */
    if (!rc) rc = side_deliver(q);
    if (!rc) {
        ws_result *res = ws_malloc(sizeof *res);
        if (!res) rc = ws_error(WS_ENOMEM, "out of memory");
        else {
            *res = r.table; /* the table moves to the caller */
            ws_table_init(&r.table);
            *out = res;
        }
    }
    run_end(q, &r);
    return rc;
}

typedef struct user_sink {
    ws_batch_fn fn;
    void *ctx;
} user_sink;

static int to_user(void *ctx, const ws_table *batch)
{
    const user_sink *u = ctx;
    int rc = u->fn(u->ctx, batch);
    if (rc && rc != WS_ECANCELED && !ws_last_error()[0]) ws_error(rc, "the batch callback stopped the run (%d)", rc);
    return rc;
}

int ws_request_stream(ws_request *q, ws_batch_fn fn, void *ctx)
{
    int rc = check_request(q, "ws_request_stream");
    if (rc) return rc;
    if (!fn) return ws_error(WS_EINVAL, "ws_request_stream: NULL callback");
    run_state r;
    memset(&r, 0, sizeof r);
    ws_table_init(&r.table);
    user_sink u = {fn, ctx};
    ws_table_set_sink(&r.table, 4096, to_user, &u);
    q->rows = 0;
    ws_error_clear();
    rc = run(q, &r);
    __atomic_store_n(&q->cancel, 0, __ATOMIC_RELAXED); /* a cancel stops one run */
    if (!rc) rc = side_deliver(q);
    run_end(q, &r);
    return rc;
}

/* ---- a run in steps, for jobs (ws_run.h) ---- */

struct ws_run {
    ws_request *q;
    run_state r;
    user_sink u;
};

int ws_run_begin(ws_request *q, ws_batch_fn fn, void *ctx, int threads, uint64_t columns, ws_progress_fn progress,
                 void *progress_ctx, ws_run **out)
{
    *out = NULL;
    int rc = check_request(q, "ws_job_run");
    if (rc) return rc;
    if (!fn) return ws_error(WS_EINVAL, "ws_job_add: NULL callback");
    ws_run *w = ws_calloc(1, sizeof *w);
    if (!w) return ws_error(WS_ENOMEM, "out of memory");
    w->q = q;
    w->u = (user_sink){fn, ctx};
    ws_table_init(&w->r.table);
    ws_table_set_sink(&w->r.table, 4096, to_user, &w->u);
    w->r.share_norm = 1;
    q->rows = 0;
    q->run_progress = progress ? progress : q->progress;
    q->run_progress_ctx = progress ? progress_ctx : q->progress_ctx;
    rc = run_prepare(q, &w->r, threads, columns);
    /* A job refuses what a scan would refuse before any scan runs. */
    const ws_store *const *st = (const ws_store *const *)q->corpus->st;
    if (!rc) rc = ws_filter_check(st, q->corpus->nst, &w->r.so.filter, w->r.nm);
    for (uint32_t i = 0; !rc && i < w->r.so.nsubsets; i++)
        rc = ws_filter_check(st, q->corpus->nst, &w->r.so.subsets[i], w->r.nm);
    if (rc) {
        __atomic_store_n(&q->cancel, 0, __ATOMIC_RELAXED);
        run_end(q, &w->r);
        ws_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

const ws_store *const *ws_run_stores(const ws_run *w, size_t *nst)
{
    *nst = w->q->corpus->nst;
    return (const ws_store *const *)w->q->corpus->st;
}


void ws_run_item(ws_run *w, ws_scan_item *it)
{
    memset(it, 0, sizeof *it);
    it->k = w->q->k;
    it->q = &w->r.kq;
    it->o = &w->r.so;
    it->out = &w->r.table;
}

const ws_scan_opts *ws_run_opts(const ws_run *w) { return &w->r.so; }
ws_scan_stats *ws_run_stats(ws_run *w) { return &w->r.stats; }

int ws_run_scan(ws_run *w)
{
    const ws_corpus *c = w->q->corpus;
    return ws_scan_multi((const ws_store *const *)c->st, c->nst, w->q->k, &w->r.kq, &w->r.so, &w->r.table, &w->r.stats);
}

int ws_run_end(ws_run *w, int rc)
{
    if (!w) return rc;
    ws_request *q = w->q;
    rc = run_after(q, &w->r, rc);
    __atomic_store_n(&q->cancel, 0, __ATOMIC_RELAXED);
    if (!rc) rc = side_deliver(q);
    run_end(q, &w->r);
    ws_free(w);
    return rc;
}

const ws_kernel *ws_request_kernel(const ws_request *q) { return q->k; }
/* (and the same ranks: a shared scan runs across the ranks of its first request) */
int ws_request_over_same(const ws_request *a, const ws_request *b)
{
    return a->corpus == b->corpus && a->dist.size == b->dist.size && a->dist.rank == b->dist.rank &&
           a->dist.ctx == b->dist.ctx;
}
/* A request can join a shared scan when its kernel can and it needs no
 * per-story mask (--dedup clusters stories before its scan). */
int ws_request_shareable(const ws_request *q)
{
    return ws_scan_shareable(q->k) && !(q->k != &ws_kernel_dedup && ws_params_int(&q->params, "dedup"));
}
int *ws_request_cancel_flag(ws_request *q) { return &q->cancel; }
