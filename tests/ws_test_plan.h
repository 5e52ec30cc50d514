/*
 * A test plan's parallel_for for the kernels that run partitions on the
 * plan's threads (cooc all pairs, ngrams): OpenMP on `threads` threads, as
 * the engine's, or the items in reverse order on one thread (so nothing can
 * depend on which partition comes first). Shared by test_cooc.c and
 * test_ngrams.c.
 */
#ifndef WS_TEST_PLAN_H
#define WS_TEST_PLAN_H

#include <omp.h>
#include <stddef.h>

typedef struct tplan {
    int reverse;
    int threads;
} tplan;

static int test_pfor(void *ctx, size_t n, int (*fn)(void *arg, size_t i, int thread), void *arg)
{
    const tplan *t = ctx;
    int bad = 0;
    if (t->reverse) {
        for (size_t j = n; j-- > 0 && !bad;) bad = fn(arg, j, (int)(j % (size_t)t->threads));
        return bad;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(t->threads)
    for (size_t i = 0; i < n; i++) {
        int r = fn(arg, i, omp_get_thread_num());
        if (r) {
#pragma omp critical(test_pfor)
            bad = r;
        }
    }
    return bad;
}

#endif
