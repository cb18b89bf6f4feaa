"""statistics releases ledger

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statistics_releases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=True),
        sa.Column("mechanism", sa.String(length=60), nullable=True),
        sa.Column("budget_year", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "method IN ('suppression', 'noise')",
            name=op.f("ck_statistics_releases_method_known"),
        ),
        sa.CheckConstraint(
            "epsilon IS NULL OR epsilon > 0",
            name=op.f("ck_statistics_releases_epsilon_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_statistics_releases_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_statistics_releases_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_releases")),
    )
    with op.batch_alter_table("statistics_releases", schema=None) as batch_op:
        batch_op.create_index("ix_statistics_releases_year", ["budget_year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("statistics_releases", schema=None) as batch_op:
        batch_op.drop_index("ix_statistics_releases_year")
    op.drop_table("statistics_releases")
