"""The online scanner page (/gate) on Chromium's fake camera: a video of one code, the page
opened signed in at the gate with the camera allowed."""

from __future__ import annotations

from pathlib import Path

from tests.support.gate import sign_in_at_gate
from tests.support.video import write_y4m

WIDTH, HEIGHT = 640, 480
DECODER = Path(__file__).resolve().parents[2] / "static/vendor/barcode-detector/zxing_reader.wasm"


def write_video(path: Path, png: bytes) -> Path:
    """Half a second of one ticket's QR (Chromium loops the file)."""
    return write_y4m(path, [(png, 0.5)], width=WIDTH, height=HEIGHT, fps=10, margin=40)


def open_scanner(launch_browser, live_server, video: Path):
    browser = launch_browser(
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"
    )
    context = browser.new_context(
        permissions=["camera"],
        base_url=live_server.base_url,
        locale="vi-VN",
        viewport={"width": 390, "height": 844},
        has_touch=True,
    )
    page = context.new_page()
    sign_in_at_gate(page)
    return page
