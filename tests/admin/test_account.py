""" "Tài khoản của tôi": every role changes its own password and sees and ends its own
sign-in sessions."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, LoginAttempt, User, UserSession
from portal.testing import events_written

from .admin_helpers import (
    PASSWORD,
    client_signed_in_as,
    csrf_of,
    field_errors,
    flashes,
    make_user,
    snapshot,
    text_of,
)

NEW_PASSWORD = "mat-khau-moi-dai-2"


@pytest.fixture
def author_id(app):
    return make_user(app, "tacgia@example.org", "author", name="Tác Giả")


def change_password(client, current, new, confirm=None):
    token = csrf_of(client.get("/admin/account").get_data(as_text=True))
    return client.post(
        "/admin/account/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def password_hash(app, user_id) -> str:
    with app.app_context():
        return db.session.get(User, user_id).password_hash


def session_count(app, user_id) -> int:
    with app.app_context():
        return len(db.session.scalars(select(UserSession).filter_by(user_id=user_id)).all())


def test_every_role_reaches_its_account_from_the_header(app, author_id):
    author = client_signed_in_as(app, author_id)

    dashboard = author.get("/admin/").get_data(as_text=True)
    page = author.get("/admin/account")

    assert 'href="/admin/account"' in dashboard
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Tài khoản của tôi" in text and "tacgia@example.org" in text and "Tác giả" in text
    assert "Phiên đăng nhập đang mở" in text and "phiên này của bạn" in text


def test_changing_the_password_keeps_this_browser_and_ends_the_others(app, author_id):
    here = client_signed_in_as(app, author_id)
    elsewhere = client_signed_in_as(app, author_id)

    response = change_password(here, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, author_id).check_password(NEW_PASSWORD)
    assert "Đã đổi mật khẩu. 1 phiên đăng nhập khác của bạn đã kết thúc." in flashes(here)
    assert here.get("/admin/account").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302
    assert session_count(app, author_id) == 1
    # This browser stays known for the account under its new password.
    cookies = [c for c in response.headers.getlist("Set-Cookie") if "portal_known_client" in c]
    assert cookies and "Path=/dang-nhap" in cookies[0]
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).filter_by(action="user.password_change"))
        (entry,) = entries.all()
        assert entry.subject_id == author_id and NEW_PASSWORD not in repr(entry.after)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("sai-mat-khau-1", NEW_PASSWORD, None, "current_password", "Mật khẩu hiện tại không đúng."),
        (PASSWORD, "ngan", None, "new_password", "Mật khẩu cần từ 10 đến 500 ký tự."),
        (
            PASSWORD,
            NEW_PASSWORD,
            "khac-han-nhau",
            "confirm",
            "Hai lần nhập mật khẩu mới không giống nhau.",
        ),
        ("", NEW_PASSWORD, None, "current_password", "Hãy nhập mật khẩu hiện tại."),
    ],
    ids=["wrong-current", "too-short", "mismatch", "no-current"],
)
def test_a_refused_change_says_why_and_changes_nothing(
    app, author_id, current, new, confirm, field, message
):
    here = client_signed_in_as(app, author_id)
    elsewhere = client_signed_in_as(app, author_id)
    before = snapshot(app)
    hash_before = password_hash(app, author_id)

    response = change_password(here, current, new, confirm)

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), field) == [message]
    assert password_hash(app, author_id) == hash_before
    assert snapshot(app) == before
    assert elsewhere.get("/admin/").status_code == 200


def test_guessing_the_current_password_is_throttled_for_that_session(app, author_id):
    here = client_signed_in_as(app, author_id)
    for _ in range(3):
        assert change_password(here, "sai-mat-khau-1", NEW_PASSWORD).status_code == 422

    refused = change_password(here, PASSWORD, NEW_PASSWORD)

    assert refused.status_code == 429
    assert "Hãy thử lại sau 1 phút." in text_of(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(User, author_id).check_password(PASSWORD)
        clients = set(db.session.scalars(select(LoginAttempt.client)))
    (client,) = clients
    assert client.startswith("s")  # counted for this session, not for strangers
    # Signing in from elsewhere is not slowed by it.
    assert client_signed_in_as(app, author_id).get("/admin/").status_code == 200


def test_ending_my_other_sessions(app, author_id):
    here = client_signed_in_as(app, author_id)
    others = [client_signed_in_as(app, author_id) for _ in range(2)]
    someone_else = client_signed_in_as(app, make_user(app, "khac@example.org", "author"))

    page = here.get("/admin/account").get_data(as_text=True)
    assert "Kết thúc mọi phiên khác (2)" in text_of(page)
    response = here.post("/admin/account/sessions/end", data={"csrf_token": csrf_of(page)})

    assert response.status_code == 302
    assert "Đã kết thúc 2 phiên đăng nhập" in flashes(here)[0]
    assert here.get("/admin/").status_code == 200
    assert all(other.get("/admin/").status_code == 302 for other in others)
    assert someone_else.get("/admin/").status_code == 200
    with app.app_context():
        (entry,) = db.session.scalars(select(AuditEntry).filter_by(action="user.sessions_end"))
        assert "(trừ phiên đang dùng)" in entry.summary


def test_nobody_ends_someone_elses_session_from_their_own_page(app, author_id):
    here = client_signed_in_as(app, author_id)
    victim = client_signed_in_as(app, make_user(app, "khac@example.org", "admin"))
    with victim.session_transaction() as session:
        digest = hashlib.sha256(session["_user_id"].encode()).hexdigest()
    with app.app_context():
        victim_session = db.session.scalar(select(UserSession.id).filter_by(token_hash=digest))
    page = here.get("/admin/account").get_data(as_text=True)

    response = here.post(
        "/admin/account/sessions/end",
        data={"csrf_token": csrf_of(page), "session_id": str(victim_session)},
    )

    assert response.status_code == 302
    assert "Phiên đăng nhập này đã kết thúc từ trước; không có gì thay đổi." in flashes(here)
    assert victim.get("/admin/").status_code == 200


def test_changing_the_password_names_its_owner_and_announces_no_content_event(app, author_id):
    here = client_signed_in_as(app, author_id)

    with events_written(app) as events:
        assert change_password(here, PASSWORD, NEW_PASSWORD).status_code == 302

    with app.app_context():
        (entry,) = db.session.scalars(select(AuditEntry).filter_by(action="user.password_change"))
        assert (entry.user_id, entry.user_name) == (author_id, "Tác Giả <tacgia@example.org>")
    assert events == []  # accounts are not reader content


def test_a_wrong_current_password_is_counted_and_records_nothing_else(app, author_id):
    here = client_signed_in_as(app, author_id)
    hash_before = password_hash(app, author_id)

    with events_written(app) as events:
        assert change_password(here, "sai-mat-khau-1", NEW_PASSWORD).status_code == 422

    assert events == []
    assert password_hash(app, author_id) == hash_before
    with app.app_context():
        assert db.session.scalars(select(AuditEntry.action)).all() == []
        assert len(db.session.scalars(select(LoginAttempt)).all()) == 1  # committed at once


def test_ending_my_other_sessions_names_me_and_announces_nothing(app, author_id):
    here = client_signed_in_as(app, author_id)
    client_signed_in_as(app, author_id)
    page = here.get("/admin/account").get_data(as_text=True)

    with events_written(app) as events:
        here.post("/admin/account/sessions/end", data={"csrf_token": csrf_of(page)})

    assert events == []
    with app.app_context():
        (entry,) = db.session.scalars(select(AuditEntry).filter_by(action="user.sessions_end"))
        assert entry.user_name == "Tác Giả <tacgia@example.org>"


def test_ending_my_current_session_from_the_list_is_refused_and_changes_nothing(app, author_id):
    here = client_signed_in_as(app, author_id)
    with here.session_transaction() as session:
        digest = hashlib.sha256(session["_user_id"].encode()).hexdigest()
    with app.app_context():
        mine = db.session.scalar(select(UserSession.id).filter_by(token_hash=digest))
    page = here.get("/admin/account").get_data(as_text=True)
    before = snapshot(app)

    with events_written(app) as events:
        here.post(
            "/admin/account/sessions/end",
            data={"csrf_token": csrf_of(page), "session_id": str(mine)},
        )

    assert "Đây là phiên bạn đang dùng." in flashes(here)[0]
    assert snapshot(app) == before and events == []
    assert here.get("/admin/").status_code == 200
