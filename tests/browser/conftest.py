"""Browser fixtures: a live portal server and the system Chromium through Playwright.

Chromium comes from Debian's ``chromium`` package; nothing is ever downloaded.
Without it these tests skip with a reason, unless ``PORTAL_REQUIRE_BROWSER=1``
(CI) turns the skip into a failure. Every test here is marked ``slow``:
``make test`` runs them, ``make test QUICK=1`` leaves them out.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from portal.testing import make_app

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


BROWSER_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items) -> None:
    """Mark every test of this folder ``slow`` (the hook sees the whole session's items)."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.slow)


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("PORTAL_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _unavailable(reason: str):
    if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required (PORTAL_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


class LiveServer:
    """The portal served by werkzeug in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_config() -> dict:
    """Settings of the live app over its defaults; a test module overrides this fixture."""
    return {}


@pytest.fixture
def live_app(tmp_path, live_config):
    """An app on an SQLite file (shared by the server threads), caching on as in production."""
    app = make_app(
        database_url=f"sqlite:///{tmp_path / 'portal.db'}",
        config={"PORTAL_CACHE_URL": "memory", "PORTAL_STRICT_BLOCKS": False, **live_config},
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(live_app) -> Iterator[LiveServer]:
    server = LiveServer(live_app).start()
    yield server
    server.stop()
