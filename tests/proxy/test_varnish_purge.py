"""Through Varnish with the documented configuration (deploy/varnish/portal.vcl): readers'
pages are kept by the proxy, and a publish purges them there by tag at once.

Varnish comes from Debian's package (`varnishd`); the test starts its own on a free
port in front of the portal served in a thread. Skipped where Varnish is missing,
failed instead when ``PORTAL_REQUIRE_PROXY=1`` (CI sets it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from portal.models.events import DELIVERED
from portal.testing import make_app, sample_content

from .live_portal import answers, edit_title, fetch, free_port, running, served_in_thread

pytestmark = [pytest.mark.slow]

VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish" / "portal.vcl"
VARNISHD = shutil.which("varnishd") or (
    "/usr/sbin/varnishd" if Path("/usr/sbin/varnishd").exists() else None
)


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
    with served_in_thread(app) as portal_port:
        vcl = tmp_path / "portal.vcl"
        vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{portal_port}";'))
        command = [VARNISHD, "-F", "-n", str(tmp_path / "varnish"),
                   "-a", f"127.0.0.1:{proxy_port}", "-f", str(vcl), "-s", "malloc,32m",
                   "-T", "none", "-j", "none"]  # fmt: skip
        proxy = f"http://127.0.0.1:{proxy_port}"
        with running(command, tmp_path / "varnishd.log", lambda: answers(proxy + "/missing")):
            yield app, proxy, url, article_id


def test_varnish_keeps_pages_and_a_publish_purges_them_there(varnish_and_portal):
    app, proxy, url, article_id = varnish_and_portal
    status, first, body = fetch(proxy + url)
    html = body.decode()
    assert status == 200 and "Chỉ thị số 30-CT/TW" in html
    assert "Surrogate-Key" not in first  # the tags are for the proxy only
    _status, second, again = fetch(proxy + url)
    assert len(second["X-Varnish"].split()) == 2  # a hit: this request's id and the kept one's
    assert again.decode() == html

    row = edit_title(app, article_id, "Tin mới qua bộ đệm")
    assert row.status == DELIVERED and row.pending == []  # the proxy confirmed the purge
    _status, after, body = fetch(proxy + url)
    assert "Tin mới qua bộ đệm" in body.decode()
    assert len(after["X-Varnish"].split()) == 1  # fetched from the portal again


def test_a_proxy_that_cannot_be_reached_keeps_the_purge_pending(varnish_and_portal, tmp_path):
    app, _proxy, _url, article_id = varnish_and_portal
    app.config["PORTAL_EDGE_PURGE_URLS"] = [f"http://127.0.0.1:{free_port()}/"]
    row = edit_title(app, article_id, "Chưa báo được proxy")
    assert row.pending == ["edge"]  # the cache and the search index were told
    assert "edge: EdgePurgeError" in row.last_error
