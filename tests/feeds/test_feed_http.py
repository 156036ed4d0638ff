"""How the feeds are served: types, caching headers, 304, purging by content events,
the settings (count, summary or full), and the cost of a cached answer."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import pytest
from admin.admin_helpers import csrf_of

from feeds.feed_helpers import BASE_URL, POSTGRES_URL, REDIS_URL, build_site, client_of, feeds_app
from portal import Actor, article_event, content_changed, unit_of_work
from portal.extensions import db
from portal.models import Article, utcnow
from portal.testing import count_queries, make_account, signed_in_client

TYPES = {
    "/rss.xml": "application/rss+xml; charset=utf-8",
    "/atom.xml": "application/atom+xml; charset=utf-8",
    "/chuyen-muc/thoi-su/rss.xml": "application/rss+xml; charset=utf-8",
    "/chuyen-muc/thoi-su/atom.xml": "application/atom+xml; charset=utf-8",
}


@pytest.mark.parametrize("url", sorted(TYPES))
def test_type_and_caching_headers(reader, url):
    response = reader.get(url)
    assert response.headers["Content-Type"] == TYPES[url]
    assert set(response.headers["Cache-Control"].split(", ")) == {"public", "max-age=300"}
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["ETag"])
    assert response.headers["Last-Modified"].endswith(" GMT")
    # The same answer twice: the same validators.
    again = reader.get(url)
    assert again.headers["ETag"] == response.headers["ETag"]
    assert again.data == response.data


def test_304_with_if_none_match_and_with_if_modified_since(reader):
    first = reader.get("/rss.xml")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    not_modified = reader.get("/rss.xml", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == etag
    assert reader.get("/rss.xml", headers={"If-Modified-Since": modified}).status_code == 304
    assert reader.get("/rss.xml", headers={"If-None-Match": '"khac"'}).status_code == 200
    # An ETag of one feed is not the ETag of another.
    assert reader.get("/atom.xml", headers={"If-None-Match": etag}).status_code == 200


def test_head_gives_the_headers_without_a_body(reader):
    response = reader.head("/atom.xml")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["ETag"] == reader.get("/atom.xml").headers["ETag"]


@pytest.mark.parametrize(("given", "used"), [(1000, 100), (0, 1), (-5, 1), (7, 7)])
def test_the_count_stays_between_1_and_100(tmp_path, given, used):
    from blocks.feeds.views import settings

    app = feeds_app(config={"PORTAL_PLUGIN_FEEDS_COUNT": given}, instance_path=str(tmp_path / "i"))
    with app.test_request_context("/rss.xml"):
        assert settings() == (used, "summary")


def test_a_cached_feed_costs_no_query(site_app, reader):
    reader.get("/chuyen-muc/kinh-te/rss.xml")
    with count_queries(site_app) as statements:
        again = reader.get("/chuyen-muc/kinh-te/rss.xml")
    assert again.status_code == 200
    assert not [s for s in statements if "articles" in s], statements


def publish(app, title, category_id):
    """Publish a new article the way the content layer does: one unit, one event."""
    with app.app_context(), unit_of_work(Actor.system("Thử nghiệm nguồn tin")):
        article = Article(
            title=title,
            slug="bai-moi",
            lead="Tóm tắt bài mới.",
            body_html="<p>Nội dung.</p>",
            category_id=category_id,
            status="published",
            published_at=utcnow() - timedelta(minutes=1),
        )
        db.session.add(article)
        db.session.flush()
        content_changed(article_event("published", article))
        return article.id


def unpublish(app, article_id):
    from portal.content import articles
    from portal.models import User

    editor_id = make_account(app, "editor")
    with app.app_context():
        editor = db.session.get(User, editor_id)
        with unit_of_work(Actor.of_user(editor)):
            article = db.session.get(Article, int(article_id))
            articles.unpublish(article, editor, expected_version=None)


def check_publish_purges(app):
    reader = client_of(app)
    before = reader.get("/chuyen-muc/kinh-te/atom.xml")
    etag = before.headers["ETag"]
    assert (
        reader.get("/chuyen-muc/kinh-te/atom.xml", headers={"If-None-Match": etag}).status_code
        == 304
    )
    with app.app_context():
        farming = db.session.scalar(
            db.select(db.text("id FROM categories WHERE slug = 'nong-nghiep'"))
        )
    publish(app, "Mùa vàng trên ruộng bậc thang", farming)
    after = reader.get("/chuyen-muc/kinh-te/atom.xml", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["ETag"] != etag
    document = feedparser.parse(after.data)
    assert not document.bozo
    assert document.entries[0].title == "Mùa vàng trên ruộng bậc thang"
    assert document.entries[0].published.endswith("+07:00")
    # Unpublished by an editor through the newsroom workflow: gone from the feed at once.
    unpublish(app, document.entries[0].link.rsplit("/", 1)[1].split("-", 1)[0])
    gone = reader.get(
        "/chuyen-muc/kinh-te/atom.xml", headers={"If-None-Match": after.headers["ETag"]}
    )
    assert gone.status_code == 200
    titles = [entry.title for entry in feedparser.parse(gone.data).entries]
    assert "Mùa vàng trên ruộng bậc thang" not in titles and len(titles) == 2
    return titles


def test_a_publish_purges_the_cached_feed(tmp_path):
    app = feeds_app(config={"PORTAL_CACHE_URL": "memory"}, instance_path=str(tmp_path / "i"))
    with app.app_context():
        build_site()
    # Published: first in the feed at once; unpublished: gone at once (two left).
    titles_after_unpublish = check_publish_purges(app)
    assert "Mùa vàng trên ruộng bậc thang" not in titles_after_unpublish
    assert len(titles_after_unpublish) == 2


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_DATABASE_URL is not set")
def test_on_postgresql_with_redis_feeds_are_valid_and_purged(tmp_path, redis_prefix):
    from portal.config import database_uri

    config = {"PORTAL_CACHE_URL": REDIS_URL or "memory", "PORTAL_CACHE_PREFIX": redis_prefix}
    app = feeds_app(
        database_url=database_uri(POSTGRES_URL), config=config, instance_path=str(tmp_path / "i")
    )
    try:
        with app.app_context():
            build_site(hostile_titles=False)  # PostgreSQL text holds no control characters
        document = feedparser.parse(client_of(app).get("/rss.xml").data)
        assert not document.bozo and len(document.entries) == 3
        assert document.entries[0].published.endswith("+0700")
        check_publish_purges(app)
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_count_and_full_content_from_the_configuration(tmp_path):
    app = feeds_app(
        config={"PORTAL_PLUGIN_FEEDS_COUNT": 2, "PORTAL_PLUGIN_FEEDS_CONTENT": "full"},
        instance_path=str(tmp_path / "i"),
    )
    with app.app_context():
        build_site()
    reader = client_of(app)
    rss = feedparser.parse(reader.get("/rss.xml").data)
    assert len(rss.entries) == 2
    atom = feedparser.parse(reader.get("/chuyen-muc/thoi-su/atom.xml").data)
    (entry,) = atom.entries
    assert entry.summary.startswith("Tóm tắt:")
    html = entry.content[0].value
    # The body, sanitized, with its site links made absolute for feed readers.
    assert f'href="{BASE_URL}/chuyen-muc/thoi-su"' in html
    assert f'src="{BASE_URL}/media/anh-trong-bai.jpg"' in html
    rss_full = feedparser.parse(reader.get("/chuyen-muc/thoi-su/rss.xml").data)
    assert "Toàn văn" not in rss_full.entries[0].summary
    assert f'src="{BASE_URL}/media/anh-trong-bai.jpg"' in rss_full.entries[0].content[0].value


def test_an_admin_switches_to_full_content_in_the_settings_screen(tmp_path):
    # The sign-in helper of the harness asks for localhost.
    hosts = ["tin.backan.example", "localhost"]
    config = {"PORTAL_CACHE_URL": "memory", "PORTAL_TRUSTED_HOSTS": hosts}
    app = feeds_app(config=config, instance_path=str(tmp_path / "i"))
    with app.app_context():
        build_site()
    admin = signed_in_client(app, make_account(app, "admin"))  # on localhost
    reader = client_of(app)
    summary = reader.get("/chuyen-muc/thoi-su/rss.xml")
    assert b"content:encoded" not in summary.data
    url = "/admin/plugins/feeds/settings"
    # PORTAL_BASE_URL is https, so the session cookie is Secure: ask over https.
    screen = admin.get(url, base_url="https://localhost").get_data(as_text=True)
    assert "Nội dung trong nguồn tin" in screen and "Số bài trong nguồn tin" in screen
    token = csrf_of(screen)
    saved = admin.post(
        url,
        data={"csrf_token": token, "setting_count": "20", "setting_content": "full"},
        base_url="https://localhost",
        headers={"Referer": "https://localhost" + url},  # CSRF over https checks it
    )
    assert saved.status_code in (200, 302), saved.get_data(as_text=True)[:3000]
    full = reader.get(
        "/chuyen-muc/thoi-su/rss.xml", headers={"If-None-Match": summary.headers["ETag"]}
    )
    assert full.status_code == 200
    assert b"content:encoded" in full.data
