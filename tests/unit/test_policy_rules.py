"""The pure policy rules, beyond what the HTTP matrix shows: share lawfulness, role
separation and the 403/404 distinction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opennrm.policy import Action, Actor, RecordFacts, can, share_problems
from opennrm.policy.rules import can_review_link

TODAY = date(2026, 11, 29)
ROLES = [
    "frontline",
    "caseworker",
    "investigator",
    "analyst",
    "supervisor",
    "coordinator",
    "dpo",
    "admin",
]


def actor(*roles: str, org: str = "org-a", org_type: str = "ngo") -> Actor:
    return Actor(
        user_id="u-1", organisation_id=org, organisation_type=org_type, roles=frozenset(roles)
    )


def facts(**kw: object) -> RecordFacts:
    base: dict[str, object] = {
        "record_type": "signal",
        "owner_org_id": "org-b",
        "owner_org_type": "municipality",
        "created_by": "u-9",
    }
    base.update(kw)
    return RecordFacts(**base)  # type: ignore[arg-type]


def share(**kw: object) -> list[str]:
    base: dict[str, object] = {
        "owner_org_type": "ngo",
        "owner_org_id": "ngo-1",
        "grantee_org_type": "police",
        "grantee_org_id": "pol-1",
        "basis": "consent",
        "expires_on": TODAY + timedelta(30),
        "today": TODAY,
        "consent_to_police": True,
        "consent_to_assistance_system": False,
    }
    base.update(kw)
    return share_problems(**base)  # type: ignore[arg-type]


def test_a_lawful_share_has_no_problems() -> None:
    assert share() == []


def test_consent_basis_needs_the_persons_consent_to_that_recipient() -> None:
    assert share(consent_to_police=False) == [
        "the person has not consented to sharing with the police"
    ]
    assert "assistance system" in share(grantee_org_type="assistance_system")[0]
    # Another lawful basis does not depend on consent.
    assert share(consent_to_police=False, basis="statutory") == []


def test_police_information_leaves_the_authorities_only_on_a_non_consent_basis() -> None:
    problems = share(owner_org_type="police", grantee_org_type="ngo", basis="consent")
    assert any("police information" in p for p in problems)
    assert share(owner_org_type="police", grantee_org_type="ngo", basis="court_order") == []
    assert (
        share(
            owner_org_type="police",
            grantee_org_type="border_guard",
            basis="consent",
            consent_to_police=True,
        )
        == []
    )


@pytest.mark.parametrize(
    ("days", "fragment"), [(0, "future"), (-3, "future"), (367, "at most 366")]
)
def test_a_share_must_expire_within_a_year(days: int, fragment: str) -> None:
    assert any(fragment in p for p in share(expires_on=TODAY + timedelta(days)))


def test_a_record_is_not_shared_with_its_own_organisation() -> None:
    assert "own organisation" in share(grantee_org_id="ngo-1")[0]


def test_an_administrator_sees_no_content_even_of_their_own_organisation() -> None:
    assert not can(actor("admin"), Action.SIGNAL_READ, facts(owner_org_id="org-a"))


def test_refusals_are_404_unless_the_caller_can_see_the_record() -> None:
    shared = facts(share_scope="full")
    decision = can(actor("caseworker"), Action.SIGNAL_SHARE, shared)
    assert not decision.allowed and decision.reveal  # sees it, may not re-share it: 403
    hidden = can(actor("caseworker"), Action.SIGNAL_SHARE, facts())
    assert not hidden.allowed and not hidden.reveal  # does not know it exists: 404


def test_a_summary_share_gives_summary_scope() -> None:
    d = can(
        actor("investigator", org_type="police"), Action.SIGNAL_READ, facts(share_scope="summary")
    )
    assert d.allowed and d.scope == "summary" and d.via == "share"


def test_emergency_access_into_police_records_is_for_the_police_only() -> None:
    police_record = facts(owner_org_type="police")
    assert not can(actor("caseworker"), Action.SIGNAL_BREAK_GLASS, police_record)
    assert can(actor("investigator", org_type="police"), Action.SIGNAL_BREAK_GLASS, police_record)


@given(
    roles=st.sets(st.sampled_from(ROLES), min_size=1),
    own=st.booleans(),
    creator=st.booleans(),
    assigned=st.booleans(),
    scope=st.sampled_from([None, "full", "summary"]),
    glass=st.booleans(),
)
def test_no_grant_means_no_read_whatever_the_roles(
    roles: set[str], own: bool, creator: bool, assigned: bool, scope: str | None, glass: bool
) -> None:
    f = facts(
        owner_org_id="org-a" if own else "org-b",
        created_by="u-1" if creator else "u-9",
        assigned=assigned,
        share_scope=scope,
        break_glass=glass,
    )
    d = can(actor(*roles), Action.SIGNAL_READ, f)
    any_grant = "admin" not in roles and (
        (own and bool(set(roles) & {"caseworker", "investigator", "supervisor"}))
        or (own and creator and "frontline" in roles)
        or assigned
        or (
            (scope is not None or glass)
            and bool(set(roles) & {"caseworker", "investigator", "supervisor"})
        )
    )
    assert d.allowed is any_grant


def expected_link_review(roles: set[str], sees_left: bool, sees_right: bool) -> str:
    """Written out here, not imported: who decides a candidate link between two records."""
    if "admin" in roles or not (sees_left or sees_right):
        return "hidden"  # 404: the caller does not learn the link exists
    if not roles & {"caseworker", "investigator", "analyst", "supervisor"}:
        return "refused"  # 403: a side is visible, but the role does not review links
    if not (sees_left and sees_right):
        return "refused"  # 403: one side only
    return "allowed"


@pytest.mark.parametrize("sees_right", [False, True], ids=["right-hidden", "right-seen"])
@pytest.mark.parametrize("sees_left", [False, True], ids=["left-hidden", "left-seen"])
@pytest.mark.parametrize(
    "roles",
    [{r} for r in ROLES]
    + [{"admin", "caseworker"}, {"frontline", "analyst"}, {"dpo", "coordinator"}],
    ids=lambda roles: "+".join(sorted(roles)),
)
def test_can_review_link(roles: set[str], sees_left: bool, sees_right: bool) -> None:
    d = can_review_link(actor(*roles), sees_left=sees_left, sees_right=sees_right)
    outcome = "allowed" if d.allowed else ("refused" if d.reveal else "hidden")
    assert outcome == expected_link_review(roles, sees_left, sees_right)
    assert bool(d) is d.allowed
    if not d.allowed:
        assert d.reason
