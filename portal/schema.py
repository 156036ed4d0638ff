"""Bringing a database to the newest schema through the migrations: core, then plugins."""

from __future__ import annotations

from sqlalchemy import inspect

from portal.extensions import db
from portal.plugin_data import MigrationFailure, upgrade_plugins

#: The first migration: the schema as it was when migrations were introduced.
INITIAL_REVISION = "0001"


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
    upgrade_core()
    db.session.remove()
    return upgrade_plugins()
