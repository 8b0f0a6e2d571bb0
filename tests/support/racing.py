"""Workers for the registration races: importable, so that "spawn" processes can run them.

Every racer builds its own app on the test's database, waits until all racers are ready, then
registers through the JSON API (the same domain function as the form).
"""
from __future__ import annotations

import threading


def register_via_api(client, slug: str, values: dict) -> tuple[int, str]:
    """(HTTP status, "issued" or the error code)."""
    response = client.post(f"/api/v1/shows/{slug}/registrations", json=values)
    body = response.get_json(silent=True) or {}
    if response.status_code == 201:
        return response.status_code, body["status"]
    return response.status_code, body.get("error", {}).get("code", "?")


def race_threads(app, slug: str, people: list[dict], *, start: threading.Event | None = None,
                 ready=None) -> list[tuple[int, str]]:
    """Registers each person from a thread of its own, all released at the same moment."""
    start = start or threading.Event()
    results: list[tuple[int, str] | None] = [None] * len(people)
    arrived = threading.Barrier(len(people) + 1)

    def run(i: int) -> None:
        client = app.test_client()
        arrived.wait(timeout=120)
        start.wait(timeout=120)
        try:
            results[i] = register_via_api(client, slug, people[i])
        except Exception as error:  # noqa: BLE001 - reported as a result, asserted by the test
            results[i] = (0, f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    arrived.wait(timeout=120)
    if ready is not None:
        ready()
    else:
        start.set()
    for thread in threads:
        thread.join(timeout=180)
    return [r if r is not None else (0, "thread did not finish") for r in results]


def process_racer(app_config: dict, slug: str, people: list[dict], ready, go, results) -> None:
    """One process of racers: its own app and connection pool, its threads released by `go`
    (a multiprocessing Event) once every process has said `ready`."""
    from checkin import create_app
    from checkin.extensions import db

    app = create_app(app_config)
    start = threading.Event()

    def released() -> None:
        ready.release()
        go.wait(timeout=180)
        start.set()

    try:
        results.put(race_threads(app, slug, people, start=start, ready=released))
    finally:
        with app.app_context():
            db.engine.dispose()
