#!/usr/bin/env python3
"""Independent reference for `wirescan ngrams`, written from the documented
rules (DESIGN.md, kernels/ws_tokenize.h, docs/ngrams.md), not from the C code.

usage: ngrams_ref.py JSONL STOPWORDS_DIR OUTDIR NAME|ARGS...

For each query NAME|ARGS (ARGS: the wirescan ngrams options this script
knows: --n, --top, --min-count, --phrases, --field, --stopwords en,
--min-length, --no-numbers; and --first K, its own: only the first K
stories) writes OUTDIR/NAME.csv with the bytes wirescan should print.

Tokens: NFKC of title and of body; maximal runs of code points of category
L*, M* or Nd; each Han/Hiragana/Katakana letter (L* or Nl) a token of its
own with the marks after it; tokens over 255 bytes cut at a code point
boundary; terms are NFC(casefold(token)).
Sentences (ws_tokenize.h): the first token of a field starts one; a later
token starts one after a paragraph break in the gap before it (two line
feeds with only spaces, tabs and CR between them; a form feed or U+2029),
or after a terminator (. ! ? U+2026 U+061F U+06D4 U+0964 U+0965) followed by
optional closers (Pe, Pf, '"', "'") and then whitespace, when the token
starts with a letter of category Lu Lt Lm Lo or a digit; or after a CJK full
stop (U+3002 U+FF61 U+FF01 U+FF1F) with the same condition; or right after a
terminator when the token is a CJK single. Once whitespace has followed the
terminator other punctuation keeps the break; other punctuation right after
the terminator cancels it. Format characters (Cf) are ignored.
N-grams: n kept terms in a row inside one sentence of one field.
NPMI: over the N bigram positions: p(xy) = c(xy)/N, p(x) = (positions
whose first word is x)/N, p(y) = (positions whose second word is y)/N.
"""
import collections, json, math, re, sys, unicodedata

from ws_ref_tokens import SINGLE, TOKEN, fold  # the tokenizer rules, shared with the other references

TERMINATORS = set('.!?\u2026\u061f\u06d4\u0964\u0965')
HARD_STOPS = set('\u3002\uff61\uff01\uff1f')
LINE_FEEDS = set('\n\x0b\x85\u2028')
PARAGRAPH = set('\x0c\u2029')
NONE, TERM, CLOSED = 0, 1, 2


def breaks(gap, tok):
    """Does the token after this gap start a sentence?"""
    if gap == ' ':
        return False
    state, nl, para = NONE, 0, False
    for ch in gap:
        cat = unicodedata.category(ch)
        if ch in ' \t\r' or cat == 'Zs':
            if state == TERM:
                state = CLOSED
        elif ch in LINE_FEEDS:
            if state == TERM:
                state = CLOSED
            nl += 1
            para = para or nl >= 2
        elif ch in PARAGRAPH:
            if state == TERM:
                state = CLOSED
            para = True
        elif ch in TERMINATORS:
            if state != CLOSED:
                state = TERM
            nl = 0
        elif ch in HARD_STOPS:
            state, nl = CLOSED, 0
        elif cat in ('Pe', 'Pf') or ch in '"\'':
            nl = 0
        elif cat == 'Cf':
            pass
        else:
            if state == TERM:
                state = NONE
            nl = 0
    first = tok[0]
    cjk = ord(first) in SINGLE
    upper = unicodedata.category(first) in ('Lu', 'Lt', 'Lm', 'Lo', 'Nd')
    return para or (state == CLOSED and (upper or cjk)) or (state == TERM and cjk)




def sentences(text):
    """The field's sentences, each a list of terms."""
    text = unicodedata.normalize('NFKC', text)
    out, end = [], 0
    for m in TOKEN.finditer(text):
        tok = m.group()
        if not out or breaks(text[end:m.start()], tok):
            out.append([])
        out[-1].append(fold(tok))
        end = m.end()
    return out


def load(path):
    stories = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            o = json.loads(line)
            stories.append((sentences(o.get('title') or ''), sentences(o.get('body') or '')))
    return stories


def read_stopwords(path):
    words = set()
    with open(path, encoding='utf-8-sig') as f:
        for line in f:
            w = line.split('#', 1)[0].strip(' \t\r\n')
            if w:
                words.add(unicodedata.normalize('NFKC', w).casefold())
    return words


