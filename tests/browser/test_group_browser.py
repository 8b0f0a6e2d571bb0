"""A school group's whole path in the browser: the teacher requests places, uploads the class
list, one guardian consents online and the school attests one paper form, the tickets are
issued, and at the gate the fake camera shows the group pass: the volunteer lets the group in
in one step."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support import services
from tests.support.gate import add_gates, add_volunteer, open_show
from tests.support.groups import allow_groups
from tests.support.scanner import DECODER, open_scanner, write_video

pytestmark = pytest.mark.browser


def test_teacher_to_gate(app, live_server, page, launch_browser, tmp_path):
    from checkin import tickets
    from checkin.extensions import db
    from checkin.group_models import SchoolGroup
    from checkin.group_pass import sign_pass
    from checkin.models import Ticket

    if not DECODER.exists():
        services.missing("the scanner's decoder: `make install` copies it into static/vendor/")
    open_show(app, "minishow", capacity=50, title_vi="Minishow tài năng", title_en="Talent minishow")
    add_gates(app, "minishow", "Cổng A – Hàng Khay")
    add_volunteer(app, "vol")
    allow_groups(app, "minishow", max_size=40)

    page.goto("/shows/minishow/groups/new")
    page.fill("#school", "Trường THCS Nguyễn Du")
    page.fill("#class_name", "7A")
    page.fill("#teacher_name", "Trần Thị Lan")
    page.fill("#teacher_email", "lan@school.example.com")
    page.fill("#teacher_phone", "0987 654 321")
    page.fill("#pupils", "2")
    page.fill("#adults", "1")
    page.check("#consent")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/g/" in page.url

    class_list = tmp_path / "7a.csv"
    class_list.write_text("Họ và tên,Năm sinh\nNguyễn Minh An,2014\nLê Bảo Châu,2013\n", encoding="utf-8-sig")
    page.set_input_files("#pupils_file", str(class_list))
    page.fill("#adults_text", "Trần Thị Lan")
    with page.expect_navigation():
        page.click("form[action$='/roster'] button[type=submit]")
    group_url = page.url
    with page.expect_navigation():
        page.locator("form[action$='/paper'] button").first.click()
    consent_url = page.locator(".consent-link").first.input_value()

    page.goto(consent_url)
    page.fill("#guardian_name", "Lê Văn Hùng")
    page.check("#guardian_consent")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_selector("#consent-given")

    page.goto(group_url)
    assert "Sẵn sàng" in page.text_content("#group-state")
    with page.expect_navigation():
        page.click("form[action$='/tickets'] button")
    assert page.locator(".group-ticket").count() == 4  # the pass and three tickets

    with app.app_context():
        code = db.session.scalar(select(SchoolGroup.pass_code))
        group_pass = sign_pass(code, app.extensions["checkin_keyring"])
    video = write_video(tmp_path / "pass.y4m", tickets.qr_png(group_pass, box_size=8))
    gate = open_scanner(launch_browser, live_server, video)
    gate.wait_for_selector("#group-panel:not([hidden])", timeout=30_000)
    assert gate.text_content("#group-counts") == "Dự kiến: 3. Đã vào: 0."
    gate.click("#group-count-form button[type=submit]")
    gate.wait_for_selector("#group-answer:has-text('Vừa cho vào: 3')", timeout=10_000)
    assert gate.text_content("#group-counts") == "Dự kiến: 3. Đã vào: 3."
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.admitted_at.is_not(None))) == 3
