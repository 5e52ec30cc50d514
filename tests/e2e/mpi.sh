#!/usr/bin/env bash
# Analytic commands across MPI ranks (docs/scale-out.md): a small generated
# corpus sharded 4 ways; `mpirun --oversubscribe -n R` for R = 1, 2, 3 must
# print byte for byte what one process prints over the same shards (and
# over the unsharded store) for tf (plain, --by month, --tfidf), keyness,
# ngrams (bigrams, --phrases), trends (series by section, emerging, bursts);
# ranks really split the work (WIRESCAN_MPI_STATS: every rank but 0 sends
# state); a rank whose shard is damaged fails the job:
# non-zero exit, the message names the rank, the shard and the reason, and
# no report file is left. Also: ingest --shards under mpirun -n 2 writes
# the same shard stores as one process. Skips when mpirun is absent or the
# binary was built without MPI.
. "$(dirname "$0")/lib.sh"

mpi_need

ws generate --stories 600 --seed 5 --truth "$T/truth.csv" -o "$T/c.jsonl" || fail "generate"
awk -F, 'NR > 1 { print $1 ": " $3 }' "$T/truth.csv" >"$T/topics.txt"
[ -s "$T/topics.txt" ] || fail "no planted topics in the generator's truth"
expect_status 0 "ingest" -- ws ingest -q --tag section --block-tokens 16384 -o "$T/one" "$T/c.jsonl"
expect_status 0 "ingest --shards 4" -- ws ingest -q --tag section --block-tokens 16384 --shards 4 -o "$T/sh" "$T/c.jsonl"
expect_status 0 "mpirun -n 2 ingest --shards 4" -- mpi 2 "$WS_BIN" ingest -q --tag section --block-tokens 16384 --shards 4 -o "$T/shm" "$T/c.jsonl"
for i in 0 1 2 3; do same_store "$T/sh/shard-00$i" "$T/shm/shard-00$i" "shard $i from mpirun -n 2 vs one process"; done
[ "$(cat "$T/shm/SHARDS")" = "wirescan-shards 4" ] || fail "SHARDS after the MPI ingest"
note "ingest --shards 4 under mpirun -n 2 = one process"
# One process writes its shards in one pass over the input; under
# mpirun -n 4 each rank writes one shard alone (a pass per shard, as every
# shard's ingest read the whole input before): the same stores, also from
# CSV input (the other readers' path) and appended to.
expect_status 0 "mpirun -n 4 ingest --shards 4" -- mpi 4 "$WS_BIN" ingest -q --tag section --block-tokens 16384 --shards 4 -j 1 -o "$T/sh4" "$T/c.jsonl"
for i in 0 1 2 3; do same_store "$T/sh/shard-00$i" "$T/sh4/shard-00$i" "shard $i: one pass vs its own pass"; done
ws export "$T/one" --format csv --fields id,date,source,title,body,section -o "$T/c.csv" || fail "export csv"
head -c 200000 "$T/c.jsonl" | head -n -1 >"$T/more.jsonl"
sed -i 's/"id":"\([^"]*\)"/"id":"\1-more"/' "$T/more.jsonl"
for d in csv1 csv3; do
    if [ $d = csv1 ]; then run=(ws); else run=(mpi 3 "$WS_BIN"); fi
    expect_status 0 "$d: ingest --shards 3 of CSV" -- "${run[@]}" ingest -q --tag section --shards 3 -j 1 -o "$T/$d" "$T/c.csv"
    expect_status 0 "$d: append to the set" -- "${run[@]}" ingest -q --tag section --shards 3 -j 1 -o "$T/$d" "$T/more.jsonl"
done
for i in 0 1 2; do same_store "$T/csv1/shard-00$i" "$T/csv3/shard-00$i" "CSV and append, shard $i: one pass vs its own pass"; done
note "ingest --shards: one pass per process = a pass per shard (JSONL, CSV, append)"

