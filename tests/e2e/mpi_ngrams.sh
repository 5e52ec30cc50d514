#!/usr/bin/env bash
# ngrams across MPI ranks (docs/scale-out.md, kernels/ws_k_ngrams_dist.c):
# a hash-partitioned reduction. Every rank sends each n-gram to the rank
# that owns it (all-to-all in bounded rounds; WIRESCAN_MPI_ROUND=1K forces
# many), the position count and the phrase marginals are summed over all
# ranks, each rank ranks its partition and sends rank 0 only its best --top
# rows (every row without --top), and rank 0 writes the report.
#   - a hand-made corpus whose report cuts through 40 bigrams of equal
#     count (and equal NPMI) spread over the shards and the ranks'
#     partitions: --top 5 must list the one frequent bigram and then the
#     first four of the tie by bytes (written out here by hand), under
#     mpirun -n 1..4 as in one process;
#   - a generated corpus in 4 shards: bigrams, trigrams, --phrases,
#     --min-count, --top 0, --field, --stopwords, --stem, -j 1 and 2,
#     mpirun -n 1, 2, 3, 4 byte for byte = one process;
#   - the bytes (WIRESCAN_MPI_STATS=1): with --top 10, rank 0 receives less
#     than the whole table could be packed in (4 bytes an n-gram at the
#     least), and less than with --top 0; every rank runs the same rounds;
#   - a damaged shard fails the run naming the rank, the shard and the
#     reason, with a non-zero exit and no report.
# Skips when mpirun is absent or the binary was built without MPI.
. "$(dirname "$0")/lib.sh"

mpi_need

cd "$T" || fail "cd $T"

# ---- ties across partitions ----
{
    for i in $(seq 1 10); do
        printf '{"id":"big-%02d","date":"2020-01-%02dT00:00:00Z","source":"S","title":"note","body":"big one"}\n' "$i" "$i"
    done
    n=0
    for a in a b; do
        for b in a b c d e f g h i j k l m n o p q r s t; do
            for k in 1 2 3; do
                n=$((n + 1))
                printf '{"id":"tie-%03d","date":"2020-02-%02dT00:00:00Z","source":"S","title":"note","body":"tie k%s%s"}\n' \
                    "$n" $((k + 1)) "$a" "$b"
            done
        done
    done
} >ties.jsonl
expect_status 0 "ingest the ties --shards 4" -- ws ingest -q --shards 4 -o ties ties.jsonl
printf 'ngram,count,df\nbig one,10,10\ntie kaa,3,3\ntie kab,3,3\ntie kac,3,3\ntie kad,3,3\n' >ties.want
ws ngrams --top 5 ties -j 1 -o ties.ref 2>/dev/null || fail "ngrams over the ties, one process"
cmp -s ties.want ties.ref || fail "ngrams --top 5 over the ties, one process: $(cat ties.ref)"
printf 'phrase\nbig one\ntie kaa\ntie kab\ntie kac\ntie kad\n' >phr.want
ws ngrams --phrases --min-count 3 --top 5 ties -j 1 -o phr.ref 2>/dev/null || fail "phrases over the ties, one process"
cut -d, -f1 phr.ref | cmp -s phr.want - || fail "ngrams --phrases --top 5 over the ties, one process: $(cat phr.ref)"
for r in 1 2 3 4; do
    for j in 1 2; do
        WIRESCAN_MPI_ROUND=1K mpi "$r" "$WS_BIN" ngrams --top 5 ties -j "$j" -o ties.out 2>m.err ||
            { cat m.err >&2; fail "ties: mpirun -n $r -j $j failed"; }
        cmp -s ties.want ties.out || fail "ties, mpirun -n $r -j $j: $(cat ties.out)"
        WIRESCAN_MPI_ROUND=1K mpi "$r" "$WS_BIN" ngrams --phrases --min-count 3 --top 5 ties -j "$j" -o phr.out 2>m.err ||
            { cat m.err >&2; fail "ties, phrases: mpirun -n $r -j $j failed"; }
        cmp -s phr.ref phr.out || fail "ties, phrases, mpirun -n $r -j $j: $(cat phr.out)"
    done
done
note "ngrams --top 5 through a tie of 40 bigrams: mpirun -n 1..4 = one process = the hand-written rows"

