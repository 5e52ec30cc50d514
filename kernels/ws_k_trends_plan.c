/*
 * The trends kernel's parameters and plan: which report (series, emerging
 * terms, bursts), its topics (--terms, or a --topics file the engine
 * reads), buckets and shapes; checked here so every client gets the same
 * rules and messages.
 */
#include <string.h>

#include "ws_k_trends.h"
#include "ws_topics.h"

const ws_param_info ws_trends_param_table[14] = {
    {"terms", WS_PARAM_TEXT, NULL, "LIST",
     "comma-separated terms, each a series named as written; an item of several\n"
     "words (quotes optional, needed for commas) is a phrase: consecutive tokens in\n"
     "one sentence; '*' (any run) and '?' (one character) match terms of the\n"
     "store ('oil*': one series of oil, oils, ...)", NULL, 0, 0, 0, NULL},
    {"topics", WS_PARAM_TEXT, NULL, "FILE",
     "a topic a line: name: term term \"a phrase\"; '#' comments; a story mentions a\n"
     "topic when it has any of its terms or phrases. Terms are matched after case\n"
     "folding and stemming (as --containing), stop-word rules aside", NULL, 0, 0, 0, NULL},
    {"bucket", WS_PARAM_CHOICE, "month", "B",
     "day, week (Monday, labelled 2019-05-06), month (2019-05, default), quarter\n"
     "(2019-Q2) or year (2019); UTC", "day|week|month|quarter|year", 0, 0, 0, NULL},
    {"by", WS_PARAM_TEXT, NULL, "G",
     "split each series by source or by the values of tag G (tag:NAME for a tag\n"
     "called 'source'): adds a column named after G after bucket; groups in bytewise\n"
     "order, stories without a value in group '' (listed last)", NULL, 0, 0, 0, NULL},
    {"wide", WS_PARAM_FLAG, NULL, NULL, "one row per bucket: bucket,total,<topic>... (docs)", NULL, 0, 1, 0, NULL},
    {"wide-share", WS_PARAM_FLAG, NULL, NULL, "the same with share in the topic columns", NULL, 0, 1, 0, NULL},
    {"smooth", WS_PARAM_INT, NULL, "K",
     "add the mean share over the trailing K buckets (the bucket and the K-1 before\n"
     "it; fewer at the start; buckets without stories left out, empty if all are):\n"
     "column share_ma (long) or <topic>_ma (wide); --chart draws it", NULL, 1, 1 << 20, 0, NULL},
    {"emerging", WS_PARAM_FLAG, NULL, NULL,
     "emerging terms: CSV bucket,term,count,baseline,score: per bucket, terms whose\n"
     "story count (count) is above the rate of the trailing K buckets (baseline:\n"
     "stories with the term there), ranked by Dunning's G2 (score) of the 2x2 table\n"
     "of stories, then term", NULL, 0, 1, 0, NULL},
    {"top", WS_PARAM_INT, "10", "N", "emerging terms per bucket (default 10; 0 = all)", NULL, 0, UINT32_MAX, 0, NULL},
    {"baseline", WS_PARAM_INT, "4", "K", "emerging: trailing buckets compared with (default 4)", NULL, 1, 1 << 20, 0, NULL},
    {"min-count", WS_PARAM_INT, "5", "N", "emerging: only terms in at least N stories of the bucket (default 5)", NULL, 0,
     INT64_MAX, 0, NULL},
    {"bursts", WS_PARAM_FLAG, NULL, NULL,
     "bursts: CSV topic,start,end,weight: Kleinberg's two-state burst automaton over\n"
     "the bucket counts of each topic", NULL, 0, 1, 0, NULL},
    {"burst-s", WS_PARAM_DOUBLE, "2", "S", "burst rate = S x the topic's overall rate (default 2)", NULL, 1, INT64_MAX, 0, NULL},
    {"burst-gamma", WS_PARAM_DOUBLE, "1", "G", "cost G ln(buckets) of entering a burst (default 1)", NULL, 0, INT64_MAX, 0,
     NULL},
};

