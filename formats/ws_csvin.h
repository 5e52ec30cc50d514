/*
 * CSV input (RFC 4180): one story a record, with a header row naming the
 * columns. The reader streams the file through a fixed 64 KiB window, so its
 * memory is bounded by the longest accepted record (--max-record), whatever
 * the size of the file or of one line in it.
 *
 * Syntax: fields separated by the delimiter (',' by default, TAB for .tsv
 * files); a field that starts with '"' is quoted and may hold delimiters,
 * CR, LF and doubled quotes; blanks between a closing quote and the next
 * delimiter are allowed; a '"' inside an unquoted field is an ordinary
 * character (5'10" ... as most readers do). Records end with LF, CRLF or a
 * lone CR; a UTF-8 BOM at the start of the file is dropped; empty lines are
 * skipped.
 *
 * Bad records (each reported with the line where the record starts, then
 * skipped; reading goes on):
 *   - a character other than a delimiter or line end after a closing quote:
 *     the reader resynchronises at the next line;
 *   - a quoted field still open at the end of the file: the reader goes back
 *     to the line after the record's first line (regular files), so the
 *     records an unpaired quote swallowed are read again;
 *   - a record with more or fewer fields than the header (ragged row);
 *   - a record longer than --max-record bytes (WS_ETOOBIG): its bytes are
 *     scanned but not kept.
 *
 * Columns: --field id/date/title/body/source=NAME (defaults: id, date, title,
 * body else text else content, source); names match exactly, else ignoring
 * ASCII case. Title, body and source are kept exactly as written (the id is
 * trimmed). --tag NAME keeps a column as a tag: its cell holds values
 * separated by '|' ("\|" and "\\" for a literal '|' and '\', as export
 * writes them), each trimmed, empty ones dropped. A dateline of the strict
 * shape opening the body (ws_dateline.h) gives "place" and "agency" tags
 * (unless a --tag column of that name already has a value) and, for
 * stories without a date, the date; with datelines_off there are no such
 * columns. Text that is not valid UTF-8 is read record by record as
 * Windows-1252 (noted once per file), unless --encoding says otherwise.
 */
#ifndef WS_CSVIN_H
#define WS_CSVIN_H

#include "ws_srcrec.h"

typedef struct ws_csvin ws_csvin;

/* Open path ("-" = standard input) and read its header row; registers the
 * tag columns in c (then the caller calls ws_srcctx_tags_done). An empty
 * file is not an error: it yields no records (and a note). */
int ws_csvin_open(const char *path, const ws_source_opts *o, ws_srcctx *c, ws_csvin **out);
/* Next record into c->rec: 1, 0 at the end, WS_EFORMAT/WS_ETOOBIG for a bad
 * record (call again to go on), or a fatal WS_E* code. */
int ws_csvin_next(ws_csvin *r, ws_srcctx *c, ws_source_pos *pos);
void ws_csvin_close(ws_csvin *r);

#endif
