"""The referral queues, the ageing report and the clock sweep, in process, on a demo-sized
deployment seeded through the real actions.

    uv run python -m bench.referrals --db sqlite|postgresql [--signals N] [--rounds R]

Seeds the demo deployment with N synthetic signals (about half of them referred to the
police and half to the assistance system, back-dated up to 40 days, some decided), then
times, R times each:

1. the assistance system's incoming queue, open only, 50 per page (`list_referrals`);
2. a referral read by its receiver (`read_referral`, decisions and services decrypted);
3. the ageing report for a coordinator (every organisation);
4. one pass of the clocks job (reminders and escalations; after the first pass there is
   little left to do, which is the steady state the worker lives in).

Prints a table and, as its last line, the figures as one JSON object. Every timed call
writes its audit entry, as in production; the chain is verified at the end. Exit 0 when
the chain verifies. PostgreSQL: a database `opennrm_bench_<pid>` is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.signals import postgres_database, sqlite_database
from opennrm import migrate
from opennrm.audit import trail
from opennrm.auth.actions import actor_for
from opennrm.auth.models import Organisation, User
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.demo.seed import seed
from opennrm.referrals import actions, queries
from opennrm.referrals.models import Referral
from opennrm.settings import Settings
from opennrm.uow import unit_of_work

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _actor(ctx: AppContext, org_type: str, role: str) -> Any:
    with unit_of_work(ctx.db) as session:
        user = None
        for u in session.scalars(select(User).order_by(User.email)):
            org = session.get(Organisation, u.organisation_id)
            if org is not None and org.type == org_type and role in u.roles:
                user = u
                break
        if user is None:
            raise SystemExit(f"no {role} in a {org_type} organisation")
        return actor_for(session, user, via="system")


def _time(rounds: int, fn: Callable[[], object]) -> dict[str, float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
        "max_ms": round(times[-1], 2),
    }


def run(url: str, signals: int, rounds: int, data_dir: Path) -> dict[str, Any]:
    settings = Settings(database_url=url, data_dir=data_dir, secret_key="b" * 48, data_key="k" * 48)
    ctx = AppContext.build(settings, Database(url))
    try:
        migrate.upgrade(ctx.db.engine)
        started = time.perf_counter()
        seed(ctx, signals=signals)
        seeded_s = time.perf_counter() - started
        config = ctx.referral_config
        caseworker = _actor(ctx, "assistance_system", "caseworker")
        coordinator = _actor(ctx, "ministry", "coordinator")
        with unit_of_work(ctx.db) as session:
            total = session.scalar(select(func.count()).select_from(Referral)) or 0
            sample = session.scalar(
                select(Referral.id)
                .where(Referral.target_organisation_id == caseworker.organisation_id)
                .limit(1)
            )

        def queue() -> object:
            with unit_of_work(ctx.db) as session:
                return queries.list_referrals(
                    session,
                    actor=caseworker,
                    config=config,
                    direction="incoming",
                    open_only=True,
                    limit=50,
                )

        def read() -> object:
            with unit_of_work(ctx.db) as session:
                return queries.read_referral(
                    session, str(sample), actor=caseworker, cipher=ctx.cipher, config=config
                )

        def ageing() -> object:
            with unit_of_work(ctx.db) as session:
                return queries.ageing(session, actor=coordinator, config=config)

        figures = {
            "referrals": total,
            "seed_seconds": round(seeded_s, 1),
            "queue_open_50": _time(rounds, queue),
            "read_by_receiver": _time(rounds, read),
            "ageing_national": _time(rounds, ageing),
            "clocks_pass": _time(max(3, rounds // 10), lambda: actions.clocks_job(ctx)),
        }
        with unit_of_work(ctx.db) as session:
            result = trail.verify(session)
        figures["audit_chain_ok"] = bool(result.ok)
        return figures
    finally:
        ctx.db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--signals", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        database = (
            sqlite_database(Path(tmp)) if args.db == "sqlite" else postgres_database(PG_ADMIN)
        )
        with database as url:
            figures = run(url, args.signals, args.rounds, Path(tmp))
    figures = {"db": args.db, "signals": args.signals, "rounds": args.rounds, **figures}
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{key:22} median {value['median_ms']:8.2f} ms   p95 {value['p95_ms']:8.2f} ms")
        else:
            print(f"{key:22} {value}")
    print(json.dumps(figures))
    return 0 if figures["audit_chain_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
