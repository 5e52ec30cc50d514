/*
 * wirescan trends: topic series per time bucket (--terms, --topics),
 * emerging terms (--emerging) and Kleinberg bursts (--bursts), over the
 * trends kernel (kernels/ws_k_trends.c); charts through ws_chart.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ws_chart.h"
#include "ws_query_cli.h"
#include "ws_topics.h"

enum {
    O_TERMS = O_CMD, O_TOPICS, O_BUCKET, O_TBY, O_WIDE, O_WIDE_SHARE, O_SMOOTH, O_EMERGING, O_BASELINE,
    O_TMINCOUNT, O_BURSTS, O_BURST_S, O_BURST_GAMMA, O_CHART, O_CHART_Y, O_TITLE
};

static void trends_help(FILE *f)
{
    fprintf(f,
            "usage: wirescan trends STORE... (--terms LIST | --topics FILE) [OPTIONS]\n"
            "       wirescan trends STORE... --emerging [--top N] [--baseline K] [--min-count N]\n"
            "       wirescan trends STORE... (--terms LIST | --topics FILE) --bursts\n"
            "\n"
            "Stories per time bucket that mention topics, as CSV (long format):\n"
            "  bucket,topic,docs,mentions,total,share\n"
            "docs = stories in the bucket that mention the topic, mentions = positions\n"
            "where one of its terms or phrases starts (a position counts once per topic),\n"
            "total = stories in the bucket that pass the filters, share = docs / total\n"
            "(empty when the bucket has no story: unknown, not 0). Every bucket from the\n"
            "first to the last dated story is listed (zero-filled; at most 100000);\n"
            "rows by bucket, then topic in the order given. Undated stories are left out\n"
            "(their count is reported on stderr). See docs/trends.md.\n"
            "\n"
            "topics:\n"
            "      --terms LIST       comma-separated terms, each a series named as written;\n"
            "                         an item of several words (quotes optional, needed for\n"
            "                         commas) is a phrase: consecutive tokens in one sentence\n"
            "      --topics FILE      a topic a line: name: term term \"a phrase\"; '#' comments;\n"
            "                         a story mentions a topic when it has any of its terms or\n"
            "                         phrases. Terms are matched after case folding and\n"
            "                         stemming (as --containing), stop-word rules aside\n"
            "series:\n"
            "      --bucket B         day, week (Monday, labelled 2019-05-06), month (2019-05,\n"
            "                         default), quarter (2019-Q2) or year (2019); UTC\n"
            "      --by G             split each series by source or by the values of tag G\n"
            "                         (tag:NAME for a tag called 'source'): adds a column\n"
            "                         named after G after bucket; groups in bytewise order,\n"
            "                         stories without a value in group '' (listed last)\n"
            "      --wide             one row per bucket: bucket,total,<topic>... (docs)\n"
            "      --wide-share       the same with share in the topic columns\n"
            "      --smooth K         add the mean share over the trailing K buckets (the\n"
            "                         bucket and the K-1 before it; fewer at the start;\n"
            "                         buckets without stories left out, empty if all are):\n"
            "                         column share_ma (long) or <topic>_ma (wide)\n"
            "      --chart FILE       also draw the series into FILE.svg or FILE.png\n"
            "                         (repeatable: one scan, several files); with --smooth the\n"
            "                         smoothed share is drawn; more than 8 series are drawn as\n"
            "                         small multiples (a panel each), more than 48 refused\n"
            "      --chart-y Y        share (default) or docs\n"
            "      --title T          the chart's title (default: what is drawn, e.g. 'Share\n"
            "                         of stories mentioning oil, opec per month')\n"
            "emerging terms (--emerging):\n"
            "                         CSV bucket,term,count,baseline,score: per bucket, terms\n"
            "                         whose story count (count, stories with the term) is\n"
            "                         above the rate of the trailing K buckets (baseline:\n"
            "                         stories with the term there), ranked by Dunning's G2\n"
            "                         (score) of the 2x2 table of stories, then term\n"
            "  -n, --top N            terms per bucket (default 10; 0 = all)\n"
            "      --baseline K       trailing buckets compared with (default 4)\n"
            "      --min-count N      only terms in at least N stories of the bucket (default 5)\n"
            "bursts (--bursts):\n"
            "                         CSV topic,start,end,weight: Kleinberg's two-state burst\n"
            "                         automaton over the bucket counts of each topic\n"
            "      --burst-s S        burst rate = S x the topic's overall rate (default 2)\n"
            "      --burst-gamma G    cost G ln(buckets) of entering a burst (default 1)\n");
    fputs(FILTER_HELP, f);
}

static void warn_missing(const char *topic, const char *pattern)
{
    if (!strcmp(topic, pattern))
        fprintf(stderr, "wirescan trends: note: '%s' does not occur in the store: its series is zero\n", pattern);
    else
        fprintf(stderr, "wirescan trends: note: '%s' (topic %s) does not occur in the store\n", pattern, topic);
}

static int parse_double(const char *opt, const char *s, double lo, double *out)
{
    char *e;
    double v = strtod(s, &e);
    if (e == s || *e || !isfinite(v) || v < lo) {
        fprintf(stderr, "wirescan trends: %s expects a number >= %g, got '%s'\n", opt, lo, s);
        return -1;
    }
    *out = v;
    return 0;
}

static const char *const bucket_names[] = {"", "day", "week", "month", "quarter", "year"};

/* The default chart title: what is drawn ("Share of stories mentioning
 * oil, opec per month, by source, mean of the last 3 months"). */
