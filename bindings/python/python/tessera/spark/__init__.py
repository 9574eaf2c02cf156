"""tessera on Spark: ``tessera scan`` as a PySpark job, the Rust stages
running in the executors.

>>> from pyspark.sql import SparkSession                        # doctest: +SKIP
>>> import tessera.spark                                       # doctest: +SKIP
>>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
>>> docs = spark.read.json("articles.jsonl")                   # doctest: +SKIP
>>> result = tessera.spark.scan(docs, out="hdfs:///scan/")     # doctest: +SKIP
>>> result.pairs.show()                                        # doctest: +SKIP

From a shell: ``python -m tessera.spark scan articles.jsonl --out DIR``
(``--master local[2]`` by default), or the same module under
``spark-submit``. See ``SPARK.md`` in the package's sources for the
stages, how to ship the package to a cluster and how to size a job.
"""

from __future__ import annotations

from ._job import SCAN_TABLES, SparkScanResult, scan, session

__all__ = ["SCAN_TABLES", "SparkScanResult", "scan", "session"]
