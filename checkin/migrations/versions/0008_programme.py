"""programme: each show's programme text for the festival page, in Vietnamese and English

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-29 21:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
# Issue 17 names "0003"; this branch also holds issue 15's 0006 (also on 0003), and one
# branch can have only one head, so 0008 follows 0006 here. The coordinator chains the rest.
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shows") as batch:
        batch.add_column(sa.Column("programme_vi", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("programme_en", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("shows") as batch:
        batch.drop_column("programme_en")
        batch.drop_column("programme_vi")
