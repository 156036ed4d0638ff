"""Fixtures of the feed tests (helpers in feed_helpers.py)."""

from __future__ import annotations

import pytest

from feeds.feed_helpers import build_site, client_of, feeds_app
from portal.extensions import db


@pytest.fixture(scope="session")
def site_app(tmp_path_factory):
    """One SQLite app for the read-only tests of this folder (feeds are cached in memory)."""
    app = feeds_app(
        config={"PORTAL_CACHE_URL": "memory"},
        instance_path=str(tmp_path_factory.mktemp("feeds") / "instance"),
    )
    with app.app_context():
        ids = build_site()
    app.site_ids = ids
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def reader(site_app):
    return client_of(site_app)
