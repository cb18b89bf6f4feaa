"""The cross-border request log through the API: logging a request flags the
investigation, the list is read for a purpose, the status moves sent → answered → closed,
another unit hears "not found", and no free text — hence no personal data — can be put
into the log: bad input is a 422 with nothing stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from opennrm.audit.models import AuditEvent
from opennrm.auth.actions import actor_for
from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.investigations.actions import open_investigation, record_stage
from opennrm.investigations.models import (
    CHANNELS,
    REQUEST_STATES,
    CrossBorderRequest,
    Investigation,
)
from opennrm.investigations.people_schemas import Channel, RequestStatus
from opennrm.investigations.schemas import InvestigationIn, PersonIn, StageIn
from opennrm.policy.models import Assignment
from opennrm.uow import unit_of_work

PURPOSE = {"X-Purpose": "kansainvalisen yhteistyon seuranta"}


def today(ctx: AppContext) -> Any:
    return ctx.referral_config.local_day(utcnow())


def days_ago(ctx: AppContext, n: int) -> str:
    return (today(ctx) - timedelta(days=n)).isoformat()


def _actor(session: Any, persona: Any) -> Any:
    return actor_for(session, session.get(User, persona.user_id))


def open_case(ctx: AppContext, persona: Any) -> str:
    with unit_of_work(ctx.db) as session:
        inv = open_investigation(
            session,
            InvestigationIn(
                offences=["RL-25-3a"],
                summary="Hierontalaitoksen työntekijät tuodaan Virosta; velka kasvaa.",
                persons=[PersonIn(category="victim", names=["Kertu Tamm"])],
            ),
            actor=_actor(session, persona),
            cipher=ctx.cipher,
            config=ctx.referral_config,
        )
        return inv.id


def log(client: Any, persona: Any, inv_id: str, **changes: Any) -> Any:
    body: dict[str, Any] = {"countries": ["EE", "lv"], "channel": "europol"}
    body["requested_on"] = changes.pop("requested_on", "2026-03-02")
    body.update(changes)
    return client.post(
        f"/api/v1/investigations/{inv_id}/cross-border", json=body, headers=persona.auth
    )


def status(client: Any, persona: Any, request_id: str, **body: Any) -> Any:
    return client.post(f"/api/v1/cross-border/{request_id}/status", json=body, headers=persona.auth)


def listed(client: Any, persona: Any, inv_id: str, purpose: bool = True) -> Any:
    headers = dict(persona.auth) | (PURPOSE if purpose else {})
    return client.get(f"/api/v1/investigations/{inv_id}/cross-border", headers=headers)


def stored(ctx: AppContext, inv_id: str) -> tuple[int, bool, int]:
    """Requests stored, the investigation's flag, `crossborder.*` audit entries."""
    with unit_of_work(ctx.db) as session:
        n = session.scalar(select(func.count()).select_from(CrossBorderRequest)) or 0
        flag = session.scalar(select(Investigation.cross_border).where(Investigation.id == inv_id))
        events = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.like("crossborder.%"), AuditEvent.outcome == "ok")
        )
        return n, bool(flag), events or 0


def test_the_schema_matches_the_table() -> None:
    assert Channel.__args__ == CHANNELS  # type: ignore[attr-defined]
    assert RequestStatus.__args__ == REQUEST_STATES  # type: ignore[attr-defined]


def test_log_list_and_answer_a_request(client: Any, world: Any, ctx: AppContext) -> None:
    hki = world.helsinki_investigator
    inv = open_case(ctx, hki)
    assert stored(ctx, inv) == (0, False, 0)

    made = log(client, hki, inv, countries=["ee", "LV", "EE", " se "], channel="sirene")
    assert made.status_code == 201, made.text
    request = made.json()
    assert request["countries"] == ["EE", "LV", "SE"]  # upper case, once each, in order
    assert request["status"] == "sent" and request["answered_on"] is None
    assert stored(ctx, inv) == (1, True, 1)
    # Kosovo, by the user-assigned code the EU agencies use.
    assert log(client, hki, inv, countries=["XK"], channel="liaison_officer").status_code == 201

    page = listed(client, hki, inv)
    assert page.status_code == 200, page.text
    assert [r["countries"] for r in page.json()] == [["EE", "LV", "SE"], ["XK"]]
    assert listed(client, hki, inv, purpose=False).status_code == 422

    rid = request["id"]
    too_early = status(client, hki, rid, status="answered", answered_on="2026-03-01")
    assert too_early.status_code == 422
    future = (today(ctx) + timedelta(days=2)).isoformat()
    assert status(client, hki, rid, status="answered", answered_on=future).status_code == 422
    assert status(client, hki, rid, status="answered").status_code == 422
    assert status(client, hki, rid, status="closed", answered_on="2026-03-09").status_code == 422
    assert status(client, hki, rid, status="sent").status_code == 422
    answered = status(client, hki, rid, status="answered", answered_on="2026-03-09")
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered"
    assert answered.json()["answered_on"] == "2026-03-09"
    again = status(client, hki, rid, status="answered", answered_on="2026-03-10")
    assert again.status_code == 409
    closed = status(client, hki, rid, status="closed")
    assert closed.status_code == 200 and closed.json()["answered_on"] == "2026-03-09"
    assert status(client, hki, rid, status="closed").status_code == 409

    with unit_of_work(ctx.db) as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.like("crossborder.%"))
            .order_by(AuditEvent.seq)
        ).all()
        assert [(e.action, e.record_id) for e in events] == [
            ("crossborder.create", inv),
            ("crossborder.create", inv),
            ("crossborder.update", inv),
            ("crossborder.update", inv),
        ]
        assert events[0].detail == {
            "request_id": rid,
            "countries": ["EE", "LV", "SE"],
            "channel": "sirene",
        }
        read = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "investigation.read", AuditEvent.record_id == inv
            )
        ).one()
        assert read.purpose == PURPOSE["X-Purpose"]
        assert read.fields == ["cross_border_requests"]


