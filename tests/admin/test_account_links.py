"""Links by e-mail: "Quên mật khẩu?" (single use, expiry, sessions ended, no enumeration,
throttled) and invitations (accept, re-send, withdraw, refused for a taken address).

Mail goes to a real SMTP server started by the test (tests/smtp_server.py); time is
moved with the sign-in clock (tests/security/sign_in_helpers.py), never slept.
"""

from __future__ import annotations

import re

import pytest
from security.sign_in_helpers import Clock
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AccountToken, AuditEntry, LoginAttempt, User, UserSession

from .admin_helpers import (
    PASSWORD,
    client_signed_in_as,
    csrf_of,
    field_errors,
    make_user,
    sign_in,
    snapshot,
    text_of,
)

NEW_PASSWORD = "mat-khau-moi-dai-2"
LINK_RE = re.compile(r"http://cong\.example\.vn/(dat-lai-mat-khau|loi-moi)/([A-Za-z0-9_-]+)")


@pytest.fixture
def app_config(smtp_server):
    return {"PORTAL_BASE_URL": "http://cong.example.vn", **smtp_server.config()}


@pytest.fixture
def clock(app):
    return Clock(app)


@pytest.fixture
def editor_id(app):
    return make_user(app, "bientap@example.org", "editor", name="Biên Tập")


def ask_for_reset(client, email: str, ip: str = "192.0.2.1"):
    page = client.get("/quen-mat-khau", environ_base={"REMOTE_ADDR": ip})
    return client.post(
        "/quen-mat-khau",
        data={"csrf_token": csrf_of(page.get_data(as_text=True)), "email": email},
        environ_base={"REMOTE_ADDR": ip},
    )


def link_in(message) -> str:
    found = LINK_RE.search(message.get_content())
    assert found, message.get_content()
    return f"/{found.group(1)}/{found.group(2)}"


def set_new_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(
        path,
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "new_password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return db.session.scalar(query)


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# -- password reset ------------------------------------------------------------------------


def test_the_sign_in_page_links_to_the_forgotten_password_form(client):
    html = client.get("/dang-nhap").get_data(as_text=True)
    assert '<a href="/quen-mat-khau">Quên mật khẩu?</a>' in html


def test_a_reset_link_arrives_works_once_and_ends_every_session(
    app,
    client,
    editor_id,
    smtp_server,
    clock,
):
    elsewhere = client_signed_in_as(app, editor_id)
    another = client_signed_in_as(app, editor_id)

    answer = ask_for_reset(client, "BienTap@example.org")

    assert answer.status_code == 200
    assert "Nếu địa chỉ này là của một tài khoản đang hoạt động" in text_of(
        answer.get_data(as_text=True)
    )
    [message] = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "bientap@example.org"
    assert message["Subject"].startswith("Đặt lại mật khẩu")
    path = link_in(message)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        (stored,) = db.session.scalars(select(AccountToken)).all()
        assert stored.purpose == "reset" and token not in stored.token_hash  # a digest only
        assert len(stored.token_hash) == 64

    done = set_new_password(client, path)

    assert done.status_code == 302 and done.headers["Location"] == "/dang-nhap"
    with app.app_context():
        assert db.session.get(User, editor_id).check_password(NEW_PASSWORD)
    assert count(app, UserSession, user_id=editor_id) == 0
    assert elsewhere.get("/admin/").status_code == 302
    assert another.get("/admin/").status_code == 302
    assert "user.password_reset_by_email" in actions(app)
    # Once only: the same link now says plainly that it is spent.
    again = client.get(path)
    assert again.status_code == 410
    assert "Liên kết đặt lại mật khẩu này không còn dùng được" in text_of(
        again.get_data(as_text=True)
    )
    assert again.headers["Referrer-Policy"] == "no-referrer"
    # And the new password signs in.
    assert sign_in(app.test_client(), "bientap@example.org", NEW_PASSWORD).status_code == 302


def test_using_one_reset_link_voids_the_others(app, client, editor_id, smtp_server, clock):
    ask_for_reset(client, "bientap@example.org")
    ask_for_reset(client, "bientap@example.org")
    first, second = (link_in(message) for message in smtp_server.wait_for(2))
    assert first != second

    assert set_new_password(client, second).status_code == 302

    assert client.get(first).status_code == 410
    assert count(app, AccountToken) == 0


def test_an_expired_reset_link_changes_nothing(app, client, editor_id, smtp_server, clock):
    ask_for_reset(client, "bientap@example.org")
    [message] = smtp_server.wait_for(1)
    path = link_in(message)
    page = client.get(path)
    clock.advance(minutes=61)
    before = snapshot(app)

    response = client.post(
        path,
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )

    assert response.status_code == 410
    assert "đã hết hạn" in text_of(response.get_data(as_text=True))
    assert snapshot(app) == before


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    app,
    client,
    editor_id,
    smtp_server,
    clock,
):
    make_user(app, "khoa@example.org", "author", active=False)

    known = ask_for_reset(client, "bientap@example.org", ip="192.0.2.1")
    unknown = ask_for_reset(client, "ai-do@example.org", ip="192.0.2.2")
    locked = ask_for_reset(client, "khoa@example.org", ip="192.0.2.3")

    def notice(response):
        return re.search(r'id="reset-sent">(.*?)<', response.get_data(as_text=True)).group(1)

    assert known.status_code == unknown.status_code == locked.status_code == 200
    assert notice(known) == notice(unknown) == notice(locked)
    assert len(smtp_server.wait_for(1)) == 1
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1  # nothing more was sent
    assert count(app, AccountToken) == 1


