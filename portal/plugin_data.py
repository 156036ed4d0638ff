"""Tables that plugins own, and the Alembic migrations that plugins ship.

A plugin declares its models on the portal's ``db`` (``portal.db``,
``portal.Model``) and names the folder of its migrations with a module
attribute::

    PORTAL_MIGRATIONS = "migrations"   # relative to the plugin's module, or absolute

Each plugin's migrations form a chain of their own, kept apart from the core's:
they are read from the plugin's folder only, and the revision a database is at
is stored in a version table of the plugin's own, ``alembic_version_<plugin>``.
So revision ids only need to be unique within one plugin, the core's
``alembic_version`` never names a plugin revision, and a database keeps
working when a plugin is uninstalled: its tables and its version table stay,
nothing reads them, nothing drops them.

``portal init-db`` and ``portal setup`` upgrade the core first, then every
loaded plugin (switched off or not) in name order. A plugin whose migration
fails is reported and skipped; the core and the other plugins are upgraded.

Alembic is imported inside the functions that migrate or compare schemas: this
module is part of the public API (``portal.db``, ``portal.Model``), which every
worker imports, and a worker serving pages never migrates.
"""

from __future__ import annotations

import logging
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import inspect, text

import portal.models  # noqa: F401  (every core model is defined before the snapshot below)
from portal.extensions import db
from portal.text import first_line

log = logging.getLogger(__name__)

#: The declarative base of every model, core and plugins alike (``portal.Model``).
Model = db.Model

#: The module attribute that names a plugin's migration folder.
MIGRATIONS_ATTRIBUTE = "PORTAL_MIGRATIONS"
#: The core's version table; each plugin's is this name plus ``_<plugin>``.
CORE_VERSION_TABLE = "alembic_version"

#: Migration states shown by ``portal plugins``.
STATE_NONE = "none"
STATE_CURRENT = "current"
STATE_PENDING = "pending"

#: The core's tables: those defined before any plugin can define one (a plugin
#: imports ``portal`` first, and ``portal`` imports this module after its models).
CORE_TABLES = frozenset(db.metadata.tables)


class PluginMigrationError(RuntimeError):
    """A plugin's migrations cannot be found or applied; the message says which and why."""


@dataclass(frozen=True)
class PluginMigrations:
    """Where one plugin's migrations live and where their state is stored."""

    plugin: str
    directory: Path
    version_table: str


@dataclass(frozen=True)
class MigrationFailure:
    """A plugin whose migrations could not be applied by :func:`upgrade_plugins`."""

    plugin: str
    message: str

    def __str__(self) -> str:
        return f"Plugin {self.plugin}: {self.message}"


def module_of(plugin: Any) -> str:
    """The module that defines a plugin: the plugin itself, or its class's module."""
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__
    return getattr(plugin, "__module__", None) or type(plugin).__module__


def version_table_for(plugin: str) -> str:
    """``alembic_version_<plugin>``, with anything but letters, digits and _ made _."""
    return f"{CORE_VERSION_TABLE}_{re.sub(r'[^A-Za-z0-9_]', '_', plugin).lower()}"


def migrations_of(name: str, plugin: Any) -> PluginMigrations | None:
    """The migrations a plugin object declares, or None if it declares none.

    Raises :class:`PluginMigrationError` if the declared folder does not exist.
    """
    declared = getattr(plugin, MIGRATIONS_ATTRIBUTE, None)
    if not declared:
        return None
    directory = Path(declared)
    if not directory.is_absolute():
        module = (
            plugin if isinstance(plugin, types.ModuleType) else sys.modules.get(module_of(plugin))
        )
        module_file = getattr(module, "__file__", None)
        if not module_file:
            raise PluginMigrationError(
                f"Plugin {name}: {MIGRATIONS_ATTRIBUTE} = {declared!r} is relative, but the "
                "plugin has no __file__ to be relative to; give an absolute path."
            )
        directory = Path(module_file).resolve().parent / directory
    if not directory.is_dir():
        raise PluginMigrationError(
            f"Plugin {name}: the migration folder {directory} ({MIGRATIONS_ATTRIBUTE}) "
            "does not exist."
        )
    return PluginMigrations(plugin=name, directory=directory, version_table=version_table_for(name))


