"""Statistics through the API, on data made through the real actions: exact counts where
they are shown, nothing small shown, nothing shown that could be worked back, filters
that slice the same protected table, the caller's role, and the audit trail.

The set: 19 signals of an NGO and a municipality, each with one victim.

    labour          female VN ×7 (born 1990)   male VN ×3 (born 1985)
    sexual          female NG ×6 (born 2010)   female RO ×2 (born 1999)
    begging         male RO ×1 (born 1970)
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from opennrm.audit.models import AuditEvent
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.referrals.models import Referral, ReferralDecision
from opennrm.signals import codes
from opennrm.signals.models import Signal
from opennrm.uow import unit_of_work

BASE: dict[str, Any] = {
    "summary": "Tilastotestin havainto: työntekijä kertoo velasta ja pidätetystä passista.",
    "occurred_on": "2026-09-01",
    "municipality": "Vantaa",
}

GROUPS = [
    # (exploitation, gender, nationality, birth_date, count, names)
    ("labour", "female", "VN", "1990-05-01", 7, ["Nguyễn Thị Hoa", "Tran Thi Mai"]),
    ("labour", "male", "VN", "1985-02-11", 3, ["Phạm Văn Long"]),
    ("sexual", "female", "NG", "2010-07-20", 6, ["Blessing Okonkwo", "Chioma Eze"]),
    ("sexual", "female", "RO", "1999-12-01", 2, ["Ionela Dumitrescu"]),
    ("begging", "male", "RO", "1970-03-03", 1, ["Vasile Munteanu"]),
]
TOTAL = sum(g[4] for g in GROUPS)


def signal_body(
    exploitation: str, gender: str, nationality: str, born: str, name: str
) -> dict[str, Any]:
    body = copy.deepcopy(BASE)
    body["exploitation_types"] = [exploitation]
    body["persons"] = [
        {
            "role": "victim",
            "names": [name],
            "birth_date": born,
            "gender": gender,
            "nationality": nationality,
        }
    ]
    return body


@pytest.fixture
def counted(client: Any, world: Any) -> dict[str, list[str]]:
    """The 19 signals' ids by recorder; alternately recorded by the NGO and the city."""
    made: dict[str, list[str]] = {"ngo_worker": [], "municipality_caseworker": []}
    n = 0
    for exploitation, gender, nationality, born, count, names in GROUPS:
        for i in range(count):
            key = "ngo_worker" if n % 2 == 0 else "municipality_caseworker"
            n += 1
            body = signal_body(exploitation, gender, nationality, born, names[i % len(names)])
            r = client.post("/api/v1/signals", json=body, headers=getattr(world, key).auth)
            assert r.status_code == 201, r.text
            made[key].append(r.json()["id"])
    return made


def stats(client: Any, persona: Any, subject: str, **params: Any) -> Any:
    return client.get(f"/api/v1/statistics/{subject}", params=params, headers=persona.auth)


def assert_protected(body: dict[str, Any]) -> None:
    """Nothing small is shown, and no line (a row or column with its total) has exactly
    one suppressed entry: with one, it is its total minus the others."""
    threshold = body["threshold"]
    tables = {tuple(body["by"]): body["rows"], (): [body["total"]]}
    for margin in body["margins"]:
        tables[tuple(margin["by"])] = margin["rows"]
    for rows in tables.values():
        for row in rows:
            if row["suppressed"]:
                assert row["count"] is None
            else:
                assert row["count"] == 0 or row["count"] >= threshold, row
    by = tuple(body["by"])
    for i, dim in enumerate(by):
        rest = by[:i] + by[i + 1 :]
        totals = {tuple(r[d] for d in rest): r for r in tables[rest]}
        lines: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in tables[by]:
            lines.setdefault(tuple(row[d] for d in rest), []).append(row)
        for key, cells in lines.items():
            hidden = sum(c["suppressed"] for c in cells) + totals[key]["suppressed"]
            assert hidden != 1, (dim, key)


