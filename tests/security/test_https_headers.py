"""HSTS over HTTPS and the Secure flag on every cookie the portal sets."""

from __future__ import annotations

import pytest
from admin.admin_helpers import PASSWORD, csrf_of, make_user

from portal.config import build_config
from portal.testing import make_app

YEAR = 365 * 86400


def hsts(app, url="/", **kwargs) -> str | None:
    return app.test_client().get(url, **kwargs).headers.get("Strict-Transport-Security")


def test_hsts_over_https_only_by_default(app):
    assert hsts(app) is None  # http://127.0.0.1:5000 served over http: nothing to pin
    assert hsts(app, base_url="https://localhost/") == f"max-age={YEAR}"
    assert hsts(app, "/khong-co", base_url="https://localhost/") == f"max-age={YEAR}"  # 404 too


@pytest.mark.parametrize("app_config", [{"PORTAL_BASE_URL": "https://tin.example.vn"}])
def test_hsts_whenever_the_base_url_is_https(app):
    assert hsts(app, headers={"Host": "tin.example.vn"}) == f"max-age={YEAR}"


@pytest.mark.parametrize(
    "app_config", [{"PORTAL_HSTS_SECONDS": 600, "PORTAL_HSTS_INCLUDE_SUBDOMAINS": True}]
)
def test_hsts_age_and_subdomains_are_settings(app):
    assert hsts(app, base_url="https://localhost/") == "max-age=600; includeSubDomains"


@pytest.mark.parametrize(
    "app_config", [{"PORTAL_HSTS_SECONDS": 0, "PORTAL_BASE_URL": "https://tin.example.vn"}]
)
def test_hsts_zero_sends_none(app):
    assert hsts(app, base_url="https://tin.example.vn/") is None


@pytest.mark.parametrize(("proxies", "sent"), [(0, None), (1, f"max-age={YEAR}")])
def test_https_behind_a_proxy_counts_only_when_the_proxy_is_trusted(tmp_path, proxies, sent):
    app = make_app(config={"PORTAL_PROXY_COUNT": proxies}, instance_path=str(tmp_path))
    assert hsts(app, headers={"X-Forwarded-Proto": "https"}) == sent


def test_negative_seconds_are_refused(tmp_path):
    with pytest.raises(RuntimeError) as refused:
        make_app(config={"PORTAL_HSTS_SECONDS": -1}, instance_path=str(tmp_path))
    assert str(refused.value) == (
        "Giá trị không hợp lệ cho PORTAL_HSTS_SECONDS: cần một số giây từ 0 trở lên"
    )


# -- cookies ---------------------------------------------------------------------------


def cookie_flags(app) -> dict[str, list[str]]:
    """The attributes of every cookie the portal sets on the way through sign-in."""
    make_user(app, "quantri@example.org", "admin")
    client = app.test_client()
    headers = []
    page = client.get("/dang-nhap", base_url="https://localhost/")
    headers += page.headers.getlist("Set-Cookie")
    signed_in = client.post(
        "/dang-nhap",
        base_url="https://localhost/",
        headers={"Referer": "https://localhost/dang-nhap"},  # Flask-WTF checks it over HTTPS
        data={
            "email": "quantri@example.org",
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": csrf_of(page.get_data(as_text=True)),
        },
    )
    assert signed_in.status_code == 302
    headers += signed_in.headers.getlist("Set-Cookie")
    flags: dict[str, list[str]] = {}
    for header in headers:
        name = header.split("=", 1)[0]
        flags[name] = [part.strip().lower() for part in header.split(";")[1:]]
    assert {"session", "remember_token"} <= set(flags)
    return flags


@pytest.mark.parametrize(
    ("app_config", "secure"),
    [
        ({"PORTAL_BASE_URL": "https://localhost"}, True),  # auto: the site is https
        ({}, False),  # auto: http://127.0.0.1:5000
        ({"PORTAL_SECURE_COOKIES": "on"}, True),
        ({"PORTAL_SECURE_COOKIES": True}, True),  # the boolean of earlier versions
        ({"PORTAL_SECURE_COOKIES": "off", "PORTAL_BASE_URL": "https://localhost"}, False),
        ({"PORTAL_SECURE_COOKIES": False, "PORTAL_BASE_URL": "https://localhost"}, False),
    ],
    ids=["auto-https", "auto-http", "on", "true", "off", "false"],
)
def test_every_cookie_is_secure_when_the_settings_say_so(app, secure):
    for name, attributes in cookie_flags(app).items():
        assert ("secure" in attributes) is secure, (name, attributes)
        assert "httponly" in attributes, name


@pytest.mark.parametrize(
    ("raw", "mode"),
    [("auto", "auto"), ("", "auto"), ("1", "on"), ("yes", "on"), ("ON", "on"),
     ("0", "off"), ("false", "off"), ("off", "off")],
)  # fmt: skip
def test_secure_cookies_from_the_environment(tmp_path, raw, mode):
    from portal.web.security import secure_cookies_setting

    config = build_config(str(tmp_path), environ={"PORTAL_SECURE_COOKIES": raw})
    assert secure_cookies_setting(config["PORTAL_SECURE_COOKIES"]) == mode


def test_a_bad_secure_cookies_value_stops_start_up(tmp_path):
    with pytest.raises(RuntimeError) as refused:
        make_app(config={"PORTAL_SECURE_COOKIES": "sometimes"}, instance_path=str(tmp_path))
    assert str(refused.value) == (
        "Giá trị không hợp lệ cho PORTAL_SECURE_COOKIES: cần auto, on hoặc off, "
        "nhưng nhận được 'sometimes'"
    )


def test_a_bad_secure_cookies_value_is_told_in_the_default_language(tmp_path):
    with pytest.raises(RuntimeError) as refused:
        make_app(
            config={"PORTAL_DEFAULT_LOCALE": "en", "PORTAL_SECURE_COOKIES": "sometimes"},
            instance_path=str(tmp_path),
        )
    assert str(refused.value) == (
        "Invalid value for PORTAL_SECURE_COOKIES: expected auto, on or off, got 'sometimes'"
    )
