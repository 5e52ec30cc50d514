/*
 * The option parser, setup and output shared by the analytic subcommands
 * (see ws_query_cli.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_date.h"
#include "ws_query_cli.h"

/* A date argument. A calendar period means all of it: --from takes its
 * first second, --to (end_of_day) its last: YYYY, YYYY-Qn, YYYY-MM,
 * YYYY-MM-DD or YYYYMMDD; anything else ws_date_parse reads (a full ISO
 * 8601 timestamp) is taken as it is. The same labels as tf --by prints. */
int ws_parse_date_arg(const char *opt, const char *s, int end_of_day, int64_t *out)
{
    size_t n = strlen(s);
    int digits4 = n >= 4;
    for (size_t i = 0; i < 4 && digits4; i++) digits4 = s[i] >= '0' && s[i] <= '9';
    if (digits4 && (n == 4 || (n == 7 && s[4] == '-' && (s[5] == 'Q' || s[5] == 'q') && s[6] >= '1' && s[6] <= '4'))) {
        int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        unsigned m0 = n == 4 ? 1 : 1 + 3u * (unsigned)(s[6] - '1'), months = n == 4 ? 12 : 3;
        if (!end_of_day) *out = ws_days_from_civil(y, m0, 1) * 86400;
        else {
            unsigned m1 = m0 + months; /* first month after the period */
            *out = (m1 > 12 ? ws_days_from_civil(y + 1, m1 - 12, 1) : ws_days_from_civil(y, m1, 1)) * 86400 - 1;
        }
        return 0;
    }
    if (ws_date_parse(s, n, out)) {
        fprintf(stderr,
                "wirescan: %s: cannot read date '%s' (use YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD or an ISO 8601 time)\n",
                opt, s);
        return -1;
    }
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

/* ---- the options every analytic command shares ---- */


static int filter_args_init(filter_args *a, int argc)
{
    memset(a, 0, sizeof *a);
    ws_filter_init(&a->f);
    a->sources = calloc((size_t)argc + 1, sizeof *a->sources);
    a->containing = calloc((size_t)argc + 1, sizeof *a->containing);
    a->where = calloc((size_t)argc + 1, sizeof *a->where);
    if (!a->sources || !a->containing || !a->where) return -1;
    a->f.sources = a->sources;
    a->f.containing = a->containing;
    a->f.where = a->where;
    return 0;
}

static void filter_args_free(filter_args *a)
{
    free(a->sources);
    free(a->containing);
    free(a->where);
}

int ws_query_args_init(query_args *qa, int argc)
{
    memset(qa, 0, sizeof *qa);
    qa->progress = isatty(2);
    qa->stop_args = calloc((size_t)argc + 1, sizeof *qa->stop_args);
    if (filter_args_init(&qa->base, argc) || filter_args_init(&qa->target, argc) || filter_args_init(&qa->ref, argc) ||
        !qa->stop_args) {
        fprintf(stderr, "wirescan: out of memory\n");
        return -1;
    }
    return 0;
}

void ws_query_args_free(query_args *qa)
{
    filter_args_free(&qa->base);
    filter_args_free(&qa->target);
    filter_args_free(&qa->ref);
    free(qa->stop_args);
}

const char FILTER_HELP[] =
    "filters (a story must pass all of them):\n"
    "      --from DATE        stories on or after DATE\n"
    "      --to DATE          stories on or before DATE. DATE is a day (YYYY-MM-DD), a\n"
    "                         month (YYYY-MM), a quarter (YYYY-Qn) or a year (YYYY), all\n"
    "                         of it (UTC), or an ISO 8601 time; undated stories fail any\n"
    "                         date range; --from after --to is an error. Filters that\n"
    "                         match no story give the header alone and a note on stderr\n"
    "      --source S         stories from source S (repeatable: any of them)\n"
    "      --where TAG=VALUE  stories whose tag TAG has VALUE, compared after case\n"
    "                         folding unless --case (place=Moscow finds MOSCOW);\n"
    "                         repeatable: the same tag repeated means any of its\n"
    "                         values, different tags must all match: --where\n"
    "                         topics=grain --where topics=wheat --where places=usa\n"
    "                         is (grain or wheat) and usa\n"
    "      --containing WORD  stories that contain WORD anywhere (title or body) after\n"
    "                         case folding and stemming (repeatable: all of them)\n"
    "      --field F          count words of the title, the body or all (default all)\n"
    "normalisation (a remap of the dictionary, computed once per query):\n"
    "      --case             keep case (default: Unicode full case folding)\n"
    "      --stem LANG        Snowball stemming: english, russian, german, french, ...\n"
    "                         or an ISO 639 code (en, ru, de, fr, ...)\n"
    "      --stopwords L      drop stop words: a bundled list (en/english, ru/russian)\n"
    "                         or a FILE, UTF-8, one word per line, '#' comments\n"
    "                         (repeatable: all lists together; ./en names a file)\n"
    "      --min-length N     drop terms shorter than N characters (after folding)\n"
    "      --no-numbers       drop terms made only of digits\n"
    "      Order: fold, then stop words, length and numbers, then stemming.\n"
    "run:\n"
    "  -j, --threads N        threads (default: all cores); output is byte-identical for any N\n"
    "      --progress         progress line on stderr (default when it is a terminal)\n"
    "      --no-progress      no progress line\n"
    "  -o, --output FILE      write the CSV to FILE (default: standard output)\n"
    "  -h, --help             this help\n";

/* Handle an option every analytic command shares. Returns 1 when handled,
 * 0 when not ours, -1 on a bad value (message printed). */
int ws_query_opt(query_args *qa, int c, const char *arg)
{
    unsigned long long v;
    if (c >= O_BASE && c < O_BASE + 3 * 16) {
        int set = (c - O_BASE) / 16, code = (c - O_BASE) % 16;
        filter_args *fa = set == 0 ? &qa->base : set == 1 ? &qa->target : &qa->ref;
        const char *pre = set == 0 ? "--" : set == 1 ? "--target-" : "--ref-";
        char opt[32];
        fa->given = 1;
        switch (code) {
        case O_FROM:
            snprintf(opt, sizeof opt, "%sfrom", pre);
            fa->from_arg = arg;
            return ws_parse_date_arg(opt, arg, 0, &fa->f.from) ? -1 : 1;
        case O_TO:
            snprintf(opt, sizeof opt, "%sto", pre);
            fa->to_arg = arg;
            return ws_parse_date_arg(opt, arg, 1, &fa->f.to) ? -1 : 1;
        case O_SOURCE: fa->sources[fa->f.nsources++] = arg; return 1;
        case O_WHERE: {
            const char *eq = strchr(arg, '=');
            if (!eq || eq == arg) {
                fprintf(stderr, "wirescan: %swhere expects TAG=VALUE, got '%s'\n", pre, arg);
                return -1;
            }
            /* The tag name is cut out in place: arg is argv storage we own for the run. */
            char *tag = (char *)(uintptr_t)arg;
            tag[eq - arg] = 0;
            fa->where[fa->f.nwhere++] = (ws_where){tag, eq + 1};
            return 1;
        }
        case O_CONTAINING:
            if (fa->f.ncontaining == WS_SCAN_MAX_CONTAINING) {
                fprintf(stderr, "wirescan: at most %d %scontaining options\n", WS_SCAN_MAX_CONTAINING, pre);
                return -1;
            }
            fa->containing[fa->f.ncontaining++] = arg;
            return 1;
        default: return 0;
        }
    }
    switch (c) {
    case O_FIELD:
        if (!strcmp(arg, "all")) qa->field = 0;
        else if (!strcmp(arg, "title")) qa->field = 1;
        else if (!strcmp(arg, "body")) qa->field = 2;
        else {
            fprintf(stderr, "wirescan: --field must be title, body or all\n");
            return -1;
        }
        return 1;
    case O_CASE: qa->norm.keep_case = 1; return 1;
    case O_STEM: qa->norm.stem = arg; return 1;
    case O_STOPWORDS: qa->stop_args[qa->nstop_args++] = arg; return 1;
    case O_MINLEN:
        if (ws_cli_parse_uint("--min-length", arg, 1u << 20, &v)) return -1;
        qa->norm.min_len = (uint32_t)v;
        return 1;
    case O_NONUM: qa->norm.no_numbers = 1; return 1;
    case O_PROGRESS: qa->progress = 1; return 1;
    case O_NOPROGRESS: qa->progress = 0; return 1;
    case 'j':
        if (ws_cli_parse_uint("--threads", arg, 4096, &v)) return -1;
        qa->threads = (int)v;
        return 1;
    case 'o': qa->out_path = arg; return 1;
    case 'n':
        if (ws_cli_parse_uint("--top", arg, UINT32_MAX, &v)) return -1;
        qa->top = (uint32_t)v;
        return 1;
    default: return 0;
    }
}


int ws_query_args_check(const query_args *qa)
{
    const filter_args *sets[3] = {&qa->base, &qa->target, &qa->ref};
    static const char *const pre[3] = {"--", "--target-", "--ref-"};
    for (int i = 0; i < 3; i++) {
        const ws_filter *f = &sets[i]->f;
        if (f->from == WS_DATE_UNKNOWN || f->to == WS_DATE_UNKNOWN || f->from <= f->to) continue;
        fprintf(stderr, "wirescan: %sfrom %s is after %sto %s: no story can be in that range\n", pre[i],
                sets[i]->from_arg, pre[i], sets[i]->to_arg);
        return -1;
    }
    return 0;
}

static void stop_words_free(stop_words *sw)
{
    ws_free(sw->words);
    for (size_t i = 0; i < sw->nfiles; i++) free(sw->files[i]);
    free(sw->files);
    memset(sw, 0, sizeof *sw);
}

static int read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    while (p) {
        size_t r = fread(p + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        char *q = cap > (SIZE_MAX >> 2) ? NULL : realloc(p, cap * 2);
        if (!q) {
            free(p);
            p = NULL;
            break;
        }
        p = q;
        cap *= 2;
    }
    int bad = !p || ferror(f);
    fclose(f);
    if (bad) {
        free(p);
        errno = p ? EIO : ENOMEM;
        return -1;
    }
    *data = p;
    *len = n;
    return 0;
}

static int load_stop_words(const query_args *qa, stop_words *sw)
{
    memset(sw, 0, sizeof *sw);
    if (!qa->nstop_args) return 0;
    if (!(sw->files = calloc(qa->nstop_args, sizeof *sw->files))) return ws_error(WS_ENOMEM, "out of memory");
    for (size_t i = 0; i < qa->nstop_args; i++) {
        const char *a = qa->stop_args[i];
        const ws_stoplist *l = strchr(a, '/') ? NULL : ws_stoplist_find(a);
        ws_str text;
        if (l) {
            text = ws_str_make(l->text, l->len);
        } else {
            char *data = NULL;
            size_t len = 0;
            struct stat stt;
            const char *why = NULL;
            if (stat(a, &stt)) why = strerror(errno);
            else if (S_ISDIR(stt.st_mode)) why = "it is a directory";
            else if (read_file(a, &data, &len)) why = strerror(errno);
            if (why) {
                char known[256];
                size_t n = 0;
                known[0] = 0;
                for (const ws_stoplist *b = ws_stoplists; b->name && n + 40 < sizeof known; b++)
                    n += (size_t)snprintf(known + n, sizeof known - n, "%s%s/%s", n ? ", " : "", b->code, b->name);
                return ws_error(WS_ENOENT, "--stopwords %s: not a bundled list (%s) nor a readable file: %s", a,
                                known, why);
            }
            sw->files[sw->nfiles++] = data;
            text = ws_str_make(data, len);
        }
        int rc = ws_stopwords_parse(text, &sw->words, &sw->n, &sw->cap);
        if (rc) return rc;
    }
    return 0;
}



void ws_query_env_close(query_env *e)
{
    ws_groups_free(&e->groups);
    ws_norm_free(&e->norm);
    stop_words_free(&e->sw);
    for (size_t i = 0; e->st && i < e->nst; i++) ws_store_close(e->st[i]);
    free(e->st);
    memset(e, 0, sizeof *e);
}

int ws_query_env_open(query_env *e, char *const *stores, size_t nst, query_args *qa, ws_query *q, ws_by by,
                          const char *tag)
{
    memset(e, 0, sizeof *e);
    const ws_dict **dicts = calloc(nst + 1, sizeof *dicts);
    int rc = (e->st = calloc(nst + 1, sizeof *e->st)) && dicts ? 0 : ws_error(WS_ENOMEM, "out of memory");
    for (size_t i = 0; i < nst && !rc; i++) {
        if (!(rc = ws_store_open(stores[i], 0, &e->st[i]))) dicts[i] = &e->st[i]->dict;
        e->nst = i + 1;
    }
    if (!rc) rc = load_stop_words(qa, &e->sw);
    if (!rc) {
        qa->norm.stopwords = e->sw.words;
        qa->norm.nstopwords = e->sw.n;
        rc = ws_norm_build_multi(&e->norm, dicts, nst, &qa->norm);
    }
    free(dicts);
    if (!rc && by != WS_BY_NONE)
        rc = ws_groups_build_multi((const ws_store *const *)e->st, e->nst, by, tag, &e->groups);
    if (rc) {
        ws_query_env_close(e);
        return rc;
    }
    q->norm = &e->norm;
    q->field = qa->field;
    q->groups = by != WS_BY_NONE ? &e->groups : NULL;
    return 0;
}

int ws_query_env_scan(query_env *e, const ws_kernel *k, ws_query *q, const ws_scan_opts *so, ws_buf *out)
{
    ws_scan_stats stats;
    int rc = ws_scan_multi((const ws_store *const *)e->st, e->nst, k, q, so, out, &stats);
    /* An empty answer to filters that match nothing (a typo in a value, a
     * range outside the corpus) looks like an answer: say so. */
    if (!rc && !stats.stories && (!ws_filter_is_empty(&so->filter) || so->nsubsets))
        fprintf(stderr, "wirescan %s: note: no story matches the filters\n", k->name);
    return rc;
}

int ws_query_write_result(const ws_buf *out, const char *path)
{
    FILE *f = ws_cli_open_out(path);
    if (!f) return ws_exit_status(WS_EIO);
    fwrite(out->p, 1, out->n, f);
    return ws_cli_close_out(f, path);
}

int ws_query_need_store(int argc, const char *cmd, void (*help)(FILE *))
{
    if (optind < argc) return 0;
    (void)help;
    fprintf(stderr, "wirescan %s: no STORE given\n", cmd);
    return -1;
}

