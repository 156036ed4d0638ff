"""Accounts of the people who run the site."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

ROLES = ("admin", "editor", "author")
#: How roles are called on screen.
ROLE_LABELS = {"admin": "Quản trị viên", "editor": "Biên tập viên", "author": "Tác giả"}


class User(UserMixin, db.Model):
    """A person who runs the site: ``admin`` (everything), ``editor`` (content and
    publishing) or ``author`` (own drafts). Inactive accounts cannot sign in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="author")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    #: Set for the signed-in account of a request by :mod:`portal.web.auth.sessions`:
    #: the session token of this request and its record (never stored on the row).
    session_token = None
    session_record = None

    @property
    def is_active(self) -> bool:  # flask-login: inactive users cannot sign in
        return self.active

    def get_id(self) -> str:
        """Flask-Login's "alternative token": the session token, not the account id,
        goes into the session and remember-me cookies, so ending the session record
        ends both (portal/auth/sessions.py)."""
        if not self.session_token:
            raise RuntimeError("sign in through portal.auth.sessions, which issues a token")
        return self.session_token

    # The same account is the same account; get_id() is a per-sign-in token.
    def __eq__(self, other) -> bool:
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    def __ne__(self, other) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    @property
    def is_editor(self) -> bool:
        """Editors and admins see block error boxes and unpublished previews."""
        return self.role in {"admin", "editor"}

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class UserSession(db.Model):
    """One signed-in browser of an account; deleting the row signs that browser out.

    The browser holds a random token (in the session cookie and, with
    "remember me", the remember-me cookie); the row keeps only its SHA-256, so
    a copy of the database signs nobody in. Sessions belong to one
    installation and are never exported.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The client address it was last used from.
    ip: Mapped[str] = mapped_column(String(64), default="")
    #: A short label of the browser, e.g. "Chrome 126 · Windows".
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    #: Signed in with "remember me": lasts days, not hours.
    remembered: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """A failed sign-in, kept for a while to slow down password guessing.

    Stored in the database (not in memory) so the limit holds across workers
    and restarts. ``email`` is what was typed, lower-cased, whether or not an
    account exists for it. ``client`` names a client known for the account
    (a browser that signed in to it before) and is empty for everyone else, so
    that failures of strangers never slow down the owner's own browser.
    """

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(300), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(40), default="", server_default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AccountToken(db.Model):
    """A single-use link sent by e-mail: a password reset or an invitation.

    The link carries a random token; the row keeps only its SHA-256, so a copy
    of the database opens no link. ``purpose`` is ``reset`` (``user_id`` set)
    or ``invite`` (``email`` and ``role`` of the account to create). A used,
    replaced or expired link's row is deleted. Tokens belong to one
    installation and are never exported.
    """

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    #: The invited address (lower-cased); for a reset, the account's address when sent.
    email: Mapped[str] = mapped_column(String(300), index=True, default="")
    #: The role an invitation gives ("" for a reset).
    role: Mapped[str] = mapped_column(String(20), default="")
    #: The name the inviting admin suggested ("" for a reset or none).
    name: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserTotp(db.Model):
    """An account's authenticator app (TOTP, RFC 6238): the second step of signing in.

    ``confirmed_at`` is None while the owner is setting it up (the secret shown,
    no code typed back yet); only a confirmed one is asked for at sign-in.
    ``last_step`` is the time step of the last code accepted, so a code cannot be
    used twice within its window.
    """

    __tablename__ = "user_totp"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app (SHA-256 kept only)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SavedFilter(db.Model):
    """A set of filters of an admin list that one account saved under a name (migration 0018).

    ``screen`` names the list (``"articles"``); ``query`` is the list's query
    string without its paging (``status=review&sort=title``), so opening the
    saved filter is opening that URL. Each account sees only its own.
    """

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "screen", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    screen: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
