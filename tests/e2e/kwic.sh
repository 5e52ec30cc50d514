#!/usr/bin/env bash
# kwic against an independent Python reference (tests/e2e/kwic_ref.py: its
# own tokenizer, case folding and context rules) on a generated corpus:
# words, phrases, patterns, --window, --sort left|right, --field, --source;
# the same bytes for 1, 2 and 3 threads; --limit is a prefix of the full
# output; --sample N gives N of the matches, the same for any thread count
# and seed, another with another seed; bad input gets clear errors and a
# pattern matching nothing the header alone with a note.
. "$(dirname "$0")/lib.sh"

R="$E2E_DIR/kwic_ref.py"
ws generate --stories 1000 --seed 7 -o "$T/g.jsonl" || fail "generate"
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" --tag section "$T/g.jsonl"

rows() { python3 -c 'import csv,sys; [print(r) for r in csv.reader(open(sys.argv[1], newline=""))]' "$1"; }

# check MODE ARG WINDOW SORT FIELD SOURCE: wirescan against the reference.
check() {
    local mode=$1 arg=$2 win=$3 sort=$4 field=$5 src=$6 extra=()
    [ -n "$src" ] && extra=(--source "$src")
    python3 "$R" "$T/g.jsonl" "$mode" "$arg" "$win" "$sort" "$field" "$src" >"$T/ref.csv" || fail "reference $*"
    rows "$T/ref.csv" >"$T/ref.rows"
    [ "$(wc -l <"$T/ref.rows")" -gt 3 ] || fail "reference found almost nothing for $*: the test would be weak"
    for j in 1 2 3; do
        ws kwic "$T/s" "--$mode" "$arg" --window "$win" --sort "$sort" --field "$field" "${extra[@]}" -j $j \
            >"$T/got$j.csv" 2>"$T/err" || { cat "$T/err" >&2; fail "kwic $* -j $j failed"; }
    done
    cmp -s "$T/got1.csv" "$T/got2.csv" && cmp -s "$T/got1.csv" "$T/got3.csv" || fail "kwic $*: output differs across thread counts"
    rows "$T/got1.csv" >"$T/got.rows"
    if ! cmp -s "$T/ref.rows" "$T/got.rows"; then
        diff "$T/ref.rows" "$T/got.rows" | head -10 >&2
        fail "kwic $*: differs from the reference"
    fi
    note "$mode '$arg' window $win sort $sort field $field ${src:+source $src}: $(($(wc -l <"$T/ref.rows") - 1)) rows ok"
}

check term Suskem 5 store all ""
check term plam 0 store body ""
check term reaplai 7 store title ""
check phrase "said the" 3 right all ""
check phrase "OF THE" 2 left all ""
check glob 'kr*d' 5 left all ""
check glob 'p?am' 4 store all "Corvell Wire"
check term 'kriond' 100 right all ""

# --limit: the first N rows of the full output.
ws kwic "$T/s" --term the -j 3 >"$T/all.csv" || fail "kwic the"
ws kwic "$T/s" --term the --limit 25 -j 2 >"$T/lim.csv" || fail "kwic --limit"
[ "$(wc -l <"$T/lim.csv")" = 26 ] || fail "--limit 25 gave $(wc -l <"$T/lim.csv") lines"
head -n 26 "$T/all.csv" | cmp -s - "$T/lim.csv" || fail "--limit 25 is not the first 25 rows"
# --sort with --limit: the first N rows of the sorted output.
ws kwic "$T/s" --term plam --sort left -j 1 >"$T/sl.csv" || fail "sort left"
ws kwic "$T/s" --term plam --sort left --limit 10 -j 3 >"$T/sl10.csv" || fail "sort left limit"
head -n 11 "$T/sl.csv" | cmp -s - "$T/sl10.csv" || fail "--sort left --limit 10 is not the first 10 sorted rows"
note "limit ok"

# --sample: N distinct matches of the full output, in store order, the same
# for any thread count; another seed, another sample.
for j in 1 2 3; do ws kwic "$T/s" --term the --sample 40 --seed 9 -j $j >"$T/samp$j.csv" || fail "sample"; done
cmp -s "$T/samp1.csv" "$T/samp2.csv" && cmp -s "$T/samp1.csv" "$T/samp3.csv" || fail "--sample differs across threads"
ws kwic "$T/s" --term the --sample 40 --seed 10 >"$T/samp_other.csv" || fail "sample seed 10"
cmp -s "$T/samp1.csv" "$T/samp_other.csv" && fail "--seed 9 and --seed 10 drew the same sample"
python3 - "$T/all.csv" "$T/samp1.csv" <<'PY' || fail "--sample rows are not 40 distinct rows of the full output in store order"
import csv, sys
full = [tuple(r) for r in csv.reader(open(sys.argv[1], newline=""))][1:]
samp = [tuple(r) for r in csv.reader(open(sys.argv[2], newline=""))][1:]
idx = {r: i for i, r in enumerate(full)}
pos = [idx[r] for r in samp]
assert len(samp) == 40 and len(set(samp)) == 40 and pos == sorted(pos), (len(samp), pos[:5])
PY
note "sample ok"

# Bad input and empty answers.
expect_status 0 "no match" -- ws kwic "$T/s" --glob 'zzqx*'
[ "$(tr -d '\r' <"$T/last.out")" = "id,date,source,position,left,match,right" ] || fail "no match: not the header alone"
grep -q "matches no term" "$T/last.err" || fail "no match: no note on stderr"
expect_status 0 "absent word" -- ws kwic "$T/s" --term zzqxw
grep -q "does not occur" "$T/last.err" || fail "absent word: no note"
expect_status 2 "empty term" -- ws kwic "$T/s" --term ""
grep -q "empty" "$T/last.err" || fail "empty term: unclear message"
expect_status 2 "empty glob" -- ws kwic "$T/s" --glob "  "
expect_status 2 "window 101" -- ws kwic "$T/s" --term the --window 101
grep -q "0 to 100" "$T/last.err" || fail "window 101: unclear message"
expect_status 2 "long phrase" -- ws kwic "$T/s" --phrase "a b c d e f g h i"
grep -q "more than 8 tokens" "$T/last.err" || fail "long phrase: unclear message"
expect_status 2 "bad pattern" -- ws kwic "$T/s" --glob "u.s*"
grep -q "not one word" "$T/last.err" || fail "bad pattern: unclear message"
expect_status 2 "nothing asked" -- ws kwic "$T/s"
expect_status 2 "bad sort" -- ws kwic "$T/s" --term the --sort middle
note "errors ok"
