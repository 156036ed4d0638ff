"""breadcrumb: Trang chủ › categories › the current page, as an ordered list."""

from __future__ import annotations

import re

import pytest

from blocks.breadcrumb import Breadcrumb
from portal.extensions import db
from portal.models import Article, Category, Page
from portal.testing import render_block


@pytest.fixture
def rows(app, make):
    with app.app_context():
        news = make.category("Thời sự")
        local = make.category("Trong tỉnh", parent=news)
        article = make.article("Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW", local)
        home = make.page("home", "Trang chủ", path="/", blocked_regions=[])
        about = make.page("static", "Giới thiệu", path="/gioi-thieu", parent=home)
        db.session.commit()
        return {
            "news": news.id,
            "local": local.id,
            "article": article.id,
            "home": home.id,
            "about": about.id,
        }


def items(html: str) -> list[str]:
    """The visible text of each step, in order."""
    return [
        re.sub(r"<[^>]+>", "", item).strip()
        for item in re.findall(r"<li[^>]*>(.*?)</li>", html, re.S)
    ]


def test_article_trail_runs_from_home_through_categories(app, rows):
    with app.app_context():
        article = db.session.get(Article, rows["article"])
        html = render_block(
            app, "breadcrumb", article=article, category=db.session.get(Category, rows["local"])
        )
    assert '<nav class="breadcrumb" aria-label="Bạn đang ở đây">' in html
    assert "<ol" in html
    assert items(html) == [
        "Trang chủ",
        "Thời sự",
        "Trong tỉnh",
        "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW",
    ]
    # Every step but the last links up the tree; the last is the page itself.
    assert re.findall(r'<a class="breadcrumb__link[^"]*" href="([^"]+)"', html) == [
        "/",
        "/chuyen-muc/thoi-su",
        "/chuyen-muc/trong-tinh",
    ]
    assert html.count('aria-current="page"') == 1
    assert re.search(r'aria-current="page">Bắc Kạn sau 10 năm[^<]*</span>\s*</li>\s*</ol>', html)


def test_category_page_ends_with_the_category(app, rows):
    with app.app_context():
        html = render_block(app, "breadcrumb", category=db.session.get(Category, rows["local"]))
    assert items(html) == ["Trang chủ", "Thời sự", "Trong tỉnh"]
    assert re.search(r'aria-current="page">Trong tỉnh</span>', html)


def test_static_page_ends_with_its_title(app, rows):
    with app.app_context():
        html = render_block(app, "breadcrumb", page=db.session.get(Page, rows["about"]))
    assert items(html) == ["Trang chủ", "Giới thiệu"]


def test_nothing_on_the_home_page(app, rows):
    with app.app_context():
        html = render_block(app, "breadcrumb", page=db.session.get(Page, rows["home"]))
    assert html.strip() == ""


def test_on_a_real_article_page(app, client, rows, make):
    with app.app_context():
        home = db.session.get(Page, rows["home"])
        make.page("article", "Bài viết", parent=home, placements=[("main", "breadcrumb", {})])
        db.session.commit()
    response = client.get(
        f"/bai-viet/{rows['article']}-bac-kan-sau-10-nam-thuc-hien-chi-thi-so-30-ct-tw"
    )
    assert response.status_code == 200
    nav = re.search(
        r'<nav class="breadcrumb".*?</nav>', response.get_data(as_text=True), re.S
    ).group(0)
    assert items(nav)[1:3] == ["Thời sự", "Trong tỉnh"]


def test_has_no_settings_and_caches_per_article_and_category(app):
    with app.app_context():
        assert Breadcrumb.default_settings() == {}
        assert Breadcrumb.validate_settings({}) == ({}, {})
    assert {"article", "category", "page"} <= Breadcrumb.cache.vary_on
