/*
 * wirescan export: the stories that pass the filters, as JSONL or CSV. A
 * client of the public API: the library's hidden "export" kernel streams
 * the stories in store order (id, date, source, title, body, then the tag
 * columns, values joined with '|' and escaped); this file only renders the
 * batches, so that `ingest` of the output gives the same stories:
 *   JSONL: {"id":..,"date":..|null,"source":..,"title":..,"body":..,"TAG":[..]}
 *          a tag column the story's segment lacks is left out;
 *   CSV:   RFC 4180, CRLF, a header; tag values stay joined with '|'.
 * Options are the kernel's parameters (--fields, every filter, the
 * normalisation that --containing follows, --threads), plus --format and -o.
 */
#include "ws_cli.h"
#include "ws_mpi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ws_cli_text.h"
#include "wirescan.h"

static const char *const base_names[5] = {"id", "date", "source", "title", "body"};

static void json_string(FILE *f, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    putc('"', f);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        fwrite(p + run, 1, i - run, f);
        run = i + 1;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default: fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        }
    }
    if (n > run) fwrite(p + run, 1, n - run, f);
    putc('"', f);
}

typedef struct ex_out {
    FILE *f;
    int csv, header_done;
    cli_buf val;
} ex_out;

static void csv_field(ex_out *o, const char *p, size_t n)
{
    cli_csv_field(o->f, p, n);
}

/* A tag cell (values joined with '|', '\|' and '\\' escaped) as a JSON array. */
static void json_tags(ex_out *o, const char *p, size_t n)
{
    putc('[', o->f);
    if (n) {
        o->val.n = 0;
        int first = 1;
        for (size_t i = 0; i <= n; i++) {
            if (i == n || p[i] == '|') {
                if (!first) putc(',', o->f);
                json_string(o->f, o->val.p ? (const char *)o->val.p : "", o->val.n);
                first = 0;
                o->val.n = 0;
                continue;
            }
            if (p[i] == '\\' && i + 1 < n) i++;
            cli_buf_append(&o->val, p + i, 1);
        }
    }
    putc(']', o->f);
}

static int is_base(const char *name)
{
    for (int k = 0; k < 5; k++)
        if (!strcmp(name, base_names[k])) return 1;
    return 0;
}

static int on_batch(void *ctx, const ws_result *r)
{
    ex_out *o = ctx;
    size_t nc = ws_result_ncols(r), nr = ws_result_nrows(r), len;
    if (o->csv && !o->header_done) {
        for (size_t c = 0; c < nc; c++) {
            if (c) putc(',', o->f);
            const char *name = ws_result_name(r, c);
            csv_field(o, name, strlen(name));
        }
        fputs("\r\n", o->f);
    }
    o->header_done = 1;
    for (size_t row = 0; row < nr; row++) {
        if (!o->csv) putc('{', o->f);
        int any = 0;
        for (size_t c = 0; c < nc; c++) {
            const char *name = ws_result_name(r, c);
            int null = ws_result_is_null(r, row, c);
            const char *t = null ? "" : ws_result_text(r, row, c, &len);
            if (null) len = 0;
            if (o->csv) {
                if (c) putc(',', o->f);
                csv_field(o, t, len);
                continue;
            }
            int base = is_base(name);
            if (null && !base) continue; /* the story's segment has no such tag column */
            if (any) putc(',', o->f);
            any = 1;
            json_string(o->f, name, strlen(name));
            putc(':', o->f);
            if (null) fputs("null", o->f);
            else if (base) json_string(o->f, t, len);
            else json_tags(o, t, len);
        }
        fputs(o->csv ? "\r\n" : "}\n", o->f);
    }
    return ferror(o->f) ? ws_set_error(WS_EIO, "write error") : 0;
}

static const char help_head[] =
    "usage: wirescan export STORE... [--format jsonl|csv] [-o FILE] [--fields LIST] [filters]\n\n"
    "Write the stories that pass the filters back out, in store order. JSONL keys:\n"
    "id, date (ISO 8601 with the UTC offset it was ingested with, e.g.\n"
    "2019-05-10T09:30:00+03:00, Z for UTC; null when unknown), source, title, body,\n"
    "then one key per tag column of the story's segment (an array of strings). CSV: a\n"
    "header row, the same columns (every tag column of every segment), RFC 4180\n"
    "quoting, tag values joined with '|', a '|' or '\\' inside a value written as '\\|'\n"
    "or '\\\\' (CSV ingest splits them back). The text is exactly what was ingested:\n"
    "`ingest` of the output (with --tag for each tag column) gives the same stories,\n"
    "dates and tags. --fields id,title,places chooses and orders the columns.\n\n"
    "options:\n"
    "  -f, --format F          jsonl (default) or csv\n"
    "  -o FILE                 write to FILE (default: standard output)\n";

/* The parameters export takes: its own, the filters, the normalisation
 * --containing follows (stop-word and length rules do not apply to it),
 * threads. */
static int is_option(const ws_param_info *pi)
{
    static const char *const skip[] = {"field", "stopwords", "min-length", "no-numbers", "mem", "tmp"};
    if (pi->flags & WS_PARAM_HIDDEN) return 0;
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (!strcmp(pi->name, skip[i])) return 0;
    return 1;
}

static void print_help(void)
{
    fputs(help_head, stdout);
    const ws_param_info *pi;
    for (size_t i = 0; ws_kernel_param("export", i, &pi) == 0; i++) {
        if (!is_option(pi)) continue;
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", pi->name, pi->metavar ? " " : "", pi->metavar ? pi->metavar : "");
        const char *h = pi->help ? pi->help : "";
        printf("  %-22s  ", left);
        for (; *h; h++) {
            putchar(*h);
            if (*h == '\n') printf("  %-22s  ", "");
        }
        putchar('\n');
    }
}

