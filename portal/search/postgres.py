"""The PostgreSQL engine: full text with ``unaccent`` and GIN indexes.

``search_documents`` keeps each document as readers see it; ``search_vectors``
(portal/models/search_postgres.py, migrations 0007 and 0008) keeps, per document and
through a trigger, the filter columns and tsvectors of the folded words
(title A, lead B, body C) with GIN indexes.

Queries are built from :func:`portal.search.text.term_groups`, never from the
reader's raw text: every group is a phrase (``30 <-> ct <-> tw`` for
"30-CT/TW"), the groups are joined with ``&``, each word quoted (words are
letters and digits only). The semantics are the SQLite engine's
(portal/search/sqlite.py):

* ranking in tiers: every term in the title, then every term in the lead, then
  the terms anywhere; newest first within a tier (then the higher id);
* a count exact up to :data:`COUNT_CAP`, then "more than";
* documents dated in the future are left out; dates are site-local days;
* when nothing matches and the text ends with a word, that last word is tried
  again as a prefix (``'ba':*``), for readers who stop typing half-way.

Speed on 100,000 documents (docs/performance.md): a page reads only the rows
it shows, walking ``ix_search_vectors_recent`` (newest first) for common words
and the GIN indexes for rare ones, as PostgreSQL's planner chooses; the count
stops at :data:`COUNT_CAP` + 1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert

from portal.extensions import db
from portal.models.search import IndexedDocument as DocumentRow
from portal.models.search_postgres import SEARCH_VECTORS_TABLE
from portal.models.types import utcnow
from portal.search import SearchDocument, SearchQuery, SearchResults
from portal.search.table import (
    TableEngine,
    hits_of,
    nfc,
    search_then_prefix,
    site_day_bounds,
    word_groups,
)

#: Counts stop here: above it the total is "more than COUNT_CAP" (as on SQLite).
COUNT_CAP = 1000
#: Documents written per statement.
BATCH = 500
_WORD_ONLY = re.compile(r"[^\W_]+")


def _naive(moment: datetime) -> datetime:
    """UTC without a time zone: how UTCDateTime columns store times."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def tsquery_text(groups: Sequence[Sequence[str]], *, prefix: bool = False) -> str:
    """The ``to_tsquery('simple', ...)`` input for term groups: phrases joined by ``&``.

    >>> tsquery_text([("chi",), ("30", "ct", "tw")], prefix=True)
    "'chi' & '30' <-> 'ct' <-> 'tw':*"
    """
    phrases = []
    for number, group in enumerate(groups):
        words = [w for w in group if _WORD_ONLY.fullmatch(w)]
        if not words:
            continue
        quoted = [f"'{w}'" for w in words]
        if prefix and number == len(groups) - 1:
            quoted[-1] += ":*"
        phrases.append(" <-> ".join(quoted))
    return " & ".join(phrases)


