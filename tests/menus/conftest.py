"""Fixtures of the menus tests. Most run on SQLite only (the logic does not depend on the
database); test_reader.py runs on PostgreSQL too (the published-menu query, the migration)."""

from __future__ import annotations

import pytest

from .helpers import client_as, make_site


@pytest.fixture
def app_config(app_config):
    """Without the built-in plugins whose reader pages would be offered to menus (and counted
    by the compliance check): these tests build the site they need."""
    return {**app_config, "PORTAL_DISABLED_PLUGINS": ["documents", "questions", "site_profile"]}


@pytest.fixture
def site(app):
    with app.app_context():
        return make_site()


@pytest.fixture
def editor(app, site):
    return client_as(app, "editor")


@pytest.fixture
def menu(app, site):
    """An empty ``header`` menu (draft only)."""
    from blocks.menus import store
    from portal import Actor

    with app.app_context():
        created = store.create_menu(Actor.system("Kiểm thử"), slug="header", title="Menu chính")
        return created.id