def loaded_plugin_objects(app: Flask) -> dict[str, Any]:
    """Every loaded plugin (switched off ones included) by name: their tables must stay current."""
    from portal.plugins import plugins_of

    plugins = plugins_of(app)
    objects = {}
    for name, info in sorted(plugins.plugins.items()):
        if not info.loaded:
            continue
        plugin = plugins.manager.get_plugin(name)
        if plugin is not None:
            objects[name] = plugin
    return objects


def alembic_config(migrations: PluginMigrations | None = None):
    """The Alembic configuration of the core (None) or of one plugin's migrations.

    Both use the core's ``env.py``; for a plugin, the revisions are read from
    its folder only and its state is kept in its own version table.
    """
    config = current_app.extensions["migrate"].migrate.get_config()
    if migrations is not None:
        config.set_main_option("version_locations", str(migrations.directory))
        config.attributes["portal_plugin"] = migrations.plugin
        config.attributes["portal_version_table"] = migrations.version_table
    return config


def _heads(migrations: PluginMigrations) -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(migrations))
    return set(script.get_heads())


def _current(migrations: PluginMigrations) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": migrations.version_table}
        )
        return set(context.get_current_heads())


def migration_state(name: str, plugin: Any) -> str:
    """``none`` (no migrations), ``current`` (at its newest revision) or ``pending``."""
    migrations = migrations_of(name, plugin)
    if migrations is None:
        return STATE_NONE
    return STATE_CURRENT if _current(migrations) == _heads(migrations) else STATE_PENDING


def upgrade_plugin(name: str, plugin: Any) -> bool:
    """Apply one plugin's pending migrations; False if it has none.

    Raises :class:`PluginMigrationError` naming the plugin and the error.
    """
    from alembic import command

    migrations = migrations_of(name, plugin)
    if migrations is None:
        return False
    db.session.remove()  # no session may hold a table lock while the schema changes
    try:
        _adopt_tables_built_from_models(name, plugin, migrations)
        command.upgrade(alembic_config(migrations), "heads")
    except Exception as exc:
        raise PluginMigrationError(
            f"Plugin {name}: its migration {_next_revision(migrations)}failed "
            f"({type(exc).__name__}: {first_line(exc)}). "
            "Its version was not advanced past the last migration that succeeded; "
            "the core tables and the other plugins are unaffected."
        ) from exc
    return True


def _adopt_tables_built_from_models(name: str, plugin: Any, migrations: PluginMigrations) -> None:
    """Mark a plugin's tables that ``create_all`` built (tests, a site set up from the models)
    as at its newest revision, so that its migrations do not try to build them again.

    Only when every table of the plugin is there, its version table is not, and the
    tables are exactly what its models describe; otherwise the migrations run as usual
    (and a mismatch fails with the plugin named).
    """
    from alembic import command

    present = set(inspect(db.engine).get_table_names())
    tables = plugin_tables(module_of(plugin))
    if migrations.version_table in present or not tables or not tables <= present:
        return
    if schema_differences(current_app._get_current_object(), name):
        return
    command.stamp(alembic_config(migrations), "heads")
    log.info("Plugin %s: tables built from its models adopted at its newest revision", name)


