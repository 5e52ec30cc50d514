/*
 * wirescan run: a job file of analytic command lines, run as one job
 * (ws_job: the lines that can share a scan are served by one pass over
 * the store), each line's report with its provenance (FILE.meta.json),
 * and `run --check DIR` to list the reports a store change made stale.
 *
 * The job file: one command a line as on the command line without
 * `wirescan` and the store ("tf --by month --top 10 -o tf_month.csv"),
 * words split as a POSIX shell splits them ('single', "double" quotes,
 * backslash escapes; a word starting with # starts a comment), a line
 * ending in a backslash continued on the next; blank lines skipped. Each
 * line gives -o FILE (relative to -o DIR) and may give --store PATH
 * (repeatable) to read other stores than the command line's.
 *
 * Everything is checked before anything runs: the words, the options and
 * their values (the same parsing as the commands themselves, ws_kcmd.h),
 * the stores, and then every request is prepared (ws_job_prepare: tags,
 * topics and stop-word files, ...); the first problem is reported as
 * JOBFILE:LINE: and nothing is written. At run time a failing line fails
 * the job (its exit status) with its line named; its report is written
 * under a temporary name and removed, and the reports that finished are
 * kept with their .meta.json.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wirescan.h"
#include "ws_cli.h"
#include "ws_kcmd.h"
#include "ws_mpi.h"

static const char run_help[] =
    "usage: wirescan run STORE... JOBFILE [-o DIR] [--threads N] [--progress] [-q]\n"
    "       wirescan run --check DIR\n"
    "\n"
    "Run every analytic command of JOBFILE over the stores, as one job: the\n"
    "lines that can share a scan (tf, keyness, cooc, ngrams, trends) are served\n"
    "by one pass over the store, each block read and its words decoded once;\n"
    "topics, kwic, dtm and lines with --store run after it, one by one. Each\n"
    "report is byte for byte what its line writes when run alone, for any\n"
    "thread count, and gets FILE.meta.json beside it: the wirescan version, the\n"
    "stores (path, generation, manifest checksum), the line as written, every\n"
    "filter and normalisation value as resolved (defaults included) and the row\n"
    "count. DIR/run.log gets the times, the host and each line's outcome.\n"
    "\n"
    "JOBFILE: one command a line, as on the command line without 'wirescan'\n"
    "and the store, each with its own -o FILE (relative to DIR):\n"
    "  # monthly terms and collocates\n"
    "  tf --by month --top 10 -o tf_month.csv\n"
    "  cooc --term oil --doc --measure npmi --top 20 \\\n"
    "       -o cooc_oil.csv\n"
    "  trends --topics topics.txt --bucket month -o trends.csv --chart trends.svg\n"
    "Words split as in a shell (quotes, backslashes); '#' starts a comment; a\n"
    "line ending in '\\' goes on; --store PATH (repeatable) gives a line other\n"
    "stores. The whole job is checked first: a bad line is reported as\n"
    "JOBFILE:LINE and nothing runs. A line that fails at run time fails the job\n"
    "(exit status of its error) naming its line; its report is not written\n"
    "(no partial file under its name), and the other reports are kept.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR       where the reports go (default: the current folder;\n"
    "                         made when missing)\n"
    "  -j, --threads N        threads (default 0: all cores, or the lines' own)\n"
    "      --progress         progress line on stderr (default when it is a terminal)\n"
    "      --no-progress      no progress line\n"
    "  -q, --quiet            no notes on stderr\n"
    "      --check DIR        list the reports under DIR whose stores changed since\n"
    "                         they were made (exit 1 when some are stale)\n"
    "  -h, --help             this help\n";

/* ---- the job file ---- */

typedef struct jline {
    int lineno;
    char *text;        /* the line as written (continuations joined) */
    char **words;      /* argv of the command: words[0] is its name */
    int nwords;
    char **stores;     /* --store PATH values; NULL: the command line's */
    size_t nstores;
    char prog[300];    /* "JOBFILE:LINE: cmd", for messages */
    ws_kcmd k;
    int parsed;
    const char *outs[64]; /* its outputs as written (relative to DIR) */
    size_t nouts;
    ws_corpus *corpus; /* borrowed */
    int status;
    int shared;
    double t0;
} jline;

