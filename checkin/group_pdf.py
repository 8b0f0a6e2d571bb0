"""A school group's tickets as one PDF (issue 19): A4 pages of eight cards (two columns, four
rows, cut along the dashed lines), each with the ticket's QR code, the member's name, the show
and the ticket's code; the group's pass comes first. For the teacher to print, or to find
attached to the e-mail with the group's links.

The text is set in DejaVu Sans (Debian's fonts-dejavu-core), embedded and subset by fpdf2: it
has every Vietnamese letter with its diacritics, which the PDF core fonts lack.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from . import tickets
from .group_pass import sign_pass
from .group_tickets import members_with_tickets
from .models import Show
from .shows import to_local

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path(__file__).resolve().parent.parent / "static" / "fonts" / "DejaVuSans.ttf",
)
COLUMNS, ROWS = 2, 4
PER_PAGE = COLUMNS * ROWS
MARGIN = 10.0  # mm
QR_SIZE = 42.0  # mm: about 0.9 mm a module, read by a phone from a printed sheet


@dataclass(frozen=True)
class Card:
    payload: str  # what the QR code holds
    name: str
    code: str  # as printed, with its dash
    caption: str  # the show, or what the card is (the group's pass)


def font_path() -> Path:
    for path in FONT_PATHS:
        if path.is_file():
            return path
    raise RuntimeError("DejaVuSans.ttf not found: install Debian's fonts-dejavu-core")


def cards(group, show, members_tickets, keyring, *, pass_caption: str) -> list[Card]:
    """The group's pass, then a card for each member's valid ticket."""
    when = to_local(show.starts_at).strftime("%H:%M %d/%m/%Y")
    title = f"{show.title('vi')} · {when}"
    made = [
        Card(
            sign_pass(group.pass_code, keyring),
            f"{group.school} – {group.class_name}",
            tickets.format_code(group.pass_code),
            f"{pass_caption} · {title}",
        )
    ]
    for member, ticket in members_tickets:
        if ticket.status == "issued":
            made.append(
                Card(
                    tickets.sign_payload(ticket.code, keyring),
                    member.name,
                    tickets.format_code(ticket.code),
                    title,
                )
            )
    return made


def group_pdf(session, group, keyring, *, pass_caption: str) -> tuple[bytes, int]:
    """The group's PDF and how many members' tickets are in it."""
    show = session.get(Show, group.show_id)
    made = cards(group, show, members_with_tickets(session, group), keyring, pass_caption=pass_caption)
    return render(made, title=f"{group.school} – {group.class_name}"), len(made) - 1


def render(cards_: list[Card], *, title: str) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN)
    pdf.set_title(title)
    pdf.set_creator("checkin")
    pdf.add_font("DejaVu", "", str(font_path()))
    width = (pdf.w - 2 * MARGIN) / COLUMNS
    height = (pdf.h - 2 * MARGIN) / ROWS
    for index, card in enumerate(cards_):
        if index % PER_PAGE == 0:
            pdf.add_page()
        column, row = index % COLUMNS, (index % PER_PAGE) // COLUMNS
        x, y = MARGIN + column * width, MARGIN + row * height
        pdf.set_draw_color(150)
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.rect(x, y, width, height)
        pdf.set_dash_pattern()
        pdf.image(
            io.BytesIO(tickets.qr_png(card.payload, 8)), x=x + 3, y=y + (height - QR_SIZE) / 2, w=QR_SIZE
        )
        text_x = x + QR_SIZE + 6
        text_w = width - QR_SIZE - 9
        pdf.set_xy(text_x, y + 8)
        pdf.set_font("DejaVu", size=13)
        pdf.multi_cell(text_w, 6, card.name, align="L", new_x="LEFT", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("DejaVu", size=9)
        pdf.multi_cell(text_w, 4.5, card.caption, align="L", new_x="LEFT", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("DejaVu", size=14)
        pdf.cell(text_w, 7, card.code, new_x="LEFT", new_y="NEXT")
    return bytes(pdf.output())
