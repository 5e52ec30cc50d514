/*
 * The cooc subcommand: co-occurrence counts and association measures in
 * document, sentence or window contexts, for the collocates of given terms
 * or for all pairs (kernel: kernels/ws_k_cooc.c; user documentation:
 * docs/cooc.md).
 *
 * Memory. --mem is the budget of the whole process. After the stores are
 * open and the normalisation is built, what the process already holds
 * (resident set, from /proc/self/statm) and the per-thread block
 * workspaces (estimated from the largest block) are taken off, with a
 * margin; the rest is the kernel's budget, shared by the threads. The
 * kernel spills sorted runs to a private folder (engine/ws_spill) when its
 * tables are full, and the folder is removed on every exit path (signals
 * included). --mem 0 means no budget: tables grow as needed, nothing
 * spills.
 */
#include <inttypes.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ws_k_cooc.h"
#include "ws_query_cli.h"
#include "ws_spill.h"
#include "ws_tokenize.h"

/* --fan-in N (runs merged at once, default 64) and --dense K (dense terms,
 * overriding the plan) are test hooks, left out of the help: the tests use
 * them to force intermediate merge levels and to check that the dense and
 * sparse paths count alike. */
enum { O_DOC = O_CMD, O_SENTENCE, O_WINDOW, O_TERM, O_MEASURE, O_MEASURES, O_CMINCOUNT, O_PERTERM, O_MEM, O_TMP,
       O_FANIN, O_DENSE };

#define DENSE_MAX 1024u /* at most this many dense terms: a 4 MiB triangle per thread */

