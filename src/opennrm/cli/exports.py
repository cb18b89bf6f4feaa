"""`opennrm export …` and `opennrm import …`: the field's formats from the command line.

An export runs as a named user (`--as`), so that it holds exactly what that user may see
and the audit trail says who took it and why; the operator gives the purpose.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

export_app = typer.Typer(help="Exports: HTCDS, FollowTheMoney, CTDC, official tables.")
import_app = typer.Typer(help="Imports: HTCDS case records.")

AsUser = Annotated[
    str | None,
    typer.Option("--as", help="e-mail of the user it runs as (default: OPENNRM_OPERATOR_EMAIL)"),
]
Purpose = Annotated[
    str,
    typer.Option("--purpose", help="why the records are exported (kept in the audit trail)"),
]
CLI_PURPOSE = "export by the operator from the command line"
T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def _as_user(email: str | None, work: Callable[[Any, Session, Any], T]) -> T:
    """Run `work(ctx, session, actor)` in one transaction as the active user `email`
    (or the operator named in the settings); a refusal or bad input is reported on
    stderr with exit 1 (and audited as refused)."""
    from opennrm.auth.actions import actor_for
    from opennrm.auth.models import User
    from opennrm.cli.main import _ready_ctx
    from opennrm.errors import DomainError
    from opennrm.uow import unit_of_work

    ctx = _ready_ctx()
    email = email or ctx.settings.operator_email
    if not email:
        raise _fail("name the user the command runs as: --as EMAIL or OPENNRM_OPERATOR_EMAIL")
    try:
        with unit_of_work(ctx.db) as session:
            user = session.scalar(select(User).where(User.email == email.strip().lower()))
            if user is None or not user.is_active:
                raise _fail(f"no active user {email!r}")
            return work(ctx, session, actor_for(session, user, via="cli"))
    except DomainError as exc:
        problems = getattr(exc, "problems", [])
        detail = "".join(f"\n  {p.field}: {p.message}" for p in problems[:50])
        raise _fail(f"{exc.message}{detail}") from None


def _write(file: Path, text: str) -> None:
    file.write_text(text, encoding="utf-8")


@export_app.command("htcds")
def export_htcds(
    file: Annotated[Path, typer.Argument(help="JSON lines file to write")],
    as_user: AsUser = None,
    purpose: Purpose = CLI_PURPOSE,
) -> None:
    """HTCDS v2.0 case records (JSON lines) of the signals the user may read."""
    from opennrm.db import utcnow
    from opennrm.statistics import exports, htcds

    def work(ctx: Any, session: Session, actor: Any) -> int:
        cases = exports.htcds_cases(
            session, actor, config=ctx.referral_config, now=utcnow(), purpose=purpose
        )
        _write(file, "".join(htcds.to_json_lines(cases)))
        return len(cases)

    typer.echo(f"{_as_user(as_user, work)} HTCDS records written to {file}")


@export_app.command("ftm")
def export_ftm(
    file: Annotated[Path, typer.Argument(help="JSON lines file to write")],
    as_user: AsUser = None,
    purpose: Purpose = CLI_PURPOSE,
) -> None:
    """FollowTheMoney entities (persons, organisations, addresses, phones, cases and
    their links) of the records the user may read, for Aleph and similar tools."""
    from opennrm.db import utcnow
    from opennrm.linkage import network

    def work(ctx: Any, session: Session, actor: Any) -> int:
        entities = network.export_network(
            session,
            actor,
            cipher=ctx.cipher,
            now=utcnow(),
            query=network.NetworkQuery(),
            purpose=purpose,
            region=ctx.referral_config.deployment.country,
        )
        _write(file, network.ndjson(entities))
        return len(entities)

    typer.echo(f"{_as_user(as_user, work)} FollowTheMoney entities written to {file}")


@export_app.command("ctdc")
def export_ctdc(
    file: Annotated[Path, typer.Argument(help="CSV file to write")],
    as_user: AsUser = None,
) -> None:
    """The CTDC-style k-anonymised victim dataset (k from OPENNRM_ANONYMISED_K)."""
    from opennrm.db import utcnow
    from opennrm.reports import spreadsheets
    from opennrm.statistics import ctdc, exports

    def work(ctx: Any, session: Session, actor: Any) -> str:
        release = exports.ctdc_release(
            session, actor, config=ctx.referral_config, now=utcnow(), k=ctx.settings.anonymised_k
        )
        rows = [[row.get(c) for c in ctdc.COLUMNS] for row in release.rows]
        file.write_bytes(spreadsheets.to_csv(list(ctdc.COLUMNS), rows))
        r = release.report
        return f"{r.released} rows (k={r.k}; {r.suppressed} suppressed) written to {file}"

    typer.echo(_as_user(as_user, work))


@export_app.command("official")
def export_official(
    folder: Annotated[Path, typer.Argument(help="folder to write one CSV per table into")],
    year: Annotated[int, typer.Option(min=2000, max=2100, help="reporting year")],
    as_user: AsUser = None,
) -> None:
    """Eurostat and UNODC tables of a year, each through disclosure control."""
    from opennrm.reports import spreadsheets
    from opennrm.statistics import exports

    def work(ctx: Any, session: Session, actor: Any) -> list[str]:
        tables = exports.official_release(
            session,
            actor,
            config=ctx.referral_config,
            year=year,
            threshold=ctx.settings.statistics_threshold,
        )
        folder.mkdir(parents=True, exist_ok=True)
        for t in tables:
            headers, rows = exports.csv_rows(t)
            (folder / f"{t.name}-{year}.csv").write_bytes(spreadsheets.to_csv(headers, rows))
        return [t.name for t in tables]

    names = _as_user(as_user, work)
    typer.echo(f"{len(names)} tables written to {folder}: {', '.join(names)}")


@import_app.command("htcds")
def import_htcds(
    file: Annotated[Path, typer.Argument(help="HTCDS records: JSON lines or a JSON array")],
    as_user: AsUser = None,
) -> None:
    """Create one signal per HTCDS case record, owned by the user's organisation. All or
    nothing: one bad record and nothing is imported."""
    from opennrm.db import utcnow
    from opennrm.statistics import exports

    text = file.read_text(encoding="utf-8")
    try:
        stripped = text.lstrip()
        if stripped.startswith("["):
            records = json.loads(stripped)
        else:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise _fail(f"{file} is not JSON lines or a JSON array: {exc}") from None

    def work(ctx: Any, session: Session, actor: Any) -> list[str]:
        return exports.import_htcds(
            session,
            actor,
            records,
            cipher=ctx.cipher,
            today=ctx.referral_config.local_day(utcnow()),
            linkage_model=ctx.linkage_model,
        )

    created = _as_user(as_user, work)
    typer.echo(f"{len(created)} signals created")
