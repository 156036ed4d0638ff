"""A Redis that hangs (stopped with SIGSTOP: connections are accepted, nothing is
answered) costs readers one short time-out, not one per block and request: the guard
of portal/redis_guard.py skips Redis for a while, pages render from the database, views
wait in the process and reach the database once Redis answers again."""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest
from redis_server import RedisServer, redis_server  # noqa: F401 (the fixture used here)

from portal.content.view_counter import counter_for
from portal.extensions import db
from portal.models import Article
from portal.redis_guard import guarded_redis
from portal.testing import make_app, sample_content

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}


@pytest.fixture
def hung_redis(redis_server):  # noqa: F811
    yield redis_server
    os.kill(redis_server.process.pid, signal.SIGCONT)


def test_readers_keep_getting_pages_while_redis_hangs(hung_redis, tmp_path, caplog):
    app = make_app(
        config={
            "PORTAL_CACHE_URL": hung_redis.url,
            "PORTAL_CACHE_PREFIX": "hang-test:",
            "PORTAL_STRICT_BLOCKS": False,
            "PORTAL_REDIS_RETRY_SECONDS": 1,
            "PORTAL_VIEW_FLUSH_SECONDS": 3600,
        },
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        created = sample_content()
        article_id = created["article"].id
        urls = ["/", f"/bai-viet/{article_id}-{created['article'].slug}"]
    client = app.test_client()
    for url in urls:
        assert client.get(url, headers=BROWSER).status_code == 200  # kept in Redis
    guard = guarded_redis(app)
    assert not guard.is_open

    os.kill(hung_redis.process.pid, signal.SIGSTOP)
    caplog.set_level(logging.WARNING, logger="portal.redis")
    took = []
    for _ in range(5):
        for url in urls:
            started = time.monotonic()
            response = client.get(url, headers=BROWSER)
            took.append(time.monotonic() - started)
            assert response.status_code == 200
            assert "Bắc Kạn" in response.get_data(as_text=True)
    assert guard.is_open  # found hung at the first call, skipped since
    assert max(took) < 1.0, took  # one time-out (250 ms) at most, never one per block
    hangs = [r for r in caplog.records if r.name == "portal.redis"]
    assert len(hangs) == 1  # one warning, not one per request

    os.kill(hung_redis.process.pid, signal.SIGCONT)
    time.sleep(1.1)  # the guard tries Redis again after PORTAL_REDIS_RETRY_SECONDS
    assert client.get(urls[1], headers=BROWSER).status_code == 200
    assert not guard.is_open
    with app.app_context():
        assert counter_for(app).flush()[0] == 1 + 5 + 1  # no view of the hang was lost
        assert db.session.get(Article, article_id).view_count == 7
