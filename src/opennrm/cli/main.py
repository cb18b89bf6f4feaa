"""`opennrm` commands of CONTRACT.md. Thin: each calls domain actions in one unit of work.

Errors are printed as one clear line on stderr with a non-zero exit; nothing personal is
printed except what the operator asked for.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from opennrm import dbroles, migrate
from opennrm.backup_crypto import BackupKey
from opennrm.cli.exports import export_app, import_app
from opennrm.cli.linkage import linkage_app
from opennrm.context import AppContext
from opennrm.demo.seed import DemoAccount
from opennrm.errors import DomainError
from opennrm.policy import rowsecurity
from opennrm.settings import get_settings
from opennrm.uow import unit_of_work

app = typer.Typer(
    help="OpenNRM: cooperation against trafficking in human beings.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(orgs_app, name="orgs")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(linkage_app, name="linkage")
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")


def _ctx() -> AppContext:
    # An operator at the shell with the deployment's settings acts as the system under
    # PostgreSQL's row security (ADR 0016); what they do is audited as before.
    rowsecurity.declare_system()
    return AppContext.build(get_settings())


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _ready_ctx() -> AppContext:
    ctx = _ctx()
    try:
        migrate.ensure_current(ctx.db.engine)
    except migrate.SchemaNotCurrent as exc:
        raise _fail(str(exc)) from None
    return ctx


# --- db -----------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    ctx = _ctx()
    migrate.upgrade(ctx.db.engine)
    typer.echo(f"database at revision {migrate.current_revision(ctx.db.engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the code's head revision."""
    ctx = _ctx()
    typer.echo(
        f"database: {migrate.current_revision(ctx.db.engine) or 'empty'}; "
        f"code: {migrate.head_revision()}"
    )


@db_app.command("grant")
def db_grant(
    role: Annotated[str, typer.Argument(help="The role the application connects as.")],
) -> None:
    """Give the application's PostgreSQL role its privileges (run as the tables' owner,
    after every upgrade). The role must own nothing and not bypass row security."""
    ctx = _ctx()
    try:
        statements = dbroles.grant_app_role(ctx.db.engine, role)
    except dbroles.RoleError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"granted {role} its privileges ({len(statements)} statements)")


# --- serve and demo -----------------------------------------------------------------------


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "opennrm.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the web app and the API (the database must be migrated)."""
    _ready_ctx()
    _serve(host, port, workers)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed, print and exit.")] = False,
) -> None:
    """Migrate, seed synthetic demo data if the database is empty, and serve."""
    from opennrm.demo import seed

    settings = get_settings()
    if settings.is_production:
        raise _fail("the demo is refused when OPENNRM_ENV=production")
    ctx = _ctx()
    migrate.upgrade(ctx.db.engine)
    if not seed.is_seeded(ctx):
        typer.echo("seeding a synthetic Finnish deployment (no real person is in it)…", err=True)
        accounts = seed.seed(ctx, progress=lambda m: typer.echo(f"  {m}", err=True))
        _print_accounts(accounts)
    else:
        _print_accounts(_existing_demo_accounts(ctx))
    typer.echo(f"\nPassword of every demo account: {seed.DEMO_PASSWORD}")
    typer.echo(f"OpenNRM demo: http://localhost:{port}/  (API: /api/v1/docs)")
    if not no_serve:
        _serve(host, port, 1)


@app.command()
def worker(
    burst: Annotated[
        bool,
        typer.Option("--burst", help="Queue every periodic job once, work them off and exit."),
    ] = False,
    queue: Annotated[str, typer.Option(help="RQ queue name.")] = "opennrm",
) -> None:
    """Run the background jobs from the Redis queue (needs OPENNRM_REDIS_URL)."""
    from opennrm.worker.redis_queue import run_worker

    settings = get_settings()
    if not settings.redis_url:
        raise _fail(
            "OPENNRM_REDIS_URL is not set; without Redis the jobs run inside `opennrm serve`"
        )
    _ready_ctx().db.dispose()  # the schema must be current; each job opens its own context
    run_worker(
        settings.redis_url,
        interval=settings.worker_interval_seconds,
        queue_name=queue,
        burst=burst,
    )


