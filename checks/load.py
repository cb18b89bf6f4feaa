"""Load without loss: many people at once against a multi-worker server on PostgreSQL,
then every acknowledged write checked against the database.

    uv run python -m checks.load --users 40 --spawn-rate 10 --duration 90 --workers 4 \\
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a fresh database on that server (dropped afterwards), migrates it, seeds the
personas, serves it with `uvicorn --workers N`, and runs locust headless in a process of
its own with `checks/locustfile.py`. Prints requests, requests per second held,
p50/p95/p99, errors by kind, lost and duplicate writes, records without their audit
event, the audit chain and `pg_amcheck`. Exits 1 when anything was lost, duplicated,
unaudited or broken.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from checks.harness import DEFAULT_PG, Ledger, Server, prepare, verify
from checks.scratch import fresh_postgres

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.load", description=__doc__)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=90, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="server worker processes")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_PG,
        help="a PostgreSQL server (a superuser); the run makes and drops its own database",
    )
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="opennrm-load-") as tmp,
        fresh_postgres(args.database_url, "opennrm_load") as url,
    ):
        work = Path(tmp)
        instance = prepare(url, work / "data", as_app_role=True)
        world_file = work / "world.json"
        world_file.write_text(json.dumps(asdict(instance.world)), encoding="utf-8")
        ledger = Ledger(work / "acks.jsonl")
        with Server(instance.env(), workers=args.workers, log=work / "server.log") as server:
            _locust(args, server.base_url, work, world_file, ledger.path)
        verdict = verify(instance.owner_url, ledger.acks())
        summary = json.loads((work / "summary.json").read_text(encoding="utf-8"))

    print(
        f"load: {args.users} users, {args.workers} workers, {args.duration} s on PostgreSQL "
        "(the server connects as the row-security role)"
    )
    print(f"requests                 {summary['requests']}")
    print(f"requests per second      {summary['rps']:.1f}")
    print(
        f"latency p50 / p95 / p99  {summary['p50']:.0f} / {summary['p95']:.0f} / "
        f"{summary['p99']:.0f} ms (max {summary['max']:.0f} ms)"
    )
    print(f"failed requests          {summary['failures']}")
    for kind, count in sorted(summary["errors"].items(), key=lambda kv: -kv[1]):
        print(f"  {count:>6}  {kind}")
    print(f"writes given up          {len(summary['given_up'])}")
    load = os.getloadavg()[0]
    print(f"machine                  {os.cpu_count()} CPUs, load average {load:.1f} at the end")
    for line in verdict.lines():
        print(line)
    return 0 if verdict.ok and not summary["given_up"] else 1


def _locust(args: argparse.Namespace, base_url: str, work: Path, world: Path, ledger: Path) -> None:
    """locust in its own process: its gevent monkeypatching stays out of ours."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LOADCHECK_WORLD": str(world),
        "LOADCHECK_LEDGER": str(ledger),
        "LOADCHECK_SUMMARY": str(work / "summary.json"),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "checks" / "locustfile.py"),
        "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
        "--run-time", f"{args.duration}s", "--stop-timeout", "90", "--host", base_url,
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    with (work / "locust.log").open("wb") as log:
        subprocess.run(command, env=env, check=True, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


if __name__ == "__main__":
    sys.exit(main())
