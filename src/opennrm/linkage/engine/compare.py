"""Comparison levels: how closely two records agree on each field.

Each field has ordered, mutually exclusive levels; level 0 is always "one side does not
say" and carries no weight. The first level whose condition holds is the pair's level.

Every level is defined twice, side by side in ``FIELDS``: as vectorised NumPy/rapidfuzz
code (used to score) and as SQL over Splink's ``_l``/``_r`` columns (used by Splink to
estimate the level's m and u probabilities). ``tests/unit/test_linkage_engine.py``
checks that both give the same level for every pair of a sample, so the weights Splink
estimates are the weights of the levels we compute.

Name similarity is Jaro–Winkler (rapidfuzz; DuckDB's ``jaro_winkler_similarity`` is the
same function) taken as the best over every pair of written forms, compared as written
and with tokens sorted — so that "Nguyen Van An" and "An Nguyen Van" compare as the same
name. Set-valued fields (phones, e-mails, identifiers, name tokens) are compared as
integer codes, column by column, so no pair goes through a Python loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from opennrm.linkage.engine.records import PersonRecord

__all__ = [
    "FIELDS",
    "MAX_FORMS",
    "Columns",
    "Comparison",
    "columns",
    "compare",
    "name_counts",
]

# Written forms kept per record for comparison (and given to Splink as n1…n{MAX_FORMS}).
MAX_FORMS = 2

IntArray = npt.NDArray[np.int64]
LevelArray = npt.NDArray[np.int8]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Columns:
    """Records as columns, so that a million pairs compare in a few array operations."""

    ids: list[str]
    # Written forms, flattened: form i of record r is at form_start[r] + i.
    form_start: IntArray
    form_count: IntArray
    ordered: npt.NDArray[np.object_]
    sorted_: npt.NDArray[np.object_]
    # Tokens of each record's first form, as codes (-1 pads): "one name in common".
    tokens: IntArray
    year: IntArray  # -1 unknown
    month: IntArray  # 0 unknown
    day: IntArray  # 0 unknown
    date_text: npt.NDArray[np.object_]  # YYYYMMDD for a full date, else ""
    gender: npt.NDArray[np.object_]
    nationality: npt.NDArray[np.object_]
    # Phones, e-mails and identifiers as codes, one row per record, -1 pads.
    phones: IntArray
    emails: IntArray
    identifiers: IntArray
    first_identifier: npt.NDArray[np.object_]
    address: npt.NDArray[np.object_]
    # Distinct tokens of the folded address as codes: words in another order or one
    # word mistyped still leave most of them in common.
    address_tokens: IntArray
    postcode: npt.NDArray[np.object_]
    source: npt.NDArray[np.int8]
    # How common each record's (first) written name is among all records, 0 unknown:
    # an exact match on a rare name says more than on "Nguyen Van An".
    name_frequency: FloatArray


def _codes(values: Sequence[Sequence[str]], codebook: dict[str, int]) -> IntArray:
    """Sets of strings as a matrix of integer codes, one row per record, -1 as padding:
    comparing codes column by column finds a shared value without a Python loop."""
    width = max((len(v) for v in values), default=0) or 1
    out = np.full((len(values), width), -1, dtype=np.int64)
    for row, items in enumerate(values):
        for col, item in enumerate(items):
            out[row, col] = codebook.setdefault(item, len(codebook))
    return out


def name_counts(records: Sequence[PersonRecord]) -> IntArray:
    """How many records share each record's first written name (0: no name)."""
    keys = [r.names[0].sorted_key if r.names else "" for r in records]
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return np.array([counts[k] if k else 0 for k in keys], dtype=np.int64)


