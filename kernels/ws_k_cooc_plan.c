/*
 * The cooc kernel's parameters and plan: what the command line used to
 * decide beside its option table, now in the library so every client gets
 * the same plan.
 *
 * Memory. --mem is the budget of the whole process. The engine measures
 * what the process already holds (stores, dictionaries, normalisation) and
 * one thread's block workspace; what is left after those and a margin is
 * the kernel's budget, shared by the threads. All-pairs counting puts the
 * pairs of the most frequent terms in a dense triangle and spills sorted
 * runs through the engine when its tables are full. --mem 0 means no
 * budget: tables grow as needed, nothing spills.
 */
#include <inttypes.h>
#include <string.h>

#include "ws_k_cooc.h"
#include "ws_tokenize.h"

#define DENSE_MAX 1024u /* at most this many dense terms: a 4 MiB triangle per thread */

const ws_param_info ws_cooc_param_table[11] = {
    {"doc", WS_PARAM_FLAG, NULL, NULL, "context: the story (title and body)", NULL, 0, 1, 0, NULL},
    {"sentence", WS_PARAM_FLAG, NULL, NULL, "context: the sentence", NULL, 0, 1, 0, NULL},
    {"window", WS_PARAM_INT, "5", "K", "context: K tokens either side, inside a story (the default, K = 5)", NULL, 1, 1 << 16,
     0, NULL},
    {"term", WS_PARAM_LIST, NULL, "T",
     "collocates of T (repeatable), normalised like the corpus (case folding, --stem):\n"
     "a word, a pattern over the vocabulary ('oil*', '?il': one target, any of its\n"
     "terms) or a phrase ('crude oil', up to 8 tokens); without --term: all pairs", NULL, 0, 0, 0, NULL},
    {"measure", WS_PARAM_CHOICE, "count", "M", "order by M (count, pmi, npmi, llr, chi2, tscore, dice, logdice); adds M's column",
     "count|pmi|npmi|llr|chi2|tscore|dice|logdice", 0, 0, 0, NULL},
    {"measures", WS_PARAM_CHOICE, NULL, "all", "'all': print every measure's column", "all", 0, 0, 0, NULL},
    {"min-count", WS_PARAM_INT, "1", "N", "only pairs that co-occur at least N times (default 1)", NULL, 0, INT64_MAX, 0, NULL},
    {"top", WS_PARAM_INT, "100", "N", "rows to print (default 100; 0 = all)", NULL, 0, UINT32_MAX, 0, NULL},
    {"per-term", WS_PARAM_FLAG, NULL, NULL, "with several --term: top N for each term", NULL, 0, 1, 0, NULL},
    /* Test hooks, left out of the help: runs merged at once (forcing
     * intermediate merge levels), and the number of dense terms (checking
     * that the dense and sparse paths count alike). */
    {"fan-in", WS_PARAM_INT, "64", "N", NULL, NULL, 2, 1 << 16, WS_PARAM_HIDDEN, NULL},
    {"dense", WS_PARAM_INT, NULL, "K", NULL, NULL, 0, 1 << 20, WS_PARAM_HIDDEN, NULL},
};

typedef struct cooc_ext {
    ws_cooc_params p;
    ws_cooc_stats stats;
    ws_termspec *specs;
    ws_str *labels;
    char **label_text;
    uint32_t *dense_rank;
    const ws_spill_ops *spill;
    size_t nterms_given;
} cooc_ext;

void ws_cooc_release(void *v)
{
    cooc_ext *e = v;
    if (!e) return;
    for (uint32_t i = 0; e->specs && i < e->p.ntargets; i++) ws_termspec_free(&e->specs[i]);
    for (size_t i = 0; e->label_text && i < e->nterms_given; i++) ws_free(e->label_text[i]);
    ws_free(e->specs);
    ws_free(e->labels);
    ws_free(e->label_text);
    ws_free(e->dense_rank);
    ws_free(e);
}

