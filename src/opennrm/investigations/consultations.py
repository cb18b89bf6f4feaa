"""Consultations with the national team, as pure rules: plain values in, plain values out.

A regional investigator asks the national team for support on an investigation. What the
team may do next depends only on where the consultation stands, so the rule is a table,
(state, response) → state; anything else is refused with a message naming the allowed
responses (the API's 409).

    requested  → accepted (accept)  | declined (decline, with a reason)
    accepted   → answered (answer)  | joined (join, until a date) | closed (close)
    answered   → joined (join)      | closed (close)
    joined     → closed (close)
    declined, closed: final

* ``requested`` — the team owes a response: accept, or decline with a reason.
* ``accepted`` — the team takes it on and still owes the support: an answer, joining the
  case team for a limited time, or closing it (support given another way, by phone say).
* ``answered`` — the team has answered in writing; it may still join, or close.
* ``joined`` — a team investigator is on the case team until a date (an assignment that
  ends by itself at the end of that day); closing ends the assignment at once.
* ``declined`` and ``closed`` are final: a new question is a new consultation.

The response clock (``consultation.<urgency>``) runs from the request while the team owes
support (`AWAITING`): accepting does not stop it, since the team has then taken the
consultation on but still owes the support itself. The measure counts an investigation as
supported from the acceptance on (`SUPPORTED`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from opennrm.policy.rules import (
    ADMIN_ROLES,
    CONTENT_ROLES,
    INVESTIGATING_ROLES,
    NATIONAL_VIEW_ROLES,
    POLICE_TYPES,
    Actor,
    can_respond_to_consultation,
)

Urgency = Literal["urgent", "normal", "low"]
Response = Literal["accept", "answer", "join", "decline", "close"]
Side = Literal["team", "requester"]

INITIAL = "requested"
URGENCIES: tuple[Urgency, ...] = ("urgent", "normal", "low")
RESPONSES: tuple[Response, ...] = ("accept", "answer", "join", "decline", "close")

TRANSITIONS: dict[str, dict[str, str]] = {
    "requested": {"accept": "accepted", "decline": "declined"},
    "accepted": {"answer": "answered", "join": "joined", "close": "closed"},
    "answered": {"join": "joined", "close": "closed"},
    "joined": {"close": "closed"},
    "declined": {},
    "closed": {},
}
STATES: frozenset[str] = frozenset(TRANSITIONS)

AWAITING: frozenset[str] = frozenset({"requested", "accepted"})
"""States in which the team owes support: the clock runs and the consultation can be
overdue and escalated."""

SUPPORTED: frozenset[str] = frozenset({"accepted", "answered", "joined", "closed"})
"""States reached only through an acceptance: the team took the investigation on, which
the measure counts as national-team support. `closed` is reachable only after acceptance."""

TEXT_REQUIRED: dict[str, str] = {"answer": "the answer", "decline": "the reason for declining"}
"""Responses that carry a text, and what the text is."""

MAX_JOIN_DAYS = 90
"""A team investigator joins a case team for at most this many days at a time."""


def clock_name(urgency: str) -> str:
    """The statutory-clock rule of a consultation's response deadline."""
    return f"consultation.{urgency}"


@dataclass(frozen=True)
class Refused(Exception):
    """A response the table does not allow from the current state."""

    state: str
    response: str

    def __str__(self) -> str:
        allowed = allowed_responses(self.state)
        if self.response not in RESPONSES:
            head = f"{self.response!r} is not a response"
        else:
            head = (
                f"A consultation in state {self.state!r} cannot take the response {self.response!r}"
            )
        if not allowed:
            return f"{head}; no further response can be given in this state."
        return f"{head}; allowed now: {', '.join(allowed)}."


def allowed_responses(state: str) -> tuple[str, ...]:
    """The responses that may be given now, in the table's order."""
    return tuple(TRANSITIONS.get(state, {}))


def transition(state: str, response: str) -> str:
    """The state after `response`, or `Refused` when the table has no such move."""
    target = TRANSITIONS.get(state, {}).get(response)
    if target is None:
        raise Refused(state, response)
    return target


def response_problems(
    response: str, *, text: str | None, join_until: date | None, today: date
) -> list[str]:
    """What is wrong with a response's accompanying values; empty when it may go.

    An answer and a decline need their text; a join needs the last day on the case team,
    from today to `MAX_JOIN_DAYS` ahead. Values a response does not use are refused
    rather than silently dropped."""
    problems: list[str] = []
    needed = TEXT_REQUIRED.get(response)
    if needed is not None and not text:
        problems.append(f"give {needed} as text")
    if needed is None and text:
        problems.append("text is given only with an answer or a decline")
    if response == "join":
        if join_until is None:
            problems.append("give the last day on the case team as join_until")
        elif join_until < today:
            problems.append("join_until cannot be in the past")
        elif join_until > today + timedelta(days=MAX_JOIN_DAYS):
            problems.append(f"join_until may be at most {MAX_JOIN_DAYS} days ahead")
    elif join_until is not None:
        problems.append("join_until is given only when joining the case team")
    return problems


def side(actor: Actor, *, requesting_org_id: str, team_org_id: str) -> Side | None:
    """Which side of a consultation the actor reads it as, if any.

    The team: its investigators and supervisors (who respond). The requester: the
    requesting unit's members who read its investigations. Nobody else learns it exists;
    an administrator sees no case content."""
    if actor.has_any(ADMIN_ROLES):
        return None
    if can_respond_to_consultation(actor, team_org_id=team_org_id):
        return "team"
    if actor.organisation_id == requesting_org_id and actor.has_any(CONTENT_ROLES):
        return "requester"
    return None


def may_read_measure(actor: Actor) -> bool:
    """The measure (counts only) is for police supervisors, the national team, and the
    national coordinator and analysts."""
    police_supervisor = actor.organisation_type in POLICE_TYPES and "supervisor" in actor.roles
    national_team = actor.organisation_type == "national_team" and actor.has_any(
        INVESTIGATING_ROLES
    )
    return police_supervisor or national_team or actor.has_any(NATIONAL_VIEW_ROLES)
