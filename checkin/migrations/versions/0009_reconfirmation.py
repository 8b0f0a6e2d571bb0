"""reconfirmation and standby: a show's day-before round of "are you still coming?" and each holder's answer; the standby line and its passes; messages to holders

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 22:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reconfirmations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("show_id", sa.Integer(), sa.ForeignKey("shows.id"), nullable=False, unique=True),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("remind_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("promoted", sa.Integer(), server_default="0", nullable=False),
    )
    op.create_table(
        "reconfirmation_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reconfirmation_id", sa.Integer(), sa.ForeignKey("reconfirmations.id"), nullable=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False, unique=True),
        sa.Column("answer", sa.String(10), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "answer IN ('coming', 'declined', 'released', 'void')", name="reconfirmation_answer"
        ),
    )
    op.create_index(
        "ix_reconfirmation_answers_round", "reconfirmation_answers", ["reconfirmation_id", "answer"]
    )
    op.create_table(
        "standby_lines",
        sa.Column("show_id", sa.Integer(), sa.ForeignKey("shows.id"), primary_key=True),
        sa.Column("last_number", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_up_to", sa.Integer(), server_default="0", nullable=False),
        sa.Column("admission_starts_at", sa.DateTime(), nullable=True),
        sa.Column("start_below_expected", sa.Integer(), nullable=True),
        sa.Column("kept_places", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("called_up_to >= 0 AND called_up_to <= last_number", name="called_within_issued"),
        sa.CheckConstraint("kept_places >= 0", name="kept_places_not_negative"),
    )
    op.create_table(
        "standby_passes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("show_id", sa.Integer(), sa.ForeignKey("shows.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(12), nullable=False, unique=True),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("admitted_at", sa.DateTime(), nullable=True),
        sa.Column("admitted_gate", sa.String(40), nullable=True),
        sa.Column("inside", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.UniqueConstraint("show_id", "number", name="uq_standby_number"),
        sa.UniqueConstraint("show_id", "phone", name="uq_standby_phone"),
    )

    op.create_table(
        "holder_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("show_id", sa.Integer(), sa.ForeignKey("shows.id"), nullable=False),
        sa.Column("audience", sa.String(12), nullable=False),
        sa.Column("subject_vi", sa.String(200), nullable=False),
        sa.Column("subject_en", sa.String(200), nullable=False),
        sa.Column("body_vi", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("request_key", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("queued_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "holder_message_recipients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("holder_messages.id"), nullable=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=False, unique=True),
        sa.UniqueConstraint("message_id", "ticket_id", name="uq_message_recipient"),
    )


def downgrade():
    op.drop_table("holder_message_recipients")
    op.drop_table("holder_messages")
    op.drop_table("standby_passes")
    op.drop_table("standby_lines")
    op.drop_index("ix_reconfirmation_answers_round", "reconfirmation_answers")
    op.drop_table("reconfirmation_answers")
    op.drop_table("reconfirmations")
