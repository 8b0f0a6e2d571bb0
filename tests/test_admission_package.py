"""The admission package's pure parts, through their public names: the order an offline queue
is recorded in, and the one reading of a search shared by the gate and the attendee search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from checkin import admission
from checkin.admission import search

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def offline(client_scan_id: str, scanned_at: datetime | None) -> admission.OfflineScan:
    return admission.OfflineScan(
        "payload", "admitted", "Cổng A", "in", client_scan_id, scanned_at, "gala", None
    )


def test_an_offline_queue_is_recorded_in_device_time_then_client_id_then_upload_order():
    queue = [
        offline("c", NOW - timedelta(minutes=1)),
        offline("b", NOW - timedelta(minutes=5)),
        offline("a", None),  # no device time: the server's
        offline("a", NOW - timedelta(minutes=1)),
        offline("c", NOW - timedelta(minutes=1)),  # a tie: after its twin, as uploaded
    ]
    assert admission.upload_order(queue, NOW) == [1, 3, 0, 4, 2]


def test_a_query_is_read_as_code_phone_and_folded_name():
    query = search.read_query("  Nguyễn Văn Đức ")
    assert (query.text, query.code, query.phone, query.name) == (
        "Nguyễn Văn Đức",
        None,
        None,
        "nguyen van duc",
    )
    assert query.letters == 12 and query.digits == 0
    phone = search.read_query("0912 345 678")
    assert phone.phone is not None and phone.digits == 10


def test_only_the_ways_a_query_can_match_become_conditions():
    name_only = search.read_query("duc")
    assert len(search.conditions(name_only, ["code", "phone", "name", "email"])) == 2  # name, email
    assert search.conditions(name_only, ["code", "phone"]) == []
    assert search.matching(name_only, ["code"]) is None


def test_an_unknown_kind_of_search_is_refused():
    with pytest.raises(ValueError, match="birth_year"):
        search.conditions(search.read_query("duc"), ["birth_year"])
