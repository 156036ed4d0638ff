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


@pytest.fixture
def tagged(app, make):
    """An article with three tags; others share 3, 2, 1 or none of them."""
    from portal.models import Tag

    with app.app_context():
        news, economy = make.category("Thời sự"), make.category("Kinh tế")
        a, b, c, other = (Tag(name=n, slug=n) for n in ("a", "b", "c", "khac"))
        db.session.add_all([a, b, c, other])
        reading = make.article("Bài đang đọc", news, hours_ago=50)
        reading.tags = [a, b, c]
        for title, tags, hours in [
            ("Chung một cũ", [a], 40),
            ("Chung một mới", [c, other], 2),
            ("Chung ba", [a, b, c], 30),
            ("Chung hai", [b, c], 20),
            ("Chỉ thẻ khác", [other], 1),
        ]:
            make.article(title, economy, hours_ago=hours).tags = tags
        make.article("Nháp chung ba", economy, hours_ago=1, status="draft").tags = [a, b, c]
        make.article("Cùng chuyên mục cũ", news, hours_ago=60)
        make.article("Cùng chuyên mục mới", news, hours_ago=3)
        # Shares a tag AND the category: listed once, with the tag matches.
        make.article("Cùng chuyên mục, chung một", news, hours_ago=10).tags = [b]
        db.session.commit()
        return reading.id


def test_shared_tags_first_then_the_category_newest(app, tagged):
    html = related(app, tagged, {"count": 20})
    assert titles(html) == [
        "Chung ba",
        "Chung hai",
        "Chung một mới",
        "Cùng chuyên mục, chung một",
        "Chung một cũ",
        "Cùng chuyên mục mới",
        "Cùng chuyên mục cũ",
    ]
    assert titles(related(app, tagged, {"count": 2})) == ["Chung ba", "Chung hai"]


def test_one_query_whatever_the_count(app, tagged, count_queries):
    from portal import fetch_related_articles

    with app.app_context():
        for limit in (1, 5, 20):
            db.session.expire_all()
            article = db.session.get(Article, tagged)
            assert article.category_id is not None  # loaded before counting
            with count_queries() as statements:
                found = fetch_related_articles(article, limit)
                # the images come with the list: reading them costs nothing more
                assert all(a.image_file is None for a in found)
            assert len(statements) == 1, statements
            assert len(found) == min(limit, 7)


def test_links_and_articles_read_together(app, tagged, count_queries):
    """Asked for as links (the blocks' prefetch), the lists come as plain rows; a listing
    waiting alongside that wants articles makes the one statement read articles for all."""
    from portal import ArticleLink, most_read_later, related_articles_later
    from portal.site import article_url

    with app.test_request_context("/"):
        article = db.session.get(Article, tagged)
        with count_queries() as statements:
            links = related_articles_later(article, 20, links=True)
            views = most_read_later(7, 5, links=True)
            found = links.value
        assert len(statements) == 1, statements
        assert views.value == []
        assert all(isinstance(link, ArticleLink) for link in found)
        db.session.expire_all()
        articles = [db.session.get(Article, link.id) for link in found]
        assert [(link.title, link.slug, link.language, link.published_at) for link in found] == [
            (a.title, a.slug, a.language, a.published_at) for a in articles
        ]
        assert [article_url(link) for link in found] == [article_url(a) for a in articles]

    with app.test_request_context("/"):
        article = db.session.get(Article, tagged)
        with count_queries() as statements:
            links = related_articles_later(article, 3, links=True)
            full = related_articles_later(article, 3)
            assert [a.title for a in links.value] == ["Chung ba", "Chung hai", "Chung một mới"]
        assert len(statements) == 1, statements
        assert all(isinstance(a, Article) for a in links.value + full.value)


def test_of_a_tag_carried_by_very_many_articles_only_the_last_tagged_are_candidates(app, make):
    """However many articles carry its tags, an article page reads a bounded number of
    candidates: of each tag, the RELATED_PER_TAG articles tagged last."""
    from portal.models import Tag
    from portal.site import RELATED_PER_TAG

    with app.app_context():
        news, economy = make.category("Thời sự"), make.category("Kinh tế")
        common, rare = Tag(name="chung", slug="chung"), Tag(name="hiem", slug="hiem")
        db.session.add_all([common, rare])
        # The oldest shares both tags: the best match, but tagged before the others.
        make.article("Chung hai, gắn thẻ trước", economy, hours_ago=500).tags = [common, rare]
        for number in range(RELATED_PER_TAG):
            make.article(f"Chung một {number}", economy, hours_ago=400 - number).tags = [common]
        reading = make.article("Bài đang đọc", news, hours_ago=1)
        reading.tags = [common, rare]
        db.session.commit()
        reading_id = reading.id
    shown = titles(related(app, reading_id, {"count": 3}))
    # Sharing both tags, it would come first; but of the common tag it is not among the
    # last tagged, so only the rare one counts, and the newer articles sharing one tag
    # come before it.
    newest = RELATED_PER_TAG - 1
    assert shown == [f"Chung một {newest}", f"Chung một {newest - 1}", f"Chung một {newest - 2}"]