def test_counts_by_exploitation_and_sex_are_exact_small_ones_hidden(
    client: Any, world: Any, counted: Any
) -> None:
    r = stats(client, world.coordinator, "signals", by="exploitation_type,sex")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["threshold"] == 5
    assert body["by"] == ["exploitation_type", "sex"]
    # Every combination of the two code lists, zeros included.
    assert len(body["rows"]) == (len(codes.EXPLOITATION_TYPES) + 1) * 4
    cell = {(row["exploitation_type"], row["sex"]): row for row in body["rows"]}
    assert (
        cell["labour", "female"]
        == {
            "exploitation_type": "labour",
            "sex": "female",
            "count": 7,
            "suppressed": False,
        }
        or cell["labour", "female"]["suppressed"]
    )
    assert cell["labour", "male"] == {
        "exploitation_type": "labour",
        "sex": "male",
        "count": None,
        "suppressed": True,
    }
    assert cell["begging", "male"]["suppressed"] is True
    # True zeros are shown as zeros.
    assert cell["surrogacy", "female"] == {
        "exploitation_type": "surrogacy",
        "sex": "female",
        "count": 0,
        "suppressed": False,
    }
    assert body["total"] == {"count": TOTAL, "suppressed": False}
    # Whatever is shown is the true count.
    truth = {("labour", "female"): 7, ("sexual", "female"): 8}
    for key, count in truth.items():
        if not cell[key]["suppressed"]:
            assert cell[key]["count"] == count
    assert_protected(body)


def test_rare_citizenships_fold_into_other_and_are_never_named(
    client: Any, world: Any, counted: Any
) -> None:
    r = stats(client, world.analyst, "signals", by="nationality")
    assert r.status_code == 200, r.text
    body = r.json()
    # RO has 3 signals: fewer than 5, so it is no category of its own.
    assert body["categories"]["nationality"] == ["NG", "VN", "other", "unknown"]
    rows = {row["nationality"]: row for row in body["rows"]}
    assert rows["VN"]["count"] == 10
    assert rows["other"]["suppressed"] is True
    # With the total shown, "other" (3) would be the total less VN and NG: so NG, the
    # smallest other count, is suppressed too.
    assert rows["NG"]["suppressed"] is True
    assert rows["unknown"]["count"] == 0
    assert '"RO"' not in r.text
    assert_protected(body)


def test_a_filter_slices_the_same_protected_table(
    client: Any, world: Any, counted: Any, ctx: AppContext
) -> None:
    year = str(ctx.referral_config.local_day(utcnow()).year)
    whole = stats(client, world.coordinator, "victims", by="year,sex").json()
    sliced = stats(client, world.coordinator, "victims", by="sex", filter=f"year:{year}").json()
    assert sliced["filters"] == {"year": year}
    expected = [
        {"sex": row["sex"], "count": row["count"], "suppressed": row["suppressed"]}
        for row in whole["rows"]
        if row["year"] == year
    ]
    assert sliced["rows"] == expected
    # A year with nothing recorded is a table of true zeros, not an error.
    empty = stats(client, world.coordinator, "victims", by="sex", filter="year:2019").json()
    assert {row["count"] for row in empty["rows"]} == {0}
    assert empty["total"] == {"count": 0, "suppressed": False}


