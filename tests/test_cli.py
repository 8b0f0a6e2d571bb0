"""The organisers' command line (DESIGN.md §5): seed, show update, staff add, staff token."""

from __future__ import annotations

import re
from datetime import datetime

from flask import g, jsonify
from sqlalchemy import select

from tests.support.factories import make_show, person
from tests.support.web import login


def table(app, model, *columns):
    from checkin.extensions import db

    with app.app_context():
        rows = db.session.execute(select(*(getattr(model, c) for c in columns)).order_by(model.id)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def show_row(app, slug):
    from checkin.extensions import db
    from checkin.models import Show

    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == slug))
        db.session.expunge(show)
        db.session.remove()
    return show


def test_seed_creates_the_two_shows_with_gates_and_an_organiser(app, runner):
    from checkin.models import Gate, Show, Staff
    from checkin.shows import to_local

    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "created show minishow" in result.output and "created show gala" in result.output
    assert re.search(r"organiser account: organiser\s+password: \S{12,}", result.output)
    shows = table(app, Show, "slug", "ticket_quota", "venue_capacity", "doors_open_at")
    assert [s[0] for s in shows] == ["minishow", "gala"]
    minishow, gala = (to_local(s[3]) for s in shows)
    assert (minishow.month, minishow.day, gala.month, gala.day) == (11, 1, 11, 2)
    assert len(table(app, Gate, "id")) == 6
    assert table(app, Staff, "name", "role") == [("organiser", "organiser")]


def test_seed_twice_changes_nothing(app, runner):
    from checkin.models import Gate, Show, Staff

    runner.invoke(args=["seed"])
    before = [
        table(app, Show, *Show.__table__.columns.keys()),
        table(app, Gate, "id", "label", "show_id"),
        table(app, Staff, "id", "name", "password_hash"),
    ]
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0 and "shows already seeded" in second.output
    assert "organiser account:" not in second.output
    after = [
        table(app, Show, *Show.__table__.columns.keys()),
        table(app, Gate, "id", "label", "show_id"),
        table(app, Staff, "id", "name", "password_hash"),
    ]
    assert after == before


def test_show_update_changes_quota_capacity_and_times(app, runner):
    from checkin.shows import to_utc

    make_show(app, "demo", quota=10, capacity=10)
    result = runner.invoke(
        args=[
            "show",
            "update",
            "demo",
            "--ticket-quota",
            "20",
            "--venue-capacity",
            "15",
            "--doors-open",
            "2026-11-02T18:00",
            "--starts-at",
            "2026-11-02T19:00",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "demo: quota 20, issued 0, capacity 15" in result.output
    show = show_row(app, "demo")
    assert (show.ticket_quota, show.venue_capacity) == (20, 15)
    assert show.doors_open_at == to_utc(datetime(2026, 11, 2, 18, 0)) == datetime(2026, 11, 2, 11, 0)
    assert show.starts_at == datetime(2026, 11, 2, 12, 0)


def test_doors_open_now(app, runner, now):
    make_show(app, "demo")
    assert runner.invoke(args=["show", "update", "demo", "--doors-open", "now"]).exit_code == 0
    assert abs((show_row(app, "demo").doors_open_at - now).total_seconds()) < 60


def test_a_quota_below_the_issued_tickets_is_refused(app, runner, client):
    make_show(app, "demo", quota=5)
    for i in range(3):
        client.post("/api/v1/shows/demo/registrations", json=person(i))
    result = runner.invoke(args=["show", "update", "demo", "--ticket-quota", "2"])
    assert result.exit_code != 0 and "conflict" in result.output
    assert show_row(app, "demo").ticket_quota == 5
    assert runner.invoke(args=["show", "update", "demo", "--ticket-quota", "3"]).exit_code == 0


def test_show_update_sets_offline_names_through_the_audited_domain_function(app, runner):
    from checkin.models import AuditEntry

    make_show(app, "demo")
    assert show_row(app, "demo").offline_names is False
    result = runner.invoke(args=["show", "update", "demo", "--offline-names", "yes"])
    assert result.exit_code == 0, result.output
    assert "offline names yes" in result.output
    assert show_row(app, "demo").offline_names is True
    assert runner.invoke(args=["show", "update", "demo", "--ticket-quota", "12"]).exit_code == 0
    assert show_row(app, "demo").offline_names is True  # left alone when not asked
    assert runner.invoke(args=["show", "update", "demo", "--offline-names", "no"]).exit_code == 0
    assert show_row(app, "demo").offline_names is False
    assert table(app, AuditEntry, "action", "after") == [
        ("show.update", {"offline_names": True}),
        ("show.update", {"ticket_quota": 12}),
        ("show.update", {"offline_names": False}),
    ]
    assert runner.invoke(args=["show", "update", "demo", "--offline-names", "maybe"]).exit_code == 2


def test_bad_arguments_are_refused_clearly(app, runner):
    make_show(app, "demo")
    assert runner.invoke(args=["show", "update", "nope", "--ticket-quota", "3"]).exit_code != 0
    negative = runner.invoke(args=["show", "update", "demo", "--ticket-quota", "-1"])
    assert negative.exit_code == 2 and "-1" in negative.output
    bad_time = runner.invoke(args=["show", "update", "demo", "--doors-open", "tomorrow"])
    assert bad_time.exit_code == 2 and "ISO time" in bad_time.output
    assert runner.invoke(args=["show", "update", "demo", "--registration", "maybe"]).exit_code == 2


def test_staff_add_prints_a_password_that_signs_in(app, runner, client):
    result = runner.invoke(args=["staff", "add", "Lan", "--role", "volunteer"])
    assert result.exit_code == 0, result.output
    password = re.search(r"volunteer Lan\s+password: (\S+)", result.output).group(1)
    assert login(client, "Lan", "wrong").status_code == 401
    assert login(client, "Lan", password).status_code == 303
    assert runner.invoke(args=["staff", "add", "Lan"]).exit_code != 0  # the name is taken


def test_staff_token_works_as_a_bearer_token(app_config, runner):
    from checkin import create_app
    from checkin.extensions import db
    from checkin.web.staff_session import api_staff_required

    probe = create_app(app_config)

    @api_staff_required("organiser")
    def whoami():
        return jsonify({"name": g.staff.name, "role": g.staff.role})

    probe.add_url_rule("/api/v1/_whoami", view_func=whoami)
    probe_runner = probe.test_cli_runner()
    probe_runner.invoke(args=["staff", "add", "Minh", "--role", "organiser"])
    probe_runner.invoke(args=["staff", "add", "Vy", "--role", "volunteer"])
    token = probe_runner.invoke(args=["staff", "token", "Minh"]).output.strip()
    volunteer_token = probe_runner.invoke(args=["staff", "token", "Vy"]).output.strip()
    assert len(token) >= 40
    client = probe.test_client()
    ok = client.get("/api/v1/_whoami", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json == {"name": "Minh", "role": "organiser"}
    assert client.get("/api/v1/_whoami").status_code == 401
    assert client.get("/api/v1/_whoami", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert (
        client.get("/api/v1/_whoami", headers={"Authorization": f"Bearer {volunteer_token}"}).status_code
        == 403
    )
    assert probe_runner.invoke(args=["staff", "token", "nobody"]).exit_code != 0
    with probe.app_context():
        db.engine.dispose()
