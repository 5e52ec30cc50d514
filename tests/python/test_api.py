"""The package's surface: info() against `wirescan info`, errors with the
error table's codes, kernel methods and their docstrings from the
descriptors, parameter marshalling (dicts, lists, dates, flags), notes,
progress, Ctrl-C cancelling a scan, and closing."""
import inspect
import os
import signal
import threading
import warnings

import pandas as pd
import pytest

import wirescan
from conftest import ws, ws_csv

E = wirescan.errors


def test_info_matches_the_cli(corpus):
    out = ws("info", corpus.a).stdout
    kv = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    with wirescan.open(corpus.a) as s:
        i = s.info()
    for k in ("stories", "undated", "tokens", "terms", "segments", "blocks", "bytes"):
        assert i[k] == int(kv[k]), k
    assert i["first_date"] == pd.Timestamp(kv["from"]) and i["last_date"] == pd.Timestamp(kv["to"])
    assert str(i["first_date"].tz) == "UTC" and i["stores"] == 1


def test_error_table():
    assert E["WS_EINVAL"] == -1 and E["WS_ENOENT"] == -7 and E["WS_ECANCELED"] == -12
    e = wirescan.Error(E["WS_ECORRUPT"], "x")
    assert (e.code, e.name, e.exit_status, e.message) == (-4, "WS_ECORRUPT", 5, "x")


def test_errors_raise_with_the_right_code(corpus, tmp_path):
    with pytest.raises(wirescan.Error) as e:
        wirescan.open(tmp_path / "nosuch")
    assert e.value.code == E["WS_ENOENT"] and e.value.exit_status == 8 and "nosuch" in e.value.message
    with pytest.raises(wirescan.Error) as e:
        wirescan.open()
    assert e.value.code == E["WS_EINVAL"]
    s = wirescan.open(corpus.a, progress=False)
    cases = [
        (lambda: s.run("nosuch"), "WS_ENOENT", "unknown kernel"),  # unknown kernel
        (lambda: s.tf(nosuch=3), "WS_EINVAL", "nosuch"),  # unknown parameter
        (lambda: s.tf(top="many"), "WS_EINVAL", "top"),  # wrong type, from the library's parser
        (lambda: s.tf(top=1.5), "WS_EINVAL", "top"),
        (lambda: s.tf(top=[1, 2]), "WS_EINVAL", "top"),  # one value, not a list
        (lambda: s.tf(measure="npmi"), "WS_EINVAL", "measure"),  # another kernel's parameter
        (lambda: s.cooc(measure="nosuch"), "WS_EINVAL", "measure"),  # not a choice
        (lambda: s.tf(from_="2019-13"), "WS_EINVAL", "from"),
        (lambda: s.tf(from_="2020", to="2019"), "WS_EINVAL", "after"),  # checked at run time
        (lambda: s.tf(by="nosuchtag"), None, "nosuchtag"),
        (lambda: s.tf(where={"section": object()}), "WS_EINVAL", "object"),
        (lambda: s.tf(stopwords=str(corpus.dir / "nofile.txt")), "WS_ENOENT", "nofile"),
        (lambda: s.keyness(), "WS_EINVAL", "target"),
        (lambda: s.run(3), "WS_EINVAL", "str"),
    ]
    for f, code, words in cases:
        with pytest.raises(wirescan.Error) as e:
            f()
        if code:
            assert e.value.name == code, (words, e.value)
        assert words in str(e.value), (words, str(e.value))
    # the same exit status as the command line for the same mistake
    p = ws("tf", corpus.a, "--top", "many", check=False)
    with pytest.raises(wirescan.Error) as e:
        s.tf(top="many")
    assert e.value.exit_status == p.returncode == 2
    s.close()
    s.close()  # harmless
    assert s.closed and "closed" in repr(s)
    for f in (lambda: s.tf(top=3), lambda: s.info(), lambda: s.run("tf")):
        with pytest.raises(wirescan.Error) as e:
            f()
        assert e.value.code == E["WS_EINVAL"] and "closed" in e.value.message


def test_context_manager_closes(corpus):
    with wirescan.open(corpus.a) as s:
        assert not s.closed
    assert s.closed


