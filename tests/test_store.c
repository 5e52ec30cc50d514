/*
 * Store unit tests: column codecs round-trip and reject bad data, term ids
 * follow first appearance, a committed store reopens with the same counts,
 * appends keep old ids, a corrupted chunk is named, and allocation failure
 * at every point of open, verify and ingest is a clean error that leaves the
 * store as it was.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_block.h"
#include "ws_columns.h"
#include "ws_ingest.h"
#include "ws_store.h"

static char tmpdir[256];

static void mk_tmp(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ws_test_store_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_expect_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static int ingest(const char *store, const char *input, int threads)
{
    ws_ingest_opts o;
    ws_ingest_opts_default(&o);
    o.store = store;
    const char *in[1] = {input};
    o.inputs = in;
    o.ninputs = 1;
    o.threads = threads;
    o.log = fopen("/dev/null", "w");
    static const char *tags[] = {"topics"};
    o.fields.tag_keys = tags;
    o.fields.ntags = 1;
    ws_ingest_stats s;
    int rc = ws_ingest(&o, &s);
    fclose(o.log);
    return rc;
}

Test(columns, strings_dates_dict_multi_roundtrip)
{
    ws_buf raw = {0}, offs = {0}, vals = {0};
    ws_str v[4] = {WS_STR_LIT("alpha"), WS_STR_LIT(""), WS_STR_LIT("a\0b"), WS_STR_LIT("δ")};
    cr_assert_eq(ws_col_encode_strings(v, 4, &raw), 0);
    ws_strings_view sv;
    cr_assert_eq(ws_col_decode_strings(raw.p, raw.n, 4, &offs, &sv), 0);
    for (uint32_t i = 0; i < 4; i++) cr_expect(ws_str_eq(ws_strings_get(&sv, i), v[i]), "string %u", i);
    cr_expect_eq(ws_col_decode_strings(raw.p, raw.n - 1, 4, &offs, &sv), WS_ECORRUPT, "short chunk accepted");

    int64_t d[5] = {1557446400, WS_DATE_UNKNOWN, -86400 * 365, 1557446400 + 7, INT64_MAX}, back[5];
    raw.n = 0;
    cr_assert_eq(ws_col_encode_dates(d, 5, &raw), 0);
    cr_assert_eq(ws_col_decode_dates(raw.p, raw.n, 5, back), 0);
    for (int i = 0; i < 5; i++) cr_expect_eq(back[i], d[i], "date %d", i);

    uint32_t idx[3] = {2, 0, 1}, out[3];
    raw.n = 0;
    cr_assert_eq(ws_col_encode_dict(idx, 3, &raw), 0);
    cr_assert_eq(ws_col_decode_dict(raw.p, raw.n, 3, 3, out), 0);
    cr_expect(out[0] == 2 && out[1] == 0 && out[2] == 1);
    cr_expect_eq(ws_col_decode_dict(raw.p, raw.n, 3, 2, out), WS_ECORRUPT, "index beyond the value list accepted");

    uint32_t cnt[3] = {2, 0, 1}, tv[3] = {4, 1, 3}, off[4];
    raw.n = 0;
    cr_assert_eq(ws_col_encode_multi(cnt, tv, 3, &raw), 0);
    cr_assert_eq(ws_col_decode_multi(raw.p, raw.n, 3, 5, off, &vals), 0);
    const uint32_t *pv = (const uint32_t *)(const void *)vals.p;
    cr_expect(off[0] == 0 && off[1] == 2 && off[2] == 2 && off[3] == 3);
    cr_expect(pv[0] == 4 && pv[1] == 1 && pv[2] == 3);
    ws_buf_free(&raw);
    ws_buf_free(&offs);
    ws_buf_free(&vals);
}

Test(columns, tokids_all_widths_and_bounds)
{
    uint32_t ids[9] = {0, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 4000000000u}, out[9];
    ws_buf raw = {0};
    cr_assert_eq(ws_col_encode_tokids(ids, 9, &raw), 0);
    /* 1+1+2+2+3+3+4+4+5 bytes: LEB128 widths, computed by hand. */
    cr_expect_eq(raw.n, 25);
    cr_assert_eq(ws_col_decode_tokids(raw.p, raw.n, 9, UINT32_MAX, out), 0);
    for (int i = 0; i < 9; i++) cr_expect_eq(out[i], ids[i], "id %d", i);
    cr_expect_eq(ws_col_decode_tokids(raw.p, raw.n, 9, 4000000000u, out), WS_ECORRUPT, "id beyond dictionary accepted");
    cr_expect_eq(ws_col_decode_tokids(raw.p, raw.n - 1, 9, UINT32_MAX, out), WS_ECORRUPT, "truncated ids accepted");
    cr_expect_eq(ws_col_decode_tokids(raw.p, raw.n, 8, UINT32_MAX, out), WS_ECORRUPT, "trailing bytes accepted");
    ws_buf_free(&raw);
}

