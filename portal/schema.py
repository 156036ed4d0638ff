"""Bringing a database to the newest schema through the migrations."""

from __future__ import annotations

from flask_migrate import stamp, upgrade
from sqlalchemy import inspect

from portal.extensions import db

#: The first migration: the schema as it was when migrations were introduced.
INITIAL_REVISION = "0001"


def upgrade_database() -> None:
    """Create or upgrade the tables to the newest migration, keeping every row.

    A database created before the project had migrations (tables, but no
    ``alembic_version``) is completed with any missing table and marked as the
    initial revision first, so the later migrations apply to it.
    """
    tables = set(inspect(db.engine).get_table_names())
    if tables and "alembic_version" not in tables:
        db.create_all()
        stamp(revision=INITIAL_REVISION)
    upgrade()
