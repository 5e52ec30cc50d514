/*
 * The analytic subcommands (tf, keyness, cooc, ngrams, trends and every
 * kernel to come), built from the kernels' descriptors through the public
 * API only: each parameter a kernel takes (ws_kernel_param) is an option
 * --NAME, its help comes from the descriptor, and the values go to the
 * request as text (ws_request_set), so the library parses and checks them.
 * What is the command line's own is here: output file and format,
 * progress line, notes on stderr, signals (which cancel the request),
 * and charts for trends (drawn from the result table, ws_trends_chart.c).
 * A new kernel is a new subcommand without a line here.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wirescan.h"
#include "ws_cli.h"
#include "ws_cli_text.h"
#include "ws_kcmd.h"
#include "ws_mpi.h"

/* Options of the command line itself (not parameters of the request). */
enum { C_OUTPUT = 'o', C_HELP = 'h', C_QUIET = 'q', C_FORMAT = 3000, C_PROGRESS, C_NOPROGRESS, C_CHART, C_CHART_Y,
       C_TITLE, C_DECODE_ONLY, C_SUMMARY, C_DOC_TOPICS, C_PREVALENCE, C_MODEL };

typedef struct cli_opt {
    const char *name;
    int has_arg;
    int code;
    const char *metavar, *help;
    const char *only; /* the commands that have it ("trends|topics"); NULL: every command */
} cli_opt;

static const cli_opt cli_opts[] = {
    {"chart", required_argument, C_CHART, "FILE",
     "also draw the series into FILE.svg or FILE.png (repeatable: one scan,\nseveral files); topics: the prevalence of "
     "each topic per --bucket,\nlabelled by its top three terms", "trends|topics"},
    {"chart-y", required_argument, C_CHART_Y, "Y", "share (default) or docs", "trends|topics"},
    {"title", required_argument, C_TITLE, "TEXT", "the chart's title (default: what is drawn)", "trends|topics"},
    {"summary", required_argument, C_SUMMARY, "FILE", "write topic,tokens,share,npmi,label (one row per topic) to FILE",
     "topics"},
    {"summary", required_argument, C_SUMMARY, "FILE",
     "write cluster,first_id,size,first_date,last_date,sources (one row per\ncluster of copies) to FILE", "dedup"},
    {"doc-topics", required_argument, C_DOC_TOPICS, "FILE", "write id,topic,p (each story's dominant topic) to FILE",
     "topics"},
    {"prevalence", required_argument, C_PREVALENCE, "FILE",
     "write bucket,topic,label,docs,tokens,share (per --bucket) to FILE", "topics"},
    {"model", required_argument, C_MODEL, "FILE", "save the model to FILE (CSV), for --infer", "topics"},
    {"decode-only", no_argument, C_DECODE_ONLY, NULL, NULL, "tf"}, /* benchmarks: the decoder alone */
    {"quiet", no_argument, C_QUIET, NULL, "no notes on stderr (estimates, statistics, terms not found)", NULL},
    {"output", required_argument, C_OUTPUT, "FILE", "write the result to FILE (default: standard output)", NULL},
    {"format", required_argument, C_FORMAT, "F",
     "csv (default: RFC 4180 with a header row) or jsonl (JSON Lines: one object\n"
     "per row, the CSV's column names as keys, numbers as numbers, empty cells as\nnull)", NULL},
    {"progress", no_argument, C_PROGRESS, NULL, "progress line on stderr (default when it is a terminal)", NULL},
    {"no-progress", no_argument, C_NOPROGRESS, NULL, "no progress line", NULL},
    {"help", no_argument, C_HELP, NULL, "this help", NULL},
};
#define NCLI (sizeof cli_opts / sizeof cli_opts[0])

static int has_cli_opt(const cli_opt *o, const char *cmd)
{
    if (!o->only) return 1;
    size_t n = strlen(cmd);
    for (const char *p = o->only; (p = strstr(p, cmd)); p += n)
        if ((p == o->only || p[-1] == '|') && (p[n] == 0 || p[n] == '|')) return 1;
    return 0;
}

