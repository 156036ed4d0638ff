"""Slowing down password guessing: failed sign-ins counted per e-mail and per address.

Failures are rows of :class:`~portal.models.LoginAttempt`, so the limits hold
across workers and restarts on SQLite and PostgreSQL alike. Within a sliding
window (15 minutes by default) an e-mail may fail 5 times and a client
address 20 times; after that sign-in is refused without looking at the
password until enough failures have aged out. The refusal reads the same
whether or not an account exists for the e-mail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import LoginAttempt, utcnow


def _setting(name: str) -> int:
    """A limit from the configuration (defaults in portal/config.py)."""
    return int(current_app.config[name])


def window() -> timedelta:
    return timedelta(minutes=_setting("PORTAL_LOGIN_FAILURE_WINDOW_MINUTES"))


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


def _wait_for(times: list[datetime], limit: int, now: datetime) -> timedelta | None:
    """How long until fewer than ``limit`` of these failures are inside the window."""
    if limit <= 0 or len(times) < limit:
        return None
    # Once the (len - limit + 1) oldest failures have aged out, one more try is allowed.
    return times[len(times) - limit] + window() - now


def check(email: str, ip: str, now: datetime | None = None) -> Refusal | None:
    """A :class:`Refusal` if this e-mail or address has failed too often lately."""
    now = now or utcnow()
    since = now - window()
    by_email = list(
        db.session.scalars(
            select(LoginAttempt.at)
            .where(LoginAttempt.email == email, LoginAttempt.at > since)
            .order_by(LoginAttempt.at)
        )
    )
    by_ip = list(
        db.session.scalars(
            select(LoginAttempt.at)
            .where(LoginAttempt.ip == ip, LoginAttempt.at > since)
            .order_by(LoginAttempt.at)
        )
    )
    waits = [
        wait
        for wait in (
            _wait_for(by_email, _setting("PORTAL_LOGIN_MAX_FAILURES_PER_EMAIL"), now),
            _wait_for(by_ip, _setting("PORTAL_LOGIN_MAX_FAILURES_PER_IP"), now),
        )
        if wait is not None
    ]
    if not waits:
        return None
    return Refusal(wait_minutes=max(1, math.ceil(max(waits).total_seconds() / 60)))


def record_failure(email: str, ip: str) -> None:
    """Count a failed sign-in (the caller commits); forget failures older than the window."""
    now = utcnow()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - window()))
    db.session.add(LoginAttempt(email=email, ip=ip, at=now))


def clear(email: str) -> None:
    """Forget the failures of an e-mail (after it signed in, or its password was reset)."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
