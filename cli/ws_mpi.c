/*
 * MPI for the command line (see ws_mpi.h): detection, the ws_dist
 * collectives (gather to rank 0, broadcast from it) and the job's end.
 */
#include "ws_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef WS_MPI
#include <dlfcn.h>
#include <limits.h>
#include <mpi.h>
#include <stdint.h>

/* libmpi is loaded with dlopen when the process was started by an MPI
 * launcher (ws_mpi_init), not linked: its 7 libraries cost every process
 * about 0.8 ms of CPU at start-up (relocations, constructors), most of
 * a short command's fixed cost, and a command not run by mpirun never
 * uses them. The calls below go through pointers of the types mpi.h
 * declares, looked up by dlsym; Open MPI's predefined handles
 * (MPI_COMM_WORLD, MPI_INT, ...) are addresses of its global objects,
 * looked up the same way (MPICH's are integer constants: kept). */
#define WS_MPI_FUNCS(X)                                                                                                \
    X(MPI_Init_thread) X(MPI_Comm_rank) X(MPI_Comm_size) X(MPI_Finalize) X(MPI_Abort) X(MPI_Gather) X(MPI_Gatherv)      \
    X(MPI_Bcast) X(MPI_Allreduce) X(MPI_Send) X(MPI_Probe) X(MPI_Get_count) X(MPI_Recv) X(MPI_Alltoall)               \
    X(MPI_Alltoallv)
#define WS_MPI_PTR(name) static __typeof__(name) *p_##name;
WS_MPI_FUNCS(WS_MPI_PTR)
#define MPI_Init_thread (*p_MPI_Init_thread)
#define MPI_Comm_rank (*p_MPI_Comm_rank)
#define MPI_Comm_size (*p_MPI_Comm_size)
#define MPI_Finalize (*p_MPI_Finalize)
#define MPI_Abort (*p_MPI_Abort)
#define MPI_Gather (*p_MPI_Gather)
#define MPI_Gatherv (*p_MPI_Gatherv)
#define MPI_Bcast (*p_MPI_Bcast)
#define MPI_Allreduce (*p_MPI_Allreduce)
#define MPI_Send (*p_MPI_Send)
#define MPI_Probe (*p_MPI_Probe)
#define MPI_Get_count (*p_MPI_Get_count)
#define MPI_Recv (*p_MPI_Recv)
#define MPI_Alltoall (*p_MPI_Alltoall)
#define MPI_Alltoallv (*p_MPI_Alltoallv)
#ifdef OPEN_MPI
static MPI_Comm g_comm_world;
static MPI_Datatype g_int, g_byte, g_ull;
static MPI_Op g_op_max;
#undef MPI_COMM_WORLD
#undef MPI_INT
#undef MPI_BYTE
#undef MPI_UNSIGNED_LONG_LONG
#undef MPI_MAX
#define MPI_COMM_WORLD g_comm_world
#define MPI_INT g_int
#define MPI_BYTE g_byte
#define MPI_UNSIGNED_LONG_LONG g_ull
#define MPI_MAX g_op_max
#endif

