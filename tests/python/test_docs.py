"""docs/python.md's notebook session runs as written: its ```python cells
are executed in order in one namespace (as a notebook would), and what they
leave behind is checked: the ingest summary, info(), the tf-by-month frame
against the CLI, the plotted series."""
import os
import re

import pytest

from conftest import SRC, WS_BIN, ws_csv


def cells():
    with open(os.path.join(SRC, "docs", "python.md"), encoding="utf-8") as f:
        text = f.read()
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_python_md_runs(monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("WS_BIN", WS_BIN)
    cs = cells()
    assert len(cs) >= 5
    ns = {"__name__": "__doc__"}
    for i, code in enumerate(cs):
        exec(compile(code, "docs/python.md cell %d" % (i + 1), "exec"), ns)
        if "store" in ns and "tf" in ns and "checked_tf" not in ns:
            # the cell's frame is the CLI's answer to the same question
            header, rows = ws_csv("tf", os.path.join(ns["work"], "news.store"), "--top", 5, "--by", "month",
                                  "--stopwords", "en", "--min-length", 3)
            assert list(ns["tf"].columns) == header
            assert ns["tf"].astype(str).values.tolist() == rows
            ns["checked_tf"] = True
    assert ns["summary"]["stories"] == 3000 and ns["summary"]["bad"] == 0
    assert ns["checked_tf"]
    assert ns["store"].closed
    ax = ns["ax"]
    assert len(ax.get_lines()) == 2  # one line per term
    share = ns["share"]
    assert share.notna().values.sum() > 0 and (share.fillna(0).values <= 1).all()
