"""A ticket's history as an organiser reads it: repeats collapsed into one line with a count
(a phone that scans one QR ten times in a second is one line, "×10"), devices named as
"Android · Chrome" instead of their user-agent string."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from ua_parser import parse

from ..attendees import HistoryEvent

# Browser names without the "Mobile" that the parser adds; the OS already says it is a phone.
_BROWSERS = {"Chrome Mobile": "Chrome", "Chrome Mobile WebView": "Android WebView", "Mobile Safari": "Safari",
             "Mobile Safari UI/WKWebView": "Safari", "Firefox Mobile": "Firefox", "Samsung Internet": "Samsung Internet",
             "HeadlessChrome": "Chrome (headless)", "Chrome Mobile iOS": "Chrome", "Edge Mobile": "Edge"}


@lru_cache(maxsize=256)
def device_label(user_agent: str | None) -> str:
    """"Android · Chrome", "iOS · Safari"; the raw string only when nothing is recognised."""
    if not user_agent:
        return ""
    result = parse(user_agent)
    os_name = result.os.family if result.os and result.os.family != "Other" else ""
    browser = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else ""
    browser = _BROWSERS.get(browser, browser)
    return " · ".join(part for part in (os_name, browser) if part) or user_agent[:40]


@dataclass
class HistoryLine:
    event: HistoryEvent
    count: int
    last_at: datetime


def _same(a: HistoryEvent, b: HistoryEvent) -> bool:
    return a.kind == b.kind and a.details == b.details


def collapsed(events: list[HistoryEvent]) -> list[HistoryLine]:
    """Consecutive events that say the same thing become one line with their count and the
    time of the last one."""
    lines: list[HistoryLine] = []
    for event in events:
        if lines and _same(lines[-1].event, event):
            lines[-1].count += 1
            lines[-1].last_at = event.at
        else:
            lines.append(HistoryLine(event, 1, event.at))
    return lines
