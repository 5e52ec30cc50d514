/*
 * Kernel microbenchmarks: the inner loops every scan and every ingest runs,
 * timed in isolation on real data and set against their physical reference
 * on the same machine, so a figure reads as "how far from the hardware"
 * rather than as an absolute speed that means nothing on a shared VM.
 *
 *   decode     the token ids of a store's first blocks (whatever format the
 *              store has), encoded both ways: format 1's varints
 *              (ws_col_decode_tokids) and format 2.0's TOKIDS2
 *              (ws_tok2_decode, formats/ws_codec.h), each decoded block by
 *              block (the loop behind every scan). References: memcpy of
 *              the same output bytes (4 per id, block by block, as the
 *              decoders write them), and ZSTD_decompress (level 3, as
 *              ingest writes token chunks) of each encoding's chunks: the
 *              step before it in a scan where the chunk is compressed.
 *   count      tf-style dense counting of the decoded ids (the cell update
 *              of kernels/ws_k_tf.c: tf, df by row stamp) into an array over
 *              the dictionary. Reference: memcpy of the ids' bytes.
 *   tokenize   ws_tokenize, story by story, on the stories' bodies rebuilt
 *              from the store, in three scripts with the same word structure:
 *              ASCII (the bodies with non-ASCII bytes left out), Cyrillic
 *              (every ASCII letter mapped to a Cyrillic one: 2-byte UTF-8,
 *              the non-ASCII path) and CJK (every letter mapped to a Han
 *              ideograph, spaces left out: 3-byte UTF-8, one token per
 *              character). Reference: memcpy of the same input bytes.
 *
 * Every figure is the median of --reps repetitions (after one untimed
 * warm-up), single-threaded, timed in the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID): on a shared machine wall time also counts the
 * time other jobs hold the core, which made repetitions differ by 5x. The
 * table (markdown) goes to stdout.
 *
 * Usage: micro_kernels STORE [--blocks N] [--reps N] [--text-mb N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "wirescan.h"
#include "ws_block.h"
#include "ws_codec.h"
#include "ws_columns.h"
#include "ws_store.h"
#include "ws_tokenize.h"

typedef struct chunk {
    ws_buf comp, raw, meta; /* v1 token chunk, compressed and raw; raw tokmeta chunk */
    ws_buf comp2, raw2;     /* the same ids as TOKIDS2 (format 2.0), compressed and raw */
    uint64_t ntok;
    uint32_t nrows;
} chunk;

/* A sink the optimiser cannot see through, so measured loops are kept. */
static volatile uint64_t g_sink;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef double (*bench_fn)(void *ctx); /* one repetition; returns seconds */

/* Median of reps repetitions after one warm-up; negative on failure. */
static double median_of(bench_fn fn, void *ctx, int reps)
{
    double t[101];
    if (fn(ctx) < 0) return -1;
    for (int i = 0; i < reps; i++)
        if ((t[i] = fn(ctx)) < 0) return -1;
    qsort(t, (size_t)reps, sizeof t[0], cmp_double);
    return reps % 2 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2;
}

/* ---- the token chunks ---- */
typedef struct tok_ctx {
    chunk *ch;
    size_t nch;
    uint32_t dict_terms;
    uint32_t *ids;   /* decoded ids of every chunk, back to back */
    uint32_t *copy;  /* memcpy target */
    ws_buf zout;     /* ZSTD_decompress target */
    uint32_t *cells; /* count: 3 words per term (tf, df, stamp), as ws_k_tf.c */
    ws_tokmeta_buf mbuf;
    ws_tokmeta_view *meta; /* nch */
    ws_buf dict;           /* TOKIDS2 block dictionary */
    int v2;                /* run_zstd: the TOKIDS2 chunks */
} tok_ctx;

static double run_decode(void *p)
{
    tok_ctx *c = p;
    double t0 = now_s();
    uint32_t *o = c->ids;
    for (size_t i = 0; i < c->nch; i++) {
        if (ws_col_decode_tokids(c->ch[i].raw.p, c->ch[i].raw.n, c->ch[i].ntok, c->dict_terms, o)) return -1;
        o += c->ch[i].ntok;
    }
    double t1 = now_s();
    g_sink += c->ids[0];
    return t1 - t0;
}

