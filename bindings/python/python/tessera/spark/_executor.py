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

PASSAGES = pa.schema([
    ("doc", pa.int64()), ("k", pa.int32()), ("start", pa.int64()), ("end", pa.int64()),
    ("links", pa.list_(pa.int64())),
])


def _parts(settings: dict[str, Any], frequent: list[tuple[int, int]] | None = None) -> Any:
    return _native.ScanParts(settings["documents"], frequent or [], settings["max_df"],
                             settings["min_shared"], settings["max_candidates"],
                             settings["neardup_jaccard"], settings["min_cluster_size"],
                             settings["threads"])


def features(settings: dict[str, Any]) -> Stage:
    """(n, text, date) → the features of each document."""
    def run(batches: Batches) -> Batches:
        parts = _parts(settings)
        for b in batches:
            n = b.column("n").to_pylist()
            found = parts.features(list(zip(b.column("text").to_pylist(),
                                            b.column("date").to_pylist())))
            cols: list[Any] = list(zip(*found)) if found else [[] for _ in range(7)]
            yield pa.RecordBatch.from_arrays(
                [pa.array(n, pa.int64()), pa.array(cols[6], pa.int64()),
                 pa.array(cols[0], FEATURES.field("tokens").type),
                 pa.array(cols[1], FEATURES.field("fingerprints").type),
                 pa.array(cols[2], FEATURES.field("grams").type),
                 pa.array(cols[3], FEATURES.field("positions").type),
                 pa.array(cols[4], FEATURES.field("bands").type),
                 pa.array(cols[5], FEATURES.field("shingles").type)],
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
            queries = []
            for hits in b.column("hits").to_pylist():
                queries.append(([h["s"] for h in hits], [h["pos"] for h in hits],
                                [h["df"] for h in hits]))
            ranked = parts.rank(queries)
            cands = [[{"s": s, "ord": k, "hits": h} for k, (s, h) in enumerate(r)]
                     for r in ranked]
            yield pa.RecordBatch.from_arrays(
                [b.column("q"), pa.array(cands, RANKED.field("cands").type)], schema=RANKED)
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
