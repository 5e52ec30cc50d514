#!/usr/bin/env bash
# Scale evidence for docs/scale-out.md (issue 18): a generated corpus,
# ingested as one store and as 4 shards (mpirun -n 1, 2, 4), then tf, cooc
# of one term, all-pairs cooc under --mem and trends with 1, 2 and 4
# ranks. Per step: the wall clock (median of RUNS), every rank's peak RSS
# (/usr/bin/time wraps each rank) and the bytes each rank sent and received
# (WIRESCAN_MPI_STATS=1; builds before the "received" line print "-"), all
# in rank order. Every output is compared with one process over
# the unsharded store. On a machine with fewer cores than ranks the ranks
# are oversubscribed (--oversubscribe): the times then show the cost of the
# machinery, not a speed-up.
#
# usage: bench/mpi_scale.sh WIRESCAN WORKDIR [STORIES [RUNS]]
set -u
W=$1 D=$2 N=${3:-1000000} RUNS=${4:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_plm_rsh_agent=false
mkdir -p "$D"
cd "$D" || exit 1
[ -s c.jsonl ] || "$W" generate --stories "$N" --seed 1 -o c.jsonl || exit 1
echo "corpus: $N stories, $(stat -c %s c.jsonl) bytes of JSONL; $(nproc) cores"

now() { date +%s.%N; }
# run LABEL RANKS ARGS...: RANKS 0 = one plain process. Prints the wall
# clock, the peak RSS of each rank (MiB) and the bytes each rank sent and
# received.
run() {
    local label=$1 ranks=$2
    shift 2
    local t0 t1
    t0=$(now)
    if [ "$ranks" = 0 ]; then
        /usr/bin/time -f "rss %M" "$W" "$@" 2>time.err >/dev/null
    else
        # shellcheck disable=SC2016 # (expanded by each rank's sh)
        # (each rank's peak RSS labelled with its rank: the tree's rank 0
        # and inner ranks merge states, the others only send)
        WIRESCAN_MPI_STATS=1 mpirun --oversubscribe -n "$ranks" sh -c \
            'exec /usr/bin/time -f "rss %M rank ${OMPI_COMM_WORLD_RANK:-0}" "$0" "$@"' "$W" "$@" 2>time.err >/dev/null
    fi
    local rc=$?
    t1=$(now)
    local rss sent recv
    rss=$(grep -o 'rss [0-9]*\( rank [0-9]*\)\?' time.err | sort -n -k4 | awk '{printf "%s%d", sep, $2 / 1024; sep = "/"}')
    sent=$(grep -o 'rank [0-9]* of [0-9]*: sent [0-9]*' time.err | sort -n -k2 | awk '{printf "%s%s", sep, $6; sep = "/"}')
    recv=$(grep -o 'rank [0-9]* of [0-9]*: received [0-9]*' time.err | sort -n -k2 | awk '{printf "%s%s", sep, $6; sep = "/"}')
    printf '%-28s ranks %s  rc %d  %6.2f s  rss MiB %s  sent %s  received %s\n' "$label" "$ranks" "$rc" \
        "$(echo "$t1 - $t0" | bc)" "$rss" "${sent:--}" "${recv:--}"
    [ $rc = 0 ] || tail -5 time.err
}

if [ ! -d one ]; then run "ingest one store" 0 ingest -q -o one c.jsonl; fi
# The shards: mpirun -n INGEST_RANKS (default 2) ingest --shards 4. (Each
# rank parses the whole input once and writes its shards in that pass.)
[ -d sh ] || run "ingest --shards 4" "${INGEST_RANKS:-2}" ingest -q --shards 4 -o sh c.jsonl

check() { # check NAME: the last output against the reference
    cmp -s ref.out m.out || echo "!! $1: output differs from one process over the store"
}
step() { # step NAME ARGS...
    local name=$1
    shift
    "$W" "$@" one -o ref.out 2>/dev/null
    for k in $(seq "$RUNS"); do run "$name (store)" 0 "$@" one -o m.out; done
    check "$name"
    for r in 1 2 4; do
        for k in $(seq "$RUNS"); do
            rm -f m.out
            run "$name" "$r" "$@" sh -o m.out
            check "$name -n $r"
        done
    done
}
step "tf --top 100" tf --top 100
step "cooc --term said" cooc --term said --top 50
step "trends 3 terms by month" trends --terms said,market,price --bucket month
# Count tables that grow with the vocabulary (a binary tree across ranks:
# rank 0 receives log2(ranks) states)
step "tf --by month --top 100" tf --by month --top 100
step "trends --emerging by month" trends --emerging --bucket month --top 10
# n-grams: a hash-partitioned reduction (rank 0 receives its partition and
# the other ranks' --top candidates, not the whole table)
if [ -n "${NGRAMS:-}" ]; then # (minutes a run at 1M stories)
    step "ngrams --top 100" ngrams --top 100
    step "ngrams --phrases --top 100" ngrams --phrases --top 100
fi
# All pairs (window 2: every token pairs with the next two) under --mem,
# over the stories of 2015 (a sixth of the corpus: the whole would take
# minutes a run on a shared 2-core machine): pairs exchanged by hash
# partition across ranks.
step "cooc all pairs 2015 -w2 --mem 512M" cooc --window 2 --top 100 --mem 512M --from 2015-01-01 --to 2015-12-31
