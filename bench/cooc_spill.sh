#!/usr/bin/env bash
# All-pairs co-occurrence under a memory budget (issue 19, item 4): two
# builds on one existing store, run alternately (A, B, A, B, ...) so that
# load on a shared machine hits both alike, with
#   wirescan cooc STORE --window W --mem M --top N --threads T
# Reports per build the median CPU seconds (user + system, GNU time), wall
# seconds, peak RSS and what the run spilled (cooc's own note on stderr:
# runs and bytes), and B/A for each; the two builds' outputs must be
# identical (cmp), else the script fails.
#
# Usage: bench/cooc_spill.sh --store STORE --a BIN_A --b BIN_B [--mem 1G]
#                            [--window 5] [--threads 2] [--runs 3] [--tmp DIR]
#                            [--top 100]
#   --a, --b   the two wirescan binaries (e.g. the previous build and this one)
#   --tmp DIR  where the runs spill (default $TMPDIR, else /tmp)
# Not a test: prints a table on stdout. Runs take minutes on big stores.
set -euo pipefail

STORE= A= B= MEM=1G WINDOW=5 THREADS=2 RUNS=3 TOP=100 TMP=${TMPDIR:-/tmp}
while (($#)); do
  case $1 in
    --store) STORE=$2; shift 2 ;;
    --a) A=$2; shift 2 ;;
    --b) B=$2; shift 2 ;;
    --mem) MEM=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --top) TOP=$2; shift 2 ;;
    --tmp) TMP=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "cooc_spill.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $STORE && -x $A && -x $B ]] || { echo "cooc_spill.sh: --store, --a and --b are required (see --help)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "cooc_spill.sh: GNU time (/usr/bin/time) not found (apt-get install time)" >&2; exit 2; }

W=$(mktemp -d "$TMP/ws-cooc-spill.XXXXXX")
trap 'rm -rf "$W"' EXIT
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}  # both sides alike (older builds spin by default)

for ((r = 1; r <= RUNS; r++)); do
  for side in a b; do
    bin=$A; [[ $side == b ]] && bin=$B
    /usr/bin/time -o "$W/time" -f '%U %S %e %M' \
      "$bin" cooc "$STORE" --window "$WINDOW" --mem "$MEM" --top "$TOP" --threads "$THREADS" --tmp "$TMP" \
      -o "$W/$side.csv" 2>"$W/err"
    read -r u s e m <"$W/time"
    # cooc's note: "... N runs spilled (X MiB, L intermediate merge levels)"
    spill=$(grep -o '[0-9]* runs spilled ([^,]*' "$W/err" | sed 's/ runs spilled (/ runs, /' || true)
    echo "$side $(awk "BEGIN{print $u + $s}") $e $m ${spill:-no spill}" >>"$W/rows"
    echo "run $r $side: cpu $(awk "BEGIN{print $u + $s}") s, wall $e s, rss $m KiB, ${spill:-no spill}" >&2
  done
  cmp -s "$W/a.csv" "$W/b.csv" || { echo "cooc_spill.sh: the two builds' outputs differ (run $r)" >&2; exit 1; }
done

python3 - "$W/rows" "$A" "$B" <<'PY'
import statistics, sys
rows = [l.split(None, 4) for l in open(sys.argv[1])]
med = {}
for side in "ab":
    r = [x for x in rows if x[0] == side]
    med[side] = (statistics.median(float(x[1]) for x in r), statistics.median(float(x[2]) for x in r),
                 max(int(x[3]) for x in r) / 1024, r[-1][4].strip())
print("| build | CPU s (median) | wall s (median) | peak RSS MiB (max) | spilled |")
print("|---|---|---|---|---|")
for side, name in (("a", sys.argv[2]), ("b", sys.argv[3])):
    c, w, m, sp = med[side]
    print(f"| {name} | {c:.2f} | {w:.2f} | {m:.0f} | {sp} |")
print(f"| B / A | {med['b'][0] / med['a'][0]:.3f} | {med['b'][1] / med['a'][1]:.3f} | | |")
PY
