#!/usr/bin/env bash
# wirescan run: kernel work shared between the lines of a job (issue 21,
# ws_kernel consume_group). `cooc --term` lines with equal normalisation,
# context and field are fed by one call per block (each story's kept terms
# compacted, its distinct terms found and the targets matched once for
# all); `trends --emerging` lines take their counts from a `tf --by` line
# of the same bucket, normalisation and field when neither filters
# (ws_kernel adopt), and `keyness` lines whose target (with the rest as
# reference) is a range of dates on month edges take theirs from it. The scan hands blocks over as codes with the ids
# looked up once beside them (tf, trends and cooc count codes; ngrams,
# keyness and the --containing filter read ids); the doc-context cooc
# group holds five targets, more than one call of its code path takes
# (four), so it is fed in two runs. Checks, for 1 and 2 threads:
#   - every report is byte for byte the line run alone (cmp), for lines
#     that share (equal normalisation, doc and window contexts, a line
#     whose date filter selects fewer stories: it shares only the blocks
#     where its selection is the others'), and for lines that must not
#     (another normalisation: --stem en, --stopwords en, --min-length; another
#     context; another field; all-pairs cooc; other kernels; emerging terms
#     by another bucket, normalisation, field or with a filter; keyness
#     with a bound inside a month, a reference filter, another field or
#     normalisation, a plain filter);
#   - run.log says which lines shared ("kernel work shared on N blocks"),
#     with N the store's block count for lines over every block, and that
#     the others did not: the test fails if sharing silently stops, or
#     happens where it must not.
source "$(dirname "$0")/lib.sh"

cd "$T" || fail "cd $T"
ws generate --stories 2000 --seed 21 --truth truth.csv -o news.jsonl 2>/dev/null || fail "generate"
ws ingest -o news.store --block-tokens 20000 news.jsonl 2>/dev/null || fail "ingest"
blocks=$(ws info news.store | sed -n 's/^blocks: //p')
[ "${blocks:-0}" -gt 4 ] || fail "expected several blocks, got '$blocks'"
read -r A B C D < <(awk -F, 'NR == 2 || NR == 3 { split($3, w, " "); printf "%s %s ", w[1], w[2] } END { print "" }' truth.csv)
[ -n "$A" ] && [ -n "$D" ] || fail "no planted terms in truth.csv"
awk -F, 'NR > 1 { print $1 ": " $3 }' truth.csv >topics.txt
# The stories' date range, for a filter that keeps part of them.
mid=$(ws info news.store | awk '/^from: / { f = substr($2, 1, 4) } /^to: / { t = substr($2, 1, 4) } END { print int((f + t) / 2) }')

# line|expected sharing: all (every block), some (at least one block, not
# necessarily every one), none
cat >lines.txt <<EOF
cooc --doc --term $A --measure npmi --top 20 -o c_a.csv|all
cooc --doc --term $B --measure llr --top 15 -o c_b.csv|all
cooc --doc --term $C --term $D --per-term --top 10 -o c_cd.csv|all
cooc --doc --term $D --measure pmi --top 20 -o c_d.csv|all
cooc --doc --term $B --from $mid --top 20 -o c_b_from.csv|some
cooc --doc --term $A --stem en --top 20 -o c_a_stem.csv|none
cooc --doc --term $A --stopwords en --top 20 -o c_a_stop.csv|none
cooc --doc --term $C --min-length 4 --top 20 -o c_c_len.csv|none
cooc --sentence --term $A --top 20 -o s_a.csv|none
cooc --doc --term $A --field title --top 20 -o t_a.csv|none
cooc --window 3 --term $A --top 20 -o w_a.csv|all
cooc --window 5 --term $C --measure dice --top 20 -o w_c.csv|all
cooc --window 2 --top 20 -o pairs.csv|none
tf --top 20 -o tf.csv|none
tf --by month --top 5 -o tf_month.csv|all
trends --emerging --bucket month --top 5 -o em_month.csv|all
trends --emerging --bucket month --top 3 --min-count 2 -o em_month2.csv|all
trends --emerging --bucket week --top 5 -o em_week.csv|none
trends --emerging --bucket month --stem en --top 5 -o em_stem.csv|none
trends --emerging --bucket month --field title --top 5 -o em_title.csv|none
trends --emerging --bucket month --from $mid --top 5 -o em_from.csv|none
trends --topics topics.txt --bucket month -o topics.csv|none
ngrams --n 2 --top 20 -o bigrams.csv|none
keyness --target-from $mid --top 20 -o keyness.csv|all
keyness --target-from $mid-03-01 --target-to $mid-06-30 --both --top 20 -o kn_months.csv|all
keyness --target-from $mid-03-15 --top 20 -o kn_midmonth.csv|none
keyness --target-to $mid-06-15 --top 20 -o kn_midmonth_to.csv|none
keyness --target-from $mid --ref-to $mid-06-30 --top 20 -o kn_ref.csv|none
keyness --target-from $mid --field title --top 20 -o kn_title.csv|none
keyness --target-from $mid --stem en --top 20 -o kn_stem.csv|none
keyness --target-from $mid --from $((mid - 1)) --top 20 -o kn_filter.csv|none
tf --containing $A --top 10 -o tf_cont.csv|none
EOF
cut -d'|' -f1 lines.txt >job.txt

mkdir -p alone
while IFS='|' read -r line want; do
    read -r cmd rest <<<"$line"
    # shellcheck disable=SC2086
    ws "$cmd" news.store ${rest/-o /-o alone\/} 2>/dev/null || fail "alone: $line"
done <lines.txt

for n in 1 2; do
    expect_status 0 "job with $n threads" -- ws run news.store job.txt -o "out$n" --threads $n
    no=0
    while IFS='|' read -r line want; do
        no=$((no + 1))
        f=$(sed 's/.*-o \([^ ]*\).*/\1/' <<<"$line")
        [ -s "alone/$f" ] || fail "alone/$f is empty"
        cmp -s "alone/$f" "out$n/$f" || fail "$f ($n threads) differs from the line run alone: $line"
        log=$(grep "^job.txt:$no: " "out$n/run.log") || fail "run.log has no line $no: $(cat "out$n/run.log")"
        shared=$(sed -n 's/.*kernel work shared on \([0-9]*\) blocks.*/\1/p' <<<"$log")
        case $want in
        all) [ "$shared" = "$blocks" ] || fail "line $no ($n threads) should share on all $blocks blocks: $log" ;;
        some) [ -n "$shared" ] && [ "$shared" -ge 1 ] || fail "line $no ($n threads) should share some blocks: $log" ;;
        none) [ -z "$shared" ] || fail "line $no ($n threads) must not share kernel work: $log" ;;
        esac
        grep -q "shared scan -> $f" <<<"$log" || fail "line $no ($n threads) not in the shared scan: $log"
    done <lines.txt
done
note "$(grep -c 'kernel work shared' out2/run.log) lines shared kernel work, reports identical to the lines alone (1 and 2 threads)"
