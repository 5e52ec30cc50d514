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
            "  id      string or number          date   ISO 8601, RFC 2822, or Unix seconds\n"
            "  title   string                    body   string (else 'text', else 'content')\n"
            "  source  string\n"
            "\n"
            "options:\n"
            "  -o, --output STORE      the store directory (required)\n"
            "  -f, --format FMT        jsonl, csv, text or reuters (default: detected per input)\n"
            "      --field NAME=KEY    read NAME (id, date, title, body, source) from KEY/column\n"
            "      --tag KEY           keep KEY/column (string or array of strings) as a tag\n"
            "                          column; repeatable\n"
            "      --delimiter C       CSV field delimiter (default ','; 'tab' for tabs)\n"
            "      --tag-from-dir NAME text folders: keep each file's folder name as tag NAME\n"
            "      --year Y            year for dates read from datelines (\"MOSCOW, May 10\")\n"
            "      --date-format FMT   strptime-like format tried first (%%Y %%m %%d %%H %%M %%S %%b ...)\n"
            "      --encoding E        auto (UTF-8, else Windows-1252 with a note), utf-8,\n"
            "                          latin-1 or windows-1252\n"
            "  -j, --threads N         worker threads (default: all cores)\n"
            "      --strict            fail on the first bad record; the store is left as it was\n"
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
            "The same input and options give a byte-identical store for any --threads.\n");
}

int ws_cmd_ingest(int argc, char **argv)
{
    ws_ingest_opts o;
    ws_ingest_opts_default(&o);
    o.progress = isatty(2);
    const char *tags[64];
    size_t ntags = 0;
    static const struct option lo[] = {
        {"output", required_argument, 0, 'o'}, {"format", required_argument, 0, 'f'},
        {"field", required_argument, 0, 'F'},  {"tag", required_argument, 0, 'T'},
        {"threads", required_argument, 0, 'j'}, {"strict", no_argument, 0, 'S'},
        {"max-record", required_argument, 0, 'M'}, {"level", required_argument, 0, 'L'},
        {"block-tokens", required_argument, 0, 'B'}, {"progress", no_argument, 0, 'P'},
        {"no-progress", no_argument, 0, 'N'}, {"quiet", no_argument, 0, 'q'},
        {"delimiter", required_argument, 0, 'd'}, {"tag-from-dir", required_argument, 0, 'D'},
        {"year", required_argument, 0, 'Y'}, {"date-format", required_argument, 0, 'X'},
        {"encoding", required_argument, 0, 'E'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    unsigned long long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:f:j:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'o': o.store = optarg; break;
        case 'f': o.format = optarg; break;
        case 'F': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || !eq[1]) { fprintf(stderr, "wirescan: --field expects NAME=KEY, got '%s'\n", optarg); return ws_cli_try("ingest"); }
            *eq = 0;
            const char *key = eq + 1;
            if (!strcmp(optarg, "id")) o.fields.id_key = key;
            else if (!strcmp(optarg, "date")) o.fields.date_key = key;
            else if (!strcmp(optarg, "title")) o.fields.title_key = key;
            else if (!strcmp(optarg, "body")) o.fields.body_key = key;
            else if (!strcmp(optarg, "source")) o.fields.source_key = key;
            else { fprintf(stderr, "wirescan: --field %s: NAME must be id, date, title, body or source\n", optarg); return ws_cli_try("ingest"); }
            break;
        }
        case 'T':
            if (ntags == sizeof tags / sizeof tags[0]) { fprintf(stderr, "wirescan: too many --tag options\n"); return ws_cli_try("ingest"); }
            tags[ntags++] = optarg;
            break;
        case 'j': if (ws_cli_parse_uint("--threads", optarg, 4096, &v)) return ws_cli_try("ingest"); o.threads = (int)v; break;
        case 'S': o.strict = 1; break;
        case 'M':
            if (ws_cli_parse_size(optarg, &o.max_record) || o.max_record == 0) { fprintf(stderr, "wirescan: bad --max-record '%s'\n", optarg); return ws_cli_try("ingest"); }
            break;
        case 'L':
            if (ws_cli_parse_uint("--level", optarg, 1u << 20, &v) || v < 1 || v > 19) { fprintf(stderr, "wirescan: --level must be 1-19\n"); return ws_cli_try("ingest"); }
            o.level = (int)v;
            break;
        case 'B':
            if (ws_cli_parse_uint("--block-tokens", optarg, 1u << 26, &v) || v < 1) return ws_cli_try("ingest");
            o.block_tokens = (uint32_t)v;
            break;
        case 'd':
            if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t")) o.src.delimiter = '\t';
            else if (strlen(optarg) == 1 && optarg[0] != '"' && optarg[0] != '\n' && optarg[0] != '\r') o.src.delimiter = optarg[0];
            else { fprintf(stderr, "wirescan: --delimiter expects one character (or 'tab'), got '%s'\n", optarg); return ws_cli_try("ingest"); }
            break;
        case 'D': o.src.tag_from_dir = optarg; break;
        case 'Y':
            if (ws_cli_parse_uint("--year", optarg, 9999, &v) || v < 1) return ws_cli_try("ingest");
            o.src.year = (int)v;
            break;
        case 'X': o.src.date_format = optarg; break;
        case 'E':
            if (strcmp(optarg, "auto") && strcmp(optarg, "utf-8") && strcmp(optarg, "utf8") && strcmp(optarg, "latin-1") &&
                strcmp(optarg, "latin1") && strcmp(optarg, "iso-8859-1") && strcmp(optarg, "windows-1252") && strcmp(optarg, "cp1252")) {
                fprintf(stderr, "wirescan: --encoding must be auto, utf-8, latin-1 or windows-1252\n");
                return ws_cli_try("ingest");
            }
            o.src.encoding = !strcmp(optarg, "utf8") ? "utf-8"
                             : (!strcmp(optarg, "latin1") || !strcmp(optarg, "iso-8859-1")) ? "latin-1"
                             : !strcmp(optarg, "cp1252") ? "windows-1252" : optarg;
            break;
        case 'P': o.progress = 1; break;
        case 'N': o.progress = 0; break;
        case 'q': o.quiet = 1; break;
        case 'h': ingest_help(stdout); return 0;
        default: return ws_cli_try("ingest");
        }
    }
    if (!o.store) { fprintf(stderr, "wirescan ingest: -o STORE is required\n"); return ws_cli_try("ingest"); }
    if (optind >= argc) { fprintf(stderr, "wirescan ingest: no INPUT given\n"); return ws_cli_try("ingest"); }
    o.inputs = (const char *const *)(argv + optind);
    o.ninputs = (size_t)(argc - optind);
    o.fields.tag_keys = tags;
    o.fields.ntags = ntags;
    ws_ingest_stats s;
    int rc = ws_ingest(&o, &s);
    if (rc) return ws_cli_fail(rc);
    if (!o.quiet) {
        fprintf(stderr,
                "wirescan: ingested %" PRIu64 " stories (%" PRIu64 " tokens, %" PRIu64 " new terms, %" PRIu64
                " blocks) from %.1f MB into %s",
                s.stories, s.tokens, s.new_terms, s.blocks, s.bytes_in / 1e6, o.store);
        if (s.seg_bytes) fprintf(stderr, " (segment %.1f MB)", s.seg_bytes / 1e6);
        fprintf(stderr, "\n");
        if (s.bad) fprintf(stderr, "wirescan: %" PRIu64 " bad records skipped (see the messages above)\n", s.bad);
        if (s.undated)
            fprintf(stderr, "wirescan: %" PRIu64 " stories have no usable date (%" PRIu64 " with an unparsable one); kept undated\n",
                    s.undated, s.date_bad);
        if (s.invalid_utf8) fprintf(stderr, "wirescan: %" PRIu64 " invalid UTF-8 sequences replaced by U+FFFD\n", s.invalid_utf8);
    }
    return 0;
}

