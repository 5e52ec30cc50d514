#!/usr/bin/env bash
# Chinese ingest speed (BENCHMARKS.md, "Word segmentation"): ingest of
# generated Chinese JSONL (bench/zh_text.py) with --cjk chars and --cjk words,
# by two builds, in one run: each round runs the four (old/new x chars/words)
# in a rotating order so that load on a shared machine hits all alike; the
# report gives the median wall time of each and the ratios. The words of the
# two builds are checked to be identical (tf --top 0), and so are the chars.
#
# Usage: bench/zh_ingest.sh OLD_WIRESCAN NEW_WIRESCAN [RUNS (default 7)] [STORIES (default 40000)] [THREADS (default 1)]
set -euo pipefail
old=$1 new=$2 runs=${3:-7} stories=${4:-40000} threads=${5:-1}
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/zh_ingest.XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 "$here/zh_text.py" "$stories" "$T/zh.jsonl"
echo "input: $(stat -c %s "$T/zh.jsonl") bytes, $stories stories; -j $threads; $runs rounds"
combos=("old chars" "old words" "new chars" "new words")
for ((r = 0; r < runs; r++)); do
    for ((k = 0; k < 4; k++)); do
        set -- ${combos[$(((k + r) % 4))]}
        bin=$old; [ "$1" = new ] && bin=$new
        rm -rf "$T/s_$1_$2"
        s=$(date +%s.%N)
        "$bin" ingest -q -j "$threads" --cjk "$2" -o "$T/s_$1_$2" "$T/zh.jsonl"
        e=$(date +%s.%N)
        echo "$1_$2 $(echo "$e - $s" | bc)" >>"$T/times"
    done
done
for rule in chars words; do
    "$old" tf "$T/s_old_$rule" --top 0 >"$T/tf_old_$rule"
    "$new" tf "$T/s_new_$rule" --top 0 >"$T/tf_new_$rule"
    cmp -s "$T/tf_old_$rule" "$T/tf_new_$rule" && echo "$rule: the two builds' terms and counts are identical ($(($(wc -l <"$T/tf_new_$rule") - 1)) terms)" ||
        echo "$rule: THE TWO BUILDS' TERMS DIFFER"
done
python3 - "$T/times" <<'PY'
import statistics, sys
t = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    t.setdefault(k, []).append(float(v))
m = {k: statistics.median(v) for k, v in t.items()}
for k in ("old_chars", "old_words", "new_chars", "new_words"):
    print("%-10s median %.2f s  (runs: %s)" % (k, m[k], " ".join("%.2f" % x for x in t[k])))
print("words/chars: old build %.2fx, new build %.2fx" % (m["old_words"] / m["old_chars"], m["new_words"] / m["new_chars"]))
print("new/old: chars %.2fx, words %.2fx" % (m["new_chars"] / m["old_chars"], m["new_words"] / m["old_words"]))
PY
