"""Through nginx with the documented micro-cache (deploy/nginx/portal.conf): a reader's
page is kept one second (nginx counts whole seconds: at most two), gzip and plain
readers each get their own bytes, signed-in users always reach the portal, and a
publish shows once that time is over.

nginx comes from Debian's package (``nginx-light``); the test starts its own on a free
port in front of the portal served in a thread. Skipped where nginx is missing,
failed instead when ``PORTAL_REQUIRE_PROXY=1`` (CI sets it).
"""

from __future__ import annotations

import gzip
import os
import shutil
import time
from pathlib import Path

import pytest

from portal.deploy_check import deploy_problems
from portal.extensions import db
from portal.models import Page, Placement
from portal.models.events import DELIVERED
from portal.testing import make_app, sample_content

from .live_portal import answers, edit_title, fetch, free_port, running, served_in_thread

pytestmark = [pytest.mark.slow]

SITE_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "portal.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

MAIN_CONF = """\
daemon off;
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/portal.conf;
}}
"""


def site_conf(folder: Path, proxy_port: int, portal_port: int) -> str:
    """deploy/nginx/portal.conf as shipped, pointed at this test's ports and folder."""
    text = SITE_CONF.read_text()
    for shipped, here in (
        ("listen 80;", f"listen 127.0.0.1:{proxy_port};"),
        ("http://127.0.0.1:8000", f"http://127.0.0.1:{portal_port}"),
        ("/var/cache/nginx/portal", str(folder / "cache")),
    ):
        assert shipped in text, f"deploy/nginx/portal.conf no longer says {shipped!r}"
        text = text.replace(shipped, here)
    return text


PURGE_CONF = SITE_CONF.with_name("purge.conf")
PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")


def nginx_in_front(tmp_path, *, purging: bool):
    """The test's portal behind nginx as documented (with deploy/nginx/purge.conf and the
    portal purging by URL when ``purging``); yields the app, nginx's address, the
    sample article's URL and its id."""
    for needed, package in ((NGINX, "nginx-light"),) + (
        ((PURGE_MODULE.exists() or None, "libnginx-mod-http-cache-purge"),) if purging else ()
    ):
        if needed is None:
            if os.environ.get("PORTAL_REQUIRE_PROXY") == "1":
                pytest.fail(f"{package} is not installed (apt-get install {package})")
            pytest.skip(f"{package} is not installed (apt-get install {package})")
    proxy_port = free_port()
    purge_settings = {
        "PORTAL_EDGE_PURGE_URLS": [f"http://127.0.0.1:{proxy_port}/_purge"],
        "PORTAL_EDGE_PURGE_STYLE": "urls",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{proxy_port}",
    }
    app = make_app(
        database_url=f"sqlite:///{tmp_path / 'portal.db'}",
        instance_path=str(tmp_path / "instance"),
        config=purge_settings if purging else None,
    )
    with app.app_context():
        created = sample_content()
        url = f"/bai-viet/{created['article'].id}-{created['article'].slug}"
        article_id = created["article"].id
    folder = tmp_path / "nginx"
    folder.mkdir()
    main_conf = MAIN_CONF
    if purging:  # as the Debian package and the documented copy do
        (folder / "portal-purge.d").mkdir()
        (folder / "portal-purge.d" / "purge.conf").write_text(PURGE_CONF.read_text())
        main_conf = f"load_module {PURGE_MODULE};\n" + main_conf
    with served_in_thread(app) as portal_port:
        (folder / "portal.conf").write_text(site_conf(folder, proxy_port, portal_port))
        # Started by root, nginx's workers would drop to nobody, who cannot enter tmp_path.
        user = "user root;" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(main_conf.format(folder=folder, user=user))
        command = [NGINX, "-p", str(folder), "-e", str(folder / "error.log"),
                   "-c", str(folder / "nginx.conf")]  # fmt: skip
        proxy = f"http://127.0.0.1:{proxy_port}"
        with running(command, tmp_path / "nginx.log", lambda: answers(proxy + "/missing")):
            yield app, proxy, url, article_id


@pytest.fixture
def nginx_and_portal(tmp_path):
    yield from nginx_in_front(tmp_path, purging=False)


@pytest.fixture
def nginx_purged_by_url(tmp_path):
    yield from nginx_in_front(tmp_path, purging=True)


