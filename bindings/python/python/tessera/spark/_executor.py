"""What runs in Spark's executors: the Rust stages of a scan, a batch of
Arrow rows per call (``mapInArrow``), never a Python function per row.

Each function takes the job's settings (a plain dict, pickled with the
function) and returns the function ``mapInArrow`` calls with a partition's
record batches. The native object is made once per partition, with one
thread pool sized from Spark's task cores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .. import _native

Batches = Iterator[pa.RecordBatch]
Stage = Callable[[Batches], Batches]

FEATURES = pa.schema([
    ("n", pa.int64()), ("timestamp", pa.int64()),
    ("tokens", pa.list_(pa.int64())), ("fingerprints", pa.list_(pa.int64())),
    ("grams", pa.list_(pa.int64())), ("positions", pa.list_(pa.int32())),
    ("bands", pa.list_(pa.int64())), ("shingles", pa.list_(pa.int64())),
])

JACCARD = pa.schema([("a", pa.int64()), ("b", pa.int64()), ("jaccard", pa.float64())])

CANDIDATE = pa.struct([("s", pa.int64()), ("ord", pa.int32()), ("hits", pa.list_(pa.int32()))])
RANKED = pa.schema([("q", pa.int64()), ("cands", pa.list_(CANDIDATE))])

EDIT = pa.struct([
    ("op", pa.string()), ("query", pa.string()), ("source", pa.string()),
    ("query_offset", pa.int64()), ("source_offset", pa.int64()),
    ("query_length", pa.int64()), ("source_length", pa.int64()),
])
PATTERN = pa.struct([("source", pa.string()), ("copy", pa.string())])
PAIRS = pa.schema([
    ("q", pa.int64()), ("s", pa.int64()), ("seq", pa.int32()), ("syndication", pa.bool_()),
    ("query_id", pa.string()), ("query_offset", pa.int64()), ("query_length", pa.int64()),
    ("source_id", pa.string()), ("source_offset", pa.int64()), ("source_length", pa.int64()),
    ("score", pa.float64()), ("matched_words", pa.int64()), ("evidence", pa.float64()),
    ("reordered", pa.bool_()), ("edits", pa.list_(EDIT)),
    ("aligned_words", pa.int64()), ("substituted_words", pa.int64()),
    ("patterns", pa.list_(PATTERN)),
])

COMPONENTS = pa.schema([("v", pa.int64()), ("label", pa.int64())])

PASSAGES = pa.schema([
    ("doc", pa.int64()), ("k", pa.int32()), ("start", pa.int64()), ("end", pa.int64()),
    ("links", pa.list_(pa.int64())),
])


def _data(a: pa.Array) -> memoryview:
    """The data of an int64 array without nulls (its slice of the buffer)
    as a buffer of 64-bit integers, not copied."""
    if a.null_count:
        raise ValueError(f"an array of {a.type} given to Rust has nulls")
    buf = a.buffers()[1]
    if buf is None:
        return memoryview(b"").cast("q")
    return memoryview(buf.slice(a.offset * 8, len(a) * 8)).cast("q")


def _longs(data: bytes) -> pa.Array:
    """An int64 array over little-endian bytes, not copied."""
    return pa.Array.from_buffers(pa.int64(), len(data) // 8, [None, pa.py_buffer(data)])


def _parts(settings: dict[str, Any], frequent: list[tuple[int, int]] | None = None) -> Any:
    return _native.ScanParts(settings["documents"], frequent or [], settings["max_df"],
                             settings["min_shared"], settings["max_candidates"],
                             settings["neardup_jaccard"], settings["min_cluster_size"],
                             settings["threads"])


def _lists(offsets: bytes, values: bytes, typ: pa.ListType) -> pa.Array:
    """A list column from Rust's offsets and values (int64 data buffers)."""
    vals = _longs(values)
    if typ.value_type != pa.int64():
        vals = vals.cast(typ.value_type)
    return pa.ListArray.from_arrays(_longs(offsets).cast(pa.int32()), vals, type=typ)


def _offsets(lists: pa.ListArray) -> pa.Array:
    """A list column's offsets as int64 from 0 (a slice's start at 0)."""
    off = lists.offsets.cast(pa.int64())
    return pc.subtract(off, off[0]) if len(off) and off[0].as_py() else off


def features(settings: dict[str, Any]) -> Stage:
    """(n, text, date) → the features of each document."""
    lists = ("tokens", "fingerprints", "grams", "positions", "bands", "shingles")

    def run(batches: Batches) -> Batches:
        parts = _parts(settings)
        for b in batches:
            cols, stamps = parts.features(list(zip(b.column("text").to_pylist(),
                                                   b.column("date").to_pylist())))
            yield pa.RecordBatch.from_arrays(
                [b.column("n").cast(pa.int64()), pa.array(stamps, pa.int64())]
                + [_lists(o, v, FEATURES.field(name).type) for name, (o, v) in zip(lists, cols)],
                schema=FEATURES)
    return run


