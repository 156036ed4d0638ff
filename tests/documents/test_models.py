"""The documents plugin's migrations build exactly its models, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

import blocks.documents
from portal.testing import make_app, schema_differences

from .conftest import database_urls


@pytest.mark.parametrize("database_url", database_urls())
def test_migrations_build_what_the_models_describe(database_url, tmp_path):
    from portal.plugin_data import run_plugin_migrations

    app = make_app(
        database_url=database_url,
        plugins=[("documents", blocks.documents)],
        instance_path=str(tmp_path),
    )
    run_plugin_migrations(app, "documents")
    assert schema_differences(app, "documents") == []


def test_tables_built_from_the_models_are_adopted_not_built_again(tmp_path):
    """A test app (create_all) or a site set up from the models: `portal init-db` marks the
    plugin's tables as current instead of failing on "table already exists"."""
    from portal.plugin_data import migration_state, upgrade_plugins

    app = make_app(plugins=[("documents", blocks.documents)], autoload=False,
                   instance_path=str(tmp_path))  # fmt: skip
    with app.app_context():
        assert migration_state("documents", blocks.documents) == "pending"
        assert upgrade_plugins(app) == []
        assert migration_state("documents", blocks.documents) == "current"
