"""Bringing a database to the newest schema through the migrations: core, then plugins.

Two servers (or two ``portal setup``) starting at once on one database must not
both create the tables: the loser would crash half-way. Every schema change
runs under :func:`schema_lock`: a PostgreSQL advisory lock held by a transaction
of its own (released when it ends or the process dies), or on SQLite an exclusive lock on a
file beside the database. The second one waits, then finds the work done.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import current_app
from sqlalchemy import (
    Column,
    DefaultClause,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    inspect,
    text,
)

from portal.extensions import db
from portal.owner_only import make_folder
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
            # A transaction's lock, held by a transaction left open on a connection of its
            # own: released when it ends, whatever happens. (A session lock taken and then
            # committed would stay behind on a PgBouncer server connection in transaction
            # pooling mode, held for ever, and the next setup would wait for ever.)
            with db.engine.connect() as connection, connection.begin():
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                yield
        else:
            path = Path(current_app.instance_path) / "schema.lock"
            make_folder(path.parent)
            # Owner-only, like everything in the instance folder (portal/owner_only.py).
            with os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+") as handle:
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
    elif "alembic_version" in tables and _core_revision() == INITIAL_REVISION:
        complete_initial_revision()
    upgrade()


def _core_revision() -> str | None:
    with db.engine.connect() as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


INITIAL_MIGRATION = (
    Path(__file__).resolve().parent / "migrations" / "versions" / ("0001_initial_schema.py")
)


def complete_initial_revision() -> list[str]:
    """Give a database at revision 0001 what that migration makes today; what was added.

    The initial migration was regenerated twice on the day it was written
    (tags, media, attachments, revisions and plugin states were added to it),
    so a database made by an earlier cut of it says ``0001`` but lacks those
    tables and four columns of ``articles``, and the next migrations fail on
    it. Here the tables, columns and indexes 0001 makes now are added where
    missing (a NOT NULL column is filled with its model's default), and on
    PostgreSQL the constraints get the names 0001 gives them; rows are kept.
    On a database made by today's 0001 nothing is missing and nothing happens.
    """
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    shape = _recorded_shape(INITIAL_MIGRATION)
    added: list[str] = []
    with db.engine.begin() as connection:
        inspector = inspect(connection)
        existing = set(inspector.get_table_names())
        operations = Operations(MigrationContext.configure(connection))
        for table in shape.sorted_tables:
            if table.name not in existing:
                table.create(connection)
                added.append(f"table {table.name}")
                continue
            columns = {column["name"] for column in inspector.get_columns(table.name)}
            missing = [column for column in table.columns if column.name not in columns]
            if connection.dialect.name == "sqlite":
                for column in missing:  # plain columns first: the rows get their values
                    operations.add_column(table.name, _addable(table.name, column))
                if missing or _has_unnamed_constraints(inspector, table.name):
                    _rebuild_sqlite_table(operations, table)
                    added.append(f"table {table.name} rebuilt")
                continue
            for column in missing:
                operations.add_column(table.name, _addable(table.name, column))
                for foreign in column.foreign_keys:
                    operations.create_foreign_key(
                        foreign.constraint.name,
                        table.name,
                        foreign.column.table.name,
                        [column.name],
                        [foreign.column.name],
                        ondelete=foreign.ondelete,
                        onupdate=foreign.onupdate,
                    )
                added.append(f"column {table.name}.{column.name}")
            indexes = {index["name"] for index in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in indexes:
                    index.create(connection)
                    added.append(f"index {index.name}")
            if connection.dialect.name == "postgresql":
                added += _rename_constraints(connection, inspector, table)
    return added


def _has_unnamed_constraints(inspector, table_name: str) -> bool:
    """SQLite keeps a constraint created without a name unnamed (an earlier cut of 0001)."""
    uniques = inspector.get_unique_constraints(table_name)
    foreigns = inspector.get_foreign_keys(table_name)
    return any(not constraint.get("name") for constraint in [*uniques, *foreigns])


def _rebuild_sqlite_table(operations, table: Table) -> None:
    """SQLite adds no named constraint (nor a foreign key) to a table: it is made again as
    0001 makes it now (Alembic's batch mode: a new table, the rows copied, the old one
    dropped), once every column of it is there."""
    with operations.batch_alter_table(
        table.name, copy_from=table.to_metadata(MetaData()), recreate="always"
    ):
        pass


def _addable(table_name: str, column: Column) -> Column:
    """A copy of ``column`` that can be added to a table holding rows: a NOT NULL one
    gets its model's default as the value of the rows already there."""
    copy = column._copy()
    if not column.nullable:
        default = db.metadata.tables[table_name].c[column.name].default
        if default is None or not default.is_scalar:
            raise RuntimeError(f"{table_name}.{column.name}: no value for the rows already there")
        copy.server_default = DefaultClause(text(repr(default.arg)))
    return copy


def _rename_constraints(connection, inspector, table: Table) -> list[str]:
    """Primary, unique and foreign keys named as 0001 names them (PostgreSQL named them
    itself in a database made by an earlier cut: ``categories_slug_key``)."""
    found: dict[tuple, str] = {}
    primary = inspector.get_pk_constraint(table.name)
    if primary.get("name"):
        found["primary", tuple(primary["constrained_columns"])] = primary["name"]
    for unique in inspector.get_unique_constraints(table.name):
        found["unique", tuple(unique["column_names"])] = unique["name"]
    for foreign in inspector.get_foreign_keys(table.name):
        found["foreign", tuple(foreign["constrained_columns"])] = foreign["name"]
    renamed = []
    for constraint in table.constraints:
        kind = {
            PrimaryKeyConstraint: "primary",
            UniqueConstraint: "unique",
            ForeignKeyConstraint: "foreign",
        }.get(type(constraint))
        if kind is None or not constraint.name:
            continue
        columns = tuple(column.name for column in constraint.columns)
        old = found.get((kind, columns))
        if old and old != constraint.name:
            connection.execute(
                text(f'ALTER TABLE "{table.name}" RENAME CONSTRAINT "{old}" TO "{constraint.name}"')
            )
            renamed.append(f"constraint {old} → {constraint.name}")
    return renamed


class _RecordedBatch:
    def __init__(self, table: Table) -> None:
        self.table = table

    @staticmethod
    def f(name: str) -> str:
        return name

    def create_index(self, name: str, columns: list[str], unique: bool = False, **_kw) -> None:
        Index(name, *[self.table.c[column] for column in columns], unique=unique)


class _Recorder:
    """Stands for ``alembic.op`` while a migration's ``upgrade()`` runs: the tables and
    indexes it would create are recorded into a MetaData instead."""

    def __init__(self) -> None:
        self.metadata = MetaData()

    @staticmethod
    def f(name: str) -> str:
        return name

    def create_table(self, name: str, *elements, **_kw) -> Table:
        return Table(name, self.metadata, *elements)

    @contextmanager
    def batch_alter_table(self, name: str, **_kw) -> Iterator[_RecordedBatch]:
        yield _RecordedBatch(self.metadata.tables[name])


def _recorded_shape(path: Path) -> MetaData:
    """The tables a migration made only of ``create_table`` and ``create_index`` creates."""
    spec = importlib.util.spec_from_file_location(f"portal_recorded_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    recorder = _Recorder()
    module.op = recorder
    module.upgrade()
    return recorder.metadata


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
