#!/usr/bin/env bash
# wirescan setup: installs the Debian 12 packages it needs (as root, or via
# sudo), builds, and then either runs the main job on a generated sample or
# runs the whole test suite.
#
#   ./setup.sh          install, build, run the sample job (generate -> ingest -> report)
#   ./setup.sh test     install, build (normal and ASan+UBSan), run every test
#   ./setup.sh build    install and build only
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-run}"

PKGS=(build-essential cmake pkg-config python3 zstd fiu-utils
      libzstd-dev libxxhash-dev libutf8proc-dev libjansson-dev libcriterion-dev libstemmer-dev libcairo2-dev time)

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

run_tests() {
    build build-asan -DWS_SANITIZE=ON
    echo "== tests (release build; e2e store sweeps use the ASan binary)"
    WS_ASAN_BIN="$PWD/build-asan/wirescan" ctest --test-dir build --output-on-failure -j"$(jobs)"
    echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
    ctest --test-dir build-asan --output-on-failure -R '^test_' -j"$(jobs)"
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
