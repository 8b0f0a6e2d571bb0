"""issue 20: each ticket's QR images kept once drawn

Revision ID: 0013
Revises: 0010
Create Date: 2026-11-30 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_qr",
        sa.Column(
            "ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("svg", sa.Text(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
    )


def downgrade():
    op.drop_table("ticket_qr")
