"""Bulk indexing: the benchmark site's index is the one ``portal reindex`` builds, and the
lookups of a bulk ``index()`` read the index by key (SQLite)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select, text

from portal.extensions import db
from portal.models import IndexedDocument
from portal.models.search import SQLITE_FTS_TABLES
from portal.search import SearchDocument, search_engine
from portal.search.indexing import reindex
from portal.search.sqlite import ID_BITS
from portal.testing import make_app

BENCH = Path(__file__).resolve().parents[2] / "bench"


def big_site_module():
    spec = importlib.util.spec_from_file_location("big_site", BENCH / "big_site.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("big_site", module)
    spec.loader.exec_module(module)
    return module


def index_content() -> tuple[list[tuple], dict[str, list[tuple]]]:
    """Every document (without its row id) and every FTS row (by document, publication second)."""
    documents = sorted(
        db.session.execute(
            select(
                IndexedDocument.kind,
                IndexedDocument.object_id,
                IndexedDocument.title,
                IndexedDocument.lead,
                IndexedDocument.body,
                IndexedDocument.url,
                IndexedDocument.published_at,
                IndexedDocument.category_id,
                IndexedDocument.language,
            )
        ).all()
    )
    fts = {}
    for table in SQLITE_FTS_TABLES:
        columns = [row[1] for row in db.session.execute(text(f"PRAGMA table_info({table})")).all()]
        texts = ", ".join(f"f.{c}" for c in columns if c != "doc_id")
        fts[table] = sorted(
            db.session.execute(
                text(
                    f"SELECT d.kind, d.object_id, f.rowid >> {ID_BITS}, {texts} FROM {table} f "
                    f"JOIN search_documents d ON d.id = (f.rowid & {(1 << ID_BITS) - 1})"
                )
            ).all()
        )
    return documents, fts


def test_the_big_site_is_indexed_as_portal_reindex_would(tmp_path):
    big_site = big_site_module()
    app = big_site.build_site(f"sqlite:///{tmp_path / 'big.db'}", 150)
    with app.app_context():
        built = index_content()
        assert len(built[0]) >= 150
        reindex()
        assert index_content() == built
        # The build's fast pragmas stay with the build: the app's connections are as usual.
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        db.session.remove()
        db.engine.dispose()


def test_a_bulk_index_looks_documents_up_by_key(tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'site.db'}")
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    documents = [
        SearchDocument(
            kind="article",
            object_id=number,
            title=f"Bài {number}",
            published_at=moment - timedelta(hours=number),
        )
        for number in range(1, 301)
    ]
    plans: list[str] = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "search_documents" in statement:
            rows = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.extend(row[3] for row in rows.fetchall())

    with app.app_context():
        engine = search_engine(app)
        engine.index(documents)
        db.session.commit()
        event.listen(db.engine, "after_cursor_execute", explain)
        try:
            engine.index(documents[::-1])  # every one already there: looked up, then replaced
            db.session.commit()
        finally:
            event.remove(db.engine, "after_cursor_execute", explain)
        assert plans
        assert not [plan for plan in plans if plan.startswith("SCAN search_documents")], plans
        assert db.session.scalar(select(db.func.count()).select_from(IndexedDocument)) == 300
        db.session.remove()
        db.engine.dispose()
