#!/usr/bin/env python3
"""Independent reference for word segmentation (tests/e2e/segmentation.sh):
the words of a JSONL file's title and body, as ICU's word break iterator
(PyICU, the same ICU version as the engine's) finds them, counted.

usage: seg_ref.py STORIES.jsonl OUT.csv

Each text is put in NFKC (as the engine does), split by ICU's word
instance for the root locale over the whole text (not run by run, as the
engine does), and every segment whose rule status is not UBRK_WORD_NONE
(spaces, punctuation) is a word. Words are case folded, as tf's default.
Writes term,tf,df sorted by term (code point order).
"""
import csv
import json
import sys
import unicodedata

import icu  # Debian python3-icu

UBRK_WORD_NONE_LIMIT = 100  # statuses [0, 100) are "none" (not a word)


def words(text, bi):
    text = unicodedata.normalize("NFKC", text)
    bi.setText(text)
    out = []
    # PyICU indexes are UTF-16 code units: slice a UTF-16 copy
    u16 = text.encode("utf-16-le")
    prev = bi.first()
    for cur in bi:
        if bi.getRuleStatus() >= UBRK_WORD_NONE_LIMIT:
            out.append(u16[2 * prev:2 * cur].decode("utf-16-le"))
        prev = cur
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    bi = icu.BreakIterator.createWordInstance(icu.Locale.getRoot())
    tf, df = {}, {}
    with open(src, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            story = json.loads(line)
            seen = set()
            for key in ("title", "body"):
                for w in words(story.get(key, ""), bi):
                    w = w.casefold()
                    tf[w] = tf.get(w, 0) + 1
                    seen.add(w)
            for w in seen:
                df[w] = df.get(w, 0) + 1
    with open(dst, "w", encoding="utf-8", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["term", "tf", "df"])
        for w in sorted(tf):
            wr.writerow([w, tf[w], df[w]])


if __name__ == "__main__":
    main()
