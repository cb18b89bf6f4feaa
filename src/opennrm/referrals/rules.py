"""Pure rules of routing a referral: who receives it, on what basis, and what it carries.

No I/O: plain values in, plain values out, so that the consent and child rules — the ones
that decide whether a person's identity leaves the referring organisation — can be
tested exhaustively.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

Target = Literal["assistance_system", "police"]
TARGETS: tuple[Target, ...] = ("assistance_system", "police")
Basis = Literal["consent", "statutory"]

ADULT_AGE = 18

AGE_GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("under_18", 0, 17),
    ("18_29", 18, 29),
    ("30_39", 30, 39),
    ("40_49", 40, 49),
    ("50_plus", 50, None),
)
"""The age groups of the Finnish assistance system's statistics."""


@dataclass(frozen=True)
class ReferralPlan:
    """How one referral goes: identified (with a share of the signal) or anonymous."""

    target: Target
    anonymous: bool
    basis: Basis | None
    machine: Literal["assistance", "police", "notification"]
    why: str


def plan_referral(
    *, target: Target, consent: bool, child: bool, children_always_referred: bool
) -> ReferralPlan:
    """Decide how a referral goes.

    * With the person's consent, the receiver gets the signal (a share on the consent
      basis) and, for the assistance system, a case to decide.
    * A child is referred with identity whatever the consent when the deployment's law
      says so (Finland: the duty to notify in the Child Welfare Act; demo configuration);
      the share then rests on a statutory duty.
    * Otherwise only an anonymous notification goes: no identity, nothing to admit.
    """
    machine: Literal["assistance", "police"] = (
        "assistance" if target == "assistance_system" else "police"
    )
    if consent:
        return ReferralPlan(target, False, "consent", machine, "the person consented")
    if child and children_always_referred:
        return ReferralPlan(
            target, False, "statutory", machine, "a child is referred whatever the consent"
        )
    return ReferralPlan(
        target, True, None, "notification", "no consent: anonymous notification only"
    )


def birth_date_range(birth_date: str | None) -> tuple[date, date] | None:
    """Earliest and latest possible birth date of a full or partial date ("1990",
    "1990-04", "1990-04-02"); None when unknown or not a date."""
    if not birth_date:
        return None
    parts = birth_date.split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            return date(year, 1, 1), date(year, 12, 31)
        month = int(parts[1])
        if len(parts) == 2:
            last = date(year + (month == 12), month % 12 + 1, 1)
            return date(year, month, 1), date.fromordinal(last.toordinal() - 1)
        day = date(year, month, int(parts[2]))
    except ValueError:
        return None
    return day, day


def age_on(born: date, on: date) -> int:
    """Completed years on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def may_be_child(birth_date: str | None, on: date) -> bool:
    """Whether the person may be under 18 on `on`.

    Uncertain age counts as a child: where the age is uncertain and there are reasons to
    believe the person is a child, the person is presumed a child (Directive 2011/36/EU,
    art. 13(2)). So a partial date makes a child if any day it allows would.
    """
    span = birth_date_range(birth_date)
    if span is None:
        return False
    return age_on(span[1], on) < ADULT_AGE


def age_group(birth_date: str | None, on: date) -> str:
    """The statistics' age group; "unknown" when it cannot be told (no date, or a partial
    date whose possible ages fall into two groups)."""
    span = birth_date_range(birth_date)
    if span is None:
        return "unknown"
    groups = {_group(age_on(span[1], on)), _group(age_on(span[0], on))}
    return groups.pop() if len(groups) == 1 else "unknown"


def _group(age: int) -> str:
    for code, low, high in AGE_GROUPS:
        if age >= low and (high is None or age <= high):
            return code
    return "unknown"


def anonymous_summary(
    *,
    exploitation_types: Iterable[str],
    region: str | None,
    occurred_on: str | None,
    age_group: str,
    gender: str | None,
    grounds_to_refer: bool | None,
    positive_dimensions: Iterable[str],
    child: bool,
) -> dict[str, object]:
    """What an anonymous notification carries: nothing that identifies a person.

    No names, dates of birth, contacts, identifiers, addresses, companies, free text or
    municipality (a small municipality with a nationality can point at one person); the
    region and the month are the finest place and time kept. Nationality is left out for
    the same reason.
    """
    return {
        "exploitation_types": sorted(set(exploitation_types)),
        "region": region,
        "month": occurred_on[:7] if occurred_on and len(occurred_on) >= 7 else None,
        "age_group": age_group,
        "gender": gender if gender in {"female", "male"} else "unknown",
        "child": child,
        "grounds_to_refer": grounds_to_refer,
        "positive_dimensions": sorted(set(positive_dimensions)),
    }
