/*
 * Query subcommands over a store: tf (and, as kernels are added, the others).
 * Shared option handling: filters, normalisation, threads, output.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ws_cli.h"
#include "ws_date.h"
#include "ws_scan.h"

/* A date argument: an ISO date means the whole day (end_of_day for --to). */
static int parse_date_arg(const char *opt, const char *s, int end_of_day, int64_t *out)
{
    if (ws_date_parse(s, strlen(s), out)) {
        fprintf(stderr, "wirescan: %s: cannot read date '%s' (use YYYY-MM-DD or ISO 8601)\n", opt, s);
        return -1;
    }
    size_t n = strlen(s);
    if (end_of_day && (n == 10 || n == 8)) *out += 86399; /* YYYY-MM-DD or YYYYMMDD */
    else if (end_of_day && n == 7) { /* YYYY-MM: through the end of the month */
        int64_t y;
        unsigned m, d;
        ws_civil_from_days(*out / 86400, &y, &m, &d);
        unsigned nm = m == 12 ? 1 : m + 1;
        int64_t ny = m == 12 ? y + 1 : y;
        *out = ws_days_from_civil(ny, nm, 1) * 86400 - 1;
    }
    return 0;
}

static void tf_help(FILE *f)
{
    fprintf(f,
            "usage: wirescan tf STORE [OPTIONS]\n"
            "\n"
            "Term frequencies as CSV: term,tf,df (tf = occurrences, df = stories that\n"
            "contain the term), ordered by tf descending, then term ascending (bytewise).\n"
            "\n"
            "output:\n"
            "  -n, --top N          rows to print (default 100; 0 = all)\n"
            "      --tfidf          add a tfidf column: tf * ln(N / df), N = stories scanned\n"
            "      --min-df N       only terms in at least N stories\n"
            "  -o, --output FILE    write the CSV to FILE (default: standard output)\n"
            "filters:\n"
            "      --from DATE      stories on or after DATE (YYYY-MM-DD: from its start)\n"
            "      --to DATE        stories on or before DATE (YYYY-MM-DD: to its end)\n"
            "      --source S       stories from source S (repeatable)\n"
            "      --field F        title, body or all (default all)\n"
            "normalisation (applied to the dictionary at query time):\n"
            "      --case           keep case (default: Unicode full case folding)\n"
            "      --min-length N   drop terms shorter than N characters\n"
            "      --no-numbers     drop terms made only of digits\n"
            "  -j, --threads N      threads (default: all cores)\n"
            "  -h, --help           this help\n"
            "\n"
            "Output is byte-identical for any --threads.\n");
}

int ws_cmd_tf(int argc, char **argv)
{
    ws_query q = {0};
    q.top = 100;
    ws_norm_opts no = {0};
    ws_scan_opts so = {0};
    so.filter.from = so.filter.to = WS_DATE_UNKNOWN;
    so.progress = isatty(2);
    const char *out_path = NULL, *sources[256];
    size_t nsources = 0;
    unsigned long long v;
    static const struct option lo[] = {
        {"top", required_argument, 0, 'n'},      {"tfidf", no_argument, 0, 'I'},
        {"min-df", required_argument, 0, 'D'},  {"output", required_argument, 0, 'o'},
        {"from", required_argument, 0, 'F'},    {"to", required_argument, 0, 'T'},
        {"source", required_argument, 0, 'S'},  {"field", required_argument, 0, 'f'},
        {"case", no_argument, 0, 'C'},          {"min-length", required_argument, 0, 'm'},
        {"no-numbers", no_argument, 0, 'N'},    {"threads", required_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:o:j:h", lo, NULL)) != -1) {
        switch (c) {
        case 'n': if (ws_cli_parse_uint("--top", optarg, UINT32_MAX, &v)) return 2; q.top = (uint32_t)v; break;
        case 'I': q.tfidf = 1; break;
        case 'D': if (ws_cli_parse_uint("--min-df", optarg, UINT32_MAX, &v)) return 2; q.min_df = (uint32_t)v; break;
        case 'o': out_path = optarg; break;
        case 'F': if (parse_date_arg("--from", optarg, 0, &so.filter.from)) return 2; break;
        case 'T': if (parse_date_arg("--to", optarg, 1, &so.filter.to)) return 2; break;
        case 'S':
            if (nsources == 256) { fprintf(stderr, "wirescan: too many --source options\n"); return 2; }
            sources[nsources++] = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "all")) q.field = 0;
            else if (!strcmp(optarg, "title")) q.field = 1;
            else if (!strcmp(optarg, "body")) q.field = 2;
            else { fprintf(stderr, "wirescan: --field must be title, body or all\n"); return 2; }
            break;
        case 'C': no.keep_case = 1; break;
        case 'm': if (ws_cli_parse_uint("--min-length", optarg, 1u << 20, &v)) return 2; no.min_len = (uint32_t)v; break;
        case 'N': no.no_numbers = 1; break;
        case 'j': if (ws_cli_parse_uint("--threads", optarg, 4096, &v)) return 2; so.threads = (int)v; break;
        case 'h': tf_help(stdout); return 0;
        default: tf_help(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, optind >= argc ? "wirescan tf: no STORE given\n\n" : "wirescan tf: one STORE only\n\n");
        tf_help(stderr);
        return 2;
    }
    so.filter.sources = sources;
    so.filter.nsources = nsources;
    ws_store *st;
    int rc = ws_store_open(argv[optind], 0, &st);
    if (rc) return ws_cli_fail(rc);
    ws_norm norm;
    if ((rc = ws_norm_build(&norm, &st->dict, &no))) { ws_store_close(st); return ws_cli_fail(rc); }
    q.norm = &norm;
    ws_buf out = {0};
    rc = ws_scan(st, &ws_kernel_tf, &q, &so, &out, NULL);
    ws_norm_free(&norm);
    ws_store_close(st);
    if (rc) { ws_buf_free(&out); return ws_cli_fail(rc); }
    FILE *f = ws_cli_open_out(out_path);
    if (!f) { ws_buf_free(&out); return ws_exit_status(WS_EIO); }
    fwrite(out.p, 1, out.n, f);
    ws_buf_free(&out);
    return ws_cli_close_out(f, out_path);
}
