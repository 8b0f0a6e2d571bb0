"""An offline-capable scanner on a volunteer's phone (static/js/gate): its own browser and fake
camera, the gate list and service worker ready, then the network cut."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.gate import sign_in_at_gate
from tests.support.video import write_y4m

WIDTH, HEIGHT = 480, 360
STATIC = Path(__file__).resolve().parents[2] / "static"
VENDORED = (STATIC / "vendor/barcode-detector/zxing_reader.wasm", STATIC / "vendor/noble-ed25519/index.js")
GATE_A, GATE_B = "Cổng A", "Cổng B"
TIMEOUT = 40_000


def write_video(path: Path, segments: list[tuple[bytes | None, float]]) -> Path:
    return write_y4m(path, segments, width=WIDTH, height=HEIGHT)


class Phone:
    """One volunteer's phone: a browser with its own fake camera, signed in at a gate."""

    def __init__(self, launch_browser, live_server, video: Path, *, name="vol", gate=GATE_A):
        browser = launch_browser(
            "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"
        )
        # No camera yet: the first visit only downloads (the list, the worker's cache).
        self.context = browser.new_context(
            base_url=live_server.base_url,
            locale="vi-VN",
            viewport={"width": 390, "height": 844},
            has_touch=True,
        )
        self.page = self.context.new_page()
        sign_in_at_gate(self.page, name, gate=gate)

    def ready_for_offline(self, tickets: int):
        """The list is on the phone and the service worker controls the page."""
        self.page.wait_for_selector(
            f"#scanner[data-list-size='{tickets}']", state="attached", timeout=TIMEOUT
        )
        poll(self.page, "() => navigator.serviceWorker.controller !== null")

    def offline_with_camera(self):
        self.context.set_offline(True)
        self.context.grant_permissions(["camera"])
        self.page.reload()
        self.page.wait_for_selector("#scanner[data-mode='offline']", state="attached", timeout=TIMEOUT)

    def wait_result(self, result: str, name: str, *, offline=True) -> dict:
        """Waits for the answer screen showing `result` for `name` (a name or a formatted code)."""
        return poll(
            self.page,
            """([result, name, offline]) => {
            const o = document.querySelector('#result');
            const text = (key) => document.querySelector(`#result-${key}`).textContent;
            if (o.hidden || o.dataset.result !== result || o.dataset.offline !== offline) return null;
            if (text('name') !== name) return null;
            return { head: text('head'), name: text('name'), show: text('show'), message: text('message') };
        }""",
            [result, name, "true" if offline else "false"],
        )

    def queue(self) -> list[dict]:
        return self.page.evaluate("""async () => {
            const { Store } = await import('/static/js/gate/store.js');
            return (await Store.open()).queued();
        }""")

    def stored_tickets(self, show="gala") -> list[dict]:
        return self.page.evaluate(
            """async (show) => {
            const { Store } = await import('/static/js/gate/store.js');
            const store = await Store.open();
            return [...(await store.tickets(show)).entries()].map(([code, e]) => ({ code, ...e }));
        }""",
            "gala",
        )


def poll(page, function: str, arg=None, timeout_s: float = TIMEOUT / 1000):
    """page.wait_for_function, without eval(): the page's CSP forbids that (and Playwright's
    polling uses it), while page.evaluate goes through the DevTools protocol."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(function, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {function}")
        time.sleep(0.05)


def dashed(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
