#!/usr/bin/env python3
"""The scan on Spark against the single-machine scan, on the same machine,
in the same session.

    cargo build --release -p tessera-cli
    (cd bindings/python && ../../.venv/bin/maturin develop --release)
    .venv/bin/python bench/spark_scan.py --bin target/release/tessera \\
        [--data ../shared/data] [--runs 3] [--master 'local[2]'] [--limit N]

On Reuters-21578 (or its first --limit records), medians of --runs runs,
the two interleaved:

* ``tessera scan reuters21578.jsonl --out DIR``: the whole process, from
  JSON Lines to the six tables (indexing included);
* ``python -m tessera.spark scan reuters21578.jsonl --out DIR --master M``:
  the whole process too (the JVM's start included), and the scan alone as
  the job reports it (from reading the input to the tables written, the
  session already up).

Then the agreement of the last runs' pairs (offsets and kind) and of every
table's rows. Run it with the interpreter of the virtual environment the
package is installed in (release build). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TABLES = ("pairs", "reuse_clusters", "neardup_clusters", "copy_graph", "spin_patterns",
          "spin_scores")
PAIR_KEY = ("query_id", "source_id", "query_offset", "query_length", "source_offset",
            "source_length", "kind")

#: The Spark job in a fresh interpreter: the whole process is timed from
#: outside, the scan alone from inside (after the session started).
JOB = """
import json, sys, time
import tessera.spark
spark = tessera.spark.session(sys.argv[3])
spark.sparkContext.setLogLevel("ERROR")
start = time.perf_counter()
r = tessera.spark.scan(spark.read.json(sys.argv[1]), out=sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - start, **r.summary}))
spark.stop()
"""


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    took = time.perf_counter() - start
    if p.returncode not in (0, 3):  # 3: done, but records were skipped (the empty bodies)
        sys.exit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[-2000:]}")
    return took, p.stdout


def rows(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq
    return list(pq.read_table(path).to_pylist())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="the tessera binary (a release build)")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--limit", type=int, help="only the first N records")
    a = ap.parse_args()

    corpus = Path(a.data) / "reuters21578" / "reuters21578.jsonl"
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
    with tempfile.TemporaryDirectory(prefix="tessera-spark-bench-") as tmp:
        work = Path(tmp)
        if a.limit:
            sample = work / "sample.jsonl"
            with open(corpus, encoding="utf-8") as f, open(sample, "w", encoding="utf-8") as w:
                for k, line in enumerate(f):
                    if k >= a.limit:
                        break
                    w.write(line)
            corpus = sample
        single: list[float] = []
        spark_wall: list[float] = []
        spark_scan: list[float] = []
        summary: dict[str, Any] = {}
        for k in range(a.runs):
            s_out, p_out = work / f"single{k}", work / f"spark{k}"
            took, _ = run([a.bin, "-q", "scan", str(corpus), "--out", str(s_out)], env)
            single.append(took)
            took, out = run([sys.executable, "-c", JOB, str(corpus), str(p_out), a.master], env)
            spark_wall.append(took)
            summary = json.loads(out.strip().splitlines()[-1])
            spark_scan.append(summary["seconds"])
            print(f"run {k + 1}: single {single[-1]:.1f} s, spark {spark_wall[-1]:.1f} s "
                  f"(scan {spark_scan[-1]:.1f} s)", file=sys.stderr)

        last = a.runs - 1
        want = rows(work / f"single{last}" / "pairs.parquet")
        got = rows(work / f"spark{last}" / "pairs.parquet")
        wk = {tuple(r[c] for c in PAIR_KEY) for r in want}
        gk = {tuple(r[c] for c in PAIR_KEY) for r in got}
        same = {t: rows(work / f"single{last}" / f"{t}.parquet")
                == rows(work / f"spark{last}" / f"{t}.parquet") for t in TABLES}

    s, w, j = (statistics.median(x) for x in (single, spark_wall, spark_scan))
    print(f"Reuters-21578 ({summary['documents']:,} documents with text), "
          f"Spark master {a.master}, medians of {a.runs} runs\n")
    print("| | seconds | / single machine |")
    print("|---|---:|---:|")
    print(f"| `tessera scan` (whole process, indexing included) | {s:.1f} | 1.0 |")
    print(f"| `tessera.spark.scan` (the job, session up) | {j:.1f} | {j / s:.1f} |")
    print(f"| `python -m tessera.spark scan` (whole process, JVM start included) "
          f"| {w:.1f} | {w / s:.1f} |")
    print(f"\npairs: single machine {len(wk):,}, Spark {len(gk):,}, "
          f"in both {len(wk & gk):,} ({100 * len(wk & gk) / max(len(wk), 1):.2f}% "
          "of the single machine's)")
    print("tables with identical rows: "
          + ", ".join(f"{t} {'yes' if ok else 'NO'}" for t, ok in same.items()))


if __name__ == "__main__":
    main()
