/*
 * Full store verification: opening already checked the manifest, the
 * dictionary records, the statistics file and every segment footer; this
 * reads and decodes every chunk of every block (checksums, zstd frames,
 * column bounds) and recounts collection and document frequencies, which
 * must equal the statistics file.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ws_block.h"
#include "ws_mhfile.h"
#include "ws_store.h"
#include "ws_termidx.h"

int ws_store_verify(const ws_store *st, FILE *report)
{
    const ws_dict *d = &st->dict;
    uint64_t *cf = ws_calloc(d->nterms + 1, sizeof *cf), *df = ws_calloc(d->nterms + 1, sizeof *df);
    uint64_t *seen = ws_calloc(d->nterms + 1, sizeof *seen);
    int rc = (cf && df && seen) ? 0 : WS_ENOMEM;
    ws_block b;
    memset(&b, 0, sizeof b);
    uint64_t story = 0, tokens = 0;
    for (uint32_t i = 0; i < st->nsegs && !rc; i++) {
        const ws_segment *s = st->segs[i];
        for (uint32_t k = 0; k < s->nblocks && !rc; k++) {
            if ((rc = ws_block_load(&b, &st->dict, s, k, WS_COLS_ALL))) break;
            const ws_block_meta *m = &s->blocks[k];
            uint32_t undated = 0, src_seen = 0;
            int64_t lo = WS_DATE_UNKNOWN, hi = WS_DATE_UNKNOWN;
            for (uint32_t r = 0; r < b.nrows; r++) {
                int64_t t = b.dates[r];
                if (t == WS_DATE_UNKNOWN) { undated++; continue; }
                if (lo == WS_DATE_UNKNOWN || t < lo) lo = t;
                if (hi == WS_DATE_UNKNOWN || t > hi) hi = t;
            }
            for (uint32_t r = 0; r < b.nrows; r++) {
                uint32_t v = b.source[r], j;
                for (j = 0; j < m->nsources && m->sources[j] != v; j++) {}
                if (j == m->nsources) { src_seen = 1; break; }
            }
            if (undated != m->undated || lo != m->min_date || hi != m->max_date || src_seen) {
                rc = ws_error(WS_ECORRUPT, "%s: block %u: statistics disagree with the column data", s->path, k);
                break;
            }
            for (uint32_t r = 0; b.dateoff && r < b.nrows; r++)
                if (b.dateoff[r] && b.dates[r] == WS_DATE_UNKNOWN) {
                    rc = ws_error(WS_ECORRUPT, "%s: block %u: row %u has a date offset but no date", s->path, k, r);
                    break;
                }
            if (rc) break;
            for (uint32_t r = 0; r < b.nrows; r++) {
                story++;
                for (uint64_t t = b.meta.tok_off[r]; t < b.meta.tok_off[r + 1]; t++) {
                    uint32_t id = b.ids[t];
                    cf[id]++;
                    if (seen[id] != story) { seen[id] = story; df[id]++; }
                }
            }
            tokens += b.ntokens;
        }
        if (!rc && report) fprintf(report, "verify: %s: %u blocks ok\n", s->path, s->nblocks);
        /* Its signature file (format 1.3): size, header and checksum. */
        const ws_manifest_seg *ms = &st->mseg[i];
        if (!rc && ms->mh) {
            char path[4096];
            ws_mhfile_info info;
            uint8_t *rows = NULL;
            snprintf(path, sizeof path, "%s/%s", st->dir, ms->mh);
            rc = ws_mhfile_read(path, s->nrows, s->size, &info, &rows);
            ws_free(rows);
            if (!rc && ws_mhfile_row_bytes(info.perm) * info.rows + WS_MHF_HEADER_SIZE + 8 != ms->mh_bytes)
                rc = ws_error(WS_ECORRUPT, "%s: size differs from MANIFEST", path);
            if (!rc && report) fprintf(report, "verify: %s: %llu signatures ok\n", path, (unsigned long long)info.rows);
        }
    }
    for (uint32_t t = 0; t < d->nterms && !rc; t++)
        if (cf[t] != d->cf[t] || df[t] != d->df[t])
            rc = ws_error(WS_ECORRUPT, "%s: term %u frequencies disagree with the segments", st->stats_name ? st->stats_name : st->dir, t);
    if (!rc && (story != st->nstories || tokens != st->ntokens))
        rc = ws_error(WS_ECORRUPT, "%s: story or token totals disagree with the segments", st->dir);
    /* The term index (its checksum is checked as it loads): rebuilt from the
     * segments, it must list the same blocks. */
    if (!rc) rc = ws_store_load_index(st);
    if (!rc && st->tidx) {
        ws_termidx x;
        rc = ws_termidx_build_as(&st->dict, st->segs, st->nsegs, st->tidx, &x);
        int eq = rc ? 0 : ws_termidx_equal(&x, st->tidx);
        if (eq < 0) rc = eq;
        else if (!rc && !eq)
            rc = ws_error(WS_ECORRUPT, "%s/%s: the term index disagrees with the segments", st->dir, st->index_name);
        ws_termidx_free(&x);
        if (!rc && report) fprintf(report, "verify: %s/%s: term index ok\n", st->dir, st->index_name);
    }
    ws_block_free(&b);
    ws_free(cf);
    ws_free(df);
    ws_free(seen);
    return rc;
}