static char short_of(const char *name)
{
    if (!strcmp(name, "top")) return 'n';
    if (!strcmp(name, "threads")) return 'j';
    if (!strcmp(name, "output")) return 'o';
    if (!strcmp(name, "help")) return 'h';
    if (!strcmp(name, "quiet")) return 'q';
    if (!strcmp(name, "k")) return 'k';
    return 0;
}

/* One option's help: "  -n, --top N            text", the text reflowed
 * to the width of a terminal, continuation lines indented to its column. */
static void help_line(FILE *f, const char *name, const char *metavar, const char *text)
{
    enum { COL = 25, WIDTH = 80 };
    char left[64];
    char s = short_of(name);
    if (s) snprintf(left, sizeof left, "-%c, --%s%s%s", s, name, metavar ? " " : "", metavar ? metavar : "");
    else snprintf(left, sizeof left, "    --%s%s%s", name, metavar ? " " : "", metavar ? metavar : "");
    fprintf(f, "  %-22s", left);
    size_t col = 2 + (strlen(left) > 22 ? strlen(left) : 22);
    if (strlen(left) > 22) {
        fprintf(f, "\n%*s", COL - 1, "");
        col = COL - 1;
    }
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\n') p++;
        size_t w = 0;
        while (p[w] && p[w] != ' ' && p[w] != '\n') w++;
        if (!w) break;
        if (col + 1 + w > WIDTH && col > COL) {
            fprintf(f, "\n%*s", COL - 1, "");
            col = COL - 1;
        }
        fprintf(f, " %.*s", (int)w, p);
        col += 1 + w;
        p += w;
    }
    fputc('\n', f);
}

static const char *const sections[] = {"filters", "normalisation", "run"};
static const char *const section_titles[] = {
    "filters (a story must pass all of them):", "normalisation (a remap of the dictionary, computed once per query):",
    "run:"};

static void print_help(FILE *f, const char *cmd, const char *kernel)
{
    const char *summary, *help;
    ws_kernel_describe(kernel, &summary, &help, NULL, NULL);
    fprintf(f, "usage: wirescan %s STORE... [OPTIONS]\n\n%s\nSeveral stores (shards) are read as one corpus.\n\n",
            cmd, help);
    const ws_param_info *pi;
    fprintf(f, "options:\n");
    for (size_t i = 0; !ws_kernel_param(kernel, i, &pi); i++)
        if (!pi->section && !(pi->flags & WS_PARAM_HIDDEN) && pi->help) help_line(f, pi->name, pi->metavar, pi->help);
    for (size_t i = 0; i < NCLI; i++)
        if (cli_opts[i].only && has_cli_opt(&cli_opts[i], cmd) && cli_opts[i].help)
            help_line(f, cli_opts[i].name, cli_opts[i].metavar, cli_opts[i].help);
    for (size_t s = 0; s < 3; s++) {
        fprintf(f, "%s\n", section_titles[s]);
        for (size_t i = 0; !ws_kernel_param(kernel, i, &pi); i++)
            if (pi->section && !strcmp(pi->section, sections[s]) && !(pi->flags & WS_PARAM_HIDDEN))
                help_line(f, pi->name, pi->metavar, pi->help);
        if (s == 1) fprintf(f, "  Order: fold, then stop words, length and numbers, then stemming.\n");
    }
    for (size_t i = 0; i < NCLI; i++)
        if (!cli_opts[i].only) help_line(f, cli_opts[i].name, cli_opts[i].metavar, cli_opts[i].help);
}

int ws_kcmd_usage_error(const char *cmd)
{
    fprintf(stderr, "Try 'wirescan %s --help'.\n", cmd);
    return 2;
}

static int usage_error(const char *cmd) { return ws_kcmd_usage_error(cmd); }

/* ---- output ---- */

