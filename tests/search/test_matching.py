"""folded_contains: the admin's accent-insensitive "contains", on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.models import IndexedDocument
from portal.search.matching import escape_like, folded_contains
from portal.search.text import fold
from portal.testing import make_app

from .conftest import database_params, database_url_for, drop_app

ROWS = {
    1: ("Ruộng bậc thang Hoàng Su Phì", "Mùa lúa chín"),
    2: ("ĐƯỜNG LÊN ĐỈNH", "đèo Khau Phạ"),
    3: ("Giảm 50% học phí", "a_b c\\d"),
    4: ("Chỉ thị số 30-CT/TW", ""),
}


@pytest.fixture(scope="module", params=database_params())
def rows_app(request, tmp_path_factory):
    url = database_url_for(request.param)
    app = make_app(database_url=url, instance_path=str(tmp_path_factory.mktemp("matching")))
    with app.app_context():
        for object_id, (title, lead) in ROWS.items():
            db.session.add(
                IndexedDocument(kind="test", object_id=object_id, title=title, lead=lead)
            )
        db.session.commit()
    yield app
    drop_app(app, url)


def matching(app, words, columns=("title", "lead")):
    with app.app_context():
        cols = [getattr(IndexedDocument, name) for name in columns]
        query = select(IndexedDocument.object_id).where(folded_contains(cols, words))
        return sorted(db.session.scalars(query.order_by(IndexedDocument.object_id)))


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("ruong bac thang", [1]),
        ("Ruộng Bậc", [1]),
        ("RUONG lua", [1]),  # words may be in different columns
        ("duong len dinh", [2]),
        ("đuong deo", [2]),
        ("khau pha", [2]),
        ("ruong khau", []),
        ("50%", [3]),
        ("%", [1, 2, 3, 4]),  # no words: everything
        ("a_b", [1, 3]),  # "_" separates words, as in reader search: "a" and "b"
        ("c\\d", [3]),
        ("30-CT/TW", [4]),
        ("'; drop table search_documents; --", []),
        ("", [1, 2, 3, 4]),
    ],
)
def test_folded_contains(rows_app, words, expected):
    assert matching(rows_app, words) == expected


def test_like_wildcards_are_escaped():
    # words are letters and digits only, and escaped all the same
    assert escape_like("50%_\\") == "50\\%\\_\\\\"


def test_no_columns_match_nothing(rows_app):
    assert matching(rows_app, "ruong", columns=()) == []


def test_the_database_folds_like_fold(rows_app):
    samples = ["Bắc Kạn", "ĐẢNG ỦY Đồng Hỷ", "Ưu tiên ờ ở ỡ ợ", "Quảng Nam, Đà Nẵng", "Ý kiến"]
    with rows_app.app_context():
        for sample in samples:
            assert db.session.scalar(text("SELECT portal_fold(:v)"), {"v": sample}) == fold(sample)
