"""Calibrated noise for public releases, by OpenDP's discrete Laplace mechanism.

Suppression protects one release; noise protects against what suppression cannot: many
releases over time, differently cut, combined by someone patient. Each cell of the inner
table gets integer noise drawn by OpenDP (the geometric, or discrete Laplace,
distribution with ``scale = contributions / epsilon``), and every margin is the sum of
the noisy inner cells rather than a noisy figure of its own, so that:

* the tables still add up, and nobody learns more by averaging a noisy margin against
  the sum of its noisy cells;
* the privacy budget is spent once per release: a person counted in one inner cell
  changes the vector of inner counts by 1 in L1 norm (``contributions`` cells if one
  unit may be counted in several), so the release is ``epsilon``-differentially private
  for adding or removing one person, whatever margins are derived from it.

Noisy counts are clamped at 0 (derived margins then sum the clamped cells, so clamping is
post-processing and costs no budget), then the noisy table goes through ``protect``
like any other: a noisy 2 still reads to a reader as "two people", so small noisy cells
are withheld, with their complements, belt and braces.

OpenDP draws from the operating system's secure random source and cannot be seeded, so
releases are not reproducible and tests check distributions, not values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import opendp.prelude as dp

from opennrm.statistics.disclosure import (
    DEFAULT_THRESHOLD,
    Release,
    Table,
    protect,
    validate_counts,
)

__all__ = ["MAX_EPSILON", "MECHANISM", "NoisyRelease", "add_noise", "budget_left"]

MAX_EPSILON: Final = 10.0
"""Above this the noise is too small to protect anyone; refuse rather than pretend."""

MECHANISM: Final = "discrete_laplace"

dp.enable_features("contrib")


@dataclass(frozen=True)
class NoisyRelease:
    """A noisy release and what it cost: record ``epsilon`` against the yearly budget."""

    release: Release
    epsilon: float
    scale: float
    contributions: int
    mechanism: str = MECHANISM

    def table(self, dims: Sequence[str]) -> Table:
        return self.release.table(dims)


def _check_epsilon(epsilon: object) -> float:
    message = (
        f"epsilon must be a number with 0 < epsilon <= {MAX_EPSILON:g} (got {epsilon!r}); "
        "smaller epsilon means more noise and more privacy, 1 is a common choice"
    )
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
        raise ValueError(message)
    value = float(epsilon)
    if not (math.isfinite(value) and 0 < value <= MAX_EPSILON):
        raise ValueError(message)
    return value


def add_noise(
    counts: Mapping[tuple[str, ...], int],
    categories: Sequence[Sequence[str]],
    dims: Sequence[str],
    epsilon: float,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    contributions: int = 1,
) -> NoisyRelease:
    """A release of the table over ``dims`` with discrete Laplace noise on every inner
    cell, margins summed from the noisy cells, and disclosure control on the result.

    Takes the true counts (as ``protect`` does), not a protected release: a release has
    already dropped the counts of its withheld cells. ``contributions`` is the most inner
    cells one unit can be counted in (1 when each person is counted once).
    """
    eps = _check_epsilon(epsilon)
    if isinstance(contributions, bool) or not isinstance(contributions, int) or contributions < 1:
        raise ValueError(
            f"contributions must be a whole number >= 1 (got {contributions!r}): the most "
            "inner cells one person can be counted in"
        )
    full = validate_counts(counts, categories, dims)
    scale = contributions / eps
    mechanism = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )
    noisy = mechanism(list(full.values()))
    clamped = {key: max(0, int(value)) for key, value in zip(full, noisy, strict=True)}
    release = protect(clamped, categories, dims, threshold)
    # OpenDP's own accounting: the epsilon this mechanism spends on inputs that differ
    # by ``contributions`` in L1 (its Python binding is untyped).
    spent = float(mechanism.map(contributions))  # type: ignore[no-untyped-call]
    return NoisyRelease(release, spent, scale, contributions)


def budget_left(spent: Iterable[float], yearly: float) -> float:
    """The epsilon still available this year: sequential composition, so the epsilons of
    the year's noisy releases add up. Never below 0."""
    if isinstance(yearly, bool) or not isinstance(yearly, int | float) or not yearly > 0:
        raise ValueError(f"the yearly budget must be a positive number (got {yearly!r})")
    if not math.isfinite(yearly):
        raise ValueError("the yearly budget must be finite: an infinite budget protects no one")
    used = []
    for epsilon in spent:
        if isinstance(epsilon, bool) or not isinstance(epsilon, int | float) or not epsilon >= 0:
            raise ValueError(f"a spent epsilon must be a number >= 0 (got {epsilon!r})")
        used.append(float(epsilon))
    return max(0.0, float(yearly) - math.fsum(used))
