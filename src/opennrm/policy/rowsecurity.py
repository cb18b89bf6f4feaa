"""Who a database transaction acts for: the actor PostgreSQL's row security checks.

Row-level security (migration 0009, ADR 0016) is the second line behind `policy.rules`:
on PostgreSQL every transaction declares its actor with `SET LOCAL`-scoped settings, and
tables of victims' and suspects' data show only rows that actor's organisation owns or
was granted. A transaction that declares nobody sees nothing.

The actor travels in a per-request box: `ActorBoxMiddleware` puts an empty box in a
context variable when a request starts, the authentication dependency puts the actor in
it (a sync dependency runs in a copy of the request's context, so it fills the shared box
rather than setting the variable), and the engine's `begin` event reads the box for every
transaction in that request, whichever thread runs it. Work with no user behind it — the
background worker, operator commands — runs `acting_as_system()`. A user's request that
must, by design, look across organisations (linkage matching, deconfliction, statistics)
widens one transaction with `system_scope(session, reason)`; the reasons are listed in
`SYSTEM_REASONS` so that every such place is named and reviewable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from opennrm.policy.rules import Actor

# Every reason a user's transaction may be widened to all rows, and why it is lawful.
SYSTEM_REASONS: Final[dict[str, str]] = {
    "linkage": "matching compares a new person with every organisation's index; only "
    "hit/no-hit leaves it unless the policy lets the reader see the other record",
    "deconfliction": "police units learn that another unit holds the same identifier, "
    "and whom to contact, never the case",
    "statistics": "published figures count every organisation's records, protected by "
    "disclosure control before anyone sees them",
    "existence": "the policy decides on a record row security hides, to audit a denial "
    "with its real reason or to grant break-the-glass; only its owner and creator are "
    "read, and the caller gets the same 404",
}


@dataclass
class ActorBox:
    """The actor of one request, or of a system task."""

    user_id: str | None = None
    organisation_id: str | None = None
    system: bool = False


_box: ContextVar[ActorBox | None] = ContextVar("opennrm_actor_box", default=None)
_DEPTH = "opennrm_system_scope_depth"  # in Session.info: nested system scopes


def bind(actor: Actor) -> None:
    """Make `actor` the actor of the current request's transactions from now on."""
    box = _box.get()
    if box is None:
        # Outside a request (a test calling an action directly): this context only.
        _box.set(ActorBox(actor.user_id, actor.organisation_id))
        return
    box.user_id = actor.user_id
    box.organisation_id = actor.organisation_id
    box.system = False


@contextmanager
def request_box() -> Iterator[ActorBox]:
    """A fresh, empty box for one request (nobody until authentication fills it)."""
    box = ActorBox()
    token = _box.set(box)
    try:
        yield box
    finally:
        _box.reset(token)


@contextmanager
def acting_as_system() -> Iterator[None]:
    """Run the block as the system: the background worker and operator commands."""
    token = _box.set(ActorBox(system=True))
    try:
        yield
    finally:
        _box.reset(token)


def declare_system() -> None:
    """From now on, in this context, act as the system (an operator command's process)."""
    _box.set(ActorBox(system=True))


@contextmanager
def system_scope(session: Session, reason: str) -> Iterator[None]:
    """Widen the session's current transaction to all rows for the block, for a reason
    named in `SYSTEM_REASONS`; the scope narrows again when the outermost block ends."""
    if reason not in SYSTEM_REASONS:
        raise ValueError(f"unknown reason for the system scope: {reason!r}")
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    depth = int(session.info.get(_DEPTH, 0))
    if depth == 0:
        connection.execute(text("SELECT set_config('opennrm.scope', 'system', true)"))
    session.info[_DEPTH] = depth + 1
    try:
        yield
    finally:
        session.info[_DEPTH] = depth
        if depth == 0:
            box = _box.get()
            base = "system" if box is not None and box.system else ""
            connection.execute(text("SELECT set_config('opennrm.scope', :s, true)"), {"s": base})


def _declare(conn: Connection) -> None:
    box = _box.get()
    user = org = scope = ""
    if box is not None:
        if box.system:
            scope = "system"
        else:
            user = box.user_id or ""
            org = box.organisation_id or ""
    conn.exec_driver_sql(
        "SELECT set_config('opennrm.actor_user', %s, true), "
        "set_config('opennrm.actor_org', %s, true), set_config('opennrm.scope', %s, true)",
        (user, org, scope),
    )


def install(engine: Engine) -> None:
    """Declare the actor at the start of every transaction on a PostgreSQL engine."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        _declare(conn)


class ActorBoxMiddleware:
    """ASGI middleware: each HTTP request starts with an empty actor box."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with request_box():
            await self.app(scope, receive, send)
