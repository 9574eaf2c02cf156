"""``tessera.Index``: an index directory to add to, delete from and trace against."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Optional, Union

import pyarrow as pa
import pyarrow.json as pajson
import warnings

from . import _native
from ._errors import TesseraWarning
from ._progress import ProgressArg, callback
from ._records import Records, chunks
from ._report import TraceReport

__all__ = ["AddResult", "Index", "SkippedRecord", "DETECTION_SCHEMA"]

PathLike = Union[str, "os.PathLike[str]"]

_EDIT = pa.struct([
    ("op", pa.string()), ("query", pa.string()), ("source", pa.string()),
    ("query_offset", pa.int64()), ("source_offset", pa.int64()),
    ("query_length", pa.int64()), ("source_length", pa.int64()),
])
_EARLIEST = pa.struct([
    ("source_id", pa.string()), ("title", pa.string()), ("outlet", pa.string()),
    ("date", pa.string()), ("source_offset", pa.int64()), ("source_length", pa.int64()),
    ("query_offset", pa.int64()), ("query_length", pa.int64()), ("passage_share", pa.float64()),
])
_ALTERNATIVE = pa.struct([
    ("source_id", pa.string()), ("source_title", pa.string()), ("source_outlet", pa.string()),
    ("source_date", pa.string()), ("query_offset", pa.int64()), ("query_length", pa.int64()),
    ("source_offset", pa.int64()), ("source_length", pa.int64()), ("score", pa.float64()),
])

#: The columns of ``Index.trace_many``: the fields of ``tessera trace --format
#: jsonl``, in order (the first six are those of a gold standard's truth.jsonl).
DETECTION_SCHEMA = pa.schema([
    ("query_id", pa.string()), ("query_offset", pa.int64()), ("query_length", pa.int64()),
    ("source_id", pa.string()), ("source_offset", pa.int64()), ("source_length", pa.int64()),
    ("score", pa.float64()), ("matched_words", pa.int64()), ("evidence", pa.float64()),
    ("source_title", pa.string()), ("source_outlet", pa.string()), ("source_date", pa.string()),
    ("reordered", pa.bool_()), ("edits", pa.list_(_EDIT)), ("earliest", _EARLIEST),
    ("alternatives", pa.list_(_ALTERNATIVE)),
])


class SkippedRecord(NamedTuple):
    """A record that was not added: where it is (``file:line``, or ``records:k`` for
    the k-th record given from Python, with its id when known) and why."""

    where: str
    reason: str


def _where(s: dict[str, Any]) -> str:
    loc = s["location"]
    where = f"{loc['file']}:{loc['line']}" if loc.get("line") is not None else loc["file"]
    if s.get("id") is not None:
        where += f" (document {s['id']!r})"
    return where


@dataclass
class AddResult:
    """What ``Index.add`` or ``Index.add_files`` did.

    ``skipped`` lists ``(where, reason)`` for each record not added (the first
    1,000; ``skipped_count`` counts them all, ``skipped_by_reason`` by kind).
    """

    records: int
    added: int
    replaced: int
    skipped: list[SkippedRecord]
    skipped_count: int
    rejected_duplicates: int
    unreadable_dates: int
    text_bytes: int
    skipped_by_reason: dict[str, int]
    report: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, text: str) -> AddResult:
        """Builds it from the library's ingest report (JSON)."""
        r = json.loads(text)
        return cls(
            r["records"], r["added"], r["replaced"],
            [SkippedRecord(_where(s), s["reason"]) for s in r["skipped_records"]],
            r["skipped"], r["rejected_duplicates"], r["unreadable_dates"], r["text_bytes"],
            dict(r["skipped_by_reason"]), r,
        )


def detections_table(data: bytes) -> pa.Table:
    """Detections as JSON Lines (``tessera trace --format jsonl``) as an Arrow table."""
    if not data:
        return DETECTION_SCHEMA.empty_table()
    opts = pajson.ParseOptions(explicit_schema=DETECTION_SCHEMA, unexpected_field_behavior="error")
    table: pa.Table = pajson.read_json(io.BytesIO(data), parse_options=opts)
    return table.select(DETECTION_SCHEMA.names).cast(DETECTION_SCHEMA)


