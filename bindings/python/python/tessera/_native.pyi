"""Type stubs of the private native module ``tessera._native`` (Rust, pyo3).

Reports, statistics and summaries cross as JSON strings; the Python layer
parses them into its classes.
"""

from collections.abc import Callable, Iterator
from typing import Any, Optional

_Progress = Optional[Callable[[str, int, int, bool], None]]
_Chunk = Any
_Columns = tuple[list[str], list[str], list[int], list[int], list[int], list[int]]

class Index:
    """An index directory shared by threads (a ``tessera::Collection``)."""

    def __init__(self, path: str, create: bool = True, threads: Optional[int] = None) -> None: ...
    @property
    def path(self) -> str: ...
    def add(
        self,
        chunks: Iterator[_Chunk],
        total: Optional[int],
        on_duplicate: str,
        strict: bool,
        fields: Optional[dict[str, str]],
        max_doc_size: Optional[int],
        threads: Optional[int],
        progress: _Progress,
    ) -> str: ...
    def add_files(
        self,
        paths: list[str],
        on_duplicate: str,
        strict: bool,
        fields: Optional[dict[str, str]],
        max_doc_size: Optional[int],
        format: Optional[str],
        encoding: Optional[str],
        threads: Optional[int],
        progress: _Progress,
    ) -> str: ...
    def delete(self, ids: list[str], ignore_missing: bool = False) -> int: ...
    def compact(self) -> None: ...
    def stats(self) -> str: ...
    def __len__(self) -> int: ...
    def get(self, id: str) -> Optional[tuple[str, str]]: ...
    def trace(
        self,
        text: str,
        id: str,
        title: Optional[str] = None,
        date: Optional[str] = None,
        threads: Optional[int] = None,
    ) -> str: ...
    def trace_id(self, id: str, threads: Optional[int] = None) -> str: ...
    def trace_many(
        self,
        chunks: Iterator[_Chunk],
        strict: bool,
        fields: Optional[dict[str, str]],
        max_doc_size: Optional[int],
        threads: Optional[int],
        progress: _Progress,
    ) -> tuple[bytes, str]: ...

_PyDoc = tuple[int, int, str, str, Optional[str]]
_PyQuery = tuple[_PyDoc, list[tuple[_PyDoc, list[int]]], Optional[_PyDoc]]
_PyEdit = tuple[str, str, str, int, int, int, int]
_PyPair = tuple[
    int,
    int,
    bool,
    tuple[str, int, int, str, int, int],
    tuple[float, int, float, bool],
    list[_PyEdit],
    tuple[int, int],
    list[tuple[str, str]],
]
_Buffer = bytes | bytearray | memoryview

class ScanParts:
    """The scan's stages with one configuration and the corpus's token
    weights (the Spark job's executors call them, a batch at a time)."""

    def __init__(
        self,
        documents: int = 0,
        frequent: list[tuple[int, int]] = ...,
        max_df: Optional[int] = None,
        min_shared: Optional[int] = None,
        max_candidates: Optional[int] = None,
        neardup_jaccard: Optional[float] = None,
        min_cluster_size: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> None: ...
    def settings(self) -> tuple[int, int, int, int, int, float, int, float]: ...
    @staticmethod
    def frequent_min_df(documents: int) -> Optional[int]: ...
    def features(
        self, docs: list[tuple[str, Optional[str]]]
    ) -> tuple[list[tuple[bytes, bytes]], list[Optional[int]]]: ...
    def jaccard(self, pairs: list[tuple[list[int], list[int]]]) -> list[float]: ...
    def rank(
        self, offsets: _Buffer, sources: _Buffer, positions: _Buffer, dfs: _Buffer
    ) -> tuple[bytes, bytes, bytes, tuple[bytes, bytes]]: ...
    @staticmethod
    def components(a: _Buffer, b: _Buffer) -> tuple[bytes, bytes]: ...
    def pairs(self, queries: list[_PyQuery]) -> tuple[list[_PyPair], int]: ...
    def passages(
        self, docs: list[list[tuple[int, int]]]
    ) -> list[tuple[list[tuple[int, int]], list[int]]]: ...

def align(
    query: str,
    source: str,
    query_id: str,
    source_id: str,
    query_title: Optional[str] = None,
    source_title: Optional[str] = None,
    index: Optional[Index] = None,
) -> str:
    """Aligns two texts; the report as JSON."""

def evaluate(
    gold: str,
    columns: Optional[_Columns] = None,
    path: Optional[str] = None,
    index: Optional[str] = None,
    threads: Optional[int] = None,
    progress: _Progress = None,
) -> str:
    """The PAN measures as JSON."""

def scan(
    index: str,
    out: str,
    max_df: Optional[int] = None,
    min_shared: Optional[int] = None,
    max_candidates: Optional[int] = None,
    neardup_jaccard: Optional[float] = None,
    min_cluster_size: Optional[int] = None,
    memory: Optional[int] = None,
    threads: Optional[int] = None,
    progress: _Progress = None,
) -> str:
    """Scans an index into ``out``; the summary as JSON."""

def dedup(
    index: str,
    annotate: bool = False,
    neardup_jaccard: Optional[float] = None,
    memory: Optional[int] = None,
    threads: Optional[int] = None,
    progress: _Progress = None,
) -> tuple[bytes, str]:
    """The kept documents as JSON Lines, and the counts as JSON."""

def version() -> str:
    """The version of the tessera library inside."""
