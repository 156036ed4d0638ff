"""The index follows the content: events (publish, edit, unpublish, delete, import),
the ``search`` consumer's retries, ``portal reindex``, and the two search hooks."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.content import articles
from portal.content.events import ContentEvent, content_changed
from portal.content.outbox import SEARCH_CONSUMER, consumer_names
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, IndexedDocument, User
from portal.models.events import DELIVERED, PENDING, OutboxEvent
from portal.models.types import utcnow
from portal.search import SearchQuery, search, search_engine
from portal.search.indexing import index_event
from portal.testing import make_account, sample_content


@pytest.fixture
def app_plugins(test_plugin):
    return [("search_kinds", test_plugin("search_kinds"))]


def found(app, text, **filters) -> list[tuple[str, int]]:
    with app.app_context():
        return [(hit.kind, hit.object_id) for hit in search(SearchQuery(text, **filters)).hits]


def indexed(app) -> set[tuple[str, int]]:
    with app.app_context():
        return set(db.session.execute(select(IndexedDocument.kind, IndexedDocument.object_id)))


def as_editor(app):
    editor_id = make_account(app, "editor")
    return db.session.get(User, editor_id)


def test_the_search_consumer_follows_the_cache(app):
    with app.app_context():
        names = consumer_names(app)
    assert names[:2] == ["cache", SEARCH_CONSUMER]


def test_publish_edit_unpublish_delete_keep_the_index_current(app):
    with app.app_context():
        editor = as_editor(app)
        with unit_of_work(Actor.of_user(editor)):
            article = articles.create_article(
                {
                    "title": "Lễ hội Lồng Tồng ở Ba Bể",
                    "lead": "Đầu xuân",
                    "body_html": "<p>Vui</p>",
                },
                editor,
            )
        article_id = article.id
    assert found(app, "long tong") == []  # a draft is not searchable

    with app.app_context():
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(as_editor(app))):
            articles.publish(article, as_editor(app), expected_version=article.version)
    assert found(app, "long tong") == [("article", article_id)]
    with app.app_context():
        hit = search(SearchQuery("ba be")).hits[0]
        assert hit.url.startswith(f"/bai-viet/{article_id}")

    with app.app_context():
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(as_editor(app))):
            articles.save_article(
                article,
                {"title": "Hội đua thuyền trên hồ Ba Bể", "body_html": "<p>Đua <b>thuyền</b></p>"},
                as_editor(app),
                expected_version=article.version,
            )
    assert found(app, "long tong") == []
    assert found(app, "dua thuyen") == [("article", article_id)]

    with app.app_context():
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(as_editor(app))):
            articles.unpublish(article, as_editor(app), expected_version=article.version)
    assert found(app, "dua thuyen") == []
    assert ("article", article_id) not in indexed(app)

    with app.app_context():
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(as_editor(app))):
            articles.delete_article(article, as_editor(app), expected_version=article.version)
        # an event about an object that is gone removes it (here: nothing left to remove)
        index_event(ContentEvent("deleted", "article", article_id))
        db.session.commit()
    assert ("article", article_id) not in indexed(app)


def test_a_scheduled_article_is_indexed_and_shown_from_its_time(app):
    with app.app_context():
        editor = as_editor(app)
        with unit_of_work(Actor.of_user(editor)):
            article = articles.create_article({"title": "Phiên chợ vùng cao"}, editor)
        with unit_of_work(Actor.of_user(editor)):
            articles.publish(
                article,
                editor,
                expected_version=article.version,
                when=utcnow() + timedelta(hours=3),
            )
        article_id = article.id
    assert ("article", article_id) in indexed(app)
    assert found(app, "phien cho") == []
    with app.app_context():  # its time comes (moved back here, as a clock would move on)
        article = db.session.get(Article, article_id)
        article.published_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        index_event(ContentEvent("edited", "article", article_id))
        db.session.commit()
    assert found(app, "phien cho") == [("article", article_id)]


def test_import_indexes_the_published_articles(app, runner, tmp_path):
    data = {
        "version": 1,
        "categories": [{"slug": "kinh-te", "name": "Kinh tế"}],
        "articles": [
            {"external_id": "a", "title": "Miến dong Na Rì", "category": "kinh-te",
             "status": "published", "published_at": "2024-03-15T09:00:00+07:00"},
            {"external_id": "b", "title": "Miến dong bản nháp", "category": "kinh-te",
             "status": "draft"},
        ],
    }  # fmt: skip
    path = tmp_path / "import.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["portal", "import", str(path)])
    assert result.exit_code == 0, result.output
    hits = found(app, "mien dong")
    assert len(hits) == 1
    with app.app_context():
        title = db.session.get(Article, hits[0][1]).title
    assert title == "Miến dong Na Rì"


def test_reindex_rebuilds_the_index(app, runner):
    with app.app_context():
        sample = sample_content()  # written straight to the database: no event
        article_id = sample["article"].id
        app.extensions["test_notes"] = {1: ("Ghi chú về Bắc Kạn", "", True), 2: ("Ẩn", "", False)}
    assert found(app, "bac kan") == []
    result = runner.invoke(args=["portal", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Đã lập chỉ mục 2 tài liệu." in result.output
    assert found(app, "bac kan") == [("note", 1), ("article", article_id)]  # newest first
    assert found(app, "bac kan", kinds=("note",)) == [("note", 1)]

    app.extensions["test_notes"][1] = ("Ghi chú khác", "", True)
    result = runner.invoke(args=["portal", "reindex", "--kind", "note"])
    assert result.exit_code == 0 and "Đã lập chỉ mục 1 tài liệu." in result.output
    assert found(app, "bac kan") == [("article", article_id)]

    result = runner.invoke(args=["portal", "reindex", "--kind", "khong-co"])
    assert result.exit_code == 1
    assert "Lỗi: Chỉ mục tìm kiếm không có loại nội dung nào tên 'khong-co'" in result.output
    assert indexed(app) == {("article", article_id), ("note", 1)}


def test_a_plugin_kind_follows_its_events(app):
    """portal_search_providers: the plugin's notes are indexed from its own events."""
    app.extensions["test_notes"] = {7: ("Sổ tay Ba Bể", "Ghi chép", True)}
    with app.app_context(), unit_of_work(Actor.system("Kiểm thử")):
        content_changed(ContentEvent("updated", "note", 7))
    assert found(app, "so tay") == [("note", 7)]
    app.extensions["test_notes"][7] = ("Sổ tay Ba Bể", "Ghi chép", False)
    with app.app_context(), unit_of_work(Actor.system("Kiểm thử")):
        content_changed(ContentEvent("updated", "note", 7))
    assert found(app, "so tay") == []


