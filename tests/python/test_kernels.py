"""Every kernel's DataFrame equals the CSV the command line prints for the
same options, cell by cell: text exactly, integers in decimal, doubles as
the CLI's %.10g, dates as ISO 8601 instants, NULL as an empty cell. Each
case is written twice by hand, as CLI arguments and as Python keywords, so
the package's translation of names and values is checked too."""
import math

import numpy as np
import pandas as pd
import pytest

import wirescan
from conftest import ws, ws_csv

RISE = ["rakostibi", "vilylou"]  # seed 7's planted topic rise1 (checked below)
BURST = "wipislevund"


def cases(c):
    return [
        ("tf", ["--top", 20], dict(top=20)),
        ("tf", ["--top", 5, "--by", "month"], dict(top=5, by="month")),
        ("tf", ["--top", 15, "--tfidf", "--min-df", 3], dict(top=15, tfidf=True, min_df=3)),
        ("tf", ["--top", 30, "--stopwords", "en", "--min-length", 4, "--no-numbers", "--stem", "en"],
         dict(top=30, stopwords="en", min_length=4, no_numbers=True, stem="en")),
        ("tf", ["--top", 10, "--by", "section", "--from", "2016", "--to", "2017-06"],
         dict(top=10, by="section", from_="2016", to="2017-06")),
        ("tf", ["--top", 10, "--where", "section=health", "--where", "section=world", "--field", "title"],
         dict(top=10, where={"section": ["health", "world"]}, field="title")),
        ("tf", ["--top", 10, "--case", "--containing", RISE[0], "--from", "2016-07-01"],
         dict(top=10, case=True, containing=[RISE[0]], from_=pd.Timestamp("2016-07-01"))),
        ("tf", ["--top", 0, "--where", "section=nosuch"], dict(top=0, where={"section": "nosuch"})),
        ("keyness", ["--target-from", "2019", "--top", 20], dict(target_from="2019", top=20)),
        ("keyness", ["--target-where", "section=health", "--ref-where", "section=sports", "--both", "--top", 10,
                     "--min-count", 3],
         dict(target_where={"section": "health"}, ref_where={"section": "sports"}, both=True, top=10, min_count=3)),
        ("cooc", ["--doc", "--term", RISE[0], "--measure", "npmi", "--top", 20],
         dict(doc=True, term=RISE[0], measure="npmi", top=20)),
        ("cooc", ["--window", 3, "--top", 25, "--measures", "all", "--measure", "llr"],
         dict(window=3, top=25, measures="all", measure="llr")),
        ("cooc", ["--sentence", "--term", RISE[0], "--term", RISE[1], "--per-term", "--top", 5, "--min-count", 2],
         dict(sentence=True, term=RISE, per_term=True, top=5, min_count=2)),
        ("ngrams", ["--top", 20], dict(top=20)),
        ("ngrams", ["--n", 3, "--top", 10, "--min-count", 2], dict(n=3, top=10, min_count=2)),
        ("ngrams", ["--phrases", "--top", 15], dict(phrases=True, top=15)),
        ("trends", ["--terms", ",".join(RISE), "--bucket", "quarter"], dict(terms=RISE, bucket="quarter")),
        ("trends", ["--topics", c.topics, "--bucket", "year", "--by", "section"],
         dict(topics=c.topics, bucket="year", by="section")),
        ("trends", ["--topics", c.topics, "--wide-share", "--smooth", 3], dict(topics=str(c.topics), wide_share=True,
                                                                               smooth=3)),
        ("trends", ["--terms", RISE[0], "--source", "nosuch", "--bucket", "month"],
         dict(terms=RISE[0], source="nosuch", bucket="month")),
        ("trends", ["--emerging", "--bucket", "month", "--top", 5], dict(emerging=True, bucket="month", top=5)),
        ("trends", ["--bursts", "--terms", BURST, "--bucket", "week"], dict(bursts=True, terms=BURST, bucket="week")),
        # kernels built on other branches: compared once they are in the library
        ("kwic", ["--term", RISE[0], "--window", 4], dict(term=RISE[0], window=4)),
        ("topics", ["--k", 3, "--iterations", 20, "--seed", 1, "--threads", 1], dict(k=3, iterations=20, seed=1,
                                                                                       threads=1)),
    ]


def assert_frame_is_csv(df, header, rows, what):
    assert list(df.columns) == header, what
    assert len(df) == len(rows), what
    for j, name in enumerate(header):
        col = df[name]
        dt = col.dtype
        want = [r[j] for r in rows]
        if dt == object:
            got = ["" if v is None else v for v in col]
            assert all(v is None or isinstance(v, str) for v in col), (what, name)
            assert got == want, (what, name)
        elif str(dt) in ("int64", "Int64"):
            got = ["" if v is pd.NA else str(int(v)) for v in col]
            assert got == want, (what, name)
        elif dt == np.float64:
            got = ["" if math.isnan(v) else format(v, ".10g") for v in col]
            assert got == want, (what, name)
        elif str(dt) == "datetime64[ns, UTC]":
            got = [pd.NaT if v == "" else pd.Timestamp(v).tz_convert("UTC") for v in want]
            assert [v for v in col] == got or all((a is pd.NaT and b is pd.NaT) or a == b for a, b in zip(col, got)), \
                (what, name)
        else:
            pytest.fail("%s: column %s has dtype %s" % (what, name, dt))


