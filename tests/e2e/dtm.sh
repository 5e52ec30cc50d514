#!/usr/bin/env bash
# dtm against an independent Python count (the tokenizer of kwic_ref.py,
# str.casefold): PREFIX.mtx parsed by a small stdlib Matrix Market reader
# and compared cell by cell, PREFIX.rows.csv (every story that passes the
# filters, in input order) and PREFIX.cols.csv (df descending, then term);
# --min-df, --max-df, --top-terms, --source, --field; the same bytes for 1,
# 2 and 3 threads; usage errors.
. "$(dirname "$0")/lib.sh"

ws generate --stories 600 --seed 11 -o "$T/g.jsonl" || fail "generate"
expect_status 0 "ingest" -- ws ingest -q -o "$T/s" --tag section "$T/g.jsonl"

# check LABEL MIN MAX TOP FIELD SOURCE
check() {
    local label=$1 min=$2 max=$3 top=$4 field=$5 src=$6 extra=()
    [ -n "$src" ] && extra=(--source "$src")
    for j in 1 2 3; do
        ws dtm "$T/s" -o "$T/m$j" --min-df "$min" --max-df "$max" --top-terms "$top" --field "$field" "${extra[@]}" -j $j \
            2>"$T/err" || { cat "$T/err" >&2; fail "$label: dtm -j $j failed"; }
    done
    for f in mtx rows.csv cols.csv; do
        cmp -s "$T/m1.$f" "$T/m2.$f" && cmp -s "$T/m1.$f" "$T/m3.$f" || fail "$label: .$f differs across thread counts"
    done
    [ ! -e "$T/m1.mtx.tmp" ] || fail "$label: the temporary cell file was left behind"
    python3 - "$E2E_DIR" "$T/g.jsonl" "$T/m1" "$min" "$max" "$top" "$field" "$src" <<'PY' || fail "$label: differs from the Python count"
import collections, csv, json, sys
sys.path.insert(0, sys.argv[1])
from kwic_ref import tokens
path, prefix, mn, mx, top, field, src = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8]
docs, meta = [], []
for line in open(path, encoding='utf-8'):
    s = json.loads(line)
    if src and s['source'] != src:
        continue
    tt = tokens(s.get('title', ''))
    bt = tokens(s.get('body', ''))
    tw = [tt[0][a:b].casefold() for a, b in tt[1]]
    bw = [bt[0][a:b].casefold() for a, b in bt[1]]
    docs.append(collections.Counter({'all': tw + bw, 'title': tw, 'body': bw}[field]))
    meta.append([s['id'], s.get('date', ''), s['source']])
df = collections.Counter()
for d in docs:
    df.update(d.keys())
cols = [t for t in df if df[t] >= max(mn, 1) and (mx == 0 or df[t] <= mx)]
cols.sort(key=lambda t: (-df[t], t.encode()))
if top:
    cols = cols[:top]
colno = {t: i + 1 for i, t in enumerate(cols)}
want = {}
for i, d in enumerate(docs):
    for t, n in d.items():
        if t in colno:
            want[(i + 1, colno[t])] = n
# Matrix Market, by hand
lines = open(prefix + '.mtx').read().split('\n')
assert lines[0] == '%%MatrixMarket matrix coordinate integer general', lines[0]
body = [l for l in lines[1:] if l and not l.startswith('%')]
nr, nc, nnz = map(int, body[0].split())
got = {}
for l in body[1:]:
    r, c, v = map(int, l.split())
    assert (r, c) not in got, ('duplicate cell', r, c)
    got[(r, c)] = v
assert (nr, nc, nnz) == (len(docs), len(cols), len(want)), ((nr, nc, nnz), (len(docs), len(cols), len(want)))
assert got == want, 'cells differ: %s' % sorted(set(got.items()) ^ set(want.items()))[:5]
rows = list(csv.reader(open(prefix + '.rows.csv', newline='')))
assert rows[0] == ['row', 'id', 'date', 'source'], rows[0]
assert rows[1:] == [[str(i + 1)] + m for i, m in enumerate(meta)], 'rows.csv differs'
cf = list(csv.reader(open(prefix + '.cols.csv', newline='')))
assert cf[0] == ['col', 'term', 'df'], cf[0]
assert cf[1:] == [[str(i + 1), t, str(df[t])] for i, t in enumerate(cols)], 'cols.csv differs'
print('%d x %d, %d cells' % (nr, nc, nnz))
PY
    note "$label ok"
}

check "all terms" 1 0 0 all ""
check "min-df 5, max-df 200" 5 200 0 all ""
check "top 50 of the bodies" 1 0 50 body ""
check "one source, titles" 2 0 0 title "Corvell Wire"

expect_status 2 "no -o" -- ws dtm "$T/s"
grep -q "PREFIX" "$T/last.err" || fail "no -o: unclear message"
expect_status 2 "max below min" -- ws dtm "$T/s" -o "$T/x" --min-df 5 --max-df 2
[ ! -e "$T/x.mtx" ] && [ ! -e "$T/x.rows.csv" ] || fail "a failed dtm left files behind"
note "errors ok"
