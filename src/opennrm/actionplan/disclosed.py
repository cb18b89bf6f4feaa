"""Counts by category through the platform's disclosure control, with a fallback.

`statistics.disclosure.protect` releases a table with all its margins, or refuses one it
cannot release safely (`DisclosureError`: its zeros and margins would give a withheld
cell away). An indicator cannot refuse to be shown, so a refused table is answered table
by table: each margin is protected on its own — which is exactly how `protect` protects
it inside a release, so nothing more is revealed — and a table that cannot be released
even so is withheld whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import product
from typing import Any

from opennrm.statistics import disclosure
from opennrm.statistics.disclosure import Cell, DisclosureError

THRESHOLD = 5
"""Counts from 1 to 4 are withheld, as in the platform's statistics."""


class Protected:
    """A table of counts over `dims`, and any of its margins, as disclosure control lets
    them be shown; `cell(dims, key)` looks one up."""

    def __init__(
        self,
        raw: Mapping[Any, int],
        categories: Sequence[Sequence[str]],
        dims: Sequence[str],
        threshold: int = THRESHOLD,
    ) -> None:
        self.dims = tuple(dims)
        self.raw: dict[tuple[str, ...], int] = {tuple(k): int(v) for k, v in raw.items()}
        self.categories = {d: tuple(c) for d, c in zip(self.dims, categories, strict=True)}
        self.threshold = threshold
        self._tables: dict[tuple[str, ...], dict[tuple[str, ...], Cell]] = {}
        try:
            self._release: disclosure.Release | None = disclosure.protect(
                self.raw, [self.categories[d] for d in self.dims], self.dims, threshold
            )
        except DisclosureError:
            self._release = None

    @property
    def refused(self) -> bool:
        """Whether the whole table could not be released and is answered by margins."""
        return self._release is None

    def _ordered(self, dims: Sequence[str]) -> tuple[str, ...]:
        return tuple(d for d in self.dims if d in dims)

    def _table(self, dims: tuple[str, ...]) -> dict[tuple[str, ...], Cell]:
        if self._release is not None:
            return {tuple(c.key): c for c in self._release.table(dims).cells}
        return self._alone(dims)

    def _alone(self, dims: tuple[str, ...]) -> dict[tuple[str, ...], Cell]:
        """The table over `dims` protected on its own; withheld whole if even that is
        refused. The grand total is the total of the first dimension's table."""
        if not dims:
            first = self._alone(self.dims[:1])
            counts = [c.count for c in first.values()]
            hidden = any(c is None for c in counts)
            total = None if hidden else sum(c or 0 for c in counts)
            return {(): Cell((), total, hidden, "secondary" if hidden else "")}
        if dims == self.dims:
            # The table itself was refused: every cell withheld.
            keys = product(*(self.categories[d] for d in dims))
            return {k: Cell(k, None, True, "secondary") for k in keys}
        positions = [self.dims.index(d) for d in dims]
        folded: dict[tuple[str, ...], int] = defaultdict(int)
        for key, n in self.raw.items():
            folded[tuple(key[i] for i in positions)] += n
        cats = [self.categories[d] for d in dims]
        try:
            release = disclosure.protect(folded, cats, dims, self.threshold)
        except DisclosureError:
            return {k: Cell(k, None, True, "secondary") for k in product(*cats)}
        return {tuple(c.key): c for c in release.table(dims).cells}

    def cell(self, dims: Sequence[str], key: Sequence[str]) -> Cell:
        ordered = self._ordered(dims)
        if ordered not in self._tables:
            self._tables[ordered] = self._table(ordered)
        lookup = dict(zip(dims, key, strict=True))
        return self._tables[ordered][tuple(lookup[d] for d in ordered)]

    def total(self) -> Cell:
        return self.cell((), ())
