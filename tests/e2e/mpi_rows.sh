#!/usr/bin/env bash
# The commands that run across MPI ranks since issue 18's second part
# (docs/scale-out.md): export, kwic and dtm (rows in store order: an
# ordered gather to rank 0), topics (a multi-pass kernel: rank 0's merged
# pass-0 state goes back to every rank; the corpus is gathered on rank 0,
# which trains the sampler), dedup and cooc --term (states gathered and
# merged on rank 0), all-pairs cooc (pairs exchanged by hash partition,
# also under a --mem that spills; rank 0 gets candidates), ngrams (a
# hash-partitioned exchange too: tests/e2e/mpi_ngrams.sh has the rest),
# and the count tables of tf, keyness and trends by a binary tree (4 ranks: a
# merged state sent on; WIRESCAN_MPI_ROUND=1K: many rounds, the same on
# every rank; failures up the tree). A generated corpus with planted copies, sharded 4
# ways; `mpirun --oversubscribe -n R` for R = 1, 2, 3 (threads 1 and 2)
# must print byte for byte what one process prints over the same shards.
# Faults: a damaged shard fails export and topics naming the rank, the
# shard and the reason with no report; a rank killed mid-run fails the job
# with no report file; a set with a duplicated shard is refused under
# mpirun; dedup --save is refused across ranks (exit 2, nothing written). Skips when mpirun is absent or the binary was built
# without MPI.
. "$(dirname "$0")/lib.sh"

mpi_need

ws generate --stories 500 --seed 11 -o "$T/c.jsonl" || fail "generate"
# planted copies: 30 stories again under other ids and sources
head -n 30 "$T/c.jsonl" | sed -e 's/"id":"\([^"]*\)"/"id":"\1-copy"/' -e 's/"source":"[^"]*"/"source":"Copier"/' >"$T/copies.jsonl"
grep -c -- '-copy"' "$T/copies.jsonl" | grep '^30$' >/dev/null || fail "planting copies"
expect_status 0 "ingest --shards 4" -- ws ingest -q --tag section --block-tokens 8192 --shards 4 -o "$T/sh" "$T/c.jsonl" "$T/copies.jsonl"

