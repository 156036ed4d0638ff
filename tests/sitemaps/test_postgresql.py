"""The same sitemaps on PostgreSQL: the GROUP BY of id ranges, the keyset stream, the times."""

from __future__ import annotations

import os

import pytest

from portal.config import database_uri
from portal.extensions import db
from portal.testing import make_app

from .conftest import BASE, PUBLIC_IDS, build_site, site_config, sitemaps_plugins, valid
from .test_xml_sitemaps import expected_lastmod, lastmods, locs

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("PORTAL_TEST_DATABASE_URL"), reason="PORTAL_TEST_DATABASE_URL is not set"
    ),
]


@pytest.fixture
def pg_app(tmp_path):
    app = make_app(
        database_url=database_uri(os.environ["PORTAL_TEST_DATABASE_URL"]),
        config=site_config(),
        plugins=sitemaps_plugins(),
        instance_path=str(tmp_path),
    )
    build_site(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_every_sitemap_on_postgresql(pg_app, monkeypatch):
    import blocks.sitemaps.documents as documents

    monkeypatch.setattr(documents, "BATCH", 1)  # the keyset loop, one row per query
    client = pg_app.test_client()
    index = valid(client.get("/sitemap.xml").data, "siteindex.xsd")
    assert locs(index)[2:] == [f"{BASE}/sitemap-articles-{n}.xml" for n in (1, 2, 3)]
    stamps = lastmods(index, "sitemap")
    assert stamps[f"{BASE}/sitemap-articles-1.xml"] == expected_lastmod(pg_app, [1, 2])
    seen = []
    for number in (1, 2, 3):
        seen += locs(valid(client.get(f"/sitemap-articles-{number}.xml").data, "sitemap.xsd"))
    assert seen == [f"{BASE}/bai-viet/{n}-tin-{n}" for n in PUBLIC_IDS]
    assert client.get("/sitemap-articles-4.xml").status_code == 404
    news = valid(client.get("/sitemap-news.xml").data, "sitemap.xsd", "sitemap-news.xsd")
    assert locs(news) == [f"{BASE}/bai-viet/6-tin-6"]
    pages = valid(client.get("/sitemap-pages.xml").data, "sitemap.xsd")
    assert f"{BASE}/chuyen-muc/chinh-tri" in locs(pages)
