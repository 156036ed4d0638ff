"""A plugin's purge asked for while Redis is away is not lost (docs/plugins/block-api.md,
``bump_data_version``): the event stays pending for the cache while the server is stopped,
and is delivered once it is started again, by a web worker's sweep or by
``portal events deliver``. A real ``redis-server`` of the test's own, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.content import outbox
from portal.content.outbox import CACHE_CONSUMER
from portal.extensions import db
from portal.models import Placement
from portal.models.events import DELIVERED, PENDING, OutboxEvent
from portal.testing import sample_content

from . import other, weather

RETRY_SECONDS = 0.4
PREFIX = "portal-purge-test:"
OLD, NEW = "Nắng nhẹ, 24°C", "Mưa rào, 19°C"


@pytest.fixture
def app_config(redis_server):
    return {
        "PORTAL_CACHE_URL": redis_server.url,
        "PORTAL_CACHE_PREFIX": PREFIX,
        "PORTAL_STRICT_BLOCKS": False,
        "PORTAL_EVENT_RETRY_SECONDS": RETRY_SECONDS,
        "PORTAL_EVENT_RETRY_MAX_SECONDS": RETRY_SECONDS,
        # Every delivery tries Redis: the breaker of portal/redis_guard.py is tested alone.
        "PORTAL_REDIS_RETRY_SECONDS": 0,
        "PORTAL_EVENT_MAX_ATTEMPTS": 100,
        "PORTAL_EVENT_SWEEP_SECONDS": 0.05,
    }


@pytest.fixture
def app_plugins():
    return [("weather", weather), ("other", other)]


@pytest.fixture(autouse=True)
def fresh_plugin_data():
    weather.FORECAST["text"] = OLD
    weather.RENDERS.clear()
    other.RENDERS.clear()


def home(client) -> str:
    """The home page, as a reader gets it (closed as a WSGI server closes it)."""
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    response.close()
    return html


def cached_weather(redis_server) -> int:
    """How many cache entries in Redis are made from the data set "weather"."""
    return redis_server.client().scard(f"{PREFIX}tag:data:weather")


def purge_row(app) -> OutboxEvent:
    with app.app_context():
        row = db.session.scalar(select(OutboxEvent).where(OutboxEvent.subject == "plugin:weather"))
        db.session.expunge(row)
        return row


@pytest.fixture
def bumped_while_redis_was_away(app, client, redis_server):
    """Cache the home page, stop Redis, bump the data set, start Redis; the purge's row."""
    with app.app_context():
        root = sample_content()["root"]
        for position, name in enumerate(("purge_weather", "purge_other")):
            db.session.add(
                Placement(page_id=root.id, region="main", position=position, block_name=name)
            )
        db.session.commit()
    assert OLD in home(client)
    assert OLD in home(client)
    assert weather.RENDERS == [OLD]  # the second request came from Redis
    assert cached_weather(redis_server) >= 1

    redis_server.stop()
    with app.app_context():
        weather.new_forecast(NEW)  # the plugin's own call, outside a unit of work
    row = purge_row(app)
    assert (row.action, row.status, row.pending) == ("purged", PENDING, [CACHE_CONSUMER])
    assert row.attempts == 1
    assert "cache" in row.last_error
    # While Redis is away the site still serves, rendering without the cache.
    assert NEW in home(client)

    redis_server.start()
    # Redis came back with what it held before: the old forecast, still cached.
    assert cached_weather(redis_server) >= 1
    return row.id


def test_a_web_worker_delivers_the_purge_once_redis_is_back(
    app, client, redis_server, bumped_while_redis_was_away
):
    row_id = bumped_while_redis_was_away
    time.sleep(RETRY_SECONDS + 0.1)
    # The first request once the retry is due gets the new forecast: the worker delivers
    # the due purge before answering.
    assert NEW in home(client)
    with app.app_context():
        row = db.session.get(OutboxEvent, row_id)
        assert (row.status, row.pending) == (DELIVERED, [])
    renders = len(other.RENDERS)
    assert NEW in home(client)  # cached again, fresh
    assert len(other.RENDERS) == renders  # the other plugin's block was not purged


def test_the_command_delivers_the_purge_once_redis_is_back(
    app, runner, client, redis_server, bumped_while_redis_was_away
):
    row_id = bumped_while_redis_was_away
    time.sleep(RETRY_SECONDS + 0.1)
    result = runner.invoke(args=["portal", "events", "deliver"])
    assert result.exit_code == 0, result.output
    assert "1 đã gửi" in result.output
    with app.app_context():
        assert db.session.get(OutboxEvent, row_id).status == DELIVERED
    assert cached_weather(redis_server) == 0
    assert NEW in home(client)


def test_the_purge_is_not_tried_before_it_is_due(app, redis_server, bumped_while_redis_was_away):
    row_id = bumped_while_redis_was_away
    with app.app_context():
        due = db.session.get(OutboxEvent, row_id).next_attempt_at
        assert outbox.deliver(now=due - timedelta(milliseconds=1)).delivered == []
        assert db.session.get(OutboxEvent, row_id).status == PENDING
        assert outbox.deliver(now=due).delivered == [row_id]
    assert cached_weather(redis_server) == 0
