"""Bringing a database to the newest schema through the migrations: core, then plugins.

Two servers (or two ``portal setup``) starting at once on one database must not
both create the tables: the loser would crash half-way. Every schema change
runs under :func:`schema_lock`: a PostgreSQL advisory lock held by a connection
of its own (released if the process dies), or on SQLite an exclusive lock on a
file beside the database. The second one waits, then finds the work done.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text

from portal.extensions import db
from portal.plugin_data import MigrationFailure, upgrade_plugins

#: The first migration: the schema as it was when migrations were introduced.
INITIAL_REVISION = "0001"
#: The key of the PostgreSQL advisory lock (any number the portal alone uses: "bp schema").
ADVISORY_LOCK_KEY = 0x62705F736368656D
_holding: ContextVar[bool] = ContextVar("portal_schema_lock", default=False)


@contextmanager
def schema_lock() -> Iterator[None]:
    """Hold the database's schema lock (re-entrant within one process) while the block runs."""
    if _holding.get():
        yield
        return
    token = _holding.set(True)
    try:
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                    )
                    connection.commit()
        else:
            path = Path(current_app.instance_path) / "schema.lock"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        _holding.reset(token)


def upgrade_core() -> None:
    """Create or upgrade the core's tables to the newest migration, keeping every row.

    A database created before the project had migrations (tables, but no
    ``alembic_version``) is completed with any missing core table and marked as
    the initial revision first, so the later migrations apply to it.
    """
    from flask_migrate import stamp, upgrade  # Alembic: only where the schema changes

    from portal.plugin_data import core_tables

    tables = set(inspect(db.engine).get_table_names())
    if tables and "alembic_version" not in tables:
        db.metadata.create_all(
            db.engine, tables=[db.metadata.tables[name] for name in sorted(core_tables())]
        )
        stamp(revision=INITIAL_REVISION)
    upgrade()


def upgrade_database() -> list[MigrationFailure]:
    """Upgrade the core, then every loaded plugin's own migrations (switched off ones too).

    A plugin whose migration fails does not stop the others nor undo the core:
    the failures are returned (and logged) for the caller to report. Tables of
    plugins that are switched off or uninstalled are never dropped.
    """
    with schema_lock():
        upgrade_core()
        db.session.remove()
        return upgrade_plugins()