int ws_kcmd_batch(void *ctx, const ws_result *batch)
{
    ws_kcmd *k = ctx;
    if (!k->dtm && k->atomic && !strcmp(k->cmd, "dtm")) {
        int rc = ws_dtm_out_open(&k->dtm, k->out_path);
        if (rc) return rc;
    }
    if (k->dtm) return ws_dtm_out_add(k->dtm, batch);
    if (!k->f) {
        const char *path = k->out_path;
        if (k->atomic && path && strcmp(path, "-")) {
            snprintf(k->out_tmp, sizeof k->out_tmp, "%s.tmp.%ld", path, (long)getpid());
            path = k->out_tmp;
        }
        if (!(k->f = ws_cli_open_out(path))) return WS_EIO;
    }
    int rc = ws_result_write(batch, k->fmt, !k->header_done, k->f);
    k->header_done = 1;
    if (!rc && k->chart && !k->side_chart) rc = ws_trends_chart_add(k->chart, batch);
    return rc;
}

/* ---- side tables (topics: --summary, --doc-topics, --prevalence, --model) ---- */


static int on_table(void *ctx, const char *name, const ws_result *t)
{
    ws_kcmd *k = ctx;
    int rc = 0;
    if (k->side_chart && !strcmp(name, "prevalence")) rc = ws_trends_chart_add(k->chart, t);
    for (size_t i = 0; i < k->nsides && !rc; i++) {
        ws_kcmd_side *so = &k->sides[i];
        if (strcmp(so->name, name)) continue;
        /* A temporary name next to the file: an interrupted run leaves no
         * file under the asked-for name that looks complete. */
        if (cli_renamable(so->path)) snprintf(so->tmp, sizeof so->tmp, "%s.tmp.%ld", so->path, (long)getpid());
        else snprintf(so->tmp, sizeof so->tmp, "%s", so->path); /* written in place */
        FILE *f = fopen(so->tmp, "wb");
        if (!f) {
            fprintf(stderr, "wirescan: %s: cannot create: %s\n", so->tmp, strerror(errno));
            return WS_EIO;
        }
        so->written = 1;
        /* the model is always CSV: --infer reads it back */
        rc = ws_result_write(t, strcmp(name, "model") ? k->fmt : WS_FORMAT_CSV, 1, f);
        if (fclose(f) && !rc) rc = WS_EIO;
        if (rc) fprintf(stderr, "wirescan: %s: write failed: %s\n", so->tmp, strerror(errno));
    }
    return rc;
}

/* Publish (ok) or remove the side files. */
static int side_finish(ws_kcmd *k, int ok)
{
    int status = 0;
    for (size_t i = 0; i < k->nsides; i++) {
        ws_kcmd_side *so = &k->sides[i];
        if (!so->written) continue;
        int in_place = !strcmp(so->tmp, so->path);
        if (ok && !status && !in_place && rename(so->tmp, so->path)) {
            fprintf(stderr, "wirescan: %s: cannot rename %s to it: %s\n", so->path, so->tmp, strerror(errno));
            status = ws_exit_status(WS_EIO);
        }
        if ((!ok || status) && !in_place) unlink(so->tmp);
        so->written = 0;
    }
    return status;
}

/* ---- notes, progress, signals ---- */

typedef struct note_ctx {
    const char *cmd;
    int quiet;
} note_ctx;

static void on_note(void *ctx, const char *line)
{
    const note_ctx *n = ctx;
    /* -q drops notes about the run; a line starting "note: " is about the
     * answer itself (no story matched the filters) and always shows. */
    if (ws_mpi_rank() != 0) return; /* rank 0 says it */
    if (!n->quiet || !strncmp(line, "note: ", 6)) fprintf(stderr, "wirescan %s: %s\n", n->cmd, line);
}

typedef struct progress_ctx {
    const char *cmd;
    int tty, quiet;
    int have_value;
    double value; /* the last measure reported */
} progress_ctx;

