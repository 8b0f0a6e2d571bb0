"""The organiser's live dashboard in Chromium: it updates by itself after a volunteer's scan,
without a reload, and turns the capacity gauge amber and then red."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta
from itertools import count

import pytest
from playwright.sync_api import expect

from tests.support.factories import make_show, person
from tests.support.organiser import add_account

pytestmark = pytest.mark.browser
WAIT_MS = 15_000  # the page polls every 3 s
_ids = count(1)


def _scan(app, token, code, gate, direction="in"):
    """What the volunteer's phone sends: the signed QR payload to POST /api/v1/scans."""
    from checkin.tickets import sign_payload

    with app.app_context():
        payload = sign_payload(code, app.extensions["checkin_keyring"])
    response = app.test_client().post(
        "/api/v1/scans",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "payload": payload,
            "show": "demo",
            "gate": gate,
            "direction": direction,
            "client_scan_id": f"browser-{next(_ids)}",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["result"]


@pytest.fixture
def dashboard_world(app, now):
    from checkin.registration import register
    from checkin.shows import add_gate
    from checkin.staff import issue_token

    make_show(
        app,
        "demo",
        quota=30,
        capacity=10,
        doors_open_at=now - timedelta(hours=1),
        starts_at=now + timedelta(minutes=30),
        ends_at=now + timedelta(hours=3),
        registration_closes_at=now + timedelta(minutes=30),
    )
    with app.app_context():
        for label in ("Cổng A – Đinh Tiên Hoàng", "Cổng B – Hàng Khay", "Cổng C – Lê Thái Tổ"):
            add_gate("demo", label, now=now)
        codes = [register("demo", person(i), now=now).code for i in range(30)]
    add_account(app, "org", "organiser", now)
    add_account(app, "vol", "volunteer", now)
    with app.app_context():
        token = issue_token("vol", now=now)
    return codes, token


def _open_dashboard(page):
    page.goto("/login")
    page.fill("#name", "org")
    page.fill("#password", "pw-org-secret")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/organiser/$"))
    page.goto("/organiser/?show=demo")
    page.evaluate("window.notReloaded = true")


def test_dashboard_updates_by_itself_after_a_scan(app, live_server, page, dashboard_world):
    codes, token = dashboard_world
    _open_dashboard(page)
    admitted = page.locator('[data-stat="admitted"]')
    assert admitted.inner_text() == "0"
    assert "gauge-ok" in page.locator("#inside-card").get_attribute("class")

    assert _scan(app, token, codes[0], "Cổng A – Đinh Tiên Hoàng") == "admitted"
    expect(admitted).to_have_text("1", timeout=WAIT_MS)
    assert page.locator('[data-stat="inside"]').inner_text() == "1"
    assert page.evaluate("window.notReloaded") is True  # the same page, updated in place
    expect(page.locator("#arrivals-chart .chart-bar")).to_have_count(1, timeout=WAIT_MS)
    gate_row = page.locator("#gates-body tr", has_text="Cổng A – Đinh Tiên Hoàng")
    expect(gate_row.locator("td").first).to_have_text("1", timeout=WAIT_MS)

    for code in codes[1:9]:
        _scan(app, token, code, "Cổng B – Hàng Khay")
    expect(page.locator("#inside-card")).to_have_class(re.compile(r"\bgauge-near\b"), timeout=WAIT_MS)
    assert page.locator('[data-stat="inside"]').inner_text() == "9"
    _scan(app, token, codes[9], "Cổng C – Lê Thái Tổ")
    assert _scan(app, token, codes[10], "Cổng C – Lê Thái Tổ") == "venue_full"
    expect(page.locator("#inside-card")).to_have_class(re.compile(r"\bgauge-full\b"), timeout=WAIT_MS)
    assert page.locator("[data-level-text]").inner_text() == "Đã đầy: ngừng cho vào"
    refused = page.locator("#gates-body tr", has_text="Cổng C – Lê Thái Tổ").locator("td").nth(1)
    expect(refused).to_have_text("1", timeout=WAIT_MS)
    assert float(page.locator("#gauge-fill").get_attribute("width")) == 100.0
    assert page.evaluate("window.notReloaded") is True


def test_gate_rush_screenshot(app, live_server, page, dashboard_world, now, tmp_path):
    """A rush over the last hour (admissions spread over 5-minute buckets at three gates, some
    refusals), then a screenshot; CHECKIN_DASHBOARD_SCREENSHOT copies it somewhere to look at."""
    from checkin.admission import admit_ticket
    from checkin.database import transaction
    from checkin.models import Show

    codes, _ = dashboard_world
    with app.app_context(), transaction() as session:
        session.query(Show).filter_by(slug="demo").one().venue_capacity = 30
    gates = ["Cổng A – Đinh Tiên Hoàng", "Cổng B – Hàng Khay", "Cổng C – Lê Thái Tổ"]
    rush = [1, 2, 4, 7, 6, 4, 3, 1]  # admissions per 5 minutes, peaking in the middle
    i = 0
    with app.app_context():
        for bucket, admissions in enumerate(rush):
            at = now - timedelta(minutes=5 * (len(rush) - bucket))
            for k in range(admissions):
                admit_ticket(
                    codes[i],
                    staff=None,
                    gate=gates[(i + k) % 3],
                    direction="in",
                    show_slug="demo",
                    client_scan_id=f"rush-{i}",
                    now=at + timedelta(seconds=20 * k),
                )
                if k == 2:  # someone tries the same ticket again at another gate
                    admit_ticket(
                        codes[i],
                        staff=None,
                        gate=gates[(i + 1) % 3],
                        direction="in",
                        show_slug="demo",
                        client_scan_id=f"rush-again-{i}",
                        now=at + timedelta(seconds=20 * k + 5),
                    )
                i += 1
    _open_dashboard(page)
    expect(page.locator("#arrivals-chart .chart-bar")).to_have_count(8, timeout=WAIT_MS)
    assert page.locator('[data-stat="admitted"]').inner_text() == str(sum(rush))
    assert "gauge-near" in page.locator("#inside-card").get_attribute("class")  # 28 of 30 inside
    shot = tmp_path / "dashboard-rush.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    target = os.environ.get("CHECKIN_DASHBOARD_SCREENSHOT")
    if target:
        shutil.copy(shot, target)
