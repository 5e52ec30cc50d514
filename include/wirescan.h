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
} ws_progress;
typedef void (*ws_progress_fn)(void *ctx, const ws_progress *p);

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
 * 0.0 (never a crash). */
typedef struct ws_result ws_result;

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
/* Write the rows of r to f as fmt; with header set, CSV starts with the
 * header row (for a streamed result: set it for the first batch only).
 * Errors: WS_EINVAL (NULL r or f, unknown format), WS_EIO (write failed). */
WS_API int ws_result_write(const ws_result *r, ws_result_format fmt, int header, FILE *f);
/* Free a result returned by ws_request_run; NULL-safe. Batches handed to
 * a callback belong to the library and are not freed by the caller. */
WS_API void ws_result_free(ws_result *r);

#ifdef __cplusplus
}
#endif
#endif /* WIRESCAN_H */
