"""Making a share: the one place that checks a share is lawful and stores it.

Signals, referrals (identified referrals share their signal) and support cases shared
with the police all go through `grant_share`, so a rule added to `rules.share_problems`
holds for every kind of share at once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from opennrm.auth.models import Organisation
from opennrm.errors import Invalid
from opennrm.policy.models import Share
from opennrm.policy.rules import Actor, share_problems


def grant_share(
    session: Session,
    *,
    record_type: str,
    record_id: str,
    owner: Organisation,
    grantee: Organisation,
    basis: str,
    scope: str,
    expires_on: date,
    note: str | None,
    consent_to_police: bool,
    consent_to_assistance_system: bool,
    actor: Actor,
    now: datetime,
    today: date | None = None,
    refusal: str = "This share cannot be made",
    idempotency_key: str | None = None,
) -> Share:
    """Store a share after `share_problems` found nothing against it; `Invalid` naming
    every problem otherwise (nothing stored). `today` is the day expiry is counted from
    (the deployment's local day, where the caller knows it; else the UTC day)."""
    problems = share_problems(
        owner_org_type=owner.type,
        owner_org_id=owner.id,
        grantee_org_type=grantee.type,
        grantee_org_id=grantee.id,
        basis=basis,
        expires_on=expires_on,
        today=today or now.date(),
        consent_to_police=consent_to_police,
        consent_to_assistance_system=consent_to_assistance_system,
    )
    if problems:
        raise Invalid(f"{refusal}: " + "; ".join(problems) + ".")
    share = Share(
        record_type=record_type,
        record_id=record_id,
        organisation_id=grantee.id,
        basis=basis,
        scope=scope,
        expires_on=expires_on,
        note=note,
        created_by=actor.user_id,
        created_at=now,
        idempotency_key=idempotency_key,
    )
    session.add(share)
    session.flush()
    return share
