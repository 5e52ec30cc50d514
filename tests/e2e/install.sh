#!/usr/bin/env bash
# The library as an installed product: `cmake --install` into a fresh
# prefix gives the shared and static library, the public header, a
# wirescan.pc that links both ways, the binary and man pages;
# examples/tf.c built with nothing but `cc examples/tf.c $(pkg-config
# --cflags --libs wirescan)` prints exactly what `wirescan tf STORE --top 20`
# prints, and so does the same program linked statically; the shared
# library exports the API and nothing of the internals.
source "$(dirname "$0")/lib.sh"

[ -n "${WS_BUILD:-}" ] || skip "WS_BUILD is not set (the build folder to install from)"
command -v cc >/dev/null || skip "no C compiler"
command -v pkg-config >/dev/null || skip "pkg-config is not installed"

P="$T/prefix"
cmake --install "$WS_BUILD" --prefix "$P" >"$T/install.log" 2>&1 || fail "cmake --install failed: $(tail -5 "$T/install.log")"
libdir=$(ls -d "$P"/lib*/ | head -1)
for f in "$P/include/wirescan.h" "$P/bin/wirescan" "$libdir/libwirescan.a" "$libdir/pkgconfig/wirescan.pc"; do
    [ -e "$f" ] || fail "not installed: $f"
done
ls "$libdir"/libwirescan.so* >/dev/null 2>&1 || fail "no shared library in $libdir"
for page in wirescan wirescan-tf wirescan-cooc wirescan-ingest; do
    m="$P/share/man/man1/$page.1"
    [ -s "$m" ] || fail "man page missing: $m"
    head -1 "$m" | grep -q '^\.TH' || fail "$m is not a man page"
done
grep -q -- '--min-df' "$P/share/man/man1/wirescan-tf.1" || fail "wirescan-tf(1) lacks the options from the descriptor"

# Only the API is exported.
if command -v nm >/dev/null; then
    nm -D --defined-only "$libdir"/libwirescan.so | awk '{print $3}' | grep '^ws_' >"$T/exports" || true
    grep -qx ws_request_create "$T/exports" || fail "ws_request_create is not exported"
    grep -qx ws_tokenize "$T/exports" && fail "an internal symbol (ws_tokenize) is exported"
    grep -qx ws_store_open "$T/exports" && fail "an internal symbol (ws_store_open) is exported"
fi

ws generate --stories 300 --seed 5 -o "$T/g.jsonl" 2>/dev/null || fail "generate failed"
ws ingest -q -o "$T/s" "$T/g.jsonl" || fail "ingest failed"
ws tf "$T/s" --top 20 >"$T/want.csv" || fail "wirescan tf failed"
[ "$(wc -l <"$T/want.csv")" = 21 ] || fail "wirescan tf --top 20 printed $(wc -l <"$T/want.csv") lines"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
# Dynamic: exactly the README's command.
cc "$WS_SRC/examples/tf.c" $(pkg-config --cflags --libs wirescan) -o "$T/tf_dyn" 2>"$T/cc.err" ||
    fail "cc examples/tf.c \$(pkg-config --cflags --libs wirescan) failed: $(cat "$T/cc.err")"
"$T/tf_dyn" "$T/s" >"$T/dyn.csv" || fail "examples/tf (shared) failed"
cmp -s "$T/want.csv" "$T/dyn.csv" || fail "examples/tf (shared) differs from wirescan tf --top 20: $(diff "$T/want.csv" "$T/dyn.csv" | head -5)"
# Static: the archive and Libs.private.
cc "$WS_SRC/examples/tf.c" $(pkg-config --cflags wirescan) "$libdir/libwirescan.a" \
    $(pkg-config --static --libs wirescan | sed 's/-lwirescan//') -o "$T/tf_static" 2>"$T/cc.err" ||
    fail "static link of examples/tf.c failed: $(cat "$T/cc.err")"
"$T/tf_static" "$T/s" >"$T/static.csv" || fail "examples/tf (static) failed"
cmp -s "$T/want.csv" "$T/static.csv" || fail "examples/tf (static) differs from wirescan tf --top 20"
# A bad store: a clean error and wirescan's exit status.
st=0
"$T/tf_dyn" "$T/nosuch" >/dev/null 2>"$T/err" || st=$?
[ "$st" = 8 ] || fail "examples/tf on a missing store exited $st, want 8: $(cat "$T/err")"
note "ok: installed, pkg-config links both ways, examples/tf matches wirescan tf --top 20"