static void cooc_help(FILE *f)
{
    fprintf(f,
            "usage: wirescan cooc STORE... [OPTIONS]\n"
            "\n"
            "Co-occurrence of terms as CSV. With --term: the collocates of the term(s),\n"
            "term,cooc,F[,measure...] (a first column 'target' when several terms are\n"
            "given); without: all pairs, term1,term2,cooc,F1,F2[,measure...] with term1 <\n"
            "term2 bytewise. F is the collocate's frequency in the context: df (stories),\n"
            "sf (sentences) or tf (tokens, window contexts). Rows are ordered by the\n"
            "measure descending, then term bytewise. A term is not its own collocate.\n"
            "Definitions of every measure: docs/cooc.md.\n"
            "\n"
            "contexts:\n"
            "      --doc              the story (title and body)\n"
            "      --sentence         the sentence\n"
            "      --window K         K tokens either side, inside a story (default: 5)\n"
            "terms and measures:\n"
            "      --term T           collocates of T (repeatable), normalised like the\n"
            "                         corpus (case folding, --stem)\n"
            "      --measure M        order by M: count (default), pmi, npmi, llr, chi2,\n"
            "                         tscore, dice, logdice; adds M's column\n"
            "      --measures all     print every measure's column\n"
            "      --min-count N      only pairs that co-occur at least N times (default 1)\n"
            "  -n, --top N            rows to print (default 100; 0 = all)\n"
            "      --per-term         with several --term: top N for each term\n"
            "memory:\n"
            "      --mem SIZE         memory budget of the process, e.g. 512M, 4G (default: a\n"
            "                         quarter of physical memory; 0 = no budget). All-pairs\n"
            "                         counting spills sorted runs to disk to stay under it;\n"
            "                         the output is the same bytes\n"
            "      --tmp DIR          where the spill folder is made (default: $TMPDIR or /tmp);\n"
            "                         it is removed on exit, on errors and on SIGINT/SIGTERM\n"
            "  -q, --quiet            no estimate and no statistics on stderr\n");
    fputs(FILTER_HELP, f);
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

/* Per-thread block workspace: the largest block's token chunks (compressed
 * and decoded) and its decoded ids and offsets. */
static size_t block_bytes(const query_env *env)
{
    size_t most = 0;
    for (size_t k = 0; k < env->nst; k++)
        for (uint32_t i = 0; i < env->st[k]->nsegs; i++) {
            const ws_segment *s = env->st[k]->segs[i];
            for (uint32_t b = 0; b < s->nblocks; b++) {
                const ws_block_meta *m = &s->blocks[b];
                size_t n = (size_t)m->ntokens * 4 + (size_t)m->nrows * 32;
                for (int c = WS_C_TOKIDS; c <= WS_C_TOKMETA; c++)
                    n += (size_t)m->chunks[c].raw_size + m->chunks[c].comp_size;
                most = n > most ? n : most;
            }
        }
    return most;
}

static uint64_t store_tokens(const query_env *env, uint64_t *stories)
{
    uint64_t t = 0;
    *stories = 0;
    for (size_t k = 0; k < env->nst; k++)
        for (uint32_t i = 0; i < env->st[k]->nsegs; i++) {
            t += env->st[k]->segs[i]->ntokens;
            *stories += env->st[k]->segs[i]->nrows;
        }
    return t;
}

/* Normalise each --term like --containing does: one token, folded and
 * stemmed as the dictionary was, looked up in the normalised vocabulary.
 * Terms absent from the corpus are reported and left out. */
static int resolve_terms(const ws_norm *nm, const char *const *terms, size_t nterms, uint32_t *ids, uint32_t *n,
                         int quiet)
{
    ws_tokenizer *tk = ws_tokenizer_create();
    if (!tk) return ws_error(WS_ENOMEM, "out of memory");
    int rc = 0;
    *n = 0;
    for (size_t i = 0; i < nterms && !rc; i++) {
        ws_tokens t;
        if ((rc = ws_tokenize(tk, terms[i], strlen(terms[i]), &t))) break;
        if (t.ntok != 1) {
            rc = ws_error(WS_EINVAL, "--term '%s': %s", terms[i],
                          t.ntok ? "one word per option (repeat --term for several)" : "no word in it");
            break;
        }
        uint32_t id;
        if ((rc = ws_norm_lookup(nm, ws_str_make(t.text + t.tok[0].off, t.tok[0].len), &id))) break;
        if (id == WS_NORM_DROP) {
            if (!quiet) fprintf(stderr, "wirescan cooc: --term '%s' does not occur in the store\n", terms[i]);
            continue;
        }
        uint32_t k = 0;
        while (k < *n && ids[k] != id) k++;
        if (k == *n) ids[(*n)++] = id;
    }
    ws_tokenizer_free(tk);
    return rc;
}

/* ---- glue between the kernel's spill and output operations and their providers ---- */

static int spill_write(void *ctx, const void *recs, size_t n, size_t rsize, uint32_t *run)
{
    return ws_spill_write(ctx, recs, n, rsize, run);
}

static size_t g_fanin = 64; /* --fan-in (a test hook forcing multi-level merges) */

static int spill_merge(void *ctx, const uint32_t *runs, size_t nruns, size_t rsize, int (*cmp)(const void *, const void *),
                       void (*combine)(void *, const void *), size_t mem, int (*emit)(void *, const void *), void *arg)
{
    return ws_spill_merge(ctx, runs, nruns, rsize, cmp, combine, g_fanin, mem, emit, arg);
}

static int out_flush(void *ctx, const void *p, size_t n)
{
    FILE *f = ctx;
    if (fwrite(p, 1, n, f) != n) return ws_error(WS_EIO, "writing the output failed");
    return 0;
}

static void fmt_size(char *buf, size_t cap, double b)
{
    if (b >= 1 << 30) snprintf(buf, cap, "%.1f GiB", b / (1 << 30));
    else if (b >= 1 << 20) snprintf(buf, cap, "%.1f MiB", b / (1 << 20));
    else snprintf(buf, cap, "%.0f KiB", b / 1024);
}

int ws_cmd_cooc(int argc, char **argv)
{
    ws_query q = {0};
    q.top = 100;
    query_args qa;
    if (ws_query_args_init(&qa, argc)) return 2;
    qa.top = q.top;
    ws_cooc_params p;
    memset(&p, 0, sizeof p);
    p.context = WS_COOC_WINDOW;
    p.window = 5;
    p.min_count = 1;
    const char **terms = calloc((size_t)argc + 1, sizeof *terms);
    size_t nterms = 0, mem = default_mem();
    const char *tmp = NULL;
    long dense_override = -1;
    int rc = terms ? 0 : 2, quiet = 0;
    unsigned long long v;
    static const struct option lo[] = {COMMON_OPTIONS,
                                       {"doc", no_argument, 0, O_DOC},
                                       {"sentence", no_argument, 0, O_SENTENCE},
                                       {"window", required_argument, 0, O_WINDOW},
                                       {"term", required_argument, 0, O_TERM},
                                       {"measure", required_argument, 0, O_MEASURE},
                                       {"measures", required_argument, 0, O_MEASURES},
                                       {"min-count", required_argument, 0, O_CMINCOUNT},
                                       {"per-term", no_argument, 0, O_PERTERM},
                                       {"mem", required_argument, 0, O_MEM},
                                       {"tmp", required_argument, 0, O_TMP},
                                       {"fan-in", required_argument, 0, O_FANIN},
                                       {"dense", required_argument, 0, O_DENSE},
                                       {"quiet", no_argument, 0, 'q'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, "n:o:j:hq", lo, NULL)) != -1) {
        int h = ws_query_opt(&qa, c, optarg);
        if (h < 0) rc = 2;
        if (h) continue;
        switch (c) {
        case O_DOC: p.context = WS_COOC_DOC; break;
        case O_SENTENCE: p.context = WS_COOC_SENTENCE; break;
        case O_WINDOW:
            v = 1;
            if (ws_cli_parse_uint("--window", optarg, 1u << 16, &v) || v < 1) {
                if (v < 1) fprintf(stderr, "wirescan cooc: --window must be at least 1\n");
                rc = 2;
            }
            p.context = WS_COOC_WINDOW;
            p.window = (uint32_t)v;
            break;
        case O_TERM: terms[nterms++] = optarg; break;
        case O_MEASURE: {
            int m = ws_cooc_measure_parse(optarg);
            if (m < 0) {
                fprintf(stderr, "wirescan cooc: --measure must be count, pmi, npmi, llr, chi2, tscore, dice or "
                                "logdice, not '%s'\n", optarg);
                rc = 2;
            }
            p.measure = (ws_cooc_measure)(m < 0 ? 0 : m);
            break;
        }
        case O_MEASURES:
            if (strcmp(optarg, "all")) {
                fprintf(stderr, "wirescan cooc: --measures takes 'all'\n");
                rc = 2;
            }
            p.all_measures = 1;
            break;
        case O_CMINCOUNT:
            if (ws_cli_parse_uint("--min-count", optarg, UINT64_MAX, &v)) rc = 2;
            p.min_count = v ? v : 1;
            break;
        case O_PERTERM: p.per_term = 1; break;
        case O_MEM:
            if (ws_cli_parse_size(optarg, &mem)) {
                fprintf(stderr, "wirescan cooc: --mem expects a size like 512M or 4G (0: no budget), got '%s'\n",
                        optarg);
                rc = 2;
            }
            break;
        case O_TMP: tmp = optarg; break;
        case O_FANIN:
            if (ws_cli_parse_uint("--fan-in", optarg, 1u << 16, &v) || v < 2) rc = 2;
            g_fanin = (size_t)v;
            break;
        case O_DENSE:
            if (ws_cli_parse_uint("--dense", optarg, 1u << 20, &v)) rc = 2;
            dense_override = (long)v;
            break;
        case 'q': quiet = 1; break;
        case 'h':
            cooc_help(stdout);
            ws_query_args_free(&qa);
            free(terms);
            return 0;
        default: rc = 2; /* getopt said what */
        }
    }
    q.top = qa.top;
    if (!rc && ws_query_need_store(argc, "cooc", cooc_help)) rc = 2;
    if (!rc && p.per_term && !nterms) {
        fprintf(stderr, "wirescan cooc: --per-term needs --term\n");
        rc = 2;
    }
    if (!rc && ws_query_args_check(&qa)) rc = 2;
    if (rc) ws_cli_try("cooc");
    query_env env;
    int env_open = 0;
    if (!rc) {
        if ((rc = ws_query_env_open(&env, argv + optind, (size_t)(argc - optind), &qa, &q, WS_BY_NONE, NULL)))
            rc = ws_cli_fail(rc);
        else env_open = 1;
    }
    uint32_t *tids = NULL, *dense_rank = NULL;
    uint64_t *freq = NULL;
    ws_spill *sp = NULL;
    FILE *outf = NULL;
    ws_buf out = {0};
    ws_cooc_stats stats = {0, 0, 0};
    const uint32_t nv = env_open ? env.norm.terms.nterms : 0;
    int threads = qa.threads > 0 ? qa.threads : omp_get_num_procs();
    if (!rc && nterms) {
        if (!(tids = calloc(nterms + 1, sizeof *tids))) rc = ws_cli_fail(ws_error(WS_ENOMEM, "out of memory"));
        else if ((rc = resolve_terms(&env.norm, terms, nterms, tids, &p.ntargets, quiet))) rc = ws_cli_fail(rc);
        p.targets = tids;
    }
    /* The budget left for the kernel. */
    size_t fixed = 0, blocks = 0, kbudget = 0;
    if (!rc && mem) {
        fixed = resident_bytes();
        blocks = block_bytes(&env) * (size_t)threads;
        size_t margin = ((size_t)1 << 20) + mem / 16;
        size_t need = ws_cooc_fixed_bytes(nv, p.ntargets) * (size_t)threads;
        size_t minimum = fixed + blocks + margin + need + ((size_t)1 << 20) * (size_t)threads;
        if (mem < minimum) {
            char a[32], b[32], d[32];
            fmt_size(a, sizeof a, (double)mem);
            fmt_size(b, sizeof b, (double)(fixed + blocks));
            fmt_size(d, sizeof d, (double)minimum);
            fprintf(stderr,
                    "wirescan cooc: --mem %s is too small: the stores, dictionary and block buffers take %s; "
                    "give at least %s (or fewer --threads)\n", a, b, d);
            rc = 2;
        }
        kbudget = rc ? 0 : mem - fixed - blocks - margin;
    }
    p.budget = kbudget;
    p.threads = threads;
    p.stats = &stats;
    ws_cooc_spill_ops ops = {NULL, spill_write, spill_merge};
    ws_cooc_output output = {NULL, out_flush};
    if (!rc && !nterms) {
        /* Dense terms: the most frequent by the dictionaries' collection
         * frequencies (whole store, before filters: a plan, not a result). */
        freq = calloc((size_t)nv + 1, sizeof *freq);
        dense_rank = malloc(((size_t)nv + 1) * sizeof *dense_rank);
        if (!freq || !dense_rank) rc = ws_cli_fail(ws_error(WS_ENOMEM, "out of memory"));
        uint32_t occurring = 0;
        for (uint32_t k = 0; !rc && k < env.norm.ndicts; k++) {
            const ws_norm_dict *nd = &env.norm.dicts[k];
            const ws_dict *d = &env.st[k]->dict;
            for (uint32_t i = 0; i < nd->nsrc; i++)
                if (nd->map[i] != WS_NORM_DROP) freq[nd->map[i]] += d->cf ? d->cf[i] : 1;
        }
        for (uint32_t i = 0; !rc && i < nv; i++) occurring += freq[i] > 0;
        uint32_t k = kbudget ? ws_cooc_dense_size(kbudget, threads, nv) : DENSE_MAX;
        if (k > DENSE_MAX) k = DENSE_MAX;
        if (k > occurring) k = occurring;
        if (dense_override >= 0) k = (uint32_t)dense_override < nv ? (uint32_t)dense_override : nv;
        if (!rc) {
            ws_cooc_dense_plan(freq, nv, k, dense_rank);
            p.dense_rank = dense_rank;
            p.ndense = k;
        }
        free(freq);
        freq = NULL;
        if (!rc && mem) {
            if ((rc = ws_spill_open(tmp, &sp))) rc = ws_cli_fail(rc);
            ops.ctx = sp;
            p.spill = &ops;
        }
        if (!rc && !quiet) {
            uint64_t stories, tokens = store_tokens(&env, &stories);
            double events = p.context == WS_COOC_WINDOW ? (double)tokens * p.window
                            : p.context == WS_COOC_DOC  ? (stories ? (double)tokens * tokens / stories / 2 : 0)
                                                        : (double)tokens * 12;
            char a[32], b[32], d[32];
            size_t tri = (size_t)k * (k ? k - 1 : 0) / 2 * 8;
            fmt_size(a, sizeof a, (double)mem);
            fmt_size(b, sizeof b, (double)kbudget);
            fmt_size(d, sizeof d, (double)tri);
            size_t hash_cap = kbudget / 16 * 2 / 3;
            fprintf(stderr,
                    "wirescan cooc: estimate: up to %.3g pair occurrences to count (%" PRIu64 " tokens); "
                    "%u dense terms (%s per thread); ",
                    events, tokens, k, d);
            if (mem)
                fprintf(stderr, "budget %s, %s for counting after the store (%s) and block buffers; %s\n", a, b,
                        (fmt_size(d, sizeof d, (double)fixed), d),
                        events > (double)hash_cap ? "may spill to disk" : "will not spill");
            else fprintf(stderr, "no memory budget (--mem 0): nothing spills\n");
        }
    }
    if (!rc) {
        outf = ws_cli_open_out(qa.out_path);
        if (!outf) rc = ws_exit_status(WS_EIO);
        output.ctx = outf;
        p.output = &output;
    }
    if (!rc && nterms && !p.ntargets) {
        /* No --term occurs in the store: only the header. */
        fprintf(outf, "%sterm,cooc,%s\n", nterms > 1 ? "target," : "",
                p.context == WS_COOC_DOC ? "df" : p.context == WS_COOC_SENTENCE ? "sf" : "tf");
    } else if (!rc) {
        q.ext = &p;
        ws_scan_opts so = {0};
        so.threads = qa.threads;
        so.progress = qa.progress;
        so.filter = qa.base.f;
        if ((rc = ws_query_env_scan(&env, &ws_kernel_cooc, &q, &so, &out))) rc = ws_cli_fail(rc);
        else if (out.n && fwrite(out.p, 1, out.n, outf) != out.n) rc = ws_exit_status(WS_EIO);
    }
    if (outf) {
        int crc = ws_cli_close_out(outf, qa.out_path);
        rc = rc ? rc : crc;
        if (rc && qa.out_path && strcmp(qa.out_path, "-")) unlink(qa.out_path); /* no half-written report */
    }
    if (!rc && !quiet && !nterms) {
        ws_spill_stats ss = ws_spill_get_stats(sp);
        char a[32];
        fmt_size(a, sizeof a, (double)ss.bytes);
        fprintf(stderr,
                "wirescan cooc: %" PRIu64 " pair occurrences, %" PRIu64 " distinct pairs listed; %" PRIu64
                " runs spilled (%s, %u intermediate merge levels)\n",
                stats.pair_events, stats.pairs, ss.runs, a, ss.levels);
    }
    ws_spill_close(sp);
    ws_buf_free(&out);
    free(tids);
    free(dense_rank);
    free(freq);
    free(terms);
    if (env_open) ws_query_env_close(&env);
    ws_query_args_free(&qa);
    return rc;
}
