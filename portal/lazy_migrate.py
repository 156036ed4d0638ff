"""Flask-Migrate's configuration, without importing Flask-Migrate until a migration runs.

Why: Flask-Migrate imports Alembic and Mako, about 11 MB of every worker's
memory, and a worker serving pages never migrates. ``app.extensions["migrate"]``
is what Flask-Migrate's functions (``upgrade``, ``stamp``...), ``portal.plugin_data``
and ``migrations/env.py`` read: here an object with the attributes of
Flask-Migrate's own, whose ``migrate`` (the extension) is built when first asked
for. ``flask db ...`` is registered by :mod:`portal.lazy_cli`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from flask import Flask

#: Options of every migration, core and plugins (``configure_args`` in migrations/env.py).
MIGRATION_OPTIONS = {"render_as_batch": True, "compare_type": True}


class MigrateConfig:
    """``app.extensions["migrate"]``: Flask-Migrate's configuration object, built lazily."""

    def __init__(self, db: Any, directory: str) -> None:
        self.db = db
        self.directory = directory
        self.configure_args = dict(MIGRATION_OPTIONS)

    @cached_property
    def migrate(self):
        """The Flask-Migrate extension (its ``get_config()``), imported on first use."""
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self.configure_args)

    @property
    def metadata(self):
        return self.db.metadata


def init_app(app: Flask, db: Any, directory: str) -> None:
    app.extensions["migrate"] = MigrateConfig(db, directory)
