"""A small Vietnamese site with a search page, indexed, for the search blocks' tests.

``search_site`` builds it with the ``app`` fixture (SQLite, and PostgreSQL when
configured); ``shared_site`` builds it once per module on SQLite, for the many
read-only checks (bad input, pagination, the blocks' HTML) that do not depend on
the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Category, Page, Placement
from portal.search.indexing import reindex as rebuild_index
from portal.testing import make_app
from portal.text import sanitize_html, slugify

REFERENCE_TITLE = "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"
TERRACES_TITLE = "Ruộng bậc thang Pác Nặm mùa lúa chín"
LAKE_TITLE = "Đường lên hồ Ba Bể"
#: Articles titled "Hội nghị ... số N": enough for three pages of ten.
MEETINGS = 23
FUTURE_TITLE = "Bắc Kạn đón Tết sớm"
DRAFT_TITLE = "Bắc Kạn bản nháp chưa đăng"


@dataclass
class Site:
    categories: dict[str, int]
    articles: dict[str, int]
    search_page: int
    home: int


def _article(title, category, published_at, *, lead="", body="", status="published") -> Article:
    article = Article(
        title=title,
        slug=slugify(title),
        lead=lead or f"Tin về {title.lower()}.",
        body_html=sanitize_html(body or "<p>Nội dung bài viết.</p>"),
        author="Phóng viên",
        category_id=category.id,
        status=status,
        published_at=published_at,
    )
    db.session.add(article)
    return article


def reindex(app) -> None:
    """Put every public object in the index (rows were added without content events)."""
    with app.app_context():
        rebuild_index()
        db.session.commit()


def build_site(app, *, with_search_page: bool = True) -> Site:
    """Categories, articles (public, scheduled, draft), a home page with the box, /tim-kiem."""
    with app.app_context():
        news = Category(name="Thời sự", slug="thoi-su", position=0)
        tourism = Category(name="Văn hóa – Du lịch", slug="van-hoa-du-lich", position=1)
        db.session.add_all([news, tourism])
        db.session.flush()
        politics = Category(name="Chính trị", slug="chinh-tri", parent_id=news.id, position=0)
        db.session.add(politics)
        db.session.flush()
        articles = {
            "reference": _article(
                REFERENCE_TITLE,
                politics,
                datetime(2023, 11, 29, 1, 30, tzinfo=UTC),
                lead="Sau 10 năm thực hiện Chỉ thị số 30-CT/TW, tỉnh đạt nhiều kết quả.",
                body="<p>Đảng bộ tỉnh Bắc Kạn tổng kết việc thực hiện quy chế dân chủ.</p>",
            ),
            "terraces": _article(
                TERRACES_TITLE,
                tourism,
                datetime(2024, 9, 15, 2, 0, tzinfo=UTC),
                lead="Những thửa ruộng bậc thang vàng óng ở huyện Pác Nặm.",
            ),
            "lake": _article(
                LAKE_TITLE,
                tourism,
                datetime(2024, 6, 1, 2, 0, tzinfo=UTC),
                lead="Hồ Ba Bể là điểm du lịch nổi tiếng của Bắc Kạn.",
            ),
            "future": _article(FUTURE_TITLE, news, datetime.now(UTC) + timedelta(days=30)),
            "draft": _article(DRAFT_TITLE, news, datetime(2024, 1, 1, tzinfo=UTC), status="draft"),
        }
        for number in range(1, MEETINGS + 1):
            articles[f"meeting-{number}"] = _article(
                f"Hội nghị giao ban số {number}",
                news,
                datetime(2024, 1, 1, 2, 0, tzinfo=UTC) + timedelta(days=number),
                lead=f"Hội nghị giao ban lần thứ {number} của tỉnh.",
            )
        home = Page(
            kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[]
        )
        db.session.add(home)
        db.session.flush()
        db.session.add(
            Placement(page_id=home.id, region="header", position=0, block_name="search_box")
        )
        search_page_id = 0
        if with_search_page:
            search_page = Page(
                kind="search",
                title="Tìm kiếm",
                path="/tim-kiem",
                parent_id=home.id,
                layout="one_column",
                blocked_regions=["main"],
            )
            db.session.add(search_page)
            db.session.flush()
            search_page_id = search_page.id
            for position, name in enumerate(["search_filters", "search_results"]):
                db.session.add(
                    Placement(
                        page_id=search_page.id, region="main", position=position, block_name=name
                    )
                )
        db.session.commit()
        site = Site(
            categories={c.slug: c.id for c in db.session.scalars(select(Category))},
            articles={key: article.id for key, article in articles.items()},
            search_page=search_page_id,
            home=home.id,
        )
    reindex(app)
    return site


@pytest.fixture
def search_site(app) -> Site:
    return build_site(app)


@pytest.fixture(scope="module")
def shared_app():
    """One SQLite app with the site, for a whole module of read-only requests."""
    app = make_app()
    app.search_site = build_site(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def shared_client(shared_app):
    return shared_app.test_client()
