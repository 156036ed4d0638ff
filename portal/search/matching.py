"""Accent-insensitive "contains" for the admin's searches (articles, media, users).

``folded_contains(columns, text)`` is an SQL condition: every word of ``text``
(:func:`portal.search.text.search_terms`) appears in one of ``columns``,
both sides folded like :func:`portal.search.text.fold` (``ruong bac thang``
finds ``Ruộng bậc thang``). The database compares through ``portal_fold``:
on SQLite a deterministic function registered on every connection
(:func:`install_sqlite_fold`), on PostgreSQL an IMMUTABLE SQL function created
by migration 0006 (unaccent + lower).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from sqlalchemy import and_, event, false, func, literal, or_, true
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from portal.search.text import fold, search_terms

SQL_FUNCTION = "portal_fold"


def _sqlite_fold(value):
    return None if value is None else fold(str(value))


def _on_connect(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(SQL_FUNCTION, 1, _sqlite_fold, deterministic=True)


def install_sqlite_fold() -> None:
    """Register ``portal_fold`` on every new SQLite connection (idempotent; called by create_app)."""
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)


def escape_like(word: str) -> str:
    """``word`` with LIKE's wildcards escaped (escape character ``\\``)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def folded_contains(columns: Sequence[ColumnElement], text: str) -> ColumnElement[bool]:
    """SQL condition: every word of ``text`` is in one of ``columns``, accents ignored.

    A text without words matches everything (the admin shows the whole
    list); no columns match nothing.
    """
    terms = search_terms(text if isinstance(text, str) else "")
    if not terms:
        return true()
    if not columns:
        return false()
    conditions = []
    for term in dict.fromkeys(terms):
        pattern = literal("%" + escape_like(term) + "%")
        conditions.append(
            or_(
                *(
                    func.portal_fold(func.coalesce(column, "")).like(pattern, escape="\\")
                    for column in columns
                )
            )
        )
    return and_(*conditions)
