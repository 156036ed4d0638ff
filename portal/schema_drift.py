"""Whether the database still has the shape the models describe, in words an operator reads.

Migrations bring a database to the newest revision, but the revision number
says nothing of what was done by hand since (an index dropped to "speed up" an
import, a column added by a report tool) or of a migration edited after it ran.
A database that drifted fails later and far away: a missing index turns a page
into a full scan, a missing column into a 500 on the one screen that uses it.
``portal init-db`` and ``portal setup`` therefore compare the database with the
models after upgrading (what ``flask db check`` compares) and stop with the
list of differences; :func:`schema_drift` gives that list.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from portal.plugin_data import loaded_plugin_objects, migrations_of, schema_differences


def schema_drift(app: Flask) -> list[str]:
    """Every difference between the database and the models, core then plugins, one line each.

    Plugins without migrations of their own are left out: their tables (if any)
    are built from their models and cannot drift from them.
    """
    lines = [describe(difference) for difference in schema_differences(app)]
    with app.app_context():
        plugins = {
            name: plugin
            for name, plugin in sorted(loaded_plugin_objects(app).items())
            if migrations_of(name, plugin) is not None
        }
    for name in plugins:
        lines += [
            f"plugin {name}: {describe(difference)}" for difference in schema_differences(app, name)
        ]
    return lines


def describe(difference: Any) -> str:
    """One Alembic autogenerate difference as a sentence ("index x on articles is missing")."""
    if isinstance(difference, list):  # several changes of one column
        return "; ".join(describe(change) for change in difference)
    kind = difference[0]
    if kind in {"add_table", "remove_table"}:
        table = difference[1]
        return f"table {table.name} {_missing_or_extra(kind)}"
    if kind in {"add_column", "remove_column"}:
        _kind, _schema, table_name, column = difference
        return f"column {table_name}.{column.name} {_missing_or_extra(kind)}"
    if kind in {"add_index", "remove_index"}:
        index = difference[1]
        columns = ", ".join(str(getattr(c, "name", c)) for c in index.expressions)
        return f"index {index.name} on {index.table.name} ({columns}) {_missing_or_extra(kind)}"
    if kind in {"add_constraint", "remove_constraint", "add_fk", "remove_fk"}:
        constraint = difference[1]
        table = getattr(constraint, "table", None)
        where = f" on {table.name}" if table is not None else ""
        name = constraint.name or type(constraint).__name__
        return f"constraint {name}{where} {_missing_or_extra(kind)}"
    if kind.startswith("modify_"):
        _kind, _schema, table_name, column_name, _existing, database, models = difference
        what = kind.removeprefix("modify_")
        return (
            f"column {table_name}.{column_name}: {what} is {database!r} in the database, "
            f"{models!r} in the models"
        )
    return repr(difference)


def _missing_or_extra(kind: str) -> str:
    if kind.startswith("add_"):
        return "is missing from the database"
    return "is in the database but not in the models"
