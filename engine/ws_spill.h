/*
 * External sorted runs: the part of a memory budget that does not fit in
 * memory goes to disk as sorted runs of fixed-size records, and is read
 * back by a k-way merge. Used by cooc (all-pairs counting and its output
 * sort); nothing in it knows about co-occurrence.
 *
 * A ws_spill is one private temporary folder (mkdtemp under --tmp, $TMPDIR
 * or /tmp) holding run files named run-XXXXXXXX (hex run number). Runs are
 * written whole by ws_spill_write (any thread) and consumed by
 * ws_spill_merge, which opens at most `fanin` runs at a time: when there
 * are more, groups of fanin runs are merged into new runs first (several
 * levels if need be), so the number of open files stays bounded whatever
 * the data size. Merged-away runs are deleted as soon as they are read.
 *
 * Cleanup holds on every exit path: ws_spill_close removes every file and
 * the folder; while a spill is open, SIGINT, SIGTERM, SIGHUP and SIGPIPE
 * remove them too (the handler uses only unlink/rmdir, which are
 * async-signal-safe, then re-raises the signal with the default action).
 * One spill may be open at a time in a process (the handler knows one
 * folder).
 *
 * Records are compared with a caller's function; equal records (cmp == 0)
 * are folded with `combine` when it is given (e.g. summing counts), so a
 * merge of partial counts yields each key once. Records are at most 512
 * bytes. Run files hold the records delta- and varint-coded in frames (see
 * ws_spill.c), words in native byte order: they live only as long as the
 * process.
 */
#ifndef WS_SPILL_H
#define WS_SPILL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ws_spill ws_spill;

typedef int (*ws_spill_cmp)(const void *a, const void *b);
/* Fold `from` into `into` (both compare equal). */
typedef void (*ws_spill_combine)(void *into, const void *from);
/* Receive one merged record; non-zero stops the merge and is returned. */
typedef int (*ws_spill_emit)(void *arg, const void *rec);

/* Create the temporary folder under parent (NULL: $TMPDIR, else /tmp).
 * When *cancel becomes nonzero, writes and merges stop with WS_ECANCELED.
 * WS_EIO naming the folder on failure. */
int ws_spill_open(const char *parent, const int *cancel, ws_spill **out);
/* Remove every run file and the folder. NULL-safe. */
void ws_spill_close(ws_spill *sp);
const char *ws_spill_dir(const ws_spill *sp);

/* Write n records of rsize bytes (already sorted by the caller) as a new
 * run; *run receives its number. Thread-safe. WS_EIO naming the file
 * (disk full...). */
int ws_spill_write(ws_spill *sp, const void *recs, size_t n, size_t rsize, uint32_t *run);

/* Merge the runs (each sorted by cmp) into one ordered stream handed to
 * emit; equal records are folded with combine (NULL: all are emitted, in
 * run order). cmp NULL: records (rsize >= 8) begin with a uint64 key in
 * native byte order and sort by it as an unsigned integer (the fast path:
 * keys are compared inline, not through a call). At most fanin runs are open at a time (fanin >= 2); mem
 * bytes are shared by the read buffers of one merge level (at least 4 KiB
 * per run is used). The runs are deleted. Not thread-safe with respect to
 * other calls on the same runs. */
int ws_spill_merge(ws_spill *sp, const uint32_t *runs, size_t nruns, size_t rsize, ws_spill_cmp cmp,
                   ws_spill_combine combine, size_t fanin, size_t mem, ws_spill_emit emit, void *arg);

/* Statistics: runs written (intermediate merge runs included), bytes
 * written, the deepest merge level (0: no intermediate level). */
typedef struct ws_spill_stats {
    uint64_t runs, bytes;
    uint32_t levels;
} ws_spill_stats;
ws_spill_stats ws_spill_get_stats(const ws_spill *sp);

#endif
