"""The decision state machine: every allowed transition goes where the table says, and
every other (state, decision) pair is refused with a message naming what is allowed."""

from __future__ import annotations

import itertools

import pytest

from opennrm.support import machine

# Written out independently of the module's table, as a reviewer would read the law.
ALLOWED = {
    ("assistance", "received", "admit"): "admitted",
    ("assistance", "received", "decline"): "declined",
    ("assistance", "admitted", "identify_victim"): "identified",
    ("assistance", "admitted", "not_victim"): "not_identified",
    ("assistance", "admitted", "extend_period"): "admitted",
    ("assistance", "admitted", "exit"): "exited",
    ("assistance", "identified", "exit"): "exited",
    ("assistance", "not_identified", "exit"): "exited",
    ("assistance", "not_identified", "reconsider"): "reconsidering_identification",
    ("assistance", "declined", "reconsider"): "reconsidering_admission",
    ("assistance", "exited", "reconsider"): "reconsidering_admission",
    ("assistance", "reconsidering_admission", "admit"): "admitted",
    ("assistance", "reconsidering_admission", "decline"): "declined",
    ("assistance", "reconsidering_identification", "identify_victim"): "identified",
    ("assistance", "reconsidering_identification", "not_victim"): "not_identified",
    ("police", "received", "accept"): "accepted",
    ("police", "received", "decline"): "declined",
    ("police", "declined", "reconsider"): "received",
    ("notification", "notified", "acknowledge"): "acknowledged",
}
STATES = {
    "assistance": [
        "received",
        "admitted",
        "identified",
        "not_identified",
        "declined",
        "exited",
        "reconsidering_admission",
        "reconsidering_identification",
    ],
    "police": ["received", "accepted", "declined"],
    "notification": ["notified", "acknowledged"],
}
DECISIONS = sorted({d for (_m, _s, d) in ALLOWED} | {"approve", ""})

ALL_CASES = [
    (m, s, d) for m, states in STATES.items() for s, d in itertools.product(states, DECISIONS)
]


@pytest.mark.parametrize(("m", "state", "decision"), ALL_CASES)
def test_transition(m: machine.Machine, state: str, decision: str) -> None:
    expected = ALLOWED.get((m, state, decision))
    if expected is not None:
        assert machine.transition(m, state, decision) == expected
        assert decision in machine.allowed_decisions(m, state)
        return
    with pytest.raises(machine.Refused) as refused:
        machine.transition(m, state, decision)
    message = str(refused.value)
    allowed = machine.allowed_decisions(m, state)
    assert repr(decision) in message
    if allowed:
        assert all(a in message for a in allowed)
    else:
        assert "no further decision" in message


def test_the_table_has_no_transition_the_test_does_not_know() -> None:
    table = {
        (m, s, d): t
        for m, rows in machine.TRANSITIONS.items()
        for s, row in rows.items()
        for d, t in row.items()
    }
    assert table == ALLOWED


@pytest.mark.parametrize("m", list(STATES))
def test_every_state_is_reachable_from_the_start(m: machine.Machine) -> None:
    seen = {machine.INITIAL[m]}
    frontier = [machine.INITIAL[m]]
    while frontier:
        state = frontier.pop()
        for d in machine.allowed_decisions(m, state):
            nxt = machine.transition(m, state, d)
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(STATES[m])


def test_closed_states_owe_no_decision_and_open_ones_do() -> None:
    assert not machine.is_open("assistance", "exited")
    assert not machine.is_open("assistance", "declined")
    assert machine.is_open("assistance", "received")
    assert machine.is_open("assistance", "identified")
    assert not machine.is_open("police", "accepted")
    assert not machine.is_open("notification", "acknowledged")
    assert machine.is_open("notification", "notified")


def test_services_only_while_a_client() -> None:
    assert {
        "admitted",
        "identified",
        "not_identified",
        "reconsidering_identification",
    } == machine.IN_ASSISTANCE