def columns(records: Sequence[PersonRecord], name_frequency: FloatArray | None = None) -> Columns:
    """Lay records out as columns (at most ``MAX_FORMS`` written forms each)."""
    counts = np.fromiter((min(len(r.names), MAX_FORMS) for r in records), np.int64, len(records))
    starts = np.zeros(len(records), dtype=np.int64)
    if len(records):
        starts[1:] = np.cumsum(counts)[:-1]
    forms = [f for r in records for f in r.names[:MAX_FORMS]]
    codebook: dict[str, int] = {}
    return Columns(
        ids=[r.id for r in records],
        form_start=starts,
        form_count=counts,
        ordered=np.array([f.ordered_key for f in forms], dtype=object),
        sorted_=np.array([f.sorted_key for f in forms], dtype=object),
        tokens=_codes([sorted(set(r.names[0].tokens)) if r.names else [] for r in records], {}),
        year=np.fromiter((r.birth.year if r.birth else -1 for r in records), np.int64),
        month=np.fromiter((r.birth.month if r.birth else 0 for r in records), np.int64),
        day=np.fromiter((r.birth.day if r.birth else 0 for r in records), np.int64),
        date_text=np.array(
            [
                f"{r.birth.year:04d}{r.birth.month:02d}{r.birth.day:02d}"
                if r.birth and r.birth.day
                else ""
                for r in records
            ],
            dtype=object,
        ),
        gender=np.array([r.gender for r in records], dtype=object),
        nationality=np.array([r.nationality for r in records], dtype=object),
        phones=_codes([sorted(r.phones) for r in records], codebook),
        emails=_codes([sorted(r.emails) for r in records], codebook),
        identifiers=_codes([sorted(r.identifiers) for r in records], codebook),
        first_identifier=np.array(
            [min(r.identifiers) if r.identifiers else "" for r in records], dtype=object
        ),
        address=np.array([r.address for r in records], dtype=object),
        address_tokens=_codes([sorted(set(r.address.split())) for r in records], {}),
        postcode=np.array([r.postcode for r in records], dtype=object),
        source=np.fromiter((r.source for r in records), np.int8, len(records)),
        name_frequency=(
            name_frequency
            if name_frequency is not None
            else np.zeros(len(records), dtype=np.float64)
        ),
    )


@dataclass(frozen=True)
class Comparison:
    """Levels per field for a batch of pairs, and the name similarity behind them."""

    levels: dict[str, LevelArray]
    name_similarity: FloatArray
    # Term frequency of the name for pairs whose names are equal (0: not known).
    name_frequency: FloatArray


def _jw(a: npt.NDArray[np.object_], b: npt.NDArray[np.object_]) -> FloatArray:
    if len(a) == 0:
        return np.empty(0, dtype=np.float64)
    return np.asarray(
        process.cpdist(
            list(a), list(b), scorer=JaroWinkler.normalized_similarity, workers=1, dtype=np.float64
        ),
        dtype=np.float64,
    )


def _name(cols: Columns, left: IntArray, right: IntArray) -> tuple[LevelArray, FloatArray]:
    n_pairs = len(left)
    count_l = cols.form_count[left]
    count_r = cols.form_count[right]
    both = (count_l > 0) & (count_r > 0)
    best = np.zeros(n_pairs, dtype=np.float64)
    exact = np.zeros(n_pairs, dtype=bool)
    for a, b in product(range(MAX_FORMS), range(MAX_FORMS)):
        has = both & (count_l > a) & (count_r > b)
        idx = np.nonzero(has)[0]
        if len(idx) == 0:
            continue
        fl = cols.form_start[left[idx]] + a
        fr = cols.form_start[right[idx]] + b
        sim = np.maximum(
            _jw(cols.ordered[fl], cols.ordered[fr]), _jw(cols.sorted_[fl], cols.sorted_[fr])
        )
        best[idx] = np.maximum(best[idx], sim)
        exact[idx] |= cols.sorted_[fl] == cols.sorted_[fr]
    shared = _any_shared(cols.tokens, left, right)
    level = np.select(
        [~both, exact, best >= 0.94, best >= 0.88, shared, best >= 0.80],
        [0, 1, 2, 3, 4, 5],
        6,
    ).astype(np.int8)
    return level, best


def _birth(cols: Columns, left: IntArray, right: IntArray) -> LevelArray:
    yl, yr = cols.year[left], cols.year[right]
    ml, mr = cols.month[left], cols.month[right]
    dl, dr = cols.day[left], cols.day[right]
    same_year = yl == yr
    full = (dl > 0) & (dr > 0)
    exact = full & same_year & (ml == mr) & (dl == dr)
    partial = same_year & ((ml == 0) | (mr == 0) | ((ml == mr) & ((dl == 0) | (dr == 0))))
    swapped = same_year & full & (ml == dr) & (dl == mr)
    near = np.abs(yl - yr) == 1
    unknown = (yl < 0) | (yr < 0)
    typo = np.zeros(len(left), dtype=bool)
    both_full = np.nonzero(full & ~unknown & ~exact & ~swapped)[0]
    if len(both_full):
        typo[both_full] = (
            _dl(cols.date_text[left[both_full]], cols.date_text[right[both_full]]) <= 1
        )
    return np.select(
        [unknown, exact, partial, swapped, typo, same_year, near], [0, 1, 2, 3, 4, 5, 6], 7
    ).astype(np.int8)


