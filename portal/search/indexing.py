"""Keeping the index current: content events (the outbox's ``search`` consumer) and reindexing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import current_app

from portal.content.events import ContentEvent
from portal.extensions import db
from portal.search import SearchDocument, SearchProvider, search_engine, search_providers

#: Documents handed to the engine at once while reindexing.
BATCH = 500


class UnknownKind(ValueError):
    """``portal reindex --kind`` named a kind no provider gives."""


def index_event(event: ContentEvent) -> None:
    """Index or remove the object an event is about, if a provider listens for its subject.

    Called by the outbox for its ``search`` consumer, inside the delivery's
    transaction; an exception leaves the consumer pending (retried later).
    """
    if event.subject_id is None:
        return
    app = current_app._get_current_object()
    providers = [p for p in search_providers(app) if p.subject == event.subject]
    if not providers:
        return
    engine = search_engine(app)
    for provider in providers:
        document = provider.document(int(event.subject_id))
        if document is None:
            engine.remove(provider.kind, [int(event.subject_id)])
        else:
            engine.index([document])


def providers_for(kind: str | None) -> list[SearchProvider]:
    providers = search_providers(current_app._get_current_object())
    if kind is None:
        return providers
    chosen = [p for p in providers if p.kind == kind]
    if not chosen:
        known = ", ".join(p.kind for p in providers)
        raise UnknownKind(f"No content kind named {kind!r} in the search index (known: {known}).")
    return chosen


def expected_count(kind: str | None = None) -> int:
    """About how many documents a reindex of ``kind`` (or all) will write, for a progress bar.

    Published articles are counted; other kinds are guessed from what the
    index holds for them now.
    """
    from sqlalchemy import func, select

    from portal.models import Article
    from portal.models import SearchDocument as DocumentRow
    from portal.search.providers import ARTICLE_KIND

    total = 0
    for provider in providers_for(kind):
        if provider.kind == ARTICLE_KIND:
            query = select(func.count()).where(
                Article.status == "published", Article.published_at.is_not(None)
            )
        else:
            query = select(func.count()).where(DocumentRow.kind == provider.kind)
        total += db.session.scalar(query) or 0
    return total


def _batches(documents) -> Iterator[list[SearchDocument]]:
    batch: list[SearchDocument] = []
    for document in documents:
        batch.append(document)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def reindex(kind: str | None = None, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the index of one kind (or all): clear it, stream every document in, commit.

    ``progress(n)`` is called after each batch of ``n`` documents. Returns how
    many documents were indexed. Raises :class:`UnknownKind` for a kind no
    provider gives (nothing changed then). One transaction: readers keep the
    old index until the new one is complete.
    """
    providers = providers_for(kind)
    engine = search_engine()
    count = 0
    try:
        for provider in providers:
            engine.clear(provider.kind)
            for batch in _batches(provider.documents()):
                engine.index(batch)
                count += len(batch)
                if progress is not None:
                    progress(len(batch))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return count