def test_nginx_keeps_a_page_one_second_per_encoding(nginx_and_portal):
    app, proxy, url, article_id = nginx_and_portal
    gzip_first = fetch(proxy + url, {"Accept-Encoding": "gzip, deflate, br"})
    plain_first = fetch(proxy + url)
    gzip_again = fetch(proxy + url, {"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})
    plain_again = fetch(proxy + url, {"Accept-Encoding": "identity"})
    refused = fetch(proxy + url, {"Accept-Encoding": "gzip;q=0"})

    html = plain_first[2].decode()
    assert "Chỉ thị số 30-CT/TW" in html
    for _status, headers, body in (gzip_first, gzip_again):
        assert headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body).decode() == html
    for _status, headers, body in (plain_again, refused):
        assert "Content-Encoding" not in headers  # never gzip to a reader who did not ask
        assert body.decode() == html
    assert gzip_again[1]["X-Cache-Status"] == "HIT"  # another spelling, the same entry
    assert plain_again[1]["X-Cache-Status"] == "HIT"
    assert "Surrogate-Key" not in plain_again[1]  # the tags are for proxies only

    edit_title(app, article_id, "Tin mới sau một giây")
    assert "Tin mới sau một giây" not in fetch(proxy + url)[2].decode()  # kept for now
    # nginx counts whole seconds: a page kept "1 s" at 10:00:00.3 is still served at
    # 10:00:01.9 and expired from 10:00:02.0, so a change shows within two seconds.
    time.sleep(2.1)
    _status, headers, body = fetch(proxy + url)
    assert "Tin mới sau một giây" in body.decode()
    assert headers["X-Cache-Status"] in {"EXPIRED", "REVALIDATED", "MISS"}


def test_signed_in_readers_always_reach_the_portal(nginx_and_portal):
    _app, proxy, url, _article_id = nginx_and_portal
    fetch(proxy + url)
    for cookie in ("session=abc", "lang=vi; remember_token=abc"):
        _status, headers, _body = fetch(proxy + url, {"Cookie": cookie})
        assert headers["X-Cache-Status"] == "BYPASS"
    _status, headers, _body = fetch(proxy + url, {"Cookie": "_ga=GA1.2.3"})
    assert headers["X-Cache-Status"] == "HIT"  # a reader's other cookies share the entry


def test_with_the_purge_module_a_change_shows_through_nginx_at_once(nginx_purged_by_url):
    app, proxy, url, article_id = nginx_purged_by_url
    with app.app_context():  # the home page lists the newest articles
        home = db.session.scalar(db.select(Page).where(Page.path == "/"))
        db.session.add(
            Placement(page_id=home.id, region="main", position=0, block_name="article_list")
        )
        db.session.commit()
    for headers in ({"Accept-Encoding": "gzip"}, {}):
        for _ in range(2):
            fetch(proxy + url, headers)
            fetch(proxy + "/", headers)
        assert fetch(proxy + url, headers)[1]["X-Cache-Status"] == "HIT"
        assert fetch(proxy + "/", headers)[1]["X-Cache-Status"] == "HIT"
    assert "Chỉ thị số 30-CT/TW" in fetch(proxy + "/")[2].decode()

    row = edit_title(app, article_id, "Tin mới ngay lập tức")
    assert row.status == DELIVERED and row.pending == []  # nginx confirmed each purge
    # No waiting: the article and the home page listing it are fetched from the portal
    # again, for gzip and plain readers alike.
    for headers in ({"Accept-Encoding": "gzip"}, {}):
        for path in (url, "/"):
            _status, kept, body = fetch(proxy + path, headers)
            if kept.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            assert "Tin mới ngay lập tức" in body.decode(), path
            assert kept["X-Cache-Status"] == "MISS", path


def test_an_unknown_purge_style_is_a_deploy_problem(tmp_path):
    app = make_app(
        config={"PORTAL_EDGE_PURGE_STYLE": "url", "PORTAL_EDGE_PURGE_URLS": ["http://x/_purge"]},
        instance_path=str(tmp_path),
    )
    [problem] = [p for p in deploy_problems(app) if p.check == "edge-purge"]
    assert "'url'" in problem.message and "urls (nginx)" in problem.message