typedef struct job_file {
    char *data;
    jline *lines;
    size_t n;
} job_file;

static void job_file_free(job_file *jf)
{
    for (size_t i = 0; i < jf->n; i++) {
        jline *l = &jf->lines[i];
        if (l->parsed) ws_kcmd_free(&l->k);
        for (int w = 0; w < l->nwords; w++) free(l->words[w]);
        free(l->words);
        for (size_t s = 0; s < l->nstores; s++) free(l->stores[s]);
        free(l->stores);
        free(l->text);
    }
    free(jf->lines);
    free(jf->data);
}

/* Split one logical line into words as a POSIX shell would (quotes,
 * backslashes, # comments); 0, or -1 with *why set. */
static int split_words(const char *s, char ***out, int *n, const char **why)
{
    size_t len = strlen(s);
    char **w = calloc(len / 2 + 2, sizeof *w);
    char *cur = malloc(len + 1);
    int nw = 0;
    if (!w || !cur) {
        free(w), free(cur);
        *why = "out of memory";
        return -1;
    }
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r') p++;
        if (!*p || *p == '#') break;
        size_t m = 0;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r') {
            if (*p == '\'') {
                const char *e = strchr(p + 1, '\'');
                if (!e) {
                    *why = "unterminated ' quote";
                    goto bad;
                }
                memcpy(cur + m, p + 1, (size_t)(e - p - 1));
                m += (size_t)(e - p - 1);
                p = e + 1;
            } else if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$' || p[1] == '`')) p++;
                    cur[m++] = *p++;
                }
                if (*p != '"') {
                    *why = "unterminated \" quote";
                    goto bad;
                }
                p++;
            } else if (*p == '\\' && p[1]) {
                cur[m++] = p[1];
                p += 2;
            } else {
                cur[m++] = *p++;
            }
        }
        if (!(w[nw] = malloc(m + 1))) {
            *why = "out of memory";
            goto bad;
        }
        memcpy(w[nw], cur, m);
        w[nw++][m] = 0;
    }
    free(cur);
    *out = w;
    *n = nw;
    return 0;
bad:
    for (int i = 0; i < nw; i++) free(w[i]);
    free(w);
    free(cur);
    return -1;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) free(buf);
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Read the job file into logical lines (words split); 0 or an exit status. */
static int read_job(const char *path, job_file *jf)
{
    memset(jf, 0, sizeof *jf);
    size_t len = 0;
    if (!(jf->data = read_file(path, &len))) {
        fprintf(stderr, "wirescan run: %s: %s\n", path, strerror(errno ? errno : EIO));
        return ws_exit_status(errno == ENOENT ? WS_ENOENT : WS_EIO);
    }
    if (memchr(jf->data, 0, len)) {
        fprintf(stderr, "wirescan run: %s: not a text file (NUL byte)\n", path);
        return 2;
    }
    size_t cap = 16;
    jf->lines = calloc(cap, sizeof *jf->lines);
    char *logical = malloc(len + 1);
    if (!jf->lines || !logical) {
        free(logical);
        return ws_cli_fail(WS_ENOMEM);
    }
    int lineno = 0, status = 0;
    char *p = jf->data;
    if (!strncmp(p, "\xEF\xBB\xBF", 3)) p += 3;
    while (*p && !status) {
        int first = lineno + 1;
        size_t m = 0;
        for (;;) { /* one logical line: physical lines joined at a final backslash */
            char *e = strchr(p, '\n');
            size_t pl = e ? (size_t)(e - p) : strlen(p);
            lineno++;
            size_t q = pl;
            if (q && p[q - 1] == '\r') q--;
            size_t bs = 0;
            while (bs < q && p[q - 1 - bs] == '\\') bs++;
            int cont = bs % 2 == 1;
            memcpy(logical + m, p, cont ? q - 1 : q);
            m += cont ? q - 1 : q;
            p = e ? e + 1 : p + pl;
            if (!cont || !*p) break;
        }
        logical[m] = 0;
        char **words;
        int nw;
        const char *why;
        if (split_words(logical, &words, &nw, &why)) {
            fprintf(stderr, "wirescan run: %s:%d: %s\n", path, first, why);
            status = 2;
            break;
        }
        if (!nw) {
            free(words);
            continue;
        }
        if (jf->n == cap) {
            jline *nl = realloc(jf->lines, cap * 2 * sizeof *nl);
            if (!nl) {
                status = ws_cli_fail(WS_ENOMEM);
                break;
            }
            jf->lines = nl;
            memset(jf->lines + cap, 0, cap * sizeof *nl);
            cap *= 2;
        }
        jline *l = &jf->lines[jf->n++];
        l->lineno = first;
        l->words = words;
        l->nwords = nw;
        /* the text as written: trimmed */
        char *t = logical;
        while (*t == ' ' || *t == '\t') t++;
        size_t tl = strlen(t);
        while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\t' || t[tl - 1] == '\r')) tl--;
        l->text = strndup(t, tl);
        snprintf(l->prog, sizeof l->prog, "%s:%d: %s", path, first, words[0]);
    }
    free(logical);
    if (!status && !jf->n) {
        fprintf(stderr, "wirescan run: %s: no command in the job file\n", path);
        status = 2;
    }
    return status;
}

static int is_kernel(const char *name)
{
    for (size_t i = 0; ws_kernel_name(i); i++)
        if (!strcmp(ws_kernel_name(i), name)) return 1;
    return 0;
}

/* Take --store PATH / --store=PATH out of a line's words. */
static int take_stores(jline *l)
{
    l->stores = calloc((size_t)l->nwords + 1, sizeof *l->stores);
    if (!l->stores) return -1;
    int o = 1;
    for (int i = 1; i < l->nwords; i++) {
        if (!strcmp(l->words[i], "--")) {
            while (i < l->nwords) l->words[o++] = l->words[i++];
            break;
        }
        if (!strcmp(l->words[i], "--store") && i + 1 < l->nwords) {
            free(l->words[i]);
            l->stores[l->nstores++] = l->words[++i];
            continue;
        }
        if (!strncmp(l->words[i], "--store=", 8)) {
            memmove(l->words[i], l->words[i] + 8, strlen(l->words[i] + 8) + 1);
            l->stores[l->nstores++] = l->words[i];
            continue;
        }
        l->words[o++] = l->words[i];
    }
    /* the store words stay owned through l->stores */
    l->nwords = o;
    return 0;
}

/* ---- provenance ---- */

static json_t *param_value(const ws_request *q, const ws_param_info *pi)
{
    char buf[4096];
    if (pi->type == WS_PARAM_LIST) {
        json_t *a = json_array();
        for (size_t i = 0; ws_request_get(q, pi->name, i, buf, sizeof buf, NULL) == 1; i++)
            json_array_append_new(a, json_string(buf));
        return a;
    }
    if (ws_request_get(q, pi->name, 0, buf, sizeof buf, NULL) != 1) return json_null();
    switch (pi->type) {
    case WS_PARAM_FLAG: return json_boolean(!strcmp(buf, "true"));
    case WS_PARAM_INT:
    case WS_PARAM_SIZE: return json_integer(strtoll(buf, NULL, 10));
    case WS_PARAM_DOUBLE: return json_real(strtod(buf, NULL));
    default: return json_string(buf);
    }
}

static int write_meta(const char *jobpath, const jline *l, const char *dir)
{
    const ws_kcmd *k = &l->k;
    json_t *m = json_object(), *stores = json_array(), *own = json_object(), *filters = json_object(),
           *norm = json_object(), *files = json_array();
    json_object_set_new(m, "wirescan", json_string(ws_version()));
    json_object_set_new(m, "job", json_string(jobpath));
    json_object_set_new(m, "line", json_integer(l->lineno));
    json_object_set_new(m, "command", json_string(l->text));
    json_object_set_new(m, "kernel", json_string(k->kernel));
    ws_store_state ss;
    for (size_t i = 0; !ws_corpus_store_state(l->corpus, i, &ss); i++) {
        char real[PATH_MAX], sum[32];
        json_t *s = json_object();
        json_object_set_new(s, "path", json_string(realpath(ss.path, real) ? real : ss.path));
        json_object_set_new(s, "generation", json_integer((json_int_t)ss.generation));
        snprintf(sum, sizeof sum, "%016llx", (unsigned long long)ss.manifest_checksum);
        json_object_set_new(s, "manifest_checksum", json_string(sum));
        json_array_append_new(stores, s);
    }
    json_object_set_new(m, "stores", stores);
    /* Every parameter as resolved, by section; the run section (threads,
     * memory, spill folder) does not change the answer and is left out. */
    const ws_param_info *pi;
    for (size_t i = 0; !ws_kernel_param(k->kernel, i, &pi); i++) {
        if (pi->flags & WS_PARAM_HIDDEN) continue;
        json_t *into = !pi->section ? own : !strcmp(pi->section, "filters") ? filters
                     : !strcmp(pi->section, "normalisation") ? norm : NULL;
        if (into) json_object_set_new(into, pi->name, param_value(k->q, pi));
    }
    json_object_set_new(m, "parameters", own);
    json_object_set_new(m, "filters", filters);
    json_object_set_new(m, "normalisation", norm);
    json_object_set_new(m, "format", json_string(k->fmt == WS_FORMAT_JSONL ? "jsonl" : "csv"));
    json_object_set_new(m, "rows", json_integer((json_int_t)ws_request_rows(k->q)));
    for (size_t i = 0; i < l->nouts; i++) {
        if (i == 0 && !strcmp(k->cmd, "dtm")) {
            static const char *const sfx[] = {".mtx", ".rows.csv", ".cols.csv"};
            for (int s = 0; s < 3; s++) {
                char f[4096];
                snprintf(f, sizeof f, "%s%s", l->outs[0], sfx[s]);
                json_array_append_new(files, json_string(f));
            }
            continue;
        }
        json_array_append_new(files, json_string(l->outs[i]));
    }
    json_object_set_new(m, "files", files);
    char *text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(m);
    if (!text) return ws_cli_fail(WS_ENOMEM);
    char path[4096], tmp[4200];
    if (l->outs[0][0] == '/') snprintf(path, sizeof path, "%s.meta.json", l->outs[0]);
    else snprintf(path, sizeof path, "%s/%s.meta.json", dir, l->outs[0]);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int status = 0;
    if (!f) {
        fprintf(stderr, "wirescan run: %s: cannot create: %s\n", tmp, strerror(errno));
        status = ws_exit_status(WS_EIO);
    } else {
        fputs(text, f);
        fputc('\n', f);
        if ((status = ws_cli_close_out(f, tmp)) || rename(tmp, path)) {
            if (!status) fprintf(stderr, "wirescan run: %s: %s\n", path, strerror(errno));
            status = status ? status : ws_exit_status(WS_EIO);
            unlink(tmp);
        }
    }
    free(text);
    return status;
}

/* ---- --check ---- */

typedef struct check_state {
    const char *dir;
    int reports, stale, bad;
    /* the stores seen: path -> state (0 generation and sum: could not open) */
    char **paths;
    ws_store_state *states;
    int *ok;
    size_t n, cap;
} check_state;

static check_state *g_check;

static int store_now(check_state *c, const char *path, ws_store_state *out)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->paths[i], path)) {
            *out = c->states[i];
            return c->ok[i];
        }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        char **p = realloc(c->paths, cap * sizeof *p);
        if (p) c->paths = p;
        ws_store_state *s = realloc(c->states, cap * sizeof *s);
        if (s) c->states = s;
        int *o = realloc(c->ok, cap * sizeof *o);
        if (o) c->ok = o;
        if (!p || !s || !o) return 0;
        c->cap = cap;
    }
    ws_corpus *corpus = NULL;
    const char *paths[1] = {path};
    int ok = ws_corpus_open(&corpus, paths, 1) == 0 && ws_corpus_store_state(corpus, 0, out) == 0;
    if (!ok) memset(out, 0, sizeof *out);
    out->path = NULL;
    ws_corpus_close(corpus);
    c->paths[c->n] = strdup(path);
    c->states[c->n] = *out;
    c->ok[c->n++] = ok;
    return ok;
}

static int check_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    check_state *c = g_check;
    size_t n = strlen(path);
    if (flag != FTW_F || n < 10 || strcmp(path + n - 10, ".meta.json")) return 0;
    const char *rel = path + strlen(c->dir);
    while (*rel == '/') rel++;
    int rn = (int)strlen(rel) - 10;
    json_error_t je;
    json_t *m = json_load_file(path, 0, &je);
    json_t *stores = m ? json_object_get(m, "stores") : NULL;
    c->reports++;
    if (!json_is_array(stores)) {
        printf("unreadable %.*s: %s is not a wirescan meta file (%s)\n", rn, rel, path, m ? "no stores" : je.text);
        c->bad++;
        json_decref(m);
        return 0;
    }
    int stale = 0;
    json_t *files = json_object_get(m, "files");
    size_t i;
    json_t *v;
    json_array_foreach(files, i, v)
    {
        char f[4096];
        const char *name = json_string_value(v);
        if (!name) continue;
        if (name[0] == '/') snprintf(f, sizeof f, "%s", name);
        else snprintf(f, sizeof f, "%s/%s", c->dir, name);
        if (access(f, F_OK)) {
            printf("missing %.*s: %s is gone\n", rn, rel, name);
            stale = 1;
            break;
        }
    }
    json_array_foreach(stores, i, v)
    {
        const char *sp = json_string_value(json_object_get(v, "path"));
        json_int_t gen = json_integer_value(json_object_get(v, "generation"));
        const char *sum = json_string_value(json_object_get(v, "manifest_checksum"));
        if (!sp || !sum) continue;
        ws_store_state now;
        if (!store_now(c, sp, &now)) {
            printf("stale %.*s: store %s cannot be opened\n", rn, rel, sp);
            stale = 1;
            continue;
        }
        char nowsum[32];
        snprintf(nowsum, sizeof nowsum, "%016llx", (unsigned long long)now.manifest_checksum);
        if ((json_int_t)now.generation != gen || strcmp(nowsum, sum)) {
            printf("stale %.*s: store %s is at generation %llu, the report was made at %lld\n", rn, rel, sp,
                   (unsigned long long)now.generation, (long long)gen);
            stale = 1;
        }
    }
    c->stale += stale;
    json_decref(m);
    return 0;
}

static int run_check(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "wirescan run: --check %s: not a folder\n", dir);
        return ws_exit_status(WS_ENOENT);
    }
    check_state c = {0};
    c.dir = dir;
    g_check = &c;
    int rc = nftw(dir, check_one, 16, FTW_PHYS);
    g_check = NULL;
    for (size_t i = 0; i < c.n; i++) free(c.paths[i]);
    free(c.paths), free(c.states), free(c.ok);
    if (rc) {
        fprintf(stderr, "wirescan run: --check %s: %s\n", dir, strerror(errno));
        return ws_exit_status(WS_EIO);
    }
    int status = ws_cli_close_out(stdout, NULL);
    fprintf(stderr, "wirescan run: %d report%s under %s, %d stale%s\n", c.reports, c.reports == 1 ? "" : "s", dir,
            c.stale, c.bad ? ", some unreadable" : "");
    if (status) return status;
    return c.stale || c.bad ? 1 : 0;
}

/* ---- progress, notes, signals ---- */

typedef struct run_ctx {
    ws_job *job;
    int tty, quiet;
    double value;
    int have_value;
} run_ctx;

static void job_progress(void *ctx, const ws_progress *p)
{
    run_ctx *rc = ctx;
    if (!rc->tty) return;
    uint32_t step = 0, steps = 0;
    ws_job_step(rc->job, &step, &steps);
    if (p->measure) rc->have_value = 1, rc->value = p->value;
    fprintf(stderr, "\r\033[Kjob step %u/%u: ", step, steps);
    if (!strcmp(p->phase, "topics")) {
        fprintf(stderr, "topics: iteration %llu/%llu", (unsigned long long)p->done, (unsigned long long)p->total);
        if (rc->have_value) fprintf(stderr, ", log-likelihood/token %.4f", rc->value);
    } else {
        fprintf(stderr, "%s: %llu/%llu blocks (%.0f%%), %.1fM tokens", p->phase, (unsigned long long)p->done,
                (unsigned long long)p->total, p->total ? 100.0 * (double)p->done / (double)p->total : 100.0,
                (double)p->items / 1e6);
    }
    fprintf(stderr, ", %.1f s", p->elapsed_s);
    if (p->final) fputc('\n', stderr);
    fflush(stderr);
}

typedef struct line_note {
    const jline *l;
    int quiet;
} line_note;

static void on_line_note(void *ctx, const char *line)
{
    const line_note *n = ctx;
    if (!n->quiet || !strncmp(line, "note: ", 6)) fprintf(stderr, "wirescan run: %s: %s\n", n->l->prog, line);
}

static void cancel_job(void *j) { ws_job_cancel(j); }

/* mkdir -p of path's folder (with_last: of path itself). */
static int make_dirs(const char *path, int with_last)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    if (!with_last) {
        char *s = strrchr(buf, '/');
        if (!s) return 0;
        *s = 0;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            if (buf[0] && mkdir(buf, 0777) && errno != EEXIST) {
                fprintf(stderr, "wirescan run: %s: cannot make the folder: %s\n", buf, strerror(errno));
                return ws_exit_status(WS_EIO);
            }
            *p = c;
            if (!c) break;
        }
    }
    return 0;
}

static void utc_now(char *buf, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the command ---- */

enum { R_PROGRESS = 4000, R_NOPROGRESS, R_CHECK };

int ws_cmd_run(int argc, char **argv)
{
    static const struct option lo[] = {{"output", required_argument, 0, 'o'},
                                       {"threads", required_argument, 0, 'j'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {"progress", no_argument, 0, R_PROGRESS},
                                       {"no-progress", no_argument, 0, R_NOPROGRESS},
                                       {"check", required_argument, 0, R_CHECK},
                                       {0, 0, 0, 0}};
    const char *dir = ".", *check = NULL;
    unsigned long long threads = 0;
    int progress = isatty(2), quiet = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "o:j:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 'j':
            if (ws_cli_parse_uint("--threads", optarg, 4096, &threads)) return ws_cli_try("run");
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(run_help, stdout); return ws_cli_close_out(stdout, NULL);
        case R_PROGRESS: progress = 1; break;
        case R_NOPROGRESS: progress = 0; break;
        case R_CHECK: check = optarg; break;
        default: return ws_cli_try("run");
        }
    }
    int npos = argc - optind;
    char **pos = argv + optind;
    if (check) {
        if (npos) {
            fprintf(stderr, "wirescan run: --check DIR takes no store or job file\n");
            return ws_cli_try("run");
        }
        return run_check(check);
    }
    if (npos < 2) {
        fprintf(stderr, "wirescan run: give STORE... JOBFILE\n");
        return ws_cli_try("run");
    }
    const char *jobpath = pos[npos - 1];
    job_file jf;
    int status = read_job(jobpath, &jf);
    /* 1. Every line parsed and checked, without a store. */
    for (size_t i = 0; i < jf.n && !status; i++) {
        jline *l = &jf.lines[i];
        if (!is_kernel(l->words[0])) {
            fprintf(stderr, "wirescan run: %s:%d: unknown command '%s' (a job runs analytic commands:", jobpath,
                    l->lineno, l->words[0]);
            for (size_t k = 0; ws_kernel_name(k); k++) fprintf(stderr, " %s", ws_kernel_name(k));
            fprintf(stderr, ")\n");
            status = 2;
            break;
        }
        if (take_stores(l)) {
            status = ws_cli_fail(WS_ENOMEM);
            break;
        }
        status = ws_kcmd_parse(&l->k, l->words[0], l->prog, l->nwords, l->words, 1);
        l->parsed = 1;
        if (status) break;
        ws_kcmd *k = &l->k;
        if (k->nstores) {
            fprintf(stderr, "%s: unexpected argument '%s' (the store comes from the command line; --store PATH gives a "
                            "line its own)\n", l->prog, k->stores[0]);
            status = 2;
        } else if (!k->out_path || !strcmp(k->out_path, "-")) {
            fprintf(stderr, "%s: no -o FILE (each line of a job writes its own report, relative to -o DIR)\n", l->prog);
            status = 2;
        }
        if (!status) status = ws_kcmd_check(k);
        if (status) break;
        for (const char *o; l->nouts < 64 && (o = ws_kcmd_output(k, l->nouts));) l->outs[l->nouts++] = o;
        if (ws_kcmd_rebase(k, dir)) status = ws_cli_fail(WS_ENOMEM);
        k->atomic = 1;
        /* Two lines (or two outputs) writing one file. */
        for (size_t a = 0; a < l->nouts && !status; a++) {
            const char *pa = ws_kcmd_output(k, a);
            for (size_t j = 0; j <= i && !status; j++) {
                const jline *m = &jf.lines[j];
                for (size_t b = 0; b < (j == i ? a : m->nouts) && !status; b++)
                    if (!strcmp(pa, ws_kcmd_output(&m->k, b))) {
                        fprintf(stderr, "%s: %s is written by line %d too\n", l->prog, l->outs[a], m->lineno);
                        status = 2;
                    }
            }
        }
    }
    /* Under mpirun every rank runs the job (the shared scans and the lines
     * that run alone) over its shards, and rank 0 writes the reports, their
     * .meta.json and run.log (docs/scale-out.md); the others write nothing. */
    const int remote = ws_mpi_rank() != 0;
    if (remote) {
        quiet = 1, progress = 0;
        for (size_t i = 0; i < jf.n; i++) {
            ws_kcmd *k = &jf.lines[i].k;
            if (!jf.lines[i].parsed) continue;
            k->out_path = "/dev/null", k->quiet = 1, k->progress = 0, k->ncharts = 0, k->nsides = 0, k->atomic = 0;
        }
    }
    /* 2. The stores: the command line's, and each distinct --store list. */
    size_t nmain = (size_t)npos - 1;
    ws_corpus **corpora = calloc(jf.n + 1, sizeof *corpora);
    int rc = 0;
    if (!status && !corpora) status = ws_cli_fail(WS_ENOMEM);
    if (!status && (rc = ws_corpus_open(&corpora[0], (const char *const *)pos, nmain))) status = ws_cli_fail(rc);
    size_t ncorpora = 1;
    for (size_t i = 0; i < jf.n && !status; i++) {
        jline *l = &jf.lines[i];
        if (!l->nstores) {
            l->corpus = corpora[0];
            continue;
        }
        for (size_t j = 0; j < i && !l->corpus; j++) {
            const jline *m = &jf.lines[j];
            int same = m->nstores == l->nstores;
            for (size_t s = 0; same && s < l->nstores; s++) same = !strcmp(m->stores[s], l->stores[s]);
            if (same) l->corpus = m->corpus;
        }
        if (l->corpus) continue;
        if ((rc = ws_corpus_open(&corpora[ncorpora], (const char *const *)l->stores, l->nstores))) {
            fprintf(stderr, "%s: %s\n", l->prog, ws_last_error());
            status = ws_exit_status(rc);
            break;
        }
        l->corpus = corpora[ncorpora++];
    }
    /* 3. The requests, then the job prepared: everything a request can
     * refuse is refused before a block is read. */
    ws_job *job = NULL;
    if (!status && (rc = ws_job_create(&job))) status = ws_cli_fail(rc);
    if (!status && threads) ws_job_set_threads(job, (int)threads);
    line_note *notes = calloc(jf.n + 1, sizeof *notes);
    if (!status && !notes) status = ws_cli_fail(WS_ENOMEM);
    for (size_t i = 0; i < jf.n && !status; i++) {
        jline *l = &jf.lines[i];
        if ((status = ws_kcmd_setup(&l->k, l->corpus))) break;
        if ((rc = ws_request_set_dist(l->k.q, ws_mpi_dist()))) {
            status = ws_cli_fail(rc);
            break;
        }
        if (threads) {
            char t[32];
            snprintf(t, sizeof t, "%llu", threads);
            ws_request_set(l->k.q, "threads", t);
        }
        notes[i] = (line_note){l, quiet || l->k.quiet};
        ws_request_on_note(l->k.q, on_line_note, &notes[i]);
        if ((rc = ws_job_add(job, l->k.q, ws_kcmd_batch, &l->k))) status = ws_cli_fail(rc);
    }
    run_ctx rx = {job, progress, quiet, 0, 0};
    if (!status && progress) ws_job_on_progress(job, job_progress, &rx);
    size_t failed = SIZE_MAX;
    if (!status && (rc = ws_job_prepare(job, &failed))) {
        const jline *l = failed < jf.n ? &jf.lines[failed] : &jf.lines[0];
        fprintf(stderr, "%s: %s\n", l->prog, ws_last_error());
        status = rc == WS_EINVAL ? 2 : ws_exit_status(rc);
    }
    /* 4. Run, then publish each line's report (or remove it) and its
     * provenance. */
    if (!status && !remote) status = make_dirs(dir, 1);
    for (size_t i = 0; i < jf.n && !status && !remote; i++)
        for (size_t a = 0; a < jf.lines[i].nouts && !status; a++) status = make_dirs(ws_kcmd_output(&jf.lines[i].k, a), 0);
    if (!status) {
        char start[32], host[256] = "?", logpath[4200];
        utc_now(start, sizeof start);
        gethostname(host, sizeof host);
        host[sizeof host - 1] = 0;
        double t0 = mono_s();
        ws_cli_catch_signals(cancel_job, job);
        rc = ws_job_run(job, &failed);
        int sig = ws_cli_release_signals();
        int first_bad = 0;
        snprintf(logpath, sizeof logpath, "%s/run.log", dir);
        FILE *log = remote ? NULL : fopen(logpath, "a");
        if (log) {
            fprintf(log, "# wirescan %s run started %s on %s (pid %ld)\ncommand: wirescan", ws_version(), start, host,
                    (long)getpid());
            for (int a = 0; a < argc; a++) fprintf(log, " %s", a ? argv[a] : "run");
            fputc('\n', log);
        }
        int nok = 0, nshared = 0;
        for (size_t i = 0; i < jf.n; i++) {
            jline *l = &jf.lines[i];
            const char *detail = "";
            int r = ws_job_status(job, i, &detail, &l->shared);
            int st = 0;
            if (r && !(r == WS_ECANCELED && sig)) {
                fprintf(stderr, "%s: %s\n", l->prog, detail[0] ? detail : ws_strerror(r));
                st = r == WS_EINVAL ? 2 : ws_exit_status(r);
            } else if (r) {
                st = ws_exit_status(r);
            }
            st = ws_kcmd_finish(&l->k, st);
            if (!st && !remote) st = write_meta(jobpath, l, dir);
            l->status = st;
            if (st && !first_bad) first_bad = st;
            nok += !st;
            nshared += !st && l->shared;
            if (log) {
                if (st) fprintf(log, "%s:%d: failed (exit %d): %s\n", jobpath, l->lineno, st, r ? detail : "writing the report");
                else {
                    /* Blocks whose counting was shared with other lines
                     * too (ws_job_grouped): tests check that it happens. */
                    uint64_t grouped = 0;
                    char gbuf[64] = "";
                    if (!ws_job_grouped(job, i, &grouped) && grouped)
                        snprintf(gbuf, sizeof gbuf, " (kernel work shared on %llu blocks)", (unsigned long long)grouped);
                    fprintf(log, "%s:%d: ok, %llu rows%s -> %s%s\n", jobpath, l->lineno,
                            (unsigned long long)ws_request_rows(l->k.q), l->shared ? ", shared scan" : "", l->outs[0],
                            gbuf);
                }
            }
        }
        double secs = mono_s() - t0;
        char end[32];
        utc_now(end, sizeof end);
        if (log) {
            fprintf(log, "finished %s after %.3f s: %d of %zu reports written, %d from the shared scan\n", end, secs, nok,
                    jf.n, nshared);
            if (fclose(log)) fprintf(stderr, "wirescan run: %s: write failed: %s\n", logpath, strerror(errno));
        } else if (!remote) {
            fprintf(stderr, "wirescan run: %s: cannot append: %s\n", logpath, strerror(errno));
        }
        if (progress && !quiet)
            fprintf(stderr, "wirescan run: %d of %zu reports written to %s (%d from one shared scan), %.1f s\n", nok, jf.n,
                    dir, nshared, secs);
        status = first_bad;
        if (rc == WS_ECANCELED && sig) {
            ws_job_free(job);
            for (size_t i = 0; i < ncorpora; i++) ws_corpus_close(corpora[i]);
            ws_cli_reraise(sig);
        }
    }
    ws_job_free(job);
    /* the requests before their corpora */
    for (size_t i = 0; i < jf.n; i++)
        if (jf.lines[i].parsed) ws_kcmd_free(&jf.lines[i].k), jf.lines[i].parsed = 0;
    for (size_t i = 0; corpora && i < ncorpora; i++) ws_corpus_close(corpora[i]);
    free(corpora);
    free(notes);
    job_file_free(&jf);
    return status;
}
