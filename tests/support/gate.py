"""Helpers for the gate's tests: a show whose doors are open, issued tickets, signed payloads."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from tests.support.factories import make_show, person


def open_show(app, slug="gate", *, quota=100, capacity=100, now=None, **fields):
    """A show whose doors opened an hour ago (registration still open, so tickets can be issued)."""
    from checkin.database import utcnow

    now = now or utcnow()
    values = dict(
        doors_open_at=now - timedelta(hours=1),
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=3),
    )
    values.update(fields)
    make_show(app, slug, quota=quota, capacity=capacity, now=now, **values)


def add_gates(app, slug, *labels):
    """Gates of a show, in the order given, as an organiser adds them."""
    from checkin.database import utcnow
    from checkin.shows import add_gate

    with app.app_context():
        for label in labels:
            add_gate(slug, label, now=utcnow())


def issue(app, slug, count, *, start=0, now=None) -> list[str]:
    """Registers `count` people; returns their ticket codes."""
    from checkin.database import utcnow
    from checkin.registration import register

    now = now or utcnow()
    with app.app_context():
        return [register(slug, person(start + i), now=now).code for i in range(count)]


def payload(app, code: str) -> str:
    from checkin import tickets

    with app.app_context():
        return tickets.sign_payload(code, app.extensions["checkin_keyring"])


VOLUNTEER_PASSWORD = "correct horse battery"


def add_volunteer(app, name="vol", role="volunteer", password=VOLUNTEER_PASSWORD) -> int:
    from checkin.database import utcnow
    from checkin.staff import add_staff

    with app.app_context():
        staff, _ = add_staff(name, role, now=utcnow(), password=password)
        return staff.id


def api_token(app, name: str) -> str:
    from checkin.database import utcnow
    from checkin.staff import issue_token

    with app.app_context():
        return issue_token(name, now=utcnow())


def scan_id() -> str:
    return uuid.uuid4().hex


def scan_qr(app, code: str, now, *, show: str = "gate", direction: str = "in", gate: str = "A"):
    """A QR scan of this ticket by no volunteer in particular, answered by the domain (the
    caller pushes the app context)."""
    from checkin import admission

    return admission.scan(
        payload(app, code),
        keyring=app.extensions["checkin_keyring"],
        staff=None,
        gate=gate,
        direction=direction,
        client_scan_id=scan_id(),
        scanned_at=None,
        show_slug=show,
        now=now,
    )


def sign_in_at_gate(
    page, name: str = "vol", password: str = VOLUNTEER_PASSWORD, gate: str | None = None
) -> None:
    """Signs in through the login page and picks the gate (`gate`, or the first one), unless the
    phone still knows its gate; ends on the scanner."""
    page.goto("/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/gate(/setup)?$"))
    if page.url.endswith("/setup"):
        page.click(f"button.gate-choice:text-is('{gate}')" if gate else "button.gate-choice")
        page.wait_for_url(re.compile(r"/gate$"))


def choose_gate(app, name: str, slug: str, gate: str) -> None:
    """The volunteer `name` works at `gate` of `slug` (adding the gate if the show lacks it):
    what the gate picker does, so that their lookups and gate list are for that show."""
    from sqlalchemy import select

    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.gate_lookup import choose_gate as choose
    from checkin.models import Gate, Show, Staff

    with app.app_context():
        exists = db.session.scalar(select(Gate.id).join(Show).where(Show.slug == slug, Gate.label == gate))
        db.session.rollback()
    if exists is None:
        add_gates(app, slug, gate)
    with app.app_context():
        staff_id = db.session.scalar(select(Staff.id).where(Staff.name == name))
        choose(staff_id, slug, gate, now=utcnow())


def scanner_config(html: str) -> dict:
    """The scanner page's configuration (#scanner-config), as static/js/scanner/main.js reads it."""
    import json

    match = re.search(r'<script type="application/json" id="scanner-config">(.*?)</script>', html, re.S)
    assert match, "no scanner configuration on the page"
    return json.loads(match.group(1))
