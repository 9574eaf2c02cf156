#!/usr/bin/env python3
"""Evaluation of `tessera scan` on the three corpora of the shared data.

    python3 bench/scan_eval.py [--data ../shared/data] [--bin target/release/tessera] [--work DIR]

1. Reuters-21578: how many of the document pairs whose word 5-gram sets have
   a Jaccard similarity >= 0.5 (bench/out/reuters-neardup-gold.jsonl, made by
   bench/neardup/gold_pairs.py) end up in the same near-duplicate cluster, and
   which pairs the clusters add.
2. Clough-Stevenson: the share of each answer aligned with the source text of
   its task, by category, and the separation of the categories (AUC).
3. reuse-dev: scan over sources and queries; its query-source pairs scored
   with the PAN measures, and agreement with `tessera trace`.

Standard library only. Prints the figures the README quotes.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time


def run(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 3):
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return r, time.perf_counter() - t


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def auc(pos, neg):
    """Probability that a random positive scores above a random negative."""
    wins = 0.0
    for p in pos:
        for n in neg:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(pos) * len(neg)) if pos and neg else float("nan")


def union_len(spans):
    total, end = 0, -1
    for a, b in sorted(spans):
        a = max(a, end)
        if b > a:
            total += b - a
            end = b
    return total


def reuters(args, work):
    print("== Reuters-21578: near-duplicate clusters")
    gold_path = os.path.join(args.repo, "bench/out/reuters-neardup-gold.jsonl")
    if not os.path.exists(gold_path):
        run([sys.executable, os.path.join(args.repo, "bench/neardup/gold_pairs.py"), "--data", args.data])
    gold = jsonl(gold_path)
    out = os.path.join(work, "reuters")
    r, secs = run([args.bin, "scan", os.path.join(args.data, "reuters21578/reuters21578.jsonl"), "--out", out, "-q", *args.scan_args.split()])
    cluster = {}
    members = collections.defaultdict(list)
    for c in jsonl(os.path.join(out, "neardup_clusters.jsonl")):
        for m in c["members"]:
            cluster[m["id"]] = c["cluster_id"]
            members[c["cluster_id"]].append(m["id"])
    covered = [g for g in gold if cluster.get(str(g["a"])) is not None and cluster.get(str(g["a"])) == cluster.get(str(g["b"]))]
    missed = [g for g in gold if g not in covered]
    gold_set = {tuple(sorted((str(g["a"]), str(g["b"])))) for g in gold}
    extra = []
    for ids in members.values():
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                if tuple(sorted((ids[i], ids[j]))) not in gold_set:
                    extra.append(tuple(sorted((ids[i], ids[j]))))
    print(f"scan of 19,043 bodies: {secs:.2f} s wall")
    print(f"gold pairs (5-gram Jaccard >= 0.5): {len(gold)}; in one cluster: {len(covered)} ({100 * len(covered) / len(gold):.1f}%)")
    print(f"clusters: {len(members)}; pairs inside clusters beyond the gold: {len(extra)}")
    for a, b in extra[:5]:
        print(f"  e.g. {a} ~ {b}")
    for g in missed[:10]:
        print(f"  missed: {g}")
    # Updated and extended stories: passage pairs covering most of the
    # shorter document without being near-duplicates.
    texts = {}
    with open(os.path.join(args.data, "reuters21578/reuters21578.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d.get("text"):
                texts[str(d["id"])] = d["text"]
    spans = collections.defaultdict(lambda: ([], []))
    for p in jsonl(os.path.join(out, "pairs.jsonl")):
        if p["kind"] != "reuse":
            continue
        key = (p["query_id"], p["source_id"])
        spans[key][0].append((p["query_offset"], p["query_offset"] + p["query_length"]))
        spans[key][1].append((p["source_offset"], p["source_offset"] + p["source_length"]))
    extended = []
    for (q, s), (qs, ss) in spans.items():
        cq = union_len(qs) / max(1, len(texts.get(q, "")))
        cs = union_len(ss) / max(1, len(texts.get(s, "")))
        if max(cq, cs) >= 0.8:
            extended.append((max(cq, cs), q, s, cq, cs))
    extended.sort(reverse=True)
    print(f"document pairs where aligned passages cover >= 80% of one document (updated or extended stories, not near-duplicates): {len(extended)}")
    for _, q, s, cq, cs in extended[:3]:
        print(f"  e.g. {q} (covered {cq:.0%}) reuses {s} (covered {cs:.0%})")


def clough(args, work):
    print("\n== Clough-Stevenson: aligned share of each answer with its task's source")
    root = os.path.join(args.data, "clough-stevenson")
    corpus = os.path.join(root, "corpus-20090418")
    cats = {}
    with open(os.path.join(root, "file_information.csv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            name, task, cat = line.strip().split(",")
            cats[name] = (task, cat)
    out = os.path.join(work, "clough")
    # The texts are undated: documents indexed first count as earlier, so
    # the five Wikipedia sources go first.
    names = sorted(os.listdir(corpus), key=lambda n: (not n.startswith("orig_"), n))
    run([args.bin, "scan", *[os.path.join(corpus, n) for n in names], "--out", out, "--input-encoding", "auto", "-q", *args.scan_args.split()])
    lengths = {}
    for name in os.listdir(corpus):
        with open(os.path.join(corpus, name), "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        lengths[name] = len(text)
    pairs = jsonl(os.path.join(out, "pairs.jsonl"))

    def with_source():
        """(answer, offset, length, pair) for every passage an answer shares
        with its task's source, from either side of the pair."""
        for p in pairs:
            for me, other, off, ln in ((p["query_id"], p["source_id"], p["query_offset"], p["query_length"]),
                                       (p["source_id"], p["query_id"], p["source_offset"], p["source_length"])):
                if me in cats and other == f"orig_task{cats[me][0]}.txt":
                    yield me, off, ln, p

    def shares(weight):
        """Per answer: the share of its characters aligned with its task's
        source, each character counted with the weight of the best pair
        covering it."""
        cover = collections.defaultdict(list)
        for me, off, ln, p in with_source():
            cover[me].append((off, off + ln, weight(p)))
        out = {}
        for name in cats:
            w = [0.0] * lengths[name]
            for a, b, x in cover[name]:
                for i in range(a, min(b, lengths[name])):
                    w[i] = max(w[i], x)
            out[name] = sum(w) / max(1, lengths[name])
        return out

    # Each answer that is not "non" is one reuse of its task's source: the
    # number of passages it comes back in is its granularity.
    pieces = collections.Counter(me for me, _, _, _ in with_source())
    print("-- passages per answer (answers with any passage; granularity of one reuse)")
    for cat in ("cut", "light", "heavy"):
        v = [pieces[n] for n, (_, c) in cats.items() if c == cat and pieces[n] > 0]
        print(f"{cat:>6}: {len(v):2d} answers with passages, mean {sum(v) / max(1, len(v)):.2f} passages, "
              f"{sum(1 for x in v if x == 1)} in one passage, max {max(v, default=0)}")

    for label, weight in (("aligned share", lambda p: 1.0), ("aligned share weighted by alignment score", lambda p: p["score"])):
        share = shares(weight)
        by_cat = collections.defaultdict(list)
        for name, (_, cat) in cats.items():
            by_cat[cat].append(share[name])
        print(f"-- {label}")
        for cat in ("cut", "light", "heavy", "non"):
            v = sorted(by_cat[cat])
            print(f"{cat:>6}: n={len(v):2d} mean {sum(v) / len(v):.3f} median {v[len(v) // 2]:.3f} min {v[0]:.3f} max {v[-1]:.3f}")
        print("AUC " + ", ".join(f"{a} > {b}: {auc(by_cat[a], by_cat[b]):.3f}" for a, b in
                                  (("cut", "light"), ("light", "heavy"), ("heavy", "non"), ("cut", "heavy"), ("light", "non"), ("cut", "non"))))


