/*
 * Store subcommands: ingest, info, verify, export; and the small helpers
 * every subcommand shares (errors, sizes, output files).
 */
#include "ws_cli.h"

#include <signal.h>
#include "wirescan.h"
#include "ws_mpi.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


int ws_cli_fail(int err)
{
    const char *d = ws_last_error();
    fprintf(stderr, "wirescan: %s\n", d && *d ? d : ws_strerror(err));
    return ws_exit_status(err);
}

int ws_cli_fail_cmd(const char *cmd, int err)
{
    const char *d = ws_last_error();
    fprintf(stderr, "wirescan %s: %s\n", cmd, d && *d ? d : ws_strerror(err));
    return ws_exit_status(err);
}

int ws_cli_try(const char *cmd)
{
    fprintf(stderr, "Try 'wirescan %s --help'.\n", cmd);
    return 2;
}

int ws_cli_parse_uint(const char *opt, const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v > max) {
        fprintf(stderr, "wirescan: %s expects a whole number up to %llu, got '%s'\n", opt, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

FILE *ws_cli_open_out(const char *path)
{
    if (!path || !strcmp(path, "-")) return stdout;
    FILE *f = fopen(path, "wb");
    if (!f) fprintf(stderr, "wirescan: %s: cannot create: %s\n", path, strerror(errno));
    return f;
}

int ws_cli_close_out(FILE *f, const char *path)
{
    int bad = ferror(f);
    if (f == stdout) bad |= fflush(f) != 0;
    else bad |= fclose(f) != 0;
    if (bad) {
        fprintf(stderr, "wirescan: %s: write failed: %s\n", path && strcmp(path, "-") ? path : "<stdout>", strerror(errno));
        return ws_exit_status(WS_EIO);
    }
    return 0;
}

/* ------------------------------------------------------------------ */

static void ingest_help(FILE *f)
{
    fprintf(f,
            "usage: wirescan ingest -o STORE [OPTIONS] INPUT...\n"
            "\n"
            "Read news stories into STORE (a directory). A new store is created; an\n"
            "existing one gets a new segment appended. Each INPUT is one of:\n"
            "  jsonl    a JSON Lines file (.jsonl, .ndjson; - is standard input), one\n"
            "           story object per line\n"
            "  csv      a CSV file (.csv, .tsv) with a header row (RFC 4180)\n"
            "  text     a directory of text files, one story a file, read recursively:\n"
            "           mail/news headers (Date:, Subject:, From:, Newsgroups:, Keywords:),\n"
            "           title-first (BBC style) or agency style with a dateline\n"
            "  reuters  Reuters-21578 SGML (.sgm) or XML (.xml)\n"
            "The format comes from the name or the content; --format forces one.\n"
            "\n"
            "Keys (JSONL) or columns (CSV) read for each story:\n"
            "  id      string or number          date   ISO 8601, RFC 2822, or Unix seconds;\n"
            "                                            its UTC offset is kept (export writes it)\n"
            "  title   string                    body   string (else 'text', else 'content')\n"
            "  source  string\n"
            "\n"
            "options:\n"
            "  -o, --output STORE      the store directory (required)\n"
            "      --shards N          write a shard set instead: N stores STORE/shard-000 ..\n"
            "                          (a story goes to XXH3-64(id) mod N) and STORE/SHARDS;\n"
            "                          every command takes STORE as all its shards. Under\n"
            "                          mpirun rank r writes shards r, r+R, ... (docs/scale-out.md)\n"
            "  -f, --format FMT        jsonl, csv, text or reuters (default: detected per input)\n"
            "      --field NAME=KEY    read NAME (id, date, title, body, source) from KEY/column\n"
            "      --tag KEY           keep KEY/column (string or array of strings) as a tag\n"
            "                          column; repeatable. A CSV cell holds values separated\n"
            "                          by '|' (\\| and \\\\ for a literal '|' and '\\'), as\n"
            "                          export writes them\n"
            "      --delimiter C       CSV field delimiter (default ','; 'tab' for tabs)\n"
            "      --tag-from-dir NAME text folders: keep each file's folder name as tag NAME\n"
            "      --datelines on|off  on (default): a dateline opening a story's text\n"
            "                          (\"MOSCOW, May 10. /TASS/.\", \"SALVADOR, Feb 26 -\",\n"
            "                          \"WASHINGTON (Reuters) -\") gives 'place' and 'agency'\n"
            "                          tags and, for an undated story, its day; JSONL, CSV\n"
            "                          and text alike. Only the shape place, date and/or\n"
            "                          agency counts (see docs/datelines.md); off: none\n"
            "      --cjk words|chars   words (default): text in scripts written without spaces\n"
            "                          (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) is split\n"
            "                          into words by ICU's dictionaries; chars: one token per\n"
            "                          Han or kana character (Thai and the others: one token\n"
            "                          per run), the rule of stores made before. A new store\n"
            "                          records its rule; appends keep it\n"
            "      --year Y            year for dates read from datelines (\"MOSCOW, May 10\");\n"
            "                          default: a year in the file's path, else none\n"
            "      --date-format FMT   strptime-like format tried first (%%Y %%m %%d %%H %%M %%S %%b ...)\n"
            "      --encoding E        auto (UTF-8, else Windows-1252 with a note), utf-8,\n"
            "                          latin-1 or windows-1252\n"
            "  -j, --threads N         worker threads (default: all cores; at most the number\n"
            "                          of cores, or 16 on smaller machines)\n"
            "      --strict            fail on the first bad record; the store is left as it was\n"
            "      --skip-existing     skip stories whose id the store already holds (without\n"
            "                          it they are stored again, and counted in a warning)\n"
            "      --signatures        also store MinHash signatures of the stories (for dedup\n"
            "                          and --dedup; about 270 bytes a story). Appends to a store\n"
            "                          that keeps them sign their stories without it\n"
            "      --no-signatures     do not sign the new stories, even then (dedup and\n"
            "                          --dedup add signatures when needed)\n"
            "      --wait              if another ingest is writing STORE, wait for it to finish\n"
            "                          (default: fail at once with exit status 10)\n"
            "      --max-record SIZE   longest accepted line (default 64M; e.g. 512K, 1G)\n"
            "      --level N           zstd level for title/body text, 1-19 (default 3)\n"
            "      --block-tokens N    tokens per block (default 262144)\n"
            "      --progress          show a progress line (default when stderr is a terminal)\n"
            "      --no-progress       never show it\n"
            "  -q, --quiet             no summary line\n"
            "  -h, --help              this help\n"
            "\n"
            "Bad lines are reported as FILE:LINE: reason, skipped and counted; the good\n"
            "ones around them are kept. Stories without a usable date are kept undated.\n"
            "An ingest that keeps no story (every record bad, or no records) fails with\n"
            "exit status 6 and leaves the store as it was; a failed first ingest leaves\n"
            "no folder behind. With --skip-existing, an input whose stories are all\n"
            "in the store already succeeds without changing it.\n"
            "The same input and options give a byte-identical store for any --threads.\n");
}

/* The progress line of an ingest: bytes read, stories, speed and, when the
 * inputs' size is known, the share done and an ETA. */
static void ingest_progress(void *ctx, const ws_progress *p)
{
    (void)ctx;
    double mbs = p->elapsed_s > 0 ? (double)p->done / 1e6 / p->elapsed_s : 0.0;
    fprintf(stderr, "\r\033[Kingest: %.1f MB, %" PRIu64 " stories, %.1f MB/s", (double)p->done / 1e6, p->items, mbs);
    if (p->total && !p->final) {
        double left = p->done && p->elapsed_s > 0 ? (double)(p->total - p->done) * p->elapsed_s / (double)p->done : 0.0;
        fprintf(stderr, ", %.0f%%, ETA %.0f s", 100.0 * (double)p->done / (double)p->total, left);
    }
    if (p->final) fputc('\n', stderr);
    fflush(stderr);
}

static void ingest_note(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

typedef struct ingest_setting { const char *name, *value; } ingest_setting;
static int ingest_shards(const char *dir, unsigned nshards, const ingest_setting *set, size_t nset, char **inputs,
                         int ninputs, int quiet, int progress);

int ws_cmd_ingest(int argc, char **argv)
{
    int progress = isatty(2), quiet = 0, skip = 0;
    unsigned nshards = 0;
    const char *store = NULL;
    /* Every option but -o, progress and quiet is the library's: the long
     * name goes to ws_ingester_set as it is. */
    static const struct option lo[] = {
        {"output", required_argument, 0, 'o'}, {"format", required_argument, 0, 'f'},
        {"field", required_argument, 0, 1},  {"tag", required_argument, 0, 1},
        {"threads", required_argument, 0, 'j'}, {"strict", no_argument, 0, 1},
        {"max-record", required_argument, 0, 1}, {"level", required_argument, 0, 1},
        {"block-tokens", required_argument, 0, 1}, {"progress", no_argument, 0, 'P'},
        {"no-progress", no_argument, 0, 'N'}, {"quiet", no_argument, 0, 'q'},
        {"delimiter", required_argument, 0, 1}, {"tag-from-dir", required_argument, 0, 1},
        {"year", required_argument, 0, 1}, {"date-format", required_argument, 0, 1},
        {"encoding", required_argument, 0, 1}, {"wait", no_argument, 0, 1},
        {"skip-existing", no_argument, 0, 1}, {"datelines", required_argument, 0, 1},
        {"no-signatures", no_argument, 0, 1}, {"signatures", no_argument, 0, 1},
        {"cjk", required_argument, 0, 1},
        {"shards", required_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    typedef ingest_setting setting;
    setting *set = calloc((size_t)argc + 1, sizeof *set);
    if (!set) return ws_cli_fail(WS_ENOMEM);
    size_t nset = 0;
    int c, li;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:f:j:qh", lo, &li)) != -1) {
        switch (c) {
        case 'o': store = optarg; break;
        case 'f': set[nset++] = (setting){"format", optarg}; break;
        case 'j': set[nset++] = (setting){"threads", optarg}; break;
        case 1:
            set[nset++] = (setting){lo[li].name, optarg};
            skip |= !strcmp(lo[li].name, "skip-existing");
            break;
        case 'P': progress = 1; break;
        case 'N': progress = 0; break;
        case 'q': quiet = 1; break;
        case 'S': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || !*optarg || v < 1 || v > 100000) {
                fprintf(stderr, "wirescan ingest: --shards expects a count from 1 to 100000, got '%s'\n", optarg);
                free(set);
                return ws_cli_try("ingest");
            }
            nshards = (unsigned)v;
            break;
        }
        case 'h': free(set); ingest_help(stdout); return ws_cli_close_out(stdout, NULL);
        default: free(set); return ws_cli_try("ingest");
        }
    }
    int status = 0;
    ws_ingester *g = NULL;
    if (!store) fprintf(stderr, "wirescan ingest: -o STORE is required\n"), status = ws_cli_try("ingest");
    else if (optind >= argc) fprintf(stderr, "wirescan ingest: no INPUT given\n"), status = ws_cli_try("ingest");
    else if (nshards) {
        status = ingest_shards(store, nshards, set, nset, argv + optind, argc - optind, quiet, progress);
        free(set);
        return status;
    } else if (ws_ingester_create(&g, store)) status = ws_cli_fail(WS_ENOMEM);
    for (size_t i = 0; !status && i < nset; i++)
        if (ws_ingester_set(g, set[i].name, set[i].value)) {
            fprintf(stderr, "wirescan: %s\n", ws_last_error());
            status = ws_cli_try("ingest");
        }
    for (int i = optind; !status && i < argc; i++)
        if (ws_ingester_add_file(g, argv[i])) status = ws_cli_fail(WS_ENOMEM);
    free(set);
    if (status) {
        ws_ingester_free(g);
        return status;
    }
    ws_ingester_on_note(g, ingest_note, NULL);
    if (progress) ws_ingester_on_progress(g, ingest_progress, NULL);
    ws_ingest_summary s;
    int rc = ws_ingester_run(g, &s);
    ws_ingester_free(g);
    if (rc) return ws_cli_fail(rc);
    /* Stories the store already had: always said, even with -q, since they
     * change every count (or, skipped, what the store holds). */
    if (s.existing && skip)
        fprintf(stderr, "wirescan: skipped %" PRIu64 " stories whose id is already in %s (e.g. %s)\n", s.existing, store,
                s.existing_ids);
    else if (s.existing)
        fprintf(stderr,
                "wirescan: warning: %" PRIu64 " stories have an id already in %s (e.g. %s); they are stored again "
                "(use --skip-existing to skip them)\n",
                s.existing, store, s.existing_ids);
    if (!s.stories) {
        if (!quiet) fprintf(stderr, "wirescan: nothing new to ingest; %s is unchanged\n", store);
        return 0;
    }
    if (!quiet) {
        fprintf(stderr,
                "wirescan: ingested %" PRIu64 " stories (%" PRIu64 " tokens, %" PRIu64 " new terms, %" PRIu64
                " blocks) from %.1f MB into %s",
                s.stories, s.tokens, s.new_terms, s.blocks, s.bytes_in / 1e6, store);
        if (s.seg_bytes) fprintf(stderr, " (segment %.1f MB)", s.seg_bytes / 1e6);
        fprintf(stderr, "\n");
        if (s.bad) fprintf(stderr, "wirescan: %" PRIu64 " bad records skipped (see the messages above)\n", s.bad);
        if (s.undated)
            fprintf(stderr, "wirescan: %" PRIu64 " stories have no usable date (%" PRIu64 " with an unparsable one); kept undated\n",
                    s.undated, s.date_bad);
        if (s.invalid_utf8) fprintf(stderr, "wirescan: %" PRIu64 " invalid UTF-8 sequences replaced by U+FFFD\n", s.invalid_utf8);
    }
    /* Once, even with -q: these stories could have had a date. */
    if (s.dateline_no_year)
        fprintf(stderr,
                "wirescan: note: %" PRIu64 " stor%s ha%s a dateline with a month and day but no year (e.g. \"MOSCOW, May 10\");"
                " kept undated: give --year YYYY to date them\n",
                s.dateline_no_year, s.dateline_no_year == 1 ? "y" : "ies", s.dateline_no_year == 1 ? "s" : "ve");
    return 0;
}

/* ------------------------------------------------------------------ */

/* ingest --shards N -o DIR: shard i (DIR/shard-00i) keeps the stories
 * whose id hashes to i (XXH3-64 mod N); under mpirun rank r writes shards
 * r, r + R, ... in one pass over the inputs (each parsed once per rank,
 * bad records reported once). DIR/SHARDS records N once every shard is
 * written. */
static int ingest_shards(const char *dir, unsigned nshards, const ingest_setting *set, size_t nset, char **inputs,
                         int ninputs, int quiet, int progress)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/SHARDS", dir);
    FILE *f = fopen(p, "r");
    if (f) {
        long had = 0;
        char extra;
        int ok = fscanf(f, "wirescan-shards %ld%c", &had, &extra) == 2;
        fclose(f);
        if (!ok || had != (long)nshards) {
            fprintf(stderr, "wirescan ingest: %s holds a set of %ld shards, not %u\n", dir, had, nshards);
            return ws_exit_status(WS_EINVAL);
        }
    }
    int status = 0;
    if (mkdir(dir, 0777) && errno != EEXIST) {
        fprintf(stderr, "wirescan ingest: %s: cannot create: %s\n", dir, strerror(errno));
        status = ws_exit_status(WS_EIO);
    }
    uint64_t stories = 0, tokens = 0, bad = 0;
    int rank = ws_mpi_rank(), size = ws_mpi_size();
    /* One pass over the inputs writes all of this rank's shards (r, r + R, ...). */
    size_t cap = 32 + (size_t)(nshards / (unsigned)size + 1) * 8;
    char *spec = malloc(cap);
    if (!status && !spec) status = ws_cli_fail(WS_ENOMEM);
    size_t at = 0;
    unsigned mine = 0;
    for (unsigned i = (unsigned)rank; spec && i < nshards; i += (unsigned)size, mine++)
        at += (size_t)snprintf(spec + at, cap - at, "%s%u", at ? "," : "", i);
    if (spec) snprintf(spec + at, cap - at, "/%u", nshards);
    if (!status && mine) {
        ws_ingester *g = NULL;
        int rc = ws_ingester_create(&g, dir);
        if (!rc) rc = ws_ingester_set(g, "shards", spec);
        for (size_t k = 0; !rc && k < nset; k++) rc = ws_ingester_set(g, set[k].name, set[k].value);
        for (int k = 0; !rc && k < ninputs; k++) rc = ws_ingester_add_file(g, inputs[k]);
        if (!rc) ws_ingester_on_note(g, ingest_note, NULL);
        if (!rc && progress) ws_ingester_on_progress(g, ingest_progress, NULL);
        ws_ingest_summary s;
        if (!rc) rc = ws_ingester_run(g, &s);
        ws_ingester_free(g);
        if (rc) {
            fprintf(stderr, "wirescan ingest: shards %s of %s: %s\n", spec, dir,
                    ws_last_error()[0] ? ws_last_error() : ws_strerror(rc));
            if (size > 1) fprintf(stderr, "wirescan ingest: rank %d failed on its shards\n", rank);
            status = rc == WS_EINVAL ? ws_cli_try("ingest") : ws_exit_status(rc);
        } else {
            stories = s.stories, tokens = s.tokens, bad = s.bad;
        }
    }
    free(spec);
    status = ws_mpi_max_status(status);
    if (!status && rank == 0) {
        FILE *o = fopen(p, "w");
        if (!o || fprintf(o, "wirescan-shards %u\n", nshards) < 0 || fclose(o)) {
            fprintf(stderr, "wirescan ingest: %s: cannot write: %s\n", p, strerror(errno));
            status = ws_exit_status(WS_EIO);
        }
    }
    if (!status && !quiet)
        fprintf(stderr, "wirescan: ingested %" PRIu64 " stories (%" PRIu64 " tokens) into %u shard%s in %s%s\n", stories,
                tokens, nshards, nshards == 1 ? "" : "s", dir, size > 1 ? " (this rank's shards)" : "");
    if (!status && !quiet && bad) fprintf(stderr, "wirescan: %" PRIu64 " bad records skipped (see the messages above)\n", bad);
    return status;
}

/* wirescan shard STORE --into N DIR: export the store's stories (JSONL,
 * every column; a temporary file in DIR) and ingest them with --shards N,
 * keeping every tag column and the dateline tags as they are (datelines
 * off: the export already holds place and agency). */
int ws_cmd_shard(int argc, char **argv)
{
    const char *store = NULL, *dir = NULL, *nstr = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: wirescan shard STORE --into N DIR [-q]\n"
                   "Split STORE (a store or a shard set) into N shard stores DIR/shard-000 ..\n"
                   "by story id, as 'wirescan ingest --shards N' would (XXH3-64 of the id mod N).\n"
                   "Under mpirun the ranks write the shards in parallel (each reads STORE).\n");
            return ws_cli_close_out(stdout, NULL);
        }
        if (!strcmp(argv[i], "--into") && i + 2 < argc) nstr = argv[++i], dir = argv[++i];
        else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) quiet = 1;
        else if (argv[i][0] == '-') { fprintf(stderr, "wirescan shard: unknown option '%s'\n", argv[i]); return ws_cli_try("shard"); }
        else if (store) { fprintf(stderr, "wirescan shard: one STORE only\n"); return ws_cli_try("shard"); }
        else store = argv[i];
    }
    char *end = NULL;
    unsigned long n = nstr ? strtoul(nstr, &end, 10) : 0;
    if (!store || !dir || !nstr || *end || n < 1 || n > 100000) {
        fprintf(stderr, "wirescan shard: give STORE --into N DIR (N from 1 to 100000)\n");
        return ws_cli_try("shard");
    }
    /* The tag columns to keep. */
    ws_corpus *c = NULL;
    int rc = ws_corpus_open(&c, &store, 1);
    if (rc) return ws_cli_fail_cmd("shard", rc);
    static const char *const fixed[] = {"id", "date", "source", "title", "body", "tokens", "tokmeta", "dateoff"};
    char **tags = calloc(64, sizeof *tags);
    size_t ntags = 0;
    ws_column_stats cs;
    for (size_t i = 0; tags && ntags < 63 && !ws_corpus_column(c, i, &cs); i++) {
        int base = 0;
        for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) base |= !strcmp(cs.name, fixed[k]);
        if (!base && !(tags[ntags++] = strdup(cs.name))) rc = WS_ENOMEM;
    }
    ws_corpus_close(c);
    if (!tags || rc) {
        for (size_t i = 0; tags && i < ntags; i++) free(tags[i]);
        free(tags);
        return ws_cli_fail_cmd("shard", WS_ENOMEM);
    }
    int status = 0;
    if (mkdir(dir, 0777) && errno != EEXIST) {
        fprintf(stderr, "wirescan shard: %s: cannot create: %s\n", dir, strerror(errno));
        status = ws_exit_status(WS_EIO);
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/.export.%d.jsonl", dir, ws_mpi_rank());
    if (!status) {
        char a0[] = "wirescan export", a2[] = "-o", a1[4096];
        snprintf(a1, sizeof a1, "%s", store);
        char *ea[] = {a0, a1, a2, tmp, NULL};
        status = ws_cmd_export_local(4, ea);
    }
    if (!status) {
        ingest_setting *set = calloc(ntags + 2, sizeof *set);
        size_t nset = 0;
        if (!set) status = ws_cli_fail_cmd("shard", WS_ENOMEM);
        else {
            set[nset++] = (ingest_setting){"datelines", "off"};
            for (size_t i = 0; i < ntags; i++) set[nset++] = (ingest_setting){"tag", tags[i]};
            char *inputs[] = {tmp};
            status = ingest_shards(dir, (unsigned)n, set, nset, inputs, 1, quiet, 0);
            free(set);
        }
    }
    unlink(tmp);
    for (size_t i = 0; i < ntags; i++) free(tags[i]);
    free(tags);
    return status;
}

