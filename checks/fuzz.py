"""The long fuzzing run: schemathesis against a fresh OpenNRM, as every principal.

    uv run python -m checks.fuzz --examples 100 [--database-url URL] [--stateful-steps 20]

Makes its own database (SQLite in a temporary directory; with `--database-url` pointing
at a PostgreSQL server, a new database on it, dropped afterwards), seeds the personas,
fuzzes every operation in positive and negative mode as each principal, runs the
stateful mode, prints one row per principal and then every distinct failure. Exits 1
if any check failed or any request ended in a 5xx.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from checks.fuzzing import PRINCIPALS, Tally, fresh_target, fuzz_stateful, fuzz_stateless, report
from checks.scratch import scratch_database
from opennrm.settings import Settings


@contextmanager
def fresh_database(server_url: str | None, tmp: Path) -> Iterator[str]:
    """An empty database for one run (`checks.scratch`)."""
    with scratch_database(server_url, tmp, "opennrm_fuzz") as made:
        yield made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.fuzz", description=__doc__)
    parser.add_argument("--examples", type=int, default=100, help="per operation, mode, role")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to use")
    parser.add_argument("--stateful-steps", type=int, default=20, help="steps per scenario")
    parser.add_argument("--stateful-scenarios", type=int, default=None, help="default: examples")
    parser.add_argument("--principal", action="append", choices=list(PRINCIPALS))
    args = parser.parse_args(argv)
    principals = args.principal or list(PRINCIPALS)
    scenarios = args.stateful_scenarios or args.examples

    started = time.monotonic()
    tallies: list[Tally] = []
    with (
        tempfile.TemporaryDirectory(prefix="opennrm-fuzz-") as tmp,
        fresh_database(args.database_url, Path(tmp)) as url,
    ):
        settings = Settings(
            database_url=url,
            data_dir=Path(tmp),
            secret_key="fuzz-secret-key-" + "k" * 40,  # synthetic keys for a throwaway db
            data_key="fuzz-data-key-" + "d" * 40,
        )
        with fresh_target(url, Path(tmp), settings) as target:
            backend = target.ctx.db.engine.dialect.name
            for principal in principals:
                t0 = time.monotonic()
                tally = fuzz_stateless(target, principal, examples=args.examples)
                fuzz_stateful(
                    target, principal, scenarios=scenarios, steps=args.stateful_steps, tally=tally
                )
                tallies.append(tally)
                print(
                    f"{principal}: {tally.cases} cases, {tally.stateful_steps} stateful"
                    f" steps, {sum(tally.failures.values())} failures"
                    f" ({time.monotonic() - t0:.0f} s)",
                    flush=True,
                )
    elapsed = time.monotonic() - started
    print()
    print(
        f"schemathesis fuzzing on {backend}: {args.examples} examples per operation, mode"
        f" and principal; stateful {scenarios} scenarios x {args.stateful_steps} steps;"
        f" {elapsed:.0f} s"
    )
    print(report(tallies))
    findings = [f for t in tallies for f in t.findings]
    server_errors = sum(t.server_errors for t in tallies)
    print(f"\n5xx responses: {server_errors}")
    if findings:
        print(f"\n{len(findings)} distinct failures:")
        for finding in findings:
            print(f"- {finding}")
    return 1 if findings or server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
