"""The whole state of a site, to prove that a refused file changed nothing.

:func:`site_state` reads every table of the database (all of them: content,
accounts, sign-ins, audit log, plugin switches) and every file under the
instance folder, as plain values that compare equal only when nothing at all
was written, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select, text

from portal.extensions import db


def database_rows() -> dict[str, list[tuple]]:
    """Every row of every table in the database (migrations' own table included)."""
    rows: dict[str, list[tuple]] = {}
    for name in sorted(inspect(db.engine).get_table_names()):
        table = db.metadata.tables.get(name)
        if table is None:  # alembic_version and other tables without a model
            result = db.session.execute(text(f'SELECT * FROM "{name}"'))
            rows[name] = sorted(tuple(map(repr, row)) for row in result)
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        rows[name] = [tuple(row) for row in db.session.execute(select(table).order_by(*order))]
    return rows


def instance_files(app) -> dict[str, str]:
    """Every file under the instance folder (relative path → SHA-256), SQLite files aside.

    The database file is left out: SQLite may touch it on a read. Its rows
    are compared by :func:`database_rows` instead.
    """
    root = Path(app.instance_path)
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("portal.db"):
            files[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def site_state(app) -> dict[str, Any]:
    """Rows and files of ``app``'s site, to compare before and after an action."""
    with app.app_context():
        db.session.remove()
        return {"rows": database_rows(), "files": instance_files(app)}
