"""``python -m tessera.spark scan INPUT --out DIR``: the scan as a Spark
job from a shell, on one machine (``--master local[2]``, the default) or,
under ``spark-submit``, on the cluster it submits to (``--master`` is then
left to ``spark-submit``). ``spark-submit`` runs a file, not a module: give
it this one (``python -c 'import tessera.spark.__main__ as m;
print(m.__file__)'`` prints its path), hence the absolute imports.

INPUT is anything ``spark.read.json`` reads (JSON Lines files, folders,
globs, Hadoop paths) with ``id`` and ``text`` and optionally ``outlet`` and
``date``; the six tables are written to DIR as Parquet.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Optional


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tessera.spark",
                                description="tessera scan as a Spark job")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("scan", help="find all the reuse inside a corpus")
    s.add_argument("input", nargs="+", help="JSON Lines input (any path spark.read.json reads)")
    s.add_argument("--out", required=True, help="folder for the tables (any Hadoop path)")
    s.add_argument("--master", default=None,
                   help="Spark master (default: local[2], or spark-submit's)")
    s.add_argument("--max-df", type=int)
    s.add_argument("--min-shared", type=int)
    s.add_argument("--max-candidates", type=int)
    s.add_argument("--neardup-jaccard", type=float)
    s.add_argument("--min-cluster-size", type=int)
    s.add_argument("--threads", type=int, help="threads per task (default: spark.task.cpus)")
    a = p.parse_args(argv)

    from pyspark import SparkConf

    from tessera.spark._job import scan, session
    # Under spark-submit the master is already set; alone, one machine.
    master = a.master or (None if SparkConf().contains("spark.master") else "local[2]")
    spark = session(master)
    try:
        docs = spark.read.json(a.input)
        result = scan(docs, a.out, max_df=a.max_df, min_shared=a.min_shared,
                      max_candidates=a.max_candidates, neardup_jaccard=a.neardup_jaccard,
                      min_cluster_size=a.min_cluster_size, threads=a.threads)
        json.dump(result.summary, sys.stdout, indent=2)
        print()
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
