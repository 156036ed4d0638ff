"""Served the documented way (gunicorn with deploy/gunicorn.conf.py and the package's own
entry point ``portal.wsgi:app``), a graceful stop (SIGTERM, as ``systemctl stop`` sends)
loses none of the views the worker still held."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from gunicorn_server import gunicorn_command
from sqlalchemy import create_engine, text

from portal.testing import make_app, sample_content

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> int:
    request = urllib.request.Request(url, headers=BROWSER)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_a_graceful_stop_writes_the_views_the_worker_held(tmp_path):
    pytest.importorskip("gunicorn")
    instance = tmp_path / "instance"
    database = f"sqlite:///{instance / 'portal.db'}"
    app = make_app(database_url=database, instance_path=str(instance))
    with app.app_context():
        article = sample_content()["article"]
        path = f"/bai-viet/{article.id}-{article.slug}"
        article_id = article.id
    port = free_port()
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PORTAL_") and key != "DATABASE_URL"
    }
    environ.update(
        PORTAL_INSTANCE_PATH=str(instance),
        PORTAL_CACHE_URL="memory",
        PORTAL_VIEW_FLUSH_SECONDS="3600",
        WEB_CONCURRENCY="1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(gunicorn_command(), cwd=ROOT, env=environ, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert get(f"http://127.0.0.1:{port}/healthz") == 200
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((tmp_path / "gunicorn.log").read_text(errors="replace"))
                time.sleep(0.2)
        for _ in range(3):
            assert get(f"http://127.0.0.1:{port}{path}") == 200
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            server.kill()
        log.close()
    engine = create_engine(database)
    with engine.connect() as connection:
        views = connection.scalar(
            text("SELECT view_count FROM articles WHERE id = :id"), {"id": article_id}
        )
    engine.dispose()
    assert views == 3