def jaccard(settings: dict[str, Any]) -> Stage:
    """(a, b, sa, sb: 5-gram sets) → (a, b, exact Jaccard similarity)."""
    def run(batches: Batches) -> Batches:
        parts = _parts(settings)
        for b in batches:
            j = parts.jaccard(list(zip(b.column("sa").to_pylist(), b.column("sb").to_pylist())))
            yield pa.RecordBatch.from_arrays(
                [b.column("a"), b.column("b"), pa.array(j, pa.float64())], schema=JACCARD)
    return run


def rank(settings: dict[str, Any]) -> Stage:
    """(q, hits: list of (s, pos, df)) → (q, candidates best first with their hits)."""
    def run(batches: Batches) -> Batches:
        parts = _parts(settings)
        for b in batches:
            hits = b.column("hits")
            s, pos, df = (c.cast(pa.int64()) for c in hits.flatten().flatten())
            c_off, c_src, c_ord, (h_off, h_pos) = parts.rank(
                _data(_offsets(hits)), _data(s), _data(pos), _data(df))
            found = pa.StructArray.from_arrays(
                [_longs(c_src), _longs(c_ord).cast(pa.int32()),
                 _lists(h_off, h_pos, CANDIDATE.field("hits").type)],
                fields=list(CANDIDATE))
            cands = pa.ListArray.from_arrays(_longs(c_off).cast(pa.int32()), found,
                                             type=RANKED.field("cands").type)
            yield pa.RecordBatch.from_arrays([b.column("q"), cands], schema=RANKED)
    return run


def _doc(d: dict[str, Any]) -> tuple[int, int, str, str, str | None]:
    return (d["n"], d["rank"], d["id"], d["text"], d["date"])


def pairs(settings: dict[str, Any], frequent: list[tuple[int, int]]) -> Stage:
    """(query, its candidates with texts and hits, its representative) →
    the rows of the pairs table."""
    def run(batches: Batches) -> Batches:
        parts = _parts(settings, frequent)
        for b in batches:
            queries = []
            for q, cands, rep in zip(b.column("query").to_pylist(),
                                     b.column("cands").to_pylist(),
                                     b.column("rep").to_pylist()):
                cs = sorted(cands or [], key=lambda c: c["ord"])
                queries.append((_doc(q), [(_doc(c), c["hits"]) for c in cs],
                                _doc(rep) if rep is not None else None))
            rows, _aligned = parts.pairs(queries)
            out: list[dict[str, Any]] = []
            seq = 0
            last = None
            for (qn, s, synd, (qid, qo, ql, sid, so, sl), (score, mw, ev, reord), edits,
                 (aw, sw), pats) in rows:
                seq = seq + 1 if qn == last else 0
                last = qn
                out.append({
                    "q": qn, "s": s, "seq": seq, "syndication": synd, "query_id": qid,
                    "query_offset": qo, "query_length": ql, "source_id": sid,
                    "source_offset": so, "source_length": sl, "score": score,
                    "matched_words": mw, "evidence": ev, "reordered": reord,
                    "edits": [dict(zip(EDIT.names, e)) for e in edits],
                    "aligned_words": aw, "substituted_words": sw,
                    "patterns": [{"source": a, "copy": c} for a, c in pats],
                })
            yield pa.RecordBatch.from_pylist(out, schema=PAIRS)
    return run


def passages(settings: dict[str, Any]) -> Stage:
    """(doc, spans: sorted (start, end, link)) → the document's passages
    with the links (pairs) that reach them."""
    def run(batches: Batches) -> Batches:
        parts = _parts(settings)
        for b in batches:
            docs = b.column("doc").to_pylist()
            spans = b.column("spans").to_pylist()
            found = parts.passages([[(x["start"], x["end"]) for x in s] for s in spans])
            out: list[dict[str, Any]] = []
            for doc, s, (segs, of) in zip(docs, spans, found):
                links: list[list[int]] = [[] for _ in segs]
                for x, k in zip(s, of):
                    links[k].append(x["link"])
                for k, ((start, end), ls) in enumerate(zip(segs, links)):
                    out.append({"doc": doc, "k": k, "start": start, "end": end, "links": ls})
            yield pa.RecordBatch.from_pylist(out, schema=PASSAGES)
    return run


def components(batch_rows: int = 1 << 16) -> Stage:
    """Every edge (a, b) of the partition, the whole graph in one task →
    (v, label): each vertex with the smallest vertex of its component,
    in batches of ``batch_rows``."""
    def run(batches: Batches) -> Batches:
        got = list(batches)
        if not got:
            return
        a = pa.concat_arrays([b.column("a") for b in got])
        b = pa.concat_arrays([b.column("b") for b in got])
        del got
        v, label = _native.ScanParts.components(_data(a), _data(b))
        out = pa.RecordBatch.from_arrays([_longs(v), _longs(label)], schema=COMPONENTS)
        for start in range(0, out.num_rows, batch_rows):
            yield out.slice(start, batch_rows)
    return run
