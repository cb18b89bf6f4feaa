"""share idempotency keys

A client that retries a share (after a timeout or a crash) sends the same key and gets
the share made the first time, as it already can for a signal.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=100), nullable=True))
        batch_op.create_index(
            "uq_shares_idempotency", ["created_by", "idempotency_key"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_index("uq_shares_idempotency")
        batch_op.drop_column("idempotency_key")
