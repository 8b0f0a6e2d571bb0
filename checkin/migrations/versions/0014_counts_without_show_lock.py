"""issue 20: show_counts without its foreign key to shows. The key's check on a counter row's
first insert takes FOR KEY SHARE on the show's row from inside the ticket's trigger: a waitlisted
ticket's cancellation (ticket row, then the show's) then deadlocked against a promotion (the
show's row, then the first in line's ticket) on PostgreSQL. Shows are never deleted by the app;
the counters are only ever written by the triggers, from rows whose own keys are checked.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 04:50:00
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_COLUMNS = (
    "show_id INTEGER NOT NULL{fk}, name VARCHAR(80) NOT NULL, shard INTEGER NOT NULL, n INTEGER NOT NULL"
)


def _rebuild_on_sqlite(foreign_key: bool) -> None:
    """SQLite changes a table's constraints by copying it; the counting triggers name the table,
    so they are kept aside meanwhile and created again as they were."""
    bind = op.get_bind()
    triggers = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%show_counts%'"
    ).all()
    for name, _ in triggers:
        op.execute(f"DROP TRIGGER {name}")
    fk = " REFERENCES shows (id) ON DELETE CASCADE" if foreign_key else ""
    op.execute(
        f"CREATE TABLE show_counts_copy ({_COLUMNS.format(fk=fk)}, PRIMARY KEY (show_id, name, shard))"
    )
    op.execute(
        "INSERT INTO show_counts_copy (show_id, name, shard, n) SELECT show_id, name, shard, n FROM show_counts"
    )
    op.execute("DROP TABLE show_counts")
    op.execute("ALTER TABLE show_counts_copy RENAME TO show_counts")
    for _, sql in triggers:
        op.execute(sql)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("show_counts_show_id_fkey", "show_counts", type_="foreignkey")
    else:
        _rebuild_on_sqlite(foreign_key=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key(
            "show_counts_show_id_fkey", "show_counts", "shows", ["show_id"], ["id"], ondelete="CASCADE"
        )
    else:
        _rebuild_on_sqlite(foreign_key=True)
