"""Estimating the model's parameters with Splink, on a deployment's own data.

Splink (UK Ministry of Justice) estimates Fellegi–Sunter parameters without labelled
pairs: u probabilities from random record pairs, m probabilities by expectation
maximisation over blocked pairs. We give it our own comparison levels (the SQL half of
``engine.compare.FIELDS``) over columns derived from our own normalisers, and read the
estimates back into a ``Model``; scoring then runs in our vectorised engine. Why not
let Splink score too: see ADR 0012.

Two backends: DuckDB on one machine (default) and Spark for deployments whose data
does not fit one; the comparison SQL is written in DuckDB's dialect and Splink
translates it (sqlglot) for Spark.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from opennrm.linkage.engine.compare import FIELDS, MAX_FORMS
from opennrm.linkage.engine.model import Level, Model, default_model
from opennrm.linkage.engine.records import PersonRecord

__all__ = ["splink_frame", "splink_settings", "train"]

Progress = Callable[[str, int, int], None]

# Pairs whose deterministic agreement stands in for "surely the same person" when Splink
# estimates the prior; their recall is a guess, documented in docs/linkage.md.
_DETERMINISTIC: list[Any] = [
    "l.n1s = r.n1s and l.b_year = r.b_year and l.b_month = r.b_month and l.b_day = r.b_day "
    "and l.b_day > 0",
    "l.n1s = r.n1s and list_has_any(l.phones, r.phones)",
]
_DETERMINISTIC_RECALL = 0.6
# m of a level EM never saw among matches (Splink leaves it unset).
_UNSEEN_M = 1e-3
# Pairs below which a blocking rule is too thin for EM; then a name block is used.
_MIN_EM_PAIRS = 200


def _none_if_empty(value: str) -> str | None:
    return value or None


def splink_frame(records: Sequence[PersonRecord]) -> pd.DataFrame:
    """One row per record with the derived columns the comparison SQL reads."""
    rows: list[dict[str, Any]] = []
    for r in records:
        row: dict[str, Any] = {"unique_id": r.id}
        for k in range(MAX_FORMS):
            form = r.names[k] if k < len(r.names) else None
            row[f"n{k + 1}o"] = form.ordered_key if form else None
            row[f"n{k + 1}s"] = form.sorted_key if form else None
        row["b_year"] = r.birth.year if r.birth else None
        row["b_month"] = r.birth.month if r.birth else 0
        row["b_day"] = r.birth.day if r.birth else 0
        row["gender"] = _none_if_empty(r.gender)
        row["nationality"] = _none_if_empty(r.nationality)
        row["phones"] = sorted(r.phones)
        row["emails"] = sorted(r.emails)
        row["identifiers"] = sorted(r.identifiers)
        # First identifier and phone: EM blocking only (same passport: surely one person).
        row["id1"] = min(r.identifiers) if r.identifiers else None
        row["ph1"] = min(r.phones) if r.phones else None
        row["address"] = _none_if_empty(r.address)
        row["postcode"] = _none_if_empty(r.postcode)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["b_year"] = frame["b_year"].astype("Int64")
    return frame


def _pairs_sharing(frame: pd.DataFrame, column: str) -> int:
    """How many record pairs share a value of ``column`` (what a block on it yields)."""
    sizes = frame[column].dropna().value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


# DuckDB functions in the comparison SQL → their Spark SQL spelling (jaro_winkler and
# damerau_levenshtein are the UDFs of the jar shipped with Splink). sqlglot's own
# translation renders list_has_any as the PostgreSQL operator &&, which Spark refuses.
_SPARK_FUNCTIONS = (
    (re.compile(r"\bjaro_winkler_similarity\("), "jaro_winkler("),
    (re.compile(r"\blist_has_any\("), "arrays_overlap("),
    (re.compile(r"\blist_intersect\("), "array_intersect("),
    (re.compile(r"\blist_min\("), "array_min("),
    (re.compile(r"\blist_distinct\("), "array_distinct("),
    (re.compile(r"\blist_concat\("), "concat("),
    (re.compile(r"\bstr_split\("), "split("),
    (re.compile(r"\blen\("), "size("),
    (re.compile(r"\bprintf\("), "format_string("),
)


def spark_sql(sql: str) -> str:
    """A comparison condition of ``compare.FIELDS`` in Spark SQL."""
    for pattern, spelling in _SPARK_FUNCTIONS:
        sql = pattern.sub(spelling, sql)
    return sql


def splink_settings(*, link_type: Any = "dedupe_only", dialect: str = "duckdb") -> Any:
    """Splink settings whose comparisons are exactly our comparison levels."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons: list[Any] = []
    for name, levels in FIELDS.items():
        creators: list[Any] = []
        for label, sql in levels:
            if sql == "else":
                creators.append(cll.ElseLevel().configure(label_for_charts=label))
                continue
            if dialect == "spark":
                level: Any = cll.CustomLevel(spark_sql(sql), label_for_charts=label)
            else:
                level = cll.CustomLevel(sql, label_for_charts=label, base_dialect_str="duckdb")
            if label == "null":
                level = level.configure(is_null_level=True)
            if name == "name" and label == "exact":
                # The scorer adjusts an exact name for its frequency; so must EM.
                level = level.configure(
                    tf_adjustment_column="n1s", disable_tf_exact_match_detection=True
                )
            creators.append(level)
        comparisons.append(cl.CustomComparison(creators, output_column_name=name))
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on("n1s"),
            block_on("b_year", "b_month", "b_day"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _model_from_splink(saved: dict[str, Any], *, trained_on: str, size: int) -> Model:
    """Our model from Splink's saved settings; a level Splink could not estimate (never
    seen in training) keeps the shipped default."""
    fallback = default_model()
    fields: dict[str, tuple[Level, ...]] = {}
    for comparison in saved["comparisons"]:
        name = comparison["output_column_name"]
        levels: list[Level] = []
        for position, level in enumerate(comparison["comparison_levels"]):
            default = fallback.fields[name][position]
            m = level.get("m_probability")
            u = level.get("u_probability")
            m_known = isinstance(m, int | float) and m > 0
            u_known = isinstance(u, int | float) and u > 0
            if not m_known and u_known and position > 0:
                # Never seen among matches in training: all but impossible for one person.
                m = _UNSEEN_M
                m_known = True
            levels.append(
                Level(
                    default.label,
                    float(m) if m_known else default.m,
                    float(u) if u_known else default.u,
                )
            )
        fields[name] = tuple(levels)
    prior = float(saved.get("probability_two_random_records_match") or fallback.prior)
    return Model(
        version=f"splink-{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
        trained_on=trained_on,
        prior=min(max(prior, 1e-12), 0.5),
        fields=fields,
        match_threshold=fallback.match_threshold,
        possible_threshold=fallback.possible_threshold,
        reference_size=size,
    )


def local_spark(checkpoint_dir: str | None = None) -> Any:
    """A Spark session in local mode (two cores) with Splink's similarity functions.

    A cluster is configured the Spark way (``spark-submit``, ``SPARK_*``); this is for
    one machine and for the tests. Raises ImportError without pyspark.
    """
    import tempfile

    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("opennrm-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(checkpoint_dir or tempfile.mkdtemp(prefix="opennrm-spark-"))
    return spark


def train(
    records: Sequence[PersonRecord],
    *,
    backend: str = "duckdb",
    spark: Any = None,
    max_pairs: float = 2e6,
    seed: int = 1,
    progress: Progress | None = None,
    description: str = "",
    link_type: str = "dedupe_only",
) -> Model:
    """Estimate parameters on ``records`` (no labels needed) and return the model."""
    from splink import Linker, block_on

    if len(records) < 50:
        raise ValueError("training needs at least 50 records; use the shipped default model")
    if backend == "duckdb":
        from splink import DuckDBAPI

        db_api: Any = DuckDBAPI()
    elif backend == "spark":
        from splink import SparkAPI

        if spark is None:
            raise ValueError("the Spark backend needs a SparkSession")
        db_api = SparkAPI(spark_session=spark)  # type: ignore[no-untyped-call]
    else:
        raise ValueError(f"unknown backend {backend!r}; use duckdb or spark")

    def step(name: str, done: int) -> None:
        if progress:
            progress(name, done, 4)

    step("preparing", 0)
    frame = splink_frame(records)
    if backend == "spark":
        table = db_api.register(spark.createDataFrame(frame.astype(object).where(frame.notna())))
    else:
        table = db_api.register(frame)
    if link_type == "link_only":
        # Two sources: Splink links across them (source 0 and 1 registered apart).
        tables = [
            db_api.register(frame[[r.source == side for r in records]].reset_index(drop=True))
            for side in (0, 1)
        ]
        linker = Linker(
            tables,
            splink_settings(link_type="link_only", dialect=backend),
            log_level=logging.ERROR,
        )
    else:
        # Splink warns of every level a training block cannot estimate; we fall back.
        linker = Linker(table, splink_settings(dialect=backend), log_level=logging.ERROR)
    step("estimating the prior", 1)
    rules = [spark_sql(r) for r in _DETERMINISTIC] if backend == "spark" else _DETERMINISTIC
    linker.training.estimate_probability_two_random_records_match(
        rules, recall=_DETERMINISTIC_RECALL
    )
    step("estimating u by random sampling", 2)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    step("estimating m by expectation maximisation", 3)
    # Blocked on a shared identity document, the pairs are almost all one person and
    # EM sees how one person's names and birth dates vary; blocked on an equal birth
    # date, it sees how identifiers, phones and addresses do. Blocking on an equal name
    # would mostly pair namesakes and teach EM that one person's birth dates differ.
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("id1") if _pairs_sharing(frame, "id1") >= _MIN_EM_PAIRS else block_on("n1s")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("b_year", "b_month", "b_day")
    )
    step("done", 4)
    saved = linker.misc.save_model_to_json()
    return _model_from_splink(
        saved,
        trained_on=description or f"{len(records)} records, Splink {backend}",
        size=len(records),
    )
