"""Keeping the index current: content events (the outbox's ``search`` consumer) and reindexing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import current_app

from portal.content.events import ContentEvent
from portal.extensions import db
from portal.i18n import translate
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
    app = current_app._get_current_object()
    if event.subject == "category":  # a deleted category moves its articles: their tags say which
        _index_tagged_articles(app, event)
        return
    if event.subject_id is None:
        return
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


def index_with_change(documents: list[tuple[ContentEvent, SearchDocument]]) -> set[ContentEvent]:
    """Put new objects in the index inside the transaction that creates them; the events done.

    For bulk writers (an import's chunk of new articles): the documents are
    made from the values just written, so nothing is read back, and the index
    is committed (or rolled back) with the rows. Only when the engine keeps
    its index in the site's database (the built-in engines) and the core's
    provider is the only one for the events' subject; otherwise nothing is
    done here and the outbox's ``search`` consumer indexes them as usual.
    The events returned need not owe the ``search`` consumer.
    """
    from portal.search.table import TableEngine

    if not documents:
        return set()
    app = current_app._get_current_object()
    engine = search_engine(app)
    if not isinstance(engine, TableEngine):
        return set()
    subjects = {event.subject for event, _document in documents}
    for provider in search_providers(app):
        if provider.subject in subjects and provider.kind not in {
            document.kind for event, document in documents if event.subject == provider.subject
        }:
            return set()  # another kind listens to these events: leave them to the outbox
    engine.index([document for _event, document in documents])
    return {event for event, _document in documents}


def index_events(events: list[ContentEvent]) -> None:
    """Index or remove what many events are about, a few queries for all of them.

    The same as :func:`index_event` for each, for a batch of the outbox (an
    import's thousands of ``published`` events): the documents of one kind
    are read together when its provider can (``documents_by_id``) and handed
    to the engine in one call.
    """
    app = current_app._get_current_object()
    by_subject: dict[str, list[int]] = {}
    for event in events:
        if event.subject == "category" or event.subject_id is None:
            index_event(event)
        else:
            by_subject.setdefault(event.subject, []).append(int(event.subject_id))
    if not by_subject:
        return
    engine = search_engine(app)
    for provider in search_providers(app):
        ids = sorted(set(by_subject.get(provider.subject, ())))
        if not ids:
            continue
        if provider.documents_by_id is not None:
            found = provider.documents_by_id(ids)
        else:
            found = {i: d for i in ids if (d := provider.document(i)) is not None}
        if found:
            engine.index([found[i] for i in ids if i in found])
        gone = [i for i in ids if i not in found]
        if gone:
            engine.remove(provider.kind, gone)


def _index_tagged_articles(app, event: ContentEvent) -> None:
    """Index again the articles an event names in its tags (``article:42``)."""
    from portal.search.providers import ARTICLE_KIND

    prefix = "article:"
    ids = sorted(
        int(tag[len(prefix) :])
        for tag in event.tags
        if tag.startswith(prefix) and tag[len(prefix) :].isdigit()
    )
    providers = [p for p in search_providers(app) if p.kind == ARTICLE_KIND]
    if not ids or not providers:
        return
    engine = search_engine(app)
    for article_id in ids:
        document = providers[0].document(article_id)
        if document is None:
            engine.remove(ARTICLE_KIND, [article_id])
        else:
            engine.index([document])


def providers_for(kind: str | None) -> list[SearchProvider]:
    providers = search_providers(current_app._get_current_object())
    if kind is None:
        return providers
    chosen = [p for p in providers if p.kind == kind]
    if not chosen:
        known = ", ".join(p.kind for p in providers)
        raise UnknownKind(
            translate(
                "Chỉ mục tìm kiếm không có loại nội dung nào tên {kind} (các loại có: {known})."
            ).format(kind=repr(kind), known=known)
        )
    return chosen


def expected_count(kind: str | None = None) -> int:
    """About how many documents a reindex of ``kind`` (or all) will write, for a progress bar.

    Published articles are counted; other kinds are guessed from what the
    index holds for them now.
    """
    from sqlalchemy import func, select

    from portal.models import Article
    from portal.models import IndexedDocument as DocumentRow
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


def index_missing() -> int:
    """Build the index when it is empty while there is published content (after an upgrade).

    A site upgraded to the version with search has articles but no index yet;
    ``portal setup`` and ``portal init-db`` call this so its search works at
    once. Returns how many documents were indexed (0: nothing to do). Only
    for the built-in engines: a plugin's engine is filled by ``portal reindex``.
    """
    from sqlalchemy import select

    from portal.models import Article
    from portal.models import IndexedDocument as DocumentRow
    from portal.search.table import TableEngine

    if not isinstance(search_engine(), TableEngine):
        return 0
    if db.session.scalar(select(DocumentRow.id).limit(1)) is not None:
        return 0
    published = select(Article.id).where(
        Article.status == "published", Article.published_at.is_not(None)
    )
    if db.session.scalar(published.limit(1)) is None:
        return 0
    return reindex()
