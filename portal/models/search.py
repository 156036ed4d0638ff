"""The search index of the built-in engines: one row per searchable document."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import DDL, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime

#: SQLite's full-text tables over the folded text (see portal/search/sqlite.py).
#: ``rowid`` is a sort key (publication time, then the document's id), ``meta``
#: holds one token per kind and category for filtering; ``doc_id`` is
#: ``search_documents.id``. The title and lead tables repeat those columns
#: alone, so "every word in the title" reads short lists.
SQLITE_FTS_TABLE = "search_fts"
SQLITE_FTS_TITLE_TABLE = "search_fts_title"
SQLITE_FTS_LEAD_TABLE = "search_fts_lead"
_FTS_OPTIONS = "tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'"
SQLITE_FTS_DDLS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_FTS_TABLE} USING fts5("
    f"title, lead, body, meta, doc_id UNINDEXED, {_FTS_OPTIONS})",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_FTS_TITLE_TABLE} USING fts5("
    f"title, meta, {_FTS_OPTIONS})",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_FTS_LEAD_TABLE} USING fts5("
    f"lead, meta, {_FTS_OPTIONS})",
)
SQLITE_FTS_TABLES = (SQLITE_FTS_TABLE, SQLITE_FTS_TITLE_TABLE, SQLITE_FTS_LEAD_TABLE)


class IndexedDocument(db.Model):
    """What one content object (``kind``, ``object_id``) puts in the search index.

    Title, lead and body are plain text as shown to readers; the engines fold
    them for matching. ``url`` is the object's path on this site.
    """

    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "object_id"),
        Index("ix_search_documents_published_at", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    category_id: Mapped[int | None] = mapped_column(nullable=True)
    language: Mapped[str] = mapped_column(String(10), default="vi")


#: Vietnamese letters (and their capitals) the PostgreSQL fallback of ``portal_fold`` translates.
VIETNAMESE_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"


def _postgres_fold_sql() -> tuple[str, str, str]:
    """SQL for PostgreSQL's ``portal_fold(text)``: the extension, with unaccent, without."""
    letters = VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper()
    plain = "".join(
        "d"
        if c in "đĐ"
        else "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
        for c in letters
    ).lower()
    head = (
        "CREATE OR REPLACE FUNCTION portal_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    )
    return (
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        head + "$$ SELECT lower(unaccent('unaccent'::regdictionary, value)) $$",
        head + f"$$ SELECT lower(translate(value, '{letters}', '{plain}')) $$",
    )


def create_postgres_fold(connection) -> None:
    """Create ``portal_fold(text)`` on PostgreSQL: unaccent + lower, else translate + lower.

    Matches :func:`portal.search.text.fold` for Vietnamese. Used when the
    tables are created from the models (tests); migration 0006 does the same.
    """
    extension, with_unaccent, fallback = _postgres_fold_sql()
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(extension)
            connection.exec_driver_sql(with_unaccent)
    except Exception:  # noqa: BLE001 - no unaccent here: the translate() fallback
        connection.exec_driver_sql(fallback)


@event.listens_for(IndexedDocument.__table__, "after_create")
def _after_create(target, connection, **kw):
    if connection.dialect.name == "postgresql":
        create_postgres_fold(connection)


for _ddl in SQLITE_FTS_DDLS:
    event.listen(IndexedDocument.__table__, "after_create", DDL(_ddl).execute_if(dialect="sqlite"))
for _name in SQLITE_FTS_TABLES:
    event.listen(
        IndexedDocument.__table__,
        "before_drop",
        DDL(f"DROP TABLE IF EXISTS {_name}").execute_if(dialect="sqlite"),
    )
