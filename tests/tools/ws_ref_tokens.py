"""The tokenizer's rules re-written in Python, for the end-to-end tests'
independent references (written from DESIGN.md and kernels/ws_tokenize.h,
not from the C code): NFKC of the text; maximal runs of code points of
category L*, M* or Nd; each Han/Hiragana/Katakana letter (L* or Nl) a token
of its own with the marks after it; tokens over 255 bytes cut at a code
point boundary; terms are NFC(casefold(token)).

TOKEN finds tokens, SINGLE holds the code points that are tokens of their
own, fold(token) gives the term, terms(text) the terms of a text.
"""
import re
import unicodedata


CJK = [(0x3005, 0x3007), (0x3021, 0x3029), (0x3038, 0x303B), (0x3041, 0x309F), (0x30A0, 0x30FF),
       (0x31F0, 0x31FF), (0x32D0, 0x32FE), (0x3300, 0x3357), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
       (0xF900, 0xFAFF), (0xFF66, 0xFF9F), (0x1AFF0, 0x1B16F), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF),
       (0x2EBF0, 0x2EE5F), (0x2F800, 0x2FA1F), (0x30000, 0x323AF)]

def char_class(cps):
    out, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        out.append(re.escape(chr(cps[i])) + ('' if i == j else '-' + re.escape(chr(cps[j]))))
        i = j + 1
    return '[' + ''.join(out) + ']'

word, single, marks = [], [], []
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    cat = unicodedata.category(chr(cp))
    if cat[0] == 'M':
        marks.append(cp)
    if (cat[0] == 'L' or cat == 'Nl') and any(a <= cp <= b for a, b in CJK):
        single.append(cp)
    elif cat[0] in 'LM' or cat == 'Nd':
        word.append(cp)
SINGLE = frozenset(single)
TOKEN = re.compile('%s%s*|%s+' % (char_class(single), char_class(marks), char_class(word)))

FOLDED = {}
def fold(t):
    b = t.encode('utf-8')
    if len(b) > 255:
        b = b[:255]
        while b[-1] & 0xC0 == 0x80:
            b = b[:-1]
        b = b[:-1] if b[-1] >= 0xC0 else b
        t = b.decode('utf-8')
    return unicodedata.normalize('NFC', t.casefold())

def terms(text):
    out = []
    for t in TOKEN.findall(unicodedata.normalize('NFKC', text)):
        f = FOLDED.get(t)
        if f is None:
            f = FOLDED[t] = fold(t)
        out.append(f)
    return out