def test_reset_requests_are_throttled_per_address_typed(app, client, editor_id, smtp_server, clock):
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert ask_for_reset(client, "bientap@example.org", ip=ip).status_code == 200

    refused = ask_for_reset(client, "bientap@example.org", ip="192.0.2.4")

    assert refused.status_code == 429
    assert "quá nhiều lần" in text_of(refused.get_data(as_text=True))
    assert len(smtp_server.wait_for(3)) == 3
    clock.advance(minutes=61)
    assert ask_for_reset(client, "bientap@example.org", ip="192.0.2.4").status_code == 200
    # The same limit for an address with no account: nothing tells the two apart.
    for _ in range(3):
        ask_for_reset(client, "khong-co@example.org", ip="198.51.100.7")
    assert ask_for_reset(client, "khong-co@example.org", ip="198.51.100.7").status_code == 429
    # Sign-in is not slowed down by reset requests.
    assert sign_in(app.test_client(), "bientap@example.org", PASSWORD).status_code == 302
    assert count(app, LoginAttempt, client="") == 0


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("ngan", None, "new_password", "Mật khẩu cần từ 10 đến 500 ký tự."),
        (NEW_PASSWORD, "khac-han-nhau", "confirm", "Hai lần nhập mật khẩu mới không giống nhau."),
    ],
    ids=["too-short", "mismatch"],
)
def test_a_refused_new_password_keeps_the_link_usable(
    app,
    client,
    editor_id,
    smtp_server,
    clock,
    password,
    confirm,
    field,
    message,
):
    ask_for_reset(client, "bientap@example.org")
    path = link_in(smtp_server.wait_for(1)[0])
    before = snapshot(app)

    response = set_new_password(client, path, password, confirm)

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), field) == [message]
    assert snapshot(app) == before
    assert set_new_password(client, path).status_code == 302


def test_a_made_up_link_opens_nothing(client):
    response = client.get("/dat-lai-mat-khau/" + "x" * 43)
    assert response.status_code == 410
    assert "Gửi liên kết mới" in response.get_data(as_text=True)


# -- invitations ---------------------------------------------------------------------------


def invite(client, email: str, role: str = "editor", name: str = ""):
    page = client.get("/admin/users/invite")
    return client.post(
        "/admin/users/invite",
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "email": email,
            "role": role,
            "name": name,
        },
    )


def accept(client, path: str, name: str = "Người Mới", password: str = NEW_PASSWORD):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(
        path,
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "name": name,
            "new_password": password,
            "confirm": password,
        },
    )


def test_an_invitation_arrives_and_makes_a_signed_in_account(
    app,
    clock,
    admin_client,
    smtp_server,
):
    response = invite(admin_client, "Moi@Example.org", "editor", name="Gợi Ý")

    assert response.status_code == 200
    assert "Đã gửi lời mời tới" in text_of(response.get_data(as_text=True))
    [message] = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "moi@example.org"
    path = link_in(message)
    assert path.startswith("/loi-moi/")
    listed = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Lời mời chưa nhận" in listed and "moi@example.org" in listed

    invitee = app.test_client()
    assert 'value="Gợi Ý"' in invitee.get(path).get_data(as_text=True)
    done = accept(invitee, path, name="Lan Anh")

    assert done.status_code == 302 and done.headers["Location"] == "/admin/"
    assert invitee.get("/admin/").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "moi@example.org"))
        assert (user.name, user.role, user.active) == ("Lan Anh", "editor", True)
        assert user.check_password(NEW_PASSWORD)
    assert count(app, AccountToken) == 0
    assert invitee.get(path).status_code == 410  # once only
    assert actions(app)[-2:] == ["user.create", "auth.login"]


