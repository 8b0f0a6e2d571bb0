"""axe-core (from npm, pinned in package-lock.json) on every page and state a person reaches
(tests/support/tour.py), at all impact levels: any violation fails, named by page and rule.
The same tour checks that every control a thumb must hit is 44 px tall (WCAG 2.5.5).
One browser, one page per role, reused: about half a minute."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE_VIEWPORT
from tests.support import services, tour

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
# Every rule axe has, best practices included, not only the WCAG-tagged ones.
AXE_RUN = (
    "async () => { const r = await axe.run(document, {resultTypes: ['violations']}); "
    "return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, count: v.nodes.length, "
    "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
)

# Controls a thumb must hit: buttons, fields, and links that act as controls (in the header,
# navigation and footer, or styled as buttons). Links inside running text are exempt.
TARGETS = (
    "main .button, main button, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), "
    "main select, main textarea, header a, nav a, footer a, nav button, summary"
)
SMALL_TARGETS = f"""() => [...document.querySelectorAll({TARGETS!r})]
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map(el => [el.outerHTML.slice(0, 80), Math.round(el.getBoundingClientRect().height)])
  .filter(([, height]) => height < 44)"""


def axe_violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the pages' CSP allows no inline script.
        page.evaluate(AXE.read_text())
    return page.evaluate(AXE_RUN)


@pytest.fixture
def pages(browser, live_server):
    if not AXE.exists():
        services.missing("axe-core: `make install` runs npm ci")
    contexts, pages = [], {}
    for role in ("public", "organiser", "volunteer"):
        context = browser.new_context(
            locale="vi-VN",
            viewport=PHONE_VIEWPORT,
            is_mobile=True,
            has_touch=True,
            base_url=live_server.base_url,
        )
        contexts.append(context)
        pages[role] = context.new_page()
    yield pages
    for context in contexts:
        context.close()


def test_axe_finds_nothing_and_every_tap_target_is_44_px_on_any_page(app, live_server, pages):
    data = tour.prepare(app)
    tour.sign_in(pages["organiser"], live_server.url, *tour.ORGANISER, then="organiser")
    tour.sign_in(pages["volunteer"], live_server.url, *tour.VOLUNTEER, then="volunteer")
    found, small = {}, {}
    for step in tour.steps(data):
        page = pages[step.role]
        step.go(page, live_server.url)
        violations = axe_violations(page)
        if violations:
            found[step.name] = violations
        if targets := page.evaluate(SMALL_TARGETS):
            small[step.name] = targets
    # The English festival page too: the other language's words change lengths, not markup.
    pages["public"].goto(live_server.url("/?lang=en"))
    if violations := axe_violations(pages["public"]):
        found["festival-en"] = violations
    impacts: dict[str, int] = {}
    for violation in (v for vs in found.values() for v in vs):
        impacts[violation["impact"]] = impacts.get(violation["impact"], 0) + violation["count"]
    assert not found, f"axe: {impacts} on {len(found)} pages\n" + json.dumps(
        found, ensure_ascii=False, indent=1
    )
    assert not small, "tap targets under 44 px:\n" + json.dumps(small, ensure_ascii=False, indent=1)


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Presses Tab until `selector` has the focus, as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus by Tab")


def test_registration_by_keyboard_alone(app, page):
    from tests.support.factories import make_show

    make_show(app, "gala", quota=5)
    page.goto("/shows/gala/register")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    for selector, text in (
        ("#name", "Đặng Thu Hà"),
        ("#email", "ha.dang@example.com"),
        ("#phone", "0912 345 678"),
        ("#birth_year", "2005"),
    ):
        _tab_to(page, selector)
        page.keyboard.type(text)
    # An adult: the guardian's fields are out of the way, so Tab goes from the year to consent.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "consent"
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert not page.url.endswith("/register")  # on to "check your e-mail"


def test_a_failed_submit_moves_the_focus_to_the_errors_tied_to_their_fields(app, page):
    from tests.support.factories import make_show

    make_show(app, "gala", quota=5)
    page.goto("/shows/gala/register")
    page.fill("#birth_year", "2030")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator("#form-error")
    assert page.evaluate("document.activeElement.id") == "form-error"
    assert summary.get_attribute("role") == "alert"
    assert "từ 1900 đến năm nay" in page.locator("#birth_year-error").inner_text()
    for field in ("name", "email", "phone", "birth_year", "consent"):
        control = page.locator(f"#{field}")
        assert control.get_attribute("aria-invalid") == "true", field
        assert f"{field}-error" in control.get_attribute("aria-describedby").split(), field
        # The summary links to the field, and the field's border turns red whatever its type.
        assert summary.locator(f"a[href='#{field}']").count() == 1, field
    assert (
        page.evaluate("getComputedStyle(document.querySelector('#email')).borderTopColor")
        == "rgb(179, 38, 30)"
    )
    summary.locator("a[href='#phone']").click()
    assert page.evaluate("document.activeElement.id") == "phone"


def test_the_guardians_box_stays_out_of_an_adults_way_without_a_script(app, browser, live_server):
    from tests.support.factories import make_show

    make_show(app, "gala", quota=5)
    context = browser.new_context(
        java_script_enabled=False, viewport=PHONE_VIEWPORT, base_url=live_server.base_url
    )
    page = context.new_page()
    try:
        page.goto("/shows/gala/register")
        guardian = page.locator("#guardian")
        assert guardian.is_hidden()
        page.fill("#birth_year", "2000")
        assert guardian.is_hidden()
        page.fill("#birth_year", "2013")
        assert guardian.is_visible()
    finally:
        context.close()
