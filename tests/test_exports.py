"""Exports in the field's formats through the API and the CLI: HTCDS records of what the
caller may read (valid against the schema, audited with a purpose, importable back),
the CTDC-style k-anonymised dataset, and Eurostat / UNODC tables through disclosure
control."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from opennrm.audit.models import AuditEvent
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.signals.models import Signal
from opennrm.statistics import ctdc, htcds
from opennrm.uow import unit_of_work
from tests.test_backup_cli import env_for, run

PURPOSE = {"X-Purpose": "Vuosiraportointi IOM:lle"}

NGO_SIGNAL: dict[str, Any] = {
    "exploitation_types": ["labour", "forced_criminality"],
    "summary": "Ravintolan keittiössä työskentelevä nainen kertoo velasta välittäjälle.",
    "occurred_on": "2026-08-14",
    "municipality": "Helsinki",
    "indicators": [],
    "persons": [
        {
            "role": "victim",
            "names": ["Nguyễn Thị Thu", "Nguyen Thi Thu"],
            "birth_date": "1996-04",
            "gender": "female",
            "nationality": "VN",
            "phones": ["+358 40 765 4321"],
        },
        {
            "role": "suspect",
            "names": ["Emeka Nwosu"],
            "gender": "male",
            "nationality": "NG",
        },
    ],
    "consent": {"to_assistance_system": True, "to_police": False},
}
CITY_SIGNAL: dict[str, Any] = {
    "exploitation_types": ["sexual"],
    "summary": "Sosiaalityöntekijä kuuli asiakkaan pakotetusta seksityöstä.",
    "municipality": "Vantaa",
    "persons": [
        {
            "role": "victim",
            "names": ["Olena Kovalenko"],
            "birth_date": "2001-11-02",
            "gender": "female",
            "nationality": "UA",
        }
    ],
}


def post_signal(client: Any, persona: Any, body: dict[str, Any]) -> str:
    r = client.post("/api/v1/signals", json=body, headers=persona.auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def records_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines() if line]


def test_htcds_export_holds_what_the_caller_reads_and_validates(
    client: Any, world: Any, ctx: AppContext
) -> None:
    mine = post_signal(client, world.ngo_worker, NGO_SIGNAL)
    post_signal(client, world.municipality_caseworker, CITY_SIGNAL)
    r = client.get("/api/v1/exports/htcds", headers={**world.ngo_worker.auth, **PURPOSE})
    records = records_of(r)
    assert 'attachment; filename="opennrm-htcds-' in r.headers["content-disposition"]
    assert len(records) == 1  # one victim; the suspect is a perpetrator of the case
    record = records[0]
    assert htcds.validate(record) == []
    assert record["vic_TypeOfExploitation"] == ["ForcedLabour", "Other"]
    assert record["prs_Gender"] == "Feminine"
    assert "Olena Kovalenko" not in r.text  # the city's signal is not the NGO's to read
    assert record["x_opennrm"]["case_id"] == f"{mine}/0"
    case = htcds.from_htcds(record)
    assert case.victim.names == ("Nguyễn Thị Thu", "Nguyen Thi Thu")
    assert case.victim.birth_date == "1996-04"
    assert case.exploitation_types == ("labour", "forced_criminality")
    assert [s.names for s in case.suspects] == [("Emeka Nwosu",)]
    assert case.consent == htcds.Consent(to_assistance_system=True, to_police=False)
    with unit_of_work(ctx.db) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "export.htcds")).one()
    assert event.purpose == PURPOSE["X-Purpose"]
    assert event.detail == {"signals": [mine], "cases": 1}
    assert event.actor_user_id == world.ngo_worker.user_id


def test_htcds_export_needs_a_purpose_and_a_role_that_exports(
    client: Any, world: Any, ctx: AppContext
) -> None:
    no_purpose = client.get("/api/v1/exports/htcds", headers=world.ngo_worker.auth)
    assert no_purpose.status_code == 422
    assert "X-Purpose" in no_purpose.json()["error"]["message"]
    for persona in ("coordinator", "dpo", "admin", "ngo_frontline"):
        r = client.get("/api/v1/exports/htcds", headers={**getattr(world, persona).auth, **PURPOSE})
        assert r.status_code == 403, persona
    with unit_of_work(ctx.db) as session:
        refused = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "export.htcds", AuditEvent.outcome == "denied")
        )
    assert refused == 4


def test_htcds_round_trip_through_export_and_import(
    client: Any, world: Any, ctx: AppContext
) -> None:
    post_signal(client, world.ngo_worker, NGO_SIGNAL)
    exported = records_of(
        client.get("/api/v1/exports/htcds", headers={**world.ngo_worker.auth, **PURPOSE})
    )
    # The assistance system imports the NGO's records (e.g. from a partner's system).
    r = client.post(
        "/api/v1/imports/htcds", json=exported, headers=world.assistance_caseworker.auth
    )
    assert r.status_code == 201, r.text
    (created,) = r.json()["created"]
    again = records_of(
        client.get("/api/v1/exports/htcds", headers={**world.assistance_caseworker.auth, **PURPOSE})
    )
    (back,) = [rec for rec in again if rec["x_opennrm"]["case_id"] == f"{created}/0"]
    first = htcds.from_htcds(exported[0])
    second = htcds.from_htcds(back)
    # What a signal holds comes back whole: person, suspects, exploitation, consent.
    assert second.victim == first.victim
    assert second.suspects == first.suspects
    assert second.exploitation_types == first.exploitation_types
    assert second.occurred_on == first.occurred_on
    assert second.municipality == first.municipality
    assert second.consent == first.consent
    assert second.organisation.name != first.organisation.name  # now the importer's


def test_a_bad_record_refuses_the_whole_import(client: Any, world: Any, ctx: AppContext) -> None:
    post_signal(client, world.ngo_worker, NGO_SIGNAL)
    good = records_of(
        client.get("/api/v1/exports/htcds", headers={**world.ngo_worker.auth, **PURPOSE})
    )[0]
    bad = dict(good, vic_TypeOfExploitaton=["ForcedLabour"])
    worse = dict(good, prs_Gender="Robot")
    with unit_of_work(ctx.db) as session:
        before = session.scalar(select(func.count()).select_from(Signal))
    r = client.post("/api/v1/imports/htcds", json=[good, bad, worse], headers=world.ngo_worker.auth)
    assert r.status_code == 422, r.text
    body = r.json()["error"]
    assert "nothing was imported" in body["message"]
    fields = {d["field"] for d in body["details"]}
    assert fields == {"record 2", "record 3"}
    messages = " ".join(d["message"] for d in body["details"])
    assert "vic_TypeOfExploitaton" in messages
    assert "prs_Gender" in messages
    with unit_of_work(ctx.db) as session:
        assert session.scalar(select(func.count()).select_from(Signal)) == before
    empty = client.post("/api/v1/imports/htcds", json=[], headers=world.ngo_worker.auth)
    assert empty.status_code == 422
    assert "no HTCDS records" in empty.text


def test_ctdc_dataset_is_k_anonymous(client: Any, world: Any) -> None:
    for i in range(14):
        body = json.loads(json.dumps(CITY_SIGNAL))
        body["persons"][0]["names"] = [f"Olena Kovalenko {i}"]
        post_signal(client, world.municipality_caseworker, body)
    r = client.get("/api/v1/exports/ctdc?format=json", headers=world.analyst.auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["k"] == 11
    assert body["released"] + body["suppressed"] == body["records_in"] - body["excluded"]
    groups = Counter(tuple(row[q] for q in body["quasi_identifiers"]) for row in body["rows"])
    assert groups and min(groups.values()) >= 11
    assert "Kovalenko" not in r.text
    csv_r = client.get("/api/v1/exports/ctdc", headers=world.analyst.auth)
    assert csv_r.status_code == 200
    header = csv_r.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == list(ctdc.COLUMNS)
    assert client.get("/api/v1/exports/ctdc", headers=world.ngo_worker.auth).status_code == 403


def test_official_tables_pass_disclosure_control(client: Any, world: Any, ctx: AppContext) -> None:
    for _ in range(6):
        post_signal(client, world.municipality_caseworker, CITY_SIGNAL)
    post_signal(client, world.ngo_worker, NGO_SIGNAL)
    year = ctx.referral_config.local_day(utcnow()).year
    r = client.get(f"/api/v1/exports/official?year={year}", headers=world.coordinator.auth)
    assert r.status_code == 200, r.text
    body = r.json()
    names = [t["name"] for t in body["tables"]]
    assert any(n.startswith("eurostat") for n in names)
    assert any(n.startswith("unodc") for n in names)
    for table in body["tables"]:
        for row in table["rows"]:
            if row["suppressed"]:
                assert row["count"] is None
            else:
                assert row["count"] == 0 or row["count"] >= body["threshold"]
    victims = next(t for t in body["tables"] if t["name"] == "eurostat_victims_sex_age")
    presumed_women = [
        row
        for row in victims["rows"]
        if row["status"] == "presumed" and row["sex"] == "F" and row["age"] == "Y_GE18"
    ]
    assert presumed_women[0]["count"] == 7
    csv_r = client.get(
        f"/api/v1/exports/official/eurostat_victims_sex_age.csv?year={year}",
        headers=world.coordinator.auth,
    )
    assert csv_r.status_code == 200
    lines = csv_r.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "time,status,sex,age,count,suppressed"
    assert len(lines) == len(victims["rows"]) + 1
    missing = client.get(
        f"/api/v1/exports/official/no_such_table.csv?year={year}", headers=world.coordinator.auth
    )
    assert missing.status_code == 404


def test_cli_exports_and_imports_as_a_named_user(
    client: Any, world: Any, ctx: AppContext, tmp_path: Path
) -> None:
    post_signal(client, world.ngo_worker, NGO_SIGNAL)
    env = env_for(ctx.settings.database_url, tmp_path)
    out = tmp_path / "htcds.jsonl"
    nobody = run(env, "export", "htcds", str(out))
    assert nobody.exit_code == 1
    assert "--as EMAIL or OPENNRM_OPERATOR_EMAIL" in nobody.output
    done = run(
        {**env, "OPENNRM_OPERATOR_EMAIL": world.ngo_worker.email}, "export", "htcds", str(out)
    )
    assert done.exit_code == 0, done.output
    with unit_of_work(ctx.db) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "export.htcds")).one()
    assert event.purpose == "export by the operator from the command line"
    assert event.actor_user_id == world.ngo_worker.user_id
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and htcds.validate(json.loads(lines[0])) == []
    refused = run(
        env,
        "export",
        "htcds",
        str(out),
        "--as",
        world.coordinator.email,
        "--purpose",
        "Testi 1",
    )
    assert refused.exit_code == 1
    assert "export" in refused.output
    imported = run(env, "import", "htcds", str(out), "--as", world.assistance_caseworker.email)
    assert imported.exit_code == 0, imported.output
    assert "1 signals created" in imported.output
    # FollowTheMoney is the network's export: an investigator's own records.
    post_signal(client, world.helsinki_investigator, NGO_SIGNAL)
    ftm = tmp_path / "entities.ftm.jsonl"
    done = run(
        env,
        "export",
        "ftm",
        str(ftm),
        "--as",
        world.helsinki_investigator.email,
        "--purpose",
        "Aleph-analyysi",
    )
    assert done.exit_code == 0, done.output
    schemata = {json.loads(line)["schema"] for line in ftm.read_text().splitlines()}
    assert {"Person", "Project"} <= schemata
    folder = tmp_path / "official"
    done = run(
        env, "export", "official", str(folder), "--as", world.analyst.email, "--year", "2026"
    )
    assert done.exit_code == 0, done.output
    assert (folder / "eurostat_victims_sex_age-2026.csv").exists()
    ctdc_file = tmp_path / "ctdc.csv"
    done = run(env, "export", "ctdc", str(ctdc_file), "--as", world.analyst.email)
    assert done.exit_code == 0, done.output
    assert ctdc_file.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/exports/htcds", "/api/v1/exports/ctdc", "/api/v1/exports/official?year=2026"],
)
def test_exports_need_authentication(client: Any, path: str) -> None:
    assert client.get(path).status_code == 401