/* Resolve each --term through ws_termspec (a word, a pattern over the
 * normalised vocabulary, a phrase). A word is labelled by its normalised
 * term (as always); a pattern or a phrase by its text with white space
 * runs shown as one space. Targets matching nothing are noted and left out;
 * repeats (the same label) count once. */
static int resolve_terms(const ws_plan *plan, cooc_ext *e, const char *const *terms, size_t nterms)
{
    ws_tokenizer *tk = ws_tokenizer_create();
    if (!tk) return ws_error(WS_ENOMEM, "out of memory");
    int rc = 0;
    uint32_t n = 0;
    for (size_t i = 0; i < nterms && !rc; i++) {
        ws_termspec *sp = &e->specs[n];
        if ((rc = ws_termspec_parse(plan->norm, tk, "--term", terms[i], WS_TS_AUTO, sp))) break;
        if (ws_termspec_empty(sp)) {
            ws_plan_note(plan, "--term '%s' does not occur in the store", terms[i]);
            ws_termspec_free(sp);
            continue;
        }
        ws_str label = ws_str_make("", 0);
        if (sp->pattern || sp->nslots > 1) {
            const char *t = terms[i];
            size_t len = strlen(t), k = 0;
            char *c = ws_malloc(len + 1);
            if (!c) {
                rc = ws_error(WS_ENOMEM, "out of memory");
                break;
            }
            for (size_t a = 0; a < len; a++) {
                int sp_ = t[a] == ' ' || (t[a] >= '\t' && t[a] <= '\r');
                if (!sp_) c[k++] = t[a];
                else if (k && c[k - 1] != ' ') c[k++] = ' ';
            }
            while (k && c[k - 1] == ' ') k--;
            c[k] = 0;
            e->label_text[i] = c;
            label = ws_str_make(c, k);
        } else {
            label = ws_norm_term(plan->norm, sp->slot[0].ids[0]);
        }
        uint32_t k = 0;
        while (k < n && !ws_str_eq(e->labels[k], label)) k++;
        if (k < n) {
            ws_termspec_free(sp);
            continue;
        }
        e->labels[n++] = label;
        e->p.ntargets = n;
    }
    ws_tokenizer_free(tk);
    return rc;
}

static void fmt_size(char *buf, size_t cap, double b)
{
    if (b >= 1 << 30) snprintf(buf, cap, "%.1f GiB", b / (1 << 30));
    else if (b >= 1 << 20) snprintf(buf, cap, "%.1f MiB", b / (1 << 20));
    else snprintf(buf, cap, "%.0f KiB", b / 1024);
}

static uint64_t store_tokens(const ws_plan *plan, uint64_t *stories)
{
    uint64_t t = 0;
    *stories = 0;
    for (size_t k = 0; k < plan->nstores; k++)
        for (uint32_t i = 0; i < plan->stores[k]->nsegs; i++) {
            t += plan->stores[k]->segs[i]->ntokens;
            *stories += plan->stores[k]->segs[i]->nrows;
        }
    return t;
}

