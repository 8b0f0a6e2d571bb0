"""Workers for the registration races: importable, so that "spawn" processes can run them.

Every racer builds its own app on the test's database, waits until all racers are ready, then
registers through the JSON API (the same domain function as the form).
"""

from __future__ import annotations

import threading


def register_via_api(client, slug: str, values: dict) -> tuple[int, str]:
    """(HTTP status, "pending" or the error code)."""
    response = client.post(f"/api/v1/shows/{slug}/registrations", json=values)
    body = response.get_json(silent=True) or {}
    if response.status_code == 202:
        return response.status_code, body["status"]
    return response.status_code, body.get("error", {}).get("code", "?")


def release_together(
    work, count: int, *, start: threading.Event | None = None, ready=None, unfinished=None
) -> list:
    """Runs work(i) for i in range(count), each in a thread of its own, all released at the same
    moment: by `start` once every thread is waiting, or by `ready()` when given (a process
    racer's signal to its parent). A thread that never finishes reports `unfinished`."""
    start = start or threading.Event()
    results: list = [None] * count
    arrived = threading.Barrier(count + 1)

    def run(i: int) -> None:
        arrived.wait(timeout=120)
        start.wait(timeout=120)
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    arrived.wait(timeout=120)
    if ready is not None:
        ready()
    else:
        start.set()
    for thread in threads:
        thread.join(timeout=180)
    return [r if r is not None else unfinished for r in results]


def in_app(app, work):
    """work(i) inside an app context of its own, the thread's session removed after it (for
    release_together)."""

    def run(i: int):
        from checkin.extensions import db

        with app.app_context():
            try:
                return work(i)
            finally:
                db.session.remove()

    return run


def race_threads(
    app, slug: str, people: list[dict], *, start: threading.Event | None = None, ready=None
) -> list[tuple[int, str]]:
    """Registers each person from a thread of its own, all released at the same moment."""

    def register(i: int) -> tuple[int, str]:
        try:
            return register_via_api(app.test_client(), slug, people[i])
        except Exception as error:  # noqa: BLE001 - reported as a result, asserted by the test
            return (0, f"{type(error).__name__}: {error}")

    return release_together(
        register, len(people), start=start, ready=ready, unfinished=(0, "thread did not finish")
    )


def process_racer(app_config: dict, slug: str, people: list, ready, go, results, race=None) -> None:
    """One process of racers: its own app and connection pool, its threads released by `go`
    (a multiprocessing Event) once every process has said `ready`. `race` runs the threads
    (default: race_threads, registrations); it must be a module-level function for spawn."""
    from checkin import create_app
    from checkin.extensions import db

    app = create_app(app_config)
    start = threading.Event()

    def released() -> None:
        ready.release()
        go.wait(timeout=180)
        start.set()

    try:
        results.put((race or race_threads)(app, slug, people, start=start, ready=released))
    finally:
        with app.app_context():
            db.engine.dispose()


def register_with_a_python_check(app, slug: str, values: dict, read_done: threading.Barrier) -> str:
    """The control: what registration would be if the seat were checked in Python and then
    written (read the counter, compare, write counter+1 and the ticket). `read_done` holds every
    racer between its read and its write, the interleaving that a busy server produces by
    chance. Used only to show that the race test can catch an oversell."""
    from sqlalchemy import select, update

    from checkin import tickets
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.models import Show, Ticket
    from checkin.personal_data import PRIVACY_NOTICE_VERSION, validate_registrant

    now = utcnow()
    registrant = validate_registrant(values, now)
    with app.app_context():
        session = db.session
        try:
            show = session.scalar(select(Show).where(Show.slug == slug))
            seats_left = show.ticket_quota - show.issued_count
            read_done.wait(timeout=60)
            if seats_left <= 0:
                session.rollback()
                return "full"
            session.execute(update(Show).where(Show.id == show.id).values(issued_count=show.issued_count + 1))
            session.add(
                Ticket(
                    show_id=show.id,
                    code=tickets.new_code(),
                    token=tickets.new_token(),
                    status="issued",
                    name=registrant.name,
                    email=registrant.email,
                    phone=registrant.phone,
                    birth_year=registrant.birth_year,
                    locale="vi",
                    consent_version=PRIVACY_NOTICE_VERSION,
                    consent_at=now,
                    created_at=now,
                    issued_at=now,
                )
            )
            session.commit()
            return "issued"
        except Exception as error:  # noqa: BLE001 - the control reports what broke
            session.rollback()
            return type(error).__name__
        finally:
            db.session.remove()
