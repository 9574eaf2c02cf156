#!/usr/bin/env python3
"""Exact near-duplicate gold pairs of the Reuters-21578 bodies.

Definition (the one the shared data's README states, 796 pairs):

* documents: the records of ``reuters21578/reuters21578.jsonl`` whose ``text``
  is not empty (19,043 of 21,578);
* words: ``re.findall(r"\\w+", text.lower())`` (Unicode ``\\w``);
* shingles: the *set* of word 5-grams (consecutive 5-word tuples); a body of
  fewer than five words has no shingle and takes part in no pair;
* a pair is a near duplicate when the Jaccard similarity of the two shingle
  sets is >= the threshold (0.5).

The search is exact, not approximate. Shingles are hashed (64-bit blake2b) into
an inverted index, and candidate pairs are enumerated with the prefix filter
of AllPairs (Bayardo et al., 2007): order the hashes of every document by
ascending document frequency; if J(x, y) >= t then |x & y| >= t * max(|x|,
|y|), so the first |x| - ceil(t*|x|) + 1 hashes of x and the first
|y| - ceil(t*|y|) + 1 hashes of y share at least one hash. Only documents
sharing a prefix hash (and passing the length filter t*|x| <= |y| <= |x|/t)
are candidates; their Jaccard is then computed exactly on the shingle tuples
themselves, so a hash collision can add a candidate but never a false pair.
``--check`` also enumerates every pair sharing any hash (no prefix filter) and
asserts that both ways give the same pairs.

Writes one JSON object per pair, ``{"a": ID, "b": ID, "jaccard": x}`` with the
ids as strings and a < b in string order, sorted by (a, b), to
``bench/out/reuters-neardup-gold.jsonl`` (``--out``), and prints the counts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
WORD = re.compile(r"\w+")


def load_bodies(path: Path) -> list[tuple[str, str]]:
    """(id as string, text) of every record with a non-empty text, in file order."""
    docs = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            text = rec.get("text") or ""
            if text:
                docs.append((str(rec["id"]), text))
    return docs


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def h64(shingle: tuple[str, ...]) -> int:
    # Stable across runs (Python's hash() of str is salted per process).
    return int.from_bytes(hashlib.blake2b(" ".join(shingle).encode(), digest_size=8).digest(), "little")


def jaccard(x: set, y: set) -> float:
    inter = len(x & y)
    return inter / (len(x) + len(y) - inter)


def candidates_prefix(hsets: list[list[int]], t: float) -> set[tuple[int, int]]:
    df: dict[int, int] = defaultdict(int)
    for hs in hsets:
        for h in hs:
            df[h] += 1
    index: dict[int, list[int]] = defaultdict(list)
    pairs: set[tuple[int, int]] = set()
    # Visit documents by increasing size so the length filter only has to
    # look one way: an earlier (smaller or equal) y must have |y| >= t*|x|.
    order = sorted(range(len(hsets)), key=lambda d: len(hsets[d]))
    for d in order:
        hs = hsets[d]
        if not hs:
            continue
        ranked = sorted(hs, key=lambda h: (df[h], h))
        prefix = ranked[: len(ranked) - math.ceil(t * len(ranked)) + 1]
        min_len = t * len(hs)
        for h in prefix:
            for e in index[h]:
                if len(hsets[e]) >= min_len:
                    pairs.add((e, d) if e < d else (d, e))
            index[h].append(d)
    return pairs


def candidates_all(hsets: list[list[int]]) -> set[tuple[int, int]]:
    index: dict[int, list[int]] = defaultdict(list)
    for d, hs in enumerate(hsets):
        for h in hs:
            index[h].append(d)
    pairs: set[tuple[int, int]] = set()
    for docs in index.values():
        for i, a in enumerate(docs):
            for b in docs[i + 1 :]:
                pairs.add((a, b))
    return pairs


def gold_pairs(docs: list[tuple[str, str]], t: float, check: bool = False) -> list[tuple[str, str, float]]:
    sets = [shingles(text) for _, text in docs]
    hsets = [sorted({h64(s) for s in sh}) for sh in sets]
    cands = candidates_prefix(hsets, t)
    found = {(a, b) for a, b in cands if jaccard(sets[a], sets[b]) >= t}
    if check:
        every = {(a, b) for a, b in candidates_all(hsets) if jaccard(sets[a], sets[b]) >= t}
        assert every == found, f"prefix filter missed {len(every - found)} pairs"
        print(f"check: {len(every)} pairs without the prefix filter, identical", file=sys.stderr)
    out = []
    for a, b in found:
        ia, ib = docs[a][0], docs[b][0]
        if ib < ia:
            ia, ib = ib, ia
        out.append((ia, ib, jaccard(sets[a], sets[b])))
    out.sort()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"), help="shared data directory (default ../shared/data)")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--out", default=str(REPO / "bench" / "out" / "reuters-neardup-gold.jsonl"))
    ap.add_argument("--check", action="store_true", help="also enumerate all pairs sharing a shingle and compare")
    args = ap.parse_args()

    path = Path(args.data) / "reuters21578" / "reuters21578.jsonl"
    if not path.is_file():
        print(f"gold_pairs.py: {path} not found (set --data)", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    docs = load_bodies(path)
    pairs = gold_pairs(docs, args.threshold, args.check)
    elapsed = time.perf_counter() - t0

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for a, b, j in pairs:
            f.write(json.dumps({"a": a, "b": b, "jaccard": round(j, 6)}) + "\n")

    in_pairs = {d for a, b, _ in pairs for d in (a, b)}
    print(f"bodies: {len(docs)}")
    print(f"pairs with Jaccard >= {args.threshold}: {len(pairs)}")
    print(f"pairs with Jaccard >= 0.9: {sum(j >= 0.9 for _, _, j in pairs)}")
    print(f"pairs with Jaccard == 1.0: {sum(j == 1.0 for _, _, j in pairs)}")
    print(f"documents in a pair: {len(in_pairs)}")
    print(f"wrote {out} ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
