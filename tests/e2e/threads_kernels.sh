#!/usr/bin/env bash
# Every parallel path on a small store, for 1, 2, 3 and 7 threads: ingest
# (byte-identical store files), tf (plain, --by month, --by section,
# --tfidf), keyness, cooc (window and document contexts, one term's
# collocates), ngrams (bigrams and trigrams), trends (--terms, --topics,
# --bursts, --emerging) each print byte-identical output for every thread
# count. The store is small (1000 generated stories in about 25 blocks) so
# that the whole test stays cheap under ThreadSanitizer, where CI runs it
# (setup.sh: build-tsan) to look for data races in these paths; the sanity
# checks (several blocks, outputs of more than a header) keep the
# comparisons honest.
. "$(dirname "$0")/lib.sh"

ws generate --stories 1000 --seed 3 --truth "$T/truth.csv" -o "$T/c.jsonl" || fail "generate"
awk -F, 'NR > 1 { print $1 ": " $3 }' "$T/truth.csv" >"$T/topics.txt"
[ -s "$T/topics.txt" ] || fail "no planted topics in the generator's truth"
for n in 1 2 3 7; do
    expect_status 0 "ingest --threads $n" -- \
        ws ingest -q --threads $n --block-tokens 16384 --tag section -o "$T/s$n" "$T/c.jsonl"
done
blocks=$(info_value "$T/s1" blocks)
[ "${blocks:-0}" -ge 8 ] || fail "expected at least 8 blocks to spread over threads, info says '$blocks'"
for n in 2 3 7; do
    same_store "$T/s1" "$T/s$n" "store ingested with --threads $n vs --threads 1"
done
note "ingest: stores from 1, 2, 3, 7 threads identical ($blocks blocks)"

S="$T/s1"
term=$(awk -F'[: ]+' 'NR == 1 { print $2 }' "$T/topics.txt")
# run NAME MINLINES CMD...: CMD --threads N for N = 1, 2, 3, 7 prints the
# same bytes, at least MINLINES lines.
run() {
    local name=$1 min=$2
    shift 2
    "$WS_BIN" "$@" --threads 1 >"$T/t1.out" 2>"$T/t1.err" || { cat "$T/t1.err" >&2; fail "$name --threads 1 failed"; }
    local lines
    lines=$(wc -l <"$T/t1.out")
    [ "$lines" -ge "$min" ] || fail "$name printed $lines lines, expected at least $min"
    for n in 2 3 7; do
        "$WS_BIN" "$@" --threads $n >"$T/tn.out" 2>"$T/tn.err" || { cat "$T/tn.err" >&2; fail "$name --threads $n failed"; }
        cmp -s "$T/t1.out" "$T/tn.out" || { diff "$T/t1.out" "$T/tn.out" | head -5 >&2; fail "$name: --threads $n differs from --threads 1"; }
    done
    note "$name: 1, 2, 3, 7 threads identical ($lines lines)"
}
run "tf" 100 tf "$S" --top 0
run "tf --by month --tfidf" 100 tf "$S" --by month --top 20 --tfidf
run "tf --by section" 20 tf "$S" --by section --top 20
run "keyness" 20 keyness "$S" --target-from 2018-01-01 --top 50 --both
run "cooc --window 5" 50 cooc "$S" --window 5 --top 200 -q
run "cooc (documents)" 50 cooc "$S" --top 200 -q
run "cooc of one term" 10 cooc "$S" --window 5 --term "$term" --top 50 -q
run "ngrams" 50 ngrams "$S" --top 100
run "ngrams -n 3" 50 ngrams "$S" -n 3 --top 100
run "trends --terms" 10 trends "$S" --terms "$term" --bucket month
run "trends --topics" 20 trends "$S" --topics "$T/topics.txt" --bucket month
# (1000 stories are too few for a burst: this one checks the path, not the result)
run "trends --topics --bursts" 1 trends "$S" --topics "$T/topics.txt" --bursts --bucket week
run "trends --emerging" 10 trends "$S" --emerging --bucket month --top 10
