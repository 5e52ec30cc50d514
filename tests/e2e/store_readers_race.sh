#!/usr/bin/env bash
# Readers racing appends (docs/FORMAT.md, "Commit protocol"): while one
# writer makes $APPENDS small appends (2 stories each) to a store, three
# reader loops run `tf`, `info` and `verify` against it without pause. Every
# reader run must succeed (exit 0: never "corrupt", never a missing file)
# and must see a whole store: info's story count is the base plus 2 per
# finished append, and verify says ok. Before readers retried and superseded
# statistics files outlived a commit, 3 of 39 tf runs, 13 of 81 info runs
# and 2 of 17 verify runs failed this way.
# The counts of reader runs and appends are printed (docs/reliability.md).
. "$(dirname "$0")/lib.sh"

APPENDS=${WS_RACE_APPENDS:-200}
BASE_N=400
ws generate --stories $BASE_N --seed 5 -o "$T/base.jsonl" || fail "generate"
S="$T/store"
expect_status 0 "first ingest" -- ws ingest -q --threads 1 -o "$S" "$T/base.jsonl"
# the append inputs: 2 short stories each, distinct ids
python3 - "$T" "$APPENDS" <<'PY' || fail "writing append inputs"
import sys
t, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open("%s/app%d.jsonl" % (t, i), "w") as f:
        for k in range(2):
            f.write('{"id":"r%d-%d","date":"2021-03-%02dT00:00:00Z","title":"race %d","body":"append number %d story %d words words"}\n'
                    % (i, k, 1 + i % 28, i, i, k))
PY

# writer: the appends, one after the other; touches $T/done when finished
(
    for i in $(seq 0 $((APPENDS - 1))); do
        "$WS_BIN" ingest -q --threads 1 -o "$S" "$T/app$i.jsonl" 2>>"$T/writer.err" || { echo "append $i failed" >>"$T/writer.err"; break; }
    done
    touch "$T/done"
) &
writer=$!

# reader LOOP NAME CMD...: run CMD until the writer is done; counts runs and
# failures into $T/NAME.runs / $T/NAME.fail, keeps the first failures' stderr.
reader() {
    local name=$1 runs=0 bad=0 rc out
    shift
    while [ ! -e "$T/done" ]; do
        rc=0
        out=$("$@" 2>"$T/$name.err1") || rc=$?
        runs=$((runs + 1))
        if [ "$rc" != 0 ]; then
            bad=$((bad + 1))
            [ "$bad" -le 3 ] && { echo "$name run $runs: exit $rc: $(head -c 300 "$T/$name.err1")" >>"$T/$name.fails"; }
        elif [ "$name" = info ]; then
            # a whole store: base + 2 per finished append, within range
            n=$(printf '%s\n' "$out" | sed -n 's/^stories: //p')
            if [ -z "$n" ] || [ $(( (n - BASE_N) % 2 )) != 0 ] || [ "$n" -lt $BASE_N ] || [ "$n" -gt $((BASE_N + 2 * APPENDS)) ]; then
                bad=$((bad + 1))
                echo "info run $runs: stories '$n' is not the base plus whole appends" >>"$T/$name.fails"
            fi
        elif [ "$name" = verify ]; then
            case "$out" in *": ok") ;; *) bad=$((bad + 1)); echo "verify run $runs: said '$out'" >>"$T/$name.fails" ;; esac
        fi
    done
    echo "$runs" >"$T/$name.runs"
    echo "$bad" >"$T/$name.fail"
}
reader tf ws tf "$S" --top 20 --threads 1 &
r1=$!
reader info ws info "$S" &
r2=$!
reader verify ws verify "$S" &
r3=$!
wait $writer
wait $r1 $r2 $r3

[ -s "$T/writer.err" ] && fail "the writer failed: $(head -c 500 "$T/writer.err")"
total=0 failed=0 summary=""
for name in tf info verify; do
    runs=$(cat "$T/$name.runs") bad=$(cat "$T/$name.fail")
    total=$((total + runs))
    failed=$((failed + bad))
    summary="$summary $name $runs runs ($bad failed);"
    [ -e "$T/$name.fails" ] && cat "$T/$name.fails" >&2
done
note "$APPENDS appends; readers:$summary"
[ "$failed" = 0 ] || fail "$failed of $total reader runs failed while appends committed"
[ "$total" -ge 30 ] || fail "only $total reader runs overlapped the appends; the race was hardly exercised"
n=$(info_value "$S" stories)
[ "$n" = $((BASE_N + 2 * APPENDS)) ] || fail "store holds $n stories after the appends, expected $((BASE_N + 2 * APPENDS))"
expect_status 0 "verify after the appends" -- ws verify "$S"
# superseded statistics files do not pile up: the current one and the previous one
nst=$(ls "$S"/stats-*.wst | wc -l)
[ "$nst" -le 2 ] || fail "$nst statistics files left in the store (expected the current and the previous one)"
note "ok"
