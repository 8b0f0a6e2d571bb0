"""An attendee on a phone: the festival page, the gala's form, the ticket with its QR code."""

from __future__ import annotations

import re

import pytest
import zxingcpp
from PIL import Image

from tests.support.factories import make_show
from tests.support.registering import confirm_link

pytestmark = pytest.mark.browser


@pytest.fixture
def console_errors(page):
    """Errors the page logs (a CSP violation, a script error): a test ends with none. HTTP
    statuses are the tests' own business (a 422 answer, the absent favicon)."""
    errors = []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def fill_form(
    page, *, name="Đặng Thu Hà", email="ha.dang@example.com", phone="0912 345 678", birth_year="2005"
):
    page.fill("#name", name)
    page.fill("#email", email)
    page.fill("#phone", phone)
    page.fill("#birth_year", birth_year)
    page.check("#consent")


def test_register_for_the_gala_on_a_phone_and_see_the_ticket(seeded, page, console_errors, tmp_path):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"
    gala = page.locator("#show-gala")
    assert "Còn 5000 vé" in gala.inner_text()
    assert fits_the_screen(page)
    gala.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/shows/gala/register$"))
    assert fits_the_screen(page)
    fill_form(page)
    page.get_by_role("button", name="Nhận vé").click()
    # The answer is the same for anybody: the ticket's link arrives by e-mail.
    page.wait_for_url(re.compile(r"/shows/gala/registered$"))
    assert "Hãy kiểm tra e-mail" in page.locator("h1").inner_text()
    assert fits_the_screen(page)
    page.goto(confirm_link(seeded, "ha.dang@example.com"))
    assert page.locator(".attendee-name").inner_text() == "Đặng Thu Hà"
    qr = page.locator(".qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 200 and box["width"] <= 390  # large, and fits a phone's width
    assert re.fullmatch(
        r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", page.locator(".ticket-code").inner_text().strip()
    )
    assert fits_the_screen(page)

    # What the volunteer's scanner sees: the QR as rendered on this screen decodes to a
    # genuine payload for this very ticket.
    shot = tmp_path / "qr.png"
    page.locator(".qr").screenshot(path=str(shot))
    [result] = zxingcpp.read_barcodes(Image.open(shot), formats=zxingcpp.BarcodeFormat.QRCode)
    from checkin.tickets import verify_payload

    verified = verify_payload(result.text, seeded.extensions["checkin_keyring"])
    assert verified is not None
    assert verified.code == page.locator(".ticket-code").inner_text().strip().replace("-", "")
    assert console_errors == []


def test_a_failed_submit_shows_the_message_next_to_the_field(app, page, console_errors):
    make_show(app, "gala", quota=5)
    page.goto("/shows/gala/register")
    fill_form(page, phone="12345")
    page.get_by_role("button", name="Nhận vé").click()
    error = page.locator("#phone-error")
    assert error.is_visible()
    assert error.inner_text() == "Số điện thoại chưa đúng (ví dụ: 0912 345 678)."
    # Next to its own field, tied to the input for screen readers, and the rest kept.
    assert (
        page.locator(".field", has=page.locator("#phone")).locator(".field-error").inner_text()
        == error.inner_text()
    )
    assert page.locator("#phone").get_attribute("aria-describedby") == "phone-error"
    assert page.locator("#phone").get_attribute("aria-invalid") == "true"
    assert page.locator("#name").input_value() == "Đặng Thu Hà"
    assert page.locator("#form-error").is_visible()
    assert page.locator("#name-error").count() == 0
    page.fill("#phone", "0912 345 678")
    page.check("#consent")
    page.get_by_role("button", name="Nhận vé").click()
    page.wait_for_url(re.compile(r"/shows/gala/registered$"))
    assert console_errors == []


def test_the_guardian_fields_appear_only_for_a_child(app, page):
    make_show(app, "gala")
    page.goto("/shows/gala/register")
    page.fill("#birth_year", "2000")
    assert page.locator("#guardian").is_hidden()
    page.fill("#birth_year", "2013")
    assert page.locator("#guardian").is_visible()


def test_the_language_switcher_gives_english(seeded, page):
    page.goto("/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert "5000 seats left" in page.locator("#show-gala").inner_text()
