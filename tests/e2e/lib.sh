# Shared helpers for the end-to-end tests; sourced by every tests/e2e/*.sh.
#
# Environment (set by ctest, or by hand):
#   WS_BIN       the wirescan executable (required)
#   WS_SRC       the repository root (default: two levels above this file)
#   WS_BUILD     the build directory (informational)
#   WS_ASAN_BIN  optional sanitizer build, used by the fault-injection tests
#
# Provides: $T (a fresh temp dir removed on exit), $CORPORA, fail, skip,
# note, ws (runs $WS_BIN), expect_status, store_files, same_store.

set -u
set -o pipefail
# (so `cmd | grep -q` is racy: grep may exit before cmd has written all and
# cmd dies of SIGPIPE; let grep read everything: `| grep PATTERN >/dev/null`)

E2E_NAME=$(basename "${0%.sh}")
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${WS_SRC:=$(cd "$E2E_DIR/../.." && pwd)}"
CORPORA="$WS_SRC/../shared/corpora"

fail() {
    echo "FAIL [$E2E_NAME]: $*" >&2
    exit 1
}

skip() {
    echo "SKIP [$E2E_NAME]: $*" >&2
    exit 77
}

note() {
    echo "[$E2E_NAME] $*"
}

[ -n "${WS_BIN:-}" ] || fail "WS_BIN is not set (path to the wirescan binary)"
[ -x "$WS_BIN" ] || fail "WS_BIN=$WS_BIN is not an executable"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"

