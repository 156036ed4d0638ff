"""The sign-in throttle slows guessing down but cannot be used to lock the owner out
(issue 15, item 4): per account and client with progressive waits, per address, per
account for unknown clients only; database-backed, so every server agrees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from admin.admin_helpers import PASSWORD, csrf_of, make_user, sign_in, text_of

from portal.extensions import db
from portal.models import LoginAttempt, User
from portal.web.auth import known_clients, throttle

from .sign_in_helpers import START, Clock, cookie, replay, rows

EMAIL = "quantri@example.org"
WRONG = "mat-khau-sai-123"
OWNER_HOME = "192.0.2.10"
ATTACKER = "203.0.113.66"
REFUSED = "Đăng nhập sai quá nhiều lần nên tạm thời bị khóa."


@pytest.fixture
def admin_account(app):
    return make_user(app, EMAIL, "admin")


@pytest.fixture
def clock(app):
    return Clock(app)


def sign_out(browser) -> None:
    token = csrf_of(browser.get("/admin/").get_data(as_text=True))
    assert browser.post("/dang-xuat", data={"csrf_token": token}).status_code == 302


def known_browser(app, ip=OWNER_HOME):
    """The owner's browser: it signed in once (and signed out again), so it is known."""
    browser = app.test_client()
    assert sign_in(browser, EMAIL, PASSWORD, ip=ip).status_code == 302
    sign_out(browser)
    assert cookie(browser, known_clients.COOKIE_NAME, path="/dang-nhap")
    return browser


def lock_the_account_for_strangers(app) -> None:
    """Failures from ten addresses: up to the per-account limit for unknown clients."""
    for number in range(10):
        response = sign_in(app.test_client(), EMAIL, WRONG, ip=f"198.51.100.{number}")
        assert response.status_code in (422, 429)
    wait_in(sign_in(app.test_client(), EMAIL, PASSWORD, ip="198.51.100.250"))


def wait_in(response) -> str:
    """The refusal as a reader sees it."""
    assert response.status_code == 429, response.status_code
    text = text_of(response.get_data(as_text=True))
    assert REFUSED in text
    return text


def failures(app, **where) -> int:
    return len(rows(app, LoginAttempt, **where))


# -- the attack from the issue ---------------------------------------------------------


def test_strangers_failures_never_keep_the_owners_browser_out(app, admin_account, clock):
    owner = known_browser(app)
    attacker = app.test_client()

    statuses = [sign_in(attacker, EMAIL, WRONG, ip=ATTACKER).status_code for _ in range(6)]

    assert statuses == [422, 422, 422, 429, 429, 429]
    # The attacker, even with the right password, waits.
    wait_in(sign_in(attacker, EMAIL, PASSWORD, ip=ATTACKER))
    wait_in(sign_in(app.test_client(), EMAIL, PASSWORD, ip=ATTACKER))
    # The owner's browser signs in at once — from home, or from the attacker's address.
    assert sign_in(owner, EMAIL, PASSWORD, ip=OWNER_HOME).status_code == 302
    sign_out(owner)
    assert sign_in(owner, EMAIL, PASSWORD, ip=ATTACKER).status_code == 302
    # And signing in lifted nothing for the attacker.
    wait_in(sign_in(attacker, EMAIL, PASSWORD, ip=ATTACKER))


def test_guessing_spread_over_many_addresses_locks_unknown_clients_only(app, admin_account, clock):
    owner = known_browser(app)
    lock_the_account_for_strangers(app)

    text = wait_in(sign_in(app.test_client(), EMAIL, PASSWORD, ip="198.51.100.200"))
    assert "Hãy thử lại sau 60 phút." in text  # until the oldest failure ages out
    assert sign_in(owner, EMAIL, PASSWORD, ip="198.51.100.201").status_code == 302
    clock.advance(minutes=60, seconds=1)
    assert sign_in(app.test_client(), EMAIL, PASSWORD, ip="198.51.100.200").status_code == 302


def test_the_known_browsers_own_failures_still_slow_it_down(app, admin_account, clock):
    owner = known_browser(app)
    for _ in range(3):
        assert sign_in(owner, EMAIL, WRONG).status_code == 422

    assert "Hãy thử lại sau 1 phút." in wait_in(sign_in(owner, EMAIL, PASSWORD))
    # Counted for that browser alone: a stranger at the same address is not slowed by it.
    assert failures(app, ip=OWNER_HOME, client="") == 0
    stranger = app.test_client()
    assert sign_in(stranger, EMAIL, WRONG, ip=OWNER_HOME).status_code == 422
    clock.advance(minutes=1)
    assert sign_in(owner, EMAIL, PASSWORD).status_code == 302


