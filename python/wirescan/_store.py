"""Stores, requests and results: wirescan.open() and the Store it returns.

A request is marshalled to the library as the command line would set it
(ws_request_set with the option's name and its text), run on a worker
thread (so that Ctrl-C in the calling thread can call ws_request_cancel
and wait for the library to clean up), and its typed result is streamed
into NumPy arrays a column at a time (ws_result_column), then into a
pandas DataFrame. The methods named after kernels are made at import from
the library's kernel descriptors.
"""
import ctypes
import datetime as _dt
import inspect
import keyword
import logging
import os
import signal
import threading
import warnings

import numpy as np
import pandas as pd

from . import _lib
from ._lib import Error, check, enc, text

log = logging.getLogger("wirescan")

_DATE_UNKNOWN = -(2 ** 63)


class Note(UserWarning):
    """A note about an answer ("no story matches the filters"), issued as a
    warning; the other notes of a run go to the "wirescan" logger. Every
    note of a run is also in ``df.attrs["notes"]``."""


# ---------------------------------------------------------------- kernels


def py_name(name):
    """The Python keyword for a parameter: '-' becomes '_', and a Python
    keyword gets a trailing '_' (from -> from_)."""
    n = name.replace("-", "_")
    return n + "_" if keyword.iskeyword(n) else n


def c_name(name):
    """The library's name for a Python keyword: the inverse of py_name."""
    if name.endswith("_") and not name.endswith("__"):
        name = name[:-1]
    return name.replace("_", "-")


def kernels():
    """The kernels of the loaded library, in its order."""
    out, i = [], 0
    while True:
        n = _lib.kernel_name(i)
        if n is None:
            return out
        out.append(text(n))
        i += 1


def _param_dict(p):
    return {
        "name": text(p.name), "keyword": py_name(text(p.name)),
        "type": _lib.PARAM_TYPE_NAMES.get(p.type, str(p.type)), "default": text(p.def_),
        "metavar": text(p.metavar), "help": text(p.help), "choices": text(p.choices),
        "min": p.min, "max": p.max, "section": text(p.section), "hidden": bool(p.flags & _lib.PARAM_HIDDEN),
        "_type": p.type,
    }


_described = {}


def describe(kernel):
    """The descriptor of a kernel: {'name', 'summary', 'help', 'params'},
    params a list of dicts (name, keyword, type, default, metavar, help,
    choices, min, max, section, hidden): its own, then grouping and
    subcorpus filters where it has them, then the common ones."""
    if kernel in _described:
        return _described[kernel]
    summary, help_ = ctypes.c_char_p(), ctypes.c_char_p()
    check(_lib.kernel_describe(enc(kernel), ctypes.byref(summary), ctypes.byref(help_), None, None))
    params, i = [], 0
    pp = ctypes.POINTER(_lib.ParamInfo)()
    while _lib.kernel_param(enc(kernel), i, ctypes.byref(pp)) == 0:
        params.append(_param_dict(pp.contents))
        i += 1
    d = {"name": kernel, "summary": text(summary.value), "help": text(help_.value), "params": params}
    _described[kernel] = d
    return d


# ---------------------------------------------------------------- parameters


