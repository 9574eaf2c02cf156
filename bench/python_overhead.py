#!/usr/bin/env python3
"""The Python package's overhead against the CLI, on the same machine, in the same session.

    bench/python.sh                      # builds both in release, then runs this
    python bench/python_overhead.py --bin target/release/tessera [--data ../shared/data] [--runs 5]

Two figures, medians of --runs runs, the CLI and Python runs interleaved:

* tracing the 600 reuse-dev queries against an index of its 4,000 sources:
  `tessera trace --jsonl queries.jsonl --format jsonl` (the whole process)
  against `Index.trace_many` (reading queries.jsonl with `json`, the trace
  and the pyarrow Table of detections, in a fresh interpreter whose imports
  are not counted);
* indexing Reuters-21578 (19,043 non-empty bodies) into a new index:
  `tessera index add reuters21578.jsonl` (the whole process, JSON parsing
  included) against `Index.add` of a pyarrow Table already in memory.

Run it with the interpreter of the virtual environment the package is
installed in. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRACE = """
import json, sys, time, tessera
index, queries = sys.argv[1], sys.argv[2]
start = time.perf_counter()
idx = tessera.Index(index, create=False)
with open(queries, encoding="utf-8") as f:
    qs = [json.loads(line) for line in f if line.strip()]
table = idx.trace_many(qs, progress=False)
print(time.perf_counter() - start, table.num_rows)
"""

ADD = """
import json, sys, time, pyarrow as pa, tessera
corpus, index = sys.argv[1], sys.argv[2]
with open(corpus, encoding="utf-8") as f:
    table = pa.Table.from_pylist([json.loads(line) for line in f if line.strip()])
start = time.perf_counter()
res = tessera.Index(index).add(table, progress=False)
print(time.perf_counter() - start, res.added)
"""


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = time.perf_counter() - start
    if p.returncode not in (0, 3):  # 3: done, but records were skipped (the empty bodies)
        sys.exit(f"{' '.join(cmd)} exited {p.returncode}")
    return took


def python(code: str, *args: str) -> tuple[float, int]:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), int(out[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    dev = Path(a.data) / "reuse-dev"
    reuters = Path(a.data) / "reuters21578" / "reuters21578.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        idx = str(Path(tmp) / "dev.idx")
        subprocess.run([a.bin, "-q", "index", "add", str(dev / "sources.jsonl"), "--index", idx],
                       check=True)
        cli_t, py_t, cli_a, py_a = [], [], [], []
        for k in range(a.runs):
            cli_t.append(wall([a.bin, "-q", "trace", "--jsonl", str(dev / "queries.jsonl"),
                               "--index", idx, "--format", "jsonl"]))
            secs, rows = python(TRACE, idx, str(dev / "queries.jsonl"))
            py_t.append(secs)
            cli_a.append(wall([a.bin, "-q", "index", "add", str(reuters), "--index",
                               str(Path(tmp) / f"cli-{k}.idx")]))
            secs, added = python(ADD, str(reuters), str(Path(tmp) / f"py-{k}.idx"))
            py_a.append(secs)
    rows_out = [
        ("trace 600 reuse-dev queries", statistics.median(cli_t), statistics.median(py_t)),
        (f"index Reuters-21578 ({added:,} bodies)", statistics.median(cli_a),
         statistics.median(py_a)),
    ]
    print(f"| medians of {a.runs} runs | CLI | Python | Python / CLI |")
    print("|---|---|---|---|")
    for name, c, p in rows_out:
        print(f"| {name} | {c:.3f} s | {p:.3f} s | {p / c:.2f} |")
    print(f"\n({rows} detections; all runs: CLI trace {cli_t}, Python trace {py_t}, "
          f"CLI add {cli_a}, Python add {py_a})", file=sys.stderr)


if __name__ == "__main__":
    main()