def keep_fn(stop, min_len, no_numbers):
    memo = {}

    def keep(t):
        k = memo.get(t)
        if k is None:
            k = memo[t] = not (t in stop or len(t) < min_len or
                               (no_numbers and all(unicodedata.category(c) == 'Nd' for c in t)))
        return k
    return keep


def count(stories, n, field, keep):
    """n-gram counts (keys: tuples of terms) and df, and the kept terms' counts."""
    grams, df, uni = collections.Counter(), collections.Counter(), collections.Counter()
    for title, body in stories:
        sents = title if field == 'title' else body if field == 'body' else title + body
        seen = set()
        for s in sents:
            # a dropped term splits the sentence into runs of kept terms
            for r in ([s] if keep is None else split_runs(s, keep)):
                uni.update(r)
                g = list(zip(*(r[k:] for k in range(n))))
                grams.update(g)
                seen.update(g)
        df.update(seen)
    return grams, df, uni


def split_runs(s, keep):
    runs, cur = [], []
    for t in s:
        if keep(t):
            cur.append(t)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def npmi(cxy, cx, cy, npos):
    """cx: bigram positions whose first word is x, cy: whose second word is
    y, npos: all bigram positions (docs/ngrams.md); within [-1, 1]."""
    if cxy >= npos:
        return 1.0
    pxy, px, py = cxy / npos, cx / npos, cy / npos
    return min(1.0, max(-1.0, math.log2(pxy / (px * py)) / -math.log2(pxy)))


CACHE = {}


def query(stories, args, stopdir):
    n, top, min_count, phrases, field, first = 2, 100, None, False, 'all', None
    stop, min_len, no_numbers = set(), 0, False
    a = args.split()
    i = 0
    while i < len(a):
        o = a[i]
        if o == '--phrases':
            phrases = True
        elif o == '--no-numbers':
            no_numbers = True
        else:
            v = a[i + 1]
            i += 1
            if o == '--n':
                n = int(v)
            elif o in ('--top', '-n'):
                top = int(v)
            elif o == '--min-count':
                min_count = int(v)
            elif o == '--field':
                field = v
            elif o == '--stopwords':
                stop |= read_stopwords('%s/%s.txt' % (stopdir, v))
            elif o == '--min-length':
                min_len = int(v)
            elif o in ('--threads', '-j'):
                pass
            elif o == '--first':  # the reference's own: only the first K stories
                first = int(v)
            else:
                raise SystemExit('ngrams_ref.py: unknown option ' + o)
        i += 1
    if min_count is None:
        min_count = 5 if phrases else 1
    min_count = max(min_count, 1)
    filtered = stop or min_len or no_numbers
    key = (n, field, frozenset(stop), min_len, no_numbers, first)
    if key not in CACHE:  # phrases and plain bigrams share their counts
        CACHE.clear()
        CACHE[key] = count(stories[:first], n, field, keep_fn(stop, min_len, no_numbers) if filtered else None)
    grams, df, uni = CACHE[key]
    rows = [(' '.join(g), c, df[g], g) for g, c in grams.items() if c >= min_count]
    if phrases:
        npos = sum(grams.values())
        left, right = collections.Counter(), collections.Counter()
        for g, c in grams.items():  # every bigram, before --min-count
            left[g[0]] += c
            right[g[1]] += c
        score = {r[0]: npmi(r[1], left[r[3][0]], right[r[3][1]], npos) for r in rows}
        rows.sort(key=lambda r: (-score[r[0]], r[0].encode('utf-8')))
        rows = rows[:top] if top else rows
        out = ['phrase,count,df,npmi'] + ['%s,%d,%d,%s' % (g, c, d, '%.10g' % score[g]) for g, c, d, _ in rows]
    else:
        rows.sort(key=lambda r: (-r[1], r[0].encode('utf-8')))
        rows = rows[:top] if top else rows
        out = ['ngram,count,df'] + ['%s,%d,%d' % r[:3] for r in rows]
    return '\n'.join(out) + '\n'


def main():
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    stories = load(sys.argv[1])
    for q in sys.argv[4:]:
        name, args = q.split('|', 1)
        with open('%s/%s.csv' % (sys.argv[3], name), 'w', encoding='utf-8', newline='') as f:
            f.write(query(stories, args, sys.argv[2]))


if __name__ == '__main__':
    main()