def _scalar(v):
    """One value as the command line writes it."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (_dt.datetime, _dt.date)):  # pandas.Timestamp is a datetime
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (str, int)):
        return str(v)
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    raise Error(_lib.errors["WS_EINVAL"], "cannot pass a %s as a parameter value" % type(v).__name__)


def _is_many(v):
    return isinstance(v, (list, tuple, set, frozenset, np.ndarray, pd.Series, pd.Index))


def _settings(kw, name, info, v):
    """The (name, text or flag) calls that set parameter `name` to v."""
    einval = _lib.errors["WS_EINVAL"]
    ptype = info["_type"] if info else None
    if v is None:
        return []
    if ptype == _lib.PARAM_FLAG and isinstance(v, (bool, np.bool_)):
        return [(name, bool(v))]
    if isinstance(v, dict):  # where={"topics": ["grain", "wheat"], "places": "usa"}
        vals = []
        for tag, tv in v.items():
            for one in (tv if _is_many(tv) else [tv]):
                vals.append("%s=%s" % (tag, _scalar(one)))
        v = vals
    if _is_many(v):
        vals = [_scalar(x) for x in v]
        if ptype == _lib.PARAM_LIST or ptype is None:
            return [(name, x) for x in vals]
        if info["metavar"] == "LIST":  # one text value that is itself a comma-separated list
            return [(name, ",".join(vals))]
        raise Error(einval, "parameter %s (%s) takes one value, not a %s" % (kw, info["type"], type(v).__name__))
    return [(name, _scalar(v))]


# ---------------------------------------------------------------- progress


def _default_progress():
    try:
        from tqdm.auto import tqdm  # noqa: F401
    except Exception:
        return None
    return "tqdm"


class _TqdmProgress:
    """A tqdm bar made at the first report (runs shorter than the library's
    first report, about half a second, show none)."""

    def __init__(self, desc):
        self.desc, self.bar = desc, None

    def __call__(self, p):
        from tqdm.auto import tqdm

        if self.bar is None:
            if p["final"]:
                return
            self.bar = tqdm(total=p["total"] or None, desc=self.desc, unit=" blocks" if p["phase"] == "scan" else " B",
                            unit_scale=p["phase"] != "scan", leave=False)
        self.bar.total = p["total"] or None
        self.bar.n = p["done"]
        self.bar.set_postfix_str("%s items" % format(p["items"], ","), refresh=False)
        self.bar.refresh()
        if p["final"]:
            self.bar.close()


def progress_fn(progress, desc):
    """A ws_progress_fn for the progress setting (None: tqdm when installed;
    False: none; True: tqdm; a callable: called with a dict), or None."""
    if progress is None:
        progress = _default_progress()
    if progress is False:
        return None, None
    if progress is True or progress == "tqdm":
        handler = _TqdmProgress(desc)
    elif callable(progress):
        handler = progress
    else:
        raise Error(_lib.errors["WS_EINVAL"], "progress must be None, True, False or a callable")

    def cb(_ctx, pp):
        p = pp.contents
        try:
            handler({"phase": text(p.phase), "done": p.done, "total": p.total, "items": p.items,
                     "elapsed_s": p.elapsed_s, "final": bool(p.final)})
        except Exception:  # a broken progress display must not stop the run
            log.exception("wirescan: progress callback failed")

    return _lib.PROGRESS_FN(cb), handler


def notes_fn(notes):
    def cb(_ctx, line):
        notes.append(text(line))

    return _lib.NOTE_FN(cb)


def report_notes(notes, stacklevel=4):
    for line in notes:
        if line.startswith("note: "):
            warnings.warn(line[len("note: "):], Note, stacklevel=stacklevel)
        else:
            log.info("%s", line)


def call_cancellable(fn, cancel):
    """Run fn() (a library call returning 0 or a WS_E* code) on a worker
    thread and wait; KeyboardInterrupt while waiting calls cancel() and
    keeps waiting for the library to finish cleaning up, then is raised
    again. Returns (rc, the error detail read on the worker thread)."""
    box = {}
    done = threading.Event()

    def work():
        # SIGINT goes to the waiting thread only: blocked here, and so in the
        # library's threads, which inherit this thread's mask.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            rc = fn()
            box["rc"], box["detail"] = rc, (text(_lib.last_error()) if rc else None)
        except BaseException as e:  # pragma: no cover - fn is a ctypes call
            box["exc"] = e
        finally:
            done.set()

    t = threading.Thread(target=work, name="wirescan-run", daemon=True)
    t.start()
    interrupted = False
    # An Event, not Thread.join: a join interrupted by KeyboardInterrupt can
    # leave the thread looking finished while it still runs.
    while not done.is_set():
        try:
            done.wait()
        except KeyboardInterrupt:
            interrupted = True
            cancel()
    t.join()
    if "exc" in box:
        raise box["exc"]
    if interrupted:
        rc = box["rc"]
        raise KeyboardInterrupt("wirescan: the run was cancelled") from (Error(rc, box["detail"]) if rc else None)
    return box["rc"], box["detail"]


# ---------------------------------------------------------------- results


class _Columns:
    """Accumulates the batches of a streamed result as NumPy arrays."""

    def __init__(self):
        self.names = None
        self.types = None
        self.chunks = None
        self.error = None

    def add(self, batch):
        L = _lib
        ncols = L.result_ncols(batch)
        if self.names is None:
            self.names = [text(L.result_name(batch, c)) for c in range(ncols)]
            self.types = [L.result_type(batch, c) for c in range(ncols)]
            self.chunks = [[] for _ in range(ncols)]
        n = L.result_nrows(batch)
        if not n:
            return
        for c, t in enumerate(self.types):
            nulls = np.empty(n, dtype=np.uint8)
            vals = np.empty(n, dtype=np.float64 if t == L.TYPE_DOUBLE else np.int64)
            check(L.result_column(batch, c, 0, n, vals.ctypes.data, nulls.ctypes.data))
            if t == L.TYPE_TEXT:
                ends = vals.view(np.uint64)
                total = int(ends[-1])
                buf = ctypes.create_string_buffer(total or 1)
                check(L.result_text_bytes(batch, c, 0, n, buf, total))
                raw = buf.raw[:total]
                e = ends.tolist()
                try:
                    whole = raw.decode("utf-8")
                except UnicodeDecodeError:  # not expected (the library repairs text): cell by cell
                    whole = None
                if whole is None:
                    cells = [raw[a:b].decode("utf-8", "replace") for a, b in zip([0] + e[:-1], e)]
                else:
                    if len(whole) != total:  # not ASCII: byte offsets -> character offsets
                        lead = (np.frombuffer(raw, dtype=np.uint8) & 0xC0) != 0x80
                        e = np.concatenate(([0], np.cumsum(lead)))[ends.astype(np.int64)].tolist()
                    cells = [whole[a:b] for a, b in zip([0] + e[:-1], e)]
                if nulls.any():
                    for i in np.flatnonzero(nulls).tolist():
                        cells[i] = None
                self.chunks[c].append(np.array(cells, dtype=object))
            else:
                self.chunks[c].append((vals, nulls.astype(bool)))

    def frame(self):
        L = _lib
        data = {}
        for name, t, chunks in zip(self.names or [], self.types or [], self.chunks or []):
            if t == L.TYPE_TEXT:
                data[name] = pd.Series(np.concatenate(chunks) if chunks else np.empty(0, dtype=object), dtype=object)
                continue
            if chunks:
                vals = np.concatenate([v for v, _ in chunks])
                nulls = np.concatenate([m for _, m in chunks])
            else:
                vals = np.empty(0, dtype=np.float64 if t == L.TYPE_DOUBLE else np.int64)
                nulls = np.zeros(0, dtype=bool)
            if t == L.TYPE_DOUBLE:
                vals[nulls] = np.nan
                data[name] = pd.Series(vals, dtype="float64")
            elif t == L.TYPE_DATE:
                nulls = nulls | (vals == _DATE_UNKNOWN)
                ns = vals.astype("datetime64[s]").astype("datetime64[ns]")
                ns[nulls] = np.datetime64("NaT")
                data[name] = pd.Series(pd.DatetimeIndex(ns).tz_localize("UTC"))
            elif nulls.any():
                data[name] = pd.Series(pd.arrays.IntegerArray(vals, nulls))
            else:
                data[name] = pd.Series(vals, dtype="int64")
        if not data:
            return pd.DataFrame()
        # From the dict alone: passing columns= too makes pandas 1.5 turn a
        # timezone-aware column into an object array of Timestamps first.
        return pd.DataFrame(data)


# ---------------------------------------------------------------- stores


def _closed_error():
    return Error(_lib.errors["WS_EINVAL"], "the store is closed")


class Store:
    """One or several stores opened together and read as one corpus (as
    ``wirescan tf A B`` reads A and B). Made by wirescan.open(); a context
    manager (``with wirescan.open(p) as s:``) that closes on exit.

    ``run(kernel, **params)`` runs any kernel; each kernel is also a method
    (``s.tf(top=20, by="month")``), made from the library's descriptors,
    with the kernel's help as its docstring. Parameters are the command
    line's options: '-' becomes '_', ``from_`` for --from; ``where`` (and
    target_where, ref_where) takes a dict tag -> value or list of values;
    flags take True; list parameters take a list; dates take text
    ("2019-05"), datetime.date or pandas.Timestamp.
    """

    def __init__(self, paths, progress=None):
        if not paths:
            raise Error(_lib.errors["WS_EINVAL"], "wirescan.open: no store given")
        self.paths = tuple(os.fspath(p) for p in paths)
        self.progress = progress
        self._lock = threading.Lock()
        self._c = None
        arr = (ctypes.c_char_p * len(self.paths))(*[enc(p) for p in self.paths])
        c = ctypes.c_void_p()
        check(_lib.corpus_open(ctypes.byref(c), arr, len(self.paths)))
        self._c = c

    # -- life
    def close(self):
        """Close the stores; NULL-safe, idempotent. Later calls raise Error."""
        with self._lock:
            c, self._c = self._c, None
        if c:
            _lib.corpus_close(c)

    @property
    def closed(self):
        return self._c is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        return "<wirescan.Store %s%s>" % (", ".join(self.paths), " (closed)" if self.closed else "")

    # -- what is in it
    def info(self):
        """Totals over the corpus, as a dict: stores, stories, undated,
        tokens, terms (distinct, all dictionaries), segments, blocks, bytes
        (every file), first_date and last_date (pandas.Timestamp in UTC, None
        when no story is dated)."""
        c = self._c
        if c is None:
            raise _closed_error()
        i = _lib.CorpusInfo()
        check(_lib.corpus_info_get(c, ctypes.byref(i)))

        def date(s):
            return None if s == _DATE_UNKNOWN else pd.Timestamp(s, unit="s", tz="UTC")

        return {"stores": i.nstores, "stories": i.stories, "undated": i.undated, "tokens": i.tokens,
                "terms": i.terms, "segments": i.segments, "blocks": i.blocks, "bytes": i.bytes,
                "first_date": date(i.first_date), "last_date": date(i.last_date)}

    # -- running kernels
    def run(self, kernel, **params):
        """Run kernel `kernel` ("tf", "cooc", ...) with the command line's
        options as keywords and return its table as a pandas.DataFrame: the
        command line's columns, int64 (Int64 when a column has NULL cells),
        float64 (NaN for NULL), text as str objects (None for NULL), dates as
        datetime64[ns, UTC] (NaT for NULL). df.attrs holds the kernel, the
        parameters and the run's notes."""
        return self._run(kernel, params)

    def _run(self, kernel, params):
        notes = []
        cols = self._stream(kernel, params, notes)
        df = cols.frame()
        df.attrs = {"kernel": kernel, "params": dict(params), "notes": notes}
        report_notes(notes, stacklevel=4)  # warn at the caller of run() or of a kernel method
        return df

    def _request(self, kernel):
        with self._lock:
            c = self._c
            if c is None:
                raise _closed_error()
            q = ctypes.c_void_p()
            check(_lib.request_create(ctypes.byref(q), c, enc(kernel)))
        return q

    def _free(self, q):
        with self._lock:  # the corpus counts its requests
            _lib.request_free(q)

    def _stream(self, kernel, params, notes):
        if not isinstance(kernel, str):
            raise Error(_lib.errors["WS_EINVAL"], "the kernel is named by a str, not a %s" % type(kernel).__name__)
        q = self._request(kernel)
        try:
            info = {p["name"]: p for p in describe(kernel)["params"]}
            for kw, v in params.items():
                name = c_name(kw)
                for n, val in _settings(kw, name, info.get(name), v):
                    if isinstance(val, bool):
                        check(_lib.request_set_flag(q, enc(n), int(val)))
                    else:
                        check(_lib.request_set(q, enc(n), enc(val)))
            pfn, _ = progress_fn(self.progress, kernel)
            if pfn is not None:
                check(_lib.request_on_progress(q, pfn, None))
            nfn = notes_fn(notes)
            check(_lib.request_on_note(q, nfn, None))
            cols = _Columns()

            def on_batch(_ctx, batch):
                try:
                    cols.add(batch)
                    return 0
                except BaseException as e:  # stop the run; raised below
                    cols.error = e
                    return _lib.errors["WS_EINTERNAL"]

            bfn = _lib.BATCH_FN(on_batch)
            rc, detail = call_cancellable(lambda: _lib.request_stream(q, bfn, None),
                                          lambda: _lib.request_cancel(q))
            if cols.error is not None:
                raise cols.error
            check(rc, detail)
            return cols
        finally:
            self._free(q)


