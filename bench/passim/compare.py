#!/usr/bin/env python3
"""Score a passim run against the Reuters-21578 near-duplicate gold pairs.

Reads passim's output directory (``out.json/part-*``: one record per clustered
passage; ``align.json/part-*`` if passim ran with ``--pairwise``: one record per
aligned passage pair) and ``bench/out/reuters-neardup-gold.jsonl`` and prints
the output counts and how many gold pairs passim finds.  A gold pair is
*aligned* when passim aligned at least one passage between its two documents,
*clustered* when some passage of each document sits in the same cluster.
Standard library only.  See README.md beside this file.
"""
import argparse
import glob
import json
import os
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))


def records(path):
    files = sorted(glob.glob(os.path.join(path, 'part-*')))
    if not files:
        sys.exit(f'no part-* files in {path}')
    for fn in files:
        with open(fn, encoding='utf-8') as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def key(a, b):
    return (a, b) if a < b else (b, a)


def pct(n, d):
    return f'{n}/{d} ({100.0 * n / d:.1f}%)' if d else f'{n}/0'


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('out', help="passim's output directory (holds out.json, maybe align.json)")
    ap.add_argument('--gold', default=os.path.join(HERE, '..', 'out', 'reuters-neardup-gold.jsonl'))
    ap.add_argument('--show-missed', type=int, default=0, metavar='N',
                    help='print N gold pairs that passim neither aligned nor clustered')
    args = ap.parse_args()

    gold = [json.loads(l) for l in open(args.gold, encoding='utf-8') if l.strip()]
    gold = {key(str(g['a']), str(g['b'])): g['jaccard'] for g in gold}

    # Clusters: out.json
    cluster_docs = defaultdict(set)
    doc_clusters = defaultdict(set)
    npassages = 0
    for r in records(os.path.join(args.out, 'out.json')):
        npassages += 1
        cluster_docs[r['cluster']].add(r['id'])
        doc_clusters[r['id']].add(r['cluster'])
    sizes = sorted(len(d) for d in cluster_docs.values())
    print(f'clusters: {len(cluster_docs)}')
    print(f'clustered passages (out.json records): {npassages}')
    print(f'documents in some cluster: {len(doc_clusters)}')
    if sizes:
        print(f'documents per cluster: 2 in {sum(1 for s in sizes if s == 2)} clusters, '
              f'max {sizes[-1]}, mean {sum(sizes) / len(sizes):.2f}')

    def clustered(a, b):
        return not doc_clusters.get(a, set()).isdisjoint(doc_clusters.get(b, set()))

    # Pairwise alignments: align.json (only with --pairwise)
    aligned = None
    apath = os.path.join(args.out, 'align.json')
    if os.path.isdir(apath):
        aligned = set()
        nalign = 0
        for r in records(apath):
            nalign += 1
            aligned.add(key(str(r['id']), str(r['id2'])))
        print(f'aligned passage pairs (align.json records): {nalign}')
        print(f'document pairs with an aligned passage: {len(aligned)}')
    else:
        print('no align.json (run passim with --pairwise for pairwise alignments)')

    bands = [('all', lambda j: True), ('jaccard == 1.0', lambda j: j >= 1.0),
             ('0.9 <= jaccard < 1.0', lambda j: 0.9 <= j < 1.0),
             ('0.5 <= jaccard < 0.9', lambda j: j < 0.9)]
    print(f'\ngold pairs: {len(gold)} ({os.path.relpath(args.gold)})')
    for name, test in bands:
        pairs = [p for p, j in gold.items() if test(j)]
        line = f'  {name:22s} n={len(pairs):4d}'
        if aligned is not None:
            line += f'  aligned {pct(sum(p in aligned for p in pairs), len(pairs))}'
        line += f'  clustered {pct(sum(clustered(*p) for p in pairs), len(pairs))}'
        if aligned is not None:
            line += (f'  either {pct(sum(p in aligned or clustered(*p) for p in pairs), len(pairs))}')
        print(line)

    if args.show_missed:
        missed = [(j, p) for p, j in gold.items()
                  if not clustered(*p) and (aligned is None or p not in aligned)]
        missed.sort(reverse=True)
        print(f'\nmissed ({len(missed)}), highest Jaccard first:')
        for j, (a, b) in missed[:args.show_missed]:
            print(f'  {a} {b} jaccard={j}')


if __name__ == '__main__':
    main()
