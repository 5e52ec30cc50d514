#!/usr/bin/env bash
# Patterns ('*', '?') and phrases in every option that names terms, against
# an independent Python reference (tests/e2e/patterns_ref.py) on a generated
# corpus: --containing (the stories dtm lists), cooc --term (window and doc
# collocates with their counts and frequencies), trends --terms and a topics
# file (per-month docs and mentions); 1, 2 and 3 threads give the same bytes;
# a phrase holding a pattern in trends counts what its literal expansions
# count; bad patterns are clear errors, never read as literals.
. "$(dirname "$0")/lib.sh"

R="$E2E_DIR/patterns_ref.py"
ws generate --stories 500 --seed 7 -o "$T/g.jsonl" || fail "generate"
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" "$T/g.jsonl"

# same_threads OUT CMD...: CMD with -j 1, 2, 3 gives the same bytes; OUT gets them.
same_threads() {
    local out=$1
    shift
    for j in 1 2 3; do "$@" -j $j >"$T/j$j" 2>"$T/err" || { cat "$T/err" >&2; fail "$* -j $j failed"; }; done
    cmp -s "$T/j1" "$T/j2" && cmp -s "$T/j1" "$T/j3" || fail "$*: output differs across thread counts"
    cp "$T/j1" "$out"
}

# --containing: the stories dtm selects.
# dtm writes files, not stdout: wrap it so same_threads compares the rows file.
dtm_rows() { "$WS_BIN" dtm "$@" >/dev/null && cat "$T/d.rows.csv"; }
containing() {
    local args=() a
    for a in "$@"; do args+=(--containing "$a"); done
    python3 "$R" "$T/g.jsonl" containing "$@" >"$T/ref.ids" || fail "reference containing $*"
    [ "$(wc -l <"$T/ref.ids")" -ge 3 ] || fail "reference: containing $* selects almost nothing (weak test)"
    same_threads "$T/rows.csv" dtm_rows "$T/s" -o "$T/d" "${args[@]}"
    tail -n +2 "$T/rows.csv" | cut -d, -f2 | LC_ALL=C sort >"$T/got.ids"
    cmp -s "$T/ref.ids" "$T/got.ids" || { diff "$T/ref.ids" "$T/got.ids" | head >&2; fail "--containing $*: wrong stories"; }
    note "--containing $*: $(wc -l <"$T/ref.ids") stories ok"
}
containing 'p?am'
containing 'kr*d'
containing 'said the'
containing 'OF THE' 'kr*'
containing 'the p*'

# cooc --term: collocates, their counts and frequencies.
cooc() {
    local spec=$1 ctx=$2 opt=(--window "$2")
    [ "$ctx" = doc ] && opt=(--doc)
    python3 "$R" "$T/g.jsonl" cooc "$spec" "$ctx" >"$T/ref.cooc" || fail "reference cooc $*"
    [ "$(wc -l <"$T/ref.cooc")" -ge 5 ] || fail "reference: cooc $* has almost no collocates (weak test)"
    same_threads "$T/cooc.csv" ws cooc "$T/s" --term "$spec" "${opt[@]}" --top 0
    head -n 1 "$T/cooc.csv" | grep -E '^term,cooc,(tf|df)$' >/dev/null || fail "cooc $*: header $(head -n 1 "$T/cooc.csv")"
    tail -n +2 "$T/cooc.csv" | LC_ALL=C sort >"$T/got.cooc"
    LC_ALL=C sort "$T/ref.cooc" >"$T/ref.sorted"
    cmp -s "$T/ref.sorted" "$T/got.cooc" || { diff "$T/ref.sorted" "$T/got.cooc" | head >&2; fail "cooc --term '$spec' $ctx differs"; }
    note "cooc --term '$spec' $ctx: $(wc -l <"$T/ref.cooc") collocates ok"
}
cooc 'kr*d' 3
cooc 'p?am' doc
cooc 'said the' 2
cooc 'said the' doc
cooc 'the kr*' 4
# Several targets: a 'target' column named after each (patterns and phrases as written).
ws cooc "$T/s" --term 'kr*d' --term 'said  the' --term plam --top 0 >"$T/multi.csv" || fail "cooc several"
cut -d, -f1 "$T/multi.csv" | tail -n +2 | LC_ALL=C sort -u | tr '\n' '|' >"$T/targets"
[ "$(cat "$T/targets")" = "kr*d|plam|said the|" ] || fail "cooc targets: $(cat "$T/targets")"