Test(columns, tokmeta_and_text)
{
    /* One row: "Oil rose. Gold fell" title "Oil rose." -> 2 title tokens. */
    uint32_t ntok = 4, ntitle = 2, soff[2] = {0, 2}, sent[2] = {0, 2};
    ws_buf raw = {0};
    ws_tokmeta_buf mb = {0};
    ws_tokmeta_view mv;
    cr_assert_eq(ws_col_encode_tokmeta(&ntok, &ntitle, soff, sent, 1, &raw), 0);
    cr_assert_eq(ws_col_decode_tokmeta(raw.p, raw.n, 1, 4, &mb, &mv), 0);
    cr_expect(mv.tok_off[1] == 4 && mv.ntitle[0] == 2 && mv.sent_off[1] == 2 && mv.sent[1] == 2);
    cr_expect_eq(ws_col_decode_tokmeta(raw.p, raw.n, 1, 5, &mb, &mv), WS_ECORRUPT, "token total mismatch accepted");

    /* Text column: the title rebuilt from gaps and dictionary terms. */
    const char *terms = "OilroseGoldfell";
    uint64_t term_off[5] = {0, 3, 7, 11, 15};
    uint32_t ids[4] = {0, 1, 2, 3};
    ws_str title = WS_STR_LIT("  Oil, rose.");
    uint32_t spans[4] = {2, 3, 7, 4};
    ws_buf enc = {0}, text = {0}, offs = {0};
    cr_assert_eq(ws_text_encode_gaps(title, spans, 2, &enc), 0);
    cr_assert_eq(ws_text_encode_raw(WS_STR_LIT("Gold\xC2\xA0" "fell"), &enc), 0);
    /* Two rows encoded, one declared: the trailing row must be rejected. */
    ws_text_ctx ctx = {&mv, ids, term_off, terms, 4, 0};
    ws_strings_view sv;
    cr_assert_eq(ws_col_decode_text(enc.p, enc.n, 1, &ctx, &text, &offs, &sv), WS_ECORRUPT, "trailing row accepted");
    enc.n = 0;
    cr_assert_eq(ws_text_encode_gaps(title, spans, 2, &enc), 0);
    cr_assert_eq(ws_col_decode_text(enc.p, enc.n, 1, &ctx, &text, &offs, &sv), 0);
    cr_expect(ws_str_eq(ws_strings_get(&sv, 0), title), "rebuilt '%.*s'", (int)sv.off[1], sv.data);
    ws_buf_free(&raw);
    ws_buf_free(&enc);
    ws_buf_free(&text);
    ws_buf_free(&offs);
    ws_tokmeta_buf_free(&mb);
}