T=$(mktemp -d "${TMPDIR:-/tmp}/ws-e2e-$E2E_NAME.XXXXXX") || fail "mktemp failed"
e2e_cleanup() {
    # Kill any background job this test left behind, then remove the temp dir.
    local pids
    pids=$(jobs -p 2>/dev/null)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    wait 2>/dev/null
    rm -rf "$T"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

# ws ARGS...: run the binary under test.
ws() {
    "$WS_BIN" "$@"
}

# expect_status WANT DESCRIPTION -- CMD...: run CMD, fail unless it exits WANT.
# Leaves the command's stdout in $T/last.out and stderr in $T/last.err.
expect_status() {
    local want=$1 what=$2
    shift 3
    local rc=0
    "$@" >"$T/last.out" 2>"$T/last.err" || rc=$?
    if [ "$rc" != "$want" ]; then
        echo "--- stdout:" >&2; head -c 2000 "$T/last.out" >&2
        echo "--- stderr:" >&2; head -c 2000 "$T/last.err" >&2
        fail "$what: exit status $rc, expected $want (command: $*)"
    fi
}

# info_value STORE KEY: the value of 'KEY: value' in `wirescan info STORE`.
info_value() {
    local out
    out=$(ws info "$1") || fail "info $1 failed"
    printf '%s\n' "$out" | sed -n "s/^$2: //p" | head -n 1
}

# store_files STORE: the store's files except LOCK, sorted, one per line.
store_files() {
    (cd "$1" && ls -1 | grep -v '^LOCK$' | LC_ALL=C sort)
}

# same_store A B WHAT: fail unless stores A and B hold the same file names
# (LOCK aside) with byte-identical contents.
same_store() {
    local a=$1 b=$2 what=$3 f
    [ "$(store_files "$a")" = "$(store_files "$b")" ] ||
        fail "$what: file lists differ: [$(store_files "$a" | tr '\n' ' ')] vs [$(store_files "$b" | tr '\n' ' ')]"
    for f in $(store_files "$a"); do
        cmp -s "$a/$f" "$b/$f" || fail "$what: $f differs ($a vs $b)"
    done
}

# store_bytes STORE: total size of the store's files.
store_bytes() {
    local total=0 f s
    for f in "$1"/*; do
        s=$(stat -c %s "$f") || fail "stat $f"
        total=$((total + s))
    done
    echo "$total"
}

# reuters_need: set REUTERS to Reuters-21578 in the shared corpora, or skip
# the test when it is absent (../shared/corpora is not distributed).
reuters_need() {
    REUTERS="$CORPORA/reuters21578"
    [ -d "$REUTERS" ] || skip "corpus folder $REUTERS is absent (../shared/corpora is not distributed with the repo)"
    compgen -G "$REUTERS/reut2-*.xml" >/dev/null || compgen -G "$REUTERS/reut2-*.sgm" >/dev/null ||
        skip "no reut2-*.xml or reut2-*.sgm files in $REUTERS"
}

# reuters_jsonl OUT: Reuters-21578 as JSONL in OUT (tests/tools/reuters2jsonl.py),
# after reuters_need.
reuters_jsonl() {
    reuters_need
    python3 "$WS_SRC/tests/tools/reuters2jsonl.py" "$REUTERS" >"$1" 2>"$T/conv.err" ||
        { cat "$T/conv.err" >&2; fail "reuters2jsonl.py failed"; }
}

# mpi_need: skip unless mpirun is installed and the binary was built with
# MPI; then set Open MPI up for tests and define mpi N ARGS... (mpirun
# --oversubscribe -n N ARGS...).
mpi_need() {
    command -v mpirun >/dev/null 2>&1 || skip "mpirun is not installed (apt-get install openmpi-bin)"
    # (linked, or loaded by dlopen under a launcher: then its symbol names are in the binary)
    { ldd "$WS_BIN" 2>/dev/null | grep libmpi >/dev/null || grep -aq MPI_Init_thread "$WS_BIN"; } ||
        skip "$WS_BIN was built without MPI"
    # CI runs as root; Open MPI refuses that unless told (tests only).
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    # No network probing beyond this machine: shared memory and loopback only.
    export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_plm_rsh_agent=false
}
# Under AddressSanitizer (setup.sh test runs the e2e tests with the ASan
# build too) Open MPI's own allocations still held at MPI_Finalize are
# reported as leaks (none has a wirescan frame): leak checking is off for
# the ranks, every other check stays on.
mpi() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" mpirun --oversubscribe -n "$@"; }

# query_answers STORE OUT THREADS QUERIES: each line of the file QUERIES is
# run as `ws LINE STORE -j N` for every N of the comma-separated THREADS;
# fails unless all thread counts print the same; writes "== LINE" and the
# output of each line to OUT. Lines are shell words (eval).
query_answers() {
    local s=$1 out=$2 q j first
    local -a th
    IFS=, read -r -a th <<<"$3"
    : >"$out"
    while IFS= read -r q; do
        first=
        for j in "${th[@]}"; do
            eval "ws $q \"\$s\" -j $j" >"$T/qa$j" 2>/dev/null || fail "$q on $s failed"
            if [ -z "$first" ]; then first=$j; else cmp -s "$T/qa$first" "$T/qa$j" || fail "$q: output differs across thread counts"; fi
        done
        { echo "== $q"; cat "$T/qa$first"; } >>"$out"
    done <"$4"
}

# verify_flips STORE FILE MASK OFFSET...: for each offset, xor that byte of
# FILE (one of STORE's files) with MASK, expect `verify STORE` to exit 5
# naming FILE, and restore it. Sets FLIPS to the number of offsets tried.
verify_flips() {
    local s=$1 f=$2 mask=$3 off name
    shift 3
    name=$(basename "$f")
    cp "$f" "$T/flip.orig"
    FLIPS=0
    for off in "$@"; do
        python3 -c 'import sys
p, off, mask = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 0)
b = bytearray(open(p, "rb").read())
b[off] ^= mask
open(p, "wb").write(b)' "$f" "$off" "$mask"
        expect_status 5 "verify with byte $off of $name flipped" -- ws verify "$s"
        grep -F "$name" "$T/last.err" >/dev/null || fail "byte $off: message names no $name: $(cat "$T/last.err")"
        cp "$T/flip.orig" "$f"
        FLIPS=$((FLIPS + 1))
    done
}
