"""Exports in the field's formats, and the HTCDS import.

- HTCDS case records: personal data. Only the signals the caller may read (the same
  `policy.visible` clause as every list), only for a role that exports, with a purpose,
  and each exported record named in the audit entry.
- CTDC-style dataset and the Eurostat / UNODC tables: anonymised. Built from the whole
  platform's fact rows, k-anonymised (CTDC) or passed through disclosure control (tables),
  for the roles that see statistics.
- FollowTheMoney entities: `linkage.network.export_network` (visible records only).

The HTCDS import creates signals through `signals.actions.create_signal`, all of a file
or nothing: one bad record and the message lists every problem, with line numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation
from opennrm.crypto import FieldCipher
from opennrm.errors import FieldProblem, Forbidden, Invalid
from opennrm.linkage.engine.model import Model
from opennrm.policy import rowsecurity
from opennrm.policy.rules import Action, Actor, can
from opennrm.policy.visibility import visible
from opennrm.referrals.config import ReferralConfig
from opennrm.referrals.models import Referral, ReferralDecision
from opennrm.signals import actions as signal_actions
from opennrm.signals.models import Signal, SignalPerson
from opennrm.signals.schemas import SignalIn
from opennrm.statistics import ctdc, disclosure, htcds, official, queries
from opennrm.support import machine
from opennrm.support.models import SupportService

MAX_IMPORT_RECORDS = 1000
"""Records in one import: a bigger file is split, so that one transaction stays short."""


def require(actor: Actor, action: Action, event: str) -> None:
    decision = can(actor, action)
    if not decision:
        raise Forbidden(
            decision.reason,
            audit=AuditEntry.by(actor, event, outcome="denied", detail={"reason": decision.reason}),
        )


def require_purpose(purpose: str | None) -> str:
    if purpose is None or len(purpose.strip()) < 5:
        raise Invalid(
            "Say why the records are exported (X-Purpose, at least 5 characters); "
            "the purpose is kept in the audit trail."
        )
    return purpose.strip()


# --- HTCDS export -------------------------------------------------------------------------


def _full_date(value: str | None) -> date | None:
    if value and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class _Referrals:
    by_signal: Mapping[str, list[htcds.Referral]]
    services: Mapping[str, list[htcds.Service]]
    status: Mapping[str, str]
    closed: Mapping[str, bool]


def _referrals(session: Session, signal_ids: Sequence[str], config: ReferralConfig) -> _Referrals:
    names: dict[str, str] = {}
    for org_id, name in session.execute(select(Organisation.id, Organisation.name)):
        names[org_id] = name
    by_signal: dict[str, list[htcds.Referral]] = defaultdict(list)
    open_any: dict[str, bool] = {}
    referral_signal: dict[str, str] = {}
    stmt = select(Referral).where(Referral.signal_id.in_(signal_ids)).order_by(Referral.created_at)
    for r in session.scalars(stmt):
        referral_signal[r.id] = r.signal_id
        by_signal[r.signal_id].append(
            htcds.Referral(
                target=r.target,
                referred_on=config.local_day(r.created_at),
                state=r.status,
                organisation=names.get(r.target_organisation_id),
            )
        )
        open_any[r.signal_id] = (
            open_any.get(r.signal_id, False)
            or machine.is_open(cast(machine.Machine, r.machine), r.status)
            or r.status in machine.IN_ASSISTANCE
        )
    status: dict[str, tuple[datetime, str]] = {}
    decisions = select(
        ReferralDecision.referral_id, ReferralDecision.to_status, ReferralDecision.decided_at
    ).where(
        ReferralDecision.referral_id.in_(referral_signal),
        ReferralDecision.to_status.in_(("identified", "not_identified")),
    )
    for referral_id, to_status, at in session.execute(decisions):
        sid = referral_signal[referral_id]
        if sid not in status or at >= status[sid][0]:
            status[sid] = (at, to_status)
    services: dict[str, list[htcds.Service]] = defaultdict(list)
    for s in session.scalars(
        select(SupportService)
        .where(SupportService.referral_id.in_(referral_signal))
        .order_by(SupportService.starts_on)
    ):
        services[referral_signal[s.referral_id]].append(
            htcds.Service(type=s.service_type, start=s.starts_on, end=s.ends_on)
        )
    return _Referrals(
        by_signal=by_signal,
        services=services,
        status={k: v[1] for k, v in status.items()},
        closed={sid: not open_any.get(sid, True) for sid in signal_ids},
    )


def htcds_cases(
    session: Session,
    actor: Actor,
    *,
    config: ReferralConfig,
    now: datetime,
    purpose: str | None,
) -> list[htcds.CaseInput]:
    """One HTCDS case per victim named in a signal the caller may read; audited."""
    require(actor, Action.EXPORT_RECORDS, "export.htcds")
    reason = require_purpose(purpose)
    where = visible(
        actor,
        record_type="signal",
        id_col=Signal.id,
        owner_col=Signal.organisation_id,
        creator_col=Signal.created_by,
        now=now,
    )
    signals = list(session.scalars(select(Signal).where(where).order_by(Signal.created_at)))
    ids = [s.id for s in signals]
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    persons: dict[str, list[SignalPerson]] = defaultdict(list)
    for p in session.scalars(
        select(SignalPerson).where(SignalPerson.signal_id.in_(ids)).order_by(SignalPerson.position)
    ):
        persons[p.signal_id].append(p)
    refs = _referrals(session, ids, config)
    country = config.deployment.country
    cases: list[htcds.CaseInput] = []
    for s in signals:
        org = orgs[s.organisation_id]
        suspects = tuple(
            htcds.Suspect(names=tuple(p.names), nationality=p.nationality, role="unknown")
            for p in persons[s.id]
            if p.role == "suspect"
        )
        for p in persons[s.id]:
            if p.role != "victim":
                continue
            cases.append(
                htcds.CaseInput(
                    case_id=f"{s.id}/{p.position}",
                    organisation=htcds.Organisation(name=org.name, type=org.type, country=country),
                    registered_on=config.local_day(s.created_at),
                    exploitation_types=tuple(s.exploitation_types),
                    victim=htcds.Person(
                        names=tuple(p.names),
                        birth_date=p.birth_date,
                        gender=p.gender or "unknown",
                        nationality=p.nationality,
                        phones=tuple(p.phones or ()),
                        emails=tuple(p.emails or ()),
                    ),
                    victim_status=refs.status.get(s.id, "presumed"),
                    case_status="closed"
                    if refs.closed.get(s.id) and refs.by_signal.get(s.id)
                    else "open",
                    occurred_on=_full_date(s.occurred_on),
                    municipality=s.municipality,
                    suspects=suspects,
                    indicators=tuple(s.indicators or ()),
                    consent=htcds.Consent(
                        to_assistance_system=s.consent_to_assistance_system,
                        to_police=s.consent_to_police,
                    ),
                    services=tuple(refs.services.get(s.id, ())),
                    referrals=tuple(refs.by_signal.get(s.id, ())),
                )
            )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "export.htcds",
            record_type="signal",
            purpose=reason,
            detail={"signals": ids, "cases": len(cases)},
        ),
    )
    return cases


# --- HTCDS import -------------------------------------------------------------------------


def _signal_in(case: htcds.CaseInput) -> SignalIn:
    victim = case.victim
    persons: list[dict[str, Any]] = [
        {
            "role": "victim",
            "names": list(victim.names),
            "birth_date": victim.birth_date,
            "gender": victim.gender,
            "nationality": victim.nationality,
            "phones": list(victim.phones),
            "emails": list(victim.emails),
        }
    ]
    persons += [
        {"role": "suspect", "names": list(s.names), "nationality": s.nationality}
        for s in case.suspects
    ]
    return SignalIn.model_validate(
        {
            "exploitation_types": list(case.exploitation_types) or ["other"],
            "summary": f"Imported from an HTCDS case record ({case.case_id}).",
            "occurred_on": case.occurred_on.isoformat() if case.occurred_on else None,
            "municipality": case.municipality,
            "persons": persons,
            "indicators": list(case.indicators),
            "consent": {
                "to_assistance_system": bool(case.consent.to_assistance_system),
                "to_police": bool(case.consent.to_police),
            },
        }
    )


def import_htcds(
    session: Session,
    actor: Actor,
    records: Sequence[object],
    *,
    cipher: FieldCipher,
    today: date,
    linkage_model: Model | None = None,
) -> list[str]:
    """Create one signal per HTCDS record, owned by the caller's organisation.

    Every record is checked (schema, code lists, our signal rules) before anything is
    stored; any problem refuses the whole file with every problem listed."""
    decision = can(actor, Action.SIGNAL_CREATE)
    if not decision:
        raise Forbidden(
            decision.reason,
            audit=AuditEntry.by(
                actor, "import.htcds", outcome="denied", detail={"reason": decision.reason}
            ),
        )
    if not records:
        raise Invalid("The file holds no HTCDS records.")
    if len(records) > MAX_IMPORT_RECORDS:
        raise Invalid(f"At most {MAX_IMPORT_RECORDS} records at a time; split the file.")
    problems: list[FieldProblem] = []
    payloads: list[SignalIn] = []
    for n, record in enumerate(records, start=1):
        where = f"record {n}"
        if not isinstance(record, Mapping):
            problems.append(FieldProblem(where, "is not a JSON object"))
            continue
        try:
            case = htcds.from_htcds(record, case_id=f"import-{n}", registered_on=today)
            payloads.append(_signal_in(case))
        except htcds.InvalidHtcdsRecord as exc:
            problems += [FieldProblem(where, str(m)) for m in exc.errors]
        except ValidationError as exc:
            problems += [
                FieldProblem(where, f"{'.'.join(map(str, e['loc']))}: {e['msg']}")
                for e in exc.errors()
            ]
    if problems:
        raise Invalid(
            f"{len(problems)} problem(s) in the file; nothing was imported.", problems[:200]
        )
    created: list[str] = []
    for payload in payloads:
        signal, _ = signal_actions.create_signal(
            session, payload, actor=actor, cipher=cipher, linkage_model=linkage_model
        )
        created.append(signal.id)
    audit.record(
        session,
        AuditEntry.by(actor, "import.htcds", record_type="signal", detail={"signals": created}),
    )
    return created


# --- anonymised ---------------------------------------------------------------------------


def ctdc_release(
    session: Session, actor: Actor, *, config: ReferralConfig, now: datetime, k: int
) -> ctdc.CtdcRelease:
    """The CTDC-style k-anonymised dataset of every presumed and identified victim."""
    require(actor, Action.EXPORT_ANONYMISED, "export.anonymised")
    with rowsecurity.system_scope(session, "statistics"):  # every organisation's victims
        rows = queries.victim_rows(session, config.deployment, config.local_day)
    release = ctdc.anonymise(rows, k=k, country_of_exploitation=config.deployment.country)
    report = release.report
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "export.anonymised",
            record_type="statistics",
            detail={
                "kind": "ctdc",
                "k": report.k,
                "records_in": report.records_in,
                "released": report.released,
                "suppressed": report.suppressed,
            },
        ),
    )
    return release


@dataclass(frozen=True)
class ProtectedTable:
    name: str
    dims: tuple[str, ...]
    rows: list[dict[str, str | int | bool | None]]
    """Every category combination: the dims, `count` (None when suppressed), `suppressed`."""


def protect_official(table: official.OfficialTable, threshold: int) -> ProtectedTable:
    """An official table through disclosure control, keeping its shape and order."""
    dims = table.dims
    categories: list[list[str]] = [[] for _ in dims]
    counts: dict[tuple[str, ...], int] = {}
    for row in table.rows:
        key = tuple(str(row[d]) for d in dims)
        for i, value in enumerate(key):
            if value not in categories[i]:
                categories[i].append(value)
        counts[key] = int(row["count"] or 0)
    try:
        release = disclosure.protect(counts, categories, dims, threshold=threshold)
    except disclosure.DisclosureError as exc:
        raise Invalid(f"{table.name}: {exc}") from exc
    cells = {c.key: c for c in release.table(dims).cells}
    rows: list[dict[str, str | int | bool | None]] = []
    for row in table.rows:
        cell = cells[tuple(str(row[d]) for d in dims)]
        out: dict[str, str | int | bool | None] = {d: str(row[d]) for d in dims}
        out["count"] = None if cell.suppressed else cell.count
        out["suppressed"] = cell.suppressed
        rows.append(out)
    return ProtectedTable(table.name, dims, rows)


def official_release(
    session: Session,
    actor: Actor,
    *,
    config: ReferralConfig,
    year: int,
    threshold: int,
    names: Iterable[str] | None = None,
) -> list[ProtectedTable]:
    """The Eurostat and UNODC tables of one year, each through disclosure control."""
    require(actor, Action.EXPORT_ANONYMISED, "export.anonymised")
    with rowsecurity.system_scope(session, "statistics"):  # national tables
        victims = queries.victim_rows(session, config.deployment, config.local_day)
        suspects = queries.suspect_rows(session, config.local_day)
    tables = official.official_tables(
        victims, suspects, country=config.deployment.country, years=[year]
    )
    wanted = set(names) if names is not None else None
    out = [protect_official(t, threshold) for t in tables if wanted is None or t.name in wanted]
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "export.anonymised",
            record_type="statistics",
            detail={"kind": "official", "year": year, "tables": [t.name for t in out]},
        ),
    )
    return out


def csv_rows(table: ProtectedTable) -> tuple[list[str], list[list[str | int | None]]]:
    """An official table as CSV: its dimensions, `count` (empty when suppressed) and
    `suppressed` (true / false)."""
    headers = [*table.dims, "count", "suppressed"]
    rows: list[list[str | int | None]] = [
        [
            *(str(row[d]) for d in table.dims),
            row["count"] if isinstance(row["count"], int) else None,
            "true" if row["suppressed"] else "false",
        ]
        for row in table.rows
    ]
    return headers, rows


def official_names(country: str = "FI") -> list[str]:
    """The names of the official tables, in order."""
    return [t.name for t in official.official_tables([], [], country=country, years=[2000])]
