#!/usr/bin/env python3
"""Hand-edit wirescan store files for tests, keeping their checksums valid
(docs/FORMAT.md), so that a reader sees a sound file that says something
wrong or new, not a damaged one.

  ws_store_edit.py manifest STORE SED_EXPR...
      apply each Python re.sub "PATTERN=>REPLACEMENT" (multiline) to the text
      of MANIFEST before its checksum line, then write a fresh checksum line
  ws_store_edit.py version FILE N
      set the format version of FILE to N: a segment (header and trailer), a
      statistics file or every dictionary record (checksums recomputed)

XXH3-64 comes from the system's libxxhash through ctypes (the library the
binary itself links); standard library only otherwise.
"""
import ctypes
import ctypes.util
import os
import re
import struct
import sys


def xxh3(data):
    name = ctypes.util.find_library("xxhash") or "libxxhash.so.0"
    lib = ctypes.CDLL(name)
    f = lib.XXH3_64bits
    f.restype = ctypes.c_uint64
    f.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return f(bytes(data), len(data))


def edit_manifest(store, exprs):
    path = os.path.join(store, "MANIFEST")
    text = open(path, "rb").read().decode()
    body = text[: text.rindex("checksum ")]
    for e in exprs:
        pat, rep = e.split("=>", 1)
        body = re.sub(pat, rep, body, flags=re.M)
    out = body + "checksum %016x\n" % xxh3(body.encode())
    open(path, "wb").write(out.encode())


def set_version(path, v):
    data = bytearray(open(path, "rb").read())
    magic = bytes(data[:8])
    if magic == b"WSCANSEG":
        struct.pack_into("<I", data, 8, v)
        struct.pack_into("<I", data, len(data) - 16, v)
    elif magic == b"WSCANSTA":
        struct.pack_into("<I", data, 8, v)
        struct.pack_into("<Q", data, len(data) - 8, xxh3(data[:-8]))
    elif magic == b"WSCANDIC":
        off = 0
        while off + 40 <= len(data):
            struct.pack_into("<I", data, off + 8, v)
            csz = struct.unpack_from("<I", data, off + 24)[0]
            h = xxh3(bytes(data[off:off + 32]) + bytes(data[off + 40:off + 40 + csz]))
            struct.pack_into("<Q", data, off + 32, h)
            off += 40 + csz
    else:
        sys.exit("ws_store_edit.py: %s: not a store file" % path)
    open(path, "wb").write(bytes(data))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "manifest":
        edit_manifest(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 4 and sys.argv[1] == "version":
        set_version(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
