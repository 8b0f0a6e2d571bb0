"""Standby passes decided on the phone (static/js/gate/standby.js, from the gate list) answer as
the server does online, pass state by pass state, with both signature engines; a ticket's
signature never passes for a pass, nor a pass's for a ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.factories import set_row
from tests.support.gate import add_volunteer, api_token, issue, open_show, payload, sign_in_at_gate
from tests.support.phone import GATE_A, TIMEOUT
from tests.support.standby_line import join_many

pytestmark = pytest.mark.browser


def test_the_phone_decides_a_pass_as_the_server_does(festival, live_server, page, client):
    from sqlalchemy import select

    from checkin import standby_gate, tickets
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.models import Show
    from checkin.signing import Keyring

    app = festival
    now = utcnow()
    set_row(app, "Show", {"reentry_allowed": True, "inside_count": 2}, slug="gala")
    open_show(app, "minishow")
    [ticket] = issue(app, "gala", 1)
    passes = join_many(app, "gala", 6, now=now)
    [elsewhere] = join_many(app, "minishow", 1, start=20, now=now)
    inside, outside, leaving, called, not_in, waiting = (p.code for p in passes)
    admitted = dict(admitted_at=now - timedelta(minutes=30), admitted_gate="Cổng B")
    set_row(app, "StandbyPass", {**admitted, "inside": True}, code=inside)
    set_row(app, "StandbyPass", {**admitted, "inside": False}, code=outside)
    set_row(app, "StandbyPass", {**admitted, "inside": True}, code=leaving)
    with app.app_context():
        show_id = db.session.scalar(select(Show.id).where(Show.slug == "gala"))
        db.session.remove()
    set_row(app, "StandbyLine", {"called_up_to": 5}, show_id=show_id)
    with app.app_context():
        keyring = app.extensions["checkin_keyring"]
        signed = {
            code: standby_gate.sign_pass(code, keyring)
            for code in (*[p.code for p in passes], elsewhere.code)
        }
        unknown = standby_gate.sign_pass(
            "ZZZZ" + called[4:] if not called.startswith("ZZZZ") else "YYYY" + called[4:], keyring
        )
    forged = standby_gate.sign_pass(called, Keyring.generate())
    as_ticket = tickets.sign_payload(called, keyring)  # a pass's code under a ticket's prefix
    cases = [
        (signed[called], "in"),
        (signed[inside], "in"),
        (signed[outside], "in"),
        (signed[waiting], "in"),
        (signed[elsewhere.code], "in"),
        (unknown, "in"),
        (signed[leaving], "out"),
        (signed[not_in], "out"),
        (forged, "in"),
        (as_ticket, "in"),
        (payload(app, ticket).replace("K1:", "S1:", 1), "in"),  # a ticket's signature as a pass
    ]

    sign_in_at_gate(page, gate=GATE_A)
    page.wait_for_selector("#scanner[data-list-size='1']", state="attached", timeout=TIMEOUT)
    phone = page.evaluate(
        """async (cases) => {
        const { Store } = await import('/static/js/gate/store.js');
        const { GateList } = await import('/static/js/gate/list.js');
        const store = await Store.open();
        const answers = {};
        for (const engine of ['webcrypto', 'noble']) {
            const list = new GateList(store, 'gala', { engine, nobleUrl: '/static/vendor/noble-ed25519/index.js' });
            await list.load();
            answers[engine] = [];
            for (const [text, direction] of cases) {
                const { change, ...answer } = await list.decide(text, { direction, gate: 'Cổng A' });
                answers[engine].push(answer);
            }
        }
        return answers;
    }""",
        [list(case) for case in cases],
    )
    assert phone["webcrypto"] == phone["noble"]

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
                "client_scan_id": f"sb-{i}",
            },
        )
        assert response.status_code == 200
        server.append(response.json)
    keys = ("result", "ok", "tone", "first_admitted_at", "first_gate", "standby", "standby_not_called")
    mine = [{k: a.get(k) for k in keys} for a in phone["webcrypto"]]
    theirs = [{k: a.get(k) for k in keys} for a in server]
    # Another show's pass: the server knows its number there, the phone only that it is not ours.
    theirs[4].pop("standby")
    mine[4].pop("standby")
    assert mine == theirs
    assert [a["result"] for a in server] == [
        "admitted",
        "already_inside",
        "reentered",
        "not_open",
        "wrong_show",
        "unknown",
        "exited",
        "not_inside",
        "invalid",
        "unknown",  # a ticket's kind: no ticket has this code
        "invalid",
    ]
    assert server[3]["standby"] == {"number": 6, "called_up_to": 5} and server[3]["standby_not_called"]
