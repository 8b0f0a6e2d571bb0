"""A phone described the way a person names it, "Android · Chrome", from its user-agent string:
what the scan log keeps and the console shows, instead of a long string that half identifies
the phone and that nobody reads."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

# Browser names without the "Mobile" that the parser adds; the OS already says it is a phone.
_BROWSERS = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile WebView": "Android WebView",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Firefox Mobile": "Firefox",
    "Samsung Internet": "Samsung Internet",
    "HeadlessChrome": "Chrome (headless)",
    "Chrome Mobile iOS": "Chrome",
    "Edge Mobile": "Edge",
}


@lru_cache(maxsize=256)
def describe(user_agent: str | None) -> str:
    """ "Android · Chrome", "iOS · Safari"; the raw string only when nothing is recognised."""
    if not user_agent:
        return ""
    result = parse(user_agent)
    os_name = result.os.family if result.os and result.os.family != "Other" else ""
    browser = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else ""
    browser = _BROWSERS.get(browser, browser)
    if browser == os_name:  # a string cut short before its browser ("Android · Android")
        browser = ""
    return " · ".join(part for part in (os_name, browser) if part) or user_agent[:40]
