"""issue 20: each ticket's QR images kept once drawn; the dashboard's counts kept by triggers
in rows split into shards (show_counts), so that a poll reads a few hundred rows whatever the
crowd; places inside held by shards of a show's admissions (show_places)

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


# A row's counts go to the shard of its own id: writers of different tickets and scans mostly
# touch different rows, and a poll sums at most SHARDS rows a number.
SHARDS = 16
_ADMITTED = "CASE WHEN {r}.status = 'issued' THEN 'admitted_issued' ELSE 'admitted_other' END"
_BUCKET = {
    # Whole seconds since 1970 of the naive UTC time, in 5-minute buckets (stats.BUCKET_SECONDS).
    "sqlite": "CAST(strftime('%s', {r}.scanned_at) AS INTEGER) / 300",
    "postgresql": "CAST(floor(extract(epoch FROM {r}.scanned_at) / 300) AS BIGINT)",
}


def _ticket_deltas(r: str, sign: int) -> list[str]:
    """A ticket row's counts: its status when not issued (issued is the show's own counter),
    and whether it was admitted, by status."""
    return [
        f"SELECT {r}.show_id AS show_id, {r}.status AS name, {r}.id % {SHARDS} AS shard, {sign} AS n "
        f"WHERE {r}.status IN ('waitlisted', 'cancelled')",
        f"SELECT {r}.show_id, {_ADMITTED.format(r=r)}, {r}.id % {SHARDS}, {sign} WHERE {r}.admitted_at IS NOT NULL",
    ]


def _scan_deltas(r: str, sign: int, dialect: str) -> list[str]:
    """A scan row that is not undone counts for its gate and result ('g:<result>:<gate>'), and
    a first entry for its 5-minute bucket of device time ('a:<bucket>')."""
    live = f"{r}.undone_by_scan_id IS NULL AND {r}.show_id IS NOT NULL"
    return [
        f"SELECT {r}.show_id AS show_id, 'g:' || {r}.result || ':' || {r}.gate AS name, "
        f"{r}.id % {SHARDS} AS shard, {sign} AS n WHERE {live}",
        f"SELECT {r}.show_id, 'a:' || CAST({_BUCKET[dialect].format(r=r)} AS VARCHAR(20)), "
        f"{r}.id % {SHARDS}, {sign} WHERE {live} AND {r}.result = 'admitted'",
    ]


def _apply(deltas: list[str]) -> str:
    return (
        "INSERT INTO show_counts (show_id, name, shard, n) SELECT show_id, name, shard, sum(n) FROM ("
        + " UNION ALL ".join(deltas)
        + ") AS deltas GROUP BY show_id, name, shard HAVING sum(n) <> 0 "
        "ON CONFLICT (show_id, name, shard) DO UPDATE SET n = show_counts.n + excluded.n"
    )


_TICKET_CHANGE = "OLD.status {ne} NEW.status OR (OLD.admitted_at IS NULL) <> (NEW.admitted_at IS NULL) OR OLD.show_id {ne} NEW.show_id"
_SCAN_CHANGE = (
    "OLD.result {ne} NEW.result OR OLD.gate {ne} NEW.gate OR OLD.show_id {ne} NEW.show_id "
    "OR OLD.scanned_at {ne} NEW.scanned_at OR (OLD.undone_by_scan_id IS NULL) <> (NEW.undone_by_scan_id IS NULL)"
)


def _triggers_sqlite() -> list[str]:
    statements = []
    for table, deltas, change in (
        ("tickets", lambda r, s: _ticket_deltas(r, s), _TICKET_CHANGE),
        ("scans", lambda r, s: _scan_deltas(r, s, "sqlite"), _SCAN_CHANGE),
    ):
        statements += [
            f"CREATE TRIGGER {table}_counted_insert AFTER INSERT ON {table} BEGIN "
            f"{_apply(deltas('NEW', 1))}; END",
            f"CREATE TRIGGER {table}_counted_delete AFTER DELETE ON {table} BEGIN "
            f"{_apply(deltas('OLD', -1))}; END",
            f"CREATE TRIGGER {table}_counted_update AFTER UPDATE ON {table} "
            f"WHEN {change.format(ne='IS NOT')} BEGIN "
            f"{_apply(deltas('OLD', -1) + deltas('NEW', 1))}; END",
        ]
    return statements


def _triggers_postgresql() -> list[str]:
    """Statement-level triggers over the transition tables: one upsert per statement and
    counter, however many rows it wrote (a row-level upsert per row of a bulk write updates the
    same counter rows thousands of times in one transaction, each slower than the last)."""
    statements = []
    for table, deltas in (
        ("tickets", lambda r, s: _ticket_deltas(r, s)),
        ("scans", lambda r, s: _scan_deltas(r, s, "postgresql")),
    ):

        def over(rows: str, alias: str, sign: int, deltas=deltas) -> list[str]:
            return [d.replace("WHERE", f"FROM {rows} AS {alias} WHERE", 1) for d in deltas(alias, sign)]

        statements += [
            f"""CREATE FUNCTION {table}_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_apply(over("new_rows", "n", 1))};
    ELSIF TG_OP = 'DELETE' THEN
        {_apply(over("old_rows", "o", -1))};
    ELSE
        {_apply(over("old_rows", "o", -1) + over("new_rows", "n", 1))};
    END IF;
    RETURN NULL;
END $$""",
            f"CREATE TRIGGER {table}_counted_insert AFTER INSERT ON {table} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_counted()",
            f"CREATE TRIGGER {table}_counted_delete AFTER DELETE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_counted()",
            f"CREATE TRIGGER {table}_counted_update AFTER UPDATE ON {table} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_counted()",
        ]
    return statements


def _backfill(dialect: str) -> list[str]:
    """The counts of the rows already there, as the triggers would have kept them."""
    tickets = [d.replace("WHERE", "FROM tickets AS t WHERE", 1) for d in _ticket_deltas("t", 1)]
    scans = [d.replace("WHERE", "FROM scans AS s WHERE", 1) for d in _scan_deltas("s", 1, dialect)]
    return [_apply(tickets), _apply(scans)]


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
    op.create_table(
        "show_counts",
        sa.Column("show_id", sa.Integer(), sa.ForeignKey("shows.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("show_id", "name", "shard"),
    )
    # Places of a show's capacity held by a shard of its admissions (checkin/places.py); the
    # show's inside_count column now counts the places taken, held ones included.
    op.create_table(
        "show_places",
        sa.Column("show_id", sa.Integer(), sa.ForeignKey("shows.id", ondelete="CASCADE"), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("free", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("show_id", "shard"),
        sa.CheckConstraint("free >= 0", name="places_held_not_negative"),
    )
    dialect = op.get_bind().dialect.name
    for statement in _backfill(dialect):
        op.execute(statement)
    for statement in _triggers_postgresql() if dialect == "postgresql" else _triggers_sqlite():
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in ("tickets", "scans"):
        for event in ("insert", "delete", "update"):
            op.execute(
                f"DROP TRIGGER {table}_counted_{event}" + (f" ON {table}" if dialect == "postgresql" else "")
            )
        if dialect == "postgresql":
            op.execute(f"DROP FUNCTION {table}_counted()")
    op.execute(
        "UPDATE shows SET inside_count = inside_count - "
        "(SELECT coalesce(sum(free), 0) FROM show_places WHERE show_places.show_id = shows.id)"
    )
    op.drop_table("show_places")
    op.drop_table("show_counts")
    op.drop_table("ticket_qr")
