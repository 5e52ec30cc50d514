#!/usr/bin/env python3
"""Read a wirescan term index (tidx-G.wsx, file version 2 or 3) and the
store's dictionary from docs/FORMAT.md alone, independently of wirescan's C
code, for tests. zstd frames are decompressed by the zstd command-line tool.

  ws_tidx_read.py STORE TIDX
      prints JSON: {"version", "brows", "segd", "terms": {term: [[block,
      rows or null], ...]}} where rows lists the rows of an entry and null
      stands for an entry whose rows are not listed.

Standard library only (besides the zstd tool).
"""
import json
import struct
import subprocess
import sys


def unzstd(frame):
    return subprocess.run(["zstd", "-d", "-c", "-q"], input=frame, stdout=subprocess.PIPE, check=True).stdout


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def read_dict(path):
    b = open(path, "rb").read()
    i, terms = 0, []
    while i + 40 <= len(b):
        assert b[i:i + 8] == b"WSCANDIC"
        n, first, c, r = struct.unpack_from("<IQII", b, i + 12)
        assert first == len(terms)
        raw = unzstd(b[i + 40:i + 40 + c])
        assert len(raw) == r
        j, lens = 0, []
        for _ in range(n):
            ln, j = varint(raw, j)
            lens.append(ln)
        for ln in lens:
            terms.append(raw[j:j + ln].decode("utf-8"))
            j += ln
        i += 40 + c
    return terms


class Bits:
    """LSB-first bit reader: unary = zeros ended by a one."""

    def __init__(self, data, nbits):
        self.v = int.from_bytes(data, "little")
        self.pos, self.nbits = 0, nbits

    def get(self, n):
        x = (self.v >> self.pos) & ((1 << n) - 1)
        self.pos += n
        assert self.pos <= self.nbits
        return x

    def unary(self):
        q = 0
        while not (self.v >> self.pos) & 1:
            q += 1
            self.pos += 1
            assert self.pos < self.nbits
        self.pos += 1
        return q


def rice_b(nr, k):
    m = nr * 11 // (16 * k)
    return m.bit_length() - 1 if m else 0


def main():
    store, tidx = sys.argv[1], sys.argv[2]
    terms = read_dict(store + "/terms.wsd")
    b = open(tidx, "rb").read()
    assert b[:8] == b"WSCANIDX"
    ver, nt, ns, nb = struct.unpack_from("<IIII", b, 8)
    total, c, r, listed, G, NG = struct.unpack_from("<QQQQII", b, 24)
    assert ver in (2, 3) and nt <= len(terms)
    brows, segd, hs = [], [], 64
    if ver == 3:
        brows = list(struct.unpack_from("<%dI" % nb, b, 72))
        segd = list(struct.unpack_from("<%dI" % ns, b, 72 + 4 * nb))
        hs = 72 + 4 * (nb + ns)
    raw = unzstd(b[hs:hs + c])
    assert len(raw) == r
    i, blocks = 0, []
    for t in range(nt):
        n, i = varint(raw, i)
        last, bl = 0, []
        for _ in range(n):
            g, i = varint(raw, i)
            last += g
            bl.append(last)
        blocks.append(bl)
    assert i == len(raw)
    d = hs + c
    out = {}
    nlisted = 0
    for g in range(NG):
        off, csize, field = struct.unpack_from("<QII", b, d + 16 * g)
        data = b[off:off + csize]
        tids = range(g * G, min(nt, (g + 1) * G))
        if ver == 3 and field >> 31:
            j, lens = 0, []
            for t in tids:
                ln, j = varint(data, j)
                lens.append(ln)
            bits = Bits(data[j:], 8 * (csize - j) - (field & 7))
            assert sum(lens) == bits.nbits
            for t, tlen in zip(tids, lens):
                start = bits.pos
                ents = []
                for blk in blocks[t]:
                    nr = brows[blk]
                    ln = bits.unary()
                    v = ((1 << ln) | bits.get(ln)) - 1
                    k = 1 if v == 0 else 0 if v == 1 else v
                    rows, last = [], 0
                    if k:
                        rb = rice_b(nr, k)
                    for _ in range(k):
                        q = bits.unary()
                        row = last + ((q << rb) | bits.get(rb))
                        assert row < nr
                        rows.append(row)
                        last = row + 1
                    ents.append([blk, rows if k else None])
                    nlisted += k
                out[terms[t]] = ents
                assert bits.pos - start == tlen, (t, bits.pos - start, tlen)
            assert bits.pos == bits.nbits
        else:
            gr = unzstd(data)
            assert len(gr) == field
            j = 0
            for t in tids:
                ln, j = varint(gr, j)
                e, ents = j + ln, []
                for blk in blocks[t]:
                    k, j = varint(gr, j)
                    rows, last = [], 0
                    for m in range(k):
                        gap, j = varint(gr, j)
                        last = gap if m == 0 else last + gap
                        rows.append(last)
                    ents.append([blk, rows if k else None])
                    nlisted += k
                assert j == e
                out[terms[t]] = ents
            assert j == len(gr)
    assert nlisted == listed, (nlisted, listed)
    json.dump({"version": ver, "brows": brows, "segd": segd, "terms": out}, sys.stdout)


if __name__ == "__main__":
    main()