/* ------------------------------------------------------------------ */

/* cmd: "info" or "verify" (argv[0] is "wirescan CMD" from main). */
static int simple_store_args(int argc, char **argv, const char *cmd, const char *help, const char **store)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(help, stdout); return 0; }
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
        bytes += s->size;
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
    return 0;
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
        "UTC with Z, or null when unknown), source, title, body, then one key per tag\n"
        "column (an array of strings). CSV: a header row, the same columns, RFC 4180\n"
        "quoting, tag values joined with '|'. The text is exactly what was ingested.\n";
    const char *store = NULL, *fmt = "jsonl", *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(help, stdout); return 0; }
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
    int header_done = 0;
    char date[40];
    uint64_t mask = WS_COLBIT(WS_C_ID) | WS_COLBIT(WS_C_DATE) | WS_COLBIT(WS_C_SOURCE) | WS_COLBIT(WS_C_TITLE) |
                    WS_COLBIT(WS_C_BODY);
    for (uint32_t si = 0; si < st->nsegs && !rc; si++) {
        const ws_segment *s = st->segs[si];
        uint64_t m = mask;
        for (uint32_t c = WS_C_FIRST_TAG; c < s->ncols; c++) m |= WS_COLBIT(c);
        if (csv && !header_done) {
            /* The header names the first segment's tag columns. */
            for (int k = 0; k < 5; k++) fprintf(f, "%s%s", k ? "," : "", base[k]);
            for (uint32_t c = WS_C_FIRST_TAG; c < s->ncols; c++) {
                putc(',', f);
                csv_field(f, &scratch, ws_str_make(s->cols[c].name, strlen(s->cols[c].name)));
            }
            fputs("\r\n", f);
            header_done = 1;
        }
        for (uint32_t bi = 0; bi < s->nblocks && !rc; bi++) {
            if ((rc = ws_block_load(&b, &st->dict, s, bi, m))) break;
            const ws_column_desc *src = &s->cols[WS_C_SOURCE];
            for (uint32_t r = 0; r < b.nrows; r++) {
                ws_str fields[5] = {ws_strings_get(&b.id, r), {0}, src->values[b.source[r]], ws_strings_get(&b.title, r),
                                    ws_strings_get(&b.body, r)};
                int dated = b.dates[r] != WS_DATE_UNKNOWN;
                if (dated) fields[1] = ws_str_make(date, ws_format_iso8601(b.dates[r], date));
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
                for (uint32_t t = 0; t < b.ntags; t++) {
                    const uint32_t *vals;
                    uint32_t n = ws_block_tags(&b, t, r, &vals);
                    const ws_column_desc *cd = &s->cols[WS_C_FIRST_TAG + t];
                    if (csv) {
                        putc(',', f);
                        joined.n = 0;
                        for (uint32_t k = 0; k < n; k++) {
                            if (k) ws_buf_append(&joined, "|", 1);
                            ws_buf_append(&joined, cd->values[vals[k]].p, cd->values[vals[k]].n);
                        }
                        csv_field(f, &scratch, ws_str_make((const char *)joined.p, joined.n));
                    } else {
                        putc(',', f);
                        json_string(f, ws_str_make(cd->name, strlen(cd->name)));
                        fputs(":[", f);
                        for (uint32_t k = 0; k < n; k++) {
                            if (k) putc(',', f);
                            json_string(f, cd->values[vals[k]]);
                        }
                        putc(']', f);
                    }
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
