"""The embedded default engine: SQLite FTS5 over the folded text.

``search_documents`` keeps each document as readers see it; the FTS5 table
``search_fts`` keeps its folded words (``title``, ``lead``, ``body``), a
``meta`` column of filter tokens (one per kind and category) and, as its
``rowid``, a sort key: the publication time in seconds, shifted left by
:data:`ID_BITS`, plus the document's id. So "newest first" is FTS5's own
rowid order (no sort over the matches), "not in the future" and date ranges
are rowid ranges, and a page of results reads only as many matches as it
shows.

Ranking: tier 0 = every term in the title, tier 1 = every term in the lead,
tier 2 = the terms anywhere (title, lead, body together); newest first within
a tier. Counts are exact up to :data:`COUNT_CAP`, then "more than".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, insert, select, text, tuple_, update

from portal.extensions import db
from portal.models.search import SQLITE_FTS_TABLE
from portal.models.search import SearchDocument as DocumentRow
from portal.models.types import utcnow
from portal.search import SearchDocument, SearchQuery, SearchResults, make_hit
from portal.search.text import _WORD, fold, term_groups

#: Bits of the sort key that hold the document's id (below the seconds).
ID_BITS = 29
ID_MASK = (1 << ID_BITS) - 1
#: Seconds kept in the sort key (about ±270 years around 1970).
MAX_SECONDS = 1 << 33
#: Counts stop here: above it the total is "more than COUNT_CAP".
COUNT_CAP = 1000
#: Documents written per statement batch.
BATCH = 500
TIER_COLUMNS = ("title", "lead")


def sort_key(published_at: datetime | None, doc_id: int) -> int:
    """The FTS rowid of a document: publication second, then id (newest = largest)."""
    seconds = int(published_at.timestamp()) if published_at is not None else 0
    seconds = max(-MAX_SECONDS, min(MAX_SECONDS, seconds))
    return (seconds << ID_BITS) | (doc_id & ID_MASK)


def _seconds_key(moment: datetime, *, last: bool) -> int:
    seconds = max(-MAX_SECONDS, min(MAX_SECONDS, int(moment.timestamp())))
    return (seconds << ID_BITS) | (ID_MASK if last else 0)


def folded_words(value: str) -> str:
    """The words FTS5 stores for a text: folded, one space between words."""
    return " ".join(_WORD.findall(fold(value or "")))


def kind_token(kind: str) -> str:
    return "k" + kind.encode("utf-8").hex()


def category_token(category_id: int | None) -> str:
    return "cnone" if category_id is None else f"c{int(category_id)}"


def _nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "")


def _quote(words: Sequence[str], prefix: bool = False) -> str:
    """An FTS5 phrase of folded words (letters and digits only, so no quoting issue)."""
    return '"' + " ".join(words) + '"' + ("*" if prefix else "")


class SQLiteEngine:
    """Search through SQLite's FTS5 (see the module's docstring)."""

    name = "sqlite"

    # -- writing -------------------------------------------------------------------

    def index(self, documents: Sequence[SearchDocument]) -> None:
        documents = list(documents)
        for start in range(0, len(documents), BATCH):
            self._index_batch(documents[start : start + BATCH])

    def _index_batch(self, documents: list[SearchDocument]) -> None:
        latest = {(d.kind, d.object_id): d for d in documents}  # the last one of a key wins
        table = DocumentRow.__table__
        existing = {
            (row.kind, row.object_id): row
            for row in db.session.execute(
                select(table.c.id, table.c.kind, table.c.object_id, table.c.published_at).where(
                    tuple_(table.c.kind, table.c.object_id).in_(list(latest))
                )
            )
        }
        if existing:
            self._delete_fts([sort_key(row.published_at, row.id) for row in existing.values()])
        fts_rows = []
        updates = []
        inserts = []
        for key, document in latest.items():
            values = {
                "kind": document.kind,
                "object_id": int(document.object_id),
                "title": _nfc(document.title),
                "lead": _nfc(document.lead),
                "body": _nfc(document.body),
                "url": document.url or "",
                "published_at": document.published_at,
                "category_id": document.category_id,
                "language": document.language or "vi",
            }
            if key in existing:
                updates.append((existing[key].id, values))
            else:
                inserts.append(values)
        for doc_id, values in updates:
            db.session.execute(update(table).where(table.c.id == doc_id).values(**values))
            fts_rows.append(self._fts_row(doc_id, values))
        for values in inserts:
            doc_id = db.session.execute(insert(table).values(**values)).inserted_primary_key[0]
            fts_rows.append(self._fts_row(doc_id, values))
        if fts_rows:
            db.session.execute(
                text(
                    f"INSERT INTO {SQLITE_FTS_TABLE} (rowid, title, lead, body, meta, doc_id) "
                    "VALUES (:rowid, :title, :lead, :body, :meta, :doc_id)"
                ),
                fts_rows,
            )

    @staticmethod
    def _fts_row(doc_id: int, values: dict) -> dict:
        return {
            "rowid": sort_key(values["published_at"], doc_id),
            "title": folded_words(values["title"]),
            "lead": folded_words(values["lead"]),
            "body": folded_words(values["body"]),
            "meta": f"{kind_token(values['kind'])} {category_token(values['category_id'])}",
            "doc_id": doc_id,
        }

    def _delete_fts(self, keys: Iterable[int]) -> None:
        keys = list(keys)
        for start in range(0, len(keys), BATCH):
            part = keys[start : start + BATCH]
            db.session.execute(
                text(f"DELETE FROM {SQLITE_FTS_TABLE} WHERE rowid IN ({','.join(map(str, part))})")
            )

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
            if not rows:
                continue
            self._delete_fts(sort_key(row.published_at, row.id) for row in rows)
            db.session.execute(delete(table).where(table.c.id.in_([row.id for row in rows])))

    def clear(self, kind: str | None = None) -> None:
        table = DocumentRow.__table__
        if kind is None:
            db.session.execute(text(f"DELETE FROM {SQLITE_FTS_TABLE}"))
            db.session.execute(delete(table))
            return
        while True:
            rows = db.session.execute(
                select(table.c.id, table.c.published_at).where(table.c.kind == kind).limit(BATCH)
            ).all()
            if not rows:
                return
            self._delete_fts(sort_key(row.published_at, row.id) for row in rows)
            db.session.execute(delete(table).where(table.c.id.in_([row.id for row in rows])))

    # -- reading -------------------------------------------------------------------

    def search(self, query: SearchQuery, terms: Sequence[str]) -> SearchResults:
        query = query.clamped()
        groups = term_groups(query.text)
        if [t for g in groups for t in g] != list(terms):
            groups = [(t,) for t in terms if t]
        if not groups:
            return SearchResults(query=query, terms=(), hits=[], total=0)
        results = self._search(query, groups, prefix=False)
        text_value = query.text.rstrip("\r\n\t ")
        last = groups[-1][-1]
        if (
            results.total == 0
            and len(last) >= 2
            and text_value == query.text
            and fold(text_value).endswith(last)
        ):
            results = self._search(query, groups, prefix=True)
        return results

    def _search(
        self, query: SearchQuery, groups: list[tuple[str, ...]], *, prefix: bool
    ) -> SearchResults:
        phrases = [_quote(g, prefix and i == len(groups) - 1) for i, g in enumerate(groups)]
        everything = " AND ".join(phrases)
        in_title = f"title : ({everything})"
        in_lead = f"lead : ({everything})"
        tiers = [
            in_title,
            f"{in_lead} NOT {in_title}",
            f"{{title lead body}} : ({everything}) NOT {in_title} NOT {in_lead}",
        ]
        filters = []
        if query.kinds is not None:
            tokens = [kind_token(k) for k in query.kinds if isinstance(k, str)]
            if not tokens:
                return self._empty(query, groups)
            filters.append("meta : (" + " OR ".join(tokens) + ")")
        if query.category_ids is not None:
            tokens = [category_token(c) for c in query.category_ids if isinstance(c, int)]
            if not tokens:
                return self._empty(query, groups)
            filters.append("meta : (" + " OR ".join(tokens) + ")")
        expressions = [" AND ".join([f"({tier})", *filters]) for tier in tiers]
        low, high = self._key_range(query)
        if low > high:
            return self._empty(query, groups)

        where = f"{SQLITE_FTS_TABLE} MATCH :match AND rowid BETWEEN :low AND :high"

        # One count of every match (the tiers are disjoint and together are every match),
        # stopping past COUNT_CAP; then each tier is counted only as far as the wanted page
        # reaches. Counting a tier whose matches are few and far between (the title tier
        # of common words) to COUNT_CAP would read whole posting lists.
        def count(expression: str, limit: int) -> int:
            return db.session.execute(
                text(
                    f"SELECT count(*) FROM (SELECT 1 FROM {SQLITE_FTS_TABLE} "
                    f"WHERE {where} LIMIT :limit)"
                ),
                {"match": expression, "low": low, "high": high, "limit": limit},
            ).scalar_one()

        anywhere = " AND ".join([f"({{title lead body}} : ({everything}))", *filters])
        total = count(anywhere, COUNT_CAP + 1)
        exact = total <= COUNT_CAP
        total = min(total, COUNT_CAP)

        wanted_start, wanted_end = query.offset, min(query.offset + query.per_page, total)
        doc_ids: list[int] = []
        tier_start = 0
        for number, expression in enumerate(expressions):
            if tier_start >= wanted_end:
                break
            if number < len(expressions) - 1:
                tier_count = count(expression, wanted_end - tier_start)
            else:
                tier_count = wanted_end - tier_start
            tier_end = tier_start + tier_count
            start, end = max(wanted_start, tier_start), min(wanted_end, tier_end)
            if start < end:
                doc_ids += db.session.execute(
                    text(
                        f"SELECT doc_id FROM {SQLITE_FTS_TABLE} WHERE {where} "
                        "ORDER BY rowid DESC LIMIT :limit OFFSET :offset"
                    ),
                    {
                        "match": expression,
                        "low": low,
                        "high": high,
                        "limit": end - start,
                        "offset": start - tier_start,
                    },
                ).scalars()
            tier_start = tier_end
        terms = tuple(t for g in groups for t in g)
        hits = self._hits(doc_ids, terms, groups[-1][-1] if prefix else None)
        return SearchResults(query=query, terms=terms, hits=hits, total=total, total_is_exact=exact)

    @staticmethod
    def _empty(query: SearchQuery, groups) -> SearchResults:
        return SearchResults(
            query=query, terms=tuple(t for g in groups for t in g), hits=[], total=0
        )

    @staticmethod
    def _key_range(query: SearchQuery) -> tuple[int, int]:
        """Sort keys of the documents in the query's date range and not in the future."""
        high = _seconds_key(utcnow(), last=True)
        low = -(MAX_SECONDS << ID_BITS) - ID_MASK
        zone = ZoneInfo(current_app.config.get("PORTAL_TIMEZONE") or "Asia/Ho_Chi_Minh")

        def start_of(day: date) -> datetime | None:
            try:
                return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
            except (OverflowError, ValueError):
                return None

        if isinstance(query.date_from, date):
            start = start_of(query.date_from)
            if start is not None:
                low = max(low, _seconds_key(start, last=False))
            elif query.date_from.year > 1:
                return 1, 0  # after the end of time
        if isinstance(query.date_to, date):
            try:
                end = start_of(query.date_to + timedelta(days=1))
            except OverflowError:
                end = None
            if end is not None:
                high = min(high, _seconds_key(end, last=False) - 1)
            elif query.date_to.year == 1:
                return 1, 0  # before the start of time
        return low, high

    @staticmethod
    def _hits(doc_ids: list[int], terms, prefix):
        if not doc_ids:
            return []
        table = DocumentRow.__table__
        rows = {
            row.id: row for row in db.session.execute(select(table).where(table.c.id.in_(doc_ids)))
        }
        hits = []
        for doc_id in doc_ids:
            row = rows.get(doc_id)
            if row is None:
                continue
            document = SearchDocument(
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
            hits.append(make_hit(document, terms, prefix))
        return hits
