/*
 * The wirescan executable's OpenMP wait policy: passive unless the user
 * chose one.
 *
 * Why: libgomp's default (OMP_WAIT_POLICY unset) has an idle thread spin
 * about 300,000 rounds before it sleeps: at the end of every parallel
 * region, in every `omp ordered` wait and at every barrier. wirescan's
 * commands are short (a tf of Reuters-21578 x10 takes about 0.2 CPU
 * seconds) and alternate parallel scans with serial work (opening the
 * store, merging, ranking, writing), so that spinning was a large part of
 * their CPU time: with 2 threads, tf 246 -> 201 ms and kwic 486 -> 332 ms
 * of CPU once threads sleep at once (perf stat -r 5 on Reuters x10, the
 * same binary with and without OMP_WAIT_POLICY=passive). The scans hand
 * out blocks of milliseconds of work, so a futex wake-up (microseconds)
 * costs nothing measurable in their wall time.
 *
 * How: libgomp reads its environment once, in its own constructor, before
 * main() runs, so a setenv() in main() is too late; and a .preinit_array
 * function cannot add a variable either (libc's own start-up sets environ
 * back to the kernel's array, before libgomp's constructor). What libgomp
 * does (GCC 12, Debian 12) is call getenv("OMP_WAIT_POLICY"); this
 * executable defines getenv, which the dynamic linker binds every library's
 * getenv to (the executable comes first in symbol lookup). It is glibc's
 * lookup (the first NAME=value of environ), except that an unset
 * OMP_WAIT_POLICY reads as "passive" when GOMP_SPINCOUNT is unset too. A
 * user's OMP_WAIT_POLICY or GOMP_SPINCOUNT stands; child processes see the
 * real environment. The library (libwirescan, the Python package) leaves
 * the policy to its host program. tests/e2e/omp_wait.sh checks the policy
 * libgomp ends up with (OMP_DISPLAY_ENV).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static char *env_lookup(const char *name)
{
    size_t n = strlen(name);
    if (!n || strchr(name, '=')) return NULL;
    for (char **e = environ; e && *e; e++)
        if (!strncmp(*e, name, n) && (*e)[n] == '=') return *e + n + 1;
    return NULL;
}

char *getenv(const char *name)
{
    char *v = env_lookup(name);
    if (v || strcmp(name, "OMP_WAIT_POLICY")) return v;
    static char passive[] = "passive";
    return env_lookup("GOMP_SPINCOUNT") ? NULL : passive;
}
