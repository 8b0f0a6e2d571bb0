"""A ticket's QR images, drawn at most once per ticket and payload, and kept in the database;
and the one statement each that the ticket page and the image endpoints read them with.

Drawing a QR code costs tens of ms of CPU (qrcode's choice of mask), and every registrant's
next request in a surge is the ticket page. The mail worker draws the images before the first
message with the ticket's link goes out (store()), so the page and the image endpoints only
read them; a view that finds none (no worker running yet, a rotated key) draws them once and
stores them for the next. Kept in the database, not in a process's memory: every app server
shares them, and a restart loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.rows import namedtuple_row
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from . import tickets, waitlist
from .errors import NotFound
from .models import Show, Ticket, TicketQr
from .signing import Keyring

_READ = select(TicketQr.etag, TicketQr.svg, TicketQr.png).where(TicketQr.ticket_id == bindparam("ticket_id"))


def _upsert(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(TicketQr)
    return statement.on_conflict_do_update(
        index_elements=[TicketQr.ticket_id],
        set_={"etag": statement.excluded.etag, "svg": statement.excluded.svg, "png": statement.excluded.png},
    )


_UPSERT = {name: _upsert(name) for name in ("postgresql", "sqlite")}


def etag(payload: str) -> str:
    """The kept images' validator: the signing key's id, then the payload's hash. The key's id
    says the images are the current key's without signing the code again (Ed25519 signatures are
    deterministic: one key and one code, one payload); a rotated key has another id."""
    return f"{payload.split(':', 2)[1]}:{tickets.payload_etag(payload)[:26]}"


def _of_payload(kept_etag: str, payload: str) -> bool:
    # Images kept before the etag named its key have the payload's hash alone.
    return kept_etag in (etag(payload), tickets.payload_etag(payload))


def _is_current(kept_etag: str | None, code: str, keyring: Keyring) -> bool:
    """Whether images kept under this etag are of the payload the keyring signs for the code."""
    if kept_etag is None:
        return False
    kid, named, _ = kept_etag.partition(":")
    if named:
        return kid == keyring.current.kid
    return _of_payload(kept_etag, tickets.sign_payload(code, keyring))


def stored(connection, ticket_id: int, payload: str) -> tickets.QrImages | None:
    """The images kept for this ticket's current payload, or None."""
    row = connection.execute(_READ, {"ticket_id": ticket_id}).one_or_none()
    if row is None or not _of_payload(row.etag, payload):
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
        {"ticket_id": ticket_id, "etag": etag(payload), "svg": images.svg, "png": images.png},
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


def _row(session: Session, statement, token: str) -> Any:
    if not tickets.could_be_link_token(token):
        raise NotFound()
    bind = session.get_bind()
    if bind.dialect.driver == "psycopg" and not session.in_transaction():
        row = _autocommit_row(bind, statement, {"token": token})
    else:
        row = session.connection().execute(statement, {"token": token}).one_or_none()
    if row is None:
        raise NotFound()
    return row


# On PostgreSQL the read is one statement outside any transaction, straight to the driver:
# BEGIN and ROLLBACK would be two more round trips, and SQLAlchemy's execution machinery cost
# more CPU than the driver's whole query (issue 20). The statement is compiled once; psycopg
# prepares it on each connection after a few runs. Errors reach the app as SQLAlchemy's, as
# from any other query (an unreachable database is a 503, web/errors.py). SQLite's
# transactions are the app's own (checkin/database.py) and cost no round trip.
_COMPILED: dict[Any, str] = {}


def _autocommit_row(engine, statement, params: dict) -> Any:
    sql = _COMPILED.get(statement)
    if sql is None:
        sql = _COMPILED[statement] = str(statement.compile(dialect=engine.dialect))
    connection = engine.raw_connection()
    try:
        driver = connection.driver_connection
        driver.autocommit = True
        try:
            return driver.cursor(row_factory=namedtuple_row).execute(sql, params).fetchone()
        finally:
            driver.autocommit = False
    except engine.dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            sql, params, error, engine.dialect.loaded_dbapi.Error, hide_parameters=engine.hide_parameters
        ) from error
    finally:
        connection.close()


