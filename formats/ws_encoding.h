/*
 * Character encodings of input text. wirescan stores UTF-8; archives also
 * come as Windows-1252 (what most "Latin-1" files really are), ISO 8859-1
 * (Reuters-21578) and, from Windows exports, UTF-16 with a byte order mark.
 * The policy, used by every reader of ws_source: with no --encoding, text
 * that is valid UTF-8 is UTF-8 and anything else is read as Windows-1252
 * (the caller notes it on the log); a forced encoding is used as given, with
 * invalid UTF-8 replaced by U+FFFD and counted.
 */
#ifndef WS_ENCODING_H
#define WS_ENCODING_H

#include "ws_util.h"

typedef enum ws_encoding {
    WS_ENC_AUTO = 0, /* UTF-8 when valid, else Windows-1252 */
    WS_ENC_UTF8,     /* invalid sequences become U+FFFD (counted) */
    WS_ENC_LATIN1,   /* ISO 8859-1: byte = code point */
    WS_ENC_CP1252    /* Windows-1252 (WHATWG: 0x81 0x8D 0x8F 0x90 0x9D map to C1 controls) */
} ws_encoding;

/* Encoding named by --encoding: NULL, "" or "auto"; "utf-8"/"utf8";
 * "latin-1"/"latin1"/"iso-8859-1"/"iso8859-1"/"l1"; "windows-1252"/"cp1252"/
 * "win-1252" (ASCII case-insensitive). WS_EINVAL for anything else. */
int ws_encoding_from_name(const char *name, ws_encoding *out);
const char *ws_encoding_name(ws_encoding e);

/* WS_ENC_AUTO resolved for the bytes s[0..n): UTF-8 when they are valid
 * UTF-8, else Windows-1252. Other encodings are returned unchanged. */
ws_encoding ws_encoding_resolve(ws_encoding e, const char *s, size_t n);

/* Append s[0..n) converted to UTF-8 (e must not be WS_ENC_AUTO: resolve it
 * first). Returns the number of U+FFFD replacements (only UTF-8 input has
 * any) or WS_ENOMEM. */
long ws_encoding_to_utf8(ws_encoding e, const char *s, size_t n, ws_buf *out);

/* Append one code point as UTF-8 (surrogates and values above U+10FFFF
 * become U+FFFD). 0 or WS_ENOMEM. */
int ws_encoding_put_cp(ws_buf *out, uint32_t cp);

/* Byte order marks at the start of s[0..n): 3 for UTF-8, 2 for UTF-16 (then
 * *utf16 is 1 for little-endian, 2 for big-endian), else 0. */
size_t ws_encoding_bom(const char *s, size_t n, int *utf16);

/* Append UTF-16 text (no BOM; big_endian 0 or 1) as UTF-8; unpaired
 * surrogates and a trailing odd byte become U+FFFD. Returns the number of
 * replacements or WS_ENOMEM. */
long ws_encoding_utf16_to_utf8(const char *s, size_t n, int big_endian, ws_buf *out);

#endif