static void on_progress(void *ctx, const ws_progress *p)
{
    progress_ctx *pc = ctx;
    if (p->measure) pc->have_value = 1, pc->value = p->value;
    if (!strcmp(p->phase, "topics")) {
        /* The sampler's iterations: log-likelihood per token in the
         * progress line on a terminal, a line per report otherwise. */
        if (!pc->tty) {
            if (p->measure && !pc->quiet)
                fprintf(stderr, "wirescan %s: iteration %llu/%llu: log-likelihood per token %.4f (%.1f s)\n", pc->cmd,
                        (unsigned long long)p->done, (unsigned long long)p->total, p->value, p->elapsed_s);
            return;
        }
        double eta = p->done ? p->elapsed_s / (double)p->done * (double)(p->total - p->done) : 0;
        fprintf(stderr, "\r\033[Ktopics: iteration %llu/%llu (%.0f%%)", (unsigned long long)p->done,
                (unsigned long long)p->total, p->total ? 100.0 * (double)p->done / (double)p->total : 100.0);
        if (pc->have_value) fprintf(stderr, ", log-likelihood/token %.4f", pc->value);
        fprintf(stderr, ", %.1f s, ETA %.0f s", p->elapsed_s, eta);
        if (p->final) fputc('\n', stderr);
        fflush(stderr);
        return;
    }
    if (!pc->tty) return;
    fprintf(stderr, "\r\033[K%s: %llu/%llu blocks (%.0f%%), %.1fM tokens, %.1f s", p->phase,
            (unsigned long long)p->done, (unsigned long long)p->total,
            p->total ? 100.0 * (double)p->done / (double)p->total : 100.0, (double)p->items / 1e6, p->elapsed_s);
    if (p->final) fputc('\n', stderr);
    fflush(stderr);
}

static void cancel_request(void *q) { ws_request_cancel(q); }

/* ---- one command line: parse, check, set up, finish ---- */

void ws_kcmd_free(ws_kcmd *k)
{
    if (k->dtm) ws_dtm_out_close(k->dtm, 0);
    k->dtm = NULL;
    ws_trends_chart_free(k->chart);
    k->chart = NULL;
    ws_request_free(k->q);
    k->q = NULL;
    for (size_t i = 0; i < k->nowned; i++) free(k->owned[i]);
    k->nowned = 0;
    free(k->set), free(k->charts), free(k->sides), free(k->stores);
    k->set = NULL, k->charts = NULL, k->sides = NULL, k->stores = NULL;
}

