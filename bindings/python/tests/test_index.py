"""The index: adding records in every container, files, deleting, compacting, reading."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

import tessera
from conftest import KERRY_AFP, KERRY_QUERY


def wire(n: int) -> list[dict[str, object]]:
    return [{"id": f"w{k}", "text": f"Story number {k}. " + KERRY_AFP, "outlet": "AFP",
             "desk": k} for k in range(n)]


def test_open_creates_then_reopens(tmp_path: Path) -> None:
    path = tmp_path / "new.idx"
    idx = tessera.Index(path)
    assert len(idx) == 0 and path.is_dir() and idx.path == path
    idx.add(wire(3), progress=False)
    assert len(tessera.Index(path)) == 3
    with pytest.raises(tessera.NotAnIndexError):
        tessera.Index(tmp_path / "missing", create=False)


def test_add_dicts_reports_what_was_skipped(tmp_path: Path) -> None:
    idx = tessera.Index(tmp_path / "i")
    res = idx.add([
        {"id": "ok", "text": KERRY_AFP, "date": "2016-07-15"},
        {"id": "", "text": "x"},
        {"text": "no id"},
        {"id": "empty", "text": ""},
        {"id": "nul", "text": "a\x00b"},
        {"id": 7, "text": KERRY_AFP},
        "not a dict",
    ], progress=False)
    assert (res.records, res.added, res.replaced, res.skipped_count) == (7, 2, 0, 5)
    wheres = [s.where for s in res.skipped]
    assert wheres[0] == "records:2"
    assert "records:4" in wheres[2] and "'empty'" in wheres[2]
    assert all(isinstance(s.reason, str) and s.reason for s in res.skipped)
    where, reason = res.skipped[1]
    assert where == "records:3" and "missing id" in reason
    assert idx.get("7") is not None


def test_add_replaces_or_rejects_duplicates(tmp_path: Path) -> None:
    idx = tessera.Index(tmp_path / "i")
    idx.add(wire(2), progress=False)
    res = idx.add([{"id": "w0", "text": "A replacement text for story zero, long enough."}],
                  progress=False)
    assert (res.added, res.replaced) == (0, 1)
    assert idx.get("w0")["text"].startswith("A replacement")  # type: ignore[index]
    res = idx.add([{"id": "w1", "text": "Refused."}], on_duplicate="reject", progress=False)
    assert res.rejected_duplicates == 1 and res.skipped_count == 1
    assert len(idx) == 2


def test_strict_raises_bad_input_and_commits_nothing(tmp_path: Path) -> None:
    idx = tessera.Index(tmp_path / "i")
    with pytest.raises(tessera.BadInputError) as e:
        idx.add([{"id": "a", "text": KERRY_AFP}, {"id": "b", "text": ""}], strict=True,
                progress=False)
    assert (e.value.file, e.value.line, e.value.document_id) == ("records", 2, "b")
    assert isinstance(e.value, ValueError) and isinstance(e.value, tessera.TesseraError)
    assert len(idx) == 0


def test_an_exception_while_reading_commits_nothing(tmp_path: Path) -> None:
    idx = tessera.Index(tmp_path / "i")

    def records() -> Iterator[dict[str, str]]:
        yield {"id": "a", "text": KERRY_AFP}
        raise RuntimeError("feed broke")

    with pytest.raises(RuntimeError, match="feed broke"):
        idx.add(records(), progress=False)
    assert len(idx) == 0


def test_add_arrow_table_batches_and_reader(tmp_path: Path) -> None:
    table = pa.Table.from_pylist(wire(10))
    idx = tessera.Index(tmp_path / "t")
    assert idx.add(table, progress=False).added == 10
    assert idx.get("w3")["desk"] == 3  # type: ignore[index]
    idx2 = tessera.Index(tmp_path / "r")
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=3))
    assert idx2.add(reader, progress=False).added == 10
    idx3 = tessera.Index(tmp_path / "b")
    assert idx3.add(table.to_batches()[0], progress=False).added == 10


def test_add_renamed_fields_and_dates(tmp_path: Path) -> None:
    import datetime as dt
    table = pa.table({"key": ["a"], "body": [KERRY_AFP],
                      "published": [dt.datetime(2016, 7, 15, 14, 0)]})
    idx = tessera.Index(tmp_path / "i")
    res = idx.add(table, fields={"id": "key", "text": "body", "date": "published"},
                  progress=False)
    assert res.added == 1 and res.unreadable_dates == 0
    assert idx.get("a")["date"] == "2016-07-15T14:00:00"  # type: ignore[index]


def test_add_pandas_and_polars(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    df = pd.DataFrame(wire(5))
    idx = tessera.Index(tmp_path / "i")
    assert idx.add(df, progress=False).added == 5
    idx2 = tessera.Index(tmp_path / "j")
    assert idx2.add(pl.DataFrame(wire(5)), progress=False).added == 5
    mixed = pd.DataFrame({"id": ["a", 2], "text": [KERRY_AFP, KERRY_AFP]})
    assert tessera.Index(tmp_path / "k").add(mixed, progress=False).added == 2


def test_add_files_reads_what_the_cli_reads(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text("Headline\n\n" + KERRY_AFP, encoding="utf-8")
    (pages / "b.html").write_text(
        "<html><head><title>Kerry in Moscow</title></head><body><nav>Home | World</nav>"
        f"<article><p>{KERRY_AFP}</p></article></body></html>", encoding="utf-8")
    feed = tmp_path / "feed.jsonl.gz"
    with gzip.open(feed, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "g1", "text": KERRY_AFP}) + "\n")
        f.write("{not json\n")
    idx = tessera.Index(tmp_path / "i")
    res = idx.add_files([feed, pages], progress=False)
    assert res.added == 3 and res.skipped_count == 1
    assert res.skipped[0].where == f"{feed}:2"
    assert sorted(d for d in ("g1", "a.txt", "b.html") if d in idx) == ["a.txt", "b.html", "g1"]


def test_delete_compact_stats(tmp_path: Path) -> None:
    idx = tessera.Index(tmp_path / "i")
    idx.add(wire(4), progress=False)
    assert idx.delete(["w1", "w2"]) == 2
    with pytest.raises(tessera.DocumentNotFoundError) as e:
        idx.delete(["w0", "nope"])
    assert e.value.ids == ["nope"] and isinstance(e.value, KeyError)
    assert len(idx) == 2
    assert idx.delete(["w0", "nope"], ignore_missing=True) == 1
    assert idx.stats()["deleted"] == 3
    idx.compact()
    s = idx.stats()
    assert (s["documents"], s["deleted"]) == (1, 0)
    assert idx.get("w1") is None and "w3" in idx


def test_trace_by_text_and_by_id(small_index: tessera.Index) -> None:
    r = small_index.trace(KERRY_QUERY, title="Kerry", date="2016-07-16", query_id="q1")
    assert r.query_id == "q1" and r.query_title == "Kerry"
    p = r.passages[0]
    assert p.source_id == "afp-1" and p.source_outlet == "AFP"
    assert [(e.op, e.source, e.query) for e in p.edits] == [("sub", "Russia", "Russian Federation")]
    assert 0 < r.coverage < 1 and r.to_dict()["passages"][0]["source_id"] == "afp-1"
    small_index.add([{"id": "copy", "text": KERRY_QUERY}], progress=False)
    by_id = small_index.trace(id="copy")
    assert by_id.query_id == "copy" and by_id.passages[0].source_id == "afp-1"
    with pytest.raises(tessera.DocumentNotFoundError):
        small_index.trace(id="nope")
    with pytest.raises(TypeError):
        small_index.trace()


def test_a_document_dated_after_the_query_is_a_later_copy(small_index: tessera.Index) -> None:
    # The wire story is dated 2016-07-15: a day before the query it is its
    # source, a day after the query it is a later copy.
    r = small_index.trace(KERRY_QUERY, date="2016-07-16", query_id="q1")
    assert r.query_date == "2016-07-16" and r.later_copies == []
    e = r.passages[0].earliest
    assert e is not None and (e.source_id, e.passage_share) == ("afp-1", 1.0)
    r = small_index.trace(KERRY_QUERY, date="2016-07-14T12:00:00Z")
    assert r.passages == [] and r.coverage == 0
    assert [c.source_id for c in r.later_copies] == ["afp-1"]
    assert r.to_dict()["later_copies"][0]["date"] == "2016-07-15"
    with pytest.raises(ValueError, match="ISO 8601"):
        small_index.trace(KERRY_QUERY, date="14/07/2016")
    with pytest.raises(TypeError):
        small_index.trace(id="afp-1", date="2016-07-16")


def test_repr_html_shows_sources_side_by_side(small_index: tessera.Index) -> None:
    r = small_index.trace(KERRY_QUERY)
    page = r._repr_html_()
    assert "afp-1" in page and "<mark>Russian Federation</mark>" in page
    assert "<mark>Russia</mark>" in page and "AFP" in page
    assert repr(r).startswith("<TraceReport 'query': ")


def test_trace_many_skips_bad_queries_with_a_warning(small_index: tessera.Index) -> None:
    with pytest.warns(tessera.TesseraWarning, match="1 queries skipped"):
        t = small_index.trace_many([{"id": "q", "text": KERRY_QUERY}, {"id": "bad"}],
                                   progress=False)
    assert t.num_rows == 1 and t.schema == tessera.DETECTION_SCHEMA
    empty = small_index.trace_many([{"id": "q", "text": "Nothing in common here at all."}],
                                   progress=False)
    assert empty.num_rows == 0 and empty.schema == tessera.DETECTION_SCHEMA
    with pytest.raises(tessera.BadInputError):
        small_index.trace_many([{"id": "bad"}], strict=True, progress=False)


def test_progress_callback_and_silence(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    seen: list[tuple[str, int, int, bool]] = []
    idx = tessera.Index(tmp_path / "i")
    idx.add(wire(50), progress=lambda *a: seen.append(a))
    assert seen[0][0] == "indexing" and seen[-1] == ("indexing", 50, 50, True)
    idx.add(wire(5), progress=False)
    idx.trace_many(wire(3), progress=False)
    assert capfd.readouterr().err == ""
    idx.trace_many(wire(3), progress=True)
    assert "tracing" in capfd.readouterr().err
