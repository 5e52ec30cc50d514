#!/usr/bin/env python3
"""Replicate a Reuters-21578 JSONL file (tests/tools/reuters2jsonl.py output)
N times for the benchmarks: copy k gets ids suffixed with -k and its dates
shifted by k whole years (Reuters has no 29 February, so month and day stay
valid in every year).

Usage: bench/replicate_reuters.py REUTERS.jsonl N > OUT.jsonl
"""
import json
import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
    out = sys.stdout
    for k in range(int(sys.argv[2])):
        for line in lines:
            o = json.loads(line)
            o['id'] = '%s-%d' % (o['id'], k)
            m = re.match(r'^(\d{4})(-.*)$', o.get('date') or '')
            if m:
                o['date'] = '%04d%s' % (int(m.group(1)) + k, m.group(2))
            out.write(json.dumps(o, ensure_ascii=False) + '\n')


if __name__ == '__main__':
    main()
