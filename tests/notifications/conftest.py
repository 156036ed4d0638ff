"""Fixtures for the notification tests: the newsroom's site, accounts and clients
(tests/articles/conftest.py), and helpers to take workflow steps through the content layer."""

from __future__ import annotations

from articles.conftest import clients, make_article, site, users  # noqa: F401 (fixtures)
from smtp_server import smtp_server  # noqa: F401 (fixture)
from sqlalchemy import select

from portal.content import articles
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, Notification, OutboxEvent, User


def take_step(app, step: str, article_id: int, user_id: int, **options) -> None:
    """``step`` (submit, send_back, publish, withdraw) by ``user_id``, as one unit of work;
    its events are delivered after the commit, as after a request."""
    with app.app_context():
        user = db.session.get(User, user_id)
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(user)):
            getattr(articles, step)(article, user, expected_version=None, **options)


def inbox_of(app, user_id: int) -> list[tuple[str, int | None, int | None, str]]:
    """(kind, article, actor, message) of a person's notifications, oldest first."""
    with app.app_context():
        return [
            (n.kind, n.article_id, n.actor_id, n.message)
            for n in db.session.scalars(
                select(Notification)
                .where(Notification.recipient_id == user_id)
                .order_by(Notification.id)
            )
        ]


def all_notifications(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Notification.recipient_id, Notification.kind).order_by(Notification.id)
        )
        return [tuple(row) for row in rows]


def outbox_rows(app, subject: str) -> list[OutboxEvent]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OutboxEvent).where(OutboxEvent.subject == subject).order_by(OutboxEvent.id)
            )
        )
        db.session.expunge_all()
        return rows