/* cmd: "info" or "verify" (argv[0] is "wirescan CMD" from main). */
static int simple_store_args(int argc, char **argv, const char *cmd, const char *help, const char **store)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(help, stdout); return ws_cli_close_out(stdout, NULL); }
        if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "wirescan %s: unknown option '%s'\n", cmd, argv[i]); return ws_cli_try(cmd); }
        if (*store) { fprintf(stderr, "wirescan %s: one STORE only\n", cmd); return ws_cli_try(cmd); }
        *store = argv[i];
    }
    if (!*store) { fprintf(stderr, "wirescan %s: no STORE given\n", cmd); return ws_cli_try(cmd); }
    return -1;
}

static void print_date(FILE *f, const char *key, int64_t t)
{
    char b[40];
    if (t == INT64_MIN) fprintf(f, "%s: -\n", key);
    else {
        ws_date_format(t, b);
        fprintf(f, "%s: %s\n", key, b);
    }
}

int ws_cmd_info(int argc, char **argv)
{
    static const char help[] =
        "usage: wirescan info STORE\n\n"
        "Summarise a store as 'key: value' lines: stories, undated stories, tokens,\n"
        "distinct terms, date range, segments, blocks, bytes on disk, the size of the\n"
        "columns before compression and the compression ratio (raw / stored), and the\n"
        "term index (its file and size, against the rest of the store) or none, and\n"
        "how words were split (segmentation: icu, or chars).\n";
    const char *store = NULL;
    int rc = simple_store_args(argc, argv, "info", help, &store);
    if (rc >= 0) return rc;
    ws_corpus *c;
    if ((rc = ws_corpus_open(&c, &store, 1))) return ws_cli_fail(rc);
    ws_corpus_info in;
    ws_column_stats cs;
    uint64_t raw = 0, comp = 0;
    size_t ncols = 0;
    rc = ws_corpus_info_get(c, &in);
    for (; !rc && ws_corpus_column(c, ncols, &cs) == 0; ncols++) {
        raw += cs.raw_bytes;
        comp += cs.stored_bytes;
    }
    if (rc) {
        ws_corpus_close(c);
        return ws_cli_fail(rc);
    }
    printf("store: %s\n", store);
    unsigned format = 0;
    ws_corpus_format_get(c, &format);
    printf("format: %u\n", format);
    printf("stories: %" PRIu64 "\n", in.stories);
    printf("undated: %" PRIu64 "\n", in.undated);
    printf("tokens: %" PRIu64 "\n", in.tokens);
    printf("terms: %" PRIu64 "\n", in.terms);
    print_date(stdout, "from", in.first_date);
    print_date(stdout, "to", in.last_date);
    printf("segments: %" PRIu64 "\n", in.segments);
    printf("blocks: %" PRIu64 "\n", in.blocks);
    if (ncols) {
        printf("columns:");
        for (size_t i = 0; i < ncols && ws_corpus_column(c, i, &cs) == 0; i++) printf(" %s", cs.name);
        printf("\n");
    }
    printf("bytes: %" PRIu64 "\n", in.bytes);
    printf("raw_bytes: %" PRIu64 "\n", raw);
    printf("compression_ratio: %.2f\n", comp ? (double)raw / (double)comp : 0.0);
    uint32_t ixs = 0;
    uint64_t ixb = 0;
    ws_corpus_index_get(c, &ixs, &ixb);
    if (ixs)
        printf("index: %" PRIu64 " bytes (%.2f%% of the rest of the store)\n", ixb,
               in.bytes > ixb ? 100.0 * (double)ixb / (double)(in.bytes - ixb) : 0.0);
    else
        printf("index: none (wirescan index STORE adds one)\n");
    char seg[256];
    if (!ws_corpus_segmentation_get(c, seg, sizeof seg)) printf("segmentation: %s\n", seg);
    /* Per column (by name, over all segments): where the bytes go. */
    for (size_t i = 0; i < ncols && ws_corpus_column(c, i, &cs) == 0; i++)
        printf("column.%s: %" PRIu64 " bytes (%" PRIu64 " raw)\n", cs.name, cs.stored_bytes, cs.raw_bytes);
    ws_corpus_close(c);
    return ws_cli_close_out(stdout, NULL);
}

