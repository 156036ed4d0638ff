"""Accounts of the people who run the site."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
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

    @property
    def is_active(self) -> bool:  # flask-login: inactive users cannot sign in
        return self.active

    @property
    def is_editor(self) -> bool:
        """Editors and admins see block error boxes and unpublished previews."""
        return self.role in {"admin", "editor"}

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class LoginAttempt(db.Model):
    """A failed sign-in, kept for a while to slow down password guessing.

    Stored in the database (not in memory) so the limit holds across workers
    and restarts. ``email`` is what was typed, lower-cased, whether or not an
    account exists for it.
    """

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(300), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
