"""wirescan for Python: news-archive analytics from notebooks.

    import wirescan
    with wirescan.open("news.store") as s:
        s.info()                          # a dict
        df = s.tf(top=20, by="month")     # a pandas.DataFrame, the CLI's columns
        s.run("cooc", term="oil", doc=True, measure="npmi")
    wirescan.ingest("news.store", "news.jsonl", tag="section")

A thin client of libwirescan (its public C API, through ctypes): the library
parses and checks the parameters and runs the kernels; this package only
marshals. See docs/python.md.
"""
from . import _lib
from ._lib import Error, errors
from ._ingest import ingest
from ._store import Note, Store, describe, kernels, open

__all__ = ["open", "ingest", "Store", "Error", "Note", "errors", "kernels", "describe", "library_version",
           "library_path"]

library_path = _lib.path
library_version = _lib.text(_lib.version())
__version__ = library_version
