"""Accounts in a real browser: a password-reset e-mail reaches a real SMTP server and its
link works once; two-step sign-in set up from "Tài khoản của tôi" and then asked for
after the password, with pyotp making the codes from the key read off the page's QR code
(a screenshot decoded by zxing-cpp, as a phone's camera would).

The live app's sign-in clock starts at the real time and moves only when the test
says so (a code is accepted once per 30-second step: the test moves to the next
step instead of waiting for it).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pyotp
import pytest
import zxingcpp
from PIL import Image
from security.sign_in_helpers import Clock
from smtp_server import smtp_server  # noqa: F401 (fixture)

from portal.extensions import db
from portal.models import User

pytestmark = pytest.mark.browser

EMAIL = "bientap@example.org"
PASSWORD = "mat-khau-bien-tap-1"
NEW_PASSWORD = "mat-khau-moi-hoan-toan"


@pytest.fixture
def live_config(smtp_server):  # noqa: F811
    return smtp_server.config()


@pytest.fixture
def site(live_app, live_server):
    with live_app.app_context():
        editor = User(email=EMAIL, name="Biên Tập", role="editor")
        editor.set_password(PASSWORD)
        db.session.add(editor)
        db.session.commit()
    return live_server.url


def sign_in(page, site: str, password: str) -> None:
    page.goto(site + "/dang-nhap")
    page.get_by_label("Thư điện tử").fill(EMAIL)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_a_reset_email_arrives_and_its_link_works_once(page, site, smtp_server):  # noqa: F811
    page.goto(site + "/dang-nhap")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.get_by_label("Thư điện tử của tài khoản").fill(EMAIL)
    page.get_by_role("button", name="Gửi liên kết đặt lại mật khẩu").click()
    assert "chúng tôi vừa gửi tới đó một thư" in page.locator("#reset-sent").inner_text()

    [message] = smtp_server.wait_for(1)
    link = re.search(r"https?://\S+/dat-lai-mat-khau/\S+", message.get_content()).group(0)
    path = urlsplit(link).path
    page.goto(site + path)
    page.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Đặt mật khẩu mới").click()

    assert page.url.endswith("/dang-nhap")
    assert "Đã đặt mật khẩu mới" in page.locator(".flash").inner_text()
    sign_in(page, site, NEW_PASSWORD)
    page.goto(site + "/admin/account")
    assert page.get_by_role("heading", name="Tài khoản của tôi").is_visible()
    page.goto(site + path)
    assert "không còn dùng được" in page.locator("main").inner_text()


def test_two_step_sign_in_with_a_code_from_the_app(page, site, live_app):
    clock = Clock(live_app, start=datetime.now(UTC))
    sign_in(page, site, PASSWORD)
    page.goto(site + "/admin/account")
    page.get_by_role("link", name="Bật xác thực hai bước").click()
    page.get_by_role("button", name="Bắt đầu cài đặt").click()
    shown = page.locator("#totp-uri").inner_text()
    screenshot = Image.open(io.BytesIO(page.locator("#totp-qr svg").screenshot()))
    scanned = [found.text for found in zxingcpp.read_barcodes(screenshot)]
    assert scanned == [shown] and shown.startswith("otpauth://totp/")
    secret = pyotp.parse_uri(scanned[0]).secret
    assert secret == page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Mã từ ứng dụng").fill(pyotp.TOTP(secret).at(clock.now))
    page.get_by_role("button", name="Xác nhận và bật").click()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("button", name="Đăng xuất").click()

    clock.advance(seconds=30)  # the next 30-second step: a fresh code
    sign_in(page, site, PASSWORD)
    assert "/dang-nhap/xac-thuc" in page.url
    page.goto(site + "/admin/")
    assert "/dang-nhap" in page.url  # no session before the code
    sign_in(page, site, PASSWORD)
    page.get_by_label("Mã xác thực").fill("000000")
    page.get_by_role("button", name="Xác nhận").click()
    assert "Mã không đúng" in page.locator(".errors").inner_text()
    page.get_by_label("Mã xác thực").fill(pyotp.TOTP(secret).at(clock.now))
    page.get_by_role("button", name="Xác nhận").click()

    page.goto(site + "/admin/account")
    assert page.get_by_role("heading", name="Tài khoản của tôi").is_visible()
    assert "Đang bật" in page.locator("section", has_text="Xác thực hai bước").inner_text()
