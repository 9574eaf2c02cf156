#!/usr/bin/env python3
"""Prints the figures of one size of bench/scale.sh.

    python3 bench/scale_report.py DIR ARTICLES

DIR holds corpus.jsonl, index/, out/ (a scan's output) and the index.json
and scan.json that bench/measure.py wrote. Standard library only.
"""

import json
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    d, n = sys.argv[1], int(sys.argv[2])
    size = os.path.getsize(f"{d}/corpus.jsonl")
    index_bytes = sum(e.stat().st_size for e in os.scandir(f"{d}/index"))
    i = json.load(open(f"{d}/index.json"))
    c = json.load(open(f"{d}/scan.json"))
    s = json.load(open(f"{d}/out/summary.json"))
    gib = 2**30
    print(f"== {n} articles, {size / 1e9:.2f} GB of JSON Lines; index {index_bytes / gib:.2f} GiB on disk")
    for name, m in (("index add", i), ("scan", c)):
        print(f"{name:10s} {m['wall_s']:8.1f} s wall {m['cpu_s']:8.1f} s CPU   peak RSS {m['peak_rss_bytes'] / gib:5.2f} GiB"
              f" (anonymous {m['peak_anon_bytes'] / gib:5.2f} GiB, mapped files {m['peak_file_bytes'] / gib:5.2f} GiB)")
    total = i["wall_s"] + c["wall_s"]
    print(f"total      {total:8.1f} s wall ({total / 60:.1f} min), {n / total:.0f} articles/s, {size / 1e6 / total:.1f} MB/s")
    print("scan stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in s["seconds"].items()))
    print(f"near-duplicate clusters {s['neardup_clusters']} ({s['neardup_documents']} documents); "
          f"candidates aligned {s['candidates_aligned']}; pairs {s['pairs']}; reuse clusters {s['reuse_clusters']} "
          f"({s['boilerplate_clusters']} boilerplate); candidate table {s.get('table_fingerprints', 0)} fingerprints, "
          f"{s.get('table_bytes', 0) / gib * 1024:.0f} MiB; spilled runs {s['spilled_runs']}")


if __name__ == "__main__":
    main()
