#!/usr/bin/env bash
# Command-line basics:
#   - `wirescan --help`, and `--help` / `-h` of every command it lists, exit 0
#     and print a usage line on stdout; the six known commands are listed
#   - an unknown command, an unknown option, a missing required argument or
#     a bad option value exit 2 (usage) with a message on stderr
#   - --version prints "wirescan X.Y.Z"
#   - info on a missing path, an empty directory and a regular file exits
#     non-zero (below 128) with a message naming the path
#   - info on a real store has the keys stories, undated, tokens, terms,
#     from, to, segments, bytes, compression_ratio, with the right values
#     for a hand-made corpus; bytes (documented as "bytes on disk") equals
#     the sum of the store's file sizes
#   - generate --stories 500 --seed 7 twice is byte-identical (also with
#     --threads 1 vs 2), seed 8 differs; 500 JSON lines
#   - tf on a hand-made 4-story corpus equals counts worked out by hand:
#     default (case folded), --case, --field title, --from/--to (date-only
#     bounds are whole days; undated stories never match a date filter),
#     --top N
. "$(dirname "$0")/lib.sh"

cd "$T" || fail "cd $T"

# --- help, usage errors, version ------------------------------------------
expect_status 0 "wirescan --help" -- ws --help
grep -qi "usage" "$T/last.out" || fail "wirescan --help prints no usage line on stdout"
cmds=$(sed -n '/^commands:/,/^$/p' "$T/last.out" | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p')
for c in ingest info verify export tf generate; do
    grep -qx "$c" <<<"$cmds" || fail "wirescan --help does not list the '$c' command"
done
for c in $cmds; do
    for h in --help -h; do
        expect_status 0 "wirescan $c $h" -- ws "$c" "$h"
        grep -qi "usage.*$c" "$T/last.out" || fail "wirescan $c $h prints no usage line for $c on stdout"
    done
done
note "help ok for: $(echo $cmds)"

expect_usage_error() {  # expect_usage_error WHAT ARGS...
    local what=$1
    shift
    expect_status 2 "$what" -- ws "$@"
    [ -s "$T/last.err" ] || fail "$what: exit 2 but no message on stderr"
}
expect_usage_error "no command"
expect_usage_error "unknown command" frobnicate
expect_usage_error "unknown global option" --frobnicate
grep -q frobnicate "$T/last.err" || fail "unknown option message does not name it"
for c in $cmds; do
    expect_usage_error "unknown option to $c" "$c" --no-such-option x
done
expect_usage_error "ingest without -o" ingest in.jsonl
expect_usage_error "info without a store" info
expect_usage_error "generate without --stories" generate -o x.jsonl
expect_usage_error "tf --top not a number" tf . --top abc
expect_usage_error "export --format unknown" export . --format xml

expect_status 0 "wirescan --version" -- ws --version
grep -Eq '^wirescan [0-9]+\.[0-9]+\.[0-9]+' "$T/last.out" || fail "--version printed '$(cat "$T/last.out")'"

# --- info on things that are not stores -----------------------------------
mkdir empty-dir
echo hello >plain-file
for p in "$T/no-such-store" "$T/empty-dir" "$T/plain-file"; do
    rc=0
    ws info "$p" >out.txt 2>err.txt || rc=$?
    [ "$rc" != 0 ] && [ "$rc" -lt 128 ] || fail "info $p exited $rc, expected a clean error"
    grep -qF "$p" err.txt || { cat err.txt >&2; fail "info $p: message does not name the path"; }
done

# --- a hand-made corpus ----------------------------------------------------
cat >hand.jsonl <<'J'
{"id":"s1","date":"2020-01-10T08:00:00Z","source":"A","title":"Apple pie","body":"The apple harvest. Apples and pears!"}
{"id":"s2","date":"2020-02-15T23:30:00Z","source":"B","title":"Pear news","body":"PEAR prices rose; the Apple store closed."}
{"id":"s3","date":"2020-03-01T00:00:00Z","source":"A","title":"Apple again","body":"apple apple pear"}
{"id":"s4","title":"Undated kiwi","body":"kiwi"}
J
expect_status 0 "ingest of the hand-made corpus" -- ws ingest -q -o hand hand.jsonl
expect_status 0 "info" -- ws info hand
for k in stories undated tokens terms from to segments bytes compression_ratio; do
    grep -q "^$k: ." "$T/last.out" || { cat "$T/last.out" >&2; fail "info has no '$k: value' line"; }
done
# 8 + 9 + 5 + 3 tokens; distinct case-preserved terms counted by hand:
# Apple pie The apple harvest Apples and pears Pear news PEAR prices rose
# the store closed again pear Undated kiwi
want_info="stories: 4
undated: 1
tokens: 25
terms: 20
from: 2020-01-10T08:00:00Z
to: 2020-03-01T00:00:00Z
segments: 1"
got_info=$(grep -E '^(stories|undated|tokens|terms|from|to|segments): ' "$T/last.out")
[ "$got_info" = "$want_info" ] || fail "info values differ: got
$got_info
expected
$want_info"
info_bytes=$(sed -n 's/^bytes: //p' "$T/last.out")
[ -n "$info_bytes" ] && [ "$info_bytes" -gt 0 ] || fail "info bytes: '$info_bytes'"
grep -Eq '^compression_ratio: [0-9]+(\.[0-9]+)?$' "$T/last.out" || fail "compression_ratio is not a number"

# tf_is WHAT EXPECTED ARGS...: tf output must equal EXPECTED exactly
tf_is() {
    local what=$1 want=$2
    shift 2
    expect_status 0 "tf $what" -- ws tf hand "$@"
    local got
    got=$(cat "$T/last.out")
    [ "$got" = "$want" ] || fail "tf $what ($*): got
$got
--- expected
$want"
}

tf_is "default (folded)" "term,tf,df
apple,6,3
pear,3,2
kiwi,2,1
the,2,2
again,1,1
and,1,1
apples,1,1
closed,1,1
harvest,1,1
news,1,1
pears,1,1
pie,1,1
prices,1,1
rose,1,1
store,1,1
undated,1,1" --top 0

tf_is "--case" "term,tf,df
Apple,3,3
apple,3,2
kiwi,2,1
Apples,1,1
PEAR,1,1
Pear,1,1
The,1,1
Undated,1,1
again,1,1
and,1,1
closed,1,1
harvest,1,1
news,1,1
pear,1,1
pears,1,1
pie,1,1
prices,1,1
rose,1,1
store,1,1
the,1,1" --top 0 --case

tf_is "--field title" "term,tf,df
apple,2,2
again,1,1
kiwi,1,1
news,1,1
pear,1,1
pie,1,1
undated,1,1" --top 0 --field title

# February only: s2 (dated 23:30 on the 15th)
tf_is "--from/--to February" "term,tf,df
pear,2,1
apple,1,1
closed,1,1
news,1,1
prices,1,1
rose,1,1
store,1,1
the,1,1" --top 0 --from 2020-02-01 --to 2020-02-29

# --to a date includes that whole day (s2 at 23:30): s1 + s2
tf_is "--to 2020-02-15" "term,tf,df
apple,3,2
pear,2,1
the,2,2
and,1,1
apples,1,1
closed,1,1
harvest,1,1
news,1,1
pears,1,1
pie,1,1
prices,1,1
rose,1,1
store,1,1" --top 0 --to 2020-02-15

# --from a date starts at its midnight (s3 at 00:00:00 is in); no undated s4
tf_is "--from 2020-03-01" "term,tf,df
apple,3,1
again,1,1
pear,1,1" --top 0 --from 2020-03-01

tf_is "--from/--to with --case" "term,tf,df
Apple,1,1
PEAR,1,1
Pear,1,1
closed,1,1
news,1,1
prices,1,1
rose,1,1
store,1,1
the,1,1" --top 0 --case --from 2020-02-15 --to 2020-02-15

tf_is "--top 2" "term,tf,df
apple,6,3
pear,3,2" --top 2

# --- generate is deterministic ---------------------------------------------
ws generate --stories 500 --seed 7 -o g1.jsonl || fail "generate seed 7"
ws generate --stories 500 --seed 7 -o g2.jsonl || fail "generate seed 7 again"
ws generate --stories 500 --seed 7 --threads 1 -o g3.jsonl || fail "generate seed 7 --threads 1"
ws generate --stories 500 --seed 7 --threads 2 -o g4.jsonl || fail "generate seed 7 --threads 2"
ws generate --stories 500 --seed 8 -o g8.jsonl || fail "generate seed 8"
cmp -s g1.jsonl g2.jsonl || fail "generate --seed 7 twice gave different files"
cmp -s g3.jsonl g4.jsonl || fail "generate --seed 7 differs between --threads 1 and 2"
cmp -s g1.jsonl g3.jsonl || fail "generate --seed 7 differs between default threads and --threads 1"
! cmp -s g1.jsonl g8.jsonl || fail "generate --seed 7 and --seed 8 gave the same file"
python3 - g1.jsonl <<'PY' || fail "generated corpus is not 500 JSON stories"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 500, len(rows)
assert all(isinstance(r.get("title"), str) and isinstance(r.get("body"), str) for r in rows)
assert len(set(r["id"] for r in rows)) == 500, "ids are not unique"
PY
# info's "bytes on disk" (checked last, so that everything above runs
# first): the store's files add up to it (MANIFEST, terms.wsd, stats and
# segments; LOCK is empty)
[ "$info_bytes" = "$(store_bytes hand)" ] ||
    fail "info says bytes: $info_bytes, but the store's files add up to $(store_bytes hand) ($(cd hand && stat -c '%n %s' * | tr '\n' ' '))"
note "ok"
