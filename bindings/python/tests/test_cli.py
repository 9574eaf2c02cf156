"""The Python package and the real ``tessera`` CLI agree: one index format both
ways, the same reports, detections, scores and scan tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

import tessera
from conftest import DATA, read_jsonl, run_cli

SLICE = 120  # queries of reuse-dev traced both ways (keeps the suite fast)


def without_nulls(v: Any) -> Any:
    """A value with its null fields dropped (the CLI omits absent optional fields)."""
    if isinstance(v, dict):
        return {k: without_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [without_nulls(x) for x in v]
    return v


def test_cli_index_opens_in_python(tmp_path: Path, cli: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    rows = read_jsonl(DATA / "reuters21578" / "reuters21578.jsonl", 300)
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run_cli(cli, "index", "add", str(feed), "--index", str(tmp_path / "cli.idx"), ok=(0, 3))
    idx = tessera.Index(tmp_path / "cli.idx", create=False)
    stats = json.loads(run_cli(cli, "index", "stats", "--index", str(tmp_path / "cli.idx"),
                               "--json"))
    assert len(idx) == stats["documents"] > 200
    assert idx.stats() == stats
    doc = next(r for r in rows if r.get("text"))
    assert idx.get(str(doc["id"]))["text"] == doc["text"]  # type: ignore[index]
    idx.add([{"id": "py-1", "text": doc["text"]}], progress=False)
    out = json.loads(run_cli(cli, "trace", "--id", "py-1", "--index", str(tmp_path / "cli.idx"),
                             "--format", "json"))
    assert out == idx.trace(id="py-1").to_dict()
    assert out["passages"][0]["source_id"] == str(doc["id"])


def test_python_index_opens_in_cli(tmp_path: Path, cli: Path, reuse_dev: Path) -> None:
    queries = read_jsonl(reuse_dev / "queries.jsonl", 5)
    idx = tessera.Index(tmp_path / "py.idx")
    idx.add(queries, progress=False)
    stats = json.loads(run_cli(cli, "index", "stats", "--index", str(idx.path), "--json"))
    assert stats == idx.stats() and stats["documents"] == 5
    run_cli(cli, "index", "delete", queries[0]["id"], "--index", str(idx.path))
    assert queries[0]["id"] not in tessera.Index(idx.path)


def test_to_dict_is_the_cli_json(tmp_path: Path, cli: Path, reuse_dev: Path,
                                 sources_index: tessera.Index) -> None:
    queries = read_jsonl(reuse_dev / "queries.jsonl", 40)
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    out = run_cli(cli, "trace", "--jsonl", str(qfile), "--index", str(sources_index.path),
                  "--format", "json")
    reports = [json.loads(line) for line in out.splitlines()]
    assert len(reports) == len(queries)
    found = 0
    for q, cli_report in zip(queries, reports):
        r = sources_index.trace(q["text"], title=q.get("title"), date=q.get("date"),
                                query_id=q["id"])
        assert r.to_dict() == cli_report
        found += len(r.passages)
    assert found > 20


def test_trace_many_is_the_cli_jsonl(tmp_path: Path, cli: Path, reuse_dev: Path,
                                     sources_index: tessera.Index) -> None:
    queries = read_jsonl(reuse_dev / "queries.jsonl", SLICE)
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    out = run_cli(cli, "trace", "--jsonl", str(qfile), "--index", str(sources_index.path),
                  "--format", "jsonl")
    cli_rows = [json.loads(line) for line in out.splitlines()]
    table = sources_index.trace_many(queries, progress=False)
    assert table.column_names == list(cli_rows[0].keys())
    assert [without_nulls(r) for r in table.to_pylist()] == cli_rows
    assert len(cli_rows) > 100
    # The same detections score the same in Python and in the CLI.
    det = tmp_path / "det.jsonl"
    det.write_text(out, encoding="utf-8")
    cli_eval = json.loads(run_cli(cli, "eval", "--gold", str(reuse_dev), "--detections",
                                  str(det), "--format", "json"))
    assert tessera.evaluate(reuse_dev, table, progress=False) == cli_eval
    assert tessera.evaluate(reuse_dev, det, progress=False) == cli_eval
    pd_eval = tessera.evaluate(reuse_dev, table.to_pylist(), progress=False)
    assert pd_eval == cli_eval


def corpus(tmp_path: Path, n: int) -> Path:
    rows = [r for r in read_jsonl(DATA / "reuters21578" / "reuters21578.jsonl", n) if r.get("text")]
    # Plant near-duplicates: a few stories carried again by another outlet.
    copies = [{**r, "id": f"copy-{r['id']}", "outlet": "Copier", "text": r["text"] + " (AP)"}
              for r in rows[:: max(1, len(rows) // 20)] if len(r["text"]) > 400]
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows + copies), encoding="utf-8")
    return path


def test_scan_tables_are_the_cli_tables(tmp_path: Path, cli: Path) -> None:
    path = corpus(tmp_path, 1500)
    run_cli(cli, "scan", str(path), "--out", str(tmp_path / "cli"))
    records = read_jsonl(path)
    result = tessera.scan(records, tmp_path / "py", progress=False)
    assert result.summary["documents"] == len(records)
    assert result.neardup_clusters.num_rows > 0 and result.pairs.num_rows > 0
    for name in tessera.SCAN_TABLES:
        assert getattr(result, name).equals(pq.read_table(tmp_path / "cli" / f"{name}.parquet")), name
    again = tessera.scan(tessera.Index(tmp_path / "py" / "index"), tmp_path / "py2",
                         threads=1, progress=False)
    assert again.pairs.equals(result.pairs)


def test_dedup_is_the_cli_dedup(tmp_path: Path, cli: Path) -> None:
    path = corpus(tmp_path, 1000)
    for annotate in (False, True):
        out = tmp_path / f"cli-{annotate}.jsonl"
        run_cli(cli, "dedup", str(path), "--out", str(out), *(["--annotate"] if annotate else []))
        expected = read_jsonl(out)
        table = tessera.dedup([path], annotate=annotate, progress=False)
        assert [without_nulls(r) for r in table.to_pylist()] == [without_nulls(r) for r in expected]
    kept = tessera.dedup(read_jsonl(path), progress=False)
    assert kept.num_rows < len(read_jsonl(path))
    assert not any(str(i).startswith("copy-") for i in kept.column("id").to_pylist())


def test_parquet_input_is_read_like_json_lines(tmp_path: Path, cli: Path,
                                              reuse_dev: Path) -> None:
    """A data engineer's Parquet (a file, or Spark's folder of part files
    with its markers) gives the CLI the same documents as the same records
    in JSON Lines: index add, dedup and trace --jsonl alike."""
    import datetime

    import pyarrow as pa

    rows = read_jsonl(DATA / "reuters21578" / "reuters21578.jsonl", 400)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, tmp_path / "feed.parquet", row_group_size=150)
    parts = tmp_path / "spark-out"
    parts.mkdir()
    pq.write_table(table.slice(0, 250), parts / "part-00000-x.snappy.parquet")
    pq.write_table(table.slice(250), parts / "part-00001-x.snappy.parquet")
    (parts / "_SUCCESS").write_bytes(b"")
    (parts / ".part-00000-x.snappy.parquet.crc").write_bytes(b"crc")

    def stats(*inputs: Path) -> dict[str, Any]:
        idx = tmp_path / f"idx-{len(list(tmp_path.iterdir()))}"
        run_cli(cli, "index", "add", *map(str, inputs), "--index", str(idx), ok=(0, 3))
        out: dict[str, Any] = json.loads(run_cli(cli, "index", "stats", "--index", str(idx),
                                                 "--json"))
        return out

    from_jsonl = stats(feed)
    assert from_jsonl["documents"] > 300
    assert stats(tmp_path / "feed.parquet")["documents"] == from_jsonl["documents"]
    assert stats(parts)["documents"] == from_jsonl["documents"]

    def dedup(path: Path) -> list[str]:
        out = tmp_path / f"dedup-{path.stem}.jsonl"
        run_cli(cli, "dedup", str(path), "--out", str(out), ok=(0, 3))
        return [str(r["id"]) for r in read_jsonl(out)]

    assert dedup(tmp_path / "feed.parquet") == dedup(feed)

    # Queries with a real timestamp column (time zone UTC, as pandas and
    # Spark write it): dated like their JSON Lines twins.
    queries = read_jsonl(reuse_dev / "queries.jsonl", 30)
    qjsonl = tmp_path / "q.jsonl"
    qjsonl.write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    qtable = pa.Table.from_pylist([
        {**q, "date": datetime.datetime.fromisoformat(q["date"]).replace(
            tzinfo=datetime.timezone.utc) if q.get("date") else None}
        for q in queries
    ])
    assert pa.types.is_timestamp(qtable.schema.field("date").type)
    pq.write_table(qtable, tmp_path / "q.parquet")
    idx = tmp_path / "sources.idx"
    run_cli(cli, "index", "add", str(reuse_dev / "sources.jsonl"), "--index", str(idx))

    def trace(path: Path) -> list[Any]:
        out = run_cli(cli, "trace", "--jsonl", str(path), "--index", str(idx), "--format", "jsonl")
        return [json.loads(line) for line in out.splitlines()]

    from_parquet = trace(tmp_path / "q.parquet")
    assert from_parquet == trace(qjsonl)
    assert len(from_parquet) > 10
