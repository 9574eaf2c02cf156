"""Threads: several Python threads trace from one Index at once, results do not
depend on ``threads=``, and the GIL is released while tessera works."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa

import tessera
from conftest import read_jsonl


def test_threads_trace_one_index_at_once(reuse_dev: Path, sources_index: tessera.Index) -> None:
    queries = read_jsonl(reuse_dev / "queries.jsonl", 24)
    alone = [sources_index.trace(q["text"], query_id=q["id"]).to_dict() for q in queries]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(
            lambda q: sources_index.trace(q["text"], query_id=q["id"]).to_dict(), queries))
    assert together == alone


def test_results_do_not_depend_on_threads(reuse_dev: Path, sources_index: tessera.Index,
                                          tmp_path: Path) -> None:
    queries = read_jsonl(reuse_dev / "queries.jsonl", 40)
    one = sources_index.trace_many(queries, threads=1, progress=False)
    two = sources_index.trace_many(queries, threads=2, progress=False)
    assert one.equals(two) and one.num_rows > 0
    a = tessera.Index(tmp_path / "a", threads=1)
    b = tessera.Index(tmp_path / "b", threads=2)
    sources = read_jsonl(reuse_dev / "sources.jsonl", 500)
    a.add(sources, progress=False)
    b.add(sources, progress=False)
    assert a.stats() == b.stats()
    for seg in sorted((tmp_path / "a").glob("seg-*")):
        assert seg.read_bytes() == (tmp_path / "b" / seg.name).read_bytes()


def longest_stall(work: Callable[[], Any]) -> tuple[float, float]:
    """Runs ``work`` while a pure-Python thread ticks; returns the longest gap
    between ticks and the time ``work`` took."""
    ticks: list[float] = []
    done = threading.Event()

    def tick() -> None:
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    start = time.perf_counter()
    work()
    took = time.perf_counter() - start
    done.set()
    t.join()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    return max(gaps, default=took), took


def test_gil_is_released(reuse_dev: Path, sources_index: tessera.Index, tmp_path: Path) -> None:
    queries = read_jsonl(reuse_dev / "queries.jsonl", 150)
    stall, took = longest_stall(lambda: sources_index.trace_many(queries, threads=1,
                                                                 progress=False))
    assert stall < max(0.25 * took, 0.05), (stall, took)
    table = pa.Table.from_pylist(read_jsonl(reuse_dev / "sources.jsonl"))
    idx = tessera.Index(tmp_path / "gil", threads=1)
    stall, took = longest_stall(lambda: idx.add(table, progress=False))
    assert stall < max(0.25 * took, 0.05), (stall, took)
