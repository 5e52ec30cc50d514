/* Text helpers of the command line (see ws_cli_text.h). */
#include "ws_cli_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wirescan.h"

int cli_buf_reserve(cli_buf *b, size_t n)
{
    if (b->cap - b->n >= n) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->n < n) cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) return WS_ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

int cli_buf_append(cli_buf *b, const void *p, size_t n)
{
    if (cli_buf_reserve(b, n)) return WS_ENOMEM;
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

void cli_buf_free(cli_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* The length of the valid UTF-8 sequence at s[0..n), or 0 (RFC 3629:
 * no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t valid_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!len || n < len) return 0;
    unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
    else if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}

/* The bytes one U+FFFD replaces at a bad sequence: its maximal subpart
 * (Unicode's recommended practice: a lead byte and the continuation bytes
 * that could still have completed it), at least one byte. */
static size_t bad_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t want;
    if (c >= 0xC2 && c < 0xE0) want = 2;
    else if (c >= 0xE0 && c < 0xF0) want = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c < 0xF5) want = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else return 1;
    size_t i = 1;
    if (i < n && s[i] >= lo && s[i] <= hi) {
        i++;
        while (i < want && i < n && (s[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

int cli_utf8_clean(const char *s, size_t n, cli_buf *out)
{
    static const char FFFD[] = "\xEF\xBF\xBD";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < n) {
        size_t k = valid_seq(u + i, n - i);
        if (k) {
            i += k;
            continue;
        }
        if (cli_buf_append(out, u + run, i - run) || cli_buf_append(out, FFFD, 3)) return WS_ENOMEM;
        i += bad_len(u + i, n - i);
        run = i;
    }
    return cli_buf_append(out, u + run, n - run);
}

void cli_csv_field(FILE *f, const char *p, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++) quote = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
    if (!quote) {
        fwrite(p, 1, n, f);
        return;
    }
    putc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') putc('"', f);
        putc(p[i], f);
    }
    putc('"', f);
}

int cli_renamable(const char *path)
{
    struct stat sb;
    return path && strcmp(path, "-") && (lstat(path, &sb) != 0 || S_ISREG(sb.st_mode));
}

void cli_remove_partial(const char *path)
{
    struct stat sb;
    if (path && strcmp(path, "-") && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode)) unlink(path);
}
