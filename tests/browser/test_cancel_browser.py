"""A ticket holder on a phone: cancels through the confirmation step; and the ticket prints on
one page, QR large, without the site's navigation."""

from __future__ import annotations

import re

import pytest

from tests.support.factories import make_show, person
from tests.support.registering import registered

pytestmark = pytest.mark.browser


def _register(page, live_server, app):
    make_show(app, "gala", quota=3)
    client = app.test_client()
    return registered(client, "gala", person(1))["token"]


def test_cancelling_takes_a_confirmation_and_then_the_link_says_cancelled(app, live_server, page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A CSP violation or a script error; not HTTP statuses (the absent favicon).
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    token = _register(page, live_server, app)
    page.goto(f"/t/{token}")
    assert page.locator(".qr svg").is_visible()
    page.click("#cancel-ticket")
    page.wait_for_url(re.compile(r"/cancel$"))
    assert page.locator("h1").inner_text() == "Hủy vé của bạn?"
    page.click("#confirm-cancel")
    page.wait_for_url(re.compile(rf"/t/{token}$"))
    notice = page.locator(".notice-error")
    assert notice.is_visible() and "đã bị hủy" in notice.inner_text()
    assert page.locator(".qr").count() == 0 and page.locator("#cancel-ticket").count() == 0
    assert errors == []


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_the_ticket_prints_on_one_page_with_a_large_qr(app, live_server, browser):
    context = browser.new_context(locale="vi-VN", base_url=live_server.base_url)
    page = context.new_page()
    try:
        token = _register(page, live_server, app)
        page.goto(f"/t/{token}")
        page.emulate_media(media="print")
        assert not page.locator(".site-header").is_visible()
        assert not page.locator(".site-footer").is_visible()
        assert not page.locator(".ticket-actions").is_visible()
        assert page.locator(".ticket-code").is_visible()
        for paper in ("A4", "A6"):
            pdf = page.pdf(format=paper, print_background=True)
            assert _pages(pdf) == 1, paper
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        assert page.locator(".qr svg").bounding_box()["width"] >= 400
    finally:
        context.close()