@pytest.mark.parametrize("app_config", [{"TEST_SEARCH_ENGINE": True}])
def test_a_plugin_engine_replaces_the_built_in_one(app):
    """portal_search_engine: events, reindex and searches all go to the plugin's engine."""
    with app.app_context():
        engine = search_engine()
        assert engine.name == "memory"
        app.extensions["test_notes"] = {3: ("Thác Bản Giốc", "", True)}
        with unit_of_work(Actor.system("Kiểm thử")):
            content_changed(ContentEvent("updated", "note", 3))
        assert ("note", 3) in engine.documents
        assert db.session.scalar(select(func.count()).select_from(IndexedDocument)) == 0
    assert found(app, "thac ban gioc") == [("note", 3)]
    assert engine.calls[-1] == "search"


class BrokenEngine:
    """An engine that is down until ``broken`` is cleared."""

    def __init__(self, inner):
        self.inner, self.broken, self.name = inner, True, "broken"

    def __getattr__(self, name):
        if self.broken and name in {"index", "remove"}:
            raise ConnectionError("máy chủ tìm kiếm không phản hồi")
        return getattr(self.inner, name)


def test_the_search_consumer_is_retried_when_the_engine_fails(app):
    from portal import hookimpl

    state = {}

    class EnginePlugin:
        @hookimpl
        def portal_search_engine(self, app):
            return state.get("engine")

    from portal.plugins import plugins_of

    plugins_of(app).manager.register(EnginePlugin(), name="broken_engine")
    with app.app_context():
        state["engine"] = BrokenEngine(search_engine_default())
        with unit_of_work(Actor.system("Kiểm thử")):
            article = sample_article()
        row = db.session.scalar(select(OutboxEvent).order_by(OutboxEvent.id.desc()))
        assert (row.status, row.pending) == (PENDING, [SEARCH_CONSUMER])
        assert "máy chủ tìm kiếm không phản hồi" in row.last_error
        state["engine"].broken = False
        from portal.content.outbox import deliver

        row.next_attempt_at = utcnow()
        db.session.commit()
        deliver()
        row = db.session.get(OutboxEvent, row.id, populate_existing=True)
        assert (row.status, row.pending) == (DELIVERED, [])
        article_id = article.id
    assert found(app, "cau treo") == [("article", article_id)]


def search_engine_default():
    from portal.search.sqlite import SQLiteEngine

    if db.engine.dialect.name == "postgresql":
        from portal.search.postgres import PostgresEngine

        return PostgresEngine()
    return SQLiteEngine()


def sample_article():
    from portal.content.articles import announce

    article = Article(
        title="Cầu treo mới ở Pác Nặm",
        slug="cau-treo",
        status="published",
        published_at=utcnow() - timedelta(minutes=5),
    )
    db.session.add(article)
    db.session.flush()
    announce(article, "published")
    return article


def test_an_upgraded_site_gets_its_index_built_once(app, runner):
    with app.app_context():
        article_id = sample_content()["article"].id  # articles from before search existed
    result = runner.invoke(args=["portal", "init-db"])
    assert result.exit_code == 0, result.output
    assert "Đã dựng chỉ mục tìm kiếm: 1 tài liệu." in result.output
    assert found(app, "bac kan") == [("article", article_id)]
    again = runner.invoke(args=["portal", "init-db"])
    assert again.exit_code == 0 and "Đã dựng chỉ mục tìm kiếm" not in again.output


def test_articles_moved_by_a_category_deletion_follow_in_the_index(app):
    from portal.content import categories
    from portal.models import Category
    from portal.search.providers import article_document

    with app.app_context():
        sample = sample_content()
        article_id, old_id = sample["article"].id, sample["category"].id
        sample["article_page"].category_id = None
        target = Category(name="Xã hội", slug="xa-hoi")
        db.session.add(target)
        db.session.commit()
        target_id = target.id
        search_engine().index([article_document(sample["article"])])
        db.session.commit()
    assert found(app, "bac kan", category_ids=(old_id,)) == [("article", article_id)]
    with app.app_context(), unit_of_work(Actor.system("Kiểm thử")):
        categories.delete(db.session.get(Category, old_id), move_articles_to=target_id)
    assert found(app, "bac kan", category_ids=(old_id,)) == []
    assert found(app, "bac kan", category_ids=(target_id,)) == [("article", article_id)]