class PostgresEngine(TableEngine):
    """Search through PostgreSQL's full text (see the module's docstring).

    A built-in engine over ``search_documents`` like :class:`TableEngine` (so
    ``portal init-db`` builds its index after an upgrade), with its own writing
    (an upsert per batch: the trigger keeps ``search_vectors``) and searching.
    """

    name = "postgresql"

    # -- writing -------------------------------------------------------------------

    def index(self, documents: Sequence[SearchDocument]) -> None:
        latest = {(d.kind, int(d.object_id)): d for d in documents}  # the last one of a key wins
        rows = [
            {
                "kind": d.kind,
                "object_id": int(d.object_id),
                "title": nfc(d.title),
                "lead": nfc(d.lead),
                "body": nfc(d.body),
                "url": d.url or "",
                "published_at": d.published_at,
                "category_id": d.category_id,
                "language": d.language or "vi",
            }
            for d in latest.values()
        ]
        table = DocumentRow.__table__
        for start in range(0, len(rows), BATCH):
            statement = insert(table)
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.kind, table.c.object_id],
                set_={
                    name: statement.excluded[name]
                    for name in (
                        "title",
                        "lead",
                        "body",
                        "url",
                        "published_at",
                        "category_id",
                        "language",
                    )
                },
            )
            db.session.execute(statement, rows[start : start + BATCH])

    def remove(self, kind: str, object_ids: Sequence[int]) -> None:
        table = DocumentRow.__table__
        object_ids = [int(i) for i in object_ids]
        for start in range(0, len(object_ids), BATCH):
            db.session.execute(
                delete(table).where(
                    table.c.kind == kind, table.c.object_id.in_(object_ids[start : start + BATCH])
                )
            )

    def clear(self, kind: str | None = None) -> None:
        table = DocumentRow.__table__
        statement = delete(table)
        if kind is not None:
            statement = statement.where(table.c.kind == kind)
        db.session.execute(statement)

    # -- reading -------------------------------------------------------------------

    def search(self, query: SearchQuery, terms: Sequence[str]) -> SearchResults:
        query = query.clamped()
        groups = [g for g in word_groups(query, terms) if tsquery_text([g])]
        return search_then_prefix(query, groups, self._search)

    def _search(
        self, query: SearchQuery, groups: list[tuple[str, ...]], *, prefix: bool
    ) -> SearchResults:
        terms = tuple(t for g in groups for t in g)
        empty = SearchResults(query=query, terms=terms, hits=[], total=0)
        params: dict = {"q": tsquery_text(groups, prefix=prefix), "now": _naive(utcnow())}
        # A document without a date counts as 1970-01-01 (search_vectors stores it so).
        filters = ["v.vector @@ q.q", "v.published_at <= :now"]
        if query.kinds is not None:
            kinds = [k for k in query.kinds if isinstance(k, str)]
            if not kinds:
                return empty
            filters.append("v.kind = ANY(:kinds)")
            params["kinds"] = kinds
        if query.category_ids is not None:
            categories = [
                c for c in query.category_ids if isinstance(c, int) and -(2**31) <= c < 2**31
            ]
            if not categories:
                return empty
            filters.append("v.category_id = ANY(:categories)")
            params["categories"] = categories
        excluded = [
            c
            for c in query.excluded_category_ids or ()
            if isinstance(c, int) and -(2**31) <= c < 2**31
        ]
        if excluded:
            filters.append("(v.category_id IS NULL OR v.category_id <> ALL(:excluded))")
            params["excluded"] = excluded
        bounds = self._time_range(query)
        if bounds is None:
            return empty
        low, high = bounds
        if low is not None:
            filters.append("v.published_at >= :low")
            params["low"] = _naive(low)
        if high is not None:
            filters.append("v.published_at < :high")
            params["high"] = _naive(high)
        # psycopg prepares a statement run five times; PostgreSQL may then plan it once for
        # any words, and the plan for a rare word reads every row for a common one. Plan
        # each search for its own words (for the rest of this read-only transaction).
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        source = (
            f"FROM {SEARCH_VECTORS_TABLE} AS v, to_tsquery('simple'::regconfig, :q) AS q(q) WHERE "
        )
        where = " AND ".join(filters)
        total = db.session.execute(
            text(f"SELECT count(*) FROM (SELECT 1 {source}{where} LIMIT :cap) AS m"),
            {**params, "cap": COUNT_CAP + 1},
        ).scalar_one()
        exact = total <= COUNT_CAP
        total = min(total, COUNT_CAP)
        if total == 0:
            return empty

        # The tier's condition comes first: PostgreSQL checks conditions of equal cost in
        # the order written, and the small title and lead vectors are the cheap ones.
        in_title, in_lead = "v.title_vector @@ q.q", "v.lead_vector @@ q.q"
        tiers = [
            in_title,
            f"{in_lead} AND NOT {in_title}",
            f"NOT {in_title} AND NOT {in_lead}",
        ]
        wanted_start, wanted_end = query.offset, query.offset + query.per_page
        doc_ids: list[int] = []
        tier_start = 0
        order = " ORDER BY v.published_at DESC, v.doc_id DESC"
        for number, tier in enumerate(tiers):
            if tier_start >= wanted_end or tier_start >= total:
                break
            if number < len(tiers) - 1:
                # How many of the wanted rows this tier holds (counting stops there).
                count = db.session.execute(
                    text(f"SELECT count(*) FROM (SELECT 1 {source}{tier} AND {where} LIMIT :n) m"),
                    {**params, "n": wanted_end - tier_start},
                ).scalar_one()
            else:
                count = wanted_end - tier_start
            start, end = max(wanted_start, tier_start), min(wanted_end, tier_start + count)
            if start < end:
                doc_ids += db.session.execute(
                    text(
                        f"SELECT v.doc_id {source}{tier} AND {where}{order} "
                        "LIMIT :limit OFFSET :offset"
                    ),
                    {**params, "limit": end - start, "offset": start - tier_start},
                ).scalars()
            tier_start += count
        hits = hits_of(doc_ids, terms, groups[-1][-1] if prefix else None)
        return SearchResults(query=query, terms=terms, hits=hits, total=total, total_is_exact=exact)

    @staticmethod
    def _time_range(query: SearchQuery) -> tuple[datetime | None, datetime | None] | None:
        """UTC bounds [low, high) of the query's site-local days; None: no time can match."""
        low, high = site_day_bounds(query)
        if low is not None and high is not None and low >= high:
            return None
        return low, high
