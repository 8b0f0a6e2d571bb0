"""How the organiser's pages say an audit entry's values: numbers stay numbers (a capacity of 1
read "yes" and a cut-off of 0 minutes "no", because 1 == True to a dict), yes/no and known words
are translated."""

from __future__ import annotations


def test_numbers_are_not_read_as_yes_or_no_and_words_are_translated(app):
    from checkin.organiser.labels import describe, value_label

    with app.test_request_context("/?lang=vi"):
        assert value_label(1) == "1" and value_label(0) == "0"
        assert value_label(True) == "có"
        assert value_label("waitlisted") == "Trong danh sách chờ"
        assert describe({"venue_capacity": 1, "waitlist_cutoff_minutes": 0}) == (
            "Sức chứa: 1, Đóng danh sách chờ (phút trước giờ mở cửa): 0"
        )
        assert describe({"group_outbox_id": 1}) == "E-mail gửi đoàn số: 1"
