#!/usr/bin/env bash
# ngrams on Reuters-21578 against an independent Python computation.
#
# The reference (tests/tools/ngrams_ref.py) is written from the documented
# rules, not from the C code: it tokenizes the raw title and body of every
# story of the JSONL (NFKC, the token rule of DESIGN.md, case folding),
# splits them into sentences with the rule of kernels/ws_tokenize.h
# (terminator + whitespace + capital or digit, paragraph breaks), and counts
# the n-grams inside sentences, breaking at dropped terms.
#
# Checked, byte for byte against the reference:
#   - all bigrams with count and df (--top 0), whole corpus;
#   - on the first 6000 stories: every trigram (--n 3 --top 0), and the
#     bigrams under --stopwords en --min-length 3 --no-numbers (dropped terms
#     break n-grams);
#   - the title trigrams of the whole corpus (--field title);
#   - --phrases --top 0: the set of bigrams with count >= 5, their df, the
#     NPMI (computed in Python with the same formula; same libm) and the
#     order.
# Also: the NPMI column recomputed from the printed counts, N = the sum of
# the bigram counts and the unigram counts of `wirescan tf` (tolerance
# 1e-9); known multi-word names among the top 100 phrases; 1, 2 and 3
# threads on a store in small blocks giving the bytes of one thread on the
# store in large blocks; two shards giving the bytes of one store.
. "$(dirname "$0")/lib.sh"

R="$T/r.jsonl"
S="$T/store"
reuters_jsonl "$R"
head -n 6000 "$R" >"$T/part.jsonl"
expect_status 0 "ingest of Reuters" -- ws ingest -q -o "$S" "$R"
expect_status 0 "ingest of the first 6000 stories" -- ws ingest -q -o "$T/part" "$T/part.jsonl"
expect_status 0 "ingest of Reuters in small blocks" -- ws ingest -q -o "$T/small" --block-tokens 20000 "$R"

