"""The calendar file (.ics) of a ticket: the show's times in Asia/Ho_Chi_Minh, for any calendar app."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from .models import Show
from .shows import to_local

PRODUCT_ID = "-//Không Một Mình//checkin//VI"


def ticket_calendar(
    show: Show,
    *,
    code: str,
    title: str,
    description: str,
    ticket_url: str,
    now: datetime,
    cancelled: bool = False,
) -> bytes:
    """One event with its VTIMEZONE, so the times stay right whatever the phone's time zone.

    The UID is the ticket's, so a file received again (a resend, a promotion) updates the same
    calendar entry instead of adding a second one, and a cancelled ticket's file (METHOD:CANCEL,
    STATUS:CANCELLED, a higher SEQUENCE) removes it. No personal data: the code is not secret.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"ticket-{code}@checkin.khongmotminh")
    event.add("sequence", 1 if cancelled else 0)
    if cancelled:
        event.add("status", "CANCELLED")
    event.add("dtstamp", to_local(now))
    event.add("dtstart", to_local(show.starts_at))
    event.add("dtend", to_local(show.ends_at))
    event.add("summary", title)
    event.add("location", show.venue)
    event.add("description", description)
    event.add("url", ticket_url)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical
