/*
 * Fuzz target: bytes as a CSV file read through the CSV source (header
 * row, quoting, ragged rows, BOM, encodings, datelines in the body, dates).
 * The first byte picks the options (see fuzz_common.h); the rest is the file.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    ws_source_opts o;
    ws_fuzz_opts(data[0], &o);
    static const char *const tags[] = {"topics", "place"};
    o.tag_keys = tags;
    o.ntags = 2;
    const char *path = ws_fuzz_write("in.csv", data + 1, size - 1);
    if (path) ws_fuzz_drain(path, WS_FMT_CSV, &o);
    return 0;
}
