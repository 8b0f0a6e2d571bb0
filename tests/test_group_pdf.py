"""A school group's tickets as one PDF (A4, eight a page, each with its QR code, name, show and
code), downloaded from the group page and attached to the teacher's e-mail: it parses, has the
right number of pages, every name is there with its Vietnamese diacritics, and every QR code
decodes to its ticket's signed payload (and the first to the group's pass)."""

from __future__ import annotations

import io

from sqlalchemy import select

from tests.support.factories import make_show
from tests.support.groups import allow_groups, deliver_group_mail, ticketed_group
from tests.support.mail import Collect
from tests.support.web import csrf_token


def _read(pdf: bytes):
    """(pages, their text, the payloads of the QR codes in order of appearance)."""
    import zxingcpp
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    # Words as set, whatever lines a long name or title was broken into.
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    payloads = []
    for page in reader.pages:
        for image in page.images:
            payloads.extend(code.text for code in zxingcpp.read_barcodes(image.image.convert("L")))
    return reader, text, payloads


def _expected(app, members):
    from checkin import tickets
    from checkin.extensions import db
    from checkin.group_models import SchoolGroup
    from checkin.group_pass import sign_pass

    keyring = app.extensions["checkin_keyring"]
    with app.app_context():
        group_pass = sign_pass(db.session.scalar(select(SchoolGroup.pass_code)), keyring)
        return [group_pass] + [tickets.sign_payload(code, keyring) for code, _ in members]


def test_the_group_page_offers_all_tickets_as_one_pdf(app, client):
    make_show(app, "minishow", quota=40, title_vi="Minishow tài năng Đồng Tháp")
    allow_groups(app, "minishow")
    token, members = ticketed_group(app, "minishow", pupils=9, adults=2)
    page = client.get(f"/g/{token}").get_data(as_text=True)
    assert f"/g/{token}/tickets.pdf" in page
    response = client.get(f"/g/{token}/tickets.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader, text, payloads = _read(response.get_data())
    # The pass and 11 tickets: 12 cards, 8 a page.
    assert len(reader.pages) == 2
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    for code, name in members:
        assert name in text and f"{code[:4]}-{code[4:]}" in text
    assert "Nguyễn Thị Ánh 1A" in text and "Minishow tài năng Đồng Tháp" in text
    assert payloads == _expected(app, members)
    # A link that is not a group's opens nothing.
    assert client.get("/g/not-a-group-token/tickets.pdf").status_code == 404


def test_the_teachers_email_carries_the_tickets_as_one_pdf(app, client):
    from checkin.database import utcnow

    make_show(app, "minishow", quota=40)
    allow_groups(app, "minishow")
    token, members = ticketed_group(app, "minishow", pupils=3)
    csrf = csrf_token(client, "/shows/minishow/groups/new")
    assert client.post(f"/g/{token}/email", data={"csrf_token": csrf}).status_code == 303
    transport = Collect()
    assert deliver_group_mail(app, transport, utcnow()) == 1
    [message] = transport.sent
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "tickets.pdf"
    reader, text, payloads = _read(attachment.get_content())
    assert len(reader.pages) == 1
    assert all(name in text for _, name in members)
    assert payloads == _expected(app, members)
    assert "PDF" in message.get_body(("plain",)).get_content()
