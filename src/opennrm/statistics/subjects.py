"""What can be counted, by what, and how a request becomes a protected table.

A *subject* is a kind of counted unit (signals, victims, referrals, ...); each has a
fixed list of *dimensions* it may be broken down by. A request names dimensions to
break down by and dimension values to filter on. Filters are not applied to the data
before counting: they are dimensions of the protected table, and the answer is a slice
of it. That keeps every answer a part of the same table the disclosure control protected
(`disclosure.protect` makes the pattern of a table depend only on its dimensions), so
that asking for "2026, by sex" and "by year and sex" cannot be played against each
other.

Categories are fixed before counting. Closed code lists (sex, age group, exploitation
type, …) are taken whole. Open ones (nationality, municipality) keep only the values
with at least `threshold` units in the whole subject; the rest fall into `other`. A
category that exists only because one person has it would otherwise tell that person
is there, whatever the suppression of the count.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any, Final, Generic, TypeVar

from opennrm.statistics import disclosure
from opennrm.statistics.facts import (
    AGE_GROUPS,
    UNKNOWN,
    VICTIM_STATUSES,
    InvestigationRow,
    ReferralRow,
    SignalRow,
    VictimRow,
)

OTHER: Final = "other"
PERIOD_FORMATS: Final = {
    "month": re.compile(r"(19|20)\d\d-(0[1-9]|1[0-2])"),
    "year": re.compile(r"(19|20)\d\d"),
}
MAX_DIMENSIONS: Final = 4
"""Dimensions of one table, `by` and filters together: beyond four, nearly every cell is
small and the table protects nothing but zeros."""

SEXES: Final = ("female", "male", "other", UNKNOWN)
AGE_BUCKETS: Final = ("0_7", "8_30", "31_90", "over_90")
"""How long an open referral has waited for a decision, in days."""
YES_NO: Final = ("yes", "no")

Row = TypeVar("Row")


class StatisticsError(ValueError):
    """A request that cannot be answered; the message says why, for the caller."""


@dataclass(frozen=True)
class Vocabulary:
    """The closed code lists that come from the deployment and the database."""

    exploitation_types: tuple[str, ...]
    regions: tuple[str, ...]
    departments: tuple[str, ...]
    organisation_types: tuple[str, ...]
    referral_states: tuple[str, ...]
    offences: tuple[str, ...]
    stages: tuple[str, ...]
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class Dimension(Generic[Row]):
    name: str
    value: Callable[[Row], str]
    closed: Callable[[Vocabulary], tuple[str, ...]] | None = None
    """The full category list; None for an open dimension (rare values → other) or a
    period (every period between the first and the last)."""
    period: bool = False
    parent: str | None = None
    """The dimension this one nests in (a month in its year, a municipality in its
    region). Tables of a nested dimension are protected together with its parent, so
    that a month cannot be worked out from its year's total less the other months."""


@dataclass(frozen=True)
class Subject(Generic[Row]):
    name: str
    dimensions: Mapping[str, Dimension[Row]]


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _year(d: date) -> str:
    return f"{d.year:04d}"


def _periods(
    on: Callable[[Row], date],
) -> dict[str, Dimension[Row]]:
    return {
        "month": Dimension("month", lambda r: _month(on(r)), period=True, parent="year"),
        "year": Dimension("year", lambda r: _year(on(r)), period=True),
    }


def _closed(values: tuple[str, ...]) -> Callable[[Vocabulary], tuple[str, ...]]:
    return lambda _v: values


def _with_unknown(values: tuple[str, ...]) -> tuple[str, ...]:
    return values if UNKNOWN in values else (*values, UNKNOWN)


def _yes_no(flag: bool | None) -> str:
    return "yes" if flag else "no"


SIGNALS: Final[Subject[SignalRow]] = Subject(
    "signals",
    {
        "exploitation_type": Dimension(
            "exploitation_type",
            lambda r: r.exploitation_type,
            lambda v: _with_unknown(v.exploitation_types),
        ),
        "sex": Dimension("sex", lambda r: r.sex, _closed(SEXES)),
        "age_group": Dimension("age_group", lambda r: r.age_group, _closed(AGE_GROUPS)),
        "nationality": Dimension("nationality", lambda r: r.nationality),
        "municipality": Dimension("municipality", lambda r: r.municipality, parent="region"),
        "region": Dimension("region", lambda r: r.region, lambda v: _with_unknown(v.regions)),
        "department": Dimension(
            "department", lambda r: r.department, lambda v: _with_unknown(v.departments)
        ),
        "referrer_type": Dimension(
            "referrer_type", lambda r: r.referrer_type, lambda v: v.organisation_types
        ),
        **_periods(lambda r: r.registered_on),
    },
)