static double run_decode2(void *p)
{
    tok_ctx *c = p;
    double t0 = now_s();
    uint32_t *o = c->ids;
    for (size_t i = 0; i < c->nch; i++) {
        if (ws_tok2_decode(c->ch[i].raw2.p, c->ch[i].raw2.n, c->ch[i].ntok, c->dict_terms, &c->dict, o)) return -1;
        o += c->ch[i].ntok;
    }
    double t1 = now_s();
    g_sink += c->ids[0];
    return t1 - t0;
}

static double run_memcpy_ids(void *p)
{
    tok_ctx *c = p;
    double t0 = now_s();
    uint64_t k = 0;
    for (size_t i = 0; i < c->nch; i++) {
        memcpy(c->copy + k, c->ids + k, c->ch[i].ntok * sizeof(uint32_t));
        k += c->ch[i].ntok;
    }
    double t1 = now_s();
    g_sink += c->copy[k - 1];
    return t1 - t0;
}

static double run_zstd(void *p)
{
    tok_ctx *c = p;
    double t0 = now_s();
    for (size_t i = 0; i < c->nch; i++) {
        const ws_buf *z = c->v2 ? &c->ch[i].comp2 : &c->ch[i].comp, *r0 = c->v2 ? &c->ch[i].raw2 : &c->ch[i].raw;
        size_t r = ZSTD_decompress(c->zout.p, c->zout.cap, z->p, z->n);
        if (ZSTD_isError(r) || r != r0->n) return -1;
    }
    double t1 = now_s();
    g_sink += c->zout.p[0];
    return t1 - t0;
}

/* The cell update of ws_k_tf.c's count_row, with the identity map. */
static double run_count(void *p)
{
    tok_ctx *c = p;
    double t0 = now_s();
    const uint32_t *ids = c->ids;
    uint32_t row = 0;
    for (size_t i = 0; i < c->nch; i++) {
        const ws_tokmeta_view *m = &c->meta[i];
        for (uint32_t r = 0; r < m->nrows; r++) {
            row++;
            for (uint64_t t = m->tok_off[r]; t < m->tok_off[r + 1]; t++) {
                uint32_t *cell = &c->cells[3 * (size_t)ids[t]];
                cell[0]++;
                cell[1] += cell[2] != row;
                cell[2] = row;
            }
        }
        ids += c->ch[i].ntok;
    }
    double t1 = now_s();
    g_sink += c->cells[0];
    return t1 - t0;
}

/* ---- the tokenizer ---- */
typedef struct text_ctx {
    ws_buf text;    /* stories back to back */
    ws_buf off;     /* uint64_t offsets, nstories + 1 */
    size_t nstories;
    ws_buf copy;
    ws_tokenizer *tk;
    uint64_t tokens;
} text_ctx;

static double run_tokenize(void *p)
{
    text_ctx *c = p;
    const uint64_t *off = (const uint64_t *)(const void *)c->off.p;
    uint64_t ntok = 0;
    double t0 = now_s();
    for (size_t i = 0; i < c->nstories; i++) {
        ws_tokens out;
        if (ws_tokenize(c->tk, (const char *)c->text.p + off[i], (size_t)(off[i + 1] - off[i]), &out)) return -1;
        ntok += out.ntok;
    }
    double t1 = now_s();
    c->tokens = ntok;
    return t1 - t0;
}

static double run_memcpy_text(void *p)
{
    text_ctx *c = p;
    double t0 = now_s();
    memcpy(c->copy.p, c->text.p, c->text.n);
    double t1 = now_s();
    g_sink += c->copy.p[c->text.n - 1];
    return t1 - t0;
}

/* Append one character's UTF-8 (code point below 0x10000). */
static int put_cp(ws_buf *b, uint32_t cp)
{
    uint8_t u[3];
    size_t n;
    if (cp < 0x80) { u[0] = (uint8_t)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (uint8_t)(0xC0 | cp >> 6); u[1] = (uint8_t)(0x80 | (cp & 0x3F)); n = 2; }
    else {
        u[0] = (uint8_t)(0xE0 | cp >> 12);
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    }
    return ws_buf_append(b, u, n);
}

enum script { S_ASCII, S_CYRILLIC, S_CJK };

