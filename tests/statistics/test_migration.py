"""The plugin's migration builds exactly the tables of its models, and keeps existing ones."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from portal.extensions import db
from portal.plugin_data import run_plugin_migrations, schema_differences, upgrade_plugins


@pytest.fixture(autouse=True)
def no_version_table_left(app):
    """The version table is no model: drop it, so that later tests' databases are as new."""
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(db.text("DROP TABLE IF EXISTS alembic_version_statistics"))


def test_the_migration_builds_the_models_tables(app):
    run_plugin_migrations(app, "statistics")
    assert schema_differences(app, "statistics") == []
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"statistics_visitors", "statistics_days", "alembic_version_statistics"} <= tables


def test_tables_built_from_the_models_are_adopted(app):
    """A test app's tables come from the models: ``portal setup`` records the revision."""
    with app.app_context():
        db.session.execute(db.text("DELETE FROM statistics_days"))
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version_statistics"))
        db.session.commit()
        assert [f for f in upgrade_plugins(app) if f.plugin == "statistics"] == []
        version = db.session.execute(
            db.text("SELECT version_num FROM alembic_version_statistics")
        ).scalar()
    assert version == "0001"
    assert schema_differences(app, "statistics") == []
