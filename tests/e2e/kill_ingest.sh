#!/usr/bin/env bash
# Crash safety of append. A store of 3000 generated stories gets a second
# ingest of 20000 more (a few seconds of work), which is killed with SIGKILL:
#   - 8 timed kills at seeded random moments spread over a clean run's
#     duration. They are chained in one working copy: while a kill leaves the
#     old store, the next attempt runs over the debris of the previous one
#     (stale .tmp files, an unlisted segment, dictionary bytes past the
#     listed length); when one leaves the new store, the copy is compared
#     with the clean run and restarted from the base store.
#   - 3 kills picked by watching the directory (an append of 3000 stories,
#     with its own clean reference): as soon as the new segment's .tmp
#     appears, as soon as it is renamed to seg-000002.wss, and as soon as
#     stats-000002.wst.tmp appears (dictionary appended, MANIFEST not yet
#     replaced).
# After each kill: verify passes, and export and info (all but the path) equal
# either the old store's or the clean append's, never anything else. After
# each kill that left the old store, the append is finally rerun to
# completion and the store files (MANIFEST, terms.wsd, stats, segments;
# LOCK aside) must be byte-identical to the clean append's, with no debris
# left. Which outcome a kill produced is printed, never asserted (timing).
# Then a CI-sized loop of many kills of a small append (see below).
. "$(dirname "$0")/lib.sh"

THREADS=2
ws generate --stories 3000 --seed 11 -o "$T/base.jsonl" || fail "generate base corpus"
ws generate --stories 20000 --seed 12 -o "$T/more.jsonl" || fail "generate append corpus"
ws generate --stories 3000 --seed 13 -o "$T/small.jsonl" || fail "generate small append corpus"

BASE="$T/base"
expect_status 0 "ingest of the base store" -- ws ingest -q --threads $THREADS -o "$BASE" "$T/base.jsonl"
before_sum=$(ws export "$BASE" | sha256sum | cut -d' ' -f1) || fail "export of the base store"
before_n=$(info_value "$BASE" stories)
# info_sig STORE: info's output without the store path line
info_sig() {
    ws info "$1" | grep -v '^store:' | sha256sum | cut -d' ' -f1
}
before_info=$(info_sig "$BASE")
[ "$before_n" = 3000 ] || fail "base store has $before_n stories, expected 3000"

# make_ref NAME INPUT: the clean append of INPUT to a copy of the base store,
# the only acceptable "after"; sets ${NAME}_sum, ${NAME}_n, ${NAME}_info.
make_ref() {
    local name=$1 input=$2 sum n
    cp -r "$BASE" "$T/$name"
    local t0 t1
    t0=$(date +%s%N)
    expect_status 0 "clean append of $input" -- ws ingest -q --threads $THREADS -o "$T/$name" "$input"
    t1=$(date +%s%N)
    ref_ms=$(( (t1 - t0) / 1000000 ))
    expect_status 0 "verify of the clean append" -- ws verify "$T/$name"
    ws export "$T/$name" >"$T/after.jsonl" || fail "export of the clean append"
    # the 'after' export really is the old stories followed by the new ones
    python3 "$WS_SRC/tests/tools/jsonl_compare.py" <(cat "$T/base.jsonl" "$input") "$T/after.jsonl" \
        >"$T/cmp.out" 2>&1 || { head -20 "$T/cmp.out" >&2; fail "clean append does not hold base + new stories"; }
    sum=$(sha256sum <"$T/after.jsonl" | cut -d' ' -f1)
    n=$(info_value "$T/$name" stories)
    rm -f "$T/after.jsonl"
    eval "${name}_sum=\$sum; ${name}_n=\$n; ${name}_info=\$(info_sig \"\$T/\$name\")"
}

