"""The gate keeps working offline (issue 7, the phone's side): the scanner page starts from its
service worker's cache, decides scans alone from its gate list (signature checked in the
browser), keeps them in IndexedDB across reloads, and uploads them once when the network is
back; two phones admitting one ticket offline end with one admission and one conflict.

The fake camera plays a video of several tickets in turn. The page first loads online without
camera permission (the list downloads, the worker installs, nothing is scanned); the test then
cuts the network, grants the camera and reloads, so every scan happens offline."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest

from tests.support.factories import set_row
from tests.support.gate import add_volunteer, api_token, issue, open_show, payload, sign_in_at_gate
from tests.support.phone import GATE_A, GATE_B, TIMEOUT, Phone, dashed, poll, write_video

pytestmark = pytest.mark.browser


def qr(app, code: str) -> bytes:
    from checkin import tickets

    return tickets.qr_png(payload(app, code), box_size=7)


def set_show(app, slug, **values):
    set_row(app, "Show", values, slug=slug)


def set_ticket(app, code, **values):
    set_row(app, "Ticket", values, code=code)


def scans_by_client_id(app) -> dict:
    from checkin.extensions import db
    from checkin.models import Scan

    with app.app_context():
        return {row.client_scan_id: row for row in db.session.query(Scan).order_by(Scan.id)}


def test_offline_scans_are_decided_on_the_phone_survive_a_reload_and_upload_once(
    festival, live_server, launch_browser, tmp_path, client
):
    from checkin import tickets
    from checkin.extensions import db
    from checkin.models import Ticket
    from checkin.signing import Keyring

    app = festival
    a, b = issue(app, "gala", 2)
    forged = tickets.sign_payload(a, Keyring.generate())
    # Each code for 4 s (the scanner ignores a repeated code for 4 s); blanks of 5-6 s let each
    # answer clear (red stays 4.5 s) before the next code; a long blank tail before the loop.
    video = write_video(
        tmp_path / "gate-a.y4m",
        [
            (None, 4),
            (qr(app, a), 4),
            (None, 5),
            (qr(app, b), 4),
            (None, 5),
            (tickets.qr_png(forged, box_size=7), 4),
            (None, 6),
            (qr(app, a), 4),
            (None, 60),
        ],
    )
    phone = Phone(launch_browser, live_server, video, name="vol", gate=GATE_A)
    phone.ready_for_offline(2)
    other = Phone(
        launch_browser,
        live_server,
        write_video(tmp_path / "gate-b.y4m", [(None, 4), (qr(app, a), 4), (None, 60)]),
        name="vol2",
        gate=GATE_B,
    )
    other.ready_for_offline(2)

    # Gate A, offline: the page comes from the worker's cache, the answers from the phone.
    phone.offline_with_camera()
    first = phone.wait_result("admitted", dashed(a))
    assert first["head"] == "Mời vào" and first["show"] == "Buổi gala"
    assert first["message"] == "Vé hợp lệ: mời vào!"
    phone.wait_result("admitted", dashed(b))
    refused = phone.wait_result("invalid", "")
    assert refused["head"] == "Dừng lại" and refused["message"].startswith("Vé không hợp lệ")
    again = phone.wait_result("already_inside", dashed(a))
    assert re.fullmatch(r"Vé đã được quét lúc \d\d:\d\d tại Cổng A\.", again["message"])
    assert phone.page.get_attribute("#scanner", "data-pending") == "4"
    assert phone.page.text_content("#net-badge") == "Mất mạng"

    # Still offline, the page reloads (camera off now, so nothing more is scanned): the queue
    # is still there, in the order of scanning.
    phone.context.clear_permissions()
    phone.page.reload()
    phone.page.wait_for_selector("#scanner[data-pending='4']", state="attached", timeout=TIMEOUT)
    queued = phone.queue()
    assert [(item["code"], item["local_result"]) for item in queued] == [
        (a, "admitted"),
        (b, "admitted"),
        (None, "invalid"),
        (a, "already_inside"),
    ]
    assert all(item["gate"] == GATE_A and item["scanned_at"].endswith("Z") for item in queued)

    # Gate B, offline too, admits the same ticket a little later.
    other.offline_with_camera()
    other.wait_result("admitted", dashed(a))
    queued += other.queue()
    assert len(queued) == 5

    # Back online: each phone uploads by itself; every scan is recorded once.
    phone.context.set_offline(False)
    phone.page.wait_for_selector(
        "#scanner[data-pending='0'][data-mode='online']", state="attached", timeout=TIMEOUT
    )
    other.context.set_offline(False)
    other.page.wait_for_selector(
        "#scanner[data-pending='0'][data-mode='online']", state="attached", timeout=TIMEOUT
    )
    recorded = scans_by_client_id(app)
    assert set(recorded) == {item["client_scan_id"] for item in queued}
    assert [
        (recorded[item["client_scan_id"]].gate, recorded[item["client_scan_id"]].result) for item in queued
    ] == [
        (GATE_A, "admitted"),
        (GATE_A, "admitted"),
        (GATE_A, "invalid"),
        (GATE_A, "already_inside"),
        (GATE_B, "conflict"),
    ]
    with app.app_context():
        ticket = db.session.query(Ticket).filter_by(code=a).one()
        assert (ticket.admitted_gate, ticket.inside) == (GATE_A, True)

    # Uploading the same scans again (each by its own volunteer) changes nothing; another
    # account sending them gets no one's answers (scan_id_reused).
    add_volunteer(app, "boss", role="organiser")
    auth = {"Authorization": f"Bearer {api_token(app, 'boss')}"}
    fields = ("payload", "show", "gate", "direction", "client_scan_id", "scanned_at", "local_result")
    sent = [{key: item[key] for key in fields} for item in queued]
    answers = []
    for name, items in (("vol", sent[:4]), ("vol2", sent[4:])):
        again = client.post(
            "/api/v1/scans/batch",
            json={"scans": items},
            headers={"Authorization": f"Bearer {api_token(app, name)}"},
        )
        assert again.status_code == 200
        answers += again.json["results"]
    assert [answer["result"] for answer in answers] == [
        "admitted",
        "admitted",
        "invalid",
        "already_inside",
        "conflict",
    ]
    stranger = client.post("/api/v1/scans/batch", headers=auth, json={"scans": sent}).json["results"]
    assert {answer["error"]["code"] for answer in stranger} == {"scan_id_reused"}
    assert len(scans_by_client_id(app)) == 5
    stats = client.get("/api/v1/shows/gala/stats", headers=auth).json
    assert stats["conflicts"] == 1 and stats["admitted"] == 2 and stats["inside"] == 2

    # Once synced, the phones' lists hold what the server knows (codes and states, no names).
    listed = {entry["code"]: entry for entry in other.stored_tickets()}
    assert listed[a]["s"] == "a" and listed[a]["g"] == GATE_A and listed[b]["s"] == "a"
    assert all(entry.get("n") is None for entry in listed.values())


def variants(app, code: str, tmp_path) -> dict[str, str]:
    """A genuine payload and the ways a QR code can be wrong."""
    from checkin import tickets
    from checkin.signing import Keyring

    good = payload(app, code)
    head, signature = good.rsplit(":", 1)
    flip = lambda char: "A" if char != "A" else "B"  # noqa: E731
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".index(signature[-1])
    other_code = next(c for c in tickets.CODE_ALPHABET if c != code[0]) + code[1:]
    return {
        "genuine": good,
        "padded": f"  {good}\n",
        "signature changed": f"{head}:{signature[:50]}{flip(signature[50])}{signature[51:]}",
        "spare bits set": f"{head}:{signature[:-1]}{'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[last | 1]}",
        "code changed": good.replace(f":{code}:", f":{other_code}:"),
        "unknown key": good.replace(good.split(":")[1], "AAAAA", 1),
        "forged": tickets.sign_payload(code, Keyring.generate()),
        "lower case": good.lower(),
        "truncated": good[:-1],
        "not a ticket": "https://example.com/",
    }


def test_the_phone_decides_as_the_server_does(festival, live_server, page, client, tmp_path):
    """Every ticket state and every kind of broken QR, decided by the phone from its list and
    then by the server: the same results, with both signature engines (WebCrypto and noble)."""
    from checkin.database import utcnow
    from checkin.shows import to_local

    app = festival
    now = utcnow()
    set_show(app, "gala", reentry_allowed=True)
    codes = issue(app, "gala", 8)
    open_show(app, "minishow")
    [elsewhere] = issue(app, "minishow", 1, start=100)
    issued, inside, outside, cancelled, waitlisted, leaving, not_in, checked = codes
    admitted = dict(admitted_at=now - timedelta(minutes=30), admitted_gate=GATE_B)
    set_ticket(app, inside, inside=True, **admitted)
    set_ticket(app, leaving, inside=True, **admitted)
    set_ticket(app, outside, inside=False, **admitted)
    set_ticket(app, cancelled, status="cancelled", cancelled_at=now)
    set_ticket(app, waitlisted, status="waitlisted")
    set_show(app, "gala", places_taken=2)
    unissued = "ZZZZ" + issued[4:] if not issued.startswith("ZZZZ") else "YYYY" + issued[4:]
    cases = [
        (payload(app, code), "in")
        for code in (issued, inside, outside, cancelled, waitlisted, elsewhere, unissued)
    ]
    cases += [(payload(app, leaving), "out"), (payload(app, not_in), "out")]
    cases += [(text, "in") for text in variants(app, checked, tmp_path).values()]

    sign_in_at_gate(page, gate=GATE_A)
    page.wait_for_selector(f"#scanner[data-list-size='{len(codes) + 1}']", state="attached", timeout=TIMEOUT)
    phone = page.evaluate(
        """async (cases) => {
        const { Store } = await import('/static/js/gate/store.js');
        const { GateList } = await import('/static/js/gate/list.js');
        const store = await Store.open();
        const answers = {};
        for (const engine of ['webcrypto', 'noble']) {
            const list = new GateList(store, 'gala', { engine, nobleUrl: '/static/vendor/noble-ed25519/index.js' });
            await list.load();
            answers[engine] = { used: list.verifier.engine, results: [] };
            for (const [text, direction] of cases) {
                const { change, ...answer } = await list.decide(text, { direction, gate: 'Cổng A' });
                if (change) list.remember(answer.ticket.code, change);  // scanned one after another
                answers[engine].results.push(answer);
            }
        }
        return answers;
    }""",
        [list(case) for case in cases],
    )
    assert phone["webcrypto"]["used"] == "webcrypto" and phone["noble"]["used"] == "noble"
    assert phone["webcrypto"]["results"] == phone["noble"]["results"]

    add_volunteer(app, "api")
    auth = {"Authorization": f"Bearer {api_token(app, 'api')}"}
    server = []
    for i, (text, direction) in enumerate(cases):
        response = client.post(
            "/api/v1/scans",
            headers=auth,
            json={
                "payload": text,
                "show": "gala",
                "gate": GATE_A,
                "direction": direction,
                "client_scan_id": f"parity-{i}",
            },
        )
        assert response.status_code == 200
        server.append(response.json)
    keys = ("result", "ok", "tone", "first_admitted_at", "first_gate")
    mine = [{k: a.get(k) for k in keys} for a in phone["webcrypto"]["results"]]
    theirs = [{k: a.get(k) for k in keys} for a in server]
    # The phone's own admission (case 9) is timed by the phone, the server's by the server:
    # a minute may turn in between.
    mine[10].pop("first_admitted_at")
    theirs[10].pop("first_admitted_at")
    assert mine == theirs
    assert [a["result"] for a in server[:9]] == [
        "admitted",
        "already_inside",
        "reentered",
        "cancelled",
        "waitlisted",
        "wrong_show",
        "unknown",
        "exited",
        "not_inside",
    ]
    assert [a["result"] for a in server[9:]] == ["admitted", "already_inside"] + ["invalid"] * 8
    assert server[1]["first_admitted_at"] == to_local(now - timedelta(minutes=30)).strftime("%H:%M")

    # The doors, by the phone's clock: before they open, and after the show's day.
    rules = page.evaluate(
        """async (text) => {
        const { Store } = await import('/static/js/gate/store.js');
        const { GateList } = await import('/static/js/gate/list.js');
        const list = new GateList(await Store.open(), 'gala');
        await list.load();
        const { doorsOpenAt, admitsUntil } = list.showRules();
        const early = await list.decide(text, { direction: 'in', gate: 'Cổng A', now: doorsOpenAt - 60000 });
        const late = await list.decide(text, { direction: 'in', gate: 'Cổng A', now: admitsUntil });
        const leaving = await list.decide(text, { direction: 'out', gate: 'Cổng A', now: admitsUntil });
        return [early, late, leaving].map(({ change, ...answer }) => answer);
    }""",
        payload(app, issued),
    )
    doors = to_local(now - timedelta(hours=1))
    assert [r["result"] for r in rules] == ["not_open", "not_open", "not_inside"]
    assert (rules[0]["doors_open_at"], rules[0]["doors_open_on"], rules[0]["tone"]) == (
        doors.strftime("%H:%M"),
        doors.strftime("%d/%m"),
        "amber",
    )
    assert rules[1]["show_over"] is True


def test_a_slow_server_switches_the_phone_to_offline_decisions_and_back(
    festival, live_server, launch_browser, tmp_path
):
    app = festival
    slow = {"seconds": 0.0}

    @app.before_request
    def answer_slowly():  # the live server's threads: a congested venue network
        from flask import request

        if slow["seconds"] and request.path.startswith("/api/"):
            time.sleep(slow["seconds"])

    [a] = issue(app, "gala", 1)
    phone = Phone(
        launch_browser, live_server, write_video(tmp_path / "a.y4m", [(None, 4), (qr(app, a), 4), (None, 60)])
    )
    phone.ready_for_offline(1)
    assert phone.page.get_attribute("#scanner", "data-mode") == "online"

    slow["seconds"] = 2.5
    phone.context.grant_permissions(["camera"])
    phone.page.reload()
    answer = phone.wait_result("admitted", dashed(a))
    assert answer["message"] == "Vé hợp lệ: mời vào!"
    assert phone.page.get_attribute("#scanner", "data-mode") == "offline"
    [item] = phone.queue()

    slow["seconds"] = 0
    phone.page.wait_for_selector(
        "#scanner[data-mode='online'][data-pending='0']", state="attached", timeout=TIMEOUT
    )
    recorded = scans_by_client_id(app)
    # The slow request may have reached the server too: same client id, still one scan.
    assert list(recorded) == [item["client_scan_id"]]
    assert recorded[item["client_scan_id"]].result == "admitted"


def test_signing_out_forgets_the_list_and_its_names_but_keeps_unsent_scans(
    festival, live_server, launch_browser, tmp_path
):
    app = festival
    set_show(app, "gala", offline_names=True)
    [a] = issue(app, "gala", 1)
    phone = Phone(
        launch_browser, live_server, write_video(tmp_path / "a.y4m", [(None, 4), (qr(app, a), 4), (None, 60)])
    )
    phone.ready_for_offline(1)
    assert [entry["n"] for entry in phone.stored_tickets()] == ["Nguyễn Văn 0"]

    phone.offline_with_camera()
    answer = phone.wait_result("admitted", "Nguyễn Văn 0")
    assert answer["message"] == "Vé hợp lệ: mời Nguyễn Văn 0 vào!"

    # The network is back but the server refuses uploads for now (503): the scan stays queued.
    phone.context.route("**/api/v1/scans/batch", lambda route: route.fulfill(status=503, body="{}"))
    phone.context.set_offline(False)
    phone.page.wait_for_selector("#scanner[data-mode='online']", state="attached", timeout=TIMEOUT)
    assert phone.page.get_attribute("#scanner", "data-pending") == "1"

    phone.page.click(".gate-change")
    phone.page.wait_for_url(re.compile(r"/gate/setup$"))
    phone.page.click("#logout-form button[type=submit]")
    phone.page.wait_for_selector("#logout-notice:not([hidden])")
    assert phone.page.text_content("#logout-notice").startswith("1 lượt quét chưa gửi được.")
    assert phone.stored_tickets() == []
    assert len(phone.queue()) == 1
    assert phone.page.evaluate("caches.has('checkin-gate-page')") is False
    phone.page.click("#logout-form button[type=submit]")
    phone.page.wait_for_url(re.compile(r"/$"))
    assert scans_by_client_id(app) == {}

    # The next sign-in sends it (the camera off, so that nothing else is scanned).
    phone.context.unroute("**/api/v1/scans/batch")
    phone.context.clear_permissions()
    sign_in_at_gate(phone.page, gate=GATE_A)
    phone.page.wait_for_selector("#scanner[data-pending='0']", state="attached", timeout=TIMEOUT)
    [row] = scans_by_client_id(app).values()
    assert (row.result, row.gate) == ("admitted", GATE_A)


def test_names_leave_the_phone_when_the_show_stops_allowing_them_or_the_session_ends(
    festival, live_server, page
):
    from checkin.database import utcnow
    from checkin.staff import reset_password

    app = festival
    set_show(app, "gala", offline_names=True)
    issue(app, "gala", 3)
    sign_in_at_gate(page, gate=GATE_A)
    page.wait_for_selector("#scanner[data-list-size='3']", state="attached", timeout=TIMEOUT)
    names = """async () => {
        const { Store } = await import('/static/js/gate/store.js');
        return [...(await (await Store.open()).tickets('gala')).values()].map((entry) => entry.n || null);
    }"""
    assert sorted(page.evaluate(names)) == ["Nguyễn Văn 0", "Nguyễn Văn 1", "Nguyễn Văn 2"]

    def after_a_sync(expected):
        # Back from offline, the page syncs at once (the "online" event).
        page.context.set_offline(True)
        page.context.set_offline(False)
        wanted = json.dumps(expected, separators=(",", ":"))  # as JSON.stringify writes it
        poll(page, f"async () => JSON.stringify((await ({names})()).map(Boolean)) === '{wanted}'")

    # The organiser turns names off: the next sync replaces the list with one without names;
    # on again, they come back.
    set_show(app, "gala", offline_names=False)
    after_a_sync([False] * 3)
    set_show(app, "gala", offline_names=True)
    after_a_sync([True] * 3)

    # The password changes (every session ends): the phone's next call gets a 401; the list
    # goes and the page says so.
    with app.app_context():
        reset_password("vol", now=utcnow())
    after_a_sync([])
    assert page.is_visible("#signed-out")
    assert page.get_attribute("#scanner", "data-list-size") == ""


def test_the_manifest_and_the_service_worker(app, client):
    manifest = client.get("/gate/manifest.webmanifest?locale=en")
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    body = manifest.json if manifest.is_json else json.loads(manifest.get_data(as_text=True))
    assert (body["start_url"], body["scope"], body["display"]) == ("/gate", "/gate", "standalone")
    assert body["name"] == "Không Một Mình – gate scanner"
    assert [icon["sizes"] for icon in body["icons"]] == ["192x192", "512x512"]
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert (
        json.loads(client.get("/gate/manifest.webmanifest").get_data(as_text=True))["short_name"] == "Quét vé"
    )

    worker = client.get("/gate/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/gate"
    assert worker.headers["Content-Type"].startswith("text/javascript")
    source = worker.get_data(as_text=True)
    for path in (
        "/static/js/scanner/main.js",
        "/static/js/gate/verify.js",
        "/static/vendor/noble-ed25519/index.js",
        "/static/vendor/barcode-detector/zxing_reader.wasm",
        "/static/icons/gate-512.png",
    ):
        assert f'"{path}"' in source
    assert client.get("/gate/sw.js").get_data(as_text=True) == source  # same files, same version
