"""How long decisions take: median and 90th percentile, per group, never on too few.

A median over three referrals tells much about each of them; a group with fewer units
than the disclosure threshold shows its size as suppressed and no times at all.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from opennrm.statistics.disclosure import Cell
from opennrm.statistics.facts import ReferralRow


@dataclass(frozen=True)
class DecisionTimes:
    key: tuple[str, ...]
    decided: int | None
    """Referrals decided in the group; None when suppressed."""
    median_days: float | None
    p90_days: float | None
    suppressed: bool


def percentile(values: Sequence[int], q: float) -> float:
    """The q-th percentile (0 < q <= 100) by linear interpolation between closest ranks
    (the method of numpy's default and of most spreadsheets)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def decision_times(
    rows: Sequence[ReferralRow],
    cells: Sequence[Cell],
    key_of: Callable[[ReferralRow], tuple[str, ...]],
) -> list[DecisionTimes]:
    """Median and 90th percentile of days to the first decision, for each cell of a
    protected table of decided referrals (`cells`, from `subjects.answer` on the subject
    `decisions`). A suppressed cell shows no times: they would describe its few units."""
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for row in rows:
        if row.days_to_first_decision is not None:
            groups[key_of(row)].append(row.days_to_first_decision)
    out: list[DecisionTimes] = []
    for cell in cells:
        days = groups.get(cell.key, [])
        if cell.suppressed or not days:
            out.append(DecisionTimes(cell.key, cell.count, None, None, cell.suppressed))
            continue
        out.append(
            DecisionTimes(
                cell.key,
                cell.count,
                round(percentile(days, 50), 1),
                round(percentile(days, 90), 1),
                suppressed=False,
            )
        )
    return out