Test(store, ids_follow_first_appearance_and_append_keeps_them, .init = mk_tmp, .fini = rm_tmp)
{
    char in1[300], in2[300], st[300];
    snprintf(in1, sizeof in1, "%s/a.jsonl", tmpdir);
    snprintf(in2, sizeof in2, "%s/b.jsonl", tmpdir);
    snprintf(st, sizeof st, "%s/s", tmpdir);
    write_file(in1, "{\"id\":\"1\",\"title\":\"beta alpha\",\"body\":\"beta gamma.\",\"date\":\"2019-05-10\",\"topics\":[\"x\"]}\n"
                    "{\"id\":\"2\",\"body\":\"alpha delta\"}\n");
    write_file(in2, "{\"id\":\"3\",\"body\":\"epsilon beta\",\"date\":\"2020-01-01T00:00:00Z\"}\n");
    cr_assert_eq(ingest(st, in1, 2), 0, "%s", ws_last_error());
    ws_store *s;
    cr_assert_eq(ws_store_open(st, 0, &s), 0, "%s", ws_last_error());
    const char *want1[] = {"beta", "alpha", "gamma", "delta"};
    cr_assert_eq(s->dict.nterms, 4);
    for (uint32_t i = 0; i < 4; i++) cr_expect(ws_str_eq(ws_dict_term(&s->dict, i), ws_str_make(want1[i], strlen(want1[i]))));
    cr_expect_eq(s->dict.cf[0], 2); /* beta twice, in one story */
    cr_expect_eq(s->dict.df[0], 1);
    cr_expect_eq(s->dict.df[1], 2); /* alpha in both */
    cr_expect_eq(s->nstories, 2);
    cr_expect_eq(s->ntokens, 6);
    cr_expect_eq(ws_store_verify(s, NULL), 0, "%s", ws_last_error());
    ws_store_close(s);

    cr_assert_eq(ingest(st, in2, 1), 0, "%s", ws_last_error());
    cr_assert_eq(ws_store_open(st, 0, &s), 0, "%s", ws_last_error());
    cr_expect_eq(s->nsegs, 2);
    cr_expect_eq(s->nstories, 3);
    cr_assert_eq(s->dict.nterms, 5);
    cr_expect(ws_str_eq(ws_dict_term(&s->dict, 0), WS_STR_LIT("beta")));
    cr_expect(ws_str_eq(ws_dict_term(&s->dict, 4), WS_STR_LIT("epsilon")));
    cr_expect_eq(s->dict.df[0], 2);
    cr_expect_eq(ws_store_verify(s, NULL), 0, "%s", ws_last_error());
    /* Rows read back: the second segment's story. */
    ws_block b;
    memset(&b, 0, sizeof b);
    cr_assert_eq(ws_block_load(&b, &s->dict, s->segs[1], 0, WS_COLS_ALL), 0, "%s", ws_last_error());
    cr_expect(ws_str_eq(ws_strings_get(&b.body, 0), WS_STR_LIT("epsilon beta")));
    cr_expect_eq(b.dates[0], 1577836800);
    cr_expect(b.ids[0] == 4 && b.ids[1] == 0);
    ws_block_free(&b);
    ws_store_close(s);
}

