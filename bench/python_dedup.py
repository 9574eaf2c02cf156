#!/usr/bin/env python3
"""Near-duplicates of Reuters-21578 from Python: tessera.dedup against the
MinHash LSH of rensa 0.5 and datasketch 2.0, each through its own Python API.

Each system runs in a fresh child process, so that its peak resident memory
(``ru_maxrss`` of the child) is its own; the parent reads the Reuters bodies
and scores. What is timed, inside the child, after the input is in memory:

* tessera: ``tessera.dedup(table, annotate=True)`` from a pyarrow Table of
  ids and texts: indexing into a temporary index, MinHash signatures of word
  5-grams, banding, exact verification, clusters, and the output table.
* rensa, datasketch: the pipeline of ``bench/neardup/minhash_baselines.py``
  (their own shingling: lowercased word 5-grams, 128 permutations, LSH at
  0.5, verification by estimated Jaccard, union-find groups).

Recall is counted over the 796 gold pairs of ``bench/neardup/gold_pairs.py``
(exact word 5-gram Jaccard >= 0.5): a pair is found when both documents end
in the same group (tessera: the same ``neardup_cluster``).

    bench/neardup/setup.sh           # rensa and datasketch, once
    scripts/test-all.sh              # or any run that creates .venv with tessera
    .venv/bin/python bench/python_dedup.py --runs 3

The interpreter running this script must import tessera; rensa and
datasketch are looked for in bench/neardup/.venv (``--peers-python``).
Nothing here asserts a timing; it only reports (medians of ``--runs``).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "neardup"))


def bodies(data: Path) -> list[tuple[str, str]]:
    import minhash_baselines as mb

    docs = mb.load_bodies(data / "reuters21578" / "reuters21578.jsonl")
    # As the baselines: bodies of fewer than five words have no shingle.
    return [(i, t) for i, t in docs if len(mb.WORD.findall(t)) >= 5]


def child(system: str, data: Path, out: Path) -> None:
    """Runs one system once and writes {seconds, group per document}."""
    docs = bodies(data)
    ids = [i for i, _ in docs]
    texts = [t for _, t in docs]
    if system == "tessera":
        import pyarrow as pa
        import tessera

        table = pa.table({"id": ids, "text": texts})
        t0 = time.perf_counter()
        result = tessera.dedup(table, annotate=True, progress=False)
        seconds = time.perf_counter() - t0
        cluster = dict(zip(result.column("id").to_pylist(), result.column("neardup_cluster").to_pylist()))
        group = [cluster.get(i) if cluster.get(i) is not None else f"solo-{k}" for k, i in enumerate(ids)]
        how = f"tessera {getattr(tessera, '__version__', '?')}: dedup(annotate=True) from a pyarrow Table"
    else:
        import minhash_baselines as mb

        t0 = time.perf_counter()
        (_c, _v, group), how = mb.run_rensa(texts) if system == "rensa" else mb.run_datasketch(texts, None)
        seconds = time.perf_counter() - t0
        how = f"{system}: {how}"
    out.write_text(json.dumps({"seconds": seconds, "group": [str(g) for g in group], "how": how}))


def run_child(python: str, system: str, data: Path, tmp: Path) -> tuple[float, int, list[str], str]:
    out = tmp / f"{system}.json"
    proc = subprocess.Popen([python, __file__, "--child", system, "--data", str(data), "--result", str(out)])
    _, status, usage = __import__("os").wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{system} failed (status {status})")
    r = json.loads(out.read_text())
    return r["seconds"], usage.ru_maxrss, r["group"], r["how"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--gold", default=str(REPO / "bench" / "out" / "reuters-neardup-gold.jsonl"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peers-python", default=str(HERE / "neardup" / ".venv" / "bin" / "python"))
    ap.add_argument("--child", choices=["tessera", "rensa", "datasketch"], help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    data = Path(args.data)
    if args.child:
        child(args.child, data, Path(args.result))
        return 0

    gold_path = Path(args.gold)
    if not gold_path.is_file():
        subprocess.run([sys.executable, str(HERE / "neardup" / "gold_pairs.py"), "--data", str(data),
                        "--out", str(gold_path)], check=True)
    docs = bodies(data)
    pos = {d: k for k, (d, _) in enumerate(docs)}
    gold = []
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        gold.append((pos[g["a"]], pos[g["b"]]))
    print(f"Reuters-21578: {len(docs)} bodies of 5 words or more; {len(gold)} gold pairs (word 5-gram Jaccard >= 0.5)")

    import tempfile

    systems = [("tessera", sys.executable), ("rensa", args.peers_python), ("datasketch", args.peers_python)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, python in systems:
            if not Path(python).exists():
                print(f"{name}: skipped ({python} not found; run bench/neardup/setup.sh)")
                continue
            secs, rss = [], []
            group, how = [], ""
            for _ in range(args.runs):
                s, m, group, how = run_child(python, name, data, Path(tmp))
                secs.append(s)
                rss.append(m)
            found = sum(group[a] == group[b] for a, b in gold)
            rows.append((name, statistics.median(secs), max(rss) / 1024, found, how))
    print(f"\n| system | wall (median of {args.runs}) | peak RSS | gold pairs found |\n|---|---|---|---|")
    for name, s, mib, found, _ in rows:
        print(f"| {name} | {s:.2f} s | {mib:.0f} MiB | {found}/{len(gold)} ({100 * found / len(gold):.1f}%) |")
    for name, _, _, _, how in rows:
        print(f"  {name}: {how}")
    print(f"  (ru_maxrss of each child process, which includes the Python interpreter and the bodies; "
          f"{resource.getpagesize()}-byte pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
