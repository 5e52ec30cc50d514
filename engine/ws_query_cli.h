/*
 * What the analytic subcommands (tf, keyness, cooc, ngrams, trends) share:
 * one option parser for filters, normalisation, threads, progress and
 * output; one setup (open the stores, read stop-word lists, build the
 * normalisation remap and the grouping); one way of writing the result.
 * A command lists COMMON_OPTIONS (and FILTER_OPTIONS for extra filter sets)
 * in its getopt_long table, hands every option to ws_query_opt first and
 * prints FILTER_HELP after its own help.
 */
#ifndef WS_QUERY_CLI_H
#define WS_QUERY_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "ws_cli.h"
#include "ws_scan.h"

/* A filter being filled from the command line; lists hold at most argc items. */
typedef struct filter_args {
    ws_filter f;
    const char **sources, **containing;
    ws_where *where;
    int given; /* some option set it */
    const char *from_arg, *to_arg; /* --from/--to as written, for messages */
} filter_args;

typedef struct query_args {
    filter_args base, target, ref; /* target/ref: keyness only */
    ws_norm_opts norm;
    const char **stop_args;
    size_t nstop_args;
    int field;
    int threads, progress;
    const char *out_path;
    uint32_t top; /* -n/--top; the command sets its default before parsing */
} query_args;

/* Long-option codes. The filter options come in three sets: plain, --target-
 * and --ref- (keyness); FSET(set, code) numbers them. */
enum {
    O_FROM = 0, O_TO, O_SOURCE, O_WHERE, O_CONTAINING, O_NFILTER,
    O_BASE = 1000, /* + set * 16 + filter option */
    O_FIELD = 1100, O_CASE, O_STEM, O_STOPWORDS, O_MINLEN, O_NONUM, O_PROGRESS, O_NOPROGRESS,
    O_TFIDF, O_MINDF, O_BY, O_DECODE_ONLY, O_BOTH, O_MINCOUNT,
    O_CMD = 1200 /* a command's own options number from here */
};
#define FSET(set, code) (O_BASE + (set) * 16 + (code))

#define FILTER_OPTIONS(prefix, set)                                                                                    \
    {prefix "from", required_argument, 0, FSET(set, O_FROM)}, {prefix "to", required_argument, 0, FSET(set, O_TO)},     \
        {prefix "source", required_argument, 0, FSET(set, O_SOURCE)},                                                   \
        {prefix "where", required_argument, 0, FSET(set, O_WHERE)},                                                     \
        {prefix "containing", required_argument, 0, FSET(set, O_CONTAINING)}

#define COMMON_OPTIONS                                                                                                 \
    FILTER_OPTIONS("", 0), {"field", required_argument, 0, O_FIELD}, {"case", no_argument, 0, O_CASE},                 \
        {"stem", required_argument, 0, O_STEM}, {"stopwords", required_argument, 0, O_STOPWORDS},                      \
        {"min-length", required_argument, 0, O_MINLEN}, {"no-numbers", no_argument, 0, O_NONUM},                       \
        {"threads", required_argument, 0, 'j'}, {"progress", no_argument, 0, O_PROGRESS},                              \
        {"no-progress", no_argument, 0, O_NOPROGRESS}, {"output", required_argument, 0, 'o'},                          \
        {"top", required_argument, 0, 'n'}, {"help", no_argument, 0, 'h'}

extern const char FILTER_HELP[];

/* A date argument (--from/--to): a calendar period means all of it; --from
 * takes its first second, --to (end_of_day) its last. Prints an error
 * naming opt; returns 0 or -1. */
int ws_parse_date_arg(const char *opt, const char *s, int end_of_day, int64_t *out);

int ws_query_args_init(query_args *qa, int argc); /* prints "out of memory"; -1 */
void ws_query_args_free(query_args *qa);
/* Handle an option every analytic command shares. Returns 1 when handled,
 * 0 when not ours, -1 on a bad value (message printed). */
int ws_query_opt(query_args *qa, int c, const char *arg);
/* After the options are read: a --from after its --to (in any of the three
 * filter sets) can match nothing; prints the error naming both and returns
 * -1, else 0. */
int ws_query_args_check(const query_args *qa);

/* Stop-word lists named on the command line: bundled or files. */
typedef struct stop_words {
    ws_str *words;
    size_t n, cap;
    char **files;
    size_t nfiles;
} stop_words;

/* Open the stores and build what every query needs. */
typedef struct query_env {
    ws_store **st;
    size_t nst;
    ws_norm norm;
    ws_groups groups;
    stop_words sw;
} query_env;

/* Open the stores and build what every query needs; sets q->norm,
 * q->field and q->groups (by != WS_BY_NONE). Returns 0 or a WS_E* code. */
int ws_query_env_open(query_env *e, char *const *stores, size_t nst, query_args *qa, ws_query *q, ws_by by,
                      const char *tag);
void ws_query_env_close(query_env *e);
int ws_query_env_scan(query_env *e, const ws_kernel *k, ws_query *q, const ws_scan_opts *so, ws_buf *out);
/* Write the CSV to path (NULL or "-": stdout); returns an exit status. */
int ws_query_write_result(const ws_buf *out, const char *path);
/* 0 when argv[optind] is there; otherwise says so and returns -1. */
int ws_query_need_store(int argc, const char *cmd, void (*help)(FILE *));

#endif
