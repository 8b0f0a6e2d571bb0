"""The gate's rules, one per test, through checkin.admission (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from checkin import admission
from checkin.errors import NothingToUndo
from tests.support.gate import add_volunteer, issue, open_show, payload, scan_id


def do_scan(
    app,
    text,
    *,
    gate="Cổng A",
    direction="in",
    show="gate",
    now=None,
    client=None,
    scanned_at=None,
    staff=None,
):
    from checkin.database import utcnow

    with app.app_context():
        return admission.scan(
            text,
            keyring=app.extensions["checkin_keyring"],
            staff=staff,
            gate=gate,
            direction=direction,
            client_scan_id=client or scan_id(),
            scanned_at=scanned_at,
            show_slug=show,
            now=now or utcnow(),
        )


def show_row(app, slug="gate"):
    from checkin.extensions import db
    from checkin.models import Show

    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == slug))
        db.session.expunge(show)
        return show


def ticket_row(app, code):
    from checkin.extensions import db
    from checkin.models import Ticket

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.code == code))
        db.session.expunge(ticket)
        return ticket


def scan_count(app) -> int:
    from checkin.extensions import db
    from checkin.models import Scan

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Scan))


def test_a_valid_ticket_is_admitted_and_counted_inside(app):
    open_show(app)
    [code] = issue(app, "gate", 1)
    result = do_scan(app, payload(app, code), gate="Cổng B")
    assert result.result == "admitted" and result.ok
    assert result.response["tone"] == "green"
    assert result.response["ticket"]["name"] == "Nguyễn Văn 0"
    assert result.response["ticket"]["show"] == "gate"
    ticket = ticket_row(app, code)
    assert ticket.admitted_at is not None and ticket.admitted_gate == "Cổng B" and ticket.inside
    assert show_row(app).inside_count == 1


def test_second_scan_is_already_inside_with_first_time_and_gate(app):
    from checkin.shows import to_local

    open_show(app)
    [code] = issue(app, "gate", 1)
    do_scan(app, payload(app, code), gate="Cổng B")
    again = do_scan(app, payload(app, code), gate="Cổng A")
    assert again.result == "already_inside" and not again.ok
    first = ticket_row(app, code).admitted_at
    assert again.response["first_admitted_at"] == to_local(first).strftime("%H:%M")
    assert again.response["first_gate"] == "Cổng B"
    assert show_row(app).inside_count == 1
    assert scan_count(app) == 2  # the refusal is in the log too


@pytest.mark.parametrize(
    "text",
    [
        "",
        "https://example.com/t/abc",
        "hello world",
        "K1:AAAAA:ABCDEFGH:" + "A" * 103,
        "x" * 5000,
    ],
)
def test_anything_but_our_signature_is_invalid_and_recorded(app, text):
    open_show(app)
    result = do_scan(app, text)
    assert result.result == "invalid" and result.response["tone"] == "red"
    assert "ticket" not in result.response
    assert scan_count(app) == 1


def test_a_changed_character_invalidates_the_payload(app):
    open_show(app)
    [code] = issue(app, "gate", 1)
    genuine = payload(app, code)
    other = "2" if code[0] != "2" else "3"
    forged = genuine.replace(code, other + code[1:])
    assert do_scan(app, forged).result == "invalid"
    assert ticket_row(app, code).admitted_at is None


def test_a_genuine_signature_for_a_ticket_we_do_not_have_is_unknown(app):
    open_show(app)
    assert do_scan(app, payload(app, "ABCDEFGH")).result == "unknown"


def test_a_ticket_of_another_show_is_wrong_show(app):
    open_show(app)
    open_show(app, "other")
    [code] = issue(app, "other", 1)
    result = do_scan(app, payload(app, code), show="gate")
    assert result.result == "wrong_show"
    assert result.response["ticket"]["show"] == "other"
    assert ticket_row(app, code).admitted_at is None


def test_a_scan_naming_no_show_needs_a_gate_of_one_show(app):
    """A scan without `show` once admitted a ticket of any show: now it needs a gate that
    belongs to one show alone, which then decides."""
    from checkin.errors import ShowRequired
    from tests.support.gate import add_gates

    open_show(app)
    open_show(app, "other")
    add_gates(app, "gate", "Cổng A", "Cổng chung")
    add_gates(app, "other", "Cổng chung")
    [code] = issue(app, "other", 1)
    with pytest.raises(ShowRequired):
        do_scan(app, payload(app, code), show=None, gate="Cổng Z")
    with pytest.raises(ShowRequired):
        do_scan(app, payload(app, code), show=None, gate="Cổng chung")
    assert do_scan(app, payload(app, code), show=None, gate="Cổng A").result == "wrong_show"
    assert ticket_row(app, code).admitted_at is None
    assert scan_count(app) == 1


def test_before_doors_open_is_not_open_with_the_doors_time(app, now):
    from checkin.shows import to_local

    open_show(app, now=now, doors_open_at=now + timedelta(minutes=30))
    [code] = issue(app, "gate", 1)
    result = do_scan(app, payload(app, code), now=now)
    assert result.result == "not_open" and result.response["tone"] == "amber"
    assert result.response["doors_open_at"] == to_local(now + timedelta(minutes=30)).strftime("%H:%M")
    assert ticket_row(app, code).admitted_at is None


def test_after_the_show_day_is_not_open(app, now):
    open_show(app, now=now)
    [code] = issue(app, "gate", 1)
    later = admission.show_day_end(show_row(app))
    result = do_scan(app, payload(app, code), now=later)
    assert result.result == "not_open" and result.response.get("show_over") is True
    assert do_scan(app, payload(app, code), now=later - timedelta(seconds=1)).result == "admitted"


def test_online_the_server_clock_decides_the_doors_whatever_the_device_says(app, now):
    """An online scan after the show with its device time set back hours was admitted."""
    from checkin.extensions import db
    from checkin.models import Scan

    open_show(app, now=now)
    a, b = issue(app, "gate", 2)
    after_the_show = admission.show_day_end(show_row(app)) + timedelta(minutes=5)
    set_back = do_scan(
        app, payload(app, a), now=after_the_show, scanned_at=after_the_show - timedelta(hours=3)
    )
    assert set_back.result == "not_open" and set_back.response.get("show_over") is True
    # Nor does a device clock ahead of the server open the doors early.
    open_show(app, "later", now=now, doors_open_at=now + timedelta(minutes=30))
    [c] = issue(app, "later", 1)
    ahead = do_scan(app, payload(app, c), show="later", now=now, scanned_at=now + timedelta(minutes=31))
    assert ahead.result == "not_open"
    admitted = do_scan(app, payload(app, b), now=now, scanned_at=now - timedelta(days=3))
    assert admitted.result == "admitted"
    with app.app_context():
        stored = db.session.get(Scan, admitted.scan_id)
        assert stored.scanned_at == now - timedelta(days=3)  # recorded as claimed
        assert stored.recorded_at == now


def test_offline_the_device_time_decides_the_doors_only_when_plausible(app, now):
    open_show(app, now=now, doors_open_at=now - timedelta(minutes=10))
    a, b = issue(app, "gate", 2)

    def offline(code, scanned_at):
        with app.app_context():
            return admission.scan(
                payload(app, code),
                keyring=app.extensions["checkin_keyring"],
                staff=None,
                gate="Cổng A",
                direction="in",
                client_scan_id=scan_id(),
                scanned_at=scanned_at,
                show_slug="gate",
                now=now,
                local_result="admitted",
            )

    # Let in offline before the doors opened, sent now: a conflict, as it would have been then.
    early = offline(a, now - timedelta(minutes=20))
    assert early.result == "conflict" and early.response["conflict"] == "not_open"
    # A clock days off is not believed: the server's time decides.
    assert offline(b, now - timedelta(days=3)).result == "admitted"


def test_cancelled_and_waitlisted_tickets_are_refused(app, now):
    from checkin.database import transaction
    from checkin.models import Ticket

    open_show(app)
    a, b = issue(app, "gate", 2)
    with app.app_context(), transaction() as session:
        session.scalar(select(Ticket).where(Ticket.code == a)).status = "cancelled"
        session.scalar(select(Ticket).where(Ticket.code == b)).status = "waitlisted"
    assert do_scan(app, payload(app, a)).result == "cancelled"
    assert do_scan(app, payload(app, b)).result == "waitlisted"
    assert show_row(app).inside_count == 0


def test_a_full_venue_refuses_without_consuming_the_ticket(app):
    open_show(app, capacity=1)
    a, b = issue(app, "gate", 2)
    assert do_scan(app, payload(app, a)).result == "admitted"
    full = do_scan(app, payload(app, b))
    assert full.result == "venue_full"
    refused = ticket_row(app, b)
    assert refused.admitted_at is None and refused.admitted_gate is None and refused.inside is False
    assert show_row(app).inside_count == 1
    assert do_scan(app, payload(app, a), direction="out").result == "exited"
    assert do_scan(app, payload(app, b)).result == "admitted"


def meanwhile(monkeypatch, change):
    """Runs `change` between a scan's read of its ticket (before its transaction) and its
    transaction: what another gate or an organiser may do in that moment."""
    from checkin.admission import reads

    read = reads.find

    def read_then_change(connection, request, ref, *, locked=False):
        found = read(connection, request, ref, locked=locked)
        if not locked:
            monkeypatch.setattr(reads, "find", read)
            change()
        return found

    monkeypatch.setattr(reads, "find", read_then_change)


def test_a_ticket_admitted_by_another_gate_after_it_was_read_is_already_inside(app, monkeypatch):
    from checkin.extensions import db
    from checkin.models import Scan

    open_show(app)
    [code] = issue(app, "gate", 1)
    text = payload(app, code)
    meanwhile(monkeypatch, lambda: do_scan(app, text, gate="Cổng B"))
    late = do_scan(app, text, gate="Cổng A")
    assert late.result == "already_inside" and late.response["first_gate"] == "Cổng B"
    assert show_row(app).inside_count == 1
    with app.app_context():
        assert db.session.scalars(select(Scan.result).order_by(Scan.id)).all() == [
            "admitted",
            "already_inside",
        ]


def test_a_ticket_cancelled_after_it_was_read_is_not_admitted(app, monkeypatch):
    from checkin.database import transaction
    from checkin.models import Ticket

    open_show(app)
    [code] = issue(app, "gate", 1)

    def cancel():
        with app.app_context(), transaction() as session:
            session.scalar(select(Ticket).where(Ticket.code == code)).status = "cancelled"

    meanwhile(monkeypatch, cancel)
    assert do_scan(app, payload(app, code)).result == "cancelled"
    assert ticket_row(app, code).admitted_at is None and show_row(app).inside_count == 0


def test_a_ticket_scanned_out_after_it_was_read_is_not_inside(app, monkeypatch):
    open_show(app, reentry_allowed=True)
    [code] = issue(app, "gate", 1)
    text = payload(app, code)
    do_scan(app, text)
    meanwhile(monkeypatch, lambda: do_scan(app, text, gate="Cổng B", direction="out"))
    assert do_scan(app, text, direction="out").result == "not_inside"
    assert show_row(app).inside_count == 0


def test_exit_and_reentry_alternate_when_allowed(app):
    open_show(app, reentry_allowed=True)
    [code] = issue(app, "gate", 1)
    text = payload(app, code)
    assert do_scan(app, text, direction="out").result == "not_inside"
    assert do_scan(app, text, gate="Cổng C").result == "admitted"
    assert do_scan(app, text, direction="out").result == "exited"
    assert show_row(app).inside_count == 0
    assert do_scan(app, text, direction="out").result == "not_inside"
    back = do_scan(app, text)
    assert back.result == "reentered" and back.response["tone"] == "amber"
    assert back.response["first_gate"] == "Cổng C"
    assert do_scan(app, text).result == "already_inside"
    assert show_row(app).inside_count == 1


def test_without_reentry_an_exited_ticket_cannot_come_back(app):
    open_show(app, reentry_allowed=False)
    [code] = issue(app, "gate", 1)
    text = payload(app, code)
    assert do_scan(app, text).result == "admitted"
    assert do_scan(app, text, direction="out").result == "exited"
    assert do_scan(app, text).result == "already_inside"
    assert show_row(app).inside_count == 0


def test_reentry_respects_capacity(app):
    open_show(app, capacity=1, reentry_allowed=True)
    a, b = issue(app, "gate", 2)
    do_scan(app, payload(app, a))
    do_scan(app, payload(app, a), direction="out")
    do_scan(app, payload(app, b))
    assert do_scan(app, payload(app, a)).result == "venue_full"
    assert ticket_row(app, a).inside is False


def test_the_same_client_scan_id_returns_the_first_answer_and_records_nothing(app):
    open_show(app)
    a, b = issue(app, "gate", 2)
    first = do_scan(app, payload(app, a), client="device-1-scan-1")
    again = do_scan(app, payload(app, a), client="device-1-scan-1")
    assert again.replayed and again.response == first.response and again.scan_id == first.scan_id
    assert again.result == "admitted"
    assert scan_count(app) == 1


def test_a_client_scan_id_reused_for_another_ticket_or_by_another_volunteer_is_refused(app):
    """The id was global: another ticket's scan with it got the first person's green answer
    and was never recorded; another volunteer's too."""
    from checkin.errors import ScanIdReused

    open_show(app)
    a, b = issue(app, "gate", 2)
    lan, minh = add_volunteer(app, "lan"), add_volunteer(app, "minh")
    first = do_scan(app, payload(app, a), client="device-1-scan-1", staff=lan)
    with pytest.raises(ScanIdReused):
        do_scan(app, payload(app, b), client="device-1-scan-1", staff=lan)
    with pytest.raises(ScanIdReused):
        do_scan(app, payload(app, a), client="device-1-scan-1", staff=minh)
    with pytest.raises(ScanIdReused):
        do_scan(app, payload(app, a), client="device-1-scan-1", staff=lan, direction="out")
    assert ticket_row(app, b).admitted_at is None
    assert scan_count(app) == 1
    # The same scan sent again by its own volunteer still gets its first answer.
    assert do_scan(app, payload(app, a), client="device-1-scan-1", staff=lan).scan_id == first.scan_id
    # A new id for ticket b is a scan of its own.
    assert do_scan(app, payload(app, b), staff=lan).result == "admitted"


