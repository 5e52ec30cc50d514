/*
 * Store subcommands: ingest, info, verify, export; and the small helpers
 * every subcommand shares (errors, sizes, output files).
 */
#include "ws_cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_block.h"
#include "ws_csv.h"
#include "ws_ingest.h"
#include "ws_store.h"

int ws_cli_fail(int err)
{
    const char *d = ws_last_error();
    fprintf(stderr, "wirescan: %s\n", d && *d ? d : ws_strerror(err));
    return ws_exit_status(err);
}

int ws_cli_try(const char *cmd)
{
    fprintf(stderr, "Try 'wirescan %s --help'.\n", cmd);
    return 2;
}

int ws_cli_parse_size(const char *s, size_t *out)
{
    char *end;
    /* Digits first: strtoull would skip spaces and take "-5" as 2^64 - 5. */
    if (!s || *s < '0' || *s > '9') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    unsigned long long mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v > SIZE_MAX / mul) return -1;
    *out = (size_t)(v * mul);
    return 0;
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

int ws_cmd_ingest(int argc, char **argv)
{
    int progress = isatty(2), quiet = 0, skip = 0;
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
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    typedef struct { const char *name, *value; } setting;
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
        case 'h': free(set); ingest_help(stdout); return ws_cli_close_out(stdout, NULL);
        default: free(set); return ws_cli_try("ingest");
        }
    }
    int status = 0;
    ws_ingester *g = NULL;
    if (!store) fprintf(stderr, "wirescan ingest: -o STORE is required\n"), status = ws_cli_try("ingest");
    else if (optind >= argc) fprintf(stderr, "wirescan ingest: no INPUT given\n"), status = ws_cli_try("ingest");
    else if (ws_ingester_create(&g, store)) status = ws_cli_fail(WS_ENOMEM);
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
    if (t == WS_DATE_UNKNOWN) fprintf(f, "%s: -\n", key);
    else {
        ws_format_iso8601(t, b);
        fprintf(f, "%s: %s\n", key, b);
    }
}

int ws_cmd_info(int argc, char **argv)
{
    static const char help[] =
        "usage: wirescan info STORE\n\n"
        "Summarise a store as 'key: value' lines: stories, undated stories, tokens,\n"
        "distinct terms, date range, segments, blocks, bytes on disk, the size of the\n"
        "columns before compression and the compression ratio (raw / stored).\n";
    const char *store = NULL;
    int rc = simple_store_args(argc, argv, "info", help, &store);
    if (rc >= 0) return rc;
    ws_store *st;
    if ((rc = ws_store_open(store, 0, &st))) return ws_cli_fail(rc);
    uint64_t undated = 0, blocks = 0, raw = 0, comp = 0, bytes = 0;
    int64_t from = WS_DATE_UNKNOWN, to = WS_DATE_UNKNOWN;
    uint32_t nsources = 0;
    for (uint32_t i = 0; i < st->nsegs; i++) {
        const ws_segment *s = st->segs[i];
        bytes += s->size + st->mseg[i].mh_bytes; /* and its signature file, if any */
        blocks += s->nblocks;
        nsources += s->cols[WS_C_SOURCE].nvalues;
        for (uint32_t b = 0; b < s->nblocks; b++) {
            const ws_block_meta *m = &s->blocks[b];
            undated += m->undated;
            if (m->min_date != WS_DATE_UNKNOWN && (from == WS_DATE_UNKNOWN || m->min_date < from)) from = m->min_date;
            if (m->max_date != WS_DATE_UNKNOWN && (to == WS_DATE_UNKNOWN || m->max_date > to)) to = m->max_date;
            for (uint32_t c = 0; c < s->ncols; c++) {
                raw += m->chunks[c].raw_size;
                comp += m->chunks[c].comp_size;
            }
        }
    }
    bytes += st->dict_bytes;
    /* The manifest and the statistics file count too: bytes on disk. */
    const char *extra[2] = {"MANIFEST", st->stats_name};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", store, extra[i] ? extra[i] : "");
        if (extra[i] && stat(path, &sb) == 0) bytes += (uint64_t)sb.st_size;
    }
    printf("store: %s\n", store);
    printf("format: %u\n", WS_FORMAT_VERSION);
    printf("stories: %" PRIu64 "\n", st->nstories);
    printf("undated: %" PRIu64 "\n", undated);
    printf("tokens: %" PRIu64 "\n", st->ntokens);
    printf("terms: %u\n", st->dict.nterms);
    print_date(stdout, "from", from);
    print_date(stdout, "to", to);
    printf("segments: %u\n", st->nsegs);
    printf("blocks: %" PRIu64 "\n", blocks);
    if (st->nsegs) {
        printf("columns:");
        const ws_segment *s = st->segs[st->nsegs - 1];
        for (uint32_t c = 0; c < s->ncols; c++) printf(" %s", s->cols[c].name);
        printf("\n");
    }
    printf("bytes: %" PRIu64 "\n", bytes);
    printf("raw_bytes: %" PRIu64 "\n", raw);
    printf("compression_ratio: %.2f\n", comp ? (double)raw / (double)comp : 0.0);
    /* Per column (by name, over all segments): where the bytes go. */
    for (uint32_t i = 0; st->nsegs && i < st->segs[st->nsegs - 1]->ncols; i++) {
        const char *name = st->segs[st->nsegs - 1]->cols[i].name;
        uint64_t r = 0, z = 0;
        for (uint32_t k = 0; k < st->nsegs; k++) {
            const ws_segment *s = st->segs[k];
            int c = ws_segment_find_column(s, name);
            for (uint32_t b = 0; c >= 0 && b < s->nblocks; b++) {
                r += s->blocks[b].chunks[c].raw_size;
                z += s->blocks[b].chunks[c].comp_size;
            }
        }
        printf("column.%s: %" PRIu64 " bytes (%" PRIu64 " raw)\n", name, z, r);
    }
    ws_store_close(st);
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
    ws_store *st;
    if ((rc = ws_store_open(store, 0, &st))) {
        if (rc == WS_ECORRUPT) fprintf(stderr, "wirescan verify: %s: CORRUPT\n", store);
        return ws_cli_fail(rc);
    }
    rc = ws_store_verify(st, stderr);
    ws_store_close(st);
    if (rc) {
        fprintf(stderr, "wirescan verify: %s: CORRUPT\n", store);
        return ws_cli_fail(rc);
    }
    printf("%s: ok\n", store);
    return ws_cli_close_out(stdout, NULL);
}