def _dl(a: npt.NDArray[np.object_], b: npt.NDArray[np.object_]) -> IntArray:
    """Damerau–Levenshtein distances of pairs of strings (rapidfuzz, vectorised)."""
    return np.asarray(
        process.cpdist(list(a), list(b), scorer=DamerauLevenshtein.distance, workers=1),
        dtype=np.int64,
    )


def _any_shared(codes: IntArray, left: IntArray, right: IntArray) -> npt.NDArray[np.bool_]:
    """Whether the two records of each pair have a value (code) in common."""
    a, b = codes[left], codes[right]
    shared = np.zeros(len(left), dtype=bool)
    for i in range(codes.shape[1]):
        col = a[:, i : i + 1]
        shared |= ((col == b) & (col >= 0)).any(axis=1)
    return shared


def _shared_count(codes: IntArray, left: IntArray, right: IntArray) -> IntArray:
    """How many distinct values (codes) the two records of each pair have in common."""
    a, b = codes[left], codes[right]
    count = np.zeros(len(left), dtype=np.int64)
    for i in range(codes.shape[1]):
        col = a[:, i : i + 1]
        count += ((col == b) & (col >= 0)).any(axis=1)
    return count


def _sets(codes: IntArray, left: IntArray, right: IntArray) -> LevelArray:
    known = (codes[left, 0] >= 0) & (codes[right, 0] >= 0)
    shared = _any_shared(codes, left, right)
    return np.select([~known, shared], [0, 1], 2).astype(np.int8)


def _identifiers(cols: Columns, left: IntArray, right: IntArray) -> LevelArray:
    """Shared, or the first identifiers one typo apart (a digit slipped or two swapped)."""
    level = _sets(cols.identifiers, left, right)
    level[level == 2] = 3
    unsure = np.nonzero(level == 3)[0]
    if len(unsure):
        near = _dl(cols.first_identifier[left[unsure]], cols.first_identifier[right[unsure]]) <= 1
        level[unsure[near]] = 2
    return level


def _equal(values: npt.NDArray[np.object_], left: IntArray, right: IntArray) -> LevelArray:
    a, b = values[left], values[right]
    unknown = (a == "") | (b == "")
    return np.select([unknown, a == b], [0, 1], 2).astype(np.int8)


def _contact(cols: Columns, left: IntArray, right: IntArray) -> LevelArray:
    """Phone and address as one comparison: a household shares both, so counting them
    as independent evidence would make a mother and her son one person. Estimated
    jointly, "same phone and same address" weighs about as much as a phone alone."""
    phone_known = (cols.phones[left, 0] >= 0) & (cols.phones[right, 0] >= 0)
    phone = _any_shared(cols.phones, left, right)
    a, b = cols.address[left], cols.address[right]
    address_known = (a != "") & (b != "")
    known = np.nonzero(address_known)[0]
    sim = np.zeros(len(left), dtype=np.float64)
    sim[known] = _jw(a[known], b[known])
    exact = address_known & (a == b)
    similar = address_known & (sim >= 0.9)
    shared = _shared_count(cols.address_tokens, left, right)
    sizes_l = (cols.address_tokens[left] >= 0).sum(axis=1)
    sizes_r = (cols.address_tokens[right] >= 0).sum(axis=1)
    union = np.maximum(sizes_l + sizes_r - shared, 1)
    most_words = address_known & (shared / union >= 0.5)
    pa, pb = cols.postcode[left], cols.postcode[right]
    same_postcode = (pa != "") & (pa == pb)
    return np.select(
        [
            ~phone_known & ~address_known,
            phone & (exact | similar),
            phone,
            exact,
            similar,
            most_words,
            same_postcode,
        ],
        [0, 1, 2, 3, 4, 5, 6],
        7,
    ).astype(np.int8)


def compare(cols: Columns, left: IntArray, right: IntArray) -> Comparison:
    """The level of every field for every pair ``(left[k], right[k])``."""
    name_level, name_sim = _name(cols, left, right)
    return Comparison(
        levels={
            "name": name_level,
            "birth_date": _birth(cols, left, right),
            "gender": _equal(cols.gender, left, right),
            "nationality": _equal(cols.nationality, left, right),
            "contact": _contact(cols, left, right),
            "email": _sets(cols.emails, left, right),
            "identifier": _identifiers(cols, left, right),
        },
        name_similarity=name_sim,
        name_frequency=np.maximum(cols.name_frequency[left], cols.name_frequency[right]),
    )


