"""action plan and training

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "('planned', 'in_progress', 'done', 'delayed', 'cancelled')"
AIMS = "('identification', 'assistance', 'criminal_liability', 'cooperation', 'evidence')"


def upgrade() -> None:
    op.create_table(
        "plan_objectives",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("aim", sa.String(length=24), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"aim IN {AIMS}", name=op.f("ck_plan_objectives_aim_known")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_plan_objectives_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_objectives")),
        sa.UniqueConstraint("code", name=op.f("uq_plan_objectives_code")),
    )

    op.create_table(
        "plan_measures",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("objective_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_plan_measures_status_known")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_plan_measures_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["plan_objectives.id"],
            name=op.f("fk_plan_measures_objective_id_plan_objectives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_measures")),
        sa.UniqueConstraint("code", name=op.f("uq_plan_measures_code")),
    )
    with op.batch_alter_table("plan_measures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_measures_objective_id"), ["objective_id"], unique=False
        )

    op.create_table(
        "plan_measure_organisations",
        sa.Column("measure_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["plan_measures.id"],
            name=op.f("fk_plan_measure_organisations_measure_id_plan_measures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_plan_measure_organisations_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "measure_id", "organisation_id", name=op.f("pk_plan_measure_organisations")
        ),
    )
    with op.batch_alter_table("plan_measure_organisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_measure_organisations_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "plan_measure_updates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("measure_id", sa.String(length=36), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("status_before", sa.String(length=16), nullable=False),
        sa.Column("status_after", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("evidence_text", sa.String(length=1000), nullable=True),
        sa.Column("reported_by", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"status_after IN {STATUSES}",
            name=op.f("ck_plan_measure_updates_status_after_known"),
        ),
        sa.CheckConstraint(
            f"status_before IN {STATUSES}",
            name=op.f("ck_plan_measure_updates_status_before_known"),
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["plan_measures.id"],
            name=op.f("fk_plan_measure_updates_measure_id_plan_measures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_plan_measure_updates_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["users.id"], name=op.f("fk_plan_measure_updates_reported_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_measure_updates")),
    )
    with op.batch_alter_table("plan_measure_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_measure_updates_measure_id"), ["measure_id"], unique=False
        )

    op.create_table(
        "training_files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_training_files_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_files")),
    )

    op.create_table(
        "training_materials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_training_materials_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_materials")),
    )

    op.create_table(
        "training_material_versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("material_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("file_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_training_material_versions_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["training_files.id"],
            name=op.f("fk_training_material_versions_file_id_training_files"),
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["training_materials.id"],
            name=op.f("fk_training_material_versions_material_id_training_materials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_material_versions")),
        sa.UniqueConstraint(
            "material_id", "version", name=op.f("uq_training_material_versions_material_id")
        ),
    )
    with op.batch_alter_table("training_material_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_material_versions_material_id"), ["material_id"], unique=False
        )

    op.create_table(
        "training_courses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("is_core", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_training_courses_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_courses")),
    )

    op.create_table(
        "training_course_materials",
        sa.Column("course_id", sa.String(length=36), nullable=False),
        sa.Column("material_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.id"],
            name=op.f("fk_training_course_materials_course_id_training_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["training_materials.id"],
            name=op.f("fk_training_course_materials_material_id_training_materials"),
        ),
        sa.PrimaryKeyConstraint(
            "course_id", "material_id", name=op.f("pk_training_course_materials")
        ),
    )
    with op.batch_alter_table("training_course_materials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_course_materials_material_id"), ["material_id"], unique=False
        )

    op.create_table(
        "training_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("course_id", sa.String(length=36), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("organiser_id", sa.String(length=36), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.id"],
            name=op.f("fk_training_sessions_course_id_training_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_training_sessions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organisations.id"],
            name=op.f("fk_training_sessions_organiser_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_sessions_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "training_attendance",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_training_attendance_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_training_attendance_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_attendance_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attendance")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_training_attendance_session_id")
        ),
    )
    with op.batch_alter_table("training_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_attendance_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_attendance_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("training_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_attendance_user_id"))
        batch_op.drop_index(batch_op.f("ix_training_attendance_session_id"))
    op.drop_table("training_attendance")
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_sessions_course_id"))
    op.drop_table("training_sessions")
    with op.batch_alter_table("training_course_materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_course_materials_material_id"))
    op.drop_table("training_course_materials")
    op.drop_table("training_courses")
    with op.batch_alter_table("training_material_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_material_versions_material_id"))
    op.drop_table("training_material_versions")
    op.drop_table("training_materials")
    op.drop_table("training_files")
    with op.batch_alter_table("plan_measure_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_measure_updates_measure_id"))
    op.drop_table("plan_measure_updates")
    with op.batch_alter_table("plan_measure_organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_measure_organisations_organisation_id"))
    op.drop_table("plan_measure_organisations")
    with op.batch_alter_table("plan_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_measures_objective_id"))
    op.drop_table("plan_measures")
    op.drop_table("plan_objectives")
