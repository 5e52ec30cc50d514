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

#ifdef __cplusplus
extern "C" {
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
    X(WS_EINTERNAL,-11,12, "internal error")

enum ws_error {
#define WS__ENUM(name, val, exitc, msg) name = (val),
    WS_ERROR_TABLE(WS__ENUM)
#undef WS__ENUM
};

/* Static description of an error code; never NULL. */
const char *ws_strerror(int err);
/* Symbolic name of an error code ("WS_ECORRUPT"); never NULL. */
const char *ws_errname(int err);
/* CLI exit status for an error code (0 for WS_OK, 1..127 otherwise). */
int ws_exit_status(int err);

/* Detail of the last error set on this thread ("" when none). Borrowed:
 * valid until the next wirescan call on this thread. */
const char *ws_last_error(void);

/* Allocator hook. All wirescan allocations go through these, so tests can
 * make the Nth allocation fail. Passing NULL restores the libc allocator. */
typedef struct ws_allocator {
    void *(*malloc_fn)(void *ctx, size_t n);
    void *(*realloc_fn)(void *ctx, void *p, size_t n);
    void (*free_fn)(void *ctx, void *p);
    void *ctx;
} ws_allocator;
void ws_set_allocator(const ws_allocator *a);

const char *ws_version(void);

#ifdef __cplusplus
}
#endif
#endif /* WIRESCAN_H */
