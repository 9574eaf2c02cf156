#!/usr/bin/env python3
"""Parquet input with bounded memory: a benchmark script, not a test.

Writes a corpus of Reuters-21578 bodies repeated until it holds --mb
megabytes of text (every copy its own id and a line naming the copy), as
Parquet (zstd, row groups of 10,000 rows) and as the same records in JSON
Lines, then runs `tessera dedup --memory 64MiB` and `tessera index add` on
each, recording wall time and peak RSS (GNU time). Parquet is read 256 rows
at a time: its peak memory should not grow with the file, and should stay
near the JSON Lines run's.

    python3 bench/parquet_input.py --bin target/release/tessera --mb 600
Needs pyarrow.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.parquet as pq


def corpus(data: str, mb: int, pq_path: str, jsonl_path: str) -> tuple[int, int]:
    with open(os.path.join(data, "reuters21578", "reuters21578.jsonl"), encoding="utf-8") as f:
        base = [json.loads(l) for l in f if l.strip()]
    base = [r for r in base if r.get("text")]
    target = mb * 1_000_000
    rows, size, copy = 0, 0, 0
    schema = pa.schema([("id", pa.string()), ("title", pa.string()), ("date", pa.string()),
                        ("text", pa.string())])
    with pq.ParquetWriter(pq_path, schema, compression="zstd") as w, \
            open(jsonl_path, "w", encoding="utf-8") as j:
        while size < target:
            batch = []
            for r in base:
                text = f"Copy {copy} of story {r['id']}.\n{r['text']}"
                rec = {"id": f"{copy}-{r['id']}", "title": r.get("title"),
                       "date": r.get("date"), "text": text}
                batch.append(rec)
                j.write(json.dumps(rec) + "\n")
                size += len(text.encode())
            w.write_table(pa.Table.from_pylist(batch, schema=schema), row_group_size=10_000)
            rows += len(batch)
            copy += 1
    return rows, size


def timed(cmd: list[str]) -> tuple[float, float]:
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    if p.returncode not in (0, 3):
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    h, m, s = wall.groups()
    secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return secs, rss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/tessera")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--mb", type=int, default=600, help="megabytes of text")
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="tessera-parquet-")
    os.makedirs(work, exist_ok=True)
    pq_path = os.path.join(work, "corpus.parquet")
    jsonl_path = os.path.join(work, "corpus.jsonl")
    rows, size = corpus(a.data, a.mb, pq_path, jsonl_path)
    print(f"{rows:,} records, {size / 1e6:,.0f} MB of text; "
          f"Parquet {os.path.getsize(pq_path) / 2**20:,.0f} MiB, "
          f"JSON Lines {os.path.getsize(jsonl_path) / 2**20:,.0f} MiB")
    print("| run | input | wall | peak RSS |\n|---|---|---|---|")
    for name, path in (("Parquet", pq_path), ("JSON Lines", jsonl_path)):
        out = os.path.join(work, "kept.jsonl")
        secs, rss = timed([a.bin, "-q", "dedup", path, "--memory", "64MiB", "--out", out])
        print(f"| `dedup --memory 64MiB` | {name} | {secs:.1f} s | {rss:,.0f} MiB |")
        idx = os.path.join(work, "idx-" + name.replace(" ", ""))
        secs, rss = timed([a.bin, "-q", "index", "add", path, "--index", idx])
        print(f"| `index add` | {name} | {secs:.1f} s | {rss:,.0f} MiB |")
        subprocess.run(["rm", "-rf", idx, out])


if __name__ == "__main__":
    main()
