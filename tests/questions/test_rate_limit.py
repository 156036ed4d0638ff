"""Too many questions: 429 with Retry-After, counted in the database or in Redis."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from blocks.questions import ratelimit
from blocks.questions.models import Question
from portal.extensions import db

from .helpers import QUESTION, ask

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
LIMITS = {
    "PORTAL_PLUGIN_QUESTIONS_CLIENT_LIMIT": 2,
    "PORTAL_PLUGIN_QUESTIONS_CLIENT_WINDOW_MINUTES": 10,
    "PORTAL_PLUGIN_QUESTIONS_SITE_LIMIT": 3,
}


@pytest.fixture
def app_config():
    return dict(LIMITS)


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def stored_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Question))


def assert_refused(answer, *, scope_text: str, window_seconds: int = 600) -> None:
    """Refused with the wait until the oldest counted question leaves the window."""
    html = answer.get_data(as_text=True)
    assert answer.status_code == 429
    assert window_seconds - 120 <= int(answer.headers["Retry-After"]) <= window_seconds
    assert scope_text in html
    assert QUESTION["body"] in html  # nothing the reader typed is lost


def test_the_database_counts_per_client_and_for_the_site(app):
    reader = from_address(app, "203.0.113.7")
    assert [ask(reader, app).status_code for _ in range(2)] == [303, 303]
    assert_refused(ask(reader, app), scope_text="Bạn đã gửi 2 câu hỏi trong 10 phút vừa qua.")
    assert stored_count(app) == 2

    other = from_address(app, "198.51.100.20")
    assert ask(other, app).status_code == 303  # another client: its own count
    assert_refused(
        ask(from_address(app, "192.0.2.99"), app),
        scope_text="Hệ thống đang nhận quá nhiều câu hỏi.",
        window_seconds=3600,
    )
    assert stored_count(app) == 3


@pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set")
def test_redis_counts_when_configured_and_is_shared_by_processes(tmp_path, redis_prefix):
    from portal.testing import make_app

    config = {
        **LIMITS,
        "PORTAL_PLUGIN_QUESTIONS_RATE_LIMIT_REDIS_URL": REDIS_URL,
        "PORTAL_CACHE_PREFIX": redis_prefix,
    }
    first = make_app(config=config, instance_path=str(tmp_path / "a"))
    reader = from_address(first, "203.0.113.7")
    assert [ask(reader, first).status_code for _ in range(2)] == [303, 303]
    with first.app_context():  # the database forgets them: Redis still counts them
        db.session.execute(sa.delete(Question))
        db.session.commit()
        client_key = f"{redis_prefix}questions:rate:client:{ratelimit.client_hash('203.0.113.7')}"
    import redis

    assert redis.Redis.from_url(REDIS_URL).zcard(client_key) == 2
    assert_refused(ask(reader, first), scope_text="Bạn đã gửi 2 câu hỏi")
    assert stored_count(first) == 0