typedef struct trends_ext {
    ws_trends_params p;
    ws_trends_set set;
    ws_trends_out res;
    const ws_plan *plan;
} trends_ext;

void ws_trends_release(void *v)
{
    trends_ext *e = v;
    if (!e) return;
    ws_trends_out_free(&e->res);
    ws_trends_set_free(&e->set);
    ws_free(e);
}

static void warn_missing(void *ctx, const char *topic, const char *pattern)
{
    const ws_plan *plan = ctx;
    if (!strcmp(topic, pattern)) ws_plan_note(plan, "note: '%s' does not occur in the store: its series is zero", pattern);
    else ws_plan_note(plan, "note: '%s' (topic %s) does not occur in the store", pattern, topic);
}

int ws_trends_prepare(const ws_plan *plan, const ws_params *prm, ws_query *q, void **out)
{
    trends_ext *e = ws_calloc(1, sizeof *e);
    if (!(*out = e)) return ws_error(WS_ENOMEM, "out of memory");
    ws_trends_set_init(&e->set);
    ws_trends_params *p = &e->p;
    const char *terms = ws_params_text(prm, "terms"), *topics = ws_params_text(prm, "topics");
    int emerging = (int)ws_params_int(prm, "emerging"), bursts = (int)ws_params_int(prm, "bursts");
    const char *tag;
    p->bucket = ws_by_parse(ws_params_text(prm, "bucket"), &tag);
    p->wide = ws_params_int(prm, "wide-share") ? 2 : ws_params_int(prm, "wide") ? 1 : 0;
    p->smooth = (uint32_t)ws_params_int(prm, "smooth");
    p->baseline = (uint32_t)ws_params_int(prm, "baseline");
    p->min_count = (uint64_t)ws_params_int(prm, "min-count");
    p->burst_s = ws_params_double(prm, "burst-s");
    p->burst_gamma = ws_params_double(prm, "burst-gamma");
    q->top = (uint32_t)ws_params_int(prm, "top");
    const char *why = NULL;
    if (terms && topics) why = "give --terms or --topics, not both";
    else if (emerging && (terms || topics)) why = "--emerging finds its own terms: drop --terms/--topics";
    else if (emerging && bursts) why = "--emerging and --bursts are separate reports";
    else if (!emerging && !terms && !topics) why = "give --terms LIST, --topics FILE or --emerging";
    else if ((emerging || bursts) && (p->wide || p->smooth)) why = "--wide and --smooth apply to series only";
    else if (emerging && q->groups) why = "--by does not apply to --emerging";
    else if (q->groups && q->groups->by != WS_BY_SOURCE && q->groups->by != WS_BY_TAG)
        why = "--by takes source or a tag name; the time bucket is --bucket";
    if (why) return ws_error(WS_EINVAL, "%s", why);
    int rc = 0;
    if (emerging) p->mode = WS_TRENDS_EMERGING;
    else {
        p->mode = bursts ? WS_TRENDS_BURSTS : WS_TRENDS_SERIES;
        if (terms) rc = ws_topics_from_terms(terms, &e->set, plan->norm, warn_missing, (void *)(uintptr_t)plan);
        else {
            char *text = NULL;
            size_t len = 0;
            rc = plan->read_file(plan->ctx, topics, &text, &len);
            if (!rc) rc = ws_topics_parse(topics, text, len, &e->set, plan->norm, warn_missing, (void *)(uintptr_t)plan);
            ws_free(text);
        }
        if (!rc) rc = ws_trends_set_finish(&e->set, plan->norm);
    }
    p->set = &e->set;
    p->out = &e->res;
    q->ext = p;
    return rc;
}

void ws_trends_done(void *v, const ws_plan *plan, const ws_query *q)
{
    (void)q;
    const trends_ext *e = v;
    if (e->res.undated)
        ws_plan_note(plan, "%llu undated stor%s left out (in no bucket)", (unsigned long long)e->res.undated,
                     e->res.undated == 1 ? "y" : "ies");
}
