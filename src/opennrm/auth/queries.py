"""Reads of accounts that domains need without touching case content."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm.auth.models import User, UserRole


def member_ids(session: Session, organisation_id: str, roles: Iterable[str]) -> list[str]:
    """The active users of an organisation holding any of `roles` — whom a domain tells
    of something (a referral, an overdue deadline, a consultation)."""
    return list(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == organisation_id,
                User.is_active.is_(True),
                UserRole.role.in_(tuple(roles)),
            )
            .distinct()
        )
    )
