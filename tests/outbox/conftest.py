"""Fixtures for the outbox tests: a Redis server of the test's own (tests/redis_server.py),
and a home page whose article list is cached."""

from __future__ import annotations

from redis_server import RedisServer, redis_server  # noqa: F401 (the fixture of this folder)

from portal import hookimpl
from portal.extensions import db
from portal.models import Placement
from portal.testing import sample_content


class Recorder:
    """A plugin that keeps every content event it is told about."""

    def __init__(self) -> None:
        self.received = []

    @hookimpl
    def portal_content_changed(self, event):
        self.received.append(event)


def cached_home(app) -> dict[str, int]:
    """The sample site, with the latest articles listed on the home page (a cached block)."""
    with app.app_context():
        created = sample_content()
        db.session.add(
            Placement(page_id=created["root"].id, region="main", position=0,
                      block_name="article_list")
        )  # fmt: skip
        db.session.commit()
        return {name: obj.id for name, obj in created.items()}