# same RANKS THREADS NAME ARGS...: one process over the shards, then
# mpirun -n R for each R, print the same bytes (-o FILE; dtm: its 3 files).
same() {
    local ranks=$1 threads=$2 what=$3
    shift 3
    local files=out
    [ "$1" = dtm ] && files="out.mtx out.rows.csv out.cols.csv"
    rm -rf "$T/ref" "$T/m" && mkdir -p "$T/ref" "$T/m"
    ws "$@" "$T/sh" -j 1 -o "$T/ref/out" 2>"$T/ref.err" || { cat "$T/ref.err" >&2; fail "$what: one process failed"; }
    local f
    for f in $files; do
        [ "$(wc -l <"$T/ref/$f")" -ge "${MIN:-3}" ] || fail "$what: $f has only $(wc -l <"$T/ref/$f") lines"
    done
    for r in $ranks; do
        rm -f "$T"/m/*
        WIRESCAN_MPI_STATS=1 mpi "$r" "$WS_BIN" "$@" "$T/sh" -j "$threads" -o "$T/m/out" 2>"$T/m.err" ||
            { cat "$T/m.err" >&2; fail "$what: mpirun -n $r failed"; }
        for f in $files; do
            cmp -s "$T/ref/$f" "$T/m/$f" || fail "$what: mpirun -n $r -j $threads: $f differs from one process"
        done
        if [ "$r" -gt 1 ]; then
            for k in $(seq 1 $((r - 1))); do
                grep -E "rank $k of $r: sent [1-9][0-9]* bytes" "$T/m.err" >/dev/null ||
                    fail "$what: rank $k of $r sent nothing: $(cat "$T/m.err")"
            done
        fi
        ls "$T"/m/*.tmp.* >/dev/null 2>&1 && fail "$what: a temporary report was left"
    done
    return 0
}

same "1 2 3" 2 "export" export --format csv
same "2 3" 1 "export (jsonl, some fields)" export --fields id,date,section
same "1 2 3" 2 "kwic" kwic --term said --window 4
same "2 3" 1 "kwic --limit" kwic --term said --limit 37
same "3" 2 "kwic phrase" kwic --phrase "said the"
same "2 3" 2 "kwic --sort left --limit" kwic --term said --sort left --limit 25
same "2 3" 1 "kwic --sample" kwic --term said --sample 15 --seed 3
same "1 2 3" 2 "dtm" dtm --min-df 2
same "2 3" 1 "dtm --top-terms" dtm --top-terms 40 --max-df 400
same "1 2 3" 2 "topics" topics -k 4 --iterations 20 --min-df 3
same "3" 1 "topics --sampler gibbs" topics -k 3 --iterations 10 --min-df 3 --sampler gibbs
same "1 2 3" 2 "dedup" dedup
MIN=2 same "2 3" 1 "dedup --by source" dedup --by source
same "1 2 3" 2 "cooc --term" cooc --term said --top 40
same "2 3" 1 "cooc two terms, window" cooc --term said --term market --window 3 --measure llr --top 30
same "3" 2 "cooc --sentence --per-term" cooc --term said --term the --sentence --per-term --top 10
# all pairs: hash-partitioned exchange, candidates to rank 0
same "1 2 3" 2 "cooc all pairs" cooc --top 60
same "2 3" 1 "cooc all pairs, window, llr" cooc --window 2 --measure llr --top 80
same "2 3" 2 "cooc all pairs, every row" cooc --window 3 --top 0 --min-count 4
same "3" 1 "cooc all pairs, sentence, npmi" cooc --sentence --measure npmi --min-count 3 --top 150
# under --mem that spills (each rank's table and its partition)
# (the least budget wirescan takes here, from its own refusal of 1M: a
# rank holds more than one plain process, an ASan build far more)
mkdir -p "$T/spill"
mpi 3 "$WS_BIN" cooc --window 3 --mem 1M -j 2 "$T/sh" -o "$T/r.out" >"$T/mem.log" 2>&1
# (a quarter more, and 4 MiB: what a process holds varies from run to run,
# by several MiB under ASan, and a later run must not fall below it)
least=$(grep -o 'give at least [0-9.]* MiB' "$T/mem.log" | awk '{ if ($4 > m) m = $4 } END { printf "%d", m * 1.25 + 4 }')
[ "${least:-0}" -gt 4 ] || fail "no least budget in: $(head -c 600 "$T/mem.log")"
same "2 3" 2 "cooc all pairs --mem ${least}M" cooc --window 3 --top 100 --mem "${least}M" --tmp "$T/spill"
# the exchange ran in several bounded rounds (its buffers count in --mem:
# rounds of a 24th of the kernel's budget, far less than the pairs here),
# every rank in the same number, and still the bytes of one process
ws cooc --window 3 --top 0 --min-count 2 "$T/sh" -j 1 -o "$T/rref.out" 2>/dev/null || fail "cooc all pairs, one process"
for r in 2 3; do
    WIRESCAN_MPI_STATS=1 mpi "$r" "$WS_BIN" cooc --window 3 --top 0 --min-count 2 --mem "${least}M" --tmp "$T/spill" -j 1 \
        "$T/sh" -o "$T/rr.out" 2>"$T/rr.err" || { cat "$T/rr.err" >&2; fail "cooc all pairs --mem ${least}M, mpirun -n $r failed"; }
    cmp -s "$T/rref.out" "$T/rr.out" || fail "cooc all pairs --top 0 --mem ${least}M, mpirun -n $r: differs from one process"
    rounds=$(sed -n "s/^wirescan: rank 0 of $r: sent [0-9]* bytes of kernel state in \([0-9]*\) exchange rounds$/\1/p" "$T/rr.err")
    [ "${rounds:-0}" -gt 1 ] || fail "cooc --mem ${least}M, mpirun -n $r: ${rounds:-no} exchange rounds: $(cat "$T/rr.err")"
    [ "$(grep -c "of $r: sent [0-9]* bytes of kernel state in $rounds exchange rounds" "$T/rr.err")" = "$r" ] ||
        fail "cooc --mem ${least}M, mpirun -n $r: the ranks ran different numbers of rounds: $(cat "$T/rr.err")"
    grep "exchange across $r ranks: $rounds rounds of at most" "$T/rr.err" >/dev/null ||
        fail "cooc --mem ${least}M, mpirun -n $r: no note of the rounds: $(cat "$T/rr.err")"
done
note "export, kwic, dtm, topics, dedup, cooc (--term and all pairs): mpirun -n 1, 2, 3 = one process"

# Count tables (tf, keyness, trends) merge by a binary tree: with
# 4 ranks rank 3 sends to rank 2, which merges and sends the merged state
# on to rank 0 (a state packed after a merge); with 3, rank 2 sends to 0.
from=$(ws export "$T/sh" --fields date -f csv | sort | sed -n 250p | cut -c1-10)
same "4" 2 "tf (tree of 4 ranks)" tf --top 40
same "4" 1 "tf --by month --tfidf (tree)" tf --by month --tfidf --top 5
same "3 4" 2 "keyness (tree)" keyness --target-from "$from" --top 30
same "4" 1 "ngrams --phrases (partitioned)" ngrams --phrases --top 30
same "4" 2 "trends --by section (tree)" trends --terms said,that --bucket month --by section
same "3 4" 1 "trends --emerging (tree)" trends --emerging --bucket month
# A round budget far below the states (WIRESCAN_MPI_ROUND=1K): each state
# crosses in many rounds, every rank takes part in the same number, the
# bytes are still one process's; rank 2 of 4 sends more than rank 3 (its
# own state merged with rank 3's) and rank 0 sends nothing.
for spec in "tf --by month --top 0" "trends --emerging --bucket month"; do
    # shellcheck disable=SC2086
    ws $spec "$T/sh" -j 1 -o "$T/tref.out" 2>/dev/null || fail "$spec: one process"
    for r in 2 3 4; do
        # shellcheck disable=SC2086
        WIRESCAN_MPI_STATS=1 WIRESCAN_MPI_ROUND=1K mpi "$r" "$WS_BIN" $spec "$T/sh" -j 2 -o "$T/t.out" 2>"$T/t.err" ||
            { cat "$T/t.err" >&2; fail "$spec, 1K rounds, mpirun -n $r failed"; }
        cmp -s "$T/tref.out" "$T/t.out" || fail "$spec, 1K rounds, mpirun -n $r: differs from one process"
        rounds=$(sed -n "s/^wirescan: rank 0 of $r: sent 0 bytes of kernel state in \([0-9]*\) exchange rounds$/\1/p" "$T/t.err")
        [ "${rounds:-0}" -gt $((r * 2)) ] || fail "$spec, 1K rounds, mpirun -n $r: ${rounds:-no} rounds: $(cat "$T/t.err")"
        [ "$(grep -c "of $r: sent [0-9]* bytes of kernel state in $rounds exchange rounds" "$T/t.err")" = "$r" ] ||
            fail "$spec, 1K rounds, mpirun -n $r: the ranks ran different numbers of rounds: $(cat "$T/t.err")"
        if [ "$r" = 4 ]; then
            sent() { sed -n "s/^wirescan: rank $1 of 4: sent \([0-9]*\) bytes.*/\1/p" "$T/t.err"; }
            [ "$(sent 2)" -gt "$(sent 3)" ] && [ "$(sent 2)" -gt "$(sent 1)" ] ||
                fail "$spec, mpirun -n 4: rank 2 did not send the merged state of ranks 2 and 3: $(cat "$T/t.err")"
        fi
    done
done
# a failure travels up the tree: a damaged shard 3 (rank 3 of 4, whose
# parent is rank 2) and shard 2 (rank 2, rank 3 fine) fail tf naming the rank
for s in 3 2; do
    rm -rf "$T/tbad" && cp -r "$T/sh" "$T/tbad"
    seg=$(ls "$T/tbad/shard-00$s"/seg-*.wss | head -n 1)
    size=$(stat -c %s "$seg")
    printf '\377\377\377\377\377\377\377\377' | dd of="$seg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null || fail "dd"
    rc=0
    mpi 4 "$WS_BIN" tf "$T/tbad" -o "$T/tbad.out" >"$T/b.log" 2>&1 || rc=$?
    [ $rc -ne 0 ] || fail "tf, damaged shard $s, mpirun -n 4: exit status 0"
    grep -E "rank $s: shard [^ ]*shard-00$s: .*(checksum|corrupt|damaged)" "$T/b.log" >/dev/null ||
        fail "tf, damaged shard $s, mpirun -n 4: no message naming rank $s, the shard and the reason: $(head -c 1500 "$T/b.log")"
    ls "$T"/tbad.out* >/dev/null 2>&1 && fail "tf, damaged shard $s, mpirun -n 4: a report was written"
done
note "tf, keyness, trends: a tree of 4 ranks and 1K rounds (ngrams: partitioned) = one process; failures name the rank"

# dedup found the planted copies (so the comparison above was not of empty reports)
ws dedup "$T/sh" -o "$T/dd.csv" 2>/dev/null || fail "dedup"
[ "$(grep -c -- '-copy,' "$T/dd.csv")" -ge 25 ] || fail "dedup found $(grep -c -- '-copy,' "$T/dd.csv") of 30 copies"

# Refused across ranks, nothing written.
expect_status 2 "dedup --save under mpirun -n 2" -- mpi 2 "$WS_BIN" dedup --save "$T/sh" -o "$T/r.out"
grep "dedup --save writes to the stores" "$T/last.err" >/dev/null || fail "dedup --save refusal: $(cat "$T/last.err")"
[ ! -e "$T/r.out" ] || fail "a refused run wrote a report"
ls "$T"/sh/shard-000/*sig* >/dev/null 2>&1 && fail "dedup --save under mpirun wrote signatures"

# A damaged shard: export (ordered gather) and topics (passes) fail naming
# rank, shard and reason; no report.
cp -r "$T/sh" "$T/bad"
seg=$(ls "$T/bad/shard-002"/seg-*.wss | head -n 1)
size=$(stat -c %s "$seg")
printf '\377\377\377\377\377\377\377\377' | dd of="$seg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null || fail "dd"
for cmd in "export" "topics -k 3 --iterations 5" "kwic --term said" "dtm"; do
    for r in 2 3; do
        rc=0
        # shellcheck disable=SC2086
        mpi $r "$WS_BIN" $cmd "$T/bad" -o "$T/bad.out" >"$T/b.log" 2>&1 || rc=$?
        [ $rc -ne 0 ] || fail "$cmd, damaged shard 2, mpirun -n $r: exit status 0"
        want=$((2 % r))
        grep -E "rank $want: shard [^ ]*shard-002: .*(checksum|corrupt|damaged)" "$T/b.log" >/dev/null ||
            fail "$cmd, damaged shard 2, mpirun -n $r: no message naming rank $want, the shard and the reason: $(head -c 1500 "$T/b.log")"
        ls "$T"/bad.out* >/dev/null 2>&1 && fail "$cmd, damaged shard 2, mpirun -n $r: a report was written"
        # the other ranks write to /dev/null: a failed rank must not remove it
        [ -c /dev/null ] || fail "$cmd, damaged shard 2, mpirun -n $r: /dev/null is no longer a character device"
    done
done
note "a damaged shard fails export, topics, kwic, dtm across ranks: rank, shard, reason; no report"

# A rank that dies (SIGKILL) before it has sent its part: the job fails,
# no report file, no temporary left that looks like one. (Killing it after
# a fixed delay was a race: with format 2.0 a small tf finished first.)
cat >"$T/die.sh" <<EOF
#!/bin/sh
if [ "\${OMPI_COMM_WORLD_RANK:-0}" = 1 ]; then kill -9 \$\$; fi
exec "$WS_BIN" "\$@"
EOF
chmod +x "$T/die.sh"
big="$T/big"
ws generate --stories 6000 --seed 2 -o "$T/big.jsonl" || fail "generate"
expect_status 0 "ingest big" -- ws ingest -q --shards 2 -o "$big" "$T/big.jsonl"
for cmd in "export" "tf"; do
    rc=0
    timeout 120 mpirun --oversubscribe -n 2 "$T/die.sh" $cmd "$big" -o "$T/die.out" >"$T/d.log" 2>&1 || rc=$?
    [ $rc -ne 0 ] || fail "$cmd with rank 1 killed: exit status 0: $(head -c 800 "$T/d.log")"
    [ $rc -ne 124 ] || fail "$cmd with rank 1 killed: the job hung"
    [ ! -e "$T/die.out" ] || fail "$cmd with rank 1 killed: a report was written"
done
note "a rank killed mid-run fails the job; no report"

# A set with a shard there twice is refused under mpirun too.
cp -r "$T/sh" "$T/dup"
cp -r "$T/dup/shard-001" "$T/dup/shard-1"
expect_status 5 "duplicated shard under mpirun -n 2" -- mpi 2 "$WS_BIN" export "$T/dup" -o "$T/dup.out"
grep "shard 1 is there twice" "$T/last.err" >/dev/null || fail "duplicated shard under mpirun: $(head -c 800 "$T/last.err")"
[ ! -e "$T/dup.out" ] || fail "duplicated shard under mpirun: a report was written"
note "a duplicated shard is refused under mpirun"