/* Rewrite ASCII text src into script s (see the file comment). */
static int transcribe(const text_ctx *src, enum script s, text_ctx *dst)
{
    const uint64_t *off = (const uint64_t *)(const void *)src->off.p;
    uint64_t o = 0;
    int rc = ws_buf_append(&dst->off, &o, sizeof o);
    for (size_t i = 0; !rc && i < src->nstories; i++) {
        for (uint64_t k = off[i]; !rc && k < off[i + 1]; k++) {
            uint8_t ch = src->text.p[k];
            int lower = ch >= 'a' && ch <= 'z', upper = ch >= 'A' && ch <= 'Z';
            if (s == S_CYRILLIC && (lower || upper)) /* а..щ (U+0430..) and А..Щ (U+0410..) */
                rc = put_cp(&dst->text, (upper ? 0x410u : 0x430u) + (uint32_t)(ch - (upper ? 'A' : 'a')));
            else if (s == S_CJK && (lower || upper))
                rc = put_cp(&dst->text, 0x4E00u + 26u * (upper ? 1u : 0u) + (uint32_t)(ch - (upper ? 'A' : 'a')));
            else if (s == S_CJK && ch == ' ')
                continue;
            else
                rc = ws_buf_append(&dst->text, &ch, 1);
        }
        o = dst->text.n;
        if (!rc) rc = ws_buf_append(&dst->off, &o, sizeof o);
    }
    dst->nstories = src->nstories;
    if (!rc) rc = ws_buf_reserve(&dst->copy, dst->text.n);
    return rc;
}

static void text_free(text_ctx *c)
{
    ws_buf_free(&c->text);
    ws_buf_free(&c->off);
    ws_buf_free(&c->copy);
}

/* One table row: items, bytes and the kernel's time t; tref is memcpy of the
 * same bytes (0: none). */
