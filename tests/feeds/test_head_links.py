"""The portal_head_links hook: plugins add <link> elements to the head of reader pages;
a plugin that raises or returns a wrong value is left out and the page still shows."""

from __future__ import annotations

import logging

from feeds.feed_helpers import build_site, client_of, feeds_app
from portal import HeadLink, hookimpl


class SearchLink:
    @hookimpl
    def portal_head_links(self, page, article):
        links = [
            HeadLink(
                "search",
                "/tim-kiem/opensearch.xml",
                "application/opensearchdescription+xml",
                "Tìm <kiếm> & tra cứu",
            )
        ]
        if article is not None:
            links.append(HeadLink("author", "https://example.org/tac-gia"))
        return links + links  # the same link twice is shown once


class Raising:
    @hookimpl
    def portal_head_links(self, page):
        raise RuntimeError("hỏng")


class WrongValue:
    @hookimpl
    def portal_head_links(self, page):
        return [HeadLink("alternate", "javascript:alert(1)")]


def test_plugins_add_head_links_and_bad_ones_are_left_out(tmp_path, caplog):
    from portal.testing import make_app

    app = make_app(
        plugins=[("search_link", SearchLink()), ("raising", Raising()), ("wrong", WrongValue())],
        instance_path=str(tmp_path / "i"),
    )
    with app.app_context():
        ids = build_site()
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="portal"):
        home = client.get("/").get_data(as_text=True)
    head = home.split("</head>", 1)[0]
    assert head.count('rel="search"') == 1
    assert (
        '<link rel="search" type="application/opensearchdescription+xml" '
        'title="Tìm &lt;kiếm&gt; &amp; tra cứu" href="/tim-kiem/opensearch.xml">'
    ) in head
    assert "javascript:" not in home and 'rel="author"' not in head
    assert "hỏng" in caplog.text and "'wrong'" in caplog.text
    article = client.get(f"/bai-viet/{ids['chi-thi-30']}-chi-thi-30").get_data(as_text=True)
    assert '<link rel="author" href="https://example.org/tac-gia">' in article


def test_a_disabled_feeds_plugin_announces_nothing_and_serves_nothing(tmp_path):

    app = feeds_app(
        config={"PORTAL_DISABLED_PLUGINS": ["feeds"]}, instance_path=str(tmp_path / "i")
    )
    with app.app_context():
        build_site()
    reader = client_of(app)
    assert "application/rss+xml" not in reader.get("/").get_data(as_text=True)
    assert reader.get("/rss.xml").status_code == 404