static char *chart_title(int docs, const ws_trends_params *p, const ws_query *q, uint32_t ntopics)
{
    ws_buf b = {0};
    char tmp[96];
    const char *bk = p->bucket <= WS_BY_YEAR ? bucket_names[p->bucket] : "bucket";
    int rc = ws_buf_append(&b, docs ? "Stories mentioning " : "Share of stories mentioning ",
                           docs ? 19 : 28);
    if (ntopics <= 5) {
        for (uint32_t t = 0; t < ntopics && !rc; t++) {
            if (t) rc = ws_buf_append(&b, ", ", 2);
            if (!rc) rc = ws_buf_append(&b, p->set->names[t], strlen(p->set->names[t]));
        }
    } else {
        snprintf(tmp, sizeof tmp, "%u topics", ntopics);
        rc = ws_buf_append(&b, tmp, strlen(tmp));
    }
    snprintf(tmp, sizeof tmp, " per %s", bk);
    if (!rc) rc = ws_buf_append(&b, tmp, strlen(tmp));
    if (!rc && q->groups) {
        const char *g = q->groups->by == WS_BY_SOURCE ? "source" : q->groups->tag ? q->groups->tag : "group";
        rc = ws_buf_append(&b, ", by ", 5);
        if (!rc) rc = ws_buf_append(&b, g, strlen(g));
    }
    if (!rc && p->smooth > 1) {
        snprintf(tmp, sizeof tmp, ", mean of the last %u %ss", p->smooth, bk);
        rc = ws_buf_append(&b, tmp, strlen(tmp));
    }
    if (!rc) rc = ws_buf_append(&b, "", 1);
    if (rc) {
        ws_buf_free(&b);
        return NULL;
    }
    return (char *)b.p;
}

/* Draw the series of o into path: one per (group, topic). Shares of
 * buckets without stories are unknown (NaN): gaps in the lines. */