def _next_revision(migrations: PluginMigrations) -> str:
    """``"0002 (what it does) "``: the revision after the database's, for an error message."""
    from alembic.script import ScriptDirectory

    try:
        current = _current(migrations)
        script = ScriptDirectory.from_config(alembic_config(migrations))
        for revision in script.walk_revisions():
            down = revision.down_revision
            downs = set(down) if isinstance(down, tuple | list) else ({down} if down else set())
            if downs == current or (
                downs and downs <= current and not current & {revision.revision}
            ):
                return f"{revision.revision} ({revision.doc}) "
    except Exception:  # the message must not fail for want of a revision name
        log.debug("could not name the failing revision of %s", migrations.plugin, exc_info=True)
    return ""


def upgrade_plugins(app: Flask | None = None) -> list[MigrationFailure]:
    """Upgrade every loaded plugin that has migrations; return the failures (logged too)."""
    app = app or current_app._get_current_object()
    failures = []
    for name, plugin in loaded_plugin_objects(app).items():
        try:
            upgrade_plugin(name, plugin)
        except PluginMigrationError as exc:
            log.error("%s", exc)
            failures.append(MigrationFailure(plugin=name, message=_without_prefix(name, exc)))
    return failures


def _without_prefix(name: str, exc: Exception) -> str:
    message = str(exc)
    prefix = f"Plugin {name}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def plugin_tables(module_name: str) -> set[str]:
    """The tables of the models defined in a module or its submodules (a plugin's tables)."""
    tables = set()
    for mapper in db.Model.registry.mappers:
        owner = mapper.class_.__module__
        if owner == module_name or owner.startswith(module_name + "."):
            tables.update(table.name for table in mapper.tables)
    return tables


def core_tables() -> frozenset[str]:
    """The tables of the core's own models, association tables included."""
    return CORE_TABLES


def drop_plugin_tables(name: str, plugin: Any) -> None:
    """Drop a plugin's tables and its version table (tests only: a real site never does this)."""
    migrations = migrations_of(name, plugin)
    tables = plugin_tables(module_of(plugin))
    present = set(inspect(db.engine).get_table_names())
    db.session.remove()
    metadata_tables = [db.metadata.tables[t] for t in tables if t in db.metadata.tables]
    db.metadata.drop_all(db.engine, tables=[t for t in metadata_tables if t.name in present])
    if migrations is not None and migrations.version_table in present:
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP TABLE {migrations.version_table}"))


def run_plugin_migrations(app: Flask, name: str) -> None:
    """Rebuild a loaded plugin's tables from its migrations (tests: SQLite and PostgreSQL).

    The test app builds every model's table from the models; this drops the
    plugin's tables and builds them again by running its migrations from the
    first, so the test sees exactly what a site gets from ``portal init-db``.
    """
    with app.app_context():
        plugin = loaded_plugin_objects(app).get(name)
        if plugin is None:
            raise PluginMigrationError(f"Plugin {name} is not loaded in this app.")
        if migrations_of(name, plugin) is None:
            raise PluginMigrationError(
                f"Plugin {name} declares no migrations (set {MIGRATIONS_ATTRIBUTE} in its module)."
            )
        drop_plugin_tables(name, plugin)
        upgrade_plugin(name, plugin)


def schema_differences(app: Flask, name: str | None = None) -> list:
    """What the models say and the database lacks (or has too much), for the core or a plugin.

    ``name=None`` compares the core's models with the database; a plugin name
    compares that plugin's models only. An empty list means the migrations
    build exactly what the models describe.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with app.app_context():
        if name is None:
            owned = set(core_tables())
        else:
            plugin = loaded_plugin_objects(app).get(name)
            if plugin is None:
                raise PluginMigrationError(f"Plugin {name} is not loaded in this app.")
            owned = plugin_tables(module_of(plugin))

        def include_object(object, object_name, type_, reflected, compare_to):
            return type_ != "table" or object_name in owned

        # The same filter by name, before anything is reflected: a plugin's check reads
        # its own few tables, not the whole database (init-db checks every plugin).
        def include_name(name, type_, parent_names):
            return type_ != "table" or name in owned

        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_object": include_object,
                    "include_name": include_name,
                },
            )
            return compare_metadata(context, db.metadata)
