/*
 * Fuzz target: the whole store open path. At start-up the target ingests a
 * small generated corpus (two ingests: two segments, two dictionary
 * records, tags, sources, dates, an undated story) into a template store
 * and keeps its four files in memory. Each input replaces one of them:
 *   byte 0, bits 0-1: which file (0 MANIFEST, 1 terms.wsd, 2 the statistics
 *                     file, 3 a segment; bit 3 picks the first or second
 *                     segment);
 *           bit 2:    recompute the file's checksums after the substitution
 *                     (the MANIFEST checksum line, every dictionary record's
 *                     XXH3, the statistics XXH3, a segment's chunk XXH3s and
 *                     footer XXH3), so mutations reach the parsers behind
 *                     them instead of stopping at the first checksum;
 *   the rest:         the file's new bytes.
 * The store is then opened and queried as the commands do it: tf (plain,
 * --by month, --by topics, --tfidf), verify and info, one thread each.
 * Corrupt stores must give an error, never a crash, a leak or UB.
 *
 * WS_FUZZ_STORE_SEEDS=DIR writes the seed inputs (every file, both checksum
 * modes) to DIR and exits.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "fuzz_common.h"
#include "ws_cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_MANIFEST, F_TERMS, F_STATS, F_SEG1, F_SEG2, F_N };
static const char *const fname[F_N] = {"MANIFEST", "terms.wsd", "stats-000002.wst", "seg-000001.wss", "seg-000002.wss"};
static char tpl_dir[64], work_dir[64];
static uint8_t *tpl[F_N];
static size_t tpl_n[F_N];

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = n ? fwrite(p, 1, n, f) : 0;
    return (fclose(f) != 0 || w != n) ? -1 : 0;
}

static uint8_t *read_file(const char *dir, const char *name, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(len > 0 ? (size_t)len : 1);
    if (p && len > 0 && fread(p, 1, (size_t)len, f) != (size_t)len) { free(p); p = NULL; }
    fclose(f);
    *n = len > 0 ? (size_t)len : 0;
    return p;
}

/* Run a command with stdout and stderr sent to /dev/null (unless
 * WS_FUZZ_VERBOSE is set, to see why a replayed input fails). */
