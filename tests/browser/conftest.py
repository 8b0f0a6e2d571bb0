"""Browser fixtures: the test's app served on loopback from a thread, and the system Chromium
driven by Playwright (`playwright` and `launch_browser` live in tests/conftest.py, shared with
tests/stack). Browser tests run on SQLite only (a threaded server on a file DB is
fine); mark them `@pytest.mark.browser`.

    def test_x(live_server, page):            # page: new context, vi-VN, phone-sized
        page.goto(live_server.url("/"))

    def test_camera(live_server, launch_browser):
        browser = launch_browser("--use-fake-device-for-media-stream",
                                 "--use-file-for-fake-video-capture=/tmp/qr.y4m")
        context = browser.new_context(permissions=["camera"], base_url=live_server.base_url)
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from tests.support import services
from tests.support.browsers import launch
from tests.support.gate import add_gates, add_volunteer, open_show
from tests.support.phone import GATE_A, GATE_B, VENDORED

PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def database_uri(tmp_path, sqlite_template) -> str:
    """Overrides the parametrised one of tests/conftest.py: SQLite only in the browser."""
    path = tmp_path / "checkin.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(app_config) -> dict:
    # The browser reaches the server as 127.0.0.1:<port>, not the test client's host name.
    return {**app_config, "SERVER_NAME": None}


@dataclass
class LiveServer:
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path


@pytest.fixture
def live_server(app):
    """Serves the test's `app` on 127.0.0.1 and a free port until the test ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer("127.0.0.1", server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(playwright):
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh context per test: Vietnamese, phone-sized, base_url set to the live server."""
    context = browser.new_context(
        locale="vi-VN",
        viewport=PHONE_VIEWPORT,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.base_url,
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def festival(app):
    """The gala at two gates with two volunteers, for the offline scanner's tests."""
    for file in VENDORED:
        if not file.exists():
            services.missing(f"{file.name}: `make install` copies it into static/vendor/")
    open_show(app, "gala", capacity=10)
    add_gates(app, "gala", GATE_A, GATE_B)
    add_volunteer(app, "vol")
    add_volunteer(app, "vol2")
    return app
