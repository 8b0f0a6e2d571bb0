"""The bench's stats part (tests/bench/stats_at_scale.py, seed.bulk_evening, compare.py): the
direct counts it checks the endpoint against, the seeding's counters, and the report's lines."""

from __future__ import annotations

from types import SimpleNamespace

from tests.bench import compare, seed, stats_at_scale
from tests.support.organiser import admit

TICKETS = [("issued", True, True, 7), ("issued", False, False, 3), ("waitlisted", False, False, 2)]
SCANS = [
    ("A", "admitted", 4),
    ("A", "already_inside", 2),
    ("B", "admitted", 3),
    ("B", "exited", 1),
    ("B", "reentered", 1),
    ("B", "conflict", 1),
    ("B", "undone", 1),
]


def _answer(counted: dict) -> dict:
    """The endpoint's answer that agrees with `counted`."""
    return {
        **{name: counted[name] for name in stats_at_scale.TICKET_NUMBERS},
        "gates": {label: dict(gate) for label, gate in counted["gates"].items()},
        "arrivals": [{"at": "x", "count": counted["admitted_scans"] - 1}, {"at": "y", "count": 1}],
        "no_show_share": round(counted["not_admitted_issued"] / counted["issued"], 4),
    }


def _counted() -> dict:
    counted = stats_at_scale.tally(TICKETS, SCANS)
    counted.update(ticket_quota=20, venue_capacity=15, issued_counter=10, inside_counter=7)
    return counted


def test_tally_counts_as_the_test_helper_does():
    counted = _counted()
    assert (counted["issued"], counted["waitlisted"], counted["cancelled"]) == (10, 2, 0)
    assert (counted["admitted"], counted["inside"], counted["not_admitted_issued"]) == (7, 7, 3)
    assert counted["admitted_scans"] == 7
    assert counted["gates"]["A"] == {
        "admitted": 4,
        "reentered": 0,
        "exited": 0,
        "refused": 2,
        "conflicts": 0,
        "scans": 6,
        "refusals": {"already_inside": 2},
    }
    gate_b = counted["gates"]["B"]
    assert (gate_b["refused"], gate_b["conflicts"], gate_b["scans"], gate_b["refusals"]) == (0, 1, 7, {})


def test_mismatches_name_every_number_that_differs():
    counted = _counted()
    answer = _answer(counted)
    assert stats_at_scale.mismatches(answer, counted) == []
    answer["issued"] = 11
    answer["gates"]["A"]["refusals"] = {}
    answer["gates"]["Cổng Z"] = {**dict.fromkeys(stats_at_scale.GATE_NUMBERS, 0), "refusals": {}}
    answer["gates"]["Cổng Y"] = {**dict.fromkeys(stats_at_scale.GATE_NUMBERS, 0), "scans": 1, "refusals": {}}
    answer["arrivals"] = []
    problems = stats_at_scale.mismatches(answer, dict(counted, inside_counter=8))
    assert problems == [
        "issued 11 ≠ 10 counted",
        "the show's inside_counter 8 ≠ 7 rows",
        "gate A refusals {} ≠ {'already_inside': 2} counted",
        "gate Cổng Y scans 1 ≠ 0 counted",
        "arrivals 0 ≠ 7 admitted scans",
    ]


def test_percentile_and_verdict():
    times = [float(n) for n in range(1, 201)]
    assert stats_at_scale.percentile(times, 0.5) == 100
    assert stats_at_scale.percentile(times, 0.99) == 198
    assert stats_at_scale.verdict(19.9) == "met"
    assert stats_at_scale.verdict(20.0) == "MISSED"
    assert stats_at_scale.verdict(None) == "n/a"


def test_report_lines():
    row = dict(backend="postgresql", stats_tickets=1_000_000, stats_scans=2_000_000, p50=5.4, p99=14.2, n=300)
    assert compare.stats_line(row) == (
        "- postgresql: stats at 1,000,000 tickets / 2,000,000 scans: p50 5.4 ms, p99 14.2 ms "
        "(300 calls), goal < 20 ms: met; every number = a direct count"
    )
    floor = compare.stats_line(dict(row, baseline={"p50": 0.7, "p99": 3.7}))
    assert (
        "(300 calls; the bare endpoint on the same server just before: p50 0.7 ms, p99 3.7 ms), goal" in floor
    )
    small = compare.stats_line(
        dict(row, stats_tickets=1000, p99=25.0, stats_problems=["issued 1 ≠ 2 counted"])
    )
    assert "goal < 20 ms: MISSED (at 1,000 tickets, below the goal's 1,000,000: a quick look)" in small
    assert small.endswith("DIFFERS from direct counts: issued 1 ≠ 2 counted")
    assert compare.page_goal("qr_png", {"sqlite": 0.31, "postgresql": 0.29}) == (
        "≥ 0.30 (sqlite: met; postgresql: MISSED)"
    )
    assert compare.page_goal("festival_page", {"sqlite": 0.1}) == "none (÷ bare reported)"
    bench = SimpleNamespace(rows=[], args=SimpleNamespace(clients=[50]))
    assert not any("Stats" in line for line in compare.issue20(bench))


def test_bulk_evening_counts_match_direct_counts_and_the_triggers_count_again(app, now):
    from checkin.extensions import db
    from checkin.staff import add_staff, issue_token

    with app.app_context():
        seed.create_shows(now)
        # The first load finds no tickets: the triggers are off, the backfill counts; the second
        # (another show) finds some: the triggers count as it goes.
        assert seed.bulk_evening(seed.STATS_SHOW, 50, now, tag="s", chunk=20) == 100
        assert seed.bulk_evening(seed.GATE_SHOW, 10, now, tag="g") == 20
        # The same evening in two steps, as the other benches seed theirs.
        tickets = seed.bulk_tickets(seed.REGISTRATION_SHOW, 10, now, tag="r")
        assert len({ticket_id for ticket_id, _ in tickets}) == 10
        assert seed.bulk_gate_history(seed.REGISTRATION_SHOW, tickets, now) == 20
        add_staff("boss", "organiser", now=now)
        token = issue_token("boss", now=now)
        db.session.remove()
    client = app.test_client()

    def problems(slug):
        answer = client.get(f"/api/v1/shows/{slug}/stats", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        return stats_at_scale.mismatches(answer.json, stats_at_scale.direct_counts(app, slug))

    assert problems(seed.STATS_SHOW) == []
    assert problems(seed.GATE_SHOW) == []
    assert problems(seed.REGISTRATION_SHOW) == []
    counted = stats_at_scale.direct_counts(app)
    assert (counted["issued"], counted["admitted"], counted["inside"]) == (50, 40, 40)
    assert sum(gate["scans"] for gate in counted["gates"].values()) == 100
    # After the load the triggers count again: a ticket not yet admitted, let in at the gate.
    with app.app_context():
        from sqlalchemy import select

        from checkin.models import Show, Ticket

        code = db.session.scalar(
            select(Ticket.code)
            .join(Show, Show.id == Ticket.show_id)
            .where(Show.slug == seed.STATS_SHOW, Ticket.admitted_at.is_(None))
            .limit(1)
        )
        db.session.remove()
    assert admit(app, code, seed.GATE_LABELS[0], now).result == "admitted"
    assert problems(seed.STATS_SHOW) == []
    assert stats_at_scale.direct_counts(app)["admitted"] == 41
