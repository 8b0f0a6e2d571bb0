"""privacy: registration holds confirmed by e-mail, erasure, retention per show, /find queued,
and the audit log made append-only by triggers

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-29 21:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UNCONFIRMED = sa.text("confirmed_at IS NULL")

SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       WHEN NOT EXISTS (SELECT 1 FROM audit_unlock)
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
)
POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM audit_unlock) THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'audit_log is append-only';
       END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
)


def upgrade():
    with op.batch_alter_table("shows") as batch:
        batch.add_column(sa.Column("retention_days", sa.Integer(), server_default="90", nullable=False))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("hold_expires_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
    # Tickets from before holds existed were given out at once: they count as confirmed.
    op.execute("UPDATE tickets SET confirmed_at = created_at")
    op.create_index(
        "ix_tickets_unconfirmed",
        "tickets",
        ["show_id", "hold_expires_at"],
        sqlite_where=UNCONFIRMED,
        postgresql_where=UNCONFIRMED,
    )
    op.create_index("ix_outbox_ticket", "outbox", ["ticket_id"])
    op.create_table(
        "lookup_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table("audit_unlock", sa.Column("id", sa.Integer(), primary_key=True))
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    else:
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("audit_unlock")
    op.drop_table("lookup_requests")
    op.drop_index("ix_outbox_ticket", table_name="outbox")
    op.drop_index("ix_tickets_unconfirmed", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("hold_expires_at")
        batch.drop_column("confirmed_at")
    with op.batch_alter_table("shows") as batch:
        batch.drop_column("retention_days")
