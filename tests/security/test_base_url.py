"""PORTAL_BASE_URL and PORTAL_TRUSTED_HOSTS: checked at start, the only source of absolute URLs.

Also the safe-redirect check, which judges a target against them rather
than against the Host header of the request.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import url_for

from portal import absolute_url
from portal.hosts import parse_base_url, trusted_hosts
from portal.testing import make_app
from portal.web.security import is_safe_redirect

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("https://tinbackan.example.vn", "https://tinbackan.example.vn"),
        ("https://tinbackan.example.vn/", "https://tinbackan.example.vn"),
        ("HTTPS://TinBacKan.Example.VN", "https://tinbackan.example.vn"),
        ("https://tinbackan.example.vn:443/", "https://tinbackan.example.vn"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("https://example.vn:8443", "https://example.vn:8443"),
        ("  https://bắckạn.example.vn  ", "https://xn--bckn-7q5apd.example.vn"),
    ],
)
def test_base_urls_are_normalised(raw, origin):
    assert parse_base_url(raw).origin == origin


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "giá trị đang trống; hãy ghi địa chỉ công khai của site"),
        ("tinbackan.example.vn", "'tinbackan.example.vn' phải bắt đầu bằng https://"),
        ("ftp://tinbackan.example.vn", "phải bắt đầu bằng https:// (hoặc http://)"),
        ("https://", "'https://' không có tên máy chủ"),
        ("https://tinbackan.example.vn/cong", "có đường dẫn (/cong); cổng thông tin được phục vụ"),
        ("https://tinbackan.example.vn/?a=1", "không được có phần truy vấn"),
        ("https://tinbackan.example.vn/#top", "phần truy vấn (?…) hay phần neo (#…)"),
        ("https://admin:pw@tinbackan.example.vn", "không được chứa tên người dùng hay mật khẩu"),
        ("https://tinbackan.example.vn:99999", "có cổng (port) không hợp lệ"),
        ("https://tin_backan$.vn", "'https://tin_backan$.vn' có tên máy chủ không hợp lệ"),
    ],
)
def test_a_bad_base_url_stops_start_up_with_a_clear_message(tmp_path, raw, message):
    with pytest.raises(RuntimeError) as refused:
        make_app(config={"PORTAL_BASE_URL": raw}, instance_path=str(tmp_path))
    assert str(refused.value).startswith("Giá trị không hợp lệ cho PORTAL_BASE_URL: ")
    assert message in str(refused.value)


def test_a_bad_base_url_is_told_in_the_default_language(tmp_path):
    with pytest.raises(RuntimeError) as refused:
        make_app(
            config={
                "PORTAL_DEFAULT_LOCALE": "en",
                "PORTAL_BASE_URL": "https://tin.example.vn/cong",
            },
            instance_path=str(tmp_path),
        )
    assert str(refused.value) == (
        "Invalid value for PORTAL_BASE_URL: 'https://tin.example.vn/cong' has a path (/cong); "
        "the portal is served at the root of its host name, so give only https://host[:port]"
    )


def test_the_embedded_default_is_what_make_run_serves(tmp_path):
    app = make_app(instance_path=str(tmp_path))
    assert app.config["PORTAL_BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_default_trusted_hosts_are_the_base_url_host_and_this_machine():
    assert trusted_hosts({"PORTAL_BASE_URL": "https://tin.example.vn/"}) == [
        "tin.example.vn",
        "localhost",
        "127.0.0.1",
    ]
    assert trusted_hosts({"PORTAL_BASE_URL": "x", "PORTAL_TRUSTED_HOSTS": ["A.vn", " b.vn"]}) == [
        "a.vn",
        "b.vn",
    ]
    assert trusted_hosts({"PORTAL_BASE_URL": "x", "PORTAL_TRUSTED_HOSTS": ["a.vn", "*"]}) is None


@pytest.mark.parametrize(
    ("hosts", "message"),
    [
        (["other.example.vn"], "không có 'tin.example.vn', tên máy chủ của PORTAL_BASE_URL"),
        (["tin.example.vn:443"], "'tin.example.vn:443' không phải là tên máy chủ"),
        (["tin.example.vn", "https://tin.example.vn"], "không phải là tên máy chủ"),
        (["tin.example.vn", "."], "không phải là tên máy chủ"),
    ],
)
def test_bad_trusted_hosts_stop_start_up(tmp_path, hosts, message):
    with pytest.raises(RuntimeError) as refused:
        make_app(
            config={"PORTAL_BASE_URL": "https://tin.example.vn", "PORTAL_TRUSTED_HOSTS": hosts},
            instance_path=str(tmp_path),
        )
    assert str(refused.value).startswith("Giá trị không hợp lệ cho PORTAL_TRUSTED_HOSTS: ")
    assert message in str(refused.value)


def test_bad_trusted_hosts_are_told_in_the_default_language(tmp_path):
    with pytest.raises(RuntimeError) as refused:
        make_app(
            config={
                "PORTAL_DEFAULT_LOCALE": "en",
                "PORTAL_BASE_URL": "https://tin.example.vn",
                "PORTAL_TRUSTED_HOSTS": ["other.example.vn"],
            },
            instance_path=str(tmp_path),
        )
    assert str(refused.value) == (
        "Invalid value for PORTAL_TRUSTED_HOSTS: it does not include 'tin.example.vn', the host "
        "of PORTAL_BASE_URL, so the site would refuse its own address; add it"
    )


@pytest.fixture
def app_config():
    return {"PORTAL_BASE_URL": "https://tin.example.vn"}


def test_absolute_url_from_paths_endpoints_and_external_urls(app):
    with app.test_request_context("/", headers={"Host": "localhost:8080"}):
        assert absolute_url("/bai-viet/7-tin") == "https://tin.example.vn/bai-viet/7-tin"
        assert absolute_url(url_for("reader.category", slug="du-lich", page=2)) == (
            "https://tin.example.vn/chuyen-muc/du-lich?page=2"
        )
        assert absolute_url("reader.article", article_id=7, slug="tin", _anchor="binh luan") == (
            "https://tin.example.vn/bai-viet/7-tin#binh%20luan"
        )
        assert absolute_url("https://cdn.example.org/a.jpg") == "https://cdn.example.org/a.jpg"
        for bad in ("//evil.example/x", "/\\evil.example"):
            with pytest.raises(ValueError, match="not a path of this site"):
                absolute_url(bad)
    # Outside a request too (feeds, e-mails, commands).
    with app.app_context():
        assert absolute_url("reader.home") == "https://tin.example.vn/"


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/admin/pages?x=1", True),
        ("bai-viet/1", True),
        ("https://tin.example.vn/admin", True),
        ("http://localhost/admin/audit", True),  # a trusted host (this machine)
        ("http://127.0.0.1:5000/admin", True),
        ("https://evil.example/admin", False),
        ("//evil.example/admin", False),
        ("/\\evil.example", False),
        ("/\t/evil.example", False),
        ("http:evil.example", False),
        ("https:evil.example", False),
        ("https://tin.example.vn@evil.example/", False),
        ("https://tin.example.vn.evil.example/", False),
        ("javascript:alert(1)", False),
        ("ftp://tin.example.vn/", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_redirects_are_judged_by_the_settings(app, target, safe):
    with app.test_request_context("/dang-nhap"):
        assert is_safe_redirect(target) is safe


@pytest.mark.parametrize(
    "app_config",
    [{"PORTAL_BASE_URL": "https://tin.example.vn", "PORTAL_TRUSTED_HOSTS": ["*"]}],
)
def test_with_any_host_trusted_only_the_base_url_is_a_safe_redirect(app):
    assert app.config["TRUSTED_HOSTS"] is None
    with app.test_request_context("/dang-nhap", headers={"Host": "evil.example"}):
        assert is_safe_redirect("https://tin.example.vn/admin")
        assert not is_safe_redirect("https://evil.example/admin")
        assert not is_safe_redirect("http://localhost/admin")


#: How an absolute URL would be built from the request's own Host header.
FROM_THE_REQUEST = re.compile(
    r"\b_external\s*=|\bhost_url\b|\burl_root\b|request\.host\b|request\.base_url\b"
)


def test_no_absolute_url_is_built_from_the_request():
    """Every absolute URL goes through absolute_url(); nothing builds one from the Host header."""
    offenders = []
    for folder in ("portal", "blocks", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".html", ".txt", ".xml"} or not path.is_file():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if FROM_THE_REQUEST.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "build absolute URLs with portal.absolute_url():\n" + "\n".join(
        offenders
    )


def test_the_meta_test_finds_what_it_looks_for():
    for line in (
        "url = article_url(article, _external=True)",
        '<link href="{{ url_for("reader.home", _external = True) }}">',
        "base = request.host_url",
        "root = request.url_root",
        "if request.host == 'x':",
    ):
        assert FROM_THE_REQUEST.search(line), line
    assert not FROM_THE_REQUEST.search("absolute_url(article_url(article))")