# The ticket page's one statement: the ticket, its show and its kept QR drawing.
_PAGE_TICKET = (
    Ticket.id,
    Ticket.show_id,
    Ticket.code,
    Ticket.token,
    Ticket.status,
    Ticket.name,
    Ticket.email,
    Ticket.confirmed_at,
    Ticket.hold_expires_at,
    Ticket.admitted_at,
)
# What the page shows of the show (templates/public/ticket.html and what it includes).
_SHOW_COLUMNS = (
    Show.id,
    Show.slug,
    Show.title_vi,
    Show.title_en,
    Show.venue,
    Show.starts_at,
    Show.doors_open_at,
    Show.ends_at,
)
_SHOW_KEYS = tuple(column.key for column in _SHOW_COLUMNS)
_SHOW_SLICE = slice(len(_PAGE_TICKET), len(_PAGE_TICKET) + len(_SHOW_COLUMNS))
_PAGE = (
    select(
        *_PAGE_TICKET,
        *(column.label(f"show__{column.key}") for column in _SHOW_COLUMNS),
        TicketQr.etag.label("qr_etag"),
        TicketQr.svg.label("qr_svg"),
    )
    .join(Show, Show.id == Ticket.show_id)
    .outerjoin(TicketQr, TicketQr.ticket_id == Ticket.id)
    .where(Ticket.token == bindparam("token"))
)
# The few shows' objects for the page, by their values: a page only reads them, and building
# one costs more than the rest of the read. Another value (an edited show) is another object.
_SHOWS: dict[tuple, Show] = {}
_SHOWS_KEPT = 64


def _show(values: tuple) -> Show:
    show = _SHOWS.get(values)
    if show is None:
        if len(_SHOWS) >= _SHOWS_KEPT:
            _SHOWS.clear()
        show = _SHOWS[values] = Show(**dict(zip(_SHOW_KEYS, values, strict=True)))
    return show


@dataclass(frozen=True)
class TicketPage:
    """What the ticket page shows. `ticket` has the columns of _PAGE_TICKET by name."""

    ticket: Any
    show: Show
    show_values: tuple  # what the page shows of the show, as read
    svg: str | None
    position: int | None

    @property
    def awaiting_confirmation(self) -> bool:
        """A hold whose e-mail's link has not been opened yet."""
        ticket = self.ticket
        return (
            ticket.confirmed_at is None
            and ticket.hold_expires_at is not None
            and ticket.status != "cancelled"
        )


def ticket_page(session: Session, token: str, keyring: Keyring) -> TicketPage:
    """The ticket behind a link with its show, its QR drawing (an issued ticket's) and its
    place in line (a waiting one's); NotFound for any other string."""
    row = _row(session, _PAGE, token)
    svg = position = None
    if row.status == "issued":
        svg = row.qr_svg
        if not _is_current(row.qr_etag, row.code, keyring):
            svg = images(session, row.id, tickets.sign_payload(row.code, keyring)).svg
    elif row.status == "waitlisted":
        position = waitlist.position(session, Ticket(id=row.id, show_id=row.show_id, status=row.status))
    show_values = tuple(row[_SHOW_SLICE])
    return TicketPage(row, _show(show_values), show_values, svg, position)


# The image endpoints' one statement each: the ticket and its kept image.
_IMAGE = {
    kind: select(Ticket.id, Ticket.code, Ticket.status, TicketQr.etag, getattr(TicketQr, kind).label("image"))
    .outerjoin(TicketQr, TicketQr.ticket_id == Ticket.id)
    .where(Ticket.token == bindparam("token"))
    for kind in ("svg", "png")
}


@dataclass(frozen=True)
class TicketImage:
    ticket_id: int
    code: str
    kind: str  # "svg" or "png"
    etag: str  # the current payload's: the image's validator
    kept: Any  # the kept image (str or bytes) if it is of the current payload, else None
    payload: str | None  # signed only when nothing current is kept


def ticket_image(session: Session, token: str, kind: str, keyring: Keyring) -> TicketImage:
    """An issued ticket's QR image ("svg" or "png") as far as one statement tells: a view
    answers a browser holding it already from its etag, and asks image_data() for it only
    otherwise. NotFound for any other ticket or string."""
    row = _row(session, _IMAGE[kind], token)
    if row.status != "issued":
        raise NotFound()
    if _is_current(row.etag, row.code, keyring):
        return TicketImage(row.id, row.code, kind, row.etag, row.image, None)
    payload = tickets.sign_payload(row.code, keyring)
    return TicketImage(row.id, row.code, kind, etag(payload), None, payload)


def image_data(session: Session, found: TicketImage) -> Any:
    """The image: kept, or drawn once and kept."""
    if found.payload is None:
        return found.kept
    return getattr(images(session, found.ticket_id, found.payload), found.kind)
