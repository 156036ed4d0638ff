"""Fixtures of the documents tests: an app with the documents plugin, accounts by role."""

from __future__ import annotations

import pytest

import blocks.documents
from tests.conftest import POSTGRES_URL, database_url_for


def database_urls():
    """SQLite always; PostgreSQL when the test database is configured."""
    urls = [pytest.param(None, id="sqlite")]
    if POSTGRES_URL:
        urls.append(pytest.param(database_url_for("postgresql"), id="postgresql"))
    return urls


@pytest.fixture
def app_plugins():
    return [("documents", blocks.documents)]
