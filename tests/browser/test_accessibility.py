"""axe-core (from npm, pinned in package-lock.json) on every page and state a person reaches
(tests/support/tour.py), at all impact levels: any violation fails, named by page and rule.
One browser, one page per role, reused: about a minute."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE_VIEWPORT
from tests.support import services, tour

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
# Every rule axe has, best practices included, not only the WCAG-tagged ones.
AXE_RUN = "async () => { const r = await axe.run(document, {resultTypes: ['violations']}); " \
          "return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, count: v.nodes.length, " \
          "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"


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
        context = browser.new_context(locale="vi-VN", viewport=PHONE_VIEWPORT, is_mobile=True,
                                      has_touch=True, base_url=live_server.base_url)
        contexts.append(context)
        pages[role] = context.new_page()
    yield pages
    for context in contexts:
        context.close()


def test_axe_finds_nothing_on_any_page(app, live_server, pages):
    data = tour.prepare(app)
    tour.sign_in(pages["organiser"], live_server.url, *tour.ORGANISER, then="organiser")
    tour.sign_in(pages["volunteer"], live_server.url, *tour.VOLUNTEER, then="volunteer")
    found = {}
    for step in tour.steps(data):
        page = pages[step.role]
        step.go(page, live_server.url)
        violations = axe_violations(page)
        if violations:
            found[step.name] = violations
    # The English festival page too: the other language's words change lengths, not markup.
    pages["public"].goto(live_server.url("/?lang=en"))
    if violations := axe_violations(pages["public"]):
        found["festival-en"] = violations
    impacts: dict[str, int] = {}
    for violation in (v for vs in found.values() for v in vs):
        impacts[violation["impact"]] = impacts.get(violation["impact"], 0) + violation["count"]
    assert not found, f"axe: {impacts} on {len(found)} pages\n" + json.dumps(found, ensure_ascii=False, indent=1)
