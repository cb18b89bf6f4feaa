"""What else a visitor may do on a signal they are reading, decided by the policy.

The signal page offers sharing and shows the audit trail only to those allowed. Asking
`can()` first, with the same facts the actions use, keeps the page from calling an
action just to see it refused (which would write a "denied" entry on every page view).
The actions still check again when they run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm.audit.models import AuditEvent
from opennrm.auth.models import Organisation, User
from opennrm.db import utcnow
from opennrm.errors import NotFound
from opennrm.policy import Action, Actor, RecordFacts, can
from opennrm.policy.visibility import load_facts, visible
from opennrm.signals.models import Signal
from opennrm.signals.queries import RECORD_TYPE, load_signal_row

# Record ids are UUIDs: anything else cannot exist and is answered as a missing record.
RECORD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def require_record_id(value: str) -> str:
    """`value` if it can be a record id; otherwise the answer for a missing record."""
    if not RECORD_ID.fullmatch(value):
        raise NotFound()
    return value


@dataclass(frozen=True)
class SignalPermissions:
    share: bool = False
    read_trail: bool = False


def signal_permissions(
    session: Session, actor: Actor, signal_id: str, now: datetime | None = None
) -> SignalPermissions:
    """Call after `read_signal` has allowed the read; the row is not shown here."""
    row = load_signal_row(session, signal_id)
    if row is None:
        return SignalPermissions()
    signal, owner = row
    facts = load_facts(
        session,
        actor,
        record_type=RECORD_TYPE,
        record_id=signal.id,
        owner_org_id=owner.id,
        owner_org_type=owner.type,
        created_by=signal.created_by,
        now=now or utcnow(),
    )
    return SignalPermissions(
        share=bool(can(actor, Action.SIGNAL_SHARE, facts)),
        read_trail=bool(can(actor, Action.AUDIT_READ, facts)),
    )


@dataclass(frozen=True)
class RecordLinks:
    """Which of a signal's pages a visitor may open: the signal, its audit trail."""

    signal: bool = False
    trail: bool = False


def record_links(
    session: Session, actor: Actor, signal_ids: set[str], now: datetime | None = None
) -> dict[str, RecordLinks]:
    """For each of `signal_ids` that exists, whether the visitor may open the signal and
    its trail: one query for the whole list, so a notification links only to a page that
    will open. Reading is decided by `visible()` (as the lists are); the trail by `can()`
    with the owner's facts, which are all that rule needs. Nothing is read or audited."""
    if not signal_ids:
        return {}
    now = now or utcnow()
    readable = visible(
        actor,
        record_type=RECORD_TYPE,
        id_col=Signal.id,
        owner_col=Signal.organisation_id,
        creator_col=Signal.created_by,
        now=now,
    )
    rows = session.execute(
        select(
            Signal.id,
            Signal.organisation_id,
            Signal.created_by,
            Organisation.type,
            readable.label("readable"),
        )
        .join(Organisation, Organisation.id == Signal.organisation_id)
        .where(Signal.id.in_(signal_ids))
    )
    links: dict[str, RecordLinks] = {}
    for signal_id, owner_id, created_by, owner_type, may_read in rows:
        facts = RecordFacts(
            record_type=RECORD_TYPE,
            owner_org_id=owner_id,
            owner_org_type=owner_type,
            created_by=created_by,
        )
        links[signal_id] = RecordLinks(
            signal=bool(may_read),
            trail=bool(can(actor, Action.AUDIT_READ, facts)),
        )
    return links


def share_targets(session: Session, actor: Actor) -> list[Organisation]:
    """Organisations a signal may be shared with: every one but the visitor's own."""
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.id != actor.organisation_id)
            .order_by(Organisation.type, Organisation.name)
        )
    )


@dataclass(frozen=True)
class TrailNames:
    """E-mail addresses and organisation names for the actors on a trail."""

    users: dict[str, str]
    organisations: dict[str, str]


def trail_names(session: Session, events: list[AuditEvent]) -> TrailNames:
    user_ids = {e.actor_user_id for e in events if e.actor_user_id}
    org_ids = {e.actor_org_id for e in events if e.actor_org_id}
    org_ids |= {str(e.detail["grantee"]) for e in events if e.detail.get("grantee")}
    users: dict[str, str] = {}
    if user_ids:
        rows = session.execute(select(User.id, User.email).where(User.id.in_(user_ids)))
        users = dict(rows.all())
    orgs: dict[str, str] = {}
    if org_ids:
        rows = session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))
        )
        orgs = dict(rows.all())
    return TrailNames(users=users, organisations=orgs)
