"""Fixtures of the documents tests: an app with the documents plugin, accounts by role, lists."""

from __future__ import annotations

import os
import re
from datetime import date
from types import SimpleNamespace

import pytest

import blocks.documents
from blocks.documents.models import Document, DocumentType, Field, Issuer
from blocks.documents.validation import DocumentValues
from blocks.documents.workflow import save_document
from portal import db
from portal.config import database_uri
from portal.models import User
from portal.testing import make_app, signed_in_client

CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def database_urls():
    """SQLite always; PostgreSQL when the test database is configured.

    The variable is read here rather than imported from the top conftest: each
    folder's conftest is a module called ``conftest``, so that import may find
    another one (tests/conftest.py gives this worker its own database first).
    """
    urls = [pytest.param(None, id="sqlite")]
    postgres = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if postgres:
        urls.append(
            pytest.param(database_uri(postgres), id="postgresql", marks=pytest.mark.postgres)
        )
    return urls


def documents_app(tmp_path, database_url=None):
    """An app with the documents plugin and nothing else but the layouts (quick to build)."""
    return make_app(
        database_url=database_url,
        plugins=[("documents", blocks.documents)],
        autoload=False,
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture
def docs_app(tmp_path):
    app = documents_app(tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def seed_lists(app) -> SimpleNamespace:
    """Two types, two issuers, one field; their ids."""
    with app.app_context():
        rows = [
            DocumentType(name="Chỉ thị", slug="chi-thi", position=1),
            DocumentType(name="Quyết định", slug="quyet-dinh", position=2),
            Issuer(name="Tỉnh ủy", slug="tinh-uy", position=1),
            Issuer(name="UBND tỉnh Bắc Kạn", slug="ubnd-tinh-bac-kan", position=2),
            Field(name="Giáo dục", slug="giao-duc", position=1),
        ]
        db.session.add_all(rows)
        db.session.commit()
        return SimpleNamespace(
            chi_thi=rows[0].id, quyet_dinh=rows[1].id, tinh_uy=rows[2].id,
            ubnd=rows[3].id, giao_duc=rows[4].id,
        )  # fmt: skip


@pytest.fixture
def lists(docs_app):
    return seed_lists(docs_app)


def user(app, user_id: int) -> User:
    return db.session.get(User, user_id)


def make_user(app, role: str) -> int:
    """An active account with ``role`` (no usable password: tests sign in through the session)."""
    with app.app_context():
        account = User(email=f"{role}@example.org", name=f"Thử nghiệm ({role})", role=role,
                       active=True, password_hash="!")  # fmt: skip
        db.session.add(account)
        db.session.commit()
        return account.id


@pytest.fixture
def accounts(docs_app):
    return SimpleNamespace(
        **{role: make_user(docs_app, role) for role in ("admin", "editor", "author")}
    )


def client_for(app, user_id: int):
    return signed_in_client(app, user_id)


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def values(lists, **changes) -> DocumentValues:
    base = dict(
        type_id=lists.chi_thi,
        number="30-CT/TW",
        issuer_id=lists.tinh_uy,
        signer="Nguyễn Văn A",
        issued_on=date(2024, 3, 5),
        summary="Về tăng cường công tác cải cách hành chính",
    )
    base.update(changes)
    return DocumentValues(**base)


def create_document(app, lists, user_id: int, **changes) -> int:
    with app.app_context():
        document = save_document(None, values(lists, **changes), user(app, user_id))
        return document.id


def get_document(app, document_id: int) -> Document | None:
    return db.session.get(Document, document_id)
