#!/usr/bin/env python3
"""Independent reference for term patterns in every option (stdlib only;
the tokenizer is kwic_ref.py's: NFKC, maximal runs of letters, marks and
digits, str.casefold). A spec is words separated by white space; a word
with '*' or '?' matches any corpus term (case-folded) it globs, another
word matches its own tokens. A story holds a spec where consecutive tokens
(title then body) match its slots.

usage:
  patterns_ref.py IN.jsonl containing SPEC...   ids of the stories holding every SPEC, sorted
  patterns_ref.py IN.jsonl cooc SPEC doc|K      term,cooc,F of SPEC's collocates (no normalisation
                                                options: every token is kept), sorted
  patterns_ref.py IN.jsonl trends SPEC          month,docs,mentions where mentions > 0
                                                (single-token specs: sentences do not matter)"""
import collections, csv, fnmatch, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kwic_ref import tokens  # noqa: E402


def stories(path):
    for line in open(path, encoding='utf-8'):
        st = json.loads(line)
        ttext, ttok = tokens(st.get('title', ''))
        btext, btok = tokens(st.get('body', ''))
        words = [ttext[a:b].casefold() for a, b in ttok] + [btext[a:b].casefold() for a, b in btok]
        yield st, words


def compile_spec(spec, vocab):
    slots = []
    for w in spec.split():
        if '*' in w or '?' in w:
            pat = w.casefold()
            slots.append({t for t in vocab if fnmatch.fnmatchcase(t, pat)})
        else:
            _, tk = tokens(w)
            nw = unicode_norm(w)
            slots.extend({nw[a:b].casefold()} for a, b in tk)
    return slots


def unicode_norm(w):
    import unicodedata
    return unicodedata.normalize('NFKC', w)


def matches(words, slots):
    n = len(slots)
    return [p for p in range(len(words) - n + 1) if all(words[p + j] in slots[j] for j in range(n))]


def main():
    path, mode = sys.argv[1], sys.argv[2]
    data = list(stories(path))
    vocab = {w for _, ws in data for w in ws}
    out = csv.writer(sys.stdout, lineterminator='\n')
    if mode == 'containing':
        specs = [compile_spec(s, vocab) for s in sys.argv[3:]]
        for st, words in sorted(data, key=lambda d: d[0]['id']):
            if all(matches(words, sl) for sl in specs):
                print(st['id'])
    elif mode == 'cooc':
        slots = compile_spec(sys.argv[3], vocab)
        own = set().union(*slots)
        ctx = sys.argv[4]
        cooc, freq = collections.Counter(), collections.Counter()
        for _, words in data:
            ms = matches(words, slots)
            if ctx == 'doc':
                freq.update(set(words))
                if ms:
                    cooc.update(set(words))
            else:
                k = int(ctx)
                freq.update(words)
                for p in ms:
                    e = p + len(slots)
                    cooc.update(words[max(0, p - k):p])
                    cooc.update(words[e:e + k])
        for t in sorted(cooc):
            if t not in own:
                out.writerow([t, cooc[t], freq[t]])
    elif mode == 'trends':
        slots = compile_spec(sys.argv[3], vocab)
        docs, ment = collections.Counter(), collections.Counter()
        for st, words in data:
            ms = matches(words, slots)
            if ms and st.get('date'):
                m = st['date'][:7]
                docs[m] += 1
                ment[m] += len(ms)
        for m in sorted(ment):
            out.writerow([m, docs[m], ment[m]])
    else:
        sys.exit('unknown mode ' + mode)


if __name__ == '__main__':
    main()
