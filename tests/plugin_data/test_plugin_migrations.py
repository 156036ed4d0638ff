"""Plugins own tables and ship migrations: init-db applies them, nothing ever drops them."""

from __future__ import annotations

import types
from pathlib import Path

from sqlalchemy import inspect, text

from portal.extensions import db
from portal.plugin_data import migrations_of, module_of, schema_differences, version_table_for


def tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def core_head() -> str:
    """The newest core migration, read from the migration files themselves."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import portal

    folder = Path(portal.__file__).parent / "migrations"
    config = Config()
    config.set_main_option("script_location", str(folder))
    return ScriptDirectory.from_config(config).get_current_head()


def init_db(app):
    return app.test_cli_runner().invoke(args=["portal", "init-db"])


def notes_version(app) -> str | None:
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version_notes")).scalar()


def test_init_db_applies_both_migrations_of_a_plugin(empty_database, sample_plugin):
    app = empty_database("notes")
    result = init_db(app)
    assert result.exit_code == 0, result.output
    assert {"notes_items", "alembic_version_notes", "alembic_version", "pages"} <= tables(app)
    assert notes_version(app) == "0002"
    assert schema_differences(app, "notes") == []
    assert schema_differences(app) == []
    with app.app_context():
        core_version = db.session.execute(text("SELECT version_num FROM alembic_version"))
        assert [row[0] for row in core_version] == [core_head()]


def test_a_plugin_at_its_first_migration_is_upgraded_keeping_rows(empty_database, sample_plugin):
    app = empty_database("notes")
    assert init_db(app).exit_code == 0
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:  # as the site was before the plugin's 0002
            connection.execute(text("DROP TABLE notes_items"))
            connection.execute(text("CREATE TABLE notes_items (id INTEGER NOT NULL, text "
                                    "VARCHAR(200) NOT NULL, CONSTRAINT pk_notes_items "
                                    "PRIMARY KEY (id))"))  # fmt: skip
            connection.execute(text("INSERT INTO notes_items (id, text) VALUES (1, 'Ghi chú')"))
            connection.execute(text("UPDATE alembic_version_notes SET version_num = '0001'"))
    listing = app.test_cli_runner().invoke(args=["portal", "plugins"])
    assert "chuyển đổi: pending" in listing.output
    assert init_db(app).exit_code == 0
    assert notes_version(app) == "0002"
    Note = sample_plugin("notes").Note
    with app.app_context():
        note = db.session.get(Note, 1)
        assert (note.text, note.pinned) == ("Ghi chú", False)
    listing = app.test_cli_runner().invoke(args=["portal", "plugins"])
    assert "chuyển đổi: current" in listing.output


def test_switching_off_or_uninstalling_keeps_the_table_and_rows(empty_database, sample_plugin):
    app = empty_database("notes")
    assert init_db(app).exit_code == 0
    Note = sample_plugin("notes").Note
    with app.app_context():
        db.session.add(Note(text="Giữ lại"))
        db.session.commit()
    switched = app.test_cli_runner().invoke(args=["portal", "plugins", "disable", "notes"])
    assert switched.exit_code == 0, switched.output
    assert init_db(app).exit_code == 0
    listing = app.test_cli_runner().invoke(args=["portal", "plugins"])
    assert "notes — đã tắt" in listing.output
    assert "chuyển đổi: current" in listing.output

    without = empty_database()  # the plugin uninstalled: same database, no plugin
    result = init_db(without)
    assert result.exit_code == 0, result.output
    assert {"notes_items", "alembic_version_notes"} <= tables(without)
    with without.app_context():
        assert db.session.scalar(text("SELECT text FROM notes_items")) == "Giữ lại"


def test_a_failing_migration_is_named_and_leaves_the_rest_intact(empty_database, sample_plugin):
    app = empty_database("broken_migration", "notes")
    result = init_db(app)
    assert result.exit_code == 1
    assert (
        "Plugin broken_migration: its migration 0002 (broken_migration: refers to a table "
        "that does not exist) failed (" in result.output
    )
    assert "table_that_does_not_exist" in result.output
    assert "Các bảng của lõi đã sẵn sàng" in result.output
    assert {"pages", "articles", "notes_items"} <= tables(app)
    assert notes_version(app) == "0002"
    with app.app_context(), db.engine.connect() as connection:
        version = text("SELECT version_num FROM alembic_version_broken_migration")
        assert connection.execute(version).scalar() == "0001"  # 0002 was not recorded
    listing = app.test_cli_runner().invoke(args=["portal", "plugins"])
    assert "chuyển đổi: pending" in listing.output
    assert "chuyển đổi: current" in listing.output


def test_a_plugin_without_migrations_reports_none(empty_database, sample_plugin):
    app = empty_database()
    assert init_db(app).exit_code == 0
    listing = app.test_cli_runner().invoke(args=["portal", "plugins"])
    assert "chuyển đổi: none" in listing.output


def test_setup_applies_plugin_migrations_too(empty_database):
    app = empty_database("notes")
    result = app.test_cli_runner().invoke(args=["portal", "setup"])
    assert result.exit_code == 0, result.output
    assert notes_version(app) == "0002"
    assert "notes_items" in tables(app)


def test_setup_names_a_failing_plugin_and_exits_1(empty_database):
    app = empty_database("broken_migration")
    result = app.test_cli_runner().invoke(args=["portal", "setup"])
    assert result.exit_code == 1
    assert "Plugin broken_migration: its migration 0002" in result.output
    assert {"pages", "users"} <= tables(app)


def test_a_missing_migration_folder_is_named_by_init_db_and_plugins(empty_database, tmp_path):
    ghost = types.ModuleType("ghost")
    ghost.PORTAL_MIGRATIONS = str(tmp_path / "nowhere")
    app = empty_database(plugins=[("ghost", ghost)])
    result = init_db(app)
    assert result.exit_code == 1
    assert f"Plugin ghost: the migration folder {tmp_path / 'nowhere'}" in result.output
    listing = app.test_cli_runner().invoke(args=["portal", "plugins"])
    assert "chuyển đổi: không rõ (Plugin ghost: the migration folder" in listing.output


def test_version_tables_are_named_after_the_plugin():
    assert version_table_for("notes") == "alembic_version_notes"
    assert version_table_for("Legal-Docs.v2") == "alembic_version_legal_docs_v2"


class ObjectPlugin:
    """A plugin registered as an object: its folder is relative to its class's module."""

    PORTAL_MIGRATIONS = "plugins/notes/migrations"


def test_an_object_plugin_finds_its_folder_next_to_its_module():
    migrations = migrations_of("object_plugin", ObjectPlugin())
    assert migrations.directory == Path(__file__).resolve().parent / "plugins/notes/migrations"
    assert module_of(ObjectPlugin()) == __name__


def test_tables_built_from_the_models_are_marked_migrated_not_built_again(empty_database):
    """A test app builds a plugin's tables with the core's (create_all): init-db then marks
    the plugin's migrations as applied instead of failing on "table already exists"."""
    app = empty_database("notes")
    with app.app_context():
        db.create_all()  # every model's table, the plugin's included, and no version table
        db.session.execute(text("INSERT INTO notes_items (id, text) VALUES (1, 'giữ nguyên')"))
        db.session.commit()
    assert "alembic_version_notes" not in tables(app)
    result = init_db(app)
    assert result.exit_code == 0, result.output
    assert notes_version(app) == "0002"
    with app.app_context():
        assert db.session.execute(text("SELECT text FROM notes_items")).scalar() == "giữ nguyên"
    assert init_db(app).exit_code == 0  # and the next run has nothing to do