# trends --terms and a topics file: a pattern is one series.
trends() {
    local spec=$1
    python3 "$R" "$T/g.jsonl" trends "$spec" >"$T/ref.tr" || fail "reference trends $*"
    [ "$(wc -l <"$T/ref.tr")" -ge 3 ] || fail "reference: trends $* almost empty (weak test)"
    same_threads "$T/tr.csv" ws trends "$T/s" --terms "$spec"
    awk -F, 'NR > 1 && $4 > 0 {print $1 "," $3 "," $4}' "$T/tr.csv" >"$T/got.tr"
    cmp -s "$T/ref.tr" "$T/got.tr" || { diff "$T/ref.tr" "$T/got.tr" | head >&2; fail "trends --terms '$spec' differs"; }
    printf 'pat: %s\n' "$spec" >"$T/topics.txt"
    ws trends "$T/s" --topics "$T/topics.txt" | awk -F, 'NR > 1 && $4 > 0 {print $1 "," $3 "," $4}' >"$T/got2.tr" ||
        fail "trends --topics"
    cmp -s "$T/ref.tr" "$T/got2.tr" || fail "trends --topics with '$spec' differs"
    note "trends '$spec': ok"
}
trends 'kr*d'
trends 'p?am'
trends 'th?'

# A phrase holding a pattern: the sum of its literal expansions (the
# literal path is the one phrases always took, sentences included).
ws trends "$T/s" --terms '"of kr*"' --bucket year >"$T/g.csv" || fail "trends phrase pattern"
lits=$(E2E_DIR=$E2E_DIR python3 - "$T/g.jsonl" <<'EOF'
import json, sys, os
sys.path.insert(0, os.environ['E2E_DIR'])
from kwic_ref import tokens
v = set()
for line in open(sys.argv[1], encoding='utf-8'):
    st = json.loads(line)
    for f in ('title', 'body'):
        t, tk = tokens(st.get(f, ''))
        v.update(t[a:b].casefold() for a, b in tk)
print(','.join('"of %s"' % w for w in sorted(v) if w.startswith('kr')))
EOF
) || fail "vocabulary"
[ -n "$lits" ] || fail "no kr* term"
ws trends "$T/s" --terms "$lits" --bucket year >"$T/l.csv" || fail "trends literal phrases"
want=$(awk -F, 'NR > 1 {m[$1] += $4} END {for (b in m) print b "," m[b]}' "$T/l.csv" | LC_ALL=C sort)
got=$(awk -F, 'NR > 1 {print $1 "," $4}' "$T/g.csv" | LC_ALL=C sort)
[ "$want" = "$got" ] || fail "trends '\"of kr*\"': $got, expansions sum to $want"
[ "$(awk -F, 'NR > 1 {s += $4} END {print s + 0}' "$T/g.csv")" -gt 0 ] || fail "'of kr*' never occurs (weak test)"
note "trends phrase with a pattern = its expansions"

# Errors: clear, naming the option; never a literal.
expect_status 2 "cooc --term 'u.s*'" -- ws cooc "$T/s" --term 'u.s*'
grep -F -- "wirescan cooc: --term 'u.s*'" "$T/last.err" >/dev/null || fail "cooc bad pattern message: $(cat "$T/last.err")"
expect_status 2 "--containing ''" -- ws tf "$T/s" --containing ' '
grep -F -- "--containing" "$T/last.err" >/dev/null || fail "empty containing message: $(cat "$T/last.err")"
expect_status 2 "phrase of 9 tokens" -- ws tf "$T/s" --containing 'a b c d e f g h i'
grep -F "more than 8 tokens" "$T/last.err" >/dev/null || fail "long phrase message: $(cat "$T/last.err")"
expect_status 2 "trends pattern too wide" -- ws trends "$T/s" --terms '"* *"'
grep -F "narrow the pattern" "$T/last.err" >/dev/null || fail "wide pattern message: $(cat "$T/last.err")"
# A pattern matching nothing: an honest empty answer and a note.
expect_status 0 "cooc nothing" -- ws cooc "$T/s" --term 'zzq*'
[ "$(cat "$T/last.out")" = "term,cooc,tf" ] || fail "cooc of nothing: $(cat "$T/last.out")"
grep -F "does not occur" "$T/last.err" >/dev/null || fail "cooc of nothing: no note"
expect_status 0 "tf containing nothing" -- ws tf "$T/s" --containing 'zzq*'
[ "$(wc -l <"$T/last.out")" = 1 ] || fail "tf --containing of nothing: $(head -3 "$T/last.out")"
note "errors ok"
