#!/usr/bin/env bash
# The Python package as installed: `cmake --install` into a fresh prefix puts
# it under PREFIX/lib/python3/dist-packages/wirescan (the Debian layout); with
# only that folder on PYTHONPATH (no WIRESCAN_LIB, run from elsewhere) it
# loads the libwirescan installed beside it, and store.tf(top=20) equals
# `wirescan tf STORE --top 20`. The prefix then moves, and still works.
source "$(dirname "$0")/lib.sh"

[ -n "${WS_BUILD:-}" ] || skip "WS_BUILD is not set (the build folder to install from)"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
"$PY" -c 'import pandas' 2>/dev/null || skip "$PY has no pandas (apt-get install python3-pandas)"

P="$T/prefix"
cmake --install "$WS_BUILD" --prefix "$P" >"$T/install.log" 2>&1 || fail "cmake --install failed: $(tail -5 "$T/install.log")"
pkg="$P/lib/python3/dist-packages/wirescan"
for f in __init__.py _lib.py _store.py _install.py; do
    [ -f "$pkg/$f" ] || fail "not installed: $pkg/$f"
done

ws generate --stories 300 --seed 5 -o "$T/g.jsonl" 2>/dev/null || fail "generate failed"
ws ingest -q -o "$T/s" "$T/g.jsonl" || fail "ingest failed"
ws tf "$T/s" --top 20 >"$T/want.csv" || fail "wirescan tf failed"

check() { # PREFIX: tf through the package installed there, and where it loaded the library from
    (cd "$T" && env -u WIRESCAN_LIB PYTHONPATH="$1/lib/python3/dist-packages" PYTHONDONTWRITEBYTECODE=1 "$PY" - "$T/s" "$T/got.csv" <<'PY'
import sys, wirescan
with wirescan.open(sys.argv[1], progress=False) as s:
    s.tf(top=20).to_csv(sys.argv[2], index=False, lineterminator="\n")
print(wirescan.__file__)
print(wirescan.library_path)
PY
    ) >"$T/where" 2>"$T/py.err" || fail "the installed package failed: $(cat "$T/py.err")"
    grep -q "^$1/lib/python3/dist-packages/wirescan/__init__.py$" "$T/where" || fail "imported from elsewhere: $(cat "$T/where")"
    lib=$(sed -n 2p "$T/where")
    case "$(readlink -f "$lib")" in
        "$(readlink -f "$1")"/lib*/libwirescan.so*) ;;
        *) fail "the package loaded $lib, not the library installed beside it in $1" ;;
    esac
    cmp -s "$T/want.csv" "$T/got.csv" || fail "store.tf(top=20) differs from wirescan tf --top 20: $(diff "$T/want.csv" "$T/got.csv" | head -5)"
}
check "$P"
mv "$P" "$T/moved"
check "$T/moved"
note "ok: installed under lib/python3/dist-packages, loads the library beside it, tf matches the CLI (also after a move)"
