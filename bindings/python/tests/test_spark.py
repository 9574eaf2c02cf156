"""tessera on Spark, run as its users run it: pyspark from PyPI in
``local[2]`` mode on this machine's Java, the package's own Rust code in
the executors. The scan on Spark must agree with the single-machine scan
and not depend on how Spark partitions the work."""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

pyspark = pytest.importorskip("pyspark")
from pyspark.sql import DataFrame, SparkSession  # noqa: E402

import tessera  # noqa: E402
import tessera.spark  # noqa: E402

from conftest import DATA  # noqa: E402

REUTERS = DATA / "reuters21578" / "reuters21578.jsonl"
#: Documents of the agreement sample: the first of Reuters-21578 (a few
#: dozen near-duplicate clusters, reuse clusters and spin patterns).
SAMPLE = 1000


def _head(path: Path, n: int, out: Path) -> Path:
    with open(path, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as w:
        for k, line in enumerate(f):
            if k >= n:
                break
            w.write(line)
    return out


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    # The executors' Python workers: this interpreter, with the package.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    s = (SparkSession.builder.master("local[2]").appName("tessera tests")
         .config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "4")
         .getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not REUTERS.is_file():
        pytest.fail(f"{REUTERS} is missing (set TESSERA_DATA)")
    return _head(REUTERS, SAMPLE, tmp_path_factory.mktemp("reuters") / "sample.jsonl")


def _rows(df: DataFrame) -> list[dict[str, Any]]:
    return [r.asDict(recursive=True) for r in df.collect()]


PAIR_KEY = ("query_id", "source_id", "query_offset", "query_length", "source_offset",
            "source_length", "kind")


def test_the_scan_on_spark_agrees_with_the_single_machine_scan(
        spark: SparkSession, sample: Path, tmp_path: Path) -> None:
    single = tessera.scan([sample], tmp_path / "single", progress=False)
    result = tessera.spark.scan(spark.read.json(str(sample)), out=str(tmp_path / "spark"))
    assert set(result.tables()) == set(tessera.SCAN_TABLES)
    # Pairs: at least 99% of the single-machine pairs, same offsets.
    want = {tuple(r[k] for k in PAIR_KEY) for r in single.pairs.to_pylist()}
    got = {tuple(r[k] for k in PAIR_KEY) for r in _rows(result.pairs)}
    assert len(want) > 100
    assert len(want & got) >= 0.99 * len(want), (sorted(want - got)[:5], sorted(got - want)[:5])
    # Every table: the same rows in the same order, written where asked,
    # with the columns of `tessera scan`'s Parquet tables.
    for name in tessera.SCAN_TABLES:
        mine = pq.read_table(tmp_path / "spark" / f"{name}.parquet")
        theirs = getattr(single, name)
        assert mine.column_names == theirs.column_names, name
        assert mine.to_pylist() == theirs.to_pylist(), name
        assert len(theirs) > 0, name


WIRE = ("On the second and final day of his visit to Moscow, Kerry called for stepping up "
        "cooperation between the United States and Russia to thwart jihadist groups and revive "
        "the stalled Syria peace process, hours after at least 84 people were killed in an attack "
        "in Nice. Officials said the talks would continue next week in Geneva with experts from "
        "both sides, and that a joint group could be set up within a month if both governments "
        "agreed to the plan.")
BOILER = ("This article is distributed under licence; reproduction without written permission "
          "of the publisher is prohibited and will be prosecuted under the applicable copyright "
          "laws of each country.")


def _filler(seed: int, n: int) -> str:
    """Made-up words that share no phrase with other filler."""
    rng = random.Random(seed)
    return " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 7)))
                    for _ in range(n)) + "."