def test_kernel_methods_come_from_the_descriptors():
    ks = wirescan.kernels()
    assert {"tf", "keyness", "cooc", "ngrams", "trends"} <= set(ks)
    for k in ks:
        d = wirescan.describe(k)
        if k == "dtm" or not hasattr(wirescan.Store, k):
            continue
        m = getattr(wirescan.Store, k)
        assert m.__doc__.startswith(d["summary"])
        assert d["help"].splitlines()[0] in m.__doc__
        sig = inspect.signature(m)
        for p in d["params"]:
            if not p["hidden"]:
                assert p["keyword"] in sig.parameters, (k, p["name"])
                assert p["keyword"] in m.__doc__
    tf = {p["name"]: p for p in wirescan.describe("tf")["params"]}
    assert tf["top"]["type"] == "int" and tf["top"]["default"] == "100"
    assert tf["from"]["keyword"] == "from_" and tf["from"]["section"] == "filters"
    assert tf["min-df"]["keyword"] == "min_df" and tf["where"]["type"] == "list"
    assert "from_" in inspect.signature(wirescan.Store.tf).parameters
    with pytest.raises(wirescan.Error) as e:
        wirescan.describe("nosuch")
    assert e.value.code == E["WS_ENOENT"]


def test_where_forms_and_dates_agree(corpus):
    header, rows = ws_csv("tf", corpus.a, "--top", 7, "--where", "section=health", "--where", "section=world",
                          "--from", "2016-01-01", "--to", "2018-12-31")
    want = [r[0] for r in rows]
    with wirescan.open(corpus.a, progress=False) as s:
        import datetime

        for kw in (dict(where={"section": ["health", "world"]}, from_="2016-01-01", to="2018-12-31"),
                   dict(where=["section=health", "section=world"], from_=datetime.date(2016, 1, 1), to="2018"),
                   dict(where={"section": ("health", "world")}, from_=pd.Timestamp("2016-01-01"), to=2018)):
            assert list(s.tf(top=7, **kw)["term"]) == want, kw
        # flags: True sets, False leaves the default; None is "not given"
        assert s.tf(top=3, tfidf=True).columns[-1] == "tfidf"
        assert list(s.tf(top=3, tfidf=False).columns) == ["term", "tf", "df"]
        assert list(s.tf(top=3, tfidf=None).columns) == ["term", "tf", "df"]


def test_notes_are_warnings_and_attrs(corpus):
    with wirescan.open(corpus.a, progress=False) as s:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            df = s.tf(where={"section": "nosuch"})
        assert len(df) == 0 and list(df.columns) == ["term", "tf", "df"]
        assert [str(x.message) for x in w if x.category is wirescan.Note] == ["no story matches the filters"]
        assert w[0].filename == __file__  # pointed at the caller
        assert "note: no story matches the filters" in df.attrs["notes"]
        assert df.attrs["kernel"] == "tf"


def test_progress_callback_and_ctrl_c_cancels(corpus):
    """The first progress report (the run is at least half a second in)
    sends SIGINT to the process, as Ctrl-C would: the run is cancelled
    (the library returns WS_ECANCELED), KeyboardInterrupt is raised, and
    the store keeps working."""
    seen = []

    def progress(p):
        seen.append(p)
        if len(seen) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    with wirescan.open(corpus.small, progress=progress) as s:
        assert s.info()["blocks"] > 100
        with pytest.raises(KeyboardInterrupt) as e:
            s.cooc(window=30, top=10, threads=1)  # seconds of work: cancelled after 0.5
        assert isinstance(e.value.__cause__, wirescan.Error)
        assert e.value.__cause__.code == E["WS_ECANCELED"]
        assert seen[0]["phase"] == "scan" and seen[0]["total"] == s.info()["blocks"]
        assert seen[0]["done"] < seen[0]["total"]
        s.progress = False
        header, rows = ws_csv("tf", corpus.small, "--top", 5)
        assert list(s.tf(top=5)["term"]) == [r[0] for r in rows]


def test_a_store_from_several_threads(corpus):
    header, rows = ws_csv("tf", corpus.a, "--top", 10, "--by", "year")
    want = [r[1] for r in rows]
    errs = []
    with wirescan.open(corpus.a, progress=False) as s:
        def work():
            try:
                for _ in range(3):
                    assert list(s.tf(top=10, by="year")["term"]) == want
            except Exception as e:  # pragma: no cover
                errs.append(e)

        ts = [threading.Thread(target=work) for _ in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    assert not errs, errs
