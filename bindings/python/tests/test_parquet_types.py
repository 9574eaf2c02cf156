"""Issue 10: the scan's Parquet tables held nested values (edits, members,
top outlets) as JSON strings, so pyarrow and DuckDB saw VARCHAR where the
JSON Lines files have lists of structs. They must read as typed nested
columns, with the same rows as the JSON Lines files."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from conftest import run_cli
from test_cli import corpus


def test_scan_parquet_has_typed_nested_columns(tmp_path: Path, cli: Path) -> None:
    path = corpus(tmp_path, 1500)
    out = tmp_path / "scan"
    run_cli(cli, "scan", str(path), "--out", str(out))

    pairs = pq.read_table(out / "pairs.parquet")
    edits = pairs.schema.field("edits").type
    assert pa.types.is_list(edits) and pa.types.is_struct(edits.value_type), edits
    assert {f.name for f in edits.value_type} >= {"op", "query", "source", "query_offset", "source_offset"}
    assert pa.types.is_integer(pairs.schema.field("query_offset").type)
    assert pa.types.is_floating(pairs.schema.field("score").type)

    clusters = pq.read_table(out / "neardup_clusters.parquet")
    members = clusters.schema.field("members").type
    assert pa.types.is_list(members) and pa.types.is_struct(members.value_type), members

    spin = pq.read_table(out / "spin_patterns.parquet")
    top = spin.schema.field("top_outlets").type
    assert pa.types.is_list(top) and pa.types.is_struct(top.value_type), top

    # The same rows as the JSON Lines files, nested values included.
    lines = [json.loads(x) for x in (out / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert pairs.num_rows == len(lines) > 0
    first = pairs.slice(0, 1).to_pylist()[0]
    assert [e["op"] for e in first["edits"]] == [e["op"] for e in lines[0]["edits"]]

    # DuckDB sees lists of structs, not VARCHAR, and can unnest them.
    con = duckdb.connect()

    def column_types(table: str) -> dict[str, str]:
        rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{out / table}')").fetchall()
        return {str(r[0]): str(r[1]) for r in rows}

    types = column_types("pairs.parquet")
    assert types["edits"].startswith("STRUCT(") and types["edits"].endswith("[]"), types["edits"]
    n_edits = con.execute(
        f"SELECT count(*) FROM (SELECT unnest(edits) FROM read_parquet('{out / 'pairs.parquet'}'))").fetchone()
    assert n_edits is not None and n_edits[0] == sum(len(x["edits"]) for x in lines)
    members_type = column_types("neardup_clusters.parquet")["members"]
    assert members_type.startswith("STRUCT(") and members_type.endswith("[]"), members_type
