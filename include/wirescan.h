/*
 * wirescan public API.
 *
 * wirescan ingests news archives into a compressed columnar store and scans it
 * with parallel kernels. This header is what an embedding program needs: the
 * error convention, the allocator hook, and the version. Every function that
 * can fail returns int: 0 on success, a negative WS_E* code on failure; a
 * human-readable detail (naming file, line, segment, block, column) is kept
 * per thread and read with ws_last_error().
 */
#ifndef WIRESCAN_H
#define WIRESCAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Symbols of the shared library are hidden unless marked WS_API. */
#if defined(__GNUC__) && defined(WS_BUILDING_LIBRARY)
#define WS_API __attribute__((visibility("default")))
#else
#define WS_API
#endif

#define WS_VERSION_MAJOR 0
#define WS_VERSION_MINOR 1
#define WS_VERSION_PATCH 0
#define WS_VERSION_STRING "0.1.0"

/* One table gives the enum, ws_strerror() and ws_errname(). The process
 * exit status of the CLI for an error is its exit column (all below 128). */
#define WS_ERROR_TABLE(X)                                              \
    X(WS_OK,        0,  0, "success")                                  \
    X(WS_EINVAL,   -1,  2, "invalid argument or usage")                \
    X(WS_ENOMEM,   -2,  3, "out of memory")                            \
    X(WS_EIO,      -3,  4, "input/output error")                       \
    X(WS_ECORRUPT, -4,  5, "store is corrupt")                         \
    X(WS_EFORMAT,  -5,  6, "malformed input record")                   \
    X(WS_ETOOBIG,  -6,  7, "record or value exceeds a limit")          \
    X(WS_ENOENT,   -7,  8, "no such file, store or item")              \
    X(WS_EVERSION, -8,  9, "unsupported store version")                \
    X(WS_EBUSY,    -9, 10, "store is locked by another writer")        \
    X(WS_EEXIST,  -10, 11, "already exists")                           \
    X(WS_EINTERNAL,-11,12, "internal error")                           \
    X(WS_ECANCELED,-12,13, "cancelled")

enum ws_error {
#define WS__ENUM(name, val, exitc, msg) name = (val),
    WS_ERROR_TABLE(WS__ENUM)
#undef WS__ENUM
};

/* Static description of an error code; never NULL. */
WS_API const char *ws_strerror(int err);
/* Symbolic name of an error code ("WS_ECORRUPT"); never NULL. */
WS_API const char *ws_errname(int err);
/* CLI exit status for an error code (0 for WS_OK, 1..127 otherwise). */
WS_API int ws_exit_status(int err);

/* Detail of the last error set on this thread ("" when none). Borrowed:
 * valid until the next wirescan call on this thread. */
WS_API const char *ws_last_error(void);
/* Set this thread's error detail (what ws_last_error returns), printf-style,
 * and return err: for a client's callbacks (a batch sink, a chart writer)
 * that fail and want to say why in the same place the library does. */
