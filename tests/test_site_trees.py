"""The category and page trees a reading request shares with the process's earlier ones.

A ``GET`` reads both trees as plain rows (one statement, as before) and reuses
the trees the process built from the same rows (portal.site._load_site_trees):
nothing is rebuilt while nothing changed, and any change, by this process or
another, shows on the next request. A request that may write gets its own
session's objects.
"""

from __future__ import annotations

from sqlalchemy import inspect

from portal import Actor
from portal.content import categories as category_content
from portal.content import pages as page_content
from portal.content.unit_of_work import unit_of_work
from portal.extensions import db
from portal.models import Category, Page
from portal.site import category_tree, page_tree
from portal.testing import count_queries

ACTOR = Actor.system("Kiểm thử")
CACHES_OFF = {"PORTAL_CACHE_URL": "none", "PORTAL_PAGE_CACHE": False}


def make_site() -> dict[str, int]:
    news = Category(name="Thời sự", slug="thoi-su", position=1)
    db.session.add(news)
    db.session.flush()
    local = Category(name="Trong tỉnh", slug="trong-tinh", position=1, parent_id=news.id)
    home = Page(kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[])
    db.session.add_all([local, home])
    db.session.flush()
    about = Page(kind="static", title="Giới thiệu", path="/gioi-thieu", parent_id=home.id)
    listing = Page(kind="category", title="Chuyên mục", parent_id=home.id)
    db.session.add_all([about, listing])
    db.session.commit()
    return {"news": news.id, "local": local.id, "home": home.id, "about": about.id}


def trees(app, method: str = "GET"):
    with app.test_request_context("/", method=method), count_queries(app) as statements:
        categories, pages = category_tree(), page_tree()
        assert page_tree() is pages and category_tree() is categories  # once per request
        state = inspect(next(iter(categories.by_id.values())))
        in_session = state.persistent
    assert len(statements) == 1, statements  # both trees, one statement
    return categories, pages, in_session


def test_reading_requests_share_the_trees_while_their_rows_stay(app_factory):
    app = app_factory(config=CACHES_OFF)
    with app.app_context():
        site = make_site()
    categories, pages, in_session = trees(app)
    assert not in_session  # detached copies, kept by the process
    assert [c.name for c in categories.roots] == ["Thời sự"]
    assert [c.id for c in categories.ancestors(categories.get(site["local"]))] == [
        site["local"],
        site["news"],
    ]
    assert pages.by_path("/gioi-thieu").title == "Giới thiệu"
    assert [p.id for p in pages.ancestors(pages.by_id[site["about"]])] == [site["home"]]
    again, pages_again, _ = trees(app)
    assert again is categories and pages_again is pages  # the same rows: nothing rebuilt
    # A request that may write has its session's own objects, which it may change.
    written, written_pages, in_session = trees(app, "POST")
    assert in_session and written is not categories and written_pages is not pages
    assert written.get(site["news"]).name == "Thời sự"


def test_a_change_by_another_worker_shows_on_the_next_request(app_factory):
    """Caches off, two apps on one database (two workers, or two servers): what one
    changes, the other's next reading request sees, with no message between them."""
    reading = app_factory(config=CACHES_OFF)
    writing = app_factory(config=CACHES_OFF)
    with writing.app_context():
        site = make_site()
    before, before_pages, _ = trees(reading)
    reader = reading.test_client()
    assert reader.get("/chuyen-muc/thoi-su").status_code == 200

    with writing.app_context(), unit_of_work(ACTOR):
        category_content.edit(
            db.session.get(Category, site["news"]), name="Thời sự 24h", slug="thoi-su-24h"
        )
    categories, pages, _ = trees(reading)
    assert categories is not before
    assert categories.get(site["news"]).name == "Thời sự 24h"
    assert categories.by_slug("thoi-su") is None
    assert pages is not before_pages  # rebuilt together
    moved = reader.get("/chuyen-muc/thoi-su")  # the old address now points at the new one
    assert (moved.status_code, moved.headers["Location"]) == (301, "/chuyen-muc/thoi-su-24h")
    assert "Thời sự 24h" in reader.get("/chuyen-muc/thoi-su-24h").get_data(as_text=True)

    with writing.app_context(), unit_of_work(ACTOR):
        about = db.session.get(Page, site["about"])
        page_content.update_properties(
            about,
            page_content.PageFields(
                title="Về tỉnh", kind="static", path="/ve-tinh", parent_id=about.parent_id
            ),
        )
    _categories, pages, _ = trees(reading)
    assert pages.by_path("/gioi-thieu") is None
    assert pages.by_path("/ve-tinh").title == "Về tỉnh"
    moved = reader.get("/gioi-thieu")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/ve-tinh")
    assert reader.get("/ve-tinh").status_code == 200

    with writing.app_context(), unit_of_work(ACTOR):
        category_content.delete(db.session.get(Category, site["local"]))
    categories, _pages, _ = trees(reading)
    assert categories.get(site["local"]) is None
    assert [c.id for c in categories.children.get(site["news"], [])] == []
