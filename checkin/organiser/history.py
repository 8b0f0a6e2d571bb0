"""A ticket's history as an organiser reads it: repeats collapsed into one line with a count
(a phone that scans one QR ten times in a second is one line, "×10"), devices named by
checkin/devices.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..attendees import HistoryEvent


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
