"""The ``search_documents`` table as an engine: writing shared by the built-in engines,
and a plain (slow but correct) search by folded ``LIKE`` on any database.

:class:`TableEngine` is what :func:`portal.search.search_engine` falls back to on
a database with no dedicated engine (PostgreSQL until ``portal.search.postgres``
is installed); :class:`portal.search.sqlite.SQLiteEngine` builds on its writing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case, delete, func, insert, not_, or_, select, update

from portal.extensions import db
from portal.models.search import IndexedDocument as DocumentRow
from portal.models.types import utcnow
from portal.search import SearchDocument, SearchHit, SearchQuery, SearchResults, make_hit
from portal.search.matching import folded_contains
from portal.search.text import fold, term_groups

#: Documents written per statement batch.
BATCH = 500


def nfc(value: str | None) -> str:
    """Text as stored in the index: NFC, so precomposed and combining forms match alike."""
    return unicodedata.normalize("NFC", value or "")


def site_day_bounds(query: SearchQuery) -> tuple[datetime | None, datetime | None]:
    """UTC ``[start, end)`` of the query's local date range (None: open); raises nothing.

    A bound out of datetime's range is dropped (open) when it is on the far
    side, or makes the range empty (returned as ``(end, end)``).
    """
    zone = ZoneInfo(current_app.config.get("PORTAL_TIMEZONE") or "Asia/Ho_Chi_Minh")

    def start_of(day: date) -> datetime | None:
        try:
            return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        except (OverflowError, ValueError):
            return None

    start = end = None
    empty = False
    if isinstance(query.date_from, date):
        start = start_of(query.date_from)
        empty |= start is None and query.date_from.year > 1
    if isinstance(query.date_to, date):
        try:
            end = start_of(query.date_to + timedelta(days=1))
        except OverflowError:
            end = None
        empty |= end is None and query.date_to.year == 1
    if empty:
        moment = datetime(2000, 1, 1, tzinfo=UTC)
        return moment, moment
    return start, end


def row_document(row) -> SearchDocument:
    return SearchDocument(
        kind=row.kind,
        object_id=row.object_id,
        title=row.title,
        lead=row.lead,
        body=row.body,
        url=row.url,
        published_at=row.published_at,
        category_id=row.category_id,
        language=row.language,
    )


def word_groups(query: SearchQuery, terms: Sequence[str]) -> list[tuple[str, ...]]:
    """The words to find, grouped by what was typed as one token (``30-CT/TW``: a phrase).

    Falls back to one group per term when ``terms`` are not the query text's own
    words (a caller searching for something else than it shows).
    """
    groups = term_groups(query.text)
    if [t for g in groups for t in g] != list(terms):
        groups = [(t,) for t in terms if t]
    return groups


def search_then_prefix(
    query: SearchQuery,
    groups: list[tuple[str, ...]],
    run: Callable[..., SearchResults],
) -> SearchResults:
    """``run(query, groups, prefix=False)``; when nothing matches and the text ends in a
    word still being typed (no space after it), again with that last word as a prefix.
    """
    if not groups:
        return SearchResults(query=query, terms=(), hits=[], total=0)
    results = run(query, groups, prefix=False)
    text_value = query.text.rstrip("\r\n\t ")
    last = groups[-1][-1]
    if (
        results.total == 0
        and len(last) >= 2
        and text_value == query.text
        and fold(text_value).endswith(last)
    ):
        results = run(query, groups, prefix=True)
    return results


def hits_of(doc_ids: list[int], terms: Sequence[str], prefix: str | None) -> list[SearchHit]:
    """Highlighted hits for index rows ``doc_ids``, in that order (one query)."""
    if not doc_ids:
        return []
    table = DocumentRow.__table__
    rows = {row.id: row for row in db.session.execute(select(table).where(table.c.id.in_(doc_ids)))}
    return [
        make_hit(row_document(rows[doc_id]), terms, prefix) for doc_id in doc_ids if doc_id in rows
    ]


class TableEngine:
    """Documents in ``search_documents``; search by folded LIKE (every word must match).

    Ranking as everywhere: every word in the title, then in the lead, then
    anywhere; newest first. Subclasses keep their own index next to the table
    through :meth:`_written` and :meth:`_removing`.
    """

    name = "table"

    # -- writing -------------------------------------------------------------------

    def index(self, documents: Sequence[SearchDocument]) -> None:
        # The last document of a key wins; keys are then unique across the batches, so the
        # engine's own index can be written once for the whole call (:meth:`_written`).
        latest = {(d.kind, int(d.object_id)): d for d in documents}
        keys = list(latest)
        written: list[tuple[int, dict]] = []
        for start in range(0, len(keys), BATCH):
            written.extend(self._stored({key: latest[key] for key in keys[start : start + BATCH]}))
        self._written(written)

    def _stored(self, latest: dict[tuple[str, int], SearchDocument]) -> list[tuple[int, dict]]:
        """Write a batch of documents to the table; their ``(id, values)``."""
        table = DocumentRow.__table__
        by_kind: dict[str, list[int]] = {}
        for kind, object_id in latest:
            by_kind.setdefault(kind, []).append(object_id)
        # One query per kind: SQLite reads ``(kind, object_id) IN (...)`` by scanning the
        # whole index, which made an import's lookups grow with the index (quadratic).
        existing = {
            (row.kind, row.object_id): row
            for kind, object_ids in by_kind.items()
            for row in db.session.execute(
                select(table.c.id, table.c.kind, table.c.object_id, table.c.published_at).where(
                    table.c.kind == kind, table.c.object_id.in_(object_ids)
                )
            )
        }
        if existing:
            self._removing(list(existing.values()))
        written, added = [], []
        for key, document in latest.items():
            values = {
                "kind": document.kind,
                "object_id": int(document.object_id),
                "title": nfc(document.title),
                "lead": nfc(document.lead),
                "body": nfc(document.body),
                "url": document.url or "",
                "published_at": document.published_at,
                "category_id": document.category_id,
                "language": document.language or "vi",
            }
            if key in existing:
                doc_id = existing[key].id
                db.session.execute(update(table).where(table.c.id == doc_id).values(**values))
                written.append((doc_id, values))
            else:
                added.append(values)
        if added:  # new documents together (an import adds thousands); each id with its key
            returned = db.session.execute(
                insert(table).returning(table.c.id, table.c.kind, table.c.object_id), added
            )
            id_of = {(kind, object_id): doc_id for doc_id, kind, object_id in returned}
            written.extend((id_of[(v["kind"], v["object_id"])], v) for v in added)
        return written

    def _written(self, rows: list[tuple[int, dict]]) -> None:
        """After ``(id, values)`` rows were inserted or updated (their old entries removed):
        every row of one :meth:`index` call at once."""

    def _removing(self, rows: list) -> None:
        """Before rows (``id``, ``published_at``) are deleted or replaced."""

    def _removing_all(self) -> None:
        """Before every row is deleted."""

    def remove(self, kind: str, object_ids: Sequence[int]) -> None:
        table = DocumentRow.__table__
        object_ids = [int(i) for i in object_ids]
        for start in range(0, len(object_ids), BATCH):
            part = object_ids[start : start + BATCH]
            rows = db.session.execute(
                select(table.c.id, table.c.published_at).where(
                    table.c.kind == kind, table.c.object_id.in_(part)
                )
            ).all()
            if rows:
                self._removing(rows)
                db.session.execute(delete(table).where(table.c.id.in_([row.id for row in rows])))

    def clear(self, kind: str | None = None) -> None:
        table = DocumentRow.__table__
        if kind is None:
            self._removing_all()
            db.session.execute(delete(table))
            return
        while True:
            rows = db.session.execute(
                select(table.c.id, table.c.published_at).where(table.c.kind == kind).limit(BATCH)
            ).all()
            if not rows:
                return
            self._removing(rows)
            db.session.execute(delete(table).where(table.c.id.in_([row.id for row in rows])))

    # -- reading -------------------------------------------------------------------

    def search(self, query: SearchQuery, terms: Sequence[str]) -> SearchResults:
        query = query.clamped()
        terms = tuple(terms)
        model = DocumentRow
        conditions = [
            folded_contains([model.title, model.lead, model.body], " ".join(terms)),
            or_(model.published_at.is_(None), model.published_at <= utcnow()),
        ]
        if query.kinds is not None:
            conditions.append(model.kind.in_([k for k in query.kinds if isinstance(k, str)]))
        if query.category_ids is not None:
            ids = [c for c in query.category_ids if isinstance(c, int)]
            conditions.append(model.category_id.in_(ids))
        excluded = [c for c in query.excluded_category_ids or () if isinstance(c, int)]
        if excluded:
            conditions.append(or_(model.category_id.is_(None), model.category_id.not_in(excluded)))
        start, end = site_day_bounds(query)
        if start is not None:
            conditions.append(model.published_at >= start)
        if end is not None:
            conditions.append(model.published_at < end)
        where = and_(*conditions)
        in_title = folded_contains([model.title], " ".join(terms))
        in_lead = folded_contains([model.lead], " ".join(terms))
        tier = case((in_title, 0), (and_(in_lead, not_(in_title)), 1), else_=2)
        total = db.session.scalar(select(func.count()).select_from(model).where(where)) or 0
        rows = db.session.execute(
            select(model.__table__)
            .where(where)
            .order_by(tier, model.published_at.desc().nulls_last(), model.id.desc())
            .limit(query.per_page)
            .offset(query.offset)
        ).all()
        hits = [make_hit(row_document(row), terms) for row in rows]
        return SearchResults(query=query, terms=terms, hits=hits, total=total)