class Index:
    """An index directory: opened, or created when the folder does not exist (or is empty).

    The same directory the ``tessera`` CLI reads and writes. Several Python
    threads may trace from one ``Index`` at once; writes (``add``, ``delete``,
    ``compact``) are serialized, commit, and never disturb traces running on
    the previous state. ``threads`` sets the worker threads of this object's
    calls (default: all cores); results never depend on it.

    >>> idx = Index("news.idx")                                  # doctest: +SKIP
    >>> idx.add([{"id": "wire-1", "text": "...", "date": "2016-07-15"}])  # doctest: +SKIP
    """

    def __init__(self, path: PathLike, *, create: bool = True, threads: Optional[int] = None):
        self._native = _native.Index(os.fspath(path), create, threads)
        self._path = Path(os.fspath(path))

    @property
    def path(self) -> Path:
        """The index directory."""
        return self._path

    def __repr__(self) -> str:
        return f"tessera.Index({str(self._path)!r}, documents={len(self)})"

    def add(
        self,
        records: Records,
        *,
        on_duplicate: str = "replace",
        strict: bool = False,
        fields: Optional[Mapping[str, str]] = None,
        max_doc_size: Optional[int] = None,
        threads: Optional[int] = None,
        progress: ProgressArg = True,
    ) -> AddResult:
        """Adds records and commits.

        ``records``: an iterable of dicts, a pandas or polars DataFrame, a
        pyarrow Table, RecordBatch or RecordBatchReader; each record has an
        ``id`` (str or int), a ``text``, optional ``title``, ``outlet``,
        ``url``, ``date`` (ISO 8601, or a datetime), and any other fields,
        kept as metadata. ``fields`` renames them (``{"text": "body"}``).
        A bad record (no id, empty text, a text over ``max_doc_size`` bytes,
        16 MiB by default, …) is skipped and reported in the result; with
        ``strict=True`` it raises ``BadInputError`` and nothing is
        committed. An id already indexed is replaced in the same commit, or
        kept (and the new record reported) with ``on_duplicate="reject"``.
        """
        it, total = chunks(records)
        report = self._native.add(it, total, on_duplicate, strict,
                                  dict(fields) if fields else None, max_doc_size, threads,
                                  callback(progress))
        return AddResult.from_json(report)

    def add_files(
        self,
        paths: Union[PathLike, Iterable[PathLike]],
        *,
        on_duplicate: str = "replace",
        strict: bool = False,
        fields: Optional[Mapping[str, str]] = None,
        max_doc_size: Optional[int] = None,
        format: Optional[str] = None,
        encoding: Optional[str] = None,
        threads: Optional[int] = None,
        progress: ProgressArg = True,
    ) -> AddResult:
        """Adds files and folders, read as ``tessera index add`` reads them, and commits.

        JSON Lines (``.jsonl``, ``.ndjson``, ``.json``), text files, HTML
        pages (main text extracted), gzip or zstd compressed; folders are
        walked in name order. ``format`` forces ``"jsonl"``, ``"txt"`` or
        ``"html"``; ``encoding`` is ``"utf-8"`` (default),
        ``"windows-1252"`` or ``"auto"``. Other options as in ``add``.
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        report = self._native.add_files(
            [os.fspath(p) for p in paths], on_duplicate, strict,
            dict(fields) if fields else None, max_doc_size, format, encoding, threads,
            callback(progress))
        return AddResult.from_json(report)

    def delete(self, ids: Union[str, Iterable[str]], *, ignore_missing: bool = False) -> int:
        """Deletes documents by id and commits; returns how many were deleted.

        All or nothing: an id that is not indexed raises
        ``DocumentNotFoundError`` unless ``ignore_missing``.
        """
        if isinstance(ids, str):
            ids = [ids]
        return self._native.delete(list(ids), ignore_missing)

    def compact(self) -> None:
        """Rewrites the index without its deleted documents (merging its segments)."""
        self._native.compact()

    def stats(self) -> dict[str, Any]:
        """Figures about the index: those of ``tessera index stats --json``."""
        stats: dict[str, Any] = json.loads(self._native.stats())
        return stats

    def __len__(self) -> int:
        return len(self._native)

    def __contains__(self, id: object) -> bool:
        return isinstance(id, str) and self._native.get(id) is not None

    def get(self, id: str) -> Optional[dict[str, Any]]:
        """A document as a dict (``id``, ``text``, the metadata it was added with), or ``None``."""
        found = self._native.get(id)
        if found is None:
            return None
        meta, text = found
        doc: dict[str, Any] = json.loads(meta)
        extra = doc.pop("extra", {})
        doc.pop("timestamp", None)
        doc.update({k: v for k, v in extra.items() if k not in doc})
        doc["text"] = text
        return doc

    def _source_text(self, id: str) -> Optional[str]:
        found = self._native.get(id)
        return found[1] if found else None

    def trace(
        self,
        text: Optional[str] = None,
        *,
        id: Optional[str] = None,
        title: Optional[str] = None,
        date: Optional[str] = None,
        query_id: str = "query",
        threads: Optional[int] = None,
    ) -> TraceReport:
        """Traces an article: where each of its passages came from.

        Give the article's ``text`` (reported under ``query_id``), or the
        ``id`` of an indexed document (traced against the rest of the
        index, as ``tessera trace --id``). ``date`` (ISO 8601, with
        ``text`` only; an indexed document is traced with its own date):
        documents dated after it are never sources but ``later_copies``.
        """
        if (text is None) == (id is None):
            raise TypeError("give either text or id=")
        if date is not None and id is not None:
            raise TypeError("date= goes with text: an indexed document is traced with its own date")
        if id is not None:
            raw = self._native.trace_id(id, threads)
            found = self._native.get(id)
            body = found[1] if found else None
        else:
            assert text is not None
            raw = self._native.trace(text, query_id, title, date, threads)
            body = text
        return TraceReport.from_dict(json.loads(raw), body, self._source_text)

    def trace_many(
        self,
        queries: Records,
        *,
        strict: bool = False,
        fields: Optional[Mapping[str, str]] = None,
        max_doc_size: Optional[int] = None,
        threads: Optional[int] = None,
        progress: ProgressArg = True,
    ) -> pa.Table:
        """Traces every query; returns one row per detection as a pyarrow Table.

        ``queries`` as ``add`` accepts them (``id``, ``text``, optional
        ``title`` and ``date``). The columns are the fields of ``tessera
        trace --jsonl … --format jsonl`` (``DETECTION_SCHEMA``), in query
        order; a query that is also indexed is not its own source. A bad
        query is skipped with a ``TesseraWarning`` (``strict=True``: it
        raises ``BadInputError`` and nothing is traced).
        """
        it, _ = chunks(queries)
        data, skipped = self._native.trace_many(
            it, strict, dict(fields) if fields else None, max_doc_size, threads,
            callback(progress))
        bad = json.loads(skipped)
        if bad:
            first = f"{_where(bad[0])}: {bad[0]['reason']}"
            warnings.warn(f"{len(bad)} queries skipped (first: {first})", TesseraWarning,
                          stacklevel=2)
        return detections_table(data)
