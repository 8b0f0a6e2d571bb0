"""Helpers for the organiser console's tests: accounts, signing in, admissions, direct counts."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import count

from sqlalchemy import func, select

_scan_ids = count(1)


def add_account(app, name: str, role: str, now) -> str:
    """Creates an account; returns its password."""
    from checkin.staff import add_staff

    with app.app_context():
        _, password = add_staff(name, role, now=now, password=f"pw-{name}-secret")
    return password


def sign_in(client, name: str, password: str) -> None:
    from tests.support.web import login

    response = login(client, name, password)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def organiser_client(app, now, name="org"):
    client = app.test_client()
    sign_in(client, name, add_account(app, name, "organiser", now))
    return client


def form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def open_doors(app, slug: str, now) -> None:
    """Moves a test show's doors to an hour ago, so the gate admits."""
    from checkin.database import transaction
    from checkin.models import Show

    with app.app_context(), transaction() as session:
        show = session.scalar(select(Show).where(Show.slug == slug))
        show.doors_open_at = now - timedelta(hours=1)
        show.starts_at = now - timedelta(minutes=30)
        show.ends_at = now + timedelta(hours=3)
        show.registration_closes_at = now + timedelta(hours=2)


def admit(app, code: str, gate: str, now, direction="in", staff=None):
    """A volunteer's scan by hand, through the admission domain."""
    from checkin.admission import admit_ticket
    from checkin.extensions import db
    from checkin.models import Show, Ticket

    with app.app_context():
        show = db.session.scalar(
            select(Show.slug).join(Ticket, Ticket.show_id == Show.id).where(Ticket.code == code)
        )
        return admit_ticket(
            code,
            staff=staff,
            gate=gate,
            direction=direction,
            show_slug=show,
            client_scan_id=f"test-{next(_scan_ids)}-{code}-{direction}",
            now=now,
        )


def direct_counts(session, slug: str) -> dict:
    """The dashboard's numbers counted the plain way, row by row in Python."""
    from checkin.models import Scan, Show, Ticket

    show = session.scalar(select(Show).where(Show.slug == slug))
    tickets = session.scalars(select(Ticket).where(Ticket.show_id == show.id)).all()
    scans = session.scalars(select(Scan).where(Scan.show_id == show.id)).all()
    gates: dict[str, dict] = {}
    for scan in scans:
        if scan.undone_by_scan_id is not None:
            continue
        gate = gates.setdefault(scan.gate, {"admitted": 0, "refused": 0, "conflicts": 0})
        if scan.result == "admitted":
            gate["admitted"] += 1
        elif scan.result == "conflict":
            gate["conflicts"] += 1
        elif scan.result not in ("reentered", "exited", "undone"):
            gate["refused"] += 1
    issued = [t for t in tickets if t.status == "issued"]
    return {
        "ticket_quota": show.ticket_quota,
        "venue_capacity": show.venue_capacity,
        "issued": len(issued),
        "waitlisted": sum(t.status == "waitlisted" for t in tickets),
        "cancelled": sum(t.status == "cancelled" for t in tickets),
        "admitted": sum(t.admitted_at is not None for t in tickets),
        "inside": sum(bool(t.inside) for t in tickets),
        "issued_counter": show.issued_count,
        "inside_counter": show.inside_count,
        "admitted_scans": sum(s.result == "admitted" and s.undone_by_scan_id is None for s in scans),
        "gates": gates,
        "not_admitted_issued": sum(t.admitted_at is None for t in issued),
    }


def scan_count(session) -> int:
    from checkin.models import Scan

    return session.scalar(select(func.count()).select_from(Scan))
