"""school groups: a teacher's group holding places of a show, its roster and each pupil's
guardian consent (issue 19)

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-29 22:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

REMINDER = sa.text("kind = 'reminder'")


def upgrade():
    op.create_table(
        "group_settings",
        sa.Column("show_id", sa.Integer(), sa.ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("max_group_size", sa.Integer(), nullable=False),
        sa.Column("approval_required", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("roster_deadline", sa.DateTime(), nullable=True),
        sa.CheckConstraint("max_group_size > 0", name="group_size_positive"),
    )
    op.create_table(
        "school_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("show_id", sa.Integer(), sa.ForeignKey("shows.id"), nullable=False),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("pass_code", sa.String(12), nullable=False, unique=True),
        sa.Column("school", sa.String(200), nullable=False),
        sa.Column("class_name", sa.String(40), nullable=False),
        sa.Column("teacher_name", sa.String(100), nullable=False),
        sa.Column("teacher_email", sa.String(254), nullable=False),
        sa.Column("teacher_phone", sa.String(20), nullable=False),
        sa.Column("pupils", sa.Integer(), nullable=False),
        sa.Column("adults", sa.Integer(), nullable=False),
        sa.Column("held_places", sa.Integer(), server_default="0", nullable=False),
        sa.Column("notice_version", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("erased_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('requested', 'held', 'cancelled')", name="group_state"),
        sa.CheckConstraint("pupils >= 0 AND adults >= 1", name="group_counts"),
        sa.CheckConstraint("held_places >= 0", name="group_held_not_negative"),
    )
    op.create_index("ix_school_groups_show", "school_groups", ["show_id", "school", "class_name"])
    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "group_id", sa.Integer(), sa.ForeignKey("school_groups.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(6), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("consent_token", sa.String(64), nullable=True, unique=True),
        sa.Column("consent_way", sa.String(6), nullable=True),
        sa.Column("consent_at", sa.DateTime(), nullable=True),
        sa.Column("consent_notice_version", sa.String(20), nullable=True),
        sa.Column("consent_by", sa.String(100), nullable=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=True, unique=True),
        sa.CheckConstraint("kind IN ('pupil', 'adult')", name="member_kind"),
        sa.CheckConstraint("consent_way IS NULL OR consent_way IN ('online', 'paper')", name="consent_way"),
        sa.CheckConstraint(
            "(consent_way IS NULL) = (consent_at IS NULL) AND (consent_way IS NULL) = "
            "(consent_notice_version IS NULL)",
            name="consent_complete",
        ),
    )
    op.create_index("ix_group_members_group", "group_members", ["group_id", "kind", "position"])
    op.create_table(
        "group_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "group_id", sa.Integer(), sa.ForeignKey("school_groups.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.CheckConstraint("kind IN ('links', 'reminder')", name="group_message_kind"),
    )
    op.create_index("ix_group_outbox_due", "group_outbox", ["sent_at", "next_attempt_at"])
    op.create_index(
        "uq_group_reminder",
        "group_outbox",
        ["group_id"],
        unique=True,
        sqlite_where=REMINDER,
        postgresql_where=REMINDER,
    )


def downgrade():
    op.drop_index("uq_group_reminder", table_name="group_outbox")
    op.drop_index("ix_group_outbox_due", table_name="group_outbox")
    op.drop_table("group_outbox")
    op.drop_index("ix_group_members_group", table_name="group_members")
    op.drop_table("group_members")
    op.drop_index("ix_school_groups_show", table_name="school_groups")
    op.drop_table("school_groups")
    op.drop_table("group_settings")