def _name_sql() -> tuple[str, str]:
    """Splink SQL for the best name similarity and for an exact name, over n1…n{MAX}."""
    sims: list[str] = []
    exacts: list[str] = []
    for a, b in product(range(1, MAX_FORMS + 1), range(1, MAX_FORMS + 1)):
        la, rb = f"n{a}", f"n{b}"
        sims += [
            f"jaro_winkler_similarity({la}o_l, {rb}o_r)",
            f"jaro_winkler_similarity({la}s_l, {rb}s_r)",
        ]
        exacts.append(f"coalesce({la}s_l = {rb}s_r, false)")
    return f"greatest({', '.join(sims)})", "(" + " or ".join(exacts) + ")"


def _set_levels(column: str) -> tuple[tuple[str, str], ...]:
    return (
        ("null", f"len({column}_l) = 0 or len({column}_r) = 0"),
        ("shared", f"list_has_any({column}_l, {column}_r)"),
        ("different", "else"),
    )


def _equal_levels(column: str) -> tuple[tuple[str, str], ...]:
    return (
        ("null", f"{column}_l is null or {column}_r is null"),
        ("equal", f"{column}_l = {column}_r"),
        ("different", "else"),
    )


_NAME_SIM, _NAME_EXACT = _name_sql()
_FULL = "b_day_l > 0 and b_day_r > 0"
_WORDS = "list_distinct(str_split(address_{s}, ' '))"
_YMD = "printf('%04d%02d%02d', b_year_{s}, b_month_{s}, b_day_{s})"

# Field → levels as (label, Splink SQL condition); order is the level number.
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "name": (
        ("null", "n1o_l is null or n1o_r is null"),
        ("exact", _NAME_EXACT),
        ("jw94", f"{_NAME_SIM} >= 0.94"),
        ("jw88", f"{_NAME_SIM} >= 0.88"),
        (
            "token",
            "len(list_intersect(str_split(n1s_l, ' '), str_split(n1s_r, ' '))) > 0",
        ),
        ("jw80", f"{_NAME_SIM} >= 0.80"),
        ("different", "else"),
    ),
    "birth_date": (
        ("null", "b_year_l is null or b_year_r is null"),
        (
            "exact",
            f"{_FULL} and b_year_l = b_year_r and b_month_l = b_month_r and b_day_l = b_day_r",
        ),
        (
            "partial",
            "b_year_l = b_year_r and (b_month_l = 0 or b_month_r = 0 "
            "or (b_month_l = b_month_r and (b_day_l = 0 or b_day_r = 0)))",
        ),
        (
            "swapped",
            f"b_year_l = b_year_r and {_FULL} and b_month_l = b_day_r and b_day_l = b_month_r",
        ),
        (
            "typo",
            f"{_FULL} and damerau_levenshtein({_YMD.format(s='l')}, {_YMD.format(s='r')}) <= 1",
        ),
        ("year", "b_year_l = b_year_r"),
        ("year_near", "abs(b_year_l - b_year_r) = 1"),
        ("different", "else"),
    ),
    "gender": _equal_levels("gender"),
    "nationality": _equal_levels("nationality"),
    "contact": (
        (
            "null",
            "(len(phones_l) = 0 or len(phones_r) = 0) and (address_l is null or address_r is null)",
        ),
        (
            "phone_and_address",
            "list_has_any(phones_l, phones_r) and (address_l = address_r "
            "or jaro_winkler_similarity(address_l, address_r) >= 0.9)",
        ),
        ("phone", "list_has_any(phones_l, phones_r)"),
        ("address", "address_l = address_r"),
        ("address_similar", "jaro_winkler_similarity(address_l, address_r) >= 0.9"),
        (
            "address_words",
            f"len(list_intersect({_WORDS.format(s='l')}, {_WORDS.format(s='r')})) "
            f"/ len(list_distinct(list_concat({_WORDS.format(s='l')}, {_WORDS.format(s='r')})))"
            " >= 0.5",
        ),
        ("postcode", "postcode_l = postcode_r"),
        ("different", "else"),
    ),
    "email": _set_levels("emails"),
    "identifier": (
        ("null", "len(identifiers_l) = 0 or len(identifiers_r) = 0"),
        ("shared", "list_has_any(identifiers_l, identifiers_r)"),
        (
            "typo",
            "damerau_levenshtein(list_min(identifiers_l), list_min(identifiers_r)) <= 1",
        ),
        ("different", "else"),
    ),
}
