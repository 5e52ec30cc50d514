/*
 * Query subcommands tf and keyness. The option parser, setup and output
 * they share with the other analytic commands are in ws_query_cli.c.
 */
#include <stdlib.h>
#include <string.h>

#include "ws_query_cli.h"

/* ---- tf ---- */

static void tf_help(FILE *f)
{
    fprintf(f, "usage: wirescan tf STORE... [OPTIONS]\n"
               "\n"
               "Term frequencies as CSV: term,tf,df (tf = occurrences, df = stories that\n"
               "contain the term), ordered by tf descending (tfidf with --tfidf), then term\n"
               "ascending (bytewise).\n"
               "Several stores (shards) are read as one corpus.\n"
               "\n"
               "output:\n"
               "  -n, --top N            rows to print (default 100; 0 = all); per group with --by\n"
               "      --tfidf            add a tfidf column: tf * ln(N / df), N = stories scanned\n"
               "                         (with --by: the group's stories, df within the group),\n"
               "                         and rank by it: tfidf descending, then term\n"
               "      --min-df N         only terms in at least N stories (of the group, with --by)\n"
               "      --by G             group stories: day, week (starting Monday, labelled by\n"
               "                         that Monday: 2019-05-06), month (2019-05), quarter\n"
               "                         (2019-Q2), year (2019), source, or a tag name (tag:NAME\n"
               "                         for a tag called like one of those words). Adds a first\n"
               "                         column named after G; groups in time or bytewise order.\n"
               "                         Undated stories form the group 'undated' and stories\n"
               "                         without a value for the tag the group '' (empty), listed\n"
               "                         last; a story with several tag values counts in each.\n");
    fputs(FILTER_HELP, f);
}

int ws_cmd_tf(int argc, char **argv)
{
    ws_query q = {0};
    q.top = 100;
    query_args qa;
    if (ws_query_args_init(&qa, argc)) return 2;
    qa.top = q.top;
    const char *by_arg = NULL;
    int decode_only = 0, rc = 0;
    unsigned long long v;
    static const struct option lo[] = {COMMON_OPTIONS,
                                       {"tfidf", no_argument, 0, O_TFIDF},
                                       {"min-df", required_argument, 0, O_MINDF},
                                       {"by", required_argument, 0, O_BY},
                                       {"decode-only", no_argument, 0, O_DECODE_ONLY},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, "n:o:j:h", lo, NULL)) != -1) {
        int h = ws_query_opt(&qa, c, optarg);
        if (h < 0) rc = 2;
        if (h) continue;
        switch (c) {
        case O_TFIDF: q.tfidf = 1; break;
        case O_MINDF:
            if (ws_cli_parse_uint("--min-df", optarg, UINT32_MAX, &v)) rc = 2;
            q.min_df = (uint32_t)v;
            break;
        case O_BY: by_arg = optarg; break;
        case O_DECODE_ONLY: decode_only = 1; break;
        case 'h': tf_help(stdout); ws_query_args_free(&qa); return 0;
        default: rc = 2; /* getopt said what */
        }
    }
    q.top = qa.top;
    if (!rc && ws_query_args_check(&qa)) rc = 2;
    if (!rc && ws_query_need_store(argc, "tf", tf_help)) rc = 2;
    if (rc) ws_cli_try("tf");
    ws_by by = WS_BY_NONE;
    const char *tag = NULL;
    if (!rc && by_arg) by = ws_by_parse(by_arg, &tag);
    query_env env;
    if (!rc && (rc = ws_query_env_open(&env, argv + optind, (size_t)(argc - optind), &qa, &q,
                                    decode_only ? WS_BY_NONE : by, tag)))
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
    rc = ws_query_env_scan(&env, decode_only ? &ws_kernel_decode : &ws_kernel_tf, &q, &so, &out);
    ws_query_env_close(&env);
    ws_query_args_free(&qa);
    rc = rc ? ws_cli_fail(rc) : ws_query_write_result(&out, qa.out_path);
    ws_buf_free(&out);
    return rc;
}

/* ---- keyness ---- */

