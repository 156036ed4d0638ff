"""Fixtures of the search tests: each runs on SQLite and on PostgreSQL (when available)."""

from __future__ import annotations

import os

import pytest

from portal.extensions import db

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")


def database_url_for(kind: str) -> str | None:
    if kind == "postgresql":
        from portal.config import database_uri

        return database_uri(POSTGRES_URL)
    return None


def engine_params():
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


@pytest.fixture(params=engine_params())
def database_url(request):
    """Overrides the suite's: SQLite and PostgreSQL, each with its own engine."""
    return database_url_for(request.param)


def drop_app(app, database_url) -> None:
    with app.app_context():
        db.session.remove()
        if database_url:
            db.drop_all()
        db.engine.dispose()


def database_params():
    """SQLite and PostgreSQL, for what does not need a search engine (portal_fold)."""
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
