#!/usr/bin/env bash
# tf --by on blocks that come as codes (kernels/ws_k_tf.c,
# tf_consume_grouped_codes) and on the ids path it falls back to when a
# block has 65535 or more (group, story) pairs, against counts made here
# in Python from the JSONL: --by TAG (multi-valued: a story counts in each
# of its values; untagged stories in the group '' listed last) and --by
# month (undated stories last), --top 0, with -j 1, 2 and 3.
# Words differ in case only ("Oil", "OIL", "oil"), so several block codes
# count as one term (and a story once in its df).
. "$(dirname "$0")/lib.sh"

python3 - "$T" <<'EOF'
import json, random, sys
from collections import defaultdict
T = sys.argv[1]
rnd = random.Random(7)
words = ["w%d" % i for i in range(400)] + ["oil", "crude", "opec"]
tags = ["a", "b", "c", "d", "e"]
def word():
    w = rnd.choice(words) if rnd.random() < 0.8 else rnd.choice(words[:12])
    r = rnd.random()
    return w.upper() if r < 0.1 else w.capitalize() if r < 0.2 else w
def write(name, n, ntok):
    stories = []
    with open("%s/%s.jsonl" % (T, name), "w") as f:
        for i in range(n):
            toks = [word() for _ in range(rnd.randint(1, ntok))]
            s = {"id": "s%d" % i, "title": " ".join(toks[:1]), "body": " ".join(toks[1:])}
            if rnd.random() < 0.95:
                s["date"] = "2019-%02d-%02dT10:00:00Z" % (rnd.randint(1, 12), rnd.randint(1, 28))
            if rnd.random() < 0.9:
                s["tags"] = rnd.sample(tags, rnd.randint(1, 3))
            f.write(json.dumps(s) + "\n")
            stories.append(s)
    for by in ("tags", "month"):
        groups = defaultdict(lambda: [defaultdict(int), defaultdict(int)])
        for s in stories:
            if by == "tags":
                keys = s.get("tags") or [""]
            else:
                keys = [s["date"][:7]] if "date" in s else ["undated"]
            toks = [t.lower() for t in (s["title"] + " " + s["body"]).split()]
            for k in keys:
                tf, df = groups[k]
                for t in toks:
                    tf[t] += 1
                for t in set(toks):
                    df[t] += 1
        last = "" if by == "tags" else "undated"
        order = sorted(k for k in groups if k != last) + ([last] if last in groups else [])
        with open("%s/%s.%s.want" % (T, name, by), "w") as f:
            f.write("%s,term,tf,df\n" % by)
            for k in order:
                tf, df = groups[k]
                for t in sorted(tf, key=lambda t: (-tf[t], t)):
                    f.write("%s,%s,%d,%d\n" % (k, t, tf[t], df[t]))
# small blocks (a few thousand stories each): the codes path; one block
# of 40,000 stories in about 80,000 (tag, story) pairs: the ids path
write("small", 6000, 12)
write("big", 40000, 5)
EOF
[ -s "$T/big.tags.want" ] || fail "the Python counts were not written"

expect_status 0 "ingest small" -- ws ingest -q -o "$T/small.ws" --tag tags --block-tokens 4000 "$T/small.jsonl"
expect_status 0 "ingest big" -- ws ingest -q -o "$T/big.ws" --tag tags --block-tokens 1000000 "$T/big.jsonl"
blocks=$(ws info "$T/small.ws" | sed -n 's/^blocks: //p')
[ "${blocks:-0}" -ge 10 ] || fail "small: expected many blocks, got '$blocks'"
blocks=$(ws info "$T/big.ws" | sed -n 's/^blocks: //p')
[ "$blocks" = 1 ] || fail "big: expected one block, got '$blocks'"

for name in small big; do
    for by in tags month; do
        for j in 1 2 3; do
            ws tf "$T/$name.ws" --by "$by" --top 0 -j "$j" >"$T/got" 2>"$T/err" || { cat "$T/err" >&2; fail "$name --by $by -j $j failed"; }
            if ! cmp -s "$T/$name.$by.want" "$T/got"; then
                diff "$T/$name.$by.want" "$T/got" | head >&2
                fail "$name: tf --by $by --top 0 -j $j differs from the Python count"
            fi
        done
        note "$name --by $by ok ($(wc -l <"$T/got") rows)"
    done
done
