"""The visitor's own interface preferences (today: the language).

The language is a display preference, not personal data about anyone's case, so it is
saved without an audit entry. It belongs with the other writes on users in
`opennrm.auth.actions`; it lives here until that module offers it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from opennrm.auth.models import User
from opennrm.policy import Actor
from opennrm.web.i18n import LOCALES


def set_locale(session: Session, *, actor: Actor, locale: str) -> None:
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}")
    user = session.get(User, actor.user_id)
    if user is not None:
        user.locale = locale