int ws_kcmd_parse(ws_kcmd *k, const char *cmd, const char *prog, int argc, char **argv, int in_job)
{
    memset(k, 0, sizeof *k);
    k->cmd = k->kernel = cmd;
    k->prog = prog;
    k->chart_y = "share";
    k->fmt = WS_FORMAT_CSV;
    k->progress = isatty(2);
    const char *kernel = cmd;
    const ws_param_info *pi;
    size_t nparams = 0;
    while (!ws_kernel_param(kernel, nparams, &pi)) nparams++;
    struct option *lo = calloc(nparams + NCLI + 1, sizeof *lo);
    k->set = calloc((size_t)argc + 1, sizeof *k->set);
    k->charts = calloc((size_t)argc + 1, sizeof *k->charts);
    k->sides = calloc((size_t)argc + 1, sizeof *k->sides);
    k->stores = calloc((size_t)argc + 1, sizeof *k->stores);
    if (!lo || !k->set || !k->charts || !k->sides || !k->stores) {
        free(lo);
        fprintf(stderr, "wirescan: out of memory\n");
        return ws_exit_status(WS_ENOMEM);
    }
    size_t nlo = 0;
    for (size_t i = 0; i < nparams; i++) {
        ws_kernel_param(kernel, i, &pi);
        lo[nlo++] = (struct option){pi->name, pi->type == WS_PARAM_FLAG ? no_argument : required_argument, 0, 1000 + (int)i};
    }
    for (size_t i = 0; i < NCLI; i++)
        if (has_cli_opt(&cli_opts[i], cmd)) lo[nlo++] = (struct option){cli_opts[i].name, cli_opts[i].has_arg, 0, cli_opts[i].code};
    int status = 0, c;
    /* getopt names argv[0] in its messages: "wirescan tf: unrecognized option". */
    char *argv0 = argv[0], progbuf[256];
    snprintf(progbuf, sizeof progbuf, "%s", prog);
    argv[0] = progbuf;
    optind = 0; /* a fresh scan (a job parses many lines) */
    while (!status && (c = getopt_long(argc, argv, "n:j:o:hqk:", lo, NULL)) != -1) {
        if (c >= 1000 && c < 1000 + (int)nparams) {
            ws_kernel_param(kernel, (size_t)(c - 1000), &pi);
            k->set[k->nset++] = (ws_cli_setting){pi->name, optarg};
            continue;
        }
        switch (c) {
        case 'n': k->set[k->nset++] = (ws_cli_setting){"top", optarg}; break;
        case 'j': k->set[k->nset++] = (ws_cli_setting){"threads", optarg}; break;
        case 'k': k->set[k->nset++] = (ws_cli_setting){"k", optarg}; break;
        case C_SUMMARY: k->sides[k->nsides++] = (ws_kcmd_side){"summary", optarg, "", 0}; break;
        case C_DOC_TOPICS: k->sides[k->nsides++] = (ws_kcmd_side){"doc-topics", optarg, "", 0}; break;
        case C_PREVALENCE: k->sides[k->nsides++] = (ws_kcmd_side){"prevalence", optarg, "", 0}; break;
        case C_MODEL: k->sides[k->nsides++] = (ws_kcmd_side){"model", optarg, "", 0}; break;
        case C_OUTPUT: k->out_path = optarg; break;
        case C_FORMAT:
            if (!strcmp(optarg, "csv")) k->fmt = WS_FORMAT_CSV;
            else if (!strcmp(optarg, "jsonl")) k->fmt = WS_FORMAT_JSONL;
            else {
                fprintf(stderr, "%s: --format must be csv or jsonl, got '%s'\n", prog, optarg);
                status = usage_error(cmd);
            }
            break;
        case C_PROGRESS: k->progress = 1, k->progress_given = 1; break;
        case C_NOPROGRESS: k->progress = 0, k->progress_given = 1; break;
        case C_QUIET: k->quiet = 1; break;
        case C_CHART: k->charts[k->ncharts++] = optarg; break;
        case C_CHART_Y:
            if (strcmp(optarg, "share") && strcmp(optarg, "docs")) {
                fprintf(stderr, "%s: --chart-y must be share or docs\n", prog);
                status = usage_error(cmd);
            }
            k->chart_y = optarg;
            break;
        case C_TITLE: k->title = optarg; break;
        case C_DECODE_ONLY: k->decode_only = 1; break;
        case C_HELP:
            argv[0] = argv0;
            free(lo);
            if (in_job) {
                fprintf(stderr, "%s: --help in a job file\n", prog);
                return usage_error(cmd);
            }
            print_help(stdout, cmd, kernel);
            k->helped = 1;
            return ws_cli_close_out(stdout, NULL);
        default: status = usage_error(cmd); /* getopt said what was wrong */
        }
    }
    for (int i = optind; i < argc; i++) k->stores[k->nstores++] = argv[i];
    argv[0] = argv0;
    free(lo);
    if (!status && k->title && !k->ncharts) {
        fprintf(stderr, "%s: --title names a chart: give --chart FILE\n", prog);
        status = usage_error(cmd);
    }
    if (k->decode_only) k->kernel = "decode";
    return status;
}

int ws_kcmd_check(ws_kcmd *k)
{
    /* Values are checked before the stores are opened, so a typo is a usage
     * error whatever the stores. */
    for (size_t i = 0; i < k->nset; i++)
        if (ws_param_check(k->cmd, k->set[i].name, k->set[i].value ? k->set[i].value : "1")) {
            fprintf(stderr, "%s: %s\n", k->prog, ws_last_error());
            return usage_error(k->cmd);
        }
    return 0;
}

