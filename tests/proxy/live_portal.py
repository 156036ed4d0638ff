"""What the proxy tests share: the portal served in a thread on a free port, plain
HTTP fetches, and an editor's change made through the content layer."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.content import articles
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, OutboxEvent, User
from portal.testing import make_account


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, raw body) of a GET; a gzipped body stays gzipped."""
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@contextmanager
def served_in_thread(app) -> Iterator[int]:
    """Serve the app on 127.0.0.1 in a thread; its port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def running(command: list[str], log: Path, ready: Callable[[], bool]) -> Iterator[None]:
    """Start a proxy, wait until ``ready()`` says it answers (fail with its log if it
    never does), stop it afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{command[0]} did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def answers(url: str) -> bool:
    """Whether anything answers HTTP at the URL (an error status counts)."""
    try:
        fetch(url)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def edit_title(app, article_id: int, title: str) -> OutboxEvent:
    """An editor retitles the article through the content layer; the event row it wrote."""
    with app.app_context():
        editor = db.session.get(User, make_account(app, "editor"))
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(editor)):
            articles.save_article(
                article, {"title": title}, editor, expected_version=article.version
            )
        row = db.session.scalars(db.select(OutboxEvent).order_by(OutboxEvent.id.desc())).first()
        db.session.expunge(row)
        return row
