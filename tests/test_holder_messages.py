"""Messages to holders: previewed in both languages, sent once per person in their language,
in batches, a double click and a batch run twice changing nothing; audit-logged; counted."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

from sqlalchemy import func, select

from tests.support.organiser import form_token, organiser_client
from tests.support.reconfirming import show_with_holders


def test_compose_preview_send_once_in_each_language(app, now, runner, tmp_path):
    from checkin import holder_messages
    from checkin.cancellation import cancel_ticket
    from checkin.extensions import db
    from checkin.models import AuditEntry, HolderMessage, HolderMessageRecipient, OutboxMessage, Ticket

    app.config["OUTBOX_PATH"] = str(tmp_path / "outbox")
    holders, waiting = show_with_holders(app, issued=5, waiting=2, now=now)
    with app.app_context():
        db.session.execute(Ticket.__table__.update().where(Ticket.token == holders[0]).values(locale="en"))
        db.session.commit()
        cancel_ticket(holders[4], now=now)  # promotes the first in line
    runner.invoke(args=["mail", "send"])
    for eml in (tmp_path / "outbox").glob("*.eml"):
        eml.unlink()
    client = organiser_client(app, now)
    page = "/organiser/shows/rc/messages"
    html = client.get(page).get_data(as_text=True)
    key = re.search(r'id="request_key" name="request_key" type="hidden" value="([^"]+)"', html).group(1)
    values = {
        "csrf_token": form_token(client, page),
        "request_key": key,
        "audience": "issued",
        "subject_vi": "Đổi cổng",
        "body_vi": "Mời vào bằng cổng B.",
        "subject_en": "Gate change",
        "body_en": "Please use gate B.",
    }
    preview = client.post(page, data={**values, "action": "preview"}).get_data(as_text=True)
    assert (
        "Mời vào bằng cổng B." in preview
        and "Please use gate B." in preview
        and 'id="message-send"' in preview
    )
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(HolderMessage)) == 0
        )  # a preview sends nothing
    assert client.post(page, data={**values, "action": "send"}).status_code == 303
    assert client.post(page, data={**values, "action": "send"}).status_code == 303  # clicked twice
    with app.app_context():
        [first] = db.session.scalars(select(HolderMessage.id)).all()
        assert holder_messages.queue_due(now) == 0  # the page queued the first batch: all five issued
        # A second message, to everyone, in batches of two; a batch run again adds nobody.
        second = holder_messages.create(
            "rc",
            audience="all",
            subject_vi="Trễ 15 phút",
            subject_en="15 minutes late",
            body_vi="Buổi diễn bắt đầu trễ 15 phút.",
            body_en="The show starts 15 minutes late.",
            request_key="second",
            now=now,
        )
        assert [holder_messages.queue_batch(second, now, batch=2) for _ in range(4)] == [2, 2, 2, 0]
        assert holder_messages.queue_batch(second, now, batch=2) == 0
        counted = dict(
            db.session.execute(
                select(HolderMessageRecipient.message_id, func.count()).group_by(
                    HolderMessageRecipient.message_id
                )
            ).all()
        )
        assert counted == {first: 5, second: 6}
        assert (
            db.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "message")
            )
            == 11
        )
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "message.send")
            )
            == 2
        )  # one per message, not per click
        db.session.remove()
    assert "sent 11, failed 0" in runner.invoke(args=["mail", "send"]).output
    messages = [
        BytesParser(policy=policy.default).parsebytes(p.read_bytes())
        for p in sorted((tmp_path / "outbox").glob("*.eml"))
    ]
    subjects = sorted(
        m["Subject"] for m in messages if "cổng" in m["Subject"].lower() or "Gate" in m["Subject"]
    )
    assert subjects == ["Buổi rc: Đổi cổng"] * 4 + ["Show rc: Gate change"]
    stats = client.get("/api/v1/shows/rc/stats").get_json()["messages"]
    assert (stats["messages"], stats["queued"], stats["sent"], stats["failed"]) == (2, 11, 11, 0)
    assert "<td>6</td>" in client.get(page).get_data(as_text=True)