static int quiet(int (*cmd)(int, char **), int argc, char **argv)
{
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("WS_FUZZ_VERBOSE") != NULL;
    if (verbose) return cmd(argc, argv);
    fflush(stdout);
    fflush(stderr);
    int o = dup(1), e = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    int rc = cmd(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(o, 1);
    dup2(e, 2);
    close(o);
    close(e);
    close(null);
    return rc;
}

static void cleanup(void)
{
    ws_fuzz_rmtree(tpl_dir);
    ws_fuzz_rmtree(work_dir);
}

static void make_template(void)
{
    strcpy(tpl_dir, "/tmp/ws_fuzz_store_XXXXXX");
    if (!mkdtemp(tpl_dir)) abort();
    atexit(cleanup);
    char in1[128], in2[128], store[128];
    snprintf(in1, sizeof in1, "%s/a.jsonl", tpl_dir);
    snprintf(in2, sizeof in2, "%s/b.jsonl", tpl_dir);
    snprintf(store, sizeof store, "%s/store", tpl_dir);
    FILE *f = fopen(in1, "w");
    if (!f) abort();
    fputs("{\"id\":\"a1\",\"date\":\"2019-05-10\",\"source\":\"wire\",\"title\":\"Oil prices rise\","
          "\"body\":\"LONDON (Reuters) - Oil prices rose on Friday. Traders said supply was tight.\","
          "\"topics\":[\"crude\",\"energy\"]}\n"
          "{\"id\":\"a2\",\"date\":\"2019-06-01T12:00:00Z\",\"source\":\"paper\",\"title\":\"Rain\","
          "\"body\":\"It rained. The rain fell on the plain; caf\\u00e9 owners were glad.\",\"topics\":[\"weather\"]}\n"
          "{\"id\":\"a3\",\"title\":\"Undated note\",\"body\":\"No date here, only words words words.\"}\n",
          f);
    fclose(f);
    if (!(f = fopen(in2, "w"))) abort();
    fputs("{\"id\":\"b1\",\"date\":\"1987-02-26\",\"source\":\"wire\",\"title\":\"Cocoa\","
          "\"body\":\"Showers continued throughout the week in the cocoa zone.\",\"topics\":[\"cocoa\"]}\n"
          "{\"id\":\"b2\",\"date\":\"2020-01-01\",\"source\":\"radio\",\"title\":\"New year\","
          "\"body\":\"Prices rose and traders said the year started well.\"}\n",
          f);
    fclose(f);
    char *a1[] = {"ingest", "-q", "-j", "1", "--tag", "topics", "-o", store, in1, NULL};
    char *a2[] = {"ingest", "-q", "-j", "1", "--tag", "topics", "-o", store, in2, NULL};
    if (quiet(ws_cmd_ingest, 9, a1) != 0 || quiet(ws_cmd_ingest, 9, a2) != 0) {
        fprintf(stderr, "fuzz_store: cannot build the template store\n");
        abort();
    }
    for (int i = 0; i < F_N; i++)
        if (!(tpl[i] = read_file(store, fname[i], &tpl_n[i]))) {
            fprintf(stderr, "fuzz_store: template store lacks %s\n", fname[i]);
            abort();
        }
    strcpy(work_dir, "/tmp/ws_fuzz_work_XXXXXX");
    if (!mkdtemp(work_dir)) abort();
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* MANIFEST: drop the last "checksum" line (if any) and append a right one.
 * Returns a new buffer. */
static uint8_t *fix_manifest(const uint8_t *p, size_t n, size_t *out_n)
{
    size_t keep = n;
    for (size_t i = n; i-- > 0;)
        if ((i == 0 || p[i - 1] == '\n') && n - i >= 9 && !memcmp(p + i, "checksum ", 9)) { keep = i; break; }
    uint8_t *o = malloc(keep + 32);
    if (!o) return NULL;
    memcpy(o, p, keep);
    *out_n = keep + (size_t)snprintf((char *)o + keep, 32, "checksum %016llx\n",
                                     (unsigned long long)XXH3_64bits(o, keep));
    return o;
}

/* terms.wsd: every whole record's XXH3 (header bytes 0..31, then payload). */
static void fix_terms(uint8_t *p, size_t n)
{
    for (size_t off = 0; n - off >= 40;) {
        uint64_t c = get32(p + off + 24);
        if (c > n - off - 40) break;
        XXH3_state_t *st = XXH3_createState();
        if (!st) return;
        XXH3_64bits_reset(st);
        XXH3_64bits_update(st, p + off, 32);
        XXH3_64bits_update(st, p + off + 40, (size_t)c);
        put64(p + off + 32, XXH3_64bits_digest(st));
        XXH3_freeState(st);
        off += 40 + (size_t)c;
    }
}

static void fix_stats(uint8_t *p, size_t n)
{
    if (n >= 8) put64(p + n - 8, XXH3_64bits(p, n - 8));
}

/* Segment: walk the footer as far as it parses, fixing each chunk's XXH3,
 * then the footer's. */
static void fix_segment(uint8_t *p, size_t n)
{
    if (n < 56) return;
    uint8_t *tr = p + n - 40;
    uint64_t foff = get64(tr), flen = get64(tr + 8);
    if (foff > n - 40 || flen > n - 40 - foff) return;
    uint8_t *f = p + foff, *end = f + flen, *q = f;
#define NEED(k) do { if ((size_t)(end - q) < (size_t)(k)) goto footer; } while (0)
    NEED(4);
    uint32_t ncols = get32(q);
    q += 4;
    for (uint32_t c = 0; c < ncols; c++) {
        NEED(4);
        size_t nl = (size_t)q[2] | (size_t)q[3] << 8;
        q += 4;
        NEED(nl);
        q += nl;
    }
    NEED(4);
    uint32_t nblocks = get32(q);
    q += 4;
    for (uint32_t b = 0; b < nblocks; b++) {
        NEED(44);
        uint32_t ns = get32(q + 40);
        q += 44;
        NEED((uint64_t)ns * 4);
        q += (size_t)ns * 4;
        for (uint32_t c = 0; c < ncols; c++) {
            NEED(24);
            uint64_t off = get64(q);
            uint32_t comp = get32(q + 8);
            if (off <= n && comp <= n - off) put64(q + 16, XXH3_64bits(p + off, comp));
            q += 24;
        }
    }
footer:
#undef NEED
    put64(tr + 16, XXH3_64bits(f, (size_t)flen));
}

static int cmd_tf(int argc, char **argv) { return ws_cmd_kernel("tf", argc, argv); }

static int run_query(void)
{
    char *dir = work_dir;
    char *tf[] = {"tf", "-j", "1", dir, NULL};
    char *tfm[] = {"tf", "-j", "1", "--by", "month", "--top", "3", dir, NULL};
    char *tft[] = {"tf", "-j", "1", "--by", "topics", "--tfidf", dir, NULL};
    char *ver[] = {"verify", dir, NULL};
    char *info[] = {"info", dir, NULL};
    if (quiet(cmd_tf, 4, tf) != 0) return 0; /* the store does not open: the rest would not either */
    quiet(cmd_tf, 8, tfm);
    quiet(cmd_tf, 7, tft);
    quiet(ws_cmd_info, 2, info);
    quiet(ws_cmd_verify, 2, ver);
    return 0;
}

static void write_seeds(const char *dir)
{
    mkdir(dir, 0777);
    for (int i = 0; i < F_N; i++)
        for (int fix = 0; fix < 2; fix++) {
            uint8_t sel = (uint8_t)((i < F_SEG1 ? i : 3) | (fix ? 4 : 0) | (i == F_SEG2 ? 8 : 0));
            uint8_t *b = malloc(tpl_n[i] + 1);
            if (!b) abort();
            b[0] = sel;
            memcpy(b + 1, tpl[i], tpl_n[i]);
            char name[64];
            snprintf(name, sizeof name, "seed-%s-%s", fname[i], fix ? "fix" : "raw");
            if (write_file(dir, name, b, tpl_n[i] + 1)) abort();
            free(b);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tpl[0]) {
        setenv("OMP_NUM_THREADS", "1", 1);
        make_template();
        const char *seeds = getenv("WS_FUZZ_STORE_SEEDS");
        if (seeds) {
            write_seeds(seeds);
            exit(0);
        }
    }
    if (size < 1) return 0;
    uint8_t sel = data[0];
    int which = sel & 3;
    if (which == 3 && (sel & 8)) which = F_SEG2;
    else if (which == 3) which = F_SEG1;
    size_t n = size - 1;
    uint8_t *b = malloc(n + 1);
    if (!b) return 0;
    if (n) memcpy(b, data + 1, n);
    if (sel & 4) {
        if (which == F_MANIFEST) {
            size_t m;
            uint8_t *o = fix_manifest(b, n, &m);
            free(b);
            if (!o) return 0;
            b = o;
            n = m;
        } else if (which == F_TERMS) fix_terms(b, n);
        else if (which == F_STATS) fix_stats(b, n);
        else fix_segment(b, n);
    }
    int bad = 0;
    for (int i = 0; i < F_N; i++) {
        if (i == which) bad |= write_file(work_dir, fname[i], b, n);
        else bad |= write_file(work_dir, fname[i], tpl[i], tpl_n[i]);
    }
    free(b);
    if (!bad) run_query();
    return 0;
}
