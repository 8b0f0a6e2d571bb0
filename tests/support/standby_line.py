"""Helpers for the standby line's tests."""

from __future__ import annotations

import uuid


def join_many(app, slug, count, *, start=0, now=None) -> list:
    from checkin import standby
    from checkin.database import utcnow

    now = now or utcnow()
    with app.app_context():
        return [
            standby.join(slug, {"name": f"Trần Thị {i}", "phone": f"0987{i:06d}"}, now=now)
            for i in range(start, start + count)
        ]


def gate_scan(app, code, *, slug, direction="in", now=None, staff=None):
    """A standby pass's QR scanned at a gate of `slug`: the answer's result."""
    from checkin import admission, standby_gate
    from checkin.database import utcnow

    with app.app_context():
        keyring = app.extensions["checkin_keyring"]
        return admission.scan(
            standby_gate.sign_pass(code, keyring),
            keyring=keyring,
            staff=staff,
            gate="A",
            direction=direction,
            client_scan_id=uuid.uuid4().hex,
            scanned_at=None,
            show_slug=slug,
            now=now or utcnow(),
        )
