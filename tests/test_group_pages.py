"""The teacher's and the guardian's pages: request, roster typed or uploaded with bad rows
answered row by row, a paper attestation, an online consent; the links kept out of the logs."""

from __future__ import annotations

import io
import logging
import re

from sqlalchemy import select

from tests.support.factories import make_show
from tests.support.groups import allow_groups, teacher
from tests.support.web import csrf_token


def _request(app, client, **overrides) -> str:
    make_show(app, "minishow", quota=40)
    allow_groups(app, "minishow", max_size=10)
    token = csrf_token(client, "/shows/minishow/groups/new")
    values = dict(teacher(1, pupils="2", adults="1", consent="y"), **overrides)
    response = client.post("/shows/minishow/groups/new", data=dict(values, csrf_token=token))
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/g/", 1)[1]


def test_a_teacher_requests_a_group_and_sees_its_private_page(app, client):
    token = _request(app, client)
    assert len(token) >= 32
    page = client.get(f"/g/{token}").get_data(as_text=True)
    assert (
        "Trường THCS Số 1" in page
        and "Danh sách: 0 trên 3 người" in page
        and "Roster: 0 of 3" in client.get(f"/g/{token}?lang=en").get_data(as_text=True)
    )
    assert client.get("/g/" + "x" * 32).status_code == 404


def test_a_bad_request_is_answered_by_the_field(app, client):
    make_show(app, "minishow", quota=40)
    allow_groups(app, "minishow", max_size=10)
    token = csrf_token(client, "/shows/minishow/groups/new?lang=en")
    response = client.post(
        "/shows/minishow/groups/new?lang=en",
        data=dict(teacher(1, pupils="30", adults="1", consent="y"), csrf_token=token),
    )
    assert response.status_code == 422
    assert "larger than this show allows" in response.get_data(as_text=True)
    assert client.get("/shows/nogroups/groups/new").status_code == 404


def test_the_roster_upload_answers_row_by_row_then_consent_both_ways(app, client):
    from checkin.extensions import db
    from checkin.group_models import GroupMember

    token = _request(app, client)
    csrf = csrf_token(client, f"/g/{token}")
    bad = "Họ và tên,Năm sinh\nNguyễn An,2014\nTrần Bình,năm\n".encode("utf-8-sig")
    response = client.post(
        f"/g/{token}/roster?lang=en",
        data={"csrf_token": csrf, "pupils_file": (io.BytesIO(bad), "7a.csv"), "adults_text": "Phạm Hoa"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Row 3, year of birth" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(GroupMember.id)) is None
    response = client.post(
        f"/g/{token}/roster",
        data={
            "csrf_token": csrf,
            "pupils_text": "Nguyễn An, 2014\nTrần Bình, 2013",
            "adults_text": "Phạm Hoa",
        },
    )
    assert response.status_code == 303
    page = client.get(f"/g/{token}?lang=en").get_data(as_text=True)
    links = re.findall(r'value="https?://[^"]*/c/([A-Za-z0-9_\-]+)"', page)
    assert len(links) == 2 and "Consent missing for 2 pupils" in page
    with app.app_context():
        second = db.session.scalar(select(GroupMember.id).where(GroupMember.name == "Trần Bình"))
    assert client.post(f"/g/{token}/members/{second}/paper", data={"csrf_token": csrf}).status_code == 303
    consent_page = client.get(f"/c/{links[0]}?lang=en").get_data(as_text=True)
    assert "Nguyễn An" in consent_page and "Trần Bình" not in consent_page
    assert (
        client.post(
            f"/c/{links[0]}?lang=en", data={"csrf_token": csrf, "guardian_name": "Nguyễn Mẹ"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/c/{links[0]}", data={"csrf_token": csrf, "guardian_name": "Nguyễn Mẹ", "guardian_consent": "y"}
        ).status_code
        == 303
    )
    page = client.get(f"/g/{token}?lang=en").get_data(as_text=True)
    assert "Ready: every pupil has a recorded consent." in page and "given online by Nguyễn Mẹ" in page
    assert client.get(f"/c/{token}").status_code == 404  # the group's key opens no consent page


def test_group_and_consent_links_never_reach_the_logs(app, caplog):
    from werkzeug.serving import WSGIRequestHandler  # noqa: F401 - registers the werkzeug logger

    logger = logging.getLogger("werkzeug")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info(
            '%s - - "%s" %s', "127.0.0.1", "POST /g/AbCdEfGhIjKlMnOpQrStUvWxYz012345/roster HTTP/1.1", "303"
        )
        logger.info("GET /c/ZyXwVuTsRqPoNmLkJiHgFeDcBa987654 HTTP/1.1")
    assert "AbCdEf" not in caplog.text and "ZyXwVu" not in caplog.text
    assert "/g/<redacted>/roster" in caplog.text and "/c/<redacted>" in caplog.text


def test_the_teacher_prints_the_tickets_of_the_consented_pupils_and_the_adults(app, client):
    from checkin.extensions import db
    from checkin.group_models import GroupMember

    token = _request(app, client)
    csrf = csrf_token(client, f"/g/{token}")
    client.post(
        f"/g/{token}/roster",
        data={
            "csrf_token": csrf,
            "pupils_text": "Nguyễn An, 2014\nTrần Bình, 2013",
            "adults_text": "Phạm Hoa",
        },
    )
    with app.app_context():
        an = db.session.scalar(select(GroupMember.id).where(GroupMember.name == "Nguyễn An"))
    client.post(f"/g/{token}/members/{an}/paper", data={"csrf_token": csrf})
    assert client.post(f"/g/{token}/tickets", data={"csrf_token": csrf}).status_code == 303
    page = client.get(f"/g/{token}/tickets?lang=en").get_data(as_text=True)
    assert "Nguyễn An" in page and "Phạm Hoa" in page and "Trần Bình" not in page
    assert page.count("<svg") == 3 and "Group pass" in page and "group-tickets.css" in page


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_class_list_can_be_an_excel_file(app, client):
    from checkin.extensions import db
    from checkin.group_models import GroupMember

    token = _request(app, client)
    csrf = csrf_token(client, f"/g/{token}")
    bad = _xlsx([["Họ và tên", "Năm sinh"], ["Nguyễn An", 2014], ["Trần Bình", "hai nghìn"]])
    response = client.post(
        f"/g/{token}/roster?lang=en",
        data={"csrf_token": csrf, "pupils_file": (io.BytesIO(bad), "7a.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "Row 3, year of birth" in response.get_data(as_text=True)
    broken = b"PK\x03\x04 not really a workbook"
    response = client.post(
        f"/g/{token}/roster?lang=en",
        data={"csrf_token": csrf, "pupils_file": (io.BytesIO(broken), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "could not be read" in response.get_data(as_text=True)
    good = _xlsx([["Họ và tên", "Năm sinh"], ["Nguyễn An", 2014], ["Trần Bình", 2013.0]])
    response = client.post(
        f"/g/{token}/roster",
        data={"csrf_token": csrf, "pupils_file": (io.BytesIO(good), "7a.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    with app.app_context():
        assert sorted(db.session.execute(select(GroupMember.name, GroupMember.birth_year)).all()) == [
            ("Nguyễn An", 2014),
            ("Trần Bình", 2013),
        ]
