#!/usr/bin/env bash
# wirescan run JOBFILE under mpirun (docs/scale-out.md): the job's shared
# scan runs across the ranks (each rank scans its shards, the states merge
# as for single commands, rank 0 finishes) and so do the lines that run
# alone (kwic, topics); rank 0 alone writes the reports, their .meta.json
# and run.log. `mpirun --oversubscribe -n R` for R = 2, 3, 4 with threads
# 1 and 2 must write byte for byte the reports and .meta.json files of one
# process over the same shards; run.log holds one run, not one per rank;
# every rank but 0 sent its state (it scanned its shards). A damaged shard
# fails the job naming the rank, the shard and the reason, with no report.
# Skips when mpirun is absent or the binary was built without MPI.
. "$(dirname "$0")/lib.sh"

mpi_need

cd "$T" || fail "cd $T"
ws generate --stories 700 --seed 21 --truth truth.csv -o c.jsonl 2>/dev/null || fail "generate"
awk -F, 'NR > 1 { print $1 ": " $3 }' truth.csv >topics.txt
[ -s topics.txt ] || fail "no planted topics"
expect_status 0 "ingest --shards 4" -- ws ingest -q --tag section --block-tokens 8192 --shards 4 -o sh c.jsonl
from=$(ws export sh --fields date -f csv | sort | sed -n 350p | cut -c1-10)

cat >job.txt <<EOF
tf --by month --top 10 -o tf_month.csv
tf --top 50 -o sub/tf.csv
keyness --target-from $from --top 30 -o keyness.csv
cooc --term said --term market --window 3 --top 20 -o cooc_terms.csv
cooc --window 2 --top 40 -o cooc_pairs.csv
ngrams --n 2 --top 40 -o bigrams.csv
ngrams --phrases --min-count 2 --top 0 -o phrases.csv
trends --topics topics.txt --bucket month -o trends.csv
trends --emerging --bucket month --top 10 -o emerging.csv
kwic --term said --limit 30 -o kwic.csv
topics -k 3 --iterations 8 --seed 2 --min-df 3 -o topics.csv
EOF
REPORTS="tf_month.csv sub/tf.csv keyness.csv cooc_terms.csv cooc_pairs.csv bigrams.csv phrases.csv trends.csv emerging.csv kwic.csv topics.csv"

expect_status 0 "run, one process" -- ws run sh job.txt -o ref -j 1
for f in $REPORTS; do
    [ "$(wc -l <"ref/$f")" -ge 3 ] || fail "ref/$f has only $(wc -l <"ref/$f") lines"
    [ -s "ref/$f.meta.json" ] || fail "no ref/$f.meta.json"
done
grep "from the shared scan\|shared scan" ref/run.log >/dev/null || fail "no shared scan in the one-process run: $(cat ref/run.log)"

for spec in "2 1" "3 2" "4 1"; do
    read -r r j <<<"$spec"
    rm -rf m
    WIRESCAN_MPI_STATS=1 mpi "$r" "$WS_BIN" run sh job.txt -o m -j "$j" >m.out 2>m.err ||
        { cat m.err >&2; fail "run, mpirun -n $r -j $j failed"; }
    for f in $REPORTS; do
        cmp -s "ref/$f" "m/$f" || fail "$f: mpirun -n $r -j $j differs from one process"
        cmp -s "ref/$f.meta.json" "m/$f.meta.json" || fail "$f.meta.json: mpirun -n $r -j $j differs from one process"
    done
    [ -z "$(find m -name '*.tmp.*')" ] || fail "mpirun -n $r: temporary files left: $(find m -name '*.tmp.*')"
    [ "$(grep -c 'run started' m/run.log)" = 1 ] || fail "mpirun -n $r: run.log holds $(grep -c 'run started' m/run.log) runs"
    grep -c ': ok, ' m/run.log | grep -x 11 >/dev/null || fail "mpirun -n $r: run.log: $(cat m/run.log)"
    for k in $(seq 1 $((r - 1))); do
        grep -E "rank $k of $r: sent [1-9][0-9]* bytes" m.err >/dev/null || fail "mpirun -n $r: rank $k sent nothing: $(cat m.err)"
    done
done
note "run JOBFILE: mpirun -n 2, 3, 4 writes one process's reports and .meta.json"

# A damaged shard: the lines that read it fail naming rank, shard and reason.
cp -r sh bad
seg=$(ls bad/shard-002/seg-*.wss | head -n 1)
size=$(stat -c %s "$seg")
printf '\377\377\377\377\377\377\377\377' | dd of="$seg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null || fail "dd"
rc=0
mpi 3 "$WS_BIN" run bad job.txt -o mbad -j 1 >b.log 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "run over a damaged shard, mpirun -n 3: exit status 0"
grep -E "rank 2: shard [^ ]*shard-002: .*(checksum|corrupt|damaged)" b.log >/dev/null ||
    fail "run over a damaged shard: no message naming rank 2, the shard and the reason: $(head -c 1500 b.log)"
for f in tf_month.csv bigrams.csv phrases.csv cooc_pairs.csv; do
    [ ! -e "mbad/$f" ] || fail "run over a damaged shard: $f was written"
done
[ -z "$(find mbad -name '*.tmp.*' 2>/dev/null)" ] || fail "run over a damaged shard: temporary files left"
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
note "run over a damaged shard under mpirun fails naming rank, shard and reason; no report"
