"""Slowing down password guessing without handing anyone a way to lock the owner out.

Failures are rows of :class:`~portal.models.LoginAttempt` (e-mail typed,
client address, known-client id), so the limits hold across workers and
restarts on SQLite and PostgreSQL alike. Three limits apply:

* **One account from one client** (a browser known for the account, or else
  one address): ``PORTAL_LOGIN_FREE_FAILURES`` failures are free, then each
  further try waits 1, 2, 4 … minutes after the last failure, up to
  ``PORTAL_LOGIN_MAX_DELAY_MINUTES``. These failures count until the client
  signs in, or for ``PORTAL_LOGIN_DELAY_MEMORY_HOURS``.
* **One address, all accounts** (``PORTAL_LOGIN_MAX_FAILURES_PER_IP`` within
  ``PORTAL_LOGIN_FAILURE_WINDOW_MINUTES``): stops one address trying many
  accounts.
* **One account, all addresses** (``PORTAL_LOGIN_MAX_FAILURES_PER_EMAIL``
  within the window): stops guessing spread over many addresses.

The last two count, and apply to, clients that are not known for the account
only. A browser that signed in to the account before
(:mod:`portal.web.auth.known_clients`) is held back by its own failures alone, so
a stranger's failures — from any address — never keep the owner out. While a
limit holds, sign-in is refused without looking at the password; the refusal
says how long to wait, and reads the same whichever limit it was and whether
or not the account exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import LoginAttempt
from portal.web.auth import clock


def _setting(name: str) -> int:
    """A limit from the configuration (defaults in portal/config.py)."""
    return int(current_app.config[name])


def window() -> timedelta:
    """How long failures count towards the per-address and per-account limits."""
    return timedelta(minutes=_setting("PORTAL_LOGIN_FAILURE_WINDOW_MINUTES"))


def delay_memory() -> timedelta:
    """How long a client's failures keep its waits growing."""
    return timedelta(hours=_setting("PORTAL_LOGIN_DELAY_MEMORY_HOURS"))


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the e-mail typed (lower-cased), the client address, and the id
    of the browser if it is known for that account ("" for everyone else)."""

    email: str
    ip: str
    client: str = ""


@dataclass(frozen=True)
class Refusal:
    """Sign-in is refused for now; ``wait_minutes`` until it may be tried again."""

    wait_minutes: int

    @property
    def message(self) -> str:
        return (
            "Đăng nhập sai quá nhiều lần nên tạm thời bị khóa. "
            f"Hãy thử lại sau {self.wait_minutes} phút."
        )


def _own_failures(attempt: Attempt):
    """The failures that slow this client down for this account."""
    if attempt.client:
        return (LoginAttempt.email == attempt.email, LoginAttempt.client == attempt.client)
    return (
        LoginAttempt.email == attempt.email,
        LoginAttempt.ip == attempt.ip,
        LoginAttempt.client == "",
    )


def _times(conditions, since: datetime) -> list[datetime]:
    return list(
        db.session.scalars(
            select(LoginAttempt.at)
            .where(*conditions, LoginAttempt.at > since)
            .order_by(LoginAttempt.at)
        )
    )


def delay_after(failures: int) -> timedelta | None:
    """The wait after this many failures of one client: none for the free ones,
    then 1, 2, 4 … minutes up to the cap."""
    extra = failures - _setting("PORTAL_LOGIN_FREE_FAILURES")
    if extra < 0:
        return None
    cap = _setting("PORTAL_LOGIN_MAX_DELAY_MINUTES")
    return timedelta(minutes=min(2 ** min(extra, 30), cap))


def _progressive_wait(times: list[datetime], now: datetime) -> timedelta | None:
    delay = delay_after(len(times))
    return None if delay is None else times[-1] + delay - now


def _limit_wait(times: list[datetime], limit: int, now: datetime) -> timedelta | None:
    """How long until fewer than ``limit`` of these failures are inside the window."""
    if limit <= 0 or len(times) < limit:
        return None
    # Once the (len - limit + 1) oldest failures have aged out, one more try is allowed.
    return times[len(times) - limit] + window() - now


def check(attempt: Attempt, now: datetime | None = None) -> Refusal | None:
    """A :class:`Refusal` if this attempt must wait, else None."""
    now = now or clock.now()
    since = now - window()
    waits = [_progressive_wait(_times(_own_failures(attempt), now - delay_memory()), now)]
    if not attempt.client:
        by_ip = (LoginAttempt.ip == attempt.ip, LoginAttempt.client == "")
        by_email = (LoginAttempt.email == attempt.email, LoginAttempt.client == "")
        waits.append(
            _limit_wait(_times(by_ip, since), _setting("PORTAL_LOGIN_MAX_FAILURES_PER_IP"), now)
        )
        waits.append(
            _limit_wait(
                _times(by_email, since), _setting("PORTAL_LOGIN_MAX_FAILURES_PER_EMAIL"), now
            )
        )
    longest = max((wait for wait in waits if wait is not None), default=None)
    if longest is None or longest <= timedelta(0):
        return None
    return Refusal(wait_minutes=max(1, math.ceil(longest.total_seconds() / 60)))


def record_failure(attempt: Attempt, now: datetime | None = None) -> None:
    """Count a failed sign-in (in the caller's unit of work); forget failures that no longer count."""
    now = now or clock.now()
    oldest = now - max(window(), delay_memory())
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at <= oldest))
    db.session.add(
        LoginAttempt(email=attempt.email, ip=attempt.ip[:64], client=attempt.client, at=now)
    )


