"""Revocable sessions: every sign-in is a server-side record, and ending it signs out
the session cookie and the remember-me cookie alike (issue 15, item 3)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
from admin.admin_helpers import PASSWORD, csrf_of, make_user, sign_in, text_of
from flask_login.utils import decode_cookie

from portal.extensions import db
from portal.models import AuditEntry, UserSession
from portal.testing import count_queries, signed_in_client
from portal.web.auth import SESSION_ENDED_MESSAGE
from portal.web.auth.sessions import browser_label

from .sign_in_helpers import START, Clock, cookie, is_signed_in, replay, rows, session_token
from .state import site_state

EMAIL = "bientap@example.org"
ADMIN_EMAIL = "quantri@example.org"
NEW_PASSWORD = "mat-khau-moi-dai-2"


@pytest.fixture
def accounts(app) -> dict[str, int]:
    return {
        "admin": make_user(app, ADMIN_EMAIL, "admin", name="Quản Trị"),
        "editor": make_user(app, EMAIL, "editor", name="Biên Tập"),
    }


def post_from_page(client, page_url: str, action_url: str | None = None, **data):
    """Open a page, then post its form (with the page's CSRF token) to ``action_url``."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    token = csrf_of(page.get_data(as_text=True))
    return client.post(action_url or page_url, data={"csrf_token": token, **data})


# -- what ends every session of an account ------------------------------------------------


def sign_out(victim, admin, user_id):
    response = post_from_page(victim, "/admin/", "/dang-xuat")
    assert response.status_code == 302


def admin_resets_password(victim, admin, user_id):
    response = post_from_page(admin, f"/admin/users/{user_id}/password", password=NEW_PASSWORD)
    assert response.status_code == 302


def own_password_change(victim, admin, user_id):
    response = post_from_page(
        victim,
        "/admin/account",
        "/admin/account/password",
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert response.status_code == 302


def role_change(victim, admin, user_id):
    response = post_from_page(
        admin, f"/admin/users/{user_id}", name="Biên Tập", email=EMAIL, role="author", active="y"
    )
    assert response.status_code == 302


def deactivation(victim, admin, user_id):
    response = post_from_page(
        admin, f"/admin/users/{user_id}", name="Biên Tập", email=EMAIL, role="editor"
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "event",
    [sign_out, admin_resets_password, own_password_change, role_change, deactivation],
)
def test_old_session_and_remember_cookies_stop_working(app, accounts, event):
    victim = app.test_client()
    assert sign_in(victim, EMAIL, PASSWORD, remember=True).status_code == 302
    old_session, old_remember = cookie(victim, "session"), cookie(victim, "remember_token")
    assert old_session and old_remember
    other_browser = signed_in_client(app, accounts["editor"])
    admin = signed_in_client(app, accounts["admin"])
    # Both cookies sign in on their own before the event (the replay is a real test).
    assert is_signed_in(replay(app, session=old_session))
    assert is_signed_in(replay(app, remember_token=old_remember))

    event(victim, admin, accounts["editor"])

    assert not is_signed_in(replay(app, session=old_session))
    assert not is_signed_in(replay(app, remember_token=old_remember))
    assert not is_signed_in(replay(app, session=old_session, remember_token=old_remember))
    # Signing out ends this browser's session; the others end the account's every session.
    assert is_signed_in(other_browser) == (event is sign_out)
    # Changing your own password keeps you signed in here, with a new session.
    assert is_signed_in(victim) == (event is own_password_change)
    assert is_signed_in(admin)
    remaining = rows(app, UserSession, user_id=accounts["editor"])
    assert len(remaining) == (1 if event in (sign_out, own_password_change) else 0)


def test_an_admin_changing_their_own_role_stays_signed_in_only_here(app, accounts):
    make_user(app, "quantri2@example.org", "admin")
    here = app.test_client()
    sign_in(here, ADMIN_EMAIL, PASSWORD)
    elsewhere = signed_in_client(app, accounts["admin"])
    before = session_token(here)

    response = post_from_page(
        here,
        f"/admin/users/{accounts['admin']}",
        name="Quản Trị",
        email=ADMIN_EMAIL,
        role="editor",
        active="y",
    )

    assert response.status_code == 302
    assert is_signed_in(here) and session_token(here) != before
    assert not is_signed_in(elsewhere)
    assert not is_signed_in(replay(app, session=cookie(elsewhere, "session") or ""))


# -- what is stored ---------------------------------------------------------------------


def test_the_database_keeps_only_a_hash_of_the_token(app, accounts):
    client = app.test_client()
    sign_in(client, EMAIL, PASSWORD, remember=True, ip="198.51.100.20")
    token = session_token(client)

    (record,) = rows(app, UserSession)

    assert len(token) >= 40
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr([getattr(record, c.name) for c in UserSession.__table__.columns])
    # The remember-me cookie carries the same session token (not the account id).
    with app.app_context():
        assert decode_cookie(cookie(client, "remember_token")) == token
    assert (record.user_id, record.ip, record.remembered) == (
        accounts["editor"],
        "198.51.100.20",
        True,
    )


def test_a_cookie_with_an_account_id_signs_nobody_in(app, accounts):
    """What the cookie held before sessions were records: the account id."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(accounts["admin"])
        session["_fresh"] = True

    assert not is_signed_in(client)


# -- rotation ---------------------------------------------------------------------------


def test_the_session_rotates_at_sign_in(app, accounts):
    client = app.test_client()
    page = client.get("/dang-nhap").get_data(as_text=True)
    before_sign_in = cookie(client, "session")
    token_before = csrf_of(page)

    assert sign_in(client, EMAIL, PASSWORD).status_code == 302

    assert is_signed_in(client)
    assert cookie(client, "session") != before_sign_in
    assert not is_signed_in(replay(app, session=before_sign_in))
    # The CSRF token of the signed-out session is gone with it.
    refused = client.post("/dang-xuat", data={"csrf_token": token_before})
    assert refused.status_code == 400
    assert is_signed_in(client)


def test_signing_in_again_ends_the_previous_session_of_that_browser(app, accounts):
    client = app.test_client()
    sign_in(client, EMAIL, PASSWORD)
    first_cookie, first_token = cookie(client, "session"), session_token(client)

    token = csrf_of(client.get("/admin/").get_data(as_text=True))
    response = client.post(
        "/dang-nhap", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )

    assert response.status_code == 302
    assert session_token(client) != first_token
    assert len(rows(app, UserSession, user_id=accounts["editor"])) == 1
    assert not is_signed_in(replay(app, session=first_cookie))
    assert is_signed_in(client)


# -- lifetimes --------------------------------------------------------------------------


def test_idle_sessions_end_and_say_so(app, accounts):
    clock = Clock(app)
    client = app.test_client()
    sign_in(client, EMAIL, PASSWORD)

    clock.advance(minutes=119)
    assert is_signed_in(client)
    clock.advance(minutes=119)  # 238 minutes after signing in, but used 119 minutes ago
    assert is_signed_in(client)
    clock.advance(minutes=121)
    response = client.get("/admin/articles")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/dang-nhap"
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert SESSION_ENDED_MESSAGE in page
    # Said once: the next visit to the sign-in page is an ordinary one.
    assert SESSION_ENDED_MESSAGE not in text_of(client.get("/dang-nhap").get_data(as_text=True))


def test_idle_time_follows_the_configuration(app, accounts):
    clock = Clock(app)
    app.config["PORTAL_SESSION_IDLE_MINUTES"] = 10
    client = app.test_client()
    sign_in(client, EMAIL, PASSWORD)

    clock.advance(minutes=9)
    assert is_signed_in(client)
    clock.advance(minutes=10, seconds=1)
    assert not is_signed_in(client)


def test_sessions_end_after_the_longest_lifetime_even_when_in_use(app, accounts):
    clock = Clock(app)
    client = app.test_client()
    sign_in(client, EMAIL, PASSWORD)

    for _ in range(7):  # in use every 100 minutes: 11 h 40 min
        clock.advance(minutes=100)
        assert is_signed_in(client)
    clock.advance(minutes=21)  # 12 h 1 min after signing in

    assert not is_signed_in(client)


def test_remembered_sessions_last_their_days_and_no_longer(app, accounts):
    clock = Clock(app)
    client = app.test_client()
    sign_in(client, EMAIL, PASSWORD, remember=True)
    remember = cookie(client, "remember_token")

    clock.advance(days=3)  # idle far longer than a session, and the browser was closed
    assert is_signed_in(replay(app, remember_token=remember))
    assert is_signed_in(client)
    clock.advance(days=11, minutes=1)

    assert not is_signed_in(client)
    assert not is_signed_in(replay(app, remember_token=remember))


def test_last_seen_is_written_at_most_once_a_minute(app, accounts):
    clock = Clock(app)
    client = app.test_client()
    sign_in(client, EMAIL, PASSWORD, ip="198.51.100.20")

    clock.advance(seconds=50)
    with count_queries(app) as statements:
        assert (
            client.get("/admin/", environ_base={"REMOTE_ADDR": "198.51.100.21"}).status_code == 200
        )
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    session_lookups = [s for s in statements if "user_sessions" in s]
    assert len(session_lookups) == 1  # one indexed query per request
    (record,) = rows(app, UserSession)
    assert record.last_seen_at == START

    clock.advance(seconds=11)
    assert client.get("/admin/", environ_base={"REMOTE_ADDR": "198.51.100.21"}).status_code == 200

    (record,) = rows(app, UserSession)
    assert record.last_seen_at == clock.now
    assert record.ip == "198.51.100.21"


def test_ended_and_expired_records_are_purged_at_sign_in(app, accounts):
    clock = Clock(app)
    for _ in range(3):
        sign_in(app.test_client(), EMAIL, PASSWORD)
    remembered = app.test_client()
    sign_in(remembered, ADMIN_EMAIL, PASSWORD, remember=True)
    assert len(rows(app, UserSession)) == 4

    clock.advance(hours=3)
    sign_in(app.test_client(), EMAIL, PASSWORD)

    left = rows(app, UserSession)
    assert [(r.user_id, r.remembered) for r in left] == [
        (accounts["admin"], True),
        (accounts["editor"], False),
    ]


def test_a_post_after_the_session_ended_says_nothing_was_saved(app, accounts):
    clock = Clock(app)
    admin = app.test_client()
    sign_in(admin, ADMIN_EMAIL, PASSWORD)
    token = csrf_of(admin.get("/admin/categories/new").get_data(as_text=True))
    clock.advance(hours=3)
    before = site_state(app)

    response = admin.post(
        "/admin/categories/new",
        data={"csrf_token": token, "name": "Chuyên mục viết lúc hết phiên", "parent_id": "0"},
        headers={"Referer": "http://localhost/admin/categories/new"},
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/dang-nhap?next=")
    page = text_of(admin.get(response.headers["Location"]).get_data(as_text=True))
    assert "nội dung bạn vừa gửi CHƯA được lưu" in page
    assert site_state(app) == before


# -- admins end sessions ----------------------------------------------------------------


def end_sessions_on_user_page(admin, user_id, session_id=None):
    """Press "Kết thúc" on an account's page: one session, or all of them without an id."""
    data = {"session_id": session_id} if session_id is not None else {}
    return post_from_page(
        admin, f"/admin/users/{user_id}", f"/admin/users/{user_id}/sessions/end", **data
    )


def record_of(app, client) -> UserSession:
    digest = hashlib.sha256(session_token(client).encode()).hexdigest()
    (record,) = rows(app, UserSession, token_hash=digest)
    return record


def test_admin_sees_a_users_sessions_and_ends_one(app, accounts):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, EMAIL, PASSWORD, ip="198.51.100.20")
    phone_ua = (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36"
    )
    page = phone.get("/dang-nhap", headers={"User-Agent": phone_ua})
    phone.post(
        "/dang-nhap",
        data={
            "email": EMAIL,
            "password": PASSWORD,
            "csrf_token": csrf_of(page.get_data(as_text=True)),
        },
        headers={"User-Agent": phone_ua},
        environ_base={"REMOTE_ADDR": "203.0.113.5"},
    )
    admin = signed_in_client(app, accounts["admin"])

    html = text_of(admin.get(f"/admin/users/{accounts['editor']}").get_data(as_text=True))
    assert "Phiên đăng nhập đang mở" in html
    assert "Chrome 126 · Android 203.0.113.5" in html
    assert "198.51.100.20" in html
    assert "phiên này của bạn" not in html

    response = end_sessions_on_user_page(
        admin,
        accounts["editor"],
        session_id=str(record_of(app, phone).id),
    )

    assert response.status_code == 302
    ended = phone.get("/admin/")
    assert ended.status_code == 302
    assert SESSION_ENDED_MESSAGE in text_of(
        phone.get(ended.headers["Location"]).get_data(as_text=True)
    )
    assert is_signed_in(laptop)
    (entry,) = rows(app, AuditEntry, action="user.session_end")
    assert entry.subject_id == accounts["editor"]
    assert "Chrome 126 · Android" in entry.summary and "203.0.113.5" in entry.summary


def test_admin_ends_every_session_of_a_user(app, accounts):
    browsers = [app.test_client() for _ in range(3)]
    for browser in browsers:
        sign_in(browser, EMAIL, PASSWORD)
    admin = signed_in_client(app, accounts["admin"])

    response = end_sessions_on_user_page(admin, accounts["editor"])

    assert response.status_code == 302
    assert not any(is_signed_in(browser) for browser in browsers)
    (entry,) = rows(app, AuditEntry, action="user.sessions_end")
    assert "Kết thúc 3 phiên đăng nhập của bientap@example.org" in entry.summary
    assert is_signed_in(admin)


def test_an_admins_own_page_marks_this_browser_and_keeps_it(app, accounts):
    here = signed_in_client(app, accounts["admin"])
    elsewhere = signed_in_client(app, accounts["admin"])

    html = text_of(here.get(f"/admin/users/{accounts['admin']}").get_data(as_text=True))
    assert "phiên này của bạn" in html
    assert "Kết thúc mọi phiên khác (1)" in html

    refused = end_sessions_on_user_page(
        here,
        accounts["admin"],
        session_id=str(record_of(app, here).id),
    )
    assert refused.status_code == 302
    assert is_signed_in(here)
    end_sessions_on_user_page(here, accounts["admin"])

    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


@pytest.mark.parametrize("session_id", ["999999", "abc", "99999999999999999999", "-1"])
def test_ending_a_session_that_is_not_there_changes_nothing(app, accounts, session_id):
    signed_in_client(app, accounts["editor"])
    admin = signed_in_client(app, accounts["admin"])
    before = site_state(app)

    response = end_sessions_on_user_page(admin, accounts["editor"], session_id=session_id)

    assert response.status_code == 302
    page = text_of(admin.get(response.headers["Location"]).get_data(as_text=True))
    assert "Phiên đăng nhập này đã kết thúc từ trước; không có gì thay đổi." in page
    assert site_state(app) == before


def test_a_session_of_another_user_cannot_be_ended_through_this_user(app, accounts):
    admins_browser = signed_in_client(app, accounts["admin"])
    admin = signed_in_client(app, accounts["admin"])

    end_sessions_on_user_page(
        admin,
        accounts["editor"],
        session_id=str(record_of(app, admins_browser).id),
    )

    assert is_signed_in(admins_browser)


def test_sessions_are_shared_by_every_server_of_the_site(app_factory):
    first, second = app_factory(), app_factory()
    user_id = make_user(first, EMAIL, "editor")
    admin_id = make_user(first, ADMIN_EMAIL, "admin")
    browser = first.test_client()
    sign_in(browser, EMAIL, PASSWORD)
    # The same cookie is a signed-in session on the other server too.
    assert is_signed_in(replay(second, session=cookie(browser, "session")))

    admin = signed_in_client(second, admin_id)
    end_sessions_on_user_page(admin, user_id)

    assert not is_signed_in(browser)
    with first.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 1


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
            "Chrome 126 · Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
            "Edge 126 · Windows",
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox 128 · Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari 17 · iPhone",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            "Safari 17 · macOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/120.0.6099.224 Safari/537.36",
            "Chrome không giao diện 120 · Linux",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", "Không rõ"),
        ("x" * 500, "x" * 60),
    ],
)
def test_browsers_get_short_names(agent, label):
    assert browser_label(agent) == label