int ws_cmd_verify(int argc, char **argv)
{
    static const char help[] =
        "usage: wirescan verify STORE\n\n"
        "Check every checksum (manifest, dictionary, statistics, segment footers and\n"
        "every column chunk) and every structural bound, decode every column, and\n"
        "recount the term frequencies. Exit 0 when the store is sound; otherwise print\n"
        "what is wrong (file, segment, block, column) and exit 5 (corrupt).\n";
    const char *store = NULL;
    int rc = simple_store_args(argc, argv, "verify", help, &store);
    if (rc >= 0) return rc;
    ws_corpus *c;
    if ((rc = ws_corpus_open(&c, &store, 1))) {
        if (rc == WS_ECORRUPT) fprintf(stderr, "wirescan verify: %s: CORRUPT\n", store);
        return ws_cli_fail(rc);
    }
    rc = ws_corpus_verify(c, stderr);
    ws_corpus_close(c);
    if (rc) {
        fprintf(stderr, "wirescan verify: %s: CORRUPT\n", store);
        return ws_cli_fail(rc);
    }
    printf("%s: ok\n", store);
    return ws_cli_close_out(stdout, NULL);
}

int ws_cmd_index(int argc, char **argv)
{
    static const char help[] =
        "usage: wirescan index STORE\n\n"
        "Add the term index (per term, the blocks and stories that hold it; store format\n"
        "2.1) to a store written without one, as a commit: the store reads as before until\n"
        "the new MANIFEST is in place, and as before plus the index after. Ingest keeps the\n"
        "index up to date from then on. An older index (1.2: blocks only; 1.5 and 2.0:\n"
        "file version 2) is rebuilt as version 3; a store that has one is left as it is.\n";
    const char *store = NULL;
    int rc = simple_store_args(argc, argv, "index", help, &store);
    if (rc >= 0) return rc;
    int added = 0;
    if ((rc = ws_store_add_index(store, &added))) return ws_cli_fail_cmd("index", rc);
    printf("%s: %s\n", store,
           !added ? "already has a term index" : added & 1 ? "term index added" : "term index rebuilt (version 3)");
    return ws_cli_close_out(stdout, NULL);
}

