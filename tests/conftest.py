"""Shared fixtures, in the style of Flask's tutorial: app, client, runner, editor.

Every test that uses ``app`` runs once on SQLite and once on PostgreSQL when
``PORTAL_TEST_DATABASE_URL`` is set (skipped with a reason otherwise). Each
test gets fresh, empty tables.
"""

from __future__ import annotations

import os

import pytest

from portal.extensions import db
from portal.models import User
from portal.testing import make_app, sample_content

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")


def database_params():
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_DATABASE_URL is not set"),
            ],
        ),
    ]


def database_url_for(kind: str) -> str | None:
    if kind == "postgresql":
        from portal.config import database_uri

        return database_uri(POSTGRES_URL)
    return None


@pytest.fixture(params=database_params())
def database_url(request):
    """The database URL of the current run (None = in-memory SQLite)."""
    return database_url_for(request.param)


@pytest.fixture
def app_config():
    """Extra configuration for the ``app`` fixture; override in a test module."""
    return {}


@pytest.fixture
def app(database_url, app_config):
    app = make_app(database_url=database_url, config=app_config)
    yield app
    with app.app_context():
        db.session.remove()
        if database_url:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def content(app):
    """A category, a published article and the pages that show it."""
    with app.app_context():
        created = sample_content()
        return {name: obj.id for name, obj in created.items()}


def create_user(app, *, email: str, role: str, password: str = "mat-khau-dai-1") -> int:
    with app.app_context():
        user = User(email=email, name=email.split("@")[0].title(), role=role)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


def login(client, email: str, password: str = "mat-khau-dai-1"):
    """Sign in through the real form (CSRF token included)."""
    import re

    page = client.get("/dang-nhap")
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    )
    return client.post(
        "/dang-nhap",
        data={"email": email, "password": password, "csrf_token": token.group(1) if token else ""},
    )


@pytest.fixture
def editor_client(app):
    """A client signed in as an editor."""
    create_user(app, email="bientap@example.org", role="editor")
    client = app.test_client()
    response = login(client, "bientap@example.org")
    assert response.status_code == 302, "editor sign-in failed"
    return client
