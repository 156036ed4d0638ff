"""related_articles: other public articles of the same category, newest first."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from blocks.related_articles import RelatedArticles
from portal.extensions import db
from portal.models import Article, utcnow
from portal.testing import render_block


@pytest.fixture
def rows(app, make):
    with app.app_context():
        news = make.category("Thời sự")
        local = make.category("Trong tỉnh", parent=news)
        economy = make.category("Kinh tế")
        reading = make.article("Bài đang đọc", news, hours_ago=5)
        for number in range(1, 8):
            make.article(f"Cùng chuyên mục {number}", news, hours_ago=number * 2)
        make.article("Bài ở chuyên mục con", local, hours_ago=1)
        make.article("Bài kinh tế", economy, hours_ago=1)
        make.article("Bản nháp cùng chuyên mục", news, hours_ago=0.5, status="draft")
        make.article("Hẹn giờ cùng chuyên mục", news, published_at=utcnow() + timedelta(days=30))
        alone = make.article("Bài duy nhất", make.category("Thể thao"), hours_ago=100)
        orphan = make.article("Bài không chuyên mục", None)
        db.session.commit()
        return {
            "reading": reading.id,
            "alone": alone.id,
            "orphan": orphan.id,
            "economy": economy.id,
        }


def titles(html: str) -> list[str]:
    return re.findall(r'class="related-articles__link" href="[^"]+">([^<]+)</a>', html)


def related(app, article_id, settings=None):
    with app.app_context():
        article = db.session.get(Article, article_id)
        return render_block(app, "related_articles", settings, article=article)


def test_same_category_newest_first_without_the_current_article(app, rows):
    html = related(app, rows["reading"])
    assert '<h2 class="section-heading__title">Tin liên quan</h2>' in html
    assert titles(html) == [f"Cùng chuyên mục {n}" for n in range(1, 6)]
    assert "Bài đang đọc" not in titles(html)
    for other in ("Bài ở chuyên mục con", "Bài kinh tế", "Bản nháp", "Hẹn giờ"):
        assert other not in html


def test_count_and_title(app, rows):
    html = related(app, rows["reading"], {"count": 2, "title": "Cùng chủ đề"})
    assert titles(html) == ["Cùng chuyên mục 1", "Cùng chuyên mục 2"]
    assert "Cùng chủ đề</h2>" in html


def test_renders_nothing_when_there_is_nothing_related(app, rows):
    assert related(app, rows["alone"]).strip() == ""
    assert related(app, rows["orphan"]).strip() == ""


def test_needs_an_article(app, client, rows, make):
    assert RelatedArticles.needs == frozenset({"article"})
    with app.app_context():
        home = make.page("home", "Trang chủ", path="/", blocked_regions=[])
        make.page(
            "category", "Chuyên mục", parent=home, placements=[("main", "related_articles", {})]
        )
        make.page(
            "article",
            "Bài viết",
            parent=home,
            placements=[("main", "related_articles", {"count": 3})],
        )
        db.session.commit()
    category_page = client.get("/chuyen-muc/thoi-su").get_data(as_text=True)
    assert "related-articles" not in category_page
    article_page = client.get(f"/bai-viet/{rows['reading']}-bai-dang-doc").get_data(as_text=True)
    assert titles(article_page) == ["Cùng chuyên mục 1", "Cùng chuyên mục 2", "Cùng chuyên mục 3"]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 21}, "count"),
        ({"count": "năm"}, "count"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_invalid_settings_are_rejected(app, settings, field):
    with app.app_context():
        clean, errors = RelatedArticles.validate_settings(settings)
    assert clean == {} and field in errors


def test_defaults_are_valid(app):
    with app.app_context():
        assert RelatedArticles.validate_settings(RelatedArticles.default_settings()) == (
            {"title": "Tin liên quan", "count": 5},
            {},
        )
    assert "article" in RelatedArticles.cache.vary_on
    assert RelatedArticles.cache.tags >= {"article", "articles"}
