"""Records given from Python, whatever their container, turned into the chunks
the native module reads: a list of dicts, or ``(names, columns)`` for Arrow data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sized
from typing import Any, Union

import pyarrow as pa

#: Records per chunk handed to the native module.
CHUNK = 4096

Chunk = Union[list[Any], tuple[list[str], list[list[Any]]]]

#: What ``Index.add``, ``Index.trace_many``, ``scan`` and ``dedup`` accept: an
#: iterable of dicts, a pandas or polars DataFrame, a pyarrow Table,
#: RecordBatch or RecordBatchReader.
Records = Union[
    Iterable[Mapping[str, Any]],
    pa.Table,
    pa.RecordBatch,
    pa.RecordBatchReader,
    Any,
]


def _columns(batch: pa.RecordBatch) -> Chunk:
    return (list(batch.schema.names), [c.to_pylist() for c in batch.columns])


def _batches(batches: Iterable[pa.RecordBatch]) -> Iterator[Chunk]:
    for b in batches:
        for start in range(0, b.num_rows, CHUNK):
            yield _columns(b.slice(start, CHUNK))


def _rows(records: Iterable[Any]) -> Iterator[Chunk]:
    chunk: list[Any] = []
    for r in records:
        chunk.append(dict(r) if isinstance(r, Mapping) and not isinstance(r, dict) else r)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _module(obj: object) -> str:
    return type(obj).__module__.split(".")[0]


def to_arrow(records: Any) -> pa.Table | pa.RecordBatchReader | None:
    """The Arrow form of a DataFrame or Arrow object, or ``None`` for other iterables."""
    if isinstance(records, (pa.Table, pa.RecordBatchReader)):
        return records
    if isinstance(records, pa.RecordBatch):
        return pa.Table.from_batches([records])
    module = _module(records)
    if module == "pandas" and hasattr(records, "columns"):
        try:
            return pa.Table.from_pandas(records, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None  # mixed types in a column: read row by row
    if module == "polars":
        if hasattr(records, "collect"):  # a LazyFrame
            records = records.collect()
        if hasattr(records, "to_arrow"):
            table: pa.Table = records.to_arrow()
            return table
    return None


def chunks(records: Records) -> tuple[Iterator[Chunk], int | None]:
    """The chunks of ``records`` and their number of records when known."""
    if isinstance(records, (str, bytes)) or hasattr(records, "__fspath__"):
        raise TypeError("records must be an iterable of dicts or a table; use add_files() for paths")
    if isinstance(records, Mapping):
        raise TypeError("records must be an iterable of dicts, not one dict: wrap it in a list")
    arrow = to_arrow(records)
    if isinstance(arrow, pa.Table):
        return _batches(arrow.to_batches()), arrow.num_rows
    if isinstance(arrow, pa.RecordBatchReader):
        return _batches(arrow), None
    if _module(records) == "pandas" and hasattr(records, "to_dict"):
        rows = records.to_dict("records")
        return _rows(rows), len(rows)
    if not isinstance(records, Iterable):
        raise TypeError(f"cannot read records from {type(records).__name__}")
    total = len(records) if isinstance(records, Sized) else None
    return _rows(records), total
