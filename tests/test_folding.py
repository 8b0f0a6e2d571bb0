"""Names match without case or diacritics, in Python and in each database's SQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from checkin import folding
from checkin.folding import fold, folded

NAMES = [
    "Nguyễn Văn Đức",
    "LÊ THỊ HỒNG NHUNG",
    "Phạm Thu Trang",
    "Trần Quốc Toản",
    "Đỗ Ngọc Ánh",
    "Bùi Xuân Hưởng",
    "Hoàng Yến",
    "Vũ Thị Ỷ Lan",
    "Mary O'Neil",
]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("ĐỖ  NGỌC   ÁNH", "do ngoc anh"),
        ("hưởng", "huong"),
        # Decomposed input (a combining mark after its letter) folds as the composed one.
        ("Nguye\u0302\u0303n", "nguyen"),
    ],
)
def test_fold_drops_case_diacritics_and_extra_spaces(typed, expected):
    assert fold(typed) == expected


def test_the_sql_fold_agrees_with_python_on_every_vietnamese_letter_and_on_names(app):
    from checkin.extensions import db

    texts = [*folding._FROM, *NAMES, "ABC xyz 123"]
    with app.app_context():
        in_sql = db.session.execute(select(*(folded(literal(text)) for text in texts))).one()
    assert list(in_sql) == [fold(text) for text in texts]
    assert len(folding._FROM) == (12 * 5 + 6 + 1) * 2  # the 12 vowels toned, ă â ê ô ơ ư, đ; both cases