def test_a_forged_or_foreign_proof_is_not_a_known_client(app, admin_account, clock):
    make_user(app, "bientap@example.org", "editor")
    editors_browser = app.test_client()
    sign_in(editors_browser, "bientap@example.org", PASSWORD)
    proof = cookie(editors_browser, known_clients.COOKIE_NAME, path="/dang-nhap")
    _user_id, client, issued, tag = proof.split(".")
    owner = known_browser(app)
    owners = cookie(owner, known_clients.COOKIE_NAME, path="/dang-nhap")
    lock_the_account_for_strangers(app)

    for value in (
        proof,  # the editor's: another account
        f"{admin_account}.{client}.{issued}.{tag}",  # the editor's tag on the admin's id
        f"{admin_account}.{'0' * 16}.{issued}.{'0' * 32}",
        owners[:-1] + ("1" if owners[-1] != "1" else "2"),  # the owner's, one digit changed
        "rac-khong-hop-le",
    ):
        attacker = app.test_client()
        attacker.set_cookie(known_clients.COOKIE_NAME, value, path="/dang-nhap")
        wait_in(sign_in(attacker, EMAIL, PASSWORD, ip=ATTACKER))
    # The real proof passes (so the refusals above are about the proofs).
    assert sign_in(owner, EMAIL, PASSWORD, ip=ATTACKER).status_code == 302


def test_a_password_change_makes_known_browsers_strangers_again(app, admin_account, clock):
    owner = known_browser(app)
    with app.app_context():
        user = db.session.get(User, admin_account)
        user.set_password("mat-khau-moi-dai-2")
        db.session.commit()
    lock_the_account_for_strangers(app)

    refusal = sign_in(owner, EMAIL, "mat-khau-moi-dai-2")
    assert refusal.status_code == 429  # the old proof no longer vouches for this browser
    assert REFUSED in wait_in(refusal)


def test_known_browsers_expire(app, admin_account, clock):
    owner = known_browser(app)
    clock.advance(days=181)
    lock_the_account_for_strangers(app)

    refusal = sign_in(owner, EMAIL, PASSWORD)
    assert refusal.status_code == 429  # a proof older than its lifetime counts for nothing
    assert REFUSED in wait_in(refusal)


# -- progressive waits -----------------------------------------------------------------


def test_waits_grow_for_one_account_from_one_address(app, admin_account, clock):
    attacker = app.test_client()
    for _ in range(3):  # free
        assert sign_in(attacker, EMAIL, WRONG, ip=ATTACKER).status_code == 422

    for minutes in (1, 2, 4, 8, 16, 30, 30):
        text = wait_in(sign_in(attacker, EMAIL, PASSWORD, ip=ATTACKER))
        assert f"Hãy thử lại sau {minutes} phút." in text
        clock.advance(minutes=minutes - 1, seconds=59)
        wait_in(sign_in(attacker, EMAIL, PASSWORD, ip=ATTACKER))  # not yet
        clock.advance(seconds=1)
        assert sign_in(attacker, EMAIL, WRONG, ip=ATTACKER).status_code == 422

    # Other accounts from that address, and this account from elsewhere, are not slowed.
    make_user(app, "bientap@example.org", "editor")
    assert sign_in(attacker, "bientap@example.org", PASSWORD, ip=ATTACKER).status_code == 302
    assert sign_in(app.test_client(), EMAIL, PASSWORD, ip=OWNER_HOME).status_code == 302


def test_the_delays_follow_the_configuration(app, clock):
    with app.app_context():
        app.config.update(PORTAL_LOGIN_FREE_FAILURES=1, PORTAL_LOGIN_MAX_DELAY_MINUTES=5)
        assert [throttle.delay_after(n) for n in range(6)] == [
            None,
            timedelta(minutes=1),
            timedelta(minutes=2),
            timedelta(minutes=4),
            timedelta(minutes=5),
            timedelta(minutes=5),
        ]


def test_a_clients_failures_count_for_a_day(app, admin_account, clock):
    attacker = app.test_client()
    for _ in range(4):
        assert sign_in(attacker, EMAIL, WRONG, ip=ATTACKER).status_code == 422
        clock.advance(minutes=1)
    clock.advance(hours=23)
    # Hours later the waits go on growing from where they were (2 minutes were due, now 4).
    assert sign_in(attacker, EMAIL, WRONG, ip=ATTACKER).status_code == 422
    assert "Hãy thử lại sau 4 phút." in wait_in(sign_in(attacker, EMAIL, PASSWORD, ip=ATTACKER))
    clock.advance(hours=24, seconds=1)

    assert sign_in(attacker, EMAIL, WRONG, ip=ATTACKER).status_code == 422
    # The old rows were deleted on the way; one failure is free again.
    assert failures(app) == 1
    assert sign_in(attacker, EMAIL, PASSWORD, ip=ATTACKER).status_code == 302


