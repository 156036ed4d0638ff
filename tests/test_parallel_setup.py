"""The test setup itself: fresh tables for every app, and each pytest-xdist worker's own
PostgreSQL and Redis databases (tests/conftest.py, portal.testing.make_app)."""

from __future__ import annotations

import os

import pytest
from parallel_workers import worker_database_url, worker_redis_url
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from portal.extensions import db
from portal.models import Category
from portal.testing import make_app


def add_categories(app, *names: str) -> list[int]:
    with app.app_context():
        rows = [Category(name=name, slug=name.lower()) for name in names]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def category_names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Category.name).order_by(Category.id)))


def close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_new_app_starts_from_empty_tables_with_ids_from_one(database_url, tmp_path):
    url = database_url or f"sqlite:///{tmp_path / 'shared.db'}"
    first = make_app(database_url=url, instance_path=str(tmp_path / "a"))
    assert add_categories(first, "Một", "Hai") == [1, 2]
    close(first)

    second = make_app(database_url=url, instance_path=str(tmp_path / "b"))
    assert category_names(second) == []
    assert add_categories(second, "Ba") == [1]  # the ids start again, as in new tables
    kept = make_app(database_url=url, instance_path=str(tmp_path / "c"), fresh_database=False)
    assert category_names(kept) == ["Ba"]
    for app in (second, kept):
        close(app)


def test_a_table_changed_by_a_test_is_built_again(database_url, tmp_path):
    """A column added, a table dropped: the next app still gets the models' tables exactly."""
    url = database_url or f"sqlite:///{tmp_path / 'shared.db'}"
    first = make_app(database_url=url, instance_path=str(tmp_path / "a"))
    add_categories(first, "Một")
    with first.app_context(), db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE categories ADD COLUMN extra INTEGER DEFAULT 7"))
        connection.execute(text("DROP TABLE user_sessions"))
    close(first)

    second = make_app(database_url=url, instance_path=str(tmp_path / "b"))
    with second.app_context():
        inspector = inspect(db.engine)
        assert "user_sessions" in inspector.get_table_names()
        columns = {column["name"] for column in inspector.get_columns("categories")}
        assert columns == set(db.metadata.tables["categories"].columns.keys())
    assert category_names(second) == []
    assert add_categories(second, "Hai") == [1]
    close(second)


def test_a_new_app_starts_without_what_an_earlier_test_stored(database_url, tmp_path):
    """What an app reads as it starts (here the plugin switches) comes from empty tables,
    never from the rows the previous test left on the shared PostgreSQL database."""
    from portal.models import PluginState
    from portal.plugins import plugins_of

    if not database_url:
        pytest.skip("each app has an in-memory SQLite database of its own")
    first = make_app(database_url=database_url, instance_path=str(tmp_path / "a"))
    with first.app_context():
        db.session.add(PluginState(name="rich_text", enabled=False))
        db.session.commit()
    close(first)
    second = make_app(database_url=database_url, instance_path=str(tmp_path / "b"))
    assert plugins_of(second).switched_off == set()
    kept = make_app(
        database_url=database_url, instance_path=str(tmp_path / "c"), fresh_database=False
    )
    assert plugins_of(kept).switched_off == set()
    for app in (second, kept):
        close(app)


def test_each_worker_counts_down_from_the_redis_database_given():
    assert worker_redis_url("redis://127.0.0.1:6379/15", 0) == "redis://127.0.0.1:6379/15"
    assert worker_redis_url("redis://127.0.0.1:6379/15", 1) == "redis://127.0.0.1:6379/14"
    assert worker_redis_url("redis://:secret@cache:6380/1", 3) == "redis://:secret@cache:6380/4"
    assert worker_redis_url("redis://127.0.0.1:6379", 1) == "redis://127.0.0.1:6379/1"


@pytest.fixture
def scratch_database():
    """A database of this test's own beside PORTAL_TEST_DATABASE_URL's, dropped afterwards
    with every database derived from it."""
    import psycopg
    from psycopg import sql

    postgres_url = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if not postgres_url:
        pytest.skip("PORTAL_TEST_DATABASE_URL is not set")
    given = make_url(postgres_url).set(drivername="postgresql")
    name = f"{given.database}_setup_probe"
    admin = given.render_as_string(hide_password=False)

    def drop_all_of_them(connection):
        found = connection.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
            [name, name + "\\_gw%"],
        )
        for (found_name,) in found.fetchall():
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(found_name))
            )

    with psycopg.connect(admin, autocommit=True) as connection:
        drop_all_of_them(connection)
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        available = connection.execute(
            "SELECT name FROM pg_available_extensions WHERE name IN ('unaccent', 'citext')"
        ).fetchall()
    url = given.set(database=name).render_as_string(hide_password=False)
    yield url, [row[0] for row in available]
    with psycopg.connect(admin, autocommit=True) as connection:
        drop_all_of_them(connection)


@pytest.mark.postgres
@pytest.mark.slow  # creates and drops two databases: seconds
def test_a_worker_gets_its_own_postgresql_database_with_the_same_extensions(scratch_database):
    import psycopg

    url, available = scratch_database
    if available:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"CREATE EXTENSION {available[0]}")

    own = worker_database_url(url, 3)
    assert make_url(own).database == make_url(url).database + "_gw3"
    assert worker_database_url(url, 3) == own  # there already: used as it is
    assert worker_database_url(own, 3) == own  # a pytest started by a test keeps it
    with psycopg.connect(own) as connection:
        extensions = {row[0] for row in connection.execute("SELECT extname FROM pg_extension")}
    assert set(available[:1]) <= extensions

    app = make_app(database_url=own)
    assert add_categories(app, "Một") == [1]
    assert category_names(app) == ["Một"]
    close(app)
