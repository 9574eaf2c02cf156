#!/usr/bin/env python3
"""The scan on Spark at scale: a tessera-gen corpus (100k articles by
default) scanned by the Spark job and by `tessera scan` on the same machine,
with the job's wall time per stage, shuffle bytes per stage and peak memory
of the driver and the executors.

    cargo build --release -p tessera-cli -p tessera-gen
    (cd bindings/python && ../../.venv/bin/maturin develop --release)
    .venv/bin/python bench/spark_scale.py --bin target/release/tessera \\
        --gen target/release/tessera-gen [--articles 100000] [--master 'local[2]'] \\
        [--driver-memory 6g] [--work DIR] [--data ../shared/data]

The job runs in a fresh interpreter with Spark's event log on; the stages
are the job descriptions the scan sets (``tessera scan: 4 candidates``...),
and for each the script sums, over the Spark stages its jobs ran, the
shuffle bytes written and read, the input read and the executors' run time.
Memory is sampled every 0.5 s from /proc: the driver's Python process, the
JVM (in local mode the driver and the executors share it) and the Python
workers that run the Rust stages (summed over all of them alive at once).
Then the agreement of the Spark job's pairs with the single machine's.
Prints Markdown. Linux only; needs pyarrow.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from spark_scan import PAIR_KEY  # beside this file

JOB = """
import json, sys, time
import tessera.spark
from pyspark.sql import SparkSession
b = (SparkSession.builder.appName("tessera scan").master(sys.argv[3])
     .config("spark.driver.memory", sys.argv[4])
     .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
     .config("spark.ui.enabled", "false")
     .config("spark.eventLog.enabled", "true").config("spark.eventLog.dir", sys.argv[5])
     .config("spark.eventLog.compress", "false").config("spark.eventLog.rolling.enabled", "false"))
spark = b.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
start = time.perf_counter()
r = tessera.spark.scan(spark.read.json(sys.argv[1]), out=sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - start, **r.summary}))
spark.stop()
"""


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command name) of every process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        name = s[s.index("(") + 1:s.rindex(")")]
        ppid = int(s[s.rindex(")") + 2:].split()[1])
        out[int(d)] = (ppid, name)
    return out


class Sampler(threading.Thread):
    """Peak RSS of the driver (the process started), the JVMs below it and
    the Python processes below the JVMs (the workers), every 0.5 s."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak = {"driver": 0, "jvm": 0, "workers": 0, "total": 0}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            procs = processes()
            children = collections.defaultdict(list)
            for pid, (ppid, _) in procs.items():
                children[ppid].append(pid)
            now = {"driver": rss_kib(self.root), "jvm": 0, "workers": 0}
            stack = [(c, False) for c in children[self.root]]
            while stack:
                pid, under_jvm = stack.pop()
                name = procs.get(pid, (0, ""))[1]
                if name == "java":
                    now["jvm"] += rss_kib(pid)
                    under_jvm = True
                elif under_jvm:
                    now["workers"] += rss_kib(pid)
                stack.extend((c, under_jvm) for c in children[pid])
            now["total"] = sum(now.values())
            for k, v in now.items():
                self.peak[k] = max(self.peak[k], v)


