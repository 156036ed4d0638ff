"""The embedded default engine: SQLite FTS5 over the folded text.

``search_documents`` keeps each document as readers see it; the FTS5 table
``search_fts`` keeps its folded words (``title``, ``lead``, ``body``), a
``meta`` column of filter tokens (one per kind and category) and, as its
``rowid``, a sort key: the publication time in seconds, shifted left by
:data:`ID_BITS`, plus the document's id. So "newest first" is FTS5's own
rowid order (no sort over the matches), "not in the future" and date ranges
are rowid ranges, and a page of results reads only as many matches as it
shows. ``search_fts_title`` and ``search_fts_lead`` repeat the title and the
lead alone (same rowid), so the first two tiers read short lists.

Ranking: tier 0 = every term in the title, tier 1 = every term in the lead,
tier 2 = the terms anywhere (title, lead, body together); newest first within
a tier. Counts are exact up to :data:`COUNT_CAP`, then "more than". Document
ids must stay below ``2**29`` (they are the low bits of the rowid).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter

from sqlalchemy import text

from portal.extensions import db
from portal.models.search import (
    SQLITE_FTS_LEAD_TABLE,
    SQLITE_FTS_TABLE,
    SQLITE_FTS_TABLES,
    SQLITE_FTS_TITLE_TABLE,
)
from portal.models.types import utcnow
from portal.search import SearchQuery, SearchResults
from portal.search.table import (
    BATCH,
    TableEngine,
    hits_of,
    search_then_prefix,
    site_day_bounds,
    word_groups,
)
from portal.search.text import folded_words as _folded_words

#: Bits of the sort key that hold the document's id (below the seconds).
ID_BITS = 29
ID_MASK = (1 << ID_BITS) - 1
#: Seconds kept in the sort key (about ±270 years around 1970).
MAX_SECONDS = 1 << 33
#: Counts stop here: above it the total is "more than COUNT_CAP".
COUNT_CAP = 1000
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
    return " ".join(_folded_words(value))


def kind_token(kind: str) -> str:
    return "k" + kind.encode("utf-8").hex()


def category_token(category_id: int | None) -> str:
    return "cnone" if category_id is None else f"c{int(category_id)}"


def _quote(words: Sequence[str], prefix: bool = False) -> str:
    """An FTS5 phrase of folded words (letters and digits only, so no quoting issue)."""
    return '"' + " ".join(words) + '"' + ("*" if prefix else "")


class SQLiteEngine(TableEngine):
    """Search through SQLite's FTS5 (see the module's docstring)."""

    name = "sqlite"

    # -- writing: the FTS rows follow the table's ---------------------------------------

    def _written(self, rows: list[tuple[int, dict]]) -> None:
        if not rows:
            return
        # In rowid order: FTS5 writes its pending terms out as a new segment whenever a
        # rowid is not above the previous one of the transaction, so rows in publication
        # order of an import or a bulk build (random rowids) made a tiny segment per row or
        # two, and merging them was most of the cost of indexing many documents.
        fts_rows = sorted(
            (self._fts_row(doc_id, values) for doc_id, values in rows), key=itemgetter("rowid")
        )
        # Plain text and numbers only: straight to the driver (an import writes thousands).
        connection = db.session.connection()
        connection.exec_driver_sql(
            f"INSERT INTO {SQLITE_FTS_TABLE} (rowid, title, lead, body, meta, doc_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (r["rowid"], r["title"], r["lead"], r["body"], r["meta"], r["doc_id"])
                for r in fts_rows
            ],
        )
        connection.exec_driver_sql(
            f"INSERT INTO {SQLITE_FTS_TITLE_TABLE} (rowid, title, meta) VALUES (?, ?, ?)",
            [(r["rowid"], r["title"], r["meta"]) for r in fts_rows],
        )
        connection.exec_driver_sql(
            f"INSERT INTO {SQLITE_FTS_LEAD_TABLE} (rowid, lead, meta) VALUES (?, ?, ?)",
            [(r["rowid"], r["lead"], r["meta"]) for r in fts_rows],
        )

    def _removing(self, rows: list) -> None:
        keys = [sort_key(row.published_at, row.id) for row in rows]
        for start in range(0, len(keys), BATCH):
            part = ",".join(map(str, keys[start : start + BATCH]))
            for table in SQLITE_FTS_TABLES:
                db.session.execute(text(f"DELETE FROM {table} WHERE rowid IN ({part})"))

    def _removing_all(self) -> None:
        for table in SQLITE_FTS_TABLES:
            db.session.execute(text(f"DELETE FROM {table}"))

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

    # -- reading -------------------------------------------------------------------

    def search(self, query: SearchQuery, terms: Sequence[str]) -> SearchResults:
        query = query.clamped()
        return search_then_prefix(query, word_groups(query, terms), self._search)

    def _search(
        self, query: SearchQuery, groups: list[tuple[str, ...]], *, prefix: bool
    ) -> SearchResults:
        phrases = [_quote(g, prefix and i == len(groups) - 1) for i, g in enumerate(groups)]
        everything = "(" + " AND ".join(phrases) + ")"
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
        low, high = self._key_range(query)
        if low > high:
            return self._empty(query, groups)
        excluded = [
            category_token(c) for c in query.excluded_category_ids or () if isinstance(c, int)
        ]

        def matching(columns: str) -> str:
            expression = " AND ".join([f"{columns} : {everything}", *filters])
            if not excluded:
                return expression
            return f"({expression}) NOT meta : ({' OR '.join(excluded)})"

        # Tiers, best first: every word in the title, in the lead, anywhere. Each reads
        # only as many of its matches, newest first, as the page needs: the title and
        # lead tables hold those columns alone, so their lists are short.
        tiers = [
            (SQLITE_FTS_TITLE_TABLE, matching("title")),
            (SQLITE_FTS_LEAD_TABLE, matching("lead")),
            (SQLITE_FTS_TABLE, matching("{title lead body}")),
        ]
        need = query.offset + query.per_page
        ranked: list[int] = []
        seen: set[int] = set()
        for table, expression in tiers:
            wanted = need - len(ranked)
            if wanted <= 0:
                break
            keys = self._keys(table, expression, low, high, limit=wanted + len(seen))
            for key in keys:
                if key not in seen:
                    seen.add(key)
                    ranked.append(key)
            del ranked[need:]

        total = self._count(tiers[-1][1], low, high)
        exact = total <= COUNT_CAP
        total = min(total, COUNT_CAP)
        if exact and len(ranked) < need:  # every match is ranked: the count is exact anyway
            total = len(ranked)
        terms = tuple(t for g in groups for t in g)
        page_keys = ranked[query.offset : need]
        hits = hits_of(
            [key & ID_MASK for key in page_keys], terms, groups[-1][-1] if prefix else None
        )
        return SearchResults(query=query, terms=terms, hits=hits, total=total, total_is_exact=exact)

    @staticmethod
    def _keys(table: str, expression: str, low: int, high: int, *, limit: int) -> list[int]:
        """Sort keys of ``limit`` newest matches of ``expression`` in ``table``."""
        return list(
            db.session.execute(
                text(
                    f"SELECT rowid FROM {table} WHERE {table} MATCH :match "
                    "AND rowid BETWEEN :low AND :high ORDER BY rowid DESC LIMIT :limit"
                ),
                {"match": expression, "low": low, "high": high, "limit": limit},
            ).scalars()
        )

    @staticmethod
    def _count(expression: str, low: int, high: int) -> int:
        """Matches of ``expression``, counted up to ``COUNT_CAP + 1``."""
        return db.session.execute(
            text(
                f"SELECT count(*) FROM (SELECT 1 FROM {SQLITE_FTS_TABLE} "
                f"WHERE {SQLITE_FTS_TABLE} MATCH :match AND rowid BETWEEN :low AND :high "
                "LIMIT :limit)"
            ),
            {"match": expression, "low": low, "high": high, "limit": COUNT_CAP + 1},
        ).scalar_one()

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
        start, end = site_day_bounds(query)
        if start is not None:
            low = max(low, _seconds_key(start, last=False))
        if end is not None:
            high = min(high, _seconds_key(end, last=False) - 1)
        return low, high
