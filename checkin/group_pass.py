"""The teacher's group pass: a QR kind of its own, ``G1:<kid>:<pass code>:<signature>``, signed
with the tickets' Ed25519 keys over ``G1:<kid>:<pass code>``. The prefix is part of what is
signed, so no ticket's signature makes a group pass nor the reverse. No personal data in it."""

from __future__ import annotations

import base64
import re

from .signing import Keyring
from .tickets import CODE_ALPHABET, CODE_LENGTH

PASS_VERSION = "G1"
_PASS_RE = re.compile(rf"^G1:([A-Z2-7]{{5}}):([{CODE_ALPHABET}]{{{CODE_LENGTH}}}):([A-Z2-7]{{103}})$")


def sign_pass(pass_code: str, keyring: Keyring) -> str:
    key = keyring.current
    message = f"{PASS_VERSION}:{key.kid}:{pass_code}"
    signature = key.private_key.sign(message.encode("ascii"))
    return f"{message}:{base64.b32encode(signature).decode().rstrip('=')}"


def is_group_pass(text: str) -> bool:
    return (text or "").strip().startswith(PASS_VERSION + ":")


def verify_pass(text: str, keyring: Keyring) -> str | None:
    """The pass code a genuine group pass vouches for, else None."""
    match = _PASS_RE.match((text or "").strip())
    if match is None:
        return None
    kid, code, signature_b32 = match.groups()
    raw = base64.b32decode(signature_b32 + "=")
    # 103 characters carry 515 bits: the three spare ones must be zero (one spelling a pass).
    if base64.b32encode(raw).decode().rstrip("=") != signature_b32:
        return None
    if not keyring.verify(kid, f"{PASS_VERSION}:{kid}:{code}".encode("ascii"), raw):
        return None
    return code
