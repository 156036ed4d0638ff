"""Autodiscovery: every reader page announces the site's feeds in its head, category and
article pages their category's too; the "Nguồn tin RSS" block lists them."""

from __future__ import annotations

import re

import blocks.feeds
from feeds.feed_helpers import BASE_URL, OTHER_HOST, feeds_app
from portal.extensions import db
from portal.models import Category
from portal.testing import assert_block_contract, render_block

LINK = re.compile(
    r'<link rel="alternate" type="(application/(?:rss|atom)\+xml)" title="([^"]*)" href="([^"]*)">'
)
SITE = [
    ("application/rss+xml", "Cổng thông tin điện tử tỉnh Bắc Kạn – RSS", BASE_URL + "/rss.xml"),
    ("application/atom+xml", "Cổng thông tin điện tử tỉnh Bắc Kạn – Atom", BASE_URL + "/atom.xml"),
]


def feed_links(reader, path):
    response = reader.get(path, headers={"Host": OTHER_HOST})
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    head = html.split("</head>", 1)[0]
    return LINK.findall(head)


def test_the_home_page_announces_the_site_feeds(reader):
    assert feed_links(reader, "/") == SITE


def test_a_category_page_announces_its_own_feeds_too(reader):
    assert feed_links(reader, "/chuyen-muc/nong-nghiep") == [
        *SITE,
        ("application/rss+xml", "Nông nghiệp – RSS", BASE_URL + "/chuyen-muc/nong-nghiep/rss.xml"),
        (
            "application/atom+xml",
            "Nông nghiệp – Atom",
            BASE_URL + "/chuyen-muc/nong-nghiep/atom.xml",
        ),
    ]


def test_a_tag_page_announces_the_tag_feeds(reader):
    assert feed_links(reader, "/the/du-lich-cong-dong")[2:] == [
        (
            "application/rss+xml",
            "Du lịch cộng đồng – RSS",
            BASE_URL + "/the/du-lich-cong-dong/rss.xml",
        ),
        (
            "application/atom+xml",
            "Du lịch cộng đồng – Atom",
            BASE_URL + "/the/du-lich-cong-dong/atom.xml",
        ),
    ]


def test_an_article_page_announces_its_category_feeds(site_app, reader):
    slug_id = site_app.site_ids["chi-thi-30"]
    links = feed_links(reader, f"/bai-viet/{slug_id}-chi-thi-30")
    assert links[2:] == [
        ("application/rss+xml", "Thời sự – RSS", BASE_URL + "/chuyen-muc/thoi-su/rss.xml"),
        ("application/atom+xml", "Thời sự – Atom", BASE_URL + "/chuyen-muc/thoi-su/atom.xml"),
    ]
    # Every announced feed answers.
    for _type, _title, href in links:
        assert reader.get(href.removeprefix(BASE_URL)).status_code == 200


def test_the_feed_links_block_lists_the_site_and_each_top_category(site_app):
    with site_app.app_context():
        roots = [
            c.name
            for c in db.session.scalars(db.select(Category).where(Category.parent_id.is_(None)))
        ]
    html = render_block(site_app, "feed_links")
    assert "Nguồn tin RSS" in html and "Tin mới nhất" in html
    for name in roots:
        assert name in html
    assert "Nông nghiệp" not in html  # a subcategory: its parent's feed holds it
    assert f'href="{BASE_URL}/chuyen-muc/kinh-te/rss.xml"' in html
    assert f'href="{BASE_URL}/atom.xml"' in html


def test_the_feed_links_block_speaks_english_too(site_app):
    html = render_block(site_app, "feed_links", locale="en")
    assert "RSS feeds" in html and "Latest news" in html and "Kinh tế" in html


def test_the_feed_links_block_keeps_the_block_contract(tmp_path):
    app = feeds_app(instance_path=str(tmp_path / "i"))
    assert_block_contract(blocks.feeds.FeedLinks, app)
