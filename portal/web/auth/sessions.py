"""Server-side records of sign-ins: what makes a signed-in cookie revocable.

Every sign-in creates a :class:`~portal.models.UserSession` and gives the
browser a random token. The session cookie and the remember-me cookie carry
that token (Flask-Login's "alternative token": ``User.get_id()`` returns it)
and the row keeps only its SHA-256. Every request looks the token up (one
indexed query, joined with the account), so deleting the row signs that
browser out on its next request, remember-me cookie included. Sign-out ends
the browser's own row; a password change or reset, a role change and
deactivation end every row of the account; admins can end any.

Lifetimes come from the row, not from cookie expiry: a session ends
``PORTAL_SESSION_IDLE_MINUTES`` after its last request or
``PORTAL_SESSION_MAX_HOURS`` after signing in, whichever is first; a
remembered one ``PORTAL_SESSION_REMEMBER_DAYS`` after signing in.
``last_seen_at`` is written at most once a minute, so reading pages does not
write on every request. Rows past their lifetime are deleted at each sign-in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context, request
from sqlalchemy import and_, delete, or_, select

from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import User, UserSession
from portal.web.auth import clock

#: Random bytes in a token (its text is about 43 characters).
TOKEN_BYTES = 32
#: Longest token text looked up; anything longer is not one of ours.
MAX_TOKEN_LENGTH = 100
#: ``last_seen_at`` is written when it is at least this old.
TOUCH_EVERY = timedelta(minutes=1)


def token_digest(token: str) -> str:
    """What the database keeps of a token: its SHA-256 (a stolen copy signs nobody in)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _idle() -> timedelta:
    return timedelta(minutes=int(current_app.config["PORTAL_SESSION_IDLE_MINUTES"]))


def _longest() -> timedelta:
    return timedelta(hours=int(current_app.config["PORTAL_SESSION_MAX_HOURS"]))


def remember_duration() -> timedelta:
    """How long a "remember me" session (and its cookie) lasts."""
    return timedelta(days=int(current_app.config["PORTAL_SESSION_REMEMBER_DAYS"]))


def expires_at(record: UserSession) -> datetime:
    """When this session ends unless it is used again (remembered: a fixed day)."""
    if record.remembered:
        return record.created_at + remember_duration()
    return min(record.last_seen_at + _idle(), record.created_at + _longest())


def _client_address() -> str:
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def start(user: User, *, remembered: bool) -> str:
    """Record a sign-in of ``user`` from this request's browser; return its token.

    Inside the caller's unit of work. Sessions past their lifetime (anyone's) are deleted
    on the way, so the table stays small without a scheduled job.
    """
    now = clock.now()
    purge_expired(now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    agent = request.headers.get("User-Agent", "") if has_request_context() else ""
    record = UserSession(
        token_hash=token_digest(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        ip=_client_address(),
        user_agent=browser_label(agent),
        remembered=remembered,
    )
    db.session.add(record)
    user.session_token = token
    user.session_record = record
    return token


def resolve(token: str) -> User | None:
    """The active account this token signs in, or None (unknown, ended or expired).

    Marks the row as seen (at most once a minute); :func:`save_seen` commits that.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_digest(token))
    ).first()
    if row is None:
        return None
    record, user = row
    now = clock.now()
    if not user.active or expires_at(record) <= now:
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        record.last_seen_at = now
        record.ip = _client_address() or record.ip
        if has_request_context():
            g.portal_session_touched = True
    user.session_token = token
    user.session_record = record
    return user


def save_seen() -> None:
    """Commit the "last seen" mark of this request's session, if it made one.

    Before the view runs, in a unit of work of its own (no audit entry, no
    content event), so the view's own change never carries it.
    """
    if not g.pop("portal_session_touched", False):
        return
    with unit_of_work(Actor.system("Phiên đăng nhập")):
        pass  # the mark is already in the database session; leaving the unit commits it


def end(record: UserSession) -> None:
    """Sign one browser out (inside the caller's unit of work); ending it twice is harmless."""
    db.session.execute(delete(UserSession).where(UserSession.id == record.id))


def find_active(user: User, session_id: str) -> UserSession | None:
    """The unexpired session of ``user`` whose id a form sent, or None."""
    session_id = session_id.strip()
    if not (session_id.isdigit() and len(session_id) <= 9):
        return None
    record = db.session.get(UserSession, int(session_id))
    if record is None or record.user_id != user.id or expires_at(record) <= clock.now():
        return None
    return record


def active_sessions(user_id: int) -> list[UserSession]:
    """The account's sessions that have not expired, most recently used first."""
    now = clock.now()
    records = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [record for record in records if expires_at(record) > now]


def purge_expired(now: datetime | None = None) -> None:
    """Delete every session past its lifetime (inside the caller's unit of work)."""
    now = now or clock.now()
    db.session.execute(
        delete(UserSession).where(
            or_(
                and_(
                    UserSession.remembered.is_(True),
                    UserSession.created_at <= now - remember_duration(),
                ),
                and_(
                    UserSession.remembered.is_(False),
                    or_(
                        UserSession.last_seen_at <= now - _idle(),
                        UserSession.created_at <= now - _longest(),
                    ),
                ),
            )
        )
    )


#: (pattern, name) of browsers, most specific first: Edge and Opera also say "Chrome".
_BROWSERS = (
    (r"Edg(?:e|A|iOS)?/(\d+)", "Edge"),
    (r"OPR/(\d+)", "Opera"),
    (r"(?:Firefox|FxiOS)/(\d+)", "Firefox"),
    (r"HeadlessChrome/(\d+)", "Chrome không giao diện"),
    (r"(?:Chrome|CriOS)/(\d+)", "Chrome"),
    (r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/", "Safari"),
)
#: (text, name) of systems; phones first: Android says "Linux", iOS says "Mac OS X".
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str) -> str:
    """A short name for a browser, e.g. "Chrome 126 · Windows", for the sessions list."""
    browser = next(
        (
            f"{name} {found.group(1)}"
            for pattern, name in _BROWSERS
            if (found := re.search(pattern, user_agent))
        ),
        None,
    )
    system = next((name for text, name in _SYSTEMS if text in user_agent), None)
    if browser is None:
        # Not a browser we name: the first product of the header, e.g. "curl/8.5.0".
        browser = user_agent.split(" ", 1)[0][:60] if user_agent.strip() else "Không rõ"
    return f"{browser} · {system}"[:120] if system else browser[:120]