Test(store, flipped_chunk_is_named, .init = mk_tmp, .fini = rm_tmp)
{
    char in[300], st[300], seg[400];
    snprintf(in, sizeof in, "%s/a.jsonl", tmpdir);
    snprintf(st, sizeof st, "%s/s", tmpdir);
    write_file(in, "{\"id\":\"1\",\"title\":\"Hello\",\"body\":\"world of news\"}\n");
    cr_assert_eq(ingest(st, in, 1), 0);
    snprintf(seg, sizeof seg, "%s/seg-000001.wss", st);
    FILE *f = fopen(seg, "r+b");
    cr_assert_not_null(f);
    fseek(f, 20, SEEK_SET); /* inside the first chunk (the id column) */
    int c = fgetc(f);
    fseek(f, 20, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
    ws_store *s;
    cr_assert_eq(ws_store_open(st, 0, &s), 0, "footer should still be sound");
    cr_expect_eq(ws_store_verify(s, NULL), WS_ECORRUPT);
    cr_expect(strstr(ws_last_error(), "block 0 column id") != NULL, "detail: %s", ws_last_error());
    ws_store_close(s);
}

/* Write a one-block segment of two rows by hand through the segment
 * writer: the seven fixed columns, and a DATEOFF column when offs is given
 * (which makes it a 1.1 segment). */
static void write_segment(const char *path, const int32_t *offs)
{
    uint32_t ncols = WS_C_FIRST_TAG + (offs ? 1 : 0);
    static const uint8_t types[] = {WS_COL_STRING, WS_COL_DATE, WS_COL_DICT, WS_COL_TEXT, WS_COL_TEXT, WS_COL_TOKIDS, WS_COL_TOKMETA,
                                    WS_COL_DATEOFF};
    static const char *const names[] = {"id", "date", "source", "title", "body", "tokens", "tokmeta", "dateoff"};
    ws_segwriter *w;
    cr_assert_eq(ws_segwriter_create(path, ncols, types, names, &w), 0, "%s", ws_last_error());
    ws_buf raw[8] = {{0}}, comp[8] = {{0}};
    uint32_t raw_size[8];
    ws_str ids[2] = {WS_STR_LIT("a"), WS_STR_LIT("b")};
    int64_t dates[2] = {1557469800, WS_DATE_UNKNOWN};
    uint32_t src[2] = {0, 0}, zero[2] = {0, 0}, sent_off[3] = {0, 0, 0};
    cr_assert_eq(ws_col_encode_strings(ids, 2, &raw[0]), 0);
    cr_assert_eq(ws_col_encode_dates(dates, 2, &raw[1]), 0);
    cr_assert_eq(ws_col_encode_dict(src, 2, &raw[2]), 0);
    for (int f = 3; f <= 4; f++)
        for (int r = 0; r < 2; r++) cr_assert_eq(ws_text_encode_raw(ws_str_make("", 0), &raw[f]), 0);
    cr_assert_eq(ws_col_encode_tokids(NULL, 0, &raw[5]), 0);
    cr_assert_eq(ws_col_encode_tokmeta(zero, zero, sent_off, NULL, 2, &raw[6]), 0);
    if (offs) cr_assert_eq(ws_col_encode_dateoff(offs, 2, &raw[7]), 0);
    for (uint32_t c = 0; c < ncols; c++) {
        cr_assert_eq(ws_zstd_compress(raw[c].p, raw[c].n, 3, &comp[c]), 0);
        raw_size[c] = (uint32_t)raw[c].n;
    }
    uint32_t srcs[1] = {0};
    ws_block_meta m = {.nrows = 2, .undated = 1, .min_date = dates[0], .max_date = dates[0], .nsources = 1, .sources = srcs};
    cr_assert_eq(ws_segwriter_add_block(w, &m, comp, raw_size), 0, "%s", ws_last_error());
    ws_str none = WS_STR_LIT("");
    cr_assert_eq(ws_segwriter_set_values(w, WS_C_SOURCE, &none, 1), 0);
    cr_assert_eq(ws_segwriter_finish(w, 0, NULL), 0, "%s", ws_last_error());
    for (int c = 0; c < 8; c++) { ws_buf_free(&raw[c]); ws_buf_free(&comp[c]); }
}

static void put_version(const char *path, uint32_t v)
{
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    uint8_t b[4];
    ws_le32_put(b, v);
    fseek(f, 8, SEEK_SET);
    fwrite(b, 1, 4, f);
    fseek(f, -40 + 24, SEEK_END);
    fwrite(b, 1, 4, f);
    fclose(f);
}

/* Issue 14, bug 4: format 1.1 keeps each date's UTC offset in a DATEOFF
 * column after the tags; 1.0 segments (no such column) still read, as UTC;
 * a DATEOFF column in a 1.0 segment is corrupt; a newer minor is refused as
 * a version. */
Test(store, format_1_1_dateoff_and_1_0_segments, .init = mk_tmp, .fini = rm_tmp)
{
    char p10[300], p11[300];
    snprintf(p10, sizeof p10, "%s/seg-000001.wss", tmpdir);
    snprintf(p11, sizeof p11, "%s/seg-000002.wss", tmpdir);
    write_segment(p10, NULL);
    const int32_t offs[2] = {180, 0};
    write_segment(p11, offs);
    ws_dict d;
    memset(&d, 0, sizeof d);
    uint64_t off0 = 0;
    d.off = &off0;
    ws_block b;
    memset(&b, 0, sizeof b);

    ws_segment *s;
    cr_assert_eq(ws_segment_open(p10, &s), 0, "%s", ws_last_error());
    cr_expect_eq(s->minor, 0);
    cr_expect_eq(s->dateoff_col, -1);
    cr_expect_eq(s->ncols, WS_C_FIRST_TAG);
    cr_assert_eq(ws_block_load(&b, &d, s, 0, WS_COLS_ALL), 0, "%s", ws_last_error());
    cr_expect_null(b.dateoff, "a 1.0 segment: no offsets (UTC)");
    cr_expect_eq(b.dates[0], 1557469800);
    ws_segment_close(s);

    cr_assert_eq(ws_segment_open(p11, &s), 0, "%s", ws_last_error());
    cr_expect_eq(s->minor, 1);
    cr_expect_eq(s->ncols, WS_C_FIRST_TAG, "DATEOFF is not a tag column");
    cr_expect_eq(s->dateoff_col, WS_C_FIRST_TAG);
    cr_assert_eq(ws_block_load(&b, &d, s, 0, WS_COLS_ALL), 0, "%s", ws_last_error());
    cr_assert_not_null(b.dateoff);
    cr_expect_eq(b.dateoff[0], 180);
    cr_expect_eq(b.dateoff[1], 0);
    cr_assert_eq(ws_block_load(&b, &d, s, 0, WS_COLBIT(WS_C_DATE)), 0);
    cr_expect_null(b.dateoff, "not asked for");
    ws_segment_close(s);

    put_version(p11, 1); /* a DATEOFF column under 1.0 */
    cr_expect_eq(ws_segment_open(p11, &s), WS_ECORRUPT);
    put_version(p11, 1u | 2u << 16);
    cr_expect_eq(ws_segment_open(p11, &s), WS_EVERSION);
    cr_expect(strstr(ws_last_error(), "1.2"), "%s", ws_last_error());
    ws_block_free(&b);

    /* an offset out of range is corrupt */
    ws_buf raw = {0};
    int32_t out[1];
    cr_assert_eq(ws_col_encode_dateoff((const int32_t[]){-1439}, 1, &raw), 0);
    cr_expect_eq(ws_col_decode_dateoff(raw.p, raw.n, 1, out), 0);
    cr_expect_eq(out[0], -1439);
    raw.n = 0;
    cr_assert_eq(ws_col_encode_dateoff((const int32_t[]){1440}, 1, &raw), 0);
    cr_expect_eq(ws_col_decode_dateoff(raw.p, raw.n, 1, out), WS_ECORRUPT);
    ws_buf_free(&raw);
}

/* Count the stories of a store, or -1 when it does not open. */
static long stories_of(const char *st)
{
    ws_store *s;
    if (ws_store_open(st, 0, &s)) return -1;
    long n = (long)s->nstories;
    ws_store_close(s);
    return n;
}

Test(store, allocation_failure_everywhere_is_clean, .init = mk_tmp, .fini = rm_tmp)
{
    char in[300], in2[300], st[300];
    snprintf(in, sizeof in, "%s/a.jsonl", tmpdir);
    snprintf(in2, sizeof in2, "%s/b.jsonl", tmpdir);
    snprintf(st, sizeof st, "%s/s", tmpdir);
    write_file(in, "{\"id\":\"1\",\"title\":\"Oil prices\",\"body\":\"Oil rose. Москва 東京\",\"topics\":\"crude\"}\n"
                   "{\"id\":\"2\",\"body\":\"Gold fell\",\"date\":\"1987-02-26\"}\n");
    write_file(in2, "{\"id\":\"3\",\"body\":\"Copper was flat\"}\n");
    cr_assert_eq(ingest(st, in, 1), 0);
    int saw_ok = 0, saw_fail = 0;
    for (long k = 1; k < 4000 && !saw_ok; k++) {
        ws__alloc_fail_after(k);
        ws_store *s = NULL;
        int rc = ws_store_open(st, 0, &s);
        if (!rc) {
            rc = ws_store_verify(s, NULL);
            ws_store_close(s);
        }
        ws__alloc_fail_after(0);
        cr_assert(rc == 0 || rc == WS_ENOMEM, "open/verify with allocation %ld failing gave %d: %s", k, rc, ws_last_error());
        saw_ok |= rc == 0;
        saw_fail |= rc == WS_ENOMEM;
    }
    cr_expect(saw_ok && saw_fail, "the sweep never reached success");
    saw_ok = 0;
    for (long k = 1; k < 20000 && !saw_ok; k++) {
        ws__alloc_fail_after(k);
        int rc = ingest(st, in2, 1);
        ws__alloc_fail_after(0);
        cr_assert(rc == 0 || rc == WS_ENOMEM, "ingest with allocation %ld failing gave %d: %s", k, rc, ws_last_error());
        long n = stories_of(st);
        cr_assert_eq(n, rc == 0 ? 3 : 2, "after a failed ingest (allocation %ld) the store has %ld stories", k, n);
        saw_ok = rc == 0;
    }
    cr_expect(saw_ok, "ingest never succeeded");
}

/* Size of a file, or -1. */
static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* A commit never replaces a file that already has the name it publishes:
 * not a segment, not a statistics file (issue 14: a manifest whose
 * generation was behind its files let an append overwrite a live segment). */
Test(store, commit_never_overwrites_an_existing_file, .init = mk_tmp, .fini = rm_tmp)
{
    char in[300], st[300], seg[400], stats[400], man[400];
    snprintf(in, sizeof in, "%s/a.jsonl", tmpdir);
    snprintf(st, sizeof st, "%s/s", tmpdir);
    write_file(in, "{\"id\":\"1\",\"body\":\"one two\"}\n");
    cr_assert_eq(ingest(st, in, 1), 0, "%s", ws_last_error());
    /* a segment writer whose final name is taken */
    snprintf(seg, sizeof seg, "%s/seg-000001.wss", st);
    long before = file_size(seg);
    cr_assert_gt(before, 0);
    ws_segwriter *w;
    static const uint8_t types[WS_C_FIRST_TAG] = {WS_COL_STRING, WS_COL_DATE, WS_COL_DICT, WS_COL_TEXT,
                                                  WS_COL_TEXT, WS_COL_TOKIDS, WS_COL_TOKMETA};
    static const char *const names[WS_C_FIRST_TAG] = {"id", "date", "source", "title", "body", "tokens", "tokmeta"};
    cr_assert_eq(ws_segwriter_create(seg, WS_C_FIRST_TAG, types, names, &w), 0, "%s", ws_last_error());
    uint64_t bytes = 0;
    cr_expect_eq(ws_segwriter_finish(w, 0, &bytes), WS_EEXIST, "%s", ws_last_error());
    cr_expect(strstr(ws_last_error(), "seg-000001.wss") != NULL, "detail: %s", ws_last_error());
    cr_expect_eq(file_size(seg), before, "the existing segment was replaced");
    char tmp[420];
    snprintf(tmp, sizeof tmp, "%s.tmp", seg);
    cr_expect_eq(file_size(tmp), -1, "the temp file was left behind");
    /* a commit whose statistics file name is taken */
    ws_store *s;
    cr_assert_eq(ws_store_open(st, 0, &s), 0, "%s", ws_last_error());
    snprintf(stats, sizeof stats, "%s/stats-000002.wst", st);
    write_file(stats, "not mine");
    snprintf(man, sizeof man, "%s/MANIFEST", st);
    long mbefore = file_size(man);
    cr_expect_eq(ws_store_commit(s, &s->dict, s->dict.nterms, NULL, 0, 0, 0, 0), WS_EEXIST, "%s", ws_last_error());
    cr_expect_eq(file_size(stats), 8, "the existing statistics file was replaced");
    cr_expect_eq(file_size(man), mbefore, "MANIFEST changed although the commit failed");
    ws_store_close(s);
    cr_expect_eq(stories_of(st), 1);
}
