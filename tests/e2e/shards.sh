#!/usr/bin/env bash
# Shard sets (docs/scale-out.md), in one process (no MPI needed):
#   - ingest --shards 4 splits the stories by id: the shards together hold
#     every story exactly once, each holds a fair share, and a story lands
#     in the same shard whatever the other stories and their order (the
#     shard is a function of the id alone); the same input gives
#     byte-identical shard stores twice;
#   - `wirescan shard STORE --into 4 DIR` puts every story in the shard
#     ingest --shards 4 put it in;
#   - a shard set DIR is taken wherever a store is (info, tf ...), and one
#     process over the shards prints exactly what it prints over the
#     unsharded store for tf, keyness, ngrams, trends and cooc;
#   - a set with a missing shard, or one shard there twice, is refused
#     (status 8 and 5) naming the shard;
#   - index and verify take a shard set (every shard);
#   - the progress line of ingest --shards counts every shard's stories.
. "$(dirname "$0")/lib.sh"

ws generate --stories 600 --seed 11 -o "$T/c.jsonl" || fail "generate"
expect_status 0 "plain ingest" -- ws ingest -q --tag section --block-tokens 16384 -o "$T/one" "$T/c.jsonl"
expect_status 0 "ingest --shards 4" -- ws ingest -q --tag section --block-tokens 16384 --shards 4 -o "$T/sh" "$T/c.jsonl"
[ "$(cat "$T/sh/SHARDS")" = "wirescan-shards 4" ] || fail "SHARDS file: '$(cat "$T/sh/SHARDS")'"

ids() { ws export "$1" --fields id -f csv | tail -n +2 | LC_ALL=C sort; }
ids "$T/one" >"$T/all.ids"
[ "$(wc -l <"$T/all.ids")" = 600 ] || fail "unsharded store holds $(wc -l <"$T/all.ids") ids"
: >"$T/union.ids"
for i in 0 1 2 3; do
    ids "$T/sh/shard-00$i" >"$T/s$i.ids"
    n=$(wc -l <"$T/s$i.ids")
    # 600 ids over 4 shards: 150 expected; a hash that sends most ids to
    # one shard fails this.
    [ "$n" -ge 90 ] && [ "$n" -le 210 ] || fail "shard $i holds $n of 600 stories"
    cat "$T/s$i.ids" >>"$T/union.ids"
done
LC_ALL=C sort "$T/union.ids" | cmp -s - "$T/all.ids" || fail "the shards together do not hold every story exactly once"
note "ingest --shards 4: 600 stories split $(wc -l <"$T/s0.ids")/$(wc -l <"$T/s1.ids")/$(wc -l <"$T/s2.ids")/$(wc -l <"$T/s3.ids")"

# Determinism: twice the same input -> identical shard stores.
expect_status 0 "ingest --shards 4 again" -- ws ingest -q --tag section --block-tokens 16384 --shards 4 -o "$T/sh2" "$T/c.jsonl"
for i in 0 1 2 3; do same_store "$T/sh/shard-00$i" "$T/sh2/shard-00$i" "shard $i of two identical ingests"; done
# The shard depends on the id alone: every other story, in reverse order.
awk 'NR % 2 == 0' "$T/c.jsonl" | tac >"$T/half.jsonl"
expect_status 0 "ingest --shards 4 of half the stories" -- ws ingest -q --shards 4 -o "$T/half" "$T/half.jsonl"
for i in 0 1 2 3; do
    ids "$T/half/shard-00$i" >"$T/h$i.ids"
    [ -s "$T/h$i.ids" ] || fail "half: shard $i is empty"
    comm -23 "$T/h$i.ids" "$T/s$i.ids" | grep . >/dev/null && fail "half: shard $i holds ids the full ingest put elsewhere"
done
note "the shard of a story depends on its id only"

# The progress line of a one-pass ingest counts every shard's stories
# (the final line says all 600), not the first shard's.
expect_status 0 "ingest --shards 4 --progress" -- ws ingest --progress --shards 4 -o "$T/prog" "$T/c.jsonl"
last=$(tr '\r' '\n' <"$T/last.err" | grep 'ingest: ' | grep -o '[0-9]* stories' | tail -n 1)
[ "$last" = "600 stories" ] || fail "progress of ingest --shards 4 ends at '$last', not 600 stories"

