"""View counts: buffered per article (in the process or in Redis), written in batches.

Every test runs on SQLite and PostgreSQL (``app`` fixture) and with both
buffers; the Redis buffer needs ``PORTAL_TEST_REDIS_URL`` (skipped otherwise).
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import event, select

from portal.content.view_counter import ViewCounter, counter_for, looks_like_bot, view_counts
from portal.extensions import db
from portal.models import Article
from portal.testing import make_app, sample_content

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
def buffer_kind(request):
    return request.param


@pytest.fixture
def app_config(buffer_kind, redis_prefix):
    config = {"PORTAL_VIEW_FLUSH_SECONDS": 3600, "PORTAL_VIEW_FLUSH_VIEWS": 1000}
    if buffer_kind == "redis":
        config.update(PORTAL_CACHE_URL=REDIS_URL, PORTAL_CACHE_PREFIX=redis_prefix)
    return config


@pytest.fixture
def article_url(app):
    with app.app_context():
        article = sample_content()["article"]
        return f"/bai-viet/{article.id}-{article.slug}"


def stored(app) -> Article:
    with app.app_context():
        db.session.expire_all()
        article = db.session.scalar(select(Article))
        db.session.expunge(article)
        return article


class Updates:
    """Records the UPDATE statements the app's engine runs."""

    def __init__(self, app) -> None:
        with app.app_context():
            self.engine = db.engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self.statements

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def test_reader_views_wait_in_the_buffer_without_touching_the_database(app, client, article_url):
    with Updates(app) as updates:
        for _ in range(25):
            assert client.get(article_url, headers=BROWSER).status_code == 200

    assert updates == []
    assert stored(app).view_count == 0
    with app.app_context():
        article_id = db.session.scalar(select(Article.id))
        assert view_counts([article_id]) == {article_id: 25}


def test_flush_views_writes_one_update_and_never_bumps_version_or_updated_at(
    app, client, runner, article_url
):
    before = stored(app)
    for _ in range(7):
        client.get(article_url, headers=BROWSER)

    with Updates(app) as updates:
        result = runner.invoke(args=["portal", "flush-views"])

    assert result.exit_code == 0, result.output
    assert "Đã ghi 7 lượt xem của 1 bài viết" in result.output
    assert len(updates) == 1
    after = stored(app)
    assert after.view_count == 7
    assert after.version == before.version
    assert after.updated_at == before.updated_at
    with app.app_context():
        assert view_counts([after.id]) == {after.id: 7}  # nothing counted twice
    again = runner.invoke(args=["portal", "flush-views"])
    assert "Đã ghi 0 lượt xem của 0 bài viết" in again.output
    assert stored(app).view_count == 7


def test_staff_bots_and_other_requests_are_not_counted(app, client, article_url, editor_client):
    editor_client.get(article_url, headers=BROWSER)  # signed in: staff
    client.get(
        article_url, headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}
    )
    client.get(article_url, headers={"User-Agent": "curl/8.5.0"})
    client.get(article_url, headers={"User-Agent": ""})
    client.head(article_url, headers=BROWSER)
    client.get(article_url.rsplit("-", 1)[0] + "-cu", headers=BROWSER)  # redirect to the real URL
    with app.app_context():
        counted = counter_for(app).flush()
    assert counted == (0, 0)

    client.get(article_url, headers=BROWSER)
    with app.app_context():
        assert counter_for(app).flush() == (1, 1)


def test_unpublished_articles_are_not_counted(app, client, article_url):
    with app.app_context():
        article = db.session.scalar(select(Article))
        article.status = "draft"
        db.session.commit()
    assert client.get(article_url, headers=BROWSER).status_code == 404
    with app.app_context():
        assert counter_for(app).flush() == (0, 0)


@pytest.mark.parametrize(
    ("agent", "bot"),
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", False),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", True),
        ("facebookexternalhit/1.1", True),
        ("python-requests/2.31", True),
        ("Mozilla/5.0 HeadlessChrome/120.0", True),
        ("   ", True),
    ],
)
def test_bot_check(agent, bot):
    assert looks_like_bot(agent) is bot


def test_enough_waiting_views_are_written_at_once(app, client, article_url):
    counter_for(app).flush_views = 5
    for _ in range(4):
        client.get(article_url, headers=BROWSER)
    assert stored(app).view_count == 0
    client.get(article_url, headers=BROWSER)
    assert stored(app).view_count == 5


def test_waiting_views_are_written_after_the_interval(app, article_url):
    now = [1000.0]
    with app.app_context():
        article_id = db.session.scalar(select(Article.id))
        shared = counter_for(app)
        counter = ViewCounter(app, shared.buffer, flush_seconds=60, flush_views=1000,
                              clock=lambda: now[0])  # fmt: skip
        app.extensions["portal.view_counter"] = counter
        counter.buffer.take()  # start empty
        for _ in range(3):
            counter.count(article_id)
        now[0] += 59
        counter.count(article_id)
    assert stored(app).view_count == 0
    now[0] += 2
    with app.app_context():
        counter.count(article_id)
    assert stored(app).view_count == 5