VICTIMS: Final[Subject[VictimRow]] = Subject(
    "victims",
    {
        "status": Dimension("status", lambda r: r.status, _closed(VICTIM_STATUSES)),
        "exploitation_type": Dimension(
            "exploitation_type",
            lambda r: r.exploitation_type,
            lambda v: _with_unknown(v.exploitation_types),
        ),
        "sex": Dimension("sex", lambda r: r.sex, _closed(SEXES)),
        "age_group": Dimension("age_group", lambda r: r.age_group, _closed(AGE_GROUPS)),
        "nationality": Dimension("nationality", lambda r: r.nationality),
        "region": Dimension("region", lambda r: r.region, lambda v: _with_unknown(v.regions)),
        "department": Dimension(
            "department", lambda r: r.department, lambda v: _with_unknown(v.departments)
        ),
        "referrer_type": Dimension(
            "referrer_type", lambda r: r.referrer_type, lambda v: v.organisation_types
        ),
        "assisted": Dimension("assisted", lambda r: _yes_no(r.assisted), _closed(YES_NO)),
        **_periods(lambda r: r.registered_on),
    },
)

REFERRALS: Final[Subject[ReferralRow]] = Subject(
    "referrals",
    {
        "target": Dimension("target", lambda r: r.target, _closed(("assistance_system", "police"))),
        "decision": Dimension("decision", lambda r: r.decision, lambda v: v.referral_states),
        "referrer_type": Dimension(
            "referrer_type", lambda r: r.referrer_type, lambda v: v.organisation_types
        ),
        "department": Dimension(
            "department", lambda r: r.department, lambda v: _with_unknown(v.departments)
        ),
        **_periods(lambda r: r.created_on),
    },
)


DECISIONS: Final[Subject[ReferralRow]] = Subject(
    "decisions",
    {k: v for k, v in REFERRALS.dimensions.items() if k != "decision"},
)
"""Referrals that have had a first decision, for decision times (`timing`)."""


def age_bucket(days: int) -> str:
    """The waiting-time bucket of an open referral."""
    if days <= 7:
        return "0_7"
    if days <= 30:
        return "8_30"
    if days <= 90:
        return "31_90"
    return "over_90"


AGEING: Final[Subject[ReferralRow]] = Subject(
    "ageing",
    {
        "target": Dimension("target", lambda r: r.target, _closed(("assistance_system", "police"))),
        "age_bucket": Dimension(
            "age_bucket", lambda r: age_bucket(r.open_days or 0), _closed(AGE_BUCKETS)
        ),
        "department": Dimension(
            "department", lambda r: r.department, lambda v: _with_unknown(v.departments)
        ),
    },
)

INVESTIGATIONS: Final[Subject[InvestigationRow]] = Subject(
    "investigations",
    {
        "offence": Dimension("offence", lambda r: r.offence, lambda v: _with_unknown(v.offences)),
        "stage": Dimension("stage", lambda r: r.stage, lambda v: v.stages),
        "outcome": Dimension("outcome", lambda r: r.outcome, lambda v: _with_unknown(v.outcomes)),
        "department": Dimension(
            "department", lambda r: r.department, lambda v: _with_unknown(v.departments)
        ),
        "cross_border": Dimension(
            "cross_border", lambda r: _yes_no(r.cross_border), _closed(YES_NO)
        ),
        **_periods(lambda r: r.opened_on),
    },
)

SUBJECTS: Final[Mapping[str, Subject[Any]]] = {
    s.name: s for s in (SIGNALS, VICTIMS, REFERRALS, DECISIONS, AGEING, INVESTIGATIONS)
}


@dataclass(frozen=True)
class Request:
    subject: str
    by: tuple[str, ...]
    filters: tuple[tuple[str, str], ...] = ()
    threshold: int = 5


@dataclass(frozen=True)
class Answer:
    """A protected table, sliced to the filters: the inner cells and every margin."""

    subject: str
    by: tuple[str, ...]
    filters: tuple[tuple[str, str], ...]
    threshold: int
    categories: Mapping[str, tuple[str, ...]]
    tables: Mapping[tuple[str, ...], tuple[disclosure.Cell, ...]]
    """Keyed by a subset of `by`; cell keys hold the values of that subset only."""

    @property
    def rows(self) -> tuple[disclosure.Cell, ...]:
        return self.tables[self.by]

    @property
    def total(self) -> disclosure.Cell:
        return self.tables[()][0]


