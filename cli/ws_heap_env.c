/*
 * The wirescan executable's heap settings (glibc), made once at start-up.
 *
 * Why: a scan's large buffers (per-thread block workspaces, the kernels'
 * count arrays, the ranking at the end) are each touched once or a few
 * times, so their cost was the kernel's: a page fault and a cleared page
 * per 4 KiB, mapped fresh for each large allocation and unmapped at its
 * free (glibc serves blocks over its mmap threshold with mmap). On `tf` of
 * Reuters-21578 x10 that was about 5,400 page faults and 10% of the CPU
 * time (perf). Here blocks up to 32 MiB come from the heap from the start
 * (glibc's own dynamic threshold rises to that after the first such free),
 * freed memory stays there for the next allocation, and the heap's first
 * 64 MiB are advised for transparent huge pages: one fault per 2 MiB where
 * the kernel has them (THP in "madvise" mode). Untouched heap costs
 * nothing. Measured: 5,440 -> 1,830 page faults and 8% less CPU for that
 * tf (perf stat task-clock, median of 15 alternating runs, BENCHMARKS.md
 * "Session 6"); GLIBC_TUNABLES=glibc.malloc.hugetlb=1
 * does much the same from outside (and a user's glibc.malloc tunables turn
 * this off). The cost: peak RSS a few MB higher (huge pages are resident
 * whole; freed blocks stay): tf 27 -> 29 MB, `cooc --window 5 --mem 64M`
 * 50 -> 57 MB on Reuters x10. The library (libwirescan, the Python
 * package) leaves its host's heap alone.
 *
 * A command given a memory budget (--mem, which every command takes) keeps
 * glibc's defaults: a whole huge page resident for a few touched bytes, or
 * freed blocks kept, put `cooc --window 5 --mem 24M -j 2` 2 MB over its
 * budget in about one run of three (e2e cooc_mem). So does `run` when a
 * job file on its command line mentions --mem.
 */
#include "ws_cli.h"

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1 when the regular file at path (a job file; stores are folders) holds
 * "--mem" in its first MiB. */
static int file_mentions_mem(const char *path)
{
    struct stat st;
    if (stat(path, &st) || !S_ISREG(st.st_mode)) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    static char buf[(1 << 20) + 1];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(buf + i, "--mem", 5) == 0) return 1;
    return 0;
}

/* 1 when the command line asks for a memory budget, or runs a job file
 * whose lines may. */
static int budgeted(int argc, char **argv)
{
    int run = argc > 1 && strcmp(argv[1], "run") == 0;
    for (int i = 1; i < argc; i++) {
        if (run && argv[i][0] != '-' && file_mentions_mem(argv[i])) return 1;
        if (strcmp(argv[i], "--") == 0) break;
        if (strncmp(argv[i], "--mem", 5) == 0 && (argv[i][5] == 0 || argv[i][5] == '=')) return 1;
    }
    return 0;
}

void ws_cli_heap_setup(int argc, char **argv)
{
    enum { PAD = 64 << 20, HUGE = 2 << 20 };
    if (budgeted(argc, argv)) return;
    /* a user's own glibc.malloc tunables stand (as OMP_WAIT_POLICY does) */
    const char *tun = getenv("GLIBC_TUNABLES");
    if (tun && strstr(tun, "glibc.malloc.")) return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, PAD);
    /* grow the heap by PAD now and advise all of it (later growth is not;
     * threads' own arenas are not either). libc's malloc, not ws_malloc:
     * this shapes glibc's own heap. Only when the block came from the
     * brk heap just below the break (not under a sanitizer's allocator). */
    void *p = malloc(HUGE);
    uintptr_t lo = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1), hi = (uintptr_t)sbrk(0) & ~(uintptr_t)(HUGE - 1);
    if (p && hi > lo && hi - lo <= (uintptr_t)PAD + 2 * HUGE) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    free(p);
}
#else
void ws_cli_heap_setup(int argc, char **argv)
{
    (void)argc;
    (void)argv;
}
#endif
