/*
 * Subcommand ngrams: bigram and trigram counts, and multi-word phrases
 * (bigrams ranked by NPMI). The counting and the definitions are in
 * kernels/ws_k_ngrams.c; the option parser, setup and output are shared
 * with the other analytic commands (ws_query_cli.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ws_k_ngrams.h"
#include "ws_query_cli.h"

enum { O_N = O_CMD, O_PHRASES };

#define PHRASES_MIN_COUNT 5

static void ngrams_help(FILE *f)
{
    fprintf(f,
            "usage: wirescan ngrams STORE... [--n 2|3] [--phrases] [OPTIONS]\n"
            "\n"
            "N-gram counts as CSV: ngram,count,df (ngram = the normalised terms joined by\n"
            "one space; count = occurrences; df = stories that contain it), ordered by\n"
            "count descending, then ngram ascending (bytewise). Several stores (shards)\n"
            "are read as one corpus.\n"
            "\n"
            "An n-gram is n tokens in a row within one sentence of one field: it never\n"
            "spans a sentence start, the title/body boundary, or a token the\n"
            "normalisation drops (a stop word, a term under --min-length, a number under\n"
            "--no-numbers): with --stopwords en, 'bank of japan' yields no bigram at all.\n"
            "Chinese and Japanese characters are tokens of their own, so their n-grams\n"
            "are character bigrams and trigrams.\n"
            "\n"
            "output:\n"
            "      --n N              2 (bigrams, default) or 3 (trigrams)\n"
            "  -n, --top N            rows to print (default 100; 0 = all)\n"
            "      --min-count N      only n-grams occurring at least N times (default 1;\n"
            "                         5 with --phrases)\n"
            "      --phrases          multi-word expressions: bigrams ranked by NPMI, as CSV\n"
            "                         phrase,count,df,npmi, ordered by npmi descending, then\n"
            "                         phrase. Over the N bigram positions: p(xy) =\n"
            "                         count(xy) / N, p(x) = positions starting with x / N,\n"
            "                         p(y) = positions ending with y / N, npmi =\n"
            "                         log2(p(xy) / (p(x) p(y))) / -log2(p(xy)), in [-1, 1];\n"
            "                         see docs/ngrams.md\n");
    fputs(FILTER_HELP, f);
}

int ws_cmd_ngrams(int argc, char **argv)
{
    ws_query q = {0};
    q.top = 100;
    ws_ngrams_params pr = {2, 0, 0};
    int min_count_given = 0;
    query_args qa;
    if (ws_query_args_init(&qa, argc)) return 2;
    qa.top = q.top;
    int rc = 0;
    unsigned long long v;
    static const struct option lo[] = {COMMON_OPTIONS,
                                       {"n", required_argument, 0, O_N},
                                       {"phrases", no_argument, 0, O_PHRASES},
                                       {"min-count", required_argument, 0, O_MINCOUNT},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, "n:o:j:h", lo, NULL)) != -1) {
        int h = ws_query_opt(&qa, c, optarg);
        if (h < 0) rc = 2;
        if (h) continue;
        switch (c) {
        case O_N:
            if (ws_cli_parse_uint("--n", optarg, WS_NGRAMS_MAX_N, &v)) rc = 2;
            else if (v < 2) {
                fprintf(stderr, "wirescan ngrams: --n must be 2 or 3 (single terms: wirescan tf)\n");
                rc = 2;
            }
            pr.n = (uint32_t)v;
            break;
        case O_PHRASES: pr.phrases = 1; break;
        case O_MINCOUNT:
            if (ws_cli_parse_uint("--min-count", optarg, UINT64_MAX, &v)) rc = 2;
            pr.min_count = v;
            min_count_given = 1;
            break;
        case 'h': ngrams_help(stdout); ws_query_args_free(&qa); return 0;
        default: rc = 2; /* getopt said what */
        }
    }
    if (!rc && pr.phrases && pr.n != 2) {
        fprintf(stderr, "wirescan ngrams: --phrases scores bigrams; it cannot be used with --n %u\n", pr.n);
        rc = 2;
    }
    q.top = qa.top;
    if (!rc && ws_query_args_check(&qa)) rc = 2;
    if (!rc && ws_query_need_store(argc, "ngrams", ngrams_help)) rc = 2;
    if (rc) ws_cli_try("ngrams");
    if (!min_count_given) pr.min_count = pr.phrases ? PHRASES_MIN_COUNT : 1;
    if (pr.min_count == 0) pr.min_count = 1;
    q.ext = &pr;
    query_env env;
    if (!rc && (rc = ws_query_env_open(&env, argv + optind, (size_t)(argc - optind), &qa, &q, WS_BY_NONE, NULL)))
        rc = ws_cli_fail(rc);
    if (rc) {
        ws_query_args_free(&qa);
        return rc;
    }
    ws_scan_opts so = {0};
    so.threads = qa.threads;
    so.progress = qa.progress;
    so.filter = qa.base.f;
    ws_buf out = {0};
    rc = ws_query_env_scan(&env, &ws_kernel_ngrams, &q, &so, &out);
    ws_query_env_close(&env);
    ws_query_args_free(&qa);
    rc = rc ? ws_cli_fail(rc) : ws_query_write_result(&out, qa.out_path);
    ws_buf_free(&out);
    return rc;
}
