"""The standby line: numbers in order, passes signed as their own kind, numbers called as places
free up (never into the kept places), a pass admitted only when called and once, the board."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.support.gate import issue, open_show, payload
from tests.support.standby_line import gate_scan, join_many


def _show(app, slug="sb"):
    from checkin.extensions import db
    from checkin.models import Show

    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == slug))
        db.session.remove()
    return show


def test_the_line_from_joining_to_the_gate(app, now):
    from checkin import standby, standby_gate

    open_show(app, "sb", quota=4, capacity=4, now=now)
    codes = issue(app, "sb", 4, now=now)
    passes = join_many(app, "sb", 3, now=now)
    assert [p.number for p in passes] == [1, 2, 3]
    with app.app_context():
        keyring = app.extensions["checkin_keyring"]
        signed = standby_gate.sign_pass(passes[0].code, keyring)
        assert signed.startswith("S1:") and standby_gate.verify_pass(signed, keyring) == passes[0].code
        assert standby_gate.verify_pass(payload(app, passes[0].code), keyring) is None  # a ticket's kind
        assert (
            standby_gate.verify_pass(signed[:-2] + ("A" if signed[-2] != "A" else "B") + signed[-1], keyring)
            is None
        )
        # Not started: nothing is called, and a pass opens nothing.
        assert standby.call("sb", now=now) == 0
    assert gate_scan(app, passes[0].code, slug="sb").response.get("standby_not_called")

    # The ticket holders arrive; three leave for good.
    for code in codes:
        gate_scan_ticket(app, code, "in")
    for code in codes[:3]:
        gate_scan_ticket(app, code, "out")
    with app.app_context():
        assert standby.call("sb", now=now) == 0  # not started yet
        standby.configure("sb", now=now, starts_at=now, below_expected=None, kept_places=1)
    with app.app_context():
        assert standby.call("sb", now=now) == 2  # inside 1, capacity 4, kept 1: two places
        assert standby.call("sb", now=now) == 2  # called but not in yet count as taken
    assert gate_scan(app, passes[2].code, slug="sb").response.get("standby_not_called")
    assert gate_scan(app, passes[0].code, slug="sb").result == "admitted"
    assert gate_scan(app, passes[0].code, slug="sb").result == "already_inside"
    assert gate_scan(app, passes[1].code, slug="sb").result == "admitted"
    assert _show(app).inside_count == 3  # capacity 4 less the kept place
    with app.app_context():
        assert standby.call("sb", now=now) == 2  # the kept place is never called
    assert gate_scan(app, passes[1].code, slug="sb", direction="out").result == "exited"
    with app.app_context():
        assert standby.call("sb", now=now) == 3
    assert gate_scan(app, passes[2].code, slug="wrong").result == "wrong_show"
    late = _show(app).ends_at + timedelta(days=1)
    assert gate_scan(app, passes[2].code, slug="sb", now=late).response.get("show_over")
    assert gate_scan(app, passes[2].code, slug="sb").result == "admitted"


def gate_scan_ticket(app, code, direction):
    from checkin import admission
    from checkin.database import utcnow
    from tests.support.gate import scan_id

    with app.app_context():
        result = admission.scan(
            payload(app, code),
            keyring=app.extensions["checkin_keyring"],
            staff=None,
            gate="A",
            direction=direction,
            client_scan_id=scan_id(),
            scanned_at=None,
            show_slug="sb",
            now=utcnow(),
        )
    assert result.result in ("admitted", "exited"), result.response


def test_pages_join_pass_board_and_stats(app, client, now):
    from tests.support.organiser import organiser_client

    open_show(app, "sb", quota=2, capacity=2, now=now)
    html = client.get("/shows/sb/standby").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    refused = client.post("/shows/sb/standby", data={"csrf_token": token, "name": "An", "phone": "12"})
    assert refused.status_code == 422
    joined = client.post(
        "/shows/sb/standby",
        data={"csrf_token": token, "name": "Lê Văn An", "phone": "0912 000 111", "consent": "y"},
    )
    assert joined.status_code == 303 and joined.headers["Location"].startswith("/s/")
    page = client.get(joined.headers["Location"]).get_data(as_text=True)
    assert 'id="standby-number">1<' in page and "<svg" in page and "0912" not in joined.headers["Location"]
    again = client.post(
        "/shows/sb/standby",
        data={"csrf_token": token, "name": "Lê Văn An", "phone": "0912000111", "consent": "y"},
    )
    assert again.status_code == 409  # one number per phone
    assert client.get("/shows/sb/board.json").get_json() == {"called_up_to": 0, "issued": 1, "started": False}
    assert 'id="called-up-to">0<' in client.get("/shows/sb/board").get_data(as_text=True)
    stats = organiser_client(app, now).get("/api/v1/shows/sb/stats").get_json()["standby"]
    assert {k: stats[k] for k in ("issued", "called_up_to", "admitted")} == {
        "issued": 1,
        "called_up_to": 0,
        "admitted": 0,
    }


def test_console_desk_command_line_and_the_scan_api(app, client, now, runner):
    from checkin import standby_gate
    from tests.support.gate import add_volunteer, api_token, scan_id
    from tests.support.organiser import form_token, organiser_client, sign_in

    open_show(app, "sb", quota=2, capacity=3, now=now)
    org = organiser_client(app, now)
    page = "/organiser/shows/sb/standby"
    saved = org.post(
        page,
        data={
            "csrf_token": form_token(org, page),
            "starts_at": "",
            "below_expected": "5",
            "kept_places": "1",
        },
    )
    assert saved.status_code == 303
    add_volunteer(app, "vol")
    desk = app.test_client()
    sign_in(desk, "vol", "correct horse battery")
    token = form_token(desk, "/gate/standby/sb")
    added = desk.post(
        "/gate/standby/sb",
        data={"csrf_token": token, "name": "Bà Năm", "phone": "0913 111 222", "consent": "y"},
    )
    assert added.status_code == 303
    assert app.test_client().get("/gate/standby/sb").status_code in (302, 303)  # staff only
    # Nobody holds a ticket, so fewer than 5 are expected: admission has started; 3 - 1 kept.
    join_many(app, "sb", 3, now=now)
    result = runner.invoke(args=["standby", "configure", "sb", "--below-expected", "5", "--kept-places", "1"])
    assert result.exit_code == 0 and "called up to 2" in result.output, result.output
    assert 'id="standby-counts"' in org.get(page).get_data(as_text=True)
    with app.app_context():
        first = db_pass(app, 1)
        keyring = app.extensions["checkin_keyring"]
        signed = standby_gate.sign_pass(first, keyring)
        third = standby_gate.sign_pass(db_pass(app, 3), keyring)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(app, 'vol')}"}
    body = {"payload": signed, "show": "sb", "gate": "A", "direction": "in", "client_scan_id": scan_id()}
    answer = api.post("/api/v1/scans", json=body, headers=headers).get_json()
    assert answer["result"] == "admitted" and answer["message"].startswith("Số chờ 1: mời vào")
    assert (
        api.post("/api/v1/scans", json=body, headers=headers).get_json()["result"] == "admitted"
    )  # replayed
    refused = api.post(
        "/api/v1/scans", json={**body, "payload": third, "client_scan_id": scan_id()}, headers=headers
    ).get_json()
    assert refused["result"] == "not_open" and "chưa được gọi" in refused["message"]
    stats = org.get("/api/v1/shows/sb/stats").get_json()
    assert stats["standby"]["admitted"] == 1 and stats["inside"] == 1
    assert 'data-stat="standby.admitted">1<' in org.get("/organiser/?show=sb").get_data(as_text=True)


def db_pass(app, number):
    from checkin.extensions import db
    from checkin.models import StandbyPass

    return db.session.scalar(select(StandbyPass.code).where(StandbyPass.number == number))
