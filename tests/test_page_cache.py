"""Whole pages for readers without a session: kept, answered without a query, purged by events.

Run on SQLite and PostgreSQL, with the in-process cache and with Redis.
"""

from __future__ import annotations

import gzip
import os
import time

import pytest

from portal import hookimpl
from portal.cache import MemoryBackend, RedisBackend, cache_for
from portal.content import articles
from portal.content.unit_of_work import Actor, unit_of_work
from portal.content.view_counter import counter_for
from portal.extensions import db
from portal.models import Article, User
from portal.page_cache import KEY_PREFIX
from portal.testing import count_queries, make_account, make_app, sample_content, signed_in_client

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}


@pytest.fixture(
    params=[
        "memory",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set"),
        ),
    ]
)
def site(request, database_url, tmp_path, redis_prefix):
    config = {"PORTAL_CACHE_URL": "memory" if request.param == "memory" else REDIS_URL}
    if request.param == "redis":
        config["PORTAL_CACHE_PREFIX"] = redis_prefix
    app = make_app(database_url=database_url, config=config, instance_path=str(tmp_path / "i"))
    with app.app_context():
        created = sample_content()
        article_id = created["article"].id
    yield app, f"/bai-viet/{article_id}-{created['article'].slug}", article_id
    with app.app_context():
        cache_for(app).clear()
        db.session.remove()
        db.engine.dispose()


def kept_pages(app) -> int:
    """How many whole pages (in any encoding) the cache holds."""
    backend = cache_for(app)
    if isinstance(backend, MemoryBackend):
        return sum(1 for key in backend._entries if key.startswith(KEY_PREFIX))
    assert isinstance(backend, RedisBackend)
    return sum(1 for _ in backend._redis.scan_iter(match=backend._prefix + KEY_PREFIX + "*"))


def edit_title(app, article_id: int, title: str) -> None:
    with app.app_context():
        editor = db.session.get(User, make_account(app, "editor"))
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(editor)):
            articles.save_article(
                article, {"title": title}, editor, expected_version=article.version
            )


def test_a_kept_page_is_answered_without_a_query_and_as_rendered(site):
    app, url, article_id = site
    client = app.test_client()
    first = client.get(url)
    assert first.status_code == 200
    with count_queries(app) as statements:
        second = client.get(url)
    assert statements == []
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert second.headers["Cache-Control"].startswith("public, max-age=")
    assert "s-maxage=" in second.headers["Cache-Control"]
    # The security headers are sent with a kept page as with a rendered one.
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Content-Type"):
        assert second.headers[header] == first.headers[header], header
    tags = second.headers["Surrogate-Key"].split()
    assert f"article:{article_id}" in tags and "whole-pages" in tags
    assert {"Cookie", "Accept-Encoding"} <= set(second.vary)


def test_tracking_parameters_share_the_entry_and_unknown_ones_make_none(site):
    app, url, _article_id = site
    client = app.test_client()
    client.get(url)
    kept = kept_pages(app)
    with count_queries(app) as statements:
        tracked = client.get(url + "?utm_source=zalo&utm_medium=social&fbclid=IwAR0abc")
    assert tracked.status_code == 200 and statements == []
    for n in range(3):
        with count_queries(app) as statements:
            unknown = client.get(f"{url}?x={n}")
        assert unknown.status_code == 200
        assert statements != []  # rendered: a parameter no block reads is never looked up ...
        assert unknown.headers["Cache-Control"] == "no-cache"
    assert kept_pages(app) == kept  # ... nor kept


def test_an_edit_shows_on_the_next_request(site):
    app, url, article_id = site
    client = app.test_client()
    assert "Chỉ thị số 30-CT/TW" in client.get(url).get_data(as_text=True)
    client.get(url)
    edit_title(app, article_id, "Tiêu đề mới của bản tin")
    assert "Tiêu đề mới của bản tin" in client.get(url).get_data(as_text=True)
    with count_queries(app) as statements:
        again = client.get(url)
    assert statements == [] and "Tiêu đề mới của bản tin" in again.get_data(as_text=True)


def test_signed_in_users_never_read_or_fill_it(site):
    app, url, article_id = site
    editor = signed_in_client(app, make_account(app, "editor"))
    seen = editor.get(url)
    assert seen.headers["Cache-Control"] == "private, no-store"
    assert "Surrogate-Key" not in seen.headers
    assert kept_pages(app) == 0
    app.test_client().get(url)  # a reader fills it
    assert kept_pages(app) > 0
    with count_queries(app) as statements:
        again = editor.get(url)
    assert statements != []  # the editor's page is rendered for the editor
    assert again.headers["Cache-Control"] == "private, no-store"


