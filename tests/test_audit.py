"""The audit log: an entry with before/after for each organiser action, written in the same
transaction as the change; the log page shows actions and scans; nothing updates or deletes it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.factories import make_show, person
from tests.support.organiser import add_account, admit, form_token, open_doors, organiser_client
from tests.support.registering import registered


def _entries(app, action=None):
    from checkin.extensions import db
    from checkin.models import AuditEntry

    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def test_each_action_is_recorded_with_before_and_after(app, client, now):
    from checkin.extensions import db
    from checkin.models import Gate, Staff
    from checkin.shows import to_local

    make_show(app, "demo", quota=2, capacity=5, waitlist_cutoff_minutes=0)
    org = organiser_client(app, now)
    assert _entries(app, "staff.add")[0].actor_id is None  # the fixture's account: made by no one
    token = form_token(org, "/organiser/staff")

    org.post("/organiser/staff", data={"name": "Lan", "role": "volunteer", "csrf_token": token})
    with app.app_context():
        lan = db.session.scalar(select(Staff.id).where(Staff.name == "Lan"))
        org_id = db.session.scalar(select(Staff.id).where(Staff.name == "org"))
    org.post(f"/organiser/staff/{lan}/password", data={"csrf_token": token})
    org.post("/organiser/shows/demo/gates", data={"label": "G1", "csrf_token": token})
    with app.app_context():
        gate_id = db.session.scalar(select(Gate.id).where(Gate.label == "G1"))
    org.post(f"/organiser/shows/demo/gates/{gate_id}/rename", data={"label": "G2", "csrf_token": token})
    org.post("/organiser/staff/pair", data={"staff_id": str(lan), "gate": "demo\nG2", "csrf_token": token})
    org.post(f"/organiser/shows/demo/gates/{gate_id}/remove", data={"csrf_token": token})
    org.post("/organiser/shows/demo/registration", data={"registration": "closed", "csrf_token": token})
    org.post("/organiser/shows/demo/registration", data={"registration": "open", "csrf_token": token})

    first = registered(client, "demo", person(1))["code"]
    second = registered(client, "demo", person(2))["code"]
    waiting = registered(client, "demo", person(3) | {"waitlist": True})["code"]
    org.post(f"/organiser/tickets/{first}/resend", data={"csrf_token": token})
    org.post(f"/organiser/tickets/{second}/move", data={"status": "waitlisted", "csrf_token": token})
    org.post(f"/organiser/tickets/{waiting}/cancel", data={"csrf_token": token})
    open_doors(app, "demo", now)
    org.post(
        f"/organiser/tickets/{first}/admit", data={"gate": "G2", "reason": "Mất vé", "csrf_token": token}
    )
    org.post(f"/organiser/staff/{lan}/deactivate", data={"csrf_token": token})

    by_action = {}
    for entry in _entries(app):
        by_action.setdefault(entry.action, []).append(entry)
    assert by_action["staff.add"][-1].after == {"name": "Lan", "role": "volunteer"}
    assert by_action["staff.add"][-1].actor_id == org_id
    assert by_action["staff.reset_password"][0].before == {"session_version": 1}
    assert by_action["staff.reset_password"][0].after == {"session_version": 2}
    assert by_action["gate.add"][0].after == {"gate": "G1"}
    assert (by_action["gate.rename"][0].before, by_action["gate.rename"][0].after) == (
        {"gate": "G1"},
        {"gate": "G2"},
    )
    assert by_action["gate.remove"][0].before == {"gate": "G2"}
    assert by_action["staff.pair"][0].after["gate"] == "G2"
    closed, opened = by_action["show.update"][:2]
    assert (closed.before, closed.after) == ({"registration_open": True}, {"registration_open": False})
    assert (opened.before, opened.after) == ({"registration_open": False}, {"registration_open": True})
    assert by_action["ticket.resend"][0].object_id == first
    move = by_action["ticket.move"][0]
    assert (move.object_id, move.before, move.after) == (
        second,
        {"status": "issued"},
        {"status": "waitlisted"},
    )
    cancel = by_action["ticket.cancel"][0]
    assert (cancel.object_id, cancel.before["status"], cancel.after["status"]) == (
        waiting,
        "waitlisted",
        "cancelled",
    )
    admitted = by_action["ticket.admit_by_hand"][0]
    assert admitted.after["reason"] == "Mất vé" and admitted.after["result"] == "admitted"
    deactivated = by_action["staff.deactivate"][0]
    assert deactivated.before["active"] is True and deactivated.after["active"] is False
    assert all(entry.actor_id == org_id for entry in _entries(app)[1:])
    assert to_local(deactivated.at).tzinfo is not None


def test_a_failed_change_leaves_no_entry(app, client, now):
    from checkin.errors import Conflict
    from checkin.shows import update_show

    make_show(app, "demo", quota=5)
    for i in range(3):
        client.post("/api/v1/shows/demo/registrations", json=person(i))
    with app.app_context(), pytest.raises(Conflict):
        update_show("demo", now=now, ticket_quota=2, venue_capacity=1)
    assert _entries(app, "show.update") == []
    with app.app_context():
        update_show("demo", now=now, ticket_quota=7)
    entry = _entries(app, "show.update")[0]
    assert (entry.before, entry.after) == ({"ticket_quota": 5}, {"ticket_quota": 7})


def test_an_organisers_cancellation_or_admission_and_its_entry_commit_together(app, client, now, monkeypatch):
    """A write of the entry that fails takes the change back with it: no cancelled ticket, no
    admission, no scan row without the organiser's record of why."""
    from checkin import attendees, audit
    from checkin.extensions import db
    from checkin.models import Scan, Staff, Ticket

    make_show(app, "demo", quota=5, capacity=5)
    cancelled, admitted = (registered(client, "demo", person(i))["code"] for i in (1, 2))
    open_doors(app, "demo", now)
    add_account(app, "Mai", "organiser", now)

    def no_log(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit, "record", no_log)
    monkeypatch.setattr(audit, "record_on", no_log)
    with app.app_context():
        mai = db.session.scalar(select(Staff).where(Staff.name == "Mai"))
        with pytest.raises(RuntimeError):
            attendees.cancel(cancelled, now=now, actor=mai)
        with pytest.raises(RuntimeError):
            attendees.admit_by_hand(admitted, gate="Cổng A", reason="Quên vé", now=now, actor=mai)
        db.session.rollback()
        tickets = dict(db.session.execute(select(Ticket.code, Ticket.status)).all())
        assert tickets == {cancelled: "issued", admitted: "issued"}
        assert db.session.scalar(select(Ticket.admitted_at).where(Ticket.code == admitted)) is None
        assert db.session.scalars(select(Scan)).all() == []
    assert _entries(app, "ticket.cancel") == [] and _entries(app, "ticket.admit_by_hand") == []

    monkeypatch.undo()
    with app.app_context():
        mai = db.session.scalar(select(Staff).where(Staff.name == "Mai"))
        attendees.cancel(cancelled, now=now, actor=mai)
        attendees.admit_by_hand(admitted, gate="Cổng A", reason="Quên vé", now=now, actor=mai)
        mai_id = mai.id
    [cancel] = _entries(app, "ticket.cancel")
    [admission] = _entries(app, "ticket.admit_by_hand")
    assert (cancel.object_id, cancel.after["status"]) == (cancelled, "cancelled")
    assert (admission.object_id, admission.after["result"], admission.actor_id) == (
        admitted,
        "admitted",
        mai_id,
    )