def test_resending_an_invitation_voids_the_earlier_link(app, clock, admin_client, smtp_server):
    invite(admin_client, "moi@example.org")
    with app.app_context():
        invitation_id = db.session.scalar(select(AccountToken.id))
    listed = admin_client.get("/admin/users").get_data(as_text=True)

    resent = admin_client.post(
        f"/admin/users/invitations/{invitation_id}/resend", data={"csrf_token": csrf_of(listed)}
    )

    assert resent.status_code == 200
    first, second = (link_in(message) for message in smtp_server.wait_for(2))
    invitee = app.test_client()
    gone = invitee.get(first)
    assert gone.status_code == 410
    assert "Lời mời này không còn dùng được" in text_of(gone.get_data(as_text=True))
    assert accept(invitee, second).status_code == 302


def test_inviting_an_address_in_use_is_refused(app, admin_client, editor_id, smtp_server):
    before = snapshot(app)

    response = invite(admin_client, "BIENTAP@example.org")

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "email") == [
        "Thư điện tử này đã có tài khoản trên site, nên không cần mời. "
        "Nếu người đó quên mật khẩu, hãy đặt lại mật khẩu cho tài khoản ấy."
    ]
    assert snapshot(app) == before
    assert smtp_server.wait_for(1, timeout=0.3) == []


def test_an_invitation_taken_meanwhile_is_refused_clearly(app, clock, admin_client, smtp_server):
    invite(admin_client, "moi@example.org")
    path = link_in(smtp_server.wait_for(1)[0])
    make_user(app, "moi@example.org", "author")  # e.g. created by hand meanwhile

    response = accept(app.test_client(), path)

    assert response.status_code == 409
    assert "Thư điện tử này đã có tài khoản" in text_of(response.get_data(as_text=True))


def test_an_expired_or_withdrawn_invitation_opens_nothing(
    app,
    clock,
    admin_id,
    admin_client,
    smtp_server,
):
    invite(admin_client, "moi@example.org")
    invite(admin_client, "hai@example.org")
    first, second = (link_in(message) for message in smtp_server.wait_for(2))
    with app.app_context():
        withdrawn = db.session.scalar(
            select(AccountToken.id).where(AccountToken.email == "hai@example.org")
        )
    listed = admin_client.get("/admin/users").get_data(as_text=True)
    admin_client.post(
        f"/admin/users/invitations/{withdrawn}/cancel", data={"csrf_token": csrf_of(listed)}
    )
    assert app.test_client().get(second).status_code == 410
    assert "user.invite_cancel" in actions(app)

    clock.advance(days=7, minutes=1)

    assert app.test_client().get(first).status_code == 410
    # (a week later the admin signs in again)
    listed = client_signed_in_as(app, admin_id).get("/admin/users").get_data(as_text=True)
    assert "Đã hết hạn" in listed


def test_without_a_mail_server_the_admin_is_shown_the_link(app, admin_client, monkeypatch):
    app.config["PORTAL_MAIL_SERVER"] = ""

    response = invite(admin_client, "moi@example.org")

    html = response.get_data(as_text=True)
    assert "không có thư nào được gửi" in text_of(html)
    path = LINK_RE.search(html).group(0).replace("http://cong.example.vn", "")
    assert app.test_client().get(path).status_code == 200


def test_a_new_password_set_otherwise_voids_an_unused_reset_link(
    app, client, editor_id, smtp_server
):
    ask_for_reset(client, "bientap@example.org")
    path = link_in(smtp_server.wait_for(1)[0])
    owner = client_signed_in_as(app, editor_id)
    page = owner.get("/admin/account").get_data(as_text=True)

    changed = owner.post(
        "/admin/account/password",
        data={
            "csrf_token": csrf_of(page),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )

    assert changed.status_code == 302
    assert client.get(path).status_code == 410
