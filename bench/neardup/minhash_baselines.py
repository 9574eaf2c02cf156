#!/usr/bin/env python3
"""MinHash LSH near-duplicate baselines (rensa, datasketch) on Reuters-21578.

Runs each library's MinHash LSH over the bodies of Reuters-21578 with the
shingles of gold_pairs.py (the set of lowercased word 5-grams, words =
``re.findall(r"\\w+", text.lower())``), 128 permutations and a 0.5 threshold,
and scores the outcome against the exact gold pairs that gold_pairs.py writes
(``bench/out/reuters-neardup-gold.jsonl``; computed here if absent).

The timed part (``time.perf_counter``, wall clock; CPU time alongside, since
a library may use several threads) is the whole dedup: shingling, signatures,
LSH inserts, one LSH query per document, checking each candidate pair's
estimated Jaccard against the threshold, and grouping the surviving pairs
(union-find). Loading the JSON file and scoring are not timed.

A gold pair is counted as found, at three levels:

* ``candidates``: the LSH query of one document returns the other;
* ``verified``: a candidate pair whose MinHash-estimated Jaccard is >= 0.5
  (what a deduplicator reports as near duplicates of each other);
* ``grouped``: both documents fall in the same connected group of verified
  pairs (what a clustering dedup would merge).

Banding: rensa's RMinHashLSH needs the bands to divide num_perm, so it runs
32 bands x 4 rows (S-curve midpoint (1/32)^(1/4) = 0.42, the divisor closest
to 0.5). datasketch picks its own optimum for 0.5 and 128 permutations,
25 bands x 5 rows (midpoint 0.53). ``--datasketch-bands 32`` runs datasketch
with 32 x 4 as well, for a like-for-like comparison; ``--datasketch-loop``
also runs datasketch with one ``MinHash.update`` call per shingle (the
tutorial pattern) instead of ``MinHash.bulk``.

Bodies with fewer than five words have no shingle; they are in no gold pair
and are left out of both baselines (an empty MinHash collides with every
other empty one).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
WORD = re.compile(r"\w+")
NUM_PERM = 128
THRESHOLD = 0.5


def load_bodies(path: Path) -> list[tuple[str, str]]:
    docs = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                if rec.get("text"):
                    docs.append((str(rec["id"]), rec["text"]))
    return docs


def shingle_list(text: str) -> list[str]:
    words = WORD.findall(text.lower())
    return list({" ".join(words[i : i + 5]) for i in range(len(words) - 4)})


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def finish(cands: set[tuple[int, int]], estimate, n: int) -> tuple[set, set, list[int]]:
    verified = {(a, b) for a, b in cands if estimate(a, b) >= THRESHOLD}
    uf = UnionFind(n)
    for a, b in verified:
        uf.union(a, b)
    return cands, verified, [uf.find(i) for i in range(n)]


def run_rensa(texts: list[str]):
    import rensa

    bands = 32
    sh = [shingle_list(t) for t in texts]
    mh = rensa.RMinHash.from_token_sets(sh, num_perm=NUM_PERM, seed=42)
    lsh = rensa.RMinHashLSH(THRESHOLD, NUM_PERM, bands)
    for i, m in enumerate(mh):
        lsh.insert(i, m)
    cands = set()
    for i, m in enumerate(mh):
        for j in lsh.query(m):
            if j != i:
                cands.add((i, j) if i < j else (j, i))
    return finish(cands, lambda a, b: mh[a].jaccard(mh[b]), len(texts)), f"RMinHash, RMinHashLSH {bands} bands x {NUM_PERM // bands} rows"


def run_datasketch(texts: list[str], bands: int | None, loop: bool = False):
    from datasketch import MinHash, MinHashLSH

    sh = [[s.encode("utf-8") for s in shingle_list(t)] for t in texts]
    if loop:
        # The tutorial pattern: one MinHash per document, update() per shingle.
        mh = []
        for doc in sh:
            m = MinHash(num_perm=NUM_PERM)
            for s in doc:
                m.update(s)
            mh.append(m)
    else:
        mh = MinHash.bulk(sh, num_perm=NUM_PERM)
    params = (bands, NUM_PERM // bands) if bands else None
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, params=params)
    for i, m in enumerate(mh):
        lsh.insert(i, m)
    cands = set()
    for i, m in enumerate(mh):
        for j in lsh.query(m):
            if j != i:
                cands.add((i, j) if i < j else (j, i))
    b, r = lsh.b, lsh.r
    how = "MinHash.update per shingle" if loop else "MinHash.bulk"
    return finish(cands, lambda a, c: mh[a].jaccard(mh[c]), len(texts)), f"{how}, MinHashLSH {b} bands x {r} rows"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"), help="shared data directory (default ../shared/data)")
    ap.add_argument("--gold", default=str(REPO / "bench" / "out" / "reuters-neardup-gold.jsonl"))
    ap.add_argument("--only", choices=["rensa", "datasketch"], help="run one library")
    ap.add_argument("--datasketch-bands", type=int, help="also run datasketch with this many bands (e.g. 32, as rensa)")
    ap.add_argument("--datasketch-loop", action="store_true", help="also run datasketch with one update() call per shingle instead of MinHash.bulk")
    args = ap.parse_args()

    path = Path(args.data) / "reuters21578" / "reuters21578.jsonl"
    if not path.is_file():
        print(f"minhash_baselines.py: {path} not found (set --data)", file=sys.stderr)
        return 1
    gold_path = Path(args.gold)
    if not gold_path.is_file():
        print(f"{gold_path} missing: running gold_pairs.py", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "gold_pairs.py"), "--data", args.data, "--out", str(gold_path)], check=True)

    docs = load_bodies(path)
    kept = [(i, t) for i, t in docs if len(WORD.findall(t)) >= 5]
    ids = [i for i, _ in kept]
    texts = [t for _, t in kept]
    pos = {d: k for k, d in enumerate(ids)}
    gold = []
    with gold_path.open(encoding="utf-8") as f:
        for line in f:
            g = json.loads(line)
            a, b = pos[g["a"]], pos[g["b"]]
            gold.append((min(a, b), max(a, b)))
    print(f"bodies: {len(docs)} ({len(docs) - len(kept)} with fewer than 5 words left out); gold pairs: {len(gold)}")
    print(f"shingles: word 5-grams; num_perm {NUM_PERM}; threshold {THRESHOLD}")

    runs = []
    if args.only in (None, "rensa"):
        runs.append(("rensa", lambda: run_rensa(texts)))
    if args.only in (None, "datasketch"):
        runs.append(("datasketch", lambda: run_datasketch(texts, None)))
        if args.datasketch_bands:
            runs.append((f"datasketch ({args.datasketch_bands} bands)", lambda: run_datasketch(texts, args.datasketch_bands)))
        if args.datasketch_loop:
            runs.append(("datasketch (update loop)", lambda: run_datasketch(texts, None, loop=True)))

    for name, fn in runs:
        w0, c0 = time.perf_counter(), time.process_time()
        (cands, verified, group), how = fn()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        n = len(gold)
        found_c = sum(p in cands for p in gold)
        found_v = sum(p in verified for p in gold)
        found_g = sum(group[a] == group[b] for a, b in gold)
        gold_set = set(gold)
        print(f"\n{name}: {how}")
        print(f"  wall {wall:.2f} s, CPU {cpu:.2f} s")
        print(f"  candidate pairs {len(cands)}: {found_c}/{n} gold pairs ({100 * found_c / n:.1f}%)")
        print(f"  verified pairs {len(verified)} (est. Jaccard >= {THRESHOLD}): {found_v}/{n} gold pairs ({100 * found_v / n:.1f}%), "
              f"{len(verified - gold_set)} verified pairs not gold")
        print(f"  grouped (union of verified pairs): {found_g}/{n} gold pairs ({100 * found_g / n:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