def test_the_log_page_shows_actions_and_scans_and_filters_them(app, client, now):
    make_show(app, "demo", quota=5, capacity=5)
    code = registered(client, "demo", person(1))["code"]
    add_account(app, "Hoa", "volunteer", now)
    open_doors(app, "demo", now)
    from checkin.extensions import db
    from checkin.models import Staff

    with app.app_context():
        hoa = db.session.scalar(select(Staff).where(Staff.name == "Hoa"))
        admit(app, code, "Cổng Hồ", now, staff=hoa.id)
        hoa_id = hoa.id
    org = organiser_client(app, now)
    org.post(
        "/organiser/shows/demo/registration",
        data={"registration": "closed", "csrf_token": form_token(org, "/organiser/shows/demo")},
    )
    html = org.get("/organiser/audit").get_data(as_text=True)
    assert "Cổng Hồ" in html and code in html and "Hoa" in html
    # The changed field by its name in the page's language, never the column's (issue 17).
    assert "Đang mở đăng ký: không" in html and "registration_open" not in html
    only_scans = org.get("/organiser/audit", query_string={"action": "scan"}).get_data(as_text=True)
    assert "Cổng Hồ" in only_scans and "Đang mở đăng ký" not in only_scans
    only_hoa = org.get("/organiser/audit", query_string={"actor": str(hoa_id)}).get_data(as_text=True)
    assert "Cổng Hồ" in only_hoa and "Đang mở đăng ký" not in only_hoa
    actions = org.get("/organiser/audit", query_string={"action": "show.update"}).get_data(as_text=True)
    assert "Đang mở đăng ký" in actions and "Cổng Hồ" not in actions
    other_day = org.get("/organiser/audit", query_string={"day": "2001-01-01"}).get_data(as_text=True)
    assert "Cổng Hồ" not in other_day and "Đang mở đăng ký" not in other_day
    bad_day = org.get("/organiser/audit", query_string={"day": "not-a-day"})
    assert bad_day.status_code == 200 and "field-error" in bad_day.get_data(as_text=True)