def test_victims_by_age_group_and_status(client: Any, world: Any, counted: Any) -> None:
    body = stats(client, world.ngo_supervisor, "victims", by="age_group").json()
    rows = {row["age_group"]: row for row in body["rows"]}
    # Born 2010: under 18 in 2026; born 1990 and 1985: 30–39 and 40–49.
    assert rows["under_18"]["count"] == 6
    assert rows["30_39"]["count"] == 7
    assert rows["40_49"]["suppressed"] is True
    status = stats(client, world.coordinator, "victims", by="status").json()
    assert {r["status"]: r["count"] for r in status["rows"]} == {
        "presumed": TOTAL,
        "identified": 0,
        "not_identified": 0,
    }
    assert_protected(body)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"by": "sex"}, "unknown subject"),
        ({"by": "shoe_size"}, "cannot be broken down by 'shoe_size'"),
        ({"by": "sex,sex"}, "named twice"),
        ({"by": "sex", "filter": "sex:female"}, "both broken down by and filtered on"),
        ({"by": "sex", "filter": "year2026"}, "dimension:value"),
        ({"by": "sex", "filter": "region:MK99"}, "is not a value of region"),
        ({"by": "sex,age_group,region,month,exploitation_type"}, "at most 4"),
        ({"by": "sex", "threshold": "1"}, "greater than or equal to 2"),
        ({"by": "sex", "threshold": "4"}, "may not be lower than the platform's 5"),
        ({"by": "sex", "filter": "year:' OR 1=1 --"}, "is not a value of year"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(
    client: Any, world: Any, params: dict[str, str], fragment: str
) -> None:
    subject = "nonsense" if fragment == "unknown subject" else "signals"
    r = stats(client, world.coordinator, subject, **params)
    assert r.status_code == 422, r.text
    assert fragment in r.text


def test_a_higher_threshold_is_honoured(client: Any, world: Any, counted: Any) -> None:
    body = stats(client, world.coordinator, "signals", by="sex", threshold="11").json()
    assert body["threshold"] == 11
    rows = {row["sex"]: row for row in body["rows"]}
    assert rows["male"]["suppressed"] is True  # 4 < 11
    # Beside a shown total of 19, the only other count (15) would give the 4 away.
    assert rows["female"]["suppressed"] is True
    assert body["total"] == {"count": TOTAL, "suppressed": False}
    assert_protected(body)


@pytest.mark.parametrize("persona", ["ngo_worker", "helsinki_investigator", "dpo", "admin"])
def test_roles_without_statistics_are_refused_and_it_is_audited(
    client: Any, world: Any, ctx: AppContext, persona: str
) -> None:
    who = getattr(world, persona)
    r = stats(client, who, "signals", by="sex")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    with unit_of_work(ctx.db) as session:
        denied = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "statistics.query",
                AuditEvent.actor_user_id == who.user_id,
                AuditEvent.outcome == "denied",
            )
        ).all()
    assert len(denied) == 1


def test_unauthenticated_is_refused(client: Any) -> None:
    assert client.get("/api/v1/statistics/signals?by=sex").status_code == 401


def test_each_query_is_audited_with_its_shape_and_no_content(
    client: Any, world: Any, ctx: AppContext, counted: Any
) -> None:
    stats(client, world.analyst, "signals", by="exploitation_type,region", filter="year:2026")
    with unit_of_work(ctx.db) as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "statistics.query",
                AuditEvent.actor_user_id == world.analyst.user_id,
            )
        ).one()
    assert event.outcome == "ok"
    assert event.detail["tables"] == [
        {
            "subject": "signals",
            "by": ["exploitation_type", "region"],
            "filters": {"year": "2026"},
        }
    ]
    assert event.detail["threshold"] == 5
    text = str(event.detail)
    for _, _, _, _, _, names in GROUPS:
        for name in names:
            assert name not in text


def test_catalogue_lists_subjects_and_dimensions(client: Any, world: Any) -> None:
    body = client.get("/api/v1/statistics", headers=world.coordinator.auth).json()
    subjects = {s["name"]: s["dimensions"] for s in body["subjects"]}
    for name in ("signals", "referrals", "investigations"):
        assert name in subjects
    assert {
        "exploitation_type",
        "nationality",
        "sex",
        "age_group",
        "municipality",
        "region",
        "referrer_type",
        "month",
        "year",
    } <= set(subjects["signals"])
    assert {"target", "decision", "month", "year"} <= set(subjects["referrals"])
    assert {"offence", "stage", "department", "year"} <= set(subjects["investigations"])


