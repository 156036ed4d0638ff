"""ArticleQuery.tag_ids and tag_url: the listing of a tag's articles and the tag's address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal import ArticleQuery, fetch_article_lists, tag_url
from portal.extensions import db
from portal.models import Article, Category, Tag

BASE = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _article(title, category, tags, hours, status="published"):
    article = Article(
        title=title,
        slug=title.lower().replace(" ", "-"),
        category_id=category.id,
        status=status,
        published_at=BASE - timedelta(hours=hours),
        tags=tags,
    )
    db.session.add(article)
    return article


def test_tag_ids_lists_articles_carrying_any_of_the_tags(app):
    with app.app_context():
        news = Category(name="Thời sự", slug="thoi-su")
        travel = Tag(name="Du lịch", slug="du-lich")
        rice = Tag(name="Lúa gạo", slug="lua-gao")
        other = Tag(name="Khác", slug="khac")
        db.session.add_all([news, travel, rice, other])
        db.session.flush()
        _article("a1", news, [travel], 1)
        _article("a2", news, [travel, rice], 2)
        _article("a3", news, [rice], 3)
        _article("a4", news, [other], 4)
        _article("a5", news, [travel], 0.5, status="draft")
        db.session.commit()
        both = ArticleQuery(limit=10, tag_ids=(travel.id, rice.id))
        one = ArticleQuery(limit=10, tag_ids=(travel.id,))
        none = ArticleQuery(limit=10, tag_ids=())
        paged = ArticleQuery(limit=1, offset=1, tag_ids=(travel.id,))
        lists = fetch_article_lists([both, one, none, paged])
        assert [a.title for a in lists[both]] == ["a1", "a2", "a3"]  # a2 once, newest first
        assert [a.title for a in lists[one]] == ["a1", "a2"]
        assert lists[none] == []
        assert [a.title for a in lists[paged]] == ["a2"]
        with app.test_request_context("/"):
            assert tag_url(travel) == "/the/du-lich"
            assert tag_url(rice, trang=2) == "/the/lua-gao?trang=2"


def test_render_block_gives_the_tag_to_a_block_on_a_tag_page(app):
    from portal.testing import render_block

    with app.app_context():
        news = Category(name="Thời sự", slug="thoi-su")
        travel = Tag(name="Du lịch", slug="du-lich")
        db.session.add_all([news, travel])
        db.session.flush()
        _article("Bài du lịch", news, [travel], 1)
        _article("Bài khác", news, [], 2)
        db.session.commit()
        settings = {"title": "", "category": "", "paginate": True}
        html = render_block(app, "article_list", settings, tag=travel)
        assert "Thẻ: Du lịch</h1>" in html and "Bài du lịch" in html and "Bài khác" not in html
        english = render_block(app, "article_list", settings, tag=travel, locale="en")
        assert "Tag: Du lịch</h1>" in english
        # Without a tag (and no category) the list is the whole site's, titled by its settings.
        everything = render_block(app, "article_list", {**settings, "title": "Tin mới"})
        assert "Bài khác" in everything and "Thẻ:" not in everything
        breadcrumb = render_block(app, "breadcrumb", {}, tag=travel)
        assert 'aria-current="page">Thẻ: Du lịch</span>' in breadcrumb
