"""The site feed per language: /rss.xml holds the Vietnamese articles, /en/rss.xml the English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

import blocks.feeds
from feeds.feed_helpers import BASE_URL, build_site, client_of, feeds_app
from portal.extensions import db
from portal.models import Article, Category

RSS_LINK = "//channel/item/link/text()"


@pytest.fixture
def site(tmp_path):
    app = feeds_app(instance_path=str(tmp_path / "instance"))
    with app.app_context():
        ids = build_site(hostile_titles=False)
        news = Category(name="News", slug="news", language="en", position=20)
        db.session.add(news)
        db.session.flush()
        english = Article(
            title="Bac Kan welcomes investors",
            slug="investors",
            lead="A conference in the provincial capital.",
            body_html="<p>Text.</p>",
            author="Portal",
            category_id=news.id,
            language="en",
            status="published",
            published_at=datetime(2023, 11, 29, 5, 0, tzinfo=UTC),
        )
        db.session.add(english)
        db.session.commit()
        ids.update(english=english.id, english_category=news.id)
    yield app, ids
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def links_of(response) -> list[str]:
    assert response.status_code == 200
    return etree.fromstring(response.data).xpath(RSS_LINK)


def test_each_language_has_its_own_site_feed(site):
    app, ids = site
    reader = client_of(app)
    vietnamese = links_of(reader.get("/rss.xml"))
    assert vietnamese and all("/bai-viet/" in link for link in vietnamese)
    english = links_of(reader.get("/en/rss.xml"))
    assert english == [f"{BASE_URL}/en/article/{ids['english']}-investors"]
    channel = etree.fromstring(reader.get("/en/rss.xml").data)
    assert channel.findtext("channel/language") == "en"
    assert channel.findtext("channel/link") == f"{BASE_URL}/en"
    atom = etree.fromstring(reader.get("/en/atom.xml").data)
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    # An English category's feed says it is English.
    category = etree.fromstring(reader.get("/chuyen-muc/news/rss.xml").data)
    assert category.findtext("channel/language") == "en"


def test_pages_announce_the_feed_of_their_language(site):
    app, ids = site
    with app.test_request_context("/en/article/1-investors"), app.app_context():
        english = db.session.get(Article, ids["english"])
        links = blocks.feeds.portal_head_links(page=None, article=english, category=None, tag=None)
        vietnamese = db.session.scalar(db.select(Article).where(Article.language == "vi"))
        site_links = blocks.feeds.portal_head_links(
            page=None, article=vietnamese, category=None, tag=None
        )
    assert [link.href for link in links[:2]] == [
        f"{BASE_URL}/en/rss.xml",
        f"{BASE_URL}/en/atom.xml",
    ]
    assert [link.href for link in site_links[:2]] == [f"{BASE_URL}/rss.xml", f"{BASE_URL}/atom.xml"]
