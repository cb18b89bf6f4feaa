"""The plain rows statistics and anonymised exports are counted from.

One row per counted unit, holding only coded values: no names, no free text, no record
content. The database loader (`queries`) fills them; everything that aggregates,
protects or reshapes them is pure and works on these rows alone, so that it can be
tested on a fixed synthetic dataset without a database.

Multi-valued facts (a signal naming labour *and* sexual exploitation) are counted once,
under the primary (first named) value, so that every table adds up to its margins — as
the Finnish assistance system counts one primary form of exploitation per client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from opennrm.referrals import rules

UNKNOWN: Final = "unknown"
"""The value of a dimension the record does not state."""

AGE_GROUPS: Final = (*(code for code, _, _ in rules.AGE_GROUPS), UNKNOWN)
"""Age groups of the Finnish assistance system's statistics (`referrals.rules.age_group`
gives a person's, "unknown" when a partial birth date spans two groups)."""

VICTIM_STATUSES: Final = ("presumed", "identified", "not_identified")
"""presumed: a victim named in a signal; identified / not_identified: the assistance
system's decision on the person (the latest one taken)."""

SUSPECT_STAGES: Final = ("suspected", "prosecuted", "convicted")
"""How far the criminal process got for a suspect, in Eurostat's terms."""


@dataclass(frozen=True)
class SignalRow:
    """One signal, described by its primary exploitation type and first victim."""

    registered_on: date
    exploitation_type: str
    sex: str
    age_group: str
    nationality: str
    municipality: str
    region: str
    department: str
    referrer_type: str


@dataclass(frozen=True)
class VictimRow:
    """One (presumed or identified) victim named in a signal."""

    unit: str
    """A pseudonymous, stable-within-one-export number; never a record id."""
    registered_on: date
    status: str
    sex: str
    age_group: str
    child: bool | None
    nationality: str
    exploitation_type: str
    exploitation_types: tuple[str, ...]
    indicators: tuple[str, ...]
    region: str
    department: str
    referrer_type: str
    assisted: bool
    """Admitted to the assistance system at some point."""


@dataclass(frozen=True)
class ReferralRow:
    """One referral and how it was decided."""

    created_on: date
    target: str
    decision: str
    """The referral's current state (received, admitted, identified, accepted, ...)."""
    referrer_type: str
    department: str
    """The receiving police department, for referrals to the police; else unknown."""
    days_to_first_decision: int | None
    """Calendar days from referral to the first decision; None while none is taken."""
    open_days: int | None
    """Age in days of a referral still awaiting a decision; None once decided."""


@dataclass(frozen=True)
class InvestigationRow:
    """One investigation."""

    opened_on: date
    offence: str
    stage: str
    outcome: str
    department: str
    cross_border: bool


@dataclass(frozen=True)
class SuspectRow:
    """One suspect named in an investigation, with how far the process got."""

    opened_on: date
    stage: str
    """One of SUSPECT_STAGES."""
    sex: str
    nationality: str
    offence: str
