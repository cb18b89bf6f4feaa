"""`opennrm linkage link | train | relink`, driven as an operator would, and the batch
re-link of the store with the review decisions it must keep."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from opennrm.audit.models import AuditEvent
from opennrm.cli.main import app as cli
from opennrm.linkage.batch import relink_all
from opennrm.linkage.csvfiles import COLUMNS, PAIR_COLUMNS
from opennrm.linkage.models import CandidateLink, LinkagePerson
from opennrm.settings import get_settings

LEFT = [
    {"id": "ngo-1", "full_name": "Олександр Коваленко", "birth_date": "1990-04-02",
     "phones": "+380 67 123 4567", "nationality": "UA"},
    {"id": "ngo-2", "full_name": "Nguyễn Thị Lan", "birth_date": "1971-03-09",
     "phones": "+358 40 765 4321", "address": "Kalliontie 3 A 5, 00530 Helsinki"},
    {"id": "ngo-3", "given_names": "Somchai", "family_names": "Srisuk", "birth_date": "1985",
     "identifiers": "AA1234567"},
]  # fmt: skip
RIGHT = [
    {"id": "pol-1", "given_names": "Aleksandr", "family_names": "Kowalenko",
     "birth_date": "1990-02-04", "phones": "00380671234567|+358 44 555 0101"},
    {"id": "pol-2", "full_name": "Nguyen Van Minh", "birth_date": "1998-11-20",
     "phones": "040 765 4321", "address": "Kalliontie 3 A 5, 00530 Helsinki"},
    {"id": "pol-3", "full_name": "SRISOOK Somchay", "birth_date": "1985-07-14",
     "identifiers": "AA 1234567"},
    {"id": "pol-4", "full_name": "Mikko Virtanen", "birth_date": "1960-01-01"},
]  # fmt: skip


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def _run(*args: str, env: dict[str, str] | None = None) -> Any:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args), env=env or {}, catch_exceptions=False)
    finally:
        get_settings.cache_clear()


def _pairs(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == PAIR_COLUMNS
        return list(reader)


def test_two_files_are_linked_across_with_explanations(tmp_path: Path) -> None:
    left = _write(tmp_path / "ngo.csv", LEFT)
    right = _write(tmp_path / "police.csv", RIGHT)
    out = tmp_path / "pairs.csv"
    result = _run("linkage", "link", str(left), str(right), "--out", str(out))
    assert result.exit_code == 0, result.output
    pairs = {(p["left_id"], p["right_id"]): p for p in _pairs(out)}
    assert ("ngo-1", "pol-1") in pairs and ("ngo-3", "pol-3") in pairs
    kovalenko = pairs["ngo-1", "pol-1"]
    assert kovalenko["decision"] == "match"
    assert 0.95 <= float(kovalenko["score"]) <= 1
    assert "same phone +380671234567" in kovalenko["explanation"]
    assert "birth day and month swapped" in kovalenko["explanation"]
    assert "same identifier AA1234567" in pairs["ngo-3", "pol-3"]["explanation"]
    # A mother and her son share surname, phone and address: not one person.
    assert pairs.get(("ngo-2", "pol-2"), {"decision": "none"})["decision"] != "match"
    # Only pairs across the files, oriented left file → right file.
    assert all(a.startswith("ngo-") and b.startswith("pol-") for a, b in pairs)
    assert "records" in result.output  # the summary and progress go to stderr


def test_one_file_is_deduplicated(tmp_path: Path) -> None:
    both = _write(tmp_path / "all.csv", LEFT + RIGHT)
    out = tmp_path / "pairs.csv"
    assert _run("linkage", "link", str(both), "--out", str(out), "--quiet").exit_code == 0
    found = {frozenset((p["left_id"], p["right_id"])) for p in _pairs(out)}
    assert frozenset(("ngo-1", "pol-1")) in found
    assert all(len(pair) == 2 for pair in found)


def test_bad_files_are_refused_with_the_line_and_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    no_id = tmp_path / "no_id.csv"
    no_id.write_text("name,phones\nAnna,+358401234567\n", encoding="utf-8")
    twice = _write(tmp_path / "twice.csv", [LEFT[0], LEFT[0]])
    huge = _write(tmp_path / "huge.csv", [{"id": "x", "full_name": "A" * 5000}])
    injected = _write(
        tmp_path / "inj.csv", [{"id": "'; DROP TABLE signals; --", "full_name": "Robert'); --"}]
    )
    for path, message in (
        (no_id, "no 'id' column"),
        (twice, "line 3: id 'ngo-1' appears twice"),
        (huge, "over 4000 characters"),
        (tmp_path / "missing.csv", "cannot open"),
    ):
        result = _run("linkage", "link", str(path), "--out", str(out))
        assert result.exit_code == 1
        assert message in result.output
        assert not out.exists()
    # Odd ids and names are data, not commands.
    assert _run("linkage", "link", str(injected), "--out", str(out)).exit_code == 0
    assert _pairs(out) == []


def test_train_writes_a_model_link_can_use(tmp_path: Path) -> None:
    from opennrm.demo.linkage_people import write_dataset

    people = tmp_path / "people.csv"
    write_dataset(people, 3000, seed=5)
    model = tmp_path / "model.json"
    result = _run("linkage", "train", str(people), "--out", str(model))
    assert result.exit_code == 0, result.output
    data = json.loads(model.read_text())
    assert data["version"].startswith("splink-") and data["reference_size"] == 3000
    out = tmp_path / "pairs.csv"
    assert _run("linkage", "link", str(people), "--out", str(out), "--model", str(model),
                "--quiet").exit_code == 0  # fmt: skip
    assert len(_pairs(out)) > 100
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": "x"}', encoding="utf-8")
    result = _run("linkage", "link", str(people), "--out", str(out), "--model", str(bad))
    assert result.exit_code == 1 and "not a linkage model" in result.output


def _signal(client: Any, who: Any, name: str, phone: str, born: str) -> str:
    body = {
        "exploitation_types": ["labour"],
        "summary": "Cleaners housed above the restaurant; passports kept by the owner.",
        "municipality": "Vantaa",
        "persons": [{"role": "victim", "names": [name], "phones": [phone], "birth_date": born}],
    }
    r = client.post("/api/v1/signals", headers=who.auth, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_relink_rebuilds_links_and_keeps_review_decisions(client, world, ctx) -> None:  # type: ignore[no-untyped-def]
    a = _signal(client, world.ngo_worker, "Олена Шевченко", "+380 50 111 2233", "1993-05-17")
    b = _signal(client, world.ngo_worker, "Olena Shevchenko", "00380501112233", "1993-05-17")
    c = _signal(client, world.ngo_worker, "Ionuț Popescu", "+40 721 000 111", "1979-01-01")
    d = _signal(client, world.ngo_worker, "Ionut Popescu", "+40721000111", "1979-01-01")
    [link] = client.get("/api/v1/linkage/candidates", headers=world.ngo_worker.auth).json()[
        "items"
    ][:1] or [None]
    assert link is not None
    r = client.post(
        f"/api/v1/linkage/candidates/{link['id']}/decision",
        headers=world.ngo_worker.auth,
        json={"decision": "reject", "reason": "Different mothers' names in the interview notes"},
    )
    assert r.status_code == 200, r.text
    with ctx.db.transaction() as s:
        before = {
            (x.left_record_id, x.right_record_id, x.status)
            for x in s.scalars(select(CandidateLink))
        }
    summary = relink_all(ctx)
    with ctx.db.transaction() as s:
        after = {
            (x.left_record_id, x.right_record_id, x.status)
            for x in s.scalars(select(CandidateLink))
        }
        persons = s.scalar(select(func.count()).select_from(LinkagePerson))
        relinks = s.scalars(select(AuditEvent).where(AuditEvent.action == "linkage.relink")).all()
    assert summary.persons == persons == 4
    assert summary.reviewed == 1
    assert after == before  # the same links found again; the rejection stands
    assert {frozenset((x[0], x[1])) for x in after} == {frozenset((a, b)), frozenset((c, d))}
    assert [e.detail["persons"] for e in relinks] == [4]
