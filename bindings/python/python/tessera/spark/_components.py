"""Connected components in Spark DataFrame operations (no GraphFrames: no
jar is downloaded at run time), labelling every vertex with the smallest
vertex of its component, whatever the partitioning.

A graph of at most ``max_local_edges`` edges (millions: most scans' reuse
and near-duplicate graphs) goes to one task, where Rust's union-find labels
it in one pass: one shuffle instead of a dozen Spark jobs per round. A
larger one is labelled in rounds: every vertex takes the smallest label
among its own and its neighbours', then the label of its label (pointer
jumping, which halves the distance to the component's minimum, so a long
chain of passages takes a logarithmic number of rounds rather than one per
link), until no label changes. Labels only decrease and stay inside the
component; at the fixed point neighbours agree, so every label is the
smallest vertex of its component. The lineage is cut every round
(``localCheckpoint``), so a long chain of rounds does not grow the query
plan."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from . import _executor as ex

#: Edges up to which a graph is labelled in one task (16 bytes an edge in
#: Rust, about three times that while its Arrow batches are gathered).
MAX_LOCAL_EDGES = 4_000_000


def connected_components(edges: DataFrame, max_local_edges: int = MAX_LOCAL_EDGES) -> DataFrame:
    """``edges`` (``a``, ``b``: long vertex ids) → (``v``, ``label``) for
    every vertex of an edge between two different vertices, ``label`` the
    smallest vertex of its component."""
    links = edges.select("a", "b").where(F.col("a") != F.col("b")).localCheckpoint()
    if links.count() <= max_local_edges:
        return (links.repartition(1).mapInArrow(ex.components(), from_arrow_schema(ex.COMPONENTS))
                .localCheckpoint())
    return _in_rounds(links)


def _in_rounds(links: DataFrame) -> DataFrame:
    both = links.union(links.select(F.col("b").alias("a"), F.col("a").alias("b")))
    both = both.distinct().localCheckpoint()
    kept = (both.groupBy("a").agg(F.min("b").alias("m"))
            .select(F.col("a").alias("v"), F.least("a", "m").alias("label"))
            .localCheckpoint())
    labels = kept
    while True:
        # Each vertex hears its neighbours' labels and keeps the smallest
        # (``old``, its label before the round, rides along).
        heard = (both.join(labels, both.a == labels.v)
                 .select(F.col("b").alias("v"), "label", F.lit(None).cast("long").alias("old")))
        own = labels.select("v", "label", F.col("label").alias("old"))
        step = own.union(heard).groupBy("v").agg(F.min("label").alias("label"),
                                                 F.min("old").alias("old"))
        # Then the label of its label (a label is a vertex of the graph).
        hop = step.select(F.col("v").alias("l"), F.col("label").alias("ll"))
        new = (step.join(hop, step.label == hop.l, "left")
               .select("v", F.least("label", F.coalesce("ll", "label")).alias("label"), "old")
               .localCheckpoint())
        changed = new.where(F.col("label") != F.col("old")).limit(1).count()
        kept.unpersist()
        kept, labels = new, new.select("v", "label")
        if changed == 0:
            return labels
