"""Reads of screenings: each explained again from its own catalogue version, so a later
catalogue never changes what an old screening said."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.db import utcnow
from opennrm.policy import Action, Actor
from opennrm.referrals.schemas import DimensionOut, ScreeningOut
from opennrm.screening.catalogue import load_catalogue
from opennrm.screening.models import Screening
from opennrm.screening.rule import Assessment, assess
from opennrm.signals.queries import access_signal


def explain(screening: Screening) -> Assessment:
    """The assessment of a stored screening, with the catalogue version it was made with."""
    return assess(
        load_catalogue(screening.catalogue_version), screening.profile, screening.indicators
    )


def screening_out(screening: Screening, assessment: Assessment, locale: str) -> ScreeningOut:
    return ScreeningOut(
        id=screening.id,
        signal_id=screening.signal_id,
        catalogue_version=screening.catalogue_version,
        profile=screening.profile,
        indicators=list(assessment.indicators),
        grounds_to_refer=assessment.grounds_to_refer,
        explanation=assessment.explanation(locale),
        dimensions=[
            DimensionOut(
                dimension=d.dimension,
                positive=d.positive,
                explanation=d.explanation(locale),
                indicators=list(d.indicators),
            )
            for d in assessment.dimensions
        ],
        created_at=screening.created_at,
        created_by=screening.created_by,
    )


def list_screenings(
    session: Session,
    signal_id: str,
    *,
    actor: Actor,
    locale: str = "en",
    now: datetime | None = None,
) -> list[ScreeningOut]:
    """The signal's screenings, newest first, for whoever may read the signal."""
    now = now or utcnow()
    signal, _owner, decision = access_signal(
        session, signal_id, Action.SIGNAL_READ, actor=actor, now=now
    )
    rows = list(
        session.scalars(
            select(Screening)
            .where(Screening.signal_id == signal.id)
            .order_by(Screening.created_at.desc(), Screening.id.desc())
        )
    )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "signal.read",
            record_type="signal",
            record_id=signal.id,
            fields=["screenings"],
            detail={"via": decision.via or "", "screenings": len(rows)},
        ),
    )
    return [screening_out(s, explain(s), locale) for s in rows]
