"""Work on texts, gold standards and whole corpora: ``align``, ``evaluate``,
``scan``, ``dedup``."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import pyarrow as pa
import pyarrow.parquet as pq

from . import _native
from ._index import Index, PathLike
from ._progress import ProgressArg, callback
from ._records import Records, to_arrow
from ._report import TraceReport

__all__ = ["align", "evaluate", "scan", "dedup", "ScanResult", "SCAN_TABLES"]

#: The tables of a scan, as ``tessera scan`` writes them.
SCAN_TABLES = ("pairs", "reuse_clusters", "neardup_clusters", "copy_graph", "spin_patterns",
               "spin_scores")


def align(
    text_a: str,
    text_b: str,
    *,
    query_id: str = "a",
    source_id: str = "b",
    query_title: Optional[str] = None,
    source_title: Optional[str] = None,
    index: Optional[Index] = None,
) -> TraceReport:
    """The passages ``text_a`` (the query) took from ``text_b`` (the source), no index needed.

    As ``tessera align``: word weights come from a built-in list of function
    words, or from the document frequencies of ``index`` when given.
    """
    raw = _native.align(text_a, text_b, query_id, source_id, query_title, source_title,
                        index._native if index is not None else None)
    return TraceReport.from_dict(json.loads(raw), text_a,
                                 lambda id: text_b if id == source_id else None)


def _detection_columns(
    detections: Any,
) -> tuple[list[str], list[str], list[int], list[int], list[int], list[int]]:
    arrow = to_arrow(detections)
    if arrow is None:
        arrow = pa.Table.from_pylist([dict(d) for d in detections])
    elif isinstance(arrow, pa.RecordBatchReader):
        arrow = arrow.read_all()
    names = ("query_id", "source_id", "query_offset", "query_length", "source_offset",
             "source_length")
    missing = [n for n in names if n not in arrow.column_names]
    if missing and arrow.num_rows == 0:  # no detections at all
        return [], [], [], [], [], []
    if missing:
        raise ValueError(f"detections lack the columns {', '.join(missing)}")
    q, s, qo, ql, so, sl = (arrow.column(n).to_pylist() for n in names)
    return q, s, qo, ql, so, sl


def evaluate(
    gold: PathLike,
    detections: Union[None, PathLike, Records] = None,
    *,
    index: Optional[PathLike] = None,
    threads: Optional[int] = None,
    progress: ProgressArg = True,
) -> dict[str, Any]:
    """Scores detections against a gold standard with the PAN measures.

    ``gold``: a reuse-dev folder (``truth.jsonl``, ``queries.jsonl``,
    ``sources.jsonl``) or a PAN text-alignment corpus. ``detections``: a
    table (the output of ``Index.trace_many``, a DataFrame or a list of
    dicts with the six span fields), a JSON Lines file, a folder of PAN
    XML files, or ``None`` to run tessera itself on the gold standard
    (``index``: where to keep the index of its sources). Returns the dict
    of ``tessera eval --format json``: ``macro``, ``micro``,
    ``case_level``, ``document_level``, ``by_obfuscation``, ``negatives``
    and ``source_attribution``.
    """
    columns = path = None
    if isinstance(detections, (str, os.PathLike)):
        path = os.fspath(detections)
    elif detections is not None:
        columns = _detection_columns(detections)
    out = _native.evaluate(os.fspath(gold), columns, path,
                           os.fspath(index) if index is not None else None, threads,
                           callback(progress))
    result: dict[str, Any] = json.loads(out)
    return result


def _is_paths(source: Any) -> bool:
    if isinstance(source, (str, os.PathLike)):
        return True
    return (isinstance(source, (list, tuple)) and len(source) > 0
            and all(isinstance(p, (str, os.PathLike)) for p in source))


def _fill(dir: Path, source: Any, threads: Optional[int], progress: ProgressArg,
          strict: bool) -> Index:
    idx = Index(dir, threads=threads)
    if _is_paths(source):
        paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
        idx.add_files(paths, strict=strict, progress=progress)
    else:
        idx.add(source, strict=strict, progress=progress)
    return idx


@dataclass
class ScanResult:
    """The tables of a scan (pyarrow Tables read from ``out``) and its summary.

    ``pairs``: aligned passage pairs (``query_*`` is the later document);
    ``reuse_clusters``: passages found in 3 documents or more;
    ``neardup_clusters``: near-duplicate documents; ``copy_graph``: outlet
    to outlet edges; ``spin_patterns`` and ``spin_scores``: substitutions.
    """

    out: Path
    summary: dict[str, Any]
    pairs: pa.Table = field(repr=False)
    reuse_clusters: pa.Table = field(repr=False)
    neardup_clusters: pa.Table = field(repr=False)
    copy_graph: pa.Table = field(repr=False)
    spin_patterns: pa.Table = field(repr=False)
    spin_scores: pa.Table = field(repr=False)


def scan(
    source: Union[Index, PathLike, Iterable[PathLike], Records],
    out: PathLike,
    *,
    max_df: Optional[int] = None,
    min_shared: Optional[int] = None,
    max_candidates: Optional[int] = None,
    neardup_jaccard: Optional[float] = None,
    min_cluster_size: Optional[int] = None,
    memory: Optional[int] = None,
    strict: bool = False,
    threads: Optional[int] = None,
    progress: ProgressArg = True,
) -> ScanResult:
    """Finds all the reuse inside a corpus at once, as ``tessera scan`` does.

    ``source``: an ``Index``, paths (files or folders, read as
    ``add_files`` reads them) or records (as ``Index.add`` takes them); paths
    and records are indexed into ``out/index`` first (rebuilt on each
    call). The tables are written to ``out`` (JSON Lines and Parquet, as
    the CLI writes them) and returned as pyarrow Tables. A run that was
    interrupted resumes where it stopped. The keyword options are those of
    the CLI (``memory`` in bytes); results do not depend on ``threads``.
    """
    out = Path(os.fspath(out))
    if isinstance(source, Index):
        index_dir = source.path
    else:
        index_dir = out / "index"
        if index_dir.exists():
            shutil.rmtree(index_dir)
        out.mkdir(parents=True, exist_ok=True)
        _fill(index_dir, source, threads, progress, strict)
    summary = json.loads(_native.scan(
        os.fspath(index_dir), os.fspath(out), max_df, min_shared, max_candidates,
        neardup_jaccard, min_cluster_size, memory, threads, callback(progress)))
    tables = {name: pq.read_table(out / f"{name}.parquet") for name in SCAN_TABLES}
    return ScanResult(out, summary, **tables)


def _table_of_rows(rows: list[dict[str, Any]]) -> pa.Table:
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r))
    columns = {}
    for n in names:
        values = [r.get(n) for r in rows]
        try:
            columns[n] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: keep them as JSON
            columns[n] = pa.array([None if v is None else json.dumps(v) for v in values])
    return pa.table(columns) if columns else pa.table({"id": pa.array([], pa.string()),
                                                       "text": pa.array([], pa.string())})


def dedup(
    source: Union[Index, PathLike, Iterable[PathLike], Records],
    *,
    annotate: bool = False,
    neardup_jaccard: Optional[float] = None,
    memory: Optional[int] = None,
    strict: bool = False,
    threads: Optional[int] = None,
    progress: ProgressArg = True,
) -> pa.Table:
    """The corpus without redundant copies, as ``tessera dedup`` writes it, as a pyarrow Table.

    Each near-duplicate cluster (word 5-gram Jaccard ≥ ``neardup_jaccard``,
    0.5 by default) keeps its earliest document. With ``annotate=True``
    every document is kept, with ``neardup_cluster`` and
    ``neardup_representative`` (null outside clusters). Columns: ``id``,
    ``title``, ``outlet``, ``url``, ``date``, the other metadata, ``text``;
    rows in insertion order. ``source`` as for ``scan`` (paths and records
    are indexed into a temporary index).
    """
    with tempfile.TemporaryDirectory(prefix="tessera-dedup-") as tmp:
        if isinstance(source, Index):
            index_dir = source.path
        else:
            index_dir = Path(tmp) / "index"
            _fill(index_dir, source, threads, progress, strict)
        data, _counts = _native.dedup(os.fspath(index_dir), annotate, neardup_jaccard, memory,
                                      threads, callback(progress))
    rows = [json.loads(line) for line in data.splitlines() if line]
    return _table_of_rows(rows)
