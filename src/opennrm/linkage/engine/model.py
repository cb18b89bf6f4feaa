"""The Fellegi–Sunter model: how much each comparison level says for or against a match.

For every field and level, ``m`` is the probability of the level among true matches and
``u`` among non-matches; the level adds ``log2(m / u)`` to a pair's match weight. The
prior (the probability that two records picked at random concern the same person) turns
the summed weight into a probability:

    w = log2(prior / (1 - prior)) + Σ log2(m / u)        p = 1 / (1 + 2^-w)

The parameters are estimated by Splink on a deployment's own data
(``opennrm linkage train``); ``data/default-model.json`` ships parameters Splink
estimated on the synthetic multicultural set, so that a new deployment links sensibly
before it has data of its own.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from opennrm.linkage.engine.compare import FIELDS, Comparison

__all__ = ["TF_MINIMUM", "Level", "Model", "default_model", "load_model"]

# The smallest term frequency credited: a name seen once among ten million says no more.
TF_MINIMUM = 1e-7


@dataclass(frozen=True)
class Level:
    label: str
    m: float
    u: float

    @property
    def weight(self) -> float:
        """log2(m/u); 0 for the "not stated" level, which says nothing."""
        if self.label == "null":
            return 0.0
        return math.log2(max(self.m, 1e-9) / max(self.u, 1e-9))


@dataclass(frozen=True)
class Model:
    """Parameters of one trained (or shipped) model."""

    version: str
    prior: float
    fields: dict[str, tuple[Level, ...]]
    match_threshold: float = 0.95
    possible_threshold: float = 0.5
    trained_on: str = ""
    # Records the prior was estimated on; 0: unknown. See ``for_size``.
    reference_size: int = 0
    weights: dict[str, npt.NDArray[np.float64]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, levels in FIELDS.items():
            got = tuple(level.label for level in self.fields.get(name, ()))
            want = tuple(label for label, _sql in levels)
            if got != want:
                raise ValueError(f"model field {name!r} has levels {got}, expected {want}")
        if not 0.0 < self.prior < 1.0:
            raise ValueError("the prior must lie strictly between 0 and 1")
        if not 0.0 <= self.possible_threshold <= self.match_threshold <= 1.0:
            raise ValueError("thresholds must satisfy 0 ≤ possible ≤ match ≤ 1")
        weights = {
            name: np.array([lv.weight for lv in levels], dtype=np.float64)
            for name, levels in self.fields.items()
        }
        object.__setattr__(self, "weights", weights)

    def for_size(self, records: int) -> Model:
        """The model for linking among ``records`` records.

        Each person has about as many duplicates whatever the size of the data, so the
        chance that two records picked at random match falls as the data grow: a prior
        estimated on 100,000 records is ten times too high for a million, and would let
        ten times as many chance agreements through. The prior is scaled down for data
        larger than the reference, never up (a small store is not made more credulous).
        """
        if not self.reference_size or records <= self.reference_size:
            return self
        return dataclasses.replace(self, prior=self.prior * self.reference_size / records)

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1.0 - self.prior))

    def match_weight(self, comparison: Comparison) -> npt.NDArray[np.float64]:
        """Summed weight of every pair in ``comparison``.

        An exact name is adjusted for how common the name is (term frequency, as Splink
        does): its u becomes the name's own frequency, so "Nguyen Van An" counts for
        less than a name that appears once (weight log2(m / tf) instead of log2(m / u)).
        """
        total = np.full(len(comparison.name_similarity), self.prior_weight)
        for name, levels in comparison.levels.items():
            total += self.weights[name][levels]
        exact = self.fields["name"][1]
        frequency = comparison.name_frequency
        adjust = (comparison.levels["name"] == 1) & (frequency > 0)
        if adjust.any():
            tf = np.maximum(frequency[adjust], TF_MINIMUM)
            total[adjust] += np.log2(max(exact.u, 1e-9) / tf)
        return total

    def name_tf(self, count: npt.ArrayLike, total: int) -> npt.NDArray[np.float64]:
        """The term frequency of a name seen ``count`` times among ``total`` records,
        shrunk towards the model's u for an exact name: in a small store a name seen
        once is not rare, merely unseen. 0 where the count is 0 (no name)."""
        counts = np.asarray(count, dtype=np.float64)
        pseudo = 1.0 / max(self.fields["name"][1].u, 1e-9)
        tf = (counts + 1.0) / (total + pseudo)
        return np.where(counts > 0, tf, 0.0)

    def probability(self, comparison: Comparison) -> npt.NDArray[np.float64]:
        weight = np.clip(self.match_weight(comparison), -60.0, 60.0)
        return 1.0 / (1.0 + np.exp2(-weight))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "trained_on": self.trained_on,
            "reference_size": self.reference_size,
            "prior": self.prior,
            "match_threshold": self.match_threshold,
            "possible_threshold": self.possible_threshold,
            "fields": {
                name: [{"label": lv.label, "m": lv.m, "u": lv.u} for lv in levels]
                for name, levels in self.fields.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        return cls(
            version=str(data["version"]),
            trained_on=str(data.get("trained_on", "")),
            reference_size=int(data.get("reference_size", 0)),
            prior=float(data["prior"]),
            match_threshold=float(data.get("match_threshold", 0.95)),
            possible_threshold=float(data.get("possible_threshold", 0.5)),
            fields={
                name: tuple(Level(str(x["label"]), float(x["m"]), float(x["u"])) for x in levels)
                for name, levels in data["fields"].items()
            },
        )


def load_model(path: Path) -> Model:
    """A model from a JSON file written by ``opennrm linkage train``."""
    return Model.from_json(json.loads(path.read_text(encoding="utf-8")))


def default_model() -> Model:
    """The parameters shipped with OpenNRM."""
    text = resources.files("opennrm.linkage").joinpath("data/default-model.json").read_text("utf-8")
    return Model.from_json(json.loads(text))