def test_manual_admission_names_the_ticket_by_its_code_never_its_id(app, now):
    from checkin.extensions import db
    from checkin.models import Scan

    open_show(app)
    a, b = issue(app, "gate", 2)
    with app.app_context():
        typed = admission.admit_ticket(
            f"{a[:4].lower()}-{a[4:].lower()}",
            staff=None,
            gate="G",
            direction="in",
            client_scan_id=scan_id(),
            show_slug="gate",
            now=now,
        )
        assert typed.result == "admitted"
        assert db.session.scalar(select(Scan.method).where(Scan.id == typed.scan_id)) == "manual"
        again = admission.admit_ticket(
            a, staff=None, gate="G", direction="in", client_scan_id=scan_id(), show_slug="gate", now=now
        )
        assert again.result == "already_inside"
        with pytest.raises(TypeError):
            admission.admit_ticket(
                ticket_row(app, b).id,
                staff=None,
                gate="G",
                direction="in",
                client_scan_id=scan_id(),
                show_slug="gate",
                now=now,
            )
        nonsense = admission.admit_ticket(
            "no such",
            staff=None,
            gate="G",
            direction="in",
            client_scan_id=scan_id(),
            show_slug="gate",
            now=now,
        )
        assert nonsense.result == "unknown"


def test_undo_gives_the_ticket_back_and_keeps_both_rows(app, now):
    from checkin.extensions import db
    from checkin.models import Scan

    open_show(app)
    [code] = issue(app, "gate", 1)
    staff = add_volunteer(app)
    first = do_scan(app, payload(app, code), staff=staff, now=now)
    with app.app_context():
        undone = admission.undo_last_admission(
            staff=staff,
            reason="wrong person",
            gate="Cổng A",
            client_scan_id=scan_id(),
            now=now + timedelta(seconds=30),
        )
        assert undone.result == "undone"
        original = db.session.get(Scan, first.scan_id)
        assert original.undone_by_scan_id == undone.scan_id and original.result == "admitted"
        assert db.session.get(Scan, undone.scan_id).reason == "wrong person"
    assert ticket_row(app, code).admitted_at is None and show_row(app).inside_count == 0
    with app.app_context(), pytest.raises(NothingToUndo):
        admission.undo_last_admission(
            staff=staff,
            reason="again",
            gate="Cổng A",
            client_scan_id=scan_id(),
            now=now + timedelta(seconds=31),
        )
    assert do_scan(app, payload(app, code), staff=staff).result == "admitted"