static const char *rebase(ws_kcmd *k, const char *dir, const char *path)
{
    if (!path || path[0] == '/' || !strcmp(path, "-") || k->nowned == sizeof k->owned / sizeof k->owned[0]) return path;
    size_t n = strlen(dir) + strlen(path) + 2;
    char *p = malloc(n);
    if (!p) return NULL;
    snprintf(p, n, "%s/%s", dir, path);
    k->owned[k->nowned++] = p;
    return p;
}

int ws_kcmd_rebase(ws_kcmd *k, const char *dir)
{
    if (k->out_path && !(k->out_path = rebase(k, dir, k->out_path))) return WS_ENOMEM;
    for (size_t i = 0; i < k->ncharts; i++)
        if (!(k->charts[i] = rebase(k, dir, k->charts[i]))) return WS_ENOMEM;
    for (size_t i = 0; i < k->nsides; i++)
        if (!(k->sides[i].path = rebase(k, dir, k->sides[i].path))) return WS_ENOMEM;
    return 0;
}

const char *ws_kcmd_output(const ws_kcmd *k, size_t i)
{
    if (k->out_path) {
        if (i == 0) return k->out_path;
        i--;
    }
    if (i < k->ncharts) return k->charts[i];
    i -= k->ncharts;
    return i < k->nsides ? k->sides[i].path : NULL;
}

int ws_kcmd_setup(ws_kcmd *k, ws_corpus *c)
{
    int rc;
    if ((rc = ws_request_create(&k->q, c, k->kernel))) return ws_cli_fail_cmd(k->cmd, rc);
    for (size_t i = 0; i < k->nset; i++)
        if ((rc = ws_request_set(k->q, k->set[i].name, k->set[i].value ? k->set[i].value : "1"))) {
            fprintf(stderr, "%s: %s\n", k->prog, ws_last_error());
            return rc == WS_EINVAL ? usage_error(k->cmd) : ws_exit_status(rc);
        }
    if (!strcmp(k->cmd, "dtm")) {
        if (!k->out_path || !strcmp(k->out_path, "-")) {
            fprintf(stderr, "%s: give -o PREFIX (it writes PREFIX.mtx, PREFIX.rows.csv and PREFIX.cols.csv)\n", k->prog);
            return usage_error(k->cmd);
        }
        /* A job opens the files when its run delivers the first rows. */
        if (!k->atomic && ws_mpi_rank() == 0 && (rc = ws_dtm_out_open(&k->dtm, k->out_path))) return ws_cli_fail_cmd(k->cmd, rc);
    }
    if (k->ncharts && (rc = ws_trends_chart_create(&k->chart, k->set, k->nset, k->chart_y, k->title)))
        return rc == WS_EINVAL ? usage_error(k->cmd) : ws_cli_fail_cmd(k->cmd, rc);
    /* Kernels with side tables (topics) get theirs written to files; the
     * chart of topics is drawn from the prevalence table. */
    k->side_chart = k->chart && ws_kernel_table(k->kernel, 0);
    for (size_t i = 0; i < k->nsides; i++)
        if ((rc = ws_request_want_table(k->q, k->sides[i].name))) return ws_cli_fail_cmd(k->cmd, rc);
    if (k->side_chart && (rc = ws_request_want_table(k->q, "prevalence"))) return ws_cli_fail_cmd(k->cmd, rc);
    if (k->nsides || k->side_chart) ws_request_on_table(k->q, on_table, k);
    return 0;
}

