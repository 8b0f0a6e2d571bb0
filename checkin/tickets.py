"""Ticket identity: short codes, link tokens, the signed QR payload and its images.

Payload (version 1): ``K1:<kid>:<code>:<signature>``, all in the QR alphanumeric alphabet
(digits, A-Z and ':'), so the QR encoder uses alphanumeric mode (5.5 bits a character):
121 characters fit a version 5 symbol (37x37 modules) at error correction M. The signature
is Ed25519 over ``K1:<kid>:<code>``, base32 without padding. It carries no personal data.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from typing import Any

import qrcode

from .signing import Keyring

# No 0/O, 1/I/L: a volunteer reads the code off a cracked screen and types it.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
PAYLOAD_VERSION = "K1"
_PAYLOAD_RE = re.compile(rf"^K1:([A-Z2-7]{{5}}):([{CODE_ALPHABET}]{{{CODE_LENGTH}}}):([A-Z2-7]{{103}})$")
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
# RFC 4648 base32 spelled in int()'s base-32 digits.
_BASE32_AS_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV")


def new_code() -> str:
    # One draw from the OS for the whole code, not one a character (every registration makes one).
    number = secrets.randbelow(len(CODE_ALPHABET) ** CODE_LENGTH)
    digits = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return "".join(digits)


def new_token() -> str:
    """The ticket link's secret: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


# A link's secret (a ticket's, a group's, a consent's) is stored in a String(64) column.
LINK_TOKEN_MAX = 64


def could_be_link_token(token: str) -> bool:
    """Whether a string could be a link's secret at all: anything else is not looked up."""
    return bool(token) and len(token) <= LINK_TOKEN_MAX


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def parse_code(typed: str) -> str | None:
    """A typed code in any case, with spaces or dashes, to its stored form; None if impossible."""
    cleaned = re.sub(r"[\s\-]", "", typed or "").upper()
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def sign_payload(code: str, keyring: Keyring) -> str:
    key = keyring.current  # once: a refresh in between must not pair one key's id with another's signature
    message = f"{PAYLOAD_VERSION}:{key.kid}:{code}"
    signature = key.private_key.sign(message.encode("ascii"))
    return f"{message}:{base64.b32encode(signature).decode().rstrip('=')}"


@dataclass(frozen=True)
class VerifiedPayload:
    kid: str
    code: str


def verify_payload(text: str, keyring: Keyring) -> VerifiedPayload | None:
    """The ticket code a payload vouches for, or None if it is not a genuine ticket of ours."""
    match = _PAYLOAD_RE.match((text or "").strip())
    if match is None:
        return None
    kid, code, signature_b32 = match.groups()
    # 103 base32 characters are 515 bits: the signature's 512 and 3 unused ones, which must be
    # zero (the canonical spelling), or eight different strings would verify as one ticket.
    # Read as one base-32 number by int() (base64.b32decode is a Python loop, on every scan).
    bits = int(signature_b32.translate(_BASE32_AS_DIGITS), 32)
    if bits & 0b111:
        return None
    signature = (bits >> 3).to_bytes(64, "big")
    message = f"{PAYLOAD_VERSION}:{kid}:{code}".encode("ascii")
    if not keyring.verify(kid, message, signature):
        return None
    return VerifiedPayload(kid=kid, code=code)


def _qr(payload: str, box_size: int = 10) -> qrcode.QRCode[Any]:
    qr = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, border=4, box_size=box_size)
    qr.add_data(payload, optimize=0)
    qr.make(fit=True)
    return qr


def qr_version(payload: str) -> int:
    return _qr(payload).version


# Drawing a QR code takes ~35 ms of pure Python (most of it choosing the best of 8 masks), and
# Ed25519 signatures are deterministic, so a ticket's payload and its images never change for a
# key: a page reloaded at the gate is served from memory. Immutable str/bytes, bounded size.
@functools.lru_cache(maxsize=1024)
def qr_svg(payload: str) -> str:
    """An inline SVG; scales to any size without blur. qrcode chooses the version and the mask."""
    return _svg(_qr(payload).get_matrix())


def _svg(matrix: list[list[bool]]) -> str:
    """The path is drawn here, one rectangle per run of dark modules in a row: qrcode's
    SvgPathImage builds an ElementTree node per module, about a third of a first drawing's time
    (the rest is qrcode's choice of mask; issue 20). Same shape of path ("Mx,yH..V..H..z"),
    same size in mm."""
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start},{y}H{x}V{y + 1}H{start}z")
            else:
                x += 1
    return (
        f'<svg width="{size}mm" height="{size}mm" version="1.1" viewBox="0 0 {size} {size}" '
        f'xmlns="http://www.w3.org/2000/svg"><path d="{"".join(runs)}" id="qr-path" fill="#000000"/></svg>'
    )


@dataclass(frozen=True)
class QrImages:
    svg: str
    png: bytes


def draw(payload: str) -> QrImages:
    """Both images of a ticket from one symbol: the choice of mask, most of the cost, once."""
    qr = _qr(payload)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return QrImages(svg=_svg(qr.get_matrix()), png=buffer.getvalue())


def payload_etag(payload: str) -> str:
    """A validator of a payload's images: the same payload, the same pictures."""
    return hashlib.sha256(payload.encode("ascii")).hexdigest()[:32]


@functools.lru_cache(maxsize=256)
def qr_png(payload: str, box_size: int = 10) -> bytes:
    image = _qr(payload, box_size).make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
