"""Screening a signal: apply the rule, store what was ticked with the catalogue version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.db import utcnow
from opennrm.errors import Invalid
from opennrm.policy import Action, Actor
from opennrm.referrals.schemas import ScreeningIn
from opennrm.screening.catalogue import UnknownProfile, catalogue_for_profile, current_catalogues
from opennrm.screening.models import Screening
from opennrm.screening.rule import Assessment, UnknownIndicators, assess
from opennrm.signals.queries import access_signal


def screen_signal(
    session: Session,
    signal_id: str,
    data: ScreeningIn,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> tuple[Screening, Assessment]:
    """Screen a signal with one profile. The holder of the signal screens it (as often
    as it likes: each screening is kept, the latest travels with a referral)."""
    now = now or utcnow()
    signal, owner, _ = access_signal(
        session, signal_id, Action.SCREENING_CREATE, actor=actor, now=now
    )
    try:
        catalogue = catalogue_for_profile(data.profile)
        assessment = assess(catalogue, data.profile, data.indicators)
    except UnknownProfile:
        known = ", ".join(p.code for c in current_catalogues() for p in c.profiles)
        raise Invalid(f"Unknown screening profile {data.profile!r}; use one of {known}.") from None
    except UnknownIndicators as exc:
        raise Invalid(str(exc)) from None
    screening = Screening(
        signal_id=signal.id,
        organisation_id=owner.id,
        created_by=actor.user_id,
        created_at=now,
        catalogue_version=assessment.catalogue_version,
        profile=assessment.profile,
        indicators=list(assessment.indicators),
        grounds_to_refer=assessment.grounds_to_refer,
        positive_dimensions=list(assessment.positive_dimensions),
    )
    session.add(screening)
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "screening.create",
            record_type="signal",
            record_id=signal.id,
            fields=["screenings"],
            detail={
                "screening_id": screening.id,
                "profile": assessment.profile,
                "catalogue_version": assessment.catalogue_version,
                "grounds_to_refer": assessment.grounds_to_refer,
                "indicators": len(assessment.indicators),
            },
        ),
    )
    return screening, assessment
