"""The linkage benchmark's pair metrics: canonical pairs for deduplication and for linkage
of two files, true pairs from entity groups, precision, recall, F1 and threshold sweeps."""

from __future__ import annotations

import pytest
from bench.linkage_metrics import Metrics, canonical, evaluate, pairs_within_entities, sweep


def test_dedupe_pairs_are_unordered_and_never_self_pairs() -> None:
    assert canonical([("b", "a"), ("a", "b"), ("c", "c")], ordered=False) == {("a", "b")}


def test_two_file_pairs_keep_their_order() -> None:
    assert canonical([("b", "a"), ("a", "b"), ("a", "b")], ordered=True) == {
        ("a", "b"),
        ("b", "a"),
    }


def test_true_pairs_are_every_pair_within_an_entity() -> None:
    rows = [("r1", "e1"), ("r2", "e1"), ("r3", "e1"), ("r4", "e2"), ("r5", "e3"), ("r6", "e3")]
    assert pairs_within_entities(rows) == {("r1", "r2"), ("r1", "r3"), ("r2", "r3"), ("r5", "r6")}


def test_dedupe_scores_a_reversed_or_repeated_pair_once() -> None:
    truth = pairs_within_entities([("1", "x"), ("2", "x"), ("3", "y"), ("4", "y")])
    m = evaluate([("2", "1"), ("1", "2"), ("1", "3")], truth, ordered=False)
    assert (m.predicted, m.truth, m.true_positives) == (2, 2, 1)
    assert (m.false_positives, m.false_negatives) == (1, 1)
    assert m.precision == m.recall == m.f1 == 0.5


def test_two_file_scoring_counts_a_reversed_pair_as_wrong() -> None:
    m = evaluate([("b1", "a1"), ("a2", "b2")], [("a1", "b1"), ("a2", "b2")], ordered=True)
    assert (m.true_positives, m.precision, m.recall) == (1, 0.5, 0.5)


def test_f1_is_the_harmonic_mean() -> None:
    m = Metrics(predicted=4, truth=10, true_positives=4)
    assert m.precision == 1.0
    assert m.recall == 0.4
    assert m.f1 == pytest.approx(2 * 1.0 * 0.4 / 1.4)


def test_nothing_predicted_or_nothing_true_gives_zeros_not_errors() -> None:
    assert Metrics(predicted=0, truth=5, true_positives=0).as_dict()["f1"] == 0.0
    assert evaluate([("a", "b")], [], ordered=False).recall == 0.0


def test_sweep_keeps_pairs_at_or_above_each_threshold_with_their_best_score() -> None:
    scored = [("a", "b", 0.95), ("b", "a", 0.4), ("c", "d", 0.6), ("e", "f", 0.99)]
    truth = [("a", "b"), ("c", "d")]
    result = sweep(scored, truth, [0.5, 0.9, 0.99], ordered=False)
    assert result[0.5].as_dict()["true_positives"] == 2
    assert result[0.5].predicted == 3
    assert (result[0.9].predicted, result[0.9].true_positives) == (2, 1)
    assert (result[0.99].predicted, result[0.99].true_positives) == (1, 0)
