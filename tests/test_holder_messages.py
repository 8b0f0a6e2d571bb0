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


def test_the_standby_line_reads_its_messages_on_the_pass_page_once_in_its_language(app, client, now):
    """Standby people gave no e-mail: a message to "standby" (or "all") is on their pass page,
    in the language they read it in; one form sent twice is one message; e-mails go to nobody
    for "standby" and to the ticket holders for "all"."""
    from checkin import holder_messages
    from checkin.extensions import db
    from checkin.models import HolderMessage, HolderMessageRecipient
    from tests.support.standby_line import join_many

    show_with_holders(app, issued=2, waiting=0, now=now)
    [joined] = join_many(app, "rc", 1, now=now)
    organiser = organiser_client(app, now)
    page = "/organiser/shows/rc/messages"
    html = organiser.get(page).get_data(as_text=True)
    assert '<option value="standby">' in html
    key = re.search(r'id="request_key" name="request_key" type="hidden" value="([^"]+)"', html).group(1)
    values = {
        "csrf_token": form_token(organiser, page),
        "request_key": key,
        "audience": "standby",
        "subject_vi": "Cổng B cho hàng chờ",
        "body_vi": "Hàng chờ xếp ở cổng B.",
        "subject_en": "Gate B for standby",
        "body_en": "The standby line forms at gate B.",
        "action": "send",
    }
    assert organiser.post(page, data=values).status_code == 303
    assert organiser.post(page, data=values).status_code == 303  # clicked twice
    with app.app_context():
        holder_messages.create(
            "rc",
            audience="issued",
            subject_vi="Chỉ cho người có vé",
            subject_en="Ticket holders only",
            body_vi="x",
            body_en="x",
            request_key="issued-only",
            now=now,
        )
        everyone = holder_messages.create(
            "rc",
            audience="all",
            subject_vi="Trễ 15 phút",
            subject_en="15 minutes late",
            body_vi="Buổi diễn bắt đầu trễ 15 phút.",
            body_en="The show starts 15 minutes late.",
            request_key="everyone",
            now=now,
        )
        holder_messages.queue_due(now)
        holder_messages.queue_due(now)
        recipients = dict(
            db.session.execute(
                select(HolderMessage.audience, func.count(HolderMessageRecipient.id))
                .outerjoin(HolderMessageRecipient, HolderMessageRecipient.message_id == HolderMessage.id)
                .group_by(HolderMessage.audience)
            ).all()
        )
        db.session.remove()
    assert recipients == {"standby": 0, "issued": 2, "all": 2}
    assert everyone

    vietnamese = client.get(f"/s/{joined.token}").get_data(as_text=True)
    assert vietnamese.count("Cổng B cho hàng chờ") == 1 and "Hàng chờ xếp ở cổng B." in vietnamese
    assert "Trễ 15 phút" in vietnamese and "Chỉ cho người có vé" not in vietnamese
    assert "Tin nhắn từ ban tổ chức" in vietnamese and "Gate B for standby" not in vietnamese
    # Newest first.
    assert vietnamese.index("Trễ 15 phút") < vietnamese.index("Cổng B cho hàng chờ")
    english = client.get(f"/s/{joined.token}?lang=en").get_data(as_text=True)
    assert "The standby line forms at gate B." in english and "15 minutes late" in english
    assert "Hàng chờ xếp ở cổng B." not in english and "Ticket holders only" not in english
