"""The core's content kind in the search index: articles."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article
from portal.search import SearchDocument, SearchProvider
from portal.text import plain_text

ARTICLE_KIND = "article"
#: Articles read per page while streaming every public article (keyset pages).
PAGE_SIZE = 500


def article_path(article_id: int, slug: str, language: str = "vi") -> str:
    """The article's path on this site (``/bai-viet/12-bac-kan``, ``/en/article/...``), without a request."""
    values = {"article_id": article_id}
    if slug:
        values["slug"] = slug
    adapter = current_app.url_map.bind("localhost", script_name="/")
    endpoint = "reader.english_article" if language == "en" else "reader.article"
    return adapter.build(endpoint, values)


def _searchable(article: Article) -> bool:
    """Published (now or at a set future time): the index keeps the time, results hide the future."""
    return article.status == "published" and article.published_at is not None


def article_document(article) -> SearchDocument:
    """The document of an article (or of a row with the article's columns)."""
    return SearchDocument(
        kind=ARTICLE_KIND,
        object_id=article.id,
        title=article.title or "",
        lead=plain_text(article.lead or ""),
        body=plain_text(article.body_html or ""),
        url=article_path(article.id, article.slug, article.language),
        published_at=article.published_at,
        category_id=article.category_id,
    )


@dataclass(frozen=True)
class ArticleValues:
    """The columns :func:`article_document` reads, for an article written without the ORM."""

    id: int
    title: str
    slug: str
    language: str
    lead: str
    body_html: str
    published_at: datetime | None
    category_id: int | None


_DOCUMENT_COLUMNS = (
    Article.id,
    Article.title,
    Article.slug,
    Article.language,
    Article.lead,
    Article.body_html,
    Article.published_at,
    Article.category_id,
)


def _searchable_rows():
    return select(*_DOCUMENT_COLUMNS).where(
        Article.status == "published", Article.published_at.is_not(None)
    )


def article_documents() -> Iterator[SearchDocument]:
    """Every published article, read in keyset pages of :data:`PAGE_SIZE` (never all at once)."""
    last_id = 0
    while True:
        rows = db.session.execute(
            _searchable_rows().where(Article.id > last_id).order_by(Article.id).limit(PAGE_SIZE)
        ).all()
        if not rows:
            return
        for row in rows:
            yield article_document(row)
        last_id = rows[-1].id


def article_document_by_id(article_id: int) -> SearchDocument | None:
    """The article as it is now, or None when it is gone or not published."""
    article = db.session.get(Article, article_id, populate_existing=True)
    if article is None or not _searchable(article):
        return None
    return article_document(article)


def article_documents_by_id(article_ids: Sequence[int]) -> dict[int, SearchDocument]:
    """The published ones of these articles as they are now (one query per page of ids)."""
    found: dict[int, SearchDocument] = {}
    ids = sorted(set(article_ids))
    for start in range(0, len(ids), PAGE_SIZE):
        part = ids[start : start + PAGE_SIZE]
        for row in db.session.execute(_searchable_rows().where(Article.id.in_(part))):
            found[row.id] = article_document(row)
    return found


def article_provider() -> SearchProvider:
    return SearchProvider(
        kind=ARTICLE_KIND,
        label="Bài viết",
        subject="article",
        documents=article_documents,
        document=article_document_by_id,
        documents_by_id=article_documents_by_id,
    )
