"""wirescan.ingest(): files, folders and records into a store, through the
library's ingest API (ws_ingester_*), with the options of `wirescan ingest`."""
import ctypes
import os

from . import _lib
from ._lib import Error, check, enc
from ._store import _is_many, _scalar, call_cancellable, notes_fn, progress_fn, report_notes


def _record(d):
    """A ws_story from a dict: id, date, source, title, body (else text,
    else content), tags (dict name -> value or list of values, or a list of
    'name=value')."""
    keep = []

    def s(v):
        if v is None:
            return None
        b = enc(_scalar(v))
        keep.append(b)
        return b

    tags = d.get("tags") or {}
    flat = []
    if isinstance(tags, dict):
        for name, v in tags.items():
            for one in (v if _is_many(v) else [v]):
                flat.append("%s=%s" % (name, _scalar(one)))
    else:
        flat = [str(t) for t in tags]
    arr = (ctypes.c_char_p * max(len(flat), 1))(*[s(t) for t in flat])
    body = d.get("body", d.get("text", d.get("content")))
    rec = _lib.Story(s(d.get("id")), s(d.get("date")), s(d.get("source")), s(d.get("title")), s(body), arr, len(flat))
    return rec, (keep, arr)


def ingest(out, *inputs, progress=None, **options):
    """Build a store at `out` (created, or appended to when it exists) from
    inputs: paths of files or folders (any format `wirescan ingest` reads,
    "-" for standard input), dicts (one story: id, date, source, title,
    body, tags) or iterables of such dicts. Options are those of
    `wirescan ingest`, '-' as '_': format, threads, strict=True, wait=True,
    skip_existing=True, level, block_tokens, max_record, delimiter,
    tag (a name or a list), field (a dict NAME -> KEY or 'NAME=KEY' strings),
    tag_from_dir, year, date_format, encoding, datelines.

    Returns the summary as a dict (stories, bad, undated, date_bad,
    invalid_utf8, tokens, new_terms, blocks, bytes_in, seg_bytes, existing,
    dateline_no_year) with the notes (bad records as FILE:LINE: reason) under
    "notes". Errors raise wirescan.Error; KeyboardInterrupt is not caught
    during the run (the ingest commits all or nothing)."""
    L = _lib
    if L.ingester_create is None:
        raise Error(L.errors["WS_EINTERNAL"], "this libwirescan (%s) has no ingest API" % L.path)
    g = ctypes.c_void_p()
    check(L.ingester_create(ctypes.byref(g), enc(os.fspath(out))))
    keep = []
    try:
        for kw, v in options.items():
            name = kw.rstrip("_").replace("_", "-")
            if v is None or v is False:
                continue
            if v is True:
                check(L.ingester_set(g, enc(name), b"1"))
                continue
            if isinstance(v, dict):
                v = ["%s=%s" % (k, _scalar(x)) for k, x in v.items()]
            for one in (v if _is_many(v) else [v]):
                check(L.ingester_set(g, enc(name), enc(_scalar(one))))
        for inp in inputs:
            if isinstance(inp, (str, bytes, os.PathLike)):
                check(L.ingester_add_file(g, enc(os.fsdecode(inp))))
                continue
            for d in ([inp] if isinstance(inp, dict) else inp):
                rec, k = _record(d)
                check(L.ingester_add_record(g, ctypes.byref(rec)))
                del k  # the library copies the strings
        notes = []
        pfn, _ = progress_fn(progress, "ingest")
        if pfn is not None:
            check(L.ingester_on_progress(g, pfn, None))
        nfn = notes_fn(notes)
        check(L.ingester_on_note(g, nfn, None))
        summ = L.IngestSummary()
        # No cancel in the ingest API: Ctrl-C waits for the commit (all or nothing).
        rc, detail = call_cancellable(lambda: L.ingester_run(g, ctypes.byref(summ)), lambda: None)
        check(rc, detail)
        out = {name: getattr(summ, name) for name, _ in L.IngestSummary._fields_}
        out["existing_ids"] = [i for i in L.text(summ.existing_ids).split(", ") if i]
        out["notes"] = notes
        report_notes([n for n in notes if n.startswith("note: ")], stacklevel=3)
        return out
    finally:
        L.ingester_free(g)