def test_concurrent_readers_lose_no_view(app, article_url):
    with app.app_context():
        article_id = db.session.scalar(select(Article.id))
    counter = counter_for(app)
    counter.flush_views = 1_000_000  # only the final flush writes

    def read_many():
        for _ in range(200):
            counter.count(article_id)

    threads = [threading.Thread(target=read_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with app.app_context():
        assert view_counts([article_id]) == {article_id: 1600}
        assert counter.flush() == (1600, 1)
    assert stored(app).view_count == 1600


@pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set")
def test_redis_buffer_is_shared_by_workers_and_flushed_once(app_factory, redis_prefix):
    """Two workers (apps) on one database and one Redis: one flush writes both's views."""
    config = {"PORTAL_CACHE_URL": REDIS_URL, "PORTAL_CACHE_PREFIX": redis_prefix,
              "PORTAL_VIEW_FLUSH_SECONDS": 3600,
              "PORTAL_VIEW_PUSH_SECONDS": 0}  # every view sent at once  # fmt: skip
    first = app_factory(config=config)
    second = app_factory(config=config)
    with first.app_context():
        article = sample_content()["article"]
        url = f"/bai-viet/{article.id}-{article.slug}"
        article_id = article.id
    for worker, views in ((first, 3), (second, 4)):
        client = worker.test_client()
        for _ in range(views):
            assert client.get(url, headers=BROWSER).status_code == 200

    with second.app_context():
        assert view_counts([article_id]) == {article_id: 7}
        # Only one worker may flush per interval; the other leaves the views waiting.
        assert counter_for(second).buffer.claim_flush(3600) is True
        assert counter_for(first).buffer.claim_flush(3600) is False
        assert counter_for(second).flush() == (7, 1)
    with first.app_context():
        assert db.session.get(Article, article_id).view_count == 7
        assert view_counts([article_id]) == {article_id: 7}


def test_the_counter_can_be_switched_off(app, client, article_url):
    app.config["PORTAL_VIEW_COUNTER"] = False
    for _ in range(3):
        assert client.get(article_url, headers=BROWSER).status_code == 200
    with app.app_context():
        assert counter_for(app).flush() == (0, 0)
    assert stored(app).view_count == 0


@pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set")
def test_with_redis_views_wait_in_the_process_and_go_out_together(redis_prefix):
    """A reader's view costs no Redis call: the process sends what it counted in one
    round trip once ``push_seconds`` have passed; reading and taking count it meanwhile."""
    import redis

    from portal.content.view_counter import RedisBuffer

    now = [100.0]
    buffer = RedisBuffer(REDIS_URL, redis_prefix, push_seconds=1, clock=lambda: now[0])
    shared = redis.Redis.from_url(REDIS_URL)
    assert buffer.add(7) == 1  # the first view goes out at once
    assert shared.hget(buffer.key, "7") == b"1"
    for _ in range(5):
        buffer.add(7)
    assert buffer.add(8) == 7
    assert shared.hgetall(buffer.key) == {b"7": b"1", b"total": b"1"}  # the rest waits here
    assert buffer.pending([7, 8, 9]) == {7: 6, 8: 1}
    now[0] += 1
    assert buffer.add(8) == 8  # one round trip took everything
    assert shared.hgetall(buffer.key) == {b"7": b"6", b"8": b"2", b"total": b"8"}
    buffer.add(9)
    assert buffer.take() == {7: 6, 8: 2, 9: 1}  # what waited here is taken too
    assert shared.hgetall(buffer.key) == {}
    shared.close()


def test_views_wait_in_the_process_while_redis_cannot_be_reached(unreachable_redis_url):
    from portal.content.view_counter import RedisBuffer

    buffer = RedisBuffer(unreachable_redis_url, "t:", push_seconds=1)
    with pytest.raises(buffer.errors):
        buffer.add(3)
    with pytest.raises(buffer.errors):
        buffer.take()
    assert buffer._here == {3: 1}  # kept for the next push, not lost


@pytest.fixture
def unreachable_redis_url():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there


def test_a_worker_that_stops_writes_the_views_it_holds(tmp_path):
    """gunicorn's graceful stop (or a restart) ends the process normally: the views in its
    own buffer reach the database then, not never."""
    import subprocess
    import sys
    import textwrap

    url = f"sqlite:///{tmp_path / 'portal.db'}"
    script = textwrap.dedent(
        f"""
        from portal.testing import make_app, sample_content
        app = make_app(database_url={url!r}, instance_path={str(tmp_path / "i")!r},
                       config={{"PORTAL_VIEW_FLUSH_SECONDS": 3600}})
        app.testing = False  # a server's app, as gunicorn loads it
        with app.app_context():
            article = sample_content()["article"]
            path = f"/bai-viet/{{article.id}}-{{article.slug}}"
        client = app.test_client()
        for _ in range(3):
            assert client.get(path, headers={BROWSER!r}).status_code == 200
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    app = make_app(database_url=url, fresh_database=False, instance_path=str(tmp_path / "i"))
    assert stored(app).view_count == 3
