"""Load the fact rows of each subject from the database.

Only coded columns are read (dates, codes, organisation types, birth dates for the age
group); no encrypted content is decrypted and nothing is kept beyond the rows. The rows
cover the whole platform: statistics are national, and `disclosure` is what makes them
safe to show to someone who may not read the records behind them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm.auth.models import ORGANISATION_TYPES, Organisation
from opennrm.demo.finland import Deployment
from opennrm.investigations.models import STAGES, Investigation, InvestigationPerson
from opennrm.investigations.schemas import Outcome
from opennrm.policy import rowsecurity
from opennrm.referrals import rules as referral_rules
from opennrm.referrals.models import Referral, ReferralDecision
from opennrm.signals import codes
from opennrm.signals.models import Signal, SignalPerson
from opennrm.statistics.facts import (
    UNKNOWN,
    InvestigationRow,
    ReferralRow,
    SignalRow,
    SuspectRow,
    VictimRow,
)
from opennrm.statistics.subjects import Vocabulary
from opennrm.support import machine

NATIONAL_UNITS = ("national_team", "nbi")
"""Police bodies counted as a 'department' of their own in investigation statistics."""

LocalDay = Callable[[datetime], date]


def vocabulary(deployment: Deployment) -> Vocabulary:
    """The closed code lists of this deployment."""
    return Vocabulary(
        exploitation_types=tuple(codes.EXPLOITATION_TYPES),
        regions=tuple(r.code for r in deployment.regions),
        departments=(*(d.key for d in deployment.departments), *NATIONAL_UNITS),
        organisation_types=ORGANISATION_TYPES,
        referral_states=tuple(sorted(machine.STATES)),
        offences=tuple(o.code for o in deployment.offences),
        stages=STAGES,
        outcomes=get_args(Outcome),
    )


class _Places:
    """Municipality → region and department, and organisation → department."""

    def __init__(self, session: Session, deployment: Deployment) -> None:
        self.deployment = deployment
        by_org = {d.organisation: d.key for d in deployment.departments}
        self.org_type: dict[str, str] = {}
        self.org_department: dict[str, str] = {}
        for org_id, org_type, key in session.execute(
            select(Organisation.id, Organisation.type, Organisation.key)
        ):
            self.org_type[org_id] = org_type
            if key in by_org:
                self.org_department[org_id] = by_org[key]
            elif org_type in NATIONAL_UNITS:
                self.org_department[org_id] = org_type

    def region(self, municipality: str | None) -> str:
        found = self.deployment.municipality(municipality) if municipality else None
        return found.region if found else UNKNOWN

    def department(self, municipality: str | None) -> str:
        found = self.deployment.municipality(municipality) if municipality else None
        return (found.police_department or UNKNOWN) if found else UNKNOWN

    def municipality(self, municipality: str | None) -> str:
        found = self.deployment.municipality(municipality) if municipality else None
        return found.name.get(self.deployment.default_locale) if found else UNKNOWN


def _first_victims(session: Session) -> dict[str, tuple[str | None, str | None, str | None]]:
    """Signal id → (gender, nationality, birth date) of its first person named a victim."""
    out: dict[str, tuple[str | None, str | None, str | None]] = {}
    stmt = (
        select(
            SignalPerson.signal_id,
            SignalPerson.gender,
            SignalPerson.nationality,
            SignalPerson.birth_date,
        )
        .where(SignalPerson.role == "victim")
        .order_by(SignalPerson.signal_id, SignalPerson.position)
    )
    for signal_id, gender, nationality, birth_date in session.execute(stmt):
        out.setdefault(signal_id, (gender, nationality, birth_date))
    return out


def signal_rows(session: Session, deployment: Deployment, local_day: LocalDay) -> list[SignalRow]:
    places = _Places(session, deployment)
    victims = _first_victims(session)
    rows: list[SignalRow] = []
    stmt = select(
        Signal.id,
        Signal.created_at,
        Signal.exploitation_types,
        Signal.municipality,
        Signal.organisation_id,
    )
    for signal_id, created_at, types, municipality, org_id in session.execute(stmt):
        on = local_day(created_at)
        gender, nationality, birth_date = victims.get(signal_id, (None, None, None))
        rows.append(
            SignalRow(
                registered_on=on,
                exploitation_type=_primary(types),
                sex=gender or UNKNOWN,
                age_group=referral_rules.age_group(birth_date, on),
                nationality=nationality or UNKNOWN,
                municipality=places.municipality(municipality),
                region=places.region(municipality),
                department=places.department(municipality),
                referrer_type=places.org_type.get(org_id, UNKNOWN),
            )
        )
    return rows


def _primary(types: list[str] | None) -> str:
    return types[0] if types else UNKNOWN


def _assistance_outcomes(session: Session) -> tuple[dict[str, str], set[str]]:
    """Signal id → the latest identification decision ('identified' / 'not_identified'),
    and the signals whose person was ever admitted to the assistance system."""
    latest: dict[str, tuple[datetime, str]] = {}
    admitted: set[str] = set()
    stmt = (
        select(Referral.signal_id, ReferralDecision.to_status, ReferralDecision.decided_at)
        .join(ReferralDecision, ReferralDecision.referral_id == Referral.id)
        .where(Referral.target == "assistance_system")
    )
    for signal_id, to_status, decided_at in session.execute(stmt):
        if to_status in machine.IN_ASSISTANCE:
            admitted.add(signal_id)
        if to_status in ("identified", "not_identified"):
            seen = latest.get(signal_id)
            if seen is None or decided_at >= seen[0]:
                latest[signal_id] = (decided_at, to_status)
    return {k: v[1] for k, v in latest.items()}, admitted


def victim_rows(session: Session, deployment: Deployment, local_day: LocalDay) -> list[VictimRow]:
    """Every person named a victim in a signal. A referral concerns its signal, so an
    identification decision counts for the victims of that signal."""
    places = _Places(session, deployment)
    status_of, admitted = _assistance_outcomes(session)
    stmt = (
        select(
            Signal.id,
            Signal.created_at,
            Signal.exploitation_types,
            Signal.indicators,
            Signal.municipality,
            Signal.organisation_id,
            SignalPerson.gender,
            SignalPerson.nationality,
            SignalPerson.birth_date,
        )
        .join(SignalPerson, SignalPerson.signal_id == Signal.id)
        .where(SignalPerson.role == "victim")
        .order_by(Signal.created_at, Signal.id, SignalPerson.position)
    )
    rows: list[VictimRow] = []
    for n, r in enumerate(session.execute(stmt), start=1):
        on = local_day(r.created_at)
        group = referral_rules.age_group(r.birth_date, on)
        rows.append(
            VictimRow(
                unit=str(n),
                registered_on=on,
                status=status_of.get(r.id, "presumed"),
                sex=r.gender or UNKNOWN,
                age_group=group,
                child=None if group == UNKNOWN else group == "under_18",
                nationality=r.nationality or UNKNOWN,
                exploitation_type=_primary(r.exploitation_types),
                exploitation_types=tuple(r.exploitation_types or ()),
                indicators=tuple(r.indicators or ()),
                region=places.region(r.municipality),
                department=places.department(r.municipality),
                referrer_type=places.org_type.get(r.organisation_id, UNKNOWN),
                assisted=r.id in admitted,
            )
        )
    return rows


def referral_rows(
    session: Session, deployment: Deployment, local_day: LocalDay, today: date
) -> list[ReferralRow]:
    places = _Places(session, deployment)
    first: dict[str, datetime] = {}
    for referral_id, decided_at in session.execute(
        select(ReferralDecision.referral_id, ReferralDecision.decided_at)
    ):
        if referral_id not in first or decided_at < first[referral_id]:
            first[referral_id] = decided_at
    rows: list[ReferralRow] = []
    stmt = select(
        Referral.id,
        Referral.created_at,
        Referral.target,
        Referral.machine,
        Referral.status,
        Referral.status_changed_at,
        Referral.from_organisation_id,
        Referral.target_organisation_id,
    )
    for r in session.execute(stmt):
        created = local_day(r.created_at)
        decided = first.get(r.id)
        owed = machine.is_open(r.machine, r.status)
        rows.append(
            ReferralRow(
                created_on=created,
                target=r.target,
                decision=r.status,
                referrer_type=places.org_type.get(r.from_organisation_id, UNKNOWN),
                department=places.org_department.get(r.target_organisation_id, UNKNOWN)
                if r.target == "police"
                else UNKNOWN,
                days_to_first_decision=(local_day(decided) - created).days if decided else None,
                open_days=(today - local_day(r.status_changed_at)).days if owed else None,
            )
        )
    return rows


def investigation_rows(
    session: Session, deployment: Deployment, local_day: LocalDay
) -> list[InvestigationRow]:
    places = _Places(session, deployment)
    stmt = select(
        Investigation.created_at,
        Investigation.offences,
        Investigation.stage,
        Investigation.outcome,
        Investigation.organisation_id,
        Investigation.cross_border,
    )
    return [
        InvestigationRow(
            opened_on=local_day(r.created_at),
            offence=_primary(r.offences),
            stage=r.stage,
            outcome=r.outcome or UNKNOWN,
            department=places.org_department.get(r.organisation_id, UNKNOWN),
            cross_border=bool(r.cross_border),
        )
        for r in session.execute(stmt)
    ]


PROSECUTED_STAGES = frozenset({"charged", "judgment", "appeal"})


def suspect_stage(stage: str, outcome: str | None) -> str:
    """How far the process got for the suspects of an investigation, in Eurostat's
    terms: convicted, prosecuted (charges brought), or suspected."""
    if outcome == "convicted":
        return "convicted"
    if stage in PROSECUTED_STAGES or outcome in ("charges_brought", "acquitted"):
        return "prosecuted"
    return "suspected"


def suspect_rows(session: Session, local_day: LocalDay) -> list[SuspectRow]:
    """Suspects named in investigations. Sex is not recorded for investigation persons,
    so it is 'unknown' here; nationality is."""
    stmt = (
        select(
            Investigation.created_at,
            Investigation.stage,
            Investigation.outcome,
            Investigation.offences,
            InvestigationPerson.nationality,
        )
        .join(InvestigationPerson, InvestigationPerson.investigation_id == Investigation.id)
        .where(InvestigationPerson.category == "suspect")
    )
    return [
        SuspectRow(
            opened_on=local_day(r.created_at),
            stage=suspect_stage(r.stage, r.outcome),
            sex=UNKNOWN,
            nationality=r.nationality or UNKNOWN,
            offence=_primary(r.offences),
        )
        for r in session.execute(stmt)
    ]


def subject_rows(
    session: Session,
    subject: str,
    *,
    deployment: Deployment,
    local_day: LocalDay,
    today: date,
) -> list[Any]:
    """The fact rows of one subject (see `subjects.SUBJECTS`), counted over every
    organisation's records (row security widened: ADR 0016, disclosure control follows)."""
    with rowsecurity.system_scope(session, "statistics"):
        return _subject_rows(session, subject, deployment, local_day, today)


def _subject_rows(
    session: Session, subject: str, deployment: Deployment, local_day: LocalDay, today: date
) -> list[Any]:
    if subject == "signals":
        return signal_rows(session, deployment, local_day)
    if subject == "victims":
        return victim_rows(session, deployment, local_day)
    if subject == "investigations":
        return investigation_rows(session, deployment, local_day)
    rows = referral_rows(session, deployment, local_day, today)
    if subject == "ageing":
        return [r for r in rows if r.open_days is not None]
    if subject == "decisions":
        return [r for r in rows if r.days_to_first_decision is not None]
    return rows


def group_by(rows: list[Any], key: Callable[[Any], str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return out