def _refer_and_admit(client: Any, world: Any, signal_id: str) -> str:
    r = client.post(
        f"/api/v1/signals/{signal_id}/referrals",
        json={"target": "assistance_system", "consent": True},
        headers=world.ngo_worker.auth,
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    d = client.post(
        f"/api/v1/referrals/{rid}/decisions",
        json={"decision": "admit", "reason": "Perusteltu epäily ihmiskaupasta."},
        headers=world.assistance_caseworker.auth,
    )
    assert d.status_code == 201, d.text
    return str(rid)


def test_decision_times_median_and_90th_percentile(
    client: Any, world: Any, counted: Any, ctx: AppContext
) -> None:
    # Six of the NGO's signals go to the assistance system and are admitted; the
    # referrals are then dated back so that they waited 1, 2, 3, 4, 10 and 20 days.
    own = counted["ngo_worker"][:6]
    waits = [1, 2, 3, 4, 10, 20]
    for sid, days in zip(own, waits, strict=True):
        rid = _refer_and_admit(client, world, sid)
        with unit_of_work(ctx.db) as session:
            decided = session.scalar(
                select(ReferralDecision.decided_at).where(ReferralDecision.referral_id == rid)
            )
            assert decided is not None
            session.execute(
                update(Referral)
                .where(Referral.id == rid)
                .values(created_at=decided - timedelta(days=days))
            )
    r = client.get(
        "/api/v1/statistics/decision-times", params={"by": "target"}, headers=world.analyst.auth
    )
    assert r.status_code == 200, r.text
    rows = {row["target"]: row for row in r.json()["rows"]}
    assert rows["assistance_system"]["decided"] == 6
    assert rows["assistance_system"]["median_days"] == 3.5
    assert rows["assistance_system"]["p90_days"] == 15.0
    assert rows["police"] == {
        "target": "police",
        "decided": 0,
        "median_days": None,
        "p90_days": None,
        "suppressed": False,
    }
    # A stricter threshold hides the times of the six.
    strict = client.get(
        "/api/v1/statistics/decision-times",
        params={"by": "target", "threshold": "7"},
        headers=world.analyst.auth,
    ).json()
    hidden = {row["target"]: row for row in strict["rows"]}["assistance_system"]
    assert hidden == {
        "target": "assistance_system",
        "decided": None,
        "median_days": None,
        "p90_days": None,
        "suppressed": True,
    }
    # The same admissions make the victims "assisted".
    assisted = stats(client, world.coordinator, "victims", by="assisted").json()
    assert {r["assisted"]: r["count"] for r in assisted["rows"]} == {"yes": 6, "no": TOTAL - 6}


def publish(client: Any, persona: Any, epsilon: float, **extra: Any) -> Any:
    body = {"subject": "signals", "by": ["exploitation_type"], "epsilon": epsilon, **extra}
    return client.post("/api/v1/statistics/releases", json=body, headers=persona.auth)


def test_a_public_release_with_noise_spends_the_budget_and_is_ledgered(
    client: Any, world: Any, counted: Any, ctx: AppContext
) -> None:
    r = publish(client, world.coordinator, 1.0)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["release"]["method"] == "noise"
    assert body["release"]["epsilon"] == pytest.approx(1.0)
    assert body["release"]["mechanism"].startswith("discrete_laplace")
    assert body["budget"] == 3.0
    assert body["spent"] == pytest.approx(1.0)
    table = body["table"]
    assert table["method"] == "noise"
    for row in table["rows"]:
        assert row["suppressed"] or row["count"] == 0 or row["count"] >= 5
    # Margins are sums of the noisy cells: the published table adds up.
    shown = [row["count"] for row in table["rows"] if not row["suppressed"]]
    if not any(row["suppressed"] for row in table["rows"]) and not table["total"]["suppressed"]:
        assert sum(shown) == table["total"]["count"]
    # A second release that would overspend the year's 3.0 is refused; nothing is kept.
    assert publish(client, world.coordinator, 1.5).status_code == 201
    over = publish(client, world.coordinator, 0.6)
    assert over.status_code == 409
    assert "2.5 of this year's budget 3 is spent, 0.5 is left" in over.json()["error"]["message"]
    ledger = client.get("/api/v1/statistics/releases", headers=world.analyst.auth).json()
    assert ledger["spent"] == pytest.approx(2.5)
    assert [e["epsilon"] for e in ledger["releases"]] == [pytest.approx(1.5), pytest.approx(1.0)]
    assert all(len(e["digest"]) == 64 for e in ledger["releases"])
    with unit_of_work(ctx.db) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "statistics.release")
        ).all()
    assert [e.detail["epsilon"] for e in events] == [pytest.approx(1.0), pytest.approx(1.5)]


