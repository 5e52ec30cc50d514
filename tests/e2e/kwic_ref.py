#!/usr/bin/env python3
"""Independent reference for kwic (stdlib only): tokenizes the JSONL input
itself (NFKC; tokens are maximal runs of letters, marks and decimal digits),
case-folds with str.casefold, and prints the concordance CSV that
`wirescan kwic` must print.

usage: kwic_ref.py INPUT.jsonl MODE ARG WINDOW [SORT] [FIELD] [SOURCE]
  MODE term|phrase|glob; SORT store|left|right; FIELD all|title|body."""
import csv, fnmatch, json, re, sys, unicodedata

WS = re.compile(r'[ \t\n\v\f\r]+')


def tokens(text):
    text = unicodedata.normalize('NFKC', text)
    out, i, n = [], 0, len(text)
    while i < n:
        c = unicodedata.category(text[i])
        if c[0] in 'LM' or c == 'Nd':
            j = i
            while j < n and (unicodedata.category(text[j])[0] in 'LM' or unicodedata.category(text[j]) == 'Nd'):
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return text, out


def main():
    path, mode, arg, window = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sort = sys.argv[5] if len(sys.argv) > 5 else 'store'
    field = sys.argv[6] if len(sys.argv) > 6 else 'all'
    source = sys.argv[7] if len(sys.argv) > 7 else ''
    if mode == 'phrase':
        want = [w.casefold() for w in arg.split()]
        match = lambda words, p: words[p:p + len(want)] == want
        mlen = len(want)
    elif mode == 'glob':
        pat = arg.casefold()
        match = lambda words, p: fnmatch.fnmatchcase(words[p], pat)
        mlen = 1
    else:
        want = arg.casefold()
        match = lambda words, p: words[p] == want
        mlen = 1
    rows = []
    for sidx, line in enumerate(open(path, encoding='utf-8')):
        st = json.loads(line)
        if source and st.get('source') != source:
            continue
        ttext, ttok = tokens(st.get('title', ''))
        btext, btok = tokens(st.get('body', ''))
        toks = [(ttext, a, b) for a, b in ttok] + [(btext, a, b) for a, b in btok]
        words = [t[a:b].casefold() for t, a, b in toks]
        nt = len(ttok)
        lo, hi = {'all': (0, len(toks)), 'title': (0, nt), 'body': (nt, len(toks))}[field]

        def rng(a, e):
            if a >= e:
                return ''
            parts = []
            if a < nt:
                last = min(e, nt) - 1
                parts.append(ttext[toks[a][1]:toks[last][2]])
                a = nt
            if a < e:
                parts.append(btext[toks[a][1]:toks[e - 1][2]])
            return WS.sub(' ', ' '.join(parts))

        for p in range(lo, hi):
            if p + mlen > hi or not match(words, p):
                continue
            e = p + mlen
            if sort == 'left':
                key = [w.encode() for w in reversed(words[max(0, p - window):p])]
            elif sort == 'right':
                key = [w.encode() for w in words[e:e + window]]
            else:
                key = []
            rows.append((key, sidx, p, [st['id'], st.get('date', ''), st.get('source', ''), str(p),
                                        rng(max(0, p - window), p), rng(p, e), rng(e, min(len(toks), e + window))]))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    w = csv.writer(sys.stdout, lineterminator='\n')
    w.writerow(['id', 'date', 'source', 'position', 'left', 'match', 'right'])
    for r in rows:
        w.writerow(r[3])


if __name__ == '__main__':
    main()
