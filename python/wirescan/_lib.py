"""Loading libwirescan and declaring its public C API (include/wirescan.h)
for ctypes; the error type.

Where the library is looked for, first found wins:
  1. $WIRESCAN_LIB (a path to libwirescan.so);
  2. installed: beside the package, through the relative path that
     `cmake --install` wrote into _install.py (the package sits in
     PREFIX/lib/python3/dist-packages/wirescan, the library in PREFIX/LIBDIR);
  3. a checkout: build/libwirescan.so next to the python/ folder;
  4. the system's search path (ldconfig).
Only marshalling lives in this package: every rule (parameter parsing,
checks, filters, the kernels) is the library's.
"""
import ctypes
import ctypes.util
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _candidates():
    env = os.environ.get("WIRESCAN_LIB")
    if env:
        yield env
        return
    try:
        from . import _install  # written by cmake --install

        d = os.path.normpath(os.path.join(_HERE, _install.LIBDIR))
        yield os.path.join(d, "libwirescan.so.0")
        yield os.path.join(d, "libwirescan.so")
    except ImportError:
        pass
    checkout = os.path.normpath(os.path.join(_HERE, "..", "..", "build"))
    yield os.path.join(checkout, "libwirescan.so.0")
    found = ctypes.util.find_library("wirescan")
    if found:
        yield found
    yield "libwirescan.so.0"


def _load():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (missing)")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("wirescan: cannot load libwirescan; tried " + "; ".join(tried) +
                      ". Set WIRESCAN_LIB to the library's path.")


lib, path = _load()

c_char_p, c_int, c_size_t, c_void_p = ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t, ctypes.c_void_p
c_int64, c_uint64, c_double = ctypes.c_int64, ctypes.c_uint64, ctypes.c_double
P = ctypes.POINTER


class Progress(ctypes.Structure):
    _fields_ = [("phase", c_char_p), ("done", c_uint64), ("total", c_uint64), ("items", c_uint64),
                ("elapsed_s", c_double), ("final", c_int)]


class CorpusInfo(ctypes.Structure):
    _fields_ = [("stories", c_uint64), ("undated", c_uint64), ("tokens", c_uint64), ("terms", c_uint64),
                ("segments", c_uint64), ("blocks", c_uint64), ("bytes", c_uint64),
                ("first_date", c_int64), ("last_date", c_int64), ("nstores", ctypes.c_uint32)]


class ParamInfo(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("type", c_int), ("def_", c_char_p), ("metavar", c_char_p), ("help", c_char_p),
                ("choices", c_char_p), ("min", c_int64), ("max", c_int64), ("flags", ctypes.c_uint),
                ("section", c_char_p)]


class Story(ctypes.Structure):  # ws_story
    _fields_ = [("id", c_char_p), ("date", c_char_p), ("source", c_char_p), ("title", c_char_p),
                ("body", c_char_p), ("tags", P(c_char_p)), ("ntags", c_size_t)]


class IngestSummary(ctypes.Structure):
    _fields_ = ([(n, c_uint64) for n in ("stories", "bad", "undated", "date_bad", "invalid_utf8", "tokens",
                                         "new_terms", "blocks", "bytes_in", "seg_bytes", "existing")] +
                [("existing_ids", ctypes.c_char * 200), ("dateline_no_year", c_uint64)])


PROGRESS_FN = ctypes.CFUNCTYPE(None, c_void_p, P(Progress))
NOTE_FN = ctypes.CFUNCTYPE(None, c_void_p, c_char_p)
BATCH_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p)

# Parameter and column types (enum ws_param_type, enum ws_type).
PARAM_FLAG, PARAM_INT, PARAM_DOUBLE, PARAM_TEXT, PARAM_LIST, PARAM_CHOICE, PARAM_DATE, PARAM_SIZE = range(1, 9)
PARAM_TYPE_NAMES = {PARAM_FLAG: "flag", PARAM_INT: "int", PARAM_DOUBLE: "float", PARAM_TEXT: "text",
                    PARAM_LIST: "list", PARAM_CHOICE: "choice", PARAM_DATE: "date", PARAM_SIZE: "size"}
PARAM_HIDDEN = 2
TYPE_TEXT, TYPE_INT64, TYPE_DOUBLE, TYPE_DATE = 1, 2, 3, 4


def _fn(name, restype, *argtypes, optional=False):
    f = getattr(lib, name, None)
    if f is None:
        if optional:
            return None
        raise ImportError("wirescan: %s lacks %s (an older libwirescan?)" % (path, name))
    f.restype = restype
    f.argtypes = argtypes
    return f