int ws_cmd_upgrade(int argc, char **argv)
{
    static const char help[] =
        "usage: wirescan upgrade STORE\n\n"
        "Rewrite a store of format 1.x as format 2.0, whose token column decodes\n"
        "several times faster (docs/FORMAT.md, \"Upgrading a 1.x store\"). Every\n"
        "segment is rewritten (the other columns' bytes are copied), then one new\n"
        "MANIFEST commits the new files and the old ones are removed: until then the\n"
        "store reads as before, and an interrupted upgrade leaves it as it was. Every\n"
        "command answers the same on the store before and after. Needs room for a\n"
        "second copy of the segments while it runs. A 1.x store stays 1.x when\n"
        "appended to; new stores are 2.0. A store of format 2.0 is left as it is; a\n"
        "shard set: every shard.\n";
    const char *store = NULL;
    int rc = simple_store_args(argc, argv, "upgrade", help, &store);
    if (rc >= 0) return rc;
    int upgraded = 0;
    if ((rc = ws_store_upgrade(store, &upgraded))) return ws_cli_fail_cmd("upgrade", rc);
    printf("%s: %s\n", store, upgraded ? "upgraded to format 2.0" : "already format 2.0");
    return ws_cli_close_out(stdout, NULL);
}

/* ---- signals during a run ---- */

static const int g_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
#define NSIGS (sizeof g_sigs / sizeof g_sigs[0])
static struct sigaction g_old[NSIGS];
static volatile sig_atomic_t g_signal;
static void (*volatile g_cancel)(void *);
static void *volatile g_cancel_ctx;

static void on_signal(int sig)
{
    if (g_signal) { /* a second signal: no more waiting */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    g_signal = sig;
    if (g_cancel) g_cancel(g_cancel_ctx);
}

void ws_cli_catch_signals(void (*cancel)(void *), void *ctx)
{
    g_signal = 0;
    g_cancel_ctx = ctx;
    g_cancel = cancel;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSIGS; i++) sigaction(g_sigs[i], &sa, &g_old[i]);
}

int ws_cli_release_signals(void)
{
    g_cancel = NULL;
    for (size_t i = 0; i < NSIGS; i++) sigaction(g_sigs[i], &g_old[i], NULL);
    return (int)g_signal;
}

void ws_cli_reraise(int sig)
{
    signal(sig, SIG_DFL);
    raise(sig);
}