def test_undo_is_refused_after_a_minute_and_for_another_volunteers_scan(app, now):
    open_show(app)
    [code] = issue(app, "gate", 1)
    mine = add_volunteer(app, "mine")
    theirs = add_volunteer(app, "theirs")
    do_scan(app, payload(app, code), staff=mine, now=now)
    with app.app_context():
        with pytest.raises(NothingToUndo):
            admission.undo_last_admission(
                staff=theirs, reason="x", gate="A", client_scan_id=scan_id(), now=now
            )
        with pytest.raises(NothingToUndo):
            admission.undo_last_admission(
                staff=mine, reason="x", gate="A", client_scan_id=scan_id(), now=now + timedelta(seconds=61)
            )
    assert ticket_row(app, code).inside


def test_counters_per_gate(app):
    open_show(app, capacity=50)
    codes = issue(app, "gate", 3)
    do_scan(app, payload(app, codes[0]), gate="A")
    do_scan(app, payload(app, codes[1]), gate="A")
    do_scan(app, payload(app, codes[2]), gate="B")
    from checkin.extensions import db

    with app.app_context():
        assert admission.counters(db.session, "gate", "A") == admission.Counters(2, 3, 50)
        assert admission.counters(db.session, "gate", "B").gate_admitted == 1
        assert admission.counters(db.session, "nope", "A") is None
