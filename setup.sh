#!/usr/bin/env bash
# wirescan setup: installs the Debian 12 packages it needs (as root, or via
# sudo), builds, and then either runs the main job on a generated sample or
# runs the whole test suite.
#
#   ./setup.sh          install, build, run the sample job (generate -> ingest -> report)
#   ./setup.sh test     install, build (normal, ASan+UBSan, TSan), run every test
#   ./setup.sh build    install and build only
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-run}"

PKGS=(build-essential cmake pkg-config python3 zstd fiu-utils
      libzstd-dev libxxhash-dev libutf8proc-dev libjansson-dev libcriterion-dev libstemmer-dev libcairo2-dev libicu-dev time
      libpango1.0-dev fonts-noto-cjk fonts-tlwg-garuda-ttf   # chart text: Pango, and fonts with Han, kana and Thai (cli/ws_chart.c)
      libopenmpi-dev openmpi-bin   # MPI scale-out (docs/scale-out.md); optional at build time
      clang libclang-rt-14-dev libomp-14-dev   # clang, its sanitizer runtimes and LLVM's OpenMP: the ThreadSanitizer build
      python3-pandas python3-scipy python3-matplotlib python3-pytest   # the Python package (python/wirescan), its tests and docs
      python3-icu)   # PyICU: the independent reference for word segmentation (tests/e2e/segmentation.sh)

install_deps() {
    local missing=()
    for p in "${PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "setup: installing ${missing[*]}" >&2
    local SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

jobs() { nproc 2>/dev/null || echo 2; }

build() { # build DIR [cmake options...]
    local dir="$1"; shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j"$(jobs)" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^-- ' || true
    [ -x "$dir/wirescan" ] || { echo "setup: build in $dir failed" >&2; exit 1; }
}

run_sample() {
    local ws=build/wirescan out=out
    mkdir -p "$out"
    rm -rf "$out/sample.store"
    echo "== generate: 20000 synthetic stories with planted topics -> $out/truth.csv"
    $ws generate --stories 20000 --seed 1 --truth "$out/truth.csv" -o "$out/sample.jsonl"
    echo "== ingest"
    $ws ingest -o "$out/sample.store" --tag section "$out/sample.jsonl"
    echo "== info"
    $ws info "$out/sample.store"
    $ws verify "$out/sample.store"
    echo "== report: top terms (min length 3, no numbers) -> $out/tf.csv"
    $ws tf "$out/sample.store" --top 25 --min-length 3 --no-numbers -o "$out/tf.csv"
    cat "$out/tf.csv"
    # One topic a line, "name: term term ...", from the generator's truth
    # (columns topic,kind,terms,start,end,base_rate,peak_rate).
    awk -F, 'NR > 1 { print $1 ": " $3 }' "$out/truth.csv" >"$out/topics.txt"
    echo "== report: planted topics per month -> $out/trends.csv, $out/trends.svg, $out/trends.png"
    cat "$out/topics.txt"
    $ws trends "$out/sample.store" --topics "$out/topics.txt" --bucket month \
        -o "$out/trends.csv" --chart "$out/trends.svg" --chart "$out/trends.png"
    head -n 17 "$out/trends.csv"
    echo "... ($(($(wc -l <"$out/trends.csv") - 1)) rows: bucket,topic,docs,mentions,total,share)"
    echo "== charts: $PWD/$out/trends.svg and $PWD/$out/trends.png (share of stories per month, one line per topic)"
}

# e2e tests left out of the ASan+UBSan pass: bitflip_sweep already runs the
# ASan binary in the release pass (WS_ASAN_BIN); cooc_mem and cooc_reuters
# check --mem budgets, which ASan's own memory makes meaningless; kill_ingest,
# tf_reuters and ngrams_reuters take minutes each under ASan (the release
# pass runs them all); store_readers_race and store_faults race and inject
# faults for a minute of release-build time, and test the commit protocol,
# not memory safety; install builds programs against the installed library,
# which an ASan library cannot be loaded into (nor into python3: python_install).
ASAN_E2E_SKIP='^e2e_(bitflip_sweep|cooc_mem|cooc_reuters|kill_ingest|tf_reuters|ngrams_reuters|store_readers_race|store_faults|install|python_install)$'

# ThreadSanitizer over the parallel paths. clang with LLVM's libomp and its
# Archer tool (OMP_TOOL_LIBRARIES), which tells TSan about OpenMP's
# barriers and locks: GCC's libgomp is not instrumented and gives false
# reports. Criterion cannot run under TSan (its forked workers' shared
# arena), so the parallel paths run through e2e_threads_kernels (ingest and
# every kernel with 1, 2, 3 and 7 threads on a small store).
run_tsan() {
    local dir=build-tsan archer
    CC=clang cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS_TSAN=ON >/dev/null
    cmake --build "$dir" -j"$(jobs)" --target wirescan 2>&1 | grep -vE '^\[ *[0-9]+%\]|^-- ' || true
    [ -x "$dir/wirescan" ] || { echo "setup: build in $dir failed" >&2; exit 1; }
    archer="$(dirname "$(readlink -f "$(command -v clang)")")/../lib/libarcher.so"
    [ -f "$archer" ] || { echo "setup: $archer missing (libomp-14-dev)" >&2; exit 1; }
    echo "== parallel paths under ThreadSanitizer (clang, libomp + Archer)"
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1 \
    OMP_TOOL_LIBRARIES="$archer" \
        ctest --test-dir "$dir" --output-on-failure -R '^e2e_threads_kernels$'
}

run_tests() {
    build build-asan -DWS_SANITIZE=ON
    echo "== tests (release build; e2e store sweeps use the ASan binary)"
    WS_ASAN_BIN="$PWD/build-asan/wirescan" ctest --test-dir build --output-on-failure -j"$(jobs)"
    echo "== unit tests, fuzz corpora and e2e tests under AddressSanitizer + UndefinedBehaviorSanitizer"
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -R '^(test_|fuzz_replay_|e2e_)' -E "$ASAN_E2E_SKIP" -j"$(jobs)"
    run_tsan
}

# Benchmark peers (bench/run.sh): scikit-learn for the Python peer, Node.js
# and npm for DuckDB (@duckdb/node-api, which run.sh installs into bench/).
install_bench_deps() {
    local missing=()
    /usr/bin/python3 -c 'import sklearn' 2>/dev/null || missing+=(python3-sklearn)
    /usr/bin/python3 -c 'import gensim' 2>/dev/null || missing+=(python3-gensim) # bench/topics.sh
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "setup: installing ${missing[*]}" >&2
    local SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

run_bench() { # arguments after 'bench' go to bench/run.sh (e.g. --sizes 100k,1M)
    WS_BIN="$PWD/build/wirescan" bench/run.sh "${BENCH_ARGS[@]}"
}

BENCH_ARGS=("${@:2}")
install_deps
build build
case "$mode" in
    run) run_sample ;;
    test) run_tests ;;
    build) ;;
    bench) install_bench_deps; run_bench ;;
    *) echo "usage: ./setup.sh [run|test|build|bench]" >&2; exit 2 ;;
esac
