"""The demo site's tags, tag page and "Đọc nhiều" lists are never empty."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article, ArticleDailyViews, Tag
from portal.models.content import article_tags


@pytest.fixture
def database_url():
    """SQLite only: loading the demo is slow, and its SQL is tested on both elsewhere."""
    return None


def test_demo_tags_give_non_empty_tag_pages_and_most_read_lists(app, client):
    with app.app_context():
        load_demo()
        tags = db.session.scalars(select(Tag).order_by(Tag.slug)).all()
        assert len(tags) >= 10
        public_per_tag = dict(
            db.session.execute(
                select(article_tags.c.tag_id, func.count())
                .join(Article, Article.id == article_tags.c.article_id)
                .where(Article.public_filter())
                .group_by(article_tags.c.tag_id)
            ).all()
        )
        reference = db.session.scalar(
            select(Article).where(Article.slug.startswith("bac-kan-sau-10-nam"))
        )
        reference_url = f"/bai-viet/{reference.id}-{reference.slug}"
        slugs = [(tag.slug, tag.name, public_per_tag.get(tag.id, 0)) for tag in tags]
        assert db.session.scalar(select(func.count()).select_from(ArticleDailyViews)) > 50
        views = db.session.scalar(select(func.sum(ArticleDailyViews.views)))
        total = db.session.scalar(select(func.sum(Article.view_count)))
        assert views == total  # seeded the way the counter writes: totals and days agree
        # Loading again adds no tag and no view.
        load_demo()
        assert db.session.scalar(select(func.sum(Article.view_count))) == total
    for slug, name, public in slugs:
        html = client.get(f"/the/{slug}").get_data(as_text=True)
        listed = re.findall(r'<article class="teaser teaser--list', html)  # the main list
        assert len(listed) == min(public, 10) and public > 0, slug
        assert f"Thẻ: {name}" in html
    home = client.get("/").get_data(as_text=True)
    assert len(re.findall(r'class="most-read__link"', home)) == 5
    article = client.get(reference_url).get_data(as_text=True)
    assert len(re.findall(r'class="most-read__link"', article)) == 5
    assert re.findall(r'class="bulletin-view__tag-link" href="([^"]+)"', article) == [
        "/the/chi-thi-30",
        "/the/xay-dung-dang",
    ]
