"""Normal forms and validation of the registrant's data (invariants 4 and 8), without an app."""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest

from checkin.errors import InvalidInput
from checkin.personal_data import NAME_MAX, validate_registrant

NOW = datetime(2026, 10, 1, 12, 0)
PRECOMPOSED = unicodedata.normalize("NFC", "Nguyễn Thị Ánh")
COMBINING = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")


def valid(**overrides) -> dict:
    values = {
        "name": "Nguyễn An",
        "email": "an@example.com",
        "phone": "0912 345 678",
        "birth_year": 2004,
        "consent": True,
    }
    values.update(overrides)
    return values


def field_errors(**overrides) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        validate_registrant(valid(**overrides), NOW)
    return caught.value.fields


def test_a_name_typed_with_combining_accents_is_stored_precomposed():
    assert COMBINING != PRECOMPOSED
    assert validate_registrant(valid(name=COMBINING), NOW).name == PRECOMPOSED
    assert validate_registrant(valid(name=PRECOMPOSED), NOW).name == PRECOMPOSED


def test_inner_and_outer_spaces_of_a_name_are_collapsed():
    assert validate_registrant(valid(name="  Nguyễn   An "), NOW).name == "Nguyễn An"


@pytest.mark.parametrize(
    "phone",
    ["0912 345 678", "+84912345678", "84-912-345-678", "(091) 234-5678", "+84 912 345 678", "0912.345.678"],
)
def test_every_way_of_writing_a_vietnamese_mobile_is_one_e164_number(phone):
    assert validate_registrant(valid(phone=phone), NOW).phone == "+84912345678"


def test_a_foreign_number_keeps_its_country():
    assert validate_registrant(valid(phone="+33 6 12 34 56 78"), NOW).phone == "+33612345678"


@pytest.mark.parametrize("email", ["An@Example.com", "an@example.com", "AN@EXAMPLE.COM", "  an@Example.COM "])
def test_an_email_is_one_address_whatever_its_case(email):
    assert validate_registrant(valid(email=email), NOW).email == "an@example.com"


@pytest.mark.parametrize(
    "field,value,code",
    [
        ("name", "", "required"),
        ("name", "   ", "required"),
        ("name", None, "required"),
        ("name", "x" * (NAME_MAX + 1), "too_long"),
        ("name", "An\x00", "control_characters"),
        ("name", "An\u200bBình", "control_characters"),  # zero-width space
        ("name", "An\nBình", "control_characters"),
        ("name", "\u202eAn", "control_characters"),  # right-to-left override
        ("name", "😀🎉", "not_a_name"),
        ("name", "!!! ...", "not_a_name"),
        ("name", 42, "required"),
        ("email", "", "required"),
        ("email", "an", "invalid_email"),
        ("email", "an@", "invalid_email"),
        ("email", "an@example", "invalid_email"),
        ("email", "an example@example.com", "invalid_email"),
        ("email", "a" * 250 + "@example.com", "too_long"),
        ("phone", "", "required"),
        ("phone", "12345", "invalid_phone"),
        ("phone", "0912 345 678 ext", "invalid_phone"),
        ("phone", "09123456789012345678901234567890", "invalid_phone"),
        ("phone", "+84 000 000", "invalid_phone"),
        ("birth_year", None, "required"),
        ("birth_year", "", "required"),
        ("birth_year", "abcd", "invalid_birth_year"),
        ("birth_year", 1899, "invalid_birth_year"),
        ("birth_year", 2027, "invalid_birth_year"),
        ("birth_year", True, "invalid_birth_year"),
        ("birth_year", 2004.5, "invalid_birth_year"),
        ("consent", False, "consent_required"),
        ("consent", None, "consent_required"),
        ("consent", "no", "consent_required"),
    ],
)
def test_bad_values_are_refused_with_a_code_per_field(field, value, code):
    assert field_errors(**{field: value}) == {field: code}


def test_all_mistakes_are_reported_at_once():
    assert field_errors(name="", email="x", phone="1", birth_year="x", consent=False) == {
        "name": "required",
        "email": "invalid_email",
        "phone": "invalid_phone",
        "birth_year": "invalid_birth_year",
        "consent": "consent_required",
    }


def test_under_16_needs_a_guardian_name_and_consent():
    child = NOW.year - 14
    assert field_errors(birth_year=child) == {
        "guardian_name": "required",
        "guardian_consent": "guardian_consent_required",
    }
    assert field_errors(birth_year=child, guardian_name="Trần Bình") == {
        "guardian_consent": "guardian_consent_required"
    }
    registrant = validate_registrant(
        valid(birth_year=child, guardian_name="Trần Bình", guardian_consent=True), NOW
    )
    assert (registrant.guardian_name, registrant.guardian_consent) == ("Trần Bình", True)


def test_someone_who_may_still_be_15_on_the_day_counts_as_under_16():
    assert "guardian_consent" in field_errors(birth_year=NOW.year - 16)
    assert validate_registrant(valid(birth_year=NOW.year - 17), NOW).guardian_name is None


def test_an_adult_needs_no_guardian():
    registrant = validate_registrant(valid(birth_year=2000, guardian_name="ignored"), NOW)
    assert registrant.guardian_name is None and registrant.guardian_consent is False
