"""The linkage engine: normalisers, blocking, comparison levels, scoring and explanation.

Names in these tests are synthetic but written the way case files write them: Cyrillic
and its transliterations, Vietnamese with and without diacritics and in either order,
Thai script and romanisations, Arabic particles, Finnish letters, typos.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from opennrm.linkage.engine.blocking import blocking_keys, candidate_pairs
from opennrm.linkage.engine.compare import FIELDS, columns, compare
from opennrm.linkage.engine.link import comparison_of, explain, link, match_one
from opennrm.linkage.engine.model import Model, default_model
from opennrm.linkage.engine.normalise import (
    address_key,
    email_key,
    fold_token,
    identifier_key,
    name_forms,
    parse_birth_date,
    phone_key,
    plate_key,
)
from opennrm.linkage.engine.records import PersonRecord, person_record
from opennrm.linkage.training import splink_frame

# --- normalisers -------------------------------------------------------------------------

# The same name in two scripts or two transliteration schemes: equal after folding.
SAME_NAME = [
    ("Олександр Коваленко", "Oleksandr Kovalenko"),
    ("Олександр Коваленко", "Aleksandr Kowalenko"),
    ("Sasha Kovalenko", "Oleksandr Kovalenko"),
    ("Григорій Шевченко", "Hryhorii Shevchenko"),
    ("Grigoriy Shevchenko", "Hryhorii Shevchenko"),
    ("Юлія Ткаченко", "Yuliia Tkachenko"),
    ("Nguyễn Văn Ân", "Nguyen Van An"),
    ("Nguyễn Văn Ân", "An Nguyen Van"),
    ("Đặng Thị Thu", "Dang Thi Thu"),
    ("Ionuț Popescu", "Ionut Popescu"),
    ("Şerban Ionescu", "Șerban Ionescu"),
    ("Päivi Mäkinen", "Paivi Makinen"),
    ("Päivi Mäkinen", "Paeivi Maekinen"),
    ("Ahmed Al-Jaburi", "Ahmed Jaburi"),
    ("Chukwuemeka Okafor", "Emeka Okafor"),
    ("Adebayo Ogunleye", "ADEBAYO OGUNLEYE"),
]


def _keys(text: str) -> set[str]:
    return {f.sorted_key for f in name_forms(text)}


@pytest.mark.parametrize(("a", "b"), SAME_NAME)
def test_one_name_in_two_scripts_or_schemes_folds_to_one_key(a: str, b: str) -> None:
    assert _keys(a) & _keys(b), (name_forms(a), name_forms(b))


def test_different_people_keep_different_keys() -> None:
    assert not _keys("Olena Kovalenko") & _keys("Oleksandr Kovalenko")
    assert not _keys("Nguyen Van An") & _keys("Nguyen Van Binh")


@pytest.mark.parametrize(
    ("thai", "latin"), [("สมชาย ศรีสุข", "Somchai Srisuk"), ("สมชาย ศรีสุข", "Somchay Srisook")]
)
def test_thai_script_and_romanisation_are_close(thai: str, latin: str) -> None:
    a, b = person_record("a", names=[thai]), person_record("b", names=[latin])
    comparison, _p = comparison_of(default_model(), a, b)
    assert comparison.name_similarity[0] >= 0.88


names = st.text(
    alphabet=st.characters(
        whitelist_categories=("Lu", "Ll", "Zs"),
        # Latin, Latin-1/Extended (Vietnamese, Romanian, Finnish), Cyrillic, Thai.
        min_codepoint=0x20,
        max_codepoint=0x0E7F,
    ),
    max_size=40,
)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20))
def test_folding_a_token_twice_changes_nothing(token: str) -> None:
    once = fold_token(token)
    assert fold_token(once) == once


@given(names)
@settings(max_examples=300)
@example("A ƉY")  # "Ɖy" folds to the particle "di": found by a CI run
def test_name_forms_are_idempotent(text: str) -> None:
    for form in name_forms(text):
        again = name_forms(form.ordered_key)
        assert again and again[0].tokens == form.tokens


@given(names)
@settings(max_examples=200)
def test_token_order_does_not_change_the_sorted_key(text: str) -> None:
    forms = name_forms(text)
    reversed_forms = name_forms(" ".join(reversed(text.split())))
    assert {f.sorted_key for f in forms} == {f.sorted_key for f in reversed_forms}


@given(st.sampled_from(["+358 40 123 4567", "040 1234567", "00358401234567", "+358-40-123-4567"]))
def test_a_phone_in_any_format_is_one_e164_number(raw: str) -> None:
    assert phone_key(raw) == "+358401234567"
    assert phone_key(phone_key(raw) or "") == "+358401234567"


def test_normalisers_of_identifiers() -> None:
    assert email_key(" Anna.Virtanen+tyo@Example.FI ") == "anna.virtanen@example.fi"
    assert email_key("not an address") is None
    assert identifier_key("fi21 1234 5600 0007 85") == "IBAN:FI2112345600000785"
    assert identifier_key("0112038-9") == "FI-Y:0112038-9"
    assert identifier_key("FE 123-456") == "FE123456"
    assert plate_key("abc-123") == plate_key("ABC 123") == "ABC123"
    assert address_key("Mannerheimintie 12 B 4, 00100 Helsinki") == address_key(
        "mannerheimint. 12 b 4 00100 HELSINKI"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990-04-02", (1990, 4, 2)),
        ("1990-04", (1990, 4, 0)),
        ("1990", (1990, 0, 0)),
        ("19900402", (1990, 4, 2)),
        ("1990-13-01", (1990, 0, 0)),  # an impossible month keeps the year
        ("1990-02-31", (1990, 2, 0)),
        ("last spring", None),
        ("1066", None),
    ],
)
def test_birth_dates_partial_and_mistyped(raw: str, expected: tuple[int, int, int] | None) -> None:
    parsed = parse_birth_date(raw)
    assert (None if parsed is None else (parsed.year, parsed.month, parsed.day)) == expected


# --- comparison, scoring, explanation ----------------------------------------------------


def _levels(a: PersonRecord, b: PersonRecord) -> dict[str, str]:
    comparison, _p = comparison_of(default_model(), a, b)
    return {name: FIELDS[name][int(level[0])][0] for name, level in comparison.levels.items()}


def test_transliterated_person_with_swapped_date_and_other_phone_format_is_a_match() -> None:
    a = person_record(
        "a", names=["Олександр Коваленко"], birth_date="1990-04-02", phones=["+380 67 123 4567"]
    )
    b = person_record(
        "b",
        given_names="Aleksandr",
        family_names="Kowalenko",
        birth_date="1990-02-04",
        phones=["00380671234567"],
    )
    levels = _levels(a, b)
    assert levels["name"] == "exact"
    assert levels["birth_date"] == "swapped"
    assert levels["contact"] == "phone"
    [pair] = match_one(a, [b], default_model())
    assert pair.decision == "match"
    assert {"same phone +380671234567", "names equal", "birth day and month swapped"} <= set(
        pair.explanation.split("; ")
    )


def test_family_members_sharing_surname_phone_and_address_are_not_a_match() -> None:
    shared = {"phones": ["+358 40 765 4321"], "addresses": ["Kalliontie 3 A 5, 00530 Helsinki"]}
    mother = person_record("m", names=["Nguyễn Thị Lan"], birth_date="1971-03-09", **shared)
    son = person_record("s", names=["Nguyễn Văn Minh"], birth_date="1998-11-20", **shared)
    levels = _levels(mother, son)
    assert levels["birth_date"] == "different"
    # One comparison for phone and address: a household's two shared values are not
    # two independent pieces of evidence.
    assert levels["contact"] == "phone_and_address"
    pairs = match_one(mother, [son], default_model())
    assert all(p.decision != "match" for p in pairs)


def test_typo_and_partial_date_levels() -> None:
    a = person_record("a", names=["Ngozi Adeyemi"], birth_date="1985-06-14")
    assert (
        _levels(a, person_record("b", names=["Ngozi Adeyemi"], birth_date="1985-06-15"))[
            "birth_date"
        ]
        == "typo"
    )
    assert (
        _levels(a, person_record("c", names=["Ngozi Adeyemi"], birth_date="1985"))["birth_date"]
        == "partial"
    )
    assert _levels(a, person_record("d", names=["Ngozi Adeyeni"]))["name"] in {"jw94", "jw88"}
    # A doubled letter is one letter: not even a typo.
    assert _levels(a, person_record("d", names=["Ngozi Adeyemmi"]))["name"] == "exact"
    assert _levels(a, person_record("e"))["name"] == "null"


def test_explanation_without_shared_values_names_only_the_kind() -> None:
    model = default_model()
    phone = [lv.label for lv in model.fields["contact"]].index("phone")
    text = explain(model, {"contact": phone}, 0.0, None)
    assert text == "same phone"
    assert "+" not in text


def test_model_refuses_parameters_for_other_levels() -> None:
    data = default_model().to_json()
    data["fields"]["name"] = data["fields"]["name"][:-1]
    with pytest.raises(ValueError, match="levels"):
        Model.from_json(data)


# --- blocking ------------------------------------------------------------------------------


def test_blocking_pairs_transliterations_typos_and_shared_phones() -> None:
    records = [
        person_record("a", names=["Олександр Коваленко"], birth_date="1990"),
        person_record("b", names=["Oleksandr Kovalenko"], birth_date="1990-04-02"),
        person_record("c", names=["Oleksandr Kovalenok"], birth_date="1990-04-02"),  # typo
        person_record("d", names=["Somchai Srisuk"], phones=["+66 81 234 5678"]),
        person_record("e", names=["S. Srisook"], phones=["0066812345678"]),
        person_record("f", names=["Mikko Virtanen"], birth_date="1960"),
    ]
    left, right = candidate_pairs([blocking_keys(r) for r in records])
    found = {(records[i].id, records[j].id) for i, j in zip(left, right, strict=True)}
    assert {("a", "b"), ("a", "c"), ("b", "c"), ("d", "e")} <= found
    assert not any("f" in pair for pair in found)


def test_blocking_skips_a_key_shared_by_too_many() -> None:
    hotline = [person_record(str(i), phones=["+358 800 123 456"]) for i in range(30)]
    left, _right = candidate_pairs([blocking_keys(r) for r in hotline], max_block=10)
    assert len(left) == 0
    left, _right = candidate_pairs([blocking_keys(r) for r in hotline], max_block=30)
    assert len(left) == 30 * 29 // 2


def test_two_source_linkage_only_pairs_across_sources() -> None:
    records = [
        person_record("l1", names=["Ionuț Popescu"], birth_date="1979-01-01", source=0),
        person_record("l2", names=["Ionut Popescu"], birth_date="1979-01-01", source=0),
        person_record("r1", names=["Popescu Ionut"], birth_date="1979-01-01", source=1),
    ]
    pairs = link(records, default_model(), two_sources=True)
    assert {(p.left_id, p.right_id) for p in pairs} == {("l1", "r1"), ("l2", "r1")}


# --- the two halves of every level agree ---------------------------------------------------


def test_python_levels_equal_splink_sql_levels() -> None:
    """The levels we score with are the levels Splink estimates weights for."""
    from opennrm.demo.linkage_people import generate_people

    people = [row for row, _entity in generate_people(600, seed=3)]
    records = [
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
        for row in people
    ]
    left, right = candidate_pairs([blocking_keys(r) for r in records])
    rng = np.random.default_rng(5)
    extra_l = rng.integers(0, len(records), 400)
    extra_r = rng.integers(0, len(records), 400)
    keep = extra_l != extra_r
    left = np.concatenate([left, extra_l[keep]])
    right = np.concatenate([right, extra_r[keep]])
    python = compare(columns(records), left, right).levels
    assert len(left) > 500

    con = duckdb.connect()
    frame = splink_frame(records)
    con.register("frame", frame)
    con.execute("create table t as select * from frame")
    con.execute(
        "create table p as select unnest(l) as l, unnest(r) as r, unnest(k) as k "
        "from (select ?::varchar[] as l, ?::varchar[] as r, ?::bigint[] as k)",
        [
            [records[i].id for i in left.tolist()],
            [records[j].id for j in right.tolist()],
            list(range(len(left))),
        ],
    )
    select_cols = ", ".join(
        f"a.{c} as {c}_l, b.{c} as {c}_r" for c in frame.columns if c != "unique_id"
    )
    for name, levels in FIELDS.items():
        cases = " ".join(
            f"when {sql} then {n}" for n, (_label, sql) in enumerate(levels) if sql != "else"
        )
        sql_levels = [
            row[0]
            for row in con.execute(
                f"select case {cases} else {len(levels) - 1} end from ("  # noqa: S608
                f"select {select_cols}, p.k from p "
                "join t a on a.unique_id = p.l join t b on b.unique_id = p.r) order by k"
            ).fetchall()
        ]
        mismatched = [
            (records[left[k]].id, records[right[k]].id, int(python[name][k]), sql_levels[k])
            for k in range(len(left))
            if int(python[name][k]) != sql_levels[k]
        ]
        assert not mismatched, (name, mismatched[:5])


def test_the_prior_falls_with_the_size_of_the_data_never_rises() -> None:
    model = default_model()
    assert model.reference_size > 0
    assert model.for_size(model.reference_size // 10) is model
    bigger = model.for_size(model.reference_size * 10)
    assert bigger.prior == pytest.approx(model.prior / 10)
    a = person_record("a", names=["Tran Thi Mai"], birth_date="1987")
    b = person_record("b", names=["Tran Thi Mai"], birth_date="1987")
    _c, small = comparison_of(model, a, b)
    _c, large = comparison_of(bigger, a, b)
    assert large < small
