"""Cell suppression for released tables, so that no figure singles anyone out.

A *release* is a frequency table over up to four coded dimensions together with every one
of its margins: requesting ``(sex, age_group)`` releases the inner table, the table by
sex, the table by age group and the grand total. Each table is protected in three steps:

* **Primary suppression.** A cell counting fewer units than the threshold (default 5)
  but more than none is withheld: a figure of 1–4 can point at a person someone knows.
  True zeros are published, as Statistics Finland and Eurostat publish them: that a
  combination does not occur is what the table shows, and a zero describes no one.
* **Secondary (complementary) suppression.** Tables of a release add up along every
  dimension, so a withheld cell could be recovered by subtracting the published cells of
  its row from the row's total. More cells are withheld until no withheld cell can be
  computed *exactly* from everything the release publishes: first by the classical
  per-line rule (a line never has exactly one withheld entry), then by an exact test on
  the linear system of all the release's sums, because the per-line rule misses cells
  that are a "bridge" between two groups of withheld cells.
* **Consistency across requests.** The pattern of the table by sex depends only on the
  data and on that table, never on which larger table was requested with it; otherwise
  asking for ``(sex, age_group)`` and then for ``(sex)`` separately would let anyone
  subtract one answer from the other. Tables are therefore protected from the grand total
  upwards, each only by withholding more of its *own* cells, never re-opening or adding
  to a margin. Each table is also made to say no more about its margins than it would
  with every cell it may withhold withheld (its "gap", below): then two tables sharing a
  margin, such as by sex and age group and by sex and nationality, can only pin the
  margin together through what their published zeros say, not through the choice of
  complements.

The exact test: with the withheld cells as unknowns and published cells as constants,
every sum of the release is a linear equation. A withheld cell is determined exactly when
its component is zero in every vector of the null space of the system's matrix (by SVD,
per connected component of the system). Complements are chosen among non-zero cells,
smallest count first, ties by position in category order: with every withheld cell
positive, each undetermined one can move both ways without a count going negative.
Rarely nothing but a zero can protect a cell (a 2×2 table with a zero); zeros are then
withheld as well, and each is checked to be free to rise (``_pinned_zeros``). If even
that fails, what the margins publish together gives a cell away, and the table is
refused with ``DisclosureError`` rather than released.

Published zeros can still tell something about a group ("none of the Nigerian clients
was an adult"): cell suppression does not hide that, and docs/disclosure-control.md says
so.

Pure: plain values in, plain values out; no I/O.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, product
from types import MappingProxyType
from typing import Final, Literal, SupportsIndex

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_CELLS",
    "MAX_DIMENSIONS",
    "TOLERANCE",
    "Cell",
    "DisclosureError",
    "Reason",
    "Release",
    "Table",
    "count_rows",
    "protect",
    "protect_summary",
    "validate_counts",
]

DEFAULT_THRESHOLD: Final = 5
"""The smallest count published (Statistics Finland's and Eurostat's usual rule of 5)."""

MAX_DIMENSIONS: Final = 4
"""Beyond four dimensions nearly every cell is small and the table says nothing."""

MAX_CELLS: Final = 20_000
"""Cells of the inner table at most: the exact test is dense linear algebra."""

TOLERANCE: Final = 1e-9
"""Below this a singular value, a null-space component or a residual counts as zero.
The matrices hold only 0 and ±1, so real values sit many orders of magnitude above it
and rounding noise many below."""

Reason = Literal["", "primary", "secondary"]


class DisclosureError(ValueError):
    """The requested table cannot be released safely (see ``_Protector._protect``)."""


Subset = tuple[int, ...]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Cell:
    key: tuple[str, ...]
    count: int | None
    suppressed: bool
    reason: Reason


@dataclass(frozen=True)
class Table:
    dims: tuple[str, ...]
    cells: tuple[Cell, ...]
    """Every combination of categories, in category order (the last dimension fastest)."""

    def cell(self, *key: str) -> Cell:
        for cell in self.cells:
            if cell.key == key:
                return cell
        raise KeyError(key)

    def as_rows(self) -> list[dict[str, str | int | bool | None]]:
        """The rows of the statistics API: the dimension values, the count (None when
        withheld) and whether it was withheld."""
        rows: list[dict[str, str | int | bool | None]] = []
        for cell in self.cells:
            row: dict[str, str | int | bool | None] = dict(zip(self.dims, cell.key, strict=True))
            row["count"] = cell.count
            row["suppressed"] = cell.suppressed
            rows.append(row)
        return rows


@dataclass(frozen=True)
class Release:
    dims: tuple[str, ...]
    threshold: int
    tables: Mapping[tuple[str, ...], Table] = field(repr=False)
    """Every subset of ``dims`` (the grand total is ``()``), keyed in ``dims`` order."""

    def table(self, dims: Sequence[str]) -> Table:
        """The table over ``dims`` in any order; its dimensions come in release order."""
        wanted = list(dims)
        unknown = [d for d in wanted if d not in self.dims]
        if unknown or len(set(wanted)) != len(wanted):
            raise KeyError(f"{wanted} is not a set of dimensions of this release {self.dims}")
        return self.tables[tuple(d for d in self.dims if d in wanted)]

    @property
    def inner(self) -> Table:
        return self.tables[self.dims]


# --- input -------------------------------------------------------------------------------


def _count(value: object, key: tuple[str, ...]) -> int:
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise ValueError(f"the count of {key} must be a whole number, not {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise ValueError(f"the count of {key} must be a whole number, not {value!r}") from None
    if number < 0:
        raise ValueError(f"the count of {key} is negative ({number}); counts are 0 or more")
    return int(number)


def _check_threshold(threshold: object) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(
            f"the threshold must be a whole number of at least 1 (got {threshold!r}); "
            "1 withholds nothing, the default is 5"
        )
    return threshold


def validate_counts(
    counts: Mapping[tuple[str, ...], int],
    categories: Sequence[Sequence[str]],
    dims: Sequence[str],
) -> dict[tuple[str, ...], int]:
    """Check a table's input and return it with every combination present (absent ones
    as true zeros), in category order; raises ValueError naming what is wrong."""
    names = tuple(dims)
    if len(names) > MAX_DIMENSIONS:
        raise ValueError(f"at most {MAX_DIMENSIONS} dimensions are released, got {len(names)}")
    if any(not isinstance(d, str) or not d for d in names):
        raise ValueError(f"dimension names must be non-empty strings, got {list(names)}")
    if len(set(names)) != len(names):
        raise ValueError(f"a dimension is named twice in {list(names)}")
    if len(categories) != len(names):
        raise ValueError(
            f"{len(names)} dimensions {list(names)} need {len(names)} category lists, "
            f"got {len(categories)}"
        )
    index: list[dict[str, int]] = []
    for name, cats in zip(names, categories, strict=True):
        values = list(cats)
        if isinstance(cats, str) or not values:
            raise ValueError(f"dimension {name!r} needs a non-empty list of categories")
        if any(not isinstance(c, str) for c in values):
            raise ValueError(f"categories of {name!r} must be strings, got {values}")
        if len(set(values)) != len(values):
            raise ValueError(f"dimension {name!r} lists a category twice: {values}")
        index.append({c: i for i, c in enumerate(values)})
    if math.prod(len(i) for i in index) > MAX_CELLS:
        raise ValueError(f"the table would have more than {MAX_CELLS} cells; use fewer categories")
    for key, value in counts.items():
        if not isinstance(key, tuple) or len(key) != len(names):
            raise ValueError(
                f"key {key!r} must be a tuple of {len(names)} values, one for each of {list(names)}"
            )
        for name, positions, v in zip(names, index, key, strict=True):
            if v not in positions:
                raise ValueError(f"{v!r} is not a category of {name!r} ({list(positions)})")
        _count(value, key)
    return {
        key: _count(counts.get(key, 0), key)
        for key in product(*(tuple(cats) for cats in categories))
    }


def count_rows(rows: Iterable[Sequence[str]], dims: Sequence[str]) -> dict[tuple[str, ...], int]:
    """The counts of a table from one coded row per counted unit (``facts`` rows
    projected on ``dims``), for ``protect``."""
    width = len(dims)
    counted: Counter[tuple[str, ...]] = Counter()
    for row in rows:
        key = tuple(row)
        if len(key) != width:
            raise ValueError(f"row {key!r} has {len(key)} values, expected {width} for {dims}")
        counted[key] += 1
    return dict(counted)


def protect_summary(values_n: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """Whether a summary (a median, a percentile, a mean duration) may be published: only
    when it rests on at least ``threshold`` units, for the reason small cells are withheld
    — the median of three clients is one client's figure."""
    limit = _check_threshold(threshold)
    if isinstance(values_n, bool) or not isinstance(values_n, int) or values_n < 0:
        raise ValueError(f"the number of units must be a whole number >= 0, got {values_n!r}")
    return values_n >= limit


