"""Where each gate sits on our drawing of the square (templates/public/_venue_map.svg).

A gate named after a street we draw goes on that street's side; any other gate an organiser
adds takes the next free place along the top edge, so every gate is on the map."""

from __future__ import annotations

from dataclasses import dataclass

from . import bp

# Points on the square's outline in the drawing's coordinates (viewBox 0 0 360 260).
STREET_SPOTS = {
    "đinh tiên hoàng": (300, 150),
    "hàng khay": (180, 178),
    "lê thái tổ": (60, 150),
}
OTHER_SPOTS = [(120, 44), (240, 44), (180, 44), (90, 100), (270, 100), (150, 44), (210, 44)]


@dataclass(frozen=True)
class GateMark:
    number: int
    label: str
    x: int
    y: int


@bp.app_template_global()
def venue_gate_marks(labels: list[str]) -> list[GateMark]:
    marks, others, taken = [], iter(OTHER_SPOTS), set()
    for number, label in enumerate(labels, start=1):
        spot = next(
            (xy for street, xy in STREET_SPOTS.items() if street in label.lower() and xy not in taken), None
        )
        if spot is None:
            spot = next(others, (180, 110))
        taken.add(spot)
        marks.append(GateMark(number, label, *spot))
    return marks
