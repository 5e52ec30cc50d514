#!/usr/bin/env python3
"""Write the third-party stop-word lists of data/stopwords (README there
names each source and licence). Run once by hand; the .txt files it writes
are committed, then embedded by embed.py.

usage: import.py PG_TSEARCH_DIR STOPWORDS_ISO_JSON

PG_TSEARCH_DIR: PostgreSQL's tsearch_data folder (Debian postgresql-15:
  /usr/share/postgresql/15/tsearch_data), whose LANGUAGE.stop files are the
  Snowball project's stop lists (BSD-3-Clause) without their comments.
STOPWORDS_ISO_JSON: stopwords-iso.json of the npm package stopwords-iso
  1.1.0 (MIT), for languages Snowball has no list for.

Words are copied in their source order, one a line, under a header naming
the source. The one change: stopwords-iso's Lithuanian list is Windows-1257
text that was decoded as Latin-1 (abiejø for abiejų); it is re-decoded.
"""
import json
import os
import sys

SNOWBALL = {"da": "danish", "nl": "dutch", "fi": "finnish", "fr": "french", "de": "german", "hu": "hungarian",
            "it": "italian", "ne": "nepali", "no": "norwegian", "pt": "portuguese", "es": "spanish",
            "sv": "swedish", "tr": "turkish"}
ISO = {"ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "el": "greek", "hi": "hindi",
       "id": "indonesian", "ga": "irish", "lt": "lithuanian", "ro": "romanian"}

FORMAT = ("# Format (also that of `--stopwords FILE`): UTF-8, one word per line; blank\n"
          "# lines and text after '#' are ignored; words are compared after NFKC and\n"
          "# Unicode case folding, before stemming.\n\n")


def write(code, name, source, words):
    here = os.path.dirname(os.path.abspath(__file__))
    head = ("# %s stop words bundled with wirescan (`--stopwords %s` or `%s`).\n"
            "# %s\n" % (name.capitalize(), code, name, source))
    with open(os.path.join(here, code + ".txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(head + FORMAT + "".join(w + "\n" for w in words))


def main():
    pg, iso = sys.argv[1], sys.argv[2]
    for code, name in SNOWBALL.items():
        with open(os.path.join(pg, name + ".stop"), encoding="utf-8") as f:
            words = [w.strip() for w in f if w.strip()]
        write(code, name, "Source: the Snowball project's stop list (snowballstem.org, BSD-3-Clause;\n"
              "# see README), as shipped by PostgreSQL 15 (tsearch_data/%s.stop)." % name, words)
    with open(iso, encoding="utf-8") as f:
        lists = json.load(f)
    for code, name in ISO.items():
        words = lists[code]
        note = ""
        if code == "lt":
            words = [w.encode("latin-1").decode("cp1257") for w in words]
            note = "\n# Re-decoded from Windows-1257 (the package has it mis-decoded as Latin-1)."
        write(code, name, "Source: stopwords-iso 1.1.0 (npm package stopwords-iso, MIT licence;\n"
              "# see README), list '%s'.%s" % (code, note), words)


if __name__ == "__main__":
    main()
