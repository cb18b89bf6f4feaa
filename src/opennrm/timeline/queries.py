"""The case timeline: the signal, its screenings, referrals, decisions, services and
notes in the order they happened, with who did what — each part only as far as the
reader may see it (the same rules as the parts' own pages)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.policy import Action, Actor
from opennrm.policy.rules import referrer_sees_status
from opennrm.policy.visibility import referral_visible
from opennrm.referrals.models import Referral, ReferralDecision
from opennrm.referrals.queries import _view, notes_for, reason_context
from opennrm.referrals.schemas import TimelineItem
from opennrm.screening.models import Screening
from opennrm.signals.queries import RECORD_TYPE as SIGNAL
from opennrm.signals.queries import access_signal
from opennrm.support.models import SupportService

OWN_NOTE_VIA = {"owner", "creator", "assigned", "break_glass"}
"""Who reads the notes on a signal: its holder's side, not organisations it was shared
with (notes are the holder's working assessments)."""


def signal_timeline(
    session: Session,
    signal_id: str,
    *,
    actor: Actor,
    cipher: FieldCipher,
    now: datetime | None = None,
) -> list[TimelineItem]:
    now = now or utcnow()
    signal, owner, decision = access_signal(
        session, signal_id, Action.SIGNAL_READ, actor=actor, now=now
    )
    people = _Names()
    orgs = _Names()
    items = [
        TimelineItem(
            at=signal.created_at,
            kind="signal",
            title="signal_recorded",
            actor=people.get(signal.created_by),
            organisation=owner.id,
            record_type=SIGNAL,
            record_id=signal.id,
        )
    ]
    for s in session.scalars(select(Screening).where(Screening.signal_id == signal.id)):
        items.append(
            TimelineItem(
                at=s.created_at,
                kind="screening",
                title="grounds_to_refer" if s.grounds_to_refer else "no_grounds_to_refer",
                detail=f"{s.profile} · {len(s.indicators)} · {s.catalogue_version}",
                actor=people.get(s.created_by),
                organisation=orgs.get(s.organisation_id),
                record_type="screening",
                record_id=s.id,
            )
        )
    if decision.via in OWN_NOTE_VIA:
        items.extend(_notes(session, SIGNAL, signal.id, cipher, orgs.get(owner.id)))
    referrals = session.scalars(
        select(Referral).where(
            Referral.signal_id == signal.id,
            referral_visible(
                actor,
                from_col=Referral.from_organisation_id,
                target_col=Referral.target_organisation_id,
                creator_col=Referral.created_by,
                id_col=Referral.id,
                now=now,
            ),
        )
    )
    for referral in referrals:
        receiver = _view(actor, referral) == "receiver"
        items.append(
            TimelineItem(
                at=referral.created_at,
                kind="referral",
                title=f"referral_{referral.target}" + ("_anonymous" if referral.anonymous else ""),
                detail=orgs.get(referral.target_organisation_id),
                actor=people.get(referral.created_by),
                organisation=orgs.get(referral.from_organisation_id),
                record_type="referral",
                record_id=referral.id,
            )
        )
        view = _view(actor, referral)
        if view != "referrer" or referrer_sees_status(consent=referral.consent):
            for d in session.scalars(
                select(ReferralDecision).where(ReferralDecision.referral_id == referral.id)
            ):
                items.append(
                    TimelineItem(
                        at=d.decided_at,
                        kind="decision",
                        title=d.decision,
                        detail=cipher.decrypt(d.reason_enc, reason_context(d.id))
                        if receiver
                        else None,
                        note_kind="assessment" if receiver else None,
                        actor=people.get(d.decided_by) if receiver else None,
                        organisation=orgs.get(referral.target_organisation_id),
                        record_type="referral",
                        record_id=referral.id,
                    )
                )
        if receiver:
            for sv in session.scalars(
                select(SupportService).where(SupportService.referral_id == referral.id)
            ):
                items.append(
                    TimelineItem(
                        at=sv.created_at,
                        kind="service",
                        title=sv.service_type,
                        detail=f"{sv.starts_on.isoformat()}–"
                        + (sv.ends_on.isoformat() if sv.ends_on else ""),
                        actor=people.get(sv.created_by),
                        organisation=orgs.get(referral.target_organisation_id),
                        record_type="referral",
                        record_id=referral.id,
                    )
                )
            items.extend(
                _notes(
                    session,
                    "referral",
                    referral.id,
                    cipher,
                    orgs.get(referral.target_organisation_id),
                )
            )
    people.resolve(session, User)
    orgs.resolve(session, Organisation)
    for item in items:
        item.actor = people.get(item.actor)
        item.organisation = orgs.get(item.organisation)
    items.sort(key=lambda i: i.at)
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "timeline.read",
            record_type=SIGNAL,
            record_id=signal.id,
            fields=["timeline"],
            detail={"items": len(items), "via": decision.via or ""},
        ),
    )
    return items


class _Names:
    """Ids seen while the timeline is built, turned into names with one query at the end
    (rather than loading every user and organisation of the deployment)."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def get(self, key: str | None) -> str | None:
        if key is None:
            return None
        self._names.setdefault(key, key)
        return self._names[key]

    def resolve(self, session: Session, model: type[User] | type[Organisation]) -> None:
        ids = set(self._names)
        if ids:
            rows = session.execute(select(model.id, model.name).where(model.id.in_(ids)))
            self._names.update({row[0]: row[1] for row in rows})


def _notes(
    session: Session, record_type: str, record_id: str, cipher: FieldCipher, org: str | None
) -> list[TimelineItem]:
    return [
        TimelineItem(
            at=n.created_at,
            kind="note",
            title=n.kind,
            detail=n.text,
            note_kind=n.kind,
            actor=n.created_by,
            organisation=org,
            record_type=record_type,
            record_id=record_id,
        )
        for n in notes_for(session, record_type, record_id, cipher)
    ]