def test_conditional_requests_and_gzip(site):
    app, url, _article_id = site
    client = app.test_client()
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 2
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # strong: other bytes
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, deflate"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data

    for response, encoding in ((plain, "identity"), (zipped, "gzip")):
        headers = {"Accept-Encoding": encoding, "If-None-Match": response.headers["ETag"]}
        not_modified = client.get(url, headers=headers)
        assert not_modified.status_code == 304 and not_modified.data == b""
        assert not_modified.headers["ETag"] == response.headers["ETag"]
    since = client.get(url, headers={"If-Modified-Since": plain.headers["Last-Modified"]})
    assert since.status_code == 304
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == plain.data


def test_views_are_counted_on_kept_pages(site):
    app, url, article_id = site
    client = app.test_client()
    for _ in range(3):
        assert client.get(url, headers=BROWSER).status_code == 200
    with app.app_context():
        assert counter_for(app).pending([article_id]) == {article_id: 3}


def test_an_unpublished_article_is_gone_at_once(site):
    app, url, article_id = site
    client = app.test_client()
    client.get(url)
    with app.app_context():
        editor = db.session.get(User, make_account(app, "editor"))
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(editor)):
            articles.unpublish(article, editor, expected_version=article.version)
    assert client.get(url).status_code == 404


def test_after_an_edit_the_article_and_the_home_page_are_rendered_again_at_once(site):
    app, url, article_id = site
    client = app.test_client()
    client.get(url)
    client.get("/")
    edit_title(app, article_id, "Bản tin đã sửa")
    # The delivery of the event rendered them again: the next reader renders nothing, and
    # reads nothing (with the in-process cache, the new event was this process's own).
    with count_queries(app) as statements:
        article = client.get(url)
        home = client.get("/")
    assert statements == []
    assert "Bản tin đã sửa" in article.get_data(as_text=True)
    assert home.status_code == 200
    with app.app_context():  # the reader's two views; the warming request was none
        assert counter_for(app).pending([article_id]) == {article_id: 2}


def test_without_warming_the_next_reader_renders_the_page(site):
    app, url, article_id = site
    app.config["PORTAL_PAGE_WARM"] = False
    client = app.test_client()
    client.get(url)
    edit_title(app, article_id, "Bản tin sửa lần nữa")
    with count_queries(app) as statements:
        article = client.get(url)
    assert statements != [] and "Bản tin sửa lần nữa" in article.get_data(as_text=True)


def test_a_plugins_route_that_asks_is_kept_whole_too(site):
    """The feeds plugin keeps its answers whole (portal.keep_whole)."""
    app, _url, article_id = site
    client = app.test_client()
    first = client.get("/rss.xml")
    assert first.status_code == 200 and "Chỉ thị số 30-CT/TW" in first.get_data(as_text=True)
    with count_queries(app) as statements:
        second = client.get("/rss.xml")
    assert statements == [] and second.data == first.data
    assert second.mimetype == "application/rss+xml"
    assert "articles" in second.headers["Surrogate-Key"].split()
    edit_title(app, article_id, "Tiêu đề mới trong bản tin RSS")
    assert "Tiêu đề mới trong bản tin RSS" in client.get("/rss.xml").get_data(as_text=True)


@pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set")
def test_a_hit_reads_the_cache_in_one_redis_round_trip(tmp_path, redis_prefix):
    """Seen by Redis itself (MONITOR): a kept page costs one cache command, no block read."""
    import threading

    import redis

    app = make_app(
        config={
            "PORTAL_CACHE_URL": REDIS_URL,
            "PORTAL_CACHE_PREFIX": redis_prefix,
            # The view and the visit are sent with the process's next batch, not now.
            "PORTAL_VIEW_PUSH_SECONDS": 60,
            "PORTAL_PLUGIN_STATISTICS_PUSH_SECONDS": 60,
        },
        instance_path=str(tmp_path / "i"),
    )
    with app.app_context():
        created = sample_content()
        url = f"/bai-viet/{created['article'].id}-{created['article'].slug}"
    client = app.test_client()
    reader = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}
    client.get(url, headers=reader)  # rendered and kept
    seen: list[str] = []
    done = "portal-test-monitor-done-" + redis_prefix
    watcher = redis.Redis.from_url(REDIS_URL)

    def watch() -> None:
        with watcher.monitor() as monitor:
            ready.set()
            for command in monitor.listen():
                text = command["command"]
                if done in text:
                    return
                seen.append(text)

    ready = threading.Event()
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    ready.wait(5)
    time.sleep(0.2)  # MONITOR is on once its reply came back
    with count_queries(app) as statements:
        hit = client.get(url, headers=reader)
    redis.Redis.from_url(REDIS_URL).echo(done)
    thread.join(5)
    watcher.close()
    cache_commands = [
        c for c in seen if redis_prefix + "wholepage:" in c or redis_prefix + "blk:" in c
    ]
    assert hit.status_code == 200 and statements == []
    assert len(cache_commands) == 1, cache_commands
    assert cache_commands[0].startswith("MGET")
    # Nothing else either: the reader's view and visit wait in the process for its batch.
    assert [c for c in seen if redis_prefix in c] == cache_commands
    with app.app_context():
        from portal.content.view_counter import view_counts

        assert view_counts([created["article"].id]) == {created["article"].id: 2}
    with app.app_context():
        cache_for(app).clear()
        db.session.remove()
        db.engine.dispose()