make_ref ref "$T/more.jsonl"
dur_ms=$ref_ms
[ "$dur_ms" -ge 10 ] || dur_ms=10
[ "$ref_n" = 23000 ] || fail "clean append has $ref_n stories, expected 23000"
make_ref refsmall "$T/small.jsonl"
[ "$refsmall_n" = 6000 ] || fail "small clean append has $refsmall_n stories, expected 6000"
note "clean append took ${dur_ms} ms (used only to spread the kill moments)"

n_old=0 n_new=0
# check_after_kill STORE REF LABEL: the store must be the base or REF's.
check_after_kill() {
    local w=$1 ref=$2 label=$3 sum n info want_sum want_n want_info
    eval "want_sum=\$${ref}_sum; want_n=\$${ref}_n; want_info=\$${ref}_info"
    expect_status 0 "$label: verify after the kill" -- ws verify "$w"
    sum=$(ws export "$w" | sha256sum | cut -d' ' -f1) || fail "$label: export after the kill failed"
    n=$(info_value "$w" stories)
    info=$(info_sig "$w")
    if [ "$sum" = "$before_sum" ] && [ "$n" = "$before_n" ] && [ "$info" = "$before_info" ]; then
        state=old
        n_old=$((n_old + 1))
    elif [ "$sum" = "$want_sum" ] && [ "$n" = "$want_n" ] && [ "$info" = "$want_info" ]; then
        state=new
        n_new=$((n_new + 1))
        same_store "$T/$ref" "$w" "$label: store left complete by the kill vs the clean append"
    else
        fail "$label: after the kill the store is neither the old one nor the new one (stories: $n; files: $(ls "$w" | tr '\n' ' '))"
    fi
}

# finish STORE REF INPUT LABEL: rerun the append of INPUT to completion when
# the store is still the old one; it must then equal REF byte for byte.
finish() {
    local w=$1 ref=$2 input=$3 label=$4
    if [ "$state" = old ]; then
        expect_status 0 "$label: rerun of the append" -- ws ingest -q --threads $THREADS -o "$w" "$input"
        same_store "$T/$ref" "$w" "$label: store after the rerun vs the clean append"
    fi
}

# start_append STORE INPUT: run the append in the background; sets pid.
start_append() {
    "$WS_BIN" ingest -q --threads $THREADS -o "$1" "$2" >/dev/null 2>"$T/trial.err" &
    pid=$!
}

# Timed kills, chained in one working copy.
W="$T/work"
cp -r "$BASE" "$W"
RANDOM=20240501   # deterministic kill moments
for i in 0 1 2 3 4 5 6 7; do
    # moment i: in the i-th eighth of the clean run, at a seeded random point
    ms=$(( dur_ms * (i * 32768 + RANDOM) / (8 * 32768) ))
    label="timed kill $((i + 1))/8"
    start_append "$W" "$T/more.jsonl"
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    left=$(ls "$W" | tr '\n' ' ')
    check_after_kill "$W" ref "$label"
    note "$label: killed after ${ms} ms: $state store; files left: $left"
    if [ "$state" = new ]; then
        rm -rf "$W"
        cp -r "$BASE" "$W"
        state=old
    fi
done
finish "$W" ref "$T/more.jsonl" "after the timed kills"
rm -rf "$W"

# Kills at chosen steps of the commit, each in a fresh copy.
kill_on_file() {
    local label=$1 file=$2 w=$T/step seen=no
    rm -rf "$w"
    cp -r "$BASE" "$w"
    start_append "$w" "$T/small.jsonl"
    while kill -0 "$pid" 2>/dev/null; do
        if [ -e "$w/$file" ]; then
            kill -9 "$pid" 2>/dev/null
            seen=yes
            break
        fi
    done
    wait "$pid" 2>/dev/null
    left="$(ls "$w" | tr '\n' ' ')(terms.wsd: $(stat -c %s "$w/terms.wsd") bytes, MANIFEST lists $(sed -n 's/^terms [0-9]* //p' "$w/MANIFEST"))"
    check_after_kill "$w" refsmall "$label"
    note "$label: killed when $file appeared (seen: $seen): $state store; files left: $left"
    finish "$w" refsmall "$T/small.jsonl" "$label"
    rm -rf "$w"
}
kill_on_file "kill while writing the segment" seg-000002.wss.tmp
kill_on_file "kill after the segment rename" seg-000002.wss
kill_on_file "kill after the dictionary append" stats-000002.wst.tmp

