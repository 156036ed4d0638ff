"""Two-step sign-in: set-up from "Tài khoản của tôi", the code after the password (no
session before it), codes used once, recovery codes, throttling, admins required to
have it, admins turning it off; and changing one's own name and e-mail.

Codes are made with pyotp for the time of the sign-in clock the test moves.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from security.sign_in_helpers import Clock
from sqlalchemy import func, select

from portal.content import two_factor
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import AuditEntry, RecoveryCode, User, UserSession, UserTotp

from .admin_helpers import (
    PASSWORD,
    client_signed_in_as,
    csrf_of,
    field_errors,
    flashes,
    make_user,
    sign_in,
    snapshot,
    text_of,
)

EMAIL = "bientap@example.org"


@pytest.fixture
def clock(app):
    return Clock(app)


@pytest.fixture
def editor_id(app):
    return make_user(app, EMAIL, "editor", name="Biên Tập")


def turn_on(app, user_id: int, clock: Clock) -> tuple[str, list[str]]:
    """Two-step sign-in on for the account (through the content layer); its secret and codes."""
    with app.app_context():
        user = db.session.get(User, user_id)
        with unit_of_work(Actor.of_user(user)):
            record = two_factor.begin_setup(user, now=clock.now)
            secret = record.secret
            codes = two_factor.confirm_setup(user, pyotp.TOTP(secret).at(clock.now), now=clock.now)
    clock.advance(seconds=30)  # the code used to confirm is spent
    return secret, codes


def send_code(client, code: str, ip: str = "192.0.2.1"):
    page = client.get("/dang-nhap/xac-thuc")
    assert page.status_code == 200, page.status_code
    return client.post(
        "/dang-nhap/xac-thuc",
        data={"csrf_token": csrf_of(page.get_data(as_text=True)), "code": code},
        environ_base={"REMOTE_ADDR": ip},
    )


def sessions_of(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)
        )


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# -- setting it up -------------------------------------------------------------------------


def test_turning_it_on_from_my_account(app, clock, editor_id):
    client = client_signed_in_as(app, editor_id)
    account = client.get("/admin/account").get_data(as_text=True)
    assert "Bật xác thực hai bước" in account

    page = client.get("/admin/account/2fa").get_data(as_text=True)
    client.post("/admin/account/2fa/start", data={"csrf_token": csrf_of(page)})
    setup = client.get("/admin/account/2fa").get_data(as_text=True)

    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', setup).group(1).replace(" ", "")
    uri = re.search(r'id="totp-uri">([^<]+)<', setup).group(1)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert "bientap%40example.org" in uri or "bientap@example.org" in uri
    with app.app_context():  # not asked for at sign-in until confirmed
        assert not two_factor.is_on(db.session.get(User, editor_id))

    wrong = client.post(
        "/admin/account/2fa/confirm", data={"csrf_token": csrf_of(setup), "code": "000000"}
    )
    assert wrong.status_code == 422
    assert "Mã không đúng" in field_errors(wrong.get_data(as_text=True), "code")[0]

    done = client.post(
        "/admin/account/2fa/confirm",
        data={"csrf_token": csrf_of(setup), "code": pyotp.TOTP(secret).at(clock.now)},
    )

    assert done.status_code == 200
    codes = re.findall(
        r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.get_data(as_text=True)
    )
    assert len(codes) == len(set(codes)) == 10
    with app.app_context():
        assert two_factor.is_on(db.session.get(User, editor_id))
        hashes = set(db.session.scalars(select(RecoveryCode.code_hash)))
        assert len(hashes) == 10 and not any(code.replace("-", "") in hashes for code in codes)
        entry = db.session.scalar(select(AuditEntry).filter_by(action="user.2fa_on"))
        assert secret not in repr((entry.before, entry.after, entry.summary))
    # Shown once: the account page lists only how many are left.
    again = client.get("/admin/account/2fa").get_data(as_text=True)
    assert codes[0] not in again and 'id="codes-left">10<' in again


# -- signing in ----------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_before_any_session(app, clock, editor_id):
    secret, _codes = turn_on(app, editor_id, clock)
    client = app.test_client()

    first = sign_in(client, EMAIL, PASSWORD, next_url="/admin/articles")

    assert first.status_code == 302
    assert first.headers["Location"].startswith("/dang-nhap/xac-thuc")
    assert sessions_of(app, editor_id) == 0
    assert client.get("/admin/").status_code == 302  # not signed in yet
    wrong = send_code(client, "123456")
    assert wrong.status_code == 422
    assert sessions_of(app, editor_id) == 0

    right = client.post(
        "/dang-nhap/xac-thuc?next=/admin/articles",
        data={
            "csrf_token": csrf_of(client.get("/dang-nhap/xac-thuc").get_data(as_text=True)),
            "code": pyotp.TOTP(secret).at(clock.now),
        },
    )

    assert right.status_code == 302 and right.headers["Location"] == "/admin/articles"
    assert client.get("/admin/").status_code == 200
    assert sessions_of(app, editor_id) == 1
    assert actions(app)[-1] == "auth.login"


def test_a_code_is_not_accepted_twice_within_its_window(app, clock, editor_id):
    secret, _codes = turn_on(app, editor_id, clock)
    code = pyotp.TOTP(secret).at(clock.now)
    first = app.test_client()
    sign_in(first, EMAIL, PASSWORD)
    assert send_code(first, code).status_code == 302

    second = app.test_client()
    sign_in(second, EMAIL, PASSWORD, ip="192.0.2.9")
    clock.advance(seconds=10)  # same 30-second step: the code still "looks" valid
    replayed = send_code(second, code, ip="192.0.2.9")

    assert replayed.status_code == 422
    assert second.get("/admin/").status_code == 302  # still not signed in
    clock.advance(seconds=30)
    assert send_code(second, pyotp.TOTP(secret).at(clock.now), ip="192.0.2.9").status_code == 302


def test_a_recovery_code_works_once(app, clock, editor_id):
    _secret, codes = turn_on(app, editor_id, clock)
    client = app.test_client()
    sign_in(client, EMAIL, PASSWORD)

    used = send_code(client, codes[3].upper().replace("-", " "))

    assert used.status_code == 302
    assert any("còn 9 mã" in message for message in flashes(client))
    assert "user.recovery_code_used" in actions(app)
    again = app.test_client()
    sign_in(again, EMAIL, PASSWORD, ip="192.0.2.5")
    assert send_code(again, codes[3], ip="192.0.2.5").status_code == 422
    assert send_code(again, codes[4], ip="192.0.2.5").status_code == 302


def test_wrong_codes_are_throttled_for_the_account_from_any_address(app, clock, editor_id):
    secret, _codes = turn_on(app, editor_id, clock)
    client = app.test_client()
    sign_in(client, EMAIL, PASSWORD)
    for number, ip in enumerate(("192.0.2.1", "192.0.2.2", "192.0.2.3")):
        assert send_code(client, f"00000{number}", ip=ip).status_code == 422

    refused = send_code(client, pyotp.TOTP(secret).at(clock.now), ip="192.0.2.4")

    assert refused.status_code == 429
    assert "Hãy thử lại sau 1 phút." in text_of(refused.get_data(as_text=True))
    assert sessions_of(app, editor_id) == 0
    clock.advance(minutes=1, seconds=1)
    assert send_code(client, pyotp.TOTP(secret).at(clock.now)).status_code == 302


def test_the_code_step_expires_and_a_new_password_voids_it(app, clock, editor_id):
    secret, _codes = turn_on(app, editor_id, clock)
    late = app.test_client()
    sign_in(late, EMAIL, PASSWORD)
    clock.advance(minutes=6)

    response = late.get("/dang-nhap/xac-thuc")

    assert response.status_code == 302 and response.headers["Location"] == "/dang-nhap"
    changed = app.test_client()
    sign_in(changed, EMAIL, PASSWORD)
    with app.app_context():
        user = db.session.get(User, editor_id)
        user.set_password("mat-khau-khac-123")
        db.session.commit()
    assert changed.get("/dang-nhap/xac-thuc").status_code == 302


def test_an_account_without_it_signs_in_with_the_password_alone(app, client, editor_id):
    response = sign_in(client, EMAIL, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/admin/").status_code == 200


# -- turning it off, new recovery codes ----------------------------------------------------


def test_turning_it_off_needs_my_password(app, clock, editor_id):
    turn_on(app, editor_id, clock)
    client = client_signed_in_as(app, editor_id)
    page = client.get("/admin/account/2fa").get_data(as_text=True)
    before = snapshot(app)

    wrong = client.post(
        "/admin/account/2fa/off", data={"csrf_token": csrf_of(page), "off-password": "sai-mat-khau"}
    )

    assert wrong.status_code == 422
    assert field_errors(wrong.get_data(as_text=True), "off-password") == [
        "Mật khẩu hiện tại không đúng."
    ]
    assert snapshot(app) == before
    right = client.post(
        "/admin/account/2fa/off", data={"csrf_token": csrf_of(page), "off-password": PASSWORD}
    )
    assert right.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserTotp)) == 0
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert "user.2fa_off" in actions(app)


def test_new_recovery_codes_replace_the_old_ones(app, clock, editor_id):
    _secret, old = turn_on(app, editor_id, clock)
    client = client_signed_in_as(app, editor_id)
    page = client.get("/admin/account/2fa").get_data(as_text=True)

    response = client.post(
        "/admin/account/2fa/recovery-codes",
        data={"csrf_token": csrf_of(page), "codes-password": PASSWORD},
    )

    new = re.findall(r"<li><code>([a-z2-9-]{11})</code></li>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    sign_in(other, EMAIL, PASSWORD)
    assert send_code(other, old[0]).status_code == 422
    assert send_code(other, new[0]).status_code == 302


def test_an_admin_turns_off_another_accounts_two_step_sign_in(app, clock, admin_id, editor_id):
    turn_on(app, editor_id, clock)
    admin = client_signed_in_as(app, admin_id)
    page = admin.get(f"/admin/users/{editor_id}").get_data(as_text=True)
    assert "Tắt xác thực hai bước của Biên Tập" in page

    response = admin.post(f"/admin/users/{editor_id}/2fa/off", data={"csrf_token": csrf_of(page)})

    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).filter_by(action="user.2fa_off"))
        assert entry.subject_id == editor_id and entry.user_id == admin_id
        assert entry.summary.startswith("Quản trị viên tắt")
    assert sign_in(app.test_client(), EMAIL, PASSWORD).headers["Location"] == "/"


# -- admins required to have it ------------------------------------------------------------


def test_required_admins_set_it_up_before_anything_else(app, clock, admin_id, editor_id):
    app.config["PORTAL_REQUIRE_ADMIN_2FA"] = True  # (read at each request)
    admin = client_signed_in_as(app, admin_id)
    editor = client_signed_in_as(app, editor_id)

    sent = admin.get("/admin/pages")
    page = admin.get("/admin/account/2fa").get_data(as_text=True)
    posted = admin.post("/admin/users/new", data={"csrf_token": csrf_of(page), "name": "X"})

    assert sent.status_code == 302 and sent.headers["Location"] == "/admin/account/2fa"
    assert posted.status_code == 302 and posted.headers["Location"] == "/admin/account/2fa"
    assert "Site yêu cầu mọi quản trị viên bật xác thực hai bước" in text_of(page)
    assert editor.get("/admin/").status_code == 200  # other roles are not held
    turn_on(app, admin_id, clock)
    assert admin.get("/admin/pages").status_code == 200


# -- my name and e-mail --------------------------------------------------------------------


def update_profile(client, name: str, email: str, password: str = ""):
    page = client.get("/admin/account").get_data(as_text=True)
    return client.post(
        "/admin/account/profile",
        data={
            "csrf_token": csrf_of(page),
            "name": name,
            "email": email,
            "profile_password": password,
        },
    )


def test_my_name_changes_without_a_password(app, editor_id):
    client = client_signed_in_as(app, editor_id)

    response = update_profile(client, "  Biên Tập Viên ", EMAIL)

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, editor_id).name == "Biên Tập Viên"
        assert db.session.scalar(select(AuditEntry.action)) == "user.profile"


def test_a_new_email_needs_my_password_and_a_free_address(app, editor_id):
    make_user(app, "khac@example.org", "author")
    client = client_signed_in_as(app, editor_id)
    before = snapshot(app)

    missing = update_profile(client, "Biên Tập", "moi@example.org")
    wrong = update_profile(client, "Biên Tập", "moi@example.org", "sai-mat-khau-1")
    taken = update_profile(client, "Biên Tập", "KHAC@example.org", PASSWORD)
    invalid = update_profile(client, "Biên Tập", "khong-phai-thu", PASSWORD)

    assert missing.status_code == wrong.status_code == taken.status_code == 422
    assert field_errors(missing.get_data(as_text=True), "profile_password") == [
        "Hãy nhập mật khẩu hiện tại để đổi thư điện tử đăng nhập."
    ]
    assert field_errors(wrong.get_data(as_text=True), "profile_password") == [
        "Mật khẩu hiện tại không đúng."
    ]
    assert field_errors(taken.get_data(as_text=True), "email") == [
        "Đã có tài khoản dùng thư điện tử này."
    ]
    assert field_errors(invalid.get_data(as_text=True), "email") == ["Thư điện tử không hợp lệ."]
    after = snapshot(app)
    assert after["users"] == before["users"] and after["audit"] == before["audit"]

    done = update_profile(client, "Biên Tập", "Moi@Example.org", PASSWORD)

    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(User, editor_id).email == "moi@example.org"
    assert sign_in(app.test_client(), "moi@example.org", PASSWORD).status_code == 302