def open(*paths, progress=None):  # noqa: A001 - the issue's name
    """Open one or several stores (shards) as one corpus and return a Store.

    progress: None (default) shows a tqdm bar for runs longer than about half
    a second when tqdm is installed; False shows none; a callable receives a
    dict (phase, done, total, items, elapsed_s, final) about twice a second.
    Errors raise wirescan.Error (code WS_ENOENT: not a store; WS_ECORRUPT;
    WS_EVERSION)."""
    return Store(paths, progress=progress)


# ---------------------------------------------------------------- kernel methods


def _doc(d):
    lines = [d["summary"] or d["name"], ""]
    if d["help"]:
        lines += [d["help"], ""]
    lines.append("Parameters (keywords; the command line's --options):")
    for p in d["params"]:
        if p["hidden"]:
            continue
        meta = p["type"] + ("" if p["choices"] is None else ": " + p["choices"])
        dflt = "" if p["default"] is None else ", default %s" % p["default"]
        lines.append("  %s (%s%s)%s" % (p["keyword"], meta, dflt,
                                       "" if p["section"] is None else "  [%s]" % p["section"]))
        for h in (p["help"] or "").splitlines():
            lines.append("      " + h)
    lines += ["", "Returns a pandas.DataFrame (see Store.run)."]
    return "\n".join(lines)


