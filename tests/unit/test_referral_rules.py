"""The routing rules: consent, the child rule, presumed minority and what an anonymous
notification may carry."""

from __future__ import annotations

from datetime import date

import pytest

from opennrm.referrals import rules

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize("target", rules.TARGETS)
@pytest.mark.parametrize("consent", [True, False])
@pytest.mark.parametrize("child", [True, False])
@pytest.mark.parametrize("law", [True, False])
def test_plan(target: rules.Target, consent: bool, child: bool, law: bool) -> None:
    plan = rules.plan_referral(
        target=target, consent=consent, child=child, children_always_referred=law
    )
    identified = consent or (child and law)
    assert plan.anonymous is (not identified)
    if consent:
        assert plan.basis == "consent"
    elif identified:
        assert plan.basis == "statutory"
    else:
        assert plan.basis is None
        assert plan.machine == "notification"
    if identified:
        assert plan.machine == ("assistance" if target == "assistance_system" else "police")


@pytest.mark.parametrize(
    ("birth", "child"),
    [
        ("2008-11-30", True),  # 18 tomorrow
        ("2008-11-29", False),  # 18 today
        ("2008-11", True),  # may be born on the 30th: presumed a child
        ("2008-10", False),
        ("2008", True),
        ("2007", False),
        ("2012-02-29", True),
        (None, False),
        ("", False),
        ("not-a-date", False),
        ("2008-02-30", False),
    ],
)
def test_may_be_child(birth: str | None, child: bool) -> None:
    assert rules.may_be_child(birth, TODAY) is child


@pytest.mark.parametrize(
    ("birth", "group"),
    [
        ("1994-03-17", "30_39"),
        ("1997", "18_29"),  # 28 or 29: the same group either way
        ("1996", "unknown"),  # 29 or 30
        ("2010-01-01", "under_18"),
        ("1950", "50_plus"),
        (None, "unknown"),
    ],
)
def test_age_group(birth: str | None, group: str) -> None:
    assert rules.age_group(birth, TODAY) == group


def test_anonymous_summary_carries_nothing_identifying() -> None:
    summary = rules.anonymous_summary(
        exploitation_types=["labour", "labour", "servitude"],
        region="MK01",
        occurred_on="2026-10-12",
        age_group="30_39",
        gender="male",
        grounds_to_refer=True,
        positive_dimensions=["exploitative_conditions"],
        child=False,
    )
    assert summary == {
        "exploitation_types": ["labour", "servitude"],
        "region": "MK01",
        "month": "2026-10",
        "age_group": "30_39",
        "gender": "male",
        "child": False,
        "grounds_to_refer": True,
        "positive_dimensions": ["exploitative_conditions"],
    }
    # A gender other than the two counted is too rare to pass on.
    other = rules.anonymous_summary(
        exploitation_types=[],
        region=None,
        occurred_on="2026",
        age_group="unknown",
        gender="other",
        grounds_to_refer=None,
        positive_dimensions=[],
        child=False,
    )
    assert other["gender"] == "unknown" and other["month"] is None
