# Shared parts of the benchmark scripts (sourced, not run). The script sets
# BENCH_NAME (its name in messages) before sourcing, and ROOT, BENCH.
#
#   die MSG / usage / is_posint N
#   bench_need_duckdb           node >= 20 and @duckdb/node-api in bench/
#   bench_need_wirescan         WS_BIN executable (made absolute), python3
#   bench_workdir KEEP          WORK=a fresh folder, removed on exit unless KEEP=1
#   bench_reuters OUT COPIES    Reuters-21578 (WS_CORPORA or ../shared/corpora)
#                               as JSONL, replicated COPIES times
#   now / elapsed T0 T1 / median X... / div A B [FMT] / align (a|b|c rows)
#   timed CMD...                seconds of CMD, its output in $WORK/last.log

die() { echo "$BENCH_NAME: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
is_posint() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

bench_need_duckdb() {
  command -v node >/dev/null || die "node not found (DuckDB runs under Node.js 20+; apt-get install nodejs npm)"
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  ((major >= 20)) || die "node $(node --version) is too old; @duckdb/node-api wants Node.js 20 or later"
  if [[ ! -d $BENCH/node_modules/@duckdb/node-api ]]; then
    command -v npm >/dev/null || die "npm not found; cannot install @duckdb/node-api into bench/"
    echo "$BENCH_NAME: installing @duckdb/node-api into bench/node_modules" >&2
    (cd "$BENCH" && npm install --no-audit --no-fund --loglevel=error >&2) || die "npm install in $BENCH failed"
  fi
}

bench_need_wirescan() {
  [[ -x $WS_BIN && ! -d $WS_BIN ]] ||
    die "wirescan binary '$WS_BIN' not found or not executable: build it (cmake -B build && cmake --build build) or set WS_BIN"
  WS_BIN=$(cd "$(dirname "$WS_BIN")" && pwd)/$(basename "$WS_BIN")
  command -v python3 >/dev/null || die "python3 not found"
}

bench_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$BENCH_NAME.XXXXXX")
  if (($1)); then echo "$BENCH_NAME: work folder $WORK (kept)" >&2; else trap 'rm -rf "$WORK"' EXIT; fi
}

bench_reuters() {
  local out=$1 copies=$2 corpora=${WS_CORPORA:-$ROOT/../shared/corpora}
  [[ -d $corpora ]] || corpora=/work/shared/corpora
  [[ -d $corpora/reuters21578 ]] || die "no Reuters-21578 in $corpora (set WS_CORPORA, or give --jsonl FILE)"
  echo "$BENCH_NAME: converting Reuters-21578 and replicating it $copies times" >&2
  python3 "$ROOT/tests/tools/reuters2jsonl.py" "$corpora/reuters21578" >"$out.one" 2>/dev/null ||
    die "reuters2jsonl.py failed"
  python3 "$BENCH/replicate_reuters.py" "$out.one" "$copies" >"$out" || die "replicate_reuters.py failed"
  rm -f "$out.one"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
  if (NR % 2) printf "%.4f\n", v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (b == 0) print "-"; else printf f "\n", a / b }'; }
align() { awk -F'|' '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }
  if (NF > nf) nf = NF }
  END { for (r = 1; r <= NR; r++) { line = ""
    for (i = 1; i <= nf; i++) line = line (i > 1 ? "  " : "") sprintf(i == 1 ? "%-" w[i] "s" : "%" w[i] "s", c[r, i])
    print line } }'; }

# timed CMD...: the wall-clock seconds of CMD (output in $WORK/last.log); its
# CPU seconds (user + system, GNU time, children included) are left in
# $WORK/last.cpu for last_cpu. On a shared machine the CPU seconds are the
# steadier measure: waiting for a core adds to the wall clock only.
timed() {
  local t0 t1
  t0=$(now)
  /usr/bin/time -f '%U %S' -o "$WORK/last.time" "$@" >"$WORK/last.log" 2>&1 ||
    { echo "$BENCH_NAME: '$*' failed:" >&2; tail -n 20 "$WORK/last.log" >&2; exit 1; }
  t1=$(now)
  awk '{ printf "%.4f\n", $1 + $2 }' "$WORK/last.time" >"$WORK/last.cpu"
  elapsed "$t0" "$t1"
}
last_cpu() { cat "$WORK/last.cpu"; }

# bench_peer_input MJS: the set-up shared by the benchmarks against DuckDB
# (untimed): the tools, the work folder, the input (--jsonl FILE, or
# Reuters-21578 replicated COPIES times), a wirescan store of it in
# $WORK/store and a DuckDB database in $WORK/duck.db loaded by
# bench/MJS's `load`. Sets JSONL, label, bytes, stories and mb. Reads
# KEEP, JSONL, COPIES, THREADS and WS_BIN.
bench_peer_input() {
  local mjs=$1
  [[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian package time, which ./setup.sh installs)"
  bench_need_duckdb
  bench_need_wirescan
  bench_workdir "$KEEP"
  if [[ -z $JSONL ]]; then
    bench_reuters "$WORK/input.jsonl" "$COPIES"
    JSONL="$WORK/input.jsonl"
    label="Reuters-21578 x$COPIES"
  else
    label=$(basename "$JSONL")
  fi
  bytes=$(stat -c %s "$JSONL")
  stories=$(grep -c '[^[:space:]]' "$JSONL" || true)
  mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
  echo "$BENCH_NAME: ingesting $label ($mb MB, $stories stories) into a wirescan store" >&2
  "$WS_BIN" ingest -q --no-progress -o "$WORK/store" --threads "$THREADS" "$JSONL" >&2 || die "wirescan ingest failed"
  echo "$BENCH_NAME: loading it into DuckDB" >&2
  node "$BENCH/$mjs" load "$JSONL" "$WORK/duck.db" "$THREADS" >"$WORK/load.log" 2>&1 ||
    { cat "$WORK/load.log" >&2; die "DuckDB load failed"; }
}