def test_planted_terms_are_the_generators(corpus):
    assert corpus.terms["rise1"][:2] == RISE
    assert BURST in corpus.terms["burst1"]


@pytest.mark.parametrize("i", range(24))
def test_kernel_frame_equals_cli_csv(corpus, i):
    kernel, args, kw = cases(corpus)[i]
    if kernel not in wirescan.kernels():
        pytest.skip("no %s kernel in this libwirescan" % kernel)
    header, rows = ws_csv(kernel, corpus.a, *args)
    with wirescan.open(corpus.a, progress=False) as s:
        df = getattr(s, kernel)(**kw)
        assert_frame_is_csv(df, header, rows, "%s %s" % (kernel, args))
        assert_frame_is_csv(s.run(kernel, **kw), header, rows, "run(%r, ...)" % kernel)


def test_dtypes(corpus):
    with wirescan.open(corpus.a, progress=False) as s:
        df = s.tf(top=5, tfidf=True)
        assert [str(t) for t in df.dtypes] == ["object", "int64", "int64", "float64"]
        tr = s.trends(terms=RISE[0], source="nosuch", bucket="month")  # empty buckets: NULL share
        assert str(tr["share"].dtype) == "float64"


def test_null_share_is_nan(corpus):
    # Stories of one source only, by week: weeks without such stories have
    # total 0 and share NULL on the CLI, NaN in the frame.
    with wirescan.open(corpus.a, progress=False) as s:
        src = s.tf(top=1, by="source")["source"].iloc[-1]
        args = ["--terms", RISE[0], "--source", src, "--bucket", "day", "--from", "2016-07", "--to", "2016-09"]
        header, rows = ws_csv("trends", corpus.a, *args)
        df = s.trends(terms=RISE[0], source=src, bucket="day", from_="2016-07", to="2016-09")
        assert_frame_is_csv(df, header, rows, "trends by day")
        assert df["share"].isna().any() and "" in [r[header.index("share")] for r in rows]


def test_two_stores_read_as_one(corpus):
    header, rows = ws_csv("tf", corpus.a, corpus.b, "--top", 25, "--by", "year")
    with wirescan.open(corpus.a, corpus.b, progress=False) as s:
        assert_frame_is_csv(s.tf(top=25, by="year"), header, rows, "tf over two stores")
        assert s.info()["stores"] == 2


def test_other_kernels_at_their_defaults(corpus):
    """A kernel this file does not know (one added later) is compared with
    the CLI at its defaults: the same table, or the same error."""
    known = {k for k, _, _ in cases(corpus)} | {"dtm"}
    with wirescan.open(corpus.a, progress=False) as s:
        for k in wirescan.kernels():
            if k in known:
                continue
            p = ws(k, corpus.a, "--no-progress", check=False)
            if p.returncode:
                with pytest.raises(wirescan.Error) as e:
                    s.run(k)
                assert e.value.exit_status == p.returncode, k
            else:
                header, rows = ws_csv(k, corpus.a)
                assert_frame_is_csv(s.run(k), header, rows, k)


def test_dtm_matches_the_cli_files(corpus, tmp_path):
    if "dtm" not in wirescan.kernels():
        pytest.skip("no dtm kernel in this libwirescan")
    import scipy.io

    ws("dtm", corpus.a, "--min-df", 5, "--stopwords", "en", "-o", tmp_path / "m")
    want = scipy.io.mmread(str(tmp_path / "m.mtx")).tocsr()
    rows = pd.read_csv(tmp_path / "m.rows.csv", keep_default_na=False, dtype=str)
    cols = pd.read_csv(tmp_path / "m.cols.csv", keep_default_na=False, dtype={"term": str})
    with wirescan.open(corpus.a, progress=False) as s:
        X, r, c = s.dtm(min_df=5, stopwords="en")
    assert X.shape == want.shape
    assert (X != want).nnz == 0
    assert list(r["id"]) == list(rows["id"])
    assert list(c["term"]) == list(cols["term"])
    assert list(c["df"]) == list(cols["df"])


def test_non_ascii_text_cells(tmp_path):
    """Text cells with multi-byte UTF-8 (the package maps byte offsets to
    character offsets for a batch that is not ASCII) equal the CLI's."""
    stories = [{"id": "é%d" % i, "source": "Zürich Post" if i % 2 else "plain",
                "body": "naïve café — Zürich über ünïcödé 東京 x%d ß straße" % i} for i in range(50)]
    wirescan.ingest(tmp_path / "s", stories, progress=False)
    with wirescan.open(tmp_path / "s", progress=False) as s:
        for args, kw in ((["--top", 0], dict(top=0)), (["--top", 0, "--by", "source", "--case"],
                                                       dict(top=0, by="source", case=True))):
            header, rows = ws_csv("tf", tmp_path / "s", *args)
            assert_frame_is_csv(s.tf(**kw), header, rows, "tf %s" % args)
        assert "東京" in set(s.tf(top=0)["term"])  # one word (ICU segmentation, format 1.4)
