/*
 * Shared by the reader tests: a temporary folder per test (removed after
 * it), and a list of allocations freed after each test. Include once, in a
 * test file, after <criterion/criterion.h>; define WS_TEST_TMP_NAME first.
 */
#ifndef WS_TEST_TMP_H
#define WS_TEST_TMP_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

static char tmpdir[256];

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb; (void)flag; (void)f;
    return remove(p);
}

static void setup_tmp(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ws-test-%s-XXXXXX", WS_TEST_TMP_NAME);
    cr_assert_not_null(mkdtemp(tmpdir));
}

/* Everything the helpers allocate is freed after each test. */
static void *allocs[16384];
static size_t nallocs;

static void *track(void *p)
{
    cr_assert_not_null(p);
    cr_assert_lt(nallocs, sizeof allocs / sizeof allocs[0]);
    allocs[nallocs++] = p;
    return p;
}

static void teardown_tmp(void)
{
    nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    while (nallocs) free(allocs[--nallocs]);
}

#endif
