"""Splink training: the comparison SQL in both dialects, and estimation on real data."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from opennrm.demo.linkage_people import generate_people
from opennrm.linkage.engine.compare import FIELDS
from opennrm.linkage.engine.records import PersonRecord, person_record
from opennrm.linkage.training import spark_sql, train

DUCKDB_ONLY = re.compile(
    r"\b(jaro_winkler_similarity|list_has_any|list_intersect|list_min|list_distinct|"
    r"list_concat|str_split|len|printf)\("
)


def _records(n: int, seed: int) -> list[PersonRecord]:
    out = []
    for row, _entity in generate_people(n, seed=seed):
        out.append(
            person_record(
                row["id"],
                names=[row["full_name"]] if row["full_name"] else [],
                given_names=row["given_names"],
                family_names=row["family_names"],
                birth_date=row["birth_date"],
                gender=row["gender"],
                nationality=row["nationality"],
                phones=[p for p in row["phones"].split("|") if p],
                emails=[e for e in row["emails"].split("|") if e],
                addresses=[row["address"]] if row["address"] else [],
                identifiers=[i for i in row["identifiers"].split("|") if i],
            )
        )
    return out


def test_every_condition_has_a_spark_spelling() -> None:
    for levels in FIELDS.values():
        for _label, sql in levels:
            translated = spark_sql(sql)
            assert not DUCKDB_ONLY.search(translated), translated
    assert spark_sql("list_has_any(phones_l, phones_r)") == "arrays_overlap(phones_l, phones_r)"


def test_splink_estimates_a_model_on_synthetic_records() -> None:
    """DuckDB backend, unsupervised: the estimated weights point the right way."""
    model = train(_records(4000, seed=21), max_pairs=2e5)
    weight = {n: {lv.label: lv.weight for lv in levels} for n, levels in model.fields.items()}
    assert weight["name"]["exact"] > 5 > weight["name"]["different"]
    assert weight["birth_date"]["exact"] > 5 > weight["birth_date"]["different"]
    assert weight["contact"]["phone"] > 5
    assert 0 < model.prior < 0.01


def test_training_refuses_too_little_data() -> None:
    with pytest.raises(ValueError, match="at least 50"):
        train(_records(10, seed=1))


@pytest.mark.skipif(
    os.environ.get("OPENNRM_TEST_SPARK") != "1" or shutil.which("java") is None,
    reason="Spark in local mode: set OPENNRM_TEST_SPARK=1 with pyspark (uv sync --group spark)"
    " and Java installed",
)
def test_splink_on_spark_in_local_mode() -> None:  # pragma: no cover - optional backend
    from opennrm.linkage.training import local_spark

    model = train(_records(6000, seed=21), backend="spark", spark=local_spark(), max_pairs=2e5)
    weight = {n: {lv.label: lv.weight for lv in levels} for n, levels in model.fields.items()}
    assert weight["name"]["exact"] > 5 > weight["name"]["different"]
