"""The real camera path: Chromium's fake camera plays a Y4M video of a ticket's QR code, and
the scanner page at /gate decodes it (headless Chromium has no native BarcodeDetector, so this
is the ZXing WebAssembly path that iPhones take) and shows the answer full screen."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.support import services
from tests.support.gate import add_gates, add_volunteer, issue, open_show, payload, sign_in_at_gate
from tests.support.video import write_y4m

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 640, 480
DECODER = Path(__file__).resolve().parents[2] / "static/vendor/barcode-detector/zxing_reader.wasm"


def write_video(path: Path, png: bytes) -> Path:
    """Half a second of one ticket's QR (Chromium loops the file)."""
    return write_y4m(path, [(png, 0.5)], width=WIDTH, height=HEIGHT, fps=10, margin=40)


def open_scanner(launch_browser, live_server, video: Path):
    browser = launch_browser("--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}")
    context = browser.new_context(permissions=["camera"], base_url=live_server.base_url, locale="vi-VN",
                                  viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    sign_in_at_gate(page)
    return page


@pytest.fixture
def gate_show(app):
    if not DECODER.exists():
        services.missing("the scanner's decoder: `make install` copies it into static/vendor/")
    open_show(app, "gala", capacity=10)
    add_gates(app, "gala", "Cổng A – Hàng Khay")
    add_volunteer(app, "vol")
    return app


def test_a_ticket_shown_to_the_camera_is_admitted_then_refused_as_already_inside(
        gate_show, live_server, launch_browser, tmp_path):
    from checkin import tickets
    from checkin.extensions import db
    from checkin.models import Ticket
    from checkin.shows import to_local

    app = gate_show
    [code] = issue(app, "gala", 1)
    video = write_video(tmp_path / "ticket.y4m", tickets.qr_png(payload(app, code), box_size=8))
    page = open_scanner(launch_browser, live_server, video)

    page.wait_for_selector("#result.result-green", timeout=30_000)
    assert page.text_content("#result-name") == "Nguyễn Văn 0"
    assert page.text_content("#result-show") == "Buổi gala"
    assert page.text_content("#result-head") == "Mời vào"

    # The camera keeps seeing the same ticket: after the pause for a repeated code, it is sent
    # again and refused, with the first scan's time and gate.
    page.wait_for_selector("#result.result-red", timeout=30_000)
    with app.app_context():
        first = db.session.query(Ticket).filter_by(code=code).one().admitted_at
    expected = f"Vé đã được quét lúc {to_local(first):%H:%M} tại Cổng A – Hàng Khay."
    assert page.text_content("#result-message") == expected
    assert page.text_content("#result-name") == "Nguyễn Văn 0"
    page.click("#result")
    assert page.is_hidden("#result")
    page.wait_for_function("document.querySelector('#counter-gate').textContent === '1'", timeout=20_000)
    assert page.text_content("#counter-inside") == "1"


def test_a_forged_ticket_shown_to_the_camera_is_refused(gate_show, live_server, launch_browser, tmp_path):
    from checkin import tickets
    from checkin.extensions import db
    from checkin.models import Scan
    from checkin.signing import Keyring

    app = gate_show
    [code] = issue(app, "gala", 1)
    forged = tickets.sign_payload(code, Keyring.generate())
    video = write_video(tmp_path / "forged.y4m", tickets.qr_png(forged, box_size=8))
    page = open_scanner(launch_browser, live_server, video)

    page.wait_for_selector("#result.result-red", timeout=30_000)
    assert page.text_content("#result-head") == "Dừng lại"
    assert page.text_content("#result-message").startswith("Vé không hợp lệ")
    assert page.text_content("#result-name") == ""
    with app.app_context():
        assert [s.result for s in db.session.query(Scan)] == ["invalid"]


def test_a_volunteer_finds_a_ticket_by_name_admits_it_and_undoes_it(gate_show, live_server, launch_browser, tmp_path):
    from checkin.extensions import db
    from checkin.models import Scan, Ticket

    app = gate_show
    [code] = issue(app, "gala", 1)
    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, format="PNG")
    page = open_scanner(launch_browser, live_server, write_video(tmp_path / "blank.y4m", blank.getvalue()))

    page.fill("#lookup-q", "nguyen van 0")
    page.click("#lookup-form button[type=submit]")
    page.wait_for_selector(".lookup-item")
    assert code in page.text_content(".lookup-item")
    page.click(".lookup-admit")
    page.wait_for_selector("#result.result-green")
    assert page.text_content("#result-name") == "Nguyễn Văn 0"
    page.click("#result")

    page.fill("#undo-reason", "nhầm người")
    page.click("#undo-form button[type=submit]")
    page.wait_for_selector("#result.result-amber")
    assert page.text_content("#result-message") == "Đã hủy lượt vào: vé của Nguyễn Văn 0 có thể dùng lại."
    with app.app_context():
        assert db.session.query(Ticket).filter_by(code=code).one().admitted_at is None
        assert sorted((s.method, s.result) for s in db.session.query(Scan)) == [("manual", "admitted"),
                                                                               ("undo", "undone")]