int ws_cooc_prepare(const ws_plan *plan, const ws_params *prm, ws_query *q, void **out)
{
    cooc_ext *e = ws_calloc(1, sizeof *e);
    if (!(*out = e)) return ws_error(WS_ENOMEM, "out of memory");
    ws_cooc_params *p = &e->p;
    int doc = (int)ws_params_int(prm, "doc"), sent = (int)ws_params_int(prm, "sentence");
    if (doc + sent + ws_params_given(prm, "window") > 1)
        return ws_error(WS_EINVAL, "give one context: --doc, --sentence or --window K");
    p->context = doc ? WS_COOC_DOC : sent ? WS_COOC_SENTENCE : WS_COOC_WINDOW;
    p->window = (uint32_t)ws_params_int(prm, "window");
    p->measure = (ws_cooc_measure)ws_cooc_measure_parse(ws_params_text(prm, "measure"));
    p->all_measures = ws_params_text(prm, "measures") != NULL;
    p->min_count = (uint64_t)ws_params_int(prm, "min-count");
    if (!p->min_count) p->min_count = 1;
    p->per_term = (int)ws_params_int(prm, "per-term");
    q->top = (uint32_t)ws_params_int(prm, "top");
    size_t nterms;
    const char *const *terms = ws_params_list(prm, "term", &nterms);
    if (p->per_term && !nterms) return ws_error(WS_EINVAL, "--per-term needs --term");
    const int threads = plan->threads;
    const uint32_t nv = plan->norm->terms.nterms;
    int rc = 0;
    if (nterms) {
        e->nterms_given = nterms;
        e->specs = ws_calloc(nterms + 1, sizeof *e->specs);
        e->labels = ws_calloc(nterms + 1, sizeof *e->labels);
        e->label_text = ws_calloc(nterms + 1, sizeof *e->label_text);
        if (!e->specs || !e->labels || !e->label_text) return ws_error(WS_ENOMEM, "out of memory");
        if ((rc = resolve_terms(plan, e, terms, nterms))) return rc;
        p->targets = e->specs;
        p->labels = e->labels;
        p->none = p->ntargets == 0;
        p->ntargets_given = (uint32_t)nterms;
    }
    /* The budget left for the kernel. */
    size_t mem = plan->mem, fixed = 0, blocks = 0, kbudget = 0;
    if (mem) {
        fixed = plan->resident;
        blocks = plan->block_bytes * (size_t)threads;
        size_t margin = ((size_t)1 << 20) + mem / 16;
        size_t need = ws_cooc_fixed_bytes(nv, p->ntargets) * (size_t)threads;
        size_t minimum = fixed + blocks + margin + need + ((size_t)1 << 20) * (size_t)threads;
        if (mem < minimum) {
            char a[32], b[32], d[32];
            fmt_size(a, sizeof a, (double)mem);
            fmt_size(b, sizeof b, (double)(fixed + blocks));
            fmt_size(d, sizeof d, (double)minimum);
            return ws_error(WS_EINVAL,
                            "--mem %s is too small: the stores, dictionary and block buffers take %s; "
                            "give at least %s (or fewer --threads)", a, b, d);
        }
        kbudget = mem - fixed - blocks - margin;
    }
    if (plan->ranks > 1 && !nterms) {
        /* All pairs across ranks: the exchange runs in rounds of at most
         * round_bytes packed per rank. Its buffers (the packed pairs, the
         * transport's copy, one round received) live beside the table,
         * so under --mem they come out of the kernel's budget: a 24th
         * per round, an eighth in all. Without --mem, rounds of 256 MiB.
         * Either way a round stays far below MPI's 2 GiB int counts. */
        size_t round = mem ? kbudget / 24 : (size_t)256 << 20;
        if (round < ((size_t)16 << 10)) round = (size_t)16 << 10;
        if (round > ((size_t)1 << 30)) round = (size_t)1 << 30;
        if (mem) kbudget -= 3 * round < kbudget / 2 ? 3 * round : kbudget / 2;
        p->round_bytes = round;
    }
    p->budget = kbudget;
    p->threads = threads;
    p->plan = plan;
    p->stats = &e->stats;
    if (!nterms) {
        /* Dense terms: the most frequent by the dictionaries' collection
         * frequencies (whole store, before filters: a plan, not a result). */
        uint64_t *freq = ws_calloc((size_t)nv + 1, sizeof *freq);
        e->dense_rank = ws_malloc(((size_t)nv + 1) * sizeof *e->dense_rank);
        if (!freq || !e->dense_rank) {
            ws_free(freq);
            return ws_error(WS_ENOMEM, "out of memory");
        }
        uint32_t occurring = 0;
        for (uint32_t k = 0; k < plan->norm->ndicts; k++) {
            const ws_norm_dict *nd = &plan->norm->dicts[k];
            const ws_dict *d = &plan->stores[k]->dict;
            for (uint32_t i = 0; i < nd->nsrc; i++)
                if (nd->map[i] != WS_NORM_DROP) freq[nd->map[i]] += d->cf ? d->cf[i] : 1;
        }
        for (uint32_t i = 0; i < nv; i++) occurring += freq[i] > 0;
        uint32_t k = kbudget ? ws_cooc_dense_size(kbudget, threads, nv) : DENSE_MAX;
        if (k > DENSE_MAX) k = DENSE_MAX;
        if (k > occurring) k = occurring;
        if (ws_params_given(prm, "dense")) {
            int64_t dk = ws_params_int(prm, "dense");
            k = dk < (int64_t)nv ? (uint32_t)dk : nv;
        }
        ws_cooc_dense_plan(freq, nv, k, e->dense_rank);
        ws_free(freq);
        p->dense_rank = e->dense_rank;
        p->ndense = k;
        if (mem) {
            if ((rc = plan->spill_open(plan->ctx, ws_params_text(prm, "tmp"), (size_t)ws_params_int(prm, "fan-in"),
                                       &e->spill)))
                return rc;
            p->spill = e->spill;
        }
        uint64_t stories, tokens = store_tokens(plan, &stories);
        double events = p->context == WS_COOC_WINDOW ? (double)tokens * p->window
                        : p->context == WS_COOC_DOC  ? (stories ? (double)tokens * tokens / stories / 2 : 0)
                                                     : (double)tokens * 12;
        char a[32], b[32], d[32], f[32];
        size_t tri = (size_t)k * (k ? k - 1 : 0) / 2 * 8;
        fmt_size(a, sizeof a, (double)mem);
        fmt_size(b, sizeof b, (double)kbudget);
        fmt_size(d, sizeof d, (double)tri);
        fmt_size(f, sizeof f, (double)fixed);
        size_t hash_cap = kbudget / 16 * 2 / 3;
        if (mem)
            ws_plan_note(plan,
                         "estimate: up to %.3g pair occurrences to count (%" PRIu64 " tokens); %u dense terms (%s per "
                         "thread); budget %s, %s for counting after the store (%s) and block buffers; %s",
                         events, tokens, k, d, a, b, f, events > (double)hash_cap ? "may spill to disk" : "will not spill");
        else
            ws_plan_note(plan,
                         "estimate: up to %.3g pair occurrences to count (%" PRIu64 " tokens); %u dense terms (%s per "
                         "thread); no memory budget (--mem 0): nothing spills",
                         events, tokens, k, d);
    }
    q->ext = p;
    return 0;
}

void ws_cooc_done(void *v, const ws_plan *plan, const ws_query *q)
{
    (void)q;
    const cooc_ext *e = v;
    if (e->p.ntargets || e->p.none) return;
    uint64_t runs = 0, bytes = 0;
    uint32_t levels = 0;
    if (e->spill) e->spill->stats(e->spill->ctx, &runs, &bytes, &levels);
    char a[32];
    if (e->stats.rounds) {
        char x[32], r[32];
        fmt_size(x, sizeof x, (double)e->stats.xsent);
        fmt_size(r, sizeof r, (double)e->p.round_bytes);
        ws_plan_note(plan, "exchange across %d ranks: %" PRIu64 " rounds of at most %s packed per rank (%s of pairs packed by rank 0)",
                     plan->ranks, e->stats.rounds, r, x);
    }
    fmt_size(a, sizeof a, (double)bytes);
    ws_plan_note(plan,
                 "%" PRIu64 " pair occurrences, %" PRIu64 " distinct pairs listed; %" PRIu64
                 " runs spilled (%s, %u intermediate merge levels)",
                 e->stats.pair_events, e->stats.pairs, runs, a, levels);
}