static int draw_chart(const char *const *paths, size_t npaths, int docs, const char *title, const ws_trends_params *p,
                      const ws_query *q, const ws_trends_out *o)
{
    size_t ns = (size_t)o->ng * o->nt;
    if (ns > WS_CHART_MAX_SERIES)
        return ws_error(WS_ETOOBIG,
                        "--chart: %zu series (%u topic%s x %u group%s) are too many to draw: at most %d (more than "
                        "%d are drawn as small multiples); chart fewer topics, or fewer groups (--where)",
                        ns, o->nt, o->nt == 1 ? "" : "s", o->ng, o->ng == 1 ? "" : "s", WS_CHART_MAX_SERIES,
                        WS_CHART_MAX_LINES);
    const char **xl = calloc(o->nb + 1, sizeof *xl);
    ws_chart_series *ser = calloc(ns + 1, sizeof *ser);
    double *y = calloc(ns * o->nb + 1, sizeof *y);
    char **names = calloc(ns + 1, sizeof *names);
    char *deftitle = title ? NULL : chart_title(docs, p, q, o->nt);
    char ylabel[96];
    int rc = xl && ser && y && names && (title || deftitle) ? 0 : ws_error(WS_ENOMEM, "out of memory for the chart");
    for (uint32_t b = 0; b < o->nb && !rc; b++) xl[b] = o->blabel[b];
    for (uint32_t g = 0; g < o->ng && !rc; g++)
        for (uint32_t t = 0; t < o->nt && !rc; t++) {
            size_t k = (size_t)g * o->nt + t;
            char buf[32];
            const char *tn = p->set->names[t];
            if (q->groups) {
                ws_str gl = ws_group_label(q->groups, o->gid[g], buf);
                size_t n = strlen(tn) + gl.n + 4;
                if ((names[k] = malloc(n))) snprintf(names[k], n, "%s (%.*s)", tn, (int)gl.n, gl.p);
            } else {
                names[k] = strdup(tn);
            }
            if (!names[k]) rc = ws_error(WS_ENOMEM, "out of memory for the chart");
            ser[k].name = names[k];
            ser[k].y = y + k * o->nb;
            for (uint32_t b = 0; b < o->nb; b++) {
                const uint64_t *c = o->cell + ((size_t)b * o->ng + g) * (2 * (size_t)o->nt + 1);
                y[k * o->nb + b] = docs ? (double)c[1 + 2 * t] : ws_trends_share(o, b, g, t, p->smooth);
            }
        }
    if (!rc) {
        ws_chart ch = {0};
        ch.title = title ? title : deftitle;
        ch.xlabel = p->bucket <= WS_BY_YEAR ? bucket_names[p->bucket] : "bucket";
        if (docs) snprintf(ylabel, sizeof ylabel, "stories");
        else if (p->smooth > 1) snprintf(ylabel, sizeof ylabel, "share of stories (mean of %u)", p->smooth);
        else snprintf(ylabel, sizeof ylabel, "share of stories");
        ch.ylabel = ylabel;
        ch.nx = o->nb;
        ch.xlabels = xl;
        ch.nseries = ns;
        ch.series = ser;
        /* PNGs first: a PNG drawn after an SVG in the same process comes out
         * with other bytes (cairo's font state), SVGs never do; so each file
         * has the bytes a run drawing it alone would give. */
        for (int svg = 0; svg < 2; svg++)
            for (size_t i = 0; i < npaths && !rc; i++) {
                size_t n = strlen(paths[i]);
                if ((n >= 4 && !strcasecmp(paths[i] + n - 4, ".svg")) == svg) rc = ws_chart_write(paths[i], &ch);
            }
    }
    for (size_t k = 0; names && k < ns; k++) free(names[k]);
    free(names);
    free(xl);
    free(ser);
    free(y);
    ws_free(deftitle);
    return rc;
}

