"""`make screenshots`: every page and state of tests/support/tour.py at 390 px (a phone) and
1280 px (a laptop), in Vietnamese and English, as full-page PNGs in screenshots/ (not committed),
so that a reviewer sees the whole product in a minute.

    .venv/bin/python -m tests.screenshots [OUTPUT_FOLDER]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM_ARGS
from tests.support import tour
from tests.support.databases import migrate

VIEWPORTS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 800}}
LANGUAGES = ("vi", "en")


def _app(folder: Path):
    from checkin import create_app

    uri = f"sqlite:///{folder / 'checkin.db'}"
    migrate(uri, folder / "instance")
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "screenshots",
            "RATELIMIT_ENABLED": False,
        }
    )


def main(output: Path) -> int:
    import logging

    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise

    shutil.rmtree(output, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="checkin-screenshots-") as tmp:
        app = _app(Path(tmp))
        data = tour.prepare(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        count = 0
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=shutil.which("chromium"), headless=True, args=list(CHROMIUM_ARGS)
                )
                for lang in LANGUAGES:
                    for width, viewport in VIEWPORTS.items():
                        folder = output / f"{lang}-{width}"
                        folder.mkdir(parents=True)
                        url = tour.with_lang(lambda path: base + path, lang)
                        contexts, pages = [], {}
                        for role in ("public", "organiser", "volunteer"):
                            context = browser.new_context(
                                viewport=viewport,
                                locale=f"{lang}-VN" if lang == "vi" else "en-GB",
                                is_mobile=width == "390",
                                has_touch=width == "390",
                            )
                            contexts.append(context)
                            pages[role] = context.new_page()
                        tour.sign_in(pages["organiser"], url, *tour.ORGANISER, then="organiser")
                        tour.sign_in(pages["volunteer"], url, *tour.VOLUNTEER, then="volunteer")
                        for number, step in enumerate(tour.steps(data), start=1):
                            page = pages[step.role]
                            step.go(page, url)
                            page.screenshot(
                                path=str(folder / f"{number:02d}-{step.name}.png"), full_page=True
                            )
                            count += 1
                        for context in contexts:
                            context.close()
                browser.close()
        finally:
            server.shutdown()
    print(f"{count} screenshots in {output}/ (<language>-<width>/<nn>-<page>.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
