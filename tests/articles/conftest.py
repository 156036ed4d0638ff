"""Fixtures for the newsroom tests: a site with a category and an article page,
accounts of each role with signed-in clients, and helpers to post the article form
the way a browser does (CSRF token and version read from the page)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from admin.admin_helpers import client_signed_in_as, csrf_of, make_user
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, ArticleNote, ArticleRevision, AuditEntry, Tag
from portal.testing import sample_content
from portal.text import slugify


@pytest.fixture
def site(app):
    """The sample site (category "Thời sự", one published article, the article page)."""
    with app.app_context():
        created = sample_content()
        return {name: obj.id for name, obj in created.items()}


@pytest.fixture
def users(app):
    return {
        "author": make_user(app, "tacgia@example.org", "author", name="Tác Giả Một"),
        "other_author": make_user(app, "tacgia2@example.org", "author", name="Tác Giả Hai"),
        "editor": make_user(app, "bientap@example.org", "editor", name="Biên Tập Viên"),
        "admin": make_user(app, "quantri@example.org", "admin", name="Quản Trị"),
    }


@pytest.fixture
def clients(app, users):
    return {role: client_signed_in_as(app, user_id) for role, user_id in users.items()}


def make_article(app, *, created_by: int | None, status: str = "draft", **fields) -> int:
    """An article row in any state (as the workflow would have left it)."""
    with app.app_context():
        title = fields.get("title", "Bài thử nghiệm")
        values = {
            "title": title,
            "slug": f"{slugify(title)}-{db.session.query(Article).count() + 1}",
            "lead": "Sapo của bài.",
            "body_html": "<p>Nội dung ban đầu.</p>",
            "category_id": db.session.scalar(select(Article.category_id).limit(1)),
            "author": "Phóng viên",
        }
        values.update(fields)
        if status in ("published", "archived") and "published_at" not in values:
            values["published_at"] = datetime(2024, 5, 1, 3, 0, tzinfo=UTC)
        article = Article(status=status, created_by_id=created_by, **values)
        db.session.add(article)
        db.session.commit()
        return article.id


def load(app, article_id: int) -> Article | None:
    """A fresh copy of an article (detached, with tags and attachments loaded)."""
    with app.app_context():
        db.session.expire_all()
        article = db.session.get(Article, article_id)
        if article is None:
            return None
        _ = list(article.tags), list(article.attachments)
        db.session.expunge_all()
        return article


def revisions(app, article_id: int) -> list[ArticleRevision]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(ArticleRevision)
                .where(ArticleRevision.article_id == article_id)
                .order_by(ArticleRevision.number)
            )
        )
        db.session.expunge_all()
        return rows


def notes(app, article_id: int) -> list[ArticleNote]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(ArticleNote)
                .where(ArticleNote.article_id == article_id)
                .order_by(ArticleNote.id)
            )
        )
        db.session.expunge_all()
        return rows


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def tag_names(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Tag.name)))


VERSION_RE = re.compile(r'<input type="hidden" name="version" value="(\d+)">')


def form_of(client, url: str) -> tuple[str, str | None]:
    """The CSRF token and the article version of the form at ``url``."""
    html = client.get(url).get_data(as_text=True)
    found = VERSION_RE.search(html)
    return csrf_of(html), found.group(1) if found else None


def article_fields(category: int, **overrides) -> dict:
    """What the article form posts for a plain article (override any field)."""
    fields = {
        "title": "Khai mạc Lễ hội Lồng Tồng năm 2024",
        "slug": "",
        "lead": "Sáng nay, huyện Ba Bể khai mạc lễ hội xuống đồng.",
        "body": "<p>Lễ hội có nhiều hoạt động <strong>văn hóa</strong>.</p>",
        "category_id": str(category),
        "tags": "Lễ hội, Ba Bể",
        "author": "Hoàng Anh",
        "source": "",
        "publish_date": "",
        "publish_time": "",
        "image_alt": "",
        "image_caption": "",
        "image_id": "",
        "intent": "save",
    }
    fields.update(overrides)
    return fields


def post_article(client, url: str, fields: dict, *, version: str | None = None, files=None):
    """Post the article form at ``url`` as a browser would (token and version from the page)."""
    token, page_version = form_of(client, url)
    data = {"csrf_token": token, **fields}
    if version or page_version:
        data["version"] = version or page_version
    for name, value in (files or {}).items():
        data[name] = value
    return client.post(url, data=data, content_type="multipart/form-data")


def png_bytes(size=(64, 48), color=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
