"""reconfirmation: a show's day-before round of "are you still coming?" and each holder's answer

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
        sa.CheckConstraint("answer IN ('coming', 'declined', 'released', 'void')", name="reconfirmation_answer"),
    )
    op.create_index("ix_reconfirmation_answers_round", "reconfirmation_answers", ["reconfirmation_id", "answer"])


def downgrade():
    op.drop_index("ix_reconfirmation_answers_round", "reconfirmation_answers")
    op.drop_table("reconfirmation_answers")
    op.drop_table("reconfirmations")
