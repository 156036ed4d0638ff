"""Sample plugins that own tables (tests/plugin_data/plugins/), loaded once per process."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from portal.extensions import db
from portal.testing import make_app

SAMPLES = Path(__file__).resolve().parent / "plugins"


def load_sample(name: str):
    """Import a sample plugin package by path, once (its models join the shared metadata)."""
    module_name = f"portal_test_plugin_data.{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = SAMPLES / name
    spec = importlib.util.spec_from_file_location(
        module_name, path / "__init__.py", submodule_search_locations=[str(path)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def wipe(app) -> None:
    """Drop every table, version tables included: the database is as new."""
    with app.app_context():
        db.session.remove()
        db.drop_all()
        names = inspect(db.engine).get_table_names()
        with db.engine.begin() as connection:
            for name in names:
                if name.startswith("alembic_version") or name.startswith("broken_migration_"):
                    connection.execute(text(f"DROP TABLE {name}"))


@pytest.fixture
def empty_database(database_url, tmp_path):
    """``build(*sample_names, plugins=[(name, module)])`` → an app on a database with no tables at all; apps share it."""
    url = database_url or f"sqlite:///{tmp_path / 'plugin-data.db'}"
    apps = []

    def build(*names: str, plugins=(), **kwargs):
        plugins = [(name, load_sample(name)) for name in names] + list(plugins)
        kwargs.setdefault("instance_path", str(tmp_path / f"instance-{len(apps)}"))
        app = make_app(database_url=url, plugins=plugins, fresh_database=False, **kwargs)
        if not apps:
            wipe(app)
        apps.append(app)
        return app

    yield build
    if apps:
        wipe(apps[0])
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def sample_plugin():
    """``sample_plugin("notes")`` → the sample plugin module (imported once)."""
    return load_sample
