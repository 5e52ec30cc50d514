"""wirescan.ingest: the same store as `wirescan ingest` from the same files
and options (compared through `wirescan export`, which writes the stories
back exactly as stored, and `wirescan info`); stories given as dicts equal
the same stories given as a JSONL file; bad records are counted and noted;
errors carry the error table's codes."""
import json

import pytest

import wirescan
from conftest import ws

E = wirescan.errors


def export(store):
    return ws("export", store, "--format", "jsonl").stdout


def info(store):
    out = ws("info", store).stdout
    kv = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    kv.pop("store")
    return kv


def test_same_store_as_the_cli(corpus, tmp_path):
    ws("ingest", "-q", "--no-progress", "-o", tmp_path / "cli", "--tag", "section", corpus.jsonl)
    assert export(corpus.a) == export(tmp_path / "cli")
    assert info(corpus.a) == info(tmp_path / "cli")


def test_summary_append_and_options(corpus, tmp_path):
    out = tmp_path / "s"
    s1 = wirescan.ingest(out, corpus.jsonl, tag=["section"], threads=2, level=5, progress=False)
    assert s1["stories"] == 3000 and s1["bad"] == 0 and s1["existing"] == 0
    with wirescan.open(out) as s:
        i = s.info()
        assert (i["stories"], i["tokens"], i["segments"]) == (3000, s1["tokens"], 1)
    # appending the same file again: a second segment, the ids counted as existing
    s2 = wirescan.ingest(out, corpus.jsonl, progress=False)
    assert s2["existing"] == 3000 and s2["existing_ids"][0] == "gen-0000001"
    s3 = wirescan.ingest(out, corpus.jsonl, skip_existing=True, progress=False)
    assert s3["stories"] == 0 or s3["existing"] == 3000
    with wirescan.open(out) as s:
        assert s.info()["segments"] == 2 and s.info()["stories"] == 6000


def test_records_equal_the_same_jsonl(tmp_path):
    stories = [
        {"id": "a1", "date": "2019-05-10T09:30:00+03:00", "source": "Wire", "title": "Oil rises",
         "body": "Crude oil rose on Friday.", "tags": {"topics": ["crude", "energy"], "places": "opec"}},
        {"id": "a2", "date": None, "source": "Wire", "title": "Undated", "body": "No date here.",
         "tags": ["topics=misc"]},
        {"id": 3, "date": "2019-06-01", "title": "Numbers", "text": "ünïcödé text 42"},
    ]
    jl = tmp_path / "in.jsonl"
    with open(jl, "w", encoding="utf-8") as f:
        for st in stories:
            o = {k: v for k, v in st.items() if k != "tags" and v is not None}
            tags = st.get("tags") or {}
            if isinstance(tags, list):
                tags = {t.split("=")[0]: [t.split("=")[1]] for t in tags}
            for k, v in tags.items():
                o[k] = v if isinstance(v, list) else [v]
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    ws("ingest", "-q", "--no-progress", "-o", tmp_path / "cli", "--tag", "topics", "--tag", "places", jl)
    summ = wirescan.ingest(tmp_path / "py", stories, progress=False)
    assert summ["stories"] == 3 and summ["undated"] == 1
    assert export(tmp_path / "py") == export(tmp_path / "cli")
    with wirescan.open(tmp_path / "py") as s:
        assert list(s.tf(top=3, where={"topics": "crude"})["term"]) == ["oil", "crude", "friday"]  # oil twice (title, body)
    # one dict is one story
    assert wirescan.ingest(tmp_path / "one", stories[0], progress=False)["stories"] == 1


def test_bad_records_are_counted_and_noted(tmp_path):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"id":"1","body":"good one"}\n{"id":2,"body":\n{"id":"3","body":"good two"}\n', encoding="utf-8")
    summ = wirescan.ingest(tmp_path / "s", f, progress=False)
    assert summ["stories"] == 2 and summ["bad"] == 1
    assert any("bad.jsonl:2" in n for n in summ["notes"]), summ["notes"]
    with pytest.raises(wirescan.Error) as e:
        wirescan.ingest(tmp_path / "strict", f, strict=True, progress=False)
    assert e.value.code == E["WS_EFORMAT"] and "bad.jsonl:2" in e.value.message
    assert not (tmp_path / "strict").exists()


def test_ingest_errors(tmp_path):
    for kw, code, words in [(dict(level=99), "WS_EINVAL", "level"), (dict(nosuch=1), "WS_EINVAL", "nosuch"),
                            (dict(format="xml"), "WS_EINVAL", "format")]:
        with pytest.raises(wirescan.Error) as e:
            wirescan.ingest(tmp_path / "s", tmp_path / "x.jsonl", progress=False, **kw)
        assert e.value.name == code and words in str(e.value), (kw, e.value)
    with pytest.raises(wirescan.Error) as e:
        wirescan.ingest(tmp_path / "s", tmp_path / "missing.jsonl", progress=False)
    assert e.value.code == E["WS_ENOENT"] and "missing.jsonl" in e.value.message
    with pytest.raises(wirescan.Error) as e:
        wirescan.ingest(tmp_path / "s", [{"id": "1", "body": "x", "tags": ["no-equals"]}], progress=False)
    assert e.value.code == E["WS_EINVAL"]
