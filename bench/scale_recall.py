#!/usr/bin/env python3
"""Recall of a tessera-gen corpus's truth in a `tessera scan` output.

    python3 bench/scale_recall.py TRUTH.jsonl SCAN_OUT_DIR

A reused passage of the truth (query document, query span, source document)
counts as found when a scan pair links the query document's overlapping span
with the truth's source, or with a member of the source's near-duplicate
cluster (a syndicated copy is seen through its cluster's representative: a farm
that stitched from the copy is paired with the original). A syndication truth
line also counts as found when both documents are in one near-duplicate
cluster. Prints one line per kind and the pairs the scan reported, with how
many of them link documents that the truth also links. Standard library only.
"""

import collections
import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    truth_path, out = sys.argv[1], sys.argv[2]
    cluster = {}
    with open(f"{out}/neardup_clusters.jsonl", encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            for m in c["members"]:
                cluster[m["id"]] = c["cluster_id"]
    by_query = collections.defaultdict(list)
    pairs = 0
    with open(f"{out}/pairs.jsonl", encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            pairs += 1
            by_query[p["query_id"]].append((p["query_offset"], p["query_offset"] + p["query_length"], p["source_id"]))
    found = collections.Counter()
    total = collections.Counter()
    linked = set()
    with open(truth_path, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            kind, q, s = t["kind"], t["query_id"], t["source_id"]
            linked.add((q, s))
            total[kind] += 1
            a, b = t["query_offset"], t["query_offset"] + t["query_length"]
            sc = cluster.get(s)
            hit = any(x < b and a < y and (src == s or (sc is not None and cluster.get(src) == sc))
                      for x, y, src in by_query.get(q, ()))
            if not hit and kind == "syndication" and sc is not None and cluster.get(q) == sc:
                hit = True
            found[kind] += hit
    for k in sorted(total):
        print(f"{k:12s} {found[k]:9d} / {total[k]:9d}  recall {found[k] / max(1, total[k]):.4f}")
    n, d = sum(found.values()), sum(total.values())
    print(f"{'all':12s} {n:9d} / {d:9d}  recall {n / max(1, d):.4f}")
    in_truth = sum(1 for q, ps in by_query.items() for _, _, s in ps if (q, s) in linked)
    print(f"scan pairs: {pairs}; of them between documents the truth links: {in_truth}")


if __name__ == "__main__":
    main()
