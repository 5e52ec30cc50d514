/*
 * Fuzz target: date parsing. The bytes go through ws_date_parse; when they
 * hold a NUL byte, the part before it is also used as a --date-format for
 * ws_date_parse_fmt on the part after it. A parsed date must be inside the
 * years the parser accepts (0001-9999 plus a day of zone offset).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws_date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 0001-01-01 minus a day .. 10000-01-01 plus a day, in Unix seconds. */
#define WS_FUZZ_MIN_T (-62135596800LL - 86400 * 2)
#define WS_FUZZ_MAX_T (253402300800LL + 86400 * 2)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int64_t t = 0;
    if (ws_date_parse(s, size, &t) == 0 && (t < WS_FUZZ_MIN_T || t > WS_FUZZ_MAX_T)) abort();
    const uint8_t *nul = memchr(data, 0, size);
    if (nul) {
        size_t flen = (size_t)(nul - data);
        char *fmt = malloc(flen + 1);
        if (!fmt) return 0;
        memcpy(fmt, data, flen);
        fmt[flen] = 0;
        if (ws_date_parse_fmt(s + flen + 1, size - flen - 1, fmt, &t) == 0 && (t < WS_FUZZ_MIN_T || t > WS_FUZZ_MAX_T))
            abort();
        free(fmt);
    }
    return 0;
}
