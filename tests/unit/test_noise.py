"""Noisy releases: tables still add up, nothing negative or small is published, the
budget spent is recorded, and the noise has the spread its epsilon promises.

OpenDP cannot be seeded, so the noise itself is checked statistically, with tolerances
of six standard errors or more: a failure here is a broken mechanism, not bad luck.
"""

from __future__ import annotations

import math
from itertools import product

import pytest

from opennrm.statistics.disclosure import Release
from opennrm.statistics.noise import MAX_EPSILON, add_noise, budget_left

SEX = ["female", "male"]
NATIONALITY = ["VN", "NG", "RO", "UA", "TH", "FI"]
EXPLOITATION = ["labour", "sexual", "criminal"]


def discrete_laplace_mean_absolute(scale: float) -> float:
    """E|X| for P(X = k) proportional to exp(-|k| / scale)."""
    q = math.exp(-1.0 / scale)
    return 2 * q / (1 - q * q)


def noise_of(epsilon: float, cells: int = 2000, count: int = 1000) -> list[int]:
    """The noise added to ``cells`` cells of ``count`` each (large enough that clamping
    and suppression never touch them)."""
    categories = [f"municipality-{i:04d}" for i in range(cells)]
    counts = {(c,): count for c in categories}
    noisy = add_noise(counts, [categories], ["municipality"], epsilon)
    values = [cell.count for cell in noisy.release.inner.cells]
    assert all(v is not None for v in values)
    return [v - count for v in values if v is not None]


def assert_adds_up(release: Release) -> None:
    for dims, table in release.tables.items():
        for d in dims:
            rest = tuple(x for x in dims if x != d)
            totals = {c.key: c.count for c in release.tables[rest].cells}
            lines: dict[tuple[str, ...], int] = {}
            for cell in table.cells:
                assert cell.count is not None
                key = tuple(v for x, v in zip(dims, cell.key, strict=True) if x != d)
                lines[key] = lines.get(key, 0) + cell.count
            assert lines == totals


def test_margins_are_sums_of_the_noisy_cells() -> None:
    counts = {key: 500 + 7 * i for i, key in enumerate(product(SEX, NATIONALITY, EXPLOITATION))}
    noisy = add_noise(counts, [SEX, NATIONALITY, EXPLOITATION], ["sex", "nationality", "type"], 1.0)
    assert_adds_up(noisy.release)
    inner = [c.count for c in noisy.release.inner.cells]
    assert inner != list(counts.values())  # all 36 untouched: probability below 1e-11
    assert noisy.table([]).cells[0].count == sum(c for c in inner if c is not None)


def test_nothing_negative_or_small_is_published() -> None:
    counts = dict(zip(product(SEX, NATIONALITY), [0, 1, 2, 0, 3, 40] * 2, strict=True))
    for _ in range(20):
        noisy = add_noise(counts, [SEX, NATIONALITY], ["sex", "nationality"], 0.2)
        for table in noisy.release.tables.values():
            for cell in table.cells:
                assert cell.suppressed or (cell.count is not None and not 0 < cell.count < 5)
                assert cell.count is None or cell.count >= 0


def test_the_budget_spent_and_the_mechanism_are_recorded() -> None:
    noisy = add_noise({("VN",): 10}, [["VN", "NG"]], ["nationality"], 0.5)
    assert noisy.mechanism == "discrete_laplace"
    assert noisy.scale == 2.0
    assert noisy.epsilon == pytest.approx(0.5)
    assert noisy.contributions == 1
    assert noisy.release.threshold == 5


def test_a_person_counted_in_several_cells_widens_the_noise_not_the_budget() -> None:
    noisy = add_noise({("VN",): 10}, [["VN", "NG"]], ["nationality"], 1.0, contributions=3)
    assert noisy.scale == 3.0
    assert noisy.epsilon == pytest.approx(1.0)


def test_noise_is_centred_on_zero() -> None:
    noise = noise_of(0.5)
    assert abs(sum(noise) / len(noise)) < 0.4  # standard error about 0.06


def test_noise_spreads_as_its_scale_says() -> None:
    noise = noise_of(0.5)
    observed = sum(abs(n) for n in noise) / len(noise)
    expected = discrete_laplace_mean_absolute(2.0)  # 1.92; standard error about 0.05
    assert observed == pytest.approx(expected, rel=0.15)


def test_a_larger_epsilon_adds_less_noise() -> None:
    loose = noise_of(0.5, cells=500)
    tight = noise_of(5.0, cells=500)
    assert sum(map(abs, tight)) / 500 < 0.1  # expected 0.013
    assert sum(map(abs, loose)) / 500 > 1.0  # expected 1.92


@pytest.mark.parametrize("epsilon", [0, -1, 0.0, MAX_EPSILON + 0.5, math.nan, math.inf, True, "1"])
def test_epsilon_outside_its_range_is_refused(epsilon: object) -> None:
    with pytest.raises(ValueError, match="epsilon must be a number with 0 < epsilon <= 10"):
        add_noise({("VN",): 10}, [["VN"]], ["nationality"], epsilon)


def test_the_largest_epsilon_is_allowed() -> None:
    assert add_noise({("VN",): 10}, [["VN"]], ["nationality"], MAX_EPSILON).scale == 0.1


@pytest.mark.parametrize("contributions", [0, -2, True, 1.5])
def test_contributions_must_be_a_positive_whole_number(contributions: object) -> None:
    with pytest.raises(ValueError, match="contributions"):
        add_noise({("VN",): 10}, [["VN"]], ["nationality"], 1.0, contributions=contributions)


def test_bad_counts_are_refused_before_any_noise_is_drawn() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_noise({("VN",): -3}, [["VN"]], ["nationality"], 1.0)
    with pytest.raises(ValueError, match="not a category"):
        add_noise({("XX",): 3}, [["VN"]], ["nationality"], 1.0)


def test_the_budget_left_is_the_yearly_budget_less_what_was_spent() -> None:
    assert budget_left([0.5, 0.25], 1.0) == 0.25
    assert budget_left((e for e in [0.1] * 10), 2.0) == pytest.approx(1.0)
    assert budget_left([], 3) == 3.0
    assert budget_left([1.0, 1.5], 2.0) == 0.0


@pytest.mark.parametrize(
    ("spent", "yearly", "message"),
    [
        ([0.5], 0, "yearly budget"),
        ([0.5], -1.0, "yearly budget"),
        ([0.5], math.inf, "finite"),
        ([-0.5], 1.0, "spent epsilon"),
        ([math.nan], 1.0, "spent epsilon"),
    ],
)
def test_a_bad_budget_is_refused(spent: list[float], yearly: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        budget_left(spent, yearly)
