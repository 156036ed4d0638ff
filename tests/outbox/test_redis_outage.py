"""A purge asked for while Redis is away is not lost: the change commits, its event stays
pending for the cache, and once Redis is back the event is delivered (by a web worker's
sweep before a request, or by ``portal events deliver``) before readers see the stale list
for longer than the retry interval. On SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.content import articles as workflow
from portal.content import outbox
from portal.content.outbox import CACHE_CONSUMER
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, User
from portal.models.events import DELIVERED, PENDING, OutboxEvent
from portal.testing import events_written

from .conftest import cached_home

RETRY_SECONDS = 0.4
TITLE = "Khai mạc Lễ hội Lồng Tồng năm 2024"


@pytest.fixture
def app_config(redis_server):
    return {
        "PORTAL_CACHE_URL": redis_server.url,
        "PORTAL_CACHE_PREFIX": "portal-outbox-test:",
        "PORTAL_EVENT_RETRY_SECONDS": RETRY_SECONDS,
        "PORTAL_EVENT_RETRY_MAX_SECONDS": RETRY_SECONDS,
        # Every delivery tries Redis: the breaker of portal/redis_guard.py is tested alone.
        "PORTAL_REDIS_RETRY_SECONDS": 0,
        "PORTAL_EVENT_MAX_ATTEMPTS": 100,
        "PORTAL_EVENT_SWEEP_SECONDS": 0.05,
        # The purge itself is checked here (entries gone from Redis); pages rendered
        # again after it are tests/test_page_cache.py's.
        "PORTAL_PAGE_WARM": False,
    }


def editor_of(app) -> int:
    with app.app_context():
        user = User(email="bientap@example.org", name="Biên Tập", role="editor")
        user.set_password("mat-khau-dai-1")
        db.session.add(user)
        db.session.commit()
        return user.id


def add_draft(app, category_id: int) -> int:
    with app.app_context():
        article = Article(
            title=TITLE, slug="khai-mac-le-hoi-long-tong-nam-2024", lead="Sapo.",
            body_html="<p>Nội dung.</p>", author="Hoàng Anh", category_id=category_id,
            status="draft",
        )  # fmt: skip
        db.session.add(article)
        db.session.commit()
        return article.id


def step(app, user_id: int, article_id: int, action: str) -> None:
    """Publish or unpublish through the content layer, in a unit of work, as the admin does."""
    with app.app_context():
        user = db.session.get(User, user_id)
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(user)):
            before = article.status
            getattr(workflow, action)(article, user, expected_version=None)
            workflow.announce(article, workflow.reader_visible_change(before, article))


def outbox_row(app, action: str) -> OutboxEvent:
    with app.app_context():
        row = db.session.scalar(
            select(OutboxEvent).where(OutboxEvent.action == action).order_by(OutboxEvent.id.desc())
        )
        db.session.expunge(row)
        return row


def home(client) -> str:
    """The home page, as a reader gets it (closed as a WSGI server closes it)."""
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    response.close()
    return html


def stale_entries(redis_server) -> int:
    """How many cache entries carry the tag of every article list."""
    return redis_server.client().scard("portal-outbox-test:tag:articles")


@pytest.fixture
def unpublished_while_redis_was_away(app, client, redis_server):
    """Publish (Redis up), stop Redis, unpublish, start Redis again; the unpublish's event row."""
    site = cached_home(app)
    editor = editor_of(app)
    article_id = add_draft(app, site["category"])

    step(app, editor, article_id, "publish")
    assert outbox_row(app, "published").status == DELIVERED
    assert TITLE in home(client)
    assert stale_entries(redis_server) >= 1  # the home list is cached in Redis

    redis_server.stop()
    with events_written(app) as written:
        step(app, editor, article_id, "unpublish")
    assert written == [("unpublished", "article", article_id)]
    with app.app_context():
        assert db.session.get(Article, article_id).status == "archived"  # the change stands
    row = outbox_row(app, "unpublished")
    assert row.status == PENDING
    assert CACHE_CONSUMER in row.pending
    assert row.attempts == 1
    assert "cache" in row.last_error

    # While Redis is away the site still serves, straight from the database.
    assert TITLE not in home(client)

    redis_server.start()
    # Redis came back with what it held before: the list that still shows the article.
    assert stale_entries(redis_server) >= 1
    return row.id


def test_a_web_worker_delivers_the_purge_once_redis_is_back(
    app, client, redis_server, unpublished_while_redis_was_away
):
    row_id = unpublished_while_redis_was_away
    time.sleep(RETRY_SECONDS + 0.1)
    # The first request after the retry is due already gets the purged list: the worker
    # delivers the due event before answering.
    assert TITLE not in home(client)
    with app.app_context():
        row = db.session.get(OutboxEvent, row_id)
        assert (row.status, row.pending) == (DELIVERED, [])
    assert TITLE not in home(client)  # and the list cached again is the fresh one


def test_the_command_delivers_the_purge_once_redis_is_back(
    app, runner, client, redis_server, unpublished_while_redis_was_away
):
    row_id = unpublished_while_redis_was_away
    time.sleep(RETRY_SECONDS + 0.1)
    result = runner.invoke(args=["portal", "events", "deliver"])
    assert result.exit_code == 0, result.output
    assert "1 đã gửi" in result.output
    with app.app_context():
        assert db.session.get(OutboxEvent, row_id).status == DELIVERED
    assert stale_entries(redis_server) == 0
    assert TITLE not in home(client)


def test_the_purge_is_not_tried_before_it_is_due(
    app, redis_server, unpublished_while_redis_was_away
):
    row_id = unpublished_while_redis_was_away
    with app.app_context():
        due = db.session.get(OutboxEvent, row_id).next_attempt_at
        assert outbox.deliver(now=due - timedelta(milliseconds=1)).delivered == []
        assert db.session.get(OutboxEvent, row_id).status == PENDING
        assert outbox.deliver(now=due).delivered == [row_id]
    assert stale_entries(redis_server) == 0
