#!/usr/bin/env bash
# cooc's memory budget: window all-pairs under --mem 24M gives the same
# bytes as the run without a budget, its peak resident memory (measured by
# /usr/bin/time -v, with the store open and being scanned) stays under
# 24 MiB, runs were spilled and merged (fan-in 4 forces intermediate
# levels too), 1 and 2 threads give the same bytes, and the spill folder
# is removed after a normal run, after an error (an output file that
# cannot be created) and after SIGTERM in the middle of a run.
#
# The corpus is generated here (Zipf-distributed words over a 20,000-word
# vocabulary, about a million tokens) so that the distinct window pairs
# (millions, 16 bytes each in the count tables) are far larger than the
# budget while the dictionary stays small.
. "$(dirname "$0")/lib.sh"

[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed (Debian package time)"

python3 - "$T/c.jsonl" <<'PY' || fail "corpus generation failed"
import json, random, sys
rnd = random.Random(2024)
V = 20000
words = ['%s%d' % ('abcdefghij'[i % 10], i) for i in range(V)]
weights = [1.0 / (r + 1) ** 1.05 for r in range(V)]
with open(sys.argv[1], 'w') as f:
    for i in range(4000):
        toks = rnd.choices(words, weights, k=250)
        f.write(json.dumps({'id': str(i), 'title': ' '.join(toks[:8]), 'body': ' '.join(toks[8:])}) + '\n')
PY
S="$T/store"
expect_status 0 "ingest" -- ws ingest -q -o "$S" --block-tokens 20000 "$T/c.jsonl"
mkdir -p "$T/tmp"

ws cooc "$S" --window 5 --top 0 --mem 0 --threads 2 -q -o "$T/free.csv" || fail "cooc --mem 0 failed"
pairs=$(($(wc -l <"$T/free.csv") - 1))
[ "$pairs" -gt 1000000 ] || fail "only $pairs pairs: the corpus is too small to test spilling"

for n in 1 2; do
    /usr/bin/time -v "$WS_BIN" cooc "$S" --window 5 --top 0 --mem 24M --tmp "$T/tmp" --fan-in 4 --threads $n \
        -o "$T/b$n.csv" 2>"$T/b$n.err" || { cat "$T/b$n.err" >&2; fail "cooc --mem 24M --threads $n failed"; }
    cmp -s "$T/free.csv" "$T/b$n.csv" || fail "--mem 24M --threads $n differs from the run without a budget"
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/b$n.err")
    [ -n "$rss" ] || fail "no maximum resident set size from /usr/bin/time"
    [ "$rss" -lt 24576 ] || fail "--mem 24M --threads $n: peak RSS $rss KiB is over 24576 KiB"
    runs=$(sed -n 's/.* \([0-9]*\) runs spilled.*/\1/p' "$T/b$n.err")
    levels=$(sed -n 's/.*, \([0-9]*\) intermediate merge levels.*/\1/p' "$T/b$n.err")
    [ "${runs:-0}" -gt 4 ] || fail "--mem 24M --threads $n spilled ${runs:-no} runs; expected many"
    [ "${levels:-0}" -gt 0 ] || fail "--fan-in 4 over $runs runs should need intermediate merge levels"
    [ -z "$(ls -A "$T/tmp")" ] || fail "spill files left in $T/tmp: $(ls -A "$T/tmp" | head -3)"
    note "--mem 24M --threads $n: $pairs pairs identical, peak RSS $rss KiB, $runs runs, $levels levels"
done
cmp -s "$T/b1.csv" "$T/b2.csv" || fail "--threads 1 and 2 differ"

# The same budget on a job file's line: `run` keeps it too (the executable
# leaves glibc's heap defaults alone when a job file mentions --mem: huge
# pages and kept free blocks put this over budget about one run in three).
printf 'cooc --window 5 --top 0 --mem 24M --tmp %s --fan-in 4 --threads 2 -o job.csv\n' "$T/tmp" >"$T/job.txt"
for i in 1 2 3; do
    /usr/bin/time -v "$WS_BIN" run "$S" "$T/job.txt" -o "$T/jobout" 2>"$T/j.err" ||
        { cat "$T/j.err" >&2; fail "run with a --mem 24M cooc line failed"; }
    cmp -s "$T/free.csv" "$T/jobout/job.csv" || fail "the job's cooc --mem 24M differs from the run without a budget"
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/j.err")
    [ "$rss" -lt 24576 ] || fail "run, cooc --mem 24M: peak RSS $rss KiB is over 24576 KiB"
done
note "run with a --mem 24M cooc line: identical, peak RSS $rss KiB (3 runs)"

# An error after the spill folder exists: the output cannot be created.
expect_status 4 "unwritable output" -- ws cooc "$S" --mem 24M --tmp "$T/tmp" -o "$T/no/such/dir/x.csv"
[ -z "$(ls -A "$T/tmp")" ] || fail "spill folder left after an error"
# A --tmp that does not exist: a clear error.
expect_status 4 "missing --tmp" -- ws cooc "$S" --mem 24M --tmp "$T/absent"
grep -q "$T/absent" "$T/last.err" || fail "the error does not name the --tmp folder: $(cat "$T/last.err")"

# SIGTERM while runs are on disk: the handler removes them.
"$WS_BIN" cooc "$S" --window 5 --top 0 --mem 24M --tmp "$T/tmp" --threads 1 -o "$T/sig.csv" 2>"$T/sig.err" &
pid=$!
for _ in $(seq 1 200); do
    compgen -G "$T/tmp/*/run-*" >/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
done
had_runs=0
compgen -G "$T/tmp/*/run-*" >/dev/null && had_runs=1
kill -TERM $pid 2>/dev/null
st=0
wait $pid || st=$?
[ -z "$(ls -A "$T/tmp")" ] || fail "spill folder left after SIGTERM (exit status $st): $(ls -AR "$T/tmp" | head -5)"
if [ "$had_runs" = 1 ]; then
    [ "$st" = 143 ] || note "the run ended with status $st before the signal arrived"
    note "SIGTERM with runs on disk: status $st, spill folder removed"
else
    note "SIGTERM: the run had no runs on disk yet (status $st); folder removed"
fi
note "ok"
