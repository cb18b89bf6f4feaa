"""Linking: block, compare, score, decide and explain — in batch and for one new record.

``link`` finds the pairs worth a person's attention in one set of records
(deduplication) or across two (``source`` 0 and 1). ``match_one`` scores one record
against candidates already fetched (the online path: the store's index supplies the
candidates by blocking key). Both return ``Pair``s with a decision and a one-line
explanation; nothing is ever merged here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from opennrm.linkage.engine.blocking import DEFAULT_MAX_BLOCK, blocking_keys, candidate_pairs
from opennrm.linkage.engine.compare import (
    FIELDS,
    Columns,
    Comparison,
    columns,
    compare,
    name_counts,
)
from opennrm.linkage.engine.model import Model
from opennrm.linkage.engine.records import PersonRecord

__all__ = ["Pair", "explain", "explain_labels", "link", "match_one", "shared_values"]

Progress = Callable[[str, int, int], None]

# Pairs compared per chunk: bounds memory on a million records.
_CHUNK = 500_000

_PHRASES: dict[str, dict[str, str]] = {
    "name": {
        "exact": "names equal",
        "different": "names differ",
    },
    "birth_date": {
        "exact": "birth date equal",
        "partial": "birth date agrees as far as known",
        "swapped": "birth day and month swapped",
        "typo": "birth date one character apart",
        "year": "birth year equal",
        "year_near": "birth year one apart",
        "different": "birth dates differ",
    },
    "gender": {"equal": "gender equal", "different": "gender differs"},
    "nationality": {"equal": "nationality equal", "different": "nationality differs"},
    "contact": {
        "address": "same address",
        "address_similar": "addresses similar",
        "address_words": "most words of the address in common",
        "postcode": "same postcode",
        "different": "phones and addresses differ",
    },
    "email": {"different": "e-mails differ"},
    "identifier": {"typo": "identifiers one character apart", "different": "identifiers differ"},
}
_SHARED = {"email": "same e-mail", "identifier": "same identifier"}


@dataclass(frozen=True, slots=True)
class Pair:
    left_id: str
    right_id: str
    score: float
    decision: str  # "match" | "possible"
    explanation: str
    levels: dict[str, str]
    name_similarity: float = 0.0


def explain(
    model: Model,
    levels: dict[str, int],
    name_similarity: float,
    shared: dict[str, list[str]] | None = None,
    *,
    limit: int = 5,
) -> str:
    """The fields that weighed most, strongest first: "same phone +358401234567; names
    0.94; birth year equal". ``shared`` holds the shared values to name; without it
    (when the reader may not see both records) only the kind of agreement is said."""
    scored: list[tuple[float, str]] = []
    for name, level in levels.items():
        if level == 0:
            continue
        lv = model.fields[name][level]
        if name in _SHARED and lv.label == "shared":
            values = (shared or {}).get(name, [])
            phrase = f"{_SHARED[name]} {', '.join(values)}" if values else _SHARED[name]
        elif name == "contact" and lv.label in ("phone", "phone_and_address"):
            values = (shared or {}).get("phone", [])
            phrase = f"same phone {', '.join(values)}" if values else "same phone"
            if lv.label == "phone_and_address":
                phrase += "; same address"
        elif name == "name" and lv.label != "exact":
            phrase = f"names {name_similarity:.2f}"
        else:
            phrase = _PHRASES.get(name, {}).get(lv.label, "")
        if phrase:
            scored.append((abs(lv.weight), phrase))
    scored.sort(key=lambda item: -item[0])
    return "; ".join(phrase for _weight, phrase in scored[:limit])


def explain_labels(
    model: Model,
    labels: dict[str, str],
    name_similarity: float,
    shared: dict[str, list[str]] | None = None,
) -> str:
    """``explain`` for levels stored by label (candidate links keep labels, not numbers)."""
    levels: dict[str, int] = {}
    for name, label in labels.items():
        known = [lv.label for lv in model.fields.get(name, ())]
        if label in known:
            levels[name] = known.index(label)
    return explain(model, levels, name_similarity, shared)


def shared_values(a: PersonRecord, b: PersonRecord) -> dict[str, list[str]]:
    return {
        "phone": sorted(a.phones & b.phones),
        "email": sorted(a.emails & b.emails),
        "identifier": sorted(a.identifiers & b.identifiers),
    }


def _decide(
    model: Model,
    records: Sequence[PersonRecord],
    cols: Columns,
    left: npt.NDArray[np.int64],
    right: npt.NDArray[np.int64],
) -> list[Pair]:
    comparison = compare(cols, left, right)
    probability = model.probability(comparison)
    keep = np.nonzero(probability >= model.possible_threshold)[0]
    out: list[Pair] = []
    labels = {name: [label for label, _sql in levels] for name, levels in FIELDS.items()}
    for k in keep.tolist():
        i, j = int(left[k]), int(right[k])
        levels = {name: int(arr[k]) for name, arr in comparison.levels.items()}
        score = float(probability[k])
        out.append(
            Pair(
                left_id=cols.ids[i],
                right_id=cols.ids[j],
                score=round(score, 4),
                decision="match" if score >= model.match_threshold else "possible",
                explanation=explain(
                    model,
                    levels,
                    float(comparison.name_similarity[k]),
                    shared_values(records[i], records[j]),
                ),
                levels={name: labels[name][lv] for name, lv in levels.items()},
                name_similarity=round(float(comparison.name_similarity[k]), 4),
            )
        )
    return out


def link(
    records: Sequence[PersonRecord],
    model: Model,
    *,
    two_sources: bool = False,
    max_block: int = DEFAULT_MAX_BLOCK,
    progress: Progress | None = None,
) -> list[Pair]:
    """Candidate pairs in ``records``: within them, or across sources 0 → 1."""
    model = model.for_size(len(records))
    cols = columns(records, model.name_tf(name_counts(records), len(records)))
    if progress:
        progress("blocking", 0, len(records))
    keys = [blocking_keys(r) for r in records]
    left, right = candidate_pairs(
        keys, sources=cols.source if two_sources else None, max_block=max_block
    )
    del keys
    total = len(left)
    pairs: list[Pair] = []
    for start in range(0, total, _CHUNK):
        if progress:
            progress("comparing", start, total)
        stop = min(start + _CHUNK, total)
        pairs.extend(_decide(model, records, cols, left[start:stop], right[start:stop]))
    if progress:
        progress("comparing", total, total)
    return pairs


def match_one(
    record: PersonRecord,
    candidates: Sequence[PersonRecord],
    model: Model,
    *,
    name_frequency: float = 0.0,
) -> list[Pair]:
    """Score ``record`` against ``candidates`` (found by the store's blocking index).

    ``name_frequency`` is the share of stored persons with the record's name (the store
    index counts it); only pairs whose names are equal use it."""
    if not candidates:
        return []
    everyone = [record, *candidates]
    cols = columns(everyone, np.full(len(everyone), name_frequency, dtype=np.float64))
    right = np.arange(1, len(everyone), dtype=np.int64)
    left = np.zeros(len(candidates), dtype=np.int64)
    return _decide(model, everyone, cols, left, right)


def comparison_of(model: Model, a: PersonRecord, b: PersonRecord) -> tuple[Comparison, float]:
    """The comparison of two records and their match probability (for tests and review)."""
    cols = columns([a, b])
    comparison = compare(cols, np.array([0], dtype=np.int64), np.array([1], dtype=np.int64))
    return comparison, float(model.probability(comparison)[0])
