"""Reading the e-mail the app sends: its parts, the QR in its inline image, its calendar file."""

from __future__ import annotations

import io
from email import message_from_bytes, policy
from email.message import EmailMessage

import zxingcpp
from icalendar import Calendar
from PIL import Image


def parts(message: EmailMessage) -> dict[str, EmailMessage]:
    """The leaf parts by content type (the last one wins; our messages have one of each)."""
    return {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}


def decode_qr(png: bytes) -> str:
    """The text of the QR code in a PNG, read by ZXing-C++ (independent of the encoder)."""
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, f"expected one barcode, found {len(results)}"
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return results[0].text


def calendar_event(ics: bytes):
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


class Collect:
    """A mail transport that keeps what it is given, parsed as received."""

    def __init__(self):
        self.sent = []

    def send(self, message, name):
        self.sent.append(message_from_bytes(message.as_bytes(), policy=policy.default))
