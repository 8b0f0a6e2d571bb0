"""The dashboard's numbers (checkin/stats.py and GET /api/v1/shows/<slug>/stats) against direct
counts of the database, including while registrations and scans stream in."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from tests.support.factories import make_show, person
from tests.support.organiser import add_account, admit, direct_counts, open_doors


def _register(app, slug, i, now, waitlist=False):
    from checkin.registration import register

    with app.app_context():
        return register(slug, person(i), now=now, join_waitlist=waitlist)


def _api_stats(app, token, slug="live"):
    response = app.test_client().get(
        f"/api/v1/shows/{slug}/stats", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _token(app, now, name="stats-org"):
    from checkin.staff import issue_token

    add_account(app, name, "organiser", now)
    with app.app_context():
        return issue_token(name, now=now)


def _assert_matches_database(app, stats, slug="live"):
    from checkin.extensions import db

    with app.app_context():
        counted = direct_counts(db.session, slug)
    for name in ("ticket_quota", "venue_capacity", "issued", "waitlisted", "cancelled", "admitted", "inside"):
        assert stats[name] == counted[name], name
    # The counters the domain keeps agree with the rows too.
    assert counted["issued"] == counted["issued_counter"]
    assert counted["inside"] == counted["inside_counter"]
    for label, gate in counted["gates"].items():
        assert stats["gates"][label]["admitted"] == gate["admitted"], label
        assert stats["gates"][label]["refused"] == gate["refused"], label
        assert stats["gates"][label]["conflicts"] == gate["conflicts"], label
    assert sum(gate["admitted"] for gate in stats["gates"].values()) == counted["admitted_scans"]
    assert sum(bucket["count"] for bucket in stats["arrivals"]) == counted["admitted_scans"]
    if counted["issued"] and stats["no_show_share"] is not None:
        assert stats["no_show_share"] == round(counted["not_admitted_issued"] / counted["issued"], 4)
    return counted


def test_every_number_matches_a_direct_count(app, now):
    from checkin.attendees import cancel

    make_show(app, "live", quota=6, capacity=3, waitlist_cutoff_minutes=0)
    codes = [_register(app, "live", i, now).code for i in range(6)]
    waiting = [_register(app, "live", 10 + i, now, waitlist=True) for i in range(2)]
    assert all(w.status == "waitlisted" for w in waiting)
    token = _token(app, now)
    before = _api_stats(app, token)
    assert before["no_show_share"] is None  # doors not open yet
    assert before["issued"] == 6 and before["waitlisted"] == 2

    with app.app_context():
        cancel(codes[5], now=now, actor=None)  # the first in line gets the seat
    open_doors(app, "live", now)
    assert admit(app, codes[0], "Cổng A", now).result == "admitted"
    assert admit(app, codes[1], "Cổng A", now).result == "admitted"
    assert admit(app, codes[2], "Cổng B", now).result == "admitted"
    assert admit(app, codes[3], "Cổng B", now).result == "venue_full"
    assert admit(app, codes[0], "Cổng B", now).result == "already_inside"
    assert admit(app, codes[5], "Cổng A", now).result == "cancelled"
    assert admit(app, codes[1], "Cổng A", now, direction="out").result == "exited"
    assert admit(app, codes[3], "Cổng B", now).result == "admitted"

    stats = _api_stats(app, token)
    counted = _assert_matches_database(app, stats)
    assert (stats["issued"], stats["waitlisted"], stats["cancelled"]) == (6, 1, 1)
    assert (stats["admitted"], stats["inside"]) == (4, 3)
    assert stats["gates"]["Cổng A"]["admitted"] == 2 and stats["gates"]["Cổng A"]["refused"] == 1
    assert stats["gates"]["Cổng B"]["admitted"] == 2 and stats["gates"]["Cổng B"]["refused"] == 2
    assert stats["gates"]["Cổng A"]["exited"] == 1
    assert stats["no_show_share"] == round(2 / 6, 4) == round(counted["not_admitted_issued"] / 6, 4)
    assert stats["capacity_level"] == "full"


def test_arrivals_are_counted_per_five_minutes_of_scan_time(app, now):
    from checkin.extensions import db
    from checkin.stats import arrivals

    base = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    make_show(
        app,
        "live",
        quota=20,
        capacity=20,
        doors_open_at=base - timedelta(hours=1),
        starts_at=base,
        ends_at=base + timedelta(hours=6),
    )
    codes = [_register(app, "live", i, now).code for i in range(7)]
    minutes = [0, 1, 4, 5, 9, 17, 17]  # buckets :00 (3), :05 (2), :10 (0), :15 (2)
    for code, minute in zip(codes, minutes, strict=False):
        assert admit(app, code, "Cổng A", base + timedelta(minutes=minute, seconds=30)).result == "admitted"
    with app.app_context():
        buckets = arrivals(
            db.session,
            db.session.scalar(
                db.select(db.metadata.tables["shows"].c.id).where(
                    db.metadata.tables["shows"].c.slug == "live"
                )
            ),
        )
    assert buckets == [
        (base, 3),
        (base + timedelta(minutes=5), 2),
        (base + timedelta(minutes=10), 0),
        (base + timedelta(minutes=15), 2),
    ]
    stats = _api_stats(app, _token(app, now))
    assert [b["count"] for b in stats["arrivals"]] == [3, 2, 0, 2]
    assert stats["arrivals"][0]["at"].startswith((base + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M"))
    assert stats["arrivals"][0]["at"].endswith("+07:00")


def test_gauge_level(app, now):
    from checkin.stats import ShowStats

    def level(inside, capacity):
        return ShowStats(
            "x", 0, 0, 0, 0, capacity, inside, inside, None, datetime(2026, 1, 1), {}, []
        ).capacity_level

    assert level(0, 100) == "ok"
    assert level(89, 100) == "ok"
    assert level(90, 100) == "near"
    assert level(100, 100) == "full"
    assert level(0, 0) == "full"


def test_configured_gates_show_with_zero_counts(app, now):
    from checkin.shows import add_gate

    make_show(app, "live")
    with app.app_context():
        add_gate("live", "Cổng Z", now=now)
    stats = _api_stats(app, _token(app, now))
    assert stats["gates"] == {
        "Cổng Z": {
            "admitted": 0,
            "reentered": 0,
            "exited": 0,
            "refused": 0,
            "conflicts": 0,
            "scans": 0,
            "refusals": {},
        }
    }
    assert stats["conflicts"] == 0


@pytest.mark.slow
def test_numbers_stay_consistent_while_registrations_and_scans_stream_in(app, now):
    """Writers register and admit through the domain in threads while the API is polled; each
    poll is internally consistent, and after the writers stop, every number is exact."""
    import queue

    from checkin.errors import DomainError
    from checkin.registration import register

    make_show(
        app,
        "live",
        quota=60,
        capacity=40,
        doors_open_at=now - timedelta(hours=1),
        starts_at=now,
        ends_at=now + timedelta(hours=3),
        waitlist_cutoff_minutes=0,
        registration_closes_at=now + timedelta(hours=2),
    )
    token = _token(app, now)
    issued: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    errors: list[BaseException] = []
    gates = ["Cổng A", "Cổng B", "Cổng C"]

    def registrar(offset):
        try:
            for i in range(offset, offset + 40):
                with app.app_context():
                    try:
                        result = register("live", person(i), now=now, join_waitlist=True)
                    except DomainError:
                        continue
                if result.status == "issued":
                    issued.put(result.code)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    def scanner(n):
        try:
            while not stop.is_set() or not issued.empty():
                try:
                    code = issued.get(timeout=0.05)
                except queue.Empty:
                    continue
                admit(app, code, gates[n % 3], now)
                admit(app, code, gates[(n + 1) % 3], now)  # a second gate: refused, already inside
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    writers = [threading.Thread(target=registrar, args=(k * 1000,)) for k in range(2)]
    scanners = [threading.Thread(target=scanner, args=(k,)) for k in range(2)]
    for thread in writers + scanners:
        thread.start()
    polls = 0
    while any(t.is_alive() for t in writers) and polls < 500:
        stats = _api_stats(app, token)
        polls += 1
        assert stats["issued"] <= stats["ticket_quota"]
        assert stats["inside"] <= stats["venue_capacity"]
        assert stats["inside"] <= stats["admitted"] <= stats["issued"]
    for thread in writers:
        thread.join(timeout=120)
    stop.set()
    for thread in scanners:
        thread.join(timeout=120)
    assert not errors, errors
    assert polls > 0
    final = _api_stats(app, token)
    counted = _assert_matches_database(app, final)
    assert final["issued"] == 60  # 80 asked; the waitlist is closed once doors are open
    assert final["inside"] == 40 == counted["inside"]
    assert sum(gate["refused"] for gate in final["gates"].values()) >= 60


def test_a_poll_reads_counters_not_the_crowd(app, now):
    """Issue 20: the numbers come from counters kept by the writes (show_counts, the show's
    row), so a poll costs the same at a thousand tickets and at a million; no statement of a
    poll reads the show's tickets or scans (the by-hand admissions, a few, apart)."""
    from sqlalchemy import event, select

    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.models import Show
    from checkin.stats import show_stats

    make_show(app, "live", quota=4, capacity=4)
    codes = [_register(app, "live", i, now).code for i in range(3)]
    open_doors(app, "live", now)
    assert admit(app, codes[0], "Cổng A", now).result == "admitted"
    assert admit(app, codes[0], "Cổng B", now).result == "already_inside"
    statements: list[str] = []
    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "live"))

        def capture(conn, cursor, statement, *args):
            statements.append(" ".join(statement.split()).lower())

        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            stats = show_stats(db.session, show, utcnow())
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        db.session.remove()
    assert stats.admitted == 1 and stats.gates["Cổng B"].refused == 1
    crowd = [s for s in statements if "from tickets" in s or ("from scans" in s and "method" not in s)]
    assert crowd == []
