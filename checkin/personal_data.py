"""Validation and normalisation of the little personal data we collect (invariant 4, 8).

Errors are codes per field; the web layer turns them into translated messages
(checkin/messages.py). Normal forms: names NFC, e-mail lower-case, phone E.164 (Vietnam).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .errors import InvalidInput

NAME_MAX = 100
EMAIL_MAX = 254
PHONE_RAW_MAX = 30
OLDEST_BIRTH_YEAR = 1900
# Personal Data Protection Law 91/2025/QH15: a child's data needs a parent's or guardian's
# consent. We know only the birth year, so anyone who may still be 15 on the day counts.
GUARDIAN_AGE = 16
# The version of templates/public/privacy.html that a consent refers to, recorded with each
# registrant's consent. A change of the notice's text must come with a new version: the test
# beside it (tests/test_privacy.py) holds the text's SHA-256 and fails until both are updated.
PRIVACY_NOTICE_VERSION = "2026-11-29"
PRIVACY_NOTICE_SHA256 = "0a91dd07f108d3fc22db1825ccbccb29327b1d23ad394878d1a4008901e751be"


@dataclass(frozen=True)
class Registrant:
    name: str
    email: str
    phone: str
    birth_year: int
    guardian_name: str | None
    guardian_consent: bool


def normalize_name(raw: object, field: str, errors: dict[str, str]) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        errors[field] = "required"
        return None
    name = unicodedata.normalize("NFC", raw)
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        errors[field] = "control_characters"
        return None
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        errors[field] = "too_long"
        return None
    # A name has at least one letter: emoji or punctuation alone is not a name.
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        errors[field] = "not_a_name"
        return None
    return name


def normalize_email(raw: object, errors: dict[str, str]) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        errors["email"] = "required"
        return None
    raw = raw.strip()
    if len(raw) > EMAIL_MAX:
        errors["email"] = "too_long"
        return None
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        errors["email"] = "invalid_email"
        return None
    # The whole address in lower case: "An@Example.com" and "an@example.com" are one person.
    return result.normalized.lower()


def normalize_phone(raw: object, errors: dict[str, str]) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        errors["phone"] = "required"
        return None
    if len(raw) > PHONE_RAW_MAX or re.search(r"[^\d\s().+\-]", raw):
        errors["phone"] = "invalid_phone"
        return None
    digits = re.sub(r"\D", "", raw)
    candidates = [raw]
    # "84-912-345-678": the country code written without its plus sign.
    if not raw.strip().startswith("+") and digits.startswith("84") and len(digits) >= 11:
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, "VN")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    errors["phone"] = "invalid_phone"
    return None


def _birth_year(raw: object, now: datetime, errors: dict[str, str]) -> int | None:
    if isinstance(raw, bool):
        errors["birth_year"] = "invalid_birth_year"
        return None
    # isdecimal, not isdigit: int() cannot read "²⁰⁰⁴"; and a year has four digits, not 5,000.
    if isinstance(raw, str) and raw.strip().isdecimal() and len(raw.strip()) <= 4:
        raw = int(raw.strip())
    if raw is None or raw == "":
        errors["birth_year"] = "required"
        return None
    if not isinstance(raw, int) or not OLDEST_BIRTH_YEAR <= raw <= now.year:
        errors["birth_year"] = "invalid_birth_year"
        return None
    return raw


def needs_guardian(birth_year: int, now: datetime) -> bool:
    return now.year - birth_year <= GUARDIAN_AGE


def _consent(raw: object) -> bool:
    return raw is True or (isinstance(raw, str) and raw.lower() in ("y", "yes", "true", "on", "1"))


def validate_registrant(values: dict[str, object], now: datetime) -> Registrant:
    """Checks every field at once, so that a person sees all their mistakes together."""
    errors: dict[str, str] = {}
    name = normalize_name(values.get("name"), "name", errors)
    email = normalize_email(values.get("email"), errors)
    phone = normalize_phone(values.get("phone"), errors)
    birth_year = _birth_year(values.get("birth_year"), now, errors)
    if not _consent(values.get("consent")):
        errors["consent"] = "consent_required"
    guardian_name = None
    guardian_consent = False
    if birth_year is not None and needs_guardian(birth_year, now):
        guardian_name = normalize_name(values.get("guardian_name"), "guardian_name", errors)
        guardian_consent = _consent(values.get("guardian_consent"))
        if not guardian_consent:
            errors["guardian_consent"] = "guardian_consent_required"
    if errors:
        raise InvalidInput(errors)
    # Each normaliser returns None only after recording its field's error.
    assert name is not None and email is not None and phone is not None and birth_year is not None
    return Registrant(name, email, phone, birth_year, guardian_name, guardian_consent)
