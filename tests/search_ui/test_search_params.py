"""The search page's query-string helpers, without an app: dates, page links, cleaning."""

from __future__ import annotations

from datetime import date

import pytest

from blocks.search import clean_text, page_numbers, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("29/11/2023", date(2023, 11, 29)),
        ("1/2/2024", date(2024, 2, 1)),
        ("29.11.2023", date(2023, 11, 29)),
        ("29-11-2023", date(2023, 11, 29)),
        ("2023-11-29", date(2023, 11, 29)),
        (" 2024-02-29 ", date(2024, 2, 29)),
        ("29/02/2023", None),
        ("31/04/2024", None),
        ("2024-13-01", None),
        ("11/29/2023", None),  # month-first is not a date here
        ("29/11/23", None),
        ("0001-01-01", None),
        ("99999-01-01", None),
        ("", None),
        ("hôm nay", None),
        ("2024-01-01' OR 1=1", None),
    ],
)
def test_dates_are_day_first_or_iso(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (1, 0, []),
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),
        (6, 20, [1, None, 4, 5, 6, 7, 8, None, 20]),
        (20, 20, [1, None, 18, 19, 20]),
        (4, 7, [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_page_numbers_keep_the_ends_and_the_neighbours(current, last, expected):
    assert page_numbers(current, last) == expected


def test_clean_text_drops_control_and_invisible_characters():
    assert clean_text("  bắc\x00kạn\t\n\x1b[31m  ") == "bắc kạn [31m"
    assert clean_text("chỉ\u200bthị\u202e 30") == "chỉ thị 30"
    assert clean_text("Bắc Kạn") == "Bắc Kạn"