def _signature(d):
    ps = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    seen = set()
    for p in d["params"]:
        k = p["keyword"]
        if p["hidden"] or k in seen or not k.isidentifier():
            continue
        seen.add(k)
        ps.append(inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=None))
    ps.append(inspect.Parameter("params", inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(ps)


def _kernel_method(name, d):
    def method(self, **params):
        return self._run(name, params)

    method.__name__ = method.__qualname__ = name.replace("-", "_")
    method.__doc__ = _doc(d)
    method.__signature__ = _signature(d)
    return method


def _dtm_method(d):
    def dtm(self, **params):
        from ._dtm import to_matrix

        return to_matrix(self._run("dtm", params))

    dtm.__doc__ = (_doc(d).replace("Returns a pandas.DataFrame (see Store.run).", "") +
                   "Returns (X, rows, cols): X a scipy.sparse CSR matrix, stories x terms, of the\n"
                   "counts; rows a DataFrame (one per story, in store order: the row's id, date,\n"
                   "source...), cols a DataFrame (one per column: its term and df, the stories\n"
                   "containing it). store.run('dtm', ...) gives the table itself.")
    dtm.__signature__ = _signature(d)
    return dtm


def _attach_kernels():
    reserved = set(dir(Store))
    for k in kernels():
        attr = k.replace("-", "_")
        if not attr.isidentifier() or attr in reserved:
            continue  # still reachable through run()
        d = describe(k)
        setattr(Store, attr, _dtm_method(d) if k == "dtm" else _kernel_method(k, d))


_attach_kernels()
