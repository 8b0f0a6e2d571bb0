"""offline gate: ticket change times for the phones' sync, offline scans and their conflicts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 04:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shows") as batch:
        batch.add_column(
            sa.Column("offline_names", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE tickets SET updated_at = COALESCE(cancelled_at, issued_at, created_at)")
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)
    op.create_index("ix_tickets_show_updated", "tickets", ["show_id", "updated_at"])
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("offline", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        batch.add_column(sa.Column("conflict_with_scan_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_scans_conflict_with_scan_id", "scans", ["conflict_with_scan_id"], ["id"])


def downgrade():
    with op.batch_alter_table("scans") as batch:
        batch.drop_constraint("fk_scans_conflict_with_scan_id", type_="foreignkey")
        batch.drop_column("conflict_with_scan_id")
        batch.drop_column("offline")
    op.drop_index("ix_tickets_show_updated", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("updated_at")
    with op.batch_alter_table("shows") as batch:
        batch.drop_column("offline_names")
