/*
 * Decode-only kernel: asks for the token columns and counts what the
 * selection keeps, nothing more. It exists to time the scan engine and the
 * token decoder alone (`wirescan tf --decode-only`), so that benchmarks can
 * show how much a real kernel adds on top. Output: stories,tokens.
 */
#include "ws_kernel.h"

typedef struct dec_state {
    uint64_t stories, tokens;
} dec_state;

static void *dec_init(const ws_query *q)
{
    (void)q;
    return ws_calloc(1, sizeof(dec_state));
}

static int dec_consume(void *p, const ws_query *q, const ws_block *b, const uint8_t *sel)
{
    dec_state *s = p;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!sel[r]) continue;
        uint64_t lo, hi;
        ws_query_span(q, b, r, &lo, &hi);
        s->stories++;
        s->tokens += hi - lo;
    }
    return 0;
}

static int dec_merge(void *into, const void *from, const ws_query *q)
{
    (void)q;
    dec_state *a = into;
    const dec_state *b = from;
    a->stories += b->stories;
    a->tokens += b->tokens;
    return 0;
}

static int dec_finish(void *p, const ws_query *q, ws_table *out)
{
    (void)q;
    const dec_state *s = p;
    int rc = ws_table_add_col(out, "stories", WS_TYPE_INT64);
    rc = rc ? rc : ws_table_add_col(out, "tokens", WS_TYPE_INT64);
    rc = rc ? rc : ws_table_int(out, (int64_t)s->stories);
    return rc ? rc : ws_table_int(out, (int64_t)s->tokens);
}

static void dec_free(void *p) { ws_free(p); }

const ws_kernel ws_kernel_decode = {
    .name = "decode",
    .summary = "decode the token columns and count stories and tokens (timing the decoder)",
    .help = "Stories and tokens scanned, as CSV: stories,tokens. For benchmarks.",
    .flags = WS_KF_HIDDEN,
    .columns = WS_COLBIT(WS_C_TOKIDS) | WS_COLBIT(WS_C_TOKMETA),
    .init = dec_init,
    .consume = dec_consume,
    .merge = dec_merge,
    .finish = dec_finish,
    .free = dec_free,
};
