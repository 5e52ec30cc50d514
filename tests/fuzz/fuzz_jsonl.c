/*
 * Fuzz target: one JSONL line through the record parser (with two tag keys
 * and the default field mapping). Built with libFuzzer under clang
 * (-DWS_FUZZ=ON), and replayed over corpus/jsonl by ctest with replay.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "ws_jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ws_jsonl_parser *p;
    if (!p) {
        static const char *const tags[] = {"topics", "places"};
        ws_jsonl_opts o = {0};
        o.tag_keys = tags;
        o.ntags = 2;
        p = ws_jsonl_parser_create(&o);
        if (!p) return 0;
    }
    ws_record rec;
    int rc = ws_jsonl_parse_line(p, (const char *)data, size, &rec);
    if (rc == 0) {
        /* Touch every returned byte so ASan sees any bad view. */
        volatile unsigned sum = 0;
        const ws_str f[4] = {rec.id, rec.title, rec.body, rec.source};
        for (int i = 0; i < 4; i++)
            for (size_t k = 0; k < f[i].n; k++) sum += (unsigned char)f[i].p[k];
        uint32_t total = 0;
        for (uint32_t t = 0; t < rec.ntags; t++) total += rec.tag_count[t];
        for (uint32_t k = 0; k < total; k++)
            for (size_t j = 0; j < rec.tag_vals[k].n; j++) sum += (unsigned char)rec.tag_vals[k].p[j];
        (void)sum;
    }
    return 0;
}
