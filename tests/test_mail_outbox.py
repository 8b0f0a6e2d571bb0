"""The outbox: written with the ticket, delivered by `flask mail send` or the worker to .eml files
when no SMTP server is configured, once each; workers side by side never send one twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from checkin import outbox
from checkin.extensions import db
from checkin.models import OutboxMessage, Ticket
from tests.support.factories import make_show, person
from tests.support.racing import in_app, release_together


def _outbox(app) -> list[tuple[str, int, bool]]:
    with app.app_context():
        return [
            (m.kind, m.ticket_id, m.sent_at is not None)
            for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def _eml(folder: Path) -> list:
    return [
        BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))
    ]


def test_a_registration_writes_its_message_and_a_refused_one_writes_none(app, client):
    make_show(app, "gala", quota=1)
    assert client.post("/api/v1/shows/gala/registrations", json=person(1)).status_code == 202
    assert client.post("/api/v1/shows/gala/registrations", json=person(2)).status_code == 409  # full
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id))
    assert _outbox(app) == [("confirm", ticket_id, False)]


def test_without_smtp_messages_land_as_eml_files_once(app, client, runner, tmp_path):
    app.config["OUTBOX_PATH"] = str(tmp_path / "outbox")
    make_show(app, "gala", quota=5)
    for i in range(3):
        client.post("/api/v1/shows/gala/registrations", json=person(i))
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "sent 3, failed 0" in result.output
    messages = _eml(tmp_path / "outbox")
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == [
        f"ban{i}@example.com" for i in range(3)
    ]
    assert all(m.get_body(("html",)) is not None for m in messages)
    assert "sent 0" in runner.invoke(args=["mail", "send"]).output
    assert len(list((tmp_path / "outbox").glob("*"))) == 3  # no second copy, no temporary file left
    assert all(sent for _, _, sent in _outbox(app))


def test_a_message_for_a_ticket_cancelled_before_delivery_is_not_sent(app, client, runner, tmp_path):
    from checkin.cancellation import cancel_ticket
    from checkin.database import utcnow

    app.config["OUTBOX_PATH"] = str(tmp_path / "outbox")
    make_show(app, "gala", quota=5)
    client.post("/api/v1/shows/gala/registrations", json=person(1))
    with app.app_context():
        cancel_ticket(db.session.scalar(select(Ticket.token)), now=utcnow())
    assert "sent 1, failed 0, skipped 1" in runner.invoke(args=["mail", "send"]).output
    [message] = _eml(tmp_path / "outbox")
    assert message["Subject"] == "Vé của bạn cho Buổi gala đã bị hủy"


def test_workers_side_by_side_send_each_message_once(app, client, tmp_path):
    from checkin.database import utcnow
    from checkin.mail.worker import deliver_due
    from checkin.web.mail import deployment, render_in

    make_show(app, "gala", quota=30)
    for i in range(12):
        client.post("/api/v1/shows/gala/registrations", json=person(i))
    sent: list[str] = []
    lock = threading.Lock()

    class Recording:
        def send(self, message, name):
            time.sleep(0.01)  # a slow server widens the window for a second worker
            with lock:
                sent.append(name)

    def worker(i):
        deliver_due(transport=Recording(), deployment=deployment(), render=render_in, clock=utcnow)

    release_together(in_app(app, worker), 4)
    assert len(sent) == 12 and len(set(sent)) == 12
    with app.app_context():
        assert db.session.scalar(select(func.sum(OutboxMessage.attempts))) == 12


def test_retry_delays_grow_and_stop_growing():
    delays = [outbox.retry_delay(n).total_seconds() for n in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays == sorted(delays) and delays[-1] == 3600


@pytest.mark.slow
def test_the_worker_delivers_in_the_background_and_stops_on_sigterm(app, app_config, client, tmp_path):
    make_show(app, "gala", quota=5)
    client.post("/api/v1/shows/gala/registrations", json=person(1))
    folder = tmp_path / "worker-outbox"
    env = dict(
        os.environ,
        CHECKIN_SQLALCHEMY_DATABASE_URI=app_config["SQLALCHEMY_DATABASE_URI"],
        CHECKIN_INSTANCE_PATH=app_config["INSTANCE_PATH"],
        CHECKIN_SECRET_KEY="test",
        CHECKIN_OUTBOX_PATH=str(folder),
    )
    env.pop("CHECKIN_MAIL_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "checkin", "mail", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not list(folder.glob("*.eml")) and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.1)
        assert len(list(folder.glob("*.eml"))) == 1
        # A registration made while the worker runs is delivered too.
        client.post("/api/v1/shows/gala/registrations", json=person(2))
        deadline = time.monotonic() + 30
        while len(list(folder.glob("*.eml"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(list(folder.glob("*.eml"))) == 2
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, output
    assert "stopped after" in output


def test_the_worker_loop_survives_a_failed_pass_and_stops_when_told():
    from checkin.mail.worker import PassReport, run

    stop = threading.Event()
    calls = []

    def deliver_pass():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database restarting")
        if len(calls) == 3:
            stop.set()
        return PassReport()

    assert run(deliver_pass, interval=0.01, stop=stop) == 3