@pytest.mark.parametrize(
    ("persona", "epsilon", "status"),
    [
        ("analyst", 1.0, 403),
        ("ngo_supervisor", 1.0, 403),
        ("coordinator", 0, 422),
        ("coordinator", 11, 422),
        ("coordinator", "lots", 422),
    ],
)
def test_bad_or_unauthorised_releases_change_nothing(
    client: Any, world: Any, persona: str, epsilon: Any, status: int
) -> None:
    r = publish(client, getattr(world, persona), epsilon)
    assert r.status_code == status, r.text
    ledger = client.get("/api/v1/statistics/releases", headers=world.coordinator.auth).json()
    assert ledger["releases"] == [] and ledger["spent"] == 0


def test_a_month_cannot_be_worked_out_from_its_years_total(
    client: Any, world: Any, counted: Any, ctx: AppContext
) -> None:
    # Three signals in March 2025 and eight in June 2025; the rest this month.
    ids = counted["ngo_worker"] + counted["municipality_caseworker"]
    with unit_of_work(ctx.db) as session:
        for n, signal_id in enumerate(ids[:11]):
            when = datetime(2025, 3 if n < 3 else 6, 10, 9, tzinfo=UTC)
            session.execute(update(Signal).where(Signal.id == signal_id).values(created_at=when))
    years = stats(client, world.analyst, "signals", by="year").json()
    assert {r["year"]: r["count"] for r in years["rows"]}["2025"] == 11
    months = stats(client, world.analyst, "signals", by="month").json()
    of_2025 = [r for r in months["rows"] if r["month"].startswith("2025-")]
    assert of_2025[0]["month"] == "2025-03"  # from the first month seen
    march = next(r for r in of_2025 if r["month"] == "2025-03")
    assert march["suppressed"] is True
    # With 2025's 11 published, June's 8 beside March would give March away.
    hidden = [r["month"] for r in of_2025 if r["suppressed"]]
    assert len(hidden) >= 2, hidden
    assert_protected(months)


def test_rare_municipalities_are_other_within_their_region(
    client: Any, world: Any, counted: Any, ctx: AppContext
) -> None:
    ids = counted["ngo_worker"]
    with unit_of_work(ctx.db) as session:
        # Two signals move to Kerava, one to Porvoo (Uusimaa), one to Tampere.
        for signal_id, place in zip(ids, ["Kerava", "Kerava", "Porvoo", "Tampere"], strict=False):
            session.execute(update(Signal).where(Signal.id == signal_id).values(municipality=place))
    body = stats(client, world.coordinator, "signals", by="municipality").json()
    cats = body["categories"]["municipality"]
    assert "Vantaa" in cats
    assert "Kerava" not in cats and "Tampere" not in cats
    assert "other:MK01" in cats and "other:MK06" in cats
    rows = {r["municipality"]: r for r in body["rows"]}
    assert rows["other:MK01"]["suppressed"] is True  # Kerava 2 + Porvoo 1
    assert "Kerava" not in json.dumps(body)
