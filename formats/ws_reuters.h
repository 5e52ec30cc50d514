/*
 * Reuters-21578: the original SGML distribution (reut2-NNN.sgm) and its XML
 * edition (reut2-NNN.xml), read by one tag scanner (neither is well-formed
 * XML: Latin-1 bytes under an XML declaration, control-character references
 * such as &#3;). Every <REUTERS> element is a story:
 *   id      the NEWID attribute (a story without one is kept, with a note)
 *   date    <DATE> ("26-FEB-1987 15:01:01.79"; trailing desk codes such as
 *           "RM" are ignored; a garbled time keeps the day)
 *   title   <TITLE> (trimmed), body <BODY> (as is); for <TEXT TYPE="UNPROC">
 *           stories, which have neither, the body is the text of <TEXT>;
 *           BRIEF stories have a title and no body
 *   tags    "topics", "places", "people", "orgs", "exchanges": the <D> values
 *           of those elements, in order; "place" and "agency" from
 *           <DATELINE> (or a dateline opening the body)
 * Text: bytes are UTF-8 when the story is valid UTF-8, else Windows-1252
 * (which agrees with Latin-1 on every printable character; noted once per
 * file), or as --encoding says; character references (&#3; &#x1F;) and the
 * entities lt gt amp quot apos are decoded, other entities kept as written;
 * markup inside an element is dropped.
 * Bad stories (reported with the line of their <REUTERS>, then skipped): an
 * element opened and not closed, a <REUTERS> not closed before the next one
 * or the end of the file, a story longer than --max-record (WS_ETOOBIG; the
 * reader keeps at most that much of it in memory).
 * A folder input means its *.xml files, or its *.sgm files when it has no
 * .xml ones, in bytewise name order. A file without any <REUTERS> element
 * is noted; when no input file has one (a binary read with --format
 * reuters), the end is a fatal WS_ENOENT "no <REUTERS> record found".
 */
#ifndef WS_REUTERS_H
#define WS_REUTERS_H

#include "ws_srcrec.h"

typedef struct ws_reuters ws_reuters;

int ws_reuters_open(const char *path, const ws_source_opts *o, ws_srcctx *c, ws_reuters **out);
/* Next story into c->rec: 1, 0 at the end, WS_EFORMAT/WS_ETOOBIG for a bad
 * story (call again to go on), or a fatal WS_E* code. */
int ws_reuters_next(ws_reuters *r, ws_srcctx *c, ws_source_pos *pos);
void ws_reuters_close(ws_reuters *r);

/* Parse one story s[0..n), from "<REUTERS" through "</REUTERS>", into
 * c->rec (tag columns as registered by ws_reuters_open). 0, WS_EFORMAT or
 * WS_ENOMEM. *used_enc: the encoding its bytes were read in. */
int ws_reuters_story(ws_srcctx *c, const char *s, size_t n, ws_encoding *used_enc);

#endif