/* ------------------------------------------------------------------ */
/* export                                                              */

static void json_string(FILE *f, ws_str s)
{
    static const char hex[] = "0123456789abcdef";
    putc('"', f);
    size_t run = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        fwrite(s.p + run, 1, i - run, f);
        run = i + 1;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default: fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        }
    }
    if (s.n > run) fwrite(s.p + run, 1, s.n - run, f);
    putc('"', f);
}

/* One CSV field through the shared RFC 4180 writer (formats/ws_csv.c). */
static void csv_field(FILE *f, ws_buf *scratch, ws_str s)
{
    scratch->n = 0;
    if (ws_csv_field(scratch, s) == 0 && scratch->n) fwrite(scratch->p, 1, scratch->n, f);
}

int ws_cmd_export(int argc, char **argv)
{
    static const char help[] =
        "usage: wirescan export STORE [--format jsonl|csv] [-o FILE]\n\n"
        "Write every story back out, in store order. JSONL keys: id, date (ISO 8601\n"
        "with the UTC offset it was ingested with, e.g. 2019-05-10T09:30:00+03:00, Z\n"
        "for UTC; null when unknown), source, title, body, then one key per tag column\n"
        "(an array of strings). CSV: a header row, the same columns (every tag column\n"
        "of every segment), RFC 4180 quoting, tag values joined with '|', a '|' or '\\'\n"
        "inside a value written as '\\|' or '\\\\' (CSV ingest splits them back). The\n"
        "text is exactly what was ingested: `ingest` of the output (with --tag for\n"
        "each tag column) gives the same stories, dates and tags.\n";
    const char *store = NULL, *fmt = "jsonl", *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(help, stdout); return ws_cli_close_out(stdout, NULL); }
        if ((!strcmp(argv[i], "--format") || !strcmp(argv[i], "-f")) && i + 1 < argc) fmt = argv[++i];
        else if (!strncmp(argv[i], "--format=", 9)) fmt = argv[i] + 9;
        else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "wirescan export: unknown option '%s'\n", argv[i]); return ws_cli_try("export"); }
        else if (store) { fprintf(stderr, "wirescan export: one STORE only\n"); return ws_cli_try("export"); }
        else store = argv[i];
    }
    int csv = !strcmp(fmt, "csv");
    if (!store) { fprintf(stderr, "wirescan export: no STORE given\n"); return ws_cli_try("export"); }
    if (!csv && strcmp(fmt, "jsonl")) { fprintf(stderr, "wirescan export: --format must be jsonl or csv, not '%s'\n", fmt); return ws_cli_try("export"); }
    ws_store *st;
    int rc = ws_store_open(store, 0, &st);
    if (rc) return ws_cli_fail(rc);
    FILE *f = ws_cli_open_out(out);
    if (!f) { ws_store_close(st); return ws_exit_status(WS_EIO); }
    static const char *const base[] = {"id", "date", "source", "title", "body"};
    ws_block b;
    memset(&b, 0, sizeof b);
    ws_buf scratch = {0}, joined = {0}; /* reused for every field and row */
    char date[48];
    uint64_t mask = WS_COLBIT(WS_C_ID) | WS_COLBIT(WS_C_DATE) | WS_COLBIT(WS_C_SOURCE) | WS_COLBIT(WS_C_TITLE) |
                    WS_COLBIT(WS_C_BODY) | WS_COLBIT_DATEOFF;
    /* CSV: one header for the whole store, naming every tag column of every
     * segment (in order of first appearance); each row fills its segment's
     * columns and leaves the others empty. */
    const char *hdr[WS_MAX_TAG_COLUMNS * 8];
    uint32_t nhdr = 0;
    int at[WS_MAX_TAG_COLUMNS]; /* this segment's tag t -> header column */
    for (uint32_t si = 0; csv && si < st->nsegs; si++)
        for (uint32_t c = WS_C_FIRST_TAG; c < st->segs[si]->ncols; c++) {
            uint32_t h = 0;
            while (h < nhdr && strcmp(hdr[h], st->segs[si]->cols[c].name)) h++;
            if (h == nhdr && nhdr < sizeof hdr / sizeof hdr[0]) hdr[nhdr++] = st->segs[si]->cols[c].name;
        }
    if (csv) {
        for (int k = 0; k < 5; k++) fprintf(f, "%s%s", k ? "," : "", base[k]);
        for (uint32_t h = 0; h < nhdr; h++) {
            putc(',', f);
            csv_field(f, &scratch, ws_str_make(hdr[h], strlen(hdr[h])));
        }
        fputs("\r\n", f);
    }
    for (uint32_t si = 0; si < st->nsegs && !rc; si++) {
        const ws_segment *s = st->segs[si];
        uint64_t m = mask;
        for (uint32_t c = WS_C_FIRST_TAG; c < s->ncols; c++) m |= WS_COLBIT(c);
        for (uint32_t c = WS_C_FIRST_TAG; csv && c < s->ncols && c - WS_C_FIRST_TAG < WS_MAX_TAG_COLUMNS; c++) {
            uint32_t h = 0;
            while (h < nhdr && strcmp(hdr[h], s->cols[c].name)) h++;
            at[c - WS_C_FIRST_TAG] = (int)h;
        }
        for (uint32_t bi = 0; bi < s->nblocks && !rc; bi++) {
            if ((rc = ws_block_load(&b, &st->dict, s, bi, m))) break;
            const ws_column_desc *src = &s->cols[WS_C_SOURCE];
            for (uint32_t r = 0; r < b.nrows; r++) {
                ws_str fields[5] = {ws_strings_get(&b.id, r), {0}, src->values[b.source[r]], ws_strings_get(&b.title, r),
                                    ws_strings_get(&b.body, r)};
                int dated = b.dates[r] != WS_DATE_UNKNOWN;
                if (dated) fields[1] = ws_str_make(date, ws_format_iso8601_off(b.dates[r], b.dateoff ? b.dateoff[r] : 0, date));
                else fields[1] = ws_str_make("", 0);
                if (csv) {
                    for (int k = 0; k < 5; k++) {
                        if (k) putc(',', f);
                        csv_field(f, &scratch, fields[k]);
                    }
                } else {
                    putc('{', f);
                    for (int k = 0; k < 5; k++) {
                        fprintf(f, "%s\"%s\":", k ? "," : "", base[k]);
                        if (k == 1 && !dated) fputs("null", f);
                        else json_string(f, fields[k]);
                    }
                }
                for (uint32_t h = 0; csv && h < nhdr; h++) {
                    /* the header's columns, each from this segment's tag of that name */
                    putc(',', f);
                    uint32_t t = 0;
                    while (t < b.ntags && t < WS_MAX_TAG_COLUMNS && at[t] != (int)h) t++;
                    if (t == b.ntags || t == WS_MAX_TAG_COLUMNS) continue;
                    const uint32_t *vals;
                    uint32_t n = ws_block_tags(&b, t, r, &vals);
                    const ws_column_desc *cd = &s->cols[WS_C_FIRST_TAG + t];
                    joined.n = 0;
                    for (uint32_t k = 0; k < n; k++) {
                        if (k) ws_buf_append(&joined, "|", 1);
                        ws_str v = cd->values[vals[k]];
                        for (size_t i = 0; i < v.n; i++) { /* '|' and '\\' escaped: CSV ingest splits on '|' */
                            if (v.p[i] == '|' || v.p[i] == '\\') ws_buf_append(&joined, "\\", 1);
                            ws_buf_append(&joined, v.p + i, 1);
                        }
                    }
                    csv_field(f, &scratch, ws_str_make((const char *)joined.p, joined.n));
                }
                for (uint32_t t = 0; !csv && t < b.ntags; t++) {
                    const uint32_t *vals;
                    uint32_t n = ws_block_tags(&b, t, r, &vals);
                    const ws_column_desc *cd = &s->cols[WS_C_FIRST_TAG + t];
                    putc(',', f);
                    json_string(f, ws_str_make(cd->name, strlen(cd->name)));
                    fputs(":[", f);
                    for (uint32_t k = 0; k < n; k++) {
                        if (k) putc(',', f);
                        json_string(f, cd->values[vals[k]]);
                    }
                    putc(']', f);
                }
                fputs(csv ? "\r\n" : "}\n", f);
            }
        }
    }
    ws_block_free(&b);
    ws_buf_free(&scratch);
    ws_buf_free(&joined);
    ws_store_close(st);
    int wrc = ws_cli_close_out(f, out);
    if (rc) return ws_cli_fail(rc);
    return wrc;
}
