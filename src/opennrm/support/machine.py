"""The decisions on a referral as a state machine: pure values in, the next state out.

A referral is a case for the organisation that receives it. What may be decided next
depends only on where the case stands, so the rule is a table: (machine, state,
decision) → state. Anything not in the table is refused with a message that names the
allowed decisions, which the API returns as 409 and the pages show beside the form.

Three machines:

* ``assistance`` — the victim assistance system's case of an identified referral:
  admission (the person becomes a client and a *presumed* victim; the recovery and
  reflection period starts), identification (an *identified* victim, or not a victim),
  exit from assistance, and reconsideration of a refusal, of a negative identification
  or of an exit.
* ``police`` — a crime referred to the competent police department: accepted for
  investigation, or declined with reasons; a declined referral may be reconsidered.
* ``notification`` — an anonymous notification (no consent, no identity): it can only be
  acknowledged; there is nobody to admit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Machine = Literal["assistance", "police", "notification"]

INITIAL: dict[Machine, str] = {
    "assistance": "received",
    "police": "received",
    "notification": "notified",
}

TRANSITIONS: dict[Machine, dict[str, dict[str, str]]] = {
    "assistance": {
        "received": {"admit": "admitted", "decline": "declined"},
        "admitted": {
            "identify_victim": "identified",
            "not_victim": "not_identified",
            "extend_period": "admitted",
            "exit": "exited",
        },
        "identified": {"exit": "exited"},
        "not_identified": {"exit": "exited", "reconsider": "reconsidering_identification"},
        "declined": {"reconsider": "reconsidering_admission"},
        "exited": {"reconsider": "reconsidering_admission"},
        "reconsidering_admission": {"admit": "admitted", "decline": "declined"},
        "reconsidering_identification": {
            "identify_victim": "identified",
            "not_victim": "not_identified",
        },
    },
    "police": {
        "received": {"accept": "accepted", "decline": "declined"},
        "declined": {"reconsider": "received"},
        "accepted": {},
    },
    "notification": {
        "notified": {"acknowledge": "acknowledged"},
        "acknowledged": {},
    },
}

CLOSED_STATES: dict[Machine, frozenset[str]] = {
    "assistance": frozenset({"declined", "exited"}),
    "police": frozenset({"accepted", "declined"}),
    "notification": frozenset({"acknowledged"}),
}
"""States in which no decision is owed: no clock runs and the case leaves the queue."""

IN_ASSISTANCE: frozenset[str] = frozenset(
    {"admitted", "identified", "not_identified", "reconsidering_identification"}
)
"""Assistance states in which the person is a client: services may be planned."""

DECISIONS: frozenset[str] = frozenset(
    decision for machine in TRANSITIONS.values() for row in machine.values() for decision in row
)
STATES: frozenset[str] = frozenset(
    state for machine in TRANSITIONS.values() for state in machine
) | frozenset(
    target
    for machine in TRANSITIONS.values()
    for row in machine.values()
    for target in row.values()
)


@dataclass(frozen=True)
class Refused(Exception):
    """A decision the state machine does not allow from the current state."""

    machine: Machine
    state: str
    decision: str

    def __str__(self) -> str:
        allowed = allowed_decisions(self.machine, self.state)
        if self.decision not in DECISIONS:
            head = f"{self.decision!r} is not a decision"
        else:
            head = f"A referral in state {self.state!r} cannot take the decision {self.decision!r}"
        if not allowed:
            return f"{head}; no further decision can be taken in this state."
        return f"{head}; allowed now: {', '.join(allowed)}."


def allowed_decisions(machine: Machine, state: str) -> tuple[str, ...]:
    """The decisions that may be taken now, in the table's order."""
    return tuple(TRANSITIONS[machine].get(state, {}))


def transition(machine: Machine, state: str, decision: str) -> str:
    """The state after `decision`, or `Refused` when the table has no such move."""
    target = TRANSITIONS[machine].get(state, {}).get(decision)
    if target is None:
        raise Refused(machine, state, decision)
    return target


def is_open(machine: Machine, state: str) -> bool:
    """Whether a decision is still owed (the case is in someone's queue)."""
    return state not in CLOSED_STATES[machine]