def parse_request(
    subject: str, by: Sequence[str], filters: Mapping[str, str], threshold: int
) -> Request:
    """Check a request against the subject's dimensions; raise with a clear message."""
    spec = SUBJECTS.get(subject)
    if spec is None:
        raise StatisticsError(f"unknown subject {subject!r}; one of: {', '.join(SUBJECTS)}")
    wanted = [d for d in by if d]
    for name in [*wanted, *filters]:
        if name not in spec.dimensions:
            raise StatisticsError(
                f"{subject} cannot be broken down by {name!r}; "
                f"dimensions: {', '.join(spec.dimensions)}"
            )
    if len(set(wanted)) != len(wanted):
        raise StatisticsError("a dimension is named twice in `by`")
    if set(wanted) & set(filters):
        raise StatisticsError("a dimension cannot be both broken down by and filtered on")
    if len(wanted) + len(filters) > MAX_DIMENSIONS:
        raise StatisticsError(
            f"at most {MAX_DIMENSIONS} dimensions, broken down by and filtered on together"
        )
    return Request(subject, tuple(wanted), tuple(sorted(filters.items())), threshold)


def categories(
    subject: Subject[Row],
    name: str,
    rows: Sequence[Row],
    vocabulary: Vocabulary,
    threshold: int,
) -> tuple[str, ...]:
    """The fixed category list of one dimension (see the module docstring)."""
    dim = subject.dimensions[name]
    if dim.closed is not None:
        return dim.closed(vocabulary)
    values = [dim.value(r) for r in rows]
    if dim.period:
        return _period_range(name, values)
    frequent = sorted(
        v for v, n in Counter(values).items() if n >= threshold and v not in (UNKNOWN, OTHER)
    )
    if dim.parent is not None:
        # The rest of each parent's values: "other in Uusimaa", so that the dimension
        # still nests in its parent.
        parents = categories(subject, dim.parent, rows, vocabulary, threshold)
        return (*frequent, *(other_in(p) for p in parents if p != UNKNOWN), UNKNOWN)
    return (*frequent, OTHER, UNKNOWN)


def other_in(parent: str) -> str:
    """The category of the rare values of a nested dimension within one parent value."""
    return f"{OTHER}:{parent}"


def _period_range(name: str, seen: Sequence[str]) -> tuple[str, ...]:
    """Every period from the first seen to the last, so that empty months show as 0."""
    if not seen:
        return ()
    first, last = min(seen), max(seen)
    if name == "year":
        return tuple(f"{y:04d}" for y in range(int(first), int(last) + 1))

    def index(value: str) -> int:
        return int(value[:4]) * 12 + int(value[5:7]) - 1

    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index(first), index(last) + 1))


@dataclass(frozen=True)
class Tabulation:
    """The true counts of a request's table: auxiliary parents of nested dimensions
    first, then the filter dimensions, then `by`."""

    dims: tuple[str, ...]
    counts: Mapping[tuple[str, ...], int]
    categories: Mapping[str, tuple[str, ...]]
    aux: tuple[str, ...] = ()
    parent_of: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """For each nested dimension, each of its values → the parent value it lies in."""

    def category_lists(self) -> list[tuple[str, ...]]:
        return [self.categories[name] for name in self.dims]


