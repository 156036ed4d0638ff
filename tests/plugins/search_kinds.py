"""A plugin adding a content kind ("note") to the search index, and optionally its own engine.

Notes live in ``app.extensions["test_notes"]`` (id -> (title, body, public));
the plugin announces ``ContentEvent("updated", "note", id)`` when one changes.
With ``TEST_SEARCH_ENGINE`` set in the config, ``portal_search_engine`` returns
an in-memory engine (kept in ``app.extensions``) that records what it is given.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from portal import SearchDocument, SearchHit, SearchProvider, SearchResults, hookimpl

PUBLISHED = datetime(2024, 1, 2, 3, 4, tzinfo=UTC)


def _notes():
    return current_app.extensions.setdefault("test_notes", {})


def _document(note_id):
    note = _notes().get(note_id)
    if note is None or not note[2]:
        return None
    title, body, _public = note
    return SearchDocument(
        kind="note",
        object_id=note_id,
        title=title,
        body=body,
        url=f"/ghi-chu/{note_id}",
        published_at=PUBLISHED,
    )


def _documents():
    for note_id in sorted(_notes()):
        document = _document(note_id)
        if document is not None:
            yield document


class MemoryEngine:
    """A toy engine: documents in a dict, a hit when every term is in the folded title."""

    name = "memory"

    def __init__(self):
        self.documents = {}
        self.calls = []

    def index(self, documents):
        for document in documents:
            self.documents[(document.kind, document.object_id)] = document
        self.calls.append("index")

    def remove(self, kind, object_ids):
        for object_id in object_ids:
            self.documents.pop((kind, object_id), None)
        self.calls.append("remove")

    def clear(self, kind=None):
        for key in [k for k in self.documents if kind is None or k[0] == kind]:
            del self.documents[key]
        self.calls.append("clear")

    def search(self, query, terms):
        from markupsafe import escape

        from portal import fold

        self.calls.append("search")
        hits = [
            SearchHit(
                kind=d.kind,
                object_id=d.object_id,
                title=d.title,
                url=d.url,
                published_at=d.published_at,
                category_id=d.category_id,
                title_html=escape(d.title),
                snippet_html=escape(d.body),
            )
            for d in self.documents.values()
            if all(term in fold(d.title).split() for term in terms)
        ]
        return SearchResults(query=query, terms=tuple(terms), hits=hits, total=len(hits))


@hookimpl
def portal_search_providers():
    return [
        SearchProvider(
            kind="note", label="Ghi chú", subject="note", documents=_documents, document=_document
        )
    ]


@hookimpl
def portal_search_engine(app):
    if not app.config.get("TEST_SEARCH_ENGINE"):
        return None
    return app.extensions.setdefault("test_search_engine", MemoryEngine())