WS_API int ws_set_error(int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Allocator hook. All wirescan allocations go through these, so tests can
 * make the Nth allocation fail. Passing NULL restores the libc allocator. */
typedef struct ws_allocator {
    void *(*malloc_fn)(void *ctx, size_t n);
    void *(*realloc_fn)(void *ctx, void *p, size_t n);
    void (*free_fn)(void *ctx, void *p);
    void *ctx;
} ws_allocator;
WS_API void ws_set_allocator(const ws_allocator *a);

WS_API const char *ws_version(void);


/* The handles: open stores, a request (a kernel and its parameters), a
 * result table. All opaque; each has a NULL-safe free or close. */
typedef struct ws_corpus ws_corpus;
typedef struct ws_request ws_request;
typedef struct ws_result ws_result;

/* Progress of long work (a scan, an ingest), reported through a callback
 * the caller sets: about twice a second from one thread, and once more with
 * final set at the end when it was called before. The library itself never
 * prints. */
typedef struct ws_progress {
    const char *phase;   /* "scan", "ingest", ... */
    uint64_t done, total; /* units of work (blocks; bytes for ingest); total 0 when unknown */
    uint64_t items;      /* tokens scanned, stories ingested */
    double elapsed_s;
    int final;
    /* A measure of the work so far, reported every few steps of iterative
     * kernels: "loglik" (topics: log-likelihood per token after `done`
     * iterations); NULL when this call carries none. */
    const char *measure;
    double value;
} ws_progress;
typedef void (*ws_progress_fn)(void *ctx, const ws_progress *p);

/* ================================================================== */
/* Stores                                                              */
/* ================================================================== */

/* ws_corpus: one or several stores (shards) opened together and read as
 * one corpus. */

/* Open the stores at paths[0..n) as one corpus. Errors: WS_EINVAL (NULL
 * out or paths, n == 0), WS_ENOENT (not a store), WS_ECORRUPT (a checksum
 * or bound fails; the detail names the file), WS_EVERSION, WS_ENOMEM. On
 * error *out is NULL. */
WS_API int ws_corpus_open(ws_corpus **out, const char *const *paths, size_t n);
/* Close; NULL-safe. Requests made over the corpus must be freed first. */
WS_API void ws_corpus_close(ws_corpus *c);

typedef struct ws_corpus_info {
    uint64_t stories, undated, tokens, terms; /* terms: distinct, all dictionaries */
    uint64_t segments, blocks, bytes;         /* bytes: every file of the stores */
    int64_t first_date, last_date;            /* Unix seconds; INT64_MIN when no story is dated */
    uint32_t nstores;
} ws_corpus_info;

/* Totals over the corpus. WS_EINVAL for NULL arguments. */
WS_API int ws_corpus_info_get(const ws_corpus *c, ws_corpus_info *out);

/* The store format major version of the corpus's stores (docs/FORMAT.md):
 * 1 or 2, the highest when they differ. WS_EINVAL for NULL arguments. */
WS_API int ws_corpus_format_get(const ws_corpus *c, unsigned *format);

/* The term index (store format 1.2: per term, the blocks that hold it):
 * how many of the corpus's stores have one, and its bytes on disk in all
 * of them. WS_EINVAL for a NULL or closed corpus. */
WS_API int ws_corpus_index_get(const ws_corpus *c, uint32_t *stores, uint64_t *bytes);

/* How the corpus's text was split into words (store format 1.4), as text
 * for people: "icu (ICU 72)" (ICU's word break dictionaries), "chars" (one
 * token per Han or kana character, chosen with ingest --cjk chars) or
 * "chars (made before word segmentation)" (a store older than 1.4); stores
 * that differ are listed "; "-separated. WS_EINVAL for a NULL or closed
 * corpus or buffer. */
WS_API int ws_corpus_segmentation_get(const ws_corpus *c, char *buf, size_t cap);

/* Add the term index to the store at path if it has none, or rebuild a
 * version 1 index (store format 1.2: blocks only) with story postings
 * (1.5), as a commit under the writer lock (readers see the store before or
 * after, never in between). *added (may be NULL) is 1 when it was added, 2
 * when it was rebuilt, 0 when the store had a current one. Errors: WS_EBUSY
 * (another writer), those of opening the store, WS_EIO, WS_ENOMEM. A shard
 * set (docs/scale-out.md): every shard; *added is the OR over shards. */
WS_API int ws_store_add_index(const char *path, int *added);

/* The store format's major version this library writes for a new store
 * (docs/FORMAT.md); it reads 1.x stores too, and appends to them in 1.x
 * (ws_store_upgrade rewrites one as 2.0). */
#define WS_STORE_FORMAT 2

/* Rewrite the 1.x store at path as format 2.0 (every segment's token column
 * re-encoded, other chunks copied), as one commit under the writer lock:
 * readers see the old store until the new MANIFEST is in place, the new one
 * after; the old files are removed then. *upgraded (may be NULL) is 1 when
 * rewritten, 0 when the store was 2.0 already. Errors: WS_EBUSY (another
 * writer), those of opening the store, WS_ECORRUPT (a damaged chunk),
 * WS_EIO, WS_ENOMEM. A shard set: every shard. */
WS_API int ws_store_upgrade(const char *path, int *upgraded);

/* Where a corpus's bytes go, per stored column (id, date, source, title,
 * body, tokens, tokmeta, then the tag columns): summed by name over every
 * segment of every store, in the column order of the newest segment, then
 * columns only older segments have. raw: before compression. */
typedef struct ws_column_stats {
    const char *name; /* borrowed from the corpus */
    uint64_t raw_bytes, stored_bytes;
} ws_column_stats;
/* The i-th column (i from 0). WS_ENOENT past the last one; WS_EINVAL for
 * NULL arguments or a closed corpus. */
WS_API int ws_corpus_column(const ws_corpus *c, size_t i, ws_column_stats *out);

/* What identifies the state of store i of the corpus (0-based, in the
 * order opened): its path as given, its generation (one more with each
 * committed ingest) and the XXH3-64 checksum of its MANIFEST. A report
 * made from the corpus is stale once either changes. Errors: WS_EINVAL
 * (NULL or closed corpus, NULL out), WS_ENOENT (i past the last store). */
typedef struct ws_store_state {
    const char *path; /* borrowed: valid while the corpus is open */
    uint64_t generation;
    uint64_t manifest_checksum;
} ws_store_state;
WS_API int ws_corpus_store_state(const ws_corpus *c, size_t i, ws_store_state *out);

/* Check every checksum and structural bound of every store of the corpus,
 * decode every column and recount the term frequencies. Each problem is
 * described on report (may be NULL: none), naming file, segment, block and
 * column. 0 when sound; WS_ECORRUPT otherwise; WS_EINVAL for a NULL or
 * closed corpus. */
WS_API int ws_corpus_verify(const ws_corpus *c, FILE *report);

/* ---- ingest: files or records -> one new segment, committed atomically ---- */

typedef struct ws_ingester ws_ingester;

/* An ingest into the store folder at path: created when it does not exist,
 * appended to otherwise. Nothing is read or written before ws_ingester_run.
 * Errors: WS_EINVAL (NULL argument), WS_ENOMEM. */
WS_API int ws_ingester_create(ws_ingester **out, const char *path);
/* Free an ingester (NULL-safe); records added and not run are dropped. */
WS_API void ws_ingester_free(ws_ingester *g);
/* Set an option by the name `wirescan ingest` gives it (without "--"),
 * value as on the command line ("1" or NULL for flags): format
 * (jsonl|csv|text|reuters), threads, strict, wait, skip-existing, signatures, no-signatures, level
 * (1-19), block-tokens, max-record (a size), delimiter, tag (repeatable: a
 * JSONL key or CSV column kept as a tag), field (NAME=KEY, repeatable),
 * tag-from-dir, year, date-format, encoding, datelines (on|off); shard
 * ("I/N": keep only the stories of shard I of N) or shards ("I,J,.../N":
 * path is a shard set's folder, and one pass over the inputs writes its
 * shards I, J, ... as PATH/shard-NNN, each the store that shard's own
 * ingest would write). Errors: WS_EINVAL naming the option and the value
 * (ws_last_error). */
WS_API int ws_ingester_set(ws_ingester *g, const char *name, const char *value);
/* Add an input: a file, a folder (text and mail folders, Reuters files) or
 * "-" for standard input. Errors: WS_EINVAL, WS_ENOMEM. */
WS_API int ws_ingester_add_file(ws_ingester *g, const char *path);

/* One story given by the caller. NULL fields are absent (id: numbered;
 * date: undated). Tags are "name=value" strings; a name may repeat (a
 * story in several topics). */
typedef struct ws_story {
    const char *id, *date, *source, *title, *body;
    const char *const *tags;
    size_t ntags;
} ws_story;
/* Add a record. Records are read as JSON Lines (the strings are copied:
 * the caller may free them at once); the option format, if set, must be
 * jsonl. Errors: WS_EINVAL (a tag without '=', invalid UTF-8 is kept and
 * replaced as for files), WS_EIO (the spool file in $TMPDIR), WS_ENOMEM. */
WS_API int ws_ingester_add_record(ws_ingester *g, const ws_story *r);
/* Progress (phase "ingest": done/total in input bytes, items = stories)
 * and notes (bad records as FILE:LINE: reason, reader notes), one line
 * each without a newline. NULL fn: none. */
WS_API int ws_ingester_on_progress(ws_ingester *g, ws_progress_fn fn, void *ctx);
WS_API int ws_ingester_on_note(ws_ingester *g, void (*fn)(void *ctx, const char *line), void *ctx);

/* What an ingest did. */
typedef struct ws_ingest_summary {
    uint64_t stories;          /* stored */
    uint64_t bad;              /* bad records skipped */
    uint64_t undated, date_bad; /* stories without a usable date (date_bad: with an unreadable one) */
    uint64_t invalid_utf8;     /* invalid UTF-8 sequences replaced by U+FFFD */
    uint64_t tokens, new_terms, blocks;
    uint64_t bytes_in, seg_bytes; /* input read, segment written */
    uint64_t existing;         /* stories whose id the store already held */
    char existing_ids[200];    /* the first few of those ids, ", "-separated */
    uint64_t dateline_no_year; /* undated stories whose dateline had a day but no year */
} ws_ingest_summary;
/* Read every input and record, and commit them as one segment (all or
 * nothing). Errors: WS_EFORMAT (bad input under strict, or nothing kept),
 * WS_EBUSY (another writer; see the option wait), WS_EIO (disk full too),
 * WS_ENOENT (an input missing),
 * WS_ECORRUPT and WS_EVERSION (the store), WS_ENOMEM. An ingester runs
 * once. */
WS_API int ws_ingester_run(ws_ingester *g, ws_ingest_summary *out);

/* ================================================================== */
/* Requests: one kernel over a corpus                                  */
/* ================================================================== */

/* ws_request: a kernel, its parameters and the common ones (filters,
 * normalisation, threads, memory), over an open corpus. Create it, set
 * parameters, run it (several times if wanted). */

/* Create a request for kernel `kernel` ("tf", "cooc", ...) over c, every
 * parameter at its default. Errors: WS_EINVAL (NULL argument), WS_ENOENT
 * (unknown kernel; the detail lists the known ones), WS_ENOMEM. */
WS_API int ws_request_create(ws_request **out, ws_corpus *c, const char *kernel);
/* Free; NULL-safe. */
WS_API void ws_request_free(ws_request *q);

/* Set a parameter by name (the CLI option without "--": "top", "from",
 * "stopwords", "where" as "TAG=VALUE"). Text is parsed as on the command
 * line; a LIST parameter gets one more value per call. Errors (WS_EINVAL,
 * the detail names the parameter and what it expects): NULL or freed
 * request, unknown name, a value that does not parse or is out of range,
 * a typed setter on a parameter of another type. */
WS_API int ws_request_set(ws_request *q, const char *name, const char *value);
WS_API int ws_request_set_int(ws_request *q, const char *name, int64_t value);
WS_API int ws_request_set_double(ws_request *q, const char *name, double value);
WS_API int ws_request_set_flag(ws_request *q, const char *name, int on);

/* Progress of the run (see ws_progress); NULL fn: none. */
WS_API int ws_request_on_progress(ws_request *q, ws_progress_fn fn, void *ctx);
/* Notes for the user (a term that does not occur, the memory plan, what
 * was left out), one line each without a newline; NULL fn: dropped. A line
 * starting "note: " is about the answer itself ("note: no story matches
 * the filters": an empty answer that is not an error) and is worth
 * showing even where other notes are not. */
typedef void (*ws_note_fn)(void *ctx, const char *line);
WS_API int ws_request_on_note(ws_request *q, ws_note_fn fn, void *ctx);

/* Ask a running request to stop (from any thread, or a signal handler):
 * the run returns WS_ECANCELED soon after, having cleaned up. Cancelling
 * a request that is not running makes its next run stop at once; calling
 * it again is harmless. WS_EINVAL for NULL. */
WS_API int ws_request_cancel(ws_request *q);

/* Run the request and return the whole result in *out (free it with
 * ws_result_free). Errors: those of the parameters (WS_EINVAL: an
 * impossible date range, a tag the corpus lacks, ...), WS_ECORRUPT and
 * WS_EIO from the stores, WS_ENOMEM, WS_ECANCELED. */
WS_API int ws_request_run(ws_request *q, ws_result **out);

/* Run the request and hand its result to fn in batches of rows, in order
 * (at least one call, with zero rows when the result is empty); the batch
 * is valid during the call. A nonzero return from fn stops the run and is
 * returned. Large results (all pairs of cooc) stream this way in bounded
 * memory. */
typedef int (*ws_batch_fn)(void *ctx, const ws_result *batch);
WS_API int ws_request_stream(ws_request *q, ws_batch_fn fn, void *ctx);

/* Side tables. Some kernels make more than their main table (topics:
 * "summary", "doc-topics", "prevalence", "model"). Ask for each one wanted
 * by name before the run (WS_ENOENT, listing the names, for a table the
 * kernel does not make; asking twice is harmless); a run then builds only
 * those and hands each, whole, to fn after the main table has been
 * delivered, in the kernel's order. A nonzero return from fn stops there
 * and is returned by the run. Without ws_request_on_table side tables are
 * not built. The table is valid during the call. */
typedef int (*ws_table_fn)(void *ctx, const char *name, const ws_result *table);
WS_API int ws_request_want_table(ws_request *q, const char *name);
WS_API int ws_request_on_table(ws_request *q, ws_table_fn fn, void *ctx);

/* A run spread over several processes (MPI ranks; docs/scale-out.md). The
 * caller owns the transport; the library decides what travels. Every
 * process opens the same stores (every shard) and makes the same request;
 * process `rank` scans stores rank, rank + size, ... (store i to rank
 * i mod size); the kernel states meet on rank 0, merged in rank order,
 * and only rank 0's run yields rows (the others' runs end with none).
 * A failure anywhere fails the run in every process, and rank 0's error
 * names the rank and the store. */
typedef struct ws_dist {
    int rank, size;
    /* Collective. Every rank calls it with its bytes; on rank 0, each(arg,
     * r, data, len) is called for r = 0 .. size-1 in rank order (on the
     * other ranks never). Returns 0 or a negative WS_E* error. */
    int (*gather)(void *ctx, const void *data, size_t len,
                  int (*each)(void *arg, int rank, const void *data, size_t len), void *arg);
    /* Collective: rank 0's *v to every rank. Returns 0 or a negative error. */
    int (*bcast_int)(void *ctx, int *v);
    void *ctx;
    /* Optional (NULL: kernels that need them are refused across ranks).
     * bcast, collective: rank 0's bytes to every rank; each(arg, data, len)
     * is called on the other ranks (never on rank 0). max_int, collective:
     * every rank's *v becomes the largest over all ranks. send: this rank
     * (never 0) sends rank 0 one message; recv: rank 0 receives the next
     * message of rank `from` (in the order it was sent) and hands it to
     * each. Multi-pass kernels need bcast and max_int; ordered kernels
     * (rows in store order) need all four; send may be called from any one
     * thread at a time. */
    int (*bcast)(void *ctx, const void *data, size_t len, int (*each)(void *arg, const void *data, size_t len),
                 void *arg);
    int (*max_int)(void *ctx, int *v);
    int (*send)(void *ctx, const void *data, size_t len);
    int (*recv)(void *ctx, int from, int (*each)(void *arg, const void *data, size_t len), void *arg);
    /* Optional, collective: this rank sends data[r] (len[r] bytes) to each
     * rank r; each(arg, from, data, len) is called for what every rank
     * sent this one, in rank order (all-pairs cooc: a hash-partitioned
     * exchange). */
    int (*alltoall)(void *ctx, const void *const *data, const size_t *len,
                    int (*each)(void *arg, int from, const void *data, size_t len), void *arg);
    /* Optional: the most bytes a rank sends another in one alltoall round
     * of a tree reduction of kernel states (0: 256 MiB). */
    size_t round_bytes;
} ws_dist;
/* Spread q's runs as d says (copied; d->ctx must outlive the runs); NULL
 * or size 1: one process, as without. Kernels that cannot merge across
 * processes, or that need a collective d lacks, are refused when size > 1
 * (WS_EINVAL). */
WS_API int ws_request_set_dist(ws_request *q, const ws_dist *d);
/* The side tables kernel `kernel` can make, i from 0; NULL past the end. */
WS_API const char *ws_kernel_table(const char *kernel, size_t i);

/* Rows the last run produced. */
WS_API uint64_t ws_request_rows(const ws_request *q);

/* The value of parameter `name` as the run uses it, the default when it
 * was not set, as text that ws_request_set accepts back: a flag "true" or
 * "false", numbers in decimal (sizes in bytes), a date as an ISO 8601 UTC
 * time (a period resolved: --to 2019 is 2019-12-31T23:59:59Z), a list's
 * value i (i from 0; other types take i = 0 only). Into buf (cap bytes,
 * NUL-terminated; truncated when too small). Returns 1 when written, 0
 * when there is no value i (an unset parameter without default, the end
 * of a list), WS_EINVAL for an unknown name or NULL arguments. *given
 * (may be NULL) gets 1 when the caller set the parameter. */
WS_API int ws_request_get(const ws_request *q, const char *name, size_t i, char *buf, size_t cap, int *given);

/* ================================================================== */
/* Jobs: several requests, one scan                                    */
/* ================================================================== */

/* ws_job: requests run together. Those that can share a scan (one pass,
 * rows not in store order: tf, keyness, cooc, ngrams, trends) and read
 * the same corpus are served by one pass over its stores: each block is
 * read and its token ids decoded once, and every request selects its rows
 * with its own filters and normalisation (a remap of the decoded
 * dictionary ids) and counts them with its own kernel state. The others
 * (topics, kwic, dtm: several passes or rows in store order) and
 * requests over other corpora run after the shared scans, one after
 * another, as ws_request_stream would run them. Each request's result is
 * exactly what ws_request_stream gives, for any thread count. */
typedef struct ws_job ws_job;

/* Create an empty job. Errors: WS_EINVAL (NULL out), WS_ENOMEM. */
WS_API int ws_job_create(ws_job **out);
/* Free (NULL-safe). The requests added stay the caller's. */
WS_API void ws_job_free(ws_job *j);
/* Add request q: its result goes to fn(ctx) in batches as with
 * ws_request_stream; its notes, side tables (ws_request_on_table) and
 * parameters are its own. The request must outlive the job's run and
 * not be run elsewhere meanwhile; adding one twice is WS_EEXIST. Errors:
 * WS_EINVAL (NULL argument, a job that has run), WS_ENOMEM. */
WS_API int ws_job_add(ws_job *j, ws_request *q, ws_batch_fn fn, void *ctx);
/* Threads of the shared scans and of every request (0, the default: each
 * request's own `threads`, the largest of them for a shared scan). */
WS_API int ws_job_set_threads(ws_job *j, int threads);
/* Progress of the whole job: the reports of the shared scans and of the
 * requests that run alone (the requests' own progress callbacks are not
 * called); ws_job_step says which step a report is about. */
WS_API int ws_job_on_progress(ws_job *j, ws_progress_fn fn, void *ctx);
/* The step the job is at, from 1 (a scan shared by several requests, or
 * a request run alone; 0 before the run), and how many steps it has
 * (known once prepared). Safe to call from the progress callback. */
WS_API int ws_job_step(const ws_job *j, uint32_t *step, uint32_t *steps);
/* Prepare every request (filters, normalisation, stop-word and topics
 * files, tags and groupings: everything checked before a scan) without
 * reading a block. The first request that fails stops it: its error is
 * returned and *failed (may be NULL) gets its index (in the order added);
 * nothing has run then. ws_job_run prepares first when this was not
 * called. */
WS_API int ws_job_prepare(ws_job *j, size_t *failed);
/* Run the job (once). Returns 0 when every request succeeded; otherwise
 * the error of the first request (in the order added) that failed, with
 * *failed set to its index. A request that fails at run time stops alone:
 * the others run on and deliver their results (ws_job_status says which
 * failed). WS_ECANCELED after ws_job_cancel. */
WS_API int ws_job_run(ws_job *j, size_t *failed);
/* Ask a running job to stop (any thread, or a signal handler). */
WS_API int ws_job_cancel(ws_job *j);
/* Request i's outcome after ws_job_run: 0, or its error; *detail (may be
 * NULL) gets its message ("" when none; valid while the job lives).
 * Requests that never ran (preparing another failed, or cancelled) have
 * WS_ECANCELED. *shared (may be NULL) gets 1 when it was served by a
 * shared scan. WS_ENOENT past the end. */
WS_API int ws_job_status(const ws_job *j, size_t i, const char **detail, int *shared);
/* Blocks of the shared scan on which request i's kernel work (beyond the
 * decode) was shared with other requests of the job (ws_kernel
 * consume_group: e.g. several `cooc --term` requests counting each story's
 * distinct terms once), into *blocks: 0 when it was not. WS_ENOENT past
 * the end. */
WS_API int ws_job_grouped(const ws_job *j, size_t i, uint64_t *blocks);

/* ================================================================== */
/* Kernels and their parameters                                        */
/* ================================================================== */

/* Parameter types. A value is always settable as text (as on the command
 * line: "20", "2019-05", "512M", "oil"); typed setters exist for int,
 * double and flag. */
typedef enum ws_param_type {
    WS_PARAM_FLAG = 1, /* on when given ("1"/"true"/"yes"; "0"/"false"/"no" turns it off) */
    WS_PARAM_INT,      /* a whole number in [min, max] */
    WS_PARAM_DOUBLE,   /* a finite number in [min, max] */
    WS_PARAM_TEXT,     /* any UTF-8 text; the last value set wins */
    WS_PARAM_LIST,     /* text, repeatable: every value set is kept, in order */
    WS_PARAM_CHOICE,   /* one of the words in choices ("a|b|c") */
    WS_PARAM_DATE,     /* YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD or ISO 8601; see flags */
    WS_PARAM_SIZE      /* bytes: 4096, 64K, 512M, 4G */
} ws_param_type;

#define WS_PARAM_END_OF_PERIOD 1u /* date: a period means its last second (--to), else its first */
#define WS_PARAM_HIDDEN 2u        /* left out of help texts (test hooks) */

/* The description of one parameter, for help texts and other clients
 * (the CLI derives its options from these: --NAME). */
typedef struct ws_param_info {
    const char *name;     /* "top", "min-df", "from" */
    ws_param_type type;
    const char *def;      /* the default as text; NULL: unset */
    const char *metavar;  /* "N", "DATE", ...: for help */
    const char *help;     /* one or more lines of help */
    const char *choices;  /* WS_PARAM_CHOICE: "count|pmi|npmi" */
    int64_t min, max;     /* WS_PARAM_INT (and DOUBLE when max > min) */
    unsigned flags;       /* WS_PARAM_END_OF_PERIOD */
    const char *section;  /* "filters", "normalisation", "run", NULL: the kernel's own */
} ws_param_info;

/* The kernels, in a fixed order: i from 0 while ws_kernel_name(i) is not
 * NULL. */
WS_API const char *ws_kernel_name(size_t i);
/* Describe the kernel called name: a one-line summary, the help text
 * (what it computes, its columns), its own parameters (*params, *nparams).
 * Every kernel also takes the common parameters (ws_common_params).
 * WS_ENOENT for an unknown name. Everything returned is static. */
WS_API int ws_kernel_describe(const char *name, const char **summary, const char **help, const ws_param_info **params,
                              size_t *nparams);
/* Every parameter kernel `name` takes, i from 0: its own first, then the
 * grouping and subcorpus filters where it has them, then the common ones.
 * WS_ENOENT past the end or for an unknown kernel. */
WS_API int ws_kernel_param(const char *name, size_t i, const ws_param_info **out);
/* Check that value would be accepted for parameter name of kernel `kernel`
 * (as ws_request_set does), without a corpus: 0, or WS_EINVAL with the
 * message ws_request_set would give. */
WS_API int ws_param_check(const char *kernel, const char *name, const char *value);
/* The parameters every kernel takes: filters, normalisation, threads and
 * memory. Static. */
WS_API const ws_param_info *ws_common_params(size_t *n);

/* ================================================================== */
/* Results: typed tables                                               */
/* ================================================================== */

/* Column types of a result. Dates are Unix seconds (UTC), read with
 * ws_result_int64 and rendered as ISO 8601. */
typedef enum ws_type { WS_TYPE_TEXT = 1, WS_TYPE_INT64, WS_TYPE_DOUBLE, WS_TYPE_DATE } ws_type;

/* Renderings of a result: RFC 4180 CSV with a header row, or JSON Lines
 * (one object per row, the column names as keys, numbers as JSON numbers,
 * NULL cells as null). */
typedef enum ws_result_format { WS_FORMAT_CSV = 1, WS_FORMAT_JSONL } ws_result_format;

/* A result table, or one batch of a streamed result: named, typed columns
 * and rows. Rows are numbered from 0 within the table (or batch). Borrowed
 * pointers (names, text) are valid as long as the result (the batch: until
 * the batch callback returns). Accessors take a row and column in range
 * and the column's type; out of range or a wrong type gives 0, NULL or
 * 0.0 (never a crash). (ws_result is declared at the top.) */

/* Number of columns. */
WS_API size_t ws_result_ncols(const ws_result *r);
/* Name of column col ("term", "tf", ...); NULL when out of range. */
WS_API const char *ws_result_name(const ws_result *r, size_t col);
/* Type of column col; 0 when out of range. */
WS_API ws_type ws_result_type(const ws_result *r, size_t col);
/* Number of rows (of this batch, for a streamed result). */
WS_API size_t ws_result_nrows(const ws_result *r);
/* 1 when the cell is NULL (empty in CSV, e.g. the share of a bucket with
 * no stories), 0 when it holds a value; -1 out of range. */
WS_API int ws_result_is_null(const ws_result *r, size_t row, size_t col);
/* The value of an int64 or date cell. */
WS_API int64_t ws_result_int64(const ws_result *r, size_t row, size_t col);
/* The value of a double cell. */
WS_API double ws_result_double(const ws_result *r, size_t row, size_t col);
/* The bytes of a text cell, NUL-terminated UTF-8; *len (when not NULL)
 * gets their length. */
WS_API const char *ws_result_text(const ws_result *r, size_t row, size_t col, size_t *len);
/* Whole columns in one call, for clients that build columnar frames (the
 * Python package) instead of reading cell by cell: cells [row0, row0 + n)
 * of column col. values gets n int64_t for an int64 or date column, n
 * doubles for a double column, and for a text column n uint64_t: the end
 * of each cell's bytes in their concatenation (cell i is [ends[i-1],
 * ends[i]), with ends[-1] = 0), which ws_result_text_bytes copies. nulls
 * (may be NULL) gets 1 per NULL cell, 0 otherwise; a NULL cell's value is
 * 0 (text: empty). Errors: WS_EINVAL (NULL r or values, col or rows out of
 * range). */
WS_API int ws_result_column(const ws_result *r, size_t col, size_t row0, size_t n, void *values, uint8_t *nulls);
/* The bytes of the text cells [row0, row0 + n) of text column col, one
 * after another without separators, into buf of cap bytes (at least the
 * last end ws_result_column gives; NUL bytes inside cells are kept).
 * Errors: WS_EINVAL (not a text column, out of range, cap too small). */
WS_API int ws_result_text_bytes(const ws_result *r, size_t col, size_t row0, size_t n, char *buf, size_t cap);
/* Write the rows of r to f as fmt; with header set, CSV starts with the
 * header row (for a streamed result: set it for the first batch only).
 * Errors: WS_EINVAL (NULL r or f, unknown format), WS_EIO (write failed). */
WS_API int ws_result_write(const ws_result *r, ws_result_format fmt, int header, FILE *f);
/* Free a result returned by ws_request_run; NULL-safe. Batches handed to
 * a callback belong to the library and are not freed by the caller. */
WS_API void ws_result_free(ws_result *r);
/* A date cell (Unix seconds, UTC) as the CSV and JSON Lines writers print
 * it (ISO 8601, e.g. 2019-05-10T09:30:00Z) into buf (at least 32 bytes);
 * returns its length. */
WS_API size_t ws_date_format(int64_t t, char *buf);

#ifdef __cplusplus
}
#endif
#endif /* WIRESCAN_H */
