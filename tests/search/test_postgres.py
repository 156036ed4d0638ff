"""What only the PostgreSQL engine has: search_vectors kept by its trigger, migration 0007.

The shared behaviour (matching, ranking, filters, pages, any input) is tested on
both databases in test_engine.py; these run on PostgreSQL only.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from portal.config import database_uri
from portal.extensions import db
from portal.search import SearchDocument, SearchQuery, search, search_engine
from portal.search.postgres import tsquery_text
from portal.testing import make_app

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_DATABASE_URL is not set"),
]

NOW = datetime.now(UTC).replace(microsecond=0)


def doc(object_id, title, lead="", body="", kind="article"):
    return SearchDocument(
        kind=kind,
        object_id=object_id,
        title=title,
        lead=lead,
        body=body,
        url=f"/bai-viet/{object_id}",
        published_at=NOW - timedelta(hours=object_id),
        category_id=1,
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    url = database_uri(POSTGRES_URL)
    app = make_app(database_url=url, instance_path=str(tmp_path_factory.mktemp("pg")))
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def engine(app):
    with app.app_context():
        engine = search_engine()
        engine.clear()
        db.session.commit()
        yield engine
        db.session.rollback()
        engine.clear()
        db.session.commit()


def found(text_value, **filters):
    return [hit.object_id for hit in search(SearchQuery(text_value, **filters)).hits]


def vectors():
    return dict(
        db.session.execute(
            text(
                "SELECT d.object_id, v.title_vector::text FROM search_vectors v "
                "JOIN search_documents d ON d.id = v.doc_id ORDER BY d.object_id"
            )
        ).all()
    )


def test_the_engine_in_use_is_postgresql(engine):
    assert engine.name == "postgresql"


def test_the_trigger_keeps_the_vectors_of_every_write(engine):
    engine.index([doc(1, "Hồ Ba Bể mùa thu"), doc(2, "Chợ Đồn vào mùa lúa")])
    db.session.commit()
    assert vectors() == {
        1: "'ba':2 'be':3 'ho':1 'mua':4 'thu':5",
        2: "'cho':1 'don':2 'lua':5 'mua':4 'vao':3",
    }

    engine.index([doc(1, "Pác Nặm đón khách")])  # replaced: the old words are gone
    db.session.commit()
    assert found("Ba Bể") == []
    assert found("pac nam") == [1]

    engine.remove("article", [2])
    db.session.commit()
    assert list(vectors()) == [1]


def test_clearing_one_kind_keeps_the_others(engine):
    engine.index([doc(1, "Bắc Kạn"), doc(1, "Bắc Kạn", kind="note")])
    engine.clear("note")
    db.session.commit()
    assert db.session.scalar(text("SELECT count(*) FROM search_vectors")) == 1
    assert found("bac kan", kinds=("note",)) == []
    assert found("bac kan") == [1]


def test_words_are_split_like_search_terms(engine):
    engine.index(
        [doc(1, "Thực hiện Chỉ thị số 30-CT/TW", body="email: ubnd@backan.gov.vn, 1.5 ha")]
    )
    db.session.commit()
    # The parser's own tokens (file paths, e-mail addresses, hosts, decimals) are not words here.
    for query in ("30-CT/TW", "CT/TW", "ct tw", "backan gov", "ubnd", "5 ha"):
        assert found(query) == [1], query
    assert found("30-TW") == []


def test_a_huge_body_is_indexed_and_its_start_is_found(engine):
    body = "Khởi đầu. " + " ".join(f"từ{n}" for n in range(200_000))  # about 1.6 MB
    engine.index([doc(1, "Văn bản rất dài", body=body)])
    db.session.commit()
    assert found("khoi dau") == [1]


def test_queries_are_built_from_words_only():
    assert tsquery_text([("chi",), ("30", "ct", "tw")], prefix=True) == (
        "'chi' & '30' <-> 'ct' <-> 'tw':*"
    )
    # Anything that is not letters or digits never reaches to_tsquery.
    assert tsquery_text([("a'b",), ("!",), ("c",)]) == "'c'"


def test_migration_0007_builds_what_create_all_builds(app):
    def shape():
        return (
            db.session.execute(
                text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = 'search_vectors' "
                    "ORDER BY column_name"
                )
            ).all(),
            db.session.execute(
                text(
                    "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = 'search_vectors' "
                    "ORDER BY indexname"
                )
            ).all(),
        )

    with app.app_context():
        from_models = shape()
        db.session.remove()
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))  # left by other tests
        db.session.commit()
        upgrade()
        try:
            assert shape() == from_models
            search_engine().index([doc(1, "Ngân Sơn")])
            db.session.commit()
            assert found("ngan son") == [1]
        finally:
            db.session.remove()
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.create_all()
