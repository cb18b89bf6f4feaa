"""Precision, recall and F1 of predicted record pairs against ground truth.

Pure functions on plain values, so that the linkage benchmark and its unit test share one
definition of a pair:

- deduplication (one file): a pair is unordered, ("a", "b") is ("b", "a"), and a record
  paired with itself is not a pair;
- linkage of two files: a pair is ordered, (record of the left file, record of the right
  file), as the tools are asked to write them.

A pair predicted twice counts once.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

Pair = tuple[str, str]


@dataclass(frozen=True)
class Metrics:
    predicted: int  # distinct pairs predicted
    truth: int  # distinct true pairs
    true_positives: int

    @property
    def false_positives(self) -> int:
        return self.predicted - self.true_positives

    @property
    def false_negatives(self) -> int:
        return self.truth - self.true_positives

    @property
    def precision(self) -> float:
        """0 when nothing is predicted (nothing wrong was said, but nothing right either)."""
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.truth if self.truth else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "predicted": self.predicted,
            "truth": self.truth,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def canonical(pairs: Iterable[Pair], *, ordered: bool) -> set[Pair]:
    """The distinct pairs: as given when `ordered` (two files), else each pair sorted and
    self-pairs dropped (one file)."""
    if ordered:
        return {(a, b) for a, b in pairs}
    return {(a, b) if a < b else (b, a) for a, b in pairs if a != b}


def pairs_within_entities(id_entity: Iterable[tuple[str, str]]) -> set[Pair]:
    """Every unordered pair of records that share an entity: (id, entity_id) rows in, the
    true pairs of a deduplication out. An entity of k records gives k(k-1)/2 pairs."""
    members: defaultdict[str, set[str]] = defaultdict(set)
    for record_id, entity_id in id_entity:
        members[entity_id].add(record_id)
    truth: set[Pair] = set()
    for ids in members.values():
        truth.update(itertools.combinations(sorted(ids), 2))
    return truth


def evaluate(predicted: Iterable[Pair], truth: Iterable[Pair], *, ordered: bool) -> Metrics:
    """Compare predicted pairs with true ones, both made canonical the same way."""
    found = canonical(predicted, ordered=ordered)
    true = canonical(truth, ordered=ordered)
    return Metrics(predicted=len(found), truth=len(true), true_positives=len(found & true))


def sweep(
    scored: Iterable[tuple[str, str, float]],
    truth: Iterable[Pair],
    thresholds: Iterable[float],
    *,
    ordered: bool,
) -> dict[float, Metrics]:
    """The metrics of the pairs scoring at least each threshold. A pair listed more than
    once keeps its highest score."""
    best: dict[Pair, float] = {}
    for a, b, score in scored:
        if not ordered and a == b:
            continue
        key = (a, b) if ordered or a < b else (b, a)
        if score > best.get(key, float("-inf")):
            best[key] = score
    true = canonical(truth, ordered=ordered)
    result = {}
    for threshold in thresholds:
        kept = {pair for pair, score in best.items() if score >= threshold}
        result[threshold] = Metrics(
            predicted=len(kept), truth=len(true), true_positives=len(kept & true)
        )
    return result
