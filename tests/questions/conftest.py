"""Fixtures of the questions tests: an app on SQLite only, for what does not depend on SQL."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.testing import make_account, make_app, signed_in_client


@pytest.fixture
def sqlite_app(tmp_path, app_config):
    app = make_app(config=app_config, instance_path=str(tmp_path / "instance"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def editor(sqlite_app):
    return signed_in_client(sqlite_app, make_account(sqlite_app, "editor"))