def stages(event_log: Path) -> dict[str, dict[str, float]]:
    """Per scan stage (job description): Spark stages, wall seconds (first
    submission to last completion), shuffle bytes written and read, input
    bytes, executor run time."""
    stage_of: dict[int, str] = {}
    per: dict[str, dict[str, float]] = collections.defaultdict(lambda: collections.defaultdict(float))
    span: dict[str, list[float]] = {}
    with open(event_log, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            kind = e.get("Event")
            if kind == "SparkListenerJobStart":
                desc = (e.get("Properties") or {}).get("spark.job.description") or "(other)"
                desc = desc.removeprefix("tessera scan: ")
                for sid in e["Stage IDs"]:
                    stage_of[sid] = desc
            elif kind == "SparkListenerStageCompleted":
                info = e["Stage Info"]
                name = stage_of.get(info["Stage ID"], "(other)")
                acc = {a["Name"]: a.get("Value") for a in info.get("Accumulables", [])}
                p = per[name]
                p["spark stages"] += 1
                p["shuffle write"] += float(acc.get("internal.metrics.shuffle.write.bytesWritten") or 0)
                p["shuffle read"] += (float(acc.get("internal.metrics.shuffle.read.localBytesRead") or 0)
                                      + float(acc.get("internal.metrics.shuffle.read.remoteBytesRead") or 0))
                p["input"] += float(acc.get("internal.metrics.input.bytesRead") or 0)
                p["run time"] += float(acc.get("internal.metrics.executorRunTime") or 0) / 1000
                t0, t1 = info.get("Submission Time"), info.get("Completion Time")
                if t0 and t1:
                    s = span.setdefault(name, [t0, t1])
                    s[0], s[1] = min(s[0], t0), max(s[1], t1)
    for name, (t0, t1) in span.items():
        per[name]["wall"] = (t1 - t0) / 1000
    return per


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, dict[str, int], str]:
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    s = Sampler(p.pid)
    s.start()
    out, err = p.communicate()
    took = time.perf_counter() - start
    s.stop.set()
    s.join()
    if p.returncode not in (0, 3):  # 3: done, records skipped
        sys.exit(f"{' '.join(cmd[:3])} exited {p.returncode}: {err[-3000:]}")
    return took, s.peak, out


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="the tessera binary (a release build)")
    ap.add_argument("--gen", required=True, help="the tessera-gen binary")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="6g")
    ap.add_argument("--corpus", help="scan this JSON Lines file instead of a generated corpus")
    ap.add_argument("--work", help="folder for the corpus and outputs (default: a temporary one)")
    a = ap.parse_args()

    import pyarrow.parquet as pq

    tmp = None if a.work else tempfile.TemporaryDirectory(prefix="tessera-spark-scale-")
    work = Path(a.work or tmp.name)  # type: ignore[union-attr]
    work.mkdir(parents=True, exist_ok=True)
    corpus = Path(a.corpus) if a.corpus else work / f"corpus{a.articles}.jsonl"
    if not corpus.exists():
        subprocess.run([a.gen, "--reuters", str(Path(a.data) / "reuters21578" / "reuters21578.jsonl"),
                        "--articles", str(a.articles), "--seed", "42", "--scramble", "0.35",
                        "--out", str(corpus), "--truth", str(work / "truth.jsonl"),
                        "--clusters", str(work / "clusters.jsonl"), "-q"], check=True)
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
    single_out, spark_out, events = work / "single", work / "spark", work / "events"
    for d in (single_out, spark_out, events):
        subprocess.run(["rm", "-rf", str(d)], check=True)
    events.mkdir()

    s_wall, s_peak, _ = measured([a.bin, "-q", "scan", str(corpus), "--out", str(single_out)], env)
    print(f"single machine: {s_wall:.1f} s", file=sys.stderr)
    j_wall, j_peak, out = measured([sys.executable, "-c", JOB, str(corpus), str(spark_out), a.master,
                                    a.driver_memory, str(events)], env)
    summary = json.loads(out.strip().splitlines()[-1])
    print(f"spark: {j_wall:.1f} s", file=sys.stderr)
    per = stages(Path(glob.glob(str(events / "*"))[0]))

    key = lambda r: tuple(r[c] for c in PAIR_KEY)  # noqa: E731
    want = {key(r) for r in pq.read_table(single_out / "pairs.parquet").to_pylist()}
    got = {key(r) for r in pq.read_table(spark_out / "pairs.parquet").to_pylist()}
    size = corpus.stat().st_size

    what = corpus.name if a.corpus else f"tessera-gen corpus of {a.articles:,} articles"
    print(f"{what} ({size / 1e6:,.0f} MB of JSON Lines, "
          f"{summary['documents']:,} with text), Spark master {a.master}, "
          f"driver memory {a.driver_memory}\n")
    print("| run | wall s | peak RSS MiB |")
    print("|---|---:|---:|")
    print(f"| `tessera scan` (single machine, indexing included) | {s_wall:,.0f} | {mib(s_peak['total'])} |")
    print(f"| `tessera.spark.scan` (whole process, JVM start included) | {j_wall:,.0f} "
          f"| {mib(j_peak['total'])} (driver Python {mib(j_peak['driver'])}, "
          f"JVM {mib(j_peak['jvm'])}, Python workers {mib(j_peak['workers'])}) |")
    print(f"| of which the scan (session up) | {summary['seconds']:,.0f} | |")
    print("\n| stage | Spark stages | wall s | executor run s | input MB | shuffle write MB | shuffle read MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in sorted(per):
        p = per[name]
        print(f"| {name} | {p['spark stages']:.0f} | {p.get('wall', 0):,.1f} | {p['run time']:,.1f} "
              f"| {p['input'] / 1e6:,.1f} | {p['shuffle write'] / 1e6:,.1f} | {p['shuffle read'] / 1e6:,.1f} |")
    tot = {k: sum(p[k] for p in per.values()) for k in ("shuffle write", "shuffle read", "run time")}
    print(f"| all | | | {tot['run time']:,.1f} | | {tot['shuffle write'] / 1e6:,.1f} "
          f"| {tot['shuffle read'] / 1e6:,.1f} |")
    print(f"\npairs: single machine {len(want):,}, Spark {len(got):,}, in both {len(want & got):,} "
          f"({100 * len(want & got) / max(len(want), 1):.2f}% of the single machine's)")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