# name|options, for the whole corpus and for the part
FULL=(
    "all|--top 0"
    "phrases|--phrases --top 0"
    "title3|--n 3 --top 0 --field title"
)
PART=("tri|--n 3 --top 0" "stop|--top 0 --stopwords en --min-length 3 --no-numbers")
mkdir -p "$T/ws" "$T/ref"
run_queries() { # STORE OUTDIR QUERY...
    local store=$1 dir=$2 q
    shift 2
    for q in "$@"; do
        # shellcheck disable=SC2086
        ws ngrams "$store" --threads 2 ${q#*|} >"$dir/${q%%|*}.csv" 2>"$T/err" ||
            { cat "$T/err" >&2; fail "ngrams ${q#*|} failed"; }
    done
}
run_queries "$S" "$T/ws" "${FULL[@]}"
run_queries "$T/part" "$T/ws" "${PART[@]}"
python3 "$WS_SRC/tests/tools/ngrams_ref.py" "$R" "$WS_SRC/data/stopwords" "$T/ref" "${FULL[@]}" \
    "${PART[@]/%/ --first 6000}" || fail "the Python reference failed"
for q in "${FULL[@]}" "${PART[@]}"; do
    name=${q%%|*}
    if ! cmp -s "$T/ref/$name.csv" "$T/ws/$name.csv"; then
        diff "$T/ref/$name.csv" "$T/ws/$name.csv" | head -n 20 >&2
        fail "ngrams ${q#*|} ($name): output differs from the Python reference ($(wc -l <"$T/ref/$name.csv") lines)"
    fi
    note "ngrams ${q#*|} ($name): $(($(wc -l <"$T/ws/$name.csv") - 1)) rows identical to the reference"
done
[ "$(wc -l <"$T/ws/all.csv")" -gt 500000 ] || fail "suspiciously few bigrams"
[ "$(wc -l <"$T/ws/tri.csv")" -gt 300000 ] || fail "suspiciously few trigrams"

# NPMI from the printed bigram counts: marginals over bigram positions.
python3 - "$T/ws/phrases.csv" "$T/ws/all.csv" <<'PY' || fail "NPMI does not match its definition"
import collections, csv, math, sys
ph = list(csv.DictReader(open(sys.argv[1], encoding='utf-8')))
bi = list(csv.DictReader(open(sys.argv[2], encoding='utf-8')))
N = sum(int(r['count']) for r in bi)
left, right = collections.Counter(), collections.Counter()
for r in bi:
    x, y = r['ngram'].split(' ')
    left[x] += int(r['count'])
    right[y] += int(r['count'])
want = sum(1 for r in bi if int(r['count']) >= 5)
assert len(ph) == want, 'phrases --top 0 has %d rows, bigrams with count >= 5: %d' % (len(ph), want)
counts = {r['ngram']: (r['count'], r['df']) for r in bi}
worst = 0.0
for r in ph:
    x, y = r['phrase'].split(' ')
    c = int(r['count'])
    assert counts[r['phrase']] == (r['count'], r['df']), r
    pxy, px, py = c / N, left[x] / N, right[y] / N
    v = min(1.0, math.log2(pxy / (px * py)) / -math.log2(pxy))
    got = float(r['npmi'])
    assert -1 <= got <= 1, r
    err = abs(got - v) / max(abs(v), 1e-3)
    worst = max(worst, err)
    assert err < 1e-9, (r, v)
vals = [float(r['npmi']) for r in ph]
assert all(a >= b for a, b in zip(vals, vals[1:])), 'npmi not descending'
# buenos aires: "buenos" only ever before "aires", "aires" only after
# "buenos" (it scored 1.010 when p(x) counted every token)
assert float(next(r for r in ph if r['phrase'] == 'buenos aires')['npmi']) == 1.0
print('[ngrams_reuters] %d phrases: npmi = definition from printed counts (N=%d), all in [-1, 1], worst rel. error %.2g'
      % (len(ph), N, worst))
PY

# Known multi-word names among the top 100 phrases (what wirescan gives:
# buenos aires ranks 1st, kuala lumpur 5th, hong kong about 50th, wall
# street about 80th).
ws ngrams "$S" --phrases >"$T/top.csv" || fail "ngrams --phrases failed"
for p in "buenos aires" "kuala lumpur" "los angeles" "hong kong" "merrill lynch" "wall street"; do
    grep -q "^$p," "$T/top.csv" || fail "'$p' is not among the top 100 phrases"
done
note "known phrases among the top 100: buenos aires, kuala lumpur, los angeles, hong kong, merrill lynch, wall street"

# Thread counts and block boundaries: identical bytes.
for args in "--top 0" "--n 3 --top 0 --stopwords en" "--phrases --top 0 --min-count 2"; do
    # shellcheck disable=SC2086
    ws ngrams "$S" --threads 1 $args >"$T/t1.csv" || fail "ngrams $args --threads 1 failed"
    for n in 1 2 3; do
        # shellcheck disable=SC2086
        ws ngrams "$T/small" --threads $n $args >"$T/tn.csv" || fail "ngrams $args --threads $n failed"
        cmp -s "$T/t1.csv" "$T/tn.csv" || fail "ngrams $args: --threads $n (small blocks) differs from --threads 1"
    done
    note "ngrams $args: 1, 2, 3 threads identical ($(wc -l <"$T/t1.csv") lines)"
done

# Shards: two stores queried together give the bytes of the one store.
tail -n +6001 "$R" >"$T/rest.jsonl"
expect_status 0 "ingest of the other stories" -- ws ingest -q -o "$T/rest" "$T/rest.jsonl"
ws ngrams "$S" --top 0 --n 3 >"$T/one.csv" || fail "ngrams on the store failed"
ws ngrams "$T/rest" "$T/part" --top 0 --n 3 --threads 2 >"$T/two.csv" || fail "ngrams on two shards failed"
cmp -s "$T/one.csv" "$T/two.csv" || fail "ngrams --n 3 --top 0: two shards differ from one store"
note "two shards = one store ($(wc -l <"$T/two.csv") lines)"
note "ok"
