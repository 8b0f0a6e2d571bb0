"""Issue 15: personal data leaves on schedule and by command, and attendees hold their own data."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text, update

from checkin.database import transaction, utcnow
from checkin.extensions import db
from checkin.models import OutboxMessage, Show, Ticket
from tests.support.factories import make_show, person
from tests.support.organiser import admit, open_doors, organiser_client
from tests.support.registering import registered
from tests.support.web import csrf_token

ALICE = person(
    1,
    name="Trần Thị Bích",
    email="bich.tran@example.com",
    phone="0912 777 001",
    birth_year=2012,
    guardian_name="Trần Văn Cường",
    guardian_consent=True,
)
PII = ("Trần Thị Bích", "bich.tran@example.com", "+84912777001", "Trần Văn Cường", "2012")


def _everything(app) -> str:
    """Every value of every table, as text: where personal data could hide."""
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        dump = []
        for name in names:
            for row in db.session.execute(text(f'SELECT * FROM "{name}"')):
                dump.append(" ".join(str(value) for value in row))
        db.session.remove()
    return "\n".join(dump)


@pytest.fixture
def attended(app, client, now, tmp_path):
    """ALICE registered, confirmed, admitted by hand with her name in the reason, e-mailed."""
    app.config["OUTBOX_PATH"] = str(tmp_path / "outbox")
    make_show(app, "gala", quota=5, capacity=5)
    ticket = registered(client, "gala", ALICE)
    open_doors(app, "gala", now)
    admit(app, ticket["code"], "Cổng A", now)
    with app.app_context():
        from checkin.attendees import admit_by_hand
        from checkin.models import Staff

        organiser_client(app, now)
        boss = db.session.scalar(select(Staff).where(Staff.role == "organiser"))
        admit_by_hand(ticket["code"], gate="Cổng B", reason="giấy tờ của Trần Thị Bích", now=now, actor=boss)
        db.session.execute(update(OutboxMessage).values(last_error="550 bich.tran@example.com unknown"))
        db.session.commit()
    return ticket


def _end_show(app, days_ago: int, retention_days: int = 90):
    with app.app_context(), transaction() as session:
        session.execute(
            update(Show).values(ends_at=utcnow() - timedelta(days=days_ago), retention_days=retention_days)
        )


def test_a_purge_leaves_no_personal_data_anywhere(app, client, runner, attended, tmp_path):
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    assert any(
        "Trần Thị Bích" in p.read_text() or "bich.tran" in p.read_text()
        for p in (tmp_path / "outbox").glob("*.eml")
    )
    everything = _everything(app)
    assert all(value in everything for value in PII[:4])
    _end_show(app, days_ago=91)
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0 and "gala: 1 tickets" in dry.output and "dry run" in dry.output
    assert "Trần Thị Bích" in _everything(app)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "gala: 1 tickets" in result.output, result.output
    everything = _everything(app)
    for value in PII[:4]:
        assert value not in everything, value
    assert not list((tmp_path / "outbox").glob("*.eml"))
    with app.app_context():
        from checkin.attendees import TicketFilter
        from checkin.exports import attendee_rows

        export = str(list(attendee_rows(db.session, TicketFilter())))
    assert export.count("erased-") == 2 and not any(value in export for value in PII[:4])
    # Counts, scans' times and gates, and the audit trail stay.
    with app.app_context():
        show = db.session.scalar(select(Show))
        assert show.issued_count == 1
        gates = db.session.execute(text("SELECT gate, scanned_at FROM scans")).all()
        assert {gate for gate, _ in gates} == {"Cổng A", "Cổng B"} and all(at for _, at in gates)
        actions = db.session.execute(text("SELECT action FROM audit_log")).scalars().all()
        assert "ticket.admit_by_hand" in actions
    assert "nothing to erase" in runner.invoke(args=["purge"]).output


def test_nothing_is_erased_before_its_time(app, client, runner, attended):
    _end_show(app, days_ago=89)
    assert "nothing" in runner.invoke(args=["purge"]).output
    assert "Trần Thị Bích" in _everything(app)


def test_cancelled_tickets_go_after_seven_days_and_waitlist_places_when_the_show_ends(app, client, runner):
    make_show(app, "gala", quota=1)
    first = registered(client, "gala", person(1))
    waiting = registered(client, "gala", person(2, waitlist=True))
    assert waiting["status"] == "waitlisted"
    with app.app_context():
        from checkin.cancellation import cancel_ticket

        cancel_ticket(first["token"], now=utcnow() - timedelta(days=8))
    # The waitlisted place was promoted by that cancellation; put one back in line.
    third = registered(client, "gala", person(3, waitlist=True))
    assert "gala: 1 tickets" in runner.invoke(args=["purge", "--show", "gala"]).output
    _end_show(app, days_ago=1)
    assert "gala: 1 tickets" in runner.invoke(args=["purge", "--show", "gala"]).output
    with app.app_context():
        erased = dict(db.session.execute(select(Ticket.code, Ticket.erased_at)).all())
    assert erased[first["code"]] and erased[third["code"]] and not erased[waiting["code"]]


def test_the_attendee_sees_downloads_corrects_and_erases_their_data(app, client, runner, tmp_path):
    outbox = tmp_path / "outbox"
    app.config["OUTBOX_PATH"] = str(outbox)
    make_show(app, "gala", quota=1)
    ticket = registered(client, "gala", ALICE)
    assert runner.invoke(args=["mail", "send"]).exit_code == 0 and list(outbox.glob("*.eml"))
    token = ticket["token"]
    page = client.get(f"/t/{token}/data").get_data(as_text=True)
    for value in ("Trần Thị Bích", "bich.tran@example.com", "+84912777001", "2012", "Trần Văn Cường"):
        assert value in page
    download = client.get(f"/t/{token}/data.json")
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.data)
    assert data["personal"]["guardian_name"] == "Trần Văn Cường" and data["privacy_notice_version"]
    assert client.post(f"/t/{token}/data/name", data={"name": "Trần Bích"}).status_code == 400  # no CSRF
    form = csrf_token(client, f"/t/{token}/data")
    assert (
        client.post(f"/t/{token}/data/name", data={"name": "Trần Bích", "csrf_token": form}).status_code
        == 303
    )
    assert client.post(f"/t/{token}/data/name", data={"name": "", "csrf_token": form}).status_code == 422
    assert "Trần Bích" in client.get(f"/t/{token}").get_data(as_text=True)
    assert client.post(f"/t/{token}/data/erase", data={"csrf_token": form}).status_code == 422  # box unticked
    assert (
        client.post(f"/t/{token}/data/erase", data={"csrf_token": form, "understood": "y"}).status_code == 303
    )
    assert 'id="erased"' in client.get(f"/t/{token}/data").get_data(as_text=True)
    assert not list(outbox.glob("*.eml"))  # the copies of its e-mails in the demo's mail folder
    with app.app_context():
        assert db.session.scalar(select(Show.issued_count)) == 0  # the seat is free again
        entries = db.session.execute(text("SELECT action, object_id, before, after FROM audit_log")).all()
    assert [e.action for e in entries] == ["ticket.name_corrected_by_holder", "ticket.erased_by_holder"]
    assert "Trần" not in str(entries) and "bich" not in str(entries)
    assert "Trần" not in _everything(app)
    assert registered(client, "gala", ALICE)["status"] == "issued"  # the seat is hers to take again


def test_a_guardian_withdraws_consent_the_same_way(app, client):
    make_show(app, "gala", quota=2)
    child, adult = registered(client, "gala", ALICE), registered(client, "gala", person(5))
    form = csrf_token(client, f"/t/{child['token']}/data")
    response = client.post(
        f"/t/{child['token']}/data/withdraw-guardian-consent", data={"csrf_token": form, "understood": "y"}
    )
    assert response.status_code == 303
    refused = client.post(
        f"/t/{adult['token']}/data/withdraw-guardian-consent", data={"csrf_token": form, "understood": "y"}
    )
    assert refused.status_code == 404  # no guardian: nothing to withdraw
    with app.app_context():
        actions = db.session.execute(text("SELECT action FROM audit_log")).scalars().all()
        statuses = dict(db.session.execute(select(Ticket.code, Ticket.status)).all())
    assert actions == ["ticket.guardian_consent_withdrawn"]
    assert statuses == {child["code"]: "cancelled", adult["code"]: "issued"}


def test_the_mail_worker_erases_on_schedule_and_releases_lapsed_holds(app, client, runner, now):
    from checkin.registration import register

    make_show(app, "gala", quota=2)
    registered(client, "gala", person(1))
    with app.app_context():
        register("gala", person(2), now=now, hold=timedelta(seconds=-1))  # a hold never confirmed, lapsed
    _end_show(app, days_ago=91)
    assert runner.invoke(args=["mail", "send"]).exit_code == 0  # one pass of `mail worker`
    with app.app_context():
        rows = db.session.execute(select(Ticket.status, Ticket.erased_at).order_by(Ticket.id)).all()
        assert db.session.scalar(select(Show.issued_count)) == 1
    assert [status for status, _ in rows] == ["issued", "cancelled"] and all(erased for _, erased in rows)


def test_the_retention_is_a_show_setting(app, runner):
    make_show(app, "gala")
    result = runner.invoke(args=["show", "update", "gala", "--retention-days", "30"])
    assert result.exit_code == 0 and "personal data kept 30 days after" in result.output
    assert runner.invoke(args=["show", "update", "gala", "--retention-days", "-1"]).exit_code != 0


def test_standby_passes_lose_their_name_and_phone_when_the_show_ends(app, runner):
    from checkin.models import StandbyPass
    from checkin.standby import join

    make_show(app, "gala")
    with app.app_context():
        joined = join("gala", {"name": "Đỗ Văn Hùng", "phone": "0977 123 456"}, now=utcnow())
    assert "standby" not in runner.invoke(args=["purge", "--show", "gala"]).output  # not before the end
    _end_show(app, days_ago=0)
    assert "1 standby passes" in runner.invoke(args=["purge", "--show", "gala", "--dry-run"]).output
    assert "1 standby passes" in runner.invoke(args=["purge", "--show", "gala"]).output
    with app.app_context():
        kept = db.session.execute(
            select(StandbyPass.number, StandbyPass.name, StandbyPass.phone, StandbyPass.token)
        ).one()
    assert kept.number == joined.number and kept.name == "" and "0977123456" not in kept.phone + kept.token
    assert "Hùng" not in _everything(app) and "977123456" not in _everything(app)