def test_another_unit_hears_not_found(client: Any, world: Any, ctx: AppContext) -> None:
    hki = world.helsinki_investigator
    inv = open_case(ctx, hki)
    rid = log(client, hki, inv).json()["id"]
    not_found = {"error": {"code": "not_found", "message": "Not found."}}
    for persona in (
        world.sisasuomi_investigator,
        world.itauusimaa_investigator,
        # The national team sees a department's case only once it has joined it.
        world.national_team_lead,
        world.ngo_worker,
        world.municipality_caseworker,
        world.coordinator,
        world.admin,
        world.helsinki_dpo,
    ):
        for r in (
            log(client, persona, inv),
            listed(client, persona, inv),
            status(client, persona, rid, status="closed"),
        ):
            assert r.status_code == 404, (persona.key, r.text)
            assert r.json() == not_found
    assert status(client, hki, "0" * 36, status="closed").status_code == 404
    assert log(client, hki, "x" * 40).status_code == 404
    assert stored(ctx, inv) == (1, True, 1)
    with unit_of_work(ctx.db) as session:
        denied = session.scalars(
            select(AuditEvent.action).where(AuditEvent.outcome == "denied")
        ).all()
        assert set(denied) == {"investigation.update", "investigation.read"}


def test_a_national_team_member_who_joined_logs_requests(
    client: Any, world: Any, ctx: AppContext
) -> None:
    inv = open_case(ctx, world.sisasuomi_investigator)
    lead = world.national_team_lead
    assert log(client, lead, inv).status_code == 404
    # The consultation flow assigns the member when the team joins; set up directly here.
    with unit_of_work(ctx.db) as session:
        session.add(
            Assignment(
                record_type="investigation",
                record_id=inv,
                user_id=lead.user_id,
                created_by=world.sisasuomi_investigator.user_id,
            )
        )
    made = log(client, lead, inv, channel="jit", countries=["RO", "BG"])
    assert made.status_code == 201, made.text
    assert listed(client, world.sisasuomi_investigator, inv).json()[0]["channel"] == "jit"


def test_a_closed_investigation_takes_no_new_request(
    client: Any, world: Any, ctx: AppContext
) -> None:
    hki = world.helsinki_investigator
    inv = open_case(ctx, hki)
    with unit_of_work(ctx.db) as session:
        record_stage(
            session, inv, StageIn(stage="closed", on=today(ctx)), actor=_actor(session, hki)
        )
    assert log(client, hki, inv).status_code == 409
    assert stored(ctx, inv) == (0, False, 0)


BAD: list[tuple[str, dict[str, Any]]] = [
    ("free text", {"note": "Epäilty Ion Munteanu, puh. +40 721 234 567"}),
    ("names", {"persons": ["Ion Munteanu"]}),
    ("unknown country", {"countries": ["ZZ"]}),
    ("country name", {"countries": ["Finland"]}),
    ("reserved code", {"countries": ["EU"]}),
    ("numeric code", {"countries": ["246"]}),
    ("not a list", {"countries": "EE"}),
    ("no country", {"countries": []}),
    ("too many", {"countries": ["SE", "NO", "DK", "IS", "EE", "LV", "LT"] * 3}),
    ("unknown channel", {"channel": "whatsapp"}),
    ("no channel", {"channel": None}),
    ("future", {"requested_on": "2099-01-01"}),
    ("not a date", {"requested_on": "maaliskuussa"}),
]


@pytest.mark.parametrize(("what", "changes"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_and_nothing_stored(
    client: Any, world: Any, ctx: AppContext, what: str, changes: dict[str, Any]
) -> None:
    hki = world.helsinki_investigator
    inv = open_case(ctx, hki)
    r = log(client, hki, inv, **changes)
    assert r.status_code == 422, (what, r.text)
    assert r.json()["error"]["code"] == "invalid"
    assert "Munteanu" not in r.text and "+40" not in r.text
    assert stored(ctx, inv) == (0, False, 0)


def test_status_refuses_free_text(client: Any, world: Any, ctx: AppContext) -> None:
    hki = world.helsinki_investigator
    inv = open_case(ctx, hki)
    rid = log(client, hki, inv, requested_on=days_ago(ctx, 5)).json()["id"]
    r = status(client, hki, rid, status="closed", note="vastaus saatu puhelimitse")
    assert r.status_code == 422
    with unit_of_work(ctx.db) as session:
        assert session.scalars(select(CrossBorderRequest.status)).all() == ["sent"]
