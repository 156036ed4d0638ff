"""Signing in and out: rate limits, safe ``next``, cookies, deactivated accounts, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from portal.auth import throttle
from portal.extensions import db
from portal.models import AuditEntry, LoginAttempt, User

from .admin_helpers import PASSWORD, client_signed_in_as, csrf_of, field_errors, make_user, text_of

EMAIL = "quantri@example.org"
WRONG = "mat-khau-sai-123"


def sign_in(client, email, password, *, next_url=None, ip="192.0.2.1", remember=False):
    """Post the real sign-in form (with its CSRF token) from address ``ip``."""
    url = "/dang-nhap" + (f"?next={quote(next_url, safe='')}" if next_url is not None else "")
    token = csrf_of(client.get(url, environ_base={"REMOTE_ADDR": ip}).get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post(url, data=data, environ_base={"REMOTE_ADDR": ip})


def failures(app, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(LoginAttempt)
        for column, value in where.items():
            query = query.where(getattr(LoginAttempt, column) == value)
        return db.session.scalar(query)


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def admin_account(app):
    return make_user(app, EMAIL, "admin")


def test_sign_in_page_has_labelled_fields(client):
    html = client.get("/dang-nhap").get_data(as_text=True)
    assert '<label for="email">Thư điện tử</label>' in html
    assert '<label for="password">Mật khẩu</label>' in html
    assert 'autocomplete="current-password"' in html


def test_sign_in_goes_home_and_is_recorded(app, client, admin_account):
    response = sign_in(client, EMAIL.upper(), PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/admin/").status_code == 200
    assert actions(app) == ["auth.login"]


def test_session_and_remember_cookies_are_httponly_and_samesite(client, admin_account):
    response = sign_in(client, EMAIL, PASSWORD, remember=True)

    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) >= {"session", "remember_token"}
    for name in ("session", "remember_token"):
        attributes = [part.strip().lower() for part in cookies[name].split(";")]
        assert "httponly" in attributes, cookies[name]
        assert "samesite=lax" in attributes, cookies[name]


def test_next_leads_back_into_the_site(client, admin_account):
    response = sign_in(client, EMAIL, PASSWORD, next_url="/admin/pages?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/pages?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/admin",
        "https://evil.example",
        "https://evil.example/dang-nhap",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http://localhost.evil.example/",
        "ftp://localhost/",
    ],
)
def test_next_never_leads_away(client, admin_account, target):
    response = sign_in(client, EMAIL, PASSWORD, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_wrong_password_and_unknown_account_read_the_same(app, client, admin_account):
    wrong = sign_in(client, EMAIL, WRONG)
    unknown = sign_in(client, "khong-co@example.org", WRONG)

    assert wrong.status_code == unknown.status_code == 422
    message = ["Thư điện tử hoặc mật khẩu không đúng."]
    assert field_errors(wrong.get_data(as_text=True), "password") == message
    assert field_errors(unknown.get_data(as_text=True), "password") == message
    assert failures(app, email=EMAIL) == 1
    assert failures(app, email="khong-co@example.org") == 1
    assert client.get("/admin/").status_code == 302
    assert actions(app) == []


def test_five_failures_lock_the_email_even_with_the_right_password(app, client, admin_account):
    for _ in range(5):
        assert sign_in(client, EMAIL, WRONG).status_code == 422

    refused = sign_in(client, EMAIL, PASSWORD)

    assert refused.status_code == 429
    text = text_of(refused.get_data(as_text=True))
    assert "Đăng nhập sai quá nhiều lần nên tạm thời bị khóa. Hãy thử lại sau 15 phút." in text
    assert client.get("/admin/").status_code == 302
    # The refusal itself is not counted (the wait it announces stays true).
    assert failures(app, email=EMAIL) == 5
    # Another address is locked out of this e-mail too; other e-mails are not.
    assert sign_in(app.test_client(), EMAIL, PASSWORD, ip="198.51.100.9").status_code == 429
    other = make_user(app, "bientap@example.org", "editor")
    assert other
    assert sign_in(app.test_client(), "bientap@example.org", PASSWORD).status_code == 302


def test_the_lock_does_not_tell_whether_the_account_exists(client, admin_account):
    for email in (EMAIL, "khong-co@example.org"):
        for _ in range(5):
            sign_in(client, email, WRONG)
    existing = sign_in(client, EMAIL, PASSWORD)
    missing = sign_in(client, "khong-co@example.org", PASSWORD)

    assert existing.status_code == missing.status_code == 429
    assert text_of(existing.get_data(as_text=True)) == text_of(missing.get_data(as_text=True))


def test_twenty_failures_from_one_address_lock_that_address(app, admin_account):
    attacker = app.test_client()
    for number in range(20):
        response = sign_in(attacker, f"doan-{number}@example.org", WRONG, ip="203.0.113.7")
        assert response.status_code == 422

    refused = sign_in(attacker, EMAIL, PASSWORD, ip="203.0.113.7")
    assert refused.status_code == 429
    assert "Hãy thử lại sau" in text_of(refused.get_data(as_text=True))
    assert failures(app, ip="203.0.113.7") == 20

    # The account itself is fine from anywhere else.
    assert sign_in(app.test_client(), EMAIL, PASSWORD, ip="203.0.113.8").status_code == 302


def test_signing_in_clears_the_failures_of_that_email(app, client, admin_account):
    for _ in range(4):
        sign_in(client, EMAIL, WRONG)
    sign_in(client, "khac@example.org", WRONG)

    assert sign_in(client, EMAIL, PASSWORD).status_code == 302

    assert failures(app, email=EMAIL) == 0
    assert failures(app, email="khac@example.org") == 1
    # Four more mistakes are allowed again before the lock.
    fresh = app.test_client()
    for _ in range(4):
        assert sign_in(fresh, EMAIL, WRONG).status_code == 422
    assert sign_in(fresh, EMAIL, PASSWORD).status_code == 302


def test_failures_older_than_the_window_do_not_count(app, client, admin_account):
    with app.app_context():
        long_ago = datetime.now(UTC) - timedelta(minutes=16)
        for _ in range(5):
            db.session.add(LoginAttempt(email=EMAIL, ip="192.0.2.1", at=long_ago))
        db.session.commit()

    assert sign_in(client, EMAIL, PASSWORD).status_code == 302


def test_the_wait_is_counted_from_the_failures_that_must_age_out(app):
    start = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    with app.app_context(), app.test_request_context():
        for minute in (0, 2, 4, 6, 8, 10):
            db.session.add(LoginAttempt(email=EMAIL, ip="x", at=start + timedelta(minutes=minute)))
        db.session.commit()

        # Six failures, limit five: the two oldest (08:00, 08:02) must age out; 08:02 + 15 min.
        refusal = throttle.check(EMAIL, "y", now=start + timedelta(minutes=10, seconds=30))
        assert refusal.wait_minutes == 7  # 6 min 30 s, rounded up
        assert "Hãy thử lại sau 7 phút." in refusal.message
        assert throttle.check(EMAIL, "y", now=start + timedelta(minutes=17, seconds=1)) is None
        assert throttle.check("khac@example.org", "y", now=start) is None


def test_limits_follow_the_configuration(app, client, admin_account):
    app.config["PORTAL_LOGIN_MAX_FAILURES_PER_EMAIL"] = 2
    sign_in(client, EMAIL, WRONG)
    sign_in(client, EMAIL, WRONG)
    assert sign_in(client, EMAIL, PASSWORD).status_code == 429


def test_sign_in_without_csrf_token_is_refused(app, client, admin_account):
    response = client.post("/dang-nhap", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Biểu mẫu đăng nhập đã hết hạn" in html
    assert 'name="csrf_token"' in html  # a fresh form to try again
    assert client.get("/admin/").status_code == 302
    assert failures(app) == 0


def test_deactivated_account_cannot_sign_in(app, client):
    make_user(app, "nghi@example.org", "editor", active=False)

    response = sign_in(client, "nghi@example.org", PASSWORD)

    assert response.status_code == 403
    assert field_errors(response.get_data(as_text=True), "email") == [
        "Tài khoản này đã bị khóa. Hãy liên hệ quản trị viên của site."
    ]
    assert client.get("/admin/").status_code == 302
    # With a wrong password it reads like any other failure (nothing learned about the account).
    wrong = sign_in(client, "nghi@example.org", WRONG)
    assert field_errors(wrong.get_data(as_text=True), "password") == [
        "Thư điện tử hoặc mật khẩu không đúng."
    ]


def test_deactivated_account_is_signed_out_on_its_next_request(app, admin_account):
    editor_id = make_user(app, "bientap@example.org", "editor")
    client = client_signed_in_as(app, editor_id)
    assert client.get("/admin/").status_code == 200

    with app.app_context():
        db.session.get(User, editor_id).active = False
        db.session.commit()

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/dang-nhap?next=")


def test_sign_out_needs_a_post_with_token_and_is_recorded(app, client, admin_account):
    sign_in(client, EMAIL, PASSWORD)
    # A link (GET) cannot sign anyone out, nor can a forged form without the token.
    assert client.get("/dang-xuat").status_code in (404, 405)
    forged = client.post("/dang-xuat")
    assert forged.status_code == 400
    assert "bạn chưa được đăng xuất" in forged.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200

    token = csrf_of(client.get("/admin/").get_data(as_text=True))
    response = client.post("/dang-xuat", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/admin/").status_code == 302
    assert actions(app) == ["auth.login", "auth.logout"]


def test_signed_in_visit_to_sign_in_page_moves_on(client, admin_account):
    sign_in(client, EMAIL, PASSWORD)
    response = client.get("/dang-nhap?next=/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    response = client.get("/dang-nhap?next=//evil.example")
    assert response.headers["Location"] == "/"
