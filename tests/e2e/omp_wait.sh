#!/usr/bin/env bash
# The wirescan executable's OpenMP wait policy (cli/ws_omp_env.c): with
# neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT set, libgomp ends up passive
# (idle threads sleep at once: spin count 0); a user's OMP_WAIT_POLICY or
# GOMP_SPINCOUNT stands. What libgomp decided is read back from its own
# OMP_DISPLAY_ENV=verbose report. The executable's getenv must still be
# getenv for everything else: OMP_NUM_THREADS is seen by libgomp, and tf
# with its threads from OMP_NUM_THREADS writes what -j gives.
. "$(dirname "$0")/lib.sh"

gomp() { # gomp VAR...: libgomp's spin count and wait policy under env VAR...
    env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$@" OMP_DISPLAY_ENV=verbose "$WS_BIN" --version 2>&1 |
        grep -E "GOMP_SPINCOUNT|OMP_WAIT_POLICY|OMP_NUM_THREADS" | tr -d " '" | LC_ALL=C sort | tr '\n' ' '
}
got=$(gomp)
case "$got" in *"GOMP_SPINCOUNT=0 "*"OMP_WAIT_POLICY=PASSIVE"*) ;; *) fail "default: libgomp reports '$got', not passive with spin count 0" ;; esac
got=$(gomp OMP_WAIT_POLICY=active)
case "$got" in *"OMP_WAIT_POLICY=ACTIVE"*) ;; *) fail "OMP_WAIT_POLICY=active: libgomp reports '$got'" ;; esac
case "$got" in *"GOMP_SPINCOUNT=0 "*) fail "OMP_WAIT_POLICY=active: spin count still 0 ('$got')" ;; esac
got=$(gomp GOMP_SPINCOUNT=1234)
case "$got" in *"GOMP_SPINCOUNT=1234 "*) ;; *) fail "GOMP_SPINCOUNT=1234: libgomp reports '$got'" ;; esac
got=$(gomp OMP_NUM_THREADS=3)
case "$got" in *"OMP_NUM_THREADS=3 "*) ;; *) fail "OMP_NUM_THREADS=3 is not seen by libgomp: '$got'" ;; esac
note "libgomp: passive by default, the user's OMP_WAIT_POLICY and GOMP_SPINCOUNT stand"

# getenv for everything else: the same tf under OMP_NUM_THREADS=2 and -j 2.
ws generate --stories 300 --seed 5 -o "$T/c.jsonl" || fail "generate"
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" "$T/c.jsonl"
expect_status 0 "tf -j 2" -- ws tf "$T/s" --top 20 -j 2 -o "$T/a.csv"
expect_status 0 "tf OMP_NUM_THREADS=2" -- env OMP_NUM_THREADS=2 "$WS_BIN" tf "$T/s" --top 20 -o "$T/b.csv"
cmp -s "$T/a.csv" "$T/b.csv" || fail "tf differs between -j 2 and OMP_NUM_THREADS=2"
[ "$(wc -l <"$T/a.csv")" = 21 ] || fail "tf --top 20 wrote $(wc -l <"$T/a.csv") lines"
note "other variables read as before"
