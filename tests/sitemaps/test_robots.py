"""robots.txt: the admins' text, checked when saved, always followed by the Sitemap line."""

from __future__ import annotations

import re

import pytest
from admin.admin_helpers import client_signed_in_as, csrf_of, make_user
from sqlalchemy import select

from blocks.sitemaps.robots import DEFAULT_ROBOTS, check_robots, robots_body
from portal.extensions import db
from portal.models import PluginSettingValue
from portal.testing import make_app

from .conftest import site_config, sitemaps_plugins

URL = "/admin/plugins/sitemaps/settings"
# Over plain http: the test client then keeps the session cookie (not Secure) for the form.
BASE = "http://tin.example.vn"


@pytest.fixture
def app(tmp_path):
    app = make_app(
        config=site_config(PORTAL_BASE_URL=BASE),
        plugins=sitemaps_plugins(),
        instance_path=str(tmp_path),
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def stored(app) -> dict:
    with app.app_context():
        return {
            row.name: row.value
            for row in db.session.scalars(
                select(PluginSettingValue).where(PluginSettingValue.plugin == "sitemaps")
            )
        }


def test_the_default_allows_all_but_the_admin_sign_in_and_search_queries(app):
    response = app.test_client().get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    body = response.get_data(as_text=True)
    lines = body.splitlines()
    for line in (
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /dang-nhap",
        "Disallow: /tim-kiem?",
    ):
        assert line in lines
    assert body.endswith(f"\n\nSitemap: {BASE}/sitemap.xml\n")


def test_an_admin_saves_robots_text_and_bad_text_is_refused(app):
    client = client_signed_in_as(app, make_user(app, "quantri@example.org", "admin"))
    page = client.get(URL).get_data(as_text=True)
    assert "<textarea" in page and "Nội dung robots.txt" in page

    def post(text: str):
        token = csrf_of(client.get(URL).get_data(as_text=True))
        return client.post(URL, data={"setting_robots_txt": text, "csrf_token": token})

    saved = post("User-agent: *\r\nDisallow: /bao-cao/\r\n# nội bộ\r\nCrawl-delay: 5\r\n")
    assert saved.status_code == 302
    body = app.test_client().get("/robots.txt").get_data(as_text=True)
    assert body == (
        f"User-agent: *\nDisallow: /bao-cao/\n# nội bộ\nCrawl-delay: 5\n\nSitemap: {BASE}/sitemap.xml\n"
    )

    refused = post("User-agent: *\nXin chào các bạn\n")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Dòng 2 (“Xin chào các bạn”) không phải chỉ thị robots.txt." in html
    refused = post("User-agent: *\n" + "# " + "x" * 11_000 + "\n")
    assert refused.status_code == 422
    assert "Nội dung robots.txt dài quá 10 KB" in refused.get_data(as_text=True)
    # Nothing of the refused texts was stored; readers still get the saved one.
    assert stored(app)["robots_txt"].startswith("User-agent: *\r\nDisallow: /bao-cao/")
    assert "Disallow: /bao-cao/" in app.test_client().get("/robots.txt").get_data(as_text=True)


def test_a_bad_robots_text_from_the_environment_fails_the_plugin(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_PLUGIN_SITEMAPS_ROBOTS_TXT", "chào")
    app = make_app(
        config=site_config(), plugins=sitemaps_plugins(), instance_path=str(tmp_path), strict=False
    )
    listing = app.test_cli_runner().invoke(args=["portal", "plugins"]).output
    # "sitemaps — lỗi", with the version when it comes from the installed distribution
    assert re.search(r"^sitemaps( [0-9.]+)? — lỗi", listing, flags=re.M), listing
    assert "PORTAL_PLUGIN_SITEMAPS_ROBOTS_TXT: Dòng 1 (“chào”) không phải chỉ thị" in listing
    assert app.test_client().get("/robots.txt").status_code == 404


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Disallow /admin", "Dòng 1 (“Disallow /admin”) không phải chỉ thị robots.txt."),
        ("User-agent: *\nNoindex: /", "Dòng 2 (“Noindex: /”) không phải chỉ thị"),
        (
            "User-agent: *\nDisallow: admin/",
            "Dòng 2: đường dẫn sau Disallow phải bắt đầu bằng / hoặc *.",
        ),
        ("User-agent:", "Dòng 1: User-agent cần tên trình thu thập, hoặc *."),
        ("Crawl-delay: nhanh", "Dòng 1: Crawl-delay cần một số giây, ví dụ 5."),
        ("User-agent: *\x00", "ký tự điều khiển"),
        ("#" * (10 * 1024 + 1), "dài quá 10 KB"),
    ],
)
def test_what_is_not_robots_txt_is_refused_with_a_message(text, message):
    with pytest.raises(ValueError) as refused:
        check_robots(text)
    assert message in str(refused.value)


def test_what_robots_txt_allows_passes():
    check_robots(DEFAULT_ROBOTS)
    check_robots("")
    check_robots(
        "  # chỉ chú thích\n\nuser-agent: Googlebot\ndisallow:\nALLOW: /*.css$\nSitemap: https://x.vn/s.xml"
    )
    assert robots_body("", "https://x.vn/sitemap.xml") == "Sitemap: https://x.vn/sitemap.xml\n"


def test_switched_off_the_plugin_answers_nothing_and_comes_back(app):
    client = app.test_client()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["portal", "plugins", "disable", "sitemaps"]).exit_code == 0
    for path in ("/robots.txt", "/sitemap.xml", "/sitemap-pages.xml", "/sitemap-news.xml"):
        assert client.get(path).status_code == 404, path
    assert runner.invoke(args=["portal", "plugins", "enable", "sitemaps"]).exit_code == 0
    assert client.get("/robots.txt").status_code == 200
