"""Connected components in Spark DataFrame operations (no GraphFrames: no
jar is downloaded at run time): each vertex takes the smallest label among
itself and its neighbours until no label changes. Labels end as the
smallest vertex of each component, whatever the partitioning. The lineage
is cut every round (``localCheckpoint``), so a long chain of rounds
does not grow the query plan."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

def connected_components(edges: DataFrame) -> DataFrame:
    """``edges`` (``a``, ``b``: long vertex ids) → (``v``, ``label``) for
    every vertex of an edge, ``label`` the smallest vertex of its
    component."""
    both = edges.select("a", "b").union(edges.select(F.col("b").alias("a"), F.col("a").alias("b")))
    both = both.where(F.col("a") != F.col("b")).distinct().localCheckpoint()
    labels = (both.groupBy("a").agg(F.min("b").alias("m"))
              .select(F.col("a").alias("v"), F.least("a", "m").alias("label"))
              .localCheckpoint())
    rounds = 0
    while True:
        rounds += 1
        # Each vertex hears its neighbours' labels; keeps the smallest.
        heard = (both.join(labels, both.a == labels.v)
                 .select(F.col("b").alias("v"), F.col("label")))
        new = (labels.union(heard).groupBy("v").agg(F.min("label").alias("label")))
        # Each round's labels are checkpointed: the plan of a round reads
        # the labels twice, so without the cut it would double each round.
        new = new.localCheckpoint()
        changed = (new.join(labels.withColumnRenamed("label", "old"), "v")
                   .where(F.col("label") != F.col("old")).limit(1).count())
        labels.unpersist()
        labels = new
        if changed == 0:
            return labels
