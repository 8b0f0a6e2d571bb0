"""Race workers for the gate's tests: each builds the test's app (in a thread or in a
"spawn" process) and scans its share of tickets, meeting the others at a barrier first."""
from __future__ import annotations

import uuid


def scan_rounds(app_config: dict, gate: str, payloads: list[str], barrier, results, direction="in") -> None:
    """One scan per payload, every round started together with the other gates (barrier)."""
    from checkin import admission, create_app
    from checkin.database import utcnow
    from checkin.extensions import db

    app = create_app(app_config)
    keyring = app.extensions["checkin_keyring"]
    answers = []
    try:
        with app.app_context():
            for text in payloads:
                barrier.wait(timeout=60)
                result = admission.scan(text, keyring=keyring, staff=None, gate=gate, direction=direction,
                                        client_scan_id=uuid.uuid4().hex, scanned_at=None, show_slug=None,
                                        now=utcnow())
                answers.append((gate, result.result, result.response))
            db.session.remove()
            db.engine.dispose()
    finally:
        results.put(answers)