static void keyness_help(FILE *f)
{
    fprintf(f,
            "usage: wirescan keyness STORE... --target-FILTER ... [--ref-FILTER ...] [OPTIONS]\n"
            "\n"
            "Terms over-represented in a target subcorpus against a reference subcorpus,\n"
            "as CSV: term,target,reference,g2,log_ratio,chi2, ordered by g2 descending,\n"
            "then term (bytewise). Several stores (shards) are read as one corpus.\n"
            "\n"
            "subcorpora (the plain filters below apply to both):\n"
            "      --target-from DATE, --target-to DATE, --target-source S,\n"
            "      --target-where TAG=VALUE, --target-containing WORD\n"
            "                         the target: stories that pass these (at least one is\n"
            "                         needed; each works like the plain filter of that name)\n"
            "      --ref-from DATE, --ref-to DATE, --ref-source S, --ref-where TAG=VALUE,\n"
            "      --ref-containing WORD\n"
            "                         the reference; without any --ref- option it is every\n"
            "                         story that is not in the target. A story that passes both\n"
            "                         counts on both sides.\n"
            "columns:\n"
            "  target, reference      occurrences in each (a, b; c and d tokens in all)\n"
            "  g2                     log-likelihood, 2 (a ln(a/E1) + b ln(b/E2)),\n"
            "                         E1 = c (a+b)/(c+d), E2 = d (a+b)/(c+d)\n"
            "  log_ratio              log2 of the ratio of relative frequencies,\n"
            "                         ((a+0.5)/c) / ((b+0.5)/d): 0.5 is added to both counts so\n"
            "                         that a term absent from one side stays finite\n"
            "  chi2                   Pearson's chi-squared of the 2x2 table, no Yates correction\n"
            "output:\n"
            "  -n, --top N            rows to print (default 100; 0 = all)\n"
            "      --both             also list under-represented terms (a/c < b/d; their\n"
            "                         log_ratio is negative unless the 0.5 smoothing dominates)\n"
            "      --min-count N      only terms with target + reference >= N (default 1)\n");
    fputs(FILTER_HELP, f);
}

int ws_cmd_keyness(int argc, char **argv)
{
    ws_query q = {0};
    q.top = 100;
    query_args qa;
    if (ws_query_args_init(&qa, argc)) return 2;
    qa.top = q.top;
    int rc = 0;
    unsigned long long v;
    static const struct option lo[] = {COMMON_OPTIONS,
                                       FILTER_OPTIONS("target-", 1),
                                       FILTER_OPTIONS("ref-", 2),
                                       {"both", no_argument, 0, O_BOTH},
                                       {"min-count", required_argument, 0, O_MINCOUNT},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, "n:o:j:h", lo, NULL)) != -1) {
        int h = ws_query_opt(&qa, c, optarg);
        if (h < 0) rc = 2;
        if (h) continue;
        switch (c) {
        case O_BOTH: q.both = 1; break;
        case O_MINCOUNT:
            if (ws_cli_parse_uint("--min-count", optarg, UINT64_MAX, &v)) rc = 2;
            q.min_count = v;
            break;
        case 'h': keyness_help(stdout); ws_query_args_free(&qa); return 0;
        default: rc = 2; /* getopt said what */
        }
    }
    q.top = qa.top;
    if (!rc && ws_query_need_store(argc, "keyness", keyness_help)) rc = 2;
    if (!rc && !qa.target.given) {
        fprintf(stderr, "wirescan keyness: no target: give at least one --target- option "
                        "(e.g. --target-from 1987-04-01 or --target-where topics=grain)\n");
        rc = 2;
    }
    if (!rc && ws_query_args_check(&qa)) rc = 2;
    if (rc) ws_cli_try("keyness");
    query_env env;
    if (!rc && (rc = ws_query_env_open(&env, argv + optind, (size_t)(argc - optind), &qa, &q, WS_BY_NONE, NULL)))
        rc = ws_cli_fail(rc);
    if (rc) {
        ws_query_args_free(&qa);
        return rc;
    }
    ws_filter subsets[2] = {qa.target.f, qa.ref.f};
    ws_scan_opts so = {0};
    so.threads = qa.threads;
    so.progress = qa.progress;
    so.filter = qa.base.f;
    so.subsets = subsets;
    so.nsubsets = qa.ref.given ? 2 : 1;
    so.rest = !qa.ref.given;
    ws_buf out = {0};
    rc = ws_query_env_scan(&env, &ws_kernel_keyness, &q, &so, &out);
    ws_query_env_close(&env);
    ws_query_args_free(&qa);
    rc = rc ? ws_cli_fail(rc) : ws_query_write_result(&out, qa.out_path);
    ws_buf_free(&out);
    return rc;
}
