"""Text responses go out gzipped to clients that accept it; the site's stylesheet has a
versioned URL kept for a year."""

from __future__ import annotations

import gzip
import re

import pytest

from portal.testing import make_app, sample_content

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def client(tmp_path):
    app = make_app(instance_path=str(tmp_path / "i"))
    with app.app_context():
        article = sample_content()["article"]
        client = app.test_client()
        client.article_url = f"/bai-viet/{article.id}-{article.slug}"
    return client


def test_feeds_and_stylesheets_are_gzipped_for_clients_that_accept_it(client):
    page = gzip.decompress(client.get(client.article_url, headers=GZIP).data).decode()
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    site_css = next(href for href in stylesheets if href.startswith("/static/site.css?v="))
    block_css = next(href for href in stylesheets if href.startswith("/_blocks/"))
    for url in (site_css.replace("&amp;", "&"), block_css.replace("&amp;", "&"), "/rss.xml"):
        plain = client.get(url)
        zipped = client.get(url, headers=GZIP)
        assert plain.status_code == zipped.status_code == 200, url
        assert "Content-Encoding" not in plain.headers, url
        assert zipped.headers["Content-Encoding"] == "gzip", url
        assert gzip.decompress(zipped.data) == plain.data, url
        assert "Accept-Encoding" in zipped.vary, url
        if plain.headers.get("ETag"):
            assert zipped.headers["ETag"] != plain.headers["ETag"], url

    css = client.get(site_css)
    assert css.cache_control.max_age == 365 * 24 * 3600 and css.cache_control.immutable
    assert not css.cache_control.no_cache


def test_small_bodies_go_as_they_are_and_private_pages_stay_private(client):
    favicon = client.get("/favicon.ico", headers=GZIP)  # an SVG of a few hundred bytes
    assert favicon.status_code == 200 and "Content-Encoding" not in favicon.headers
    signin = client.get("/dang-nhap", headers=GZIP)
    assert signin.headers["Content-Encoding"] == "gzip"
    assert "mật khẩu" in gzip.decompress(signin.data).decode().lower()
    assert signin.headers["Cache-Control"] == "private, no-store"
