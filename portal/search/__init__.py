"""The search interface: documents, queries, results, engines and providers.

One interface, several backends: SQLite FTS5 (``portal.search.sqlite``, the
embedded default), PostgreSQL full text (``portal.search.postgres``) and any
engine a plugin returns from ``portal_search_engine``. Content kinds put their
documents in the index through :class:`SearchProvider` (the core provides
articles; plugins add theirs with ``portal_search_providers``). See
docs/plugins/search.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from markupsafe import Markup

from portal.search.text import fold, highlight, search_terms, snippet

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "SearchDocument",
    "SearchEngine",
    "SearchHit",
    "SearchProvider",
    "SearchQuery",
    "SearchResults",
    "fold",
    "highlight",
    "search",
    "search_engine",
    "search_providers",
    "search_terms",
    "snippet",
]

#: Most results one page may show.
MAX_PER_PAGE = 50


@dataclass(frozen=True)
class SearchDocument:
    """What a content kind puts in the index for one of its objects.

    ``lead`` and ``body`` are plain text (the provider strips HTML); ``url``
    is a path on this site; ``published_at`` is aware UTC (a future time keeps
    the document out of results until then).
    """

    kind: str
    object_id: int
    title: str
    lead: str = ""
    body: str = ""
    url: str = ""
    published_at: datetime | None = None
    category_id: int | None = None
    language: str = "vi"


@dataclass(frozen=True)
class SearchQuery:
    """A reader's search: text, optional filters (site-local dates, inclusive), a page.

    ``category_ids`` keeps only documents of those categories;
    ``excluded_category_ids`` leaves out documents of those categories and keeps
    the rest, documents without a category included (the Vietnamese search
    leaves out the English site's categories this way). An engine that does not
    know the second filter returns more, never fewer, results.
    """

    text: str
    kinds: tuple[str, ...] | None = None
    category_ids: tuple[int, ...] | None = None
    excluded_category_ids: tuple[int, ...] | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    per_page: int = 10

    def clamped(self) -> SearchQuery:
        """The same query with ``page`` >= 1 and ``per_page`` in 1..50."""
        page = self.page if isinstance(self.page, int) else 1
        per_page = self.per_page if isinstance(self.per_page, int) else 10
        return replace(
            self,
            text=self.text if isinstance(self.text, str) else "",
            page=max(1, page),
            per_page=min(MAX_PER_PAGE, max(1, per_page)),
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class SearchHit:
    """One result: what to link to, and its title and snippet with the matches marked."""

    kind: str
    object_id: int
    title: str
    url: str
    published_at: datetime | None
    category_id: int | None
    title_html: Markup
    snippet_html: Markup


@dataclass(frozen=True)
class SearchResults:
    """One page of results; ``total`` may be a capped count (``total_is_exact`` False)."""

    query: SearchQuery
    terms: tuple[str, ...]
    hits: list[SearchHit]
    total: int
    total_is_exact: bool = True

    @property
    def page_count(self) -> int:
        per_page = max(1, self.query.per_page)
        return max(1, math.ceil(self.total / per_page)) if self.total else 0


@runtime_checkable
class SearchEngine(Protocol):
    """A search backend: keeps documents and answers queries."""

    name: str

    def index(self, documents: Sequence[SearchDocument]) -> None:
        """Add the documents, replacing those with the same (kind, object_id)."""

    def remove(self, kind: str, object_ids: Sequence[int]) -> None:
        """Remove these objects of ``kind`` (absent ones are ignored)."""

    def clear(self, kind: str | None = None) -> None:
        """Remove every document of ``kind``, or every document."""

    def search(self, query: SearchQuery, terms: Sequence[str]) -> SearchResults:
        """Answer ``query``; ``terms`` are its folded words (never empty)."""


@dataclass(frozen=True)
class SearchProvider:
    """A content kind that puts its documents in the index.

    ``documents()`` yields every public object (streamed: for a reindex);
    ``document(id)`` gives one object as it is now, or None when it is not
    public (then it is removed from the index). ``subject`` is the
    :class:`portal.ContentEvent` subject whose events concern this kind.
    ``documents_by_id(ids)``, when given, does what ``document`` does for
    many ids at once (a dict of the public ones), for the events of an import.
    """

    kind: str
    label: str
    subject: str
    documents: Callable[[], Iterable[SearchDocument]]
    document: Callable[[int], SearchDocument | None]
    documents_by_id: Callable[[Sequence[int]], dict[int, SearchDocument]] | None = None


def make_hit(
    document: SearchDocument, terms: Sequence[str], prefix: str | None = None
) -> SearchHit:
    """A :class:`SearchHit` for a stored document: highlighted title, snippet of lead/body.

    The snippet comes from the lead when a term is found there, else from the
    body when found there, else from the start of the lead (or body).
    """
    from portal.search.text import _matches

    source = document.lead or document.body
    for text in (document.lead, document.body):
        if text and next(_matches(fold(text), terms, prefix), None) is not None:
            source = text
            break
    return SearchHit(
        kind=document.kind,
        object_id=document.object_id,
        title=document.title,
        url=document.url,
        published_at=document.published_at,
        category_id=document.category_id,
        title_html=highlight(document.title, terms, prefix),
        snippet_html=snippet(source, terms, prefix=prefix),
    )


def search_engine(app: Flask | None = None) -> SearchEngine:
    """The engine in use: a plugin's (``portal_search_engine``), else by the database.

    SQLite → :class:`portal.search.sqlite.SQLiteEngine`; PostgreSQL →
    :class:`portal.search.postgres.PostgresEngine`; any other database (or
    PostgreSQL without that module) → :class:`portal.search.table.TableEngine`,
    folded ``LIKE`` over the table: correct, but slow on big sites.
    """
    from flask import current_app

    from portal.extensions import db
    from portal.plugins import plugins_of

    app = app or current_app._get_current_object()
    for _name, engine in plugins_of(app).call_each(
        "portal_search_engine", disable_on_error=False, app=app
    ):
        if engine is not None:
            return engine
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        from portal.search.sqlite import SQLiteEngine

        return SQLiteEngine()
    if dialect == "postgresql":
        try:
            from portal.search.postgres import PostgresEngine
        except ModuleNotFoundError as exc:  # not installed (yet): the plain table engine
            if exc.name != "portal.search.postgres":
                raise
        else:
            return PostgresEngine()
    from portal.search.table import TableEngine

    return TableEngine()


def search_providers(app: Flask | None = None) -> list[SearchProvider]:
    """Every content kind in the index: the core's articles, then the plugins' kinds."""
    from flask import current_app

    from portal.plugins import plugins_of
    from portal.search.providers import article_provider

    app = app or current_app._get_current_object()
    providers = [article_provider()]
    seen = {providers[0].kind}
    for _name, result in plugins_of(app).call_each(
        "portal_search_providers", disable_on_error=False
    ):
        for provider in result or ():
            if isinstance(provider, SearchProvider) and provider.kind not in seen:
                providers.append(provider)
                seen.add(provider.kind)
    return providers


def search(query: SearchQuery) -> SearchResults:
    """Search the index with the engine in use; never raises for any text.

    A text without words (empty, only punctuation) gives no hits and no
    query to the engine.
    """
    query = query.clamped()
    terms = search_terms(query.text)
    if not terms:
        return SearchResults(query=query, terms=(), hits=[], total=0)
    return search_engine().search(query, terms)