strerror = _fn("ws_strerror", c_char_p, c_int)
errname = _fn("ws_errname", c_char_p, c_int)
exit_status = _fn("ws_exit_status", c_int, c_int)
last_error = _fn("ws_last_error", c_char_p)
version = _fn("ws_version", c_char_p)

corpus_open = _fn("ws_corpus_open", c_int, P(c_void_p), P(c_char_p), c_size_t)
corpus_close = _fn("ws_corpus_close", None, c_void_p)
corpus_info_get = _fn("ws_corpus_info_get", c_int, c_void_p, P(CorpusInfo))

request_create = _fn("ws_request_create", c_int, P(c_void_p), c_void_p, c_char_p)
request_free = _fn("ws_request_free", None, c_void_p)
request_set = _fn("ws_request_set", c_int, c_void_p, c_char_p, c_char_p)
request_set_flag = _fn("ws_request_set_flag", c_int, c_void_p, c_char_p, c_int)
request_on_progress = _fn("ws_request_on_progress", c_int, c_void_p, PROGRESS_FN, c_void_p)
request_on_note = _fn("ws_request_on_note", c_int, c_void_p, NOTE_FN, c_void_p)
request_cancel = _fn("ws_request_cancel", c_int, c_void_p)
request_stream = _fn("ws_request_stream", c_int, c_void_p, BATCH_FN, c_void_p)

kernel_name = _fn("ws_kernel_name", c_char_p, c_size_t)
kernel_describe = _fn("ws_kernel_describe", c_int, c_char_p, P(c_char_p), P(c_char_p), P(P(ParamInfo)),
                      P(c_size_t))
kernel_param = _fn("ws_kernel_param", c_int, c_char_p, c_size_t, P(P(ParamInfo)))

result_ncols = _fn("ws_result_ncols", c_size_t, c_void_p)
result_name = _fn("ws_result_name", c_char_p, c_void_p, c_size_t)
result_type = _fn("ws_result_type", c_int, c_void_p, c_size_t)
result_nrows = _fn("ws_result_nrows", c_size_t, c_void_p)
result_column = _fn("ws_result_column", c_int, c_void_p, c_size_t, c_size_t, c_size_t, c_void_p, c_void_p)
result_text_bytes = _fn("ws_result_text_bytes", c_int, c_void_p, c_size_t, c_size_t, c_size_t, c_void_p,
                        c_size_t)

# The ingest API; optional so that reading works with a library that lacks it.
ingester_create = _fn("ws_ingester_create", c_int, P(c_void_p), c_char_p, optional=True)
ingester_free = _fn("ws_ingester_free", None, c_void_p, optional=True)
ingester_set = _fn("ws_ingester_set", c_int, c_void_p, c_char_p, c_char_p, optional=True)
ingester_add_file = _fn("ws_ingester_add_file", c_int, c_void_p, c_char_p, optional=True)
ingester_add_record = _fn("ws_ingester_add_record", c_int, c_void_p, P(Story), optional=True)
ingester_on_progress = _fn("ws_ingester_on_progress", c_int, c_void_p, PROGRESS_FN, c_void_p, optional=True)
ingester_on_note = _fn("ws_ingester_on_note", c_int, c_void_p, NOTE_FN, c_void_p, optional=True)
ingester_run = _fn("ws_ingester_run", c_int, c_void_p, P(IngestSummary), optional=True)


def text(b):
    return None if b is None else b.decode("utf-8", "replace")


def enc(s):
    return None if s is None else str(s).encode("utf-8")


class Error(Exception):
    """An error from libwirescan (or from the package's own checks of how it is
    called). ``code`` is the negative WS_E* code of include/wirescan.h's
    error table (see ``wirescan.errors``), ``name`` its symbol ("WS_ENOENT"),
    ``exit_status`` the command line's exit status for it, ``message`` the
    detail (naming the file, line, parameter...)."""

    def __init__(self, code, message=None):
        self.code = int(code)
        self.name = text(errname(self.code))
        self.exit_status = exit_status(self.code)
        self.message = message or text(strerror(self.code))
        super().__init__(self.message)

    def __str__(self):
        return "%s (%s)" % (self.message, self.name)

    def __reduce__(self):
        return (Error, (self.code, self.message))


def check(rc, detail=None):
    """Raise Error for a nonzero return code, with the library's detail for
    this thread (call it on the thread that made the failing call)."""
    if rc:
        if detail is None:
            detail = text(last_error())
        raise Error(rc, detail or None)
    return rc


def _error_table():
    table = {}
    code = -1
    while True:
        name = text(errname(code))
        if not name or name == "WS_E?" or name in table:
            break
        table[name] = code
        code -= 1
    return table


errors = _error_table()