def test_the_database_refuses_every_way_of_changing_or_deleting_an_audit_entry(app, app_context, now):
    """The triggers of migration 0006 are the guard: whatever path a change takes (the ORM's
    unit of work, a bulk query, raw SQL), the database refuses it, while the same operations on
    another table go through and new entries are still written."""
    from sqlalchemy import delete, insert, text, update
    from sqlalchemy.exc import DatabaseError

    from checkin import audit
    from checkin.database import transaction
    from checkin.extensions import db
    from checkin.models import AuditEntry, AuditUnlock, Show

    make_show(app, "kept")
    make_show(app, "gone-orm")
    make_show(app, "gone-bulk")
    with transaction() as session:
        audit.record(session, None, "test.entry", "ticket", "X", None, {"a": 1}, now)
    with transaction() as session:  # control: appending is what the log is for
        audit.record(session, None, "test.second", "ticket", "Y", None, None, now)
    with transaction() as session:  # control: the same deletes on another table go through
        session.delete(session.scalars(select(Show).where(Show.slug == "gone-orm")).one())
    with transaction() as session:
        session.query(Show).filter(Show.slug == "gone-bulk").delete(synchronize_session=False)
    with transaction() as session:
        session.execute(update(Show).where(Show.slug == "kept").values(venue="Huế"))

    def entry(session):
        return session.scalars(select(AuditEntry).where(AuditEntry.action == "test.entry")).one()

    def forge_by_the_unit_of_work(session):
        entry(session).action = "forged"

    attempts = {
        "session.delete()": lambda session: session.delete(entry(session)),
        "attribute change": forge_by_the_unit_of_work,
        "query().delete()": lambda session: session.query(AuditEntry).delete(synchronize_session=False),
        "query().update()": lambda session: session.query(AuditEntry).update(
            {"action": "forged"}, synchronize_session=False
        ),
        "delete()": lambda session: session.execute(delete(AuditEntry)),
        "update()": lambda session: session.execute(update(AuditEntry).values(action="forged")),
        "raw DELETE": lambda session: session.execute(text("DELETE FROM audit_log")),
        "raw UPDATE": lambda session: session.execute(text("UPDATE audit_log SET action = 'forged'")),
        # The retention purge's door (an audit_unlock row) lets its scrubbing UPDATE through, never a DELETE.
        "DELETE past the unlock": lambda session: (
            session.execute(insert(AuditUnlock).values(id=1)),
            session.execute(text("DELETE FROM audit_log")),
        ),
    }
    refused = []
    for way, attempt in attempts.items():
        try:
            with transaction() as session:
                attempt(session)
        except DatabaseError as error:
            assert "append-only" in str(error), (way, error)
            refused.append(way)
    assert refused == list(attempts)
    db.session.expire_all()
    assert [(e.action, e.after) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
        ("test.entry", {"a": 1}),
        ("test.second", None),
    ]
    assert db.session.scalars(select(Show.slug)).all() == ["kept"]
    assert db.session.scalar(select(Show.venue)) == "Huế"
    assert db.session.scalars(select(AuditUnlock)).all() == []


def test_nothing_in_the_application_deletes_a_scan():
    """Scans are the gate's history: no code path deletes one (erasure scrubs their names)."""
    root = Path(__file__).resolve().parent.parent / "checkin"
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "delete":
                targets = [arg.id for arg in node.args if isinstance(arg, ast.Name)]
                assert "Scan" not in targets, f"{path}: delete(Scan)"
