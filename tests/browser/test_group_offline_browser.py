"""A school group at a gate without network (issue 19), in the browser: the phone downloaded its
gate list (with the show's groups) online; offline, the fake camera shows the teacher's group
pass, the phone checks its signature, shows the group from its list and lets the present
members in by a count, queueing one scan each. Meanwhile another volunteer admits one pupil by
their own ticket online. Back online, the queue is uploaded once: everyone admitted once, the
pupil's second entry a conflict."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support import services
from tests.support.gate import add_gates, add_volunteer, api_token, open_show, payload, scan_id
from tests.support.groups import allow_groups, ticketed_group
from tests.support.phone import GATE_A, VENDORED, Phone, poll, write_video

pytestmark = pytest.mark.browser
TIMEOUT = 40_000


def test_a_group_is_let_in_offline_and_replayed_once(app, live_server, launch_browser, tmp_path, client):
    from checkin import tickets
    from checkin.extensions import db
    from checkin.group_models import SchoolGroup
    from checkin.group_pass import sign_pass
    from checkin.models import Scan, Show, Ticket

    for file in VENDORED:
        if not file.exists():
            services.missing(f"{file.name}: `make install` copies it into static/vendor/")
    open_show(app, "gala", capacity=50, offline_names=True)
    add_gates(app, "gala", GATE_A, "Cổng B")
    add_volunteer(app, "vol")
    add_volunteer(app, "vol2")
    allow_groups(app, "gala")
    _, members = ticketed_group(app, "gala", pupils=3)
    with app.app_context():
        group_pass = sign_pass(
            db.session.scalar(select(SchoolGroup.pass_code)), app.extensions["checkin_keyring"]
        )

    video = write_video(
        tmp_path / "pass.y4m", [(None, 4), (tickets.qr_png(group_pass, box_size=6), 5), (None, 60)]
    )
    phone = Phone(launch_browser, live_server, video, name="vol", gate=GATE_A)
    phone.ready_for_offline(len(members))
    phone.offline_with_camera()

    page = phone.page
    page.wait_for_selector("#group-panel[data-offline='true']:not([hidden])", timeout=TIMEOUT)
    assert page.text_content("#group-title") == "Trường THCS Số 1 – 7A1"
    assert page.text_content("#group-counts") == "Dự kiến: 4. Đã vào: 0."
    # The names come from the phone's list (the show allows names offline).
    assert page.locator("#group-members label").all_text_contents() == [name for _, name in members]
    assert page.is_visible("#group-offline")
    page.click("#group-count-form button[type=submit]")
    poll(page, "() => document.querySelector('#group-answer').textContent.includes('Vừa cho vào: 4')")
    assert page.text_content("#group-counts") == "Dự kiến: 4. Đã vào: 4."
    assert page.get_attribute("#scanner", "data-pending") == "4"
    queued = phone.queue()
    assert sorted(item["member"] for item in queued) == sorted(code for code, _ in members)
    assert {item["payload"] for item in queued} == {group_pass}
    assert {item["local_result"] for item in queued} == {"admitted"}

    # Meanwhile, at gate B, online, a volunteer scans the first pupil's own ticket.
    alone = client.post(
        "/api/v1/scans",
        json={
            "payload": payload(app, members[0][0]),
            "show": "gala",
            "gate": "Cổng B",
            "client_scan_id": scan_id(),
        },
        headers={"Authorization": f"Bearer {api_token(app, 'vol2')}"},
    ).json
    assert alone["result"] == "admitted"

    phone.context.set_offline(False)
    page.wait_for_selector(
        "#scanner[data-pending='0'][data-mode='online']", state="attached", timeout=TIMEOUT
    )
    with app.app_context():
        admitted = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.admitted_at.is_not(None)))
        inside = db.session.scalar(select(Show.inside_count).where(Show.slug == "gala"))
        pupil = db.session.scalars(
            select(Scan.result).join(Ticket, Ticket.id == Scan.ticket_id).where(Ticket.code == members[0][0])
        ).all()
        recorded = db.session.scalar(
            select(func.count(Scan.id)).where(
                Scan.client_scan_id.in_([item["client_scan_id"] for item in queued])
            )
        )
    assert admitted == inside == len(members)
    # The group's (earlier) admission stands; gate B's later one is the conflict to review.
    assert sorted(pupil) == ["admitted", "conflict"]
    assert recorded == len(members)
