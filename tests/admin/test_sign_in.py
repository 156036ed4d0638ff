"""Signing in and out: safe ``next``, cookies, deactivated accounts, audit.

The throttle and revocable sessions are tested in tests/security/.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, LoginAttempt, User, UserSession
from portal.testing import events_written

from .admin_helpers import (
    PASSWORD,
    client_signed_in_as,
    csrf_of,
    field_errors,
    make_user,
    sign_in,
)

EMAIL = "quantri@example.org"
WRONG = "mat-khau-sai-123"


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
    assert set(cookies) >= {"session", "remember_token", "portal_known_client"}
    for name in ("session", "remember_token", "portal_known_client"):
        attributes = [part.strip().lower() for part in cookies[name].split(";")]
        assert "httponly" in attributes, cookies[name]
        assert "samesite=lax" in attributes, cookies[name]
    # The known-client proof is only ever sent to the sign-in page.
    assert "path=/dang-nhap" in cookies["portal_known_client"].lower()


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


def entries(app) -> list[tuple[str, int | None, str, str]]:
    with app.app_context():
        return [
            (e.action, e.user_id, e.user_name, e.ip)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_signing_in_and_out_name_the_account_and_announce_no_content_event(
    app, client, admin_account
):
    with app.app_context():
        name = db.session.get(User, admin_account).name
    actor = f"{name} <{EMAIL}>"

    with events_written(app) as events:
        sign_in(client, EMAIL, PASSWORD, ip="192.0.2.7")
        token = csrf_of(client.get("/admin/").get_data(as_text=True))
        client.post("/dang-xuat", data={"csrf_token": token})

    assert events == []  # sign-ins are not reader content
    assert [entry[:3] for entry in entries(app)] == [
        ("auth.login", admin_account, actor),
        ("auth.logout", admin_account, actor),
    ]
    assert entries(app)[0][3] == "192.0.2.7"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_a_failed_sign_in_is_counted_at_once_and_records_nothing_else(app, client, admin_account):
    with events_written(app) as events:
        sign_in(client, EMAIL, WRONG)

    assert events == []
    assert failures(app, email=EMAIL) == 1
    assert entries(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0