def _print_accounts(accounts: list[DemoAccount]) -> None:
    typer.echo("\nDemo accounts (e-mail — role — organisation):")
    for a in accounts:
        typer.echo(f"  {a.email:52} {','.join(a.roles):24} {a.organisation}")


def _existing_demo_accounts(ctx: AppContext) -> list[DemoAccount]:
    from opennrm.auth.models import Organisation, User
    from opennrm.demo.seed import DOMAIN

    with unit_of_work(ctx.db) as session:
        rows = session.execute(
            select(User, Organisation)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(User.email.like(f"%@{DOMAIN}"))
            .order_by(Organisation.name, User.email)
        ).all()
        return [DemoAccount(u.email, u.name, o.name, o.type, u.roles) for u, o in rows]


# --- organisations and users --------------------------------------------------------------


@orgs_app.command("create")
def orgs_create(
    name: Annotated[str, typer.Option(help="Organisation name.")],
    type: Annotated[str, typer.Option("--type", help="Organisation type (CONTRACT.md).")],
    region: Annotated[str | None, typer.Option(help="Region code, e.g. MK01.")] = None,
    key: Annotated[
        str | None,
        typer.Option(help="Key in the deployment file (e.g. police-lappi), used by routing."),
    ] = None,
) -> None:
    """Add an organisation; prints its id."""
    from opennrm.auth import actions

    ctx = _ready_ctx()
    try:
        with unit_of_work(ctx.db) as session:
            org = actions.create_organisation(session, name=name, type=type, region=region, key=key)
            typer.echo(org.id)
    except DomainError as exc:
        raise _fail(exc.message) from None


