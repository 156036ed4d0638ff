"""``portal import-site`` writes the rows of tree tables (categories, pages, articles that
translate others) parents first, without holding the table: memory stays flat."""

from __future__ import annotations

from portal.content.exchange import _parents_first
from portal.models import Article, Category


def test_rows_whose_parents_came_before_are_passed_on_at_once():
    consumed = []

    def rows():
        for number in range(1, 1001):
            consumed.append(number)
            parent = None if number % 10 == 1 else number - 1  # chains of ten
            yield number - 1, {"id": number, "translation_of_id": parent}

    for index, row in _parents_first(Article.__table__, rows()):
        assert consumed[-1] == row["id"]  # nothing read ahead, nothing held back
        assert index == row["id"] - 1


def test_a_child_before_its_parents_waits_for_every_one_of_them():
    rows = [
        (0, {"id": 3, "parent_id": 5, "translation_of_id": None}),
        (1, {"id": 1, "parent_id": None, "translation_of_id": 9}),
        (2, {"id": 5, "parent_id": 1, "translation_of_id": None}),
        (3, {"id": 4, "parent_id": 3, "translation_of_id": None}),
        (4, {"id": 7, "parent_id": 1, "translation_of_id": None}),
        (5, {"id": 9, "parent_id": None, "translation_of_id": None}),
        (6, {"id": 8, "parent_id": 99, "translation_of_id": None}),  # its parent never comes
    ]
    ordered = [row["id"] for _index, row in _parents_first(Category.__table__, iter(rows))]
    assert sorted(ordered) == [1, 3, 4, 5, 7, 8, 9]
    for _index, row in rows:
        for column in ("parent_id", "translation_of_id"):
            parent = row[column]
            if parent in ordered:
                assert ordered.index(parent) < ordered.index(row["id"])