# One pass over the input for all shards: a bad record is reported once
# (not once a shard) and counted once; a set whose shards' dictionaries
# differ (a shard ingested into alone) is refused before anything is
# written.
{ head -n 40 "$T/c.jsonl"; echo '{"id": broken'; } >"$T/bad1.jsonl"
expect_status 0 "ingest --shards 4 with a bad record" -- ws ingest --shards 4 -o "$T/b1" "$T/bad1.jsonl"
[ "$(grep -c 'bad1.jsonl:41:' "$T/last.err")" = 1 ] || fail "the bad record was reported $(grep -c 'bad1.jsonl:41:' "$T/last.err") times: $(cat "$T/last.err")"
grep "1 bad records skipped" "$T/last.err" >/dev/null || fail "bad record count: $(cat "$T/last.err")"
ws generate --stories 5 --seed 77 -o "$T/x.jsonl" 2>/dev/null || fail "generate"
expect_status 0 "ingest into one shard alone" -- ws ingest -q -o "$T/b1/shard-002" "$T/x.jsonl"
before=$(cat "$T"/b1/shard-00[013]/MANIFEST | md5sum)
expect_status 5 "ingest --shards 4 into a set with a shard apart" -- ws ingest -q --shards 4 -o "$T/b1" "$T/half.jsonl"
grep "shard-002: its dictionary differs" "$T/last.err" >/dev/null || fail "no refusal naming the shard: $(cat "$T/last.err")"
[ "$(cat "$T"/b1/shard-00[013]/MANIFEST | md5sum)" = "$before" ] || fail "a refused ingest changed the other shards"

# wirescan shard: re-shard the unsharded store; the same assignment.
expect_status 0 "shard --into 4" -- ws shard "$T/one" --into 4 "$T/re" -q
for i in 0 1 2 3; do
    ids "$T/re/shard-00$i" | cmp -s - "$T/s$i.ids" || fail "shard --into 4: shard $i differs from ingest --shards 4"
done
[ "$(info_value "$T/re" stories)" = 600 ] || fail "info of the re-sharded set: $(info_value "$T/re" stories) stories"
note "shard --into 4 agrees with ingest --shards 4"

# One process over the shard set prints what it prints over the store.
from=$(ws export "$T/one" --fields date -f csv | sed -n 300p | cut -c1-10)
[ -n "$from" ] || fail "no date to split keyness at"
same() {
    local what=$1
    shift
    ws "$@" "$T/one" -j 2 >"$T/a.out" 2>"$T/a.err" || { cat "$T/a.err" >&2; fail "$what over the store failed"; }
    ws "$@" "$T/sh" -j 2 >"$T/b.out" 2>"$T/b.err" || { cat "$T/b.err" >&2; fail "$what over the shards failed"; }
    [ "$(wc -l <"$T/a.out")" -ge 5 ] || fail "$what printed only $(wc -l <"$T/a.out") lines"
    cmp -s "$T/a.out" "$T/b.out" || fail "$what: the shard set prints other bytes than the store"
}
same "tf" tf --top 50
same "tf --by month" tf --by month --top 5
same "tf --by section --tfidf" tf --by section --tfidf --top 5
same "keyness" keyness --target-from "$from" --top 40
same "ngrams" ngrams -n 2 --top 40
same "ngrams --phrases" ngrams --phrases --top 40
same "trends" trends --terms said,that --bucket month
same "trends --emerging" trends --emerging --bucket month
same "cooc --term" cooc --term said --top 30
same "cooc all pairs" cooc --top 30
note "one process over 4 shards = one process over the store (tf, keyness, ngrams, trends, cooc)"

# A missing shard, a shard there twice.
cp -r "$T/sh" "$T/miss" && rm -rf "$T/miss/shard-002"
expect_status 8 "a set without shard 2" -- ws tf "$T/miss"
grep "shard 2 of 4 is missing" "$T/last.err" >/dev/null || fail "missing shard: $(cat "$T/last.err")"
cp -r "$T/sh" "$T/dup" && cp -r "$T/dup/shard-001" "$T/dup/shard-0001"
expect_status 5 "a set with shard 1 twice" -- ws info "$T/dup"
grep "shard 1 is there twice" "$T/last.err" >/dev/null || fail "duplicated shard: $(cat "$T/last.err")"
cp -r "$T/sh" "$T/extra" && cp -r "$T/extra/shard-001" "$T/extra/shard-004"
expect_status 5 "a set of 4 holding shard 4" -- ws tf "$T/extra"
expect_status 2 "ingest --shards 3 into a set of 4" -- ws ingest -q --shards 3 -o "$T/sh" "$T/c.jsonl"
note "missing, duplicated and surplus shards refused"

# wirescan index and verify take the set too.
expect_status 0 "index of a shard set" -- ws index "$T/sh"
grep "already has a term index" "$T/last.out" >/dev/null || fail "index of a shard set: $(cat "$T/last.out")"
expect_status 0 "verify of a shard set" -- ws verify "$T/sh"
[ "$(grep -c "shard-00[0-3]/seg-.*blocks ok" "$T/last.err")" = 4 ] || fail "verify did not check 4 shards: $(cat "$T/last.err")"
note "index and verify take the set"
