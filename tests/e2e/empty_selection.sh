#!/usr/bin/env bash
# Queries whose filters select no story: tf with every kind of --by (day,
# week, month, quarter, year, source, a tag), plain tf, ngrams and cooc on
# a small store with --from after its last story must succeed and print the
# header row alone (no group, no term). Grouped tf once sorted a NULL group
# array here (qsort(NULL, 0): undefined behaviour that UBSan stops on), so
# with $WS_ASAN_BIN set (an ASan+UBSan build) that binary runs every query
# too, with halt_on_error.
. "$(dirname "$0")/lib.sh"

cat >"$T/in.jsonl" <<'JSON'
{"id": "a", "date": "2019-05-10", "source": "wire", "topics": ["oil"], "title": "Oil rises", "body": "Oil rose on Friday."}
{"id": "b", "date": "2019-06-01", "source": "paper", "title": "Rain", "body": "It rained."}
JSON
expect_status 0 "ingest" -- ws ingest -q --tag topics -o "$T/s" "$T/in.jsonl"

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
bins=("$WS_BIN")
[ -n "${WS_ASAN_BIN:-}" ] && [ -x "$WS_ASAN_BIN" ] && bins+=("$WS_ASAN_BIN")
for bin in "${bins[@]}"; do
    for by in day week month quarter year source topics; do
        expect_status 0 "tf --by $by, empty selection ($bin)" -- "$bin" tf "$T/s" --by "$by" --from 2030-01-01
        want="$by,term,tf,df"
        [ "$(cat "$T/last.out")" = "$want" ] || fail "tf --by $by on no story printed '$(head -c 300 "$T/last.out")', expected '$want'"
    done
    expect_status 0 "tf, empty selection ($bin)" -- "$bin" tf "$T/s" --from 2030-01-01
    [ "$(cat "$T/last.out")" = "term,tf,df" ] || fail "tf on no story printed '$(head -c 300 "$T/last.out")'"
    expect_status 0 "tf --by month --tfidf, empty selection ($bin)" -- "$bin" tf "$T/s" --by month --tfidf --to 2000-01-01
    [ "$(cat "$T/last.out")" = "month,term,tf,df,tfidf" ] || fail "tf --tfidf on no story printed '$(head -c 300 "$T/last.out")'"
    expect_status 0 "ngrams, empty selection ($bin)" -- "$bin" ngrams "$T/s" --from 2030-01-01
    [ "$(wc -l <"$T/last.out")" -eq 1 ] || fail "ngrams on no story printed more than a header: $(head -c 300 "$T/last.out")"
    expect_status 0 "cooc, empty selection ($bin)" -- "$bin" cooc "$T/s" --from 2030-01-01
    [ "$(wc -l <"$T/last.out")" -eq 1 ] || fail "cooc on no story printed more than a header: $(head -c 300 "$T/last.out")"
    note "empty selections ok with $bin"
done