/* Load libmpi and look up what is used; 0, or -1 with why in buf. */
static int load_mpi(char *why, size_t cap)
{
    /* RTLD_GLOBAL: Open MPI's own plugins (dlopened by it) resolve their
     * symbols against libmpi's */
    void *h = dlopen(WS_MPI_SONAME, RTLD_NOW | RTLD_GLOBAL);
    if (!h) h = dlopen(WS_MPI_LIBDIR "/" WS_MPI_SONAME, RTLD_NOW | RTLD_GLOBAL);
    if (!h) {
        snprintf(why, cap, "%s", dlerror());
        return -1;
    }
    void *f;
#define WS_MPI_SYM(name)                                                                                               \
    if (!(f = dlsym(h, #name))) {                                                                                      \
        snprintf(why, cap, "%s: no symbol %s", WS_MPI_SONAME, #name);                                                \
        return -1;                                                                                                     \
    }                                                                                                                  \
    memcpy(&p_##name, &f, sizeof f); /* (an object pointer to a function pointer: through bytes, as POSIX allows) */
    WS_MPI_FUNCS(WS_MPI_SYM)
#ifdef OPEN_MPI
#define WS_MPI_OBJ(var, type, name)                                                                                    \
    if (!(f = dlsym(h, name))) {                                                                                       \
        snprintf(why, cap, "%s: no symbol %s", WS_MPI_SONAME, name);                                                 \
        return -1;                                                                                                     \
    }                                                                                                                  \
    var = (type)f;
    WS_MPI_OBJ(g_comm_world, MPI_Comm, "ompi_mpi_comm_world")
    WS_MPI_OBJ(g_int, MPI_Datatype, "ompi_mpi_int")
    WS_MPI_OBJ(g_byte, MPI_Datatype, "ompi_mpi_byte")
    WS_MPI_OBJ(g_ull, MPI_Datatype, "ompi_mpi_unsigned_long_long")
    WS_MPI_OBJ(g_op_max, MPI_Op, "ompi_mpi_op_max")
#endif
    return 0;
}

static int g_on, g_rank, g_size = 1, g_agreed;
static ws_dist g_dist;
static unsigned long long g_sent; /* bytes this rank sent through the collectives */
static unsigned long long g_rounds; /* all-to-all exchanges this rank took part in */
static unsigned long long g_recv; /* bytes this rank received from other ranks through them */

static int gather(void *ctx, const void *data, size_t len, int (*each)(void *, int, const void *, size_t), void *arg)
{
    (void)ctx;
    int n = (int)len, *lens = NULL, *offs = NULL, rc = 0;
    if (len > INT_MAX) { /* send nothing (rank 0 reports the empty message), but take part */
        rc = ws_set_error(WS_ETOOBIG, "rank %d: a kernel state of %zu bytes exceeds one MPI message (2 GiB)", g_rank, len);
        n = 0;
    }
    char *all = NULL;
    if (g_rank == 0) {
        lens = calloc((size_t)g_size, sizeof *lens);
        offs = calloc((size_t)g_size, sizeof *offs);
        if (!lens || !offs) rc = WS_ENOMEM;
    }
    /* Every rank takes part in both collectives whatever happened, or the others would wait. */
    if (MPI_Gather(&n, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD) != MPI_SUCCESS) rc = WS_EIO;
    size_t total = 0;
    for (int r = 0; g_rank == 0 && lens && offs && r < g_size; r++) {
        if (total > INT_MAX - (size_t)lens[r]) rc = WS_ETOOBIG;
        offs[r] = rc ? 0 : (int)total;
        total += (size_t)lens[r];
    }
    if (g_rank == 0 && !rc && !(all = malloc(total + 1))) rc = WS_ENOMEM;
    if (g_rank == 0 && rc) { /* receive nothing, but still take part */
        for (int r = 0; lens && offs && r < g_size; r++) lens[r] = offs[r] = 0;
    }
    if (MPI_Gatherv(data, n, MPI_BYTE, all, lens, offs, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS && !rc) rc = WS_EIO;
    g_sent += g_rank ? (unsigned long long)n + sizeof n : 0;
    for (int r = 1; g_rank == 0 && !rc && r < g_size; r++) g_recv += (unsigned long long)lens[r];
    for (int r = 0; g_rank == 0 && !rc && r < g_size; r++) rc = each(arg, r, all + offs[r], (size_t)lens[r]);
    if (rc && g_rank != 0) return rc;
    if (rc && g_rank == 0 && !ws_last_error()[0]) ws_set_error(rc, "gathering kernel states on rank 0 failed");
    free(all), free(lens), free(offs);
    return rc;
}

static int bcast_int(void *ctx, int *v)
{
    (void)ctx;
    int rc = MPI_Bcast(v, 1, MPI_INT, 0, MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : WS_EIO;
    if (!rc) g_agreed = 1;
    return rc;
}

/* Rank 0's bytes to every rank: the length, then the bytes in pieces of
 * at most 1 GiB (one MPI count is an int). */
static int bcast_bytes(void *ctx, const void *data, size_t len, int (*each)(void *, const void *, size_t), void *arg)
{
    (void)ctx;
    unsigned long long n = len;
    if (MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD) != MPI_SUCCESS) return WS_EIO;
    char *buf = g_rank == 0 ? (char *)(uintptr_t)data : malloc((size_t)n + 1);
    int rc = buf ? 0 : WS_ENOMEM;
    /* Every rank takes part whatever happened (a rank without memory
     * receives into a small buffer piece by piece and fails after). */
    char scratch[1 << 16];
    for (unsigned long long at = 0; at < n;) {
        size_t piece = n - at > (1u << 30) ? (1u << 30) : (size_t)(n - at);
        char *into = buf ? buf + at : scratch;
        if (!buf && piece > sizeof scratch) piece = sizeof scratch;
        if (MPI_Bcast(into, (int)piece, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS && !rc) rc = WS_EIO;
        at += piece;
    }
    if (g_rank == 0) {
        g_sent += n * (unsigned long long)(g_size - 1) + 8;
        g_agreed = 1;
        return rc;
    }
    g_agreed = 1;
    g_recv += n;
    if (!rc) rc = each(arg, buf, (size_t)n);
    else ws_set_error(rc, "rank %d: out of memory receiving %llu bytes from rank 0", g_rank, n);
    free(buf);
    return rc;
}

static int max_int(void *ctx, int *v)
{
    (void)ctx;
    int all = *v;
    if (MPI_Allreduce(v, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS) return WS_EIO;
    *v = all;
    g_agreed = 1;
    return 0;
}

/* Rows to rank 0 (ordered gather). Messages of one rank arrive in the
 * order they were sent (MPI's non-overtaking rule on one tag). */
#define TAG_ROWS 7
static int send_rows(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    if (len > INT_MAX) return ws_set_error(WS_ETOOBIG, "rank %d: a message of %zu bytes exceeds 2 GiB", g_rank, len);
    if (MPI_Send(data, (int)len, MPI_BYTE, 0, TAG_ROWS, MPI_COMM_WORLD) != MPI_SUCCESS)
        return ws_set_error(WS_EIO, "rank %d: sending rows to rank 0 failed", g_rank);
    g_sent += len;
    return 0;
}

static int recv_rows(void *ctx, int from, int (*each)(void *, const void *, size_t), void *arg)
{
    (void)ctx;
    MPI_Status st;
    int n = 0;
    if (MPI_Probe(from, TAG_ROWS, MPI_COMM_WORLD, &st) != MPI_SUCCESS || MPI_Get_count(&st, MPI_BYTE, &n) != MPI_SUCCESS)
        return ws_set_error(WS_EIO, "rank 0: receiving rows from rank %d failed", from);
    char *buf = malloc((size_t)n + 1);
    if (!buf) return ws_set_error(WS_ENOMEM, "rank 0: out of memory receiving %d bytes from rank %d", n, from);
    int rc = MPI_Recv(buf, n, MPI_BYTE, from, TAG_ROWS, MPI_COMM_WORLD, MPI_STATUS_IGNORE) == MPI_SUCCESS ? 0 : WS_EIO;
    if (rc) ws_set_error(rc, "rank 0: receiving rows from rank %d failed", from);
    else rc = each(arg, buf, (size_t)n), g_recv += (unsigned long long)n;
    free(buf);
    return rc;
}

/* Every rank's buffers to every rank: the lengths (MPI_Alltoall), then
 * the bytes (MPI_Alltoallv; one rank's bytes to another below 2 GiB, and
 * all it receives below 2 GiB: all-pairs cooc keeps each round far below
 * that, see ws_k_cooc_dist.c). One call is one round. */
static int alltoall(void *ctx, const void *const *data, const size_t *len,
                    int (*each)(void *, int, const void *, size_t), void *arg)
{
    (void)ctx;
    g_rounds++;
    int rc = 0, n = g_size;
    int *sc = calloc((size_t)n, sizeof *sc), *so = calloc((size_t)n, sizeof *so);
    int *rcnt = calloc((size_t)n, sizeof *rcnt), *ro = calloc((size_t)n, sizeof *ro);
    char *sbuf = NULL, *rbuf = NULL;
    size_t stot = 0, rtot = 0;
    if (!sc || !so || !rcnt || !ro) rc = WS_ENOMEM;
    for (int r = 0; r < n && !rc; r++) {
        if (len[r] > INT_MAX || stot + len[r] > INT_MAX) rc = ws_set_error(WS_ETOOBIG, "rank %d: more than 2 GiB to exchange", g_rank);
        else so[r] = (int)stot, sc[r] = (int)len[r], stot += len[r];
    }
    if (!rc && !(sbuf = malloc(stot + 1))) rc = WS_ENOMEM;
    for (int r = 0; r < n && !rc; r++) memcpy(sbuf + so[r], data[r], len[r]);
    if (rc) /* take part with nothing */
        for (int r = 0; sc && so && r < n; r++) sc[r] = so[r] = 0;
    int dummy = 0;
    if (MPI_Alltoall(sc ? sc : &dummy, 1, MPI_INT, rcnt ? rcnt : &dummy, 1, MPI_INT, MPI_COMM_WORLD) != MPI_SUCCESS && !rc)
        rc = WS_EIO;
    for (int r = 0; rcnt && ro && r < n; r++) {
        if (rtot + (size_t)rcnt[r] > INT_MAX && !rc) rc = ws_set_error(WS_ETOOBIG, "rank %d: more than 2 GiB to receive", g_rank);
        ro[r] = rc ? 0 : (int)rtot;
        rtot += rc ? 0 : (size_t)rcnt[r];
    }
    if (!rc && !(rbuf = malloc(rtot + 1))) rc = WS_ENOMEM;
    if (rc)
        for (int r = 0; rcnt && ro && r < n; r++) rcnt[r] = ro[r] = 0;
    if (MPI_Alltoallv(sbuf, sc, so, MPI_BYTE, rbuf, rcnt, ro, MPI_BYTE, MPI_COMM_WORLD) != MPI_SUCCESS && !rc) rc = WS_EIO;
    for (int r = 0; sc && r < n; r++)
        if (r != g_rank) g_sent += (unsigned long long)sc[r];
    for (int r = 0; !rc && r < n; r++)
        if (r != g_rank) g_recv += (unsigned long long)rcnt[r];
    for (int r = 0; !rc && r < n; r++) rc = each(arg, r, rbuf + ro[r], (size_t)rcnt[r]);
    if (rc && !ws_last_error()[0]) ws_set_error(rc, "rank %d: the exchange of pairs failed", g_rank);
    free(sc), free(so), free(rcnt), free(ro), free(sbuf), free(rbuf);
    return rc;
}

static int launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

void ws_mpi_init(int *argc, char ***argv)
{
    if (!launched()) return;
    char why[512];
    if (load_mpi(why, sizeof why)) {
        fprintf(stderr, "wirescan: warning: started by an MPI launcher, but MPI could not be loaded (%s): "
                        "every rank runs the whole job alone\n", why);
        return;
    }
    int provided = 0;
    /* The collectives run on the main thread; rows of ordered kernels are
     * sent from whichever OpenMP thread holds the ordered region, one at a
     * time: serialized. */
    if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) return;
    g_on = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    g_dist = (ws_dist){g_rank, g_size, gather, bcast_int, NULL, bcast_bytes, max_int,
                       provided >= MPI_THREAD_SERIALIZED ? send_rows : NULL, recv_rows, alltoall, 0};
    /* The bytes one rank sends another in one round of the states' tree
     * (a small value forces many rounds: tests, docs/scale-out.md). */
    const char *rb = getenv("WIRESCAN_MPI_ROUND");
    if (rb && *rb) {
        char *end;
        unsigned long long v = strtoull(rb, &end, 10);
        if (*end == 'K' || *end == 'k') v <<= 10, end++;
        else if (*end == 'M' || *end == 'm') v <<= 20, end++;
        if (*end || !v || v > (1ull << 30))
            fprintf(stderr, "wirescan: WIRESCAN_MPI_ROUND=%s is not a size from 1 to 1G bytes (ignored)\n", rb);
        else
            g_dist.round_bytes = (size_t)v;
    }
}

int ws_mpi_finish(int status)
{
    if (!g_on) return status;
    if (getenv("WIRESCAN_MPI_STATS")) {
        char rounds[48] = "";
        if (g_rounds) snprintf(rounds, sizeof rounds, " in %llu exchange rounds", g_rounds);
        fprintf(stderr, "wirescan: rank %d of %d: sent %llu bytes of kernel state%s\n", g_rank, g_size, g_sent, rounds);
        /* (a line of its own: scripts read the line above as it was) */
        fprintf(stderr, "wirescan: rank %d of %d: received %llu bytes of kernel state\n", g_rank, g_size, g_recv);
    }
    /* A usage error (2) comes from the same command line on every rank. */
    if (status && status != 2 && g_size > 1 && !g_agreed) {
        /* Only this rank may know: the others could be waiting for it. */
        fflush(NULL);
        MPI_Abort(MPI_COMM_WORLD, status);
    }
    MPI_Finalize();
    return status;
}

int ws_mpi_rank(void) { return g_rank; }
int ws_mpi_size(void) { return g_size; }
const ws_dist *ws_mpi_dist(void) { return g_on && g_size > 1 ? &g_dist : NULL; }
int ws_mpi_agreed(void) { return g_agreed || g_size <= 1; }

int ws_mpi_max_status(int status)
{
    if (!g_on || g_size <= 1) return status;
    int all = status;
    if (MPI_Allreduce(&status, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS) return status ? status : 1;
    g_agreed = 1;
    return all;
}

#else /* no MPI: one process */

void ws_mpi_init(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) {
            fprintf(stderr, "wirescan: warning: started by an MPI launcher, but this wirescan was built without MPI: "
                            "every rank runs the whole job alone\n");
            return;
        }
}
int ws_mpi_finish(int status) { return status; }
int ws_mpi_rank(void) { return 0; }
int ws_mpi_size(void) { return 1; }
const ws_dist *ws_mpi_dist(void) { return NULL; }
int ws_mpi_agreed(void) { return 1; }
int ws_mpi_max_status(int status) { return status; }

#endif
