"""Race workers for the gate's tests: scan a share of tickets from a thread (sharing the test's
app, as a gunicorn gthread worker's threads do) or from a "spawn" process (building its own),
meeting the other gates at a barrier before every round."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import uuid


def scan_rounds(
    app_config: dict,
    gate: str,
    payloads: list[str],
    barrier,
    results,
    direction="in",
    client_ids: list[str] | None = None,
) -> None:
    """The process entry point: builds the test's app on the same database, then scans."""
    from checkin import create_app
    from checkin.extensions import db

    app = create_app(app_config)
    try:
        scan_rounds_in(app, gate, payloads, barrier, results, direction, client_ids)
    finally:
        with app.app_context():
            db.engine.dispose()


def scan_rounds_in(
    app, gate: str, payloads: list[str], barrier, results, direction="in", client_ids: list[str] | None = None
) -> None:
    """One scan per payload, every round started together with the other gates (barrier).
    With client_ids, round i sends that id (a phone resending a scan still in flight)."""
    from checkin import admission
    from checkin.database import utcnow
    from checkin.extensions import db

    keyring = app.extensions["checkin_keyring"]
    answers = []
    try:
        with app.app_context():
            for i, text in enumerate(payloads):
                barrier.wait(timeout=60)
                result = admission.scan(
                    text,
                    keyring=keyring,
                    staff=None,
                    gate=gate,
                    direction=direction,
                    client_scan_id=client_ids[i] if client_ids else uuid.uuid4().hex,
                    scanned_at=None,
                    show_slug="gate",
                    now=utcnow(),
                )
                answers.append((gate, result.result, result.response, result.scan_id))
            db.session.remove()
    finally:
        results.put(answers)


def race(
    app, app_config, kind: str, shares: dict[str, list[str]], direction="in", client_ids=None
) -> list[tuple]:
    """Runs one worker per gate (thread or process); returns every (gate, result, response, scan id)."""
    if kind == "threads":
        barrier, results = threading.Barrier(len(shares)), queue.Queue()
        workers = [
            threading.Thread(
                target=scan_rounds_in, args=(app, gate, texts, barrier, results, direction, client_ids)
            )
            for gate, texts in shares.items()
        ]
    else:
        ctx = multiprocessing.get_context("spawn")
        barrier, results = ctx.Barrier(len(shares)), ctx.Queue()
        workers = [
            ctx.Process(
                target=scan_rounds, args=(app_config, gate, texts, barrier, results, direction, client_ids)
            )
            for gate, texts in shares.items()
        ]
    for worker in workers:
        worker.start()
    answers = []
    for _ in workers:
        answers.extend(results.get(timeout=240))
    for worker in workers:
        worker.join(timeout=60)
    if kind == "processes":
        assert all(w.exitcode == 0 for w in workers)
    return answers