def reuse_dev(args, work):
    print("\n== reuse-dev: scan versus trace")
    gold_dir = os.path.join(args.data, "reuse-dev")
    out = os.path.join(work, "reuse-dev")
    _, secs = run([args.bin, "scan", os.path.join(gold_dir, "sources.jsonl"), os.path.join(gold_dir, "queries.jsonl"), "--out", out, "-q", *args.scan_args.split()])
    queries = {json.loads(l)["id"] for l in open(os.path.join(gold_dir, "queries.jsonl"), encoding="utf-8")}
    # The source of a pair is the earlier document; a few queries are dated
    # before the article they reuse: their pairs count reversed.
    dets = []
    for p in jsonl(os.path.join(out, "pairs.jsonl")):
        if p["query_id"] in queries and p["source_id"] not in queries:
            dets.append(p)
        elif p["source_id"] in queries and p["query_id"] not in queries:
            dets.append({f"{a}_{f}": p[f"{b}_{f}"] for a, b in (("query", "source"), ("source", "query")) for f in ("id", "offset", "length")})
    det_path = os.path.join(work, "scan-detections.jsonl")
    with open(det_path, "w", encoding="utf-8") as f:
        for d in dets:
            f.write(json.dumps({k: d[k] for k in ("query_id", "query_offset", "query_length", "source_id", "source_offset", "source_length")}) + "\n")
    r, _ = run([args.bin, "eval", "--gold", gold_dir, "--detections", det_path])
    print(f"scan of 4,600 documents: {secs:.2f} s wall; {len(dets)} query-source pairs")
    print(r.stdout)
    trace_path = os.path.join(work, "trace-detections.jsonl")
    run([args.bin, "eval", "--gold", gold_dir, "--write-detections", trace_path, "-q"])
    trace = jsonl(trace_path)

    def overlaps(a, b):
        return (a["query_id"] == b["query_id"] and a["source_id"] == b["source_id"]
                and a["query_offset"] < b["query_offset"] + b["query_length"] and b["query_offset"] < a["query_offset"] + a["query_length"])

    by_q = collections.defaultdict(list)
    for d in dets:
        by_q[d["query_id"]].append(d)
    found = sum(1 for t in trace if any(overlaps(t, d) for d in by_q[t["query_id"]]))
    by_qt = collections.defaultdict(list)
    for t in trace:
        by_qt[t["query_id"]].append(t)
    also = sum(1 for d in dets if any(overlaps(d, t) for t in by_qt[d["query_id"]]))
    print(f"agreement: scan finds {found} of the {len(trace)} passages trace finds ({100 * found / max(1, len(trace)):.1f}%); "
          f"{also} of scan's {len(dets)} query-source passages are also found by trace ({100 * also / max(1, len(dets)):.1f}%)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--bin", default="target/release/tessera")
    ap.add_argument("--work", default=None, help="keep scan outputs here (default: a temporary directory)")
    ap.add_argument("--only", choices=["reuters", "clough", "reuse-dev"], default=None)
    ap.add_argument("--scan-args", default="", help="extra options for tessera scan, e.g. '--min-shared 4'")
    args = ap.parse_args()
    args.repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} is missing: run cargo build --release first")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or tmp
        os.makedirs(work, exist_ok=True)
        for name, f in (("reuters", reuters), ("clough", clough), ("reuse-dev", reuse_dev)):
            if args.only in (None, name):
                f(args, work)


if __name__ == "__main__":
    main()