# --- layout: every table of the release in one numbered list of cells ---------------------


class _Layout:
    """All tables of a release as one vector of cells, with the sums that tie them.

    Tables are numbered by size, then by the positions of their dimensions, so the cells
    of any sub-release keep the same relative order whichever release contains them: that
    order breaks ties, and the consistency rule needs it to be the same.
    """

    def __init__(self, inner: IntArray) -> None:
        k = inner.ndim
        self.subsets: list[Subset] = [
            s for size in range(k + 1) for s in combinations(range(k), size)
        ]
        self.shape: dict[Subset, tuple[int, ...]] = {}
        self.offset: dict[Subset, int] = {}
        flat: list[IntArray] = []
        offset = 0
        for s in self.subsets:
            other = tuple(a for a in range(k) if a not in s)
            table = np.asarray(inner.sum(axis=other) if other else inner, dtype=np.int64)
            self.shape[s] = tuple(inner.shape[a] for a in s)
            self.offset[s] = offset
            flat.append(table.reshape(-1))
            offset += table.size
        self.counts: IntArray = np.concatenate(flat)
        self.size = offset
        self.table_of: IntArray = np.concatenate(
            [
                np.full(math.prod(self.shape[s]), i, dtype=np.int64)
                for i, s in enumerate(self.subsets)
            ]
        )
        # The sums of each table: one equation per line (cells along one dimension, the
        # others fixed) = the line's total in the margin without that dimension. Stored as
        # entries (line, cell, ±1) with lines numbered within the table.
        self.equations: dict[Subset, tuple[IntArray, IntArray, FloatArray, int]] = {}
        self.lines: dict[Subset, list[tuple[IntArray, IntArray]]] = {}
        for s in self.subsets[1:]:
            self.lines[s] = self._lines(s)
            self.equations[s] = self._entries(self.lines[s])

    def ids(self, s: Subset) -> IntArray:
        return self.offset[s] + np.arange(math.prod(self.shape[s]), dtype=np.int64).reshape(
            self.shape[s]
        )

    def _lines(self, s: Subset) -> list[tuple[IntArray, IntArray]]:
        ids = self.ids(s)
        out = []
        for j in range(len(s)):
            margin = s[:j] + s[j + 1 :]
            members = np.moveaxis(ids, j, -1).reshape(-1, ids.shape[j])
            out.append((members, self.ids(margin).reshape(-1)))
        return out

    @staticmethod
    def _entries(
        lines: list[tuple[IntArray, IntArray]],
    ) -> tuple[IntArray, IntArray, FloatArray, int]:
        rows, cells, signs = [], [], []
        first = 0
        for members, totals in lines:
            n, width = members.shape
            line = first + np.arange(n, dtype=np.int64)
            rows += [np.repeat(line, width), line]
            cells += [members.reshape(-1), totals]
            signs += [np.ones(n * width), -np.ones(n)]
            first += n
        return np.concatenate(rows), np.concatenate(cells), np.concatenate(signs), first

    def below(self, s: Subset) -> list[Subset]:
        """The tables of the sub-release of ``s``: ``s`` and every table of its margins."""
        return [r for r in self.subsets if set(r) <= set(s)]

    def inside(self, s: Subset) -> BoolArray:
        """The cells of the sub-release of ``s``."""
        return np.isin(self.table_of, [self.subsets.index(r) for r in self.below(s)])


