/*
 * Fuzz target: datelines. The bytes go through ws_dateline_parse (with and
 * without WS_DL_WHOLE), ws_dateline_find and ws_dateline_date, and, as a
 * NUL-terminated string, through ws_year_from_path. Results are checked
 * against the header's promises (NUL-terminated fields, a range inside the
 * input, a month and day in range).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws_date.h"
#include "ws_dateline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const ws_dateline *dl, size_t n)
{
    if (memchr(dl->place, 0, sizeof dl->place) == NULL) abort();
    if (memchr(dl->agency, 0, sizeof dl->agency) == NULL) abort();
    if (dl->start > dl->end || dl->end > n) abort();
    if (dl->month > 12 || dl->day > 31 || (dl->month == 0) != (dl->day == 0)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    ws_dateline dl;
    for (unsigned flags = 0; flags < 2; flags++) {
        memset(&dl, 0x5a, sizeof dl);
        if (ws_dateline_parse(s, size, flags, &dl)) {
            check(&dl, size);
            (void)ws_dateline_date(&dl, 0);
            (void)ws_dateline_date(&dl, 1987);
            (void)ws_dateline_date(&dl, 2000);
        }
    }
    memset(&dl, 0x5a, sizeof dl);
    if (ws_dateline_find(s, size, &dl)) {
        check(&dl, size);
        (void)ws_dateline_date(&dl, 2019);
    }
    char *z = malloc(size + 1);
    if (!z) return 0;
    memcpy(z, data, size);
    z[size] = 0;
    int y = ws_year_from_path(z);
    if (y != 0 && (y < 1900 || y > 2099)) abort();
    free(z);
    return 0;
}
