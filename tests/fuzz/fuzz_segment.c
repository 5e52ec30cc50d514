/*
 * Fuzz target: bytes as a segment file, opened and every block decoded
 * (checksums, zstd frames, column bounds). Corrupt input must come back as
 * an error, never a crash, an out-of-bounds read or an allocation beyond
 * what the footer allows. Checksums stop most blind mutations early; the
 * seeds in corpus/segment are valid segments, so libFuzzer's mutations of
 * them exercise the header, trailer and footer checks in front of every
 * checksum.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ws_block.h"
#include "ws_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/ws_fuzz_segment_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    ws_segment *s;
    if (ws_segment_open(path, &s) == 0) {
        /* A dictionary of the size the segment claims (bounded), every term "w". */
        ws_dict d;
        memset(&d, 0, sizeof d);
        uint32_t n = s->dict_terms < (1u << 16) ? s->dict_terms : (1u << 16);
        d.nterms = n;
        d.off = calloc((size_t)n + 1, sizeof *d.off);
        d.text = malloc((size_t)n + 1);
        if (d.off && d.text) {
            for (uint32_t i = 0; i < n; i++) {
                d.text[i] = 'w';
                d.off[i + 1] = i + 1;
            }
            ws_block b;
            memset(&b, 0, sizeof b);
            for (uint32_t k = 0; k < s->nblocks; k++) ws_block_load(&b, &d, s, k, WS_COLS_ALL);
            ws_block_free(&b);
        }
        free(d.off);
        free(d.text);
        ws_segment_close(s);
    }
    unlink(path);
    return 0;
}
