"""The testing kit for plugins that own tables, used as docs/plugins/testing.md shows."""

from __future__ import annotations

import pytest

from portal import db
from portal.extensions import db as core_db
from portal.plugin_data import PluginMigrationError
from portal.testing import run_plugin_migrations, schema_differences


@pytest.fixture
def notes(sample_plugin):
    return sample_plugin("notes")


@pytest.fixture
def portal_plugins(notes):
    """The fixtures load the sample plugin, as a plugin's own conftest.py does."""
    return [notes]


def test_the_fixture_builds_the_tables_from_the_migrations(portal_app, portal_migrations, notes):
    assert portal_migrations == ["notes"]
    assert schema_differences(portal_app, "notes") == []
    with portal_app.app_context():
        db.session.add(notes.Note(text="Ghi chú"))
        db.session.commit()
        assert db.session.scalar(db.select(notes.Note.text)) == "Ghi chú"
        version = db.session.scalar(db.text("SELECT version_num FROM alembic_version_notes"))
        assert version == "0002"


def test_portal_db_is_the_core_database_object():
    assert db is core_db


def test_migrations_run_on_each_database(app_factory, notes):
    app = app_factory(plugins=[("notes", notes)])
    run_plugin_migrations(app, "notes")
    run_plugin_migrations(app, "notes")  # again: from the first migration, same result
    assert schema_differences(app, "notes") == []
    with app.app_context():
        from portal.plugin_data import drop_plugin_tables

        drop_plugin_tables("notes", notes)


def test_a_plugin_without_migrations_or_not_loaded_gets_a_clear_error(app):
    with pytest.raises(PluginMigrationError, match="Plugin notes is not loaded"):
        run_plugin_migrations(app, "notes")
    with pytest.raises(PluginMigrationError, match="declares no migrations"):
        run_plugin_migrations(app, "standard_layouts")
