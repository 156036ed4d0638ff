"""Fixtures for the media and attachment tests: folders to look into, rows to count,
signed-in clients per role, an article to attach things to."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment, MediaImage, User
from portal.testing import sample_content, signed_in_client

PASSWORD = "mat-khau-dai-1"


def files_under(folder: Path) -> list[Path]:
    """Every file below ``folder`` (none when it does not exist)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def media_folder(app) -> Path:
    return Path(app.instance_path) / app.config["PORTAL_MEDIA_DIR"]


def attachments_folder(app) -> Path:
    return Path(app.instance_path) / app.config["PORTAL_ATTACHMENTS_DIR"]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def left_behind(app) -> dict:
    """What uploads left: files in both folders, rows in both tables."""
    return {
        "media files": files_under(media_folder(app)),
        "attachment files": files_under(attachments_folder(app)),
        "media rows": count(app, MediaImage),
        "attachment rows": count(app, Attachment),
    }


NOTHING = {"media files": [], "attachment files": [], "media rows": 0, "attachment rows": 0}

CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


@functools.cache
def password_hash() -> str:
    """Hashed once: hashing is slow on purpose, and these clients never type it."""
    user = User()
    user.set_password(PASSWORD)
    return user.password_hash


def make_user(app, email: str, role: str, name: str | None = None) -> int:
    with app.app_context():
        user = User(email=email, name=name or email.split("@")[0].title(), role=role)
        user.password_hash = password_hash()
        db.session.add(user)
        db.session.commit()
        return user.id


def signed_in(app, user_id: int):
    return signed_in_client(app, user_id)


@pytest.fixture
def users(app) -> dict[str, int]:
    return {
        "admin": make_user(app, "quantri@example.org", "admin", "Quản Trị"),
        "editor": make_user(app, "bientap@example.org", "editor", "Biên Tập"),
        "author": make_user(app, "tacgia@example.org", "author", "Tác Giả Một"),
        "other_author": make_user(app, "tacgia2@example.org", "author", "Tác Giả Hai"),
    }


@pytest.fixture
def clients(app, users) -> dict:
    return {role: signed_in(app, user_id) for role, user_id in users.items()}


@pytest.fixture
def site(app) -> dict[str, int]:
    """A category, one published article and the pages that show it (ids)."""
    with app.app_context():
        created = sample_content()
        return {name: obj.id for name, obj in created.items()}