int ws_cmd_trends(int argc, char **argv)
{
    ws_query q = {0};
    q.top = 10;
    query_args qa;
    if (ws_query_args_init(&qa, argc)) return 2;
    qa.top = q.top;
    ws_trends_params p = {0};
    p.mode = WS_TRENDS_SERIES;
    p.bucket = WS_BY_MONTH;
    p.baseline = 4;
    p.min_count = 5;
    p.burst_s = 2;
    p.burst_gamma = 1;
    const char *terms = NULL, *topics = NULL, *by_arg = NULL, *title = NULL;
    const char *charts[8];
    size_t ncharts = 0;
    int rc = 0, emerging = 0, bursts = 0, chart_docs = 0;
    unsigned long long v;
    static const struct option lo[] = {COMMON_OPTIONS,
                                       {"terms", required_argument, 0, O_TERMS},
                                       {"topics", required_argument, 0, O_TOPICS},
                                       {"bucket", required_argument, 0, O_BUCKET},
                                       {"by", required_argument, 0, O_TBY},
                                       {"wide", no_argument, 0, O_WIDE},
                                       {"wide-share", no_argument, 0, O_WIDE_SHARE},
                                       {"smooth", required_argument, 0, O_SMOOTH},
                                       {"emerging", no_argument, 0, O_EMERGING},
                                       {"baseline", required_argument, 0, O_BASELINE},
                                       {"min-count", required_argument, 0, O_TMINCOUNT},
                                       {"bursts", no_argument, 0, O_BURSTS},
                                       {"burst-s", required_argument, 0, O_BURST_S},
                                       {"burst-gamma", required_argument, 0, O_BURST_GAMMA},
                                       {"chart", required_argument, 0, O_CHART},
                                       {"chart-y", required_argument, 0, O_CHART_Y},
                                       {"title", required_argument, 0, O_TITLE},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, "n:o:j:h", lo, NULL)) != -1) {
        int h = ws_query_opt(&qa, c, optarg);
        if (h < 0) rc = 2;
        if (h) continue;
        switch (c) {
        case O_TERMS: terms = optarg; break;
        case O_TOPICS: topics = optarg; break;
        case O_BUCKET: {
            const char *tag;
            p.bucket = ws_by_parse(optarg, &tag);
            if (p.bucket < WS_BY_DAY || p.bucket > WS_BY_YEAR) {
                fprintf(stderr, "wirescan trends: --bucket must be day, week, month, quarter or year, not '%s'\n",
                        optarg);
                rc = 2;
            }
            break;
        }
        case O_TBY: by_arg = optarg; break;
        case O_WIDE: p.wide = p.wide ? p.wide : 1; break;
        case O_WIDE_SHARE: p.wide = 2; break;
        case O_SMOOTH:
            if (ws_cli_parse_uint("--smooth", optarg, 1u << 20, &v)) rc = 2;
            else if (v == 0) {
                fprintf(stderr, "wirescan trends: --smooth needs K >= 1\n");
                rc = 2;
            }
            p.smooth = (uint32_t)v;
            break;
        case O_EMERGING: emerging = 1; break;
        case O_BASELINE:
            if (ws_cli_parse_uint("--baseline", optarg, 1u << 20, &v)) rc = 2;
            else if (v == 0) {
                fprintf(stderr, "wirescan trends: --baseline needs K >= 1\n");
                rc = 2;
            }
            p.baseline = (uint32_t)v;
            break;
        case O_TMINCOUNT:
            if (ws_cli_parse_uint("--min-count", optarg, UINT64_MAX, &v)) rc = 2;
            p.min_count = v;
            break;
        case O_BURSTS: bursts = 1; break;
        case O_BURST_S:
            if (parse_double("--burst-s", optarg, 1, &p.burst_s)) rc = 2;
            break;
        case O_BURST_GAMMA:
            if (parse_double("--burst-gamma", optarg, 0, &p.burst_gamma)) rc = 2;
            break;
        case O_CHART:
            if (ncharts == sizeof charts / sizeof charts[0]) {
                fprintf(stderr, "wirescan trends: at most %zu --chart files\n", sizeof charts / sizeof charts[0]);
                rc = 2;
            } else charts[ncharts++] = optarg;
            break;
        case O_CHART_Y:
            if (!strcmp(optarg, "docs")) chart_docs = 1;
            else if (!strcmp(optarg, "share")) chart_docs = 0;
            else {
                fprintf(stderr, "wirescan trends: --chart-y must be share or docs\n");
                rc = 2;
            }
            break;
        case O_TITLE: title = optarg; break;
        case 'h': trends_help(stdout); ws_query_args_free(&qa); return 0;
        default: rc = 2; /* getopt said what */
        }
    }
    q.top = qa.top;
    if (!rc && ws_query_args_check(&qa)) rc = 2;
    if (!rc && ws_query_need_store(argc, "trends", trends_help)) rc = 2;
    const char *why = NULL;
    if (rc) {
    } else if (terms && topics) why = "give --terms or --topics, not both";
    else if (emerging && (terms || topics)) why = "--emerging finds its own terms: drop --terms/--topics";
    else if (emerging && bursts) why = "--emerging and --bursts are separate reports";
    else if (!emerging && !terms && !topics) why = "give --terms LIST, --topics FILE or --emerging";
    else if ((emerging || bursts) && (p.wide || p.smooth)) why = "--wide and --smooth apply to series only";
    else if (emerging && (by_arg || ncharts)) why = "--by and --chart do not apply to --emerging";
    else if (title && !ncharts) why = "--title names a chart: give --chart FILE";
    else if (ncharts && chart_docs && p.smooth)
        why = "--smooth averages shares and the chart draws it; it does not apply to --chart-y docs";
    if (why) {
        fprintf(stderr, "wirescan trends: %s\n", why);
        rc = 2;
    }
    ws_by by = WS_BY_NONE;
    const char *tag = NULL;
    if (!rc && by_arg) {
        by = ws_by_parse(by_arg, &tag);
        if (by != WS_BY_SOURCE && by != WS_BY_TAG) {
            fprintf(stderr, "wirescan trends: --by takes source or a tag name; the time bucket is --bucket\n");
            rc = 2;
        }
    }
    if (rc) ws_cli_try("trends");
    query_env env;
    if (!rc && (rc = ws_query_env_open(&env, argv + optind, (size_t)(argc - optind), &qa, &q, by, tag)))
        rc = ws_cli_fail(rc);
    if (rc) {
        ws_query_args_free(&qa);
        return rc;
    }
    ws_trends_set set;
    ws_trends_set_init(&set);
    if (emerging) p.mode = WS_TRENDS_EMERGING;
    else {
        p.mode = bursts ? WS_TRENDS_BURSTS : WS_TRENDS_SERIES;
        rc = terms ? ws_topics_from_terms(terms, &set, &env.norm, warn_missing)
                   : ws_topics_from_file(topics, &set, &env.norm, warn_missing);
        if (!rc) rc = ws_trends_set_finish(&set, &env.norm);
    }
    ws_trends_out res = {0};
    p.set = &set;
    p.out = &res;
    q.ext = &p;
    ws_scan_opts so = {0};
    so.threads = qa.threads;
    so.progress = qa.progress;
    so.filter = qa.base.f;
    ws_buf out = {0};
    if (!rc) rc = ws_query_env_scan(&env, &ws_kernel_trends, &q, &so, &out);
    if (!rc && res.undated)
        fprintf(stderr, "wirescan trends: %llu undated stor%s left out (in no bucket)\n",
                (unsigned long long)res.undated, res.undated == 1 ? "y" : "ies");
    if (!rc && ncharts) rc = draw_chart(charts, ncharts, chart_docs, title, &p, &q, &res);
    ws_trends_out_free(&res);
    ws_trends_set_free(&set);
    ws_query_env_close(&env);
    ws_query_args_free(&qa);
    rc = rc ? ws_cli_fail(rc) : ws_query_write_result(&out, qa.out_path);
    ws_buf_free(&out);
    return rc;
}