def test_boilerplate_first_seen_in_a_syndicated_copy_pairs_alike_on_spark(
        spark: SparkSession, tmp_path: Path) -> None:
    """An outlet's boilerplate pairs with its first appearance, here under a
    syndicated copy of a wire story, on Spark as on one machine."""
    rows = [{"id": "wire-1", "outlet": "wire", "date": "2016-07-15T10:00:00Z", "text": WIRE},
            {"id": "paper-copy", "outlet": "paper", "date": "2016-07-15T12:00:00Z",
             "text": f"{WIRE}\n\n{BOILER}"}]
    rows += [{"id": f"paper-{k}", "outlet": "paper", "date": f"2016-07-2{k}",
              "text": f"{_filler(k, 40)} {BOILER}"} for k in range(3)]
    rows += [{"id": f"other-{k}", "outlet": f"outlet-{k}", "date": "2016-07-10",
              "text": _filler(100 + k, 60)} for k in range(12)]
    path = tmp_path / "outlets.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    single = tessera.scan([path], tmp_path / "single", max_df=2, progress=False)
    tessera.spark.scan(spark.read.json(str(path)), out=str(tmp_path / "spark"), max_df=2)
    pairs = single.pairs.to_pylist()
    for k in range(3):
        assert [p["source_id"] for p in pairs if p["query_id"] == f"paper-{k}"] == ["paper-copy"]
    for name in tessera.SCAN_TABLES:
        mine = pq.read_table(tmp_path / "spark" / f"{name}.parquet")
        assert mine.to_pylist() == getattr(single, name).to_pylist(), name


def test_the_result_does_not_depend_on_partitioning(
        spark: SparkSession, sample: Path, tmp_path: Path) -> None:
    small = _head(sample, 400, tmp_path / "small.jsonl")
    runs = []
    # The second run also computes its connected components in distributed
    # rounds rather than in one task.
    for shuffle, split, local in (("1", "1g", 1 << 30), ("7", "16k", 0)):
        spark.conf.set("spark.sql.shuffle.partitions", shuffle)
        spark.conf.set("spark.sql.files.maxPartitionBytes", split)
        try:
            docs = spark.read.json(str(small))
            r = tessera.spark.scan(docs, threads=int(shuffle) % 3 + 1, max_local_edges=local)
            runs.append({name: _rows(df) for name, df in r.tables().items()})
        finally:
            spark.conf.set("spark.sql.shuffle.partitions", "4")
            spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert runs[0]["pairs"], "the sample has reuse"
    for name in tessera.SCAN_TABLES:
        assert runs[0][name] == runs[1][name], name


def test_an_explicit_order_survives_a_shuffled_input(
        spark: SparkSession, sample: Path, tmp_path: Path) -> None:
    small = _head(sample, 300, tmp_path / "small.jsonl")
    docs = spark.read.json(str(small))
    a = tessera.spark.scan(docs.coalesce(1), order="id")
    b = tessera.spark.scan(docs.repartition(5), order="id")
    assert _rows(a.pairs) == _rows(b.pairs)
    assert _rows(a.neardup_clusters) == _rows(b.neardup_clusters)


def test_the_command_line_job_writes_the_six_tables(sample: Path, tmp_path: Path) -> None:
    small = _head(sample, 300, tmp_path / "small.jsonl")
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
    p = subprocess.run([sys.executable, "-m", "tessera.spark", "scan", str(small),
                        "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    summary = json.loads(p.stdout)
    single = tessera.scan([small], tmp_path / "single", progress=False)
    assert summary["documents"] == single.summary["documents"]
    assert summary["pairs"] == single.summary["pairs"]
    for name in tessera.SCAN_TABLES:
        got = pq.read_table(tmp_path / "out" / f"{name}.parquet")
        assert got.to_pylist() == getattr(single, name).to_pylist(), name


def test_connected_components_of_a_long_chain_and_a_star(spark: SparkSession) -> None:
    from tessera.spark._components import connected_components
    import random
    rng = random.Random(7)
    # A chain of 300 vertices under shuffled ids (diameter 299), a star of
    # 50 around 10_000, a lone edge and a loop (no edge between two
    # vertices: no component): each component's label is its smallest
    # vertex.
    chain = rng.sample(range(1, 5000), 300)
    edges = [(chain[k], chain[k + 1]) for k in range(len(chain) - 1)]
    edges += [(10_000, 10_001 + k) for k in range(50)] + [(20_001, 20_000)]
    rng.shuffle(edges)
    want = {v: min(chain) for v in chain}
    want.update({v: 10_000 for v in [10_000] + [10_001 + k for k in range(50)]})
    want.update({20_000: 20_000, 20_001: 20_000})
    df = spark.createDataFrame(edges + [(30_000, 30_000)], "a long, b long").repartition(3)
    for local in (0, 1 << 30):  # in distributed rounds, in one task
        got = {r["v"]: r["label"] for r in connected_components(df, local).collect()}
        assert got == want, local
