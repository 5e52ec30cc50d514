/*
 * The ids of the stories a store already holds, read for ingest's check of
 * re-ingested stories (a warning, or --skip-existing). One pass over the id
 * column, the smallest one; exact string compares, so --skip-existing never
 * drops a story whose id is merely similar (a hash could collide).
 */
#include "ws_columns.h"
#include "ws_ingest.h"
#include "ws_store.h"

int ws_ingest_load_ids(const ws_store *st, ws_dict *set)
{
    if (!st->nstories) return 0;
    ws_buf comp = {0}, raw = {0}, offs = {0};
    int rc = ws_dict_index(set);
    for (uint32_t i = 0; i < st->nsegs && !rc; i++) {
        const ws_segment *seg = st->segs[i];
        for (uint32_t b = 0; b < seg->nblocks && !rc; b++) {
            ws_strings_view v;
            if ((rc = ws_segment_read_chunk(seg, b, WS_C_ID, &comp, &raw))) break;
            if ((rc = ws_col_decode_strings(raw.p, raw.n, seg->blocks[b].nrows, &offs, &v))) {
                rc = ws_error(rc, "%s: block %u column id: %s", seg->path, b, ws_last_error());
                break;
            }
            for (uint32_t k = 0; k < v.n && !rc; k++) {
                ws_str id = ws_strings_get(&v, k);
                uint32_t idx;
                rc = ws_dict_intern(set, id, ws_hash64(id.p, id.n), &idx);
            }
        }
    }
    ws_buf_free(&comp);
    ws_buf_free(&raw);
    ws_buf_free(&offs);
    return rc;
}
