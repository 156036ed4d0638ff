"""The fallback engine (folded LIKE over search_documents), on SQLite and PostgreSQL.

search_engine() uses it on a database without a dedicated engine; its writing
is also what the SQLite FTS5 engine builds on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.extensions import db
from portal.search import SearchDocument, SearchQuery
from portal.search.table import TableEngine
from portal.testing import make_app

from .conftest import database_params, database_url_for, drop_app

NOW = datetime.now(UTC)


def doc(object_id, title, lead="", body="", *, days=1, kind="article", category=1):
    return SearchDocument(kind=kind, object_id=object_id, title=title, lead=lead, body=body,
                          url=f"/x/{object_id}", published_at=NOW - timedelta(days=days),
                          category_id=category)  # fmt: skip


@pytest.fixture(scope="module", params=database_params())
def engine_app(request, tmp_path_factory):
    url = database_url_for(request.param)
    app = make_app(database_url=url, instance_path=str(tmp_path_factory.mktemp("table")))
    yield app
    drop_app(app, url)


def test_table_engine_writes_ranks_filters_and_removes(engine_app):
    engine = TableEngine()
    with engine_app.app_context():
        engine.index([
            doc(1, "Tin khác", "Về Bắc Kạn", days=1),
            doc(2, "Bắc Kạn hôm nay", days=5),
            doc(3, "Bắc Kạn ngày mai", days=-1),  # future
            doc(4, "Chuyện cũ", "", "ở bac kan", days=2, category=2),
            doc(5, "Bắc Kạn ghi chú", kind="note", days=1),
        ])  # fmt: skip
        db.session.commit()

        def ids(text, **filters):
            results = engine.search(SearchQuery(text, **filters), text.split())
            return [hit.object_id for hit in results.hits], results.total

        assert ids("bac kan", kinds=("article",)) == ([2, 1, 4], 3)
        assert ids("bac kan", kinds=("article",), per_page=1, page=2) == ([1], 3)
        assert ids("bac kan", category_ids=(2,)) == ([4], 1)
        assert ids("bac kan", excluded_category_ids=(2,), kinds=("article",)) == ([2, 1], 2)
        assert ids("bac kan", excluded_category_ids=(1, 2)) == ([], 0)
        assert ids("bac kan", date_from=NOW.date() - timedelta(days=3))[1] == 3
        assert ids("bac kan", date_to=date(2000, 1, 1)) == ([], 0)

        engine.index([doc(2, "Đổi tên", days=5)])
        engine.remove("article", [1, 99])
        db.session.commit()
        assert ids("bac kan", kinds=("article",)) == ([4], 1)
        engine.clear("note")
        db.session.commit()
        assert ids("bac kan") == ([4], 1)
        engine.clear()
        db.session.commit()
        assert ids("doi ten") == ([], 0)