static void row(const char *name, const char *unit, double items, double bytes, double t, double tref, const char *note)
{
    printf("| %s | %.2f M %s | %.1f | %.3f | %.1f | %.2f |", name, items / 1e6, unit, bytes / 1e6, t * 1e3, items / t / 1e6,
           bytes / t / 1e9);
    if (tref > 0) printf(" %.2f | %.3f |", bytes / tref / 1e9, tref / t);
    else printf(" - | - |");
    printf(" %s |\n", note);
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "micro_kernels: %s: %s (%s)\n", what, ws_strerror(rc), ws_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int reps = 11;
    long nblocks = 8, text_mb = 16;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--blocks") && i + 1 < argc) nblocks = atol(argv[++i]);
        else if (!strcmp(argv[i], "--text-mb") && i + 1 < argc) text_mb = atol(argv[++i]);
        else if (argv[i][0] != '-' && !dir) dir = argv[i];
        else {
            fprintf(stderr, "usage: micro_kernels STORE [--blocks N] [--reps N] [--text-mb N]\n");
            return 2;
        }
    }
    if (!dir || reps < 1 || reps > 101 || nblocks < 1 || text_mb < 1) {
        fprintf(stderr, "usage: micro_kernels STORE [--blocks N (>= 1)] [--reps N (1-101)] [--text-mb N (>= 1)]\n");
        return 2;
    }
    ws_store *st;
    int rc = ws_store_open(dir, 0, &st);
    if (rc) return fail(dir, rc);
    if (!st->nsegs || !st->segs[0]->nblocks) {
        fprintf(stderr, "micro_kernels: %s: empty store\n", dir);
        return 1;
    }
    const ws_segment *seg = st->segs[0];
    size_t nch = (size_t)(nblocks < (long)seg->nblocks ? nblocks : (long)seg->nblocks);

    /* The first nch blocks' token chunks, compressed and raw. */
    tok_ctx tc = {0};
    tc.ch = calloc(nch, sizeof *tc.ch);
    tc.meta = calloc(nch, sizeof *tc.meta);
    if (!tc.ch || !tc.meta) return fail("chunks", WS_ENOMEM);
    tc.nch = nch;
    tc.dict_terms = seg->dict_terms;
    uint64_t ntok = 0, rawbytes = 0, compbytes = 0, raw2bytes = 0, comp2bytes = 0;
    size_t maxraw = 0;
    ws_buf scratch = {0};
    ws_block tb = {0};
    for (size_t i = 0; i < nch; i++) {
        chunk *c = &tc.ch[i];
        /* The block's ids as the store holds them, then both encodings. */
        if ((rc = ws_block_load(&tb, &st->dict, seg, (uint32_t)i, WS_COLBIT(WS_C_TOKIDS)))) return fail("tokens", rc);
        if ((rc = ws_col_encode_tokids(tb.ids, tb.ntokens, &c->raw)) || (rc = ws_tok2_encode(tb.ids, tb.ntokens, &c->raw2)) ||
            (rc = ws_zstd_compress(c->raw.p, c->raw.n, 3, &c->comp)) || (rc = ws_zstd_compress(c->raw2.p, c->raw2.n, 3, &c->comp2)))
            return fail("encoding tokens", rc);
        if ((rc = ws_segment_read_chunk(seg, (uint32_t)i, WS_C_TOKMETA, &scratch, &c->meta))) return fail("tokmeta chunk", rc);
        c->ntok = seg->blocks[i].ntokens;
        c->nrows = seg->blocks[i].nrows;
        ntok += c->ntok;
        rawbytes += c->raw.n;
        compbytes += c->comp.n;
        raw2bytes += c->raw2.n;
        comp2bytes += c->comp2.n;
        if (c->raw.n > maxraw) maxraw = c->raw.n;
        if (c->raw2.n > maxraw) maxraw = c->raw2.n;
    }
    ws_block_free(&tb);
    tc.ids = malloc(ntok * sizeof *tc.ids);
    tc.copy = malloc(ntok * sizeof *tc.copy);
    tc.cells = calloc((size_t)seg->dict_terms * 3, sizeof *tc.cells);
    if (!tc.ids || !tc.copy || !tc.cells || ws_buf_reserve(&tc.zout, maxraw)) return fail("buffers", WS_ENOMEM);

    /* Row boundaries for the counting loop: each block's own tokmeta. */
    ws_tokmeta_buf *mb = calloc(nch, sizeof *mb);
    if (!mb) return fail("tokmeta", WS_ENOMEM);
    for (size_t i = 0; i < nch; i++)
        if ((rc = ws_col_decode_tokmeta(tc.ch[i].meta.p, tc.ch[i].meta.n, tc.ch[i].nrows, tc.ch[i].ntok, &mb[i],
                                        &tc.meta[i])))
            return fail("tokmeta decode", rc);

    /* Stories' bodies, rebuilt from the store, up to --text-mb; the ASCII
     * version leaves out non-ASCII bytes. */
    text_ctx ascii = {0}, cyr = {0}, cjk = {0};
    ws_block blk = {0};
    uint64_t o = 0;
    if (ws_buf_append(&ascii.off, &o, sizeof o)) return fail("text", WS_ENOMEM);
    for (uint32_t b = 0; b < seg->nblocks && ascii.text.n < (size_t)text_mb << 20; b++) {
        if ((rc = ws_block_load(&blk, &st->dict, seg, b, WS_COLBIT(WS_C_BODY)))) return fail("bodies", rc);
        for (uint32_t r = 0; r < blk.nrows && ascii.text.n < (size_t)text_mb << 20; r++) {
            ws_str s = ws_strings_get(&blk.body, r);
            if (ws_buf_reserve(&ascii.text, s.n)) return fail("text", WS_ENOMEM);
            for (size_t k = 0; k < s.n; k++)
                if (!((uint8_t)s.p[k] & 0x80)) ascii.text.p[ascii.text.n++] = (uint8_t)s.p[k];
            o = ascii.text.n;
            if (ws_buf_append(&ascii.off, &o, sizeof o)) return fail("text", WS_ENOMEM);
            ascii.nstories++;
        }
    }
    ws_block_free(&blk);
    if (!ascii.text.n) {
        fprintf(stderr, "micro_kernels: %s: no body text\n", dir);
        return 1;
    }
    if (ws_buf_reserve(&ascii.copy, ascii.text.n) || transcribe(&ascii, S_CYRILLIC, &cyr) ||
        transcribe(&ascii, S_CJK, &cjk))
        return fail("text", WS_ENOMEM);
    ascii.tk = cyr.tk = cjk.tk = ws_tokenizer_create();
    if (!ascii.tk) return fail("tokenizer", WS_ENOMEM);

    /* ---- measure ---- */
    double t_dec = median_of(run_decode, &tc, reps);
    double t_dec2 = median_of(run_decode2, &tc, reps);
    double t_cpy = median_of(run_memcpy_ids, &tc, reps);
    double t_zst = median_of(run_zstd, &tc, reps);
    tc.v2 = 1;
    double t_zst2 = median_of(run_zstd, &tc, reps);
    double t_cnt = median_of(run_count, &tc, reps);
    if (t_dec < 0 || t_dec2 < 0 || t_cpy < 0 || t_zst < 0 || t_zst2 < 0 || t_cnt < 0) return fail("token chunks", WS_ECORRUPT);
    text_ctx *tx[3] = {&ascii, &cyr, &cjk};
    const char *tname[3] = {"tokenize ASCII", "tokenize Cyrillic", "tokenize CJK"};
    double t_tok[3], t_tcp[3];
    for (int i = 0; i < 3; i++) {
        t_tok[i] = median_of(run_tokenize, tx[i], reps);
        t_tcp[i] = median_of(run_memcpy_text, tx[i], reps);
        if (t_tok[i] < 0) return fail(tname[i], WS_EINTERNAL);
    }

    printf("%s, %zu blocks of %s: %.2f M token ids, token chunks v1 %.2f MB raw / %.2f MB zstd, "
           "v2 (TOKIDS2) %.2f MB raw / %.2f MB zstd; "
           "%zu stories' bodies (%.1f MB ASCII); single thread, median of %d after a warm-up\n\n",
           ws_version(), nch, dir, (double)ntok / 1e6, (double)rawbytes / 1e6, (double)compbytes / 1e6,
           (double)raw2bytes / 1e6, (double)comp2bytes / 1e6, ascii.nstories, (double)ascii.text.n / 1e6, reps);
    printf("| kernel | items | MB | median ms | M items/s | GB/s | memcpy GB/s, same bytes | kernel / memcpy speed "
           "| note |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    char note[160];
    /* decode: bytes = the ids written (4 per id). */
    snprintf(note, sizeof note, "%.2fx the time of ZSTD_decompress of the same chunks", t_dec / t_zst);
    row("decode token ids", "ids", (double)ntok, (double)ntok * 4, t_dec, t_cpy, note);
    snprintf(note, sizeof note, "same compressed bytes (%.1f MB -> %.1f MB raw); GB/s of raw output",
             (double)compbytes / 1e6, (double)rawbytes / 1e6);
    row("ZSTD_decompress token chunks", "ids", (double)ntok, (double)rawbytes, t_zst, 0, note);
    snprintf(note, sizeof note, "TOKIDS2 (format 2.0); %.2fx the time of ZSTD_decompress of v1's chunks, %.2fx v1's decode",
             t_dec2 / t_zst, t_dec2 / t_dec);
    row("decode token ids v2", "ids", (double)ntok, (double)ntok * 4, t_dec2, t_cpy, note);
    snprintf(note, sizeof note, "zstd over TOKIDS2 (%.2f MB -> %.2f MB raw); GB/s of raw output", (double)comp2bytes / 1e6,
             (double)raw2bytes / 1e6);
    row("ZSTD_decompress v2 token chunks", "ids", (double)ntok, (double)raw2bytes, t_zst2, 0, note);
    row("count ids (tf cells)", "ids", (double)ntok, (double)ntok * 4, t_cnt, t_cpy, "dense tf/df/stamp cells over the dictionary");
    const char *tnote[3] = {"the bodies, non-ASCII bytes left out", "letters mapped to Cyrillic (2-byte UTF-8)",
                            "letters mapped to Han ideographs, no spaces (1 token per character)"};
    for (int i = 0; i < 3; i++)
        row(tname[i], "tokens", (double)tx[i]->tokens, (double)tx[i]->text.n, t_tok[i], t_tcp[i], tnote[i]);
    printf("\nM items/s: token ids (decode, zstd, count) or tokens found (tokenize). GB/s: bytes written (decode: 4 per "
           "id; zstd: raw bytes) or read (count: the ids; tokenize: the text). kernel / memcpy speed: 1 = memcpy speed.\n");

    ws_tokenizer_free(ascii.tk);
    text_free(&ascii);
    text_free(&cyr);
    text_free(&cjk);
    for (size_t i = 0; i < nch; i++) {
        ws_buf_free(&tc.ch[i].comp);
        ws_buf_free(&tc.ch[i].raw);
        ws_buf_free(&tc.ch[i].comp2);
        ws_buf_free(&tc.ch[i].raw2);
        ws_buf_free(&tc.ch[i].meta);
        ws_tokmeta_buf_free(&mb[i]);
    }
    ws_buf_free(&scratch);
    ws_buf_free(&tc.zout);
    ws_buf_free(&tc.dict);
    free(mb);
    free(tc.ch);
    free(tc.meta);
    free(tc.ids);
    free(tc.copy);
    free(tc.cells);
    ws_store_close(st);
    return 0;
}
