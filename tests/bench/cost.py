"""What one request costs the app alone: one thread, no HTTP server, no other request at the
same time (Flask's test client on a SQLite file of its own, synchronous=FULL as in production).

The loaded rows of `make bench` say how far each scenario is from the baseline; these figures
say where the difference goes, so that a missed goal names what holds it back. The scan is
split into its parts by timing the functions it calls.

    python -m tests.bench.cost [--requests N]     (prints JSON)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from tests.bench import seed
from tests.bench.load import CSRF_RE, GATES, registrant
from tests.bench.server import app_env

TICKETS = 6_000
WARM_UP = 100


@contextmanager
def timed_parts(totals: Counter, parts: dict[str, tuple[object, str]]):
    """Adds the nanoseconds spent in each module.function to totals[label] while inside."""
    originals = {}
    for label, (module, name) in parts.items():
        original = getattr(module, name)
        originals[label] = (module, name, original)

        def wrapper(*args, _original=original, _label=label, **kwargs):
            started = time.perf_counter_ns()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_label] += time.perf_counter_ns() - started

        setattr(module, name, wrapper)
    try:
        yield totals
    finally:
        for module, name, original in originals.values():
            setattr(module, name, original)


def per_request_us(operation, count: int, *, warm: bool = True) -> dict[str, float]:
    """Wall time and CPU time a request; the difference is waiting, mostly for the disk."""
    for i in range(WARM_UP if warm else 0):  # compiled statements, caches, the pool
        operation(i)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        operation(i)
    return {
        "wall": (time.perf_counter() - started) / count * 1e6,
        "cpu": (time.process_time() - cpu) / count * 1e6,
    }


def measure(requests: int) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="checkin-cost-"))
    env = app_env(instance, f"sqlite:///{instance}/checkin.db")

    from checkin import database, tickets
    from checkin.admission import reads, usecases
    from checkin.api import scans as scan_views
    from checkin.web import staff_session
    from tests.bench.run import gate_app

    app, token, payloads = gate_app(env, "cost-gate", TICKETS, "cost")
    client = app.test_client()
    register_path = f"/shows/{seed.REGISTRATION_SHOW}/register"
    fresh = iter(range(10**9))

    def health(_):
        assert client.get("/api/v1/health").status_code == 200

    def scan(_):
        body = {
            "payload": payloads[next(scans)],
            "show": seed.GATE_SHOW,
            "gate": GATES[0],
            "direction": "in",
            "client_scan_id": uuid.uuid4().hex,
        }
        answer = client.post("/api/v1/scans", json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.json["result"] == "admitted", answer.json

    def register_json(_):
        answer = client.post(
            f"/api/v1/shows/{seed.REGISTRATION_SHOW}/registrations", json=registrant(90, next(fresh))
        )
        assert answer.status_code == 202, answer.json

    form_pages: list[tuple[object, str]] = []

    def form_get(_):
        visitor = app.test_client()
        page = visitor.get(register_path)
        assert page.status_code == 200
        form_pages.append((visitor, CSRF_RE.search(page.get_data(as_text=True)).group(1)))

    def form_post(_):
        visitor, csrf_token = form_pages.pop()
        person = registrant(91, next(fresh))
        answer = visitor.post(
            register_path,
            data={
                "name": person["name"],
                "email": person["email"],
                "phone": person["phone"],
                "birth_year": str(person["birth_year"]),
                "consent": "y",
                "csrf_token": csrf_token,
            },
        )
        assert answer.status_code == 303, answer.status_code

    scans = iter(range(TICKETS))
    count = min(requests, TICKETS // 2 - WARM_UP)  # fresh tickets for this and for the split below
    costs = {
        "health": per_request_us(health, requests),
        "scan": per_request_us(scan, count),
        "register_json": per_request_us(register_json, requests),
    }
    costs["form_get"] = per_request_us(form_get, requests)
    costs["form_post"] = per_request_us(form_post, requests)
    # The scan again, split: only whole functions are timed, the rest is Flask and the view.
    parts = Counter()
    for i in range(WARM_UP):  # as before every measure, and outside the parts' timing
        scan(i)
    with timed_parts(
        parts,
        {
            "token lookup": (staff_session, "bearer_staff"),
            "signature": (tickets, "verify_payload"),
            "read before the write": (reads, "find"),
            # SQLite: database.read_then_write reads, then queues the write for group_write.
            "write transaction (lock, statements, commit)": (database, "group_write"),
            "statements inside it": (usecases, "in_transaction"),
            "answer (message, JSON)": (scan_views, "_answer"),
        },
    ):
        per_request_us(scan, count, warm=False)
    return {
        "requests": requests,
        "us": costs,
        "scan_parts_us": {label: total / count / 1000 for label, total in parts.items()},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args(argv)
    json.dump(measure(args.requests), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
