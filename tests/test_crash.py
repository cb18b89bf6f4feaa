"""Crashes under write load lose nothing acknowledged (the short version of
`python -m checks.crash`, issue 7).

A real server process serves the database while writer threads record and share signals
with idempotency keys, retrying until acknowledged. The server is SIGKILLed three times
and restarted; on PostgreSQL a private throwaway cluster is also stopped with
`pg_ctl stop -m immediate`. After every crash: every acknowledged write is stored exactly
once with its audit event, no record lacks its audit event, the audit chain verifies,
and `PRAGMA integrity_check` / `pg_amcheck` pass.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from checks.harness import (
    Ack,
    Drill,
    Instance,
    PrivateCluster,
    Zygote,
    crash_drill,
    pg_tool,
    prepare,
    verify,
)
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.signals.models import Signal
from tests.conftest import KEYS, PG_URL
from tests.personas import World

ON_PG = PG_URL.startswith("postgresql")


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    """The app imported once for every server these tests start and kill (it imports in
    the background while the first test prepares its database)."""
    z = Zygote()
    yield z
    z.close()


def explain(drill: Drill) -> str:
    """Every failed check of every round, for the assertion message."""
    lines = []
    for n, verdict in enumerate([*drill.rounds, drill.final], start=1):
        if not verdict.ok:
            lines.append(f"after crash {n}: " + "; ".join(verdict.lines()))
            lines += [f"  {p}" for p in (verdict.lost + verdict.duplicates)[:5]]
            lines += [f"  {p}" for p in verdict.without_audit[:5]]
    return "\n".join([*lines, f"refused: {dict(drill.refused)}"])


def owner_of(url: str) -> str:
    """The test database as its owner (the checks must see past row security)."""
    if not ON_PG:
        return url
    owner = make_url(PG_URL).username
    return make_url(url).set(username=owner).render_as_string(hide_password=False)


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL only")
@pytest.mark.skipif(
    not Path(pg_tool("initdb")).exists() or (os.geteuid() == 0 and not shutil.which("runuser")),
    reason="needs initdb (and runuser as root) for a private cluster",
)
def test_postgresql_immediate_stop_loses_nothing_acknowledged(
    tmp_path: Path, zygote: Zygote
) -> None:
    cluster = PrivateCluster()
    try:
        cluster.init()
        instance = prepare(cluster.create_database("crash"), tmp_path / "data")
        drill = crash_drill(
            instance,
            tmp_path,
            pg_immediate=cluster,
            pg_stops=1,
            workers=1,
            threads=3,
            zygote=zygote,
        )
    finally:
        cluster.close()

    assert len(drill.rounds) == 1
    assert drill.ok, explain(drill)
    assert drill.final.signals_acked > drill.rounds[0].signals_acked > 0


def test_sigkill_under_write_load_loses_nothing_acknowledged(
    db_url: str, world: World, tmp_path: Path, zygote: Zygote
) -> None:
    instance = Instance(
        db_url, owner_of(db_url), tmp_path / "data", KEYS["secret_key"], KEYS["data_key"], world
    )
    drill = crash_drill(instance, tmp_path, kills=3, workers=1, threads=3, zygote=zygote)

    assert len(drill.rounds) == 3
    assert drill.ok, explain(drill)
    # The crashes came under load: writes were acknowledged before and after them.
    assert drill.final.signals_acked > drill.rounds[0].signals_acked > 0
    assert drill.final.shares_acked > 0


def test_the_verification_finds_a_lost_write_and_an_unaudited_record(
    db_url: str, world: World, ctx: AppContext
) -> None:
    """The checks above could not pass by seeing nothing: a write acknowledged but not
    stored is lost, and a record stored without its audit event is reported."""
    now = utcnow()
    unaudited = "5c1d3f0e-0000-4000-8000-000000000001"
    with ctx.db.transaction() as session:
        session.execute(
            insert(Signal).values(
                id=unaudited,
                organisation_id=world.ngo_worker.organisation_id,
                created_by=world.ngo_worker.user_id,
                created_at=now,
                updated_at=now,
                exploitation_types=["labour"],
                summary_enc=b"",
                indicators=[],
                idempotency_key="signal-unaudited",
            )
        )
    worker = world.ngo_worker.user_id
    acks = [
        Ack("signal", "signal-unaudited", unaudited, worker),
        Ack("signal", "signal-never-stored", "5c1d3f0e-0000-4000-8000-000000000002", worker),
    ]
    verdict = verify(owner_of(db_url), acks)
    assert verdict.lost == ["signal signal-never-stored"]
    assert verdict.without_audit == [f"signal {unaudited}"]
    assert verdict.duplicates == []
    assert verdict.chain_ok and verdict.integrity == "ok"
    assert not verdict.ok