from=$(ws export "$T/one" --fields date -f csv | sed -n 300p | cut -c1-10)
# same RANKS NAME ARGS...: one process over the store and over the shards,
# and mpirun -n R over the shards for each R in RANKS, all print the same
# bytes. (Each mpirun costs most of a second: the ranks are chosen.)
same() {
    local ranks=$1 what=$2
    shift 2
    ws "$@" "$T/one" -j 1 -o "$T/ref.out" 2>"$T/ref.err" || { cat "$T/ref.err" >&2; fail "$what: one process failed"; }
    [ "$(wc -l <"$T/ref.out")" -ge "${MIN:-3}" ] || fail "$what printed only $(wc -l <"$T/ref.out") lines"
    ws "$@" "$T/sh" -j 2 -o "$T/one.out" 2>/dev/null || fail "$what: one process over the shards failed"
    cmp -s "$T/ref.out" "$T/one.out" || fail "$what: one process over the shards differs from the store"
    for r in $ranks; do
        rm -f "$T/m.out"
        WIRESCAN_MPI_STATS=1 mpi $r "$WS_BIN" "$@" "$T/sh" -j 2 -o "$T/m.out" 2>"$T/m.err" ||
            { cat "$T/m.err" >&2; fail "$what: mpirun -n $r failed"; }
        cmp -s "$T/ref.out" "$T/m.out" || fail "$what: mpirun -n $r prints other bytes than one process"
        if [ $r -gt 1 ]; then
            # every rank but 0 sent a state (it scanned its shards)
            for k in $(seq 1 $((r - 1))); do
                grep -E "rank $k of $r: sent [1-9][0-9]* bytes" "$T/m.err" >/dev/null ||
                    fail "$what: rank $k of $r sent no state: $(cat "$T/m.err")"
            done
        fi
    done
}
same "1 2 3" "tf" tf --top 40
same "2 3" "tf --by month --tfidf" tf --by month --tfidf --top 5
same "2 3" "keyness" keyness --target-from "$from" --top 30
same "3" "ngrams" ngrams --top 30
same "2" "ngrams --phrases" ngrams --phrases --top 30
same "3" "trends --by section" trends --terms said,that --bucket month --by section
same "2" "trends --emerging" trends --emerging --bucket month
# (600 stories may hold no burst: the header is all this must print)
MIN=1 same "3" "trends --bursts" trends --bursts --topics "$T/topics.txt" --bucket week
note "tf, keyness, ngrams, trends: mpirun -n 1, 2, 3 = one process"

# A damaged shard: the rank that scans it fails the job.
cp -r "$T/sh" "$T/bad"
seg=$(ls "$T/bad/shard-001"/seg-*.wss | head -n 1)
size=$(stat -c %s "$seg")
printf '\377\377\377\377' | dd of="$seg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null || fail "dd"
for r in 2 3; do
    rc=0
    mpi $r "$WS_BIN" tf "$T/bad" -o "$T/bad.out" >"$T/b.log" 2>&1 || rc=$?
    [ $rc -ne 0 ] || fail "damaged shard 1, mpirun -n $r: exit status 0"
    grep -E "rank 1: shard [^ ]*shard-001: .*checksum" "$T/b.log" >/dev/null ||
        fail "damaged shard 1, mpirun -n $r: no message naming rank 1, the shard and the reason: $(head -c 1500 "$T/b.log")"
    [ ! -e "$T/bad.out" ] || fail "damaged shard 1, mpirun -n $r: a report was written"
done
note "a damaged shard fails the job naming rank, shard and reason; no report"

# A missing shard is refused under MPI too.
rm -rf "$T/bad/shard-001"
rc=0
mpi 2 "$WS_BIN" tf "$T/bad" -o "$T/bad.out" >"$T/b.log" 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "missing shard under mpirun: exit status 0"
grep "shard 1 of 4 is missing" "$T/b.log" >/dev/null || fail "missing shard under mpirun: $(head -c 1500 "$T/b.log")"
[ ! -e "$T/bad.out" ] || fail "missing shard under mpirun: a report was written"
note "a missing shard is refused under mpirun"