def tabulate(request: Request, rows: Sequence[Any], vocabulary: Vocabulary) -> Tabulation:
    """Count the rows into the full table of the request's dimensions (with the parents
    of nested ones, see `Dimension.parent`)."""
    subject = SUBJECTS[request.subject]
    filter_dims = tuple(name for name, _ in request.filters)
    wanted = (*filter_dims, *request.by)
    aux = tuple(
        dict.fromkeys(
            p
            for name in wanted
            if (p := subject.dimensions[name].parent) is not None and p not in wanted
        )
    )
    dims = (*aux, *wanted)
    if len(dims) > MAX_DIMENSIONS:
        raise StatisticsError(
            f"at most {MAX_DIMENSIONS} dimensions, counting the ones a month or a "
            "municipality is protected with (its year, its region)"
        )
    cats = {name: categories(subject, name, rows, vocabulary, request.threshold) for name in dims}
    for name, value in request.filters:
        if subject.dimensions[name].period and PERIOD_FORMATS[name].fullmatch(value):
            # A period with no records is a true zero, not an unknown value.
            cats[name] = _period_range(name, [*cats[name], value])
        if value not in cats[name]:
            raise StatisticsError(
                f"{value!r} is not a value of {name}; values: {', '.join(cats[name])}"
            )
    year = dict(request.filters).get("year")
    if "month" in cats and year is not None:
        # Every month of the year asked for is a category (an empty month is a zero).
        cats["month"] = _period_range("month", [*cats["month"], f"{year}-01", f"{year}-12"])
    if "month" in cats and "year" in cats:
        cats["year"] = _period_range("year", [*cats["year"], *(m[:4] for m in cats["month"])])
    for name in dims:
        if not cats[name]:
            raise StatisticsError(f"nothing has been recorded yet to count by {name}")
    getters = [subject.dimensions[name].value for name in dims]
    parents = {
        name: dims.index(p) for name in dims if (p := subject.dimensions[name].parent) in dims
    }
    parent_of: dict[str, dict[str, str]] = {name: {} for name in parents}
    counts: Counter[tuple[str, ...]] = Counter()
    for row in rows:
        key = [_recode(get(row), cats[name]) for get, name in zip(getters, dims, strict=True)]
        for name, at in parents.items():
            i = dims.index(name)
            raw = getters[i](row)
            if raw in cats[name]:
                key[i] = raw
            elif raw != UNKNOWN and key[at] != UNKNOWN:  # rare: "other" within its parent
                key[i] = other_in(key[at])
            else:
                key[i] = UNKNOWN
            parent_of[name][key[i]] = key[at]
        counts[tuple(key)] += 1
    for name in parents:
        for value in cats[name]:
            parent_of[name].setdefault(value, _parent_value(name, value))
    return Tabulation(dims, dict(counts), cats, aux, parent_of)


def _parent_value(name: str, value: str) -> str:
    """The parent of a value no row has: a month's year, "other:MK01"'s region."""
    if name == "month":
        return value[:4]
    if value.startswith(f"{OTHER}:"):
        return value.split(":", 1)[1]
    return UNKNOWN


def answer(request: Request, rows: Sequence[Any], vocabulary: Vocabulary) -> Answer:
    """Count, protect and slice. `rows` are the subject's fact rows (all of them: the
    platform's statistics are national; the protection is what makes them safe)."""
    table = tabulate(request, rows, vocabulary)
    release = disclosure.protect(
        table.counts, table.category_lists(), table.dims, threshold=request.threshold
    )
    return slice_release(request, release, table)


def slice_release(request: Request, release: disclosure.Release, table: Tabulation) -> Answer:
    """The request's answer out of a protected (or noisy) release of its tabulation:
    the rows matching the filters, for `by` and each of its subsets. A table with a
    nested dimension is read from the table with its parent (the pattern protected
    against the parent's totals), keeping each value's own parent cell."""
    filter_dims = tuple(name for name, _ in request.filters)
    wanted = dict(request.filters)
    subject = SUBJECTS[request.subject]
    tables: dict[tuple[str, ...], tuple[disclosure.Cell, ...]] = {}
    for size in range(len(request.by) + 1):
        for subset in _subsets(request.by, size):
            own = (*filter_dims, *subset)
            needed = tuple(
                p for p in table.aux if any(subject.dimensions[d].parent == p for d in own)
            )
            dims = (*needed, *own)
            cells = release.table(dims).cells
            pairs = [
                (dims.index(d), dims.index(p))
                for d in own
                if (p := subject.dimensions[d].parent) in needed
            ]
            skip = len(needed) + len(filter_dims)
            tables[subset] = tuple(
                disclosure.Cell(
                    key=cell.key[skip:],
                    count=cell.count,
                    suppressed=cell.suppressed,
                    reason=cell.reason,
                )
                for cell in cells
                if all(cell.key[len(needed) + i] == wanted[n] for i, n in enumerate(filter_dims))
                and all(table.parent_of[dims[c]].get(cell.key[c]) == cell.key[p] for c, p in pairs)
            )
    categories = {name: table.categories[name] for name in request.by}
    year = wanted.get("year")
    if year is not None and "month" in request.by:
        # The other years' months are zeros by construction in a year's slice.
        categories["month"] = tuple(m for m in categories["month"] if m.startswith(year))
        for subset, cells in tables.items():
            if "month" in subset:
                i = subset.index("month")
                tables[subset] = tuple(c for c in cells if c.key[i].startswith(year))
    return Answer(
        subject=request.subject,
        by=request.by,
        filters=request.filters,
        threshold=request.threshold,
        categories=categories,
        tables=tables,
    )


def _recode(value: str, cats: tuple[str, ...]) -> str:
    if value in cats:
        return value
    return OTHER if OTHER in cats else UNKNOWN


def _subsets(dims: tuple[str, ...], size: int) -> list[tuple[str, ...]]:
    return [tuple(c) for c in combinations(dims, size)]