# ---- a generated corpus ----
ws generate --stories 400 --seed 5 -o c.jsonl || fail "generate"
expect_status 0 "ingest --shards 4" -- ws ingest -q --block-tokens 8192 --shards 4 -o sh c.jsonl
i=0
while IFS= read -r spec; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    ws ngrams $spec sh -j 1 -o ref.out 2>/dev/null || fail "ngrams $spec: one process"
    [ "$(wc -l <ref.out)" -ge 10 ] || fail "ngrams $spec: only $(wc -l <ref.out) lines"
    for r in 1 2 3 4; do
        j=$(((r + i) % 2 + 1))
        # shellcheck disable=SC2086
        WIRESCAN_MPI_STATS=1 WIRESCAN_MPI_ROUND=1K mpi "$r" "$WS_BIN" ngrams $spec sh -j "$j" -o m.out 2>m.err ||
            { cat m.err >&2; fail "ngrams $spec: mpirun -n $r -j $j failed"; }
        cmp -s ref.out m.out || fail "ngrams $spec: mpirun -n $r -j $j differs from one process"
        if [ "$r" -gt 1 ]; then
            rounds=$(sed -n "s/^wirescan: rank 0 of $r: sent [0-9]* bytes of kernel state in \([0-9]*\) exchange rounds$/\1/p" m.err)
            [ "${rounds:-0}" -gt 2 ] || fail "ngrams $spec, mpirun -n $r: ${rounds:-no} rounds: $(cat m.err)"
            [ "$(grep -c "of $r: sent [0-9]* bytes of kernel state in $rounds exchange rounds" m.err)" = "$r" ] ||
                fail "ngrams $spec, mpirun -n $r: the ranks ran different numbers of rounds: $(cat m.err)"
        fi
    done
done <<'EOF'
--top 40
--top 0
--n 3 --top 60
--n 3 --top 0 --min-count 2
--phrases --top 50
--phrases --top 0 --min-count 2
--phrases --min-count 2 --top 25 --stopwords en
--field title --top 30 --stem english
--top 35 --min-count 3 --no-numbers --min-length 3
EOF
note "ngrams (bigrams, trigrams, phrases, --min-count, --top 0, filters, normalisation): mpirun -n 1..4 = one process"

# ---- what rank 0 receives ----
received() { sed -n "s/^wirescan: rank 0 of 4: received \([0-9]*\) bytes of kernel state$/\1/p" "$1"; }
ws ngrams --top 0 sh -j 1 -o all.out 2>/dev/null || fail "ngrams --top 0, one process"
distinct=$(($(wc -l <all.out) - 1))
for top in 10 0; do
    WIRESCAN_MPI_STATS=1 mpi 4 "$WS_BIN" ngrams --top "$top" sh -j 1 -o m.out 2>"r$top.err" ||
        { cat "r$top.err" >&2; fail "ngrams --top $top, mpirun -n 4 failed"; }
    [ -n "$(received "r$top.err")" ] || fail "ngrams --top $top: rank 0 says nothing of what it received: $(cat "r$top.err")"
done
[ "$(received r10.err)" -lt $((4 * distinct)) ] ||
    fail "ngrams --top 10, 4 ranks: rank 0 received $(received r10.err) bytes, no less than $distinct n-grams take: $(cat r10.err)"
[ "$(received r10.err)" -lt "$(received r0.err)" ] ||
    fail "ngrams --top 10, 4 ranks: rank 0 received $(received r10.err) bytes, --top 0 $(received r0.err)"
note "ngrams --top 10, 4 ranks: rank 0 received $(received r10.err) bytes ($distinct distinct bigrams; --top 0: $(received r0.err))"

# ---- faults ----
cp -r sh bad
seg=$(ls bad/shard-002/seg-*.wss | head -n 1)
size=$(stat -c %s "$seg")
printf '\377\377\377\377\377\377\377\377' | dd of="$seg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null || fail "dd"
for spec in "--top 20" "--phrases --top 0"; do
    rc=0
    # shellcheck disable=SC2086
    mpi 4 "$WS_BIN" ngrams $spec bad -j 1 -o bad.out >b.log 2>&1 || rc=$?
    [ $rc -ne 0 ] || fail "ngrams $spec over a damaged shard, mpirun -n 4: exit status 0"
    grep -E "rank 2: shard [^ ]*shard-002: .*(checksum|corrupt|damaged)" b.log >/dev/null ||
        fail "ngrams $spec over a damaged shard: no message naming rank 2, the shard and the reason: $(head -c 1500 b.log)"
    [ ! -e bad.out ] || fail "ngrams $spec over a damaged shard: a report was written"
    [ -z "$(find . -maxdepth 1 -name 'bad.out.tmp.*')" ] || fail "ngrams $spec over a damaged shard: a temporary was left"
done
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
note "ngrams over a damaged shard under mpirun -n 4 fails naming rank, shard and reason; no report"