/* The export kernel's parameter called name; NULL when there is none. */
static const ws_param_info *find_param(const char *name, size_t n)
{
    const ws_param_info *pi;
    for (size_t i = 0; ws_kernel_param("export", i, &pi) == 0; i++)
        if (strlen(pi->name) == n && !memcmp(pi->name, name, n)) return pi;
    return NULL;
}

/* 1 while ws_cmd_export_local runs: this process exports alone. */
static int g_local;

int ws_cmd_export_local(int argc, char **argv)
{
    g_local = 1;
    int status = ws_cmd_export(argc, argv);
    g_local = 0;
    return status;
}

int ws_cmd_export(int argc, char **argv)
{
    const char *fmt = "jsonl", *out = NULL;
    const char **stores = calloc((size_t)argc + 1, sizeof *stores);
    ws_cli_setting *set = calloc((size_t)argc + 1, sizeof *set);
    size_t nstores = 0, nset = 0;
    int status = stores && set ? 0 : ws_exit_status(WS_ENOMEM);
    for (int i = 1; i < argc && !status; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_help();
            free(stores), free(set);
            return ws_cli_close_out(stdout, NULL);
        }
        if ((!strcmp(a, "--format") || !strcmp(a, "-f")) && i + 1 < argc) fmt = argv[++i];
        else if (!strncmp(a, "--format=", 9)) fmt = a + 9;
        else if (!strcmp(a, "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(a, "-j") && i + 1 < argc) set[nset++] = (ws_cli_setting){"threads", argv[++i]};
        else if (!strncmp(a, "--", 2) && a[2]) {
            const char *eq = strchr(a + 2, '=');
            size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            const ws_param_info *pi = find_param(a + 2, n);
            if (!pi || !is_option(pi)) {
                fprintf(stderr, "wirescan export: unknown option '%s'\n", a);
                status = ws_cli_try("export");
            } else if (eq) set[nset++] = (ws_cli_setting){pi->name, eq + 1};
            else if (pi->type == WS_PARAM_FLAG) set[nset++] = (ws_cli_setting){pi->name, "1"};
            else if (i + 1 < argc) set[nset++] = (ws_cli_setting){pi->name, argv[++i]};
            else {
                fprintf(stderr, "wirescan export: %s needs a value\n", a);
                status = ws_cli_try("export");
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "wirescan export: unknown option '%s'\n", a);
            status = ws_cli_try("export");
        } else stores[nstores++] = a;
    }
    int csv = !strcmp(fmt, "csv");
    if (!status && !nstores) {
        fprintf(stderr, "wirescan export: no STORE given\n");
        status = ws_cli_try("export");
    }
    if (!status && !csv && strcmp(fmt, "jsonl")) {
        fprintf(stderr, "wirescan export: --format must be jsonl or csv, not '%s'\n", fmt);
        status = ws_cli_try("export");
    }
    for (size_t i = 0; !status && i < nset; i++)
        if (ws_param_check("export", set[i].name, set[i].value)) {
            fprintf(stderr, "wirescan export: %s\n", ws_last_error());
            status = ws_cli_try("export");
        }
    ws_corpus *corpus = NULL;
    ws_request *q = NULL;
    int rc = 0;
    if (!status && (rc = ws_corpus_open(&corpus, stores, nstores))) status = ws_cli_fail_cmd("export", rc);
    if (!status && (rc = ws_request_create(&q, corpus, "export"))) status = ws_cli_fail_cmd("export", rc);
    for (size_t i = 0; !status && i < nset; i++)
        if ((rc = ws_request_set(q, set[i].name, set[i].value))) {
            fprintf(stderr, "wirescan export: %s\n", ws_last_error());
            status = rc == WS_EINVAL ? ws_cli_try("export") : ws_exit_status(rc);
        }
    /* Under mpirun: every rank scans its shards, rank 0 writes the rows of
     * all in store order (an ordered gather); the others write nothing. */
    if (!g_local && !status && (rc = ws_request_set_dist(q, ws_mpi_dist()))) status = ws_cli_fail_cmd("export", rc);
    if (!g_local && ws_mpi_rank() != 0) out = "/dev/null";
    /* Across ranks: a temporary file renamed at the end, so that a job
     * killed midway leaves no export that looks complete. */
    const char *final = out;
    char tmp[4200];
    if (!g_local && ws_mpi_size() > 1 && cli_renamable(out)) {
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
        out = tmp;
    }
    ex_out o = {NULL, csv, 0, {0}};
    if (!status && !(o.f = ws_cli_open_out(out))) status = ws_exit_status(WS_EIO);
    if (!status) {
        rc = ws_request_stream(q, on_batch, &o);
        if (rc) status = rc == WS_EINVAL ? (ws_cli_fail_cmd("export", rc), ws_cli_try("export")) : ws_cli_fail_cmd("export", rc);
    }
    if (o.f) {
        int crc = ws_cli_close_out(o.f, out);
        status = status ? status : crc;
        if (status) cli_remove_partial(out); /* no half-written export */
        if (!status && out != final && rename(out, final)) {
            fprintf(stderr, "wirescan export: %s: cannot rename %s to it: %s\n", final, out, strerror(errno));
            remove(out);
            status = ws_exit_status(WS_EIO);
        }
    }
    cli_buf_free(&o.val);
    ws_request_free(q);
    ws_corpus_close(corpus);
    free(stores), free(set);
    return status;
}
