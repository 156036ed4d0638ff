"""The migrations build exactly the schema the models describe, and keep data on upgrade.

The core's models are compared with the core's migrations; each plugin's models
with its own migrations (tests/plugin_data/ holds sample plugins with tables).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from portal.models import Category
from portal.plugin_data import PluginMigrationError, alembic_config, core_tables, migrations_of
from portal.plugin_data import schema_differences as differences_of
from portal.schema import complete_initial_revision, upgrade_database
from portal.testing import make_app

SAMPLE_PLUGINS = Path(__file__).resolve().parent / "plugin_data" / "plugins"
VERSION_TABLES = ("alembic_version", "alembic_version_notes")


def sample_plugin(name: str):
    """A sample plugin of tests/plugin_data/plugins, imported once (as its conftest does)."""
    module_name = f"portal_test_plugin_data.{name}"
    if module_name not in sys.modules:
        path = SAMPLE_PLUGINS / name
        spec = importlib.util.spec_from_file_location(
            module_name, path / "__init__.py", submodule_search_locations=[str(path)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


@pytest.fixture
def plugins(request):
    """``(name, module)`` pairs the empty app loads: none, unless a test names sample plugins."""
    names = getattr(request, "param", ())
    return [(name, sample_plugin(name)) for name in names]


@pytest.fixture
def empty_app(database_url, tmp_path, plugins):
    """An app whose database has no tables at all (not even from create_all)."""
    url = database_url or f"sqlite:///{tmp_path / 'migrations.db'}"
    app = make_app(
        database_url=url,
        fresh_database=False,
        instance_path=str(tmp_path / "i"),
        plugins=plugins,
    )

    def drop_everything():
        db.session.remove()
        db.drop_all()
        # Every other table too: version tables, the built-in plugins' and test plugins'
        # tables that other tests' setups leave (``notes_items`` of tests/plugin_data).
        leftover = set(inspect(db.engine).get_table_names())
        cascade = " CASCADE" if db.engine.dialect.name == "postgresql" else ""
        with db.engine.begin() as connection:
            for table in sorted({*VERSION_TABLES, *leftover}):
                connection.execute(text(f'DROP TABLE IF EXISTS "{table}"{cascade}'))

    with app.app_context():
        drop_everything()
    yield app
    with app.app_context():
        drop_everything()
        db.engine.dispose()


def schema_differences() -> list:
    """The core's models against the database (plugins' tables are theirs to check)."""
    from flask import current_app

    return differences_of(current_app._get_current_object())


def test_upgrade_builds_the_schema_of_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        assert schema_differences() == []


def test_downgrade_to_nothing_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert schema_differences() == []


def test_database_from_before_migrations_is_adopted_with_its_rows(empty_app):
    with empty_app.app_context():
        db.create_all()  # how databases were created before migrations existed
        db.session.add(Category(name="Thời sự", slug="thoi-su"))
        db.session.commit()
        upgrade_database()
        assert schema_differences() == []
        assert db.session.scalar(db.select(Category.name)) == "Thời sự"
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@pytest.mark.parametrize("plugins", [["notes"]], indirect=True, ids=["notes"])
def test_plugin_migrations_build_the_schema_of_its_models(empty_app):
    with empty_app.app_context():
        assert upgrade_database() == []
        assert differences_of(empty_app, "notes") == []
        assert schema_differences() == []


@pytest.mark.parametrize("plugins", [["notes"]], indirect=True, ids=["notes"])
def test_plugin_downgrade_to_nothing_and_up_again_leaves_the_core_alone(empty_app):
    with empty_app.app_context():
        upgrade_database()
        config = alembic_config(migrations_of("notes", sample_plugin("notes")))
        command.downgrade(config, "base")
        assert "notes_items" not in inspect(db.engine).get_table_names()
        assert schema_differences() == []
        command.upgrade(config, "heads")
        assert differences_of(empty_app, "notes") == []


def test_a_plugin_migration_folder_that_does_not_exist_is_named():
    class Plugin:
        PORTAL_MIGRATIONS = "/nowhere/migrations"

    with pytest.raises(PluginMigrationError, match="Plugin ghost: the migration folder"):
        migrations_of("ghost", Plugin())


@pytest.mark.parametrize("plugins", [["notes"]], indirect=True, ids=["notes"])
def test_autogenerate_keeps_core_and_plugin_tables_apart(empty_app):
    with empty_app.app_context():
        upgrade_database()
        with db.engine.begin() as connection:  # left behind by an uninstalled plugin
            connection.execute(text("CREATE TABLE oldplugin_rows (id INTEGER PRIMARY KEY)"))
        try:
            command.check(alembic_config())  # the core proposes nothing, drops nothing
            notes_config = alembic_config(migrations_of("notes", sample_plugin("notes")))
            command.check(notes_config)
            command.downgrade(notes_config, "0001")
            differences = differences_of(empty_app, "notes")  # the model is ahead: pinned
            assert [d[0] for d in differences] == ["add_column"]
            assert differences[0][3].name == "pinned"
        finally:
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE oldplugin_rows"))


def test_the_core_tables_are_exactly_what_the_core_migrations_build(empty_app):
    """Every core model is known as core (imported by portal.models), none is missed."""
    with empty_app.app_context():
        upgrade()
        # Version tables: the core's, and plugins' own (alembic_version_<plugin>) are no models.
        built = {
            n for n in inspect(db.engine).get_table_names() if not n.startswith("alembic_version")
        }
        # SQLite's full-text table (and its shadow tables) is no model: migration 0006 adds it;
        # nor is PostgreSQL's search_vectors (0007)
        built = {name for name in built if not name.startswith("search_fts")}
        built.discard("search_vectors")
        assert built == set(core_tables())


def test_0009_gives_existing_content_the_vietnamese_language_and_comes_off_again(empty_app):
    """Content languages (docs/english-site.md): rows of before keep their data, in Vietnamese."""
    with empty_app.app_context():
        upgrade(revision="0008_search_index_speed")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO categories (name, slug, description, position) VALUES ('Tin', 'tin', '', 0)"
                )
            )
        upgrade(revision="0009_content_languages")
        with db.engine.connect() as connection:
            row = connection.execute(
                text("SELECT language, translation_of_id FROM categories")
            ).one()
        assert tuple(row) == ("vi", None)
        for table in ("categories", "pages", "articles"):
            assert {"language", "translation_of_id"} <= {
                c["name"] for c in inspect(db.engine).get_columns(table)
            }
        downgrade(revision="0008_search_index_speed")
        for table in ("categories", "pages", "articles"):
            assert "language" not in {c["name"] for c in inspect(db.engine).get_columns(table)}
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM categories")).scalar_one() == "tin"


def test_0012_finds_the_library_images_in_the_bodies_of_existing_articles(empty_app):
    """The images each body shows are read from the articles there are (media list, issue 12)."""
    stem = "uploads/ab/" + "0123456789abcdef01234567"
    body = f'<p><img src="/media/{stem}-480w.jpg"><img src="/media/{stem}.jpg"></p>'
    with empty_app.app_context():
        upgrade(revision="0011_listing_indexes")
        with db.engine.begin() as connection:
            for number, html in enumerate((body, "<p>Không ảnh, uploads/xyz</p>"), start=1):
                connection.execute(
                    text(
                        "INSERT INTO articles (id, title, slug, lead, body_html, image,"
                        " image_caption, image_alt, author, source, status, created_at,"
                        " updated_at, version, view_count, language) VALUES (:id, 'Bài', 'bai',"
                        " '', :body, '', '', '', '', '', 'draft', :now, :now, 1, 0, 'vi')"
                    ),
                    {"id": number, "body": html, "now": "2026-12-01 00:00:00.000000"},
                )
        upgrade(revision="0012_article_image_uses")
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT article_id, stem FROM article_image_uses"))
            assert [tuple(row) for row in rows] == [(1, stem)]
        downgrade(revision="0011_listing_indexes")
        assert "article_image_uses" not in inspect(db.engine).get_table_names()


# --- a database made by an earlier cut of the initial migration -------------------------
# The initial migration was regenerated twice after it was first committed; the two
# earlier cuts are kept in tests/migration_history/ exactly as they were committed
# (1e4327f: nine tables; 96df7bf: the newsroom's tables, no plugin_states). Such a
# database says "0001" but lacks what 0001 makes today (portal/schema.py:
# complete_initial_revision).

HISTORY = Path(__file__).resolve().parent / "migration_history"


def make_with(path: Path) -> None:
    """Build the database as that cut of 0001 did, stamp it 0001, add a few rows."""
    spec = importlib.util.spec_from_file_location(f"history_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            module.upgrade()
        connection.execute(
            text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        )
        connection.execute(text("INSERT INTO alembic_version VALUES ('0001')"))
        connection.execute(
            text(
                "INSERT INTO categories (id, name, slug, description, position)"
                " VALUES (1, 'Thời sự', 'thoi-su', '', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, active, created_at)"
                " VALUES (1, 'bientap@example.org', 'Biên tập', 'x', 'editor', :yes, :now)"
            ),
            {"yes": True, "now": "2026-11-28 18:40:00"},
        )


@pytest.mark.parametrize("cut", ["initial_schema_1e4327f.py", "initial_schema_96df7bf.py"])
def test_a_database_of_an_earlier_initial_migration_reaches_the_newest_schema(empty_app, cut):
    with empty_app.app_context():
        make_with(HISTORY / cut)
        assert upgrade_database() == []
        assert schema_differences() == []  # what `flask db check` compares: no drift
        tables = set(inspect(db.engine).get_table_names())
        assert {"plugin_states", "tags", "media_images", "attachments"} <= tables
        with db.engine.connect() as connection:
            assert connection.scalar(text("SELECT slug FROM categories")) == "thoi-su"
            assert connection.scalar(text("SELECT email FROM users")) == "bientap@example.org"
            head = connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert head != "0001"


def test_a_database_of_todays_initial_migration_is_left_as_it_is(empty_app):
    from flask_migrate import upgrade

    with empty_app.app_context():
        upgrade(revision="0001")
        assert complete_initial_revision() == []


def test_init_db_stops_on_a_schema_changed_by_hand_and_names_each_difference(empty_app):
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["portal", "init-db"]).exit_code == 0
    with empty_app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_articles_lastmod"))
        connection.execute(text("ALTER TABLE articles ADD COLUMN legacy_note VARCHAR(20)"))

    result = runner.invoke(args=["portal", "init-db"])

    assert result.exit_code == 1
    assert "Cơ sở dữ liệu đã sẵn sàng" not in result.output
    assert "khác với những gì các model mô tả" in result.output
    assert "index ix_articles_lastmod on articles (" in result.output
    assert "is missing from the database" in result.output
    assert "column articles.legacy_note is in the database but not in the models" in (result.output)
    with empty_app.app_context(), db.engine.begin() as connection:  # put right by hand
        connection.execute(text("ALTER TABLE articles DROP COLUMN legacy_note"))
        connection.execute(
            text(
                "CREATE INDEX ix_articles_lastmod ON articles (status, published_at, updated_at, id)"
            )
        )
    again = runner.invoke(args=["portal", "init-db"])
    assert again.exit_code == 0, again.output
    assert "Cơ sở dữ liệu đã sẵn sàng" in again.output