def test_the_wait_is_counted_from_the_failures_that_must_age_out(app):
    with app.app_context(), app.test_request_context():
        for minute in range(0, 20, 2):  # ten failures of strangers, 08:00 … 08:18
            db.session.add(
                LoginAttempt(email=EMAIL, ip=f"x{minute}", at=START + timedelta(minutes=minute))
            )
        db.session.commit()
        attempt = throttle.Attempt(email=EMAIL, ip="y")

        refusal = throttle.check(attempt, now=START + timedelta(minutes=18, seconds=30))
        assert refusal.wait_minutes == 42  # 08:00 + 60 min, from 08:18:30, rounded up
        assert "Hãy thử lại sau 42 phút." in refusal.message
        assert throttle.check(attempt, now=START + timedelta(minutes=60, seconds=1)) is None
        assert throttle.check(throttle.Attempt(email="khac@example.org", ip="y"), now=START) is None
        known = throttle.Attempt(email=EMAIL, ip="y", client="k0123456789abcdef")
        assert throttle.check(known, now=START + timedelta(minutes=19)) is None


# -- per address -----------------------------------------------------------------------


def test_twenty_failures_from_one_address_lock_that_address(app, admin_account, clock):
    owner = known_browser(app)
    attacker = app.test_client()
    for number in range(20):
        response = sign_in(attacker, f"doan-{number}@example.org", WRONG, ip=ATTACKER)
        assert response.status_code == 422

    wait_in(sign_in(attacker, EMAIL, PASSWORD, ip=ATTACKER))
    assert failures(app, ip=ATTACKER) == 20
    # The account is fine from anywhere else, and for its own browser at that address.
    assert sign_in(app.test_client(), EMAIL, PASSWORD, ip="203.0.113.8").status_code == 302
    assert sign_in(owner, EMAIL, PASSWORD, ip=ATTACKER).status_code == 302


# -- what the refusal says -------------------------------------------------------------


def test_the_refusal_does_not_tell_whether_the_account_exists(app, admin_account, clock):
    answers = []
    for email in (EMAIL, "khong-co@example.org"):
        client = app.test_client()
        for _ in range(3):
            sign_in(client, email, WRONG, ip=ATTACKER)
        answers.append(
            text_of(sign_in(client, email, PASSWORD, ip=ATTACKER).get_data(as_text=True))
        )

    assert answers[0] == answers[1]
    assert "Hãy thử lại sau 1 phút." in answers[0]


def test_the_refusal_names_no_limit(app, admin_account, clock):
    by_account = app.test_client()
    for _ in range(3):
        sign_in(by_account, EMAIL, WRONG, ip=ATTACKER)
    for number in range(20):
        sign_in(app.test_client(), f"doan-{number}@example.org", WRONG, ip="203.0.113.99")

    own = wait_in(sign_in(by_account, EMAIL, PASSWORD, ip=ATTACKER))
    address = wait_in(sign_in(app.test_client(), EMAIL, PASSWORD, ip="203.0.113.99"))

    strip = lambda text: text.split("Hãy thử lại sau")[0]  # noqa: E731
    assert strip(own) == strip(address)


def test_signing_in_forgets_only_this_clients_failures(app, admin_account, clock):
    owner = app.test_client()
    for _ in range(2):
        sign_in(owner, EMAIL, WRONG, ip=OWNER_HOME)
    sign_in(app.test_client(), EMAIL, WRONG, ip=ATTACKER)

    assert sign_in(owner, EMAIL, PASSWORD, ip=OWNER_HOME).status_code == 302

    assert failures(app, ip=OWNER_HOME) == 0
    assert failures(app, ip=ATTACKER) == 1


# -- across servers --------------------------------------------------------------------


def test_the_throttle_and_known_browsers_hold_across_servers(app_factory):
    first, second = app_factory(), app_factory()
    for app in (first, second):
        Clock(app)
    make_user(first, EMAIL, "admin")
    owner = known_browser(first)
    attacker_first, attacker_second = first.test_client(), second.test_client()

    for _ in range(3):
        assert sign_in(attacker_first, EMAIL, WRONG, ip=ATTACKER).status_code == 422

    # The other server knows the failures …
    wait_in(sign_in(attacker_second, EMAIL, PASSWORD, ip=ATTACKER))
    # … and honours the known-client proof the first server gave.
    on_second = replay(second)
    on_second.set_cookie(
        known_clients.COOKIE_NAME,
        cookie(owner, known_clients.COOKIE_NAME, path="/dang-nhap"),
        path="/dang-nhap",
    )
    lock_the_account_for_strangers(second)
    wait_in(sign_in(second.test_client(), EMAIL, PASSWORD, ip=OWNER_HOME))
    assert sign_in(on_second, EMAIL, PASSWORD, ip=OWNER_HOME).status_code == 302
