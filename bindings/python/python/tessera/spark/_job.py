"""The scan as a Spark job: Spark moves documents, fingerprints and pairs
between executors (its shuffles and joins), the Rust stages do the work on
each batch (``_executor``), and nothing proportional to the corpus comes
back to the driver. The stages, in the order of ``tessera scan``:

1. Documents: numbered in input order (``order`` column, or the order of
   the DataFrame as given), ranked by date (undated after dated, ties by
   number); features computed by Rust in ``mapInArrow``.
2. Token weights: document frequencies of tokens counted by Spark; the
   frequent ones (a bounded list) are broadcast.
3. Near-duplicates: band keys grouped by Spark, candidate pairs verified
   by exact Jaccard in Rust, connected components in DataFrame operations.
4. Candidate table: fingerprints of documents that can be sources grouped
   by Spark under the document-frequency cap (boilerplate and popular
   fingerprints above it as the scan keeps them); each query's n-grams
   joined to it; the hits grouped by query and ranked in Rust.
5. Pairs: each query joined to its candidates' texts and aligned in Rust.
6. Aggregation: reuse clusters (passages per document in Rust, connected
   components in Spark), the copy graph and the spin tables as Spark
   aggregations.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from .. import _native
from . import _executor as ex
from ._components import MAX_LOCAL_EDGES, connected_components

#: The tables of a scan, as ``tessera scan`` writes them.
SCAN_TABLES = ("pairs", "reuse_clusters", "neardup_clusters", "copy_graph", "spin_patterns",
               "spin_scores")


@dataclass
class SparkScanResult:
    """The six tables of ``tessera scan`` as Spark DataFrames (and where
    they were written, if anywhere), and the counts of the run."""

    out: Optional[str]
    summary: dict[str, Any]
    pairs: DataFrame = field(repr=False)
    reuse_clusters: DataFrame = field(repr=False)
    neardup_clusters: DataFrame = field(repr=False)
    copy_graph: DataFrame = field(repr=False)
    spin_patterns: DataFrame = field(repr=False)
    spin_scores: DataFrame = field(repr=False)

    def tables(self) -> dict[str, DataFrame]:
        """The tables by name."""
        return {name: getattr(self, name) for name in SCAN_TABLES}


def _schema(schema: Any) -> T.StructType:
    from pyspark.sql.pandas.types import from_arrow_schema
    return from_arrow_schema(schema)


def _cut(df: DataFrame) -> DataFrame:
    """``df`` computed and kept, its lineage cut: each stage starts from the
    data of the one before, not from a query plan grown from the input
    (whose text Spark would render at every step). A reliable checkpoint
    when the context has a checkpoint directory, else a local one."""
    if df.sparkSession.sparkContext._jsc.sc().getCheckpointDir().isDefined():
        return df.checkpoint()
    return df.localCheckpoint()


def _indexed(df: DataFrame, name: str) -> DataFrame:
    """``df`` with a column ``name`` numbering its rows 0, 1, 2... in their
    order (partition by partition, as a file's lines or a sort leave them),
    in the JVM rather than row by row in Python (``rdd.zipWithIndex``):
    ``monotonically_increasing_id`` puts a row's partition in the upper
    bits and its place in the partition in the lower 33; the partitions'
    sizes (one row per partition comes to the driver) give each partition
    its first number."""
    tagged = _cut(df.withColumn("_mid", F.monotonically_increasing_id()))
    part = F.shiftright("_mid", 33)
    first, offsets = 0, []
    for p, c in sorted((r[0], r[1]) for r in
                       tagged.groupBy(part.alias("p")).count().collect()):
        offsets.append((p, first))
        first += c
    starts = df.sparkSession.createDataFrame(offsets, "_p long, _first long")
    place = F.col("_mid").bitwiseAND(F.lit((1 << 33) - 1))
    return (tagged.join(F.broadcast(starts), part == F.col("_p"))
            .select(*df.columns, (F.col("_first") + place).alias(name)))


def _numbered(docs: DataFrame, order: Optional[str]) -> DataFrame:
    """The documents with their number ``n`` (input order)."""
    cols = set(docs.columns)
    missing = {"id", "text"} - cols
    if missing:
        raise ValueError(f"the documents have no column {', '.join(sorted(missing))}")
    sel = [F.col("id").cast("string").alias("id"), F.col("text").cast("string").alias("text")]
    for c in ("outlet", "date"):
        sel.append((F.col(c).cast("string") if c in cols else F.lit(None).cast("string")).alias(c))
    if order is not None:
        docs = docs.orderBy(order)
    df = _indexed(docs.select(*sel), "n")
    # As `tessera scan` indexes them: a document without text is skipped.
    return df.where(F.col("text").isNotNull() & (F.length("text") > 0))


def scan(
    docs: DataFrame,
    out: Optional[str] = None,
    *,
    order: Optional[str] = None,
    max_df: Optional[int] = None,
    min_shared: Optional[int] = None,
    max_candidates: Optional[int] = None,
    neardup_jaccard: Optional[float] = None,
    min_cluster_size: Optional[int] = None,
    threads: Optional[int] = None,
    max_local_edges: int = MAX_LOCAL_EDGES,
) -> SparkScanResult:
    """Runs ``tessera scan`` on the documents of ``docs`` as a Spark job.

    ``docs`` has columns ``id`` and ``text``, and optionally ``outlet`` and
    ``date`` (others are ignored). Documents are numbered in the order of
    ``order`` when given, else in the order of the DataFrame (a JSON Lines
    file read by Spark keeps its line order): the number breaks ties of
    publication order, as insertion order does in ``tessera scan``. The
    options are those of ``tessera scan``; ``threads`` per task defaults
    to ``spark.task.cpus``. ``max_local_edges``: the largest graph (of
    near-duplicates, of passages) whose connected components one task
    computes; larger ones are computed in distributed rounds. ``out``: a folder (any Hadoop path) the six
    tables are written to as Parquet, ``<table>.parquet``. Returns the
    tables as DataFrames (computed once and cached).
    """
    spark = docs.sparkSession
    stage = _Stages(spark)
    if threads is None:
        threads = int(spark.conf.get("spark.task.cpus", "1") or "1")
    cfg = _native.ScanParts(0, [], max_df, min_shared, max_candidates, neardup_jaccard,
                            min_cluster_size, threads)
    (cap, min_bp_docs, bp_ratio, popular_factor, popular_sources, jac, min_cluster,
     boilerplate_share) = cfg.settings()
    stage("1 documents")
    # Kept by `_indexed`'s checkpoint; the join and filter on top are cheap
    # to replay, so the texts are not stored a second time.
    numbered = _numbered(docs, order)
    n_docs = numbered.count()
    settings: dict[str, Any] = {
        "documents": n_docs, "max_df": max_df, "min_shared": min_shared,
        "max_candidates": max_candidates, "neardup_jaccard": neardup_jaccard,
        "min_cluster_size": min_cluster_size, "threads": threads,
        "boilerplate_share": boilerplate_share,
    }

    # 1. Features, ranks and outlets.
    feats = (numbered.select("n", "text", "date")
             .mapInArrow(ex.features(settings), _schema(ex.FEATURES)))
    feats = _cut(feats)
    ranked = (feats.select("n", "timestamp")
              .orderBy(F.col("timestamp").asc_nulls_last(), F.col("n")))
    ranks = _indexed(ranked.select("n"), "rank")
    outlet_keys = (numbered.where(F.col("outlet").isNotNull()).groupBy("outlet")
                   .agg(F.min("n").alias("outlet_key")))
    meta = (numbered.select("n", "id", "outlet", "date")
            .join(ranks, "n").join(feats.select("n", "timestamp"), "n")
            .join(outlet_keys, "outlet", "left")
            .withColumn("outlet_key", F.coalesce("outlet_key", F.lit(-1))))
    meta = _cut(meta)

    # 2. Token weights.
    stage("2 token weights")
    frequent: list[tuple[int, int]] = []
    min_df = _native.ScanParts.frequent_min_df(n_docs)
    if min_df is not None:
        frequent = [(r[0], r[1]) for r in
                    feats.select(F.explode("tokens").alias("t")).groupBy("t").count()
                    .where(F.col("count") >= min_df).collect()]

    # 3. Near-duplicates.
    stage("3 near-duplicates")
    nd = _neardups(feats, meta, settings, jac, max_local_edges)
    doc = _cut(meta.join(nd.members.select("n", "cluster", "rep"), "n", "left"))

    # 4. Candidate table and ranked candidates.
    stage("4 candidates")
    table = _gram_table(feats, doc, cap, min_bp_docs, bp_ratio, popular_factor,
                        popular_sources)
    cands = _cut(_candidates(feats, doc, table, settings))

    # 5. Pairs.
    stage("5 pairs")
    texts = numbered.select("n", "text").join(doc.select("n", "rank", "id", "date"), "n")
    raw = _cut(_pairs(cands, doc, texts, settings, frequent))
    pairs = _pairs_table(raw, doc)

    # 6. Aggregation.
    stage("6 tables")
    reuse = _reuse_clusters(raw, doc, settings, min_cluster, max_local_edges)
    graph = _copy_graph(raw, doc)
    patterns, scores = _spin(raw, doc)
    tables = {"pairs": pairs, "reuse_clusters": reuse, "neardup_clusters": nd.table,
              "copy_graph": graph, "spin_patterns": patterns, "spin_scores": scores}
    tables = {k: _cut(v) for k, v in tables.items()}
    summary = {"documents": n_docs, "pairs": tables["pairs"].count(),
               "neardup_clusters": tables["neardup_clusters"].count(),
               "reuse_clusters": tables["reuse_clusters"].count(),
               "graph_edges": tables["copy_graph"].count(),
               "spin_patterns": tables["spin_patterns"].count()}
    if out is not None:
        stage("7 write")
        for name, t in tables.items():
            t.write.mode("overwrite").parquet(f"{out.rstrip('/')}/{name}.parquet")
    stage(None)
    return SparkScanResult(out, summary, **tables)


class _Stages:
    """Names the Spark jobs of each stage (``spark.job.description``, shown
    by Spark's UI and kept in its event log: ``bench/spark_scale.py`` reads
    the shuffle bytes per stage from it), restoring the caller's
    description at the end."""

    def __init__(self, spark: SparkSession) -> None:
        self.sc = spark.sparkContext
        self.before = self.sc.getLocalProperty("spark.job.description")

    def __call__(self, name: Optional[str]) -> None:
        value = f"tessera scan: {name}" if name else self.before
        # None (no description before) removes the property: the JVM takes
        # null, though pyspark's annotation says str.
        self.sc.setLocalProperty("spark.job.description", value)  # type: ignore[arg-type]


@dataclass
class _NearDups:
    members: DataFrame
    table: DataFrame


def _neardups(feats: DataFrame, meta: DataFrame, settings: dict[str, Any],
              threshold: float, max_local_edges: int) -> _NearDups:
    """Band keys grouped, each document paired with the first of its group
    (as the scan pairs them), verified, joined into clusters."""
    bands = feats.select("n", F.explode("bands").alias("key"))
    first = bands.groupBy("key").agg(F.min("n").alias("a"))
    cand = (bands.join(first, "key").where(F.col("n") != F.col("a"))
            .select("a", F.col("n").alias("b")).distinct())
    sh = feats.select("n", "shingles")
    verified = (cand.join(sh.select(F.col("n").alias("a"), F.col("shingles").alias("sa")), "a")
                .join(sh.select(F.col("n").alias("b"), F.col("shingles").alias("sb")), "b")
                .mapInArrow(ex.jaccard(settings), _schema(ex.JACCARD))
                .where(F.col("jaccard") >= threshold)
                .withColumn("jaccard", F.round(F.col("jaccard"), 4)))
    verified = _cut(verified)
    comp = connected_components(verified, max_local_edges)
    m = (comp.select(F.col("v").alias("n"), F.col("label"))
         .join(meta.select("n", "rank", "id", "outlet", "date", "outlet_key"), "n"))
    reps = m.groupBy("label").agg(F.min(F.struct("rank", "n")).alias("r"))
    order = reps.orderBy(F.col("r.rank"))
    ids = _indexed(order.select("label"), "cluster")
    best = (verified.select(F.col("a").alias("n"), "jaccard")
            .union(verified.select(F.col("b").alias("n"), "jaccard"))
            .groupBy("n").agg(F.max("jaccard").alias("best_jaccard")))
    members = (m.join(reps, "label").join(ids, "label").join(best, "n", "left")
               .withColumn("is_rep", F.col("n") == F.col("r.n"))
               .withColumn("rep", F.when(F.col("is_rep"), F.lit(None).cast("long"))
                           .otherwise(F.col("r.n"))))
    members = _cut(members)
    table = (members.groupBy("cluster").agg(
        F.count("*").alias("size"),
        F.min(F.struct("rank", "id", "outlet", "date")).alias("r"),
        F.countDistinct("outlet_key").alias("outlets"),
        F.array_sort(F.collect_list(F.struct(
            "rank", "id", "outlet", "date", F.col("is_rep").alias("representative"),
            "best_jaccard"))).alias("m"))
        .select(F.col("cluster").alias("cluster_id"), "size",
                F.col("r.id").alias("representative_id"),
                F.col("r.outlet").alias("representative_outlet"),
                F.col("r.date").alias("representative_date"), "outlets",
                F.transform("m", lambda x: F.struct(
                    x["id"].alias("id"), x["outlet"].alias("outlet"), x["date"].alias("date"),
                    x["representative"].alias("representative"),
                    x["best_jaccard"].alias("best_jaccard"))).alias("members"))
        .orderBy("cluster_id"))
    return _NearDups(members, table)


def _gram_table(feats: DataFrame, doc: DataFrame, cap: int, min_bp_docs: int,
                bp_ratio: int, popular_factor: int, popular_sources: int) -> DataFrame:
    """(h, s, df, bp): the scan's candidate table, one row per fingerprint
    and document kept for it."""
    sources = doc.where(F.col("rep").isNull()).select("n", "rank", "outlet_key")
    every_fp = feats.select("n", F.explode("fingerprints").alias("h"))
    fp = every_fp.join(sources.select("n"), "n")
    df = fp.groupBy("h").agg(F.count("*").alias("df")).where(F.col("df") >= 2)
    normal = (fp.join(df.where(F.col("df") <= cap), "h")
              .select("h", F.col("n").alias("s"), "df", F.lit(False).alias("bp")))
    high = df.where(F.col("df") > cap)
    outlet_docs = sources.groupBy("outlet_key").agg(F.count("*").alias("outlet_docs"))
    total = F.lit(sources.count())
    per_outlet = (fp.join(high, "h").join(sources, "n")
                  .groupBy("h", "df", "outlet_key")
                  .agg(F.count("*").alias("c"))
                  .join(outlet_docs, "outlet_key")
                  .where((F.col("outlet_key") >= 0) & (F.col("c") >= min_bp_docs)
                         & (F.col("c") * total >= bp_ratio * F.col("df") * F.col("outlet_docs"))))
    # Its first appearance in the outlet may be a syndicated copy the outlet
    # ran with its boilerplate added: the earliest of all its documents.
    first = (every_fp.join(per_outlet.select("h").distinct(), "h")
             .join(doc.select("n", "rank", "outlet_key"), "n")
             .groupBy("h", "outlet_key").agg(F.min(F.struct("rank", "n")).alias("first")))
    bp = (per_outlet.join(first, ["h", "outlet_key"])
          .select("h", F.col("first.n").alias("s"), "df", F.lit(True).alias("bp")))
    popular_keys = (high.where(F.col("df") <= popular_factor * cap)
                    .join(per_outlet.select("h").distinct(), "h", "left_anti"))
    popular = (fp.join(popular_keys, "h").join(sources.select("n", "rank"), "n")
               .groupBy("h", "df").agg(F.slice(F.array_sort(F.collect_list(
                   F.struct("rank", "n"))), 1, popular_sources).alias("first"))
               .select("h", F.explode("first.n").alias("s"), "df", F.lit(False).alias("bp")))
    return normal.union(bp).union(popular)


def _candidates(feats: DataFrame, doc: DataFrame, table: DataFrame,
                settings: dict[str, Any]) -> DataFrame:
    """(q, cands): each query's candidate sources, ranked by Rust."""
    grams = feats.select("n", F.arrays_zip("grams", "positions").alias("g")) \
        .select(F.col("n").alias("q"), F.explode("g").alias("g")) \
        .select("q", F.col("g.grams").alias("h"), F.col("g.positions").alias("pos"))
    qd = doc.select(F.col("n").alias("q"), F.col("rank").alias("q_rank"),
                    F.col("cluster").alias("q_cluster"), F.col("outlet").alias("q_outlet"),
                    F.col("outlet_key").alias("q_ok"))
    sd = doc.select(F.col("n").alias("s"), F.col("rank").alias("s_rank"),
                    F.col("cluster").alias("s_cluster"), F.col("outlet_key").alias("s_ok"))
    hits = (grams.join(table, "h").join(qd, "q").join(sd, "s")
            .where((F.col("s_rank") < F.col("q_rank"))
                   & (F.col("q_cluster").isNull() | F.col("s_cluster").isNull()
                      | (F.col("s_cluster") != F.col("q_cluster")))
                   & (~F.col("bp") | (F.col("q_outlet").isNotNull()
                                      & (F.col("q_ok") == F.col("s_ok"))))))
    grouped = hits.groupBy("q").agg(
        F.collect_list(F.struct("s", "pos", "df")).alias("hits"))
    return grouped.mapInArrow(ex.rank(settings), _schema(ex.RANKED))


def _pairs(cands: DataFrame, doc: DataFrame, texts: DataFrame, settings: dict[str, Any],
           frequent: list[tuple[int, int]]) -> DataFrame:
    """The raw pairs (``_executor.PAIRS``): each query with its candidates'
    texts, and its representative's, aligned by Rust."""
    src = F.struct(F.col("n"), F.col("rank"), F.col("id"), F.col("text"), F.col("date"))
    c = (cands.select("q", F.explode("cands").alias("c"))
         .select("q", F.col("c.s").alias("n"), F.col("c.ord").alias("ord"),
                 F.col("c.hits").alias("hits"))
         .join(texts, "n")
         .groupBy("q").agg(F.collect_list(F.struct(
             "n", "rank", "id", "text", "date", "ord", "hits")).alias("cands")))
    reps = (doc.where(F.col("rep").isNotNull()).select(F.col("n").alias("q"),
                                                       F.col("rep").alias("n"))
            .join(texts, "n").select("q", src.alias("rep")))
    queries = (c.join(reps, "q", "full_outer")
               .join(texts.withColumnRenamed("n", "q"), "q")
               .select(F.struct(F.col("q").alias("n"), "rank", "id", "text", "date").alias("query"),
                       "cands", "rep"))
    return queries.mapInArrow(ex.pairs(settings, frequent), _schema(ex.PAIRS))


def _pairs_table(raw: DataFrame, doc: DataFrame) -> DataFrame:
    qd = doc.select(F.col("n").alias("q"), F.col("outlet").alias("query_outlet"),
                    F.col("date").alias("query_date"), F.col("timestamp").alias("qt"),
                    F.col("cluster").alias("query_neardup_cluster"))
    sd = doc.select(F.col("n").alias("s"), F.col("outlet").alias("source_outlet"),
                    F.col("date").alias("source_date"), F.col("timestamp").alias("st"),
                    F.col("cluster").alias("source_neardup_cluster"))
    return (raw.join(qd, "q").join(sd, "s").orderBy("q", "seq").select(
        "query_id", "query_offset", "query_length", "source_id", "source_offset",
        "source_length", "score", "matched_words", "evidence",
        F.when(F.col("syndication"), F.lit("syndication")).otherwise(F.lit("reuse")).alias("kind"),
        "reordered", "query_outlet", "source_outlet", "query_date", "source_date",
        (F.col("qt") - F.col("st")).alias("delay_seconds"),
        "query_neardup_cluster", "source_neardup_cluster", "edits"))


def _reuse_clusters(raw: DataFrame, doc: DataFrame, settings: dict[str, Any],
                    min_cluster: int, max_local_edges: int) -> DataFrame:
    """Spans of pairs grouped into passages per document (Rust), passages
    linked by pairs joined into clusters (connected components)."""
    link = F.col("q") * F.lit(1 << 20) + F.col("seq")
    ends = (raw.select(F.col("q").alias("doc"), F.col("query_offset").alias("start"),
                       (F.col("query_offset") + F.col("query_length")).alias("end"),
                       link.alias("link"))
            .union(raw.select(F.col("s").alias("doc"), F.col("source_offset").alias("start"),
                              (F.col("source_offset") + F.col("source_length")).alias("end"),
                              link.alias("link"))))
    per_doc = ends.groupBy("doc").agg(
        F.array_sort(F.collect_list(F.struct("start", "end", "link"))).alias("spans"))
    passages = per_doc.mapInArrow(ex.passages(settings), _schema(ex.PASSAGES))
    vertex = F.col("doc") * F.lit(1 << 24) + F.col("k")
    pv = _cut(passages.select(vertex.alias("v"), "doc", "start", "end", "links"))
    lk = pv.select("v", F.explode("links").alias("link"))
    edges = (lk.groupBy("link").agg(F.min("v").alias("a"), F.max("v").alias("b")))
    comp = connected_components(edges, max_local_edges)
    d = doc.select(F.col("n").alias("doc"), "rank", "id", "outlet", "date", "outlet_key")
    members = pv.join(comp, "v").join(d, "doc")
    by_outlet = (members.groupBy("label", "outlet_key", "outlet")
                 .agg(F.countDistinct("doc").alias("docs")))
    outlets = by_outlet.groupBy("label").agg(
        F.sum("docs").alias("size"), F.count("*").alias("outlets"),
        F.max(F.struct("docs", (-F.col("outlet_key")).alias("neg"), "outlet_key",
                       "outlet")).alias("dom"))
    groups = (members.groupBy("label").agg(
        F.array_sort(F.collect_list(F.struct("rank", "start", "end", "id", "outlet",
                                             "date"))).alias("m"))
        .join(outlets, "label").where(F.col("size") >= min_cluster))
    # (rank, start, end) of the first member: a total order, as the scan's.
    order = groups.select("label", F.col("m")[0]["rank"].alias("r"),
                          F.col("m")[0]["start"].alias("st"),
                          F.col("m")[0]["end"].alias("en")).orderBy("r", "st", "en")
    ids = _indexed(order.select("label"), "cluster_id")
    share = F.col("dom.docs") / F.col("size")
    boiler = F.lit(settings["boilerplate_share"])
    o = F.col("m")[0]
    return (groups.join(ids, "label").select(
        "cluster_id", "size", o["id"].alias("origin_id"), o["start"].alias("origin_offset"),
        (o["end"] - o["start"]).alias("origin_length"), o["outlet"].alias("origin_outlet"),
        o["date"].alias("origin_date"),
        ((share >= boiler) & F.col("dom.outlet").isNotNull()).alias("boilerplate"),
        F.col("dom.outlet").alias("dominant_outlet"),
        F.round(share, 4).alias("dominant_share"), "outlets",
        F.transform("m", lambda x: F.struct(
            x["id"].alias("id"), x["start"].alias("offset"),
            (x["end"] - x["start"]).alias("length"), x["outlet"].alias("outlet"),
            x["date"].alias("date"))).alias("members"))
        .orderBy("cluster_id"))


def _copy_graph(raw: DataFrame, doc: DataFrame) -> DataFrame:
    qd = doc.select(F.col("n").alias("q"), F.col("outlet").alias("copy_outlet"),
                    F.col("outlet_key").alias("qk"), F.col("timestamp").alias("qt"))
    sd = doc.select(F.col("n").alias("s"), F.col("outlet").alias("source_outlet"),
                    F.col("outlet_key").alias("sk"), F.col("timestamp").alias("st"))
    delays = F.array_sort(F.collect_list(F.col("qt") - F.col("st")))
    return (raw.join(qd, "q").join(sd, "s")
            .groupBy("sk", "qk", "source_outlet", "copy_outlet").agg(
                F.count("*").alias("passages"), F.sum("query_length").alias("chars"),
                F.countDistinct("q").alias("copy_documents"), delays.alias("d"))
            .select("source_outlet", "copy_outlet", "passages", "chars", "copy_documents",
                    F.when(F.size("d") > 0, F.element_at("d", (F.floor(F.size("d") / 2) + 1)
                                                        .cast("int")))
                    .alias("median_delay_seconds"),
                    (F.col("sk") == F.col("qk")).alias("same_outlet"))
            .orderBy(F.col("passages").desc(), F.col("source_outlet").asc_nulls_first(),
                     F.col("copy_outlet").asc_nulls_first()))


def _spin(raw: DataFrame, doc: DataFrame) -> tuple[DataFrame, DataFrame]:
    qd = doc.select(F.col("n").alias("q"), "id", "outlet", "date", "outlet_key")
    scores = (raw.groupBy("q").agg(F.sum("aligned_words").alias("aligned_words"),
                                   F.sum("substituted_words").alias("substituted_words"))
              .join(qd, "q").orderBy("q")
              .select("id", "outlet", "date", "aligned_words", "substituted_words",
                      F.when(F.col("aligned_words") > 0,
                             F.floor(F.col("substituted_words") / F.col("aligned_words")
                                     * 10000 + 0.5) / 10000)
                      .otherwise(F.lit(0.0)).alias("spin_score")))
    uses = (raw.select("q", F.explode("patterns").alias("p")).join(qd, "q")
            .select(F.col("p.source").alias("source"), F.col("p.copy").alias("copy"),
                    "outlet_key", "outlet"))
    by_outlet = uses.groupBy("source", "copy", "outlet_key", "outlet").agg(
        F.count("*").alias("count"))
    patterns = (by_outlet.groupBy("source", "copy").agg(
        F.sum("count").alias("count"), F.count("*").alias("outlets"),
        F.slice(F.array_sort(F.collect_list(F.struct(
            (-F.col("count")).alias("neg"), "outlet_key", "outlet", "count"))), 1, 5)
        .alias("top"))
        .where(F.col("count") >= 2)
        .orderBy(F.col("count").desc(), "source", "copy")
        .select("source", "copy", "count", "outlets",
                F.transform("top", lambda x: F.struct(x["outlet"].alias("outlet"),
                                                      x["count"].alias("count")))
                .alias("top_outlets")))
    return patterns, scores


def session(master: Optional[str] = "local[2]", app: str = "tessera scan") -> SparkSession:
    """A Spark session for the scan. ``master``: ``local[N]`` runs on this
    machine, bound to 127.0.0.1, its Python workers the interpreter running
    this; ``None`` leaves the master to ``spark-submit``."""
    b = SparkSession.builder.appName(app)
    if master is not None:
        b = b.master(master)
        if master.startswith("local"):
            b = (b.config("spark.driver.host", "127.0.0.1")
                 .config("spark.driver.bindAddress", "127.0.0.1")
                 .config("spark.ui.enabled", "false"))
            # Python workers read it when the context starts.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return b.getOrCreate()
