"""The main pages of the demo site: pinned query counts, and every built-in plugin
can be disabled without breaking a page (DESIGN.md §6)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article, Category, Placement, Tag
from portal.plugins import plugins_of
from portal.testing import count_queries

#: Queries per page, cold cache. A change here must be a decision, not an accident:
#: the page and category trees (one statement), placements of the page's chain, then
#: what the blocks need. Article lists load their articles' main images in their own
#: query (a join); the article page's first statement is the article with its photo,
#: translations, attachments and tags, whatever the number of attachments; its related
#: articles and "Đọc nhiều" are read together (portal.related_articles_later). The tag
#: page reads the tag first and inherits the home sidebar; "Đọc nhiều" (home sidebar,
#: article pages) is one query. The published menus (header and footer menu blocks, plugin
#: menus) are one query for both; with the cache on, a cached menu block queries nothing.
#: The provincial-portal blocks of the demo add one query each where they are placed:
#: "Văn bản mới" (home sidebar), "Văn bản theo lĩnh vực" (category sidebar) and
#: "Thống kê truy cập" (home sidebar); the tag page inherits the home sidebar.
PINNED_QUERIES = {
    "home": 7,
    "category": 5,
    "article": 5,
    "tag": 8,
    # The English site (docs/english-site.md): the same queries, less "Đọc nhiều" (none
    # there) and the Vietnamese sidebar's blocks, plus the published menus.
    "english_home": 4,
    "english_category": 4,
    "english_article": 5,
}


def demo_urls(app) -> dict[str, str]:
    with app.app_context():
        load_demo()
        article = db.session.scalar(
            select(Article)
            .where(Article.public_filter(), Article.language == "vi")
            .order_by(Article.published_at.desc())
        )
        english = db.session.scalar(
            select(Article)
            .where(Article.public_filter(), Article.language == "en")
            .order_by(Article.published_at.desc())
        )
        category = db.session.scalar(select(Category).where(Category.slug == "kinh-te"))
        tag = db.session.scalar(select(Tag).where(Tag.slug == "vung-cao"))
        return {
            "tag": f"/the/{tag.slug}",
            "home": "/",
            "category": f"/chuyen-muc/{category.slug}",
            "article": f"/bai-viet/{article.id}-{article.slug}",
            "english_home": "/en",
            "english_category": "/en/category/news",
            "english_article": f"/en/article/{english.id}-{english.slug}",
        }


@pytest.fixture
def app_config():
    # The periodic re-reads of plugin switches and settings (every PORTAL_PLUGIN_SYNC_SECONDS)
    # are not the page's queries: on a loaded machine loading the demo can take longer.
    return {"PORTAL_STRICT_BLOCKS": True, "PORTAL_PLUGIN_SYNC_SECONDS": 3600}


@pytest.mark.parametrize("name", sorted(PINNED_QUERIES))
def test_main_pages_run_a_pinned_number_of_queries(app, client, name):
    url = demo_urls(app)[name]
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    assert len(statements) == PINNED_QUERIES[name], "\n\n".join(statements)
    if name == "article":  # the demo photos are in the media library: their size is known
        html = response.get_data(as_text=True)
        assert '<meta property="og:image:width" content="1200">' in html
        assert '<meta property="og:image:height" content="675">' in html


def test_query_count_does_not_grow_with_blocks_of_one_kind(app, client):
    """Ten more article lists on the home page cost no extra query."""
    url = demo_urls(app)["home"]
    with count_queries(app) as before:
        client.get(url)
    with app.app_context():
        home_list = db.session.scalar(
            select(Placement).where(Placement.block_name == "article_list").limit(1)
        )
        for position in range(10):
            db.session.add(
                Placement(
                    page_id=home_list.page_id,
                    region="main",
                    position=100 + position,
                    block_name="article_list",
                    settings={**home_list.settings, "count": 3 + position},
                )
            )
        db.session.commit()
    with count_queries(app) as after:
        response = client.get(url)
    assert response.status_code == 200
    assert len(after) == len(before)


def builtin_block_plugins() -> list[str]:
    from portal.testing import make_app

    app = make_app()
    plugins = plugins_of(app)
    return sorted({plugins.block_plugins[name] for name in plugins.blocks})


@pytest.mark.parametrize("plugin_name", builtin_block_plugins())
def test_disabling_any_builtin_block_plugin_leaves_every_page_rendering(app_factory, plugin_name):
    full = app_factory()
    urls = demo_urls(full)
    with full.app_context():
        kept = {p.id: (p.block_name, p.settings) for p in db.session.scalars(select(Placement))}

    reduced = app_factory(config={"PORTAL_DISABLED_PLUGINS": [plugin_name]})
    assert plugin_name not in {
        plugins_of(reduced).block_plugins[name] for name in plugins_of(reduced).blocks
    }
    client = reduced.test_client()
    for url in urls.values():
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert "Thiếu plugin" not in response.get_data(as_text=True)  # readers see nothing of it

    with reduced.app_context():  # the placements are untouched
        assert {
            p.id: (p.block_name, p.settings) for p in db.session.scalars(select(Placement))
        } == kept


#: Tables whose size follows the number of articles: the article page reads them by index.
GROWING_TABLES = ("articles", "article_tags", "tags", "attachments", "media_images")


def test_the_article_page_reads_no_growing_table_whole(app, client, database_url):
    """Every statement of the article page looks rows up by index: none scans the
    articles, their tags or attachments, nor materialises them (as a nested join of the
    tags did on SQLite), so the page costs the same on a site of any size."""
    if database_url is not None:
        pytest.skip("SQLite's plans; PostgreSQL plans by its statistics (docs/performance.md)")
    url = demo_urls(app)["article"]
    client.get(url)
    executed: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        executed.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(executed) == PINNED_QUERIES["article"]
    with app.app_context():
        connection = db.session.connection()
        for statement, parameters in executed:
            plan = [
                row[-1]
                for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            ]
            whole = [
                step
                for step in plan
                if step.startswith(("SCAN ", "MATERIALIZE "))
                and step.split()[1].rstrip("_0123456789") in GROWING_TABLES
            ]
            assert not whole, f"{whole} in\n{statement}"
