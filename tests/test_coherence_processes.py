"""Two processes, the default in-process cache: a command-line import shows on the server's next request.

The portal runs in a real subprocess (``flask --app wsgi run``) with the
embedded defaults: an SQLite file and the in-process cache in its instance
folder. The home page's article list is cached there. ``portal import`` then
runs as another process on the same instance folder; the server's very
next request must show the imported article (portal.content.coherence:
the import's commit moves the stamp file, the server purges what changed).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import Placement
from portal.testing import make_app, sample_content

ROOT = Path(__file__).resolve().parent.parent
NEW_TITLE = "Khánh thành cầu treo bản Nà Hang, nối hai bờ suối"
LIST_TITLE = "Tin mới nhất"


def portal_env(instance: Path) -> dict[str, str]:
    """The environment of a portal process with the embedded defaults and ``instance``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PORTAL_") and key not in {"DATABASE_URL", "FLASK_APP"}
    }
    env.update(
        PORTAL_INSTANCE_PATH=str(instance),
        PORTAL_SECRET_KEY="coherence-test",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


def flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def wait_for(url: str, server: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server stopped: {log.read_text(encoding='utf-8')}")
        try:
            with urllib.request.urlopen(url + "/gioi-thieu", timeout=2):
                return
        except urllib.error.HTTPError:  # it answers (the page does not exist): it is up
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server did not answer at {url} within {seconds} s")


@pytest.fixture
def site(tmp_path) -> tuple[Path, dict[str, str]]:
    """An instance folder with a migrated SQLite database, a home page with a list and one article."""
    instance = tmp_path / "instance"
    env = portal_env(instance)
    created = flask("portal", "init-db", env=env)
    assert created.returncode == 0, created.stderr
    app = make_app(
        database_url=f"sqlite:///{instance / 'portal.db'}",
        instance_path=str(tmp_path / "setup-instance"),
        fresh_database=False,
    )
    with app.app_context():
        content = sample_content()
        settings = {"title": LIST_TITLE, "category": "", "count": 10, "style": "list"}
        db.session.add(
            Placement(
                page_id=content["root"].id,
                region="main",
                position=0,
                block_name="article_list",
                settings=settings,
            )
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return instance, env


def import_file(tmp_path: Path, env: dict[str, str], external_id: str, title: str):
    data = {
        "version": 1,
        "articles": [
            {
                "external_id": external_id,
                "title": title,
                "body_html": "<p>Cây cầu dài 60 mét.</p>",
                "category": "thoi-su",
                "published_at": "2024-05-01T08:00:00+07:00",
            }
        ],
    }
    source = tmp_path / f"{external_id}.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    imported = flask("portal", "import", str(source), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "bài viết: 1 mới" in imported.stdout


@pytest.mark.parametrize(
    "earlier_change",
    [False, True],
    ids=["first-change-of-the-site", "after-earlier-changes"],
)
def test_a_command_line_import_shows_on_the_running_servers_next_request(
    site, tmp_path, earlier_change
):
    """Without earlier changes the stamp file appears only with the import (no stamp yet when
    the server starts); with them, the server starts with a stamp and sees it move."""
    _instance, env = site
    if earlier_change:
        import_file(tmp_path, env, "truoc-do", "Bài nhập trước khi máy chủ chạy")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    output = log.open("w", encoding="utf-8")  # a file: a full pipe would block the server
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=output,
    )
    try:
        wait_for(url, server, log)
        first = get(url + "/")
        assert LIST_TITLE in first and "Bắc Kạn sau 10 năm" in first
        assert NEW_TITLE not in first
        # The list is served from the server's own cache now: the same page again.
        assert get(url + "/") == first

        import_file(tmp_path, env, "dong-lenh-1", NEW_TITLE)

        assert NEW_TITLE in get(url + "/"), "the running server still shows its cached list"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        output.close()


def test_a_process_started_before_the_first_stamp_purges_when_it_appears(tmp_path):
    """The first change of a site: the stamp file did not exist when this process looked.

    Two apps on one SQLite file and one instance folder stand for two processes.
    """
    from portal.cache import cache_for
    from portal.content import coherence, tags
    from portal.content.events import ContentEvent, content_changed

    def portal_app(fresh: bool):
        return make_app(
            database_url=f"sqlite:///{tmp_path / 'portal.db'}",
            instance_path=str(tmp_path / "instance"),
            config={"PORTAL_CACHE_URL": "memory"},
            fresh_database=fresh,
        )

    reader, writer = portal_app(True), portal_app(False)
    try:
        with reader.app_context():
            assert coherence.catch_up(reader) == 0  # no stamp yet
            cache = cache_for(reader)
            cache.set("home-list", "<ul></ul>", 300, frozenset({tags.ARTICLE_LISTS}))
        with writer.app_context():
            content_changed(
                ContentEvent("published", "article", 1, frozenset({tags.ARTICLE_LISTS}))
            )
        with reader.app_context():
            assert cache.get("home-list") == "<ul></ul>"  # the writer purged only its own cache
            assert coherence.catch_up(reader) == 1
            assert cache.get("home-list") is None
    finally:
        for app in (reader, writer):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
