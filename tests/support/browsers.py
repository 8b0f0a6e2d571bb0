"""Debian's Chromium driven by Playwright, for tests/browser and tests/stack. One Playwright per
test session (tests/conftest.py's `playwright` fixture): a second sync_playwright() in the same
session fails ("Sync API inside the asyncio loop")."""

from __future__ import annotations

from tests.support import services

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


def launch(playwright, extra_args=()):
    return playwright.chromium.launch(
        executable_path=services.chromium_path(),
        headless=True,
        args=[*CHROMIUM_ARGS, *extra_args],
    )