note "11 kills: $n_old left the old store, $n_new the new one; all verified, and reruns gave the clean result"

# Many kills, CI-sized: ${KILLS:-150} SIGKILLs of a small append (300 stories
# onto 400) at seeded random moments over the clean run's duration, chained
# in one working copy (debris of one kill is what the next append starts
# from; a kill that left the new store starts over from the base). After
# each: verify passes and the store holds exactly the base stories or the
# base plus the new ones (export compared with both references).
ws generate --stories 400 --seed 31 -o "$T/kbase.jsonl" || fail "generate"
ws generate --stories 300 --seed 32 -o "$T/kmore.jsonl" || fail "generate"
sed -i 's/"id":"gen-/"id":"more-/' "$T/kmore.jsonl"
KB="$T/kbase"
expect_status 0 "ingest of the kill-loop base" -- ws ingest -q --threads $THREADS -o "$KB" "$T/kbase.jsonl"
cp -r "$KB" "$T/knew"
expect_status 0 "clean small append" -- ws ingest -q --threads $THREADS -o "$T/knew" "$T/kmore.jsonl"
python3 - "$WS_BIN" "$KB" "$T/knew" "$T/kmore.jsonl" "$T/kwork" "${KILLS:-150}" $THREADS >"$T/kloop.out" 2>&1 <<'PY' ||
import hashlib, os, random, shutil, signal, subprocess, sys, time
binary, base, new, more, work, kills, threads = sys.argv[1:8]
kills = int(kills)
def export_sum(store):
    p = subprocess.run([binary, "export", store], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode:
        sys.exit("export of %s failed: %s" % (store, p.stderr.decode()[-300:]))
    return hashlib.sha256(p.stdout).hexdigest()
old_sum, new_sum = export_sum(base), export_sum(new)
cmd = [binary, "ingest", "-q", "--threads", threads, "-o", work, more]
shutil.rmtree(work, ignore_errors=True)
shutil.copytree(base, work)
t0 = time.monotonic()
subprocess.run(cmd, stderr=subprocess.DEVNULL, check=True)
dur = time.monotonic() - t0
shutil.rmtree(work)
shutil.copytree(base, work)
rnd = random.Random(20240502)
outcome = {"old": 0, "new": 0}
for i in range(kills):
    delay = rnd.uniform(0, dur * 1.05)
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait()
    v = subprocess.run([binary, "verify", work], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if v.returncode:
        sys.exit("kill %d after %.1f ms: verify exit %d: %s (files: %s)" % (i, delay * 1e3, v.returncode,
                 v.stderr.decode()[-300:], " ".join(sorted(os.listdir(work)))))
    s = export_sum(work)
    if s == old_sum:
        outcome["old"] += 1
    elif s == new_sum:
        outcome["new"] += 1
        shutil.rmtree(work)
        shutil.copytree(base, work)
    else:
        sys.exit("kill %d after %.1f ms: the store is neither the old nor the new one (files: %s)"
                 % (i, delay * 1e3, " ".join(sorted(os.listdir(work)))))
# the debris of the last kills does not stop a rerun
subprocess.run(cmd, stderr=subprocess.DEVNULL, check=True)
if export_sum(work) != new_sum:
    sys.exit("the rerun after the kills did not give the clean append")
print("%d kills over a %.0f ms append: %d left the old store, %d the new one; all verified; rerun gave the clean append"
      % (kills, dur * 1e3, outcome["old"], outcome["new"]))
PY
    { cat "$T/kloop.out" >&2; fail "kill loop"; }
note "$(cat "$T/kloop.out")"
note "ok"
