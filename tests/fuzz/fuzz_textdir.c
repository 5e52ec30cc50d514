/*
 * Fuzz target: bytes as one text-folder story file (mail and Usenet
 * headers, agency and title-first layouts, UTF-16 BOMs, encodings,
 * datelines), read through the text source, and the decoded-text layout
 * parser ws_text_parse on the raw bytes. The first byte picks the options
 * (see fuzz_common.h); the rest is the file.
 */
#include "fuzz_common.h"
#include "ws_textdir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    ws_source_opts o;
    ws_fuzz_opts(data[0], &o);
    if (data[0] & 128) o.tag_from_dir = "desk";
    /* The layout parser takes any bytes: check its views stay inside them. */
    ws_text_story st;
    ws_text_parse((const char *)data + 1, size - 1, &st);
    volatile unsigned sum = 0;
    const ws_str v[3] = {st.title, st.body, st.section};
    for (int i = 0; i < 3; i++)
        for (size_t k = 0; k < v[i].n; k++) sum += (unsigned char)v[i].p[k];
    for (size_t h = 0; h < st.nheaders && h < WS_TEXT_MAX_HEADERS; h++) {
        for (size_t k = 0; k < st.hname[h].n; k++) sum += (unsigned char)st.hname[h].p[k];
        for (size_t k = 0; k < st.hvalue[h].n; k++) sum += (unsigned char)st.hvalue[h].p[k];
    }
    (void)sum;
    const char *path = ws_fuzz_write("story-19870226.txt", data + 1, size - 1);
    if (path) ws_fuzz_drain(path, WS_FMT_TEXT, &o);
    return 0;
}
