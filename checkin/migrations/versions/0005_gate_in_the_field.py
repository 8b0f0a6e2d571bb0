"""gate in the field: scoped scan ids, offline history replayed in device-time order, a
volunteer's chosen gate

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-29 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("request_digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("local_result", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("in_history", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    # The moves recorded so far are the tickets' histories (undone ones are left out when read).
    op.execute("UPDATE scans SET in_history = true WHERE result IN ('admitted', 'reentered', 'exited')")
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("gate_show_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("gate_label", sa.String(length=40), nullable=True))
        batch.create_foreign_key(
            "fk_staff_gate_show_id", "shows", ["gate_show_id"], ["id"], ondelete="SET NULL"
        )
    op.create_index("ix_scans_show_method", "scans", ["show_id", "method", "staff_id"])
    op.create_index("ix_audit_action_object", "audit_log", ["action", "object_id", "actor_id"])


def downgrade():
    op.drop_index("ix_audit_action_object", table_name="audit_log")
    op.drop_index("ix_scans_show_method", table_name="scans")
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint("fk_staff_gate_show_id", type_="foreignkey")
        batch.drop_column("gate_label")
        batch.drop_column("gate_show_id")
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("in_history")
        batch.drop_column("local_result")
        batch.drop_column("request_digest")
