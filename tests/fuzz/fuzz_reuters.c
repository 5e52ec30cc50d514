/*
 * Fuzz target: bytes as a Reuters-21578 file (SGML or XML edition) read
 * through the Reuters source: the tag scanner, entities and character
 * references, <D> lists, <DATE>, <DATELINE>, unclosed elements. The first
 * byte picks the options (see fuzz_common.h); the rest is the file.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    ws_source_opts o;
    ws_fuzz_opts(data[0], &o);
    const char *path = ws_fuzz_write((data[0] & 128) ? "reut2-000.xml" : "reut2-000.sgm", data + 1, size - 1);
    if (path) ws_fuzz_drain(path, WS_FMT_REUTERS, &o);
    return 0;
}