int ws_kcmd_finish(ws_kcmd *k, int status)
{
    int rc;
    if (k->dtm) {
        int drc = ws_dtm_out_close(k->dtm, !status);
        k->dtm = NULL;
        if (!status && drc) status = ws_cli_fail_cmd(k->cmd, drc);
    }
    const char *path = k->out_path;
    if (!status && !k->f && !strcmp(k->cmd, "dtm")) path = NULL; /* dtm wrote its own files */
    else if (!status && !k->f) {
        /* An empty answer still gets its file (the header alone). */
        if (k->atomic && path && strcmp(path, "-")) {
            snprintf(k->out_tmp, sizeof k->out_tmp, "%s.tmp.%ld", path, (long)getpid());
            k->f = ws_cli_open_out(k->out_tmp);
        } else {
            k->f = ws_cli_open_out(path);
        }
        if (!k->f) status = ws_exit_status(WS_EIO);
    }
    if (k->f) {
        const char *written = k->atomic && k->out_tmp[0] ? k->out_tmp : path;
        int crc = ws_cli_close_out(k->f, written);
        k->f = NULL;
        status = status ? status : crc;
        if (status) cli_remove_partial(written); /* no half-written report */
        if (!status && k->atomic && k->out_tmp[0] && rename(k->out_tmp, path)) {
            fprintf(stderr, "wirescan: %s: cannot rename %s to it: %s\n", path, k->out_tmp, strerror(errno));
            unlink(k->out_tmp);
            status = ws_exit_status(WS_EIO);
        }
    }
    if (!status && k->chart && (rc = ws_trends_chart_draw(k->chart, k->charts, k->ncharts))) status = ws_cli_fail_cmd(k->cmd, rc);
    int sst = side_finish(k, !status);
    return status ? status : sst;
}

/* ---- the command ---- */

int ws_cmd_kernel(const char *cmd, int argc, char **argv)
{
    char prog[64];
    snprintf(prog, sizeof prog, "wirescan %s", cmd);
    ws_kcmd k;
    int status = ws_kcmd_parse(&k, cmd, prog, argc, argv, 0);
    if (k.helped) {
        ws_kcmd_free(&k);
        return status;
    }
    if (!status && !k.nstores) {
        fprintf(stderr, "wirescan %s: no STORE given\n", cmd);
        status = usage_error(cmd);
    }
    if (!status) status = ws_kcmd_check(&k);
    ws_corpus *corpus = NULL;
    int rc = 0;
    /* Under mpirun: every rank scans its shards, rank 0 writes the report
     * (and the notes, charts and side files); the others write nothing. */
    const int remote = ws_mpi_rank() != 0;
    if (remote) k.out_path = "/dev/null", k.quiet = 1, k.progress = 0, k.ncharts = 0, k.nsides = 0;
    /* Across ranks rank 0 writes the report to a temporary file renamed at
     * the end: a job killed midway (a rank died, mpirun ended the others)
     * leaves no report that looks complete. */
    if (!remote && ws_mpi_size() > 1 && cli_renamable(k.out_path)) k.atomic = 1;
    if (!status && (rc = ws_corpus_open(&corpus, (const char *const *)k.stores, k.nstores))) status = ws_cli_fail_cmd(cmd, rc);
    if (!status) status = ws_kcmd_setup(&k, corpus);
    if (!status && (rc = ws_request_set_dist(k.q, ws_mpi_dist()))) status = ws_cli_fail_cmd(cmd, rc);
    if (!status) {
        ws_request *q = k.q;
        note_ctx nc = {cmd, k.quiet};
        progress_ctx pc = {cmd, k.progress, k.quiet, 0, 0};
        ws_request_on_note(q, on_note, &nc);
        if (k.progress || !strcmp(k.kernel, "topics")) ws_request_on_progress(q, on_progress, &pc);
        ws_cli_catch_signals(cancel_request, q);
        rc = ws_request_stream(q, ws_kcmd_batch, &k);
        int sig = ws_cli_release_signals();
        if (rc == WS_ECANCELED && sig) {
            if (k.f && k.f != stdout) cli_remove_partial(k.atomic && k.out_tmp[0] ? k.out_tmp : k.out_path);
            side_finish(&k, 0);
            ws_kcmd_free(&k);
            ws_corpus_close(corpus);
            ws_cli_reraise(sig);
        }
        /* WS_EINVAL from a run is about the options as a whole (keyness
         * without a target, --from after --to): a usage error. */
        status = rc ? ws_cli_fail_cmd(cmd, rc) : 0;
        if (rc == WS_EINVAL) status = usage_error(cmd);
        status = ws_kcmd_finish(&k, status);
    }
    ws_kcmd_free(&k);
    ws_corpus_close(corpus);
    return status;
}
