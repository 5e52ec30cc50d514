#!/usr/bin/env bash
# Determinism across thread counts: the same generated corpus (20000 stories)
# ingested with --threads 1, 2, 3 and 7 (small blocks; and 1 vs 7 with the
# default block size) gives byte-identical store files (every file but LOCK,
# compared with cmp), and `tf --top 0` (every term) on
# one store prints byte-identical output for --threads 1, 2, 3 and 7; so does
# `tf --tfidf` with a date filter. Sanity checks keep the comparison honest:
# the store has several blocks to spread over threads, and tf's counts add
# up to info's token total.
. "$(dirname "$0")/lib.sh"

ws generate --stories 20000 --seed 5 -o "$T/c.jsonl" || fail "generate"
# small blocks, so that there are many blocks for the threads to share
for n in 1 2 3 7; do
    expect_status 0 "ingest --threads $n" -- \
        ws ingest -q --threads $n --block-tokens 65536 -o "$T/s$n" --tag section "$T/c.jsonl"
done
blocks=$(info_value "$T/s1" blocks)
[ "${blocks:-0}" -ge 8 ] || fail "expected at least 8 blocks to spread over threads, info says '$blocks'"
for n in 2 3 7; do
    same_store "$T/s1" "$T/s$n" "store ingested with --threads $n vs --threads 1"
done
# and with the default block size
for n in 1 7; do
    expect_status 0 "ingest --threads $n (default blocks)" -- ws ingest -q --threads $n -o "$T/d$n" "$T/c.jsonl"
done
same_store "$T/d1" "$T/d7" "store ingested with default block size, --threads 7 vs --threads 1"
note "stores from --threads 1, 2, 3, 7 are identical ($(store_files "$T/s1" | tr '\n' ' '); $blocks blocks)"

for n in 1 2 3 7; do
    expect_status 0 "tf --threads $n" -- ws tf "$T/s1" --top 0 --threads $n
    mv "$T/last.out" "$T/tf$n.csv"
    expect_status 0 "tf --tfidf --threads $n" -- ws tf "$T/s1" --top 50 --tfidf --from 2016-03-01 --to 2018-07-31 --threads $n
    mv "$T/last.out" "$T/tfidf$n.csv"
done
for n in 2 3 7; do
    cmp -s "$T/tf1.csv" "$T/tf$n.csv" || fail "tf --top 0 output differs between --threads 1 and --threads $n"
    cmp -s "$T/tfidf1.csv" "$T/tfidf$n.csv" || fail "tf --tfidf --from/--to output differs between --threads 1 and --threads $n"
done

# the compared output is the real thing: a header, every term, counts that
# add up to the store's token total (tf's default folds case, which merges
# terms but keeps the total)
tokens=$(info_value "$T/s1" tokens)
python3 - "$T/tf1.csv" "$tokens" <<'PY' || fail "tf --top 0 output is not a plausible full term table"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
assert rows[0][:3] == ["term", "tf", "df"], rows[0]
total = sum(int(r[1]) for r in rows[1:])
assert total == int(sys.argv[2]), "sum of tf %d != info tokens %s" % (total, sys.argv[2])
assert len(rows) > 1000, "only %d rows" % len(rows)
print("tf table: %d terms, %d tokens" % (len(rows) - 1, total))
PY
[ "$(wc -l <"$T/tfidf1.csv")" -eq 51 ] || fail "tf --top 50 --tfidf printed $(wc -l <"$T/tfidf1.csv") lines, expected 51"
note "tf output identical for --threads 1, 2, 3, 7"
note "ok"
