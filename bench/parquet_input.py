#!/usr/bin/env python3
"""Parquet input with bounded memory: a benchmark script, not a test.

Writes a corpus of Reuters-21578 bodies repeated until it holds --mb
megabytes of text (every copy its own id and a line naming the copy), as
Parquet (zstd, row groups of 10,000 rows) and as the same records in JSON
Lines, then runs `tessera dedup` and `tessera index add` on each under
one `--memory` budget, recording wall time, peak RSS (GNU time) and the
segments the index was written in. Parquet is read 256 rows at a time and
the index writer writes a segment out when it reaches the budget: peak
memory should grow far slower than the file, and Parquet should stay near
JSON Lines.

    python3 bench/parquet_input.py --bin target/release/tessera --mb 100 300 600
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


def segments(idx: str) -> int:
    with open(os.path.join(idx, "MANIFEST"), "rb") as f:
        body = f.read()
    return body.count(b".tseg")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/tessera")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--mb", type=int, nargs="+", default=[100, 300, 600],
                    help="megabytes of text, one corpus each")
    ap.add_argument("--memory", default="64MiB", help="the --memory budget of both commands")
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="tessera-parquet-")
    os.makedirs(work, exist_ok=True)
    print(f"| text | records | Parquet file | run (`--memory {a.memory}`) | input | wall | peak RSS | segments |")
    print("|---|---|---|---|---|---|---|---|")
    for mb in a.mb:
        pq_path = os.path.join(work, "corpus.parquet")
        jsonl_path = os.path.join(work, "corpus.jsonl")
        rows, size = corpus(a.data, mb, pq_path, jsonl_path)
        pq_mib = os.path.getsize(pq_path) / 2**20
        for name, path in (("Parquet", pq_path), ("JSON Lines", jsonl_path)):
            out = os.path.join(work, "kept.jsonl")
            secs, rss = timed([a.bin, "-q", "dedup", path, "--memory", a.memory, "--out", out])
            print(f"| {size / 1e6:,.0f} MB | {rows:,} | {pq_mib:,.0f} MiB | `dedup` | {name} "
                  f"| {secs:.1f} s | {rss:,.0f} MiB | |", flush=True)
            idx = os.path.join(work, "idx-" + name.replace(" ", ""))
            secs, rss = timed([a.bin, "-q", "index", "add", path, "--index", idx,
                               "--memory", a.memory])
            print(f"| {size / 1e6:,.0f} MB | {rows:,} | {pq_mib:,.0f} MiB | `index add` | {name} "
                  f"| {secs:.1f} s | {rss:,.0f} MiB | {segments(idx)} |", flush=True)
            subprocess.run(["rm", "-rf", idx, out])
        os.remove(pq_path)
        os.remove(jsonl_path)


if __name__ == "__main__":
    main()
