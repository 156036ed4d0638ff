"""Through Varnish with the documented configuration (deploy/varnish/portal.vcl): readers'
pages are kept by the proxy, and a publish purges them there by tag at once.

Varnish comes from Debian's package (`varnishd`); the test starts its own on a free
port in front of the portal served in a thread. Skipped where Varnish is missing,
failed instead when ``PORTAL_REQUIRE_PROXY=1`` (CI sets it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.content import articles
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, OutboxEvent, User
from portal.models.events import DELIVERED
from portal.testing import make_account, make_app, sample_content

pytestmark = [pytest.mark.slow]

VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish" / "portal.vcl"
VARNISHD = shutil.which("varnishd") or (
    "/usr/sbin/varnishd" if Path("/usr/sbin/varnishd").exists() else None
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode("utf-8")


@pytest.fixture
def varnish_and_portal(tmp_path):
    if VARNISHD is None:
        if os.environ.get("PORTAL_REQUIRE_PROXY") == "1":
            pytest.fail("varnishd is not installed (apt-get install varnish)")
        pytest.skip("varnishd is not installed (apt-get install varnish)")
    proxy_port = free_port()
    app = make_app(
        database_url=f"sqlite:///{tmp_path / 'portal.db'}",
        config={"PORTAL_EDGE_PURGE_URLS": [f"http://127.0.0.1:{proxy_port}/"]},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        created = sample_content()
        url = f"/bai-viet/{created['article'].id}-{created['article'].slug}"
        article_id = created["article"].id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    vcl = tmp_path / "portal.vcl"
    vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{server.server_port}";'))
    work = tmp_path / "varnish"
    log = tmp_path / "varnishd.log"
    with log.open("wb") as out:
        varnish = subprocess.Popen(
            [VARNISHD, "-F", "-n", str(work), "-a", f"127.0.0.1:{proxy_port}",
             "-f", str(vcl), "-s", "malloc,32m", "-T", "none", "-j", "none"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                fetch(f"http://127.0.0.1:{proxy_port}/robots-missing-page")
            except urllib.error.HTTPError:
                break
            except OSError:
                if varnish.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("Varnish did not start:\n" + log.read_text(errors="replace"))
                time.sleep(0.2)
                continue
            break
        yield app, f"http://127.0.0.1:{proxy_port}", url, article_id
    finally:
        varnish.terminate()
        try:
            varnish.wait(10)
        except subprocess.TimeoutExpired:
            varnish.kill()
        server.shutdown()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


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


def test_varnish_keeps_pages_and_a_publish_purges_them_there(varnish_and_portal):
    app, proxy, url, article_id = varnish_and_portal
    status, first, html = fetch(proxy + url)
    assert status == 200 and "Chỉ thị số 30-CT/TW" in html
    assert "Surrogate-Key" not in first  # the tags are for the proxy only
    _status, second, again = fetch(proxy + url)
    assert len(second["X-Varnish"].split()) == 2  # a hit: this request's id and the kept one's
    assert again == html

    row = edit_title(app, article_id, "Tin mới qua bộ đệm")
    assert row.status == DELIVERED and row.pending == []  # the proxy confirmed the purge
    _status, after, html = fetch(proxy + url)
    assert "Tin mới qua bộ đệm" in html
    assert len(after["X-Varnish"].split()) == 1  # fetched from the portal again


def test_a_proxy_that_cannot_be_reached_keeps_the_purge_pending(varnish_and_portal, tmp_path):
    app, _proxy, _url, article_id = varnish_and_portal
    app.config["PORTAL_EDGE_PURGE_URLS"] = [f"http://127.0.0.1:{free_port()}/"]
    row = edit_title(app, article_id, "Chưa báo được proxy")
    assert row.pending == ["edge"]  # the cache and the search index were told
    assert "edge: EdgePurgeError" in row.last_error
