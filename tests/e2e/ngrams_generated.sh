#!/usr/bin/env bash
# Bigrams on a generated corpus against the independent Python reference
# (tests/tools/ngrams_ref.py), with 1, 2 and 3 threads.
#
# The corpus (seeded, written here) has a Zipf-like vocabulary of 3000
# words, so that bigrams take both of the kernel's counting paths: pairs of
# two of the (up to) 512 most frequent terms count in the dense table,
# the others in the hash tables through the per-partition buffers (see
# kernels/ws_k_ngrams.c), and a bigram's count and df are summed across the
# two when the states are merged and finished. Stories repeat words within
# a sentence, so df differs from count. About 150k distinct bigrams: with
# --top 5 the ranking keeps its best rows in a bounded room (rank_room)
# and selects repeatedly.
#
# Checked byte for byte against the reference, for --threads 1, 2, 3 on a
# store in small blocks (many blocks a thread, merges of partly filled
# buffers): --top 0, --top 5, --top 3000, --phrases --top 0, and --top 0
# with --stopwords en (dropped terms break bigrams; the dense terms are
# then other words).
. "$(dirname "$0")/lib.sh"

python3 - "$T/g.jsonl" <<'PY' || fail "could not write the corpus"
import json, random, sys
rnd = random.Random(7)
# the stop words first, so that they are among the frequent terms
words = ['the', 'of', 'and', 'to', 'in', 'a', 'is', 'that', 'for', 'it'] + ['w%04d' % i for i in range(2990)]
weights = [1.0 / (i + 1) ** 0.9 for i in range(len(words))]
def sentence():
    n = rnd.randint(3, 14)
    ws = rnd.choices(words, weights, k=n)
    if rnd.random() < 0.3:  # a repeated phrase inside the story
        ws += ws[:2]
    return ' '.join(ws).capitalize() + '.'
with open(sys.argv[1], 'w') as f:
    for i in range(5000):
        body = ' '.join(sentence() for _ in range(rnd.randint(2, 9)))
        f.write(json.dumps({'id': str(i), 'title': sentence()[:-1], 'body': body}) + '\n')
PY
expect_status 0 "ingest of the generated corpus" -- ws ingest -q -o "$T/g" --block-tokens 20000 "$T/g.jsonl"

Q=(
    "all|--top 0"
    "top5|--top 5"
    "top3000|--top 3000"
    "phrases|--phrases --top 0"
    "stop|--top 0 --stopwords en"
)
mkdir -p "$T/ref"
python3 "$WS_SRC/tests/tools/ngrams_ref.py" "$T/g.jsonl" "$WS_SRC/data/stopwords" "$T/ref" "${Q[@]}" ||
    fail "the Python reference failed"
[ "$(wc -l <"$T/ref/all.csv")" -gt 100000 ] || fail "the corpus gave too few distinct bigrams to be a test"
for t in 1 2 3; do
    for q in "${Q[@]}"; do
        name=${q%%|*}
        # shellcheck disable=SC2086
        ws ngrams "$T/g" --threads "$t" ${q#*|} >"$T/$name.$t.csv" 2>"$T/err" ||
            { cat "$T/err" >&2; fail "ngrams ${q#*|} --threads $t failed"; }
        if ! cmp -s "$T/ref/$name.csv" "$T/$name.$t.csv"; then
            diff "$T/ref/$name.csv" "$T/$name.$t.csv" | head -n 20 >&2
            fail "ngrams ${q#*|} --threads $t: output differs from the Python reference"
        fi
    done
    note "ngrams --threads $t: ${#Q[@]} tables identical to the reference"
done