def count_failure(attempt: Attempt) -> None:
    """Count a failed sign-in and commit it at once, whatever the request does next.

    Its own unit of work: throttle state is no content, so it has no event and
    no audit entry.
    """
    with unit_of_work(Actor(ip=attempt.ip)):
        record_failure(attempt)


def forget(attempt: Attempt) -> None:
    """After a successful sign-in: forget this client's own failures for the account.

    Other clients' failures stay: an attacker's waits do not end because the
    owner signed in.
    """
    db.session.execute(delete(LoginAttempt).where(*_own_failures(attempt)))


# -- requests that send e-mail (password resets) ---------------------------------------------

#: ``LoginAttempt.client`` of a password-reset request (never a sign-in client id).
RESET_REQUEST = "reset-request"
#: ``LoginAttempt.client`` of a wrong code at the second step of signing in.
SECOND_STEP = "second-step"


def check_reset_request(email: str, ip: str, now: datetime | None = None) -> Refusal | None:
    """A :class:`Refusal` when this address typed, or this client address, asked for
    password-reset links too often within the window (whether or not an account exists)."""
    now = now or clock.now()
    since = now - window()
    by_email = (LoginAttempt.email == email, LoginAttempt.client == RESET_REQUEST)
    by_ip = (LoginAttempt.ip == ip, LoginAttempt.client == RESET_REQUEST)
    waits = [
        _limit_wait(_times(by_email, since), _setting("PORTAL_PASSWORD_RESET_PER_EMAIL"), now),
        _limit_wait(_times(by_ip, since), _setting("PORTAL_PASSWORD_RESET_PER_IP"), now),
    ]
    longest = max((wait for wait in waits if wait is not None), default=None)
    if longest is None or longest <= timedelta(0):
        return None
    return Refusal(wait_minutes=max(1, math.ceil(longest.total_seconds() / 60)))


def reset_request_refusal_message(refusal: Refusal) -> str:
    return (
        "Bạn đã yêu cầu đặt lại mật khẩu quá nhiều lần. "
        f"Hãy thử lại sau {refusal.wait_minutes} phút."
    )


def second_step_attempt(email: str, ip: str) -> Attempt:
    """The throttle's view of the second step for one account: its own failures, from any
    address (whoever is there already knew the password)."""
    return Attempt(email=email.lower(), ip=ip, client=SECOND_STEP)
