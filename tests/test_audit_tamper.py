"""Tampering with the audit trail is detected: changed, deleted, inserted and swapped
entries by the chain itself; a truncated tail, a wholly recomputed chain and a chain
rolled back and rewritten by the signed checkpoint kept outside the database.

The attacker here can write to the database as its owner: each test first drops the
append-only triggers, as such an attacker could.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from opennrm import audit
from opennrm.audit import trail
from opennrm.audit.chain import entry_hash
from opennrm.audit.checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from opennrm.audit.models import AuditEvent, AuditHead
from opennrm.audit.trail import AuditEntry
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.uow import unit_of_work

NAMES = ["Nguyễn Thị Hoa", "Chukwuemeka Okafor", "Ionuț Popescu", "Олена Шевченко"]


def _append(ctx: AppContext, n: int, start: int = 0) -> None:
    with unit_of_work(ctx.db) as session:
        for i in range(start, start + n):
            audit.record(
                session,
                AuditEntry(
                    action="signal.read",
                    actor_user_id=f"user-{i % 3}",
                    record_type="signal",
                    record_id=f"sig-{i}",
                    fields=["summary", "persons"],
                    purpose=f"case review of {NAMES[i % len(NAMES)]}",
                    detail={"n": i},
                ),
            )


def _drop_guards(ctx: AppContext) -> None:
    with ctx.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))
            conn.execute(text("DROP TRIGGER audit_events_no_truncate ON audit_events"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))


def _verify(ctx: AppContext) -> trail.VerifyResult:
    with ctx.db.transaction() as session:
        return trail.verify(session)


def _verify_cp(ctx: AppContext, path: Path) -> trail.VerifyResult:
    cp = read_checkpoint(path, ctx.audit_signing_key().public_key())
    with ctx.db.transaction() as session:
        return trail.verify_against_checkpoint(session, cp.seq, cp.hash)


def _checkpoint(ctx: AppContext, path: Path) -> int:
    result = _verify(ctx)
    assert result.ok
    write_checkpoint(path, ctx.audit_signing_key(), result.last_seq, result.last_hash, utcnow())
    return result.last_seq


def _rows(ctx: AppContext) -> list[dict[str, Any]]:
    with ctx.db.transaction() as session:
        return list(trail.iter_chain(session))


def _rehash_from(ctx: AppContext, seq: int) -> None:
    """What a careful attacker does after an edit: recompute every later hash and the head."""
    with ctx.db.transaction() as session:
        prev = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq - 1))
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)
        ).all()
        for ev in events:
            body = {
                c: getattr(ev, c)
                for c in (
                    "seq",
                    "at",
                    "actor_user_id",
                    "actor_org_id",
                    "action",
                    "outcome",
                    "record_type",
                    "record_id",
                    "fields",
                    "purpose",
                    "detail",
                )
            }
            ev.prev_hash = prev
            ev.hash = entry_hash(prev, body)
            prev = ev.hash
        last = events[-1]
        session.execute(update(AuditHead).values(seq=last.seq, hash=last.hash))


@pytest.fixture
def chain(owner_ctx: AppContext) -> AppContext:
    """Twelve entries, reached as the tables' owner: the attacker here is a database
    administrator (the application's own role may only append, `tests/test_rls.py`)."""
    _append(owner_ctx, 12)
    assert _verify(owner_ctx).ok
    return owner_ctx


def test_an_intact_chain_verifies(chain: AppContext) -> None:
    result = _verify(chain)
    assert result.ok
    assert result.checked == result.last_seq >= 12


def test_the_trail_refuses_update_and_delete_while_guarded(chain: AppContext) -> None:
    for sql in (
        "UPDATE audit_events SET purpose = 'x' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 2",
    ):
        with pytest.raises(Exception, match="append-only"), chain.db.engine.begin() as conn:
            conn.execute(text(sql))
    assert _verify(chain).ok


def test_a_changed_field_is_found(chain: AppContext) -> None:
    _drop_guards(chain)
    with chain.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET purpose = 'nothing to see' WHERE seq = 5"))
    result = _verify(chain)
    assert not result.ok
    assert result.first_bad_seq == 5
    assert "changed" in result.reason


def test_a_deleted_entry_is_found(chain: AppContext) -> None:
    _drop_guards(chain)
    with chain.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 6"))
    result = _verify(chain)
    assert not result.ok
    assert result.first_bad_seq == 7
    assert "entry 6 is missing" in result.reason


def test_an_inserted_entry_is_found(chain: AppContext) -> None:
    _drop_guards(chain)
    rows = _rows(chain)
    last = rows[-1]["seq"]
    with chain.db.engine.begin() as conn:
        # Make room at 4 by moving the tail up by one, highest first.
        for seq in range(last, 3, -1):
            conn.execute(
                text("UPDATE audit_events SET seq = :n WHERE seq = :o"), {"n": seq + 1, "o": seq}
            )
    forged = {**rows[2], "seq": 4, "action": "signal.delete", "detail": {"forged": True}}
    forged["prev_hash"] = rows[2]["hash"]
    forged["hash"] = entry_hash(rows[2]["hash"], forged)
    with chain.db.transaction() as session:
        session.add(AuditEvent(**forged))
    result = _verify(chain)
    assert not result.ok
    assert result.first_bad_seq == 5  # the moved entry no longer fits after the forgery


def test_swapped_entries_are_found(chain: AppContext) -> None:
    _drop_guards(chain)
    rows = _rows(chain)
    a, b = rows[7], rows[8]
    with chain.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET seq = -1 WHERE seq = :s"), {"s": a["seq"]})
        conn.execute(
            text("UPDATE audit_events SET seq = :n WHERE seq = :o"), {"n": a["seq"], "o": b["seq"]}
        )
        conn.execute(text("UPDATE audit_events SET seq = :n WHERE seq = -1"), {"n": b["seq"]})
    result = _verify(chain)
    assert not result.ok
    assert result.first_bad_seq == a["seq"]


def test_a_truncated_tail_is_found_by_the_head_and_by_a_checkpoint(
    chain: AppContext, tmp_path: Path
) -> None:
    cp = tmp_path / "cp.json"
    seq = _checkpoint(chain, cp)
    _drop_guards(chain)
    with chain.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": seq - 3})
    naive = _verify(chain)
    assert not naive.ok and "head" in naive.reason
    # The attacker also rewrites the head: the chain alone now looks whole…
    with chain.db.transaction() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None
        session.execute(update(AuditHead).values(seq=last.seq, hash=last.hash))
    assert _verify(chain).ok
    # …but the signed checkpoint outside the database still vouches for the lost entries.
    result = _verify_cp(chain, cp)
    assert not result.ok
    assert result.first_bad_seq == seq - 2
    assert "truncated" in result.reason


def test_a_recomputed_chain_is_found_by_a_checkpoint(chain: AppContext, tmp_path: Path) -> None:
    cp = tmp_path / "cp.json"
    seq = _checkpoint(chain, cp)
    _drop_guards(chain)
    with chain.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET purpose = 'routine' WHERE seq = 3"))
    _rehash_from(chain, 3)
    assert _verify(chain).ok  # self-consistent again
    result = _verify_cp(chain, cp)
    assert not result.ok
    assert result.first_bad_seq == seq
    assert "recomputed" in result.reason


def test_a_chain_rolled_back_past_a_checkpoint_and_rewritten_is_found(
    chain: AppContext, tmp_path: Path
) -> None:
    cp = tmp_path / "cp.json"
    seq = _checkpoint(chain, cp)
    _drop_guards(chain)
    keep = seq - 4
    with chain.db.transaction() as session:
        session.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": keep})
        last = session.scalar(select(AuditEvent).where(AuditEvent.seq == keep))
        assert last is not None
        session.execute(update(AuditHead).values(seq=last.seq, hash=last.hash))
    _append(chain, 10, start=100)  # new history written over the rolled-back part
    assert _verify(chain).ok
    result = _verify_cp(chain, cp)
    assert not result.ok
    assert result.first_bad_seq == seq


def test_a_forged_checkpoint_is_refused(chain: AppContext, tmp_path: Path) -> None:
    cp = tmp_path / "cp.json"
    _checkpoint(chain, cp)
    cp.write_text(cp.read_text().replace('"seq": ', '"seq": 1'), encoding="utf-8")
    with pytest.raises(CheckpointError, match="invalid signature"):
        _verify_cp(chain, cp)


def test_the_cli_names_the_first_bad_entry(chain: AppContext, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from opennrm.cli.main import app
    from opennrm.settings import get_settings

    _drop_guards(chain)
    with chain.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET action = 'auth.login' WHERE seq = 8"))
    monkeypatch.setenv("OPENNRM_DATABASE_URL", chain.settings.database_url)
    monkeypatch.setenv("OPENNRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENNRM_SECRET_KEY", chain.secret_key)
    monkeypatch.setenv("OPENNRM_DATA_KEY", chain.settings.resolved_data_key())
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["audit", "verify"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "BROKEN at entry 8" in result.output
