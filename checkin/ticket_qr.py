"""A ticket's QR images, drawn at most once per ticket and payload, and kept in the database.

Drawing a QR code costs tens of ms of CPU (qrcode's choice of mask), and every registrant's
next request in a surge is the ticket page. The mail worker draws the images before the first
message with the ticket's link goes out (store()), so the page and the image endpoints only
read them; a view that finds none (no worker running yet, a rotated key) draws them once and
stores them for the next. Kept in the database, not in a process's memory: every app server
shares them, and a restart loses nothing.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from . import tickets
from .models import TicketQr

_READ = select(TicketQr.etag, TicketQr.svg, TicketQr.png).where(TicketQr.ticket_id == bindparam("ticket_id"))


def _upsert(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(TicketQr)
    return statement.on_conflict_do_update(
        index_elements=[TicketQr.ticket_id],
        set_={"etag": statement.excluded.etag, "svg": statement.excluded.svg, "png": statement.excluded.png},
    )


_UPSERT = {name: _upsert(name) for name in ("postgresql", "sqlite")}


def stored(connection, ticket_id: int, payload: str) -> tickets.QrImages | None:
    """The images kept for this ticket's current payload, or None."""
    row = connection.execute(_READ, {"ticket_id": ticket_id}).one_or_none()
    if row is None or row.etag != tickets.payload_etag(payload):
        return None
    return tickets.QrImages(svg=row.svg, png=row.png)


def store(connection, ticket_id: int, payload: str) -> tickets.QrImages:
    """The images of the payload, drawn and kept (replacing another payload's) on the caller's
    connection, inside its transaction, unless they are kept already."""
    images = stored(connection, ticket_id, payload)
    if images is None:
        images = tickets.draw(payload)
        _keep(connection, ticket_id, payload, images)
    return images


def _keep(connection, ticket_id: int, payload: str, images: tickets.QrImages) -> None:
    connection.execute(
        _UPSERT[connection.dialect.name],
        {"ticket_id": ticket_id, "etag": tickets.payload_etag(payload), "svg": images.svg, "png": images.png},
    )


def images(session, ticket_id: int, payload: str) -> tickets.QrImages:
    """For a view: the kept images, or drawn once and kept by a transaction of its own whose
    first statement is the write (two views racing to draw a ticket write the same images)."""
    found = stored(session.connection(), ticket_id, payload)
    if found is not None:
        return found
    drawn = tickets.draw(payload)
    with session.get_bind().begin() as connection:
        _keep(connection, ticket_id, payload, drawn)
    return drawn