# --- the exact test -----------------------------------------------------------------------


def _svd(matrix: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The non-zero part of the SVD: column-space basis, singular values, row-space
    basis (as rows)."""
    m, n = matrix.shape
    if matrix.size == 0:
        return np.zeros((m, 0)), np.zeros(0), np.zeros((0, n))
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    rank = int(np.sum(s > TOLERANCE))
    return u[:, :rank], s[:rank], vt[:rank]


@dataclass
class _Component:
    """Withheld cells tied together by sums, and the sums that tie them."""

    cells: IntArray  # unknowns, ascending
    rows: IntArray  # equations (numbered within the sub-release) holding any of them
    top: BoolArray  # which rows are sums of the table being protected
    own_block: FloatArray  # those rows, restricted to the protected table's cells
    basis: FloatArray  # orthonormal basis of the column space
    scale: FloatArray  # non-zero singular values
    row_space: FloatArray  # orthonormal basis of the row space, one vector a row
    own_rank: int
    determined: IntArray
    _own_basis: FloatArray | None = None

    @property
    def gap(self) -> int:
        """How much the component's sums say about the margins: the rank of the whole
        block less the rank of the protected table's own block. Fewer constraints on
        the margins mean a smaller gap."""
        return int(self.basis.shape[1] - self.own_rank)

    @property
    def own_basis(self) -> FloatArray:
        """The column space of the own block (computed when a search needs it)."""
        if self._own_basis is None:
            self._own_basis = _svd(self.own_block)[0]
        return self._own_basis


def _rank(matrix: FloatArray) -> int:
    if matrix.size == 0:
        return 0
    return int(np.sum(np.linalg.svd(matrix, compute_uv=False) > TOLERANCE))


class _System:
    """The sums of a sub-release with the withheld cells as unknowns, split into
    independent components (each one SVD of a small dense matrix)."""

    def __init__(self, layout: _Layout, s: Subset, unknown: BoolArray) -> None:
        self.layout = layout
        rows, cells, signs, top = [], [], [], []
        first = 0
        for r in layout.below(s):
            if not r:
                continue
            line, cell, sign, n = layout.equations[r]
            rows.append(line + first)
            cells.append(cell)
            signs.append(sign)
            top.append(np.full(n, r == s))
            first += n
        self.n_rows = first
        self.rows: IntArray = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        self.cells: IntArray = np.concatenate(cells) if cells else np.zeros(0, dtype=np.int64)
        self.signs: FloatArray = np.concatenate(signs) if signs else np.zeros(0)
        self.top_row: BoolArray = np.concatenate(top) if top else np.zeros(0, dtype=bool)
        self.own_cell: BoolArray = layout.table_of == layout.subsets.index(s)
        self.unknown: BoolArray = unknown & layout.inside(s)
        self.row_component = np.full(self.n_rows, -1, dtype=np.int64)
        self.component_of = np.full(layout.size, -1, dtype=np.int64)
        self.components = [self._solve(c, r) for c, r in self._group()]

    def _group(self) -> Iterator[tuple[IntArray, IntArray]]:
        """Connected components of the unknowns, joined by the equations they share."""
        parent: dict[int, int] = {int(c): int(c) for c in np.flatnonzero(self.unknown)}

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        hit = self.unknown[self.cells]
        first_in_row: dict[int, int] = {}
        for row, cell in zip(self.rows[hit].tolist(), self.cells[hit].tolist(), strict=True):
            if row in first_in_row:
                a, b = find(first_in_row[row]), find(cell)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first_in_row[row] = cell
        groups: dict[int, list[int]] = {}
        for cell in sorted(parent):
            groups.setdefault(find(cell), []).append(cell)
        number = {root: i for i, root in enumerate(groups)}
        rows: list[list[int]] = [[] for _ in groups]
        for row in sorted(first_in_row):
            rows[number[find(first_in_row[row])]].append(row)
        for i, members in enumerate(groups.values()):
            cells = np.array(members, dtype=np.int64)
            rows_arr = np.array(rows[i], dtype=np.int64)
            self.row_component[rows_arr] = i
            self.component_of[cells] = i
            yield cells, rows_arr

    def _solve(self, cells: IntArray, rows: IntArray) -> _Component:
        col = np.full(self.layout.size, -1, dtype=np.int64)
        col[cells] = np.arange(len(cells))
        row = np.full(self.n_rows, -1, dtype=np.int64)
        row[rows] = np.arange(len(rows))
        keep = (row[self.rows] >= 0) & (col[self.cells] >= 0)
        matrix = np.zeros((len(rows), len(cells)))
        matrix[row[self.rows[keep]], col[self.cells[keep]]] = self.signs[keep]
        basis, scale, row_space = _svd(matrix)
        # The squared norm of a cell's components over an orthonormal basis of the null
        # space is what its unit vector keeps outside the row space.
        null_weight = 1.0 - np.sum(row_space**2, axis=0)
        determined = cells[null_weight < TOLERANCE]
        top = self.top_row[rows]
        own_block = matrix[top][:, self.own_cell[cells]]
        return _Component(
            cells, rows, top, own_block, basis, scale, row_space, _rank(own_block), determined
        )

    @property
    def determined(self) -> IntArray:
        found = [c.determined for c in self.components]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def effects(self, candidates: IntArray) -> tuple[dict[int, set[int]], set[int]]:
        """What withholding each candidate alone would do: the determined cells it would
        free, and the candidates that would loosen what the table says about its margins
        (lower a component's gap). Exact: a candidate's column is tested against every
        component it touches, and a sum with no unknown in it would pin the candidate,
        which rules it out."""
        frees: dict[int, set[int]] = {int(c): set() for c in candidates}
        loosens: set[int] = set()
        pinned: set[int] = set()
        mine = np.isin(self.cells, candidates)
        for row, cell in zip(self.rows[mine].tolist(), self.cells[mine].tolist(), strict=True):
            if self.row_component[row] < 0:
                pinned.add(cell)
        for number, comp in enumerate(self.components):
            touch = mine & (self.row_component[self.rows] == number)
            if not touch.any():
                continue
            names = np.unique(self.cells[touch])
            at = np.full(self.layout.size, -1, dtype=np.int64)
            at[names] = np.arange(len(names))
            row = np.full(self.n_rows, -1, dtype=np.int64)
            row[comp.rows] = np.arange(len(comp.rows))
            columns = np.zeros((len(comp.rows), len(names)))
            columns[row[self.rows[touch]], at[self.cells[touch]]] = self.signs[touch]
            coords = comp.basis.T @ columns
            in_span = np.linalg.norm(columns - comp.basis @ coords, axis=0) < TOLERANCE
            top = columns[comp.top]
            outside_own = top - comp.own_basis @ (comp.own_basis.T @ top)
            in_own = np.linalg.norm(outside_own, axis=0) < TOLERANCE
            # The unknowns' shift that absorbs the candidate's column: -pinv(A) b.
            shift = comp.row_space.T @ (coords / comp.scale[:, None])
            position = np.searchsorted(comp.cells, comp.determined)
            moved = np.abs(shift[position]) > TOLERANCE
            for i, name in enumerate(names.tolist()):
                if not in_span[i]:
                    pinned.add(name)
                    continue
                if not in_own[i]:
                    loosens.add(name)
                frees[name].update(comp.determined[moved[:, i]].tolist())
        for name in pinned:
            frees[name] = set()
            loosens.discard(name)
        return frees, loosens


def _null_space(comp: _Component) -> FloatArray:
    """An orthonormal basis of the component's null space, one vector a column."""
    n = len(comp.cells)
    if comp.row_space.shape[0] == 0:
        return np.eye(n)
    _u, _s, vt = np.linalg.svd(comp.row_space, full_matrices=True)
    return vt[comp.row_space.shape[0] :].T


def _rise(null: FloatArray, zeros: IntArray, w: int) -> FloatArray | None:
    """A solution direction v (a combination of the null-space columns) with v[w] = 1
    and v >= 0 on every other zero, or None if there is none: a small non-negative
    least squares problem (coefficients split in positive and negative parts, slack for
    the inequalities)."""
    k = null.shape[1]
    if k == 0:
        return None
    at_zeros = null[zeros]
    m = len(zeros)
    matrix = np.block(
        [
            [at_zeros, -at_zeros, -np.eye(m)],
            [null[w][None, :], -null[w][None, :], np.zeros((1, m))],
        ]
    )
    target = np.zeros(m + 1)
    target[-1] = 1.0
    solution = _nnls(matrix, target)
    if np.linalg.norm(matrix @ solution - target) >= 1e-7:
        return None
    direction: FloatArray = null @ (solution[:k] - solution[k : 2 * k])
    return direction


def _nnls(matrix: FloatArray, target: FloatArray) -> FloatArray:
    """Least squares with x >= 0 (Lawson and Hanson's active-set method)."""
    n = matrix.shape[1]
    x = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    gradient = matrix.T @ (target - matrix @ x)
    for _ in range(3 * n + 10):
        if passive.all() or np.all(gradient[~passive] <= TOLERANCE):
            break
        passive[int(np.argmax(np.where(passive, -np.inf, gradient)))] = True
        for _ in range(3 * n + 10):
            trial = np.zeros(n)
            trial[passive] = np.linalg.lstsq(matrix[:, passive], target, rcond=None)[0]
            if np.all(trial[passive] > TOLERANCE):
                x = trial
                break
            falling = passive & (trial <= TOLERANCE)
            step = np.min(x[falling] / (x[falling] - trial[falling]))
            x = x + step * (trial - x)
            passive &= x > TOLERANCE
            x[~passive] = 0.0
        gradient = matrix.T @ (target - matrix @ x)
    return x


# --- protection of one table --------------------------------------------------------------


class _Protector:
    def __init__(self, inner: IntArray, threshold: int) -> None:
        self.layout = _Layout(inner)
        counts = self.layout.counts
        self.primary: BoolArray = (counts > 0) & (counts < threshold)
        self.suppressed: BoolArray = np.zeros(self.layout.size, dtype=bool)
        self.barred: BoolArray = np.zeros(self.layout.size, dtype=bool)

    def run(self) -> None:
        for s in self.layout.subsets:
            self._protect(s)
        final = _System(self.layout, self.layout.subsets[-1], self.suppressed)
        if len(final.determined):
            raise RuntimeError("disclosure control failed its final check; nothing released")

    def _protect(self, s: Subset) -> None:
        """Withhold cells of ``s`` (only of ``s``: its margins are already fixed) until
        no withheld cell of the sub-release is determined, and ``s`` says no more about
        its margins than withholding all it may would.

        Non-zero cells first. Only if even withholding every non-zero cell would leave a
        cell determined (the zeros give it away), zeros are withheld too; if even that
        fails, the margins' combination gives it away and the table is refused.
        """
        cells = self.layout.ids(s).reshape(-1)
        if not self.primary[cells].any() and not self.suppressed[self.layout.inside(s)].any():
            return
        self.barred[:] = False
        self.suppressed[cells] = self.primary[cells]
        if self._settle(s, allow_zero=False) and not len(self._pinned_zeros(s)):
            return
        self.suppressed[cells] = self.primary[cells]
        while self._settle(s, allow_zero=True):
            pinned = self._pinned_zeros(s)
            if not len(pinned):
                return
            if not np.all(self.own(pinned, s)):
                break
            # A withheld zero that non-negativity pins at 0 hides nothing (every count the
            # release allows has it at 0): publish it, bar it, and settle again.
            self.suppressed[pinned] = False
            self.barred[pinned] = True
        if self._withhold_all(s):
            return
        self.suppressed[cells] = self.primary[cells]
        raise DisclosureError(
            "this table cannot be released safely: its zeros and its margins give away a "
            "withheld cell; request fewer dimensions or coarser categories"
        )

    def own(self, cells: IntArray, s: Subset) -> BoolArray:
        """Which of ``cells`` belong to the table ``s`` itself (not to its margins)."""
        mine: BoolArray = self.layout.table_of[cells] == self.layout.subsets.index(s)
        return mine

    def _withhold_all(self, s: Subset) -> bool:
        """The last resort: withhold every cell of ``s`` that is not on a line published
        as 0, then publish again what that hides for nothing (cells the sums determine,
        zeros that non-negativity pins). Withholding a whole table adds no constraint to
        its margins, so this works unless the margins already give a cell away."""
        cells = self.layout.ids(s).reshape(-1)
        self.barred[:] = False
        self.suppressed[cells] = self.primary[cells] | ~self._on_zero_line(cells)
        while True:
            pinned = self._pinned_zeros(s)
            if len(pinned) and not np.all(self.own(pinned, s)):
                return False
            system = _System(self.layout, s, self.suppressed)
            determined = system.determined
            if np.any(~self.own(determined, s) | self.primary[determined]):
                return False
            if not len(pinned) and not len(determined):
                return True
            self.suppressed[pinned] = False
            self.suppressed[determined] = False

    def _pinned_zeros(self, s: Subset) -> IntArray:
        """Withheld cells that are truly zero and that non-negativity pins at 0.

        With every withheld cell positive, a cell the sums leave undetermined can move a
        little up and down. A withheld zero can only move up: it is pinned exactly when
        no solution direction raises it without lowering another withheld zero. If none
        is pinned, the sum of the directions raising each one raises them all at once,
        and from there every undetermined cell can move both ways. Zeros are withheld
        only in the fallback, so this is rarely more than a glance."""
        held = self.suppressed & self.layout.inside(s)
        zeros = held & (self.layout.counts == 0)
        if not zeros.any():
            return np.zeros(0, dtype=np.int64)
        system = _System(self.layout, s, held)
        pinned: list[int] = []
        for comp in system.components:
            local = np.flatnonzero(zeros[comp.cells])
            if not len(local):
                continue
            null = _null_space(comp)
            risen = np.zeros(len(comp.cells), dtype=bool)
            for w in local.tolist():
                if risen[w]:
                    continue
                direction = _rise(null, local, w)
                if direction is None:
                    pinned.append(int(comp.cells[w]))
                else:
                    # The same direction raises every zero it is positive on.
                    risen |= direction > TOLERANCE
        return np.array(sorted(pinned), dtype=np.int64)

    def _options(self, cells: IntArray, allow_zero: bool) -> IntArray:
        """Cells that may still be withheld, cheapest first: non-zero before zero, then
        the smallest count, then the position in category order."""
        counts = self.layout.counts[cells]
        zero_ok = allow_zero & ~self._on_zero_line(cells)
        ok = ~self.suppressed[cells] & ~self.barred[cells] & ((counts > 0) | zero_ok)
        chosen, counts = cells[ok], counts[ok]
        return chosen[np.lexsort((chosen, counts, counts == 0))]

    def _on_zero_line(self, cells: IntArray) -> BoolArray:
        """Cells on a line whose published total is 0: all zero, and pinned there by
        non-negativity whether withheld or not."""
        pinned = np.zeros(self.layout.size, dtype=bool)
        s = self.layout.subsets[int(self.layout.table_of[cells[0]])] if len(cells) else ()
        for members, totals in self.layout.lines.get(s, []):
            known_zero = (self.layout.counts[totals] == 0) & ~self.suppressed[totals]
            pinned[members[known_zero]] = True
        return pinned[cells]

    def _close_lines(self, s: Subset, allow_zero: bool) -> None:
        """The per-line rule: a line (cells along one dimension and their total) must not
        hold exactly one withheld entry; withhold the line's cheapest cell as well."""
        changed = True
        while changed:
            changed = False
            for members, totals in self.layout.lines.get(s, []):
                held = self.suppressed[members].sum(axis=1) + self.suppressed[totals]
                for i in np.flatnonzero(held == 1).tolist():
                    if self.suppressed[members[i]].sum() + self.suppressed[totals[i]] != 1:
                        continue
                    options = self._options(members[i], allow_zero)
                    if len(options):
                        self.suppressed[options[0]] = True
                        changed = True

    def _settle(self, s: Subset, allow_zero: bool) -> bool:
        own = self.layout.ids(s).reshape(-1)
        widest = self.suppressed.copy()
        widest[self._options(own, allow_zero)] = True
        ceiling = _System(self.layout, s, widest)
        # Cells withheld already (primary here, anything below) must end undetermined;
        # if they do not even in the widest pattern, no choice of complements will do.
        must_hide = self.suppressed & ~(ceiling.own_cell & ~self.primary)
        if np.any(must_hide[ceiling.determined]):
            return False
        while True:
            self._close_lines(s, allow_zero)
            system = _System(self.layout, s, self.suppressed)
            # What each component of the widest pattern lets the margins do, against
            # what the current pattern lets them do.
            gap: dict[int, int] = {}
            for comp in system.components:
                widest_of = int(ceiling.component_of[comp.cells[0]])
                gap[widest_of] = gap.get(widest_of, 0) + comp.gap
            tight = {m for m, g in gap.items() if g > ceiling.components[m].gap}
            # A withheld complement of this table that the sums determine is no trouble:
            # it is published below. Any other determined cell is.
            wasted = system.own_cell & ~self.primary
            trouble = {
                i: comp.determined[~wasted[comp.determined]]
                for i, comp in enumerate(system.components)
            }
            troubled = [
                i
                for i, comp in enumerate(system.components)
                if len(trouble[i]) or int(ceiling.component_of[comp.cells[0]]) in tight
            ]
            if not troubled:
                # A withheld complement that the sums determine protects nothing and hides
                # a number anyone can compute: publish it. That changes no other cell's
                # status, so it is done once, at the end (during the search such a cell
                # may still become part of a cycle that protects another).
                self.suppressed[system.determined] = False
                return True
            chosen = self._mend(system, troubled, trouble, own, allow_zero)
            self.suppressed[chosen] = True

    def _mend(
        self,
        system: _System,
        troubled: list[int],
        trouble: dict[int, IntArray],
        own: IntArray,
        allow_zero: bool,
    ) -> list[int]:
        """The cells to withhold next: for each trouble the cheapest single cell that
        mends it, else the cheapest cell beside it (the search widens by one step; the
        widest pattern is known to work, so it ends)."""
        comps = [system.components[i] for i in troubled]
        near = [np.unique(system.cells[np.isin(system.rows, c.rows)]) for c in comps]
        options = self._options(np.intersect1d(np.concatenate(near), own), allow_zero)
        frees, loosens = system.effects(options)
        chosen: set[int] = set()
        for i in troubled:
            cells = trouble[i].tolist()
            for cell in cells:
                pick = next((int(o) for o in options if cell in frees[int(o)]), None)
                if pick is not None:
                    chosen.add(pick)
            if not cells:
                pick = next((int(o) for o in options if int(o) in loosens), None)
                if pick is not None:
                    chosen.add(pick)
        if not chosen:
            for beside in near:
                nearby = [int(o) for o in options if o in beside]
                if nearby:
                    chosen.add(nearby[0])
        if not chosen:
            raise RuntimeError("disclosure control found nothing left to withhold")
        return sorted(chosen)


# --- the public entry ---------------------------------------------------------------------


def protect(
    counts: Mapping[tuple[str, ...], int],
    categories: Sequence[Sequence[str]],
    dims: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
) -> Release:
    """The release of a table over ``dims`` with every margin, small cells withheld and
    enough others withheld that none can be worked back.

    ``counts`` maps value tuples (in ``dims`` order) to counts; combinations not given are
    true zeros. ``categories`` lists every category of each dimension, in display order.
    The same input always gives the same release, and the table over any subset of
    ``dims`` is withheld exactly as ``protect`` over that subset alone withholds it.
    """
    limit = _check_threshold(threshold)
    full = validate_counts(counts, categories, dims)
    names = tuple(dims)
    shape = tuple(len(c) for c in categories)
    inner = np.array(list(full.values()), dtype=np.int64).reshape(shape)
    protector = _Protector(inner, limit)
    protector.run()
    layout = protector.layout
    cats = [tuple(c) for c in categories]
    tables: dict[tuple[str, ...], Table] = {}
    for s in layout.subsets:
        ids = layout.ids(s).reshape(-1).tolist()
        keys = product(*(cats[a] for a in s))
        cells = []
        for cell_id, key in zip(ids, keys, strict=True):
            hidden = bool(protector.suppressed[cell_id])
            reason: Reason = ""
            if hidden:
                reason = "primary" if protector.primary[cell_id] else "secondary"
            count = None if hidden else int(layout.counts[cell_id])
            cells.append(Cell(tuple(key), count, hidden, reason))
        tables[tuple(names[a] for a in s)] = Table(tuple(names[a] for a in s), tuple(cells))
    return Release(names, limit, MappingProxyType(tables))
