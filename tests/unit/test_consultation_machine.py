"""The consultation state machine, cell by cell: every (state, response) pair goes where
the table below says or is refused with a message naming what is allowed; and the pure
rules around it (accompanying values, who sees a consultation, who sees the measure)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from opennrm.investigations import consultations as c
from opennrm.investigations.models import CONSULTATION_STATES, URGENCIES
from opennrm.policy import Actor

# Written out independently of the module's table.
ALLOWED = {
    ("requested", "accept"): "accepted",
    ("requested", "decline"): "declined",
    ("accepted", "answer"): "answered",
    ("accepted", "join"): "joined",
    ("accepted", "close"): "closed",
    ("answered", "join"): "joined",
    ("answered", "close"): "closed",
    ("joined", "close"): "closed",
}
STATES = ["requested", "accepted", "answered", "joined", "declined", "closed"]
RESPONSES = ["accept", "answer", "join", "decline", "close", "approve", ""]


@pytest.mark.parametrize(("state", "response"), list(itertools.product(STATES, RESPONSES)))
def test_transition(state: str, response: str) -> None:
    expected = ALLOWED.get((state, response))
    if expected is not None:
        assert c.transition(state, response) == expected
        assert response in c.allowed_responses(state)
        return
    with pytest.raises(c.Refused) as refused:
        c.transition(state, response)
    message = str(refused.value)
    allowed = c.allowed_responses(state)
    assert repr(response) in message
    if allowed:
        assert all(a in message for a in allowed)
    else:
        assert "no further response" in message


def test_the_table_has_no_transition_the_test_does_not_know() -> None:
    table = {(s, r): t for s, row in c.TRANSITIONS.items() for r, t in row.items()}
    assert table == ALLOWED


def test_states_and_urgencies_match_the_tables_constraints() -> None:
    assert set(STATES) == c.STATES == set(CONSULTATION_STATES)
    assert c.URGENCIES == URGENCIES
    assert c.INITIAL == "requested"


def test_every_state_is_reachable_from_the_start() -> None:
    seen, frontier = {c.INITIAL}, [c.INITIAL]
    while frontier:
        state = frontier.pop()
        for r in c.allowed_responses(state):
            nxt = c.transition(state, r)
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(STATES)


def test_declined_and_closed_are_final() -> None:
    assert c.allowed_responses("declined") == ()
    assert c.allowed_responses("closed") == ()


def test_the_clock_runs_until_support_is_given() -> None:
    assert {"requested", "accepted"} == c.AWAITING


def test_support_means_the_team_took_it_on() -> None:
    assert {"accepted", "answered", "joined", "closed"} == c.SUPPORTED
    # Every way into `closed` passes through an acceptance.
    assert all(s in c.SUPPORTED for (s, r), t in ALLOWED.items() if t == "closed")


def test_clock_names_match_the_deadlines_file() -> None:
    assert [c.clock_name(u) for u in URGENCIES] == [
        "consultation.urgent",
        "consultation.normal",
        "consultation.low",
    ]


TODAY = date(2026, 11, 6)


@pytest.mark.parametrize(
    ("response", "text", "join_until", "problem"),
    [
        ("accept", None, None, None),
        ("close", None, None, None),
        ("answer", "Vastaus.", None, None),
        ("decline", "Ei resursseja.", None, None),
        ("join", None, TODAY, None),
        ("join", None, TODAY + timedelta(days=90), None),
        ("answer", None, None, "the answer"),
        ("answer", "", None, "the answer"),
        ("decline", None, None, "the reason"),
        ("accept", "Kiitos.", None, "only with an answer or a decline"),
        ("join", "Tulen mukaan.", TODAY, "only with an answer or a decline"),
        ("join", None, None, "give the last day"),
        ("join", None, TODAY - timedelta(days=1), "in the past"),
        ("join", None, TODAY + timedelta(days=91), "at most 90 days"),
        ("accept", None, TODAY, "only when joining"),
        ("answer", "Vastaus.", TODAY, "only when joining"),
    ],
)
def test_response_problems(
    response: str, text: str | None, join_until: date | None, problem: str | None
) -> None:
    problems = c.response_problems(response, text=text, join_until=join_until, today=TODAY)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def actor(org: str, org_type: str, *roles: str) -> Actor:
    return Actor(
        user_id="u", organisation_id=org, organisation_type=org_type, roles=frozenset(roles)
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (actor("team", "national_team", "investigator"), "team"),
        (actor("team", "national_team", "supervisor"), "team"),
        (actor("team", "national_team", "analyst"), None),
        (actor("team", "national_team", "dpo"), None),
        (actor("team", "national_team", "investigator", "admin"), None),
        (actor("unit", "police", "investigator"), "requester"),
        (actor("unit", "police", "caseworker"), "requester"),
        (actor("unit", "police", "supervisor"), "requester"),
        (actor("unit", "police", "frontline"), None),
        (actor("unit", "police", "analyst"), None),
        (actor("unit", "police", "admin"), None),
        (actor("other", "police", "investigator"), None),
        (actor("ngo", "ngo", "caseworker"), None),
    ],
)
def test_side(who: Actor, expected: str | None) -> None:
    assert c.side(who, requesting_org_id="unit", team_org_id="team") == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (actor("unit", "police", "supervisor"), True),
        (actor("unit", "police", "investigator"), False),
        (actor("team", "national_team", "investigator"), True),
        (actor("team", "national_team", "supervisor"), True),
        (actor("team", "national_team", "dpo"), False),
        (actor("nbi", "nbi", "supervisor"), True),
        (actor("ministry", "ministry", "coordinator"), True),
        (actor("ministry", "ministry", "analyst"), True),
        (actor("ngo", "ngo", "supervisor"), False),
        (actor("vantaa", "municipality", "caseworker"), False),
    ],
)
def test_who_sees_the_measure(who: Actor, expected: bool) -> None:
    assert c.may_read_measure(who) is expected
