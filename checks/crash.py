"""Crashes under write load: SIGKILL the server again and again, stop PostgreSQL with
`pg_ctl stop -m immediate`, and after every crash check that nothing acknowledged is
lost or doubled, that every record has its audit event, that the chain verifies and that
the storage passes its integrity check.

    uv run python -m checks.crash --kills 20 [--backend sqlite|postgresql] [--pg-immediate 5]

SQLite: a database file in a temporary directory. PostgreSQL: a fresh database on
`--database-url` (made and dropped here) for the SIGKILLs, and a private throwaway
cluster on a free port for the immediate stops (the shared server is never stopped).
Exits 1 when any check failed after any crash.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from checks.harness import (
    DEFAULT_PG,
    Drill,
    Instance,
    PrivateCluster,
    Verdict,
    Zygote,
    crash_drill,
    prepare,
)
from checks.scratch import fresh_postgres


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.crash", description=__doc__)
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of the server")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--pg-immediate", type=int, default=0, help="immediate stops of PostgreSQL (postgresql)"
    )
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=4, help="writer threads")
    parser.add_argument("--database-url", default=DEFAULT_PG, help="PostgreSQL server (superuser)")
    parser.add_argument(
        "--fast-restart",
        action="store_true",
        help="serve one process forked from a zygote that imported the app once (restarts "
        "in a second) instead of `uvicorn --workers N` (an import of everything per restart)",
    )
    args = parser.parse_args(argv)

    drills: list[tuple[str, Drill]] = []
    zygote = Zygote() if args.fast_restart else None
    with tempfile.TemporaryDirectory(prefix="opennrm-crash-") as tmp:
        work = Path(tmp)
        if args.backend == "sqlite":
            instance = prepare(f"sqlite:///{work / 'crash.db'}", work / "data")
            drills.append(("SIGKILL", _drill(instance, work, args, zygote, kills=args.kills)))
        else:
            if args.kills:
                with fresh_postgres(args.database_url, "opennrm_crash") as url:
                    instance = prepare(url, work / "data")
                    drills.append(
                        ("SIGKILL", _drill(instance, work, args, zygote, kills=args.kills))
                    )
            if args.pg_immediate:
                drills.append(("pg_ctl stop -m immediate", _immediate(work, args, zygote)))
    if zygote is not None:
        zygote.close()

    how = "one forked process" if zygote else f"uvicorn --workers {args.workers}"
    print(f"crash drill on {args.backend}, server: {how}, {args.threads} writer threads")
    ok = True
    for what, drill in drills:
        print(f"{what}: {drill.survived} of {len(drill.rounds)} crashes survived every check")
        for line in drill.final.lines():
            print(f"  {line}")
        _print_counts("  client errors (retried)", drill.errors)
        _print_counts("  refused writes", drill.refused)
        ok = ok and drill.ok
    return 0 if ok else 1


def _drill(
    instance: Instance,
    work: Path,
    args: argparse.Namespace,
    zygote: Zygote | None,
    *,
    kills: int = 0,
    pg_stops: int = 0,
    cluster: PrivateCluster | None = None,
) -> Drill:
    """One drill, printing a line after every crash."""

    def report(n: int, what: str, verdict: Verdict) -> None:
        state = "ok" if verdict.ok else "FAILED"
        lost, dup = len(verdict.lost), len(verdict.duplicates)
        print(
            f"{what} {n}: {state}: {verdict.signals_acked + verdict.shares_acked} acknowledged, "
            f"{lost} lost, {dup} duplicated, {len(verdict.without_audit)} without audit, "
            f"chain {'ok' if verdict.chain_ok else 'BROKEN'}, integrity {verdict.integrity}",
            flush=True,
        )
        if not verdict.ok:
            for problem in (verdict.lost + verdict.duplicates + verdict.without_audit)[:10]:
                print(f"    {problem}", flush=True)

    return crash_drill(
        instance,
        work,
        kills=kills,
        pg_immediate=cluster,
        pg_stops=pg_stops,
        workers=1 if zygote else args.workers,
        threads=args.threads,
        zygote=zygote,
        report=report,
    )


def _immediate(work: Path, args: argparse.Namespace, zygote: Zygote | None) -> Drill:
    cluster = PrivateCluster()
    try:
        cluster.init()
        url = cluster.create_database("opennrm_crash")
        instance = prepare(url, work / "data-immediate")
        sub = work / "immediate"
        sub.mkdir()
        return _drill(instance, sub, args, zygote, pg_stops=args.pg_immediate, cluster=cluster)
    finally:
        cluster.close()


def _print_counts(title: str, counts: dict[str, int]) -> None:
    if counts:
        print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    sys.exit(main())