@orgs_app.command("list")
def orgs_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """List organisations."""
    from opennrm.auth.models import Organisation

    ctx = _ready_ctx()
    with unit_of_work(ctx.db) as session:
        rows = [
            {"id": o.id, "name": o.name, "type": o.type, "region": o.region, "key": o.key}
            for o in session.scalars(select(Organisation).order_by(Organisation.name))
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            typer.echo(f"{r['id']}  {r['type']:18} {r['region'] or '':5} {r['name']}")


def _find_org(session, org: str) -> str:  # type: ignore[no-untyped-def]
    from opennrm.auth.models import Organisation

    found = session.scalar(
        select(Organisation.id).where((Organisation.id == org) | (Organisation.name == org))
    )
    if found is None:
        raise _fail(f"no organisation with id or name {org!r}")
    return str(found)


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="E-mail address (the sign-in name).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    org: Annotated[str, typer.Option(help="Organisation id or exact name.")],
    role: Annotated[list[str], typer.Option(help="Role; repeat for several.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a user; prints its id."""
    from opennrm.auth import actions

    if not password_stdin:
        raise _fail("give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    ctx = _ready_ctx()
    try:
        with unit_of_work(ctx.db) as session:
            user = actions.create_user(
                session,
                email=email,
                name=name,
                organisation_id=_find_org(session, org),
                roles=[r for item in role for r in item.split(",")],
                password=password,
            )
            typer.echo(user.id)
    except DomainError as exc:
        raise _fail(exc.message) from None


@users_app.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """List users."""
    from opennrm.auth.models import User

    ctx = _ready_ctx()
    with unit_of_work(ctx.db) as session:
        rows: list[dict[str, Any]] = [
            {
                "id": u.id,
                "email": u.email,
                "organisation_id": u.organisation_id,
                "roles": u.roles,
                "is_active": u.is_active,
            }
            for u in session.scalars(select(User).order_by(User.email))
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            typer.echo(f"{r['id']}  {r['email']:40} {','.join(r['roles'])}")


@tokens_app.command("create")
def tokens_create(
    email: Annotated[str, typer.Option(help="The user's e-mail address.")],
    days: Annotated[int, typer.Option(help="Validity in days (1-366).")] = 30,
) -> None:
    """Print a new personal API token for a user (only the token)."""
    from opennrm.auth import sessions
    from opennrm.auth.models import User

    ctx = _ready_ctx()
    try:
        with unit_of_work(ctx.db) as session:
            user = session.scalar(select(User).where(User.email == email.strip().lower()))
            if user is None or not user.is_active:
                raise _fail(f"no active user {email!r}")
            raw, _ = sessions.create_token(session, user=user, name="cli", days=days)
            typer.echo(raw)
    except DomainError as exc:
        raise _fail(exc.message) from None


# --- audit ---------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="A signed checkpoint file; also catches truncation and recomputation."),
    ] = None,
) -> None:
    """Check the whole hash chain. Exit 0 if intact; 1 and the first bad entry otherwise."""
    from opennrm.audit import trail
    from opennrm.audit.checkpoint import CheckpointError, read_checkpoint

    ctx = _ready_ctx()
    with ctx.db.transaction() as session:
        if checkpoint is None:
            result = trail.verify(session)
        else:
            try:
                cp = read_checkpoint(checkpoint, ctx.audit_signing_key().public_key())
            except CheckpointError as exc:
                raise _fail(str(exc)) from None
            result = trail.verify_against_checkpoint(session, cp.seq, cp.hash)
    if result.ok:
        typer.echo(f"audit trail intact: {result.checked} entries, head {result.last_hash}")
        return
    typer.echo(f"audit trail BROKEN at entry {result.first_bad_seq}: {result.reason}", err=True)
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(file: Annotated[Path, typer.Argument(help="Where to write it.")]) -> None:
    """Write a signed (Ed25519) checkpoint of the chain's head to FILE, outside the DB."""
    from opennrm.audit import trail
    from opennrm.audit.checkpoint import write_checkpoint
    from opennrm.db import utcnow

    ctx = _ready_ctx()
    with ctx.db.transaction() as session:
        result = trail.verify(session)
    if not result.ok:
        raise _fail(
            f"refusing to checkpoint a broken chain (entry {result.first_bad_seq}: {result.reason})"
        )
    write_checkpoint(file, ctx.audit_signing_key(), result.last_seq, result.last_hash, utcnow())
    typer.echo(f"checkpoint of entry {result.last_seq} written to {file}")


# --- backup and restore ---------------------------------------------------------------------


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Backup file to write (encrypted).")],
) -> None:
    """Write a consistent, portable, encrypted backup of the whole database."""
    from opennrm import backup as backup_mod

    ctx = _ready_ctx()
    key = _backup_key(ctx)
    counts = backup_mod.write_backup(ctx.db, file, key)
    typer.echo(
        f"backup written to {file}: {sum(counts.values())} rows in {len(counts)} tables, "
        f"encrypted with backup key {key.key_id.hex()} ({key.source})"
    )


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="Backup file to read.")],
    allow_unencrypted: Annotated[
        bool,
        typer.Option(
            "--allow-unencrypted",
            help="Also read a backup written before backups were encrypted (format 1).",
        ),
    ] = False,
) -> None:
    """Restore a backup into an empty database, then verify the audit chain."""
    from opennrm import backup as backup_mod

    ctx = _ctx()
    key = _backup_key(ctx)
    try:
        counts, result = backup_mod.restore_backup(
            ctx.db, file, key, allow_unencrypted=allow_unencrypted
        )
    except backup_mod.RestoreError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"restored {sum(counts.values())} rows; audit trail intact ({result.checked} entries)"
    )


def _backup_key(ctx: AppContext) -> BackupKey:
    try:
        return BackupKey.from_settings(ctx.settings)
    except ValueError as exc:  # a backup key too short to be a key
        raise _fail(str(exc)) from None


def main() -> None:  # pragma: no cover - console entry point
    app()