def test_a_hit_is_answered_ahead_of_the_app(site):
    """No request hook runs for a kept page; a session, a HEAD and a 304 are right too."""
    app, url, _article_id = site
    reached = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: reached.append(1))
    client = app.test_client()
    first = client.get(url)
    assert len(reached) == 1
    second = client.get(url)
    assert len(reached) == 1 and second.data == first.data
    assert second.headers["Content-Length"] == str(len(first.data))
    head = client.head(url)
    assert head.status_code == 200 and head.data == b"" and len(reached) == 1
    assert head.headers["Content-Length"] == str(len(first.data))
    not_modified = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.data == b"" and len(reached) == 1
    assert "Content-Type" not in not_modified.headers
    assert not_modified.headers["ETag"] == first.headers["ETag"]
    # A visitor who may be signed in, and a parameter no block reads, go through the app.
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "x")
    assert client.get(url).status_code == 200 and len(reached) == 2
    assert app.test_client().get(url + "?x=1").status_code == 200
    assert len(reached) == 3


def test_when_a_request_hook_has_work_the_app_answers_from_the_cache(site):
    """A content-event sweep due (or a plugin switch to read): the request goes through the
    app, whose hooks do their work, and the page still comes from the cache."""
    app, url, _article_id = site
    reached = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: reached.append(1))
    client = app.test_client()
    first = client.get(url)
    app.config["PORTAL_EVENT_SWEEP_SECONDS"] = 1e-9  # a sweep is due before every request
    with count_queries(app) as statements:
        again = client.get(url)
    assert len(reached) == 2 and statements == []
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]


def test_after_a_publish_here_the_warmed_page_is_answered_ahead_of_the_app(tmp_path):
    """The first reader after a publish: this process moved the stamp file and rendered
    the pages again; catching up costs nothing and the page comes from ahead of the app."""
    app = make_app(config={"PORTAL_CACHE_URL": "memory"}, instance_path=str(tmp_path / "i"))
    with app.app_context():
        created = sample_content()
        url = f"/bai-viet/{created['article'].id}-{created['article'].slug}"
    client = app.test_client()
    assert client.get(url).status_code == 200
    edit_title(app, created["article"].id, "Tiêu đề sau khi xuất bản")
    reached = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: reached.append(1))
    with count_queries(app) as statements:
        page = client.get(url)
    assert "Tiêu đề sau khi xuất bản" in page.text
    assert reached == [] and statements == []


class _ServedPages:
    """A plugin noting the kept pages sent ahead of the app; the second one it sees fails."""

    def __init__(self):
        self.seen: list[tuple[str, str]] = []

    @hookimpl
    def portal_kept_page_served(self, environ, content_type):
        self.seen.append((environ["PATH_INFO"], content_type))
        if len(self.seen) == 2:
            raise RuntimeError("a plugin's own bug")


def test_plugins_are_told_of_pages_sent_ahead_of_the_app(tmp_path, caplog):
    plugin = _ServedPages()
    app = make_app(
        config={"PORTAL_CACHE_URL": "memory"},
        plugins=[("served_pages", plugin)],
        instance_path=str(tmp_path / "i"),
    )
    with app.app_context():
        created = sample_content()
        url = f"/bai-viet/{created['article'].id}-{created['article'].slug}"
    client = app.test_client()
    first = client.get(url)
    assert plugin.seen == []  # rendered: the plugin's after_request functions saw it
    client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert plugin.seen == []  # a 304 sends no page
    assert client.get(url).data == first.data
    assert plugin.seen == [(url, "text/html; charset=utf-8")]
    again = client.get(url)  # the plugin raises: logged, the reader still gets the page
    assert again.status_code == 200 and again.data == first.data
    assert "a plugin's own bug" in caplog.text


def test_a_sitemap_is_streamed_once_then_kept_whole(site):
    app, _url, article_id = site
    client = app.test_client()
    first = client.get("/sitemap-articles-1.xml", buffered=False)
    assert first.is_streamed and "Content-Length" not in first.headers
    body = b"".join(first.response)
    first.close()
    with count_queries(app) as statements:
        second = client.get("/sitemap-articles-1.xml")
    assert statements == [] and second.data == body
    assert second.headers["Content-Length"] == str(len(body))
    assert second.headers["Cache-Control"] == first.headers["Cache-Control"]  # the route's own
    edit_title(app, article_id, "Tiêu đề mới của bản tin")  # an article event drops it
    with count_queries(app) as statements:
        assert client.get("/sitemap-articles-1.xml").status_code == 200
    assert statements != []
